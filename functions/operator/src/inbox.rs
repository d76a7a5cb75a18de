//! `/api/operator/feedback*`: the feedback inbox, filtered by status (`open` by default,
//! or `replied`) and category, newest first; one feedback with its reply; answering it.
//! The reply carries the operator's uid as `manager_id`, and its author reads it at
//! `GET /api/feedback/reply/{id}`.

use crate::{actor, App};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::support::reply_fine;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Map, Value};

pub async fn list(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let p = &req.params;
    p.scalars(&["status", "category_id"])?;
    let status = status_named(p.text("status").as_deref())?;
    let category = p.int::<u64>("category_id")?;
    let at = p.page()?;
    Reply::of(&app.support.inbox(status, category, at).await?)
}

pub async fn item(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let id = req.path_id("id")?;
    let (feedback, reply) = tokio::join!(app.support.feedback(id), app.support.reply_of(id));
    let feedback = feedback?.ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("id"))?;
    Reply::of(&json!({ "feedback": feedback, "reply": reply? }))
}

/// `operator`'s reply to feedback `id`: the reply stored, or 10001 when there is no such
/// feedback; 10005 for an empty, too long or control-character reply.
pub async fn answer(
    app: &App,
    operator: &User,
    id: u64,
    content: &str,
) -> Result<Map<String, Value>, ApiError> {
    if !reply_fine(content) {
        return Err(ApiError::invalid("reply_content"));
    }
    let content = content.trim();
    let now = passport_shared::now();
    app.support
        .reply(id, content, &actor(operator), now)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("id"))
}

/// The inbox's status as the API and the console name it (`open` by default, `replied`).
pub fn status_named(name: Option<&str>) -> Result<u8, ApiError> {
    match name {
        None | Some("open") => Ok(0),
        Some("replied") => Ok(1),
        Some(_) => Err(ApiError::invalid("status")),
    }
}

pub async fn reply(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let id = req.path_id("id")?;
    req.params.scalars(&["reply_content"])?;
    let content = req.params.text("reply_content").unwrap_or_default();
    Reply::of(&answer(app, operator, id, &content).await?)
}
