//! Which pages each word is on, and where on the page: the title counts most, then headings
//! and terms (tags), then the text.

use super::terms::words;
use super::Doc;
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

/// The words of one page with their score, sorted by word.
pub fn page_words(doc: &Doc) -> Vec<(String, u8)> {
    let mut scores: HashMap<String, u8> = HashMap::new();
    let mut add = |text: &str, weight: u8| {
        words(text, |w| {
            if let Some(s) = scores.get_mut(w) {
                *s |= weight;
            } else {
                scores.insert(w.to_string(), weight);
            }
        })
    };
    add(&doc.title, TITLE);
    for h in &doc.headings {
        add(h, HEADING);
    }
    for t in &doc.terms {
        add(t, TERM);
    }
    add(&doc.text, TEXT);
    let mut v: Vec<(String, u8)> = scores.into_iter().collect();
    v.sort_unstable();
    v
}

/// Every page's words merged, page order kept as doc ids. Each thread folds its run of pages
/// into one map (so no page's word list outlives its page), and the maps are merged in order.
pub fn postings(docs: &[Doc]) -> Postings {
    let mut all = docs
        .par_iter()
        .enumerate()
        .fold(Postings::new, |mut map, (id, doc)| {
            for (w, s) in page_words(doc) {
                map.entry(w).or_default().push((id as u32, s));
            }
            map
        })
        .reduce(Postings::new, |mut left, right| {
            for (w, mut p) in right {
                left.entry(w).or_default().append(&mut p);
            }
            left
        });
    // `reduce` keeps the runs' order, but ids must be ascending whatever it does.
    for p in all.values_mut() {
        if !p.is_sorted_by_key(|x| x.0) {
            p.sort_unstable_by_key(|x| x.0);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, headings: &[&str], terms: &[&str], text: &str) -> Doc {
        Doc {
            path: "/x/".into(),
            title: title.into(),
            date: None,
            description: String::new(),
            headings: headings.iter().map(|s| s.to_string()).collect(),
            terms: terms.iter().map(|s| s.to_string()).collect(),
            text: text.into(),
        }
    }

    #[test]
    fn a_word_scores_the_fields_it_is_in() {
        let w = page_words(&doc("Rust notes", &["Setup"], &["rust", "tools"], "rust setup is quick"));
        let get = |k: &str| w.iter().find(|(x, _)| x == k).map(|(_, s)| *s);
        assert_eq!(get("rust"), Some(TITLE + HEADING + TEXT));
        assert_eq!(get("notes"), Some(TITLE));
        assert_eq!(get("setup"), Some(HEADING + TEXT));
        assert_eq!(get("tools"), Some(TERM));
        assert_eq!(get("quick"), Some(TEXT));
        assert_eq!(get("is"), Some(TEXT));
    }

    #[test]
    fn postings_list_pages_in_order() {
        let p = postings(&[doc("a", &[], &[], "alpha beta"), doc("b", &[], &[], "beta")]);
        assert_eq!(p["beta"], vec![(0, TEXT), (1, TEXT)]);
        assert_eq!(p["alpha"], vec![(0, TEXT)]);
    }
}
