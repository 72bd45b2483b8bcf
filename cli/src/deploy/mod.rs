//! `myblog deploy`: ordered, minimal, crash-safe sync of public/ to S3 + CloudFront invalidation.
//! (Being written: see issue 3.)

#[derive(Debug, clap::Args)]
pub struct DeployArgs {}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("deploy is not available in this build yet")]
    NotYet,
}

pub fn run_cli(_args: DeployArgs) -> Result<(), DeployError> {
    Err(DeployError::NotYet)
}
