//! Front matter as Zola and Hugo write it. A site moved in from either keeps its files as they
//! are: their keys are read where myblog has the meaning, every other key is kept in
//! `page.extra` for templates. A site made by myblog stays strict (see `content.rs`), so a typo
//! there is still an error with a "did you mean".

use crate::content::DateValue;
use crate::content::Fields;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A key whose value has the wrong shape: the key as written and what it should hold.
#[derive(Debug, PartialEq)]
pub struct BadKey {
    pub key: String,
    pub expected: &'static str,
}

/// Maps a parsed front-matter table written for Zola or Hugo onto myblog's fields. Keys are
/// matched without regard to case, as Hugo does (`publishDate`, `publishdate`); both tools'
/// names are accepted whichever dialect is set, since sites moved between them mix the two.
pub(crate) fn map_front_matter(table: Map<String, Value>) -> Result<Fields, BadKey> {
    let mut f = Fields::default();
    let mut extra = Map::new();
    let mut tables: Vec<Map<String, Value>> = Vec::new();
    for (key, value) in table {
        let bad = |expected| BadKey { key: key.clone(), expected };
        match key.to_ascii_lowercase().as_str() {
            "title" => f.title = Some(text(&value).ok_or_else(|| bad("text"))?),
            "date" => f.date = Some((key.clone(), date(&value).ok_or_else(|| bad("a date"))?)),
            "updated" | "lastmod" | "modified" => f.updated = Some((key.clone(), date(&value).ok_or_else(|| bad("a date"))?)),
            "publishdate" | "pubdate" | "published" => f.publish_date = Some((key.clone(), date(&value).ok_or_else(|| bad("a date"))?)),
            "expirydate" | "unpublishdate" | "expires" => f.expiry_date = Some((key.clone(), date(&value).ok_or_else(|| bad("a date"))?)),
            "draft" => f.draft = flag(&value).ok_or_else(|| bad("true or false"))?,
            "tags" => f.tags = strings(&value).ok_or_else(|| bad("a list of text"))?,
            "description" => f.description = Some(text(&value).ok_or_else(|| bad("text"))?),
            // Hugo's hand-written summary: shown where myblog shows the description.
            "summary" => {
                let s = text(&value).ok_or_else(|| bad("text"))?;
                f.summary = Some(s.clone());
                extra.insert("summary".into(), Value::String(s));
            }
            "slug" => f.slug = Some(text(&value).ok_or_else(|| bad("text"))?),
            // Zola's `path` and Hugo's `url`: the page's whole URL path.
            "path" | "url" => f.path = Some(text(&value).ok_or_else(|| bad("text"))?),
            "translationkey" => f.translation_key = Some(text(&value).ok_or_else(|| bad("text"))?),
            "aliases" => f.aliases = strings(&value).ok_or_else(|| bad("a list of URL paths"))?,
            "announce" => f.announce = Some(flag(&value).ok_or_else(|| bad("true or false"))?),
            "author" | "authors" => {
                extra.insert("authors".into(), Value::from(strings(&value).ok_or_else(|| bad("text or a list of text"))?));
            }
            "images" | "keywords" => {
                extra.insert(key.to_ascii_lowercase(), Value::from(strings(&value).ok_or_else(|| bad("text or a list of text"))?));
            }
            "weight" => {
                extra.insert("weight".into(), Value::from(value.as_i64().ok_or_else(|| bad("a whole number"))?));
            }
            "categories" | "series" => {
                let terms = strings(&value).ok_or_else(|| bad("a list of text"))?;
                extra.insert(key.to_ascii_lowercase(), Value::from(terms.clone()));
                f.taxonomies.insert(key.to_ascii_lowercase(), terms);
            }
            // Zola: `[taxonomies] tags = [...], categories = [...]`.
            "taxonomies" => {
                let Value::Object(map) = value else { return Err(bad("a table of lists")) };
                for (name, terms) in map {
                    let terms = strings(&terms).ok_or(BadKey { key: format!("taxonomies.{name}"), expected: "a list of text" })?;
                    if name == "tags" {
                        f.tags.extend(terms);
                    } else {
                        extra.insert(name.clone(), Value::from(terms.clone()));
                        f.taxonomies.insert(name, terms);
                    }
                }
            }
            // Zola's `[extra]` and Hugo's `[params]` are the author's own keys.
            "extra" | "params" => match value {
                Value::Object(map) => tables.push(map),
                _ => return Err(bad("a table")),
            },
            // Their themes' templates are not ported: the name is kept, not used.
            _ => {
                extra.insert(key, value);
            }
        }
    }
    // Section keys (Zola's `_index.md`) keep their place in `extra` too.
    for k in crate::section_settings::KEYS {
        if let Some(v) = extra.get(*k) {
            f.section.insert(k.to_string(), v.clone());
        }
    }
    for t in tables {
        extra.extend(t);
    }
    f.extra = Some(Value::Object(extra));
    Ok(f)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Hugo accepts one term where a list is expected (`author = "Ann"`).
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(text).collect(),
        other => text(other).map(|s| vec![s]),
    }
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Dates reach here as text: TOML datetimes were turned into text with the rest of the table.
fn date(v: &Value) -> Option<DateValue> {
    v.as_str().map(|s| DateValue::Text(s.to_string()))
}

/// Extra taxonomies of a page (`categories`, `series`...), by taxonomy name.
pub type Taxonomies = BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Fields {
        let Value::Object(m) = v else { unreachable!() };
        map_front_matter(m).unwrap()
    }

    #[test]
    fn hugo_keys_have_their_meaning() {
        let f = map(json!({
            "title": "Roadmap", "date": "2019-04-23", "lastmod": "2019-05-01", "publishDate": "2019-04-24",
            "expiryDate": "2030-01-01", "summary": "Where we go", "author": "Ann", "weight": 3, "images": "a.png",
            "keywords": ["x"], "aliases": ["/old/"], "url": "/2019/roadmap/", "categories": ["News"],
            "params": {"hero": true}, "toc": true
        }));
        assert_eq!(f.title.as_deref(), Some("Roadmap"));
        assert_eq!(f.updated.as_ref().map(|d| d.0.as_str()), Some("lastmod"));
        assert_eq!(f.publish_date.as_ref().map(|d| d.1.to_string()).as_deref(), Some("2019-04-24"));
        assert_eq!(f.expiry_date.as_ref().map(|d| d.1.to_string()).as_deref(), Some("2030-01-01"));
        assert_eq!(f.summary.as_deref(), Some("Where we go"));
        assert_eq!(f.aliases, ["/old/"]);
        assert_eq!(f.path.as_deref(), Some("/2019/roadmap/"));
        assert_eq!(f.taxonomies["categories"], ["News"]);
        let extra = f.extra.unwrap();
        assert_eq!(
            extra,
            json!({"authors": ["Ann"], "weight": 3, "images": ["a.png"], "keywords": ["x"], "summary": "Where we go", "categories": ["News"], "hero": true, "toc": true})
        );
    }

    #[test]
    fn zola_keys_have_their_meaning() {
        let f = map(json!({
            "title": "T", "date": "2024-01-01", "updated": "2024-02-01", "path": "blog/t", "authors": ["A", "B"],
            "taxonomies": {"tags": ["rust"], "categories": ["code"]}, "extra": {"mood": "good"}, "in_search_index": false,
            "template": "custom.html"
        }));
        assert_eq!(f.tags, ["rust"]);
        assert_eq!(f.taxonomies["categories"], ["code"]);
        assert_eq!(f.path.as_deref(), Some("blog/t"));
        assert_eq!(f.template, None, "their theme's templates are not ported");
        let extra = f.extra.unwrap();
        assert_eq!(extra["authors"], json!(["A", "B"]));
        assert_eq!(extra["mood"], "good");
        assert_eq!(extra["in_search_index"], false);
        assert_eq!(extra["template"], "custom.html");
    }

    #[test]
    fn a_value_of_the_wrong_shape_names_its_key() {
        let Value::Object(m) = json!({"title": "T", "draft": [1]}) else { unreachable!() };
        assert_eq!(map_front_matter(m).unwrap_err(), BadKey { key: "draft".into(), expected: "true or false" });
    }
}
