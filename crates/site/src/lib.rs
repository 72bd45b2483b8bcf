//! myblog-site: the site as data and as pages. Posts, pages and sections assembled into one
//! `Site` (lists, pagination, neighbours), taxonomies and their terms, feeds and sitemaps,
//! alias redirects, and tera rendering with the theme's templates.

mod bundle_files;
mod dates;
mod feeds;
mod lists;
mod model;
mod previews;
mod redirects;
mod related;
mod render;
pub mod search;
mod sections;
mod strings;
mod taxonomy;

pub use bundle_files::bundle_file_redirects;
pub use dates::{format as format_date, DateNames};
pub use feeds::{
    absolutize, atom, link_feed, list_feed, robots, rss, sitemap_entries, sitemaps, sitemaps_with_alternates, Alternates, Feed, LinkItem,
    FEED_LIMIT, SITEMAP_LIMIT,
};
pub use lists::{feeds, first_page_redirects, has_feeds, section_context, taxonomy_context, term_context, Paginator, SectionList};
pub use model::{
    assemble, home_page_path, pagination_links, Neighbour, Page, PageLink, PageSummary, PageView, SectionHead, Site, TagInfo, TagRef,
    Translation, PAGINATION_WINDOW,
};
pub use previews::DESCRIPTION_CHARS;
pub use redirects::{html as redirect_html, plan as plan_redirects, Redirect};
pub use related::{relate, Related};
pub use render::{read_templates, Renderer};
pub use sections::{
    home_paginate_by, home_paginate_path, implied_sections, inherited_templates, lists_by_url, members, paged_url, paginate_by,
    paginate_path, section_templates, Member,
};
pub use strings::Strings;
pub use taxonomy::{check_terms, gather, page_terms, refs_of, terms_of, Taxonomy};
