//! Real shortcode templates from public Hugo themes and Hugo itself (sources in
//! `crates/scaffold/tests/fixtures/hugo-shortcodes/README.md`; the templates are third-party
//! code fetched from public repositories, not committed here: `MYBLOG_HUGO_SHORTCODES` names
//! their folder, and the test runs with `--ignored`), run through the
//! translator: each one is either refused with a construct and a line inside the file, or
//! ported to a template that compiles in the shortcode renderer's tera and renders for a
//! plausible call. `expected.txt` records which, so a change in coverage shows as a diff.
//! `MYBLOG_BLESS=1` rewrites it.

use super::tests::render_tera;
use super::translate;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    std::env::var_os("MYBLOG_HUGO_SHORTCODES")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("MYBLOG_HUGO_SHORTCODES is not set: point it at the shortcode corpus (see {})", readme().display()))
}

fn readme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hugo-shortcodes/README.md")
}

/// What the corpus gives, kept here with the test (the templates are not).
fn expected_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hugo-shortcodes/expected.txt")
}

/// `slug/name.html` of every template, sorted, so the listing is stable.
fn templates() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for repo in std::fs::read_dir(corpus_dir()).expect("the corpus folder") {
        let repo = repo.unwrap().path();
        if !repo.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&repo).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "html") {
                let id = format!("{}/{}", repo.file_name().unwrap().to_string_lossy(), f.file_stem().unwrap().to_string_lossy());
                out.push((id, std::fs::read_to_string(&f).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The calls a page would plausibly make: named arguments for every `.Get "x"` the template
/// reads (string values, with characters that need escaping), positional ones up to the highest
/// `.Get N` / `index .Params N`; a body when it reads `.Inner`.
fn calls(go: &str) -> Vec<(Value, Value, Option<&'static str>)> {
    let named_re = Regex::new(r#"\.Get\s+"([^"]+)""#).unwrap();
    let pos_re = Regex::new(r#"(?:\.Get|index\s+\.Params)\s+(\d+)"#).unwrap();
    let body = go.contains(".Inner").then_some("Some *inner* <b>text</b> & more");
    let mut named = Map::new();
    for c in named_re.captures_iter(go) {
        named.insert(c[1].to_string(), Value::String(format!("{} \"<&>\" value", &c[1])));
    }
    let positional = pos_re.captures_iter(go).filter_map(|c| c[1].parse::<usize>().ok()).max();
    let mut out = Vec::new();
    if !named.is_empty() || positional.is_none() {
        out.push((Value::Object(named), json!([]), body));
    }
    if let Some(n) = positional {
        let args: Vec<Value> = (0..=n).map(|i| Value::String(format!("arg{i} <&>"))).collect();
        out.push((json!({}), Value::Array(args), body));
    }
    out
}

fn outcome(id: &str, go: &str) -> Result<String, String> {
    let lines = go.lines().count().max(1);
    match std::panic::catch_unwind(|| translate(go, "note")) {
        Err(_) => Err(format!("{id}: the translator panicked")),
        Ok(Err(e)) => {
            if e.construct.trim().is_empty() || e.line == 0 || e.line > lines {
                return Err(format!("{id}: refused without a construct or a line in the file ({lines} lines): {e}"));
            }
            Ok(format!("{id}: refused line {} `{}`: {}", e.line, e.construct, e.why))
        }
        Ok(Ok(src)) => {
            for (named, args, body) in calls(go) {
                if let Err(e) = render_tera(&src, named.clone(), args.clone(), body) {
                    return Err(format!("{id}: ported but fails for named {named} positional {args}: {e}\n{src}"));
                }
            }
            Ok(format!("{id}: ported"))
        }
    }
}

#[test]
#[ignore = "needs the shortcode corpus, which is not committed: set MYBLOG_HUGO_SHORTCODES and pass --ignored"]
fn real_shortcodes_are_ported_or_refused_cleanly() {
    let all = templates();
    assert!(all.len() >= 25, "the corpus holds {} templates", all.len());
    let mut listing = String::new();
    let mut failures = Vec::new();
    for (id, go) in &all {
        match outcome(id, go) {
            Ok(line) => {
                listing.push_str(&line);
                listing.push('\n');
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let expected_path = expected_file();
    if std::env::var_os("MYBLOG_BLESS").is_some() {
        std::fs::write(&expected_path, &listing).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(expected, listing, "coverage changed: compare, then rerun with MYBLOG_BLESS=1 to record it");
}
