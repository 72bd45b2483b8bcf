//! Dates as authors write them in front matter, and as pages show them.

use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// `2026-01-31`, `2026-01-31T09:30:00`, `2026-01-31 09:30`, with optional `Z`/offset. No offset
/// means UTC, so builds do not depend on the machine's time zone.
pub fn parse_date_str(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(d) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(d);
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &date_fmt) {
        return Some(d.midnight().assume_offset(UtcOffset::UTC));
    }
    let s2 = s.replacen(' ', "T", 1);
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ] {
        if let Ok(d) = PrimitiveDateTime::parse(&s2, &fmt) {
            return Some(d.assume_utc());
        }
    }
    if let Ok(d) = OffsetDateTime::parse(&s2, &Rfc3339) {
        return Some(d);
    }
    // `2024-01-01 10:00:00 +0200`, `2024-01-01T10:00:00+0200`, `2024-01-01 10:00 +02:00`
    // (Hugo, Jekyll and git write these).
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory][offset_minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory]:[offset_minute]"),
    ] {
        let compact: String = {
            // Drop the space before the offset: `10:00:00 +0200` → `10:00:00+0200`.
            let t = s2.trim();
            match t.rfind(' ') {
                Some(i) if t[i + 1..].starts_with(['+', '-']) => format!("{}{}", &t[..i], &t[i + 1..]),
                _ => t.to_string(),
            }
        };
        if let Ok(d) = OffsetDateTime::parse(&compact, &fmt) {
            return Some(d);
        }
    }
    None
}

pub fn date_string(d: &OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
