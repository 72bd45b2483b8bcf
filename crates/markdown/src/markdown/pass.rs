//! One pass over the parser's events, each rewritten into the page's (heading ids, highlighted
//! code, images, links, footnotes, table cells), with what the summary, the table of contents
//! and the reading time need gathered on the way.

use super::links::{rewrite_link, rewrite_raw_html};
use super::summary::has_more_marker;
use super::tables::TableState;
use super::words::count_words;
use super::{Location, MarkdownError, MarkdownOptions, Resolver};
use pulldown_cmark::{Event, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

pub(super) struct Pass<'a, 'r> {
    pub(super) opts: MarkdownOptions,
    pub(super) dir: Location<'r>,
    pub(super) resolver: &'r dyn Resolver,
    pub(super) events: Vec<Event<'a>>,
    pub(super) errors: Vec<MarkdownError>,
    pub(super) headings: Vec<(u8, String, String)>,
    pub(super) used_ids: HashSet<String>,
    pub(super) words: usize,
    /// Index into `events` of the `<!-- more -->` marker, if any.
    pub(super) more_at: Option<usize>,
    /// Ends (indexes into `events`) of top-level blocks, and whether each is one a summary may
    /// stop after (a heading alone is no summary): summaries are cut only there, so they never
    /// leave an element open.
    pub(super) block_ends: Vec<(usize, bool)>,
    /// Nesting of Start/End events; 0 between top-level blocks.
    pub(super) depth: usize,
    /// What summaries show instead of an event (None: nothing): footnote references point at
    /// notes a list page does not have, and heading ids would repeat across posts.
    pub(super) in_summary: HashMap<usize, Option<String>>,
    /// Footnotes get their own id namespace (`fn-x`), so `[^setup]` cannot collide with a
    /// heading `## Setup`.
    pub(super) footnotes: HashMap<String, usize>,
    pub(super) table: TableState,
}

impl<'a, 'r> Pass<'a, 'r> {
    pub(super) fn new(opts: MarkdownOptions, dir: Location<'r>, resolver: &'r dyn Resolver) -> Pass<'a, 'r> {
        Pass {
            opts,
            dir,
            resolver,
            events: Vec::new(),
            errors: Vec::new(),
            headings: Vec::new(),
            used_ids: HashSet::new(),
            words: 0,
            more_at: None,
            block_ends: Vec::new(),
            depth: 0,
            in_summary: HashMap::new(),
            footnotes: HashMap::new(),
            table: TableState::default(),
        }
    }

    /// Every event of the parser, rewritten into `events`.
    pub(super) fn read(&mut self, parser: impl Iterator<Item = (Event<'a>, Range<usize>)>) {
        let mut iter = parser.peekable();
        while let Some((event, range)) = iter.next() {
            self.event(event, range, &mut iter);
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>, iter: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>) {
        match event {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => self.heading(level, id, classes, attrs, iter),
            Event::Start(Tag::CodeBlock(kind)) => self.code_block(kind, iter),
            Event::Start(Tag::Image { link_type: _, dest_url, title, id: _ }) => self.image(dest_url, title, range, iter),
            Event::Html(h) | Event::InlineHtml(h) if self.more_at.is_none() && has_more_marker(&h) => {
                self.more_at = Some(self.events.len());
                self.events.push(Event::Html(h));
            }
            Event::Html(h) => self.events.push(Event::Html(rewrite_raw_html(h, range.start, self.dir, self.resolver, &mut self.errors))),
            Event::InlineHtml(h) => {
                self.events.push(Event::InlineHtml(rewrite_raw_html(h, range.start, self.dir, self.resolver, &mut self.errors)))
            }
            Event::Start(Tag::FootnoteDefinition(name)) => self.footnote_definition_start(name),
            Event::End(TagEnd::FootnoteDefinition) => self.footnote_definition_end(),
            Event::Start(Tag::Table(aligns)) => self.table_start(aligns),
            Event::Start(Tag::TableHead) => self.table_head_start(),
            Event::End(TagEnd::TableHead) => self.table_head_end(),
            Event::Start(Tag::TableRow) => self.table_row_start(),
            Event::Start(Tag::TableCell) => self.table_cell_start(),
            Event::End(TagEnd::TableCell) => self.table_cell_end(),
            Event::Start(tag) => {
                self.depth += 1;
                let ev = rewrite_link(Event::Start(tag), range.start, self.dir, self.resolver, &mut self.errors);
                self.events.push(ev);
            }
            Event::End(tag) => {
                self.depth = self.depth.saturating_sub(1);
                self.events.push(Event::End(tag));
                if self.depth == 0 {
                    self.block_ends.push((self.events.len(), true));
                }
            }
            Event::Rule if self.depth == 0 => {
                self.events.push(Event::Rule);
                self.block_ends.push((self.events.len(), false));
            }
            Event::Text(ref t) => {
                self.words += count_words(t);
                self.events.push(event);
            }
            Event::FootnoteReference(name) => self.footnote_reference(name),
            Event::InlineMath(tex) => self.math(&tex, false, range.start),
            Event::DisplayMath(tex) => self.math(&tex, true, range.start),
            other => self.events.push(other),
        }
    }
}

impl Pass<'_, '_> {
    /// A formula (only parsed with `[markdown] math`) as MathML, or an error at its place.
    fn math(&mut self, tex: &str, display: bool, offset: usize) {
        match super::math::to_mathml(tex, display) {
            Ok(mathml) => self.events.push(Event::InlineHtml(mathml.into())),
            Err(why) => self.errors.push(MarkdownError {
                offset,
                message: format!("this formula cannot be turned into MathML: `{tex}`: {why}"),
                hint: "fix the LaTeX; a dollar sign that is not math is written `\\$`".into(),
            }),
        }
    }
}
