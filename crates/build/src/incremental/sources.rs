//! Step 1 of a rebuild: read and parse the changed sources. Nothing is modified until every
//! one parsed, but for drafts edited while hidden, which change only the list of drafts.

use super::Incremental;
use crate::build;
use myblog_config::SiteConfig;
use myblog_config::CONTENT_DIR;
use myblog_content as content;
use myblog_content::Source;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use std::collections::{BTreeMap, BTreeSet};

impl Incremental {
    /// Changed source (rel path) → its new version, or `None` if it is gone.
    pub(super) fn read_sources(&mut self, md_changed: &BTreeSet<String>, config: &SiteConfig) -> Result<BTreeMap<String, Option<Source>>> {
        let root = self.opts.root.clone();
        let content_dir = root.join(CONTENT_DIR);
        let mut new_sources: BTreeMap<String, Option<Source>> = BTreeMap::new();
        let mut errors: Vec<Diagnostic> = Vec::new();
        for rel in md_changed {
            let abs = content_dir.join(rel);
            match std::fs::read(&abs) {
                Ok(bytes) => {
                    let display = myblog_utils::rel_display(&root, &abs);
                    match content::parse_source_with(rel, &display, &bytes, &config.content) {
                        Ok(s) => {
                            new_sources.insert(rel.clone(), Some(s));
                        }
                        Err(d) => errors.extend(d),
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    new_sources.insert(rel.clone(), None);
                }
                Err(e) => errors.push(Diagnostic::new(myblog_utils::rel_display(&root, &abs), format!("cannot read: {e}"))),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        // Drafts edited while hidden (and never shown) change nothing but the list of drafts.
        let opts = &self.opts;
        new_sources.retain(|rel, s| {
            let shown_now = s.as_ref().is_some_and(|s| build::is_published(opts, s));
            if self.index.contains_key(rel) || shown_now {
                return true;
            }
            match s {
                Some(s) => self.unpublished.insert(rel.clone(), s.clone()),
                None => self.unpublished.remove(rel),
            };
            false
        });
        Ok(new_sources)
    }
}
