//! Tables: aligned cells get a class instead of pulldown-cmark's inline `style`.

use super::pass::Pass;
use pulldown_cmark::{Alignment, Event, Tag, TagEnd};

impl Pass<'_, '_> {
    /// The start of a table: its columns' alignments.
    pub(super) fn table_start(&mut self, aligns: Vec<Alignment>) {
        self.depth += 1;
        self.table.aligns.clone_from(&aligns);
        self.events.push(Event::Start(Tag::Table(aligns)));
    }

    /// The start of the head row.
    pub(super) fn table_head_start(&mut self) {
        self.depth += 1;
        (self.table.in_head, self.table.cell) = (true, 0);
        self.events.push(Event::Start(Tag::TableHead));
    }

    /// The end of the head row.
    pub(super) fn table_head_end(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.table.in_head = false;
        self.events.push(Event::End(TagEnd::TableHead));
    }

    /// The start of a body row.
    pub(super) fn table_row_start(&mut self) {
        self.depth += 1;
        self.table.cell = 0;
        self.events.push(Event::Start(Tag::TableRow));
    }

    /// The start of a cell, with its column's alignment as a class.
    pub(super) fn table_cell_start(&mut self) {
        self.depth += 1;
        // pulldown-cmark aligns cells with inline `style` attributes, which a strict
        // Content Security Policy (`style-src 'self'`) blocks: classes do the same job
        // from the stylesheet. The writer still closes the cell and counts it.
        let cell = if self.table.in_head { "th" } else { "td" };
        self.events.push(match self.table.aligns.get(self.table.cell) {
            Some(Alignment::Left) => Event::Html(format!("<{cell} class=\"align-left\">").into()),
            Some(Alignment::Center) => Event::Html(format!("<{cell} class=\"align-center\">").into()),
            Some(Alignment::Right) => Event::Html(format!("<{cell} class=\"align-right\">").into()),
            _ => Event::Start(Tag::TableCell),
        });
    }

    /// The end of a cell.
    pub(super) fn table_cell_end(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.table.cell += 1;
        self.events.push(Event::End(TagEnd::TableCell));
    }
}

/// Where the writer is in a table, to give aligned cells a class instead of a style.
#[derive(Default)]
pub(super) struct TableState {
    aligns: Vec<Alignment>,
    in_head: bool,
    cell: usize,
}
