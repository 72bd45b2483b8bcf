//! Which pages each word is on, and where on the page: the title counts most, then headings
//! and terms (tags), then the text.
//!
//! This reads every word of the site, so it is built for speed: each thread numbers the words
//! it meets (one hash lookup per word, no copy of a word already seen), keeps each word's
//! pages as it goes (a page's repeated word only adds its field to the page's entry), and the
//! threads' maps are merged once at the end.

use super::terms::{html_words, words};
use super::Doc;
use crate::model::Page;
use foldhash::fast::FixedState;
use rayon::prelude::*;
use std::collections::HashMap;

/// Field weights, one bit each, so a word's score on a page is the sum of the fields it is
/// in (title and text: 17). Headings and terms weigh the same and share a bit.
pub const TITLE: u8 = 16;
pub const HEADING: u8 = 4;
pub const TERM: u8 = 4;
pub const TEXT: u8 = 1;

/// Word → `(doc id, score)`, doc ids ascending.
pub type Postings = HashMap<String, Vec<(u32, u8)>>;

/// The words of some pages, numbered as first met.
#[derive(Default)]
pub struct Collector {
    numbers: HashMap<Box<str>, u32, FixedState>,
    words: Vec<Box<str>>,
    /// By word number: its pages.
    pages: Vec<Vec<(u32, u8)>>,
}

impl Collector {
    /// Adds page `id` (ids must come in ascending order to one collector).
    pub fn add(&mut self, id: u32, doc: &Doc<'_>) {
        let mut add = |w: &str, weight: u8| self.word(id, w, weight);
        words(doc.title, |w| add(w, TITLE));
        for h in &doc.headings {
            words(h, |w| add(w, HEADING));
        }
        for t in &doc.terms {
            words(t, |w| add(w, TERM));
        }
        html_words(doc.html, |w| add(w, TEXT));
    }

    fn word(&mut self, id: u32, word: &str, weight: u8) {
        let n = match self.numbers.get(word) {
            Some(&n) => n as usize,
            None => {
                let n = self.words.len();
                self.numbers.insert(word.into(), n as u32);
                self.words.push(word.into());
                self.pages.push(Vec::new());
                n
            }
        };
        let pages = &mut self.pages[n];
        match pages.last_mut() {
            Some((last, score)) if *last == id => *score |= weight,
            _ => pages.push((id, weight)),
        }
    }

    /// `other`'s pages (all after this one's) added to this one.
    fn merge(mut self, other: Collector) -> Collector {
        if self.words.is_empty() {
            return other;
        }
        for (word, mut pages) in other.words.into_iter().zip(other.pages) {
            match self.numbers.get(&word) {
                Some(&n) => self.pages[n as usize].append(&mut pages),
                None => {
                    self.numbers.insert(word.clone(), self.words.len() as u32);
                    self.words.push(word);
                    self.pages.push(pages);
                }
            }
        }
        self
    }

    pub fn into_postings(self) -> Postings {
        self.words
            .into_iter()
            .zip(self.pages)
            .map(|(w, mut p)| {
                // Runs are merged in order, but ids must be ascending whatever rayon does.
                if !p.is_sorted_by_key(|x| x.0) {
                    p.sort_unstable_by_key(|x| x.0);
                }
                (w.into_string(), p)
            })
            .collect()
    }
}

/// The words of one page with their score, sorted by word.
pub fn page_words(doc: &Doc<'_>) -> Vec<(String, u8)> {
    let mut c = Collector::default();
    c.add(0, doc);
    let mut v: Vec<(String, u8)> = c.into_postings().into_iter().map(|(w, p)| (w, p[0].1)).collect();
    v.sort_unstable();
    v
}

/// Every page's words merged, page order kept as doc ids.
pub fn postings(pages: &[&Page]) -> Postings {
    pages
        .par_iter()
        .enumerate()
        .fold(Collector::default, |mut c, (id, page)| {
            c.add(id as u32, &super::doc(page));
            c
        })
        .reduce(Collector::default, Collector::merge)
        .into_postings()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_scores_the_fields_it_is_in() {
        let doc =
            Doc { title: "Rust notes", headings: vec!["Setup".into()], terms: vec!["rust", "tools"], html: "<p>rust setup is quick</p>" };
        let w = page_words(&doc);
        let get = |k: &str| w.iter().find(|(x, _)| x == k).map(|(_, s)| *s);
        assert_eq!(get("rust"), Some(TITLE + HEADING + TEXT));
        assert_eq!(get("notes"), Some(TITLE));
        assert_eq!(get("setup"), Some(HEADING + TEXT));
        assert_eq!(get("tools"), Some(TERM));
        assert_eq!(get("quick"), Some(TEXT));
        assert_eq!(get("is"), Some(TEXT));
    }

    #[test]
    fn collectors_merge_in_page_order() {
        let doc = |html| Doc { title: "", headings: vec![], terms: vec![], html };
        let mut a = Collector::default();
        a.add(0, &doc("alpha beta"));
        a.add(1, &doc("beta beta"));
        let mut b = Collector::default();
        b.add(2, &doc("gamma beta"));
        let p = a.merge(b).into_postings();
        assert_eq!(p["beta"], vec![(0, TEXT), (1, TEXT), (2, TEXT)]);
        assert_eq!(p["alpha"], vec![(0, TEXT)]);
        assert_eq!(p["gamma"], vec![(2, TEXT)]);
    }
}
