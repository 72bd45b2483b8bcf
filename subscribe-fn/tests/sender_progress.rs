//! The sender keeps going: one recipient's passing SES failure does not stop the others of its
//! batch, and a pace slower than the send lease never lets a claim run out before its call (a
//! second sender would then take it over and send the email twice).

mod common;
mod news_support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use news_support::*;

/// Forwards to moto, answering every SendEmail to `sick` with SES's 500 (a passing failure).
async fn sick_one(State(p): State<Arc<(String, String)>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    if parts.uri.path().ends_with("/outbound-emails") && String::from_utf8_lossy(&bytes).contains(&format!("\"{}\"", p.1)) {
        return Response::builder()
            .status(500)
            .header("content-type", "application/json")
            .header("x-amzn-errortype", "InternalFailure")
            .body(AxumBody::from(r#"{"message":"An internal error occurred."}"#))
            .unwrap();
    }
    forward(&p.0, parts, bytes.to_vec()).await
}

fn post_mails(to: &str) -> usize {
    mails_to(to).into_iter().filter(|m| m.html.contains("Read the post")).count()
}

async fn queue_send(news: &News, post: &str, recipients: &[&str]) {
    let send = serde_json::json!({ "type": "send", "post": post, "recipients": recipients }).to_string();
    news.app.sqs.send_message().queue_url(&news.queue_url).message_body(send).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_recipients_passing_failure_does_not_stop_the_others_of_its_batch() {
    let news = news_env("progress-sick", &[]).await;
    let readers = ["sick@progress.example", "r1@progress.example", "r2@progress.example", "r3@progress.example"];
    news.seed(&readers.map(String::from), "confirmed").await;
    let post = "/posts/sick-one/";
    assert!(news.announce(post, "Sick one").await);
    queue_send(&news, post, &readers).await;

    let state = Arc::new((moto().endpoint.clone(), readers[0].to_string()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let proxy = axum::Router::new().fallback(sick_one).with_state(state);
    tokio::spawn(async move { axum::serve(listener, proxy).await.unwrap() });
    let sdk = subscribe_fn::with_timeouts(&moto().sdk_config().await, news.app.config.news.operation_timeout);
    let ses = aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(&sdk).endpoint_url(&endpoint).build());
    let app = subscribe_fn::App::new(news.app.config.clone(), news.app.dynamo.clone(), ses, news.app.sqs.clone()).unwrap();

    let messages = news.receive().await;
    assert_eq!(messages.len(), 1);
    let (resp, tally) = news.run(&app, &messages).await;
    assert_eq!(resp.batch_item_failures.len(), 1, "the message comes back for the failed send");
    assert_eq!(tally.sent, 3, "{tally:?}");
    for r in &readers[1..] {
        assert_eq!(post_mails(r), 1, "{r} was sent despite the failure before it");
    }
    // The failed one's claim was given back: with SES well again, the retry sends it alone.
    news.drain(&news.app).await;
    for r in readers {
        assert_eq!(post_mails(r), 1, "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pace_slower_than_the_lease_never_lets_a_claim_run_out_before_its_call() {
    // One email per 10 s, a 6 s lease.
    let news = news_env("progress-slow", &[("SEND_RATE", "0.1".into()), ("SEND_LEASE_SECS", "6".into())]).await;
    let readers = ["first@slow.example", "second@slow.example"];
    news.seed(&readers.map(String::from), "confirmed").await;
    let post = "/posts/slow-pace/";
    assert!(news.announce(post, "Slow pace").await);
    queue_send(&news, post, &readers).await;
    let messages = news.receive().await;
    assert_eq!(messages.len(), 1);

    // Two sender instances (each its own pacer) get the message: one at once, the duplicate
    // delivery 7 s later, when a lease taken right after the first send would have run out.
    let other =
        subscribe_fn::App::new(news.app.config.clone(), news.app.dynamo.clone(), news.app.ses.clone(), news.app.sqs.clone()).unwrap();
    let first = news.run(&news.app, &messages);
    let second = async {
        tokio::time::sleep(Duration::from_secs(7)).await;
        news.run(&other, &messages).await
    };
    let _ = tokio::join!(first, second);
    for r in readers {
        assert_eq!(post_mails(r), 1, "{r}: one email, not one per sender");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_sends_nothing_and_hands_work_back_counts_as_stalled() {
    // One email per 30 s: no invocation of 20 s can fit a send (the function refuses this at
    // start when it knows its timeout; here the deadline is the test's).
    let news = news_env("progress-stalled", &[("SEND_RATE", "0.033".into()), ("SEND_LEASE_SECS", "6".into())]).await;
    let readers = ["stuck1@slow.example", "stuck2@slow.example"];
    news.seed(&readers.map(String::from), "confirmed").await;
    let post = "/posts/stalled/";
    assert!(news.announce(post, "Stalled").await);
    queue_send(&news, post, &readers).await;
    let messages = news.receive().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let (resp, tally) = subscribe_fn::news::sender::handle(&news.app, news.event(&messages), deadline).await;
    assert!(resp.batch_item_failures.is_empty(), "no failure: nothing for the DLQ alarm to see");
    assert_eq!((tally.sent, tally.handed_back), (0, 2), "{tally:?}");
    assert!(tally.stalled(), "nothing sent, work handed back: the alarm's marker is logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_linking_off_the_site_emails_nobody() {
    let mut news = news_env("progress-offsite", &[]).await;
    news.seed(&["victim@offsite.example".to_string()], "confirmed").await;
    // What a holder of the deploy role could write: a post item whose link goes elsewhere.
    let item = std::collections::HashMap::from([
        ("post".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("/posts/prize/".into())),
        ("title".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("You won".into())),
        ("url".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("https://evil.example/claim".into())),
    ]);
    news.app.dynamo.put_item().table_name(&news.announcements).set_item(Some(item)).send().await.unwrap();
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());
    news.drain(&news.app).await;
    assert_eq!(post_mails("victim@offsite.example"), 0);
    // The same pipeline still sends an on-site announcement.
    assert!(news.announce("/posts/real/", "Real post").await);
    news.pump_announcements().await;
    news.drain(&news.app).await;
    assert_eq!(post_mails("victim@offsite.example"), 1);
}
