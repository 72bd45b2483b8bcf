//! The subscribe form in a real browser under the site's Content-Security-Policy: headless
//! Chromium opens a post of the multilingual fixture, a probe fills the form and submits it,
//! and reports what js/subscribe.js sent and the status line it showed. The loopback server
//! serves only the built files, so the POST gets a 404: the "could not accept" message, in the
//! page's language, from the form's data-msg-* attributes.
//!
//! Needs the Debian package `chromium`; without it this FAILS.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const PROBE: &str = r#"
(function () {
  var out = { violations: [], errors: [], bodies: [], statuses: [] };
  function write() {
    if (!document.body) { return; }
    var pre = document.getElementById('probe');
    if (!pre) { pre = document.createElement('pre'); pre.id = 'probe'; document.body.appendChild(pre); }
    pre.textContent = JSON.stringify(out);
  }
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.violatedDirective + ' ' + e.blockedURI); write(); });
  window.addEventListener('error', function (e) { out.errors.push(String(e.message)); write(); });
  // The status line as it is now, if it changed. Also read when the form posts: the
  // "sending" message lasts only until the local 404, often less than a poll.
  function status() {
    var s = document.querySelector('.subscribe-status');
    var text = s ? s.textContent : '';
    if (text && out.statuses[out.statuses.length - 1] !== text) { out.statuses.push(text); }
  }
  var realFetch = window.fetch;
  window.fetch = function (url, init) {
    out.bodies.push(init && init.body ? JSON.parse(init.body) : null);
    status();
    write();
    return realFetch.apply(this, arguments);
  };
  window.addEventListener('load', function () {
    var form = document.querySelector('form.subscribe');
    if (!form) { out.errors.push('no form'); write(); return; }
    form.elements.namedItem('email').value = 'reader@example.com';
    form.requestSubmit();
  });
  setInterval(function () { status(); write(); }, 20);
  write();
})();
"#;

fn submit(origin: &str, path: &str) -> Value {
    let seen = test_support::browser::probe(&format!("{origin}{path}"));
    assert_eq!(seen["violations"], serde_json::json!([]), "{path}: {seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "{path}: {seen}");
    seen
}

#[test]
fn the_form_sends_the_pages_language_and_speaks_it() {
    let csp = test_support::browser::site_csp();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("multilingual"), dir.path());
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default"), &dir.path().join("themes/default"));
    build_ok(dir.path());
    let origin = test_support::browser::serve_with_probe(dir.path().join("public"), csp, PROBE);
    for (path, lang, refused) in [
        ("/fr/posts/hello/", "fr", "Nous n’avons pas pu accepter cette demande. Vérifiez l’adresse et réessayez."),
        ("/ar/posts/hello/", "ar", "لم نتمكن من قبول هذا الطلب. تحقّق من العنوان وحاول مرة أخرى."),
        ("/posts/hello/", "en", "We couldn’t accept that request. Please check the address and try again."),
    ] {
        let seen = submit(&origin, path);
        assert_eq!(seen["bodies"], serde_json::json!([{ "email": "reader@example.com", "website": "", "lang": lang }]), "{path}: {seen}");
        assert_eq!(seen["statuses"].as_array().unwrap().last().and_then(Value::as_str), Some(refused), "{path}: {seen}");
    }
    let fr = submit(&origin, "/fr/posts/hello/");
    assert_eq!(fr["statuses"][0], "Envoi…", "the sending message is the language's too: {fr}");
}

#[test]
fn a_single_language_sites_form_sends_no_language_and_speaks_english() {
    let csp = test_support::browser::site_csp();
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let origin = test_support::browser::serve_with_probe(root.join("public"), csp, PROBE);
    let seen = submit(&origin, "/");
    assert_eq!(seen["bodies"], serde_json::json!([{ "email": "reader@example.com", "website": "" }]), "{seen}");
    assert_eq!(
        seen["statuses"].as_array().unwrap().last().and_then(Value::as_str),
        Some("We couldn’t accept that request. Please check the address and try again."),
        "{seen}"
    );
}
