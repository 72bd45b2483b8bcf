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
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;
use subscribe_fn::http::STYLESHEET;

/// The CSP the distribution sends, read from the template so the two cannot drift apart.
fn site_csp() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines().skip_while(|l| l.trim() != "ContentSecurityPolicy: >-").skip(1);
    let first = lines.next().expect("CSP text after ContentSecurityPolicy: >-");
    let indent = first.len() - first.trim_start().len();
    let mut csp = first.trim().to_string();
    for l in lines.take_while(|l| l.len() - l.trim_start().len() >= indent && !l.trim().is_empty()) {
        csp.push(' ');
        csp.push_str(l.trim());
    }
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

/// What the probe saw in headless Chromium.
fn probe(url: &str) -> Value {
    let profile = tempfile_dir();
    let out = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--virtual-time-budget=5000",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run chromium ({e}): install the Debian package chromium (apt-get install -y chromium)"));
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| {
        panic!("no probe output for {url} (exit {:?}):\n{dom}\n{}", out.status.code(), String::from_utf8_lossy(&out.stderr))
    }) + "<pre id=\"probe\">".len();
    let json = &dom[start..start + dom[start..].find("</pre>").expect("end of probe")];
    serde_json::from_str(&json.replace("&quot;", "\"").replace("&amp;", "&")).unwrap_or_else(|e| panic!("probe JSON ({e}): {json}"))
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myblog-csp-{}-{}", std::process::id(), test_support::free_port()));
    std::fs::create_dir_all(&dir).expect("profile dir");
    dir
}

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
        let seen = probe(&format!("{origin}/page/{i}"));
        assert_eq!(seen["mainMaxWidth"], "544px", "page {i} unstyled: {seen}\n{page}");
        assert!(seen["bodyFont"].as_str().unwrap_or_default().contains("system-ui"), "page {i}: {seen}");
        if page.contains("<button") {
            assert_eq!(seen["button"], "rgb(45, 93, 123)", "page {i}: {seen}");
        }
        assert_eq!(seen["violations"], serde_json::json!([]), "page {i}: {seen}");
    }
    let seen = probe(&format!("{origin}/page/{n}"));
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
