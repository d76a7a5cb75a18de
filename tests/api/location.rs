//! `GET|POST /apis/Services/location` (document 000 §2022), from the real IP database.

use passport_tests::{json, TestApp};

async fn locate(app: &TestApp, token: &str, query: &str) -> (u16, serde_json::Value) {
    json(
        app.http
            .get(app.url(&format!(
                "/apis/Services/location?access_token={token}{query}"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn well_known_addresses_are_located_in_the_documents_chinese_form() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (status, body) = locate(&app, &token, "&ip=8.8.8.8").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["request"], "apis/Services/location");
    assert_eq!(body["ip"], "8.8.8.8");
    assert_eq!(body["country"], "美国");
    assert!(body["area"].as_str().unwrap().starts_with("美国"), "{body}");
    assert!(body["area"].as_str().unwrap().contains("谷歌"), "{body}");
    let (_, body) = locate(&app, &token, "&ip=114.114.114.114").await;
    assert_eq!(
        (body["country"].as_str(), body["province"].as_str()),
        (Some("中国"), Some("江苏"))
    );
    let (_, body) = locate(&app, &token, "&ip=2001:4860:4860::8888").await;
    assert_eq!(body["country"], "美国", "IPv6: {body}");
}

#[tokio::test]
async fn without_ip_the_callers_own_address_is_located() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (status, body) = locate(&app, &token, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ip"], app.source_ip.to_string());
    assert_eq!(
        body["public"], false,
        "a reserved address is answered and marked: {body}"
    );
}

#[tokio::test]
async fn bad_and_private_addresses_get_clear_answers() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    for bad in ["999.1.1.1", "example.com", "1.2.3"] {
        let (status, body) = locate(&app, &token, &format!("&ip={bad}")).await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(200026)),
            "{bad}"
        );
    }
    let (status, body) = locate(&app, &token, "&ip=10.1.2.3").await;
    assert_eq!(
        (status, body["public"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
}

#[tokio::test]
async fn location_needs_a_token_and_speaks_jsonp_at_the_documents_lower_case_path() {
    let app = TestApp::new();
    let (status, body) = json(
        app.http
            .get(app.url("/apis/Services/location?ip=8.8.8.8"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(200010)));
    let token = app.signed_in().await;
    let r = app
        .http
        .get(app.url(&format!(
            "/apis/services/location?ip=8.8.8.8&format=jsonp&access_token={token}"
        )))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("jsonpReturn({\"code\":200,\"request\":\"apis/Services/location\",\"ip\":\"8.8.8.8\",\"country\":\"美国\""), "{text}");
}

/// A location request with `header` as its bearer token and `query` (which may carry an
/// `access_token` of its own).
async fn locate_with_bearer(app: &TestApp, header: &str, query: &str) -> (u16, serde_json::Value) {
    json(
        app.http
            .get(app.url(&format!("/apis/Services/location?{query}")))
            .header("authorization", format!("Bearer {header}"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn two_different_tokens_in_one_request_are_refused_and_the_same_one_twice_is_not() {
    let app = TestApp::new();
    let (mine, other) = (app.signed_in().await, app.signed_in().await);
    let query = format!("access_token={mine}&ip=8.8.8.8");
    let (status, body) = locate_with_bearer(&app, &other, &query).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], 200009, "{body}");
    let (status, body) = locate_with_bearer(&app, &mine, &query).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_empty_access_token_parameter_beside_a_header_token_is_a_second_token() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (status, body) = locate_with_bearer(&app, &token, "access_token=&ip=8.8.8.8").await;
    assert_eq!(status, 401, "{body}");
}
