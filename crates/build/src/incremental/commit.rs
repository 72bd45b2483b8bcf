//! Step 6 of a rebuild, and the commit: a new renderer when templates or static files changed;
//! then the model takes in the changed sources, patched in place when they keep their place,
//! assembled again otherwise. From the commit on, the model reflects the sources on disk.

use super::snapshot::Snapshot;
use super::Incremental;
use crate::build;
use crate::deps::TemplateDeps;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_content::ContentFile;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_markdown::Rendered;
use myblog_site as model;
use myblog_site::Neighbour;
use myblog_site::Page;
use myblog_site::Renderer;
use myblog_site::Site;
use myblog_utils::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// What the commit changed in the model, for choosing the outputs to render.
pub(super) struct Committed {
    /// Rel paths of every source changed or rendered again.
    pub(super) changed_rels: BTreeSet<String>,
    /// Their summaries before the change (as the templates see them).
    pub(super) old_summaries: HashMap<String, serde_json::Value>,
    /// The lists before the change, when the model was assembled again.
    pub(super) snapshot: Option<Snapshot>,
    /// Posts whose neighbour or related post was retitled in place.
    pub(super) neighbour_touched: HashSet<usize>,
    /// Home pages before the change.
    pub(super) old_jobs_total: usize,
}

impl Incremental {
    pub(super) fn new_renderer(
        &self,
        new_templates: &Option<Vec<(String, String)>>,
        assets_changed: bool,
        assets: &Arc<Assets>,
        config: &SiteConfig,
    ) -> Result<Option<Renderer>> {
        if new_templates.is_none() && !assets_changed {
            return Ok(None);
        }
        let t = new_templates.clone().unwrap_or_else(|| self.templates.clone());
        Ok(Some(Renderer::new(&self.opts.root, config, t, assets.clone())?))
    }

    /// Puts the new templates, link index, static files and renderer in place.
    pub(super) fn swap_in(
        &mut self,
        new_templates: Option<Vec<(String, String)>>,
        new_deps: Option<TemplateDeps>,
        links: Arc<myblog_content::LinkIndex>,
        new_files: Option<BTreeMap<String, ContentFile>>,
        new_assets: Option<Arc<Assets>>,
        new_renderer: Option<Renderer>,
    ) {
        if let Some(t) = new_templates {
            self.deps = new_deps.unwrap_or_else(|| TemplateDeps::new(&t));
            self.templates = t;
        }
        self.prepared.links = links;
        if let Some(f) = new_files {
            self.files = f;
        }
        if let Some(a) = new_assets {
            self.prepared.assets = a;
        }
        if let Some(r) = new_renderer {
            self.prepared.renderer = r;
        }
    }

    /// The model with the changed sources in it.
    pub(super) fn update_model(
        &mut self,
        new_sources: &BTreeMap<String, Option<Source>>,
        rendered: Vec<(Source, Rendered)>,
        config: &SiteConfig,
    ) -> Committed {
        let old_jobs_total = build::home_pages(&self.prepared.site, &config);
        let mut rendered_by_rel: HashMap<String, (Source, Rendered)> = rendered.into_iter().map(|(s, r)| (s.rel.clone(), (s, r))).collect();
        let mut changed_rels: BTreeSet<String> = rendered_by_rel.keys().cloned().collect();
        changed_rels.extend(new_sources.keys().cloned());

        let old_summaries: HashMap<String, serde_json::Value> = changed_rels
            .iter()
            .filter_map(|r| self.page(r))
            .map(|p| (p.source.rel.clone(), serde_json::to_value(&p.summary).unwrap_or_default()))
            .collect();
        let in_place = self.can_update_in_place(&new_sources, &rendered_by_rel);
        let snapshot = if in_place { None } else { Some(Snapshot::of(&self.prepared.site, &config)) };
        let mut neighbour_touched: HashSet<usize> = HashSet::new();
        if in_place {
            // A page's summary depends on nothing but itself: assemble it alone and swap it in.
            for (rel, (s, r)) in rendered_by_rel.drain() {
                let mut one = model::assemble(&config, vec![(s, r)]);
                let Some(fresh) = one.posts.pop().or_else(|| one.pages.pop()).or_else(|| one.sections.pop()) else { continue };
                let Some(&(kind, i)) = self.index.get(&rel) else { continue };
                let Some(p) = self.page_mut(&rel) else { continue };
                let title_changed = p.summary.title != fresh.summary.title;
                p.source = fresh.source;
                p.summary = fresh.summary;
                p.content = fresh.content;
                p.toc = fresh.toc;
                p.date = fresh.date;
                if kind == Kind::Post && title_changed {
                    let posts = &mut self.prepared.site.posts;
                    let me = Neighbour { title: posts[i].summary.title.clone(), path: posts[i].summary.path.clone() };
                    if i > 0 {
                        posts[i - 1].lower = Some(me.clone());
                        neighbour_touched.insert(i - 1);
                    }
                    if i + 1 < posts.len() {
                        posts[i + 1].higher = Some(me);
                        neighbour_touched.insert(i + 1);
                    }
                    // Posts that show it as related show its title too.
                    let (path, title) = (posts[i].summary.path.clone(), posts[i].summary.title.clone());
                    for (k, post) in posts.iter_mut().enumerate() {
                        for r in post.related.iter_mut().filter(|r| r.path == path) {
                            r.title = title.clone();
                            neighbour_touched.insert(k);
                        }
                    }
                }
            }
        } else {
            for (rel, s) in new_sources {
                match s {
                    Some(s) if !build::is_published(&self.opts, s) => {
                        self.unpublished.insert(rel.clone(), s.clone());
                    }
                    _ => {
                        self.unpublished.remove(rel);
                    }
                }
            }
            let old = std::mem::replace(&mut self.prepared.site, Site::empty());
            let mut items: Vec<(Source, Rendered)> = Vec::with_capacity(old.posts.len() + old.pages.len() + old.sections.len() + 1);
            for p in old.posts.into_iter().chain(old.pages).chain(old.sections) {
                if new_sources.contains_key(&p.source.rel) || rendered_by_rel.contains_key(&p.source.rel) {
                    continue;
                }
                items.push(dismantle(p));
            }
            items.extend(rendered_by_rel.drain().map(|(_, v)| v));
            self.prepared.site = model::assemble(&config, items);
            build::resolve_templates(&mut self.prepared.site, &config, &self.prepared.renderer);
            self.reindex();
        }
        Committed { changed_rels, old_summaries, snapshot, neighbour_touched, old_jobs_total }
    }

    /// The changed sources keep their place in the model (same URL, date, tags, still
    /// published): the order, tags and pagination stay valid and the pages can be patched
    /// where they are.
    pub(super) fn can_update_in_place(
        &self,
        new_sources: &BTreeMap<String, Option<Source>>,
        rendered: &HashMap<String, (Source, Rendered)>,
    ) -> bool {
        let config = &self.prepared.config;
        use myblog_content::SortBy;
        // Lists ordered by what an edit may change: a new title or weight moves the page.
        let sorted_by_content = config.content.dialect == myblog_config::Dialect::Hugo
            || self.prepared.site.sections.iter().any(|s| {
                matches!(s.source.front.section.sort_by, Some(SortBy::Title | SortBy::TitleBytes | SortBy::Weight | SortBy::Slug))
            });
        for (rel, s) in new_sources {
            let (Some(s), Some(old)) = (s, self.page(rel)) else { return false };
            // What orders the model and builds its lists and sitemap must stay; titles,
            // descriptions, bodies and extra data may change in place.
            let (a, b) = (&old.source.front, &s.front);
            if !build::is_published(&self.opts, s)
                || old.source.kind != s.kind
                || old.source.url_path != s.url_path
                || old.source.display_path != s.display_path
                || a.date != b.date
                || a.updated != b.updated
                || a.tags != b.tags
                || a.section != b.section
                || a.aliases != b.aliases
                || a.extra.get("template") != b.extra.get("template")
                || config.taxonomies.iter().any(|t| myblog_site::terms_of(a, &t.name) != myblog_site::terms_of(b, &t.name))
                || (sorted_by_content && (a.title != b.title || a.extra.get("weight") != b.extra.get("weight")))
            {
                return false;
            }
        }
        rendered.keys().all(|r| self.index.contains_key(r))
    }
}

pub(super) fn dismantle(p: Page) -> (Source, Rendered) {
    let Page { source, summary, content, toc, .. } = p;
    (
        source,
        Rendered {
            content,
            summary: summary.summary,
            has_more: summary.has_more,
            toc,
            word_count: summary.word_count,
            reading_time: summary.reading_time,
            image: summary.image,
        },
    )
}
