//! Outgoing mail behind a narrow trait; SES is the implementation.

use async_trait::async_trait;

/// A plain-text mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
#[error("mail not sent: {0}")]
pub struct MailError(pub String);

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`, returning the provider's message id.
    async fn send(&self, mail: &Mail) -> Result<String, MailError>;
}

/// Sends through SES `SendEmail` (v1 API).
#[cfg(feature = "ses")]
pub struct SesMailer {
    client: aws_sdk_ses::Client,
    from: String,
}

#[cfg(feature = "ses")]
impl SesMailer {
    pub fn new(client: aws_sdk_ses::Client, from: impl Into<String>) -> Self {
        SesMailer {
            client,
            from: from.into(),
        }
    }
}

#[cfg(feature = "ses")]
#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        use aws_sdk_ses::types::{Body, Content, Destination, Message};
        let content = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|e| MailError(e.to_string()))
        };
        // A subject is one line, whatever the caller put in it.
        let subject: String = mail.subject.chars().filter(|c| !c.is_control()).collect();
        let message = Message::builder()
            .subject(content(&subject)?)
            .body(Body::builder().text(content(&mail.text)?).build())
            .build();
        let mut request = self
            .client
            .send_email()
            .source(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .message(message);
        if let Some(reply_to) = &mail.reply_to {
            request = request.reply_to_addresses(reply_to);
        }
        let output = request
            .send()
            .await
            .map_err(|e| MailError(aws_sdk_ses::error::DisplayErrorContext(e).to_string()))?;
        Ok(output.message_id)
    }
}
