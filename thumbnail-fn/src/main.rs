//! Lambda entry point: S3 `ObjectCreated` notifications for `media/` → thumbnails in `thumbs/`.

use aws_lambda_events::s3::S3Event;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use thumbnail_fn::handler::{s3_client_from_env, Config, Handler};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // CloudWatch stamps every line already.
        .without_time()
        .with_target(false)
        .init();

    // Bad configuration fails the cold start loudly instead of every invocation.
    let config = Config::from_env()?;
    let handler = Handler::new(s3_client_from_env().await, config);
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        handler
            .handle(event.payload)
            .await
            .map_err(|failed| Diagnostic { error_type: "FailedRecords".into(), error_message: failed.to_string() })
    }))
    .await
}
