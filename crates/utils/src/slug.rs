//! Slugs and single path segments: the names a URL or a folder may take.

/// One folder or file name: no separators, not `.` or `..`.
pub fn is_plain_segment(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']) && !s.starts_with('.')
}

/// Lowercase words joined by `-`; keeps unicode letters and digits. Used for slugs, tags, ids.
pub fn slugify(s: &str) -> String {
    // macOS hands out decomposed names (`e` + U+0301): compose them first, so `résumé` is one
    // word whichever way it was typed.
    let s = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(s);
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if is_combining_mark(c) && !out.is_empty() && !dash {
            // A mark with no precomposed form still belongs to its letter.
            out.push(c);
        } else if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c == '_' && !out.is_empty() {
            out.push('_');
            dash = false;
        } else {
            dash = true;
        }
    }
    out
}

/// A combining mark (accents typed after their letter), in the blocks slugs and paths keep.
pub fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}
