//! New-post announcements: one email per new post to every confirmed subscriber, exactly once.
//!
//! The pipeline (see subscribe-fn/README.md for the whole design):
//! 1. `myblog deploy` writes one item per new post into the announcements table, with
//!    `attribute_not_exists(post)`: that conditional write is what makes "announced once" a
//!    DynamoDB guarantee.
//! 2. The table's stream (INSERT) reaches [`crate::stream::handle`], which puts one
//!    [`Message::Page`] for page 0 on the send queue ([`start`]).
//! 3. [`sender::handle`] (SQS consumer) turns a page message into one page of confirmed
//!    subscribers read from the `status-index` GSI, hands them to the queue in
//!    [`Message::Send`] batches and chains the next page: no invocation ever holds the list.
//! 4. Each (post, subscriber) send is claimed in the sends table with a lease, checked against
//!    the subscriber's current status, paced, sent through SES and marked sent.

pub mod pace;
pub mod sender;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

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
            operation_timeout: crate::OPERATION_TIMEOUT,
        }
    }
}

impl Settings {
    pub fn from_lookup(get: &dyn Fn(&'static str) -> Option<String>) -> Result<Settings, ConfigError> {
        let invalid = |name: &'static str, value: &str, reason: &str| ConfigError::Invalid {
            name,
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let mut s = Settings {
            announcements_table: get("ANNOUNCEMENTS_TABLE"),
            sends_table: get("SENDS_TABLE"),
            queue_url: get("SEND_QUEUE_URL"),
            configuration_set: get("CONFIGURATION_SET"),
            ..Settings::default()
        };
        if let Some(v) = get("SEND_RATE") {
            match v.parse::<f64>() {
                Ok(r) if r.is_finite() && r > 0.0 && r <= 10_000.0 => s.send_rate = Some(r),
                _ => return Err(invalid("SEND_RATE", &v, "emails per second, a number above 0 (e.g. 14)")),
            }
        }
        // Whole numbers in a range; out of range or unreadable is a refused configuration.
        let whole = |name: &'static str, range: std::ops::RangeInclusive<u64>, reason: &str| -> Result<Option<u64>, ConfigError> {
            match get(name) {
                None => Ok(None),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if range.contains(&n) => Ok(Some(n)),
                    _ => Err(invalid(name, &v, reason)),
                },
            }
        };
        if let Some(c) = whole("SENDER_CONCURRENCY", 1..=1000, "the sender's reserved concurrency, 1 to 1000")? {
            s.sender_concurrency = c as u32;
        }
        // At least 6: the SES call gets a third of the lease, and less than 2 s would time out
        // sends SES was still taking.
        if let Some(l) = whole("SEND_LEASE_SECS", 6..=900, "seconds, 6 to 900")? {
            s.lease_secs = l;
        }
        if let Some(n) = whole("RECIPIENTS_PER_MESSAGE", 1..=500, "1 to 500")? {
            s.recipients_per_message = n as usize;
        }
        if let Some(n) = whole("PAGE_SIZE", 1..=10_000, "1 to 10000")? {
            s.page_size = n as i32;
        }
        if let Some(t) = whole("SDK_TIMEOUT_SECS", 1..=60, "seconds, 1 to 60, well under the function's timeout")? {
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

/// What travels on the send queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Read page `page` of the confirmed subscribers (after `after`, the last address of the
    /// page before) and queue them.
    Page { post: String, page: u64, after: Option<String> },
    /// Send the post to these addresses.
    Send { post: String, recipients: Vec<String> },
}

#[derive(Debug, thiserror::Error)]
pub enum NewsError {
    #[error("{0} is not set: the announcement pipeline needs it (infra/template.yaml sets it)")]
    NotConfigured(&'static str),
    #[error("SQS {operation} failed: {message}")]
    Queue { operation: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("message {0} is not a page or send message: {1}")]
    BadMessage(String, String),
}

pub(crate) fn required<'a>(v: &'a Option<String>, name: &'static str) -> Result<&'a str, NewsError> {
    v.as_deref().ok_or(NewsError::NotConfigured(name))
}

/// Puts messages on the send queue, ten per request (SQS's batch limit).
pub async fn enqueue(app: &crate::App, messages: &[Message]) -> Result<(), NewsError> {
    use aws_sdk_sqs::error::ProvideErrorMetadata as _;
    use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
    let queue = required(&app.config.news.queue_url, "SEND_QUEUE_URL")?;
    for chunk in messages.chunks(10) {
        let mut req = app.sqs.send_message_batch().queue_url(queue);
        for (i, m) in chunk.iter().enumerate() {
            let body = serde_json::to_string(m).unwrap_or_default();
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(body)
                .build()
                .map_err(|e| NewsError::Queue { operation: "SendMessageBatch", message: e.to_string() })?;
            req = req.entries(entry);
        }
        let out = req.send().await.map_err(|e| NewsError::Queue {
            operation: "SendMessageBatch",
            message: match e.as_service_error() {
                Some(se) => format!("{}: {}", se.code().unwrap_or("error"), se.message().unwrap_or_default()),
                None => format!("{e:?}"),
            },
        })?;
        if let Some(f) = out.failed().first() {
            return Err(NewsError::Queue {
                operation: "SendMessageBatch",
                message: format!(
                    "{} of {} entries refused, first: {} {}",
                    out.failed().len(),
                    chunk.len(),
                    f.code(),
                    f.message().unwrap_or_default()
                ),
            });
        }
    }
    Ok(())
}

/// A new announcement item appeared on the announcements table's stream: start its fan-out
/// with page 0. Repeating this (a replayed stream record) only queues a duplicate page message,
/// which the page's progress marker turns into a no-op.
pub async fn start(app: &crate::App, post: &str) -> Result<(), NewsError> {
    enqueue(app, &[Message::Page { post: post.to_string(), page: 0, after: None }]).await?;
    tracing::info!(post, "announcement fan-out started");
    Ok(())
}
