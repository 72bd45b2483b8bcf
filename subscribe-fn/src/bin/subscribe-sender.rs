//! Lambda entry point for the send queue (SQS, partial batch responses): new-post fan-out
//! pages and paced sends.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    subscribe_fn::init_tracing();
    let app = Arc::new(subscribe_fn::App::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = Arc::clone(&app);
        async move {
            // The runtime gives the deadline as wall-clock milliseconds.
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
            let left = Duration::from_millis(event.context.deadline.saturating_sub(now_ms));
            let deadline = tokio::time::Instant::now() + left;
            Ok::<_, Infallible>(subscribe_fn::news::sender::handle(&app, event.payload, deadline).await.0)
        }
    }))
    .await
}
