//! Actions: the template's nodes in order, and its control flow (`if`, `with`, `range`,
//! `break`, `continue`), each branch ending in the HTML context it started in.

use super::super::html::*;
use super::super::syntax::*;
use super::super::{refuse, R};
use super::{Kind, Tr, Val, Var};
use std::fmt::Write as _;

impl Tr<'_> {
    pub(super) fn nodes(&mut self, nodes: &[Node]) -> R<()> {
        for n in nodes {
            self.node(n)?;
        }
        Ok(())
    }

    pub(super) fn node(&mut self, n: &Node) -> R<()> {
        match n {
            Node::Text(t) => self.text(t),
            Node::Print(p) if p.vars.is_empty() && p.cmds.len() == 1 && is_partial(&p.cmds[0]) => self.print_partial(&p.cmds[0], p.line)?,
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

    pub(super) fn block(&mut self, body: &[Node], dot: Option<Val>) -> R<Html> {
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

    pub(super) fn cond(&mut self, with: bool, branches: &[(Pipe, Vec<Node>)], otherwise: Option<&[Node]>, i: usize) -> R<()> {
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

    pub(super) fn range(&mut self, pipe: &Pipe, body: &[Node], otherwise: Option<&[Node]>) -> R<()> {
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

    /// A tera condition for Go's truth of `v`.
    pub(super) fn truth(v: &Val) -> String {
        match v {
            Val::V(c, _) => c.clone(),
            _ => "true".into(),
        }
    }
}

/// `partial …` as a command of its own.
fn is_partial(cmd: &[Operand]) -> bool {
    matches!(cmd.first(), Some(Operand::Ident(f, fields)) if fields.is_empty() && super::partials::is_partial_call(f))
}
