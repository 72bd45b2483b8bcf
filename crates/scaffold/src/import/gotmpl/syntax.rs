//! Lexing: text and actions.

use super::{refuse, Untranslatable, R};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Item {
    Text(String),
    Action { body: String, line: usize },
}

pub(super) fn line_at(src: &str, at: usize) -> usize {
    1 + src[..at].bytes().filter(|b| *b == b'\n').count()
}

pub(super) const GO_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

pub(super) fn lex(src: &str) -> R<Vec<Item>> {
    let mut items = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while pos <= src.len() {
        let Some(i) = src[pos..].find("{{") else {
            let text = &src[pos..];
            let text = if trim_next { text.trim_start_matches(GO_SPACE) } else { text };
            if !text.is_empty() {
                items.push(Item::Text(text.to_string()));
            }
            break;
        };
        let start = pos + i;
        let line = line_at(src, start);
        let mut text = &src[pos..start];
        if trim_next {
            text = text.trim_start_matches(GO_SPACE);
        }
        let mut inner = start + 2;
        let b = src.as_bytes();
        if b.get(inner) == Some(&b'-') && b.get(inner + 1).is_some_and(|c| GO_SPACE.contains(&(*c as char))) {
            text = text.trim_end_matches(GO_SPACE);
            inner += 1;
        }
        if !text.is_empty() {
            items.push(Item::Text(text.to_string()));
        }
        let end = action_end(src, inner).ok_or(Untranslatable {
            line,
            construct: "{{".into(),
            why: "the action is never closed with }}".into(),
        })?;
        let mut body = &src[inner..end];
        trim_next = false;
        if body.ends_with('-') && body[..body.len() - 1].ends_with(GO_SPACE) {
            body = &body[..body.len() - 1];
            trim_next = true;
        }
        let body = body.trim_matches(GO_SPACE);
        if body.starts_with("/*") {
            if !body.ends_with("*/") {
                return refuse(line, "{{/*", "a comment must end with */ right before }}");
            }
        } else {
            items.push(Item::Action { body: body.to_string(), line });
        }
        pos = end + 2;
    }
    Ok(items)
}

/// Where the `}}` closing the action starting at `from` is, skipping quoted strings and comments.
pub(super) fn action_end(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => i += src[i + 1..].find('`')? + 1,
            b'/' if b.get(i + 1) == Some(&b'*') => i += src[i..].find("*/")? + 1,
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Tokens and pipelines.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// `.Name`; `attached` when it directly follows the previous token (`$x.Name`, `(…).Name`).
    Field(String, bool),
    Dot,
    Var(String),
    Ident(String),
    Str(String),
    Num(String),
    Open,
    Close,
    Bar,
    Declare,
    Assign,
    Comma,
}

pub(super) fn tokens(s: &str, line: usize) -> R<Vec<Tok>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    let mut attached = false;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
            attached = false;
            continue;
        }
        let ident_end = |from: usize| from + s[from..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len() - from);
        match c {
            '.' if b.get(i + 1).is_some_and(|c| (*c as char).is_alphabetic() || *c == b'_') => {
                let e = ident_end(i + 1);
                out.push(Tok::Field(s[i + 1..e].to_string(), attached));
                i = e;
            }
            '.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push(Tok::Dot);
                i += 1;
            }
            '$' => {
                let e = ident_end(i + 1);
                out.push(Tok::Var(s[i..e].to_string()));
                i = e;
            }
            '"' => {
                let mut v = String::new();
                let mut j = i + 1;
                loop {
                    let Some(ch) = s[j..].chars().next() else { return refuse(line, s, "a string is never closed") };
                    j += ch.len_utf8();
                    match ch {
                        '"' => break,
                        '\\' => {
                            let Some(e) = s[j..].chars().next() else { return refuse(line, s, "a string is never closed") };
                            j += e.len_utf8();
                            v.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                '\\' => '\\',
                                '"' => '"',
                                '\'' => '\'',
                                _ => return refuse(line, format!("\\{e}"), "this escape in a string is not ported"),
                            });
                        }
                        ch => v.push(ch),
                    }
                }
                out.push(Tok::Str(v));
                i = j;
            }
            '`' => {
                let Some(e) = s[i + 1..].find('`') else { return refuse(line, s, "a raw string is never closed") };
                out.push(Tok::Str(s[i + 1..i + 1 + e].to_string()));
                i += e + 2;
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
                attached = true;
                continue;
            }
            '|' => {
                out.push(Tok::Bar);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            ':' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                out.push(Tok::Assign);
                i += 1;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let e = i + 1 + s[i + 1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')).unwrap_or(s.len() - i - 1);
                let n = &s[i..e];
                if n.trim_start_matches(['-', '+']).parse::<f64>().is_err() || n.contains(['e', 'E', 'x', 'X', '_']) {
                    return refuse(line, n, "only plain decimal numbers are ported");
                }
                out.push(Tok::Num(n.trim_start_matches('+').to_string()));
                i = e;
            }
            c if c.is_alphabetic() || c == '_' => {
                // Hugo's namespaced functions (`strings.ToLower`) are one name.
                let mut e = ident_end(i);
                while b.get(e) == Some(&b'.') && b.get(e + 1).is_some_and(|c| (*c as char).is_ascii_uppercase()) {
                    e = ident_end(e + 1);
                }
                let word = &s[i..e];
                // `site.Params.x`: `site` followed by fields, split again.
                let (word, rest) = match word.split_once('.') {
                    Some((w, r)) if matches!(w, "site" | "page") => (w, Some(r)),
                    _ => (word, None),
                };
                out.push(Tok::Ident(word.to_string()));
                if let Some(r) = rest {
                    for f in r.split('.') {
                        out.push(Tok::Field(f.to_string(), true));
                    }
                }
                i = e;
            }
            '\'' => return refuse(line, s, "character constants are not ported"),
            _ => return refuse(line, c.to_string(), "not Go template syntax that is ported"),
        }
        attached = true;
    }
    Ok(out)
}

/// One operand of a command.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operand {
    /// `.` followed by fields (`.Page.Title` is `["Page", "Title"]`).
    Dot(Vec<String>),
    /// `$x.A.B` (`$` is the shortcode itself).
    Var(String, Vec<String>),
    /// A function, or `site` / `page` followed by fields.
    Ident(String, Vec<String>),
    Str(String),
    Num(String),
    Bool(bool),
    Nil,
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pipe {
    pub(super) vars: Vec<String>,
    /// `=` rather than `:=`.
    pub(super) assign: bool,
    pub(super) cmds: Vec<Vec<Operand>>,
    pub(super) line: usize,
}

pub(super) fn parse_pipe(toks: &[Tok], line: usize) -> R<Pipe> {
    let mut vars = Vec::new();
    let mut assign = false;
    let mut rest = toks;
    // `$x :=`, `$x =`, `$i, $v :=`
    let decl_end = toks.iter().position(|t| matches!(t, Tok::Declare | Tok::Assign));
    if let Some(d) = decl_end {
        if toks[..d].iter().all(|t| matches!(t, Tok::Var(_) | Tok::Comma)) && d > 0 {
            vars = toks[..d].iter().filter_map(|t| if let Tok::Var(v) = t { Some(v.clone()) } else { None }).collect();
            assign = toks[d] == Tok::Assign;
            rest = &toks[d + 1..];
        }
    }
    let mut at = 0;
    let cmds = parse_cmds(rest, &mut at, line)?;
    if at != rest.len() {
        return refuse(line, format!("{:?}", rest[at]), "unexpected here");
    }
    if cmds.is_empty() {
        return refuse(line, "{{ }}", "an empty action");
    }
    Ok(Pipe { vars, assign, cmds, line })
}

pub(super) fn parse_cmds(toks: &[Tok], at: &mut usize, line: usize) -> R<Vec<Vec<Operand>>> {
    let mut cmds = vec![Vec::new()];
    while *at < toks.len() {
        match &toks[*at] {
            Tok::Close => break,
            Tok::Bar => {
                *at += 1;
                cmds.push(Vec::new());
                continue;
            }
            _ => {}
        }
        let op = parse_operand(toks, at, line)?;
        cmds.last_mut().expect("one command").push(op);
    }
    if cmds.iter().any(Vec::is_empty) {
        if cmds.len() == 1 {
            return Ok(Vec::new());
        }
        return refuse(line, "|", "a pipeline with an empty command");
    }
    Ok(cmds)
}

pub(super) fn fields(toks: &[Tok], at: &mut usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(Tok::Field(f, true)) = toks.get(*at) {
        out.push(f.clone());
        *at += 1;
    }
    out
}

pub(super) fn parse_operand(toks: &[Tok], at: &mut usize, line: usize) -> R<Operand> {
    let t = toks[*at].clone();
    *at += 1;
    Ok(match t {
        Tok::Dot => Operand::Dot(Vec::new()),
        Tok::Field(f, _) => {
            let mut v = vec![f];
            v.extend(fields(toks, at));
            Operand::Dot(v)
        }
        Tok::Var(v) => Operand::Var(v, fields(toks, at)),
        Tok::Ident(w) => match w.as_str() {
            "true" => Operand::Bool(true),
            "false" => Operand::Bool(false),
            "nil" => Operand::Nil,
            _ => Operand::Ident(w, fields(toks, at)),
        },
        Tok::Str(s) => Operand::Str(s),
        Tok::Num(n) => Operand::Num(n),
        Tok::Open => {
            let cmds = parse_cmds(toks, at, line)?;
            if toks.get(*at) != Some(&Tok::Close) || cmds.is_empty() {
                return refuse(line, "(", "a parenthesis is never closed");
            }
            *at += 1;
            Operand::Sub(Box::new(Pipe { vars: Vec::new(), assign: false, cmds, line }), fields(toks, at))
        }
        other => return refuse(line, format!("{other:?}"), "unexpected here"),
    })
}

// ---------------------------------------------------------------------------------------------
// The tree of blocks.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Text(String),
    Print(Pipe),
    /// `if` or `with`: (condition, body) branches and an `else`.
    Cond {
        with: bool,
        branches: Vec<(Pipe, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
    },
    Range {
        pipe: Pipe,
        body: Vec<Node>,
        otherwise: Option<Vec<Node>>,
    },
    Break(usize),
    Continue(usize),
}

pub(super) type Stop = Option<(String, usize)>;

/// Parses nodes until `end`, `else…` or the end; returns the words of the stopping action.
pub(super) fn parse_list(items: &[Item], at: &mut usize) -> R<(Vec<Node>, Stop)> {
    let mut nodes = Vec::new();
    while *at < items.len() {
        let item = items[*at].clone();
        *at += 1;
        let (body, line) = match item {
            Item::Text(t) => {
                nodes.push(Node::Text(t));
                continue;
            }
            Item::Action { body, line } => (body, line),
        };
        let word = body.split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
        let rest = body[word.len()..].trim();
        match word {
            "end" | "else" => return Ok((nodes, Some((body.clone(), line)))),
            "if" | "with" => nodes.push(parse_cond(items, at, word == "with", rest, line)?),
            "range" => {
                let pipe = parse_pipe(&tokens(rest, line)?, line)?;
                let (body, stop) = parse_list(items, at)?;
                let (otherwise, stop) = match stop {
                    Some((s, _)) if s == "else" => {
                        let (e, stop) = parse_list(items, at)?;
                        (Some(e), stop)
                    }
                    s => (None, s),
                };
                expect_end(stop, line, "range")?;
                nodes.push(Node::Range { pipe, body, otherwise });
            }
            "break" => nodes.push(Node::Break(line)),
            "continue" => nodes.push(Node::Continue(line)),
            "define" | "block" | "template" | "return" => {
                return refuse(line, word, "templates defined or called inside a shortcode are not ported")
            }
            _ => nodes.push(Node::Print(parse_pipe(&tokens(&body, line)?, line)?)),
        }
    }
    Ok((nodes, None))
}

pub(super) fn expect_end(stop: Stop, line: usize, what: &str) -> R<()> {
    match stop {
        Some((s, _)) if s == "end" => Ok(()),
        Some((s, l)) => refuse(l, s, format!("unexpected inside the {what} opened on line {line}")),
        None => refuse(line, what, "is never closed with {{ end }}"),
    }
}

pub(super) fn parse_cond(items: &[Item], at: &mut usize, with: bool, cond: &str, line: usize) -> R<Node> {
    let mut branches = Vec::new();
    let mut cond = cond.to_string();
    let mut cond_line = line;
    loop {
        let pipe = parse_pipe(&tokens(&cond, cond_line)?, cond_line)?;
        let (body, stop) = parse_list(items, at)?;
        branches.push((pipe, body));
        match stop {
            Some((s, _)) if s == "else" => {
                let (otherwise, stop) = parse_list(items, at)?;
                expect_end(stop, line, if with { "with" } else { "if" })?;
                return Ok(Node::Cond { with, branches, otherwise: Some(otherwise) });
            }
            Some((s, l)) if s.starts_with("else ") => {
                let rest = s["else ".len()..].trim();
                let kw = if with { "with " } else { "if " };
                let Some(c) = rest.strip_prefix(kw) else {
                    return refuse(l, s.clone(), "only `else if` in an if and `else with` in a with are ported");
                };
                cond = c.trim().to_string();
                cond_line = l;
            }
            stop => {
                expect_end(stop, line, if with { "with" } else { "if" })?;
                return Ok(Node::Cond { with, branches, otherwise: None });
            }
        }
    }
}
