//! `myblog deploy` where it meets the world: two deploys at once, CloudFront's real limits,
//! big listings, odd file names, mass deletions, regions, and what a failure prints. The real
//! binary against moto server on loopback, sometimes through the test proxy.

mod common;
mod deploy_support;

use deploy_support::*;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BASE: &str = "https://mini.example.org";

fn remote_manifest(bucket: &str) -> serde_json::Value {
    let snap = snapshot(bucket);
    serde_json::from_slice(&snap[".myblog/manifest.json"].body).unwrap()
}

/// Every site object in the bucket is tracked by the remote manifest (a file of the site, or a
/// retired asset in its grace period): nothing a deploy left can be forgotten.
fn assert_everything_tracked(bucket: &str) {
    let m = remote_manifest(bucket);
    let mut tracked: std::collections::BTreeSet<String> =
        m["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    tracked.extend(m["retired"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()));
    for key in snapshot(bucket).keys().filter(|k| !k.starts_with(".myblog/")) {
        assert!(tracked.contains(key), "{key} is in the bucket but no manifest tracks it");
    }
}

fn failing(cmd: &mut std::process::Command) -> (String, String) {
    let out = run(cmd);
    assert!(!out.status.success(), "should fail: {}", String::from_utf8_lossy(&out.stdout));
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr(&out))
}

/// Two real deploy processes of two different builds started together (CI and a laptop):
/// one takes the lease, the other waits for it, then deploys on top. Nothing of either is
/// lost: every page references existing objects, every object is tracked, the first one's
/// stylesheet is kept for the grace period rather than deleted as an orphan.
#[test]
fn two_deploys_started_together_never_undo_each_other() {
    let a = mini("grace_hours = 0\n");
    let b = mini("grace_hours = 0\n");
    let (bucket, dist) = bucket_and_distribution("two");
    deploy_ok(&a.root, &moto().endpoint, &bucket, &dist, &[]);
    append(&a.root, "themes/mini/static/css/site.css", "\n.a { color: red }\n");
    append(&a.root, "content/posts/first.md", "\nEdited by A.\n");
    append(&b.root, "themes/mini/static/css/site.css", "\n.b { color: blue }\n");
    append(&b.root, "content/about.md", "\nEdited by B.\n");
    common::build_ok(&a.root);
    common::build_ok(&b.root);
    // Slow requests, so the two overlap for seconds.
    let proxy = Proxy::start(Mode::Delay(Duration::from_millis(40)));
    let start = |site: &Site| {
        deploy_cmd(&site.root, &proxy.endpoint)
            .args(["--bucket", &bucket, "--distribution", &dist, "--json", "--yes", "--no-build", "--lease-wait", "120"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb) = (start(&a), start(&b));
    let (oa, ob) = (pa.wait_with_output().unwrap(), pb.wait_with_output().unwrap());
    let (sa, sb) = (ok(&oa), ok(&ob));
    let waited = [&oa, &ob].iter().filter(|o| stderr(o).contains("Waiting for the deploy of")).count();
    assert_eq!(waited, 1, "exactly one waited:\n{}\n{}", stderr(&oa), stderr(&ob));
    let (na, nb) = (sa["deploy"].as_u64().unwrap(), sb["deploy"].as_u64().unwrap());
    assert_ne!(na, nb, "two commits, one after the other");
    let (last, first_css) = if na > nb { (&a, css_of(&b.root)) } else { (&b, css_of(&a.root)) };
    assert_references_resolve(&bucket, BASE, "after two concurrent deploys");
    assert_everything_tracked(&bucket);
    let snap = snapshot(&bucket);
    assert!(snap.contains_key(&first_css), "the first deploy's stylesheet was deleted while cached pages may use it");
    assert!(!snap.contains_key(".myblog/lease.json") && !snap.contains_key(".myblog/intent.json"));
    // The bucket is exactly the last deploy's site.
    let s = deploy_ok(&last.root, &moto().endpoint, &bucket, &dist, &["--no-build"]);
    assert!(s["deploy"].is_null(), "the last deploy's site is what the bucket holds: {s}");
}

fn css_of(root: &Path) -> String {
    manifest(root).files.iter().find(|e| e.path.ends_with(".css")).unwrap().path.clone()
}

/// Without --lease-wait the second deploy stops at once, naming who holds the lease since when.
#[test]
fn a_held_lease_stops_a_second_deploy_with_who_and_since() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("held");
    common::build_ok(&site.root);
    let lease = |holder: &str, host: &str, renewed: i64| {
        serde_json::json!({"holder": holder, "host": host, "pid": 1, "since": 1_700_000_000, "renewed": renewed, "ttl": 300}).to_string()
    };
    let put_lease = |body: String| {
        rt().block_on(async {
            s3a().await.put_object().bucket(&bucket).key(".myblog/lease.json").body(body.into_bytes().into()).send().await.unwrap()
        });
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    put_lease(lease("ci@runner-7 (pid 1)", "runner-7", now));
    let (_, err) = failing(deploy_cmd(&site.root, &moto().endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build"]));
    assert!(err.contains("another deploy is running: ci@runner-7 (pid 1) holds") && err.contains("since 2023-11-14T22:13:20Z"), "{err}");
    assert!(err.contains("--lease-wait") && err.contains("--break-lease"), "{err}");
    assert_eq!(snapshot(&bucket).len(), 1, "nothing written but the other's lease");

    // --lease-wait: waits, then gives up the same way.
    let (_, err) = failing(deploy_cmd(&site.root, &moto().endpoint).args([
        "--bucket",
        &bucket,
        "--distribution",
        &dist,
        "--no-build",
        "--lease-wait",
        "2",
    ]));
    assert!(err.contains("Waiting for the deploy of ci@runner-7") && err.contains("another deploy is running"), "{err}");

    // A lease not renewed within its TTL belongs to a crashed deployer: taken over. Not renewed
    // means S3 has not rewritten it (its Last-Modified, or its version watched on this clock),
    // not the holder's `renewed`, which came from another machine's clock.
    let short = serde_json::json!({"holder": "ci@runner-7 (pid 1)", "host": "runner-7", "pid": 1, "since": 1_700_000_000, "renewed": now + 3600, "ttl": 2});
    put_lease(short.to_string());
    let out = run(deploy_cmd(&site.root, &moto().endpoint).args([
        "--bucket",
        &bucket,
        "--distribution",
        &dist,
        "--no-build",
        "--json",
        "--lease-wait",
        "20",
    ]));
    ok(&out);
    assert!(stderr(&out).contains("Taking over the deploy lease of ci@runner-7"), "{}", stderr(&out));
    assert!(!snapshot(&bucket).contains_key(".myblog/lease.json"), "released");

    // --break-lease takes a live one.
    put_lease(lease("ci@runner-7 (pid 1)", "runner-7", now));
    append(&site.root, "content/about.md", "\nMore.\n");
    ok(&run(deploy_cmd(&site.root, &moto().endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json", "--break-lease"])));
    assert_references_resolve(&bucket, BASE, "after --break-lease");
}

/// The commit is conditional: if another deploy commits between this one's read and its
/// commit (its lease taken over after it stalled), this one commits nothing, says so, and the
/// other's site stays whole. moto 5.2.5 enforces If-Match and If-None-Match on PutObject.
#[test]
fn a_deploy_whose_manifest_changed_underneath_commits_nothing() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("ifmatch");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    append(&site.root, "content/posts/first.md", "\nEdit.\n");
    common::build_ok(&site.root);
    let other = remote_manifest(&bucket);
    let b = bucket.clone();
    // Just before our commit reaches S3, "another deploy" commits (same files, next number).
    let sneak = Arc::new(move || {
        let mut m = other.clone();
        m["deploy"] = serde_json::json!(7);
        let body = serde_json::to_vec(&m).unwrap();
        rt().block_on(async { s3a().await.put_object().bucket(&b).key(".myblog/manifest.json").body(body.into()).send().await.unwrap() });
    });
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new("PUT", ".myblog/manifest.json", Act::Hook(sneak)).times(1)]));
    let (stdout, err) =
        failing(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build", "--json"]));
    assert!(err.contains("another deploy committed") && err.contains("committed nothing"), "{err}");
    let f: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(f["committed"], false, "{stdout}");
    assert!(f["error"].as_str().unwrap().contains("another deploy committed"));
    assert_eq!(remote_manifest(&bucket)["deploy"], 7, "the other deploy's commit stands");
    assert_references_resolve(&bucket, BASE, "after a lost commit");
    // The next run deploys on top of it and finishes.
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &["--no-build"]);
    assert_eq!(s["deploy"], 8);
    assert_everything_tracked(&bucket);
}

/// Invalidations still in progress count against CloudFront's 15 wildcards. moto completes
/// invalidations at once, so the proxy reports them in progress; a deploy that must collapse
/// then uses only the wildcards left.
#[test]
fn wildcards_in_progress_elsewhere_shrink_the_budget_and_busy_is_retried() {
    let site = mini("invalidation_limit = 3\n");
    let (bucket, dist) = bucket_and_distribution("budget");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    // Someone else's invalidation: with the first deploy's, 14 wildcards in progress.
    let first: usize = invalidations(&dist).iter().map(|(_, p)| p.iter().filter(|p| p.ends_with('*')).count()).sum();
    let n = 14 - first as i32;
    rt().block_on(async {
        use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
        let items: Vec<String> = (0..n).map(|i| format!("/elsewhere{i}/*")).collect();
        let batch = InvalidationBatch::builder()
            .paths(Paths::builder().quantity(n).set_items(Some(items)).build().unwrap())
            .caller_reference("someone-else")
            .build()
            .unwrap();
        cloudfront().await.create_invalidation().distribution_id(&dist).invalidation_batch(batch).send().await.unwrap();
    });
    append(&site.root, "themes/mini/static/css/site.css", "\nbody { color: #333 }\n");
    let busy =
        Rule::new("POST", "/invalidation", Act::Answer { status: 400, code: "TooManyInvalidationsInProgress", headers: vec![] }).times(1);
    let proxy = Proxy::start(Mode::Rules(vec![
        Rule::new("GET", "/invalidation", Act::Rewrite("<Status>COMPLETED</Status>", "<Status>InProgress</Status>")),
        busy.clone(),
    ]));
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json", "--yes"]));
    let s = ok(&out);
    assert_eq!(busy.used(), 2, "TooManyInvalidationsInProgress answered once, then the retry went through");
    assert!(stderr(&out).contains("CloudFront is busy"), "{}", stderr(&out));
    let sent: Vec<String> = serde_json::from_value(s["invalidation_paths"].clone()).unwrap();
    assert!(sent.len() <= 3, "{sent:?}");
    assert!(sent.iter().filter(|p| p.ends_with('*')).count() <= 1, "only one wildcard was left: {sent:?}");
    let last = invalidations(&dist).pop().unwrap().1;
    let mut sorted = sent.clone();
    sorted.sort();
    assert_eq!(last, sorted, "what the summary says was sent");
}

/// File names with spaces, parentheses, `+`, unicode: stored under their exact keys, and
/// invalidated with CloudFront's encoding when they change.
#[test]
fn odd_file_names_deploy_and_invalidate_correctly() {
    let site = mini("invalidation_limit = 100\n");
    let toml = std::fs::read_to_string(site.root.join("site.toml")).unwrap();
    let toml = toml.replacen("[deploy]", "[build]\nkeep_names = [\"files/**\"]\n\n[deploy]", 1);
    std::fs::write(site.root.join("site.toml"), toml).unwrap();
    let files = site.root.join("themes/mini/static/files");
    std::fs::create_dir_all(&files).unwrap();
    let names = ["cv (2024).pdf", "été+plus.txt", "a~b#c.txt", "100% sure.txt"];
    for n in names {
        std::fs::write(files.join(n), format!("v1 {n}")).unwrap();
    }
    let (bucket, dist) = bucket_and_distribution("odd");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let snap = snapshot(&bucket);
    for n in names {
        assert_eq!(snap[&format!("files/{n}")].body, format!("v1 {n}").into_bytes(), "{n}");
    }
    for n in names {
        std::fs::write(files.join(n), format!("v2 {n}")).unwrap();
    }
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let snap = snapshot(&bucket);
    for n in names {
        assert_eq!(snap[&format!("files/{n}")].body, format!("v2 {n}").into_bytes(), "{n}");
    }
    let sent: Vec<String> = serde_json::from_value(s["invalidation_paths"].clone()).unwrap();
    for p in ["/files/cv%20(2024).pdf", "/files/%C3%A9t%C3%A9+plus.txt", "/files/a%7Eb%23c.txt", "/files/100%25%20sure.txt"] {
        assert!(sent.contains(&p.to_string()), "{p} not in {sent:?}");
    }
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    assert!(s["deploy"].is_null(), "converged: {s}");
}

/// A bucket holding 3,000 objects that are not the site's: the listing pages through them
/// (4 requests), none is touched, and a no-change deploy costs only the listing and the
/// manifest.
#[test]
fn a_3000_object_listing_pages_and_leaves_foreign_objects_alone() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("big-listing");
    rt().block_on(async {
        let s3 = s3a().await;
        let puts = (0..3000).map(|i| {
            let s3 = s3.clone();
            let bucket = bucket.clone();
            async move {
                s3.put_object().bucket(&bucket).key(format!("media/other/{i:04}.txt")).body(b"x".to_vec().into()).send().await.unwrap()
            }
        });
        futures::stream::iter(puts).buffer_unordered(32).collect::<Vec<_>>().await;
    });
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let proxy = Proxy::start(Mode::Pass);
    let s = deploy_ok(&site.root, &proxy.endpoint, &bucket, &dist, &[]);
    assert!(s["deploy"].is_null(), "{s}");
    assert_eq!(s["requests"]["list"], 4, "{s}");
    assert_eq!(proxy.count(), 5, "4 listing pages and the manifest: {:?}", proxy.log());
    assert_eq!(snapshot(&bucket).keys().filter(|k| k.starts_with("media/other/")).count(), 3000);
}

use futures::StreamExt;

/// Off a terminal (CI), a deploy that would delete more than `max_deletes` files refuses and
/// changes nothing, unless --max-deletes or --force says it is meant.
#[test]
fn mass_deletions_are_refused_off_a_terminal() {
    let site = mini("max_deletes = 1\n");
    let (bucket, dist) = bucket_and_distribution("massdel");
    deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &[]);
    let before = snapshot(&bucket);
    std::fs::remove_file(site.root.join("content/posts/second.md")).unwrap();
    std::fs::remove_file(site.root.join("content/about.md")).unwrap();
    let cmd = |extra: &[&str]| {
        let mut c = deploy_cmd(&site.root, &moto().endpoint);
        c.args(["--bucket", &bucket, "--distribution", &dist, "--json", "--yes"]).args(extra).stdin(Stdio::null());
        c
    };
    let (stdout, err) = failing(&mut cmd(&[]));
    let count: String = err.split("refusing to delete ").nth(1).expect(&err).chars().take_while(char::is_ascii_digit).collect();
    assert!(count.parse::<u32>().unwrap() >= 2, "{err}");
    assert!(err.contains(&format!("--max-deletes {count}")) && err.contains("--force"), "{err}");
    let f: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(f["committed"], false);
    assert_eq!(snapshot(&bucket), before, "nothing changed");
    let (_, err) = failing(&mut cmd(&["--max-deletes", &(count.parse::<u32>().unwrap() - 1).to_string()]));
    assert!(err.contains("refusing to delete"), "{err}");
    let s = ok(&run(&mut cmd(&["--max-deletes", &count])));
    assert_eq!(s["deleted"].to_string(), count, "{s}");
    assert!(s["deletions"].as_array().unwrap().contains(&serde_json::json!("about/index.html")), "{s}");
}

/// When one upload fails, multipart uploads in flight are aborted, not left to cost storage.
#[test]
fn multipart_uploads_in_flight_are_aborted_when_another_upload_fails() {
    let site = mini("multipart_threshold = 5242880\nmax_attempts = 1\n");
    let static_dir = site.root.join("themes/mini/static");
    let big: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    std::fs::write(static_dir.join("big.bin"), big).unwrap();
    std::fs::write(static_dir.join("fail-me.txt"), "x").unwrap();
    common::build_ok(&site.root);
    let (bucket, dist) = bucket_and_distribution("abort");
    let proxy = Proxy::start(Mode::Rules(vec![
        // The part is slow; the small file fails once the multipart upload has been created.
        Rule::new("PUT", "uploadId", Act::Delay(Duration::from_secs(2))),
        Rule::new("PUT", "fail-me", Act::DelayAnswer(Duration::from_millis(700), 403, "AccessDenied")),
    ]));
    let (_, err) = failing(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build"]));
    assert!(err.contains("access denied"), "{err}");
    assert!(proxy.log().iter().any(|(m, p)| m == "POST" && p.contains("?uploads")), "a multipart upload was started: {:?}", proxy.log());
    let open = rt().block_on(async { s3a().await.list_multipart_uploads().bucket(&bucket).send().await.unwrap() });
    assert!(open.uploads().is_empty(), "unfinished multipart uploads left: {:?}", open.uploads());
    assert!(proxy.log().iter().any(|(m, p)| m == "DELETE" && p.contains("uploadId")), "an abort was sent");
}

/// `--json` failures are JSON on stdout, and say whether the new site was committed.
#[test]
fn json_failures_say_what_and_whether_committed() {
    let site = mini("max_attempts = 1\n");
    let (bucket, dist) = bucket_and_distribution("jsonerr");
    let deny = Proxy::start(Mode::Deny);
    let (stdout, _) = failing(deploy_cmd(&site.root, &deny.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json"]));
    let f: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert!(f["error"].as_str().unwrap().contains("access denied"), "{f}");
    assert_eq!(f["committed"], false);
    // Failing after the commit: the invalidation refused.
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new(
        "POST",
        "/invalidation",
        Act::Answer { status: 500, code: "InternalError", headers: vec![] },
    )]));
    let (stdout, _) = failing(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json"]));
    let f: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(f["committed"], true, "{f}");
    // The pending invalidation is done by the next run.
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &["--no-build"]);
    assert!(s["invalidation_id"].is_string(), "{s}");
}

/// Off a terminal, progress is plain lines (CI logs), not a bar nor silence.
#[test]
fn progress_is_plain_lines_off_a_terminal() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("lines");
    let out = run(deploy_cmd(&site.root, &moto().endpoint).args(["--bucket", &bucket, "--distribution", &dist]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.lines().any(|l| l.starts_with("uploading ") && l.contains(" files (")), "{err}");
    assert!(err.lines().any(|l| l.trim_start().starts_with("hashed assets: ")), "{err}");
    assert!(err.lines().any(|l| l.trim_start().starts_with("uploaded ")), "{err}");
    assert!(!err.contains('\r') && !err.contains("\u{1b}["), "no terminal control codes: {err:?}");
}

/// `--profile` honours the region written in that profile (the SDK's default chain alone
/// reads the default profile's).
#[test]
fn the_profile_region_is_used() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("profile");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[default]\nregion = us-west-2\n\n[profile prod]\nregion = eu-west-3\n").unwrap();
    let s = ok(&run(deploy_cmd(&site.root, &moto().endpoint)
        .args(["--bucket", &bucket, "--distribution", &dist, "--json", "--profile", "prod"])
        .env("AWS_CONFIG_FILE", &config)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")));
    assert_eq!(s["region"], "eu-west-3", "{s}");
}

/// A bucket in another region: S3 answers PermanentRedirect with the bucket's region, and the
/// error says which region and how to pass it.
#[test]
fn a_bucket_in_another_region_is_named() {
    let site = mini("");
    common::build_ok(&site.root);
    let (bucket, _) = bucket_and_distribution("redirect");
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new(
        "GET",
        "",
        Act::Answer { status: 301, code: "PermanentRedirect", headers: vec![("x-amz-bucket-region", "eu-central-1".into())] },
    )]));
    let (_, err) = failing(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--no-build"]));
    assert!(err.contains("is in region eu-central-1") && err.contains("--region eu-central-1"), "{err}");
    assert!(!err.contains("run `myblog deploy` again"), "{err}");
}

fn photo_site(deploy_toml: &str) -> Site {
    let site = mini(deploy_toml);
    let media = site.root.join("content/media");
    std::fs::create_dir_all(&media).unwrap();
    let img = image::RgbImage::from_fn(900, 600, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    img.save(media.join("wide.png")).unwrap();
    std::fs::write(
        site.root.join("content/posts/photos.md"),
        "+++\ntitle = \"Photos\"\ndate = 2024-03-03\n+++\n![Wide](/media/wide.png)\n",
    )
    .unwrap();
    common::build_ok(&site.root);
    site
}

/// The thumbnail keys the pages of the bucket reference (`src` and `srcset`).
fn srcset_keys(bucket: &str) -> Vec<String> {
    let snap = snapshot(bucket);
    let re = regex::Regex::new(r#"src(?:set)?="(/thumbs/[^"]+)""#).unwrap();
    let mut keys: Vec<String> = snap
        .iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .flat_map(|(_, o)| {
            let text = String::from_utf8_lossy(&o.body).into_owned();
            re.captures_iter(&text)
                .flat_map(|c| {
                    c[1].split(", ").map(|s| s.split(' ').next().unwrap().trim_start_matches('/').to_string()).collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The Lambda does not run here (nor, say, in a stack without it): after a bounded wait the
/// deploy makes the thumbnails with the Lambda's library, uploads them before any page that
/// references them, and says so.
#[test]
fn pages_never_go_up_before_their_thumbnails_made_here_when_the_lambda_is_late() {
    let site = photo_site("thumbnails_wait = 2\n");
    let (bucket, dist) = bucket_and_distribution("thumbs-late");
    let proxy = Proxy::start(Mode::Pass);
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json", "--no-build"]));
    let s = ok(&out);
    assert!(stderr(&out).contains("making them here"), "{}", stderr(&out));
    let made: Vec<String> = serde_json::from_value(s["thumbnails_made_locally"].clone()).unwrap();
    // Every thumbnail the pages reference, and whatever else the Lambda makes (a JPEG).
    let keys = srcset_keys(&bucket);
    assert!(!keys.is_empty() && keys.iter().all(|k| made.contains(k)), "{keys:?} {made:?}");
    let snap = snapshot(&bucket);
    for k in &made {
        let o = &snap[k];
        assert!(o.content_type.starts_with("image/"), "{k}: {}", o.content_type);
        assert_eq!(o.cache_control, myblog_thumbnail::CACHE_CONTROL);
        assert!(image::load_from_memory(&o.body).is_ok(), "{k} is a real image");
    }
    let order: Vec<String> =
        proxy.log().iter().filter(|(m, _)| m == "PUT").map(|(_, p)| p.split('?').next().unwrap().to_string()).collect();
    let last_thumb = order.iter().rposition(|p| p.contains("/thumbs/")).unwrap();
    let first_page = order.iter().position(|p| p.ends_with(".html")).unwrap();
    assert!(last_thumb < first_page, "{order:?}");
    // The next deploy finds them: no wait, nothing made.
    let s = deploy_ok(&site.root, &moto().endpoint, &bucket, &dist, &["--no-build"]);
    assert!(s["deploy"].is_null(), "{s}");
}

/// The Lambda's output arrives while the deploy waits: the deploy uses it, makes nothing.
#[test]
fn pages_wait_for_the_lambdas_thumbnails() {
    let site = photo_site("thumbnails_wait = 60\n");
    let (bucket, dist) = bucket_and_distribution("thumbs-lambda");
    // Stands in for the Lambda: once the photo is uploaded, its thumbnails appear a second
    // later, made by the Lambda's library.
    let b = bucket.clone();
    let photo_path = manifest(&site.root).files.iter().find(|e| e.path.starts_with("media/")).unwrap().path.clone();
    let photo = std::fs::read(site.root.join("public").join(&photo_path)).unwrap();
    let lambda = Arc::new(move || {
        let (b, photo, photo_path) = (b.clone(), photo.clone(), photo_path.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            let options = myblog_thumbnail::Options { widths: vec![320, 640, 1280], ..Default::default() };
            for t in myblog_thumbnail::make_thumbnails(&photo, &options).unwrap() {
                let key = myblog_thumbnail::thumb_key(&photo_path, t.width, t.format).unwrap();
                rt().block_on(async { s3a().await.put_object().bucket(&b).key(key).body(t.bytes.into()).send().await.unwrap() });
            }
        });
    });
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new("PUT", "/media/", Act::Hook(lambda)).times(1)]));
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--json", "--no-build"]));
    let s = ok(&out);
    assert!(stderr(&out).contains("Waiting up to 60 s for the thumbnail Lambda"), "{}", stderr(&out));
    assert_eq!(s["thumbnails_made_locally"], serde_json::json!([]), "{s}");
    let snap = snapshot(&bucket);
    for k in srcset_keys(&bucket) {
        assert!(snap.contains_key(&k), "{k} missing");
    }
    let log = proxy.log();
    let first_page = log.iter().position(|(m, p)| m == "PUT" && p.split('?').next().unwrap().ends_with(".html")).unwrap();
    let thumbs_seen = log.iter().rposition(|(m, p)| m == "GET" && p.contains("prefix=thumbs")).unwrap();
    assert!(thumbs_seen < first_page, "pages went up before the thumbnails were seen: {log:?}");
}

/// A deploy longer than its lease's time-to-live renews the lease, so it is never taken for
/// a crashed one: a second deploy started once the first has held its lease for longer than
/// the time-to-live still finds it held.
#[test]
fn a_long_deploy_renews_its_lease() {
    // 6 s, renewed every 2 s: the other tests of this binary load moto at the same time, and
    // with 3 s one renewal answered late once made the lease look abandoned.
    let site = mini("lease_ttl = 6\n");
    let (bucket, dist) = bucket_and_distribution("renew");
    common::build_ok(&site.root);
    // The deploy is held at its commit until the second deploy has been turned away: how long
    // it lasts is the test's choice, not the machine's speed (a fast run once finished before
    // the second deploy started, and that one then deployed).
    let go = Arc::new(AtomicBool::new(false));
    let hold = {
        let go = go.clone();
        Arc::new(move || {
            let until = Instant::now() + Duration::from_secs(120);
            while !go.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new("PUT", ".myblog/manifest.json", Act::Hook(hold)).times(1)]));
    let long = deploy_cmd(&site.root, &proxy.endpoint)
        .args(["--bucket", &bucket, "--distribution", &dist, "--json", "--no-build"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Watch the lease until it has been held longer than its time-to-live, renewed meanwhile.
    let renewed = (0..240).find_map(|_| {
        std::thread::sleep(Duration::from_millis(250));
        let body = rt().block_on(async {
            let o = s3a().await.get_object().bucket(&bucket).key(".myblog/lease.json").send().await.ok()?;
            Some(o.body.collect().await.ok()?.into_bytes().to_vec())
        })?;
        let l: serde_json::Value = serde_json::from_slice(&body).ok()?;
        (l["renewed"].as_i64()? - l["since"].as_i64()? >= 6).then_some(l)
    });
    let Some(lease) = renewed else {
        go.store(true, Ordering::SeqCst);
        let out = long.wait_with_output().unwrap();
        panic!("the lease was never renewed past its ttl while the deploy ran: {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    };
    assert_eq!(lease["ttl"], 6);
    // Renewed, so not stale: the second deploy must stop, not take it over.
    let second = run(deploy_cmd(&site.root, &moto().endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build"]));
    go.store(true, Ordering::SeqCst);
    let first = long.wait_with_output().unwrap();
    assert!(
        !second.status.success() && stderr(&second).contains("another deploy is running"),
        "the second deploy was not turned away: {}\n{}\nthe first: {}\n{}",
        String::from_utf8_lossy(&second.stdout),
        stderr(&second),
        String::from_utf8_lossy(&first.stdout),
        stderr(&first)
    );
    ok(&first);
    assert_references_resolve(&bucket, BASE, "after a long deploy");
    assert!(!snapshot(&bucket).contains_key(".myblog/lease.json"), "released");
}

/// A deploy whose lease is taken from it (here: broken by a second deploy, which then deploys
/// and releases it, so the first one's next renewal finds no lease at all, a 404) stops at its
/// next phase: it uploads none of its pages over the other deploy's site and commits nothing.
/// Before, a 404 on renewal was retried as a passing failure and the deploy wrote on.
#[test]
fn a_deploy_that_lost_its_lease_stops_before_its_next_write() {
    let site = mini("lease_ttl = 3\n");
    let (bucket, dist) = bucket_and_distribution("lost-lease");
    common::build_ok(&site.root);
    let (entered, go) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let hold = {
        let (entered, go) = (entered.clone(), go.clone());
        Arc::new(move || {
            entered.store(true, Ordering::SeqCst);
            let until = Instant::now() + Duration::from_secs(120);
            while !go.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // Held at its first stylesheet upload: the first phase (hashed assets), before any page.
    let proxy = Proxy::start(Mode::Rules(vec![Rule::new("PUT", ".css", Act::Hook(hold)).times(1)]));
    let first = deploy_cmd(&site.root, &proxy.endpoint)
        .args(["--bucket", &bucket, "--distribution", &dist, "--no-build"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while !entered.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(entered.load(Ordering::SeqCst), "the first deploy never reached its stylesheet upload");
    ok(&run(deploy_cmd(&site.root, &moto().endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build", "--break-lease"])));
    let theirs = remote_manifest(&bucket);
    // Two renewal periods (every second with a 3 s lease): the first deploy has seen the 404.
    std::thread::sleep(Duration::from_millis(2500));
    go.store(true, Ordering::SeqCst);
    let out = first.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!out.status.success(), "the deploy that lost its lease must fail: {err}");
    assert!(err.contains("lost its lease") && err.contains("before uploading its pages"), "{err}");
    assert_eq!(remote_manifest(&bucket), theirs, "the other deploy's commit stands");
    assert_references_resolve(&bucket, BASE, "after a deploy lost its lease");
    assert_everything_tracked(&bucket);
}

/// A conditional write that applied but whose answer was lost (the SDK retries it, and the
/// retry fails its own precondition) is not taken for another deploy: neither the lease's
/// create ("another deploy is running") nor the manifest's commit ("committed nothing").
#[test]
fn a_write_that_applied_but_lost_its_answer_is_not_taken_for_another_deploy() {
    let site = mini("");
    let (bucket, dist) = bucket_and_distribution("lost-answers");
    common::build_ok(&site.root);
    let proxy = Proxy::start(Mode::Rules(vec![
        Rule::new("PUT", ".myblog/lease.json", Act::ForwardAndDrop).times(1),
        Rule::new("PUT", ".myblog/manifest.json", Act::ForwardAndDrop).times(1),
    ]));
    let out = run(deploy_cmd(&site.root, &proxy.endpoint).args(["--bucket", &bucket, "--distribution", &dist, "--no-build", "--json"]));
    let summary = ok(&out);
    assert!(summary["deploy"].as_u64().is_some(), "{summary}");
    assert_references_resolve(&bucket, BASE, "after lost answers");
    assert_everything_tracked(&bucket);
    assert!(!snapshot(&bucket).contains_key(".myblog/lease.json"), "released");
}
