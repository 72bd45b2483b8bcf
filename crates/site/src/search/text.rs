//! A page's text as a reader sees it: its rendered HTML without tags, scripts and styles,
//! character references decoded.

/// Elements whose content is not text a reader reads.
const SKIPPED: [&str; 4] = ["script", "style", "template", "svg"];

pub fn page_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        text.push(' ');
        let tag = &rest[lt + 1..];
        let Some(gt) = tag.find('>') else {
            rest = "";
            break;
        };
        let name_end = tag.bytes().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        rest = &tag[gt + 1..];
        if let Some(skipped) = SKIPPED.iter().find(|s| s.eq_ignore_ascii_case(name)).filter(|_| !tag[..gt].ends_with('/')) {
            let close = format!("</{skipped}");
            rest = match find_ignore_case(rest, &close) {
                Some(i) => rest[i..].find('>').map_or("", |g| &rest[i + g + 1..]),
                None => "",
            };
        }
    }
    text.push_str(rest);
    match myblog_utils::unescape_html(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(s) => s,
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_scripts_and_styles_go_and_references_are_decoded() {
        let t = page_text("<p>Fish &amp; chips</p><script>var x = 1;</script><STYLE>p{}</Style><p>caf&#233;<br/>end</p>");
        let words: Vec<&str> = t.split_whitespace().collect();
        assert_eq!(words, ["Fish", "&", "chips", "café", "end"]);
    }

    #[test]
    fn an_unclosed_tag_ends_the_text() {
        assert_eq!(page_text("a <b").split_whitespace().collect::<Vec<_>>(), ["a"]);
        assert_eq!(page_text("a <script>x").split_whitespace().collect::<Vec<_>>(), ["a"]);
    }
}
