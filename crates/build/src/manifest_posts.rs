//! The posts a build lists in the manifest for `deploy` to announce.

use myblog_config::SiteConfig;
use myblog_site::Site;
use myblog_utils::manifest::PostEntry;
use time::OffsetDateTime;

const DAY: i64 = 24 * 3600;

/// The posts of a build for the manifest, newest first. Summaries are kept only where a
/// deploy could still announce the post (dated within the announcement window, a day of slack
/// for time zones): the manifest of a big blog does not carry every summary.
pub fn manifest_posts(site: &Site, config: &SiteConfig, now: OffsetDateTime) -> Vec<PostEntry> {
    let window = i64::from(config.subscribe.announce_within_days) * DAY + DAY;
    site.posts
        .iter()
        .map(|p| {
            let recent = p.date.is_some_and(|d| (now - d).whole_seconds() <= window);
            PostEntry {
                path: p.summary.path.clone(),
                url: p.summary.permalink.clone(),
                title: p.summary.title.clone(),
                date: p.date.and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok()),
                skip_announce: p.source.front.skip_announce,
                summary_html: recent.then(|| myblog_site::absolutize(&p.summary.summary, config, &p.summary.permalink)),
                source: Some(p.source.rel.clone()),
                // Set by the multilingual build for the languages other than the default.
                lang: None,
            }
        })
        .collect()
}
