//! Rendering one HTML output, and collecting the results of all of them.

use super::jobs::{home_pages, Job};
use super::output::Output;
use super::prepare::Prepared;
use myblog_site as model;
use myblog_site::home_page_path;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use std::path::Path;
use tera::Context;

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
            ctx.insert("section", &home_section.map(|s| s.section_head(*n == 1)));
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
        Job::Search => ctx.insert("search", &search_links(config)),
        Job::NotFound => {}
    }
    let html = renderer.render(&job.template(site), config, &job.url_path(site), ctx, source)?;
    Ok(Output::rendered(job.output_path(site), html.into_bytes()))
}

/// What the search page links to: the index its script reads, and a search engine's results
/// for this site, for readers without JavaScript.
fn search_links(config: &myblog_config::SiteConfig) -> serde_json::Value {
    let index = myblog_config::with_base(config, &format!("/{}/index.json", myblog_site::search::SEARCH_DIR));
    let site = config.base_url.split_once("://").map_or(config.base_url.as_str(), |(_, rest)| rest).trim_end_matches('/');
    let query = percent_encoding::utf8_percent_encode(&format!("site:{site}"), percent_encoding::NON_ALPHANUMERIC).to_string();
    serde_json::json!({ "index": index, "engine": format!("https://duckduckgo.com/?q={query}") })
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
