//! Passport's storage, DynamoDB: one table (declared in template.yaml), keys built in [`keys`], one
//! repository per aggregate behind a narrow trait.

pub mod keys;

pub mod attr;

pub mod audit;
pub mod captcha;
pub mod clients;
pub mod codes;
pub mod companies;
pub mod erase;
pub mod friends;
pub mod grants;
pub mod guestbook;
pub mod memory;
pub mod messages;
pub mod ports;
pub mod providers;
pub mod push;
pub mod quotas;
pub mod records;
pub mod sessions;
pub mod sso;
pub mod staff;
pub mod support;
pub mod suppressions;
pub mod table;
pub mod throttles;
pub mod users;

/// A storage failure: always ours, never the client's, so it becomes an internal error.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// The item a refused conditional update held (it asked for
/// `ReturnValuesOnConditionCheckFailure`; `None` when there was none), or the error when
/// something else failed.
pub(crate) fn refused_update<R: std::fmt::Debug>(
    e: aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::update_item::UpdateItemError,
        R,
    >,
) -> Result<Option<attr::Item>, StoreError> {
    use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
    match e {
        aws_sdk_dynamodb::error::SdkError::ServiceError(e) => match e.err() {
            UpdateItemError::ConditionalCheckFailedException(f) => Ok(f.item().cloned()),
            other => Err(StoreError(format!("{other:?}"))),
        },
        e => Err(sdk_error(e)),
    }
}

/// Which items of a cancelled transaction failed their condition, in the items' order
/// (empty for any other failure).
pub(crate) fn cancelled_at<R>(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Vec<bool> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
            .cancellation_reasons()
            .iter()
            .map(|r| r.code() == Some("ConditionalCheckFailed"))
            .collect(),
        _ => Vec::new(),
    }
}

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
