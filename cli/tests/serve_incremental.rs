//! `serve`'s incremental rebuild gives exactly the bytes of a cold build, after every kind
//! of edit, on the mini fixture and on the example blog. Library level (no HTTP): fast.

mod common;

use myblog_build::{render_site, BuildOptions};
use myblog_build::{Change, Incremental};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn options(root: &Path, drafts: bool) -> BuildOptions {
    BuildOptions::from_args(Some(root), None, drafts, Some("http://127.0.0.1:1111")).expect("options")
}

/// Compares every output (path and blake3) of the incremental state with a cold build.
fn assert_identical(inc: &Incremental, what: &str) {
    let cold = render_site(inc.options()).unwrap_or_else(|e| panic!("{what}: cold build failed: {e}"));
    let cold_map: BTreeMap<String, String> = cold.outputs.iter().map(|o| (o.path.clone(), o.blake3.clone())).collect();
    let hot = inc.hashes();
    if cold_map == hot {
        return;
    }
    let mut report = String::new();
    for (p, h) in &cold_map {
        match hot.get(p) {
            None => report.push_str(&format!("  missing in incremental: {p}\n")),
            Some(x) if x != h => {
                let a = String::from_utf8_lossy(&cold.outputs.iter().find(|o| &o.path == p).unwrap().bytes().unwrap()).into_owned();
                let b = String::from_utf8_lossy(&inc.output(p).unwrap().bytes().unwrap()).into_owned();
                let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                let lo = at.saturating_sub(80);
                report.push_str(&format!(
                    "  differs: {p}\n    cold: …{}…\n    incr: …{}…\n",
                    &a.get(lo..(at + 80).min(a.len())).unwrap_or(""),
                    &b.get(lo..(at + 80).min(b.len())).unwrap_or("")
                ));
            }
            _ => {}
        }
    }
    for p in hot.keys().filter(|p| !cold_map.contains_key(*p)) {
        report.push_str(&format!("  extra in incremental: {p}\n"));
    }
    panic!("{what}: incremental output differs from a cold build:\n{report}");
}

struct Blog {
    _dir: tempfile::TempDir,
    root: PathBuf,
    inc: Incremental,
    html_total: usize,
}

impl Blog {
    fn new(dir: tempfile::TempDir, root: PathBuf, drafts: bool) -> Blog {
        let root = root.canonicalize().unwrap();
        let inc = Incremental::new(options(&root, drafts)).expect("initial build");
        assert_identical(&inc, "initial build");
        let html_total = inc.outputs().keys().filter(|p| p.ends_with(".html")).count();
        Blog { _dir: dir, root, inc, html_total }
    }

    fn mini(drafts: bool) -> Blog {
        let dir = common::mini_site();
        let root = dir.path().to_path_buf();
        Blog::new(dir, root, drafts)
    }

    fn example() -> Blog {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blog");
        myblog_scaffold::init(&root, false).unwrap();
        Blog::new(dir, root, true)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Writes a file and applies it; the result must be a successful, error-free change
    /// identical to a cold build.
    fn write(&mut self, rel: &str, text: &str, what: &str) -> Change {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        self.apply(&[rel], what)
    }

    fn edit(&mut self, rel: &str, what: &str, f: impl FnOnce(String) -> String) -> Change {
        let text = f(self.read(rel));
        self.write(rel, &text, what)
    }

    fn apply(&mut self, rels: &[&str], what: &str) -> Change {
        let paths: Vec<PathBuf> = rels.iter().map(|r| self.path(r)).collect();
        let change = self.inc.apply(&paths).unwrap_or_else(|e| panic!("{what}: rebuild failed: {e}"));
        assert!(change.errors.is_empty(), "{what}: errors: {:?}", change.errors);
        assert_identical(&self.inc, what);
        change
    }

    fn assert_partial(&self, change: &Change, at_most: usize, what: &str) {
        assert!(!change.full, "{what}: was a full rebuild");
        assert!(
            change.rendered <= at_most && change.rendered < self.html_total,
            "{what}: rendered {} of {} pages, expected at most {at_most}",
            change.rendered,
            self.html_total
        );
    }
}

fn replace_line(text: &str, starts: &str, with: &str) -> String {
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if !found && l.starts_with(starts) {
                found = true;
                with.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "no line starting with {starts:?} in\n{text}");
    out.join("\n") + "\n"
}

#[test]
fn mini_every_kind_of_edit_matches_a_cold_build() {
    let mut b = Blog::mini(true);

    let c = b.edit("content/posts/first.md", "body edit", |t| t.replace("The note.", "The changed note, longer now."));
    b.assert_partial(&c, 1, "body edit");
    assert!(c.changed.contains(&"posts/first/index.html".to_string()), "{c:?}");

    let c = b.edit("content/posts/first.md", "summary edit", |t| t.replace("The *first* paragraph.", "The *first* paragraph, edited."));
    b.assert_partial(&c, 8, "summary edit");

    let c = b.edit("content/posts/second.md", "title edit", |t| replace_line(&t, "title:", "title: Second, renamed"));
    b.assert_partial(&c, 10, "title edit");
    let c = b.edit("content/posts/second.md", "description edit", |t| replace_line(&t, "description:", "description: Changed & escaped"));
    b.assert_partial(&c, 10, "description edit");
    b.edit("content/posts/first.md", "template chosen in front matter", |t| t.replace("tags = [", "template = \"page.html\"\ntags = ["));

    b.edit("content/posts/first.md", "date change that reorders", |t| replace_line(&t, "date =", "date = 2026-03-01"));
    b.edit("content/posts/second.md", "tag change", |t| replace_line(&t, "tags:", "tags: [go, Notes]"));
    b.write("content/posts/third.md", "+++\ntitle = \"Third\"\ndate = 2025-09-09\ntags = [\"go\"]\n+++\nA new post.\n", "new post");
    std::fs::remove_file(b.path("content/posts/second.md")).unwrap();
    b.apply(&["content/posts/second.md"], "deleted post");
    b.edit("content/posts/draft.md", "draft flag toggled", |t| t.replace("draft = true", "draft = false"));
    b.write("content/posts/_index.md", "+++\ntitle = \"All posts\"\n+++\nThe posts section.\n", "new section");
    b.edit("content/posts/third.md", "title edit listed in a section", |t| replace_line(&t, "title =", "title = \"Third, renamed\""));
    b.edit("content/posts/third.md", "body edit listed in a section", |t| {
        t.replace("A new post.", "A new post, with a new first paragraph.")
    });
    b.edit("content/about.md", "page edit", |t| t.replace("About this", "All about this"));
    b.edit("content/_index.md", "home section edit", |t| t.replace("Welcome", "Hello"));

    let c = b.edit("themes/mini/templates/post.html", "template edit", |t| format!("{t}\n<!-- edited -->"));
    // The five posts (drafts and future posts shown), nothing else.
    b.assert_partial(&c, 5, "template edit");
    let c = b.edit("themes/mini/templates/base.html", "base template edit", |t| t.replace("<main>", "<main class=\"m\">"));
    assert!(c.rendered >= b.html_total - 1, "every page extends base.html: {c:?}");

    let c = b.edit("themes/mini/static/css/site.css", "CSS edit", |t| format!("{t}\nh1 {{ color: red; }}\n"));
    assert!(c.css.as_ref().is_some_and(|v| v.len() == 1 && v[0].starts_with("/css/site.")), "{c:?}");
    // Pages are not re-rendered for a stylesheet: its new name is substituted in them.
    assert_eq!(c.rendered, 0, "{c:?}");
    assert!(c.patched >= b.html_total - 1, "{c:?}");
    let c = b.write("themes/mini/static/img/dot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n", "image used by CSS edited");
    assert!(c.css.is_none(), "an SVG changed too: {c:?}");

    // An image referenced before it exists is an error that the new image fixes.
    std::fs::write(
        b.path("content/posts/bundle/index.md"),
        "+++\ntitle = \"Bundle\"\ndate = 2025-07-01\ntags = [\"Photos\"]\n+++\n![A dot](dot.png \"Dot\") ![Two](two.png)\n",
    )
    .unwrap();
    let err = b.inc.apply(&[b.path("content/posts/bundle/index.md")]).expect_err("missing image");
    assert!(err.to_string().contains("content/posts/bundle/index.md"), "{err}");
    std::fs::copy(b.path("content/posts/bundle/dot.png"), b.path("content/posts/bundle/two.png")).unwrap();
    b.apply(&["content/posts/bundle/two.png"], "image added");
    let c = b.write("content/posts/bundle/dot.png", "not really a png", "image replaced");
    assert!(c.changed.iter().any(|p| p.starts_with("posts/bundle/index.html")), "{c:?}");

    let c = b.edit("site.toml", "site.toml edit", |t| t.replace("Mini & Co", "Mini & Partners"));
    assert!(c.full);
}

#[test]
fn mini_errors_keep_the_last_good_site_and_recover() {
    let mut b = Blog::mini(true);
    let before = b.inc.hashes();

    // A template that does not parse: nothing changes, the error names the file.
    let good = b.read("themes/mini/templates/post.html");
    std::fs::write(b.path("themes/mini/templates/post.html"), "{% extends \"base.html\" %}{% block main %}{{ page.title }{% endblock %}")
        .unwrap();
    let err = b.inc.apply(&[b.path("themes/mini/templates/post.html")]).expect_err("broken template");
    assert!(err.to_string().contains("post.html"), "{err}");
    assert_eq!(b.inc.hashes(), before);
    b.write("themes/mini/templates/post.html", &good, "template fixed");

    // Broken front matter, then fixed.
    let good = b.read("content/posts/first.md");
    std::fs::write(b.path("content/posts/first.md"), good.replace("date = 2024-01-02", "date = 2024-13-45")).unwrap();
    let err = b.inc.apply(&[b.path("content/posts/first.md")]).expect_err("bad date");
    assert!(err.to_string().contains("content/posts/first.md:"), "{err}");
    // An unrelated edit meanwhile is held back with it.
    std::fs::write(b.path("content/about.md"), b.read("content/about.md").replace("About this", "Only this")).unwrap();
    assert!(b.inc.apply(&[b.path("content/about.md")]).is_err());
    b.write("content/posts/first.md", &good, "front matter fixed");

    // A template that parses but fails to render: reported, other pages still update,
    // the failing pages keep their last good output until fixed.
    let good = b.read("themes/mini/templates/page.html");
    std::fs::write(b.path("themes/mini/templates/page.html"), good.replace("page.title", "page.no_such_field")).unwrap();
    let c = b.inc.apply(&[b.path("themes/mini/templates/page.html")]).expect("model updated");
    assert!(!c.errors.is_empty(), "{c:?}");
    assert!(c.errors.iter().any(|d| d.path.ends_with("page.html")), "{:?}", c.errors);
    b.write("themes/mini/templates/page.html", &good, "render error fixed");
}

#[test]
fn mini_drafts_hidden_folders_and_renames() {
    let mut b = Blog::mini(false);
    let c = b.edit("content/posts/draft.md", "hidden draft edited", |t| t.replace("Not yet.", "Still not yet."));
    assert_eq!(c.rendered, 0, "{c:?}");
    b.edit("content/posts/draft.md", "draft published", |t| t.replace("draft = true", "draft = false"));
    b.edit("content/posts/draft.md", "draft hidden again", |t| t.replace("draft = false", "draft = true"));
    // A rename is a delete and a create in one change.
    std::fs::rename(b.path("content/posts/first.md"), b.path("content/posts/premier.md")).unwrap();
    b.apply(&["content/posts/first.md", "content/posts/premier.md"], "post renamed");
    // A whole bundle folder removed, then moved back in.
    let aside = b.root.join("bundle-aside");
    std::fs::rename(b.path("content/posts/bundle"), &aside).unwrap();
    b.apply(&["content/posts/bundle"], "bundle folder removed");
    std::fs::rename(&aside, b.path("content/posts/bundle")).unwrap();
    b.apply(&["content/posts/bundle"], "bundle folder moved in");
    // An event on a folder whose files did not change re-reads nothing.
    let c = b.apply(&["content/posts"], "folder event");
    assert_eq!(c.rendered, 0, "{c:?}");
    // Editor droppings change nothing.
    std::fs::write(b.path("content/posts/.first.md.swp"), "x").unwrap();
    std::fs::write(b.path("content/posts/premier.md~"), "x").unwrap();
    let c = b.apply(&["content/posts/.first.md.swp", "content/posts/premier.md~"], "swap files");
    assert_eq!(c.rendered, 0);
    assert!(c.changed.is_empty() && c.removed.is_empty(), "{c:?}");
}

#[test]
fn example_blog_every_kind_of_edit_matches_a_cold_build() {
    let mut b = Blog::example();
    let post = "content/posts/why-i-keep-a-blog.md";

    let c = b.edit(post, "body edit", |t| format!("{t}\nOne more closing paragraph.\n"));
    b.assert_partial(&c, 3, "body edit");
    // A new word: the search index changes (and is a cold build's, as everything here).
    let c = b.edit(post, "new word", |t| format!("{t}\nA quetzalcoatlus.\n"));
    assert!(c.changed.iter().any(|p| p == "search/index.json") && c.changed.iter().any(|p| p.starts_with("search/words.")), "{c:?}");
    assert!(c.removed.iter().any(|p| p.starts_with("search/words.")), "the replaced words file is gone: {c:?}");
    let c = b.edit(post, "title edit", |t| replace_line(&t, "title =", "title = \"Why I still keep a blog\""));
    b.assert_partial(&c, 12, "title edit");
    b.edit(post, "date change that reorders", |t| replace_line(&t, "date =", "date = 2025-12-31"));
    b.edit(post, "tag change", |t| replace_line(&t, "tags =", "tags = [\"workflow\", \"rust\", \"brand new\"]"));
    b.edit("content/posts/a-week-in-lofoten/index.md", "YAML title edit", |t| replace_line(&t, "title:", "title: \"Ten days in Lofoten\""));
    b.write(
        "content/posts/new-one.md",
        "+++\ntitle = \"A new one\"\ndate = 2025-03-03\ntags = [\"rust\"]\n+++\n\nFresh. ![Hills](../media/golden-hills.jpg)\n",
        "new post",
    );
    std::fs::remove_file(b.path("content/posts/night-train-to-vienna.md")).unwrap();
    b.apply(&["content/posts/night-train-to-vienna.md"], "deleted post");
    b.edit("content/posts/scanning-old-negatives.md", "draft flag toggled", |t| t.replace("draft = true", "draft = false"));

    let c = b.edit("themes/default/templates/post.html", "template edit", |t| t.replace("</article>", "</article><!-- edited -->"));
    assert!(c.rendered < b.html_total, "{c:?}");
    b.edit("themes/default/templates/partials/footer.html", "include edit", |t| t.replace("All posts", "Every post"));
    b.edit("themes/default/templates/macros.html", "macro edit", |t| t.replace("min read", "minutes"));
    let c = b.edit("themes/default/static/css/site.css", "CSS edit", |t| format!("{t}\n.edited {{ color: red; }}\n"));
    assert!(c.css.is_some() && c.rendered == 0 && c.patched > 0, "{c:?}");
    std::fs::copy(b.path("content/media/rainy-city.jpg"), b.path("content/media/rainy-city-2.jpg")).unwrap();
    b.apply(&["content/media/rainy-city-2.jpg"], "image added");
    b.edit("content/posts/new-one.md", "image referenced", |t| t.replace("Fresh.", "Fresh. ![Rain](../media/rainy-city-2.jpg)"));
    b.edit("site.toml", "site.toml edit", |t| t.replace("paginate_by = 5", "paginate_by = 3"));
    b.edit(post, "body edit after a full rebuild", |t| t.replace("Every January", "Each January"));
}

/// The example blog with a second taxonomy (paginated, with feeds) and a posts section sorted by
/// title, paginated.
fn example_with_structure() -> Blog {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    myblog_scaffold::init(&root, false).unwrap();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        format!("{toml}\n[[taxonomies]]\nname = \"tags\"\n\n[[taxonomies]]\nname = \"categories\"\nfeed = true\npaginate_by = 1\n"),
    )
    .unwrap();
    std::fs::write(root.join("content/posts/_index.md"), "+++\ntitle = \"Posts\"\nsort_by = \"title\"\npaginate_by = 3\n+++\nAll posts.\n")
        .unwrap();
    let post = root.join("content/posts/why-i-keep-a-blog.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, text.replacen("\n+++\n", "\n[taxonomies]\ncategories = [\"Essays\"]\n+++\n", 1)).unwrap();
    Blog::new(dir, root, true)
}

#[test]
fn taxonomy_terms_and_section_settings_match_a_cold_build() {
    let mut b = example_with_structure();
    assert!(b.inc.output("categories/essays/index.html").is_some() && b.inc.output("categories/essays/atom.xml").is_some());
    assert!(b.inc.output("posts/page/2/index.html").is_some());
    let post = "content/posts/error-handling-in-rust.md";
    let add_category = |t: String, c: &str| t.replacen("\n+++\n", &format!("\n[taxonomies]\ncategories = [\"{c}\"]\n+++\n"), 1);
    b.edit(post, "term added", |t| add_category(t, "Essays"));
    assert!(b.inc.output("categories/essays/page/2/index.html").is_some(), "the term is paginated by 1");
    b.edit(post, "term changed", |t| t.replace("categories = [\"Essays\"]", "categories = [\"Guides\"]"));
    b.edit(post, "body edit of a post with a term", |t| format!("{t}\nOne more paragraph.\n"));
    b.edit(post, "title edit in a section sorted by title", |t| replace_line(&t, "title =", "title = \"Aardvark errors\""));
    b.edit("content/posts/_index.md", "section sort changed", |t| t.replace("sort_by = \"title\"", "sort_by = \"date\""));
    b.edit("content/posts/_index.md", "section pagination changed", |t| t.replace("paginate_by = 3", "paginate_by = 4"));
    b.edit("content/posts/_index.md", "section pagination removed", |t| t.replace("paginate_by = 4\n", ""));
    assert!(b.inc.output("posts/page/2/index.html").is_none());
    b.edit(post, "term removed", |t| t.replace("[taxonomies]\ncategories = [\"Guides\"]\n", ""));
    assert!(b.inc.output("categories/guides/index.html").is_none());
}

/// A page that is not a post is on its terms' pages: gaining, changing and losing terms, a
/// title edit (in place) and a date (which orders it among the posts) give a cold build's bytes.
#[test]
fn a_page_gaining_and_losing_terms_matches_a_cold_build() {
    let mut b = example_with_structure();
    let about = "content/about.md";
    b.edit(about, "terms added to a page", |t| {
        t.replacen("\n+++\n", "\ntags = [\"Colophon\", \"rust\"]\n[taxonomies]\ncategories = [\"Essays\"]\n+++\n", 1)
    });
    assert!(b.inc.output("tags/colophon/index.html").is_some(), "a term only a page carries has its page");
    assert!(b.inc.output("categories/essays/page/2/index.html").is_some(), "the page joined the post's term");
    let c = b.edit(about, "title edit of a page with terms", |t| replace_line(&t, "title =", "title = \"About me\""));
    assert!(!c.full && c.changed.iter().any(|p| p == "tags/colophon/index.html"), "the term page shows the new title: {c:?}");
    b.edit(about, "a page dated", |t| t.replacen("+++\n", "+++\ndate = 2025-01-01\n", 1));
    b.edit(about, "a page's term changed", |t| t.replace("categories = [\"Essays\"]", "categories = [\"Guides\"]"));
    b.edit(about, "a page's terms removed", |t| {
        t.replace("tags = [\"Colophon\", \"rust\"]\n", "").replace("[taxonomies]\ncategories = [\"Guides\"]\n", "")
    });
    assert!(b.inc.output("tags/colophon/index.html").is_none() && b.inc.output("categories/guides/index.html").is_none());
}

#[test]
fn a_hugo_site_matches_a_cold_build_when_urls_and_terms_move() {
    let site = common::fixture("hugo-site");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    myblog_scaffold::import(&site, &root).unwrap();
    let mut b = Blog::new(dir, root, false);
    // A post takes the URL of an older one: the newest keeps it, the other moves to `-2`.
    let c = b
        .edit("content/post/spring.md", "shared URL", |t| t.replace("title: Spring", "title: Roadmap").replace("2019-03-01", "2019-04-23"));
    assert!(b.inc.output("2019/04/23/roadmap-2/index.html").is_some(), "{c:?}");
    b.edit("content/post/spring.md", "shared URL released", |t| t.replace("title: Roadmap", "title: Spring"));
    b.edit("content/post/winter.md", "category changed", |t| t.replace("categories: [travel]", "categories: [news, travel]"));
    b.edit("content/post/winter.md", "weight changed (Hugo sorts by weight)", |t| t.replace("weight: 1", "weight: 9"));
    let c = b.edit("content/post/winter.md", "body edit", |t| t.replace("Cold hands.", "Cold hands and feet."));
    assert!(!c.full, "a body edit stays incremental: {c:?}");
    b.edit("content/about.md", "a page joins a paginated term", |t| {
        t.replace("tags: [colophon]", "tags: [colophon, notes]\ncategories: [news]")
    });
    b.edit("content/about.md", "a page leaves its terms", |t| t.replace("tags: [colophon, notes]\ncategories: [news]\n", ""));
    assert!(b.inc.output("tags/colophon/index.html").is_none());
    b.edit("content/_index.md", "the home's terms changed (Hugo lists a section on its terms)", |t| {
        t.replace("tags: [welcome]", "tags: [notes]")
    });
    assert!(b.inc.output("tags/welcome/index.html").is_none());
    b.edit("content/_index.md", "the home's title edited", |t| t.replace("title: Field Notes", "title: Field Notes, again"));
    b.write("content/notes/first.md", "---\ntitle: A note\n---\nA page in a new folder.\n", "new folder: an implied section");
    assert!(b.inc.output("notes/index.html").is_some());
}
