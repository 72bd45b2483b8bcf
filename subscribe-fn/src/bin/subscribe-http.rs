//! Lambda entry point for the HTTP API (API Gateway HTTP API payload 2.0, function URLs).

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::{service_fn, Request};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    subscribe_fn::init_tracing();
    let app = Arc::new(subscribe_fn::App::from_env().await?);
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(subscribe_fn::http::handle(&app, req).await) }
    }))
    .await
}
