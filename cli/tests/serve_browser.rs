//! `myblog serve` in a real browser: headless Chromium driven over W3C WebDriver
//! (chromedriver, plain JSON over HTTP). A page opened once follows edits on disk by
//! itself: new text after a body edit, a swapped stylesheet without reloading, an error
//! overlay for a broken template that goes away when it is fixed.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; without them this FAILS.

mod serve_support;

use serde_json::{json, Value};
use serve_support::{example_blog, request, Server};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

fn find_tool(name: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/bin", "/usr/local/bin"]) {
        let p = PathBuf::from(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} is not installed: install the Debian packages `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver)");
}

struct Driver {
    child: Child,
    base: String,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let chromedriver = find_tool("chromedriver");
        let chromium = find_tool("chromium");
        let port = test_support::free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().unwrap();
        let mut d = Driver { child, base, session: None, _profile: profile };
        let deadline = Instant::now() + WAIT;
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                let status = request("GET", &format!("{}/status", d.base), None);
                if status.status == 200 && serde_json::from_str::<Value>(&status.body).is_ok_and(|v| v["value"]["ready"] == true) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium_binary(&chromium),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    format!("--user-data-dir={}", d._profile.path().display()),
                ],
            },
        }}});
        let r = request("POST", &format!("{}/session", d.base), Some(&caps));
        let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session ({}): {}", r.status, r.body));
        d.session = Some(id.to_string());
        d
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session.as_deref().unwrap());
        let r = request(method, &url, body.as_ref());
        let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        assert_eq!(r.status, 200, "WebDriver {method} {path}: {}", r.body);
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    fn js(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    fn wait_until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.js(script);
            if !v.is_null() && v != Value::Bool(false) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what} (script: {script})");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Debian's /usr/bin/chromium is a shell wrapper; chromedriver wants the real binary.
fn chromium_binary(wrapper: &std::path::Path) -> String {
    let real = PathBuf::from("/usr/lib/chromium/chromium");
    if real.is_file() { real } else { wrapper.to_path_buf() }.display().to_string()
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(id) = &self.session {
            let _ = serve_support::agent().delete(format!("{}/session/{id}", self.base)).call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_open_page_follows_edits_without_the_test_reloading_it() {
    let (_dir, root) = example_blog();
    let server = Server::start(&root, &[]);
    let browser = Driver::start();
    let connected = "return window.__myblogConnected === true";

    browser.goto(&server.url("/posts/why-i-keep-a-blog/"));
    browser.wait_until("the live-reload connection", connected);
    let before = browser.js("return document.body.innerText").as_str().unwrap().to_string();
    assert!(before.contains("Why I keep a blog"), "{before}");

    // A body edit on disk: the page shows it (the page reloads itself).
    let post = "content/posts/why-i-keep-a-blog.md";
    server.save(post, &format!("{}\nThe browser sees this sentence.\n", server.read(post)));
    browser.wait_until("the edited text", "return document.body.innerText.includes('The browser sees this sentence.')");
    browser.wait_until("the live-reload connection after reloading", connected);

    // A stylesheet edit: the <link> points at the new file, and the page was not reloaded.
    browser.js("window.__notReloaded = 42; return null");
    let old_href = browser.js("return document.querySelector('link[rel=stylesheet]').getAttribute('href')");
    let css = "themes/default/static/css/site.css";
    server.save(css, &format!("{}\nbody {{ outline: 3px solid rgb(1, 2, 3); }}\n", server.read(css)));
    let script = format!("var h = document.querySelector('link[rel=stylesheet]').getAttribute('href'); return h !== {old_href} ? h : null");
    let new_href = browser.wait_until("the swapped stylesheet", &script);
    assert!(new_href.as_str().unwrap().starts_with("/css/site."), "{new_href}");
    assert_eq!(browser.js("return window.__notReloaded"), json!(42), "a CSS change must not reload the page");
    browser.wait_until("the new style applied", "return getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'");

    // A broken template: an overlay with the error; fixed: the overlay goes, the fix shows.
    let template = "themes/default/templates/post.html";
    let good = server.read(template);
    server.save(template, &good.replacen("{{ page.title }}", "{{ page.title }", 1));
    let message = browser.wait_until(
        "the error overlay",
        "var e = document.getElementById('myblog-error-message'); return e && e.textContent.includes('post.html') ? e.textContent : null",
    );
    assert!(message.as_str().unwrap().contains("themes/default/templates/post.html"), "{message}");
    server.save(template, &good.replace("</article>", "</article><p>Template fixed.</p>"));
    browser.wait_until(
        "the overlay cleared and the fix shown",
        "return !document.getElementById('myblog-error-overlay') && document.body.innerText.includes('Template fixed.')",
    );
}
