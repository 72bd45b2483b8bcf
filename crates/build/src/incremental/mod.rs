//! The site kept in memory between changes, and the incremental rebuild: a change re-reads
//! only the files that changed, re-renders only their markdown, updates the site model, and
//! re-renders only the outputs whose inputs changed. What an output depends on:
//!
//! - a post or page: its own source, its template (and what that extends/includes/imports),
//!   the static files its templates name in `asset()`, and for posts the title and path of
//!   its neighbours;
//! - list pages (home pages, sections, tag pages, archive, tags index): the fields of the
//!   listed pages that their templates mention, the membership and order of the list, and
//!   the pagination;
//! - feeds, sitemap and robots.txt: regenerated on every change (cheap: the feeds carry only
//!   the newest posts);
//! - the search index: written again on every edit of a page, from each page's words kept
//!   between rebuilds (only the changed pages are read again);
//! - static files: every one is re-hashed when any static file changes, and markdown that
//!   mentions a changed file is re-rendered.
//!
//! `site.toml` changes, moves of whole theme folders and anything unexpected rebuild
//! everything. The result is the same bytes as a cold `build::render_site` (tested for every
//! kind of edit in `tests/serve_incremental.rs`).
//!
//! `mod.rs` keeps the site and the order of a rebuild's steps; each step is a module.

mod classify;
mod commit;
mod generated;
mod markdown;
mod plan;
mod render;
mod snapshot;
mod sources;
mod statics;
mod templates;
mod urls;

use crate::build;
use crate::build::BuildOptions;
use crate::build::Output;
use crate::build::Prepared;
use crate::deps::TemplateDeps;
use myblog_content::ContentFile;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_markdown::Rendered;
use myblog_site::Page;
use myblog_utils::Diagnostic;
use myblog_utils::Result;
use rayon::prelude::*;
use statics::Statics;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

/// What one rebuild changed, for the server and the live-reload clients.
#[derive(Debug, Default, Clone)]
pub struct Change {
    /// Output paths (relative to the site root) added or whose bytes changed.
    pub changed: Vec<String>,
    /// Output paths that no longer exist.
    pub removed: Vec<String>,
    /// HTML outputs rendered by this rebuild (to see that it was incremental).
    pub rendered: usize,
    /// HTML outputs in which only the new hashed names of static files were substituted.
    pub patched: usize,
    /// The output that took longest to render, and its milliseconds.
    pub slowest: Option<(String, f64)>,
    /// Everything was rebuilt (site.toml, or a case the incremental path does not handle).
    pub full: bool,
    /// Only stylesheets changed among the inputs: their new URLs, for swapping in place.
    pub css: Option<Vec<String>>,
    /// Problems met after the model was updated (render errors): those outputs keep their
    /// last good version and are retried on the next change.
    pub errors: Vec<Diagnostic>,
    pub millis: f64,
}

/// The site in memory: everything `build` computes, kept up to date by `apply`.
pub struct Incremental {
    opts: BuildOptions,
    prepared: Prepared,
    templates: Vec<(String, String)>,
    deps: TemplateDeps,
    /// Sources parsed but left out (drafts, future posts without `--drafts`), by rel path.
    unpublished: HashMap<String, Source>,
    /// Non-markdown files under content/ (published as static files), by rel path.
    files: BTreeMap<String, ContentFile>,
    /// Where each published source is in the model: rel path → (kind, index in its list).
    index: HashMap<String, (Kind, usize)>,
    /// URL path → rel path of every published source.
    urls: HashMap<String, String>,
    /// Every output of the site by path.
    outputs: HashMap<String, Output>,
    /// Output paths of the HTML jobs.
    html: BTreeSet<String>,
    /// HTML outputs whose last render failed: their previous bytes are still served.
    dirty: BTreeSet<String>,
    /// Changed inputs not yet applied because reading them failed: retried next time.
    pending: BTreeSet<PathBuf>,
    /// Output paths of redirect pages (aliases, `page/1/`): they change only with a full
    /// rebuild (see `can_update_in_place`), and are not stale static files.
    redirects: BTreeSet<String>,
    /// Output paths of the generated files (feeds, sitemaps, robots.txt, the search index).
    generated: BTreeSet<String>,
    /// Each page's words, so a rebuild reads only the changed pages for the search index.
    search_words: myblog_site::search::WordCache,
    /// A site in several languages is rebuilt whole on every change (`prepared` is then its
    /// default language's part, for the theme folder and the config).
    multilingual: bool,
}

impl Incremental {
    /// A cold build, kept in memory.
    pub fn new(opts: BuildOptions) -> Result<Incremental> {
        let config = crate::languages::site_config(&opts)?;
        let multilingual = config.is_multilingual();
        let (prepared, build::Inputs { templates, unpublished, files }, html, site_output) = if multilingual {
            // Each change rebuilds every language (see `apply`): kept whole, not in parts.
            let (mut builds, inputs) = crate::languages::prepare_languages(&opts, &config)?;
            let site_output = crate::languages::render_languages(&builds, &config)?;
            let html = site_output.sources.keys().cloned().collect();
            (builds.swap_remove(0).prepared, inputs, html, site_output)
        } else {
            let (prepared, inputs) = build::prepare_with(&opts, build::Bodies::Keep)?;
            let jobs = build::jobs(&prepared);
            let results: Vec<std::result::Result<Output, Diagnostic>> = jobs.par_iter().map(|j| build::render_job(j, &prepared)).collect();
            let pages = build::collect_rendered(results)?;
            let html: BTreeSet<String> = pages.iter().map(|o| o.path.clone()).collect();
            let site_output = build::finish(&prepared, pages)?;
            (prepared, inputs, html, site_output)
        };
        let redirects = site_output.redirects.iter().map(|r| r.output.clone()).collect();
        let generated = site_output.generated.iter().cloned().collect();
        let outputs = site_output.outputs.into_iter().map(|o| (o.path.clone(), o)).collect();
        let mut inc = Incremental {
            index: HashMap::new(),
            urls: HashMap::new(),
            deps: TemplateDeps::new(&templates),
            templates,
            unpublished: unpublished.into_iter().map(|s| (s.rel.clone(), s)).collect(),
            files: files.into_iter().map(|f| (f.rel.clone(), f)).collect(),
            opts,
            prepared,
            outputs,
            html,
            dirty: BTreeSet::new(),
            pending: BTreeSet::new(),
            redirects,
            generated,
            search_words: Default::default(),
            multilingual,
        };
        inc.reindex();
        Ok(inc)
    }

    fn reindex(&mut self) {
        self.index.clear();
        self.urls.clear();
        let site = &self.prepared.site;
        for (kind, list) in [(Kind::Post, &site.posts), (Kind::Page, &site.pages), (Kind::Section, &site.sections)] {
            for (i, p) in list.iter().enumerate() {
                self.index.insert(p.source.rel.clone(), (kind, i));
                self.urls.insert(p.source.url_path.clone(), p.source.rel.clone());
            }
        }
    }

    fn page(&self, rel: &str) -> Option<&Page> {
        let &(kind, i) = self.index.get(rel)?;
        let site = &self.prepared.site;
        match kind {
            Kind::Post => site.posts.get(i),
            Kind::Page => site.pages.get(i),
            Kind::Section => site.sections.get(i),
        }
    }

    fn page_mut(&mut self, rel: &str) -> Option<&mut Page> {
        let &(kind, i) = self.index.get(rel)?;
        let site = &mut self.prepared.site;
        match kind {
            Kind::Post => site.posts.get_mut(i),
            Kind::Page => site.pages.get_mut(i),
            Kind::Section => site.sections.get_mut(i),
        }
    }

    pub fn options(&self) -> &BuildOptions {
        &self.opts
    }

    pub fn outputs(&self) -> &HashMap<String, Output> {
        &self.outputs
    }

    pub fn output(&self, path: &str) -> Option<&Output> {
        self.outputs.get(path)
    }

    /// Output path → blake3 of every output: what the byte-identity tests compare.
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.outputs.iter().map(|(p, o)| (p.clone(), o.blake3.clone())).collect()
    }

    /// The theme folder being used (the watcher watches it).
    pub fn theme_dir(&self) -> PathBuf {
        self.prepared.config.theme_dir(&self.opts.root)
    }

    /// Applies changed paths (files or folders, created, modified or deleted). On `Err`
    /// nothing changed: the paths are kept and retried with the next call.
    pub fn apply(&mut self, paths: &[PathBuf]) -> Result<Change> {
        let start = Instant::now();
        let mut all = std::mem::take(&mut self.pending);
        all.extend(paths.iter().cloned());
        let result = if self.multilingual { self.rebuild_all() } else { self.try_apply(&all) };
        match result {
            Ok(mut change) => {
                change.millis = start.elapsed().as_secs_f64() * 1000.0;
                Ok(change)
            }
            Err(e) => {
                self.pending = all;
                Err(e)
            }
        }
    }

    /// Rebuilds everything from the sources and reports what differs from the outputs held.
    pub fn rebuild_all(&mut self) -> Result<Change> {
        let start = Instant::now();
        let fresh = Incremental::new(self.opts.clone())?;
        let mut change = Change { full: true, rendered: fresh.html.len(), ..Default::default() };
        for (p, o) in &fresh.outputs {
            if self.outputs.get(p).is_none_or(|old| old.blake3 != o.blake3) {
                change.changed.push(p.clone());
            }
        }
        change.removed = self.outputs.keys().filter(|p| !fresh.outputs.contains_key(*p)).cloned().collect();
        change.changed.sort();
        change.removed.sort();
        *self = fresh;
        change.millis = start.elapsed().as_secs_f64() * 1000.0;
        Ok(change)
    }
    /// The link targets once `changed` (rel → new source, or gone) are applied.
    fn link_index(&self, changed: &BTreeMap<String, Option<Source>>) -> myblog_content::LinkIndex {
        let shown = |s: &&Source| build::is_published(&self.opts, s);
        let pages = self
            .all_pages()
            .filter(|p| !changed.contains_key(&p.source.rel))
            .map(|p| &p.source)
            .chain(changed.values().flatten().filter(shown))
            .map(|s| (s.rel.as_str(), s.url_path.as_str()));
        let hidden = self
            .unpublished
            .keys()
            .filter(|r| !changed.contains_key(*r))
            .map(String::as_str)
            .chain(changed.values().flatten().filter(|s| !shown(s)).map(|s| s.rel.as_str()));
        myblog_content::LinkIndex::new(pages, hidden)
    }

    fn all_pages(&self) -> impl Iterator<Item = &Page> {
        let s = &self.prepared.site;
        s.posts.iter().chain(&s.pages).chain(&s.sections)
    }

    /// One rebuild, step by step (each step is a module of its own).
    fn try_apply(&mut self, paths: &BTreeSet<PathBuf>) -> Result<Change> {
        let Some(touched) = self.touched(paths) else { return self.rebuild_all() };
        if touched.is_empty() && self.dirty.is_empty() {
            return Ok(Change::default());
        }
        // A moved-in site's HTML file answers at its old URL through a redirect made from the
        // whole site (`bundle_file_redirects`): rebuild it all, as a cold build would.
        let html = |f: &String| f.ends_with(".html") || f.ends_with(".htm");
        if !self.prepared.config.content.dialect.is_strict() && touched.files_changed.iter().any(html) {
            return self.rebuild_all();
        }
        let config = self.prepared.config.clone();
        let new_sources = self.read_sources(&touched.md_changed, &config)?;
        let templates = self.changed_templates(touched.templates_touched)?;
        let statics = self.changed_statics(touched.statics_touched, &touched.files_changed, &config)?;
        let assets = statics.new_assets.clone().unwrap_or_else(|| self.prepared.assets.clone());
        let (rendered, links, new_deps) =
            self.render_changed_markdown(&new_sources, &templates, &statics.changed_assets, &assets, &config)?;
        self.check_urls(&new_sources, &config)?;
        let new_renderer = self.new_renderer(&templates.1, statics.new_assets.is_some(), &assets, &config)?;
        // A Zola or Hugo site whose model changes shape (a page moved, added, removed, retitled
        // in a section sorted by title...) is rebuilt whole: shared URLs are settled, sections
        // implied and templates resolved across the whole site, as a cold build does.
        if !config.content.dialect.is_strict() {
            let by_rel: HashMap<String, (Source, Rendered)> =
                rendered.iter().map(|(s, r)| (s.rel.clone(), (s.clone(), r.clone()))).collect();
            if !self.can_update_in_place(&new_sources, &by_rel) {
                return self.rebuild_all();
            }
        }

        // ---- Commit: from here on the model reflects the sources on disk. ----
        let Statics { new_files, new_assets, changed_assets, renames, patchable } = statics;
        let (changed_templates, new_templates) = templates;
        let css_only = touched.md_changed.is_empty()
            && !touched.templates_touched
            && !changed_assets.is_empty()
            && changed_assets.iter().all(|l| l.ends_with(".css"));
        self.swap_in(new_templates, new_deps, links, new_files, new_assets, new_renderer);
        let committed = self.update_model(&new_sources, rendered, &config);

        let (plan, edits) = self.plan_renders(committed, &changed_templates, &changed_assets, patchable, &config);
        let (change, paths_changed) = self.render(plan, &renames);
        let mut change = self.regenerate(edits, paths_changed, &changed_assets, &config, change);
        if css_only {
            let base = config.base_path();
            change.css =
                Some(changed_assets.iter().filter_map(|l| self.prepared.assets.get(l)).map(|a| format!("{base}/{}", a.output)).collect());
        }
        change.changed.sort();
        change.changed.dedup();
        change.removed.sort();
        change.removed.dedup();
        change.changed.retain(|p| self.outputs.contains_key(p));
        change.removed.retain(|p| !self.outputs.contains_key(p));
        Ok(change)
    }

    fn put(&mut self, o: Output, change: &mut Change) {
        let same = self.outputs.get(&o.path).is_some_and(|old| old.blake3 == o.blake3);
        if !same {
            change.changed.push(o.path.clone());
        }
        self.outputs.insert(o.path.clone(), o);
    }
}
