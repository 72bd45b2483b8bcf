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

/// Hugo's strings files, `i18n/<code>.toml|yaml|yml|json` of the themes (`dirs` in Hugo's
/// order of precedence, lowest first, the site's last), as `[languages.<code>.strings]` of the
/// site's languages (a file `en.toml` serves `en-us` too). An entry is `key = "text"`, `[key]
/// other = "text"`, or, in a list, `{id = "key", translation = "text"}` (of plural forms,
/// `other` is kept: myblog's strings have one form).
pub fn hugo_i18n(dirs: &[std::path::PathBuf], codes: &[String], m: &mut Mapping) -> Result<(), String> {
    let primary = |c: &str| c.split(['-', '_']).next().unwrap_or(c).to_ascii_lowercase();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if let (Some(stem), true) = (path.file_stem().and_then(|s| s.to_str()), matches!(ext, "toml" | "yaml" | "yml" | "json")) {
                files.push((stem.to_ascii_lowercase(), path.clone()));
            }
        }
        files.sort();
        // A primary language's file first, the exact code's over it: `en.toml`, then `en-us.toml`.
        for exact in [false, true] {
            for (stem, file) in &files {
                let mine: Vec<&String> = codes
                    .iter()
                    .filter(
                        |c| if exact { c.to_ascii_lowercase() == *stem } else { c.to_ascii_lowercase() != *stem && primary(c) == *stem },
                    )
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let entries = i18n_entries(&read_i18n(file)?);
                for code in mine {
                    let strings = language(m, code).entry("strings".to_string()).or_insert_with(|| toml::Value::Table(Default::default()));
                    let table = strings.as_table_mut().expect("a table");
                    table.extend(entries.iter().map(|(k, v)| (k.clone(), toml::Value::from(v.clone()))));
                }
                m.mapped.push(format!("{} -> [languages.<code>.strings] ({} strings)", file.display(), entries.len()));
            }
        }
    }
    Ok(())
}

fn read_i18n(file: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let value = if file.extension().is_some_and(|e| e == "toml") {
        toml::from_str::<toml::Table>(&text).map_err(|e| e.to_string()).and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string()))
    } else {
        // YAML reads JSON too.
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    };
    value.map_err(|e| format!("{} cannot be read: {e}", file.display()))
}

/// `(key, text)` of a Hugo strings file in any of its shapes.
fn i18n_entries(v: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().map(str::to_string).or_else(|| v.get("other").and_then(Value::as_str).map(str::to_string));
    match v {
        Value::Object(map) => map.iter().filter_map(|(k, v)| Some((k.clone(), text(v)?))).collect(),
        Value::Array(items) => {
            items.iter().filter_map(|i| Some((i.get("id")?.as_str()?.to_string(), text(i.get("translation")?)?))).collect()
        }
        _ => Vec::new(),
    }
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
    fn hugo_strings_files_in_every_shape_become_the_languages_strings() {
        let dir = tempfile::tempdir().unwrap();
        let (theme, site) = (dir.path().join("theme"), dir.path().join("site"));
        std::fs::create_dir_all(&theme).unwrap();
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(theme.join("en.toml"), "readMore = \"Read more\"\n[posts]\none = \"post\"\nother = \"posts\"\n").unwrap();
        std::fs::write(site.join("en.yaml"), "- id: readMore\n  translation: Keep reading\n").unwrap();
        std::fs::write(site.join("fr.json"), "{\"readMore\": {\"other\": \"Lire la suite\"}}").unwrap();
        std::fs::write(site.join("de.toml"), "readMore = \"Weiterlesen\"\n").unwrap();
        let mut m = Mapping::default();
        hugo_i18n(&[theme, site], &["en-us".into(), "fr".into()], &mut m).unwrap();
        let l = m.table["languages"].as_table().unwrap();
        assert_eq!(l["en-us"]["strings"]["readMore"].as_str(), Some("Keep reading"), "the site's file over the theme's");
        assert_eq!(l["en-us"]["strings"]["posts"].as_str(), Some("posts"));
        assert_eq!(l["fr"]["strings"]["readMore"].as_str(), Some("Lire la suite"));
        assert!(!l.contains_key("de"), "a language the site does not publish");
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
