//! New-post announcements, the pure part: which of the posts a build lists in the manifest
//! (`myblog-build`) a deploy announces, and the plain-text form of a summary for the email's text part.
//! The DynamoDB write lives in `deploy::announce`; the sending in subscribe-fn.

use myblog_utils::manifest::PostEntry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

const DAY: i64 = 24 * 3600;

/// A post a deploy announces (or, in `--dry-run`, would).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub path: String,
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default)]
    pub summary_html: String,
    #[serde(default)]
    pub summary_text: String,
    /// The post's language when not the site's default (from the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// Why a newly published post is not announced (reported by deploy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: &'static str,
}

/// What the bucket published before: the posts' site paths, and their identity keys
/// ([`PostEntry::identity_keys`]; empty when an older myblog deployed it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub paths: BTreeSet<String>,
    pub keys: BTreeSet<String>,
}

/// Decides what this deploy announces. `published` is what the bucket published before
/// (`None`: nothing is known, the first deploy of the site or a bucket deployed by a myblog
/// without announcements: the whole backlog counts as published, nothing is announced).
/// `hold`: why nothing may be announced by this deploy (`--no-announce`, no announcements
/// table); the new posts still count as published.
pub fn select(
    posts: &[PostEntry],
    published: Option<&Published>,
    within_days: u32,
    now: OffsetDateTime,
    hold: Option<&'static str>,
) -> (Vec<Announcement>, Vec<Skipped>) {
    let Some(published) = published else { return (Vec::new(), Vec::new()) };
    let mut announce = Vec::new();
    let mut skipped = Vec::new();
    for p in posts.iter().filter(|p| !published.paths.contains(&p.path)) {
        let date = p.date.as_deref().and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok());
        let reason = if hold.is_some() {
            hold
        } else if p.identity_keys().iter().any(|k| published.keys.contains(k)) {
            Some("published before under another URL (same file, or same title and date)")
        } else if p.skip_announce {
            Some("announce = false")
        } else if date.is_none_or(|d| (now - d).whole_seconds() > i64::from(within_days) * DAY) {
            Some("dated more than announce_within_days ago")
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(Skipped { path: p.path.clone(), reason }),
            None => {
                let html = p.summary_html.clone().unwrap_or_default();
                announce.push(Announcement {
                    path: p.path.clone(),
                    url: p.url.clone(),
                    title: p.title.clone(),
                    date: p.date.clone(),
                    summary_text: html_to_text(&html),
                    summary_html: html,
                    lang: p.lang.clone(),
                });
            }
        }
    }
    (announce, skipped)
}

/// Plain text of a summary for the email's text part: block ends become blank lines, `<br>`
/// a line break, tags go, the few entities markdown output uses are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = &rest[lt..];
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim_start_matches('/').split([' ', '\n', '\t', '/']).next().unwrap_or("").to_ascii_lowercase();
        let closing = rest[lt + 1..].starts_with('/');
        match tag.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "blockquote" | "ul" | "ol" | "pre" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if closing => {
                out.push_str("\n\n")
            }
            "li" if !closing => out.push_str("- "),
            "li" | "tr" if closing => out.push('\n'),
            _ => {}
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    // Collapse runs of blank lines left by nested blocks.
    let mut text = String::new();
    let mut blank = 0;
    for line in decoded.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        text.push_str(line);
        text.push('\n');
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, date: &str) -> PostEntry {
        PostEntry {
            path: path.into(),
            url: format!("https://x.org{path}"),
            title: path.into(),
            date: Some(date.into()),
            skip_announce: false,
            summary_html: Some("<p>Hi <a href=\"https://x.org/a/\">there</a> &amp; you</p>".into()),
            source: Some(format!("{}.md", path.trim_matches('/'))),
            lang: None,
        }
    }

    #[test]
    fn announces_new_recent_posts_only() {
        let now = OffsetDateTime::parse("2026-12-01T12:00:00Z", &time::format_description::well_known::Rfc3339).unwrap();
        let mut off = post("/posts/off/", "2026-12-01T00:00:00Z");
        off.skip_announce = true;
        let posts = vec![
            post("/posts/new/", "2026-11-30T00:00:00Z"),
            post("/posts/old-draft/", "2026-10-01T00:00:00Z"),
            post("/posts/seen/", "2026-12-01T00:00:00Z"),
            off,
        ];
        let published = Published { paths: ["/posts/seen/".to_string()].into(), keys: BTreeSet::new() };
        let (a, s) = select(&posts, Some(&published), 7, now, None);
        assert_eq!(a.iter().map(|a| a.path.as_str()).collect::<Vec<_>>(), ["/posts/new/"]);
        assert_eq!(a[0].summary_text, "Hi there & you");
        assert_eq!(
            s.iter().map(|s| (s.path.as_str(), s.reason)).collect::<Vec<_>>(),
            [("/posts/old-draft/", "dated more than announce_within_days ago"), ("/posts/off/", "announce = false")]
        );
        // The first deploy (nothing known published): the backlog, never announced.
        assert_eq!(select(&posts, None, 7, now, None), (Vec::new(), Vec::new()));
        // --no-announce: nothing, each said why.
        let (a, s) = select(&posts, Some(&published), 7, now, Some("--no-announce"));
        assert!(a.is_empty() && s.iter().all(|s| s.reason == "--no-announce") && s.len() == 3);
    }

    #[test]
    fn a_post_whose_url_changed_is_not_announced_again() {
        let now = OffsetDateTime::parse("2026-12-01T12:00:00Z", &time::format_description::well_known::Rfc3339).unwrap();
        let before = post("/posts/first-name/", "2026-11-30T00:00:00Z");
        let published = Published { paths: [before.path.clone()].into(), keys: before.identity_keys().into_iter().collect() };
        // A new slug in front matter: same file, same title and date.
        let mut renamed = before.clone();
        renamed.path = "/posts/better-name/".into();
        // The file renamed too (the slug comes from it): same title and date.
        let mut moved = renamed.clone();
        moved.source = Some("posts/better-name.md".into());
        for p in [renamed, moved] {
            let (a, s) = select(std::slice::from_ref(&p), Some(&published), 7, now, None);
            assert!(a.is_empty(), "{a:?}");
            assert!(s[0].reason.starts_with("published before under another URL"), "{s:?}");
        }
        // A really new post of the same day is announced.
        let (a, _) = select(&[post("/posts/other/", "2026-11-30T00:00:00Z")], Some(&published), 7, now, None);
        assert_eq!(a.len(), 1);
    }

    #[test]
    fn text_of_a_summary() {
        assert_eq!(
            html_to_text("<blockquote><p>Quoted</p></blockquote><ul><li>one</li><li>two</li></ul><p>a<br>b &lt;c&gt;</p>"),
            "Quoted\n\n- one\n- two\n\na\nb <c>"
        );
    }
}
