//! Object keys: which ones are ours to process, and the names of their thumbnails.

use crate::images::OutputFormat;

pub const DEFAULT_MEDIA_PREFIX: &str = "media/";
pub const DEFAULT_THUMBS_PREFIX: &str = "thumbs/";

/// Extensions (lower-case) of the originals that get thumbnails. Anything else is skipped
/// without being downloaded.
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "jfif", "png", "webp"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("key {key:?} is not under the media prefix {prefix:?}")]
    OutsideMedia { key: String, prefix: String },
    #[error("key {key:?} has no file name")]
    NoFileName { key: String },
    #[error("event key {key:?} is not valid URL-encoded UTF-8")]
    BadEncoding { key: String },
}

/// Where originals live and where thumbnails go, both ending in `/` (or the media prefix empty:
/// the whole bucket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefixes {
    pub media: String,
    pub thumbs: String,
}

impl Default for Prefixes {
    fn default() -> Self {
        Prefixes { media: DEFAULT_MEDIA_PREFIX.into(), thumbs: DEFAULT_THUMBS_PREFIX.into() }
    }
}

/// What a key is to this function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Under the thumbnails prefix: our own output, never processed (no loop).
    Thumbnail,
    /// Outside the media prefix.
    Outside,
    /// Under the media prefix with an image extension.
    Image,
    /// Under the media prefix, not an image by its extension.
    OtherMedia,
}

impl Prefixes {
    /// Normalises both prefixes to end with `/` and rejects layouts where originals could not
    /// be told from thumbnails.
    pub fn new(media: &str, thumbs: &str) -> Result<Prefixes, String> {
        let norm = |p: &str| {
            let p = p.trim().trim_start_matches('/');
            if p.is_empty() || p.ends_with('/') {
                p.to_string()
            } else {
                format!("{p}/")
            }
        };
        let (media, thumbs) = (norm(media), norm(thumbs));
        if thumbs.is_empty() {
            return Err("the thumbnails prefix must not be empty: thumbnails would mix with originals".into());
        }
        if !media.is_empty() && media.starts_with(&thumbs) {
            return Err(format!("media prefix {media:?} lies inside thumbnails prefix {thumbs:?}: no original could ever be processed"));
        }
        Ok(Prefixes { media, thumbs })
    }

    pub fn classify(&self, key: &str) -> KeyKind {
        // Checked first: with an empty media prefix (or thumbs/ inside media/) our own output
        // is also "under media", and must still never be processed.
        if key.starts_with(&self.thumbs) {
            KeyKind::Thumbnail
        } else if !key.starts_with(&self.media) {
            KeyKind::Outside
        } else if is_image_key(key) {
            KeyKind::Image
        } else {
            KeyKind::OtherMedia
        }
    }

    /// `<media><dirs>/<stem>.<ext>` → `<thumbs><dirs>/<stem>-<width>.<format ext>`.
    pub fn thumb_key(&self, original_key: &str, width: u32, format: OutputFormat) -> Result<String, KeyError> {
        let rest = original_key
            .strip_prefix(&self.media)
            .ok_or_else(|| KeyError::OutsideMedia { key: original_key.into(), prefix: self.media.clone() })?;
        let (dirs, file) = match rest.rfind('/') {
            Some(i) => rest.split_at(i + 1),
            None => ("", rest),
        };
        // A leading dot is part of the name (`.hidden`), not an extension.
        let stem = match file.rfind('.') {
            Some(i) if i > 0 => &file[..i],
            _ => file,
        };
        if stem.is_empty() {
            return Err(KeyError::NoFileName { key: original_key.into() });
        }
        Ok(format!("{}{dirs}{stem}-{width}.{}", self.thumbs, format.extension()))
    }
}

/// [`Prefixes::thumb_key`] with the default prefixes (`media/` → `thumbs/`).
pub fn thumb_key(original_key: &str, width: u32, format: OutputFormat) -> Result<String, KeyError> {
    Prefixes::default().thumb_key(original_key, width, format)
}

/// Whether the key's extension is one of an image we make thumbnails of (case-insensitive).
pub fn is_image_key(key: &str) -> bool {
    let file = key.rsplit('/').next().unwrap_or(key);
    match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => IMAGE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)),
        _ => false,
    }
}

/// Decodes an object key as S3 event notifications carry it: form-encoded, so `+` is a space
/// and everything else, including a literal `+` (`%2B`) and sometimes `/` (`%2F`), is `%XX`.
pub fn decode_s3_key(raw: &str) -> Result<String, KeyError> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| KeyError::BadEncoding { key: raw.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumb_keys_keep_folders_and_hashed_stems() {
        let k = |key: &str, w| thumb_key(key, w, OutputFormat::WebP).unwrap();
        assert_eq!(k("media/photo.jpg", 640), "thumbs/photo-640.webp");
        assert_eq!(k("media/photo.0123456789.jpg", 640), "thumbs/photo.0123456789-640.webp");
        assert_eq!(k("media/2024/trip/a b+c.PNG", 320), "thumbs/2024/trip/a b+c-320.webp");
        assert_eq!(k("media/ünï/café.webp", 1280), "thumbs/ünï/café-1280.webp");
        assert_eq!(k("media/noext", 320), "thumbs/noext-320.webp");
        assert_eq!(thumb_key("media/x/p.jpeg", 1280, OutputFormat::Jpeg).unwrap(), "thumbs/x/p-1280.jpg");
        assert!(matches!(thumb_key("other/p.jpg", 320, OutputFormat::WebP), Err(KeyError::OutsideMedia { .. })));
        assert!(matches!(thumb_key("media/dir/", 320, OutputFormat::WebP), Err(KeyError::NoFileName { .. })));
    }

    #[test]
    fn custom_prefixes_are_normalised_and_checked() {
        let p = Prefixes::new("photos", "/small").unwrap();
        assert_eq!(p, Prefixes { media: "photos/".into(), thumbs: "small/".into() });
        assert_eq!(p.thumb_key("photos/a.jpg", 320, OutputFormat::WebP).unwrap(), "small/a-320.webp");
        assert!(Prefixes::new("media/", "").is_err());
        assert!(Prefixes::new("thumbs/media/", "thumbs/").is_err());
        let whole = Prefixes::new("", "thumbs/").unwrap();
        assert_eq!(whole.classify("thumbs/a-320.webp"), KeyKind::Thumbnail);
        assert_eq!(whole.classify("a.jpg"), KeyKind::Image);
        assert_eq!(whole.thumb_key("x/a.jpg", 320, OutputFormat::WebP).unwrap(), "thumbs/x/a-320.webp");
    }

    #[test]
    fn classification() {
        let p = Prefixes::default();
        assert_eq!(p.classify("thumbs/a-320.webp"), KeyKind::Thumbnail);
        assert_eq!(p.classify("media/a.JPG"), KeyKind::Image);
        assert_eq!(p.classify("media/notes.txt"), KeyKind::OtherMedia);
        assert_eq!(p.classify("media/.jpg"), KeyKind::OtherMedia);
        assert_eq!(p.classify("posts/a.jpg"), KeyKind::Outside);
        assert_eq!(p.classify("mediaX/a.jpg"), KeyKind::Outside);
    }

    #[test]
    fn event_keys_are_form_decoded() {
        assert_eq!(decode_s3_key("media/my+photo.jpg").unwrap(), "media/my photo.jpg");
        assert_eq!(decode_s3_key("media/a%2Bb.jpg").unwrap(), "media/a+b.jpg");
        assert_eq!(decode_s3_key("media%2F2024%2Fx.jpg").unwrap(), "media/2024/x.jpg");
        assert_eq!(decode_s3_key("media/caf%C3%A9.webp").unwrap(), "media/café.webp");
        assert_eq!(decode_s3_key("media/100%25.png").unwrap(), "media/100%.png");
        assert!(decode_s3_key("media/%FF.jpg").is_err());
    }
}
