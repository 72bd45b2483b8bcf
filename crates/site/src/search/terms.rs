//! The words of a text as the search index keeps them, and as `js/search.js` folds a query:
//! decomposed (NFD), lowercased, combining marks dropped (so `resume` finds `résumé`), split
//! on anything that is not a letter or digit. Chinese and Japanese have no spaces between
//! words: a run of their characters is kept as its overlapping pairs (`東京都` → `東京`, `京都`),
//! which any query of two or more of those characters matches, and a lone one as itself.
//!
//! A page's text is read straight from its HTML (tags, scripts and styles skipped, character
//! references decoded) without copying it first: this runs over every word of the site.
//!
//! Keep in step with `words` in `themes/default/static/js/search.js`.

use myblog_utils::is_combining_mark;

/// Words longer than this are not kept (hashes, base64, long URLs: nobody searches them).
pub const MAX_WORD_CHARS: usize = 32;

/// Elements whose content is not text a reader reads.
const SKIPPED: [&str; 4] = ["script", "style", "template", "svg"];

/// Calls `emit` with every word of `text`, in order (repeats included).
pub fn words(text: &str, mut emit: impl FnMut(&str)) {
    let mut t = Tokenizer::default();
    for c in text.chars() {
        t.push(c, &mut emit);
    }
    t.finish(&mut emit);
}

/// [`words`] of the text of an HTML fragment.
pub fn html_words(html: &str, mut emit: impl FnMut(&str)) {
    let mut t = Tokenizer::default();
    let bytes = html.as_bytes();
    let mut lower = [0u8; MAX_WORD_CHARS];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() && t.is_between_words() {
            // The common case, a word of ASCII letters and digits between ASCII separators:
            // emitted from the bytes, without the character-by-character path below.
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if i == bytes.len() || (bytes[i].is_ascii() && bytes[i] != b'&') {
                emit_ascii(&bytes[start..i], &mut lower, &mut emit);
            } else {
                // Runs into a letter like `é`: the slow path takes the word from its start.
                for &b in &bytes[start..i] {
                    t.push(b as char, &mut emit);
                }
            }
            continue;
        }
        match b {
            b'<' => {
                // A tag ends a word (`<p>a</p><p>b</p>` is two).
                t.push(' ', &mut emit);
                i = after_tag(html, i);
            }
            b'&' => {
                // A character reference: `&amp;`, `&#233;`.
                let tail = &html[i..];
                let end = tail.as_bytes()[..tail.len().min(12)].iter().position(|&b| b == b';');
                match end.map(|e| (e, myblog_utils::unescape_html(&tail[..=e]))) {
                    Some((e, decoded)) if !decoded.starts_with('&') || decoded.len() == 1 => {
                        for c in decoded.chars() {
                            t.push(c, &mut emit);
                        }
                        i += e + 1;
                    }
                    _ => {
                        t.push('&', &mut emit);
                        i += 1;
                    }
                }
            }
            b if b.is_ascii() => {
                t.push(b as char, &mut emit);
                i += 1;
            }
            _ => {
                let c = html[i..].chars().next().expect("a char starts here");
                t.push(c, &mut emit);
                i += c.len_utf8();
            }
        }
    }
    t.finish(&mut emit);
}

/// A word of ASCII letters and digits, lowercased, if it is one the index keeps.
fn emit_ascii(word: &[u8], lower: &mut [u8; MAX_WORD_CHARS], emit: &mut impl FnMut(&str)) {
    let keep = (2..=MAX_WORD_CHARS).contains(&word.len()) || (word.len() == 1 && word[0].is_ascii_digit());
    if !keep {
        return;
    }
    let out = &mut lower[..word.len()];
    for (o, b) in out.iter_mut().zip(word) {
        *o = b.to_ascii_lowercase();
    }
    emit(std::str::from_utf8(out).expect("ASCII"));
}

/// Where the text goes on after the tag at `lt` (after its element's end for skipped elements).
fn after_tag(html: &str, lt: usize) -> usize {
    let tag = &html[lt + 1..];
    let Some(gt) = tag.find('>') else {
        return html.len();
    };
    let name_end = tag.bytes().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(tag.len());
    let name = &tag[..name_end];
    let next = lt + 1 + gt + 1;
    match SKIPPED.iter().find(|s| s.eq_ignore_ascii_case(name)).filter(|_| !tag[..gt].ends_with('/')) {
        Some(skipped) => {
            let rest = &html[next..];
            match find_ignore_case(rest, &format!("</{skipped}")) {
                Some(i) => rest[i..].find('>').map_or(html.len(), |g| next + i + g + 1),
                None => html.len(),
            }
        }
        None => next,
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Words built one character at a time.
#[derive(Default)]
struct Tokenizer {
    word: String,
    chars: usize,
    ideographs: Vec<char>,
}

impl Tokenizer {
    /// No word or run of ideographs is under way.
    fn is_between_words(&self) -> bool {
        self.chars == 0 && self.ideographs.is_empty()
    }

    fn push(&mut self, c: char, emit: &mut impl FnMut(&str)) {
        if c.is_ascii() {
            self.folded(c, emit);
            return;
        }
        // Decomposed one character at a time: the same as decomposing the text, but for the
        // order of combining marks, which are dropped.
        let nfd = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd();
        for d in nfd.normalize_iter(std::iter::once(c)) {
            self.folded(d, emit);
        }
    }

    /// One character of the decomposed text.
    fn folded(&mut self, c: char, emit: &mut impl FnMut(&str)) {
        if c.is_ascii_alphanumeric() {
            self.pairs(emit);
            self.word.push(c.to_ascii_lowercase());
            self.chars += 1;
        } else if c.is_ascii() {
            self.pairs(emit);
            self.end_word(emit);
        } else if is_combining_mark(c) {
            // Dropped: the accent of the letter before it.
        } else if is_ideograph(c) {
            self.end_word(emit);
            self.ideographs.push(c);
        } else if c.is_alphanumeric() {
            self.pairs(emit);
            for l in c.to_lowercase() {
                if !is_combining_mark(l) {
                    self.word.push(l);
                    self.chars += 1;
                }
            }
        } else {
            self.pairs(emit);
            self.end_word(emit);
        }
    }

    fn end_word(&mut self, emit: &mut impl FnMut(&str)) {
        let keep = (self.chars >= 2 && self.chars <= MAX_WORD_CHARS)
            // A lone digit is a word (`3 bedrooms`, `Part 2`); a lone letter is noise.
            || (self.chars == 1 && self.word.chars().next().is_some_and(|c| c.is_numeric()));
        if keep {
            emit(&self.word);
        }
        self.word.clear();
        self.chars = 0;
    }

    /// Ends a run of ideographs: its pairs, or the lone one.
    fn pairs(&mut self, emit: &mut impl FnMut(&str)) {
        if self.ideographs.is_empty() {
            return;
        }
        let mut s = String::with_capacity(8);
        if self.ideographs.len() == 1 {
            s.push(self.ideographs[0]);
            emit(&s);
        }
        for w in self.ideographs.windows(2) {
            s.clear();
            s.push(w[0]);
            s.push(w[1]);
            emit(&s);
        }
        self.ideographs.clear();
    }

    fn finish(&mut self, emit: &mut impl FnMut(&str)) {
        self.pairs(emit);
        self.end_word(emit);
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

    fn html(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        html_words(text, |w| v.push(w.to_string()));
        v
    }

    #[test]
    fn words_are_folded_lowercased_and_split() {
        assert_eq!(all("Résumé of the NAÏVE café-owner, 2024!"), ["resume", "of", "the", "naive", "cafe", "owner", "2024"]);
        // Decomposed input (as macOS writes it) folds the same.
        assert_eq!(all("re\u{301}sume\u{301}"), ["resume"]);
        assert_eq!(all("Straße İstanbul Ελλάδα “quoted” — dash"), ["straße", "istanbul", "ελλαδα", "quoted", "dash"]);
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

    #[test]
    fn html_text_without_tags_scripts_and_styles_and_with_references_decoded() {
        let w = html("<p>Fish &amp; chips</p><script>var hidden = 1;</script><STYLE>p{}</Style><p>caf&#233;<br/>end &bogus stop</p>");
        assert_eq!(w, ["fish", "chips", "cafe", "end", "bogus", "stop"]);
        assert_eq!(html("<p>a</p><p>b</p>two<em>words</em>"), ["two", "words"]);
        assert_eq!(html("ok <b"), ["ok"]);
        assert_eq!(html("ok <script>x"), ["ok"]);
    }
}
