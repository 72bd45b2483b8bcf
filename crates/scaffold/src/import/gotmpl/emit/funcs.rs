//! Go's functions translated to tera (`and`, `or`, `default`, `printf`, `index`, comparisons,
//! string functions…), and which are not.

use super::super::syntax::*;
use super::super::{refuse, Untranslatable, R};
use super::writer::lit;
use super::{Kind, Tr, Val};
use std::fmt::Write as _;

impl Tr<'_> {
    pub(super) fn func(&mut self, f: &str, mut args: Vec<Val>, piped: Option<Val>, raw: &[Operand], line: usize) -> R<Val> {
        // Go's `and` / `or` evaluate lazily: the later operands only when needed.
        if f == "and" || f == "or" {
            return self.and_or(f, piped, raw, line);
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
            // The site's and theme's strings (`i18n/<lang>.toml`, moved into site.toml).
            "i18n" | "T" | "lang.Translate" => {
                if n != 1 {
                    return refuse(line, f, "is ported with a key alone (myblog's strings have no plural forms to choose by count)");
                }
                self.tmp(&format!("trans(key={})", c(0)), Kind::Text)
            }
            "printf" => self.printf(f, &args, &codes, line)?,
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

    /// Go's `and` / `or`: each operand computed only when the ones before it did not decide.
    fn and_or(&mut self, f: &str, piped: Option<Val>, raw: &[Operand], line: usize) -> R<Val> {
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
        Ok(Val::V(t, kind))
    }

    /// `printf` with `%s`, `%d`, `%v` and `%%`: the literal parts and the arguments joined.
    fn printf(&mut self, f: &str, args: &[Val], codes: &[String], line: usize) -> R<Val> {
        let n = codes.len();
        let c = |i: usize| codes[i].clone();
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
        Ok(self.concat(&parts))
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
    "i18n",
    "T",
    "lang.Translate",
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

/// Hugo's build warnings, which print nothing into the page.
pub(super) fn is_warning(f: &str) -> bool {
    matches!(f, "warnf" | "fmt.Warnf" | "warnidf" | "fmt.Warnidf")
}

/// Why function `f` is not translated, if it is not (checked before its arguments are).
pub(super) fn unported(f: &str) -> Option<&'static str> {
    if FUNCS.contains(&f) {
        return None;
    }
    Some(match f {
        "partial" | "partialCached" | "partials.Include" | "partials.IncludeCached" => {
            "a partial is ported where it is printed, not as a value"
        }
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
pub(super) const UNARY: &[(&[&str], &str)] = &[
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
