//! Word count and reading time.

const WORDS_PER_MINUTE: usize = 220;

/// Words for reading time: runs of letters separated by spaces, except in scripts written
/// without spaces (Chinese, Japanese, Thai...), where each character reads like a word.
pub fn count_words(text: &str) -> usize {
    // One pass over bytes: this runs over every word of every post, and the char-by-char
    // version cost a sixth of a whole build. ASCII decides on the byte; only other characters
    // are decoded.
    let bytes = text.as_bytes();
    if text.is_ascii() {
        // Most text is: a word starts at each non-space byte after a space, counted without
        // branches so the loop vectorises.
        let space = |b: u8| b == b' ' || b.wrapping_sub(b'\t') < 5;
        let Some(&first) = bytes.first() else { return 0 };
        return usize::from(!space(first)) + bytes.iter().zip(&bytes[1..]).map(|(&a, &b)| usize::from(space(a) & !space(b))).sum::<usize>();
    }
    let mut n = 0;
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if matches!(b, b' ' | b'\t'..=b'\r') {
                in_word = false;
            } else if !in_word {
                n += 1;
                in_word = true;
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("a char starts at a char boundary");
        if c.is_whitespace() {
            in_word = false;
        } else if is_unspaced_script(c) {
            n += 1;
            in_word = false;
        } else if !in_word {
            n += 1;
            in_word = true;
        }
        i += c.len_utf8();
    }
    n
}

pub(super) fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x2FFFF // CJK extensions B-F
    )
}

/// Minutes to read `words` words, at least one.
pub(super) fn reading_time(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}
