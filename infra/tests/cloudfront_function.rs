//! Runs the CloudFront Function's tests (`infra/functions/*.test.js`) with node's own test
//! runner, so `cargo test` covers them. node is required: without it this test fails.

use std::process::Command;

fn count(report: &str, label: &str) -> Option<u32> {
    report.lines().find_map(|l| l.trim().strip_prefix(&format!("# {label} "))?.trim().parse().ok())
}

#[test]
fn rewrite_function_passes_its_node_tests() {
    let root = myblog_infra::workspace_root();
    let out = Command::new("node").args(["--test", "infra/functions/"]).current_dir(&root).output().unwrap_or_else(|e| {
        panic!("cannot run node ({e}); node >= 20 is required for the CloudFront Function tests (Debian: apt-get install nodejs)")
    });
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "node --test infra/functions/ failed:\n{report}");
    let passed = count(&report, "pass").unwrap_or_else(|| panic!("no '# pass N' line in node's report:\n{report}"));
    let failed = count(&report, "fail").unwrap_or_else(|| panic!("no '# fail N' line in node's report:\n{report}"));
    assert_eq!(failed, 0, "{report}");
    assert!(passed >= 9, "expected the 9+ rewrite tests to run, node ran {passed}:\n{report}");
}
