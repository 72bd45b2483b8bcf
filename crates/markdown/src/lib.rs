//! myblog-markdown: a page's body to HTML. pulldown-cmark with highlighting, heading ids,
//! summaries and a table of contents; links checked against the site (`@/` and relative
//! ones); shortcodes (tera templates, with Hugo's Go functions); the whole body rendered from
//! what the site gives it.

mod balance;
mod body;
mod gofuncs;
mod markdown;
mod preview_image;
mod shortcodes;

pub use body::render as render_body;
pub use gofuncs::register as register_go_functions;
pub use markdown::{
    count_words, escape_attr, render, warm_up, Location, MarkdownError, MarkdownOptions, Rendered, Resolved, Resolver, TocEntry,
    MORE_MARKER,
};
pub use preview_image::preview_image;
pub use shortcodes::{may_contain, Expansion, PageInfo, Services, ShortcodeError, Shortcodes, Syntaxes, Translate, TEMPLATE_DIR};
