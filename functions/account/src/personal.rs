//! `GET /api/personal/info` (document 004): the signed-in user's account.

use crate::auth::datetime;
use passport_shared::identity::Identity;
use passport_shared::token::{openid, presented};
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn info(id: &Identity, req: &ApiRequest) -> Result<Reply, ApiError> {
    let auth = id
        .sessions
        .authenticate(presented(req).as_deref(), passport_shared::now())
        .await?;
    let user = id
        .users
        .get(auth.uid)
        .await?
        .ok_or(ErrorKind::TokenExpired)?;
    Reply::of(&serde_json::json!({
        "id": user.uid,
        "area": user.area.clone().unwrap_or_default(),
        "phone": user.phone.clone().unwrap_or_default(),
        "email": user.email.clone().unwrap_or_default(),
        "openid": openid(&id.keys, &auth.claims.client_id, user.uid),
        "role": 0,
        "username": user.username,
        "is_active": true,
        "app_id": "",
        "created_at": datetime(user.created_at),
        "updated_at": datetime(user.updated_at),
        "nickname": "",
        "avatar": "",
        "gender": 2,
        "birthday": "",
        "address": "",
    }))
}
