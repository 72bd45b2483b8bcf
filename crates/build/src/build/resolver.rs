//! Links and images in markdown, resolved against the site's static files and pages.

use super::thumbnails::planned_thumbnails;
use myblog_config::SiteConfig;
use myblog_content::Assets;
use myblog_markdown as markdown;
use myblog_markdown::Resolved;
use myblog_markdown::Resolver;
use std::sync::Arc;

/// Resolves links and images in markdown against the site's static files and pages.
pub(super) struct SiteResolver {
    pub(super) assets: Arc<Assets>,
    pub(super) config: SiteConfig,
    pub(super) base_path: String,
    pub(super) links: Arc<myblog_content::LinkIndex>,
}

impl Resolver for SiteResolver {
    fn resolve(&self, at: markdown::Location<'_>, dest: &str, is_image: bool) -> Resolved {
        if dest.starts_with("@/") {
            // Zola's internal link: the page made from that content file, wherever its URL is;
            // from a page in another language, that file's translation first.
            if let Some(t) = self.translated(dest).and_then(|d| self.links.zola(&d).ok()) {
                return Resolved::Url(format!("{}{}{}", self.base_path, t.url_path, t.anchor));
            }
            return match self.links.zola(dest) {
                Ok(t) => Resolved::Url(format!("{}{}{}", self.base_path, t.url_path, t.anchor)),
                Err(e) => Resolved::Invalid { message: format!("link to {}", e.message), hint: e.hint },
            };
        }
        if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest) {
            return Resolved::Unchanged;
        }
        let cut = dest.find(['?', '#']).unwrap_or(dest.len());
        let (path, suffix) = dest.split_at(cut);
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        // Relative to the source file's folder, or else to the page's URL (`../../media/x.jpg`
        // from `/posts/x/`): authors think in either.
        let found = myblog_utils::resolve_relative(at.dir, &decoded)
            .and_then(|l| self.assets.get(&l))
            .or_else(|| myblog_utils::resolve_relative(at.url_path, &decoded).and_then(|l| self.assets.get(&l)))
            .or_else(|| (!self.config.content.dialect.is_strict()).then(|| self.beside_a_page(at.url_path, &decoded)).flatten());
        if let Some(a) = found {
            let src = format!("{}/{}{}", self.base_path, myblog_utils::url_path(&a.output), suffix);
            if let (true, Some(info)) = (is_image, &a.image) {
                // The original stays the `src` (always there); browsers pick a WebP
                // thumbnail from the srcset by the width they need.
                let srcset: Vec<String> = planned_thumbnails(a, &self.config)
                    .iter()
                    .filter(|(_, t)| t.format == myblog_thumbnail::OutputFormat::WebP)
                    .map(|(key, t)| format!("{}/{} {}w", self.base_path, myblog_utils::url_path(key), t.width))
                    .collect();
                if !srcset.is_empty() {
                    return Resolved::Photo { src, srcset: srcset.join(", "), width: info.width, height: info.height };
                }
            }
            return Resolved::Url(src);
        }
        if is_image {
            // An image must be a file we publish; it may already be under its published name
            // (in the output of a markdown shortcode, `{{% figure %}}`). Scanned only here, on
            // the way to an error.
            let published = decoded.strip_prefix(self.base_path.as_str()).unwrap_or(&decoded).trim_start_matches('/');
            if self.assets.by_logical.values().any(|a| a.output == published) || self.config.build.keep_missing_page_files {
                return Resolved::Unchanged;
            }
            return Resolved::Missing;
        }
        // A link to a page: made root-relative (with the base path), because the same HTML
        // also appears in summaries on list pages and in feeds, where a relative link would
        // point elsewhere. Whether it exists is `myblog check`'s job.
        if path.starts_with('/') {
            return Resolved::Url(format!("{}{}{}", self.base_path, path, suffix));
        }
        // Relative to the page's URL, so within its language's tree.
        match myblog_utils::resolve_relative(at.url_path, path) {
            Some(p) => {
                let slash = if path.ends_with('/') && !p.is_empty() { "/" } else { "" };
                Resolved::Url(format!("{}{suffix}", myblog_config::with_base(&self.config, &format!("/{p}{slash}"))))
            }
            None => Resolved::Unchanged,
        }
    }
}

impl SiteResolver {
    /// `@/x.md` as the file of this page's language names it: `@/x.fr.md`, or
    /// `@/<content_dir>/x.md` (none for the default language).
    fn translated(&self, dest: &str) -> Option<String> {
        let lang = &self.config.language;
        if *lang == self.config.content.languages.default {
            return None;
        }
        let path = dest.strip_prefix("@/")?;
        if let Some((dir, _)) = self.config.content.languages.dirs.iter().find(|(_, c)| c == lang) {
            return Some(format!("@/{dir}/{path}"));
        }
        let (file, anchor) = path.split_once('#').map(|(f, a)| (f, format!("#{a}"))).unwrap_or((path, String::new()));
        let (stem, ext) = file.rsplit_once('.')?;
        Some(format!("@/{stem}.{lang}.{ext}{anchor}"))
    }

    /// A file of another page's bundle, by the URL it has beside that page
    /// (`../../2024/05/07/x/shot.svg` where `/2024/05/07/x/` is made from `blog/x/index.md`).
    fn beside_a_page(&self, from_url: &str, dest: &str) -> Option<&myblog_content::Asset> {
        let target = myblog_utils::resolve_relative(from_url, dest)?;
        let (dir_url, file) = target.rsplit_once('/')?;
        let dir = self.links.bundle_at(&format!("/{dir_url}/"))?;
        self.assets.get(&if dir.is_empty() { file.to_string() } else { format!("{dir}/{file}") })
    }
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => s[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.') && i > 0,
        None => false,
    }
}
