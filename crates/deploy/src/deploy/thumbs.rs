//! A page never goes up before the thumbnails it references exist. Pages built for the
//! thumbnail Lambda (the default) point at `thumbs/<name>-<w>.webp`, which the Lambda makes
//! asynchronously after the photo is uploaded. So between the photos and the pages, deploy
//! waits (bounded) for the Lambda's output; thumbnails still missing then (the Lambda is slow,
//! failed, or is not deployed) are made here with the Lambda's own library and uploaded, and
//! the deploy says so.

use super::aws::Requests;
use super::plan::{Listed, RemoteFile};
use super::{s3io, Ctx, DeployError};
use aws_sdk_s3::primitives::ByteStream;
use myblog_utils::manifest::Manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Thumbnails the site's photos get that are neither part of the build (`--thumbnails local`)
/// nor in the bucket: thumbnail key → the photo's path. Only photos with no thumbnail at all
/// in the bucket are read (the Lambda writes all of a photo's thumbnails at once), so a
/// deploy of a site whose photos are done reads none.
pub fn missing(
    local: &Manifest,
    listing: &BTreeMap<String, Listed>,
    output: &std::path::Path,
    options: &myblog_thumbnail::Options,
) -> Result<BTreeMap<String, String>, DeployError> {
    let built: BTreeSet<&str> = local.files.iter().map(|e| e.path.as_str()).collect();
    // `thumbs/<dirs>/<stem>-<width>.<ext>` → `thumbs/<dirs>/<stem>`.
    let stem_of = |key: &str| key.rsplit_once('-').map(|(stem, _)| stem.to_string());
    let done: BTreeSet<String> = listing
        .keys()
        .map(String::as_str)
        .chain(built.iter().copied())
        .filter(|k| k.starts_with(myblog_thumbnail::DEFAULT_THUMBS_PREFIX))
        .filter_map(stem_of)
        .collect();
    let mut out = BTreeMap::new();
    for e in
        local.files.iter().filter(|e| e.path.starts_with(myblog_thumbnail::DEFAULT_MEDIA_PREFIX) && myblog_thumbnail::is_image_key(&e.path))
    {
        let stem = myblog_thumbnail::thumb_key(&e.path, 1, myblog_thumbnail::OutputFormat::WebP).ok().and_then(|k| stem_of(&k));
        if stem.is_some_and(|s| done.contains(&s)) {
            continue;
        }
        let path = output.join(&e.path);
        let bytes = std::fs::read(&path).map_err(|source| DeployError::Io { path: path.clone(), source })?;
        // A photo the Lambda cannot read gets no thumbnails from it either (the build said so).
        let Ok(info) = myblog_thumbnail::probe_with(&bytes, options) else { continue };
        for t in myblog_thumbnail::plan(&info, options) {
            let Ok(key) = myblog_thumbnail::thumb_key(&e.path, t.width, t.format) else { continue };
            if !built.contains(key.as_str()) && !listing.contains_key(&key) {
                out.insert(key, e.path.clone());
            }
        }
    }
    Ok(out)
}

/// Waits up to `wait` for the Lambda to write `missing`, then makes and uploads the rest;
/// returns the keys made here.
pub async fn ensure(
    ctx: &Ctx,
    missing: BTreeMap<String, String>,
    wait: Duration,
    options: &myblog_thumbnail::Options,
) -> Result<Vec<String>, DeployError> {
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    ctx.progress.note(&format!("Waiting up to {} s for the thumbnail Lambda to make {} thumbnails…", wait.as_secs(), missing.len()));
    let started = Instant::now();
    let mut left = missing;
    loop {
        let listed = list_thumbs(ctx).await?;
        left.retain(|k, _| !listed.contains(k));
        if left.is_empty() || started.elapsed() >= wait {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1).min(wait.saturating_sub(started.elapsed()))).await;
    }
    if left.is_empty() {
        return Ok(Vec::new());
    }
    ctx.progress.note(&format!(
        "The thumbnail Lambda has not made {} thumbnails in {} s: making them here with its library and uploading them.",
        left.len(),
        wait.as_secs()
    ));
    // One photo at a time: decoding is CPU-bound and this is the unusual path.
    let mut by_photo: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, photo) in &left {
        by_photo.entry(photo.as_str()).or_default().push(key.as_str());
    }
    let mut made = Vec::new();
    for (photo, keys) in by_photo {
        let path = ctx.output.join(photo);
        let bytes = tokio::fs::read(&path).await.map_err(|source| DeployError::Io { path: path.clone(), source })?;
        let opts = options.clone();
        let thumbs = tokio::task::spawn_blocking(move || myblog_thumbnail::make_thumbnails(&bytes, &opts))
            .await
            .map_err(|e| DeployError::Thumbnails { photo: photo.to_string(), detail: e.to_string() })?
            .map_err(|e| DeployError::Thumbnails { photo: photo.to_string(), detail: e.to_string() })?;
        for t in thumbs {
            let Ok(key) = myblog_thumbnail::thumb_key(photo, t.width, t.format) else { continue };
            if !keys.contains(&key.as_str()) {
                continue;
            }
            let file = RemoteFile {
                path: key.clone(),
                blake3: blake3::hash(&t.bytes).to_hex().to_string(),
                size: t.bytes.len() as u64,
                content_type: t.format.content_type().to_string(),
                cache_control: myblog_thumbnail::CACHE_CONTROL.to_string(),
                hashed: true,
                etag: None,
            };
            s3io::put_file(ctx, &file, &ctx.key(&key), ByteStream::from(t.bytes)).await?;
            made.push(key);
        }
    }
    Ok(made)
}

/// Keys under `thumbs/` (relative to the prefix): one request per 1000.
async fn list_thumbs(ctx: &Ctx) -> Result<BTreeSet<String>, DeployError> {
    let prefix = ctx.key(myblog_thumbnail::DEFAULT_THUMBS_PREFIX);
    let mut pages = ctx.s3.list_objects_v2().bucket(&ctx.target.bucket).prefix(&prefix).into_paginator().send();
    let mut out = BTreeSet::new();
    while let Some(page) = {
        Requests::add(&ctx.requests.list);
        pages.next().await
    } {
        let page = page.map_err(|e| ctx.err(e, format!("listing s3://{}/{prefix}", ctx.target.bucket)))?;
        for key in page.contents().iter().filter_map(|o| o.key()) {
            if let Some(rel) = key.strip_prefix(ctx.target.prefix.as_str()) {
                out.insert(rel.to_string());
            }
        }
    }
    ctx.requests.list.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    Ok(out)
}
