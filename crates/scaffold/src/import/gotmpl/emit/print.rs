//! Printing a value as Go escapes it where it lands (text, attribute, URL, CSS).

use super::super::html::*;
use super::super::{refuse, R};
use super::{Kind, Tr, Val};
use std::fmt::Write as _;

impl Tr<'_> {
    pub(super) fn print(&mut self, v: &Val, line: usize) -> R<()> {
        let Val::V(code, kind) = v else { return refuse(line, "{{ . }}", "printing the page, the site or the shortcode is not ported") };
        let spot = match self.ctx.spot() {
            Ok(s) => s,
            Err(why) => return refuse(line, "{{ … }}", why),
        };
        let expr = match (spot, kind) {
            (_, Kind::Params | Kind::PageParams | Kind::Map) => return refuse(line, "{{ .Params }}", "printing a whole map is not ported"),
            (Spot::Text, Kind::Html) => format!("{code} | safe"),
            (Spot::Text, _) => code.clone(),
            // Go strips the tags of HTML printed in an attribute.
            (Spot::Attr, Kind::Html) => format!("{code} | go_attr_html | safe"),
            (Spot::Attr, _) => code.clone(),
            (Spot::Css, Kind::Css) => code.clone(),
            (Spot::Css, _) => format!("{code} | go_css"),
            (_, Kind::Css) => return refuse(line, "safeCSS", "CSS printed outside a style attribute is not ported"),
            (Spot::Url(part), kind) => {
                let part = match part {
                    UrlPart::Start if *kind == Kind::Url => "path",
                    UrlPart::Start => "start",
                    UrlPart::Path => "path",
                    UrlPart::Query => "query",
                };
                format!("{code} | go_url(part=\"{part}\")")
            }
            (Spot::AttrName, Kind::Attr) => format!("{code} | safe"),
            (Spot::AttrName, _) => return refuse(line, "{{ … }}", "a value printed inside a tag is only ported through safeHTMLAttr"),
        };
        let _ = write!(self.out, "{{{{ {expr} }}}}");
        Ok(())
    }
}
