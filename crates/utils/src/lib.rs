//! myblog-utils: what every stage of the pipeline shares and nothing of the pipeline itself:
//! located errors, slugs, dates, URL paths, HTML escaping, "did you mean" hints, which files
//! are never part of a site, and the manifest format the build writes and deploy reads.

mod dates;
mod error;
mod html;
pub mod manifest;
mod paths;
mod slug;
mod suggest;
mod urls;

pub use dates::{date_string, parse_date_str};
pub use error::{collect_all, line_col, Diagnostic, Error, Result};
pub use html::{escape_html, html_to_text, unescape_html};
pub use manifest::{Manifest, ManifestEntry, ManifestError};
pub use paths::{is_hidden_dir, is_ignored, rel_display};
pub use slug::{is_combining_mark, is_plain_segment, slugify};
pub use suggest::closest;
pub use urls::{resolve_relative, url_path};
