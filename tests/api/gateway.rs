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
