//! The documents' codes where Passport once answered another (issue 15, section 2): each
//! case as an outside client sends it.

use crate::oauth::{client, user, v1_code, REDIRECT};
use passport_tests::{code_of, json, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn v2_routes_that_need_a_sign_in_answer_not_logged_in_without_a_token() {
    let app = TestApp::new();
    let routes = [
        (Method::POST, "/api/User/setAvatar"),
        (Method::POST, "/api/User/modifyBasicInfo"),
        (Method::POST, "/api/User/modifyDetailInfo"),
        (Method::POST, "/api/User/unbind"),
        (Method::POST, "/api/User/friends"),
        (Method::POST, "/api/User/friendmake"),
        (Method::POST, "/api/User/frienddel"),
        (Method::POST, "/api/User/friendsrecommend"),
        (Method::POST, "/api/User/message"),
        (Method::POST, "/api/Calendar/events"),
        (Method::POST, "/api/Calendar/add"),
        (Method::POST, "/api/Calendar/update"),
        (Method::GET, "/api/Image/disorder"),
        (Method::POST, "/api/Image/disorder"),
    ];
    for (method, path) in routes {
        let response = app
            .http
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        let challenge = response.headers().get("www-authenticate").cloned();
        let (status, body) = json(response).await;
        assert_eq!(
            (status, code_of(&body), body["message"].as_str()),
            (401, Some(202101), Some("Not logged in yet")),
            "{method} {path}: {body}"
        );
        assert_eq!(
            challenge.as_ref().and_then(|v| v.to_str().ok()),
            Some(r#"Bearer realm="passport""#),
            "{method} {path}"
        );
    }
    // The OAuth v2 routes keep their own table.
    let (status, body) = json(app.post_form("/api/Oauth/delete", &[]).await).await;
    assert_eq!((status, code_of(&body)), (401, Some(201202)), "{body}");
}

#[tokio::test]
async fn v1_paths_are_served_in_any_spelling_and_with_a_trailing_slash() {
    let app = TestApp::new();
    let (id, _) = client(&app, &[]);
    let (_, _, token) = user(&app, "anycase").await;

    // Without a token, in capitals: the route's own answer, named as documented.
    let (status, body) = json(app.post_form("/APIS/OAUTH/INFO", &[]).await).await;
    assert_eq!((status, code_of(&body)), (401, Some(200010)), "{body}");
    assert_eq!(body["request"], "apis/Oauth/info");

    let (status, body) = json(
        app.http
            .get(app.url("/Apis/SERVICES/Location?ip=8.8.8.8"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code_of(&body)), (200, Some(200)), "{body}");
    assert_eq!(
        (body["request"].as_str(), body["ip"].as_str()),
        (Some("apis/Services/location"), Some("8.8.8.8"))
    );

    // The document's own example URL, trailing slash and all.
    let url = format!(
        "/apis/Oauth/authorize/?client_id={id}&redirect_uri={}&response_type=json&access_token={token}",
        url_encode(REDIRECT)
    );
    let (status, body) = json(app.http.get(app.url(&url)).send().await.unwrap()).await;
    assert_eq!((status, code_of(&body)), (200, Some(200)), "{body}");
    assert_eq!(body["request"], "apis/Oauth/authorize");
    assert!(body["authorization_code"].is_string(), "{body}");
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn an_unknown_path_answers_in_its_dialects_envelope() {
    let app = TestApp::new();
    for (method, path, status, code) in [
        (Method::GET, "/no/such/route", 404, 10002),
        (Method::GET, "/api/nothing", 404, 10002),
        (Method::POST, "/api/User/nothing", 404, 404),
        (Method::GET, "/apis/rest/nothingService/x/json", 404, 400),
        (Method::POST, "/apis/Nothing/here", 404, 100011),
    ] {
        let (s, body) = json(
            app.http
                .request(method.clone(), app.url(path))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, code_of(&body)),
            (status, Some(code)),
            "{method} {path}: {body}"
        );
        assert!(body.get("message").is_some_and(Value::is_string), "{body}");
    }
    let (_, body) = json(app.http.get(app.url("/api/nothing")).send().await.unwrap()).await;
    assert_eq!(
        body,
        json!({"code": 10002, "message": "The path does not exist", "data": {}})
    );
}

#[tokio::test]
async fn feedback_without_a_category_has_category_id_zero() {
    let app = TestApp::new();
    let member = app.member().await;
    let (status, body) = app
        .center(
            Method::POST,
            "/api/feedback",
            &member.token,
            Some(&json!({"feedback_content": "No category here."})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["feedback_category_id"], json!(0));
    let (status, body) = app
        .center(Method::GET, "/api/feedback", &member.token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let listed = body["data"]["data"]
        .as_array()
        .or(body["data"]["list"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(!listed.is_empty(), "{body}");
    for item in listed {
        assert!(item["feedback_category_id"].is_u64(), "{item}");
    }
}

#[tokio::test]
async fn the_v2_password_grant_without_credentials_is_201212() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &["--first-party", "--grant", "password"]);
    let secret = secret.unwrap();
    for form in [
        vec![("grant_type", "password")],
        vec![("grant_type", "password"), ("username", "someone")],
        vec![("grant_type", "password"), ("password", "something")],
    ] {
        let mut form = form;
        form.extend([
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ]);
        for path in ["/api/Oauth/accessToken", "/apis/Oauth/accessToken"] {
            let (status, body) = json(app.post_form(path, &form).await).await;
            assert_eq!(
                (status, code_of(&body)),
                (400, Some(201212)),
                "{path} {form:?}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn a_token_request_with_another_redirect_uri_is_201205() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &[]);
    let secret = secret.unwrap();
    let (_, _, token) = user(&app, "redirect").await;
    for path in ["/apis/Oauth/accessToken", "/api/Oauth/accessToken"] {
        let code = v1_code(&app, &id, &token).await;
        let (status, body) = json(
            app.post_form(
                path,
                &[
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", "https://app.example.com/other"),
                    ("code", &code),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, code_of(&body)),
            (400, Some(201205)),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_method_the_get_only_authorize_route_does_not_take_says_get() {
    let app = TestApp::new();
    let response = app.post_form("/api/Oauth/authorize", &[]).await;
    assert_eq!(response.headers()["allow"], "GET");
    let (status, body) = json(response).await;
    assert_eq!(
        (status, code_of(&body), body["message"].as_str()),
        (405, Some(200001), Some("GET method required")),
        "{body}"
    );
    // A POST route still asks for POST, as the document writes it.
    let (status, body) = json(
        app.http
            .get(app.url("/api/User/login"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (405, Some("POST method required")),
        "{body}"
    );
}

#[tokio::test]
async fn optional_text_fields_take_empty_as_not_given_and_refuse_what_is_not_text() {
    let app = TestApp::new();
    let member = app.member().await;
    let post = |path: &'static str, body: Value, token: Option<String>| {
        let mut request = app.http.post(app.url(path)).json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    // Empty optional fields change nothing: the one field given is the change.
    let (status, body) = post(
        "/api/User/modifyDetailInfo",
        json!({"realname": "", "idcard": "", "postalcode": " ", "nation": "汉"}),
        Some(member.token.clone()),
    )
    .await;
    assert_eq!((status, code_of(&body)), (200, Some(0)), "{body}");
    // An object is no text, even for an optional field (found by schemathesis).
    let (status, body) = post(
        "/api/User/modifyDetailInfo",
        json!({"nation": "汉", "leader": {}}),
        Some(member.token.clone()),
    )
    .await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (400, Some(100004), Some("leader")),
        "{body}"
    );
    let (status, body) = post(
        "/apis/Services/guestbook",
        json!({"name": "Li Lei", "email": app.email("gb"), "phone": "13800138000", "subject": {}, "message": "Nice site!"}),
        None,
    )
    .await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (400, Some(200001), Some("subject")),
        "{body}"
    );
    // Nor is null, where the document does not make the field nullable.
    let (status, body) = post(
        "/api/User/modifyDetailInfo",
        json!({"nation": "汉", "leader": null}),
        Some(member.token.clone()),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("leader")),
        "{body}"
    );
}
