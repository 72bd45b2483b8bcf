//! SES refusing emails: a refusal of the address for good (suppression list) marks it bounced
//! and is never retried; a refusal that is the sender's fault (unverified identity) fails only
//! that record, releases its claim, and the retry sends it without duplicating the others.
//!
//! SES refusals are per recipient in real life (suppression list, sandbox). moto accepts every
//! recipient, so a small loopback proxy in front of moto answers `SendEmail` for one recipient
//! with the error SES gives (400 MessageRejected) and forwards everything else unchanged.

mod common;

use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;

struct Proxy {
    upstream: String,
    poison: String,
}

async fn refusing(State(proxy): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.expect("request body");
    if String::from_utf8_lossy(&bytes).contains(&proxy.poison) {
        return Response::builder()
            .status(400)
            .header("content-type", "application/json")
            .header("x-amzn-errortype", "MessageRejected")
            .body(AxumBody::from(r#"{"message":"Email address is on the suppression list for your account."}"#))
            .unwrap();
    }
    forward(&proxy.upstream, parts, bytes.to_vec()).await
}

async fn start_proxy(poison: &str) -> String {
    let state = Arc::new(Proxy { upstream: moto().endpoint.clone(), poison: poison.to_string() });
    let app = axum::Router::new().fallback(refusing).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_refused_for_good_is_marked_bounced_and_never_retried() {
    let mut env = env("ses-failure", true).await;
    let readers = ["first@example.com", "refused@example.com", "third@example.com"];
    for r in readers {
        assert_eq!(env.http(subscribe_json(r)).await.status(), 202);
    }
    let batch = env.next_batch().await;
    assert_eq!(event_names(&batch), ["INSERT", "INSERT", "INSERT"]);
    let refused_seq = batch.iter().find(|r| r["dynamodb"]["Keys"]["email"]["S"] == "refused@example.com").map(seq).unwrap();

    // The same app, with its SES client going through the refusing proxy.
    let proxy = start_proxy("refused@example.com").await;
    let sdk = moto().sdk_config().await;
    let ses_conf = aws_sdk_sesv2::config::Builder::from(&sdk).endpoint_url(&proxy).build();
    let failing = subscribe_fn::App::new(
        env.app.config.clone(),
        env.app.dynamo.clone(),
        aws_sdk_sesv2::Client::from_conf(ses_conf),
        env.app.sqs.clone(),
    )
    .unwrap();
    let _ = refused_seq;
    let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(serde_json::json!({ "Records": batch })).unwrap();
    let resp = subscribe_fn::stream::handle(&failing, event).await;
    let wire = serde_json::to_value(&resp).unwrap();
    // Retrying cannot help: nothing is reported for retry.
    assert_eq!(wire, serde_json::json!({ "batchItemFailures": [] }));

    assert_eq!(mails_to("first@example.com").len(), 1);
    assert_eq!(mails_to("third@example.com").len(), 1);
    assert!(mails_to("refused@example.com").is_empty());
    assert_eq!(env.status("refused@example.com").await.as_deref(), Some("bounced"));
    let item = env.item("refused@example.com").await.unwrap();
    assert!(item["suppression"].as_s().unwrap().contains("suppression list"), "{item:?}");

    // A replay (even with SES working) sends nothing more, and the address cannot subscribe again.
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(env.http(subscribe_json("refused@example.com")).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    for (r, n) in [("first@example.com", 1), ("refused@example.com", 0), ("third@example.com", 1)] {
        assert_eq!(mails_to(r).len(), n, "{r}");
    }
    assert_eq!(env.status("refused@example.com").await.as_deref(), Some("bounced"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_sender_fails_the_record_and_releases_the_claim() {
    let mut env = env("unverified-sender", true).await;
    assert_eq!(env.http(subscribe_json("patient@example.com")).await.status(), 202);
    let batch = env.next_batch().await;
    let mut config = env.app.config.clone();
    config.sender = "nobody@unverified.example.net".to_string();
    let misconfigured = subscribe_fn::App::new(config, env.app.dynamo.clone(), env.app.ses.clone(), env.app.sqs.clone()).unwrap();
    let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(serde_json::json!({ "Records": batch })).unwrap();
    let resp = subscribe_fn::stream::handle(&misconfigured, event).await;
    let failed: Vec<_> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone().unwrap()).collect();
    assert_eq!(failed, vec![seq(&batch[0])]);
    assert!(mails_to("patient@example.com").is_empty());
    assert!(!env.item("patient@example.com").await.unwrap().contains_key("confirm_token_hash"));
    // With the right sender the retry goes through, once.
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(mails_to("patient@example.com").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_claimed_by_an_invocation_that_died_is_sent_once_its_lease_runs_out() {
    let mut env = env("lease", true).await;
    // Short leases so the test waits seconds, not a minute.
    env.app =
        subscribe_fn::App::from_sdk_config(config_with(&env.table, true, &[("SEND_LEASE_SECS", "9".into())]), &moto().sdk_config().await)
            .unwrap();
    let addr = "lost@example.com";
    assert_eq!(env.http(subscribe_json(addr)).await.status(), 202);
    let batch = env.next_batch().await;
    let created_at = env.item(addr).await.unwrap()["created_at"].as_s().unwrap().clone();

    // What an invocation that died between its claim and the SES call leaves behind.
    let store = subscribe_fn::store::Store { client: &env.app.dynamo, table: &env.table };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(store.claim_confirmation(addr, &created_at, "dead-hash", "dead-unsub", "2026-12-01T00:00:00Z", now, now + 9).await.unwrap());

    // Lambda retries the record: the handler waits the lease out, takes the claim over, sends.
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    let mails = mails_to(addr);
    assert_eq!(mails.len(), 1, "sent once, not lost");
    let item = env.item(addr).await.unwrap();
    assert!(!item.contains_key("confirm_lease"), "the finished send holds no lease: {item:?}");
    assert_ne!(item["confirm_token_hash"].as_s().unwrap(), "dead-hash");
    // The link in the email is the one the table knows.
    let token = mails[0].token_for("/api/confirm");
    assert_eq!(&subscribe_fn::token::hash(&token), item["confirm_token_hash"].as_s().unwrap());
    // Every later replay finds the send finished: never doubled.
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(mails_to(addr).len(), 1);
}
