//! Whose conventions a site follows: myblog's own, Zola's or Hugo's.

use serde::{Deserialize, Serialize};

/// Whose conventions `content/` follows, set by `[content] dialect` in site.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Myblog,
    Zola,
    Hugo,
}

impl Dialect {
    pub fn is_strict(self) -> bool {
        self == Dialect::Myblog
    }
}
