//! Shortcodes: Zola's `{{ name(k=v) }}` and `{% name(k=v) %}body{% end %}`, Hugo's
//! `{{< name k="v" >}}`, `{{< name pos >}}`, `{{% name %}}` (output read as markdown),
//! `{{< name >}}body{{< /name >}}` and `{{< name />}}`, rendered through the theme's
//! `templates/shortcodes/NAME.html` (tera) before the markdown is read.
//!
//! Expansion happens on the markdown text, so three things are kept:
//! - code stays literal: a shortcode starting inside a fenced or indented code block or inline
//!   code is not expanded (the escapes `{{/* x() */}}` and `{{</* x */>}}` are unescaped
//!   everywhere, so a post can show a shortcode's source);
//! - HTML output is never read as markdown (Hugo's `{{< >}}` rule): it enters the text as a
//!   placeholder comment that `finish` swaps for the HTML once the markdown is rendered. Output
//!   without markup (a URL from `ref`) goes straight into the text, so it works inside a link;
//! - errors keep their place: `Expansion::source_offset` maps an offset of the expanded text
//!   back to the body as written.
//!
//! Shortcodes nest: a body's shortcodes are expanded first (Hugo's rule, and Zola's since
//! getzola/zola#2748, where the inner output goes into the body as written). Output is never
//! scanned again for shortcodes (Hugo 0.168 neither, `{{% %}}` included).

use crate::markdown;
use crate::markdown::Location;
use crate::markdown::MarkdownOptions;
use crate::markdown::Resolved;
use crate::markdown::Resolver;
use myblog_config::Dialect;
use myblog_content::Assets;
use myblog_content::LinkIndex;
use serde::Serialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;
use tera::{Context, Tera, Value};

/// Where shortcode templates live under a theme's `templates/`.
pub const TEMPLATE_DIR: &str = "shortcodes/";
const PLACEHOLDER: &str = "<!--msc:";

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

/// A problem at a byte offset of the body as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeError {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

/// The page a shortcode is used in, as its template sees it (`page`).
#[derive(Debug, Serialize)]
pub struct PageInfo<'a> {
    pub title: &'a str,
    /// URL path with the base path (`/posts/x/`).
    pub path: String,
    pub permalink: String,
    /// The content file, from `content/` (`posts/x.md`).
    pub rel: &'a str,
    /// Its folder, from `content/`.
    pub dir: &'a str,
    pub date: Option<String>,
    pub extra: &'a serde_json::Value,
    /// URL path without the base path, for resolving links.
    #[serde(skip)]
    pub url_path: &'a str,
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

thread_local! {
    /// The page being expanded on this thread (folder and URL path), for the template
    /// functions that resolve paths relative to it. Set around each template call.
    static CURRENT: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// What the template functions need from the site.
pub struct Services {
    pub resolver: Arc<dyn Resolver + Send + Sync>,
    pub links: Arc<LinkIndex>,
    pub assets: Arc<Assets>,
    pub base_path: String,
    /// Scheme and host of `base_url` (`https://example.org`).
    pub origin: String,
    pub markdown: MarkdownOptions,
}

/// The theme's shortcode templates, ready to render.
pub struct Shortcodes {
    tera: Tera,
    names: BTreeSet<String>,
    syntaxes: Syntaxes,
    config: serde_json::Value,
    /// `themes/<theme>/templates/shortcodes/`, for hints.
    dir_display: String,
}

/// One shortcode call found in the text.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    name: String,
    named: Vec<(String, Value)>,
    positional: Vec<Value>,
    form: Form,
    self_closing: bool,
    /// The opening tag.
    tag: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `{{ name() }}`
    ZolaInline,
    /// `{% name() %}…{% end %}`
    ZolaBlock,
    /// `{{< name >}}`: output is HTML.
    HugoHtml,
    /// `{{% name %}}`: output is markdown.
    HugoMarkdown,
}

#[derive(Debug, PartialEq)]
enum Token {
    /// Not a shortcode (plain `{{ text }}`, a tera tag in a Zola post...).
    Text,
    /// An escaped shortcode: shown as `literal`.
    Escape {
        end: usize,
        literal: String,
    },
    Open(Call),
    /// `{{< /name >}}`
    Close {
        name: String,
        end: usize,
    },
    /// `{% end %}`
    End {
        end: usize,
    },
}

/// The expanded text, and what `finish` needs to complete the rendered HTML.
pub struct Expansion<'a> {
    pub text: Cow<'a, str>,
    /// HTML of each placeholder, by number.
    pieces: Vec<String>,
    /// (offset in the expanded text, offset in the source, whether copied verbatim from there).
    map: Vec<(usize, usize, bool)>,
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
struct Out {
    text: String,
    map: Vec<(usize, usize, bool)>,
}

impl Out {
    fn copy(&mut self, src: &str, r: Range<usize>) {
        if r.start < r.end {
            self.map.push((self.text.len(), r.start, true));
            self.text.push_str(&src[r]);
        }
    }
    fn put(&mut self, s: &str, at: usize) {
        self.map.push((self.text.len(), at, false));
        self.text.push_str(s);
    }
}

impl Shortcodes {
    /// From every template of the theme (those under `shortcodes/` are used).
    pub fn new(
        templates: &[(String, String)],
        theme: &str,
        syntaxes: Syntaxes,
        config: serde_json::Value,
        services: Services,
    ) -> std::result::Result<Shortcodes, myblog_utils::Diagnostic> {
        let dir_display = format!("themes/{theme}/templates/{TEMPLATE_DIR}");
        let names = templates
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(TEMPLATE_DIR).and_then(|n| n.strip_suffix(".html")).map(str::to_string))
            .collect();
        let fresh = || {
            let mut tera = Tera::default();
            tera.autoescape_on(vec![".html"]);
            tera.set_escape_fn(myblog_utils::escape_html);
            tera
        };
        // Every template of the theme, so a shortcode may include partials and import macros.
        // A broken page template is the renderer's to report (it locates it better): then
        // the shortcodes alone.
        let mut tera = fresh();
        if tera.add_raw_templates(templates.to_vec()).is_err() {
            tera = fresh();
            let mine = templates.iter().filter(|(n, _)| n.starts_with(TEMPLATE_DIR)).cloned();
            if let Err(e) = tera.add_raw_templates(mine) {
                let msg = error_chain(&e);
                let name = msg.split('\'').nth(1).unwrap_or("");
                let mut d = myblog_utils::Diagnostic::new(format!("themes/{theme}/templates/{name}"), format!("shortcode template: {msg}"));
                if let Some(loc) = msg.split("--> ").nth(1) {
                    let mut it = loc.split(|c: char| !c.is_ascii_digit()).filter_map(|x| x.parse::<usize>().ok());
                    if let (Some(l), Some(c)) = (it.next(), it.next()) {
                        d = d.at(l, c);
                    }
                }
                return Err(d.hint("fix the template; shortcodes are documented in docs/shortcodes.md"));
            }
        }
        register(&mut tera, Arc::new(services));
        Ok(Shortcodes { tera, names, syntaxes, config, dir_display })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

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

    fn render(&self, call: &Call, body: Option<&str>, page: &PageInfo<'_>, nth: usize) -> std::result::Result<String, ShortcodeError> {
        let fail = |message: String, hint: String| ShortcodeError { offset: call.tag.start, message, hint };
        if !self.names.contains(&call.name) {
            let known: Vec<&str> = self.names.iter().map(String::as_str).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            return Err(fail(
                format!("unknown shortcode `{}`", call.name),
                format!(
                    "the theme has these shortcodes: {known}; to add one, write {}{}.html (a tera template; see docs/shortcodes.md)",
                    self.dir_display, call.name
                ),
            ));
        }
        let mut ctx = Context::new();
        ctx.insert("page", page);
        ctx.insert("config", &self.config);
        ctx.insert("nth", &nth);
        ctx.insert("name", &call.name);
        ctx.insert("args", &call.positional);
        if let Some(b) = body {
            ctx.insert("body", b);
        }
        for (k, v) in &call.named {
            ctx.insert(k.as_str(), v);
        }
        // All named arguments as one map, for templates ported from Hugo (`.Get "x"` of any
        // name, `.Params`); after them, so no argument hides it.
        let named: serde_json::Map<String, Value> = call.named.iter().cloned().collect();
        ctx.insert("named", &named);
        CURRENT.with(|c| *c.borrow_mut() = (page.dir.to_string(), page.url_path.to_string()));
        let template = format!("{TEMPLATE_DIR}{}.html", call.name);
        self.tera.render(&template, &ctx).map_err(|e| {
            fail(
                format!("shortcode `{}`: {}", call.name, error_chain(&e)),
                format!("check its arguments, or its template {}{}.html", self.dir_display, call.name),
            )
        })
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

fn shortcode_hint(src: &str, at: usize) -> String {
    if src[at..].starts_with("{{<") || src[at..].starts_with("{{%") {
        "write Hugo shortcodes as {{< name arg key=\"value\" >}}; to show one literally, write {{</* name */>}}".into()
    } else {
        "write Zola shortcodes as {{ name(key=\"value\") }}; to show one literally, write {{/* name() */}}".into()
    }
}

/// Byte ranges of code (fenced and indented blocks, inline code): shortcodes there stay text.
fn code_ranges(body: &str) -> Vec<Range<usize>> {
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
fn find_close(src: &str, call: &Call, limit: usize, syntaxes: Syntaxes) -> Option<(usize, usize)> {
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
fn scan(src: &str, at: usize, limit: usize, syntaxes: Syntaxes) -> std::result::Result<Token, String> {
    let s = &src[at..limit];
    if syntaxes.hugo && (s.starts_with("{{<") || s.starts_with("{{%")) {
        return scan_hugo(s, at);
    }
    if syntaxes.zola {
        return scan_zola(s, at);
    }
    Ok(Token::Text)
}

fn scan_hugo(s: &str, at: usize) -> std::result::Result<Token, String> {
    let delim = s.as_bytes()[2] as char;
    let close = if delim == '<' { ">}}" } else { "%}}" };
    let form = if delim == '<' { Form::HugoHtml } else { Form::HugoMarkdown };
    let inner = &s[3..];
    let lead = inner.len() - inner.trim_start().len();
    if inner[lead..].starts_with("/*") {
        // `{{</* name */>}}` shows `{{< name >}}`.
        let body = &inner[lead + 2..];
        let Some(stop) = body.find("*/") else { return Err("escaped shortcode `{{</*` is never closed with `*/>}}`".into()) };
        let after = &body[stop + 2..];
        let ws = after.len() - after.trim_start().len();
        if !after[ws..].starts_with(close) {
            return Err(format!("escaped shortcode: expected `*/{close}`"));
        }
        let end = at + 3 + lead + 2 + stop + 2 + ws + close.len();
        return Ok(Token::Escape { end, literal: format!("{{{{{delim}{}{close}", &body[..stop]) });
    }
    let Some(len) = tag_len(inner, close) else {
        return Err(format!("shortcode tag `{}` is never closed with `{close}`", first_line(s)));
    };
    let end = at + 3 + len + close.len();
    let content = inner[..len].trim();
    if let Some(name) = content.strip_prefix('/') {
        return Ok(Token::Close { name: name.trim().to_string(), end });
    }
    let (content, self_closing) = match content.strip_suffix('/') {
        Some(c) => (c.trim_end(), true),
        None => (content, false),
    };
    let name_len = content.find(char::is_whitespace).unwrap_or(content.len());
    let name = &content[..name_len];
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '.')) {
        return Err(format!("`{}` does not start with a shortcode name", first_line(s)));
    }
    let (named, positional) = hugo_args(&content[name_len..]).map_err(|e| format!("shortcode `{name}`: {e}"))?;
    Ok(Token::Open(Call { name: name.to_string(), named, positional, form, self_closing, tag: at..end }))
}

/// Length of the tag's content up to `close`, skipping quoted text.
fn tag_len(inner: &str, close: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match quote {
            Some(q) => {
                if b[i] == b'\\' && q == b'"' {
                    i += 1;
                } else if b[i] == q {
                    quote = None;
                }
            }
            None => {
                if b[i] == b'"' || b[i] == b'`' {
                    quote = Some(b[i]);
                } else if inner[i..].starts_with(close) {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or(s);
    match line.char_indices().nth(60) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// Hugo's arguments: `key="value"`, `key=value`, or positional `"v"`, `` `raw` ``, `v`; never
/// both kinds in one call. Unquoted `true`, `false` and numbers are typed, as in Hugo.
/// Named and positional arguments.
type Args = (Vec<(String, Value)>, Vec<Value>);

fn hugo_args(s: &str) -> std::result::Result<Args, String> {
    let mut named = Vec::new();
    let mut positional = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let (key, after) =
            if key_len > 0 && rest[key_len..].starts_with('=') { (Some(&rest[..key_len]), &rest[key_len + 1..]) } else { (None, rest) };
        let (value, used) = hugo_value(after)?;
        match key {
            Some(k) => named.push((k.to_string(), value)),
            None => positional.push(value),
        }
        rest = after[used..].trim_start();
    }
    if !named.is_empty() && !positional.is_empty() {
        return Err("mixes named (key=\"value\") and positional arguments; use one kind".into());
    }
    Ok((named, positional))
}

fn hugo_value(s: &str) -> std::result::Result<(Value, usize), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => return Ok((Value::String(out), i + 2)),
                c => out.push(c),
            }
        }
        return Err(format!("unterminated string {s:?}"));
    }
    if let Some(body) = s.strip_prefix('`') {
        return match body.find('`') {
            Some(i) => Ok((Value::String(body[..i].to_string()), i + 2)),
            None => Err(format!("unterminated raw string {s:?}")),
        };
    }
    let len = s.find(char::is_whitespace).unwrap_or(s.len());
    let word = &s[..len];
    if word.is_empty() {
        return Err("an argument has no value".into());
    }
    Ok((typed(word).unwrap_or_else(|| Value::String(word.to_string())), len))
}

fn typed(word: &str) -> Option<Value> {
    match word {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ => word
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| word.parse::<f64>().ok().and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))),
    }
}

fn scan_zola(s: &str, at: usize) -> std::result::Result<Token, String> {
    let block = s.starts_with("{%");
    let close = if block { "%}" } else { "}}" };
    let inner = &s[2..];
    let lead = inner.len() - inner.trim_start().len();
    let body = &inner[lead..];
    if let Some(esc) = body.strip_prefix("/*") {
        // `{{/* name() */}}` shows `{{ name() }}`.
        let Some(stop) = esc.find("*/") else { return Ok(Token::Text) };
        let after = &esc[stop + 2..];
        let ws = after.len() - after.trim_start().len();
        if !after[ws..].starts_with(close) {
            return Ok(Token::Text);
        }
        let end = at + 2 + lead + 2 + stop + 2 + ws + close.len();
        let open = &s[..2];
        return Ok(Token::Escape { end, literal: format!("{open}{}{close}", &esc[..stop]) });
    }
    let name_len = body.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(body.len());
    let name = &body[..name_len];
    if block && name == "end" {
        let after = body[3..].trim_start();
        if after.starts_with("%}") {
            let end = at + s.len() - after.len() + 2;
            return Ok(Token::End { end });
        }
    }
    let after_name = body[name_len..].trim_start();
    if name.is_empty() || !after_name.starts_with('(') {
        return Ok(Token::Text);
    }
    let args_at = s.len() - after_name.len() + 1;
    let Some(args_len) = paren_len(&s[args_at..]) else {
        return Err(format!("`{}`: the argument list is never closed with `)`", first_line(s)));
    };
    let after_args = &s[args_at + args_len + 1..];
    let ws = after_args.len() - after_args.trim_start().len();
    if !after_args[ws..].starts_with(close) {
        return Err(format!("`{}`: expected `{close}` after the arguments", first_line(s)));
    }
    let end = at + args_at + args_len + 1 + ws + close.len();
    let named = zola_args(&s[args_at..args_at + args_len]).map_err(|e| format!("shortcode `{name}`: {e}"))?;
    let form = if block { Form::ZolaBlock } else { Form::ZolaInline };
    Ok(Token::Open(Call { name: name.to_string(), named, positional: Vec::new(), form, self_closing: false, tag: at..end }))
}

/// Length up to the `)` closing an argument list, skipping strings and brackets.
fn paren_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'[' | b'(' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b')' if depth == 0 => return Some(i),
                b')' => depth -= 1,
                _ => {}
            },
        }
    }
    None
}

/// Zola's arguments: `key=value` separated by commas; strings in any quotes, numbers, booleans
/// and arrays of those.
fn zola_args(s: &str) -> std::result::Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let key = &rest[..key_len];
        let after = rest[key_len..].trim_start();
        let Some(after) = after.strip_prefix('=').filter(|_| !key.is_empty()) else {
            return Err(format!("expected key=value at {:?}", first_line(rest)));
        };
        let (value, used) = zola_value(after.trim_start())?;
        out.push((key.to_string(), value));
        let tail = after.trim_start()[used..].trim_start();
        rest = match tail.strip_prefix(',') {
            Some(t) => t.trim_start(),
            None if tail.is_empty() => tail,
            None => return Err(format!("expected `,` between arguments at {:?}", first_line(tail))),
        };
    }
    Ok(out)
}

fn zola_value(s: &str) -> std::result::Result<(Value, usize), String> {
    let first = s.chars().next().ok_or("an argument has no value")?;
    if matches!(first, '"' | '\'' | '`') {
        return match s[1..].find(first) {
            Some(i) => Ok((Value::String(s[1..1 + i].to_string()), i + 2)),
            None => Err(format!("unterminated string {:?}", first_line(s))),
        };
    }
    if first == '[' {
        let mut items = Vec::new();
        let mut i = 1;
        loop {
            let rest = &s[i..];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if let Some(r) = trimmed.strip_prefix(']') {
                let _ = r;
                return Ok((Value::Array(items), i + 1));
            }
            if !items.is_empty() {
                let Some(r) = trimmed.strip_prefix(',') else { return Err(format!("expected `,` or `]` in the list {:?}", first_line(s))) };
                i += 1;
                let t = r.trim_start();
                i += r.len() - t.len();
                if t.starts_with(']') {
                    continue;
                }
            }
            let (v, used) = zola_value(&s[i..])?;
            items.push(v);
            i += used;
        }
    }
    let len = s.find(|c: char| c == ',' || c == ']' || c.is_whitespace()).unwrap_or(s.len());
    let word = &s[..len];
    typed(word).map(|v| (v, len)).ok_or_else(|| format!("{word:?} is not a value: quote text, e.g. \"{word}\""))
}

fn error_chain(e: &tera::Error) -> String {
    use std::error::Error as _;
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    // Tera wraps the useful part (the `throw` message, the missing variable) in layers that
    // only name the template.
    parts.retain(|p| !p.starts_with("Failed to render"));
    parts.join(": ")
}

/// What the shortcode templates may call besides tera's built-ins.
fn register(tera: &mut Tera, services: Arc<Services>) {
    let s = services.clone();
    // `image(path=...)`: a picture next to the page or under content/, through the asset
    // pipeline: hashed URL, and `srcset`, `width`, `height` for photos (as markdown images).
    tera.register_function("image", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("image() needs path=\"...\""))?;
        CURRENT.with(|c| {
            let c = c.borrow();
            let at = Location { dir: &c.0, url_path: &c.1 };
            let mut out = serde_json::Map::new();
            match s.resolver.resolve(at, path, true) {
                Resolved::Photo { src, srcset, width, height } => {
                    out.insert("src".into(), src.into());
                    out.insert("srcset".into(), srcset.into());
                    out.insert("width".into(), width.into());
                    out.insert("height".into(), height.into());
                }
                Resolved::Url(src) => {
                    out.insert("src".into(), src.into());
                }
                Resolved::Unchanged => {
                    out.insert("src".into(), path.into());
                }
                Resolved::Missing => {
                    return Err(tera::Error::msg(format!("image {path:?} does not exist (put it next to the post, or under content/)")))
                }
                Resolved::Invalid { message, .. } => return Err(tera::Error::msg(message)),
            }
            Ok(Value::Object(out))
        })
    });
    let s = services.clone();
    // `page_url(path=..., absolute=false)`: the URL of another content file (Hugo's
    // ref/relref forms, or Zola's `@/path`).
    tera.register_function("page_url", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("page_url() needs path=\"...\""))?;
        let absolute = args.get("absolute").and_then(Value::as_bool).unwrap_or(false);
        CURRENT.with(|c| {
            let c = c.borrow();
            let found = if path.starts_with("@/") { s.links.zola(path) } else { s.links.hugo(&c.0, &c.1, path) };
            let t = found.map_err(|e| tera::Error::msg(format!("{} ({})", e.message, e.hint)))?;
            let url = format!("{}{}{}", s.base_path, t.url_path, t.anchor);
            Ok(Value::String(if absolute { format!("{}{url}", s.origin) } else { url }))
        })
    });
    let s = services.clone();
    tera.register_function("asset", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("asset() needs path=\"...\""))?;
        let a = s
            .assets
            .get(path)
            .ok_or_else(|| tera::Error::msg(format!("asset(path={path:?}): no such file in the theme's static/ folder or in content/")))?;
        Ok(Value::String(format!("{}/{}", s.base_path, myblog_utils::url_path(&a.output))))
    });
    // Tera's own is behind a feature this build leaves out.
    tera.register_filter("urlencode", |value: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
        Ok(Value::String(percent_encoding::utf8_percent_encode(&text, SET).to_string()))
    });
    let s = services.clone();
    // `code | highlight(lang="rust")`: the same highlighter and markup as fenced code.
    tera.register_filter("highlight", move |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let code = value.as_str().ok_or_else(|| tera::Error::msg("highlight: expected text"))?;
        let lang = args.get("lang").and_then(Value::as_str).unwrap_or("");
        let code = format!("{}\n", code.trim_matches(['\n', '\r']));
        Ok(Value::String(markdown::highlight_block(&code, lang, s.markdown.highlight)))
    });
    let s = services.clone();
    // `text | markdown` (and `inline=true` without the paragraph), as Zola's filter.
    tera.register_filter("markdown", move |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = value.as_str().ok_or_else(|| tera::Error::msg("markdown: expected text"))?;
        let html = markdown_here(&s, text)?;
        let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
        let html = if inline {
            html.trim_end().strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")).map(str::to_string).unwrap_or(html)
        } else {
            html
        };
        Ok(Value::String(html))
    });
    let s = services.clone();
    // `text | markdownify`, Hugo's: a single paragraph loses its `<p>`, more stay as they are.
    tera.register_filter("markdownify", move |value: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = match value {
            Value::String(t) => t.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        Ok(Value::String(trim_short_html(&markdown_here(&s, &text)?)))
    });
    crate::gofuncs::register(tera, &services.base_path, &services.origin);
}

/// `text` rendered as markdown of the page being expanded (its links resolve from there).
fn markdown_here(s: &Services, text: &str) -> tera::Result<String> {
    let html = CURRENT.with(|c| {
        let c = c.borrow();
        let at = Location { dir: &c.0, url_path: &c.1 };
        markdown::render(text, s.markdown, at, s.resolver.as_ref()).map(|r| r.content)
    });
    html.map_err(|e| tera::Error::msg(e.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")))
}

/// Hugo's `TrimShortHTML`: HTML with exactly one `<p>` that wraps it all loses the wrapper.
fn trim_short_html(html: &str) -> String {
    if html.matches("<p>").count() == 1 {
        let t = html.trim();
        if let Some(inner) = t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
            return inner.trim().to_string();
        }
    }
    html.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(s: &str) -> Token {
        scan(s, 0, s.len(), Syntaxes { zola: true, hugo: true }).unwrap()
    }

    fn open(s: &str) -> Call {
        match call(s) {
            Token::Open(c) => c,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn hugo_tags() {
        let c = open("{{< youtube abc >}} rest");
        assert_eq!(
            (c.name.as_str(), c.positional.clone(), c.form, c.tag.clone()),
            ("youtube", vec![Value::from("abc")], Form::HugoHtml, 0..19)
        );
        let c = open("{{< figure src=\"a b.jpg\" caption=\"say \\\"hi\\\" >}}\" width=300 />}}");
        assert!(c.self_closing);
        assert_eq!(c.named[0], ("src".to_string(), Value::from("a b.jpg")));
        assert_eq!(c.named[1], ("caption".to_string(), Value::from("say \"hi\" >}}")));
        assert_eq!(c.named[2], ("width".to_string(), Value::from(300)));
        let c = open("{{% note `raw \"x\"` %}}");
        assert_eq!((c.form, c.positional[0].clone()), (Form::HugoMarkdown, Value::from("raw \"x\"")));
        assert_eq!(call("{{< /note >}}"), Token::Close { name: "note".into(), end: 13 });
        assert_eq!(call("{{</* youtube x */>}}"), Token::Escape { end: 21, literal: "{{< youtube x >}}".into() });
        let e = scan("{{< a k=\"v\" pos >}}", 0, 19, Syntaxes { zola: false, hugo: true }).unwrap_err();
        assert!(e.contains("mixes named"), "{e}");
        assert!(scan("{{< a k=\"v", 0, 10, Syntaxes { zola: false, hugo: true }).unwrap_err().contains("never closed"));
    }

    #[test]
    fn zola_tags() {
        let c = open("{{ youtube(id=\"abc\", autoplay=true, n=3, list=[1, 'a',]) }}");
        assert_eq!(c.form, Form::ZolaInline);
        assert_eq!(c.named[0], ("id".to_string(), Value::from("abc")));
        assert_eq!(c.named[1].1, Value::Bool(true));
        assert_eq!(c.named[3].1, serde_json::json!([1, "a"]));
        let c = open("{% quote(author=\"Ann\") %}");
        assert_eq!((c.form, c.tag.end), (Form::ZolaBlock, 25));
        assert_eq!(call("{% end %}"), Token::End { end: 9 });
        assert_eq!(call("{{ page.title }}"), Token::Text);
        assert_eq!(call("{{/* youtube(id=\"x\") */}}"), Token::Escape { end: 25, literal: "{{ youtube(id=\"x\") }}".into() });
        let e = scan("{{ x(a=b) }}", 0, 12, Syntaxes { zola: true, hugo: false }).unwrap_err();
        assert!(e.contains("\"b\" is not a value"), "{e}");
        // A Hugo site reads `{{ x() }}` as text, a Zola site `{{< x >}}` as text.
        assert_eq!(scan("{{ x() }}", 0, 9, Syntaxes { zola: false, hugo: true }).unwrap(), Token::Text);
        assert_eq!(scan("{{< x >}}", 0, 9, Syntaxes { zola: true, hugo: false }).unwrap(), Token::Text);
    }

    #[test]
    fn the_memchr_check() {
        assert!(!may_contain("no { shortcodes } here"));
        assert!(may_contain("a {{< x >}}"));
        assert!(may_contain("a {% x() %}"));
    }

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
