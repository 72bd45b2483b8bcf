//! The composition root: configuration, AWS clients and compiled templates, built once per cold
//! start and handed to every handler. It depends on the parts; no part builds one.

use std::time::Duration;

use crate::config::{Config, ConfigError};
use crate::errors::error_chain;
use crate::mail;
use crate::news::pace::Pacer;
use crate::settings::ATTEMPT_TIMEOUT;

/// Configuration, AWS clients and compiled templates, shared by all invocations.
pub struct App {
    pub config: Config,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub mailer: mail::Mailer,
    /// Emails per second for the whole site, settled once per cold start.
    send_rate: tokio::sync::OnceCell<f64>,
    /// The sender's pacing, kept across invocations of this instance: a fresh pacer per
    /// invocation would let the first email of each batch go without waiting its turn.
    pub(crate) pacer: tokio::sync::Mutex<Option<Pacer>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("the embedded email templates do not compile: {0}")]
    Templates(#[from] mail::MailError),
}

impl App {
    /// Builds an app from explicit parts (tests point the clients at moto).
    pub fn new(
        config: Config,
        dynamo: aws_sdk_dynamodb::Client,
        ses: aws_sdk_sesv2::Client,
        sqs: aws_sdk_sqs::Client,
    ) -> Result<App, InitError> {
        Ok(App {
            config,
            dynamo,
            ses,
            sqs,
            mailer: mail::Mailer::new()?,
            send_rate: tokio::sync::OnceCell::new(),
            pacer: tokio::sync::Mutex::new(None),
        })
    }

    /// Builds an app from an SDK configuration (one client per service), every call bounded by
    /// the configured operation timeout ([`OPERATION_TIMEOUT`] unless `SDK_TIMEOUT_SECS`).
    pub fn from_sdk_config(config: Config, sdk: &aws_config::SdkConfig) -> Result<App, InitError> {
        let sdk = with_timeouts(sdk, config.news.operation_timeout);
        App::new(config, aws_sdk_dynamodb::Client::new(&sdk), aws_sdk_sesv2::Client::new(&sdk), aws_sdk_sqs::Client::new(&sdk))
    }

    /// Emails per second for the whole site: `SEND_RATE`, else the account's `MaxSendRate`
    /// (SES v2 `GetAccount`), else 1 (the sandbox's rate) with a warning.
    pub async fn send_rate(&self) -> f64 {
        *self
            .send_rate
            .get_or_init(|| async {
                if let Some(r) = self.config.news.send_rate {
                    return r;
                }
                match self.ses.get_account().send().await {
                    Ok(a) => match a.send_quota().map(|q| q.max_send_rate()) {
                        Some(r) if r > 0.0 => r,
                        _ => 1.0,
                    },
                    Err(e) => {
                        tracing::warn!(error = %error_chain(&e), "SES GetAccount failed; pacing at 1 email/s (set SEND_RATE)");
                        1.0
                    }
                }
            })
            .await
    }

    /// What the entry points call at cold start: environment variables, default AWS credentials
    /// chain. Logs the configuration (or the reason it is refused).
    pub async fn from_env() -> Result<App, InitError> {
        let config = match Config::from_env() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "subscribe-fn configuration refused");
                return Err(e.into());
            }
        };
        tracing::info!(config = %config, "subscribe-fn configuration");
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        App::from_sdk_config(config, &sdk)
    }
}

/// The SDK configuration with the limits every function call must respect.
pub fn with_timeouts(sdk: &aws_config::SdkConfig, operation: Duration) -> aws_config::SdkConfig {
    sdk.to_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(ATTEMPT_TIMEOUT.min(operation))
                .operation_timeout(operation)
                .build(),
        )
        .build()
}

/// Log lines for CloudWatch: no colours, no timestamps (Lambda adds them), level from `RUST_LOG`.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).without_time().with_target(false).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::OPERATION_TIMEOUT;

    #[test]
    fn every_client_bounds_its_calls() {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let vars = [("TABLE_NAME", "t"), ("SENDER_EMAIL", "a@example.com"), ("SITE_URL", "https://blog.example.com")];
        let config = Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap();
        let app = App::from_sdk_config(config, &sdk).unwrap();
        for t in [app.dynamo.config().timeout_config(), app.ses.config().timeout_config(), app.sqs.config().timeout_config()] {
            let t = t.expect("a timeout config");
            assert_eq!(t.operation_timeout(), Some(OPERATION_TIMEOUT));
            assert_eq!(t.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        }
        // Well under the shortest function timeout (10 s, the HTTP API's).
        assert!(OPERATION_TIMEOUT < Duration::from_secs(10));
    }
}
