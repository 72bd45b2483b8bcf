//! The search page in a real browser under the site's Content-Security-Policy: headless
//! Chromium opens `/search/?q=…` on a built site served from loopback with that CSP, and a
//! probe script reports the results js/search.js listed, its status line, whether the
//! no-JavaScript fallback was hidden, every CSP violation or script error, and every request
//! the page made (only same-origin files, and only part of the index).
//!
//! Needs the Debian package `chromium`; without it this FAILS.

mod common;

use common::*;
use serde_json::Value;

const PROBE: &str = r#"
(function () {
  var out = { violations: [], errors: [], results: [], status: "", fallback_hidden: null, engine: "", requests: [] };
  function write() {
    if (!document.body) { return; }
    var pre = document.getElementById('probe');
    if (!pre) { pre = document.createElement('pre'); pre.id = 'probe'; document.body.appendChild(pre); }
    pre.textContent = JSON.stringify(out);
  }
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.violatedDirective + ' ' + e.blockedURI); write(); });
  window.addEventListener('error', function (e) { out.errors.push(String(e.message)); write(); });
  function look() {
    out.results = Array.prototype.map.call(document.querySelectorAll('#search-results li a'), function (a) { return a.getAttribute('href'); });
    var s = document.getElementById('search-status');
    out.status = s ? s.textContent : '';
    var f = document.getElementById('search-fallback');
    out.fallback_hidden = f ? f.hidden : null;
    var e = document.getElementById('search-engine');
    out.engine = e ? e.getAttribute('href') : '';
    out.requests = performance.getEntriesByType('resource').map(function (e) { return e.name; });
    write();
  }
  setInterval(look, 50);
  write();
})();
"#;

fn search(origin: &str, q: &str) -> Value {
    let q: String = q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let seen = test_support::browser::probe(&format!("{origin}/search/?q={q}"));
    assert_eq!(seen["violations"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
    for r in seen["requests"].as_array().unwrap() {
        assert!(r.as_str().unwrap().starts_with(origin), "a request left the site: {seen}");
    }
    assert_eq!(seen["fallback_hidden"], true, "the no-JavaScript fallback is still shown: {seen}");
    seen
}

#[test]
fn the_search_page_finds_posts_in_the_browser_under_the_sites_csp() {
    let csp = test_support::browser::site_csp();
    let dir = example_site();
    let root = dir.path().join("blog");
    let post = |name: &str, front: &str, body: &str| {
        std::fs::write(root.join("content/posts").join(name), format!("+++\n{front}\n+++\n{body}\n")).unwrap();
    };
    post("resume.md", "title = \"Résumé writing\"\ndate = 2024-02-02", "How to write one.");
    post("mention.md", "title = \"A later note\"\ndate = 2024-03-03", "I once mailed my résumé.");
    post("tokyo.md", "title = \"東京の旅\"\ndate = 2024-04-04", "京都にも行きました。");
    build_ok(&root);
    let public = root.join("public");
    let words_files = std::fs::read_dir(public.join("search"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("words."));
    let words_total = words_files.count();

    let origin = test_support::browser::serve_with_probe(public, csp, PROBE);
    // Typed without its accents; the title match first.
    let seen = search(&origin, "resume");
    assert_eq!(seen["results"], serde_json::json!(["/posts/resume/", "/posts/mention/"]), "{seen}");
    assert_eq!(seen["status"], "2 results for “resume”.", "{seen}");
    assert!(seen["engine"].as_str().unwrap().ends_with("%20resume"), "{seen}");
    let fetched = seen["requests"].as_array().unwrap().iter().filter(|r| r.as_str().unwrap().contains("/search/words.")).count();
    assert!(fetched >= 1 && (words_total == 1 || fetched < words_total), "{fetched} of {words_total} word files fetched: {seen}");

    // Two words: pages with both; a prefix of the last.
    let seen = search(&origin, "mailed rés");
    assert_eq!(seen["results"], serde_json::json!(["/posts/mention/"]), "{seen}");

    let seen = search(&origin, "京都");
    assert_eq!(seen["results"], serde_json::json!(["/posts/tokyo/"]), "{seen}");

    let seen = search(&origin, "xylophonequartet");
    assert_eq!(seen["results"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["status"], "Nothing found for “xylophonequartet”.", "{seen}");
}
