//! A source's body to HTML: shortcodes expanded, then markdown (or, for Hugo's `.html` content
//! files, the HTML as written, its shortcodes expanded as Hugo does), every error located in
//! the file as the author wrote it.

use crate::markdown;
use crate::markdown::Location;
use crate::markdown::MarkdownOptions;
use crate::markdown::Rendered;
use crate::markdown::Resolver;
use crate::shortcodes;
use crate::shortcodes::PageInfo;
use crate::shortcodes::Shortcodes;
use myblog_config::absolute;
use myblog_config::with_base;
use myblog_config::SiteConfig;
use myblog_content::is_html_page;
use myblog_content::Source;
use myblog_utils::date_string;
use myblog_utils::line_col;
use myblog_utils::Diagnostic;

pub fn render(
    s: &Source,
    opts: MarkdownOptions,
    resolver: &dyn Resolver,
    shortcodes: &Shortcodes,
    config: &SiteConfig,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut r = render_content(s, opts, resolver, shortcodes, config)?;
    let at = Location { dir: &s.dir, url_path: &s.url_path };
    r.image = crate::preview_image(&s.front.extra, at, resolver, &r.content, config.content.dialect.is_strict()).map_err(|why| {
        vec![Diagnostic::new(&s.display_path, why).hint("the front matter's `image` (under extra) names the picture link previews show: fix the path, or remove it to use the post's first picture")]
    })?;
    Ok(r)
}

fn render_content(
    s: &Source,
    opts: MarkdownOptions,
    resolver: &dyn Resolver,
    shortcodes: &Shortcodes,
    config: &SiteConfig,
) -> Result<Rendered, Vec<Diagnostic>> {
    let html = is_html_page(&s.rel);
    let at = Location { dir: &s.dir, url_path: &s.url_path };
    let locate = |offset: usize, message: String, hint: String| {
        let (line, col) = line_col(&s.body, offset);
        Diagnostic::new(&s.display_path, message).at(s.body_line + line - 1, col).hint(hint)
    };
    if !shortcodes::may_contain(&s.body) {
        if html {
            return Ok(html_page(&s.body));
        }
        return markdown::render(&s.body, opts, at, resolver)
            .map_err(|errs| errs.into_iter().map(|e| locate(e.offset, e.message, e.hint)).collect());
    }
    let path = with_base(config, &s.url_path);
    let page = PageInfo {
        title: &s.front.title,
        permalink: absolute(config, &path),
        path,
        rel: &s.rel,
        dir: &s.dir,
        date: s.front.date.as_ref().map(date_string),
        extra: &s.front.extra,
        url_path: &s.url_path,
    };
    let expanded = if html { shortcodes.expand_html(&s.body, &page) } else { shortcodes.expand(&s.body, &page) }
        .map_err(|errs| errs.into_iter().map(|e| locate(e.offset, e.message, e.hint)).collect::<Vec<_>>())?;
    if html {
        // Every output went in as written: nothing is left to swap in.
        return Ok(html_page(&expanded.text));
    }
    let mut r = markdown::render(&expanded.text, opts, at, resolver)
        .map_err(|errs| errs.into_iter().map(|e| locate(expanded.source_offset(e.offset), e.message, e.hint)).collect::<Vec<_>>())?;
    r.content = expanded.finish(&r.content);
    r.summary = expanded.finish(&r.summary);
    Ok(r)
}

/// An HTML body: its summary is what precedes `<!--more-->`, or else its first paragraph.
fn html_page(body: &str) -> Rendered {
    let text = strip_tags(body);
    let words = markdown::count_words(&text);
    let (summary, has_more) = match more_marker(body) {
        Some(i) => (body[..i].trim_end().to_string(), true),
        None => match body.find("</p>") {
            Some(i) if !body[i + 4..].trim().is_empty() => (body[..i + 4].trim_start().to_string(), true),
            _ => (body.to_string(), false),
        },
    };
    Rendered {
        content: body.to_string(),
        summary,
        has_more,
        toc: Vec::new(),
        word_count: words,
        reading_time: words.div_ceil(220).max(1),
        image: None,
    }
}

/// Byte offset of `<!--more-->` in any spacing or case.
fn more_marker(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<!--") {
        let at = from + i;
        let inner = html[at + 4..].trim_start();
        if inner.len() >= 4 && inner[..4].eq_ignore_ascii_case("more") && inner[4..].trim_start().starts_with("-->") {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_are_used_as_written() {
        let r = html_page("<p>One two.</p>\n<!--  MORE -->\n<p>Three <b>four</b>.</p>\n");
        assert_eq!(r.summary, "<p>One two.</p>");
        assert!(r.has_more);
        assert_eq!(r.word_count, 4);
        assert!(r.content.contains("<b>four</b>"));
        let r = html_page("<p>First.</p><p>Second.</p>");
        assert_eq!((r.summary.as_str(), r.has_more), ("<p>First.</p>", true));
        let r = html_page("<div>all</div>");
        assert_eq!((r.summary.as_str(), r.has_more), ("<div>all</div>", false));
    }
}
