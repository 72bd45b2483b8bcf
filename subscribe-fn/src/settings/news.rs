//! Settings of the new-post announcement pipeline (`crate::news`).

use super::{ConfigError, Env};

/// Settings of the announcement pipeline, from environment variables (all optional for the
/// functions that do not send announcements).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `ANNOUNCEMENTS_TABLE`: one item per announced post (written by `myblog deploy`).
    pub announcements_table: Option<String>,
    /// `SENDS_TABLE`: one item per (post, recipient): the claim, its lease and the outcome.
    pub sends_table: Option<String>,
    /// `SEND_QUEUE_URL`: the SQS queue of page and send messages.
    pub queue_url: Option<String>,
    /// `CONFIGURATION_SET`: SES configuration set every email goes through (bounce and
    /// complaint events are published from it).
    pub configuration_set: Option<String>,
    /// `SEND_RATE`: emails per second for the whole site. Unset: the account's `MaxSendRate`
    /// (SES v2 `GetAccount`), read once per cold start.
    pub send_rate: Option<f64>,
    /// `SENDER_CONCURRENCY`: the sender function's reserved concurrency; each instance paces
    /// itself to `send_rate / SENDER_CONCURRENCY`.
    pub sender_concurrency: u32,
    /// `SEND_LEASE_SECS`: how long a claim blocks other senders. A crash between claim and
    /// SES call is retried once the lease has run out.
    pub lease_secs: u64,
    /// `RECIPIENTS_PER_MESSAGE`: recipients in one send message.
    pub recipients_per_message: usize,
    /// `PAGE_SIZE`: subscribers read from the index per page message.
    pub page_size: i32,
    /// `SDK_TIMEOUT_SECS`: every AWS call's limit, retries included (default 5 s).
    pub operation_timeout: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            announcements_table: None,
            sends_table: None,
            queue_url: None,
            configuration_set: None,
            send_rate: None,
            sender_concurrency: 1,
            lease_secs: 60,
            recipients_per_message: 50,
            page_size: 1000,
            operation_timeout: super::OPERATION_TIMEOUT,
        }
    }
}

impl Settings {
    pub fn from_env(env: &Env<'_>) -> Result<Settings, ConfigError> {
        let mut s = Settings {
            announcements_table: env.text("ANNOUNCEMENTS_TABLE"),
            sends_table: env.text("SENDS_TABLE"),
            queue_url: env.text("SEND_QUEUE_URL"),
            configuration_set: env.text("CONFIGURATION_SET"),
            ..Settings::default()
        };
        // Above 0: `MIN_POSITIVE` is the smallest rate the range admits (NaN and infinity never are).
        s.send_rate = env.bounded("SEND_RATE", f64::MIN_POSITIVE..=10_000.0, "emails per second, a number above 0 (e.g. 14)")?;
        if let Some(c) = env.bounded("SENDER_CONCURRENCY", 1..=1000, "the sender's reserved concurrency, 1 to 1000")? {
            s.sender_concurrency = c;
        }
        // At least 6: the SES call gets a third of the lease, and less than 2 s would time out
        // sends SES was still taking.
        if let Some(l) = env.bounded("SEND_LEASE_SECS", 6..=900, "seconds, 6 to 900")? {
            s.lease_secs = l;
        }
        if let Some(n) = env.bounded("RECIPIENTS_PER_MESSAGE", 1..=500, "1 to 500")? {
            s.recipients_per_message = n;
        }
        if let Some(n) = env.bounded("PAGE_SIZE", 1..=10_000, "1 to 10000")? {
            s.page_size = n;
        }
        if let Some(t) = env.bounded("SDK_TIMEOUT_SECS", 1..=60, "seconds, 1 to 60, well under the function's timeout")? {
            s.operation_timeout = std::time::Duration::from_secs(t);
        }
        Ok(s)
    }

    /// The SES call's own time limit: always well inside the lease, so a slow call that
    /// still succeeds can never overlap a second sender's claim of the same send.
    pub fn ses_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis((self.lease_secs * 1000 / 3).min(10_000))
    }
}
