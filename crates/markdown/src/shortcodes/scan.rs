//! Finding shortcode tags in a body: which syntaxes are read, the cheap check, code that
//! stays literal, the tag at an offset and the closing tag of a call.

use super::call::{Call, Form, Token};
use super::hugo::scan_hugo;
use super::zola::scan_zola;
use myblog_config::Dialect;
use std::ops::Range;

/// Which syntaxes a site's pages are read with: a Zola site never meant `{{<` as a shortcode,
/// a Hugo site never meant `{{ x() }}`; a myblog site reads both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntaxes {
    pub zola: bool,
    pub hugo: bool,
}

impl Syntaxes {
    pub fn for_dialect(d: Dialect) -> Syntaxes {
        match d {
            Dialect::Myblog => Syntaxes { zola: true, hugo: true },
            Dialect::Zola => Syntaxes { zola: true, hugo: false },
            Dialect::Hugo => Syntaxes { zola: false, hugo: true },
        }
    }
}

/// Whether a body may hold a shortcode at all: one pass of memchr over the bytes, so a page
/// without `{{` or `{%` pays nothing more.
pub fn may_contain(body: &str) -> bool {
    let b = body.as_bytes();
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'{', &b[at..]) {
        let j = at + i + 1;
        if matches!(b.get(j), Some(b'{') | Some(b'%')) {
            return true;
        }
        at = j;
    }
    false
}

/// Byte ranges of code (fenced and indented blocks, inline code): shortcodes there stay text.
pub(super) fn code_ranges(body: &str) -> Vec<Range<usize>> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut out = Vec::new();
    for (ev, r) in Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES).into_offset_iter() {
        match ev {
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => out.push(r),
            _ => {}
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// The closing tag matching `call` (its start and end), counting nested calls of the same name.
pub(super) fn find_close(src: &str, call: &Call, limit: usize, syntaxes: Syntaxes) -> Option<(usize, usize)> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut pos = call.tag.end;
    while pos < limit {
        let i = memchr::memchr(b'{', &bytes[pos..limit])?;
        let at = pos + i;
        match scan(src, at, limit, syntaxes) {
            Ok(Token::Open(c)) => {
                let nests = match call.form {
                    Form::ZolaBlock => c.form == Form::ZolaBlock,
                    _ => c.name == call.name && !c.self_closing && matches!(c.form, Form::HugoHtml | Form::HugoMarkdown),
                };
                if nests {
                    depth += 1;
                }
                pos = c.tag.end;
            }
            Ok(Token::Close { name, end }) if call.form != Form::ZolaBlock && name == call.name => {
                if depth == 0 {
                    return Some((at, end));
                }
                depth -= 1;
                pos = end;
            }
            Ok(Token::End { end }) if call.form == Form::ZolaBlock => {
                if depth == 0 {
                    return Some((at, end));
                }
                depth -= 1;
                pos = end;
            }
            Ok(Token::Escape { end, .. }) | Ok(Token::Close { end, .. }) | Ok(Token::End { end }) => pos = end,
            _ => pos = at + 1,
        }
    }
    None
}

/// Reads the tag starting at `at` (which starts with `{{` or `{%`).
pub(super) fn scan(src: &str, at: usize, limit: usize, syntaxes: Syntaxes) -> std::result::Result<Token, String> {
    let s = &src[at..limit];
    if syntaxes.hugo && (s.starts_with("{{<") || s.starts_with("{{%")) {
        return scan_hugo(s, at);
    }
    if syntaxes.zola {
        return scan_zola(s, at);
    }
    Ok(Token::Text)
}

pub(super) fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or(s);
    match line.char_indices().nth(60) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// Also the helpers the Hugo and Zola tag tests share.
#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::shortcodes) fn call(s: &str) -> Token {
        scan(s, 0, s.len(), Syntaxes { zola: true, hugo: true }).unwrap()
    }

    pub(in crate::shortcodes) fn open(s: &str) -> Call {
        match call(s) {
            Token::Open(c) => c,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn the_memchr_check() {
        assert!(!may_contain("no { shortcodes } here"));
        assert!(may_contain("a {{< x >}}"));
        assert!(may_contain("a {% x() %}"));
    }
}
