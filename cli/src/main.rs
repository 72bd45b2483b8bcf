//! The `myblog` command line: a thin layer of clap over the library.

use clap::{Parser, Subcommand};
use myblog::serve;
use std::process::ExitCode;

// A build allocates and frees millions of small strings and tera values on every core; glibc's
// allocator spent a third of a big build in malloc, free and consolidation (scripts/bench:
// mimalloc cuts the CPU of a 10,000-post re-render by a third; with huge pages off, below, its
// peak memory is lower than glibc's).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process: mimalloc asks for them, and the kernel then
/// zeroes and compacts 2 MB at a time, for 20% more peak memory on a build and more system time
/// on big ones (scripts/bench: 410 -> 323 MB on 10,000 posts at the same CPU).
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // Only a cost, never an error: a kernel without THP refuses and nothing changes.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

#[derive(Parser)]
#[command(name = "myblog", version, about = "Write markdown, build a fast static blog, publish it to S3 + CloudFront.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new blog in DIR from the built-in example.
    Init(myblog_scaffold::InitArgs),
    /// Create a new draft post (or page).
    New(myblog_scaffold::NewArgs),
    /// Build the site into public/.
    Build(myblog_build::BuildArgs),
    /// Build, serve locally and rebuild + live-reload on every change.
    Serve(serve::ServeArgs),
    /// Build and verify that every internal link, anchor and asset reference resolves.
    Check(myblog_build::CheckArgs),
    /// Publish public/ to S3, invalidate what changed on CloudFront, announce new posts.
    Deploy(myblog_deploy::DeployArgs),
    /// Count subscribers by status; --export writes the confirmed ones to a CSV file.
    Subscribers(myblog_deploy::SubscribersArgs),
    /// List the announced posts with their sent / suppressed / failed / still-queued counts.
    Announcements(myblog_deploy::AwsArgs),
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = Cli::parse();
    let result: anyhow::Result<()> = match cli.command {
        Command::Init(args) => myblog_scaffold::run_init(&args).map_err(Into::into),
        Command::New(args) => myblog_scaffold::run_new(&args).map_err(Into::into),
        Command::Build(args) => myblog_build::run_cli(&args).map_err(Into::into),
        Command::Serve(args) => serve::run_cli(args).map_err(Into::into),
        Command::Check(args) => myblog_build::run_check(&args).map_err(Into::into),
        Command::Deploy(args) => myblog_deploy::run_cli(args).map_err(Into::into),
        Command::Subscribers(args) => myblog_deploy::run_subscribers(&args).map_err(Into::into),
        Command::Announcements(args) => myblog_deploy::run_announcements(&args).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
