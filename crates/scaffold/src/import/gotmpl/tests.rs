//! Each construct, translated and rendered by tera with myblog's shortcode context; the
//! expected outputs are what Hugo 0.168 writes for the same template and call.

use super::*;
use serde_json::{json, Value};

fn render(go: &str, named: Value, args: Value, body: Option<&str>) -> String {
    let src = translate(go, "note").unwrap_or_else(|e| panic!("{e}\n{go}"));
    render_tera(&src, named, args, body).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// Renders a translated template as the build's shortcode renderer does (autoescape, the escape
/// function, gofuncs' filters, the same context), with a stand-in `markdownify`. Compiling and
/// rendering errors come back with tera's whole chain of causes.
pub(super) fn render_tera(src: &str, named: Value, args: Value, body: Option<&str>) -> Result<String, String> {
    use std::error::Error as _;
    let chain = |e: tera::Error| {
        let mut msg = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            msg.push_str(&format!(": {c}"));
            cause = c.source();
        }
        msg
    };
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(myblog_utils::escape_html);
    myblog_markdown::register_go_functions(&mut tera, "/docs", "https://ex.org");
    // The real one renders markdown (shortcodes.rs); here its place in the output is enough.
    tera.register_filter("markdownify", |v: &Value, _: &std::collections::HashMap<String, Value>| {
        Ok(Value::String(format!("<md>{}</md>", v.as_str().unwrap_or(""))))
    });
    tera.register_filter("markdown", |v: &Value, _: &std::collections::HashMap<String, Value>| {
        Ok(Value::String(format!("<md-block>{}</md-block>", v.as_str().unwrap_or(""))))
    });
    // As the build's: the strings of the page's language.
    tera.register_function("trans", |args: &std::collections::HashMap<String, Value>| match args.get("key").and_then(Value::as_str) {
        Some("readMore") => Ok(Value::String("Read <more>".into())),
        other => Err(tera::Error::msg(format!("no string {other:?}"))),
    });
    tera.add_raw_template("shortcodes/note.html", src).map_err(chain)?;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "page",
        &json!({"title": "P & Q", "path": "/docs/p/", "permalink": "https://ex.org/docs/p/", "extra": {"mood": "good", "Size": 3}}),
    );
    ctx.insert(
        "config",
        &json!({"title": "Site", "base_url": "https://ex.org/docs", "language": "en", "extra": {"color": "red", "mainSections": ["post"]}}),
    );
    ctx.insert("nth", &2);
    ctx.insert("name", "note");
    ctx.insert("args", &args);
    if let Some(b) = body {
        ctx.insert("body", b);
    }
    for (k, v) in named.as_object().unwrap() {
        ctx.insert(k.as_str(), v);
    }
    ctx.insert("named", &named);
    tera.render("shortcodes/note.html", &ctx).map_err(chain)
}

fn named(go: &str, n: Value) -> String {
    render(go, n, json!([]), None)
}

fn positional(go: &str, a: Value) -> String {
    render(go, json!({}), a, None)
}

fn refused(go: &str) -> Untranslatable {
    translate(go, "x").expect_err("must be refused")
}

#[test]
fn arguments_named_positional_and_missing() {
    let t = r#"[{{ .Get "title" }}|{{ .Get "nope" }}|{{ .Get 0 }}|{{ .IsNamedParams }}]"#;
    assert_eq!(named(t, json!({"title": "A <b>"})), "[A &lt;b&gt;|||true]");
    assert_eq!(positional(t, json!(["first"])), "[||first|false]");
    // Any name, even one that is no tera identifier or that names a context variable.
    assert_eq!(named(r#"{{ .Get "data-x" }}/{{ .Get "page" }}"#, json!({"data-x": 1, "page": "p"})), "1/p");
    assert_eq!(named("{{ .Name }} {{ .Ordinal }}", json!({})), "note 1");
}

#[test]
fn with_rebinds_dot_and_else() {
    let t = r#"{{ with .Get "class" }}<div class="{{ . }}">{{ else }}<div>{{ end }}{{ with $c := .Get "class" }}{{ $c }}{{ end }}"#;
    assert_eq!(named(t, json!({"class": "warn"})), "<div class=\"warn\">warn");
    assert_eq!(named(t, json!({})), "<div>");
    let t = r#"{{ with .Get "a" }}a={{ . }}{{ else with .Get "b" }}b={{ . }}{{ else }}none{{ end }}"#;
    assert_eq!(named(t, json!({"b": 2})), "b=2");
    assert_eq!(named(t, json!({})), "none");
    // `$` stays the shortcode inside.
    assert_eq!(named(r#"{{ with .Get "a" }}{{ $.Get "b" }}{{ end }}"#, json!({"a": 1, "b": "B"})), "B");
}

#[test]
fn conditions() {
    let t = r#"{{ if and (eq (.Get "k") "warn" "error") (not (.Get "quiet")) }}loud{{ else if or (gt (.Get "n") 2) (in "abc" "b") }}some{{ else }}none{{ end }}"#;
    assert_eq!(named(t, json!({"k": "error", "n": 0})), "loud");
    assert_eq!(named(t, json!({"k": "error", "quiet": true, "n": 3})), "some");
    assert_eq!(named(r#"{{ if ne (.Get "n") 1 }}ne{{ end }}{{ if lt 1 2 }}lt{{ end }}"#, json!({"n": 2})), "nelt");
    // `and` / `or` return an operand, lazily.
    assert_eq!(named(r#"{{ or (.Get "a") (.Get "b") "c" }}|{{ and 1 (.Get "b") }}"#, json!({"b": "B"})), "B|B");
}

#[test]
fn range_lists_maps_and_else() {
    let t = r#"{{ range $i, $v := split (.Get "items") "," }}{{ if $i }}, {{ end }}{{ $i }}:{{ $v }}{{ end }}"#;
    assert_eq!(named(t, json!({"items": "a,b,c"})), "0:a, 1:b, 2:c");
    // Over a map: values in key order; `$k, $v` are key and value.
    let t = r#"{{ range $k, $v := .Params }}{{ $k }}={{ $v }};{{ end }}|{{ range .Params }}{{ . }}{{ end }}"#;
    assert_eq!(named(t, json!({"b": 2, "a": 1})), "a=1;b=2;|12");
    assert_eq!(positional(t, json!(["x", "y"])), "0=x;1=y;|xy");
    let t = r#"{{ range .Params }}{{ if eq . "stop" }}{{ break }}{{ end }}{{ . }}{{ else }}empty{{ end }}"#;
    assert_eq!(positional(t, json!(["a", "stop", "c"])), "a");
    assert_eq!(positional(t, json!([])), "empty");
    assert_eq!(named(r#"{{ range site.Params.mainSections }}[{{ . }}]{{ end }}"#, json!({})), "[post]");
}

#[test]
fn variables_declared_and_assigned() {
    let t = r#"{{ $n := 0 }}{{ $s := "" }}{{ range .Params }}{{ $n = add1 }}{{ end }}"#;
    assert!(refused(t).construct.contains("add1"));
    let t = r#"{{ $last := "none" }}{{ range .Params }}{{ $last = . }}{{ end }}{{ $last }}"#;
    assert_eq!(positional(t, json!(["a", "b"])), "b");
    let t = r#"{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }}-{{ $x }}"#;
    assert_eq!(named(t, json!({})), "inner-outer");
    let t = r#"{{ range .Params }}{{ $v := . }}{{ range $.Params }}{{ $v = . }}{{ end }}{{ end }}"#;
    assert!(refused(t).why.contains("nested range"));
}

#[test]
fn functions() {
    let t = r#"{{ .Get "title" | default "Note" }}|{{ default "x" (.Get 0) }}|{{ printf "%s-%d%%" "a" 3 }}|{{ print "a" (.Get "n") "b" }}"#;
    assert_eq!(named(t, json!({"n": 5})), "Note|x|a-3%|a5b");
    let t = r#"{{ lower "AbC" }}{{ upper "x" }}|{{ trim "--a--" "-" }}|{{ trim " a\n" " \t\r\n" }}|{{ urlize "Hello World" }}"#;
    assert_eq!(named(t, json!({})), "abcX|a|a|hello-world");
    let t = r#"{{ relURL "x/y" }} {{ absURL "x" }} {{ "/z" | relURL }} {{ len "abc" }} {{ index .Params "k" }} {{ isset .Params "k" }} {{ isset .Params "q" }}"#;
    assert_eq!(named(t, json!({"k": "v"})), "/docs/x/y https://ex.org/docs/x /z 3 v true false");
    assert_eq!(positional(r#"{{ index .Params 1 }}"#, json!(["a", "b"])), "b");
    assert_eq!(named(r#"{{ replace "a-b-c" "-" "+" }}|{{ "<b>" | plainify }}"#, json!({})), "a+b+c|");
    assert_eq!(
        render(r#"[{{ .Inner | chomp }}|{{ anchorize "Hello, World!" }}]"#, json!({}), json!([]), Some("<b>a</b>\r\n")),
        "[<b>a</b>|hello-world]"
    );
}

#[test]
fn strings_of_the_site_through_i18n() {
    assert_eq!(
        named(r#"{{ i18n "readMore" }}|{{ T "readMore" }}|{{ "readMore" | i18n }}"#, json!({})),
        "Read &lt;more&gt;|Read &lt;more&gt;|Read &lt;more&gt;"
    );
    assert!(refused(r#"{{ i18n "posts" 3 }}"#).to_string().contains("plural"));
}

#[test]
fn page_and_site() {
    let t = "{{ .Page.Title }}|{{ .Page.RelPermalink }}|{{ .Page.Permalink }}|{{ .Page.Params.mood }}|{{ .Page.Params.size }}|{{ .Page.Params.none }}";
    assert_eq!(named(t, json!({})), "P &amp; Q|/docs/p/|https:&#x2F;&#x2F;ex.org/docs/p/|good|3|".replace("&#x2F;", "/"));
    let t = "{{ .Site.Title }}|{{ .Site.BaseURL }}|{{ .Site.Params.color }}|{{ site.Params.color }}|{{ .Site.LanguageCode }}|{{ .Page.Param \"color\" }}";
    assert_eq!(named(t, json!({})), "Site|https://ex.org/docs/|red|red|en|red");
    assert_eq!(refused("{{ .Page.Params.tags }}").construct, ".Params.tags");
}

#[test]
fn escaping_as_html_template_does() {
    // Values are escaped, HTML is not: .Inner, safeHTML, markdownify.
    let t = r#"{{ .Get "t" }}|{{ .Get "t" | safeHTML }}|{{ .Inner }}|{{ .Inner | markdownify }}"#;
    assert_eq!(render(t, json!({"t": "<i>"}), json!([]), Some("*x*")), "&lt;i&gt;|<i>|*x*|<md>*x*</md>");
    assert_eq!(render("[{{ .Inner }}]", json!({}), json!([]), None), "[]");
    // In URL attributes: normalised at the start, escaped in the query; unsafe schemes refused.
    let t = r#"<a href="{{ .Get "u" }}" title="{{ .Get "t" }}">"#;
    assert_eq!(
        named(t, json!({"u": "https://x.org/a b?q=1&r=2", "t": "a \"b\""})),
        r#"<a href="https://x.org/a%20b?q=1&amp;r=2" title="a &quot;b&quot;">"#
    );
    assert_eq!(named(t, json!({"u": "javascript:alert(1)", "t": ""})), r##"<a href="#ZgotmplZ" title="">"##);
    assert_eq!(
        named(r#"<a href="https://y.org/?v={{ .Get 0 }}">"#.replace(".Get 0", ".Get \"v\"").as_str(), json!({"v": "x y/z&w"})),
        r#"<a href="https://y.org/?v=x%20y%2fz%26w">"#
    );
    assert_eq!(named(r#"<a href="{{ .Get "u" | safeURL }}">"#, json!({"u": "javascript:x()"})), r#"<a href="javascript:x%28%29">"#);
    // Comments in the text are dropped, trim markers eat whitespace, tera syntax stays text.
    let t = "<p>\n  {{- /* a comment */ -}}\n  <!-- gone -->x {{ \"y\" -}}   \n  {{ \"{{ z }}\" }} {% raw %}</p>";
    assert_eq!(named(t, json!({})), "<p>x y{{ z }} {% raw %}</p>");
    // A `{` right before an action stays text.
    assert_eq!(named(r#"{ {{- .Get "a" }}}"#, json!({"a": 1})), "{1}");
    // In a style attribute, Go's CSS value filter; HTML in an attribute loses its tags.
    let t = r#"<div style="width: {{ .Get "w" }}; color: {{ .Get "c" | safeCSS }}" title="{{ .Get "t" | safeHTML }}">"#;
    assert_eq!(
        named(t, json!({"w": "300px", "c": "red", "t": "<b>B</b> & co"})),
        r#"<div style="width: 300px; color: red" title="B & co">"#
    );
    assert_eq!(named(t, json!({"w": "1px;x:y", "c": "", "t": ""})), r#"<div style="width: ZgotmplZ; color: " title="">"#);
    assert_eq!(
        refused(r#"<div style="background: url({{ .Get 0 }})">"#).why,
        "values inside a CSS string, url(…) or comment in a style attribute are not ported"
    );
    // safeHTMLAttr inside a tag.
    assert_eq!(named(r#"<a {{ printf "rel=%s" "me" | safeHTMLAttr }}>"#, json!({})), "<a rel=me>");
}

#[test]
fn html_and_text_mixed() {
    // Go prints `.Inner` as it is and the default text escaped, whichever is chosen.
    let t = r#"{{ .Inner | default "<Click>" }}|{{ or .Inner "<b>" }}"#;
    assert_eq!(render(t, json!({}), json!([]), Some("<i>x</i>")), "<i>x</i>|<i>x</i>");
    assert_eq!(render(t, json!({}), json!([]), None), "&lt;Click&gt;|&lt;b&gt;");
    // A branch may end right after an attribute's name, as Go allows.
    let t = r#"<video {{ with .Get "a" }}autoplay{{ end }}>{{ .Get "b" }}</video>"#;
    assert_eq!(named(t, json!({"a": true, "b": "<"})), "<video autoplay>&lt;</video>");
}

#[test]
fn inner_deindent() {
    assert_eq!(render("{{ .InnerDeindent }}", json!({}), json!([]), Some("\n    a\n      b\n")), "\na\n  b\n");
}

#[test]
fn what_is_not_ported_is_named_with_its_line() {
    let cases = [
        ("<p>\n{{ partial \"x.html\" . }}", 2, "partial \"x.html\""),
        ("{{ $img := resources.Get \"a.jpg\" }}", 1, "resources.Get"),
        ("{{ with .Page.Resources.GetMatch \"x\" }}{{ end }}", 1, ".Page.Resources"),
        ("\n\n{{ $.Page.Scratch.Set \"a\" 1 }}", 3, ".Page.Scratch"),
        ("{{ humanize \"x\" }}", 1, "humanize"),
        ("{{ \"x\" | title }}", 1, "title"),
        ("<script>\nvar x = {{ .Get 0 }};\n</script>", 2, "{{ … }}"),
        ("<a onclick=\"{{ .Get 0 }}\">", 1, "{{ … }}"),
        ("<a title={{ .Get 0 }}>", 1, "{{ … }}"),
        ("{{ define \"x\" }}{{ end }}", 1, "define"),
        ("{{ if .Get 0 }}<a href=\"{{ else }}<b>{{ end }}x", 1, "if"),
        ("{{ printf \"%5.2f\" 1.5 }}", 1, "printf %5"),
        ("{{ .Page.Date }}", 1, ".Page.Date"),
        ("{{ if true }}\nopen", 1, "if"),
        ("{{ .Site.Params }}", 1, "{{ .Params }}"),
        ("{{ .Page.Params.author }}", 1, ".Params.author"),
        ("{{ .Page.Param \"date\" }}", 1, ".Param"),
        ("{{ with .Get 0 }}{{ else }}{{ $.Get 1 }}{{ end }}{{ safeJS 1 }}", 1, "safeJS"),
    ];
    for (go, line, construct) in cases {
        let e = refused(go);
        assert_eq!((e.line, e.construct.as_str()), (line, construct), "{go}: {e}");
    }
}

#[test]
fn warnings_print_nothing_and_branches_join_inside_an_attribute() {
    // Hugo's own `comment` and `gist`, PaperMod's `collapse`: the warning (with `.Position`,
    // which is not ported) goes to Hugo's log only.
    assert_eq!(named(r#"{{ warnf "no %s: %s" "x" .Position }}a{{- warnidf "id" "w" -}}"#, json!({})), "a");
    // PaperMod's and Terminal's `figure`: text written in one branch only, in a class.
    let t = r#"<p class="{{ if eq (.Get "align") "center" }}align-center {{ end }}{{ with .Get "class" }}{{ . }}{{ else }}x{{ end }}" title="{{ .Get "t" }}">"#;
    assert_eq!(named(t, json!({"align": "center", "class": "a&b", "t": "<"})), r#"<p class="align-center a&amp;b" title="&lt;">"#);
    assert_eq!(named(t, json!({})), r#"<p class="x" title="">"#);
    // In a URL, where a value lands after such branches is ambiguous: refused as Go does; text
    // may follow (Hugo's `gist`), and a `?` makes it the query again.
    let e = refused(r#"<a href="{{ if .Get "x" }}/a?{{ end }}{{ .Get "y" }}">"#);
    assert_eq!((e.line, e.construct.as_str()), (1, "{{ … }}"));
    let t = r#"<a href="/g/{{ .Get 0 }}.js{{ if eq (len .Params) 2 }}?file={{ .Get 1 }}{{ end }}">"#;
    assert_eq!(positional(t, json!(["a b", "c&d"])), r#"<a href="/g/a%20b.js?file=c%26d">"#);
    assert_eq!(positional(t, json!(["x"])), r#"<a href="/g/x.js">"#);
    assert_eq!(positional(r#"<a href="/{{ if .Get 0 }}a{{ end }}?q={{ .Get 0 }}">"#, json!(["&"])), r#"<a href="/a?q=%26">"#);
}

#[test]
fn plainify_is_html() {
    // hugo-book's `badge`; the outputs are Hugo 0.168's: the text left is not escaped again,
    // and in an attribute it is HTML printed there (tags gone, `&` kept, quotes escaped).
    let t = r#"<p title="{{ .Get "a" | plainify }}">{{ .Get "a" | plainify }}|{{ .Get "b" | plainify }}|{{ .Inner | plainify }}</p>"#;
    let a = r#"T&x <b>y</b> &amp; "q" 'a'"#;
    assert_eq!(
        render(t, json!({"a": a, "b": "a<b"}), json!([]), Some("<i>i</i> & j")),
        r#"<p title="T&x y &amp; &#34;q&#34; &#39;a&#39;">T&x y &amp; "q" 'a'|a<b|i & j</p>"#
    );
}

#[test]
fn slices_and_render_string_as_a_block() {
    // Hugo's own `details`, `youtube`, `vimeo`: a boolean argument given any way.
    let t =
        r#"{{ if in (slice "true" true 1) (.Get "open") }}open{{ else }}shut{{ end }}|{{ len (slice 1 2) }}|{{ index (slice "a" "b") 1 }}"#;
    assert_eq!(named(t, json!({"open": true})), "open|2|b");
    assert_eq!(named(t, json!({"open": "true"})), "open|2|b");
    assert_eq!(named(t, json!({"open": "yes"})), "shut|2|b");
    let t = r#"{{ .Inner | .Page.RenderString (dict "display" "block") }}|{{ .Page.RenderString (dict "display" "inline") "x" }}"#;
    assert_eq!(render(t, json!({}), json!([]), Some("*a*")), "<md-block>*a*</md-block>|<md>x</md>");
    assert_eq!(refused(r#"{{ slice 1 2 }}"#).construct, "{{ .Params }}");
}

#[test]
fn cond_and_get_with_a_variable() {
    // hugo-book's `details` and `tab`, Hextra's `callout`: `cond`, and `.Get` of a name or a
    // position held in a variable.
    let t = r#"{{ $k := "a" }}{{ if not .IsNamedParams }}{{ $k = 1 }}{{ end }}[{{ .Get $k }}|{{ cond .IsNamedParams "n" (.Get 0) }}|{{ cond false (.Inner) "<t>" }}]"#;
    assert_eq!(named(t, json!({"a": "A&"})), "[A&amp;|n|&lt;t&gt;]");
    assert_eq!(positional(t, json!(["x", "y<"])), "[y&lt;|x|&lt;t&gt;]");
    assert_eq!(positional(r#"{{ $i := 5 }}[{{ .Get $i }}]"#, json!(["x"])), "[]");
}

fn with_partials(go: &str, partials: &[(&str, &str)], args: Value) -> Result<String, String> {
    let partials = Partials(partials.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    let src = translate_with(go, "note", &partials).map_err(|e| e.to_string())?;
    render_tera(&src, json!({}), args, None)
}

#[test]
fn partials_are_translated_in_place_with_their_own_dot() {
    let parts = [
        ("home.html", "<b>{{ .Title }}</b>"),
        ("donors/ann.html", "<i>{{ $.Title }} {{ with .Title }}{{ . }}{{ end }}</i>"),
        ("box.html", "[{{ . }}]"),
    ];
    // Named in the call, with `.Page` or a value as its dot (`$` is the partial's context too).
    assert_eq!(with_partials("a{{ partial \"home.html\" .Page }}z", &parts, json!([])).unwrap(), "a<b>P &amp; Q</b>z");
    assert_eq!(with_partials("{{ partial \"box\" (.Get 0) }}", &parts, json!(["<x>"])).unwrap(), "[&lt;x&gt;]");
    // The caller's variables are not the partial's.
    let err = with_partials("{{ $v := 1 }}{{ partial \"v.html\" . }}", &[("v.html", "{{ $v }}")], json!([])).unwrap_err();
    assert!(err.contains("in partial v.html") && err.contains("not declared"), "{err}");
    // Named at the call (redox's `{{ partial (.Get 0) .Page }}`): chosen among the partials.
    let dynamic = "{{ partial (.Get 0) .Page }}";
    assert_eq!(with_partials(dynamic, &parts, json!(["donors/ann.html"])).unwrap(), "<i>P &amp; Q P &amp; Q</i>");
    assert_eq!(with_partials(dynamic, &parts, json!(["home"])).unwrap(), "<b>P &amp; Q</b>");
    // A name that is none of them stops the build, naming it.
    let err = with_partials(dynamic, &parts, json!(["nope.html"])).unwrap_err();
    assert!(err.contains("Hugo partial nope.html") && err.contains("not ported"), "{err}");
    // One that does not translate is left out of the choice, and named when called.
    let err = with_partials(dynamic, &[("bad.html", "{{ humanize 1 }}")], json!(["bad.html"])).unwrap_err();
    assert!(err.contains("Hugo partial bad.html"), "{err}");
    // Named in the call but missing, or used as a value: refused with the line.
    let e = translate_with("\n{{ partial \"gone.html\" . }}", "x", &Partials(Default::default())).unwrap_err();
    assert_eq!((e.line, e.construct.as_str()), (2, "partial \"gone.html\""));
    assert_eq!(refused("{{ $x := partial \"home.html\" . }}").construct, "partial");
    // A partial calling itself is cut off, not looped.
    let err = with_partials("{{ partial \"r.html\" . }}", &[("r.html", "{{ partial \"r.html\" . }}")], json!([])).unwrap_err();
    assert!(err.contains("nested"), "{err}");
}
