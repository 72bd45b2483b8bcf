//! The built `thumbnail-fn` binary on the real `lambda_runtime` loop: it polls cargo-lambda's
//! Runtime API emulator (`cargo lambda watch --only-lambda-apis`), `cargo lambda invoke` sends
//! it S3 events, and it talks to moto S3 configured only through its environment.

use std::io::Cursor;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::{json, Value};
use test_support::{free_port, venv_bin, Moto};

const BUCKET: &str = "runtime-test";

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what} did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn s3_event(key_as_in_event: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-27T03:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "thumbnails",
               "bucket": {"name": BUCKET, "arn": format!("arn:aws:s3:::{BUCKET}")},
               "object": {"key": key_as_in_event, "size": 1000, "sequencer": "0055AED6DCD90281E5"}}
    }]})
}

fn invoke(port: u16, event: &Value, dir: &Path) -> Output {
    let file = dir.join("event.json");
    std::fs::write(&file, event.to_string()).expect("write event file");
    Command::new(venv_bin("cargo-lambda"))
        .args(["lambda", "invoke", "--invoke-address", "127.0.0.1", "--invoke-port"])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(&file)
        .arg("_")
        .output()
        .expect("run cargo lambda invoke")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_s3_events_through_the_lambda_runtime_api() {
    let moto = Moto::start();
    let s3 = moto.s3().await;
    s3.create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(RgbImage::from_fn(300, 200, |x, y| Rgb([x as u8, y as u8, 99])))
        .write_to(&mut png, ImageFormat::Png)
        .expect("encode PNG");
    s3.put_object().bucket(BUCKET).key("media/p q.png").body(ByteStream::from(png.into_inner())).send().await.expect("upload original");
    s3.put_object()
        .bucket(BUCKET)
        .key("media/broken.png")
        .body(ByteStream::from_static(b"\x89PNG\r\n\x1a\n truncated"))
        .send()
        .await
        .expect("upload broken original");

    let port = free_port();
    let _emulator = Running(
        Command::new(venv_bin("cargo-lambda"))
            .args(["lambda", "watch", "--only-lambda-apis", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cargo lambda watch"),
    );
    wait_for_port(port, "cargo lambda watch");
    let _function = Running(
        Command::new(env!("CARGO_BIN_EXE_thumbnail-fn"))
            .envs(moto.env())
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("THUMB_WIDTHS", "100,200")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the thumbnail-fn binary"),
    );
    let dir = tempfile::tempdir().expect("temp dir");

    let ok = invoke(port, &s3_event("media/p+q.png"), dir.path());
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "invoke failed: {stdout}\n{}", String::from_utf8_lossy(&ok.stderr));
    let report: Value = serde_json::from_str(stdout.trim()).expect("the function answers its JSON report");
    assert_eq!(
        report,
        json!({"records": [{"bucket": BUCKET, "key": "media/p q.png", "outcome": "written",
            "thumbnails": ["thumbs/p q-100.webp", "thumbs/p q-200.webp", "thumbs/p q-200.jpg"]}]})
    );
    for key in ["thumbs/p q-100.webp", "thumbs/p q-200.webp", "thumbs/p q-200.jpg"] {
        let head = s3.head_object().bucket(BUCKET).key(key).send().await.expect("thumbnail exists");
        assert_eq!(head.cache_control(), Some(thumbnail_fn::CACHE_CONTROL), "{key}");
    }

    // A failed record fails the invocation, naming the key (what Lambda retries and dead-letters).
    let failed = invoke(port, &s3_event("media/broken.png"), dir.path());
    let text = format!("{}{}", String::from_utf8_lossy(&failed.stdout), String::from_utf8_lossy(&failed.stderr));
    assert!(!failed.status.success(), "a failed record must fail the invocation: {text}");
    assert!(text.contains("FailedRecords") && text.contains("media/broken.png"), "{text}");
}
