//! myblog-deploy: `public/` to S3 and CloudFront in an order that never breaks a page, under a
//! lease; new-post announcements; the stack's outputs; the subscribers admin commands.

mod announcements;
mod deploy;
mod stack;
mod subscribers;

pub use announcements::{html_to_text, select as select_announcements, Announcement, Skipped};
pub use deploy::*;
pub use subscribers::*;
