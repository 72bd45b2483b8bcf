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
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
            let left = time_left(event.context.deadline, now_ms);
            tracing::debug!(deadline_ms = event.context.deadline, now_ms, left_ms = left.as_millis() as u64, "invocation time");
            let deadline = tokio::time::Instant::now() + left;
            Ok::<_, Infallible>(subscribe_fn::news::sender::handle(&app, event.payload, deadline).await.0)
        }
    }))
    .await
}

/// Lambda gives the deadline as wall-clock milliseconds. An emulator (`cargo lambda watch`) sends
/// the timeout itself instead; a deadline already past would make every invocation hand all its
/// work back untouched, forever. So: a value under Lambda's 15-minute maximum is a duration, and
/// anything else in the past counts as the shortest useful invocation.
fn time_left(deadline_ms: u64, now_ms: u64) -> Duration {
    const MAX_LAMBDA_MS: u64 = 15 * 60 * 1000;
    if deadline_ms > now_ms {
        Duration::from_millis(deadline_ms - now_ms)
    } else if deadline_ms <= MAX_LAMBDA_MS {
        Duration::from_millis(deadline_ms)
    } else {
        tracing::warn!(deadline_ms, now_ms, "invocation deadline already past; assuming 30 s");
        Duration::from_secs(30)
    }
}
