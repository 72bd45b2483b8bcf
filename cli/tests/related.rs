//! Related posts under each post of the example blog: chosen by shared tags, a rarer tag
//! counting more, then the newer post; never an unrelated post to fill the list; `[related]
//! count` bounds them and 0 turns them off. (That serve keeps them right when tags or titles
//! change is checked with every other edit in `serve_incremental.rs`.)

mod common;

use common::*;
use std::path::Path;

/// The titles of the related posts a built post shows, in order.
fn related(public: &Path, post: &str) -> Vec<String> {
    let html = std::fs::read_to_string(public.join(post).join("index.html")).unwrap();
    let Some(start) = html.find("<aside class=\"related") else { return Vec::new() };
    let aside = &html[start..start + html[start..].find("</aside>").unwrap()];
    let re = regex::Regex::new(r#"<li><a href="[^"]+">([^<]+)</a>"#).unwrap();
    re.captures_iter(aside).map(|c| c[1].to_string()).collect()
}

#[test]
fn posts_show_the_posts_that_share_their_rarest_tags_first() {
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let public = root.join("public");
    // `rust` is on two posts, `workflow` on four: the other `rust` post first, then the
    // newest `workflow` posts.
    assert_eq!(
        related(&public, "posts/config-files-with-toml-and-serde"),
        ["Error handling in Rust without tears", "What this site costs to run", "A tiny shell toolkit"]
    );
    // Only one post shares its only tag: one related post, not three.
    assert_eq!(related(&public, "posts/error-handling-in-rust"), ["Config files with TOML and serde"]);

    let config = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), config.replace("[related]\ncount = 3", "[related]\ncount = 1")).unwrap();
    build_ok(&root);
    assert_eq!(related(&public, "posts/config-files-with-toml-and-serde"), ["Error handling in Rust without tears"]);
    std::fs::write(root.join("site.toml"), config.replace("[related]\ncount = 3", "[related]\ncount = 0")).unwrap();
    build_ok(&root);
    for post in ["posts/config-files-with-toml-and-serde", "posts/error-handling-in-rust", "posts/a-week-in-lofoten"] {
        let html = std::fs::read_to_string(public.join(post).join("index.html")).unwrap();
        assert!(!html.contains("class=\"related"), "{post}: related posts with count = 0");
    }
}
