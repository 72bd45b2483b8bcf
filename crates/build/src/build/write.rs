//! Writing `public/`: a staging folder beside it receives the new files, unchanged ones become
//! hard links to the previous build's, then the folders are swapped (see `swap`). Pages can be
//! staged while the rest of the site is still rendering (`Sink::Staging`), so a build does not
//! hold every page in memory; nothing reaches `public/` before the swap.

use super::fingerprint::INPUTS_PATH;
use super::output::{Body, BuildReport, Output, SiteOutput};
use super::swap::{sibling, swap_into_place};
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::MANIFEST_PATH;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where rendered outputs go as they are made.
pub enum Sink<'a> {
    /// Kept whole in memory (`check`, `serve`, tests).
    Memory,
    /// Written to the staging folder at once; the output keeps only its path, hash and size.
    Staging(&'a Staging),
}

impl Sink<'_> {
    pub fn take(&self, o: Output) -> Result<Output> {
        match self {
            Sink::Memory => Ok(o),
            Sink::Staging(s) => s.stage(o),
        }
    }
}

/// The staging folder of one write. Dropped without `commit`, it is removed: a failed build
/// leaves the previous `public/` as it was.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    previous: Option<Manifest>,
    /// The previous build's files: path → (blake3, size).
    old: HashMap<String, (String, u64)>,
    /// Folders already made in the staging folder (relative, `/`-separated).
    made: Mutex<HashSet<String>>,
    /// Unchanged files, linked only at commit: a re-render that changes nothing then writes
    /// nothing at all.
    unchanged: Mutex<Vec<String>>,
    written: AtomicUsize,
    committed: bool,
}

impl Staging {
    pub fn begin(out: &Path) -> Result<Staging> {
        let previous = Manifest::load(out).ok().flatten();
        let old =
            previous.as_ref().map(|m| m.files.iter().map(|f| (f.path.clone(), (f.blake3.clone(), f.size))).collect()).unwrap_or_default();
        let dir = sibling(out, "staging");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io("cannot remove", &dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            previous,
            old,
            made: Mutex::new(HashSet::new()),
            unchanged: Mutex::new(Vec::new()),
            written: AtomicUsize::new(0),
            committed: false,
        })
    }

    /// Stages one output and keeps only what the manifest needs of it.
    pub fn stage(&self, o: Output) -> Result<Output> {
        self.put(&o)?;
        Ok(Output { body: Body::Staged, ..o })
    }

    fn put(&self, o: &Output) -> Result<()> {
        if self.is_unchanged(o) {
            self.unchanged.lock().unwrap_or_else(|e| e.into_inner()).push(o.path.clone());
            return Ok(());
        }
        let dest = self.dest(&o.path)?;
        match &o.body {
            Body::Bytes(b) => std::fs::write(&dest, b.as_slice()).map_err(|e| Error::io("cannot write", &dest, e)),
            Body::Copy(src) => std::fs::copy(src, &dest).map(|_| ()).map_err(|e| Error::io("cannot copy", src, e)),
            Body::Stripped(src) => {
                myblog_content::read_stripped(src).and_then(|b| std::fs::write(&dest, b)).map_err(|e| Error::io("cannot write", &dest, e))
            }
            Body::Staged => Ok(()),
        }?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn is_unchanged(&self, o: &Output) -> bool {
        self.old.get(o.path.as_str()).is_some_and(|(blake3, size)| *blake3 == o.blake3 && *size == o.size)
            && std::fs::metadata(self.out.join(&o.path)).is_ok_and(|m| m.is_file() && m.len() == o.size)
    }

    /// The staging path of `rel`, its folders made. Each folder once, parents first, under one
    /// lock: threads racing to create the same parents cost more system time than the render.
    fn dest(&self, rel: &str) -> Result<PathBuf> {
        if let Some((folder, _)) = rel.rsplit_once('/') {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            if !made.contains(folder) {
                let missing: Vec<&str> =
                    folder.match_indices('/').map(|(i, _)| &folder[..i]).chain([folder]).filter(|f| !made.contains(*f)).collect();
                for f in missing {
                    let path = self.dir.join(f);
                    match std::fs::create_dir(&path) {
                        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(Error::io("cannot create", &path, e)),
                        _ => {}
                    }
                    made.insert(f.to_string());
                }
            }
        }
        Ok(self.dir.join(rel))
    }

    /// Stages what is not staged yet, then swaps the staging folder in, unless nothing changed.
    /// A crash at any point leaves either the old or the new site (see `recover_interrupted_swap`).
    pub fn commit(mut self, site: &SiteOutput, fingerprint: Option<&str>) -> Result<BuildReport> {
        site.outputs.par_iter().filter(|o| !matches!(o.body, Body::Staged)).try_for_each(|o| self.put(o))?;
        let manifest = site.manifest();
        let now: HashSet<&str> = site.outputs.iter().map(|o| o.path.as_str()).collect();
        let removed = self.old.keys().filter(|p| !now.contains(p.as_str())).count();
        let written = self.written.load(Ordering::Relaxed);
        let report = BuildReport { written, unchanged: site.outputs.len() - written, removed, ..Default::default() };
        if written == 0 && removed == 0 && self.previous.as_ref() == Some(&manifest) {
            if let Some(fp) = fingerprint {
                let path = self.out.join(INPUTS_PATH);
                if std::fs::read(&path).ok().as_deref() != Some(fp.as_bytes()) {
                    write_file(&path, fp.as_bytes())?;
                }
            }
            return Ok(report);
        }
        let mut unchanged = std::mem::take(&mut *self.unchanged.lock().unwrap_or_else(|e| e.into_inner()));
        unchanged.sort();
        for p in &unchanged {
            self.dest(p)?;
        }
        unchanged.par_iter().try_for_each(|p| {
            let (prev, dest) = (self.out.join(p), self.dir.join(p));
            if std::fs::hard_link(&prev, &dest).is_ok() {
                return Ok(());
            }
            std::fs::copy(&prev, &dest).map(|_| ()).map_err(|e| Error::io("cannot copy", &prev, e))
        })?;
        write_file(&self.dir.join(MANIFEST_PATH), &manifest.to_json())?;
        if let Some(fp) = fingerprint {
            write_file(&self.dir.join(INPUTS_PATH), fp.as_bytes())?;
        }
        swap_into_place(&self.dir, &self.out)?;
        self.committed = true;
        Ok(report)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}
