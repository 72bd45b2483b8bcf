//! The theme's shortcode templates (tera) and the rendering of one call through its template.

use super::call::Call;
use super::error::{error_chain, ShortcodeError};
use super::functions::{register, Services, CURRENT};
use super::scan::Syntaxes;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use tera::{Context, Tera, Value};

/// Where shortcode templates live under a theme's `templates/`.
pub const TEMPLATE_DIR: &str = "shortcodes/";

/// The page a shortcode is used in, as its template sees it (`page`).
#[derive(Debug, Serialize)]
pub struct PageInfo<'a> {
    pub title: &'a str,
    /// URL path with the base path (`/posts/x/`).
    pub path: String,
    pub permalink: String,
    /// The content file, from `content/` (`posts/x.md`).
    pub rel: &'a str,
    /// Its folder, from `content/`.
    pub dir: &'a str,
    pub date: Option<String>,
    pub extra: &'a serde_json::Value,
    /// URL path without the base path, for resolving links.
    #[serde(skip)]
    pub url_path: &'a str,
}

/// The theme's shortcode templates, ready to render.
pub struct Shortcodes {
    tera: Tera,
    pub(super) names: BTreeSet<String>,
    pub(super) syntaxes: Syntaxes,
    config: serde_json::Value,
    /// `themes/<theme>/templates/shortcodes/`, for hints.
    dir_display: String,
}

impl Shortcodes {
    /// From every template of the theme (those under `shortcodes/` are used).
    pub fn new(
        templates: &[(String, String)],
        theme: &str,
        syntaxes: Syntaxes,
        config: serde_json::Value,
        services: Services,
    ) -> std::result::Result<Shortcodes, myblog_utils::Diagnostic> {
        let dir_display = format!("themes/{theme}/templates/{TEMPLATE_DIR}");
        let names = templates
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(TEMPLATE_DIR).and_then(|n| n.strip_suffix(".html")).map(str::to_string))
            .collect();
        let fresh = || {
            let mut tera = Tera::default();
            tera.autoescape_on(vec![".html"]);
            tera.set_escape_fn(myblog_utils::escape_html);
            tera
        };
        // Every template of the theme, so a shortcode may include partials and import macros.
        // A broken page template is the renderer's to report (it locates it better): then
        // the shortcodes alone.
        let mut tera = fresh();
        if tera.add_raw_templates(templates.to_vec()).is_err() {
            tera = fresh();
            let mine = templates.iter().filter(|(n, _)| n.starts_with(TEMPLATE_DIR)).cloned();
            if let Err(e) = tera.add_raw_templates(mine) {
                let msg = error_chain(&e);
                // Tera quotes names with '…' or `…` (and says "isn't"): the first quoted one
                // that is a template.
                let name = msg.split(['\'', '`']).skip(1).step_by(2).find(|n| n.ends_with(".html")).unwrap_or("");
                let mut d = myblog_utils::Diagnostic::new(format!("themes/{theme}/templates/{name}"), format!("shortcode template: {msg}"));
                if let Some(loc) = msg.split("--> ").nth(1) {
                    let mut it = loc.split(|c: char| !c.is_ascii_digit()).filter_map(|x| x.parse::<usize>().ok());
                    if let (Some(l), Some(c)) = (it.next(), it.next()) {
                        d = d.at(l, c);
                    }
                }
                return Err(d.hint("fix the template; shortcodes are documented in docs/shortcodes.md"));
            }
        }
        register(&mut tera, Arc::new(services));
        Ok(Shortcodes { tera, names, syntaxes, config, dir_display })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub(super) fn render(
        &self,
        call: &Call,
        body: Option<&str>,
        page: &PageInfo<'_>,
        nth: usize,
    ) -> std::result::Result<String, ShortcodeError> {
        let fail = |message: String, hint: String| ShortcodeError { offset: call.tag.start, message, hint };
        if !self.names.contains(&call.name) {
            let known: Vec<&str> = self.names.iter().map(String::as_str).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            return Err(fail(
                format!("unknown shortcode `{}`", call.name),
                format!(
                    "the theme has these shortcodes: {known}; to add one, write {}{}.html (a tera template; see docs/shortcodes.md)",
                    self.dir_display, call.name
                ),
            ));
        }
        let mut ctx = Context::new();
        ctx.insert("page", page);
        ctx.insert("config", &self.config);
        ctx.insert("nth", &nth);
        ctx.insert("name", &call.name);
        ctx.insert("args", &call.positional);
        if let Some(b) = body {
            ctx.insert("body", b);
        }
        for (k, v) in &call.named {
            ctx.insert(k.as_str(), v);
        }
        // All named arguments as one map, for templates ported from Hugo (`.Get "x"` of any
        // name, `.Params`); after them, so no argument hides it.
        let named: serde_json::Map<String, Value> = call.named.iter().cloned().collect();
        ctx.insert("named", &named);
        CURRENT.with(|c| *c.borrow_mut() = (page.dir.to_string(), page.url_path.to_string()));
        let template = format!("{TEMPLATE_DIR}{}.html", call.name);
        self.tera.render(&template, &ctx).map_err(|e| {
            fail(
                format!("shortcode `{}`: {}", call.name, error_chain(&e)),
                format!("check its arguments, or its template {}{}.html", self.dir_display, call.name),
            )
        })
    }
}
