//! The thumbnail function against moto S3: real uploads, the real S3 event JSON that moto sends
//! to an SQS queue, the handler called with it, and every thumbnail read back and decoded.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::time::{Duration, Instant};

use aws_lambda_events::s3::S3Event;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::{json, Value};
use test_support::Moto;
use thumbnail_fn::handler::{Config, Handler, Outcome, RecordReport};
use thumbnail_fn::{make_thumbnails, Options, ThumbError, CACHE_CONTROL};

const BUCKET: &str = "blog-media";
const QUEUE: &str = "thumbnail-events";

// ---------------------------------------------------------------------------------------------
// Test images, generated here

fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

/// A landscape 1600×1000 JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6),
/// with a red block in the stored top-left corner: displayed, the photo is a 1000×1600 portrait
/// and the red block is in the top-right corner.
fn oriented_jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(1600, 1000, |x, y| {
        if x < 320 && y < 200 {
            Rgb([230, 20, 20])
        } else {
            Rgb([20, (60 + y / 8) as u8, (120 + x / 16) as u8])
        }
    });
    let jpeg = encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg);
    splice_exif_orientation(&jpeg, 6)
}

/// Inserts an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) after SOI.
fn splice_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "not a JPEG");
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2A\x00\x00\x00\x08"); // header, IFD0 at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // tag: Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // type: SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// 700×500 PNG: left half fully transparent (its hidden colour magenta, which must not bleed
/// into the visible edge), right half opaque green.
fn alpha_png() -> Vec<u8> {
    let img = RgbaImage::from_fn(700, 500, |x, _| if x < 350 { Rgba([255, 0, 255, 0]) } else { Rgba([30, 200, 60, 255]) });
    encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

fn photo(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128])))
}

/// A PNG header declaring 30000×30000 RGBA (3.6 GB decoded) with a tiny IDAT: a decompression
/// bomb in 60 bytes.
fn bomb_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&30000u32.to_be_bytes());
    ihdr.extend_from_slice(&30000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter method, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]); // zlib of one 0 byte
    chunk(&mut png, b"IEND", &[]);
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("read /proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

// ---------------------------------------------------------------------------------------------
// moto: bucket → SQS notifications → S3Event

async fn setup(moto: &Moto) -> (aws_sdk_s3::Client, aws_sdk_sqs::Client, String) {
    let s3 = moto.s3().await;
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    s3.create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    let queue_url = sqs.create_queue().queue_name(QUEUE).send().await.expect("create queue").queue_url.expect("queue url");
    // No prefix filter on purpose: the function must itself ignore thumbs/ and non-media keys
    // (the deployed template also filters on media/, belt and braces).
    s3.put_bucket_notification_configuration()
        .bucket(BUCKET)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(format!("arn:aws:sqs:us-east-1:123456789012:{QUEUE}"))
                        .events(Event::S3ObjectCreated)
                        .build()
                        .expect("queue configuration"),
                )
                .build(),
        )
        .send()
        .await
        .expect("configure bucket notifications");
    (s3, sqs, queue_url)
}

/// Reads S3 notifications from the queue until `want` records arrived (then checks that no
/// more come), skipping moto's `s3:TestEvent`, and fills in the fields moto omits but real S3
/// sends (and `S3Event` requires).
async fn receive_records(sqs: &aws_sdk_sqs::Client, queue_url: &str, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut records = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive from SQS");
        for message in out.messages() {
            let body: Value = serde_json::from_str(message.body().expect("message body")).expect("S3 event JSON");
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().expect("receipt handle"))
                .send()
                .await
                .expect("delete message");
            if body.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
                continue;
            }
            for mut record in body["Records"].as_array().expect("Records").clone() {
                complete_record(&mut record);
                records.push(record);
            }
        }
        if out.messages().is_empty() && records.len() >= want {
            break;
        }
        assert!(Instant::now() < deadline, "only {} of {want} S3 notifications arrived: {records:#?}", records.len());
    }
    assert_eq!(records.len(), want, "unexpected S3 notifications: {records:#?}");
    records
}

fn complete_record(record: &mut Value) {
    let r = record.as_object_mut().expect("record object");
    r.entry("userIdentity").or_insert(json!({"principalId": "AWS:AIDAEXAMPLE"}));
    r.entry("requestParameters").or_insert(json!({"sourceIPAddress": "127.0.0.1"}));
    r.entry("responseElements").or_insert(json!({"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"}));
    let object = r.get_mut("s3").and_then(|s| s.get_mut("object")).and_then(Value::as_object_mut).expect("s3.object");
    object.entry("sequencer").or_insert(json!("0055AED6DCD90281E5"));
}

fn event(records: &[Value]) -> S3Event {
    serde_json::from_value(json!({ "Records": records })).expect("S3Event from moto's records")
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, bytes: Vec<u8>) {
    s3.put_object().bucket(BUCKET).key(key).body(ByteStream::from(bytes)).send().await.unwrap_or_else(|e| panic!("put {key}: {e}"));
}

async fn get(s3: &aws_sdk_s3::Client, key: &str) -> aws_sdk_s3::operation::get_object::GetObjectOutput {
    s3.get_object().bucket(BUCKET).key(key).send().await.unwrap_or_else(|e| panic!("thumbnail {key} is missing: {e:?}"))
}

async fn thumbs_listing(s3: &aws_sdk_s3::Client) -> BTreeMap<String, String> {
    let out = s3.list_objects_v2().bucket(BUCKET).prefix("thumbs/").send().await.expect("list thumbs/");
    out.contents().iter().map(|o| (o.key().unwrap_or_default().to_string(), o.e_tag().unwrap_or_default().to_string())).collect()
}

fn by_key(reports: &[RecordReport]) -> BTreeMap<String, Outcome> {
    reports.iter().map(|r| (r.key.clone(), r.outcome.clone())).collect()
}

// ---------------------------------------------------------------------------------------------
// Checks on one thumbnail

struct Expect {
    key: &'static str,
    width: u32,
    height: u32,
    format: ImageFormat,
}

async fn check_thumb(s3: &aws_sdk_s3::Client, e: &Expect) -> DynamicImage {
    let obj = get(s3, e.key).await;
    let content_type = if e.format == ImageFormat::WebP { "image/webp" } else { "image/jpeg" };
    assert_eq!(obj.content_type(), Some(content_type), "{}", e.key);
    assert_eq!(obj.cache_control(), Some(CACHE_CONTROL), "{}", e.key);
    let bytes = obj.body.collect().await.expect("thumbnail body").into_bytes();
    assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"), "{}: metadata must be stripped, found an Exif block", e.key);
    let img = image::load_from_memory_with_format(&bytes, e.format).unwrap_or_else(|err| panic!("{} does not decode: {err}", e.key));
    assert_eq!((img.width(), img.height()), (e.width, e.height), "{}", e.key);
    img
}

fn rgba_at(img: &DynamicImage, fx: f32, fy: f32) -> [u8; 4] {
    let x = ((img.width() as f32 * fx) as u32).min(img.width() - 1);
    let y = ((img.height() as f32 * fy) as u32).min(img.height() - 1);
    img.to_rgba8().get_pixel(x, y).0
}

fn is_red(p: [u8; 4]) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

// ---------------------------------------------------------------------------------------------

/// A decompression bomb is refused from its header: fast, and without allocating its pixels.
/// Runs first, in the same test as the rest, so no concurrent test raises the peak RSS.
fn bomb_is_refused_fast_with_small_memory() {
    let bomb = bomb_png();
    let hwm_before = vm_hwm_kib();
    let start = Instant::now();
    let err = make_thumbnails(&bomb, &Options::default()).expect_err("a 30000x30000 image must be refused");
    let elapsed = start.elapsed();
    let grown_mib = (vm_hwm_kib() - hwm_before) / 1024;
    assert!(matches!(err, ThumbError::TooManyPixels { width: 30000, height: 30000, .. }), "refused for the wrong reason: {err}");
    assert!(elapsed < Duration::from_millis(500), "refusing took {elapsed:?}");
    assert!(grown_mib < 32, "peak RSS grew by {grown_mib} MiB while refusing");
    assert!(thumbnail_fn::probe(&bomb).is_err(), "probe applies the same limits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_events_produce_oriented_thumbnails_and_skip_or_report_the_rest() {
    bomb_is_refused_fast_with_small_memory();

    let moto = Moto::start();
    let (s3, sqs, queue_url) = setup(&moto).await;
    let handler = Handler::new(s3.clone(), Config::from_lookup(|_| None).expect("default config"));

    let oriented = oriented_jpeg();
    let truncated = oriented[..oriented.len() / 2].to_vec();
    let uploads: Vec<(&str, Vec<u8>)> = vec![
        ("media/2024/trips/sunny day/oriented photo.jpg", oriented),
        ("media/a+b alpha.png", alpha_png()),
        ("media/ünïcødé/café ☕.webp", encode(photo(400, 300), ImageFormat::WebP)),
        ("media/tiny.jpg", encode(photo(200, 150), ImageFormat::Jpeg)),
        ("media/notes.txt", b"not a photo".to_vec()),
        ("media/broken.jpg", truncated),
        ("media/bomb.png", bomb_png()),
        ("thumbs/by-hand-320.webp", encode(photo(320, 240), ImageFormat::WebP)),
        ("drafts/outside.jpg", encode(photo(64, 48), ImageFormat::Jpeg)),
    ];
    let n_uploads = uploads.len();
    futures::future::join_all(uploads.into_iter().map(|(k, b)| put(&s3, k, b))).await;
    let records = receive_records(&sqs, &queue_url, n_uploads).await;
    assert!(
        records.iter().any(|r| r["s3"]["object"]["key"].as_str().is_some_and(|k| k.contains('+') || k.contains('%'))),
        "the event keys are expected URL-encoded: {records:#?}"
    );

    // One batch with everything: two records fail, the others are still done.
    let failed = handler.handle(event(&records)).await.expect_err("the broken JPEG and the bomb must fail the batch");
    let message = failed.to_string();
    assert!(message.starts_with("2 of 9 records failed"), "{message}");
    assert!(message.contains("media/broken.jpg") && message.contains("media/bomb.png"), "{message}");
    let outcomes = by_key(&failed.report.records);
    let failed_keys: BTreeSet<&str> = failed.report.failures().map(|(k, _)| k).collect();
    assert_eq!(failed_keys, BTreeSet::from(["media/bomb.png", "media/broken.jpg"]));
    let Outcome::Failed { error } = &outcomes["media/bomb.png"] else { unreachable!() };
    assert!(error.contains("30000x30000"), "{error}");
    for (key, why) in
        [("media/notes.txt", "not an image"), ("thumbs/by-hand-320.webp", "own output"), ("drafts/outside.jpg", "outside the media prefix")]
    {
        match &outcomes[key] {
            Outcome::Skipped { reason } => assert!(reason.contains(why), "{key}: {reason}"),
            other => panic!("{key} should be skipped ({why}), got {other:?}"),
        }
    }

    let expected = [
        // Displayed 1000×1600: 1280 is not below 1000, so 320 and 640 only.
        Expect { key: "thumbs/2024/trips/sunny day/oriented photo-320.webp", width: 320, height: 512, format: ImageFormat::WebP },
        Expect { key: "thumbs/2024/trips/sunny day/oriented photo-640.webp", width: 640, height: 1024, format: ImageFormat::WebP },
        Expect { key: "thumbs/2024/trips/sunny day/oriented photo-640.jpg", width: 640, height: 1024, format: ImageFormat::Jpeg },
        Expect { key: "thumbs/a+b alpha-320.webp", width: 320, height: 229, format: ImageFormat::WebP },
        Expect { key: "thumbs/a+b alpha-640.webp", width: 640, height: 457, format: ImageFormat::WebP },
        Expect { key: "thumbs/a+b alpha-640.jpg", width: 640, height: 457, format: ImageFormat::Jpeg },
        Expect { key: "thumbs/ünïcødé/café ☕-320.webp", width: 320, height: 240, format: ImageFormat::WebP },
        Expect { key: "thumbs/ünïcødé/café ☕-320.jpg", width: 320, height: 240, format: ImageFormat::Jpeg },
        // Narrower than every configured width: one thumbnail at its own width, never upscaled.
        Expect { key: "thumbs/tiny-200.webp", width: 200, height: 150, format: ImageFormat::WebP },
        Expect { key: "thumbs/tiny-200.jpg", width: 200, height: 150, format: ImageFormat::Jpeg },
    ];
    for (original, n) in [
        ("media/2024/trips/sunny day/oriented photo.jpg", 3),
        ("media/a+b alpha.png", 3),
        ("media/ünïcødé/café ☕.webp", 2),
        ("media/tiny.jpg", 2),
    ] {
        match &outcomes[original] {
            Outcome::Written { thumbnails } => {
                assert_eq!(thumbnails.len(), n, "{original}: {thumbnails:?}")
            }
            other => panic!("{original} should have thumbnails, got {other:?}"),
        }
    }
    let listing = thumbs_listing(&s3).await;
    let expected_keys: BTreeSet<String> =
        expected.iter().map(|e| e.key.to_string()).chain(["thumbs/by-hand-320.webp".to_string()]).collect();
    assert_eq!(listing.keys().cloned().collect::<BTreeSet<_>>(), expected_keys);

    for e in &expected {
        let img = check_thumb(&s3, e).await;
        if e.key.contains("oriented photo") {
            // The red block was stored top-left; orientation 6 puts it top-right.
            assert!(is_red(rgba_at(&img, 0.92, 0.08)), "{}: top-right should be red: {:?}", e.key, rgba_at(&img, 0.92, 0.08));
            for (fx, fy) in [(0.08, 0.08), (0.08, 0.92), (0.92, 0.92)] {
                assert!(!is_red(rgba_at(&img, fx, fy)), "{}: corner ({fx},{fy}) should not be red", e.key);
            }
        }
        if e.key.contains("alpha") {
            let (left, right) = (rgba_at(&img, 0.2, 0.5), rgba_at(&img, 0.8, 0.5));
            assert!(right[1] > 170 && right[0] < 70 && right[3] == 255, "{}: right half opaque green: {right:?}", e.key);
            if e.format == ImageFormat::WebP {
                assert!(left[3] < 10, "{}: left half transparent: {left:?}", e.key);
                let rgba = img.to_rgba8();
                let y = img.height() / 2;
                for x in 0..img.width() {
                    let p = rgba.get_pixel(x, y).0;
                    assert!(p[3] < 48 || p[0] < 90, "{}: magenta bleeds into the edge at x={x}: {p:?}", e.key);
                }
            } else {
                assert!(left[..3].iter().all(|&c| c > 235), "{}: JPEG fallback flattens onto white: {left:?}", e.key);
            }
        }
    }

    // The thumbnails written above notify too (no prefix filter here): the function must
    // ignore every one of them, so there is no loop.
    let own = receive_records(&sqs, &queue_url, expected.len()).await;
    let report = handler.handle(event(&own)).await.expect("events for thumbnails never fail");
    assert_eq!(report.records.len(), expected.len());
    for r in &report.records {
        assert!(matches!(&r.outcome, Outcome::Skipped { reason } if reason.contains("own output")), "{}: {:?}", r.key, r.outcome);
    }

    // Lambda retries the failed event: the done records are recognised, nothing is rewritten
    // (no new notification), and the same two records fail again.
    let retried = handler.handle(event(&records)).await.expect_err("still failing");
    let again = by_key(&retried.report.records);
    for original in ["media/2024/trips/sunny day/oriented photo.jpg", "media/a+b alpha.png", "media/tiny.jpg"] {
        assert!(matches!(again[original], Outcome::UpToDate { .. }), "{original}: {:?}", again[original]);
    }
    assert_eq!(retried.report.failures().count(), 2);
    assert_eq!(thumbs_listing(&s3).await, listing, "a retry must not rewrite thumbnails");
    let extra = sqs.receive_message().queue_url(&queue_url).wait_time_seconds(1).send().await.expect("receive");
    assert!(extra.messages().is_empty(), "a retry wrote objects: {:?}", extra.messages());

    // An original replaced under the same key gets new thumbnails (new ETag).
    put(&s3, "media/tiny.jpg", encode(photo(200, 100), ImageFormat::Jpeg)).await;
    let replaced = receive_records(&sqs, &queue_url, 1).await;
    let report = handler.handle(event(&replaced)).await.expect("replaced original");
    assert!(matches!(report.records[0].outcome, Outcome::Written { .. }), "{:?}", report.records[0]);
    check_thumb(&s3, &Expect { key: "thumbs/tiny-200.webp", width: 200, height: 100, format: ImageFormat::WebP }).await;
    let _ = receive_records(&sqs, &queue_url, 2).await; // its own two thumbnails' notifications
}

/// An event for an object deleted since is skipped, and keys arrive decoded even when S3
/// encodes `/` too (moto does; real S3 keeps it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_objects_and_fully_encoded_keys() {
    let moto = Moto::start();
    let s3 = moto.s3().await;
    s3.create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    let handler = Handler::new(s3.clone(), Config::from_lookup(|_| None).expect("default config"));
    put(&s3, "media/x y/p.jpg", encode(photo(700, 350), ImageFormat::Jpeg)).await;
    let record = |key: &str| {
        let mut r = json!({
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-27T03:00:00.000Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": BUCKET, "arn": format!("arn:aws:s3:::{BUCKET}")},
                   "object": {"key": key, "size": 1000}}
        });
        complete_record(&mut r);
        r
    };
    let report = handler.handle(event(&[record("media%2Fx+y%2Fp.jpg"), record("media/gone.jpg")])).await.expect("no failure");
    let outcomes = by_key(&report.records);
    assert!(matches!(&outcomes["media/x y/p.jpg"], Outcome::Written { thumbnails } if thumbnails.len() == 3), "{outcomes:?}");
    assert!(matches!(&outcomes["media/gone.jpg"], Outcome::Skipped { reason } if reason.contains("no longer exists")), "{outcomes:?}");
    check_thumb(&s3, &Expect { key: "thumbs/x y/p-640.webp", width: 640, height: 320, format: ImageFormat::WebP }).await;
}

/// A key that promises an image but holds something else is skipped (logged, not retried into
/// the DLQ); the refusals that protect the function (MAX_INPUT_BYTES, a thumbnail taller than
/// WebP allows) fail the record so the author hears of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_images_are_skipped_and_refusals_fail() {
    let moto = Moto::start();
    let s3 = moto.s3().await;
    s3.create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    let big = encode(photo(900, 600), ImageFormat::Jpeg);
    let limit = big.len() as u64 - 1;
    let limit_text = limit.to_string();
    let handler = Handler::new(
        s3.clone(),
        Config::from_lookup(|k| (k == "MAX_INPUT_BYTES").then(|| limit_text.clone())).expect("config with a byte limit"),
    );
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b".to_vec();
    let objects: Vec<(&str, Vec<u8>)> = vec![
        ("media/error-page.jpg", b"<!doctype html><title>404</title>".to_vec()),
        ("media/empty.jpeg", Vec::new()),
        ("media/animated.png", gif),
        ("media/big.jpg", big.clone()),
        ("media/big-understated.jpg", big),
        ("media/tall.png", encode(photo(10, 20_000), ImageFormat::Png)),
    ];
    for (k, b) in &objects {
        put(&s3, k, b.clone()).await;
    }
    let record = |key: &str, size: usize| {
        let mut r = json!({
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-12-01T03:00:00.000Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": BUCKET, "arn": format!("arn:aws:s3:::{BUCKET}")},
                   "object": {"key": key, "size": size}}
        });
        complete_record(&mut r);
        r
    };
    let records: Vec<Value> = objects
        .iter()
        // The understated one claims 10 bytes: the limit must hold on what S3 returns too.
        .map(|(k, b)| record(k, if k.contains("understated") { 10 } else { b.len() }))
        .collect();
    let failed = handler.handle(event(&records)).await.expect_err("the refusals fail the batch");
    let outcomes = by_key(&failed.report.records);
    for key in ["media/error-page.jpg", "media/empty.jpeg", "media/animated.png"] {
        assert!(matches!(&outcomes[key], Outcome::Skipped { reason } if reason.starts_with("not an image")), "{key}: {:?}", outcomes[key]);
    }
    for key in ["media/big.jpg", "media/big-understated.jpg"] {
        assert!(
            matches!(&outcomes[key], Outcome::Failed { error } if error.contains("MAX_INPUT_BYTES") && error.contains(&limit.to_string())),
            "{key}: {:?}",
            outcomes[key]
        );
    }
    assert_eq!(failed.report.failures().count(), 3, "{outcomes:?}");
    // With the default byte limit the tall one gets as far as planning, and is refused there.
    let default = Handler::new(s3.clone(), Config::from_lookup(|_| None).expect("default config"));
    let tall = records.iter().filter(|r| r["s3"]["object"]["key"] == "media/tall.png").cloned().collect::<Vec<_>>();
    let failed = default.handle(event(&tall)).await.expect_err("too tall");
    let outcomes = by_key(&failed.report.records);
    assert!(
        matches!(&outcomes["media/tall.png"], Outcome::Failed { error } if error.contains("10x20000") && error.contains("side limit")),
        "{:?}",
        outcomes["media/tall.png"]
    );
    assert!(thumbs_listing(&s3).await.is_empty(), "nothing written for any of them");
}
