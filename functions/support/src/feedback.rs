//! `POST /api/feedback`, `GET /api/feedback`, `DELETE /api/feedback/{id}` and
//! `GET /api/feedback/reply/{feedback_id}`. A user reaches only their own feedback: another
//! user's is 10003, a missing one 10001.

use crate::App;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::support::{author, NewFeedback};
use passport_shared::{ApiError, ApiRequest, ErrorKind, Params, Reply};
use serde_json::{Map, Value};

/// The longest feedback accepted, in characters.
const CONTENT_MAX: usize = 2000;

/// A contact number as people write one: digits with optional `+`, spaces and dashes, 5 to
/// 20 characters (landlines and foreign numbers included, so not only [`Phone`]).
///
/// [`Phone`]: passport_shared::domain::Phone
pub fn contact_phone(raw: &str) -> Result<String, ApiError> {
    let t = raw.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if !allowed || !(5..=20).contains(&t.chars().count()) || digits < 5 {
        return Err(ApiError::invalid("contact_phone"));
    }
    Ok(t.to_owned())
}

fn content(p: &Params) -> Result<String, ApiError> {
    let raw = p.get("feedback_content").unwrap_or_default();
    let text = raw.trim();
    // Feedback may span lines; other control characters are refused.
    let bad = text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
    if text.is_empty() || bad || text.chars().count() > CONTENT_MAX {
        return Err(ApiError::invalid("feedback_content"));
    }
    Ok(text.to_owned())
}

/// The caller's feedback `id`, or the documented refusal.
async fn own(app: &App, uid: u64, id: u64, field: &str) -> Result<Map<String, Value>, ApiError> {
    let feedback = app
        .support
        .feedback(id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field(field))?;
    if author(&feedback) != Some(uid) {
        return Err(ErrorKind::NotYours.into());
    }
    Ok(feedback)
}

pub async fn add(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let p = &req.params;
    p.scalars(&["feedback_content", "feedback_category_id", "contact_phone"])?;
    let content = content(p)?;
    let category_id = p.int::<u64>("feedback_category_id")?;
    if let Some(id) = category_id {
        if app.support.category(id).await?.is_none() {
            return Err(ApiError::invalid("feedback_category_id").with_cause("no such category"));
        }
    }
    let contact_phone = match p.text("contact_phone") {
        Some(raw) => contact_phone(&raw)?,
        None => String::new(),
    };
    let feedback = NewFeedback {
        content,
        category_id,
        contact_phone,
    };
    Reply::of(&app.support.feedback_add(uid, &feedback, now).await?)
}

pub async fn list(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    let at = req.params.page()?;
    Reply::of(&app.support.feedbacks_of(uid, at).await?)
}

pub async fn delete(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    let id = req.path_id("id")?;
    // The delete is conditioned on the author; only when it is refused is the feedback
    // read, to tell "none" (10001) from "another user's" (10003).
    if app.support.feedback_delete(uid, id).await? {
        return Ok(Reply::ok());
    }
    own(app, uid, id, "id").await?;
    // The caller's, yet refused: a parallel request deleted it first.
    Err(ApiError::new(ErrorKind::NoData).with_field("id"))
}

pub async fn reply(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let id = req.path_id("feedback_id")?;
    // The feedback (whose author alone may read the reply) beside the read of the reply,
    // which marks it read only if it is among the caller's unread ones.
    let (owned, reply) = tokio::join!(
        own(app, uid, id, "feedback_id"),
        app.support.read_reply_of(uid, id, now)
    );
    owned?;
    let reply = reply?.ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("feedback_id"))?;
    Reply::of(&reply)
}

#[cfg(test)]
mod tests {
    use super::contact_phone;

    #[test]
    fn contact_numbers() {
        assert_eq!(contact_phone(" 18656660930 ").unwrap(), "18656660930");
        assert!(contact_phone("+44 20 7946 0958").is_ok());
        assert!(contact_phone("010-12345678").is_ok());
        assert!(contact_phone("12-3").is_err());
        assert!(contact_phone("call me").is_err());
        assert!(contact_phone("1+2345678").is_err());
    }
}
