//! Links: destinations in markdown links and in raw HTML rewritten to the files' published
//! names (or checked against the site's pages).

use super::escape::escape_attr;
use super::{Location, MarkdownError, Resolved, Resolver};
use pulldown_cmark::{CowStr, Event, Tag};
use std::sync::OnceLock;

/// Rewrites local references in raw HTML (`<img src>`, `<a href>`, `<video poster>`,
/// `<source srcset>`...) to the files' published names, as markdown links and images are.
pub(super) fn rewrite_raw_html<'a>(
    html: CowStr<'a>,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> CowStr<'a> {
    static ATTR: OnceLock<regex::Regex> = OnceLock::new();
    let re = ATTR.get_or_init(|| {
        regex::Regex::new(r#"(?i)(?:^|[\s"'])(src|href|poster|srcset|data)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
    });
    if !re.is_match(&html) {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 32);
    let mut last = 0;
    for c in re.captures_iter(&html) {
        let name = c[1].to_ascii_lowercase();
        let Some(value) = c.get(2).or_else(|| c.get(3)) else { continue };
        let decoded = myblog_utils::unescape_html(value.as_str());
        // A file the page shows must exist; a link may point at a page.
        let must_exist = name != "href";
        let resolve_one = |dest: &str, errors: &mut Vec<MarkdownError>| -> Option<String> {
            match resolver.resolve(dir, dest, must_exist) {
                Resolved::Url(url) | Resolved::Photo { src: url, .. } => Some(url),
                Resolved::Unchanged => None,
                Resolved::Missing => {
                    errors.push(MarkdownError {
                        offset,
                        message: format!("{name}=\"{dest}\" in HTML points at a file that does not exist"),
                        hint: "check the file name and that the file is in content/ or the theme's static/".into(),
                    });
                    None
                }
                Resolved::Invalid { message, hint } => {
                    errors.push(MarkdownError { offset, message, hint });
                    None
                }
            }
        };
        let new = if name == "srcset" {
            let mut changed = false;
            let parts: Vec<String> = decoded
                .split(',')
                .map(|cand| {
                    let cand = cand.trim();
                    let (url, descriptor) = cand.split_once(char::is_whitespace).unwrap_or((cand, ""));
                    match resolve_one(url, errors) {
                        Some(u) => {
                            changed = true;
                            if descriptor.is_empty() {
                                u
                            } else {
                                format!("{u} {}", descriptor.trim())
                            }
                        }
                        None => cand.to_string(),
                    }
                })
                .collect();
            changed.then(|| parts.join(", "))
        } else {
            resolve_one(&decoded, errors)
        };
        if let Some(new) = new {
            out.push_str(&html[last..value.start()]);
            out.push_str(&escape_attr(&new));
            last = value.end();
        }
    }
    if last == 0 {
        return html;
    }
    out.push_str(&html[last..]);
    out.into()
}

pub(super) fn rewrite_link<'a>(
    ev: Event<'a>,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> Event<'a> {
    match ev {
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = match resolver.resolve(dir, &dest_url, false) {
                Resolved::Url(url) | Resolved::Photo { src: url, .. } => CowStr::from(url),
                Resolved::Missing => {
                    errors.push(MarkdownError {
                        offset,
                        message: format!("link to missing file {dest_url:?}"),
                        hint: "check the file name and that the file is in content/ or the theme's static/".into(),
                    });
                    dest_url
                }
                Resolved::Invalid { message, hint } => {
                    errors.push(MarkdownError { offset, message, hint });
                    dest_url
                }
                Resolved::Unchanged => dest_url,
            };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        other => other,
    }
}
