//! Code blocks: syntect highlighting with CSS classes (the theme owns the colours).

use super::escape::{escape_attr, escape_text_into};
use super::pass::Pass;
use super::words::count_words;
use pulldown_cmark::{CodeBlockKind, Event, TagEnd};
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::OnceLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = SyntaxSet::load_defaults_newlines().into_builder();
        // The built-in set lacks TOML, the language of every site.toml and front matter.
        // (Embedded and covered by `code_is_highlighted_with_classes`, so it always loads.)
        if let Ok(toml) = syntect::parsing::SyntaxDefinition::load_from_str(include_str!("../syntaxes/TOML.sublime-syntax"), true, None) {
            builder.add(toml);
        }
        builder.build()
    })
}

/// Loads the highlighter's grammars ahead of time (they take a few tens of ms), e.g. on a
/// background thread while the content is read.
pub fn warm_up() {
    let _ = syntax_set();
}

impl<'a> Pass<'a, '_> {
    /// A fenced or indented code block, its text gathered and written highlighted.
    pub(super) fn code_block(&mut self, kind: CodeBlockKind<'a>, iter: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>) {
        let lang = match &kind {
            CodeBlockKind::Fenced(info) => info.split([' ', ',', '{']).next().unwrap_or("").to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        let mut code = String::new();
        for (ev, _) in iter.by_ref() {
            match ev {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => break,
                _ => {}
            }
        }
        self.words += count_words(&code);
        self.events.push(Event::Html(highlight_block(&code, &lang, self.opts.highlight).into()));
        if self.depth == 0 {
            self.block_ends.push((self.events.len(), true));
        }
    }
}

pub(crate) fn highlight_block(code: &str, lang: &str, highlight: bool) -> String {
    let mut out = String::with_capacity(code.len() * 2 + 64);
    out.push_str("<pre class=\"code\"");
    if !lang.is_empty() {
        let _ = write!(out, " data-lang=\"{}\"", escape_attr(lang));
    }
    out.push_str("><code>");
    let syntax = if highlight && !lang.is_empty() {
        let ss = syntax_set();
        ss.find_syntax_by_token(lang).map(|s| (ss, s))
    } else {
        None
    };
    match syntax {
        Some((ss, syntax)) => {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, ss, ClassStyle::SpacedPrefixed { prefix: "hl-" });
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if gen.parse_html_for_line_which_includes_newline(line).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                out.push_str(&gen.finalize());
            } else {
                escape_text_into(code, &mut out);
            }
        }
        None => escape_text_into(code, &mut out),
    }
    out.push_str("</code></pre>\n");
    out
}
