//! Reading the functions' settings from environment variables: one parser for every bounded
//! number, one error type, so each setting is refused the same way (name, value, what to give).
//!
//! A leaf: [`crate::config`] assembles these parts; nothing here knows the AWS clients.

pub mod languages;
pub mod limits;
pub mod news;

use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// Every AWS call's limit, retries included (default of `SDK_TIMEOUT_SECS`): well under the
/// shortest function timeout (10 s for the HTTP API), so a hung connection fails the call, not
/// the invocation.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// One attempt's limit, so the SDK's retries fit inside the operation's.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} is not set; {hint}")]
    Missing { name: &'static str, hint: &'static str },
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid { name: &'static str, value: String, reason: String },
}

impl ConfigError {
    pub fn invalid(name: &'static str, value: &str, reason: &str) -> ConfigError {
        ConfigError::Invalid { name, value: value.to_string(), reason: reason.to_string() }
    }
}

/// The environment as settings see it: values trimmed, an empty value the same as an unset one.
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Env<'a> {
        Env { lookup }
    }

    /// The trimmed value, `None` when unset or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// The value, required.
    pub fn required(&self, name: &'static str, hint: &'static str) -> Result<String, ConfigError> {
        self.text(name).ok_or(ConfigError::Missing { name, hint })
    }

    /// A number inside `range`, `None` when unset; unreadable or out of range is refused with
    /// `reason` (what to give instead).
    pub fn bounded<T: FromStr + PartialOrd>(
        &self,
        name: &'static str,
        range: RangeInclusive<T>,
        reason: &str,
    ) -> Result<Option<T>, ConfigError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => match v.parse::<T>() {
                Ok(n) if range.contains(&n) => Ok(Some(n)),
                _ => Err(ConfigError::invalid(name, &v, reason)),
            },
        }
    }

    /// A yes/no switch, `None` when unset.
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, ConfigError> {
        match self.text(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if matches!(v.as_str(), "1" | "true" | "on" | "yes") => Ok(Some(true)),
            Some(v) if matches!(v.as_str(), "0" | "false" | "off" | "no") => Ok(Some(false)),
            Some(v) => Err(ConfigError::invalid(name, &v, "use true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn bounded_numbers_are_read_or_refused_by_name() {
        let lookup = env_of(&[("A", " 7 "), ("B", "0"), ("C", "x"), ("D", ""), ("R", "NaN")]);
        let env = Env::new(&lookup);
        assert_eq!(env.bounded::<u32>("A", 1..=10, "1 to 10").unwrap(), Some(7));
        assert_eq!(env.bounded::<u32>("D", 1..=10, "1 to 10").unwrap(), None, "empty is unset");
        assert_eq!(env.bounded::<u32>("UNSET", 1..=10, "1 to 10").unwrap(), None);
        for name in ["B", "C"] {
            let e = env.bounded::<u32>(name, 1..=10, "1 to 10").unwrap_err().to_string();
            assert!(e.contains(name) && e.contains("1 to 10"), "{e}");
        }
        assert!(env.bounded::<f64>("R", f64::MIN_POSITIVE..=1.0, "above 0").is_err(), "NaN is never in range");
    }

    #[test]
    fn flags_take_the_usual_spellings() {
        let lookup = env_of(&[("Y", "Yes"), ("N", "off"), ("X", "maybe")]);
        let env = Env::new(&lookup);
        assert_eq!(env.flag("Y").unwrap(), Some(true));
        assert_eq!(env.flag("N").unwrap(), Some(false));
        assert!(env.flag("X").unwrap_err().to_string().contains("use true or false"));
    }
}
