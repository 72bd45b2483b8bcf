//! A multilingual Zola or Hugo site's languages mapped onto `[languages]`. Pure: the parsed
//! config in, the table entries and the folders to copy out.

use super::config::{get, text, Mapping};
use serde_json::Value;

/// A language whose pages sit outside `content/` (Hugo's `contentDir = "content.zh"`): that
/// folder of the old site is copied to `content/<code>/`.
#[derive(Debug, PartialEq)]
pub struct MovedDir {
    pub code: String,
    pub from: String,
}

fn strings_table(v: &Value) -> toml::Table {
    let mut t = toml::Table::new();
    if let Some(map) = v.as_object() {
        for (k, v) in map {
            // Hugo's i18n entries may be `{ other = "..." }`; Zola's are plain text.
            let s = v.as_str().map(str::to_string).or_else(|| v.get("other").and_then(Value::as_str).map(str::to_string));
            if let Some(s) = s {
                t.insert(k.clone(), s.into());
            }
        }
    }
    t
}

fn languages_table(m: &mut Mapping) -> &mut toml::Table {
    m.table.entry("languages".to_string()).or_insert_with(|| toml::Value::Table(Default::default())).as_table_mut().expect("a table")
}

fn language<'a>(m: &'a mut Mapping, code: &str) -> &'a mut toml::Table {
    languages_table(m).entry(code.to_string()).or_insert_with(|| toml::Value::Table(Default::default())).as_table_mut().expect("a table")
}

/// Zola: `[languages.<code>]` with title, description and `[translations]`; the default
/// language's translations at the top level.
pub fn zola(config: &Value, m: &mut Mapping) {
    let default = get(config, &["default_language"]).and_then(|(_, v)| text(v)).unwrap_or_else(|| "en".into());
    let Some((_, Value::Object(langs))) = get(config, &["languages"]) else { return };
    for (code, l) in langs {
        for key in ["title", "description"] {
            if let Some(t) = l.get(key).and_then(text) {
                language(m, code).insert(key.into(), t.into());
            }
        }
        if let Some(tr) = l.get("translations") {
            let t = strings_table(tr);
            if !t.is_empty() {
                language(m, code).insert("strings".into(), toml::Value::Table(t));
            }
        }
        language(m, code);
        for k in l.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if !matches!(k.as_str(), "title" | "description" | "translations") {
                m.not_mapped.push(format!("languages.{code}.{k}: no counterpart in myblog (the site's setting applies)"));
            }
        }
        m.mapped.push(format!("languages.{code} -> [languages.{code}]"));
    }
    if let Some(tr) = get(config, &["translations"]).map(|(_, v)| strings_table(v)).filter(|t| !t.is_empty()) {
        language(m, &default).insert("strings".into(), toml::Value::Table(tr));
        m.mapped.push(format!("translations -> [languages.{default}.strings]"));
    }
    strings_fallback(m);
}

/// Hugo: `languages.<code>` with languageName, weight, title, contentDir, languageDirection;
/// `defaultContentLanguage` and `defaultContentLanguageInSubdir`.
pub fn hugo(config: &Value, m: &mut Mapping) -> Vec<MovedDir> {
    let Some((_, Value::Object(langs))) = get(config, &["languages"]) else { return Vec::new() };
    if langs.is_empty() {
        return Vec::new();
    }
    let default = get(config, &["defaultContentLanguage"]).and_then(|(_, v)| text(v)).unwrap_or_else(|| "en".into());
    m.set("language", default.clone(), "defaultContentLanguage (a multilingual site's default language)");
    if get(config, &["defaultContentLanguageInSubdir"]).and_then(|(_, v)| v.as_bool()) == Some(true) {
        m.set("default_language_in_subdir", true, "defaultContentLanguageInSubdir");
    }
    let mut moved = Vec::new();
    for (code, l) in langs {
        let field = |k: &str| get(l, &[k]).and_then(|(_, v)| text(v));
        language(m, code);
        if let Some(t) = field("title") {
            language(m, code).insert("title".into(), t.into());
        }
        if let Some(d) = get(l, &["params"]).and_then(|(_, p)| get(p, &["description"])).and_then(|(_, v)| text(v)) {
            language(m, code).insert("description".into(), d.into());
        }
        if let Some(n) = field("languageName") {
            language(m, code).insert("name".into(), n.into());
        }
        if let Some(w) = get(l, &["weight"]).and_then(|(_, v)| v.as_i64()) {
            language(m, code).insert("weight".into(), w.into());
        }
        if let Some(d) = field("languageDirection").filter(|d| d == "rtl" || d == "ltr") {
            language(m, code).insert("dir".into(), d.into());
        }
        // The site's own `contentDir` is its default language's.
        let site_dir = (code == &default).then(|| get(config, &["contentDir"]).and_then(|(_, v)| text(v))).flatten();
        if let Some(dir) = field("contentDir").or(site_dir) {
            let dir = dir.trim_matches('/').to_string();
            match dir.strip_prefix("content/") {
                Some(inner) if !inner.is_empty() => {
                    language(m, code).insert("content_dir".into(), inner.into());
                }
                _ => {
                    language(m, code).insert("content_dir".into(), code.clone().into());
                    moved.push(MovedDir { code: code.clone(), from: dir.clone() });
                }
            }
        }
        for k in l.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            let known = ["title", "params", "languageName", "weight", "languageDirection", "contentDir", "languageCode"];
            if !known.iter().any(|n| n.eq_ignore_ascii_case(&k)) {
                m.not_mapped.push(format!("languages.{code}.{k}: no counterpart in myblog"));
            }
        }
        m.mapped.push(format!("languages.{code} -> [languages.{code}]"));
    }
    strings_fallback(m);
    moved
}

/// The default theme speaks a few languages; a moved-in site's others use its default's words.
fn strings_fallback(m: &mut Mapping) {
    if m.table.contains_key("languages") {
        m.table.insert("strings_fallback".into(), true.into());
        m.mapped.push("theme words in languages the default theme lacks: the default language's (strings_fallback = true)".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zola_languages_and_their_translations_map() {
        let c = serde_json::json!({"default_language": "en", "translations": {"home": "Home"},
            "languages": {"fr": {"title": "Le blog", "translations": {"home": "Accueil"}, "generate_feeds": true}}});
        let mut m = Mapping::default();
        zola(&c, &mut m);
        let l = m.table["languages"].as_table().unwrap();
        assert_eq!(l["fr"]["title"].as_str(), Some("Le blog"));
        assert_eq!(l["fr"]["strings"]["home"].as_str(), Some("Accueil"));
        assert_eq!(l["en"]["strings"]["home"].as_str(), Some("Home"));
        assert!(m.not_mapped.iter().any(|n| n.contains("languages.fr.generate_feeds")));
    }

    #[test]
    fn hugo_languages_with_content_dirs_map() {
        let c = serde_json::json!({"defaultContentLanguage": "en", "languages": {
            "en": {"languageName": "English", "weight": 1, "contentDir": "content/en"},
            "fa": {"languageName": "فارسی", "languageDirection": "rtl", "contentDir": "content/fa"},
            "zh": {"contentDir": "content.zh", "title": "书"}}});
        let mut m = Mapping::default();
        let moved = hugo(&c, &mut m);
        let l = m.table["languages"].as_table().unwrap();
        assert_eq!(l["en"]["content_dir"].as_str(), Some("en"));
        assert_eq!(l["fa"]["dir"].as_str(), Some("rtl"));
        assert_eq!(l["zh"]["content_dir"].as_str(), Some("zh"));
        assert_eq!(moved, [MovedDir { code: "zh".into(), from: "content.zh".into() }]);
        assert_eq!(m.table["language"].as_str(), Some("en"));
    }
}
