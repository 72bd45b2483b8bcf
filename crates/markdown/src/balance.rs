//! A summary is cut between top-level blocks, but a raw HTML block may open an element that a
//! later block closes (`<div style="…">` … `</div>`): cut there, the list page or email would
//! hold an open `<div>` and swallow what follows it. This closes what the cut left open. Pure.

/// Elements that never have content, so never a closing tag.
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// `html` with a closing tag appended for every element it opens and does not close.
pub fn close_open_elements(html: &mut String) {
    let open = open_elements(html);
    for name in open.iter().rev() {
        html.push_str("</");
        html.push_str(name);
        html.push('>');
    }
}

/// The elements still open at the end of `html`, outermost first.
fn open_elements(html: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|p| p + i) {
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map(|e| lt + e + 3).unwrap_or(html.len());
            continue;
        }
        let Some(end) = tag_end(rest).map(|e| lt + e) else { break };
        let tag = &html[lt + 1..end];
        i = end + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let name = element_name(name);
            if let Some(at) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(at);
            }
            continue;
        }
        let name = element_name(tag);
        if name.is_empty() || tag.starts_with('!') || tag.starts_with('?') || tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "script" || name == "style" {
            // Their text is not markup: skip to their end tag.
            if let Some(p) = find_end_tag(&html[i..], &name) {
                i += p;
                continue;
            }
        }
        stack.push(name);
    }
    stack
}

/// Where `</name` (any case) starts in `s`.
fn find_end_tag(s: &str, name: &str) -> Option<usize> {
    s.match_indices("</")
        .map(|(p, _)| p)
        .find(|&p| s.as_bytes().get(p + 2..p + 2 + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes())))
}

/// The index of the `>` ending the tag that starts `s`, outside quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn element_name(tag: &str) -> String {
    tag.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::close_open_elements;

    fn closed(s: &str) -> String {
        let mut s = s.to_string();
        close_open_elements(&mut s);
        s
    }

    #[test]
    fn what_the_cut_left_open_is_closed_innermost_first() {
        assert_eq!(closed("<div style=\"a>b\"><section><p>x</p>"), "<div style=\"a>b\"><section><p>x</p></section></div>");
        assert_eq!(closed("<p>a<br>b<img src=x alt='>'></p><hr/>"), "<p>a<br>b<img src=x alt='>'></p><hr/>");
        assert_eq!(closed("<!-- <div> --><script>if (a<b) {}</script><em>x"), "<!-- <div> --><script>if (a<b) {}</script><em>x</em>");
        assert_eq!(closed("<DIV>x</div>"), "<DIV>x</div>");
        assert_eq!(closed("a < b and c > d"), "a < b and c > d");
    }
}
