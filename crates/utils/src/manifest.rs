//! `public/.myblog/manifest.json`: what the build wrote, read by `deploy` and by the next build.
//!
//! One entry per output file, sorted by path, so the file itself is deterministic and two builds
//! of the same sources produce byte-identical manifests.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Bumped when the format changes incompatibly; readers refuse newer versions.
pub const MANIFEST_VERSION: u32 = 1;
/// Where the manifest lives, relative to the output folder (and to the bucket prefix).
pub const MANIFEST_PATH: &str = ".myblog/manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub generator: String,
    pub files: Vec<ManifestEntry>,
    /// The published posts, newest first: `deploy` announces the ones the bucket has not
    /// published before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub posts: Vec<PostEntry>,
    /// Former URLs (`aliases`) and where they point; each also has its redirect page in
    /// `files`, so deploy may serve it as a page or as a redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<RedirectEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectEntry {
    /// Site path of the former URL (`/2019/04/old/`).
    pub from: String,
    /// Output file of its redirect page (`2019/04/old/index.html`).
    pub path: String,
    /// Absolute URL it redirects to.
    pub to: String,
}

/// A published post as `deploy` needs it for announcements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostEntry {
    /// Site path (`/posts/x/`), the announcement's key.
    pub path: String,
    /// Absolute URL.
    pub url: String,
    pub title: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `announce = false` in its front matter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_announce: bool,
    /// The summary with absolute links, kept only for posts recent enough to be announced (the
    /// manifest of a 10,000-post blog stays small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_html: Option<String>,
    /// Its file under `content/` (`posts/x.md`): with its title and date, what tells a post
    /// whose URL changed (a new slug) from a new post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its language on a multilingual site when that is not the default language (absent:
    /// the default, so a single-language site's manifest is as it always was). The fan-out
    /// emails it only to the subscribers of that language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

impl PostEntry {
    /// What identifies the post apart from its URL: its source file, and its title with its date.
    /// A post published under another path with one of these is the same post moved.
    pub fn identity_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(s) = &self.source {
            keys.push(format!("source:{s}"));
        }
        if let Some(d) = &self.date {
            keys.push(format!("dated:{d}|{}", self.title));
        }
        keys
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Relative to the output folder, `/`-separated, no leading slash (`posts/x/index.html`).
    pub path: String,
    /// Hex blake3 of the bytes.
    pub blake3: String,
    pub size: u64,
    /// `Content-Type` to serve it with (`text/html; charset=utf-8`).
    pub content_type: String,
    /// True when the name carries the content hash (`site.0123456789.css`): such a file never
    /// changes under its name, may be cached forever and is never invalidated.
    pub hashed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path} is not a valid myblog manifest: {source}. Delete it and build again.")]
    Parse { path: String, source: serde_json::Error },
    #[error("{path} was written by a newer myblog (manifest version {found}, this one reads up to {MANIFEST_VERSION}). Upgrade myblog.")]
    TooNew { path: String, found: u32 },
}

impl Manifest {
    pub fn new(mut files: Vec<ManifestEntry>) -> Manifest {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Manifest {
            version: MANIFEST_VERSION,
            generator: format!("myblog {}", env!("CARGO_PKG_VERSION")),
            files,
            posts: Vec::new(),
            redirects: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("manifest serializes");
        out.push(b'\n');
        out
    }

    /// Parses manifest bytes; `origin` names the file or object in errors.
    pub fn from_slice(bytes: &[u8], origin: &str) -> Result<Manifest, ManifestError> {
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let v: Version = serde_json::from_slice(bytes).map_err(|source| ManifestError::Parse { path: origin.to_string(), source })?;
        if v.version > MANIFEST_VERSION {
            return Err(ManifestError::TooNew { path: origin.to_string(), found: v.version });
        }
        serde_json::from_slice(bytes).map_err(|source| ManifestError::Parse { path: origin.to_string(), source })
    }

    /// Reads `<output>/.myblog/manifest.json`; `Ok(None)` when there is none yet.
    pub fn load(output: &Path) -> Result<Option<Manifest>, ManifestError> {
        let path = output.join(MANIFEST_PATH);
        match std::fs::read(&path) {
            Ok(bytes) => Manifest::from_slice(&bytes, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ManifestError::Io { path: path.display().to_string(), source }),
        }
    }
}

/// The `Content-Type` for an output path: from the extension, `charset=utf-8` for text.
pub fn content_type_for(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let essence = mime.essence_str();
    let texty = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            essence,
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "application/atom+xml"
                | "application/rss+xml"
                | "image/svg+xml"
                | "application/manifest+json"
        );
    if path.ends_with("atom.xml") {
        return "application/atom+xml; charset=utf-8".into();
    }
    if path.ends_with("rss.xml") {
        return "application/rss+xml; charset=utf-8".into();
    }
    if texty {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}
