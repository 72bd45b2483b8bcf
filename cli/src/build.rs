//! (being written)
#[derive(Debug, clap::Args)]
pub struct BuildArgs {}
pub fn run_cli(_a: &BuildArgs) -> crate::Result<()> { Err(crate::Error::Usage("not yet".into())) }
