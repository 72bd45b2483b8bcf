//! Pipelines and their commands: variables declared and assigned, operands, and method calls
//! on the dot, a variable, the site or the page.

use super::super::syntax::*;
use super::super::{refuse, R};
use super::funcs::{is_warning, unported};
use super::writer::lit;
use super::{Kind, Tr, Val, Var};
use std::fmt::Write as _;

impl Tr<'_> {
    pub(super) fn lookup(&self, go: &str) -> Option<&Var> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|v| v.go == go)
    }

    /// A pipeline: its value, after declaring or assigning its variables.
    pub(super) fn pipe(&mut self, p: &Pipe) -> R<Val> {
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

    pub(super) fn code(&self, v: &Val, line: usize, what: &str) -> R<String> {
        match v {
            Val::V(c, _) => Ok(c.clone()),
            _ => refuse(line, what, "the page, the site or the shortcode itself is not a value here"),
        }
    }

    pub(super) fn command(&mut self, cmd: &[Operand], piped: Option<Val>, line: usize) -> R<Val> {
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

    pub(super) fn var(&self, v: &str, line: usize) -> R<Val> {
        if v == "$" {
            return Ok(self.dollar.clone());
        }
        match self.lookup(v) {
            Some(var) => Ok(var.val.clone()),
            None => refuse(line, v, "is not declared"),
        }
    }

    pub(super) fn operand(&mut self, op: &Operand, line: usize) -> R<Val> {
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
}

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
