//! The pure core of `deploy`: from the local manifest, the remote manifest and a listing of the
//! bucket, decide what to upload (in which phase), what to delete, what to keep for the grace
//! period and which CloudFront paths to invalidate. No I/O here, so every rule is unit-tested.

mod decide;
mod headers;
mod invalidation;
mod remote;
mod removals;
mod uploads;

pub use decide::{plan, Plan, PlanSettings};
pub use headers::{is_page, HeaderRules, HASHED_CACHE_CONTROL, OTHER_CACHE_CONTROL, PAGE_CACHE_CONTROL, STATE_CACHE_CONTROL};
pub use invalidation::{collapse, url_paths, validate_invalidation, MAX_INVALIDATION_PATHS, MAX_WILDCARDS_IN_PROGRESS};
pub use remote::{
    normalize_etag, Intent, Listed, Pending, RemoteFile, RemoteManifest, Retired, INTENT, LEASE, REMOTE_MANIFEST, REMOTE_MANIFEST_VERSION,
    STATE_DIR,
};
pub use removals::{delete_batches, DELETE_BATCH};
pub use uploads::{Phase, Reason, Upload};
