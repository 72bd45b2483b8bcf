//! The thumbnail Lambda: S3 `ObjectCreated` under `media/` → WebP thumbnails under `thumbs/`.
//! The image code is the `myblog-thumbnail` library (no AWS SDK), which the build uses too;
//! this crate adds only the S3 side. [`handler::Handler`] processes an `S3Event`; `src/main.rs`
//! wires it to `lambda_runtime`. Configuration comes from the environment
//! ([`handler::Config::from_env`]), see the README.

pub mod handler;

pub use myblog_thumbnail::*;
