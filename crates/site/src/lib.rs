//! myblog-site: the site as data and as pages. Posts, pages and sections assembled into one
//! `Site` (lists, pagination, neighbours), taxonomies and their terms, feeds and sitemaps,
//! alias redirects, and tera rendering with the theme's templates.

mod bundle_files;
mod feeds;
mod lists;
mod model;
mod redirects;
mod render;
mod sections;
mod strings;
mod taxonomy;

pub use bundle_files::bundle_file_redirects;
pub use feeds::*;
pub use lists::*;
pub use model::*;
pub use redirects::{html as redirect_html, plan as plan_redirects, Redirect};
pub use render::*;
pub use sections::*;
pub use strings::Strings;
pub use taxonomy::*;
