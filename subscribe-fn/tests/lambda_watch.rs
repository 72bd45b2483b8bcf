//! The real `lambda_runtime` loop of both binaries, driven by `cargo lambda watch`'s Lambda
//! emulator: an HTTP request through its function URL emulation, and a stream event through its
//! Invoke API.
//!
//! The emulator runs with `--only-lambda-apis` and the binaries are the ones cargo built for
//! this test (`CARGO_BIN_EXE_*`). Letting `cargo lambda watch` compile them instead runs
//! `cargo run --bin <name>`, which resolves features for subscribe-fn alone and recompiles
//! tokio and the whole AWS SDK stack (minutes) in the shared target dir.

mod common;
mod news_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use test_support::{free_port, venv_bin};

/// Kills the child it owns when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16, limit: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < limit, "cargo lambda watch did not listen on {port} within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fails clearly when the binary is not this crate's entry point (e.g. another checkout sharing
/// the target dir overwrote it): started without configuration, ours must refuse to start and
/// say which variable is missing.
fn assert_is_our_binary(bin: &str) {
    let out = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap_or_else(|e| panic!("run {bin}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("TABLE_NAME is not set"),
        "{bin} is not subscribe-fn's entry point (exit {:?}, output {text:?}); was it overwritten by another build?",
        out.status.code()
    );
}

fn start_function(bin: &str, name: &str, port: u16, table: &str) -> Killed {
    start_function_with(bin, name, port, table, &[])
}

fn start_function_with(bin: &str, name: &str, port: u16, table: &str, extra: &[(&str, String)]) -> Killed {
    assert_is_our_binary(bin);
    let mut cmd = Command::new(bin);
    cmd.env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt/{name}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("TABLE_NAME", table)
        .env("SENDER_EMAIL", SENDER)
        .env("SITE_URL", SITE)
        .env("SITE_TITLE", "Field Notes")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in moto().env() {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {bin}: {e}"));
    // Echo the function's log lines (they include the configuration line) into the test output.
    let stdout = child.stdout.take().unwrap();
    let label = name.to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            eprintln!("[{label}] {line}");
        }
    });
    Killed(child)
}

/// `cargo lambda watch` serving only the Lambda APIs on a free port. `--timeout` sets the
/// invocation deadline the emulator hands the functions (the sender plans its sends by it).
fn start_watch() -> (u16, Killed) {
    let port = free_port();
    let watch = Command::new(venv_bin("cargo-lambda"))
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "--timeout",
            "60",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &port.to_string(),
        ])
        .current_dir(test_support::workspace_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cargo lambda watch");
    let watch = Killed(watch);
    wait_for_port(port, Duration::from_secs(30));
    (port, watch)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binaries_answer_through_cargo_lambda_watch() {
    let mut env = env("watch", true).await;
    let (port, _watch) = start_watch();
    let _http = start_function(env!("CARGO_BIN_EXE_subscribe-http"), "subscribe-http", port, &env.table);
    let _stream = start_function(env!("CARGO_BIN_EXE_subscribe-stream"), "subscribe-stream", port, &env.table);

    // Function URL emulation: payload 2.0 in, lambda_http's response out.
    let email = "watcher@example.com";
    let url = format!("http://127.0.0.1:{port}/lambda-url/subscribe-http/api/subscribe");
    let (status, body) = tokio::task::spawn_blocking(move || {
        let mut resp = agent()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .send(json!({ "email": email }).to_string())
            .expect("function URL answers");
        (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["message"], subscribe_fn::http::ACCEPTED_MESSAGE);
    assert_eq!(env.status(email).await.as_deref(), Some("pending"));

    let url = format!("http://127.0.0.1:{port}/lambda-url/subscribe-http/api/nothing-here");
    let status =
        tokio::task::spawn_blocking(move || agent().get(&url).call().expect("function URL answers").status().as_u16()).await.unwrap();
    assert_eq!(status, 404);

    // The stream binary through the emulator's Invoke API, with the real stream records.
    let records = env.next_batch().await;
    assert_eq!(event_names(&records), ["INSERT"]);
    let url = format!("http://127.0.0.1:{port}/2015-03-31/functions/subscribe-stream/invocations");
    let event = json!({ "Records": records }).to_string();
    let answer = tokio::task::spawn_blocking(move || {
        let mut resp = agent().post(&url).header("content-type", "application/json").send(event).expect("invoke answers");
        assert_eq!(resp.status().as_u16(), 200);
        resp.body_mut().read_to_string().unwrap()
    })
    .await
    .unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    let mails = mails_to(email);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].header("Subject").unwrap().starts_with("Please confirm"));
}

fn invoke(port: u16, function: &str, event: Value) -> Value {
    let url = format!("http://127.0.0.1:{port}/2015-03-31/functions/{function}/invocations");
    let mut resp = agent().post(&url).header("content-type", "application/json").send(event.to_string()).expect("invoke answers");
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.body_mut().read_to_string().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_and_feedback_binaries_run_under_cargo_lambda_watch() {
    let mut news = news_support::news_env("watch-news", &[]).await;
    let reader = "watched-reader@example.com";
    news.seed(&[reader.to_string()], "confirmed").await;
    assert!(news.announce("/posts/watched/", "Watched post").await);
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());

    let (port, _watch) = start_watch();
    let vars = [
        ("ANNOUNCEMENTS_TABLE", news.announcements.clone()),
        ("SENDS_TABLE", news.sends.clone()),
        ("SEND_QUEUE_URL", news.queue_url.clone()),
        ("SEND_RATE", "50".to_string()),
        ("RUST_LOG", "debug,aws=warn,hyper=warn,h2=warn,rustls=warn,lambda_runtime=info,tower=warn".to_string()),
    ];
    let _sender = start_function_with(env!("CARGO_BIN_EXE_subscribe-sender"), "subscribe-sender", port, &news.env.table, &vars);
    let _feedback = start_function_with(env!("CARGO_BIN_EXE_subscribe-feedback"), "subscribe-feedback", port, &news.env.table, &[]);

    // The page message, then the send message it queued: each as the SQS event Lambda delivers.
    for _ in 0..2 {
        let messages = news.receive().await;
        assert_eq!(messages.len(), 1);
        let event = serde_json::to_value(news.event(&messages)).unwrap();
        let answer = tokio::task::spawn_blocking(move || invoke(port, "subscribe-sender", event)).await.unwrap();
        assert_eq!(answer, json!({ "batchItemFailures": [] }));
        news.ack(&messages, &[]).await;
    }
    assert_eq!(news_support::sent_with_subject("Watched post"), std::collections::HashMap::from([(reader.to_string(), 1)]));

    // An SES complaint, as SNS hands it to Lambda.
    let message = json!({ "eventType": "Complaint", "complaint": { "complainedRecipients": [{ "emailAddress": reader }], "complaintFeedbackType": "abuse" }, "mail": {} });
    let event = json!({ "Records": [{ "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:feedback:1",
        "Sns": { "Type": "Notification", "MessageId": "m1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:feedback", "Subject": null,
                 "Message": message.to_string(), "Timestamp": "2026-12-01T00:00:00.000Z", "SignatureVersion": "1", "Signature": "x",
                 "SigningCertUrl": "https://sns.example/cert.pem", "UnsubscribeUrl": "https://sns.example/unsub", "MessageAttributes": {} } }] });
    let answer = tokio::task::spawn_blocking(move || invoke(port, "subscribe-feedback", event)).await.unwrap();
    assert_eq!(answer, json!({ "suppressed": 1 }));
    assert_eq!(news.env.status(reader).await.as_deref(), Some("complained"));
}
