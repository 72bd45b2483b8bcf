//! The starter files: the example blog and the default theme, as they are in this repository,
//! embedded in the binary so `myblog init` works anywhere.

use include_dir::{include_dir, Dir};

pub static EXAMPLE_CONTENT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../content");
pub static EXAMPLE_THEME: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../themes/default");
pub const EXAMPLE_CONFIG: &str = include_str!("../../../site.toml");
