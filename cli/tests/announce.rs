//! `myblog deploy` announces each new post exactly once (one conditional write into the
//! announcements table, after the commit), and subscribe-fn turns that record into one email
//! per confirmed subscriber. Against moto: S3, DynamoDB (+ Streams), SQS and SES.

mod common;
mod deploy_support;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use deploy_support::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Blog {
    _dir: tempfile::TempDir,
    root: PathBuf,
    announcements: String,
    subscribers: String,
    sends: String,
    stream_arn: String,
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().unwrap()
}

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap()
}

/// The mini blog with a bucket and the stack's tables (the shapes infra/template.yaml makes).
fn blog(name: &str) -> Blog {
    let (bucket, distribution) = bucket_and_distribution(name);
    let (announcements, subscribers, sends) = (format!("{name}-announcements"), format!("{name}-subscribers"), format!("{name}-sends"));
    let stream_arn = rt().block_on(async {
        let db = dynamo().await;
        let out = db
            .create_table()
            .table_name(&announcements)
            .attribute_definitions(attr("post"))
            .key_schema(key("post", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::KeysOnly).build().unwrap(),
            )
            .send()
            .await
            .unwrap();
        db.create_table()
            .table_name(&subscribers)
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
            // As infra/template.yaml has it: `myblog subscribers` reads the languages from it.
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("status-lang-index")
                    .key_schema(key("status", KeyType::Hash))
                    .key_schema(key("email", KeyType::Range))
                    .projection(Projection::builder().projection_type(ProjectionType::Include).non_key_attributes("lang").build())
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
        db.create_table()
            .table_name(&sends)
            .attribute_definitions(attr("post"))
            .attribute_definitions(attr("email"))
            .key_schema(key("post", KeyType::Hash))
            .key_schema(key("email", KeyType::Range))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
        out.table_description().unwrap().latest_stream_arn().unwrap().to_string()
    });
    let dir = common::mini_site();
    let root = dir.path().to_path_buf();
    let mut toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    toml.push_str(&format!(
        "\n[subscribe]\nannouncements_table = \"{announcements}\"\nsubscribers_table = \"{subscribers}\"\nsends_table = \"{sends}\"\n\n[deploy]\nbucket = \"{bucket}\"\ndistribution_id = \"{distribution}\"\n"
    ));
    std::fs::write(root.join("site.toml"), toml).unwrap();
    Blog { _dir: dir, root, announcements, subscribers, sends, stream_arn }
}

async fn dynamo() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&moto().sdk_config().await)
}

fn days_ago(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    d.format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn post(root: &Path, slug: &str, title: &str, date: &str, extra: &str) {
    let body = format!(
        "+++\ntitle = \"{title}\"\ndate = {date}\n{extra}+++\nThe news: see [the first post](/posts/first/) and this photo.\n\n<!-- more -->\n\nThe rest.\n"
    );
    std::fs::write(root.join(format!("content/posts/{slug}.md")), body).unwrap();
}

fn deploy(b: &Blog, args: &[&str]) -> std::process::Output {
    let mut c = deploy_cmd(&b.root, &moto().endpoint);
    c.arg("--yes").args(args);
    run(&mut c)
}

fn announced(b: &Blog) -> HashMap<String, HashMap<String, AttributeValue>> {
    rt().block_on(async {
        let out = dynamo().await.scan().table_name(&b.announcements).consistent_read(true).send().await.unwrap();
        out.items().iter().map(|i| (i["post"].as_s().unwrap().clone(), i.clone())).collect()
    })
}

fn list(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap_or(&Vec::new()).iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_new_post_is_announced_once_by_the_deploy_that_first_publishes_it() {
    let b = blog("announce");
    // The first deploy of a site publishes the backlog: nothing is announced, even a recent post.
    post(&b.root, "backlog", "Backlog", &days_ago(1), "");
    let first = ok(&deploy(&b, &["--json"]));
    assert_eq!(list(&first, "announced"), Vec::<String>::new());
    assert!(announced(&b).is_empty());

    // New posts: a recent one, one with announce = false, an old draft made public.
    post(&b.root, "hello", "Hello, subscribers", &days_ago(1), "");
    post(&b.root, "quiet", "Quiet", &days_ago(0), "announce = false\n");
    post(&b.root, "ancient", "Ancient draft", "2020-01-01", "");
    // --dry-run says what would be announced and writes nothing.
    let dry = ok(&deploy(&b, &["--dry-run", "--json"]));
    assert_eq!(list(&dry, "announced"), ["/posts/hello/"]);
    assert!(announced(&b).is_empty());
    let out = deploy(&b, &[]);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Announcing: Hello, subscribers (/posts/hello/)"), "{said}");
    assert!(said.contains("Not announced: /posts/quiet/ (announce = false)"), "{said}");
    assert!(said.contains("Not announced: /posts/ancient/ (dated more than announce_within_days ago)"), "{said}");
    let items = announced(&b);
    assert_eq!(items.keys().collect::<Vec<_>>(), ["/posts/hello/"]);
    let item = &items["/posts/hello/"];
    assert_eq!(item["title"].as_s().unwrap(), "Hello, subscribers");
    assert_eq!(item["url"].as_s().unwrap(), "https://mini.example.org/posts/hello/");
    let summary = item["summary_html"].as_s().unwrap();
    assert!(summary.contains("href=\"https://mini.example.org/posts/first/\"") && !summary.contains("The rest"), "{summary}");
    assert!(item["summary_text"].as_s().unwrap().starts_with("The news: see the first post"));
    let at = item["announced_at"].clone();

    // A rerun announces nothing; nor does deleting and re-adding the post, or editing it.
    assert_eq!(list(&ok(&deploy(&b, &["--json"])), "announced"), Vec::<String>::new());
    let hello = std::fs::read_to_string(b.root.join("content/posts/hello.md")).unwrap();
    std::fs::remove_file(b.root.join("content/posts/hello.md")).unwrap();
    ok(&deploy(&b, &["--json"]));
    std::fs::write(b.root.join("content/posts/hello.md"), hello.replace("The rest.", "The rest, edited.")).unwrap();
    let again = ok(&deploy(&b, &["--json"]));
    assert_eq!(list(&again, "announced"), Vec::<String>::new());
    assert_eq!(list(&again, "already_announced"), ["/posts/hello/"]);
    assert_eq!(announced(&b)["/posts/hello/"]["announced_at"], at, "the record was not rewritten");

    // --no-announce: the post counts as published and is never announced later.
    post(&b.root, "silent", "Silent", &days_ago(0), "");
    assert_eq!(list(&ok(&deploy(&b, &["--json", "--no-announce"])), "announced"), Vec::<String>::new());
    post(&b.root, "later", "Later", &days_ago(0), "");
    assert_eq!(list(&ok(&deploy(&b, &["--json"])), "announced"), ["/posts/later/"]);
    assert_eq!(announced(&b).len(), 2);

    // A recent post given a new slug is the same post at a new URL: not announced again; nor
    // when its file is renamed as well (the same title and date).
    let later = std::fs::read_to_string(b.root.join("content/posts/later.md")).unwrap();
    std::fs::write(b.root.join("content/posts/later.md"), later.replacen("+++\n", "+++\nslug = \"later-moved\"\n", 1)).unwrap();
    let out = deploy(&b, &[]);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Not announced: /posts/later-moved/ (published before under another URL"), "{said}");
    std::fs::remove_file(b.root.join("content/posts/later.md")).unwrap();
    std::fs::write(b.root.join("content/posts/later-file.md"), &later).unwrap();
    assert_eq!(list(&ok(&deploy(&b, &["--json"])), "announced"), Vec::<String>::new());
    assert_eq!(announced(&b).len(), 2, "no item for the moved post");
}

#[test]
fn a_deploy_cut_between_the_commit_and_the_announcement_is_finished_by_the_next_run() {
    let b = blog("announce-cut");
    ok(&deploy(&b, &["--json"]));
    post(&b.root, "news", "News", &days_ago(0), "");
    // The write fails after the commit (here: the table is missing), as an interrupted run would.
    let toml = std::fs::read_to_string(b.root.join("site.toml")).unwrap();
    std::fs::write(b.root.join("site.toml"), toml.replace(&b.announcements, "no-such-table")).unwrap();
    let out = deploy(&b, &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("run `myblog deploy` again to announce it"), "{}", stderr(&out));
    assert!(announced(&b).is_empty());
    std::fs::write(b.root.join("site.toml"), toml).unwrap();
    // The site is already up; the rerun only has the announcement left to do.
    let rerun = ok(&deploy(&b, &["--json"]));
    assert_eq!(list(&rerun, "announced"), ["/posts/news/"]);
    assert_eq!(rerun["uploaded"], 0);
    assert_eq!(list(&ok(&deploy(&b, &["--json"])), "announced"), Vec::<String>::new());
    assert_eq!(announced(&b).len(), 1);

    // Cut after the write, before the manifest forgot it: the committed manifest still lists the
    // post as pending (the state such a cut leaves). The rerun writes again; DynamoDB refuses.
    let bucket = std::fs::read_to_string(b.root.join("site.toml")).unwrap();
    let bucket = bucket.split("bucket = \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    rt().block_on(async {
        let s3 = s3a().await;
        let body = s3.get_object().bucket(&bucket).key(".myblog/manifest.json").send().await.unwrap().body.collect().await.unwrap();
        let mut m: Value = serde_json::from_slice(&body.into_bytes()).unwrap();
        m["pending"]["announce"] = json!([{ "path": "/posts/news/", "url": "https://mini.example.org/posts/news/", "title": "News" }]);
        s3.put_object().bucket(&bucket).key(".myblog/manifest.json").body(serde_json::to_vec(&m).unwrap().into()).send().await.unwrap();
    });
    let rerun = ok(&deploy(&b, &["--json"]));
    assert_eq!(list(&rerun, "announced"), Vec::<String>::new());
    assert_eq!(list(&rerun, "already_announced"), ["/posts/news/"]);
    assert_eq!(announced(&b).len(), 1);

    // A table gone for good: --no-announce gives a left-over announcement up.
    post(&b.root, "orphan", "Orphan", &days_ago(0), "");
    let toml = std::fs::read_to_string(b.root.join("site.toml")).unwrap();
    std::fs::write(b.root.join("site.toml"), toml.replace(&b.announcements, "no-such-table")).unwrap();
    assert!(!deploy(&b, &[]).status.success());
    assert!(!deploy(&b, &[]).status.success(), "the announcement stays due");
    let out = deploy(&b, &["--no-announce"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Not announced: /posts/orphan/ (--no-announce; an earlier deploy had left it to announce)"),
        "{}",
        stderr(&out)
    );
    assert!(deploy(&b, &[]).status.success());
}

#[test]
fn subscribers_get_the_announced_post_and_the_author_sees_the_counts() {
    let b = blog("announce-e2e");
    ok(&deploy(&b, &["--json"]));
    let sdk = rt().block_on(moto().sdk_config());
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = rt().block_on(async {
        sqs.create_queue()
            .queue_name("announce-e2e")
            .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "2")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap()
    });
    let sender = "news@mini.example.org";
    let vars: HashMap<&str, String> = HashMap::from([
        ("TABLE_NAME", b.subscribers.clone()),
        ("SENDER_EMAIL", sender.into()),
        ("SITE_URL", "https://mini.example.org".into()),
        ("SITE_TITLE", "Mini & Co".into()),
        ("ANNOUNCEMENTS_TABLE", b.announcements.clone()),
        ("SENDS_TABLE", b.sends.clone()),
        ("SEND_QUEUE_URL", queue.clone()),
        ("SEND_RATE", "100".into()),
    ]);
    let config = subscribe_fn::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = subscribe_fn::App::from_sdk_config(config, &sdk).unwrap();
    rt().block_on(async {
        aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(sender).send().await.unwrap();
        let db = dynamo().await;
        // Ann subscribed before subscribers had a language (none stored: the default one);
        // on a single-language site everyone gets every post, whatever is stored.
        for (email, status, lang) in [
            ("ann@example.com", "confirmed", None),
            ("bob@example.com", "confirmed", Some("en")),
            ("pat@example.com", "pending", Some("en")),
        ] {
            let mut put = db
                .put_item()
                .table_name(&b.subscribers)
                .item("email", AttributeValue::S(email.into()))
                .item("status", AttributeValue::S(status.into()))
                .item("created_at", AttributeValue::S("2026-11-01T00:00:00Z".into()));
            if let Some(l) = lang {
                put = put.item("lang", AttributeValue::S(l.into()));
            }
            put.send().await.unwrap();
        }
    });

    post(&b.root, "big-news", "Big news", &days_ago(0), "");
    assert_eq!(list(&ok(&deploy(&b, &["--json"])), "announced"), ["/posts/big-news/"]);

    rt().block_on(async {
        // The announcements table's stream, as Lambda delivers it to the stream function.
        let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
        let desc = streams.describe_stream().stream_arn(&b.stream_arn).send().await.unwrap();
        let mut records = Vec::new();
        for shard in desc.stream_description().unwrap().shards() {
            let it = streams
                .get_shard_iterator()
                .stream_arn(&b.stream_arn)
                .shard_id(shard.shard_id().unwrap())
                .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
                .send()
                .await
                .unwrap();
            let page = streams.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.unwrap();
            for r in page.records() {
                let d = r.dynamodb().unwrap();
                let post = d.keys().unwrap()["post"].as_s().unwrap().clone();
                records.push(json!({
                    "eventID": r.event_id(), "eventName": r.event_name().unwrap().as_str(), "eventSource": "aws:dynamodb",
                    "awsRegion": "us-east-1", "eventSourceARN": b.stream_arn,
                    "dynamodb": { "Keys": { "post": { "S": post } }, "SequenceNumber": d.sequence_number(), "SizeBytes": 10, "StreamViewType": "KEYS_ONLY" }
                }));
            }
        }
        assert_eq!(records.len(), 1, "one announcement record");
        let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(json!({ "Records": records })).unwrap();
        assert!(subscribe_fn::stream::handle(&app, event).await.batch_item_failures.is_empty());
        // The send queue, as Lambda delivers it to the sender, until it is empty.
        for _ in 0..20 {
            let out = sqs.receive_message().queue_url(&queue).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
            let messages = out.messages();
            if messages.is_empty() {
                break;
            }
            let records: Vec<Value> = messages
                .iter()
                .map(|m| json!({ "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": "us-east-1" }))
                .collect();
            let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(json!({ "Records": records })).unwrap();
            let (resp, _) = subscribe_fn::news::sender::handle(&app, event, tokio::time::Instant::now() + Duration::from_secs(60)).await;
            assert!(resp.batch_item_failures.is_empty());
            for m in messages {
                sqs.delete_message().queue_url(&queue).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
            }
        }
    });
    let sent: Vec<Value> =
        moto().sent_emails().into_iter().filter(|m| m["raw"].as_str().is_some_and(|r| r.contains("Subject: Big news\r\n"))).collect();
    let mut to: Vec<String> = sent.iter().map(|m| m["destinations"]["ToAddresses"][0].as_str().unwrap().to_string()).collect();
    to.sort();
    assert_eq!(to, ["ann@example.com", "bob@example.com"]);

    // What the author sees.
    let mut c = common::myblog();
    c.arg("announcements").arg("--json").arg("--root").arg(&b.root);
    for (k, v) in moto().env() {
        c.env(k, v);
    }
    let out = run(&mut c);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["post"], "/posts/big-news/");
    assert_eq!(
        (report[0]["sent"].as_u64(), report[0]["still_queued"].as_u64(), report[0]["fanout_done"].as_bool()),
        (Some(2), Some(0), Some(true))
    );

    let csv = b.root.join("list.csv");
    let mut c = common::myblog();
    c.arg("subscribers").arg("--json").arg("--root").arg(&b.root).arg("--export").arg(&csv);
    for (k, v) in moto().env() {
        c.env(k, v);
    }
    let out = run(&mut c);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["counts"], json!({ "bounced": 0, "complained": 0, "confirmed": 2, "declined": 0, "pending": 1, "unsubscribed": 0 }));
    assert_eq!(counts["languages"], json!({ "en": 2 }), "the address stored without a language counts as the default's");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "email,lang\nann@example.com,en\nbob@example.com,en\n");
}
