//! SES feedback: bounce and complaint events (configuration set → SNS topic → this handler)
//! suppress the address, so it is never emailed again.
//!
//! Both shapes SES publishes are read: configuration-set event publishing (`eventType`) and
//! identity notifications (`notificationType`). Only permanent bounces suppress: a transient
//! one (mailbox full, auto-reply) says nothing lasting about the address.

use aws_lambda_events::event::sns::SnsEvent;
use serde_json::Value;
use time::OffsetDateTime;

use crate::app::App;
use crate::store::{Store, StoreError, BOUNCED, COMPLAINED};

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("SNS message {id} is not an SES event: {reason}")]
    Malformed { id: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One address to suppress and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub email: String,
    pub status: &'static str,
    pub reason: String,
}

/// Reads an SES event (the SNS message body) into the suppressions it asks for.
pub fn suppressions(message: &str) -> Result<Vec<Suppression>, String> {
    let v: Value = serde_json::from_str(message).map_err(|e| format!("not JSON ({e})"))?;
    let kind = v.get("eventType").or_else(|| v.get("notificationType")).and_then(Value::as_str).ok_or("no eventType")?;
    let addresses = |list: Option<&Value>| -> Vec<String> {
        list.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|r| r.get("emailAddress").and_then(Value::as_str)).filter_map(bare_address).collect())
            .unwrap_or_default()
    };
    Ok(match kind {
        "Bounce" => {
            let b = v.get("bounce").ok_or("Bounce without bounce")?;
            let kind = b.get("bounceType").and_then(Value::as_str).unwrap_or_default();
            if kind != "Permanent" {
                return Ok(Vec::new());
            }
            let sub = b.get("bounceSubType").and_then(Value::as_str).unwrap_or("General");
            addresses(b.get("bouncedRecipients"))
                .into_iter()
                .map(|email| Suppression { email, status: BOUNCED, reason: format!("permanent bounce ({sub})") })
                .collect()
        }
        "Complaint" => {
            let c = v.get("complaint").ok_or("Complaint without complaint")?;
            let feedback = c.get("complaintFeedbackType").and_then(Value::as_str).unwrap_or("unspecified");
            addresses(c.get("complainedRecipients"))
                .into_iter()
                .map(|email| Suppression { email, status: COMPLAINED, reason: format!("complaint ({feedback})") })
                .collect()
        }
        _ => Vec::new(),
    })
}

/// `Name <a@b>` or `a@b` → the normalised address (as the table's key is).
fn bare_address(raw: &str) -> Option<String> {
    let inner = match (raw.rfind('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => &raw[a + 1..b],
        _ => raw,
    };
    crate::address::normalize(inner).ok()
}

/// Handles an SNS delivery. An unreadable message is logged and skipped (retrying cannot fix
/// it); a DynamoDB failure fails the invocation so Lambda retries it.
pub async fn handle(app: &App, event: SnsEvent) -> Result<usize, FeedbackError> {
    let store = Store { client: &app.dynamo, table: &app.config.table };
    let now = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut done = 0;
    for record in &event.records {
        let id = record.sns.message_id.clone();
        match suppressions(&record.sns.message) {
            Ok(list) => {
                for s in list {
                    store.suppress(&s.email, s.status, &s.reason, &now).await?;
                    tracing::info!(status = s.status, reason = %s.reason, "address suppressed");
                    done += 1;
                }
            }
            Err(reason) => tracing::error!(error = %FeedbackError::Malformed { id, reason }, "skipped"),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_shapes_and_only_permanent_bounces() {
        let event = r#"{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
            "bouncedRecipients":[{"emailAddress":"Gone <Gone@Example.com>"}]},"mail":{}}"#;
        assert_eq!(
            suppressions(event).unwrap(),
            vec![Suppression { email: "gone@example.com".into(), status: BOUNCED, reason: "permanent bounce (General)".into() }]
        );
        let notification = r#"{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@example.com"}],
            "complaintFeedbackType":"abuse"},"mail":{}}"#;
        assert_eq!(suppressions(notification).unwrap()[0].status, COMPLAINED);
        let transient =
            r#"{"eventType":"Bounce","bounce":{"bounceType":"Transient","bouncedRecipients":[{"emailAddress":"a@example.com"}]}}"#;
        assert!(suppressions(transient).unwrap().is_empty());
        assert!(suppressions(r#"{"eventType":"Delivery","delivery":{}}"#).unwrap().is_empty());
        assert!(suppressions("nope").is_err());
    }
}
