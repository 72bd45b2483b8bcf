//! What each template depends on, read from the template sources: the templates it extends,
//! includes or imports (transitively), the page fields its code mentions, and the static
//! files it names in `asset(path="...")`. Deliberately conservative: a name that appears
//! anywhere in a template's code counts as used, and anything the scan cannot follow
//! (a computed asset path, `json_encode` of a whole value) counts as "everything".

use std::collections::{BTreeSet, HashMap};

/// The fields of `model::PageSummary`, as templates see them in lists.
pub const SUMMARY_FIELDS: &[&str] = &[
    "title",
    "description",
    "kind",
    "slug",
    "path",
    "permalink",
    "date",
    "date_rfc3339",
    "updated",
    "year",
    "tags",
    "taxonomies",
    "summary",
    "has_more",
    "word_count",
    "reading_time",
    "draft",
    "extra",
    "image",
];

/// Fields of a section view that are not its `pages` list.
const SECTION_SCALARS: &[&str] = &["title", "description", "content", "path", "extra"];

#[derive(Debug, Default)]
struct TemplateInfo {
    /// Templates named in extends/include/import tags.
    refs: BTreeSet<String>,
    /// Every identifier or quoted word in the template's code (outside comments and text).
    words: BTreeSet<String>,
    /// Literal `asset(path=...)` arguments; `None` if some asset call is not a literal.
    assets: Option<BTreeSet<String>>,
    /// `section` used other than through one of its scalar fields (so maybe its `pages`).
    section_whole: bool,
}

#[derive(Debug, Default)]
pub struct TemplateDeps {
    info: HashMap<String, TemplateInfo>,
    /// Template → itself and every template it reaches.
    closures: HashMap<String, BTreeSet<String>>,
}

/// Code of every `{{ }}` and `{% %}` tag (comments and raw text left out).
fn code_spans(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        let close = if tail.starts_with("{{") {
            "}}"
        } else if tail.starts_with("{%") {
            "%}"
        } else if tail.starts_with("{#") {
            match tail.find("#}") {
                Some(j) => {
                    rest = &tail[j + 2..];
                    continue;
                }
                None => break,
            }
        } else {
            rest = &tail[1..];
            continue;
        };
        match tail[2..].find(close) {
            Some(j) => {
                out.push(&tail[2..2 + j]);
                rest = &tail[2 + j + 2..];
            }
            None => {
                out.push(&tail[2..]);
                break;
            }
        }
    }
    out
}

fn words(code: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = code.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        Some((start, &code[start..i]))
    })
}

fn quoted(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(['"', '\'', '`']) {
        let q = rest.as_bytes()[i] as char;
        let tail = &rest[i + 1..];
        match tail.find(q) {
            Some(j) => {
                out.push(&tail[..j]);
                rest = &tail[j + 1..];
            }
            None => break,
        }
    }
    out
}

fn analyse(text: &str) -> TemplateInfo {
    let mut info = TemplateInfo { assets: Some(BTreeSet::new()), ..Default::default() };
    for code in code_spans(text) {
        let code = code.trim_start_matches(['-', '+']).trim_end_matches(['-', '+']);
        let first = code.split_whitespace().next().unwrap_or("");
        if matches!(first, "extends" | "include" | "import") {
            info.refs.extend(quoted(code).into_iter().map(str::to_string));
        }
        for (at, w) in words(code) {
            info.words.insert(w.to_string());
            if w == "asset" && code[at + 5..].trim_start().starts_with('(') {
                let args = &code[at + 5..];
                let literal = args
                    .trim_start()
                    .strip_prefix('(')
                    .map(str::trim_start)
                    .and_then(|a| a.strip_prefix("path"))
                    .map(str::trim_start)
                    .and_then(|a| a.strip_prefix('='))
                    .map(str::trim_start)
                    .and_then(|a| {
                        let q = a.chars().next().filter(|c| *c == '"' || *c == '\'')?;
                        a[1..].find(q).map(|end| a[1..1 + end].to_string())
                    });
                match (literal, &mut info.assets) {
                    (Some(p), Some(set)) => {
                        set.insert(p.trim_start_matches('/').to_string());
                    }
                    _ => info.assets = None,
                }
            }
            if w == "section" {
                let after = code[at + 7..].trim_start();
                let scalar = after.strip_prefix('.').map(str::trim_start).is_some_and(|a| {
                    SECTION_SCALARS
                        .iter()
                        .any(|f| a.starts_with(f) && !a[f.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
                });
                // `{% if section %}` tests it without reading its list.
                let truth_test = after.is_empty() || after.starts_with("and") || after.starts_with("or") || after.starts_with("%");
                if !scalar && !truth_test {
                    info.section_whole = true;
                }
            }
        }
        for q in quoted(code) {
            for (_, w) in words(q) {
                info.words.insert(w.to_string());
            }
        }
    }
    info
}

impl TemplateDeps {
    pub fn new(templates: &[(String, String)]) -> TemplateDeps {
        let info: HashMap<String, TemplateInfo> = templates.iter().map(|(n, t)| (n.clone(), analyse(t))).collect();
        let mut closures = HashMap::new();
        for name in info.keys() {
            let mut seen = BTreeSet::new();
            let mut stack = vec![name.clone()];
            while let Some(n) = stack.pop() {
                if !seen.insert(n.clone()) {
                    continue;
                }
                if let Some(i) = info.get(&n) {
                    stack.extend(i.refs.iter().cloned());
                }
            }
            closures.insert(name.clone(), seen);
        }
        TemplateDeps { info, closures }
    }

    fn closure(&self, template: &str) -> impl Iterator<Item = &TemplateInfo> {
        self.closures.get(template).into_iter().flatten().filter_map(|n| self.info.get(n))
    }

    /// Whether `template` is, extends, includes or imports any of `names`.
    pub fn reaches_any(&self, template: &str, names: &BTreeSet<String>) -> bool {
        if names.contains(template) {
            return true;
        }
        self.closures.get(template).is_some_and(|c| c.iter().any(|n| names.contains(n)))
    }

    /// Whether output of `template` may show any of the changed page `fields`.
    pub fn uses_any_field(&self, template: &str, fields: &BTreeSet<&'static str>) -> bool {
        if fields.is_empty() {
            return false;
        }
        let mut everything = false;
        let used = |f: &&str| {
            self.closure(template).any(|i| {
                everything |= i.words.contains("json_encode") || i.words.contains("__tera_context");
                i.words.contains(*f)
            })
        };
        let hit = fields.iter().any(used);
        hit || everything || !self.closures.contains_key(template)
    }

    /// Whether output of `template` may embed the URL of one of the `changed` static files.
    pub fn uses_any_asset(&self, template: &str, changed: &BTreeSet<String>) -> bool {
        if changed.is_empty() {
            return false;
        }
        if !self.closures.contains_key(template) {
            return true;
        }
        self.closure(template).any(|i| match &i.assets {
            None => true,
            Some(set) => set.iter().any(|a| changed.contains(a)),
        })
    }

    /// Whether `template` may read the `pages` list of `section` (not only its scalars).
    pub fn reads_section_pages(&self, template: &str) -> bool {
        !self.closures.contains_key(template) || self.closure(template).any(|i| i.section_whole || i.words.contains("__tera_context"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(list: &[(&str, &str)]) -> TemplateDeps {
        TemplateDeps::new(&list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn closure_fields_assets_and_section() {
        let d = deps(&[
            ("base.html", "<link href=\"{{ asset(path='css/site.css') }}\">{# word_count #}{% block c %}{% endblock %}<p>reading_time</p>"),
            (
                "index.html",
                "{% extends \"base.html\" %}{% import 'macros.html' as m %}{% if section %}{{ section.content | safe }}{% endif %}",
            ),
            ("macros.html", "{% macro card(p) %}{{ p.title }} {{ p[\"summary\"] }}{% endmacro %}"),
            ("section.html", "{% extends \"base.html\" %}{% for p in section.pages %}{{ p.path }}{% endfor %}"),
            ("dyn.html", "{{ asset(path=page.extra.css) }}"),
        ]);
        let set = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(d.reaches_any("index.html", &set(&["macros.html"])));
        assert!(!d.reaches_any("section.html", &set(&["macros.html"])));
        assert!(d.uses_any_field("index.html", &["summary"].into_iter().collect()));
        // Only in a comment and in raw text: not used.
        assert!(!d.uses_any_field("index.html", &["word_count", "reading_time"].into_iter().collect()));
        assert!(d.uses_any_asset("section.html", &set(&["css/site.css"])));
        assert!(!d.uses_any_asset("section.html", &set(&["img/a.png"])));
        assert!(d.uses_any_asset("dyn.html", &set(&["img/a.png"])));
        assert!(!d.reads_section_pages("index.html"));
        assert!(d.reads_section_pages("section.html"));
    }
}
