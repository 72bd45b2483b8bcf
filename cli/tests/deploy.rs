//! `myblog deploy` end to end: the real binary against moto server (S3, CloudFront,
//! CloudFormation) on loopback, sometimes through a proxy that logs, delays, cuts or corrupts
//! the traffic.

mod common;
mod deploy_support;

use deploy_support::*;
use myblog_utils::Manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BASE: &str = "https://mini.example.org";

/// The Cache-Control each kind of file must get by default.
fn expected_cache_control(path: &str, content_type: &str, hashed: bool) -> &'static str {
    let page = content_type.starts_with("text/html")
        || content_type.starts_with("application/atom+xml")
        || content_type.starts_with("application/rss+xml")
        || path.ends_with("sitemap.xml");
    if hashed {
        "public, max-age=31536000, immutable"
    } else if page {
        "public, max-age=60, s-maxage=86400"
    } else {
        "public, max-age=3600, s-maxage=86400"
    }
}

/// Every file of the local manifest is in the bucket with its bytes and headers, and nothing
/// else but myblog's remote manifest.
fn assert_bucket_matches_site(bucket: &str, prefix: &str, root: &Path) {
    assert_bucket_matches_site_and(bucket, prefix, root, &[]);
}

/// [`assert_bucket_matches_site`], plus `extra` keys (relative to the prefix) the deploy made.
fn assert_bucket_matches_site_and(bucket: &str, prefix: &str, root: &Path, extra: &[String]) {
    let m = manifest(root);
    let snap = snapshot(bucket);
    for e in &m.files {
        let key = format!("{prefix}{}", e.path);
        let obj = snap.get(&key).unwrap_or_else(|| panic!("{key} missing from the bucket"));
        assert_eq!(obj.body, std::fs::read(root.join("public").join(&e.path)).unwrap(), "{key} bytes");
        assert_eq!(obj.content_type, e.content_type, "{key} Content-Type");
        assert_eq!(obj.cache_control, expected_cache_control(&e.path, &e.content_type, e.hashed), "{key} Cache-Control");
    }
    let mut expected: BTreeSet<String> = m.files.iter().map(|e| format!("{prefix}{}", e.path)).collect();
    expected.insert(format!("{prefix}.myblog/manifest.json"));
    expected.extend(extra.iter().map(|k| format!("{prefix}{k}")));
    let found: BTreeSet<String> = snap.keys().cloned().collect();
    assert_eq!(found, expected, "bucket keys");
    let remote: serde_json::Value = serde_json::from_slice(&snap[&format!("{prefix}.myblog/manifest.json")].body).unwrap();
    assert_eq!(remote["version"], 1);
    assert_eq!(snap[&format!("{prefix}.myblog/manifest.json")].content_type, "application/json");
}

/// Paths whose bytes differ between two builds, or that exist in only one.
fn changed(a: &Manifest, b: &Manifest) -> BTreeSet<String> {
    let ma: BTreeMap<&str, &str> = a.files.iter().map(|e| (e.path.as_str(), e.blake3.as_str())).collect();
    let mb: BTreeMap<&str, &str> = b.files.iter().map(|e| (e.path.as_str(), e.blake3.as_str())).collect();
    ma.keys().chain(mb.keys()).filter(|k| ma.get(*k) != mb.get(*k)).map(|k| k.to_string()).collect()
}

fn url_paths(path: &str) -> Vec<String> {
    let mut v = vec![format!("/{path}")];
    if path == "index.html" {
        v.push("/".into());
    } else if let Some(dir) = path.strip_suffix("/index.html") {
        v.push(format!("/{dir}/"));
    }
    v
}

/// Keys PUT through the proxy (path-style `/bucket/key`), in order.
fn puts(log: &[(String, String)], bucket: &str) -> Vec<String> {
    log.iter()
        .filter(|(m, _)| m == "PUT")
        .filter_map(|(_, p)| p.strip_prefix(&format!("/{bucket}/")).map(|k| k.split('?').next().unwrap_or(k).to_string()))
        .collect()
}

#[test]
fn full_deploy_then_noop_then_one_post_edited() {
    let site = mini("invalidation_limit = 100\n");
    let (bucket, dist) = bucket_and_distribution("full");
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let v1 = manifest(&site.root);
    assert_eq!(s["uploaded"], v1.files.len());
    assert_bucket_matches_site(&bucket, "", &site.root);
    // A first deploy's new URLs may be cached 404s: invalidated, never the hashed files.
    let first = invalidations(&dist);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(!first[0].1.iter().any(|p| p.ends_with(".css")), "{first:?}");
    let snap1 = snapshot(&bucket);

    // Nothing changed: reads only, and few of them.
    let proxy = Proxy::start(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &[]);
    let log = proxy.log();
    assert!(log.iter().all(|(m, _)| m == "GET"), "a no-change deploy only reads: {log:?}");
    let objects = snap1.len();
    assert!(log.len() <= objects.div_ceil(1000) + 2, "{} requests for {objects} objects: {log:?}", log.len());
    assert_eq!(s["uploaded"], 0);
    assert!(s["deploy"].is_null());
    assert_eq!(snapshot(&bucket), snap1, "no object rewritten (bytes, ETag, LastModified)");
    assert_eq!(invalidations(&dist).len(), 1, "no invalidation for a no-change deploy");

    // One post edited: exactly the files whose bytes changed go up, and are invalidated.
    append(&site.root, "content/posts/first.md", "\nA new closing paragraph.\n");
    proxy.reset(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &["--wait"]);
    let v2 = manifest(&site.root);
    let diff = changed(&v1, &v2);
    assert!(diff.contains("posts/first/index.html"), "{diff:?}");
    let site_puts: BTreeSet<String> = puts(&proxy.log(), &bucket).into_iter().filter(|k| !k.starts_with(".myblog/")).collect();
    assert_eq!(site_puts, diff, "uploaded exactly the changed files");
    assert_eq!(s["uploaded"], diff.len());
    let invs = invalidations(&dist);
    assert_eq!(invs.len(), 2, "{invs:?}");
    let mut expected: Vec<String> = diff.iter().flat_map(|p| url_paths(p)).collect();
    expected.sort();
    assert_eq!(invs[1].1, expected);
    assert_eq!(s["invalidation_paths"].as_array().unwrap().len(), expected.len());
    assert!(s["invalidation_id"].is_string());
    let snap2 = snapshot(&bucket);
    for (k, o) in &snap1 {
        if !diff.contains(k) && !k.starts_with(".myblog/") {
            assert_eq!(Some(o), snap2.get(k), "{k} was rewritten");
        }
    }
    assert_bucket_matches_site(&bucket, "", &site.root);
}

#[test]
fn example_site_full_deploy_under_a_prefix() {
    let dir = common::example_site();
    let root = dir.path().join("blog");
    let (bucket, dist) = bucket_and_distribution("example");
    // No thumbnail Lambda here: deploy makes the photos' thumbnails itself.
    let s = deploy_ok(&root, &moto().endpoint, &bucket, &dist, &["--prefix", "/site/", "--thumbnails-wait", "0"]);
    let made: Vec<String> = serde_json::from_value(s["thumbnails_made_locally"].clone()).unwrap();
    assert!(made.len() >= 9 && made.iter().all(|k| k.starts_with("thumbs/")), "{made:?}");
    assert_bucket_matches_site_and(&bucket, "site/", &root, &made);
    let snap = snapshot(&bucket);
    let css = snap.keys().find(|k| k.starts_with("site/css/site.") && k.ends_with(".css")).expect("hashed css");
    assert_eq!(snap[css].cache_control, "public, max-age=31536000, immutable");
    assert_eq!(snap[css].content_type, "text/css; charset=utf-8");
    assert_eq!(snap["site/index.html"].content_type, "text/html; charset=utf-8");
    assert_eq!(snap["site/index.html"].cache_control, "public, max-age=60, s-maxage=86400");
    assert_eq!(snap["site/favicon.ico"].cache_control, "public, max-age=3600, s-maxage=86400");
}

#[test]
fn css_change_keeps_the_old_css_for_the_grace_period() {
    // Deploys only: the hours are tested in the planner (a test cannot wait 48 hours).
    let site = mini("grace_hours = 0\n");
    let (bucket, dist) = bucket_and_distribution("grace");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let v1 = manifest(&site.root);
    let old_css = v1.files.iter().find(|e| e.path.ends_with(".css")).unwrap().path.clone();

    append(&site.root, "themes/mini/static/css/site.css", "\n.added { color: red }\n");
    let proxy = Proxy::start(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &[]);
    let v2 = manifest(&site.root);
    let new_css = v2.files.iter().find(|e| e.path.ends_with(".css")).unwrap().path.clone();
    assert_ne!(old_css, new_css);
    let diff = changed(&v1, &v2);
    let order = puts(&proxy.log(), &bucket);
    let site_puts: BTreeSet<String> = order.iter().filter(|k| !k.starts_with(".myblog/")).cloned().collect();
    assert_eq!(site_puts, diff.iter().filter(|p| **p != old_css).cloned().collect::<BTreeSet<_>>());
    assert!(diff.iter().filter(|p| p.ends_with(".html")).count() >= 5, "pages referencing the CSS re-uploaded: {diff:?}");
    // The new CSS is in the bucket before any page that points at it.
    let css_at = order.iter().position(|k| *k == new_css).unwrap();
    let first_page = order.iter().position(|k| k.ends_with(".html")).unwrap();
    assert!(css_at < first_page, "{order:?}");
    let commit = order.iter().position(|k| k == ".myblog/manifest.json").unwrap();
    assert!(order[..commit].iter().filter(|k| k.ends_with(".html")).count() == diff.iter().filter(|p| p.ends_with(".html")).count());
    assert_eq!(s["kept_for_grace"], 1);
    assert!(!invalidations(&dist).last().unwrap().1.iter().any(|p| p.ends_with(".css")), "hashed files are never invalidated");

    // Three more deploys: kept through the next two, deleted by the third.
    for i in 1..=3 {
        append(&site.root, "content/about.md", &format!("\nEdit number {i}.\n"));
        let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
        let snap = snapshot(&bucket);
        if i < 3 {
            assert!(snap.contains_key(&old_css), "old CSS still served after {i} more deploys");
            assert_eq!(s["kept_for_grace"], 1);
        } else {
            assert!(!snap.contains_key(&old_css), "old CSS deleted once the grace period passed");
            assert_eq!(s["kept_for_grace"], 0);
            assert_eq!(s["deletions"], serde_json::json!([old_css]));
        }
        assert!(snap.contains_key(&new_css));
    }
    assert_bucket_matches_site(&bucket, "", &site.root);
}

#[test]
fn removed_post_is_deleted_after_its_invalidation() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("remove");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    assert!(snapshot(&bucket).contains_key("posts/second/index.html"));
    std::fs::remove_file(site.root.join("content/posts/second.md")).unwrap();
    let proxy = Proxy::start(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &[]);
    assert!(s["deletions"].as_array().unwrap().contains(&serde_json::json!("posts/second/index.html")));
    let log = proxy.log();
    let invalidated = log.iter().position(|(m, p)| m == "POST" && p.contains("/invalidation")).expect("an invalidation");
    let deleted = log.iter().position(|(m, p)| m == "POST" && p.contains("?delete")).expect("a delete");
    assert!(invalidated < deleted, "deleted before the invalidation: {log:?}");
    let inv = invalidations(&dist).pop().unwrap().1;
    let covered = |p: &str| inv.iter().any(|i| i == p || (i.ends_with('*') && p.starts_with(i.trim_end_matches('*'))));
    assert!(covered("/posts/second/") && covered("/posts/second/index.html"), "{inv:?}");
    assert_bucket_matches_site(&bucket, "", &site.root);
}

#[test]
fn objects_deleted_or_changed_by_hand_are_restored() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("hand");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    rt().block_on(async {
        let s3 = s3a().await;
        s3.delete_object().bucket(&bucket).key("posts/first/index.html").send().await.unwrap();
        s3.put_object().bucket(&bucket).key("robots.txt").body(b"User-agent: *\nDisallow: /\n".to_vec().into()).send().await.unwrap();
    });
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    assert_eq!(s["uploads"], serde_json::json!(["robots.txt", "posts/first/index.html"]));
    assert_bucket_matches_site(&bucket, "", &site.root);
    assert_eq!(
        invalidations(&dist).pop().unwrap().1,
        vec!["/posts/first/", "/posts/first/index.html", "/robots.txt"],
        "the replaced file may be cached at the edge, the missing one as a 404"
    );
}

/// A site deployed as v1 to `bucket`, then changed to v2 (edited post, new CSS, removed post,
/// new post); `reference` is the bucket state after a clean v1 → v2 deploy to another bucket.
struct Scenario {
    site: Site,
    bucket: String,
    dist: String,
    reference: BTreeMap<String, (Vec<u8>, String, String)>,
    reference_manifest: serde_json::Value,
}

fn scenario(name: &str, deploy_toml: &str) -> Scenario {
    let site = mini(deploy_toml);
    let (bucket, dist) = bucket_and_distribution(name);
    let (ref_bucket, ref_dist) = bucket_and_distribution(&format!("{name}-ref"));
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    deploy_ok(&site.root, &moto().endpoint, &ref_bucket, &ref_dist, &[]);
    common::copy_dir(&site.root.join("public"), &site.root.join("public-v1"));
    append(&site.root, "content/posts/first.md", "\nAn edit.\n");
    append(&site.root, "themes/mini/static/css/site.css", "\nbody { margin: 0 }\n");
    std::fs::remove_file(site.root.join("content/posts/second.md")).unwrap();
    std::fs::write(
        site.root.join("content/posts/third.md"),
        "+++\ntitle = \"Third\"\ndate = 2024-03-03\ntags = [\"rust\"]\n+++\nThe third post.\n",
    )
    .unwrap();
    common::build_ok(&site.root);
    deploy_ok(&site.root, &moto().endpoint, &ref_bucket, &ref_dist, &["--no-build"]);
    let snap = snapshot(&ref_bucket);
    let reference_manifest = files_of_manifest(&snap[".myblog/manifest.json"].body);
    Scenario { site, bucket, dist, reference: site_state(&snap), reference_manifest }
}

/// The remote manifest without what legitimately differs between buckets (times, counters).
fn files_of_manifest(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    serde_json::json!({ "files": v["files"].take(), "retired": v["retired"].as_array().map(|r| r.iter().map(|x| x["path"].clone()).collect::<Vec<_>>()), "pending": v["pending"].take() })
}

impl Scenario {
    /// The bucket now equals the clean deploy, and a further deploy has nothing to do.
    fn assert_converged(&self) {
        self.assert_converged_at(&self.bucket, &self.dist);
    }

    fn assert_converged_at(&self, bucket: &str, dist: &str) {
        let snap = snapshot(bucket);
        assert_eq!(site_state(&snap), self.reference, "bucket differs from a clean deploy");
        assert!(!snap.contains_key(".myblog/intent.json"), "intent left behind");
        // A lease may be left by a cut release (a no-change deploy takes none); the next
        // deploy that writes takes it over (its process is gone). Clean runs leave none: see
        // assert_bucket_matches_site.
        assert_eq!(files_of_manifest(&snap[".myblog/manifest.json"].body), self.reference_manifest);
        let s = deploy_ok(&self.site.root, &moto().endpoint, bucket, dist, &["--no-build"]);
        assert!(s["deploy"].is_null() && s["uploaded"] == 0, "not converged: {s}");
    }

    /// The v1 build, kept aside.
    fn v1_output(&self) -> PathBuf {
        self.site.root.join("public-v1")
    }
}

/// A new bucket and distribution holding v1, deployed cleanly.
fn fresh_v1(sc: &Scenario, v1: &Path, name: &str) -> (String, String) {
    let (bucket, dist) = bucket_and_distribution(name);
    deploy_ok(&sc.site.root, &moto().endpoint, &bucket, &dist, &["--no-build", "--output", v1.to_str().unwrap()]);
    (bucket, dist)
}

#[test]
fn deploys_cut_off_after_k_requests_leave_a_consistent_bucket_and_converge() {
    // First deploy to an empty bucket, cut early and late.
    let site = mini("max_attempts = 1\n");
    let (fresh, fresh_dist) = bucket_and_distribution("cut-first");
    common::build_ok(&site.root);
    let proxy = Proxy::start(Mode::Pass);
    for k in [3, 9] {
        proxy.reset(Mode::CutAfter(k));
        let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &fresh, "--distribution", &fresh_dist, "--no-build"]));
        assert!(!out.status.success(), "K={k}: the cut deploy should fail");
        assert!(stderr(&out).contains("run `myblog deploy` again"), "K={k}: {}", stderr(&out));
        assert_references_resolve(&fresh, BASE, &format!("first deploy cut after {k}"));
    }
    deploy_ok(&site.root, &moto().endpoint, &fresh, &fresh_dist, &["--no-build"]);
    assert_bucket_matches_site(&fresh, "", &site.root);
}

/// For each request K of a clean v1 → v2 deploy: a fresh bucket holding v1, the deploy cut at
/// K (the request never reaches moto), or cut after K reached moto (it took effect, the answer
/// is lost). At every cut no page in the bucket references a missing object, and a rerun
/// converges to what the clean deploy produced.
#[test]
fn a_deploy_cut_at_every_request_stays_consistent_and_converges() {
    let sc = scenario("every", "max_attempts = 1\n");
    let v1 = sc.v1_output();
    let proxy = Proxy::start(Mode::Pass);
    // The clean deploy, counted.
    let (bucket, dist) = fresh_v1(&sc, &v1, "every-count");
    deploy_ok(&sc.site.root, &proxy.endpoint, &bucket, &dist, &["--no-build"]);
    let total = proxy.count();
    let log = proxy.log();
    let commit = log.iter().position(|(m, p)| m == "PUT" && p.contains(".myblog/manifest.json")).expect("a commit") + 1;
    assert!(total > commit && commit > 5, "{total} requests, commit at {commit}: {log:?}");
    let mut before_commit = 0;
    for k in 1..=total {
        for mode in [Mode::CutAfter(k - 1), Mode::CutAfterReaching(k)] {
            let (bucket, dist) = fresh_v1(&sc, &v1, "every");
            proxy.reset(mode.clone());
            let out = run(deploy_cmd(&sc.site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build"]));
            if out.status.success() {
                // Only the lease's release may fail unnoticed: the next deploy takes it over.
                assert_eq!(k, total, "{mode:?}: the cut deploy should fail");
                assert_eq!(log[k - 1].0, "DELETE", "{mode:?}: {:?}", log[k - 1]);
            } else {
                let err = stderr(&out);
                assert!(err.contains("run `myblog deploy` again"), "{mode:?}: {err}");
            }
            before_commit += usize::from(k <= commit);
            assert_references_resolve(&bucket, BASE, &format!("{mode:?}"));
            deploy_ok(&sc.site.root, &moto().endpoint, &bucket, &dist, &["--no-build"]);
            sc.assert_converged_at(&bucket, &dist);
        }
    }
    assert!(before_commit < 2 * total, "some cuts must land after the commit");
}

#[test]
fn sigkill_mid_upload_then_rerun_converges() {
    let sc = scenario("kill", "");
    let proxy = Proxy::start(Mode::Delay(Duration::from_millis(60)));
    let mut child = deploy_cmd(&sc.site.root, &proxy.endpoint)
        .args(["--bucket", &sc.bucket, "--distribution", &sc.dist, "--no-build", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !puts(&proxy.log(), &sc.bucket).iter().any(|k| !k.starts_with(".myblog/")) {
        assert!(start.elapsed() < Duration::from_secs(30), "no upload started: {:?}", proxy.log());
        assert!(child.try_wait().unwrap().is_none(), "deploy ended before any upload: {:?}", proxy.log());
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let log = puts(&proxy.log(), &sc.bucket);
    assert!(!log.contains(&".myblog/manifest.json".to_string()), "killed too late, after the commit: {log:?}");
    std::thread::sleep(Duration::from_millis(300)); // let requests already in flight land
    assert_references_resolve(&sc.bucket, BASE, "after SIGKILL");
    deploy_ok(&sc.site.root, &moto().endpoint, &sc.bucket, &sc.dist, &["--no-build"]);
    sc.assert_converged();
}

#[test]
fn injected_faults_are_retried_and_the_deploy_converges() {
    let sc = scenario("faults", "");
    let proxy = Proxy::start(Mode::Faults);
    let s = deploy_ok(&sc.site.root, &proxy.endpoint, &sc.bucket, &sc.dist, &["--no-build"]);
    assert!(proxy.count() >= 13, "too few requests to have met faults: {}", proxy.count());
    assert!(s["deploy"].is_number());
    let operations: u64 = s["requests"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    let attempts = s["attempts"].as_u64().unwrap();
    assert!(attempts > operations, "faults should have cost retries: {attempts} attempts for {operations} operations");
    assert_eq!(attempts as usize, proxy.count(), "every attempt went through the proxy");
    assert_references_resolve(&sc.bucket, BASE, "after faults");
    sc.assert_converged();
}

#[test]
fn a_70_mib_file_goes_up_in_parts_intact() {
    let site = mini("");
    let mut big = vec![0u8; 70 * 1024 * 1024];
    blake3::Hasher::new().update(b"myblog deploy test").finalize_xof().fill(&mut big);
    std::fs::write(site.root.join("themes/mini/static/big.bin"), &big).unwrap();
    let (bucket, dist) = bucket_and_distribution("big");
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    assert!(s["requests"]["multipart"].as_u64().unwrap() >= 7, "{s}");
    let key = manifest(&site.root).files.iter().find(|e| e.path.starts_with("big.")).unwrap().path.clone();
    let (etag, body) = rt().block_on(async {
        let o = s3a().await.get_object().bucket(&bucket).key(&key).send().await.unwrap();
        (o.e_tag().unwrap().to_string(), o.body.collect().await.unwrap().into_bytes())
    });
    assert!(etag.trim_matches('"').ends_with("-5"), "not a 5-part upload: {etag}");
    assert_eq!(body.len(), big.len());
    assert_eq!(blake3::hash(&body), blake3::hash(&big), "the file arrived changed");
}

#[test]
fn dry_run_writes_nothing() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("dry");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    append(&site.root, "content/posts/first.md", "\nChanged.\n");
    std::fs::remove_file(site.root.join("content/posts/second.md")).unwrap();
    let before = snapshot(&bucket);
    let invs = invalidations(&dist);
    let proxy = Proxy::start(Mode::Pass);
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--dry-run"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Dry run") && text.contains("posts/first/index.html") && text.contains("delete  posts/second/index.html"),
        "{text}"
    );
    assert!(text.contains("invalidate /posts/second/"), "{text}");
    assert!(proxy.log().iter().all(|(m, _)| m == "GET"), "{:?}", proxy.log());
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--dry-run", "--json"]));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert!(!plan["plan"]["uploads"].as_array().unwrap().is_empty());
    assert_eq!(snapshot(&bucket), before, "the bucket changed");
    assert_eq!(invalidations(&dist), invs);
}

#[test]
fn stack_outputs_name_the_bucket_and_distribution() {
    let site = mini("");
    let dist = rt().block_on(create_distribution("stack-site"));
    let template = serde_json::json!({
        "Parameters": { "DistId": { "Type": "String" } },
        "Resources": { "Site": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "myblog-stack-site" } } },
        "Outputs": {
            "BucketName": { "Value": { "Ref": "Site" } },
            "DistributionId": { "Value": { "Ref": "DistId" } }
        }
    });
    rt().block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&moto().sdk_config().await);
        cfn.create_stack()
            .stack_name("myblog-site")
            .template_body(template.to_string())
            .parameters(aws_sdk_cloudformation::types::Parameter::builder().parameter_key("DistId").parameter_value(&dist).build())
            .send()
            .await
            .expect("create stack");
    });
    let s = ok(&run(deploy_cmd(&site.root, &moto().endpoint).args(["--stack", "myblog-site", "--json"])));
    assert_eq!(s["bucket"], "myblog-stack-site");
    assert_eq!(s["distribution"], dist.as_str());
    assert_bucket_matches_site("myblog-stack-site", "", &site.root);
    append(&site.root, "content/posts/first.md", "\nEdited.\n");
    ok(&run(deploy_cmd(&site.root, &moto().endpoint).args(["--stack", "myblog-site", "--json"])));
    assert!(invalidations(&dist).pop().unwrap().1.contains(&"/posts/first/".to_string()));

    let out = run(deploy_cmd(&site.root, &moto().endpoint).args(["--stack", "no-such-stack"]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read CloudFormation stack \"no-such-stack\""), "{}", stderr(&out));
}

#[test]
fn errors_say_what_is_wrong_and_what_to_do() {
    let site = mini("");
    common::build_ok(&site.root);
    let (bucket, dist) = bucket_and_distribution("errors");
    let fail = |cmd: &mut std::process::Command| {
        let out = run(cmd);
        assert!(!out.status.success(), "should fail: {}", String::from_utf8_lossy(&out.stdout));
        stderr(&out)
    };
    let endpoint = &moto().endpoint;

    let err = fail(deploy_cmd(&site.root, endpoint).args(["--bucket", "no-such-bucket-here", "--no-build"]));
    assert!(err.contains("bucket \"no-such-bucket-here\" does not exist") && err.contains("--bucket"), "{err}");

    let err = fail(deploy_cmd(&site.root, endpoint).args(["--bucket", &bucket, "--distribution", "E2NOSUCHDIST", "--no-build"]));
    assert!(err.contains("CloudFront distribution \"E2NOSUCHDIST\" does not exist"), "{err}");
    assert!(snapshot(&bucket).is_empty(), "nothing may be uploaded when the distribution is wrong");

    let err = fail(deploy_cmd(&site.root, endpoint).arg("--no-build"));
    assert!(err.contains("no bucket to deploy to"), "{err}");

    let err = fail(
        deploy_cmd(&site.root, endpoint)
            .args(["--bucket", &bucket, "--no-build"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    );
    assert!(err.contains("no AWS credentials found"), "{err}");

    let deny = Proxy::start(Mode::Deny);
    let err = fail(deploy_cmd(&site.root, &deny.endpoint).args(["--bucket", &bucket, "--no-build"]));
    assert!(err.contains("access denied while listing") && err.contains("s3:PutObject"), "{err}");

    let err = fail(deploy_cmd(&site.root, endpoint).args(["--bucket", &bucket, "--output", "/nonexistent/public", "--no-build"]));
    assert!(err.contains("run `myblog build` first"), "{err}");

    rt().block_on(async {
        s3a()
            .await
            .put_object()
            .bucket(&bucket)
            .key(".myblog/manifest.json")
            .body(br#"{"version": 99, "generator": "myblog 9", "deploy": 1, "files": []}"#.to_vec().into())
            .send()
            .await
            .unwrap();
    });
    let err = fail(deploy_cmd(&site.root, endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build"]));
    assert!(err.contains("written by a newer myblog (remote manifest version 99") && err.contains("Upgrade myblog"), "{err}");
    assert_eq!(snapshot(&bucket).len(), 1, "nothing may be uploaded over a newer deploy");
}

/// Runs a deploy inside a pseudo-terminal (util-linux `script`), feeding `input` to it.
fn deploy_in_terminal(root: &Path, args: &[&str], input: &str) -> (bool, String) {
    use std::io::Write;
    let cmd = deploy_cmd(root, &moto().endpoint);
    let mut line = format!("'{}'", cmd.get_program().to_string_lossy());
    for a in cmd.get_args().chain(args.iter().map(std::ffi::OsStr::new)) {
        line.push_str(&format!(" '{}'", a.to_string_lossy()));
    }
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &line, "/dev/null"]);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let mut child = script
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` is needed to give the deploy a terminal");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn deleting_deploys_ask_first_on_a_terminal() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("prompt");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    std::fs::remove_file(site.root.join("content/posts/second.md")).unwrap();
    let before = snapshot(&bucket);
    let args = ["--bucket", bucket.as_str(), "--distribution", dist.as_str()];
    let (ok, out) = deploy_in_terminal(&site.root, &args, "n\n");
    assert!(!ok, "{out}");
    assert!(out.contains("This deploy deletes 2 files") && out.contains("posts/second/index.html"), "{out}");
    assert!(out.contains("deploy cancelled: nothing was changed"), "{out}");
    assert_eq!(snapshot(&bucket), before, "a cancelled deploy wrote something");

    let (ok, out) = deploy_in_terminal(&site.root, &[&args[..], &["--yes"]].concat(), "");
    assert!(ok, "{out}");
    assert!(!out.contains("Continue?"), "--yes must not ask: {out}");
    assert!(!snapshot(&bucket).contains_key("posts/second/index.html"));
}

#[test]
fn search_index_files_are_deployed_like_assets() {
    let site = mini_with("", "grace_hours = 0\ninvalidation_limit = 100\n");
    let (bucket, dist) = bucket_and_distribution("search");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    // The files index.json names (all but itself and the search page).
    let named = |m: &Manifest| -> BTreeSet<String> {
        m.files
            .iter()
            .filter(|e| e.path.starts_with("search/") && !e.path.ends_with("/index.json") && !e.path.ends_with("/index.html"))
            .map(|e| e.path.clone())
            .collect()
    };
    let before = named(&manifest(&site.root));
    assert!(before.iter().any(|p| p.starts_with("search/words.")) && before.iter().any(|p| p.starts_with("search/docs.")), "{before:?}");
    let snap = snapshot(&bucket);
    for p in &before {
        assert_eq!(snap[p].cache_control, "public, max-age=31536000, immutable", "{p}");
        assert_eq!(snap[p].content_type, "application/json; charset=utf-8", "{p}");
    }
    assert_eq!(snap["search/index.json"].cache_control, "public, max-age=3600, s-maxage=86400");

    append(&site.root, "content/posts/first.md", "\nA quetzalcoatlus flew by.\n");
    let proxy = Proxy::start(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &["--wait"]);
    let after = named(&manifest(&site.root));
    let added: Vec<&String> = after.difference(&before).collect();
    let replaced: Vec<&String> = before.difference(&after).collect();
    assert!(!added.is_empty() && !replaced.is_empty(), "a new word changes a words file: {before:?} -> {after:?}");
    // The new files are in the bucket before the index.json that names them...
    let order = puts(&proxy.log(), &bucket);
    let index_at = order.iter().position(|k| k == "search/index.json").expect("index.json uploaded");
    for a in &added {
        let at = order.iter().position(|k| k == *a).unwrap_or_else(|| panic!("{a} not uploaded: {order:?}"));
        assert!(at < index_at, "{order:?}");
    }
    // ...the replaced ones stay for the grace period (a reader's cached index.json names them),
    // index.json is invalidated, and no hashed file ever is.
    let snap = snapshot(&bucket);
    for r in &replaced {
        assert!(snap.contains_key(*r), "{r} deleted at once");
    }
    assert_eq!(s["kept_for_grace"], replaced.len());
    let inv = invalidations(&dist).last().unwrap().1.clone();
    assert!(inv.contains(&"/search/index.json".to_string()), "{inv:?}");
    assert!(!inv.iter().any(|p| p.contains("/search/words.") || p.contains("/search/docs.")), "{inv:?}");
}
