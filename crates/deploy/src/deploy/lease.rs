//! One deployer at a time: a lease object (`.myblog/lease.json`) created with a conditional
//! write (`If-None-Match: *`), renewed while the deploy runs and released at the end.
//!
//! A second deploy finds the lease taken: it waits (up to `--lease-wait`), or stops saying who
//! holds it since when. A lease nobody renewed for its time-to-live belongs to a crashed
//! deployer and is taken over, again with a conditional write (`If-Match` on the stale lease's
//! ETag) so two deployers cannot both take it over. On the same machine a lease whose process is
//! gone is taken over at once (an interrupted deploy re-run by hand need not wait).
//!
//! The lease is the polite part; the manifest commit with `If-Match` (see
//! `commit_remote_manifest`) is what makes a deploy that lost its lease unable to undo another.

use super::plan::LEASE;
use super::s3io::{delete_state_if, get_dated, put_state, Precondition};
use super::{Ctx, DeployError};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseBody {
    /// Who holds it, for people: `user@host (pid 123)` or the CI run.
    pub holder: String,
    pub host: String,
    pub pid: u32,
    /// Unix seconds when it was taken.
    pub since: i64,
    /// Unix seconds of the last renewal.
    pub renewed: i64,
    /// Seconds after `renewed` when it counts as abandoned.
    pub ttl: u64,
    /// The holder machine's boot id (Linux), which with `host` and `pid` tells a crashed
    /// process of this machine from a live one elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LeaseOptions {
    /// How long to wait for another deploy's lease before giving up.
    pub wait: Duration,
    /// Time-to-live of our lease; renewed every third of it.
    pub ttl: Duration,
    /// Take the lease even if someone holds it (`--break-lease`).
    pub force: bool,
}

/// A held lease. Renewed in the background until [`Lease::release`].
pub struct Lease {
    etag: Arc<Mutex<String>>,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
    stop: Arc<tokio::sync::Notify>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_string()).filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown-host".into())
}

fn holder(host: &str) -> String {
    let pid = std::process::id();
    match (std::env::var("GITHUB_RUN_ID"), std::env::var("GITHUB_REPOSITORY")) {
        (Ok(run), Ok(repo)) => format!("GitHub Actions run {run} of {repo} on {host} (pid {pid})"),
        _ => {
            let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "someone".into());
            format!("{user}@{host} (pid {pid})")
        }
    }
}

/// This boot of this machine (Linux's random boot id): two machines with one host name
/// (`ubuntu`, `unknown-host`) or one machine after a reboot never share it.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// True when the lease was left by a process of this very machine and boot that no longer
/// runs. The host name alone is not enough (many machines are called `ubuntu`), nor is a pid
/// after a reboot: without the same boot id the time-to-live decides.
fn holder_is_gone(body: &LeaseBody, host: &str, boot: Option<&str>) -> bool {
    body.host == host
        && boot.is_some_and(|b| body.boot_id.as_deref() == Some(b))
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{}", body.pid)).exists()
}

/// Whether a lease was abandoned: S3 last wrote it (a renewal rewrites it) more than its ttl
/// ago. The write time is S3's `Last-Modified`, not the `renewed` the holder wrote from its own
/// clock, so a holder whose clock is off cannot make its live lease look old; `renewed` is
/// only the fallback for an endpoint that gives no `Last-Modified`.
pub fn is_stale(body: &LeaseBody, written: Option<i64>, now: i64) -> bool {
    now.saturating_sub(written.unwrap_or(body.renewed)) > body.ttl as i64
}

/// The lease as this deploy has watched it: the same version (ETag) unchanged for longer than
/// its ttl, measured on this process's monotonic clock, was not renewed, whatever any wall
/// clock says.
struct Watched {
    etag: String,
    since: std::time::Instant,
}

impl Watched {
    fn unrenewed_for(seen: &mut Option<Watched>, etag: &str) -> Duration {
        match seen {
            Some(w) if w.etag == etag => w.since.elapsed(),
            _ => {
                *seen = Some(Watched { etag: etag.to_string(), since: std::time::Instant::now() });
                Duration::ZERO
            }
        }
    }
}

fn when(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

pub async fn acquire(ctx: &Ctx, opts: &LeaseOptions) -> Result<Lease, DeployError> {
    let host = host_name();
    // One clock reading for both, so `renewed > since` means a renewal happened.
    let taken = now();
    let me = LeaseBody {
        holder: holder(&host),
        host: host.clone(),
        pid: std::process::id(),
        since: taken,
        renewed: taken,
        ttl: opts.ttl.as_secs().max(1),
        boot_id: boot_id(),
    };
    let body = |b: &LeaseBody| serde_json::to_vec(b).unwrap_or_default();
    let started = std::time::Instant::now();
    let mut said_waiting = false;
    // Polls start quick (a deploy often ends within seconds) and settle at one every 5 s.
    let mut pause = Duration::from_millis(250);
    let mut watched: Option<Watched> = None;
    let etag = loop {
        if let Some(etag) = put_state(ctx, LEASE, body(&me), Precondition::Absent).await? {
            break etag;
        }
        // Taken: by whom, and is it still alive?
        let Some((bytes, their_etag, written)) = get_dated(ctx, LEASE).await? else {
            continue; // released in between
        };
        // Our own create, applied, whose answer was lost (the SDK's retry then found it taken).
        if bytes == body(&me) {
            break their_etag;
        }
        let theirs: Option<LeaseBody> = serde_json::from_slice(&bytes).ok();
        let unrenewed = Watched::unrenewed_for(&mut watched, &their_etag);
        let take_over = opts.force
            || theirs.as_ref().is_none_or(|t| {
                is_stale(t, written, now()) || unrenewed.as_secs() > t.ttl || holder_is_gone(t, &host, me.boot_id.as_deref())
            });
        if take_over {
            if let Some(t) = &theirs {
                ctx.progress.note(&format!(
                    "Taking over the deploy lease of {} (since {}, last renewed {}).",
                    t.holder,
                    when(t.since),
                    when(t.renewed)
                ));
            }
            if let Some(etag) = put_state(ctx, LEASE, body(&me), Precondition::Is(their_etag)).await? {
                break etag;
            }
            continue; // someone else took it over first: look again
        }
        let theirs = theirs.unwrap_or_else(|| me.clone());
        if started.elapsed() >= opts.wait {
            return Err(DeployError::Locked {
                lease: format!("s3://{}/{}", ctx.target.bucket, ctx.key(LEASE)),
                holder: theirs.holder,
                since: when(theirs.since),
                ttl: theirs.ttl,
            });
        }
        if !said_waiting {
            ctx.progress.note(&format!("Waiting for the deploy of {} (since {}) to finish…", theirs.holder, when(theirs.since)));
            said_waiting = true;
        }
        tokio::time::sleep(pause.min(opts.wait.saturating_sub(started.elapsed())).max(Duration::from_millis(50))).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    };

    let etag = Arc::new(Mutex::new(etag));
    let lost = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(tokio::sync::Notify::new());
    let renewer = {
        let stop = stop.clone();
        let (etag, lost) = (etag.clone(), lost.clone());
        let s3 = ctx.s3.clone();
        let bucket = ctx.target.bucket.clone();
        let key = ctx.key(LEASE);
        let every = (opts.ttl / 3).max(Duration::from_secs(1));
        let mut me = me;
        tokio::spawn(async move {
            loop {
                // Stopped between renewals only: a renewal cut mid-request could change the
                // lease's ETag unseen, and the release would then leave the lease behind.
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.notified() => return,
                }
                me.renewed = now();
                let current = etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let written = serde_json::to_vec(&me).unwrap_or_default();
                let out = s3
                    .put_object()
                    .bucket(&bucket)
                    .key(&key)
                    .if_match(format!("\"{current}\""))
                    .content_type("application/json")
                    .cache_control(super::plan::STATE_CACHE_CONTROL)
                    .body(written.clone().into())
                    .send()
                    .await;
                match out {
                    Ok(o) => *etag.lock().unwrap_or_else(|e| e.into_inner()) = super::plan::normalize_etag(o.e_tag().unwrap_or_default()),
                    // Refused: taken over, or this renewal applied and its answer was lost (the
                    // SDK's retry then failed its own precondition): the lease holding exactly
                    // what we wrote is still ours.
                    Err(e) if super::aws::is_precondition_failure(&e) => match holds(&s3, &bucket, &key, &written).await {
                        Some(ours) => *etag.lock().unwrap_or_else(|e| e.into_inner()) = ours,
                        None => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                    },
                    // Gone (404: broken with --break-lease and released): no longer ours.
                    Err(e) if is_not_found(&e) => {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A failed renewal is retried next time; the TTL leaves room for two.
                    Err(_) => {}
                }
            }
        })
    };
    Ok(Lease { etag, lost, renewer, stop })
}

/// The lease's ETag when it holds exactly `written` (our own last write), else `None`.
async fn holds(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, written: &[u8]) -> Option<String> {
    let out = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
    let etag = super::plan::normalize_etag(out.e_tag().unwrap_or_default());
    let bytes = out.body.collect().await.ok()?.into_bytes();
    (bytes.as_ref() == written).then_some(etag)
}

/// A conditional write on an object that is no longer there.
fn is_not_found<E, R>(e: &aws_sdk_s3::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    let code = match e {
        aws_sdk_s3::error::SdkError::ServiceError(se) => se.err().code().map(str::to_string),
        _ => None,
    };
    matches!(code.as_deref(), Some("NoSuchKey" | "NotFound"))
}

impl Lease {
    /// Someone took the lease over (ours was not renewed in time) or deleted it.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// `Err(LeaseLost)` once the lease is no longer ours; `at` says where the deploy stopped.
    pub fn hold(&self, ctx: &Ctx, at: &'static str) -> Result<(), DeployError> {
        if self.lost() {
            return Err(DeployError::LeaseLost { bucket: ctx.target.bucket.clone(), at });
        }
        Ok(())
    }

    /// Stops renewing and deletes the lease if it is still ours.
    pub async fn release(self, ctx: &Ctx) {
        self.stop.notify_one();
        let _ = self.renewer.await;
        let etag = self.etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // A lease left behind is taken over later; a failed release must not fail the deploy.
        let _ = delete_state_if(ctx, LEASE, &etag).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_stale_only_after_its_ttl_without_renewal() {
        let b = LeaseBody { holder: "a".into(), host: "h".into(), pid: 1, since: 0, renewed: 100, ttl: 60, boot_id: None };
        assert!(!is_stale(&b, None, 100));
        assert!(!is_stale(&b, None, 160));
        assert!(is_stale(&b, None, 161));
        // S3's write time decides, not the holder's clock: a holder running an hour behind
        // wrote `renewed` = 100 just now (S3 says 3700), so its lease is live at 3710.
        assert!(!is_stale(&b, Some(3700), 3710));
        // And one running an hour ahead cannot keep an abandoned lease alive.
        let ahead = LeaseBody { renewed: 7300, ..b.clone() };
        assert!(is_stale(&ahead, Some(3700), 3761));
    }

    #[test]
    fn a_version_unchanged_while_watched_counts_as_not_renewed() {
        let mut seen = None;
        assert_eq!(Watched::unrenewed_for(&mut seen, "v1"), Duration::ZERO);
        std::thread::sleep(Duration::from_millis(20));
        assert!(Watched::unrenewed_for(&mut seen, "v1") >= Duration::from_millis(20));
        assert_eq!(Watched::unrenewed_for(&mut seen, "v2"), Duration::ZERO, "a renewal starts the watch again");
    }

    #[test]
    fn a_lease_of_a_dead_process_of_this_machine_and_boot_is_gone() {
        let boot = boot_id();
        let mut b = LeaseBody {
            holder: "a".into(),
            host: "h".into(),
            pid: std::process::id(),
            since: 0,
            renewed: 0,
            ttl: 60,
            boot_id: boot.clone(),
        };
        assert!(!holder_is_gone(&b, "h", boot.as_deref()), "this process runs");
        assert!(!holder_is_gone(&b, "other-host", boot.as_deref()));
        // pid_max on Linux is at most 2^22: this pid cannot exist.
        b.pid = 4_194_304 + 7;
        assert_eq!(holder_is_gone(&b, "h", boot.as_deref()), boot.is_some() && Path::new("/proc/self").exists());
        // Another machine with the same host name (or this one before a reboot): not decidable
        // here, the time-to-live decides.
        assert!(!holder_is_gone(&b, "h", Some("another-boot")));
        b.boot_id = None;
        assert!(!holder_is_gone(&b, "h", boot.as_deref()), "a lease without a boot id is never taken over early");
    }
}
