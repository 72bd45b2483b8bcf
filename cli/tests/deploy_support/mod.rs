//! Support for the deploy tests: one moto server per test binary, an HTTP/1.1 proxy that logs,
//! delays, cuts or corrupts traffic between `myblog` and moto, and bucket inspection helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use test_support::Moto;

mod site;
// Not every test binary uses the sites (announce.rs has its own).
#[allow(unused_imports)]
pub use site::*;

pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
}

pub fn s3() -> aws_sdk_s3::Client {
    rt().block_on(moto().s3())
}

/// For use inside async blocks (a nested `block_on` would panic).
pub async fn s3a() -> aws_sdk_s3::Client {
    moto().s3().await
}

pub async fn cloudfront() -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::new(&moto().sdk_config().await)
}

/// A bucket with a unique name and a distribution in front of it.
pub fn bucket_and_distribution(name: &str) -> (String, String) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let bucket = format!("{name}-{}", N.fetch_add(1, Ordering::SeqCst));
    rt().block_on(async {
        s3a().await.create_bucket().bucket(&bucket).send().await.expect("create bucket");
        let id = create_distribution(&bucket).await;
        (bucket, id)
    })
}

#[allow(deprecated)] // ForwardedValues: the shape moto and old distributions use
pub async fn create_distribution(bucket: &str) -> String {
    use aws_sdk_cloudfront::types::*;
    let cf = aws_sdk_cloudfront::Client::new(&moto().sdk_config().await);
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let behaviour = DefaultCacheBehavior::builder()
        .target_origin_id("site")
        .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
        .forwarded_values(
            ForwardedValues::builder()
                .query_string(false)
                .cookies(CookiePreference::builder().forward(ItemSelection::None).build().unwrap())
                .build()
                .unwrap(),
        )
        .min_ttl(0)
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(format!("test-{bucket}"))
        .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
        .default_cache_behavior(behaviour)
        .comment("deploy test")
        .enabled(true)
        .build()
        .unwrap();
    let out = cf.create_distribution().distribution_config(config).send().await.expect("create distribution");
    out.distribution().unwrap().id().to_string()
}

/// Invalidations of a distribution, oldest first, each with its paths.
pub fn invalidations(distribution: &str) -> Vec<(String, Vec<String>)> {
    rt().block_on(async {
        let cf = cloudfront().await;
        let list = cf.list_invalidations().distribution_id(distribution).send().await.expect("list invalidations");
        let mut out = Vec::new();
        for s in list.invalidation_list().map(|l| l.items()).unwrap_or_default() {
            let got = cf.get_invalidation().distribution_id(distribution).id(s.id()).send().await.unwrap();
            let inv = got.invalidation().unwrap();
            let mut paths: Vec<String> = inv.invalidation_batch().unwrap().paths().unwrap().items().to_vec();
            paths.sort();
            out.push((s.create_time().to_millis().unwrap_or_default().to_string() + "/" + s.id(), paths));
        }
        out.sort();
        out
    })
}

/// One object as the tests compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj {
    pub body: Vec<u8>,
    pub content_type: String,
    pub cache_control: String,
    pub etag: String,
    pub last_modified: i64,
}

/// Every object of the bucket with its bytes and headers.
pub fn snapshot(bucket: &str) -> BTreeMap<String, Obj> {
    rt().block_on(async {
        let s3 = s3a().await;
        let mut keys = Vec::new();
        let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
        while let Some(p) = pages.next().await {
            for o in p.expect("list").contents() {
                keys.push(o.key().unwrap().to_string());
            }
        }
        let gets = keys.into_iter().map(|k| {
            let s3 = s3.clone();
            async move {
                let o = s3.get_object().bucket(bucket).key(&k).send().await.expect("get object");
                let obj = Obj {
                    content_type: o.content_type().unwrap_or_default().to_string(),
                    cache_control: o.cache_control().unwrap_or_default().to_string(),
                    etag: o.e_tag().unwrap_or_default().to_string(),
                    last_modified: o.last_modified().map(|t| t.secs()).unwrap_or_default(),
                    body: o.body.collect().await.unwrap().into_bytes().to_vec(),
                };
                (k, obj)
            }
        });
        futures::future::join_all(gets).await.into_iter().collect()
    })
}

/// The site part of a snapshot: bytes and headers, without myblog's bookkeeping.
pub fn site_state(snap: &BTreeMap<String, Obj>) -> BTreeMap<String, (Vec<u8>, String, String)> {
    snap.iter()
        .filter(|(k, _)| !k.contains(".myblog/"))
        .map(|(k, o)| (k.clone(), (o.body.clone(), o.content_type.clone(), o.cache_control.clone())))
        .collect()
}

/// Every asset (non-page file) referenced by an HTML object of the bucket exists in it.
pub fn assert_references_resolve(bucket: &str, base_url: &str, context: &str) {
    let snap = snapshot(bucket);
    let re = regex::Regex::new(r#"(?:src|href)="([^"]+)""#).unwrap();
    let mut checked = 0;
    for (key, obj) in snap.iter().filter(|(k, _)| k.ends_with(".html")) {
        let text = String::from_utf8_lossy(&obj.body);
        for cap in re.captures_iter(&text) {
            let url = cap[1].strip_prefix(base_url).unwrap_or(&cap[1]);
            let Some(path) = url.strip_prefix('/') else {
                continue;
            };
            let path = path.split(['?', '#']).next().unwrap_or(path);
            let name = path.rsplit('/').next().unwrap_or(path);
            let is_asset = name.contains('.') && !name.ends_with(".html") && !name.ends_with(".xml");
            if is_asset {
                checked += 1;
                assert!(snap.contains_key(path), "{context}: {key} references {path}, which is missing from the bucket");
            }
        }
    }
    let _ = checked;
}

// ---------------------------------------------------------------------------------------------
// The proxy.

#[derive(Debug, Clone)]
pub enum Mode {
    /// Forward everything.
    Pass,
    /// Forward the first K requests, then close every connection without answering.
    CutAfter(usize),
    /// Deterministic faults by request number: every 6th a 503 SlowDown, every 9th a 500,
    /// every 13th a dropped connection.
    Faults,
    /// Answer every request 403 AccessDenied.
    Deny,
    /// Forward everything, each request delayed.
    Delay(Duration),
    /// Forward the first K-1 requests; forward request K to moto too (so it takes effect),
    /// but close the connection instead of answering it, and every later one unanswered.
    CutAfterReaching(usize),
    /// The first rule matching a request acts on it; unmatched requests are forwarded.
    Rules(Vec<Rule>),
}

/// Matches requests by method and a substring of the decoded path with query.
#[derive(Clone)]
pub struct Rule {
    pub method: &'static str,
    pub contains: String,
    /// How many matching requests it applies to (`None`: all).
    pub times: Option<usize>,
    pub act: Act,
    used: Arc<AtomicUsize>,
}

impl Rule {
    pub fn new(method: &'static str, contains: &str, act: Act) -> Rule {
        Rule { method, contains: contains.to_string(), times: None, act, used: Arc::new(AtomicUsize::new(0)) }
    }
    pub fn times(mut self, n: usize) -> Rule {
        self.times = Some(n);
        self
    }
    /// How many requests it acted on.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
pub enum Act {
    /// Answer with this status, error code and extra headers, never reaching moto.
    Answer { status: u16, code: &'static str, headers: Vec<(&'static str, String)> },
    /// Wait, then forward.
    Delay(Duration),
    /// Wait, then answer.
    DelayAnswer(Duration, u16, &'static str),
    /// Run this before forwarding (e.g. another writer sneaking in).
    Hook(Arc<dyn Fn() + Send + Sync>),
    /// Forward, and replace text in the response body.
    Rewrite(&'static str, &'static str),
    /// Forward (moto does the work), then close the connection without an answer.
    ForwardAndDrop,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rule({} {:?})", self.method, self.contains)
    }
}

struct State {
    upstream: String,
    count: AtomicUsize,
    mode: Mutex<Mode>,
    log: Mutex<Vec<(String, String)>>,
    stop: AtomicBool,
}

pub struct Proxy {
    pub port: u16,
    pub endpoint: String,
    state: Arc<State>,
}

impl Proxy {
    pub fn start(mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            upstream: format!("127.0.0.1:{}", moto().port),
            count: AtomicUsize::new(0),
            mode: Mutex::new(mode),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, &st);
                });
            }
        });
        Proxy { port, endpoint: format!("http://127.0.0.1:{port}"), state }
    }

    /// Requests seen so far: (method, decoded path with query).
    pub fn log(&self) -> Vec<(String, String)> {
        self.state.log.lock().unwrap().clone()
    }
    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }
    pub fn reset(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
        self.state.count.store(0, Ordering::SeqCst);
        self.state.log.lock().unwrap().clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

enum Action {
    Forward,
    /// Forward, then close without answering.
    ForwardAndDrop,
    Close,
    Answer(u16, &'static str, &'static str),
    AnswerWith(u16, &'static str, Vec<(&'static str, String)>),
    Rewrite(&'static str, &'static str),
}

fn handle(client: TcpStream, st: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    let mut upstream: Option<(BufReader<TcpStream>, TcpStream)> = None;
    loop {
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&head).to_string();
        let mut first = text.lines().next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let target = first.next().unwrap_or("").to_string();
        let mut body = Vec::new();
        read_body(&mut reader, &text, false, &mut body)?;
        let n = st.count.fetch_add(1, Ordering::SeqCst) + 1;
        st.log.lock().unwrap().push((method.clone(), percent_encoding::percent_decode_str(&target).decode_utf8_lossy().into_owned()));
        let mode = st.mode.lock().unwrap().clone();
        let action = match mode {
            Mode::Pass => Action::Forward,
            Mode::Delay(d) => {
                std::thread::sleep(d);
                Action::Forward
            }
            Mode::CutAfter(k) if n > k => Action::Close,
            Mode::CutAfter(_) => Action::Forward,
            Mode::Faults if n % 6 == 0 => Action::Answer(503, "Slow Down", "SlowDown"),
            Mode::Faults if n % 9 == 0 => Action::Answer(500, "Internal Server Error", "InternalError"),
            Mode::Faults if n % 13 == 0 => Action::Close,
            Mode::Faults => Action::Forward,
            Mode::Deny => Action::Answer(403, "Forbidden", "AccessDenied"),
            Mode::CutAfterReaching(k) if n == k => Action::ForwardAndDrop,
            Mode::CutAfterReaching(k) if n > k => Action::Close,
            Mode::CutAfterReaching(_) => Action::Forward,
            Mode::Rules(rules) => {
                let path = percent_encoding::percent_decode_str(&target).decode_utf8_lossy().into_owned();
                let hit = rules.iter().find(|r| {
                    r.method == method
                        && path.contains(&r.contains)
                        && r.used.fetch_add(1, Ordering::SeqCst) < r.times.unwrap_or(usize::MAX)
                });
                match hit.map(|r| r.act.clone()) {
                    None => Action::Forward,
                    Some(Act::Answer { status, code, headers }) => Action::AnswerWith(status, code, headers),
                    Some(Act::Delay(d)) => {
                        std::thread::sleep(d);
                        Action::Forward
                    }
                    Some(Act::DelayAnswer(d, status, code)) => {
                        std::thread::sleep(d);
                        Action::AnswerWith(status, code, Vec::new())
                    }
                    Some(Act::Hook(f)) => {
                        f();
                        Action::Forward
                    }
                    Some(Act::Rewrite(from, to)) => Action::Rewrite(from, to),
                    Some(Act::ForwardAndDrop) => Action::ForwardAndDrop,
                }
            }
        };
        match action {
            Action::Close => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Action::Answer(status, reason, code) => {
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test proxy</Message><RequestId>test</RequestId></Error>"
                );
                write!(
                    writer,
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                    xml.len()
                )?;
                writer.flush()?;
            }
            Action::AnswerWith(status, code, headers) => {
                // CloudFront's errors are wrapped in <ErrorResponse>, S3's are not; the SDKs
                // read the code from either shape.
                let error = format!("<Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error>");
                let body = if target.starts_with("/2020-05-31/") {
                    format!("<?xml version=\"1.0\"?><ErrorResponse>{error}<RequestId>test</RequestId></ErrorResponse>")
                } else {
                    format!("<?xml version=\"1.0\"?>{error}")
                };
                let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                write!(
                    writer,
                    "HTTP/1.1 {status} Injected\r\nContent-Type: application/xml\r\n{extra}Content-Length: {}\r\n\r\n{body}",
                    body.len()
                )?;
                writer.flush()?;
            }
            Action::ForwardAndDrop | Action::Rewrite(..) | Action::Forward => {
                let (drop_answer, rewrite) = match &action {
                    Action::ForwardAndDrop => (true, None),
                    Action::Rewrite(a, b) => (false, Some((*a, *b))),
                    _ => (false, None),
                };
                if upstream.is_none() {
                    let s = TcpStream::connect(&st.upstream)?;
                    upstream = Some((BufReader::new(s.try_clone()?), s));
                }
                let (ur, uw) = upstream.as_mut().unwrap();
                uw.write_all(&head)?;
                uw.write_all(&body)?;
                uw.flush()?;
                loop {
                    let Some(rhead) = read_head(ur)? else {
                        return Ok(());
                    };
                    let rtext = String::from_utf8_lossy(&rhead).to_string();
                    let status: u16 = rtext.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                    let mut rbody = Vec::new();
                    let no_body = method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status);
                    let until_eof = if no_body { false } else { read_body(ur, &rtext, true, &mut rbody)? };
                    if drop_answer {
                        // Moto has done the work; the client never learns it.
                        let _ = writer.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                    let mut rhead = rhead;
                    if let Some((from, to)) = rewrite.filter(|_| header(&rtext, "content-length").is_some()) {
                        let text = String::from_utf8_lossy(&rbody).replace(from, to);
                        rbody = text.into_bytes();
                        let fixed: String = rtext
                            .lines()
                            .filter(|l| !l.is_empty())
                            .map(|l| {
                                if l.to_ascii_lowercase().starts_with("content-length:") {
                                    format!("Content-Length: {}\r\n", rbody.len())
                                } else {
                                    format!("{l}\r\n")
                                }
                            })
                            .collect();
                        rhead = format!("{fixed}\r\n").into_bytes();
                    }
                    writer.write_all(&rhead)?;
                    writer.write_all(&rbody)?;
                    writer.flush()?;
                    if until_eof || header(&rtext, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
                        let _ = writer.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                    if !(100..200).contains(&status) {
                        break;
                    }
                }
            }
        }
    }
}

fn read_head(r: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            if head.len() == line.len() {
                head.clear();
                continue;
            }
            return Ok(Some(head));
        }
    }
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// Reads a message body with its framing kept as is; returns true when it ran to EOF.
fn read_body(r: &mut impl BufRead, head: &str, response: bool, out: &mut Vec<u8>) -> std::io::Result<bool> {
    if header(head, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut line = Vec::new();
            r.read_until(b'\n', &mut line)?;
            out.extend_from_slice(&line);
            let size = usize::from_str_radix(String::from_utf8_lossy(&line).trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 {
                loop {
                    let mut t = Vec::new();
                    if r.read_until(b'\n', &mut t)? == 0 || t == b"\r\n" {
                        out.extend_from_slice(&t);
                        return Ok(false);
                    }
                    out.extend_from_slice(&t);
                }
            }
            let start = out.len();
            out.resize(start + size + 2, 0);
            r.read_exact(&mut out[start..])?;
        }
    }
    if let Some(len) = header(head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        let start = out.len();
        out.resize(start + len, 0);
        r.read_exact(&mut out[start..])?;
        return Ok(false);
    }
    if response {
        r.read_to_end(out)?;
        return Ok(true);
    }
    Ok(false)
}

// ---------------------------------------------------------------------------------------------
// Running myblog.

/// `myblog deploy` against `endpoint` (moto or a proxy in front of it).
/// `MYBLOG_BIN` overrides the binary: the target dir is shared by several worktrees, whose
/// builds overwrite `target/debug/myblog` between a build and a test run.
pub fn deploy_cmd(root: &Path, endpoint: &str) -> Command {
    let bin = std::env::var_os("MYBLOG_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_myblog").into());
    let mut c = Command::new(bin);
    c.arg("deploy").arg("--root").arg(root);
    for (k, v) in moto().env() {
        c.env(k, v);
    }
    c.env("AWS_ENDPOINT_URL", endpoint);
    c.env("AWS_CONFIG_FILE", "/nonexistent/myblog-test-aws-config");
    c.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/myblog-test-aws-credentials");
    c.env_remove("AWS_PROFILE");
    c
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run myblog");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "myblog panicked: {stderr}");
    out
}

pub fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "deploy failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
