//! Emitting tera: a parsed Go template walked by one translator (`Tr`), in files by concern:
//! the writer of the output, actions (text, print, if/with, range), pipelines and operands,
//! fields and methods (of the shortcode, the page, the site), and functions.

mod actions;
mod fields;
mod funcs;
mod partials;
mod pipes;
mod print;
mod writer;

pub use partials::Partials;

use super::html::*;
use super::syntax::*;
use super::R;

/// What a value is, for Go's escaping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Plain data: escaped when printed.
    Text,
    /// `template.HTML` (`safeHTML`, `.Inner`, `markdownify`): printed as is.
    Html,
    /// `template.URL` (`safeURL`).
    Url,
    /// `template.HTMLAttr` (`safeHTMLAttr`).
    Attr,
    /// `template.CSS` (`safeCSS`).
    Css,
    /// `.Params`: named arguments (a map) or positional ones (a list).
    Params,
    /// `.Page.Params`: front-matter keys myblog keeps in `page.extra`.
    PageParams,
    /// `.Site.Params`, `slice`: a map or a list (Go prints them as `map[…]`, `[…]`, which is
    /// not ported).
    Map,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// The shortcode (`$`, and `.` outside `with` / `range`).
    Root,
    Page,
    Site,
    /// A tera variable or literal.
    V(String, Kind),
}

#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) go: String,
    pub(super) val: Val,
    /// Loop depth where it was declared (tera's `set` in a loop is local to it).
    pub(super) loops: usize,
}

pub(super) struct Tr<'a> {
    pub(super) name: &'a str,
    pub(super) out: String,
    pub(super) tmp: usize,
    pub(super) scopes: Vec<Vec<Var>>,
    pub(super) loops: usize,
    pub(super) dots: Vec<Val>,
    pub(super) ctx: Html,
    pub(super) partials: &'a Partials,
    /// What `$` is: the shortcode, or inside a partial its context.
    pub(super) dollar: Val,
    /// Partials inlined around the current node.
    pub(super) depth: usize,
}

/// The tera text of a parsed Go template (without the header `translate` adds).
pub(super) fn emit(nodes: &[Node], name: &str, partials: &Partials) -> R<String> {
    let mut tr = Tr {
        name,
        out: String::new(),
        tmp: 0,
        scopes: vec![Vec::new()],
        loops: 0,
        dots: vec![Val::Root],
        ctx: Html::Text,
        partials,
        dollar: Val::Root,
        depth: 0,
    };
    tr.nodes(nodes)?;
    Ok(tr.out)
}
