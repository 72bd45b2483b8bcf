//! Templates: the theme's tera templates (parsed once per build), the `asset` and `url`
//! functions, the `date` and `slugify` filters, and rendering one output from a context.

use myblog_config::absolute;
use myblog_config::with_base;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_utils::escape_html;
use myblog_utils::Diagnostic;
use myblog_utils::Error;
use myblog_utils::Result;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tera::{Context, Tera, Value};

pub struct Renderer {
    tera: Tera,
    /// Template sources, to locate render errors that tera reports without a line.
    sources: Vec<(String, String)>,
    globals: Context,
    templates_dir: PathBuf,
    root: PathBuf,
}

#[derive(Serialize)]
struct ConfigView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    language: &'a str,
    author: &'a myblog_config::Author,
    paginate_by: usize,
    menu: Vec<myblog_config::MenuItem>,
    subscribe: &'a myblog_config::SubscribeConfig,
    search: &'a myblog_config::SearchConfig,
    extra: &'a toml::Table,
    /// The picture link previews show for pages without their own (a static file path).
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
}

/// Reads every template of the theme (name = path under `templates/`).
pub fn read_templates(templates_dir: &Path) -> Result<Vec<(String, String)>> {
    if !templates_dir.is_dir() {
        return Err(Error::Usage(format!("theme templates folder {} is missing", templates_dir.display())));
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(templates_dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Usage(format!("cannot read {}: {e}", templates_dir.display())))?;
        if !entry.file_type().is_file() || myblog_utils::is_ignored(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let rel = entry.path().strip_prefix(templates_dir).unwrap_or(entry.path());
        let name = rel.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(entry.path())
            .map_err(|e| Diagnostic::new(entry.path(), format!("cannot read template: {e}")).hint("templates must be UTF-8 text"))?;
        out.push((name, text));
    }
    Ok(out)
}

impl Renderer {
    pub fn new(root: &Path, config: &SiteConfig, templates: Vec<(String, String)>, assets: Arc<Assets>) -> Result<Renderer> {
        let templates_dir = config.theme_dir(root).join("templates");
        let display_dir = myblog_utils::rel_display(root, &templates_dir);
        check_template_loops(&templates, &display_dir)?;
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml", ".htm"]);
        // Tera's default escaper also escapes `/`, which turns every URL into `&#x2F;` soup.
        tera.set_escape_fn(escape_html);
        if let Err(e) = tera.add_raw_templates(templates.clone()) {
            return Err(template_error(&e, &display_dir, None, &templates).into());
        }
        register_helpers(&mut tera, config, assets);
        crate::previews::register(&mut tera, config);
        let strings = crate::strings::Strings::load(root, config)?;
        crate::dates::register(&mut tera, strings.date_names());
        strings.register(&mut tera);
        let mut menu = config.menu.clone();
        for item in &mut menu {
            if item.url.starts_with('/') && !item.url.starts_with("//") {
                item.url = with_base(config, &item.url);
            }
        }
        let view = ConfigView {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            language: &config.language,
            author: &config.author,
            paginate_by: config.paginate_by,
            menu,
            subscribe: &config.subscribe,
            search: &config.search,
            extra: &config.extra,
            image: config.image.as_deref(),
        };
        let mut globals = Context::new();
        globals.insert("config", &view);
        let mut feeds = BTreeMap::new();
        feeds.insert("atom", with_base(config, "/atom.xml"));
        feeds.insert("rss", with_base(config, "/rss.xml"));
        globals.insert("feeds", &feeds);
        Ok(Renderer { tera, sources: templates, globals, templates_dir: display_dir, root: root.to_path_buf() })
    }

    /// A variable every template of this renderer sees (a language's `lang`, `languages`).
    pub fn set_global<T: serde::Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        self.globals.insert(key, value);
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// Renders `template` with the globals, `current_path` and the given variables.
    /// `source` names the content file the output comes from, for error messages.
    pub fn render(
        &self,
        template: &str,
        config: &SiteConfig,
        url_path: &str,
        vars: Context,
        source: Option<&Path>,
    ) -> std::result::Result<String, Diagnostic> {
        if !self.has_template(template) {
            let d = Diagnostic::new(
                source.map(Path::to_path_buf).unwrap_or_else(|| self.templates_dir.clone()),
                format!("template {template:?} does not exist in {}", self.templates_dir.display()),
            );
            return Err(d.hint("create it, or fix `template` in the front matter"));
        }
        let mut ctx = self.globals.clone();
        let path = with_base(config, url_path);
        ctx.insert("current_url", &absolute(config, &path));
        ctx.insert("current_path", &path);
        ctx.extend(vars);
        self.tera.render(template, &ctx).map_err(|e| {
            let d = template_error(&e, &self.templates_dir, Some(template), &self.sources);
            match source {
                Some(src) => Diagnostic { message: format!("{} (rendering {})", d.message, src.display()), ..d },
                None => d,
            }
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Tera's whole error chain in one message, located at the template file (and line, for
/// syntax errors, where tera's parser gives one).
fn template_error(e: &tera::Error, templates_dir: &Path, template: Option<&str>, sources: &[(String, String)]) -> Diagnostic {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    let full = parts.join("\n  ");
    // The innermost template named in the chain is where the problem is.
    let named = parts
        .iter()
        .rev()
        .find_map(|p| p.split('\'').nth(1).filter(|n| n.ends_with(".html") || n.ends_with(".xml") || n.ends_with(".txt")))
        .map(str::to_string)
        .or_else(|| template.map(str::to_string));
    let path = match &named {
        Some(n) => templates_dir.join(n),
        None => templates_dir.to_path_buf(),
    };
    let mut d = Diagnostic::new(path, format!("template error: {full}"));
    // Render errors carry no line, and name the page's top template even when the culprit is
    // a parent or an include: find the offending expression in the sources instead.
    if let Some(needle) = culprit(&full) {
        if let Some((name, line, col)) = find_in_sources(sources, &needle) {
            d.path = templates_dir.join(name);
            d = d.at(line, col);
        }
    }
    if let Some(pos) = full.find("--> ") {
        let loc: String = full[pos + 4..].chars().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
        let mut it = loc.split(':').filter_map(|x| x.parse::<usize>().ok());
        if let (Some(l), Some(c)) = (it.next(), it.next()) {
            d = d.at(l, c);
        }
    }
    d.hint("fix the template; the theme's variables are listed in docs/templates.md")
}

/// The text of the expression an error is about: the missing variable or asset path.
fn culprit(chain: &str) -> Option<String> {
    if let Some(i) = chain.find("Variable `") {
        return chain[i + 10..].split('`').next().map(str::to_string);
    }
    if let Some(i) = chain.find("asset(path=\"") {
        return chain[i + 12..].split('"').next().map(str::to_string);
    }
    None
}

fn find_in_sources<'a>(sources: &'a [(String, String)], needle: &str) -> Option<(&'a str, usize, usize)> {
    sources.iter().find_map(|(name, text)| {
        text.find(needle).map(|off| {
            let (l, c) = myblog_utils::line_col(text, off);
            (name.as_str(), l, c)
        })
    })
}

/// Tera recurses forever on a template that includes itself (directly or not), so loops are
/// found before rendering.
fn check_template_loops(templates: &[(String, String)], dir: &Path) -> Result<()> {
    // Names in double or single quotes, alone or in a list (`include ["a.html", 'b.html']`).
    let re = regex::Regex::new(r#"\{%-?\s*(?:extends|include|import)\s+(\[[^\]]*\]|"[^"]+"|'[^']+')"#).expect("valid regex");
    let name = regex::Regex::new(r#""([^"]+)"|'([^']+)'"#).expect("valid regex");
    let graph: HashMap<&str, Vec<String>> = templates
        .iter()
        .map(|(n, t)| {
            let deps = re
                .captures_iter(t)
                .flat_map(|c| {
                    name.captures_iter(c.get(1).map_or("", |m| m.as_str()))
                        .filter_map(|q| q.get(1).or_else(|| q.get(2)).map(|m| m.as_str().to_string()))
                        .collect::<Vec<_>>()
                })
                .collect();
            (n.as_str(), deps)
        })
        .collect();
    fn visit<'a>(
        n: &'a str,
        graph: &'a HashMap<&str, Vec<String>>,
        stack: &mut Vec<&'a str>,
        done: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| *s == n) {
            let mut cycle: Vec<String> = stack[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(&n) {
            return None;
        }
        stack.push(n);
        for dep in graph.get(n).into_iter().flatten() {
            if let Some((k, _)) = graph.get_key_value(dep.as_str()) {
                if let Some(c) = visit(k, graph, stack, done) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        done.push(n);
        None
    }
    let mut names: Vec<&str> = graph.keys().copied().collect();
    names.sort();
    let mut done = Vec::new();
    for n in names {
        if let Some(cycle) = visit(n, &graph, &mut Vec::new(), &mut done) {
            return Err(Diagnostic::new(
                dir.join(&cycle[0]),
                format!("templates include or extend each other in a loop: {}", cycle.join(" -> ")),
            )
            .hint("break the loop: a template cannot (even indirectly) include or extend itself")
            .into());
        }
    }
    Ok(())
}

fn register_helpers(tera: &mut Tera, config: &SiteConfig, assets: Arc<Assets>) {
    let base_path = config.base_path().to_string();
    let cfg = config.clone();
    tera.register_function("asset", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("asset() needs path=\"...\""))?;
        let asset = assets
            .get(path)
            .ok_or_else(|| tera::Error::msg(format!("asset(path={path:?}): no such file in the theme's static/ folder or in content/")))?;
        let url = format!("{base_path}/{}", myblog_utils::url_path(&asset.output));
        let abs = args.get("absolute").and_then(Value::as_bool).unwrap_or(false);
        Ok(Value::String(if abs { absolute(&cfg, &url) } else { url }))
    });
    let cfg = config.clone();
    tera.register_function("url", move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let path = args.get("path").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("url() needs path=\"...\""))?;
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        let url = with_base(&cfg, &path);
        let abs = args.get("absolute").and_then(Value::as_bool).unwrap_or(false);
        Ok(Value::String(if abs { absolute(&cfg, &url) } else { url }))
    });
    tera.register_filter("slugify", |value: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        match value {
            Value::String(s) => Ok(Value::String(myblog_utils::slugify(s))),
            other => Err(tera::Error::msg(format!("slugify filter: expected text, got {other}"))),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loops(templates: &[(&str, &str)]) -> Option<String> {
        let t: Vec<(String, String)> = templates.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
        check_template_loops(&t, Path::new("templates")).err().map(|e| e.to_string())
    }

    #[test]
    fn template_loops_are_found_whatever_the_quotes() {
        assert!(loops(&[("a.html", "{% include \"a.html\" %}")]).is_some());
        let e = loops(&[("self.html", "x {% include 'self.html' %}")]).expect("single quotes are a loop too");
        assert!(e.contains("self.html -> self.html"), "{e}");
        assert!(
            loops(&[("a.html", "{%- extends 'b.html' -%}"), ("b.html", "{% include [\"c.html\", 'a.html'] %}"), ("c.html", "")]).is_some()
        );
        assert!(loops(&[("a.html", "{% include 'b.html' %}"), ("b.html", "{% import \"c.html\" as c %}"), ("c.html", "")]).is_none());
    }
}
