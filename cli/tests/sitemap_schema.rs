//! The sitemaps myblog writes validate against the sitemap protocol's own XML schemas
//! (`tests/schemas/sitemap.xsd` and `siteindex.xsd`, copies of the sitemaps.org documents), checked
//! by the `xmlschema` validator from the test venv: on the example blog, and on a blog big enough
//! that the sitemap splits into an index and several files.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Validates each file against `sitemap.xsd` or `siteindex.xsd` (picked by its root element) and
/// returns the validator's verdict per file: `Ok(())` or the reasons it was rejected. A missing
/// `xmlschema` fails the test (the venv installer puts it there from scripts/test-requirements.txt).
fn validate(files: &[PathBuf]) -> Vec<(PathBuf, Result<(), String>)> {
    const SCRIPT: &str = r#"
import sys, xmlschema
from xml.etree import ElementTree
schemas_dir, files = sys.argv[1], sys.argv[2:]
schemas = {
    "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset": xmlschema.XMLSchema(schemas_dir + "/sitemap.xsd"),
    "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex": xmlschema.XMLSchema(schemas_dir + "/siteindex.xsd"),
}
for f in files:
    try:
        root = ElementTree.parse(f).getroot().tag
        schema = schemas.get(root)
        if schema is None:
            print(f"INVALID\t{f}\troot element {root} is neither urlset nor sitemapindex in the sitemap namespace")
            continue
        errors = [str(e).splitlines()[0] for e in schema.iter_errors(f)]
    except Exception as e:
        errors = [f"{type(e).__name__}: {e}".splitlines()[0]]
    print(("INVALID\t" + f + "\t" + " | ".join(errors[:3])) if errors else ("VALID\t" + f))
"#;
    let python = test_support::venv_bin("python");
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas");
    let out = Command::new(&python).arg("-c").arg(SCRIPT).arg(&schemas).args(files).output().expect("run the venv's python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "xmlschema did not run ({}); is it in the venv? run scripts/install-test-tools\n{}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<(PathBuf, Result<(), String>)> = stdout
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let verdict = parts.next().unwrap();
            let file = PathBuf::from(parts.next().unwrap_or_default());
            let result = if verdict == "VALID" { Ok(()) } else { Err(parts.next().unwrap_or_default().to_string()) };
            (file, result)
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "the validator answered for every file: {stdout}");
    verdicts
}

fn sitemap_files(public: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(public)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("sitemap") && p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

fn assert_all_valid(files: &[PathBuf]) {
    let invalid: Vec<String> = validate(files).into_iter().filter_map(|(f, r)| r.err().map(|e| format!("{}: {e}", f.display()))).collect();
    assert!(invalid.is_empty(), "sitemaps rejected by the sitemaps.org schema:\n{}", invalid.join("\n"));
}

#[test]
fn example_blog_sitemap_validates_against_the_schema() {
    let dir = example_site();
    let root = dir.path().join("blog");
    build_ok(&root);
    let files = sitemap_files(&root.join("public"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert_all_valid(&files);
}

/// Past 50,000 URLs the sitemap becomes an index plus several files; all of them validate. The
/// site gets there cheaply: one home page per post (`paginate_by = 1`) and one tag per post, so
/// 17,000 one-line posts make over 51,000 pages.
#[test]
fn split_sitemap_and_its_index_validate_against_the_schemas() {
    let dir = mini_site();
    let root = dir.path();
    let config = std::fs::read_to_string(root.join("site.toml")).unwrap().replace("paginate_by = 2", "paginate_by = 1");
    std::fs::write(root.join("site.toml"), config).unwrap();
    let posts = root.join("content/posts");
    for i in 0..17_000 {
        let (month, day) = (1 + i % 12, 1 + i % 28);
        std::fs::write(
            posts.join(format!("p{i}.md")),
            format!("+++\ntitle = \"Post {i}\"\ndate = 2023-{month:02}-{day:02}\ntags = [\"t{i}\"]\n+++\nBody {i}.\n"),
        )
        .unwrap();
    }
    build_ok(root);
    let public = root.join("public");
    let files = sitemap_files(&public);
    let index = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(index.contains("<sitemapindex"), "sitemap.xml is not an index: {}", &index[..index.len().min(300)]);
    assert_eq!(files.len(), 3, "an index and two sitemaps: {files:?}");
    let urls: usize = files.iter().map(|f| std::fs::read_to_string(f).unwrap().matches("<url>").count()).sum();
    assert!(urls > 50_000, "{urls} URLs");
    assert_all_valid(&files);
}

/// The validator is live: it rejects sitemaps broken the ways a generator could break them.
#[test]
fn the_schema_check_rejects_broken_sitemaps() {
    let dir = mini_site();
    build_ok(dir.path());
    let good = std::fs::read_to_string(dir.path().join("public/sitemap.xml")).unwrap();
    assert!(good.contains("<lastmod>"), "{good}");
    let broken = [
        ("relative-loc.xml", good.replacen("<loc>https://mini.example.org/", "<loc>/", 1)),
        ("bad-lastmod.xml", regex_free_replace_lastmod(&good)),
        ("wrong-namespace.xml", good.replace("http://www.sitemaps.org/schemas/sitemap/0.9", "http://example.org/sitemap")),
        ("unknown-element.xml", good.replacen("</loc>", "</loc>\n    <title>x</title>", 1)),
        ("not-xml.xml", good.replacen("</urlset>", "", 1)),
        ("index-without-loc.xml", "<?xml version=\"1.0\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap></sitemap></sitemapindex>\n".to_string()),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut files = vec![dir.path().join("public/sitemap.xml")];
    for (name, body) in &broken {
        assert_ne!(body, &good, "{name} is really broken");
        let path = tmp.path().join(name);
        std::fs::write(&path, body).unwrap();
        files.push(path);
    }
    let verdicts = validate(&files);
    assert!(verdicts[0].1.is_ok(), "the real sitemap validates: {:?}", verdicts[0]);
    for (file, verdict) in &verdicts[1..] {
        assert!(verdict.is_err(), "{} was accepted", file.display());
    }
}

/// `<lastmod>2024-01-02</lastmod>` becomes a date the W3C format does not allow.
fn regex_free_replace_lastmod(sitemap: &str) -> String {
    let start = sitemap.find("<lastmod>").unwrap() + "<lastmod>".len();
    let end = start + sitemap[start..].find("</lastmod>").unwrap();
    format!("{}02/01/2024{}", &sitemap[..start], &sitemap[end..])
}
