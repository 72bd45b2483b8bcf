//! Which files and folders of a blog are never part of the site, and paths as authors see them.

use std::path::{Path, PathBuf};

/// Hidden folders (`.git/`, `.obsidian/`, `.DS_Store` bundles...) hold tools' data, never
/// pages: they are not walked at all. `.well-known/` is the exception: it is published by
/// design (security.txt, app links).
pub fn is_hidden_dir(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_type().is_dir() && {
        let name = entry.file_name().to_string_lossy();
        name.starts_with('.') && name != ".well-known"
    }
}

/// Editor droppings and hidden files never become part of the site.
pub fn is_ignored(name: &str) -> bool {
    (name.starts_with('.') && name != ".well-known")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

pub fn rel_display(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}
