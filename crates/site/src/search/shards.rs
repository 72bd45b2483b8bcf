//! The index cut into files a reader's browser fetches only as a query needs them. Words are
//! grouped by their first two characters (the first one for Chinese and Japanese, whose words
//! are pairs); a group bigger than `SPLIT_BYTES` is split by one more character, again and
//! again, so a query downloads only the words that share its beginning. Small groups next to
//! each other in order are packed into one file of about `FILE_BYTES`, so a site does not
//! become thousands of tiny files. `index.json` maps each group's prefix to its file.

use super::postings::Postings;
use super::terms::is_ideograph;
use std::collections::BTreeMap;

/// A group of words past this many bytes is split by one more character.
pub const SPLIT_BYTES: usize = 32 * 1024;
/// Groups are packed into files of about this many bytes.
pub const FILE_BYTES: usize = 16 * 1024;

/// One file's words: word → its postings, encoded (see [`encode`]).
pub type WordFile = BTreeMap<String, String>;

/// The word files, and each group prefix's file (by index), prefixes sorted.
pub fn shard(postings: &Postings) -> (Vec<WordFile>, Vec<(String, usize)>) {
    let mut words: Vec<(&str, String)> = postings.iter().map(|(w, p)| (w.as_str(), encode(p))).collect();
    words.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut groups: Vec<(String, Vec<(&str, String)>)> = Vec::new();
    split(words, 0, &mut groups);
    let mut files: Vec<WordFile> = Vec::new();
    let mut keys = Vec::with_capacity(groups.len());
    let mut current_bytes = 0;
    for (key, words) in groups {
        let bytes: usize = words.iter().map(|(w, p)| entry_bytes(w, p)).sum();
        if files.is_empty() || (current_bytes > 0 && current_bytes + bytes > FILE_BYTES) {
            files.push(WordFile::new());
            current_bytes = 0;
        }
        current_bytes += bytes;
        let file = files.last_mut().expect("a file was just pushed");
        file.extend(words.into_iter().map(|(w, p)| (w.to_string(), p)));
        keys.push((key, files.len() - 1));
    }
    (files, keys)
}

/// Groups `words` (sorted) by their prefix at `depth` splits (see `key`), splitting groups
/// past `SPLIT_BYTES` further.
fn split<'a>(words: Vec<(&'a str, String)>, depth: usize, out: &mut Vec<(String, Vec<(&'a str, String)>)>) {
    let mut by_key: Vec<(String, Vec<(&'a str, String)>)> = Vec::new();
    for (w, p) in words {
        let k = key(w, depth);
        match by_key.last_mut() {
            Some((last, group)) if *last == k => group.push((w, p)),
            _ => by_key.push((k, vec![(w, p)])),
        }
    }
    for (k, group) in by_key {
        let bytes: usize = group.iter().map(|(w, p)| entry_bytes(w, p)).sum();
        let klen = k.chars().count();
        if bytes <= SPLIT_BYTES || !group.iter().any(|(w, _)| w.chars().count() > klen) {
            out.push((k, group));
            continue;
        }
        // The words that are the prefix itself stay in a group of their own; the longer
        // ones are split by their next character.
        let (exact, longer): (Vec<_>, Vec<_>) = group.into_iter().partition(|(w, _)| w.chars().count() <= klen);
        if !exact.is_empty() {
            out.push((k, exact));
        }
        split(longer, depth + 1, out);
    }
}

/// The prefix a word is grouped by at `depth` splits.
fn key(word: &str, depth: usize) -> String {
    let first = if word.chars().next().is_some_and(is_ideograph) { 1 } else { 2 };
    word.chars().take(first + depth).collect()
}

fn entry_bytes(word: &str, postings: &str) -> usize {
    word.len() + postings.len() + 6
}

/// Postings as text: `,`-separated entries, each the doc id's distance from the previous
/// entry's in base 36, then `:` and the score in base 36 unless it is 1 (text only).
/// `[(0, 17), (3, 1), (40, 1)]` → `0:h,3,11`.
pub fn encode(postings: &[(u32, u8)]) -> String {
    let mut s = String::with_capacity(postings.len() * 3);
    let mut prev = 0;
    for (i, &(id, score)) in postings.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        base36(id - prev, &mut s);
        prev = id;
        if score != 1 {
            s.push(':');
            base36(score as u32, &mut s);
        }
    }
    s
}

fn base36(mut n: u32, out: &mut String) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 8];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ascii digits"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn postings_are_deltas_in_base_36() {
        assert_eq!(encode(&[(0, 17), (3, 1), (40, 1)]), "0:h,3,11");
        assert_eq!(encode(&[(5, 4)]), "5:4");
    }

    #[test]
    fn small_groups_share_a_file_and_big_ones_are_split() {
        let mut p: Postings = HashMap::new();
        p.insert("rust".into(), vec![(0, 1)]);
        p.insert("ruby".into(), vec![(1, 1)]);
        p.insert("go".into(), vec![(1, 16)]);
        let (files, keys) = shard(&p);
        assert_eq!(files.len(), 1);
        assert_eq!(keys, vec![("go".to_string(), 0), ("ru".to_string(), 0)]);

        // "the…" words on every one of 4,000 pages: far past SPLIT_BYTES together.
        let every: Vec<(u32, u8)> = (0..4000).map(|i| (i, 1)).collect();
        let mut p: Postings = HashMap::new();
        for w in ["th", "the", "then", "there", "this", "that", "thus", "thin"] {
            p.insert(w.into(), every.clone());
        }
        let (files, keys) = shard(&p);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["th", "tha", "the", "thi", "thu"], "split by the third character, `th` alone");
        for f in &files {
            let bytes: usize = f.iter().map(|(w, p)| entry_bytes(w, p)).sum();
            assert!(bytes <= SPLIT_BYTES * 2, "{bytes}");
        }
        // Every word is in the file its group names.
        for w in ["th", "the", "then", "there", "this", "that", "thus", "thin"] {
            let (_, f) = keys.iter().filter(|(k, _)| w.starts_with(k.as_str())).max_by_key(|(k, _)| k.len()).unwrap();
            assert!(files[*f].contains_key(w), "{w}");
        }
    }

    #[test]
    fn chinese_words_group_by_their_first_character() {
        let mut p: Postings = HashMap::new();
        p.insert("東京".into(), vec![(0, 1)]);
        p.insert("東西".into(), vec![(1, 1)]);
        p.insert("京都".into(), vec![(1, 1)]);
        let (_, keys) = shard(&p);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["京", "東"]);
    }
}
