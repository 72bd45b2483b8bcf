//! The expansion of a body: every call found, its body expanded first, rendered, and its
//! output put into the text (as is, or as a placeholder when markdown must not read it).

use super::call::{Form, Token};
use super::error::{shortcode_hint, ShortcodeError};
use super::expansion::{Expansion, Out, PLACEHOLDER};
use super::scan::{code_ranges, find_close, may_contain, scan};
use super::templates::{PageInfo, Shortcodes};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

impl Shortcodes {
    /// Expands every shortcode of the markdown `body` (see the module's comment).
    pub fn expand<'a>(&self, body: &'a str, page: &PageInfo<'_>) -> std::result::Result<Expansion<'a>, Vec<ShortcodeError>> {
        self.expand_in(body, page, Markup::Markdown)
    }

    /// Expands every shortcode of an HTML body (Hugo's `.html` content files), as Hugo does:
    /// everywhere (there is no markdown code to keep literal; escapes still work), every output
    /// put in as written (`{{% %}}` output too: nothing reads it as markdown).
    pub fn expand_html<'a>(&self, body: &'a str, page: &PageInfo<'_>) -> std::result::Result<Expansion<'a>, Vec<ShortcodeError>> {
        self.expand_in(body, page, Markup::Html)
    }

    fn expand_in<'a>(&self, body: &'a str, page: &PageInfo<'_>, markup: Markup) -> std::result::Result<Expansion<'a>, Vec<ShortcodeError>> {
        if !may_contain(body) {
            return Ok(Expansion { text: Cow::Borrowed(body), pieces: Vec::new(), map: Vec::new() });
        }
        let (code, nest) = match markup {
            Markup::Markdown => (code_ranges(body), Nest { skip_code: true, raw: false }),
            Markup::Html => (Vec::new(), Nest { skip_code: false, raw: true }),
        };
        let mut out = Out { text: String::with_capacity(body.len() + 64), map: Vec::new() };
        let mut pieces = Vec::new();
        let mut errors = Vec::new();
        let mut nth: HashMap<String, usize> = HashMap::new();
        let mut run = Run { sc: self, src: body, code: &code, page, pieces: &mut pieces, errors: &mut errors, nth: &mut nth };
        run.expand(0..body.len(), &mut out, nest);
        if !errors.is_empty() {
            return Err(errors);
        }
        if out.map.iter().all(|m| m.2) && out.text == body {
            return Ok(Expansion { text: Cow::Borrowed(body), pieces, map: Vec::new() });
        }
        Ok(Expansion { text: Cow::Owned(out.text), pieces, map: out.map })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    Markdown,
    Html,
}

/// How a stretch of text is expanded.
#[derive(Debug, Clone, Copy)]
struct Nest {
    /// Shortcodes in markdown code stay literal (the page's own text only: a shortcode's body
    /// is not markdown yet).
    skip_code: bool,
    /// Outputs go in as written, never as placeholders: nothing reads this text as markdown
    /// (an HTML page), or the text is a Zola shortcode's body, into which Zola puts its inner
    /// shortcodes' output as is, whatever their kind.
    raw: bool,
}

/// The state of one body's expansion.
struct Run<'s, 'p> {
    sc: &'s Shortcodes,
    src: &'s str,
    code: &'s [Range<usize>],
    page: &'s PageInfo<'p>,
    pieces: &'s mut Vec<String>,
    errors: &'s mut Vec<ShortcodeError>,
    nth: &'s mut HashMap<String, usize>,
}

impl Run<'_, '_> {
    fn in_code(&self, at: usize) -> bool {
        let i = self.code.partition_point(|r| r.start <= at);
        i > 0 && self.code[i - 1].contains(&at)
    }

    fn expand(&mut self, range: Range<usize>, out: &mut Out, nest: Nest) {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut copied = range.start;
        let mut pos = range.start;
        while pos < range.end {
            let Some(i) = memchr::memchr(b'{', &bytes[pos..range.end]) else { break };
            let at = pos + i;
            if !matches!(bytes.get(at + 1), Some(b'{') | Some(b'%')) {
                pos = at + 1;
                continue;
            }
            let in_code = nest.skip_code && self.in_code(at);
            let token = match scan(src, at, range.end, self.sc.syntaxes) {
                Ok(t) => t,
                Err(message) if !in_code => {
                    self.errors.push(ShortcodeError { offset: at, message, hint: shortcode_hint(src, at) });
                    return;
                }
                Err(_) => Token::Text,
            };
            match token {
                Token::Text => pos = at + 2,
                Token::Escape { end, literal } => {
                    out.copy(src, copied..at);
                    out.put(&literal, at);
                    pos = end;
                    copied = end;
                }
                _ if in_code => pos = at + 2,
                Token::Close { name, .. } => {
                    self.errors.push(ShortcodeError {
                        offset: at,
                        message: format!("closing tag of shortcode `{name}` without an opening one"),
                        hint: format!("open it before with {{{{< {name} >}}}}, or remove this closing tag"),
                    });
                    return;
                }
                Token::End { .. } => {
                    self.errors.push(ShortcodeError {
                        offset: at,
                        message: "`{% end %}` without a shortcode to close".into(),
                        hint: "a body shortcode opens with {% name(...) %}; remove this `{% end %}` or add the opening tag".into(),
                    });
                    return;
                }
                Token::Open(call) => {
                    let close = if call.self_closing || call.form == Form::ZolaInline {
                        None
                    } else {
                        find_close(src, &call, range.end, self.sc.syntaxes)
                    };
                    if call.form == Form::ZolaBlock && close.is_none() {
                        self.errors.push(ShortcodeError {
                            offset: at,
                            message: format!("shortcode `{}` is never closed", call.name),
                            hint: "end its body with {% end %}".into(),
                        });
                        return;
                    }
                    // Counted in the order the tags open, a parent before its children (Zola's
                    // `nth` once shortcodes nest).
                    let n = {
                        let c = self.nth.entry(call.name.clone()).or_insert(0);
                        *c += 1;
                        *c
                    };
                    let body = close.as_ref().map(|(start, _)| {
                        let inner = call.tag.end..*start;
                        if may_contain(&src[inner.clone()]) {
                            // Shortcodes nest, in Hugo and (getzola/zola#2748) in Zola: the inner ones
                            // are expanded first, and the parent gets their output in its body.
                            let raw = nest.raw || call.form == Form::ZolaBlock;
                            let mut sub = Out { text: String::new(), map: Vec::new() };
                            self.expand(inner, &mut sub, Nest { skip_code: false, raw });
                            sub.text
                        } else {
                            src[inner].to_string()
                        }
                    });
                    if !self.errors.is_empty() {
                        return;
                    }
                    let end = close.map(|(_, e)| e).unwrap_or(call.tag.end);
                    let html = match self.sc.render(&call, body.as_deref(), self.page, n) {
                        Ok(h) => h,
                        Err(e) => {
                            self.errors.push(e);
                            return;
                        }
                    };
                    out.copy(src, copied..at);
                    if nest.raw && has_markup(&html) {
                        out.put(&html, at);
                    } else if call.form == Form::HugoMarkdown || !has_markup(&html) {
                        out.put(if call.form == Form::HugoMarkdown { &html } else { html.trim() }, at);
                    } else {
                        out.put(&format!("{PLACEHOLDER}{}-->", self.pieces.len()), at);
                        self.pieces.push(html);
                    }
                    pos = end;
                    copied = end;
                }
            }
        }
        out.copy(src, copied..range.end);
    }
}

/// Whether output must stay out of the markdown. A bare URL or word (`ref`'s output) goes in
/// as text, so it can sit inside a link's `(...)`; anything with markup or markdown syntax is
/// HTML that markdown must not touch.
fn has_markup(s: &str) -> bool {
    s.trim().contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '&' | '*' | '[' | ']' | '(' | ')' | '!' | '`' | '\\'))
}
