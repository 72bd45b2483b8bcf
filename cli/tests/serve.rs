//! `myblog serve` end to end: the real binary on a free port in a new example blog, driven
//! over HTTP and its live-reload event stream while files are edited on disk.

mod serve_support;

use serve_support::{example_blog, request, Server};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const POST: &str = "content/posts/why-i-keep-a-blog.md";
const POST_OUT: &str = "posts/why-i-keep-a-blog/index.html";

#[test]
fn serves_the_site_with_pretty_urls_404_and_headers() {
    let (_dir, root) = example_blog();
    let s = Server::start(&root, &[]);

    let home = s.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert!(
        home.body.contains("<script src=\"/__myblog/livereload.js\" data-output=\"index.html\" defer></script></body>"),
        "{}",
        home.body
    );
    // Links point at the local server, not at the production base_url.
    assert!(home.body.contains(&format!("http://127.0.0.1:{}/", s.port)), "canonical URL is local");
    assert!(!home.body.contains("https://blog.example.com"), "production base_url leaked");

    let post = s.get("/posts/why-i-keep-a-blog/");
    assert_eq!(post.status, 200);
    assert!(post.body.contains("data-output=\"posts/why-i-keep-a-blog/index.html\""));
    assert_eq!(s.get("/posts/why-i-keep-a-blog/index.html").status, 200);
    let redirect = s.get("/posts/why-i-keep-a-blog?x=1");
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("location"), Some("/posts/why-i-keep-a-blog/?x=1"));

    let missing = s.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    let not_found_page = std::fs::read_to_string(root.join("themes/default/templates/404.html")).unwrap();
    assert!(not_found_page.contains("{% extends"), "the example has a 404 template");
    assert!(missing.body.contains("data-output=\"404.html\""), "the site's own 404 page: {}", missing.body);
    assert_eq!(missing.header("content-type"), Some("text/html; charset=utf-8"));

    let css_href = home
        .body
        .split("href=\"")
        .map(|h| h.split('"').next().unwrap())
        .find(|h| h.starts_with("/css/site.") && h.ends_with(".css"))
        .expect("stylesheet link");
    let css = s.get(css_href);
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"), "{:?}", css.headers);
    assert_eq!(css.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert!(!css.body.contains("__myblog"), "only HTML gets the script");
    let feed = s.get("/atom.xml");
    assert_eq!(feed.status, 200);
    assert!(feed.header("content-type").unwrap().contains("xml"), "{:?}", feed.headers);
    let photo = s.get("/favicon.ico");
    assert_eq!(photo.status, 200);

    // Photos preview with the thumbnails the Lambda will make, made locally by its own code.
    let photo_post = s.get("/posts/golden-hour-on-a-budget/");
    let srcset = photo_post.body.split("srcset=\"").nth(1).expect("a photo with srcset").split('"').next().unwrap();
    for candidate in srcset.split(", ") {
        let url = candidate.split(' ').next().unwrap();
        let thumb = s.get(url);
        assert_eq!(thumb.status, 200, "{url}");
        assert_eq!(thumb.header("content-type"), Some("image/webp"), "{url}");
    }

    let api = request("POST", &s.url("/api/subscribe"), None);
    assert_eq!(api.status, 501);
    let note: serde_json::Value = serde_json::from_str(&api.body).expect("JSON body");
    assert!(note["message"].as_str().unwrap().contains("Lambda"), "{note}");

    let js = s.get("/__myblog/livereload.js");
    assert_eq!(js.status, 200);
    assert!(js.body.contains("EventSource"));

    // Serving wrote nothing; a build of the same blog carries no live-reload script.
    assert!(!root.join("public").exists(), "serve must not write public/");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_myblog")).arg("build").arg("--root").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for e in walkdir::WalkDir::new(root.join("public")).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let bytes = std::fs::read(e.path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("__myblog/"), "{} has the live-reload script", e.path().display());
    }
}

#[test]
fn edits_reload_pages_and_errors_show_until_fixed() {
    let (_dir, root) = example_blog();
    let s = Server::start(&root, &[]);
    let mut events = s.events();
    assert_eq!(events.expect("ok", WAIT)["type"], "ok", "a new connection learns the build status");

    // A body edit: the page changes, and a reload event names it.
    let text = s.read(POST);
    s.save(POST, &format!("{text}\nA sentence added while serving.\n"));
    let reload = events.expect("reload", WAIT);
    let paths: Vec<&str> = reload["paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(paths.contains(&POST_OUT), "{reload}");
    assert!(!paths.contains(&"index.html") || paths.len() < 10, "a body edit reloads only what shows it: {reload}");
    assert!(s.get("/posts/why-i-keep-a-blog/").body.contains("A sentence added while serving."));
    // Exactly one reload for the change.
    if let Some(extra) = events.next(Duration::from_millis(400)) {
        panic!("a second event for one save: {extra}");
    }

    // A new post appears on the home page and on its tag page.
    s.save(
        "content/posts/live-added.md",
        "+++\ntitle = \"Added while serving\"\ndate = 2030-01-01\ntags = [\"serve-test\"]\n+++\n\nHello.\n",
    );
    let reload = events.expect("reload", WAIT);
    assert!(
        reload["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "posts/added-while-serving/index.html" || p == "posts/live-added/index.html"),
        "{reload}"
    );
    assert!(s.get("/").body.contains("Added while serving"));
    let tag = s.get("/tags/serve-test/");
    assert_eq!(tag.status, 200);
    assert!(tag.body.contains("Added while serving"));
    assert_eq!(s.get("/posts/live-added/").status, 200);

    // Deleted: gone from the home page, the tag page is gone.
    std::fs::remove_file(s.file("content/posts/live-added.md")).unwrap();
    events.expect("reload", WAIT);
    assert!(!s.get("/").body.contains("Added while serving"));
    assert_eq!(s.get("/tags/serve-test/").status, 404);
    assert_eq!(s.get("/posts/live-added/").status, 404);

    // A broken template: the error reaches open pages and new ones, the server keeps the
    // last good pages; fixing it clears the error and reloads.
    let template = "themes/default/templates/post.html";
    let good = s.read(template);
    s.save(template, &good.replacen("{{ page.title }}", "{{ page.title }", 1));
    let err = events.expect("error", WAIT);
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("themes/default/templates/post.html"), "{message}");
    let page = s.get("/posts/why-i-keep-a-blog/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("A sentence added while serving."), "last good page kept");
    let mut late = s.events();
    assert_eq!(late.expect("error", WAIT)["message"], err["message"], "a page opened later sees the error too");
    assert!(s.log().contains("themes/default/templates/post.html"), "the terminal shows it:\n{}", s.log());
    s.save(template, &good.replace("</article>", "</article><!-- fixed -->"));
    events.expect("ok", WAIT);
    let reload = events.expect("reload", WAIT);
    assert!(reload["paths"].as_array().unwrap().iter().any(|p| p == POST_OUT), "{reload}");
    assert!(s.get("/posts/why-i-keep-a-blog/").body.contains("<!-- fixed -->"));
    late.expect("ok", WAIT);

    // Broken front matter: error with file and line, then fixed.
    let text = s.read(POST);
    s.save(POST, &text.replacen("+++\n", "+++\ntitle = \n", 1));
    let err = events.expect("error", WAIT);
    assert!(err["message"].as_str().unwrap().contains("content/posts/why-i-keep-a-blog.md:"), "{err}");
    s.save(POST, &text);
    events.expect("ok", WAIT);

    // A stylesheet edit swaps stylesheets instead of reloading.
    let css_file = "themes/default/static/css/site.css";
    s.save(css_file, &format!("{}\n.serve-test {{ color: red; }}\n", s.read(css_file)));
    let css = events.expect("css", WAIT);
    let href = css["paths"][0].as_str().unwrap();
    assert!(href.starts_with("/css/site.") && href.ends_with(".css"), "{css}");
    assert!(s.get(href).body.contains(".serve-test"));
    assert!(s.get("/").body.contains(href), "pages link the new stylesheet");
}

#[test]
fn drafts_are_shown_unless_no_drafts() {
    let (_dir, root) = example_blog();
    let draft = std::fs::read_to_string(root.join("content/posts/scanning-old-negatives.md")).unwrap();
    assert!(draft.contains("draft = true"));
    let s = Server::start(&root, &[]);
    assert_eq!(s.get("/posts/scanning-old-negatives/").status, 200);
    drop(s);
    let s = Server::start(&root, &["--no-drafts"]);
    assert_eq!(s.get("/posts/scanning-old-negatives/").status, 404);
}

#[test]
fn ctrl_c_stops_the_server_even_with_a_page_listening() {
    let (_dir, root) = example_blog();
    let mut s = Server::start(&root, &[]);
    let mut events = s.events();
    // The live-reload stream is open, as it is while a browser shows a page.
    assert!(events.next(Duration::from_secs(5)).is_some(), "no first event on the live-reload stream");
    let status = s.interrupt(Duration::from_secs(5)).expect("serve did not stop within 5 s of Ctrl-C");
    assert!(status.success(), "{status:?}");
}
