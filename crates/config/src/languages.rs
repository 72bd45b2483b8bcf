//! Languages: `language` is the default one; `[languages.<code>]` adds others, each with its
//! own title, description, menu, text direction, content folder and theme strings.
//!
//! A language's pages live in `content/<content_dir>/` (Hugo's `contentDir`) or beside the
//! default language's as `name.<code>.md` (Zola and Hugo). The default language is published at
//! `/` (or at `/<code>/` with `default_language_in_subdir`), the others at `/<code>/`.

use crate::config::{MenuItem, SiteConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The site's title in this language (default: the site's).
    pub title: Option<String>,
    pub description: Option<String>,
    /// The menu in this language (default: the site's, its links into this language's tree).
    pub menu: Option<Vec<MenuItem>>,
    /// `ltr` or `rtl` (default: from the language code).
    pub dir: Option<String>,
    /// A folder under `content/` holding this language's pages (Hugo's `contentDir`).
    pub content_dir: Option<String>,
    /// The name readers see in the language switcher (default: the code).
    pub name: Option<String>,
    /// Theme strings in this language, over the theme's `i18n/<code>.toml`
    /// (Zola's `[languages.<code>.translations]`).
    #[serde(default)]
    pub strings: BTreeMap<String, String>,
    /// Hugo's `weight`: the order of the switcher (then the code).
    pub weight: Option<i64>,
}

/// Languages written right to left (by their primary subtag).
const RTL: &[&str] = &["ar", "arc", "dv", "fa", "ha", "he", "iw", "khw", "ks", "ku", "ps", "sd", "ur", "yi"];

/// `rtl` for a right-to-left language code (`ar`, `fa-IR`), else `ltr`.
pub fn text_direction(code: &str) -> &'static str {
    let primary = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
    if RTL.contains(&primary.as_str()) {
        "rtl"
    } else {
        "ltr"
    }
}

/// One language as a build sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Language {
    pub code: String,
    pub name: String,
    pub dir: String,
    /// Where its tree is published: `""` (the site root) or `/fr`.
    pub prefix: String,
    pub is_default: bool,
}

impl SiteConfig {
    /// Whether the site publishes more than one language.
    pub fn is_multilingual(&self) -> bool {
        self.languages.keys().any(|c| *c != self.content.languages.default) || self.default_language_in_subdir
    }

    /// Every language, the default first, then by weight and code.
    pub fn all_languages(&self) -> Vec<Language> {
        // The default is site.toml's `language`, also in a language's own config (whose
        // `language` is that language).
        let default_code = &self.content.languages.default;
        let mut others: Vec<(&String, &LanguageConfig)> = self.languages.iter().filter(|(c, _)| *c != default_code).collect();
        others.sort_by(|a, b| a.1.weight.unwrap_or(0).cmp(&b.1.weight.unwrap_or(0)).then_with(|| a.0.cmp(b.0)));
        let default = (default_code, self.languages.get(default_code));
        std::iter::once(default)
            .chain(others.into_iter().map(|(c, l)| (c, Some(l))))
            .map(|(code, l)| {
                let is_default = code == default_code;
                Language {
                    code: code.clone(),
                    name: l.and_then(|l| l.name.clone()).unwrap_or_else(|| code.clone()),
                    dir: l.and_then(|l| l.dir.clone()).unwrap_or_else(|| text_direction(code).to_string()),
                    prefix: if is_default && !self.default_language_in_subdir { String::new() } else { format!("/{code}") },
                    is_default,
                }
            })
            .collect()
    }

    /// The site as one of its languages publishes it: that language's title, description and
    /// menu, `language` set to it, and its URLs under its prefix (see [`crate::with_base`]).
    pub fn for_language(&self, lang: &Language) -> SiteConfig {
        let mut c = self.clone();
        let l = self.languages.get(&lang.code);
        if let Some(t) = l.and_then(|l| l.title.clone()) {
            c.title = t;
        }
        if let Some(d) = l.and_then(|l| l.description.clone()) {
            c.description = d;
        }
        if let Some(m) = l.and_then(|l| l.menu.clone()) {
            c.menu = m;
        }
        c.language = lang.code.clone();
        c.lang_prefix = lang.prefix.clone();
        c
    }
}

/// What the content walker needs to know of the languages (set from site.toml when it is
/// read): which file belongs to which language.
#[derive(Debug, Clone, PartialEq)]
pub struct LangRules {
    pub default: String,
    /// Every configured code, the default's included.
    pub codes: Vec<String>,
    /// (folder under content/, code), for languages with a `content_dir`.
    pub dirs: Vec<(String, String)>,
}

impl Default for LangRules {
    fn default() -> Self {
        LangRules { default: "en".into(), codes: vec!["en".into()], dirs: Vec::new() }
    }
}

impl LangRules {
    pub fn of(config: &SiteConfig) -> LangRules {
        let mut codes: Vec<String> = config.languages.keys().cloned().collect();
        if !codes.contains(&config.language) {
            codes.push(config.language.clone());
        }
        let dirs = config
            .languages
            .iter()
            .filter_map(|(c, l)| Some((l.content_dir.as_deref()?.trim_matches('/').to_string(), c.clone())))
            .filter(|(d, _)| !d.is_empty())
            .collect();
        LangRules { default: config.language.clone(), codes, dirs }
    }

    /// The language of a content file and its path within that language's tree: from its
    /// language folder (`fr/posts/x.md`), else from its name (`posts/x.fr.md`), else the
    /// default language.
    pub fn language_of<'a>(&self, rel: &'a str) -> (String, std::borrow::Cow<'a, str>) {
        for (dir, code) in &self.dirs {
            if let Some(rest) = rel.strip_prefix(dir.as_str()).and_then(|r| r.strip_prefix('/')) {
                return (code.clone(), rest.into());
            }
        }
        if self.codes.len() > 1 {
            let (dir, file) = match rel.rsplit_once('/') {
                Some((d, f)) => (Some(d), f),
                None => (None, rel),
            };
            if let Some((stem, ext)) = file.rsplit_once('.') {
                if let Some((name, code)) = stem.rsplit_once('.') {
                    if !name.is_empty() && self.codes.iter().any(|c| c == code) {
                        let file = format!("{name}.{ext}");
                        let rest = match dir {
                            Some(d) => format!("{d}/{file}"),
                            None => file,
                        };
                        return (code.to_string(), rest.into());
                    }
                }
            }
        }
        (self.default.clone(), rel.into())
    }
}

/// Checks the languages table: codes that are language tags, content folders that are one
/// folder name each and not shared.
pub fn validate(config: &SiteConfig) -> Result<(), String> {
    let mut dirs: Vec<&str> = Vec::new();
    for (code, l) in std::iter::once((&config.language, None)).chain(config.languages.iter().map(|(c, l)| (c, Some(l)))) {
        let ok =
            !code.is_empty() && code.len() <= 35 && code.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok {
            return Err(format!("language {code:?} is not a language code such as \"fr\" or \"pt-BR\""));
        }
        let Some(l) = l else { continue };
        if let Some(d) = &l.dir {
            if d != "ltr" && d != "rtl" {
                return Err(format!("[languages.{code}] dir = {d:?}: write \"ltr\" or \"rtl\""));
            }
        }
        if let Some(dir) = &l.content_dir {
            let dir = dir.trim_matches('/');
            if dir.is_empty() || dir.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
                return Err(format!("[languages.{code}] content_dir = {dir:?}: name a folder under content/, e.g. \"{code}\""));
            }
            if dirs.iter().any(|d| d == &dir || d.starts_with(&format!("{dir}/")) || dir.starts_with(&format!("{d}/"))) {
                return Err(format!("[languages.{code}] content_dir = {dir:?} overlaps another language's folder"));
            }
            dirs.push(dir);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn site(extra: &str) -> SiteConfig {
        SiteConfig::parse(&format!("title = \"x\"\nbase_url = \"https://x.org/blog\"\n{extra}"), Path::new("site.toml")).unwrap()
    }

    #[test]
    fn a_file_belongs_to_its_folder_or_name_language() {
        let c = site("[languages.fr]\n[languages.de]\ncontent_dir = \"deutsch\"\n");
        assert_eq!(c.content.languages.language_of("posts/x.md"), ("en".to_string(), "posts/x.md".into()));
        assert_eq!(c.content.languages.language_of("posts/x.fr.md"), ("fr".to_string(), "posts/x.md".into()));
        assert_eq!(c.content.languages.language_of("_index.fr.md"), ("fr".to_string(), "_index.md".into()));
        assert_eq!(c.content.languages.language_of("posts/x.en.md"), ("en".to_string(), "posts/x.md".into()));
        assert_eq!(c.content.languages.language_of("deutsch/posts/x.md"), ("de".to_string(), "posts/x.md".into()));
        // Not a configured language: part of the name.
        assert_eq!(c.content.languages.language_of("posts/v1.2.md"), ("en".to_string(), "posts/v1.2.md".into()));
        assert_eq!(c.content.languages.language_of("posts/.fr.md"), ("en".to_string(), "posts/.fr.md".into()));
    }

    #[test]
    fn languages_are_listed_default_first_with_their_prefix_and_direction() {
        let c = site("language = \"en\"\n[languages.fr]\nweight = 2\n[languages.ar]\nweight = 1\n");
        let l = c.all_languages();
        let view: Vec<(&str, &str, &str)> = l.iter().map(|l| (l.code.as_str(), l.prefix.as_str(), l.dir.as_str())).collect();
        assert_eq!(view, [("en", "", "ltr"), ("ar", "/ar", "rtl"), ("fr", "/fr", "ltr")]);
        assert!(c.is_multilingual());
        let fr = c.for_language(&l[2]);
        assert_eq!(crate::with_base(&fr, "/tags/"), "/blog/fr/tags/");
        assert_eq!(fr.all_languages().len(), 3, "a language's config still knows every language");
        assert!(fr.all_languages()[0].is_default && fr.all_languages()[0].code == "en");
        assert_eq!(fr.base_path(), "/blog", "static files stay at the site root");
        assert!(!site("").is_multilingual());
    }

    #[test]
    fn bad_language_tables_are_refused() {
        let bad = |t: &str| SiteConfig::parse(&format!("title = \"x\"\nbase_url = \"https://x.org\"\n{t}"), Path::new("s")).is_err();
        assert!(bad("[languages.\"f r\"]\n"));
        assert!(bad("[languages.fr]\ndir = \"up\"\n"));
        assert!(bad("[languages.fr]\ncontent_dir = \"../x\"\n"));
        assert!(bad("[languages.fr]\ncontent_dir = \"a\"\n[languages.de]\ncontent_dir = \"a/b\"\n"));
        assert!(!bad("[languages.pt-BR]\n"));
    }
}
