//! HTML context, as Go's escaper tracks it (enough to escape values the same way).

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Html {
    Text,
    /// Inside a start tag, between attributes.
    Tag {
        raw: Option<String>,
    },
    AttrName {
        name: String,
        raw: Option<String>,
    },
    /// After `name=`, before the value.
    BeforeValue {
        name: String,
        raw: Option<String>,
    },
    Value {
        name: String,
        quote: char,
        seen: String,
        raw: Option<String>,
    },
    /// Inside `<script>` or `<style>` (the element's name).
    RawText(String),
    Comment,
}

/// What a value printed at a point of the HTML is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Spot {
    Text,
    Attr,
    /// A value in a `style` attribute, outside CSS strings and `url(…)`.
    Css,
    Url(UrlPart),
    AttrName,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum UrlPart {
    Start,
    Path,
    Query,
}

pub(super) const URL_ATTRS: &[&str] = &[
    "action",
    "archive",
    "background",
    "cite",
    "classid",
    "codebase",
    "data",
    "formaction",
    "href",
    "icon",
    "longdesc",
    "manifest",
    "poster",
    "profile",
    "src",
    "usemap",
    "xmlns",
];

/// What a URL attribute's `seen` holds after branches that left it at different parts.
const AMBIGUOUS: char = '\u{0}';

impl Html {
    /// Advances over template text; returns the text to write (comments dropped, as Go does).
    pub(super) fn advance(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            let c = rest.chars().next().expect("not empty");
            let mut take = c.len_utf8();
            let mut write = true;
            match self {
                Html::Text => {
                    if rest.starts_with("<!--") {
                        *self = Html::Comment;
                        take = 4;
                        write = false;
                    } else if c == '<' {
                        let after = rest[1..].trim_start_matches('/');
                        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
                        if !name.is_empty() && after.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                            let end_tag = rest[1..].starts_with('/');
                            let raw = (!end_tag && matches!(name.as_str(), "script" | "style")).then_some(name.clone());
                            take = 1 + (rest.len() - 1 - after.len()) + name.len();
                            *self = Html::Tag { raw };
                        }
                    }
                }
                Html::Comment => {
                    write = false;
                    if rest.starts_with("-->") {
                        take = 3;
                        *self = Html::Text;
                    }
                }
                Html::RawText(name) => {
                    if rest.len() >= 2 + name.len() && rest[..2 + name.len()].eq_ignore_ascii_case(&format!("</{name}")) {
                        take = 2 + name.len();
                        *self = Html::Tag { raw: None };
                    }
                }
                Html::Tag { raw } => {
                    if c == '>' {
                        *self = match raw.take() {
                            Some(n) => Html::RawText(n),
                            None => Html::Text,
                        };
                    } else if !c.is_whitespace() && c != '/' {
                        *self = Html::AttrName { name: c.to_ascii_lowercase().to_string(), raw: raw.take() };
                    }
                }
                Html::AttrName { name, raw } => {
                    if c == '=' {
                        *self = Html::BeforeValue { name: std::mem::take(name), raw: raw.take() };
                    } else if c == '>' {
                        *self = match raw.take() {
                            Some(n) => Html::RawText(n),
                            None => Html::Text,
                        };
                    } else if c.is_whitespace() || c == '/' {
                        *self = Html::Tag { raw: raw.take() };
                    } else {
                        name.push(c.to_ascii_lowercase());
                    }
                }
                Html::BeforeValue { name, raw } => {
                    if c == '"' || c == '\'' {
                        *self = Html::Value { name: std::mem::take(name), quote: c, seen: String::new(), raw: raw.take() };
                    } else if !c.is_whitespace() {
                        *self = Html::Value { name: std::mem::take(name), quote: ' ', seen: c.to_string(), raw: raw.take() };
                    }
                }
                Html::Value { quote, seen, raw, .. } => {
                    let ends = if *quote == ' ' { c.is_whitespace() || c == '>' } else { c == *quote };
                    if ends {
                        let raw = raw.take();
                        if c == '>' {
                            *self = match raw {
                                Some(n) => Html::RawText(n),
                                None => Html::Text,
                            };
                        } else {
                            *self = Html::Tag { raw };
                        }
                    } else {
                        seen.push(c);
                    }
                }
            }
            if write {
                out.push_str(&rest[..take]);
            }
            i += take;
        }
        out
    }

    /// Where a value printed now lands, or why Go's escaping there is not ported.
    pub(super) fn spot(&self) -> Result<Spot, &'static str> {
        match self {
            Html::Text => Ok(Spot::Text),
            Html::Tag { .. } => Ok(Spot::AttrName),
            Html::AttrName { .. } | Html::BeforeValue { .. } => {
                Err("a value printed as part of an attribute's name or right after `=` is not ported (quote the value)")
            }
            Html::RawText(_) => Err("values inside <script> or <style> (JavaScript or CSS escaping) are not ported"),
            Html::Comment => Err("values inside an HTML comment are not ported"),
            Html::Value { name, quote, seen, .. } => {
                if *quote == ' ' {
                    return Err("a value in an unquoted attribute is not ported (quote the attribute)");
                }
                let name = name.strip_prefix("data-").unwrap_or(name);
                let name = name.rsplit(':').next().unwrap_or(name);
                if name.starts_with("on") {
                    return Err("values in event handler attributes (JavaScript escaping) are not ported");
                }
                if name == "style" {
                    let open = seen.matches('(').count() > seen.matches(')').count();
                    if open || seen.matches('"').count() % 2 == 1 || seen.matches('\'').count() % 2 == 1 || seen.contains("/*") {
                        return Err("values inside a CSS string, url(…) or comment in a style attribute are not ported");
                    }
                    return Ok(Spot::Css);
                }
                if name == "srcset" {
                    return Err("values in srcset attributes are not ported");
                }
                if URL_ATTRS.contains(&name) || name.contains("src") || name.contains("uri") || name.contains("url") {
                    return Ok(Spot::Url(if seen.contains(['?', '#']) {
                        UrlPart::Query
                    } else if seen.contains(AMBIGUOUS) {
                        return Err("a value after a branch that may have begun the URL's query is ambiguous (Go refuses it too)");
                    } else if seen.is_empty() {
                        UrlPart::Start
                    } else {
                        UrlPart::Path
                    }));
                }
                Ok(Spot::Attr)
            }
        }
    }

    /// The context after two branches ending in `self` and `other`, if they agree; as Go's
    /// escaper, between attributes and right after an attribute's name agree
    /// (`<video {{ if .x }}autoplay{{ end }}>`).
    pub(super) fn join(&self, other: &Html) -> Option<Html> {
        if self.same(other) {
            return Some(self.clone());
        }
        match (self, other) {
            (Html::Tag { raw: a }, n @ Html::AttrName { raw: b, .. }) | (n @ Html::AttrName { raw: b, .. }, Html::Tag { raw: a })
                if a == b =>
            {
                Some(n.clone())
            }
            // Branches that leave a URL at different parts (`src="…{{ if .x }}?a=b{{ end }}"`):
            // Go joins them into an unknown part, where text may go on and a value may not.
            (Html::Value { name: a, quote: q, raw: x, .. }, Html::Value { name: b, quote: r, raw: y, .. })
                if a == b && q == r && x == y && matches!(self.spot(), Ok(Spot::Url(_))) && matches!(other.spot(), Ok(Spot::Url(_))) =>
            {
                Some(Html::Value { name: a.clone(), quote: *q, seen: AMBIGUOUS.to_string(), raw: x.clone() })
            }
            _ => None,
        }
    }

    /// Whether two contexts are the same for escaping: in the same attribute, what is written
    /// so far matters only as far as it changes where a value lands (a URL's part, a CSS
    /// string), as Go's escaper joins them; `class="{{ if .x }}a {{ end }}…"` is one context.
    pub(super) fn same(&self, other: &Html) -> bool {
        match (self, other) {
            (Html::Value { name: a, quote: q, raw: x, .. }, Html::Value { name: b, quote: r, raw: y, .. }) => {
                a == b && q == r && x == y && self.spot() == other.spot()
            }
            _ => self == other,
        }
    }
}
