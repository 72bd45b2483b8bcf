//! Shortcodes: Zola's `{{ name(k=v) }}` and `{% name(k=v) %}body{% end %}`, Hugo's
//! `{{< name k="v" >}}`, `{{< name pos >}}`, `{{% name %}}` (output read as markdown),
//! `{{< name >}}body{{< /name >}}` and `{{< name />}}`, rendered through the theme's
//! `templates/shortcodes/NAME.html` (tera) before the markdown is read.
//!
//! Expansion happens on the markdown text, so three things are kept:
//! - code stays literal: a shortcode starting inside a fenced or indented code block or inline
//!   code is not expanded (the escapes `{{/* x() */}}` and `{{</* x */>}}` are unescaped
//!   everywhere, so a post can show a shortcode's source);
//! - HTML output is never read as markdown (Hugo's `{{< >}}` rule): it enters the text as a
//!   placeholder comment that `finish` swaps for the HTML once the markdown is rendered. Output
//!   without markup (a URL from `ref`) goes straight into the text, so it works inside a link;
//! - errors keep their place: `Expansion::source_offset` maps an offset of the expanded text
//!   back to the body as written.
//!
//! Shortcodes nest: a body's shortcodes are expanded first (Hugo's rule, and Zola's since
//! getzola/zola#2748, where the inner output goes into the body as written). Output is never
//! scanned again for shortcodes (Hugo 0.168 neither, `{{% %}}` included).

mod args;
mod call;
mod error;
mod expand;
mod expansion;
mod functions;
mod hugo;
mod scan;
mod templates;
mod zola;

pub use error::ShortcodeError;
pub use expansion::Expansion;
pub use functions::{Services, Translate};
pub use scan::{may_contain, Syntaxes};
pub use templates::{PageInfo, Shortcodes, TEMPLATE_DIR};
