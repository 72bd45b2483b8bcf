//! What to delete and what to keep: files the site no longer has, hashed assets retired for the
//! grace period, and the work an interrupted deploy left.

use super::decide::{Draft, PlanSettings, Previous};
use super::headers::{is_page, HASHED_CACHE_CONTROL};
use super::invalidation::url_paths;
use super::remote::{Intent, Listed, RemoteFile, RemoteManifest, Retired, STATE_DIR};
use std::collections::{BTreeMap, BTreeSet};

/// S3's limit of keys per DeleteObjects request.
pub const DELETE_BATCH: usize = 1000;

/// Thumbnails under `thumbs/` belong to the thumbnail Lambda once a deploy has left them
/// behind: pages built without `--thumbnails local` still point at them, and the Lambda only
/// makes them again when their photo is uploaded again. Deploy uploads them (local builds) but
/// never retires or deletes them.
pub(super) fn lambda_owned(path: &str) -> bool {
    path.starts_with(myblog_thumbnail::DEFAULT_THUMBS_PREFIX)
}

/// Files of the last deploy the site no longer has: pages and other files deleted, hashed
/// assets retired; retired assets deleted once out of the grace period.
pub(super) fn retire_removed(
    d: &mut Draft,
    prev: &Previous<'_>,
    local_paths: &BTreeSet<&str>,
    remote: Option<&RemoteManifest>,
    settings: &PlanSettings,
    deploy: u64,
    now: i64,
) {
    let Draft { invalidate, delete, retired, kept, .. } = d;
    let Previous { prev_files, prev_retired, .. } = prev;
    let grace_seconds = i64::try_from(settings.grace_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
    let in_grace = |r: &Retired| {
        let at = if r.retired_at == 0 { remote.map_or(now, |m| m.deployed_at) } else { r.retired_at };
        deploy.saturating_sub(r.retired_in) < u64::from(settings.grace_deploys) || now.saturating_sub(at) < grace_seconds
    };
    for (path, f) in prev_files {
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
    for (path, r) in prev_retired {
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
}

/// Work left over by an interrupted deploy (its pending invalidations and deletions, the paths
/// of its intent), and deletions only of what the bucket holds.
#[allow(clippy::too_many_arguments)]
pub(super) fn finish_interrupted(
    d: &mut Draft,
    prev: &Previous<'_>,
    local_paths: &BTreeSet<&str>,
    remote: Option<&RemoteManifest>,
    intent: Option<&Intent>,
    listing: &BTreeMap<String, Listed>,
    settings: &PlanSettings,
    deploy: u64,
    now: i64,
) {
    let Draft { invalidate, intent_paths, delete, retired, kept, .. } = d;
    let Previous { prev_files, prev_retired, .. } = prev;
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
}

/// `name.0123456789.ext`: the build's hashed names (10 hex digits before the extension).
pub(super) fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && {
        let h = parts[parts.len() - 2];
        h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// Keys for DeleteObjects requests, at most 1000 per request as S3 requires.
pub fn delete_batches(keys: &[String]) -> Vec<&[String]> {
    keys.chunks(DELETE_BATCH).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletes_are_batched_by_1000() {
        let keys: Vec<String> = (0..2501).map(|i| format!("k{i}")).collect();
        let b = delete_batches(&keys);
        assert_eq!(b.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![1000, 1000, 501]);
        assert_eq!(b.concat(), keys);
    }
}
