//! Test sites: temp copies of the fixture blogs with a [deploy] section, and deploying them.

use super::{deploy_cmd, ok, run};
use crate::common;
use myblog_utils::Manifest;
use std::path::{Path, PathBuf};

pub struct Site {
    pub _dir: tempfile::TempDir,
    pub root: PathBuf,
}

/// A temp copy of the mini fixture blog with `deploy_toml` as its [deploy] section, without the
/// search index: these tests count the files an edit changes, and an edit's new words change
/// the index's files too (`search_index_files_are_deployed_like_assets` deploys them).
pub fn mini(deploy_toml: &str) -> Site {
    mini_with("[search]\nenabled = false\n", deploy_toml)
}

/// The mini fixture blog with `site_toml` added to its site.toml and `deploy_toml` as its
/// [deploy] section.
pub fn mini_with(site_toml: &str, deploy_toml: &str) -> Site {
    let dir = common::mini_site();
    let root = dir.path().to_path_buf();
    let mut toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    toml.push('\n');
    toml.push_str(site_toml);
    toml.push_str("\n[deploy]\n");
    toml.push_str(deploy_toml);
    std::fs::write(root.join("site.toml"), toml).unwrap();
    Site { _dir: dir, root }
}

pub fn manifest(root: &Path) -> Manifest {
    Manifest::load(&root.join("public")).unwrap().expect("a build manifest")
}

pub fn append(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    let mut s = std::fs::read_to_string(&path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

pub fn deploy_ok(root: &Path, endpoint: &str, bucket: &str, dist: &str, extra: &[&str]) -> serde_json::Value {
    ok(&run(deploy_cmd(root, endpoint).args(["--bucket", bucket, "--distribution", dist, "--json", "--yes"]).args(extra)))
}
