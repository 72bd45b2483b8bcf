//! Paths of published files as they go into URLs.

/// What must be escaped in a URL path segment of a published file (`what?.jpg`, `my photo.jpg`):
/// everything but unreserved characters and the sub-delimiters that are safe in paths.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// A published path (`media/my photo.jpg`) as it goes into a URL (`media/my%20photo.jpg`):
/// each segment percent-encoded, slashes kept.
pub fn url_path(path: &str) -> String {
    path.split('/').map(|seg| percent_encoding::utf8_percent_encode(seg, PATH_SEGMENT).to_string()).collect::<Vec<_>>().join("/")
}

/// Joins a relative reference to a folder (both `/`-separated, relative to the site root);
/// `None` if it climbs above the root.
pub fn resolve_relative(dir: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<&str> = if reference.starts_with('/') { Vec::new() } else { dir.split('/').filter(|s| !s.is_empty()).collect() };
    for seg in reference.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}
