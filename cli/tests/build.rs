//! `myblog build` and `myblog check` as a user runs them: on the embedded example blog and on
//! a small fixture blog.

mod common;

use common::*;
use std::path::Path;

#[test]
fn example_blog_builds_completely() {
    let dir = example_site();
    let root = dir.path().join("blog");
    let stdout = build_ok(&root);
    assert!(stdout.contains("Built "), "{stdout}");
    let public = root.join("public");
    for must in [
        "index.html",
        "404.html",
        "atom.xml",
        "rss.xml",
        "sitemap.xml",
        "robots.txt",
        "tags/index.html",
        "archive/index.html",
        "about/index.html",
        "favicon.ico",
        ".myblog/manifest.json",
    ] {
        assert!(public.join(must).is_file(), "missing public/{must}");
    }
    // Pagination: the example has more posts than paginate_by.
    assert!(public.join("page/2/index.html").is_file(), "no second home page");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(public.join(".myblog/manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let css: Vec<&serde_json::Value> = files.iter().filter(|f| f["path"].as_str().unwrap().ends_with(".css")).collect();
    assert!(!css.is_empty());
    for f in files {
        let path = f["path"].as_str().unwrap();
        let bytes = std::fs::read(public.join(path)).unwrap();
        assert_eq!(f["size"].as_u64().unwrap(), bytes.len() as u64, "{path}");
        assert_eq!(f["blake3"].as_str().unwrap(), blake3::hash(&bytes).to_hex().as_str(), "{path}");
        let hashed = f["hashed"].as_bool().unwrap();
        let is_static = path.ends_with(".css") || path.ends_with(".js") || path.ends_with(".jpg") || path.ends_with(".svg");
        if is_static {
            assert!(hashed, "{path} should carry its content hash");
            let hash10 = &f["blake3"].as_str().unwrap()[..10];
            assert!(path.contains(&format!(".{hash10}.")), "{path} is not named by its hash");
        }
        if path.ends_with(".html") || path == "favicon.ico" || path == "robots.txt" {
            assert!(!hashed, "{path} must keep its name");
        }
        let ct = f["content_type"].as_str().unwrap();
        if path.ends_with(".html") {
            assert_eq!(ct, "text/html; charset=utf-8");
        }
    }
    assert!(files.iter().any(|f| f["path"] == "atom.xml" && f["content_type"] == "application/atom+xml; charset=utf-8"));
    // Tags, drafts.
    let tags = std::fs::read_to_string(public.join("tags/index.html")).unwrap();
    assert!(tags.matches("/tags/").count() >= 4, "expected several tags:\n{tags}");
    let draft_pages: Vec<_> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter(|e| std::fs::read_to_string(e.path()).unwrap().lines().any(|l| l.trim() == "draft = true" || l.trim() == "draft: true"))
        .collect();
    assert!(!draft_pages.is_empty(), "the example should have a draft");
    let atom = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    assert!(atom.matches("<entry ").count() >= 8, "feed should carry the posts");
    assert!(std::fs::read_to_string(public.join("robots.txt")).unwrap().contains("Sitemap: https://"));
}

#[test]
fn every_page_is_well_formed_and_every_link_resolves() {
    for (dir, root) in [(example_site(), "blog"), (mini_site(), "")] {
        let root = dir.path().join(root);
        build_ok(&root);
        let pages = html_files(&root.join("public"));
        assert!(pages.len() >= 8);
        for page in pages {
            let text = std::fs::read_to_string(&page).unwrap();
            if let Err(e) = check_html(&text) {
                panic!("{} is not well-formed: {e}", page.display());
            }
            assert!(text.contains("<html lang=\""), "{} has no lang", page.display());
            // The production CSP allows scripts and styles from the site's own files only.
            assert!(!text.contains(" style=\""), "{} has an inline style attribute", page.display());
            assert!(!text.contains("<style"), "{} has a <style> block", page.display());
            for (i, _) in text.match_indices("<script") {
                let tag = &text[i..i + text[i..].find('>').unwrap()];
                // A JSON-LD data block is never run (and CSP does not govern it); it must
                // still be JSON and nothing else.
                if tag == "<script type=\"application/ld+json\"" {
                    let body = &text[i + tag.len() + 1..];
                    let body = &body[..body.find("</script>").unwrap()];
                    assert!(serde_json::from_str::<serde_json::Value>(body).is_ok(), "{}: JSON-LD is not JSON: {body}", page.display());
                    continue;
                }
                assert!(tag.contains(" src=\""), "{} has an inline script: {tag}", page.display());
            }
        }
        let out = run(myblog().arg("check").arg("--root").arg(&root));
        assert!(out.status.success(), "check found broken links:\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("All links of"));
    }
}

#[test]
fn check_lists_each_broken_link_with_its_source() {
    let dir = mini_site();
    std::fs::write(dir.path().join("content/posts/broken.md"), "+++\ntitle = \"B\"\ndate = 2024-05-05\n+++\nSee [gone](/posts/nope/) and [anchor](/posts/first/#nowhere) and [ok](/posts/first/#setup).\n").unwrap();
    let out = run(myblog().arg("check").arg("--root").arg(dir.path()));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/broken.md: broken link \"/posts/nope/\""), "{err}");
    assert!(err.contains("no element with id \"nowhere\""), "{err}");
    assert!(!err.contains("#setup"), "{err}");
    // The post's summary shows the same links on the home page's second page.
    assert!(err.contains("public/page/2/index.html (from a template): broken link \"/posts/nope/\""), "{err}");
    assert!(err.contains("4 broken link(s)"), "{err}");
}

#[test]
fn rebuild_with_nothing_changed_rewrites_nothing() {
    let dir = mini_site();
    build_ok(dir.path());
    let before = snapshot_tree(&dir.path().join("public"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = build_ok(dir.path());
    assert!(out.contains("Nothing changed"), "{out}");
    assert_eq!(changed_files(&before, &snapshot_tree(&dir.path().join("public"))), Vec::<String>::new());
    // Even a forced full render writes no file whose bytes are the same (mtimes kept).
    let out = run(myblog().args(["build", "--force", "--root"]).arg(dir.path()));
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(" 0 written"), "{stdout}");
    assert_eq!(changed_files(&before, &snapshot_tree(&dir.path().join("public"))), Vec::<String>::new());
}

#[test]
fn editing_one_post_rewrites_only_what_shows_it() {
    let dir = mini_site();
    build_ok(dir.path());
    let before = snapshot_tree(&dir.path().join("public"));
    let post = dir.path().join("content/posts/bundle/index.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, text + "\nOne more line.\n").unwrap();
    build_ok(dir.path());
    let after = snapshot_tree(&dir.path().join("public"));
    let changed: Vec<&String> = after.keys().filter(|k| before.get(*k).map(|b| b.1 != after[*k].1).unwrap_or(true)).collect();
    for k in &changed {
        // The search index changes with any page's words: its index.json and the word files
        // of the words that changed, not the others.
        let search = k.as_str() == "search/index.json" || k.starts_with("search/words.");
        assert!(
            search || ["posts/bundle/index.html", "atom.xml", "rss.xml", ".myblog/manifest.json", ".myblog/inputs"].contains(&k.as_str()),
            "unexpected change to {k}: {changed:?}"
        );
    }
    assert!(changed.iter().any(|k| *k == "posts/bundle/index.html"));
    for (k, (mtime, _)) in &after {
        if !changed.contains(&k) {
            assert_eq!(*mtime, before[k].0, "{k} was rewritten although unchanged");
        }
    }
}

#[test]
fn drafts_and_future_posts_only_with_flag() {
    let dir = mini_site();
    build_ok(dir.path());
    let public = dir.path().join("public");
    assert!(!public.join("posts/draft/index.html").exists());
    assert!(!public.join("posts/future/index.html").exists());
    let out = run(myblog().args(["build", "--drafts", "--root"]).arg(dir.path()));
    assert!(out.status.success());
    assert!(public.join("posts/draft/index.html").exists());
    assert!(public.join("posts/future/index.html").exists());
}

#[test]
fn base_url_override_and_sub_path() {
    let dir = mini_site();
    let out = run(myblog().args(["build", "--base-url", "https://example.net/blog/", "--root"]).arg(dir.path()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let index = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    assert!(index.contains("href=\"/blog/posts/second/\""), "{index}");
    assert!(index.contains("href=\"/blog/css/site."), "{index}");
    let sitemap = std::fs::read_to_string(dir.path().join("public/sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://example.net/blog/posts/first/</loc>"), "{sitemap}");
}

#[test]
fn failed_build_leaves_previous_site_untouched() {
    let dir = mini_site();
    build_ok(dir.path());
    let before = snapshot_tree(&dir.path().join("public"));
    std::fs::write(dir.path().join("content/posts/second.md"), "---\ntitle: [unclosed\n---\n").unwrap();
    let out = build(dir.path());
    assert!(!out.status.success());
    assert_eq!(changed_files(&before, &snapshot_tree(&dir.path().join("public"))), Vec::<String>::new(), "a failed build changed public/");
}

#[test]
fn a_page_failing_to_render_after_others_were_written_leaves_nothing_behind() {
    // Pages are written to the staging folder as they are rendered: one failing late must
    // still leave public/ as it was, and no staging folder.
    let dir = mini_site();
    build_ok(dir.path());
    let before = snapshot_tree(&dir.path().join("public"));
    let post_template = dir.path().join("themes/mini/templates/post.html");
    let template = std::fs::read_to_string(&post_template).unwrap();
    let boom = "{% block main %}{% if page.title == \"Boom\" %}{{ page.no_such_field.at_all }}{% endif %}";
    std::fs::write(&post_template, template.replacen("{% block main %}", boom, 1)).unwrap();
    for i in 0..20 {
        std::fs::write(
            dir.path().join(format!("content/posts/more-{i}.md")),
            format!("---\ntitle: More {i}\ndate: 2024-02-{:02}\n---\nText.\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("content/posts/boom.md"), "---\ntitle: Boom\ndate: 2024-03-01\n---\nText.\n").unwrap();
    let out = build(dir.path());
    assert!(!out.status.success(), "the build should fail on boom.md");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_field"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(changed_files(&before, &snapshot_tree(&dir.path().join("public"))), Vec::<String>::new(), "a failed build changed public/");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!left.iter().any(|n| n.contains("myblog-staging")), "staging folder left behind: {left:?}");
}

#[test]
fn interrupted_swap_is_recovered() {
    let dir = mini_site();
    build_ok(dir.path());
    let public = dir.path().join("public");
    // As if killed between moving the old site aside and moving the new one in.
    std::fs::rename(&public, dir.path().join(".public.myblog-old")).unwrap();
    std::fs::create_dir_all(dir.path().join(".public.myblog-staging/half")).unwrap();
    build_ok(dir.path());
    assert!(public.join("index.html").is_file());
    assert!(!dir.path().join(".public.myblog-old").exists());
}

#[test]
fn init_and_new_post() {
    let dir = example_site();
    let root = dir.path().join("blog");
    assert!(root.join("site.toml").is_file() && root.join("themes/default/templates/base.html").is_file());
    let again = run(myblog().arg("init").arg(&root));
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    let out = run(myblog().args(["new", "post", "Hello: Ünïcode & Friends", "--root"]).arg(&root));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = root.join("content/posts/hello-ünïcode-friends.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("title = \"Hello: Ünïcode & Friends\"") && text.contains("draft = true"), "{text}");
    // A draft: absent from a normal build, present with --drafts.
    build_ok(&root);
    assert!(!root.join("public/posts/hello-ünïcode-friends/index.html").exists());
    let out = run(myblog().args(["build", "--drafts", "--root"]).arg(&root));
    assert!(out.status.success());
    assert!(root.join("public/posts/hello-ünïcode-friends/index.html").exists());
    let dup = run(myblog().args(["new", "post", "Hello: Ünïcode & Friends", "--root"]).arg(&root));
    assert!(!dup.status.success());
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run(myblog().args(["new", "post", "Lost", "--root"]).arg(elsewhere.path()));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no site.toml"));
    assert!(!elsewhere.path().join("content").exists(), "nothing may be written outside a blog");
}

#[test]
fn build_finds_the_root_upward() {
    let dir = mini_site();
    let out = run(myblog().arg("build").current_dir(dir.path().join("content/posts")));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("public/index.html").is_file());
    let nowhere = tempfile::tempdir().unwrap();
    let out = run(myblog().arg("build").current_dir(nowhere.path()));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site.toml found"));
}

#[test]
fn rendered_html_snapshots() {
    let dir = mini_site();
    build_ok(dir.path());
    let public = dir.path().join("public");
    let read = |p: &str| std::fs::read_to_string(public.join(p)).unwrap();
    insta::assert_snapshot!("post_first", read("posts/first/index.html"));
    insta::assert_snapshot!("home_page_1", read("index.html"));
    insta::assert_snapshot!("tag_rust", read("tags/rust/index.html"));
    insta::assert_snapshot!("rss", read("rss.xml"));
    insta::assert_snapshot!("sitemap", read("sitemap.xml"));
    let css = walkdir::WalkDir::new(public.join("css")).into_iter().flatten().find(|e| e.file_type().is_file()).unwrap();
    insta::assert_snapshot!("css_rewritten", std::fs::read_to_string(css.path()).unwrap());
    let _ = Path::new("");
}

fn write_png(path: &Path, width: u32, height: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    img.save(path).unwrap();
}

#[test]
fn photos_get_srcset_of_the_thumbnails_that_will_exist() {
    let dir = mini_site();
    let root = dir.path();
    write_png(&root.join("content/media/wide.png"), 900, 600);
    write_png(&root.join("content/media/tiny.png"), 200, 100);
    std::fs::write(
        root.join("content/posts/photos.md"),
        "+++\ntitle = \"Photos\"\ndate = 2024-03-03\n+++\n![Wide](/media/wide.png)\n\n![Tiny](../../media/tiny.png)\n",
    )
    .unwrap();
    // Lambda mode (default): the page announces the thumbnails the Lambda will make.
    build_ok(root);
    let html = std::fs::read_to_string(root.join("public/posts/photos/index.html")).unwrap();
    let imgs: Vec<&str> = html.match_indices("<img ").map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()]).collect();
    assert_eq!(imgs.len(), 2, "{html}");
    let wide = imgs[0];
    assert!(wide.contains("width=\"900\" height=\"600\""), "{wide}");
    assert!(wide.contains("loading=\"lazy\"") && wide.contains("decoding=\"async\"") && wide.contains("sizes=\""), "{wide}");
    // 1280 is wider than the original: never upscaled, so not announced.
    let srcset = wide.split("srcset=\"").nth(1).unwrap().split('"').next().unwrap();
    let widths: Vec<&str> = srcset.split(", ").map(|c| c.rsplit(' ').next().unwrap()).collect();
    assert_eq!(widths, ["320w", "640w"], "{wide}");
    assert!(srcset.starts_with("/thumbs/wide."), "{srcset}");
    // Narrower than every configured width: one thumbnail at its own width.
    assert!(imgs[1].contains("-200.webp 200w\""), "{}", imgs[1]);
    assert!(!root.join("public/thumbs").exists(), "lambda mode must not make thumbnails");
    let out = run(myblog().arg("check").arg("--root").arg(root));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Local mode: the same names, made by the same library, in public/.
    let out = run(myblog().args(["build", "--thumbnails", "local", "--root"]).arg(root));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for candidate in srcset.split(", ") {
        let (url, w) = candidate.split_once(' ').unwrap();
        let bytes = std::fs::read(root.join("public").join(url.trim_start_matches('/'))).unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!(format!("{}w", img.width()), w);
        assert_eq!(img.height(), (f64::from(img.width()) * 2.0 / 3.0).round() as u32);
    }
    let manifest = std::fs::read_to_string(root.join("public/.myblog/manifest.json")).unwrap();
    assert!(manifest.contains("\"path\": \"thumbs/wide."), "{manifest}");
}

#[test]
fn corrupt_photo_is_a_clear_error() {
    let dir = mini_site();
    std::fs::create_dir_all(dir.path().join("content/media")).unwrap();
    std::fs::write(dir.path().join("content/media/broken.jpg"), b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let out = build(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/media/broken.jpg: cannot use this photo"), "{err}");
}

#[test]
fn build_never_replaces_a_folder_it_did_not_make() {
    let dir = mini_site();
    let root = dir.path();
    // A folder with someone else's files (a gh-pages checkout, a web root...).
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("CNAME"), "blog.example.org").unwrap();
    let out = run(myblog().args(["build", "--root"]).arg(root).arg("--output").arg(other.path()));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not made by myblog"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(other.path().join("CNAME").is_file(), "the folder must be left alone");
    // The blog's own folder, or one inside its sources.
    for target in [root.to_path_buf(), root.join("content/out"), root.parent().unwrap().to_path_buf()] {
        let out = run(myblog().args(["build", "--root"]).arg(root).arg("--output").arg(&target));
        assert!(!out.status.success(), "built into {}", target.display());
        assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to build into"));
    }
    assert!(root.join("site.toml").is_file() && root.join("content/posts/first.md").is_file());
    // A new folder, an empty one, and one myblog made are fine.
    let empty = tempfile::tempdir().unwrap();
    for target in [empty.path().to_path_buf(), empty.path().join("new")] {
        let out = run(myblog().args(["build", "--root"]).arg(root).arg("--output").arg(&target));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    build_ok(root);
    build_ok(root);
}

#[test]
fn a_post_scheduled_for_later_today_appears_once_due() {
    let dir = mini_site();
    let root = dir.path();
    let due = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let due = due.format(&time::format_description::well_known::Rfc3339).unwrap();
    std::fs::write(root.join("content/posts/soon.md"), format!("+++\ntitle = \"Soon\"\ndate = {due}\n+++\nNot yet.\n")).unwrap();
    build_ok(root);
    assert!(!root.join("public/posts/soon/index.html").exists());
    // Nothing changed on disk, but the post is due now: the no-change shortcut must not apply.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let out = build_ok(root);
    assert!(out.contains("Built "), "{out}");
    assert!(root.join("public/posts/soon/index.html").exists());
    assert!(build_ok(root).contains("Nothing changed"));
}
