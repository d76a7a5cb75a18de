//! Profiles: v2 settings (`/api/User/setAvatar`, `modifyBasicInfo`, `modifyDetailInfo`,
//! `unbind`), SNS sign-up (`/api/User/snsreg`), v1 `/apis/Users/show` and the center's
//! `GET|PUT /api/personal/info`.

use passport_tests::{code_of as code, json, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// A fresh account: (username, email, password, access token).
async fn account(app: &TestApp, tag: &str) -> (String, String, String, String) {
    let username = format!("{tag}_{}", app.run);
    let email = app.email(tag);
    let password = "profile-pass-1".to_owned();
    app.register(&username, &email, &password).await;
    let (status, body) = app.login(&username, &password).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    (username, email, password, token)
}

pub(crate) fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub(crate) async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>, name: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("response_type", "json")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    json(
        app.http
            .post(app.url("/api/User/setAvatar"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// `modifyBasicInfo` with a fresh captcha.
pub(crate) async fn modify_basic(
    app: &TestApp,
    token: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let captcha = app.captcha().await;
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    fields.push(("captcha", &captcha.answer));
    json(
        app.http
            .post(app.url("/api/User/modifyBasicInfo"))
            .bearer_auth(token)
            .header("x-captcha-key", &captcha.key)
            .form(&fields)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post_with_token(
    app: &TestApp,
    path: &str,
    token: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    json(
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn an_avatar_is_scaled_stored_in_s3_and_served_by_an_expiring_url() {
    let app = TestApp::new();
    let (_, _, _, token) = account(&app, "avatar").await;
    let (status, body) = upload(
        &app,
        &token,
        picture(600, 300, image::ImageFormat::Png),
        "me.png",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first = body["avatar"].as_str().unwrap().to_owned();
    assert!(
        first.starts_with(&app.stack.moto),
        "served by the local S3: {first}"
    );
    assert!(first.contains("X-Amz-Expires=900"), "expires: {first}");
    assert!(first.contains("X-Amz-Signature="), "presigned: {first}");

    let served = app.http.get(&first).send().await.unwrap();
    assert_eq!(served.status(), 200);
    let bytes = served.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (256, 256),
        "scaled to a square"
    );
    let rgb = img.to_rgb8();
    assert!(
        rgb.get_pixel(8, 128)[0] > 200 && rgb.get_pixel(248, 128)[2] > 200,
        "centred crop"
    );

    // A JPEG replaces it; the old object is deleted.
    let (status, body) = upload(
        &app,
        &token,
        picture(300, 500, image::ImageFormat::Jpeg),
        "me.jpg",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second = body["avatar"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(app.http.get(&second).send().await.unwrap().status(), 200);
    assert_eq!(
        app.http.get(&first).send().await.unwrap().status(),
        404,
        "the replaced picture is gone"
    );
}

#[tokio::test]
async fn only_real_png_or_jpeg_pictures_are_accepted_as_avatars() {
    let app = TestApp::new();
    let (_, _, _, token) = account(&app, "badavatar").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let bmp = picture(8, 8, image::ImageFormat::Bmp);
    let mut broken = picture(64, 64, image::ImageFormat::Png);
    broken.truncate(80);
    for (bytes, name) in [
        (gif, "looks.png"),
        (bmp, "me.jpg"),
        (broken, "broken.png"),
        (b"<?php echo 1; ?>".to_vec(), "x.png"),
    ] {
        let (status, body) = upload(&app, &token, bytes, name).await;
        assert_eq!((status, code(&body)), (400, Some(202301)), "{name}: {body}");
        assert_eq!(body["field"], "avatar");
    }
    let (status, body) = post_with_token(&app, "/api/User/setAvatar", &token, &[]).await;
    assert_eq!(
        (status, code(&body)),
        (400, Some(202301)),
        "no file: {body}"
    );
    let (status, body) = upload(&app, "", picture(8, 8, image::ImageFormat::Png), "a.png").await;
    assert_eq!(
        (status, code(&body)),
        (401, Some(202101)),
        "no token: {body}"
    );
}

#[tokio::test]
async fn basic_info_moves_unique_names_and_a_new_password_ends_other_sessions() {
    let app = TestApp::new();
    let (username, old_email, password, token) = account(&app, "basic").await;
    let (_, _, _, rival) = account(&app, "rival").await;
    let nickname = format!("Nick {}", app.run);
    let new_email = app.email("basic-new");
    let phone = app.phone();

    let (status, body) = modify_basic(
        &app,
        &token,
        &[
            ("nickname", &nickname),
            ("email", &new_email),
            ("phone", &phone),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nickname"], nickname.as_str());
    assert_eq!(body["email"], new_email.as_str());
    assert_eq!(body["phone"], phone.as_str());

    // The names are taken now, in any case; the old email is free again.
    for (field, value, expected) in [
        ("nickname", nickname.to_uppercase(), 202005),
        ("email", new_email.clone(), 202003),
        ("phone", phone.clone(), 202004),
    ] {
        let (status, body) = modify_basic(&app, &rival, &[(field, &value)]).await;
        assert_eq!(
            (status, code(&body)),
            (409, Some(expected)),
            "{field}: {body}"
        );
    }
    let (status, body) = modify_basic(&app, &rival, &[("email", &old_email)]).await;
    assert_eq!(status, 200, "the old email was released: {body}");

    // The captcha is required.
    let (status, body) = post_with_token(
        &app,
        "/api/User/modifyBasicInfo",
        &token,
        &[("nickname", "x")],
    )
    .await;
    assert_eq!((status, code(&body)), (400, Some(200002)), "{body}");
    // Nothing to change.
    let (status, body) = modify_basic(&app, &token, &[]).await;
    assert_eq!((status, code(&body)), (400, Some(100004)), "{body}");

    // Passwords: confirm must match, the old one is refused.
    let (_, body) = modify_basic(
        &app,
        &token,
        &[("newpassword", "brand-new-pass"), ("confirm", "other")],
    )
    .await;
    assert_eq!(code(&body), Some(100004), "{body}");
    let (status, body) = modify_basic(
        &app,
        &token,
        &[("newpassword", &password), ("confirm", &password)],
    )
    .await;
    assert_eq!((status, code(&body)), (400, Some(202304)), "{body}");

    // A second session, then a new password: the second ends, this one stays.
    let (_, other) = app.login(&username, &password).await;
    let other = other["access_token"].as_str().unwrap().to_owned();
    let (status, body) = modify_basic(
        &app,
        &token,
        &[
            ("newpassword", "brand-new-pass"),
            ("confirm", "brand-new-pass"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        post_with_token(&app, "/apis/Users/show", &other, &[("uid", "10001")]).await;
    assert_eq!(
        (status, code(&body)),
        (401, Some(201203)),
        "other session ended: {body}"
    );
    // Routes that read (or spend a captcha) beside the token check refuse it too, having
    // changed nothing: no binding, no nickname, a bad page number answered after the token.
    let device = format!("ended-{}", app.run);
    let bind = json!({"client_id": device, "client_type": "ios"});
    let (status, body) = app
        .center(Method::POST, "/api/push/bind", &other, Some(&bind))
        .await;
    assert_eq!((status, code(&body)), (401, Some(10004)), "{body}");
    let switch = format!("/api/push/switch/{device}");
    let (status, body) = app.center(Method::GET, &switch, &token, None).await;
    assert_eq!(
        (status, code(&body)),
        (404, Some(10001)),
        "not bound: {body}"
    );
    let (status, body) = app
        .center(Method::GET, "/api/push/log?page_no=x", &other, None)
        .await;
    assert_eq!((status, code(&body)), (401, Some(10004)), "{body}");
    let (status, body) =
        post_with_token(&app, "/api/User/friends", &other, &[("page_no", "x")]).await;
    assert_eq!((status, code(&body)), (401, Some(201203)), "{body}");
    let ended = format!("ended {}", app.run);
    let (status, body) = modify_basic(&app, &other, &[("nickname", &ended)]).await;
    assert_eq!((status, code(&body)), (401, Some(201203)), "{body}");
    let still = format!("still {}", app.run);
    let (status, body) = modify_basic(&app, &token, &[("nickname", &still)]).await;
    assert_eq!(status, 200, "this session stays: {body}");
    let (status, _) = app.login(&username, &password).await;
    assert_eq!(status, 401, "the old password is dead");
    let (status, body) = app.login(&username, "brand-new-pass").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn racing_email_changes_give_the_address_to_exactly_one_account() {
    let app = TestApp::new();
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(account(&app, &format!("race{i}")).await.3);
    }
    let contested = app.email("contested");
    // Captchas first, so the changes themselves start together.
    let mut captchas = Vec::new();
    for _ in &tokens {
        captchas.push(app.captcha().await);
    }
    let results = futures_util::future::join_all(tokens.iter().zip(&captchas).map(|(token, c)| {
        let request = app
            .http
            .post(app.url("/api/User/modifyBasicInfo"))
            .bearer_auth(token)
            .header("x-captcha-key", &c.key)
            .form(&[
                ("email", contested.as_str()),
                ("captcha", c.answer.as_str()),
            ]);
        async move { json(request.send().await.unwrap()).await }
    }))
    .await;
    let won = results.iter().filter(|(s, _)| *s == 200).count();
    let taken = results
        .iter()
        .filter(|(s, b)| *s == 409 && code(b) == Some(202003))
        .count();
    assert_eq!((won, taken), (1, tokens.len() - 1), "{results:?}");
    let (_, body) = json(
        app.post_form("/api/User/validateUniqueEmail", &[("email", &contested)])
            .await,
    )
    .await;
    assert_eq!(code(&body), Some(202003), "the guard is held: {body}");
}

#[tokio::test]
async fn detail_info_changes_only_the_fields_given_and_checks_each() {
    let app = TestApp::new();
    let (_, _, _, token) = account(&app, "detail").await;
    let (status, body) = post_with_token(
        &app,
        "/api/User/modifyDetailInfo",
        &token,
        &[
            ("realname", "李雷"),
            ("idcard", "11010519491231002X"),
            ("postalcode", "100080"),
            ("gender", "male"),
            ("majorcode", "CS-01"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["detail"]["realname"], "李雷");
    assert_eq!(body["detail"]["idcard"], "110105********002X", "masked");
    assert_eq!(body["gender"], 1);
    let (status, body) = post_with_token(
        &app,
        "/api/User/modifyDetailInfo",
        &token,
        &[("address", "北京市海淀区")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["detail"]["realname"], "李雷", "kept");
    assert_eq!(body["address"], "北京市海淀区");

    for (field, value) in [
        ("idcard", "110105194912310021"),
        ("postalcode", "1000"),
        ("gender", "maybe"),
        ("departmentcode", "a b"),
    ] {
        let (status, body) = post_with_token(
            &app,
            "/api/User/modifyDetailInfo",
            &token,
            &[(field, value)],
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (400, Some(100004)),
            "{field}: {body}"
        );
        assert_eq!(body["field"], field);
    }
    let (_, body) = post_with_token(&app, "/api/User/modifyDetailInfo", &token, &[]).await;
    assert_eq!(code(&body), Some(100004), "nothing given: {body}");
}

#[tokio::test]
async fn an_sns_identity_registers_binds_to_one_account_and_unbinds() {
    let app = TestApp::new();
    let weibo_id = format!("wb-{}", app.run);
    let ticket = app.sns_ticket("weibo", &weibo_id);
    let username = format!("sns_{}", app.run);
    let email = app.email("sns");
    let reg = |ticket: String, username: String, email: String| {
        let app = &app;
        async move {
            json(
                app.post_form(
                    "/api/User/snsreg",
                    &[
                        ("type", "reg"),
                        ("sns_ticket", &ticket),
                        ("username", &username),
                        ("password", "sns-pass-123"),
                        ("confirm", "sns-pass-123"),
                        ("email", &email),
                    ],
                )
                .await,
            )
            .await
        }
    };
    let (status, body) = reg(ticket.clone(), username.clone(), email.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channel"], "weibo");
    let token = body["access_token"].as_str().unwrap().to_owned();

    // A ticket is redeemed once.
    let (status, body) = reg(
        ticket.clone(),
        format!("sns1_{}", app.run),
        app.email("sns1"),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (401, Some(203203)),
        "a spent ticket: {body}"
    );
    assert_eq!(body["message"], "Login failed with weibo");

    // The identity is bound: not to a second account, by either type.
    let fresh = || app.sns_ticket("weibo", &weibo_id);
    let (status, body) = reg(fresh(), format!("sns2_{}", app.run), app.email("sns2")).await;
    assert_eq!((status, code(&body)), (409, Some(203204)), "{body}");
    assert_eq!(body["message"], "Account has been bound to weibo");
    let (other, _, other_password, _) = account(&app, "snsother").await;
    let log = |ticket: String, username: String, password: String| {
        let app = &app;
        async move {
            json(
                app.post_form(
                    "/api/User/snsreg",
                    &[
                        ("type", "log"),
                        ("sns_ticket", &ticket),
                        ("username", &username),
                        ("password", &password),
                    ],
                )
                .await,
            )
            .await
        }
    };
    let (status, body) = log(fresh(), other.clone(), other_password.clone()).await;
    assert_eq!((status, code(&body)), (409, Some(203204)), "{body}");

    // A forged ticket names its channel in the refusal.
    let mut forged = fresh();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let (status, body) = log(forged, other.clone(), other_password.clone()).await;
    assert_eq!((status, code(&body)), (401, Some(203203)), "{body}");
    assert_eq!(body["message"], "Login failed with weibo");

    // A qq identity binds to the other account with its password.
    let qq = app.sns_ticket("qq", &format!("qq-{}", app.run));
    let (status, body) = log(qq.clone(), other.clone(), "wrong-password".into()).await;
    assert_eq!((status, code(&body)), (401, Some(202103)), "{body}");
    // That ticket tried its one password.
    let (status, body) = log(qq.clone(), other.clone(), other_password.clone()).await;
    assert_eq!((status, code(&body)), (401, Some(203203)), "{body}");
    let qq = app.sns_ticket("qq", &format!("qq-{}", app.run));
    let (status, body) = log(qq.clone(), other.clone(), other_password.clone()).await;
    assert_eq!(status, 200, "{body}");
    let other_token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = log(
        app.sns_ticket("qq", "another-qq"),
        other.clone(),
        other_password,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (409, Some(203204)),
        "one qq per account: {body}"
    );

    // Unbinding: the bound channel goes, once.
    let (status, body) =
        post_with_token(&app, "/api/User/unbind", &other_token, &[("channel", "qq")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sns"], json!([]));
    let (status, body) =
        post_with_token(&app, "/api/User/unbind", &other_token, &[("channel", "qq")]).await;
    assert_eq!((status, code(&body)), (400, Some(202302)), "{body}");
    // Without a channel: the only one bound.
    let (status, body) = post_with_token(&app, "/api/User/unbind", &token, &[]).await;
    assert_eq!(status, 200, "{body}");
    // The identity is free again.
    let (status, body) = log(fresh(), other, "profile-pass-1".into()).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn users_show_gives_the_public_profile_with_a_per_client_openid() {
    let app = TestApp::new();
    let (username, _, _, token) = account(&app, "show").await;
    let uid = {
        let (_, me) = json(
            app.http
                .get(app.url("/api/personal/info"))
                .header("authorization", format!("Token {token}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        me["data"]["id"].as_u64().unwrap().to_string()
    };
    let (status, body) =
        modify_basic(&app, &token, &[("nickname", &format!("Show {}", app.run))]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_with_token(&app, "/apis/Users/show", &token, &[("uid", &uid)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["request"], "apis/Users/show");
    assert_eq!(body["username"], username.as_str());
    assert_eq!(body["nickname"], format!("Show {}", app.run));
    assert_eq!(body["gender"], "Secret");
    assert_eq!(body["avatar"], "");
    let openid = body["openid"].as_str().unwrap();
    assert_eq!(openid.len(), 40);
    let (_, again) = post_with_token(&app, "/apis/users/show", &token, &[("uid", &uid)]).await;
    assert_eq!(
        again["openid"], openid,
        "stable, and the lower-case path works"
    );

    let (status, body) =
        post_with_token(&app, "/apis/Users/show", &token, &[("uid", "99999999")]).await;
    assert_eq!((status, code(&body)), (404, Some(100004)), "{body}");
    let (status, body) = post_with_token(&app, "/apis/Users/show", &token, &[("uid", "x")]).await;
    assert_eq!((status, code(&body)), (400, Some(200001)), "{body}");
    assert_eq!(body["field"], "uid");
    let (status, body) = json(app.post_form("/apis/Users/show", &[("uid", &uid)]).await).await;
    assert_eq!((status, code(&body)), (401, Some(200010)), "{body}");
}

async fn personal(app: &TestApp, token: &str, method: Method, body: Option<Value>) -> (u16, Value) {
    let mut request = app
        .http
        .request(method, app.url("/api/personal/info"))
        .header("authorization", format!("Token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn personal_info_put_changes_only_the_fields_given() {
    let app = TestApp::new();
    let (_, _, _, token) = account(&app, "personal").await;
    let nickname = format!("P {}", app.run);
    let (status, body) = personal(
        &app,
        &token,
        Method::PUT,
        Some(json!({"nickname": nickname, "gender": 0, "birthday": "1991-03-08", "avatar": "https://cdn.example.com/a.png"})),
    )
    .await;
    assert_eq!((status, code(&body)), (200, Some(0)), "{body}");
    assert_eq!(body["data"]["nickname"], nickname.as_str());
    assert_eq!(body["data"]["gender"], 0);
    assert_eq!(body["data"]["birthday"], "1991-03-08");
    assert_eq!(body["data"]["avatar"], "https://cdn.example.com/a.png");

    let (_, body) = personal(&app, &token, Method::PUT, Some(json!({"address": "上海"}))).await;
    let (_, got) = personal(&app, &token, Method::GET, None).await;
    assert_eq!(body["data"], got["data"]);
    assert_eq!(got["data"]["address"], "上海");
    assert_eq!(got["data"]["nickname"], nickname.as_str(), "kept");
    assert_eq!(got["data"]["birthday"], "1991-03-08", "kept");

    for (bad, field) in [
        (json!({"gender": 5}), "gender"),
        (json!({"birthday": "08/03/1991"}), "birthday"),
        (json!({"avatar": "ftp://x"}), "avatar"),
    ] {
        let (status, body) = personal(&app, &token, Method::PUT, Some(bad.clone())).await;
        assert_eq!((status, code(&body)), (400, Some(10005)), "{bad}: {body}");
        assert_eq!(body["field"], field);
    }
    // A bad field spoils the whole request: nothing of it is written.
    let (status, _) = personal(
        &app,
        &token,
        Method::PUT,
        Some(json!({"address": "广州", "gender": 9})),
    )
    .await;
    assert_eq!(status, 400);
    let (_, got) = personal(&app, &token, Method::GET, None).await;
    assert_eq!(got["data"]["address"], "上海");

    let (_, _, _, rival) = account(&app, "personal2").await;
    let (status, body) = personal(
        &app,
        &rival,
        Method::PUT,
        Some(json!({"nickname": nickname})),
    )
    .await;
    assert_eq!((status, code(&body)), (409, Some(10009)), "{body}");
    let (status, body) = personal(&app, "nope", Method::PUT, Some(json!({"address": "x"}))).await;
    assert_eq!((status, code(&body)), (401, Some(10004)), "{body}");
}
