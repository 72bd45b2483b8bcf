//! The search index as a reader's browser gets it: built by the real binary, read here the way
//! `js/search.js` reads it (index.json, then only the word files a query's words need, then
//! the docs files of the results). What is indexed, what is not, how a big site is cut up, and
//! `[search] enabled = false`.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a query of one word fetches and finds: the word files' names, and the paths of the
/// pages holding a word that starts with `q`, best first (as search.js ranks one word).
fn query(public: &Path, q: &str) -> (BTreeSet<String>, Vec<String>) {
    let dir = public.join("search");
    let index = read_json(&dir.join("index.json"));
    let keys = index["keys"].as_object().unwrap();
    let files: BTreeSet<String> = keys
        .iter()
        .filter(|(k, _)| k.starts_with(q) || q.starts_with(k.as_str()))
        .map(|(_, f)| index["words"][f.as_u64().unwrap() as usize].as_str().unwrap().to_string())
        .collect();
    let mut best: BTreeMap<u64, u64> = BTreeMap::new();
    for f in &files {
        for (word, postings) in read_json(&dir.join(f)).as_object().unwrap() {
            if !word.starts_with(q) {
                continue;
            }
            let mut id = 0;
            for e in postings.as_str().unwrap().split(',') {
                let (d, s) = e.split_once(':').unwrap_or((e, "1"));
                id += u64::from_str_radix(d, 36).unwrap();
                let score = u64::from_str_radix(s, 36).unwrap() * 2 + u64::from(word == q);
                let b = best.entry(id).or_default();
                *b = (*b).max(score);
            }
        }
    }
    let mut ranked: Vec<(u64, u64)> = best.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let per = index["docs_per_file"].as_u64().unwrap();
    let paths = ranked
        .iter()
        .map(|(id, _)| {
            let docs = read_json(&dir.join(index["docs"][(id / per) as usize].as_str().unwrap()));
            docs[(id % per) as usize][0].as_str().unwrap().to_string()
        })
        .collect();
    (files, paths)
}

fn found(public: &Path, q: &str) -> Vec<String> {
    query(public, q).1
}

#[test]
fn published_pages_are_found_by_folded_prefixes_and_drafts_and_noindex_pages_are_not() {
    let dir = example_site();
    let root = dir.path().join("blog");
    let post = |name: &str, front: &str, body: &str| {
        std::fs::write(root.join("content/posts").join(name), format!("+++\n{front}\n+++\n{body}\n")).unwrap();
    };
    post("resume.md", "title = \"Résumé writing\"\ndate = 2024-02-02\ntags = [\"careers\"]", "How to write one. The zebrafish.");
    post(
        "mention.md",
        "title = \"A later note\"\ndate = 2024-03-03",
        "I once mailed my résumé, and a zebrafish.\n\n## Quokka facts\n\nNone.",
    );
    post("tokyo.md", "title = \"東京の旅\"\ndate = 2024-04-04", "京都にも行きました。");
    post("secret.md", "title = \"Secret\"\ndate = 2024-01-01\ndraft = true", "The narwhal.");
    post("hidden.md", "title = \"Hidden\"\ndate = 2024-01-01\n[extra]\nnoindex = true", "The narwhal, again.");
    build_ok(&root);
    let public = root.join("public");

    // Title first, then the page that has the word in its text, whatever their dates.
    assert_eq!(found(&public, "resume"), ["/posts/resume/", "/posts/mention/"]);
    assert_eq!(found(&public, "résumé".replace('é', "e").as_str()), found(&public, "resume"));
    // A prefix finds the whole word; a heading outranks the text; a tag counts as a heading.
    assert_eq!(found(&public, "zebra"), ["/posts/mention/", "/posts/resume/"], "the newer page first when both are text");
    assert_eq!(found(&public, "quok"), ["/posts/mention/"]);
    assert_eq!(found(&public, "careers"), ["/posts/resume/"]);
    // Japanese without spaces: its pairs of characters.
    assert_eq!(found(&public, "東京"), ["/posts/tokyo/"]);
    assert_eq!(found(&public, "京都"), ["/posts/tokyo/"]);
    // Drafts and noindex pages are left out.
    assert!(found(&public, "narwhal").is_empty());
    assert!(found(&public, "secret").is_empty());
    // The example blog's own pages are in it.
    assert!(found(&public, "lofoten").contains(&"/posts/a-week-in-lofoten/".to_string()), "{:?}", found(&public, "lofoten"));

    // Every file but index.json is named by its content, and the manifest says so (deploy
    // caches them forever and never invalidates them).
    let manifest = read_json(&public.join(".myblog/manifest.json"));
    let entries = manifest["files"].as_array().expect("manifest files");
    let mut names = 0;
    for e in std::fs::read_dir(public.join("search")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let path = format!("search/{name}");
        let entry = entries.iter().find(|x| x["path"] == path.as_str()).unwrap_or_else(|| panic!("{path} not in the manifest"));
        if name == "index.json" || name == "index.html" {
            assert_eq!(entry["hashed"], false, "{path}");
            continue;
        }
        names += 1;
        let stem = name.strip_suffix(".json").unwrap();
        let (_, hash) = stem.rsplit_once('.').unwrap();
        assert!(hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        let bytes = std::fs::read(public.join(&path)).unwrap();
        assert!(blake3::hash(&bytes).to_hex().starts_with(hash), "{name} is not named by its bytes");
        assert_eq!(entry["hashed"], true, "{path}");
    }
    assert!(names >= 2, "a docs file and a words file at least");

    // The search page, and the box in every page's header; without JavaScript the page links
    // to a search engine's results for this site.
    let page = std::fs::read_to_string(public.join("search/index.html")).unwrap();
    check_html(&page).unwrap();
    assert!(page.contains("data-index=\"/search/index.json\""), "{page}");
    assert!(page.contains("href=\"https://duckduckgo.com/?q=site%3Ablog%2Eexample%2Ecom\""), "{page}");
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(home.contains("<form class=\"site-search\" role=\"search\" method=\"get\" action=\"/search/\">"), "{home}");
    // The search page is not in the sitemap (it has nothing of its own to index).
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("/search/"), "{sitemap}");
}

#[test]
fn a_big_site_is_cut_so_that_a_query_fetches_a_small_part_of_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    let gen = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/gen-corpus"))
        .arg("1500")
        .arg(&root)
        .output()
        .expect("python3 runs scripts/gen-corpus");
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    build_ok(&root);
    let public = root.join("public");
    let index = read_json(&public.join("search/index.json"));
    assert_eq!(index["pages"], 1500);
    let all: Vec<String> = index["words"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(all.len() >= 10, "{} word files", all.len());
    let size =
        |names: &BTreeSet<String>| -> u64 { names.iter().map(|n| std::fs::metadata(public.join("search").join(n)).unwrap().len()).sum() };
    let total = size(&all.iter().cloned().collect());
    for q in ["bucket", "bu", "tag17", "zz"] {
        let (files, hits) = query(&public, q);
        assert!(size(&files) * 4 < total, "{q:?} fetches {} of {total} bytes ({files:?})", size(&files));
        if q != "zz" {
            assert!(!hits.is_empty(), "{q:?} finds nothing");
        }
    }
    // A word on every page lists every page.
    assert_eq!(found(&public, "bucket").len(), 1500);
}

#[test]
fn search_can_be_turned_off() {
    let dir = example_site();
    let root = dir.path().join("blog");
    let config = std::fs::read_to_string(root.join("site.toml")).unwrap();
    assert!(config.contains("[search]\nenabled = true\n"), "{config}");
    std::fs::write(root.join("site.toml"), config.replace("[search]\nenabled = true\n", "[search]\nenabled = false\n")).unwrap();
    build_ok(&root);
    let public = root.join("public");
    assert!(!public.join("search").exists());
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(!home.contains("site-search"), "{home}");

    std::fs::write(root.join("site.toml"), config.replace("[search]\nenabled = true\n", "[search]\nenable = true\n")).unwrap();
    let out = build(&root);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("site.toml") && err.contains("enable"), "{err}");
}
