//! The HTML outputs of a site, one `Job` each, and where each is written.

use super::prepare::Prepared;
use myblog_config::SiteConfig;
use myblog_site::home_page_path;
use myblog_site::Site;

/// One rendered HTML output. Identified by position and key (not by reference) so `serve`
/// can keep a list of jobs across rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    /// Index into `Site::posts`.
    Post(usize),
    /// Index into `Site::pages`.
    Page(usize),
    /// Index into `Site::sections` (not the home section, which `Home` shows), page number.
    Section(usize, usize),
    /// Home page number (1-based).
    Home(usize),
    /// Index into `Site::taxonomies`: its list of terms.
    Taxonomy(usize),
    /// Taxonomy index, term slug, page number.
    Term(usize, String, usize),
    Archive,
    /// The search page (`search.html`), which reads the index `finish` writes.
    Search,
    NotFound,
}

impl Job {
    /// URL path of the output (`/posts/x/`, `/404.html`).
    pub fn url_path(&self, site: &Site) -> String {
        match self {
            Job::Post(i) => site.posts[*i].source.url_path.clone(),
            Job::Page(i) => site.pages[*i].source.url_path.clone(),
            Job::Section(i, n) => myblog_site::paged_url(&site.sections[*i].source.url_path, &site.section_pages[*i].paginate_path, *n),
            Job::Home(n) => home_page_path(myblog_site::home_paginate_path(&site.paginate_path, &site.sections), *n),
            Job::Taxonomy(t) => format!("/{}/", site.taxonomies[*t].name),
            Job::Term(t, slug, n) => site.taxonomies[*t].term_page_url(slug, &site.paginate_path, *n),
            Job::Archive => "/archive/".into(),
            Job::Search => format!("/{}/", myblog_site::search::SEARCH_DIR),
            Job::NotFound => "/404.html".into(),
        }
    }

    /// The template the output is rendered with.
    pub fn template(&self, site: &Site) -> String {
        match self {
            Job::Post(i) => site.posts[*i].template(),
            Job::Page(i) => site.pages[*i].template(),
            Job::Section(i, _) => site.sections[*i].template(),
            Job::Home(_) => "index.html".into(),
            Job::Taxonomy(t) if site.taxonomies[*t].name == myblog_config::TAGS => "tags.html".into(),
            Job::Taxonomy(_) => "taxonomy.html".into(),
            Job::Term(t, ..) if site.taxonomies[*t].name == myblog_config::TAGS => "tag.html".into(),
            Job::Term(..) => "term.html".into(),
            Job::Archive => "archive.html".into(),
            Job::Search => "search.html".into(),
            Job::NotFound => "404.html".into(),
        }
    }

    /// Output file relative to public/.
    pub fn output_path(&self, site: &Site) -> String {
        let url = self.url_path(site);
        if url.ends_with(".html") {
            url.trim_start_matches('/').to_string()
        } else {
            format!("{}index.html", url.trim_start_matches('/'))
        }
    }
}

/// Every HTML output of the site.
pub fn jobs(prepared: &Prepared) -> Vec<Job> {
    let site = &prepared.site;
    let home_total = home_pages(site, &prepared.config);
    let mut jobs: Vec<Job> = Vec::new();
    jobs.extend((0..site.posts.len()).map(Job::Post));
    jobs.extend((0..site.pages.len()).map(Job::Page));
    for (i, s) in site.sections.iter().enumerate() {
        if s.source.url_path != "/" {
            jobs.extend((1..=site.section_pages[i].pages()).map(|n| Job::Section(i, n)));
        }
    }
    jobs.extend((1..=home_total).map(Job::Home));
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (slug, info) in &tax.terms {
            jobs.extend((1..=tax.pages_of(info)).map(|n| Job::Term(t, slug.clone(), n)));
        }
    }
    // A moved-in site's own page at /archive/ (or /search/) wins over myblog's.
    let taken = |url: &str| site.posts.iter().chain(&site.pages).chain(&site.sections).any(|p| p.source.url_path == url);
    if !taken("/archive/") {
        jobs.push(Job::Archive);
    }
    if prepared.config.search.enabled && prepared.renderer.has_template("search.html") && !taken(&Job::Search.url_path(site)) {
        jobs.push(Job::Search);
    }
    if prepared.renderer.has_template("404.html") {
        jobs.push(Job::NotFound);
    }
    jobs
}

pub fn home_pages(site: &Site, config: &SiteConfig) -> usize {
    site.posts.len().div_ceil(myblog_site::home_paginate_by(config, &site.sections)).max(1)
}
