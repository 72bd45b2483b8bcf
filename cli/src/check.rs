//! (being written)
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}
pub fn run_cli(_a: &CheckArgs) -> crate::Result<()> { Err(crate::Error::Usage("not yet".into())) }
