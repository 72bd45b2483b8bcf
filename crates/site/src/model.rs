//! The site model: rendered sources arranged into what templates show (sorted posts, tags,
//! archive, sections, pagination, neighbours). Pure.

use myblog_config::absolute;
use myblog_config::tag_path;
use myblog_config::term_path;
use myblog_config::with_base;
use myblog_config::SiteConfig;
use myblog_content::Kind;
use myblog_content::Source;
use myblog_markdown::Rendered;
use myblog_markdown::TocEntry;
use myblog_utils::date_string;
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize)]
pub struct TagRef {
    pub name: String,
    pub slug: String,
    pub path: String,
}

/// What every list shows of a page (no full content, to keep list pages' memory flat).
#[derive(Debug, Clone, Serialize)]
pub struct PageSummary {
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub slug: String,
    pub path: String,
    pub permalink: String,
    pub date: Option<String>,
    pub date_rfc3339: Option<String>,
    pub updated: Option<String>,
    pub year: Option<i32>,
    pub tags: Vec<TagRef>,
    /// Terms of the other taxonomies, by taxonomy name (absent from lists and pages that have
    /// none, so a site with tags only serializes nothing more).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub taxonomies: BTreeMap<String, Vec<TagRef>>,
    pub summary: String,
    pub has_more: bool,
    pub word_count: usize,
    pub reading_time: usize,
    pub draft: bool,
    pub extra: serde_json::Value,
    /// Absolute URL of the picture link previews show (`og:image`), if the page has one.
    pub image: Option<String>,
}

/// The same page in another language.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Translation {
    pub lang: String,
    pub title: String,
    pub path: String,
    pub permalink: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Neighbour {
    pub title: String,
    pub path: String,
}

/// One page or post with everything its own template needs.
#[derive(Debug, Clone)]
pub struct Page {
    pub source: Source,
    pub summary: PageSummary,
    pub content: String,
    pub toc: Vec<TocEntry>,
    pub date: Option<OffsetDateTime>,
    pub lower: Option<Neighbour>,
    pub higher: Option<Neighbour>,
    /// The template its section gives it (`page_template`), or in a Zola or Hugo site the one
    /// its front matter names when the theme has it.
    pub inherited_template: Option<String>,
    /// The page in the site's other languages (none on a one-language site).
    pub translations: Vec<Translation>,
    /// Posts that share its terms, best first (posts only; `[related] count`).
    pub related: Vec<crate::related::Related>,
}

#[derive(Serialize)]
pub struct SectionHead<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub content: &'a str,
    pub path: &'a str,
    pub extra: &'a serde_json::Value,
    /// The home in the other languages (on its first page only).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub translations: &'a [Translation],
}

#[derive(Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub summary: &'a PageSummary,
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub lower: &'a Option<Neighbour>,
    pub higher: &'a Option<Neighbour>,
    pub lang: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub translations: &'a [Translation],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub related: &'a [crate::related::Related],
}

impl Page {
    /// Whether search engines and the site's own search may list the page: not a draft, and
    /// not `extra.noindex = true`.
    pub fn is_indexed(&self) -> bool {
        !self.source.front.draft && self.source.front.extra.get("noindex").and_then(|v| v.as_bool()) != Some(true)
    }

    pub fn view(&self) -> PageView<'_> {
        PageView {
            summary: &self.summary,
            content: &self.content,
            toc: &self.toc,
            lower: &self.lower,
            higher: &self.higher,
            lang: &self.source.lang,
            translations: &self.translations,
            related: &self.related,
        }
    }
    /// A section as the home page shows it: everything but its list of pages; its
    /// translations on the first page (the others' later pages list other posts).
    pub fn section_head(&self, first_page: bool) -> SectionHead<'_> {
        SectionHead {
            title: &self.summary.title,
            description: &self.summary.description,
            content: &self.content,
            path: &self.summary.path,
            extra: &self.summary.extra,
            translations: if first_page { &self.translations } else { &[] },
        }
    }
    pub fn template(&self) -> String {
        self.source.front.template.clone().or_else(|| self.inherited_template.clone()).unwrap_or_else(|| match self.source.kind {
            Kind::Post => "post.html".into(),
            Kind::Section => "section.html".into(),
            Kind::Page => "page.html".into(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TagInfo {
    pub name: String,
    pub slug: String,
    pub path: String,
    pub count: usize,
    /// The posts, pages and sections carrying the term, newest first (undated ones last).
    #[serde(skip)]
    pub members: Vec<crate::sections::Member>,
}

pub struct Site {
    /// Newest first.
    pub posts: Vec<Page>,
    pub pages: Vec<Page>,
    /// Section indexes (`_index.md`), the home one included (url `/`).
    pub sections: Vec<Page>,
    /// Every configured taxonomy (`tags` by default), in site.toml's order.
    pub taxonomies: Vec<crate::taxonomy::Taxonomy>,
    /// The pages each section lists, sorted (parallel to `sections`).
    pub section_pages: Vec<crate::lists::SectionList>,
    /// `[content] paginate_path`: the folder of a term's later pages.
    pub paginate_path: String,
}

impl Site {
    pub fn empty() -> Site {
        Site {
            posts: Vec::new(),
            pages: Vec::new(),
            sections: Vec::new(),
            taxonomies: Vec::new(),
            section_pages: Vec::new(),
            paginate_path: String::new(),
        }
    }

    /// The `tags` taxonomy, if configured.
    pub fn tags(&self) -> Option<&crate::taxonomy::Taxonomy> {
        self.taxonomies.iter().find(|t| t.name == myblog_config::TAGS)
    }

    pub fn member(&self, m: crate::sections::Member) -> &Page {
        m.of(&self.posts, &self.pages, &self.sections)
    }
}

/// `url` as written in a page at `page_path`, made absolute (previews are read off-site).
fn absolute_url(config: &SiteConfig, page_path: &str, url: String) -> String {
    if url.contains("://") || url.starts_with("//") {
        url
    } else if url.starts_with('/') {
        absolute(config, &url)
    } else {
        absolute(config, &format!("{page_path}{url}"))
    }
}

fn rfc3339(d: &OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Arranges rendered sources into the site. Drafts and future posts must already be filtered.
pub fn assemble(config: &SiteConfig, items: Vec<(Source, Rendered)>) -> Site {
    let mut posts = Vec::new();
    let mut pages = Vec::new();
    let mut sections = Vec::new();
    for (source, rendered) in items {
        let date = source.front.date;
        let path = with_base(config, &source.url_path);
        let tags = source
            .front
            .tags
            .iter()
            .map(|t| {
                let slug = config.content.term_slugs().apply(t);
                TagRef { name: t.clone(), path: tag_path(config, &slug), slug }
            })
            .collect();
        let image = rendered.image.map(|u| absolute_url(config, &path, u));
        let summary = PageSummary {
            title: source.front.title.clone(),
            description: source.front.description.clone().unwrap_or_default(),
            kind: source.kind,
            slug: source.slug().to_string(),
            permalink: absolute(config, &path),
            path,
            date: date.as_ref().map(date_string),
            date_rfc3339: date.as_ref().map(rfc3339),
            updated: source.front.updated.as_ref().map(date_string),
            year: date.map(|d| d.year()),
            tags,
            taxonomies: crate::taxonomy::page_terms(&source.front, &config.taxonomies, config.content.term_slugs(), |t, s| {
                term_path(config, t, s)
            }),
            summary: rendered.summary,
            has_more: rendered.has_more,
            word_count: rendered.word_count,
            reading_time: rendered.reading_time,
            draft: source.front.draft,
            extra: source.front.extra.clone(),
            image,
        };
        let kind = source.kind;
        let page = Page {
            source,
            summary,
            content: rendered.content,
            toc: rendered.toc,
            date,
            lower: None,
            higher: None,
            inherited_template: None,
            translations: Vec::new(),
            related: Vec::new(),
        };
        match kind {
            Kind::Post => posts.push(page),
            Kind::Page => pages.push(page),
            Kind::Section => sections.push(page),
        }
    }
    // Newest first; ties broken by path so the order never depends on thread timing.
    posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.source.url_path.cmp(&b.source.url_path)));
    pages.sort_by(|a, b| a.source.url_path.cmp(&b.source.url_path));
    sections.sort_by(|a, b| a.source.url_path.cmp(&b.source.url_path));
    let n = posts.len();
    for i in 0..n {
        let higher = (i > 0).then(|| Neighbour { title: posts[i - 1].summary.title.clone(), path: posts[i - 1].summary.path.clone() });
        let lower = (i + 1 < n).then(|| Neighbour { title: posts[i + 1].summary.title.clone(), path: posts[i + 1].summary.path.clone() });
        posts[i].higher = higher;
        posts[i].lower = lower;
    }
    crate::related::relate(&mut posts, config.related.count);
    let taxonomies = crate::taxonomy::gather(&posts, &pages, &sections, &config.taxonomies);
    let section_pages = crate::sections::members(config, &posts, &pages, &sections)
        .into_iter()
        .zip(&sections)
        .map(|(members, s)| crate::lists::SectionList {
            members,
            paginate_by: crate::sections::paginate_by(config, s),
            paginate_path: crate::sections::paginate_path(config, s).to_string(),
            feed: s.source.front.section.feed,
        })
        .collect();
    Site { posts, pages, sections, taxonomies, section_pages, paginate_path: config.content.paginate_path.clone() }
}

#[derive(Serialize, Debug, PartialEq)]
pub struct PageLink {
    pub number: usize,
    pub path: String,
    /// Pages are left out between the previous link and this one (the bar shows an ellipsis).
    pub gap_before: bool,
}

/// Pages either side of the current one that the pagination bar links to (besides the first
/// and the last): a bar never grows with the blog.
pub const PAGINATION_WINDOW: usize = 2;

/// The pagination bar of page `current` of `total`: the first, the last, and the pages within
/// [`PAGINATION_WINDOW`] of the current one.
pub fn pagination_links(current: usize, total: usize, path: impl Fn(usize) -> String) -> Vec<PageLink> {
    // Only the candidates are visited: walking 1..=total on each of a big blog's thousands of
    // home pages would cost pages².
    let near = current.saturating_sub(PAGINATION_WINDOW).max(1)..=(current + PAGINATION_WINDOW).min(total);
    let mut numbers: Vec<usize> = std::iter::once(1).chain(near).chain(std::iter::once(total)).filter(|&i| i >= 1 && i <= total).collect();
    numbers.dedup();
    let mut links: Vec<PageLink> = Vec::new();
    for i in numbers {
        let gap_before = links.last().is_some_and(|l| l.number + 1 != i);
        links.push(PageLink { number: i, path: path(i), gap_before });
    }
    links
}

/// URL path of page `n` (1-based) of the home listing, later pages in `paginate_path`.
pub fn home_page_path(paginate_path: &str, n: usize) -> String {
    crate::sections::paged_url("/", paginate_path, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_bar_stays_short() {
        let nums = |c, t| pagination_links(c, t, |i| format!("/page/{i}/")).iter().map(|l| (l.number, l.gap_before)).collect::<Vec<_>>();
        assert_eq!(nums(1, 3), [(1, false), (2, false), (3, false)]);
        assert_eq!(nums(1, 2000), [(1, false), (2, false), (3, false), (2000, true)]);
        assert_eq!(nums(1000, 2000), [(1, false), (998, true), (999, false), (1000, false), (1001, false), (1002, false), (2000, true)]);
        assert_eq!(nums(1, 1), [(1, false)]);
    }
}
