//! New-post announcements end to end against moto: the announcement item's stream record
//! starts the fan-out, moto's SQS carries the page and send messages, the sender emails every
//! confirmed subscriber exactly once through moto's SES, whatever goes wrong on the way.

mod common;
mod news_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use news_support::*;
use tokio::sync::Notify;

/// SES as the sender sees it in real life: a loopback proxy in front of moto that answers
/// every tenth SendEmail with SES's throttling error, and holds the first SendEmail to one
/// address forever (the invocation making it dies in the meantime).
struct FaultySes {
    upstream: String,
    calls: AtomicUsize,
    throttled: AtomicUsize,
    hang_for: Option<String>,
    hung: AtomicUsize,
    hanging: Notify,
}

async fn faulty(State(p): State<Arc<FaultySes>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    if parts.uri.path().ends_with("/outbound-emails") {
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Some(target) = &p.hang_for {
            // Destination.ToAddresses is plain JSON (the MIME is base64 inside Content.Raw).
            if text.contains(&format!("\"{target}\"")) && p.hung.fetch_add(1, Ordering::SeqCst) == 0 {
                p.hanging.notify_one();
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        if p.calls.fetch_add(1, Ordering::SeqCst) % 10 == 3 {
            p.throttled.fetch_add(1, Ordering::SeqCst);
            return Response::builder()
                .status(429)
                .header("content-type", "application/json")
                .header("x-amzn-errortype", "TooManyRequestsException")
                .body(AxumBody::from(r#"{"message":"Maximum sending rate exceeded."}"#))
                .unwrap();
        }
    }
    forward(&p.upstream, parts, bytes.to_vec()).await
}

async fn start_faulty(hang_for: Option<&str>) -> (Arc<FaultySes>, String) {
    let state = Arc::new(FaultySes {
        upstream: moto().endpoint.clone(),
        calls: AtomicUsize::new(0),
        throttled: AtomicUsize::new(0),
        hang_for: hang_for.map(str::to_string),
        hung: AtomicUsize::new(0),
        hanging: Notify::new(),
    });
    let app = axum::Router::new().fallback(faulty).with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, format!("http://{addr}"))
}

/// The same app with its SES client going through `endpoint`, retrying quickly (the SDK's
/// standard retry mode, with a short first backoff so the test does not sleep for minutes).
async fn app_via(news: &News, endpoint: &str) -> subscribe_fn::App {
    let sdk = subscribe_fn::with_timeouts(&moto().sdk_config().await, news.app.config.news.operation_timeout);
    let ses_conf = aws_sdk_sesv2::config::Builder::from(&sdk)
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(20)))
        .build();
    subscribe_fn::App::new(
        news.app.config.clone(),
        news.app.dynamo.clone(),
        aws_sdk_sesv2::Client::from_conf(ses_conf),
        news.app.sqs.clone(),
    )
    .unwrap()
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:04}@example.com")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_confirmed_subscriber_gets_the_post_exactly_once_whatever_fails() {
    let mut news =
        news_env("fanout", &[("PAGE_SIZE", "300".into()), ("RECIPIENTS_PER_MESSAGE", "25".into()), ("SEND_LEASE_SECS", "6".into())]).await;
    let confirmed = addresses("reader", 1000);
    news.seed(&confirmed, "confirmed").await;
    news.seed(&addresses("pending", 200), "pending").await;
    news.seed(&addresses("gone", 100), "unsubscribed").await;
    news.seed(&addresses("bounced", 50), "bounced").await;

    let post = "/posts/exactly-once/";
    let subject = "Exactly once, at any size";
    assert!(news.announce(post, subject).await);
    // A second deploy (or a rerun) cannot announce it again: the write is conditional.
    assert!(!news.announce(post, subject).await);
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());

    let dies = "reader0500@example.com";
    // On the first page: the fan-out has read it as confirmed before it unsubscribes.
    let quits = "reader0010@example.com";
    let (proxy, endpoint) = start_faulty(Some(dies)).await;
    let app = app_via(&news, &endpoint).await;

    // Run batches until the hanging send is reached; that invocation dies (its future is
    // dropped mid-call: the claim is made, SES never got the email). One batch is delivered
    // twice on the way, as SQS may.
    let mut total = subscribe_fn::news::sender::Tally::default();
    let mut duplicated = false;
    let mut died = false;
    let mut unsubscribed = false;
    for _ in 0..500 {
        let messages = news.receive().await;
        if messages.is_empty() {
            if news.in_flight().await == 0 {
                break;
            }
            continue;
        }
        if !unsubscribed && total.queued > 0 {
            // Someone unsubscribes while the send is under way: page 0 is queued, none of its
            // sends has run yet (only the page message was on the queue before).
            assert_eq!(total.sent, 0);
            let store = subscribe_fn::store::Store { client: &news.app.dynamo, table: &news.env.table };
            assert!(store.unsubscribe(quits, "2026-11-01T00:00:00Z", "2026-12-01T00:00:01Z").await.unwrap());
            unsubscribed = true;
        }
        let run = news.run(&app, &messages);
        tokio::pin!(run);
        let outcome = tokio::select! {
            r = &mut run => Some(r),
            _ = proxy.hanging.notified(), if !died => None,
        };
        let Some((resp, tally)) = outcome else {
            died = true;
            // Nothing acknowledged: every message of the batch comes back after the visibility timeout.
            continue;
        };
        add(&mut total, tally);
        let failed: Vec<String> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
        if !duplicated && tally.sent > 0 {
            // At-least-once delivery: the same batch again, before it is deleted.
            let (_, again) = news.run(&app, &messages).await;
            assert_eq!(again.sent, 0, "a duplicate delivery sent nothing new");
            add(&mut total, again);
            duplicated = true;
        }
        news.ack(&messages, &failed).await;
    }
    add(&mut total, news.drain(&app).await);
    assert!(died && duplicated && unsubscribed, "every fault happened: died={died} duplicated={duplicated} unsubscribed={unsubscribed}");
    assert!(
        proxy.throttled.load(Ordering::SeqCst) >= 90,
        "about 10% of SES calls were throttled: {}",
        proxy.throttled.load(Ordering::SeqCst)
    );

    // Counted from what moto's SES accepted.
    let sent = sent_with_subject(subject);
    let expected: Vec<&String> = confirmed.iter().filter(|e| e.as_str() != quits).collect();
    for e in &expected {
        assert_eq!(sent.get(e.as_str()), Some(&1), "{e} got {:?} emails", sent.get(e.as_str()));
    }
    assert_eq!(
        sent.len(),
        expected.len(),
        "nobody else got it: {:?}",
        sent.keys().filter(|k| !k.starts_with("reader")).collect::<Vec<_>>()
    );
    assert_eq!(sent.get(quits), None, "unsubscribed during the send");
    // (The tallies of the invocation that died are lost with it: the tables are the record.)
    assert!(total.sent < 999 && total.sent > 0, "{total:?}");

    let states = news.sends_of(post).await;
    assert_eq!(states.values().filter(|s| *s == "sent").count(), 999);
    assert_eq!(states.get(quits).map(String::as_str), Some("suppressed"));
    let ann = news
        .app
        .dynamo
        .get_item()
        .table_name(&news.announcements)
        .key("post", aws_sdk_dynamodb::types::AttributeValue::S(post.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(ann["queued"].as_n().unwrap(), "1000");
    assert!(ann.contains_key("fanout_done_at"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_reads_right_and_its_unsubscribe_link_works_for_that_reader_only() {
    let mut news = news_env("content", &[]).await;
    news.seed(&["ann@example.com".to_string(), "bob@example.com".to_string()], "confirmed").await;
    let post = "/posts/caf\u{e9}-notes/";
    let title = "Café notes: <b>not bold</b> & more";
    assert!(news.announce(post, title).await);
    news.pump_announcements().await;
    news.drain(&news.app).await;

    let mails = mails_to("ann@example.com");
    let mail = mails.iter().find(|m| m.html.contains("Read the post")).expect("the new-post email");
    assert_eq!(mail.header("From"), Some("\"Field Notes\" <hello@blog.example.com>"));
    assert!(mail.header("Subject").unwrap().starts_with("=?UTF-8?B?"), "non-ASCII subject is encoded");
    assert_eq!(mail.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let list = mail.header("List-Unsubscribe").unwrap();
    assert!(list.starts_with(&format!("<{SITE}/api/unsubscribe?token=")) && list.contains("mailto:unsubscribe@blog.example.com"), "{list}");
    // HTML: escaped title, the summary's absolute link and image, the post's link.
    assert!(mail.html.contains("Café notes: &lt;b&gt;not bold&lt;&#x2F;b&gt; &amp; more"), "{}", mail.html);
    assert!(mail.html.contains(&format!("<a href=\"{SITE}/posts/other/\">a link</a>")));
    assert!(mail.html.contains(&format!("<img src=\"{SITE}/media/photo.0123456789.jpg\"")));
    assert!(mail.html.contains(&format!("href=\"{SITE}{post}\"")));
    assert!(mail.html.contains("30 November 2026"));
    // Text: title, summary, the post's URL, the unsubscribe URL.
    assert!(mail.text.contains(title) && mail.text.contains("A summary with a link and a photo."), "{}", mail.text);
    assert!(mail.text.contains(&format!("Read the post: {SITE}{post}")));
    let token = mail.token_for("/api/unsubscribe");
    assert!(list.contains(&token), "header and body carry the same per-recipient link");

    // One click (RFC 8058) unsubscribes ann, and only ann.
    let click = request(
        "POST",
        &format!("/api/unsubscribe?token={token}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        "List-Unsubscribe=One-Click",
    );
    let resp = subscribe_fn::http::handle(&news.app, click).await;
    assert_eq!(resp.status(), 200, "{}", body_text(&resp));
    assert_eq!(news.env.status("ann@example.com").await.as_deref(), Some("unsubscribed"));
    assert_eq!(news.env.status("bob@example.com").await.as_deref(), Some("confirmed"));
    // The token of ann's email is not bob's: a forged post part or another address fails.
    let forged = token.replacen(&token[..token.find('.').unwrap()], &base64_url("bob@example.com"), 1);
    let resp = subscribe_fn::http::handle(
        &news.app,
        request("POST", &format!("/api/unsubscribe?token={forged}"), &[], "List-Unsubscribe=One-Click"),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(news.env.status("bob@example.com").await.as_deref(), Some("confirmed"));

    // The next post reaches bob only.
    assert!(news.announce("/posts/second/", "Second post").await);
    news.pump_announcements().await;
    news.drain(&news.app).await;
    assert_eq!(sent_with_subject("Second post"), HashMap::from([("bob@example.com".to_string(), 1)]));
}

fn base64_url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// One call of the SNS Query API on moto (no SNS SDK crate in the tree: its compile time buys
/// nothing the plain protocol does not).
fn sns(params: &[(&str, &str)]) -> String {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let mut resp = ureq::post(&format!("{}/", moto().endpoint))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x")
        .send(body.as_bytes())
        .expect("SNS call");
    resp.body_mut().read_to_string().unwrap()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("no {open} in {text}")) + open.len();
    &text[start..start + text[start..].find(close).unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounces_and_complaints_from_ses_suppress_the_address_for_good() {
    let mut news = news_env("feedback", &[]).await;
    let (hard, spam, soft) = ("hard@example.com", "spam@example.com", "soft@example.com");
    news.seed(&[hard.to_string(), spam.to_string(), soft.to_string()], "confirmed").await;

    // SES configuration set → SNS topic → (here) an SQS queue we read the deliveries from.
    let topic = between(&sns(&[("Action", "CreateTopic"), ("Name", "ses-feedback")]), "<TopicArn>", "</TopicArn>").to_string();
    let queue = news.app.sqs.create_queue().queue_name("feedback-tap").send().await.unwrap().queue_url.unwrap();
    let attrs = news
        .app
        .sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn = attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    let sub = sns(&[("Action", "Subscribe"), ("TopicArn", &topic), ("Protocol", "sqs"), ("Endpoint", &queue_arn)]);
    let sub_arn = between(&sub, "<SubscriptionArn>", "</SubscriptionArn>").to_string();
    let events = [
        format!(
            r#"{{"eventType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"NoEmail","bouncedRecipients":[{{"emailAddress":"{hard}","status":"5.1.1"}}],"timestamp":"2026-12-01T00:00:00Z"}},"mail":{{"destination":["{hard}"]}}}}"#
        ),
        format!(
            r#"{{"eventType":"Complaint","complaint":{{"complainedRecipients":[{{"emailAddress":"{spam}"}}],"complaintFeedbackType":"abuse"}},"mail":{{"destination":["{spam}"]}}}}"#
        ),
        format!(
            r#"{{"eventType":"Bounce","bounce":{{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{{"emailAddress":"{soft}"}}]}},"mail":{{}}}}"#
        ),
    ];
    for e in &events {
        sns(&[("Action", "Publish"), ("TopicArn", &topic), ("Message", e)]);
    }
    let mut records = Vec::new();
    for _ in 0..10 {
        let out = news.app.sqs.receive_message().queue_url(&queue).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
        for m in out.messages() {
            let envelope: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            records.push(
                serde_json::json!({ "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": sub_arn, "Sns": envelope }),
            );
        }
        if records.len() == events.len() {
            break;
        }
    }
    assert_eq!(records.len(), 3, "moto delivered every notification");
    let event: aws_lambda_events::event::sns::SnsEvent =
        serde_json::from_value(serde_json::json!({ "Records": records })).expect("an SNS event");
    assert_eq!(subscribe_fn::feedback::handle(&news.app, event).await.unwrap(), 2);
    assert_eq!(news.env.status(hard).await.as_deref(), Some("bounced"));
    assert_eq!(news.env.status(spam).await.as_deref(), Some("complained"));
    assert_eq!(news.env.status(soft).await.as_deref(), Some("confirmed"), "a full mailbox is not a reason to drop a reader");

    // Never emailed again: not by a new post, and a new subscription of the address sends nothing.
    assert!(news.announce("/posts/after-feedback/", "After feedback").await);
    news.pump_announcements().await;
    news.drain(&news.app).await;
    assert_eq!(sent_with_subject("After feedback"), HashMap::from([(soft.to_string(), 1)]));
    for addr in [hard, spam] {
        assert_eq!(news.env.http(subscribe_json(addr)).await.status(), 202);
    }
    assert_eq!(news.env.pump().await, Vec::<String>::new());
    assert!(mails_to(hard).is_empty() && mails_to(spam).is_empty());
    // Unsubscribing a suppressed address (an old link) keeps it suppressed.
    let store = subscribe_fn::store::Store { client: &news.app.dynamo, table: &news.env.table };
    let created = news.env.item(hard).await.unwrap()["created_at"].as_s().unwrap().clone();
    assert!(!store.unsubscribe(hard, &created, "2026-12-02T00:00:00Z").await.unwrap());
    assert_eq!(news.env.status(hard).await.as_deref(), Some("bounced"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_short_of_time_hands_the_rest_on_instead_of_failing() {
    // 2 emails/s: eight recipients cannot all be sent in a few seconds.
    let news = news_env("deadline", &[("SEND_RATE", "2".into()), ("SEND_LEASE_SECS", "6".into())]).await;
    let readers = addresses("slow", 8);
    news.seed(&readers, "confirmed").await;
    assert!(news.announce("/posts/slow/", "Slow").await);
    let send = serde_json::json!({ "type": "send", "post": "/posts/slow/", "recipients": readers }).to_string();
    news.app.sqs.send_message().queue_url(&news.queue_url).message_body(send).send().await.unwrap();
    let messages = news.receive().await;
    assert_eq!(messages.len(), 1);
    // Room for a couple of sends only (each needs the SES time limit plus a margin).
    let deadline = tokio::time::Instant::now() + news.app.config.news.ses_timeout() + Duration::from_secs(4);
    let (resp, tally) = subscribe_fn::news::sender::handle(&news.app, news.event(&messages), deadline).await;
    assert!(resp.batch_item_failures.is_empty(), "not a failure: the message is done");
    assert!(tally.sent >= 1 && tally.sent < 8, "{tally:?}");
    news.ack(&messages, &[]).await;
    // The rest came back as a new message, and the next invocation finishes the job.
    news.drain(&news.app).await;
    let sent = sent_with_subject("Slow");
    assert_eq!(sent.len(), 8);
    assert!(sent.values().all(|n| *n == 1), "{sent:?}");
}

/// SES refusing the announcement itself (here: a header it will not take), as a loopback proxy
/// in front of moto answers every SendEmail: the fan-out stops after a few refusals in a row and
/// marks nobody bounced; before, every recipient of the batch was marked bounced one by one.
async fn refusing_the_message(State(upstream): State<Arc<(String, AtomicUsize)>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    if parts.uri.path().ends_with("/outbound-emails") {
        upstream.1.fetch_add(1, Ordering::SeqCst);
        return Response::builder()
            .status(400)
            .header("content-type", "application/json")
            .header("x-amzn-errortype", "MessageRejected")
            .body(AxumBody::from(r#"{"message":"Illegal header 'Subject'."}"#))
            .unwrap();
    }
    forward(&upstream.0, parts, bytes.to_vec()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_of_the_message_itself_marks_nobody_and_stops_the_run() {
    let mut news = news_env("msgrejected", &[("RECIPIENTS_PER_MESSAGE", "25".into())]).await;
    let readers = addresses("list", 25);
    news.seed(&readers, "confirmed").await;
    let post = "/posts/refused/";
    assert!(news.announce(post, "Refused by SES").await);
    news.pump_announcements().await;

    let state = Arc::new((moto().endpoint.clone(), AtomicUsize::new(0)));
    let proxy = axum::Router::new().fallback(refusing_the_message).with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, proxy).await.unwrap() });
    let app = app_via(&news, &endpoint).await;

    // The page message queues one send message of 25; running that one is refused.
    let mut total = subscribe_fn::news::sender::Tally::default();
    let mut retried = 0;
    for _ in 0..20 {
        let messages = news.receive().await;
        if messages.is_empty() {
            break;
        }
        let (resp, tally) = news.run(&app, &messages).await;
        add(&mut total, tally);
        retried += resp.batch_item_failures.len();
        // Acknowledge everything, failures included, so the loop ends (SQS would redeliver and
        // then dead-letter them; what matters is what one refused run does).
        news.ack(&messages, &[]).await;
    }
    assert!(retried >= 1, "the refused send message is handed back for a retry");
    assert_eq!((total.sent, total.failed), (0, 0), "{total:?}");
    assert_eq!(
        state.1.load(Ordering::SeqCst),
        subscribe_fn::news::sender::MESSAGE_REJECTIONS_TO_STOP,
        "the run stopped after a run of refusals of the message"
    );
    for r in &readers {
        assert_eq!(news.env.status(r).await.as_deref(), Some("confirmed"), "{r} was not blamed for the message");
    }
    assert!(news.sends_of(post).await.values().all(|s| s != "failed"), "{:?}", news.sends_of(post).await);
}

/// Anyone holding the deploy role can write announcement items: past `ANNOUNCEMENTS_PER_DAY`
/// fan-outs in a UTC day, a post emails nobody, and its item says why (`myblog announcements`
/// shows it). A page message delivered twice takes no second slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_past_the_daily_cap_email_nobody_and_say_why() {
    let mut news = news_env("daily-cap", &[("ANNOUNCEMENTS_PER_DAY", "2".into())]).await;
    let readers = addresses("capped", 2);
    news.seed(&readers, "confirmed").await;
    let posts = ["/posts/cap-one/", "/posts/cap-two/", "/posts/cap-three/"];
    for (i, p) in posts.iter().enumerate() {
        assert!(news.announce(p, &format!("Capped {i}")).await);
    }
    assert!(news.pump_announcements().await.is_empty());
    news.drain(&news.app).await;
    let mut refused = vec![];
    for (i, p) in posts.iter().enumerate() {
        let sent = sent_with_subject(&format!("Capped {i}"));
        match news.announcement_item(p).await.get("refused").and_then(|v| v.as_s().ok()) {
            Some(why) => {
                assert!(sent.is_empty(), "{p} was refused but emailed {sent:?}");
                assert!(why.contains("ANNOUNCEMENTS_PER_DAY"), "{why}");
                refused.push(*p);
            }
            None => assert_eq!(sent.len(), 2, "{p}: {sent:?}"),
        }
    }
    assert_eq!(refused.len(), 1, "exactly the third fan-out of the day is refused: {refused:?}");
    // A duplicate page-0 delivery of an accepted post is not a new announcement.
    let accepted = posts.iter().find(|p| !refused.contains(p)).unwrap();
    let page = serde_json::json!({ "type": "page", "post": accepted, "page": 0, "after": null }).to_string();
    news.app.sqs.send_message().queue_url(&news.queue_url).message_body(page).send().await.unwrap();
    news.drain(&news.app).await;
    assert!(!news.announcement_item(accepted).await.contains_key("refused"));
    // Two deliveries racing before the first moved the page marker: the slot is the post's.
    let store = subscribe_fn::news::store::NewsStore { app: &news.app };
    let now = time::OffsetDateTime::now_utc();
    let today = now.date().to_string();
    assert!(store.take_daily_slot(accepted, &today, 2, now.unix_timestamp()).await.unwrap(), "the same post again");
    assert!(!store.take_daily_slot("/posts/cap-four/", &today, 2, now.unix_timestamp()).await.unwrap(), "a fourth post");
}

/// Forwards everything to moto and counts the DynamoDB operations it sees, by name.
struct CountingDynamo {
    upstream: String,
    seen: std::sync::Mutex<Vec<String>>,
}

async fn counting(State(p): State<Arc<CountingDynamo>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    p.seen.lock().unwrap().push(target.rsplit('.').next().unwrap_or_default().to_string());
    forward(&p.upstream, parts, bytes.to_vec()).await
}

/// A forged new-post unsubscribe link (well formed, for a real post, never sent) must cost the
/// same DynamoDB work, and get the same answer, for a subscribed address as for a stranger's:
/// otherwise timing or the bill tells an attacker who is subscribed. Before, a stranger's cost
/// one read and a subscriber's two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_post_link_costs_the_same_for_a_subscriber_as_for_a_stranger() {
    let news = news_env("oracle", &[]).await;
    news.seed(&["known@example.com".to_string()], "confirmed").await;
    let proxy = Arc::new(CountingDynamo { upstream: moto().endpoint.clone(), seen: Default::default() });
    let router = axum::Router::new().fallback(counting).with_state(Arc::clone(&proxy));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let sdk = subscribe_fn::with_timeouts(&moto().sdk_config().await, news.app.config.news.operation_timeout);
    let dynamo = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(&endpoint).build());
    let app = subscribe_fn::App::new(news.app.config.clone(), dynamo, news.app.ses.clone(), news.app.sqs.clone()).unwrap();
    let mut answers = vec![];
    for email in ["known@example.com", "stranger@example.com"] {
        let forged = subscribe_fn::token::mint_for_post(email, "/posts/first/").token;
        let mut one = vec![];
        for (method, body) in [("GET", ""), ("POST", "List-Unsubscribe=One-Click")] {
            proxy.seen.lock().unwrap().clear();
            let resp = subscribe_fn::http::handle(&app, request(method, &format!("/api/unsubscribe?token={forged}"), &[], body)).await;
            let mut ops = proxy.seen.lock().unwrap().clone();
            ops.sort();
            one.push((method, resp.status().as_u16(), body_text(&resp), ops));
        }
        answers.push(one);
    }
    assert_eq!(answers[0], answers[1], "a subscriber's forged link and a stranger's must look and cost the same");
    assert!(answers[0].iter().all(|(_, status, _, ops)| *status == 400 && ops.len() == 2), "{:?}", answers[0]);
    assert_eq!(news.env.status("known@example.com").await.as_deref(), Some("confirmed"));
}
