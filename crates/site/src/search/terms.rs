//! The words of a text as the search index keeps them, and as `js/search.js` folds a query:
//! decomposed (NFD), lowercased, combining marks dropped (so `resume` finds `résumé`), split
//! on anything that is not a letter or digit. Chinese and Japanese have no spaces between
//! words: a run of their characters is kept as its overlapping pairs (`東京都` → `東京`, `京都`),
//! which any query of two or more of those characters matches, and a lone one as itself.
//!
//! Keep in step with `fold` and `words` in `themes/default/static/js/search.js`.

use myblog_utils::is_combining_mark;

/// Words longer than this are not kept (hashes, base64, long URLs: nobody searches them).
pub const MAX_WORD_CHARS: usize = 32;

/// Calls `emit` with every word of `text`, in order (repeats included).
pub fn words(text: &str, mut emit: impl FnMut(&str)) {
    let decomposed;
    let text = if text.is_ascii() {
        text
    } else {
        decomposed = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(text);
        &decomposed
    };
    let mut word = String::with_capacity(32);
    let mut chars = 0usize;
    let mut ideographs: Vec<char> = Vec::new();
    let flush = |word: &mut String, chars: &mut usize, emit: &mut dyn FnMut(&str)| {
        if *chars >= 2 && *chars <= MAX_WORD_CHARS {
            emit(word);
        } else if *chars == 1 && word.chars().next().is_some_and(|c| c.is_numeric()) {
            // A lone digit is a word (`3 bedrooms`, `Part 2`); a lone letter is noise.
            emit(word);
        }
        word.clear();
        *chars = 0;
    };
    for c in text.chars() {
        if is_ideograph(c) {
            flush(&mut word, &mut chars, &mut emit);
            ideographs.push(c);
            continue;
        }
        if !ideographs.is_empty() && !is_combining_mark(c) {
            pairs(&ideographs, &mut emit);
            ideographs.clear();
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
            chars += 1;
        } else if c.is_ascii() {
            flush(&mut word, &mut chars, &mut emit);
        } else if is_combining_mark(c) {
            // Dropped: the accent of the letter before it.
        } else if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                if !is_combining_mark(l) {
                    word.push(l);
                    chars += 1;
                }
            }
        } else {
            flush(&mut word, &mut chars, &mut emit);
        }
    }
    flush(&mut word, &mut chars, &mut emit);
    if !ideographs.is_empty() {
        pairs(&ideographs, &mut emit);
    }
}

fn pairs(run: &[char], emit: &mut impl FnMut(&str)) {
    let mut buf = [0u8; 8];
    if run.len() == 1 {
        emit(run[0].encode_utf8(&mut buf));
        return;
    }
    for w in run.windows(2) {
        let mut s = String::with_capacity(8);
        s.push(w[0]);
        s.push(w[1]);
        emit(&s);
    }
}

/// Han (CJK unified ideographs and their extensions, compatibility ideographs), Hiragana and
/// Katakana: scripts written without spaces between words.
pub fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        words(text, |w| v.push(w.to_string()));
        v
    }

    #[test]
    fn words_are_folded_lowercased_and_split() {
        assert_eq!(all("Résumé of the NAÏVE café-owner, 2024!"), ["resume", "of", "the", "naive", "cafe", "owner", "2024"]);
        // Decomposed input (as macOS writes it) folds the same.
        assert_eq!(all("re\u{301}sume\u{301}"), ["resume"]);
        assert_eq!(all("Straße İstanbul Ελλάδα"), ["straße", "istanbul", "ελλαδα"]);
    }

    #[test]
    fn lone_letters_and_very_long_words_are_left_out_but_digits_stay() {
        assert_eq!(all("a b 3 x"), ["3"]);
        let long = "x".repeat(MAX_WORD_CHARS + 1);
        assert_eq!(all(&format!("keep {long} this")), ["keep", "this"]);
    }

    #[test]
    fn chinese_and_japanese_runs_become_pairs() {
        assert_eq!(all("東京都に行く"), ["東京", "京都", "都に", "に行", "行く"]);
        assert_eq!(all("Rust 是 好"), ["rust", "是", "好"]);
        assert_eq!(all("在Rust中"), ["在", "rust", "中"]);
    }
}
