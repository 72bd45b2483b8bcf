//! `myblog init DIR --from SITE`: a Zola or Hugo site moves in as it is. Their config is mapped
//! to site.toml (what has no counterpart is reported, not guessed), `content/` is copied byte for
//! byte, their `static/` files join it under the names they had. SITE is only read.

mod config;
mod gotmpl;
mod languages;
mod shortcodes;

pub use config::{map_hugo, map_zola, Mapping};
use myblog_config::Dialect;
use myblog_utils::Error;
use myblog_utils::Result;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// What `init --from` did, printed for the author.
#[derive(Debug, Default)]
pub struct Report {
    pub tool: &'static str,
    pub config_file: String,
    pub mapped: Vec<String>,
    pub not_mapped: Vec<String>,
    pub copied: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Moved in a {} site: {} files copied, site.toml written from {}.", self.tool, self.copied, self.config_file)?;
        writeln!(f, "Mapped:")?;
        for m in &self.mapped {
            writeln!(f, "  {m}")?;
        }
        if !self.not_mapped.is_empty() {
            writeln!(f, "Not mapped (check these by hand):")?;
            for m in &self.not_mapped {
                writeln!(f, "  {m}")?;
            }
        }
        Ok(())
    }
}

/// The site's tool and its configuration, merged into one table.
fn detect(site: &Path) -> Result<(Dialect, String, Value)> {
    let read = |name: &str| -> Result<Option<Value>> {
        let path = site.join(name);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        parse_config(&text, &path).map(Some)
    };
    if let Some(v) = read("zola.toml")? {
        return Ok((Dialect::Zola, "zola.toml".into(), v));
    }
    for name in ["hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json"] {
        if let Some(v) = read(name)? {
            return Ok((Dialect::Hugo, name.into(), with_config_dir(site, v)?));
        }
    }
    if let Some(v) = read("config.toml")? {
        // Both tools may name it config.toml: Zola's says `base_url`, Hugo's `baseURL`.
        let zola =
            v.get("base_url").is_some() || (v.get("baseURL").is_none() && v.get("baseurl").is_none() && site.join("templates").is_dir());
        return Ok(if zola {
            (Dialect::Zola, "config.toml".into(), v)
        } else {
            (Dialect::Hugo, "config.toml".into(), with_config_dir(site, v)?)
        });
    }
    for name in ["config.yaml", "config.yml", "config.json"] {
        if let Some(v) = read(name)? {
            return Ok((Dialect::Hugo, name.into(), with_config_dir(site, v)?));
        }
    }
    if site.join("config/_default").is_dir() {
        return Ok((Dialect::Hugo, "config/_default/".into(), with_config_dir(site, Value::Object(Default::default()))?));
    }
    Err(Error::Usage(format!(
        "{} is neither a Zola site (no zola.toml or config.toml) nor a Hugo site (no hugo.toml, config.toml/yaml/json or config/_default/); nothing was written",
        site.display()
    )))
}

/// Hugo's `config/_default/`: `hugo.*` / `config.*` at the top level, any other file under
/// its name (`params.toml` is `[params]`, `menus.toml` is `[menus]`).
fn with_config_dir(site: &Path, mut root: Value) -> Result<Value> {
    let dir = site.join("config/_default");
    if !dir.is_dir() {
        return Ok(root);
    }
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&dir).map_err(|e| Error::io("cannot read", &dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let (Some(stem), Some(ext)) = (path.file_stem().and_then(|s| s.to_str()), path.extension().and_then(|s| s.to_str())) else {
            continue;
        };
        if !matches!(ext, "toml" | "yaml" | "yml" | "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        let v = parse_config(&text, &path)?;
        let Value::Object(map) = &mut root else { unreachable!("a config is a table") };
        if stem == "hugo" || stem == "config" {
            if let Value::Object(top) = v {
                map.extend(top);
            }
        } else {
            map.insert(stem.to_string(), v);
        }
    }
    Ok(root)
}

fn parse_config(text: &str, path: &Path) -> Result<Value> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let bad = |e: String| Error::Usage(format!("{} cannot be read: {e}", path.display()));
    let v: Value = match ext {
        "toml" => toml::from_str::<toml::Table>(text)
            .map_err(|e| bad(e.to_string()))
            .and_then(|t| serde_json::to_value(t).map_err(|e| bad(e.to_string())))?,
        "json" => serde_json::from_str(text).map_err(|e| bad(e.to_string()))?,
        _ => serde_yaml::from_str(text).map_err(|e| bad(e.to_string()))?,
    };
    if v.is_object() {
        Ok(v)
    } else {
        Err(bad("it is not a table of settings".into()))
    }
}

/// Reads SITE, writes the new blog in `dir` (which must be empty or missing).
pub fn import(site: &Path, dir: &Path) -> Result<Report> {
    if !site.is_dir() {
        return Err(Error::Usage(format!("{} is not a folder", site.display())));
    }
    let (dialect, config_file, config) = detect(site)?;
    let content = site.join("content");
    let moved = if dialect == Dialect::Hugo { languages::hugo(&config, &mut Mapping::default()) } else { Vec::new() };
    if !content.is_dir() && moved.is_empty() {
        return Err(Error::Usage(format!("{} has no content/ folder: nothing to move in", site.display())));
    }
    let sections = if content.is_dir() { top_sections(&content)? } else { Vec::new() };
    // Hugo's `theme`: one name or a list, the first one winning.
    let themes: Vec<String> = match config.get("theme") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let mapping = match dialect {
        Dialect::Hugo => {
            let mut m = map_hugo(&config, &sections);
            languages::hugo(&config, &mut m);
            // Strings: the themes' (the first theme wins, so it comes last), then the site's.
            let mut dirs: Vec<PathBuf> = themes.iter().rev().map(|t| site.join("themes").join(t).join("i18n")).collect();
            dirs.push(site.join("i18n"));
            let codes: Vec<String> = match m.table.get("languages").and_then(|l| l.as_table()) {
                Some(l) => l.keys().cloned().collect(),
                None => vec![m.table.get("language").and_then(|l| l.as_str()).unwrap_or("en").to_string()],
            };
            languages::hugo_i18n(&dirs, &codes, &mut m).map_err(Error::Usage)?;
            m
        }
        _ => {
            // Zola's home is a section too: sorted by date, its pages are the blog's posts.
            let mut with_root = sections.clone();
            if let Some(root) = ["_index.md", "_index.markdown"].iter().map(|i| content.join(i)).find(|p| p.is_file()) {
                with_root.push((String::new(), std::fs::read_to_string(&root).map_err(|e| Error::io("cannot read", &root, e))?));
            }
            map_zola(&config, &with_root)
        }
    };
    let static_dir = site.join("static");
    let statics = if static_dir.is_dir() { top_entries(&static_dir)? } else { Vec::new() };
    let mut site_toml = mapping.site_toml(&statics);
    site_toml.insert(0, '\n');
    site_toml.insert_str(0, &format!("# Written by `myblog init --from` from a {} site's {config_file}.", tool(dialect)));
    write(&dir.join(myblog_config::CONFIG_FILE), site_toml.as_bytes())?;
    // The written config must load: a mapping bug shows here, not at the author's first build.
    myblog_config::SiteConfig::parse(&site_toml, Path::new(myblog_config::CONFIG_FILE))?;
    crate::scaffold::write_theme_and_gitignore(dir)?;
    let mut copied = if content.is_dir() { copy_tree(&content, &dir.join("content"), &mut Vec::new())? } else { 0 };
    for m in &moved {
        // A language's folder outside content/ (Hugo's `contentDir = "content.zh"`).
        let from = site.join(&m.from);
        if from.is_dir() {
            copied += copy_tree(&from, &dir.join("content").join(&m.code), &mut Vec::new())?;
        }
    }
    let mut not_mapped = mapping.not_mapped;
    let mut mapped = mapping.mapped;
    if dialect == Dialect::Hugo && sections.iter().any(|(_, index)| index.is_empty()) {
        // Hugo lists every top-level folder at /<folder>/; the build implies those sections.
        mapped.push("sections without _index.md: listed at /<folder>/ as in Hugo (the copied content is not changed)".into());
    }
    if static_dir.is_dir() {
        let mut skipped = Vec::new();
        copied += copy_tree(&static_dir, &dir.join("content"), &mut skipped)?;
        for s in skipped {
            not_mapped.push(format!("static/{s}: content/{s} exists already; not copied"));
        }
    }
    let (ported, unported) = shortcodes::port(site, dir, dialect, &themes)?;
    mapped.extend(ported);
    not_mapped.extend(unported);
    not_mapped.push(format!("{}'s theme and templates: not ported; the default theme is used", tool(dialect)));
    Ok(Report { tool: tool(dialect), config_file, mapped, not_mapped, copied })
}

fn tool(d: Dialect) -> &'static str {
    match d {
        Dialect::Hugo => "Hugo",
        _ => "Zola",
    }
}

/// Top-level folders of `content/` with the front matter of their `_index.md`, if any.
fn top_sections(content: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in top_entries(content)? {
        let path = content.join(&name);
        if path.is_dir() {
            let index = ["_index.md", "_index.markdown"].iter().map(|i| path.join(i)).find(|p| p.is_file());
            let text = match index {
                Some(p) => std::fs::read_to_string(&p).map_err(|e| Error::io("cannot read", &p, e))?,
                None => String::new(),
            };
            out.push((name, text));
        }
    }
    Ok(out)
}

fn top_entries(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read", dir, e))?
        .filter_map(|e| e.ok().and_then(|e| e.file_name().to_str().map(str::to_string)))
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}

/// Copies every file under `from` to `to` byte for byte; a file already at its place in `to`
/// is left alone and reported in `skipped`. Returns how many were copied.
fn copy_tree(from: &Path, to: &Path, skipped: &mut Vec<String>) -> Result<usize> {
    let mut n = 0;
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Usage(format!("cannot read {}: {e}", from.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let dest = to.join(rel);
        if dest.exists() {
            skipped.push(rel.to_string_lossy().replace('\\', "/"));
            continue;
        }
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io("cannot create", p, e))?;
        }
        std::fs::copy(entry.path(), &dest).map_err(|e| Error::io("cannot copy", entry.path(), e))?;
        n += 1;
    }
    Ok(n)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| Error::io("cannot create", p, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            write(&dir.path().join(rel), text.as_bytes()).unwrap();
        }
        dir
    }

    #[test]
    fn which_tool_and_which_config() {
        let d = site(&[("zola.toml", "base_url = \"https://z.org\"\ntitle = \"Z\"\n")]);
        assert_eq!(detect(d.path()).unwrap().0, Dialect::Zola);
        let d = site(&[("config.toml", "base_url = \"https://z.org\"\n")]);
        assert_eq!(detect(d.path()).unwrap().0, Dialect::Zola);
        let d = site(&[("config.toml", "baseURL = \"https://h.org\"\n")]);
        assert_eq!(detect(d.path()).unwrap().0, Dialect::Hugo);
        let d = site(&[("config.json", "{\"baseURL\": \"https://h.org\", \"title\": \"J\"}")]);
        let (dialect, _, v) = detect(d.path()).unwrap();
        assert_eq!((dialect, v["title"].as_str()), (Dialect::Hugo, Some("J")));
        // Hugo's config folder: hugo.yaml at the top, params.toml under [params].
        let d = site(&[
            ("config/_default/hugo.yaml", "baseURL: https://h.org/\ntitle: Y\n"),
            ("config/_default/params.toml", "description = \"From params\"\n"),
            ("config/_default/menus.yaml", "main:\n  - name: A\n    url: /a/\n"),
        ]);
        let (dialect, file, v) = detect(d.path()).unwrap();
        assert_eq!((dialect, file.as_str()), (Dialect::Hugo, "config/_default/"));
        assert_eq!(v["title"], "Y");
        assert_eq!(v["params"]["description"], "From params");
        assert_eq!(v["menus"]["main"][0]["url"], "/a/");
        let d = site(&[("hugo.toml", "title = \n")]);
        assert!(detect(d.path()).unwrap_err().to_string().contains("hugo.toml cannot be read"));
    }
}
