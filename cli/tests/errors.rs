//! Every kind of bad input gets a clear message (file, line, what to do), a non-zero exit,
//! no panic, and leaves the previous public/ exactly as it was.

mod common;

use common::*;
use std::path::Path;

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn append(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    let mut s = std::fs::read_to_string(&p).unwrap();
    s.push_str(text);
    std::fs::write(p, s).unwrap();
}

/// Builds the fixture once, breaks it with `edit`, builds again: the build must fail with
/// every `expected` fragment in its message and change nothing in public/.
fn assert_build_error(name: &str, edit: impl FnOnce(&Path), expected: &[&str]) {
    let dir = mini_site();
    let root = dir.path();
    build_ok(root);
    let before = snapshot_tree(&root.join("public"));
    edit(root);
    let out = build(root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "[{name}] build should fail; stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "[{name}] exit code");
    for e in expected {
        assert!(stderr.contains(e), "[{name}] expected {e:?} in:\n{stderr}");
    }
    assert!(stderr.starts_with("error: "), "[{name}] {stderr}");
    assert_eq!(changed_files(&before, &snapshot_tree(&root.join("public"))), Vec::<String>::new(), "[{name}] public/ changed");
}

#[test]
fn non_utf8_markdown() {
    assert_build_error(
        "non-utf8",
        |r| write(r, "content/posts/latin1.md", b"+++\ntitle = \"x\"\ndate = 2024-01-01\n+++\ncaf\xe9\n"),
        &["content/posts/latin1.md:5:4: is not valid UTF-8", "hint: save it as UTF-8"],
    );
}

#[test]
fn empty_file() {
    assert_build_error(
        "empty",
        |r| write(r, "content/posts/empty.md", b""),
        &["content/posts/empty.md: file is empty", "hint: start it with front matter"],
    );
}

#[test]
fn binary_file_named_md() {
    assert_build_error(
        "binary",
        |r| write(r, "content/posts/img.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff"),
        &["content/posts/img.md:1:1: is a binary file, not markdown"],
    );
}

#[test]
fn unterminated_front_matter() {
    assert_build_error(
        "unterminated",
        |r| write(r, "content/posts/open.md", b"+++\ntitle = \"Open\"\ndate = 2024-01-01\n\nBody without a closing fence.\n"),
        &["content/posts/open.md:1:1: front matter opened with `+++` on line 1 is never closed", "hint: add a line holding only `+++`"],
    );
}

#[test]
fn missing_front_matter() {
    assert_build_error(
        "no front matter",
        |r| write(r, "content/notes.md", b"# Just markdown\n"),
        &["content/notes.md:1:1: missing front matter"],
    );
}

#[test]
fn wrong_types_toml_and_yaml() {
    assert_build_error(
        "toml type",
        |r| write(r, "content/posts/t.md", b"+++\ntitle = \"T\"\ndate = 2024-01-01\ndraft = \"yes\"\n+++\n"),
        &["content/posts/t.md:4:9: front matter: invalid type: string \"yes\", expected a boolean", "hint: check the value's type"],
    );
    assert_build_error(
        "yaml type",
        |r| write(r, "content/posts/y.md", b"---\ntitle: Y\ndate: 2024-01-01\ntags: 7\n---\n"),
        &["content/posts/y.md:4:", "invalid type: integer `7`, expected a sequence"],
    );
}

#[test]
fn unknown_front_matter_key_lists_known_ones() {
    assert_build_error(
        "unknown key",
        |r| write(r, "content/posts/k.md", b"+++\ntitle = \"K\"\ndate = 2024-01-01\nauthor = \"me\"\n+++\n"),
        &[
            "content/posts/k.md:4:1: front matter: unknown field `author`",
            "known keys: title, date, updated, draft, tags, description, slug, template, announce, extra",
        ],
    );
}

#[test]
fn bad_date_and_missing_date() {
    assert_build_error(
        "bad date",
        |r| write(r, "content/posts/d.md", b"---\ntitle: D\ndate: 31/01/2024\n---\n"),
        &["content/posts/d.md:3:1: front matter: `date` value \"31/01/2024\" is not a date", "hint: write dates as 2026-01-31"],
    );
    assert_build_error(
        "no date",
        |r| write(r, "content/posts/nd.md", b"+++\ntitle = \"No date\"\n+++\n"),
        &["content/posts/nd.md:1: a post needs a date"],
    );
}

#[test]
fn duplicate_slugs() {
    assert_build_error(
        "duplicate",
        |r| write(r, "content/posts/other.md", b"+++\ntitle = \"Other\"\ndate = 2024-02-02\nslug = \"first\"\n+++\n"),
        &["/posts/first/ is also the URL of content/posts/first.md", "hint: two pages cannot share a URL"],
    );
}

#[test]
fn slug_escaping_public() {
    assert_build_error(
        "escape",
        |r| write(r, "content/posts/evil.md", b"+++\ntitle = \"Evil\"\ndate = 2024-02-02\nslug = \"../../../etc/passwd\"\n+++\n"),
        &["content/posts/evil.md:1: slug \"../../../etc/passwd\" is not allowed: it must stay one folder inside public/"],
    );
    assert_build_error(
        "dot slug",
        |r| write(r, "content/evil.md", b"+++\ntitle = \"Evil\"\nslug = \"..\"\n+++\n"),
        &["slug \"..\" is not allowed"],
    );
}

#[test]
fn template_loop() {
    assert_build_error(
        "loop",
        |r| {
            write(r, "themes/mini/templates/a.html", b"{% include \"b.html\" %}");
            write(r, "themes/mini/templates/b.html", b"{% include \"a.html\" %}");
        },
        &["themes/mini/templates/a.html: templates include or extend each other in a loop: a.html -> b.html -> a.html"],
    );
}

#[test]
fn template_syntax_error_has_line() {
    assert_build_error(
        "syntax",
        |r| {
            write(
                r,
                "themes/mini/templates/page.html",
                b"{% extends \"base.html\" %}\n{% block main %}\n{% if page.title %}\n{{ page.title }\n{% endblock %}\n",
            )
        },
        &["themes/mini/templates/page.html:4:", "template error: Failed to parse", "hint: fix the template"],
    );
}

#[test]
fn template_unknown_variable_shows_whole_chain() {
    assert_build_error(
        "variable",
        |r| {
            write(
                r,
                "themes/mini/templates/page.html",
                b"{% extends \"base.html\" %}{% block main %}{{ page.no_such_thing }}{% endblock %}",
            )
        },
        &[
            "themes/mini/templates/page.html:1:45: template error: Failed to render 'page.html'",
            "Variable `page.no_such_thing` not found",
            "(rendering content/about.md)",
        ],
    );
}

#[test]
fn missing_template_named_in_front_matter() {
    assert_build_error(
        "no template",
        |r| write(r, "content/special.md", b"+++\ntitle = \"S\"\ntemplate = \"fancy.html\"\n+++\n"),
        &["content/special.md: template \"fancy.html\" does not exist"],
    );
}

#[test]
fn missing_asset_in_template() {
    assert_build_error(
        "asset",
        |r| append(r, "themes/mini/templates/base.html", "{{ asset(path='js/missing.js') }}"),
        &[
            "error: themes/mini/templates/base.html:7:16: template error",
            "Function call 'asset' failed",
            "asset(path=\"js/missing.js\"): no such file",
        ],
    );
}

#[test]
fn missing_image_in_markdown_has_line() {
    assert_build_error(
        "image",
        |r| append(r, "content/posts/second.md", "\nMore text.\n\n![gone](nowhere.png)\n"),
        &["content/posts/second.md:11:1: image \"nowhere.png\" does not exist", "hint: put the file next to the post"],
    );
}

#[test]
fn missing_file_in_css_url() {
    assert_build_error(
        "css",
        |r| append(r, "themes/mini/static/css/site.css", ".x { background: url(../img/none.png); }\n"),
        &["themes/mini/static/css/site.css:3:22: url(../img/none.png) points at a file that does not exist"],
    );
}

#[test]
fn bad_site_toml() {
    assert_build_error("config", |r| append(r, "site.toml", "\n[extra]\nx = 1\n[markdown]\nhighlite = false\n"), &["site.toml:"]);
    assert_build_error(
        "config key",
        |r| {
            let p = r.join("site.toml");
            let s = std::fs::read_to_string(&p).unwrap().replace("paginate_by = 2", "paginate_by = 2\npagniate = 3");
            std::fs::write(p, s).unwrap();
        },
        &["site.toml:6:1: unknown field `pagniate`", "did you mean `paginate_by`"],
    );
}

#[test]
fn several_errors_are_all_reported() {
    assert_build_error(
        "many",
        |r| {
            write(r, "content/posts/e1.md", b"");
            write(r, "content/posts/e2.md", b"+++\ntitle = \"x\"\n");
        },
        &["2 problems in the site's sources", "content/posts/e1.md: file is empty", "content/posts/e2.md:1:1: front matter opened"],
    );
}

#[test]
fn deploy_without_a_target_says_what_to_set_before_doing_anything() {
    let dir = mini_site();
    let out = run(myblog().arg("deploy").arg("--root").arg(dir.path()).env("AWS_ACCESS_KEY_ID", "x").env("AWS_SECRET_ACCESS_KEY", "y"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no bucket to deploy to: set `bucket` under [deploy] in site.toml, pass --bucket NAME, or --stack NAME"), "{err}");
    assert!(!dir.path().join("public").exists(), "nothing should be built before the target is known");
}

#[test]
fn a_formula_that_cannot_become_mathml() {
    assert_build_error(
        "math",
        |r| {
            // The fixture's site.toml ends in its [markdown] table.
            append(r, "site.toml", "math = true\n");
            write(
                r,
                "content/posts/math.md",
                b"+++\ntitle = \"Math\"\ndate = 2024-01-01\n+++\nFine: $x^2$.\n\nBroken: $\\frac{1}{\\nosuch}$ here.\n",
            )
        },
        &[
            "content/posts/math.md:7:9: this formula cannot be turned into MathML: `\\frac{1}{\\nosuch}`: unknown primitive command found",
            "hint: fix the LaTeX",
        ],
    );
}
