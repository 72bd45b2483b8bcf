//! Static files: every file of the theme's `static/` and every non-markdown file under
//! `content/` is published as `name.<10 hex of blake3>.ext`, so browsers and CloudFront may
//! cache it forever. CSS `url(...)` references are rewritten to the hashed names first (so a
//! stylesheet's hash covers the names it points at). Files listed in `build.keep_names` keep
//! their name.

use globset::{Glob, GlobSet, GlobSetBuilder};
use myblog_utils::line_col;
use myblog_utils::resolve_relative;
use myblog_utils::url_path;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const HASH_LEN: usize = 10;

#[derive(Debug, Clone)]
pub enum AssetSource {
    /// Copied from this file at write time (keeps memory flat for photos).
    File(PathBuf),
    /// Rewritten content (CSS after `url()` rewriting).
    Bytes(Arc<Vec<u8>>),
    /// A photo published without its metadata: stripped again at write time, so a blog's
    /// photos are never all held in memory.
    StrippedFile(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Asset {
    /// Published path before hashing, relative to the site root (`css/site.css`).
    pub logical: String,
    /// Published path after hashing (`css/site.0123456789.css`).
    pub output: String,
    pub source: AssetSource,
    /// Where it came from, for messages (`themes/default/static/css/site.css`).
    pub display: PathBuf,
    pub blake3: String,
    pub size: u64,
    pub hashed: bool,
    /// For photos under `media/`: their displayed size, read from the header, so pages can
    /// announce their thumbnails (`srcset`) and intrinsic size without decoding them.
    pub image: Option<myblog_thumbnail::ImageInfo>,
}

/// Photos under this folder of `content/` get thumbnails (here and from the Lambda).
pub const MEDIA_PREFIX: &str = "media/";

/// All static files of a build, by logical path.
#[derive(Debug, Default, Clone)]
pub struct Assets {
    pub by_logical: HashMap<String, Asset>,
}

/// A static file to publish: its logical path and where to read it.
#[derive(Debug, Clone)]
pub struct StaticInput {
    pub logical: String,
    pub path: PathBuf,
    pub display: PathBuf,
}

impl Assets {
    pub fn get(&self, logical: &str) -> Option<&Asset> {
        self.by_logical.get(logical.trim_start_matches('/'))
    }

    /// Hashes every input (in parallel), strips photos of their metadata (unless told not to),
    /// rewrites CSS, and names the outputs.
    pub fn build(inputs: Vec<StaticInput>, config: &myblog_config::BuildConfig) -> Result<Assets> {
        let keep = keep_set(&config.keep_names)?;
        let strip_photos = config.strip_photo_metadata;
        let (css, other): (Vec<StaticInput>, Vec<StaticInput>) = inputs.into_iter().partition(|i| i.logical.ends_with(".css"));
        let hashed: Vec<std::result::Result<Asset, Diagnostic>> = other
            .into_par_iter()
            .map(|input| {
                let bytes = std::fs::read(&input.path).map_err(|e| Diagnostic::new(&input.display, format!("cannot read: {e}")))?;
                // Crawlers ask for /robots.txt only: the site's own keeps its name whatever
                // keep_names says, and replaces the generated one.
                let keep_name = keep.is_match(&input.logical) || input.logical == "robots.txt";
                let image = if input.logical.starts_with(MEDIA_PREFIX) && myblog_thumbnail::is_image_key(&input.logical) {
                    Some(myblog_thumbnail::probe(&bytes).map_err(|e| {
                        Diagnostic::new(&input.display, format!("cannot use this photo: {e}"))
                            .hint("photos under content/media/ get thumbnails: save it as a valid JPEG, PNG or WebP")
                    })?)
                } else {
                    None
                };
                // The hash (and so the name) is that of the bytes published: the stripped ones.
                let stripped = if strip_photos && crate::photo_meta::is_photo(&input.logical) {
                    crate::photo_meta::strip(&bytes).map_err(|e| {
                        Diagnostic::new(&input.display, format!("cannot remove the photo's location and device metadata: {e}"))
                            .hint("save the photo again as a valid image, or set `strip_photo_metadata = false` under [build] in site.toml")
                    })?
                } else {
                    None
                };
                let mut asset = match stripped {
                    Some(clean) => make_asset(input.logical, AssetSource::StrippedFile(input.path), input.display, &clean, keep_name),
                    None => make_asset(input.logical, AssetSource::File(input.path), input.display, &bytes, keep_name),
                };
                asset.image = image;
                Ok(asset)
            })
            .collect();
        let mut assets = Assets::default();
        let mut errors = Vec::new();
        for a in hashed {
            match a {
                Ok(a) => {
                    assets.by_logical.insert(a.logical.clone(), a);
                }
                Err(d) => errors.push(d),
            }
        }
        // CSS may import CSS: resolve in dependency order, detecting cycles.
        let mut pending: HashMap<String, (StaticInput, String)> = HashMap::new();
        for input in css {
            match std::fs::read(&input.path) {
                Ok(b) => match String::from_utf8(b) {
                    Ok(text) => {
                        pending.insert(input.logical.clone(), (input, text));
                    }
                    Err(_) => errors.push(Diagnostic::new(&input.display, "stylesheet is not valid UTF-8")),
                },
                Err(e) => errors.push(Diagnostic::new(&input.display, format!("cannot read: {e}"))),
            }
        }
        let mut order: Vec<String> = pending.keys().cloned().collect();
        order.sort();
        let mut missing = Vec::new();
        for logical in order {
            let mut stack = Vec::new();
            resolve_css(&logical, &mut pending, &mut assets, &keep, &mut stack, (&mut errors, &mut missing));
        }
        if config.keep_missing_css_urls {
            // A moved-in site's vendored stylesheet (KaTeX's without its fonts): Zola and Hugo
            // publish it as it is, so does myblog when told to, saying what is missing.
            let mut by_file: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            for d in &missing {
                let url = d.message.split_once(')').map(|(u, _)| u.trim_start_matches("url(")).unwrap_or(&d.message);
                by_file.entry(d.path.display().to_string()).or_default().push(url.to_string());
            }
            for (file, urls) in by_file {
                eprintln!("note: {file}: url() to {} missing file(s) kept as written ({}...)", urls.len(), urls[0]);
            }
        } else {
            errors.extend(missing);
        }
        if errors.is_empty() {
            Ok(assets)
        } else {
            Err(Error::Input(errors))
        }
    }
}

fn resolve_css(
    logical: &str,
    pending: &mut HashMap<String, (StaticInput, String)>,
    assets: &mut Assets,
    keep: &GlobSet,
    stack: &mut Vec<String>,
    (errors, missing): (&mut Vec<Diagnostic>, &mut Vec<Diagnostic>),
) {
    if assets.by_logical.contains_key(logical) {
        return;
    }
    let Some((input, text)) = pending.remove(logical) else { return };
    stack.push(logical.to_string());
    let dir = logical.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    // First make sure every stylesheet this one points at is hashed.
    for r in css_refs(&text) {
        let target = resolve_relative(dir, r.path);
        if let Some(t) = &target {
            if stack.contains(t) {
                let (line, col) = line_col(&text, r.start);
                errors.push(
                    Diagnostic::new(&input.display, format!("stylesheets import each other in a loop: {} -> {t}", stack.join(" -> ")))
                        .at(line, col),
                );
                stack.pop();
                return;
            }
            if pending.contains_key(t) {
                resolve_css(t, pending, assets, keep, stack, (&mut *errors, &mut *missing));
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in css_refs(&text) {
        let resolved = resolve_relative(dir, r.path).and_then(|t| assets.by_logical.get(&t));
        match resolved {
            Some(asset) => {
                out.push_str(&text[last..r.start]);
                out.push_str(&relative_url(dir, &asset.output));
                out.push_str(r.suffix);
                last = r.end;
            }
            None => {
                let (line, col) = line_col(&text, r.start);
                missing.push(
                    Diagnostic::new(&input.display, format!("url({}) points at a file that does not exist", r.path))
                        .at(line, col)
                        .hint("check the path: it is relative to the stylesheet's folder"),
                );
            }
        }
    }
    out.push_str(&text[last..]);
    stack.pop();
    let bytes = Arc::new(out.into_bytes());
    let keep_name = keep.is_match(logical);
    let asset = make_asset(logical.to_string(), AssetSource::Bytes(bytes.clone()), input.display, &bytes, keep_name);
    assets.by_logical.insert(asset.logical.clone(), asset);
}

fn make_asset(logical: String, source: AssetSource, display: PathBuf, bytes: &[u8], keep_name: bool) -> Asset {
    let hash = blake3::hash(bytes).to_hex().to_string();
    let output = if keep_name { logical.clone() } else { hashed_name(&logical, &hash[..HASH_LEN]) };
    Asset { logical, output, source, display, blake3: hash, size: bytes.len() as u64, hashed: !keep_name, image: None }
}

/// `css/site.css` + `0123456789` → `css/site.0123456789.css`.
pub fn hashed_name(logical: &str, hash: &str) -> String {
    let (dir, file) = match logical.rsplit_once('/') {
        Some((d, f)) => (Some(d), f),
        None => (None, logical),
    };
    let named = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{file}.{hash}"),
    };
    match dir {
        Some(d) => format!("{d}/{named}"),
        None => named,
    }
}

/// True for output paths that carry a content hash (`name.0123456789.ext`).
pub fn looks_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').any(|part| part.len() == HASH_LEN && part.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

fn keep_set(globs: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| Diagnostic::new("site.toml", format!("build.keep_names: {g:?} is not a valid glob: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| Diagnostic::new("site.toml", format!("build.keep_names: {e}")).into())
}

struct CssRef<'a> {
    /// Byte range of the reference's path (including any ?query/#fragment) in the text.
    start: usize,
    end: usize,
    path: &'a str,
    /// `?query` or `#fragment` kept after the rewritten path.
    suffix: &'a str,
}

/// Finds `url(...)` and `@import "..."` references to local files. Skips data:, absolute and
/// protocol-relative URLs and fragments.
fn css_refs(text: &str) -> Vec<CssRef<'_>> {
    let mut refs = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip comments: a commented-out url() is not a reference.
        if bytes[i..].starts_with(b"/*") {
            i = text[i + 2..].find("*/").map(|j| i + 2 + j + 2).unwrap_or(bytes.len());
            continue;
        }
        let (inner_start, closer): (usize, &[u8]) = if bytes[i..].len() >= 4 && bytes[i..i + 4].eq_ignore_ascii_case(b"url(") {
            let mut j = i + 4;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j) {
                Some(b'"') => (j + 1, b"\""),
                Some(b'\'') => (j + 1, b"'"),
                _ => (j, b")"),
            }
        } else if bytes[i..].starts_with(b"@import") {
            let mut j = i + 7;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j) {
                Some(b'"') => (j + 1, b"\""),
                Some(b'\'') => (j + 1, b"'"),
                _ => {
                    i = j.max(i + 1);
                    continue;
                }
            }
        } else {
            i += 1;
            continue;
        };
        let Some(len) = text[inner_start..].find(|c: char| closer.contains(&(c as u8))) else { break };
        let mut end = inner_start + len;
        let raw = &text[inner_start..end];
        let trimmed_len = raw.trim_end().len();
        end = inner_start + trimmed_len;
        let raw = &text[inner_start..end];
        let local = !(raw.is_empty()
            || raw.starts_with("data:")
            || raw.starts_with('#')
            || raw.starts_with("//")
            || raw.contains("://")
            || raw.starts_with('/') && raw.starts_with("//"));
        if local {
            let cut = raw.find(['?', '#']).unwrap_or(raw.len());
            refs.push(CssRef { start: inner_start, end, path: &raw[..cut], suffix: &raw[cut..] });
        }
        i = end + 1;
    }
    refs
}

/// A URL for `target` (relative to the site root) as seen from a file in `dir`: relative, so a
/// stylesheet works under any base path.
fn relative_url(dir: &str, target: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = "../".repeat(from.len() - common);
    out.push_str(&url_path(&to[common..].join("/")));
    out
}

/// The theme's `static/` files as publish inputs.
pub fn theme_inputs(root: &Path, theme_dir: &Path) -> Result<Vec<StaticInput>> {
    let static_dir = theme_dir.join("static");
    let mut out = Vec::new();
    if !static_dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(&static_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !myblog_utils::is_hidden_dir(e))
    {
        let entry = entry.map_err(|e| Error::Usage(format!("cannot read {}: {e}", static_dir.display())))?;
        if !entry.file_type().is_file() || myblog_utils::is_ignored(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let rel = entry.path().strip_prefix(&static_dir).unwrap_or(entry.path());
        let Some(logical) = rel.to_str().map(|s| s.replace('\\', "/")) else {
            return Err(Diagnostic::new(myblog_utils::rel_display(root, entry.path()), "file name is not valid UTF-8").into());
        };
        out.push(StaticInput { logical, path: entry.path().to_path_buf(), display: myblog_utils::rel_display(root, entry.path()) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_detection() {
        assert_eq!(hashed_name("css/site.css", "0123456789"), "css/site.0123456789.css");
        assert_eq!(hashed_name("LICENSE", "0123456789"), "LICENSE.0123456789");
        assert!(looks_hashed("css/site.0123456789.css"));
        assert!(!looks_hashed("posts/hello/index.html"));
    }

    #[test]
    fn css_refs_found_and_skipped() {
        let css = "a{background:url(../img/a.png)} /* url(x.png) */ b{src:url('f.woff2?v=1#x')} c{x:url(data:abc)} @import \"base.css\"; d{x:url(https://e.org/a.png)}";
        let refs: Vec<_> = css_refs(css).iter().map(|r| (r.path.to_string(), r.suffix.to_string())).collect();
        assert_eq!(refs, vec![("../img/a.png".into(), "".into()), ("f.woff2".into(), "?v=1#x".into()), ("base.css".into(), "".into())]);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(resolve_relative("css", "../img/a.png").as_deref(), Some("img/a.png"));
        assert_eq!(resolve_relative("", "../x"), None);
        assert_eq!(relative_url("css", "img/a.0123456789.png"), "../img/a.0123456789.png");
        assert_eq!(relative_url("css", "css/b.0123456789.css"), "b.0123456789.css");
        assert_eq!(relative_url("css", "img/my font.0123456789.woff2"), "../img/my%20font.0123456789.woff2");
    }

    #[test]
    fn urls_are_percent_encoded() {
        assert_eq!(url_path("media/what?.0123456789.jpg"), "media/what%3F.0123456789.jpg");
        assert_eq!(url_path("media/my photo #1.jpg"), "media/my%20photo%20%231.jpg");
        assert_eq!(url_path("media/résumé.jpg"), "media/r%C3%A9sum%C3%A9.jpg");
        assert_eq!(url_path("css/site.0123456789.css"), "css/site.0123456789.css");
    }

    #[test]
    fn a_missing_stylesheet_url_stops_the_build_unless_kept_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let css = dir.path().join("katex.css");
        std::fs::write(&css, "@font-face{src:url(fonts/a.woff)}").unwrap();
        let input = || vec![StaticInput { logical: "katex.css".into(), path: css.clone(), display: "content/katex.css".into() }];
        let strict = myblog_config::BuildConfig::default();
        let e = Assets::build(input(), &strict).err().expect("refused").to_string();
        assert!(e.contains("url(fonts/a.woff) points at a file that does not exist"), "{e}");
        let kept = myblog_config::BuildConfig { keep_missing_css_urls: true, ..Default::default() };
        let assets = Assets::build(input(), &kept).unwrap();
        let a = assets.get("katex.css").unwrap();
        match &a.source {
            AssetSource::Bytes(b) => assert_eq!(String::from_utf8_lossy(b), "@font-face{src:url(fonts/a.woff)}"),
            other => panic!("{other:?}"),
        }
    }
}
