//! What the local API Gateway does before any function runs.

use passport_tests::{json, TestApp};

#[tokio::test]
async fn an_unrouted_path_goes_to_the_default_route_never_a_bare_gateway_body() {
    let app = TestApp::new();
    let (status, body) = json(
        app.http
            .get(app.url("/no/such/route"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        serde_json::json!({"code": 10002, "message": "The path does not exist", "data": {}})
    );
}

#[tokio::test]
async fn a_method_a_served_path_does_not_serve_gets_405_with_allow_in_the_dialect() {
    let app = TestApp::new();
    // The path's `ANY` route (template.yaml) brings the request to the function's router.
    let response = app
        .http
        .get(app.url("/apis/Services/guestbook"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let (_, body) = json(response).await;
    assert_eq!(body["request"], "apis/Services/guestbook", "{body}");

    // A literal path wins over a pattern: GET of /api/push/log/delete is not log item "delete".
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/push/log/delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "DELETE");
}

#[tokio::test]
async fn the_fallback_sample_event_runs_through_invoke_and_forwards_v1_spellings() {
    let app = TestApp::new();
    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            passport_tests::repo_root().join("events/fallback-unknown-path.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let answer = app.invoke("FallbackFunction", &event, &[]);
    assert_eq!(answer["statusCode"], 404, "{answer}");
    let body: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["code"], 10002, "{body}");

    // The same event at a v1 path in capitals: passed through the stack's Lambda Invoke API
    // to the services function, which answers as for the documented spelling.
    event["rawPath"] = "/APIS/SERVICES/GUESTBOOK".into();
    event["requestContext"]["http"]["path"] = "/APIS/SERVICES/GUESTBOOK".into();
    event["requestContext"]["http"]["method"] = "GET".into();
    let answer = app.invoke("fallback", &event, &[]);
    assert_eq!(answer["statusCode"], 405, "{answer}");
    let body: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (body["code"].as_u64(), body["request"].as_str()),
        (Some(200002), Some("apis/Services/guestbook")),
        "{body}"
    );
}
