//! "Did you mean" hints for misspelt keys and names.

/// The known word closest to `word` (edit distance at most 3), for "did you mean" hints.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    // A typo of a key's beginning (`paginte` for `paginate_by`) counts as close too.
    let score = |k: &str| {
        let prefix: String = k.chars().take(word.chars().count()).collect();
        levenshtein(word, k).min(levenshtein(word, &prefix) + 1)
    };
    known.iter().map(|k| (score(k), *k)).filter(|(d, _)| *d <= 3.min(word.len().max(1))).min().map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
