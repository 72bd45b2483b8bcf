//! A site in several languages: each language is built as a site of its own (its sources, its
//! config from [`SiteConfig::for_language`], so its home, sections, taxonomies, feeds and 404
//! are its own and its URLs carry its prefix), over the static files and the link index they
//! share; the outputs are then put together under each language's folder, with one sitemap
//! (alternates included) and one robots.txt.
//!
//! A one-language site never comes here: its build is the one it always was.

use crate::build::{
    build_assets, check_duplicates, collect_rendered, finish, is_published, jobs, render_job, render_markdown, resolve_templates,
    settle_shared_urls, Bodies, BuildOptions, Inputs, Job, Output, Prepared, SiteOutput,
};
use myblog_config::{Language, SiteConfig};
use myblog_content::Source;
use myblog_site::{Renderer, Translation};
use myblog_utils::{Diagnostic, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// One language's part of the build.
pub struct LanguageBuild {
    pub lang: Language,
    pub prepared: Prepared,
}

/// What a language offers the templates' switcher.
#[derive(serde::Serialize)]
struct LanguageView<'a> {
    code: &'a str,
    name: &'a str,
    dir: &'a str,
    /// Its home page.
    path: String,
    current: bool,
}

/// site.toml, with `--base-url` (or serve's address) applied.
pub fn site_config(opts: &BuildOptions) -> Result<SiteConfig> {
    let mut config = SiteConfig::load(&opts.root)?;
    if let Some(url) = &opts.base_url {
        config.set_base_url(url)?;
    }
    Ok(config)
}

/// Every language of the site prepared: content read once, then each language's site assembled.
pub fn prepare_languages(opts: &BuildOptions, config: &SiteConfig) -> Result<(Vec<LanguageBuild>, Inputs)> {
    let templates = crate::build::theme_templates(opts, config)?;
    let loaded = myblog_content::load_with(&opts.root, &config.content)?;
    let assets = Arc::new(build_assets(opts, config, &loaded.files)?);
    let (published, unpublished): (Vec<Source>, Vec<Source>) = loaded.sources.into_iter().partition(|s| is_published(opts, s));
    let languages = config.all_languages();
    let prefix_of = |code: &str| languages.iter().find(|l| l.code == code).map(|l| l.prefix.clone()).unwrap_or_default();
    // `@/` and `ref` links may cross languages: the index holds every page's whole URL path.
    let full: Vec<(String, String)> = published.iter().map(|s| (s.rel.clone(), format!("{}{}", prefix_of(&s.lang), s.url_path))).collect();
    let links = Arc::new(myblog_content::LinkIndex::new(
        full.iter().map(|(r, u)| (r.as_str(), u.as_str())),
        unpublished.iter().map(|s| s.rel.as_str()),
    ));
    let mut by_lang: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for s in published {
        by_lang.entry(s.lang.clone()).or_default().push(s);
    }
    let mut builds = Vec::with_capacity(languages.len());
    for lang in &languages {
        let lc = config.for_language(lang);
        let mut mine = by_lang.remove(&lang.code).unwrap_or_default();
        if !lc.content.dialect.is_strict() {
            for note in settle_shared_urls(&mut mine) {
                eprintln!("note: {note}");
            }
        }
        if lc.content.dialect == myblog_config::Dialect::Hugo {
            mine.extend(myblog_site::implied_sections(&mine, &lc.content));
        }
        check_duplicates(&mine, &lc)?;
        myblog_site::check_terms(&mine, &lc)?;
        let items = render_markdown(&opts.root, mine, &lc, &assets, Bodies::Drop, &templates, &links)?;
        let mut site = myblog_site::assemble(&lc, items);
        let mut renderer = Renderer::new(&opts.root, &lc, templates.clone(), assets.clone())?;
        renderer.set_global("lang", &lang.code);
        renderer.set_global("lang_dir", &lang.dir);
        let views: Vec<LanguageView<'_>> = languages
            .iter()
            .map(|l| LanguageView {
                code: &l.code,
                name: &l.name,
                dir: &l.dir,
                path: format!("{}{}/", lc.base_path(), l.prefix),
                current: l.code == lang.code,
            })
            .collect();
        renderer.set_global("languages", &views);
        renderer.set_global("default_language", &config.language);
        resolve_templates(&mut site, &lc, &renderer);
        let prepared = Prepared {
            thumbnails: opts.thumbnails,
            next_scheduled: None,
            config: lc,
            assets: assets.clone(),
            renderer,
            site,
            links: links.clone(),
        };
        builds.push(LanguageBuild { lang: lang.clone(), prepared });
    }
    link_translations(&mut builds);
    let next = crate::build::next_scheduled(opts, &unpublished);
    if let Some(first) = builds.first_mut() {
        first.prepared.next_scheduled = next;
    }
    Ok((builds, Inputs { templates, unpublished, files: loaded.files }))
}

/// Pairs each page with the same page in the other languages (same translation key).
fn link_translations(builds: &mut [LanguageBuild]) {
    let mut by_key: HashMap<(bool, String), Vec<Translation>> = HashMap::new();
    for b in builds.iter() {
        let site = &b.prepared.site;
        for p in site.posts.iter().chain(&site.pages).chain(&site.sections) {
            by_key.entry((p.source.kind == myblog_content::Kind::Section, p.source.translation_key().to_string())).or_default().push(
                Translation {
                    lang: b.lang.code.clone(),
                    title: p.summary.title.clone(),
                    path: p.summary.path.clone(),
                    permalink: p.summary.permalink.clone(),
                },
            );
        }
    }
    for b in builds.iter_mut() {
        let code = b.lang.code.clone();
        let site = &mut b.prepared.site;
        for p in site.posts.iter_mut().chain(site.pages.iter_mut()).chain(site.sections.iter_mut()) {
            if let Some(all) = by_key.get(&(p.source.kind == myblog_content::Kind::Section, p.source.translation_key().to_string())) {
                p.translations = all.iter().filter(|t| t.lang != code).cloned().collect();
            }
        }
    }
}

/// The sitemap's alternates of one language's translated pages, by their URL path in the
/// site: every version (this one too) and `x-default`, the default language's.
fn page_alternates<'a>(b: &'a LanguageBuild, default: &'a str) -> impl Iterator<Item = (String, Vec<(String, String)>)> + 'a {
    let site = &b.prepared.site;
    site.posts.iter().chain(&site.pages).chain(&site.sections).filter(|p| !p.translations.is_empty()).map(move |p| {
        let mut all: Vec<(String, String)> = std::iter::once((b.lang.code.clone(), p.summary.permalink.clone()))
            .chain(p.translations.iter().map(|t| (t.lang.clone(), t.permalink.clone())))
            .collect();
        all.sort();
        if let Some((_, href)) = all.iter().find(|(l, _)| l == default).cloned() {
            all.push(("x-default".into(), href));
        }
        (format!("{}{}", b.lang.prefix, p.source.url_path), all)
    })
}

/// Renders every language and puts the outputs together.
pub fn render_languages(builds: &[LanguageBuild], root_config: &SiteConfig) -> Result<SiteOutput> {
    let all_jobs: Vec<(usize, Job)> =
        builds.iter().enumerate().flat_map(|(i, b)| jobs(&b.prepared).into_iter().map(move |j| (i, j))).collect();
    let results: Vec<(usize, std::result::Result<Output, Diagnostic>)> =
        all_jobs.par_iter().map(|(i, j)| (*i, render_job(j, &builds[*i].prepared))).collect();
    let mut per_lang: Vec<Vec<std::result::Result<Output, Diagnostic>>> = builds.iter().map(|_| Vec::new()).collect();
    for (i, r) in results {
        per_lang[i].push(r);
    }
    let mut parts = Vec::with_capacity(builds.len());
    let mut errors = Vec::new();
    for (b, results) in builds.iter().zip(per_lang) {
        let done = collect_rendered(results).and_then(|outputs| {
            let pages: HashSet<String> = outputs.iter().map(|o| o.path.clone()).collect();
            Ok((finish(&b.prepared, outputs)?, pages))
        });
        match done {
            Ok(part) => parts.push(part),
            Err(e) => errors.extend(e.diagnostics().to_vec()),
        }
    }
    if !errors.is_empty() {
        return Err(myblog_utils::Error::Input(errors));
    }
    Ok(combine(builds, parts, root_config))
}

/// Whose an output of one language's build is.
enum Owner {
    /// Its pages, feeds and list redirects: under the language's prefix.
    Language,
    /// A Zola alias, a site path: at that path, the first language's when two claim it.
    Root,
    /// Static files and thumbnails (the same in every language); robots.txt.
    Shared,
    /// The sitemap, made again for the whole site.
    Sitemap,
}

fn owner(path: &str, part: &SiteOutput, pages: &HashSet<String>, redirects: &HashMap<&str, bool>) -> Owner {
    if pages.contains(path) {
        return Owner::Language;
    }
    if let Some(at_root) = redirects.get(path) {
        return if *at_root { Owner::Root } else { Owner::Language };
    }
    if part.generated.iter().any(|g| g == path) {
        return match path {
            "robots.txt" => Owner::Shared,
            p if p.starts_with("sitemap") => Owner::Sitemap,
            _ => Owner::Language,
        };
    }
    Owner::Shared
}

/// One site from the languages' outputs, with one sitemap of every language's pages.
fn combine(builds: &[LanguageBuild], parts: Vec<(SiteOutput, HashSet<String>)>, root_config: &SiteConfig) -> SiteOutput {
    let mut outputs: BTreeMap<String, Output> = BTreeMap::new();
    let mut sources = HashMap::new();
    let mut redirects = Vec::new();
    let mut posts = Vec::new();
    let mut sitemap_entries: Vec<(String, Option<String>)> = Vec::new();
    let mut alternates = myblog_site::Alternates::new();
    let mut remote_thumbnails = Vec::new();
    let mut generated = Vec::new();
    let mut page_count = 0;
    let mut roots: Vec<Output> = Vec::new();
    for (b, (part, pages)) in builds.iter().zip(&parts) {
        let prefix = b.lang.prefix.trim_start_matches('/');
        let put = |p: &str| if prefix.is_empty() { p.to_string() } else { format!("{prefix}/{p}") };
        let kinds: HashMap<&str, bool> = part.redirects.iter().map(|r| (r.output.as_str(), r.at_root)).collect();
        for o in &part.outputs {
            match owner(&o.path, part, pages, &kinds) {
                Owner::Language => {
                    let mut moved = o.clone();
                    moved.path = put(&o.path);
                    if part.generated.contains(&o.path) {
                        generated.push(moved.path.clone());
                    }
                    outputs.insert(moved.path.clone(), moved);
                }
                Owner::Root => roots.push(o.clone()),
                Owner::Shared => {
                    outputs.entry(o.path.clone()).or_insert_with(|| o.clone());
                }
                Owner::Sitemap => {}
            }
        }
        page_count += part.page_count;
        sources.extend(part.sources.iter().map(|(k, v)| (put(k), v.clone())));
        for r in &part.redirects {
            let mut r = r.clone();
            if !r.at_root {
                r.from = format!("{}{}", b.lang.prefix, r.from);
                r.output = put(&r.output);
            }
            redirects.push(r);
        }
        // A post in another language than the default says so: it is announced only to that
        // language's subscribers (the default's carry none, as a single-language site's).
        let lang = (b.lang.code != root_config.language).then(|| b.lang.code.clone());
        posts.extend(part.posts.iter().cloned().map(|mut p| {
            p.lang.clone_from(&lang);
            p
        }));
        remote_thumbnails.extend(part.remote_thumbnails.iter().cloned());
        let html: Vec<&str> = pages.iter().map(String::as_str).collect();
        for (url, lastmod) in myblog_site::sitemap_entries(&b.prepared.site, &crate::build::in_sitemap(&b.prepared.site, &html)) {
            sitemap_entries.push((format!("{}{url}", b.lang.prefix), lastmod));
        }
        alternates.extend(page_alternates(b, &root_config.language));
    }
    // Aliases last, so no language's page is ever replaced by another's alias.
    for o in roots {
        if !outputs.contains_key(&o.path) {
            outputs.insert(o.path.clone(), o);
        }
    }
    redirects.retain(|r| !r.at_root || outputs.contains_key(&r.output));
    // The default language published under its own prefix: `/` sends readers there.
    if let Some(d) = builds.first().filter(|b| !b.lang.prefix.is_empty()) {
        if !outputs.contains_key("index.html") {
            let r = myblog_site::Redirect {
                output: "index.html".into(),
                from: "/".into(),
                to: myblog_config::absolute(root_config, &format!("{}{}/", root_config.base_path(), d.lang.prefix)),
                at_root: true,
            };
            outputs.insert(r.output.clone(), Output::rendered(r.output.clone(), myblog_site::redirect_html(&r, &d.lang.code)));
            redirects.push(r);
        }
    }
    // Hugo also answers the default language's home at `/<code>/` (a redirect to `/`).
    if let Some(d) = builds.first().filter(|b| b.lang.prefix.is_empty() && root_config.content.dialect == myblog_config::Dialect::Hugo) {
        let output = format!("{}/index.html", d.lang.code);
        if !outputs.contains_key(&output) {
            let r = myblog_site::Redirect {
                output: output.clone(),
                from: format!("/{}/", d.lang.code),
                to: myblog_config::absolute(root_config, &format!("{}/", root_config.base_path())),
                at_root: true,
            };
            outputs.insert(output.clone(), Output::rendered(output, myblog_site::redirect_html(&r, &d.lang.code)));
            redirects.push(r);
        }
    }
    sitemap_entries.sort();
    sitemap_entries.dedup();
    for (path, body) in myblog_site::sitemaps_with_alternates(&sitemap_entries, &alternates, root_config) {
        generated.push(path.clone());
        outputs.insert(path.clone(), Output::rendered(path, body.into_bytes()));
    }
    if outputs.contains_key("robots.txt") {
        generated.push("robots.txt".into());
    }
    generated.sort();
    generated.dedup();
    redirects.sort_by(|a, b| a.output.cmp(&b.output));
    redirects.dedup_by(|a, b| a.output == b.output);
    remote_thumbnails.sort();
    remote_thumbnails.dedup();
    SiteOutput {
        config: root_config.clone(),
        outputs: outputs.into_values().collect(),
        page_count,
        sources,
        remote_thumbnails,
        next_scheduled: parts.iter().filter_map(|(p, _)| p.next_scheduled).min(),
        posts,
        redirects,
        generated,
    }
}
