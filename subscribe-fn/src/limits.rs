//! Limits that hold against a script: per normalised mailbox, per viewer address and per day for
//! the whole site, plus the 30-day "Not you?" block. None of them may tell anyone whether an
//! address is subscribed, so [`crate::http`] answers a mailbox refusal exactly like a success.
//!
//! Counters live in their own DynamoDB table (`LIMITS_TABLE`, key `pk`, TTL on `ttl`), not in
//! the subscribers table, whose stream sends emails. Every counter is one atomic conditional
//! `UpdateItem ADD n :1` that succeeds only while `n < max`, so concurrent Lambdas can never
//! exceed a limit; items expire by TTL a day after their window ends.
//!
//! Keys: `ip#<address, /64 or /56>#<YYYY-MM-DD>T<HH>` (subscribe), `links#<same>#<same>`
//! (confirm and unsubscribe), `mailbox#<mailbox>#<YYYY-MM-DD>`,
//! `budget#<YYYY-MM-DD>` (UTC), `declined#<mailbox>`.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

pub use crate::settings::limits::Settings;
use crate::store::{applied, err, StoreError};

/// Logged (at error level) whenever the daily email budget refuses something; the stack's
/// metric filter counts this exact text and alarms on it (infra/template.yaml).
pub const BUDGET_REACHED: &str = "EMAIL_BUDGET_REACHED";

/// "Not you?": the mailbox gets nothing from the site for this long, whoever asks.
pub const DECLINE_DAYS: i64 = 30;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// The mailbox an address delivers to, as far as it can be known: `+tag` dropped (every big
/// provider delivers `a+x@` to `a@`), and for Gmail the dots too (`j.o.e@gmail.com` is
/// `joe@gmail.com`) with `googlemail.com` as `gmail.com`. Input is already normalised by
/// [`crate::address::normalize`] (trimmed, lowercase).
pub fn mailbox(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else { return email.to_string() };
    let local = local.split('+').next().unwrap_or(local);
    let (local, domain) = match domain {
        "gmail.com" | "googlemail.com" => (local.replace('.', ""), "gmail.com"),
        other => (local.to_string(), other),
    };
    format!("{local}@{domain}")
}

/// Which allowance a viewer's request draws on: the subscribe form, or the emails' links whose
/// token does not check out (confirm and unsubscribe), each counted on its own so a flood of
/// one does not lock readers out of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Subscribe,
    Links,
}

/// Why a first email was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Someone clicked "Not you?" for this mailbox in the last [`DECLINE_DAYS`] days.
    Declined,
    /// The mailbox already got its confirmations for today.
    MailboxLimit,
    /// The site's daily budget is spent.
    Budget,
}

fn date(now: i64) -> String {
    OffsetDateTime::from_unix_timestamp(now).map(|t| t.date().to_string()).unwrap_or_else(|_| format!("day{}", now.div_euclid(DAY)))
}

/// Seconds until the next UTC midnight (when the daily counters start again).
pub fn until_tomorrow(now: i64) -> i64 {
    DAY - now.rem_euclid(DAY)
}

/// Seconds until the next full hour.
pub fn until_next_hour(now: i64) -> i64 {
    HOUR - now.rem_euclid(HOUR)
}

/// The counters table; cheap to build per request.
pub struct Limits<'a> {
    pub client: &'a Client,
    pub table: &'a str,
    pub settings: &'a Settings,
}

impl<'a> Limits<'a> {
    /// `None` when no table is configured (no limits).
    pub fn new(client: &'a Client, settings: &'a Settings) -> Option<Limits<'a>> {
        Some(Limits { client, table: settings.table.as_deref()?, settings })
    }

    /// Counts one under `key` if fewer than `max` were counted; false when the limit is reached.
    async fn take(&self, key: &str, max: u32, expires: i64) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .key("pk", AttributeValue::S(key.to_string()))
            .update_expression("ADD n :one SET #ttl = if_not_exists(#ttl, :ttl)")
            .condition_expression("attribute_not_exists(n) OR n < :max")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
            .expression_attribute_values(":ttl", AttributeValue::N(expires.to_string()))
            .send()
            .await;
        applied(res, "UpdateItem", self.table)
    }

    async fn get_n(&self, key: &str) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(self.table)
            .key("pk", AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("GetItem", self.table, &e))?;
        let num = |item: &std::collections::HashMap<String, AttributeValue>, k: &str| {
            item.get(k).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok())
        };
        Ok(out.item().map(|i| (num(i, "n").unwrap_or(0), num(i, "until"))))
    }

    /// One request of `route` from `viewer` (see [`crate::guard::rate_key`]); `Some(retry_after)`
    /// when this clock hour's allowance is used up.
    pub async fn take_ip(&self, route: Route, viewer: &str, now: i64) -> Result<Option<i64>, StoreError> {
        self.take_hourly(route, viewer, self.allowance(route), now).await
    }

    /// The same for an IPv6 viewer's /56 (see [`crate::guard::wide_rate_key`]), with `factor`
    /// times the allowance: rotating through the /64s of one /56 does not multiply it.
    pub async fn take_wide(&self, route: Route, viewer: &str, factor: u32, now: i64) -> Result<Option<i64>, StoreError> {
        self.take_hourly(route, viewer, self.allowance(route).saturating_mul(factor), now).await
    }

    fn allowance(&self, route: Route) -> u32 {
        match route {
            Route::Subscribe => self.settings.per_ip_per_hour,
            Route::Links => self.settings.links_per_ip_per_hour,
        }
    }

    async fn take_hourly(&self, route: Route, viewer: &str, max: u32, now: i64) -> Result<Option<i64>, StoreError> {
        let window_end = now - now.rem_euclid(HOUR) + HOUR;
        let prefix = match route {
            Route::Subscribe => "ip",
            Route::Links => "links",
        };
        let key = format!("{prefix}#{viewer}#{}T{:02}", date(now), now.rem_euclid(DAY) / HOUR);
        Ok(if self.take(&key, max, window_end + DAY).await? { None } else { Some(until_next_hour(now)) })
    }

    /// `Some(retry_after)` when today's email budget is spent: subscribe then answers 503.
    pub async fn budget_spent(&self, now: i64) -> Result<Option<i64>, StoreError> {
        let used = self.get_n(&format!("budget#{}", date(now))).await?.map(|(n, _)| n).unwrap_or(0);
        Ok((used >= i64::from(self.settings.daily_email_budget)).then(|| until_tomorrow(now)))
    }

    /// "Not you?": blocks every first email to the mailbox of `email` for [`DECLINE_DAYS`].
    pub async fn decline(&self, email: &str, now: i64) -> Result<(), StoreError> {
        let until = now + DECLINE_DAYS * DAY;
        self.client
            .put_item()
            .table_name(self.table)
            .item("pk", AttributeValue::S(format!("declined#{}", mailbox(email))))
            .item("until", AttributeValue::N(until.to_string()))
            .item("ttl", AttributeValue::N(until.to_string()))
            .send()
            .await
            .map_err(|e| err("PutItem", self.table, &e))?;
        Ok(())
    }

    /// Asked by the stream function right before the first email of a subscription round (after
    /// it claimed the round, so a replayed record does not count twice): the decline block, then
    /// one of the mailbox's daily confirmations, then one unit of the site's daily budget.
    pub async fn may_send_first_email(&self, email: &str, now: i64) -> Result<Result<(), Refusal>, StoreError> {
        let mailbox = mailbox(email);
        // DynamoDB deletes expired items up to days late: the stored end counts, not the item.
        if let Some((_, Some(until))) = self.get_n(&format!("declined#{mailbox}")).await? {
            if until > now {
                return Ok(Err(Refusal::Declined));
            }
        }
        let expires = now - now.rem_euclid(DAY) + 2 * DAY;
        if !self.take(&format!("mailbox#{mailbox}#{}", date(now)), self.settings.per_mailbox_per_day, expires).await? {
            return Ok(Err(Refusal::MailboxLimit));
        }
        if !self.take(&format!("budget#{}", date(now)), self.settings.daily_email_budget, expires).await? {
            tracing::error!(
                marker = BUDGET_REACHED,
                budget = self.settings.daily_email_budget,
                "{BUDGET_REACHED}: daily email budget spent"
            );
            return Ok(Err(Refusal::Budget));
        }
        Ok(Ok(()))
    }
}

/// The stream function's check before the first email of a round: `Some(refusal)` means do not
/// send. Logged here so the stream code stays a one-line call.
pub async fn first_email_refused(app: &crate::app::App, email: &str) -> Result<Option<Refusal>, StoreError> {
    let Some(limits) = Limits::new(&app.dynamo, &app.config.limits) else { return Ok(None) };
    let refused = limits.may_send_first_email(email, OffsetDateTime::now_utc().unix_timestamp()).await?.err();
    if let Some(why) = refused {
        tracing::warn!(refusal = ?why, "first email not sent: limit");
    }
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_are_normalised() {
        for (a, b) in [
            ("victim@gmail.com", "victim@gmail.com"),
            ("v.i.c.t.i.m@gmail.com", "victim@gmail.com"),
            ("victim+1@gmail.com", "victim@gmail.com"),
            ("vic.tim+news+x@googlemail.com", "victim@gmail.com"),
            ("first.last+tag@example.org", "first.last@example.org"),
            ("first.last@example.org", "first.last@example.org"),
        ] {
            assert_eq!(mailbox(a), b, "{a}");
        }
    }

    #[test]
    fn windows() {
        let t = 1_764_547_200; // 2025-12-01T00:00:00Z
        assert_eq!(date(t), "2025-12-01");
        assert_eq!(date(t + DAY - 1), "2025-12-01");
        assert_eq!(until_tomorrow(t + 10), DAY - 10);
        assert_eq!(until_next_hour(t + 3599), 1);
    }
}
