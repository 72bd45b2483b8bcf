//! Sends whose outcome the sender cannot know: SES took the email but its answer never came
//! back, or SES took it and marking the send failed. Neither is "not sent": the recipient must
//! not get a second copy straight away, and the link in the copy they have must keep working.
//!
//! The faults are real ones injected between the function and moto: a loopback proxy forwards
//! the SendEmail to moto (which stores the email) and then drops moto's answer; another fails
//! DynamoDB's UpdateItem that marks a send sent.

mod common;
mod news_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use news_support::*;

/// Forwards everything to moto; the first SendEmail to each address in `lose` reaches moto,
/// and its answer is then held back for good (the caller times out).
struct LosingSes {
    upstream: String,
    lose: Mutex<Vec<String>>,
}

async fn losing(State(p): State<Arc<LosingSes>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    let text = String::from_utf8_lossy(&bytes).to_string();
    let lost = parts.uri.path().ends_with("/outbound-emails") && {
        let mut lose = p.lose.lock().unwrap();
        // Destination.ToAddresses is plain JSON (the MIME is base64 inside Content.Raw).
        let hit = lose.iter().position(|a| text.contains(&format!("\"{a}\"")));
        hit.map(|i| lose.remove(i)).is_some()
    };
    let answer = forward(&p.upstream, parts, bytes.to_vec()).await;
    if lost {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    answer
}

/// Forwards everything to moto, except (while `failing`) the UpdateItem that marks a send
/// sent, answered with DynamoDB's 500.
struct FailingMark {
    upstream: String,
    failing: AtomicBool,
}

async fn failing_mark(State(p): State<Arc<FailingMark>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    let text = String::from_utf8_lossy(&bytes);
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if p.failing.load(Ordering::SeqCst) && target.ends_with("UpdateItem") && text.contains(r#"":state":{"S":"sent"}"#) {
        return Response::builder()
            .status(500)
            .header("content-type", "application/x-amz-json-1.0")
            .body(AxumBody::from(r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#))
            .unwrap();
    }
    forward(&p.upstream, parts, bytes.to_vec()).await
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Receives, runs and acknowledges (as Lambda does) for `for_how_long`.
async fn run_for(news: &News, app: &subscribe_fn::App, for_how_long: Duration) -> subscribe_fn::news::sender::Tally {
    let mut total = subscribe_fn::news::sender::Tally::default();
    let until = tokio::time::Instant::now() + for_how_long;
    while tokio::time::Instant::now() < until {
        let messages = news.receive().await;
        if messages.is_empty() {
            continue;
        }
        let (resp, tally) = news.run(app, &messages).await;
        add(&mut total, tally);
        let failed: Vec<String> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
        news.ack(&messages, &failed).await;
    }
    total
}

async fn unsubscribe_with(news: &News, token: &str) -> u16 {
    let click = request(
        "POST",
        &format!("/api/unsubscribe?token={token}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        "List-Unsubscribe=One-Click",
    );
    subscribe_fn::http::handle(&news.app, click).await.status().as_u16()
}

fn post_mails(to: &str) -> Vec<Mail> {
    mails_to(to).into_iter().filter(|m| m.html.contains("Read the post")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ses_answer_keeps_the_claim_and_the_link_until_the_lease_runs_out() {
    // A 9 s lease: the SES call gets 3 s of it.
    let lease = 9;
    let mut news = news_env("unknown-answer", &[("SEND_LEASE_SECS", lease.to_string())]).await;
    let (ann, bob, cat) = ("ann@unknown.example", "bob@unknown.example", "cat@unknown.example");
    news.seed(&[ann.to_string(), bob.to_string(), cat.to_string()], "confirmed").await;
    let post = "/posts/lost-answer/";
    let subject = "A lost answer";
    assert!(news.announce(post, subject).await);
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());

    let proxy = Arc::new(LosingSes { upstream: moto().endpoint.clone(), lose: Mutex::new(vec![ann.into(), bob.into()]) });
    let endpoint = serve(axum::Router::new().fallback(losing).with_state(Arc::clone(&proxy))).await;
    let sdk = subscribe_fn::with_timeouts(&moto().sdk_config().await, news.app.config.news.operation_timeout);
    let ses = aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(&sdk).endpoint_url(&endpoint).build());
    let app = subscribe_fn::App::new(news.app.config.clone(), news.app.dynamo.clone(), ses, news.app.sqs.clone()).unwrap();

    // Well inside the lease: the message comes back (2 s visibility) and is run again, twice.
    let started = tokio::time::Instant::now();
    let tally = run_for(&news, &app, Duration::from_secs(lease - 2)).await;
    assert!(started.elapsed() < Duration::from_secs(lease + 3), "the lease held for the whole check");
    assert_eq!(tally.unknown, 2, "{tally:?}");
    assert_eq!(proxy.lose.lock().unwrap().len(), 0, "both answers were lost");
    for r in [ann, bob, cat] {
        assert_eq!(post_mails(r).len(), 1, "{r}: one email, not a second one on redelivery");
    }
    let states = news.sends_of(post).await;
    assert_eq!((states[ann].as_str(), states[bob].as_str(), states[cat].as_str()), ("sending", "sending", "sent"), "claims held");

    // Ann's link (the copy moto took while its answer was lost) works.
    let ann_token = post_mails(ann)[0].token_for("/api/unsubscribe");
    assert_eq!(unsubscribe_with(&news, &ann_token).await, 200);
    assert_eq!(news.env.status(ann).await.as_deref(), Some("unsubscribed"));

    // Once the lease has run out, the send is retried: ann has left (nothing is sent), bob gets
    // the copy he may have missed, and the link of his first copy still works.
    tokio::time::sleep(Duration::from_secs(lease)).await;
    news.drain(&app).await;
    assert_eq!(post_mails(ann).len(), 1, "unsubscribed meanwhile: never sent again");
    assert_eq!(post_mails(bob).len(), 2, "resent only after the lease ran out");
    let states = news.sends_of(post).await;
    assert_eq!((states[ann].as_str(), states[bob].as_str()), ("suppressed", "sent"));
    let first = post_mails(bob).into_iter().map(|m| m.token_for("/api/unsubscribe")).collect::<Vec<_>>();
    assert_ne!(first[0], first[1]);
    assert_eq!(unsubscribe_with(&news, &first[0]).await, 200, "the first copy's link works after the resend");
    assert_eq!(news.env.status(bob).await.as_deref(), Some("unsubscribed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_sent_mark_failed_is_not_sent_again_when_its_lease_runs_out() {
    let lease = 6;
    let mut news = news_env("unknown-mark", &[("SEND_LEASE_SECS", lease.to_string())]).await;
    let dan = "dan@unknown.example";
    news.seed(&[dan.to_string()], "confirmed").await;
    let post = "/posts/lost-mark/";
    assert!(news.announce(post, "A lost mark").await);
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());

    let proxy = Arc::new(FailingMark { upstream: moto().endpoint.clone(), failing: AtomicBool::new(true) });
    let endpoint = serve(axum::Router::new().fallback(failing_mark).with_state(Arc::clone(&proxy))).await;
    let sdk = subscribe_fn::with_timeouts(&moto().sdk_config().await, news.app.config.news.operation_timeout);
    let dynamo = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .endpoint_url(&endpoint)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(20)))
            .build(),
    );
    let faulty = subscribe_fn::App::new(news.app.config.clone(), dynamo, news.app.ses.clone(), news.app.sqs.clone()).unwrap();

    // The page message, then the send message: SES takes the email, the mark fails.
    for _ in 0..2 {
        let messages = news.receive().await;
        assert_eq!(messages.len(), 1);
        let (resp, _) = news.run(&faulty, &messages).await;
        let failed: Vec<String> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
        news.ack(&messages, &failed).await;
    }
    assert_eq!(post_mails(dan).len(), 1);
    proxy.failing.store(false, Ordering::SeqCst);

    // Whatever the queue holds now, run it, and again after the lease has run out.
    news.drain(&news.app).await;
    tokio::time::sleep(Duration::from_secs(lease + 1)).await;
    news.drain(&news.app).await;
    assert_eq!(post_mails(dan).len(), 1, "sent once: the failed mark did not make a resend");
    let item = news
        .app
        .dynamo
        .get_item()
        .table_name(&news.sends)
        .key("post", aws_sdk_dynamodb::types::AttributeValue::S(post.into()))
        .key("email", aws_sdk_dynamodb::types::AttributeValue::S(dan.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["state"].as_s().unwrap(), "sent");
    assert!(!item["message_id"].as_s().unwrap().is_empty(), "{item:?}");
    let token = post_mails(dan)[0].token_for("/api/unsubscribe");
    assert_eq!(unsubscribe_with(&news, &token).await, 200);
}
