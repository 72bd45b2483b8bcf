//! Formulas (`[markdown] math = true`) in a real browser under the site's Content-Security-
//! Policy: headless Chromium loads a built post from a loopback server sending that CSP, and a
//! probe script reports how the MathML was laid out (a fraction's numerator above its
//! denominator, a display formula on a line of its own), every CSP violation or script error,
//! and every request the page made. No script or font comes from anywhere else, and nothing
//! is refused.
//!
//! Needs the Debian package `chromium`; without it this FAILS.

mod common;

use common::*;

const PROBE: &str = r#"
(function () {
  var out = { violations: [], errors: [], fractions: [], blocks: [], requests: [] };
  function write() {
    if (!document.body) { return; }
    var pre = document.getElementById('probe');
    if (!pre) { pre = document.createElement('pre'); pre.id = 'probe'; document.body.appendChild(pre); }
    pre.textContent = JSON.stringify(out);
  }
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.violatedDirective + ' ' + e.blockedURI); write(); });
  window.addEventListener('error', function (e) { out.errors.push(String(e.message)); write(); });
  function look() {
    out.fractions = Array.prototype.map.call(document.querySelectorAll('article math mfrac'), function (f) {
      var num = f.children[0].getBoundingClientRect(), den = f.children[1].getBoundingClientRect();
      return { numerator_above: num.bottom <= den.top + 1, width: f.getBoundingClientRect().width, height: f.getBoundingClientRect().height };
    });
    out.blocks = Array.prototype.map.call(document.querySelectorAll('article math[display="block"]'), function (m) {
      var p = m.parentElement.getBoundingClientRect(), r = m.getBoundingClientRect();
      return { display: getComputedStyle(m).display, own_line: r.height > 0 && r.width > 0 && r.width <= p.width + 1 };
    });
    out.requests = performance.getEntriesByType('resource').map(function (e) { return e.name; });
    write();
  }
  if (document.readyState === 'complete') { look(); } else { window.addEventListener('load', look); }
  write();
})();
"#;

#[test]
fn formulas_are_laid_out_by_the_browser_with_nothing_from_elsewhere() {
    let csp = test_support::browser::site_csp();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    assert!(run(myblog().arg("init").arg(&root).arg("--bare")).status.success());
    let config = std::fs::read_to_string(root.join("site.toml")).unwrap();
    assert!(config.contains("math = false"), "{config}");
    std::fs::write(root.join("site.toml"), config.replace("math = false", "math = true")).unwrap();
    std::fs::write(
        root.join("content/posts/euler.md"),
        "+++\ntitle = \"Sums\"\ndate = 2024-01-01\n+++\nA half is $\\frac{1}{2}$, and\n\n$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$\n\nthat is all.\n",
    )
    .unwrap();
    build_ok(&root);
    let html = std::fs::read_to_string(root.join("public/posts/euler/index.html")).unwrap();
    assert!(html.contains("<mfrac>") && !html.contains("\\frac{1}{2}$"), "{html}");

    let origin = test_support::browser::serve_with_probe(root.join("public"), csp, PROBE);
    let seen = test_support::browser::probe(&format!("{origin}/posts/euler/"));
    assert_eq!(seen["violations"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
    let fractions = seen["fractions"].as_array().expect("fractions probed");
    assert_eq!(fractions.len(), 2, "{seen}");
    for f in fractions {
        assert_eq!(f["numerator_above"], true, "a fraction is not stacked: {seen}");
        assert!(f["width"].as_f64().unwrap() > 0.0, "{seen}");
    }
    let blocks = seen["blocks"].as_array().expect("display formulas probed");
    assert_eq!(blocks.len(), 1, "{seen}");
    assert_eq!(blocks[0]["display"], "block math", "{seen}");
    assert_eq!(blocks[0]["own_line"], true, "{seen}");
    for r in seen["requests"].as_array().unwrap() {
        assert!(r.as_str().unwrap().starts_with(&origin), "a request left the site: {seen}");
    }
}
