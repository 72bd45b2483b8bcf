//! Writing `public/`: unchanged files hard-linked from the previous build into a staging folder,
//! the others written, then swapped in (see `swap`).

use super::fingerprint::INPUTS_PATH;
use super::output::{Body, BuildReport, Output, SiteOutput};
use super::swap::{sibling, swap_into_place};
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::ManifestEntry;
use myblog_utils::manifest::MANIFEST_PATH;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Writes the site: unchanged files are hard-linked from the previous build into a staging
/// folder, changed ones written there, then the folders are swapped. A crash at any point
/// leaves either the old or the new site (see `recover_interrupted_swap`).
pub fn write_site(site: &SiteOutput, out: &Path, fingerprint: Option<&str>) -> Result<BuildReport> {
    let manifest = site.manifest();
    let previous = Manifest::load(out).ok().flatten();
    let old: HashMap<&str, &ManifestEntry> =
        previous.as_ref().map(|m| m.files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
    let unchanged_on_disk = |o: &Output| -> bool {
        old.get(o.path.as_str()).is_some_and(|e| e.blake3 == o.blake3 && e.size == o.size)
            && std::fs::metadata(out.join(&o.path)).is_ok_and(|m| m.is_file() && m.len() == o.size)
    };
    let unchanged: Vec<bool> = site.outputs.par_iter().map(unchanged_on_disk).collect();
    let n_unchanged = unchanged.iter().filter(|u| **u).count();
    let removed = old.len().saturating_sub(
        n_unchanged + site.outputs.iter().zip(&unchanged).filter(|(o, u)| !**u && old.contains_key(o.path.as_str())).count(),
    );
    let report = BuildReport { written: site.outputs.len() - n_unchanged, unchanged: n_unchanged, removed, ..Default::default() };
    let manifest_bytes = manifest.to_json();
    if report.written == 0 && removed == 0 && previous.as_ref() == Some(&manifest) {
        if let Some(fp) = fingerprint {
            let path = out.join(INPUTS_PATH);
            if std::fs::read(&path).ok().as_deref() != Some(fp.as_bytes()) {
                write_file(&path, fp.as_bytes())?;
            }
        }
        return Ok(report);
    }

    let staging = sibling(out, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io("cannot remove", &staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io("cannot create", &staging, e))?;
    // Folders first, once each and in order (parents before children): thousands of threads
    // racing to create the same parents cost more system time than the whole render.
    let dirs: std::collections::BTreeSet<&str> = site.outputs.iter().filter_map(|o| o.path.rsplit_once('/').map(|(d, _)| d)).collect();
    for d in dirs {
        let dir = staging.join(d);
        if let Err(e) = std::fs::create_dir(&dir) {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
            }
        }
    }
    let results: Vec<Result<()>> = site
        .outputs
        .par_iter()
        .zip(unchanged.par_iter())
        .map(|(o, &same)| {
            let dest = staging.join(&o.path);
            if same {
                let prev = out.join(&o.path);
                if std::fs::hard_link(&prev, &dest).is_ok() {
                    return Ok(());
                }
                std::fs::copy(&prev, &dest).map_err(|e| Error::io("cannot copy", &prev, e))?;
                return Ok(());
            }
            match &o.body {
                Body::Bytes(b) => std::fs::write(&dest, b.as_slice()).map_err(|e| Error::io("cannot write", &dest, e)),
                Body::Copy(src) => std::fs::copy(src, &dest).map(|_| ()).map_err(|e| Error::io("cannot copy", src, e)),
                Body::Stripped(src) => myblog_content::read_stripped(src)
                    .and_then(|b| std::fs::write(&dest, b))
                    .map_err(|e| Error::io("cannot write", &dest, e)),
            }
        })
        .collect();
    if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    write_file(&staging.join(MANIFEST_PATH), &manifest_bytes)?;
    if let Some(fp) = fingerprint {
        write_file(&staging.join(INPUTS_PATH), fp.as_bytes())?;
    }
    swap_into_place(&staging, out)?;
    Ok(report)
}

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}
