//! Sections (`_index.md`): which pages each lists, in which order, on how many pages, with
//! which templates. Their keys (`sort_by`, `paginate_by`, `paginate_path`, `transparent`,
//! `template`, `page_template`, `feed`) are Zola's, read the same in every dialect. Pure.

use crate::model::Page;
use myblog_config::Dialect;
use myblog_config::SiteConfig;
use myblog_content::Kind;
use myblog_content::SortBy;
use myblog_content::Source;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The folder (relative to `content/`) a section stands for: `blog` for `blog/_index.md`.
fn section_dir(s: &Source) -> &str {
    s.lang_rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The folder a page sits in as a section member: a bundle (`x/index.md`) counts as a file of
/// its parent folder.
fn page_dir(s: &Source) -> &str {
    let file = s.lang_rel.rsplit('/').next().unwrap_or("");
    let dir = section_dir(s);
    if file.starts_with("index.") {
        dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    } else {
        dir
    }
}

fn parent(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        None
    } else {
        Some(dir.rsplit_once('/').map(|(d, _)| d).unwrap_or(""))
    }
}

/// Hugo lists every top-level folder of `content/` at `/<folder>/` though it has no
/// `_index.md`: such sections are implied, so the copied content needs no new file.
pub fn implied_sections(sources: &[Source], rules: &myblog_config::ContentConfig) -> Vec<Source> {
    // By language and folder: each language's tree has its own sections.
    let mut has_index: HashMap<(&str, &str), bool> = HashMap::new();
    for s in sources {
        let top = match s.lang_rel.split_once('/') {
            Some((top, _)) => top,
            None => continue,
        };
        let entry = has_index.entry((s.lang.as_str(), top)).or_insert(false);
        let rest = &s.lang_rel[top.len() + 1..];
        // A leaf bundle (`about/index.md`) is a page, not a section.
        if s.kind == Kind::Section && !rest.contains('/') || rest.starts_with("index.") {
            *entry = true;
        }
    }
    let mut out: Vec<Source> = has_index
        .into_iter()
        .filter(|(_, has)| !has)
        .map(|((lang, top), _)| {
            let title = top.split(['-', '_']).map(capitalize).collect::<Vec<_>>().join(" ");
            let in_tree = rules.languages.dirs.iter().find(|(_, c)| c == lang).map(|(d, _)| format!("{d}/{top}"));
            let rel = in_tree.clone().unwrap_or_else(|| top.to_string());
            Source {
                display_path: std::path::Path::new(myblog_config::CONTENT_DIR).join(&rel),
                rel: format!("{rel}/_index.md"),
                lang_rel: format!("{top}/_index.md"),
                lang: lang.to_string(),
                kind: Kind::Section,
                front: myblog_content::FrontMatter { title, extra: Value::Object(Map::new()), ..Default::default() },
                body: String::new(),
                body_line: 1,
                url_path: format!("/{}/", myblog_content::folder_segment(top, rules)),
                dir: rel,
            }
        })
        .collect();
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A page a list shows, by index into its list: a post or a page (what sections list), or a
/// section (a term lists a Hugo section carrying it, as Hugo does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Post(usize),
    Page(usize),
    Section(usize),
}

impl Member {
    /// The page this member is, in the site's three lists.
    pub fn of<'a>(self, posts: &'a [Page], pages: &'a [Page], sections: &'a [Page]) -> &'a Page {
        match self {
            Member::Post(i) => &posts[i],
            Member::Page(i) => &pages[i],
            Member::Section(i) => &sections[i],
        }
    }
}

/// Whether the section at URL `prefix` lists the page at `url` of kind `kind`, in a myblog
/// site: pages below it, every post for `/posts/`, everything for the home section; never
/// sections themselves.
pub fn lists_by_url(prefix: &str, url: &str, kind: Option<Kind>) -> bool {
    kind != Some(Kind::Section)
        && url != prefix
        && (prefix == "/" || url.starts_with(prefix) || (prefix == "/posts/" && kind == Some(Kind::Post)))
}

/// The pages of every section (parallel to `sections`), sorted. In a myblog site a section
/// lists the pages under its URL; in a Zola or Hugo site, as they do, the pages of its folder
/// and of its transparent sub-sections (URLs there follow permalinks, not folders).
pub fn members(config: &SiteConfig, posts: &[Page], pages: &[Page], sections: &[Page]) -> Vec<Vec<Member>> {
    let all =
        || posts.iter().enumerate().map(|(i, p)| (Member::Post(i), p)).chain(pages.iter().enumerate().map(|(i, p)| (Member::Page(i), p)));
    let mut lists: Vec<Vec<Member>> = vec![Vec::new(); sections.len()];
    if config.content.dialect.is_strict() {
        for (si, sec) in sections.iter().enumerate() {
            let prefix = sec.source.url_path.as_str();
            lists[si] = all().filter(|(_, p)| lists_by_url(prefix, &p.source.url_path, Some(p.source.kind))).map(|(m, _)| m).collect();
        }
    } else {
        let by_dir: HashMap<&str, usize> = sections.iter().enumerate().map(|(i, s)| (section_dir(&s.source), i)).collect();
        for (m, p) in all() {
            // The nearest folder up that is a section owns the page; transparent sections
            // hand it on to their parent too.
            let mut dir = Some(page_dir(&p.source));
            while let Some(d) = dir {
                if let Some(&si) = by_dir.get(d) {
                    lists[si].push(m);
                    if !sections[si].source.front.section.transparent {
                        break;
                    }
                }
                dir = parent(d);
            }
        }
    }
    let page = |m: &Member| m.of(posts, pages, sections);
    for (si, list) in lists.iter_mut().enumerate() {
        let sort = sections[si].source.front.section.sort_by.or(match config.content.dialect {
            Dialect::Hugo => Some(SortBy::Weight),
            _ => None,
        });
        if let Some(sort) = sort {
            // Stable: equal keys keep the default order (posts newest first, then pages by URL).
            list.sort_by(|a, b| compare(sort, page(a), page(b)));
        }
    }
    lists
}

fn weight(p: &Page) -> Option<i64> {
    p.source.front.extra.get("weight").and_then(Value::as_i64).filter(|w| *w != 0)
}

fn compare(sort: SortBy, a: &Page, b: &Page) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let newest = |x: Option<time::OffsetDateTime>, y: Option<time::OffsetDateTime>| match (x, y) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match sort {
        SortBy::Date => newest(a.date, b.date),
        SortBy::UpdateDate => newest(a.source.front.updated.or(a.date), b.source.front.updated.or(b.date)),
        SortBy::Title => a.summary.title.to_lowercase().cmp(&b.summary.title.to_lowercase()),
        SortBy::TitleBytes => a.summary.title.cmp(&b.summary.title),
        SortBy::Weight => match (weight(a), weight(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| newest(a.date, b.date))
        .then_with(|| a.summary.title.cmp(&b.summary.title)),
        SortBy::Slug => a.summary.slug.cmp(&b.summary.slug),
        SortBy::Permalink | SortBy::None => a.source.url_path.cmp(&b.source.url_path),
    }
}

/// Pages a section is split into, and how many pages of the list each holds (none: one page).
pub fn paginate_by(config: &SiteConfig, section: &Page) -> Option<usize> {
    section.source.front.section.paginate_by.or(config.content.section_paginate_by)
}

pub fn paginate_path<'a>(config: &'a SiteConfig, section: &'a Page) -> &'a str {
    section.source.front.section.paginate_path.as_deref().unwrap_or(&config.content.paginate_path)
}

/// How many posts a home page lists. A root `content/_index.md`
/// sets them as any section does (Zola's home is that section); else `paginate_by` and
/// `[content] paginate_path` (where Hugo's `[pagination] path` goes) hold.
pub fn home_paginate_by(config: &SiteConfig, sections: &[Page]) -> usize {
    home(sections).and_then(|root| root.source.front.section.paginate_by).unwrap_or(config.paginate_by)
}

/// See [`home_paginate_by`]; `default` is `[content] paginate_path`.
pub fn home_paginate_path<'a>(default: &'a str, sections: &'a [Page]) -> &'a str {
    home(sections).and_then(|root| root.source.front.section.paginate_path.as_deref()).unwrap_or(default)
}

fn home(sections: &[Page]) -> Option<&Page> {
    sections.iter().find(|s| s.source.url_path == "/")
}

/// URL path of page `n` (1-based) of the list at `list_url`.
pub fn paged_url(list_url: &str, paginate_path: &str, n: usize) -> String {
    if n <= 1 {
        list_url.to_string()
    } else {
        format!("{list_url}{paginate_path}/{n}/")
    }
}

/// The theme's templates for myblog's own lists: a moved-in page or section naming one (its old
/// theme's `archive.html` or `index.html`) would be rendered without the list it expects.
const LIST_TEMPLATES: &[&str] = &["index.html", "archive.html", "tags.html", "tag.html", "taxonomy.html", "term.html", "404.html"];

/// The template each page is rendered with when it does not name its own: its section's
/// `page_template`, and in a Zola or Hugo site the `template` its front matter names, when the
/// theme has it (their themes' templates are not ported, so a missing one is no error there).
pub fn inherited_templates(config: &SiteConfig, posts: &mut [Page], pages: &mut [Page], sections: &[Page], has: impl Fn(&str) -> bool) {
    let strict = config.content.dialect.is_strict();
    let has = |t: &str| has(t) && (strict || !LIST_TEMPLATES.contains(&t));
    let by_dir: HashMap<&str, &Page> = sections.iter().map(|s| (section_dir(&s.source), s)).collect();
    for p in posts.iter_mut().chain(pages.iter_mut()) {
        let own = (!strict).then(|| p.source.front.extra.get("template").and_then(Value::as_str)).flatten().filter(|t| has(t));
        let mut found = own.map(str::to_string);
        let mut dir = Some(page_dir(&p.source));
        while let (None, Some(d)) = (&found, dir) {
            if let Some(t) = by_dir.get(d).and_then(|s| s.source.front.section.page_template.as_deref()) {
                if strict || has(t) {
                    found = Some(t.to_string());
                }
                break;
            }
            dir = parent(d);
        }
        p.inherited_template = found;
    }
}

/// A Zola or Hugo section's own `template`, when the theme has it.
pub fn section_templates(config: &SiteConfig, sections: &mut [Page], has: impl Fn(&str) -> bool) {
    if config.content.dialect.is_strict() {
        return;
    }
    for s in sections {
        s.inherited_template = s
            .source
            .front
            .extra
            .get("template")
            .and_then(Value::as_str)
            .filter(|t| has(t) && !LIST_TEMPLATES.contains(t))
            .map(str::to_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_urls() {
        assert_eq!(paged_url("/blog/", "page", 1), "/blog/");
        assert_eq!(paged_url("/blog/", "page", 2), "/blog/page/2/");
        assert_eq!(paged_url("/", "p", 3), "/p/3/");
    }
}
