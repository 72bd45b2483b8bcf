//! What a shared link shows and what search engines read: every page of the example blog has
//! OpenGraph and Twitter card meta (title, description or summary, canonical URL, an image
//! that is really published), and every post a JSON-LD `BlogPosting` that parses and agrees
//! with the page. Checked by parsing the built pages, as a crawler would.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// `property`/`name` → `content` of every `<meta>` in `html` (entities decoded).
fn metas(html: &str) -> BTreeMap<String, Vec<String>> {
    let re = regex::Regex::new(r#"<meta (?:property|name)="([^"]+)" content="([^"]*)">"#).unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in re.captures_iter(html) {
        out.entry(c[1].to_string()).or_default().push(c[2].replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'"));
    }
    out
}

fn one<'a>(m: &'a BTreeMap<String, Vec<String>>, key: &str, page: &str) -> &'a str {
    let v = m.get(key).unwrap_or_else(|| panic!("{page}: no {key}"));
    assert_eq!(v.len(), 1, "{page}: {key} {v:?}");
    &v[0]
}

fn json_ld(html: &str) -> Option<serde_json::Value> {
    let start = html.find("<script type=\"application/ld+json\">")? + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").expect("end of JSON-LD");
    Some(serde_json::from_str(&html[start..end]).unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}): {}", &html[start..end])))
}

/// The published file an absolute URL of the site names.
fn published(public: &Path, url: &str) -> std::path::PathBuf {
    let path = url.strip_prefix("https://blog.example.com/").unwrap_or_else(|| panic!("{url} is not on the site"));
    public.join(path)
}

#[test]
fn every_page_has_a_preview_card_and_every_post_its_structured_data() {
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let public = root.join("public");
    let mut posts = 0;
    for file in html_files(&public) {
        let html = std::fs::read_to_string(&file).unwrap();
        let page = file.strip_prefix(&public).unwrap().display().to_string();
        if html.contains("http-equiv=\"refresh\"") || page == "404.html" {
            continue; // an alias redirect or the 404 page: never shared, never indexed
        }
        let m = metas(&html);
        assert!(!one(&m, "og:title", &page).is_empty(), "{page}");
        assert!(!one(&m, "og:description", &page).is_empty(), "{page}");
        let canonical = regex::Regex::new(r#"<link rel="canonical" href="([^"]+)">"#).unwrap();
        let canonical = &canonical.captures(&html).unwrap_or_else(|| panic!("{page}: no canonical"))[1];
        assert_eq!(one(&m, "og:url", &page), canonical, "{page}");
        let image = one(&m, "og:image", &page);
        assert!(published(&public, image).is_file(), "{page}: og:image {image} is not published");
        let card = one(&m, "twitter:card", &page);
        assert!(card == "summary" || card == "summary_large_image", "{page}: {card}");
        if one(&m, "og:type", &page) != "article" {
            assert!(json_ld(&html).is_none(), "{page}: structured data on a list page");
            continue;
        }
        posts += 1;
        let ld = json_ld(&html).unwrap_or_else(|| panic!("{page}: no JSON-LD"));
        assert_eq!(ld["@context"], "https://schema.org", "{page}");
        assert_eq!(ld["@type"], "BlogPosting", "{page}");
        assert_eq!(ld["headline"], one(&m, "og:title", &page), "{page}");
        assert_eq!(ld["url"], canonical, "{page}");
        assert_eq!(ld["author"]["name"], "Alex Rivera", "{page}");
        let published_at = ld["datePublished"].as_str().unwrap_or_else(|| panic!("{page}: no datePublished"));
        assert_eq!(Some(published_at), m.get("article:published_time").map(|v| v[0].as_str()), "{page}");
        assert!(ld["dateModified"].is_string(), "{page}");
    }
    assert!(posts >= 10, "only {posts} posts checked");

    // A post with photos: its first photo is the card's picture, shown large.
    let lofoten = std::fs::read_to_string(public.join("posts/a-week-in-lofoten/index.html")).unwrap();
    let m = metas(&lofoten);
    let image = one(&m, "og:image", "lofoten");
    assert!(image.contains("/posts/a-week-in-lofoten/") && image.ends_with(".jpg"), "{image}");
    assert_eq!(one(&m, "twitter:card", "lofoten"), "summary_large_image");
    assert_eq!(json_ld(&lofoten).unwrap()["image"][0], image);
    // Its description is the front matter's; a post without one is described by its summary.
    assert!(one(&m, "og:description", "lofoten").starts_with("Seven days of midnight sun"));
    // A page without a picture of its own shows the site's.
    let home = metas(&std::fs::read_to_string(public.join("index.html")).unwrap());
    assert!(one(&home, "og:image", "home").contains("apple-touch-icon."), "{home:?}");
    assert_eq!(one(&home, "twitter:card", "home"), "summary");
}

#[test]
fn a_summary_describes_a_post_without_a_description_and_extra_image_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    assert!(run(myblog().arg("init").arg(&root).arg("--bare")).status.success());
    std::fs::write(
        root.join("content/posts/plain.md"),
        "+++\ntitle = \"Plain\"\ndate = 2024-01-01\n+++\nFirst words & <em>more</em> of a post \"quoted\".\n\nSecond paragraph.\n",
    )
    .unwrap();
    build_ok(&root);
    let html = std::fs::read_to_string(root.join("public/posts/plain/index.html")).unwrap();
    let m = metas(&html);
    assert_eq!(one(&m, "og:description", "plain"), "First words & more of a post “quoted”.");
    assert_eq!(one(&m, "description", "plain"), "First words & more of a post “quoted”.");
    assert_eq!(json_ld(&html).unwrap()["description"], "First words & more of a post “quoted”.");

    std::fs::write(
        root.join("content/posts/card.md"),
        "+++\ntitle = \"Card\"\ndate = 2024-01-02\n[extra]\nimage = \"card-missing.png\"\n+++\nText.\n",
    )
    .unwrap();
    let out = build(&root);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/card.md") && err.contains("card-missing.png"), "{err}");
    assert!(root.join("public/posts/plain/index.html").is_file(), "a failed build keeps the previous site");
}
