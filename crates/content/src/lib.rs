//! myblog-content: what a blog's folders hold, read and checked. The walk of `content/`,
//! front matter (myblog's strict keys, or Zola's and Hugo's read as they are), each section's
//! `_index.md` settings, the static assets with their content hashes, photo metadata
//! stripping, and the index of what a link may point at.

mod assets;
mod content;
mod dialect;
mod links;
mod photo_meta;
mod section_settings;
mod url_path;

pub use assets::{hashed_name, looks_hashed, theme_inputs, Asset, AssetSource, Assets, StaticInput, HASH_LEN, MEDIA_PREFIX};
pub use content::{
    is_html_page, is_markdown, is_page_file, load, load_with, parse_source, parse_source_with, ContentFile, FrontMatter, Kind, Loaded,
    Source,
};
pub use dialect::{BadKey, Taxonomies};
pub use links::{bundle_dir, LinkError, LinkIndex, Target};
pub use photo_meta::{is_photo, read_stripped, strip, stripped_or_same, StripError};
pub use section_settings::{settings as section_settings, SectionSettings, SortBy, KEYS as SECTION_KEYS};
pub use url_path::folder_segment;
