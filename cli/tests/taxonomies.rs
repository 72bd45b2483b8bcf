//! Taxonomies beyond tags and sections shaped by their `_index.md`, on a myblog site with the
//! default theme: the pages, their order and pagination, feeds, and the errors.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn blog_with_categories() -> (tempfile::TempDir, PathBuf) {
    let dir = example_site();
    let root = dir.path().join("blog");
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        format!("{toml}\n[[taxonomies]]\nname = \"tags\"\n\n[[taxonomies]]\nname = \"categories\"\nfeed = true\npaginate_by = 1\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("content/posts/_index.md"),
        "+++\ntitle = \"All posts\"\nsort_by = \"title\"\npaginate_by = 4\n+++\nBy title.\n",
    )
    .unwrap();
    for (post, yaml) in [("why-i-keep-a-blog.md", false), ("what-this-site-costs-to-run.md", true)] {
        let path = root.join("content/posts").join(post);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if yaml {
            text.replacen("\n---\n", "\ntaxonomies:\n  categories: [Essays]\n---\n", 1)
        } else {
            text.replacen("\n+++\n", "\n[taxonomies]\ncategories = [\"Essays\"]\n+++\n", 1)
        };
        std::fs::write(&path, text).unwrap();
    }
    (dir, root)
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("public/{rel}: {e}"))
}

#[test]
fn a_second_taxonomy_gets_its_pages_and_feeds() {
    let (_dir, root) = blog_with_categories();
    build_ok(&root);
    let list = read(&root, "categories/index.html");
    assert!(list.contains("/categories/essays/") && list.contains("Essays <span class=\"count\">2 posts</span>"), "{list}");
    // One post a page, newest first; a myblog site writes no page/1/ redirect.
    let first = read(&root, "categories/essays/index.html");
    let second = read(&root, "categories/essays/page/2/index.html");
    assert!(first.contains("What this site costs to run") && !first.contains("Why I keep a blog"), "{first}");
    assert!(second.contains("Why I keep a blog") && first.contains("/categories/essays/page/2/"), "{second}");
    assert!(!root.join("public/categories/essays/page/1").exists());
    let feed = read(&root, "categories/essays/atom.xml");
    assert!(feed.contains("<feed") && feed.matches("<entry").count() == 2, "{feed}");
    assert!(feed.contains("rel=\"self\" type=\"application/atom+xml\"") && feed.contains("/categories/essays/atom.xml"), "{feed}");
    for page in ["categories/index.html", "categories/essays/index.html", "categories/essays/page/2/index.html", "posts/page/2/index.html"]
    {
        check_html(&read(&root, page)).unwrap_or_else(|e| panic!("{page}: {e}"));
    }
    // Tags are as they were.
    assert!(read(&root, "tags/index.html").contains("/tags/rust/"));
    let check = run(myblog().arg("check").arg("--root").arg(&root));
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn a_section_sorts_and_paginates_as_its_index_says() {
    let (_dir, root) = blog_with_categories();
    build_ok(&root);
    let first = read(&root, "posts/index.html");
    let titles = ["A tiny shell toolkit", "A week in Lofoten", "Config files with TOML and serde", "Error handling in Rust without tears"];
    let at: Vec<usize> = titles.iter().map(|t| first.find(t).unwrap_or_else(|| panic!("{t} not on /posts/:\n{first}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sorted by title: {at:?}");
    assert!(!first.contains("Golden hour on a budget"), "four a page");
    let last = read(&root, "posts/page/3/index.html");
    assert!(last.contains("Why I keep a blog") && last.contains("rel=\"prev\""), "{last}");
    assert!(!root.join("public/posts/page/4").exists());
}

#[test]
fn taxonomy_mistakes_are_located_errors() {
    let (_dir, root) = blog_with_categories();
    let post = root.join("content/posts/shooting-in-the-rain.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, text.replacen("\n+++\n", "\n[taxonomies]\ncategoreis = [\"Photo\"]\n+++\n", 1)).unwrap();
    let out = build(&root);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/shooting-in-the-rain.md:1: front matter: taxonomy \"categoreis\" is not configured"), "{err}");
    assert!(err.contains("did you mean `categories`"), "{err}");

    std::fs::write(&post, text.replacen("\n+++\n", "\n[taxonomies]\ncategories = [\"C++\"]\n+++\n", 1)).unwrap();
    let other = root.join("content/posts/error-handling-in-rust.md");
    let t = std::fs::read_to_string(&other).unwrap();
    std::fs::write(&other, t.replacen("\n+++\n", "\n[taxonomies]\ncategories = [\"C\"]\n+++\n", 1)).unwrap();
    let out = build(&root);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("would share the page /categories/c/"), "{err}");

    let bad = "title = \"x\"\nbase_url = \"https://x.org\"\n[[taxonomies]]\nname = \"Categories\"\n";
    std::fs::write(root.join("site.toml"), bad).unwrap();
    let err = String::from_utf8_lossy(&build(&root).stderr).into_owned();
    assert!(err.contains("site.toml") && err.contains("taxonomy name \"Categories\" must be lowercase"), "{err}");
}

/// Zola's home is the root section: a `content/_index.md` `paginate_by` and `paginate_path` shape
/// the home's pages; without them `[content] paginate_path` (Hugo's `[pagination] path`) does.
#[test]
fn the_home_paginates_as_the_root_index_and_paginate_path_say() {
    let home_pages =
        |root: &Path, folder: &str| (2..100).take_while(|n| root.join(format!("public/{folder}/{n}/index.html")).is_file()).count() + 1;

    let dir = example_site();
    let root = dir.path().join("blog");
    let index = std::fs::read_to_string(root.join("content/_index.md")).unwrap();
    std::fs::write(root.join("content/_index.md"), index.replacen("+++\n", "+++\npaginate_by = 2\npaginate_path = \"p\"\n", 1)).unwrap();
    build_ok(&root);
    assert!(!root.join("public/page/2/index.html").exists(), "the home's later pages moved to /p/");
    let by_two = home_pages(&root, "p");
    assert!(by_two >= 4, "paginate_by = 2 of the root _index.md, not site.toml's 5: {by_two} pages");
    assert!(read(&root, "index.html").contains("/p/2/"), "the first page links the second");
    assert!(read(&root, &format!("p/{by_two}/index.html")).contains("/p/"), "the last page links back");

    let dir = example_site();
    let root = dir.path().join("blog");
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[content]\npaginate_path = \"seite\"\n")).unwrap();
    build_ok(&root);
    assert!(!root.join("public/page/2/index.html").exists(), "the home's later pages moved to /seite/");
    assert!(root.join("public/seite/2/index.html").is_file());
    assert!(read(&root, "index.html").contains("/seite/2/"));
}

/// Zola's per-taxonomy `paginate_path`: a term's later pages live in that folder.
#[test]
fn a_taxonomy_paginate_path_moves_its_term_pages() {
    let (_dir, root) = blog_with_categories();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), toml.replace("paginate_by = 1\n", "paginate_by = 1\npaginate_path = \"seite\"\n")).unwrap();
    build_ok(&root);
    assert!(read(&root, "categories/essays/seite/2/index.html").contains("Why I keep a blog"));
    assert!(read(&root, "categories/essays/index.html").contains("/categories/essays/seite/2/"));
    assert!(!root.join("public/categories/essays/page/2").exists());
    // Other lists keep [content] paginate_path.
    assert!(root.join("public/posts/page/2/index.html").is_file());

    std::fs::write(root.join("site.toml"), toml.replace("paginate_by = 1\n", "paginate_by = 1\npaginate_path = \"a/b\"\n")).unwrap();
    let out = build(&root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("site.toml") && stderr.contains("one folder name"), "{stderr}");
}

/// Hugo's taxonomy feed (`/tags/index.xml` with `[feeds] every_list`) lists the terms themselves,
/// each linking its page, the most recently used first; term feeds list posts.
#[test]
fn a_taxonomy_feed_lists_its_terms_as_hugo_does() {
    let dir = example_site();
    let root = dir.path().join("blog");
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[feeds]\nfilename = \"index.xml\"\nevery_list = true\n")).unwrap();
    build_ok(&root);
    let feed = read(&root, "tags/index.xml");
    let tags = read(&root, "tags/index.html");
    let term_links = tags.matches("/tags/").count();
    assert!(feed.contains("<link>https://blog.example.com/tags/rust/</link>") && feed.contains("<title>rust</title>"), "{feed}");
    assert!(!feed.contains("/posts/"), "no posts in the taxonomy feed: {feed}");
    assert!(feed.matches("<item>").count() >= 3 && term_links >= feed.matches("<item>").count(), "{feed}");
    let dates: Vec<&str> = feed.split("<pubDate>").skip(1).map(|s| s.split("</pubDate>").next().unwrap()).collect();
    assert_eq!(dates.len(), feed.matches("<item>").count(), "every term is dated");
    assert!(read(&root, "tags/rust/index.xml").contains("/posts/"), "a term's feed lists its posts");
}

/// A term lists every page carrying it, as Zola and Hugo do, not only posts: an undated page
/// (last) and a dated one (in date order, and in the term's feed) are on their terms' pages and
/// counted; the home, the site's feeds and the archive still list posts only.
#[test]
fn pages_that_are_not_posts_are_on_their_terms_pages() {
    let (_dir, root) = blog_with_categories();
    let about = root.join("content/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(
        &about,
        text.replacen("\n+++\n", "\ntags = [\"Colophon\", \"rust\"]\n[taxonomies]\ncategories = [\"Essays\"]\n+++\n", 1),
    )
    .unwrap();
    std::fs::write(
        root.join("content/uses.md"),
        "+++\ntitle = \"What I use\"\ndate = 2025-01-01\n[taxonomies]\ncategories = [\"Essays\"]\n+++\nA laptop.\n",
    )
    .unwrap();
    build_ok(&root);
    // What a list page lists (not its navigation).
    fn listed(page: &str) -> &str {
        let start = page.find("<ul class=\"post-list\">").expect("a list of pages");
        &page[start..start + page[start..].find("</ul>").unwrap()]
    }
    // A term only a page carries gets its page, and is on the list of terms with its count.
    let colophon = read(&root, "tags/colophon/index.html");
    assert!(listed(&colophon).contains("href=\"/about/\"") && colophon.contains("1 post"), "{colophon}");
    assert!(read(&root, "tags/index.html").contains("Colophon <span class=\"count\">1 post</span>"));
    // Undated pages come after the posts.
    let rust = read(&root, "tags/rust/index.html");
    let list = listed(&rust);
    let (error, about_at) = (list.find("Error handling in Rust").unwrap(), list.find("href=\"/about/\"").unwrap());
    assert!(error < about_at && rust.contains("3 posts"), "{rust}");
    // One a page, newest first, the dated page between the posts, the undated one last.
    let order: Vec<String> = (1..=4)
        .map(|n| {
            if n == 1 {
                read(&root, "categories/essays/index.html")
            } else {
                read(&root, &format!("categories/essays/page/{n}/index.html"))
            }
        })
        .collect();
    for (page, title) in order.iter().zip(["What this site costs to run", "What I use", "Why I keep a blog", "About"]) {
        assert!(listed(page).contains(&format!(">{title}")), "{title} expected:\n{page}");
    }
    assert!(!root.join("public/categories/essays/page/5").exists());
    assert!(read(&root, "categories/index.html").contains("Essays <span class=\"count\">4 posts</span>"));
    // The term's feed has its dated pages; an undated page has no place in a feed.
    let feed = read(&root, "categories/essays/atom.xml");
    assert!(
        feed.matches("<entry").count() == 3
            && feed.contains("<id>https://blog.example.com/uses/</id>")
            && !feed.contains("<id>https://blog.example.com/about/</id>"),
        "{feed}"
    );
    // Lists of posts stay lists of posts.
    for list in ["index.html", "atom.xml", "rss.xml", "archive/index.html"] {
        let text = read(&root, list);
        assert!(!text.contains("/uses/") && !text.contains("What I use"), "{list} lists a page:\n{text}");
    }
    let check = run(myblog().arg("check").arg("--root").arg(&root));
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}
