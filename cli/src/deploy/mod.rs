//! `myblog deploy`: ordered, minimal, crash-safe sync of public/ to S3, then a precise
//! CloudFront invalidation.
//!
//! The decisions live in [`plan`] (pure, unit-tested); this module does the I/O around it:
//! read the bucket (one listing, the remote manifest), then write in the order that keeps the
//! site consistent at every instant (hashed assets, other files, pages, the remote manifest as
//! the commit point, the invalidation, deletions). A deploy interrupted anywhere leaves every
//! page in the bucket pointing at files that exist, and the next run finishes the job.
//!
//! Assumption about URLs: readers see the bucket prefix as the site root (CloudFront's origin
//! path maps it), and the site lives under base_url's path; so `<prefix>posts/x/index.html` is
//! invalidated as `<base path>/posts/x/` and `<base path>/posts/x/index.html`.

pub mod announce;
pub mod plan;

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::ProvideCredentials;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::build::{build, BuildOptions};
use crate::config::SiteConfig;
use crate::manifest::Manifest;
use plan::{HeaderRules, Intent, Listed, Plan, PlanSettings, RemoteFile, RemoteManifest, INTENT, REMOTE_MANIFEST, STATE_CACHE_CONTROL};

pub const DEFAULT_GRACE_DEPLOYS: u32 = 3;
pub const DEFAULT_INVALIDATION_LIMIT: usize = 15;
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * 1024 * 1024;
const PART_SIZE: u64 = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

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
    /// Do not email the posts this deploy publishes to subscribers (they count as published:
    /// a later deploy does not announce them either).
    #[arg(long)]
    pub no_announce: bool,
}

const RESUME: &str = "The site in the bucket is still consistent; run `myblog deploy` again to finish.";

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Build(#[from] crate::Error),
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
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
    #[error("access denied while {what}: {detail}. The credentials in use need s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket, and cloudfront:GetDistribution and cloudfront:CreateInvalidation on the distribution; check --profile / AWS_PROFILE")]
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
}

/// An error and its sources on one line (`dispatch failure: io error: connection refused`),
/// without the SDK's debug dump.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        // Wrappers often repeat their source's message; keep each piece once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Turns an SDK error into the error a user can act on.
fn aws_err<E, R>(e: SdkError<E, R>, what: impl Into<String>, bucket: &str, distribution: Option<&str>) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let what = what.into();
    match e.code() {
        Some("NoSuchBucket") => DeployError::NoSuchBucket(bucket.to_string()),
        Some("NoSuchDistribution") => DeployError::NoSuchDistribution(distribution.unwrap_or_default().to_string()),
        Some(
            "AccessDenied"
            | "AllAccessDisabled"
            | "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException",
        ) => DeployError::AccessDenied { what, detail: e.message().unwrap_or("access denied").to_string() },
        _ => DeployError::Aws { what, detail: error_chain(&e) },
    }
}

/// Requests sent, by kind (each SDK operation once, whatever its retries).
#[derive(Default)]
struct Requests {
    list: AtomicU64,
    get: AtomicU64,
    put: AtomicU64,
    multipart: AtomicU64,
    delete: AtomicU64,
    cloudfront: AtomicU64,
    cloudformation: AtomicU64,
}

impl Requests {
    fn add(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("list", &self.list),
            ("get", &self.get),
            ("put", &self.put),
            ("multipart", &self.multipart),
            ("delete", &self.delete),
            ("cloudfront", &self.cloudfront),
            ("cloudformation", &self.cloudformation),
        ] {
            m.insert(k, v.load(Ordering::Relaxed));
        }
        m
    }
}

/// Counts HTTP attempts, retries included, which the per-operation counters cannot see.
#[derive(Debug, Clone, Default)]
struct AttemptCounter(std::sync::Arc<AtomicU64>);

impl aws_sdk_s3::config::Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "myblog-attempt-counter"
    }
    fn read_before_attempt(
        &self,
        _context: &aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_s3::config::RuntimeComponents,
        _cfg: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Where and how to deploy, resolved from flags, site.toml and the stack.
struct Target {
    bucket: String,
    /// `""` or `folder/`.
    prefix: String,
    distribution: Option<String>,
}

struct Ctx {
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    target: Target,
    output: PathBuf,
    requests: Requests,
    attempts: AttemptCounter,
    multipart_threshold: u64,
    concurrency: usize,
    progress: ProgressBar,
}

impl Ctx {
    fn key(&self, path: &str) -> String {
        format!("{}{path}", self.target.prefix)
    }
    fn err<E, R>(&self, e: SdkError<E, R>, what: impl Into<String>) -> DeployError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        aws_err(e, what, &self.target.bucket, self.target.distribution.as_deref())
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub dry_run: bool,
    pub bucket: String,
    pub prefix: String,
    pub distribution: Option<String>,
    /// The deploy number committed (absent when nothing needed writing).
    pub deploy: Option<u64>,
    pub uploaded: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub kept_for_grace: usize,
    pub bytes_uploaded: u64,
    pub requests: BTreeMap<&'static str, u64>,
    /// HTTP attempts to S3 and CloudFront, retries included.
    pub attempts: u64,
    pub invalidation_id: Option<String>,
    pub invalidation_paths: Vec<String>,
    pub uploads: Vec<String>,
    pub deletions: Vec<String>,
    /// Posts announced to subscribers by this deploy (with `--dry-run`: that would be).
    pub announced: Vec<String>,
    /// New posts an earlier deploy had announced already (nothing sent again).
    pub already_announced: Vec<String>,
    pub seconds: f64,
}

pub fn run_cli(args: DeployArgs) -> Result<(), DeployError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| DeployError::Io { path: PathBuf::from("tokio runtime"), source })?;
    runtime.block_on(run(&args)).map(|_| ())
}

/// Builds (unless `--no-build`), plans and deploys; returns the summary it printed.
pub async fn run(args: &DeployArgs) -> Result<Summary, DeployError> {
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

    let sdk = load_sdk_config(args, &config).await?;
    let requests = Requests::default();
    let attempts = AttemptCounter::default();
    let target = resolve_target(args, &config, &sdk, &requests).await?;
    let s3_conf = aws_sdk_s3::config::Builder::from(&sdk)
        // Custom endpoints (emulators, S3-compatible stores) rarely resolve virtual-host names.
        .force_path_style(sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some())
        // Checksums only where S3 requires them (DeleteObjects): PutObject bodies then stream
        // without aws-chunked framing.
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .interceptor(attempts.clone())
        .build();
    let cloudfront_conf = aws_sdk_cloudfront::config::Builder::from(&sdk).interceptor(attempts.clone()).build();
    let quiet_progress = args.json || !std::io::stderr().is_terminal();
    let ctx = Ctx {
        s3: aws_sdk_s3::Client::from_conf(s3_conf),
        cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront_conf),
        attempts,
        target,
        output: opts.output.clone(),
        requests,
        multipart_threshold: dc.multipart_threshold.unwrap_or(DEFAULT_MULTIPART_THRESHOLD).max(5 * 1024 * 1024),
        concurrency,
        progress: if quiet_progress { ProgressBar::hidden() } else { ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()) },
    };

    // Read the remote state: one listing (1 request per 1000 objects), the manifest if present.
    let listing = list(&ctx).await?;
    let remote = match listing.get(REMOTE_MANIFEST) {
        Some(_) => Some(read_remote_manifest(&ctx).await?),
        None => None,
    };
    let intent = match listing.get(INTENT) {
        Some(_) => read_intent(&ctx).await?,
        None => None,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut plan = plan::plan(&local, remote.as_ref(), intent.as_ref(), &listing, &rules, &settings, now);
    plan::validate_invalidation(&plan.invalidation).map_err(DeployError::Invalidation)?;
    let announcing = plan_announcements(&mut plan, &local, remote.as_ref(), &config, args);

    if args.dry_run {
        let mut summary = summary(&ctx, &plan, true, None, None, start);
        summary.announced = announcing.iter().map(|a| a.path.clone()).collect();
        print_plan(&plan, &summary, args.json);
        return Ok(summary);
    }
    let stale_intent = intent.is_some() && plan.intent.is_empty();
    if plan.is_noop() && !stale_intent && announcing.is_empty() {
        let summary = summary(&ctx, &plan, false, None, None, start);
        print_summary(&summary, args.json);
        return Ok(summary);
    }
    if plan.deletions() > 0 && !args.yes && std::io::stdin().is_terminal() && !confirm(&plan)? {
        return Err(DeployError::Cancelled);
    }
    // A wrong distribution must stop the deploy before anything is written.
    if let Some(id) = &ctx.target.distribution {
        Requests::add(&ctx.requests.cloudfront);
        ctx.cloudfront.get_distribution().id(id).send().await.map_err(|e| ctx.err(e, format!("reading CloudFront distribution {id}")))?;
    }

    if !plan.intent.is_empty() {
        let body = serde_json::to_vec(&Intent { version: 1, paths: plan.intent.clone() }).unwrap_or_default();
        put_state(&ctx, INTENT, body).await?;
    }
    let mut next = plan.next.clone();
    let etags = upload_all(&ctx, &plan).await?;
    ctx.progress.finish_and_clear();
    for f in &mut next.files {
        // An endpoint that returns no ETag leaves none recorded (an empty one would look
        // like a hand-replaced object on every later deploy).
        if let Some(etag) = etags.get(&f.path).filter(|e| !e.is_empty()) {
            f.etag = Some(etag.clone());
        }
    }
    // The commit point: from here on the bucket describes the new site.
    put_state(&ctx, REMOTE_MANIFEST, manifest_json(&next)).await?;
    let written = if announcing.is_empty() {
        announce::Written::default()
    } else {
        let table = crate::stack::table(
            &sdk,
            config.subscribe.announcements_table.as_deref(),
            args.stack.as_deref().or(config.deploy.stack.as_deref()),
            "AnnouncementsTable",
            "announcements_table",
        )
        .await
        .map_err(announce::AnnounceError::from)?;
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
        announce::write(&dynamo, &table, &announcing, plan.deploy).await?
    };

    let mut invalidation_id = None;
    if !plan.invalidation.is_empty() {
        match &ctx.target.distribution {
            Some(id) => invalidation_id = Some(invalidate(&ctx, id, &plan.invalidation, args.wait, plan.deploy).await?),
            None => {
                eprintln!(
                    "warning: no CloudFront distribution configured (distribution_id / --distribution / --stack): nothing invalidated"
                )
            }
        }
    }
    // Pages first, so no page left in the bucket points at a file already deleted.
    delete(&ctx, &plan.delete_pages).await?;
    let mut other: Vec<String> = plan.delete_other.clone();
    if intent.is_some() || !plan.intent.is_empty() {
        other.push(INTENT.to_string());
    }
    delete(&ctx, &other).await?;
    if next.pending != plan::Pending::default() {
        next.pending = plan::Pending::default();
        put_state(&ctx, REMOTE_MANIFEST, manifest_json(&next)).await?;
    }
    let mut summary = summary(&ctx, &plan, false, Some(plan.deploy), invalidation_id, start);
    summary.announced = written.announced;
    summary.already_announced = written.already;
    print_summary(&summary, args.json);
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
) -> Vec<crate::announce::Announcement> {
    let published: Option<std::collections::BTreeSet<String>> = match remote {
        // A bucket deployed before announcements existed: what it has is the backlog.
        Some(r) => Some(r.posts.clone().unwrap_or_else(|| local.posts.iter().map(|p| p.path.clone()).collect()).into_iter().collect()),
        None => None,
    };
    let (mut list, skipped) = crate::announce::select(
        &local.posts,
        published.as_ref(),
        config.subscribe.announce_within_days,
        time::OffsetDateTime::now_utc(),
        args.no_announce,
    );
    for s in &skipped {
        if !args.json {
            eprintln!("Not announced: {} ({})", s.path, s.reason);
        }
    }
    for left in remote.map(|r| r.pending.announce.as_slice()).unwrap_or_default() {
        if !list.iter().any(|a| a.path == left.path) {
            list.push(left.clone());
        }
    }
    plan.next.posts = Some(local.posts.iter().map(|p| p.path.clone()).collect());
    plan.next.pending.announce = list.clone();
    if !args.json {
        for a in &list {
            eprintln!("{} {} ({})", if args.dry_run { "Would announce:" } else { "Announcing:" }, a.title, a.path);
        }
    }
    list
}

fn manifest_json(m: &RemoteManifest) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(m).unwrap_or_default();
    v.push(b'\n');
    v
}

async fn load_sdk_config(args: &DeployArgs, config: &SiteConfig) -> Result<aws_config::SdkConfig, DeployError> {
    let dc = &config.deploy;
    let region = args.region.clone().or_else(|| dc.region.clone()).map(aws_sdk_s3::config::Region::new);
    let region = aws_config::meta::region::RegionProviderChain::first_try(region)
        .or_default_provider()
        .or_else(aws_sdk_s3::config::Region::from_static("us-east-1"));
    let attempts = dc.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1);
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(region)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(attempts));
    if let Some(p) = &args.profile {
        loader = loader.profile_name(p);
    }
    if let (Some(url), None) = (&dc.endpoint_url, std::env::var_os("AWS_ENDPOINT_URL")) {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    // Fail before any request with a message that says what to do, rather than a signing error.
    match sdk.credentials_provider() {
        None => return Err(DeployError::NoCredentials("no credentials provider".into())),
        Some(p) => {
            p.provide_credentials().await.map_err(|e| DeployError::NoCredentials(error_chain(&e)))?;
        }
    }
    Ok(sdk)
}

fn normalize_prefix(p: &str) -> String {
    let p = p.trim().trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

/// Flags win; then a stack named on the command line; then site.toml's bucket and
/// distribution_id; then site.toml's stack for whatever is still missing.
async fn resolve_target(
    args: &DeployArgs,
    config: &SiteConfig,
    sdk: &aws_config::SdkConfig,
    requests: &Requests,
) -> Result<Target, DeployError> {
    let dc = &config.deploy;
    let mut bucket = args.bucket.clone();
    let mut distribution = args.distribution.clone();
    let stack = match &args.stack {
        Some(s) => Some(s.clone()),
        None => {
            bucket = bucket.or_else(|| dc.bucket.clone());
            distribution = distribution.or_else(|| dc.distribution_id.clone());
            dc.stack.clone()
        }
    };
    if let Some(stack) = stack.filter(|_| bucket.is_none() || distribution.is_none()) {
        let (b, d) = stack_outputs(sdk, &stack, requests).await?;
        if bucket.is_none() {
            bucket = Some(b.ok_or_else(|| DeployError::StackOutput { stack: stack.clone(), output: "BucketName".into() })?);
        }
        if distribution.is_none() {
            distribution = Some(d.ok_or_else(|| DeployError::StackOutput { stack: stack.clone(), output: "DistributionId".into() })?);
        }
    }
    if args.stack.is_some() {
        bucket = bucket.or_else(|| dc.bucket.clone());
        distribution = distribution.or_else(|| dc.distribution_id.clone());
    }
    let bucket = bucket.filter(|b| !b.trim().is_empty()).ok_or(DeployError::NoBucket)?;
    let prefix = normalize_prefix(args.prefix.as_deref().or(dc.prefix.as_deref()).unwrap_or(""));
    Ok(Target { bucket, prefix, distribution: distribution.filter(|d| !d.trim().is_empty()) })
}

async fn stack_outputs(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    requests: &Requests,
) -> Result<(Option<String>, Option<String>), DeployError> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    Requests::add(&requests.cloudformation);
    let out = cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| match e.code() {
        Some("AccessDenied" | "InvalidClientTokenId" | "SignatureDoesNotMatch") => DeployError::AccessDenied {
            what: format!("reading CloudFormation stack {stack}"),
            detail: e.message().unwrap_or("access denied").to_string(),
        },
        _ => DeployError::Stack { stack: stack.to_string(), detail: e.message().map(str::to_string).unwrap_or_else(|| error_chain(&e)) },
    })?;
    let Some(s) = out.stacks().first() else {
        return Err(DeployError::Stack { stack: stack.to_string(), detail: "no such stack".into() });
    };
    let get = |name: &str| s.outputs().iter().find(|o| o.output_key() == Some(name)).and_then(|o| o.output_value()).map(str::to_string);
    Ok((get("BucketName"), get("DistributionId")))
}

async fn list(ctx: &Ctx) -> Result<BTreeMap<String, Listed>, DeployError> {
    let prefix = &ctx.target.prefix;
    let mut pages = ctx
        .s3
        .list_objects_v2()
        .bucket(&ctx.target.bucket)
        .set_prefix((!prefix.is_empty()).then(|| prefix.clone()))
        .into_paginator()
        .send();
    let mut out = BTreeMap::new();
    while let Some(page) = {
        Requests::add(&ctx.requests.list);
        pages.next().await
    } {
        let page = page.map_err(|e| ctx.err(e, format!("listing s3://{}/{prefix}", ctx.target.bucket)))?;
        for o in page.contents() {
            let Some(key) = o.key() else { continue };
            let Some(rel) = key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            out.insert(rel.to_string(), Listed { size: o.size().unwrap_or(0).max(0) as u64, etag: o.e_tag().map(plan::normalize_etag) });
        }
    }
    // The paginator's final poll sends nothing.
    ctx.requests.list.fetch_sub(1, Ordering::Relaxed);
    Ok(out)
}

async fn get_bytes(ctx: &Ctx, rel: &str) -> Result<Vec<u8>, DeployError> {
    let key = ctx.key(rel);
    Requests::add(&ctx.requests.get);
    let out = ctx
        .s3
        .get_object()
        .bucket(&ctx.target.bucket)
        .key(&key)
        .send()
        .await
        .map_err(|e| ctx.err(e, format!("reading s3://{}/{key}", ctx.target.bucket)))?;
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| DeployError::Aws { what: format!("reading s3://{}/{key}", ctx.target.bucket), detail: error_chain(&e) })?;
    Ok(body.into_bytes().to_vec())
}

async fn read_remote_manifest(ctx: &Ctx) -> Result<RemoteManifest, DeployError> {
    let bytes = get_bytes(ctx, REMOTE_MANIFEST).await?;
    let key = ctx.key(REMOTE_MANIFEST);
    let corrupt = |detail: String| DeployError::RemoteCorrupt { bucket: ctx.target.bucket.clone(), key: key.clone(), detail };
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let v: Version = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if v.version > plan::REMOTE_MANIFEST_VERSION {
        return Err(DeployError::RemoteTooNew { bucket: ctx.target.bucket.clone(), key: key.clone(), found: v.version });
    }
    serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))
}

/// A broken intent object only costs orphan detection, so it is ignored rather than fatal.
async fn read_intent(ctx: &Ctx) -> Result<Option<Intent>, DeployError> {
    let bytes = get_bytes(ctx, INTENT).await?;
    Ok(Some(serde_json::from_slice(&bytes).unwrap_or_default()))
}

async fn put_state(ctx: &Ctx, rel: &str, body: Vec<u8>) -> Result<(), DeployError> {
    let key = ctx.key(rel);
    Requests::add(&ctx.requests.put);
    ctx.s3
        .put_object()
        .bucket(&ctx.target.bucket)
        .key(&key)
        .body(ByteStream::from(body))
        .content_type("application/json")
        .cache_control(STATE_CACHE_CONTROL)
        .send()
        .await
        .map_err(|e| ctx.err(e, format!("writing s3://{}/{key}", ctx.target.bucket)))?;
    Ok(())
}

/// Uploads every planned file, phase by phase, `concurrency` at a time; returns the ETags.
async fn upload_all(ctx: &Ctx, plan: &Plan) -> Result<BTreeMap<String, String>, DeployError> {
    ctx.progress.set_style(
        ProgressStyle::with_template("{spinner} uploading [{bar:30}] {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Style first: set_length draws.
    ctx.progress.set_length(plan.upload_bytes());
    let mut etags = BTreeMap::new();
    for phase in [plan::Phase::HashedAssets, plan::Phase::OtherFiles, plan::Phase::NewPages, plan::Phase::Pages] {
        let files: Vec<&RemoteFile> = plan.uploads.iter().filter(|u| u.phase == phase).map(|u| &u.file).collect();
        let mut results = futures::stream::iter(files.into_iter().map(|f| async move {
            let etag = upload(ctx, f).await?;
            ctx.progress.inc(f.size);
            Ok::<_, DeployError>((f.path.clone(), etag))
        }))
        .buffer_unordered(ctx.concurrency);
        // Stop at the first failure: a later phase must never start after an earlier one failed.
        while let Some(r) = results.next().await {
            let (path, etag) = r?;
            etags.insert(path, etag);
        }
    }
    Ok(etags)
}

async fn upload(ctx: &Ctx, f: &RemoteFile) -> Result<String, DeployError> {
    let path = ctx.output.join(&f.path);
    let io = |source| DeployError::Io { path: path.clone(), source };
    let found = tokio::fs::metadata(&path).await.map_err(io)?.len();
    if found != f.size {
        return Err(DeployError::Stale { path: f.path.clone(), expected: f.size, found });
    }
    let key = ctx.key(&f.path);
    let what = || format!("uploading {} to s3://{}/{key}", f.path, ctx.target.bucket);
    if f.size > ctx.multipart_threshold {
        return upload_multipart(ctx, f, &path, &key).await;
    }
    let body = ByteStream::from_path(&path)
        .await
        .map_err(|e| DeployError::Io { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
    Requests::add(&ctx.requests.put);
    let out = ctx
        .s3
        .put_object()
        .bucket(&ctx.target.bucket)
        .key(&key)
        .body(body)
        .content_type(&f.content_type)
        .cache_control(&f.cache_control)
        .send()
        .await
        .map_err(|e| ctx.err(e, what()))?;
    Ok(out.e_tag().map(plan::normalize_etag).unwrap_or_default())
}

async fn upload_multipart(ctx: &Ctx, f: &RemoteFile, path: &Path, key: &str) -> Result<String, DeployError> {
    let bucket = &ctx.target.bucket;
    let what = || format!("uploading {} to s3://{bucket}/{key} in parts", f.path);
    Requests::add(&ctx.requests.multipart);
    let created = ctx
        .s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type(&f.content_type)
        .cache_control(&f.cache_control)
        .send()
        .await
        .map_err(|e| ctx.err(e, what()))?;
    let upload_id = created.upload_id().unwrap_or_default().to_string();
    let result = async {
        // S3 allows 10,000 parts: grow the part size for huge files.
        let part_size = PART_SIZE.max(f.size.div_ceil(10_000));
        let ranges: Vec<(i32, u64, u64)> = (0..f.size.div_ceil(part_size))
            .map(|i| {
                let offset = i * part_size;
                (i as i32 + 1, offset, part_size.min(f.size - offset))
            })
            .collect();
        let upload_id = &upload_id;
        // A few parts in flight at once; `buffered` keeps them in part order.
        let parts: Vec<aws_sdk_s3::types::CompletedPart> =
            futures::stream::iter(ranges.into_iter().map(|(number, offset, len)| async move {
                let body = ByteStream::read_from()
                    .path(path)
                    .offset(offset)
                    .length(Length::Exact(len))
                    .build()
                    .await
                    .map_err(|e| DeployError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
                Requests::add(&ctx.requests.multipart);
                let out = ctx
                    .s3
                    .upload_part()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .content_length(len as i64)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| ctx.err(e, what()))?;
                ctx.progress.inc(len);
                Ok::<_, DeployError>(
                    aws_sdk_s3::types::CompletedPart::builder().part_number(number).set_e_tag(out.e_tag().map(str::to_string)).build(),
                )
            }))
            .buffered(PARTS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        ctx.progress.set_position(ctx.progress.position().saturating_sub(f.size));
        Requests::add(&ctx.requests.multipart);
        let done = ctx
            .s3
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id.as_str())
            .multipart_upload(aws_sdk_s3::types::CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| ctx.err(e, what()))?;
        Ok(done.e_tag().map(plan::normalize_etag).unwrap_or_default())
    }
    .await;
    if result.is_err() {
        // Unfinished parts cost storage until aborted; failing to abort changes nothing else.
        Requests::add(&ctx.requests.multipart);
        let _ = ctx.s3.abort_multipart_upload().bucket(bucket).key(key).upload_id(&upload_id).send().await;
    }
    result
}

async fn invalidate(ctx: &Ctx, id: &str, paths: &[String], wait: bool, deploy: u64) -> Result<String, DeployError> {
    use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
    let build_err = |e: aws_sdk_cloudfront::error::BuildError| DeployError::Invalidation(e.to_string());
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let batch = InvalidationBatch::builder()
        .paths(Paths::builder().quantity(paths.len() as i32).set_items(Some(paths.to_vec())).build().map_err(build_err)?)
        .caller_reference(format!("myblog-{deploy}-{nanos}"))
        .build()
        .map_err(build_err)?;
    Requests::add(&ctx.requests.cloudfront);
    let out = ctx
        .cloudfront
        .create_invalidation()
        .distribution_id(id)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(|e| ctx.err(e, format!("invalidating {} paths on CloudFront distribution {id}", paths.len())))?;
    let inv_id = out.invalidation().map(|i| i.id().to_string()).unwrap_or_default();
    if wait {
        let spinner = if ctx.progress.is_hidden() { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
        spinner.set_message(format!("waiting for invalidation {inv_id}"));
        spinner.enable_steady_tick(Duration::from_millis(120));
        loop {
            Requests::add(&ctx.requests.cloudfront);
            let got = ctx
                .cloudfront
                .get_invalidation()
                .distribution_id(id)
                .id(&inv_id)
                .send()
                .await
                .map_err(|e| ctx.err(e, format!("reading invalidation {inv_id}")))?;
            // AWS says "Completed", emulators "COMPLETED".
            if got.invalidation().is_some_and(|i| i.status().eq_ignore_ascii_case("completed")) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        spinner.finish_and_clear();
    }
    Ok(inv_id)
}

async fn delete(ctx: &Ctx, paths: &[String]) -> Result<(), DeployError> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let keys: Vec<String> = paths.iter().map(|p| ctx.key(p)).collect();
    for batch in plan::delete_batches(&keys) {
        let ids = batch
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DeployError::Aws { what: "preparing deletions".into(), detail: e.to_string() })?;
        let del = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| DeployError::Aws { what: "preparing deletions".into(), detail: e.to_string() })?;
        Requests::add(&ctx.requests.delete);
        let what = || format!("deleting {} objects from s3://{}", batch.len(), ctx.target.bucket);
        let out = ctx.s3.delete_objects().bucket(&ctx.target.bucket).delete(del).send().await.map_err(|e| ctx.err(e, what()))?;
        if let Some(err) = out.errors().first() {
            let detail = format!("{}: {} {}", err.key().unwrap_or("?"), err.code().unwrap_or(""), err.message().unwrap_or(""));
            return Err(if err.code() == Some("AccessDenied") {
                DeployError::AccessDenied { what: what(), detail }
            } else {
                DeployError::Aws { what: what(), detail }
            });
        }
    }
    Ok(())
}

fn confirm(plan: &Plan) -> Result<bool, DeployError> {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "This deploy deletes {} files:", plan.deletions());
    for p in plan.delete_pages.iter().chain(&plan.delete_other).take(20) {
        let _ = writeln!(err, "  {p}");
    }
    let _ = write!(err, "Continue? [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|source| DeployError::Io { path: PathBuf::from("stdin"), source })?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn summary(ctx: &Ctx, plan: &Plan, dry_run: bool, deploy: Option<u64>, invalidation_id: Option<String>, start: Instant) -> Summary {
    let noop = plan.is_noop();
    Summary {
        dry_run,
        bucket: ctx.target.bucket.clone(),
        prefix: ctx.target.prefix.clone(),
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
        invalidation_paths: if ctx.target.distribution.is_some() { plan.invalidation.clone() } else { Vec::new() },
        uploads: plan.uploads.iter().map(|u| u.file.path.clone()).collect(),
        deletions: plan.delete_pages.iter().chain(&plan.delete_other).cloned().collect(),
        announced: Vec::new(),
        already_announced: Vec::new(),
        seconds: start.elapsed().as_secs_f64(),
    }
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn requests_line(r: &BTreeMap<&'static str, u64>) -> String {
    let parts: Vec<String> = r.iter().filter(|(_, v)| **v > 0).map(|(k, v)| format!("{k} {v}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn print_summary(s: &Summary, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(s).unwrap_or_default());
        return;
    }
    let target = format!("s3://{}/{}", s.bucket, s.prefix);
    match s.deploy {
        None => println!("Nothing to deploy: {target} is up to date ({} files, {:.2}s).", s.unchanged, s.seconds),
        Some(n) => println!("Deployed #{n} to {target} in {:.2}s.", s.seconds),
    }
    println!(
        "  uploaded {} ({}), unchanged {}, deleted {}, kept for grace {}",
        s.uploaded,
        human_bytes(s.bytes_uploaded),
        s.unchanged,
        s.deleted,
        s.kept_for_grace
    );
    println!("  requests: {} ({} HTTP attempts, retries included)", requests_line(&s.requests), s.attempts);
    if let Some(id) = &s.invalidation_id {
        println!("  invalidation {id}: {}", s.invalidation_paths.join(" "));
    }
    if !s.announced.is_empty() {
        println!("  announced to subscribers: {}", s.announced.join(" "));
    }
    if !s.already_announced.is_empty() {
        println!("  announced before (not sent again): {}", s.already_announced.join(" "));
    }
}

fn print_plan(plan: &Plan, s: &Summary, json: bool) {
    if json {
        #[derive(Serialize)]
        struct DryRun<'a> {
            #[serde(flatten)]
            summary: &'a Summary,
            plan: &'a Plan,
        }
        println!("{}", serde_json::to_string_pretty(&DryRun { summary: s, plan }).unwrap_or_default());
        return;
    }
    println!("Dry run: nothing will be written to s3://{}/{}.", s.bucket, s.prefix);
    for u in &plan.uploads {
        println!("  upload  {:<50} {:>10}  {:?}, {:?}", u.file.path, human_bytes(u.file.size), u.phase, u.reason);
    }
    for p in plan.delete_pages.iter().chain(&plan.delete_other) {
        println!("  delete  {p}");
    }
    for p in &plan.kept {
        println!("  keep    {p} (grace period)");
    }
    for p in &plan.invalidation {
        println!("  invalidate {p}");
    }
    println!(
        "{} uploads ({}), {} unchanged, {} deletions, {} kept for grace, {} invalidation paths.",
        plan.uploads.len(),
        human_bytes(plan.upload_bytes()),
        plan.unchanged,
        plan.deletions(),
        plan.kept.len(),
        plan.invalidation.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalized_to_a_folder() {
        assert_eq!(normalize_prefix(""), "");
        assert_eq!(normalize_prefix("/"), "");
        assert_eq!(normalize_prefix("/site/"), "site/");
        assert_eq!(normalize_prefix("a/b"), "a/b/");
    }

    #[test]
    fn error_chains_keep_each_message_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "dispatch failure")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"));
        assert_eq!(error_chain(&e), "dispatch failure: connection refused");
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(70 * 1024 * 1024), "70.0 MiB");
    }
}
