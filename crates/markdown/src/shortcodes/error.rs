//! A shortcode's errors: located problems, the hint for a tag that does not read, and tera's
//! error text without its layers.

/// A problem at a byte offset of the body as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeError {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

pub(super) fn shortcode_hint(src: &str, at: usize) -> String {
    if src[at..].starts_with("{{<") || src[at..].starts_with("{{%") {
        "write Hugo shortcodes as {{< name arg key=\"value\" >}}; to show one literally, write {{</* name */>}}".into()
    } else {
        "write Zola shortcodes as {{ name(key=\"value\") }}; to show one literally, write {{/* name() */}}".into()
    }
}

pub(super) fn error_chain(e: &tera::Error) -> String {
    use std::error::Error as _;
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    // Tera wraps the useful part (the `throw` message, the missing variable) in layers that
    // only name the template.
    parts.retain(|p| !p.starts_with("Failed to render"));
    parts.join(": ")
}
