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

async fn forward(State(proxy): State<Arc<Proxy>>, req: Request) -> Response {
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
    let url = format!("{}{}", proxy.upstream, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
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
        let mut resp = agent.run(builder.body(bytes.to_vec()).unwrap()).expect("moto answers");
        let headers: Vec<(String, Vec<u8>)> = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec())).collect();
        (resp.status().as_u16(), headers, resp.body_mut().read_to_vec().expect("moto body"))
    })
    .await
    .unwrap();
    let mut out = Response::builder().status(status);
    for (k, v) in resp_headers {
        if !matches!(k.as_str(), "content-length" | "transfer-encoding" | "connection") {
            out = out.header(k, v);
        }
    }
    out.body(AxumBody::from(resp_body)).unwrap()
}

async fn start_proxy(poison: &str) -> String {
    let state = Arc::new(Proxy { upstream: moto().endpoint.clone(), poison: poison.to_string() });
    let app = axum::Router::new().fallback(forward).with_state(state);
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
