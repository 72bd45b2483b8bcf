//! Shared test support: the real AWS emulator (moto server) on a free loopback port.
//!
//! Tests talk to moto over HTTP with the real aws-sdk-rust clients. The Python tools live in
//! one venv outside the clone (`$MYBLOG_CACHE/venv`, default `~/.cache/myblog/venv`), installed
//! by `scripts/install-test-tools`. If python3 is missing, tests fail loudly; they never skip.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

pub use aws_config::SdkConfig;

pub mod browser;

/// The workspace root (the folder holding the top `Cargo.toml`).
///
/// Read at run time: `cargo test` sets `CARGO_MANIFEST_DIR` to the tested crate, one level
/// below the root. The compile-time value is only a fallback, because a build reused from a
/// shared target dir may carry another checkout's path.
pub fn workspace_root() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.parent().expect("workspace root").to_path_buf()
}

/// The cache folder shared by test tools (`MYBLOG_CACHE`, default `~/.cache/myblog`).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MYBLOG_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set; set MYBLOG_CACHE to a folder for test tools");
    PathBuf::from(home).join(".cache/myblog")
}

/// The venv holding moto, cfn-lint and cargo-lambda, installed on first use.
pub fn venv() -> PathBuf {
    static INSTALL: Once = Once::new();
    let venv = std::env::var_os("MYBLOG_VENV").map(PathBuf::from).unwrap_or_else(|| cache_dir().join("venv"));
    INSTALL.call_once(|| {
        let script = workspace_root().join("scripts/install-test-tools");
        let status = Command::new("bash")
            .arg(&script)
            .env("MYBLOG_VENV", &venv)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(status.success(), "installing the test tools failed ({}): see the output above", script.display());
    });
    venv
}

/// Path of an executable installed in the test venv (e.g. `cfn-lint`, `cargo-lambda`).
pub fn venv_bin(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(path.exists(), "test tool {} is missing from the venv; run scripts/install-test-tools", path.display());
    path
}

/// The real Zola 0.22.1 that comparison tests build with: `MYBLOG_ZOLA`, else
/// `shared/tools/zola/zola` beside the checkout or beside any folder above it (a CI clone may
/// sit deeper than the project's own folder). Never copied into the project (EUPL-1.2).
pub fn zola() -> PathBuf {
    if let Some(p) = std::env::var_os("MYBLOG_ZOLA") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "MYBLOG_ZOLA={} is not a file", p.display());
        return p;
    }
    let root = workspace_root();
    let found = root.ancestors().skip(1).map(|a| a.join("shared/tools/zola/zola")).find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "real Zola is missing: no shared/tools/zola/zola beside {} or any folder above it; set MYBLOG_ZOLA to a Zola 0.22.1 binary",
            root.display()
        )
    })
}

/// A free TCP port on 127.0.0.1 (the listener is closed again, so a tiny race remains).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0").local_addr().unwrap().port()
}

/// A running moto server, stopped when dropped.
pub struct Moto {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
}

impl Moto {
    /// Installs moto if needed, starts it on a free loopback port and waits until it answers.
    pub fn start() -> Moto {
        let python = venv().join("bin/python");
        let launcher = workspace_root().join("test-support/py/moto_launcher.py");
        let mut child = Command::new(&python)
            .arg(&launcher)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("MOTO_ALLOW_NONEXISTENT_REGION", "true")
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto ({}): {e}", python.display()));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read moto's port");
        let port: u16 = line
            .trim()
            .strip_prefix("MOTO_PORT=")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("moto launcher did not announce its port (got {line:?}); is moto installed in the venv?"));
        let endpoint = format!("http://127.0.0.1:{port}");
        let moto = Moto { child, _stdin: stdin, port, endpoint };
        moto.wait_ready(Duration::from_secs(30));
        moto
    }

    fn wait_ready(&self, limit: Duration) {
        let start = Instant::now();
        loop {
            if ureq::get(&format!("{}/moto-api/", self.endpoint)).call().is_ok() {
                return;
            }
            assert!(start.elapsed() < limit, "moto did not answer on {} within {limit:?}", self.endpoint);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clears every service's state.
    pub fn reset(&self) {
        ureq::post(&format!("{}/moto-api/reset", self.endpoint)).send_empty().expect("reset moto");
    }

    /// Every email SES accepted so far: objects with `source`, `destinations`, and either
    /// `subject` + `body` (Simple content; moto keeps only the HTML part when both are sent)
    /// or `raw` (Raw content).
    pub fn sent_emails(&self) -> Vec<serde_json::Value> {
        let mut resp = ureq::get(&format!("{}/_myblog/ses/sent", self.endpoint)).call().expect("read sent emails");
        let text = resp.body_mut().read_to_string().expect("sent emails body");
        serde_json::from_str(&text).expect("sent emails JSON")
    }

    /// An SDK configuration pointing at this server with dummy credentials, region us-east-1.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "test-support"))
            .load()
            .await
    }

    /// An S3 client for this server (path-style addressing, as moto on 127.0.0.1 needs).
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config().await).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Environment variables that point a child process (e.g. the `myblog` binary) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
