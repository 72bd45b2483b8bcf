//! Where a page is published: URL patterns per section with Hugo's tokens, and what happens when
//! two pages of a moved-in site end up at one URL. Pure.

use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

const TOKENS: &[&str] = &[
    ":year",
    ":month",
    ":day",
    ":slug",
    ":title",
    ":section",
    ":filename",
    ":slugorfilename",
    ":contentbasename",
    ":slugorcontentbasename",
];

/// What a pattern's tokens stand for, for one page.
pub struct Tokens<'a> {
    pub date: Option<OffsetDateTime>,
    pub slug: &'a str,
    /// The title already made a URL segment by the site's slug rule.
    pub title: &'a str,
    pub section: &'a str,
    /// The file name without extension, or a bundle's folder name (Hugo's content base name).
    pub filename: &'a str,
    /// The front matter's `slug`, made a URL segment, when it sets one: Hugo's
    /// `:slugorfilename` and `:slugorcontentbasename` (0.144) take it, else the file name.
    pub own_slug: Option<&'a str>,
}

/// A pattern is well-formed when every `:word` in it is a known token.
pub fn validate(pattern: &str) -> Result<(), String> {
    if !pattern.starts_with('/') {
        return Err(format!("pattern {pattern:?} must start with `/`"));
    }
    for part in pattern.split('/') {
        if part.starts_with(':') && !TOKENS.contains(&part) {
            return Err(format!("unknown token `{part}`; known tokens: {}", TOKENS.join(" ")));
        }
    }
    Ok(())
}

/// The URL path (`/2019/04/23/roadmap/`) a pattern gives a page. Empty segments (`:section` at
/// the root) are dropped.
pub fn expand(pattern: &str, t: &Tokens<'_>) -> Result<String, String> {
    let mut parts = Vec::new();
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let value = match part {
            ":year" | ":month" | ":day" => {
                let d = t.date.ok_or_else(|| format!("`{part}` in the URL pattern needs a date in the front matter"))?;
                match part {
                    ":year" => format!("{:04}", d.year()),
                    ":month" => format!("{:02}", u8::from(d.month())),
                    _ => format!("{:02}", d.day()),
                }
            }
            ":slug" => t.slug.to_string(),
            ":title" => t.title.to_string(),
            ":section" => t.section.to_string(),
            ":filename" | ":contentbasename" => t.filename.to_string(),
            ":slugorfilename" | ":slugorcontentbasename" => t.own_slug.unwrap_or(t.filename).to_string(),
            other => other.to_string(),
        };
        if !value.is_empty() {
            parts.push(value);
        }
    }
    Ok(if parts.is_empty() { "/".into() } else { format!("/{}/", parts.join("/")) })
}

/// A page to give a distinct URL to: its index in the list, its date and URL path.
pub struct Claim<'a> {
    pub date: Option<OffsetDateTime>,
    pub url_path: &'a str,
}

/// Where pages share a URL (Hugo keeps one and silently drops the rest), the newest keeps it and
/// each other one gets the first free `<url>-2/`, `<url>-3/`... Returns (index, new URL path).
pub fn settle(claims: &[Claim<'_>]) -> Vec<(usize, String)> {
    let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in claims.iter().enumerate() {
        by_url.entry(c.url_path).or_default().push(i);
    }
    let mut taken: HashSet<String> = claims.iter().map(|c| c.url_path.to_string()).collect();
    let mut groups: Vec<Vec<usize>> = by_url.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    let mut moves = Vec::new();
    for mut group in groups {
        // Newest first; equal dates keep their order in content/ (sorted by path).
        group.sort_by(|a, b| claims[*b].date.cmp(&claims[*a].date).then(a.cmp(b)));
        let base = claims[group[0]].url_path.trim_end_matches('/').to_string();
        for &i in &group[1..] {
            let mut n = 2;
            let url = loop {
                let candidate = format!("{base}-{n}/");
                if !taken.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            };
            taken.insert(url.clone());
            moves.push((i, url));
        }
    }
    moves.sort();
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<OffsetDateTime> {
        myblog_utils::parse_date_str(s)
    }

    #[test]
    fn hugo_tokens() {
        let t = Tokens {
            date: date("2019-04-03"),
            slug: "road",
            title: "the-roadmap",
            section: "post",
            filename: "2019-roadmap",
            own_slug: None,
        };
        assert_eq!(expand("/:year/:month/:day/:slug/", &t).unwrap(), "/2019/04/03/road/");
        assert_eq!(expand("/:section/:title", &t).unwrap(), "/post/the-roadmap/");
        assert_eq!(expand("/archive/:filename/", &t).unwrap(), "/archive/2019-roadmap/");
        let root = Tokens { section: "", date: None, ..t };
        assert_eq!(expand("/:section/:slug/", &root).unwrap(), "/road/");
        assert!(expand("/:year/:slug/", &root).unwrap_err().contains("needs a date"));
        assert!(validate("/:yaer/:slug/").unwrap_err().contains("unknown token `:yaer`"));
        assert!(validate(":slug/").is_err());
    }

    #[test]
    fn hugo_slug_or_file_name_tokens() {
        let t = Tokens { date: None, slug: "the-title", title: "the-title", section: "blog", filename: "first-post", own_slug: None };
        // Without a `slug` in the front matter: the file (or bundle folder) name, not the title.
        assert_eq!(expand("/:section/:slugorcontentbasename", &t).unwrap(), "/blog/first-post/");
        assert_eq!(expand("/:slugorfilename/", &t).unwrap(), "/first-post/");
        assert_eq!(expand("/:contentbasename/", &t).unwrap(), "/first-post/");
        let own = Tokens { own_slug: Some("hello"), ..t };
        assert_eq!(expand("/:section/:slugorcontentbasename", &own).unwrap(), "/blog/hello/");
        assert_eq!(expand("/:contentbasename/", &own).unwrap(), "/first-post/");
        assert!(validate("/:section/:slugorcontentbasename").is_ok());
    }

    #[test]
    fn the_newest_keeps_a_shared_url() {
        let claims = [
            Claim { date: date("2019-01-01"), url_path: "/roadmap/" },
            Claim { date: date("2021-01-01"), url_path: "/roadmap/" },
            Claim { date: date("2020-01-01"), url_path: "/roadmap/" },
            Claim { date: date("2020-01-01"), url_path: "/roadmap-2/" },
            Claim { date: None, url_path: "/about/" },
        ];
        assert_eq!(settle(&claims), [(0, "/roadmap-4/".to_string()), (2, "/roadmap-3/".to_string())]);
    }
}
