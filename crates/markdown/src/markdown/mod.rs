//! Markdown to HTML with pulldown-cmark: heading ids and anchors, table of contents, summary,
//! syntax highlighting (syntect, CSS classes so the theme owns the colours), asset links
//! rewritten to their hashed names, and `srcset` for photos. Pure: no I/O.

mod escape;
mod footnotes;
mod headings;
mod highlight;
mod images;
mod links;
mod math;
mod pass;
mod summary;
mod tables;
mod toc;
mod words;

pub use escape::escape_attr;
pub(crate) use highlight::highlight_block;
pub use highlight::warm_up;
pub use words::count_words;

use pass::Pass;
use pulldown_cmark::{Options, Parser};
use serde::Serialize;

pub const MORE_MARKER: &str = "<!-- more -->";

#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    pub highlight: bool,
    pub smart_punctuation: bool,
    /// `$…$` and `$$…$$` are formulas, rendered to MathML.
    pub math: bool,
}

/// What a link or image destination in a page refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Not a local file (external URL, page link, anchor): left as written.
    Unchanged,
    /// Rewritten: a local file under its hashed URL, or a page link made root-relative.
    Url(String),
    /// A photo with thumbnails: `src` and `srcset`, plus intrinsic size to avoid layout shift.
    Photo { src: String, srcset: String, width: u32, height: u32 },
    /// Looks like a local file but none exists.
    Missing,
    /// A reference that cannot be resolved for its own reason (an `@/` link to no page).
    Invalid { message: String, hint: String },
}

/// Where the page being rendered lives: relative links are resolved against these.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// Folder of the source file, relative to `content/` (`posts/trip`).
    pub dir: &'a str,
    /// The page's URL path (`/posts/trip/`).
    pub url_path: &'a str,
}

/// Resolves link and image destinations found in a page.
pub trait Resolver: Sync {
    fn resolve(&self, at: Location<'_>, dest: &str, is_image: bool) -> Resolved;
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub content: String,
    pub summary: String,
    pub has_more: bool,
    pub toc: Vec<TocEntry>,
    pub word_count: usize,
    pub reading_time: usize,
    /// The picture link previews show (set by the body step: front matter or first `<img>`).
    pub image: Option<String>,
}

/// A problem at a byte offset of the body.
#[derive(Debug, Clone)]
pub struct MarkdownError {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

/// The body read as markdown, each event rewritten (heading ids and anchors, highlighted code,
/// resolved links and images, footnotes, aligned table cells), then written out as the page's
/// content, summary and table of contents.
pub fn render(body: &str, opts: MarkdownOptions, dir: Location<'_>, resolver: &dyn Resolver) -> Result<Rendered, Vec<MarkdownError>> {
    let parser = Parser::new_ext(body, parser_options(opts)).into_offset_iter();
    let mut pass = Pass::new(opts, dir, resolver);
    pass.read(parser);
    if !pass.errors.is_empty() {
        return Err(pass.errors);
    }
    let mut content = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut content, pass.events.iter().cloned());
    let (summary, has_more) = summary::summary(&pass);
    Ok(Rendered {
        content,
        summary,
        has_more,
        toc: toc::build_toc(&pass.headings),
        word_count: pass.words,
        reading_time: words::reading_time(pass.words),
        image: None,
    })
}

/// The markdown extensions every page is read with.
fn parser_options(opts: MarkdownOptions) -> Options {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if opts.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if opts.math {
        options |= Options::ENABLE_MATH;
    }
    options
}

#[cfg(test)]
mod tests {
    use super::words::is_unspaced_script;
    use super::*;

    struct NoFiles;
    impl Resolver for NoFiles {
        fn resolve(&self, _at: Location<'_>, dest: &str, _img: bool) -> Resolved {
            if dest.ends_with("missing.png") {
                Resolved::Missing
            } else if dest == "photo.jpg" {
                Resolved::Photo { src: "/p.1.jpg".into(), srcset: "/t-320.webp 320w".into(), width: 640, height: 480 }
            } else {
                Resolved::Unchanged
            }
        }
    }
    const HERE: Location<'static> = Location { dir: "", url_path: "/x/" };
    const OPTS: MarkdownOptions = MarkdownOptions { highlight: true, smart_punctuation: true, math: false };

    #[test]
    fn headings_get_unique_ids_anchors_and_toc() {
        let r = render("# Intro\n\ntext\n\n## Setup\n\n## Setup\n\n### Deep\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            r.content.contains("<h1 id=\"intro\">Intro<a class=\"anchor\" href=\"#intro\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h1>"),
            "{}",
            r.content
        );
        assert!(r.content.contains("id=\"setup-1\""));
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].children[0].id, "deep");
    }

    #[test]
    fn summary_from_more_marker_or_first_paragraph() {
        let r = render("First para.\n\nSecond.\n\n<!-- more -->\n\nRest.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.has_more);
        assert!(r.summary.contains("Second.") && !r.summary.contains("Rest."), "{}", r.summary);
        let r = render("Only *one* para.\n\nAnd another.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<p>Only <em>one</em> para.</p>\n");
        assert!(r.has_more);
    }

    #[test]
    fn more_marker_in_any_spacing_or_case() {
        for marker in ["<!--more-->", "<!--   More -->", "<!-- MORE-->", "<!--\tmore\t-->"] {
            let r = render(&format!("First para.\n\nSecond.\n\n{marker}\n\nRest.\n"), OPTS, HERE, &NoFiles).unwrap();
            assert!(r.summary.contains("Second.") && !r.summary.contains("Rest."), "{marker}: {}", r.summary);
        }
        let r = render("First para.\n\nSecond.\n\n<!-- moreover -->\n\nRest.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(!r.summary.contains("Second."), "{}", r.summary);
    }

    #[test]
    fn summaries_end_at_top_level_blocks_only() {
        // A post opening with a blockquote of two paragraphs: the whole quote, never half.
        let r = render("> one\n>\n> two\n\nafter\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<blockquote>\n<p>one</p>\n<p>two</p>\n</blockquote>\n");
        assert!(r.has_more);
        // A loose list: the whole list.
        let r = render("- a\n\n- b\n\nafter\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.summary.starts_with("<ul>") && r.summary.ends_with("</ul>\n"), "{}", r.summary);
        // A heading first: heading and the block after it, the heading without its id.
        let r = render("## Setup\n\nFirst.\n\nSecond.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<h2>Setup</h2>\n<p>First.</p>\n");
        // The more marker inside a list cuts after the whole list.
        let r = render("- a\n- b <!-- more -->\n- c\n\nrest\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.summary.ends_with("</ul>\n") && r.summary.contains("<li>c</li>"), "{}", r.summary);
        assert!(r.has_more);
        // A post that is one paragraph has no more.
        let r = render("Just this.\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(!r.has_more);
    }

    #[test]
    fn summaries_drop_footnote_references() {
        let r = render("Claim[^1] here.\n\nMore.\n\n[^1]: Source.\n", OPTS, HERE, &NoFiles).unwrap();
        assert_eq!(r.summary, "<p>Claim here.</p>\n");
        assert!(r.content.contains("id=\"fnref-1\""), "{}", r.content);
    }

    #[test]
    fn heading_ids_never_collide() {
        let r = render("## Setup\n\n## Setup\n\n## Setup 1\n", OPTS, HERE, &NoFiles).unwrap();
        let ids: Vec<&str> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["setup", "setup-1", "setup-1-1"]);
    }

    #[test]
    fn reading_time_counts_cjk_characters() {
        assert_eq!(count_words("hello world"), 2);
        assert_eq!(count_words("日本語の文章です"), 8);
        assert_eq!(count_words("Rust は速い"), 4);
        // The same as splitting at Unicode whitespace and counting runs, whatever the text.
        let reference = |t: &str| -> usize {
            t.split_whitespace()
                .map(|w| {
                    let (mut n, mut in_word) = (0, false);
                    for c in w.chars() {
                        if is_unspaced_script(c) {
                            (n, in_word) = (n + 1, false);
                        } else if !in_word {
                            (n, in_word) = (n + 1, true);
                        }
                    }
                    n
                })
                .sum()
        };
        for t in ["", "  ", "a", " a\tb\r\nc\x0bd\x0c", "x\u{a0}y\u{3000}z", "é è\u{2003}ü", "中文abc中 def", "ไทย ok", "a\u{1F600}b"]
        {
            assert_eq!(count_words(t), reference(t), "{t:?}");
        }
        let r = render(&"日本語の文章です。".repeat(100), OPTS, HERE, &NoFiles).unwrap();
        assert!(r.reading_time >= 4, "{}", r.reading_time);
    }

    #[test]
    fn raw_html_references_are_rewritten() {
        struct Files;
        impl Resolver for Files {
            fn resolve(&self, _at: Location<'_>, dest: &str, _img: bool) -> Resolved {
                match dest {
                    "photo.jpg" => Resolved::Url("/p.0123456789.jpg".into()),
                    "a b.pdf" => Resolved::Url("/a%20b.0123456789.pdf".into()),
                    "gone.mp4" => Resolved::Missing,
                    _ => Resolved::Unchanged,
                }
            }
        }
        let md = "<figure><img src=\"photo.jpg\" alt=x></figure>\n\nSee <a href='a b.pdf'>paper</a> and <a href=\"https://e.org/\">e</a>.\n\n<video poster=\"photo.jpg\"><source srcset=\"photo.jpg 2x, other.jpg\"></video>\n";
        let r = render(md, OPTS, HERE, &Files).unwrap();
        assert!(r.content.contains("<img src=\"/p.0123456789.jpg\" alt=x>"), "{}", r.content);
        assert!(r.content.contains("<a href='/a%20b.0123456789.pdf'>"), "{}", r.content);
        assert!(r.content.contains("href=\"https://e.org/\""), "{}", r.content);
        assert!(r.content.contains("poster=\"/p.0123456789.jpg\""), "{}", r.content);
        assert!(r.content.contains("srcset=\"/p.0123456789.jpg 2x, other.jpg\""), "{}", r.content);
        let e = render("<video src=\"gone.mp4\"></video>\n", OPTS, HERE, &Files).unwrap_err();
        assert!(e[0].message.contains("src=\"gone.mp4\""), "{}", e[0].message);
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let r = render("```rust\nfn main() { let x = \"s\"; }\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.content.contains("<pre class=\"code\" data-lang=\"rust\"><code>"), "{}", r.content);
        assert!(r.content.contains("hl-keyword") || r.content.contains("hl-storage"), "{}", r.content);
        let toml = render("```toml\n[deploy]\nbucket = \"b\" # c\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            toml.content.contains("hl-entity hl-name hl-section")
                && toml.content.contains("hl-string")
                && toml.content.contains("hl-comment"),
            "{}",
            toml.content
        );
        let plain = render("```nolang\n<b a=\"1\">\n```\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(plain.content.contains("&lt;b a=&quot;1&quot;&gt;"), "{}", plain.content);
    }

    #[test]
    fn images_resolve_or_fail() {
        let r = render("![A photo](photo.jpg)\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(r.content.contains("srcset=\"/t-320.webp 320w\""), "{}", r.content);
        assert!(r.content.contains("alt=\"A photo\" loading=\"lazy\""), "{}", r.content);
        let e = render("text\n\n![x](missing.png)\n", OPTS, HERE, &NoFiles).unwrap_err();
        assert_eq!(e[0].offset, 6);
    }

    #[test]
    fn extensions_enabled() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ - [x] done\n\nNote[^1].\n\n[^1]: Footnote.\n", OPTS, HERE, &NoFiles)
            .unwrap();
        assert!(r.content.contains("<table>"));
        let t = render("| a | b |\n|:---|---:|\n| 1 | 2 |\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(t.content.contains("<th class=\"align-left\">a</th><th class=\"align-right\">b</th>"), "{}", t.content);
        assert!(!t.content.contains("style="));
        // Body cells too, each row counted afresh; an unaligned column keeps a plain cell.
        let t = render("| a | b | c |\n|:-:|---|--:|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |\n", OPTS, HERE, &NoFiles).unwrap();
        assert!(
            t.content.contains("<tr><td class=\"align-center\">4</td><td>5</td><td class=\"align-right\">6</td></tr>"),
            "{}",
            t.content
        );
        assert!(t.content.contains("<th class=\"align-center\">a</th><th>b</th><th class=\"align-right\">c</th>"), "{}", t.content);
        assert!(r.content.contains("<del>old</del>"));
        assert!(r.content.contains("<sup class=\"footnote-reference\"><a href=\"#fn-1\" id=\"fnref-1\">1</a></sup>"), "{}", r.content);
        assert!(r.content.contains("<div class=\"footnote-definition\" id=\"fn-1\">"), "{}", r.content);
    }

    #[test]
    fn math_is_mathml_only_when_asked_for() {
        let md = "Euler: $e^{i\\pi} + 1 = 0$, and\n\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\nCosts $5 and $6.\n";
        let math = MarkdownOptions { math: true, ..OPTS };
        let r = render(md, math, HERE, &NoFiles).unwrap();
        assert!(r.content.contains("<math display=\"inline\"><semantics><mrow><msup>"), "{}", r.content);
        assert!(r.content.contains("<math display=\"block\">"), "{}", r.content);
        assert!(r.content.contains("<mfrac>"), "{}", r.content);
        let off = render(md, OPTS, HERE, &NoFiles).unwrap();
        assert!(!off.content.contains("<math") && off.content.contains("$e^{i\\pi} + 1 = 0$"), "{}", off.content);
        // A formula that cannot be converted stops the build at its place.
        let e = render("Fine.\n\nBad $\\frac{1}{\\nosuch}$ here.\n", math, HERE, &NoFiles).unwrap_err();
        assert_eq!(e[0].offset, 11, "{:?}", e);
        assert!(e[0].message.contains("`\\frac{1}{\\nosuch}`: unknown primitive command found"), "{}", e[0].message);
    }
}
