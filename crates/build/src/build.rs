//! `myblog build`: sources in, `public/` out. Everything is rendered in memory first, so a
//! build that fails anywhere leaves the previous `public/` untouched. The write is a swap of a
//! staging folder in which unchanged files are hard links to the previous ones (their mtimes
//! survive); a build whose inputs did not change at all stops after a stat walk.

use myblog_config::SiteConfig;
use myblog_content as content;
use myblog_content::Asset;
use myblog_content::AssetSource;
use myblog_content::Assets;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_content::StaticInput;
use myblog_markdown as markdown;
use myblog_markdown::MarkdownOptions;
use myblog_markdown::Resolved;
use myblog_markdown::Resolver;
use myblog_site as model;
use myblog_site::home_page_path;
use myblog_site::read_templates;
use myblog_site::Renderer;
use myblog_site::Site;
use myblog_utils::manifest::content_type_for;
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::ManifestEntry;
use myblog_utils::manifest::MANIFEST_PATH;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tera::Context;
use time::OffsetDateTime;

/// Where the input fingerprint of the last build is kept (never deployed: not in the manifest).
const INPUTS_PATH: &str = ".myblog/inputs";

#[derive(Debug, Clone, clap::Args)]
pub struct BuildArgs {
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Where to write the site (default: public/ in the blog's folder).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Include drafts and future-dated posts.
    #[arg(long)]
    pub drafts: bool,
    /// Override base_url from site.toml (e.g. for a staging host).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Render everything even when no input changed since the last build.
    #[arg(long)]
    pub force: bool,
    /// Who makes photo thumbnails: the Lambda after deploy, or this build (into public/thumbs/).
    #[arg(long, value_enum, default_value_t = ThumbnailMode::Lambda)]
    pub thumbnails: ThumbnailMode,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub base_url: Option<String>,
    pub force: bool,
    /// Posts dated after this are left out unless `drafts`.
    pub now: OffsetDateTime,
    /// Who makes the thumbnails of photos under `content/media/`.
    pub thumbnails: ThumbnailMode,
}

/// Thumbnails are made by the Lambda after upload (the build only announces them in `srcset`),
/// or locally by the build with the same library (previews, offline sites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThumbnailMode {
    #[default]
    Lambda,
    Local,
}

impl BuildOptions {
    pub fn from_args(root: Option<&Path>, output: Option<&Path>, drafts: bool, base_url: Option<&str>) -> Result<BuildOptions> {
        let root = match root {
            Some(r) => r.canonicalize().map_err(|e| Error::io("cannot open the blog folder", r, e))?,
            None => myblog_config::find_root(&std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?)?,
        };
        let output = match output {
            Some(o) if o.is_absolute() => o.to_path_buf(),
            Some(o) => std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?.join(o),
            None => root.join("public"),
        };
        Ok(BuildOptions {
            root,
            output,
            drafts,
            base_url: base_url.map(str::to_string),
            force: false,
            now: OffsetDateTime::now_utc(),
            thumbnails: ThumbnailMode::default(),
        })
    }
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct Output {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub body: Body,
    pub blake3: String,
    pub size: u64,
    pub hashed: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<Vec<u8>>),
    /// Copied from this file (photos and other static files stay out of memory).
    Copy(PathBuf),
    /// This photo without its metadata (see `photo_meta`), stripped while written.
    Stripped(PathBuf),
}

impl Output {
    pub fn rendered(path: String, bytes: Vec<u8>) -> Output {
        let blake3 = blake3::hash(&bytes).to_hex().to_string();
        Output { path, size: bytes.len() as u64, body: Body::Bytes(Arc::new(bytes)), blake3, hashed: false }
    }
    pub fn from_asset(a: &Asset) -> Output {
        let body = match &a.source {
            AssetSource::File(p) => Body::Copy(p.clone()),
            AssetSource::Bytes(b) => Body::Bytes(b.clone()),
            AssetSource::StrippedFile(p) => Body::Stripped(p.clone()),
        };
        Output { path: a.output.clone(), body, blake3: a.blake3.clone(), size: a.size, hashed: a.hashed }
    }
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.body {
            Body::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_slice())),
            Body::Copy(p) => std::fs::read(p).map(std::borrow::Cow::Owned),
            Body::Stripped(p) => myblog_content::read_stripped(p).map(std::borrow::Cow::Owned),
        }
    }
}

/// The rendered site, in memory.
pub struct SiteOutput {
    pub config: SiteConfig,
    pub outputs: Vec<Output>,
    pub page_count: usize,
    /// Output path → the content file it came from (for `check`'s messages).
    pub sources: HashMap<String, PathBuf>,
    /// Files the pages refer to that the thumbnail Lambda makes after deploy (when thumbnails
    /// are not made locally): not in public/, yet not broken links.
    pub remote_thumbnails: Vec<String>,
    /// When a post left out for its future date becomes due (the site is stale from then on).
    pub next_scheduled: Option<OffsetDateTime>,
    /// The published posts, for deploy's announcements.
    pub posts: Vec<myblog_utils::manifest::PostEntry>,
    /// Redirect pages for former URLs (`aliases`).
    pub redirects: Vec<myblog_site::Redirect>,
    /// Output paths of the files generated from the whole site (feeds, sitemaps, robots.txt).
    pub generated: Vec<String>,
}

impl SiteOutput {
    pub fn manifest(&self) -> Manifest {
        let mut m = Manifest::new(
            self.outputs
                .iter()
                .map(|o| ManifestEntry {
                    path: o.path.clone(),
                    blake3: o.blake3.clone(),
                    size: o.size,
                    content_type: content_type_for(&o.path),
                    hashed: o.hashed,
                })
                .collect(),
        );
        m.posts = self.posts.clone();
        m.redirects = self
            .redirects
            .iter()
            .map(|r| myblog_utils::manifest::RedirectEntry { from: r.from.clone(), path: r.output.clone(), to: r.to.clone() })
            .collect();
        m
    }
}

#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// No input changed since the last build: nothing was rendered.
    pub up_to_date: bool,
    pub seconds: f64,
}

pub fn run_cli(args: &BuildArgs) -> Result<()> {
    let mut opts = BuildOptions::from_args(args.root.as_deref(), args.output.as_deref(), args.drafts, args.base_url.as_deref())?;
    opts.force = args.force;
    opts.thumbnails = args.thumbnails;
    let report = build(&opts)?;
    if !args.quiet {
        if report.up_to_date {
            println!("Nothing changed since the last build ({:.2}s): {} is up to date.", report.seconds, opts.output.display());
        } else {
            println!(
                "Built {} pages, {} files in {:.2}s: {} written, {} unchanged, {} removed -> {}",
                report.pages,
                report.files,
                report.seconds,
                report.written,
                report.unchanged,
                report.removed,
                opts.output.display()
            );
        }
    }
    Ok(())
}

/// Builds the site into `opts.output`.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let start = Instant::now();
    check_output_folder(&opts.root, &opts.output)?;
    recover_interrupted_swap(&opts.output)?;
    let fingerprint = input_fingerprint(opts)?;
    if !opts.force && up_to_date(&opts.output, &fingerprint, opts.now) {
        return Ok(BuildReport { up_to_date: true, seconds: start.elapsed().as_secs_f64(), ..Default::default() });
    }
    let site = render_site(opts)?;
    // A post scheduled for later today must appear once due, though no input changes by then.
    let stamp = match site.next_scheduled {
        Some(due) => format!("{fingerprint}\nscheduled {}\n", due.unix_timestamp()),
        None => format!("{fingerprint}\n"),
    };
    let mut report = write_site(&site, &opts.output, Some(&stamp))?;
    report.pages = site.page_count;
    report.files = site.outputs.len();
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

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

/// Loads, renders and arranges everything in memory. Touches no output file.
pub fn render_site(opts: &BuildOptions) -> Result<SiteOutput> {
    let config = crate::languages::site_config(opts)?;
    if config.is_multilingual() {
        let (builds, _) = crate::languages::prepare_languages(opts, &config)?;
        return crate::languages::render_languages(&builds, &config);
    }
    let prepared = prepare(opts)?;
    let jobs = jobs(&prepared);
    let results: Vec<std::result::Result<Output, Diagnostic>> = jobs.par_iter().map(|j| render_job(j, &prepared)).collect();
    let outputs = collect_rendered(results)?;
    finish(&prepared, outputs)
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

/// [`prepare`], also returning the inputs it read.
pub fn prepare_with(opts: &BuildOptions, bodies: Bodies) -> Result<(Prepared, Inputs)> {
    let config = crate::languages::site_config(opts)?;
    if config.markdown.highlight {
        rayon::spawn(markdown::warm_up);
    }
    let theme_dir = config.theme_dir(&opts.root);
    if !theme_dir.is_dir() {
        return Err(Diagnostic::new(
            myblog_config::CONFIG_FILE,
            format!("theme {:?} not found: {} does not exist", config.theme, theme_dir.display()),
        )
        .hint("set `theme` to a folder under themes/, e.g. theme = \"default\"")
        .into());
    }
    let templates = read_templates(&theme_dir.join("templates"))?;
    let loaded = content::load_with(&opts.root, &config.content)?;
    let assets = Arc::new(build_assets(opts, &config, &loaded.files)?);
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
    let items = render_markdown(published, &config, &assets, bodies, &templates, &links)?;
    let mut site = model::assemble(&config, items);
    let renderer = Renderer::new(&opts.root, &config, templates.clone(), assets.clone())?;
    resolve_templates(&mut site, &config, &renderer);
    let next_scheduled = unpublished
        .iter()
        .filter(|s| !s.front.draft || opts.drafts)
        .flat_map(|s| [s.front.date, s.front.publish_date])
        .flatten()
        .filter(|d| *d > opts.now)
        .min();
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

/// Drafts, posts dated in the future, and pages before their `publishDate` or after their
/// `expiryDate` are left out unless `--drafts`.
pub fn is_published(opts: &BuildOptions, s: &Source) -> bool {
    let f = &s.front;
    opts.drafts
        || (!f.draft
            && f.date.is_none_or(|d| d <= opts.now)
            && f.publish_date.is_none_or(|d| d <= opts.now)
            && f.expiry_date.is_none_or(|d| d > opts.now))
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

/// Markdown of every source (shortcodes expanded first, see `body`), in parallel, with every
/// error located in its file.
pub fn render_markdown(
    sources: Vec<Source>,
    config: &SiteConfig,
    assets: &Arc<Assets>,
    bodies: Bodies,
    templates: &[(String, String)],
    links: &Arc<myblog_content::LinkIndex>,
) -> Result<Vec<(Source, markdown::Rendered)>> {
    let resolver = Arc::new(SiteResolver {
        assets: assets.clone(),
        config: config.clone(),
        base_path: config.base_path().to_string(),
        links: links.clone(),
    });
    let md_opts = MarkdownOptions { highlight: config.markdown.highlight, smart_punctuation: config.markdown.smart_punctuation };
    let shortcodes = shortcodes_for(config, assets, templates, links, resolver.clone(), md_opts)?;
    let rendered: Vec<std::result::Result<(Source, markdown::Rendered), Vec<Diagnostic>>> = sources
        .into_par_iter()
        .map(|mut s| {
            let r = myblog_markdown::render_body(&s, md_opts, resolver.as_ref(), &shortcodes, config)?;
            if bodies == Bodies::Drop {
                s.body = String::new();
            }
            Ok((s, r))
        })
        .collect();
    myblog_utils::collect_all(rendered)
}

fn shortcodes_for(
    config: &SiteConfig,
    assets: &Arc<Assets>,
    templates: &[(String, String)],
    links: &Arc<myblog_content::LinkIndex>,
    resolver: Arc<SiteResolver>,
    md_opts: MarkdownOptions,
) -> Result<myblog_markdown::Shortcodes> {
    let services = myblog_markdown::Services {
        resolver,
        links: links.clone(),
        assets: assets.clone(),
        base_path: config.base_path().to_string(),
        origin: myblog_config::absolute(config, ""),
        markdown: md_opts,
    };
    let view = serde_json::json!({
        "title": config.title,
        "description": config.description,
        "base_url": config.base_url,
        "language": config.language,
        "extra": config.extra,
    });
    let syntaxes = myblog_markdown::Syntaxes::for_dialect(config.content.dialect);
    Ok(myblog_markdown::Shortcodes::new(templates, &config.theme, syntaxes, view, services)?)
}

/// Adds what is generated from the whole site (feeds, sitemap, robots.txt) and the static
/// files to the rendered pages.
pub fn finish(prepared: &Prepared, mut outputs: Vec<Output>) -> Result<SiteOutput> {
    let Prepared { config, assets, site, .. } = prepared;
    let page_count = outputs.len();
    let mut sources = HashMap::new();
    for p in site.posts.iter().chain(&site.pages).chain(&site.sections) {
        sources.insert(p.source.output_path(), p.source.display_path.clone());
    }
    let html_paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    let generated = generated_files(site, config, assets, &html_paths);
    let generated_paths = generated.iter().map(|o| o.path.clone()).collect();
    let mut redirects = myblog_site::plan_redirects(site, config, &html_paths.iter().copied().collect()).map_err(Error::Input)?;
    redirects.extend(myblog_site::first_page_redirects(site, config));
    redirects.extend(myblog_site::bundle_file_redirects(site, config, assets, &html_paths.iter().copied().collect()));
    redirects.sort_by(|a, b| a.output.cmp(&b.output));
    redirects.dedup_by(|a, b| a.output == b.output);
    outputs.extend(generated);
    outputs.extend(redirects.iter().map(|r| Output::rendered(r.output.clone(), myblog_site::redirect_html(r, &config.language))));
    outputs.extend(assets.by_logical.values().map(Output::from_asset));
    let mut remote_thumbnails = Vec::new();
    match prepared.thumbnails {
        ThumbnailMode::Local => outputs.extend(local_thumbnails(assets, config)?),
        ThumbnailMode::Lambda => {
            for a in assets.by_logical.values() {
                remote_thumbnails.extend(planned_thumbnails(a, config).into_iter().map(|(key, _)| key));
            }
            remote_thumbnails.sort();
        }
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(w) = outputs.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::Input(vec![Diagnostic::new(
            myblog_config::CONTENT_DIR,
            format!("two outputs would be written to public/{}", w[0].path),
        )
        .hint("a static file and a page (or feed) share that path: rename one of them")]));
    }
    let posts = crate::manifest_posts::manifest_posts(site, config, OffsetDateTime::now_utc());
    Ok(SiteOutput {
        config: config.clone(),
        outputs,
        page_count,
        sources,
        remote_thumbnails,
        next_scheduled: prepared.next_scheduled,
        posts,
        redirects,
        generated: generated_paths,
    })
}

pub fn thumbnail_options(config: &SiteConfig) -> myblog_thumbnail::Options {
    myblog_thumbnail::Options { widths: config.thumbnails.widths.clone(), ..Default::default() }
}

/// The thumbnails a photo gets (output key and plan), the same the Lambda will make.
pub fn planned_thumbnails(asset: &Asset, config: &SiteConfig) -> Vec<(String, myblog_thumbnail::PlannedThumb)> {
    let Some(info) = &asset.image else { return Vec::new() };
    myblog_thumbnail::plan(info, &thumbnail_options(config))
        .into_iter()
        .filter_map(|t| myblog_thumbnail::thumb_key(&asset.output, t.width, t.format).ok().map(|k| (k, t)))
        .collect()
}

/// Makes every photo's thumbnails with the Lambda's own code, in parallel.
fn local_thumbnails(assets: &Assets, config: &SiteConfig) -> Result<Vec<Output>> {
    let photos: Vec<&Asset> = assets.by_logical.values().filter(|a| a.image.is_some()).collect();
    let made: Vec<std::result::Result<Vec<Output>, [Diagnostic; 1]>> = photos.par_iter().map(|a| photo_thumbnails(a, config)).collect();
    Ok(myblog_utils::collect_all(made)?.into_iter().flatten().collect())
}

/// The thumbnails of one photo, as outputs under the names the Lambda would give them.
pub fn photo_thumbnails(a: &Asset, config: &SiteConfig) -> std::result::Result<Vec<Output>, [Diagnostic; 1]> {
    let fail = |what: String| [Diagnostic::new(&a.display, what)];
    let bytes = match &a.source {
        AssetSource::File(p) => std::fs::read(p).map_err(|e| fail(format!("cannot read: {e}")))?,
        AssetSource::Bytes(b) => b.as_ref().clone(),
        AssetSource::StrippedFile(p) => myblog_content::read_stripped(p).map_err(|e| fail(format!("cannot read: {e}")))?,
    };
    let thumbs =
        myblog_thumbnail::make_thumbnails(&bytes, &thumbnail_options(config)).map_err(|e| fail(format!("cannot make thumbnails: {e}")))?;
    thumbs
        .into_iter()
        .map(|t| {
            let key = myblog_thumbnail::thumb_key(&a.output, t.width, t.format).map_err(|e| fail(e.to_string()))?;
            let mut o = Output::rendered(key, t.bytes);
            o.hashed = true;
            Ok(o)
        })
        .collect()
}

/// Feeds (the site's and its lists'), sitemap (listing `html_paths`) and robots.txt (unless the
/// site has its own `robots.txt`, which wins).
pub fn generated_files(site: &Site, config: &SiteConfig, assets: &Assets, html_paths: &[&str]) -> Vec<Output> {
    let mut outputs = Vec::with_capacity(4);
    outputs.push(Output::rendered("atom.xml".into(), myblog_site::atom(site, config).into_bytes()));
    outputs.push(Output::rendered("rss.xml".into(), myblog_site::rss(site, config).into_bytes()));
    for (path, body) in myblog_site::sitemaps(&myblog_site::sitemap_entries(site, html_paths), config) {
        outputs.push(Output::rendered(path, body.into_bytes()));
    }
    for (path, body) in myblog_site::feeds(site, config) {
        outputs.push(Output::rendered(path, body.into_bytes()));
    }
    if assets.get("robots.txt").is_none() {
        outputs.push(Output::rendered("robots.txt".into(), myblog_site::robots(config).into_bytes()));
    }
    outputs
}

/// Resolves links and images in markdown against the site's static files and pages.
struct SiteResolver {
    assets: Arc<Assets>,
    config: SiteConfig,
    base_path: String,
    links: Arc<myblog_content::LinkIndex>,
}

impl Resolver for SiteResolver {
    fn resolve(&self, at: markdown::Location<'_>, dest: &str, is_image: bool) -> Resolved {
        if dest.starts_with("@/") {
            // Zola's internal link: the page made from that content file, wherever its URL is;
            // from a page in another language, that file's translation first.
            if let Some(t) = self.translated(dest).and_then(|d| self.links.zola(&d).ok()) {
                return Resolved::Url(format!("{}{}{}", self.base_path, t.url_path, t.anchor));
            }
            return match self.links.zola(dest) {
                Ok(t) => Resolved::Url(format!("{}{}{}", self.base_path, t.url_path, t.anchor)),
                Err(e) => Resolved::Invalid { message: format!("link to {}", e.message), hint: e.hint },
            };
        }
        if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest) {
            return Resolved::Unchanged;
        }
        let cut = dest.find(['?', '#']).unwrap_or(dest.len());
        let (path, suffix) = dest.split_at(cut);
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        // Relative to the source file's folder, or else to the page's URL (`../../media/x.jpg`
        // from `/posts/x/`): authors think in either.
        let found = myblog_utils::resolve_relative(at.dir, &decoded)
            .and_then(|l| self.assets.get(&l))
            .or_else(|| myblog_utils::resolve_relative(at.url_path, &decoded).and_then(|l| self.assets.get(&l)))
            .or_else(|| (!self.config.content.dialect.is_strict()).then(|| self.beside_a_page(at.url_path, &decoded)).flatten());
        if let Some(a) = found {
            let src = format!("{}/{}{}", self.base_path, myblog_utils::url_path(&a.output), suffix);
            if let (true, Some(info)) = (is_image, &a.image) {
                // The original stays the `src` (always there); browsers pick a WebP
                // thumbnail from the srcset by the width they need.
                let srcset: Vec<String> = planned_thumbnails(a, &self.config)
                    .iter()
                    .filter(|(_, t)| t.format == myblog_thumbnail::OutputFormat::WebP)
                    .map(|(key, t)| format!("{}/{} {}w", self.base_path, myblog_utils::url_path(key), t.width))
                    .collect();
                if !srcset.is_empty() {
                    return Resolved::Photo { src, srcset: srcset.join(", "), width: info.width, height: info.height };
                }
            }
            return Resolved::Url(src);
        }
        if is_image {
            // An image must be a file we publish; it may already be under its published name
            // (in the output of a markdown shortcode, `{{% figure %}}`). Scanned only here, on
            // the way to an error.
            let published = decoded.strip_prefix(self.base_path.as_str()).unwrap_or(&decoded).trim_start_matches('/');
            if self.assets.by_logical.values().any(|a| a.output == published) {
                return Resolved::Unchanged;
            }
            return Resolved::Missing;
        }
        // A link to a page: made root-relative (with the base path), because the same HTML
        // also appears in summaries on list pages and in feeds, where a relative link would
        // point elsewhere. Whether it exists is `myblog check`'s job.
        if path.starts_with('/') {
            return Resolved::Url(format!("{}{}{}", self.base_path, path, suffix));
        }
        // Relative to the page's URL, so within its language's tree.
        match myblog_utils::resolve_relative(at.url_path, path) {
            Some(p) => {
                let slash = if path.ends_with('/') && !p.is_empty() { "/" } else { "" };
                Resolved::Url(format!("{}{suffix}", myblog_config::with_base(&self.config, &format!("/{p}{slash}"))))
            }
            None => Resolved::Unchanged,
        }
    }
}

impl SiteResolver {
    /// `@/x.md` as the file of this page's language names it: `@/x.fr.md`, or
    /// `@/<content_dir>/x.md` (none for the default language).
    fn translated(&self, dest: &str) -> Option<String> {
        let lang = &self.config.language;
        if *lang == self.config.content.languages.default {
            return None;
        }
        let path = dest.strip_prefix("@/")?;
        if let Some((dir, _)) = self.config.content.languages.dirs.iter().find(|(_, c)| c == lang) {
            return Some(format!("@/{dir}/{path}"));
        }
        let (file, anchor) = path.split_once('#').map(|(f, a)| (f, format!("#{a}"))).unwrap_or((path, String::new()));
        let (stem, ext) = file.rsplit_once('.')?;
        Some(format!("@/{stem}.{lang}.{ext}{anchor}"))
    }

    /// A file of another page's bundle, by the URL it has beside that page
    /// (`../../2024/05/07/x/shot.svg` where `/2024/05/07/x/` is made from `blog/x/index.md`).
    fn beside_a_page(&self, from_url: &str, dest: &str) -> Option<&myblog_content::Asset> {
        let target = myblog_utils::resolve_relative(from_url, dest)?;
        let (dir_url, file) = target.rsplit_once('/')?;
        let dir = self.links.bundle_at(&format!("/{dir_url}/"))?;
        self.assets.get(&if dir.is_empty() { file.to_string() } else { format!("{dir}/{file}") })
    }
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => s[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.') && i > 0,
        None => false,
    }
}

/// A site moved in from Hugo or Zola may have pages sharing a URL (Hugo keeps one and drops
/// the others): the newest post keeps it, the others move to a distinct URL. Returns what moved.
pub fn settle_shared_urls(sources: &mut [Source]) -> Vec<String> {
    let claims: Vec<myblog_config::Claim<'_>> = sources
        .iter()
        .map(|s| myblog_config::Claim { date: if s.kind == Kind::Post { s.front.date } else { None }, url_path: &s.url_path })
        .collect();
    let moves = myblog_config::settle_permalinks(&claims);
    let mut notes = Vec::new();
    for (i, url) in moves {
        let s = &mut sources[i];
        notes.push(format!("{} shares {} with a newer page: published at {url}", s.display_path.display(), s.url_path));
        s.url_path = url;
    }
    notes
}

pub fn check_duplicates(sources: &[Source], config: &SiteConfig) -> Result<()> {
    let strict = config.content.dialect.is_strict();
    // A moved-in site keeps its own /archive/ and /page/about/; only the home's numbered pages
    // are taken from it.
    let numbered = |url: &str| url.strip_prefix("/page/").and_then(|r| r.strip_suffix('/')).is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
    let reserved = |url: &str| {
        (strict && url == "/archive/")
            || (if strict { url.starts_with("/page/") } else { numbered(url) })
            || config.taxonomies.iter().any(|t| url.strip_prefix('/').and_then(|u| u.strip_prefix(t.name.as_str())) == Some("/"))
    };
    let mut seen: HashMap<&str, &Source> = HashMap::new();
    let mut errors = Vec::new();
    for s in sources {
        if let Some(other) = seen.insert(&s.url_path, s) {
            errors.push(
                Diagnostic::new(&s.display_path, format!("{} is also the URL of {}", s.url_path, other.display_path.display()))
                    .line(1)
                    .hint("two pages cannot share a URL: change `slug` in one of them"),
            );
        }
        if s.kind != Kind::Section && reserved(&s.url_path) {
            errors.push(
                Diagnostic::new(&s.display_path, format!("{} is reserved for a generated page", s.url_path))
                    .line(1)
                    .hint("choose another slug"),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        Err(Error::Input(errors))
    }
}

/// One rendered HTML output. Identified by position and key (not by reference) so `serve`
/// can keep a list of jobs across rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    /// Index into `Site::posts`.
    Post(usize),
    /// Index into `Site::pages`.
    Page(usize),
    /// Index into `Site::sections` (not the home section, which `Home` shows), page number.
    Section(usize, usize),
    /// Home page number (1-based).
    Home(usize),
    /// Index into `Site::taxonomies`: its list of terms.
    Taxonomy(usize),
    /// Taxonomy index, term slug, page number.
    Term(usize, String, usize),
    Archive,
    NotFound,
}

impl Job {
    /// URL path of the output (`/posts/x/`, `/404.html`).
    pub fn url_path(&self, site: &Site) -> String {
        match self {
            Job::Post(i) => site.posts[*i].source.url_path.clone(),
            Job::Page(i) => site.pages[*i].source.url_path.clone(),
            Job::Section(i, n) => myblog_site::paged_url(&site.sections[*i].source.url_path, &site.section_pages[*i].paginate_path, *n),
            Job::Home(n) => home_page_path(myblog_site::home_paginate_path(&site.paginate_path, &site.sections), *n),
            Job::Taxonomy(t) => format!("/{}/", site.taxonomies[*t].name),
            Job::Term(t, slug, n) => site.taxonomies[*t].term_page_url(slug, &site.paginate_path, *n),
            Job::Archive => "/archive/".into(),
            Job::NotFound => "/404.html".into(),
        }
    }

    /// The template the output is rendered with.
    pub fn template(&self, site: &Site) -> String {
        match self {
            Job::Post(i) => site.posts[*i].template(),
            Job::Page(i) => site.pages[*i].template(),
            Job::Section(i, _) => site.sections[*i].template(),
            Job::Home(_) => "index.html".into(),
            Job::Taxonomy(t) if site.taxonomies[*t].name == myblog_config::TAGS => "tags.html".into(),
            Job::Taxonomy(_) => "taxonomy.html".into(),
            Job::Term(t, ..) if site.taxonomies[*t].name == myblog_config::TAGS => "tag.html".into(),
            Job::Term(..) => "term.html".into(),
            Job::Archive => "archive.html".into(),
            Job::NotFound => "404.html".into(),
        }
    }

    /// Output file relative to public/.
    pub fn output_path(&self, site: &Site) -> String {
        let url = self.url_path(site);
        if url.ends_with(".html") {
            url.trim_start_matches('/').to_string()
        } else {
            format!("{}index.html", url.trim_start_matches('/'))
        }
    }
}

/// Every HTML output of the site.
pub fn jobs(prepared: &Prepared) -> Vec<Job> {
    let site = &prepared.site;
    let home_total = home_pages(site, &prepared.config);
    let mut jobs: Vec<Job> = Vec::new();
    jobs.extend((0..site.posts.len()).map(Job::Post));
    jobs.extend((0..site.pages.len()).map(Job::Page));
    for (i, s) in site.sections.iter().enumerate() {
        if s.source.url_path != "/" {
            jobs.extend((1..=site.section_pages[i].pages()).map(|n| Job::Section(i, n)));
        }
    }
    jobs.extend((1..=home_total).map(Job::Home));
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (slug, info) in &tax.terms {
            jobs.extend((1..=tax.pages_of(info)).map(|n| Job::Term(t, slug.clone(), n)));
        }
    }
    // A moved-in site's own page at /archive/ wins over myblog's archive.
    if !site.posts.iter().chain(&site.pages).chain(&site.sections).any(|p| p.source.url_path == "/archive/") {
        jobs.push(Job::Archive);
    }
    if prepared.renderer.has_template("404.html") {
        jobs.push(Job::NotFound);
    }
    jobs
}

pub fn home_pages(site: &Site, config: &SiteConfig) -> usize {
    site.posts.len().div_ceil(myblog_site::home_paginate_by(config, &site.sections)).max(1)
}

/// Renders one HTML output.
pub fn render_job(job: &Job, prepared: &Prepared) -> std::result::Result<Output, Diagnostic> {
    let Prepared { config, site, renderer, .. } = prepared;
    let mut ctx = Context::new();
    let mut source: Option<&Path> = None;
    match job {
        Job::Post(i) | Job::Page(i) => {
            let p = if matches!(job, Job::Post(_)) { &site.posts[*i] } else { &site.pages[*i] };
            ctx.insert("page", &p.view());
            source = Some(p.source.display_path.as_path());
        }
        Job::Section(i, n) => {
            myblog_site::section_context(site, config, *i, *n, &mut ctx);
            source = Some(site.sections[*i].source.display_path.as_path());
        }
        Job::Home(n) => {
            let home_total = home_pages(site, config);
            let per = myblog_site::home_paginate_by(config, &site.sections);
            let paginate_path = myblog_site::home_paginate_path(&config.content.paginate_path, &site.sections);
            let link = |i: usize| myblog_config::with_base(config, &home_page_path(paginate_path, i));
            let pages = site.posts.iter().skip((n - 1) * per).take(per).map(|p| &p.summary).collect();
            ctx.insert("paginator", &myblog_site::Paginator::new(pages, *n, home_total, link));
            // Without `pages`: listing every post on each of the home's pages made the home cost
            // O(pages × posts); `paginator.pages` is what a home page lists.
            let home_section = site.sections.iter().find(|s| s.source.url_path == "/");
            ctx.insert("section", &home_section.map(model::Page::section_head));
        }
        Job::Taxonomy(t) => myblog_site::taxonomy_context(site, config, *t, &mut ctx),
        Job::Term(t, slug, n) => {
            if !myblog_site::term_context(site, config, *t, slug, *n, &mut ctx) {
                return Err(Diagnostic::new(myblog_config::CONTENT_DIR, format!("no term {slug:?}")));
            }
        }
        Job::Archive => {
            // Serialized straight into tera's values: on a 10,000-post site this list is the
            // biggest context there is, and an intermediate JSON copy doubled its cost.
            let mut years: Vec<YearView<'_>> = Vec::new();
            for p in &site.posts {
                let y = p.summary.year.unwrap_or(0);
                match years.last_mut() {
                    Some(last) if last.year == y => last.pages.push(&p.summary),
                    _ => years.push(YearView { year: y, pages: vec![&p.summary] }),
                }
            }
            ctx.insert("years", &years);
        }
        Job::NotFound => {}
    }
    let html = renderer.render(&job.template(site), config, &job.url_path(site), ctx, source)?;
    Ok(Output::rendered(job.output_path(site), html.into_bytes()))
}

#[derive(serde::Serialize)]
struct YearView<'a> {
    year: i32,
    pages: Vec<&'a model::PageSummary>,
}

/// Collects rendered outputs, reporting every distinct error once.
pub fn collect_rendered(results: Vec<std::result::Result<Output, Diagnostic>>) -> Result<Vec<Output>> {
    let mut outputs = Vec::with_capacity(results.len());
    let mut errors: Vec<Diagnostic> = Vec::new();
    for r in results {
        match r {
            Ok(o) => outputs.push(o),
            // The same template error repeats on every page using it: report it once.
            Err(d) => {
                let root_cause =
                    |d: &Diagnostic| d.message.split(" (rendering ").next().and_then(|m| m.rsplit("\n  ").next()).map(str::to_string);
                if !errors.iter().any(|e| e.path == d.path && e.line == d.line && root_cause(e) == root_cause(&d)) {
                    errors.push(d)
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(Error::Input(errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing public/

/// Writes the site: unchanged files are hard-linked from the previous build into a staging
/// folder, changed ones written there, then the folders are swapped. A crash at any point
/// leaves either the old or the new site (see `recover_interrupted_swap`).
pub fn write_site(site: &SiteOutput, out: &Path, fingerprint: Option<&str>) -> Result<BuildReport> {
    let manifest = site.manifest();
    let previous = Manifest::load(out).ok().flatten();
    let old: HashMap<&str, &ManifestEntry> =
        previous.as_ref().map(|m| m.files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
    let unchanged_on_disk = |o: &Output| -> bool {
        old.get(o.path.as_str()).is_some_and(|e| e.blake3 == o.blake3 && e.size == o.size)
            && std::fs::metadata(out.join(&o.path)).is_ok_and(|m| m.is_file() && m.len() == o.size)
    };
    let unchanged: Vec<bool> = site.outputs.par_iter().map(unchanged_on_disk).collect();
    let n_unchanged = unchanged.iter().filter(|u| **u).count();
    let removed = old.len().saturating_sub(
        n_unchanged + site.outputs.iter().zip(&unchanged).filter(|(o, u)| !**u && old.contains_key(o.path.as_str())).count(),
    );
    let report = BuildReport { written: site.outputs.len() - n_unchanged, unchanged: n_unchanged, removed, ..Default::default() };
    let manifest_bytes = manifest.to_json();
    if report.written == 0 && removed == 0 && previous.as_ref() == Some(&manifest) {
        if let Some(fp) = fingerprint {
            let path = out.join(INPUTS_PATH);
            if std::fs::read(&path).ok().as_deref() != Some(fp.as_bytes()) {
                write_file(&path, fp.as_bytes())?;
            }
        }
        return Ok(report);
    }

    let staging = sibling(out, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io("cannot remove", &staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io("cannot create", &staging, e))?;
    // Folders first, once each and in order (parents before children): thousands of threads
    // racing to create the same parents cost more system time than the whole render.
    let dirs: std::collections::BTreeSet<&str> = site.outputs.iter().filter_map(|o| o.path.rsplit_once('/').map(|(d, _)| d)).collect();
    for d in dirs {
        let dir = staging.join(d);
        if let Err(e) = std::fs::create_dir(&dir) {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
            }
        }
    }
    let results: Vec<Result<()>> = site
        .outputs
        .par_iter()
        .zip(unchanged.par_iter())
        .map(|(o, &same)| {
            let dest = staging.join(&o.path);
            if same {
                let prev = out.join(&o.path);
                if std::fs::hard_link(&prev, &dest).is_ok() {
                    return Ok(());
                }
                std::fs::copy(&prev, &dest).map_err(|e| Error::io("cannot copy", &prev, e))?;
                return Ok(());
            }
            match &o.body {
                Body::Bytes(b) => std::fs::write(&dest, b.as_slice()).map_err(|e| Error::io("cannot write", &dest, e)),
                Body::Copy(src) => std::fs::copy(src, &dest).map(|_| ()).map_err(|e| Error::io("cannot copy", src, e)),
                Body::Stripped(src) => myblog_content::read_stripped(src)
                    .and_then(|b| std::fs::write(&dest, b))
                    .map_err(|e| Error::io("cannot write", &dest, e)),
            }
        })
        .collect();
    if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    write_file(&staging.join(MANIFEST_PATH), &manifest_bytes)?;
    if let Some(fp) = fingerprint {
        write_file(&staging.join(INPUTS_PATH), fp.as_bytes())?;
    }
    swap_into_place(&staging, out)?;
    Ok(report)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

/// The output folder is replaced wholesale by each build, so it must be one myblog made (or a
/// new or empty one), and never a folder holding the blog's own sources.
pub fn check_output_folder(root: &Path, out: &Path) -> Result<()> {
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (root_abs, out_abs) = (abs(root), abs(out));
    if root_abs.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "refusing to build into {}: it holds the blog itself ({}), and a build replaces its output folder",
            out.display(),
            root.display()
        )));
    }
    for sources in [myblog_config::CONTENT_DIR, "themes"] {
        if out_abs.starts_with(root_abs.join(sources)) {
            return Err(Error::Usage(format!("refusing to build into {}: it is inside the blog's {sources}/ folder", out.display())));
        }
    }
    let made_by_us = out.join(MANIFEST_PATH).is_file();
    let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(true);
    if out.exists() && !made_by_us && !empty {
        return Err(Error::Usage(format!(
            "refusing to build into {}: it is not empty and was not made by myblog (no {MANIFEST_PATH}), and a build replaces \
             the whole folder. Choose a new or empty folder, or empty this one yourself",
            out.display()
        )));
    }
    Ok(())
}

/// `public` → `.public.myblog-<what>` beside it (same file system, so renames are atomic).
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.myblog-{what}"))
}

fn swap_into_place(staging: &Path, out: &Path) -> Result<()> {
    let old = sibling(out, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("cannot remove", &old, e))?;
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| Error::io("cannot move aside", out, e))?;
    }
    std::fs::rename(staging, out).map_err(|e| Error::io("cannot move into place", staging, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("cannot remove", &old, e))?;
    }
    Ok(())
}

/// A build killed between the two renames of the swap leaves the previous site aside: put it
/// back. A leftover staging folder is just removed.
pub fn recover_interrupted_swap(out: &Path) -> Result<()> {
    let old = sibling(out, "old");
    if old.is_dir() && !out.exists() {
        std::fs::rename(&old, out).map_err(|e| Error::io("cannot restore", &old, e))?;
    }
    Ok(())
}

/// Everything the output depends on, as one hash: options, myblog's version, today's date (a
/// post dated tomorrow appears tomorrow), and the path, size and mtime of every input file.
fn input_fingerprint(opts: &BuildOptions) -> Result<String> {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // A different myblog binary may render differently even at the same version.
    if let Some(m) = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok()) {
        h.update(format!("{:?}|{}\n", m.modified().ok(), m.len()).as_bytes());
    }
    h.update(
        format!(
            "{:?}|{:?}|{:?}|{}|{}\n",
            opts.drafts,
            opts.base_url,
            opts.thumbnails,
            opts.output.display(),
            myblog_utils::date_string(&opts.now)
        )
        .as_bytes(),
    );
    let config_path = opts.root.join(myblog_config::CONFIG_FILE);
    let config_text = std::fs::read(&config_path).map_err(|e| Error::io("cannot read", &config_path, e))?;
    h.update(&config_text);
    let theme = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&config_text))
        .ok()
        .and_then(|t| t.get("theme").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "default".into());
    for dir in [opts.root.join(myblog_config::CONTENT_DIR), opts.root.join("themes").join(theme)] {
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !myblog_utils::is_hidden_dir(e))
            .flatten()
        {
            if let Ok(m) = entry.metadata() {
                let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
                h.update(entry.path().as_os_str().as_encoded_bytes());
                h.update(format!("|{}|{}|{}\n", m.is_dir(), m.len(), mtime).as_bytes());
            }
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

fn up_to_date(out: &Path, fingerprint: &str, now: OffsetDateTime) -> bool {
    let Ok(stored) = std::fs::read_to_string(out.join(INPUTS_PATH)) else { return false };
    let mut lines = stored.lines();
    if lines.next() != Some(fingerprint) {
        return false;
    }
    let due = lines.next().and_then(|l| l.strip_prefix("scheduled ")).and_then(|t| t.parse::<i64>().ok());
    if due.is_some_and(|t| now.unix_timestamp() >= t) {
        return false;
    }
    // The output must still be what the manifest says (nobody deleted or edited files).
    match Manifest::load(out) {
        Ok(Some(m)) => m.files.par_iter().all(|f| std::fs::metadata(out.join(&f.path)).is_ok_and(|md| md.len() == f.size)),
        _ => false,
    }
}
