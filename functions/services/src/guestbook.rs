//! `POST /apis/Services/guestbook` (document 000 §2021).
//!
//! Validates the visitor's name, email, phone, message and subject; stores the entry; mails
//! the site owner. The entry is stored before the mail is sent, so a mail failure loses
//! nothing: the client gets 202101 and the entry stays, marked `failed`, for the operator.

use crate::App;
use passport_shared::domain::{Email, Phone};
use passport_shared::mail::Mail;
use passport_shared::storage::guestbook::{Delivery, GuestbookEntry};
use passport_shared::{ApiError, ApiRequest, ErrorKind, FromParams, Params, Reply};
use time::OffsetDateTime;

const MAX_NAME_CHARS: usize = 64;
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_MESSAGE_CHARS: usize = 5000;

/// The guestbook form, validated in the document's order.
#[derive(Debug)]
pub struct GuestbookForm {
    pub name: String,
    pub email: Email,
    pub phone: Phone,
    pub message: String,
    pub subject: Option<String>,
}

fn bounded(params: &Params, field: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
    match params.text(field) {
        Some(v) if v.chars().count() > max_chars => Err(ApiError::invalid(field)),
        Some(v)
            if v.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
        {
            Err(ApiError::invalid(field))
        }
        other => Ok(other),
    }
}

impl FromParams for GuestbookForm {
    fn from_params(p: &Params) -> Result<Self, ApiError> {
        // In JSON, text is a string: anything else is refused, not taken as "not given"
        // (the phone may be a JSON number, as clients send it).
        p.texts(&["name", "email", "subject", "message"])?;
        p.scalars(&["phone"])?;
        let name = bounded(p, "name", MAX_NAME_CHARS)?.ok_or_else(|| ApiError::invalid("name"))?;
        let email = Email::parse(&p.get("email").unwrap_or_default())?;
        let phone = Phone::parse(&p.get("phone").unwrap_or_default())?;
        let message = bounded(p, "message", MAX_MESSAGE_CHARS)?.ok_or(ErrorKind::MessageEmpty)?;
        let subject = bounded(p, "subject", MAX_SUBJECT_CHARS)?;
        Ok(GuestbookForm {
            name,
            email,
            phone,
            message,
            subject,
        })
    }
}

pub async fn handle(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let form: GuestbookForm = req.params.read()?;
    let entry = GuestbookEntry {
        id: uuid::Uuid::new_v4().to_string(),
        name: form.name,
        email: form.email.as_str().to_owned(),
        phone: form.phone.as_str().to_owned(),
        message: form.message,
        subject: form.subject,
        source_ip: req.source_ip.clone(),
        created_at: OffsetDateTime::now_utc(),
    };
    app.guestbook.insert(&entry).await?;

    let delivery = match app.mailer.send(&owner_mail(&app.owner_email, &entry)).await {
        Ok(message_id) => Delivery::Sent { message_id },
        Err(e) => {
            tracing::warn!(entry = %entry.id, error = %e, "guestbook mail not sent; entry kept");
            Delivery::Failed
        }
    };
    if let Err(e) = app.guestbook.set_delivery(&entry.id, &delivery).await {
        // The entry and the mail are what matter; a stale delivery mark is only logged.
        tracing::error!(entry = %entry.id, error = %e, "could not record guestbook delivery");
    }
    match delivery {
        Delivery::Failed => Err(ErrorKind::MessageDeliveryFailed.into()),
        _ => Ok(Reply::ok()),
    }
}

/// The mail to the site owner; replying answers the visitor.
fn owner_mail(owner: &str, entry: &GuestbookEntry) -> Mail {
    let subject = entry.subject.as_deref().unwrap_or("New message");
    Mail {
        to: owner.to_owned(),
        reply_to: Some(entry.email.clone()),
        subject: format!("[Guestbook] {subject}"),
        text: format!(
            "A visitor left a message in the guestbook.\n\n\
             Name: {}\nEmail: {}\nPhone: {}\nSubject: {}\n\n{}\n\n-- \nEntry {} at {}\n",
            entry.name,
            entry.email,
            entry.phone,
            subject,
            entry.message,
            entry.id,
            entry.created_at,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &str) -> Result<GuestbookForm, ApiError> {
        let params = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(Params::parse(Some(pairs), None, b""))
            .unwrap();
        params.read()
    }

    const OK: &str = "name=Li&email=li%40example.com&phone=13800138000&message=hi";

    #[test]
    fn a_complete_form_reads() {
        let f = form(&format!("{OK}&subject=Hello")).unwrap();
        assert_eq!(f.subject.as_deref(), Some("Hello"));
        assert_eq!(f.phone.as_str(), "13800138000");
    }

    #[test]
    fn each_field_gets_its_documented_error() {
        let kind = |q: &str| form(q).unwrap_err().kind;
        assert_eq!(
            kind("email=li%40example.com&phone=13800138000&message=hi"),
            ErrorKind::InvalidParameter
        );
        assert_eq!(
            kind("name=Li&email=nope&phone=13800138000&message=hi"),
            ErrorKind::EmailInvalid
        );
        assert_eq!(
            kind("name=Li&email=li%40example.com&phone=138&message=hi"),
            ErrorKind::PhoneLength
        );
        assert_eq!(
            kind("name=Li&email=li%40example.com&phone=1380013800x&message=hi"),
            ErrorKind::PhoneInvalid
        );
        assert_eq!(
            kind("name=Li&email=li%40example.com&phone=13800138000&message=%20"),
            ErrorKind::MessageEmpty
        );
        assert_eq!(
            kind("name=Li&email=li%40example.com&phone=13800138000"),
            ErrorKind::MessageEmpty
        );
    }

    #[test]
    fn oversized_fields_are_refused() {
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        let err = form(&format!(
            "name=Li&email=li%40example.com&phone=13800138000&message={long}"
        ))
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("message"));
    }

    #[test]
    fn the_owner_mail_names_the_visitor_and_replies_to_them() {
        let entry = GuestbookEntry {
            id: "e1".into(),
            name: "Li".into(),
            email: "li@example.com".into(),
            phone: "13800138000".into(),
            message: "Hello there".into(),
            subject: None,
            source_ip: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let mail = owner_mail("owner@example.com", &entry);
        assert_eq!(mail.to, "owner@example.com");
        assert_eq!(mail.reply_to.as_deref(), Some("li@example.com"));
        assert!(mail.text.contains("Hello there") && mail.text.contains("13800138000"));
    }
}
