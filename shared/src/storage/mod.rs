//! DynamoDB storage: one table (declared in template.yaml), keys built in [`keys`], one
//! repository per aggregate behind a narrow trait.

pub mod keys;

#[cfg(feature = "dynamodb")]
pub(crate) mod attr;

#[cfg(feature = "dynamodb")]
pub mod captcha;
#[cfg(feature = "dynamodb")]
pub mod clients;
#[cfg(feature = "dynamodb")]
pub mod codes;
#[cfg(feature = "dynamodb")]
pub mod companies;
#[cfg(feature = "dynamodb")]
pub mod friends;
#[cfg(feature = "dynamodb")]
pub mod grants;
#[cfg(feature = "dynamodb")]
pub mod guestbook;
#[cfg(feature = "dynamodb")]
pub mod messages;
#[cfg(feature = "dynamodb")]
pub mod push;
#[cfg(feature = "dynamodb")]
pub mod quotas;
#[cfg(feature = "dynamodb")]
pub mod records;
#[cfg(feature = "tokens")]
pub mod sessions;
#[cfg(feature = "dynamodb")]
pub mod support;
#[cfg(feature = "dynamodb")]
pub mod users;

/// A storage failure: always ours, never the client's, so it becomes an internal error.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        crate::error::ApiError::internal(e)
    }
}

#[cfg(feature = "dynamodb")]
pub(crate) fn sdk_error<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}
