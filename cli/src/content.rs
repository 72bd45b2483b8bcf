//! Content: walking `content/`, splitting and parsing front matter, classifying files into
//! posts, pages, section indexes and static files. Pure apart from `load`, which reads files.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::{line_col, Diagnostic, Error, Result};

pub const CONTENT_DIR: &str = "content";
pub const POSTS_DIR: &str = "posts";
const KNOWN_FRONT_MATTER: &[&str] = &["title", "date", "updated", "draft", "tags", "description", "slug", "template", "announce", "extra"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Post,
    Page,
    /// `_index.md`: the index page of the folder it sits in.
    Section,
}

#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: String,
    pub date: Option<OffsetDateTime>,
    pub updated: Option<OffsetDateTime>,
    pub draft: bool,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub slug: Option<String>,
    pub template: Option<String>,
    /// `announce = false` in front matter: `myblog deploy` never emails this post to subscribers.
    pub skip_announce: bool,
    pub extra: serde_json::Value,
}

/// What front matter may hold, exactly as written (before dates are parsed).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: Option<String>,
    date: Option<DateValue>,
    updated: Option<DateValue>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    tags: Vec<String>,
    description: Option<String>,
    slug: Option<String>,
    template: Option<String>,
    announce: Option<bool>,
    extra: Option<serde_json::Value>,
}

/// TOML has a native datetime type; YAML gives strings. Accept both.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

/// A markdown source file, parsed but not yet rendered.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as shown to the author (relative to the site root: `content/posts/x.md`).
    pub display_path: PathBuf,
    /// Relative to `content/`, `/`-separated (`posts/x.md`).
    pub rel: String,
    pub kind: Kind,
    pub front: FrontMatter,
    pub body: String,
    /// Line in the file where the body starts (1-based), to locate markdown errors.
    pub body_line: usize,
    /// URL path relative to the site root, with leading and trailing slash (`/posts/x/`).
    pub url_path: String,
    /// Folder (relative to `content/`) that relative links in the body are resolved against.
    pub dir: String,
}

impl Source {
    pub fn slug(&self) -> &str {
        self.url_path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
    }
    /// Output file relative to public/ (`posts/x/index.html`).
    pub fn output_path(&self) -> String {
        format!("{}index.html", self.url_path.trim_start_matches('/'))
    }
}

/// A non-markdown file found under `content/` (photos, PDFs...), published as an asset.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Relative to `content/`, `/`-separated.
    pub rel: String,
    pub path: PathBuf,
}

pub struct Loaded {
    pub sources: Vec<Source>,
    pub files: Vec<ContentFile>,
}

/// Walks `<root>/content`, parses every markdown file in parallel and collects every error.
pub fn load(root: &Path) -> Result<Loaded> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(Error::Usage(format!("{} is missing: a blog keeps its markdown there", content.display())));
    }
    let mut md = Vec::new();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(&content).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| !is_hidden_dir(e)) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e.path().map(Path::to_path_buf).unwrap_or_else(|| content.clone());
                errors.push(Diagnostic::new(rel_display(root, &p), format!("cannot read: {e}")));
                continue;
            }
        };
        if !entry.file_type().is_file() || is_ignored(entry.file_name().to_string_lossy().as_ref()) {
            continue;
        }
        let rel = match rel_slash(&content, entry.path()) {
            Some(r) => r,
            None => {
                errors.push(Diagnostic::new(rel_display(root, entry.path()), "file name is not valid UTF-8").hint("rename the file"));
                continue;
            }
        };
        if rel.ends_with(".md") {
            md.push((rel, entry.into_path()));
        } else {
            files.push(ContentFile { rel, path: entry.into_path() });
        }
    }
    let parsed: Vec<std::result::Result<Source, Vec<Diagnostic>>> = md
        .par_iter()
        .map(|(rel, path)| {
            let display = rel_display(root, path);
            let bytes = std::fs::read(path).map_err(|e| vec![Diagnostic::new(&display, format!("cannot read: {e}"))])?;
            parse_source(rel, &display, &bytes)
        })
        .collect();
    if !errors.is_empty() {
        // Unreadable entries first, then every parse problem.
        errors.extend(crate::error::collect_all(parsed).err().map(|e| e.diagnostics().to_vec()).unwrap_or_default());
        return Err(Error::Input(errors));
    }
    Ok(Loaded { sources: crate::error::collect_all(parsed)?, files })
}

/// Hidden folders (`.git/`, `.obsidian/`, `.DS_Store` bundles...) hold tools' data, never
/// pages: they are not walked at all. `.well-known/` is the exception: it is published by
/// design (security.txt, app links).
pub fn is_hidden_dir(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_type().is_dir() && {
        let name = entry.file_name().to_string_lossy();
        name.starts_with('.') && name != ".well-known"
    }
}

/// Editor droppings and hidden files never become part of the site.
pub fn is_ignored(name: &str) -> bool {
    (name.starts_with('.') && name != ".well-known")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

fn rel_slash(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

pub fn rel_display(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

/// Parses one markdown file: front matter, body, kind and URL. Pure.
pub fn parse_source(rel: &str, display: &Path, bytes: &[u8]) -> std::result::Result<Source, Vec<Diagnostic>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = line_col(&String::from_utf8_lossy(&bytes[..e.valid_up_to()]), e.valid_up_to());
            let what = if bytes.contains(&0) { "is a binary file, not markdown" } else { "is not valid UTF-8" };
            return Err(vec![Diagnostic::new(display, format!("{what} (invalid byte at offset {})", e.valid_up_to()))
                .at(line, col)
                .hint("save it as UTF-8 text, or give it another extension if it is not a page")]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(vec![Diagnostic::new(display, "file is empty")
            .hint("start it with front matter, e.g.\n+++\ntitle = \"My post\"\ndate = 2026-01-31\n+++\n\nThen write the post.")]);
    }
    let (front, body, body_line) = split_front_matter(text, display).map_err(|d| vec![d])?;
    let kind = classify(rel);
    if kind == Kind::Post && front.date.is_none() {
        return Err(vec![Diagnostic::new(display, "a post needs a date")
            .line(1)
            .hint("add `date = 2026-01-31` (TOML) or `date: 2026-01-31` (YAML) to the front matter")]);
    }
    let url_path = url_path_for(rel, kind, front.slug.as_deref())
        .map_err(|m| vec![Diagnostic::new(display, m).line(1).hint("a slug is one path segment of letters, digits, '-' and '_'")])?;
    let dir = match rel.rsplit_once('/') {
        Some((d, _)) => d.to_string(),
        None => String::new(),
    };
    Ok(Source { display_path: display.to_path_buf(), rel: rel.to_string(), kind, front, body: body.to_string(), body_line, url_path, dir })
}

fn classify(rel: &str) -> Kind {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    if file == "_index.md" {
        Kind::Section
    } else if rel.starts_with("posts/") {
        Kind::Post
    } else {
        Kind::Page
    }
}

/// The URL path of a source. Posts live at `/posts/<slug>/` whatever folder they sit in;
/// pages mirror their folder; bundles (`x/index.md`) take their folder's name.
fn url_path_for(rel: &str, kind: Kind, slug: Option<&str>) -> std::result::Result<String, String> {
    let without_ext = rel.strip_suffix(".md").unwrap_or(rel);
    let mut segments: Vec<String> = without_ext.split('/').map(str::to_string).collect();
    let last = segments.pop().unwrap_or_default();
    if kind == Kind::Section {
        if slug.is_some() {
            return Err("`slug` is not allowed in a section's _index.md: rename its folder instead".into());
        }
        return Ok(join_url(segments.iter().map(|s| slugify(s)).collect()));
    }
    let natural = if last == "index" { segments.pop().unwrap_or_default() } else { last };
    // `2025-08-30-shell-toolkit.md` keeps its files sorted by date; the date is not part of
    // the URL (the front matter holds it).
    let natural = strip_date_prefix(&natural).to_string();
    let slug = match slug {
        Some(s) => {
            validate_slug(s)?;
            s.to_string()
        }
        None => slugify(&natural),
    };
    if slug.is_empty() {
        return Err(format!("cannot make a URL from the file name of {rel}; set `slug` in the front matter"));
    }
    Ok(match kind {
        Kind::Post => format!("/posts/{slug}/"),
        _ => {
            let mut parts: Vec<String> = segments.iter().map(|s| slugify(s)).collect();
            parts.push(slug);
            join_url(parts)
        }
    })
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

/// Lowercase words joined by `-`; keeps unicode letters and digits. Used for slugs, tags, ids.
pub fn slugify(s: &str) -> String {
    // macOS hands out decomposed names (`e` + U+0301): compose them first, so `résumé` is one
    // word whichever way it was typed.
    let s = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(s);
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if is_combining_mark(c) && !out.is_empty() && !dash {
            // A mark with no precomposed form still belongs to its letter.
            out.push(c);
        } else if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c == '_' && !out.is_empty() {
            out.push('_');
            dash = false;
        } else {
            dash = true;
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// TOML datetimes reach serde_json as `{"$__toml_private_datetime": "..."}`: templates want
/// the text.
fn plain_dates(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(s)) = map.get("$__toml_private_datetime") {
                    return Value::String(s.clone());
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, plain_dates(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(plain_dates).collect()),
        other => other,
    }
}

/// Splits `+++` TOML or `---` YAML front matter from the body and parses it.
fn split_front_matter<'a>(text: &'a str, display: &Path) -> std::result::Result<(FrontMatter, &'a str, usize), Diagnostic> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (fence, is_toml) = match first_line {
        "+++" => ("+++", true),
        "---" => ("---", false),
        _ => {
            return Err(Diagnostic::new(display, "missing front matter")
                .at(1, 1)
                .hint("start the file with `+++` (TOML) or `---` (YAML) front matter holding at least a title"))
        }
    };
    let after_open = &text[first_line.len()..];
    let after_open = after_open.strip_prefix("\r\n").or_else(|| after_open.strip_prefix('\n')).unwrap_or(after_open);
    let open_len = text.len() - after_open.len();
    // Find the closing fence: a line that is exactly the fence.
    let mut offset = 0;
    let mut close = None;
    for line in after_open.split_inclusive('\n') {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((fm_end, body_start)) = close else {
        return Err(Diagnostic::new(display, format!("front matter opened with `{fence}` on line 1 is never closed"))
            .at(1, 1)
            .hint(format!("add a line holding only `{fence}` after the front matter")));
    };
    let fm = &after_open[..fm_end];
    let body = &after_open[body_start..];
    let body_line = text[..open_len + body_start].matches('\n').count() + 1;
    let raw: RawFrontMatter = if is_toml {
        toml::from_str(fm).map_err(|e| {
            let mut d = Diagnostic::new(display, format!("front matter: {}", e.message().trim()));
            if let Some(span) = e.span() {
                let (l, c) = line_col(fm, span.start);
                d = d.at(l + 1, c);
            }
            hint_front_matter(d, e.message())
        })?
    } else {
        serde_yaml::from_str(fm).map_err(|e| {
            let mut d = Diagnostic::new(display, format!("front matter: {e}"));
            if let Some(loc) = e.location() {
                d = d.at(loc.line() + 1, loc.column());
            }
            hint_front_matter(d, &e.to_string())
        })?
    };
    let title = match raw.title {
        Some(t) if !t.trim().is_empty() => t,
        _ => {
            return Err(Diagnostic::new(display, "front matter has no title").at(2, 1).hint(if is_toml {
                "add `title = \"...\"`"
            } else {
                "add `title: ...`"
            }))
        }
    };
    let date_err = |which: &str, v: &str| {
        let line = fm.lines().position(|l| l.trim_start().starts_with(which)).map(|i| i + 2).unwrap_or(1);
        Diagnostic::new(display, format!("front matter: `{which}` value {v:?} is not a date"))
            .at(line, 1)
            .hint("write dates as 2026-01-31, or 2026-01-31T09:30:00Z with a time")
    };
    let date = raw.date.map(|d| parse_date(&d).ok_or_else(|| date_err("date", &d.to_string()))).transpose()?;
    let updated = raw.updated.map(|d| parse_date(&d).ok_or_else(|| date_err("updated", &d.to_string()))).transpose()?;
    let mut tags: Vec<String> = Vec::new();
    for t in raw.tags {
        let t = t.trim().to_string();
        if slugify(&t).is_empty() {
            return Err(Diagnostic::new(display, format!("front matter: tag {t:?} has no letters or digits")).line(1));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    Ok((
        FrontMatter {
            title,
            date,
            updated,
            draft: raw.draft,
            tags,
            description: raw.description,
            slug: raw.slug,
            template: raw.template,
            skip_announce: raw.announce == Some(false),
            extra: raw.extra.map(plain_dates).unwrap_or(serde_json::Value::Object(Default::default())),
        },
        body,
        body_line,
    ))
}

fn hint_front_matter(d: Diagnostic, msg: &str) -> Diagnostic {
    if msg.contains("unknown field") {
        let unknown = msg.split('`').nth(1).unwrap_or("");
        let known = KNOWN_FRONT_MATTER.join(", ");
        match crate::config::closest(unknown, KNOWN_FRONT_MATTER) {
            Some(best) => d.hint(format!("did you mean `{best}`? Known keys: {known}; put your own keys under `extra`")),
            None => d.hint(format!("known keys: {known}; put your own keys under `extra`")),
        }
    } else if msg.contains("invalid type") {
        d.hint("check the value's type: title/description/slug/template are text, draft is true/false, tags is a list of text")
    } else {
        d
    }
}

impl std::fmt::Display for DateValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateValue::Toml(d) => write!(f, "{d}"),
            DateValue::Text(s) => write!(f, "{s}"),
        }
    }
}

fn parse_date(v: &DateValue) -> Option<OffsetDateTime> {
    let s = v.to_string();
    parse_date_str(s.trim())
}

/// `2026-01-31`, `2026-01-31T09:30:00`, `2026-01-31 09:30`, with optional `Z`/offset. No offset
/// means UTC, so builds do not depend on the machine's time zone.
pub fn parse_date_str(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(d) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(d);
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &date_fmt) {
        return Some(d.midnight().assume_offset(UtcOffset::UTC));
    }
    let s2 = s.replacen(' ', "T", 1);
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ] {
        if let Ok(d) = PrimitiveDateTime::parse(&s2, &fmt) {
            return Some(d.assume_utc());
        }
    }
    if let Ok(d) = OffsetDateTime::parse(&s2, &Rfc3339) {
        return Some(d);
    }
    // `2024-01-01 10:00:00 +0200`, `2024-01-01T10:00:00+0200`, `2024-01-01 10:00 +02:00`
    // (Hugo, Jekyll and git write these).
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory][offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory]:[offset_minute]"),
    ] {
        let compact: String = {
            // Drop the space before the offset: `10:00:00 +0200` → `10:00:00+0200`.
            let t = s2.trim();
            match t.rfind(' ') {
                Some(i) if t[i + 1..].starts_with(['+', '-']) => format!("{}{}", &t[..i], &t[i + 1..]),
                _ => t.to_string(),
            }
        };
        if let Ok(d) = OffsetDateTime::parse(&compact, &fmt) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(rel: &str, text: &str) -> std::result::Result<Source, String> {
        parse_source(rel, Path::new(&format!("content/{rel}")), text.as_bytes())
            .map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn toml_and_yaml_front_matter() {
        let s = parse("posts/hello-world.md", "+++\ntitle = \"Hi\"\ndate = 2025-03-01\ntags = [\"Rust\"]\n+++\nBody\n").unwrap();
        assert_eq!(s.url_path, "/posts/hello-world/");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 6);
        assert_eq!(s.front.tags, ["Rust"]);
        let s = parse("about.md", "---\ntitle: About me\ndate: 2025-03-01T10:00:00Z\n---\nHi\n").unwrap();
        assert_eq!(s.url_path, "/about/");
        assert_eq!(s.kind, Kind::Page);
        let s = parse("posts/trip/index.md", "---\ntitle: Trip\ndate: 2025-03-01\n---\n").unwrap();
        assert_eq!(s.url_path, "/posts/trip/");
        assert_eq!(s.dir, "posts/trip");
        let s = parse("posts/2025-08-30-shell-toolkit.md", "+++\ntitle = \"T\"\ndate = \"2025-08-30\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/posts/shell-toolkit/");
        let s = parse("docs/_index.md", "+++\ntitle = \"Docs\"\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Section, "/docs/"));
    }

    #[test]
    fn errors_are_located() {
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\ntitel = 3\n+++\n").unwrap_err();
        assert!(e.starts_with("content/posts/a.md:4:1: front matter: unknown field `titel`"), "{e}");
        assert!(e.contains("did you mean `title`"), "{e}");
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\n").unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        let e = parse("a.md", "---\ntitle: x\ndraft: maybe\n---\n").unwrap_err();
        assert!(e.contains("content/a.md:3:"), "{e}");
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = \"yesterday\"\n+++\n").unwrap_err();
        assert!(e.contains(":3:1: front matter: `date` value \"yesterday\" is not a date"), "{e}");
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\nslug = \"../../etc\"\n+++\n").unwrap_err();
        assert!(e.contains("must stay one folder inside public/"), "{e}");
    }

    #[test]
    fn slugify_keeps_unicode_words() {
        assert_eq!(slugify("Hello, World! Ünïcode 2"), "hello-world-ünïcode-2");
        assert_eq!(slugify("  --x--  "), "x");
    }

    #[test]
    fn decomposed_names_make_the_same_slug() {
        let nfd = "re\u{301}sume\u{301}";
        assert_eq!(slugify(nfd), "résumé");
        assert_eq!(slugify(nfd), slugify("résumé"));
        let s = parse("posts/re\u{301}sume\u{301}.md", "+++\ntitle = \"R\"\ndate = 2024-01-01\n+++\n").unwrap();
        assert_eq!(s.url_path, "/posts/résumé/");
    }

    #[test]
    fn dates_with_a_spaced_or_compact_offset() {
        let want = parse_date_str("2024-01-01T08:00:00Z").unwrap();
        for s in ["2024-01-01 10:00:00 +0200", "2024-01-01T10:00:00+0200", "2024-01-01 10:00:00 +02:00", "2024-01-01 10:00 +0200"] {
            assert_eq!(parse_date_str(s), Some(want), "{s}");
        }
        let p = parse("posts/a.md", "---\ntitle: A\ndate: 2024-01-01 10:00:00 +0200\n---\n").unwrap();
        assert_eq!(p.front.date, Some(want));
    }

    #[test]
    fn toml_dates_in_extra_are_text() {
        let s = parse("a.md", "+++\ntitle = \"A\"\n[extra]\nevent = 2024-05-01\nlist = [2024-05-02T10:00:00Z]\n+++\n").unwrap();
        assert_eq!(s.front.extra["event"], "2024-05-01");
        assert_eq!(s.front.extra["list"][0], "2024-05-02T10:00:00Z");
    }
}
