//! The AWS side of a deploy that is not S3 objects nor invalidations: SDK configuration
//! (profile, region, retries), where to deploy (flags, site.toml, stack outputs), request
//! counting, and turning SDK errors into errors a user can act on.

use super::{DeployArgs, DeployError, DEFAULT_MAX_ATTEMPTS};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::ProvideCredentials;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use myblog_config::SiteConfig;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// An error and its sources on one line (`dispatch failure: io error: connection refused`),
/// without the SDK's debug dump.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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
pub fn aws_err<E>(e: SdkError<E, HttpResponse>, what: impl Into<String>, bucket: &str, distribution: Option<&str>) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let what = what.into();
    match e.code() {
        Some("NoSuchBucket") => DeployError::NoSuchBucket(bucket.to_string()),
        Some("NoSuchDistribution") => DeployError::NoSuchDistribution(distribution.unwrap_or_default().to_string()),
        Some("PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException") => {
            // S3 names the bucket's region in a header (and, for some codes, in the body).
            let region = e
                .raw_response()
                .and_then(|r| r.headers().get("x-amz-bucket-region").map(str::to_string))
                .or_else(|| e.meta().extra("Region").map(str::to_string));
            DeployError::WrongRegion { bucket: bucket.to_string(), region }
        }
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

/// The error code of a failed conditional write (S3 answers 412, or 409 when two conditional
/// writes race on one key).
pub fn is_precondition_failure<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(e.code(), Some("PreconditionFailed" | "ConditionalRequestConflict"))
        || e.raw_response().is_some_and(|r| matches!(r.status().as_u16(), 412 | 409))
}

/// Requests sent, by kind (each SDK operation once, whatever its retries).
#[derive(Default)]
pub struct Requests {
    pub list: AtomicU64,
    pub get: AtomicU64,
    pub put: AtomicU64,
    pub multipart: AtomicU64,
    pub delete: AtomicU64,
    pub cloudfront: AtomicU64,
    pub cloudformation: AtomicU64,
}

impl Requests {
    pub fn add(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
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
pub struct AttemptCounter(pub std::sync::Arc<AtomicU64>);

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
pub struct Target {
    pub bucket: String,
    /// `""` or `folder/`.
    pub prefix: String,
    pub distribution: Option<String>,
}

/// Region: `--region`, then `[deploy] region`, then the environment and the profile in use
/// (`--profile` included: the SDK's default chain alone would read the default profile),
/// then us-east-1.
/// The SDK loader every myblog command that talks to AWS starts from: region from the flag, then
/// site.toml's `[deploy] region`, then the profile's own (not the default profile's), then
/// us-east-1; the profile; site.toml's endpoint unless `AWS_ENDPOINT_URL` is set.
pub fn sdk_loader(profile: Option<&str>, region: Option<&str>, config: &SiteConfig) -> aws_config::ConfigLoader {
    use aws_config::default_provider::region::DefaultRegionChain;
    use aws_config::meta::region::RegionProviderChain;
    let dc = &config.deploy;
    let explicit = region.map(str::to_string).or_else(|| dc.region.clone()).map(aws_sdk_s3::config::Region::new);
    let mut from_env = DefaultRegionChain::builder();
    if let Some(p) = profile {
        from_env = from_env.profile_name(p);
    }
    let region =
        RegionProviderChain::first_try(explicit).or_else(from_env.build()).or_else(aws_sdk_s3::config::Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region);
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let (Some(url), None) = (&dc.endpoint_url, std::env::var_os("AWS_ENDPOINT_URL")) {
        loader = loader.endpoint_url(url);
    }
    loader
}

pub async fn load_sdk_config(args: &DeployArgs, config: &SiteConfig) -> Result<aws_config::SdkConfig, DeployError> {
    let attempts = config.deploy.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1);
    let loader = sdk_loader(args.profile.as_deref(), args.region.as_deref(), config)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(attempts));
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

pub fn normalize_prefix(p: &str) -> String {
    let p = p.trim().trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

/// Flags win; then a stack named on the command line; then site.toml's bucket and
/// distribution_id; then site.toml's stack for whatever is still missing.
pub async fn resolve_target(
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
}
