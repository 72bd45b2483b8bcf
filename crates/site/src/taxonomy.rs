//! Taxonomies: `tags` and any other the site configures (`categories`, `authors`, `series`...).
//! Each has a list page (`/categories/`) and a page per term (`/categories/rust/`), paginated
//! and with a feed when configured. Terms are gathered in one pass over the posts and pages. Pure.

use crate::model::Page;
use crate::model::PageSummary;
use crate::model::TagInfo;
use crate::model::TagRef;
use crate::sections::Member;
use myblog_config::TaxonomyConfig;
use myblog_config::TAGS;
use myblog_content::FrontMatter;
use myblog_content::Source;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One taxonomy of the built site.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub feed: bool,
    pub paginate_by: Option<usize>,
    pub paginate_path: Option<String>,
    /// By slug.
    pub terms: BTreeMap<String, TagInfo>,
}

impl Taxonomy {
    /// URL path of page `n` of term `slug`; `default` is `[content] paginate_path`.
    pub fn term_page_url(&self, slug: &str, default: &str, n: usize) -> String {
        crate::sections::paged_url(&format!("/{}/{slug}/", self.name), self.paginate_path.as_deref().unwrap_or(default), n)
    }

    /// Pages of term `t` (at least one).
    pub fn pages_of(&self, t: &TagInfo) -> usize {
        match self.paginate_by {
            Some(per) => t.members.len().div_ceil(per).max(1),
            None => 1,
        }
    }
}

/// The terms a page gives taxonomy `name`: `tags`, Zola's `[taxonomies] name`, or (Hugo) the
/// front-matter key of that name, kept in `extra`.
pub fn terms_of<'a>(front: &'a FrontMatter, name: &str) -> Cow<'a, [String]> {
    if name == TAGS {
        return Cow::Borrowed(&front.tags);
    }
    if let Some(t) = front.taxonomies.get(name) {
        return Cow::Borrowed(t);
    }
    match front.extra.get(name) {
        Some(serde_json::Value::String(s)) => Cow::Owned(vec![s.clone()]),
        Some(serde_json::Value::Array(items)) => Cow::Owned(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        _ => Cow::Borrowed(&[]),
    }
}

/// The term references of one page for every taxonomy but tags (which `PageSummary::tags`
/// holds), deduplicated by slug. Empty (no allocation) for a site with tags only.
pub fn page_terms(
    front: &FrontMatter,
    taxonomies: &[TaxonomyConfig],
    slugs: myblog_config::Slugify,
    path: impl Fn(&str, &str) -> String,
) -> BTreeMap<String, Vec<TagRef>> {
    let mut out = BTreeMap::new();
    for t in taxonomies.iter().filter(|t| t.name != TAGS) {
        let mut refs: Vec<TagRef> = Vec::new();
        for term in terms_of(front, &t.name).iter() {
            let name = term.trim().to_string();
            let slug = slugs.apply(&name);
            if slug.is_empty() || refs.iter().any(|r| r.slug == slug) {
                continue;
            }
            refs.push(TagRef { path: path(&t.name, &slug), name, slug });
        }
        if !refs.is_empty() {
            out.insert(t.name.clone(), refs);
        }
    }
    out
}

/// Every term a page carries, with its taxonomy's name: its tags, then the other taxonomies'.
pub fn refs_of(s: &PageSummary) -> impl Iterator<Item = (&str, &TagRef)> {
    s.tags.iter().map(|r| (TAGS, r)).chain(s.taxonomies.iter().flat_map(|(name, refs)| refs.iter().map(move |r| (name.as_str(), r))))
}

/// Every configured taxonomy with its terms, in one pass over the posts (newest first), pages
/// and sections. A term lists every page carrying it, as Zola and Hugo do, not only posts: an
/// `about` page tagged `meta` is on `/tags/meta/`, and so is a section whose `_index.md` has the
/// term (Hugo lists it; Zola's sections cannot have terms). Newest first, undated ones last.
pub fn gather(posts: &[Page], pages: &[Page], sections: &[Page], taxonomies: &[TaxonomyConfig]) -> Vec<Taxonomy> {
    let mut out: Vec<Taxonomy> = taxonomies
        .iter()
        .map(|t| Taxonomy {
            name: t.name.clone(),
            feed: t.feed,
            paginate_by: t.paginate_by,
            paginate_path: t.paginate_path.clone(),
            terms: BTreeMap::new(),
        })
        .collect();
    let by_name: HashMap<&str, usize> = taxonomies.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let add = |terms: &mut BTreeMap<String, TagInfo>, r: &TagRef, m: Member| {
        terms
            .entry(r.slug.clone())
            .or_insert_with(|| TagInfo { name: r.name.clone(), slug: r.slug.clone(), path: r.path.clone(), count: 0, members: Vec::new() })
            .members
            .push(m);
    };
    let members = posts
        .iter()
        .enumerate()
        .map(|(i, p)| (Member::Post(i), p))
        .chain(pages.iter().enumerate().map(|(i, p)| (Member::Page(i), p)))
        .chain(sections.iter().enumerate().map(|(i, p)| (Member::Section(i), p)));
    for (m, page) in members {
        for (name, r) in refs_of(&page.summary) {
            if let Some(&ti) = by_name.get(name) {
                add(&mut out[ti].terms, r, m);
            }
        }
    }
    let of = |m: &Member| m.of(posts, pages, sections);
    for t in &mut out {
        for info in t.terms.values_mut() {
            // Posts come in their order already; the others are merged in by the same rule
            // (date, newest first, undated last; ties by URL), stable so equal posts keep theirs.
            if info.members.iter().any(|m| !matches!(m, Member::Post(_))) {
                info.members.sort_by(|a, b| {
                    let (a, b) = (of(a), of(b));
                    b.date.cmp(&a.date).then_with(|| a.source.url_path.cmp(&b.source.url_path))
                });
            }
            info.count = info.members.len();
        }
    }
    out
}

/// Two terms of one taxonomy that make the same URL (`C` and `C++` both become `/tags/c/`)
/// would silently merge: each such pair is an error naming both spellings and a file using
/// each. Spellings that differ only in case or word separators (`Rust`, `rust`; `Machine
/// Learning`, `machine-learning`) are one term written two ways, and merge.
pub fn check_terms(sources: &[Source], config: &myblog_config::SiteConfig) -> myblog_utils::Result<()> {
    let taxonomies = &config.taxonomies;
    fn spelling(t: &str) -> String {
        let words: Vec<String> =
            t.split(|c: char| c.is_whitespace() || c == '-' || c == '_').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        words.join("-")
    }
    let mut errors = Vec::new();
    if config.content.dialect.is_strict() {
        // In a myblog site a taxonomy in front matter that site.toml does not list is a typo.
        let known: Vec<&str> = taxonomies.iter().map(|t| t.name.as_str()).collect();
        for s in sources {
            for name in s.front.taxonomies.keys().filter(|n| !known.contains(&n.as_str())) {
                let hint = match myblog_utils::closest(name, &known) {
                    Some(k) => format!("did you mean `{k}`? Or add [[taxonomies]] name = {name:?} to site.toml"),
                    None => format!("add [[taxonomies]] name = {name:?} to site.toml, or remove it"),
                };
                errors.push(
                    Diagnostic::new(&s.display_path, format!("front matter: taxonomy {name:?} is not configured")).line(1).hint(hint),
                );
            }
        }
    }
    for tax in taxonomies {
        let what = if tax.name == TAGS { "tag".to_string() } else { format!("{} term", tax.name) };
        let mut by_slug: HashMap<String, (String, &Source)> = HashMap::new();
        let mut reported = HashSet::new();
        for s in sources {
            for t in terms_of(&s.front, &tax.name).iter() {
                let t = t.trim();
                let slug = config.content.term_slugs().apply(t);
                if slug.is_empty() {
                    if tax.name != TAGS {
                        errors
                            .push(Diagnostic::new(&s.display_path, format!("front matter: {what} {t:?} has no letters or digits")).line(1));
                    }
                    continue;
                }
                match by_slug.get(&slug) {
                    Some((first, other)) if spelling(first) != spelling(t) => {
                        if reported.insert((slug.clone(), first.clone(), t.to_string())) {
                            errors.push(
                                Diagnostic::new(
                                    &s.display_path,
                                    format!(
                                        "{what} {t:?} and {what} {first:?} (in {}) would share the page /{}/{slug}/",
                                        other.display_path.display(),
                                        tax.name
                                    ),
                                )
                                .line(1)
                                .hint(format!(
                                    "spell the {what} the same way in every post, or make the two names differ in letters or digits"
                                )),
                            );
                        }
                    }
                    Some(_) => {}
                    None => {
                        by_slug.insert(slug, (t.to_string(), s));
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        Err(Error::Input(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(file: &str, front: &str) -> Source {
        let text = format!("+++\ntitle = \"x\"\ndate = 2024-01-01\n{front}\n+++\n");
        let rules = myblog_config::ContentConfig { dialect: myblog_config::Dialect::Zola, ..Default::default() };
        myblog_content::parse_source_with(file, std::path::Path::new(&format!("content/{file}")), text.as_bytes(), &rules).unwrap()
    }

    fn config(names: &[&str]) -> Vec<TaxonomyConfig> {
        names.iter().map(|n| TaxonomyConfig { name: n.to_string(), feed: false, paginate_by: None, paginate_path: None }).collect()
    }

    fn site(names: &[&str], dialect: myblog_config::Dialect) -> myblog_config::SiteConfig {
        let mut c =
            myblog_config::SiteConfig::parse("title = \"t\"\nbase_url = \"https://x.org\"\n", std::path::Path::new("site.toml")).unwrap();
        c.taxonomies = config(names);
        c.content.dialect = dialect;
        c
    }

    #[test]
    fn terms_come_from_zola_tables_and_hugo_keys() {
        let s = source(
            "posts/a.md",
            "authors = [\"Ann\"]\nseries = \"Trips\"\n[taxonomies]\ncategories = [\"Code\", \"code\"]\ntags = [\"x\"]",
        );
        assert_eq!(terms_of(&s.front, "categories").to_vec(), ["Code", "code"]);
        assert_eq!(terms_of(&s.front, "authors").to_vec(), ["Ann"]);
        assert_eq!(terms_of(&s.front, "series").to_vec(), ["Trips"]);
        assert_eq!(terms_of(&s.front, "tags").to_vec(), ["x"]);
        let refs =
            page_terms(&s.front, &config(&["tags", "categories", "authors"]), myblog_config::Slugify::Myblog, |t, s| format!("/{t}/{s}/"));
        assert_eq!(refs.keys().collect::<Vec<_>>(), ["authors", "categories"]);
        assert_eq!(refs["categories"].len(), 1, "one term written two ways is one term");
        assert_eq!(refs["categories"][0].path, "/categories/code/");
    }

    #[test]
    fn terms_that_slugify_alike_are_an_error_per_taxonomy() {
        let a = source("posts/a.md", "[taxonomies]\ncategories = [\"C\"]");
        let b = source("posts/b.md", "[taxonomies]\ncategories = [\"C++\"]\ntags = [\"C++\"]");
        let zola = myblog_config::Dialect::Zola;
        let e = check_terms(&[a.clone(), b.clone()], &site(&["tags", "categories"], zola)).unwrap_err().to_string();
        assert!(
            e.contains("categories term \"C++\" and categories term \"C\" (in content/posts/a.md) would share the page /categories/c/"),
            "{e}"
        );
        assert!(!e.contains("tag \"C++\""), "tags alone do not collide: {e}");
        assert!(check_terms(&[a, b], &site(&["tags"], zola)).is_ok(), "an unconfigured taxonomy makes no pages");
    }

    #[test]
    fn tags_that_slugify_alike_are_an_error() {
        let strict = |file: &str, tags: &str| {
            let text = format!("+++\ntitle = \"x\"\ndate = 2024-01-01\ntags = {tags}\n+++\n");
            myblog_content::parse_source(file, std::path::Path::new(&format!("content/{file}")), text.as_bytes()).unwrap()
        };
        let myblog = myblog_config::Dialect::Myblog;
        let ok = [
            strict("posts/a.md", "[\"Rust\", \"C\", \"Machine Learning\"]"),
            strict("posts/b.md", "[\"C\", \"rust\", \"machine-learning\"]"),
        ];
        assert!(check_terms(&ok, &site(&["tags"], myblog)).is_ok());
        let bad = [strict("posts/a.md", "[\"C\"]"), strict("posts/b.md", "[\"C++\"]")];
        let e = check_terms(&bad, &site(&["tags"], myblog)).unwrap_err().to_string();
        assert!(e.contains("content/posts/b.md:1"), "{e}");
        assert!(e.contains("tag \"C++\" and tag \"C\" (in content/posts/a.md) would share the page /tags/c/"), "{e}");
    }

    #[test]
    fn a_myblog_site_names_an_unconfigured_taxonomy() {
        let text = "+++\ntitle = \"x\"\ndate = 2024-01-01\n[taxonomies]\ncategoreis = [\"a\"]\n+++\n";
        let s = myblog_content::parse_source("posts/a.md", std::path::Path::new("content/posts/a.md"), text.as_bytes()).unwrap();
        let e = check_terms(&[s], &site(&["tags", "categories"], myblog_config::Dialect::Myblog)).unwrap_err().to_string();
        assert!(e.contains("taxonomy \"categoreis\" is not configured") && e.contains("did you mean `categories`"), "{e}");
    }
}
