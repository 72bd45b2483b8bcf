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
            next_page: item.get("next_page").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0),
        })
    }
}
