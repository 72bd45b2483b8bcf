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
