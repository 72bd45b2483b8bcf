//! Hugo's tags: `{{< name args >}}`, `{{% name args %}}`, `{{< /name >}}`, `{{< name />}}` and
//! the escape `{{</* name */>}}`.

use super::args::hugo_args;
use super::call::{Call, Form, Token};
use super::scan::first_line;

pub(super) fn scan_hugo(s: &str, at: usize) -> std::result::Result<Token, String> {
    let delim = s.as_bytes()[2] as char;
    let close = if delim == '<' { ">}}" } else { "%}}" };
    let form = if delim == '<' { Form::HugoHtml } else { Form::HugoMarkdown };
    let inner = &s[3..];
    let lead = inner.len() - inner.trim_start().len();
    if inner[lead..].starts_with("/*") {
        // `{{</* name */>}}` shows `{{< name >}}`.
        let body = &inner[lead + 2..];
        let Some(stop) = body.find("*/") else { return Err("escaped shortcode `{{</*` is never closed with `*/>}}`".into()) };
        let after = &body[stop + 2..];
        let ws = after.len() - after.trim_start().len();
        if !after[ws..].starts_with(close) {
            return Err(format!("escaped shortcode: expected `*/{close}`"));
        }
        let end = at + 3 + lead + 2 + stop + 2 + ws + close.len();
        return Ok(Token::Escape { end, literal: format!("{{{{{delim}{}{close}", &body[..stop]) });
    }
    let Some(len) = tag_len(inner, close) else {
        return Err(format!("shortcode tag `{}` is never closed with `{close}`", first_line(s)));
    };
    let end = at + 3 + len + close.len();
    let content = inner[..len].trim();
    if let Some(name) = content.strip_prefix('/') {
        return Ok(Token::Close { name: name.trim().to_string(), end });
    }
    let (content, self_closing) = match content.strip_suffix('/') {
        Some(c) => (c.trim_end(), true),
        None => (content, false),
    };
    let name_len = content.find(char::is_whitespace).unwrap_or(content.len());
    let name = &content[..name_len];
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '.')) {
        return Err(format!("`{}` does not start with a shortcode name", first_line(s)));
    }
    let (named, positional) = hugo_args(&content[name_len..]).map_err(|e| format!("shortcode `{name}`: {e}"))?;
    Ok(Token::Open(Call { name: name.to_string(), named, positional, form, self_closing, tag: at..end }))
}

/// Length of the tag's content up to `close`, skipping quoted text.
pub(super) fn tag_len(inner: &str, close: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match quote {
            Some(q) => {
                if b[i] == b'\\' && q == b'"' {
                    i += 1;
                } else if b[i] == q {
                    quote = None;
                }
            }
            None => {
                if b[i] == b'"' || b[i] == b'`' {
                    quote = Some(b[i]);
                } else if inner[i..].starts_with(close) {
                    return Some(i);
                }
            }
        }
        i += 1;
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
    fn hugo_tags() {
        let c = open("{{< youtube abc >}} rest");
        assert_eq!(
            (c.name.as_str(), c.positional.clone(), c.form, c.tag.clone()),
            ("youtube", vec![Value::from("abc")], Form::HugoHtml, 0..19)
        );
        let c = open("{{< figure src=\"a b.jpg\" caption=\"say \\\"hi\\\" >}}\" width=300 />}}");
        assert!(c.self_closing);
        assert_eq!(c.named[0], ("src".to_string(), Value::from("a b.jpg")));
        assert_eq!(c.named[1], ("caption".to_string(), Value::from("say \"hi\" >}}")));
        assert_eq!(c.named[2], ("width".to_string(), Value::from(300)));
        let c = open("{{% note `raw \"x\"` %}}");
        assert_eq!((c.form, c.positional[0].clone()), (Form::HugoMarkdown, Value::from("raw \"x\"")));
        assert_eq!(call("{{< /note >}}"), Token::Close { name: "note".into(), end: 13 });
        assert_eq!(call("{{</* youtube x */>}}"), Token::Escape { end: 21, literal: "{{< youtube x >}}".into() });
        let e = scan("{{< a k=\"v\" pos >}}", 0, 19, Syntaxes { zola: false, hugo: true }).unwrap_err();
        assert!(e.contains("mixes named"), "{e}");
        assert!(scan("{{< a k=\"v", 0, 10, Syntaxes { zola: false, hugo: true }).unwrap_err().contains("never closed"));
    }
}
