//! What an attacker and a load test found from outside (issue 16), each case as they sent it.

use crate::oauth::{client, user, v1_code, REDIRECT};
use passport_tests::{code_of, gateway_event as event, json, repo_root, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_refused_at_every_token_route() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &[]);
    let secret = secret.unwrap();
    let (_, _, token) = user(&app, "downgrade").await;
    let verifier = "a".repeat(43);
    for (path, status, code, error) in [
        ("/apis/Oauth/accessToken", 400, Some(201102), None),
        ("/api/Oauth/accessToken", 400, Some(201215), None),
        ("/oauth2/token", 400, None, Some("invalid_grant")),
    ] {
        let code_value = v1_code(&app, &id, &token).await;
        let form = [
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", &code_value),
            ("code_verifier", &verifier),
        ];
        let (s, body) = json(app.post_form(path, &form).await).await;
        assert_eq!(
            (s, code_of(&body), body["error"].as_str()),
            (status, code, error),
            "{path}: {body}"
        );
        // The refused code is spent, and gives nothing without a verifier either.
        let (s, _) = json(app.post_form(path, &form[..5]).await).await;
        assert_eq!(s, 400, "{path}: a refused code stays refused");
    }
    // Without a verifier, a code issued without a challenge still works (confidential client).
    let code_value = v1_code(&app, &id, &token).await;
    let (s, body) = json(
        app.post_form(
            "/oauth2/token",
            &[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT),
                ("code", &code_value),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{body}");
}

/// How one sign-in attempt was answered, in words that do not depend on the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Wrong,
    Locked,
    SignedIn,
}

/// One wrong-or-right sign-in through `path`: its outcome.
async fn attempt(
    app: &TestApp,
    path: &str,
    name: &str,
    password: &str,
    grant_client: &(String, String),
) -> Outcome {
    match path {
        "login" => {
            let (status, body) = app.login(name, password).await;
            match (status, code_of(&body)) {
                (200, _) => Outcome::SignedIn,
                (401, Some(202103)) => Outcome::Wrong,
                (429, Some(203202)) => Outcome::Locked,
                other => panic!("login: {other:?} {body}"),
            }
        }
        "access_token" => {
            let (status, body) = json(
                app.post_json(
                    "/api/auth/access_token",
                    &json!({"account": name, "password": password}),
                )
                .await,
            )
            .await;
            match (status, code_of(&body)) {
                (200, _) => Outcome::SignedIn,
                (401, Some(10007)) => Outcome::Wrong,
                (429, Some(10000)) => Outcome::Locked,
                other => panic!("access_token: {other:?} {body}"),
            }
        }
        "password_grant" => {
            let (status, body) = json(
                app.http
                    .post(app.url("/oauth2/token"))
                    .basic_auth(&grant_client.0, Some(&grant_client.1))
                    .form(&[
                        ("grant_type", "password"),
                        ("username", name),
                        ("password", password),
                    ])
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let description = body["error_description"].as_str().unwrap_or("");
            match (status, body["error"].as_str()) {
                (200, _) => Outcome::SignedIn,
                (400, Some("invalid_grant")) if description.contains("locked") => Outcome::Locked,
                (400, Some("invalid_grant")) => Outcome::Wrong,
                other => panic!("password grant: {other:?} {body}"),
            }
        }
        "hosted" => {
            let page = app
                .http
                .get(app.url("/oauth2/authorize"))
                .query(&[
                    ("response_type", "code"),
                    ("client_id", grant_client.0.as_str()),
                    ("redirect_uri", REDIRECT),
                ])
                .send()
                .await
                .unwrap();
            let binding = crate::oauth_standard::binding_of(&page).unwrap();
            let page = page.text().await.unwrap();
            let field = |marker: &str| {
                let start = page
                    .find(marker)
                    .unwrap_or_else(|| panic!("{marker}: {page}"))
                    + marker.len();
                page[start..].split('"').next().unwrap().to_owned()
            };
            let answer = app
                .http
                .post(app.url("/oauth2/authorize"))
                .header("cookie", binding)
                .form(&[
                    ("request", field("name=\"request\" value=\"").as_str()),
                    ("step", "signin"),
                    ("captcha_key", &field("name=\"captcha_key\" value=\"")),
                    ("captcha", &field("data-answer=\"")),
                    ("username", name),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if answer.contains("id=\"allow\"") {
                Outcome::SignedIn
            } else if answer.contains("locked") {
                Outcome::Locked
            } else if answer.contains("Wrong username or password") {
                Outcome::Wrong
            } else {
                panic!("hosted page: {answer}")
            }
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn an_unknown_name_locks_as_an_account_does_on_every_sign_in_path() {
    let app = TestApp::new();
    let (id, secret) = client(
        &app,
        &[
            "--first-party",
            "--grant",
            "password",
            "--grant",
            "authorization_code",
        ],
    );
    let grant_client = (id, secret.unwrap());
    let expected = [
        Outcome::Wrong,
        Outcome::Wrong,
        Outcome::Wrong,
        Outcome::Wrong,
        Outcome::Locked,
        Outcome::Locked,
    ];
    for path in ["login", "access_token", "password_grant", "hosted"] {
        // The center signs in by email; the others by username (or email).
        let existing = format!("lk{}_{}", &path[..3], app.run);
        let email = app.email(&format!("lock-{path}"));
        app.register(&existing, &email, "the-right-pass").await;
        let known = if path == "access_token" {
            email
        } else {
            existing
        };
        let unknown = if path == "access_token" {
            app.email(&format!("nobody-{path}"))
        } else {
            format!("nobody{}_{}", &path[..3], app.run)
        };
        for name in [&known, &unknown] {
            let mut seen = Vec::new();
            for _ in 0..expected.len() {
                seen.push(attempt(&app, path, name, "a-wrong-pass", &grant_client).await);
            }
            assert_eq!(seen, expected, "{path}, {name}");
        }
        // Locked means locked, even for the right password.
        assert_eq!(
            attempt(&app, path, &known, "the-right-pass", &grant_client).await,
            Outcome::Locked,
            "{path}"
        );
    }
}

/// The DynamoDB calls one invocation of `function` on `event` made (sorted operation names)
/// and how many of them ran one after another, from the meter (passport_local::meter).
fn metered(app: &TestApp, function: &str, event: &Value) -> (u16, Vec<String>, u64) {
    let file = std::env::temp_dir().join(format!(
        "passport-meter-{}-{}.jsonl",
        app.run,
        uuid::Uuid::new_v4()
    ));
    let answer = app.invoke_metered(function, event, &file);
    let line: Value = serde_json::from_str(
        std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let _ = std::fs::remove_file(&file);
    let mut ops: Vec<String> = line["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap().to_owned())
        .collect();
    ops.sort();
    (
        answer["statusCode"].as_u64().unwrap() as u16,
        ops,
        line["sequential"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn unknown_and_existing_accounts_cost_the_same_dynamodb_calls() {
    let app = TestApp::new();
    let username = format!("meter_{}", app.run);
    let email = app.email("meter");
    app.register(&username, &email, "the-right-pass").await;
    let (id, secret) = client(&app, &["--first-party", "--grant", "password"]);
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{id}:{}", secret.unwrap())
        )
    );
    let form = "application/x-www-form-urlencoded";
    let nobody_email = app.email("meter-nobody");
    let nobody = format!("nobody_{}", app.run);
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "account",
            event(
                "POST",
                "/api/auth/access_token",
                "application/json",
                &json!({"account": email, "password": "wrong-pass"}).to_string(),
                &[],
            ),
            event(
                "POST",
                "/api/auth/access_token",
                "application/json",
                &json!({"account": nobody_email, "password": "wrong-pass"}).to_string(),
                &[],
            ),
        ),
        (
            "oauth",
            event(
                "POST",
                "/oauth2/token",
                form,
                &format!("grant_type=password&username={username}&password=wrong-pass"),
                &[("authorization", &basic)],
            ),
            event(
                "POST",
                "/oauth2/token",
                form,
                &format!("grant_type=password&username={nobody}&password=wrong-pass"),
                &[("authorization", &basic)],
            ),
        ),
        (
            "users",
            event(
                "POST",
                "/apis/Users/forgotPassword",
                form,
                &format!("account={username}"),
                &[],
            ),
            event(
                "POST",
                "/apis/Users/forgotPassword",
                form,
                &format!("account={nobody}"),
                &[],
            ),
        ),
    ];
    for (function, existing, unknown) in cases {
        let (s1, known_calls, known_depth) = metered(&app, function, &existing);
        let (s2, unknown_calls, unknown_depth) = metered(&app, function, &unknown);
        assert_eq!(s1, s2, "{function}: the same answer");
        assert!(
            !known_calls.is_empty(),
            "{function}: the meter saw the calls"
        );
        assert_eq!(
            (known_calls, known_depth),
            (unknown_calls, unknown_depth),
            "{function} {}: the same calls, in as many stages",
            existing["rawPath"]
        );
    }
    // v2 login, with a fresh captcha for each.
    let login = |name: &str, captcha: &passport_tests::Captcha| {
        event(
            "POST",
            "/api/User/login",
            form,
            &format!(
                "username={name}&password=wrong-pass&captcha={}",
                captcha.answer
            ),
            &[("x-captcha-key", &captcha.key)],
        )
    };
    let (c1, c2) = (app.captcha().await, app.captcha().await);
    let known = metered(&app, "users", &login(&username, &c1));
    let unknown = metered(&app, "users", &login(&nobody, &c2));
    assert_eq!(known.0, 401);
    assert_eq!(
        known, unknown,
        "v2 login: the same answer, calls and stages"
    );
}

#[tokio::test]
async fn reads_beside_the_token_check_share_its_stage() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let (status, _) = app
        .v2(
            "/api/User/friendmake",
            &a.token,
            &[("fid", &b.uid.to_string())],
        )
        .await;
    assert_eq!(status, 200);
    let bearer = format!("Bearer {}", a.token);
    let form = "application/x-www-form-urlencoded";
    let device = format!("stage-{}", app.run);
    let cases = [
        // The check and the friends beside it, then the friends' names.
        (
            "friends",
            event(
                "POST",
                "/api/User/friends",
                form,
                "",
                &[("authorization", &bearer)],
            ),
        ),
        // The check and how far the log was cleared, then the page (its count beside it).
        (
            "push",
            event(
                "GET",
                "/api/push/log",
                form,
                "",
                &[("authorization", &bearer)],
            ),
        ),
        // The check and the device's holder and binding, then the binding's transaction.
        (
            "push",
            event(
                "POST",
                "/api/push/bind",
                form,
                &format!("client_id={device}&client_type=ios"),
                &[("authorization", &bearer)],
            ),
        ),
    ];
    for (function, event) in cases {
        let (status, calls, sequential) = metered(&app, function, &event);
        assert_eq!(status, 200, "{}", event["rawPath"]);
        assert!(calls.len() > 2, "{}: {calls:?}", event["rawPath"]);
        assert_eq!(sequential, 2, "{}: {calls:?}", event["rawPath"]);
    }
}

#[tokio::test]
async fn a_failed_delivery_spends_neither_the_send_interval_nor_the_hourly_cap() {
    let app = TestApp::new();
    let email = app.email("nomail");
    let mut sendcode: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("events/users-sendcode.json")).unwrap(),
    )
    .unwrap();
    sendcode["body"] = json!(format!("medium={}", email.replace('@', "%40")));
    let dead_ses = passport_tests::dead_endpoint();
    // SES down, three times in a row: each time the documented delivery failure, never 429.
    for _ in 0..3 {
        let answer = app.invoke(
            "users",
            &sendcode,
            &[
                ("AWS_ENDPOINT_URL_SES", &dead_ses),
                ("AWS_MAX_ATTEMPTS", "1"),
                ("CODE_HOURLY_CAP", "2"),
            ],
        );
        assert_eq!(answer["statusCode"], 503, "{answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["error_code"], 202201, "{body}");
    }
    // SES back: the next send goes out at once, and its code works.
    let (status, body) = json(
        app.post_form("/api/User/sendcode", &[("medium", &email)])
            .await,
    )
    .await;
    assert_eq!((status, code_of(&body)), (200, Some(0)), "{body}");
    let code = app.mailed_code(&email).await;
    let (status, body) = json(
        app.post_form(
            "/api/User/validateCommunicationCode",
            &[("medium", &email), ("code", &code)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// An access token of a new first-party client with `limits`, for a new user.
async fn client_token(app: &TestApp, tag: &str, limits: &[&str]) -> String {
    let mut args = vec!["--first-party", "--grant", "password"];
    for l in limits {
        args.extend_from_slice(&["--limit", l]);
    }
    let (id, secret) = client(app, &args);
    let (username, password, _) = user(app, tag).await;
    let (status, body) = json(
        app.post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", &username),
                ("password", &password),
                ("client_id", &id),
                ("client_secret", &secret.unwrap()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_quota_counts_per_route_template_whatever_the_paths_spelling() {
    let app = TestApp::new();
    let get = |path: String, token: String| {
        let request = app
            .http
            .get(app.url(&path))
            .header("authorization", format!("Token {token}"));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // A limit on the template, and the catch-all: ids and spellings of one template are one API.
    for (tag, limit) in [("quota_t", "api/faq/{id}=3"), ("quota_a", "*=3")] {
        let token = client_token(&app, tag, &[limit]).await;
        let mut statuses = Vec::new();
        for path in [
            "/api/faq/1",
            "/api/faq/2",
            "/api/faq/%31",
            "/api/faq/01",
            "/api/faq/001",
            "/api/faq/11",
        ] {
            statuses.push(get(path.to_owned(), token.clone()).await);
        }
        assert!(
            statuses[..3].iter().all(|s| *s != 429),
            "{limit}: {statuses:?}"
        );
        assert!(
            statuses[3..].iter().all(|s| *s == 429),
            "{limit}: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn the_open_platforms_quota_counts_json_and_xml_as_one_api() {
    let app = TestApp::new();
    let out = app.admin(&[
        "client",
        "create",
        "--name",
        &format!("Quota provider {}", app.run),
        "--redirect-uri",
        "https://provider.example.com/cb",
        "--scope",
        "openplatform",
        "--limit",
        "apis/rest/authService/authorize/{format}=2",
    ]);
    let (id, secret) = (
        out["client_id"].as_str().unwrap(),
        out["client_secret"].as_str().unwrap(),
    );
    let token = app.signed_in().await;
    let mut statuses = Vec::new();
    for format in ["json", "xml", "json", "xml"] {
        let t = passport_shared::now() * 1000 + 123;
        let p = (t.rem_euclid(10_000) * 3 + 2345).to_string();
        let r = app
            .http
            .get(app.url(&format!("/apis/rest/authService/authorize/{format}")))
            .basic_auth(id, Some(secret))
            .query(&[
                ("access_token", token.as_str()),
                ("t_", &t.to_string()),
                ("p_", &p),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses[2..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn the_standard_endpoints_answer_unparseable_bodies_in_rfc_6749_form() {
    let app = TestApp::new();
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", b"{\"grant_type\": ".to_vec()),
        ("application/json", b"[1, 2, 3]".to_vec()),
        ("application/json", b"null".to_vec()),
        ("application/json", b"\"text\"".to_vec()),
        ("application/json", b"1e400".to_vec()),
        (
            "application/json",
            format!("{}1{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        ),
        (
            "application/json",
            b"{\"grant_type\": \"\xff\xfe\"}".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"grant_type=\xff\xfe".to_vec(),
        ),
        ("multipart/form-data; boundary=x", b"--x\r\nbroken".to_vec()),
        ("multipart/form-data", b"--x\r\n\r\n".to_vec()),
        ("application/json", b"{\"a\":1,}".to_vec()),
        ("application/json", vec![0xef, 0xbb, 0xbf, b'{', b'}', b'}']),
    ];
    for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"] {
        for (content_type, body) in &bodies {
            let response = app
                .http
                .post(app.url(path))
                .header("content-type", *content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let (_, answer) = json(response).await;
            assert!(
                status == 400 || status == 401,
                "{path} {content_type} {:?}: {status} {answer}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            );
            assert!(
                answer["error"].is_string() && answer.get("code").is_none(),
                "{path} {content_type}: {answer}"
            );
        }
    }
}

/// A form's fields.
type Form<'a> = Vec<(&'a str, &'a str)>;

#[tokio::test]
async fn a_value_that_reaches_a_key_is_bounded_before_it_does() {
    let app = TestApp::new();
    let (id, _) = client(&app, &[]);
    for size in [2_049, 1024 * 1024] {
        let huge = "7".repeat(size);
        let cases: Vec<(&str, Form<'_>, u16)> = vec![
            ("/apis/Users/forgotPassword", vec![("account", &huge)], 400),
            (
                "/apis/Users/resetPassword",
                vec![
                    ("account", &huge),
                    ("code", "123456"),
                    ("password", "new-pass-1"),
                    ("confirm", "new-pass-1"),
                ],
                400,
            ),
            (
                "/oauth2/token",
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", &huge),
                    ("client_secret", "x"),
                ],
                401,
            ),
            (
                "/oauth2/introspect",
                vec![("token", "x"), ("client_id", &huge), ("client_secret", "x")],
                401,
            ),
            (
                "/oauth2/revoke",
                vec![("token", "x"), ("client_id", &huge), ("client_secret", "x")],
                401,
            ),
            (
                "/apis/Oauth/accessToken",
                vec![
                    ("grant_type", "authorization_code"),
                    ("code", "x"),
                    ("redirect_uri", REDIRECT),
                    ("client_id", &huge),
                    ("client_secret", "x"),
                ],
                401,
            ),
            (
                "/api/Oauth/accessToken",
                vec![
                    ("grant_type", "authorization_code"),
                    ("code", "x"),
                    ("redirect_uri", REDIRECT),
                    ("client_id", &huge),
                    ("client_secret", "x"),
                ],
                401,
            ),
            (
                "/apis/Oauth/authorize",
                vec![
                    ("response_type", "json"),
                    ("client_id", &huge),
                    ("redirect_uri", REDIRECT),
                ],
                400,
            ),
            (
                "/api/User/login",
                vec![("username", &huge), ("password", "a-password")],
                400,
            ),
            (
                "/api/auth/access_token",
                vec![("account", &huge), ("password", "a-password")],
                400,
            ),
            (
                "/oauth2/token",
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &huge),
                ],
                401,
            ),
        ];
        for (path, form, status) in cases {
            let (s, body) = json(app.post_form(path, &form).await).await;
            assert!(s < 500, "{path} at {size} bytes: {s} {body}");
            if path != "/api/User/login"
                && path != "/apis/Oauth/authorize"
                && path != "/api/auth/access_token"
            {
                assert_eq!(s, status, "{path} at {size} bytes: {body}");
            }
        }
        // The v2 authorize, by query string (2,049 bytes; 1 MB is past any URL limit).
        if size == 2_049 {
            let (s, body) = json(
                app.http
                    .get(app.url("/api/Oauth/authorize"))
                    .query(&[
                        ("response_type", "json"),
                        ("client_id", huge.as_str()),
                        ("redirect_uri", REDIRECT),
                    ])
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert!(s < 500, "v2 authorize: {s} {body}");
        }
    }
}

#[tokio::test]
async fn the_cipher_answers_a_picture_past_its_bound_at_once_and_the_largest_it_takes() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let png = |width: u32, height: u32, noise: bool| {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbaImage::from_fn(width, height, |x, y| {
            if noise {
                let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).to_le_bytes();
                image::Rgba([v[0], v[1], v[2], v[3]])
            } else {
                image::Rgba([0, 0, 0, 255])
            }
        })
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, out.into_inner())
    };
    // A small file of a large picture (one colour compresses to a few KB): refused from its
    // header, with the documented invalid-parameter code, on both routes.
    let large = png(1025, 1024, false);
    assert!(large.len() < 64 * 1024);
    for (path, code) in [
        ("/apis/Images/disorder", 200001),
        ("/api/Image/disorder", 100004),
    ] {
        let (s, body) = json(
            app.http
                .post(app.url(path))
                .bearer_auth(&token)
                .form(&[("image", large.as_str()), ("password", "pw")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, code_of(&body)), (400, Some(code)), "{path}: {body}");
    }
    // The largest picture taken, at its worst (no two pixels alike), is answered.
    let (s, body) = json(
        app.http
            .post(app.url("/apis/Images/disorder"))
            .bearer_auth(&token)
            .form(&[
                ("image", png(1024, 1024, true).as_str()),
                ("password", "pw"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code_of(&body)),
        (200, Some(200)),
        "{}",
        &body.to_string()[..200.min(body.to_string().len())]
    );
    assert!(body.to_string().len() < 6 * 1024 * 1024);
}

#[tokio::test]
async fn set_avatar_with_s3_down_is_503_202301() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let mut picture = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(8, 8)
        .write_to(&mut picture, image::ImageFormat::Png)
        .unwrap();
    let boundary = "passportboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&picture.into_inner());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let event = event(
        "POST",
        "/api/User/setAvatar",
        &format!("multipart/form-data; boundary={boundary}"),
        "",
        &[("authorization", &format!("Bearer {token}"))],
    );
    let mut event = event;
    event["body"] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        body
    ));
    event["isBase64Encoded"] = json!(true);
    let dead = passport_tests::dead_endpoint();
    let answer = app.invoke(
        "users",
        &event,
        &[("AWS_ENDPOINT_URL_S3", &dead), ("AWS_MAX_ATTEMPTS", "1")],
    );
    assert_eq!(answer["statusCode"], 503, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (body["error_code"].as_u64(), body["message"].as_str()),
        (Some(202301), Some("Fail to upload avatar")),
        "{body}"
    );
}
