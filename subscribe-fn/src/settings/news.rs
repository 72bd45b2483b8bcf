//! Settings of the new-post announcement pipeline (`crate::news`).

use super::{ConfigError, Env};

/// Settings of the announcement pipeline, from environment variables (all optional for the
/// functions that do not send announcements).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `ANNOUNCEMENTS_TABLE`: one item per announced post (written by `myblog deploy`).
    pub announcements_table: Option<String>,
    /// `SENDS_TABLE`: one item per (post, recipient): the claim, its lease and the outcome.
    pub sends_table: Option<String>,
    /// `SEND_QUEUE_URL`: the SQS queue of page and send messages.
    pub queue_url: Option<String>,
    /// `CONFIGURATION_SET`: SES configuration set every email goes through (bounce and
    /// complaint events are published from it).
    pub configuration_set: Option<String>,
    /// `SEND_RATE`: emails per second for the whole site. Unset: the account's `MaxSendRate`
    /// (SES v2 `GetAccount`), read once per cold start.
    pub send_rate: Option<f64>,
    /// `SENDER_CONCURRENCY`: the sender function's reserved concurrency; each instance paces
    /// itself to `send_rate / SENDER_CONCURRENCY`.
    pub sender_concurrency: u32,
    /// `SEND_LEASE_SECS`: how long a claim blocks other senders. A crash between claim and
    /// SES call is retried once the lease has run out.
    pub lease_secs: u64,
    /// `RECIPIENTS_PER_MESSAGE`: recipients in one send message.
    pub recipients_per_message: usize,
    /// `PAGE_SIZE`: subscribers read from the index per page message.
    pub page_size: i32,
    /// `SDK_TIMEOUT_SECS`: every AWS call's limit, retries included (default 5 s).
    pub operation_timeout: std::time::Duration,
    /// `SENDER_TIMEOUT_SECS`: the sender function's own timeout (the template passes it), so a
    /// pace that could never fit one send into an invocation is refused at start.
    pub sender_timeout: Option<std::time::Duration>,
    /// `ANNOUNCEMENTS_PER_DAY`: fan-outs started per UTC day at most. Anyone holding the deploy
    /// role can write announcement items; this bounds how often they can mail everyone.
    pub announcements_per_day: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            announcements_table: None,
            sends_table: None,
            queue_url: None,
            configuration_set: None,
            send_rate: None,
            sender_concurrency: 1,
            lease_secs: 60,
            recipients_per_message: 50,
            page_size: 1000,
            operation_timeout: super::OPERATION_TIMEOUT,
            sender_timeout: None,
            announcements_per_day: 10,
        }
    }
}

impl Settings {
    pub fn from_env(env: &Env<'_>) -> Result<Settings, ConfigError> {
        let mut s = Settings {
            announcements_table: env.text("ANNOUNCEMENTS_TABLE"),
            sends_table: env.text("SENDS_TABLE"),
            queue_url: env.text("SEND_QUEUE_URL"),
            configuration_set: env.text("CONFIGURATION_SET"),
            ..Settings::default()
        };
        // Above 0: `MIN_POSITIVE` is the smallest rate the range admits (NaN and infinity never are).
        s.send_rate = env.bounded("SEND_RATE", f64::MIN_POSITIVE..=10_000.0, "emails per second, a number above 0 (e.g. 14)")?;
        if let Some(c) = env.bounded("SENDER_CONCURRENCY", 1..=1000, "the sender's reserved concurrency, 1 to 1000")? {
            s.sender_concurrency = c;
        }
        // At least 6: the SES call gets a third of the lease, and less than 2 s would time out
        // sends SES was still taking.
        if let Some(l) = env.bounded("SEND_LEASE_SECS", 6..=900, "seconds, 6 to 900")? {
            s.lease_secs = l;
        }
        if let Some(n) = env.bounded("RECIPIENTS_PER_MESSAGE", 1..=500, "1 to 500")? {
            s.recipients_per_message = n;
        }
        if let Some(n) = env.bounded("PAGE_SIZE", 1..=10_000, "1 to 10000")? {
            s.page_size = n;
        }
        if let Some(t) = env.bounded("SDK_TIMEOUT_SECS", 1..=60, "seconds, 1 to 60, well under the function's timeout")? {
            s.operation_timeout = std::time::Duration::from_secs(t);
        }
        s.sender_timeout = env
            .bounded("SENDER_TIMEOUT_SECS", 1..=900, "seconds, 1 to 900 (the sender function's Timeout)")?
            .map(std::time::Duration::from_secs);
        if let Some(n) = env.bounded("ANNOUNCEMENTS_PER_DAY", 1..=1000, "announcements a day, 1 to 1000")? {
            s.announcements_per_day = n;
        }
        s.check_pace()?;
        Ok(s)
    }

    /// What a sender must have left before it starts a send: the SES call's limit, the claim
    /// and outcome writes, a margin.
    pub fn send_needs(&self) -> std::time::Duration {
        self.ses_timeout() + std::time::Duration::from_secs(3)
    }

    /// Refuses a pace under which no invocation could ever send: every recipient would be
    /// handed back on every run (a livelock, nothing sent, nothing failing).
    fn check_pace(&self) -> Result<(), ConfigError> {
        let (Some(rate), Some(timeout)) = (self.send_rate, self.sender_timeout) else { return Ok(()) };
        let interval = std::time::Duration::from_secs_f64(f64::from(self.sender_concurrency) / rate);
        if interval + self.send_needs() > timeout {
            return Err(ConfigError::invalid(
                "SEND_RATE",
                &rate.to_string(),
                &format!(
                    "one email every {:.0} s per sender instance ({} instances) plus {} s per send does not fit the sender's {} s timeout; raise SEND_RATE",
                    interval.as_secs_f64(),
                    self.sender_concurrency,
                    self.send_needs().as_secs(),
                    timeout.as_secs()
                ),
            ));
        }
        Ok(())
    }

    /// The SES call's own time limit: always well inside the lease, so a slow call that
    /// still succeeds can never overlap a second sender's claim of the same send.
    pub fn ses_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis((self.lease_secs * 1000 / 3).min(10_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Settings::from_env(&Env::new(&lookup))
    }

    #[test]
    fn a_pace_that_cannot_fit_an_invocation_is_refused() {
        // 60 s lease: 10 s SES limit + 3 s; one email per 50 s does not fit 60 s, per 40 s does.
        let e = settings(&[("SEND_RATE", "0.02"), ("SENDER_TIMEOUT_SECS", "60")]).unwrap_err().to_string();
        assert!(e.contains("SEND_RATE") && e.contains("60 s timeout"), "{e}");
        assert!(settings(&[("SEND_RATE", "0.025"), ("SENDER_TIMEOUT_SECS", "60")]).is_ok());
        // Shared by 4 instances: 0.08 emails/s for the site is one per 50 s each.
        assert!(settings(&[("SEND_RATE", "0.08"), ("SENDER_CONCURRENCY", "4"), ("SENDER_TIMEOUT_SECS", "60")]).is_err());
        assert!(settings(&[("SEND_RATE", "0.02")]).is_ok(), "without the timeout nothing to compare");
    }
}
