//! The output folder: which folders a build may replace, and the atomic swap of the staging folder
//! (with the recovery of a swap a crash interrupted).

use myblog_utils::manifest::MANIFEST_PATH;
use myblog_utils::Error;
use myblog_utils::Result;
use std::path::{Path, PathBuf};

/// The output folder is replaced wholesale by each build, so it must be one myblog made (or a
/// new or empty one), and never a folder holding the blog's own sources.
pub fn check_output_folder(root: &Path, out: &Path) -> Result<()> {
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (root_abs, out_abs) = (abs(root), abs(out));
    if root_abs.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "refusing to build into {}: it holds the blog itself ({}), and a build replaces its output folder",
            out.display(),
            root.display()
        )));
    }
    for sources in [myblog_config::CONTENT_DIR, "themes"] {
        if out_abs.starts_with(root_abs.join(sources)) {
            return Err(Error::Usage(format!("refusing to build into {}: it is inside the blog's {sources}/ folder", out.display())));
        }
    }
    let made_by_us = out.join(MANIFEST_PATH).is_file();
    let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(true);
    if out.exists() && !made_by_us && !empty {
        return Err(Error::Usage(format!(
            "refusing to build into {}: it is not empty and was not made by myblog (no {MANIFEST_PATH}), and a build replaces \
             the whole folder. Choose a new or empty folder, or empty this one yourself",
            out.display()
        )));
    }
    Ok(())
}

/// `public` → `.public.myblog-<what>` beside it (same file system, so renames are atomic).
pub(super) fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.myblog-{what}"))
}

pub(super) fn swap_into_place(staging: &Path, out: &Path) -> Result<()> {
    let old = sibling(out, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("cannot remove", &old, e))?;
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| Error::io("cannot move aside", out, e))?;
    }
    std::fs::rename(staging, out).map_err(|e| Error::io("cannot move into place", staging, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("cannot remove", &old, e))?;
    }
    Ok(())
}

/// A build killed between the two renames of the swap leaves the previous site aside: put it
/// back. A leftover staging folder is just removed.
pub fn recover_interrupted_swap(out: &Path) -> Result<()> {
    let old = sibling(out, "old");
    if old.is_dir() && !out.exists() {
        std::fs::rename(&old, out).map_err(|e| Error::io("cannot restore", &old, e))?;
    }
    Ok(())
}
