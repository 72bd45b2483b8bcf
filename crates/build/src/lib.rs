//! myblog-build: sources to `public/`. The pipeline of a build (load, render in memory, write
//! a staging folder and swap it in, with the manifest), the incremental rebuild `serve` keeps
//! up to date, and `check`'s link audit.

mod body_deps;
mod build;
mod check;
mod deps;
mod incremental;
mod languages;
mod manifest_posts;

pub use build::{
    build, build_assets, check_duplicates, check_output_folder, collect_rendered, finish, generated_files, home_pages, is_published, jobs,
    link_index, photo_thumbnails, planned_thumbnails, prepare, prepare_with, recover_interrupted_swap, render_job, render_markdown,
    render_site, resolve_templates, run_cli, search_files, settle_shared_urls, thumbnail_options, Bodies, Body, BuildArgs, BuildOptions,
    BuildReport, Inputs, Job, Output, Prepared, SiteOutput, ThumbnailMode,
};
pub use check::{attr_values, check_links, run_cli as run_check, BrokenLink, CheckArgs};
pub use deps::{TemplateDeps, SUMMARY_FIELDS};
pub use incremental::{Change, Incremental};
pub use languages::{prepare_languages, render_languages, site_config, LanguageBuild};
pub use manifest_posts::manifest_posts;
