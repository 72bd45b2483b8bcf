//! Benchmark (not a test): announce one post to N confirmed subscribers against moto, with the
//! real handlers in separate processes as Lambda runs them: the stream function (fan-out start)
//! and `SENDERS` concurrent sender instances consuming moto's SQS queue.
//!
//! Reports wall time, emails per second, the peak memory (VmHWM) of each handler process, the
//! DynamoDB and SQS requests per recipient (counted by an SDK interceptor, by operation), and
//! the most emails SES saw in any one-second window against the configured rate.
//!
//! ```sh
//! scripts/bench-announce 10000            # N subscribers; RATE=200 SENDERS=2 by default
//! ```

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    PutRequest, ScalarAttributeType, StreamSpecification, StreamViewType, WriteRequest,
};
use serde_json::{json, Value};

const SENDER: &str = "news@blog.example.com";

/// Counts requests by operation (`DynamoDB_20120810.UpdateItem`, `AmazonSQS.ReceiveMessage`,
/// `SES SendEmail`) and remembers when each SES send left.
#[derive(Debug, Clone, Default)]
struct Counter {
    ops: Arc<Mutex<BTreeMap<String, u64>>>,
    /// Wall-clock seconds: one clock for all the sender processes.
    sends: Arc<Mutex<Vec<f64>>>,
}

impl aws_sdk_dynamodb::config::Intercept for Counter {
    fn name(&self) -> &'static str {
        "bench-counter"
    }
    fn read_before_attempt(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let req = context.request();
        let op = match req.headers().get("x-amz-target") {
            Some(t) => t.to_string(),
            None if req.uri().contains("/v2/email/outbound-emails") => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                self.sends.lock().unwrap().push(now.as_secs_f64());
                "SES SendEmail".to_string()
            }
            None => format!("other {}", req.uri()),
        };
        *self.ops.lock().unwrap().entry(op).or_insert(0) += 1;
        Ok(())
    }
}

fn vmhwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

async fn app(counter: &Counter) -> subscribe_fn::App {
    let config = subscribe_fn::Config::from_env().expect("configuration");
    let sdk = subscribe_fn::with_timeouts(
        &aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await,
        config.news.operation_timeout,
    );
    subscribe_fn::App::new(
        config,
        aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone()).build()),
        aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(&sdk).interceptor(counter.clone()).build()),
        aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(&sdk).interceptor(counter.clone()).build()),
    )
    .expect("app")
}

/// Child: the stream function, given the announcement's stream record.
async fn phase_stream(record: &str) -> Value {
    let counter = Counter::default();
    let app = app(&counter).await;
    let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_str(record).expect("record");
    let resp = subscribe_fn::stream::handle(&app, event).await;
    assert!(resp.batch_item_failures.is_empty(), "the stream record failed");
    json!({ "ops": *counter.ops.lock().unwrap(), "vmhwm_kb": vmhwm_kb() })
}

/// Child: one sender instance, consuming the queue until it is empty.
async fn phase_send() -> Value {
    let counter = Counter::default();
    let app = app(&counter).await;
    let queue = app.config.news.queue_url.clone().unwrap();
    let (mut sent, mut queued, mut idle) = (0usize, 0usize, 0);
    loop {
        let out = app.sqs.receive_message().queue_url(&queue).max_number_of_messages(1).wait_time_seconds(1).send().await.expect("receive");
        let messages = out.messages();
        if messages.is_empty() {
            idle += 1;
            if idle >= 3 {
                break;
            }
            continue;
        }
        idle = 0;
        let records: Vec<Value> = messages
            .iter()
            .map(|m| json!({ "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": "us-east-1" }))
            .collect();
        let event = serde_json::from_value(json!({ "Records": records })).unwrap();
        let (resp, tally) = subscribe_fn::news::sender::handle(&app, event, tokio::time::Instant::now() + Duration::from_secs(60)).await;
        sent += tally.sent;
        queued += tally.queued;
        let failed: Vec<&str> = resp.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        for m in messages.iter().filter(|m| !failed.contains(&m.message_id().unwrap_or_default())) {
            app.sqs.delete_message().queue_url(&queue).receipt_handle(m.receipt_handle().unwrap()).send().await.expect("delete");
        }
    }
    json!({ "sent": sent, "queued": queued, "ops": *counter.ops.lock().unwrap(), "send_times": *counter.sends.lock().unwrap(), "vmhwm_kb": vmhwm_kb() })
}

fn child(phase: &str, arg: &str, env: &[(String, String)]) -> std::process::Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.arg("--phase").arg(phase).arg(arg).envs(env.iter().map(|(k, v)| (k.clone(), v.clone()))).stdout(Stdio::piped());
    c.spawn().expect("start a handler process")
}

fn output(c: std::process::Child) -> Value {
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success(), "a handler process failed");
    serde_json::from_slice(&out.stdout).expect("handler report")
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--phase") {
        let report = match args[2].as_str() {
            "stream" => phase_stream(&args[3]).await,
            _ => phase_send().await,
        };
        println!("{report}");
        return;
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rate: f64 = std::env::var("RATE").ok().and_then(|r| r.parse().ok()).unwrap_or(200.0);
    let senders: usize = std::env::var("SENDERS").ok().and_then(|r| r.parse().ok()).unwrap_or(2);

    let moto = test_support::Moto::start();
    let sdk = moto.sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let key = |n: &str, k: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(k).build().unwrap();
    let attr = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    db.create_table()
        .table_name("subscribers")
        .attribute_definitions(attr("email"))
        .attribute_definitions(attr("status"))
        .key_schema(key("email", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("status-index")
                .key_schema(key("status", KeyType::Hash))
                .key_schema(key("email", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let ann = db
        .create_table()
        .table_name("announcements")
        .attribute_definitions(attr("post"))
        .key_schema(key("post", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::KeysOnly).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    let stream_arn = ann.table_description().unwrap().latest_stream_arn().unwrap().to_string();
    db.create_table()
        .table_name("sends")
        .attribute_definitions(attr("post"))
        .attribute_definitions(attr("email"))
        .key_schema(key("post", KeyType::Hash))
        .key_schema(key("email", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs
        .create_queue()
        .queue_name("send")
        // As infra/template.yaml: six times the sender's 60 s timeout.
        .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "360")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(SENDER).send().await.unwrap();
    eprintln!("seeding {n} confirmed subscribers");
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let writes: Vec<WriteRequest> = chunk
            .iter()
            .map(|i| {
                let item = [
                    ("email".to_string(), AttributeValue::S(format!("reader{i:06}@example.com"))),
                    ("status".to_string(), AttributeValue::S("confirmed".into())),
                    ("created_at".to_string(), AttributeValue::S("2026-11-01T00:00:00Z".into())),
                ];
                WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item.into())).build().unwrap()).build()
            })
            .collect();
        db.batch_write_item().request_items("subscribers", writes).send().await.unwrap();
    }
    // What `myblog deploy` writes.
    db.put_item()
        .table_name("announcements")
        .item("post", AttributeValue::S("/posts/bench/".into()))
        .item("title", AttributeValue::S("Benchmark post".into()))
        .item("url", AttributeValue::S("https://blog.example.com/posts/bench/".into()))
        .item("date", AttributeValue::S("2026-12-01T00:00:00Z".into()))
        .item(
            "summary_html",
            AttributeValue::S("<p>A paragraph of summary with <a href=\"https://blog.example.com/\">a link</a>.</p>".into()),
        )
        .item("summary_text", AttributeValue::S("A paragraph of summary with a link.".into()))
        .condition_expression("attribute_not_exists(post)")
        .send()
        .await
        .unwrap();
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let shard = streams.describe_stream().stream_arn(&stream_arn).send().await.unwrap();
    let shard_id = shard.stream_description().unwrap().shards()[0].shard_id().unwrap().to_string();
    let it = streams
        .get_shard_iterator()
        .stream_arn(&stream_arn)
        .shard_id(shard_id)
        .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let recs = streams.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.unwrap();
    let r = &recs.records()[0];
    let record = json!({ "Records": [{ "eventID": r.event_id(), "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "eventSourceARN": stream_arn, "dynamodb": { "Keys": { "post": { "S": "/posts/bench/" } }, "SequenceNumber": r.dynamodb().unwrap().sequence_number(), "SizeBytes": 10, "StreamViewType": "KEYS_ONLY" } }] });

    let mut env: Vec<(String, String)> = moto.env().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for (k, v) in [
        ("TABLE_NAME", "subscribers".to_string()),
        ("SENDER_EMAIL", SENDER.into()),
        ("SITE_URL", "https://blog.example.com".into()),
        ("SITE_TITLE", "Bench".into()),
        ("ANNOUNCEMENTS_TABLE", "announcements".into()),
        ("SENDS_TABLE", "sends".into()),
        ("SEND_QUEUE_URL", queue.clone()),
        ("SEND_RATE", rate.to_string()),
        ("SENDER_CONCURRENCY", senders.to_string()),
        ("RUST_LOG", "warn".into()),
    ] {
        env.push((k.to_string(), v));
    }
    let start = Instant::now();
    let stream = output(child("stream", &record.to_string(), &env));
    let children: Vec<_> = (0..senders).map(|_| child("send", "", &env)).collect();
    let reports: Vec<Value> = children.into_iter().map(output).collect();
    let wall = start.elapsed().as_secs_f64() - 3.0; // each sender waits 3 idle seconds before it stops
    let sent: u64 = reports.iter().map(|r| r["sent"].as_u64().unwrap()).sum();

    let mut ops: BTreeMap<String, u64> = BTreeMap::new();
    for r in reports.iter().chain([&stream]) {
        for (k, v) in r["ops"].as_object().unwrap() {
            *ops.entry(k.clone()).or_insert(0) += v.as_u64().unwrap();
        }
    }
    let per = |pred: &dyn Fn(&str) -> bool| ops.iter().filter(|(k, _)| pred(k)).map(|(_, v)| *v).sum::<u64>() as f64 / n as f64;
    let writes =
        per(&|k| k.starts_with("DynamoDB") && ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"].iter().any(|w| k.ends_with(w)));
    let reads = per(&|k| k.starts_with("DynamoDB") && ["GetItem", "Query"].iter().any(|w| k.ends_with(w)));
    let sqs_requests = per(&|k| k.starts_with("AmazonSQS"));
    // Sliding one-second windows over the SES calls of all senders.
    let mut times: Vec<f64> =
        reports.iter().flat_map(|r| r["send_times"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap())).collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mut max_window = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= 1.0 {
            lo += 1;
        }
        max_window = max_window.max(hi - lo + 1);
    }
    println!("announce one post to {n} confirmed subscribers (moto, {senders} sender processes, SEND_RATE {rate}/s)");
    println!("  sent {sent} emails in {wall:.1} s: {:.1} emails/s", sent as f64 / wall);
    println!("  most SES calls in any 1 s window: {max_window} (configured rate {rate}/s)");
    println!("  per recipient: {writes:.2} DynamoDB writes, {reads:.2} DynamoDB reads, {sqs_requests:.3} SQS requests");
    println!(
        "  peak memory: stream handler {} MB, senders {} MB",
        stream["vmhwm_kb"].as_u64().unwrap() / 1024,
        reports.iter().map(|r| (r["vmhwm_kb"].as_u64().unwrap() / 1024).to_string()).collect::<Vec<_>>().join(" / ")
    );
    println!("  requests: {ops:?}");
    assert_eq!(sent as usize, n, "every subscriber got the post");
}
