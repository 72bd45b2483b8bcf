//! The `date` filter, in the page's language: `{{ page.date | date(format="[day] [month
//! repr:long] [year]") }}` with the `time` crate's format description, whose month and weekday
//! names (English in `time`) come from the language's strings when it has them: `month_1` …
//! `month_12`, `month_short_1` …, `weekday_1` (Monday) … `weekday_7`, `weekday_short_1` ….
//! The default theme takes its formats from strings too (`date_long`, `date_short`,
//! `date_day_month`), so a French page reads `7 décembre 2026`.

use std::collections::HashMap;
use tera::Value;
use time::OffsetDateTime;

/// The names a language gives months and weekdays (None: the `time` crate's English).
#[derive(Debug, Clone, Default)]
pub struct DateNames {
    pub months: [Option<String>; 12],
    pub months_short: [Option<String>; 12],
    pub weekdays: [Option<String>; 7],
    pub weekdays_short: [Option<String>; 7],
}

impl DateNames {
    /// From a strings lookup (`key` → text, None when the language has no such string).
    pub fn from_strings(get: impl Fn(&str) -> Option<String>) -> DateNames {
        DateNames {
            months: std::array::from_fn(|i| get(&format!("month_{}", i + 1))),
            months_short: std::array::from_fn(|i| get(&format!("month_short_{}", i + 1))),
            weekdays: std::array::from_fn(|i| get(&format!("weekday_{}", i + 1))),
            weekdays_short: std::array::from_fn(|i| get(&format!("weekday_short_{}", i + 1))),
        }
    }
}

pub(crate) fn register(tera: &mut tera::Tera, names: DateNames) {
    tera.register_filter("date", move |value: &Value, args: &HashMap<String, Value>| -> tera::Result<Value> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => return Ok(Value::String(String::new())),
            other => return Err(tera::Error::msg(format!("date filter: expected a date string, got {other}"))),
        };
        let date = myblog_utils::parse_date_str(&text).ok_or_else(|| tera::Error::msg(format!("date filter: {text:?} is not a date")))?;
        let fmt = args.get("format").and_then(Value::as_str).unwrap_or("[year]-[month]-[day]");
        format(&date, fmt, &names).map(Value::String).map_err(tera::Error::msg)
    });
}

/// `date` in `fmt`, the named parts in the language's words.
pub fn format(date: &OffsetDateTime, fmt: &str, names: &DateNames) -> Result<String, String> {
    let localized = localize(fmt, date, names);
    let desc = time::format_description::parse_borrowed::<2>(&localized).map_err(|e| {
        format!("date filter: bad format {fmt:?}: {e} (use the time crate's syntax, e.g. \"[month repr:long] [day padding:none], [year]\")")
    })?;
    date.format(&desc).map_err(|e| format!("date filter: {e}"))
}

/// `fmt` with each month or weekday name component the language names replaced by that name,
/// as literal text of the format description (`\`, `[` and `]` escaped with `\`).
fn localize(fmt: &str, date: &OffsetDateTime, names: &DateNames) -> String {
    let month = usize::from(u8::from(date.month())) - 1;
    let weekday = usize::from(date.weekday().number_days_from_monday());
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut rest = fmt;
    while let Some(i) = rest.find(['[', '\\']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(escaped) = tail.strip_prefix('\\') {
            // An escape of the description: copied with the character it escapes.
            let n = escaped.chars().next().map_or(0, char::len_utf8);
            out.push_str(&tail[..1 + n]);
            rest = &tail[1 + n..];
            continue;
        }
        let Some(end) = tail.find(']') else { break };
        let component = &tail[..=end];
        let mut words = component[1..end].split_whitespace();
        let (kind, modifiers): (&str, Vec<&str>) = (words.next().unwrap_or(""), words.collect());
        let short = modifiers.contains(&"repr:short");
        let long = modifiers.contains(&"repr:long") || (kind == "weekday" && !short && !modifiers.iter().any(|m| m.starts_with("repr:")));
        let name = match kind {
            "month" if long => names.months[month].as_deref(),
            "month" if short => names.months_short[month].as_deref(),
            "weekday" if long => names.weekdays[weekday].as_deref(),
            "weekday" if short => names.weekdays_short[weekday].as_deref(),
            _ => None,
        };
        match name {
            Some(n) => out.push_str(&n.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]")),
            None => out.push_str(component),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn french() -> DateNames {
        let months =
            ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
        let days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
        DateNames::from_strings(|k| {
            let (name, n) = k.rsplit_once('_')?;
            let n: usize = n.parse().ok()?;
            match name {
                "month" => Some(months[n - 1].to_string()),
                "month_short" => Some(format!("{}.", months[n - 1].chars().take(3).collect::<String>())),
                "weekday" => Some(days[n - 1].to_string()),
                _ => None,
            }
        })
    }

    #[test]
    fn names_come_in_the_language_and_the_rest_as_time_formats_it() {
        let d = myblog_utils::parse_date_str("2026-12-07").unwrap();
        let fr = french();
        assert_eq!(format(&d, "[weekday] [day padding:none] [month repr:long] [year]", &fr).unwrap(), "lundi 7 décembre 2026");
        assert_eq!(format(&d, "[day] [month repr:short]", &fr).unwrap(), "07 déc.");
        // What the language does not name stays the time crate's English; numbers are numbers.
        assert_eq!(format(&d, "[weekday repr:short] [month]/[day]", &fr).unwrap(), "Mon 12/07");
        let en = DateNames::default();
        assert_eq!(format(&d, "[month repr:long] [day padding:none], [year]", &en).unwrap(), "December 7, 2026");
        // A name holding brackets is literal text, and an escaped bracket stays one.
        let odd = DateNames::from_strings(|k| (k == "month_12").then(|| "[Dec]".to_string()));
        assert_eq!(format(&d, r"\[[month repr:long]", &odd).unwrap(), "[[Dec]");
        assert!(format(&d, "[nonsense]", &en).unwrap_err().contains("bad format"));
    }
}
