//! Markdown to HTML with pulldown-cmark: heading ids and anchors, table of contents, summary,
//! syntax highlighting (syntect, CSS classes so the theme owns the colours), asset links
//! rewritten to their hashed names, and `srcset` for photos. Pure: no I/O.

use pulldown_cmark::{Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

pub const MORE_MARKER: &str = "<!-- more -->";
const WORDS_PER_MINUTE: usize = 220;

#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    pub highlight: bool,
    pub smart_punctuation: bool,
}

/// What a link or image destination in a page refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Not a local file (external URL, page link, anchor): left as written.
    Unchanged,
    /// Rewritten: a local file under its hashed URL, or a page link made root-relative.
    Url(String),
    /// A photo with thumbnails: `src` and `srcset`, plus intrinsic size to avoid layout shift.
    Photo { src: String, srcset: String, width: u32, height: u32 },
    /// Looks like a local file but none exists.
    Missing,
    /// A reference that cannot be resolved for its own reason (an `@/` link to no page).
    Invalid { message: String, hint: String },
}

/// Where the page being rendered lives: relative links are resolved against these.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// Folder of the source file, relative to `content/` (`posts/trip`).
    pub dir: &'a str,
    /// The page's URL path (`/posts/trip/`).
    pub url_path: &'a str,
}

/// Resolves link and image destinations found in a page.
pub trait Resolver: Sync {
    fn resolve(&self, at: Location<'_>, dest: &str, is_image: bool) -> Resolved;
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub content: String,
    pub summary: String,
    pub has_more: bool,
    pub toc: Vec<TocEntry>,
    pub word_count: usize,
    pub reading_time: usize,
}

/// A problem at a byte offset of the body.
#[derive(Debug, Clone)]
pub struct MarkdownError {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = SyntaxSet::load_defaults_newlines().into_builder();
        // The built-in set lacks TOML, the language of every site.toml and front matter.
        // (Embedded and covered by `code_is_highlighted_with_classes`, so it always loads.)
        if let Ok(toml) = syntect::parsing::SyntaxDefinition::load_from_str(include_str!("syntaxes/TOML.sublime-syntax"), true, None) {
            builder.add(toml);
        }
        builder.build()
    })
}

/// Loads the highlighter's grammars ahead of time (they take a few tens of ms), e.g. on a
/// background thread while the content is read.
pub fn warm_up() {
    let _ = syntax_set();
}

pub fn render(body: &str, opts: MarkdownOptions, dir: Location<'_>, resolver: &dyn Resolver) -> Result<Rendered, Vec<MarkdownError>> {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if opts.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    let parser = Parser::new_ext(body, options).into_offset_iter();

    let mut events: Vec<Event<'_>> = Vec::new();
    let mut errors = Vec::new();
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut words = 0usize;
    // Index into `events` of the `<!-- more -->` marker, if any.
    let mut more_at: Option<usize> = None;
    // Ends (indexes into `events`) of top-level blocks, and whether each is one a summary may
    // stop after (a heading alone is no summary): summaries are cut only there, so they never
    // leave an element open.
    let mut block_ends: Vec<(usize, bool)> = Vec::new();
    // Nesting of Start/End events; 0 between top-level blocks.
    let mut depth = 0usize;
    // What summaries show instead of an event (None: nothing): footnote references point at
    // notes a list page does not have, and heading ids would repeat across posts.
    let mut in_summary: HashMap<usize, Option<String>> = HashMap::new();
    // Footnotes get their own id namespace (`fn-x`), so `[^setup]` cannot collide with a
    // heading `## Setup`.
    let mut footnotes: HashMap<String, usize> = HashMap::new();
    let mut table = TableState::default();

    let mut iter = parser.peekable();
    while let Some((event, range)) = iter.next() {
        match event {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                // Buffer the heading's inline events: its id comes from its text.
                let mut inner = Vec::new();
                let mut text = String::new();
                for (ev, r) in iter.by_ref() {
                    if let Event::End(TagEnd::Heading(_)) = ev {
                        break;
                    }
                    if let Event::Text(t) | Event::Code(t) = &ev {
                        text.push_str(t);
                        words += count_words(t);
                    }
                    let ev = rewrite_link(ev, r.start, dir, resolver, &mut errors);
                    inner.push(ev);
                }
                let base = id.map(|i| i.to_string()).unwrap_or_else(|| {
                    let s = myblog_utils::slugify(&text);
                    if s.is_empty() {
                        "section".into()
                    } else {
                        s
                    }
                });
                let unique = unique_id(&base, &mut used_ids);
                let lvl = heading_number(level);
                headings.push((lvl, unique.clone(), text.trim().to_string()));
                let mut open = format!("<h{lvl} id=\"{}\"", escape_attr(&unique));
                if !classes.is_empty() {
                    let _ = write!(open, " class=\"{}\"", escape_attr(&classes.join(" ")));
                }
                for (k, v) in &attrs {
                    let _ = write!(open, " {}=\"{}\"", escape_attr(k), escape_attr(v.as_deref().unwrap_or("")));
                }
                open.push('>');
                in_summary.insert(events.len(), Some(format!("<h{lvl}>")));
                events.push(Event::Html(open.into()));
                events.extend(inner);
                in_summary.insert(events.len(), Some(format!("</h{lvl}>\n")));
                events.push(Event::Html(
                    format!("<a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{lvl}>\n", escape_attr(&unique))
                        .into(),
                ));
                if depth == 0 {
                    block_ends.push((events.len(), false));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match &kind {
                    CodeBlockKind::Fenced(info) => info.split([' ', ',', '{']).next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let mut code = String::new();
                for (ev, _) in iter.by_ref() {
                    match ev {
                        Event::Text(t) => code.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                words += count_words(&code);
                events.push(Event::Html(highlight_block(&code, &lang, opts.highlight).into()));
                if depth == 0 {
                    block_ends.push((events.len(), true));
                }
            }
            Event::Start(Tag::Image { link_type: _, dest_url, title, id: _ }) => {
                // Alt text is the image's inner text; the tag is rebuilt by hand for srcset.
                let mut alt = String::new();
                let mut nest = 0;
                for (ev, _) in iter.by_ref() {
                    match ev {
                        Event::Start(Tag::Image { .. }) => nest += 1,
                        Event::End(TagEnd::Image) if nest == 0 => break,
                        Event::End(TagEnd::Image) => nest -= 1,
                        Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                        _ => {}
                    }
                }
                events.push(Event::Html(image_html(&dest_url, &title, &alt, range.start, dir, resolver, &mut errors).into()));
            }
            Event::Html(h) | Event::InlineHtml(h) if more_at.is_none() && has_more_marker(&h) => {
                more_at = Some(events.len());
                events.push(Event::Html(h));
            }
            Event::Html(h) => events.push(Event::Html(rewrite_raw_html(h, range.start, dir, resolver, &mut errors))),
            Event::InlineHtml(h) => events.push(Event::InlineHtml(rewrite_raw_html(h, range.start, dir, resolver, &mut errors))),
            Event::Start(Tag::FootnoteDefinition(name)) => {
                depth += 1;
                let next = footnotes.len() + 1;
                let n = *footnotes.entry(name.to_string()).or_insert(next);
                let id = footnote_id(&name);
                events.push(Event::Html(
                    format!("<div class=\"footnote-definition\" id=\"fn-{id}\"><sup class=\"footnote-definition-label\"><a href=\"#fnref-{id}\">{n}</a></sup>\n").into(),
                ));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                depth = depth.saturating_sub(1);
                events.push(Event::Html("</div>\n".into()));
                if depth == 0 {
                    block_ends.push((events.len(), false));
                }
            }
            Event::Start(Tag::Table(aligns)) => {
                depth += 1;
                table.aligns.clone_from(&aligns);
                events.push(Event::Start(Tag::Table(aligns)));
            }
            Event::Start(Tag::TableHead) => {
                depth += 1;
                (table.in_head, table.cell) = (true, 0);
                events.push(Event::Start(Tag::TableHead));
            }
            Event::End(TagEnd::TableHead) => {
                depth = depth.saturating_sub(1);
                table.in_head = false;
                events.push(Event::End(TagEnd::TableHead));
            }
            Event::Start(Tag::TableRow) => {
                depth += 1;
                table.cell = 0;
                events.push(Event::Start(Tag::TableRow));
            }
            Event::Start(Tag::TableCell) => {
                depth += 1;
                // pulldown-cmark aligns cells with inline `style` attributes, which a strict
                // Content Security Policy (`style-src 'self'`) blocks: classes do the same job
                // from the stylesheet. The writer still closes the cell and counts it.
                let cell = if table.in_head { "th" } else { "td" };
                events.push(match table.aligns.get(table.cell) {
                    Some(Alignment::Left) => Event::Html(format!("<{cell} class=\"align-left\">").into()),
                    Some(Alignment::Center) => Event::Html(format!("<{cell} class=\"align-center\">").into()),
                    Some(Alignment::Right) => Event::Html(format!("<{cell} class=\"align-right\">").into()),
                    _ => Event::Start(Tag::TableCell),
                });
            }
            Event::End(TagEnd::TableCell) => {
                depth = depth.saturating_sub(1);
                table.cell += 1;
                events.push(Event::End(TagEnd::TableCell));
            }
            Event::Start(tag) => {
                depth += 1;
                let ev = rewrite_link(Event::Start(tag), range.start, dir, resolver, &mut errors);
                events.push(ev);
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                events.push(Event::End(tag));
                if depth == 0 {
                    block_ends.push((events.len(), true));
                }
            }
            Event::Rule if depth == 0 => {
                events.push(Event::Rule);
                block_ends.push((events.len(), false));
            }
            Event::Text(ref t) => {
                words += count_words(t);
                events.push(event);
            }
            Event::FootnoteReference(name) => {
                let next = footnotes.len() + 1;
                let first = !footnotes.contains_key(name.as_ref());
                let n = *footnotes.entry(name.to_string()).or_insert(next);
                let id = footnote_id(&name);
                let back = if first { format!(" id=\"fnref-{id}\"") } else { String::new() };
                in_summary.insert(events.len(), None);
                events
                    .push(Event::InlineHtml(format!("<sup class=\"footnote-reference\"><a href=\"#fn-{id}\"{back}>{n}</a></sup>").into()));
            }
            other => events.push(other),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut content = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut content, events.iter().cloned());
    let summary_end = summary_end(more_at, &block_ends, events.len());
    let has_more = events[summary_end..].iter().any(|e| !matches!(e, Event::SoftBreak | Event::HardBreak));
    let mut summary = String::new();
    pulldown_cmark::html::push_html(
        &mut summary,
        events[..summary_end].iter().enumerate().filter_map(|(i, e)| match in_summary.get(&i) {
            None => Some(e.clone()),
            Some(Some(alt)) => Some(Event::Html(alt.clone().into())),
            Some(None) => None,
        }),
    );
    crate::balance::close_open_elements(&mut summary);
    Ok(Rendered {
        content,
        summary,
        has_more,
        toc: build_toc(&headings),
        word_count: words,
        reading_time: words.div_ceil(WORDS_PER_MINUTE).max(1),
    })
}

/// Where the writer is in a table, to give aligned cells a class instead of a style.
#[derive(Default)]
struct TableState {
    aligns: Vec<Alignment>,
    in_head: bool,
    cell: usize,
}

/// `<!-- more -->` as Zola and Hugo also accept it: any spacing, any case (`<!--more-->`,
/// `<!-- MORE -->`).
fn has_more_marker(html: &str) -> bool {
    let mut rest = html;
    while let Some(i) = rest.find("<!--") {
        rest = &rest[i + 4..];
        let inner = rest.trim_start();
        if inner.len() >= 4 && inner[..4].eq_ignore_ascii_case("more") && inner[4..].trim_start().starts_with("-->") {
            return true;
        }
    }
    false
}

/// Where a summary ends: after the top-level block holding `<!-- more -->`, or else after the
/// first top-level block that is not a heading (or rule or footnote); never inside a block.
fn summary_end(more_at: Option<usize>, block_ends: &[(usize, bool)], total: usize) -> usize {
    match more_at {
        // The marker is inside the block ending at the first end past it (or is its own block).
        Some(i) => block_ends.iter().map(|(e, _)| *e).find(|e| *e > i).unwrap_or(total),
        None => block_ends.iter().find(|(_, content)| *content).map(|(e, _)| *e).unwrap_or(total),
    }
}

/// `base`, or `base-1`, `base-2`... whichever is still free (a heading `Setup 1` may already
/// have taken `setup-1`).
fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = base.to_string();
    let mut n = 0;
    while used.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.insert(candidate.clone());
    candidate
}

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

fn is_unspaced_script(c: char) -> bool {
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

/// Rewrites local references in raw HTML (`<img src>`, `<a href>`, `<video poster>`,
/// `<source srcset>`...) to the files' published names, as markdown links and images are.
fn rewrite_raw_html<'a>(
    html: CowStr<'a>,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> CowStr<'a> {
    static ATTR: OnceLock<regex::Regex> = OnceLock::new();
    let re = ATTR.get_or_init(|| {
        regex::Regex::new(r#"(?i)(?:^|[\s"'])(src|href|poster|srcset|data)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
    });
    if !re.is_match(&html) {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 32);
    let mut last = 0;
    for c in re.captures_iter(&html) {
        let name = c[1].to_ascii_lowercase();
        let Some(value) = c.get(2).or_else(|| c.get(3)) else { continue };
        let decoded = decode_entities(value.as_str());
        // A file the page shows must exist; a link may point at a page.
        let must_exist = name != "href";
        let resolve_one = |dest: &str, errors: &mut Vec<MarkdownError>| -> Option<String> {
            match resolver.resolve(dir, dest, must_exist) {
                Resolved::Url(url) | Resolved::Photo { src: url, .. } => Some(url),
                Resolved::Unchanged => None,
                Resolved::Missing => {
                    errors.push(MarkdownError {
                        offset,
                        message: format!("{name}=\"{dest}\" in HTML points at a file that does not exist"),
                        hint: "check the file name and that the file is in content/ or the theme's static/".into(),
                    });
                    None
                }
                Resolved::Invalid { message, hint } => {
                    errors.push(MarkdownError { offset, message, hint });
                    None
                }
            }
        };
        let new = if name == "srcset" {
            let mut changed = false;
            let parts: Vec<String> = decoded
                .split(',')
                .map(|cand| {
                    let cand = cand.trim();
                    let (url, descriptor) = cand.split_once(char::is_whitespace).unwrap_or((cand, ""));
                    match resolve_one(url, errors) {
                        Some(u) => {
                            changed = true;
                            if descriptor.is_empty() {
                                u
                            } else {
                                format!("{u} {}", descriptor.trim())
                            }
                        }
                        None => cand.to_string(),
                    }
                })
                .collect();
            changed.then(|| parts.join(", "))
        } else {
            resolve_one(&decoded, errors)
        };
        if let Some(new) = new {
            out.push_str(&html[last..value.start()]);
            out.push_str(&escape_attr(&new));
            last = value.end();
        }
    }
    if last == 0 {
        return html;
    }
    out.push_str(&html[last..]);
    out.into()
}

/// The few character references that appear in attribute values written by hand.
fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").into()
}

fn footnote_id(name: &str) -> String {
    let s = myblog_utils::slugify(name);
    if s.is_empty() {
        "note".into()
    } else {
        s
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn rewrite_link<'a>(
    ev: Event<'a>,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> Event<'a> {
    match ev {
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = match resolver.resolve(dir, &dest_url, false) {
                Resolved::Url(url) | Resolved::Photo { src: url, .. } => CowStr::from(url),
                Resolved::Missing => {
                    errors.push(MarkdownError {
                        offset,
                        message: format!("link to missing file {dest_url:?}"),
                        hint: "check the file name and that the file is in content/ or the theme's static/".into(),
                    });
                    dest_url
                }
                Resolved::Invalid { message, hint } => {
                    errors.push(MarkdownError { offset, message, hint });
                    dest_url
                }
                Resolved::Unchanged => dest_url,
            };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        other => other,
    }
}

fn image_html(
    dest: &str,
    title: &str,
    alt: &str,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> String {
    let title_attr = if title.is_empty() { String::new() } else { format!(" title=\"{}\"", escape_attr(title)) };
    match resolver.resolve(dir, dest, true) {
        Resolved::Photo { src, srcset, width, height } => format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"(max-width: 48rem) 100vw, 48rem\" width=\"{width}\" height=\"{height}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">",
            escape_attr(&src),
            escape_attr(&srcset),
            escape_attr(alt)
        ),
        Resolved::Url(url) => {
            format!("<img src=\"{}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">", escape_attr(&url), escape_attr(alt))
        }
        Resolved::Unchanged => {
            format!("<img src=\"{}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">", escape_attr(dest), escape_attr(alt))
        }
        Resolved::Invalid { message, hint } => {
            errors.push(MarkdownError { offset, message, hint });
            String::new()
        }
        Resolved::Missing => {
            errors.push(MarkdownError {
                offset,
                message: format!("image {dest:?} does not exist"),
                hint: "put the file next to the post, or under content/media/, and check the spelling".into(),
            });
            String::new()
        }
    }
}

pub(crate) fn highlight_block(code: &str, lang: &str, highlight: bool) -> String {
    let mut out = String::with_capacity(code.len() * 2 + 64);
    out.push_str("<pre class=\"code\"");
    if !lang.is_empty() {
        let _ = write!(out, " data-lang=\"{}\"", escape_attr(lang));
    }
    out.push_str("><code>");
    let syntax = if highlight && !lang.is_empty() {
        let ss = syntax_set();
        ss.find_syntax_by_token(lang).map(|s| (ss, s))
    } else {
        None
    };
    match syntax {
        Some((ss, syntax)) => {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, ss, ClassStyle::SpacedPrefixed { prefix: "hl-" });
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if gen.parse_html_for_line_which_includes_newline(line).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                out.push_str(&gen.finalize());
            } else {
                escape_text_into(code, &mut out);
            }
        }
        None => escape_text_into(code, &mut out),
    }
    out.push_str("</code></pre>\n");
    out
}

fn build_toc(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        if let Some(last) = list.last_mut() {
            if entry.level > last.level {
                insert(&mut last.children, entry);
                return;
            }
        }
        list.push(entry);
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings {
        insert(&mut toc, TocEntry { level: *level, id: id.clone(), title: title.clone(), children: Vec::new() });
    }
    toc
}

pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn escape_text_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoFiles;
    impl Resolver for NoFiles {
        fn resolve(&self, _at: Location<'_>, dest: &str, _img: bool) -> Resolved {
            if dest.ends_with("missing.png") {
                Resolved::Missing
            } else if dest == "photo.jpg" {
                Resolved::Photo { src: "/p.1.jpg".into(), srcset: "/t-320.webp 320w".into(), width: 640, height: 480 }
            } else {
                Resolved::Unchanged
            }
        }
    }
    const HERE: Location<'static> = Location { dir: "", url_path: "/x/" };
    const OPTS: MarkdownOptions = MarkdownOptions { highlight: true, smart_punctuation: true };

    #[test]
    fn headings_get_unique_ids_anchors_and_toc() {
        let r = render("# Intro\n\ntext\n\n## Setup\n\n## Setup\n\n### Deep\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            r.content.contains("<h1 id=\"intro\">Intro<a class=\"anchor\" href=\"#intro\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h1>"),
            "{}",
            r.content
        );
        assert!(r.content.contains("id=\"setup-1\""));
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].children[0].id, "deep");
    }

    #[test]
    fn summary_from_more_marker_or_first_paragraph() {
        let r = render("First para.\n\nSecond.\n\n<!-- more -->\n\nRest.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.has_more);
        assert!(r.summary.contains("Second.") && !r.summary.contains("Rest."), "{}", r.summary);
        let r = render("Only *one* para.\n\nAnd another.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<p>Only <em>one</em> para.</p>\n");
        assert!(r.has_more);
    }

    #[test]
    fn more_marker_in_any_spacing_or_case() {
        for marker in ["<!--more-->", "<!--   More -->", "<!-- MORE-->", "<!--\tmore\t-->"] {
            let r = render(&format!("First para.\n\nSecond.\n\n{marker}\n\nRest.\n"), OPTS, HERE, &NoFiles).unwrap();
            assert!(r.summary.contains("Second.") && !r.summary.contains("Rest."), "{marker}: {}", r.summary);
        }
        let r = render("First para.\n\nSecond.\n\n<!-- moreover -->\n\nRest.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(!r.summary.contains("Second."), "{}", r.summary);
    }

    #[test]
    fn summaries_end_at_top_level_blocks_only() {
        // A post opening with a blockquote of two paragraphs: the whole quote, never half.
        let r = render("> one\n>\n> two\n\nafter\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<blockquote>\n<p>one</p>\n<p>two</p>\n</blockquote>\n");
        assert!(r.has_more);
        // A loose list: the whole list.
        let r = render("- a\n\n- b\n\nafter\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.summary.starts_with("<ul>") && r.summary.ends_with("</ul>\n"), "{}", r.summary);
        // A heading first: heading and the block after it, the heading without its id.
        let r = render("## Setup\n\nFirst.\n\nSecond.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<h2>Setup</h2>\n<p>First.</p>\n");
        // The more marker inside a list cuts after the whole list.
        let r = render("- a\n- b <!-- more -->\n- c\n\nrest\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.summary.ends_with("</ul>\n") && r.summary.contains("<li>c</li>"), "{}", r.summary);
        assert!(r.has_more);
        // A post that is one paragraph has no more.
        let r = render("Just this.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(!r.has_more);
    }

    #[test]
    fn summaries_drop_footnote_references() {
        let r = render("Claim[^1] here.\n\nMore.\n\n[^1]: Source.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<p>Claim here.</p>\n");
        assert!(r.content.contains("id=\"fnref-1\""), "{}", r.content);
    }

    #[test]
    fn heading_ids_never_collide() {
        let r = render("## Setup\n\n## Setup\n\n## Setup 1\n", OPTS, HERE, &NoFiles).unwrap();
        let ids: Vec<&str> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["setup", "setup-1", "setup-1-1"]);
    }

    #[test]
    fn reading_time_counts_cjk_characters() {
        assert_eq!(count_words("hello world"), 2);
        assert_eq!(count_words("日本語の文章です"), 8);
        assert_eq!(count_words("Rust は速い"), 4);
        // The same as splitting at Unicode whitespace and counting runs, whatever the text.
        let reference = |t: &str| -> usize {
            t.split_whitespace()
                .map(|w| {
                    let (mut n, mut in_word) = (0, false);
                    for c in w.chars() {
                        if is_unspaced_script(c) {
                            (n, in_word) = (n + 1, false);
                        } else if !in_word {
                            (n, in_word) = (n + 1, true);
                        }
                    }
                    n
                })
                .sum()
        };
        for t in ["", "  ", "a", " a\tb\r\nc\x0bd\x0c", "x\u{a0}y\u{3000}z", "é è\u{2003}ü", "中文abc中 def", "ไทย ok", "a\u{1F600}b"]
        {
            assert_eq!(count_words(t), reference(t), "{t:?}");
        }
        let r = render(&"日本語の文章です。".repeat(100), OPTS, HERE, &NoFiles).unwrap();
        assert!(r.reading_time >= 4, "{}", r.reading_time);
    }

    #[test]
    fn raw_html_references_are_rewritten() {
        struct Files;
        impl Resolver for Files {
            fn resolve(&self, _at: Location<'_>, dest: &str, _img: bool) -> Resolved {
                match dest {
                    "photo.jpg" => Resolved::Url("/p.0123456789.jpg".into()),
                    "a b.pdf" => Resolved::Url("/a%20b.0123456789.pdf".into()),
                    "gone.mp4" => Resolved::Missing,
                    _ => Resolved::Unchanged,
                }
            }
        }
        let md = "<figure><img src=\"photo.jpg\" alt=x></figure>\n\nSee <a href='a b.pdf'>paper</a> and <a href=\"https://e.org/\">e</a>.\n\n<video poster=\"photo.jpg\"><source srcset=\"photo.jpg 2x, other.jpg\"></video>\n";
        let r = render(md, OPTS, HERE, &Files).unwrap();
        assert!(r.content.contains("<img src=\"/p.0123456789.jpg\" alt=x>"), "{}", r.content);
        assert!(r.content.contains("<a href='/a%20b.0123456789.pdf'>"), "{}", r.content);
        assert!(r.content.contains("href=\"https://e.org/\""), "{}", r.content);
        assert!(r.content.contains("poster=\"/p.0123456789.jpg\""), "{}", r.content);
        assert!(r.content.contains("srcset=\"/p.0123456789.jpg 2x, other.jpg\""), "{}", r.content);
        let e = render("<video src=\"gone.mp4\"></video>\n", OPTS, HERE, &Files).unwrap_err();
        assert!(e[0].message.contains("src=\"gone.mp4\""), "{}", e[0].message);
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let r = render("```rust\nfn main() { let x = \"s\"; }\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.content.contains("<pre class=\"code\" data-lang=\"rust\"><code>"), "{}", r.content);
        assert!(r.content.contains("hl-keyword") || r.content.contains("hl-storage"), "{}", r.content);
        let toml = render("```toml\n[deploy]\nbucket = \"b\" # c\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            toml.content.contains("hl-entity hl-name hl-section")
                && toml.content.contains("hl-string")
                && toml.content.contains("hl-comment"),
            "{}",
            toml.content
        );
        let plain = render("```nolang\n<b a=\"1\">\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(plain.content.contains("&lt;b a=&quot;1&quot;&gt;"), "{}", plain.content);
    }

    #[test]
    fn images_resolve_or_fail() {
        let r = render("![A photo](photo.jpg)\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.content.contains("srcset=\"/t-320.webp 320w\""), "{}", r.content);
        assert!(r.content.contains("alt=\"A photo\" loading=\"lazy\""), "{}", r.content);
        let e = render("text\n\n![x](missing.png)\n", OPTS, HERE, &NoFiles).unwrap_err();
        assert_eq!(e[0].offset, 6);
    }

    #[test]
    fn extensions_enabled() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ - [x] done\n\nNote[^1].\n\n[^1]: Footnote.\n", OPTS, HERE, &NoFiles)
            .unwrap();
        assert!(r.content.contains("<table>"));
        let t = render("| a | b |\n|:---|---:|\n| 1 | 2 |\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(t.content.contains("<th class=\"align-left\">a</th><th class=\"align-right\">b</th>"), "{}", t.content);
        assert!(!t.content.contains("style="));
        // Body cells too, each row counted afresh; an unaligned column keeps a plain cell.
        let t = render("| a | b | c |\n|:-:|---|--:|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            t.content.contains("<tr><td class=\"align-center\">4</td><td>5</td><td class=\"align-right\">6</td></tr>"),
            "{}",
            t.content
        );
        assert!(t.content.contains("<th class=\"align-center\">a</th><th>b</th><th class=\"align-right\">c</th>"), "{}", t.content);
        assert!(r.content.contains("<del>old</del>"));
        assert!(r.content.contains("<sup class=\"footnote-reference\"><a href=\"#fn-1\" id=\"fnref-1\">1</a></sup>"), "{}", r.content);
        assert!(r.content.contains("<div class=\"footnote-definition\" id=\"fn-1\">"), "{}", r.content);
    }
}
