//! `myblog serve`: build in memory, serve, watch, rebuild incrementally, live-reload.
//! (Being written: see issue 6.)

#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("serve is not available in this build yet")]
    NotYet,
}

pub fn run_cli(_args: ServeArgs) -> Result<(), ServeError> {
    Err(ServeError::NotYet)
}
