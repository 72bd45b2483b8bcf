//! URLs of the site: a root-relative path with the site's base path, or absolute.

use crate::config::SiteConfig;

/// Prefixes the site's base path (and, for a page of a language published under its own
/// prefix, that prefix) to a root-relative URL path.
pub fn with_base(config: &SiteConfig, path: &str) -> String {
    format!("{}{}{}", config.base_path(), config.lang_prefix, path)
}

pub fn absolute(config: &SiteConfig, path: &str) -> String {
    let origin_len = config.base_url.len() - config.base_path().len();
    format!("{}{}", &config.base_url[..origin_len], path)
}

pub fn tag_path(config: &SiteConfig, slug: &str) -> String {
    term_path(config, crate::taxonomies::TAGS, slug)
}

pub fn term_path(config: &SiteConfig, taxonomy: &str, slug: &str) -> String {
    with_base(config, &format!("/{taxonomy}/{slug}/"))
}
