//! `myblog build`: sources in, `public/` out. Pages are written to a staging folder as they are
//! rendered (so a big site is never held in memory whole) and the folder is swapped in only
//! when everything succeeded: a build that fails anywhere leaves the previous `public/`
//! untouched. Unchanged files are hard links to the previous ones (their mtimes survive); a
//! build whose inputs did not change at all stops after a stat walk.
//!
//! This file is the order of the steps; each step is a module of its own.

mod cli;
mod fingerprint;
mod finish;
mod jobs;
mod markdown;
mod options;
mod output;
mod prepare;
mod published;
mod render;
mod resolver;
mod swap;
mod thumbnails;
mod timings;
mod write;

pub use cli::{run_cli, BuildArgs};
pub use finish::{finish, generated_files, in_sitemap, search_files};
pub use jobs::{home_pages, jobs, Job};
pub use markdown::render_markdown;
pub use options::{BuildOptions, ThumbnailMode};
pub use output::{Body, BuildReport, Output, SiteOutput};
pub use prepare::{
    build_assets, link_index, next_scheduled, prepare, prepare_with, resolve_templates, theme_templates, Bodies, Inputs, Prepared,
};
pub use published::{check_duplicates, is_published, settle_shared_urls};
pub use render::{collect_rendered, render_job};
pub use swap::{check_output_folder, recover_interrupted_swap};
pub use thumbnails::{photo_thumbnails, planned_thumbnails, thumbnail_options};
pub use write::{Sink, Staging};

use myblog_utils::Diagnostic;
use myblog_utils::Result;
use rayon::prelude::*;
use std::time::Instant;

/// Builds the site into `opts.output`.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let start = Instant::now();
    check_output_folder(&opts.root, &opts.output)?;
    recover_interrupted_swap(&opts.output)?;
    let fingerprint = timings::step("input fingerprint", || fingerprint::input_fingerprint(opts))?;
    if !opts.force && fingerprint::up_to_date(&opts.output, &fingerprint, opts.now) {
        return Ok(BuildReport { up_to_date: true, seconds: start.elapsed().as_secs_f64(), ..Default::default() });
    }
    let staging = Staging::begin(&opts.output)?;
    let site = render_site_into(opts, &Sink::Staging(&staging))?;
    let stamp = fingerprint::stamp(&fingerprint, site.next_scheduled);
    let mut report = timings::step("write and swap", || staging.commit(&site, Some(&stamp)))?;
    report.pages = site.page_count;
    report.files = site.outputs.len();
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Loads, renders and arranges everything in memory. Touches no output file.
pub fn render_site(opts: &BuildOptions) -> Result<SiteOutput> {
    render_site_into(opts, &Sink::Memory)
}

/// Loads and renders everything, handing each page to `sink` as it is made.
pub fn render_site_into(opts: &BuildOptions, sink: &Sink<'_>) -> Result<SiteOutput> {
    let config = crate::languages::site_config(opts)?;
    if config.is_multilingual() {
        // A language's pages move under its prefix only once every language is rendered (see
        // `languages::combine`), so they are kept in memory until then.
        let (builds, _) = crate::languages::prepare_languages(opts, &config)?;
        return crate::languages::render_languages(&builds, &config);
    }
    let prepared = timings::step("prepare", || prepare(opts))?;
    let jobs = jobs(&prepared);
    let results: Vec<std::result::Result<Result<Output>, Diagnostic>> =
        timings::step("render pages", || jobs.par_iter().map(|j| render_job(j, &prepared).map(|o| sink.take(o))).collect());
    let mut rendered = Vec::with_capacity(results.len());
    for r in results {
        rendered.push(match r {
            Ok(staged) => Ok(staged?),
            Err(d) => Err(d),
        });
    }
    let outputs = collect_rendered(rendered)?;
    timings::step("feeds, sitemap, static files", || finish(&prepared, outputs))
}
