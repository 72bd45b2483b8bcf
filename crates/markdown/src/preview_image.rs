//! The picture a link preview shows for a page (`og:image`): the front matter's
//! `extra.image` (Zola themes' habit) or first `extra.images` entry (Hugo's `images`), else the
//! first `<img>` of the rendered body, whatever wrote it (markdown, raw HTML, a shortcode).

use crate::markdown::{Location, Resolved, Resolver};

/// The URL of the page's preview picture, if it has one; an error when the front matter
/// names a file that does not exist, unless `strict` is off (a site moved in from Zola or
/// Hugo, whose tools publish the name unchecked: it stays as written).
pub fn preview_image(
    extra: &serde_json::Value,
    at: Location<'_>,
    resolver: &dyn Resolver,
    content: &str,
    strict: bool,
) -> Result<Option<String>, String> {
    let named = extra.get("image").and_then(|v| v.as_str()).or_else(|| extra.get("images")?.as_array()?.first()?.as_str());
    match named.map(str::trim).filter(|s| !s.is_empty()) {
        Some(dest) => match resolver.resolve(at, dest, true) {
            Resolved::Url(url) | Resolved::Photo { src: url, .. } => Ok(Some(url)),
            Resolved::Unchanged => Ok(Some(dest.to_string())),
            Resolved::Missing | Resolved::Invalid { .. } if !strict => Ok(Some(dest.to_string())),
            Resolved::Missing => Err(format!("extra.image {dest:?} does not exist")),
            Resolved::Invalid { message, .. } => Err(format!("extra.image {dest:?}: {message}")),
        },
        None => Ok(first_img_src(content)),
    }
}

/// The `src` of the first `<img>` in `html`, unescaped (it is written into an attribute again).
fn first_img_src(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(i) = rest.find("<img") {
        if !rest[i + 4..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/') {
            rest = &rest[i + 4..];
            continue;
        }
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        if let Some(src) = attr(tag, "src").filter(|s| !s.is_empty() && !s.starts_with("data:")) {
            return Some(myblog_utils::unescape_html(src).into_owned());
        }
        rest = &rest[tag_end..];
    }
    None
}

/// The value of `name` in one tag's text, quoted either way.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        let before_ok = tag[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let after = tag[at + name.len()..].trim_start();
        if before_ok {
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    return value[1..].find(quote).map(|end| &value[1..1 + end]);
                }
                return Some(value.split(|c: char| c.is_ascii_whitespace() || c == '>').next().unwrap_or(""));
            }
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files;
    impl Resolver for Files {
        fn resolve(&self, _at: Location<'_>, dest: &str, _img: bool) -> Resolved {
            match dest {
                "card.png" => Resolved::Url("/card.0123456789.png".into()),
                "photo.jpg" => Resolved::Photo { src: "/photo.abc.jpg".into(), srcset: String::new(), width: 1, height: 1 },
                "gone.png" => Resolved::Missing,
                _ => Resolved::Unchanged,
            }
        }
    }
    const AT: Location<'static> = Location { dir: "posts", url_path: "/posts/x/" };

    #[test]
    fn the_front_matter_wins_then_the_first_picture_of_the_body() {
        let body = "<p>x</p><img alt=\"a\" src=\"/a.1.png?w=1&amp;h=2\"><img src=\"/b.png\">";
        let none = serde_json::json!({});
        assert_eq!(preview_image(&none, AT, &Files, body, true).unwrap().as_deref(), Some("/a.1.png?w=1&h=2"));
        let extra = serde_json::json!({"image": "card.png"});
        assert_eq!(preview_image(&extra, AT, &Files, body, true).unwrap().as_deref(), Some("/card.0123456789.png"));
        let hugo = serde_json::json!({"images": ["photo.jpg", "card.png"]});
        assert_eq!(preview_image(&hugo, AT, &Files, body, true).unwrap().as_deref(), Some("/photo.abc.jpg"));
        let far = serde_json::json!({"image": "https://cdn.example.org/c.png"});
        assert_eq!(preview_image(&far, AT, &Files, "", true).unwrap().as_deref(), Some("https://cdn.example.org/c.png"));
        let gone = serde_json::json!({"image": "gone.png"});
        assert!(preview_image(&gone, AT, &Files, body, true).unwrap_err().contains("gone.png"));
        assert_eq!(preview_image(&gone, AT, &Files, body, false).unwrap().as_deref(), Some("gone.png"));
        assert_eq!(preview_image(&none, AT, &Files, "<p>no picture</p><imgx src=\"/n.png\">", true).unwrap(), None);
        assert_eq!(first_img_src("<img data-src=\"/lazy.png\" src='/real.png'>").as_deref(), Some("/real.png"));
    }
}
