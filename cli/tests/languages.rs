//! A blog in three languages (English at /, French at /fr/, Arabic at /ar/ right to left),
//! built as a user builds it: each language's tree, its words, its links and the alternates
//! between translations.

mod common;

use common::*;
use std::fs;
use std::path::Path;

/// The multilingual fixture with the repository's default theme.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("multilingual"), dir.path());
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default"), &dir.path().join("themes/default"));
    dir
}

fn read(root: &Path, p: &str) -> String {
    fs::read_to_string(root.join("public").join(p)).unwrap_or_else(|e| panic!("public/{p}: {e}"))
}

/// `<link rel="alternate" hreflang=...>` of a page, as (hreflang, href).
fn alternates(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tag in html.split('<').filter(|t| t.starts_with("link ") && t.contains("hreflang=")) {
        let attr = |name: &str| tag.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_string();
        out.push((attr("hreflang"), attr("href")));
    }
    out.sort();
    out
}

#[test]
fn each_language_has_its_own_tree_words_and_direction() {
    let s = site();
    build_ok(s.path());
    let urls = url_paths(&s.path().join("public"), &["html", "xml"]);
    for u in [
        "/",
        "/posts/hello/",
        "/fr/",
        "/fr/posts/",
        "/fr/posts/hello/",
        "/fr/about/",
        "/fr/tags/voyage/",
        "/ar/",
        "/ar/posts/hello/",
        "/fr/atom.xml",
        "/ar/rss.xml",
        "/sitemap.xml",
    ] {
        assert!(urls.contains(u), "{u} missing from {urls:?}");
    }
    assert!(!urls.contains("/fr/posts/only-english/"), "a page is published only in the languages it is written in");
    assert!(!urls.contains("/fr/sitemap.xml") && !urls.contains("/fr/robots.txt"), "one sitemap for the site");
    let fr = read(s.path(), "fr/posts/hello/index.html");
    assert!(fr.contains("<html lang=\"fr\" dir=\"ltr\">"), "{fr}");
    assert!(fr.contains("Aller au contenu"), "the theme's words in French");
    assert!(fr.contains("<title>Bonjour · Carnet de terrain</title>") || fr.contains("Carnet de terrain"), "the language's title");
    // Dates in the language's words and order.
    assert!(fr.contains(">10 janvier 2026</time>"), "{fr}");
    let ar = read(s.path(), "ar/posts/hello/index.html");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "right to left");
    assert!(ar.contains("انتقل إلى المحتوى"));
    let en = read(s.path(), "posts/hello/index.html");
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">") && en.contains("Skip to content"));
    assert!(en.contains(">January 10, 2026</time>"), "{en}");
    // The site's override of one theme string.
    let fr_home = read(s.path(), "fr/index.html");
    assert!(fr_home.contains("Carnet de terrain"), "{fr_home}");
    for f in html_files(&s.path().join("public")) {
        check_html(&fs::read_to_string(&f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}

#[test]
fn translations_link_each_other_with_alternates_and_the_switcher() {
    let s = site();
    build_ok(s.path());
    let base = "https://blog.example.com";
    let want: Vec<(String, String)> = vec![
        ("ar".into(), format!("{base}/ar/posts/hello/")),
        ("en".into(), format!("{base}/posts/hello/")),
        ("fr".into(), format!("{base}/fr/posts/hello/")),
        ("x-default".into(), format!("{base}/posts/hello/")),
    ];
    for page in ["posts/hello/index.html", "fr/posts/hello/index.html", "ar/posts/hello/index.html"] {
        assert_eq!(alternates(&read(s.path(), page)), want, "{page}");
    }
    assert!(alternates(&read(s.path(), "posts/only-english/index.html")).is_empty(), "no translation, no alternates");
    // A list page too: the posts section is written in English and French.
    let lists: Vec<(String, String)> = vec![
        ("en".into(), format!("{base}/posts/")),
        ("fr".into(), format!("{base}/fr/posts/")),
        ("x-default".into(), format!("{base}/posts/")),
    ];
    for page in ["posts/index.html", "fr/posts/index.html"] {
        assert_eq!(alternates(&read(s.path(), page)), lists, "{page}");
    }
    // The switcher: each language's version of the page, else its home.
    let fr = read(s.path(), "fr/posts/hello/index.html");
    assert!(fr.contains("href=\"/ar/posts/hello/\" hreflang=\"ar\""), "{fr}");
    let only = read(s.path(), "posts/only-english/index.html");
    assert!(only.contains("href=\"/fr/\" hreflang=\"fr\""), "{only}");
}

#[test]
fn links_stay_in_the_pages_language() {
    let s = site();
    build_ok(s.path());
    let fr = read(s.path(), "fr/about/index.html");
    // `@/posts/hello.md` from a French page is the French post; `../posts/` is French too.
    assert!(fr.contains("href=\"/fr/posts/hello/\""), "{fr}");
    assert!(fr.contains("href=\"/fr/posts/\""), "{fr}");
    let en = read(s.path(), "about/index.html");
    assert!(en.contains("href=\"/fr/about/\""), "an explicit link to a translation is kept: {en}");
    let hello = read(s.path(), "posts/hello/index.html");
    assert!(hello.contains("href=\"/about/\""), "{hello}");
}

#[test]
fn the_sitemap_lists_every_language() {
    let s = site();
    build_ok(s.path());
    let map = read(s.path(), "sitemap.xml");
    for u in ["https://blog.example.com/posts/hello/", "https://blog.example.com/fr/posts/hello/", "https://blog.example.com/ar/"] {
        assert!(map.contains(&format!("<loc>{u}</loc>")), "{u} not in the sitemap");
    }
    // Each translated page lists every version and x-default; a page in one language none.
    let fr_hello = &map[map.find("<loc>https://blog.example.com/fr/posts/hello/</loc>").unwrap()..];
    let fr_hello = &fr_hello[..fr_hello.find("</url>").unwrap()];
    for (lang, href) in [
        ("en", "https://blog.example.com/posts/hello/"),
        ("fr", "https://blog.example.com/fr/posts/hello/"),
        ("ar", "https://blog.example.com/ar/posts/hello/"),
        ("x-default", "https://blog.example.com/posts/hello/"),
    ] {
        assert!(fr_hello.contains(&format!("<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{href}\"/>")), "{fr_hello}");
    }
    let only = &map[map.find("<loc>https://blog.example.com/posts/only-english/</loc>").unwrap()..];
    assert!(!only[..only.find("</url>").unwrap()].contains("xhtml:link"), "{only}");
    let feed = read(s.path(), "fr/atom.xml");
    assert!(feed.contains("Bonjour") && !feed.contains("Only in English"), "a language's feed has its posts only");
}

#[test]
fn a_missing_string_names_the_language_and_key() {
    let s = site();
    let toml = fs::read_to_string(s.path().join("site.toml")).unwrap();
    fs::write(s.path().join("site.toml"), format!("{toml}\n[languages.ca]\nname = \"Català\"\n")).unwrap();
    fs::write(s.path().join("content/posts/hello.ca.md"), "+++\ntitle = \"Hola\"\ndate = 2026-01-10\n+++\nHola.\n").unwrap();
    let out = build(s.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no string") && err.contains("\"ca\"") && err.contains("themes/default/i18n/ca.toml"), "{err}");
    assert!(!s.path().join("public/ca").exists(), "nothing written");
    // Told to, the default language's words stand in.
    fs::write(s.path().join("site.toml"), format!("strings_fallback = true\n{toml}\n[languages.ca]\nname = \"Català\"\n")).unwrap();
    build_ok(s.path());
    assert!(read(s.path(), "ca/posts/hello/index.html").contains("Skip to content"));
}

#[test]
fn the_default_language_may_live_in_its_own_folder() {
    let s = site();
    let toml = fs::read_to_string(s.path().join("site.toml")).unwrap();
    fs::write(s.path().join("site.toml"), format!("default_language_in_subdir = true\n{toml}")).unwrap();
    build_ok(s.path());
    let root = read(s.path(), "index.html");
    assert!(root.contains("https://blog.example.com/en/"), "/ sends readers to /en/: {root}");
    assert!(s.path().join("public/en/posts/hello/index.html").is_file());
    assert!(!s.path().join("public/posts/hello/index.html").exists());
}

#[test]
fn serve_keeps_a_multilingual_site_identical_to_a_cold_build() {
    let s = site();
    let opts = myblog_build::BuildOptions::from_args(Some(s.path()), None, false, None).unwrap();
    let mut inc = myblog_build::Incremental::new(opts.clone()).unwrap();
    let cold = |root: &Path| {
        let o = myblog_build::BuildOptions::from_args(Some(root), None, false, None).unwrap();
        myblog_build::render_site(&o)
            .unwrap()
            .outputs
            .iter()
            .map(|o| (o.path.clone(), o.blake3.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    // Edit a translation, add a language's file, delete one.
    let fr = s.path().join("content/posts/hello.fr.md");
    fs::write(&fr, fs::read_to_string(&fr).unwrap().replace("Bonjour", "Salut")).unwrap();
    inc.apply(&[fr.clone()]).unwrap();
    assert_eq!(inc.hashes(), cold(s.path()), "after editing a translation");
    let new = s.path().join("content/posts/only-english.fr.md");
    fs::write(&new, "+++\ntitle = \"Seulement\"\ndate = 2026-01-12\n+++\nTraduit.\n").unwrap();
    inc.apply(&[new.clone()]).unwrap();
    assert_eq!(inc.hashes(), cold(s.path()), "after adding one");
    assert!(inc.outputs().contains_key("fr/posts/only-english/index.html"));
    fs::remove_file(&fr).unwrap();
    inc.apply(&[fr]).unwrap();
    assert_eq!(inc.hashes(), cold(s.path()), "after deleting one");
    assert!(!inc.outputs().contains_key("fr/posts/hello/index.html"));
}

#[test]
fn serve_follows_an_edit_of_the_themes_words() {
    let s = site();
    // One language: the incremental path, not the whole rebuild of a multilingual site.
    let toml = fs::read_to_string(s.path().join("site.toml")).unwrap();
    fs::write(s.path().join("site.toml"), toml.split("[languages.fr]").next().unwrap()).unwrap();
    for f in ["about.fr.md", "posts/_index.fr.md", "posts/hello.fr.md", "posts/hello.ar.md"] {
        fs::remove_file(s.path().join("content").join(f)).unwrap();
    }
    fs::write(s.path().join("content/about.md"), "+++\ntitle = \"About\"\n+++\nWho writes here.\n").unwrap();
    let opts = myblog_build::BuildOptions::from_args(Some(s.path()), None, false, None).unwrap();
    let mut inc = myblog_build::Incremental::new(opts.clone()).unwrap();
    let en = s.path().join("themes/default/i18n/en.toml");
    fs::write(&en, fs::read_to_string(&en).unwrap().replace("\"Skip to content\"", "\"Skip ahead\"")).unwrap();
    inc.apply(&[en]).unwrap();
    let cold = myblog_build::render_site(&opts).unwrap();
    let cold: std::collections::BTreeMap<String, String> = cold.outputs.iter().map(|o| (o.path.clone(), o.blake3.clone())).collect();
    assert_eq!(inc.hashes(), cold);
    let page = inc.output("posts/hello/index.html").unwrap();
    assert!(String::from_utf8_lossy(&page.bytes().unwrap()).contains("Skip ahead"));
}

/// The subscribe form of each language's pages sends that language and carries its words for
/// js/subscribe.js; the manifest says which posts are in a language other than the default
/// (the fan-out emails them only to that language's subscribers).
#[test]
fn the_subscribe_form_and_the_manifest_carry_the_pages_language() {
    let s = site();
    build_ok(s.path());
    for (page, lang, success) in [
        ("posts/hello/index.html", "en", "Check your inbox to confirm your subscription."),
        ("fr/posts/hello/index.html", "fr", "Vérifiez votre boîte de réception pour confirmer votre abonnement."),
        ("ar/posts/hello/index.html", "ar", "تفقّد بريدك الوارد لتأكيد اشتراكك."),
    ] {
        let html = read(s.path(), page);
        assert!(html.contains(&format!("<input type=\"hidden\" name=\"lang\" value=\"{lang}\">")), "{page}: {html}");
        assert!(html.contains(&format!("data-msg-success=\"{success}\"")), "{page}: {html}");
        for key in ["sending", "invalid", "too-many", "client", "server", "network"] {
            assert!(html.contains(&format!("data-msg-{key}=\"")), "{page}: data-msg-{key} missing");
        }
    }
    let manifest: serde_json::Value = serde_json::from_str(&read(s.path(), ".myblog/manifest.json")).unwrap();
    let langs: std::collections::BTreeMap<String, Option<String>> = manifest["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap().to_string(), p.get("lang").and_then(|l| l.as_str()).map(str::to_string)))
        .collect();
    assert_eq!(langs.get("/posts/hello/"), Some(&None), "the default language's posts carry no lang: {langs:?}");
    assert_eq!(langs.get("/fr/posts/hello/"), Some(&Some("fr".to_string())), "{langs:?}");
    assert_eq!(langs.get("/ar/posts/hello/"), Some(&Some("ar".to_string())), "{langs:?}");
}

/// A single-language site's form and manifest are as they were: no language field, no
/// data-msg-* attributes, no `lang` on posts.
#[test]
fn a_single_language_site_sends_no_language() {
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let home = read(&root, "index.html");
    assert!(home.contains("<form class=\"subscribe\" method=\"post\" action=\"/api/subscribe\">"), "{home}");
    assert!(!home.contains("name=\"lang\"") && !home.contains("data-msg-"), "{home}");
    let manifest = read(&root, ".myblog/manifest.json");
    assert!(manifest.contains("\"posts\"") && !manifest.contains("\"lang\""), "{manifest}");
}
