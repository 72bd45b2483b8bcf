//! What a subscriber's email shows of a post, as the announcements table holds it (written by
//! `myblog deploy`, read by the sender and the email templates).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// What a subscriber's email shows of a post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Announcement {
    pub post: String,
    pub title: String,
    pub url: String,
    pub date: Option<String>,
    pub summary_html: String,
    pub summary_text: String,
    /// The post's language on a multilingual site (`myblog deploy` writes it for posts not in
    /// the default language; absent: the default language).
    pub lang: Option<String>,
    /// The next page of subscribers the fan-out has to queue (0 when it has not started).
    #[serde(skip)]
    pub next_page: u64,
}

impl Announcement {
    pub fn from_item(item: &HashMap<String, AttributeValue>) -> Option<Announcement> {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        Some(Announcement {
            post: s("post")?,
            title: s("title")?,
            url: s("url")?,
            date: s("date"),
            summary_html: s("summary_html").unwrap_or_default(),
            summary_text: s("summary_text").unwrap_or_default(),
            lang: s("lang"),
            next_page: item.get("next_page").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0),
        })
    }
}

/// Log marker of an announcement refused for pointing off the site (an alarm counts it).
pub const OFF_SITE: &str = "EMAIL_ANNOUNCEMENT_OFF_SITE";

impl Announcement {
    /// Whether the email's link is the post's own page on this site: the site's scheme, host
    /// and port, its base path followed by the post path, nothing else (no credentials, query
    /// or fragment). Anyone holding the deploy role can write announcement items; this keeps
    /// them from mailing every subscriber a link elsewhere.
    pub fn on_site(&self, site_url: &str) -> bool {
        let (Ok(link), Ok(site)) = (url::Url::parse(&self.url), url::Url::parse(site_url)) else { return false };
        let base = site.path().trim_end_matches('/');
        link.scheme() == site.scheme()
            && link.host_str() == site.host_str()
            && link.port_or_known_default() == site.port_or_known_default()
            && link.username().is_empty()
            && link.password().is_none()
            && link.query().is_none()
            && link.fragment().is_none()
            && self.post.starts_with('/')
            && link.path() == format!("{base}{}", percent_path(&self.post))
    }
}

/// The post path as `url` writes it in a parsed URL's path (non-ASCII percent-encoded).
fn percent_path(post: &str) -> String {
    url::Url::parse("https://x.invalid").and_then(|u| u.join(post)).map(|u| u.path().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(post: &str, url: &str) -> Announcement {
        Announcement {
            post: post.into(),
            title: "t".into(),
            url: url.into(),
            date: None,
            summary_html: String::new(),
            summary_text: String::new(),
            lang: None,
            next_page: 0,
        }
    }

    #[test]
    fn only_the_posts_own_page_on_this_site_is_accepted() {
        let site = "https://blog.example.com";
        assert!(at("/posts/a/", "https://blog.example.com/posts/a/").on_site(site));
        assert!(at("/posts/café/", "https://blog.example.com/posts/caf%C3%A9/").on_site(site));
        assert!(at("/posts/a/", "https://x.org/blog/posts/a/").on_site("https://x.org/blog"));
        for off in [
            "https://evil.example/posts/a/",
            "https://blog.example.com.evil.example/posts/a/",
            "https://user@blog.example.com/posts/a/",
            "http://blog.example.com/posts/a/",
            "https://blog.example.com:8443/posts/a/",
            "https://blog.example.com/posts/b/",
            "https://blog.example.com/posts/a/?next=https://evil.example",
            "https://blog.example.com/posts/a/../../x",
            "javascript:alert(1)",
        ] {
            assert!(!at("/posts/a/", off).on_site(site), "{off}");
        }
        assert!(!at("/posts/a/", "https://x.org/posts/a/").on_site("https://x.org/blog"), "outside the base path");
    }
}
