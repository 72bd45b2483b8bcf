//! Step 0 of a rebuild: what each changed path is to the site (a source, a content file, a
//! template, a static file, a folder moved in or out, or `site.toml`).

use super::Incremental;
use myblog_config::CONFIG_FILE;
use myblog_config::CONTENT_DIR;
use myblog_content as content;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a changed path is to the site.
enum Input {
    Config,
    Markdown(String),
    ContentFile(String),
    Template,
    Static,
    /// A folder under content/ (created, moved in or out, deleted).
    ContentDir(String),
    Irrelevant,
}

/// The changed paths, sorted by what they are to the site.
pub(super) struct Touched {
    pub(super) md_changed: BTreeSet<String>,
    pub(super) files_changed: BTreeSet<String>,
    pub(super) templates_touched: bool,
    pub(super) statics_touched: bool,
}

impl Touched {
    pub(super) fn is_empty(&self) -> bool {
        self.md_changed.is_empty() && self.files_changed.is_empty() && !self.templates_touched && !self.statics_touched
    }
}

impl Incremental {
    /// What `paths` are to the site; `None` when the whole site must be rebuilt (`site.toml`).
    pub(super) fn touched(&self, paths: &BTreeSet<PathBuf>) -> Option<Touched> {
        let content_dir = self.opts.root.join(CONTENT_DIR);
        let mut md_changed: BTreeSet<String> = BTreeSet::new();
        let mut files_changed: BTreeSet<String> = BTreeSet::new();
        let mut templates_touched = false;
        let mut statics_touched = false;
        for p in paths {
            match self.classify(p) {
                Input::Config => return None,
                Input::Markdown(r) => {
                    md_changed.insert(r);
                }
                Input::ContentFile(r) => {
                    files_changed.insert(r);
                }
                Input::Template => templates_touched = true,
                Input::Static => statics_touched = true,
                Input::ContentDir(dir) => {
                    // A folder moved in or out (or created, deleted): what is known under it
                    // and no longer exists, and what exists and is not known. Files that were
                    // edited in place have events of their own.
                    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
                    let gone = |k: &String| k.starts_with(&prefix) && !content_dir.join(k).exists();
                    files_changed.extend(self.files.keys().filter(|k| gone(k)).cloned());
                    md_changed.extend(self.unpublished.keys().chain(self.index.keys()).filter(|k| gone(k)).cloned());
                    let abs = content_dir.join(&dir);
                    if abs.is_dir() {
                        for e in walkdir::WalkDir::new(&abs).follow_links(true).into_iter().flatten() {
                            if !e.file_type().is_file() {
                                continue;
                            }
                            let Ok(r) = e.path().strip_prefix(&content_dir) else { continue };
                            let parts: Option<Vec<&str>> = r.components().map(|c| c.as_os_str().to_str()).collect();
                            let Some(parts) = parts else { continue };
                            if parts.iter().any(|x| myblog_utils::is_ignored(x)) {
                                continue;
                            }
                            let r = parts.join("/");
                            if content::is_page_file(&r, self.prepared.config.content.dialect) {
                                if !self.index.contains_key(&r) && !self.unpublished.contains_key(&r) {
                                    md_changed.insert(r);
                                }
                            } else if !self.files.contains_key(&r) {
                                files_changed.insert(r);
                            }
                        }
                    }
                }
                Input::Irrelevant => {}
            }
        }
        Some(Touched { md_changed, files_changed, templates_touched, statics_touched })
    }

    fn classify(&self, path: &Path) -> Input {
        let root = &self.opts.root;
        let Ok(rel) = path.strip_prefix(root) else { return Input::Irrelevant };
        if rel == Path::new(CONFIG_FILE) {
            return Input::Config;
        }
        if let Ok(c) = rel.strip_prefix(CONTENT_DIR) {
            let parts: Option<Vec<&str>> = c.components().map(|p| p.as_os_str().to_str()).collect();
            let Some(parts) = parts else { return Input::Irrelevant };
            if parts.is_empty() {
                return Input::ContentDir(String::new());
            }
            if parts.iter().any(|p| myblog_utils::is_ignored(p)) {
                return Input::Irrelevant;
            }
            let rel = parts.join("/");
            let known_dir = || {
                let prefix = format!("{rel}/");
                self.files.keys().chain(self.unpublished.keys()).chain(self.index.keys()).any(|k| k.starts_with(&prefix))
            };
            if path.is_dir() || (!path.exists() && known_dir()) {
                return Input::ContentDir(rel);
            }
            return if content::is_page_file(&rel, self.prepared.config.content.dialect) {
                Input::Markdown(rel)
            } else {
                Input::ContentFile(rel)
            };
        }
        let theme = self.theme_dir();
        if let Ok(t) = path.strip_prefix(&theme) {
            if t.components().any(|c| myblog_utils::is_ignored(&c.as_os_str().to_string_lossy())) {
                return Input::Irrelevant;
            }
            if t.starts_with("templates") {
                return Input::Template;
            }
            if t.starts_with("static") {
                return Input::Static;
            }
            // The theme's words are on every page: a strings file rebuilds everything.
            if t.starts_with("i18n") {
                return Input::Config;
            }
            if t.as_os_str().is_empty() {
                return Input::Config;
            }
        }
        Input::Irrelevant
    }
}
