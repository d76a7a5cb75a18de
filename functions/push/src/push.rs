//! `/api/push/*` and `/api/message/count`. A binding is reached only through its holder's
//! key: asking about a client id another user holds is 10003, one nobody holds is 10001.

use crate::App;
use passport_shared::domain::short_text;
use passport_shared::storage::push::{Bound, ClientType, Seen};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::StoreError;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};

/// The longest push-service client id accepted.
const CLIENT_ID_MAX: usize = 200;

fn client_id(raw: Option<String>) -> Result<String, ApiError> {
    short_text("client_id", raw.as_deref().unwrap_or(""), CLIENT_ID_MAX)
}

fn path_client_id(req: &ApiRequest) -> Result<String, ApiError> {
    client_id(req.path_param("client_id").map(str::to_owned))
}

/// The caller's binding of a client id, or the documented refusal.
async fn binding_of(
    app: &App,
    uid: u64,
    client_id: &str,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    if let Some(b) = app.push.binding(uid, client_id).await? {
        return Ok(b);
    }
    match app.push.holder(client_id).await? {
        Some(other) if other != uid => Err(ErrorKind::NotYours.into()),
        _ => Err(ApiError::new(ErrorKind::NoData).with_field("client_id")),
    }
}

/// The client id a bind names, and who holds it: read beside the token check.
pub async fn bind_seen(app: &App, req: &ApiRequest, uid: u64) -> Result<(String, Seen), ApiError> {
    req.params.strings(&["client_id", "client_type"])?;
    let client_id = client_id(req.params.get("client_id"))?;
    let seen = app.push.seen(uid, &client_id).await?;
    Ok((client_id, seen))
}

pub async fn bind(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    seen: Result<(String, Seen), ApiError>,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let (client_id, seen) = seen?;
    let client_type = req
        .params
        .text("client_type")
        .and_then(|t| ClientType::parse(&t))
        .ok_or_else(|| ApiError::invalid("client_type"))?;
    match app
        .push
        .bind(uid, &client_id, client_type, now, seen)
        .await?
    {
        Bound::Bound(binding) => Reply::of(&binding),
        Bound::Contended => Err(ApiError::new(ErrorKind::Internal)
            .with_cause("push client rebound concurrently three times")),
    }
}

pub async fn switch(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    Reply::of(&binding_of(app, uid, &path_client_id(req)?).await?)
}

pub async fn set_switch(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let client_id = path_client_id(req)?;
    let on = req
        .params
        .flag("switch")?
        .ok_or_else(|| ApiError::invalid("switch"))?;
    if app
        .push
        .set_switch(uid, &client_id, on, now)
        .await?
        .is_none()
    {
        binding_of(app, uid, &client_id).await?;
    }
    Ok(Reply::ok())
}

/// How far the caller cleared their push log, read beside the token check.
pub async fn cleared(app: &App, _req: &ApiRequest, uid: u64) -> Result<u64, StoreError> {
    app.push.cleared(uid).await
}

pub async fn log(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    cleared: Result<u64, StoreError>,
) -> Result<Reply, ApiError> {
    let at = req.params.page()?;
    let mut page = app.push.log_page(cleared?, at).await?;
    // The operators' read counts are not in the document's answer.
    for log in &mut page.data {
        if let Some(log) = log.as_object_mut() {
            log.remove("read_count");
        }
    }
    Reply::of(&page)
}

pub async fn log_item(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    let id = req.path_id("id")?;
    let mut log = app
        .push
        .log(uid, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("id"))?;
    // Opened: counted for the operators' push log, once per user. The count is theirs,
    // not the user's (the document's answer has no such field).
    app.push.mark_read(uid, id, passport_shared::now()).await?;
    log.remove("read_count");
    Reply::of(&log)
}

pub async fn clear(app: &App, _req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    app.push.clear(uid).await?;
    Ok(Reply::ok())
}

/// `push_ids`: the pushes the client has shown, as a JSON list (`[1,2,3]`, in a JSON body
/// or as the query value) or comma-separated (`1,2,3`); an empty list is fine.
pub fn push_ids(value: Option<&Value>) -> Result<Vec<u64>, ApiError> {
    let bad = || ApiError::invalid("push_ids");
    let list = match value.ok_or_else(bad)? {
        Value::Array(items) => items.clone(),
        Value::String(s) if s.trim().starts_with('[') => match serde_json::from_str(s.trim()) {
            Ok(Value::Array(items)) => items,
            _ => return Err(bad()),
        },
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u64>().map(Value::from).map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
        Value::Number(n) => vec![Value::Number(n.clone())],
        _ => return Err(bad()),
    };
    if list.len() > 1000 {
        return Err(bad().with_cause("more than 1000 push ids"));
    }
    list.iter()
        .map(|v| match v {
            Value::Number(n) => n.as_u64().ok_or_else(bad),
            Value::String(s) => s.trim().parse().map_err(|_| bad()),
            _ => Err(bad()),
        })
        .collect()
}

pub async fn count(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let uid = token.uid;
    let seen = push_ids(req.params.value("push_ids"))?;
    let (pushes, replies) =
        tokio::join!(app.push.unseen(uid, &seen), app.support.unread_replies(uid));
    Reply::of(&json!({ "push_count": pushes?, "feedback_count": replies? }))
}

#[cfg(test)]
mod tests {
    use super::push_ids;
    use serde_json::json;

    #[test]
    fn push_ids_in_every_accepted_form() {
        assert_eq!(push_ids(Some(&json!([1, 2, "3"]))).unwrap(), vec![1, 2, 3]);
        assert_eq!(push_ids(Some(&json!("[4,5]"))).unwrap(), vec![4, 5]);
        assert_eq!(push_ids(Some(&json!("6, 7"))).unwrap(), vec![6, 7]);
        assert_eq!(push_ids(Some(&json!(""))).unwrap(), Vec::<u64>::new());
        assert_eq!(push_ids(Some(&json!("[]"))).unwrap(), Vec::<u64>::new());
        assert_eq!(
            push_ids(None).unwrap_err().field.as_deref(),
            Some("push_ids")
        );
        assert!(push_ids(Some(&json!("1,x"))).is_err());
        assert!(push_ids(Some(&json!([-1]))).is_err());
    }
}
