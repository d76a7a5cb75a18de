//! `GET|POST /api/Image/captcha` and `/api/Image/captchaVerify` (§2.5).

use passport_tests::{json, TestApp};

#[tokio::test]
async fn the_captcha_is_a_real_image_in_the_asked_type_with_a_key_cookie() {
    let app = TestApp::new();
    for (kind, content_type, magic) in [
        ("png", "image/png", &b"\x89PNG"[..]),
        ("jpg", "image/jpeg", &b"\xFF\xD8\xFF"[..]),
        ("bmp", "image/bmp", &b"BM"[..]),
    ] {
        let r = app
            .http
            .get(app.url(&format!("/api/Image/captcha?type={kind}&id=login")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], content_type);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.starts_with("passport_captcha=") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(magic), "{kind} starts with its signature");
        assert!(
            bytes.len() > 500,
            "{kind} is a picture, not a stub ({} bytes)",
            bytes.len()
        );
    }
}

#[tokio::test]
async fn an_unknown_type_or_scenario_is_a_v2_validation_error() {
    let app = TestApp::new();
    let (status, body) = json(
        app.http
            .get(app.url("/api/Image/captcha?type=gif"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_u64(), body["field"].as_str()),
        (400, Some(100004), Some("type"))
    );
    let (status, body) = json(
        app.http
            .get(app.url("/api/Image/captcha?id=a%20b"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("id")));
}

#[tokio::test]
async fn verify_accepts_the_right_answer_once_and_flush_no_keeps_it() {
    let app = TestApp::new();
    let c = app.captcha().await;
    let verify = |flush: &'static str, answer: String, key: String| {
        let app = &app;
        async move {
            json(
                app.http
                    .post(app.url("/api/Image/captchaVerify"))
                    .header("x-captcha-key", key)
                    .form(&[("captcha", answer.as_str()), ("flush", flush)])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (status, body) = verify("no", c.answer.clone(), c.key.clone()).await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (200, Some(0)),
        "{body}"
    );
    let (status, _) = verify("yes", c.answer.clone(), c.key.clone()).await;
    assert_eq!(status, 200, "flush=no left it usable");
    let (status, body) = verify("yes", c.answer.clone(), c.key.clone()).await;
    assert_eq!(status, 400, "flush=yes used it up");
    assert_eq!(body["error_code"], 200002);
    assert_eq!(body["message"], "Captcha verification failed");
}

#[tokio::test]
async fn a_wrong_answer_fails_and_uses_the_captcha_up() {
    let app = TestApp::new();
    let c = app.captcha().await;
    let wrong = if c.answer == "00000" {
        "11111"
    } else {
        "00000"
    };
    let send = |answer: &str| {
        app.http
            .post(app.url("/api/Image/captchaVerify"))
            .header("x-captcha-key", &c.key)
            .form(&[("captcha", answer)])
            .send()
    };
    let (status, body) = json(send(wrong).await.unwrap()).await;
    assert_eq!((status, body["error_code"].as_u64()), (400, Some(200002)));
    let (status, _) = json(send(&c.answer).await.unwrap()).await;
    assert_eq!(
        status, 400,
        "the right answer after a wrong one is too late"
    );
}

#[tokio::test]
async fn the_cookie_alone_identifies_a_browsers_captcha() {
    let app = TestApp::new();
    let c = app.captcha().await;
    let (status, _) = json(
        app.http
            .post(app.url("/api/Image/captchaVerify"))
            .header("cookie", format!("other=1; passport_captcha={}", c.key))
            .form(&[("captcha", c.answer.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
}
