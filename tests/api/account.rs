//! The user center's `/api/auth/*` and `GET /api/personal/info` (document 004).

use passport_tests::{json, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "center-pass-1";

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    json(app.post_json(path, &body).await).await
}

async fn info(app: &TestApp, token: &str) -> (u16, Value) {
    json(
        app.http
            .get(app.url("/api/personal/info"))
            .header("authorization", format!("Token {token}"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Signs up `account` through send_code, check_code and register; returns the token data.
async fn sign_up(app: &TestApp, account: &str) -> Value {
    let (status, body) = post(app, "/api/auth/send_code", json!({"account": account})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"code": 0, "message": "success", "data": {}}));
    let code = app.mailed_code(account).await;
    let (status, body) = post(
        app,
        "/api/auth/check_code",
        json!({"account": account, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        app,
        "/api/auth/register",
        json!({"account": account, "code": code, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn sign_up_by_email_code_gives_tokens_in_the_documented_shape() {
    let app = TestApp::new();
    let account = app.email("center");
    let data = sign_up(&app, &account).await;
    assert!(data["access_token"].is_string() && data["refresh_token"].is_string());
    assert_eq!(data["expires_in"], 7200);
    let expires_at = data["expires_at"].as_str().unwrap();
    assert_eq!(expires_at.len(), 19, "YYYY-MM-DD HH:MM:SS: {expires_at}");

    let (status, body) = info(&app, data["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let me = &body["data"];
    assert_eq!(me["email"], account.as_str());
    assert_eq!(me["username"], account.as_str());
    assert_eq!(me["openid"].as_str().unwrap().len(), 40);
    assert_eq!(me["gender"], 2);

    let (status, body) = post(
        &app,
        "/api/auth/register",
        json!({"account": account, "code": "123456", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(10008)),
        "the code was used: {body}"
    );
}

#[tokio::test]
async fn registering_an_account_twice_is_10009() {
    let app = TestApp::new();
    let account = app.email("twice");
    sign_up(&app, &account).await;
    // A second code needs the send interval to pass; the account check comes after the code.
    let again = app.invoke(
        "account",
        &event("/api/auth/send_code", json!({"account": account})),
        &[("CODE_SEND_INTERVAL_SECONDS", "0")],
    );
    assert_eq!(again["statusCode"], 200, "{again}");
    let code = app.mailed_code(&account).await;
    let (status, body) = post(
        &app,
        "/api/auth/register",
        json!({"account": account, "code": code, "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (409, Some(10009)),
        "{body}"
    );
}

fn event(path: &str, body: Value) -> Value {
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(passport_tests::repo_root().join("events/account-send-code.json"))
            .unwrap(),
    )
    .unwrap();
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["routeKey"] = json!(format!("POST {path}"));
    event["body"] = json!(body.to_string());
    event
}

#[tokio::test]
async fn a_wrong_code_is_10008_and_bad_fields_are_10005() {
    let app = TestApp::new();
    let account = app.email("wrongcode");
    assert_eq!(
        post(&app, "/api/auth/send_code", json!({"account": account}))
            .await
            .0,
        200
    );
    let code = app.mailed_code(&account).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = post(
        &app,
        "/api/auth/check_code",
        json!({"account": account, "code": wrong}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64(), body["data"].clone()),
        (400, Some(10008), json!({}))
    );
    let (status, body) = post(
        &app,
        "/api/auth/send_code",
        json!({"account": "not an account"}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(10005)));
    let (status, body) = post(&app, "/api/auth/send_code", json!({"account": account})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (429, Some(10010)),
        "too frequent"
    );
}

#[tokio::test]
async fn password_sign_in_refresh_rotation_and_replay() {
    let app = TestApp::new();
    let account = app.email("rotate");
    sign_up(&app, &account).await;

    let (status, body) = post(
        &app,
        "/api/auth/access_token",
        json!({"account": account, "password": "wrong-password"}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(10007)));
    let (_, unknown) = post(
        &app,
        "/api/auth/access_token",
        json!({"account": app.email("nobody"), "password": "wrong-password"}),
    )
    .await;
    assert_eq!(
        unknown, body,
        "an unknown account is answered as a wrong password"
    );

    let (status, body) = post(
        &app,
        "/api/auth/access_token",
        json!({"account": account, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first = body["data"].clone();

    let (status, body) = post(
        &app,
        "/api/auth/refresh_token",
        json!({"refresh_token": first["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second = body["data"].clone();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(
        info(&app, second["access_token"].as_str().unwrap()).await.0,
        200
    );
    assert_eq!(
        info(&app, first["access_token"].as_str().unwrap()).await.1["code"],
        10004,
        "the rotated-out access token is dead"
    );

    // Replaying the old refresh token ends the whole chain.
    let (status, body) = post(
        &app,
        "/api/auth/refresh_token",
        json!({"refresh_token": first["refresh_token"]}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(10004)));
    assert_eq!(
        info(&app, second["access_token"].as_str().unwrap()).await.0,
        401,
        "replay killed the newer access token"
    );
    let (status, _) = post(
        &app,
        "/api/auth/refresh_token",
        json!({"refresh_token": second["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 401, "and the newer refresh token");
}

#[tokio::test]
async fn destroy_token_ends_the_session_at_once() {
    let app = TestApp::new();
    let account = app.email("destroy");
    let data = sign_up(&app, &account).await;
    let token = data["access_token"].as_str().unwrap();
    let r = app
        .http
        .post(app.url("/api/auth/destroy_token"))
        .header("authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    let (status, body) = json(r).await;
    assert_eq!(
        (status, body),
        (200, json!({"code": 0, "message": "success", "data": {}}))
    );
    let (status, body) = info(&app, token).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(10004)));
    let (status, _) = post(
        &app,
        "/api/auth/refresh_token",
        json!({"refresh_token": data["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 401, "its refresh token ended with it");
}

#[tokio::test]
async fn tokens_are_checked_before_anything_is_read() {
    let app = TestApp::new();
    for header in [
        "",
        "Token ",
        "Token not-a-jwt",
        "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln",
    ] {
        let mut r = app.http.get(app.url("/api/personal/info"));
        if !header.is_empty() {
            r = r.header("authorization", header);
        }
        let (status, body) = json(r.send().await.unwrap()).await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (401, Some(10004)),
            "{header:?}"
        );
    }
}
