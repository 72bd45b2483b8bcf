//! Decode, orient, resize and encode.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage, RgbaImage};
use std::io::Cursor;

/// Widths (in CSS pixels of the displayed image) when nothing else is configured.
pub const DEFAULT_WIDTHS: &[u32] = &[320, 640, 1280];

/// libwebp cannot encode a side longer than this.
const WEBP_MAX_DIMENSION: u32 = 16383;

/// Reductions by at least this factor are pre-shrunk by block averaging (see `Pixels::resize`).
const PRESHRINK_RATIO: u32 = 3;

/// What to produce and what to refuse.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Target widths; order and duplicates do not matter, zero is ignored.
    pub widths: Vec<u32>,
    /// Lossy WebP quality, 0–100.
    pub webp_quality: f32,
    /// Also encode the largest width as JPEG, for browsers without WebP.
    pub jpeg_fallback: bool,
    /// JPEG fallback quality, 1–100.
    pub jpeg_quality: u8,
    /// Images declaring more pixels than this are refused before any pixel is allocated.
    pub max_pixels: u64,
    /// Encoded inputs larger than this are refused.
    pub max_input_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            widths: DEFAULT_WIDTHS.to_vec(),
            webp_quality: 80.0,
            jpeg_fallback: true,
            jpeg_quality: 82,
            max_pixels: 50_000_000,
            max_input_bytes: 40 * 1024 * 1024,
        }
    }
}

impl Options {
    /// A short fingerprint of everything that changes the output bytes: stored beside the
    /// thumbnails so a re-run with the same source and settings can be recognised and skipped.
    pub fn fingerprint(&self) -> String {
        let mut widths = self.widths.clone();
        widths.sort_unstable();
        widths.dedup();
        let widths: Vec<String> = widths.iter().map(u32::to_string).collect();
        format!(
            "v1;w={};webp={};jpeg={}",
            widths.join(","),
            self.webp_quality,
            if self.jpeg_fallback { self.jpeg_quality.to_string() } else { "none".into() }
        )
    }
}

/// Formats accepted as originals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    Jpeg,
    Png,
    WebP,
}

/// Formats of the thumbnails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    WebP,
    Jpeg,
}

impl OutputFormat {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::WebP => "webp",
            OutputFormat::Jpeg => "jpg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::WebP => "image/webp",
            OutputFormat::Jpeg => "image/jpeg",
        }
    }
}

/// What [`probe`] learns from an image header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: SourceFormat,
    /// Displayed width: EXIF orientation applied.
    pub width: u32,
    /// Displayed height: EXIF orientation applied.
    pub height: u32,
    /// The EXIF orientation found (`NoTransforms` when absent or unreadable).
    pub orientation: Orientation,
}

impl ImageInfo {
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// A thumbnail that [`make_thumbnails`] will produce for an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedThumb {
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
}

impl PlannedThumb {
    /// What follows the original's stem in the thumbnail's name, e.g. `-640.webp`.
    pub fn key_suffix(&self) -> String {
        format!("-{}.{}", self.width, self.format.extension())
    }
}

/// An encoded thumbnail, metadata-free.
#[derive(Clone, PartialEq, Eq)]
pub struct Thumb {
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
    pub bytes: Vec<u8>,
}

impl Thumb {
    pub fn key_suffix(&self) -> String {
        self.planned().key_suffix()
    }

    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }

    pub fn planned(&self) -> PlannedThumb {
        PlannedThumb { width: self.width, height: self.height, format: self.format }
    }
}

impl std::fmt::Debug for Thumb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumb")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbError {
    #[error("not a JPEG, PNG or WebP image (the first bytes match no supported format)")]
    UnknownFormat,
    #[error("{format:?} is not supported: only JPEG, PNG and WebP originals get thumbnails")]
    UnsupportedFormat { format: ImageFormat },
    #[error("image file is {size} bytes, over the limit of {limit} bytes; resize it before upload or raise the limit")]
    TooManyBytes { size: u64, limit: u64 },
    #[error(
        "image declares {width}x{height} pixels, over the limit of {limit} pixels; refused without decoding (possible decompression bomb)"
    )]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("thumbnail would be {width}x{height}, over WebP's {WEBP_MAX_DIMENSION} pixel side limit")]
    TooTall { width: u32, height: u32 },
    #[error("truncated JPEG: it ends before its end-of-image marker; upload the complete file again")]
    Truncated,
    #[error("corrupt or unreadable image: {0}")]
    Decode(#[source] image::ImageError),
    #[error("encoding the {format:?} thumbnail failed: {message}")]
    Encode { format: OutputFormat, message: String },
}

impl ThumbError {
    /// True when the input is not an image this crate handles (skip it), as opposed to an image
    /// that is refused or broken (report it).
    pub fn is_not_an_image(&self) -> bool {
        matches!(self, ThumbError::UnknownFormat | ThumbError::UnsupportedFormat { .. })
    }
}

/// The widths to produce for an original `orig_width` pixels wide: the configured widths
/// strictly below it, ascending and deduplicated; if there is none, only `orig_width` itself
/// (a re-encoded, metadata-free copy), so every image gets at least one thumbnail.
pub fn thumbnail_widths(orig_width: u32, configured: &[u32]) -> Vec<u32> {
    let mut widths: Vec<u32> = configured.iter().copied().filter(|&w| w > 0 && w < orig_width).collect();
    widths.sort_unstable();
    widths.dedup();
    if widths.is_empty() && orig_width > 0 {
        widths.push(orig_width);
    }
    widths
}

fn scaled_height(orig_width: u32, orig_height: u32, width: u32) -> u32 {
    let h = (u64::from(orig_height) * u64::from(width) + u64::from(orig_width) / 2) / u64::from(orig_width.max(1));
    // orig_height * width / orig_width <= orig_height because width <= orig_width
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

/// The thumbnails [`make_thumbnails`] produces for this image, cheaply: WebP for each width
/// ascending, then the JPEG fallback at the largest width (if enabled).
pub fn plan(info: &ImageInfo, options: &Options) -> Vec<PlannedThumb> {
    let widths = thumbnail_widths(info.width, &options.widths);
    let mut planned: Vec<PlannedThumb> = widths
        .iter()
        .map(|&w| PlannedThumb { width: w, height: scaled_height(info.width, info.height, w), format: OutputFormat::WebP })
        .collect();
    if options.jpeg_fallback {
        if let Some(largest) = planned.last().copied() {
            planned.push(PlannedThumb { format: OutputFormat::Jpeg, ..largest });
        }
    }
    planned
}

fn source_format(bytes: &[u8]) -> Result<SourceFormat, ThumbError> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok(SourceFormat::Jpeg),
        Ok(ImageFormat::Png) => Ok(SourceFormat::Png),
        Ok(ImageFormat::WebP) => Ok(SourceFormat::WebP),
        Ok(format) => Err(ThumbError::UnsupportedFormat { format }),
        Err(_) => Err(ThumbError::UnknownFormat),
    }
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(orientation, Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH)
}

/// Opens a decoder and checks the limits: only the header has been parsed when this returns.
fn open<'a>(bytes: &'a [u8], options: &Options) -> Result<(Box<dyn ImageDecoder + 'a>, ImageInfo), ThumbError> {
    let size = bytes.len() as u64;
    if size > options.max_input_bytes {
        return Err(ThumbError::TooManyBytes { size, limit: options.max_input_bytes });
    }
    let format = source_format(bytes)?;
    let image_format = match format {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::WebP => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    // The decoders' own allocation cap, as a second line behind the pixel count check below:
    // 8 bytes per pixel covers 16-bit RGBA.
    let mut limits = Limits::default();
    limits.max_alloc = Some(options.max_pixels.saturating_mul(8).max(64 * 1024 * 1024));
    reader.limits(limits);
    let mut decoder: Box<dyn ImageDecoder + '_> = Box::new(reader.into_decoder().map_err(ThumbError::Decode)?);
    let (stored_w, stored_h) = decoder.dimensions();
    if u64::from(stored_w) * u64::from(stored_h) > options.max_pixels {
        return Err(ThumbError::TooManyPixels { width: stored_w, height: stored_h, limit: options.max_pixels });
    }
    // Unreadable EXIF is no reason to lose the photo: show it as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = if swaps_axes(orientation) { (stored_h, stored_w) } else { (stored_w, stored_h) };
    Ok((decoder, ImageInfo { format, width, height, orientation }))
}

/// Reads the format, displayed dimensions and orientation from the header, without decoding
/// pixels. Refuses (like [`make_thumbnails`]) inputs over the default limits of [`Options`].
pub fn probe(bytes: &[u8]) -> Result<ImageInfo, ThumbError> {
    probe_with(bytes, &Options::default())
}

/// [`probe`] with the limits of `options`.
pub fn probe_with(bytes: &[u8], options: &Options) -> Result<ImageInfo, ThumbError> {
    open(bytes, options).map(|(_, info)| info)
}

/// Decodes `bytes` (JPEG, PNG or WebP), applies the EXIF orientation, drops all metadata and
/// encodes the thumbnails announced by [`plan`], in that order.
pub fn make_thumbnails(bytes: &[u8], options: &Options) -> Result<Vec<Thumb>, ThumbError> {
    let (decoder, info) = open(bytes, options)?;
    let planned = plan(&info, options);
    if let Some(t) = planned.iter().find(|t| t.width > WEBP_MAX_DIMENSION || t.height > WEBP_MAX_DIMENSION) {
        return Err(ThumbError::TooTall { width: t.width, height: t.height });
    }
    // zune-jpeg, as the image crate configures it, "decodes" a truncated JPEG by filling the
    // missing part with grey: a thumbnail of half a photo is worse than a reported error.
    if info.format == SourceFormat::Jpeg && !jpeg_reaches_eoi(bytes) {
        return Err(ThumbError::Truncated);
    }
    let image = DynamicImage::from_decoder(decoder).map_err(ThumbError::Decode)?;
    let mut pixels = Pixels::from_image(image);

    let webp: Vec<&PlannedThumb> = planned.iter().filter(|t| t.format == OutputFormat::WebP).collect();
    let mut out: Vec<Option<Thumb>> = vec![None; planned.len()];
    let mut jpeg_source: Option<Pixels> = None;
    // Largest first, each smaller one resized from the previous result: the full-size image is
    // read once, which is most of the resize cost, and is freed as soon as possible.
    for (i, t) in webp.iter().enumerate().rev() {
        let (w, h) = if swaps_axes(info.orientation) { (t.height, t.width) } else { (t.width, t.height) };
        let resized = pixels.resize(w, h);
        let oriented = resized.oriented(info.orientation);
        let encoded = oriented.encode_webp(options.webp_quality)?;
        out[i] = Some(Thumb { width: t.width, height: t.height, format: OutputFormat::WebP, bytes: encoded });
        if i == webp.len() - 1 && options.jpeg_fallback {
            jpeg_source = Some(oriented);
        }
        pixels = resized;
    }
    drop(pixels);
    if let (Some(src), Some(slot)) = (jpeg_source, planned.iter().position(|t| t.format == OutputFormat::Jpeg)) {
        let t = planned[slot];
        out[slot] =
            Some(Thumb { width: t.width, height: t.height, format: OutputFormat::Jpeg, bytes: src.encode_jpeg(options.jpeg_quality)? });
    }
    Ok(out.into_iter().flatten().collect())
}

/// 8-bit pixels in a layout the encoders take: `ImageRgb8`, or `ImageRgba8` with premultiplied
/// alpha (otherwise the colour of fully transparent pixels bleeds into visible edges when
/// resizing). Held as a `DynamicImage` because its methods are compiled and optimised inside the
/// image crate, where a generic `imageops` call would be instantiated (unoptimised in dev
/// builds) in this one.
#[derive(Clone)]
struct Pixels(DynamicImage);

impl Pixels {
    fn from_image(image: DynamicImage) -> Pixels {
        if !image.color().has_alpha() {
            return Pixels(match image {
                DynamicImage::ImageRgb8(_) => image,
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            });
        }
        let mut rgba = match image {
            DynamicImage::ImageRgba8(rgba) => rgba,
            other => other.to_rgba8(),
        };
        // Many PNGs carry an alpha channel that is opaque everywhere: encode them as RGB,
        // which is smaller and gives the JPEG fallback the same pixels.
        if rgba.as_raw().chunks_exact(4).all(|p| p[3] == 255) {
            return Pixels(DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8()));
        }
        for p in rgba.chunks_exact_mut(4) {
            let a = u16::from(p[3]);
            for c in &mut p[..3] {
                *c = ((u16::from(*c) * a + 127) / 255) as u8;
            }
        }
        Pixels(DynamicImage::ImageRgba8(rgba))
    }

    fn dimensions(&self) -> (u32, u32) {
        (self.0.width(), self.0.height())
    }

    /// Lanczos3 resize. Large reductions first average blocks of pixels down to twice the
    /// target (cheap, and exact enough at that ratio), then Lanczos3 does the last factor two:
    /// the result is indistinguishable from a single Lanczos3 pass at a fraction of its cost.
    fn resize(&self, w: u32, h: u32) -> Pixels {
        let (sw, sh) = self.dimensions();
        if (sw, sh) == (w, h) {
            return self.clone();
        }
        if sw >= PRESHRINK_RATIO * w && sh >= PRESHRINK_RATIO * h {
            let small = self.0.thumbnail_exact(2 * w, 2 * h);
            return Pixels(small.resize_exact(w, h, FilterType::Lanczos3));
        }
        Pixels(self.0.resize_exact(w, h, FilterType::Lanczos3))
    }

    fn oriented(&self, orientation: Orientation) -> Pixels {
        let mut img = self.0.clone();
        img.apply_orientation(orientation);
        Pixels(img)
    }

    fn encode_webp(&self, quality: f32) -> Result<Vec<u8>, ThumbError> {
        let (w, h) = self.dimensions();
        let encoded = match &self.0 {
            DynamicImage::ImageRgba8(img) => {
                let straight = unpremultiply(img);
                webp::Encoder::from_rgba(straight.as_raw(), w, h).encode_simple(false, quality)
            }
            DynamicImage::ImageRgb8(img) => webp::Encoder::from_rgb(img.as_raw(), w, h).encode_simple(false, quality),
            other => webp::Encoder::from_rgb(other.to_rgb8().as_raw(), w, h).encode_simple(false, quality),
        };
        encoded.map(|m| m.to_vec()).map_err(|e| ThumbError::Encode { format: OutputFormat::WebP, message: format!("{e:?}") })
    }

    /// JPEG has no alpha: transparent areas become white, as on the default page background.
    fn encode_jpeg(&self, quality: u8) -> Result<Vec<u8>, ThumbError> {
        let rgb = match &self.0 {
            DynamicImage::ImageRgb8(img) => std::borrow::Cow::Borrowed(img),
            DynamicImage::ImageRgba8(img) => {
                // Premultiplied colour over white: c + (255 - a).
                let mut rgb = RgbImage::new(img.width(), img.height());
                for (dst, src) in rgb.chunks_exact_mut(3).zip(img.chunks_exact(4)) {
                    let white = 255 - src[3];
                    for c in 0..3 {
                        dst[c] = src[c].saturating_add(white);
                    }
                }
                std::borrow::Cow::Owned(rgb)
            }
            other => std::borrow::Cow::Owned(other.to_rgb8()),
        };
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
            .encode_image(rgb.as_ref())
            .map_err(|e| ThumbError::Encode { format: OutputFormat::Jpeg, message: e.to_string() })?;
        Ok(out)
    }
}

/// Walks the JPEG's segments and entropy-coded scans to its end-of-image marker (trailing data
/// after it, as some phones append, is fine).
fn jpeg_reaches_eoi(b: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        if b.get(i) != Some(&0xFF) {
            return false;
        }
        while b.get(i) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let Some(&code) = b.get(i) else { return false };
        i += 1;
        match code {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue, // markers without a length
            _ => {
                let Some(len) = b.get(i..i + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else {
                    return false;
                };
                if len < 2 {
                    return false;
                }
                i += len;
                if code == 0xDA {
                    // Scan data runs to the next marker that is neither a stuffed 0xFF00 nor a
                    // restart marker.
                    loop {
                        let Some(off) = b.get(i..).and_then(|rest| rest.iter().position(|&x| x == 0xFF)) else {
                            return false;
                        };
                        i += off;
                        match b.get(i + 1) {
                            None => return false,
                            Some(0x00 | 0xD0..=0xD7) => i += 2,
                            Some(0xFF) => i += 1,
                            Some(_) => break,
                        }
                    }
                }
            }
        }
    }
}

fn unpremultiply(img: &RgbaImage) -> RgbaImage {
    let mut out = img.clone();
    for p in out.chunks_exact_mut(4) {
        let a = u16::from(p[3]);
        if a == 0 {
            p[..3].fill(0);
        } else if a < 255 {
            for c in &mut p[..3] {
                *c = ((u16::from(*c) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_below_original_only() {
        assert_eq!(thumbnail_widths(4000, &[1280, 320, 640, 640]), vec![320, 640, 1280]);
        assert_eq!(thumbnail_widths(1000, &[320, 640, 1280]), vec![320, 640]);
        assert_eq!(thumbnail_widths(640, &[320, 640, 1280]), vec![320]);
        assert_eq!(thumbnail_widths(200, &[320, 640, 1280]), vec![200]);
        assert_eq!(thumbnail_widths(320, &[320, 640]), vec![320]);
        assert_eq!(thumbnail_widths(500, &[0]), vec![500]);
        assert_eq!(thumbnail_widths(0, &[320]), Vec::<u32>::new());
    }

    #[test]
    fn plan_keeps_aspect_and_adds_one_jpeg() {
        let info = ImageInfo { format: SourceFormat::Jpeg, width: 4000, height: 3000, orientation: Orientation::NoTransforms };
        let p = plan(&info, &Options::default());
        let got: Vec<(u32, u32, OutputFormat)> = p.iter().map(|t| (t.width, t.height, t.format)).collect();
        assert_eq!(
            got,
            vec![
                (320, 240, OutputFormat::WebP),
                (640, 480, OutputFormat::WebP),
                (1280, 960, OutputFormat::WebP),
                (1280, 960, OutputFormat::Jpeg),
            ]
        );
        assert_eq!(p[1].key_suffix(), "-640.webp");
        assert_eq!(p[3].key_suffix(), "-1280.jpg");
        let no_jpeg = Options { jpeg_fallback: false, ..Options::default() };
        assert_eq!(plan(&info, &no_jpeg).len(), 3);
    }

    #[test]
    fn height_rounds_and_never_reaches_zero() {
        assert_eq!(scaled_height(3000, 1999, 320), 213);
        assert_eq!(scaled_height(10000, 10, 320), 1);
    }

    #[test]
    fn non_images_are_told_apart() {
        let err = probe(b"hello, this is text").unwrap_err();
        assert!(err.is_not_an_image(), "{err}");
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        let err = probe(gif).unwrap_err();
        assert!(err.is_not_an_image(), "{err}");
    }

    #[test]
    fn truncated_jpegs_are_recognised() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_fn(256, 192, |x, y| {
            image::Rgb([(x * 7 % 251) as u8, (y * 13 % 241) as u8, ((x ^ y) % 256) as u8])
        }));
        let mut jpeg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        assert!(jpeg_reaches_eoi(&jpeg));
        let mut trailing = jpeg.clone();
        trailing.extend_from_slice(b"trailer from a phone");
        assert!(jpeg_reaches_eoi(&trailing));
        for cut in [jpeg.len() - 1, jpeg.len() - 2, jpeg.len() / 2, 4] {
            assert!(!jpeg_reaches_eoi(&jpeg[..cut]), "cut at {cut}");
        }
        let half = make_thumbnails(&jpeg[..jpeg.len() / 2], &Options::default());
        assert!(matches!(half, Err(ThumbError::Truncated)), "{half:?}");
        assert_eq!(make_thumbnails(&trailing, &Options::default()).unwrap().len(), 2);
    }

    #[test]
    fn premultiply_round_trip_keeps_opaque_and_clears_transparent() {
        let mut img = RgbaImage::new(2, 1);
        img.put_pixel(0, 0, image::Rgba([10, 200, 30, 255]));
        img.put_pixel(1, 0, image::Rgba([90, 90, 90, 0]));
        let Pixels(DynamicImage::ImageRgba8(pre)) = Pixels::from_image(DynamicImage::ImageRgba8(img)) else {
            panic!("alpha image must stay RGBA")
        };
        let back = unpremultiply(&pre);
        assert_eq!(back.get_pixel(0, 0).0, [10, 200, 30, 255]);
        assert_eq!(back.get_pixel(1, 0).0, [0, 0, 0, 0]);
    }
}
