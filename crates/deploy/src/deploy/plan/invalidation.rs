//! CloudFront invalidation paths: the URLs of a file, encoded as CloudFront requires, collapsed
//! into wildcards within its limits, and checked against its rules.

use std::collections::BTreeSet;

/// CloudFront's limit of file paths per invalidation batch, and in progress at once.
pub const MAX_INVALIDATION_PATHS: usize = 3000;
/// CloudFront's limit of wildcard paths in progress at once, all invalidations together.
pub const MAX_WILDCARDS_IN_PROGRESS: usize = 15;

/// What CloudFront wants encoded in an invalidation path: non-ASCII bytes (always encoded) and
/// RFC 1738's unsafe characters; "don't URL-encode any other characters in the path, or
/// CloudFront will not invalidate the old version" (its developer guide). `*` and `?` too,
/// so a file name can never act as a wildcard or a query.
pub(super) const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'~')
    .add(b'[')
    .add(b']')
    .add(b'`')
    .add(b'*')
    .add(b'?');

/// The URLs readers use for a file: a page `x/index.html` is both `/x/` and `/x/index.html`.
pub fn url_paths(url_base: &str, path: &str) -> Vec<String> {
    let enc = percent_encoding::utf8_percent_encode(path, URL_PATH).to_string();
    let base = url_base.trim_end_matches('/');
    let mut out = vec![format!("{base}/{enc}")];
    if enc == "index.html" {
        out.push(format!("{base}/"));
    } else if let Some(dir) = enc.strip_suffix("/index.html") {
        out.push(format!("{base}/{dir}/"));
    }
    out.sort();
    out
}

/// The folder of `path` at `level` (`/` is level 0, `/posts/` level 1), when it has one. A
/// folder's own URL (`/posts/x/`) lies under it: `/posts/x/*` covers it.
pub(super) fn folder_at(path: &str, level: usize) -> Option<&str> {
    let body = path.trim_end_matches('*');
    body.match_indices('/').nth(level).map(|(i, _)| &body[..=i])
}

/// Collapses invalidation paths to at most `max_paths` paths of which at most `max_wildcards`
/// are wildcards, replacing the paths under a folder with `folder/*`. The deepest level of
/// folders that can fit is used (deeper wildcards invalidate fewer innocent URLs), its
/// fullest folders first (each wildcard then saves the most paths); failing every level,
/// `/*`. `None` when not even that fits (no wildcard left). One pass per folder level, so a
/// site-wide change of 20,000 paths collapses in milliseconds.
pub fn collapse(paths: &[String], max_paths: usize, max_wildcards: usize) -> Option<Vec<String>> {
    let max_paths = max_paths.min(MAX_INVALIDATION_PATHS);
    let set: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let is_wild = |p: &str| p.ends_with('*');
    let wild = set.iter().filter(|p| is_wild(p)).count();
    if set.len() <= max_paths && wild <= max_wildcards {
        return Some(set.into_iter().map(str::to_string).collect());
    }
    if max_paths == 0 || max_wildcards == 0 {
        return None;
    }
    let deepest = set.iter().map(|p| p.trim_end_matches('*').matches('/').count()).max().unwrap_or(0);
    for level in (1..deepest).rev() {
        // Per folder of this level: entries under it, and how many of those are wildcards.
        let mut under: std::collections::HashMap<&str, (usize, usize)> = std::collections::HashMap::new();
        for p in &set {
            if let Some(f) = folder_at(p, level) {
                let e = under.entry(f).or_default();
                e.0 += 1;
                e.1 += usize::from(is_wild(p));
            }
        }
        let mut folders: Vec<(&str, usize, usize)> = under.into_iter().filter(|(_, (n, _))| *n >= 2).map(|(f, (n, w))| (f, n, w)).collect();
        folders.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let (mut size, mut wildcards) = (set.len(), wild);
        let mut chosen: BTreeSet<&str> = BTreeSet::new();
        for (f, n, w) in folders {
            if size <= max_paths && wildcards <= max_wildcards {
                break;
            }
            size = size + 1 - n;
            wildcards = wildcards + 1 - w;
            chosen.insert(f);
        }
        if size <= max_paths && wildcards <= max_wildcards {
            let mut out: BTreeSet<String> =
                set.iter().filter(|p| folder_at(p, level).is_none_or(|f| !chosen.contains(f))).map(|p| p.to_string()).collect();
            out.extend(chosen.iter().map(|f| format!("{f}*")));
            return Some(out.into_iter().collect());
        }
    }
    Some(vec!["/*".into()])
}

/// CloudFront's rules, which emulators do not enforce: at most 3000 paths, each starting
/// with `/`, a `*` only as the last character.
pub fn validate_invalidation(paths: &[String]) -> Result<(), String> {
    if paths.len() > MAX_INVALIDATION_PATHS {
        return Err(format!("{} invalidation paths, CloudFront accepts at most {MAX_INVALIDATION_PATHS}", paths.len()));
    }
    for p in paths {
        if !p.starts_with('/') {
            return Err(format!("invalidation path {p:?} does not start with /"));
        }
        if p.trim_end_matches('*').contains('*') || p.matches('*').count() > 1 {
            return Err(format!("invalidation path {p:?} has a * that is not its last character"));
        }
        if p.len() > 4096 || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("invalidation path {p:?} is too long or has unencoded characters"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_for_pages_files_and_sub_folder_sites() {
        assert_eq!(url_paths("", "index.html"), vec!["/", "/index.html"]);
        assert_eq!(url_paths("", "posts/x/index.html"), vec!["/posts/x/", "/posts/x/index.html"]);
        assert_eq!(url_paths("/blog", "atom.xml"), vec!["/blog/atom.xml"]);
        assert_eq!(url_paths("", "a b/*é.txt"), vec!["/a%20b/%2A%C3%A9.txt"]);
        // CloudFront's rules: RFC 1738's unsafe characters and non-ASCII encoded, nothing else.
        assert_eq!(url_paths("", "cv (2024).pdf"), vec!["/cv%20(2024).pdf"]);
        assert_eq!(url_paths("", "a+b=c&d,e;f'g!h$i@j:k.txt"), vec!["/a+b=c&d,e;f'g!h$i@j:k.txt"]);
        assert_eq!(
            url_paths("", "a~b{c}|d^e[f]`g#h%i?j<k>\"l\\m.txt"),
            vec!["/a%7Eb%7Bc%7D%7Cd%5Ee%5Bf%5D%60g%23h%25i%3Fj%3Ck%3E%22l%5Cm.txt"]
        );
        assert_eq!(url_paths("", "été/index.html"), vec!["/%C3%A9t%C3%A9/", "/%C3%A9t%C3%A9/index.html"]);
    }

    #[test]
    fn collapse_keeps_small_sets_and_covers_large_ones_with_few_wildcards() {
        let small: Vec<String> = vec!["/".into(), "/index.html".into()];
        assert_eq!(collapse(&small, 15, 15).unwrap(), small);
        let mut many: Vec<String> = (0..20).flat_map(|i| url_paths("", &format!("posts/p{i}/index.html"))).collect();
        many.extend(url_paths("", "index.html"));
        many.push("/atom.xml".into());
        let c = collapse(&many, 15, 15).unwrap();
        assert!(c.len() <= 15, "{c:?}");
        assert!(c.contains(&"/posts/*".to_string()), "{c:?}");
        assert!(c.contains(&"/atom.xml".to_string()) && c.contains(&"/".to_string()), "{c:?}");
        validate_invalidation(&c).unwrap();
        // Every original path is covered by the result.
        for p in &many {
            assert!(c.iter().any(|w| w == p || (w.ends_with('*') && p.starts_with(w.trim_end_matches('*')))), "{p} not covered by {c:?}");
        }
        assert_eq!(collapse(&many, 1, 15).unwrap(), vec!["/*"]);
        let deep: Vec<String> = (0..40).map(|i| format!("/a/b/c{i}.txt")).chain(["/x.txt".to_string()]).collect();
        assert_eq!(collapse(&deep, 3, 15).unwrap(), vec!["/a/b/*", "/x.txt"]);
    }

    #[test]
    fn collapse_never_needs_more_wildcards_than_cloudfront_allows_in_progress() {
        // The reported failure: 62 changed posts (124 paths) with invalidation_limit = 100
        // became 100 paths with 24 wildcards.
        let mut paths: Vec<String> = (0..62).flat_map(|i| url_paths("", &format!("posts/p{i}/index.html"))).collect();
        paths.push("/atom.xml".into());
        let c = collapse(&paths, 100, MAX_WILDCARDS_IN_PROGRESS).unwrap();
        assert!(c.len() <= 100 && c.iter().filter(|p| p.ends_with('*')).count() <= MAX_WILDCARDS_IN_PROGRESS, "{c:?}");
        for p in &paths {
            assert!(c.iter().any(|w| w == p || (w.ends_with('*') && p.starts_with(w.trim_end_matches('*')))), "{p} not covered by {c:?}");
        }
        // With 2 wildcards left, a deeper level can still fit a small change.
        let two: Vec<String> = ["a", "b"].iter().flat_map(|d| (0..5).map(move |i| format!("/x/{d}/{i}.html"))).collect();
        assert_eq!(collapse(&two, 3, 2).unwrap(), vec!["/x/a/*", "/x/b/*"]);
        assert_eq!(collapse(&two, 3, 1).unwrap(), vec!["/x/*"]);
        assert_eq!(collapse(&two, 3, 0), None, "no wildcard left: nothing fits");
        assert_eq!(collapse(&two, 20, 0).unwrap().len(), 10, "fits without wildcards");
    }

    #[test]
    fn invalidation_paths_are_validated() {
        assert!(validate_invalidation(&["/a".into(), "/b/*".into()]).is_ok());
        assert!(validate_invalidation(&["a".into()]).is_err());
        assert!(validate_invalidation(&["/a*/b".into()]).is_err());
        assert!(validate_invalidation(&["/a b".into()]).is_err());
        let too_many: Vec<String> = (0..3001).map(|i| format!("/{i}")).collect();
        assert!(validate_invalidation(&too_many).is_err());
    }
}
