//! What a link preview and a search engine read off a page: the `plain_text` filter (a
//! summary as a meta description) and the `json_ld(page=page)` function (schema.org's
//! `BlogPosting`, for the theme to put in a `<script type="application/ld+json">` data
//! block, which the Content Security Policy does not govern: it is never run).

use myblog_config::SiteConfig;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tera::Tera;

/// How long a description made from a summary may be (search engines cut near 160).
pub const DESCRIPTION_CHARS: usize = 200;

pub(crate) fn register(tera: &mut Tera, config: &SiteConfig) {
    tera.register_filter("plain_text", |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let html = value.as_str().ok_or_else(|| tera::Error::msg(format!("plain_text filter: expected HTML text, got {value}")))?;
        let max = args.get("length").and_then(Value::as_u64).map_or(DESCRIPTION_CHARS, |n| n as usize);
        Ok(Value::String(myblog_utils::html_to_text(html, max)))
    });
    let site = SiteFacts { author: config.author.name.clone(), base_url: config.base_url.clone(), title: config.title.clone() };
    tera.register_function("json_ld", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let page = args.get("page").ok_or_else(|| tera::Error::msg("json_ld() needs page=page"))?;
        Ok(Value::String(script_safe(&blog_posting(page, &site))))
    });
}

struct SiteFacts {
    author: String,
    base_url: String,
    title: String,
}

/// The `BlogPosting` of a page (as templates see it).
fn blog_posting(page: &Value, site: &SiteFacts) -> Value {
    let text = |k: &str| page.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut ld = Map::new();
    ld.insert("@context".into(), json!("https://schema.org"));
    ld.insert("@type".into(), json!("BlogPosting"));
    ld.insert("headline".into(), json!(text("title").unwrap_or_default()));
    let description = text("description")
        .map(str::to_string)
        .or_else(|| text("summary").map(|s| myblog_utils::html_to_text(s, DESCRIPTION_CHARS)))
        .filter(|d| !d.is_empty());
    if let Some(d) = description {
        ld.insert("description".into(), json!(d));
    }
    if let Some(url) = text("permalink") {
        ld.insert("url".into(), json!(url));
        ld.insert("mainEntityOfPage".into(), json!({"@type": "WebPage", "@id": url}));
    }
    if let Some(d) = text("date_rfc3339") {
        ld.insert("datePublished".into(), json!(d));
        ld.insert("dateModified".into(), json!(text("updated").unwrap_or(d)));
    }
    if let Some(img) = text("image") {
        ld.insert("image".into(), json!([img]));
    }
    let author = if site.author.is_empty() { &site.title } else { &site.author };
    ld.insert("author".into(), json!({"@type": "Person", "name": author, "url": site.base_url}));
    let tags: Vec<&str> =
        page.get("tags").and_then(Value::as_array).into_iter().flatten().filter_map(|t| t.get("name")?.as_str()).collect();
    if !tags.is_empty() {
        ld.insert("keywords".into(), json!(tags));
    }
    if let Some(lang) = text("lang") {
        ld.insert("inLanguage".into(), json!(lang));
    }
    Value::Object(ld)
}

/// JSON that cannot end the `<script>` element it sits in (`</script>`, `<!--`): every `<`,
/// `>` and `&` as a `\u` escape, which JSON readers decode as the same text.
fn script_safe(v: &Value) -> String {
    let text = v.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_a_blog_posting_that_cannot_break_out_of_its_script() {
        let site = SiteFacts { author: "Ada".into(), base_url: "https://blog.example".into(), title: "Blog".into() };
        let page = json!({
            "title": "Why </script><script>alert(1)</script> & co",
            "permalink": "https://blog.example/posts/x/",
            "date_rfc3339": "2024-03-01T00:00:00Z",
            "updated": null,
            "description": "",
            "summary": "<p>First <em>para</em> &amp; more.</p>",
            "image": "https://blog.example/p.1.jpg",
            "tags": [{"name": "rust"}, {"name": "web"}],
            "lang": "en"
        });
        let out = script_safe(&blog_posting(&page, &site));
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["@type"], "BlogPosting");
        assert_eq!(back["headline"], "Why </script><script>alert(1)</script> & co");
        assert_eq!(back["description"], "First para & more.");
        assert_eq!(back["datePublished"], "2024-03-01T00:00:00Z");
        assert_eq!(back["dateModified"], "2024-03-01T00:00:00Z");
        assert_eq!(back["author"]["name"], "Ada");
        assert_eq!(back["image"][0], "https://blog.example/p.1.jpg");
        assert_eq!(back["keywords"], json!(["rust", "web"]));
        assert_eq!(back["mainEntityOfPage"]["@id"], "https://blog.example/posts/x/");
    }
}
