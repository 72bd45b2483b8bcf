//! Test material for `myblog deploy --stack NAME`: creates, through the real CloudFormation and
//! CloudFront APIs (moto server in tests), a stack whose Outputs carry the names that
//! `infra/template.yaml` exposes (`BucketName`, `DistributionId`, `DistributionDomainName`,
//! `ApiUrl`), so the CLI can be tested reading them with DescribeStacks.
//!
//! moto's CloudFormation does not implement `AWS::CloudFront::Distribution` (it skips the
//! resource with a warning and drops outputs that refer to it), so the distribution is created
//! with the CloudFront API and handed to the stack as parameters; the bucket is a real stack
//! resource.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::{Parameter, StackStatus};
use aws_sdk_cloudfront::types::{DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy};

/// The fixture template (`infra/tests/fixtures/outputs-stack.yaml`).
pub const OUTPUTS_STACK_TEMPLATE: &str = include_str!("../tests/fixtures/outputs-stack.yaml");

/// The workspace root, from the `CARGO_MANIFEST_DIR` that cargo (or nextest) sets when it runs a
/// test of any member crate, falling back to this crate's compile-time location. The run-time
/// value matters: worktrees sharing one target directory can reuse an artifact compiled in
/// another worktree, whose compile-time paths then point into the wrong tree.
pub fn workspace_root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

/// `infra/` in the workspace being tested.
pub fn infra_dir() -> PathBuf {
    workspace_root().join("infra")
}

/// What [`create_outputs_stack`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputsStack {
    pub stack_name: String,
    /// The bucket the stack created (its `BucketName` output).
    pub bucket: String,
    /// The distribution created beforehand (its `DistributionId` output).
    pub distribution_id: String,
    pub distribution_domain_name: String,
    /// Every output of the stack, by key, as DescribeStacks returned them.
    pub outputs: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("stack name {0:?} is not valid: use a letter, then letters, digits and '-' (at most 100 characters)")]
    StackName(String),
    #[error("CloudFront {operation} failed: {message}")]
    CloudFront { operation: &'static str, message: String },
    #[error("CloudFormation {operation} for stack {stack} failed: {message}")]
    CloudFormation { operation: &'static str, stack: String, message: String },
    #[error("stack {stack} ended in {status}: {reason}")]
    StackFailed { stack: String, status: String, reason: String },
    #[error("stack {stack} was not CREATE_COMPLETE after {waited:?} (last status {status})")]
    Timeout { stack: String, status: String, waited: Duration },
    #[error("stack {stack} has no output {key}; outputs: {outputs:?}")]
    MissingOutput { stack: String, key: &'static str, outputs: BTreeMap<String, String> },
}

/// Creates a CloudFront distribution whose origin is the stack's bucket, then the fixture stack,
/// waits for `CREATE_COMPLETE` and returns its outputs. `conf` decides the endpoint (moto's in
/// tests). The bucket is named after the stack (`<stack>-site`, lowercased).
pub async fn create_outputs_stack(conf: &SdkConfig, stack_name: &str) -> Result<OutputsStack, FixtureError> {
    let valid_name = stack_name.len() <= 100
        && stack_name.starts_with(|c: char| c.is_ascii_alphabetic())
        && stack_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid_name {
        return Err(FixtureError::StackName(stack_name.to_owned()));
    }
    let bucket = format!("{}-site", stack_name.to_ascii_lowercase());
    let region = conf.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned());

    let cloudfront = aws_sdk_cloudfront::Client::new(conf);
    let cf_err = |operation: &'static str| move |e: String| FixtureError::CloudFront { operation, message: e };
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.{region}.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .map_err(|e| cf_err("Origin")(e.to_string()))?;
    let config = DistributionConfig::builder()
        .caller_reference(format!("myblog-fixture-{stack_name}"))
        .comment(format!("myblog test fixture for stack {stack_name}"))
        .enabled(true)
        .origins(Origins::builder().quantity(1).items(origin).build().map_err(|e| cf_err("Origins")(e.to_string()))?)
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                // Managed-CachingOptimized, as a real distribution would use.
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .map_err(|e| cf_err("DefaultCacheBehavior")(e.to_string()))?,
        )
        .build()
        .map_err(|e| cf_err("DistributionConfig")(e.to_string()))?;
    let created = cloudfront
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .map_err(|e| cf_err("CreateDistribution")(aws_sdk_cloudfront::error::DisplayErrorContext(e).to_string()))?;
    let distribution = created.distribution().ok_or_else(|| cf_err("CreateDistribution")("the answer has no distribution".to_owned()))?;
    let distribution_id = distribution.id().to_owned();
    let distribution_domain_name = distribution.domain_name().to_owned();

    let cfn = aws_sdk_cloudformation::Client::new(conf);
    let cfn_err = |operation: &'static str| {
        let stack = stack_name.to_owned();
        move |message: String| FixtureError::CloudFormation { operation, stack, message }
    };
    let param = |key: &str, value: &str| Parameter::builder().parameter_key(key).parameter_value(value).build();
    cfn.create_stack()
        .stack_name(stack_name)
        .template_body(OUTPUTS_STACK_TEMPLATE)
        .parameters(param("SiteBucketName", &bucket))
        .parameters(param("DistributionId", &distribution_id))
        .parameters(param("DistributionDomainName", &distribution_domain_name))
        .send()
        .await
        .map_err(|e| cfn_err("CreateStack")(aws_sdk_cloudformation::error::DisplayErrorContext(e).to_string()))?;

    let outputs = wait_for_outputs(&cfn, stack_name, Duration::from_secs(120)).await?;
    let output = |key: &'static str| {
        outputs.get(key).cloned().ok_or_else(|| FixtureError::MissingOutput { stack: stack_name.to_owned(), key, outputs: outputs.clone() })
    };
    Ok(OutputsStack {
        stack_name: stack_name.to_owned(),
        bucket: output("BucketName")?,
        distribution_id: output("DistributionId")?,
        distribution_domain_name: output("DistributionDomainName")?,
        outputs: outputs.clone(),
    })
}

/// Polls DescribeStacks until the stack is `CREATE_COMPLETE` and returns its outputs by key.
async fn wait_for_outputs(
    cfn: &aws_sdk_cloudformation::Client,
    stack_name: &str,
    limit: Duration,
) -> Result<BTreeMap<String, String>, FixtureError> {
    let start = Instant::now();
    loop {
        let resp = cfn.describe_stacks().stack_name(stack_name).send().await.map_err(|e| FixtureError::CloudFormation {
            operation: "DescribeStacks",
            stack: stack_name.to_owned(),
            message: aws_sdk_cloudformation::error::DisplayErrorContext(e).to_string(),
        })?;
        let stack = resp.stacks().first().ok_or_else(|| FixtureError::CloudFormation {
            operation: "DescribeStacks",
            stack: stack_name.to_owned(),
            message: "no stack in the answer".to_owned(),
        })?;
        let status = stack.stack_status().cloned();
        let status_text = status.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_else(|| "none".to_owned());
        match status {
            Some(StackStatus::CreateComplete) => {
                return Ok(stack
                    .outputs()
                    .iter()
                    .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
                    .collect());
            }
            Some(StackStatus::CreateInProgress) | None => {}
            Some(_) => {
                return Err(FixtureError::StackFailed {
                    stack: stack_name.to_owned(),
                    status: status_text,
                    reason: stack.stack_status_reason().unwrap_or("no reason given").to_owned(),
                });
            }
        }
        if start.elapsed() > limit {
            return Err(FixtureError::Timeout { stack: stack_name.to_owned(), status: status_text, waited: limit });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
