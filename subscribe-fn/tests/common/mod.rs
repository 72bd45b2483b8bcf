//! Shared harness for subscribe-fn's integration tests: one moto server per test binary,
//! a table per test, stream records read back through moto's DynamoDB Streams API and wrapped
//! into the Lambda event, and a small MIME reader for the raw emails SES stored.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use subscribe_fn::{App, Config};
use test_support::Moto;

pub const SENDER: &str = "hello@blog.example.com";
pub const SITE: &str = "https://blog.example.com";

/// One moto per test binary. Never dropped: the launcher exits when our stdin pipe closes,
/// which happens when the test process ends.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

pub fn config(table: &str, double_opt_in: bool) -> Config {
    config_with(table, double_opt_in, &[])
}

/// [`config`] plus more environment variables (the announcement pipeline's, the limits'). The
/// limits table is always `<table>-limits`, created by [`env`].
pub fn config_with(table: &str, double_opt_in: bool, extra: &[(&str, String)]) -> Config {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("LIMITS_TABLE", format!("{table}-limits")),
        ("TABLE_NAME", table.to_string()),
        ("SENDER_EMAIL", SENDER.to_string()),
        ("SITE_URL", format!("{SITE}/")),
        ("SITE_TITLE", "Field Notes".to_string()),
        ("DOUBLE_OPT_IN", double_opt_in.to_string()),
        ("UNSUBSCRIBE_MAILTO", "unsubscribe@blog.example.com".to_string()),
        // moto on a loaded test machine answers in seconds at times, AWS in milliseconds: the
        // production limit (5 s) is checked by a unit test, not by racing moto.
        ("SDK_TIMEOUT_SECS", "20".to_string()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration is valid")
}

/// A fresh table with a NEW_AND_OLD_IMAGES stream, the verified sender, and an app on them.
pub struct Env {
    pub app: App,
    pub table: String,
    pub stream_arn: String,
    pub streams: aws_sdk_dynamodbstreams::Client,
    /// Records already handed out by [`Env::next_batch`], by sequence number.
    seen: std::collections::HashSet<String>,
}

pub async fn env(table: &str, double_opt_in: bool) -> Env {
    env_with(table, double_opt_in, &[]).await
}

pub async fn env_with(table: &str, double_opt_in: bool, extra: &[(&'static str, &str)]) -> Env {
    let moto = moto();
    let sdk = moto.sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let out = dynamo
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("email").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("status").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("email").key_type(KeyType::Hash).build().unwrap())
        // As infra/template.yaml: the index the fan-out pages through.
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(subscribe_fn::store::STATUS_INDEX)
                .key_schema(KeySchemaElement::builder().attribute_name("status").key_type(KeyType::Hash).build().unwrap())
                .key_schema(KeySchemaElement::builder().attribute_name("email").key_type(KeyType::Range).build().unwrap())
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        // As infra/template.yaml: the same keys with `lang`, for a multilingual site's fan-out.
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(subscribe_fn::store::STATUS_LANG_INDEX)
                .key_schema(KeySchemaElement::builder().attribute_name("status").key_type(KeyType::Hash).build().unwrap())
                .key_schema(KeySchemaElement::builder().attribute_name("email").key_type(KeyType::Range).build().unwrap())
                .projection(Projection::builder().projection_type(ProjectionType::Include).non_key_attributes("lang").build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewAndOldImages).build().unwrap(),
        )
        .send()
        .await
        .expect("create table");
    let stream_arn = out.table_description().and_then(|t| t.latest_stream_arn()).expect("table has a stream").to_string();
    // The limits table as infra/template.yaml makes it: key `pk`, on demand (TTL is not applied by moto).
    dynamo
        .create_table()
        .table_name(format!("{table}-limits"))
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create limits table");
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    ses.create_email_identity().email_identity(SENDER).send().await.expect("verify sender");
    let extra: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let app = App::from_sdk_config(config_with(table, double_opt_in, &extra), &sdk).expect("app");
    Env { app, table: table.to_string(), stream_arn, streams: aws_sdk_dynamodbstreams::Client::new(&sdk), seen: Default::default() }
}

impl Env {
    /// Every stream record of the table so far, as the Lambda event's JSON records.
    pub async fn all_records(&self) -> Vec<Value> {
        stream_records(&self.streams, &self.stream_arn).await
    }

    /// The records not handed out before, in order (what Lambda would deliver next).
    pub async fn next_batch(&mut self) -> Vec<Value> {
        let all = self.all_records().await;
        let fresh: Vec<Value> = all.into_iter().filter(|r| !self.seen.contains(&seq(r))).collect();
        self.seen.extend(fresh.iter().map(seq));
        fresh
    }

    /// Runs the stream handler on records; returns the failed sequence numbers.
    pub async fn deliver(&self, records: &[Value]) -> Vec<String> {
        let event: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(json!({ "Records": records })).expect("records form a DynamoDB event");
        let resp = subscribe_fn::stream::handle(&self.app, event).await;
        // What the runtime would send back to Lambda.
        let wire = serde_json::to_value(&resp).unwrap();
        wire["batchItemFailures"].as_array().unwrap().iter().map(|f| f["itemIdentifier"].as_str().unwrap().to_string()).collect()
    }

    /// Delivers whatever is new on the stream.
    pub async fn pump(&mut self) -> Vec<String> {
        let batch = self.next_batch().await;
        self.deliver(&batch).await
    }

    pub async fn http(&self, req: Request) -> Response<Body> {
        subscribe_fn::http::handle(&self.app, req).await
    }

    pub async fn item(&self, email: &str) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.app
            .dynamo
            .get_item()
            .table_name(&self.table)
            .key("email", aws_sdk_dynamodb::types::AttributeValue::S(email.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    pub async fn status(&self, email: &str) -> Option<String> {
        self.item(email).await.and_then(|i| i.get("status").and_then(|v| v.as_s().ok()).cloned())
    }

    /// The whole table, sorted, for "nothing changed" comparisons.
    pub async fn snapshot(&self) -> Vec<String> {
        let out = self.app.dynamo.scan().table_name(&self.table).consistent_read(true).send().await.expect("scan");
        let mut rows: Vec<String> =
            out.items().iter().map(|i| format!("{:?}", i.iter().collect::<std::collections::BTreeMap<_, _>>())).collect();
        rows.sort();
        rows
    }
}

pub fn seq(record: &Value) -> String {
    record["dynamodb"]["SequenceNumber"].as_str().unwrap().to_string()
}

fn attr_json(v: &StreamValue) -> Value {
    match v {
        StreamValue::S(s) => json!({ "S": s }),
        StreamValue::N(n) => json!({ "N": n }),
        StreamValue::Bool(b) => json!({ "BOOL": b }),
        StreamValue::Null(b) => json!({ "NULL": b }),
        StreamValue::B(b) => json!({ "B": STANDARD.encode(b.as_ref()) }),
        StreamValue::Ss(v) => json!({ "SS": v }),
        StreamValue::Ns(v) => json!({ "NS": v }),
        StreamValue::Bs(v) => {
            json!({ "BS": v.iter().map(|b| STANDARD.encode(b.as_ref())).collect::<Vec<_>>() })
        }
        StreamValue::L(v) => json!({ "L": v.iter().map(attr_json).collect::<Vec<_>>() }),
        StreamValue::M(m) => json!({ "M": image_json(m) }),
        other => panic!("attribute type not handled by the test harness: {other:?}"),
    }
}

fn image_json(m: &HashMap<String, StreamValue>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect())
}

/// An SDK stream record in the shape Lambda delivers (moto omits `eventSourceARN`).
fn lambda_record(r: &aws_sdk_dynamodbstreams::types::Record, stream_arn: &str) -> Value {
    let d = r.dynamodb().expect("record has dynamodb");
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": d.approximate_creation_date_time().map(|t| t.secs() as f64).unwrap_or(0.0),
        "Keys": image_json(d.keys().unwrap_or(&HashMap::new())),
        "SequenceNumber": d.sequence_number().unwrap(),
        "SizeBytes": d.size_bytes().unwrap_or(0),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    });
    if let Some(n) = d.new_image() {
        dynamodb["NewImage"] = image_json(n);
    }
    if let Some(o) = d.old_image() {
        dynamodb["OldImage"] = image_json(o);
    }
    json!({
        "eventID": r.event_id().unwrap_or("id"),
        "eventName": r.event_name().map(|n| n.as_str().to_string()).unwrap(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    })
}

pub fn event_names(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| r["eventName"].as_str().unwrap().to_string()).collect()
}

// ---------- A loopback proxy in front of moto ----------

/// Forwards a request to `upstream` (moto) unchanged and returns its answer: what the fault
/// proxies of the tests do with every request they do not tamper with.
pub async fn forward(upstream: &str, parts: axum::http::request::Parts, bytes: Vec<u8>) -> axum::response::Response {
    let url = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let headers: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length" | "transfer-encoding" | "connection"))
        .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let method = parts.method.as_str().to_string();
    let (status, resp_headers, resp_body) = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut builder = ureq::http::Request::builder().method(method.as_str()).uri(&url);
        for (k, v) in headers {
            builder = builder.header(k, v);
        }
        let mut resp = agent.run(builder.body(bytes).unwrap()).expect("moto answers");
        let headers: Vec<(String, Vec<u8>)> = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec())).collect();
        (resp.status().as_u16(), headers, resp.body_mut().read_to_vec().expect("moto body"))
    })
    .await
    .unwrap();
    let mut out = axum::response::Response::builder().status(status);
    for (k, v) in resp_headers {
        if !matches!(k.as_str(), "content-length" | "transfer-encoding" | "connection") {
            out = out.header(k, v);
        }
    }
    out.body(axum::body::Body::from(resp_body)).unwrap()
}

// ---------- HTTP requests ----------

pub fn request(method: &str, path_and_query: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Request {
    let mut b = lambda_http::http::Request::builder().method(method).uri(format!("{SITE}{path_and_query}"));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).expect("request")
}

pub fn subscribe_json(email: &str) -> Request {
    request(
        "POST",
        "/api/subscribe",
        &[("content-type", "application/json"), ("accept", "application/json")],
        json!({ "email": email }).to_string(),
    )
}

/// The button on the confirmation page: a same-origin form POST from a browser.
pub fn confirm_post(token: &str) -> Request {
    request(
        "POST",
        &format!("/api/confirm?token={token}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "text/html"),
            ("origin", SITE),
            ("sec-fetch-site", "same-origin"),
        ],
        "",
    )
}

pub fn body_text(resp: &Response<Body>) -> String {
    String::from_utf8_lossy(resp.body().as_ref()).into_owned()
}

pub fn location(resp: &Response<Body>) -> String {
    resp.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

// ---------- Emails ----------

/// A raw email moto stored, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `token` query parameter of the first link to `path` in the text part.
    pub fn token_for(&self, path: &str) -> String {
        let prefix = format!("{SITE}{path}?token=");
        let start = self.text.find(&prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{}", self.text)) + prefix.len();
        self.text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.').collect()
    }
}

pub fn parse_mail(raw: &str) -> Mail {
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            // RFC 5322 unfolding: the line break goes, the whitespace after it stays.
            headers.last_mut().expect("continuation after a header").1.push_str(line);
        } else {
            let (k, v) = line.split_once(':').expect("header line");
            headers.push((k.to_string(), v.trim().to_string()));
        }
    }
    let ctype = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).unwrap().1.clone();
    let boundary = ctype.split("boundary=\"").nth(1).and_then(|s| s.split('"').next()).expect("boundary");
    let (mut text, mut html) = (String::new(), String::new());
    for part in body.split(&format!("--{boundary}")).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let (phead, pbody) = part.trim_start_matches("\r\n").split_once("\r\n\r\n").expect("part separator");
        assert!(phead.contains("Content-Transfer-Encoding: base64"), "{phead}");
        let decoded = STANDARD.decode(pbody.replace("\r\n", "")).expect("base64 body");
        let decoded = String::from_utf8(decoded).expect("utf-8 body");
        if phead.contains("text/plain") {
            text = decoded;
        } else if phead.contains("text/html") {
            html = decoded;
        }
    }
    Mail { raw: raw.to_string(), headers, text, html }
}

/// The streams client's records of any stream, as Lambda event records (oldest first).
pub async fn stream_records(streams: &aws_sdk_dynamodbstreams::Client, stream_arn: &str) -> Vec<Value> {
    let desc = streams.describe_stream().stream_arn(stream_arn).send().await.expect("describe stream");
    let mut out = Vec::new();
    for shard in desc.stream_description().map(|d| d.shards()).unwrap_or_default() {
        let it = streams
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(shard.shard_id().unwrap())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("shard iterator");
        let mut iterator = it.shard_iterator().map(str::to_string);
        while let Some(i) = iterator.take() {
            let page = streams.get_records().shard_iterator(i).send().await.expect("get records");
            if page.records().is_empty() {
                break;
            }
            out.extend(page.records().iter().map(|r| lambda_record(r, stream_arn)));
            iterator = page.next_shard_iterator().map(str::to_string);
        }
    }
    out
}

/// Emails SES accepted for `to`, oldest first.
pub fn mails_to(to: &str) -> Vec<Mail> {
    moto()
        .sent_emails()
        .iter()
        .filter_map(|m| m["raw"].as_str())
        .filter(|raw| raw.contains(&format!("\r\nTo: <{to}>\r\n")))
        .map(parse_mail)
        .collect()
}
