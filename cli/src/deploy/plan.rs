//! The pure core of `deploy`: from the local manifest, the remote manifest and a listing of the
//! bucket, decide what to upload (in which phase), what to delete, what to keep for the grace
//! period and which CloudFront paths to invalidate. No I/O here, so every rule is unit-tested.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::config::CacheRule;
use crate::manifest::{Manifest, ManifestEntry};

/// Bumped when the remote manifest changes incompatibly; a newer one is refused.
pub const REMOTE_MANIFEST_VERSION: u32 = 1;
/// The remote manifest, relative to the prefix: the commit point of a deploy.
pub const REMOTE_MANIFEST: &str = ".myblog/manifest.json";
/// Written before the first upload of paths no committed manifest knows, so that a deploy
/// interrupted before its commit cannot leave objects nobody will ever delete.
pub const INTENT: &str = ".myblog/intent.json";
/// Keys under this folder are myblog's own bookkeeping, never site files.
pub const STATE_DIR: &str = ".myblog/";

pub const HASHED_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Pages: browsers revalidate after a minute; the edge keeps them a day (invalidated on change).
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60, s-maxage=86400";
/// Other files with a fixed name (robots.txt, favicon.ico): a little longer in browsers.
pub const OTHER_CACHE_CONTROL: &str = "public, max-age=3600, s-maxage=86400";
pub const STATE_CACHE_CONTROL: &str = "no-cache";

/// CloudFront's limit of paths per invalidation batch.
pub const MAX_INVALIDATION_PATHS: usize = 3000;
/// S3's limit of keys per DeleteObjects request.
pub const DELETE_BATCH: usize = 1000;

/// What the bucket holds for the site: the last committed deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteManifest {
    pub version: u32,
    pub generator: String,
    /// Counts committed deploys; the grace period is measured in it.
    pub deploy: u64,
    /// Unix seconds of the commit.
    pub deployed_at: i64,
    pub files: Vec<RemoteFile>,
    /// Hashed assets no longer referenced by the site, kept because cached HTML may still
    /// point at them.
    #[serde(default)]
    pub retired: Vec<Retired>,
    /// Work after the commit point (invalidation, deletions) that is not known to be done: a
    /// re-run after an interruption does it again.
    #[serde(default)]
    pub pending: Pending,
    /// Site paths of the posts this deploy published; `None` in manifests of myblog versions
    /// before announcements (whose posts then all count as published: nothing is announced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFile {
    pub path: String,
    pub blake3: String,
    pub size: u64,
    pub content_type: String,
    pub cache_control: String,
    pub hashed: bool,
    /// The ETag S3 gave the object we wrote: a different ETag in the listing means the object
    /// was replaced behind our back (by hand, or by an interrupted deploy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    #[serde(flatten)]
    pub file: RemoteFile,
    /// The deploy that stopped referencing it.
    pub retired_in: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// URL paths (not collapsed) still to invalidate.
    #[serde(default)]
    pub invalidate: Vec<String>,
    /// Site paths still to delete.
    #[serde(default)]
    pub delete: Vec<String>,
    /// New posts still to announce (conditional writes: repeating one is harmless).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announce: Vec<crate::announce::Announcement>,
}

/// `.myblog/intent.json`: paths a deploy is about to create before its commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub version: u32,
    pub paths: Vec<String>,
}

/// One object of the bucket listing, relative to the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub size: u64,
    pub etag: Option<String>,
}

/// Strips the quotes S3 puts around ETags so listing and PUT responses compare equal.
pub fn normalize_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_string()
}

/// Cache-Control for each file: `[[deploy.cache]]` glob rules first (first match wins), then
/// the defaults by kind.
#[derive(Debug, Clone)]
pub struct HeaderRules {
    set: GlobSet,
    values: Vec<String>,
}

impl HeaderRules {
    pub fn new(rules: &[CacheRule]) -> Result<HeaderRules, (String, globset::Error)> {
        let mut b = GlobSetBuilder::new();
        for r in rules {
            let glob = Glob::new(r.glob.trim_start_matches('/')).map_err(|e| (r.glob.clone(), e))?;
            b.add(glob);
        }
        let set = b.build().map_err(|e| (String::new(), e))?;
        Ok(HeaderRules { set, values: rules.iter().map(|r| r.cache_control.clone()).collect() })
    }

    pub fn cache_control(&self, e: &ManifestEntry) -> String {
        if let Some(i) = self.set.matches(&e.path).into_iter().min() {
            return self.values[i].clone();
        }
        if e.hashed {
            HASHED_CACHE_CONTROL.into()
        } else if is_page(&e.path, &e.content_type) {
            PAGE_CACHE_CONTROL.into()
        } else {
            OTHER_CACHE_CONTROL.into()
        }
    }
}

/// HTML, feeds and the sitemap: uploaded last, because they point at everything else.
pub fn is_page(path: &str, content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(essence, "text/html" | "application/xhtml+xml" | "application/atom+xml" | "application/rss+xml")
        || path.rsplit('/').next().is_some_and(|name| name.starts_with("sitemap") && name.ends_with(".xml"))
}

/// Upload phases, in order; each finishes before the next starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    HashedAssets,
    OtherFiles,
    /// Pages, feeds and sitemap not in the bucket yet: before the pages that link to them.
    NewPages,
    Pages,
}

impl Phase {
    pub fn of(f: &RemoteFile) -> Phase {
        if f.hashed {
            Phase::HashedAssets
        } else if is_page(&f.path, &f.content_type) {
            Phase::Pages
        } else {
            Phase::OtherFiles
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not in the last deploy nor in the bucket.
    New,
    /// Bytes differ from the last deploy.
    Changed,
    /// Same bytes, different Content-Type or Cache-Control.
    Headers,
    /// In the last deploy but missing from the bucket (deleted by hand, or an interrupted deploy).
    Missing,
    /// The object in the bucket is not the one we wrote.
    Replaced,
}

#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    pub file: RemoteFile,
    pub phase: Phase,
    pub reason: Reason,
}

#[derive(Debug, Clone)]
pub struct PlanSettings {
    pub grace_deploys: u32,
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

fn desired(e: &ManifestEntry, rules: &HeaderRules) -> RemoteFile {
    RemoteFile {
        path: e.path.clone(),
        blake3: e.blake3.clone(),
        size: e.size,
        content_type: e.content_type.clone(),
        cache_control: rules.cache_control(e),
        hashed: e.hashed,
        etag: None,
    }
}

/// Thumbnails under `thumbs/` belong to the thumbnail Lambda once a deploy has left them
/// behind: pages built without `--thumbnails local` still point at them, and the Lambda only
/// makes them again when their photo is uploaded again. Deploy uploads them (local builds) but
/// never retires or deletes them.
fn lambda_owned(path: &str) -> bool {
    path.starts_with(thumbnail_fn::DEFAULT_THUMBS_PREFIX)
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
    let deploy = remote.map_or(0, |r| r.deploy) + 1;
    let prev_files: BTreeMap<&str, &RemoteFile> =
        remote.map(|r| r.files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
    let prev_retired: BTreeMap<&str, &Retired> =
        remote.map(|r| r.retired.iter().map(|f| (f.file.path.as_str(), f)).collect()).unwrap_or_default();

    let mut uploads = Vec::new();
    let mut files = Vec::new();
    let mut unchanged = 0;
    let mut invalidate: BTreeSet<String> = BTreeSet::new();
    let mut intent_paths = Vec::new();
    let local_paths: BTreeSet<&str> = local.files.iter().map(|e| e.path.as_str()).collect();

    for e in local.files.iter().filter(|e| !e.path.starts_with(STATE_DIR)) {
        let mut want = desired(e, rules);
        let prev = prev_files.get(e.path.as_str()).copied().or_else(|| prev_retired.get(e.path.as_str()).map(|r| &r.file));
        let listed = listing.get(&e.path);
        let reason = match (prev, listed) {
            (None, None) => Some(Reason::New),
            // Something we never committed sits there (an interrupted deploy, or by hand).
            (None, Some(_)) => Some(Reason::Replaced),
            (Some(p), _) if p.blake3 != want.blake3 || p.size != want.size => Some(Reason::Changed),
            (Some(p), _) if p.content_type != want.content_type || p.cache_control != want.cache_control => Some(Reason::Headers),
            (Some(_), None) => Some(Reason::Missing),
            (Some(p), Some(l)) => {
                let etag_differs = match (&p.etag, &l.etag) {
                    (Some(a), Some(b)) => normalize_etag(a) != normalize_etag(b),
                    _ => false,
                };
                (l.size != p.size || etag_differs).then_some(Reason::Replaced)
            }
        };
        match reason {
            None => {
                unchanged += 1;
                want.etag = listed.and_then(|l| l.etag.as_deref()).or_else(|| prev.and_then(|p| p.etag.as_deref())).map(normalize_etag);
            }
            Some(reason) => {
                if prev.is_none() && !prev_retired.contains_key(e.path.as_str()) {
                    intent_paths.push(e.path.clone());
                }
                // New paths need no invalidation (nothing of theirs is cached); anything that
                // replaces bytes readers may have been served does, unless it is hashed.
                let served_before = listed.is_some() || matches!(reason, Reason::Changed | Reason::Headers);
                if !want.hashed && served_before && reason != Reason::Missing {
                    invalidate.extend(url_paths(&settings.url_base, &e.path));
                }
                // A new post must be live before the home page, tag pages and feeds that
                // link to it; changed pages follow in the last phase.
                let phase = match Phase::of(&want) {
                    Phase::Pages if matches!(reason, Reason::New | Reason::Missing) => Phase::NewPages,
                    other => other,
                };
                uploads.push(Upload { file: want.clone(), phase, reason });
            }
        }
        files.push(want);
    }
    uploads.sort_by(|a, b| (a.phase, &a.file.path).cmp(&(b.phase, &b.file.path)));

    // Removed files, retired assets, and work left over by an interrupted deploy.
    let mut delete: BTreeMap<String, bool> = BTreeMap::new(); // path -> is page
    let mut retired = Vec::new();
    let mut kept = Vec::new();
    for (path, f) in &prev_files {
        if local_paths.contains(path) || lambda_owned(path) {
            continue;
        }
        if f.hashed {
            retired.push(Retired { file: (*f).clone(), retired_in: deploy });
            kept.push(path.to_string());
        } else {
            invalidate.extend(url_paths(&settings.url_base, path));
            delete.insert(path.to_string(), is_page(path, &f.content_type));
        }
    }
    for (path, r) in &prev_retired {
        if local_paths.contains(path) || prev_files.contains_key(path) || lambda_owned(path) {
            continue;
        }
        if deploy.saturating_sub(r.retired_in) < u64::from(settings.grace_deploys) {
            retired.push((*r).clone());
            kept.push(path.to_string());
        } else {
            delete.insert(path.to_string(), false);
        }
    }
    let known = |p: &str| local_paths.contains(p) || prev_files.contains_key(p) || prev_retired.contains_key(p);
    if let Some(r) = remote {
        invalidate.extend(r.pending.invalidate.iter().cloned());
        for p in r.pending.delete.iter().filter(|p| !local_paths.contains(p.as_str()) && !kept.contains(p)) {
            delete.insert(p.clone(), is_page(p, &crate::manifest::content_type_for(p)));
        }
    }
    if let Some(i) = intent {
        for p in i.paths.iter().filter(|p| !known(p) && !p.starts_with(STATE_DIR)) {
            let ct = crate::manifest::content_type_for(p);
            if !is_hashed_name(p) {
                invalidate.extend(url_paths(&settings.url_base, p));
            }
            delete.insert(p.clone(), is_page(p, &ct));
        }
    }
    // Deleting what is not there costs a request for nothing; thumbnails are the Lambda's.
    delete.retain(|p, _| listing.contains_key(p) && !lambda_owned(p));
    // Orphans of an interrupted deploy stay announced until deleted: this deploy's intent
    // object replaces the old one, and may itself be interrupted before the deletions.
    if let Some(i) = intent {
        for p in i.paths.iter().filter(|p| delete.contains_key(*p) && !known(p)) {
            if !intent_paths.contains(p) {
                intent_paths.push(p.clone());
            }
        }
    }
    let delete_pages: Vec<String> = delete.iter().filter(|(_, page)| **page).map(|(p, _)| p.clone()).collect();
    let delete_other: Vec<String> = delete.iter().filter(|(_, page)| !**page).map(|(p, _)| p.clone()).collect();

    let invalidate_all: Vec<String> = invalidate.into_iter().collect();
    let invalidation = collapse(&invalidate_all, settings.invalidation_limit);
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
    };
    Plan { deploy, uploads, unchanged, delete_pages, delete_other, kept, invalidate_all, invalidation, intent: intent_paths, next }
}

/// `name.0123456789.ext`: the build's hashed names (10 hex digits before the extension).
fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && {
        let h = parts[parts.len() - 2];
        h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

const URL_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The URLs readers use for a file: a page `x/index.html` is both `/x/` and `/x/index.html`.
/// Percent-encoded, so a `*` in a file name can never act as a wildcard.
pub fn url_paths(url_base: &str, path: &str) -> Vec<String> {
    let enc = percent_encoding::utf8_percent_encode(path, URL_PATH).to_string();
    let base = url_base.trim_end_matches('/');
    let mut out = vec![format!("{base}/{enc}")];
    if enc == "index.html" {
        out.push(format!("{base}/"));
    } else if let Some(dir) = enc.strip_suffix("/index.html") {
        out.push(format!("{base}/{dir}/"));
    }
    out.sort();
    out
}

/// Collapses invalidation paths into at most `limit` paths by replacing the paths under a
/// folder with `folder/*`, deepest folders first (they cover the fewest extra URLs), until
/// the count fits. Always terminates: in the worst case everything becomes `/*`.
pub fn collapse(paths: &[String], limit: usize) -> Vec<String> {
    let limit = limit.clamp(1, MAX_INVALIDATION_PATHS);
    let mut set: BTreeSet<String> = paths.iter().cloned().collect();
    while set.len() > limit {
        // For every folder, how many entries lie under it (`/a/b/` and `/a/b/*` count as
        // under `/a/b/`, which `/a/b/*` covers).
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &set {
            let body = p.trim_end_matches('*');
            for (i, c) in body.char_indices() {
                if c == '/' {
                    *counts.entry(&body[..=i]).or_default() += 1;
                }
            }
        }
        let depth = |d: &str| d.matches('/').count();
        let best = counts
            .into_iter()
            .filter(|(_, n)| *n >= 2)
            .max_by(|(da, na), (db, nb)| (depth(da), *na, std::cmp::Reverse(*da)).cmp(&(depth(db), *nb, std::cmp::Reverse(*db))))
            .map(|(d, _)| d.to_string());
        let Some(dir) = best else { break };
        set.retain(|p| !p.trim_end_matches('*').starts_with(&dir));
        set.insert(format!("{dir}*"));
    }
    if set.len() > limit {
        return vec!["/*".into()];
    }
    set.into_iter().collect()
}

/// CloudFront's rules, which emulators do not enforce: at most 3000 paths, each starting
/// with `/`, a `*` only as the last character.
pub fn validate_invalidation(paths: &[String]) -> Result<(), String> {
    if paths.len() > MAX_INVALIDATION_PATHS {
        return Err(format!("{} invalidation paths, CloudFront accepts at most {MAX_INVALIDATION_PATHS}", paths.len()));
    }
    for p in paths {
        if !p.starts_with('/') {
            return Err(format!("invalidation path {p:?} does not start with /"));
        }
        if p.trim_end_matches('*').contains('*') || p.matches('*').count() > 1 {
            return Err(format!("invalidation path {p:?} has a * that is not its last character"));
        }
        if p.len() > 4096 || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("invalidation path {p:?} is too long or has unencoded characters"));
        }
    }
    Ok(())
}

/// Keys for DeleteObjects requests, at most 1000 per request as S3 requires.
pub fn delete_batches(keys: &[String]) -> Vec<&[String]> {
    keys.chunks(DELETE_BATCH).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, hash: &str, hashed: bool) -> ManifestEntry {
        ManifestEntry {
            path: path.into(),
            blake3: hash.into(),
            size: hash.len() as u64,
            content_type: crate::manifest::content_type_for(path),
            hashed,
        }
    }

    fn settings() -> PlanSettings {
        PlanSettings { grace_deploys: 3, invalidation_limit: 15, url_base: String::new() }
    }

    fn rules() -> HeaderRules {
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

    fn site(v: &[(&str, &str, bool)]) -> Manifest {
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
        assert!(p.invalidation.is_empty(), "new files need no invalidation: {:?}", p.invalidation);
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
        assert_eq!(p.invalidation, vec!["/", "/index.html", "/posts/x/", "/posts/x/index.html"]);

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

    #[test]
    fn url_paths_for_pages_files_and_sub_folder_sites() {
        assert_eq!(url_paths("", "index.html"), vec!["/", "/index.html"]);
        assert_eq!(url_paths("", "posts/x/index.html"), vec!["/posts/x/", "/posts/x/index.html"]);
        assert_eq!(url_paths("/blog", "atom.xml"), vec!["/blog/atom.xml"]);
        assert_eq!(url_paths("", "a b/*é.txt"), vec!["/a%20b/%2A%C3%A9.txt"]);
    }

    #[test]
    fn collapse_keeps_small_sets_and_covers_large_ones_with_few_wildcards() {
        let small: Vec<String> = vec!["/".into(), "/index.html".into()];
        assert_eq!(collapse(&small, 15), small);
        let mut many: Vec<String> = (0..20).flat_map(|i| url_paths("", &format!("posts/p{i}/index.html"))).collect();
        many.extend(url_paths("", "index.html"));
        many.push("/atom.xml".into());
        let c = collapse(&many, 15);
        assert!(c.len() <= 15, "{c:?}");
        assert!(c.contains(&"/posts/*".to_string()), "{c:?}");
        assert!(c.contains(&"/atom.xml".to_string()) && c.contains(&"/".to_string()), "{c:?}");
        validate_invalidation(&c).unwrap();
        // Every original path is covered by the result.
        for p in &many {
            assert!(c.iter().any(|w| w == p || (w.ends_with('*') && p.starts_with(w.trim_end_matches('*')))), "{p} not covered by {c:?}");
        }
        assert_eq!(collapse(&many, 1), vec!["/*"]);
        let deep: Vec<String> = (0..40).map(|i| format!("/a/b/c{i}.txt")).chain(["/x.txt".to_string()]).collect();
        assert_eq!(collapse(&deep, 3), vec!["/a/b/*", "/x.txt"]);
    }

    #[test]
    fn invalidation_paths_are_validated() {
        assert!(validate_invalidation(&["/a".into(), "/b/*".into()]).is_ok());
        assert!(validate_invalidation(&["a".into()]).is_err());
        assert!(validate_invalidation(&["/a*/b".into()]).is_err());
        assert!(validate_invalidation(&["/a b".into()]).is_err());
        let too_many: Vec<String> = (0..3001).map(|i| format!("/{i}")).collect();
        assert!(validate_invalidation(&too_many).is_err());
    }

    #[test]
    fn deletes_are_batched_by_1000() {
        let keys: Vec<String> = (0..2501).map(|i| format!("k{i}")).collect();
        let b = delete_batches(&keys);
        assert_eq!(b.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![1000, 1000, 501]);
        assert_eq!(b.concat(), keys);
    }

    #[test]
    fn cache_rules_override_in_order() {
        let r = HeaderRules::new(&[
            CacheRule { glob: "posts/**/*.html".into(), cache_control: "public, max-age=5".into() },
            CacheRule { glob: "**/*.html".into(), cache_control: "public, max-age=9".into() },
        ])
        .unwrap();
        assert_eq!(r.cache_control(&entry("posts/x/index.html", "a", false)), "public, max-age=5");
        assert_eq!(r.cache_control(&entry("about/index.html", "a", false)), "public, max-age=9");
        assert_eq!(r.cache_control(&entry("a.0123456789.css", "a", true)), HASHED_CACHE_CONTROL);
        assert!(HeaderRules::new(&[CacheRule { glob: "a[".into(), cache_control: "x".into() }]).is_err());
    }

    #[test]
    fn newer_remote_manifest_fields_round_trip() {
        let local = site(&[("index.html", "a", false)]);
        let p = plan(&local, None, None, &BTreeMap::new(), &rules(), &settings(), 7);
        let json = serde_json::to_string(&p.next).unwrap();
        let back: RemoteManifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p.next);
    }
}
