//! v2 `/api/User/*`: sign-up, uniqueness, sign-in, lockout and verification codes.

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::join_all;
use passport_tests::{json, TestApp};
use serde_json::json;

const PASSWORD: &str = "s3cret-pass";

#[tokio::test]
async fn registering_creates_an_account_whose_names_are_then_taken() {
    let app = TestApp::new();
    let (name, email) = (format!("li_{}", app.run), app.email("reg"));
    let free = |path: &'static str, field: &'static str, value: String| {
        let app = &app;
        async move { json(app.post_form(path, &[(field, value.as_str())]).await).await }
    };
    assert_eq!(
        free("/api/User/validateUniqueUsername", "username", name.clone())
            .await
            .0,
        200
    );
    assert_eq!(
        free("/api/User/validateUniqueEmail", "email", email.clone())
            .await
            .0,
        200
    );

    let uid = app.register(&name, &email, PASSWORD).await;
    assert!(uid > 10000);

    let (status, body) = free(
        "/api/User/validateUniqueUsername",
        "username",
        name.to_uppercase(),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (409, Some(202002)));
    assert_eq!(body["message"], "The username already registered");
    let (status, body) = free(
        "/api/User/validateUniqueEmail",
        "email",
        email.to_uppercase(),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (409, Some(202003)));

    let (status, body) = json(
        app.post_form(
            "/api/User/register",
            &[
                ("username", &name),
                ("email", &app.email("other")),
                ("password", PASSWORD),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (409, Some(202002)));
    assert_eq!(body["message"], "The username already exists");
    let (status, body) = json(
        app.post_form(
            "/api/User/register",
            &[
                ("username", &format!("x{}", app.run)),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (409, Some(202003)));
}

#[tokio::test]
async fn bad_registrations_name_the_field_and_store_nothing() {
    let app = TestApp::new();
    let email = app.email("bad");
    for (username, password, email, field) in [
        ("a", PASSWORD, email.as_str(), "username"),
        ("li lei", PASSWORD, email.as_str(), "username"),
        ("li_lei_ok", "12345", email.as_str(), "password"),
        ("li_lei_ok", PASSWORD, "nope", "email"),
    ] {
        let (status, body) = json(
            app.post_form(
                "/api/User/register",
                &[
                    ("username", username),
                    ("password", password),
                    ("email", email),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body["error_code"].as_u64(), body["field"].as_str()),
            (400, Some(100004), Some(field)),
            "{body}"
        );
    }
    assert_eq!(
        json(
            app.post_form("/api/User/validateUniqueEmail", &[("email", &email)])
                .await
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn fifty_parallel_registrations_of_one_username_make_exactly_one_account() {
    let app = TestApp::new();
    let name = format!("race_{}", app.run);
    let emails: Vec<String> = (0..50).map(|i| app.email(&format!("race{i}"))).collect();
    // From five networks, each within its own sign-up budget.
    let networks: Vec<reqwest::Client> = (0..5).map(|_| app.from_another_address()).collect();
    let attempts = emails.iter().enumerate().map(|(i, email)| {
        let (app, name, http) = (&app, name.clone(), &networks[i % 5]);
        async move {
            json(
                http.post(app.url("/api/User/register"))
                    .form(&[
                        ("username", name.as_str()),
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                    ])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    });
    let results = join_all(attempts).await;
    let won: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    let lost = results
        .iter()
        .filter(|(s, b)| *s == 409 && b["error_code"] == 202002)
        .count();
    assert_eq!(won.len(), 1, "exactly one account: {results:?}");
    assert_eq!(
        lost, 49,
        "every other attempt gets the documented error, none a 500"
    );

    // Nothing half-written: only the winner's email is guarded.
    let db = app.dynamodb().await;
    let mut guarded = 0;
    for email in &emails {
        let item = db
            .get_item()
            .table_name("PassportTable")
            .key("pk", AttributeValue::S(format!("UNIQUE#EMAIL#{email}")))
            .key("sk", AttributeValue::S("GUARD".into()))
            .send()
            .await
            .unwrap()
            .item;
        guarded += usize::from(item.is_some());
    }
    assert_eq!(guarded, 1);
}

#[tokio::test]
async fn login_needs_a_fresh_right_captcha() {
    let app = TestApp::new();
    let name = format!("cap_{}", app.run);
    app.register(&name, &app.email("cap"), PASSWORD).await;

    let (status, body) = json(
        app.post_form(
            "/api/User/login",
            &[("username", name.as_str()), ("password", PASSWORD)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_u64(), body["field"].as_str()),
        (400, Some(200002), Some("captcha"))
    );

    let c = app.captcha().await;
    let wrong = if c.answer == "00000" {
        "11111"
    } else {
        "00000"
    };
    let attempt = |answer: &str| {
        app.http
            .post(app.url("/api/User/login"))
            .header("x-captcha-key", &c.key)
            .form(&[
                ("username", name.as_str()),
                ("password", PASSWORD),
                ("captcha", answer),
            ])
            .send()
    };
    let (status, body) = json(attempt(wrong).await.unwrap()).await;
    assert_eq!((status, body["error_code"].as_u64()), (400, Some(200002)));
    let (status, _) = json(attempt(&c.answer).await.unwrap()).await;
    assert_eq!(
        status, 400,
        "a captcha is checked once, even when the answer was wrong"
    );

    let (status, body) = app.login(&name, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["access_token"].as_str().unwrap().split('.').count() == 3,
        "a JWT"
    );
    assert!(
        body["refresh_token"].as_str().unwrap().len() >= 43,
        "at least 256 bits"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::new();
    let name = format!("pw_{}", app.run);
    let email = app.email("pw");
    app.register(&name, &email, PASSWORD).await;
    let (s1, wrong) = app.login(&name, "not-the-password").await;
    let (s2, unknown) = app
        .login(&format!("nobody_{}", app.run), "not-the-password")
        .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error_code"], 202103);
    let (status, body) = app.login(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(status, 200, "email works as the login name: {body}");
    let (status, body) = json(app.post_form("/api/User/login", &[("username", "")]).await).await;
    assert_eq!((status, body["error_code"].as_u64()), (400, Some(202102)));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let app = TestApp::new();
    let name = format!("lock_{}", app.run);
    app.register(&name, &app.email("lock"), PASSWORD).await;
    for _ in 0..4 {
        assert_eq!(
            app.login(&name, "wrong-password").await.1["error_code"],
            202103
        );
    }
    let (status, body) = app.login(&name, "wrong-password").await;
    assert_eq!((status, body["error_code"].as_u64()), (429, Some(203202)));
    assert_eq!(
        body["message"],
        "Failed login greater than 5 times, account locked for 15 minutes"
    );
    let (status, body) = app.login(&name, PASSWORD).await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (429, Some(203202)),
        "locked means locked"
    );
}

#[tokio::test]
async fn two_hundred_parallel_wrong_passwords_get_no_more_than_five_checks() {
    let app = TestApp::new();
    let name = format!("storm_{}", app.run);
    app.register(&name, &app.email("storm"), PASSWORD).await;
    let mut captchas = Vec::new();
    for _ in 0..200 {
        captchas.push(app.captcha().await);
    }
    // From four networks, each within its own sign-in budget: the account's lock holds
    // whatever the addresses.
    let networks: Vec<reqwest::Client> = (0..4).map(|_| app.from_another_address()).collect();
    let attempts = captchas.iter().enumerate().map(|(i, c)| {
        let (app, name, http) = (&app, name.clone(), &networks[i % 4]);
        async move {
            json(
                http.post(app.url("/api/User/login"))
                    .header("x-captcha-key", &c.key)
                    .form(&[
                        ("username", name.as_str()),
                        ("password", "wrong-password"),
                        ("captcha", c.answer.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    });
    let results = join_all(attempts).await;
    let incorrect = results
        .iter()
        .filter(|(_, b)| b["error_code"] == 202103)
        .count();
    let locked = results
        .iter()
        .filter(|(_, b)| b["error_code"] == 203202)
        .count();
    assert_eq!(
        incorrect + locked,
        200,
        "no other answer, no 500: {:?}",
        results
            .iter()
            .find(|(_, b)| b["error_code"] != 202103 && b["error_code"] != 203202)
    );
    assert_eq!(
        incorrect, 4,
        "four failures are told, the fifth locks, the rest never reach the password check"
    );
}

#[tokio::test]
async fn a_mailed_code_validates_once_and_marks_the_address() {
    let app = TestApp::new();
    let email = app.email("code");
    app.register(&format!("code_{}", app.run), &email, PASSWORD)
        .await;
    let (status, body) = json(
        app.post_form("/api/User/sendcode", &[("medium", &email)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let code = app.mailed_code(&email).await;

    let (status, body) = json(
        app.post_form("/api/User/sendcode", &[("medium", &email)])
            .await,
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (429, Some(202007)));
    let wait: u32 = body["message"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .nth(7)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=60).contains(&wait),
        "the message says how long to wait: {body}"
    );

    let validate = |code: String| {
        let (app, email) = (&app, email.clone());
        async move {
            json(
                app.post_form(
                    "/api/User/validateCommunicationCode",
                    &[("code", code.as_str()), ("medium", email.as_str())],
                )
                .await,
            )
            .await
        }
    };
    let (status, body) = validate(code.clone()).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = validate(code).await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (400, Some(202006)),
        "single use"
    );

    let guard = app
        .item(&format!("UNIQUE#EMAIL#{email}"), "GUARD")
        .await
        .unwrap();
    let uid = guard["uid"].as_n().unwrap().clone();
    let user = app.item(&format!("USER#{uid}"), "PROFILE").await.unwrap();
    assert_eq!(user["email_verified"], AttributeValue::Bool(true));
    assert!(
        !user.values().any(|v| v.as_s().is_ok_and(|s| s == PASSWORD)),
        "the password is stored only hashed"
    );
    assert!(user["password_hash"]
        .as_s()
        .unwrap()
        .starts_with("$argon2id$"));
}

#[tokio::test]
async fn five_wrong_tries_void_a_code_and_it_is_stored_only_hashed() {
    let app = TestApp::new();
    let email = app.email("void");
    assert_eq!(
        json(
            app.post_form("/api/User/sendcode", &[("medium", &email)])
                .await
        )
        .await
        .0,
        200
    );
    let code = app.mailed_code(&email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (_, body) = json(
            app.post_form(
                "/api/User/validateCommunicationCode",
                &[("code", wrong), ("medium", &email)],
            )
            .await,
        )
        .await;
        assert_eq!(body["error_code"], 202006);
    }
    let (status, _) = json(
        app.post_form(
            "/api/User/validateCommunicationCode",
            &[("code", &code), ("medium", &email)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "void after five wrong tries");

    let item = app
        .item(&format!("CODE#verify#{email}"), "CODE")
        .await
        .unwrap();
    assert!(
        item.values()
            .all(|v| v.as_s().map_or(true, |s| !s.contains(&code))),
        "no plain code at rest"
    );
}

#[tokio::test]
async fn sendcode_without_a_medium_uses_the_signed_in_users_email_or_says_not_logged_in() {
    let app = TestApp::new();
    let (status, body) = json(app.post_form("/api/User/sendcode", &[]).await).await;
    assert_eq!((status, body["error_code"].as_u64()), (401, Some(202101)));

    let (name, email) = (format!("me_{}", app.run), app.email("me"));
    app.register(&name, &email, PASSWORD).await;
    let (_, login) = app.login(&name, PASSWORD).await;
    let token = login["access_token"].as_str().unwrap();
    let r = app
        .http
        .post(app.url("/api/User/sendcode"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.mailed_code(&email).await.len(), 6);
}

#[tokio::test]
async fn sms_codes_are_published_to_the_phone_number_through_sns() {
    let app = TestApp::new();
    let phone = app.phone();
    let (status, body) = json(
        app.post_form("/api/User/sendcode", &[("medium", &phone)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sms: serde_json::Value = app
        .http
        .get(format!("{}/moto-api/data.json", app.stack.moto))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = sms.to_string();
    assert!(
        text.contains(&format!("+86{phone}")),
        "moto recorded a publish to +86{phone}"
    );
}

#[tokio::test]
async fn the_hourly_cap_holds_even_without_an_interval() {
    let app = TestApp::new();
    let email = app.email("cap");
    let event = |n: usize| {
        let mut event: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                passport_tests::repo_root().join("events/users-sendcode.json"),
            )
            .unwrap(),
        )
        .unwrap();
        event["body"] = json!(format!("medium={}", email.replace('@', "%40")));
        event["requestContext"]["requestId"] = json!(format!("cap-{n}"));
        event
    };
    let env = [
        ("CODE_SEND_INTERVAL_SECONDS", "0"),
        ("CODE_HOURLY_CAP", "2"),
    ];
    for n in 0..2 {
        assert_eq!(app.invoke("users", &event(n), &env)["statusCode"], 200);
    }
    let answer = app.invoke("users", &event(2), &env);
    assert_eq!(answer["statusCode"], 429);
    let body: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error_code"], 202007);
    assert_eq!(app.mails_to(&email).await.len(), 2);
}

#[tokio::test]
async fn a_code_past_its_lifetime_is_refused_by_the_code_not_only_by_ttl() {
    let app = TestApp::new();
    let email = app.email("expire");
    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(passport_tests::repo_root().join("events/users-sendcode.json"))
            .unwrap(),
    )
    .unwrap();
    event["body"] = json!(format!("medium={}", email.replace('@', "%40")));
    // Sent by the real function with a one-second lifetime, then checked by the running one.
    assert_eq!(
        app.invoke("users", &event, &[("CODE_LIFETIME_SECONDS", "1")])["statusCode"],
        200
    );
    let code = app.mailed_code(&email).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = json(
        app.post_form(
            "/api/User/validateCommunicationCode",
            &[("code", &code), ("medium", &email)],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (400, Some(202006)));
}
