//! The OAuth 2.0 server: v1 `/apis/Oauth/*`, v2 `/api/Oauth/*`, the standard `/oauth2/*`
//! endpoints with the hosted sign-in and consent page, per-client quotas and their resets.

use passport_tests::{code_of, json, TestApp};
use serde_json::{json, Value};

pub const REDIRECT: &str = "https://app.example.com/cb";

/// Registers a client with the operator CLI: (id, secret).
pub fn client(app: &TestApp, extra: &[&str]) -> (String, Option<String>) {
    let name = format!("App {}", app.run);
    let mut args = vec![
        "client",
        "create",
        "--name",
        &name,
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "basic",
        "--scope",
        "profile",
    ];
    args.extend_from_slice(extra);
    let out = app.admin(&args);
    (
        out["client_id"].as_str().expect("client_id").to_owned(),
        out["client_secret"].as_str().map(str::to_owned),
    )
}

/// A fresh account signed in through Passport itself: (username, password, access token).
pub async fn user(app: &TestApp, tag: &str) -> (String, String, String) {
    let username = format!("{tag}_{}", app.run);
    let password = "oauth-user-pass".to_owned();
    app.register(&username, &app.email(tag), &password).await;
    let (status, body) = app.login(&username, &password).await;
    assert_eq!(status, 200, "{body}");
    (
        username,
        password,
        body["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    bearer: Option<&str>,
) -> (u16, Value) {
    let mut request = app.http.post(app.url(path)).form(form);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    json(request.send().await.unwrap()).await
}

/// A v1 authorization code for the signed-in user, issued without a PKCE challenge.
pub async fn v1_code(app: &TestApp, client_id: &str, user_token: &str) -> String {
    let (status, body) = post(
        app,
        "/apis/Oauth/authorize",
        &[
            ("response_type", "json"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ],
        Some(user_token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "s1");
    let code = body["authorization_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 40);
    code
}

async fn v1_exchange(app: &TestApp, id: &str, secret: &str, code: &str) -> (u16, Value) {
    post(
        app,
        "/apis/Oauth/accessToken",
        &[
            ("client_id", id),
            ("client_secret", secret),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", code),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn v1_codes_tokens_info_limit_revoke_and_delete() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &["--limit", "apis/Oauth/info=50"]);
    let secret = secret.unwrap();
    let (_, _, user_token) = user(&app, "v1oauth").await;

    let code = v1_code(&app, &id, &user_token).await;
    let (status, first) = v1_exchange(&app, &id, &secret, &code).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["request"], "apis/Oauth/accessToken");
    assert_eq!(first["expires_in"], first["remind_in"]);
    assert!(first["uid"].as_u64().is_some() && first["refresh_token"].is_string());
    let first_token = first["access_token"].as_str().unwrap();

    // The code again: refused, and what it issued the first time is withdrawn.
    let (status, body) = v1_exchange(&app, &id, &secret, &code).await;
    assert_eq!((status, code_of(&body)), (400, Some(201102)), "{body}");
    let (status, body) = post(
        &app,
        "/apis/Oauth/info",
        &[("access_token", first_token)],
        None,
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (401, Some(201203)),
        "replay revoked it: {body}"
    );

    let code = v1_code(&app, &id, &user_token).await;
    let (_, pair) = v1_exchange(&app, &id, &secret, &code).await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    let (status, info) = post(&app, "/apis/Oauth/info", &[("access_token", &token)], None).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["client_id"], id.as_str());
    assert_eq!(info["uid"], pair["uid"]);
    assert_eq!(info["scope"], "basic profile");
    assert!(info["expire_in"].as_i64().unwrap() > 7000 && info["create_at"].as_i64().is_some());

    let (status, limits) = json(
        app.http
            .get(app.url(&format!("/apis/Oauth/limit?access_token={token}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{limits}");
    let entry = limits["api_rate_limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["api"] == "apis/Oauth/info")
        .cloned()
        .unwrap();
    // Two calls so far: this one, and the one above with the replayed code's token (a call
    // with a validly signed token of the client counts, even when its session has ended:
    // the count runs beside the token read, not after it).
    assert_eq!(
        entry,
        json!({"api": "apis/Oauth/info", "limit": 50, "limit_time_unit": "HOURS", "remaining_hits": 48})
    );

    // Refresh rotates; the old refresh token replayed ends the chain.
    let old_refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |r: String| {
        let (app, id, secret) = (&app, id.clone(), secret.clone());
        async move {
            post(
                app,
                "/apis/Oauth/accessToken",
                &[
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("grant_type", "refresh_token"),
                    ("redirect_uri", REDIRECT),
                    ("refresh_token", &r),
                ],
                None,
            )
            .await
        }
    };
    let (status, rotated) = refresh(old_refresh.clone()).await;
    assert_eq!(status, 200, "{rotated}");
    let rotated_token = rotated["access_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(old_refresh).await;
    assert_eq!((status, code_of(&body)), (401, Some(201209)), "{body}");
    let (status, _) = post(
        &app,
        "/apis/Oauth/info",
        &[("access_token", &rotated_token)],
        None,
    )
    .await;
    assert_eq!(status, 401, "the replay ended the whole chain");

    // revoke: a new pair, the old one dead at once; delete: dead.
    let code = v1_code(&app, &id, &user_token).await;
    let (_, pair) = v1_exchange(&app, &id, &secret, &code).await;
    let old = pair["access_token"].as_str().unwrap().to_owned();
    let (status, revoked) = post(&app, "/apis/Oauth/revoke", &[("access_token", &old)], None).await;
    assert_eq!(status, 200, "{revoked}");
    let new = revoked["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(revoked["refresh_token"].is_string());
    let (status, _) = post(&app, "/apis/Oauth/info", &[("access_token", &old)], None).await;
    assert_eq!(status, 401);
    let (status, _) = post(&app, "/apis/Oauth/delete", &[("access_token", &new)], None).await;
    assert_eq!(status, 200);
    let (status, body) = post(&app, "/apis/Oauth/info", &[("access_token", &new)], None).await;
    assert_eq!((status, code_of(&body)), (401, Some(201203)));
}

#[tokio::test]
async fn authorize_errors_in_both_dialects_and_exact_redirect_uris() {
    let app = TestApp::new();
    let (id, _) = client(&app, &[]);
    let (_, _, token) = user(&app, "autherr").await;
    let ask = |path: &'static str, form: Vec<(&'static str, String)>, bearer: Option<String>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut request = app.http.get(app.url(path)).query(&form);
            if let Some(t) = bearer {
                request = request.bearer_auth(t);
            }
            json(request.send().await.unwrap()).await
        }
    };
    let base = |rt: &str, redirect: &str| {
        vec![
            ("response_type", rt.to_owned()),
            ("client_id", id.clone()),
            ("redirect_uri", redirect.to_owned()),
        ]
    };
    for (path, missing, bad_type, unknown, mismatch, no_token) in [
        (
            "/apis/Oauth/authorize",
            201105,
            201106,
            201103,
            201104,
            200010,
        ),
        (
            "/api/Oauth/authorize",
            201101,
            201102,
            201103,
            201104,
            201202,
        ),
    ] {
        let (s, b) = ask(
            path,
            vec![("response_type", "json".into()), ("client_id", id.clone())],
            Some(token.clone()),
        )
        .await;
        assert_eq!((s, code_of(&b)), (400, Some(missing)), "{path}: {b}");
        let (s, b) = ask(path, base("token", REDIRECT), Some(token.clone())).await;
        assert_eq!((s, code_of(&b)), (400, Some(bad_type)), "{path}: {b}");
        let mut unknown_client = base("json", REDIRECT);
        unknown_client[1].1 = "999999999999999".into();
        let (s, b) = ask(path, unknown_client, Some(token.clone())).await;
        assert_eq!((s, code_of(&b)), (400, Some(unknown)), "{path}: {b}");
        for variant in [
            "https://app.example.com/cb/",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com/cb?extra=1",
            "http://app.example.com/cb",
        ] {
            let (s, b) = ask(path, base("json", variant), Some(token.clone())).await;
            assert_eq!(
                (s, code_of(&b)),
                (400, Some(mismatch)),
                "{path} {variant}: {b}"
            );
        }
        let (s, b) = ask(path, base("json", REDIRECT), None).await;
        assert_eq!((s, code_of(&b)), (401, Some(no_token)), "{path}: {b}");
    }
    // A browser without a session is sent to the hosted page with the same request.
    let r = app
        .http
        .get(app.url("/api/Oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/oauth2/authorize?response_type=code&client_id="),
        "{location}"
    );
    assert!(location.contains("state=xyz"));
    // With a session, response_type=code redirects with the code and the unchanged state.
    let r = app
        .http
        .get(app.url("/api/Oauth/authorize"))
        .bearer_auth(&token)
        .query(&[
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("state", "a b&c"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(
        format!(
            "{}://{}{}",
            location.scheme(),
            location.host_str().unwrap(),
            location.path()
        ),
        REDIRECT
    );
    let pairs: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "a b&c");
    assert_eq!(pairs["code"].len(), 40);
}

#[tokio::test]
async fn v2_access_token_answers_each_documented_code() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &[]);
    let secret = secret.unwrap();
    let (username, password, token) = user(&app, "v2tok").await;
    let t = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, "/api/Oauth/accessToken", &form, None).await
        }
    };
    let with = |extra: &[(&'static str, &str)]| {
        let mut f = vec![
            ("client_id", id.clone()),
            ("client_secret", secret.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };
    for (form, status, code) in [
        (
            vec![("grant_type", "authorization_code".to_owned())],
            400,
            201210,
        ),
        (
            vec![
                ("client_id", id.clone()),
                ("grant_type", "authorization_code".to_owned()),
            ],
            401,
            201211,
        ),
        (
            vec![
                ("client_id", id.clone()),
                ("client_secret", "wrong".to_owned()),
            ],
            401,
            201208,
        ),
        (
            vec![
                ("client_id", "999999999999999".to_owned()),
                ("client_secret", "x".to_owned()),
            ],
            401,
            201213,
        ),
        (with(&[("grant_type", "implicit")]), 400, 201216),
        (with(&[("grant_type", "authorization_code")]), 400, 201105),
        (
            with(&[
                ("grant_type", "authorization_code"),
                ("code", "0123456789abcdef0123456789abcdef01234567"),
            ]),
            400,
            201215,
        ),
        (
            with(&[
                ("grant_type", "password"),
                ("username", &username),
                ("password", &password),
            ]),
            400,
            201205,
        ),
        (
            with(&[("grant_type", "refresh_token"), ("refresh_token", "nope")]),
            401,
            201209,
        ),
    ] {
        let (s, b) = t(form.clone()).await;
        assert_eq!((s, code_of(&b)), (status, Some(code)), "{form:?}: {b}");
    }
    // The v2 flow end to end, then v2 revoke and delete.
    let code = v1_code(&app, &id, &token).await;
    let (s, pair) = t(with(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
    ]))
    .await;
    assert_eq!(s, 200, "{pair}");
    assert_eq!(pair["api_uri"], "api/Oauth/accessToken");
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let (s, revoked) = post(&app, "/api/Oauth/revoke", &[], Some(&access)).await;
    assert_eq!(s, 200, "{revoked}");
    let renewed = revoked["access_token"].as_str().unwrap().to_owned();
    let (s, b) = post(&app, "/api/Oauth/delete", &[], Some(&access)).await;
    assert_eq!(
        (s, code_of(&b)),
        (401, Some(201203)),
        "the revoked token is dead: {b}"
    );
    let (s, _) = post(&app, "/api/Oauth/delete", &[], Some(&renewed)).await;
    assert_eq!(s, 200);
    let (s, b) = post(&app, "/api/Oauth/delete", &[], None).await;
    assert_eq!((s, code_of(&b)), (401, Some(201202)), "{b}");
}

#[tokio::test]
async fn quotas_are_exact_under_a_race_and_reset_by_both_events() {
    let app = TestApp::new();
    let limit = 5usize;
    let (id, secret) = client(
        &app,
        &[
            "--first-party",
            "--grant",
            "password",
            "--grant",
            "refresh_token",
            "--limit",
            "apis/Services/location=5",
            "--limit",
            "apis/Oauth/info=1",
        ],
    );
    let secret = secret.unwrap();
    let (username, password, _) = user(&app, "quota").await;
    let (s, pair) = post(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "password"),
            ("username", &username),
            ("password", &password),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{pair}");
    let token = pair["access_token"].as_str().unwrap().to_owned();

    let locate = || {
        let request = app
            .http
            .get(app.url("/apis/Services/location?ip=8.8.8.8"))
            .bearer_auth(&token);
        async move { json(request.send().await.unwrap()).await }
    };
    let results = futures_util::future::join_all((0..3 * limit).map(|_| locate())).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let limited = results
        .iter()
        .filter(|(s, b)| *s == 429 && code_of(b) == Some(200008))
        .count();
    assert_eq!((ok, limited), (limit, 2 * limit), "{results:?}");

    // On an OAuth route the v1 code is 201204.
    let (s, _) = post(&app, "/apis/Oauth/info", &[], Some(&token)).await;
    assert_eq!(s, 200);
    let (s, b) = post(&app, "/apis/Oauth/info", &[], Some(&token)).await;
    assert_eq!((s, code_of(&b)), (429, Some(201204)), "{b}");

    let remaining = || async {
        let (_, b) = post(&app, "/apis/Oauth/limit", &[], Some(&token)).await;
        b["api_rate_limits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["api"] == "apis/Services/location")
            .map(|e| e["remaining_hits"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(remaining().await, 0, "the limit route shows the live count");

    // An operator's reset of one API of the client.
    let reset = app.invoke(
        "ratelimit",
        &json!({"version": "0", "id": "e1", "detail-type": "RateLimitReset", "source": "passport.operator",
                "account": "123456789012", "time": "2026-11-22T12:00:00Z", "region": "us-east-1",
                "resources": [], "detail": {"client_id": id, "api": "apis/Services/location"}}),
        &[],
    );
    assert_eq!(reset["reset"], 1, "{reset}");
    assert_eq!(remaining().await, limit as u64);
    let (s, _) = locate().await;
    assert_eq!(s, 200);
    let (s, _) = post(&app, "/apis/Oauth/info", &[], Some(&token)).await;
    assert_eq!(s, 429, "the other API was not reset");

    // The hourly schedule runs (it sweeps ended hours; this hour's counters stay).
    let swept = app.invoke(
        "ratelimit",
        &json!({"version": "0", "id": "e2", "detail-type": "Scheduled Event", "source": "aws.events",
                "account": "123456789012", "time": "2026-11-22T12:00:00Z", "region": "us-east-1",
                "resources": ["arn:aws:events:us-east-1:123456789012:rule/hourly"], "detail": {}}),
        &[],
    );
    assert_eq!(swept["action"], "sweep", "{swept}");
    assert_eq!(remaining().await, limit as u64 - 1);
}
