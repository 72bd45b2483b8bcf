//! Lints the SAM template with the real tools from the test venv (scripts/install-test-tools):
//! cfn-lint (including informational checks) and the SAM CLI's `sam validate`, which runs the
//! real SAM translator, and `sam validate --lint`. A missing tool fails the test.

use std::path::Path;
use std::process::{Command, Output};

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn cfn_lint(template: &Path) -> Output {
    let bin = test_support::venv_bin("cfn-lint");
    Command::new(&bin)
        .args(["--include-checks", "I", "--"])
        .arg(template)
        .current_dir(myblog_infra::workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

fn sam(args: &[&str]) -> Output {
    let bin = test_support::venv_bin("sam");
    Command::new(&bin)
        .args(args)
        .args(["--template-file", "infra/template.yaml", "--region", "us-east-1"])
        .current_dir(myblog_infra::workspace_root())
        // Offline: no telemetry, no instance metadata lookups, dummy credentials.
        .env("SAM_CLI_TELEMETRY", "0")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

#[test]
fn cfn_lint_finds_nothing_in_the_template() {
    let root = myblog_infra::workspace_root();
    let out = cfn_lint(&root.join("infra/template.yaml"));
    assert!(out.status.success(), "cfn-lint infra/template.yaml (exit {:?}):\n{}", out.status.code(), text(&out));
}

#[test]
fn cfn_lint_finds_nothing_in_the_moto_fixture() {
    let root = myblog_infra::workspace_root();
    let out = cfn_lint(&root.join("infra/tests/fixtures/outputs-stack.yaml"));
    assert!(out.status.success(), "cfn-lint outputs-stack.yaml (exit {:?}):\n{}", out.status.code(), text(&out));
}

#[test]
fn cfn_lint_finds_nothing_in_the_waf_template() {
    let root = myblog_infra::workspace_root();
    let out = cfn_lint(&root.join("infra/waf.yaml"));
    assert!(out.status.success(), "cfn-lint infra/waf.yaml (exit {:?}):\n{}", out.status.code(), text(&out));
}

/// Guards against a linter that silently checks nothing (e.g. a SAM transform it cannot do).
#[test]
fn cfn_lint_rejects_a_broken_copy_of_the_template() {
    let root = myblog_infra::workspace_root();
    let source = std::fs::read_to_string(root.join("infra/template.yaml")).expect("read template");
    assert!(source.contains("StreamViewType: NEW_AND_OLD_IMAGES"));
    let broken = source.replace("StreamViewType: NEW_AND_OLD_IMAGES", "StreamViewType: NEW_AND_OLD");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, broken).expect("write broken template");
    let out = cfn_lint(&path);
    let report = text(&out);
    assert_eq!(out.status.code().map(|c| c & 2), Some(2), "cfn-lint must report an error:\n{report}");
    assert!(report.contains("E3030"), "expected E3030 for the bad StreamViewType:\n{report}");
}

#[test]
fn sam_translator_accepts_the_template() {
    let out = sam(&["validate"]);
    let report = text(&out);
    assert!(out.status.success(), "sam validate (exit {:?}):\n{report}", out.status.code());
    assert!(report.contains("is a valid SAM Template"), "{report}");
}

#[test]
fn sam_validate_lint_is_clean() {
    let out = sam(&["validate", "--lint"]);
    let report = text(&out);
    assert!(out.status.success(), "sam validate --lint (exit {:?}):\n{report}", out.status.code());
}
