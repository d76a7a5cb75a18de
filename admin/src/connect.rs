//! The table an operator works on: AWS's (standard settings, `--table` or `TABLE_NAME`), or a
//! running local stack's (`--stack`).

use anyhow::Context;
use std::path::Path;

/// The table's client and name, from --stack, --table or TABLE_NAME.
pub async fn table(
    stack: Option<&Path>,
    table: Option<String>,
) -> anyhow::Result<(passport_shared::aws::DynamoDbClient, String)> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let mut table = table.or_else(|| std::env::var("TABLE_NAME").ok());
    if let Some(file) = stack {
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
        )?;
        let endpoint = info["dynamodb"]
            .as_str()
            .context("stack file without dynamodb")?;
        loader = loader
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "passport-admin",
            ));
        table.get_or_insert_with(|| "PassportTable".to_owned());
    }
    let table = table.context("name the table with --table or TABLE_NAME (or use --stack)")?;
    let sdk = loader.load().await;
    Ok((passport_shared::aws::dynamodb(&sdk), table))
}

/// Secrets Manager: AWS's, or a running local stack's emulator (moto).
pub async fn secrets(stack: Option<&Path>) -> anyhow::Result<aws_sdk_secretsmanager::Client> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(file) = stack {
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
        )?;
        let endpoint = info["moto"].as_str().context("stack file without moto")?;
        loader = loader
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "passport-admin",
            ));
    }
    Ok(aws_sdk_secretsmanager::Client::new(&loader.load().await))
}
