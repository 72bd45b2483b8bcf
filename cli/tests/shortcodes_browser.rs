//! The `youtube` shortcode in a real browser under the site's Content-Security-Policy (read from
//! infra/template.yaml): headless Chromium loads a built page from a loopback server sending that
//! CSP; a probe script (same origin, so allowed) reports whether each thumbnail loaded and every
//! CSP violation. The thumbnails must show with no violation; a copy of the page that loads its
//! thumbnail from YouTube's image host, as other generators do, must be blocked (which shows the
//! CSP is really enforced here).
//!
//! Needs the Debian package `chromium`; without it this FAILS.

mod common;

use common::*;
use std::path::Path;

/// The CSP the distribution sends: the `youtube` shortcode is built for `img-src 'self'`.
fn site_csp() -> String {
    let csp = test_support::browser::site_csp();
    assert!(csp.contains("img-src 'self'") && !csp.contains("ytimg"), "the youtube shortcode is built for img-src 'self': {csp}");
    csp
}

const PROBE: &str = r#"
(function () {
  var out = { violations: [], thumbs: [] };
  function write() {
    if (!document.body) { return; }
    var pre = document.getElementById('probe');
    if (!pre) { pre = document.createElement('pre'); pre.id = 'probe'; document.body.appendChild(pre); }
    pre.textContent = JSON.stringify(out);
  }
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.violatedDirective + ' ' + e.blockedURI); write(); });
  function look() {
    out.thumbs = Array.prototype.map.call(document.querySelectorAll('a.video-link img'), function (img) {
      return { src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0, shown: img.getBoundingClientRect().width > 0 };
    });
    out.titles = Array.prototype.map.call(document.querySelectorAll('.video-title'), function (t) { return getComputedStyle(t).position; });
    write();
  }
  if (document.readyState === 'complete') { look(); } else { window.addEventListener('load', look); }
  write();
})();
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn youtube_thumbnails_show_under_the_sites_csp() {
    let csp = site_csp();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    assert!(run(myblog().arg("init").arg(&root).arg("--bare")).status.success());
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/media/golden-hills.jpg"), root.join("content/posts/still.jpg"))
        .unwrap();
    write(
        &root,
        "content/posts/video.md",
        "+++\ntitle = \"Video\"\ndate = 2024-01-01\n+++\nA talk: {{< youtube dQw4w9WgXcQ >}}\n\nAnd with my own still: {{ youtube(id=\"abc\", thumbnail=\"still.jpg\", title=\"Mine\") }}\n",
    );
    build_ok(&root);
    // The control: the same post with its thumbnails pointed at YouTube's image host.
    let public = root.join("public");
    let post = std::fs::read_to_string(public.join("posts/video/index.html")).unwrap();
    let thumb = regex::Regex::new(r#"src="/img/video\.[0-9a-f]+\.svg""#).unwrap();
    write(&public, "control/index.html", &thumb.replace_all(&post, "src=\"https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg\""));
    let origin = test_support::browser::serve_with_probe(public, csp, PROBE);

    let seen = test_support::browser::probe(&format!("{origin}/posts/video/"));
    assert_eq!(seen["violations"], serde_json::json!([]), "{seen}");
    let thumbs = seen["thumbs"].as_array().expect("thumbnails probed");
    assert_eq!(thumbs.len(), 2, "{seen}");
    for t in thumbs {
        assert_eq!(t["loaded"], true, "thumbnail did not load: {seen}");
        assert_eq!(t["shown"], true, "thumbnail not shown: {seen}");
    }
    assert_eq!(seen["titles"], serde_json::json!(["absolute", "absolute"]), "the theme's stylesheet applies: {seen}");

    let control = test_support::browser::probe(&format!("{origin}/control/"));
    let blocked =
        control["violations"].as_array().expect("violations").iter().filter(|v| v.as_str().unwrap_or("").contains("i.ytimg.com")).count();
    assert!(blocked >= 1, "a thumbnail from YouTube's host must be blocked by the CSP: {control}");
}
