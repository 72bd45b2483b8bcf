//! Which sources are published, and at which URL: drafts and dates, shared URLs of moved-in
//! sites, duplicates and reserved URLs.

use super::options::BuildOptions;
use myblog_config::SiteConfig;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use std::collections::HashMap;

/// Drafts, posts dated in the future, and pages before their `publishDate` or after their
/// `expiryDate` are left out unless `--drafts`.
pub fn is_published(opts: &BuildOptions, s: &Source) -> bool {
    let f = &s.front;
    opts.drafts
        || (!f.draft
            && f.date.is_none_or(|d| d <= opts.now)
            && f.publish_date.is_none_or(|d| d <= opts.now)
            && f.expiry_date.is_none_or(|d| d > opts.now))
}

/// A site moved in from Hugo or Zola may have pages sharing a URL (Hugo keeps one and drops
/// the others): the newest post keeps it, the others move to a distinct URL. Returns what moved.
pub fn settle_shared_urls(sources: &mut [Source]) -> Vec<String> {
    let claims: Vec<myblog_config::Claim<'_>> = sources
        .iter()
        .map(|s| myblog_config::Claim { date: if s.kind == Kind::Post { s.front.date } else { None }, url_path: &s.url_path })
        .collect();
    let moves = myblog_config::settle_permalinks(&claims);
    let mut notes = Vec::new();
    for (i, url) in moves {
        let s = &mut sources[i];
        notes.push(format!("{} shares {} with a newer page: published at {url}", s.display_path.display(), s.url_path));
        s.url_path = url;
    }
    notes
}

pub fn check_duplicates(sources: &[Source], config: &SiteConfig) -> Result<()> {
    let strict = config.content.dialect.is_strict();
    // A moved-in site keeps its own /archive/ and /page/about/; only the home's numbered pages
    // are taken from it.
    let numbered =
        |url: &str| url.strip_prefix("/page/").and_then(|r| r.strip_suffix('/')).is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
    let reserved = |url: &str| {
        (strict && url == "/archive/")
            || (if strict { url.starts_with("/page/") } else { numbered(url) })
            || config.taxonomies.iter().any(|t| url.strip_prefix('/').and_then(|u| u.strip_prefix(t.name.as_str())) == Some("/"))
    };
    let mut seen: HashMap<&str, &Source> = HashMap::new();
    let mut errors = Vec::new();
    for s in sources {
        if let Some(other) = seen.insert(&s.url_path, s) {
            errors.push(
                Diagnostic::new(&s.display_path, format!("{} is also the URL of {}", s.url_path, other.display_path.display()))
                    .line(1)
                    .hint("two pages cannot share a URL: change `slug` in one of them"),
            );
        }
        if s.kind != Kind::Section && reserved(&s.url_path) {
            errors.push(
                Diagnostic::new(&s.display_path, format!("{} is reserved for a generated page", s.url_path))
                    .line(1)
                    .hint("choose another slug"),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        Err(Error::Input(errors))
    }
}
