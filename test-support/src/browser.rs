//! Headless Chromium for tests that must see a page as a reader's browser does, under the
//! site's real Content-Security-Policy. Needs the Debian package `chromium`; without it the
//! test FAILS with what to install.

use std::process::Command;

use serde_json::Value;

use crate::{free_port, workspace_root};

/// The CSP the distribution sends, read from `infra/template.yaml` so tests and the stack
/// cannot drift apart.
pub fn site_csp() -> String {
    let path = workspace_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines().skip_while(|l| l.trim() != "ContentSecurityPolicy: >-").skip(1);
    let first = lines.next().expect("CSP text after ContentSecurityPolicy: >-");
    let indent = first.len() - first.trim_start().len();
    let mut csp = first.trim().to_string();
    for l in lines.take_while(|l| l.len() - l.trim_start().len() >= indent && !l.trim().is_empty()) {
        csp.push(' ');
        csp.push_str(l.trim());
    }
    csp
}

/// Loads `url` in headless Chromium and returns the JSON a probe script of the page wrote into
/// `<pre id="probe">` (the page's DOM once loaded, read with `--dump-dom`).
pub fn probe(url: &str) -> Value {
    // A fresh profile each time: a reused one would carry cache between the pages compared.
    let profile = std::env::temp_dir().join(format!("myblog-chromium-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&profile).expect("chromium profile dir");
    let out = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            // Without these Chromium keeps dialling Google's hosts, refused on a closed network.
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

/// Serves the built site `public` on 127.0.0.1 as the distribution would, with its CSP on
/// every answer, and `probe` (a same-origin script, so the CSP allows it) as `/probe.js`,
/// loaded first in every HTML page so it hears everything the page does. Returns the origin.
pub fn serve_with_probe(public: std::path::PathBuf, csp: String, probe: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
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
            let path = line.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/").to_string();
            let (status, ctype, body): (&str, &str, Vec<u8>) = if path == "/probe.js" {
                ("200 OK", "text/javascript", probe.as_bytes().to_vec())
            } else {
                let rel = path.trim_start_matches('/');
                let file = if path.ends_with('/') { public.join(rel).join("index.html") } else { public.join(rel) };
                match std::fs::read(&file) {
                    Ok(bytes) if file.extension().is_some_and(|e| e == "html") => {
                        let html = String::from_utf8(bytes).unwrap().replacen("<head>", "<head><script src=\"/probe.js\"></script>", 1);
                        ("200 OK", "text/html; charset=utf-8", html.into_bytes())
                    }
                    Ok(bytes) => (
                        "200 OK",
                        match file.extension().and_then(|e| e.to_str()) {
                            Some("svg") => "image/svg+xml",
                            Some("css") => "text/css",
                            Some("js") => "text/javascript",
                            Some("json") => "application/json",
                            Some("jpg") => "image/jpeg",
                            Some("png") => "image/png",
                            Some("webp") => "image/webp",
                            _ => "application/octet-stream",
                        },
                        bytes,
                    ),
                    Err(_) => ("404 Not Found", "text/plain", Vec::new()),
                }
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Security-Policy: {csp}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
    origin
}
