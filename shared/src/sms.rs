//! Text messages behind a narrow trait; SNS `Publish` to a phone number is the implementation.

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
#[error("SMS not sent: {0}")]
pub struct SmsError(pub String);

#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `e164` (`+8613800138000`), returning the provider's message id.
    async fn send(&self, e164: &str, text: &str) -> Result<String, SmsError>;
}

#[cfg(feature = "sns")]
pub struct SnsSms {
    client: aws_sdk_sns::Client,
}

#[cfg(feature = "sns")]
impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        SnsSms { client }
    }
}

#[cfg(feature = "sns")]
#[async_trait]
impl SmsSender for SnsSms {
    async fn send(&self, e164: &str, text: &str) -> Result<String, SmsError> {
        let out = self
            .client
            .publish()
            .phone_number(e164)
            .message(text)
            .send()
            .await
            .map_err(|e| SmsError(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
        Ok(out.message_id.unwrap_or_default())
    }
}
