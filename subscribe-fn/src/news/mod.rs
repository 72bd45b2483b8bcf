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

pub mod announcement;
pub mod pace;
pub mod sender;
pub mod store;

use serde::{Deserialize, Serialize};

pub use crate::settings::news::Settings;

/// What travels on the send queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Read page `page` of the confirmed subscribers (after `after`, the last address of the
    /// page before) and queue them.
    Page { post: String, page: u64, after: Option<String> },
    /// Send the post to these addresses.
    Send { post: String, recipients: Vec<String> },
    /// SES took this email but marking its send item sent failed: mark it now (well inside the
    /// claim's lease), so the lease running out does not send it again.
    Sent { post: String, email: String, unsub_hash: String, message_id: String },
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
pub async fn enqueue(app: &crate::app::App, messages: &[Message]) -> Result<(), NewsError> {
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
pub async fn start(app: &crate::app::App, post: &str) -> Result<(), NewsError> {
    enqueue(app, &[Message::Page { post: post.to_string(), page: 0, after: None }]).await?;
    tracing::info!(post, "announcement fan-out started");
    Ok(())
}
