//! What a deploy tells its user: the summary (text or `--json`), the dry-run plan, the
//! question before deleting, and the JSON shape of a failure.

use super::plan::Plan;
use super::DeployError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub dry_run: bool,
    pub bucket: String,
    pub prefix: String,
    /// The region requests were signed for.
    pub region: Option<String>,
    pub distribution: Option<String>,
    /// The deploy number committed (absent when nothing needed writing).
    pub deploy: Option<u64>,
    pub uploaded: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub kept_for_grace: usize,
    pub bytes_uploaded: u64,
    pub requests: BTreeMap<&'static str, u64>,
    /// HTTP attempts to S3 and CloudFront, retries included.
    pub attempts: u64,
    pub invalidation_id: Option<String>,
    pub invalidation_paths: Vec<String>,
    pub uploads: Vec<String>,
    pub deletions: Vec<String>,
    /// Thumbnails this deploy made and uploaded itself because the Lambda had not made them in time.
    pub thumbnails_made_locally: Vec<String>,
    /// Posts announced to subscribers by this deploy (with `--dry-run`: that would be).
    pub announced: Vec<String>,
    /// New posts an earlier deploy had announced already (nothing sent again).
    pub already_announced: Vec<String>,
    /// CPU time of the planner (diff, grace, collapse) for the last plan made.
    pub plan_seconds: f64,
    pub seconds: f64,
}

/// `--json` on failure: the error, and whether the new site was committed before it (then
/// only the invalidation or the clean-up is left, and the next deploy finishes it).
#[derive(Debug, Serialize)]
pub struct Failure {
    pub error: String,
    pub committed: bool,
}

pub fn print_failure(e: &DeployError, committed: bool) {
    let f = Failure { error: e.to_string(), committed };
    println!("{}", serde_json::to_string_pretty(&f).unwrap_or_default());
}

pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn requests_line(r: &BTreeMap<&'static str, u64>) -> String {
    let parts: Vec<String> = r.iter().filter(|(_, v)| **v > 0).map(|(k, v)| format!("{k} {v}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

pub fn print_summary(s: &Summary, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(s).unwrap_or_default());
        return;
    }
    let target = format!("s3://{}/{}", s.bucket, s.prefix);
    match s.deploy {
        None => println!("Nothing to deploy: {target} is up to date ({} files, {:.2}s).", s.unchanged, s.seconds),
        Some(n) => println!("Deployed #{n} to {target} in {:.2}s.", s.seconds),
    }
    println!(
        "  uploaded {} ({}), unchanged {}, deleted {}, kept for grace {}",
        s.uploaded,
        human_bytes(s.bytes_uploaded),
        s.unchanged,
        s.deleted,
        s.kept_for_grace
    );
    if !s.thumbnails_made_locally.is_empty() {
        println!("  thumbnails made here (the Lambda was late): {}", s.thumbnails_made_locally.len());
    }
    println!("  requests: {} ({} HTTP attempts, retries included)", requests_line(&s.requests), s.attempts);
    if let Some(id) = &s.invalidation_id {
        println!("  invalidation {id}: {}", s.invalidation_paths.join(" "));
    }
    if !s.announced.is_empty() {
        println!("  announced to subscribers: {}", s.announced.join(" "));
    }
    if !s.already_announced.is_empty() {
        println!("  announced before (not sent again): {}", s.already_announced.join(" "));
    }
}

pub fn print_plan(plan: &Plan, s: &Summary, json: bool) {
    if json {
        #[derive(Serialize)]
        struct DryRun<'a> {
            #[serde(flatten)]
            summary: &'a Summary,
            plan: &'a Plan,
        }
        println!("{}", serde_json::to_string_pretty(&DryRun { summary: s, plan }).unwrap_or_default());
        return;
    }
    println!("Dry run: nothing will be written to s3://{}/{}.", s.bucket, s.prefix);
    for u in &plan.uploads {
        println!("  upload  {:<50} {:>10}  {:?}, {:?}", u.file.path, human_bytes(u.file.size), u.phase, u.reason);
    }
    for p in plan.delete_pages.iter().chain(&plan.delete_other) {
        println!("  delete  {p}");
    }
    for p in &plan.kept {
        println!("  keep    {p} (grace period)");
    }
    for p in &plan.invalidation {
        println!("  invalidate {p}");
    }
    println!(
        "{} uploads ({}), {} unchanged, {} deletions, {} kept for grace, {} invalidation paths.",
        plan.uploads.len(),
        human_bytes(plan.upload_bytes()),
        plan.unchanged,
        plan.deletions(),
        plan.kept.len(),
        plan.invalidation.len()
    );
}

pub fn confirm(plan: &Plan) -> Result<bool, DeployError> {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "This deploy deletes {} files:", plan.deletions());
    for p in plan.delete_pages.iter().chain(&plan.delete_other).take(20) {
        let _ = writeln!(err, "  {p}");
    }
    let _ = write!(err, "Continue? [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|source| DeployError::Io { path: PathBuf::from("stdin"), source })?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(70 * 1024 * 1024), "70.0 MiB");
    }
}
