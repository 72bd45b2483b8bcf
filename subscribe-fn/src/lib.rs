//! The subscription Lambda: double opt-in subscriptions stored in DynamoDB, emails via SES v2.
//!
//! All logic lives here and takes its clients and configuration as parameters ([`App`]); the
//! binaries (`subscribe-http`, `subscribe-stream`, `subscribe-sender`, `subscribe-feedback`)
//! only build an [`App`] once per cold start and hand events to [`http::handle`],
//! [`stream::handle`], [`news::sender::handle`] and [`feedback::handle`].
//!
//! Modules, each depending only on those above it: `settings`, `address`, `token`, `errors` →
//! `config`, `store`, `news::announcement`, `news::pace` → `mail` → `app` → `guard`, `limits`,
//! `news`, `feedback`, `http`, `stream`.

pub mod address;
pub mod app;
pub mod config;
pub mod errors;
pub mod feedback;
pub mod guard;
pub mod http;
pub mod limits;
pub mod mail;
pub mod news;
pub mod settings;
pub mod store;
pub mod stream;
pub mod token;

pub use app::{init_tracing, with_timeouts, App, InitError};
pub use config::{Config, ConfigError};
pub use errors::error_chain;
pub use settings::{ATTEMPT_TIMEOUT, OPERATION_TIMEOUT};
