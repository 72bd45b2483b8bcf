//! After the commit point: one conditional write per new post into the announcements table.
//!
//! `attribute_not_exists(post)` makes "announced once" DynamoDB's guarantee: a rerun, an
//! interrupted deploy finished by the next one, or a deleted and re-added post writes nothing
//! new. The list to write is stored in the committed remote manifest (`pending.announce`)
//! before the first write and cleared after the last, so a deploy cut between the commit and
//! these writes is finished by the next run. Deploy never sends email: subscribe-fn does, from
//! the table's stream.

use crate::announcements::Announcement;
use aws_sdk_dynamodb::error::ProvideErrorMetadata as _;
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
    #[error("announcing {post} in DynamoDB table {table} failed: {detail}. The site is deployed; run `myblog deploy` again to announce it (it is announced once, whatever happens), or `myblog deploy --no-announce` to give the announcement up")]
    Write { post: String, table: String, detail: String },
}

/// What became of each announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Written {
    /// Newly announced: subscribers get an email.
    pub announced: Vec<String>,
    /// Already announced by an earlier deploy: nothing happens.
    pub already: Vec<String>,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

/// Writes the announcement items; each one only if its post was never announced.
pub async fn write(dynamo: &aws_sdk_dynamodb::Client, table: &str, list: &[Announcement], deploy: u64) -> Result<Written, AnnounceError> {
    let mut written = Written::default();
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    for a in list {
        let mut req = dynamo
            .put_item()
            .table_name(table)
            .item("post", s(&a.path))
            .item("title", s(&a.title))
            .item("url", s(&a.url))
            // DynamoDB items stop at 400 KB: a summary is a paragraph or two, never that.
            .item("summary_html", s(truncate(&a.summary_html, 100_000)))
            .item("summary_text", s(truncate(&a.summary_text, 50_000)))
            .item("announced_at", s(&now))
            .item("deploy", AttributeValue::N(deploy.to_string()))
            .condition_expression("attribute_not_exists(post)");
        if let Some(d) = &a.date {
            req = req.item("date", s(d));
        }
        // subscribe-fn's fan-out reads it to email only that language's subscribers.
        if let Some(l) = &a.lang {
            req = req.item("lang", s(l));
        }
        match req.send().await {
            Ok(_) => written.announced.push(a.path.clone()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => written.already.push(a.path.clone()),
            Err(e) => {
                return Err(AnnounceError::Write {
                    post: a.path.clone(),
                    table: table.to_string(),
                    detail: e.message().map(str::to_string).unwrap_or_else(|| crate::deploy::error_chain(&e)),
                })
            }
        }
    }
    Ok(written)
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
