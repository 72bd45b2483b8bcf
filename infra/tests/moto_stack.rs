//! `myblog deploy --stack NAME` reads the bucket and distribution from the stack's Outputs. This
//! proves, against moto's CloudFormation, that the real aws-sdk-cloudformation client creates
//! the fixture stack and reads those outputs back with DescribeStacks, and that they name a
//! bucket and a distribution that really exist.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use myblog_infra::{create_outputs_stack, FixtureError};

async fn outputs_of(cfn: &aws_sdk_cloudformation::Client, stack: &str) -> BTreeMap<String, String> {
    let resp = cfn.describe_stacks().stack_name(stack).send().await.expect("DescribeStacks");
    let stacks = resp.stacks();
    assert_eq!(stacks.len(), 1, "DescribeStacks by name returns that one stack");
    stacks[0]
        .outputs()
        .iter()
        .map(|o| (o.output_key().expect("output key").to_owned(), o.output_value().expect("output value").to_owned()))
        .collect()
}

#[tokio::test]
async fn stack_outputs_name_a_real_bucket_and_distribution() {
    let moto = test_support::Moto::start();
    let conf = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);

    let stack = create_outputs_stack(&conf, "MyBlog-Prod").await.expect("create the fixture stack on moto");

    // Read back independently, the way the CLI will.
    let outputs = outputs_of(&cfn, "MyBlog-Prod").await;
    let keys: Vec<&str> = outputs.keys().map(String::as_str).collect();
    assert_eq!(keys, ["ApiUrl", "BucketName", "DistributionDomainName", "DistributionId"]);
    assert_eq!(outputs["BucketName"], "myblog-prod-site");
    assert_eq!(outputs["BucketName"], stack.bucket);
    assert_eq!(outputs["DistributionId"], stack.distribution_id);
    assert_eq!(outputs["ApiUrl"], format!("https://{}/api", stack.distribution_domain_name));
    assert_eq!(outputs, stack.outputs);

    // The bucket is a stack resource, and it exists and takes objects.
    let resources = cfn.list_stack_resources().stack_name("MyBlog-Prod").send().await.expect("ListStackResources");
    let bucket_resource = resources
        .stack_resource_summaries()
        .iter()
        .find(|r| r.logical_resource_id() == Some("SiteBucket"))
        .expect("SiteBucket is a resource of the stack");
    assert_eq!(bucket_resource.resource_type(), Some("AWS::S3::Bucket"));
    assert_eq!(bucket_resource.physical_resource_id(), Some(stack.bucket.as_str()));
    let s3 = moto.s3().await;
    s3.head_bucket().bucket(&stack.bucket).send().await.expect("the output bucket exists");
    s3.put_object()
        .bucket(&stack.bucket)
        .key("index.html")
        .body(b"<h1>hi</h1>".to_vec().into())
        .send()
        .await
        .expect("upload into the stack's bucket");

    // The distribution exists, its origin is the stack's bucket, and it accepts invalidations.
    let cloudfront = aws_sdk_cloudfront::Client::new(&conf);
    let dist = cloudfront.get_distribution().id(&stack.distribution_id).send().await.expect("GetDistribution");
    let dist = dist.distribution().expect("distribution in answer");
    assert_eq!(dist.domain_name(), outputs["DistributionDomainName"]);
    let origin_domain = dist
        .distribution_config()
        .and_then(|c| c.origins())
        .and_then(|o| o.items().first())
        .map(|o| o.domain_name().to_owned())
        .expect("an origin");
    assert!(origin_domain.starts_with("myblog-prod-site.s3."), "origin is the stack's bucket: {origin_domain}");
    let paths = aws_sdk_cloudfront::types::Paths::builder().quantity(1).items("/index.html").build().expect("paths");
    let batch =
        aws_sdk_cloudfront::types::InvalidationBatch::builder().paths(paths).caller_reference("moto-stack-test").build().expect("batch");
    cloudfront
        .create_invalidation()
        .distribution_id(&stack.distribution_id)
        .invalidation_batch(batch)
        .send()
        .await
        .expect("invalidate the output distribution");

    // A second stack on the same server gets its own bucket and distribution.
    let other = create_outputs_stack(&conf, "staging").await.expect("second stack");
    assert_eq!(other.bucket, "staging-site");
    assert_ne!(other.distribution_id, stack.distribution_id);
    assert_eq!(outputs_of(&cfn, "MyBlog-Prod").await, outputs, "the first stack's outputs are unchanged");
}

/// What the CLI sees for `--stack` naming a stack that does not exist: CloudFormation (and moto)
/// answer DescribeStacks with a `ValidationError` whose message says the stack does not exist.
#[tokio::test]
async fn a_missing_stack_is_a_validation_error() {
    let moto = test_support::Moto::start();
    let conf = moto.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    let err = cfn.describe_stacks().stack_name("no-such-stack").send().await.expect_err("no such stack");
    let service = err.as_service_error().expect("a service error, not a transport error");
    assert_eq!(service.code(), Some("ValidationError"), "{service:?}");
    assert!(service.message().unwrap_or_default().contains("does not exist"), "{service:?}");

    let bad = create_outputs_stack(&conf, "1-starts-with-a-digit").await.expect_err("invalid name");
    assert!(matches!(bad, FixtureError::StackName(_)), "{bad}");
}
