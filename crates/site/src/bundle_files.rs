//! Zola and Hugo publish a bundle's files beside its page (`/2022/04/07/x/timing.html` for
//! `content/x/timing.html` next to `content/x/index.md`); myblog publishes them under their
//! content path with a hashed name. An HTML document there is a page readers link to, so it
//! keeps answering at its old URL through a redirect. Pure.

use crate::model::Site;
use crate::redirects::Redirect;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use std::collections::HashSet;

/// The redirects from each bundle's HTML files' URLs beside their page to where they are
/// published. None for a myblog site (its links were always to the content path). `taken`
/// holds outputs already written, which a redirect never replaces.
pub fn bundle_file_redirects(site: &Site, config: &SiteConfig, assets: &Assets, taken: &HashSet<&str>) -> Vec<Redirect> {
    if config.content.dialect.is_strict() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for page in site.posts.iter().chain(&site.pages) {
        let Some(dir) = myblog_content::bundle_dir(&page.source.rel).filter(|d| !d.is_empty()) else {
            continue;
        };
        for asset in assets.by_logical.values() {
            let Some(file) = asset.logical.strip_prefix(dir).and_then(|f| f.strip_prefix('/')) else { continue };
            if !(file.ends_with(".html") || file.ends_with(".htm")) {
                continue;
            }
            let from = format!("{}{file}", page.source.url_path);
            let output = from.trim_start_matches('/').to_string();
            if output == asset.output || taken.contains(output.as_str()) {
                continue;
            }
            let to = myblog_config::absolute(config, &myblog_config::with_base(config, &format!("/{}", asset.output)));
            out.push(Redirect { output, from, to, at_root: false });
        }
    }
    out.sort_by(|a, b| a.output.cmp(&b.output));
    out
}
