//! Configuration from environment variables, validated once per cold start.

use std::fmt;

pub use crate::settings::ConfigError;
use crate::settings::Env;

/// Everything the function needs besides its AWS clients.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table holding the subscribers (`TABLE_NAME`).
    pub table: String,
    /// Bare sender address, an SES verified identity (`SENDER_EMAIL`).
    pub sender: String,
    /// Origin of the site, no trailing slash; `/api/*` and `/subscribe/*` live under it (`SITE_URL`).
    pub site_url: String,
    /// Shown in emails and as the sender's display name (`SITE_TITLE`).
    pub site_title: String,
    /// `DOUBLE_OPT_IN` (default on): off stores new subscribers as confirmed and welcomes them at once.
    pub double_opt_in: bool,
    /// How long a confirmation link stays valid (`PENDING_TTL_HOURS`, default 48).
    pub pending_ttl_hours: u32,
    /// Optional `mailto:` address added to `List-Unsubscribe` (`UNSUBSCRIBE_MAILTO`).
    pub unsubscribe_mailto: Option<String>,
    /// New-post announcements and sending rules (`ANNOUNCEMENTS_TABLE`, `SENDS_TABLE`, …).
    pub news: crate::settings::news::Settings,
    /// Abuse limits (`LIMITS_TABLE`, `DAILY_EMAIL_BUDGET`, …), see `crate::limits`.
    pub limits: crate::settings::limits::Settings,
    /// The site's languages (`SITE_LANGUAGES`, default language first; unset: English alone).
    pub languages: crate::settings::languages::Languages,
    /// `ORIGIN_VERIFY_SECRET`: when set, the HTTP API answers only requests carrying it in the
    /// header CloudFront adds (`guard::ORIGIN_VERIFY_HEADER`).
    pub origin_secret: Option<String>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(&lookup);
        let invalid = ConfigError::invalid;

        let table = env.required("TABLE_NAME", "set it to the DynamoDB table name")?;

        let sender = env.required("SENDER_EMAIL", "set it to the SES-verified address emails are sent from")?;
        let sender = crate::address::normalize(&sender)
            .map_err(|e| invalid("SENDER_EMAIL", &sender, &format!("{e} (give a bare address, no display name)")))?;

        let raw_url = env.required("SITE_URL", "set it to the site's origin, e.g. https://blog.example.com")?;
        let parsed = url::Url::parse(&raw_url).map_err(|e| invalid("SITE_URL", &raw_url, &e.to_string()))?;
        let host = parsed.host_str().unwrap_or_default().to_string();
        let local = host == "localhost" || host == "127.0.0.1" || host == "[::1]";
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && local) {
            return Err(invalid("SITE_URL", &raw_url, "use an https:// URL (http:// only for localhost)"));
        }
        if host.is_empty() || parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty() {
            return Err(invalid("SITE_URL", &raw_url, "give scheme, host and optional path only"));
        }
        let site_url = parsed.as_str().trim_end_matches('/').to_string();
        // The email templates print URLs unescaped (`| safe`), so nothing HTML-special may be in them.
        if site_url.contains(['&', '\'', '"', '<', '>']) {
            return Err(invalid("SITE_URL", &raw_url, "must not contain & ' \" < or >"));
        }

        let site_title = env.text("SITE_TITLE").unwrap_or_else(|| host.clone());
        if site_title.chars().any(char::is_control) || site_title.chars().count() > 120 {
            return Err(invalid("SITE_TITLE", &site_title, "no control characters, at most 120 characters"));
        }

        let double_opt_in = env.flag("DOUBLE_OPT_IN")?.unwrap_or(true);
        let pending_ttl_hours = env.bounded("PENDING_TTL_HOURS", 1..=24 * 30, "a whole number of hours from 1 to 720")?.unwrap_or(48);

        let unsubscribe_mailto = match env.text("UNSUBSCRIBE_MAILTO") {
            None => None,
            Some(v) => Some(crate::address::normalize(&v).map_err(|e| invalid("UNSUBSCRIBE_MAILTO", &v, &e.to_string()))?),
        };

        let news = crate::settings::news::Settings::from_env(&env)?;
        let limits = crate::settings::limits::Settings::from_env(&env)?;
        let languages = crate::settings::languages::Languages::from_env(&env)?;
        let origin_secret = match env.text("ORIGIN_VERIFY_SECRET") {
            Some(v) if v.len() < 16 || !v.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(invalid("ORIGIN_VERIFY_SECRET", "<hidden>", "at least 16 printable ASCII characters, no spaces"))
            }
            v => v,
        };

        Ok(Config {
            table,
            sender,
            site_url,
            site_title,
            double_opt_in,
            pending_ttl_hours,
            unsubscribe_mailto,
            news,
            limits,
            languages,
            origin_secret,
        })
    }

    /// Absolute URL of a path on the site (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.site_url)
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table={} sender={} site_url={} site_title={:?} double_opt_in={} pending_ttl_hours={} unsubscribe_mailto={} announcements_table={} sends_table={} queue={} configuration_set={} send_rate={} sender_concurrency={} lease_secs={} {} {} origin_check={}",
            self.table,
            self.sender,
            self.site_url,
            self.site_title,
            self.double_opt_in,
            self.pending_ttl_hours,
            self.unsubscribe_mailto.as_deref().unwrap_or("-"),
            self.news.announcements_table.as_deref().unwrap_or("-"),
            self.news.sends_table.as_deref().unwrap_or("-"),
            self.news.queue_url.as_deref().unwrap_or("-"),
            self.news.configuration_set.as_deref().unwrap_or("-"),
            self.news.send_rate.map(|r| r.to_string()).unwrap_or_else(|| "account".into()),
            self.news.sender_concurrency,
            self.news.lease_secs,
            self.limits,
            self.languages,
            if self.origin_secret.is_some() { "on" } else { "off" }
        )
    }
}
