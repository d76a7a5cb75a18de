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

    /// Whether `to` is on the suppression list (what [`Mailer::send`] looks up first).
    async fn suppressed(&self, _to: &str) -> Result<bool, MailError> {
        Ok(false)
    }
}

/// A mailer that never mails an address on the suppression list (SES reported it as
/// bouncing or complaining: mailing it again costs the account's reputation). Such a send
/// fails as any undelivered mail does, and is logged.
pub struct Suppressing<M> {
    pub list: crate::storage::suppressions::Suppressions,
    pub inner: M,
}

#[async_trait]
impl<M: Mailer> Mailer for Suppressing<M> {
    async fn suppressed(&self, to: &str) -> Result<bool, MailError> {
        self.list
            .is_suppressed(to)
            .await
            .map_err(|e| MailError(e.to_string()))
    }

    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        if self.suppressed(&mail.to).await? {
            tracing::warn!("mail not sent: the address is on the suppression list");
            return Err(MailError("the address is on the suppression list".into()));
        }
        self.inner.send(mail).await
    }
}

/// The mailer of a function: SES, in the deployment's configuration set (whose bounce and
/// complaint events feed the suppression list), behind the suppression list.
#[cfg(feature = "ses")]
pub fn from_config(
    config: &crate::config::Config,
    sdk: &crate::aws::SdkConfig,
) -> Suppressing<SesMailer> {
    Suppressing {
        list: crate::storage::suppressions::Suppressions::new(
            crate::aws::dynamodb(sdk),
            &config.table_name,
        ),
        inner: SesMailer {
            configuration_set: config.ses_configuration_set.clone(),
            ..SesMailer::new(crate::aws::ses(sdk), &config.mail_from)
        },
    }
}

/// Sends through SES `SendEmail` (v1 API).
#[cfg(feature = "ses")]
pub struct SesMailer {
    client: aws_sdk_ses::Client,
    from: String,
    /// The SES configuration set every mail is sent in (`SES_CONFIGURATION_SET`).
    pub configuration_set: Option<String>,
}

#[cfg(feature = "ses")]
impl SesMailer {
    pub fn new(client: aws_sdk_ses::Client, from: impl Into<String>) -> Self {
        SesMailer {
            client,
            from: from.into(),
            configuration_set: None,
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
            .message(message)
            .set_configuration_set_name(self.configuration_set.clone());
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
