//! The site model: rendered sources arranged into what templates show (sorted posts, tags,
//! archive, sections, pagination, neighbours). Pure.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::config::SiteConfig;
use crate::content::{slugify, Kind, Source};
use crate::markdown::{Rendered, TocEntry};

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
    pub summary: String,
    pub has_more: bool,
    pub word_count: usize,
    pub reading_time: usize,
    pub draft: bool,
    pub extra: serde_json::Value,
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
}

#[derive(Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub summary: &'a PageSummary,
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub lower: &'a Option<Neighbour>,
    pub higher: &'a Option<Neighbour>,
}

impl Page {
    pub fn view(&self) -> PageView<'_> {
        PageView { summary: &self.summary, content: &self.content, toc: &self.toc, lower: &self.lower, higher: &self.higher }
    }
    pub fn template(&self) -> String {
        self.source.front.template.clone().unwrap_or_else(|| match self.source.kind {
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
    /// Indexes into `Site::posts`, newest first.
    #[serde(skip)]
    pub posts: Vec<usize>,
}

pub struct Site {
    /// Newest first.
    pub posts: Vec<Page>,
    pub pages: Vec<Page>,
    /// Section indexes (`_index.md`), the home one included (url `/`).
    pub sections: Vec<Page>,
    /// By slug.
    pub tags: BTreeMap<String, TagInfo>,
}

pub fn date_string(d: &OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn rfc3339(d: &OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Prefixes the site's base path to a root-relative URL path.
pub fn with_base(config: &SiteConfig, path: &str) -> String {
    format!("{}{}", config.base_path(), path)
}

pub fn absolute(config: &SiteConfig, path: &str) -> String {
    let origin_len = config.base_url.len() - config.base_path().len();
    format!("{}{}", &config.base_url[..origin_len], path)
}

pub fn tag_path(config: &SiteConfig, slug: &str) -> String {
    with_base(config, &format!("/tags/{slug}/"))
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
                let slug = slugify(t);
                TagRef { name: t.clone(), path: tag_path(config, &slug), slug }
            })
            .collect();
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
            summary: rendered.summary,
            has_more: rendered.has_more,
            word_count: rendered.word_count,
            reading_time: rendered.reading_time,
            draft: source.front.draft,
            extra: source.front.extra.clone(),
        };
        let kind = source.kind;
        let page = Page { source, summary, content: rendered.content, toc: rendered.toc, date, lower: None, higher: None };
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
    let mut tags: BTreeMap<String, TagInfo> = BTreeMap::new();
    for (i, post) in posts.iter().enumerate() {
        for t in &post.summary.tags {
            tags.entry(t.slug.clone())
                .or_insert_with(|| TagInfo {
                    name: t.name.clone(),
                    slug: t.slug.clone(),
                    path: t.path.clone(),
                    count: 0,
                    posts: Vec::new(),
                })
                .posts
                .push(i);
        }
    }
    for t in tags.values_mut() {
        t.count = t.posts.len();
    }
    Site { posts, pages, sections, tags }
}

#[derive(Serialize)]
pub struct PageLink {
    pub number: usize,
    pub path: String,
}

/// URL path of page `n` (1-based) of the home listing.
pub fn home_page_path(n: usize) -> String {
    if n <= 1 {
        "/".into()
    } else {
        format!("/page/{n}/")
    }
}
