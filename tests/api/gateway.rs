//! What the local API Gateway does before any function runs.

use passport_tests::{json, TestApp};

#[tokio::test]
async fn an_unrouted_path_gets_api_gateways_own_404() {
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
    assert_eq!(body, serde_json::json!({"message": "Not Found"}));
}

#[tokio::test]
async fn a_routed_path_with_an_unrouted_method_is_404_as_in_api_gateway() {
    let app = TestApp::new();
    let response = app
        .http
        .get(app.url("/apis/Services/guestbook"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
