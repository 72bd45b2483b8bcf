//! Step 9 of a rebuild: feeds, sitemap, robots.txt, the search index; static files. The sitemap depends on the
//! set of pages, their dates and whether they may be indexed (draft, extra.noindex), the
//! feeds on the newest posts.

use super::plan::Edits;
use super::{Change, Incremental};
use crate::build;
use crate::build::Output;
use myblog_config::SiteConfig;
use myblog_config::CONTENT_DIR;
use myblog_utils::Diagnostic;
use std::collections::{BTreeSet, HashSet};

impl Incremental {
    pub(super) fn regenerate(
        &mut self,
        edits: Edits,
        paths_changed: bool,
        changed_assets: &BTreeSet<String>,
        config: &SiteConfig,
        mut change: Change,
    ) -> Change {
        let Edits { changed_fields, changed_posts, terms_touched, remodelled } = edits;
        let mut generated_paths: BTreeSet<String> = self.generated.clone();
        let sitemap_fields = ["date", "updated", "draft", "extra"];
        let sitemap_changed = changed_fields.values().any(|f| sitemap_fields.iter().any(|x| f.contains(x)));
        // Feeds of lists (terms, sections) may carry any post (and terms' any page with the term),
        // not only the newest.
        let list_feeds = (!changed_posts.is_empty() || terms_touched) && myblog_site::has_feeds(&self.prepared.site, &config);
        if remodelled || paths_changed || sitemap_changed || list_feeds || !changed_assets.is_empty() {
            let html_paths: Vec<&str> = self.html.iter().map(String::as_str).collect();
            let generated = build::generated_files(&self.prepared.site, &config, &self.prepared.assets, &html_paths);
            // The search index's files are refreshed below, on their own.
            generated_paths = generated.iter().map(|o| o.path.clone()).chain(self.search_paths()).collect();
            for o in generated {
                self.put(o, &mut change);
            }
            // Feeds of terms or sections that are gone.
            for gone in self.generated.difference(&generated_paths) {
                if !self.html.contains(gone) && self.outputs.remove(gone).is_some() {
                    change.removed.push(gone.clone());
                }
            }
            self.generated = generated_paths.clone();
        } else if changed_posts.iter().any(|&i| i < myblog_site::FEED_LIMIT) {
            let site = &self.prepared.site;
            let atom = Output::rendered("atom.xml".into(), myblog_site::atom(site, &config).into_bytes());
            let rss = Output::rendered("rss.xml".into(), myblog_site::rss(site, &config).into_bytes());
            self.put(atom, &mut change);
            self.put(rss, &mut change);
        }
        // Any edit of a page may change its words.
        if remodelled || paths_changed || !changed_fields.is_empty() {
            generated_paths = self.refresh_search(generated_paths, config, &mut change);
        }
        if self.outputs.contains_key("robots.txt")
            && !generated_paths.contains("robots.txt")
            && self.prepared.assets.get("robots.txt").is_none()
        {
            self.outputs.remove("robots.txt");
            change.removed.push("robots.txt".into());
        }
        if !changed_assets.is_empty() {
            let mut asset_outputs: Vec<Output> = self.prepared.assets.by_logical.values().map(Output::from_asset).collect();
            if self.prepared.thumbnails == build::ThumbnailMode::Local {
                // Thumbnail names carry the photo's hash: an unchanged photo keeps its
                // thumbnails, a new or changed one gets them made.
                for a in self.prepared.assets.by_logical.values().filter(|a| a.image.is_some()) {
                    let planned = build::planned_thumbnails(a, &config);
                    if planned.iter().all(|(k, _)| self.outputs.contains_key(k)) {
                        asset_outputs.extend(planned.iter().filter_map(|(k, _)| self.outputs.get(k).cloned()));
                    } else {
                        match build::photo_thumbnails(a, &config) {
                            Ok(thumbs) => asset_outputs.extend(thumbs),
                            Err(d) => change.errors.extend(d),
                        }
                    }
                }
            }
            let keep: HashSet<&str> = asset_outputs.iter().map(|o| o.path.as_str()).collect();
            let stale: Vec<String> = self
                .outputs
                .keys()
                .filter(|p| {
                    !keep.contains(p.as_str()) && !self.html.contains(*p) && !generated_paths.contains(*p) && !self.redirects.contains(*p)
                })
                .cloned()
                .collect();
            for p in stale {
                self.outputs.remove(&p);
                change.removed.push(p);
            }
            for o in asset_outputs {
                if self.html.contains(&o.path) || generated_paths.contains(&o.path) {
                    change.errors.push(
                        Diagnostic::new(CONTENT_DIR, format!("two outputs would be written to public/{}", o.path))
                            .hint("a static file and a page (or feed) share that path: rename one of them"),
                    );
                    continue;
                }
                self.put(o, &mut change);
            }
        }
        change
    }
}

impl Incremental {
    /// The search index's files among the generated ones.
    fn search_paths(&self) -> Vec<String> {
        let dir = format!("{}/", myblog_site::search::SEARCH_DIR);
        self.generated.iter().filter(|p| p.starts_with(&dir) && !self.html.contains(*p)).cloned().collect()
    }

    /// Writes the search index again; its files that are gone are removed. Returns the new
    /// set of generated paths.
    fn refresh_search(&mut self, mut generated_paths: BTreeSet<String>, config: &SiteConfig, change: &mut Change) -> BTreeSet<String> {
        let dir = format!("{}/", myblog_site::search::SEARCH_DIR);
        let files = build::search_files(&self.prepared.site, config, Some(&mut self.search_words));
        let new: BTreeSet<String> = files.iter().map(|o| o.path.clone()).collect();
        let gone: Vec<String> = generated_paths.iter().filter(|p| p.starts_with(&dir) && !new.contains(*p)).cloned().collect();
        for p in gone {
            generated_paths.remove(&p);
            if !self.html.contains(&p) && self.outputs.remove(&p).is_some() {
                change.removed.push(p);
            }
        }
        for o in files {
            generated_paths.insert(o.path.clone());
            self.put(o, change);
        }
        self.generated = generated_paths.clone();
        generated_paths
    }
}
