//! Internal links: Zola's `@/path/to/file.md#anchor` and Hugo's `ref` / `relref` targets,
//! resolved to the URL path of the page made from that content file. Pure: built from the list
//! of published sources (content path → URL path).

use std::collections::{BTreeMap, HashMap, HashSet};

/// Every published page by its path under `content/`, and by file name for Hugo's bare names.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LinkIndex {
    by_rel: HashMap<String, String>,
    /// File name (`x.md`) → every rel path with that name.
    by_name: HashMap<String, Vec<String>>,
    /// URL path → the folder of the bundle (`x/index.md`) published there: Zola and Hugo publish
    /// a bundle's files beside its page, so other pages link to them by that URL.
    bundle_at: HashMap<String, String>,
    /// Sources that exist but are not published (drafts, future posts): a link to one gets
    /// its own message.
    hidden: HashSet<String>,
}

/// Why a link target does not resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkError {
    pub message: String,
    pub hint: String,
}

/// A resolved target: the page's URL path (`/posts/x/`) and the `#anchor` part, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub url_path: String,
    pub anchor: String,
}

const EXTENSIONS: &[&str] = &[".md", ".markdown", ".html"];

/// The folder of a bundle's page (`blog/x` for `blog/x/index.md`); none for any other file
/// (`_index.md` is a section, `myindex.md` a page of its own).
pub fn bundle_dir(rel: &str) -> Option<&str> {
    let (dir, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    EXTENSIONS.iter().any(|e| file.strip_prefix("index") == Some(*e)).then_some(dir)
}

impl LinkIndex {
    /// `pages`: (rel path, URL path) of every published source; `hidden`: rel paths of the others.
    pub fn new<'a>(pages: impl IntoIterator<Item = (&'a str, &'a str)>, hidden: impl IntoIterator<Item = &'a str>) -> LinkIndex {
        let mut index = LinkIndex::default();
        for (rel, url) in pages {
            index.by_rel.insert(rel.to_string(), url.to_string());
            if let Some(dir) = bundle_dir(rel) {
                index.bundle_at.insert(url.to_string(), dir.to_string());
            }
            let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
            index.by_name.entry(name).or_default().push(rel.to_string());
        }
        for v in index.by_name.values_mut() {
            v.sort();
        }
        index.hidden = hidden.into_iter().map(str::to_string).collect();
        index
    }

    /// The rel paths whose URL differs between two indexes (added, removed or moved).
    pub fn changed_since(&self, old: &LinkIndex) -> Vec<String> {
        let mut out: BTreeMap<&str, ()> = BTreeMap::new();
        for (rel, url) in &self.by_rel {
            if old.by_rel.get(rel) != Some(url) {
                out.insert(rel, ());
            }
        }
        for rel in old.by_rel.keys() {
            if !self.by_rel.contains_key(rel) {
                out.insert(rel, ());
            }
        }
        out.into_keys().map(str::to_string).collect()
    }

    /// The content folder of the bundle whose page is published at `url_path` (`/2024/x/`).
    pub fn bundle_at(&self, url_path: &str) -> Option<&str> {
        self.bundle_at.get(url_path).map(String::as_str)
    }

    /// Zola's `@/blog/post.md#part`: a path from `content/`, exactly as on disk.
    pub fn zola(&self, target: &str) -> Result<Target, LinkError> {
        let (path, anchor) = split_anchor(target.strip_prefix("@/").unwrap_or(target));
        match self.by_rel.get(path) {
            Some(url) => Ok(Target { url_path: url.clone(), anchor: anchor.to_string() }),
            None => Err(self.missing(&format!("@/{path}"), path, "write the path from content/, e.g. @/blog/my-post.md")),
        }
    }

    /// Hugo's `ref` / `relref` target, in every form Hugo accepts: relative to the page's folder
    /// (`other.md`, `../x.md`), from `content/` (`/post/x.md`, `post/x.md`), a bundle's folder
    /// (`post/trip`), without the extension, a bare file name when only one file has it, or
    /// only `#anchor` (the page itself).
    pub fn hugo(&self, from_dir: &str, from_url: &str, target: &str) -> Result<Target, LinkError> {
        let (path, anchor) = split_anchor(target.trim());
        let found = |url: &String| Ok(Target { url_path: url.clone(), anchor: anchor.to_string() });
        if path.is_empty() {
            return Ok(Target { url_path: from_url.to_string(), anchor: anchor.to_string() });
        }
        let mut bases: Vec<String> = Vec::new();
        if let Some(abs) = path.strip_prefix('/') {
            bases.push(abs.to_string());
        } else {
            if let Some(rel) = myblog_utils::resolve_relative(from_dir, path) {
                bases.push(rel);
            }
            bases.push(path.trim_start_matches("./").to_string());
        }
        for base in &bases {
            let base = base.trim_end_matches('/');
            let candidates = std::iter::once(base.to_string())
                .chain(EXTENSIONS.iter().map(|e| format!("{base}{e}")))
                .chain(["index.md", "_index.md", "index.markdown", "_index.markdown"].iter().map(|i| format!("{base}/{i}")));
            for c in candidates {
                if let Some(url) = self.by_rel.get(&c) {
                    return found(url);
                }
            }
        }
        if !path.contains('/') {
            let names: Vec<String> = std::iter::once(path.to_string()).chain(EXTENSIONS.iter().map(|e| format!("{path}{e}"))).collect();
            let hits: Vec<&String> = names.iter().filter_map(|n| self.by_name.get(n)).flatten().collect();
            match hits.as_slice() {
                [one] => return found(&self.by_rel[*one]),
                [] => {}
                many => {
                    let list: Vec<String> = many.iter().map(|r| format!("content/{r}")).collect();
                    return Err(LinkError {
                        message: format!("ref {target:?} is ambiguous: {} files have that name ({})", many.len(), list.join(", ")),
                        hint: "write the path from content/, e.g. \"/post/my-post.md\"".into(),
                    });
                }
            }
        }
        Err(self.missing(
            &format!("ref {target:?}"),
            bases.first().map(String::as_str).unwrap_or(path),
            "write the path from content/ (\"/post/my-post.md\"), relative to this page, or a file name found only once",
        ))
    }

    fn missing(&self, what: &str, rel: &str, hint: &str) -> LinkError {
        let hidden =
            std::iter::once(rel.to_string()).chain(EXTENSIONS.iter().map(|e| format!("{rel}{e}"))).find(|r| self.hidden.contains(r));
        match hidden {
            Some(h) => LinkError {
                message: format!("{what}: content/{h} is a draft or not published yet"),
                hint: "publish it first, or build with --drafts".into(),
            },
            None => LinkError { message: format!("{what}: no such page in content/"), hint: hint.into() },
        }
    }
}

fn split_anchor(s: &str) -> (&str, &str) {
    match s.find('#') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_an_index_file_is_a_bundle() {
        assert_eq!(super::bundle_dir("blog/x/index.md"), Some("blog/x"));
        assert_eq!(super::bundle_dir("index.md"), Some(""));
        assert_eq!(super::bundle_dir("blog/_index.md"), None);
        assert_eq!(super::bundle_dir("blog/myindex.md"), None);
    }

    use super::*;

    fn index() -> LinkIndex {
        LinkIndex::new(
            [
                ("post/roadmap.md", "/2019/04/23/roadmap/"),
                ("post/trip/index.md", "/post/trip/"),
                ("post/_index.md", "/post/"),
                ("about.md", "/about/"),
                ("notes/about.md", "/notes/about/"),
                ("notes/x.md", "/notes/x/"),
                ("post/x.md", "/post/x/"),
                ("post/survey.markdown", "/2021/survey/"),
            ],
            ["post/upcoming.md"],
        )
    }

    #[test]
    fn zola_paths_are_from_content() {
        let i = index();
        assert_eq!(
            i.zola("@/post/roadmap.md#details").unwrap(),
            Target { url_path: "/2019/04/23/roadmap/".into(), anchor: "#details".into() }
        );
        assert_eq!(i.zola("@/post/_index.md").unwrap().url_path, "/post/");
        let e = i.zola("@/post/nope.md").unwrap_err();
        assert!(e.message.contains("@/post/nope.md: no such page"), "{e:?}");
        let e = i.zola("@/post/upcoming.md").unwrap_err();
        assert!(e.message.contains("draft or not published"), "{e:?}");
    }

    #[test]
    fn hugo_paths_in_every_form() {
        let i = index();
        let url = |t: &str| i.hugo("post", "/post/here/", t).map(|t| format!("{}{}", t.url_path, t.anchor));
        assert_eq!(url("roadmap.md").unwrap(), "/2019/04/23/roadmap/", "relative to the page");
        assert_eq!(url("/post/roadmap.md").unwrap(), "/2019/04/23/roadmap/", "from content/");
        assert_eq!(url("post/roadmap").unwrap(), "/2019/04/23/roadmap/", "without extension");
        assert_eq!(url("../about.md").unwrap(), "/about/");
        assert_eq!(url("post/trip").unwrap(), "/post/trip/", "a bundle's folder");
        assert_eq!(url("survey").unwrap(), "/2021/survey/", "a bare name found once");
        assert_eq!(url("#top").unwrap(), "/post/here/#top");
        let e = i.hugo("", "/", "about.md").unwrap();
        assert_eq!(e.url_path, "/about/", "relative wins over the bare name");
        let e = i.hugo("elsewhere", "/y/", "x.md").unwrap_err();
        assert!(e.message.contains("ambiguous") && e.message.contains("content/notes/x.md, content/post/x.md"), "{e:?}");
        assert_eq!(i.hugo("notes", "/y/", "x").unwrap().url_path, "/notes/x/", "relative first");
        assert!(url("missing.md").unwrap_err().message.contains("no such page"));
    }

    #[test]
    fn changes_between_indexes() {
        let a = index();
        let b = LinkIndex::new([("post/roadmap.md", "/roadmap/"), ("about.md", "/about/")], []);
        let changed = b.changed_since(&a);
        assert!(changed.contains(&"post/roadmap.md".to_string()) && changed.contains(&"post/trip/index.md".to_string()));
        assert!(!changed.contains(&"about.md".to_string()));
    }
}
