//! The HTTP API: `POST /api/subscribe`, `GET|POST /api/confirm`, `GET|POST /api/unsubscribe`,
//! `GET /api/style.css`.
//!
//! Answers are JSON for scripts (the theme's JavaScript sends `Accept: application/json`) and
//! redirects or small HTML pages for browsers posting the plain form. Invalid or expired links
//! get an HTML page right here (status 400 / 410) rather than a redirect, so the message does not
//! depend on the site having a page for it.
//!
//! A GET never changes anything (mail scanners open every link): confirming and unsubscribing
//! are buttons on a page that POST. Requests that did not come through CloudFront, cross-site
//! POSTs and clients over their rate get refused before any address is looked at.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::OffsetDateTime;

use crate::address::{self, AddressError};
use crate::app::App;
use crate::guard;
use crate::limits::{self, Limits, Route};
use crate::store::{PutOutcome, Store, Subscriber, CONFIRMED, DECLINED, PENDING, UNSUBSCRIBED};
use crate::token::{self, TokenError};

/// Request bodies above this are refused with 413 before parsing.
pub const MAX_BODY: usize = 4 * 1024;

/// The one answer to every accepted subscribe request, whatever the address's state.
pub const ACCEPTED_MESSAGE: &str = "Thank you! If this address is not subscribed yet, a confirmation email is on its way.";

/// Served at `/api/style.css`: the API's pages are styled by this file, never by inline styles,
/// so they render under the site's CSP (`style-src 'self'`).
pub const STYLESHEET: &str = include_str!("../assets/api.css");

/// What the "Not you?" link promises (the unsubscribe page of a pending subscription).
pub const DECLINE_PROMISE: &str = "We will not send any email to this address for 30 days, whoever asks, and then forget it.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Browser,
    Script,
}

fn header_str(req: &Request, name: header::HeaderName) -> &str {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn media_type(req: &Request) -> String {
    header_str(req, header::CONTENT_TYPE).split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// A browser without JavaScript asks for HTML, or posts a form without asking for JSON.
fn client_kind(req: &Request) -> Client {
    let accept = header_str(req, header::ACCEPT).to_ascii_lowercase();
    if accept.contains("application/json") {
        Client::Script
    } else if accept.contains("text/html") || media_type(req) == "application/x-www-form-urlencoded" {
        Client::Browser
    } else {
        Client::Script
    }
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Body::Text(value.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn html_page(app: &App, status: StatusCode, title: &str, body_html: &str) -> Response<Body> {
    let site = html_escape(&app.config.site_title);
    let home = html_escape(&app.config.site_url);
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title} · {site}</title>\
         <link rel=\"stylesheet\" href=\"{home}/api/style.css\"></head>\
         <body><main><h1>{title}</h1>{body_html}<p class=\"home\"><a href=\"{home}/\">Back to {site}</a></p></main></body></html>\n"
    );
    let mut resp = Response::new(Body::Text(page));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

fn redirect(app: &App, path: &str) -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = header::HeaderValue::from_str(&app.config.url(path)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// An error in the form the client understands: JSON `{"error", "message"}` or an HTML page.
fn error(app: &App, client: Client, status: StatusCode, code: &str, message: &str) -> Response<Body> {
    match client {
        Client::Script => json_response(status, json!({ "error": code, "message": message })),
        Client::Browser => html_page(app, status, "Something went wrong", &format!("<p>{}</p>", html_escape(message))),
    }
}

fn unavailable(app: &App, client: Client, e: &dyn std::fmt::Display) -> Response<Body> {
    tracing::error!(error = %e, "storage unavailable");
    error(app, client, StatusCode::SERVICE_UNAVAILABLE, "unavailable", "We could not process this right now. Please try again in a minute.")
}

fn now_parts() -> (i64, String) {
    let now = OffsetDateTime::now_utc();
    let text = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    (now.unix_timestamp(), text)
}

/// Routes one request. Never fails: every problem becomes an HTTP answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let client = client_kind(&req);
    let method = req.method().clone();
    // The execute-api endpoint is public: only CloudFront knows the header that proves a
    // request went through the distribution (and its WAF, security headers and logs).
    if !guard::came_through_cloudfront(&req, app.config.origin_secret.as_deref()) {
        tracing::warn!(method = %method, path = %path, "refused: not through CloudFront");
        return error(app, Client::Script, StatusCode::FORBIDDEN, "forbidden", "Use the site's address.");
    }
    let allowed: &str = match path.as_str() {
        "/api/subscribe" => "POST",
        // GET and HEAD only show the page with the button; only its POST confirms.
        "/api/confirm" => "GET, HEAD, POST",
        "/api/unsubscribe" => "GET, HEAD, POST",
        "/api/style.css" => "GET, HEAD",
        _ => return error(app, Client::Script, StatusCode::NOT_FOUND, "not_found", "There is nothing at this address."),
    };
    let resp = match (path.as_str(), &method) {
        ("/api/subscribe", &Method::POST) => subscribe(app, &req, client).await,
        ("/api/confirm", &Method::GET | &Method::HEAD) => confirm_page(app, &req).await,
        ("/api/confirm", &Method::POST) => confirm(app, &req).await,
        ("/api/style.css", &Method::GET | &Method::HEAD) => stylesheet(),
        ("/api/unsubscribe", &Method::GET | &Method::HEAD) => unsubscribe_page(app, &req).await,
        ("/api/unsubscribe", &Method::POST) => unsubscribe(app, &req).await,
        _ => {
            let mut r = error(app, Client::Script, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", &format!("Use {allowed}."));
            if let Ok(v) = header::HeaderValue::from_str(allowed) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            r
        }
    };
    tracing::info!(method = %method, path = %path, status = resp.status().as_u16(), "request");
    resp
}

fn body_bytes(req: &Request) -> &[u8] {
    // API Gateway base64-encodes some bodies; lambda_http has already decoded them.
    req.body().as_ref()
}

/// The fields of a subscribe request.
struct SubscribeForm {
    email: Option<String>,
    honeypot: bool,
    /// The language of the page the form was on, as sent; checked against the site's
    /// languages later (anything else means the default language, never an error: the answer
    /// must not depend on it).
    lang: Option<String>,
}

fn parse_subscribe(req: &Request) -> Result<SubscribeForm, (StatusCode, &'static str, String)> {
    let body = body_bytes(req);
    if body.len() > MAX_BODY {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("The request body is larger than {MAX_BODY} bytes.")));
    }
    let text = std::str::from_utf8(body).map_err(|_| (StatusCode::BAD_REQUEST, "bad_encoding", "The body is not UTF-8.".to_string()))?;
    match media_type(req).as_str() {
        "application/json" => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| (StatusCode::BAD_REQUEST, "malformed_json", format!("The body is not valid JSON: {e}.")))?;
            let obj = value.as_object().ok_or((
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "Send a JSON object like {\"email\": \"you@example.com\"}.".to_string(),
            ))?;
            let email = match obj.get("email") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(_) => return Err((StatusCode::BAD_REQUEST, "invalid_email", "\"email\" must be a string.".to_string())),
            };
            let honeypot = match obj.get("website") {
                None | Some(serde_json::Value::Null) => false,
                Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
                Some(_) => true,
            };
            let lang = obj.get("lang").and_then(serde_json::Value::as_str).map(str::to_string);
            Ok(SubscribeForm { email, honeypot, lang })
        }
        "application/x-www-form-urlencoded" => {
            let mut email = None;
            let mut honeypot = false;
            let mut lang = None;
            for (k, v) in form_urlencoded::parse(text.as_bytes()) {
                match k.as_ref() {
                    "email" if email.is_some() => {
                        return Err((StatusCode::BAD_REQUEST, "invalid_email", "Send one email field only.".to_string()))
                    }
                    "email" => email = Some(v.into_owned()),
                    "website" => honeypot |= !v.trim().is_empty(),
                    "lang" => lang = Some(v.into_owned()),
                    _ => {}
                }
            }
            Ok(SubscribeForm { email, honeypot, lang })
        }
        "" => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send application/json or a form (application/x-www-form-urlencoded).".to_string(),
        )),
        other => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Content type {other} is not accepted; send application/json or application/x-www-form-urlencoded."),
        )),
    }
}

fn stylesheet() -> Response<Body> {
    let mut resp = Response::new(Body::Text(STYLESHEET.to_string()));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=86400"));
    resp
}

/// A refusal that names no address: 403 cross-site, 429 rate, 503 budget.
fn refused(app: &App, client: Client, status: StatusCode, code: &str, message: &str, retry_after: Option<i64>) -> Response<Body> {
    let mut resp = error(app, client, status, code, message);
    if let Some(secs) = retry_after {
        if let Ok(v) = header::HeaderValue::from_str(&secs.max(1).to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// Another site's page posting to us (a form needs no preflight) is refused; our own form and
/// non-browser clients pass.
fn cross_site_refusal(app: &App, req: &Request, client: Client) -> Option<Response<Body>> {
    let why = guard::cross_site(req, &guard::site_origin(&app.config.site_url))?;
    tracing::warn!(why = ?why, "refused: cross-site request");
    Some(refused(app, client, StatusCode::FORBIDDEN, "cross_site", "Please use the form on the site itself.", None))
}

/// Takes one unit of the viewer's hourly allowance for `route` (subscribe: before anything else
/// is read; links: only for those whose token failed, see [`bad_link`]), so one script cannot
/// crowd out the readers: `Some(429)` once it is used up (or 503 when the counter cannot be
/// read). IPv6 viewers also draw on their /56's.
async fn viewer_limit(app: &App, req: &Request, client: Client, route: Route) -> Option<Response<Body>> {
    let limits = Limits::new(&app.dynamo, &app.config.limits)?;
    let ip = guard::viewer_ip(req, app.config.origin_secret.is_some())?;
    let (now, _) = now_parts();
    let wide = async {
        match guard::wide_rate_key(ip) {
            Some(key) => limits.take_wide(route, &key, guard::WIDE_FACTOR, now).await,
            None => Ok(None),
        }
    };
    let taken = match limits.take_ip(route, &guard::rate_key(ip), now).await {
        Ok(None) => wide.await,
        other => other,
    };
    match taken {
        Ok(None) => None,
        Ok(Some(retry)) => {
            tracing::warn!(viewer = %guard::rate_key(ip), route = ?route, "refused: rate per viewer");
            let message = "Too many requests from your network. Please try again later.";
            Some(refused(app, client, StatusCode::TOO_MANY_REQUESTS, "rate_limited", message, Some(retry)))
        }
        Err(e) => Some(unavailable(app, client, &e)),
    }
}

async fn subscribe(app: &App, req: &Request, client: Client) -> Response<Body> {
    if let Some(resp) = cross_site_refusal(app, req, client) {
        return resp;
    }
    if let Some(resp) = viewer_limit(app, req, client, Route::Subscribe).await {
        return resp;
    }
    let (now, now_text) = now_parts();
    let limits = Limits::new(&app.dynamo, &app.config.limits);
    let form = match parse_subscribe(req) {
        Ok(f) => f,
        Err((status, code, message)) => return error(app, client, status, code, &message),
    };
    let accepted = || match client {
        Client::Browser => redirect(app, "/subscribe/thanks/"),
        Client::Script => json_response(StatusCode::ACCEPTED, json!({ "status": "accepted", "message": ACCEPTED_MESSAGE })),
    };
    let Some(raw) = form.email else {
        return error(app, client, StatusCode::BAD_REQUEST, "invalid_email", "Please enter your email address.");
    };
    let email = match address::normalize(&raw) {
        Ok(e) => e,
        Err(e) => {
            let message = match e {
                AddressError::Empty => "Please enter your email address.".to_string(),
                other => format!("That does not look like an email address ({other})."),
            };
            return error(app, client, StatusCode::BAD_REQUEST, "invalid_email", &message);
        }
    };
    // Bots filling the hidden field and addresses that can never receive mail get the same
    // answer as everyone else, and nothing is stored.
    if form.honeypot || address::is_undeliverable(&email) {
        tracing::info!(honeypot = form.honeypot, "subscribe dropped");
        return accepted();
    }
    // The whole site's daily budget: past it nobody's request is stored, whatever the address.
    if let Some(limits) = &limits {
        match limits.budget_spent(now).await {
            Ok(None) => {}
            Ok(Some(retry)) => {
                tracing::error!(marker = limits::BUDGET_REACHED, "{}: subscribe refused", limits::BUDGET_REACHED);
                let message = "Subscriptions are paused until tomorrow. Please try again then.";
                return refused(app, client, StatusCode::SERVICE_UNAVAILABLE, "budget_reached", message, Some(retry));
            }
            Err(e) => return unavailable(app, client, &e),
        }
    }
    let ttl = now + i64::from(app.config.pending_ttl_hours) * 3600;
    let store = Store { client: &app.dynamo, table: &app.config.table };
    let lang = app.config.languages.pick(form.lang.as_deref());
    match store.put_new(&email, &now_text, ttl, !app.config.double_opt_in, lang).await {
        Ok(outcome) => {
            tracing::info!(created = outcome == PutOutcome::Created, "subscribe");
            accepted()
        }
        Err(e) => unavailable(app, client, &e),
    }
}

fn query_token(req: &Request) -> Option<String> {
    let query = req.uri().query().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
}

fn invalid_link(app: &App, client: Client, e: Option<TokenError>) -> Response<Body> {
    let message = match e {
        Some(TokenError::Missing) => "This link has no token. Please open the link from the email exactly as it was sent.",
        _ => "This link is not valid. It may have been mistyped or already replaced by a newer email.",
    };
    match client {
        Client::Script => json_response(StatusCode::BAD_REQUEST, json!({ "error": "invalid_token", "message": message })),
        Client::Browser => html_page(
            app,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &format!("<p>{message}</p><p>You can always subscribe again from the site.</p>"),
        ),
    }
}

/// A link whose token does not check out: "not valid", or 429 once the viewer has sent more
/// such links this hour than its allowance (`LINKS_PER_IP_PER_HOUR`). Only failures count, so a
/// genuine link always works, even from an address someone is flooding from: no lock-out.
async fn bad_link(app: &App, req: &Request, client: Client, e: Option<TokenError>) -> Response<Body> {
    if let Some(resp) = viewer_limit(app, req, client, Route::Links).await {
        return resp;
    }
    invalid_link(app, client, e)
}

/// Result of looking up the item a link's token names.
enum Lookup {
    /// The token is genuine: the item and the token's hash.
    Found(Subscriber, String),
    /// Missing, malformed, forged, superseded or naming an unknown address (not told apart,
    /// so a link reveals nothing about other addresses).
    Invalid(Option<TokenError>),
    /// DynamoDB failed: the answer to send.
    Failed(Response<Body>),
}

#[derive(Clone, Copy)]
enum TokenKind {
    Confirm,
    Unsubscribe,
}

async fn lookup(app: &App, client: Client, token: Option<String>, kind: TokenKind) -> Lookup {
    let (email, hash, post) = match token::parse_full(token.as_deref().unwrap_or_default()) {
        Ok(p) => (p.email, p.hash, p.post),
        Err(e) => return Lookup::Invalid(Some(e)),
    };
    let store = Store { client: &app.dynamo, table: &app.config.table };
    // A new-post email's link: its hash is kept with that send (see news::store). Both items
    // are read whether or not the address is known, so a forged link costs the same reads
    // (and time) for a subscribed address as for any other: the answer tells nothing.
    let (item, sent_match) = match (kind, &post) {
        (TokenKind::Unsubscribe, Some(post)) => {
            let news = crate::news::store::NewsStore { app };
            let (item, matched) = tokio::join!(store.get(&email), news.unsubscribe_hash_matches(post, &email, &hash));
            match matched {
                Ok(m) => (item, Some(m)),
                Err(e) => return Lookup::Failed(unavailable(app, client, &e)),
            }
        }
        _ => (store.get(&email).await, None),
    };
    let item = match item {
        Ok(Some(item)) => item,
        Ok(None) => return Lookup::Invalid(None),
        Err(e) => return Lookup::Failed(unavailable(app, client, &e)),
    };
    let genuine = match (kind, &post) {
        (TokenKind::Confirm, None) => item.confirm_token_hash.as_deref().is_some_and(|h| token::hashes_equal(h, &hash)),
        (TokenKind::Confirm, Some(_)) => false,
        (TokenKind::Unsubscribe, None) => item.unsubscribe_token_hashes.iter().any(|h| token::hashes_equal(h, &hash)),
        (TokenKind::Unsubscribe, Some(_)) => sent_match == Some(true),
    };
    if genuine {
        Lookup::Found(item, hash)
    } else {
        Lookup::Invalid(None)
    }
}

/// GET/HEAD of the email's link: a page with one button. Scanners that open the link confirm
/// nothing; a person presses the button, which POSTs.
async fn confirm_page(app: &App, req: &Request) -> Response<Body> {
    let client = client_kind(req);
    let token = query_token(req);
    let item = match lookup(app, client, token.clone(), TokenKind::Confirm).await {
        Lookup::Found(item, _) => item,
        Lookup::Invalid(e) => return bad_link(app, req, client, e).await,
        Lookup::Failed(resp) => return resp,
    };
    let (now, _) = now_parts();
    match item.status.as_str() {
        CONFIRMED => redirect(app, "/subscribe/confirmed/"),
        PENDING if item.ttl.is_some_and(|t| t < now) => expired(app, client),
        PENDING => {
            let action = html_escape(&format!("{}?token={}", app.config.url("/api/confirm"), token.unwrap_or_default()));
            let body = format!(
                "<p>Subscribe <strong>{}</strong> to {}?</p>\
                 <form method=\"post\" action=\"{action}\"><button type=\"submit\">Yes, subscribe me</button></form>\
                 <p class=\"small\">Not you? Close this page: nothing happens without the button.</p>",
                html_escape(&item.email),
                html_escape(&app.config.site_title)
            );
            html_page(app, StatusCode::OK, "Confirm your subscription", &body)
        }
        _ => invalid_link(app, client, None),
    }
}

async fn confirm(app: &App, req: &Request) -> Response<Body> {
    let client = client_kind(req);
    if let Some(resp) = cross_site_refusal(app, req, client) {
        return resp;
    }
    let (item, hash) = match lookup(app, client, query_token(req), TokenKind::Confirm).await {
        Lookup::Found(item, hash) => (item, hash),
        Lookup::Invalid(e) => return bad_link(app, req, client, e).await,
        Lookup::Failed(resp) => return resp,
    };
    let (now, now_text) = now_parts();
    match item.status.as_str() {
        // A second click on the same link (or a mail scanner's prefetch) is still a success.
        CONFIRMED => redirect(app, "/subscribe/confirmed/"),
        PENDING if item.ttl.is_some_and(|t| t < now) => expired(app, client),
        PENDING => {
            let store = Store { client: &app.dynamo, table: &app.config.table };
            match store.confirm(&item.email, &hash, now, &now_text).await {
                Ok(true) => {
                    tracing::info!("confirmed");
                    redirect(app, "/subscribe/confirmed/")
                }
                // Lost a race with another click, an unsubscribe or expiry: look again.
                Ok(false) => match store.get(&item.email).await {
                    Ok(Some(again)) if again.status == CONFIRMED => redirect(app, "/subscribe/confirmed/"),
                    Ok(_) => expired(app, client),
                    Err(e) => unavailable(app, client, &e),
                },
                Err(e) => unavailable(app, client, &e),
            }
        }
        _ => invalid_link(app, client, None),
    }
}

fn expired(app: &App, client: Client) -> Response<Body> {
    let message = "This confirmation link has expired. Please subscribe again and use the new email.";
    match client {
        Client::Script => json_response(StatusCode::GONE, json!({ "error": "expired_token", "message": message })),
        Client::Browser => html_page(app, StatusCode::GONE, "This link has expired", &format!("<p>{message}</p>")),
    }
}

async fn unsubscribe_page(app: &App, req: &Request) -> Response<Body> {
    let client = client_kind(req);
    let token = query_token(req);
    let item = match lookup(app, client, token.clone(), TokenKind::Unsubscribe).await {
        Lookup::Found(item, _) => item,
        Lookup::Invalid(e) => return bad_link(app, req, client, e).await,
        Lookup::Failed(resp) => return resp,
    };
    match item.status.as_str() {
        UNSUBSCRIBED => {
            return html_page(app, StatusCode::OK, "You are unsubscribed", "<p>This address gets no more emails from us.</p>");
        }
        DECLINED => return html_page(app, StatusCode::OK, "Done", &format!("<p>{DECLINE_PROMISE}</p>")),
        _ => {}
    }
    // GET never changes anything: link scanners and prefetchers follow GETs.
    let action = html_escape(&format!("/api/unsubscribe?token={}", token.unwrap_or_default()));
    let form = |button: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">{button}</button></form>"
        )
    };
    let email = html_escape(&item.email);
    if item.status == PENDING {
        // The "Not you?" link of a confirmation email: someone else typed this address.
        let body = format!("<p>Did someone else sign up <strong>{email}</strong>?</p><p>{DECLINE_PROMISE}</p>{}", form("Not me"));
        return html_page(app, StatusCode::OK, "Not you?", &body);
    }
    html_page(app, StatusCode::OK, "Unsubscribe", &format!("<p>Stop emails to <strong>{email}</strong>?</p>{}", form("Unsubscribe")))
}

async fn unsubscribe(app: &App, req: &Request) -> Response<Body> {
    // RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` to the header's URL.
    // Browsers (our own confirm page) ask for HTML and are redirected to the site.
    let client = if header_str(req, header::ACCEPT).to_ascii_lowercase().contains("text/html") { Client::Browser } else { Client::Script };
    if body_bytes(req).len() > MAX_BODY {
        return error(
            app,
            client,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!("The request body is larger than {MAX_BODY} bytes."),
        );
    }
    let item = match lookup(app, client, query_token(req), TokenKind::Unsubscribe).await {
        Lookup::Found(item, _) => item,
        Lookup::Invalid(e) => return bad_link(app, req, client, e).await,
        Lookup::Failed(resp) => return resp,
    };
    let store = Store { client: &app.dynamo, table: &app.config.table };
    let (now, now_text) = now_parts();
    match item.status.as_str() {
        UNSUBSCRIBED | DECLINED => {}
        // "Not you?": a pending subscription is declined, not just dropped: an unsubscribed
        // item could be subscribed again at once, a declined one keeps the address (every
        // spelling of its mailbox) free of our emails for 30 days, then expires.
        PENDING => {
            let until = now + limits::DECLINE_DAYS * 86_400;
            if let Some(limits) = Limits::new(&app.dynamo, &app.config.limits) {
                if let Err(e) = limits.decline(&item.email, now).await {
                    return unavailable(app, client, &e);
                }
            }
            match store.decline(&item.email, &item.created_at, &now_text, until).await {
                Ok(true) => tracing::info!("declined"),
                // Confirmed meanwhile (the owner pressed both buttons): unsubscribe instead.
                Ok(false) => match store.get(&item.email).await {
                    Ok(Some(again)) if again.status == CONFIRMED => {
                        if let Err(e) = store.unsubscribe(&item.email, &item.created_at, &now_text).await {
                            return unavailable(app, client, &e);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => return unavailable(app, client, &e),
                },
                Err(e) => return unavailable(app, client, &e),
            }
            return match client {
                Client::Browser => html_page(app, StatusCode::OK, "Done", &format!("<p>{DECLINE_PROMISE}</p>")),
                Client::Script => json_response(StatusCode::OK, json!({ "status": "declined", "message": DECLINE_PROMISE })),
            };
        }
        _ => {
            if let Err(e) = store.unsubscribe(&item.email, &item.created_at, &now_text).await {
                return unavailable(app, client, &e);
            }
            tracing::info!("unsubscribed");
        }
    }
    match client {
        Client::Browser => redirect(app, "/subscribe/unsubscribed/"),
        Client::Script => json_response(StatusCode::OK, json!({ "status": "unsubscribed" })),
    }
}
