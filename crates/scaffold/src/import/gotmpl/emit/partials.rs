//! Hugo's `{{ partial "name" ctx }}` printed where it stands: the partial (a Go template from
//! the site's or its theme's `layouts/partials/`) is translated in place, with `.` and `$` bound
//! to `ctx` and none of the caller's variables, as Go runs it. A name computed at the call
//! (`{{ partial (.Get 0) .Page }}`, redox's shortcode) becomes a choice among every partial of
//! the site that translates; a name outside them stops the build at that call, naming it.

use super::super::syntax::*;
use super::super::{refuse, R};
use super::funcs::string_literal;
use super::{Kind, Tr, Val};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Partials calling partials deeper than this are not ported (Hugo allows recursion; a
/// translation inlines, so it needs a bound).
const MAX_DEPTH: usize = 8;

/// The site's partial templates by name (`home.html`, `donors/jackpot51.html`), the site's
/// own before its theme's.
#[derive(Debug, Default, Clone)]
pub struct Partials(pub BTreeMap<String, String>);

impl Partials {
    /// Hugo's name for a partial may leave out `.html`.
    fn get(&self, name: &str) -> Option<(&str, &str)> {
        let name = name.trim_start_matches('/');
        let name = name.strip_prefix("partials/").unwrap_or(name);
        self.0.get_key_value(name).or_else(|| self.0.get_key_value(&format!("{name}.html"))).map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// `partial`'s names in Hugo.
pub(super) fn is_partial_call(f: &str) -> bool {
    matches!(f, "partial" | "partialCached" | "partials.Include" | "partials.IncludeCached")
}

impl Tr<'_> {
    /// `{{ partial NAME [CTX] }}` printed, its whole pipeline (a partial's value used any other
    /// way is not ported).
    pub(super) fn print_partial(&mut self, cmd: &[Operand], line: usize) -> R<()> {
        let (Some(name), ctx) = (cmd.get(1), cmd.get(2)) else {
            return refuse(line, "partial", "needs the partial's name");
        };
        // `partialCached "x" . variant…`: the variants only key Hugo's cache.
        let dot = match ctx {
            Some(c) => self.operand(c, line)?,
            None => Val::V("\"\"".into(), Kind::Text),
        };
        let name = self.operand(name, line)?;
        if let Some(literal) = string_literal(&name) {
            let Some((key, src)) = self.partials.get(&literal) else {
                return refuse(line, format!("partial {literal:?}"), "no such partial in layouts/partials/");
            };
            let (key, src) = (key.to_string(), src.to_string());
            return self.inline(&key, &src, dot, line);
        }
        // A name computed at the call: each partial that translates, else a build error.
        let code = self.code(&name, line, "partial")?;
        let picked = self.fresh();
        self.set(&picked, &format!("{code} | as_str | trim_start_matches(pat=\"/\") | trim_start_matches(pat=\"partials/\")"));
        let candidates: Vec<(String, String)> = self.partials.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut first = true;
        for (key, src) in candidates {
            let mark = self.out.len();
            let (tmp, ctx) = (self.tmp, self.ctx.clone());
            let stem = key.strip_suffix(".html").unwrap_or(&key);
            let _ = write!(self.out, "{{% {} {picked} == {key:?} or {picked} == {stem:?} %}}", if first { "if" } else { "elif" });
            if self.inline(&key, &src, dot.clone(), line).is_err() || self.ctx != ctx {
                // Not translatable (or it leaves the HTML in another context): left out.
                self.out.truncate(mark);
                self.tmp = tmp;
                self.ctx = ctx;
                continue;
            }
            first = false;
        }
        let missing = format!(
            "throw(message=\"Hugo partial \" ~ {picked} ~ \" (called at line {line} of the Go template) is not ported: none in layouts/partials/ by that name translated\")"
        );
        if first {
            let _ = write!(self.out, "{{{{ {missing} }}}}");
        } else {
            let _ = write!(self.out, "{{% else %}}{{{{ {missing} }}}}{{% endif %}}");
        }
        Ok(())
    }

    /// The partial `key` (Go source `src`) emitted here with `.` and `$` as `dot`.
    fn inline(&mut self, key: &str, src: &str, dot: Val, line: usize) -> R<()> {
        if self.depth >= MAX_DEPTH {
            return refuse(line, format!("partial {key:?}"), "partials nested this deep are not ported");
        }
        let in_partial = |e: super::super::Untranslatable| super::super::Untranslatable {
            why: format!("in partial {key} (line {}): {}", e.line, e.why),
            line,
            construct: e.construct,
        };
        let items = lex(src).map_err(in_partial)?;
        let mut at = 0;
        let (nodes, stop) = parse_list(&items, &mut at).map_err(in_partial)?;
        if let Some((word, l)) = stop {
            return Err(in_partial(super::super::Untranslatable {
                line: l,
                construct: word,
                why: "has no block to close or continue".into(),
            }));
        }
        let scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let dollar = std::mem::replace(&mut self.dollar, dot.clone());
        self.dots.push(dot);
        self.depth += 1;
        let r = self.nodes(&nodes).map_err(in_partial);
        self.depth -= 1;
        self.dots.pop();
        self.dollar = dollar;
        self.scopes = scopes;
        r
    }
}
