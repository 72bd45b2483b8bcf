//! The pure core of `deploy`: from the local manifest, the remote manifest and a listing of the
//! bucket, decide what to upload (in which phase), what to delete, what to keep for the grace
//! period and which CloudFront paths to invalidate. No I/O here, so every rule is unit-tested.

use globset::{Glob, GlobSet, GlobSetBuilder};
use myblog_config::CacheRule;
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::ManifestEntry;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Bumped when the remote manifest changes incompatibly; a newer one is refused.
pub const REMOTE_MANIFEST_VERSION: u32 = 1;
/// The remote manifest, relative to the prefix: the commit point of a deploy.
pub const REMOTE_MANIFEST: &str = ".myblog/manifest.json";
/// Written before the first upload of paths no committed manifest knows, so that a deploy
/// interrupted before its commit cannot leave objects nobody will ever delete.
pub const INTENT: &str = ".myblog/intent.json";
/// Keys under this folder are myblog's own bookkeeping, never site files.
pub const STATE_DIR: &str = ".myblog/";
/// The deploy lease: one deployer at a time.
pub const LEASE: &str = ".myblog/lease.json";

pub const HASHED_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Pages: browsers revalidate after a minute; the edge keeps them a day (invalidated on change).
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60, s-maxage=86400";
/// Other files with a fixed name (robots.txt, favicon.ico): a little longer in browsers.
pub const OTHER_CACHE_CONTROL: &str = "public, max-age=3600, s-maxage=86400";
pub const STATE_CACHE_CONTROL: &str = "no-cache";

/// CloudFront's limit of file paths per invalidation batch, and in progress at once.
pub const MAX_INVALIDATION_PATHS: usize = 3000;
/// CloudFront's limit of wildcard paths in progress at once, all invalidations together.
pub const MAX_WILDCARDS_IN_PROGRESS: usize = 15;
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
    /// [`PostEntry::identity_keys`] of those posts, so a post whose URL changed is not announced
    /// again; `None` in manifests of myblog versions before it.
    ///
    /// [`PostEntry::identity_keys`]: myblog_utils::manifest::PostEntry::identity_keys
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_keys: Option<Vec<String>>,
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
    /// Unix seconds when it stopped being referenced (0 in manifests older than this field:
    /// the manifest's `deployed_at` stands in).
    #[serde(default)]
    pub retired_at: i64,
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
    pub announce: Vec<crate::announcements::Announcement>,
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
    pub fn label(self) -> &'static str {
        match self {
            Phase::HashedAssets => "hashed assets",
            Phase::OtherFiles => "other files",
            Phase::NewPages => "new pages",
            Phase::Pages => "changed pages",
        }
    }

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
    path.starts_with(myblog_thumbnail::DEFAULT_THUMBS_PREFIX)
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
    let prev_deploy = remote.map_or(0, |r| r.deploy);
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
                // A fixed name may be cached with older bytes, or as a 404 if it is new
                // (CloudFront caches errors too). A hashed name is new bytes under a new name,
                // unless the object under that very name was overwritten (new headers, or a
                // replacement by hand), which the edge may hold for a year.
                let overwritten = listed.is_some() && matches!(reason, Reason::Headers | Reason::Replaced);
                if !want.hashed || overwritten {
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
    // A run that uploads nothing (a retry, a clean-up) is not a deploy the grace period counts.
    let deploy = if uploads.is_empty() && remote.is_some() { prev_deploy } else { prev_deploy + 1 };
    let grace_seconds = i64::try_from(settings.grace_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
    let in_grace = |r: &Retired| {
        let at = if r.retired_at == 0 { remote.map_or(now, |m| m.deployed_at) } else { r.retired_at };
        deploy.saturating_sub(r.retired_in) < u64::from(settings.grace_deploys) || now.saturating_sub(at) < grace_seconds
    };

    // Removed files, retired assets, and work left over by an interrupted deploy.
    let mut delete: BTreeMap<String, bool> = BTreeMap::new(); // path -> is page
    let mut retired = Vec::new();
    let mut kept = Vec::new();
    for (path, f) in &prev_files {
        if local_paths.contains(path) || lambda_owned(path) {
            continue;
        }
        if f.hashed {
            retired.push(Retired { file: (*f).clone(), retired_in: deploy, retired_at: now });
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
        if in_grace(r) {
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
            delete.insert(p.clone(), is_page(p, &myblog_utils::manifest::content_type_for(p)));
        }
    }
    if let Some(i) = intent {
        for p in i.paths.iter().filter(|p| !known(p) && !p.starts_with(STATE_DIR)) {
            let ct = myblog_utils::manifest::content_type_for(p);
            if is_hashed_name(p) {
                // The interrupted deploy may have put up pages that point at it, which the
                // edge and browsers may hold: the same grace as any replaced asset.
                if let Some(l) = listing.get(p.as_str()) {
                    let file = RemoteFile {
                        path: p.clone(),
                        blake3: String::new(),
                        size: l.size,
                        content_type: ct,
                        cache_control: HASHED_CACHE_CONTROL.into(),
                        hashed: true,
                        etag: l.etag.clone(),
                    };
                    retired.push(Retired { file, retired_in: deploy, retired_at: now });
                    kept.push(p.clone());
                    // Announced until this deploy commits it as retired.
                    intent_paths.push(p.clone());
                }
                continue;
            }
            invalidate.extend(url_paths(&settings.url_base, p));
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

/// `name.0123456789.ext`: the build's hashed names (10 hex digits before the extension).
fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && {
        let h = parts[parts.len() - 2];
        h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// What CloudFront wants encoded in an invalidation path: non-ASCII bytes (always encoded) and
/// RFC 1738's unsafe characters; "don't URL-encode any other characters in the path, or
/// CloudFront will not invalidate the old version" (its developer guide). `*` and `?` too,
/// so a file name can never act as a wildcard or a query.
const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'~')
    .add(b'[')
    .add(b']')
    .add(b'`')
    .add(b'*')
    .add(b'?');

/// The URLs readers use for a file: a page `x/index.html` is both `/x/` and `/x/index.html`.
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

/// The folder of `path` at `level` (`/` is level 0, `/posts/` level 1), when it has one. A
/// folder's own URL (`/posts/x/`) lies under it: `/posts/x/*` covers it.
fn folder_at(path: &str, level: usize) -> Option<&str> {
    let body = path.trim_end_matches('*');
    body.match_indices('/').nth(level).map(|(i, _)| &body[..=i])
}

/// Collapses invalidation paths to at most `max_paths` paths of which at most `max_wildcards`
/// are wildcards, replacing the paths under a folder with `folder/*`. The deepest level of
/// folders that can fit is used (deeper wildcards invalidate fewer innocent URLs), its
/// fullest folders first (each wildcard then saves the most paths); failing every level,
/// `/*`. `None` when not even that fits (no wildcard left). One pass per folder level, so a
/// site-wide change of 20,000 paths collapses in milliseconds.
pub fn collapse(paths: &[String], max_paths: usize, max_wildcards: usize) -> Option<Vec<String>> {
    let max_paths = max_paths.min(MAX_INVALIDATION_PATHS);
    let set: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let is_wild = |p: &str| p.ends_with('*');
    let wild = set.iter().filter(|p| is_wild(p)).count();
    if set.len() <= max_paths && wild <= max_wildcards {
        return Some(set.into_iter().map(str::to_string).collect());
    }
    if max_paths == 0 || max_wildcards == 0 {
        return None;
    }
    let deepest = set.iter().map(|p| p.trim_end_matches('*').matches('/').count()).max().unwrap_or(0);
    for level in (1..deepest).rev() {
        // Per folder of this level: entries under it, and how many of those are wildcards.
        let mut under: std::collections::HashMap<&str, (usize, usize)> = std::collections::HashMap::new();
        for p in &set {
            if let Some(f) = folder_at(p, level) {
                let e = under.entry(f).or_default();
                e.0 += 1;
                e.1 += usize::from(is_wild(p));
            }
        }
        let mut folders: Vec<(&str, usize, usize)> = under.into_iter().filter(|(_, (n, _))| *n >= 2).map(|(f, (n, w))| (f, n, w)).collect();
        folders.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let (mut size, mut wildcards) = (set.len(), wild);
        let mut chosen: BTreeSet<&str> = BTreeSet::new();
        for (f, n, w) in folders {
            if size <= max_paths && wildcards <= max_wildcards {
                break;
            }
            size = size + 1 - n;
            wildcards = wildcards + 1 - w;
            chosen.insert(f);
        }
        if size <= max_paths && wildcards <= max_wildcards {
            let mut out: BTreeSet<String> =
                set.iter().filter(|p| folder_at(p, level).is_none_or(|f| !chosen.contains(f))).map(|p| p.to_string()).collect();
            out.extend(chosen.iter().map(|f| format!("{f}*")));
            return Some(out.into_iter().collect());
        }
    }
    Some(vec!["/*".into()])
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
            content_type: myblog_utils::manifest::content_type_for(path),
            hashed,
        }
    }

    fn settings() -> PlanSettings {
        PlanSettings { grace_deploys: 3, grace_hours: 0, invalidation_limit: 15, url_base: String::new() }
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

    #[test]
    fn url_paths_for_pages_files_and_sub_folder_sites() {
        assert_eq!(url_paths("", "index.html"), vec!["/", "/index.html"]);
        assert_eq!(url_paths("", "posts/x/index.html"), vec!["/posts/x/", "/posts/x/index.html"]);
        assert_eq!(url_paths("/blog", "atom.xml"), vec!["/blog/atom.xml"]);
        assert_eq!(url_paths("", "a b/*é.txt"), vec!["/a%20b/%2A%C3%A9.txt"]);
        // CloudFront's rules: RFC 1738's unsafe characters and non-ASCII encoded, nothing else.
        assert_eq!(url_paths("", "cv (2024).pdf"), vec!["/cv%20(2024).pdf"]);
        assert_eq!(url_paths("", "a+b=c&d,e;f'g!h$i@j:k.txt"), vec!["/a+b=c&d,e;f'g!h$i@j:k.txt"]);
        assert_eq!(
            url_paths("", "a~b{c}|d^e[f]`g#h%i?j<k>\"l\\m.txt"),
            vec!["/a%7Eb%7Bc%7D%7Cd%5Ee%5Bf%5D%60g%23h%25i%3Fj%3Ck%3E%22l%5Cm.txt"]
        );
        assert_eq!(url_paths("", "été/index.html"), vec!["/%C3%A9t%C3%A9/", "/%C3%A9t%C3%A9/index.html"]);
    }

    #[test]
    fn collapse_keeps_small_sets_and_covers_large_ones_with_few_wildcards() {
        let small: Vec<String> = vec!["/".into(), "/index.html".into()];
        assert_eq!(collapse(&small, 15, 15).unwrap(), small);
        let mut many: Vec<String> = (0..20).flat_map(|i| url_paths("", &format!("posts/p{i}/index.html"))).collect();
        many.extend(url_paths("", "index.html"));
        many.push("/atom.xml".into());
        let c = collapse(&many, 15, 15).unwrap();
        assert!(c.len() <= 15, "{c:?}");
        assert!(c.contains(&"/posts/*".to_string()), "{c:?}");
        assert!(c.contains(&"/atom.xml".to_string()) && c.contains(&"/".to_string()), "{c:?}");
        validate_invalidation(&c).unwrap();
        // Every original path is covered by the result.
        for p in &many {
            assert!(c.iter().any(|w| w == p || (w.ends_with('*') && p.starts_with(w.trim_end_matches('*')))), "{p} not covered by {c:?}");
        }
        assert_eq!(collapse(&many, 1, 15).unwrap(), vec!["/*"]);
        let deep: Vec<String> = (0..40).map(|i| format!("/a/b/c{i}.txt")).chain(["/x.txt".to_string()]).collect();
        assert_eq!(collapse(&deep, 3, 15).unwrap(), vec!["/a/b/*", "/x.txt"]);
    }

    #[test]
    fn collapse_never_needs_more_wildcards_than_cloudfront_allows_in_progress() {
        // The reported failure: 62 changed posts (124 paths) with invalidation_limit = 100
        // became 100 paths with 24 wildcards.
        let mut paths: Vec<String> = (0..62).flat_map(|i| url_paths("", &format!("posts/p{i}/index.html"))).collect();
        paths.push("/atom.xml".into());
        let c = collapse(&paths, 100, MAX_WILDCARDS_IN_PROGRESS).unwrap();
        assert!(c.len() <= 100 && c.iter().filter(|p| p.ends_with('*')).count() <= MAX_WILDCARDS_IN_PROGRESS, "{c:?}");
        for p in &paths {
            assert!(c.iter().any(|w| w == p || (w.ends_with('*') && p.starts_with(w.trim_end_matches('*')))), "{p} not covered by {c:?}");
        }
        // With 2 wildcards left, a deeper level can still fit a small change.
        let two: Vec<String> = ["a", "b"].iter().flat_map(|d| (0..5).map(move |i| format!("/x/{d}/{i}.html"))).collect();
        assert_eq!(collapse(&two, 3, 2).unwrap(), vec!["/x/a/*", "/x/b/*"]);
        assert_eq!(collapse(&two, 3, 1).unwrap(), vec!["/x/*"]);
        assert_eq!(collapse(&two, 3, 0), None, "no wildcard left: nothing fits");
        assert_eq!(collapse(&two, 20, 0).unwrap().len(), 10, "fits without wildcards");
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
