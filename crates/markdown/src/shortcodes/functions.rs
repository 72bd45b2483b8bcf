//! What shortcode templates may call besides tera's built-ins: `image`, `page_url`, `asset`,
//! `urlencode`, `highlight`, `markdown`, `markdownify` and Hugo's Go functions.

use crate::markdown;
use crate::markdown::Location;
use crate::markdown::MarkdownOptions;
use crate::markdown::Resolved;
use crate::markdown::Resolver;
use myblog_content::Assets;
use myblog_content::LinkIndex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use tera::{Tera, Value};

thread_local! {
    /// The page being expanded on this thread (folder and URL path), for the template
    /// functions that resolve paths relative to it. Set around each template call.
    pub(super) static CURRENT: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// What the template functions need from the site.
pub struct Services {
    pub resolver: Arc<dyn Resolver + Send + Sync>,
    pub links: Arc<LinkIndex>,
    pub assets: Arc<Assets>,
    pub base_path: String,
    /// Scheme and host of `base_url` (`https://example.org`).
    pub origin: String,
    pub markdown: MarkdownOptions,
    /// The theme's and the site's strings in the page's language (`trans(key=…)`, which
    /// Hugo's `i18n "key"` becomes); None when no shortcode asks for one.
    pub translate: Option<Translate>,
}

/// The text of a string key, in the page's language or in `lang`.
pub type Translate = Arc<dyn Fn(&str, Option<&str>) -> Result<String, String> + Send + Sync>;

/// What the shortcode templates may call besides tera's built-ins.
pub(super) fn register(tera: &mut Tera, services: Arc<Services>) {
    if let Some(translate) = services.translate.clone() {
        tera.register_function("trans", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let key = args.get("key").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("trans() needs key=\"...\""))?;
            translate(key, args.get("lang").and_then(Value::as_str)).map(Value::String).map_err(tera::Error::msg)
        });
    }
    let s = services.clone();
    // `image(path=...)`: a picture next to the page or under content/, through the asset
    // pipeline: hashed URL, and `srcset`, `width`, `height` for photos (as markdown images).
    tera.register_function("image", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("image() needs path=\"...\""))?;
        CURRENT.with(|c| {
            let c = c.borrow();
            let at = Location { dir: &c.0, url_path: &c.1 };
            let mut out = serde_json::Map::new();
            match s.resolver.resolve(at, path, true) {
                Resolved::Photo { src, srcset, width, height } => {
                    out.insert("src".into(), src.into());
                    out.insert("srcset".into(), srcset.into());
                    out.insert("width".into(), width.into());
                    out.insert("height".into(), height.into());
                }
                Resolved::Url(src) => {
                    out.insert("src".into(), src.into());
                }
                Resolved::Unchanged => {
                    out.insert("src".into(), path.into());
                }
                Resolved::Missing => {
                    return Err(tera::Error::msg(format!("image {path:?} does not exist (put it next to the post, or under content/)")))
                }
                Resolved::Invalid { message, .. } => return Err(tera::Error::msg(message)),
            }
            Ok(Value::Object(out))
        })
    });
    let s = services.clone();
    // `page_url(path=..., absolute=false)`: the URL of another content file (Hugo's
    // ref/relref forms, or Zola's `@/path`).
    tera.register_function("page_url", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("page_url() needs path=\"...\""))?;
        let absolute = args.get("absolute").and_then(Value::as_bool).unwrap_or(false);
        CURRENT.with(|c| {
            let c = c.borrow();
            let found = if path.starts_with("@/") { s.links.zola(path) } else { s.links.hugo(&c.0, &c.1, path) };
            let t = found.map_err(|e| tera::Error::msg(format!("{} ({})", e.message, e.hint)))?;
            let url = format!("{}{}{}", s.base_path, t.url_path, t.anchor);
            Ok(Value::String(if absolute { format!("{}{url}", s.origin) } else { url }))
        })
    });
    let s = services.clone();
    tera.register_function("asset", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("asset() needs path=\"...\""))?;
        let a = s
            .assets
            .get(path)
            .ok_or_else(|| tera::Error::msg(format!("asset(path={path:?}): no such file in the theme's static/ folder or in content/")))?;
        Ok(Value::String(format!("{}/{}", s.base_path, myblog_utils::url_path(&a.output))))
    });
    // Tera's own is behind a feature this build leaves out.
    tera.register_filter("urlencode", |value: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
        Ok(Value::String(percent_encoding::utf8_percent_encode(&text, SET).to_string()))
    });
    let s = services.clone();
    // `code | highlight(lang="rust")`: the same highlighter and markup as fenced code.
    tera.register_filter("highlight", move |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let code = value.as_str().ok_or_else(|| tera::Error::msg("highlight: expected text"))?;
        let lang = args.get("lang").and_then(Value::as_str).unwrap_or("");
        let code = format!("{}\n", code.trim_matches(['\n', '\r']));
        Ok(Value::String(markdown::highlight_block(&code, lang, s.markdown.highlight)))
    });
    let s = services.clone();
    // `text | markdown` (and `inline=true` without the paragraph), as Zola's filter.
    tera.register_filter("markdown", move |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = value.as_str().ok_or_else(|| tera::Error::msg("markdown: expected text"))?;
        let html = markdown_here(&s, text)?;
        let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
        let html = if inline {
            html.trim_end().strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")).map(str::to_string).unwrap_or(html)
        } else {
            html
        };
        Ok(Value::String(html))
    });
    let s = services.clone();
    // `text | markdownify`, Hugo's: a single paragraph loses its `<p>`, more stay as they are.
    tera.register_filter("markdownify", move |value: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = match value {
            Value::String(t) => t.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        Ok(Value::String(trim_short_html(&markdown_here(&s, &text)?)))
    });
    crate::gofuncs::register(tera, &services.base_path, &services.origin);
}

/// `text` rendered as markdown of the page being expanded (its links resolve from there).
pub(super) fn markdown_here(s: &Services, text: &str) -> tera::Result<String> {
    let html = CURRENT.with(|c| {
        let c = c.borrow();
        let at = Location { dir: &c.0, url_path: &c.1 };
        markdown::render(text, s.markdown, at, s.resolver.as_ref()).map(|r| r.content)
    });
    html.map_err(|e| tera::Error::msg(e.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")))
}

/// Hugo's `TrimShortHTML`: HTML with exactly one `<p>` that wraps it all loses the wrapper.
pub(super) fn trim_short_html(html: &str) -> String {
    if html.matches("<p>").count() == 1 {
        let t = html.trim();
        if let Some(inner) = t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
            return inner.trim().to_string();
        }
    }
    html.to_string()
}
