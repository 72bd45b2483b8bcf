//! Atom and RSS 2.0 feeds (full content), `sitemap.xml` (an index of several sitemaps past
//! 50,000 URLs) and `robots.txt`, generated from the site model. Pure: the site in, bytes out
//! (save the clock, read only for a feed with nothing dated).

use crate::model::Page;
use crate::model::Site;
use myblog_config::absolute;
use myblog_config::with_base;
use myblog_config::SiteConfig;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

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

/// Feed readers resolve relative URLs inconsistently: make root-relative ones absolute, and
/// in-page anchors (`#fn-1`) point into the page they belong to (`page_url`), not the feed.
pub fn absolutize(html: &str, config: &SiteConfig, page_url: &str) -> String {
    let origin = &config.base_url[..config.base_url.len() - config.base_path().len()];
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(i) = rest.find(['h', 's']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if tail.starts_with("href=\"#") {
            out.push_str("href=\"");
            out.push_str(page_url);
            rest = &tail["href=\"".len()..];
            continue;
        }
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

/// When the feed last changed: its newest entry, else the newest dated page; a blog with
/// nothing dated yet gets the time of the build (anything older would be a lie).
fn feed_updated(site: &Site) -> String {
    let newest = |pages: &[Page]| pages.iter().filter_map(|p| p.source.front.updated.or(p.date)).max();
    site.posts
        .iter()
        .take(FEED_LIMIT)
        .filter_map(|p| p.source.front.updated.or(p.date))
        .max()
        .or_else(|| newest(&site.pages).max(newest(&site.sections)))
        .unwrap_or_else(time::OffsetDateTime::now_utc)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// RFC 4287 wants an author on the feed unless every entry has one: the site's author, or the
/// site itself.
fn feed_author(config: &SiteConfig) -> &str {
    if config.author.name.trim().is_empty() {
        &config.title
    } else {
        &config.author.name
    }
}

pub fn atom(site: &Site, config: &SiteConfig) -> String {
    let entries: Vec<&Page> = latest(site).iter().collect();
    let feed = Feed { title: &config.title, self_path: "/atom.xml", list_path: "/", entries: &entries, updated: feed_updated(site) };
    atom_of(&feed, config)
}

pub fn rss(site: &Site, config: &SiteConfig) -> String {
    let entries: Vec<&Page> = latest(site).iter().collect();
    let feed = Feed { title: &config.title, self_path: "/rss.xml", list_path: "/", entries: &entries, updated: String::new() };
    rss_of(&feed, config)
}

/// One feed: of the site, or of a list page (a section, a taxonomy term).
pub struct Feed<'a> {
    pub title: &'a str,
    /// URL paths (without the base path) of the feed and of the page it follows.
    pub self_path: &'a str,
    pub list_path: &'a str,
    /// Newest first, at most [`FEED_LIMIT`].
    pub entries: &'a [&'a Page],
    /// RFC 3339 time of the last change (Atom).
    pub updated: String,
}

/// The feed of a list page, in the format `[feeds] filename` names; `entries` newest first.
pub fn list_feed(config: &SiteConfig, title: &str, list_path: &str, entries: &[&Page]) -> (String, String) {
    let self_path = format!("{list_path}{}", config.feeds.filename);
    let entries = &entries[..entries.len().min(FEED_LIMIT)];
    let updated = entries
        .iter()
        .filter_map(|p| p.source.front.updated.or(p.date))
        .max()
        // A list with nothing dated: a fixed time, so rebuilds stay byte-identical.
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let feed = Feed { title, self_path: &self_path, list_path, entries, updated };
    let body = if config.feeds.is_atom() { atom_of(&feed, config) } else { rss_of(&feed, config) };
    (self_path.trim_start_matches('/').to_string(), body)
}

/// One item of a feed listing pages without their content: a taxonomy's terms.
pub struct LinkItem<'a> {
    pub title: &'a str,
    /// URL path without the base path.
    pub path: String,
    pub date: Option<time::OffsetDateTime>,
}

/// A taxonomy's feed as Hugo writes it (`/tags/index.xml`): one item per term, linking the term's
/// page and dated by its newest post; `items` in the order they are listed.
pub fn link_feed(config: &SiteConfig, title: &str, list_path: &str, items: &[LinkItem<'_>]) -> (String, String) {
    let self_path = format!("{list_path}{}", config.feeds.filename);
    let items = &items[..items.len().min(FEED_LIMIT)];
    let home = absolute(config, &with_base(config, list_path));
    let self_url = absolute(config, &with_base(config, &self_path));
    let url = |i: &LinkItem<'_>| absolute(config, &with_base(config, &myblog_utils::url_path(&i.path)));
    let mut x = String::with_capacity(256 * items.len() + 1024);
    if config.feeds.is_atom() {
        let updated = items
            .iter()
            .filter_map(|i| i.date)
            .max()
            .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"");
        let _ = writeln!(x, " xml:lang=\"{}\" xml:base=\"{}\">", xml_escape(&config.language), xml_escape(&home));
        let _ = writeln!(x, "  <title>{}</title>", xml_escape(title));
        let _ = writeln!(x, "  <link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>", xml_escape(&self_url));
        let _ = writeln!(x, "  <link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>", xml_escape(&home));
        let _ = writeln!(x, "  <id>{}</id>\n  <updated>{updated}</updated>", xml_escape(&home));
        let _ = writeln!(x, "  <author><name>{}</name></author>\n  <generator>myblog</generator>", xml_escape(feed_author(config)));
        for i in items {
            let u = xml_escape(&url(i));
            let when =
                i.date.and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok()).unwrap_or_else(|| updated.clone());
            let _ = writeln!(
                x,
                "  <entry>\n    <title>{}</title>\n    <link href=\"{u}\" rel=\"alternate\" type=\"text/html\"/>",
                xml_escape(i.title)
            );
            let _ = writeln!(x, "    <id>{u}</id>\n    <updated>{when}</updated>\n  </entry>");
        }
        x.push_str("</feed>\n");
    } else {
        x.push_str(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n",
        );
        let _ = writeln!(x, "  <title>{}</title>\n  <link>{}</link>", xml_escape(title), xml_escape(&home));
        let description = if config.description.trim().is_empty() { &config.title } else { &config.description };
        let _ = writeln!(x, "  <description>{}</description>", xml_escape(description));
        let _ = writeln!(x, "  <language>{}</language>\n  <generator>myblog</generator>", xml_escape(&config.language));
        let _ = writeln!(x, "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>", xml_escape(&self_url));
        if let Some(d) = items.iter().filter_map(|i| i.date).max() {
            let _ = writeln!(x, "  <lastBuildDate>{}</lastBuildDate>", rfc2822(&d));
        }
        for i in items {
            let u = xml_escape(&url(i));
            let _ = writeln!(
                x,
                "  <item>\n    <title>{}</title>\n    <link>{u}</link>\n    <guid isPermaLink=\"true\">{u}</guid>",
                xml_escape(i.title)
            );
            if let Some(d) = i.date {
                let _ = writeln!(x, "    <pubDate>{}</pubDate>", rfc2822(&d));
            }
            x.push_str("  </item>\n");
        }
        x.push_str("</channel>\n</rss>\n");
    }
    (self_path.trim_start_matches('/').to_string(), x)
}

fn atom_of(feed: &Feed<'_>, config: &SiteConfig) -> String {
    let mut x = String::with_capacity(64 * 1024);
    let home = absolute(config, &with_base(config, feed.list_path));
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"");
    let _ = writeln!(x, " xml:lang=\"{}\" xml:base=\"{}\">", xml_escape(&config.language), xml_escape(&home));
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(feed.title));
    if !config.description.is_empty() {
        let _ = writeln!(x, "  <subtitle>{}</subtitle>", xml_escape(&config.description));
    }
    let _ = writeln!(
        x,
        "  <link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>",
        xml_escape(&absolute(config, &with_base(config, feed.self_path)))
    );
    let _ = writeln!(x, "  <link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>", xml_escape(&home));
    let _ = writeln!(x, "  <id>{}</id>", xml_escape(&home));
    let _ = writeln!(x, "  <updated>{}</updated>", feed.updated);
    let _ = writeln!(x, "  <author><name>{}</name></author>", xml_escape(feed_author(config)));
    let _ = writeln!(x, "  <generator>myblog</generator>");
    for p in feed.entries {
        let s = &p.summary;
        let _ = writeln!(x, "  <entry xml:base=\"{}\">", xml_escape(&s.permalink));
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
        for t in &s.tags {
            let _ = writeln!(x, "    <category term=\"{}\" label=\"{}\"/>", xml_escape(&t.slug), xml_escape(&t.name));
        }
        if !s.description.is_empty() {
            let _ = writeln!(x, "    <summary>{}</summary>", xml_escape(&s.description));
        }
        let _ = writeln!(x, "    <content type=\"html\">{}</content>", xml_escape(&absolutize(&p.content, config, &s.permalink)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

fn rss_of(feed: &Feed<'_>, config: &SiteConfig) -> String {
    let mut x = String::with_capacity(64 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(feed.title));
    let _ = writeln!(x, "  <link>{}</link>", xml_escape(&absolute(config, &with_base(config, feed.list_path))));
    // Required by RSS 2.0, and empty is no description.
    let description = if config.description.trim().is_empty() { &config.title } else { &config.description };
    let _ = writeln!(x, "  <description>{}</description>", xml_escape(description));
    let _ = writeln!(x, "  <language>{}</language>", xml_escape(&config.language));
    let _ = writeln!(x, "  <generator>myblog</generator>");
    let _ = writeln!(
        x,
        "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        xml_escape(&absolute(config, &with_base(config, feed.self_path)))
    );
    if let Some(d) = feed.entries.first().and_then(|p| p.date) {
        let _ = writeln!(x, "  <lastBuildDate>{}</lastBuildDate>", rfc2822(&d));
    }
    for p in feed.entries {
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
        let _ = writeln!(x, "    <description>{}</description>", xml_escape(&absolutize(&p.content, config, &s.permalink)));
        x.push_str("  </item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

fn rfc2822(d: &time::OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc2822).unwrap_or_default()
}

/// The sitemap protocol's limit of URLs in one file.
pub const SITEMAP_LIMIT: usize = 50_000;

/// `(url path, lastmod)` of every page search engines may index: every `index.html` written,
/// less drafts and pages that ask not to be (`extra.noindex = true`).
pub fn sitemap_entries(site: &Site, html_paths: &[&str]) -> Vec<(String, Option<String>)> {
    let all = || site.posts.iter().chain(&site.pages).chain(&site.sections);
    let lastmods: HashMap<&str, String> = all()
        .filter_map(|p| p.source.front.updated.or(p.date).map(|d| (p.source.url_path.as_str(), myblog_utils::date_string(&d))))
        .collect();
    let hidden: HashSet<&str> = all().filter(|p| !p.is_indexed()).map(|p| p.source.url_path.as_str()).collect();
    let mut entries: Vec<(String, Option<String>)> = html_paths
        .iter()
        .filter(|p| p.ends_with("index.html"))
        .map(|p| format!("/{}", p.trim_end_matches("index.html")))
        .filter(|url| !hidden.contains(url.as_str()))
        .map(|url| {
            let lastmod = lastmods.get(url.as_str()).cloned();
            (url, lastmod)
        })
        .collect();
    entries.sort();
    entries
}

/// The other languages' versions of pages, by the page's URL path: `(hreflang, absolute URL)`,
/// the page itself and `x-default` included, as the sitemap lists them (`xhtml:link`).
pub type Alternates = HashMap<String, Vec<(String, String)>>;

/// The sitemap files: `sitemap.xml` alone, or past [`SITEMAP_LIMIT`] URLs a sitemap index at
/// `sitemap.xml` pointing at `sitemap-1.xml`, `sitemap-2.xml`...
pub fn sitemaps(entries: &[(String, Option<String>)], config: &SiteConfig) -> Vec<(String, String)> {
    sitemaps_of(entries, &Alternates::new(), config, SITEMAP_LIMIT)
}

/// The sitemaps of a site in several languages: each translated page with its alternates.
pub fn sitemaps_with_alternates(
    entries: &[(String, Option<String>)],
    alternates: &Alternates,
    config: &SiteConfig,
) -> Vec<(String, String)> {
    sitemaps_of(entries, alternates, config, SITEMAP_LIMIT)
}

fn sitemaps_of(entries: &[(String, Option<String>)], alternates: &Alternates, config: &SiteConfig, limit: usize) -> Vec<(String, String)> {
    if entries.len() <= limit {
        return vec![("sitemap.xml".into(), sitemap(entries, alternates, config))];
    }
    let parts: Vec<(String, String)> = entries
        .chunks(limit)
        .enumerate()
        .map(|(i, chunk)| (format!("sitemap-{}.xml", i + 1), sitemap(chunk, alternates, config)))
        .collect();
    let mut index = String::with_capacity(parts.len() * 120 + 200);
    index.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (name, _) in &parts {
        let _ = writeln!(
            index,
            "  <sitemap>\n    <loc>{}</loc>\n  </sitemap>",
            xml_escape(&absolute(config, &with_base(config, &format!("/{name}"))))
        );
    }
    index.push_str("</sitemapindex>\n");
    let mut out = vec![("sitemap.xml".to_string(), index)];
    out.extend(parts);
    out
}

/// One `<urlset>` of `(url path, lastmod)` entries, with their alternates when they have any
/// (Google's `xhtml:link` form; the namespace is declared only then, so a one-language site's
/// sitemap stays as it was).
fn sitemap(entries: &[(String, Option<String>)], alternates: &Alternates, config: &SiteConfig) -> String {
    let mut x = String::with_capacity(entries.len() * 100 + 200);
    let has_alternates = entries.iter().any(|(p, _)| alternates.contains_key(p));
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"");
    x.push_str(if has_alternates { " xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n" } else { ">\n" });
    for (path, lastmod) in entries {
        let url = absolute(config, &with_base(config, &myblog_utils::url_path(path)));
        let _ = write!(x, "  <url>\n    <loc>{}</loc>\n", xml_escape(&url));
        if let Some(m) = lastmod {
            let _ = writeln!(x, "    <lastmod>{m}</lastmod>");
        }
        for (lang, href) in alternates.get(path).into_iter().flatten() {
            let _ = writeln!(x, "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>", xml_escape(lang), xml_escape(href));
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
        let c = myblog_config::SiteConfig::parse("title=\"t\"\nbase_url=\"https://x.org/blog\"\n", std::path::Path::new("s")).unwrap();
        let html = r##"<a href="/blog/posts/a/">a</a> <a href="https://e.org/">e</a> <img src="/blog/m.1.jpg" srcset="/blog/t-320.webp 320w, /blog/t-640.webp 640w"> <a href="//cdn/x">c</a> <a href="#n">n</a>"##;
        let out = absolutize(html, &c, "https://x.org/blog/posts/a/");
        assert!(out.contains(r#"href="https://x.org/blog/posts/a/""#), "{out}");
        assert!(out.contains(r#"src="https://x.org/blog/m.1.jpg""#), "{out}");
        assert!(out.contains(r#"srcset="https://x.org/blog/t-320.webp 320w, https://x.org/blog/t-640.webp 640w""#), "{out}");
        assert!(out.contains(r#"href="//cdn/x""#), "{out}");
        assert!(out.contains(r##"href="https://x.org/blog/posts/a/#n""##), "in-page anchors point into the post: {out}");
    }

    #[test]
    fn sitemap_splits_into_an_index_past_the_limit() {
        let c = myblog_config::SiteConfig::parse("title=\"t\"\nbase_url=\"https://x.org/blog\"\n", std::path::Path::new("s")).unwrap();
        let entries: Vec<(String, Option<String>)> = (0..5).map(|i| (format!("/p{i}/"), None)).collect();
        let none = Alternates::new();
        assert_eq!(sitemaps_of(&entries, &none, &c, 5).len(), 1);
        assert!(!sitemaps_of(&entries, &none, &c, 5)[0].1.contains("xhtml"));
        let files = sitemaps_of(&entries, &none, &c, 2);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]);
        assert!(
            files[0].1.contains("<sitemapindex") && files[0].1.contains("<loc>https://x.org/blog/sitemap-3.xml</loc>"),
            "{}",
            files[0].1
        );
        assert_eq!(files[3].1.matches("<url>").count(), 1);
        let spaced = sitemaps_of(&[("/a b/".into(), None)], &none, &c, 5);
        assert!(spaced[0].1.contains("<loc>https://x.org/blog/a%20b/</loc>"), "{}", spaced[0].1);
    }

    #[test]
    fn translated_pages_list_their_alternates() {
        let c = myblog_config::SiteConfig::parse("title=\"t\"\nbase_url=\"https://x.org\"\n", std::path::Path::new("s")).unwrap();
        let entries: Vec<(String, Option<String>)> = vec![("/a/".into(), None), ("/fr/a/".into(), None), ("/only/".into(), None)];
        let both = vec![
            ("en".to_string(), "https://x.org/a/".to_string()),
            ("fr".to_string(), "https://x.org/fr/a/".to_string()),
            ("x-default".to_string(), "https://x.org/a/".to_string()),
        ];
        let alternates: Alternates = [("/a/".to_string(), both.clone()), ("/fr/a/".to_string(), both)].into_iter().collect();
        let map = &sitemaps_of(&entries, &alternates, &c, 10)[0].1;
        assert!(
            map.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">"),
            "{map}"
        );
        assert_eq!(map.matches("<xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://x.org/fr/a/\"/>").count(), 2, "{map}");
        assert_eq!(map.matches("hreflang=\"x-default\"").count(), 2, "{map}");
        let only = &map[map.find("<loc>https://x.org/only/</loc>").unwrap()..];
        assert!(!only[..only.find("</url>").unwrap()].contains("xhtml:link"), "{map}");
    }
}
