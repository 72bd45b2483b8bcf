//! Whether anything changed since the last build: one hash of every input, kept beside the output.

use super::options::BuildOptions;
use myblog_utils::manifest::Manifest;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::path::Path;
use time::OffsetDateTime;

/// Where the input fingerprint of the last build is kept (never deployed: not in the manifest).
pub(super) const INPUTS_PATH: &str = ".myblog/inputs";

/// Everything the output depends on, as one hash: options, myblog's version, today's date (a
/// post dated tomorrow appears tomorrow), and the path, size and mtime of every input file.
pub(super) fn input_fingerprint(opts: &BuildOptions) -> Result<String> {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // A different myblog binary may render differently even at the same version.
    if let Some(m) = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok()) {
        h.update(format!("{:?}|{}\n", m.modified().ok(), m.len()).as_bytes());
    }
    h.update(
        format!(
            "{:?}|{:?}|{:?}|{}|{}\n",
            opts.drafts,
            opts.base_url,
            opts.thumbnails,
            opts.output.display(),
            myblog_utils::date_string(&opts.now)
        )
        .as_bytes(),
    );
    let config_path = opts.root.join(myblog_config::CONFIG_FILE);
    let config_text = std::fs::read(&config_path).map_err(|e| Error::io("cannot read", &config_path, e))?;
    h.update(&config_text);
    let theme = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&config_text))
        .ok()
        .and_then(|t| t.get("theme").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "default".into());
    for dir in [opts.root.join(myblog_config::CONTENT_DIR), opts.root.join("themes").join(theme)] {
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !myblog_utils::is_hidden_dir(e))
            .flatten()
        {
            if let Ok(m) = entry.metadata() {
                let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
                h.update(entry.path().as_os_str().as_encoded_bytes());
                h.update(format!("|{}|{}|{}\n", m.is_dir(), m.len(), mtime).as_bytes());
            }
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

pub(super) fn up_to_date(out: &Path, fingerprint: &str, now: OffsetDateTime) -> bool {
    let Ok(stored) = std::fs::read_to_string(out.join(INPUTS_PATH)) else { return false };
    let mut lines = stored.lines();
    if lines.next() != Some(fingerprint) {
        return false;
    }
    let due = lines.next().and_then(|l| l.strip_prefix("scheduled ")).and_then(|t| t.parse::<i64>().ok());
    if due.is_some_and(|t| now.unix_timestamp() >= t) {
        return false;
    }
    // The output must still be what the manifest says (nobody deleted or edited files).
    match Manifest::load(out) {
        Ok(Some(m)) => m.files.par_iter().all(|f| std::fs::metadata(out.join(&f.path)).is_ok_and(|md| md.len() == f.size)),
        _ => false,
    }
}

/// What is kept beside the output: the fingerprint, and when a post now left out becomes due
/// (a post scheduled for later today must appear once due, though no input changes by then).
pub(super) fn stamp(fingerprint: &str, next_scheduled: Option<OffsetDateTime>) -> String {
    match next_scheduled {
        Some(due) => format!("{fingerprint}\nscheduled {}\n", due.unix_timestamp()),
        None => format!("{fingerprint}\n"),
    }
}
