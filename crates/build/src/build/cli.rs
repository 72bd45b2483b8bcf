//! `myblog build`'s arguments and what it prints.

use super::build;
use super::options::{BuildOptions, ThumbnailMode};
use super::output::BuildReport;
use myblog_utils::Result;
use std::path::{Path, PathBuf};

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

/// `myblog build`: one build, and one line about it unless `--quiet`.
pub fn run_cli(args: &BuildArgs) -> Result<()> {
    let mut opts = BuildOptions::from_args(args.root.as_deref(), args.output.as_deref(), args.drafts, args.base_url.as_deref())?;
    opts.force = args.force;
    opts.thumbnails = args.thumbnails;
    let report = build(&opts)?;
    if !args.quiet {
        print_report(&report, &opts.output);
    }
    Ok(())
}

fn print_report(report: &BuildReport, output: &Path) {
    if report.up_to_date {
        println!("Nothing changed since the last build ({:.2}s): {} is up to date.", report.seconds, output.display());
    } else {
        println!(
            "Built {} pages, {} files in {:.2}s: {} written, {} unchanged, {} removed -> {}",
            report.pages,
            report.files,
            report.seconds,
            report.written,
            report.unchanged,
            report.removed,
            output.display()
        );
    }
}
