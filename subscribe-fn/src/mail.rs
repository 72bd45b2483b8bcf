//! Email rendering (tera templates from the theme, embedded at compile time) and sending
//! through SES v2 as a raw MIME message.
//!
//! Why Raw content rather than Simple: Simple content with custom headers needs SES to add
//! them (the `Message.headers` field exists in aws-sdk-sesv2 1.145), but moto drops both the
//! headers and the text part of Simple messages, so tests could verify neither. A hand-built
//! `multipart/alternative` message carries `List-Unsubscribe`, `List-Unsubscribe-Post`, the
//! text and the HTML part the same way to SES and to moto, and moto stores it whole.

use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore as _;
use tera::{Context, Tera};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use crate::config::Config;

const TEMPLATES: [(&str, &str); 6] = [
    ("confirm.html", include_str!("../../themes/default/emails/confirm.html")),
    ("confirm.txt", include_str!("../../themes/default/emails/confirm.txt")),
    ("welcome.html", include_str!("../../themes/default/emails/welcome.html")),
    ("welcome.txt", include_str!("../../themes/default/emails/welcome.txt")),
    ("new-post.html", include_str!("../../themes/default/emails/new-post.html")),
    ("new-post.txt", include_str!("../../themes/default/emails/new-post.txt")),
];

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("email template {name} failed: {message}")]
    Template { name: String, message: String },
    /// `blame`: whom SES's refusal is about. The address is never in the text, which reaches
    /// logs and error reports: SES's message has it replaced.
    #[error("SES SendEmail failed: {message}")]
    Send { to: String, message: String, blame: Blame },
}

/// Whom a failed send is about, and so what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// SES will never take this address (suppressed, malformed): mark it, never retry it.
    Recipient,
    /// SES refused the message itself (size, a header, its content): every recipient would be
    /// refused alike, so the run stops and alarms; no address is marked.
    Message,
    /// Throttling, or an SES or account problem the author must fix: SES answered, so the
    /// email was not sent; retry later.
    Transient,
    /// No answer came back (a timeout, a connection cut after the request left, an unreadable
    /// response): SES may have taken the email. Not "not sent": sending again could double it.
    Unknown,
}

/// Log marker of a send whose outcome is unknown (an alarm counts it; see infra/template.yaml).
pub const OUTCOME_UNKNOWN: &str = "EMAIL_OUTCOME_UNKNOWN";

/// Log marker of a message-level rejection (an alarm counts it; see infra/template.yaml).
pub const MESSAGE_REJECTED: &str = "EMAIL_MESSAGE_REJECTED";

/// Sorts an SES error by whom it is about. Only recipient-specific answers blame the
/// recipient: errors about the sender identity, the configuration set or the account, and a
/// rejection of the message itself, would otherwise mark every subscriber bounced in one
/// fan-out and wipe the list.
pub fn blame(code: &str, message: &str, sender: &str) -> Blame {
    let m = message.to_ascii_lowercase();
    if m.contains("suppression list") {
        return Blame::Recipient;
    }
    let about_us = m.contains("not verified")
        || m.contains(&sender.to_ascii_lowercase())
        || m.contains("configuration set")
        || m.contains("account")
        || m.contains("sending paused")
        || m.contains("quota");
    // What SES says about one address: it cannot parse it, or that mailbox refuses mail.
    let about_address = ["address", "recipient", "mailbox", "domain"].iter().any(|w| m.contains(w))
        && ["illegal", "invalid", "missing", "malformed", "blacklisted", "does not exist", "refused", "control or whitespace"]
            .iter()
            .any(|w| m.contains(w));
    match code {
        _ if about_us => Blame::Transient,
        "MessageRejected" | "BadRequestException" if about_address => Blame::Recipient,
        "MessageRejected" | "BadRequestException" => Blame::Message,
        _ => Blame::Transient,
    }
}

/// SES's text with the recipient's address taken out.
fn redact(message: &str, to: &str) -> String {
    if to.is_empty() {
        return message.to_string();
    }
    let lower = message.to_ascii_lowercase();
    let needle = to.to_ascii_lowercase();
    let mut out = String::with_capacity(message.len());
    let mut rest = 0;
    for (i, _) in lower.match_indices(&needle) {
        out.push_str(&message[rest..i]);
        out.push_str("<recipient>");
        rest = i + needle.len();
    }
    out.push_str(&message[rest..]);
    out
}

/// A rendered email, ready to be turned into MIME.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Value of the `List-Unsubscribe` header.
    pub list_unsubscribe: String,
}

/// The compiled templates; built once per cold start.
pub struct Mailer {
    tera: Tera,
}

fn tera_error(name: &str, e: &tera::Error) -> MailError {
    // tera nests the useful part (which variable, which line) in the source chain.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    MailError::Template { name: name.to_string(), message }
}

impl Mailer {
    pub fn new() -> Result<Mailer, MailError> {
        let mut tera = Tera::default();
        // Autoescaping applies to the .html names, never to the plain-text ones.
        tera.add_raw_templates(TEMPLATES).map_err(|e| tera_error("themes/default/emails", &e))?;
        Ok(Mailer { tera })
    }

    fn base_context(cfg: &Config, to: &str, unsubscribe_token: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site_title", &cfg.site_title);
        ctx.insert("site_url", &cfg.site_url);
        ctx.insert("email", to);
        ctx.insert("unsubscribe_url", &unsubscribe_url(cfg, unsubscribe_token));
        ctx
    }

    fn render(&self, name: &str, ctx: &Context) -> Result<String, MailError> {
        self.tera.render(name, ctx).map_err(|e| tera_error(name, &e))
    }

    pub fn confirmation(&self, cfg: &Config, to: &str, confirm_token: &str, unsubscribe_token: &str) -> Result<Email, MailError> {
        let mut ctx = Self::base_context(cfg, to, unsubscribe_token);
        ctx.insert("confirm_url", &format!("{}?token={confirm_token}", cfg.url("/api/confirm")));
        ctx.insert("valid_hours", &cfg.pending_ttl_hours);
        ctx.insert("max_per_day", &cfg.limits.per_mailbox_per_day);
        Ok(Email {
            to: to.to_string(),
            subject: format!("Please confirm your subscription to {}", cfg.site_title),
            text: self.render("confirm.txt", &ctx)?,
            html: self.render("confirm.html", &ctx)?,
            list_unsubscribe: list_unsubscribe(cfg, unsubscribe_token),
        })
    }

    /// The announcement of a new post. The summary was made by `myblog build` from the
    /// author's own markdown (links and images already absolute) and is inserted as HTML.
    pub fn new_post(
        &self,
        cfg: &Config,
        to: &str,
        post: &crate::news::announcement::Announcement,
        unsubscribe_token: &str,
    ) -> Result<Email, MailError> {
        let mut ctx = Self::base_context(cfg, to, unsubscribe_token);
        let date_display = post
            .date
            .as_deref()
            .and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok())
            .and_then(|d| d.format(time::macros::format_description!("[day padding:none] [month repr:long] [year]")).ok());
        ctx.insert(
            "post",
            &serde_json::json!({
                "title": post.title,
                "url": post.url,
                "path": post.post,
                "date": post.date,
                "date_display": date_display,
                "summary_html": post.summary_html,
                "summary_text": post.summary_text,
            }),
        );
        Ok(Email {
            to: to.to_string(),
            subject: post.title.chars().filter(|c| !c.is_control()).collect(),
            text: self.render("new-post.txt", &ctx)?,
            html: self.render("new-post.html", &ctx)?,
            list_unsubscribe: list_unsubscribe(cfg, unsubscribe_token),
        })
    }

    pub fn welcome(&self, cfg: &Config, to: &str, unsubscribe_token: &str) -> Result<Email, MailError> {
        let ctx = Self::base_context(cfg, to, unsubscribe_token);
        Ok(Email {
            to: to.to_string(),
            subject: format!("Welcome to {}!", cfg.site_title),
            text: self.render("welcome.txt", &ctx)?,
            html: self.render("welcome.html", &ctx)?,
            list_unsubscribe: list_unsubscribe(cfg, unsubscribe_token),
        })
    }
}

pub fn unsubscribe_url(cfg: &Config, token: &str) -> String {
    format!("{}?token={token}", cfg.url("/api/unsubscribe"))
}

fn list_unsubscribe(cfg: &Config, token: &str) -> String {
    let https = format!("<{}>", unsubscribe_url(cfg, token));
    match &cfg.unsubscribe_mailto {
        Some(addr) => format!("{https}, <mailto:{addr}?subject=unsubscribe>"),
        None => https,
    }
}

/// RFC 2047 encoded words for non-ASCII header text; plain ASCII passes through.
fn encode_header_text(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return text.to_string();
    }
    // Encoded words are limited to 75 characters: chunk the UTF-8 at character boundaries.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

fn display_name(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        encode_header_text(name)
    }
}

fn base64_lines(data: &[u8]) -> String {
    let encoded = STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for line in encoded.as_bytes().chunks(76) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the complete MIME message (CRLF line endings, base64 bodies).
pub fn to_mime(cfg: &Config, email: &Email, now: OffsetDateTime) -> Vec<u8> {
    let boundary = format!("=_myblog_{}", random_hex(12));
    let domain = cfg.sender.rsplit('@').next().unwrap_or("localhost");
    let date = now.format(&Rfc2822).unwrap_or_default();
    let mut m = String::new();
    m.push_str(&format!("From: {} <{}>\r\n", display_name(&cfg.site_title), cfg.sender));
    m.push_str(&format!("To: <{}>\r\n", email.to));
    m.push_str(&format!("Subject: {}\r\n", encode_header_text(&email.subject)));
    m.push_str(&format!("Date: {date}\r\n"));
    m.push_str(&format!("Message-ID: <{}@{domain}>\r\n", random_hex(16)));
    m.push_str("MIME-Version: 1.0\r\n");
    m.push_str(&format!("List-Unsubscribe: {}\r\n", email.list_unsubscribe));
    m.push_str("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    m.push_str(&format!("Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"));
    for (kind, body) in [("plain", &email.text), ("html", &email.html)] {
        m.push_str(&format!("--{boundary}\r\n"));
        m.push_str(&format!("Content-Type: text/{kind}; charset=utf-8\r\n"));
        m.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
        m.push_str(&base64_lines(body.as_bytes()));
    }
    m.push_str(&format!("--{boundary}--\r\n"));
    m.into_bytes()
}

/// SES answers refusing a call for now: the email was not sent, so trying again is safe.
const THROTTLED: [&str; 2] = ["TooManyRequestsException", "ThrottlingException"];

/// Tries of one send when SES answers that it is throttling (the SDK's own retries are off).
const THROTTLED_TRIES: u32 = 3;

/// Sends a rendered email; returns the SES message id. Throttling answers are retried here,
/// with a short backoff; a call without an answer never is (see [`Blame::Unknown`]).
pub async fn send(ses: &aws_sdk_sesv2::Client, cfg: &Config, email: &Email) -> Result<String, MailError> {
    let mime = to_mime(cfg, email, OffsetDateTime::now_utc());
    let mut tries = 0;
    loop {
        tries += 1;
        match send_once(ses, cfg, email, &mime).await {
            Err((e, true)) if tries < THROTTLED_TRIES => {
                tracing::info!(error = %e, "SES throttled the call; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(100 << tries)).await;
            }
            other => return other.map_err(|(e, _)| e),
        }
    }
}

/// One SendEmail call; the error says whether SES answered that it was throttling.
async fn send_once(ses: &aws_sdk_sesv2::Client, cfg: &Config, email: &Email, mime: &[u8]) -> Result<String, (MailError, bool)> {
    let fail = |message: String, blame: Blame| MailError::Send { to: email.to.clone(), message: redact(&message, &email.to), blame };
    let raw = RawMessage::builder().data(Blob::new(mime.to_vec())).build().map_err(|e| (fail(e.to_string(), Blame::Transient), false))?;
    let out = ses
        .send_email()
        .from_email_address(&cfg.sender)
        .destination(Destination::builder().to_addresses(&email.to).build())
        .content(EmailContent::builder().raw(raw).build())
        .set_configuration_set_name(cfg.news.configuration_set.clone())
        .customize()
        // The lease on this send must outlive the call: bound it by the lease, not only by the
        // client's general timeout. No SDK retries: SendEmail has no idempotency token, so the
        // SDK retrying an attempt that timed out after SES took it would send the email twice.
        .config_override(
            aws_sdk_sesv2::config::Config::builder()
                .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
                .timeout_config(aws_sdk_sesv2::config::timeout::TimeoutConfig::builder().operation_timeout(cfg.news.ses_timeout()).build()),
        )
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(se) => {
                let (code, msg) = (se.code().unwrap_or("error"), se.message().unwrap_or_default());
                (fail(format!("{code}: {msg}"), blame(code, msg, &cfg.sender)), THROTTLED.contains(&code))
            }
            None => (fail(crate::errors::error_chain(&e), unanswered(&e)), false),
        })?;
    Ok(out.message_id().unwrap_or_default().to_string())
}

/// A failure without SES's answer: unknown unless the request provably never left (it could
/// not be built). A refused connection is counted unknown too: telling it apart from one cut
/// after the request was written is not reliable, and the cost of a wrong "unknown" is only
/// the wait for the lease.
fn unanswered<E, R>(e: &aws_sdk_sesv2::error::SdkError<E, R>) -> Blame {
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ConstructionFailure(_) => Blame::Transient,
        SdkError::DispatchFailure(d) if d.is_user() => Blame::Transient,
        _ => Blame::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_answer_about_the_address_blames_the_recipient() {
        let me = "hello@blog.example.com";
        let cases = [
            ("MessageRejected", "Email address is on the suppression list for your account.", Blame::Recipient),
            ("BadRequestException", "Missing final '@domain' in address", Blame::Recipient),
            ("MessageRejected", "Illegal address", Blame::Recipient),
            ("BadRequestException", "Local address contains control or whitespace", Blame::Recipient),
            (
                "MessageRejected",
                "Email address is not verified. The following identities failed the check in region US-EAST-1: hello@blog.example.com",
                Blame::Transient,
            ),
            ("MessageRejected", "Sending paused for this account.", Blame::Transient),
            ("TooManyRequestsException", "Maximum sending rate exceeded.", Blame::Transient),
            ("NotFoundException", "Configuration set <x> does not exist.", Blame::Transient),
            // Refusals of the message itself: every recipient would get the same answer.
            ("BadRequestException", "Message too large", Blame::Message),
            ("MessageRejected", "Message length is more than 10485760 bytes long: 10485761.", Blame::Message),
            ("MessageRejected", "Illegal header 'Subject'.", Blame::Message),
            ("MessageRejected", "Duplicate header 'List-Unsubscribe'.", Blame::Message),
            ("MessageRejected", "Something SES has never said before.", Blame::Message),
        ];
        for (code, message, want) in cases {
            assert_eq!(blame(code, message, me), want, "{code}: {message}");
        }
    }

    #[test]
    fn the_address_never_reaches_the_error_text() {
        assert_eq!(redact("Illegal address: Ann@Example.org (Ann@example.org)", "ann@example.org"), "Illegal address: <recipient> (<recipient>)");
        let e = MailError::Send { to: "ann@example.org".into(), message: redact("x ann@example.org", "ann@example.org"), blame: Blame::Recipient };
        assert!(!e.to_string().contains("ann@"), "{e}");
    }

    #[test]
    fn encodes_non_ascii_headers() {
        assert_eq!(encode_header_text("Hello"), "Hello");
        let enc = encode_header_text("Café crème — ünïcödé title that is quite long indeed");
        assert!(enc.starts_with("=?UTF-8?B?"));
        assert!(enc.split("\r\n ").all(|w| w.len() <= 75));
        assert_eq!(display_name("A \"quoted\" blog"), "\"A \\\"quoted\\\" blog\"");
    }
}
