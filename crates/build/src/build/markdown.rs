//! The markdown of every source, in parallel, with the shortcodes the theme defines.

use super::prepare::Bodies;
use super::resolver::SiteResolver;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_content::Source;
use myblog_markdown as markdown;
use myblog_markdown::MarkdownOptions;
use myblog_utils::Diagnostic;
use myblog_utils::Result;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// Markdown of every source (shortcodes expanded first, see `body`), in parallel, with every
/// error located in its file.
pub fn render_markdown(
    root: &Path,
    sources: Vec<Source>,
    config: &SiteConfig,
    assets: &Arc<Assets>,
    bodies: Bodies,
    templates: &[(String, String)],
    links: &Arc<myblog_content::LinkIndex>,
) -> Result<Vec<(Source, markdown::Rendered)>> {
    let resolver = Arc::new(SiteResolver {
        assets: assets.clone(),
        config: config.clone(),
        base_path: config.base_path().to_string(),
        links: links.clone(),
    });
    let md_opts = MarkdownOptions {
        highlight: config.markdown.highlight,
        smart_punctuation: config.markdown.smart_punctuation,
        math: config.markdown.math,
    };
    let shortcodes = shortcodes_for(root, config, assets, templates, links, resolver.clone(), md_opts)?;
    let rendered: Vec<std::result::Result<(Source, markdown::Rendered), Vec<Diagnostic>>> = sources
        .into_par_iter()
        .map(|mut s| {
            let r = myblog_markdown::render_body(&s, md_opts, resolver.as_ref(), &shortcodes, config)?;
            if bodies == Bodies::Drop {
                s.body = String::new();
            }
            Ok((s, r))
        })
        .collect();
    myblog_utils::collect_all(rendered)
}

fn shortcodes_for(
    root: &Path,
    config: &SiteConfig,
    assets: &Arc<Assets>,
    templates: &[(String, String)],
    links: &Arc<myblog_content::LinkIndex>,
    resolver: Arc<SiteResolver>,
    md_opts: MarkdownOptions,
) -> Result<myblog_markdown::Shortcodes> {
    let services = myblog_markdown::Services {
        resolver,
        links: links.clone(),
        assets: assets.clone(),
        base_path: config.base_path().to_string(),
        origin: myblog_config::absolute(config, ""),
        markdown: md_opts,
        translate: translate_for(root, config, templates)?,
    };
    let view = serde_json::json!({
        "title": config.title,
        "description": config.description,
        "base_url": config.base_url,
        "language": config.language,
        "extra": config.extra,
    });
    let syntaxes = myblog_markdown::Syntaxes::for_dialect(config.content.dialect);
    Ok(myblog_markdown::Shortcodes::new(templates, &config.theme, syntaxes, view, services)?)
}

/// `trans` for shortcodes, when one of them calls it (the strings files are read only then).
fn translate_for(root: &Path, config: &SiteConfig, templates: &[(String, String)]) -> Result<Option<myblog_markdown::Translate>> {
    let asks = templates.iter().any(|(name, text)| name.starts_with(myblog_markdown::TEMPLATE_DIR) && text.contains("trans("));
    if !asks {
        return Ok(None);
    }
    let strings = myblog_site::Strings::load(root, config)?;
    Ok(Some(Arc::new(move |key: &str, lang: Option<&str>| strings.get(key, lang).map(str::to_string))))
}
