//! Zola's tags: `{{ name(args) }}`, `{% name(args) %}`, `{% end %}` and the escape
//! `{{/* name() */}}`.

use super::args::zola_args;
use super::call::{Call, Form, Token};
use super::scan::first_line;

pub(super) fn scan_zola(s: &str, at: usize) -> std::result::Result<Token, String> {
    let block = s.starts_with("{%");
    let close = if block { "%}" } else { "}}" };
    let inner = &s[2..];
    let lead = inner.len() - inner.trim_start().len();
    let body = &inner[lead..];
    if let Some(esc) = body.strip_prefix("/*") {
        // `{{/* name() */}}` shows `{{ name() }}`.
        let Some(stop) = esc.find("*/") else { return Ok(Token::Text) };
        let after = &esc[stop + 2..];
        let ws = after.len() - after.trim_start().len();
        if !after[ws..].starts_with(close) {
            return Ok(Token::Text);
        }
        let end = at + 2 + lead + 2 + stop + 2 + ws + close.len();
        let open = &s[..2];
        return Ok(Token::Escape { end, literal: format!("{open}{}{close}", &esc[..stop]) });
    }
    let name_len = body.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(body.len());
    let name = &body[..name_len];
    if block && name == "end" {
        let after = body[3..].trim_start();
        if after.starts_with("%}") {
            let end = at + s.len() - after.len() + 2;
            return Ok(Token::End { end });
        }
    }
    let after_name = body[name_len..].trim_start();
    if name.is_empty() || !after_name.starts_with('(') {
        return Ok(Token::Text);
    }
    let args_at = s.len() - after_name.len() + 1;
    let Some(args_len) = paren_len(&s[args_at..]) else {
        return Err(format!("`{}`: the argument list is never closed with `)`", first_line(s)));
    };
    let after_args = &s[args_at + args_len + 1..];
    let ws = after_args.len() - after_args.trim_start().len();
    if !after_args[ws..].starts_with(close) {
        return Err(format!("`{}`: expected `{close}` after the arguments", first_line(s)));
    }
    let end = at + args_at + args_len + 1 + ws + close.len();
    let named = zola_args(&s[args_at..args_at + args_len]).map_err(|e| format!("shortcode `{name}`: {e}"))?;
    let form = if block { Form::ZolaBlock } else { Form::ZolaInline };
    Ok(Token::Open(Call { name: name.to_string(), named, positional: Vec::new(), form, self_closing: false, tag: at..end }))
}

/// Length up to the `)` closing an argument list, skipping strings and brackets.
pub(super) fn paren_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'[' | b'(' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b')' if depth == 0 => return Some(i),
                b')' => depth -= 1,
                _ => {}
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::call::{Form, Token};
    use super::super::scan::scan;
    use super::super::scan::tests::{call, open};
    use super::super::Syntaxes;
    use tera::Value;

    #[test]
    fn zola_tags() {
        let c = open("{{ youtube(id=\"abc\", autoplay=true, n=3, list=[1, 'a',]) }}");
        assert_eq!(c.form, Form::ZolaInline);
        assert_eq!(c.named[0], ("id".to_string(), Value::from("abc")));
        assert_eq!(c.named[1].1, Value::Bool(true));
        assert_eq!(c.named[3].1, serde_json::json!([1, "a"]));
        let c = open("{% quote(author=\"Ann\") %}");
        assert_eq!((c.form, c.tag.end), (Form::ZolaBlock, 25));
        assert_eq!(call("{% end %}"), Token::End { end: 9 });
        assert_eq!(call("{{ page.title }}"), Token::Text);
        assert_eq!(call("{{/* youtube(id=\"x\") */}}"), Token::Escape { end: 25, literal: "{{ youtube(id=\"x\") }}".into() });
        let e = scan("{{ x(a=b) }}", 0, 12, Syntaxes { zola: true, hugo: false }).unwrap_err();
        assert!(e.contains("\"b\" is not a value"), "{e}");
        // A Hugo site reads `{{ x() }}` as text, a Zola site `{{< x >}}` as text.
        assert_eq!(scan("{{ x() }}", 0, 9, Syntaxes { zola: false, hugo: true }).unwrap(), Token::Text);
        assert_eq!(scan("{{< x >}}", 0, 9, Syntaxes { zola: true, hugo: false }).unwrap(), Token::Text);
    }
}
