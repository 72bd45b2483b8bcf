//! Content written for Hugo or Zola builds as it is once site.toml names the dialect; a site
//! made by myblog stays strict about keys it does not know.

mod common;

use common::*;
use std::path::Path;

const SITE: &str = "title = \"Moved\"\nbase_url = \"https://moved.example.org\"\ntheme = \"mini\"\npaginate_by = 50\n";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Posts as Hugo writes them: YAML, TOML and JSON front matter, `.markdown`, Hugo's keys.
fn hugo_posts(root: &Path) {
    write(
        root,
        "content/posts/roadmap.md",
        "---\ntitle: Roadmap\ndate: 2025-04-23T10:00:00+02:00\nlastmod: 2025-05-01\nsummary: Where we are going\nauthor: Ann\n\
         categories: [News]\naliases: [/old/roadmap/]\nimages: [cover.png]\nkeywords: [plans]\nweight: 3\ntoc: true\n---\n\
         Before the fold.\n\n<!--more-->\n\nAfter the fold.\n",
    );
    write(
        root,
        "content/posts/notes.markdown",
        "+++\ntitle = \"Notes\"\ndate = 2025-03-01\nslug = \"field-notes\"\n[params]\nhero = true\n+++\nNotes body.\n",
    );
    write(
        root,
        "content/posts/json.md",
        "{\n  \"title\": \"Jason\",\n  \"date\": \"2025-02-01\",\n  \"tags\": [\"json\"]\n}\nFrom JSON.\n",
    );
    write(root, "content/posts/later.md", "+++\ntitle = \"Later\"\ndate = 2025-01-01\npublishDate = 2999-01-01\n+++\nNot yet.\n");
    write(root, "content/posts/gone.md", "+++\ntitle = \"Gone\"\ndate = 2025-01-01\nexpiryDate = 2025-01-02\n+++\nExpired.\n");
}

fn site(dialect: Option<&str>) -> tempfile::TempDir {
    let dir = mini_site();
    let mut toml = SITE.to_string();
    if let Some(d) = dialect {
        toml.push_str(&format!("\n[content]\ndialect = \"{d}\"\n"));
    }
    std::fs::write(dir.path().join("site.toml"), toml).unwrap();
    hugo_posts(dir.path());
    dir
}

#[test]
fn hugo_front_matter_builds_in_the_hugo_dialect() {
    let dir = site(Some("hugo"));
    let root = dir.path();
    build_ok(root);
    let public = root.join("public");
    for page in ["posts/roadmap/index.html", "posts/field-notes/index.html", "posts/json/index.html", "tags/json/index.html"] {
        assert!(public.join(page).is_file(), "missing public/{page}");
    }
    // publishDate in the future and expiryDate in the past keep a post out.
    assert!(!public.join("posts/later/index.html").exists());
    assert!(!public.join("posts/gone/index.html").exists());
    let atom = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    assert!(atom.contains("Roadmap") && !atom.contains("Gone") && !atom.contains("Later"), "{atom}");
    // `<!--more-->` without spaces ends the summary on the home page.
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(home.contains("Before the fold.") && !home.contains("After the fold."), "{home}");
    // Hugo's `summary` is the description (the feed's summary); `lastmod` is the updated date.
    assert!(atom.contains("<summary>Where we are going</summary>"), "{atom}");
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("2025-05-01"), "{sitemap}");
    // `aliases` become redirect pages, listed in the manifest, never in the sitemap or feeds.
    let redirect = std::fs::read_to_string(public.join("old/roadmap/index.html")).unwrap();
    let target = "https://moved.example.org/posts/roadmap/";
    assert!(redirect.contains(&format!("<meta http-equiv=\"refresh\" content=\"0; url={target}\">")), "{redirect}");
    assert!(redirect.contains(&format!("<link rel=\"canonical\" href=\"{target}\">")), "{redirect}");
    assert!(redirect.contains("<meta name=\"robots\" content=\"noindex\">"), "{redirect}");
    assert!(!sitemap.contains("/old/roadmap/") && !atom.contains("/old/roadmap/"));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(public.join(".myblog/manifest.json")).unwrap()).unwrap();
    // Hugo also answers its paginated home's first page at /page/1/, and a taxonomy's list of
    // terms at /tags/page/1/.
    assert_eq!(
        manifest["redirects"],
        serde_json::json!([
            {"from": "/old/roadmap/", "path": "old/roadmap/index.html", "to": target},
            {"from": "/page/1/", "path": "page/1/index.html", "to": "https://moved.example.org/"},
            {"from": "/tags/page/1/", "path": "tags/page/1/index.html", "to": "https://moved.example.org/tags/"}
        ])
    );
    assert!(manifest["files"].as_array().unwrap().iter().any(|f| f["path"] == "old/roadmap/index.html"));
    let check = run(myblog().arg("check").arg("--root").arg(root));
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn zola_front_matter_builds_in_the_zola_dialect() {
    let dir = mini_site();
    let root = dir.path();
    std::fs::write(root.join("site.toml"), format!("{SITE}\n[content]\ndialect = \"zola\"\n")).unwrap();
    write(
        root,
        "content/posts/2024-05-01-release.md",
        "+++\ntitle = \"Release\"\ndate = 2024-05-01\nupdated = 2024-05-03\nauthors = [\"Ann\", \"Bo\"]\nweight = 1\n\
         in_search_index = false\n[taxonomies]\ntags = [\"release\"]\ncategories = [\"news\"]\n[extra]\nmood = \"good\"\n+++\n\
         Out now.\n<!-- MORE -->\nDetails.\n",
    );
    build_ok(root);
    let public = root.join("public");
    assert!(public.join("posts/release/index.html").is_file());
    assert!(public.join("tags/release/index.html").is_file(), "Zola's [taxonomies] tags are tags");
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(home.contains("Out now.") && !home.contains("Details."), "{home}");
}

#[test]
fn a_myblog_site_rejects_other_tools_keys_with_a_hint() {
    let dir = site(None);
    let out = build(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/roadmap.md:4:1: front matter: unknown field `lastmod`"), "{err}");
    assert!(err.contains("dialect"), "the hint names the setting:\n{err}");
}

#[test]
fn an_unknown_dialect_is_a_located_error() {
    let dir = site(Some("jekyll"));
    let out = build(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("site.toml:") && err.contains("jekyll"), "{err}");
}

#[test]
fn hugo_posts_keep_their_dated_urls_and_shared_urls_are_settled() {
    let dir = mini_site();
    let root = dir.path();
    std::fs::remove_dir_all(root.join("content/posts")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        format!(
            "{SITE}\n[content]\ndialect = \"hugo\"\npost_dirs = [\"post\"]\n[content.permalinks]\npost = \"/:year/:month/:day/:slug/\"\n"
        ),
    )
    .unwrap();
    // Recurring titles on one day: Hugo would publish one and drop the other.
    write(root, "content/post/roadmap-a.md", "+++\ntitle = \"Roadmap\"\ndate = 2019-04-23T09:00:00Z\n+++\nMorning.\n");
    write(root, "content/post/roadmap-b.md", "+++\ntitle = \"Roadmap\"\ndate = 2019-04-23T17:00:00Z\n+++\nEvening.\n");
    write(root, "content/post/survey.md", "---\ntitle: Survey\ndate: 2020-01-05\nslug: survey-2020\n---\nQuestions.\n");
    write(root, "content/post/moved.md", "---\ntitle: Moved\ndate: 2020-02-01\nurl: /elsewhere/moved/\n---\nHere.\n");
    let out = build(root);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("content/post/roadmap-a.md shares /2019/04/23/roadmap/ with a newer page: published at /2019/04/23/roadmap-2/"),
        "{stderr}"
    );
    let public = root.join("public");
    let evening = std::fs::read_to_string(public.join("2019/04/23/roadmap/index.html")).unwrap();
    assert!(evening.contains("Evening."), "the newest keeps the URL");
    assert!(std::fs::read_to_string(public.join("2019/04/23/roadmap-2/index.html")).unwrap().contains("Morning."));
    assert!(public.join("2020/01/05/survey-2020/index.html").is_file());
    assert!(public.join("elsewhere/moved/index.html").is_file());
    // Posts in content/post/ are posts: in the feed.
    let atom = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    assert!(atom.contains("https://moved.example.org/2020/01/05/survey-2020/"), "{atom}");
}

#[test]
fn a_myblog_site_still_refuses_a_shared_url() {
    let dir = mini_site();
    let root = dir.path();
    write(root, "content/posts/a/x.md", "+++\ntitle = \"X\"\ndate = 2020-01-01\n+++\n");
    write(root, "content/posts/b/x.md", "+++\ntitle = \"X\"\ndate = 2020-01-02\n+++\n");
    let out = build(root);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("two pages cannot share a URL"));
}

#[test]
fn zola_blog_and_root_posts() {
    let dir = mini_site();
    let root = dir.path();
    std::fs::remove_dir_all(root.join("content/posts")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{SITE}\n[content]\ndialect = \"zola\"\npost_dirs = [\"blog\", \"\"]\n")).unwrap();
    write(root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 5\n+++\n");
    write(root, "content/blog/2024-05-01-release.md", "+++\ntitle = \"Release\"\n+++\nOut.\n");
    write(root, "content/blog/custom.md", "+++\ntitle = \"Custom\"\ndate = 2024-06-01\npath = \"notes/custom\"\n+++\nHi.\n");
    write(root, "content/2019-01-01-first.md", "+++\ntitle = \"First\"\n+++\nOld.\n");
    write(root, "content/contact.md", "+++\ntitle = \"Contact\"\n+++\nMail.\n");
    build_ok(root);
    let public = root.join("public");
    for page in ["blog/release/index.html", "notes/custom/index.html", "first/index.html", "contact/index.html", "blog/index.html"] {
        assert!(public.join(page).is_file(), "missing public/{page}");
    }
    let atom = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    for url in ["/blog/release/", "/notes/custom/", "/first/"] {
        assert!(atom.contains(&format!("https://moved.example.org{url}")), "{url} not in the feed:\n{atom}");
    }
    assert!(!atom.contains("/contact/"), "an undated root page is not a post");
}

#[test]
fn an_alias_over_a_real_page_is_an_error() {
    let dir = site(Some("hugo"));
    write(dir.path(), "content/posts/clash.md", "+++\ntitle = \"Clash\"\ndate = 2025-01-01\naliases = [\"/posts/json/\"]\n+++\n");
    let out = build(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/clash.md:1: alias \"/posts/json/\" is the URL of another page"), "{err}");
}

#[test]
fn the_sites_own_robots_txt_wins_whatever_keep_names_says() {
    // A Hugo site's static/robots.txt is moved into content/; an author may also have trimmed
    // keep_names. Either way /robots.txt is the author's file, not the generated one.
    for keep in ["", "\n[build]\nkeep_names = [\"favicon.ico\"]\n"] {
        let dir = mini_site();
        let root = dir.path();
        std::fs::write(root.join("site.toml"), format!("{}{keep}", std::fs::read_to_string(root.join("site.toml")).unwrap())).unwrap();
        write(root, "content/robots.txt", "User-agent: *\nDisallow: /private/\n");
        build_ok(root);
        let robots = std::fs::read_to_string(root.join("public/robots.txt")).unwrap();
        assert_eq!(robots, "User-agent: *\nDisallow: /private/\n", "keep_names {keep:?}");
        let hashed = std::fs::read_dir(root.join("public")).unwrap().flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("robots.") && n != "robots.txt"
        });
        assert!(!hashed, "no hashed copy of robots.txt");
    }
}

#[test]
fn an_expired_page_is_left_out_and_the_build_says_so() {
    let dir = site(Some("hugo"));
    let out = build(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("note: content/posts/gone.md expired on 2025-01-02: not published"), "{stderr}");
    assert!(!stderr.contains("later.md"), "a page not yet published has not expired: {stderr}");
    assert!(!dir.path().join("public/posts/gone/index.html").exists());
}
