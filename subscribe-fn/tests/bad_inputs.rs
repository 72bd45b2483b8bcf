//! Table-driven hostile and broken requests: each gets its status and a JSON error, and
//! nothing in the table (or on its stream) changes.

mod common;

use common::*;
use lambda_http::Body;
use serde_json::Value;

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Body,
    status: u16,
    error: &'static str,
}

fn json_body(email: &str) -> Body {
    Body::from(serde_json::json!({ "email": email }).to_string())
}

fn case(
    name: &'static str,
    method: &'static str,
    path: impl Into<String>,
    content_type: Option<&'static str>,
    body: Body,
    status: u16,
    error: &'static str,
) -> Case {
    Case { name, method, path: path.into(), content_type, body, status, error }
}

fn subscribe_case(name: &'static str, body: Body, status: u16, error: &'static str) -> Case {
    case(name, "POST", "/api/subscribe", Some("application/json"), body, status, error)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_refused_and_change_nothing() {
    let mut env = env("bad-inputs", true).await;

    // Two real subscribers with genuine tokens: one current, one whose link has expired.
    for email in ["known@example.com", "late@example.com"] {
        assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    }
    assert_eq!(env.pump().await, Vec::<String>::new());
    let known = &mails_to("known@example.com")[0];
    let (known_confirm, known_unsub) = (known.token_for("/api/confirm"), known.token_for("/api/unsubscribe"));
    let late_confirm = mails_to("late@example.com")[0].token_for("/api/confirm");
    // Expired an hour ago; DynamoDB has not swept it yet (moto never does).
    env.app
        .dynamo
        .update_item()
        .table_name(&env.table)
        .key("email", aws_sdk_dynamodb::types::AttributeValue::S("late@example.com".into()))
        .update_expression("SET #t = :t")
        .expression_attribute_names("#t", "ttl")
        .expression_attribute_values(
            ":t",
            aws_sdk_dynamodb::types::AttributeValue::N((time::OffsetDateTime::now_utc().unix_timestamp() - 3600).to_string()),
        )
        .send()
        .await
        .unwrap();
    env.next_batch().await; // the set-up writes above are not under test

    // A well-formed token for the known address, with other random bits.
    let forged = {
        let (email_part, _) = known_confirm.split_once('.').unwrap();
        format!("{email_part}.AAAAAAAAAAAAAAAAAAAAAA")
    };
    let unknown = subscribe_fn::token::mint("nobody@example.com").token;
    let shouting = {
        use base64::Engine as _;
        let random = known_confirm.split_once('.').unwrap().1;
        format!("{}.{random}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("KNOWN@example.com"))
    };
    let form = Some("application/x-www-form-urlencoded");

    let cases = vec![
        subscribe_case("truncated JSON", Body::from(r#"{"email": "a@example.com""#), 400, "malformed_json"),
        subscribe_case("JSON array", Body::from(r#"["a@example.com"]"#), 400, "malformed_json"),
        subscribe_case("JSON string", Body::from(r#""a@example.com""#), 400, "malformed_json"),
        subscribe_case("empty JSON body", Body::Empty, 400, "malformed_json"),
        subscribe_case("email is a number", Body::from(r#"{"email": 42}"#), 400, "invalid_email"),
        subscribe_case("email missing", Body::from(r#"{"name": "a"}"#), 400, "invalid_email"),
        subscribe_case("email null", Body::from(r#"{"email": null}"#), 400, "invalid_email"),
        subscribe_case("empty address", json_body(""), 400, "invalid_email"),
        subscribe_case("blank address", json_body("   \t "), 400, "invalid_email"),
        subscribe_case("CRLF header injection", json_body("a@example.com\r\nBcc: victim@example.org"), 400, "invalid_email"),
        subscribe_case("bare LF", json_body("a@exam\nple.com"), 400, "invalid_email"),
        subscribe_case("300 characters", json_body(&format!("{}@example.com", "a".repeat(288))), 400, "invalid_email"),
        subscribe_case("255 characters", json_body(&format!("{}@{}.com", "a".repeat(60), "b".repeat(190))), 400, "invalid_email"),
        subscribe_case("65-char local part", json_body(&format!("{}@example.com", "a".repeat(65))), 400, "invalid_email"),
        subscribe_case("no @", json_body("plainaddress"), 400, "invalid_email"),
        subscribe_case("two @", json_body("a@b@example.com"), 400, "invalid_email"),
        subscribe_case("no dot in domain", json_body("root@localhost"), 400, "invalid_email"),
        subscribe_case("IP literal", json_body("a@[127.0.0.1]"), 400, "invalid_email"),
        subscribe_case("quoted local part", json_body("\"a b\"@example.com"), 400, "invalid_email"),
        subscribe_case("double dot", json_body("a..b@example.com"), 400, "invalid_email"),
        subscribe_case("Cyrillic homoglyph", json_body("\u{430}dmin@example.com"), 400, "invalid_email"),
        subscribe_case("zero-width space", json_body("ad\u{200b}min@example.com"), 400, "invalid_email"),
        subscribe_case("right-to-left override", json_body("a\u{202e}moc.elpmaxe@example.com"), 400, "invalid_email"),
        subscribe_case("fullwidth at sign", json_body("a\u{ff20}example.com"), 400, "invalid_email"),
        subscribe_case("NUL byte", json_body("a\u{0}@example.com"), 400, "invalid_email"),
        subscribe_case(
            "oversize body",
            Body::from(format!(r#"{{"email":"a@example.com","pad":"{}"}}"#, "x".repeat(5000))),
            413,
            "too_large",
        ),
        subscribe_case("invalid UTF-8", Body::Binary(vec![b'{', 0xff, 0xfe, b'}']), 400, "bad_encoding"),
        case("text/plain", "POST", "/api/subscribe", Some("text/plain"), Body::from("a@example.com"), 415, "unsupported_media_type"),
        case("no content type", "POST", "/api/subscribe", None, json_body("a@example.com"), 415, "unsupported_media_type"),
        case(
            "multipart",
            "POST",
            "/api/subscribe",
            Some("multipart/form-data; boundary=x"),
            Body::from("--x--"),
            415,
            "unsupported_media_type",
        ),
        case(
            "form with two emails",
            "POST",
            "/api/subscribe",
            form,
            Body::from("email=a%40example.com&email=b%40example.com"),
            400,
            "invalid_email",
        ),
        case(
            "form CRLF",
            "POST",
            "/api/subscribe",
            form,
            Body::from("email=a%40example.com%0D%0ABcc%3A+b%40example.com"),
            400,
            "invalid_email",
        ),
        case("GET subscribe", "GET", "/api/subscribe", None, Body::Empty, 405, "method_not_allowed"),
        case("PUT subscribe", "PUT", "/api/subscribe", Some("application/json"), json_body("a@example.com"), 405, "method_not_allowed"),
        case("DELETE confirm", "DELETE", format!("/api/confirm?token={known_confirm}"), None, Body::Empty, 405, "method_not_allowed"),
        case("PUT confirm", "PUT", format!("/api/confirm?token={known_confirm}"), None, Body::Empty, 405, "method_not_allowed"),
        case("confirm POST with a forged token", "POST", format!("/api/confirm?token={forged}"), form, Body::Empty, 400, "invalid_token"),
        case("unknown API path", "POST", "/api/subscribers", Some("application/json"), json_body("a@example.com"), 404, "not_found"),
        case("path outside the API", "GET", "/admin", None, Body::Empty, 404, "not_found"),
        case("confirm without token", "GET", "/api/confirm", None, Body::Empty, 400, "invalid_token"),
        case("confirm empty token", "GET", "/api/confirm?token=", None, Body::Empty, 400, "invalid_token"),
        case("confirm garbage token", "GET", "/api/confirm?token=%3Cscript%3E", None, Body::Empty, 400, "invalid_token"),
        case("confirm forged token", "GET", format!("/api/confirm?token={forged}"), None, Body::Empty, 400, "invalid_token"),
        case("confirm token of unknown address", "GET", format!("/api/confirm?token={unknown}"), None, Body::Empty, 400, "invalid_token"),
        case(
            "confirm token re-spelt in capitals",
            "GET",
            format!("/api/confirm?token={shouting}"),
            None,
            Body::Empty,
            400,
            "invalid_token",
        ),
        case(
            "confirm with an unsubscribe token",
            "GET",
            format!("/api/confirm?token={known_unsub}"),
            None,
            Body::Empty,
            400,
            "invalid_token",
        ),
        case("confirm expired token", "GET", format!("/api/confirm?token={late_confirm}"), None, Body::Empty, 410, "expired_token"),
        case("overlong token", "GET", format!("/api/confirm?token={}", "A".repeat(600)), None, Body::Empty, 400, "invalid_token"),
        case("unsubscribe page, forged token", "GET", format!("/api/unsubscribe?token={forged}"), None, Body::Empty, 400, "invalid_token"),
        case("one-click without token", "POST", "/api/unsubscribe", form, Body::from("List-Unsubscribe=One-Click"), 400, "invalid_token"),
        case(
            "one-click forged token",
            "POST",
            format!("/api/unsubscribe?token={forged}"),
            form,
            Body::from("List-Unsubscribe=One-Click"),
            400,
            "invalid_token",
        ),
        case(
            "one-click with a confirm token",
            "POST",
            format!("/api/unsubscribe?token={known_confirm}"),
            form,
            Body::from("List-Unsubscribe=One-Click"),
            400,
            "invalid_token",
        ),
        case(
            "one-click oversize",
            "POST",
            format!("/api/unsubscribe?token={known_unsub}"),
            form,
            Body::from("x".repeat(5000)),
            413,
            "too_large",
        ),
    ];
    assert!(cases.len() >= 30);

    let before = env.snapshot().await;
    assert_eq!(before.len(), 2);
    for c in cases {
        let mut req = request(c.method, &c.path, &[], c.body);
        if let Some(ct) = c.content_type {
            req.headers_mut().insert("content-type", ct.parse().unwrap());
            // A form post without this is a browser without JavaScript (HTML answers, tested in flow.rs).
            if ct.starts_with("application/x-www-form-urlencoded") {
                req.headers_mut().insert("accept", "application/json".parse().unwrap());
            }
        }
        let resp = env.http(req).await;
        let text = body_text(&resp);
        assert_eq!(resp.status().as_u16(), c.status, "{}: {text}", c.name);
        assert_eq!(resp.headers()["content-type"], "application/json", "{}", c.name);
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {text}", c.name));
        assert_eq!(body["error"], c.error, "{}: {text}", c.name);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", c.name);
        assert_eq!(env.snapshot().await, before, "{} changed the table", c.name);
    }
    assert_eq!(env.next_batch().await, Vec::<Value>::new(), "no stream records: nothing was written");
    assert!(mails_to("a@example.com").is_empty());

    // Browsers get the same statuses as readable pages.
    let page = env.http(request("GET", &format!("/api/confirm?token={late_confirm}"), &[("accept", "text/html")], "")).await;
    assert_eq!(page.status(), 410);
    assert!(body_text(&page).contains("expired"));
    let page = env.http(request("GET", &format!("/api/confirm?token={forged}"), &[("accept", "text/html")], "")).await;
    assert_eq!(page.status(), 400);
    assert!(body_text(&page).contains("This link does not work"));
    assert_eq!(env.snapshot().await, before);
}
