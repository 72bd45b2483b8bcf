//! What readers get, checked on built sites as a user builds them: pages an HTML5 parser
//! accepts without a single error, photos without location or device metadata, valid feeds
//! and sitemaps, and the defects found on real blogs (base paths, hidden folders, tags).

mod common;
mod serve_support;

use common::*;
use html5ever::tendril::TendrilSink;
use std::path::{Path, PathBuf};

/// Every parse error html5ever (a browser-grade parser) reports for a page.
fn html5_errors(html: &str) -> Vec<String> {
    let opts = html5ever::ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts { exact_errors: true, ..Default::default() },
        tree_builder: html5ever::tree_builder::TreeBuilderOpts { exact_errors: true, ..Default::default() },
    };
    let dom = html5ever::parse_document(markup5ever_rcdom::RcDom::default(), opts).from_utf8().one(html.as_bytes());
    let errors = dom.errors.borrow();
    errors.iter().map(|e| e.to_string()).collect()
}

/// The example blog made by `init`, with the nasty fixture's posts added: posts opening with
/// blockquotes, lists, tables, code, raw HTML, footnotes and headings, unicode everywhere, files
/// with `?` and spaces in their names, and folders that must not be published.
fn nasty_site() -> (tempfile::TempDir, PathBuf) {
    let dir = example_site();
    let root = dir.path().join("blog");
    copy_dir(&fixture("nasty"), &root);
    let media = root.join("content/media");
    std::fs::copy(media.join("alpine-dawn.jpg"), media.join("what?.jpg")).unwrap();
    std::fs::copy(media.join("alpine-dawn.jpg"), media.join("my photo.jpg")).unwrap();
    // Git refuses to store a `.git` folder, so the fixture's is made here.
    std::fs::create_dir_all(root.join("content/notes/.git")).unwrap();
    std::fs::write(root.join("content/notes/.git/config"), "[core]\n").unwrap();
    (dir, root)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_page_parses_as_html5_without_an_error() {
    let (_example, example) = {
        let d = example_site();
        let r = d.path().join("blog");
        (d, r)
    };
    let (_nasty, nasty) = nasty_site();
    for root in [example, nasty] {
        build_ok(&root);
        let pages = html_files(&root.join("public"));
        assert!(pages.len() >= 20, "{} pages", pages.len());
        let mut problems = Vec::new();
        for page in &pages {
            let text = read(page);
            let errors = html5_errors(&text);
            if !errors.is_empty() {
                problems.push(format!("{}: {}", page.display(), errors.join("; ")));
            }
            // Also: every element closed in order, and ids unique on the page (two summaries
            // with the same footnote or heading must not repeat an id).
            if let Err(e) = check_html(&text) {
                problems.push(format!("{}: {e}", page.display()));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let out = run(myblog().arg("check").arg("--root").arg(&root));
        assert!(out.status.success(), "check found broken links:\n{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn summaries_on_list_pages_are_whole_blocks_without_footnote_links() {
    let (_d, root) = nasty_site();
    build_ok(&root);
    let home = read(&root.join("public/index.html"));
    // The quote's summary is the whole quote (both paragraphs), closed.
    let quote = home.find("The first paragraph of a quote").expect("the quote post is on the home page");
    let rest = &home[quote..];
    assert!(rest.find("And a second paragraph").unwrap() < rest.find("</blockquote>").unwrap(), "{rest}");
    // No list page links to footnotes it does not have.
    for page in ["public/index.html", "public/tags/quotes/index.html", "public/posts/index.html"] {
        let text = read(&root.join(page));
        assert!(!text.contains("href=\"#fn-"), "{page} links to a footnote it lacks");
        assert!(!text.contains("id=\"fnref-"), "{page} carries a footnote back-reference id");
    }
    // The post itself keeps its footnotes.
    let post = read(&root.join("public/posts/quote-first/index.html"));
    assert!(post.contains("href=\"#fn-1\"") && post.contains("id=\"fn-1\""), "{post}");
}

#[test]
fn asset_urls_are_percent_encoded_and_raw_html_references_rewritten() {
    let (_d, root) = nasty_site();
    build_ok(&root);
    let post = read(&root.join("public/posts/unicode/index.html"));
    assert!(post.contains("src=\"/media/what%3F."), "{post}");
    assert!(post.contains("src=\"/media/my%20photo."), "{post}");
    assert!(post.contains(" /thumbs/my%20photo.") && post.contains(" /thumbs/what%3F."), "srcset names must be encoded too:\n{post}");
    assert!(!post.contains("my photo."), "an unencoded space in a URL:\n{post}");
    let html = read(&root.join("public/posts/html-first/index.html"));
    assert!(!html.contains("src=\"../media/"), "raw HTML image not rewritten:\n{html}");
    assert!(html.contains("<img src=\"/media/alpine-dawn."), "{html}");
    assert!(html.contains("<a href=\"/media/alpine-dawn."), "{html}");
    assert!(html.contains("<img src=\"/media/my%20photo."), "{html}");
    // A raw HTML reference to a missing file is an error, like a markdown image.
    std::fs::write(
        root.join("content/posts/html-first.md"),
        "+++\ntitle = \"x\"\ndate = 2026-11-05\n+++\nText\n\n<video poster=\"nope.jpg\"></video>\n",
    )
    .unwrap();
    let out = build(&root);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/html-first.md:7:") && err.contains("poster=\"nope.jpg\""), "{err}");
}

#[test]
fn hidden_folders_are_not_published_but_well_known_is() {
    let (_d, root) = nasty_site();
    build_ok(&root);
    let manifest = read(&root.join("public/.myblog/manifest.json"));
    assert!(!manifest.contains("workspace"), "content/.obsidian was published");
    assert!(!manifest.contains(".git/") && !manifest.contains("notes/"), "a .git folder was published");
    assert!(!root.join("public/.obsidian").exists() && !root.join("public/notes").exists());
    assert!(manifest.contains("\".well-known/security."), ".well-known must stay published");
}

#[test]
fn base_path_appears_once_in_the_menu() {
    let dir = example_site();
    let root = dir.path().join("blog");
    let out = run(myblog().arg("build").arg("--root").arg(&root).arg("--base-url").arg("https://x.org/blog"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let home = read(&root.join("public/index.html"));
    assert!(home.contains("href=\"/blog/archive/\""), "{home}");
    assert!(home.contains("href=\"/blog/about/\""), "{home}");
    assert!(!home.contains("/blog/blog/"), "base path doubled:\n{home}");
    let archive = read(&root.join("public/archive/index.html"));
    assert!(archive.contains("href=\"/blog/archive/\" aria-current=\"page\""), "{archive}");
}

#[test]
fn tags_that_make_the_same_url_are_an_error_naming_both() {
    let dir = mini_site();
    std::fs::write(dir.path().join("content/posts/c.md"), "+++\ntitle = \"C\"\ndate = 2024-01-02\ntags = [\"C\"]\n+++\nC.\n").unwrap();
    std::fs::write(dir.path().join("content/posts/cpp.md"), "+++\ntitle = \"C++\"\ndate = 2024-01-03\ntags = [\"C++\"]\n+++\nC++.\n")
        .unwrap();
    let out = build(dir.path());
    assert!(!out.status.success(), "C and C++ silently merged");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/cpp.md:1") && err.contains("\"C++\"") && err.contains("\"C\" (in content/posts/c.md)"), "{err}");
}

#[test]
fn the_home_page_does_not_get_every_post_of_the_home_section() {
    let dir = mini_site();
    std::fs::write(
        dir.path().join("themes/mini/templates/index.html"),
        "{% extends \"base.html\" %}{% block main %}<p>{{ section.title }}</p><p>{% if section.pages %}listed{% else %}unlisted{% endif %}</p>{% endblock %}",
    )
    .unwrap();
    build_ok(dir.path());
    let home = read(&dir.path().join("public/index.html"));
    assert!(
        home.contains("<p>Home</p>") && home.contains("unlisted"),
        "the home page's section must not list every post (use paginator.pages):\n{home}"
    );
}

// --- photos ----------------------------------------------------------------------------------

/// A real JPEG (encoded by the image crate) with a camera's EXIF: serial number, orientation 6
/// (rotated 90°), a GPS position; plus XMP with a location.
fn phone_photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img).unwrap();
    let serial = b"SERIAL-4711-CAMERA\0";
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let ifd0_len = 2 + 3 * 12 + 4;
    let serial_at = 8 + ifd0_len;
    let gps_at = serial_at + serial.len() + 1;
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&[0x0F, 0x01, 2, 0]);
    tiff.extend_from_slice(&(serial.len() as u32).to_le_bytes());
    tiff.extend_from_slice(&(serial_at as u32).to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&(gps_at as u32).to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(serial);
    tiff.push(0);
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let exif = [b"Exif\0\0".as_slice(), &tiff].concat();
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>59,55N</exif:GPSLatitude></x:xmpmeta>".to_vec();
    let mut out = jpeg[..2].to_vec();
    for (marker, payload) in [(0xE1u8, exif), (0xE1, xmp)] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn orientation(jpeg: &[u8]) -> image::metadata::Orientation {
    use image::ImageDecoder;
    let mut d = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg)).unwrap();
    d.orientation().unwrap()
}

fn published(root: &Path, prefix: &str) -> (String, Vec<u8>) {
    let manifest: serde_json::Value = serde_json::from_str(&read(&root.join("public/.myblog/manifest.json"))).unwrap();
    let f = manifest["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().starts_with(prefix)).expect(prefix);
    let path = f["path"].as_str().unwrap().to_string();
    let bytes = std::fs::read(root.join("public").join(&path)).unwrap();
    assert_eq!(f["blake3"].as_str().unwrap(), blake3::hash(&bytes).to_hex().as_str(), "manifest hash of {path}");
    (path, bytes)
}

#[test]
fn published_photos_carry_no_location_or_device_metadata() {
    let dir = mini_site();
    let root = dir.path();
    let photo = phone_photo();
    assert_eq!(orientation(&photo), image::metadata::Orientation::Rotate90);
    std::fs::create_dir_all(root.join("content/media")).unwrap();
    std::fs::write(root.join("content/media/phone.jpg"), &photo).unwrap();
    // A photo next to a post is published too, and stripped the same way.
    std::fs::write(root.join("content/posts/bundle/phone.jpg"), &photo).unwrap();
    let out = run(myblog().arg("build").arg("--root").arg(root).arg("--thumbnails").arg("local"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for prefix in ["media/phone.", "posts/bundle/phone."] {
        let (path, bytes) = published(root, prefix);
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"SERIAL-4711"), "{path} still carries the camera serial");
        assert!(!has(b"GPSLatitude") && !has(b"xmpmeta"), "{path} still carries XMP");
        assert!(bytes.len() < photo.len());
        // The name is the hash of the bytes published.
        assert!(path.contains(&blake3::hash(&bytes).to_hex()[..10]), "{path}");
        // Still the same picture, still shown upright.
        assert_eq!(orientation(&bytes), image::metadata::Orientation::Rotate90, "{path} lost its orientation");
        let a = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let b = image::load_from_memory(&photo).unwrap().to_rgb8();
        assert_eq!(a.as_raw(), b.as_raw(), "{path}: pixels changed");
    }
    // A photo without metadata is published byte for byte (the example's dot.png).
    let (_, dot) = published(root, "posts/bundle/dot.");
    assert_eq!(dot, std::fs::read(root.join("content/posts/bundle/dot.png")).unwrap());

    // Opting out publishes the original as it is.
    let toml = read(&root.join("site.toml"));
    std::fs::write(root.join("site.toml"), format!("{toml}\n[build]\nstrip_photo_metadata = false\n")).unwrap();
    build_ok(root);
    let (_, bytes) = published(root, "media/phone.");
    assert_eq!(bytes, photo);
}

#[test]
fn serve_shows_photos_as_the_build_publishes_them() {
    let (_d, root) = serve_support::example_blog();
    std::fs::write(root.join("content/media/phone.jpg"), phone_photo()).unwrap();
    std::fs::write(root.join("content/photo-page.md"), "+++\ntitle = \"Photo\"\n+++\n![Phone](/media/phone.jpg)\n").unwrap();
    let s = serve_support::Server::start(&root, &[]);
    let page = s.get("/photo-page/");
    let src = page.body.split("src=\"").map(|h| h.split('"').next().unwrap()).find(|h| h.starts_with("/media/phone.")).expect("the photo");
    let mut reply = serve_support::agent().get(&s.url(src)).call().unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let bytes = reply.body_mut().read_to_vec().unwrap();
    assert!(!bytes.windows(11).any(|w| w == b"SERIAL-4711"), "serve shows the camera serial");
    assert!(src.contains(&blake3::hash(&bytes).to_hex()[..10]), "{src} is not the hash of what is served");
    assert_eq!(orientation(&bytes), image::metadata::Orientation::Rotate90);
}

#[test]
fn a_photo_that_cannot_be_stripped_is_a_clear_error() {
    let dir = mini_site();
    let mut photo = phone_photo();
    photo.truncate(photo.len() / 2);
    std::fs::write(dir.path().join("content/posts/bundle/broken.jpg"), &photo).unwrap();
    let out = build(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/posts/bundle/broken.jpg") && err.contains("strip_photo_metadata = false"), "{err}");
}

// --- feeds and sitemap -----------------------------------------------------------------------

/// Element paths (`feed/entry/id`) with how often each occurs, from a document quick-xml
/// parses as well-formed XML (it fails on mismatched tags).
fn xml_paths(xml: &str) -> std::collections::BTreeMap<String, usize> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = std::collections::BTreeMap::new();
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}")) {
            Event::Start(e) => {
                stack.push(e.name().0.to_string());
                *out.entry(stack.join("/")).or_insert(0) += 1;
            }
            Event::Empty(e) => {
                let name = e.name().0.to_string();
                *out.entry(format!("{}/{name}", stack.join("/"))).or_insert(0) += 1;
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    out
}

fn text_of<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    xml.match_indices(&open).map(|(i, _)| &xml[i + open.len()..i + open.len() + xml[i + open.len()..].find('<').unwrap()]).collect()
}

#[test]
fn feeds_have_every_required_element_and_absolute_urls() {
    let (_d, root) = nasty_site();
    // Without [author], the Atom feed must still name one (RFC 4287 §4.1.1).
    let toml = read(&root.join("site.toml"));
    let without_author: String = toml.replace("[author]\nname = \"Alex Rivera\"\nemail = \"alex@example.com\"\n", "");
    assert_ne!(toml, without_author, "the example's [author] block moved: update this test");
    std::fs::write(root.join("site.toml"), without_author).unwrap();
    build_ok(&root);
    let atom = read(&root.join("public/atom.xml"));
    let paths = xml_paths(&atom);
    for required in ["feed/title", "feed/id", "feed/updated", "feed/author/name"] {
        assert_eq!(paths.get(required), Some(&1), "atom.xml lacks {required}:\n{atom}");
    }
    let entries = paths["feed/entry"];
    assert!(entries >= 8);
    for required in ["feed/entry/id", "feed/entry/title", "feed/entry/updated", "feed/entry/content", "feed/entry/link"] {
        assert_eq!(paths.get(required), Some(&entries), "not every entry has {required}");
    }
    assert!(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\" xml:base=\"https://blog.example.com/\">"), "{atom}");
    assert!(atom.contains("<entry xml:base=\"https://blog.example.com/posts/quote-first/\">"), "{atom}");
    // In-page anchors point into the post, not at the feed.
    assert!(atom.contains("href=&quot;https://blog.example.com/posts/quote-first/#fn-1&quot;"), "{atom}");
    for id in text_of(&atom, "id") {
        assert!(id.starts_with("https://"), "relative id {id}");
    }
    let rss = read(&root.join("public/rss.xml"));
    let paths = xml_paths(&rss);
    for required in ["rss/channel/title", "rss/channel/link", "rss/channel/description"] {
        assert_eq!(paths.get(required), Some(&1), "rss.xml lacks {required}");
    }
    let items = paths["rss/channel/item"];
    for required in ["rss/channel/item/title", "rss/channel/item/link", "rss/channel/item/guid", "rss/channel/item/pubDate"] {
        assert_eq!(paths.get(required), Some(&items), "not every item has {required}");
    }
    assert!(!rss.contains("href=&quot;/") && !rss.contains("src=&quot;/") && !rss.contains("href=&quot;#"), "relative URL in rss.xml");
}

#[test]
fn a_blog_without_posts_has_a_truthful_feed_date() {
    let dir = mini_site();
    for p in ["first", "second", "draft", "future"] {
        std::fs::remove_file(dir.path().join(format!("content/posts/{p}.md"))).unwrap();
    }
    std::fs::remove_dir_all(dir.path().join("content/posts/bundle")).unwrap();
    build_ok(dir.path());
    let atom = read(&dir.path().join("public/atom.xml"));
    let updated = text_of(&atom, "updated");
    assert_eq!(updated.len(), 1, "{atom}");
    assert!(!updated[0].starts_with("1970"), "{atom}");
    xml_paths(&atom);
}

#[test]
fn sitemap_lists_indexable_pages_only_with_absolute_urls() {
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let sitemap = read(&root.join("public/sitemap.xml"));
    let paths = xml_paths(&sitemap);
    assert!(sitemap.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let urls = paths["urlset/url"];
    assert_eq!(paths["urlset/url/loc"], urls);
    assert!(urls >= 10);
    for loc in text_of(&sitemap, "loc") {
        assert!(loc.starts_with("https://blog.example.com/"), "{loc}");
    }
    for lastmod in text_of(&sitemap, "lastmod") {
        assert!(lastmod.len() == 10 && lastmod.as_bytes()[4] == b'-', "lastmod {lastmod} is not a W3C date");
    }
    // The subscription pages say noindex: search engines are not sent to them.
    assert!(read(&root.join("content/subscribe/thanks.md")).contains("noindex = true"));
    assert!(!sitemap.contains("/subscribe/thanks/"), "{sitemap}");
    assert!(sitemap.contains("https://blog.example.com/about/"));
}
