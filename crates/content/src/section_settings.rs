//! A section's own settings, from the Zola keys of its `_index.md` (read the same in every
//! dialect): how it orders, paginates and templates the pages it lists.

use serde_json::{Map, Value};

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Newest first; undated pages last.
    Date,
    /// Last updated (else date) first.
    UpdateDate,
    /// By title, ignoring case.
    Title,
    /// By title, byte for byte.
    TitleBytes,
    /// Lightest first, then newest (Hugo's default order: weight, date, title); unweighted last.
    Weight,
    Slug,
    /// By URL path (Zola 0.22's `permalink`).
    Permalink,
    /// By URL path.
    None,
}

impl SortBy {
    fn parse(s: &str) -> Option<SortBy> {
        Some(match s {
            "date" => SortBy::Date,
            "update_date" => SortBy::UpdateDate,
            "title" => SortBy::Title,
            "title_bytes" => SortBy::TitleBytes,
            "weight" => SortBy::Weight,
            "slug" => SortBy::Slug,
            "permalink" => SortBy::Permalink,
            "none" => SortBy::None,
            _ => return Option::None,
        })
    }
}

/// A section's own settings, from its `_index.md`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionSettings {
    pub sort_by: Option<SortBy>,
    pub paginate_by: Option<usize>,
    pub paginate_path: Option<String>,
    /// Its pages are listed by the parent section too (Zola).
    pub transparent: bool,
    /// The template of the pages it lists (unless a page names its own).
    pub page_template: Option<String>,
    /// The section has a feed of its newest posts.
    pub feed: bool,
}

pub const KEYS: &[&str] =
    &["sort_by", "paginate_by", "paginate_path", "transparent", "page_template", "feed", "generate_feeds", "generate_feed"];

/// Reads the section keys of a front-matter table (Zola's names; `generate_feeds` is `feed`).
/// On a bad value: the key and what it must be.
pub fn settings(map: &Map<String, Value>) -> Result<SectionSettings, (String, &'static str)> {
    let mut s = SectionSettings::default();
    for (key, v) in map {
        let bad = |what| (key.clone(), what);
        match key.as_str() {
            "sort_by" => {
                s.sort_by = Some(v.as_str().and_then(SortBy::parse).ok_or_else(|| {
                    bad("one of \"date\", \"update_date\", \"title\", \"title_bytes\", \"weight\", \"slug\", \"permalink\", \"none\"")
                })?)
            }
            "paginate_by" => {
                let n = v.as_u64().ok_or_else(|| bad("a whole number"))?;
                // Zola: 0 means not paginated.
                s.paginate_by = (n > 0).then_some(n as usize);
            }
            "paginate_path" => {
                let p = v.as_str().filter(|p| myblog_utils::is_plain_segment(p)).ok_or_else(|| bad("one folder name, e.g. \"page\""))?;
                s.paginate_path = Some(p.to_string());
            }
            "transparent" => s.transparent = v.as_bool().ok_or_else(|| bad("true or false"))?,
            "page_template" => s.page_template = Some(v.as_str().ok_or_else(|| bad("a template file name"))?.to_string()),
            "feed" | "generate_feeds" | "generate_feed" => s.feed = v.as_bool().ok_or_else(|| bad("true or false"))?,
            _ => {}
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        let Value::Object(m) = v else { unreachable!() };
        m
    }

    #[test]
    fn section_keys() {
        let s = settings(&map(json!({"sort_by": "weight", "paginate_by": 5, "transparent": true, "page_template": "p.html", "generate_feeds": true, "title": "x"}))).unwrap();
        assert_eq!(
            s,
            SectionSettings {
                sort_by: Some(SortBy::Weight),
                paginate_by: Some(5),
                paginate_path: None,
                transparent: true,
                page_template: Some("p.html".into()),
                feed: true
            }
        );
        assert_eq!(settings(&map(json!({"paginate_by": 0}))).unwrap().paginate_by, None);
        assert_eq!(settings(&map(json!({"sort_by": "colour"}))).unwrap_err().0, "sort_by");
        assert_eq!(settings(&map(json!({"paginate_path": "a/b"}))).unwrap_err().0, "paginate_path");
    }
}
