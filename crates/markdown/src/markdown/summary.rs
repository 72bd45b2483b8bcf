//! Summaries: the page up to `<!-- more -->`, or its first paragraph, cut only between
//! top-level blocks and shown without footnote references and heading ids.

use super::pass::Pass;
use pulldown_cmark::Event;

/// `<!-- more -->` as Zola and Hugo also accept it: any spacing, any case (`<!--more-->`,
/// `<!-- MORE -->`).
pub(super) fn has_more_marker(html: &str) -> bool {
    let mut rest = html;
    while let Some(i) = rest.find("<!--") {
        rest = &rest[i + 4..];
        let inner = rest.trim_start();
        if inner.len() >= 4 && inner[..4].eq_ignore_ascii_case("more") && inner[4..].trim_start().starts_with("-->") {
            return true;
        }
    }
    false
}

/// Where a summary ends: after the top-level block holding `<!-- more -->`, or else after the
/// first top-level block that is not a heading (or rule or footnote); never inside a block.
pub(super) fn summary_end(more_at: Option<usize>, block_ends: &[(usize, bool)], total: usize) -> usize {
    match more_at {
        // The marker is inside the block ending at the first end past it (or is its own block).
        Some(i) => block_ends.iter().map(|(e, _)| *e).find(|e| *e > i).unwrap_or(total),
        None => block_ends.iter().find(|(_, content)| *content).map(|(e, _)| *e).unwrap_or(total),
    }
}

/// The summary's HTML, and whether the page has more than it.
pub(super) fn summary(pass: &Pass<'_, '_>) -> (String, bool) {
    let (events, in_summary) = (&pass.events, &pass.in_summary);
    let summary_end = summary_end(pass.more_at, &pass.block_ends, events.len());
    let has_more = events[summary_end..].iter().any(|e| !matches!(e, Event::SoftBreak | Event::HardBreak));
    let mut summary = String::new();
    pulldown_cmark::html::push_html(
        &mut summary,
        events[..summary_end].iter().enumerate().filter_map(|(i, e)| match in_summary.get(&i) {
            None => Some(e.clone()),
            Some(Some(alt)) => Some(Event::Html(alt.clone().into())),
            Some(None) => None,
        }),
    );
    crate::balance::close_open_elements(&mut summary);
    (summary, has_more)
}
