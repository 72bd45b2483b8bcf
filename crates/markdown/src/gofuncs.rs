//! Tera filters and functions with Go's and Hugo's semantics, for shortcode templates ported
//! from Hugo by `init --from` (see `import/gotmpl.rs`). Each one does what its Hugo or
//! `html/template` counterpart does, so a ported template renders what Hugo rendered.

use std::collections::HashMap;
use tera::{Tera, Value};

/// Registers the filters and functions; `base_path` is the site's URL path (`/blog` or ``),
/// `origin` its scheme and host.
pub fn register(tera: &mut Tera, base_path: &str, origin: &str) {
    tera.register_filter("go_url", |v: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let part = args.get("part").and_then(Value::as_str).unwrap_or("start");
        Ok(Value::String(go_url(&text(v), part)))
    });
    tera.register_filter("field", |v: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let key = args.get("key").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("field needs key=\"...\""))?;
        match v {
            Value::Object(_) => Ok(field(v, key).cloned().unwrap_or(Value::String(String::new()))),
            Value::Null => Ok(Value::String(String::new())),
            Value::String(s) if s.is_empty() => Ok(Value::String(String::new())),
            other => Err(tera::Error::msg(format!("cannot read .{key} of {other}: it is not a map"))),
        }
    });
    tera.register_filter("go_css", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> { Ok(Value::String(go_css(&text(v)))) });
    tera.register_filter("go_attr_html", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(go_attr_html(&text(v))))
    });
    tera.register_filter("chomp", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(text(v).trim_end_matches(['\r', '\n']).to_string()))
    });
    tera.register_filter("anchorize", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(anchorize(&text(v))))
    });
    tera.register_filter("urlize", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> { Ok(Value::String(urlize(&text(v)))) });
    tera.register_filter("deindent", |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(deindent(&text(v))))
    });
    let bp = base_path.to_string();
    tera.register_filter("rel_url", move |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(rel_url(&text(v), &bp)))
    });
    let (bp, o) = (base_path.to_string(), origin.to_string());
    tera.register_filter("abs_url", move |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        Ok(Value::String(abs_url(&text(v), &bp, &o)))
    });
    tera.register_function("page_param", |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let key = args.get("key").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("page_param needs key=\"...\""))?;
        let none = Value::Null;
        let page = args.get("page").unwrap_or(&none);
        let config = args.get("config").unwrap_or(&none);
        Ok(page_param(key, page, config).unwrap_or(Value::String(String::new())))
    });
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A map's value under `key`, ignoring case as Hugo's parameter maps do.
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let map = v.as_object()?;
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Hugo's `.Param "a.b"`: the page's parameter, else the site's. `title` is the page's title
/// (myblog keeps it out of `page.extra`).
pub fn page_param(key: &str, page: &Value, config: &Value) -> Option<Value> {
    let walk = |mut v: &Value| -> Option<Value> {
        for part in key.split('.') {
            v = field(v, part)?;
        }
        Some(v.clone())
    };
    if key.eq_ignore_ascii_case("title") {
        if let Some(t) = page.get("title") {
            return Some(t.clone());
        }
    }
    page.get("extra").and_then(walk).or_else(|| config.get("extra").and_then(walk))
}

/// A value printed in a URL attribute, as Go's `html/template` writes it: at the start of the
/// URL an unsafe scheme (`javascript:`) becomes `#ZgotmplZ` and the URL is normalised; later in
/// the path it is normalised (what cannot be in a URL is percent-encoded); in the query or
/// fragment it is escaped as a query value.
pub fn go_url(s: &str, part: &str) -> String {
    if part == "start" {
        if let Some((scheme, _)) = s.split_once(':') {
            if !scheme.contains('/') && !["http", "https", "mailto"].iter().any(|p| scheme.eq_ignore_ascii_case(p)) {
                return "#ZgotmplZ".into();
            }
        }
    }
    let norm = part != "query";
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in b.iter().enumerate() {
        let keep = match c {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' | b'[' | b']' => norm,
            b'-' | b'.' | b'_' | b'~' => true,
            b'%' => norm && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit(),
            c => c.is_ascii_alphanumeric(),
        };
        if keep {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02x}"));
        }
    }
    out
}

/// A value in a `style` attribute, as Go's `cssValueFilter` lets it through: anything that
/// could leave the value (quotes, parentheses, `;`, `/`, braces, `<`, `\\`…) or run code
/// (`expression`, `-moz-binding`) becomes `ZgotmplZ`.
pub fn go_css(s: &str) -> String {
    let b = s.as_bytes();
    let mut id = String::new();
    for (i, &c) in b.iter().enumerate() {
        match c {
            0 | b'"' | b'\'' | b'(' | b')' | b'/' | b';' | b'@' | b'[' | b'\\' | b']' | b'`' | b'{' | b'}' | b'<' | b'>' => {
                return "ZgotmplZ".into()
            }
            b'-' if i != 0 && b[i - 1] == b'-' => return "ZgotmplZ".into(),
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => id.push(c.to_ascii_lowercase() as char),
            _ => {}
        }
    }
    if id.contains("expression") || id.contains("mozbinding") {
        return "ZgotmplZ".into();
    }
    s.to_string()
}

/// HTML printed in an attribute, as Go writes it: its tags stripped, then escaped except
/// for `&` (entities are kept as they are).
pub fn go_attr_html(s: &str) -> String {
    let mut stripped = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        stripped.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            match after.find('>') {
                Some(j) => rest = &after[j + 1..],
                None => {
                    rest = "";
                }
            }
        } else {
            stripped.push('<');
            rest = after;
        }
    }
    stripped.push_str(rest);
    let mut out = String::with_capacity(stripped.len());
    for c in stripped.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '+' => out.push_str("&#43;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Hugo's `anchorize` (GitHub's heading ids, Hugo's default): letters and digits lowercased,
/// spaces as hyphens, `-` and `_` kept, the rest dropped.
pub fn anchorize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        } else if c == '-' || c == '_' {
            out.push(c);
        }
    }
    out
}

/// Hugo's `urlize`: spaces become hyphens, what is not a letter, digit or one of `./\_#+~-@`
/// is dropped, letters are lowercased, and what is not ASCII is percent-encoded.
pub fn urlize(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut target = String::new();
    let (mut prepend_hyphen, mut was_hyphen) = (false, false);
    for (i, &r) in chars.iter().enumerate() {
        let allowed = matches!(r, '.' | '/' | '\\' | '_' | '#' | '+' | '~' | '-' | '@')
            || r.is_alphanumeric()
            || (r == '%' && i + 2 < chars.len() && chars[i + 1].is_ascii_hexdigit() && chars[i + 2].is_ascii_hexdigit());
        if allowed {
            was_hyphen = r == '-';
            if prepend_hyphen {
                if !was_hyphen {
                    target.push('-');
                }
                prepend_hyphen = false;
            }
            target.push(r);
        } else if !target.is_empty() && !was_hyphen && r.is_whitespace() {
            prepend_hyphen = true;
        }
    }
    let lower = target.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Hugo's `.InnerDeindent`: the indentation every non-blank line shares, removed.
pub fn deindent(s: &str) -> String {
    let indent = s.lines().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start_matches([' ', '\t']).len()).min().unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let cut = line.len() - line.trim_start_matches([' ', '\t']).len();
        out.push_str(&line[cut.min(indent)..]);
    }
    out
}

/// Hugo's `relURL`: a path from the site's root gets the site's base path, one from the host's
/// root (`/x`) and an absolute URL stay as they are.
pub fn rel_url(s: &str, base_path: &str) -> String {
    if s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//") || s.starts_with('/') {
        return s.to_string();
    }
    format!("{base_path}/{s}")
}

/// Hugo's `absURL`: as `relURL`, with the scheme and host.
pub fn abs_url(s: &str, base_path: &str, origin: &str) -> String {
    if s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//") {
        return s.to_string();
    }
    if s.starts_with('/') {
        return format!("{origin}{s}");
    }
    format!("{origin}{base_path}/{s}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_as_go_writes_them() {
        // Outputs of Hugo 0.168 for the same values.
        assert_eq!(go_url("https://x.org/a b?q=1&r=a b#f", "start"), "https://x.org/a%20b?q=1&r=a%20b#f");
        assert_eq!(go_url("a b/c?d", "path"), "a%20b/c?d");
        assert_eq!(go_url("x y/z&w", "query"), "x%20y%2fz%26w");
        assert_eq!(go_url("javascript:alert(1)", "start"), "#ZgotmplZ");
        assert_eq!(go_url("/p/a%20b", "start"), "/p/a%20b");
        assert_eq!(urlize("Hello World ÄÖ / x?y"), "hello-world-%C3%A4%C3%B6-/-xy");
        assert_eq!(anchorize("Hello, World! Ça_va - x"), "hello-world-ça_va---x");
        assert_eq!(go_css("300px"), "300px");
        assert_eq!(go_css("#fff"), "#fff");
        assert_eq!(go_css("red; background: url(x)"), "ZgotmplZ");
        assert_eq!(go_css("Expression(alert(1))"), "ZgotmplZ");
        assert_eq!(go_attr_html("<b>Bold</b> &amp; \"q\""), "Bold &amp; &#34;q&#34;");
        assert_eq!(rel_url("", "/docs"), "/docs/");
        assert_eq!(rel_url("x/y", "/docs"), "/docs/x/y");
        assert_eq!(rel_url("/x", "/docs"), "/x");
        assert_eq!(abs_url("x/y", "/docs", "https://ex.org"), "https://ex.org/docs/x/y");
        assert_eq!(abs_url("/x", "/docs", "https://ex.org"), "https://ex.org/x");
        assert_eq!(abs_url("https://o.org/a", "/docs", "https://ex.org"), "https://o.org/a");
    }

    #[test]
    fn params_and_indentation() {
        let page = json!({"title": "T", "extra": {"mood": "good", "Nested": {"a": 1}}});
        let config = json!({"extra": {"mood": "site", "color": "red"}});
        assert_eq!(page_param("mood", &page, &config), Some(json!("good")));
        assert_eq!(page_param("color", &page, &config), Some(json!("red")));
        assert_eq!(page_param("nested.a", &page, &config), Some(json!(1)));
        assert_eq!(page_param("title", &page, &config), Some(json!("T")));
        assert_eq!(page_param("none", &page, &config), None);
        assert_eq!(deindent("    a\n      b\n\n    c\n"), "a\n  b\n\nc\n");
    }
}
