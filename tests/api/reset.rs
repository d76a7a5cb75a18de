//! The password reset: `POST /apis/Users/forgotPassword` and `/apis/Users/resetPassword`.

use passport_tests::{json, TestApp};

const OLD: &str = "old-password-1";
const NEW: &str = "new-password-2";

#[tokio::test]
async fn a_mailed_code_resets_the_password_and_ends_every_session() {
    let app = TestApp::new();
    let (name, email) = (format!("reset_{}", app.run), app.email("reset"));
    app.register(&name, &email, OLD).await;
    let (_, session) = app.login(&name, OLD).await;
    let token = session["access_token"].as_str().unwrap().to_owned();

    let (status, body) = json(
        app.post_form("/apis/Users/forgotPassword", &[("account", &name)])
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            serde_json::json!({"code": 200, "request": "apis/Users/forgotPassword", "message": "Successful"})
        )
    );
    let code = app.mailed_code(&email).await;

    let (status, body) = json(
        app.post_form(
            "/apis/Users/resetPassword",
            &[
                ("account", &email),
                ("code", &code),
                ("password", OLD),
                ("confirm", OLD),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(203006)),
        "the new password cannot be the old one"
    );
    let (status, body) = json(
        app.post_form(
            "/apis/Users/resetPassword",
            &[
                ("account", &email),
                ("code", &code),
                ("password", NEW),
                ("confirm", "other"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(200019)));
    let (status, body) = json(
        app.post_form(
            "/apis/Users/resetPassword",
            &[
                ("account", &email),
                ("code", &code),
                ("password", NEW),
                ("confirm", NEW),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(app.login(&name, OLD).await.0, 401);
    assert_eq!(app.login(&name, NEW).await.0, 200);
    let r = app
        .http
        .post(app.url("/api/User/sendcode"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, body) = json(r).await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (401, Some(201203)),
        "sessions from before the reset are over"
    );
    let (status, body) = json(
        app.post_form(
            "/apis/Users/resetPassword",
            &[
                ("account", &email),
                ("code", &code),
                ("password", "third-pass-3"),
                ("confirm", "third-pass-3"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(203101)),
        "the code was single use"
    );
}

#[tokio::test]
async fn an_unknown_account_gets_the_same_answer_and_no_mail() {
    let app = TestApp::new();
    let email = app.email("ghost");
    let (status, body) = json(
        app.post_form("/apis/users/forgotpassword", &[("account", &email)])
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (200, Some(200)));
    assert!(app.mails_to(&email).await.is_empty());
    let (status, body) = json(
        app.post_form(
            "/apis/Users/resetPassword",
            &[
                ("account", &email),
                ("code", "123456"),
                ("password", NEW),
                ("confirm", NEW),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(203101)));
}

#[tokio::test]
async fn the_account_field_has_its_documented_errors() {
    let app = TestApp::new();
    let (status, body) = json(
        app.post_form("/apis/Users/forgotPassword", &[("account", " ")])
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(203301)));
    let (status, body) = json(
        app.post_form("/apis/Users/forgotPassword", &[("account", "a")])
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(203302)));
    let (_, body) = json(
        app.post_form("/apis/Users/forgotPassword?lang=zh", &[("account", "")])
            .await,
    )
    .await;
    assert_eq!(body["message"], "账户不能为空");
}
