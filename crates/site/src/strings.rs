//! The theme's own words in the page's language: `trans(key="older")` in a template, from the
//! theme's `i18n/<code>.toml` (a flat table of key = "text"), overridden by site.toml's
//! `[languages.<code>.strings]` (where `init --from` puts Zola's `translations`).
//!
//! A key missing in a language is an error naming the language and the key, unless site.toml
//! sets `strings_fallback = true`: then the default language's text is used.

use myblog_config::SiteConfig;
use myblog_utils::{Diagnostic, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tera::Value;

fn read_table(root: &Path, file: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read_to_string(file) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            let mut d = Diagnostic::new(myblog_utils::rel_display(root, file), format!("theme strings: {}", e.message().trim()));
            if let Some(span) = e.span() {
                let (l, c) = myblog_utils::line_col(&text, span.start);
                d = d.at(l, c);
            }
            d.hint("a strings file is a flat table: older = \"Older posts\"").into()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(myblog_utils::Error::io("cannot read", file, e)),
    }
}

/// Every language's strings, by code.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    by_lang: HashMap<String, BTreeMap<String, String>>,
    /// The language `trans` speaks when not told (`lang=`).
    current: String,
    default: String,
    fallback: bool,
    /// The theme's own language (`en.toml`): what a one-language site fell back to before it
    /// had strings, so such a site in any language renders as it always did.
    base: Option<BTreeMap<String, String>>,
    theme_i18n: String,
}

impl Strings {
    /// Reads `<theme>/i18n/<code>.toml` for every language of the site (a missing file is an
    /// empty table) and applies site.toml's strings over it.
    pub fn load(root: &Path, config: &SiteConfig) -> Result<Strings> {
        let dir = config.theme_dir(root).join("i18n");
        let mut by_lang = HashMap::new();
        let read = |code: &str| read_table(root, &dir.join(format!("{code}.toml")));
        for lang in config.all_languages() {
            let primary = lang.code.split(['-', '_']).next().unwrap_or(&lang.code).to_ascii_lowercase();
            let mut table = read(&primary)?;
            if primary != lang.code {
                table.extend(read(&lang.code)?);
            }
            if let Some(l) = config.languages.get(&lang.code) {
                table.extend(l.strings.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            by_lang.insert(lang.code.clone(), table);
        }
        Ok(Strings {
            by_lang,
            current: config.language.clone(),
            default: config.content.languages.default.clone(),
            fallback: config.strings_fallback,
            base: (!config.is_multilingual()).then(|| read("en")).transpose()?,
            theme_i18n: myblog_utils::rel_display(root, &dir).display().to_string(),
        })
    }

    /// The text of `key` in `lang`.
    pub fn get(&self, key: &str, lang: Option<&str>) -> std::result::Result<&str, String> {
        let lang = lang.unwrap_or(&self.current);
        let found = self.by_lang.get(lang).and_then(|t| t.get(key));
        let found = match found {
            None if self.fallback || self.base.is_some() => self.by_lang.get(&self.default).and_then(|t| t.get(key)),
            other => other,
        };
        let found = found.or_else(|| self.base.as_ref().and_then(|t| t.get(key)));
        found.map(String::as_str).ok_or_else(|| {
            format!(
                "no string {key:?} in language {lang:?}: add `{key} = \"...\"` to {}/{lang}.toml or to [languages.{lang}.strings] in site.toml \
                 (or set strings_fallback = true to use the default language's)",
                self.theme_i18n
            )
        })
    }

    /// The month and weekday names of the current language (its own strings only: a name it
    /// lacks stays English, whatever the fallback).
    pub fn date_names(&self) -> crate::dates::DateNames {
        let own = self.by_lang.get(&self.current);
        crate::dates::DateNames::from_strings(|k| own.and_then(|t| t.get(k)).cloned())
    }

    /// The `trans(key="...", lang="...")` template function.
    pub fn register(self, tera: &mut tera::Tera) {
        tera.register_function("trans", move |args: &std::collections::HashMap<String, Value>| -> tera::Result<Value> {
            let key = args.get("key").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("trans() needs key=\"...\""))?;
            let lang = args.get("lang").and_then(Value::as_str);
            self.get(key, lang).map(|s| Value::String(s.to_string())).map_err(tera::Error::msg)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(fallback: bool) -> Strings {
        let mut by_lang = HashMap::new();
        by_lang.insert(
            "en".to_string(),
            BTreeMap::from([("older".to_string(), "Older".to_string()), ("tags".to_string(), "Tags".to_string())]),
        );
        by_lang.insert("fr".to_string(), BTreeMap::from([("older".to_string(), "Plus anciens".to_string())]));
        Strings { by_lang, current: "fr".into(), default: "en".into(), fallback, base: None, theme_i18n: "themes/default/i18n".into() }
    }

    #[test]
    fn a_string_comes_in_the_pages_language_or_names_what_is_missing() {
        let s = strings(false);
        assert_eq!(s.get("older", None), Ok("Plus anciens"));
        assert_eq!(s.get("older", Some("en")), Ok("Older"));
        let e = s.get("tags", None).unwrap_err();
        assert!(e.contains("\"tags\"") && e.contains("\"fr\"") && e.contains("themes/default/i18n/fr.toml"), "{e}");
        assert_eq!(strings(true).get("tags", None), Ok("Tags"), "fallback to the default language");
        assert!(strings(true).get("nope", None).is_err());
    }
}
