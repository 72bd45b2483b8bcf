//! S3 reads and writes of a deploy: the listing, myblog's state objects (with conditional
//! writes), the uploads phase by phase, multipart uploads that are aborted however they end,
//! and batched deletions.

use super::aws::{error_chain, is_precondition_failure, Requests};
use super::plan::{self, Intent, Listed, Plan, RemoteFile, RemoteManifest, INTENT, REMOTE_MANIFEST, STATE_CACHE_CONTROL};
use super::{Ctx, DeployError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;

const PART_SIZE: u64 = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

/// Every object of the site: one request per 1000.
pub async fn list(ctx: &Ctx) -> Result<BTreeMap<String, Listed>, DeployError> {
    list_under(ctx, "").await
}

/// The objects under `folder` (relative to the site's prefix), keyed relative to the prefix.
pub async fn list_under(ctx: &Ctx, folder: &str) -> Result<BTreeMap<String, Listed>, DeployError> {
    let prefix = &ctx.target.prefix;
    let under = format!("{prefix}{folder}");
    let mut pages =
        ctx.s3.list_objects_v2().bucket(&ctx.target.bucket).set_prefix((!under.is_empty()).then(|| under.clone())).into_paginator().send();
    let mut out = BTreeMap::new();
    while let Some(page) = {
        Requests::add(&ctx.requests.list);
        pages.next().await
    } {
        let page = page.map_err(|e| ctx.err(e, format!("listing s3://{}/{under}", ctx.target.bucket)))?;
        for o in page.contents() {
            let Some(key) = o.key() else { continue };
            let Some(rel) = key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            out.insert(rel.to_string(), Listed { size: o.size().unwrap_or(0).max(0) as u64, etag: o.e_tag().map(plan::normalize_etag) });
        }
    }
    // The paginator's final poll sends nothing.
    ctx.requests.list.fetch_sub(1, Ordering::Relaxed);
    Ok(out)
}

/// An object's bytes and ETag; `None` when it does not exist.
pub async fn get_bytes(ctx: &Ctx, rel: &str) -> Result<Option<(Vec<u8>, String)>, DeployError> {
    Ok(get_dated(ctx, rel).await?.map(|(bytes, etag, _)| (bytes, etag)))
}

/// An object's bytes, ETag and when S3 last wrote it (Unix seconds, S3's own clock).
pub async fn get_dated(ctx: &Ctx, rel: &str) -> Result<Option<(Vec<u8>, String, Option<i64>)>, DeployError> {
    let key = ctx.key(rel);
    Requests::add(&ctx.requests.get);
    let out = match ctx.s3.get_object().bucket(&ctx.target.bucket).key(&key).send().await {
        Ok(out) => out,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
        Err(e) => return Err(ctx.err(e, format!("reading s3://{}/{key}", ctx.target.bucket))),
    };
    let etag = out.e_tag().map(plan::normalize_etag).unwrap_or_default();
    let written = out.last_modified().map(|t| t.secs());
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| DeployError::Aws { what: format!("reading s3://{}/{key}", ctx.target.bucket), detail: error_chain(&e) })?;
    Ok(Some((body.into_bytes().to_vec(), etag, written)))
}

/// The committed remote manifest and the ETag it was read with (the commit's precondition).
pub async fn read_remote_manifest(ctx: &Ctx) -> Result<Option<(RemoteManifest, String)>, DeployError> {
    let Some((bytes, etag)) = get_bytes(ctx, REMOTE_MANIFEST).await? else {
        return Ok(None);
    };
    let key = ctx.key(REMOTE_MANIFEST);
    let corrupt = |detail: String| DeployError::RemoteCorrupt { bucket: ctx.target.bucket.clone(), key: key.clone(), detail };
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let v: Version = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if v.version > plan::REMOTE_MANIFEST_VERSION {
        return Err(DeployError::RemoteTooNew { bucket: ctx.target.bucket.clone(), key: key.clone(), found: v.version });
    }
    let m = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    Ok(Some((m, etag)))
}

/// A broken intent object only costs orphan detection, so it is ignored rather than fatal.
pub async fn read_intent(ctx: &Ctx) -> Result<Option<Intent>, DeployError> {
    Ok(get_bytes(ctx, INTENT).await?.map(|(bytes, _)| serde_json::from_slice(&bytes).unwrap_or_default()))
}

/// The precondition of a write of one of myblog's state objects.
#[derive(Debug, Clone)]
pub enum Precondition {
    None,
    /// The object must not exist (`If-None-Match: *`).
    Absent,
    /// The object must still be the one read with this ETag (`If-Match`).
    Is(String),
}

/// Writes a state object; `Ok(None)` when the precondition failed (someone else wrote it).
pub async fn put_state(ctx: &Ctx, rel: &str, body: Vec<u8>, cond: Precondition) -> Result<Option<String>, DeployError> {
    let key = ctx.key(rel);
    Requests::add(&ctx.requests.put);
    let req = ctx
        .s3
        .put_object()
        .bucket(&ctx.target.bucket)
        .key(&key)
        .body(ByteStream::from(body))
        .content_type("application/json")
        .cache_control(STATE_CACHE_CONTROL);
    let req = match &cond {
        Precondition::None => req,
        Precondition::Absent => req.if_none_match("*"),
        Precondition::Is(etag) => req.if_match(format!("\"{}\"", plan::normalize_etag(etag))),
    };
    match req.send().await {
        Ok(out) => Ok(Some(out.e_tag().map(plan::normalize_etag).unwrap_or_default())),
        Err(e) if !matches!(cond, Precondition::None) && is_precondition_failure(&e) => Ok(None),
        // If-Match on a key that vanished: S3 answers 404.
        Err(e) if matches!(cond, Precondition::Is(_)) && e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
        Err(e) => Err(ctx.err(e, format!("writing s3://{}/{key}", ctx.target.bucket))),
    }
}

/// Deletes a state object if it is still the one with this ETag; anything else is left alone.
pub async fn delete_state_if(ctx: &Ctx, rel: &str, etag: &str) -> Result<(), DeployError> {
    let key = ctx.key(rel);
    Requests::add(&ctx.requests.delete);
    match ctx.s3.delete_object().bucket(&ctx.target.bucket).key(&key).if_match(format!("\"{}\"", plan::normalize_etag(etag))).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_precondition_failure(&e) || e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(()),
        Err(e) => Err(ctx.err(e, format!("deleting s3://{}/{key}", ctx.target.bucket))),
    }
}

/// Uploads every planned file, phase by phase, `concurrency` at a time; returns the ETags.
pub async fn upload_all(ctx: &Ctx, plan: &Plan, phases: &[plan::Phase]) -> Result<BTreeMap<String, String>, DeployError> {
    let mut etags = BTreeMap::new();
    for &phase in phases {
        let files: Vec<&RemoteFile> = plan.uploads.iter().filter(|u| u.phase == phase).map(|u| &u.file).collect();
        ctx.progress.phase(phase.label(), files.len(), files.iter().map(|f| f.size).sum());
        let mut results = futures::stream::iter(files.into_iter().map(|f| async move {
            let etag = upload(ctx, f).await?;
            Ok::<_, DeployError>((f.path.clone(), etag))
        }))
        .buffer_unordered(ctx.concurrency);
        // Stop at the first failure: a later phase must never start after an earlier one failed.
        // Dropping `results` drops the uploads in flight; their multipart guards record what
        // to abort.
        while let Some(r) = results.next().await {
            let (path, etag) = r?;
            etags.insert(path, etag);
        }
    }
    Ok(etags)
}

pub async fn upload(ctx: &Ctx, f: &RemoteFile) -> Result<String, DeployError> {
    let path = ctx.output.join(&f.path);
    let io = |source| DeployError::Io { path: path.clone(), source };
    let found = tokio::fs::metadata(&path).await.map_err(io)?.len();
    if found != f.size {
        return Err(DeployError::Stale { path: f.path.clone(), expected: f.size, found });
    }
    let key = ctx.key(&f.path);
    if f.size > ctx.multipart_threshold {
        return upload_multipart(ctx, f, &path, &key).await;
    }
    let body = ByteStream::from_path(&path)
        .await
        .map_err(|e| DeployError::Io { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
    let etag = put_file(ctx, f, &key, body).await?;
    ctx.progress.inc(f.size);
    Ok(etag)
}

/// One PutObject of a site file with its headers.
pub async fn put_file(ctx: &Ctx, f: &RemoteFile, key: &str, body: ByteStream) -> Result<String, DeployError> {
    Requests::add(&ctx.requests.put);
    let out = ctx
        .s3
        .put_object()
        .bucket(&ctx.target.bucket)
        .key(key)
        .body(body)
        .content_type(&f.content_type)
        .cache_control(&f.cache_control)
        .send()
        .await
        .map_err(|e| ctx.err(e, format!("uploading {} to s3://{}/{key}", f.path, ctx.target.bucket)))?;
    Ok(out.e_tag().map(plan::normalize_etag).unwrap_or_default())
}

/// Unfinished parts cost storage until aborted. Whatever ends an upload early (its own
/// failure, or another upload's failure dropping it mid-flight), this guard records it so
/// [`abort_abandoned`] aborts it before the deploy exits.
struct AbortOnDrop<'a> {
    ctx: &'a Ctx,
    key: String,
    upload_id: String,
    armed: bool,
}

impl Drop for AbortOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut v = self.ctx.abandoned.lock().unwrap_or_else(|e| e.into_inner());
            v.push((std::mem::take(&mut self.key), std::mem::take(&mut self.upload_id)));
        }
    }
}

/// Aborts the multipart uploads left unfinished; failing to abort changes nothing else.
pub async fn abort_abandoned(ctx: &Ctx) {
    let abandoned: Vec<(String, String)> = std::mem::take(&mut *ctx.abandoned.lock().unwrap_or_else(|e| e.into_inner()));
    for (key, upload_id) in abandoned {
        Requests::add(&ctx.requests.multipart);
        let _ = ctx.s3.abort_multipart_upload().bucket(&ctx.target.bucket).key(&key).upload_id(&upload_id).send().await;
    }
}

async fn upload_multipart(ctx: &Ctx, f: &RemoteFile, path: &Path, key: &str) -> Result<String, DeployError> {
    let bucket = &ctx.target.bucket;
    let what = || format!("uploading {} to s3://{bucket}/{key} in parts", f.path);
    Requests::add(&ctx.requests.multipart);
    let created = ctx
        .s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type(&f.content_type)
        .cache_control(&f.cache_control)
        .send()
        .await
        .map_err(|e| ctx.err(e, what()))?;
    let upload_id = created.upload_id().unwrap_or_default().to_string();
    let mut guard = AbortOnDrop { ctx, key: key.to_string(), upload_id: upload_id.clone(), armed: true };
    // S3 allows 10,000 parts: grow the part size for huge files.
    let part_size = PART_SIZE.max(f.size.div_ceil(10_000));
    let ranges: Vec<(i32, u64, u64)> = (0..f.size.div_ceil(part_size))
        .map(|i| {
            let offset = i * part_size;
            (i as i32 + 1, offset, part_size.min(f.size - offset))
        })
        .collect();
    let upload_id = &upload_id;
    // A few parts in flight at once; `buffered` keeps them in part order.
    let parts: Vec<aws_sdk_s3::types::CompletedPart> = futures::stream::iter(ranges.into_iter().map(|(number, offset, len)| async move {
        let body = ByteStream::read_from()
            .path(path)
            .offset(offset)
            .length(Length::Exact(len))
            .build()
            .await
            .map_err(|e| DeployError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
        Requests::add(&ctx.requests.multipart);
        let out = ctx
            .s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(len as i64)
            .body(body)
            .send()
            .await
            .map_err(|e| ctx.err(e, what()))?;
        ctx.progress.inc(len);
        Ok::<_, DeployError>(
            aws_sdk_s3::types::CompletedPart::builder().part_number(number).set_e_tag(out.e_tag().map(str::to_string)).build(),
        )
    }))
    .buffered(PARTS_IN_FLIGHT)
    .collect::<Vec<_>>()
    .await
    .into_iter()
    .collect::<Result<_, _>>()?;
    Requests::add(&ctx.requests.multipart);
    let done = ctx
        .s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id.as_str())
        .multipart_upload(aws_sdk_s3::types::CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .map_err(|e| ctx.err(e, what()))?;
    guard.armed = false;
    Ok(done.e_tag().map(plan::normalize_etag).unwrap_or_default())
}

/// Deletes `paths`, asking `held` before every batch (the lease: no delete without it).
pub async fn delete(ctx: &Ctx, paths: &[String], held: &dyn Fn() -> Result<(), DeployError>) -> Result<(), DeployError> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let keys: Vec<String> = paths.iter().map(|p| ctx.key(p)).collect();
    for batch in plan::delete_batches(&keys) {
        held()?;
        let ids = batch
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DeployError::Aws { what: "preparing deletions".into(), detail: e.to_string() })?;
        let del = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| DeployError::Aws { what: "preparing deletions".into(), detail: e.to_string() })?;
        Requests::add(&ctx.requests.delete);
        let what = || format!("deleting {} objects from s3://{}", batch.len(), ctx.target.bucket);
        let out = ctx.s3.delete_objects().bucket(&ctx.target.bucket).delete(del).send().await.map_err(|e| ctx.err(e, what()))?;
        if let Some(err) = out.errors().first() {
            let detail = format!("{}: {} {}", err.key().unwrap_or("?"), err.code().unwrap_or(""), err.message().unwrap_or(""));
            return Err(if err.code() == Some("AccessDenied") {
                DeployError::AccessDenied { what: what(), detail }
            } else {
                DeployError::Aws { what: what(), detail }
            });
        }
    }
    Ok(())
}
