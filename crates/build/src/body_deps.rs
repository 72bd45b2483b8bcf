//! What a page's rendered body depends on besides its own source: the shortcode templates it
//! calls (and what those include and the static files they name), and the URLs of the pages it
//! links to with `@/` or `ref`. Conservative, from the body's text: a page that may depend on a
//! change has its markdown rendered again.

use super::deps::TemplateDeps;
use myblog_markdown::may_contain;
use myblog_markdown::TEMPLATE_DIR;
use std::collections::BTreeSet;

/// The shortcodes whose output may differ after `changed_templates` and `changed_assets`.
pub fn affected_shortcodes(
    deps: &TemplateDeps,
    templates: &[(String, String)],
    changed_templates: &BTreeSet<String>,
    changed_assets: &BTreeSet<String>,
) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let all = templates.iter().map(|(n, _)| n).chain(changed_templates.iter());
    for t in all.filter(|n| n.starts_with(TEMPLATE_DIR)) {
        if deps.reaches_any(t, changed_templates) || deps.uses_any_asset(t, changed_assets) || changed_templates.contains(t) {
            if let Some(name) = t.strip_prefix(TEMPLATE_DIR).and_then(|n| n.strip_suffix(".html")) {
                names.insert(name.to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// Whether `body` may call one of the shortcodes `names`.
pub fn calls_any(body: &str, names: &[String]) -> bool {
    !names.is_empty() && may_contain(body) && names.iter().any(|n| body.contains(n.as_str()))
}

/// The words a link to each of the content files `rels` must contain, whatever its form
/// (`@/post/x.md`, `ref "x"`, `ref "post/trip"` for `post/trip/index.md`).
pub fn link_words(rels: &[String]) -> Vec<String> {
    let mut words = BTreeSet::new();
    for rel in rels {
        let mut parts = rel.rsplit('/');
        let file = parts.next().unwrap_or(rel);
        let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
        if stem == "index" || stem == "_index" {
            words.insert(parts.next().unwrap_or(stem).to_string());
        } else {
            words.insert(stem.to_string());
        }
    }
    words.into_iter().filter(|w| !w.is_empty()).collect()
}

/// Whether `body` may link to a page named by one of `words`.
pub fn links_to_any(body: &str, words: &[String]) -> bool {
    !words.is_empty() && (body.contains("@/") || body.contains("ref")) && words.iter().any(|w| body.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_calls() {
        let w = link_words(&["post/trip/index.md".into(), "post/roadmap.md".into(), "_index.md".into()]);
        assert_eq!(w, ["_index", "roadmap", "trip"]);
        assert!(links_to_any("see [x](@/post/roadmap.md)", &w));
        assert!(links_to_any("{{< ref \"post/trip\" >}}", &w));
        assert!(!links_to_any("a roadmap without links", &w));
        assert!(calls_any("{{< figure src=\"a.jpg\" >}}", &["figure".into()]));
        assert!(!calls_any("a figure of speech", &["figure".into()]));
        let deps = TemplateDeps::new(&[
            ("shortcodes/note.html".into(), "{% include \"partials/box.html\" %}".into()),
            ("shortcodes/yt.html".into(), "{{ asset(path='img/video.svg') }}".into()),
            ("partials/box.html".into(), "".into()),
        ]);
        let t: Vec<(String, String)> = vec![
            ("shortcodes/note.html".into(), String::new()),
            ("shortcodes/yt.html".into(), String::new()),
            ("partials/box.html".into(), String::new()),
        ];
        let set = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(affected_shortcodes(&deps, &t, &set(&["partials/box.html"]), &set(&[])), ["note"]);
        assert_eq!(affected_shortcodes(&deps, &t, &set(&[]), &set(&["img/video.svg"])), ["yt"]);
        assert_eq!(affected_shortcodes(&deps, &t, &set(&["shortcodes/gone.html"]), &set(&[])), ["gone"]);
    }
}
