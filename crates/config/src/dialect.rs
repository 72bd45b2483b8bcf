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

    /// The slug rule the dialect's own tool applies by default.
    pub fn default_slugify(self) -> crate::slugs::Slugify {
        match self {
            Dialect::Myblog => crate::slugs::Slugify::Myblog,
            Dialect::Zola => crate::slugs::Slugify::On,
            Dialect::Hugo => crate::slugs::Slugify::Hugo,
        }
    }
}
