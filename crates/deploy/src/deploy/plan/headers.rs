//! The headers each file is uploaded with: Cache-Control by `[[deploy.cache]]` rules, then by
//! kind (hashed asset, page, other).

use globset::{Glob, GlobSet, GlobSetBuilder};
use myblog_config::CacheRule;
use myblog_utils::manifest::ManifestEntry;

pub const HASHED_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Pages: browsers revalidate after a minute; the edge keeps them a day (invalidated on change).
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60, s-maxage=86400";
/// Other files with a fixed name (robots.txt, favicon.ico): a little longer in browsers.
pub const OTHER_CACHE_CONTROL: &str = "public, max-age=3600, s-maxage=86400";
pub const STATE_CACHE_CONTROL: &str = "no-cache";

/// Cache-Control for each file: `[[deploy.cache]]` glob rules first (first match wins), then
/// the defaults by kind.
#[derive(Debug, Clone)]
pub struct HeaderRules {
    set: GlobSet,
    values: Vec<String>,
}

impl HeaderRules {
    pub fn new(rules: &[CacheRule]) -> Result<HeaderRules, (String, globset::Error)> {
        let mut b = GlobSetBuilder::new();
        for r in rules {
            let glob = Glob::new(r.glob.trim_start_matches('/')).map_err(|e| (r.glob.clone(), e))?;
            b.add(glob);
        }
        let set = b.build().map_err(|e| (String::new(), e))?;
        Ok(HeaderRules { set, values: rules.iter().map(|r| r.cache_control.clone()).collect() })
    }

    pub fn cache_control(&self, e: &ManifestEntry) -> String {
        if let Some(i) = self.set.matches(&e.path).into_iter().min() {
            return self.values[i].clone();
        }
        if e.hashed {
            HASHED_CACHE_CONTROL.into()
        } else if is_page(&e.path, &e.content_type) {
            PAGE_CACHE_CONTROL.into()
        } else {
            OTHER_CACHE_CONTROL.into()
        }
    }
}

/// HTML, feeds and the sitemap: uploaded last, because they point at everything else.
pub fn is_page(path: &str, content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(essence, "text/html" | "application/xhtml+xml" | "application/atom+xml" | "application/rss+xml")
        || path.rsplit('/').next().is_some_and(|name| name.starts_with("sitemap") && name.ends_with(".xml"))
}

#[cfg(test)]
mod tests {
    use super::super::decide::tests::entry;
    use super::*;

    #[test]
    fn cache_rules_override_in_order() {
        let r = HeaderRules::new(&[
            CacheRule { glob: "posts/**/*.html".into(), cache_control: "public, max-age=5".into() },
            CacheRule { glob: "**/*.html".into(), cache_control: "public, max-age=9".into() },
        ])
        .unwrap();
        assert_eq!(r.cache_control(&entry("posts/x/index.html", "a", false)), "public, max-age=5");
        assert_eq!(r.cache_control(&entry("about/index.html", "a", false)), "public, max-age=9");
        assert_eq!(r.cache_control(&entry("a.0123456789.css", "a", true)), HASHED_CACHE_CONTROL);
        assert!(HeaderRules::new(&[CacheRule { glob: "a[".into(), cache_control: "x".into() }]).is_err());
    }
}
