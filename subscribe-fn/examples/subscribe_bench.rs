//! Benchmark (not a test): handler latency for `POST /api/subscribe` and one stream record
//! against moto, cold-start init time, and the release bootstrap sizes if built.
//!
//! ```sh
//! export CARGO_TARGET_DIR=~/.cache/myblog/target
//! cargo build --workspace --examples && $CARGO_TARGET_DIR/debug/examples/subscribe_bench [N]
//! ```

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use lambda_http::Body;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let moto = test_support::Moto::start();
    let sdk = moto.sdk_config().await;
    let table = "bench";
    aws_sdk_dynamodb::Client::new(&sdk)
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("email").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("email").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewAndOldImages).build().unwrap(),
        )
        .send()
        .await
        .expect("create table");
    aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity("hello@blog.example.com").send().await.unwrap();

    // What a cold start does before the first event: read and validate the environment,
    // load the SDK configuration, build both clients, compile the templates.
    for (k, v) in moto.env() {
        std::env::set_var(k, v);
    }
    std::env::set_var("TABLE_NAME", table);
    std::env::set_var("SENDER_EMAIL", "hello@blog.example.com");
    std::env::set_var("SITE_URL", "https://blog.example.com");
    let start = Instant::now();
    let app = subscribe_fn::App::from_env().await.expect("init");
    let init = start.elapsed();

    // Warm the connection pool as the first real request would.
    let warm = |i: usize| {
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("https://blog.example.com/api/subscribe")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(format!(r#"{{"email":"reader{i}@example.com"}}"#)))
            .unwrap()
    };
    let first = Instant::now();
    assert_eq!(subscribe_fn::http::handle(&app, warm(usize::MAX)).await.status(), 202);
    let first = first.elapsed();

    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let req = warm(i);
        let t = Instant::now();
        let resp = subscribe_fn::http::handle(&app, req).await;
        times.push(t.elapsed());
        assert_eq!(resp.status(), 202);
    }
    times.sort();

    // One stream record end to end (claim + render + SES send), as the stream function does it.
    let record = serde_json::json!({
        "eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1", "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"email": {"S": "reader0@example.com"}},
            "NewImage": {"email": {"S": "reader0@example.com"}, "status": {"S": "pending"}, "created_at": {"S": "x"}},
            "SequenceNumber": "1", "SizeBytes": 10
        }
    });
    // Point created_at at the stored one so the claim succeeds.
    let stored = app
        .dynamo
        .get_item()
        .table_name(table)
        .key("email", aws_sdk_dynamodb::types::AttributeValue::S("reader0@example.com".into()))
        .send()
        .await
        .unwrap();
    let created = stored.item().unwrap()["created_at"].as_s().unwrap().clone();
    let mut record = record;
    record["dynamodb"]["NewImage"]["created_at"]["S"] = created.into();
    let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(serde_json::json!({ "Records": [record] })).unwrap();
    let t = Instant::now();
    let resp = subscribe_fn::stream::handle(&app, event).await;
    let stream_one = t.elapsed();
    assert!(resp.batch_item_failures.is_empty());

    println!("subscribe-fn benchmark against moto ({} build, {n} requests)", if cfg!(debug_assertions) { "debug" } else { "release" });
    println!("  init (config + SDK config + clients + templates): {}", ms(init));
    println!("  first subscribe (new connection):                  {}", ms(first));
    println!(
        "  subscribe p50: {}  p99: {}  max: {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1])
    );
    println!("  stream record (claim + render + SES send):         {}", ms(stream_one));
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    for bin in ["subscribe-http", "subscribe-stream"] {
        for path in [format!("{target}/lambda/{bin}/bootstrap"), format!("{target}/lambda/{bin}/bootstrap.zip")] {
            match std::fs::metadata(&path) {
                Ok(m) => println!("  {path}: {:.2} MB", m.len() as f64 / 1e6),
                Err(_) => println!("  {path}: not built (run `cargo lambda build --release -p subscribe-fn --output-format zip`)"),
            }
        }
    }
}
