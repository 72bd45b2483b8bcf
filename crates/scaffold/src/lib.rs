//! myblog-scaffold: new blogs and posts (`init`, `new`, with the example blog as starter
//! files) and moving a Zola or Hugo site in (`init --from`).

mod import;
mod scaffold;
mod starter;

pub use import::{import, map_hugo, map_zola, Mapping, Report};
pub use scaffold::{init, new_file, run_init, run_new, write_theme_and_gitignore, InitArgs, NewArgs, NewKind};
