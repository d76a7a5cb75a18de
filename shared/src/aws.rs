//! AWS clients, built once per cold start.
//!
//! Endpoints come from the SDK's standard settings, so the local stack points a function at
//! its emulators with `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SES`, ... and nothing
//! here changes. Each client is behind a cargo feature of this crate: a function links only
//! the clients it uses. Every client carries the X-Ray interceptor ([`crate::xray`]): each
//! call is a subsegment of the invocation's trace.

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;

/// The shared SDK configuration (region, credentials, endpoints) from the environment.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub use aws_sdk_dynamodb::Client as DynamoDbClient;

pub fn dynamodb(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .interceptor(crate::xray::XRay)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

#[cfg(feature = "ses")]
pub fn ses(sdk: &SdkConfig) -> aws_sdk_ses::Client {
    let config = aws_sdk_ses::config::Builder::from(sdk)
        .interceptor(crate::xray::XRay)
        .build();
    aws_sdk_ses::Client::from_conf(config)
}

#[cfg(feature = "sns")]
pub fn sns(sdk: &SdkConfig) -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::config::Builder::from(sdk)
        .interceptor(crate::xray::XRay)
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

#[cfg(feature = "secrets")]
pub fn secrets_manager(sdk: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(sdk)
        .interceptor(crate::xray::XRay)
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// S3 with path-style addressing when an endpoint override is set (emulators serve one host).
#[cfg(feature = "s3")]
pub fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let path_style =
        sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(path_style)
        .interceptor(crate::xray::XRay)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A function's sessions on `db`, signed with the configuration's key (`JWT_PRIVATE_KEY`).
pub fn sessions(
    config: &crate::config::Config,
    db: &aws_sdk_dynamodb::Client,
) -> Result<crate::storage::sessions::Sessions, crate::token::KeyError> {
    let keys = std::sync::Arc::new(crate::token::SigningKeys::from_config(config)?);
    Ok(crate::storage::sessions::Sessions::from_config(
        db.clone(),
        config,
        keys,
    ))
}
