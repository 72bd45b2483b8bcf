//! The `subscribers` table (see DESIGN.md): every write is conditional, so concurrent or
//! replayed requests cannot create duplicates or resurrect stale state.
//!
//! Item: `email` (key), `status` (pending | confirmed | unsubscribed), `created_at` (RFC 3339,
//! identifies one subscription "generation"), `ttl` (epoch seconds, pending items only),
//! `confirm_token_hash`, `unsubscribe_token_hash` (string set: every unsubscribe link sent stays
//! valid), `confirm_sent_at`, `confirmed_at`, `welcomed_at`, `unsubscribed_at`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

pub const PENDING: &str = "pending";
pub const CONFIRMED: &str = "confirmed";
pub const UNSUBSCRIBED: &str = "unsubscribed";
/// "Not you?" on a pending subscription: nothing is sent to the address until `ttl`
/// ([`crate::limits::DECLINE_DAYS`] days), when the item expires.
pub const DECLINED: &str = "declined";
/// SES reported a permanent bounce, or refused the address for good: never emailed again.
pub const BOUNCED: &str = "bounced";
/// The recipient marked an email as spam: never emailed again.
pub const COMPLAINED: &str = "complained";

/// Global secondary index on (`status`, `email`): the fan-out of a new post reads the
/// `confirmed` partition page by page (never a scan), and `myblog subscribers` counts each
/// status with one query.
pub const STATUS_INDEX: &str = "status-index";

/// Global secondary index on (`status`, `email`) that also carries `lang`: on a multilingual
/// site the fan-out reads the `confirmed` partition filtered to the post's language, and
/// `myblog subscribers` counts the languages. A second index rather than a change of
/// `status-index`, which DynamoDB cannot re-project in place.
pub const STATUS_LANG_INDEX: &str = "status-lang-index";

#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} on table {table} failed: {message}")]
pub struct StoreError {
    pub operation: &'static str,
    pub table: String,
    pub message: String,
}

/// A subscriber as read from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub email: String,
    pub status: String,
    pub created_at: String,
    pub ttl: Option<i64>,
    pub confirm_token_hash: Option<String>,
    pub unsubscribe_token_hashes: Vec<String>,
    pub welcomed_at: Option<String>,
    /// While set, a stream invocation holds the confirmation email's claim until then (epoch
    /// seconds); removed once SES took the email.
    pub confirm_lease: Option<i64>,
    /// The same for the welcome email.
    pub welcome_lease: Option<i64>,
    /// The language of the page subscribed from (absent on items written before languages
    /// existed: the site's default language).
    pub lang: Option<String>,
}

impl Subscriber {
    /// Reads the attributes this crate relies on from an SDK item; `None` if the key or
    /// status is missing (not an item we wrote).
    pub fn from_item(item: &HashMap<String, AttributeValue>) -> Option<Subscriber> {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        Some(Subscriber {
            email: s("email")?,
            status: s("status")?,
            created_at: s("created_at").unwrap_or_default(),
            ttl: item.get("ttl").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()),
            confirm_token_hash: s("confirm_token_hash"),
            unsubscribe_token_hashes: item.get("unsubscribe_token_hash").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default(),
            welcomed_at: s("welcomed_at"),
            confirm_lease: item.get("confirm_lease").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()),
            welcome_lease: item.get("welcome_lease").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()),
            lang: s("lang"),
        })
    }
}

/// What a subscribe request did to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// A new item (or a new generation replacing an unsubscribed or expired one).
    Created,
    /// The address is already pending or confirmed; nothing changed.
    Exists,
}

/// A still-pending address gets a new confirmation email when it subscribes again this long
/// after the last one.
pub const RESEND_AFTER_SECS: i64 = 15 * 60;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn err<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    operation: &'static str,
    table: &str,
    e: &SdkError<E, R>,
) -> StoreError {
    let message = match e.as_service_error() {
        Some(se) => format!("{}: {}", se.code().unwrap_or("error"), se.message().unwrap_or_default()),
        None => format!("{e:?}"),
    };
    StoreError { operation, table: table.to_string(), message }
}

fn is_condition_failed<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException")
}

/// The outcome of a conditional write: `true` when applied, `false` when its condition did not
/// hold (another writer got there first, or the item has moved on); other failures are errors.
pub(crate) fn applied<T, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    res: Result<T, SdkError<E, R>>,
    operation: &'static str,
    table: &str,
) -> Result<bool, StoreError> {
    match res {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failed(&e) => Ok(false),
        Err(e) => Err(err(operation, table, &e)),
    }
}

/// Table access; cheap to build per request (the client is shared).
pub struct Store<'a> {
    pub client: &'a Client,
    pub table: &'a str,
}

impl Store<'_> {
    pub async fn get(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(self.table)
            .key("email", s(email))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("GetItem", self.table, &e))?;
        Ok(out.item().and_then(Subscriber::from_item))
    }

    /// Creates a subscription unless one is confirmed, or pending and asked for less than
    /// [`RESEND_AFTER_SECS`] ago. `confirmed` is the double-opt-in-off path.
    /// `lang`: one of the site's languages (the emails' language, and the posts announced).
    pub async fn put_new(&self, email: &str, created_at: &str, ttl: i64, confirmed: bool, lang: &str) -> Result<PutOutcome, StoreError> {
        let mut req = self
            .client
            .put_item()
            .table_name(self.table)
            .item("email", s(email))
            .item("created_at", s(created_at))
            .item("lang", s(lang))
            // One write decides: the key is new, or the old generation is over: unsubscribed,
            // or pending for long enough that the reader may have lost the email (this also
            // covers pending items past their TTL, which DynamoDB deletes lazily and moto
            // never). A new generation sends a new confirmation; the wait keeps the form from
            // being used to flood someone's inbox.
            // A declined address stays blocked until its own `ttl` has passed.
            .condition_expression(
                "attribute_not_exists(email) OR #s = :unsub OR (#s = :pending AND #ttl < :resend) OR (#s = :declined AND #ttl < :now)",
            )
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":unsub", s(UNSUBSCRIBED))
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":resend", n(ttl - RESEND_AFTER_SECS))
            .expression_attribute_values(":declined", s(DECLINED))
            .expression_attribute_values(":now", n(unix_time(created_at)));
        req = if confirmed {
            req.item("status", s(CONFIRMED)).item("confirmed_at", s(created_at))
        } else {
            req.item("status", s(PENDING)).item("ttl", n(ttl))
        };
        let created = applied(req.send().await, "PutItem", self.table)?;
        Ok(if created { PutOutcome::Created } else { PutOutcome::Exists })
    }

    /// pending → confirmed if the token hash still matches and the link has not expired.
    /// Returns false when the condition failed.
    pub async fn confirm(&self, email: &str, token_hash: &str, now: i64, now_text: &str) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("SET #s = :confirmed, confirmed_at = :at REMOVE #ttl")
            .condition_expression("#s = :pending AND confirm_token_hash = :h AND #ttl >= :now")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":confirmed", s(CONFIRMED))
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":h", s(token_hash))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":at", s(now_text))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    /// "Not you?" on the pending round `created_at`: status declined until `until` (also its
    /// `ttl`, so the item then expires). False when the round is no longer pending.
    pub async fn decline(&self, email: &str, created_at: &str, now_text: &str, until: i64) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("SET #s = :declined, declined_at = :at, #ttl = :until")
            .condition_expression("created_at = :c AND #s = :pending")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":declined", s(DECLINED))
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":c", s(created_at))
            .expression_attribute_values(":at", s(now_text))
            .expression_attribute_values(":until", n(until))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    /// Marks the subscription generation `created_at` unsubscribed (idempotent).
    pub async fn unsubscribe(&self, email: &str, created_at: &str, now_text: &str) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("SET #s = :unsub, unsubscribed_at = :at REMOVE #ttl")
            // A bounced or complained address stays suppressed: unsubscribing it would let it
            // subscribe (and be emailed) again.
            .condition_expression("created_at = :c AND #s <> :unsub AND #s <> :bounced AND #s <> :complained")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":unsub", s(UNSUBSCRIBED))
            .expression_attribute_values(":bounced", s(BOUNCED))
            .expression_attribute_values(":complained", s(COMPLAINED))
            .expression_attribute_values(":c", s(created_at))
            .expression_attribute_values(":at", s(now_text))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    /// Claims the right to send the confirmation email of generation `created_at` by storing
    /// its token hashes, with a lease until `lease_until`. False: another invocation already
    /// sent it (replay), holds a live lease, or the item moved on. An expired lease (its holder
    /// died between claim and SES call) is taken over.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_confirmation(
        &self,
        email: &str,
        created_at: &str,
        confirm_hash: &str,
        unsubscribe_hash: &str,
        now_text: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("SET confirm_token_hash = :h, confirm_sent_at = :at, confirm_lease = :lease ADD unsubscribe_token_hash :u")
            .condition_expression(
                "#s = :pending AND created_at = :c AND (attribute_not_exists(confirm_token_hash) OR confirm_lease < :now)",
            )
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":c", s(created_at))
            .expression_attribute_values(":h", s(confirm_hash))
            .expression_attribute_values(":u", AttributeValue::Ss(vec![unsubscribe_hash.to_string()]))
            .expression_attribute_values(":at", s(now_text))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    /// Undoes [`Store::claim_confirmation`] after SES refused the email, so a retry can claim again.
    pub async fn release_confirmation(&self, email: &str, confirm_hash: &str, unsubscribe_hash: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("REMOVE confirm_token_hash, confirm_sent_at, confirm_lease DELETE unsubscribe_token_hash :u")
            .condition_expression("confirm_token_hash = :h")
            .expression_attribute_values(":h", s(confirm_hash))
            .expression_attribute_values(":u", AttributeValue::Ss(vec![unsubscribe_hash.to_string()]))
            .send()
            .await;
        // Already released (or never claimed): nothing to undo.
        applied(res, "UpdateItem", self.table).map(|_| ())
    }

    /// Claims the welcome email of generation `created_at` (sets `welcomed_at`), with a lease as
    /// [`Store::claim_confirmation`].
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_welcome(
        &self,
        email: &str,
        created_at: &str,
        unsubscribe_hash: &str,
        now_text: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("SET welcomed_at = :at, welcome_lease = :lease ADD unsubscribe_token_hash :u")
            .condition_expression("#s = :confirmed AND created_at = :c AND (attribute_not_exists(welcomed_at) OR welcome_lease < :now)")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":confirmed", s(CONFIRMED))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":c", s(created_at))
            .expression_attribute_values(":u", AttributeValue::Ss(vec![unsubscribe_hash.to_string()]))
            .expression_attribute_values(":at", s(now_text))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    /// Undoes [`Store::claim_welcome`] after SES refused the email.
    pub async fn release_welcome(&self, email: &str, welcomed_at: &str, unsubscribe_hash: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression("REMOVE welcomed_at, welcome_lease DELETE unsubscribe_token_hash :u")
            .condition_expression("welcomed_at = :at")
            .expression_attribute_values(":at", s(welcomed_at))
            .expression_attribute_values(":u", AttributeValue::Ss(vec![unsubscribe_hash.to_string()]))
            .send()
            .await;
        // Already released (or never claimed): nothing to undo.
        applied(res, "UpdateItem", self.table).map(|_| ())
    }

    /// Ends a confirmation or welcome lease once SES took the email: from then on no retry can
    /// claim (and send) it again. `lease` is `confirm_lease` or `welcome_lease`; `owner` names
    /// the claim (`confirm_token_hash` or `welcomed_at`) and `value` our claim's value of it.
    pub async fn complete(&self, email: &str, lease: &'static str, owner: &'static str, value: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression(format!("REMOVE {lease}"))
            .condition_expression(format!("{owner} = :v"))
            .expression_attribute_values(":v", s(value))
            .send()
            .await;
        applied(res, "UpdateItem", self.table).map(|_| ())
    }

    /// Marks an address `bounced` or `complained` (from SES feedback, or a permanent refusal),
    /// creating the item if there is none, so the address can neither be emailed nor
    /// subscribed again. Pending confirmations lose their TTL: the suppression is kept.
    pub async fn suppress(&self, email: &str, status: &str, reason: &str, now_text: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("email", s(email))
            .update_expression(
                "SET #s = :st, suppressed_at = :at, suppression = :r, created_at = if_not_exists(created_at, :at) REMOVE #ttl",
            )
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":st", s(status))
            .expression_attribute_values(":at", s(now_text))
            .expression_attribute_values(":r", s(reason.chars().take(500).collect::<String>()))
            .send()
            .await;
        applied(res, "UpdateItem", self.table).map(|_| ())
    }
}

/// Epoch seconds of an RFC 3339 time; `created_at` is the request's own clock reading.
fn unix_time(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).map(|t| t.unix_timestamp()).unwrap_or(0)
}
