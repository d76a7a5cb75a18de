//! `GET` and `POST /oauth2/userinfo` (OpenID Connect Core §5.3): the signed-in user's
//! standard claims, as the access token's scope releases them, with the `sub` its client
//! sees. A token issued without `openid` is refused (403 `insufficient_scope`), and so is a
//! client's own token, which names no user.

use crate::App;
use passport_avatar as avatar;
use passport_identity::oidc;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::json;

pub async fn userinfo(
    app: &App,
    _req: &ApiRequest,
    token: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    if !oidc::is_openid(&token.scope) {
        return Err(ErrorKind::InsufficientScope.into());
    }
    let clients = &app.identity.sessions.meter.clients;
    let (client, picture) = tokio::join!(
        clients.get(&token.client_id),
        avatar::shown(app.avatars.as_ref(), user.avatar.as_deref())
    );
    // The client is gone: its tokens name nobody it could be told about.
    let client = client?.ok_or(ErrorKind::TokenExpired)?;
    let mut claims = oidc::claims(user, &token.scope, Some(picture?));
    claims.insert(
        "sub".to_owned(),
        json!(oidc::subject(&app.identity.keys, &client, user.uid)),
    );
    Ok(Reply::Data(claims))
}
