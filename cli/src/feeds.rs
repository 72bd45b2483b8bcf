//! Atom and RSS 2.0 feeds (full content), `sitemap.xml` and `robots.txt`, generated from the
//! site model. Pure: the site in, bytes out.

use std::fmt::Write as _;

use crate::config::SiteConfig;
use crate::model::{absolute, with_base, Page, Site};

/// How many of the newest posts the feeds carry.
pub const FEED_LIMIT: usize = 20;

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Feed readers resolve relative URLs inconsistently: make root-relative ones absolute.
pub fn absolutize(html: &str, config: &SiteConfig) -> String {
    let origin = &config.base_url[..config.base_url.len() - config.base_path().len()];
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(i) = rest.find(['h', 's']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let attr = ["href=\"/", "src=\"/", "srcset=\"/"].into_iter().find(|a| tail.starts_with(a) && !tail[a.len()..].starts_with('/'));
        match attr {
            Some(a) if a.starts_with("srcset") => {
                let end = tail[a.len() - 1..].find('"').map(|j| a.len() - 1 + j).unwrap_or(tail.len());
                let list = &tail[a.len() - 1..end];
                out.push_str("srcset=\"");
                let parts: Vec<String> = list
                    .split(',')
                    .map(|p| {
                        let p = p.trim();
                        if p.starts_with('/') && !p.starts_with("//") {
                            format!("{origin}{p}")
                        } else {
                            p.to_string()
                        }
                    })
                    .collect();
                out.push_str(&parts.join(", "));
                rest = &tail[end..];
            }
            Some(a) => {
                out.push_str(&a[..a.len() - 1]);
                out.push_str(origin);
                out.push('/');
                rest = &tail[a.len()..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn latest(site: &Site) -> &[Page] {
    &site.posts[..site.posts.len().min(FEED_LIMIT)]
}

fn feed_updated(site: &Site) -> String {
    site.posts
        .iter()
        .take(FEED_LIMIT)
        .filter_map(|p| p.source.front.updated.or(p.date))
        .max()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

pub fn atom(site: &Site, config: &SiteConfig) -> String {
    let mut x = String::with_capacity(64 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"");
    let _ = writeln!(x, " xml:lang=\"{}\">", xml_escape(&config.language));
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(&config.title));
    if !config.description.is_empty() {
        let _ = writeln!(x, "  <subtitle>{}</subtitle>", xml_escape(&config.description));
    }
    let home = absolute(config, &with_base(config, "/"));
    let _ = writeln!(
        x,
        "  <link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>",
        xml_escape(&absolute(config, &with_base(config, "/atom.xml")))
    );
    let _ = writeln!(x, "  <link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>", xml_escape(&home));
    let _ = writeln!(x, "  <id>{}</id>", xml_escape(&home));
    let _ = writeln!(x, "  <updated>{}</updated>", feed_updated(site));
    let _ = writeln!(x, "  <generator>myblog</generator>");
    for p in latest(site) {
        let s = &p.summary;
        x.push_str("  <entry>\n");
        let _ = writeln!(x, "    <title>{}</title>", xml_escape(&s.title));
        let _ = writeln!(x, "    <link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>", xml_escape(&s.permalink));
        let _ = writeln!(x, "    <id>{}</id>", xml_escape(&s.permalink));
        let published = s.date_rfc3339.clone().unwrap_or_default();
        let updated = p
            .source
            .front
            .updated
            .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| published.clone());
        let _ = writeln!(x, "    <published>{published}</published>\n    <updated>{updated}</updated>");
        if !config.author.name.is_empty() {
            let _ = writeln!(x, "    <author><name>{}</name></author>", xml_escape(&config.author.name));
        }
        for t in &s.tags {
            let _ = writeln!(x, "    <category term=\"{}\" label=\"{}\"/>", xml_escape(&t.slug), xml_escape(&t.name));
        }
        if !s.description.is_empty() {
            let _ = writeln!(x, "    <summary>{}</summary>", xml_escape(&s.description));
        }
        let _ = writeln!(x, "    <content type=\"html\">{}</content>", xml_escape(&absolutize(&p.content, config)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

pub fn rss(site: &Site, config: &SiteConfig) -> String {
    let mut x = String::with_capacity(64 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(&config.title));
    let _ = writeln!(x, "  <link>{}</link>", xml_escape(&absolute(config, &with_base(config, "/"))));
    let _ = writeln!(x, "  <description>{}</description>", xml_escape(&config.description));
    let _ = writeln!(x, "  <language>{}</language>", xml_escape(&config.language));
    let _ = writeln!(x, "  <generator>myblog</generator>");
    let _ = writeln!(
        x,
        "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        xml_escape(&absolute(config, &with_base(config, "/rss.xml")))
    );
    if let Some(d) = site.posts.first().and_then(|p| p.date) {
        let _ = writeln!(x, "  <lastBuildDate>{}</lastBuildDate>", rfc2822(&d));
    }
    for p in latest(site) {
        let s = &p.summary;
        x.push_str("  <item>\n");
        let _ = writeln!(x, "    <title>{}</title>", xml_escape(&s.title));
        let _ = writeln!(x, "    <link>{}</link>", xml_escape(&s.permalink));
        let _ = writeln!(x, "    <guid isPermaLink=\"true\">{}</guid>", xml_escape(&s.permalink));
        if let Some(d) = p.date {
            let _ = writeln!(x, "    <pubDate>{}</pubDate>", rfc2822(&d));
        }
        for t in &s.tags {
            let _ = writeln!(x, "    <category>{}</category>", xml_escape(&t.name));
        }
        let _ = writeln!(x, "    <description>{}</description>", xml_escape(&absolutize(&p.content, config)));
        x.push_str("  </item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

fn rfc2822(d: &time::OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc2822).unwrap_or_default()
}

/// `(url path, lastmod)` of every page to list in the sitemap.
pub fn sitemap(entries: &[(String, Option<String>)], config: &SiteConfig) -> String {
    let mut x = String::with_capacity(entries.len() * 100 + 200);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (path, lastmod) in entries {
        let _ = write!(x, "  <url>\n    <loc>{}</loc>\n", xml_escape(&absolute(config, &with_base(config, path))));
        if let Some(m) = lastmod {
            let _ = writeln!(x, "    <lastmod>{m}</lastmod>");
        }
        x.push_str("  </url>\n");
    }
    x.push_str("</urlset>\n");
    x
}

pub fn robots(config: &SiteConfig) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", absolute(config, &with_base(config, "/sitemap.xml")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolutize_rewrites_root_relative_only() {
        let c = crate::config::SiteConfig::parse("title=\"t\"\nbase_url=\"https://x.org/blog\"\n", std::path::Path::new("s")).unwrap();
        let html = r##"<a href="/blog/posts/a/">a</a> <a href="https://e.org/">e</a> <img src="/blog/m.1.jpg" srcset="/blog/t-320.webp 320w, /blog/t-640.webp 640w"> <a href="//cdn/x">c</a> <a href="#n">n</a>"##;
        let out = absolutize(html, &c);
        assert!(out.contains(r#"href="https://x.org/blog/posts/a/""#), "{out}");
        assert!(out.contains(r#"src="https://x.org/blog/m.1.jpg""#), "{out}");
        assert!(out.contains(r#"srcset="https://x.org/blog/t-320.webp 320w, https://x.org/blog/t-640.webp 640w""#), "{out}");
        assert!(out.contains(r#"href="//cdn/x""#) && out.contains(r##"href="#n""##), "{out}");
    }
}
