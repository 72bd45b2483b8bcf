//! Lambda entry point for SES bounce and complaint events (SNS).

use std::sync::Arc;

use aws_lambda_events::event::sns::SnsEvent;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    subscribe_fn::init_tracing();
    let app = Arc::new(subscribe_fn::App::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| {
        let app = Arc::clone(&app);
        async move {
            subscribe_fn::feedback::handle(&app, event.payload)
                .await
                .map(|n| serde_json::json!({ "suppressed": n }))
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
