//! Footnotes: their own id namespace (`fn-x`), numbered in the order they are first used.

use super::pass::Pass;
use pulldown_cmark::{CowStr, Event};

impl<'a> Pass<'a, '_> {
    /// The start of a footnote's definition.
    pub(super) fn footnote_definition_start(&mut self, name: CowStr<'a>) {
        self.depth += 1;
        let next = self.footnotes.len() + 1;
        let n = *self.footnotes.entry(name.to_string()).or_insert(next);
        let id = footnote_id(&name);
        self.events.push(Event::Html(
            format!("<div class=\"footnote-definition\" id=\"fn-{id}\"><sup class=\"footnote-definition-label\"><a href=\"#fnref-{id}\">{n}</a></sup>\n").into(),
        ));
    }

    /// The end of a footnote's definition.
    pub(super) fn footnote_definition_end(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.events.push(Event::Html("</div>\n".into()));
        if self.depth == 0 {
            self.block_ends.push((self.events.len(), false));
        }
    }

    /// A reference to a footnote: the first one is the target of the note's back link.
    pub(super) fn footnote_reference(&mut self, name: CowStr<'a>) {
        let next = self.footnotes.len() + 1;
        let first = !self.footnotes.contains_key(name.as_ref());
        let n = *self.footnotes.entry(name.to_string()).or_insert(next);
        let id = footnote_id(&name);
        let back = if first { format!(" id=\"fnref-{id}\"") } else { String::new() };
        self.in_summary.insert(self.events.len(), None);
        self.events.push(Event::InlineHtml(format!("<sup class=\"footnote-reference\"><a href=\"#fn-{id}\"{back}>{n}</a></sup>").into()));
    }
}

fn footnote_id(name: &str) -> String {
    let s = myblog_utils::slugify(name);
    if s.is_empty() {
        "note".into()
    } else {
        s
    }
}
