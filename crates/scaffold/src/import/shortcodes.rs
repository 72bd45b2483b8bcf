//! The moved-in site's own shortcodes. Zola's are tera templates like myblog's: they are copied
//! and those calling Zola's site functions are named, since they need an edit. Hugo's are Go
//! templates: translated to tera (`gotmpl`), or listed with the construct that stops them.
//!
//! Which one wins, for both tools: the site's own shortcodes beat its Hugo theme's, and both
//! beat the default theme's (which stand in for Hugo's built-ins), as in Hugo and Zola. One
//! exception: a template of theirs that embeds a player or script from elsewhere (`<iframe>`,
//! `<script>`…) does not replace the default theme's of the same name, which links instead,
//! since the site's Content-Security-Policy would block the embed (docs/shortcodes.md).

use super::gotmpl;
use myblog_config::Dialect;
use myblog_markdown::TEMPLATE_DIR;
use myblog_utils::Error;
use myblog_utils::Result;
use std::path::Path;

/// Zola's template functions that myblog has no counterpart for.
const ZOLA_ONLY: &[&str] = &[
    "get_url",
    "get_page",
    "get_section",
    "get_taxonomy",
    "get_taxonomy_url",
    "get_image_metadata",
    "resize_image",
    "load_data",
    "get_hash",
    "trans",
];

/// What the site's CSP (`infra/template.yaml`: no frames, scripts, objects from elsewhere)
/// blocks, if a template writes it.
fn embeds(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    ["<iframe", "<script", "<embed", "<object"].into_iter().find(|t| lower.contains(t)).map(|t| &t[1..])
}

/// Where a site's shortcodes are: (as shown, folder), the site's own first.
fn sources(site: &Path, dialect: Dialect, themes: &[String]) -> Vec<(String, std::path::PathBuf)> {
    match dialect {
        // Hugo 0.146 moved them to `layouts/_shortcodes/`; the old folder still works.
        Dialect::Hugo => std::iter::once(String::new())
            .chain(themes.iter().map(|t| format!("themes/{t}/")))
            .flat_map(|root| ["_shortcodes", "shortcodes"].map(|d| format!("{root}layouts/{d}")))
            .map(|rel| (rel.clone(), site.join(&rel)))
            .collect(),
        _ => vec![("templates/shortcodes".to_string(), site.join("templates/shortcodes"))],
    }
}

/// A Hugo site's partial templates (`layouts/partials/`, Hugo 0.146's `layouts/_partials/`),
/// its own before its themes', by name from that folder.
fn hugo_partials(site: &Path, themes: &[String]) -> gotmpl::Partials {
    let mut out = std::collections::BTreeMap::new();
    let roots = std::iter::once(String::new()).chain(themes.iter().map(|t| format!("themes/{t}/")));
    for dir in roots.flat_map(|root| ["_partials", "partials"].map(|d| site.join(format!("{root}layouts/{d}")))) {
        for e in walkdir::WalkDir::new(&dir).into_iter().flatten().filter(|e| e.file_type().is_file()) {
            let Ok(rel) = e.path().strip_prefix(&dir) else { continue };
            let name = rel.to_string_lossy().replace('\\', "/");
            if !name.ends_with(".html") {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                out.entry(name).or_insert(text);
            }
        }
    }
    gotmpl::Partials(out)
}

/// Ports the shortcodes of `site` (and of its Hugo `themes`, first one first) into the blog at
/// `dir`: (what was mapped, what was not).
pub fn port(site: &Path, dir: &Path, dialect: Dialect, themes: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    let (mut mapped, mut not_mapped) = (Vec::new(), Vec::new());
    let ours = dir.join("themes/default/templates").join(TEMPLATE_DIR);
    let mut seen: Vec<(String, String)> = Vec::new();
    let partials = if dialect == Dialect::Hugo { hugo_partials(site, themes) } else { gotmpl::Partials::default() };
    for (from, theirs) in sources(site, dialect, themes) {
        if !theirs.is_dir() {
            continue;
        }
        // Hugo names a shortcode in a subfolder by its path (`blocks/cover`).
        let mut names: Vec<String> = walkdir::WalkDir::new(&theirs)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| e.path().strip_prefix(&theirs).ok().map(|r| r.to_string_lossy().replace('\\', "/")))
            .collect();
        names.sort();
        for file in names {
            let name = file.rsplit_once('.').map(|(n, _)| n).unwrap_or(&file).to_string();
            let exists = ours.join(format!("{name}.html")).exists();
            let target = format!("themes/default/templates/{TEMPLATE_DIR}{name}.html");
            let what = if exists { format!("the default theme's {name} is used") } else { format!("write {target} (tera) for it") };
            let plain =
                name.split('/').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            if !file.ends_with(".html") || !plain {
                let why = if dialect == Dialect::Hugo { "only NAME.html templates are ported" } else { "markdown output" };
                not_mapped.push(format!("{from}/{file}: not ported ({why}); {what}"));
                continue;
            }
            if let Some((_, by)) = seen.iter().find(|(n, _)| *n == name) {
                not_mapped.push(format!("{from}/{file}: not used; {by}/{file} takes its place, as in Hugo"));
                continue;
            }
            seen.push((name.clone(), from.clone()));
            let src = theirs.join(&file);
            let text = std::fs::read_to_string(&src).map_err(|e| Error::io("cannot read", &src, e))?;
            let tera = match dialect {
                Dialect::Hugo => match gotmpl::translate_with(&text, &name, &partials) {
                    Ok(t) => t,
                    Err(u) => {
                        not_mapped.push(format!("{from}/{file}: not ported ({u}); {what}"));
                        continue;
                    }
                },
                _ => text.clone(),
            };
            // The translation, partials inlined, is what the page gets.
            if let Some(tag) = embeds(if dialect == Dialect::Hugo { &tera } else { &text }) {
                if exists {
                    not_mapped.push(format!(
                        "{from}/{file}: the default theme has its own {name}, which is used: this one embeds <{tag}> from elsewhere, which the site's Content-Security-Policy blocks"
                    ));
                    continue;
                }
                not_mapped.push(format!(
                    "{target}: embeds <{tag}> from elsewhere, which the site's Content-Security-Policy blocks (see docs/shortcodes.md): make it a link"
                ));
            }
            let dest = ours.join(format!("{name}.html"));
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
            }
            std::fs::write(&dest, &tera).map_err(|e| Error::io("cannot write", &dest, e))?;
            let how = match (dialect, exists) {
                (Dialect::Hugo, false) => " (translated to tera)".to_string(),
                (Dialect::Hugo, true) => format!(" (translated to tera; replaces the default theme's {name})"),
                (_, true) => format!(" (replaces the default theme's {name})"),
                _ => String::new(),
            };
            mapped.push(format!("{from}/{file} -> {target}{how}"));
            let calls: Vec<&str> = ZOLA_ONLY.iter().copied().filter(|f| text.contains(&format!("{f}("))).collect();
            if dialect != Dialect::Hugo && !calls.is_empty() {
                not_mapped
                    .push(format!("{target}: calls Zola's {}, which myblog lacks: edit it (see docs/shortcodes.md)", calls.join(", ")));
            }
        }
    }
    Ok((mapped, not_mapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(root: &Path, list: &[(&str, &str)]) {
        for (rel, text) in list {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn which_shortcode_wins() {
        let (site, blog) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        crate::scaffold::write_theme_and_gitignore(blog.path()).unwrap();
        files(
            site.path(),
            &[
                ("layouts/shortcodes/gist.html", "<a href=\"https://gist.github.com/{{ .Get 0 }}\">gist</a>"),
                ("layouts/shortcodes/vimeo.html", "<iframe src=\"https://player.vimeo.com/video/{{ .Get 0 }}\"></iframe>"),
                ("layouts/shortcodes/codepen.html", "<iframe src=\"https://codepen.io/{{ .Get 0 }}\"></iframe>"),
                ("layouts/shortcodes/note.html", "<aside>{{ .Inner }}</aside>"),
                ("layouts/shortcodes/pic.html", "<p>\n{{ partial \"pic\" . }}</p>"),
                ("layouts/shortcodes/note.md", "**{{ .Inner }}**"),
                ("themes/t/layouts/shortcodes/note.html", "<div>{{ .Inner }}</div>"),
                ("themes/t/layouts/_shortcodes/badge.html", "<span class=\"badge\">{{ .Get 0 }}</span>"),
            ],
        );
        let (mapped, not) = port(site.path(), blog.path(), Dialect::Hugo, &["t".into()]).unwrap();
        let all = format!("{mapped:#?}\n{not:#?}");
        let ours = blog.path().join("themes/default/templates/shortcodes");
        // The site's own beats the default theme's; the theme's fills the gaps.
        assert!(mapped.iter().any(|m| m.ends_with("gist.html (translated to tera; replaces the default theme's gist)")), "{all}");
        assert!(std::fs::read_to_string(ours.join("gist.html")).unwrap().contains("args | nth(n=0)"));
        assert!(mapped.iter().any(|m| m.starts_with("themes/t/layouts/_shortcodes/badge.html ->")), "{all}");
        assert!(
            not.iter()
                .any(|m| m == "themes/t/layouts/shortcodes/note.html: not used; layouts/shortcodes/note.html takes its place, as in Hugo"),
            "{all}"
        );
        // An embed the CSP blocks: the default theme's link stays; without one, it is flagged.
        assert!(not.iter().any(|m| m.contains("vimeo.html: the default theme has its own vimeo, which is used")), "{all}");
        assert!(!std::fs::read_to_string(ours.join("vimeo.html")).unwrap().contains("<iframe"));
        assert!(not.iter().any(|m| m.starts_with("themes/default/templates/shortcodes/codepen.html: embeds <iframe>")), "{all}");
        // Not ported: the construct and its line; the file to write.
        assert!(
            not.iter().any(|m| m
                == "layouts/shortcodes/pic.html: not ported (line 2: `partial \"pic\"`: no such partial in layouts/partials/); write themes/default/templates/shortcodes/pic.html (tera) for it"),
            "{all}"
        );
        assert!(!ours.join("pic.html").exists());
        assert!(not.iter().any(|m| m.starts_with("layouts/shortcodes/note.md: not")), "{all}");

        // Zola: the same rule.
        let (site, blog) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        crate::scaffold::write_theme_and_gitignore(blog.path()).unwrap();
        files(
            site.path(),
            &[
                ("templates/shortcodes/gist.html", "<a href=\"{{ url }}\">gist</a>"),
                ("templates/shortcodes/youtube.html", "<iframe src=\"https://www.youtube.com/embed/{{ id }}\"></iframe>"),
            ],
        );
        let (mapped, not) = port(site.path(), blog.path(), Dialect::Zola, &[]).unwrap();
        assert_eq!(
            mapped,
            vec!["templates/shortcodes/gist.html -> themes/default/templates/shortcodes/gist.html (replaces the default theme's gist)"]
        );
        assert!(not[0].starts_with("templates/shortcodes/youtube.html: the default theme has its own youtube, which is used"), "{not:?}");
    }
}
