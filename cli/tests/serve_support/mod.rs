//! Helpers for the `serve` tests: the real binary on a free port, a minimal HTTP client and
//! a minimal Server-Sent Events client over a plain TCP socket.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
    pub root: PathBuf,
    log: PathBuf,
    _logdir: tempfile::TempDir,
}

impl Server {
    /// `myblog serve --root <root> --port <free port>`, ready when `/` answers.
    pub fn start(root: &Path, extra: &[&str]) -> Server {
        let port = test_support::free_port();
        let logdir = tempfile::tempdir().unwrap();
        let log = logdir.path().join("serve.log");
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_myblog"))
            .arg("serve")
            .arg("--root")
            .arg(root)
            .arg("--port")
            .arg(port.to_string())
            .args(extra)
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("start myblog serve");
        let mut server = Server { child, port, root: root.to_path_buf(), log, _logdir: logdir };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("myblog serve exited ({status}):\n{}", server.log());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() && server.get("/").status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "myblog serve did not answer within 60 s:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> Reply {
        request("GET", &self.url(path), None)
    }

    pub fn events(&self) -> Events {
        Events::connect(self.port)
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Saves like an editor that writes a temp file and renames it over the original.
    pub fn save(&self, rel: &str, text: &str) {
        let path = self.file(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().unwrap().to_string_lossy()));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }
}

impl Server {
    /// Sends Ctrl-C (SIGINT) and waits up to `limit` for the server to exit.
    pub fn interrupt(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -INT {pid} failed");
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- myblog serve log ---\n{}", self.log());
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).timeout_global(Some(Duration::from_secs(30))).build().into()
}

pub fn request(method: &str, url: &str, json: Option<&serde_json::Value>) -> Reply {
    let agent = agent();
    let result = match (method, json) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        ("POST", Some(j)) => agent.post(url).header("content-type", "application/json").send(j.to_string()),
        ("POST", None) => agent.post(url).header("content-type", "application/x-www-form-urlencoded").send("email=a%40b.c"),
        _ => panic!("unsupported method {method}"),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp.headers().iter().map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = resp.body_mut().with_config().limit(64 * 1024 * 1024).read_to_string().unwrap_or_default();
    Reply { status, headers, body }
}

/// A Server-Sent Events reader on a raw socket: the live-reload channel as a page sees it.
pub struct Events {
    stream: TcpStream,
    buf: String,
    seen: usize,
}

impl Events {
    pub fn connect(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect for events");
        write!(stream, "GET /__myblog/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        Events { stream, buf: String::new(), seen: 0 }
    }

    /// The next event's JSON, or None after `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Option<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        loop {
            // Events are `data: <json>` lines; chunked-encoding size lines are skipped.
            while let Some(i) = self.buf[self.seen..].find("data: ") {
                let start = self.seen + i + 6;
                let Some(end) = self.buf[start..].find('\n') else { break };
                self.seen = start + end;
                let line = self.buf[start..start + end].trim_end();
                if let Ok(v) = serde_json::from_str(line) {
                    return Some(v);
                }
            }
            if Instant::now() > deadline {
                return None;
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("reading events: {e}"),
            }
        }
    }

    /// Waits for an event of `kind` (skipping others), failing after `timeout`.
    pub fn expect(&mut self, kind: &str, timeout: Duration) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        let mut others = Vec::new();
        while Instant::now() < deadline {
            if let Some(v) = self.next(deadline.saturating_duration_since(Instant::now())) {
                if v["type"] == kind {
                    return v;
                }
                others.push(v);
            }
        }
        panic!("no {kind:?} event within {timeout:?}; got {others:?}");
    }
}

pub fn example_blog() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    let out = Command::new(env!("CARGO_BIN_EXE_myblog")).arg("init").arg(&root).output().unwrap();
    assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
    let root = root.canonicalize().unwrap();
    (dir, root)
}
