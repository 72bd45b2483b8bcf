//! Step 4 of a rebuild: the markdown to render again, and its rendering. Changed published
//! sources; sources whose body mentions a static file whose URL changed; sources whose
//! shortcodes or internal links may now render otherwise (see `body_deps`).

use super::templates::TemplateChange;
use super::Incremental;
use crate::body_deps;
use crate::build;
use crate::deps::TemplateDeps;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_content::Source;
use myblog_markdown::Rendered;
use myblog_utils::Result;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

/// Rendered markdown, the link index it was rendered with, and the template dependencies of
/// new templates.
pub(super) type Markdown = (Vec<(Source, Rendered)>, Arc<myblog_content::LinkIndex>, Option<TemplateDeps>);

impl Incremental {
    pub(super) fn render_changed_markdown(
        &self,
        new_sources: &BTreeMap<String, Option<Source>>,
        (changed_templates, new_templates): &TemplateChange,
        changed_assets: &BTreeSet<String>,
        assets: &Arc<Assets>,
        config: &SiteConfig,
    ) -> Result<Markdown> {
        // mentions a static file whose URL changed.
        let mut to_render: Vec<Source> = Vec::new();
        for s in new_sources.values().flatten() {
            if build::is_published(&self.opts, s) {
                to_render.push(s.clone());
            }
        }
        if !changed_assets.is_empty() {
            let names: Vec<String> = changed_assets
                .iter()
                .flat_map(|l| {
                    let file = l.rsplit('/').next().unwrap_or(l).to_string();
                    let encoded = percent_encoding::utf8_percent_encode(&file, percent_encoding::NON_ALPHANUMERIC).to_string();
                    [file, encoded]
                })
                .collect();
            for p in self.all_pages() {
                if !new_sources.contains_key(&p.source.rel) && names.iter().any(|n| p.source.body.contains(n.as_str())) {
                    to_render.push(p.source.clone());
                }
            }
        }
        // ... and sources whose shortcodes or internal links may now render otherwise (see
        // `body_deps`).
        let new_deps = new_templates.as_ref().map(|t| TemplateDeps::new(t));
        let templates_now = new_templates.as_deref().unwrap_or(&self.templates);
        let shortcodes =
            body_deps::affected_shortcodes(new_deps.as_ref().unwrap_or(&self.deps), templates_now, &changed_templates, &changed_assets);
        let links = if new_sources.is_empty() { self.prepared.links.clone() } else { Arc::new(self.link_index(&new_sources)) };
        let link_words = body_deps::link_words(&links.changed_since(&self.prepared.links));
        if !shortcodes.is_empty() || !link_words.is_empty() {
            let queued: HashSet<String> = to_render.iter().map(|s| s.rel.clone()).collect();
            let more: Vec<Source> = self
                .all_pages()
                .filter(|p| !new_sources.contains_key(&p.source.rel) && !queued.contains(&p.source.rel))
                .filter(|p| body_deps::calls_any(&p.source.body, &shortcodes) || body_deps::links_to_any(&p.source.body, &link_words))
                .map(|p| p.source.clone())
                .collect();
            to_render.extend(more);
        }
        let rendered: Vec<(Source, Rendered)> =
            build::render_markdown(&self.opts.root, to_render, &config, &assets, build::Bodies::Keep, templates_now, &links)?;

        Ok((rendered, links, new_deps))
    }
}
