//! What is made from the whole site once its pages are rendered: feeds, sitemaps, robots.txt,
//! the search index, redirects and the static files.

use super::options::ThumbnailMode;
use super::output::{Output, SiteOutput};
use super::prepare::Prepared;
use super::thumbnails::{local_thumbnails, planned_thumbnails};
use super::timings;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_site::Site;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use std::collections::HashMap;
use time::OffsetDateTime;

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
    let mut generated = generated_files(site, config, assets, &html_paths);
    generated.extend(timings::step("search index", || search_files(site, config, None)));
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

/// Feeds (the site's and its lists'), sitemap (listing `html_paths`) and robots.txt (unless the
/// site has its own `robots.txt`, which wins).
pub fn generated_files(site: &Site, config: &SiteConfig, assets: &Assets, html_paths: &[&str]) -> Vec<Output> {
    let mut outputs = Vec::with_capacity(4);
    outputs.push(Output::rendered("atom.xml".into(), myblog_site::atom(site, config).into_bytes()));
    outputs.push(Output::rendered("rss.xml".into(), myblog_site::rss(site, config).into_bytes()));
    for (path, body) in myblog_site::sitemaps(&myblog_site::sitemap_entries(site, &in_sitemap(site, html_paths)), config) {
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

/// The HTML outputs a sitemap lists: all but the theme's search page, which has nothing of
/// its own for search engines (and says `noindex`).
pub fn in_sitemap<'a>(site: &Site, html_paths: &[&'a str]) -> Vec<&'a str> {
    let search_page = format!("{}/index.html", myblog_site::search::SEARCH_DIR);
    let own_search_page = site.posts.iter().chain(&site.pages).chain(&site.sections).any(|p| p.source.output_path() == search_page);
    html_paths.iter().copied().filter(|p| own_search_page || *p != search_page).collect()
}

/// The search index (`search/index.json` and the hashed files it names), unless
/// `[search] enabled = false`. With a `cache` (serve's), only the pages that changed are read.
pub fn search_files(site: &Site, config: &SiteConfig, cache: Option<&mut myblog_site::search::WordCache>) -> Vec<Output> {
    if !config.search.enabled {
        return Vec::new();
    }
    let files = match cache {
        Some(c) => c.files(site),
        None => myblog_site::search::files(site),
    };
    files
        .into_iter()
        .map(|f| {
            let mut o = Output::rendered(f.path, f.bytes);
            o.hashed = f.hashed;
            o
        })
        .collect()
}
