//! The writer: tera text appended to the output, and the variables that hold values.

use super::{Kind, Tr, Val};
use std::fmt::Write as _;

pub(super) fn lit(s: &str) -> Option<String> {
    ['"', '\'', '`'].into_iter().find(|q| !s.contains(*q)).map(|q| format!("{q}{s}{q}"))
}

impl Tr<'_> {
    pub(super) fn fresh(&mut self) -> String {
        self.tmp += 1;
        format!("t_{}", self.tmp)
    }

    pub(super) fn set(&mut self, name: &str, expr: &str) {
        let _ = write!(self.out, "{{% set {name} = {expr} %}}");
    }

    /// A new variable holding `expr`.
    pub(super) fn tmp(&mut self, expr: &str, kind: Kind) -> Val {
        let t = self.fresh();
        self.set(&t, expr);
        Val::V(t, kind)
    }

    pub(super) fn text(&mut self, t: &str) {
        let t = self.ctx.advance(t);
        // Tera syntax in the text stays text; so does a `{` that our next tag would extend.
        if t.contains("{{") || t.contains("{%") || t.contains("{#") || t.ends_with('{') {
            let _ = write!(self.out, "{{% raw %}}{t}{{% endraw %}}");
        } else {
            self.out.push_str(&t);
        }
    }

    /// Computes an expression into a variable (tera's grammar then only ever sees names).
    pub(super) fn hoist(&mut self, v: Val) -> Val {
        match v {
            Val::V(c, k) => self.tmp(&c, k),
            o => o,
        }
    }

    pub(super) fn concat(&mut self, parts: &[String]) -> Val {
        // Tera's `~` joins names and literals, one operation at a time.
        let mut expr = String::from("\"\"");
        for p in parts {
            let _ = write!(expr, " ~ {p}");
        }
        self.tmp(&expr, Kind::Text)
    }
}
