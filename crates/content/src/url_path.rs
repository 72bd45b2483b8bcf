//! Where a source is published: its own `path` / `url`, else its section's permalink pattern,
//! else its folders and file name (or `slug`) made URL segments by the site's slug rule. Zola
//! keeps folder names as written and reads a leading date off the file name; Hugo keeps the
//! whole file name and publishes a `url` ending in `.html` as that file. Pure.

use crate::content::{FrontMatter, Kind};
use myblog_config::ContentConfig;
use myblog_config::Dialect;
use myblog_utils::slugify;

/// A source's URL path, and the extra URL it must also answer at (Hugo's `url: /x.html`, which
/// myblog publishes as the folder `/x/` with a redirect at `/x.html`).
pub(crate) struct Placed {
    pub url_path: String,
    pub also_at: Option<String>,
}

/// The URL path of a source: its own `path` / `url` if set, else its section's pattern in
/// `[content.permalinks]`, else posts live at `/<post dir>/<slug>/` whatever folder they sit in
/// and pages mirror their folder; bundles (`x/index.md`) take their folder's name.
pub(crate) fn url_path_for(
    rel: &str,
    kind: Kind,
    post_dir: Option<&str>,
    front: &FrontMatter,
    rules: &ContentConfig,
) -> std::result::Result<Placed, String> {
    let without_ext =
        rel.strip_suffix(".md").or_else(|| rel.strip_suffix(".markdown")).or_else(|| rel.strip_suffix(".html")).unwrap_or(rel);
    let mut segments: Vec<String> = without_ext.split('/').map(str::to_string).collect();
    let last = segments.pop().unwrap_or_default();
    let slug = front.slug.as_deref();
    if kind == Kind::Section {
        if slug.is_some() {
            return Err("`slug` is not allowed in a section's _index.md: rename its folder instead".into());
        }
        // Hugo lists a section whose `_index.md` sets `url` there (`/blog/`, `/blog/page/2/`);
        // its pages keep their folder's URLs.
        if let Some(path) = &front.path {
            return own_path(path, rules.dialect);
        }
        return placed(folders(&segments, rules));
    }
    if let Some(path) = &front.path {
        return own_path(path, rules.dialect);
    }
    let filename = if last == "index" { segments.pop().unwrap_or_default() } else { last };
    let slug = page_slug(&filename, slug, rules)?;
    if slug.is_empty() {
        return Err(format!("cannot make a URL from the file name of {rel}; set `slug` in the front matter"));
    }
    let section = if rel.contains('/') { rel.split('/').next().unwrap_or("") } else { "" };
    if let Some(pattern) = rules.permalinks.get(section) {
        // Hugo's `:slug` falls back to the title, not the file name.
        let slugs = rules.path_slugs();
        let title = slugs.apply_slug(&front.title);
        let slug = match (&front.slug, rules.dialect) {
            (None, Dialect::Hugo) => title.clone(),
            _ => slug,
        };
        let own_slug = front.slug.as_deref().map(|s| slugs.apply_slug(s));
        let tokens = myblog_config::Tokens {
            date: front.date,
            slug: &slug,
            title: &title,
            section,
            filename: &slugs.apply(&filename),
            own_slug: own_slug.as_deref(),
        };
        let expanded = myblog_config::expand_permalink(pattern, &tokens)?;
        return placed(expanded.split('/').map(str::to_string).collect());
    }
    let mut parts = match (kind, post_dir) {
        // myblog files a post under its post folder whatever subfolder it sits in.
        (Kind::Post, Some(dir)) if rules.dialect.is_strict() => dir.split('/').map(slugify).collect(),
        // Zola and Hugo mirror folders for posts too (`blog/notes/tip.md` is `/blog/notes/tip/`).
        _ => folders(&segments, rules),
    };
    parts.push(slug);
    placed(parts)
}

/// The segment a page's file name (or its `slug`) gives, by the site's dialect.
fn page_slug(filename: &str, slug: Option<&str>, rules: &ContentConfig) -> std::result::Result<String, String> {
    let slugs = rules.path_slugs();
    Ok(match (slug, rules.dialect) {
        (Some(s), Dialect::Myblog) => {
            validate_slug(s)?;
            s.to_string()
        }
        (Some(s), _) => slugs.apply_slug(s),
        // `2025-08-30-shell-toolkit.md` keeps its files sorted by date; the date is not part of
        // the URL (the front matter holds it). Hugo keeps the whole file name.
        (None, Dialect::Hugo) => slugs.apply(filename),
        (None, _) => slugs.apply(strip_date_prefix(filename)),
    })
}

/// A folder under `content/` as URL segments: Zola keeps folder names as written, Hugo and
/// myblog run them through their slug rule.
fn folders(segments: &[String], rules: &ContentConfig) -> Vec<String> {
    segments.iter().map(|s| folder_segment(s, rules)).collect()
}

/// One folder name under `content/` as the URL segment the site's dialect makes of it.
pub fn folder_segment(name: &str, rules: &ContentConfig) -> String {
    match rules.dialect {
        Dialect::Zola => name.to_string(),
        _ => rules.path_slugs().apply(name),
    }
}

/// Zola's `path` and Hugo's `url` (myblog's own front matter has neither): a whole URL path, as
/// written, each segment kept inside public/.
fn own_path(path: &str, dialect: Dialect) -> std::result::Result<Placed, String> {
    let mut parts: Vec<String> = path.trim().split('/').filter(|p| !p.is_empty()).map(str::to_string).collect();
    if parts.is_empty() {
        return Err(format!("`path`/`url` {path:?} is the home page's URL; give the page its own"));
    }
    let mut also_at = None;
    let names_a_file = !path.trim().ends_with('/') && parts.last().is_some_and(|l| l.rsplit_once('.').is_some_and(|(a, _)| !a.is_empty()));
    // Zola publishes every page as a folder, dots and all (`1.0-Timeline/`); Hugo writes
    // `url: /about.html` as that file: publish the folder and answer there too.
    if dialect == Dialect::Hugo && names_a_file {
        also_at = Some(format!("/{}", parts.join("/")));
        let last = parts.pop().unwrap_or_default();
        parts.push(last.rsplit_once('.').map(|(a, _)| a.to_string()).unwrap_or(last));
    }
    for p in &parts {
        if !is_safe_segment(p) {
            return Err(format!("`path`/`url` {path:?} is not allowed: each part must stay one folder inside public/"));
        }
    }
    Ok(Placed { url_path: join_url(parts), also_at })
}

fn placed(parts: Vec<String>) -> std::result::Result<Placed, String> {
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if !is_safe_segment(p) {
            return Err(format!("the URL segment {p:?} would leave its folder inside public/; rename the file or folder"));
        }
    }
    Ok(Placed { url_path: join_url(parts), also_at: None })
}

/// A segment a moved-in site may use as written: one folder, never `.`, `..` or hidden (a
/// dot-led name such as myblog's own `.myblog/`), no separator or control character.
fn is_safe_segment(s: &str) -> bool {
    !s.starts_with('.') && !s.chars().any(|c| c == '\\' || c == '/' || c.is_control())
}

/// The `YYYY-MM-DD` a file name starts with, as Zola reads it for undated pages.
pub(crate) fn date_prefix(name: &str) -> Option<&str> {
    (strip_date_prefix(name).len() < name.len()).then(|| &name[..10])
}

fn strip_date_prefix(name: &str) -> &str {
    let b = name.as_bytes();
    let dated = b.len() > 11
        && b[..10].iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && (b[10] == b'-' || b[10] == b'_');
    if dated {
        &name[11..]
    } else {
        name
    }
}

fn join_url(parts: Vec<String>) -> String {
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        "/".into()
    } else {
        format!("/{}/", parts.join("/"))
    }
}

fn validate_slug(s: &str) -> std::result::Result<(), String> {
    let ok = !s.is_empty()
        && !s.starts_with('.')
        && s.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !s.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!("slug {s:?} is not allowed: it must stay one folder inside public/"))
    }
}
