//! List pages beyond the home and the archive: sections (paginated when configured), each
//! taxonomy's list of terms and each term's pages, their feeds, and the `page/1/` redirects a
//! Zola or Hugo site answered at. Each page's context holds only the pages it shows.

use crate::model;
use crate::model::Page;
use crate::model::PageLink;
use crate::model::PageSummary;
use crate::model::Site;
use crate::model::TagInfo;
use crate::redirects::Redirect;
use crate::sections::paged_url;
use crate::sections::Member;
use crate::taxonomy::Taxonomy;
use myblog_config::Dialect;
use myblog_config::SiteConfig;
use myblog_config::TAGS;
use serde::Serialize;
use tera::Context;

/// How one section lists its pages.
#[derive(Debug, Clone)]
pub struct SectionList {
    /// Sorted.
    pub members: Vec<Member>,
    pub paginate_by: Option<usize>,
    pub paginate_path: String,
    pub feed: bool,
}

impl SectionList {
    pub fn pages(&self) -> usize {
        match self.paginate_by {
            Some(per) => self.members.len().div_ceil(per).max(1),
            None => 1,
        }
    }
}

#[derive(Serialize)]
pub struct Paginator<'a> {
    pub pages: Vec<&'a PageSummary>,
    pub current: usize,
    pub total: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub first: String,
    pub last: String,
    pub links: Vec<PageLink>,
}

impl<'a> Paginator<'a> {
    /// Page `n` of `total` of a list; `url(i)` is the root-relative URL of page `i`.
    pub fn new(pages: Vec<&'a PageSummary>, n: usize, total: usize, url: impl Fn(usize) -> String) -> Paginator<'a> {
        Paginator {
            pages,
            current: n,
            total,
            previous: (n > 1).then(|| url(n - 1)),
            next: (n < total).then(|| url(n + 1)),
            first: url(1),
            last: url(total),
            links: model::pagination_links(n, total, &url),
        }
    }
}

/// The range of a list's items page `n` shows.
fn window(len: usize, per: Option<usize>, n: usize) -> std::ops::Range<usize> {
    match per {
        Some(per) => ((n - 1) * per).min(len)..(n * per).min(len),
        None => 0..len,
    }
}

/// `section` (and `paginator` when the section is paginated) for page `n` of section `i`.
pub fn section_context(site: &Site, config: &SiteConfig, i: usize, n: usize, ctx: &mut Context) {
    let section = &site.sections[i];
    let list = &site.section_pages[i];
    let shown: Vec<&PageSummary> =
        list.members[window(list.members.len(), list.paginate_by, n)].iter().map(|m| &site.member(*m).summary).collect();
    let feed = has_section_feed(config, list)
        .then(|| myblog_config::with_base(config, &format!("{}{}", section.source.url_path, config.feeds.filename)));
    // A struct, not `json!`: that built every listed page's value once, then tera copied it.
    #[derive(Serialize)]
    struct SectionView<'a> {
        title: &'a str,
        description: &'a str,
        content: &'a str,
        path: &'a str,
        extra: &'a serde_json::Value,
        pages: &'a [&'a PageSummary],
        feed: Option<String>,
        /// The list in the other languages, on its first page only (their later pages hold
        /// other posts).
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        translations: &'a [crate::model::Translation],
    }
    ctx.insert(
        "section",
        &SectionView {
            title: &section.summary.title,
            description: &section.summary.description,
            content: &section.content,
            path: &section.summary.path,
            extra: &section.summary.extra,
            pages: &shown,
            feed,
            translations: if n == 1 { &section.translations } else { &[] },
        },
    );
    match list.paginate_by {
        Some(_) => {
            let url = |k: usize| myblog_config::with_base(config, &paged_url(&section.source.url_path, &list.paginate_path, k));
            ctx.insert("paginator", &Paginator::new(shown, n, list.pages(), url));
        }
        None => ctx.insert("paginator", &None::<()>),
    }
}

#[derive(Serialize)]
struct TaxonomyView<'a> {
    name: &'a str,
    path: String,
    feed: Option<String>,
}

fn taxonomy_view<'a>(config: &SiteConfig, t: &'a Taxonomy) -> TaxonomyView<'a> {
    TaxonomyView {
        name: &t.name,
        path: myblog_config::with_base(config, &format!("/{}/", t.name)),
        feed: config.feeds.every_list.then(|| myblog_config::with_base(config, &format!("/{}/{}", t.name, config.feeds.filename))),
    }
}

/// `/<taxonomy>/`: `taxonomy` with its `terms` (by name), and `tags` on the tags page.
pub fn taxonomy_context(site: &Site, config: &SiteConfig, t: usize, ctx: &mut Context) {
    let tax = &site.taxonomies[t];
    let terms: Vec<&TagInfo> = tax.terms.values().collect();
    if tax.name == TAGS {
        ctx.insert("tags", &terms);
    }
    ctx.insert("taxonomy", &taxonomy_view(config, tax));
    ctx.insert("terms", &terms);
}

#[derive(Serialize)]
struct TermView<'a> {
    #[serde(flatten)]
    info: &'a TagInfo,
    pages: Vec<&'a PageSummary>,
    feed: Option<String>,
}

/// Page `n` of a term: `term` (`tag` on a tag's page) with the pages it shows (posts and other
/// pages carrying the term), `taxonomy`, and
/// `paginator` when the taxonomy is paginated.
pub fn term_context(site: &Site, config: &SiteConfig, t: usize, slug: &str, n: usize, ctx: &mut Context) -> bool {
    let tax = &site.taxonomies[t];
    let Some(info) = tax.terms.get(slug) else { return false };
    let pages: Vec<&PageSummary> =
        info.members[window(info.members.len(), tax.paginate_by, n)].iter().map(|&m| &site.member(m).summary).collect();
    let feed = (tax.feed || config.feeds.every_list)
        .then(|| myblog_config::with_base(config, &format!("/{}/{slug}/{}", tax.name, config.feeds.filename)));
    let view = TermView { info, pages, feed };
    // One name only: the view holds every post of the term, and serialising it twice made
    // tag pages the biggest cost of a build.
    ctx.insert(if tax.name == TAGS { "tag" } else { "term" }, &view);
    ctx.insert("taxonomy", &taxonomy_view(config, tax));
    match tax.paginate_by {
        Some(_) => {
            let url = |k: usize| myblog_config::with_base(config, &tax.term_page_url(slug, &config.content.paginate_path, k));
            ctx.insert("paginator", &Paginator::new(view.pages.clone(), n, tax.pages_of(info), url));
        }
        None => ctx.insert("paginator", &None::<()>),
    }
    true
}

fn has_section_feed(config: &SiteConfig, list: &SectionList) -> bool {
    list.feed || config.feeds.every_list
}

/// Whether the site has feeds of lists (see [`feeds`]).
pub fn has_feeds(site: &Site, config: &SiteConfig) -> bool {
    config.feeds.every_list || site.taxonomies.iter().any(|t| t.feed) || site.section_pages.iter().any(|l| l.feed)
}

/// Feeds of list pages: terms of taxonomies with `feed = true`, sections with `feed = true`,
/// and with `[feeds] every_list` the home, every section, taxonomy and term. (Output path, body.)
pub fn feeds(site: &Site, config: &SiteConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let every = config.feeds.every_list;
    let posts_of = |members: &[Member]| -> Vec<&Page> {
        members
            .iter()
            .filter_map(|m| match *m {
                Member::Post(i) => Some(&site.posts[i]),
                Member::Page(_) | Member::Section(_) => None,
            })
            .collect()
    };
    if every && !matches!(config.feeds.filename.as_str(), "atom.xml" | "rss.xml") {
        let latest: Vec<&Page> = site.posts.iter().take(crate::feeds::FEED_LIMIT).collect();
        out.push(crate::feeds::list_feed(config, &config.title, "/", &latest));
    }
    for (i, section) in site.sections.iter().enumerate() {
        let list = &site.section_pages[i];
        if section.source.url_path != "/" && has_section_feed(config, list) {
            // Newest first whatever order the section lists them in (stable: ties keep it).
            let mut newest = posts_of(&list.members);
            newest.sort_by_key(|p| std::cmp::Reverse(p.date));
            newest.truncate(crate::feeds::FEED_LIMIT);
            let title = format!("{} · {}", section.summary.title, config.title);
            out.push(crate::feeds::list_feed(config, &title, &section.source.url_path, &newest));
        }
    }
    for tax in &site.taxonomies {
        if every {
            // As Hugo's: one item per term, the most recently used first (a term's pages are
            // newest first, so its date is its first page's).
            let mut items: Vec<crate::feeds::LinkItem<'_>> = tax
                .terms
                .iter()
                .map(|(slug, t)| crate::feeds::LinkItem {
                    title: &t.name,
                    path: format!("/{}/{slug}/", tax.name),
                    date: t.members.first().and_then(|&m| site.member(m).date),
                })
                .collect();
            items.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.title.cmp(b.title)));
            out.push(crate::feeds::link_feed(config, &format!("{} · {}", tax.name, config.title), &format!("/{}/", tax.name), &items));
        }
        if tax.feed || every {
            for (slug, t) in &tax.terms {
                // Dated pages only, as Zola's feeds (Hugo dates the others 0001-01-01).
                let newest: Vec<&Page> =
                    t.members.iter().map(|&m| site.member(m)).filter(|p| p.date.is_some()).take(crate::feeds::FEED_LIMIT).collect();
                let title = format!("{} · {}", t.name, config.title);
                out.push(crate::feeds::list_feed(config, &title, &format!("/{}/{slug}/", tax.name), &newest));
            }
        }
    }
    out
}

/// Zola and Hugo answer a paginated list's first page at `<list>/page/1/` too (a redirect to the
/// list): a moved-in site keeps those URLs.
pub fn first_page_redirects(site: &Site, config: &SiteConfig) -> Vec<Redirect> {
    if config.content.dialect.is_strict() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut add = |list: &str, pp: &str| {
        let from = format!("{list}{pp}/1/");
        let to = myblog_config::absolute(config, &myblog_config::with_base(config, list));
        out.push(Redirect { output: format!("{}index.html", from.trim_start_matches('/')), from, to, at_root: false });
    };
    let home = site.sections.iter().position(|s| s.source.url_path == "/");
    let home_paginated = config.content.dialect == Dialect::Hugo || home.is_some_and(|i| site.section_pages[i].paginate_by.is_some());
    if home_paginated {
        add("/", crate::sections::home_paginate_path(&config.content.paginate_path, &site.sections));
    }
    for (i, s) in site.sections.iter().enumerate() {
        let list = &site.section_pages[i];
        if s.source.url_path != "/" && list.paginate_by.is_some() {
            add(&s.source.url_path, &list.paginate_path);
        }
    }
    if config.content.dialect == Dialect::Hugo {
        // Hugo pages a taxonomy's list of terms as it pages any list, empty or not.
        for tax in &site.taxonomies {
            add(&format!("/{}/", tax.name), tax.paginate_path.as_deref().unwrap_or(&config.content.paginate_path));
        }
    }
    for tax in site.taxonomies.iter().filter(|t| t.paginate_by.is_some()) {
        for slug in tax.terms.keys() {
            add(&format!("/{}/{slug}/", tax.name), tax.paginate_path.as_deref().unwrap_or(&config.content.paginate_path));
        }
    }
    out
}
