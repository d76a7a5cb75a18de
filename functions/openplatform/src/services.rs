//! The three services of document 003 §6.
//!
//! Auth codes are made by `authService/authorize` for the calling client and the token's
//! user, carry the client's scopes, and can be used until they expire (10 minutes) by that
//! client for that user: `userService` needs scope `userinfo`, `companyService` scope
//! `company` (100018 otherwise). The data answers carry an `ETag` (of the data without
//! `nowtime`); a request with a matching `If-None-Match` gets 304 and no body.

use crate::{mask, App};
use http::{HeaderValue, StatusCode};
use passport_avatar as avatar;
use passport_shared::domain::Gender;
use passport_shared::response::{render, Payload};
use passport_shared::storage::clients::Client;
use passport_shared::storage::grants::{RestCode, REST_CODE_LIFETIME};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{crypto, datetime, ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn authorize(
    app: &App,
    _req: &ApiRequest,
    client: &Arc<Client>,
    auth: &TokenRecord,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let code = app
        .grants
        .issue_rest_code(&RestCode {
            client_id: client.id.clone(),
            uid: auth.uid,
            scopes: client.scopes.clone(),
            expires_at: now + REST_CODE_LIFETIME,
        })
        .await?;
    Reply::of(&json!({ "auth_code": code }))
}

/// Checks the `client_id` and `auth_code` of a data request; returns the user's uid.
async fn code_for(
    app: &App,
    req: &ApiRequest,
    client: &Client,
    auth: &TokenRecord,
    scope: &str,
    now: i64,
) -> Result<u64, ApiError> {
    let client_id = req
        .params
        .text("client_id")
        .ok_or_else(|| ApiError::invalid("client_id"))?;
    if client_id != client.id {
        return Err(ErrorKind::GrantMismatch.into());
    }
    let code = req
        .params
        .text("auth_code")
        .ok_or_else(|| ApiError::invalid("auth_code"))?;
    let code = app
        .grants
        .rest_code(&code)
        .await?
        .ok_or(ErrorKind::RestCodeUnknown)?;
    if code.expires_at <= now {
        return Err(ErrorKind::RestCodeExpired.into());
    }
    if code.client_id != client.id {
        return Err(ErrorKind::RestCodeOtherClient.into());
    }
    if code.uid != auth.uid {
        return Err(ErrorKind::RestCodeOtherUser.into());
    }
    if !code.scopes.iter().any(|s| s == scope) {
        return Err(ErrorKind::RestCodeDenied.into());
    }
    Ok(code.uid)
}

/// The answer with its ETag, or 304 when the client has it already.
fn with_etag(req: &ApiRequest, data: Value, now: i64) -> Result<Reply, ApiError> {
    let etag = format!("\"{}\"", &crypto::sha256_hex(&data.to_string())[..32]);
    if req
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut response = passport_shared::response::respond(
            StatusCode::NOT_MODIFIED,
            "text/plain",
            String::new(),
        );
        response.headers_mut().insert(
            http::header::ETAG,
            HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
        );
        return Ok(Reply::Raw(response));
    }
    let Value::Object(mut fields) = data else {
        return Err(ApiError::internal("data is not an object"));
    };
    fields.insert("nowtime".into(), json!(now));
    let mut response = render(&req.meta, Ok(Reply::Data(Payload::from_iter(fields))));
    response.headers_mut().insert(
        http::header::ETAG,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    Ok(Reply::Raw(response))
}

pub async fn user_info(
    app: &App,
    req: &ApiRequest,
    client: &Arc<Client>,
    auth: &TokenRecord,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = code_for(app, req, client, auth, "userinfo", now).await?;
    let user = app.users.get(uid).await?.ok_or(ErrorKind::TokenExpired)?;
    let sex = match Gender::from_number(user.gender) {
        Gender::Male => "1",
        Gender::Female => "2",
        Gender::Secret => "3",
    };
    let phone = user.phone.as_deref().map(mask::phone).unwrap_or_default();
    let data = json!({
        "username": mask::username(&user.username),
        "truename": mask::person(user.detail.get("realname").map(String::as_str).unwrap_or("")),
        "sex": sex,
        "phone": phone,
        "is_admin": "0",
        "status": "1",
        "avatar": avatar::shown(app.avatars.as_ref(), user.avatar.as_deref()).await?,
        "created": datetime(user.created_at),
    });
    with_etag(req, data, now)
}

pub async fn company_info(
    app: &App,
    req: &ApiRequest,
    client: &Arc<Client>,
    auth: &TokenRecord,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = code_for(app, req, client, auth, "company", now).await?;
    let c = app.companies.get(uid).await?.ok_or(ErrorKind::NoData)?;
    let data = json!({
        "company_name": mask::company_name(&c.company_name),
        "company_type": c.company_type,
        "tax_number": mask::tax_number(&c.tax_number),
        "province": c.province,
        "city": c.city,
        "zone": c.zone,
        "address": mask::address(&c.address),
        "disable": c.disable,
        "tel_phone": c.tel_phone,
        "legal_person_phone": mask::legal_person_phone(&c.legal_person_phone),
        "legal_person_name": mask::person(&c.legal_person_name),
        "created": datetime(c.created_at),
    });
    with_etag(req, data, now)
}
