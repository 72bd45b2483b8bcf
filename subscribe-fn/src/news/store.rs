//! The announcements table (one item per announced post, written by `myblog deploy`) and the
//! sends table (one item per post and recipient: the claim, its lease and the outcome).
//!
//! Announcement item: `post` (key, the site path `/posts/x/`), `title`, `url`, `date`
//! (RFC 3339), `summary_html`, `summary_text`, `announced_at`, `lang` (multilingual sites, not
//! the default language); fan-out progress `next_page`,
//! `queued`, `fanout_done_at`.
//!
//! Send item: `post` (partition key), `email` (sort key), `state` sending | sent | suppressed |
//! failed, `lease_until` (epoch seconds, while sending), `unsub_hash` (hash of the unsubscribe
//! token the current claim's email carries: the claim's fence), `unsub_hashes` (every such hash
//! this send ever carried: a copy sent by a claim whose outcome was unknown keeps a working
//! link after a resend), `unknown_at` (when SES's answer to a send was lost), `attempts`,
//! `message_id`, `error`, `updated_at`, `ttl`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::app::App;
use crate::store::{applied, err, StoreError};

pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const SUPPRESSED: &str = "suppressed";
pub const FAILED: &str = "failed";

/// The sends table's partition key of the per-day announcement counters: not a site path (those
/// start with `/`), so no post's sends are ever under it.
pub const PER_DAY_KEY: &str = "#per-day";

/// Send items expire after this long (the per-post counts and the unsubscribe links of the
/// emails go with them; a later email carries a working link).
pub const SEND_RETENTION_SECS: i64 = 400 * 24 * 3600;

pub use super::announcement::Announcement;

/// The outcome of trying to claim a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This invocation owns the send until the lease runs out.
    Claimed,
    /// Another invocation holds a live lease on it (a concurrent duplicate delivery).
    Busy,
    /// Already sent, suppressed or failed for good: nothing to do.
    Done(String),
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub struct NewsStore<'a> {
    pub app: &'a App,
}

impl NewsStore<'_> {
    fn announcements(&self) -> Result<&str, super::NewsError> {
        super::required(&self.app.config.news.announcements_table, "ANNOUNCEMENTS_TABLE")
    }

    fn sends(&self) -> Result<&str, super::NewsError> {
        super::required(&self.app.config.news.sends_table, "SENDS_TABLE")
    }

    pub async fn announcement(&self, post: &str) -> Result<Option<Announcement>, super::NewsError> {
        let table = self.announcements()?;
        let out = self
            .app
            .dynamo
            .get_item()
            .table_name(table)
            .key("post", s(post))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("GetItem", table, &e))?;
        Ok(out.item().and_then(Announcement::from_item))
    }

    /// Records that page `page` was queued (`added` recipients). Only the first delivery of a
    /// page message moves the marker, so duplicates neither count twice nor chain twice.
    pub async fn advance_page(&self, post: &str, page: u64, added: usize, done: bool, now_text: &str) -> Result<bool, super::NewsError> {
        let table = self.announcements()?;
        let mut update = "SET next_page = :next, queued = if_not_exists(queued, :zero) + :added".to_string();
        if done {
            update.push_str(", fanout_done_at = :at");
        }
        let condition = if page == 0 { "attribute_not_exists(next_page) OR next_page = :page" } else { "next_page = :page" };
        let mut req = self
            .app
            .dynamo
            .update_item()
            .table_name(table)
            .key("post", s(post))
            .update_expression(update)
            .condition_expression(condition)
            .expression_attribute_values(":next", n(page as i64 + 1))
            .expression_attribute_values(":page", n(page as i64))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":added", n(added as i64));
        if done {
            req = req.expression_attribute_values(":at", s(now_text));
        }
        Ok(applied(req.send().await, "UpdateItem", table)?)
    }

    /// Takes one of the day's `cap` announcement slots for `post` (a UTC day, `day` as
    /// `YYYY-MM-DD`): an item of the sends table under a key no post has (`#per-day`) holds the
    /// set of posts that started a fan-out that day. Taking it again for the same post (a
    /// duplicate page message) is free; a post past the cap gets none.
    pub async fn take_daily_slot(&self, post: &str, day: &str, cap: u32, now: i64) -> Result<bool, super::NewsError> {
        let table = self.sends()?;
        let res = self
            .app
            .dynamo
            .update_item()
            .table_name(table)
            .key("post", s(PER_DAY_KEY))
            .key("email", s(day))
            .update_expression("ADD posts :p SET #ttl = :ttl")
            .condition_expression("attribute_not_exists(posts) OR contains(posts, :post) OR size(posts) < :cap")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":p", AttributeValue::Ss(vec![post.to_string()]))
            .expression_attribute_values(":post", s(post))
            .expression_attribute_values(":cap", n(i64::from(cap)))
            .expression_attribute_values(":ttl", n(now + 3 * 86_400))
            .send()
            .await;
        Ok(applied(res, "UpdateItem", table)?)
    }

    /// Records on the announcement why nobody is emailed (`myblog announcements` shows it).
    pub async fn refuse(&self, post: &str, reason: &str, now_text: &str) -> Result<(), super::NewsError> {
        let table = self.announcements()?;
        let res = self
            .app
            .dynamo
            .update_item()
            .table_name(table)
            .key("post", s(post))
            .update_expression("SET refused = :why, refused_at = :at")
            .condition_expression("attribute_exists(post)")
            .expression_attribute_values(":why", s(reason))
            .expression_attribute_values(":at", s(now_text))
            .send()
            .await;
        applied(res, "UpdateItem", table)?;
        Ok(())
    }

    /// Claims the send of `post` to `email` for `lease_secs`: wins when nobody claimed it, or
    /// when an earlier claim's lease ran out without the send being finished (its holder died
    /// between claim and SES call, or could not tell whether SES took the email).
    pub async fn claim(&self, post: &str, email: &str, unsub_hash: &str, now: i64, lease_secs: u64) -> Result<Claim, super::NewsError> {
        let table = self.sends()?;
        let res = self
            .app
            .dynamo
            .update_item()
            .table_name(table)
            .key("post", s(post))
            .key("email", s(email))
            .update_expression(
                "SET #st = :sending, lease_until = :lease, unsub_hash = :h, updated_at = :now, #ttl = :ttl ADD attempts :one, unsub_hashes :hs",
            )
            .condition_expression("attribute_not_exists(email) OR (#st = :sending AND lease_until < :now)")
            .expression_attribute_names("#st", "state")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":lease", n(now + lease_secs as i64))
            .expression_attribute_values(":h", s(unsub_hash))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":ttl", n(now + SEND_RETENTION_SECS))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":hs", AttributeValue::Ss(vec![unsub_hash.to_string()]))
            .send()
            .await;
        if applied(res, "UpdateItem", table)? {
            return Ok(Claim::Claimed);
        }
        // Lost: find out whether to come back later or never (rare path: one read).
        let item = self.send_item(post, email).await?.unwrap_or_default();
        let state = item.get("state").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        Ok(if state == SENDING { Claim::Busy } else { Claim::Done(state) })
    }

    /// An update of the send of `post` to `email` that applies only while the claim is ours
    /// (still sending, with our token's hash): `update` may use `#st`; the caller adds its values.
    fn update_our_claim(
        &self,
        table: &str,
        post: &str,
        email: &str,
        unsub_hash: &str,
        update: impl Into<String>,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.app
            .dynamo
            .update_item()
            .table_name(table)
            .key("post", s(post))
            .key("email", s(email))
            .update_expression(update)
            .condition_expression("unsub_hash = :h AND #st = :sending")
            .expression_attribute_names("#st", "state")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":h", s(unsub_hash))
    }

    /// Ends our claim with its outcome (sent, suppressed, failed); conditional on the claim
    /// still being ours.
    pub async fn finish(
        &self,
        post: &str,
        email: &str,
        unsub_hash: &str,
        state: &str,
        detail: Option<(&str, &str)>,
        now: i64,
    ) -> Result<bool, super::NewsError> {
        let table = self.sends()?;
        let mut update = "SET #st = :state, updated_at = :now".to_string();
        if let Some((name, _)) = detail {
            update.push_str(&format!(", {name} = :detail"));
        }
        update.push_str(" REMOVE lease_until");
        let mut req = self
            .update_our_claim(table, post, email, unsub_hash, update)
            .expression_attribute_values(":state", s(state))
            .expression_attribute_values(":now", n(now));
        if let Some((_, value)) = detail {
            req = req.expression_attribute_values(":detail", s(value));
        }
        Ok(applied(req.send().await, "UpdateItem", table)?)
    }

    /// Keeps our claim after a send whose outcome is unknown (SES may have taken the email):
    /// records when, and re-arms the lease from now, so nobody sends it again before a whole
    /// lease has passed. Conditional on the claim still being ours.
    pub async fn hold_unknown(
        &self,
        post: &str,
        email: &str,
        unsub_hash: &str,
        now: i64,
        lease_secs: u64,
    ) -> Result<bool, super::NewsError> {
        let table = self.sends()?;
        let res = self
            .update_our_claim(table, post, email, unsub_hash, "SET unknown_at = :now, lease_until = :lease, updated_at = :now")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":lease", n(now + lease_secs as i64))
            .send()
            .await;
        Ok(applied(res, "UpdateItem", table)?)
    }

    /// Gives a claim back after a failure that is worth retrying (throttling, timeouts), so the
    /// redelivered message can claim it at once instead of waiting for the lease.
    pub async fn release(&self, post: &str, email: &str, unsub_hash: &str) -> Result<(), super::NewsError> {
        let table = self.sends()?;
        let res = self
            .app
            .dynamo
            .delete_item()
            .table_name(table)
            .key("post", s(post))
            .key("email", s(email))
            .condition_expression("unsub_hash = :h AND #st = :sending")
            .expression_attribute_names("#st", "state")
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":h", s(unsub_hash))
            .send()
            .await;
        applied(res, "DeleteItem", table)?;
        Ok(())
    }

    /// Whether `hash` is the unsubscribe token hash of an email `post` sent to `email` (any
    /// copy: a resend after an unknown outcome carries a new token, the first copy's still works).
    pub async fn unsubscribe_hash_matches(&self, post: &str, email: &str, hash: &str) -> Result<bool, super::NewsError> {
        let item = self.send_item(post, email).await?.unwrap_or_default();
        let current = item.get("unsub_hash").and_then(|v| v.as_s().ok()).into_iter();
        let earlier = item.get("unsub_hashes").and_then(|v| v.as_ss().ok()).into_iter().flatten();
        // Every stored hash is compared (no early exit): the time says nothing about which matched.
        Ok(current.chain(earlier).fold(false, |hit, stored| crate::token::hashes_equal(stored, hash) | hit))
    }

    async fn send_item(&self, post: &str, email: &str) -> Result<Option<HashMap<String, AttributeValue>>, super::NewsError> {
        let table = self.sends()?;
        let out = self
            .app
            .dynamo
            .get_item()
            .table_name(table)
            .key("post", s(post))
            .key("email", s(email))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("GetItem", table, &e))?;
        Ok(out.item)
    }
}

/// Reads one page of confirmed subscribers from the `status-index` GSI (partition `status`,
/// sort `email`), after `after`. Returns the addresses and whether more follow.
///
/// `lang`: on a multilingual site, the post's language: the page is read from
/// `status-lang-index` (the same keys, with `lang` projected) and filtered to the subscribers
/// of that language, those without one (or with one the site no longer has) counting as the
/// default language's. A filtered page may
/// hold fewer than `limit` addresses, or none, and still have more after it: paging follows
/// DynamoDB's last evaluated key, never the count.
pub async fn confirmed_page(
    app: &App,
    after: Option<&str>,
    limit: i32,
    lang: Option<&LangFilter<'_>>,
) -> Result<(Vec<String>, Option<String>), StoreError> {
    let table = &app.config.table;
    let index = if lang.is_some() { crate::store::STATUS_LANG_INDEX } else { crate::store::STATUS_INDEX };
    let mut req = app
        .dynamo
        .query()
        .table_name(table)
        .index_name(index)
        .key_condition_expression("#s = :confirmed")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":confirmed", s(crate::store::CONFIRMED))
        .projection_expression("email")
        .limit(limit);
    if let Some(f) = lang {
        req = req.expression_attribute_names("#l", "lang");
        if f.others.is_empty() {
            req = req.filter_expression("#l = :lang").expression_attribute_values(":lang", s(f.lang));
        } else {
            // The default language's post: everyone not in one of the other languages, so an
            // item without a language, or with one the site dropped, is the default's (as its
            // own emails are).
            let names: Vec<String> = (0..f.others.len()).map(|i| format!(":o{i}")).collect();
            req = req.filter_expression(format!("attribute_not_exists(#l) OR NOT (#l IN ({}))", names.join(", ")));
            for (name, code) in names.iter().zip(f.others) {
                req = req.expression_attribute_values(name, s(code.as_str()));
            }
        }
    }
    if let Some(a) = after {
        req = req.exclusive_start_key("email", s(a)).exclusive_start_key("status", s(crate::store::CONFIRMED));
    }
    let out = req.send().await.map_err(|e| err("Query", table, &e))?;
    let emails: Vec<String> = out.items().iter().filter_map(|i| i.get("email").and_then(|v| v.as_s().ok()).cloned()).collect();
    let next = out.last_evaluated_key().and_then(|k| k.get("email")).and_then(|v| v.as_s().ok()).cloned();
    Ok((emails, next))
}

/// Which subscribers a post in `lang` goes to on a multilingual site.
#[derive(Debug, Clone, Copy)]
pub struct LangFilter<'a> {
    pub lang: &'a str,
    /// For the default language's posts, the site's other languages (whose subscribers do not
    /// get them); empty for any other language's.
    pub others: &'a [String],
}

impl<'a> LangFilter<'a> {
    /// `None` on a single-language site (everyone gets every post); else the post's language
    /// (`None` on the announcement: the default one).
    pub fn for_post(languages: &'a crate::settings::languages::Languages, post_lang: Option<&str>) -> Option<LangFilter<'a>> {
        if !languages.multilingual() {
            return None;
        }
        let lang = languages.pick(post_lang);
        let others = if lang == languages.default_code() { &languages.codes()[1..] } else { &[][..] };
        Some(LangFilter { lang, others })
    }
}
