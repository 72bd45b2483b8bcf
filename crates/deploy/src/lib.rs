//! myblog-deploy: `public/` to S3 and CloudFront in an order that never breaks a page, under a
//! lease; new-post announcements; the stack's outputs; the subscribers admin commands.

mod announcements;
mod deploy;
mod stack;
mod subscribers;

pub use announcements::{html_to_text, select as select_announcements, Announcement, Published, Skipped};
pub use deploy::{
    announce, plan, run, run_cli, run_tracked, sdk_loader, DeployArgs, DeployError, Failure, Summary, DEFAULT_CONCURRENCY,
    DEFAULT_GRACE_DEPLOYS, DEFAULT_GRACE_HOURS, DEFAULT_INVALIDATION_LIMIT, DEFAULT_LEASE_TTL, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELETES,
    DEFAULT_MULTIPART_THRESHOLD, DEFAULT_THUMBNAILS_WAIT,
};
pub use subscribers::{
    confirmed, count_statuses, report, run_announcements, run_subscribers, AdminError, AnnouncementReport, AwsArgs, SubscribersArgs,
    STATUSES,
};
