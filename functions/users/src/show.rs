//! `POST /apis/Users/show` (document 000 §2034): an account as a client may see it:
//! username, nickname, the user's openid for the calling client, the avatar as a presigned
//! URL that expires, and gender.

use crate::App;
use passport_avatar as avatar;
use passport_shared::domain::Gender;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::token::openid;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn handle(app: &App, req: &ApiRequest, auth: &TokenRecord) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let uid: u64 = req
        .params
        .int("uid")?
        .ok_or_else(|| ApiError::invalid("uid"))?;
    let user = id.users.get(uid).await?.ok_or(ErrorKind::NoData)?;
    Reply::of(&serde_json::json!({
        "username": user.username,
        "nickname": user.nickname.clone().unwrap_or_default(),
        "openid": openid(&id.keys, &auth.client_id, user.uid),
        "avatar": avatar::shown(app.avatars.as_ref(), user.avatar.as_deref()).await?,
        "gender": Gender::from_number(user.gender).word(),
    }))
}
