//! Shared helpers for the CLI's integration tests: run the real `myblog` binary on temp copies
//! of fixture blogs, and check the HTML it writes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

pub fn myblog() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_myblog"));
    c.env_remove("AWS_ENDPOINT_URL");
    c
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn copy_dir(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let to = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A temp copy of the small fixture blog (its own minimal theme, stable for snapshots).
pub fn mini_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("mini"), dir.path());
    dir
}

/// A new blog made by `myblog init` from the example embedded in the binary.
pub fn example_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let blog = dir.path().join("blog");
    let out = myblog().arg("init").arg(&blog).output().unwrap();
    assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run myblog");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "myblog panicked: {stderr}");
    out
}

pub fn build(root: &Path) -> Output {
    run(myblog().arg("build").arg("--root").arg(root))
}

pub fn build_ok(root: &Path) -> String {
    let out = build(root);
    assert!(out.status.success(), "build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` with its mtime and bytes.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            out.insert(rel, (e.metadata().unwrap().modified().unwrap(), std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

/// Paths whose mtime or bytes differ between two snapshots (or exist in only one).
pub fn changed_files(a: &BTreeMap<String, (SystemTime, Vec<u8>)>, b: &BTreeMap<String, (SystemTime, Vec<u8>)>) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// A strict well-formedness check for the HTML we emit: every non-void element closed in
/// order, quoted attributes, no stray `<`, unique ids, one <main>, a lang attribute.
pub fn check_html(text: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut ids = std::collections::HashSet::new();
    let mut i = 0;
    let b = text.as_bytes();
    let line = |pos: usize| text[..pos].matches('\n').count() + 1;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if text[i..].starts_with("<!--") {
            i += text[i..].find("-->").ok_or(format!("unclosed comment at line {}", line(i)))? + 3;
            continue;
        }
        if text[i..].starts_with("<!") {
            i += text[i..].find('>').ok_or("unclosed doctype")? + 1;
            continue;
        }
        // Find the end of the tag, honouring quoted attribute values.
        let mut j = i + 1;
        let mut quote: Option<u8> = None;
        while j < b.len() {
            match (quote, b[j]) {
                (None, b'"') | (None, b'\'') => quote = Some(b[j]),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => break,
                (None, b'<') => return Err(format!("'<' inside a tag at line {}", line(j))),
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() {
            return Err(format!("unterminated tag at line {}", line(i)));
        }
        let tag = &text[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err(format!("</{name}> closes <{open}> at line {}", line(i))),
                None => return Err(format!("</{name}> without opening tag at line {}", line(i))),
            }
        } else {
            let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
            if name.is_empty() {
                return Err(format!("stray '<' at line {}", line(i)));
            }
            for id in attr(tag, "id") {
                if !ids.insert(id.clone()) {
                    return Err(format!("duplicate id {id:?} at line {}", line(i)));
                }
            }
            let self_closing = tag.ends_with('/');
            if !VOID.contains(&name.as_str()) && !self_closing {
                if name == "script" || name == "style" {
                    let close = format!("</{name}>");
                    j += text[j..].find(&close).ok_or(format!("unclosed <{name}> at line {}", line(i)))? + close.len() - 1;
                } else {
                    stack.push(name);
                }
            }
        }
        i = j + 1;
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    Ok(())
}

fn attr(tag: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    tag.match_indices(&needle).filter_map(|(k, _)| tag[k + needle.len()..].split('"').next().map(str::to_string)).collect()
}

/// The URL path of every file under `public/` whose extension is one of `exts` (outside
/// `.myblog/`): `/a/b/index.html` is `/a/b/`; any other file, `/myindex.html` included, keeps its name.
pub fn url_paths(public: &Path, exts: &[&str]) -> std::collections::BTreeSet<String> {
    walkdir::WalkDir::new(public)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| exts.iter().any(|want| x == *want)))
        .filter(|e| !e.path().strip_prefix(public).unwrap().starts_with(".myblog"))
        .map(|e| {
            let rel = e.path().strip_prefix(public).unwrap().to_string_lossy().replace('\\', "/");
            match rel.strip_suffix("index.html").filter(|d| d.is_empty() || d.ends_with('/')) {
                Some(dir) => format!("/{dir}"),
                None => format!("/{rel}"),
            }
        })
        .collect()
}
