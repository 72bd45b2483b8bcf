//! Hugo's shortcode templates (Go `html/template`) translated to tera at `init --from` time.
//!
//! Three steps: `lex` splits the template into text and `{{ actions }}` (comments dropped, trim
//! markers applied), `parse` builds the tree of `if` / `with` / `range` blocks and pipelines, and
//! `Tr` emits tera. The emitted template never relies on tera's expression grammar for anything
//! but one operation at a time: every sub-expression is computed into a variable with
//! `{% set %}` first (a tag that outputs nothing, so whitespace stays as Go writes it).
//!
//! Go's semantics are kept where they differ from tera's:
//! - a missing argument or parameter is empty (`.Get "x"`), not an error;
//! - `default`, `and`, `or` test Go's emptiness and return values; `with` rebinds `.`;
//! - escaping follows Go's `html/template`: values are escaped, `safeHTML`, `.Inner` and
//!   `markdownify` are not; in a URL attribute (`href`, `src`…) values are normalised or
//!   escaped as Go does (`go_url`), and a `javascript:` URL becomes `#ZgotmplZ`; HTML comments
//!   in the template's text are dropped, as Go drops them.
//!
//! What has no faithful counterpart (partials, resources, scratch, script and style contexts,
//! unknown functions…) is refused with its line: the template is then not ported at all,
//! never half-ported.

mod emit;
mod html;
mod syntax;

pub use emit::Partials;
use syntax::{lex, parse_list};

/// Why a template cannot be translated: the construct and its line in the Go template.
#[derive(Debug, Clone, PartialEq)]
pub struct Untranslatable {
    pub line: usize,
    pub construct: String,
    pub why: String,
}

impl std::fmt::Display for Untranslatable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: `{}`: {}", self.line, self.construct, self.why)
    }
}

type R<T> = Result<T, Untranslatable>;

fn refuse<T>(line: usize, construct: impl Into<String>, why: impl Into<String>) -> R<T> {
    Err(Untranslatable { line, construct: construct.into(), why: why.into() })
}

/// Translates the Go template of shortcode `name` to a tera template for myblog's shortcode
/// context (docs/shortcodes.md), without partials (the tests').
#[cfg(test)]
pub fn translate(src: &str, name: &str) -> R<String> {
    translate_with(src, name, &Partials::default())
}

/// [`translate`], with the site's partial templates for `partial` calls.
pub fn translate_with(src: &str, name: &str, partials: &Partials) -> R<String> {
    let items = lex(src)?;
    let mut at = 0;
    let (nodes, stop) = parse_list(&items, &mut at)?;
    if let Some((word, line)) = stop {
        return refuse(line, word, "has no block to close or continue");
    }
    let body = emit::emit(&nodes, name, partials)?;
    // No newline after the comment: the output starts where the Go template's does.
    let mut out = format!("{{# Ported from Hugo by `myblog init --from` (shortcode {name}); see docs/shortcodes.md. #}}");
    out.push_str(&body);
    Ok(out)
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;
