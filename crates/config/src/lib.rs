//! myblog-config: `site.toml`, read table by table and checked as a whole (unknown keys are
//! errors with a "did you mean"), with the settings every later stage reads: the dialect a
//! site follows, its permalink patterns, its taxonomies, and the URLs they make.

mod config;
mod dialect;
mod languages;
mod permalinks;
mod slugs;
mod taxonomies;
mod urls;

pub use crate::dialect::Dialect;
pub use config::{
    find_root, Author, BuildConfig, CacheRule, ContentConfig, DeployConfig, FeedsConfig, MarkdownConfig, MaxDeletes, MenuItem,
    RelatedConfig, SearchConfig, SiteConfig, SubscribeConfig, ThumbnailConfig, CONFIG_FILE, CONTENT_DIR, POSTS_DIR,
};
pub use languages::{text_direction, LangRules, Language, LanguageConfig};
pub use permalinks::{expand as expand_permalink, settle as settle_permalinks, validate as validate_permalink, Claim, Tokens};
pub use slugs::Slugify;
pub use taxonomies::{default_taxonomies, validate as validate_taxonomies, TaxonomyConfig, TAGS};
pub use urls::{absolute, tag_path, term_path, with_base};
