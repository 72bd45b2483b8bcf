//! `$…$` and `$$…$$` (with `[markdown] math = true`) turned into MathML at build time, so a
//! reader's browser lays formulas out itself: no script, no font or stylesheet from a CDN,
//! nothing the site's Content Security Policy would block.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{ParserError, RenderConfig, Storage};

/// The MathML of one formula, with its LaTeX kept as an annotation (copy and paste, screen
/// readers), or what is wrong with it.
pub(super) fn to_mathml(tex: &str, display: bool) -> Result<String, String> {
    let storage = Storage::new();
    // The renderer would draw a bad command as a red `<merror>` and carry on; a build must
    // stop instead, so the events are checked before anything is written.
    let events = pulldown_latex::Parser::new(tex, &storage).collect::<Result<Vec<_>, ParserError>>().map_err(|e| first_line(&e))?;
    // The renderer writes the annotation as it is given: `a < b` must reach it escaped.
    let mut annotation = String::with_capacity(tex.len());
    super::escape::escape_text_into(tex, &mut annotation);
    let config = RenderConfig {
        display_mode: if display { DisplayMode::Block } else { DisplayMode::Inline },
        annotation: Some(&annotation),
        ..RenderConfig::default()
    };
    let mut out = String::with_capacity(tex.len() * 8);
    pulldown_latex::push_mathml(&mut out, events.into_iter().map(Ok::<_, ParserError>), config).map_err(|e| e.to_string())?;
    Ok(escape_bare_lt(&without_style_attributes(&out)))
}

/// What the parser says is wrong, without its drawing of the context (the error names the
/// formula already): `unknown primitive command found`.
fn first_line(e: &ParserError) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("parsing error: ").unwrap_or(line).to_string()
}

/// The renderer writes the operator `<` as it is (`<mo><</mo>`), which an HTML parser reads
/// as the start of a tag. Every `<` that does not open or close an element is escaped.
fn escape_bare_lt(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len());
    let mut chars = mathml.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let opens_tag = chars.peek().is_some_and(|&(_, n)| n.is_ascii_alphabetic() || n == '/');
        if c == '<' && !opens_tag {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// The renderer writes a few `style="…"` attributes (`\color`, negative spaces, row gaps),
/// which `style-src 'self'` refuses, with a console error on every page. Colours become
/// MathML's own `mathcolor` / `mathbackground`; spacing tweaks are dropped (the formula stays
/// correct, a little less tight).
fn without_style_attributes(mathml: &str) -> String {
    const OPEN: &str = " style=\"";
    let mut out = String::with_capacity(mathml.len());
    let mut rest = mathml;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let value_start = at + OPEN.len();
        let Some(len) = rest[value_start..].find('"') else {
            rest = &rest[at..];
            break;
        };
        for decl in rest[value_start..value_start + len].split(';') {
            let Some((name, value)) = decl.split_once(':') else { continue };
            let attr = match name.trim() {
                "color" => "mathcolor",
                "background-color" | "background" => "mathbackground",
                _ => continue,
            };
            out.push_str(&format!(" {attr}=\"{}\"", value.trim()));
        }
        rest = &rest[value_start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_mathml_with_their_source() {
        let m = to_mathml(r"\frac{a}{b} + \sqrt{x^2}", false).unwrap();
        assert!(m.starts_with("<math") && m.ends_with("</math>"), "{m}");
        assert!(m.contains("<mfrac>") && m.contains("<msqrt>") && m.contains("<msup>"), "{m}");
        assert!(m.contains(r#"<annotation encoding="application/x-tex">\frac{a}{b} + \sqrt{x^2}</annotation>"#), "{m}");
        assert!(m.starts_with("<math display=\"inline\">"), "{m}");
        let d = to_mathml(r"\sum_{i=1}^n i = \frac{n(n+1)}{2}", true).unwrap();
        let lt = to_mathml("a < b", false).unwrap();
        assert!(lt.contains(">a &lt; b</annotation>") && lt.contains("<mo>&lt;</mo>"), "{lt}");
        assert!(d.contains("display=\"block\""), "{d}");
    }

    #[test]
    fn a_formula_that_cannot_be_converted_says_why() {
        let e = to_mathml(r"\frac{a}{", false).unwrap_err();
        assert!(!e.is_empty());
        let e = to_mathml(r"\nosuchcommand{x}", false).unwrap_err();
        assert_eq!(e, "unknown primitive command found");
    }

    #[test]
    fn no_inline_style_survives() {
        let m = to_mathml(r"\color{red} x \! y", true).unwrap();
        assert!(!m.contains("style="), "{m}");
        assert!(m.contains("mathcolor=\""), "{m}");
        assert_eq!(without_style_attributes(r#"<mi style="color: red; margin-left: -1em">x</mi>"#), r#"<mi mathcolor="red">x</mi>"#);
        assert_eq!(without_style_attributes(r#"<mspace style="margin-left: -1em" />"#), "<mspace />");
        assert_eq!(escape_bare_lt("<mo><</mo><mo><=</mo><mi>x</mi>"), "<mo>&lt;</mo><mo>&lt;=</mo><mi>x</mi>");
    }
}
