//! What list pages, neighbours and related posts looked like before a change that reorders the model.

use myblog_config::SiteConfig;
use myblog_content::Kind;
use myblog_site::Site;
use std::collections::{BTreeMap, HashMap};

pub(super) fn taxonomy_view(site: &Site, t: usize) -> serde_json::Value {
    serde_json::to_value(site.taxonomies[t].terms.values().collect::<Vec<_>>()).unwrap_or_default()
}

/// What list pages and neighbours looked like before a change that reorders the model.
pub(super) struct Snapshot {
    pub(super) post_order: Vec<String>,
    pub(super) post_index: HashMap<String, usize>,
    /// (taxonomy index, term slug) → (name, count).
    pub(super) term_infos: BTreeMap<(usize, String), (String, usize)>,
    pub(super) titles: HashMap<String, String>,
    pub(super) kinds: HashMap<String, Kind>,
    pub(super) rel_of: HashMap<String, String>,
    pub(super) term_lists: BTreeMap<(usize, String), Vec<String>>,
    pub(super) taxonomies: Vec<serde_json::Value>,
    /// Each post's related posts, by URL path.
    pub(super) related: HashMap<String, Vec<myblog_site::Related>>,
}

impl Snapshot {
    pub(super) fn of(site: &Site, _config: &SiteConfig) -> Snapshot {
        let all = || site.posts.iter().chain(&site.pages).chain(&site.sections);
        let terms = || site.taxonomies.iter().enumerate().flat_map(|(ti, tax)| tax.terms.iter().map(move |(k, t)| (ti, k, t)));
        Snapshot {
            post_order: site.posts.iter().map(|p| p.source.url_path.clone()).collect(),
            post_index: site.posts.iter().enumerate().map(|(i, p)| (p.source.url_path.clone(), i)).collect(),
            term_infos: terms().map(|(ti, k, t)| ((ti, k.clone()), (t.name.clone(), t.count))).collect(),
            titles: site.posts.iter().map(|p| (p.source.url_path.clone(), p.summary.title.clone())).collect(),
            kinds: all().map(|p| (p.source.url_path.clone(), p.source.kind)).collect(),
            rel_of: all().map(|p| (p.source.url_path.clone(), p.source.rel.clone())).collect(),
            term_lists: terms()
                .map(|(ti, k, t)| ((ti, k.clone()), t.members.iter().map(|&m| site.member(m).source.url_path.clone()).collect()))
                .collect(),
            taxonomies: (0..site.taxonomies.len()).map(|t| taxonomy_view(site, t)).collect(),
            related: site.posts.iter().map(|p| (p.source.url_path.clone(), p.related.clone())).collect(),
        }
    }

    /// Whether post `i` of the new site has other neighbours (title or path) or other related
    /// posts than before.
    pub(super) fn neighbours_changed(&self, site: &Site, i: usize) -> bool {
        let url = &site.posts[i].source.url_path;
        let Some(&old_i) = self.post_index.get(url) else { return true };
        if self.related.get(url) != Some(&site.posts[i].related) {
            return true;
        }
        let old_at = |j: Option<usize>| {
            j.and_then(|j| self.post_order.get(j)).map(|u| (u.as_str(), self.titles.get(u).map(String::as_str).unwrap_or("")))
        };
        let new_at = |j: Option<usize>| j.and_then(|j| site.posts.get(j)).map(|p| (p.source.url_path.as_str(), p.summary.title.as_str()));
        old_at(old_i.checked_sub(1)) != new_at(i.checked_sub(1)) || old_at(Some(old_i + 1)) != new_at(Some(i + 1))
    }
}
