//! `[[taxonomies]]` in site.toml: which taxonomies a site has and how their pages are laid out.

use myblog_utils::{is_plain_segment, slugify};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// `[[taxonomies]]` in site.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// The front-matter key holding a page's terms, and the URL folder (`/categories/`).
    pub name: String,
    /// Each term gets a feed of its newest posts (`/categories/rust/atom.xml`).
    #[serde(default)]
    pub feed: bool,
    /// Posts per term page; none: a term lists all its posts on one page.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Folder of a term's later pages (`/categories/rust/<paginate_path>/2/`, Zola's per-taxonomy
    /// key); none: `[content] paginate_path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginate_path: Option<String>,
}

pub fn default_taxonomies() -> Vec<TaxonomyConfig> {
    vec![TaxonomyConfig { name: TAGS.into(), feed: false, paginate_by: None, paginate_path: None }]
}

pub const TAGS: &str = "tags";

/// Folders of the site's root that a taxonomy may not take: they hold generated pages.
const RESERVED: &[&str] = &["archive", "page", "static"];

pub fn validate(list: &[TaxonomyConfig]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for t in list {
        if t.name.is_empty() || slugify(&t.name) != t.name {
            return Err(format!(
                "taxonomy name {:?} must be lowercase letters, digits, '-' or '_' (it is the URL folder /{}/)",
                t.name,
                slugify(&t.name)
            ));
        }
        if RESERVED.contains(&t.name.as_str()) {
            return Err(format!("taxonomy name {:?} is reserved for myblog's own pages", t.name));
        }
        if !seen.insert(t.name.as_str()) {
            return Err(format!("taxonomy {:?} is configured twice", t.name));
        }
        if t.paginate_by == Some(0) {
            return Err(format!("taxonomy {:?}: paginate_by must be at least 1", t.name));
        }
        if let Some(p) = t.paginate_path.as_deref().filter(|p| !is_plain_segment(p)) {
            return Err(format!("taxonomy {:?}: paginate_path {p:?} must be one folder name, e.g. \"page\"", t.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(names: &[&str]) -> Vec<TaxonomyConfig> {
        names.iter().map(|n| TaxonomyConfig { name: n.to_string(), feed: false, paginate_by: None, paginate_path: None }).collect()
    }

    #[test]
    fn names_are_checked() {
        assert!(validate(&config(&["tags", "categories"])).is_ok());
        assert!(validate(&config(&["Categories"])).unwrap_err().contains("lowercase"));
        assert!(validate(&config(&["tags", "tags"])).unwrap_err().contains("twice"));
        assert!(validate(&config(&["page"])).unwrap_err().contains("reserved"));
    }
}
