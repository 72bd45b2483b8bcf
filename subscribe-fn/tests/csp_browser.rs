//! The API's own pages in a real browser under the site's CSP (the one in infra/template.yaml):
//! headless Chromium loads each page from a loopback server that sends that CSP, and a probe
//! script (same origin, so allowed) reports the computed styles. The pages must come out styled
//! by `/api/style.css`; a page with inline styles, as the API served before, must not (which
//! shows the CSP is really enforced here).
//!
//! Needs the Debian package `chromium`; without it this FAILS.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::*;
use subscribe_fn::http::STYLESHEET;

/// The CSP the distribution sends: the API's pages are styled for `style-src 'self'`.
fn site_csp() -> String {
    let csp = test_support::browser::site_csp();
    assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    csp
}

const PROBE: &str = r#"
(function () {
  var out = { violations: [] };
  function write() {
    var pre = document.getElementById('probe');
    if (!pre) { pre = document.createElement('pre'); pre.id = 'probe'; document.body.appendChild(pre); }
    pre.textContent = JSON.stringify(out);
  }
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.violatedDirective); write(); });
  var main = document.querySelector('main') || document.body;
  var button = document.querySelector('button');
  out.mainMaxWidth = getComputedStyle(main).maxWidth;
  out.bodyFont = getComputedStyle(document.body).fontFamily;
  out.button = button ? getComputedStyle(button).backgroundColor : null;
  write();
})();
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_pages_render_styled_under_the_sites_csp() {
    let csp = site_csp();
    let mut env = env("csp-browser", true).await;
    let email = "browser@example.com";
    assert_eq!(env.http(subscribe_json(email)).await.status(), 202);
    assert_eq!(env.pump().await, Vec::<String>::new());
    let mail = &mails_to(email)[0];
    let (confirm, unsub) = (mail.token_for("/api/confirm"), mail.token_for("/api/unsubscribe"));
    let html = [("accept", "text/html")];
    let mut pages = vec![];
    for (path, want) in [
        (format!("/api/confirm?token={confirm}"), "Yes, subscribe me"),
        (format!("/api/unsubscribe?token={unsub}"), "Not me"),
        ("/api/confirm?token=nonsense".to_string(), "This link does not work"),
    ] {
        let body = body_text(&env.http(request("GET", &path, &html, "")).await);
        assert!(body.contains(want), "{path}: {body}");
        pages.push(body);
    }
    // The same page styled inline, as the API did before: the CSP must block that.
    let inline = pages[0].replace(
        &format!("<link rel=\"stylesheet\" href=\"{SITE}/api/style.css\">"),
        "<style>main{max-width:34rem} button{background:#2d5d7b}</style>",
    );
    assert_ne!(inline, pages[0]);
    let n = pages.len();
    pages.push(inline);
    // Served from a loopback origin, to which the pages' absolute links to the site are pointed.
    let origin = serve_with_site(pages.clone(), csp);
    for (i, page) in pages.iter().enumerate().take(n) {
        let seen = test_support::browser::probe(&format!("{origin}/page/{i}"));
        assert_eq!(seen["mainMaxWidth"], "544px", "page {i} unstyled: {seen}\n{page}");
        assert!(seen["bodyFont"].as_str().unwrap_or_default().contains("system-ui"), "page {i}: {seen}");
        if page.contains("<button") {
            assert_eq!(seen["button"], "rgb(45, 93, 123)", "page {i}: {seen}");
        }
        assert_eq!(seen["violations"], serde_json::json!([]), "page {i}: {seen}");
    }
    let seen = test_support::browser::probe(&format!("{origin}/page/{n}"));
    assert_eq!(seen["mainMaxWidth"], "none", "the CSP did not block the inline style: {seen}");
}

/// Serves `pages` at `/page/<i>` (with the probe script added) under the CSP, the stylesheet at
/// `/api/style.css` and the probe at `/probe.js`, with the pages' links to the site rewritten to
/// this loopback origin; returns the origin.
fn serve_with_site(pages: Vec<String>, csp: String) -> String {
    // The origin is only known once bound, so bind first and rewrite after.
    let cell = Arc::new(Mutex::new(Vec::<String>::new()));
    let origin = serve_shared(cell.clone(), csp);
    *cell.lock().unwrap() = pages.into_iter().map(|p| p.replace(SITE, &origin)).collect();
    origin
}

fn serve_shared(pages: Arc<Mutex<Vec<String>>>, csp: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut h = String::new();
            while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (ctype, body) = if path == "/api/style.css" {
                ("text/css; charset=utf-8", STYLESHEET.to_string())
            } else if path == "/probe.js" {
                ("text/javascript", PROBE.to_string())
            } else if let Some(i) = path.strip_prefix("/page/").and_then(|i| i.parse::<usize>().ok()) {
                let page = pages.lock().unwrap().get(i).cloned().unwrap_or_default();
                ("text/html; charset=utf-8", page.replace("</body>", "<script src=\"/probe.js\"></script></body>"))
            } else {
                ("text/plain", String::new())
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Security-Policy: {csp}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
        }
    });
    origin
}
