//! Step 5 of a rebuild: the published set must stay free of duplicate URLs.

use super::Incremental;
use crate::build;
use myblog_config::SiteConfig;
use myblog_content::Source;
use myblog_utils::Result;
use std::collections::{BTreeMap, HashMap};

impl Incremental {
    pub(super) fn check_urls(&self, new_sources: &BTreeMap<String, Option<Source>>, config: &SiteConfig) -> Result<()> {
        let mut published_changes: HashMap<String, Option<&Source>> = HashMap::new();
        for (rel, s) in new_sources {
            published_changes.insert(rel.clone(), s.as_ref().filter(|s| build::is_published(&self.opts, s)));
        }
        // Only the changed sources and the ones already at their URLs can collide.
        let mut subset: Vec<Source> = Vec::new();
        for s in published_changes.values().flatten() {
            subset.push((*s).clone());
            if let Some(other) = self.urls.get(&s.url_path).filter(|r| !published_changes.contains_key(*r)).and_then(|r| self.page(r)) {
                subset.push(other.source.clone());
            }
        }
        // A Zola or Hugo site settles shared URLs instead (a full rebuild, below).
        if config.content.dialect.is_strict() {
            build::check_duplicates(&subset, &config)?;
        }
        Ok(())
    }
}
