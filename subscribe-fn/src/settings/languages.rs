//! The site's languages (`SITE_LANGUAGES`), as the subscription side needs them: which `lang`
//! a subscribe request may ask for, which language a subscriber without one has, and whether
//! announcements must be split by language at all.

use super::{ConfigError, Env};

/// `SITE_LANGUAGES`: codes separated by commas, the default language first (`en,fr,de`).
/// Unset: one language, English, which is what a site without `[languages]` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages {
    codes: Vec<String>,
}

/// The most languages a site may have here.
const MAX_LANGUAGES: usize = 101;

/// The longest code accepted (BCP 47 tags of a language, script and region fit easily).
const MAX_CODE: usize = 35;

/// A code as site.toml's `[languages.<code>]` can name it: letters, digits and `-`, starting
/// with a letter. It reaches a DynamoDB attribute and a template name, so nothing else may.
fn valid_code(code: &str) -> bool {
    code.len() <= MAX_CODE
        && code.starts_with(|c: char| c.is_ascii_alphabetic())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Languages {
    pub fn from_env(env: &Env<'_>) -> Result<Languages, ConfigError> {
        let Some(raw) = env.text("SITE_LANGUAGES") else { return Ok(Languages { codes: vec!["en".into()] }) };
        let mut codes: Vec<String> = Vec::new();
        for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if !valid_code(code) {
                return Err(ConfigError::invalid(
                    "SITE_LANGUAGES",
                    &raw,
                    &format!("{code:?} is not a language code (letters, digits and -)"),
                ));
            }
            let code = code.to_ascii_lowercase();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        // The default language's fan-out names every other language in one DynamoDB `IN`,
        // which takes at most 100 values.
        if codes.len() > MAX_LANGUAGES {
            return Err(ConfigError::invalid("SITE_LANGUAGES", &raw, &format!("at most {MAX_LANGUAGES} languages")));
        }
        if codes.is_empty() {
            return Err(ConfigError::invalid("SITE_LANGUAGES", &raw, "give the default language first, e.g. en,fr"));
        }
        Ok(Languages { codes })
    }

    /// The site's default language: a subscriber or post without a language has this one.
    pub fn default_code(&self) -> &str {
        &self.codes[0]
    }

    /// More than one language: announcements go only to the post's language's subscribers.
    pub fn multilingual(&self) -> bool {
        self.codes.len() > 1
    }

    /// The site's language `asked` names (case-insensitive), or the default one when it names
    /// none: a form from an old page, a forged value, nothing at all.
    pub fn pick(&self, asked: Option<&str>) -> &str {
        let asked = asked.map(|a| a.trim().to_ascii_lowercase());
        asked.and_then(|a| self.codes.iter().find(|c| **c == a)).map(String::as_str).unwrap_or(self.default_code())
    }

    pub fn codes(&self) -> &[String] {
        &self.codes
    }
}

impl std::fmt::Display for Languages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "languages={}", self.codes.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Option<&'static str>) -> Result<Languages, ConfigError> {
        let lookup = move |k: &str| (k == "SITE_LANGUAGES").then(|| value.map(str::to_string)).flatten();
        Languages::from_env(&Env::new(&lookup))
    }

    #[test]
    fn unset_is_english_alone() {
        let l = read(None).unwrap();
        assert_eq!(l.codes(), ["en"]);
        assert!(!l.multilingual());
        assert_eq!(l.pick(Some("fr")), "en");
    }

    #[test]
    fn the_first_is_the_default_and_unknown_codes_fall_back_to_it() {
        let l = read(Some(" fr , en,DE,ar,fr ")).unwrap();
        assert_eq!(l.codes(), ["fr", "en", "de", "ar"]);
        assert!(l.multilingual());
        assert_eq!(l.pick(Some("de")), "de");
        assert_eq!(l.pick(Some(" AR ")), "ar");
        assert_eq!(l.pick(Some("xx")), "fr");
        assert_eq!(l.pick(Some("")), "fr");
        assert_eq!(l.pick(None), "fr");
    }

    #[test]
    fn codes_that_could_reach_a_path_are_refused() {
        for bad in ["en,../fr", "en,f r", "en,fr/", "1en", ",", "en,é"] {
            let e = read(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("SITE_LANGUAGES"), "{bad}: {e}");
        }
    }
}
