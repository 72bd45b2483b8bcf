//! What the bucket holds: the remote manifest (the commit point), the intent object of a deploy
//! under way, and the listing's objects.

use serde::{Deserialize, Serialize};

/// Bumped when the remote manifest changes incompatibly; a newer one is refused.
pub const REMOTE_MANIFEST_VERSION: u32 = 1;
/// The remote manifest, relative to the prefix: the commit point of a deploy.
pub const REMOTE_MANIFEST: &str = ".myblog/manifest.json";
/// Written before the first upload of paths no committed manifest knows, so that a deploy
/// interrupted before its commit cannot leave objects nobody will ever delete.
pub const INTENT: &str = ".myblog/intent.json";
/// Keys under this folder are myblog's own bookkeeping, never site files.
pub const STATE_DIR: &str = ".myblog/";
/// The deploy lease: one deployer at a time.
pub const LEASE: &str = ".myblog/lease.json";

/// What the bucket holds for the site: the last committed deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteManifest {
    pub version: u32,
    pub generator: String,
    /// Counts committed deploys; the grace period is measured in it.
    pub deploy: u64,
    /// Unix seconds of the commit.
    pub deployed_at: i64,
    pub files: Vec<RemoteFile>,
    /// Hashed assets no longer referenced by the site, kept because cached HTML may still
    /// point at them.
    #[serde(default)]
    pub retired: Vec<Retired>,
    /// Work after the commit point (invalidation, deletions) that is not known to be done: a
    /// re-run after an interruption does it again.
    #[serde(default)]
    pub pending: Pending,
    /// Site paths of the posts this deploy published; `None` in manifests of myblog versions
    /// before announcements (whose posts then all count as published: nothing is announced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<Vec<String>>,
    /// [`PostEntry::identity_keys`] of those posts, so a post whose URL changed is not announced
    /// again; `None` in manifests of myblog versions before it.
    ///
    /// [`PostEntry::identity_keys`]: myblog_utils::manifest::PostEntry::identity_keys
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFile {
    pub path: String,
    pub blake3: String,
    pub size: u64,
    pub content_type: String,
    pub cache_control: String,
    pub hashed: bool,
    /// The ETag S3 gave the object we wrote: a different ETag in the listing means the object
    /// was replaced behind our back (by hand, or by an interrupted deploy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    #[serde(flatten)]
    pub file: RemoteFile,
    /// The deploy that stopped referencing it.
    pub retired_in: u64,
    /// Unix seconds when it stopped being referenced (0 in manifests older than this field:
    /// the manifest's `deployed_at` stands in).
    #[serde(default)]
    pub retired_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// URL paths (not collapsed) still to invalidate.
    #[serde(default)]
    pub invalidate: Vec<String>,
    /// Site paths still to delete.
    #[serde(default)]
    pub delete: Vec<String>,
    /// New posts still to announce (conditional writes: repeating one is harmless).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announce: Vec<crate::announcements::Announcement>,
}

/// `.myblog/intent.json`: paths a deploy is about to create before its commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub version: u32,
    pub paths: Vec<String>,
}

/// One object of the bucket listing, relative to the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub size: u64,
    pub etag: Option<String>,
}

/// Strips the quotes S3 puts around ETags so listing and PUT responses compare equal.
pub fn normalize_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_string()
}

#[cfg(test)]
mod tests {
    use super::super::decide::plan;
    use super::super::decide::tests::{rules, settings, site};
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn newer_remote_manifest_fields_round_trip() {
        let local = site(&[("index.html", "a", false)]);
        let p = plan(&local, None, None, &BTreeMap::new(), &rules(), &settings(), 7);
        let json = serde_json::to_string(&p.next).unwrap();
        let back: RemoteManifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p.next);
    }
}
