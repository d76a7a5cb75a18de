//! v2 user settings (§2.2.3), each for the signed-in user:
//!
//! - `POST /api/User/setAvatar` (multipart `avatar`): a PNG or JPEG, scaled to a square and
//!   stored in the avatar bucket; the answer is a presigned URL of it. The old picture is
//!   deleted once the new one is recorded.
//! - `POST /api/User/modifyBasicInfo` (nickname, email, phone, newpassword + confirm; captcha
//!   required): unique names move in one transaction; a new password ends the account's
//!   other sessions.
//! - `POST /api/User/modifyDetailInfo` (realname, idcard, address, gender, nation,
//!   postalcode, departmentcode, majorcode, leader): only the fields given change.
//! - `POST /api/User/unbind` (channel): ends an SNS binding.

use crate::login::DEFAULT_SCENARIO;
use crate::App;
use passport_avatar::{self as avatar, STORED_PREFIX};
use passport_identity::hash_password;
use passport_shared::domain::{
    org_code, postal_code, short_text, AreaPhone, Email, Gender, IdCard, Nickname, Password,
    SnsChannel,
};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::{Change, Field, User};
use passport_shared::{crypto, ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};

/// The account as the v2 settings routes answer it.
pub async fn profile(app: &App, user: &User) -> Result<Value, ApiError> {
    let mut detail = serde_json::Map::new();
    for (name, value) in &user.detail {
        let shown = match (name.as_str(), IdCard::parse(value)) {
            ("idcard", Ok(card)) => card.masked(),
            _ => value.clone(),
        };
        detail.insert(name.clone(), json!(shown));
    }
    Ok(json!({
        "uid": user.uid,
        "username": user.username,
        "nickname": user.nickname.clone().unwrap_or_default(),
        "email": user.email.clone().unwrap_or_default(),
        "area": user.area.clone().unwrap_or_default(),
        "phone": user.phone.clone().unwrap_or_default(),
        "avatar": avatar::shown(app.avatars.as_ref(), user.avatar.as_deref()).await?,
        "gender": Gender::from_number(user.gender).number(),
        "address": user.address.clone().unwrap_or_default(),
        "detail": detail,
        "sns": user.sns.keys().collect::<Vec<_>>(),
    }))
}

pub async fn set_avatar(
    app: &App,
    req: &ApiRequest,
    _auth: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    if let Some(kind) = req.params.text("response_type") {
        if kind != "json" && kind != "code" {
            return Err(ApiError::invalid("response_type"));
        }
    }
    let upload = req
        .params
        .file("avatar")
        .ok_or(ErrorKind::AvatarInvalid)?
        .bytes
        .clone();
    let png = tokio::task::spawn_blocking(move || avatar::prepare(&upload))
        .await
        .map_err(ApiError::internal)??;
    let key = avatar::object_key(user.uid);
    app.avatars.put_png(&key, png).await?;
    let change = Change {
        set: vec![("avatar", Field::Text(format!("{STORED_PREFIX}{key}")))],
        ..Change::default()
    };
    if let Err(e) = app
        .identity
        .users
        .update(user, &change, passport_shared::now())
        .await
        .map(drop)
    {
        // Not recorded: the new object must not linger.
        if let Err(cleanup) = app.avatars.delete(&key).await {
            tracing::warn!(error = %cleanup, "unrecorded avatar not deleted");
        }
        return Err(e.into());
    }
    if let Some(old) = user
        .avatar
        .as_deref()
        .and_then(|a| a.strip_prefix(STORED_PREFIX))
    {
        // The new picture is recorded; a failure here leaves an unreferenced object, logged.
        if let Err(e) = app.avatars.delete(old).await {
            tracing::warn!(error = %e, "old avatar not deleted");
        }
    }
    Reply::of(&json!({
        "avatar": app.avatars.presigned_url(&key).await?,
        "expires_in": avatar::URL_SECONDS,
    }))
}

/// `modifyBasicInfo`'s captcha, used up beside the token check: any caller may spend a
/// captcha, and a refused check answers before it.
pub async fn captcha_used(app: &App, req: &ApiRequest, _uid: u64) -> Result<(), ApiError> {
    let scenario = req
        .params
        .text("captcha_id")
        .unwrap_or_else(|| DEFAULT_SCENARIO.to_owned());
    app.identity
        .captcha()
        .use_up(req, &scenario, passport_shared::now())
        .await
}

pub async fn modify_basic_info(
    app: &App,
    req: &ApiRequest,
    auth: &TokenRecord,
    user: &User,
    captcha: Result<(), ApiError>,
) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let p = &req.params;
    let now = passport_shared::now();
    captcha?;

    let mut change = Change::default();
    if let Some(raw) = p.text("nickname") {
        let nickname = Nickname::parse(&raw)?;
        if user.nickname.as_deref() != Some(nickname.as_str()) {
            change.nickname = Some(nickname.as_str().to_owned());
        }
    }
    if let Some(raw) = p.text("email") {
        let email = Email::parse(&raw)?;
        if user.email.as_deref() != Some(email.as_str()) {
            change.email = Some(email.as_str().to_owned());
        }
    }
    if let Some(raw) = p.text("phone") {
        let phone = AreaPhone::parse(p.text("area").as_deref(), &raw)?;
        let same = user.area.as_deref() == Some(phone.area())
            && user.phone.as_deref() == Some(phone.number());
        if !same {
            change.phone = Some((phone.area().to_owned(), phone.number().to_owned()));
        }
    }
    let new_password = match p.get("newpassword").filter(|s| !s.is_empty()) {
        Some(raw) => Some(Password::parse_confirmed(
            &raw,
            &p.get("confirm").unwrap_or_default(),
        )?),
        None => None,
    };
    if let Some(password) = &new_password {
        let same = {
            let (password, phc) = (password.clone(), user.password_hash.clone());
            tokio::task::spawn_blocking(move || crypto::password::verify(password.expose(), &phc))
                .await
                .map_err(ApiError::internal)?
        };
        if same {
            return Err(ErrorKind::SamePassword.into());
        }
        change.password_hash = Some(hash_password(password).await?);
    }
    if !["nickname", "email", "phone", "newpassword"]
        .iter()
        .any(|n| p.text(n).is_some())
    {
        return Err(ApiError::invalid("nickname"));
    }
    // A field given with the value it already has changes nothing.
    let user = match change.is_empty() {
        true => user.clone(),
        false => id.users.update(user, &change, now).await?,
    };
    if change.password_hash.is_some() {
        id.sessions.end_others(auth).await?;
    }
    Reply::of(&profile(app, &user).await?)
}

/// The text fields of `modifyDetailInfo`.
const DETAIL_FIELDS: [&str; 8] = [
    "realname",
    "idcard",
    "address",
    "nation",
    "postalcode",
    "departmentcode",
    "majorcode",
    "leader",
];

pub async fn modify_detail_info(
    app: &App,
    req: &ApiRequest,
    _auth: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    let p = &req.params;
    // In JSON, text is a string: anything else is refused, not taken as "not given" (the
    // gender may be a number, 0/1/2).
    p.texts(&DETAIL_FIELDS)?;
    p.scalars(&["gender"])?;
    let mut change = Change::default();
    let mut text = |name: &'static str, value: String| change.set.push((name, Field::Text(value)));
    if let Some(raw) = p.text("realname") {
        text("realname", short_text("realname", &raw, 32)?);
    }
    if let Some(raw) = p.text("idcard") {
        text("idcard", IdCard::parse(&raw)?.as_str().to_owned());
    }
    if let Some(raw) = p.text("address") {
        text("address", short_text("address", &raw, 200)?);
    }
    if let Some(raw) = p.text("nation") {
        text("nation", short_text("nation", &raw, 32)?);
    }
    if let Some(raw) = p.text("postalcode") {
        text("postalcode", postal_code(&raw)?);
    }
    if let Some(raw) = p.text("departmentcode") {
        text("departmentcode", org_code("departmentcode", &raw)?);
    }
    if let Some(raw) = p.text("majorcode") {
        text("majorcode", org_code("majorcode", &raw)?);
    }
    if let Some(raw) = p.text("leader") {
        text("leader", short_text("leader", &raw, 32)?);
    }
    if let Some(raw) = p.text("gender") {
        let gender = Gender::parse(&raw)?;
        change
            .set
            .push(("gender", Field::Number(i64::from(gender.number()))));
    }
    if change.is_empty() {
        return Err(ApiError::invalid("realname"));
    }
    let user = app
        .identity
        .users
        .update(user, &change, passport_shared::now())
        .await?;
    Reply::of(&profile(app, &user).await?)
}

pub async fn unbind(
    app: &App,
    req: &ApiRequest,
    _auth: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    let channel = match req.params.text("channel") {
        Some(raw) => SnsChannel::parse(&raw)?.as_str().to_owned(),
        // Without a channel: the only one bound, if there is exactly one.
        None => match user.sns.keys().collect::<Vec<_>>()[..] {
            [only] => only.clone(),
            _ => return Err(ErrorKind::SnsUnbindFailed.into()),
        },
    };
    if !user.sns.contains_key(&channel) {
        return Err(ErrorKind::SnsUnbindFailed.into());
    }
    // The last way to sign in stays: an account without a password keeps its last binding.
    if user.password_hash.is_empty() && user.sns.len() == 1 {
        return Err(ErrorKind::SnsUnbindFailed.into());
    }
    let change = Change {
        unbind_sns: Some(channel),
        ..Change::default()
    };
    let user = app
        .identity
        .users
        .update(user, &change, passport_shared::now())
        .await?;
    Reply::of(&profile(app, &user).await?)
}
