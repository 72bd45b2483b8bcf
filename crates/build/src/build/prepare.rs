//! Everything before rendering outputs: config, theme, content, static files, markdown and
//! the site model (kept by `serve` between rebuilds).

use super::markdown::render_markdown;
use super::options::{BuildOptions, ThumbnailMode};
use super::published::{check_duplicates, is_published, settle_shared_urls};
use myblog_config::SiteConfig;
use myblog_content as content;
use myblog_content::Assets;
use myblog_content::Source;
use myblog_content::StaticInput;
use myblog_markdown as markdown;
use myblog_site as model;
use myblog_site::read_templates;
use myblog_site::Renderer;
use myblog_site::Site;
use myblog_utils::Diagnostic;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// Everything a build knows before rendering outputs: kept by `serve` between rebuilds so a
/// change re-renders only what it affects.
pub struct Prepared {
    pub thumbnails: ThumbnailMode,
    /// When the next post now left out for its future date becomes due.
    pub next_scheduled: Option<OffsetDateTime>,
    pub config: SiteConfig,
    pub assets: Arc<Assets>,
    pub renderer: Renderer,
    pub site: Site,
    /// Content file → URL of every published page, for `@/` and `ref` links.
    pub links: Arc<myblog_content::LinkIndex>,
}

/// Config, theme, content, static files, markdown and the site model: everything but the
/// rendering of outputs.
pub fn prepare(opts: &BuildOptions) -> Result<Prepared> {
    prepare_with(opts, Bodies::Drop).map(|(prepared, _)| prepared)
}

/// Whether sources keep their markdown once rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// A one-off build: on a 10,000-post site the markdown is tens of megabytes that no later
    /// stage reads.
    Drop,
    /// `serve` looks into bodies to find which pages mention a renamed static file.
    Keep,
}

/// What `serve` keeps beside the prepared site to rebuild parts of it later.
pub struct Inputs {
    pub templates: Vec<(String, String)>,
    /// Drafts and future posts (when left out): a later edit may publish them.
    pub unpublished: Vec<Source>,
    pub files: Vec<content::ContentFile>,
}

/// The theme's templates (a missing theme is named with what to set).
pub fn theme_templates(opts: &BuildOptions, config: &SiteConfig) -> Result<Vec<(String, String)>> {
    let theme_dir = config.theme_dir(&opts.root);
    if !theme_dir.is_dir() {
        return Err(Diagnostic::new(
            myblog_config::CONFIG_FILE,
            format!("theme {:?} not found: {} does not exist", config.theme, theme_dir.display()),
        )
        .hint("set `theme` to a folder under themes/, e.g. theme = \"default\"")
        .into());
    }
    read_templates(&theme_dir.join("templates"))
}

/// When the next source left out for its future date (or `publishDate`) becomes due.
pub fn next_scheduled(opts: &BuildOptions, unpublished: &[Source]) -> Option<OffsetDateTime> {
    unpublished
        .iter()
        .filter(|s| !s.front.draft || opts.drafts)
        .flat_map(|s| [s.front.date, s.front.publish_date])
        .flatten()
        .filter(|d| *d > opts.now)
        .min()
}

/// [`prepare`], also returning the inputs it read.
pub fn prepare_with(opts: &BuildOptions, bodies: Bodies) -> Result<(Prepared, Inputs)> {
    let config = crate::languages::site_config(opts)?;
    if config.markdown.highlight {
        rayon::spawn(markdown::warm_up);
    }
    let templates = theme_templates(opts, &config)?;
    let loaded = super::timings::step("load content", || content::load_with(&opts.root, &config.content))?;
    let assets = Arc::new(super::timings::step("static files", || build_assets(opts, &config, &loaded.files))?);
    let (mut published, unpublished): (Vec<Source>, Vec<Source>) = loaded.sources.into_iter().partition(|s| is_published(opts, s));
    if !config.content.dialect.is_strict() {
        for note in settle_shared_urls(&mut published) {
            eprintln!("note: {note}");
        }
        for s in unpublished.iter().filter(|s| s.front.expiry_date.is_some_and(|d| d <= opts.now) && !opts.drafts) {
            eprintln!(
                "note: {} expired on {}: not published",
                s.display_path.display(),
                myblog_utils::date_string(&s.front.expiry_date.unwrap_or(opts.now))
            );
        }
    }
    if config.content.dialect == myblog_config::Dialect::Hugo {
        published.extend(myblog_site::implied_sections(&published, &config.content));
    }
    check_duplicates(&published, &config)?;
    myblog_site::check_terms(&published, &config)?;
    // The link index costs two maps over every page: a one-off build makes it only when some
    // page may link with `@/` or `ref` (serve always does, as a later edit may add one).
    let may_link = |s: &Source| s.body.contains("@/") || (myblog_markdown::may_contain(&s.body) && s.body.contains("ref"));
    let links = if bodies == Bodies::Keep || published.par_iter().any(may_link) {
        link_index(&published, &unpublished)
    } else {
        myblog_content::LinkIndex::default()
    };
    let links = Arc::new(links);
    let items = super::timings::step("markdown", || render_markdown(&opts.root, published, &config, &assets, bodies, &templates, &links))?;
    let mut site = super::timings::step("site model", || model::assemble(&config, items));
    if std::env::var_os("MYBLOG_TIMINGS").is_some() {
        // For scripts/bench: the related posts again, alone (same result: it is pure).
        let start = std::time::Instant::now();
        model::relate(&mut site.posts, config.related.count);
        eprintln!("timing: related posts {:.1} ms for {} posts", start.elapsed().as_secs_f64() * 1000.0, site.posts.len());
    }
    let renderer = Renderer::new(&opts.root, &config, templates.clone(), assets.clone())?;
    resolve_templates(&mut site, &config, &renderer);
    let next_scheduled = next_scheduled(opts, &unpublished);
    let prepared = Prepared { thumbnails: opts.thumbnails, next_scheduled, config, assets, renderer, site, links };
    Ok((prepared, Inputs { templates, unpublished, files: loaded.files }))
}

/// The templates pages inherit from their section (`page_template`) or, in a Zola or Hugo site,
/// name in their front matter; run after every `model::assemble` of the whole site.
pub fn resolve_templates(site: &mut Site, config: &SiteConfig, renderer: &Renderer) {
    let has = |t: &str| renderer.has_template(t);
    myblog_site::inherited_templates(config, &mut site.posts, &mut site.pages, &site.sections, has);
    myblog_site::section_templates(config, &mut site.sections, has);
}

/// Static files: the theme's first, then content files (which win on the same path).
pub fn build_assets(opts: &BuildOptions, config: &SiteConfig, files: &[content::ContentFile]) -> Result<Assets> {
    let mut inputs: BTreeMap<String, StaticInput> = BTreeMap::new();
    for i in myblog_content::theme_inputs(&opts.root, &config.theme_dir(&opts.root))? {
        inputs.insert(i.logical.clone(), i);
    }
    for f in files {
        inputs.insert(
            f.rel.clone(),
            StaticInput { logical: f.rel.clone(), path: f.path.clone(), display: myblog_utils::rel_display(&opts.root, &f.path) },
        );
    }
    Assets::build(inputs.into_values().collect(), &config.build)
}

/// The link targets of a set of sources: the published ones, and the others by name only.
pub fn link_index(published: &[Source], unpublished: &[Source]) -> myblog_content::LinkIndex {
    myblog_content::LinkIndex::new(
        published.iter().map(|s| (s.rel.as_str(), s.url_path.as_str())),
        unpublished.iter().map(|s| s.rel.as_str()),
    )
}
