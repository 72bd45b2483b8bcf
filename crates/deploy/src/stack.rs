//! The outputs of the blog's CloudFormation stack (`--stack NAME` / `[deploy] stack`): table
//! names for announcements and the subscriber commands.

use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("cannot read CloudFormation stack {stack:?}: {detail}. Check the stack name, --profile and --region")]
    Read { stack: String, detail: String },
    #[error("CloudFormation stack {stack:?} has no output {output:?}: update the stack from infra/template.yaml, or set `{key}` under [subscribe] in site.toml")]
    Missing { stack: String, output: String, key: String },
    #[error("no {what}: set `{key}` under [subscribe] in site.toml, or pass --stack NAME (the stack made from infra/template.yaml)")]
    NoSource { what: String, key: String },
}

/// Every output of `stack`, by key.
pub async fn outputs(sdk: &aws_config::SdkConfig, stack: &str) -> Result<HashMap<String, String>, StackError> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let out = cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| StackError::Read {
        stack: stack.to_string(),
        detail: e.message().map(str::to_string).unwrap_or_else(|| format!("{e}")),
    })?;
    let s = out.stacks().first().ok_or_else(|| StackError::Read { stack: stack.to_string(), detail: "no such stack".into() })?;
    Ok(s.outputs().iter().filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string()))).collect())
}

/// A table name: site.toml's `[subscribe] key` wins, else the stack's `output`.
pub async fn table(
    sdk: &aws_config::SdkConfig,
    configured: Option<&str>,
    stack: Option<&str>,
    output: &str,
    key: &str,
) -> Result<String, StackError> {
    if let Some(t) = configured.filter(|t| !t.trim().is_empty()) {
        return Ok(t.to_string());
    }
    let Some(stack) = stack else {
        return Err(StackError::NoSource { what: format!("{output} table"), key: key.to_string() });
    };
    outputs(sdk, stack).await?.remove(output).ok_or_else(|| StackError::Missing {
        stack: stack.to_string(),
        output: output.to_string(),
        key: key.to_string(),
    })
}
