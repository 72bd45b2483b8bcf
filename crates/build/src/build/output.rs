//! The built site in memory: its files, their manifest, and the report of a write.

use myblog_config::SiteConfig;
use myblog_content::Asset;
use myblog_content::AssetSource;
use myblog_utils::manifest::content_type_for;
use myblog_utils::manifest::Manifest;
use myblog_utils::manifest::ManifestEntry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use time::OffsetDateTime;

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct Output {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub body: Body,
    pub blake3: String,
    pub size: u64,
    pub hashed: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<Vec<u8>>),
    /// Copied from this file (photos and other static files stay out of memory).
    Copy(PathBuf),
    /// This photo without its metadata (see `photo_meta`), stripped while written.
    Stripped(PathBuf),
    /// Already written to the staging folder of the build (see `write::Sink`): not in memory.
    Staged,
}

impl Output {
    pub fn rendered(path: String, bytes: Vec<u8>) -> Output {
        let blake3 = blake3::hash(&bytes).to_hex().to_string();
        Output { path, size: bytes.len() as u64, body: Body::Bytes(Arc::new(bytes)), blake3, hashed: false }
    }
    pub fn from_asset(a: &Asset) -> Output {
        let body = match &a.source {
            AssetSource::File(p) => Body::Copy(p.clone()),
            AssetSource::Bytes(b) => Body::Bytes(b.clone()),
            AssetSource::StrippedFile(p) => Body::Stripped(p.clone()),
        };
        Output { path: a.output.clone(), body, blake3: a.blake3.clone(), size: a.size, hashed: a.hashed }
    }
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.body {
            Body::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_slice())),
            Body::Copy(p) => std::fs::read(p).map(std::borrow::Cow::Owned),
            Body::Stripped(p) => myblog_content::read_stripped(p).map(std::borrow::Cow::Owned),
            Body::Staged => Err(std::io::Error::other(format!("{} was written to the staging folder and is not in memory", self.path))),
        }
    }
}

/// The rendered site, in memory.
pub struct SiteOutput {
    pub config: SiteConfig,
    pub outputs: Vec<Output>,
    pub page_count: usize,
    /// Output path → the content file it came from (for `check`'s messages).
    pub sources: HashMap<String, PathBuf>,
    /// Files the pages refer to that the thumbnail Lambda makes after deploy (when thumbnails
    /// are not made locally): not in public/, yet not broken links.
    pub remote_thumbnails: Vec<String>,
    /// When a post left out for its future date becomes due (the site is stale from then on).
    pub next_scheduled: Option<OffsetDateTime>,
    /// The published posts, for deploy's announcements.
    pub posts: Vec<myblog_utils::manifest::PostEntry>,
    /// Redirect pages for former URLs (`aliases`).
    pub redirects: Vec<myblog_site::Redirect>,
    /// Output paths of the files generated from the whole site (feeds, sitemaps, robots.txt).
    pub generated: Vec<String>,
}

impl SiteOutput {
    pub fn manifest(&self) -> Manifest {
        let mut m = Manifest::new(
            self.outputs
                .iter()
                .map(|o| ManifestEntry {
                    path: o.path.clone(),
                    blake3: o.blake3.clone(),
                    size: o.size,
                    content_type: content_type_for(&o.path),
                    hashed: o.hashed,
                })
                .collect(),
        );
        m.posts = self.posts.clone();
        m.redirects = self
            .redirects
            .iter()
            .map(|r| myblog_utils::manifest::RedirectEntry { from: r.from.clone(), path: r.output.clone(), to: r.to.clone() })
            .collect();
        m
    }
}

#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// No input changed since the last build: nothing was rendered.
    pub up_to_date: bool,
    pub seconds: f64,
}
