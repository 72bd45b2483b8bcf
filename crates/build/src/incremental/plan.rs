//! Step 7 of a rebuild: which HTML outputs to render again, from what changed in the model and
//! what each template reads (see `deps`).

use super::commit::Committed;
use super::snapshot::taxonomy_view;
use super::Incremental;
use crate::build;
use crate::build::Job;
use crate::deps::SUMMARY_FIELDS;
use myblog_config::SiteConfig;
use myblog_content::Kind;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The HTML outputs to render.
pub(super) struct Plan {
    pub(super) to_render: Vec<(Job, String)>,
    /// Output paths of every HTML job, when the set of outputs may have changed (`reshaped`).
    pub(super) job_paths: BTreeSet<String>,
    pub(super) reshaped: bool,
    /// Static files that only got new names are patched into the pages, not re-rendered.
    pub(super) patch_assets: bool,
}

/// What changed in the model, for the generated files (feeds, sitemaps).
pub(super) struct Edits {
    /// URL path → the summary fields that changed.
    pub(super) changed_fields: HashMap<String, BTreeSet<&'static str>>,
    /// Indexes (in the new model) of the changed posts.
    pub(super) changed_posts: Vec<usize>,
    pub(super) terms_touched: bool,
    /// The model was assembled again (see `Committed::snapshot`).
    pub(super) remodelled: bool,
}

impl Incremental {
    pub(super) fn plan_renders(
        &self,
        committed: Committed,
        changed_templates: &BTreeSet<String>,
        changed_assets: &BTreeSet<String>,
        patchable: bool,
        config: &SiteConfig,
    ) -> (Plan, Edits) {
        let Committed { changed_rels, old_summaries, snapshot, neighbour_touched, old_jobs_total } = committed;
        let site = &self.prepared.site;
        let mut changed_fields: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
        let mut changed_urls: HashSet<String> = HashSet::new();
        // Indexes (in the new model) of the changed posts.
        let mut changed_posts: Vec<usize> = Vec::new();
        for rel in &changed_rels {
            let Some(&(kind, i)) = self.index.get(rel) else { continue };
            let Some(p) = self.page(rel) else { continue };
            let new = serde_json::to_value(&p.summary).unwrap_or_default();
            let fields: BTreeSet<&'static str> = match old_summaries.get(rel) {
                Some(old) => SUMMARY_FIELDS.iter().copied().filter(|f| old.get(f) != new.get(f)).collect(),
                None => SUMMARY_FIELDS.iter().copied().collect(),
            };
            changed_urls.insert(p.source.url_path.clone());
            changed_fields.insert(p.source.url_path.clone(), fields);
            if kind == Kind::Post {
                changed_posts.push(i);
            }
        }
        // Pages that left the site are listed by their old URL with every field changed.
        if let Some(snap) = &snapshot {
            for (url, rel) in &snap.rel_of {
                if changed_rels.contains(rel) && !changed_fields.contains_key(url) {
                    changed_fields.insert(url.clone(), SUMMARY_FIELDS.iter().copied().collect());
                }
            }
        }
        let changed_post_set: HashSet<usize> = changed_posts.iter().copied().collect();
        // The terms the changed posts, pages and sections carry now, with their URLs: their term pages
        // show them (a term they left is a change of its list, seen from the snapshot).
        let mut touched_terms: HashMap<(usize, &str), Vec<&str>> = HashMap::new();
        for rel in &changed_rels {
            let Some(p) = self.page(rel) else { continue };
            for (name, r) in myblog_site::refs_of(&p.summary) {
                if let Some(t) = site.taxonomies.iter().position(|t| t.name == name) {
                    touched_terms.entry((t, r.slug.as_str())).or_default().push(p.source.url_path.as_str());
                }
            }
        }
        let terms_touched = !touched_terms.is_empty();
        let deps = &self.deps;
        let relevant = |template: &str, url: &str| changed_fields.get(url).is_some_and(|f| deps.uses_any_field(template, f));
        let relevant_post = |template: &str, i: usize| relevant(template, &site.posts[i].source.url_path);
        let order_changed = snapshot.as_ref().is_some_and(|s| {
            s.post_order.len() != site.posts.len() || s.post_order.iter().zip(&site.posts).any(|(a, b)| *a != b.source.url_path)
        });
        let home_total = build::home_pages(site, &config);
        let home_section = site.sections.iter().find(|s| s.source.url_path == "/");
        let home_changed = order_changed
            || home_total != old_jobs_total
            || changed_urls.contains("/")
            || snapshot.as_ref().is_some_and(|s| s.kinds.contains_key("/") != home_section.is_some())
            || (home_section.is_some()
                && deps.reads_section_pages("index.html")
                && changed_fields.keys().any(|u| u != "/" && relevant("index.html", u)));
        let per = config.paginate_by;
        // The set of outputs can only change with the model's shape or the templates.
        let reshaped = snapshot.is_some() || !changed_templates.is_empty() || !self.dirty.is_empty();
        let patch_assets = patchable && changed_templates.is_empty();
        let templates_or_assets = !changed_templates.is_empty() || (!patch_assets && !changed_assets.is_empty());
        let jobs = build::jobs(&self.prepared);
        let mut to_render: Vec<(Job, String)> = Vec::new();
        let mut job_paths: BTreeSet<String> = BTreeSet::new();
        for job in jobs {
            let template = || job.template(site);
            let data = match &job {
                Job::Post(i) => {
                    changed_post_set.contains(i)
                        || neighbour_touched.contains(i)
                        || snapshot.as_ref().is_some_and(|s| s.neighbours_changed(site, *i))
                }
                Job::Page(i) => changed_urls.contains(&site.pages[*i].source.url_path),
                Job::Section(i, _) => {
                    // Every page of a section when the model changed shape: its members,
                    // their order and the page boundaries may all have moved.
                    let t = template();
                    snapshot.is_some()
                        || changed_urls.contains(&site.sections[*i].source.url_path)
                        || site.section_pages[*i].members.iter().any(|m| relevant(&t, &site.member(*m).source.url_path))
                }
                Job::Home(n) => home_changed || changed_posts.iter().any(|&i| i / per + 1 == *n && relevant_post("index.html", i)),
                Job::Taxonomy(t) => snapshot.as_ref().is_some_and(|s| s.taxonomies.get(*t) != Some(&taxonomy_view(site, *t))),
                Job::Term(t, slug, _) => {
                    let term = &site.taxonomies[*t].terms[slug];
                    let list_changed = snapshot.as_ref().is_some_and(|s| {
                        s.term_lists.get(&(*t, slug.clone())).is_none_or(|old| {
                            old.len() != term.members.len()
                                || old.iter().zip(&term.members).any(|(a, &b)| *a != site.member(b).source.url_path)
                        })
                    });
                    let info_changed =
                        snapshot.as_ref().is_some_and(|s| s.term_infos.get(&(*t, slug.clone())) != Some(&(term.name.clone(), term.count)));
                    let tpl = template();
                    list_changed
                        || info_changed
                        || touched_terms.get(&(*t, slug.as_str())).is_some_and(|urls| urls.iter().any(|u| relevant(&tpl, u)))
                }
                Job::Archive => order_changed || changed_posts.iter().any(|&i| relevant_post("archive.html", i)),
                Job::Search | Job::NotFound => false,
            };
            let by_template = templates_or_assets && {
                let t = template();
                deps.reaches_any(&t, &changed_templates) || deps.uses_any_asset(&t, &changed_assets)
            };
            if reshaped {
                let path = job.output_path(site);
                if data || by_template || !self.html.contains(&path) || self.dirty.contains(&path) {
                    to_render.push((job, path.clone()));
                }
                job_paths.insert(path);
            } else if data || by_template {
                let path = job.output_path(site);
                to_render.push((job, path));
            }
        }
        let edits = Edits { changed_fields, changed_posts, terms_touched, remodelled: snapshot.is_some() };
        (Plan { to_render, job_paths, reshaped, patch_assets }, edits)
    }
}
