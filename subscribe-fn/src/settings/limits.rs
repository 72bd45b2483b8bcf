//! Settings of the abuse limits (`crate::limits`).

use super::{ConfigError, Env};

/// Limit settings from the environment (part of [`crate::Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `LIMITS_TABLE`: the counters table. Without it no limit applies (local runs); the stack
    /// always sets it (asserted by infra/tests/template.rs).
    pub table: Option<String>,
    /// `DAILY_EMAIL_BUDGET` (default 200): first emails of a subscription (confirmations, or
    /// welcomes when double opt-in is off) the whole site sends per UTC day.
    pub daily_email_budget: u32,
    /// `CONFIRMATIONS_PER_MAILBOX_PER_DAY` (default 3).
    pub per_mailbox_per_day: u32,
    /// `SUBSCRIBES_PER_IP_PER_HOUR` (default 20): subscribe requests per viewer address (IPv4)
    /// or /64 (IPv6) per clock hour.
    pub per_ip_per_hour: u32,
    /// `LINKS_PER_IP_PER_HOUR` (default 60): confirm and unsubscribe requests whose token does
    /// not check out (forged, mistyped, superseded), per viewer address or /64 per clock hour.
    /// Genuine links are never counted: mail providers send one-click unsubscribes (RFC 8058)
    /// for many readers from one address, and those must always work.
    pub links_per_ip_per_hour: u32,
}

impl Settings {
    pub fn from_env(env: &Env<'_>) -> Result<Settings, ConfigError> {
        let number = |name: &'static str, default: u32, max: u32| -> Result<u32, ConfigError> {
            Ok(env.bounded(name, 1..=max, &format!("a whole number from 1 to {max}"))?.unwrap_or(default))
        };
        Ok(Settings {
            table: env.text("LIMITS_TABLE"),
            daily_email_budget: number("DAILY_EMAIL_BUDGET", 200, 1_000_000)?,
            per_mailbox_per_day: number("CONFIRMATIONS_PER_MAILBOX_PER_DAY", 3, 100)?,
            per_ip_per_hour: number("SUBSCRIBES_PER_IP_PER_HOUR", 20, 100_000)?,
            links_per_ip_per_hour: number("LINKS_PER_IP_PER_HOUR", 60, 100_000)?,
        })
    }
}

impl std::fmt::Display for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "limits_table={} daily_email_budget={} per_mailbox_per_day={} per_ip_per_hour={} links_per_ip_per_hour={}",
            self.table.as_deref().unwrap_or("-(no limits)"),
            self.daily_email_budget,
            self.per_mailbox_per_day,
            self.per_ip_per_hour,
            self.links_per_ip_per_hour
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let s = Settings::from_env(&Env::new(&|_| None)).unwrap();
        assert_eq!((s.table, s.daily_email_budget, s.per_mailbox_per_day, s.per_ip_per_hour), (None, 200, 3, 20));
        let zero = |k: &str| (k == "DAILY_EMAIL_BUDGET").then(|| "0".to_string());
        let e = Settings::from_env(&Env::new(&zero)).unwrap_err().to_string();
        assert!(e.contains("DAILY_EMAIL_BUDGET") && e.contains("1 to"), "{e}");
    }
}
