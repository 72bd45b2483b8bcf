//! `myblog serve`: build in memory, serve over HTTP, watch the sources, rebuild only what a
//! change affects (`myblog_build::Incremental`), and tell open pages to reload (`http`,
//! `livereload.js`).
//! Nothing is written to public/.

mod http;

use myblog_build::BuildOptions;
use myblog_build::Output;
use myblog_build::{Change, Incremental};
use myblog_config::CONTENT_DIR;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// Quiet time after the last file event before rebuilding. Editors save with a burst of
/// events (write a temp file, rename it over the original, touch a swap file) within a few
/// milliseconds; a longer wait only delays every reload.
pub const DEBOUNCE: Duration = Duration::from_millis(25);

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Port to listen on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on (0.0.0.0 to reach it from other devices).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Leave drafts and future-dated posts out (they are shown by default when serving).
    #[arg(long)]
    pub no_drafts: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Build(#[from] myblog_utils::Error),
    #[error("cannot listen on {addr}: {source} (is another server using that port? try --port)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot watch {path} for changes: {source}")]
    Watch { path: PathBuf, source: notify_debouncer_full::notify::Error },
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

/// What the HTTP side reads: the current outputs and build status, and the live-reload channel.
pub struct Shared {
    pub outputs: RwLock<HashMap<String, Output>>,
    /// The message of the last failed build, while it is not fixed.
    pub error: RwLock<Option<String>>,
    pub events: broadcast::Sender<String>,
}

impl Shared {
    fn send(&self, message: serde_json::Value) {
        // No receiver (no open page) is fine.
        let _ = self.events.send(message.to_string());
    }
}

pub fn run_cli(args: ServeArgs) -> Result<(), ServeError> {
    let addr = SocketAddr::new(args.bind, args.port);
    let base_url = format!("http://{addr}");
    let mut opts = BuildOptions::from_args(args.root.as_deref(), None, !args.no_drafts, Some(&base_url))?;
    // Previews show photos exactly as production will: thumbnails made by the Lambda's code.
    opts.thumbnails = myblog_build::ThumbnailMode::Local;
    let std_listener = std::net::TcpListener::bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
    std_listener.set_nonblocking(true).map_err(ServeError::Runtime)?;

    let start = std::time::Instant::now();
    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared { outputs: RwLock::new(HashMap::new()), error: RwLock::new(None), events });
    let session = match Incremental::new(opts.clone()) {
        Ok(inc) => {
            *shared.outputs.write().unwrap_or_else(|e| e.into_inner()) = inc.outputs().clone();
            println!(
                "Built {} files in {:.2}s (drafts {}).",
                inc.outputs().len(),
                start.elapsed().as_secs_f64(),
                if opts.drafts { "shown" } else { "hidden" }
            );
            Some(inc)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("Serving anyway: fix the problem and the site appears.");
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
            None
        }
    };

    let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut debouncer = {
        let root = opts.root.clone();
        notify_debouncer_full::new_debouncer(DEBOUNCE, None, move |result: notify_debouncer_full::DebounceEventResult| {
            let Ok(events) = result else { return };
            let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
            for ev in events {
                if matches!(ev.event.kind, EventKind::Access(_)) {
                    continue;
                }
                for p in &ev.event.paths {
                    if is_watched(&root, p) {
                        paths.insert(p.clone());
                    }
                }
            }
            if !paths.is_empty() {
                let _ = tx.send(paths.into_iter().collect());
            }
        })
        .map_err(|source| ServeError::Watch { path: opts.root.clone(), source })?
    };
    for (dir, mode) in [
        (opts.root.clone(), RecursiveMode::NonRecursive),
        (opts.root.join(CONTENT_DIR), RecursiveMode::Recursive),
        (opts.root.join("themes"), RecursiveMode::Recursive),
    ] {
        if dir.exists() {
            debouncer.watch(&dir, mode).map_err(|source| ServeError::Watch { path: dir.clone(), source })?;
        }
    }

    {
        let shared = shared.clone();
        let opts = opts.clone();
        std::thread::Builder::new()
            .name("myblog-rebuild".into())
            .spawn(move || rebuild_loop(session, opts, rx, shared))
            .map_err(ServeError::Runtime)?;
    }

    let url = format!("{base_url}/");
    println!("Serving {} at {url} (live reload on). Watching content/, themes/ and site.toml. Ctrl-C to stop.", opts.root.display());
    if args.open {
        if let Err(e) = std::process::Command::new("xdg-open").arg(&url).spawn() {
            eprintln!("warning: could not open a browser ({e}); open {url} yourself");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(ServeError::Runtime)?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let server = axum::serve(listener, http::router(shared)).with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        });
        // Open pages hold their live-reload stream forever, so a graceful shutdown alone would
        // wait for the browser: give in-flight requests a moment, then stop.
        tokio::select! {
            result = server => result,
            _ = async {
                let _ = tokio::signal::ctrl_c().await;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            } => Ok(()),
        }
    });
    drop(debouncer);
    result.map_err(ServeError::Runtime)
}

/// Only the inputs of the site: site.toml, content/ and themes/.
fn is_watched(root: &std::path::Path, p: &std::path::Path) -> bool {
    let Ok(rel) = p.strip_prefix(root) else { return false };
    rel == std::path::Path::new(myblog_config::CONFIG_FILE) || rel.starts_with(CONTENT_DIR) || rel.starts_with("themes")
}

fn rebuild_loop(mut session: Option<Incremental>, opts: BuildOptions, rx: mpsc::Receiver<Vec<PathBuf>>, shared: Arc<Shared>) {
    while let Ok(mut batch) = rx.recv() {
        // Events that arrived while the last rebuild ran are one change.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        let result = match &mut session {
            Some(inc) => inc.apply(&batch),
            None => Incremental::new(opts.clone()).map(|inc| {
                let change = Change {
                    changed: inc.outputs().keys().cloned().collect(),
                    full: true,
                    rendered: inc.outputs().len(),
                    ..Default::default()
                };
                session = Some(inc);
                change
            }),
        };
        publish(result, session.as_ref(), &shared);
    }
}

/// Hands a rebuild's result to the server and the open pages, and to the terminal.
pub fn publish(result: myblog_utils::Result<Change>, session: Option<&Incremental>, shared: &Shared) {
    let had_error = shared.error.read().map(|e| e.is_some()).unwrap_or(false);
    match result {
        Err(e) => {
            let message = e.to_string();
            eprintln!("error: {message}");
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
            shared.send(serde_json::json!({"type": "error", "message": message}));
        }
        Ok(change) => {
            if let Some(inc) = session {
                let mut outputs = shared.outputs.write().unwrap_or_else(|e| e.into_inner());
                if change.full {
                    *outputs = inc.outputs().clone();
                } else {
                    for p in &change.changed {
                        if let Some(o) = inc.output(p) {
                            outputs.insert(p.clone(), o.clone());
                        }
                    }
                    for p in &change.removed {
                        outputs.remove(p);
                    }
                }
            }
            let touched = change.changed.len() + change.removed.len();
            if change.rendered > 0 || touched > 0 {
                let patched =
                    if change.patched > 0 { format!(" ({} more with new static file names)", change.patched) } else { String::new() };
                let slowest = match &change.slowest {
                    Some((path, ms)) if change.rendered > 1 => format!(", slowest /{path} {ms:.1} ms"),
                    _ => String::new(),
                };
                println!(
                    "{} in {:.1} ms: {} pages rendered{patched}{slowest}, {} files changed, {} removed",
                    if change.full { "Rebuilt everything" } else { "Rebuilt" },
                    change.millis,
                    change.rendered,
                    change.changed.len(),
                    change.removed.len()
                );
            }
            if !change.errors.is_empty() {
                let message = myblog_utils::Error::Input(change.errors.clone()).to_string();
                eprintln!("error: {message}");
                *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
                if touched > 0 {
                    shared.send(reload_message(&change));
                }
                shared.send(serde_json::json!({"type": "error", "message": message}));
                return;
            }
            if had_error {
                *shared.error.write().unwrap_or_else(|e| e.into_inner()) = None;
                println!("Fixed: the site builds again.");
                shared.send(serde_json::json!({"type": "ok"}));
            }
            if let Some(css) = &change.css {
                shared.send(serde_json::json!({"type": "css", "paths": css}));
            } else if touched > 0 {
                shared.send(reload_message(&change));
            }
        }
    }
}

fn reload_message(change: &Change) -> serde_json::Value {
    let paths: Vec<&String> = change.changed.iter().chain(&change.removed).collect();
    serde_json::json!({"type": "reload", "paths": paths})
}
