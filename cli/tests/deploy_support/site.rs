//! Test sites: temp copies of the fixture blogs with a [deploy] section, and deploying them.

use super::{deploy_cmd, ok, run};
use crate::common;
use myblog_utils::Manifest;
use std::path::{Path, PathBuf};

pub struct Site {
    pub _dir: tempfile::TempDir,
    pub root: PathBuf,
}

/// A temp copy of the mini fixture blog with `deploy_toml` as its [deploy] section.
pub fn mini(deploy_toml: &str) -> Site {
    let dir = common::mini_site();
    let root = dir.path().to_path_buf();
    let mut toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
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
