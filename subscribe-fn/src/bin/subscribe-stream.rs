//! Lambda entry point for the subscribers table's DynamoDB stream (partial batch responses).

use std::convert::Infallible;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
// lambda_http re-exports the runtime it is built on: one runtime version for both binaries.
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    subscribe_fn::init_tracing();
    let app = Arc::new(subscribe_fn::App::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(subscribe_fn::stream::handle(&app, event.payload).await) }
    }))
    .await
}
