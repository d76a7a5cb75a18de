//! The table an operator works on: AWS's (standard settings, `--table` or `TABLE_NAME`), or a
//! running local stack's (`--stack`), and Secrets Manager beside it (the stack's moto).

use anyhow::Context;
use std::path::Path;

/// The SDK settings of a running local stack for the service its stack file names under
/// `service` (`dynamodb`, `moto`): that endpoint, its region and local credentials.
fn local(file: &Path, service: &str) -> anyhow::Result<aws_config::ConfigLoader> {
    let info: serde_json::Value = serde_json::from_slice(
        &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
    )?;
    let endpoint = info[service]
        .as_str()
        .with_context(|| format!("stack file without {service}"))?;
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "passport-admin",
        )))
}

/// The table's client and name, from --stack, --table or TABLE_NAME.
pub async fn table(
    stack: Option<&Path>,
    table: Option<String>,
) -> anyhow::Result<(passport_shared::aws::DynamoDbClient, String)> {
    let mut table = table.or_else(|| std::env::var("TABLE_NAME").ok());
    let loader = match stack {
        Some(file) => {
            table.get_or_insert_with(|| "PassportTable".to_owned());
            local(file, "dynamodb")?
        }
        None => aws_config::defaults(aws_config::BehaviorVersion::latest()),
    };
    let table = table.context("name the table with --table or TABLE_NAME (or use --stack)")?;
    let sdk = loader.load().await;
    Ok((passport_shared::aws::dynamodb(&sdk), table))
}

/// Secrets Manager: AWS's, or a running local stack's emulator (moto).
pub async fn secrets(stack: Option<&Path>) -> anyhow::Result<aws_sdk_secretsmanager::Client> {
    let loader = match stack {
        Some(file) => local(file, "moto")?,
        None => aws_config::defaults(aws_config::BehaviorVersion::latest()),
    };
    Ok(aws_sdk_secretsmanager::Client::new(&loader.load().await))
}
