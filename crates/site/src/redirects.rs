//! Redirect pages for former URLs (`aliases` in Zola and Hugo front matter): a moved-in blog's
//! old links keep answering. Each is a small HTML page with a meta refresh (no script, so it
//! works under the site's Content Security Policy), a canonical link and `noindex`; it is never
//! a page of the site, so never in feeds, the sitemap or lists. Pure.

use crate::model::Site;
use myblog_config::Dialect;
use myblog_config::SiteConfig;
use myblog_utils::Diagnostic;
use std::collections::HashSet;

/// One redirect: the output file written, the site path it answers at and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Relative to public/ (`old/place/index.html`, or `old.html` as written).
    pub output: String,
    /// Site path of the former URL (`/old/place/`).
    pub from: String,
    /// Absolute URL of the page.
    pub to: String,
    /// Written where the site says, not under the folder of the page's language: Zola's
    /// aliases are site paths in every language. Hugo writes a translation's aliases, absolute
    /// ones too, under its language's folder (`/old/` of a French page is `/fr/old/`).
    pub at_root: bool,
}

/// Every page's aliases as redirects. `taken` holds the output paths of real pages, which an
/// alias may not replace.
pub fn plan(site: &Site, config: &SiteConfig, taken: &HashSet<&str>) -> Result<Vec<Redirect>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for page in site.posts.iter().chain(&site.pages).chain(&site.sections) {
        for alias in &page.source.front.aliases {
            let here = || Diagnostic::new(&page.source.display_path, "").line(1);
            let (from, output) = match alias_path(alias, &page.source.url_path, config.content.dialect) {
                Ok(p) => p,
                Err(m) => {
                    errors.push(
                        Diagnostic { message: m, ..here() }.hint("an alias is a URL path of the old site, e.g. \"/2019/04/old-name/\""),
                    );
                    continue;
                }
            };
            if taken.contains(output.as_str()) {
                errors
                    .push(Diagnostic { message: format!("alias {alias:?} is the URL of another page"), ..here() }.hint("remove the alias"));
                continue;
            }
            if !seen.insert(output.clone()) {
                errors.push(
                    Diagnostic { message: format!("alias {alias:?} is also an alias of another page"), ..here() }
                        .hint("keep it on one page only"),
                );
                continue;
            }
            let at_root = config.content.dialect != Dialect::Hugo;
            out.push(Redirect { output, from, to: page.summary.permalink.clone(), at_root });
        }
    }
    if errors.is_empty() {
        out.sort_by(|a, b| a.output.cmp(&b.output));
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The site path and output file of an alias. Absolute aliases are site paths; a relative one
/// is relative to the site root in Zola and to the page's parent URL in Hugo. An alias naming a
/// file (`old.html`) is written as that file.
fn alias_path(alias: &str, page_url: &str, dialect: Dialect) -> Result<(String, String), String> {
    let mut parts: Vec<&str> = Vec::new();
    if !alias.starts_with('/') && dialect == Dialect::Hugo {
        let parent = page_url.trim_end_matches('/').rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        parts.extend(parent.split('/').filter(|p| !p.is_empty()));
    }
    parts.extend(alias.split('/').filter(|p| !p.is_empty()));
    if parts.is_empty() {
        return Err(format!("alias {alias:?} is the home page's URL"));
    }
    if parts.iter().any(|p| *p == "." || *p == ".." || p.contains('\\')) {
        return Err(format!("alias {alias:?} must stay inside public/"));
    }
    let joined = parts.join("/");
    let is_file = parts.last().is_some_and(|l| l.ends_with(".html") || l.ends_with(".htm"));
    Ok(if is_file { (format!("/{joined}"), joined) } else { (format!("/{joined}/"), format!("{joined}/index.html")) })
}

/// The redirect page: readers are sent on at once, search engines index the target only.
pub fn html(r: &Redirect, language: &str) -> Vec<u8> {
    let to = escape(&r.to);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved to {to}</title>\n\
         <link rel=\"canonical\" href=\"{to}\">\n<meta name=\"robots\" content=\"noindex\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n\
         <body>\n<p>This page has moved to <a href=\"{to}\">{to}</a>.</p>\n</body>\n</html>\n",
        lang = escape(language)
    )
    .into_bytes()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_paths() {
        assert_eq!(alias_path("/old/place", "/x/", Dialect::Zola).unwrap(), ("/old/place/".into(), "old/place/index.html".into()));
        assert_eq!(alias_path("old.html", "/x/", Dialect::Zola).unwrap(), ("/old.html".into(), "old.html".into()));
        assert_eq!(alias_path("old", "/post/new/", Dialect::Hugo).unwrap(), ("/post/old/".into(), "post/old/index.html".into()));
        assert_eq!(alias_path("/old", "/post/new/", Dialect::Hugo).unwrap().0, "/old/");
        assert!(alias_path("/a/../../etc", "/x/", Dialect::Hugo).unwrap_err().contains("inside public/"));
        assert!(alias_path("/", "/x/", Dialect::Hugo).is_err());
    }

    #[test]
    fn the_page_sends_readers_on_and_is_not_indexed() {
        let r = Redirect { output: "a/index.html".into(), from: "/a/".into(), to: "https://x.org/b/?q=1&r=\"2\"".into(), at_root: false };
        let h = String::from_utf8(html(&r, "en")).unwrap();
        assert!(h.contains("<meta http-equiv=\"refresh\" content=\"0; url=https://x.org/b/?q=1&amp;r=&quot;2&quot;\">"), "{h}");
        assert!(h.contains("<link rel=\"canonical\" href=\"https://x.org/b/?q=1&amp;r=&quot;2&quot;\">"));
        assert!(h.contains("<meta name=\"robots\" content=\"noindex\">"));
    }
}
