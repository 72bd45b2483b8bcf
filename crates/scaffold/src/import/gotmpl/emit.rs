//! Emitting tera.

use super::html::*;
use super::syntax::*;
use super::{refuse, Untranslatable, R};
use std::fmt::Write as _;

/// What a value is, for Go's escaping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Plain data: escaped when printed.
    Text,
    /// `template.HTML` (`safeHTML`, `.Inner`, `markdownify`): printed as is.
    Html,
    /// `template.URL` (`safeURL`).
    Url,
    /// `template.HTMLAttr` (`safeHTMLAttr`).
    Attr,
    /// `template.CSS` (`safeCSS`).
    Css,
    /// `.Params`: named arguments (a map) or positional ones (a list).
    Params,
    /// `.Page.Params`: front-matter keys myblog keeps in `page.extra`.
    PageParams,
    /// `.Site.Params`, `slice`: a map or a list (Go prints them as `map[…]`, `[…]`, which is
    /// not ported).
    Map,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// The shortcode (`$`, and `.` outside `with` / `range`).
    Root,
    Page,
    Site,
    /// A tera variable or literal.
    V(String, Kind),
}

#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) go: String,
    pub(super) val: Val,
    /// Loop depth where it was declared (tera's `set` in a loop is local to it).
    pub(super) loops: usize,
}

pub(super) struct Tr<'a> {
    pub(super) name: &'a str,
    pub(super) out: String,
    pub(super) tmp: usize,
    pub(super) scopes: Vec<Vec<Var>>,
    pub(super) loops: usize,
    pub(super) dots: Vec<Val>,
    pub(super) ctx: Html,
}

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

pub(super) fn lit(s: &str) -> Option<String> {
    ['"', '\'', '`'].into_iter().find(|q| !s.contains(*q)).map(|q| format!("{q}{s}{q}"))
}

impl Tr<'_> {
    fn fresh(&mut self) -> String {
        self.tmp += 1;
        format!("t_{}", self.tmp)
    }

    fn set(&mut self, name: &str, expr: &str) {
        let _ = write!(self.out, "{{% set {name} = {expr} %}}");
    }

    /// A new variable holding `expr`.
    fn tmp(&mut self, expr: &str, kind: Kind) -> Val {
        let t = self.fresh();
        self.set(&t, expr);
        Val::V(t, kind)
    }

    fn nodes(&mut self, nodes: &[Node]) -> R<()> {
        for n in nodes {
            self.node(n)?;
        }
        Ok(())
    }

    fn text(&mut self, t: &str) {
        let t = self.ctx.advance(t);
        // Tera syntax in the text stays text; so does a `{` that our next tag would extend.
        if t.contains("{{") || t.contains("{%") || t.contains("{#") || t.ends_with('{') {
            let _ = write!(self.out, "{{% raw %}}{t}{{% endraw %}}");
        } else {
            self.out.push_str(&t);
        }
    }

    fn node(&mut self, n: &Node) -> R<()> {
        match n {
            Node::Text(t) => self.text(t),
            Node::Print(p) => {
                let v = self.pipe(p)?;
                if p.vars.is_empty() {
                    self.print(&v, p.line)?;
                }
            }
            Node::Break(l) | Node::Continue(l) => {
                if self.loops == 0 {
                    return refuse(*l, "break", "outside a range");
                }
                self.out.push_str(if matches!(n, Node::Break(_)) { "{% break %}" } else { "{% continue %}" });
            }
            Node::Cond { with, branches, otherwise } => self.cond(*with, branches, otherwise.as_deref(), 0)?,
            Node::Range { pipe, body, otherwise } => self.range(pipe, body, otherwise.as_deref())?,
        }
        Ok(())
    }

    fn block(&mut self, body: &[Node], dot: Option<Val>) -> R<Html> {
        self.scopes.push(Vec::new());
        if let Some(d) = &dot {
            self.dots.push(d.clone());
        }
        let r = self.nodes(body);
        if dot.is_some() {
            self.dots.pop();
        }
        self.scopes.pop();
        r.map(|_| self.ctx.clone())
    }

    fn cond(&mut self, with: bool, branches: &[(Pipe, Vec<Node>)], otherwise: Option<&[Node]>, i: usize) -> R<()> {
        let (pipe, body) = &branches[i];
        let before = self.ctx.clone();
        // `with $x := .Get "a"` declares in the with's scope.
        self.scopes.push(Vec::new());
        let v = self.pipe(pipe)?;
        let test = Self::truth(&v);
        let _ = write!(self.out, "{{% if {test} %}}");
        let after = self.block(body, with.then(|| v.clone()))?;
        self.scopes.pop();
        self.ctx = before.clone();
        self.out.push_str("{% else %}");
        if i + 1 < branches.len() {
            self.cond(with, branches, otherwise, i + 1)?;
        } else if let Some(e) = otherwise {
            self.block(e, None)?;
        }
        let other = self.ctx.clone();
        self.out.push_str("{% endif %}");
        let Some(joined) = after.join(&other) else {
            return refuse(pipe.line, if with { "with" } else { "if" }, "its branches end in different HTML contexts");
        };
        self.ctx = joined;
        Ok(())
    }

    fn range(&mut self, pipe: &Pipe, body: &[Node], otherwise: Option<&[Node]>) -> R<()> {
        let line = pipe.line;
        let before = self.ctx.clone();
        let head = Pipe { vars: Vec::new(), assign: false, cmds: pipe.cmds.clone(), line };
        let v = self.pipe(&head)?;
        let Val::V(code, _) = v else { return refuse(line, "range", "only over a list or a map") };
        if pipe.vars.len() > 2 || pipe.assign {
            return refuse(line, "range", "takes `$v :=` or `$i, $v :=`");
        }
        let _ = write!(self.out, "{{% if {code} %}}");
        // Go ranges over a map's values in key order (as serde_json's maps are) and over a
        // list's items: which one it is shows at run time.
        let forms: &[bool] = &[true, false];
        for (n, map) in forms.iter().enumerate() {
            if n == 0 {
                let _ = write!(self.out, "{{% if {code} is object %}}");
            } else {
                self.out.push_str("{% else %}");
            }
            self.ctx = before.clone();
            let item = self.fresh();
            let key = self.fresh();
            if *map {
                let _ = write!(self.out, "{{% for {key}, {item} in {code} %}}");
            } else {
                let _ = write!(self.out, "{{% for {item} in {code} %}}");
            }
            self.loops += 1;
            self.scopes.push(Vec::new());
            if !*map && pipe.vars.len() == 2 {
                self.set(&key, "loop.index0");
            }
            let names: Vec<(String, String)> = match pipe.vars.as_slice() {
                [v] => vec![(v.clone(), item.clone())],
                [k, v] => vec![(k.clone(), key.clone()), (v.clone(), item.clone())],
                _ => vec![],
            };
            for (go, tera) in names {
                let loops = self.loops;
                self.scopes.last_mut().expect("scope").push(Var { go, val: Val::V(tera, Kind::Text), loops });
            }
            let r = self.block(body, Some(Val::V(item, Kind::Text)));
            self.scopes.pop();
            self.loops -= 1;
            let after = r?;
            self.out.push_str("{% endfor %}");
            if after.join(&before).is_none() {
                return refuse(line, "range", "its body ends in another HTML context than it starts in");
            }
        }
        self.out.push_str("{% endif %}{% else %}");
        self.ctx = before.clone();
        if let Some(e) = otherwise {
            self.block(e, None)?;
        }
        self.out.push_str("{% endif %}");
        if let Some(joined) = self.ctx.join(&before) {
            self.ctx = joined;
        } else {
            return refuse(line, "range", "its else ends in another HTML context than it starts in");
        }
        Ok(())
    }

    fn lookup(&self, go: &str) -> Option<&Var> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|v| v.go == go)
    }

    /// A pipeline: its value, after declaring or assigning its variables.
    fn pipe(&mut self, p: &Pipe) -> R<Val> {
        let mut v: Option<Val> = None;
        for cmd in &p.cmds {
            v = Some(self.command(cmd, v, p.line)?);
        }
        let v = v.expect("a pipeline has a command");
        match p.vars.as_slice() {
            [] => {}
            [go] if p.assign => {
                let Some(var) = self.lookup(go).cloned() else { return refuse(p.line, go.clone(), "assigned before it is declared") };
                let (Val::V(target, old), Val::V(code, new)) = (&var.val, &v) else {
                    return refuse(p.line, go.clone(), "reassigning the page, site or shortcode is not ported");
                };
                if old != new && (*old == Kind::Html || *new == Kind::Html || *old == Kind::Params || *new == Kind::Params) {
                    return refuse(p.line, go.clone(), "a variable that holds HTML at times and text at others is not ported");
                }
                if var.loops == self.loops {
                    self.set(target, code);
                } else if var.loops == 0 {
                    let _ = write!(self.out, "{{% set_global {target} = {code} %}}");
                } else {
                    return refuse(p.line, go.clone(), "assigning in a nested range a variable declared in an outer range is not ported");
                }
            }
            [go] => {
                let val = match &v {
                    Val::V(code, kind) => {
                        let t = self.fresh();
                        self.set(&t, code);
                        Val::V(t, *kind)
                    }
                    other => other.clone(),
                };
                let loops = self.loops;
                self.scopes.last_mut().expect("scope").push(Var { go: go.clone(), val, loops });
            }
            _ => return refuse(p.line, p.vars.join(", "), "two variables are only ported in range"),
        }
        Ok(v)
    }

    fn code(&self, v: &Val, line: usize, what: &str) -> R<String> {
        match v {
            Val::V(c, _) => Ok(c.clone()),
            _ => refuse(line, what, "the page, the site or the shortcode itself is not a value here"),
        }
    }

    /// A tera condition for Go's truth of `v`.
    fn truth(v: &Val) -> String {
        match v {
            Val::V(c, _) => c.clone(),
            _ => "true".into(),
        }
    }

    fn print(&mut self, v: &Val, line: usize) -> R<()> {
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

    fn command(&mut self, cmd: &[Operand], piped: Option<Val>, line: usize) -> R<Val> {
        match &cmd[0] {
            Operand::Ident(f, fields) if fields.is_empty() && !matches!(f.as_str(), "site" | "page") => {
                if let Some(why) = unported(f) {
                    return refuse(line, f.clone(), why);
                }
                let mut args = Vec::new();
                // `and` / `or` compile their operands themselves, lazily; a warning's are never
                // needed (`.Position` and the like, which only name the call site).
                if !matches!(f.as_str(), "and" | "or") && !is_warning(f) {
                    for a in &cmd[1..] {
                        args.push(self.operand(a, line)?);
                    }
                }
                self.func(f, args, piped, &cmd[1..], line)
            }
            first => {
                // A method call: `.Get "x"`, `.Page.RenderString .Inner`.
                let (base, chain) = match first {
                    Operand::Dot(f) => (self.dots.last().cloned().expect("dot"), f.clone()),
                    Operand::Var(v, f) => (self.var(v, line)?, f.clone()),
                    Operand::Ident(w, f) => (if w == "site" { Val::Site } else { Val::Page }, f.clone()),
                    Operand::Sub(p, f) => (self.pipe(p)?, f.clone()),
                    other if cmd.len() == 1 && piped.is_none() => return self.operand(other, line),
                    other => return refuse(line, format!("{other:?}"), "is not a function"),
                };
                // `.Page.RenderString (dict "display" "block") x` (Hugo's own `details`): the
                // markdown rendered whole, its paragraphs kept.
                let mut rest: &[Operand] = &cmd[1..];
                let mut block = false;
                if chain.last().is_some_and(|f| f == "RenderString") {
                    if let Some((display, after)) = rest.split_first().and_then(|(o, after)| Some((display_option(o)?, after))) {
                        block = display == "block";
                        rest = after;
                    }
                }
                let mut args = Vec::new();
                for a in rest {
                    args.push(self.operand(a, line)?);
                }
                args.extend(piped);
                if block {
                    let page_like = matches!(base, Val::Root | Val::Page) && chain[..chain.len() - 1].iter().all(|f| f == "Page");
                    return match args.as_slice() {
                        [Val::V(c, _)] if page_like => Ok(self.tmp(&format!("{c} | as_str | markdown"), Kind::Html)),
                        _ => refuse(line, ".RenderString", "is ported with the markdown and a display option"),
                    };
                }
                if !args.is_empty() && chain.is_empty() {
                    return refuse(line, "(…)", "is not a function");
                }
                self.fields(base, &chain, args, line)
            }
        }
    }

    fn var(&self, v: &str, line: usize) -> R<Val> {
        if v == "$" {
            return Ok(Val::Root);
        }
        match self.lookup(v) {
            Some(var) => Ok(var.val.clone()),
            None => refuse(line, v, "is not declared"),
        }
    }

    fn operand(&mut self, op: &Operand, line: usize) -> R<Val> {
        Ok(match op {
            Operand::Str(s) => match lit(s) {
                Some(l) => Val::V(l, Kind::Text),
                None => return refuse(line, s.clone(), "a string with all three quote characters is not ported"),
            },
            Operand::Num(n) => Val::V(n.clone(), Kind::Text),
            Operand::Bool(b) => Val::V(b.to_string(), Kind::Text),
            Operand::Nil => return refuse(line, "nil", "is not ported"),
            Operand::Dot(f) => {
                let d = self.dots.last().cloned().expect("dot");
                self.fields(d, f, Vec::new(), line)?
            }
            Operand::Var(v, f) => {
                let b = self.var(v, line)?;
                self.fields(b, f, Vec::new(), line)?
            }
            Operand::Ident(w, f) if w == "site" => self.fields(Val::Site, f, Vec::new(), line)?,
            Operand::Ident(w, f) if w == "page" => self.fields(Val::Page, f, Vec::new(), line)?,
            Operand::Ident(w, f) if f.is_empty() => self.func(w, Vec::new(), None, &[], line)?,
            Operand::Ident(w, _) => return refuse(line, w.clone(), "fields of a function's result are not ported"),
            Operand::Sub(p, f) => {
                let b = self.pipe(p)?;
                self.fields(b, f, Vec::new(), line)?
            }
        })
    }

    /// `base.A.B…`; `args` go to the last one (a method).
    fn fields(&mut self, base: Val, chain: &[String], args: Vec<Val>, line: usize) -> R<Val> {
        let mut v = base;
        for (i, f) in chain.iter().enumerate() {
            let last = i + 1 == chain.len();
            let a = if last { args.clone() } else { Vec::new() };
            v = self.field(v, f, a, line)?;
        }
        Ok(v)
    }

    fn field(&mut self, base: Val, f: &str, args: Vec<Val>, line: usize) -> R<Val> {
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

    /// Computes an expression into a variable (tera's grammar then only ever sees names).
    fn hoist(&mut self, v: Val) -> Val {
        match v {
            Val::V(c, k) => self.tmp(&c, k),
            o => o,
        }
    }

    fn func(&mut self, f: &str, mut args: Vec<Val>, piped: Option<Val>, raw: &[Operand], line: usize) -> R<Val> {
        // Go's `and` / `or` evaluate lazily: the later operands only when needed.
        if f == "and" || f == "or" {
            let mut ops: Vec<Operand> = raw.to_vec();
            if piped.is_some() && ops.is_empty() {
                return refuse(line, f, "needs its operands");
            }
            let t = self.fresh();
            // Which operand's value `t` holds, for escaping a text one when another is HTML.
            let which = self.fresh();
            let mut kinds = Vec::new();
            let mut opened = 0;
            let last_piped = piped;
            let n = ops.len() + usize::from(last_piped.is_some());
            for i in 0..n {
                let v = if i < ops.len() {
                    let op = std::mem::replace(&mut ops[i], Operand::Nil);
                    self.operand(&op, line)?
                } else {
                    last_piped.clone().expect("piped")
                };
                let c = match &v {
                    Val::V(c, k) => {
                        kinds.push(*k);
                        c.clone()
                    }
                    _ => "true".into(),
                };
                self.set(&t, &c);
                self.set(&which, &i.to_string());
                if i + 1 < n {
                    let _ = write!(self.out, "{{% if {}{t} %}}", if f == "and" { "" } else { "not " });
                    opened += 1;
                }
            }
            for _ in 0..opened {
                self.out.push_str("{% endif %}");
            }
            let (kind, escape) = unify(&kinds, line, f)?;
            for (i, k) in kinds.iter().enumerate() {
                if escape.contains(k) {
                    let _ = write!(self.out, "{{% if {which} == {i} %}}{{% set {t} = {t} | as_str | escape %}}{{% endif %}}");
                }
            }
            return Ok(Val::V(t, kind));
        }
        args.extend(piped);
        let mut codes = Vec::new();
        for a in &args {
            codes.push(self.code(a, line, f)?);
        }
        let kinds: Vec<Kind> = args.iter().map(|a| if let Val::V(_, k) = a { *k } else { Kind::Text }).collect();
        let n = codes.len();
        let arity = |want: usize| -> R<()> {
            if n == want {
                Ok(())
            } else {
                refuse(line, f, format!("takes {want} argument{}", if want == 1 { "" } else { "s" }))
            }
        };
        let c = |i: usize| codes[i].clone();
        if let Some((_, filter)) = UNARY.iter().find(|(names, _)| names.contains(&f)) {
            arity(1)?;
            return Ok(self.tmp(&format!("{} | {filter}", c(0)), Kind::Text));
        }
        Ok(match f {
            "default" => {
                arity(2)?;
                let t = self.fresh();
                let (kind, escape) = unify(&kinds, line, f)?;
                let esc = |k: Kind| if escape.contains(&k) { " | as_str | escape" } else { "" };
                let _ = write!(
                    self.out,
                    "{{% set {t} = {} %}}{{% if {t} %}}{{% set {t} = {t}{} %}}{{% else %}}{{% set {t} = {}{} %}}{{% endif %}}",
                    c(1),
                    esc(kinds[1]),
                    c(0),
                    esc(kinds[0])
                );
                Val::V(t, kind)
            }
            // Both values are computed first, as Go's arguments are.
            "cond" => {
                arity(3)?;
                let t = self.fresh();
                let (kind, escape) = unify(&kinds[1..], line, f)?;
                let esc = |k: Kind| if escape.contains(&k) { " | as_str | escape" } else { "" };
                let _ = write!(
                    self.out,
                    "{{% if {} %}}{{% set {t} = {}{} %}}{{% else %}}{{% set {t} = {}{} %}}{{% endif %}}",
                    c(0),
                    c(1),
                    esc(kinds[1]),
                    c(2),
                    esc(kinds[2])
                );
                Val::V(t, kind)
            }
            "safeHTML" => {
                arity(1)?;
                Val::V(c(0), Kind::Html)
            }
            "safeURL" => {
                arity(1)?;
                Val::V(c(0), Kind::Url)
            }
            "safeHTMLAttr" => {
                arity(1)?;
                Val::V(c(0), Kind::Attr)
            }
            "safeCSS" => {
                arity(1)?;
                Val::V(c(0), Kind::Css)
            }
            "markdownify" | "transform.Markdownify" => {
                arity(1)?;
                self.tmp(&format!("{} | markdownify", c(0)), Kind::Html)
            }
            "trim" | "strings.Trim" => {
                arity(2)?;
                let Some(cut) = string_literal(&args[1]) else { return refuse(line, f, "is ported with a quoted set of characters") };
                if !cut.is_empty() && cut.chars().all(|c| GO_SPACE.contains(&c)) && GO_SPACE.iter().all(|c| cut.contains(*c)) {
                    self.tmp(&format!("{} | as_str | trim", c(0)), Kind::Text)
                } else if cut.chars().count() == 1 {
                    self.tmp(&format!("{} | as_str | trim_start_matches(pat={}) | trim_end_matches(pat={})", c(0), c(1), c(1)), Kind::Text)
                } else {
                    return refuse(line, f, "is ported with one character, or \" \\t\\r\\n\"");
                }
            }
            "printf" => {
                let Some(fmt) = args.first().and_then(string_literal) else { return refuse(line, f, "is ported with a quoted format") };
                let mut parts: Vec<String> = Vec::new();
                let mut lit_part = String::new();
                let mut next = 1;
                let mut chars = fmt.chars();
                while let Some(ch) = chars.next() {
                    if ch != '%' {
                        lit_part.push(ch);
                        continue;
                    }
                    match chars.next() {
                        Some('%') => lit_part.push('%'),
                        Some('s' | 'd' | 'v') if next < n => {
                            if !lit_part.is_empty() {
                                parts.push(lit(&lit_part).ok_or(Untranslatable { line, construct: f.into(), why: "quotes".into() })?);
                                lit_part.clear();
                            }
                            parts.push(c(next));
                            next += 1;
                        }
                        other => {
                            return refuse(
                                line,
                                format!("printf %{}", other.map(String::from).unwrap_or_default()),
                                "only %s, %d, %v and %% are ported",
                            )
                        }
                    }
                }
                if next != n {
                    return refuse(line, f, "has more arguments than its format uses");
                }
                if !lit_part.is_empty() || parts.is_empty() {
                    parts.push(lit(&lit_part).ok_or(Untranslatable { line, construct: f.into(), why: "quotes".into() })?);
                }
                self.concat(&parts)
            }
            "print" => {
                // Go's Sprint puts a space between operands when neither is a string.
                for w in raw.windows(2) {
                    if !matches!(w[0], Operand::Str(_)) && !matches!(w[1], Operand::Str(_)) {
                        return refuse(line, f, "with two values side by side that may not be text is not ported");
                    }
                }
                if n == 0 {
                    return refuse(line, f, "needs an argument");
                }
                self.concat(&codes)
            }
            "index" => {
                if n < 2 {
                    return refuse(line, f, "needs a collection and a key");
                }
                let mut cur = c(0);
                for (i, a) in args.iter().enumerate().skip(1) {
                    let key = c(i);
                    let expr = match a {
                        Val::V(k, _) if k.parse::<usize>().is_ok() => format!("{cur} | nth(n={k})"),
                        _ => format!("{cur} | field(key={key})"),
                    };
                    let Val::V(t, _) = self.tmp(&expr, Kind::Text) else { unreachable!() };
                    cur = t;
                }
                Val::V(cur, Kind::Text)
            }
            "isset" => {
                arity(2)?;
                if c(1).parse::<usize>().is_ok() {
                    self.tmp(&format!("{} | length > {}", c(0), c(1)), Kind::Text)
                } else if string_literal(&args[1]).is_some() {
                    self.tmp(&format!("{} in {}", c(1), c(0)), Kind::Text)
                } else {
                    return refuse(line, f, "is ported with a quoted key or a position");
                }
            }
            "not" => {
                arity(1)?;
                self.tmp(&format!("not {}", c(0)), Kind::Text)
            }
            "eq" => {
                if n < 2 {
                    return refuse(line, f, "needs two values");
                }
                let alts: Vec<String> = (1..n).map(|i| format!("{} == {}", c(0), c(i))).collect();
                self.tmp(&alts.join(" or "), Kind::Text)
            }
            "ne" | "lt" | "le" | "gt" | "ge" => {
                arity(2)?;
                let op = match f {
                    "ne" => "!=",
                    "lt" => "<",
                    "le" => "<=",
                    "gt" => ">",
                    _ => ">=",
                };
                self.tmp(&format!("{} {op} {}", c(0), c(1)), Kind::Text)
            }
            // A list: usable in `in`, `index`, `len`, `range`; printing one is refused (Map).
            "slice" | "collections.Slice" => self.tmp(&format!("[{}]", codes.join(", ")), Kind::Map),
            "in" | "collections.In" => {
                arity(2)?;
                self.tmp(&format!("{} in {}", c(1), c(0)), Kind::Text)
            }
            "split" | "strings.Split" => {
                arity(2)?;
                self.tmp(&format!("{} | as_str | split(pat={})", c(0), c(1)), Kind::Text)
            }
            "replace" | "strings.Replace" | "strings.ReplaceAll" => {
                arity(3)?;
                self.tmp(&format!("{} | as_str | replace(from={}, to={})", c(0), c(1), c(2)), Kind::Text)
            }
            "hasPrefix" | "strings.HasPrefix" => {
                arity(2)?;
                let t = self.tmp(&format!("{} | as_str", c(0)), Kind::Text);
                let t = self.code(&t, line, f)?;
                self.tmp(&format!("{t} is starting_with({})", c(1)), Kind::Text)
            }
            "hasSuffix" | "strings.HasSuffix" => {
                arity(2)?;
                let t = self.tmp(&format!("{} | as_str", c(0)), Kind::Text);
                let t = self.code(&t, line, f)?;
                self.tmp(&format!("{t} is ending_with({})", c(1)), Kind::Text)
            }
            "strings.Contains" => {
                arity(2)?;
                self.tmp(&format!("{} in {}", c(1), c(0)), Kind::Text)
            }
            "chomp" | "strings.Chomp" => {
                arity(1)?;
                // Hugo's chomp keeps HTML as HTML.
                self.tmp(&format!("{} | chomp", c(0)), if kinds[0] == Kind::Html { Kind::Html } else { Kind::Text })
            }
            // Hugo's plainify returns template.HTML: what is left of the tags is not escaped again.
            "plainify" => {
                arity(1)?;
                self.tmp(&format!("{} | as_str | striptags", c(0)), Kind::Html)
            }
            // Hugo logs the warning and prints nothing; the page is the same without it.
            _ if is_warning(f) => Val::V("\"\"".into(), Kind::Text),
            "errorf" | "fmt.Errorf" => {
                let Some(fmt) = args.first().and_then(string_literal) else { return refuse(line, f, "is ported with a quoted message") };
                let msg = lit(&fmt.replace("%s", "…").replace("%q", "…").replace("%v", "…")).unwrap_or_default();
                let _ = write!(self.out, "{{{{ throw(message={msg}) }}}}");
                Val::V("\"\"".into(), Kind::Text)
            }
            _ => return refuse(line, f, unported(f).unwrap_or("this function is not ported")),
        })
    }

    fn concat(&mut self, parts: &[String]) -> Val {
        // Tera's `~` joins names and literals, one operation at a time.
        let mut expr = String::from("\"\"");
        for p in parts {
            let _ = write!(expr, " ~ {p}");
        }
        self.tmp(&expr, Kind::Text)
    }
}

/// The functions `Tr::func` translates.
pub(super) const FUNCS: &[&str] = &[
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "collections.In",
    "slice",
    "collections.Slice",
    "default",
    "cond",
    "safeHTML",
    "safeURL",
    "safeHTMLAttr",
    "safeCSS",
    "chomp",
    "strings.Chomp",
    "anchorize",
    "urls.Anchorize",
    "markdownify",
    "transform.Markdownify",
    "lower",
    "strings.ToLower",
    "upper",
    "strings.ToUpper",
    "trim",
    "strings.Trim",
    "strings.TrimSpace",
    "printf",
    "print",
    "relURL",
    "relLangURL",
    "urls.RelURL",
    "absURL",
    "absLangURL",
    "urls.AbsURL",
    "urlize",
    "len",
    "index",
    "isset",
    "split",
    "strings.Split",
    "replace",
    "strings.Replace",
    "strings.ReplaceAll",
    "hasPrefix",
    "strings.HasPrefix",
    "hasSuffix",
    "strings.HasSuffix",
    "strings.Contains",
    "plainify",
    "string",
    "int",
    "errorf",
    "fmt.Errorf",
    "warnf",
    "fmt.Warnf",
    "warnidf",
    "fmt.Warnidf",
];

/// The display of `(dict "display" "block")` or `"inline"`, RenderString's one option ported.
fn display_option(op: &Operand) -> Option<&'static str> {
    let Operand::Sub(p, fields) = op else { return None };
    if !fields.is_empty() || !p.vars.is_empty() {
        return None;
    }
    match p.cmds.as_slice() {
        [cmd] => match cmd.as_slice() {
            [Operand::Ident(f, x), Operand::Str(k), Operand::Str(v)] if f == "dict" && x.is_empty() && k == "display" => match v.as_str() {
                "block" => Some("block"),
                "inline" => Some("inline"),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Hugo's build warnings, which print nothing into the page.
fn is_warning(f: &str) -> bool {
    matches!(f, "warnf" | "fmt.Warnf" | "warnidf" | "fmt.Warnidf")
}

/// Why function `f` is not translated, if it is not (checked before its arguments are).
pub(super) fn unported(f: &str) -> Option<&'static str> {
    if FUNCS.contains(&f) {
        return None;
    }
    Some(match f {
        "partial" | "partialCached" | "partials.Include" | "partials.IncludeCached" => "Hugo's partial templates are not ported",
        "title" | "strings.Title" => "Hugo's title case (AP style) has no counterpart",
        _ if ["resources.", "images.", "css.", "js.", "openapi3.", "transform.Unmarshal"].iter().any(|p| f.starts_with(p)) => {
            "Hugo's asset pipeline is not ported"
        }
        _ => "this function is not ported",
    })
}

pub(super) fn string_literal(v: &Val) -> Option<String> {
    match v {
        Val::V(c, _) if c.len() >= 2 && c.starts_with(['"', '\'', '`']) && c.ends_with(&c[..1]) => Some(c[1..c.len() - 1].to_string()),
        _ => None,
    }
}

/// The kind of a value that is one of several (`default`, `and`, `or`), and the kinds among
/// them to escape when chosen. Go keeps each one's own type: HTML is printed as it is, text
/// escaped; so when HTML and text mix, the text is escaped when chosen and the whole is HTML.
pub(super) fn unify(kinds: &[Kind], line: usize, f: &str) -> R<(Kind, Vec<Kind>)> {
    let first = kinds.first().copied().unwrap_or(Kind::Text);
    if kinds.iter().all(|k| *k == first) {
        return Ok((first, Vec::new()));
    }
    if kinds.iter().any(|k| !matches!(k, Kind::Html | Kind::Text | Kind::Url)) {
        return refuse(line, f, "mixes maps or attributes with other values, which Go prints differently");
    }
    if kinds.contains(&Kind::Html) {
        return Ok((Kind::Html, vec![Kind::Text, Kind::Url]));
    }
    Ok((Kind::Text, Vec::new()))
}

/// Go functions of one argument that are one tera filter (or a chain) giving text.
const UNARY: &[(&[&str], &str)] = &[
    (&["lower", "strings.ToLower"], "as_str | lower"),
    (&["upper", "strings.ToUpper"], "as_str | upper"),
    (&["strings.TrimSpace"], "as_str | trim"),
    (&["relURL", "relLangURL", "urls.RelURL"], "rel_url"),
    (&["absURL", "absLangURL", "urls.AbsURL"], "abs_url"),
    (&["urlize"], "urlize"),
    (&["len"], "length"),
    (&["anchorize", "urls.Anchorize"], "anchorize"),
    (&["string"], "as_str"),
    (&["int"], "int"),
];

/// The tera text of a parsed Go template (without the header `translate` adds).
pub(super) fn emit(nodes: &[Node], name: &str) -> R<String> {
    let mut tr = Tr { name, out: String::new(), tmp: 0, scopes: vec![Vec::new()], loops: 0, dots: vec![Val::Root], ctx: Html::Text };
    tr.nodes(nodes)?;
    Ok(tr.out)
}
