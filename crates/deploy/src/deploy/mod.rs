//! `myblog deploy`: ordered, minimal, crash-safe sync of public/ to S3, then a precise
//! CloudFront invalidation.
//!
//! The decisions live in [`plan`] (pure, unit-tested); this module orchestrates the I/O around
//! it: take the lease ([`lease`]), read the bucket (one listing, the remote manifest), then
//! write in the order that keeps the site consistent at every instant (hashed assets, other
//! files, pages, the remote manifest as the commit point — [`commit_remote_manifest`] — the
//! invalidation ([`invalidate`]), deletions). S3 reads and writes live in [`s3io`], what the
//! user sees in [`progress`] and [`report`]. A deploy interrupted anywhere leaves every page in
//! the bucket pointing at files that exist, and the next run finishes the job.
//!
//! Assumption about URLs: readers see the bucket prefix as the site root (CloudFront's origin
//! path maps it), and the site lives under base_url's path; so `<prefix>posts/x/index.html` is
//! invalidated as `<base path>/posts/x/` and `<base path>/posts/x/index.html`.

pub mod announce;
mod aws;
pub use aws::sdk_loader;
mod invalidate;
mod lease;
pub mod plan;
mod progress;
mod report;
mod s3io;
mod thumbs;

pub(crate) use aws::error_chain;
use aws::{AttemptCounter, Requests, Target};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use myblog_build::build;
use myblog_build::BuildOptions;
use myblog_config::MaxDeletes;
use myblog_config::SiteConfig;
use myblog_utils::manifest::Manifest;
use plan::{HeaderRules, Intent, Plan, PlanSettings, RemoteManifest, INTENT, REMOTE_MANIFEST};
use progress::Progress;
pub use report::{Failure, Summary};
use s3io::Precondition;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const DEFAULT_GRACE_DEPLOYS: u32 = 3;
pub const DEFAULT_GRACE_HOURS: u64 = 48;
pub const DEFAULT_INVALIDATION_LIMIT: usize = 15;
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * 1024 * 1024;
pub const DEFAULT_MAX_DELETES: u64 = 256;
pub const DEFAULT_LEASE_TTL: u64 = 300;
pub const DEFAULT_THUMBNAILS_WAIT: u64 = 60;

#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// The built site to publish (default: public/ in the blog's folder).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// S3 bucket (overrides [deploy] bucket and the stack's BucketName).
    #[arg(long)]
    pub bucket: Option<String>,
    /// Folder in the bucket where the site lives (overrides [deploy] prefix).
    #[arg(long)]
    pub prefix: Option<String>,
    /// CloudFront distribution id (overrides [deploy] distribution_id and the stack's DistributionId).
    #[arg(long)]
    pub distribution: Option<String>,
    /// Read bucket and distribution from this CloudFormation stack's outputs
    /// (BucketName, DistributionId).
    #[arg(long)]
    pub stack: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region of the bucket (overrides [deploy] region).
    #[arg(long)]
    pub region: Option<String>,
    /// Print what would be uploaded, deleted and invalidated; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before deleting files.
    #[arg(long, short)]
    pub yes: bool,
    /// Print the summary (or the plan) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Publish public/ as it is, without building first.
    #[arg(long)]
    pub no_build: bool,
    /// Wait until the CloudFront invalidation has completed.
    #[arg(long)]
    pub wait: bool,
    /// Delete however many files the plan says, even off a terminal (see `max_deletes`).
    #[arg(long)]
    pub force: bool,
    /// Allow up to N deletions off a terminal (overrides [deploy] max_deletes).
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    /// Wait up to this many seconds for another deploy to finish (default: [deploy] lease_wait, else 0).
    #[arg(long, value_name = "SECONDS")]
    pub lease_wait: Option<u64>,
    /// Take the deploy lease even if another deploy holds it (when you know it crashed).
    #[arg(long)]
    pub break_lease: bool,
    /// Seconds to wait for the thumbnail Lambda before making thumbnails here (default:
    /// [deploy] thumbnails_wait, else 60; 0 when no Lambda runs).
    #[arg(long, value_name = "SECONDS")]
    pub thumbnails_wait: Option<u64>,
    /// Do not email the posts this deploy publishes to subscribers (they count as published:
    /// a later deploy does not announce them either).
    #[arg(long)]
    pub no_announce: bool,
}

const RESUME: &str = "The site in the bucket is still consistent; run `myblog deploy` again to finish.";

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Build(#[from] myblog_utils::Error),
    #[error(transparent)]
    Manifest(#[from] myblog_utils::manifest::ManifestError),
    #[error("no build manifest in {0}: run `myblog build` first (or deploy without --no-build)")]
    NoLocalManifest(PathBuf),
    #[error("{path} changed since the build (size {found}, the manifest says {expected}): run `myblog build`, then deploy")]
    Stale { path: String, expected: u64, found: u64 },
    #[error("no bucket to deploy to: set `bucket` under [deploy] in site.toml, pass --bucket NAME, or --stack NAME")]
    NoBucket,
    #[error("invalid [deploy] setting: {0}")]
    Config(String),
    #[error("no AWS credentials found ({0}). Set AWS_PROFILE or pass --profile, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    NoCredentials(String),
    #[error("bucket {0:?} does not exist (or is not visible to these credentials): create it (the infra stack does), or fix `bucket` in [deploy] / --bucket")]
    NoSuchBucket(String),
    #[error("access denied while {what}: {detail}. The credentials in use need s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket, and cloudfront:CreateInvalidation and cloudfront:GetInvalidation on the distribution; check --profile / AWS_PROFILE")]
    AccessDenied { what: String, detail: String },
    #[error("CloudFront distribution {0:?} does not exist: fix `distribution_id` in [deploy] / --distribution (the stack output DistributionId). Nothing was uploaded")]
    NoSuchDistribution(String),
    #[error("s3://{bucket}/{key} was written by a newer myblog (remote manifest version {found}, this one understands up to {}). Upgrade myblog before deploying to this bucket", plan::REMOTE_MANIFEST_VERSION)]
    RemoteTooNew { bucket: String, key: String, found: u32 },
    #[error("s3://{bucket}/{key} is not a valid myblog remote manifest ({detail}). Delete that object to make the next deploy upload everything again")]
    RemoteCorrupt { bucket: String, key: String, detail: String },
    #[error("cannot read CloudFormation stack {stack:?}: {detail}. Check the stack name and region (--region)")]
    Stack { stack: String, detail: String },
    #[error(
        "CloudFormation stack {stack:?} has no output {output:?}: add it to the template's Outputs, or pass --bucket / --distribution"
    )]
    StackOutput { stack: String, output: String },
    #[error("refusing to invalidate: {0}")]
    Invalidation(String),
    #[error("{what} failed: {detail}\n  {RESUME}")]
    Aws { what: String, detail: String },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("deploy cancelled: nothing was changed")]
    Cancelled,
    #[error(transparent)]
    Announce(#[from] announce::AnnounceError),
    #[error("another deploy is running: {holder} holds {lease} since {since}. Wait for it to finish and deploy again, or pass --lease-wait SECONDS to wait for it; if it crashed, its lease is taken over {ttl} s after its last renewal, or at once with --break-lease")]
    Locked { lease: String, holder: String, since: String, ttl: u64 },
    #[error("another deploy committed to s3://{bucket}/{key} while this one was running, so this one committed nothing (the site in the bucket is the other deploy's, and consistent). Run `myblog deploy` again to publish this build on top of it")]
    CommitConflict { bucket: String, key: String },
    #[error("this deploy lost its lease on s3://{bucket} (not renewed in time, taken over by another deploy or deleted) and stopped {at}. Run `myblog deploy` again: it plans afresh from what the bucket holds")]
    LeaseLost { bucket: String, at: &'static str },
    #[error("bucket {bucket:?} is in region {}, not the one in use: pass --region {}, or set `region` under [deploy] in site.toml (or the region of --profile)", region.as_deref().unwrap_or("another region"), region.as_deref().unwrap_or("REGION"))]
    WrongRegion { bucket: String, region: Option<String> },
    #[error("refusing to delete {count} files (the limit off a terminal is {limit}, `max_deletes` in [deploy]): is this the right folder and bucket? If so, pass --max-deletes {count} or --force. Nothing was changed")]
    TooManyDeletes { count: usize, limit: u64 },
    #[error("cannot make the thumbnails of {photo}: {detail}. Nothing that references them was uploaded; fix or remove the photo and build again")]
    Thumbnails { photo: String, detail: String },
    #[error("CloudFront distribution {distribution} is still busy with other invalidations ({wildcards} wildcard, {files} file paths in progress). The new site is committed and consistent; run `myblog deploy` again later to invalidate and clean up")]
    InvalidationBusy { distribution: String, wildcards: usize, files: usize },
}

/// What every step of a deploy shares: the clients, the target, the counters.
struct Ctx {
    sdk: aws_config::SdkConfig,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    target: Target,
    region: Option<String>,
    output: PathBuf,
    requests: Requests,
    attempts: AttemptCounter,
    multipart_threshold: u64,
    concurrency: usize,
    progress: Progress,
    /// Multipart uploads cut short, to abort before exiting (see `s3io::AbortOnDrop`).
    abandoned: Mutex<Vec<(String, String)>>,
    /// Microseconds the last plan took (reported for the benchmark).
    plan_seconds: AtomicU64,
}

impl Ctx {
    fn key(&self, path: &str) -> String {
        format!("{}{path}", self.target.prefix)
    }
    fn err<E>(&self, e: SdkError<E, HttpResponse>, what: impl Into<String>) -> DeployError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        aws::aws_err(e, what, &self.target.bucket, self.target.distribution.as_deref())
    }
}

pub fn run_cli(args: DeployArgs) -> Result<(), DeployError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| DeployError::Io { path: PathBuf::from("tokio runtime"), source })?;
    let committed = AtomicBool::new(false);
    let result = runtime.block_on(run_tracked(&args, &committed)).map(|_| ());
    if let (Err(e), true) = (&result, args.json) {
        report::print_failure(e, committed.load(Ordering::SeqCst));
    }
    result
}

/// Builds (unless `--no-build`), plans and deploys; returns the summary it printed.
pub async fn run(args: &DeployArgs) -> Result<Summary, DeployError> {
    run_tracked(args, &AtomicBool::new(false)).await
}

/// [`run`], setting `committed` once the remote manifest of the new site is written (so a
/// failure can say whether the new site is live).
pub async fn run_tracked(args: &DeployArgs, committed: &AtomicBool) -> Result<Summary, DeployError> {
    let start = Instant::now();
    let mut opts = BuildOptions::from_args(args.root.as_deref(), args.output.as_deref(), false, None)?;
    let config = SiteConfig::load(&opts.root)?;
    // Say what is missing before building or asking for credentials.
    let dc = &config.deploy;
    if args.bucket.is_none() && args.stack.is_none() && dc.bucket.is_none() && dc.stack.is_none() {
        return Err(DeployError::NoBucket);
    }
    if !args.no_build {
        opts.force = false;
        let report = tokio::task::block_in_place(|| build(&opts))?;
        if !args.json {
            if report.up_to_date {
                eprintln!("Build: up to date.");
            } else {
                eprintln!("Built {} pages, {} files in {:.2}s.", report.pages, report.files, report.seconds);
            }
        }
    }
    let local = Manifest::load(&opts.output)?.ok_or_else(|| DeployError::NoLocalManifest(opts.output.clone()))?;
    let rules = HeaderRules::new(&dc.cache).map_err(|(glob, e)| DeployError::Config(format!("cache rule glob {glob:?}: {e}")))?;
    let settings = PlanSettings {
        grace_deploys: dc.grace_deploys.unwrap_or(DEFAULT_GRACE_DEPLOYS),
        grace_hours: dc.grace_hours.unwrap_or(DEFAULT_GRACE_HOURS),
        invalidation_limit: dc.invalidation_limit.unwrap_or(DEFAULT_INVALIDATION_LIMIT),
        url_base: config.base_path().to_string(),
    };
    if settings.invalidation_limit == 0 || settings.invalidation_limit > plan::MAX_INVALIDATION_PATHS {
        return Err(DeployError::Config(format!(
            "invalidation_limit must be between 1 and {}, not {}",
            plan::MAX_INVALIDATION_PATHS,
            settings.invalidation_limit
        )));
    }
    let concurrency = dc.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    if concurrency == 0 {
        return Err(DeployError::Config("concurrency must be at least 1".into()));
    }
    if let Some(MaxDeletes::Fraction(f)) = dc.max_deletes {
        if !(f > 0.0 && f <= 1.0) {
            return Err(DeployError::Config(format!("max_deletes as a fraction must be above 0 and at most 1, not {f}")));
        }
    }

    let sdk = aws::load_sdk_config(args, &config).await?;
    let requests = Requests::default();
    let attempts = AttemptCounter::default();
    let target = aws::resolve_target(args, &config, &sdk, &requests).await?;
    let s3_conf = aws_sdk_s3::config::Builder::from(&sdk)
        // Custom endpoints (emulators, S3-compatible stores) rarely resolve virtual-host names.
        .force_path_style(sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some())
        // Checksums only where S3 requires them (DeleteObjects): PutObject bodies then stream
        // without aws-chunked framing.
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .interceptor(attempts.clone())
        .build();
    let cloudfront_conf = aws_sdk_cloudfront::config::Builder::from(&sdk).interceptor(attempts.clone()).build();
    let ctx = Ctx {
        sdk: sdk.clone(),
        s3: aws_sdk_s3::Client::from_conf(s3_conf),
        cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront_conf),
        attempts,
        target,
        region: sdk.region().map(|r| r.to_string()),
        output: opts.output.clone(),
        requests,
        multipart_threshold: dc.multipart_threshold.unwrap_or(DEFAULT_MULTIPART_THRESHOLD).max(5 * 1024 * 1024),
        concurrency,
        progress: Progress::new(args.json, std::io::stderr().is_terminal()),
        abandoned: Mutex::new(Vec::new()),
        plan_seconds: AtomicU64::new(0),
    };
    let job = Job { args, config: &config, local: &local, rules: &rules, settings: &settings, start };

    // A first read without the lease: a dry run, or a deploy with nothing to do, writes nothing
    // (not even the lease), so it costs one listing and the manifest read.
    let (plan, remote) = read_and_plan(&ctx, &job).await?;
    if args.dry_run {
        remote.print_announce_notes(args.json);
        let mut summary = summary(&ctx, &plan, true, None, None, Vec::new(), start);
        summary.announced = remote.announcing.iter().map(|a| a.path.clone()).collect();
        report::print_plan(&plan, &summary, args.json);
        return Ok(summary);
    }
    if plan.is_noop() && !(remote.had_intent && plan.intent.is_empty()) && remote.announcing.is_empty() {
        remote.print_announce_notes(args.json);
        let summary = summary(&ctx, &plan, false, None, None, Vec::new(), start);
        report::print_summary(&summary, args.json);
        return Ok(summary);
    }
    let lease_opts = lease::LeaseOptions {
        wait: Duration::from_secs(args.lease_wait.or(dc.lease_wait).unwrap_or(0)),
        ttl: Duration::from_secs(dc.lease_ttl.unwrap_or(DEFAULT_LEASE_TTL).max(3)),
        force: args.break_lease,
    };
    let lease = lease::acquire(&ctx, &lease_opts).await?;
    let result = deploy_leased(&ctx, &job, &lease, (plan, remote), committed).await;
    s3io::abort_abandoned(&ctx).await;
    lease.release(&ctx).await;
    let mut summary = result?;
    // Counted after the release, so the counts are the whole run's.
    summary.requests = ctx.requests.snapshot();
    summary.attempts = ctx.attempts.0.load(Ordering::Relaxed);
    summary.seconds = start.elapsed().as_secs_f64();
    report::print_summary(&summary, args.json);
    Ok(summary)
}

/// The inputs of one deploy, resolved.
struct Job<'a> {
    args: &'a DeployArgs,
    config: &'a SiteConfig,
    local: &'a Manifest,
    rules: &'a HeaderRules,
    settings: &'a PlanSettings,
    start: Instant,
}

/// What the bucket held when read.
struct Remote {
    /// The ETag of the remote manifest read (`None`: there was none): the commit's precondition.
    manifest_etag: Option<String>,
    had_intent: bool,
    listing: std::collections::BTreeMap<String, plan::Listed>,
    /// New posts to announce after the commit (see [`plan_announcements`]).
    announcing: Vec<crate::announcements::Announcement>,
    /// What to tell the author about them, printed once for the plan that is carried out.
    announce_notes: Vec<String>,
}

impl Remote {
    fn print_announce_notes(&self, json: bool) {
        if !json {
            for n in &self.announce_notes {
                eprintln!("{n}");
            }
        }
    }
}

/// Reads the remote state (one listing, 1 request per 1000 objects; the manifest and intent
/// objects if present) and plans.
async fn read_and_plan(ctx: &Ctx, job: &Job<'_>) -> Result<(Plan, Remote), DeployError> {
    let listing = s3io::list(ctx).await?;
    let (remote, manifest_etag) = match listing.get(REMOTE_MANIFEST) {
        Some(_) => match s3io::read_remote_manifest(ctx).await? {
            Some((m, etag)) => (Some(m), Some(etag)),
            None => (None, None),
        },
        None => (None, None),
    };
    let intent = match listing.get(INTENT) {
        Some(_) => s3io::read_intent(ctx).await?,
        None => None,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let planning = Instant::now();
    let mut plan = plan::plan(job.local, remote.as_ref(), intent.as_ref(), &listing, job.rules, job.settings, now);
    ctx.plan_seconds.store(planning.elapsed().as_micros() as u64, Ordering::Relaxed);
    plan::validate_invalidation(&plan.invalidation).map_err(DeployError::Invalidation)?;
    let (announcing, announce_notes) = plan_announcements(&mut plan, job.local, remote.as_ref(), job.config, job.args);
    Ok((plan, Remote { manifest_etag, had_intent: intent.is_some(), listing, announcing, announce_notes }))
}

/// The largest deletion allowed without `--force` off a terminal.
fn deletion_limit(args: &DeployArgs, config: &SiteConfig, site_files: usize) -> u64 {
    if let Some(n) = args.max_deletes {
        return n;
    }
    match config.deploy.max_deletes {
        None => DEFAULT_MAX_DELETES,
        Some(MaxDeletes::Count(n)) => n,
        Some(MaxDeletes::Fraction(f)) => (f * site_files as f64).ceil() as u64,
    }
}

/// Whether the bucket may have changed since `first` was read (before the lease was ours):
/// another deploy held the lease then, or has committed or left an intent since. One request
/// (the listing of myblog's state folder) instead of listing the whole site again.
async fn changed_since(ctx: &Ctx, first: &Remote) -> Result<bool, DeployError> {
    if first.listing.contains_key(plan::LEASE) {
        return Ok(true);
    }
    let now = s3io::list_under(ctx, plan::STATE_DIR).await?;
    let etag = |l: &std::collections::BTreeMap<String, plan::Listed>, k: &str| l.get(k).map(|x| x.etag.clone());
    Ok([REMOTE_MANIFEST, INTENT].iter().any(|k| etag(&now, k) != etag(&first.listing, k)))
}

/// Everything a deploy does while holding the lease, starting from the plan made before it
/// was taken, or a fresh one if another deploy may have changed the bucket meanwhile.
async fn deploy_leased(
    ctx: &Ctx,
    job: &Job<'_>,
    lease: &lease::Lease,
    first: (Plan, Remote),
    committed: &AtomicBool,
) -> Result<Summary, DeployError> {
    let args = job.args;
    let (plan, remote) = if changed_since(ctx, &first.1).await? { read_and_plan(ctx, job).await? } else { first };
    remote.print_announce_notes(args.json);
    let stale_intent = remote.had_intent && plan.intent.is_empty();
    if plan.is_noop() && !stale_intent && remote.announcing.is_empty() {
        return Ok(summary(ctx, &plan, false, None, None, Vec::new(), job.start));
    }
    if plan.deletions() > 0 {
        let terminal = std::io::stdin().is_terminal();
        let limit = deletion_limit(args, job.config, plan.next.files.len() + plan.deletions());
        if !terminal && !args.force && plan.deletions() as u64 > limit {
            return Err(DeployError::TooManyDeletes { count: plan.deletions(), limit });
        }
        if terminal && !args.yes && !report::confirm(&plan)? {
            return Err(DeployError::Cancelled);
        }
    }
    // A wrong distribution must stop the deploy before anything is written.
    if let Some(id) = &ctx.target.distribution {
        invalidate::check_distribution(ctx, id).await?;
    }

    // The lease is checked before each phase that writes: a deploy that lost it stops at the
    // next one instead of writing on under another deploy.
    lease.hold(ctx, "before uploading anything")?;
    if !plan.intent.is_empty() {
        let body = serde_json::to_vec(&Intent { version: 1, paths: plan.intent.clone() }).unwrap_or_default();
        s3io::put_state(ctx, INTENT, body, Precondition::None).await?;
    }
    let mut next = plan.next.clone();
    ctx.progress.start(plan.uploads.len(), plan.upload_bytes());
    let mut etags = s3io::upload_all(ctx, &plan, &[plan::Phase::HashedAssets, plan::Phase::OtherFiles]).await?;
    // The photos are up: the pages must wait for their thumbnails.
    let options = myblog_build::thumbnail_options(job.config);
    let missing = thumbs::missing(job.local, &remote.listing, &ctx.output, &options)?;
    let wait = Duration::from_secs(args.thumbnails_wait.or(job.config.deploy.thumbnails_wait).unwrap_or(DEFAULT_THUMBNAILS_WAIT));
    let made = thumbs::ensure(ctx, missing, wait, &options).await?;
    lease.hold(ctx, "before uploading its pages, so it committed nothing")?;
    etags.extend(s3io::upload_all(ctx, &plan, &[plan::Phase::NewPages, plan::Phase::Pages]).await?);
    ctx.progress.finish();
    for f in &mut next.files {
        // An endpoint that returns no ETag leaves none recorded (an empty one would look
        // like a hand-replaced object on every later deploy).
        if let Some(etag) = etags.get(&f.path).filter(|e| !e.is_empty()) {
            f.etag = Some(etag.clone());
        }
    }
    lease.hold(ctx, "before its commit, so it committed nothing")?;
    let mut manifest_etag = remote.manifest_etag;
    commit_remote_manifest(ctx, &next, &mut manifest_etag).await?;
    committed.store(true, Ordering::SeqCst);
    let mut invalidation = None;
    if !plan.invalidate_all.is_empty() {
        match &ctx.target.distribution {
            Some(id) => {
                invalidation = Some(
                    invalidate::invalidate(ctx, id, &plan.invalidate_all, job.settings.invalidation_limit, args.wait, plan.deploy).await?,
                )
            }
            None => ctx
                .progress
                .note("warning: no CloudFront distribution configured (distribution_id / --distribution / --stack): nothing invalidated"),
        }
    }
    // Announced once the new pages are live and their URLs invalidated: a subscriber who clicks
    // at once must not meet a cached 404.
    let written = if remote.announcing.is_empty() {
        announce::Written::default()
    } else {
        let config = job.config;
        let table = crate::stack::table(
            &ctx.sdk,
            config.subscribe.announcements_table.as_deref(),
            args.stack.as_deref().or(config.deploy.stack.as_deref()),
            "AnnouncementsTable",
            "announcements_table",
        )
        .await
        .map_err(announce::AnnounceError::from)?;
        let dynamo = aws_sdk_dynamodb::Client::new(&ctx.sdk);
        announce::write(&dynamo, &table, &remote.announcing, plan.deploy).await?
    };
    // Pages first, so no page left in the bucket points at a file already deleted. Never a
    // delete without the lease: another deploy may already be using what this one would delete
    // (the pending deletions are in the committed manifest, so the next deploy does them).
    let held = || lease.hold(ctx, "after its commit, before deleting old files (the next deploy deletes them)");
    s3io::delete(ctx, &plan.delete_pages, &held).await?;
    let mut other: Vec<String> = plan.delete_other.clone();
    if remote.had_intent || !plan.intent.is_empty() {
        other.push(INTENT.to_string());
    }
    s3io::delete(ctx, &other, &held).await?;
    if next.pending != plan::Pending::default() {
        next.pending = plan::Pending::default();
        commit_remote_manifest(ctx, &next, &mut manifest_etag).await?;
    }
    let (id, paths) = invalidation.unzip();
    let mut summary = summary(ctx, &plan, false, Some(plan.deploy), id, paths.unwrap_or_default(), job.start);
    summary.thumbnails_made_locally = made;
    summary.announced = written.announced;
    summary.already_announced = written.already;
    Ok(summary)
}

/// Settles what this deploy announces (new posts, plus any left over by an interrupted deploy)
/// and records it, with the posts now published, in the manifest to commit.
fn plan_announcements(
    plan: &mut Plan,
    local: &Manifest,
    remote: Option<&RemoteManifest>,
    config: &SiteConfig,
    args: &DeployArgs,
) -> (Vec<crate::announcements::Announcement>, Vec<String>) {
    let mut notes = Vec::new();
    // A bucket deployed before announcements existed: what it has is the backlog.
    let published: Option<std::collections::BTreeSet<String>> =
        remote.map(|r| r.posts.clone().unwrap_or_else(|| local.posts.iter().map(|p| p.path.clone()).collect()).into_iter().collect());
    let sub = &config.subscribe;
    let has_table = sub.announcements_table.is_some() || args.stack.is_some() || config.deploy.stack.is_some();
    let hold = if args.no_announce {
        Some("--no-announce")
    } else if !sub.enabled {
        Some("[subscribe] enabled = false")
    } else if !has_table {
        Some("no announcements table: set [subscribe] announcements_table or deploy with --stack")
    } else {
        None
    };
    let published_keys: std::collections::BTreeSet<String> =
        remote.and_then(|r| r.post_keys.clone()).unwrap_or_default().into_iter().collect();
    let published = published.map(|paths| crate::announcements::Published { paths, keys: published_keys });
    let (mut list, skipped) =
        crate::announcements::select(&local.posts, published.as_ref(), sub.announce_within_days, time::OffsetDateTime::now_utc(), hold);
    for s in &skipped {
        notes.push(format!("Not announced: {} ({})", s.path, s.reason));
    }
    // Left over by an interrupted deploy: announced now, unless this deploy says not to (the
    // way out when the announcements table is gone for good).
    for left in remote.map(|r| r.pending.announce.as_slice()).unwrap_or_default() {
        if args.no_announce {
            notes.push(format!("Not announced: {} (--no-announce; an earlier deploy had left it to announce)", left.path));
        } else if !list.iter().any(|a| a.path == left.path) {
            list.push(left.clone());
        }
    }
    plan.next.posts = Some(local.posts.iter().map(|p| p.path.clone()).collect());
    plan.next.post_keys = Some(local.posts.iter().flat_map(|p| p.identity_keys()).collect());
    plan.next.pending.announce = list.clone();
    for a in &list {
        notes.push(format!("{} {} ({})", if args.dry_run { "Would announce:" } else { "Announcing:" }, a.title, a.path));
    }
    (list, notes)
}

fn manifest_json(m: &RemoteManifest) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(m).unwrap_or_default();
    v.push(b'\n');
    v
}

/// The commit point: from the moment this write succeeds, the bucket describes the new site.
/// Conditional on the remote manifest still being the one this deploy read (`If-Match` on its
/// ETag, or `If-None-Match: *` when there was none), so a deploy that lost the race to another
/// commits nothing instead of undoing the other's work. `etag` becomes the new manifest's ETag,
/// the precondition of a later write by this deploy.
async fn commit_remote_manifest(ctx: &Ctx, next: &RemoteManifest, etag: &mut Option<String>) -> Result<(), DeployError> {
    let cond = match etag.as_deref() {
        Some(e) if !e.is_empty() => Precondition::Is(e.to_string()),
        // An endpoint that gave no ETag cannot be compared against: the lease alone guards.
        Some(_) => Precondition::None,
        None => Precondition::Absent,
    };
    let body = manifest_json(next);
    match s3io::put_state(ctx, REMOTE_MANIFEST, body.clone(), cond).await? {
        Some(new) => {
            *etag = Some(new);
            Ok(())
        }
        // Refused: another deploy committed, or this very write applied and its answer was lost
        // (the SDK's retry then fails its own precondition). Only the bytes tell them apart: a
        // manifest carries its deploy number and time, so no other deploy writes the same.
        None => match s3io::get_bytes(ctx, REMOTE_MANIFEST).await? {
            Some((there, their_etag)) if there == body => {
                *etag = Some(their_etag);
                Ok(())
            }
            _ => Err(DeployError::CommitConflict { bucket: ctx.target.bucket.clone(), key: ctx.key(REMOTE_MANIFEST) }),
        },
    }
}

fn summary(
    ctx: &Ctx,
    plan: &Plan,
    dry_run: bool,
    deploy: Option<u64>,
    invalidation_id: Option<String>,
    invalidation_paths: Vec<String>,
    start: Instant,
) -> Summary {
    let noop = plan.is_noop();
    Summary {
        dry_run,
        bucket: ctx.target.bucket.clone(),
        prefix: ctx.target.prefix.clone(),
        region: ctx.region.clone(),
        distribution: ctx.target.distribution.clone(),
        deploy: if noop { None } else { deploy },
        uploaded: plan.uploads.len(),
        unchanged: plan.unchanged,
        deleted: plan.deletions(),
        kept_for_grace: plan.kept.len(),
        bytes_uploaded: plan.upload_bytes(),
        requests: ctx.requests.snapshot(),
        attempts: ctx.attempts.0.load(Ordering::Relaxed),
        invalidation_id,
        invalidation_paths: if dry_run && ctx.target.distribution.is_some() { plan.invalidation.clone() } else { invalidation_paths },
        uploads: plan.uploads.iter().map(|u| u.file.path.clone()).collect(),
        deletions: plan.delete_pages.iter().chain(&plan.delete_other).cloned().collect(),
        thumbnails_made_locally: Vec::new(),
        announced: Vec::new(),
        already_announced: Vec::new(),
        plan_seconds: ctx.plan_seconds.load(Ordering::Relaxed) as f64 / 1e6,
        seconds: start.elapsed().as_secs_f64(),
    }
}
