//! CloudFront invalidation within CloudFront's real limits, which emulators do not enforce:
//! at most 3,000 file paths and 15 wildcard paths *in progress* per distribution, counting
//! other deploys' invalidations still running. So the budget is read with `ListInvalidations`
//! first, the paths are collapsed to fit it (falling back to `/*`), and
//! `TooManyInvalidationsInProgress` (a race with another invalidation) is retried with backoff,
//! re-reading the budget each time.

use super::aws::Requests;
use super::plan::{self, MAX_INVALIDATION_PATHS, MAX_WILDCARDS_IN_PROGRESS};
use super::{Ctx, DeployError};
use aws_sdk_cloudfront::error::ProvideErrorMetadata;
use std::time::Duration;

/// Waits between attempts when CloudFront is busy: about 4 minutes in all, the time
/// invalidations usually take to complete.
const BACKOFF_SECONDS: [u64; 8] = [2, 5, 10, 20, 40, 60, 60, 60];

/// Paths of invalidations still in progress on the distribution.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InProgress {
    pub files: usize,
    pub wildcards: usize,
}

/// Stops a deploy aimed at a distribution that does not exist (or that these credentials may
/// not invalidate) before anything is written. Not `GetDistribution`: its answer holds the whole
/// distribution config, the origin-verify secret of the subscriptions API included, and the
/// deploy role must not be able to read it. `GetInvalidation` of an id that no invalidation has
/// answers `NoSuchInvalidation` for a real distribution and `NoSuchDistribution` otherwise, and
/// reveals nothing else.
pub async fn check_distribution(ctx: &Ctx, id: &str) -> Result<(), DeployError> {
    Requests::add(&ctx.requests.cloudfront);
    match ctx.cloudfront.get_invalidation().distribution_id(id).id(PROBE_INVALIDATION).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("NoSuchInvalidation") => Ok(()),
        Err(e) => Err(ctx.err(e, format!("checking CloudFront distribution {id}"))),
    }
}

/// An invalidation id CloudFront never hands out (its ids are upper-case letters and digits).
const PROBE_INVALIDATION: &str = "myblog-probe";

async fn in_progress(ctx: &Ctx, id: &str) -> Result<InProgress, DeployError> {
    let mut busy = InProgress::default();
    let mut marker: Option<String> = None;
    loop {
        Requests::add(&ctx.requests.cloudfront);
        let out = ctx
            .cloudfront
            .list_invalidations()
            .distribution_id(id)
            .set_marker(marker.clone())
            .max_items(100)
            .send()
            .await
            .map_err(|e| ctx.err(e, format!("listing invalidations of CloudFront distribution {id}")))?;
        let Some(list) = out.invalidation_list() else { break };
        for s in list.items().iter().filter(|s| !s.status().eq_ignore_ascii_case("completed")) {
            Requests::add(&ctx.requests.cloudfront);
            let got = ctx
                .cloudfront
                .get_invalidation()
                .distribution_id(id)
                .id(s.id())
                .send()
                .await
                .map_err(|e| ctx.err(e, format!("reading invalidation {}", s.id())))?;
            let paths = got.invalidation().and_then(|i| i.invalidation_batch()).and_then(|b| b.paths()).map(|p| p.items().to_vec());
            for p in paths.unwrap_or_default() {
                if p.ends_with('*') {
                    busy.wildcards += 1;
                } else {
                    busy.files += 1;
                }
            }
        }
        // Listed newest first; in-progress ones are recent, so one page is nearly always all.
        match (list.is_truncated(), list.next_marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(busy)
}

/// The paths to send given what is in progress, or `None` when nothing fits yet.
pub fn fit(all: &[String], limit: usize, busy: InProgress) -> Option<Vec<String>> {
    let files = limit.min(MAX_INVALIDATION_PATHS.saturating_sub(busy.files));
    let wildcards = MAX_WILDCARDS_IN_PROGRESS.saturating_sub(busy.wildcards);
    plan::collapse(all, files, wildcards)
}

/// Creates the invalidation of `all` (uncollapsed) paths; returns its id and the paths sent.
pub async fn invalidate(
    ctx: &Ctx,
    id: &str,
    all: &[String],
    limit: usize,
    wait: bool,
    deploy: u64,
) -> Result<(String, Vec<String>), DeployError> {
    use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
    let build_err = |e: aws_sdk_cloudfront::error::BuildError| DeployError::Invalidation(e.to_string());
    let mut backoff = BACKOFF_SECONDS.iter();
    let (inv_id, paths) = loop {
        let busy = in_progress(ctx, id).await?;
        if let Some(paths) = fit(all, limit, busy) {
            plan::validate_invalidation(&paths).map_err(DeployError::Invalidation)?;
            let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
            let batch = InvalidationBatch::builder()
                .paths(Paths::builder().quantity(paths.len() as i32).set_items(Some(paths.clone())).build().map_err(build_err)?)
                .caller_reference(format!("myblog-{deploy}-{nanos}"))
                .build()
                .map_err(build_err)?;
            Requests::add(&ctx.requests.cloudfront);
            match ctx.cloudfront.create_invalidation().distribution_id(id).invalidation_batch(batch).send().await {
                Ok(out) => break (out.invalidation().map(|i| i.id().to_string()).unwrap_or_default(), paths),
                // Another invalidation started since we counted: count again after a while.
                Err(e) if e.code() == Some("TooManyInvalidationsInProgress") => {}
                Err(e) => return Err(ctx.err(e, format!("invalidating {} paths on CloudFront distribution {id}", paths.len()))),
            }
        }
        let Some(secs) = backoff.next() else {
            return Err(DeployError::InvalidationBusy { distribution: id.to_string(), wildcards: busy.wildcards, files: busy.files });
        };
        ctx.progress.note(&format!(
            "CloudFront is busy with other invalidations ({} wildcard and {} file paths in progress): retrying in {secs} s",
            busy.wildcards, busy.files
        ));
        tokio::time::sleep(Duration::from_secs(*secs)).await;
    };
    if wait {
        ctx.progress.note(&format!("Waiting for invalidation {inv_id}…"));
        loop {
            Requests::add(&ctx.requests.cloudfront);
            let got = ctx
                .cloudfront
                .get_invalidation()
                .distribution_id(id)
                .id(&inv_id)
                .send()
                .await
                .map_err(|e| ctx.err(e, format!("reading invalidation {inv_id}")))?;
            // AWS says "Completed", emulators "COMPLETED".
            if got.invalidation().is_some_and(|i| i.status().eq_ignore_ascii_case("completed")) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
    Ok((inv_id, paths))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(n: usize) -> Vec<String> {
        (0..n).flat_map(|i| plan::url_paths("", &format!("posts/p{i}/index.html"))).collect()
    }

    #[test]
    fn the_budget_left_by_invalidations_in_progress_is_respected() {
        let all = posts(62);
        let idle = fit(&all, 100, InProgress::default()).unwrap();
        assert!(idle.len() <= 100 && idle.iter().filter(|p| p.ends_with('*')).count() <= 15, "{idle:?}");
        // 14 wildcards already running elsewhere: one left.
        let one = fit(&all, 100, InProgress { files: 0, wildcards: 14 }).unwrap();
        assert_eq!(one.iter().filter(|p| p.ends_with('*')).count(), 1, "{one:?}");
        // None left and too many files: nothing fits until something completes.
        assert_eq!(fit(&all, 100, InProgress { files: 0, wildcards: 15 }), None);
        // Files in progress shrink the file budget too.
        let few = fit(&posts(3), 100, InProgress { files: 2998, wildcards: 0 }).unwrap();
        assert!(few.len() <= 2, "{few:?}");
    }
}
