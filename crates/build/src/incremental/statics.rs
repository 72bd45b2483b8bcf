//! Step 3 of a rebuild: the static files (the theme's and content's), re-hashed when any
//! changed, and which changed URL can be patched into the pages that embed it.

use super::Incremental;
use crate::build;
use myblog_config::SiteConfig;
use myblog_config::CONTENT_DIR;
use myblog_content::Assets;
use myblog_content::ContentFile;
use myblog_utils::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The static files after a change.
pub(super) struct Statics {
    /// Non-markdown files under content/, when any changed.
    pub(super) new_files: Option<BTreeMap<String, ContentFile>>,
    /// Every static file, when any changed.
    pub(super) new_assets: Option<Arc<Assets>>,
    /// Logical paths of the static files added, removed, or with new bytes or a new name.
    pub(super) changed_assets: BTreeSet<String>,
    /// (old URL, new URL) of the files that only got a new hashed name.
    pub(super) renames: Vec<(String, String)>,
    /// Every change is a rename or an addition: pages can be patched instead of re-rendered.
    pub(super) patchable: bool,
}

impl Incremental {
    pub(super) fn changed_statics(&self, statics_touched: bool, files_changed: &BTreeSet<String>, config: &SiteConfig) -> Result<Statics> {
        let content_dir = self.opts.root.join(CONTENT_DIR);
        let mut new_files = None;
        let mut new_assets: Option<Arc<Assets>> = None;
        let mut changed_assets: BTreeSet<String> = BTreeSet::new();
        let mut renames: Vec<(String, String)> = Vec::new();
        let mut patchable = true;
        if statics_touched || !files_changed.is_empty() {
            let mut files = self.files.clone();
            for rel in files_changed {
                let abs = content_dir.join(rel);
                if abs.is_file() {
                    files.insert(rel.clone(), ContentFile { rel: rel.clone(), path: abs });
                } else {
                    files.remove(rel);
                }
            }
            let list: Vec<ContentFile> = files.values().cloned().collect();
            let assets = build::build_assets(&self.opts, &config, &list)?;
            let old = &self.prepared.assets;
            for (l, a) in &assets.by_logical {
                if old.by_logical.get(l).is_none_or(|o| o.output != a.output || o.blake3 != a.blake3) {
                    changed_assets.insert(l.clone());
                }
            }
            for l in old.by_logical.keys() {
                if !assets.by_logical.contains_key(l) {
                    changed_assets.insert(l.clone());
                }
            }
            // A static file that only got a new hashed name is patched into the pages that
            // embed its URL (the URL is the only trace of a static file in a rendered page;
            // `asset()` and the markdown resolver both write `<base path>/<output name>`).
            let base = config.base_path();
            let url_safe = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'));
            for l in &changed_assets {
                match (old.by_logical.get(l), assets.by_logical.get(l)) {
                    (Some(o), Some(n)) if url_safe(&o.output) && url_safe(&n.output) && url_safe(base) => {
                        if o.output != n.output {
                            renames.push((format!("{base}/{}", o.output), format!("{base}/{}", n.output)));
                        }
                    }
                    (None, Some(_)) => {}
                    _ => patchable = false,
                }
            }
            new_files = Some(files);
            new_assets = Some(Arc::new(assets));
        }
        let _assets = new_assets.clone().unwrap_or_else(|| self.prepared.assets.clone());
        Ok(Statics { new_files, new_assets, changed_assets, renames, patchable })
    }
}
