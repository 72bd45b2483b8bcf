//! What a build is asked to do: the options every caller (CLI, serve, deploy) builds from.

use myblog_utils::Error;
use myblog_utils::Result;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub base_url: Option<String>,
    pub force: bool,
    /// Posts dated after this are left out unless `drafts`.
    pub now: OffsetDateTime,
    /// Who makes the thumbnails of photos under `content/media/`.
    pub thumbnails: ThumbnailMode,
}

/// Thumbnails are made by the Lambda after upload (the build only announces them in `srcset`),
/// or locally by the build with the same library (previews, offline sites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThumbnailMode {
    #[default]
    Lambda,
    Local,
}

impl BuildOptions {
    pub fn from_args(root: Option<&Path>, output: Option<&Path>, drafts: bool, base_url: Option<&str>) -> Result<BuildOptions> {
        let root = match root {
            Some(r) => r.canonicalize().map_err(|e| Error::io("cannot open the blog folder", r, e))?,
            None => myblog_config::find_root(&std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?)?,
        };
        let output = match output {
            Some(o) if o.is_absolute() => o.to_path_buf(),
            Some(o) => std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?.join(o),
            None => root.join("public"),
        };
        Ok(BuildOptions {
            root,
            output,
            drafts,
            base_url: base_url.map(str::to_string),
            force: false,
            now: OffsetDateTime::now_utc(),
            thumbnails: ThumbnailMode::default(),
        })
    }
}
