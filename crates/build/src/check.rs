//! `myblog check`: builds in memory and verifies that every internal link, anchor and asset
//! reference of every HTML page resolves, listing each broken one with the file it came from.

use crate::build::render_site;
use crate::build::BuildOptions;
use crate::build::SiteOutput;
use myblog_utils::Error;
use myblog_utils::Result;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Check drafts and future posts too.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The page holding the link (output path).
    pub page: String,
    /// The content file the page came from, if any (else the template made it).
    pub source: Option<PathBuf>,
    pub link: String,
    pub reason: String,
}

pub fn run_cli(args: &CheckArgs) -> Result<()> {
    let opts = BuildOptions::from_args(args.root.as_deref(), None, args.drafts, None)?;
    let site = render_site(&opts)?;
    let broken = check_links(&site);
    let pages = site.outputs.iter().filter(|o| o.path.ends_with(".html")).count();
    if broken.is_empty() {
        println!("All links of {pages} pages resolve.");
        return Ok(());
    }
    for b in &broken {
        let from = b.source.as_ref().map(|s| s.display().to_string()).unwrap_or_else(|| format!("public/{} (from a template)", b.page));
        eprintln!("{from}: broken link {:?} on /{}: {}", b.link, b.page, b.reason);
    }
    Err(Error::Usage(format!("{} broken link(s) in {pages} pages", broken.len())))
}

/// Every broken internal reference (href, src, srcset) in the site's HTML pages.
pub fn check_links(site: &SiteOutput) -> Vec<BrokenLink> {
    let base_path = site.config.base_path().to_string();
    let files: HashSet<&str> =
        site.outputs.iter().map(|o| o.path.as_str()).chain(site.remote_thumbnails.iter().map(String::as_str)).collect();
    let html: HashMap<&str, String> = site
        .outputs
        .par_iter()
        .filter(|o| o.path.ends_with(".html"))
        .filter_map(|o| o.bytes().ok().map(|b| (o.path.as_str(), String::from_utf8_lossy(&b).into_owned())))
        .collect();
    let ids: HashMap<&str, HashSet<String>> =
        html.par_iter().map(|(p, text)| (*p, attr_values(text, "id").into_iter().collect())).collect();
    let mut broken: Vec<BrokenLink> = html
        .par_iter()
        .flat_map_iter(|(page, text)| {
            let mut out = Vec::new();
            let mut refs: Vec<String> = attr_values(text, "href");
            refs.extend(attr_values(text, "src"));
            for set in attr_values(text, "srcset") {
                refs.extend(set.split(',').filter_map(|c| c.split_whitespace().next().map(str::to_string)));
            }
            for r in refs {
                if let Some(reason) = check_one(page, &r, &base_path, &site.config.base_url, &files, &ids) {
                    out.push(BrokenLink { page: page.to_string(), source: site.sources.get(*page).cloned(), link: r, reason });
                }
            }
            out
        })
        .collect();
    broken.sort_by(|a, b| (&a.page, &a.link).cmp(&(&b.page, &b.link)));
    broken.dedup();
    broken
}

fn check_one(
    page: &str,
    link: &str,
    base_path: &str,
    base_url: &str,
    files: &HashSet<&str>,
    ids: &HashMap<&str, HashSet<String>>,
) -> Option<String> {
    let link = myblog_utils::unescape_html(link).into_owned();
    let link = match link.strip_prefix(base_url) {
        Some(rest) => format!("{base_path}{}", if rest.is_empty() { "/" } else { rest }),
        None => link,
    };
    if link.starts_with("//")
        || link.starts_with("mailto:")
        || link.starts_with("data:")
        || link.contains("://")
        || link.starts_with("tel:")
    {
        return None;
    }
    // Form actions and API routes are served by the subscription Lambda, not by files.
    let (path_part, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (link.as_str(), None),
    };
    let path_part = path_part.split('?').next().unwrap_or("");
    let target = if path_part.is_empty() {
        page.to_string()
    } else if let Some(abs) = path_part.strip_prefix('/') {
        let abs = format!("/{abs}");
        match abs.strip_prefix(base_path) {
            Some(rest) if base_path.is_empty() || rest.is_empty() || rest.starts_with('/') => rest.trim_start_matches('/').to_string(),
            _ => return Some(format!("outside the site's base path {base_path}")),
        }
    } else {
        let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        match myblog_utils::resolve_relative(dir, path_part) {
            Some(t) => t,
            None => return Some("climbs above the site root".into()),
        }
    };
    let target = percent_encoding::percent_decode_str(&target).decode_utf8_lossy().into_owned();
    if target.starts_with("api/") {
        return None;
    }
    let file = if target.is_empty() || target.ends_with('/') {
        format!("{target}index.html")
    } else if files.contains(target.as_str()) {
        target.clone()
    } else if files.contains(format!("{target}/index.html").as_str()) {
        format!("{target}/index.html")
    } else {
        target.clone()
    };
    if !files.contains(file.as_str()) {
        return Some(format!("no file public/{file}"));
    }
    if let Some(frag) = fragment.filter(|f| !f.is_empty()) {
        let frag = percent_encoding::percent_decode_str(frag).decode_utf8_lossy();
        if let Some(set) = ids.get(file.as_str()) {
            if !set.contains(frag.as_ref()) {
                return Some(format!("no element with id \"{frag}\" in public/{file}"));
            }
        }
    }
    None
}

/// Values of `name="..."` attributes (double-quoted, as every template and markdown here emits).
pub fn attr_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        match after.find('"') {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j..];
            }
            None => break,
        }
    }
    out
}
