//! The plan of a deploy, decided in steps: the files compared, the deploy numbered, removals
//! and retirements, the interrupted deploy's work, then the invalidation and the next manifest.

use super::headers::HeaderRules;
use super::invalidation::{collapse, MAX_WILDCARDS_IN_PROGRESS};
use super::remote::{Intent, Listed, Pending, RemoteFile, RemoteManifest, Retired, REMOTE_MANIFEST_VERSION};
use super::removals::{finish_interrupted, retire_removed};
use super::uploads::{compare_files, Upload};
use myblog_utils::manifest::Manifest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// Replaced hashed assets are kept for this many deploys that upload something…
    pub grace_deploys: u32,
    /// …and at least this many hours.
    pub grace_hours: u64,
    pub invalidation_limit: usize,
    /// The URL path the site lives under (`""` or `/blog`), from base_url: what readers request
    /// and CloudFront caches. The bucket prefix is invisible to readers (CloudFront's origin
    /// path maps it).
    pub url_base: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The number this deploy gets when it commits.
    pub deploy: u64,
    /// Uploads sorted by phase then path.
    pub uploads: Vec<Upload>,
    pub unchanged: usize,
    /// Pages to delete, then other files (so no page in the bucket points at a deleted file).
    pub delete_pages: Vec<String>,
    pub delete_other: Vec<String>,
    /// Replaced hashed assets still inside the grace period.
    pub kept: Vec<String>,
    /// Every path to invalidate, one per URL (before collapsing).
    pub invalidate_all: Vec<String>,
    /// What is sent to CloudFront: `invalidate_all`, collapsed to wildcards above the limit.
    pub invalidation: Vec<String>,
    /// Paths to announce in the intent object before uploading.
    pub intent: Vec<String>,
    /// The remote manifest to write at the commit point (ETags of uploads filled in later).
    #[serde(skip)]
    pub next: RemoteManifest,
}

impl Plan {
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.file.size).sum()
    }
    pub fn deletions(&self) -> usize {
        self.delete_pages.len() + self.delete_other.len()
    }
    /// Nothing to write at all: the bucket already holds exactly this deploy.
    pub fn is_noop(&self) -> bool {
        self.uploads.is_empty() && self.deletions() == 0 && self.invalidate_all.is_empty() && self.intent.is_empty()
    }
}

/// What the last committed deploy holds, by path.
pub(super) struct Previous<'r> {
    pub(super) prev_deploy: u64,
    pub(super) prev_files: BTreeMap<&'r str, &'r RemoteFile>,
    pub(super) prev_retired: BTreeMap<&'r str, &'r Retired>,
}

impl<'r> Previous<'r> {
    fn of(remote: Option<&'r RemoteManifest>) -> Previous<'r> {
        let prev_deploy = remote.map_or(0, |r| r.deploy);
        let prev_files: BTreeMap<&str, &RemoteFile> =
            remote.map(|r| r.files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
        let prev_retired: BTreeMap<&str, &Retired> =
            remote.map(|r| r.retired.iter().map(|f| (f.file.path.as_str(), f)).collect()).unwrap_or_default();
        Previous { prev_deploy, prev_files, prev_retired }
    }
}

/// The plan being decided, step by step.
#[derive(Default)]
pub(super) struct Draft {
    pub(super) uploads: Vec<Upload>,
    pub(super) files: Vec<RemoteFile>,
    pub(super) unchanged: usize,
    pub(super) invalidate: BTreeSet<String>,
    pub(super) intent_paths: Vec<String>,
    /// Path -> is page.
    pub(super) delete: BTreeMap<String, bool>,
    pub(super) retired: Vec<Retired>,
    pub(super) kept: Vec<String>,
}

/// Decides the whole deploy. `listing` is keyed by path relative to the prefix; `intent` is the
/// intent object left by an interrupted deploy, if any; `now` is unix seconds.
pub fn plan(
    local: &Manifest,
    remote: Option<&RemoteManifest>,
    intent: Option<&Intent>,
    listing: &BTreeMap<String, Listed>,
    rules: &HeaderRules,
    settings: &PlanSettings,
    now: i64,
) -> Plan {
    let prev = Previous::of(remote);
    let local_paths: BTreeSet<&str> = local.files.iter().map(|e| e.path.as_str()).collect();
    let mut d = Draft::default();
    compare_files(&mut d, local, &prev, listing, rules, settings);
    // A run that uploads nothing (a retry, a clean-up) is not a deploy the grace period counts.
    let deploy = if d.uploads.is_empty() && remote.is_some() { prev.prev_deploy } else { prev.prev_deploy + 1 };
    // Removed files, retired assets, and work left over by an interrupted deploy.
    retire_removed(&mut d, &prev, &local_paths, remote, settings, deploy, now);
    finish_interrupted(&mut d, &prev, &local_paths, remote, intent, listing, settings, deploy, now);
    assemble(d, remote, settings, deploy, now)
}

/// The plan from the decided draft: deletions split into pages and other files, the
/// invalidation collapsed, and the manifest this deploy commits.
fn assemble(d: Draft, remote: Option<&RemoteManifest>, settings: &PlanSettings, deploy: u64, now: i64) -> Plan {
    let Draft { uploads, files, unchanged, invalidate, intent_paths, delete, mut retired, mut kept } = d;
    let delete_pages: Vec<String> = delete.iter().filter(|(_, page)| **page).map(|(p, _)| p.clone()).collect();
    let delete_other: Vec<String> = delete.iter().filter(|(_, page)| !**page).map(|(p, _)| p.clone()).collect();

    let invalidate_all: Vec<String> = invalidate.into_iter().collect();
    let invalidation =
        collapse(&invalidate_all, settings.invalidation_limit, MAX_WILDCARDS_IN_PROGRESS).unwrap_or_else(|| vec!["/*".to_string()]);
    retired.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    kept.sort();

    let next = RemoteManifest {
        version: REMOTE_MANIFEST_VERSION,
        generator: format!("myblog {}", env!("CARGO_PKG_VERSION")),
        deploy,
        deployed_at: now,
        files,
        retired,
        pending: Pending { invalidate: invalidate_all.clone(), delete: delete.keys().cloned().collect(), announce: Vec::new() },
        posts: remote.and_then(|r| r.posts.clone()),
        post_keys: remote.and_then(|r| r.post_keys.clone()),
    };
    Plan { deploy, uploads, unchanged, delete_pages, delete_other, kept, invalidate_all, invalidation, intent: intent_paths, next }
}

/// Also the helpers the other files' tests share.
#[cfg(test)]
pub(super) mod tests {
    use super::super::headers::{HASHED_CACHE_CONTROL, OTHER_CACHE_CONTROL, PAGE_CACHE_CONTROL};
    use super::super::uploads::{Phase, Reason};
    use super::*;
    use myblog_config::CacheRule;
    use myblog_utils::manifest::ManifestEntry;

    pub(in crate::deploy::plan) fn entry(path: &str, hash: &str, hashed: bool) -> ManifestEntry {
        ManifestEntry {
            path: path.into(),
            blake3: hash.into(),
            size: hash.len() as u64,
            content_type: myblog_utils::manifest::content_type_for(path),
            hashed,
        }
    }

    pub(in crate::deploy::plan) fn settings() -> PlanSettings {
        PlanSettings { grace_deploys: 3, grace_hours: 0, invalidation_limit: 15, url_base: String::new() }
    }

    pub(in crate::deploy::plan) fn rules() -> HeaderRules {
        HeaderRules::new(&[]).unwrap()
    }

    /// Simulates a successful deploy: the bucket afterwards, as a listing.
    fn apply(plan: &Plan, listing: &mut BTreeMap<String, Listed>) -> RemoteManifest {
        let mut next = plan.next.clone();
        for f in &mut next.files {
            if plan.uploads.iter().any(|u| u.file.path == f.path) {
                f.etag = Some(format!("etag-{}", f.blake3));
                listing.insert(f.path.clone(), Listed { size: f.size, etag: f.etag.clone() });
            }
        }
        for p in plan.delete_pages.iter().chain(&plan.delete_other) {
            listing.remove(p);
        }
        next.pending = Pending::default();
        next
    }

    pub(in crate::deploy::plan) fn site(v: &[(&str, &str, bool)]) -> Manifest {
        Manifest::new(v.iter().map(|(p, h, hashed)| entry(p, h, *hashed)).collect())
    }

    #[test]
    fn first_deploy_uploads_everything_in_phase_order() {
        let local = site(&[
            ("index.html", "a", false),
            ("css/site.0123456789.css", "b", true),
            ("robots.txt", "c", false),
            ("atom.xml", "d", false),
            ("sitemap.xml", "e", false),
        ]);
        let p = plan(&local, None, None, &BTreeMap::new(), &rules(), &settings(), 0);
        let order: Vec<(&str, Phase)> = p.uploads.iter().map(|u| (u.file.path.as_str(), u.phase)).collect();
        assert_eq!(
            order,
            vec![
                ("css/site.0123456789.css", Phase::HashedAssets),
                ("robots.txt", Phase::OtherFiles),
                ("atom.xml", Phase::NewPages),
                ("index.html", Phase::NewPages),
                ("sitemap.xml", Phase::NewPages),
            ]
        );
        // New fixed names may be cached 404s: invalidated (collapsed here); hashed ones never.
        assert_eq!(p.invalidate_all, vec!["/", "/atom.xml", "/index.html", "/robots.txt", "/sitemap.xml"]);
        assert_eq!(p.intent.len(), 5);
        assert_eq!(p.next.deploy, 1);
        let css = &p.uploads[0].file;
        assert_eq!(css.cache_control, HASHED_CACHE_CONTROL);
        assert_eq!(p.uploads[3].file.cache_control, PAGE_CACHE_CONTROL);
        assert_eq!(p.uploads[1].file.cache_control, OTHER_CACHE_CONTROL);
    }

    #[test]
    fn unchanged_site_plans_nothing() {
        let local = site(&[("index.html", "a", false), ("css/site.0123456789.css", "b", true)]);
        let mut listing = BTreeMap::new();
        let p = plan(&local, None, None, &listing, &rules(), &settings(), 0);
        let remote = apply(&p, &mut listing);
        let p2 = plan(&local, Some(&remote), None, &listing, &rules(), &settings(), 1);
        assert!(p2.is_noop(), "{p2:?}");
        assert_eq!(p2.unchanged, 2);
    }

    #[test]
    fn changes_hand_edits_and_headers_are_detected() {
        let local = site(&[("index.html", "a", false), ("posts/x/index.html", "x", false), ("robots.txt", "r", false)]);
        let mut listing = BTreeMap::new();
        let remote = apply(&plan(&local, None, None, &listing, &rules(), &settings(), 0), &mut listing);

        // A post edited, robots.txt deleted by hand, index.html replaced by hand.
        let local2 = site(&[("index.html", "a", false), ("posts/x/index.html", "y", false), ("robots.txt", "r", false)]);
        listing.remove("robots.txt");
        listing.insert("index.html".into(), Listed { size: 1, etag: Some("\"other\"".into()) });
        let p = plan(&local2, Some(&remote), None, &listing, &rules(), &settings(), 1);
        let reasons: Vec<(&str, Reason)> = p.uploads.iter().map(|u| (u.file.path.as_str(), u.reason)).collect();
        assert_eq!(
            reasons,
            vec![("robots.txt", Reason::Missing), ("index.html", Reason::Replaced), ("posts/x/index.html", Reason::Changed)]
        );
        assert_eq!(p.invalidation, vec!["/", "/index.html", "/posts/x/", "/posts/x/index.html", "/robots.txt"]);

        // A cache rule changes only a header: uploaded again, and invalidated.
        let rules2 = HeaderRules::new(&[CacheRule { glob: "*.txt".into(), cache_control: "no-cache".into() }]).unwrap();
        let mut listing2 = listing.clone();
        let remote2 = apply(&p, &mut listing2);
        let p = plan(&local2, Some(&remote2), None, &listing2, &rules2, &settings(), 2);
        assert_eq!(p.uploads.len(), 1);
        assert_eq!(p.uploads[0].reason, Reason::Headers);
        assert_eq!(p.uploads[0].file.cache_control, "no-cache");
        assert_eq!(p.invalidation, vec!["/robots.txt"]);
    }

    #[test]
    fn a_new_post_goes_up_before_the_pages_and_feeds_that_link_to_it() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("index.html", "a", false), ("atom.xml", "f", false), ("posts/old/index.html", "o", false)]);
        let remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        let v2 = site(&[
            ("index.html", "b", false),
            ("atom.xml", "g", false),
            ("posts/old/index.html", "o", false),
            ("posts/zzz/index.html", "n", false),
        ]);
        let p = plan(&v2, Some(&remote), None, &listing, &rules(), &settings(), 1);
        let order: Vec<(&str, Phase)> = p.uploads.iter().map(|u| (u.file.path.as_str(), u.phase)).collect();
        assert_eq!(order, vec![("posts/zzz/index.html", Phase::NewPages), ("atom.xml", Phase::Pages), ("index.html", Phase::Pages)]);
    }

    #[test]
    fn thumbnails_left_behind_are_never_retired_nor_deleted() {
        let mut listing = BTreeMap::new();
        // Built with --thumbnails local: the thumbnails are uploaded like any hashed file.
        let v1 = site(&[("index.html", "a", false), ("media/p.0000000001.jpg", "p", true), ("thumbs/p.0000000001-320.webp", "t", true)]);
        let mut remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        assert!(listing.contains_key("thumbs/p.0000000001-320.webp"));
        // Then built for the Lambda: the pages still point at the same thumbnail.
        let v2 = site(&[("index.html", "a", false), ("media/p.0000000001.jpg", "p", true)]);
        for n in 1..6 {
            let p = plan(&v2, Some(&remote), None, &listing, &rules(), &settings(), n);
            assert!(p.kept.is_empty() && p.delete_other.is_empty(), "deploy {n}: {:?} {:?}", p.kept, p.delete_other);
            remote = apply(&p, &mut listing);
        }
        assert!(listing.contains_key("thumbs/p.0000000001-320.webp"));
    }

    #[test]
    fn removed_pages_are_deleted_and_replaced_assets_kept_for_the_grace_period() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("index.html", "a", false), ("old/index.html", "o", false), ("site.0000000001.css", "c1", true)]);
        let mut remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        let v2 = site(&[("index.html", "b", false), ("site.0000000002.css", "c2", true)]);
        let p = plan(&v2, Some(&remote), None, &listing, &rules(), &settings(), 1);
        assert_eq!(p.delete_pages, vec!["old/index.html"]);
        assert!(p.delete_other.is_empty());
        assert_eq!(p.kept, vec!["site.0000000001.css"]);
        assert!(p.invalidation.contains(&"/old/".to_string()));
        assert!(!p.invalidation.iter().any(|x| x.contains(".css")), "hashed assets are never invalidated");
        assert_eq!(p.next.pending.delete, vec!["old/index.html"]);
        remote = apply(&p, &mut listing);
        // Kept during deploys 2, 3 and 4 (grace 3), deleted at 5.
        for (i, hash) in ["c", "d", "e"].iter().enumerate() {
            let v = site(&[("index.html", hash, false), ("site.0000000002.css", "c2", true)]);
            let p = plan(&v, Some(&remote), None, &listing, &rules(), &settings(), 2);
            if i < 2 {
                assert_eq!(p.kept, vec!["site.0000000001.css"], "deploy {}", p.deploy);
                assert!(p.delete_other.is_empty());
            } else {
                assert!(p.kept.is_empty());
                assert_eq!(p.delete_other, vec!["site.0000000001.css"], "deploy {}", p.deploy);
            }
            remote = apply(&p, &mut listing);
        }
        assert!(!listing.contains_key("site.0000000001.css"));
    }

    #[test]
    fn a_retired_asset_that_comes_back_is_not_uploaded_again() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("a.0000000001.css", "1", true)]);
        let v2 = site(&[("a.0000000002.css", "2", true)]);
        let r1 = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        let r2 = apply(&plan(&v2, Some(&r1), None, &listing, &rules(), &settings(), 0), &mut listing);
        let p = plan(&v1, Some(&r2), None, &listing, &rules(), &settings(), 0);
        assert!(p.uploads.is_empty());
        assert_eq!(p.kept, vec!["a.0000000002.css"]);
        assert!(p.next.retired.iter().all(|r| r.file.path != "a.0000000001.css"));
    }

    #[test]
    fn pending_work_and_intent_of_an_interrupted_deploy_are_finished() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("index.html", "a", false)]);
        let mut remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        remote.pending = Pending { invalidate: vec!["/gone/".into()], delete: vec!["gone/index.html".into()], announce: Vec::new() };
        listing.insert("gone/index.html".into(), Listed { size: 1, etag: None });
        // An interrupted deploy created new/index.html, then the author dropped that post.
        listing.insert("new/index.html".into(), Listed { size: 1, etag: None });
        let intent = Intent { version: 1, paths: vec!["new/index.html".into()] };
        let p = plan(&v1, Some(&remote), Some(&intent), &listing, &rules(), &settings(), 0);
        assert!(p.uploads.is_empty());
        assert_eq!(p.delete_pages, vec!["gone/index.html", "new/index.html"]);
        assert_eq!(p.intent, vec!["new/index.html"], "the orphan stays announced until deleted");
        assert!(p.invalidation.contains(&"/gone/".to_string()) && p.invalidation.contains(&"/new/".to_string()));
    }

    #[test]
    fn objects_that_are_not_ours_are_left_alone() {
        let mut listing = BTreeMap::new();
        listing.insert("media/photo.jpg".into(), Listed { size: 5, etag: None });
        let v1 = site(&[("index.html", "a", false)]);
        let remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        let p = plan(&v1, Some(&remote), None, &listing, &rules(), &settings(), 0);
        assert!(p.is_noop());
        assert!(listing.contains_key("media/photo.jpg"));
    }

    /// A stylesheet change on a 10,000-post site changes every page: ~20,000 paths collapse to
    /// a few wildcards that cover them all. (Its speed is measured by scripts/bench-deploy.)
    #[test]
    fn a_stylesheet_change_on_a_big_site_collapses_to_a_few_covering_wildcards() {
        let pages = |css: &str, html: &str| {
            let mut v: Vec<(String, String, bool)> = vec![(format!("site.{css}.css"), css.to_string(), true)];
            v.extend((0..10_000).map(|i| (format!("posts/post-{i}/index.html"), html.to_string(), false)));
            v.extend((1..1_000).map(|i| (format!("page/{i}/index.html"), html.to_string(), false)));
            v.extend((0..40).map(|i| (format!("tags/t{i}/index.html"), html.to_string(), false)));
            v.push(("index.html".into(), html.into(), false));
            v.push(("atom.xml".into(), html.into(), false));
            Manifest::new(v.iter().map(|(p, h, hashed)| entry(p, &format!("{h}{p}"), *hashed)).collect())
        };
        let mut listing = BTreeMap::new();
        let remote = apply(&plan(&pages("0000000001", "a"), None, None, &listing, &rules(), &settings(), 0), &mut listing);
        let p = plan(&pages("0000000002", "b"), Some(&remote), None, &listing, &rules(), &settings(), 1);
        assert_eq!(p.uploads.len(), 10_000 + 999 + 40 + 3);
        assert!(p.invalidate_all.len() > 22_000);
        assert!(p.invalidation.len() <= 15 && p.invalidation.iter().filter(|x| x.ends_with('*')).count() <= 15, "{:?}", p.invalidation);
        for x in &p.invalidate_all {
            assert!(
                p.invalidation.iter().any(|w| w == x || (w.ends_with('*') && x.starts_with(w.trim_end_matches('*')))),
                "{x} not covered"
            );
        }
        assert!(p.invalidation.contains(&"/posts/*".to_string()), "{:?}", p.invalidation);
    }

    #[test]
    fn new_pages_are_invalidated_and_overwritten_hashed_objects_too() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("index.html", "a", false), ("site.0000000001.css", "c", true)]);
        let remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        // A new post: a reader may have hit its URL before (a cached 404).
        let v2 = site(&[("index.html", "a", false), ("site.0000000001.css", "c", true), ("posts/new/index.html", "n", false)]);
        let p = plan(&v2, Some(&remote), None, &listing, &rules(), &settings(), 1);
        assert_eq!(p.invalidate_all, vec!["/posts/new/", "/posts/new/index.html"]);
        // A new cache rule rewrites the hashed stylesheet's headers in place: the edge holds it
        // for a year under the old ones unless invalidated.
        let remote = apply(&p, &mut listing);
        let rules2 = HeaderRules::new(&[CacheRule { glob: "*.css".into(), cache_control: "public, max-age=600".into() }]).unwrap();
        let p = plan(&v2, Some(&remote), None, &listing, &rules2, &settings(), 2);
        assert_eq!(p.uploads.len(), 1);
        assert_eq!(p.invalidate_all, vec!["/site.0000000001.css"]);
        // A hashed file that is simply new is never invalidated.
        let v3 = site(&[("index.html", "a", false), ("site.0000000002.css", "d", true), ("posts/new/index.html", "n", false)]);
        let remote = apply(&p, &mut listing);
        let p = plan(&v3, Some(&remote), None, &listing, &rules2, &settings(), 3);
        assert!(p.invalidate_all.is_empty(), "{:?}", p.invalidate_all);
    }

    #[test]
    fn grace_lasts_n_deploys_and_t_hours_and_runs_without_uploads_do_not_count() {
        let hours = |h: i64| h * 3600;
        let s = PlanSettings { grace_hours: 48, ..settings() };
        let mut listing = BTreeMap::new();
        let css = |n: &str| site(&[("index.html", n, false), (&format!("site.000000000{n}.css"), n, true)]);
        let mut remote = apply(&plan(&css("1"), None, None, &listing, &rules(), &s, 0), &mut listing);
        remote = apply(&plan(&css("2"), Some(&remote), None, &listing, &rules(), &s, hours(1)), &mut listing);
        assert_eq!(remote.retired.len(), 1);
        // Three quick fixes within the hour: many deploys, but not 48 hours.
        for (i, v) in ["3", "4", "5", "6"].iter().enumerate() {
            let p = plan(&css(v), Some(&remote), None, &listing, &rules(), &s, hours(1) + i as i64 * 60);
            assert!(p.kept.contains(&"site.0000000001.css".to_string()), "quick fix {v}: {:?}", p.delete_other);
            remote = apply(&p, &mut listing);
        }
        // 48 hours later (and more than 3 deploys): gone.
        let p = plan(&css("7"), Some(&remote), None, &listing, &rules(), &s, hours(50));
        assert!(p.delete_other.contains(&"site.0000000001.css".to_string()), "{:?}", p.kept);

        // The other way round: days pass, but re-runs that upload nothing do not count.
        let mut listing = BTreeMap::new();
        let mut remote = apply(&plan(&css("1"), None, None, &listing, &rules(), &s, 0), &mut listing);
        let p = plan(&css("2"), Some(&remote), None, &listing, &rules(), &s, 0);
        let retired_in = p.deploy;
        remote = apply(&p, &mut listing);
        for day in 3..10 {
            let p = plan(&css("2"), Some(&remote), None, &listing, &rules(), &s, hours(24 * day));
            assert!(p.uploads.is_empty() && p.kept == vec!["site.0000000001.css"], "day {day}: {:?}", p.delete_other);
            assert_eq!(p.next.deploy, retired_in, "an empty run is not a deploy");
            remote = p.next.clone();
        }
    }

    #[test]
    fn hashed_orphans_of_an_interrupted_deploy_get_the_grace_period() {
        let mut listing = BTreeMap::new();
        let v1 = site(&[("index.html", "a", false)]);
        let remote = apply(&plan(&v1, None, None, &listing, &rules(), &settings(), 0), &mut listing);
        // An interrupted deploy put up a stylesheet and a page pointing at it, then the
        // author went back to v1.
        listing.insert("site.00000000aa.css".into(), Listed { size: 3, etag: Some("e".into()) });
        let intent = Intent { version: 1, paths: vec!["site.00000000aa.css".into()] };
        let p = plan(&v1, Some(&remote), Some(&intent), &listing, &rules(), &settings(), 10);
        assert!(p.delete_other.is_empty(), "{:?}", p.delete_other);
        assert_eq!(p.kept, vec!["site.00000000aa.css"]);
        assert_eq!(p.intent, vec!["site.00000000aa.css"], "announced until committed as retired");
        assert!(p.next.retired.iter().any(|r| r.file.path == "site.00000000aa.css" && r.retired_at == 10));
    }
}
