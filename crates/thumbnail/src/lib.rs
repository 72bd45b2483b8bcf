//! Photo thumbnails for myblog, without the AWS SDK: one library used by the Lambda (`thumbnail-fn`) (S3 `ObjectCreated` under `media/`)
//! and by `myblog build` / `myblog serve`, so local previews match production byte for byte.
//!
//! # API for the build (`cli`)
//!
//! ```no_run
//! use myblog_thumbnail::{make_thumbnails, plan, probe, thumb_key, Options, OutputFormat};
//! # fn demo(bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let options = Options::default(); // widths 320, 640, 1280; WebP q80; JPEG fallback q82
//!
//! // Cheap (header only, no pixel decoding): what thumbnails this image will get, with their
//! // exact sizes, for `<img src srcset sizes width height>`. Dimensions are as displayed,
//! // i.e. after EXIF orientation (a portrait photo stored landscape reports portrait).
//! let info = probe(bytes)?;
//! for t in plan(&info, &options) {
//!     // e.g. "media/photo.0123456789.jpg" -> "thumbs/photo.0123456789-640.webp"
//!     let key = thumb_key("media/photo.0123456789.jpg", t.width, t.format)?;
//!     println!("{key} {}w {}x{} {}", t.width, t.width, t.height, t.format.content_type());
//! }
//!
//! // Expensive (decode, orient, resize, encode): exactly the thumbnails `plan` announced, in the
//! // same order (WebP ascending by width, then the JPEG fallback of the largest width).
//! for t in make_thumbnails(bytes, &options)? {
//!     std::fs::write(format!("out{}", t.key_suffix()), &t.bytes)?;
//! }
//! # Ok(()) }
//! ```
//!
//! * [`thumbnail_widths`] is the width rule alone: configured widths strictly below the original
//!   width; if none is, one thumbnail at the original width (never upscale). So a srcset must be
//!   built from [`plan`], never from the configured widths.
//! * [`thumb_key`] / [`Prefixes::thumb_key`]: `media/<dirs>/<stem>.<ext>` →
//!   `thumbs/<dirs>/<stem>-<w>.<webp|jpg>`. The build renames files with a content hash
//!   (`media/photo.0123456789.jpg`), so its thumbnails are `thumbs/photo.0123456789-640.webp`:
//!   the hash of the original keeps the thumbnail names immutable too.
//! * Every thumbnail is served with [`CACHE_CONTROL`] and [`OutputFormat::content_type`].
//! * [`ThumbError`] separates inputs that are not images ([`ThumbError::is_not_an_image`]) from
//!   refused (too large) and corrupt ones.
//!
//! # The Lambda
//! `thumbnail-fn` is a thin crate on this one: its handler processes an `S3Event` and
//! `src/main.rs` wires it to `lambda_runtime`.

mod images;
mod naming;

/// EXIF orientation, as reported in [`ImageInfo::orientation`].
pub use image::metadata::Orientation;
pub use images::{
    make_thumbnails, plan, probe, probe_with, thumbnail_widths, ImageInfo, Options, OutputFormat, PlannedThumb, SourceFormat, Thumb,
    ThumbError, DEFAULT_WIDTHS,
};
pub use naming::{decode_s3_key, is_image_key, thumb_key, KeyError, KeyKind, Prefixes, DEFAULT_MEDIA_PREFIX, DEFAULT_THUMBS_PREFIX};

/// `Cache-Control` of every thumbnail: their names derive from the original's, which the build
/// makes content-hashed, so a name never changes meaning.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
