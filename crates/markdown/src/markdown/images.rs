//! Images: the `<img>` tag rebuilt by hand, with the resolved URL and, for photos, `srcset`
//! and the intrinsic size.

use super::escape::escape_attr;
use super::pass::Pass;
use super::{Location, MarkdownError, Resolved, Resolver};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::ops::Range;

impl<'a> Pass<'a, '_> {
    /// An image: its alt text is its inner text.
    pub(super) fn image(
        &mut self,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        range: Range<usize>,
        iter: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
    ) {
        // Alt text is the image's inner text; the tag is rebuilt by hand for srcset.
        let mut alt = String::new();
        let mut nest = 0;
        for (ev, _) in iter.by_ref() {
            match ev {
                Event::Start(Tag::Image { .. }) => nest += 1,
                Event::End(TagEnd::Image) if nest == 0 => break,
                Event::End(TagEnd::Image) => nest -= 1,
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
        }
        self.events.push(Event::Html(image_html(&dest_url, &title, &alt, range.start, self.dir, self.resolver, &mut self.errors).into()));
    }
}

fn image_html(
    dest: &str,
    title: &str,
    alt: &str,
    offset: usize,
    dir: Location<'_>,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) -> String {
    let title_attr = if title.is_empty() { String::new() } else { format!(" title=\"{}\"", escape_attr(title)) };
    match resolver.resolve(dir, dest, true) {
        Resolved::Photo { src, srcset, width, height } => format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"(max-width: 48rem) 100vw, 48rem\" width=\"{width}\" height=\"{height}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">",
            escape_attr(&src),
            escape_attr(&srcset),
            escape_attr(alt)
        ),
        Resolved::Url(url) => {
            format!("<img src=\"{}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">", escape_attr(&url), escape_attr(alt))
        }
        Resolved::Unchanged => {
            format!("<img src=\"{}\" alt=\"{}\"{title_attr} loading=\"lazy\" decoding=\"async\">", escape_attr(dest), escape_attr(alt))
        }
        Resolved::Invalid { message, hint } => {
            errors.push(MarkdownError { offset, message, hint });
            String::new()
        }
        Resolved::Missing => {
            errors.push(MarkdownError {
                offset,
                message: format!("image {dest:?} does not exist"),
                hint: "put the file next to the post, or under content/media/, and check the spelling".into(),
            });
            String::new()
        }
    }
}
