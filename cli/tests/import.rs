//! `myblog init DIR --from SITE` on fixture blogs shaped like real Zola and Hugo sites: the
//! copied content builds and checks without edits, the old URLs answer, SITE is never modified.

mod common;

use std::path::Path;

use common::*;

fn init_from(site: &Path, dir: &Path) -> std::process::Output {
    run(myblog().arg("init").arg(dir).arg("--from").arg(site))
}

/// Every URL path the built site answers at (`/x/` for `x/index.html`, `/x.html` for a file).
fn urls(public: &Path) -> std::collections::BTreeSet<String> {
    html_files(public)
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(public).unwrap().to_string_lossy().replace('\\', "/");
            match rel.strip_suffix("index.html") {
                Some(dir) => format!("/{dir}"),
                None => format!("/{rel}"),
            }
        })
        .collect()
}

fn move_in(fixture_name: &str, expected: &[&str]) -> (tempfile::TempDir, String) {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&fixture(fixture_name), site.path());
    let before = snapshot_tree(site.path());
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "init --from failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    build_ok(&blog);
    let check = run(myblog().arg("check").arg("--root").arg(&blog));
    assert!(check.status.success(), "check failed:\n{}", String::from_utf8_lossy(&check.stderr));
    // Content is copied byte for byte.
    for entry in walkdir::WalkDir::new(site.path().join("content")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(site.path()).unwrap();
            assert_eq!(std::fs::read(entry.path()).unwrap(), std::fs::read(blog.join(rel)).unwrap(), "{} changed", rel.display());
        }
    }
    let answered = urls(&blog.join("public"));
    let missing: Vec<&&str> = expected.iter().filter(|u| !answered.contains(**u)).collect();
    assert!(missing.is_empty(), "old URLs that no longer answer: {missing:?}\nthe site answers: {answered:?}");
    // SITE is never modified: no file added, removed or touched (build and check ran since).
    assert_eq!(changed_files(&before, &snapshot_tree(site.path())), Vec::<String>::new());
    assert!(!site.path().join("public").exists() && !site.path().join("site.toml").exists());
    (out_dir, report)
}

#[test]
fn a_hugo_blog_moves_in() {
    // Hugo's rules: `[permalinks] post = "/:year/:month/:day/:slug/"` with `:slug` falling back to
    // the title, `url` as written, aliases (a file alias stays a file; a relative one sits beside
    // the page), pages at their path; `publishDate` in the future stays out.
    let (dir, report) = move_in(
        "hugo-site",
        &[
            "/",
            "/post/",
            "/about/",
            "/about-me/",
            "/2019/04/23/roadmap/",
            "/2019/04/roadmap.html",
            "/2019/04/23/old-roadmap/",
            "/2020/04/23/roadmap/",
            "/2021/06/01/survey-2021/",
            "/travel/north/",
            "/tags/plans/",
            "/tags/meta/",
        ],
    );
    let public = dir.path().join("blog/public");
    assert!(!urls(&public).iter().any(|u| u.contains("upcoming")), "a future publishDate stays out");
    let static_file = public.join("files/readme.txt");
    assert!(static_file.is_file(), "static files keep their names");
    for want in [
        "title -> title",
        "baseURL -> base_url",
        "content/post/_index.md written",
        "paginate / pagination.pagerSize -> paginate_by",
        "menu.main -> menu",
        "permalinks",
    ] {
        assert!(report.contains(want), "{want} not reported:\n{report}");
    }
    for want in ["theme: no counterpart", "taxonomy \"categories\"", "theme and templates: not ported"] {
        assert!(report.contains(want), "{want} not reported as not mapped:\n{report}");
    }
    let site_toml = std::fs::read_to_string(dir.path().join("blog/site.toml")).unwrap();
    assert!(site_toml.contains("dialect = \"hugo\"") && site_toml.contains("base_url = \"https://old-hugo.example.org/\""), "{site_toml}");
}

#[test]
fn a_zola_blog_moves_in() {
    // Zola's rules: a section's pages at /<section>/<slug>/, the slug from the file name without
    // its date (which dates the page), `path` as written, aliases, bundles at their folder.
    let (dir, report) = move_in(
        "zola-site",
        &[
            "/",
            "/blog/",
            "/blog/first-post/",
            "/blog/second/",
            "/blog/bundle/",
            "/about/",
            "/2024/02/second/",
            "/tags/intro/",
            "/tags/more/",
        ],
    );
    assert!(dir.path().join("blog/public/files/data.txt").is_file());
    assert!(report.contains("dated posts in [\"blog\"]") && report.contains("compile_sass: no counterpart"), "{report}");
    let atom = std::fs::read_to_string(dir.path().join("blog/public/atom.xml")).unwrap();
    assert!(atom.contains("/blog/first-post/") && atom.contains("2024-01-15"), "the file name's date dates the post:\n{atom}");
}

#[test]
fn a_folder_that_is_neither_is_a_clear_error() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("README.md"), "hi").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is neither a Zola site") && err.contains("nor a Hugo site") && err.contains("nothing was written"), "{err}");
    assert!(!blog.exists());
}
