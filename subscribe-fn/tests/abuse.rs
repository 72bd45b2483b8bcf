//! The email path tried as an attacker would (issue 11), each attack against moto: mail
//! scanners opening links, "Not you?", address variants of one inbox, one client flooding the
//! form, a script exhausting the site's email budget, other sites posting to the API, requests
//! that skip CloudFront, and the API's pages under the site's CSP. None of the defences may tell
//! anyone whether an address is subscribed.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::*;
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use subscribe_fn::http::{DECLINE_PROMISE, STYLESHEET};

/// Everything the functions log in this test binary (the alarm is a metric filter on the logs).
fn logs() -> &'static std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber in this test binary");
        buf
    })
}

struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Log lines (events, as CloudWatch counts them) containing `needle`.
fn count_in_logs(needle: &str) -> usize {
    String::from_utf8_lossy(&logs().lock().unwrap()).lines().filter(|l| l.contains(needle)).count()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A JSON subscribe as the theme's script sends it, from a given viewer address (the header
/// CloudFront adds).
fn subscribe_from(email: &str, viewer: &str) -> Request {
    request(
        "POST",
        "/api/subscribe",
        &[("content-type", "application/json"), ("accept", "application/json"), ("cloudfront-viewer-address", viewer)],
        serde_json::json!({ "email": email }).to_string(),
    )
}

fn header(resp: &Response<Body>, name: &str) -> String {
    resp.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn error_code(resp: &Response<Body>) -> String {
    let v: Value = serde_json::from_str(&body_text(resp)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", body_text(resp)));
    v["error"].as_str().unwrap_or_default().to_string()
}

/// Sets numeric attributes of an item by hand (moto has no clock to advance).
async fn set_numbers(env: &Env, table: &str, key: (&str, &str), values: &[(&str, i64)]) {
    let mut req = env.app.dynamo.update_item().table_name(table).key(key.0, AttributeValue::S(key.1.into()));
    let mut sets = vec![];
    for (i, (name, v)) in values.iter().enumerate() {
        sets.push(format!("#a{i} = :v{i}"));
        req = req
            .expression_attribute_names(format!("#a{i}"), *name)
            .expression_attribute_values(format!(":v{i}"), AttributeValue::N(v.to_string()));
    }
    req.update_expression(format!("SET {}", sets.join(", "))).send().await.expect("age item");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_scanners_confirm_nothing_only_the_button_does() {
    let mut env = env("scanners", true).await;
    let email = "employee@corp.example.com";
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mail = &mails_to(email)[0];
    let token = mail.token_for("/api/confirm");
    assert!(mail.text.contains("press the button"), "{}", mail.text);

    // Safe Links, Mimecast, Proofpoint: GET and HEAD, with and without browser headers, many times.
    for method in ["GET", "HEAD", "GET", "HEAD", "GET"] {
        for accept in ["text/html", "*/*", "application/json"] {
            let resp = env.http(request(method, &format!("/api/confirm?token={token}"), &[("accept", accept)], "")).await;
            assert!(resp.status() == 200 || resp.status() == 400, "{method} {accept}: {}", resp.status());
        }
    }
    assert_eq!(env.status(email).await.as_deref(), Some("pending"), "a GET or HEAD confirmed");
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(email).len(), 1, "no welcome email without a human");

    // The page a person sees has the button, and its POST confirms.
    let page = env.http(request("GET", &format!("/api/confirm?token={token}"), &[("accept", "text/html")], "")).await;
    let html = body_text(&page);
    assert!(html.contains("<button type=\"submit\">Yes, subscribe me</button>") && html.contains(email), "{html}");
    let resp = env.http(confirm_post(&token)).await;
    assert_eq!((resp.status().as_u16(), location(&resp)), (303, format!("{SITE}/subscribe/confirmed/")));
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_you_blocks_every_email_to_that_inbox_for_30_days_then_forgets() {
    let mut env = env("decline", true).await;
    let victim = "victim@gmail.com";
    let first = env.http(subscribe_json(victim)).await;
    assert_eq!(first.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mail = &mails_to(victim)[0];
    // The promise, in both parts of the email.
    for part in [&mail.text, &mail.html] {
        let flat = part.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("we will not send any email to this address for 30 days, whoever asks, and then forget it"), "{flat}");
        assert!(flat.contains("more than 3 of these emails a day"), "{flat}");
    }
    let unsub = mail.token_for("/api/unsubscribe");

    // The "Not you?" page explains and changes nothing until the button.
    let page = env.http(request("GET", &format!("/api/unsubscribe?token={unsub}"), &[("accept", "text/html")], "")).await;
    let html = body_text(&page);
    assert!(html.contains(DECLINE_PROMISE) && html.contains("<button type=\"submit\">Not me</button>"), "{html}");
    assert_eq!(env.status(victim).await.as_deref(), Some("pending"));
    let resp = env
        .http(request(
            "POST",
            &format!("/api/unsubscribe?token={unsub}"),
            &[("content-type", "application/x-www-form-urlencoded"), ("accept", "text/html")],
            "List-Unsubscribe=One-Click",
        ))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(body_text(&resp).contains(DECLINE_PROMISE));
    let item = env.item(victim).await.unwrap();
    assert_eq!(item["status"].as_s().unwrap(), "declined");
    let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
    assert!((ttl - (now() + 30 * 86_400)).abs() < 120, "the item expires by TTL in 30 days: {ttl}");
    assert_eq!(env.pump().await, Vec::<String>::new());

    // Whoever asks, with any spelling of that inbox: the same answer as always, and no email.
    let variants = ["victim@gmail.com", "Victim@Gmail.com", "v.i.c.t.i.m@gmail.com", "victim+again@gmail.com", "vic.tim@googlemail.com"];
    for v in variants {
        let resp = env.http(subscribe_json(v)).await;
        assert_eq!((resp.status().as_u16(), body_text(&resp)), (202, body_text(&first)), "{v}");
    }
    assert_eq!(env.pump().await, Vec::<String>::new());
    let spellings: std::collections::BTreeSet<String> = variants.iter().map(|v| v.to_lowercase()).collect();
    let sent: usize = spellings.iter().map(|v| mails_to(v).len()).sum();
    assert_eq!(sent, 1, "only the first confirmation ever reached the inbox");
    assert_eq!(env.status(victim).await.as_deref(), Some("declined"));

    // 30 days later (item and block aged by hand; DynamoDB would delete both): forgotten, the
    // address can subscribe like any other.
    let past = now() - 1;
    set_numbers(&env, &env.table.clone(), ("email", victim), &[("ttl", past)]).await;
    set_numbers(&env, &format!("{}-limits", env.table), ("pk", "declined#victim@gmail.com"), &[("until", past), ("ttl", past)]).await;
    env.next_batch().await;
    assert_eq!(env.http(subscribe_json(victim)).await.status(), 202);
    assert_eq!(env.status(victim).await.as_deref(), Some("pending"));
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to(victim).len(), 2, "a new confirmation after the 30 days");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_inbox_gets_at_most_three_confirmations_a_day_whatever_the_spelling() {
    let mut env = env("mailbox-limit", true).await;
    let variants = ["target+1@gmail.com", "t.arget+2@gmail.com", "TARGET+3@gmail.com", "ta.rget@gmail.com", "target+5@googlemail.com"];
    let mut answers = vec![];
    for v in variants {
        answers.push(body_text(&env.http(subscribe_json(v)).await));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "every answer is the same: {answers:?}");
    assert_eq!(env.pump().await, Vec::<String>::new(), "refusals are not failures");
    let per_variant: Vec<usize> = variants.iter().map(|v| mails_to(&v.to_lowercase()).len()).collect();
    assert_eq!(per_variant.iter().sum::<usize>(), 3, "{per_variant:?}");
    // Another inbox is not affected.
    assert_eq!(env.http(subscribe_json("bystander@gmail.com")).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert_eq!(mails_to("bystander@gmail.com").len(), 1);
    // Replaying the whole stream does not count (or send) anything twice.
    let everything = env.all_records().await;
    assert_eq!(env.deliver(&everything).await, Vec::<String>::new());
    assert_eq!(variants.iter().map(|v| mails_to(&v.to_lowercase()).len()).sum::<usize>(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_viewer_cannot_crowd_out_the_readers() {
    let mut env = env_with("ip-limit", true, &[("SUBSCRIBES_PER_IP_PER_HOUR", "3")]).await;
    for i in 0..3 {
        assert_eq!(env.http(subscribe_from(&format!("r{i}@example.com"), "203.0.113.7:5000")).await.status(), 202);
    }
    let resp = env.http(subscribe_from("r3@example.com", "203.0.113.7:5001")).await;
    assert_eq!(resp.status(), 429, "{}", body_text(&resp));
    assert_eq!(error_code(&resp), "rate_limited");
    let retry: i64 = header(&resp, "retry-after").parse().expect("Retry-After in seconds");
    assert!((1..=3600).contains(&retry), "{retry}");
    assert!(env.item("r3@example.com").await.is_none(), "nothing stored past the limit");
    // The refusal does not depend on the address: an already subscribed one gets the same.
    let again = env.http(subscribe_from("r0@example.com", "203.0.113.7:5002")).await;
    assert_eq!((again.status().as_u16(), body_text(&again)), (429, body_text(&resp)));
    // Other readers still get through; an IPv6 client counts per /64, whatever its address in it.
    assert_eq!(env.http(subscribe_from("other@example.com", "198.51.100.20:443")).await.status(), 202);
    for i in 0..3 {
        let viewer = format!("2001:db8:aa:bb::{i}:40000");
        assert_eq!(env.http(subscribe_from(&format!("v6-{i}@example.com"), &viewer)).await.status(), 202);
    }
    assert_eq!(env.http(subscribe_from("v6-x@example.com", "2001:db8:aa:bb:ffff::9:40000")).await.status(), 429);
    assert_eq!(env.pump().await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_through_the_64s_of_one_56_does_not_multiply_the_allowance() {
    let mut env = env_with("ip56-limit", true, &[("SUBSCRIBES_PER_IP_PER_HOUR", "1")]).await;
    let allowance = subscribe_fn::guard::WIDE_FACTOR as usize;
    // One request from each of many /64s of 2001:db8:cc:100::/56, as one customer's script may.
    for i in 0..allowance {
        let viewer = format!("2001:db8:cc:1{i:02x}::1:40000");
        assert_eq!(env.http(subscribe_from(&format!("w{i}@example.com"), &viewer)).await.status(), 202, "{viewer}");
    }
    let resp = env.http(subscribe_from("w-next@example.com", "2001:db8:cc:1ff::1:40000")).await;
    assert_eq!(resp.status(), 429, "a fresh /64 of the same /56 is past the /56's allowance");
    // The neighbouring /56 is someone else.
    assert_eq!(env.http(subscribe_from("n@example.com", "2001:db8:cc:200::1:40000")).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_daily_budget_subscribe_answers_503_and_nothing_is_sent() {
    let marker = subscribe_fn::limits::BUDGET_REACHED;
    let before_logs = {
        logs();
        count_in_logs(marker)
    };
    let mut env = env_with("budget", true, &[("DAILY_EMAIL_BUDGET", "2")]).await;
    // Three stored before any email went out: the stream sends two, the third is refused.
    for e in ["b1@example.com", "b2@example.com", "b3@example.com"] {
        assert_eq!(env.http(subscribe_json(e)).await.status(), 202);
    }
    assert_eq!(env.pump().await, Vec::<String>::new());
    let sent: Vec<usize> = ["b1@example.com", "b2@example.com", "b3@example.com"].iter().map(|e| mails_to(e).len()).collect();
    assert_eq!(sent, [1, 1, 0]);
    // The stream's refusal is logged with the text the stack's metric filter counts (the alarm).
    assert_eq!(count_in_logs(marker), before_logs + 1, "the refused email alerts the author");

    // Now the API itself refuses, for every address alike, and stores nothing.
    let before = env.snapshot().await;
    let resp = env.http(subscribe_json("b4@example.com")).await;
    assert_eq!(resp.status(), 503, "{}", body_text(&resp));
    assert_eq!(error_code(&resp), "budget_reached");
    let retry: i64 = header(&resp, "retry-after").parse().expect("Retry-After in seconds");
    let until_midnight = 86_400 - now().rem_euclid(86_400);
    assert!((retry - until_midnight).abs() <= 5, "retry {retry}, midnight in {until_midnight}");
    let known = env.http(subscribe_json("b1@example.com")).await;
    assert_eq!((known.status().as_u16(), body_text(&known)), (503, body_text(&resp)), "no hint who is subscribed");
    // A browser without JavaScript gets a page with the same status.
    let form = env
        .http(request(
            "POST",
            "/api/subscribe",
            &[("content-type", "application/x-www-form-urlencoded"), ("origin", SITE), ("sec-fetch-site", "same-origin")],
            "email=b5%40example.com",
        ))
        .await;
    assert_eq!(form.status(), 503);
    assert!(header(&form, "content-type").starts_with("text/html") && !header(&form, "retry-after").is_empty());
    assert_eq!(env.snapshot().await, before);
    assert_eq!(env.pump().await, Vec::<String>::new());
    assert!(mails_to("b4@example.com").is_empty() && mails_to("b5@example.com").is_empty());
    // Every refused request is logged for the alarm too (b4, b1, b5).
    assert_eq!(count_in_logs(marker), before_logs + 4);
    assert_eq!(marker, "EMAIL_BUDGET_REACHED", "infra/template.yaml's metric filters count this text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_sites_cannot_post_for_their_visitors_but_our_own_form_works() {
    let mut env = env("cross-site", true).await;
    let form_body = "email=visitor%40example.com";
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        headers.extend_from_slice(extra);
        request("POST", "/api/subscribe", &headers, form_body)
    };
    for (headers, why) in [
        (vec![("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")], "a form on another site"),
        (vec![("origin", "https://evil.example")], "Origin only (older browsers)"),
        (vec![("sec-fetch-site", "cross-site")], "Sec-Fetch-Site only"),
        (vec![("origin", "null"), ("sec-fetch-site", "cross-site")], "sandboxed iframe"),
        (vec![("origin", "https://blog.example.com.evil.example")], "look-alike origin"),
        (vec![("sec-fetch-site", "same-site"), ("origin", "https://comments.example.com")], "a sibling subdomain"),
    ] {
        let resp = env.http(form(&headers)).await;
        assert_eq!(resp.status(), 403, "{why}");
        assert!(body_text(&resp).contains("form on the site itself"), "{why}: {}", body_text(&resp));
    }
    assert!(env.item("visitor@example.com").await.is_none());
    assert_eq!(env.pump().await, Vec::<String>::new());

    // The site's own no-JavaScript form: same origin, as a browser sends it.
    let resp = env.http(form(&[("origin", SITE), ("sec-fetch-site", "same-origin"), ("accept", "text/html")])).await;
    assert_eq!((resp.status().as_u16(), location(&resp)), (303, format!("{SITE}/subscribe/thanks/")));
    assert_eq!(env.status("visitor@example.com").await.as_deref(), Some("pending"));
    assert_eq!(env.pump().await, Vec::<String>::new());

    // The confirm button cannot be pressed from another site either.
    let token = mails_to("visitor@example.com")[0].token_for("/api/confirm");
    let forged = request(
        "POST",
        &format!("/api/confirm?token={token}"),
        &[("content-type", "application/x-www-form-urlencoded"), ("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")],
        "",
    );
    assert_eq!(env.http(forged).await.status(), 403);
    assert_eq!(env.status("visitor@example.com").await.as_deref(), Some("pending"));
    // Mail providers' one-click unsubscribe (server side, no Origin) keeps working.
    let unsub = mails_to("visitor@example.com")[0].token_for("/api/unsubscribe");
    let one_click = request(
        "POST",
        &format!("/api/unsubscribe?token={unsub}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        "List-Unsubscribe=One-Click",
    );
    assert_eq!(env.http(one_click).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_skip_cloudfront_are_refused() {
    let secret = "0123456789abcdef-cloudfront-only";
    let env = env_with("origin-secret", true, &[("ORIGIN_VERIFY_SECRET", secret)]).await;
    for (method, path) in
        [("POST", "/api/subscribe"), ("GET", "/api/confirm?token=x"), ("GET", "/api/unsubscribe?token=x"), ("GET", "/api/style.css")]
    {
        for headers in
            [vec![("content-type", "application/json")], vec![("content-type", "application/json"), ("x-origin-verify", "guess")]]
        {
            let resp = env.http(request(method, path, &headers, r#"{"email":"direct@example.com"}"#)).await;
            assert_eq!(resp.status(), 403, "{method} {path} {headers:?}");
            assert_eq!(error_code(&resp), "forbidden");
        }
    }
    assert!(env.item("direct@example.com").await.is_none());
    let through = request(
        "POST",
        "/api/subscribe",
        &[("content-type", "application/json"), ("accept", "application/json"), ("x-origin-verify", secret)],
        r#"{"email":"direct@example.com"}"#,
    );
    assert_eq!(env.http(through).await.status(), 202);
    // A short or spaced secret is refused at start.
    let err = subscribe_fn::Config::from_lookup(|k| match k {
        "TABLE_NAME" => Some("t".into()),
        "SENDER_EMAIL" => Some(SENDER.into()),
        "SITE_URL" => Some(SITE.into()),
        "ORIGIN_VERIFY_SECRET" => Some("short".into()),
        _ => None,
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("ORIGIN_VERIFY_SECRET") && !err.contains("short"), "names the variable, hides the value: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_pages_use_a_same_origin_stylesheet_and_no_inline_styles() {
    let mut env = env("csp", true).await;
    let email = "styled@example.com";
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mail = &mails_to(email)[0];
    let (confirm, unsub) = (mail.token_for("/api/confirm"), mail.token_for("/api/unsubscribe"));
    let html = [("accept", "text/html")];
    let pages = vec![
        env.http(request("GET", &format!("/api/confirm?token={confirm}"), &html, "")).await,
        env.http(request("GET", &format!("/api/unsubscribe?token={unsub}"), &html, "")).await,
        env.http(request("GET", "/api/confirm?token=nonsense", &html, "")).await,
        env.http(request(
            "POST",
            "/api/subscribe",
            &[("content-type", "application/x-www-form-urlencoded"), ("accept", "text/html")],
            "email=x",
        ))
        .await,
    ];
    // What the site's CSP allows: style-src 'self', script-src 'self', no inline anything.
    for page in &pages {
        let body = body_text(page);
        assert!(header(page, "content-type").starts_with("text/html"), "{body}");
        assert!(body.contains(&format!("<link rel=\"stylesheet\" href=\"{SITE}/api/style.css\">")), "{body}");
        let lower = body.to_ascii_lowercase();
        for inline in ["<style", "style=", "<script", "javascript:"] {
            assert!(!lower.contains(inline), "inline {inline:?} would be blocked by the CSP:\n{body}");
        }
        // Event handler attributes (onclick=…) are inline script too.
        let handler = lower.match_indices(" on").any(|(i, _)| {
            let rest = &lower[i + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            name_len > 0 && rest[name_len..].starts_with('=')
        });
        assert!(!handler, "inline event handler:\n{body}");
    }
    let css = env.http(request("GET", "/api/style.css", &[], "")).await;
    assert_eq!(css.status(), 200);
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    assert_eq!(body_text(&css), STYLESHEET);
    for selector in ["body", "main", "button", "h1"] {
        assert!(STYLESHEET.contains(&format!("{selector} {{")) || STYLESHEET.contains(&format!("{selector},")), "{selector} unstyled");
    }
}

/// One client flooding the emails' links with forged tokens (confirm and unsubscribe, pages
/// and buttons) is answered 429 past its hourly allowance, without touching anyone's item; a
/// genuine link still works from that very address (only failures count: no lock-out), and
/// the address's subscribe allowance is its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_flooding_links_cannot_lock_readers_out_of_theirs() {
    let mut env = env_with("links-limit", true, &[("LINKS_PER_IP_PER_HOUR", "4")]).await;
    let email = "reader@example.com";
    assert_eq!(env.http(subscribe_from(email, "198.51.100.30:443")).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let token = mails_to(email)[0].token_for("/api/confirm");
    let attacker = "203.0.113.66:4000";
    let forged = subscribe_fn::token::mint(email).token;
    let from = |method: &str, path: &str, viewer: &str| {
        request(method, path, &[("accept", "application/json"), ("cloudfront-viewer-address", viewer)], "")
    };
    for (method, route) in [("GET", "confirm"), ("POST", "confirm"), ("GET", "unsubscribe"), ("POST", "unsubscribe")] {
        let resp = env.http(from(method, &format!("/api/{route}?token={forged}"), attacker)).await;
        assert_eq!(resp.status(), 400, "{method} {route}: a forged token within the allowance is just invalid");
    }
    for (method, route) in [("GET", "confirm"), ("POST", "unsubscribe")] {
        let resp = env.http(from(method, &format!("/api/{route}?token={forged}"), attacker)).await;
        assert_eq!(resp.status(), 429, "{method} {route}: past the allowance");
        assert_eq!(error_code(&resp), "rate_limited");
        assert!(header(&resp, "retry-after").parse::<i64>().is_ok_and(|s| (1..=3600).contains(&s)));
    }
    assert_eq!(env.status(email).await.as_deref(), Some("pending"), "nothing forged changed anything");
    // The genuine link works from the flooding address itself (a reader behind the same NAT).
    let resp = env.http(from("POST", &format!("/api/confirm?token={token}"), attacker)).await;
    assert!(resp.status().is_success() || resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(env.status(email).await.as_deref(), Some("confirmed"));
    assert_eq!(env.http(subscribe_from("someone@example.com", attacker)).await.status(), 202);
}
