//! Each page's words kept between rebuilds (by `serve`): a rebuild reads again only the pages
//! whose title, headings, terms or content changed, and merges the rest from here. The index it
//! writes is the one a cold build writes (the serve tests compare them byte for byte).

use super::postings::{page_words, Postings};
use super::{doc, searchable, write, SearchFile};
use crate::model::{Page, Site};
use std::collections::HashMap;

/// Words by number, and each page's `(word number, score)` list with what it was read from.
#[derive(Default)]
pub struct WordCache {
    numbers: HashMap<String, u32>,
    words: Vec<String>,
    pages: HashMap<String, (blake3::Hash, Vec<(u32, u8)>)>,
}

impl WordCache {
    /// The index files of `site` (as [`super::files`]), reading only the pages that changed.
    pub fn files(&mut self, site: &Site) -> Vec<SearchFile> {
        let pages = searchable(site);
        let mut fresh: HashMap<String, (blake3::Hash, Vec<(u32, u8)>)> = HashMap::with_capacity(pages.len());
        let mut by_number: HashMap<u32, Vec<(u32, u8)>> = HashMap::new();
        for (id, p) in pages.iter().enumerate() {
            let print = fingerprint(p);
            let key = p.summary.path.clone();
            let words = match self.pages.remove(&key) {
                Some((old, words)) if old == print => words,
                _ => page_words(&doc(p)).into_iter().map(|(w, s)| (self.number(w), s)).collect(),
            };
            for &(w, s) in &words {
                by_number.entry(w).or_default().push((id as u32, s));
            }
            fresh.insert(key, (print, words));
        }
        self.pages = fresh;
        let postings: Postings = by_number.into_iter().map(|(n, p)| (self.words[n as usize].clone(), p)).collect();
        write(&pages, &postings)
    }

    fn number(&mut self, word: String) -> u32 {
        if let Some(&n) = self.numbers.get(&word) {
            return n;
        }
        let n = self.words.len() as u32;
        self.words.push(word.clone());
        self.numbers.insert(word, n);
        n
    }
}

/// What a page's words are read from.
fn fingerprint(p: &Page) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    let mut field = |s: &str| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(&p.summary.title);
    field(&p.content);
    let mut toc = Vec::new();
    super::flatten(&p.toc, &mut toc);
    for t in &toc {
        field(t);
    }
    field("");
    for t in p.summary.tags.iter().chain(p.summary.taxonomies.values().flatten()) {
        field(&t.name);
    }
    h.finalize()
}
