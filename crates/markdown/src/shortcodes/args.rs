//! A call's arguments: Hugo's (named or positional, space separated) and Zola's (`key=value`,
//! comma separated), with unquoted words typed as each does.

use super::scan::first_line;
use tera::Value;

/// Hugo's arguments: `key="value"`, `key=value`, or positional `"v"`, `` `raw` ``, `v`; never
/// both kinds in one call. Unquoted `true`, `false` and numbers are typed, as in Hugo.
/// Named and positional arguments.
pub(super) type Args = (Vec<(String, Value)>, Vec<Value>);

pub(super) fn hugo_args(s: &str) -> std::result::Result<Args, String> {
    let mut named = Vec::new();
    let mut positional = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let (key, after) =
            if key_len > 0 && rest[key_len..].starts_with('=') { (Some(&rest[..key_len]), &rest[key_len + 1..]) } else { (None, rest) };
        let (value, used) = hugo_value(after)?;
        match key {
            Some(k) => named.push((k.to_string(), value)),
            None => positional.push(value),
        }
        rest = after[used..].trim_start();
    }
    if !named.is_empty() && !positional.is_empty() {
        return Err("mixes named (key=\"value\") and positional arguments; use one kind".into());
    }
    Ok((named, positional))
}

pub(super) fn hugo_value(s: &str) -> std::result::Result<(Value, usize), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => return Ok((Value::String(out), i + 2)),
                c => out.push(c),
            }
        }
        return Err(format!("unterminated string {s:?}"));
    }
    if let Some(body) = s.strip_prefix('`') {
        return match body.find('`') {
            Some(i) => Ok((Value::String(body[..i].to_string()), i + 2)),
            None => Err(format!("unterminated raw string {s:?}")),
        };
    }
    let len = s.find(char::is_whitespace).unwrap_or(s.len());
    let word = &s[..len];
    if word.is_empty() {
        return Err("an argument has no value".into());
    }
    Ok((typed(word).unwrap_or_else(|| Value::String(word.to_string())), len))
}

pub(super) fn typed(word: &str) -> Option<Value> {
    match word {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ => word
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| word.parse::<f64>().ok().and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))),
    }
}

/// Zola's arguments: `key=value` separated by commas; strings in any quotes, numbers, booleans
/// and arrays of those.
pub(super) fn zola_args(s: &str) -> std::result::Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let key = &rest[..key_len];
        let after = rest[key_len..].trim_start();
        let Some(after) = after.strip_prefix('=').filter(|_| !key.is_empty()) else {
            return Err(format!("expected key=value at {:?}", first_line(rest)));
        };
        let (value, used) = zola_value(after.trim_start())?;
        out.push((key.to_string(), value));
        let tail = after.trim_start()[used..].trim_start();
        rest = match tail.strip_prefix(',') {
            Some(t) => t.trim_start(),
            None if tail.is_empty() => tail,
            None => return Err(format!("expected `,` between arguments at {:?}", first_line(tail))),
        };
    }
    Ok(out)
}

pub(super) fn zola_value(s: &str) -> std::result::Result<(Value, usize), String> {
    let first = s.chars().next().ok_or("an argument has no value")?;
    if matches!(first, '"' | '\'' | '`') {
        return match s[1..].find(first) {
            Some(i) => Ok((Value::String(s[1..1 + i].to_string()), i + 2)),
            None => Err(format!("unterminated string {:?}", first_line(s))),
        };
    }
    if first == '[' {
        let mut items = Vec::new();
        let mut i = 1;
        loop {
            let rest = &s[i..];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if let Some(r) = trimmed.strip_prefix(']') {
                let _ = r;
                return Ok((Value::Array(items), i + 1));
            }
            if !items.is_empty() {
                let Some(r) = trimmed.strip_prefix(',') else { return Err(format!("expected `,` or `]` in the list {:?}", first_line(s))) };
                i += 1;
                let t = r.trim_start();
                i += r.len() - t.len();
                if t.starts_with(']') {
                    continue;
                }
            }
            let (v, used) = zola_value(&s[i..])?;
            items.push(v);
            i += used;
        }
    }
    let len = s.find(|c: char| c == ',' || c == ']' || c.is_whitespace()).unwrap_or(s.len());
    let word = &s[..len];
    typed(word).map(|v| (v, len)).ok_or_else(|| format!("{word:?} is not a value: quote text, e.g. \"{word}\""))
}
