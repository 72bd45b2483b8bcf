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
//! - static files: every one is re-hashed when any static file changes, and markdown that
//!   mentions a changed file is re-rendered.
//!
//! `site.toml` changes, moves of whole theme folders and anything unexpected rebuild
//! everything. The result is the same bytes as a cold `build::render_site` (tested for every
//! kind of edit in `tests/serve_incremental.rs`).

use super::body_deps;
use super::deps::{TemplateDeps, SUMMARY_FIELDS};
use crate::build;
use crate::build::Body;
use crate::build::BuildOptions;
use crate::build::Job;
use crate::build::Output;
use crate::build::Prepared;
use myblog_config::SiteConfig;
use myblog_config::CONFIG_FILE;
use myblog_config::CONTENT_DIR;
use myblog_content as content;
use myblog_content::Assets;
use myblog_content::ContentFile;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_markdown::Rendered;
use myblog_site as model;
use myblog_site::read_templates;
use myblog_site::Neighbour;
use myblog_site::Page;
use myblog_site::Renderer;
use myblog_site::Site;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// Output paths of the generated files (feeds, sitemaps, robots.txt).
    generated: BTreeSet<String>,
    /// A site in several languages is rebuilt whole on every change (`prepared` is then its
    /// default language's part, for the theme folder and the config).
    multilingual: bool,
}

/// What a changed path is to the site.
enum Input {
    Config,
    Markdown(String),
    ContentFile(String),
    Template,
    Static,
    /// A folder under content/ (created, moved in or out, deleted).
    ContentDir(String),
    Irrelevant,
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

    fn classify(&self, path: &Path) -> Input {
        let root = &self.opts.root;
        let Ok(rel) = path.strip_prefix(root) else { return Input::Irrelevant };
        if rel == Path::new(CONFIG_FILE) {
            return Input::Config;
        }
        if let Ok(c) = rel.strip_prefix(CONTENT_DIR) {
            let parts: Option<Vec<&str>> = c.components().map(|p| p.as_os_str().to_str()).collect();
            let Some(parts) = parts else { return Input::Irrelevant };
            if parts.is_empty() {
                return Input::ContentDir(String::new());
            }
            if parts.iter().any(|p| myblog_utils::is_ignored(p)) {
                return Input::Irrelevant;
            }
            let rel = parts.join("/");
            let known_dir = || {
                let prefix = format!("{rel}/");
                self.files.keys().chain(self.unpublished.keys()).chain(self.index.keys()).any(|k| k.starts_with(&prefix))
            };
            if path.is_dir() || (!path.exists() && known_dir()) {
                return Input::ContentDir(rel);
            }
            return if content::is_page_file(&rel, self.prepared.config.content.dialect) {
                Input::Markdown(rel)
            } else {
                Input::ContentFile(rel)
            };
        }
        let theme = self.theme_dir();
        if let Ok(t) = path.strip_prefix(&theme) {
            if t.components().any(|c| myblog_utils::is_ignored(&c.as_os_str().to_string_lossy())) {
                return Input::Irrelevant;
            }
            if t.starts_with("templates") {
                return Input::Template;
            }
            if t.starts_with("static") {
                return Input::Static;
            }
            if t.as_os_str().is_empty() {
                return Input::Config;
            }
        }
        Input::Irrelevant
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

    fn try_apply(&mut self, paths: &BTreeSet<PathBuf>) -> Result<Change> {
        let root = self.opts.root.clone();
        let content_dir = root.join(CONTENT_DIR);
        let mut md_changed: BTreeSet<String> = BTreeSet::new();
        let mut files_changed: BTreeSet<String> = BTreeSet::new();
        let mut templates_touched = false;
        let mut statics_touched = false;
        for p in paths {
            match self.classify(p) {
                Input::Config => return self.rebuild_all(),
                Input::Markdown(r) => {
                    md_changed.insert(r);
                }
                Input::ContentFile(r) => {
                    files_changed.insert(r);
                }
                Input::Template => templates_touched = true,
                Input::Static => statics_touched = true,
                Input::ContentDir(dir) => {
                    // A folder moved in or out (or created, deleted): what is known under it
                    // and no longer exists, and what exists and is not known. Files that were
                    // edited in place have events of their own.
                    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
                    let gone = |k: &String| k.starts_with(&prefix) && !content_dir.join(k).exists();
                    files_changed.extend(self.files.keys().filter(|k| gone(k)).cloned());
                    md_changed.extend(self.unpublished.keys().chain(self.index.keys()).filter(|k| gone(k)).cloned());
                    let abs = content_dir.join(&dir);
                    if abs.is_dir() {
                        for e in walkdir::WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                            if !e.file_type().is_file() {
                                continue;
                            }
                            let Ok(r) = e.path().strip_prefix(&content_dir) else { continue };
                            let parts: Option<Vec<&str>> = r.components().map(|c| c.as_os_str().to_str()).collect();
                            let Some(parts) = parts else { continue };
                            if parts.iter().any(|x| myblog_utils::is_ignored(x)) {
                                continue;
                            }
                            let r = parts.join("/");
                            if content::is_page_file(&r, self.prepared.config.content.dialect) {
                                if !self.index.contains_key(&r) && !self.unpublished.contains_key(&r) {
                                    md_changed.insert(r);
                                }
                            } else if !self.files.contains_key(&r) {
                                files_changed.insert(r);
                            }
                        }
                    }
                }
                Input::Irrelevant => {}
            }
        }
        if md_changed.is_empty() && files_changed.is_empty() && !templates_touched && !statics_touched && self.dirty.is_empty() {
            return Ok(Change::default());
        }
        // A moved-in site's HTML file answers at its old URL through a redirect made from the
        // whole site (`bundle_file_redirects`): rebuild it all, as a cold build would.
        if !self.prepared.config.content.dialect.is_strict() && files_changed.iter().any(|f| f.ends_with(".html") || f.ends_with(".htm")) {
            return self.rebuild_all();
        }
        let config = self.prepared.config.clone();

        // 1. Read and parse changed sources (nothing is modified until everything parsed).
        let mut new_sources: BTreeMap<String, Option<Source>> = BTreeMap::new();
        let mut errors: Vec<Diagnostic> = Vec::new();
        for rel in &md_changed {
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

        // 2. Templates.
        let mut changed_templates: BTreeSet<String> = BTreeSet::new();
        let mut new_templates = None;
        if templates_touched {
            let t = read_templates(&self.theme_dir().join("templates"))?;
            let old: HashMap<&str, &str> = self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
            let new: HashMap<&str, &str> = t.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
            for (n, s) in &new {
                if old.get(n) != Some(s) {
                    changed_templates.insert(n.to_string());
                }
            }
            for n in old.keys() {
                if !new.contains_key(n) {
                    changed_templates.insert(n.to_string());
                }
            }
            new_templates = Some(t);
        }

        // 3. Static files.
        let mut new_files = None;
        let mut new_assets: Option<Arc<Assets>> = None;
        let mut changed_assets: BTreeSet<String> = BTreeSet::new();
        let mut renames: Vec<(String, String)> = Vec::new();
        let mut patchable = true;
        if statics_touched || !files_changed.is_empty() {
            let mut files = self.files.clone();
            for rel in &files_changed {
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
        let assets = new_assets.clone().unwrap_or_else(|| self.prepared.assets.clone());

        // 4. Markdown to render: changed published sources, and published sources whose body
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
            build::render_markdown(to_render, &config, &assets, build::Bodies::Keep, templates_now, &links)?;

        // 5. The published set must stay free of duplicate URLs.
        let mut published_changes: HashMap<String, Option<&Source>> = HashMap::new();
        for (rel, s) in &new_sources {
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

        // 6. A new renderer when templates or static files changed.
        let new_renderer = if new_templates.is_some() || new_assets.is_some() {
            let t = new_templates.clone().unwrap_or_else(|| self.templates.clone());
            Some(Renderer::new(&root, &config, t, assets.clone())?)
        } else {
            None
        };

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
        let css_only =
            md_changed.is_empty() && !templates_touched && !changed_assets.is_empty() && changed_assets.iter().all(|l| l.ends_with(".css"));
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
                }
            }
        } else {
            for (rel, s) in &new_sources {
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

        // 7. Which HTML outputs to render.
        let site = &self.prepared.site;
        let mut changed_fields: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
        let mut changed_urls: HashSet<String> = HashSet::new();
        // Indexes (in the new model) of the changed posts.
        let mut changed_posts: Vec<usize> = Vec::new();
        for rel in &changed_rels {
            let Some(&(kind, i)) = self.index.get(rel) else { continue };
            let Some(p) = self.page(rel) else { continue };
            let new = serde_json::to_value(&p.summary).unwrap_or_default();
            let fields: BTreeSet<&'static str> = match old_summaries.get(rel) {
                Some(old) => SUMMARY_FIELDS.iter().copied().filter(|f| old.get(f) != new.get(f)).collect(),
                None => SUMMARY_FIELDS.iter().copied().collect(),
            };
            changed_urls.insert(p.source.url_path.clone());
            changed_fields.insert(p.source.url_path.clone(), fields);
            if kind == Kind::Post {
                changed_posts.push(i);
            }
        }
        // Pages that left the site are listed by their old URL with every field changed.
        if let Some(snap) = &snapshot {
            for (url, rel) in &snap.rel_of {
                if changed_rels.contains(rel) && !changed_fields.contains_key(url) {
                    changed_fields.insert(url.clone(), SUMMARY_FIELDS.iter().copied().collect());
                }
            }
        }
        let changed_post_set: HashSet<usize> = changed_posts.iter().copied().collect();
        // The terms the changed posts, pages and sections carry now, with their URLs: their term pages
        // show them (a term they left is a change of its list, seen from the snapshot).
        let mut touched_terms: HashMap<(usize, &str), Vec<&str>> = HashMap::new();
        for rel in &changed_rels {
            let Some(p) = self.page(rel) else { continue };
            for (name, r) in myblog_site::refs_of(&p.summary) {
                if let Some(t) = site.taxonomies.iter().position(|t| t.name == name) {
                    touched_terms.entry((t, r.slug.as_str())).or_default().push(p.source.url_path.as_str());
                }
            }
        }
        let terms_touched = !touched_terms.is_empty();
        let deps = &self.deps;
        let relevant = |template: &str, url: &str| changed_fields.get(url).is_some_and(|f| deps.uses_any_field(template, f));
        let relevant_post = |template: &str, i: usize| relevant(template, &site.posts[i].source.url_path);
        let order_changed = snapshot.as_ref().is_some_and(|s| {
            s.post_order.len() != site.posts.len() || s.post_order.iter().zip(&site.posts).any(|(a, b)| *a != b.source.url_path)
        });
        let home_total = build::home_pages(site, &config);
        let home_section = site.sections.iter().find(|s| s.source.url_path == "/");
        let home_changed = order_changed
            || home_total != old_jobs_total
            || changed_urls.contains("/")
            || snapshot.as_ref().is_some_and(|s| s.kinds.contains_key("/") != home_section.is_some())
            || (home_section.is_some()
                && deps.reads_section_pages("index.html")
                && changed_fields.keys().any(|u| u != "/" && relevant("index.html", u)));
        let per = config.paginate_by;
        // The set of outputs can only change with the model's shape or the templates.
        let reshaped = snapshot.is_some() || !changed_templates.is_empty() || !self.dirty.is_empty();
        let patch_assets = patchable && changed_templates.is_empty();
        let templates_or_assets = !changed_templates.is_empty() || (!patch_assets && !changed_assets.is_empty());
        let jobs = build::jobs(&self.prepared);
        let mut to_render: Vec<(Job, String)> = Vec::new();
        let mut job_paths: BTreeSet<String> = BTreeSet::new();
        for job in jobs {
            let template = || job.template(site);
            let data = match &job {
                Job::Post(i) => {
                    changed_post_set.contains(i)
                        || neighbour_touched.contains(i)
                        || snapshot.as_ref().is_some_and(|s| s.neighbours_changed(site, *i))
                }
                Job::Page(i) => changed_urls.contains(&site.pages[*i].source.url_path),
                Job::Section(i, _) => {
                    // Every page of a section when the model changed shape: its members,
                    // their order and the page boundaries may all have moved.
                    let t = template();
                    snapshot.is_some()
                        || changed_urls.contains(&site.sections[*i].source.url_path)
                        || site.section_pages[*i].members.iter().any(|m| relevant(&t, &site.member(*m).source.url_path))
                }
                Job::Home(n) => home_changed || changed_posts.iter().any(|&i| i / per + 1 == *n && relevant_post("index.html", i)),
                Job::Taxonomy(t) => snapshot.as_ref().is_some_and(|s| s.taxonomies.get(*t) != Some(&taxonomy_view(site, *t))),
                Job::Term(t, slug, _) => {
                    let term = &site.taxonomies[*t].terms[slug];
                    let list_changed = snapshot.as_ref().is_some_and(|s| {
                        s.term_lists.get(&(*t, slug.clone())).is_none_or(|old| {
                            old.len() != term.members.len()
                                || old.iter().zip(&term.members).any(|(a, &b)| *a != site.member(b).source.url_path)
                        })
                    });
                    let info_changed =
                        snapshot.as_ref().is_some_and(|s| s.term_infos.get(&(*t, slug.clone())) != Some(&(term.name.clone(), term.count)));
                    let tpl = template();
                    list_changed
                        || info_changed
                        || touched_terms.get(&(*t, slug.as_str())).is_some_and(|urls| urls.iter().any(|u| relevant(&tpl, u)))
                }
                Job::Archive => order_changed || changed_posts.iter().any(|&i| relevant_post("archive.html", i)),
                Job::NotFound => false,
            };
            let by_template = templates_or_assets && {
                let t = template();
                deps.reaches_any(&t, &changed_templates) || deps.uses_any_asset(&t, &changed_assets)
            };
            if reshaped {
                let path = job.output_path(site);
                if data || by_template || !self.html.contains(&path) || self.dirty.contains(&path) {
                    to_render.push((job, path.clone()));
                }
                job_paths.insert(path);
            } else if data || by_template {
                let path = job.output_path(site);
                to_render.push((job, path));
            }
        }

        // 8. Render, keep the last good output of anything that fails.
        let prepared = &self.prepared;
        let timed: Vec<(String, std::result::Result<Output, Diagnostic>, f64)> = to_render
            .par_iter()
            .map(|(job, path)| {
                let t = Instant::now();
                let r = build::render_job(job, prepared);
                (path.clone(), r, t.elapsed().as_secs_f64() * 1000.0)
            })
            .collect();
        let slowest = timed.iter().max_by(|a, b| a.2.total_cmp(&b.2)).map(|(p, _, ms)| (p.clone(), *ms));
        let results: Vec<(String, std::result::Result<Output, Diagnostic>)> = timed.into_iter().map(|(p, r, _)| (p, r)).collect();
        let mut change = Change { rendered: results.len(), slowest, ..Default::default() };
        let mut failures = Vec::new();
        let mut new_outputs: Vec<Output> = Vec::new();
        if reshaped {
            self.dirty.retain(|p| job_paths.contains(p));
        }
        for (path, r) in results {
            match r {
                Ok(o) => {
                    self.dirty.remove(&path);
                    new_outputs.push(o);
                }
                Err(d) => {
                    self.dirty.insert(path);
                    failures.push(Err(d));
                }
            }
        }
        if let Err(e) = build::collect_rendered(failures) {
            change.errors = e.diagnostics().to_vec();
        }
        for o in new_outputs {
            self.put(o, &mut change);
        }
        if patch_assets && !renames.is_empty() {
            let rendered_now: HashSet<&str> = to_render.iter().map(|(_, p)| p.as_str()).collect();
            let candidates: Vec<(String, Arc<Vec<u8>>)> = self
                .html
                .iter()
                .filter(|p| !rendered_now.contains(p.as_str()))
                .filter_map(|p| match self.outputs.get(p).map(|o| &o.body) {
                    Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                    _ => None,
                })
                .collect();
            let patched: Vec<Output> = candidates
                .par_iter()
                .filter_map(|(p, b)| patch_urls(b, &renames).map(|bytes| Output::rendered(p.clone(), bytes)))
                .collect();
            change.patched = patched.len();
            for o in patched {
                self.put(o, &mut change);
            }
        }
        let paths_changed = reshaped && job_paths != self.html;
        if reshaped {
            for gone in self.html.difference(&job_paths).cloned().collect::<Vec<_>>() {
                if self.outputs.remove(&gone).is_some() {
                    change.removed.push(gone);
                }
            }
            self.html = job_paths;
        }

        // 9. Feeds, sitemap, robots.txt; static files. The sitemap depends on the set of
        // pages, their dates and whether they may be indexed (draft, extra.noindex), the feeds
        // on the newest posts.
        let mut generated_paths: BTreeSet<String> = self.generated.clone();
        let sitemap_fields = ["date", "updated", "draft", "extra"];
        let sitemap_changed = changed_fields.values().any(|f| sitemap_fields.iter().any(|x| f.contains(x)));
        // Feeds of lists (terms, sections) may carry any post (and terms' any page with the term),
        // not only the newest.
        let list_feeds = (!changed_posts.is_empty() || terms_touched) && myblog_site::has_feeds(&self.prepared.site, &config);
        if snapshot.is_some() || paths_changed || sitemap_changed || list_feeds || !changed_assets.is_empty() {
            let html_paths: Vec<&str> = self.html.iter().map(String::as_str).collect();
            let generated = build::generated_files(&self.prepared.site, &config, &self.prepared.assets, &html_paths);
            generated_paths = generated.iter().map(|o| o.path.clone()).collect();
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

    /// The changed sources keep their place in the model (same URL, date, tags, still
    /// published): the order, tags and pagination stay valid and the pages can be patched
    /// where they are.
    fn can_update_in_place(&self, new_sources: &BTreeMap<String, Option<Source>>, rendered: &HashMap<String, (Source, Rendered)>) -> bool {
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

/// The page with every old URL replaced by the new one; `None` if it has none of them.
fn patch_urls(bytes: &[u8], renames: &[(String, String)]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !renames.iter().any(|(old, _)| text.contains(old.as_str())) {
        return None;
    }
    let mut out = text.to_string();
    for (old, new) in renames {
        if out.contains(old.as_str()) {
            out = out.replace(old.as_str(), new);
        }
    }
    Some(out.into_bytes())
}

fn dismantle(p: Page) -> (Source, Rendered) {
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
        },
    )
}

fn taxonomy_view(site: &Site, t: usize) -> serde_json::Value {
    serde_json::to_value(site.taxonomies[t].terms.values().collect::<Vec<_>>()).unwrap_or_default()
}

/// What list pages and neighbours looked like before a change that reorders the model.
struct Snapshot {
    post_order: Vec<String>,
    post_index: HashMap<String, usize>,
    /// (taxonomy index, term slug) → (name, count).
    term_infos: BTreeMap<(usize, String), (String, usize)>,
    titles: HashMap<String, String>,
    kinds: HashMap<String, Kind>,
    rel_of: HashMap<String, String>,
    term_lists: BTreeMap<(usize, String), Vec<String>>,
    taxonomies: Vec<serde_json::Value>,
}

impl Snapshot {
    fn of(site: &Site, _config: &SiteConfig) -> Snapshot {
        let all = || site.posts.iter().chain(&site.pages).chain(&site.sections);
        let terms = || site.taxonomies.iter().enumerate().flat_map(|(ti, tax)| tax.terms.iter().map(move |(k, t)| (ti, k, t)));
        Snapshot {
            post_order: site.posts.iter().map(|p| p.source.url_path.clone()).collect(),
            post_index: site.posts.iter().enumerate().map(|(i, p)| (p.source.url_path.clone(), i)).collect(),
            term_infos: terms().map(|(ti, k, t)| ((ti, k.clone()), (t.name.clone(), t.count))).collect(),
            titles: site.posts.iter().map(|p| (p.source.url_path.clone(), p.summary.title.clone())).collect(),
            kinds: all().map(|p| (p.source.url_path.clone(), p.source.kind)).collect(),
            rel_of: all().map(|p| (p.source.url_path.clone(), p.source.rel.clone())).collect(),
            term_lists: terms()
                .map(|(ti, k, t)| ((ti, k.clone()), t.members.iter().map(|&m| site.member(m).source.url_path.clone()).collect()))
                .collect(),
            taxonomies: (0..site.taxonomies.len()).map(|t| taxonomy_view(site, t)).collect(),
        }
    }

    /// Whether post `i` of the new site has other neighbours (title or path) than before.
    fn neighbours_changed(&self, site: &Site, i: usize) -> bool {
        let url = &site.posts[i].source.url_path;
        let Some(&old_i) = self.post_index.get(url) else { return true };
        let old_at = |j: Option<usize>| {
            j.and_then(|j| self.post_order.get(j)).map(|u| (u.as_str(), self.titles.get(u).map(String::as_str).unwrap_or("")))
        };
        let new_at = |j: Option<usize>| j.and_then(|j| site.posts.get(j)).map(|p| (p.source.url_path.as_str(), p.summary.title.as_str()));
        old_at(old_i.checked_sub(1)) != new_at(i.checked_sub(1)) || old_at(Some(old_i + 1)) != new_at(Some(i + 1))
    }
}
