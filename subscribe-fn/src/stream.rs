//! The DynamoDB stream handler: sends the confirmation and welcome emails, and starts the
//! fan-out of new-post announcements (records of the announcements table).
//!
//! Each record is handled idempotently: before sending, a conditional update *claims* the email
//! (stores the confirm token hash, or sets `welcomed_at`) with a lease; a replayed record finds
//! the claim and sends nothing; once SES took the email the lease is removed. A claim whose
//! holder died between claim and SES call is taken over when its lease runs out (the handler
//! waits for it, bounded), so the email is neither lost nor doubled. When SES refuses for a
//! passing reason the claim is released and the record reported in `batchItemFailures`, so only
//! it is retried (and after the retries, goes to the DLQ); when SES refuses the address for
//! good, the address is marked bounced and the record is done; when SES's answer is lost (it
//! may have sent the email), the claim is settled as sent and the marker alarms.

use std::collections::HashSet;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::Value;
use time::OffsetDateTime;

use crate::app::App;
use crate::mail::{self, Blame, MailError};
use crate::news::NewsError;
use crate::store::{Store, StoreError, BOUNCED, CONFIRMED, PENDING};
use crate::token;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("stream record {0} has no readable NewImage with email, status and created_at; is the stream view NEW_AND_OLD_IMAGES?")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    News(#[from] NewsError),
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
    /// SES refused the address for good; it is marked bounced.
    Refused,
    /// SES's answer was lost; settled as sent (never sent twice), logged for the alarm.
    Unknown,
    /// An announcement's fan-out was started.
    Announced,
    Ignored,
    /// Claimed, but a limit forbids the email ([`crate::limits`]); settled like a sent one (the
    /// claim stays, the lease goes), so a replay does not try again.
    Limited(crate::limits::Refusal),
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

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Which email a claim is for.
#[derive(Clone, Copy)]
enum Kind {
    Confirmation,
    Welcome,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Welcome => "welcome",
        }
    }
}

/// After a lost claim: while another invocation holds a live lease on the email, watches it
/// (one read a second, bounded by the lease length). Says whether to try the claim again: yes
/// when the lease ran out with the email unsent (its holder died between claim and SES call),
/// no when the email was sent or the subscription moved on.
async fn wait_for_lease(store: &Store<'_>, email: &str, kind: Kind, lease_secs: u64) -> Result<bool, RecordError> {
    let give_up = now_secs() + lease_secs as i64 + 2;
    loop {
        let Some(item) = store.get(email).await? else { return Ok(false) };
        let (lease, status) = match kind {
            Kind::Confirmation => (item.confirm_lease, PENDING),
            Kind::Welcome => (item.welcome_lease, CONFIRMED),
        };
        let Some(until) = lease.filter(|_| item.status == status) else { return Ok(false) };
        let now = now_secs();
        if until < now {
            return Ok(true);
        }
        if now > give_up {
            return Ok(false);
        }
        tracing::info!(email = kind.name(), lease_left_secs = until - now, "claim held by another invocation; watching its lease");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// What SES's answer means for a claimed email.
async fn settle(
    store: &Store<'_>,
    email: &str,
    kind: Kind,
    sent: Result<String, MailError>,
    release: impl std::future::Future<Output = Result<(), StoreError>>,
    complete: impl std::future::Future<Output = Result<(), StoreError>>,
) -> Result<Outcome, RecordError> {
    match sent {
        Ok(id) => {
            tracing::info!(ses_message_id = %id, "{} email sent", kind.name());
            complete.await?;
            Ok(Outcome::Sent)
        }
        Err(MailError::Send { blame: Blame::Unknown, message, .. }) => {
            // SES may have taken it. Sending again could double it and would replace the
            // token of the copy that may be in the inbox, so it is settled as sent and marked
            // for the alarm: a reader whose confirmation never came asks again from the form
            // (store::RESEND_AFTER_SECS), and a lost welcome costs nothing.
            tracing::error!(error = %message, "{}: no answer from SES for the {} email; settled as sent", mail::OUTCOME_UNKNOWN, kind.name());
            complete.await?;
            Ok(Outcome::Unknown)
        }
        Err(MailError::Send { blame: Blame::Recipient, message, .. }) => {
            // SES will never deliver to this address: the claim stays, finished (no retry sends
            // it, none waits for it), and the address is marked so it is never emailed again.
            tracing::warn!(error = %message, "{} email refused for good; address marked bounced", kind.name());
            complete.await?;
            store.suppress(email, BOUNCED, &format!("SES refused: {message}"), &now_text()).await?;
            Ok(Outcome::Refused)
        }
        Err(e) => {
            if let MailError::Send { blame: Blame::Message, message, .. } = &e {
                // Every confirmation would be refused alike: the marker raises an alarm.
                tracing::error!(error = %message, "{}: SES refused the {} email itself", mail::MESSAGE_REJECTED, kind.name());
            }
            release.await?;
            Err(e.into())
        }
    }
}

/// Handles one record.
pub async fn handle_record(app: &App, record: &EventRecord) -> Result<Outcome, RecordError> {
    if let Some(post) = announcement_key(record) {
        // Only the insert is the announcement; later changes are the fan-out's own progress.
        if record.event_name != "INSERT" {
            return Ok(Outcome::Ignored);
        }
        crate::news::start(app, &post).await?;
        return Ok(Outcome::Announced);
    }
    let store = Store { client: &app.dynamo, table: &app.config.table };
    let lease_secs = app.config.news.lease_secs;
    // The language the item was subscribed in (the form's page), if the site still has it.
    let lang = app.config.languages.pick(attr_s(&image(&record.change.new_image), "lang")).to_string();
    match classify(record)? {
        Action::Nothing => Ok(Outcome::Ignored),
        Action::SendConfirmation { email, created_at } => {
            let confirm = token::mint(&email);
            let unsub = token::mint(&email);
            let mut claimed = false;
            for attempt in 0..2 {
                let now = now_secs();
                let lease = now + lease_secs as i64;
                claimed = store.claim_confirmation(&email, &created_at, &confirm.hash, &unsub.hash, &now_text(), now, lease).await?;
                if claimed || attempt == 1 || !wait_for_lease(&store, &email, Kind::Confirmation, lease_secs).await? {
                    break;
                }
            }
            if !claimed {
                return Ok(Outcome::AlreadyHandled);
            }
            if let Some(why) = crate::limits::first_email_refused(app, &email).await? {
                store.complete(&email, "confirm_lease", "confirm_token_hash", &confirm.hash).await?;
                return Ok(Outcome::Limited(why));
            }
            let sent = async {
                let message = app.mailer.confirmation(&app.config, &email, &lang, &confirm.token, &unsub.token)?;
                mail::send(&app.ses, &app.config, &message).await
            }
            .await;
            settle(
                &store,
                &email,
                Kind::Confirmation,
                sent,
                store.release_confirmation(&email, &confirm.hash, &unsub.hash),
                store.complete(&email, "confirm_lease", "confirm_token_hash", &confirm.hash),
            )
            .await
        }
        Action::SendWelcome { email, created_at } => {
            let unsub = token::mint(&email);
            let mut claimed_at = String::new();
            let mut claimed = false;
            for attempt in 0..2 {
                claimed_at = now_text();
                let now = now_secs();
                claimed = store.claim_welcome(&email, &created_at, &unsub.hash, &claimed_at, now, now + lease_secs as i64).await?;
                if claimed || attempt == 1 || !wait_for_lease(&store, &email, Kind::Welcome, lease_secs).await? {
                    break;
                }
            }
            if !claimed {
                return Ok(Outcome::AlreadyHandled);
            }
            // Without double opt-in the welcome is the first email a stranger can cause.
            if !app.config.double_opt_in {
                if let Some(why) = crate::limits::first_email_refused(app, &email).await? {
                    store.complete(&email, "welcome_lease", "welcomed_at", &claimed_at).await?;
                    return Ok(Outcome::Limited(why));
                }
            }
            let sent = async {
                let message = app.mailer.welcome(&app.config, &email, &lang, &unsub.token)?;
                mail::send(&app.ses, &app.config, &message).await
            }
            .await;
            settle(
                &store,
                &email,
                Kind::Welcome,
                sent,
                store.release_welcome(&email, &claimed_at, &unsub.hash),
                store.complete(&email, "welcome_lease", "welcomed_at", &claimed_at),
            )
            .await
        }
    }
}

/// The post path of a record from the announcements table (its key is `post`, the
/// subscribers table's is `email`).
fn announcement_key(record: &EventRecord) -> Option<String> {
    let keys = image(&record.change.keys);
    attr_s(&keys, "post").map(str::to_string)
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
        let key = attr_s(&key, "email").or_else(|| attr_s(&key, "post")).unwrap_or_default().to_string();
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
