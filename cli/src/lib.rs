//! myblog: a static blog generator with a built-in deploy to S3 + CloudFront.
//!
//! One module per stage of the pipeline. The core (`content`, `markdown`, `assets`, `render`,
//! `feeds`) is pure: it takes bytes and returns bytes. I/O lives at the edges (`build` reads the
//! sources and writes `public/`, `serve` watches and serves, `deploy` talks to AWS).

pub mod announce;
pub mod assets;
pub mod body;
pub mod build;
pub mod check;
pub mod config;
pub mod content;
pub mod deploy;
pub mod dialect;
pub mod error;
pub mod feeds;
pub mod gofuncs;
pub mod import;
pub mod links;
pub mod lists;
pub mod manifest;
pub mod markdown;
pub mod model;
pub mod permalinks;
pub mod photo_meta;
pub mod redirects;
pub mod render;
pub mod scaffold;
pub mod sections;
pub mod serve;
pub mod shortcodes;
pub mod stack;
pub mod subscribers;
pub mod taxonomy;

pub use error::{Error, Result};
