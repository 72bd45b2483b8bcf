//! myblog, the command: clap's arguments and `serve`'s watching and HTTP side, over the
//! pipeline's crates (utils → config → content → markdown → site → build → deploy, with
//! scaffold beside). Each command is one call into them (see `main.rs`).

pub mod serve;
