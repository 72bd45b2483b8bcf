//! Headings: ids from their text (unique in the page), their attributes, and an anchor link.

use super::escape::escape_attr;
use super::links::rewrite_link;
use super::pass::Pass;
use super::words::count_words;
use pulldown_cmark::{CowStr, Event, HeadingLevel, TagEnd};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::ops::Range;

impl<'a> Pass<'a, '_> {
    /// A heading, its inline events buffered: its id comes from its text.
    pub(super) fn heading(
        &mut self,
        level: HeadingLevel,
        id: Option<CowStr<'a>>,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
        iter: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
    ) {
        // Buffer the heading's inline self.events: its id comes from its text.
        let mut inner = Vec::new();
        let mut text = String::new();
        for (ev, r) in iter.by_ref() {
            if let Event::End(TagEnd::Heading(_)) = ev {
                break;
            }
            if let Event::Text(t) | Event::Code(t) = &ev {
                text.push_str(t);
                self.words += count_words(t);
            }
            let ev = rewrite_link(ev, r.start, self.dir, self.resolver, &mut self.errors);
            inner.push(ev);
        }
        let base = id.map(|i| i.to_string()).unwrap_or_else(|| {
            let s = myblog_utils::slugify(&text);
            if s.is_empty() {
                "section".into()
            } else {
                s
            }
        });
        let unique = unique_id(&base, &mut self.used_ids);
        let lvl = heading_number(level);
        self.headings.push((lvl, unique.clone(), text.trim().to_string()));
        let mut open = format!("<h{lvl} id=\"{}\"", escape_attr(&unique));
        if !classes.is_empty() {
            let _ = write!(open, " class=\"{}\"", escape_attr(&classes.join(" ")));
        }
        for (k, v) in &attrs {
            let _ = write!(open, " {}=\"{}\"", escape_attr(k), escape_attr(v.as_deref().unwrap_or("")));
        }
        open.push('>');
        self.in_summary.insert(self.events.len(), Some(format!("<h{lvl}>")));
        self.events.push(Event::Html(open.into()));
        self.events.extend(inner);
        self.in_summary.insert(self.events.len(), Some(format!("</h{lvl}>\n")));
        self.events.push(Event::Html(
            format!("<a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{lvl}>\n", escape_attr(&unique)).into(),
        ));
        if self.depth == 0 {
            self.block_ends.push((self.events.len(), false));
        }
    }
}

/// `base`, or `base-1`, `base-2`... whichever is still free (a heading `Setup 1` may already
/// have taken `setup-1`).
fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = base.to_string();
    let mut n = 0;
    while used.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.insert(candidate.clone());
    candidate
}

pub(super) fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
