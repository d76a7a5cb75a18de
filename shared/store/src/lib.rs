//! Passport's storage, DynamoDB: one table (declared in template.yaml), keys built in [`keys`], one
//! repository per aggregate behind a narrow trait.

pub mod keys;

pub mod attr;

pub mod captcha;
pub mod clients;
pub mod codes;
pub mod companies;
pub mod friends;
pub mod grants;
pub mod guestbook;
pub mod memory;
pub mod messages;
pub mod ports;
pub mod push;
pub mod quotas;
pub mod records;
pub mod sessions;
pub mod support;
pub mod table;
pub mod users;

/// A storage failure: always ours, never the client's, so it becomes an internal error.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// Whether a write was refused by its condition (`ConditionalCheckFailedException`), of any
/// single-item operation.
pub(crate) fn condition_failed<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .is_some_and(|e| e.code() == Some("ConditionalCheckFailedException"))
}

pub(crate) fn sdk_error<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}
