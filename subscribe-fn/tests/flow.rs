//! End-to-end flows against moto: HTTP handler → DynamoDB → stream records (read back through
//! moto's Streams API) → stream handler → SES.

mod common;

use common::*;
use serde_json::Value;
use subscribe_fn::http::ACCEPTED_MESSAGE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_opt_in_end_to_end() {
    let mut env = env("e2e", true).await;
    let reader = "Reader.One@Example.com ";
    let email = "reader.one@example.com";

    let resp = env.http(subscribe_json(reader)).await;
    assert_eq!(resp.status(), 202, "{}", body_text(&resp));
    let answer: Value = serde_json::from_str(&body_text(&resp)).unwrap();
    assert_eq!(answer["message"], ACCEPTED_MESSAGE);
    assert_eq!(env.status(email).await.as_deref(), Some("pending"));
    let item = env.item(email).await.unwrap();
    assert!(item.contains_key("ttl") && item.contains_key("created_at"));
    assert!(!item.contains_key("confirm_token_hash"), "tokens are minted when the email is sent");

    // INSERT → exactly one confirmation email.
    let batch = env.next_batch().await;
    assert_eq!(event_names(&batch), ["INSERT"]);
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    let mails = mails_to(email);
    assert_eq!(mails.len(), 1, "one confirmation email");
    let confirm = &mails[0];
    assert_eq!(confirm.header("Subject"), Some("Please confirm your subscription to Field Notes"));
    assert_eq!(confirm.header("From"), Some("\"Field Notes\" <hello@blog.example.com>"));
    assert_eq!(confirm.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let list_unsub = confirm.header("List-Unsubscribe").unwrap();
    assert!(list_unsub.starts_with(&format!("<{SITE}/api/unsubscribe?token=")), "{list_unsub}");
    assert!(list_unsub.ends_with(", <mailto:unsubscribe@blog.example.com?subject=unsubscribe>"), "{list_unsub}");
    let token = confirm.token_for("/api/confirm");
    assert!(confirm.html.contains(&format!("href=\"{SITE}/api/confirm?token={token}\"")), "{}", confirm.html);
    assert!(confirm.text.contains("Field Notes") && confirm.text.contains("48 hours"));
    // Only the hash is stored, never the token.
    let item = env.item(email).await.unwrap();
    let stored = item["confirm_token_hash"].as_s().unwrap();
    assert_eq!(stored, &subscribe_fn::token::hash(&token));
    assert!(!format!("{item:?}").contains(&token));
    let first_unsub_token = confirm.token_for("/api/unsubscribe");

    // The claim write is itself a stream record; it sends nothing.
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 1);

    // The email's link opens a page with a button (a GET confirms nothing)...
    let page = env.http(request("GET", &format!("/api/confirm?token={token}"), &[("accept", "text/html")], "")).await;
    assert_eq!(page.status(), 200);
    assert!(
        body_text(&page).contains(&format!("<form method=\"post\" action=\"{SITE}/api/confirm?token={token}\">")),
        "{}",
        body_text(&page)
    );
    assert_eq!(env.status(email).await.as_deref(), Some("pending"));
    // ...whose POST confirms.
    let resp = env.http(confirm_post(&token)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("{SITE}/subscribe/confirmed/"));
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));
    assert!(!env.item(email).await.unwrap().contains_key("ttl"), "confirmed items do not expire");
    // A second click still lands on the confirmed page.
    let again = env.http(request("GET", &format!("/api/confirm?token={token}"), &[("accept", "text/html")], "")).await;
    assert_eq!((again.status().as_u16(), location(&again)), (303, format!("{SITE}/subscribe/confirmed/")));

    // pending → confirmed → exactly one welcome email, even with the batch delivered twice.
    let batch = env.next_batch().await;
    assert_eq!(event_names(&batch), ["MODIFY"]);
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(env.pump().await, Vec::<String>::new(), "the welcome claim record sends nothing");
    let mails = mails_to(email);
    assert_eq!(mails.len(), 2, "confirmation + one welcome");
    let welcome = &mails[1];
    assert_eq!(welcome.header("Subject"), Some("Welcome to Field Notes!"));
    assert_eq!(welcome.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert!(welcome.text.contains("You're in!") && welcome.html.contains("You're in!"));
    assert!(env.item(email).await.unwrap().contains_key("welcomed_at"));

    // Replaying the whole stream from the start sends nothing new.
    let everything = env.all_records().await;
    assert!(everything.len() >= 4);
    assert_eq!(env.deliver(&everything).await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 2);

    // The unsubscribe page (GET) changes nothing; both emails' links are valid.
    let unsub_token = welcome.token_for("/api/unsubscribe");
    for t in [&first_unsub_token, &unsub_token] {
        let page = env.http(request("GET", &format!("/api/unsubscribe?token={t}"), &[("accept", "text/html")], "")).await;
        assert_eq!(page.status(), 200);
        let html = body_text(&page);
        assert!(html.contains("<form method=\"post\"") && html.contains(email), "{html}");
    }
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));

    // RFC 8058 one-click POST from a mail provider.
    let resp = env
        .http(request(
            "POST",
            &format!("/api/unsubscribe?token={unsub_token}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            "List-Unsubscribe=One-Click",
        ))
        .await;
    assert_eq!(resp.status(), 200, "{}", body_text(&resp));
    assert_eq!(env.status(email).await.as_deref(), Some("unsubscribed"));
    // A browser re-submitting the page's form is redirected to the site's page.
    let resp = env
        .http(request(
            "POST",
            &format!("/api/unsubscribe?token={first_unsub_token}"),
            &[("content-type", "application/x-www-form-urlencoded"), ("accept", "text/html")],
            "List-Unsubscribe=One-Click",
        ))
        .await;
    assert_eq!((resp.status().as_u16(), location(&resp)), (303, format!("{SITE}/subscribe/unsubscribed/")));
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 2, "unsubscribing sends nothing");

    // Subscribing again after unsubscribing starts a new round.
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.status(email).await.as_deref(), Some("pending"));
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mails = mails_to(email);
    assert_eq!(mails.len(), 3);
    assert!(mails[2].header("Subject").unwrap().starts_with("Please confirm"));
    // The old confirmation link does not confirm the new round.
    let old = env.http(confirm_post(&token)).await;
    assert_eq!(old.status(), 400);
    assert_eq!(env.status(email).await.as_deref(), Some("pending"));
    let new_token = mails[2].token_for("/api/confirm");
    let resp = env.http(confirm_post(&new_token)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 4, "welcome back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_concurrent_subscribes_make_one_item_and_one_email() {
    let mut env = env("concurrent", true).await;
    let email = "twin@example.com";
    let spellings = ["twin@example.com", "TWIN@example.com", " twin@EXAMPLE.com", "Twin@Example.Com\t"];
    // Polled together: the handlers' conditional puts overlap on the SDK's connection pool.
    let answers = futures::future::join_all((0..12).map(|i| env.http(subscribe_json(spellings[i % spellings.len()])))).await;
    let first = body_text(&answers[0]);
    for a in &answers {
        assert_eq!(a.status(), 202);
        assert_eq!(body_text(a), first, "every answer is identical");
    }
    let batch = env.next_batch().await;
    assert_eq!(event_names(&batch), ["INSERT"], "one item, created once");
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 1);

    // Pending and confirmed addresses get the same answer as a new one, and nothing changes.
    let before = env.snapshot().await;
    let resp = env.http(subscribe_json(email)).await;
    assert_eq!((resp.status().as_u16(), body_text(&resp)), (202, first.clone()));
    assert_eq!(env.snapshot().await, before);
    let token = mails_to(email)[0].token_for("/api/confirm");
    assert_eq!(env.http(confirm_post(&token)).await.status(), 303);
    let before = env.snapshot().await;
    let resp = env.http(subscribe_json(email)).await;
    assert_eq!((resp.status().as_u16(), body_text(&resp)), (202, first.clone()));
    assert_eq!(env.snapshot().await, before);
    // Honeypot and reserved-domain submissions: same answer, nothing stored.
    let bot = request(
        "POST",
        "/api/subscribe",
        &[("content-type", "application/json")],
        r#"{"email":"bot@example.org","website":"http://spam.example"}"#,
    );
    let resp = env.http(bot).await;
    assert_eq!((resp.status().as_u16(), body_text(&resp)), (202, first.clone()));
    let resp = env.http(subscribe_json("someone@mail.invalid")).await;
    assert_eq!((resp.status().as_u16(), body_text(&resp)), (202, first));
    assert!(env.item("bot@example.org").await.is_none());
    assert!(env.item("someone@mail.invalid").await.is_none());

    // Concurrent confirmation clicks welcome once.
    let batch = env.next_batch().await;
    let (a, b) = tokio::join!(env.deliver(&batch), env.deliver(&batch));
    assert!(a.is_empty() && b.is_empty());
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 2, "confirmation + one welcome");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_opt_in_off_welcomes_directly() {
    let mut env = env("single-opt-in", false).await;
    let email = "quick@example.com";
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));
    assert!(!env.item(email).await.unwrap().contains_key("ttl"));
    let batch = env.next_batch().await;
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new());
    assert_eq!(env.deliver(&batch).await, Vec::<String>::new(), "replay");
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mails = mails_to(email);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("Subject"), Some("Welcome to Field Notes!"));
    assert!(mails[0].header("List-Unsubscribe").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_post_redirects_to_thanks() {
    let env = env("form", true).await;
    let resp = env
        .http(request(
            "POST",
            "/api/subscribe",
            &[("content-type", "application/x-www-form-urlencoded")],
            "email=Form.Reader%40example.com&website=",
        ))
        .await;
    assert_eq!((resp.status().as_u16(), location(&resp)), (303, format!("{SITE}/subscribe/thanks/")));
    assert_eq!(env.status("form.reader@example.com").await.as_deref(), Some("pending"));
    // The theme's script asks for JSON and gets the 202 answer for the same form body.
    let resp = env
        .http(request(
            "POST",
            "/api/subscribe",
            &[("content-type", "application/x-www-form-urlencoded; charset=UTF-8"), ("accept", "application/json")],
            "email=other%40example.com",
        ))
        .await;
    assert_eq!(resp.status(), 202);
    // A browser's invalid address gets a readable page, not JSON.
    let resp = env
        .http(request(
            "POST",
            "/api/subscribe",
            &[("content-type", "application/x-www-form-urlencoded"), ("accept", "text/html")],
            "email=nope",
        ))
        .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(body_text(&resp).contains("does not look like an email address"));
}

#[test]
fn configuration_is_validated() {
    use std::collections::HashMap;
    let base: HashMap<&str, &str> = HashMap::from([
        ("TABLE_NAME", "subscribers"),
        ("SENDER_EMAIL", "hello@blog.example.com"),
        ("SITE_URL", "https://blog.example.com"),
    ]);
    let with = |k: &'static str, v: Option<&'static str>| {
        let mut m = base.clone();
        match v {
            Some(v) => m.insert(k, v),
            None => m.remove(k),
        };
        subscribe_fn::Config::from_lookup(move |name| m.get(name).map(|s| s.to_string()))
    };
    let ok = with("DOUBLE_OPT_IN", None).unwrap();
    assert!(ok.double_opt_in);
    assert_eq!(ok.site_title, "blog.example.com");
    for (k, v, needle) in [
        ("TABLE_NAME", None, "TABLE_NAME is not set"),
        ("SENDER_EMAIL", Some("Blog <hello@blog.example.com>"), "SENDER_EMAIL"),
        ("SITE_URL", Some("http://blog.example.com"), "https://"),
        ("SITE_URL", Some("not a url"), "SITE_URL"),
        ("DOUBLE_OPT_IN", Some("maybe"), "true or false"),
        ("PENDING_TTL_HOURS", Some("0"), "1 to 720"),
        ("SITE_TITLE", Some("Evil\r\nBcc: x@y.com"), "control"),
    ] {
        let err = with(k, v).unwrap_err().to_string();
        assert!(err.contains(needle), "{k}={v:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_confirmation_is_sent_again_but_not_more_than_every_15_minutes() {
    let mut env = env("resend", true).await;
    let email = "forgetful@example.com";
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 1);
    // Asking again right away sends nothing (no inbox flooding through the form).
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 1);
    // Sixteen minutes later (the item aged by hand: moto has no clock to advance)...
    let dynamo = aws_sdk_dynamodb::Client::new(&moto().sdk_config().await);
    let ttl: i64 = env.item(email).await.unwrap()["ttl"].as_n().unwrap().parse().unwrap();
    dynamo
        .update_item()
        .table_name(&env.table)
        .key("email", aws_sdk_dynamodb::types::AttributeValue::S(email.into()))
        .update_expression("SET #t = :t")
        .expression_attribute_names("#t", "ttl")
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::N((ttl - 16 * 60).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(env.pump().await, Vec::<String>::new());
    // ...a new request sends a new confirmation, and its link works.
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mails = mails_to(email);
    assert_eq!(mails.len(), 2);
    let token = mails[1].token_for("/api/confirm");
    assert_eq!(env.http(confirm_post(&token)).await.status(), 303);
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));
}
