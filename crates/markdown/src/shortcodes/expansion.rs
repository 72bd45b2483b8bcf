//! The expanded text of a body: where its offsets came from, and the placeholders that
//! `finish` swaps for the shortcodes' HTML once the markdown is rendered.

use std::borrow::Cow;
use std::ops::Range;

pub(super) const PLACEHOLDER: &str = "<!--msc:";

/// The expanded text, and what `finish` needs to complete the rendered HTML.
pub struct Expansion<'a> {
    pub text: Cow<'a, str>,
    /// HTML of each placeholder, by number.
    pub(super) pieces: Vec<String>,
    /// (offset in the expanded text, offset in the source, whether copied verbatim from there).
    pub(super) map: Vec<(usize, usize, bool)>,
}

impl Expansion<'_> {
    /// Where an offset of the expanded text was in the body as written.
    pub fn source_offset(&self, offset: usize) -> usize {
        let i = self.map.partition_point(|(e, _, _)| *e <= offset);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some((e, s, true)) => s + (offset - e),
            Some((_, s, false)) => s,
            None => offset,
        }
    }

    /// Swaps the placeholders in rendered HTML for the shortcodes' output.
    pub fn finish(&self, html: &str) -> String {
        if self.pieces.is_empty() || !html.contains(PLACEHOLDER) {
            return html.to_string();
        }
        let mut out = String::with_capacity(html.len() + self.pieces.iter().map(String::len).sum::<usize>());
        self.substitute(html, &mut out, 0);
        out
    }

    fn substitute(&self, html: &str, out: &mut String, depth: usize) {
        let mut rest = html;
        while let Some(i) = rest.find(PLACEHOLDER) {
            out.push_str(&rest[..i]);
            let tail = &rest[i + PLACEHOLDER.len()..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            match (tail[..digits].parse::<usize>().ok().and_then(|n| self.pieces.get(n)), tail[digits..].strip_prefix("-->")) {
                // Nested shortcodes put placeholders in their parent's output; never deeper
                // than the number of pieces, so a piece cannot expand itself forever.
                (Some(piece), Some(after)) if depth <= self.pieces.len() => {
                    self.substitute(piece, out, depth + 1);
                    rest = after;
                }
                _ => {
                    out.push_str(PLACEHOLDER);
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
    }
}

/// The expanded text being built.
pub(super) struct Out {
    pub(super) text: String,
    pub(super) map: Vec<(usize, usize, bool)>,
}

impl Out {
    pub(super) fn copy(&mut self, src: &str, r: Range<usize>) {
        if r.start < r.end {
            self.map.push((self.text.len(), r.start, true));
            self.text.push_str(&src[r]);
        }
    }
    pub(super) fn put(&mut self, s: &str, at: usize) {
        self.map.push((self.text.len(), at, false));
        self.text.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back() {
        let e = Expansion { text: Cow::Borrowed(""), pieces: vec![], map: vec![(0, 0, true), (5, 5, false), (9, 30, true)] };
        assert_eq!(e.source_offset(3), 3);
        assert_eq!(e.source_offset(7), 5);
        assert_eq!(e.source_offset(12), 33);
    }

    #[test]
    fn placeholders_nest() {
        let e = Expansion { text: Cow::Borrowed(""), pieces: vec!["<b>in</b>".into(), "<div><!--msc:0--></div>".into()], map: vec![] };
        assert_eq!(e.finish("<p><!--msc:1--> and <!--msc:9--></p>"), "<p><div><b>in</b></div> and <!--msc:9--></p>");
    }
}
