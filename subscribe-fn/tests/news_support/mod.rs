//! Harness for the announcement pipeline: the announcements and sends tables, the send queue
//! (moto SQS, short visibility timeout so redeliveries come quickly), records read from moto's
//! DynamoDB Streams and messages received from moto's SQS, handed to the handlers as the
//! Lambda events they really get.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, PutRequest, ScalarAttributeType, StreamSpecification,
    StreamViewType, WriteRequest,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};
use subscribe_fn::news::sender::Tally;
use subscribe_fn::App;

use crate::common::*;

pub struct News {
    pub env: Env,
    pub app: App,
    pub announcements: String,
    pub sends: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub stream_arn: String,
    seen: std::collections::HashSet<String>,
}

pub async fn news_env(name: &str, extra: &[(&str, String)]) -> News {
    let env = env(name, true).await;
    let sdk = moto().sdk_config().await;
    let dynamo = &env.app.dynamo;
    let announcements = format!("{name}-announcements");
    let out = dynamo
        .create_table()
        .table_name(&announcements)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("post").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("post").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::KeysOnly).build().unwrap(),
        )
        .send()
        .await
        .expect("create announcements table");
    let stream_arn = out.table_description().and_then(|t| t.latest_stream_arn()).unwrap().to_string();
    let sends = format!("{name}-sends");
    dynamo
        .create_table()
        .table_name(&sends)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("post").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("email").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("post").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("email").key_type(KeyType::Range).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create sends table");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{name}-send"))
        .attributes(QueueAttributeName::VisibilityTimeout, "2")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .unwrap();
    let attrs = sqs.get_queue_attributes().queue_url(&queue_url).attribute_names(QueueAttributeName::QueueArn).send().await.unwrap();
    let queue_arn = attrs.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    let mut vars = vec![
        ("ANNOUNCEMENTS_TABLE", announcements.clone()),
        ("SENDS_TABLE", sends.clone()),
        ("SEND_QUEUE_URL", queue_url.clone()),
        ("SEND_RATE", "500".to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let app = App::from_sdk_config(config_with(&env.table, true, &vars), &sdk).expect("app");
    News { env, app, announcements, sends, queue_url, queue_arn, stream_arn, seen: Default::default() }
}

impl News {
    /// What `myblog deploy` writes for a new post (the same conditional put): true if written.
    pub async fn announce(&self, post: &str, title: &str) -> bool {
        self.announce_in(post, title, None).await
    }

    /// [`News::announce`] of a post in `lang` (what deploy writes for a multilingual site's
    /// posts outside the default language).
    pub async fn announce_in(&self, post: &str, title: &str, lang: Option<&str>) -> bool {
        let mut item = HashMap::from([
            ("post".to_string(), AttributeValue::S(post.into())),
            ("title".to_string(), AttributeValue::S(title.into())),
            ("url".to_string(), AttributeValue::S(format!("{SITE}{post}"))),
            ("date".to_string(), AttributeValue::S("2026-11-30T09:00:00Z".into())),
            (
                "summary_html".to_string(),
                AttributeValue::S(format!(
                    "<p>A summary with <a href=\"{SITE}/posts/other/\">a link</a> and <img src=\"{SITE}/media/photo.0123456789.jpg\" alt=\"a photo\">.</p>"
                )),
            ),
            ("summary_text".to_string(), AttributeValue::S("A summary with a link and a photo.".into())),
            ("announced_at".to_string(), AttributeValue::S("2026-12-01T00:00:00Z".into())),
        ]);
        if let Some(l) = lang {
            item.insert("lang".into(), AttributeValue::S(l.into()));
        }
        match self
            .app
            .dynamo
            .put_item()
            .table_name(&self.announcements)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(post)")
            .send()
            .await
        {
            Ok(_) => true,
            Err(e) if format!("{e:?}").contains("ConditionalCheckFailed") => false,
            Err(e) => panic!("announce: {e:?}"),
        }
    }

    /// Writes subscribers straight into the table (BatchWriteItem), in the shape the HTTP
    /// API and the stream leave them.
    pub async fn seed(&self, emails: &[String], status: &str) {
        for chunk in emails.chunks(25) {
            let writes: Vec<WriteRequest> = chunk
                .iter()
                .map(|e| {
                    let mut item = HashMap::from([
                        ("email".to_string(), AttributeValue::S(e.clone())),
                        ("status".to_string(), AttributeValue::S(status.into())),
                        ("created_at".to_string(), AttributeValue::S("2026-11-01T00:00:00Z".into())),
                    ]);
                    if status == "pending" {
                        item.insert("ttl".into(), AttributeValue::N("4102444800".into()));
                    }
                    WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().unwrap()).build()
                })
                .collect();
            let out = self.app.dynamo.batch_write_item().request_items(&self.env.table, writes).send().await.expect("seed");
            assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()), "moto left items unprocessed");
        }
    }

    /// Delivers the announcements stream's new records to the stream handler.
    pub async fn pump_announcements(&mut self) -> Vec<String> {
        let all = stream_records(&self.env.streams, &self.stream_arn).await;
        let fresh: Vec<Value> = all.into_iter().filter(|r| !self.seen.contains(&seq(r))).collect();
        self.seen.extend(fresh.iter().map(seq));
        let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(json!({ "Records": fresh })).unwrap();
        let resp = subscribe_fn::stream::handle(&self.app, event).await;
        resp.batch_item_failures.iter().map(|f| f.item_identifier.clone().unwrap()).collect()
    }

    /// Up to ten messages, as SQS hands them to Lambda.
    pub async fn receive(&self) -> Vec<aws_sdk_sqs::types::Message> {
        let out = self
            .app
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        out.messages.unwrap_or_default()
    }

    pub fn event(&self, messages: &[aws_sdk_sqs::types::Message]) -> aws_lambda_events::event::sqs::SqsEvent {
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attrs: HashMap<String, String> =
                    m.attributes().map(|a| a.iter().map(|(k, v)| (k.as_str().to_string(), v.clone())).collect()).unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attrs,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
    }

    /// Deletes the messages the handler did not report as failed (what Lambda does).
    pub async fn ack(&self, messages: &[aws_sdk_sqs::types::Message], failed: &[String]) {
        for m in messages.iter().filter(|m| !failed.iter().any(|f| Some(f.as_str()) == m.message_id())) {
            self.app
                .sqs
                .delete_message()
                .queue_url(&self.queue_url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .expect("delete");
        }
    }

    /// Runs `app`'s sender on what the queue delivers until it is empty; returns the tallies.
    pub async fn drain(&self, app: &App) -> Tally {
        let mut total = Tally::default();
        let mut idle = 0;
        for _ in 0..2000 {
            let messages = self.receive().await;
            if messages.is_empty() {
                if self.in_flight().await == 0 {
                    idle += 1;
                    if idle >= 2 {
                        return total;
                    }
                }
                continue;
            }
            idle = 0;
            let (resp, tally) = self.run(app, &messages).await;
            add(&mut total, tally);
            let failed: Vec<String> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
            self.ack(&messages, &failed).await;
        }
        panic!("the send queue did not drain");
    }

    pub async fn run(
        &self,
        app: &App,
        messages: &[aws_sdk_sqs::types::Message],
    ) -> (aws_lambda_events::event::sqs::SqsBatchResponse, Tally) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        subscribe_fn::news::sender::handle(app, self.event(messages), deadline).await
    }

    /// Messages received but neither deleted nor back yet.
    pub async fn in_flight(&self) -> usize {
        let out = self
            .app
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap();
        let a = out.attributes().unwrap();
        let n = |k: &QueueAttributeName| a.get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        n(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible) + n(&QueueAttributeName::ApproximateNumberOfMessages)
    }

    /// The announcement item of `post` as the table holds it (empty when there is none).
    pub async fn announcement_item(&self, post: &str) -> HashMap<String, AttributeValue> {
        let out = self
            .app
            .dynamo
            .get_item()
            .table_name(&self.announcements)
            .key("post", AttributeValue::S(post.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("read the announcement");
        out.item.unwrap_or_default()
    }

    /// `state` of every send item of `post`, by address.
    pub async fn sends_of(&self, post: &str) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .app
                .dynamo
                .query()
                .table_name(&self.sends)
                .key_condition_expression("post = :p")
                .expression_attribute_values(":p", AttributeValue::S(post.into()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .unwrap();
            for i in page.items() {
                out.insert(i["email"].as_s().unwrap().clone(), i["state"].as_s().unwrap().clone());
            }
            match page.last_evaluated_key() {
                Some(k) => start = Some(k.clone()),
                None => return out,
            }
        }
    }
}

pub fn add(total: &mut Tally, t: Tally) {
    total.sent += t.sent;
    total.suppressed += t.suppressed;
    total.failed += t.failed;
    total.skipped += t.skipped;
    total.queued += t.queued;
    total.unknown += t.unknown;
    total.handed_back += t.handed_back;
}

/// How many emails with this subject moto's SES took, by recipient.
pub fn sent_with_subject(subject: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for m in moto().sent_emails() {
        let Some(raw) = m["raw"].as_str() else { continue };
        let mail = parse_mail(raw);
        if mail.header("Subject") == Some(subject) {
            let to = mail.header("To").unwrap().trim_matches(['<', '>']).to_string();
            *out.entry(to).or_insert(0) += 1;
        }
    }
    out
}
