//! The send queue's consumer: page messages fan out, send messages email.
//!
//! Every message is safe to deliver twice or concurrently: a page moves its progress marker
//! once, and each (post, recipient) send is claimed with a leased conditional write before SES
//! is called. A message that cannot finish (throttled past the SDK's retries, a recipient
//! claimed by a live duplicate) is reported in `batchItemFailures` and comes back after the
//! queue's visibility timeout; what it already sent is skipped then. Running out of invocation
//! time is not a failure: the recipients left go back on the queue as a new message.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::pace::Pacer;
use super::store::{Announcement, Claim, NewsStore, FAILED, SENT, SUPPRESSED};
use super::{enqueue, Message, NewsError};
use crate::app::App;
use crate::mail::{self, Blame, MailError};
use crate::store::{Store, BOUNCED, CONFIRMED};
use crate::token;

/// Why a message goes back to the queue.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    News(#[from] NewsError),
    #[error("{0}")]
    Retry(String),
}

impl From<crate::store::StoreError> for SendError {
    fn from(e: crate::store::StoreError) -> Self {
        SendError::News(e.into())
    }
}

/// Counts of one invocation, logged at the end (and used by the tests and the benchmark).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub sent: usize,
    pub suppressed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub queued: usize,
    /// Sends whose SES answer was lost: the claim is kept until its lease runs out.
    pub unknown: usize,
    /// Recipients put back on the queue for lack of time.
    pub handed_back: usize,
}

/// Log marker of a run that sent nothing and handed work back (an alarm counts it): repeated,
/// the sender is livelocked (its pace cannot fit an invocation).
pub const SENDER_STALLED: &str = "EMAIL_SENDER_STALLED";

impl Tally {
    /// A run that had recipients to send, sent none and put them back.
    pub fn stalled(&self) -> bool {
        self.sent == 0 && self.handed_back > 0
    }
}

fn now() -> (i64, String) {
    let t = OffsetDateTime::now_utc();
    (t.unix_timestamp(), t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default())
}

/// Handles one SQS batch; `deadline` is when the invocation is killed.
pub async fn handle(app: &App, event: SqsEvent, deadline: Instant) -> (SqsBatchResponse, Tally) {
    let mut response = SqsBatchResponse::default();
    let mut tally = Tally::default();
    let rate = app.send_rate().await;
    // One invocation at a time per instance (Lambda's model): holding the lock costs nothing.
    let mut kept = app.pacer.lock().await;
    let pacer = kept.get_or_insert_with(|| Pacer::new(rate, app.config.news.sender_concurrency));
    let mut posts: HashMap<String, Option<Announcement>> = HashMap::new();
    for record in &event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let result = match serde_json::from_str::<Message>(record.body.as_deref().unwrap_or_default()) {
            Ok(Message::Page { post, page, after }) => fan_out(app, &post, page, after.as_deref(), &mut tally).await,
            Ok(Message::Send { post, recipients }) => send_all(app, &post, &recipients, &mut posts, pacer, deadline, &mut tally).await,
            Ok(Message::Sent { post, email, unsub_hash, message_id }) => record_sent(app, &post, &email, &unsub_hash, &message_id).await,
            // A message nobody can read would fail forever: drop it loudly instead.
            Err(e) => {
                tracing::error!(message_id = %id, error = %NewsError::BadMessage(id.clone(), e.to_string()), "dropped");
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::warn!(message_id = %id, error = %e, "message goes back to the queue");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    tracing::info!(
        sent = tally.sent,
        suppressed = tally.suppressed,
        failed = tally.failed,
        skipped = tally.skipped,
        queued = tally.queued,
        unknown = tally.unknown,
        handed_back = tally.handed_back,
        "batch done"
    );
    if tally.stalled() {
        tracing::error!(handed_back = tally.handed_back, "{SENDER_STALLED}: the run sent nothing and handed its recipients back");
    }
    (response, tally)
}

async fn fan_out(app: &App, post: &str, page: u64, after: Option<&str>, tally: &mut Tally) -> Result<(), SendError> {
    let news = NewsStore { app };
    let Some(announcement) = news.announcement(post).await? else {
        tracing::warn!(post, "page message for a post that has no announcement: dropped");
        return Ok(());
    };
    let (now_secs, now_text) = now();
    if !announcement.on_site(&app.config.site_url) {
        tracing::error!(post, "{}: the announcement's link is not this post on the site; nobody is emailed", super::announcement::OFF_SITE);
        news.refuse(post, "its link is not this post's page on the site", &now_text).await?;
        return Ok(());
    }
    if announcement.next_page > page {
        tracing::info!(post, page, "page already queued (duplicate delivery)");
        return Ok(());
    }
    if page == 0 && !within_daily_cap(app, &news, post, now_secs, &now_text).await? {
        return Ok(());
    }
    let lang = super::store::LangFilter::for_post(&app.config.languages, announcement.lang.as_deref());
    let (recipients, next) = super::store::confirmed_page(app, after, app.config.news.page_size, lang.as_ref()).await?;
    let mut messages: Vec<Message> = recipients
        .chunks(app.config.news.recipients_per_message)
        .map(|c| Message::Send { post: post.to_string(), recipients: c.to_vec() })
        .collect();
    if let Some(last) = &next {
        messages.push(Message::Page { post: post.to_string(), page: page + 1, after: Some(last.clone()) });
    }
    enqueue(app, &messages).await?;
    news.advance_page(post, page, recipients.len(), next.is_none(), &now_text).await?;
    tally.queued += recipients.len();
    tracing::info!(post, page, recipients = recipients.len(), more = next.is_some(), "page queued");
    Ok(())
}

/// Log marker of an announcement refused for being past the day's cap (an alarm counts it).
pub const OVER_DAILY_CAP: &str = "EMAIL_ANNOUNCEMENTS_OVER_DAILY_CAP";

/// Whether the post's fan-out may start today: it takes one of the day's slots
/// (`ANNOUNCEMENTS_PER_DAY`), or is refused, recorded on the announcement and logged.
async fn within_daily_cap(app: &App, news: &NewsStore<'_>, post: &str, now_secs: i64, now_text: &str) -> Result<bool, SendError> {
    let cap = app.config.news.announcements_per_day;
    let day = now_text.get(..10).unwrap_or_default();
    if news.take_daily_slot(post, day, cap, now_secs).await? {
        return Ok(true);
    }
    tracing::error!(post, cap, day, "{OVER_DAILY_CAP}: {cap} announcements already went out today; nobody is emailed about this one");
    news.refuse(post, &format!("{cap} announcements had already gone out that day (ANNOUNCEMENTS_PER_DAY)"), now_text).await?;
    Ok(false)
}

/// Message-level SES refusals in a row that stop a send run.
pub const MESSAGE_REJECTIONS_TO_STOP: usize = 3;

#[allow(clippy::too_many_arguments)]
async fn send_all(
    app: &App,
    post: &str,
    recipients: &[String],
    posts: &mut HashMap<String, Option<Announcement>>,
    pacer: &mut Pacer,
    deadline: Instant,
    tally: &mut Tally,
) -> Result<(), SendError> {
    let news = NewsStore { app };
    if !posts.contains_key(post) {
        posts.insert(post.to_string(), news.announcement(post).await?);
    }
    let Some(announcement) = posts.get(post).cloned().flatten() else {
        tracing::warn!(post, "send message for a post that has no announcement: dropped");
        return Ok(());
    };
    if !announcement.on_site(&app.config.site_url) {
        tracing::error!(post, "{}: the announcement's link is not this post on the site; dropped", super::announcement::OFF_SITE);
        return Ok(());
    }
    // Never start a send that could outlive the invocation: SES time, the two writes, a margin.
    let needed = app.config.news.send_needs();
    let subscribers = Store { client: &app.dynamo, table: &app.config.table };
    let mut busy = 0usize;
    let unknown_before = tally.unknown;
    let mut transient = 0usize;
    // Message-level refusals in a row: one may be about an odd address SES words oddly (it is
    // retried later, the others go on); a run of them is the message itself.
    let mut refused_in_a_row = 0usize;
    let mut refused = 0usize;
    for (i, email) in recipients.iter().enumerate() {
        if Instant::now() + needed + pacer.interval() > deadline {
            // Hand the rest on as a new message rather than failing this one: a failed message
            // only comes back after the queue's visibility timeout, minutes away.
            let rest = recipients[i..].to_vec();
            tracing::info!(left = rest.len(), "out of time; the rest goes back on the queue");
            tally.handed_back += rest.len();
            enqueue(app, &[Message::Send { post: post.to_string(), recipients: rest }]).await?;
            break;
        }
        // Before the claim, not after it: the claim's lease must cover the call, not the pace.
        pacer.until_ready().await;
        let minted = token::mint_for_post(email, post);
        let (now_secs, _) = now();
        match news.claim(post, email, &minted.hash, now_secs, app.config.news.lease_secs).await? {
            Claim::Claimed => {}
            Claim::Busy => {
                busy += 1;
                continue;
            }
            Claim::Done(_) => {
                tally.skipped += 1;
                continue;
            }
        }
        // The status now, not when the page was read: an unsubscribe during the send counts.
        let current = subscribers.get(email).await?;
        if current.as_ref().map(|s| s.status.as_str()) != Some(CONFIRMED) {
            news.finish(post, email, &minted.hash, SUPPRESSED, None, now().0).await?;
            tally.suppressed += 1;
            continue;
        }
        let lang = app.config.languages.pick(current.as_ref().and_then(|s| s.lang.as_deref()));
        let sent = async {
            let message = app.mailer.new_post(&app.config, email, lang, &announcement, &minted.token)?;
            // Right before the call: nothing between the slot and the request but signing.
            pacer.wait().await;
            mail::send(&app.ses, &app.config, &message).await
        }
        .await;
        match sent {
            Ok(id) => {
                mark_sent(app, post, email, &minted.hash, &id).await?;
                tally.sent += 1;
                refused_in_a_row = 0;
            }
            Err(MailError::Send { blame: Blame::Unknown, message, .. }) => {
                // SES may have taken it: sending again now could double it, and a new token
                // would break the first copy's link. The claim stays (its lease re-armed); only
                // once it runs out does a redelivery send again, the first copy's hash kept.
                news.hold_unknown(post, email, &minted.hash, now().0, app.config.news.lease_secs).await?;
                tally.unknown += 1;
                tracing::error!(post, error = %message, "{}: no answer from SES; the claim is held until its lease runs out", mail::OUTCOME_UNKNOWN);
            }
            Err(MailError::Send { blame: Blame::Recipient, message, .. }) => {
                // This address will never take mail (SES refused it for good): record why,
                // and never email it again.
                news.finish(post, email, &minted.hash, FAILED, Some(("error", &message)), now().0).await?;
                subscribers.suppress(email, BOUNCED, &format!("SES refused: {message}"), &now().1).await?;
                tally.failed += 1;
                tracing::warn!(error = %message, "recipient refused for good; marked bounced");
            }
            Err(MailError::Send { blame: Blame::Message, message, .. }) => {
                // SES refused the email itself, not its recipient: nobody is marked. After
                // MESSAGE_REJECTIONS_TO_STOP in a row the run stops (a circuit breaker); the
                // message comes back and, still refused, ends in the queue's DLQ. The marker
                // raises an alarm either way.
                news.release(post, email, &minted.hash).await?;
                refused_in_a_row += 1;
                refused += 1;
                if refused_in_a_row >= MESSAGE_REJECTIONS_TO_STOP {
                    tracing::error!(post, error = %message, "{}: SES refused the announcement itself; the run stops", mail::MESSAGE_REJECTED);
                    return Err(SendError::Retry(format!("{}: {message}", mail::MESSAGE_REJECTED)));
                }
                tracing::error!(post, error = %message, "{}: SES refused one email itself; the others go on", mail::MESSAGE_REJECTED);
            }
            Err(e @ MailError::Template { .. }) => {
                // Every email of the post would fail alike: stop here.
                news.release(post, email, &minted.hash).await?;
                return Err(SendError::Retry(e.to_string()));
            }
            Err(e) => {
                // A passing failure of this one send (SES answered: not sent): give it back and
                // go on with the others of the batch; the message comes back for it.
                news.release(post, email, &minted.hash).await?;
                pacer.back_off(std::time::Duration::from_secs(1));
                transient += 1;
                tracing::warn!(post, error = %e, "a send failed for now; the others go on");
            }
        }
    }
    if transient > 0 {
        return Err(SendError::Retry(format!("{transient} sends failed for now; retried later")));
    }
    if busy > 0 || tally.unknown > unknown_before {
        return Err(SendError::Retry(format!(
            "{busy} recipients are being sent by another invocation, {} have an unknown outcome; checking again later",
            tally.unknown - unknown_before
        )));
    }
    if refused > 0 {
        return Err(SendError::Retry(format!("{}: {refused} emails refused by SES; retried later", mail::MESSAGE_REJECTED)));
    }
    Ok(())
}

/// Marks a send that SES took. Should that write fail, the mark travels on the queue as a
/// [`Message::Sent`] (another service, and retried by SQS): an unmarked claim would otherwise
/// be sent again once its lease ran out.
async fn mark_sent(app: &App, post: &str, email: &str, unsub_hash: &str, message_id: &str) -> Result<(), SendError> {
    let news = NewsStore { app };
    let Err(e) = news.finish(post, email, unsub_hash, SENT, Some(("message_id", message_id)), now().0).await else {
        return Ok(());
    };
    tracing::warn!(error = %e, "marking a send sent failed; the mark goes on the queue");
    let mark = Message::Sent {
        post: post.to_string(),
        email: email.to_string(),
        unsub_hash: unsub_hash.to_string(),
        message_id: message_id.to_string(),
    };
    enqueue(app, &[mark]).await?;
    Ok(())
}

/// A queued mark of a send SES took. Not ours any more (the lease ran out and another claim
/// took it) means the mark came too late: nothing to write.
async fn record_sent(app: &App, post: &str, email: &str, unsub_hash: &str, message_id: &str) -> Result<(), SendError> {
    let news = NewsStore { app };
    if !news.finish(post, email, unsub_hash, SENT, Some(("message_id", message_id)), now().0).await? {
        tracing::warn!(post, "a queued sent mark found the claim gone or taken over");
    }
    Ok(())
}
