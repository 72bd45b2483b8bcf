//! The HTTP side of `serve`: the in-memory site with pretty URLs and the site's 404 page,
//! the live-reload script and its event stream (Server-Sent Events).

use super::Shared;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use futures::StreamExt;
use myblog_build::Body;
use myblog_build::Output;
use myblog_utils::manifest::content_type_for;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

const LIVERELOAD_JS: &str = include_str!("livereload.js");
pub const SCRIPT_PATH: &str = "/__myblog/livereload.js";
pub const EVENTS_PATH: &str = "/__myblog/events";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(SCRIPT_PATH, get(livereload_js))
        .route(EVENTS_PATH, get(events))
        .route("/api/subscribe", any(subscribe))
        .fallback(site_file)
        .with_state(shared)
}

async fn livereload_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], LIVERELOAD_JS).into_response()
}

async fn subscribe() -> Response {
    let body = serde_json::json!({
        "error": "not served locally",
        "message": "POST /api/subscribe is handled by the subscribe Lambda (API Gateway under /api/) in production; `myblog serve` only serves the static site.",
    });
    (StatusCode::NOT_IMPLEMENTED, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body.to_string())
        .into_response()
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    // Subscribe before reading the status, so no change falls between the two.
    let rx = shared.events.subscribe();
    let status = shared.error.read().ok().and_then(|e| e.clone());
    let first = match status {
        Some(message) => serde_json::json!({"type": "error", "message": message}),
        None => serde_json::json!({"type": "ok"}),
    }
    .to_string();
    let rest = futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(m) => return Some((m, rx)),
                // A slow page missed messages: it sees the next ones.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let stream = futures::stream::once(async move { first }).chain(rest).map(|m| Ok::<_, Infallible>(Event::default().data(m)));
    ([(header::CACHE_CONTROL, "no-store")], Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn site_file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy().into_owned();
    let path = decoded.trim_start_matches('/');
    let key = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_string() };
    let (found, dir_exists, not_found) = {
        let outputs = shared.outputs.read().unwrap_or_else(|e| e.into_inner());
        let found = outputs.get(&key).cloned();
        let dir_exists = found.is_none() && !path.is_empty() && !path.ends_with('/') && outputs.contains_key(&format!("{path}/index.html"));
        let not_found = if found.is_none() && !dir_exists { outputs.get("404.html").cloned() } else { None };
        (found, dir_exists, not_found)
    };
    if let Some(o) = found {
        return file_response(StatusCode::OK, &o).await;
    }
    if dir_exists {
        let mut location = format!("{}/", uri.path());
        if let Some(q) = uri.query() {
            location.push('?');
            location.push_str(q);
        }
        return (StatusCode::FOUND, [(header::LOCATION, location), (header::CACHE_CONTROL, "no-store".into())]).into_response();
    }
    match not_found {
        Some(o) => file_response(StatusCode::NOT_FOUND, &o).await,
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("404: nothing at /{path}\n"))
            .into_response(),
    }
}

async fn file_response(status: StatusCode, o: &Output) -> Response {
    let bytes = match &o.body {
        Body::Bytes(b) => b.as_ref().clone(),
        Body::Copy(p) | Body::Stripped(p) => match tokio::fs::read(p).await.and_then(|b| match &o.body {
            Body::Stripped(_) => myblog_content::stripped_or_same(b),
            _ => Ok(b),
        }) {
            Ok(b) => b,
            Err(e) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot read {}: {e}\n", p.display())).into_response();
            }
        },
        // serve renders into memory (`Sink::Memory`): a staged output cannot reach it.
        Body::Staged => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{} is not in memory\n", o.path)).into_response(),
    };
    let content_type = content_type_for(&o.path);
    let is_html = o.path.ends_with(".html") || o.path.ends_with(".htm");
    let body = if is_html { inject(&bytes, &o.path) } else { bytes };
    let cache = if is_html {
        "no-store"
    } else if o.hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

/// Adds the live-reload script before `</body>` (serve only: build output never has it).
pub fn inject(html: &[u8], output_path: &str) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-output=\"{}\" defer></script>", myblog_utils::escape_html(output_path));
    let lower = html.to_ascii_lowercase();
    let at = lower.windows(7).rposition(|w| w == b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}
