//! The site's search index: every published page's title, headings, terms and text, cut into
//! content-hashed files (CloudFront and browsers keep them forever) that `js/search.js`
//! fetches only as a query needs them, and `search/index.json` (not hashed: it names the
//! others) that it reads first. Drafts and pages with `extra.noindex = true` are left out.
//!
//! `index.json`: `{"version": 1, "pages": N, "docs_per_file": 100, "docs": [file…],
//! "words": [file…], "keys": {prefix: index into words}}`. A docs file is a list of
//! `[path, title, date, description]`, the doc id being its place in the whole list (newest
//! posts first, then pages and sections); a words file maps a word to its postings (see
//! [`shards::encode`]).

mod cache;
mod postings;
mod shards;
mod terms;

use crate::model::{Page, Site};
use myblog_markdown::TocEntry;
use serde_json::json;

pub use cache::WordCache;
pub use postings::{HEADING, TERM, TEXT, TITLE};
pub use terms::{html_words, words};

/// The folder of the index in `public/` (a language's under its prefix).
pub const SEARCH_DIR: &str = "search";
/// Pages per docs file.
pub const DOCS_PER_FILE: usize = 100;
/// How much of a page's description a result shows.
pub const SNIPPET_CHARS: usize = 160;

/// One page as the index reads it.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    pub title: &'a str,
    pub headings: Vec<String>,
    pub terms: Vec<&'a str>,
    /// The rendered content.
    pub html: &'a str,
}

/// One file of the index: its path under `public/`, its bytes, and whether its name carries
/// its hash.
pub struct SearchFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub hashed: bool,
}

/// The pages a reader may find, in doc id order: posts (newest first), pages, sections.
pub fn searchable(site: &Site) -> Vec<&Page> {
    let sections = site.sections.iter().filter(|s| s.source.url_path != "/");
    site.posts.iter().chain(&site.pages).chain(sections).filter(|p| p.is_indexed()).collect()
}

/// The index files of `site`, `index.json` last.
pub fn files(site: &Site) -> Vec<SearchFile> {
    let pages = searchable(site);
    let postings = postings::postings(&pages);
    write(&pages, &postings)
}

/// What the index reads of a page.
fn doc(p: &Page) -> Doc<'_> {
    let s = &p.summary;
    let mut headings = Vec::new();
    flatten(&p.toc, &mut headings);
    let terms = s.tags.iter().chain(s.taxonomies.values().flatten()).map(|t| t.name.as_str()).collect();
    Doc { title: &s.title, headings, terms, html: &p.content }
}

fn flatten(toc: &[TocEntry], out: &mut Vec<String>) {
    for e in toc {
        out.push(myblog_utils::unescape_html(&e.title).into_owned());
        flatten(&e.children, out);
    }
}

/// The files of the index of `pages` (doc id order) from their postings.
fn write(pages: &[&Page], postings: &postings::Postings) -> Vec<SearchFile> {
    let (word_files, keys) = shards::shard(postings);
    let mut out = Vec::new();
    let doc_names: Vec<String> = pages
        .chunks(DOCS_PER_FILE)
        .map(|chunk| {
            let rows: Vec<_> = chunk
                .iter()
                .map(|p| {
                    let s = &p.summary;
                    json!([s.path, s.title, s.date, myblog_utils::html_to_text(&s.description, SNIPPET_CHARS)])
                })
                .collect();
            hashed("docs", json!(rows), &mut out)
        })
        .collect();
    let word_names: Vec<String> = word_files.into_iter().map(|f| hashed("words", json!(f), &mut out)).collect();
    // Two files with the same bytes have the same name: keep one.
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    let keys: serde_json::Map<String, serde_json::Value> = keys.into_iter().map(|(k, i)| (k, json!(i))).collect();
    let index = json!({
        "version": 1,
        "pages": pages.len(),
        "docs_per_file": DOCS_PER_FILE,
        "docs": doc_names,
        "words": word_names,
        "keys": keys,
    });
    out.push(SearchFile {
        path: format!("{SEARCH_DIR}/index.json"),
        bytes: serde_json::to_vec(&index).expect("JSON values serialize"),
        hashed: false,
    });
    out
}

/// Adds `value` as `search/<stem>.<hash>.json`; returns its file name.
fn hashed(stem: &str, value: serde_json::Value, out: &mut Vec<SearchFile>) -> String {
    let bytes = serde_json::to_vec(&value).expect("JSON values serialize");
    let hash = blake3::hash(&bytes).to_hex();
    let name = format!("{stem}.{}.json", &hash[..10]);
    out.push(SearchFile { path: format!("{SEARCH_DIR}/{name}"), bytes, hashed: true });
    name
}
