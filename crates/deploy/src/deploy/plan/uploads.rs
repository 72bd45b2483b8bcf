//! What to upload, and in which phase: each local file compared with the last deploy and the
//! bucket listing.

use super::decide::{Draft, PlanSettings, Previous};
use super::headers::{is_page, HeaderRules};
use super::invalidation::url_paths;
use super::remote::{normalize_etag, Listed, RemoteFile, STATE_DIR};
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::ManifestEntry;
use serde::Serialize;
use std::collections::BTreeMap;

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

pub(super) fn desired(e: &ManifestEntry, rules: &HeaderRules) -> RemoteFile {
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

/// Every local file compared with what was deployed and what is listed: unchanged, or an
/// upload (with its reason and phase), and the paths to invalidate and to announce.
pub(super) fn compare_files(
    d: &mut Draft,
    local: &Manifest,
    prev: &Previous<'_>,
    listing: &BTreeMap<String, Listed>,
    rules: &HeaderRules,
    settings: &PlanSettings,
) {
    let Draft { uploads, files, unchanged, invalidate, intent_paths, .. } = d;
    let Previous { prev_files, prev_retired, .. } = prev;
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
                *unchanged += 1;
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
}
