//! Upload progress: a bar on a terminal, plain lines otherwise (CI logs, `| tee`), nothing
//! with `--json` (stdout is then for the machine, and stderr stays quiet).

use super::report::human_bytes;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

pub enum Progress {
    Bar(ProgressBar),
    Lines(Lines),
    Hidden,
}

pub struct Lines {
    total: AtomicU64,
    done: AtomicU64,
    /// The last quarter reported, so each is printed once.
    reported: Mutex<u64>,
}

impl Progress {
    pub fn new(json: bool, terminal: bool) -> Progress {
        match (json, terminal) {
            (true, _) => Progress::Hidden,
            (false, true) => Progress::Bar(ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
            (false, false) => Progress::Lines(Lines { total: AtomicU64::new(0), done: AtomicU64::new(0), reported: Mutex::new(0) }),
        }
    }

    pub fn start(&self, files: usize, bytes: u64) {
        match self {
            Progress::Bar(b) => {
                b.set_style(
                    ProgressStyle::with_template("{spinner} uploading [{bar:30}] {bytes}/{total_bytes} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                // Style first: set_length draws.
                b.set_length(bytes);
            }
            Progress::Lines(l) => {
                l.total.store(bytes, Ordering::Relaxed);
                line(&format!("uploading {files} files ({})", human_bytes(bytes)));
            }
            Progress::Hidden => {}
        }
    }

    /// The start of an upload phase (hashed assets, other files, new pages, pages).
    pub fn phase(&self, name: &str, files: usize, bytes: u64) {
        match self {
            Progress::Bar(b) => b.set_message(name.to_string()),
            Progress::Lines(_) if files > 0 => line(&format!("  {name}: {files} files ({})", human_bytes(bytes))),
            _ => {}
        }
    }

    pub fn inc(&self, bytes: u64) {
        match self {
            Progress::Bar(b) => b.inc(bytes),
            Progress::Lines(l) => {
                let done = l.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
                let total = l.total.load(Ordering::Relaxed).max(1);
                let quarter = (done.min(total) * 4) / total;
                let mut reported = l.reported.lock().unwrap_or_else(|e| e.into_inner());
                if quarter > *reported && quarter < 4 {
                    *reported = quarter;
                    line(&format!("  {}% ({} of {})", quarter * 25, human_bytes(done), human_bytes(total)));
                }
            }
            Progress::Hidden => {}
        }
    }

    pub fn finish(&self) {
        match self {
            Progress::Bar(b) => b.finish_and_clear(),
            Progress::Lines(l) => {
                let total = l.total.load(Ordering::Relaxed);
                if total > 0 {
                    line(&format!("  uploaded {}", human_bytes(total)));
                }
            }
            Progress::Hidden => {}
        }
    }

    /// A message for the user (a wait, a fallback) that must not be lost in the bar.
    pub fn note(&self, msg: &str) {
        match self {
            Progress::Bar(b) => b.suspend(|| line(msg)),
            // With --json too: stderr is not the machine's channel.
            Progress::Lines(_) | Progress::Hidden => line(msg),
        }
    }
}

fn line(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}
