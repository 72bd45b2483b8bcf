//! (being written)
#[derive(Debug, clap::Args)]
pub struct InitArgs {}
#[derive(Debug, clap::Args)]
pub struct NewArgs {}
pub fn run_init(_a: &InitArgs) -> crate::Result<()> { Err(crate::Error::Usage("not yet".into())) }
pub fn run_new(_a: &NewArgs) -> crate::Result<()> { Err(crate::Error::Usage("not yet".into())) }
