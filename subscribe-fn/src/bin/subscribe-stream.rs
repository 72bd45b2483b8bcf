//! Lambda entry point for the subscribers table's DynamoDB stream (partial batch responses).

use std::convert::Infallible;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{service_fn, LambdaEvent};

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
