//! `GET /api/personal/info` and `PUT /api/personal/info` (document 004): the signed-in
//! user's account, and changes to its nickname, avatar, gender, birthday and address.
//!
//! PUT changes only the fields given, each checked first: nickname 1–32 characters and
//! unique; avatar an `http(s)` address (an uploaded picture it replaces is deleted); gender
//! 0, 1 or 2; birthday `YYYY-MM-DD`; address up to 200 characters. An empty avatar,
//! birthday or address clears it.

use crate::App;
use passport_avatar::{self as avatar, STORED_PREFIX};
use passport_shared::datetime;
use passport_shared::domain::{short_text, Birthday, Gender, Nickname};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::{Change, Field, User};
use passport_shared::token::openid;
use passport_shared::{ApiError, ApiRequest, Params, Reply};

async fn view(app: &App, auth: &TokenRecord, user: &User) -> Result<Reply, ApiError> {
    Reply::of(&serde_json::json!({
        "id": user.uid,
        "area": user.area.clone().unwrap_or_default(),
        "phone": user.phone.clone().unwrap_or_default(),
        "email": user.email.clone().unwrap_or_default(),
        "openid": openid(&app.identity.keys, &auth.client_id, user.uid),
        "role": 0,
        "username": user.username,
        "is_active": true,
        "app_id": "",
        "created_at": datetime(user.created_at),
        "updated_at": datetime(user.updated_at),
        "nickname": user.nickname.clone().unwrap_or_default(),
        "avatar": avatar::shown(app.avatars.as_ref(), user.avatar.as_deref()).await?,
        "gender": Gender::from_number(user.gender).number(),
        "birthday": user.birthday.clone().unwrap_or_default(),
        "address": user.address.clone().unwrap_or_default(),
    }))
}

pub async fn info(
    app: &App,
    _req: &ApiRequest,
    auth: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    view(app, auth, user).await
}

/// An avatar given by address: `http(s)://`, printable, at most 512 characters.
fn avatar_address(raw: &str) -> Result<String, ApiError> {
    let url = raw.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if scheme_ok && url.len() <= 512 && !url.chars().any(|c| c.is_control() || c == ' ') {
        Ok(url.to_owned())
    } else {
        Err(ApiError::invalid("avatar"))
    }
}

/// The change a PUT asks for, every field checked before anything is written.
fn change_from(p: &Params, user: &User, today: time::Date) -> Result<Change, ApiError> {
    p.strings(&["nickname", "avatar", "birthday", "address"])?;
    p.scalars(&["gender"])?;
    let mut change = Change::default();
    if let Some(raw) = p.get("nickname") {
        let nickname = Nickname::parse(&raw)?;
        if user.nickname.as_deref() != Some(nickname.as_str()) {
            change.nickname = Some(nickname.as_str().to_owned());
        }
    }
    if let Some(raw) = p.get("avatar") {
        if raw.trim().is_empty() {
            change.remove.push("avatar");
        } else {
            change
                .set
                .push(("avatar", Field::Text(avatar_address(&raw)?)));
        }
    }
    if let Some(raw) = p.get("gender") {
        let gender = match raw.trim() {
            "0" | "1" | "2" => Gender::parse(&raw)?,
            _ => return Err(ApiError::invalid("gender")),
        };
        change
            .set
            .push(("gender", Field::Number(i64::from(gender.number()))));
    }
    if let Some(raw) = p.get("birthday") {
        if raw.trim().is_empty() {
            change.remove.push("birthday");
        } else {
            let birthday = Birthday::parse(&raw, today)?;
            change
                .set
                .push(("birthday", Field::Text(birthday.to_iso())));
        }
    }
    if let Some(raw) = p.get("address") {
        if raw.trim().is_empty() {
            change.remove.push("address");
        } else {
            change
                .set
                .push(("address", Field::Text(short_text("address", &raw, 200)?)));
        }
    }
    Ok(change)
}

pub async fn update(
    app: &App,
    req: &ApiRequest,
    auth: &TokenRecord,
    user: &User,
) -> Result<Reply, ApiError> {
    let today = time::OffsetDateTime::now_utc().date();
    let change = change_from(&req.params, user, today)?;
    if change.is_empty() {
        return view(app, auth, user).await;
    }
    let updated = app
        .identity
        .users
        .update(user, &change, passport_shared::now())
        .await?;
    let replaced =
        change.remove.contains(&"avatar") || change.set.iter().any(|(n, _)| *n == "avatar");
    if let Some(old) = user
        .avatar
        .as_deref()
        .and_then(|a| a.strip_prefix(STORED_PREFIX))
        .filter(|_| replaced)
    {
        if let Err(e) = app.avatars.delete(old).await {
            tracing::warn!(error = %e, "replaced avatar not deleted");
        }
    }
    view(app, auth, &updated).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn user() -> User {
        User {
            uid: 10001,
            username: "li".into(),
            email: None,
            area: None,
            phone: None,
            email_verified: false,
            phone_verified: false,
            password_hash: String::new(),
            created_at: 0,
            updated_at: 0,
            nickname: Some("Li".into()),
            avatar: None,
            gender: 2,
            birthday: None,
            address: None,
            detail: Default::default(),
            sns: Default::default(),
            version: 0,
            role: None,
            disabled: false,
        }
    }

    async fn params(json: serde_json::Value) -> Params {
        Params::parse(None, Some("application/json"), json.to_string().as_bytes())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_the_fields_given_change() {
        let today = date!(2026 - 11 - 22);
        let p = params(serde_json::json!({"gender": 1, "birthday": "1991-03-08"})).await;
        let change = change_from(&p, &user(), today).unwrap();
        assert_eq!(
            change.set,
            vec![
                ("gender", Field::Number(1)),
                ("birthday", Field::Text("1991-03-08".into()))
            ]
        );
        assert!(change.nickname.is_none() && change.remove.is_empty());
        // The same nickname again is no change; an empty address clears it.
        let p = params(serde_json::json!({"nickname": "Li", "address": ""})).await;
        let change = change_from(&p, &user(), today).unwrap();
        assert!(change.nickname.is_none());
        assert_eq!(change.remove, vec!["address"]);
    }

    #[tokio::test]
    async fn each_field_is_checked() {
        let today = date!(2026 - 11 - 22);
        for (body, field) in [
            (serde_json::json!({"gender": 3}), "gender"),
            (serde_json::json!({"gender": "male"}), "gender"),
            (serde_json::json!({"birthday": "1991-02-30"}), "birthday"),
            (
                serde_json::json!({"avatar": "javascript:alert(1)"}),
                "avatar",
            ),
            (serde_json::json!({"nickname": ""}), "nickname"),
            (serde_json::json!({"address": "x".repeat(201)}), "address"),
        ] {
            let e = change_from(&params(body.clone()).await, &user(), today).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{body}");
        }
    }
}
