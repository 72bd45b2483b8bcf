//! Fields and methods: of the shortcode (`.Get`, `.Inner`, `.Params`…), of the page, of the
//! site, and of values (map keys).

use super::super::{refuse, R};
use super::funcs::string_literal;
use super::writer::lit;
use super::{Kind, Tr, Val};
use std::fmt::Write as _;

/// Front-matter keys myblog keeps out of `page.extra` (it has its own fields for them).
pub(super) const PAGE_FIELDS: &[&str] = &[
    "tags",
    "description",
    "date",
    "lastmod",
    "updated",
    "modified",
    "publishdate",
    "pubdate",
    "published",
    "expirydate",
    "unpublishdate",
    "expires",
    "draft",
    "slug",
    "url",
    "path",
    "aliases",
    "title",
    "author",
    "announce",
    "params",
    "extra",
    "taxonomies",
];

impl Tr<'_> {
    /// `base.A.B…`; `args` go to the last one (a method).
    pub(super) fn fields(&mut self, base: Val, chain: &[String], args: Vec<Val>, line: usize) -> R<Val> {
        let mut v = base;
        for (i, f) in chain.iter().enumerate() {
            let last = i + 1 == chain.len();
            let a = if last { args.clone() } else { Vec::new() };
            v = self.field(v, f, a, line)?;
        }
        Ok(v)
    }

    pub(super) fn field(&mut self, base: Val, f: &str, args: Vec<Val>, line: usize) -> R<Val> {
        let no_args = |_: &Self, v: Val| -> R<Val> {
            if args.is_empty() {
                Ok(v)
            } else {
                refuse(line, format!(".{f}"), "takes no arguments")
            }
        };
        match base {
            Val::Root => match f {
                "Get" => {
                    let [k] = args.as_slice() else { return refuse(line, ".Get", "takes one argument") };
                    let Val::V(k, _) = k else { return refuse(line, ".Get", "takes a name or a position") };
                    if k.parse::<usize>().is_ok() {
                        Ok(self.tmp(&format!("args | nth(n={k})"), Kind::Text))
                    } else if k.starts_with(['"', '\'', '`']) {
                        Ok(self.tmp(&format!("named | get(key={k}, default=\"\")"), Kind::Text))
                    } else {
                        // A variable: a position if it holds a number, else a name, as Go decides
                        // at run time.
                        let t = self.fresh();
                        let _ = write!(
                            self.out,
                            "{{% if {k} is number %}}{{% set {t} = args | nth(n={k}) %}}{{% else %}}{{% set {t} = named | get(key={k} | as_str, default=\"\") %}}{{% endif %}}"
                        );
                        Ok(Val::V(t, Kind::Text))
                    }
                }
                "Params" => {
                    let t = self.fresh();
                    let _ = write!(self.out, "{{% if named %}}{{% set {t} = named %}}{{% else %}}{{% set {t} = args %}}{{% endif %}}");
                    no_args(self, Val::V(t, Kind::Params))
                }
                "Inner" => no_args(self, Val::V("body | default(value=\"\")".into(), Kind::Html)).map(|v| self.hoist(v)),
                "InnerDeindent" => no_args(self, Val::V("body | default(value=\"\") | deindent".into(), Kind::Html)).map(|v| self.hoist(v)),
                "Page" => no_args(self, Val::Page),
                "Site" => no_args(self, Val::Site),
                "Name" => no_args(self, Val::V(lit(self.name).unwrap_or_default(), Kind::Text)),
                "Ordinal" => no_args(self, Val::V("nth - 1".into(), Kind::Text)).map(|v| self.hoist(v)),
                "IsNamedParams" => no_args(self, Val::V("named | length > 0".into(), Kind::Text)).map(|v| self.hoist(v)),
                _ => refuse(line, format!(".{f}"), "this shortcode method is not ported"),
            },
            Val::Page => match f {
                "Title" => no_args(self, Val::V("page.title".into(), Kind::Text)),
                "Permalink" => no_args(self, Val::V("page.permalink".into(), Kind::Text)),
                "RelPermalink" => no_args(self, Val::V("page.path".into(), Kind::Text)),
                "Params" => no_args(self, Val::V("page.extra".into(), Kind::PageParams)),
                "Site" => no_args(self, Val::Site),
                "Page" => no_args(self, Val::Page),
                "RenderString" => match args.as_slice() {
                    [Val::V(c, _)] => Ok(self.tmp(&format!("{c} | markdownify"), Kind::Html)),
                    _ => refuse(line, ".RenderString", "is ported with one argument (the markdown), without options"),
                },
                "Param" => match args.as_slice() {
                    [v] if string_literal(v).is_some_and(|k| k != "title" && PAGE_FIELDS.contains(&k.to_ascii_lowercase().as_str())) => {
                        refuse(line, ".Param", "myblog keeps this front-matter key out of page params")
                    }
                    [Val::V(c, _)] => Ok(self.tmp(&format!("page_param(key={c}, page=page, config=config)"), Kind::Text)),
                    _ => refuse(line, ".Param", "takes one argument"),
                },
                _ => refuse(line, format!(".Page.{f}"), "this page field is not ported (shortcodes see the title, permalinks and params)"),
            },
            Val::Site => match f {
                "Title" => no_args(self, Val::V("config.title".into(), Kind::Text)),
                "BaseURL" => no_args(self, Val::V("config.base_url ~ \"/\"".into(), Kind::Text)).map(|v| self.hoist(v)),
                "Params" => no_args(self, Val::V("config.extra".into(), Kind::Map)),
                "LanguageCode" => no_args(self, Val::V("config.language".into(), Kind::Text)),
                "Site" => no_args(self, Val::Site),
                _ => refuse(
                    line,
                    format!(".Site.{f}"),
                    "this site field is not ported (shortcodes see the title, base URL, language code and params)",
                ),
            },
            Val::V(code, kind) => {
                if !args.is_empty() {
                    return refuse(line, format!(".{f}"), "methods of values are not ported");
                }
                if kind == Kind::PageParams && PAGE_FIELDS.contains(&f.to_ascii_lowercase().as_str()) {
                    return refuse(line, format!(".Params.{f}"), "myblog keeps this front-matter key out of page params");
                }
                let key = lit(f).unwrap_or_default();
                Ok(self.tmp(&format!("{code} | field(key={key})"), Kind::Text))
            }
        }
    }
}
