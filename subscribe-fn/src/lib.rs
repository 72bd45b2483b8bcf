//! The subscription Lambda: double opt-in subscriptions stored in DynamoDB, emails via SES v2.
//!
//! All logic lives here and takes its clients and configuration as parameters ([`App`]); the
//! two binaries (`subscribe-http`, `subscribe-stream`) only build an [`App`] once per cold start
//! and hand events to [`http::handle`] and [`stream::handle`].

pub mod address;
pub mod config;
pub mod guard;
pub mod http;
pub mod limits;
pub mod mail;
pub mod store;
pub mod stream;
pub mod token;

pub use config::{Config, ConfigError};

/// Configuration, AWS clients and compiled templates, shared by all invocations.
pub struct App {
    pub config: Config,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub mailer: mail::Mailer,
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
    pub fn new(config: Config, dynamo: aws_sdk_dynamodb::Client, ses: aws_sdk_sesv2::Client) -> Result<App, InitError> {
        Ok(App { config, dynamo, ses, mailer: mail::Mailer::new()? })
    }

    /// Builds an app from an SDK configuration (one client per service).
    pub fn from_sdk_config(config: Config, sdk: &aws_config::SdkConfig) -> Result<App, InitError> {
        App::new(config, aws_sdk_dynamodb::Client::new(sdk), aws_sdk_sesv2::Client::new(sdk))
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

/// Log lines for CloudWatch: no colours, no timestamps (Lambda adds them), level from `RUST_LOG`.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).without_time().with_target(false).try_init();
}
