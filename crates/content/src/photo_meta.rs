//! Removing location and device metadata from published photos, losslessly: the JPEG, PNG or
//! WebP file is rewritten segment by segment (chunk by chunk), its pixels never decoded.
//!
//! What goes: EXIF (GPS position, camera and lens serial numbers, times, maker notes), XMP and
//! IPTC (location, names), comments, text chunks, and data after the end of a JPEG (phones
//! append depth maps and secondary images there, each with its own EXIF). What stays: the
//! image, its colour profile (ICC, JFIF, Adobe colour transform) and its orientation (EXIF
//! Orientation is rewritten alone into a minimal EXIF block). A file with nothing to remove is
//! reported as such, so it is published byte for byte. Pure.

use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
#[error("{0}")]
pub struct StripError(String);

fn err<T>(what: &str) -> Result<T, StripError> {
    Err(StripError(what.to_string()))
}

/// Whether a published file name is a photo whose metadata this module handles.
pub fn is_photo(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp"].iter().any(|e| lower.ends_with(e))
}

/// The photo without its metadata, or `None` when it has nothing to remove (or is not a
/// JPEG, PNG or WebP).
pub fn strip(bytes: &[u8]) -> Result<Option<Vec<u8>>, StripError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        strip_jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        strip_png(bytes)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        strip_webp(bytes)
    } else {
        Ok(None)
    }
}

/// The bytes published for a photo file: the file stripped, or as it is when it has nothing to
/// remove. Called again at write time rather than keeping every stripped photo in memory.
pub fn read_stripped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let bytes = std::fs::read(path)?;
    stripped_or_same(bytes)
}

/// [`strip`] for bytes already read.
pub fn stripped_or_same(bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    match strip(&bytes) {
        Ok(Some(clean)) => Ok(clean),
        Ok(None) => Ok(bytes),
        Err(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())),
    }
}

// --- EXIF (TIFF structure) -------------------------------------------------------------------

const ORIENTATION: u16 = 0x0112;

/// What to do with an EXIF block (a TIFF structure).
#[derive(Debug, PartialEq)]
enum Exif {
    /// It holds nothing but an orientation: keep it as it is.
    Keep,
    /// It holds more: replace it with this (the orientation alone), or drop it (`None`).
    Replace(Option<Vec<u8>>),
}

fn exif_verdict(tiff: &[u8]) -> Exif {
    let Some((orientation, only_orientation)) = read_ifd0(tiff) else {
        // Unreadable EXIF cannot be vouched for: drop it.
        return Exif::Replace(None);
    };
    if only_orientation {
        return Exif::Keep;
    }
    Exif::Replace(orientation.filter(|o| (2..=8).contains(o)).map(minimal_exif))
}

/// The orientation in IFD0, and whether IFD0 holds nothing else (and no further IFD follows).
fn read_ifd0(tiff: &[u8]) -> Option<(Option<u16>, bool)> {
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    let mut orientation = None;
    let mut only = true;
    for i in 0..count {
        let entry = ifd + 2 + i * 12;
        let tag = u16_at(entry)?;
        if tag == ORIENTATION {
            orientation = Some(u16_at(entry + 8)?);
        } else {
            only = false;
        }
    }
    let next = u32_at(ifd + 2 + count * 12)?;
    Some((orientation, only && next == 0))
}

/// A TIFF structure holding one tag: Orientation.
fn minimal_exif(orientation: u16) -> Vec<u8> {
    let mut t = Vec::with_capacity(26);
    t.extend_from_slice(b"II");
    t.extend_from_slice(&42u16.to_le_bytes());
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&ORIENTATION.to_le_bytes());
    t.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&orientation.to_le_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

// --- JPEG ------------------------------------------------------------------------------------

const EXIF_HEADER: &[u8] = b"Exif\0\0";

fn strip_jpeg(b: &[u8]) -> Result<Option<Vec<u8>>, StripError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut changed = false;
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes (0xFF).
        if b.get(i) != Some(&0xFF) {
            return err("not a valid JPEG: a segment does not start with a marker");
        }
        let mut m = i + 1;
        while b.get(m) == Some(&0xFF) {
            m += 1;
        }
        let Some(&marker) = b.get(m) else { return err("not a valid JPEG: it ends inside a marker") };
        if marker == 0xD9 {
            out.extend_from_slice(&b[i..=m]);
            if m + 1 < b.len() {
                // Appended data (secondary images, maker trailers) carries metadata of its own.
                changed = true;
            }
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(&b[i..=m]);
            i = m + 1;
            continue;
        }
        let len = match b.get(m + 1..m + 3) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return err("not a valid JPEG: it ends inside a segment header"),
        };
        let end = m + 1 + len;
        if len < 2 || end > b.len() {
            return err("not a valid JPEG: a segment runs past the end of the file");
        }
        let payload = &b[m + 3..end];
        match jpeg_segment(marker, payload) {
            Segment::Keep => out.extend_from_slice(&b[i..end]),
            Segment::Drop => changed = true,
            Segment::Exif(tiff) => {
                changed = true;
                let seg_len = 2 + EXIF_HEADER.len() + tiff.len();
                out.extend_from_slice(&[0xFF, 0xE1]);
                out.extend_from_slice(&(seg_len as u16).to_be_bytes());
                out.extend_from_slice(EXIF_HEADER);
                out.extend_from_slice(&tiff);
            }
        }
        i = end;
        if marker == 0xDA {
            // Entropy-coded data follows the scan header, up to the next marker that is
            // neither a stuffed 0xFF00 nor a restart marker.
            let mut j = i;
            loop {
                match b.get(j) {
                    None => return err("not a valid JPEG: it ends inside the image data (no end marker)"),
                    Some(0xFF) => match b.get(j + 1) {
                        Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => j += 1,
                        Some(_) => break,
                        None => return err("not a valid JPEG: it ends inside the image data"),
                    },
                    Some(_) => j += 1,
                }
            }
            out.extend_from_slice(&b[i..j]);
            i = j;
        }
    }
    Ok(changed.then_some(out))
}

enum Segment {
    Keep,
    Drop,
    /// An EXIF block to write instead (TIFF bytes).
    Exif(Vec<u8>),
}

fn jpeg_segment(marker: u8, payload: &[u8]) -> Segment {
    match marker {
        // APP1: EXIF, XMP, extended XMP.
        0xE1 => match payload.strip_prefix(EXIF_HEADER) {
            Some(tiff) => match exif_verdict(tiff) {
                Exif::Keep => Segment::Keep,
                Exif::Replace(Some(t)) => Segment::Exif(t),
                Exif::Replace(None) => Segment::Drop,
            },
            None => Segment::Drop,
        },
        // APP2: the ICC profile stays; MPF and FlashPix go.
        0xE2 if payload.starts_with(b"ICC_PROFILE\0") => Segment::Keep,
        // APP0 (JFIF: pixel density) and APP14 (Adobe: colour transform) are needed to show
        // the image as it was.
        0xE0 | 0xEE => Segment::Keep,
        // Other application segments (IPTC in APP13, maker data) and comments.
        0xE2..=0xEF | 0xFE => Segment::Drop,
        _ => Segment::Keep,
    }
}

// --- PNG -------------------------------------------------------------------------------------

fn strip_png(b: &[u8]) -> Result<Option<Vec<u8>>, StripError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut changed = false;
    let mut i = 8;
    while i < b.len() {
        let Some(head) = b.get(i..i + 8) else { return err("not a valid PNG: it ends inside a chunk header") };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        let end = i + 12 + len;
        if end > b.len() {
            return err("not a valid PNG: a chunk runs past the end of the file");
        }
        let data = &b[i + 8..i + 8 + len];
        match &kind {
            b"eXIf" => {
                changed = match exif_verdict(data) {
                    Exif::Keep => {
                        out.extend_from_slice(&b[i..end]);
                        changed
                    }
                    Exif::Replace(Some(t)) => {
                        push_png_chunk(&mut out, b"eXIf", &t);
                        true
                    }
                    Exif::Replace(None) => true,
                };
            }
            // Text (XMP lives in iTXt) and the modification time.
            b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => changed = true,
            _ => out.extend_from_slice(&b[i..end]),
        }
        i = end;
        if &kind == b"IEND" {
            changed |= i < b.len();
            break;
        }
    }
    Ok(changed.then_some(out))
}

fn push_png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
}

// --- WebP ------------------------------------------------------------------------------------

const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

fn strip_webp(b: &[u8]) -> Result<Option<Vec<u8>>, StripError> {
    let mut chunks: Vec<([u8; 4], std::borrow::Cow<'_, [u8]>)> = Vec::new();
    let mut changed = false;
    let riff_end = (u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize + 8).min(b.len());
    let mut i = 12;
    while i + 8 <= riff_end {
        let kind: [u8; 4] = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        let end = i + 8 + len;
        if end > b.len() {
            return err("not a valid WebP: a chunk runs past the end of the file");
        }
        let data = &b[i + 8..end];
        match &kind {
            b"EXIF" => {
                // Some writers keep JPEG's `Exif\0\0` in front of the TIFF structure.
                let tiff = data.strip_prefix(EXIF_HEADER).unwrap_or(data);
                match exif_verdict(tiff) {
                    Exif::Keep => chunks.push((kind, data.into())),
                    Exif::Replace(Some(t)) => {
                        changed = true;
                        chunks.push((kind, t.into()));
                    }
                    Exif::Replace(None) => changed = true,
                }
            }
            b"XMP " => changed = true,
            _ => chunks.push((kind, data.into())),
        }
        i = end + (len & 1);
    }
    if !changed && riff_end == b.len() {
        return Ok(None);
    }
    let has = |k: &[u8; 4]| chunks.iter().any(|(c, _)| c == k);
    let (has_exif, has_xmp) = (has(b"EXIF"), has(b"XMP "));
    let mut body = Vec::with_capacity(b.len());
    body.extend_from_slice(b"WEBP");
    for (kind, data) in &chunks {
        body.extend_from_slice(kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        if kind == b"VP8X" && !data.is_empty() {
            // The header's flags announce the metadata chunks: keep them truthful.
            let mut d = data.to_vec();
            d[0] &= !(VP8X_EXIF | VP8X_XMP);
            if has_exif {
                d[0] |= VP8X_EXIF;
            }
            if has_xmp {
                d[0] |= VP8X_XMP;
            }
            body.extend_from_slice(&d);
        } else {
            body.extend_from_slice(data);
        }
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TIFF structure with Orientation, Make, a GPS pointer and a second IFD (as cameras write).
    fn camera_exif(orientation: u16) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
        t.extend_from_slice(&3u16.to_be_bytes());
        t.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4, b'A', b'c', b'm', 0]); // Make "Acm"
        t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        t.extend_from_slice(&orientation.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 50]); // GPS IFD pointer
        t.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD at 50: latitude ref "N".
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        t.extend_from_slice(&0u32.to_be_bytes());
        t
    }

    fn jpeg_with(segments: &[(u8, Vec<u8>)], trailer: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        for (m, p) in segments {
            j.extend_from_slice(&[0xFF, *m]);
            j.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(p);
        }
        // A scan header, then entropy data with a stuffed byte and a restart marker.
        j.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(trailer);
        j
    }

    fn exif_payload(tiff: &[u8]) -> Vec<u8> {
        [EXIF_HEADER, tiff].concat()
    }

    #[test]
    fn jpeg_loses_gps_device_xmp_iptc_and_trailers_but_keeps_orientation_and_icc() {
        let icc = b"ICC_PROFILE\0\x01\x01profile".to_vec();
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>".to_vec();
        let jfif = b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0".to_vec();
        let src = jpeg_with(
            &[
                (0xE0, jfif.clone()),
                (0xE1, exif_payload(&camera_exif(6))),
                (0xE2, icc.clone()),
                (0xE1, xmp),
                (0xED, b"Photoshop 3.0\0IPTC".to_vec()),
                (0xFE, b"comment".to_vec()),
            ],
            b"\xFF\xD8secondary image with Exif",
        );
        let out = strip(&src).unwrap().expect("there was metadata to strip");
        let want = jpeg_with(&[(0xE0, jfif), (0xE1, exif_payload(&minimal_exif(6))), (0xE2, icc)], b"");
        assert_eq!(out, want);
        // Orientation survives in a form a decoder reads.
        assert_eq!(read_ifd0(&minimal_exif(6)), Some((Some(6), true)));
        // And the result has nothing left to strip.
        assert_eq!(strip(&out).unwrap(), None);
    }

    #[test]
    fn clean_photos_are_left_byte_identical() {
        let clean = jpeg_with(&[(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0".to_vec()), (0xE1, exif_payload(&minimal_exif(3)))], b"");
        assert_eq!(strip(&clean).unwrap(), None);
        assert_eq!(strip(b"GIF89a...").unwrap(), None);
    }

    #[test]
    fn upright_photo_loses_its_exif_entirely() {
        let src = jpeg_with(&[(0xE1, exif_payload(&camera_exif(1)))], b"");
        assert_eq!(strip(&src).unwrap().unwrap(), jpeg_with(&[], b""));
    }

    #[test]
    fn truncated_jpeg_is_an_error() {
        let src = jpeg_with(&[(0xE1, exif_payload(&camera_exif(6)))], b"");
        assert!(strip(&src[..20]).is_err());
        assert!(strip(&src[..src.len() - 2]).is_err());
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        push_png_chunk(&mut v, kind, data);
        v
    }

    #[test]
    fn png_loses_text_time_and_exif_but_keeps_icc_and_orientation() {
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        let iccp = png_chunk(b"iCCP", b"p\0\0zz");
        let idat = png_chunk(b"IDAT", b"data");
        let iend = png_chunk(b"IEND", b"");
        let sig = b"\x89PNG\r\n\x1a\n".to_vec();
        let src = [
            sig.clone(),
            ihdr.clone(),
            iccp.clone(),
            png_chunk(b"eXIf", &camera_exif(8)),
            png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<gps/>"),
            png_chunk(b"tIME", &[7, 232, 1, 1, 0, 0, 0]),
            idat.clone(),
            iend.clone(),
        ]
        .concat();
        let out = strip(&src).unwrap().unwrap();
        assert_eq!(
            out,
            [sig.clone(), ihdr.clone(), iccp.clone(), png_chunk(b"eXIf", &minimal_exif(8)), idat.clone(), iend.clone()].concat()
        );
        assert_eq!(strip(&out).unwrap(), None);
        assert_eq!(strip(&[sig, ihdr, idat, iend].concat()).unwrap(), None);
    }

    fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        for (k, d) in chunks {
            body.extend_from_slice(*k);
            body.extend_from_slice(&(d.len() as u32).to_le_bytes());
            body.extend_from_slice(d);
            if d.len() % 2 == 1 {
                body.push(0);
            }
        }
        [b"RIFF".to_vec(), (body.len() as u32).to_le_bytes().to_vec(), body].concat()
    }

    #[test]
    fn webp_loses_xmp_and_exif_and_its_flags_follow() {
        let vp8x = |flags: u8| vec![flags, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let src = riff(&[
            (b"VP8X", vp8x(0x20 | VP8X_EXIF | VP8X_XMP)),
            (b"ICCP", b"icc".to_vec()),
            (b"VP8L", b"pixels".to_vec()),
            (b"EXIF", camera_exif(1)),
            (b"XMP ", b"<x/>".to_vec()),
        ]);
        let out = strip(&src).unwrap().unwrap();
        assert_eq!(out, riff(&[(b"VP8X", vp8x(0x20)), (b"ICCP", b"icc".to_vec()), (b"VP8L", b"pixels".to_vec())]));
        assert_eq!(strip(&out).unwrap(), None);
        let rotated = riff(&[(b"VP8X", vp8x(VP8X_EXIF)), (b"VP8L", b"px".to_vec()), (b"EXIF", camera_exif(6))]);
        let out = strip(&rotated).unwrap().unwrap();
        assert_eq!(out, riff(&[(b"VP8X", vp8x(VP8X_EXIF)), (b"VP8L", b"px".to_vec()), (b"EXIF", minimal_exif(6))]));
    }
}
