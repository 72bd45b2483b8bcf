//! The DynamoDB stream handler: sends the confirmation and welcome emails.
//!
//! Each record is handled idempotently: before sending, a conditional update *claims* the email
//! (stores the confirm token hash, or sets `welcomed_at`); a replayed record finds the claim and
//! sends nothing; when SES refuses, the claim is released and the record reported in
//! `batchItemFailures`, so only it is retried (and after the retries, goes to the DLQ).

use std::collections::HashSet;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::Value;
use time::OffsetDateTime;

use crate::mail::{self, MailError};
use crate::store::{Store, StoreError, CONFIRMED, PENDING};
use crate::token;
use crate::App;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("stream record {0} has no readable NewImage with email, status and created_at; is the stream view NEW_AND_OLD_IMAGES?")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// What a record asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SendConfirmation { email: String, created_at: String },
    SendWelcome { email: String, created_at: String },
    Nothing,
}

/// What handling a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Already claimed by an earlier delivery of the record, or the item moved on.
    AlreadyHandled,
    Ignored,
    /// Claimed, but a limit forbids the email ([`crate::limits`]); the claim stays, so a replay
    /// does not try again.
    Refused(crate::limits::Refusal),
}

/// The image as `{"attr": {"S": ...}}` JSON (serde_dynamo's wire form).
fn image(item: &impl serde::Serialize) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

fn attr_s<'a>(img: &'a Value, name: &str) -> Option<&'a str> {
    img.get(name)?.get("S")?.as_str()
}

fn has(img: &Value, name: &str) -> bool {
    img.get(name).is_some_and(|v| !v.is_null())
}

/// Decides from the images alone; the claims in the table make the decision safe to repeat.
pub fn classify(record: &EventRecord) -> Result<Action, RecordError> {
    if record.event_name != "INSERT" && record.event_name != "MODIFY" {
        return Ok(Action::Nothing);
    }
    let new = image(&record.change.new_image);
    let old = image(&record.change.old_image);
    let id = record_id(record);
    let (Some(email), Some(status), Some(created_at)) = (attr_s(&new, "email"), attr_s(&new, "status"), attr_s(&new, "created_at")) else {
        return Err(RecordError::Malformed(id));
    };
    let old_status = attr_s(&old, "status");
    // A new subscription generation: a new item, or one replacing an unsubscribed/expired one.
    let new_generation = old_status.is_none() || attr_s(&old, "created_at") != Some(created_at);
    let (email, created_at) = (email.to_string(), created_at.to_string());
    Ok(match status {
        PENDING if new_generation && !has(&new, "confirm_token_hash") => Action::SendConfirmation { email, created_at },
        CONFIRMED if (new_generation || old_status != Some(CONFIRMED)) && !has(&new, "welcomed_at") => {
            Action::SendWelcome { email, created_at }
        }
        _ => Action::Nothing,
    })
}

fn record_id(record: &EventRecord) -> String {
    record.change.sequence_number.clone().unwrap_or_else(|| record.event_id.clone())
}

fn now_text() -> String {
    OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Handles one record.
pub async fn handle_record(app: &App, record: &EventRecord) -> Result<Outcome, RecordError> {
    let store = Store { client: &app.dynamo, table: &app.config.table };
    match classify(record)? {
        Action::Nothing => Ok(Outcome::Ignored),
        Action::SendConfirmation { email, created_at } => {
            let confirm = token::mint(&email);
            let unsub = token::mint(&email);
            if !store.claim_confirmation(&email, &created_at, &confirm.hash, &unsub.hash, &now_text()).await? {
                return Ok(Outcome::AlreadyHandled);
            }
            if let Some(why) = crate::limits::first_email_refused(app, &email).await? {
                return Ok(Outcome::Refused(why));
            }
            let sent = async {
                let message = app.mailer.confirmation(&app.config, &email, &confirm.token, &unsub.token)?;
                mail::send(&app.ses, &app.config, &message).await
            }
            .await;
            match sent {
                Ok(id) => {
                    tracing::info!(ses_message_id = %id, "confirmation email sent");
                    Ok(Outcome::Sent)
                }
                Err(e) => {
                    store.release_confirmation(&email, &confirm.hash, &unsub.hash).await?;
                    Err(e.into())
                }
            }
        }
        Action::SendWelcome { email, created_at } => {
            let unsub = token::mint(&email);
            let claimed_at = now_text();
            if !store.claim_welcome(&email, &created_at, &unsub.hash, &claimed_at).await? {
                return Ok(Outcome::AlreadyHandled);
            }
            // Without double opt-in the welcome is the first email a stranger can cause.
            if !app.config.double_opt_in {
                if let Some(why) = crate::limits::first_email_refused(app, &email).await? {
                    return Ok(Outcome::Refused(why));
                }
            }
            let sent = async {
                let message = app.mailer.welcome(&app.config, &email, &unsub.token)?;
                mail::send(&app.ses, &app.config, &message).await
            }
            .await;
            match sent {
                Ok(id) => {
                    tracing::info!(ses_message_id = %id, "welcome email sent");
                    Ok(Outcome::Sent)
                }
                Err(e) => {
                    store.release_welcome(&email, &claimed_at, &unsub.hash).await?;
                    Err(e.into())
                }
            }
        }
    }
}

/// Handles a batch in order and reports the failed records by sequence number.
pub async fn handle(app: &App, event: Event) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    // Records of one address must not overtake each other: once one fails, the later ones of
    // the same key are reported failed too (Lambda retries them in order).
    let mut blocked: HashSet<String> = HashSet::new();
    for record in &event.records {
        let id = record_id(record);
        let key = image(&record.change.keys);
        let key = attr_s(&key, "email").unwrap_or_default().to_string();
        let result = if blocked.contains(&key) {
            tracing::warn!(sequence_number = %id, "skipped: an earlier record of the same key failed");
            Err(None)
        } else {
            handle_record(app, record).await.map_err(Some)
        };
        match result {
            Ok(outcome) => tracing::info!(sequence_number = %id, ?outcome, "record handled"),
            Err(e) => {
                if let Some(e) = e {
                    tracing::error!(sequence_number = %id, error = %e, "record failed");
                }
                blocked.insert(key);
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(id);
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(name: &str, old: Option<Value>, new: Option<Value>) -> EventRecord {
        let mut dynamodb = json!({ "Keys": {"email": {"S": "a@example.com"}}, "SequenceNumber": "7", "SizeBytes": 1 });
        if let Some(o) = old {
            dynamodb["OldImage"] = o;
        }
        if let Some(n) = new {
            dynamodb["NewImage"] = n;
        }
        serde_json::from_value(json!({ "eventID": "e", "eventName": name, "awsRegion": "us-east-1", "dynamodb": dynamodb }))
            .expect("record")
    }

    fn img(status: &str, created: &str, extra: &[&str]) -> Value {
        let mut v = json!({ "email": {"S": "a@example.com"}, "status": {"S": status}, "created_at": {"S": created} });
        for k in extra {
            v[*k] = json!({"S": "x"});
        }
        v
    }

    #[test]
    fn classifies_changes() {
        let confirm = Action::SendConfirmation { email: "a@example.com".into(), created_at: "t1".into() };
        let welcome = Action::SendWelcome { email: "a@example.com".into(), created_at: "t1".into() };
        let h = "confirm_token_hash";
        let w = "welcomed_at";
        let cases = [
            ("new pending", record("INSERT", None, Some(img("pending", "t1", &[]))), confirm.clone()),
            ("confirmation claimed", record("MODIFY", Some(img("pending", "t1", &[])), Some(img("pending", "t1", &[h]))), Action::Nothing),
            ("claim released", record("MODIFY", Some(img("pending", "t1", &[h])), Some(img("pending", "t1", &[]))), Action::Nothing),
            ("confirmed", record("MODIFY", Some(img("pending", "t1", &[h])), Some(img("confirmed", "t1", &[h]))), welcome.clone()),
            (
                "welcome claimed",
                record("MODIFY", Some(img("confirmed", "t1", &[h])), Some(img("confirmed", "t1", &[h, w]))),
                Action::Nothing,
            ),
            (
                "welcome released",
                record("MODIFY", Some(img("confirmed", "t1", &[h, w])), Some(img("confirmed", "t1", &[h]))),
                Action::Nothing,
            ),
            ("unsubscribed", record("MODIFY", Some(img("confirmed", "t1", &[w])), Some(img("unsubscribed", "t1", &[w]))), Action::Nothing),
            ("single opt-in", record("INSERT", None, Some(img("confirmed", "t1", &[]))), welcome),
            ("resubscribed", record("MODIFY", Some(img("unsubscribed", "t0", &[h, w])), Some(img("pending", "t1", &[]))), confirm.clone()),
            ("expired pending replaced", record("MODIFY", Some(img("pending", "t0", &[h])), Some(img("pending", "t1", &[]))), confirm),
            ("ttl delete", record("REMOVE", Some(img("pending", "t1", &[h])), None), Action::Nothing),
        ];
        for (name, rec, want) in cases {
            assert_eq!(classify(&rec).expect(name), want, "{name}");
        }
        assert!(
            matches!(classify(&record("INSERT", None, Some(json!({"email": {"S": "a@example.com"}})))), Err(RecordError::Malformed(id)) if id == "7")
        );
    }
}
