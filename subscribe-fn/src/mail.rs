//! Email rendering (tera templates from the theme, embedded at compile time, one set per
//! language with English as the fallback) and sending
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

/// One language's emails under `themes/default/emails/`: English, the fallback, at the top,
/// every other language in a folder named by its code (`fr/confirm.html`). Each file set holds
/// the HTML and text bodies of the three emails and the subjects of the confirmation and the
/// welcome (a new-post email's subject is the post's title).
macro_rules! email_set {
    ($dir:literal) => {
        [
            concat!($dir, "confirm.html"),
            include_str!(concat!("../../themes/default/emails/", $dir, "confirm.html")),
            concat!($dir, "confirm.txt"),
            include_str!(concat!("../../themes/default/emails/", $dir, "confirm.txt")),
            concat!($dir, "confirm.subject.txt"),
            include_str!(concat!("../../themes/default/emails/", $dir, "confirm.subject.txt")),
            concat!($dir, "welcome.html"),
            include_str!(concat!("../../themes/default/emails/", $dir, "welcome.html")),
            concat!($dir, "welcome.txt"),
            include_str!(concat!("../../themes/default/emails/", $dir, "welcome.txt")),
            concat!($dir, "welcome.subject.txt"),
            include_str!(concat!("../../themes/default/emails/", $dir, "welcome.subject.txt")),
            concat!($dir, "new-post.html"),
            include_str!(concat!("../../themes/default/emails/", $dir, "new-post.html")),
            concat!($dir, "new-post.txt"),
            include_str!(concat!("../../themes/default/emails/", $dir, "new-post.txt")),
        ]
    };
}

/// Every shipped email set, as (name, source) pairs flattened: English first.
const TEMPLATE_SETS: [[&str; 16]; 5] = [email_set!(""), email_set!("fr/"), email_set!("de/"), email_set!("es/"), email_set!("ar/")];

/// The languages with their own email templates besides English (folder names).
pub const EMAIL_LANGUAGES: [&str; 4] = ["fr", "de", "es", "ar"];

/// Month names for `post.date_display`, by language (English when the language has none here).
fn month_names(lang: &str) -> [&'static str; 12] {
    match lang {
        "fr" => ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
        "de" => ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
        "es" => {
            ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
        }
        "ar" => ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
        _ => ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    }
}

/// A post's date as the email shows it: "7 December 2026", "7 décembre 2026", "7. Dezember 2026",
/// "7 de diciembre de 2026", "7 ديسمبر 2026".
fn date_display(date: OffsetDateTime, lang: &str) -> String {
    let month = month_names(lang)[usize::from(u8::from(date.month())) - 1];
    let (day, year) = (date.day(), date.year());
    match lang {
        "de" => format!("{day}. {month} {year}"),
        "es" => format!("{day} de {month} de {year}"),
        _ => format!("{day} {month} {year}"),
    }
}

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
        let pairs = TEMPLATE_SETS.iter().flat_map(|set| set.chunks(2).map(|p| (p[0], p[1])));
        // Autoescaping applies to the .html names, never to the plain-text ones (subjects too).
        tera.add_raw_templates(pairs).map_err(|e| tera_error("themes/default/emails", &e))?;
        Ok(Mailer { tera })
    }

    /// `lang`: the subscriber's language, already one of the site's.
    fn base_context(cfg: &Config, to: &str, unsubscribe_token: &str, lang: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site_title", &cfg.site_title);
        ctx.insert("site_url", &cfg.site_url);
        // Where the subscriber's language lives on the site: the default language at the root,
        // the others under `/<lang>/` (the build's layout).
        let home = if lang == cfg.languages.default_code() { cfg.site_url.clone() } else { format!("{}/{lang}", cfg.site_url) };
        ctx.insert("home_url", &home);
        ctx.insert("lang", lang);
        ctx.insert("email", to);
        ctx.insert("unsubscribe_url", &unsubscribe_url(cfg, unsubscribe_token));
        ctx
    }

    /// The template `name` in `lang`, or the English one when that language has no emails.
    fn template_name(&self, lang: &str, name: &str) -> String {
        let own = format!("{lang}/{name}");
        if lang != "en" && self.tera.get_template_names().any(|n| n == own) {
            own
        } else {
            name.to_string()
        }
    }

    fn render(&self, lang: &str, name: &str, ctx: &Context) -> Result<String, MailError> {
        let name = self.template_name(lang, name);
        self.tera.render(&name, ctx).map_err(|e| tera_error(&name, &e))
    }

    /// A subject line: one line, trimmed, control characters out (it goes into a header).
    fn subject(&self, lang: &str, name: &str, ctx: &Context) -> Result<String, MailError> {
        let text = self.render(lang, name, ctx)?;
        Ok(text.split_whitespace().collect::<Vec<_>>().join(" ").chars().filter(|c| !c.is_control()).collect())
    }

    pub fn confirmation(
        &self,
        cfg: &Config,
        to: &str,
        lang: &str,
        confirm_token: &str,
        unsubscribe_token: &str,
    ) -> Result<Email, MailError> {
        let mut ctx = Self::base_context(cfg, to, unsubscribe_token, lang);
        ctx.insert("confirm_url", &format!("{}?token={confirm_token}", cfg.url("/api/confirm")));
        ctx.insert("valid_hours", &cfg.pending_ttl_hours);
        ctx.insert("max_per_day", &cfg.limits.per_mailbox_per_day);
        Ok(Email {
            to: to.to_string(),
            subject: self.subject(lang, "confirm.subject.txt", &ctx)?,
            text: self.render(lang, "confirm.txt", &ctx)?,
            html: self.render(lang, "confirm.html", &ctx)?,
            list_unsubscribe: list_unsubscribe(cfg, unsubscribe_token),
        })
    }

    /// The announcement of a new post. The summary was made by `myblog build` from the
    /// author's own markdown (links and images already absolute) and is inserted as HTML.
    pub fn new_post(
        &self,
        cfg: &Config,
        to: &str,
        lang: &str,
        post: &crate::news::announcement::Announcement,
        unsubscribe_token: &str,
    ) -> Result<Email, MailError> {
        let mut ctx = Self::base_context(cfg, to, unsubscribe_token, lang);
        let date_display = post
            .date
            .as_deref()
            .and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok())
            .map(|d| date_display(d, lang));
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
            text: self.render(lang, "new-post.txt", &ctx)?,
            html: self.render(lang, "new-post.html", &ctx)?,
            list_unsubscribe: list_unsubscribe(cfg, unsubscribe_token),
        })
    }

    pub fn welcome(&self, cfg: &Config, to: &str, lang: &str, unsubscribe_token: &str) -> Result<Email, MailError> {
        let ctx = Self::base_context(cfg, to, unsubscribe_token, lang);
        Ok(Email {
            to: to.to_string(),
            subject: self.subject(lang, "welcome.subject.txt", &ctx)?,
            text: self.render(lang, "welcome.txt", &ctx)?,
            html: self.render(lang, "welcome.html", &ctx)?,
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

/// Longest header line we write (RFC 5322 asks for 78 characters at most, CRLF not counted).
const MAX_LINE: usize = 78;
/// Longest line holding an encoded word (RFC 2047, section 2: 76).
const MAX_ENCODED_LINE: usize = 76;

/// Text a header may carry as it is: printable ASCII that no reader could take for an encoded
/// word (RFC 2047 section 5 asks to encode text that looks like one).
fn plain_header_text(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) && !text.contains("=?")
}

/// `Name: text`, folded so no line passes [`MAX_LINE`]: plain text at its spaces; text that
/// is not plain (non-ASCII, or a word too long to fold) as RFC 2047 encoded words, each line
/// at most [`MAX_ENCODED_LINE`], split at character boundaries. Lines after the first start
/// with a space (the fold).
fn header_line(name: &str, text: &str) -> String {
    let prefix = format!("{name}: ");
    if plain_header_text(text) {
        if let Some(folded) = fold_at_spaces(&prefix, text) {
            return format!("{prefix}{folded}\r\n");
        }
    }
    format!("{prefix}{}\r\n", encoded_words(text, MAX_ENCODED_LINE - prefix.len()))
}

/// Plain text folded at its spaces so `prefix` + the first line, and every later line, fit
/// [`MAX_LINE`]; `None` when one word is too long for any line.
fn fold_at_spaces(prefix: &str, text: &str) -> Option<String> {
    let mut out = String::new();
    let mut line = prefix.len();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            if line + 1 + word.len() > MAX_LINE {
                out.push_str("\r\n");
                line = 0;
            }
            out.push(' ');
            line += 1;
        }
        if line + word.len() > MAX_LINE {
            return None;
        }
        out.push_str(word);
        line += word.len();
    }
    Some(out)
}

/// RFC 2047 B encoded words of `text`, the first at most `first_room` characters long and the
/// others (after the fold's space) at most [`MAX_ENCODED_LINE`] - 1.
fn encoded_words(text: &str, first_room: usize) -> String {
    // `=?UTF-8?B?` + `?=` around the base64, which is 4 characters for every 3 bytes.
    let bytes_for = |room: usize| room.saturating_sub(12) / 4 * 3;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        let room = if words.is_empty() { first_room } else { MAX_ENCODED_LINE - 1 };
        if !chunk.is_empty() && chunk.len() + c.len_utf8() > bytes_for(room) {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// `From: "Name" <address>`, the name quoted when plain and short, else encoded words; the
/// address on a line of its own when the name leaves no room for it.
fn from_line(name: &str, address: &str) -> String {
    let addr = format!("<{address}>");
    let quoted = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
    let name = if plain_header_text(name) && "From: ".len() + quoted.len() <= MAX_LINE {
        quoted
    } else {
        encoded_words(name, MAX_ENCODED_LINE - "From: ".len())
    };
    let last = name.rsplit("\r\n").next().unwrap_or_default().len() + if name.contains("\r\n") { 0 } else { "From: ".len() };
    let gap = if last + 1 + addr.len() > MAX_LINE { "\r\n " } else { " " };
    format!("From: {name}{gap}{addr}\r\n")
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
    m.push_str(&from_line(&cfg.site_title, &cfg.sender));
    m.push_str(&format!("To: <{}>\r\n", email.to));
    m.push_str(&header_line("Subject", &email.subject));
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
        assert_eq!(
            redact("Illegal address: Ann@Example.org (Ann@example.org)", "ann@example.org"),
            "Illegal address: <recipient> (<recipient>)"
        );
        let e = MailError::Send {
            to: "ann@example.org".into(),
            message: redact("x ann@example.org", "ann@example.org"),
            blame: Blame::Recipient,
        };
        assert!(!e.to_string().contains("ann@"), "{e}");
    }

    /// The text of a header line as a reader sees it: folds undone, encoded words decoded
    /// (adjacent ones joined, as RFC 2047 section 6.2 says).
    fn unfold(line: &str) -> String {
        let joined = line.replace("?=\r\n =?", "?==?").replace("\r\n ", " ");
        let mut out = String::new();
        let mut rest = joined.as_str();
        while let Some(at) = rest.find("=?UTF-8?B?") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 10..];
            let end = after.find("?=").unwrap();
            out.push_str(&String::from_utf8(STANDARD.decode(&after[..end]).unwrap()).unwrap());
            rest = &after[end + 2..];
        }
        out + rest
    }

    #[test]
    fn headers_are_folded_and_encoded_as_rfc_2047_and_5322_ask() {
        let long_ascii = "A very long post title ".repeat(12);
        let long_word = format!("Title {}", "x".repeat(120));
        let cases = [
            "Hello",
            "Café crème — ünïcödé title that is quite long indeed",
            long_ascii.trim_end(),
            &long_word,
            "Not an =?encoded?= word",
            "日本語のとても長いタイトルです。日本語のとても長いタイトルです。日本語のとても長いタイトルです。",
            "",
        ];
        for text in cases {
            let line = header_line("Subject", text);
            assert!(line.ends_with("\r\n") && !line[..line.len() - 2].contains("\r\n\r\n"), "{line:?}");
            let body = &line[..line.len() - 2];
            for (i, l) in body.split("\r\n").enumerate() {
                let limit = if l.contains("=?UTF-8?B?") { MAX_ENCODED_LINE } else { MAX_LINE };
                assert!(l.len() <= limit, "{text:?}: line {i} is {} long: {l:?}", l.len());
                assert!(i == 0 || l.starts_with(' '), "a fold starts with a space: {l:?}");
                assert!(l.is_ascii(), "{l:?}");
            }
            assert_eq!(unfold(body).strip_prefix("Subject: ").unwrap(), text, "{line:?}");
        }
        assert_eq!(header_line("Subject", "Hello"), "Subject: Hello\r\n");
        assert!(header_line("Subject", "Not an =?encoded?= word").contains("=?UTF-8?B?"), "looks like an encoded word: encode it");
        for name in ["A \"quoted\" blog", "Ünïcödé Field Notes", &"Long blog name ".repeat(8)] {
            let line = from_line(name, "hello@blog.example.com");
            assert!(line.trim_end().split("\r\n").all(|l| l.len() <= MAX_LINE), "{line:?}");
            assert!(line.trim_end().ends_with("<hello@blog.example.com>"), "{line:?}");
        }
        assert_eq!(from_line("A \"quoted\" blog", "a@b.c"), "From: \"A \\\"quoted\\\" blog\" <a@b.c>\r\n");
    }
}
