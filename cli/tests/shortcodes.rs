//! Shortcodes (Zola's and Hugo's syntaxes), internal links (`@/`, `ref`, `relref`) and Hugo's
//! `.html` content files, through the real binary on a blog made by `myblog init`; and
//! `serve`'s incremental rebuild after edits to what they depend on (byte-identical to a cold
//! build).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A bare blog (default theme) with one photo under content/media/.
fn blog() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blog");
    let out = run(myblog().arg("init").arg(&root).arg("--bare"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(root.join("content/media")).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/media/golden-hills.jpg"), root.join("content/media/hills.jpg"))
        .unwrap();
    (dir, root)
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The post's rendered body (what markdown and the shortcodes made).
fn article_body(html: &str) -> &str {
    let start = html.find("e-content\">").expect("post content") + "e-content\">".len();
    let end = start + html[start..].find("\n  </div>\n</article>").expect("end of post content");
    html[start..end].trim()
}

fn build_err(root: &Path) -> String {
    let out = build(root);
    assert!(!out.status.success(), "the build should fail:\n{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const NOTE: &str =
    "{#- A markdown-producing shortcode of the site's own. -#}**{{ body | trim | safe }}**{% if who is defined %} ({{ who }}){% endif %}";

const POST: &str = r#"+++
title = "Alpha"
date = 2024-01-02
+++
Intro with {{ youtube(id="zola_ID-1", title="Zola syntax") }} inline.

{{< figure src="/media/hills.jpg" alt="Hills" caption="Golden *hills*" link="https://example.org/" >}}

{{< youtube dQw4w9WgXcQ >}}

{{< gist ann 1234abcd notes.md >}}

{% highlight(lang="rust") %}
fn main() { let s = "{{ x }}"; }
{% end %}

{{< highlight toml >}}
[a]
b = 1
{{< /highlight >}}

{{% note who="Ann" %}}markdown *inside*{{% /note %}}

{{< note >}}not *markdown*{{< /note >}}

{{% note %}}outer {{< note >}}inner{{< /note >}}{{% /note %}}

Links: [relref]({{< relref "beta.md" >}}), [ref]({{< ref "/posts/beta.md#part" >}}), [zola](@/posts/beta.md#part),
[bare]({{< relref "beta" >}}), [about](@/about.md).

Code stays literal: `{{< youtube x >}}` and `{{ youtube(id="x") }}`; escapes show the source:
{{</* youtube abc */>}} and {{/* youtube(id="abc") */}}.

```
{{< figure src="nowhere.jpg" >}}
{% highlight(lang="x") %}
```
"#;

#[test]
fn shortcodes_and_internal_links_render() {
    let (_dir, root) = blog();
    write(&root, "themes/default/templates/shortcodes/note.html", NOTE);
    write(&root, "content/posts/alpha.md", POST);
    write(&root, "content/posts/beta.md", "+++\ntitle = \"Beta\"\ndate = 2024-01-01\nslug = \"b\"\n+++\n## Part\n\nB.\n");
    build_ok(&root);
    let html = read(&root, "posts/alpha/index.html");
    let body = article_body(&html);
    // The photo through the asset pipeline: hashed name and srcset of the Lambda's thumbnails.
    assert!(body.contains("<img src=\"/media/hills.") && body.contains("srcset=\"/thumbs/hills."), "{body}");
    assert!(body.contains("<figcaption>Golden <em>hills</em></figcaption>"), "{body}");
    assert!(body.contains("href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\"") && body.contains("src=\"/img/video."), "{body}");
    assert!(body.contains("watch?v=zola_ID-1\"") && body.contains("Zola syntax"), "{body}");
    assert!(!body.contains("<iframe") && !body.contains("<script"), "{body}");
    assert!(body.contains("href=\"https://gist.github.com/ann/1234abcd#file-notes-md\""), "{body}");
    assert!(body.contains("<pre class=\"code\" data-lang=\"rust\"><code>") && body.contains("hl-"), "{body}");
    assert!(body.contains("{{ x }}"), "tera does not run on shortcode bodies: {body}");
    assert!(body.contains("<pre class=\"code\" data-lang=\"toml\">"), "{body}");
    // `{{% %}}` output is markdown; `{{< >}}` output is not.
    assert!(body.contains("<strong>markdown <em>inside</em></strong> (Ann)"), "{body}");
    assert!(body.contains("**not *markdown***"), "{body}");
    assert!(body.contains("<strong>outer **inner**</strong>"), "{body}");
    // Internal links, in every form.
    assert!(body.contains("<a href=\"/posts/b/\">relref</a>"), "{body}");
    assert!(
        body.contains("<a href=\"https://blog.example.com/posts/b/#part\">ref</a>"),
        "ref is absolute, with the site's base URL: {body}"
    );
    assert!(body.contains("<a href=\"/posts/b/#part\">zola</a>") && body.contains("<a href=\"/posts/b/\">bare</a>"), "{body}");
    assert!(body.contains("<a href=\"/about/\">about</a>"), "{body}");
    // Code is left alone, escapes are shown as the shortcode they escape.
    assert!(body.contains("<code>{{&lt; youtube x &gt;}}</code>") && body.contains("<code>{{ youtube(id=\"x\") }}</code>"), "{body}");
    assert!(body.contains("{{&lt; youtube abc &gt;}} and {{ youtube(id="), "{body}");
    assert!(body.contains("{{&lt; figure src=&quot;nowhere.jpg&quot; &gt;}}\n{% highlight(lang=&quot;x&quot;) %}"), "{body}");
    let check = run(myblog().arg("check").arg("--root").arg(&root));
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn rendered_shortcodes_snapshot() {
    let (_dir, root) = blog();
    write(
        &root,
        "content/posts/shown.md",
        "+++\ntitle = \"Shown\"\ndate = 2024-01-02\n+++\n{{< figure src=\"/media/hills.jpg\" alt=\"Hills\" title=\"Hills\" caption=\"In *May*\" >}}\n\n{{< youtube id=\"dQw4w9WgXcQ\" title=\"A talk\" start=\"42\" >}}\n\n{{ gist(url=\"https://gist.github.com/zed/5678\") }}\n\n{{< highlight sh >}}\necho hi\n{{< /highlight >}}\n\nSee [me]({{< relref \"shown.md\" >}}).\n",
    );
    build_ok(&root);
    let html = read(&root, "posts/shown/index.html");
    insta::assert_snapshot!("default_theme_shortcodes", article_body(&html));
}

#[test]
fn shortcode_and_link_errors_name_file_line_and_what_to_do() {
    let (_dir, root) = blog();
    write(&root, "content/posts/beta.md", "+++\ntitle = \"Beta\"\ndate = 2024-01-01\n+++\nB.\n");
    write(&root, "content/notes/beta.md", "+++\ntitle = \"Other beta\"\n+++\nB.\n");
    write(&root, "content/posts/later.md", "+++\ntitle = \"Later\"\ndate = 2024-01-01\ndraft = true\n+++\nL.\n");
    let bad = [
        ("unknown.md", "Text.\n\n{{< nope a=\"1\" >}}\n"),
        ("mixed.md", "{{< youtube id=\"a\" b >}}\n"),
        ("unquoted.md", "One.\n{{ youtube(id=abc) }}\n"),
        ("noid.md", "{{< youtube >}}\n"),
        ("unclosed.md", "{% highlight(lang=\"rust\") %}\nfn x() {}\n"),
        ("closing.md", "a\n\n{{< /note >}}\n"),
        ("noimage.md", "{{< figure src=\"nope.jpg\" >}}\n"),
        ("zola-missing.md", "x\n\nSee [it](@/posts/nope.md).\n"),
        ("ref-missing.md", "x\n\n[it]({{< ref \"nope.md\" >}})\n"),
        ("ref-ambiguous.md", "[it]({{< relref \"beta.md\" >}})\n"),
        ("draft-link.md", "[later](@/posts/later.md)\n"),
        // A markdown error after a shortcode spanning lines is still reported at its line.
        ("after.md", "{% highlight(lang=\"rust\") %}\nfn a() {}\nfn b() {}\n{% end %}\n\n![x](missing.png)\n"),
    ];
    for (name, body) in bad {
        write(&root, &format!("content/pages/{name}"), &format!("+++\ntitle = \"{name}\"\n+++\n{body}"));
    }
    let err = build_err(&root);
    let want = [
        (
            "content/pages/unknown.md:6:1: unknown shortcode `nope`",
            "details, figure, gist, highlight, instagram, param, ref, relref, tweet, vimeo, x, youtube",
        ),
        ("content/pages/unknown.md:6:1:", "themes/default/templates/shortcodes/nope.html"),
        ("content/pages/mixed.md:4:1: shortcode `youtube`: mixes named", ""),
        ("content/pages/unquoted.md:5:1: shortcode `youtube`: \"abc\" is not a value", "quote text"),
        ("content/pages/noid.md:4:1: shortcode `youtube`", "youtube needs the video's id"),
        ("content/pages/unclosed.md:4:1: shortcode `highlight` is never closed", "{% end %}"),
        ("content/pages/closing.md:6:1: closing tag of shortcode `note` without an opening one", ""),
        ("content/pages/noimage.md:4:1: shortcode `figure`", "image \"nope.jpg\" does not exist"),
        ("content/pages/zola-missing.md:6:5: link to @/posts/nope.md: no such page in content/", "from content/"),
        ("content/pages/ref-missing.md:6:6: shortcode `ref`", "ref \"nope.md\": no such page"),
        (
            "content/pages/ref-ambiguous.md:4:6: shortcode `relref`",
            "ambiguous: 2 files have that name (content/notes/beta.md, content/posts/beta.md)",
        ),
        ("content/pages/draft-link.md:4:1: link to @/posts/later.md: content/posts/later.md is a draft", "--drafts"),
        ("content/pages/after.md:9:1: image \"missing.png\" does not exist", ""),
    ];
    for (head, also) in want {
        let at = err.find(head).unwrap_or_else(|| panic!("no `{head}` in:\n{err}"));
        let block = &err[at..err[at + 1..].find("\ncontent/").map(|i| at + 1 + i).unwrap_or(err.len())];
        assert!(block.contains(also), "`{also}` missing for `{head}`:\n{block}");
    }
    assert!(!root.join("public").exists(), "a failed build writes nothing");
}

#[test]
fn syntaxes_follow_the_dialect_and_hugo_html_content_files_are_pages() {
    // Hugo: `{{ x() }}` is text, `.html` content files are pages with the HTML as written.
    let (_dir, root) = blog();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[content]\ndialect = \"hugo\"\npost_dirs = [\"posts\"]\n")).unwrap();
    write(
        &root,
        "content/posts/z.md",
        "---\ntitle: Z\ndate: 2024-01-01\n---\nZola text: {{ youtube(id=\"x\") }}. Hugo: {{< youtube abc >}}\n",
    );
    write(
        &root,
        "content/posts/page.html",
        "---\ntitle: In HTML\ndate: 2024-01-03\n---\n<p>Kept *as is*.</p>\n<!--more-->\n<p>Rest.</p>\n",
    );
    build_ok(&root);
    let z = read(&root, "posts/z/index.html");
    assert!(z.contains("Zola text: {{ youtube(id=") && z.contains("watch?v=abc"), "{}", article_body(&z));
    let page = read(&root, "posts/page/index.html");
    assert_eq!(article_body(&page), "<p>Kept *as is*.</p>\n<!--more-->\n<p>Rest.</p>");
    let home = read(&root, "index.html");
    assert!(home.contains("<p>Kept *as is*.</p>") && !home.contains("<p>Rest.</p>"), "the summary stops at <!--more-->");

    // Zola: `{{< x >}}` is text. A myblog site keeps `.html` under content/ as a static file.
    let (_dir2, root) = blog();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[content]\ndialect = \"zola\"\npost_dirs = [\"posts\"]\n")).unwrap();
    write(
        &root,
        "content/posts/h.md",
        "+++\ntitle = \"H\"\ndate = 2024-01-01\n+++\nHugo text: {{< youtube abc >}}. Zola: {{ youtube(id=\"x\") }}\n",
    );
    build_ok(&root);
    let h = read(&root, "posts/h/index.html");
    assert!(h.contains("Hugo text: {{&lt; youtube abc &gt;}}.") && h.contains("watch?v=x"), "{}", article_body(&h));
    let (_dir3, root) = blog();
    write(&root, "content/demo.html", "<p>static</p>\n");
    build_ok(&root);
    assert!(walkdir::WalkDir::new(root.join("public")).into_iter().flatten().any(|e| e.file_name().to_string_lossy().starts_with("demo.")));
}

/// Hugo expands shortcodes in `.html` content files (checked with Hugo 0.168: see
/// `import.rs::shortcodes_behave_as_real_hugo_s`): every output goes in as written, `{{% %}}`
/// output is not read as markdown there; errors are located in the file as for markdown.
#[test]
fn hugo_html_content_files_expand_their_shortcodes() {
    let (_dir, root) = blog();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[content]\ndialect = \"hugo\"\npost_dirs = [\"posts\"]\n")).unwrap();
    write(&root, "themes/default/templates/shortcodes/note.html", NOTE);
    write(&root, "content/posts/target.md", "---\ntitle: Target\ndate: 2024-01-01\n---\nT.\n");
    write(
        &root,
        "content/posts/page.html",
        "---\ntitle: In HTML\ndate: 2024-01-03\n---\n<p>Video: {{< youtube abc >}}</p>\n<!--more-->\n<p>{{% note %}}*not* markdown{{% /note %}}</p>\n\
         <p><a href=\"{{< relref \"target.md\" >}}\">target</a>, shown: {{</* youtube x */>}}</p>\n",
    );
    build_ok(&root);
    let page = read(&root, "posts/page/index.html");
    let body = article_body(&page);
    assert!(body.starts_with("<p>Video: <figure class=\"video\">") && body.contains("watch?v=abc"), "{body}");
    assert!(body.contains("<p>***not* markdown**</p>") && !body.contains("<em>"), "{body}");
    assert!(body.contains("<a href=\"/posts/target/\">target</a>, shown: {{< youtube x >}}</p>"), "{body}");
    let home = read(&root, "index.html");
    assert!(home.contains("watch?v=abc") && !home.contains("not* markdown"), "the summary stops at <!--more-->");

    write(&root, "content/posts/bad.html", "---\ntitle: Bad\ndate: 2024-01-04\n---\n<p>One.</p>\n<p>{{< nope >}}</p>\n");
    let err = build_err(&root);
    assert!(err.contains("content/posts/bad.html:6:4: unknown shortcode `nope`"), "{err}");
}

/// Zola's shortcodes nest (Zola 0.20, getzola/zola#2748): a body runs to its matching
/// `{% end %}`, its inline and body shortcodes are rendered first and put into it as written,
/// and `nth` counts a parent before its children.
#[test]
fn zola_shortcodes_nest() {
    let (_dir, root) = blog();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n[content]\ndialect = \"zola\"\npost_dirs = [\"posts\"]\n")).unwrap();
    write(&root, "themes/default/templates/shortcodes/box.html", "<div class=\"box\">{{ body | safe }}</div>");
    write(&root, "themes/default/templates/shortcodes/count.html", "[{{ nth }}{% if body %} {{ body | safe }}{% endif %}]");
    write(
        &root,
        "content/posts/nest.md",
        "+++\ntitle = \"Nest\"\ndate = 2024-01-01\n+++\n\
         {% box() %}a {{ youtube(id=\"n1\") }} {% box() %}inner *md*{% end %} b{% end %}\n\n\
         Counted: {% count() %}x {{ count() }}{% end %} {{ count() }}\n\n\
         Shown: {% box() %}{{/* count() */}}{% end %}\n",
    );
    build_ok(&root);
    let html = read(&root, "posts/nest/index.html");
    let body = article_body(&html);
    assert!(body.contains("<div class=\"box\">a <figure class=\"video\">") && body.contains("watch?v=n1"), "{body}");
    assert!(body.contains("<div class=\"box\">inner *md*</div> b</div>"), "{body}");
    assert!(body.contains("Counted: [1 x [2]] [3]"), "{body}");
    assert!(body.contains("Shown: <div class=\"box\">{{ count() }}</div>"), "{body}");

    write(&root, "content/posts/nest.md", "+++\ntitle = \"Nest\"\ndate = 2024-01-01\n+++\n{% box() %}\nok\n{{ nope() }}\n{% end %}\n");
    let err = build_err(&root);
    assert!(err.contains("content/posts/nest.md:7:1: unknown shortcode `nope`"), "{err}");
}

/// A shortcode's output is text, never read again for shortcodes, `{{% %}}` included (as Hugo
/// 0.168: see `import.rs::shortcodes_behave_as_real_hugo_s`).
#[test]
fn shortcode_output_is_not_expanded_again() {
    let (_dir, root) = blog();
    write(&root, "themes/default/templates/shortcodes/emit.html", "{{ args | first | safe }}");
    write(
        &root,
        "content/posts/emit.md",
        "+++\ntitle = \"Emit\"\ndate = 2024-01-01\n+++\nP1 {{% emit \"{{< youtube abc >}}\" %}}\n\nP2 {{< emit \"{{% youtube abc %}}\" >}}\n",
    );
    build_ok(&root);
    let html = read(&root, "posts/emit/index.html");
    let body = article_body(&html);
    assert!(body.contains("<p>P1 {{&lt; youtube abc &gt;}}</p>") && body.contains("<p>P2 {{% youtube abc %}}</p>"), "{body}");
    assert!(!body.contains("watch?v=abc"), "{body}");
}

// ---------------------------------------------------------------------------------------------
// serve: incremental rebuilds after edits that shortcodes and internal links depend on.

fn cold(inc: &myblog_build::Incremental) -> BTreeMap<String, String> {
    let cold = myblog_build::render_site(inc.options()).expect("cold build");
    cold.outputs.iter().map(|o| (o.path.clone(), o.blake3.clone())).collect()
}

fn apply(inc: &mut myblog_build::Incremental, root: &Path, rel: &str, text: Option<&str>, what: &str) -> myblog_build::Change {
    match text {
        Some(t) => write(root, rel, t),
        None => std::fs::remove_file(root.join(rel)).unwrap(),
    }
    let change = inc.apply(&[root.join(rel)]).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(change.errors.is_empty(), "{what}: {:?}", change.errors);
    let hot = inc.hashes();
    let cold = cold(inc);
    let differ: Vec<&String> = cold.keys().chain(hot.keys()).filter(|p| cold.get(*p) != hot.get(*p)).collect();
    assert!(differ.is_empty(), "{what}: incremental differs from a cold build at {differ:?}");
    change
}

#[test]
fn serve_rerenders_pages_whose_shortcodes_or_link_targets_change() {
    let (_dir, root) = blog();
    let root = root.canonicalize().unwrap();
    write(&root, "themes/default/templates/shortcodes/note.html", NOTE);
    write(&root, "themes/default/templates/partials/note-box.html", "<aside>box</aside>");
    write(&root, "content/posts/uses.md", "+++\ntitle = \"Uses\"\ndate = 2024-01-03\n+++\n{{% note %}}n{{% /note %}}\n\n[b](@/posts/target.md), [c]({{< relref \"other\" >}})\n\n{{< youtube abc >}}\n");
    write(&root, "content/posts/plain.md", "+++\ntitle = \"Plain\"\ndate = 2024-01-02\n+++\nNothing special.\n");
    write(&root, "content/posts/target.md", "+++\ntitle = \"Target\"\ndate = 2024-01-01\n+++\nT.\n");
    write(&root, "content/misc/other.md", "+++\ntitle = \"Other\"\n+++\nO.\n");
    let opts = myblog_build::BuildOptions::from_args(Some(&root), None, false, Some("http://127.0.0.1:1111")).unwrap();
    let mut inc = myblog_build::Incremental::new(opts).expect("initial build");
    let uses = "posts/uses/index.html".to_string();

    let c = apply(&mut inc, &root, "themes/default/templates/shortcodes/note.html", Some("<em>{{ body }}</em>"), "shortcode template edit");
    assert!(c.changed.contains(&uses) && !c.changed.contains(&"posts/plain/index.html".to_string()), "{c:?}");
    let c = apply(
        &mut inc,
        &root,
        "themes/default/templates/shortcodes/note.html",
        Some("{% include \"partials/note-box.html\" %}{{ body }}"),
        "shortcode template includes a partial",
    );
    assert!(c.changed.contains(&uses), "{c:?}");
    let c = apply(
        &mut inc,
        &root,
        "themes/default/templates/partials/note-box.html",
        Some("<aside>new box</aside>"),
        "partial of a shortcode edited",
    );
    assert!(c.changed.contains(&uses), "{c:?}");
    let c = apply(
        &mut inc,
        &root,
        "themes/default/static/img/video.svg",
        Some("<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"),
        "youtube thumbnail edited",
    );
    assert!(c.changed.contains(&uses), "{c:?}");
    let c = apply(
        &mut inc,
        &root,
        "content/posts/target.md",
        Some("+++\ntitle = \"Target\"\ndate = 2024-01-01\nslug = \"moved\"\n+++\nT.\n"),
        "@/ target moved",
    );
    assert!(c.changed.contains(&uses), "{c:?}");
    let c = apply(
        &mut inc,
        &root,
        "content/misc/other.md",
        Some("+++\ntitle = \"Other\"\nslug = \"elsewhere\"\n+++\nO.\n"),
        "ref target moved",
    );
    assert!(c.changed.contains(&uses), "{c:?}");
    // A second file of the same name makes the bare relref ambiguous: an error, then fixed.
    write(&root, "content/notes/other.md", "+++\ntitle = \"Other note\"\n+++\nN.\n");
    let e = inc.apply(&[root.join("content/notes/other.md")]).expect_err("ambiguous relref");
    assert!(e.to_string().contains("content/posts/uses.md:7:") && e.to_string().contains("ambiguous"), "{e}");
    apply(
        &mut inc,
        &root,
        "content/posts/uses.md",
        Some("+++\ntitle = \"Uses\"\ndate = 2024-01-03\n+++\n[c]({{< relref \"/misc/other.md\" >}})\n"),
        "ambiguity fixed",
    );
}

#[test]
fn a_broken_shortcode_template_is_located() {
    let (_dir, root) = blog();
    write(&root, "themes/default/templates/shortcodes/note.html", "<p>\n{{ body }\n</p>\n");
    write(&root, "content/posts/n.md", "+++\ntitle = \"N\"\ndate = 2024-01-01\n+++\n{{< note >}}x{{< /note >}}\n");
    let err = build_err(&root);
    assert!(err.contains("themes/default/templates/shortcodes/note.html:2:"), "{err}");
}

/// Tera's message quotes names with backquotes and says "isn't": the file named is still the
/// shortcode's, not a piece of that sentence.
#[test]
fn a_shortcode_importing_missing_macros_names_its_file() {
    let (_dir, root) = blog();
    write(&root, "themes/default/templates/shortcodes/quote.html", "{% import \"macros/nowhere.html\" as m %}<q>{{ body }}</q>\n");
    write(&root, "content/posts/q.md", "+++\ntitle = \"Q\"\ndate = 2024-01-01\n+++\n{{< quote >}}x{{< /quote >}}\n");
    let err = build_err(&root);
    assert!(err.contains("themes/default/templates/shortcodes/quote.html") && err.contains("macros/nowhere.html"), "{err}");
}

/// The fixture blogs moved in with `init --from` use every form: each renders.
#[test]
fn moved_in_fixture_blogs_render_their_shortcodes_links_and_html_pages() {
    let out_dir = tempfile::tempdir().unwrap();
    let hugo = out_dir.path().join("hugo");
    let out = run(myblog().arg("init").arg(&hugo).arg("--from").arg(fixture("hugo-site")));
    assert!(out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("layouts/shortcodes/gist.html -> themes/default/templates/shortcodes/gist.html (translated to tera; replaces the default theme's gist)"), "{report}");
    build_ok(&hugo);
    let g = read(&hugo, "2023/05/02/gallery/index.html");
    let body = article_body(&g);
    assert!(body.contains("<figcaption>Hills in <em>May</em></figcaption>") && body.contains("<img src=\"/post/gallery/hills."), "{body}");
    assert!(body.contains("watch?v=dQw4w9WgXcQ") && body.contains("watch?v=abc123XYZ_-") && body.contains("The talk"), "{body}");
    assert!(body.contains("data-lang=\"go\"") && body.contains("https://gist.github.com/ann/1234abcd"), "{body}");
    assert!(body.contains("<a href=\"https://old-hugo.example.org/2019/04/23/roadmap/\">the roadmap</a>"), "{body}");
    assert!(body.contains("<a href=\"/travel/north/\">the trip</a>") && body.contains("/2021/06/01/survey-2021/#results\">the"), "{body}");
    assert!(body.contains("<a href=\"/about/\">about me</a>") && body.contains("<code>{{&lt; youtube x &gt;}}</code>"), "{body}");
    let notes = read(&hugo, "2021/09/14/notes-in-html/index.html");
    assert!(article_body(&notes).starts_with("<p>This page was written in <b>HTML</b>, not markdown: *these stars stay*.</p>"), "{notes}");

    let zola = out_dir.path().join("zola");
    let out = run(myblog().arg("init").arg(&zola).arg("--from").arg(fixture("zola-site")));
    assert!(out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("templates/shortcodes/note.html -> themes/default/templates/shortcodes/note.html"), "{report}");
    assert!(report.contains("templates/shortcodes/youtube.html: the default theme has its own youtube"), "{report}");
    assert!(report.contains("themes/default/templates/shortcodes/link_to.html: calls Zola's get_url, which myblog lacks"), "{report}");
    build_ok(&zola);
    let g = read(&zola, "blog/gallery/index.html");
    let body = article_body(&g);
    assert!(
        body.contains("<img src=\"/blog/gallery/hills.") && body.contains("watch?v=dQw4w9WgXcQ") && body.contains("data-lang=\"rust\""),
        "{body}"
    );
    assert!(body.contains("href=\"https://gist.github.com/zed/5678#file-main-rs\""), "{body}");
    assert!(
        body.contains("<a href=\"/blog/second/\">the second post</a>") && body.contains("<a href=\"/blog/\">its section</a>"),
        "{body}"
    );
    assert!(
        body.contains("<a href=\"/blog/gallery/#code\">the code below</a>")
            && body.contains("<a href=\"/blog/first-post/\">the first one</a>"),
        "{body}"
    );
    assert!(body.contains("<code>{{ youtube(id=\"x\") }}</code>"), "{body}");
    assert!(body.contains("<div class=\"note\"><p>A note in <em>markdown</em>, from the site’s own shortcode.</p>"), "{body}");
    assert!(!body.contains("<iframe"), "the default theme's youtube wins over the site's: {body}");
}

/// Hugo's built-ins that blogs use, in the default theme: `param`, `details`, and links (no
/// embed, which the CSP would block) for `vimeo`, `x`, `tweet` and `instagram`.
#[test]
fn hugo_builtins_in_the_default_theme() {
    let (_dir, root) = blog();
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    let toml = if toml.contains("\n[extra]\n") {
        toml.replace("\n[extra]\n", "\n[extra]\ncolor = \"red\"\n")
    } else {
        format!("{toml}\n[extra]\ncolor = \"red\"\n")
    };
    write(&root, "site.toml", &toml);
    write(
        &root,
        "content/posts/b.md",
        "+++\ntitle = \"B\"\ndate = 2024-01-02\n[extra]\nmood = \"good\"\n[extra.author]\nname = \"Ann\"\n+++\nMood {{< param \"mood\" >}}, color {{< param \"color\" >}}, by {{< param \"author.name\" >}}.\n\n{{< details summary=\"More *here*\" open=true >}}\nHidden **text**.\n{{< /details >}}\n\n{{< vimeo 55073825 >}}\n\n{{< x user=\"SanDiegoZoo\" id=\"1453110110599868418\" >}}\n\n{{< tweet 877500564405444608 >}}\n\n{{< instagram CxOWiQNP2MO >}}\n",
    );
    build_ok(&root);
    let html = read(&root, "posts/b/index.html");
    let body = article_body(&html);
    assert!(body.contains("<p>Mood good, color red, by Ann.</p>"), "{body}");
    assert!(
        body.contains("<details open>\n  <summary>More <em>here</em></summary>\n  <p>Hidden <strong>text</strong>.</p>\n</details>"),
        "{body}"
    );
    assert!(
        body.contains("<a class=\"video-link\" href=\"https://vimeo.com/55073825\">") && body.contains("Watch the video on Vimeo"),
        "{body}"
    );
    assert!(
        body.contains("href=\"https://x.com/SanDiegoZoo/status/1453110110599868418\">View the post by @SanDiegoZoo on X</a>"),
        "{body}"
    );
    assert!(body.contains("href=\"https://x.com/i/status/877500564405444608\">View the post on X</a>"), "{body}");
    assert!(body.contains("href=\"https://www.instagram.com/p/CxOWiQNP2MO/\">View the post on Instagram</a>"), "{body}");
    assert!(!body.contains("<iframe") && !body.contains("<script"), "{body}");
    write(&root, "content/posts/c.md", "+++\ntitle = \"C\"\ndate = 2024-01-03\n+++\nx\n\n{{< param \"nope\" >}}\n");
    let err = build_err(&root);
    assert!(err.contains("content/posts/c.md:7:1:") && err.contains("no parameter nope"), "{err}");
}
