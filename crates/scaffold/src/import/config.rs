//! Zola's and Hugo's configuration mapped onto site.toml. Pure: a parsed config in, a table and
//! the lists of what was and was not mapped out.

use serde_json::Value;

/// site.toml to write, and what the author should know about it.
#[derive(Debug, Default)]
pub struct Mapping {
    pub table: toml::Table,
    pub mapped: Vec<String>,
    pub not_mapped: Vec<String>,
}

impl Mapping {
    pub(crate) fn set(&mut self, key: &str, value: impl Into<toml::Value>, from: &str) {
        self.table.insert(key.to_string(), value.into());
        self.mapped.push(format!("{from} -> {key}"));
    }

    fn sub(&mut self, table: &str) -> &mut toml::Table {
        self.table.entry(table.to_string()).or_insert_with(|| toml::Value::Table(Default::default())).as_table_mut().expect("a table")
    }

    /// The site.toml text. `statics` are the top-level names under their `static/`: they keep
    /// their names, as old links point at them.
    pub fn site_toml(&self, statics: &[String]) -> String {
        let mut table = self.table.clone();
        if !statics.is_empty() {
            let mut keep: Vec<toml::Value> =
                myblog_config::BuildConfig::default().keep_names.into_iter().map(toml::Value::String).collect();
            for s in statics {
                keep.push(toml::Value::String(s.clone()));
                keep.push(toml::Value::String(format!("{s}/**")));
            }
            let build = table.entry("build").or_insert_with(|| toml::Value::Table(Default::default()));
            build.as_table_mut().expect("a table").insert("keep_names".into(), toml::Value::Array(keep));
        }
        // Zola and Hugo copy stylesheets unchecked; a moved site's vendored one may point at
        // files its repository never held.
        let build = table.entry("build").or_insert_with(|| toml::Value::Table(Default::default()));
        build.as_table_mut().expect("a table").insert("keep_missing_css_urls".into(), true.into());
        // Nor do they check the files a page shows (raw HTML `src`, images): such a page is
        // published by them, so it moves in as written.
        build.as_table_mut().expect("a table").insert("keep_missing_page_files".into(), true.into());
        toml::to_string(&table).expect("site.toml serializes")
    }
}

/// JSON (as all three config formats were read) to TOML; TOML has no null, so nulls are left out.
fn to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => n.as_i64().map(toml::Value::Integer).or_else(|| n.as_f64().map(toml::Value::Float))?,
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().filter_map(to_toml).collect()),
        Value::Object(m) => toml::Value::Table(m.iter().filter_map(|(k, v)| to_toml(v).map(|v| (k.clone(), v))).collect()),
    })
}

pub(crate) fn get<'a>(config: &'a Value, keys: &[&str]) -> Option<(&'a str, &'a Value)> {
    let map = config.as_object()?;
    keys.iter().find_map(|k| map.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)).map(|(n, v)| (n.as_str(), v)))
}

pub(crate) fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string).filter(|s| !s.trim().is_empty())
}

/// The keys of `config` not in `used`, reported as not mapped.
fn rest(config: &Value, used: &[&str], m: &mut Mapping) {
    if let Some(map) = config.as_object() {
        for key in map.keys() {
            if !used.iter().any(|u| u.eq_ignore_ascii_case(key)) {
                m.not_mapped.push(format!("{key}: no counterpart in myblog"));
            }
        }
    }
}

fn base_url(config: &Value, keys: &[&str], m: &mut Mapping) {
    match get(config, keys).and_then(|(k, v)| text(v).map(|t| (k, t))) {
        Some((k, url)) if url.starts_with("http://") || url.starts_with("https://") => m.set("base_url", url, k),
        _ => {
            m.table.insert("base_url".into(), "https://example.org".into());
            m.not_mapped.push("base URL: none found; site.toml says https://example.org, set base_url before deploying".into());
        }
    }
}

fn title(config: &Value, m: &mut Mapping) {
    match get(config, &["title"]).and_then(|(_, v)| text(v)) {
        Some(t) => m.set("title", t, "title"),
        None => {
            m.table.insert("title".into(), "My blog".into());
            m.not_mapped.push("title: none found; site.toml says \"My blog\"".into());
        }
    }
}

/// Sections holding dated posts: those Zola sorts by date, else the usual names.
fn zola_post_dirs(sections: &[(String, String)]) -> Vec<String> {
    let by_date: Vec<String> = sections
        .iter()
        .filter(|(_, index)| index.lines().any(|l| l.trim_start().starts_with("sort_by") && l.contains("\"date\"")))
        .map(|(name, _)| name.clone())
        .collect();
    if by_date.is_empty() {
        usual_post_dirs(sections)
    } else {
        by_date
    }
}

fn usual_post_dirs(sections: &[(String, String)]) -> Vec<String> {
    let usual: Vec<String> = sections.iter().map(|(n, _)| n.clone()).filter(|n| matches!(n.as_str(), "blog" | "posts" | "post")).collect();
    if usual.is_empty() {
        vec![myblog_config::POSTS_DIR.into()]
    } else {
        usual
    }
}

pub fn map_zola(config: &Value, sections: &[(String, String)]) -> Mapping {
    let mut m = Mapping::default();
    title(config, &mut m);
    base_url(config, &["base_url"], &mut m);
    if let Some(d) = get(config, &["description"]).and_then(|(_, v)| text(v)) {
        m.set("description", d, "description");
    }
    if let Some(l) = get(config, &["default_language"]).and_then(|(_, v)| text(v)) {
        m.set("language", l, "default_language");
    }
    if let Some(a) = get(config, &["author"]).and_then(|(_, v)| text(v)) {
        m.sub("author").insert("name".into(), a.into());
        m.mapped.push("author -> [author] name".into());
    }
    if let Some(h) = get(config, &["markdown"]).and_then(|(_, v)| v.get("highlight_code")).and_then(Value::as_bool) {
        m.sub("markdown").insert("highlight".into(), h.into());
        m.mapped.push("[markdown] highlight_code -> [markdown] highlight".into());
    }
    if let Some(extra) = get(config, &["extra"]).and_then(|(_, v)| to_toml(v)) {
        m.set("extra", extra, "[extra]");
    }
    // Zola: `taxonomies = [{name = "tags", feed = true, paginate_by = 5}, ...]`; none: no taxonomy.
    let mut taxonomies = Vec::new();
    if let Some((_, Value::Array(taxes))) = get(config, &["taxonomies"]) {
        for t in taxes {
            let Some(name) = t.get("name").and_then(Value::as_str) else {
                m.not_mapped.push(format!("a taxonomy without a name: {t}"));
                continue;
            };
            let paginate_by = t.get("paginate_by").and_then(Value::as_i64).filter(|p| *p > 0);
            let mut tax = taxonomy(name, t.get("feed").and_then(Value::as_bool).unwrap_or(false), paginate_by);
            // Zola's default is "page", which is also myblog's.
            if let (Some(p), toml::Value::Table(table)) =
                (t.get("paginate_path").and_then(Value::as_str).filter(|p| *p != "page"), &mut tax)
            {
                table.insert("paginate_path".into(), p.into());
            }
            taxonomies.push(tax);
        }
    }
    set_taxonomies(&mut m, taxonomies, "taxonomies");
    if let Some((k, v)) = get(config, &["feed_filenames", "feed_filename"]) {
        let first = v.as_array().and_then(|a| a.first()).unwrap_or(v);
        if let Some(name) = first.as_str().filter(|n| *n != "atom.xml") {
            m.sub("feeds").insert("filename".into(), name.into());
            m.mapped.push(format!("{k} -> [feeds] filename"));
        }
    }
    let post_dirs = zola_post_dirs(sections);
    // Zola paginates per section; the post section's setting becomes the site's.
    let paginate = sections.iter().filter(|(n, _)| post_dirs.contains(n)).find_map(|(_, index)| {
        index
            .lines()
            .find(|l| l.trim_start().starts_with("paginate_by"))
            .and_then(|l| l.split('=').nth(1))
            .and_then(|v| v.trim().parse::<i64>().ok())
    });
    if let Some(p) = paginate.filter(|p| *p > 0) {
        m.set("paginate_by", p, "paginate_by of the posts' _index.md");
    }
    content(&mut m, "zola", post_dirs, None);
    zola_slugify(config, &mut m);
    super::languages::zola(config, &mut m);
    rest(
        config,
        &[
            "title",
            "base_url",
            "description",
            "default_language",
            "author",
            "markdown",
            "extra",
            "taxonomies",
            "feed_filenames",
            "feed_filename",
            // myblog always writes atom.xml and rss.xml.
            "generate_feeds",
            "generate_feed",
            "slugify",
            "languages",
            "translations",
        ],
        &mut m,
    );
    m
}

pub fn map_hugo(config: &Value, sections: &[(String, String)]) -> Mapping {
    let mut m = Mapping::default();
    title(config, &mut m);
    base_url(config, &["baseURL"], &mut m);
    let params = get(config, &["params"]).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
    if let Some(d) =
        get(config, &["description"]).and_then(|(_, v)| text(v)).or_else(|| get(&params, &["description"]).and_then(|(_, v)| text(v)))
    {
        m.set("description", d, "description (or params.description)");
    }
    if let Some((k, l)) = get(config, &["languageCode", "defaultContentLanguage"]).and_then(|(k, v)| text(v).map(|t| (k, t))) {
        m.set("language", l, k);
    }
    let author = get(config, &["author"]).or_else(|| get(&params, &["author"])).map(|(_, v)| v);
    let (name, email) = match author {
        Some(Value::String(s)) => (Some(s.clone()), None),
        Some(a @ Value::Object(_)) => (a.get("name").and_then(text), a.get("email").and_then(text)),
        _ => (None, None),
    };
    if let Some(n) = name {
        m.sub("author").insert("name".into(), n.into());
        m.mapped.push("author -> [author] name".into());
    }
    if let Some(e) = email {
        m.sub("author").insert("email".into(), e.into());
        m.mapped.push("author.email -> [author] email".into());
    }
    let paginate = get(config, &["paginate"])
        .map(|(_, v)| v)
        .or_else(|| get(config, &["pagination"]).and_then(|(_, p)| get(p, &["pagerSize"])).map(|(_, v)| v))
        .and_then(Value::as_i64);
    if let Some(p) = paginate.filter(|p| *p > 0) {
        m.set("paginate_by", p, "paginate / pagination.pagerSize");
    }
    let paginate_path = get(config, &["pagination"]).and_then(|(_, p)| get(p, &["path"])).and_then(|(_, v)| text(v));
    if let Some((_, Value::Object(menus))) = get(config, &["menu", "menus"]) {
        for (name, items) in menus {
            if name != "main" {
                m.not_mapped.push(format!("menu {name:?}: only the main menu is mapped"));
                continue;
            }
            let mut items: Vec<&Value> = items.as_array().map(|a| a.iter().collect()).unwrap_or_default();
            items.sort_by_key(|i| i.get("weight").and_then(Value::as_i64).unwrap_or(0));
            let mut menu = Vec::new();
            for i in items {
                let url = i.get("url").and_then(text).or_else(|| i.get("pageRef").and_then(text));
                match (i.get("name").and_then(text), url) {
                    (Some(n), Some(u)) => {
                        let mut t = toml::Table::new();
                        t.insert("name".into(), n.into());
                        t.insert("url".into(), u.into());
                        menu.push(toml::Value::Table(t));
                    }
                    _ => m.not_mapped.push(format!("a main menu entry without name and url: {i}")),
                }
            }
            m.set("menu", toml::Value::Array(menu), "menu.main");
        }
    }
    if let Some(extra) = to_toml(&params) {
        m.set("extra", extra, "[params]");
    }
    // Hugo: `[taxonomies] singular = "plural"`; without the table, tags and categories.
    let names: Vec<String> = match get(config, &["taxonomies"]) {
        Some((_, Value::Object(taxes))) => taxes.values().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => vec!["tags".into(), "categories".into()],
    };
    let mut names = names;
    // Tags first, as Hugo lists them; the rest in the config's order.
    names.sort_by_key(|n| n != "tags");
    // Hugo paginates every list and gives every list an RSS feed at `index.xml`.
    let pager = paginate.filter(|p| *p > 0).unwrap_or(10);
    let taxonomies = names.iter().map(|n| taxonomy(n, false, Some(pager))).collect();
    set_taxonomies(&mut m, taxonomies, "taxonomies");
    let feeds = m.sub("feeds");
    feeds.insert("filename".into(), "index.xml".into());
    feeds.insert("every_list".into(), true.into());
    m.mapped.push("RSS feeds of every list at index.xml -> [feeds] filename, every_list".into());
    let main_sections = get(config, &["mainSections"])
        .or_else(|| get(&params, &["mainSections"]))
        .and_then(|(_, v)| v.as_array())
        .map(|a| a.iter().filter_map(text).collect::<Vec<String>>());
    let post_dirs = main_sections.filter(|s| !s.is_empty()).unwrap_or_else(|| usual_post_dirs(sections));
    // Hugo's permalinks: `section = "pattern"`, or since 0.120 `[permalinks.page] section = ...`.
    let mut permalinks = toml::Table::new();
    if let Some((_, Value::Object(p))) = get(config, &["permalinks"]) {
        let pages = p.get("page").and_then(Value::as_object).unwrap_or(p);
        for (section, pattern) in pages {
            match pattern.as_str() {
                Some(pat) if myblog_config::validate_permalink(pat).is_ok() => {
                    permalinks.insert(section.clone(), pat.into());
                }
                Some(pat) => m.not_mapped.push(format!("permalinks.{section} = {pat:?}: uses a token myblog does not know")),
                None => {}
            }
        }
    }
    if get(config, &["uglyURLs"]).and_then(|(_, v)| v.as_bool()) == Some(true) {
        m.not_mapped.push("uglyURLs: pages are published as folders (/x/), not /x.html".into());
    }
    content(&mut m, "hugo", post_dirs, Some(permalinks));
    let c = m.sub("content");
    // Hugo's default when the config says nothing.
    c.insert("section_paginate_by".into(), pager.into());
    if let Some(p) = paginate_path {
        c.insert("paginate_path".into(), p.into());
    }
    m.mapped.push("sections paginated as Hugo does -> [content] section_paginate_by (and paginate_path from pagination.path)".into());
    if get(config, &["disablePathToLower"]).and_then(|(_, v)| v.as_bool()) == Some(true) {
        let c = m.sub("content");
        c.insert("slugify_paths".into(), "hugo-keep-case".into());
        c.insert("slugify_terms".into(), "hugo-keep-case".into());
        m.mapped.push("disablePathToLower -> [content] slugify_paths, slugify_terms = \"hugo-keep-case\"".into());
    }
    rest(
        config,
        &[
            "title",
            "baseURL",
            "description",
            "languageCode",
            "defaultContentLanguage",
            "author",
            "paginate",
            "pagination",
            "menu",
            "menus",
            "params",
            "taxonomies",
            "mainSections",
            "permalinks",
            "uglyURLs",
            "disablePathToLower",
            "languages",
            "defaultContentLanguageInSubdir",
            "contentDir",
        ],
        &mut m,
    );
    m
}

fn taxonomy(name: &str, feed: bool, paginate_by: Option<i64>) -> toml::Value {
    let mut t = toml::Table::new();
    t.insert("name".into(), name.into());
    if feed {
        t.insert("feed".into(), true.into());
    }
    if let Some(p) = paginate_by {
        t.insert("paginate_by".into(), p.into());
    }
    toml::Value::Table(t)
}

fn set_taxonomies(m: &mut Mapping, list: Vec<toml::Value>, from: &str) {
    let names: Vec<&str> = list.iter().filter_map(|t| t.get("name").and_then(toml::Value::as_str)).collect();
    m.mapped.push(format!("{from} {names:?} -> [[taxonomies]]"));
    m.table.insert("taxonomies".into(), toml::Value::Array(list));
}

/// Zola's `[slugify] paths` and `taxonomies` ("on", "safe", "off"): the rule its URLs were made by.
fn zola_slugify(config: &Value, m: &mut Mapping) {
    let Some((_, table)) = get(config, &["slugify"]) else { return };
    for (key, ours) in [("paths", "slugify_paths"), ("taxonomies", "slugify_terms")] {
        match table.get(key).and_then(Value::as_str) {
            Some(rule @ ("on" | "safe" | "off")) => {
                m.sub("content").insert(ours.into(), rule.into());
                m.mapped.push(format!("[slugify] {key} -> [content] {ours}"));
            }
            Some(other) => m.not_mapped.push(format!("[slugify] {key} = {other:?}: Zola knows on, safe and off")),
            None => {}
        }
    }
    if table.get("anchors").is_some() {
        m.not_mapped.push("[slugify] anchors: heading anchors keep myblog's rule".into());
    }
}

fn content(m: &mut Mapping, dialect: &str, post_dirs: Vec<String>, permalinks: Option<toml::Table>) {
    let c = m.sub("content");
    c.insert("dialect".into(), dialect.into());
    c.insert("post_dirs".into(), toml::Value::Array(post_dirs.iter().cloned().map(toml::Value::String).collect()));
    let has_permalinks = permalinks.as_ref().is_some_and(|p| !p.is_empty());
    if let Some(p) = permalinks.filter(|p| !p.is_empty()) {
        c.insert("permalinks".into(), toml::Value::Table(p));
    }
    m.mapped.push(format!("front matter read as {dialect}'s ([content] dialect)"));
    m.mapped.push(format!("dated posts in {post_dirs:?} ([content] post_dirs)"));
    if has_permalinks {
        m.mapped.push("permalinks -> [content.permalinks]".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hugo_config() {
        let c = json!({
            "baseURL": "https://old.example.com/", "title": "Old", "languageCode": "en-us", "paginate": 5,
            "permalinks": {"post": "/:year/:month/:day/:slug/", "docs": "/:yaer/"},
            "menu": {"main": [{"name": "About", "url": "/about/", "weight": 2}, {"name": "Home", "url": "/", "weight": 1}]},
            "params": {"description": "Words", "author": {"name": "Ann", "email": "a@x.org"}, "mainSections": ["post"], "nothing": null},
            "taxonomies": {"tag": "tags", "category": "categories"}, "theme": "ananke", "googleAnalytics": "UA-1"
        });
        let m = map_hugo(&c, &[("post".into(), String::new())]);
        let text = m.site_toml(&["images".into()]);
        let parsed = myblog_config::SiteConfig::parse(&text, std::path::Path::new("site.toml")).unwrap();
        assert_eq!(parsed.base_url, "https://old.example.com");
        assert_eq!((parsed.title.as_str(), parsed.language.as_str(), parsed.paginate_by), ("Old", "en-us", 5));
        assert_eq!(parsed.description, "Words");
        assert_eq!((parsed.author.name.as_str(), parsed.author.email.as_str()), ("Ann", "a@x.org"));
        assert_eq!(parsed.menu.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["Home", "About"]);
        assert_eq!(parsed.content.dialect, myblog_config::Dialect::Hugo);
        assert_eq!(parsed.content.post_dirs, ["post"]);
        assert_eq!(parsed.content.permalinks.get("post").map(String::as_str), Some("/:year/:month/:day/:slug/"));
        assert!(parsed.build.keep_names.contains(&"images/**".to_string()));
        let not = m.not_mapped.join("\n");
        for k in ["theme", "googleAnalytics", "permalinks.docs"] {
            assert!(not.contains(k), "{k} should be reported:\n{not}");
        }
        let taxes: Vec<(&str, Option<usize>)> = parsed.taxonomies.iter().map(|t| (t.name.as_str(), t.paginate_by)).collect();
        assert_eq!(taxes, [("tags", Some(5)), ("categories", Some(5))]);
        assert_eq!(
            (parsed.content.section_paginate_by, parsed.feeds.filename.as_str(), parsed.feeds.every_list),
            (Some(5), "index.xml", true)
        );
    }

    #[test]
    fn zola_config() {
        let c = json!({
            "base_url": "https://z.example.org", "title": "Z", "default_language": "fr", "compile_sass": true,
            "taxonomies": [{"name": "tags"}, {"name": "authors", "feed": true, "paginate_by": 3, "paginate_path": "seite"}], "markdown": {"highlight_code": false}, "extra": {"github": "z"}
        });
        let sections = [
            ("blog".to_string(), "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 7\n+++\n".to_string()),
            ("docs".to_string(), String::new()),
        ];
        let m = map_zola(&c, &sections);
        let parsed = myblog_config::SiteConfig::parse(&m.site_toml(&[]), std::path::Path::new("site.toml")).unwrap();
        assert_eq!((parsed.language.as_str(), parsed.paginate_by, parsed.markdown.highlight), ("fr", 7, false));
        assert_eq!(parsed.content.post_dirs, ["blog"]);
        assert_eq!(parsed.extra["github"].as_str(), Some("z"));
        let not = m.not_mapped.join("\n");
        assert!(not.contains("compile_sass"), "{not}");
        let taxes: Vec<(&str, bool, Option<usize>)> = parsed.taxonomies.iter().map(|t| (t.name.as_str(), t.feed, t.paginate_by)).collect();
        assert_eq!(taxes, [("tags", false, None), ("authors", true, Some(3))]);
        assert_eq!(parsed.taxonomies[1].paginate_path.as_deref(), Some("seite"));
        assert!(!not.contains("paginate_path"), "{not}");
        // No taxonomies in Zola's config: none in site.toml either.
        let m = map_zola(&json!({"base_url": "https://z.example.org", "title": "Z"}), &sections);
        let parsed = myblog_config::SiteConfig::parse(&m.site_toml(&[]), std::path::Path::new("site.toml")).unwrap();
        assert!(parsed.taxonomies.is_empty());
    }
}
