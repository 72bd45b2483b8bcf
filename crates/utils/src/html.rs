//! HTML escaping for text and attribute values.

/// Escapes what HTML needs escaped in text and double- or single-quoted attributes.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The character references HTML writers put in text and attribute values (`&amp;`, `&quot;`,
/// `&#39;`, `&lt;`, `&gt;`, and numeric ones), decoded.
pub fn unescape_html(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| match &tail[1..e] {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "nbsp" => Some('\u{a0}'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// The text of an HTML fragment: tags dropped (an element's end and a `<br>` count as a
/// space, so `<p>a</p><p>b</p>` reads `a b`), references decoded, whitespace runs collapsed,
/// and cut at a word boundary after `max_chars` characters with an ellipsis.
pub fn html_to_text(html: &str, max_chars: usize) -> String {
    let mut text = String::with_capacity(html.len().min(max_chars * 4 + 16));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = unescape_html(&text);
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if count > 0 && count + 1 + len > max_chars {
            out.push('…');
            return out;
        }
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        if len > max_chars {
            out.extend(word.chars().take(max_chars));
            out.push('…');
            return out;
        }
        out.push_str(word);
        count += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_decoded_and_unknown_ones_kept() {
        assert_eq!(unescape_html("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#x263A; &#233;"), "a & b <c> \"d\" 'e' ☺ é");
        assert_eq!(unescape_html("AT&T &unknown; & ;"), "AT&T &unknown; & ;");
        assert_eq!(unescape_html(&escape_html("<a href=\"x\">'&'</a>")), "<a href=\"x\">'&'</a>");
    }

    #[test]
    fn text_of_html_reads_as_words_and_is_cut_at_a_word() {
        assert_eq!(html_to_text("<p>One <em>two</em>&nbsp;three.</p>\n<p>Four &amp; five.</p>", 100), "One two three. Four & five.");
        assert_eq!(html_to_text("<p>one two three four</p>", 9), "one two…");
        assert_eq!(html_to_text("<p>abcdefghij</p>", 4), "abcd…");
        assert_eq!(html_to_text("", 10), "");
    }
}
