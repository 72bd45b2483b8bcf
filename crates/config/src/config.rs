//! `site.toml`: the site's configuration. Unknown keys are errors with a suggestion, because a
//! silently ignored typo (`paginte_by`) is worse than a failed build.

use myblog_utils::closest;
use myblog_utils::line_col;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "site.toml";
/// The folder of a site's pages, and the default folder of its posts.
pub const CONTENT_DIR: &str = "content";
pub const POSTS_DIR: &str = "posts";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL of the site, without trailing slash once normalised.
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    #[serde(default)]
    pub author: Author,
    /// The picture link previews (`og:image`) show for pages that have none of their own: a
    /// static file's path (`img/card.png`). The default theme falls back to its touch icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default)]
    pub menu: Vec<MenuItem>,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub content: ContentConfig,
    /// Taxonomies: `tags` by default; each gets a list page and a page per term.
    #[serde(default = "crate::taxonomies::default_taxonomies")]
    pub taxonomies: Vec<crate::taxonomies::TaxonomyConfig>,
    #[serde(default)]
    pub feeds: FeedsConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub subscribe: SubscribeConfig,
    #[serde(default)]
    pub thumbnails: ThumbnailConfig,
    #[serde(default)]
    pub related: RelatedConfig,
    #[serde(default)]
    pub search: SearchConfig,
    #[serde(default)]
    pub deploy: DeployConfig,
    #[serde(default)]
    pub extra: toml::Table,
    /// Languages besides `language` (the default), by code.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub languages: std::collections::BTreeMap<String, crate::languages::LanguageConfig>,
    /// Publish the default language under `/<code>/` too (Hugo's `defaultContentLanguageInSubdir`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_language_in_subdir: bool,
    /// A theme string missing in a language uses the default language's (instead of an error).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strings_fallback: bool,
    /// Set by [`SiteConfig::for_language`]: where the language's pages are published (`/fr`);
    /// [`crate::with_base`] puts it before every page URL, static files stay at the root.
    #[serde(skip)]
    pub lang_prefix: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Syntax-highlight fenced code blocks (CSS classes, colours from the theme).
    pub highlight: bool,
    pub smart_punctuation: bool,
    /// `$…$` and `$$…$$` are LaTeX formulas, rendered to MathML at build time. Off by default:
    /// on a blog that never writes math, `$5 and $6` must stay prices.
    pub math: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig { highlight: true, smart_punctuation: true, math: false }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContentConfig {
    /// Whose front matter the content is written in: myblog's own (strict: an unknown key is an
    /// error) or Zola's / Hugo's (their keys are honoured, keys without a meaning here are kept
    /// in `page.extra`).
    pub dialect: crate::dialect::Dialect,
    /// Folders under `content/` whose pages are dated posts (`""`: dated pages at the root).
    pub post_dirs: Vec<String>,
    /// URL patterns by section (first folder under `content/`, `""` for the root), with Hugo's
    /// tokens: `:year :month :day :slug :title :section :filename`.
    pub permalinks: std::collections::BTreeMap<String, String>,
    /// Sections whose `_index.md` sets no `paginate_by` are paginated by this (Hugo paginates
    /// every section); none: a section lists all its pages on one page.
    pub section_paginate_by: Option<usize>,
    /// The folder of a list's later pages: `/blog/<paginate_path>/2/` (Zola's `paginate_path`,
    /// Hugo's `pagination.path`).
    pub paginate_path: String,
    /// How file names, folder names and `slug`s become URL segments (default: the dialect's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slugify_paths: Option<crate::slugs::Slugify>,
    /// How taxonomy terms become URL segments (default: the dialect's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slugify_terms: Option<crate::slugs::Slugify>,
    /// Which file is in which language: set from `language` and `[languages]`.
    #[serde(skip)]
    pub languages: crate::languages::LangRules,
}

impl ContentConfig {
    /// The rule for file, folder and slug segments: set, else the dialect's own.
    pub fn path_slugs(&self) -> crate::slugs::Slugify {
        self.slugify_paths.unwrap_or(self.dialect.default_slugify())
    }

    /// The rule for taxonomy terms: set, else the dialect's own.
    pub fn term_slugs(&self) -> crate::slugs::Slugify {
        self.slugify_terms.unwrap_or(self.dialect.default_slugify())
    }
}

impl Default for ContentConfig {
    fn default() -> Self {
        ContentConfig {
            dialect: Default::default(),
            post_dirs: vec![crate::config::POSTS_DIR.into()],
            permalinks: Default::default(),
            section_paginate_by: None,
            paginate_path: "page".into(),
            slugify_paths: None,
            slugify_terms: None,
            languages: Default::default(),
        }
    }
}

/// Feeds of list pages besides the site's `atom.xml` and `rss.xml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedsConfig {
    /// File name of a list's feed (`/tags/rust/atom.xml`): a name holding `atom` is Atom, any
    /// other (Hugo's `index.xml`) RSS 2.0.
    pub filename: String,
    /// Every list page has a feed: the home, each section, each taxonomy and each term (as
    /// Hugo does). Otherwise only the taxonomies with `feed = true` and the sections with
    /// `feed = true` in their `_index.md`.
    pub every_list: bool,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig { filename: "atom.xml".into(), every_list: false }
    }
}

impl FeedsConfig {
    pub fn is_atom(&self) -> bool {
        self.filename.contains("atom")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BuildConfig {
    /// Globs (relative to the output root) of static files that keep their name instead of
    /// getting a content hash: files other sites or crawlers fetch by a fixed name.
    pub keep_names: Vec<String>,
    /// Publish photos (JPEG, PNG, WebP) without their location and device metadata (EXIF GPS
    /// and serial numbers, XMP, IPTC); orientation and colour profile stay.
    pub strip_photo_metadata: bool,
    /// A stylesheet's `url()` to a file that is not there is published as written (with a note)
    /// instead of stopping the build: `init --from` sets it, as Zola and Hugo copy such files.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_missing_css_urls: bool,
    /// An image, video or raw-HTML `src` in a page that points at a file that is not there is
    /// published as written instead of stopping the build: `init --from` sets it, as Zola and
    /// Hugo publish such pages unchecked (a template's placeholder `src="insert-link-here"`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_missing_page_files: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            keep_names: vec!["favicon.ico".into(), "robots.txt".into(), "apple-touch-icon.png".into(), ".well-known/**".into()],
            strip_photo_metadata: true,
            keep_missing_css_urls: false,
            keep_missing_page_files: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubscribeConfig {
    pub enabled: bool,
    /// Where the subscribe form posts to.
    pub action: String,
    /// A post is emailed to subscribers only if its date is at most this many days old when
    /// a deploy first publishes it (an old draft made public does not blast the list).
    pub announce_within_days: u32,
    /// The stack's announcements table (else read from the `--stack` outputs).
    pub announcements_table: Option<String>,
    /// The stack's subscribers table, for `myblog subscribers` (else from the stack outputs).
    pub subscribers_table: Option<String>,
    /// The stack's sends table, for `myblog announcements` (else from the stack outputs).
    pub sends_table: Option<String>,
}

impl Default for SubscribeConfig {
    fn default() -> Self {
        SubscribeConfig {
            enabled: true,
            action: "/api/subscribe".into(),
            announce_within_days: 7,
            announcements_table: None,
            subscribers_table: None,
            sends_table: None,
        }
    }
}

/// The search index (`search/index.json` and its files) and the theme's search page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Write the index and the `/search/` page; `false` leaves both out.
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

/// Related posts under each post (`page.related`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelatedConfig {
    /// How many a post shows at most; 0 turns them off.
    pub count: usize,
}

impl Default for RelatedConfig {
    fn default() -> Self {
        RelatedConfig { count: 3 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThumbnailConfig {
    /// Widths of the thumbnails made for photos under `content/media/`.
    pub widths: Vec<u32>,
}

impl Default for ThumbnailConfig {
    fn default() -> Self {
        ThumbnailConfig { widths: vec![320, 640, 1280] }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeployConfig {
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub distribution_id: Option<String>,
    pub region: Option<String>,
    /// An S3/CloudFront-compatible endpoint (tests, emulators). `AWS_ENDPOINT_URL` wins.
    pub endpoint_url: Option<String>,
    /// CloudFormation stack whose outputs name the bucket and distribution.
    pub stack: Option<String>,
    /// Replaced hashed assets are kept for this many later deploys…
    pub grace_deploys: Option<u32>,
    /// …and at least this many hours.
    pub grace_hours: Option<u64>,
    /// Off a terminal, refuse to delete more files than this (a count, or a fraction of the
    /// site like 0.1) unless `--force` or `--max-deletes N`.
    pub max_deletes: Option<MaxDeletes>,
    /// Seconds to wait for another deploy's lease before giving up (`--lease-wait`).
    pub lease_wait: Option<u64>,
    /// Seconds after which a lease nobody renewed is taken over (a crashed deployer).
    pub lease_ttl: Option<u64>,
    /// Seconds to wait for the thumbnail Lambda before making thumbnails here.
    pub thumbnails_wait: Option<u64>,
    /// Above this many invalidation paths, collapse them into wildcards.
    pub invalidation_limit: Option<usize>,
    /// Uploads in flight at once.
    pub concurrency: Option<usize>,
    /// Attempts per request, retries included (standard retry mode with backoff).
    pub max_attempts: Option<u32>,
    /// Files larger than this many bytes go up in parts.
    pub multipart_threshold: Option<u64>,
    /// Cache-Control overrides, first match wins.
    pub cache: Vec<CacheRule>,
}

/// `max_deletes = 256` or `max_deletes = 0.1` (of the files of the last deploy).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxDeletes {
    Count(u64),
    Fraction(f64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// Glob over output paths (`posts/**/*.html`, `*.xml`).
    pub glob: String,
    pub cache_control: String,
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_paginate_by() -> usize {
    10
}

impl SiteConfig {
    /// Parses `site.toml` text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<SiteConfig> {
        let mut config: SiteConfig = toml::from_str(text).map_err(|e| toml_diagnostic(&e, text, path, KNOWN_SITE_KEYS))?;
        config.normalise(path)?;
        Ok(config)
    }

    pub fn load(root: &Path) -> Result<SiteConfig> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        SiteConfig::parse(&text, Path::new(CONFIG_FILE))
    }

    fn normalise(&mut self, path: &Path) -> Result<()> {
        let trimmed = self.base_url.trim().trim_end_matches('/').to_string();
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(Diagnostic::new(path, format!("base_url {:?} is not an absolute http(s) URL", self.base_url))
                .hint("write the address readers will use, e.g. base_url = \"https://blog.example.com\"")
                .into());
        }
        self.base_url = trimmed;
        if self.paginate_by == 0 {
            return Err(Diagnostic::new(path, "paginate_by must be at least 1").into());
        }
        for (section, pattern) in &self.content.permalinks {
            if let Err(e) = crate::permalinks::validate(pattern) {
                return Err(Diagnostic::new(path, format!("[content.permalinks] {section:?}: {e}"))
                    .hint("a pattern is a URL path such as \"/:year/:month/:day/:slug/\"")
                    .into());
            }
        }
        if self.content.section_paginate_by == Some(0) {
            return Err(Diagnostic::new(path, "[content] section_paginate_by must be at least 1").into());
        }
        if !myblog_utils::is_plain_segment(&self.content.paginate_path) {
            return Err(Diagnostic::new(path, format!("[content] paginate_path {:?} must be one folder name", self.content.paginate_path))
                .hint("e.g. paginate_path = \"page\"")
                .into());
        }
        if !myblog_utils::is_plain_segment(&self.feeds.filename) || !self.feeds.filename.ends_with(".xml") {
            return Err(Diagnostic::new(path, format!("[feeds] filename {:?} must be a file name ending in .xml", self.feeds.filename))
                .hint("e.g. filename = \"atom.xml\" (Atom) or \"index.xml\" (RSS 2.0)")
                .into());
        }
        crate::taxonomies::validate(&self.taxonomies).map_err(|m| {
            Error::from(
                Diagnostic::new(path, m)
                    .hint("a taxonomy is [[taxonomies]] name = \"categories\" (feed = true, paginate_by = 10 optional)"),
            )
        })?;
        crate::languages::validate(self)
            .map_err(|m| Error::from(Diagnostic::new(path, m).hint("a language is [languages.fr] title = \"...\" (all keys optional)")))?;
        self.content.languages = crate::languages::LangRules::of(self);
        if self.theme.contains('/') || self.theme.contains('\\') || self.theme == ".." || self.theme.is_empty() {
            return Err(Diagnostic::new(path, format!("theme {:?} must be a folder name under themes/", self.theme)).into());
        }
        Ok(())
    }

    /// The path part of base_url (`""` or `/blog`), prefixed to every URL the site emits.
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map(|(_, r)| r).unwrap_or(&self.base_url);
        match after_scheme.find('/') {
            Some(i) => &after_scheme[i..],
            None => "",
        }
    }

    /// Replaces base_url (e.g. `--base-url`, or the local address in `serve`).
    pub fn set_base_url(&mut self, url: &str) -> Result<()> {
        self.base_url = url.to_string();
        self.normalise(Path::new("--base-url"))
    }

    pub fn theme_dir(&self, root: &Path) -> PathBuf {
        root.join("themes").join(&self.theme)
    }
}

const KNOWN_SITE_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "theme",
    "paginate_by",
    "author",
    "menu",
    "markdown",
    "content",
    "dialect",
    "post_dirs",
    "permalinks",
    "section_paginate_by",
    "paginate_path",
    "taxonomies",
    "feed",
    "feeds",
    "filename",
    "every_list",
    "build",
    "subscribe",
    "thumbnails",
    "deploy",
    "extra",
    "languages",
    "default_language_in_subdir",
    "strings_fallback",
    "dir",
    "content_dir",
    "strings",
    "weight",
    "name",
    "email",
    "url",
    "highlight",
    "smart_punctuation",
    "keep_names",
    "strip_photo_metadata",
    "keep_missing_css_urls",
    "keep_missing_page_files",
    "enabled",
    "action",
    "announce_within_days",
    "announcements_table",
    "subscribers_table",
    "sends_table",
    "widths",
    "bucket",
    "prefix",
    "distribution_id",
    "region",
    "endpoint_url",
    "stack",
    "grace_deploys",
    "grace_hours",
    "max_deletes",
    "lease_wait",
    "lease_ttl",
    "thumbnails_wait",
    "invalidation_limit",
    "concurrency",
    "max_attempts",
    "multipart_threshold",
    "cache",
    "glob",
    "cache_control",
];

/// Turns a toml/serde error into a located diagnostic, with a "did you mean" for unknown keys.
pub(crate) fn toml_diagnostic(e: &toml::de::Error, text: &str, path: &Path, known: &[&str]) -> Error {
    let mut d = Diagnostic::new(path, e.message().trim().to_string());
    if let Some(span) = e.span() {
        let (line, col) = line_col(text, span.start);
        d = d.at(line, col);
    }
    if let Some(unknown) = e.message().strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
        d = match closest(unknown, known) {
            Some(best) => d.hint(format!("did you mean `{best}`? Check the spelling, or remove the key")),
            None => d.hint("remove the key; see the site.toml reference in the README"),
        };
    }
    d.into()
}

/// Finds the nearest folder at or above `start` that holds `site.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    let start = start.canonicalize().map_err(|e| Error::io("cannot open", start, e))?;
    for dir in start.ancestors() {
        if dir.join(CONFIG_FILE).is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    Err(Error::Usage(format!(
        "no {CONFIG_FILE} found in {} or any folder above it; run inside a blog, pass --root DIR, or create one with `myblog init DIR`",
        start.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_located_and_suggests() {
        let err = SiteConfig::parse("title = \"x\"\nbase_url = \"https://x.org\"\npaginte_by = 3\n", Path::new("site.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("site.toml:3:1"), "{err}");
        assert!(err.contains("did you mean `paginate_by`"), "{err}");
    }

    #[test]
    fn base_path_of_sub_folder_sites() {
        let c = SiteConfig::parse("title = \"x\"\nbase_url = \"https://x.org/blog/\"\n", Path::new("s")).unwrap();
        assert_eq!(c.base_url, "https://x.org/blog");
        assert_eq!(c.base_path(), "/blog");
        let c = SiteConfig::parse("title = \"x\"\nbase_url = \"https://x.org\"\n", Path::new("s")).unwrap();
        assert_eq!(c.base_path(), "");
    }
}
