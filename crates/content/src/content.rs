//! Content: walking `content/`, splitting and parsing front matter, classifying files into
//! posts, pages, section indexes and static files. Pure apart from `load`, which reads files.

use crate::dialect::Taxonomies;
use myblog_config::ContentConfig;
use myblog_config::Dialect;
use myblog_config::CONTENT_DIR;
use myblog_utils::is_hidden_dir;
use myblog_utils::is_ignored;
use myblog_utils::line_col;
use myblog_utils::parse_date_str;
use myblog_utils::rel_display;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const KNOWN_FRONT_MATTER: &[&str] = &[
    "title",
    "date",
    "updated",
    "draft",
    "tags",
    "description",
    "slug",
    "template",
    "announce",
    "extra",
    "sort_by",
    "paginate_by",
    "paginate_path",
    "transparent",
    "page_template",
    "feed",
    "taxonomies",
];

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
    /// Hugo's `publishDate`: the page stays out of the site until then.
    pub publish_date: Option<OffsetDateTime>,
    /// Hugo's `expiryDate`: the page leaves the site then.
    pub expiry_date: Option<OffsetDateTime>,
    /// Former URL paths of the page (Zola and Hugo `aliases`).
    pub aliases: Vec<String>,
    /// The page's whole URL path, as Zola's `path` or Hugo's `url` sets it.
    pub path: Option<String>,
    /// Taxonomies other than tags (`categories`, `series`...), by name.
    pub taxonomies: Taxonomies,
    /// A section's settings (`_index.md` only).
    pub section: crate::section_settings::SectionSettings,
    /// Hugo's `translationKey`: pairs translations whose paths differ.
    pub translation_key: Option<String>,
}

/// Front matter read in any dialect, before dates are parsed. Dates carry the key they were
/// written under, so an error names it.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub title: Option<String>,
    pub date: Option<(String, DateValue)>,
    pub updated: Option<(String, DateValue)>,
    pub publish_date: Option<(String, DateValue)>,
    pub expiry_date: Option<(String, DateValue)>,
    pub draft: bool,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub slug: Option<String>,
    pub template: Option<String>,
    pub announce: Option<bool>,
    pub extra: Option<serde_json::Value>,
    pub aliases: Vec<String>,
    pub path: Option<String>,
    pub translation_key: Option<String>,
    pub taxonomies: Taxonomies,
    /// Section keys as written (see `crate::section_settings::settings`).
    pub section: serde_json::Map<String, serde_json::Value>,
}

impl From<RawFrontMatter> for Fields {
    fn from(r: RawFrontMatter) -> Fields {
        let mut section = serde_json::Map::new();
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                section.insert(k.to_string(), v);
            }
        };
        put("sort_by", r.sort_by.map(Into::into));
        put("paginate_by", r.paginate_by.map(Into::into));
        put("paginate_path", r.paginate_path.map(Into::into));
        put("transparent", r.transparent.map(Into::into));
        put("page_template", r.page_template.map(Into::into));
        put("feed", r.feed.map(Into::into));
        let mut tags = r.tags;
        let mut taxonomies = r.taxonomies;
        if let Some(t) = taxonomies.remove("tags") {
            tags.extend(t);
        }
        Fields {
            section,
            taxonomies,
            title: r.title,
            date: r.date.map(|d| ("date".into(), d)),
            updated: r.updated.map(|d| ("updated".into(), d)),
            draft: r.draft,
            tags,
            description: r.description,
            slug: r.slug,
            template: r.template,
            announce: r.announce,
            extra: r.extra,
            ..Fields::default()
        }
    }
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
    sort_by: Option<String>,
    paginate_by: Option<u64>,
    paginate_path: Option<String>,
    transparent: Option<bool>,
    page_template: Option<String>,
    feed: Option<bool>,
    /// Terms of the taxonomies other than tags: `[taxonomies] categories = ["x"]`.
    #[serde(default)]
    taxonomies: Taxonomies,
}

/// TOML has a native datetime type; YAML gives strings. Accept both.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum DateValue {
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
    /// The language it is written in (site.toml's `language` unless `[languages]` says).
    pub lang: String,
    /// `rel` within its language's tree (`posts/x.md` for `posts/x.fr.md` or `fr/posts/x.md`):
    /// what places it in sections and URLs, and (unless `translationKey`) what pairs it with
    /// its translations.
    pub lang_rel: String,
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
    /// What pairs a page with its translations: Hugo's `translationKey`, else its path within
    /// its language's tree.
    pub fn translation_key(&self) -> &str {
        self.front.translation_key.as_deref().unwrap_or(&self.lang_rel)
    }
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

/// Walks `<root>/content` of a myblog site (strict front matter).
pub fn load(root: &Path) -> Result<Loaded> {
    load_with(root, &ContentConfig::default())
}

/// Markdown files: `.md`, and `.markdown` as Hugo and Jekyll sites name them.
pub fn is_markdown(rel: &str) -> bool {
    rel.ends_with(".md") || rel.ends_with(".markdown")
}

/// Files that become pages: markdown, and in a Hugo site also `.html` content files (pages
/// whose body is HTML, used as is); elsewhere an `.html` file under content/ is a static file.
pub fn is_page_file(rel: &str, dialect: Dialect) -> bool {
    is_markdown(rel) || (dialect == Dialect::Hugo && crate::content::is_html_page(rel))
}

/// Walks `<root>/content`, parses every markdown file in parallel and collects every error.
pub fn load_with(root: &Path, rules: &ContentConfig) -> Result<Loaded> {
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
        if is_page_file(&rel, rules.dialect) {
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
            parse_source_with(rel, &display, &bytes, rules)
        })
        .collect();
    if !errors.is_empty() {
        // Unreadable entries first, then every parse problem.
        errors.extend(myblog_utils::collect_all(parsed).err().map(|e| e.diagnostics().to_vec()).unwrap_or_default());
        return Err(Error::Input(errors));
    }
    Ok(Loaded { sources: myblog_utils::collect_all(parsed)?, files })
}

fn rel_slash(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Parses one markdown file of a myblog site. Pure.
pub fn parse_source(rel: &str, display: &Path, bytes: &[u8]) -> std::result::Result<Source, Vec<Diagnostic>> {
    parse_source_with(rel, display, bytes, &ContentConfig::default())
}

/// Parses one markdown file: front matter (in `dialect`), body, kind and URL. Pure.
pub fn parse_source_with(rel: &str, display: &Path, bytes: &[u8], rules: &ContentConfig) -> std::result::Result<Source, Vec<Diagnostic>> {
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
    // Hugo reads an empty file as a page (or section) with no front matter and no body
    // (hugo-book's `content.zh/docs/_index.md`); elsewhere it is a slip.
    if text.trim().is_empty() && rules.dialect != Dialect::Hugo {
        return Err(vec![Diagnostic::new(display, "file is empty")
            .hint("start it with front matter, e.g.\n+++\ntitle = \"My post\"\ndate = 2026-01-31\n+++\n\nThen write the post.")]);
    }
    // Zola and Hugo read a file without front matter as all body (Hugo's `donate.ar.md`).
    let first = text.lines().next().unwrap_or("").trim_end();
    let json = first.starts_with('{') && rules.dialect == Dialect::Hugo;
    let bare = !rules.dialect.is_strict() && first != "+++" && first != "---" && !json;
    let framed;
    let text = if bare {
        framed = format!("+++\n+++\n{text}");
        framed.as_str()
    } else {
        text
    };
    let (mut front, body, mut body_line) = split_front_matter(text, display, rules).map_err(|d| vec![d])?;
    if bare {
        body_line -= 2;
    }
    let (lang, lang_rel) = rules.languages.language_of(rel);
    let tree_rel: &str = &lang_rel;
    if rules.dialect == Dialect::Zola && front.date.is_none() {
        let file = tree_rel.rsplit('/').next().unwrap_or(tree_rel);
        let name = if file.starts_with("index.") { tree_rel.rsplit('/').nth(1).unwrap_or("") } else { file };
        front.date = crate::url_path::date_prefix(name).and_then(parse_date_str);
    }
    let (kind, post_dir) = classify(tree_rel, rules, front.date.is_some());
    if kind != Kind::Section && rules.dialect.is_strict() && front.section != Default::default() {
        return Err(vec![Diagnostic::new(
            display,
            "front matter: sort_by, paginate_by, paginate_path, transparent, page_template and feed belong in a section's _index.md",
        )
        .line(1)
        .hint("move them to the _index.md of the folder whose list they shape")]);
    }
    if kind == Kind::Post && front.date.is_none() {
        return Err(vec![Diagnostic::new(display, "a post needs a date")
            .line(1)
            .hint("add `date = 2026-01-31` (TOML) or `date: 2026-01-31` (YAML) to the front matter")]);
    }
    let placed = crate::url_path::url_path_for(tree_rel, kind, post_dir, &front, rules)
        .map_err(|m| vec![Diagnostic::new(display, m).line(1).hint("a slug is one path segment of letters, digits, '-' and '_'")])?;
    front.aliases.extend(placed.also_at);
    let url_path = zola_own_path_in_language(placed.url_path, &front, &lang, rules);
    let dir = match rel.rsplit_once('/') {
        Some((d, _)) => d.to_string(),
        None => String::new(),
    };
    Ok(Source {
        display_path: display.to_path_buf(),
        rel: rel.to_string(),
        lang_rel: lang_rel.into_owned(),
        lang,
        kind,
        front,
        body: body.to_string(),
        body_line,
        url_path,
        dir,
    })
}

/// Zola's `path` is the whole URL path from the site's root, language folder included
/// (abridge's `about.es.md` has `path = "es/about"`, published at `/es/about/`); a language's
/// pages are built under its folder, so that folder comes off here (else `/es/es/about/`).
fn zola_own_path_in_language(url_path: String, front: &FrontMatter, lang: &str, rules: &ContentConfig) -> String {
    if rules.dialect != Dialect::Zola || front.path.is_none() || lang == rules.languages.default {
        return url_path;
    }
    match url_path.strip_prefix('/').and_then(|p| p.strip_prefix(lang)) {
        Some(rest) if rest.starts_with('/') && rest.len() > 1 => rest.to_string(),
        _ => url_path,
    }
}

/// The kind of a file, and for a post the folder of `post_dirs` it sits in.
fn classify<'a>(rel: &str, rules: &'a ContentConfig, dated: bool) -> (Kind, Option<&'a str>) {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    if file == "_index.md" || file == "_index.markdown" {
        return (Kind::Section, None);
    }
    if !dated && !rules.dialect.is_strict() {
        // Zola and Hugo publish an undated page in a blog folder as a plain page; myblog's own
        // posts need a date (feeds and announcements order by it).
        return (Kind::Page, None);
    }
    let post_dir = rules.post_dirs.iter().map(|d| d.trim_matches('/')).find(|d| {
        if d.is_empty() {
            // Pages at the root are posts only when dated: `about.md` stays a page.
            !rel.contains('/') && dated
        } else {
            rel.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
        }
    });
    match post_dir {
        Some(d) => (Kind::Post, Some(d)),
        None => (Kind::Page, None),
    }
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

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Toml,
    Yaml,
    Json,
}

/// Splits `+++` TOML, `---` YAML or `{ }` JSON front matter from the body and parses it.
fn split_front_matter<'a>(
    text: &'a str,
    display: &Path,
    rules: &ContentConfig,
) -> std::result::Result<(FrontMatter, &'a str, usize), Diagnostic> {
    let dialect = rules.dialect;
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (fm, body, body_line, format) = if first_line.starts_with('{') {
        // JSON front matter (Hugo) is one JSON object: it ends where the object ends.
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                let rest = &text[end..];
                let rest_line = rest.split_inclusive('\n').next().unwrap_or("");
                let body_start = end + if rest_line.trim().is_empty() { rest_line.len() } else { 0 };
                (&text[..end], &text[body_start..], text[..body_start].matches('\n').count() + 1, Format::Json)
            }
            Some(Err(e)) => return Err(Diagnostic::new(display, format!("front matter: {e}")).at(e.line(), e.column())),
            None => unreachable!("the text starts with `{{`"),
        }
    } else {
        let (fence, format) = match first_line {
            "+++" => ("+++", Format::Toml),
            "---" => ("---", Format::Yaml),
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
        let body_line = text[..open_len + body_start].matches('\n').count() + 1;
        (&after_open[..fm_end], &after_open[body_start..], body_line, format)
    };
    // Line of the front matter's first line in the file (after the opening fence, if any).
    let fm_line0 = if format == Format::Json { 0 } else { 1 };
    let fields: Fields = if dialect.is_strict() {
        parse_fm::<RawFrontMatter>(fm, format, display, fm_line0)?.into()
    } else {
        let table: serde_json::Map<String, serde_json::Value> = parse_fm(fm, format, display, fm_line0)?;
        let table = match plain_dates(serde_json::Value::Object(table)) {
            serde_json::Value::Object(t) => t,
            _ => unreachable!("a table stays a table"),
        };
        crate::dialect::map_front_matter(table).map_err(|b| {
            let top = b.key.split('.').next().unwrap_or(&b.key);
            let line =
                fm.lines().position(|l| l.trim_start().trim_start_matches('"').starts_with(top)).map(|i| i + 1 + fm_line0).unwrap_or(1);
            Diagnostic::new(display, format!("front matter: `{}` must be {}", b.key, b.expected)).line(line)
        })?
    };
    let title = match fields.title {
        Some(t) if !t.trim().is_empty() => t,
        // Zola and Hugo allow a page without a title (a `latest.md` that only picks a template).
        _ if !dialect.is_strict() => String::new(),
        _ => {
            return Err(Diagnostic::new(display, "front matter has no title").at(2, 1).hint(match format {
                Format::Toml => "add `title = \"...\"`",
                Format::Yaml => "add `title: ...`",
                Format::Json => "add `\"title\": \"...\"`",
            }))
        }
    };
    let date = |field: Option<(String, DateValue)>| {
        field
            .map(|(key, d)| {
                parse_date(&d).ok_or_else(|| {
                    let line = fm
                        .lines()
                        .position(|l| l.trim_start().trim_start_matches('"').starts_with(key.as_str()))
                        .map(|i| i + 1 + fm_line0)
                        .unwrap_or(1);
                    Diagnostic::new(display, format!("front matter: `{key}` value {:?} is not a date", d.to_string()))
                        .at(line, 1)
                        .hint("write dates as 2026-01-31, or 2026-01-31T09:30:00Z with a time")
                })
            })
            .transpose()
    };
    let publish_date = date(fields.publish_date)?;
    // Hugo shows `date`, but a page with only `publishDate` is dated by it.
    let date_value = date(fields.date)?.or(publish_date);
    let updated = date(fields.updated)?;
    let expiry_date = date(fields.expiry_date)?;
    let section = crate::section_settings::settings(&fields.section).map_err(|(key, what)| {
        let line = fm
            .lines()
            .position(|l| l.trim_start().trim_start_matches('"').starts_with(key.as_str()))
            .map(|i| i + 1 + fm_line0)
            .unwrap_or(1);
        Diagnostic::new(display, format!("front matter: `{key}` must be {what}")).line(line)
    })?;
    let mut tags: Vec<String> = Vec::new();
    for t in fields.tags {
        let t = t.trim().to_string();
        if rules.term_slugs().apply(&t).is_empty() {
            return Err(Diagnostic::new(display, format!("front matter: tag {t:?} has no letters or digits")).line(1));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    Ok((
        FrontMatter {
            title,
            date: date_value,
            updated,
            draft: fields.draft,
            tags,
            description: fields.description.or(fields.summary),
            slug: fields.slug,
            template: fields.template,
            skip_announce: fields.announce == Some(false),
            extra: fields.extra.map(plain_dates).unwrap_or(serde_json::Value::Object(Default::default())),
            publish_date,
            expiry_date,
            aliases: fields.aliases,
            path: fields.path,
            taxonomies: fields.taxonomies,
            section,
            translation_key: fields.translation_key,
        },
        body,
        body_line,
    ))
}

/// Parses front matter text; errors are located in the file (`line0` lines precede `fm`).
fn parse_fm<T: serde::de::DeserializeOwned>(fm: &str, format: Format, display: &Path, line0: usize) -> std::result::Result<T, Diagnostic> {
    match format {
        Format::Toml => toml::from_str(fm).map_err(|e| {
            let mut d = Diagnostic::new(display, format!("front matter: {}", e.message().trim()));
            if let Some(span) = e.span() {
                let (l, c) = line_col(fm, span.start);
                d = d.at(l + line0, c);
            }
            hint_front_matter(d, e.message())
        }),
        Format::Yaml => serde_yaml::from_str(fm).map_err(|e| {
            let mut d = Diagnostic::new(display, format!("front matter: {e}"));
            if let Some(loc) = e.location() {
                d = d.at(loc.line() + line0, loc.column());
            }
            hint_front_matter(d, &e.to_string())
        }),
        Format::Json => serde_json::from_str(fm).map_err(|e| {
            let d = Diagnostic::new(display, format!("front matter: {e}")).at(e.line() + line0, e.column());
            hint_front_matter(d, &e.to_string())
        }),
    }
}

fn hint_front_matter(d: Diagnostic, msg: &str) -> Diagnostic {
    if msg.contains("unknown field") {
        let unknown = msg.split('`').nth(1).unwrap_or("");
        let known = KNOWN_FRONT_MATTER.join(", ");
        match myblog_utils::closest(unknown, KNOWN_FRONT_MATTER) {
            Some(best) => d.hint(format!("did you mean `{best}`? Known keys: {known}; put your own keys under `extra`")),
            None => d.hint(format!(
                "known keys: {known}; put your own keys under `extra` (content written for Zola or Hugo: set `dialect` under [content] in site.toml)"
            )),
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

/// Hugo's `.html` content files: a page whose body is HTML, used as is but for its shortcodes.
pub fn is_html_page(rel: &str) -> bool {
    rel.ends_with(".html")
}

#[cfg(test)]
mod tests {
    use super::*;
    use myblog_utils::slugify;

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

    fn parse_in(dialect: Dialect, rel: &str, text: &str) -> std::result::Result<Source, String> {
        let rules = ContentConfig { dialect, ..ContentConfig::default() };
        parse_source_with(rel, Path::new(&format!("content/{rel}")), text.as_bytes(), &rules)
            .map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn a_myblog_site_stays_strict_about_other_tools_keys() {
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\nlastmod = 2025-02-01\n+++\n").unwrap_err();
        assert!(e.contains(":4:1: front matter: unknown field `lastmod`"), "{e}");
        assert!(e.contains("[content] in site.toml"), "{e}");
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\nweight = 3\n+++\n").unwrap_err();
        assert!(e.contains("unknown field `weight`"), "{e}");
        // Zola's `[taxonomies]` table is myblog's own syntax for taxonomies besides tags.
        let s = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\n[taxonomies]\ntags = [\"a\"]\ncategories = [\"b\"]\n+++\n")
            .unwrap();
        assert_eq!(
            (s.front.tags.as_slice(), s.front.taxonomies["categories"].as_slice()),
            (&["a".to_string()][..], &["b".to_string()][..])
        );
        // Section keys belong in an _index.md.
        let e = parse("posts/a.md", "+++\ntitle = \"x\"\ndate = 2025-01-01\nsort_by = \"title\"\n+++\n").unwrap_err();
        assert!(e.contains("belong in a section's _index.md"), "{e}");
        let s = parse("posts/_index.md", "+++\ntitle = \"x\"\nsort_by = \"title\"\npaginate_by = 2\n+++\n").unwrap();
        assert_eq!(s.front.section.paginate_by, Some(2));
        let e = parse("posts/_index.md", "+++\ntitle = \"x\"\nsort_by = \"colour\"\n+++\n").unwrap_err();
        assert!(e.contains("content/posts/_index.md:3: front matter: `sort_by` must be one of"), "{e}");
    }

    #[test]
    fn hugo_front_matter_in_the_hugo_dialect() {
        let text = "---\ntitle: Roadmap\ndate: 2019-04-23T10:00:00+02:00\nlastmod: 2019-05-01\npublishDate: 2019-04-24\nexpiryDate: 2030-01-01\nsummary: Where we go\nauthor: Ann\ncategories: [News]\naliases: [/old/roadmap/]\ntoc: true\n---\nBody\n";
        let s = parse_in(Dialect::Hugo, "posts/roadmap.md", text).unwrap();
        assert_eq!(s.front.updated, parse_date_str("2019-05-01"));
        assert_eq!(s.front.publish_date, parse_date_str("2019-04-24"));
        assert_eq!(s.front.expiry_date, parse_date_str("2030-01-01"));
        assert_eq!(s.front.description.as_deref(), Some("Where we go"));
        assert_eq!(s.front.aliases, ["/old/roadmap/"]);
        assert_eq!(s.front.taxonomies["categories"], ["News"]);
        assert_eq!(s.front.extra["authors"][0], "Ann");
        assert_eq!(s.front.extra["toc"], true);
        // A page with only `publishDate` is dated by it.
        let s = parse_in(Dialect::Hugo, "posts/p.md", "+++\ntitle = \"P\"\npublishDate = 2020-01-02\n+++\n").unwrap();
        assert_eq!(s.front.date, parse_date_str("2020-01-02"));
        let e = parse_in(Dialect::Hugo, "posts/p.md", "+++\ntitle = \"P\"\ndate = 2020-01-02\nlastmod = \"soon\"\n+++\n").unwrap_err();
        assert!(e.contains("content/posts/p.md:4:1: front matter: `lastmod` value \"soon\" is not a date"), "{e}");
        let e = parse_in(Dialect::Hugo, "posts/p.md", "+++\ntitle = \"P\"\ndate = 2020-01-02\ndraft = [1]\n+++\n").unwrap_err();
        assert!(e.contains("content/posts/p.md:4: front matter: `draft` must be true or false"), "{e}");
    }

    #[test]
    fn zola_front_matter_in_the_zola_dialect() {
        let text = "+++\ntitle = \"T\"\ndate = 2024-01-01\nweight = 2\n[taxonomies]\ntags = [\"rust\"]\ncategories = [\"code\"]\n[extra]\nmood = \"good\"\n+++\nBody\n";
        let s = parse_in(Dialect::Zola, "posts/t.md", text).unwrap();
        assert_eq!(s.front.tags, ["rust"]);
        assert_eq!(s.front.taxonomies["categories"], ["code"]);
        assert_eq!(s.front.extra["mood"], "good");
        assert_eq!(s.front.extra["weight"], 2);
        assert_eq!(s.body, "Body\n");
    }

    #[test]
    fn json_front_matter() {
        let s = parse("posts/j.md", "{\n  \"title\": \"J\",\n  \"date\": \"2024-03-01\"\n}\nBody\n").unwrap();
        assert_eq!(s.front.title, "J");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 5);
        let s =
            parse_in(Dialect::Hugo, "posts/j.md", "{\"title\": \"J\", \"date\": \"2024-03-01\", \"lastmod\": \"2024-03-02\"}\n\nBody\n")
                .unwrap();
        assert_eq!(s.front.updated, parse_date_str("2024-03-02"));
        let e = parse("posts/j.md", "{\n  \"title\": \"J\",\n  \"titel\": 1\n}\n").unwrap_err();
        assert!(e.contains("unknown field `titel`") && e.contains("did you mean `title`"), "{e}");
        let e = parse("posts/j.md", "{\n  \"title\": \"J\",\n}\n").unwrap_err();
        assert!(e.starts_with("content/posts/j.md:3:"), "{e}");
    }

    #[test]
    fn markdown_extension_files_are_pages() {
        assert!(is_markdown("posts/a.markdown") && is_markdown("a.md") && !is_markdown("a.mdx"));
        let s = parse("posts/2019-04-23-roadmap.markdown", "+++\ntitle = \"R\"\ndate = 2019-04-23\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Post, "/posts/roadmap/"));
    }

    fn parse_rules(rules: &ContentConfig, rel: &str, text: &str) -> std::result::Result<Source, String> {
        parse_source_with(rel, Path::new(&format!("content/{rel}")), text.as_bytes(), rules)
            .map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn post_folders_and_permalinks_are_configurable() {
        let hugo = ContentConfig {
            dialect: Dialect::Hugo,
            post_dirs: vec!["post".into()],
            permalinks: [("post".to_string(), "/:year/:month/:day/:slug/".to_string())].into(),
            ..Default::default()
        };
        let s = parse_rules(&hugo, "post/2019-04-23-roadmap.md", "+++\ntitle = \"Road Map\"\ndate = 2019-04-23\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Post, "/2019/04/23/road-map/"), "Hugo's :slug falls back to the title");
        let s = parse_rules(&hugo, "post/x.md", "+++\ntitle = \"X\"\ndate = 2019-04-23\nslug = \"why\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/2019/04/23/why/");
        let s = parse_rules(&hugo, "post/x.md", "+++\ntitle = \"X\"\ndate = 2019-04-23\nurl = \"/old/place\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/old/place/");
        let e = parse_rules(&hugo, "post/x.md", "+++\ntitle = \"X\"\ndate = 2019-04-23\nurl = \"/a/../../b\"\n+++\n").unwrap_err();
        assert!(e.contains("one folder inside public/"), "{e}");
        // Hugo writes `url: /x.html` as that file: myblog publishes `/x/` and answers there too.
        let s = parse_rules(&hugo, "post/x.md", "+++\ntitle = \"X\"\ndate = 2019-04-23\nurl = \"/Old/x.html\"\n+++\n").unwrap();
        assert_eq!((s.url_path.as_str(), s.front.aliases.as_slice()), ("/Old/x/", ["/Old/x.html".to_string()].as_slice()));
        // Hugo lowercases slugs and file names (not `url`) and keeps dots; an undated page is a page.
        let s = parse_rules(&hugo, "post/x.md", "+++\ntitle = \"X\"\ndate = 2019-04-23\nslug = \"PQ-Certs\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/2019/04/23/pq-certs/");
        let plain_hugo = ContentConfig { permalinks: Default::default(), ..hugo.clone() };
        let s = parse_rules(&plain_hugo, "post/Release 1.0.md", "+++\ntitle = \"R\"\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Page, "/post/release-1.0/"));
        // Without a pattern Hugo keeps the whole file name under the section's folder.
        let plain = ContentConfig { permalinks: Default::default(), ..hugo.clone() };
        let s = parse_rules(&plain, "post/2019-04-23-roadmap.md", "+++\ntitle = \"R\"\ndate = 2019-04-23\n+++\n").unwrap();
        assert_eq!(s.url_path, "/post/2019-04-23-roadmap/");
        // `posts/` is a plain folder once it is not a post folder.
        let s = parse_rules(&plain, "posts/a.md", "+++\ntitle = \"A\"\n+++\n").unwrap();
        assert_eq!(s.kind, Kind::Page);

        // Zola: `blog/` and the root hold posts; the file name's date dates an undated page.
        let zola = ContentConfig { dialect: Dialect::Zola, post_dirs: vec!["blog".into(), "".into()], ..Default::default() };
        let s = parse_rules(&zola, "blog/2024-05-01-release.md", "+++\ntitle = \"R\"\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Post, "/blog/release/"));
        assert_eq!(s.front.date, parse_date_str("2024-05-01"));
        let s = parse_rules(&zola, "2020-02-02-old.md", "+++\ntitle = \"Old\"\n+++\n").unwrap();
        assert_eq!((s.kind, s.url_path.as_str()), (Kind::Post, "/old/"));
        // Zola keeps a `path` as written, dots and case, and runs file names and slugs through
        // the `slug` crate (ASCII); folder names stay as written.
        let s =
            parse_rules(&zola, "blog/t.md", "+++\ntitle = \"T\"\ndate = 2014-12-12\npath = \"2014/12/12/1.0-Timeline\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/2014/12/12/1.0-Timeline/");
        let s =
            parse_rules(&zola, "blog/Notes/Résumé_Über.md", "+++\ntitle = \"R\"\ndate = 2014-12-12\nslug = \"My Slug\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/blog/Notes/my-slug/");
        let s = parse_rules(&zola, "blog/Résumé_Über.md", "+++\ntitle = \"R\"\ndate = 2014-12-12\n+++\n").unwrap();
        assert_eq!(s.url_path, "/blog/resume-uber/");
        let s = parse_rules(&zola, "about.md", "+++\ntitle = \"About\"\n+++\n").unwrap();
        assert_eq!(s.kind, Kind::Page, "an undated page at the root stays a page");
        let s = parse_rules(&zola, "blog/t.md", "+++\ntitle = \"T\"\ndate = 2024-01-01\npath = \"notes/t\"\n+++\n").unwrap();
        assert_eq!(s.url_path, "/notes/t/");
        // The default is unchanged: posts/ at /posts/<slug>/, wherever they sit under it.
        let s = parse("posts/2024/deep.md", "+++\ntitle = \"D\"\ndate = 2024-01-01\n+++\n").unwrap();
        assert_eq!(s.url_path, "/posts/deep/");
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

    #[test]
    fn a_zola_translations_own_path_names_its_language_folder_once() {
        let languages = myblog_config::LangRules { default: "en".into(), codes: vec!["en".into(), "es".into()], dirs: vec![] };
        let zola = ContentConfig { dialect: Dialect::Zola, languages, ..Default::default() };
        let page = |rel: &str, path: &str| parse_rules(&zola, rel, &format!("+++\ntitle = \"A\"\npath = \"{path}\"\n+++\n")).unwrap();
        // Built under `/es/` with the rest of its language: `/es/about/` in the end, as Zola.
        let s = page("pages/about.es.md", "es/about");
        assert_eq!((s.lang.as_str(), s.url_path.as_str()), ("es", "/about/"));
        // A path not naming the folder stays as written (inside the language's folder).
        assert_eq!(page("pages/team.es.md", "equipo").url_path, "/equipo/");
        assert_eq!(page("pages/esto.es.md", "esto").url_path, "/esto/");
        // The default language has no folder to take off.
        assert_eq!(page("pages/about.md", "es/about").url_path, "/es/about/");
    }
}
