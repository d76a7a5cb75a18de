//! The user center's support routes: `/api/faq`, `/api/faq/{id}`, `/api/feedback_category`,
//! `/api/feedback` (POST, GET), `/api/feedback/{id}` (DELETE) and
//! `/api/feedback/reply/{feedback_id}`, with the operator's side through passport-admin.

use passport_tests::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

fn code(body: &Value) -> u64 {
    body["code"].as_u64().expect("code")
}

#[tokio::test]
async fn the_faq_and_categories_are_what_the_operator_wrote() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let title = format!("How do I reset my password? {}", app.run);
    let faq = app.admin(&[
        "faq",
        "add",
        "--title",
        &title,
        "--content",
        "Use the reset link.",
        "--category",
        "account",
    ]);
    let id = faq["id"].as_u64().unwrap();
    let edited = app.admin(&[
        "faq",
        "edit",
        &id.to_string(),
        "--link",
        "https://help.example.com/reset",
    ]);
    assert_eq!(
        (edited["title"].as_str(), edited["external_link"].as_str()),
        (Some(title.as_str()), Some("https://help.example.com/reset"))
    );

    let (status, body) = app
        .center(Method::GET, &format!("/api/faq/{id}"), &token, None)
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let shown = &body["data"];
    assert_eq!(
        (
            shown["content"].as_str(),
            shown["category"].as_str(),
            shown["app_id"].as_str()
        ),
        (Some("Use the reset link."), Some("account"), Some(""))
    );
    let (status, body) = app
        .center(Method::GET, "/api/faq/999999999", &token, None)
        .await;
    assert_eq!((status, code(&body)), (404, 10001));
    let (status, body) = app.center(Method::GET, "/api/faq/abc", &token, None).await;
    assert_eq!((status, code(&body)), (400, 10005));

    let (status, body) = app
        .center(Method::GET, "/api/faq?page_size=1000", &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let page = &body["data"];
    assert_eq!(
        (page["current_page"].as_u64(), page["page_size"].as_u64()),
        (Some(1), Some(100)),
        "page size capped"
    );
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == id));
    let (_, body) = app.center(Method::GET, "/api/faq", &token, None).await;
    assert_eq!(body["data"]["page_size"], 20, "default page size");
    let (status, body) = app.center(Method::GET, "/api/faq", "", None).await;
    assert_eq!(
        (status, code(&body)),
        (401, 10004),
        "a token is needed: {body}"
    );

    let name = format!("app-{}", app.run);
    let category = app.admin(&[
        "category",
        "add",
        "--name",
        &name,
        "--description",
        "The app",
    ]);
    let cid = category["id"].as_u64().unwrap();
    app.admin(&[
        "category",
        "edit",
        &cid.to_string(),
        "--description",
        "The mobile app",
    ]);
    let (status, body) = app
        .center(
            Method::GET,
            "/api/feedback_category?page_size=100",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let found = body["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cid)
        .cloned()
        .unwrap();
    assert_eq!(
        (found["name"].as_str(), found["description"].as_str()),
        (Some(name.as_str()), Some("The mobile app"))
    );
}

#[tokio::test]
async fn feedback_is_private_replied_to_counted_until_read_and_deleted_by_its_author() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let category = app.admin(&["category", "add", "--name", &format!("bugs-{}", app.run)]);
    let cid = category["id"].as_u64().unwrap();

    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            app.center(Method::POST, "/api/feedback", &token, Some(&body))
                .await
        }
    };
    let (status, body) = post(a.token.clone(), json!({"feedback_content": "  "})).await;
    assert_eq!(
        (status, code(&body), body["field"].as_str()),
        (400, 10005, Some("feedback_content"))
    );
    let (status, body) = post(
        a.token.clone(),
        json!({"feedback_content": "x", "feedback_category_id": 999999999}),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("feedback_category_id"))
    );
    let (status, body) = post(
        a.token.clone(),
        json!({"feedback_content": "x", "contact_phone": "call me"}),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("contact_phone"))
    );

    let (status, first) = post(a.token.clone(), json!({"feedback_content": "The app crashes.\nOn start.", "feedback_category_id": cid, "contact_phone": "18656660930"})).await;
    assert_eq!((status, code(&first)), (200, 0), "{first}");
    let first = first["data"].clone();
    assert_eq!(
        (
            first["user_id"].as_u64(),
            first["feedback_status"].as_u64(),
            first["feedback_category_id"].as_u64()
        ),
        (Some(a.uid), Some(0), Some(cid))
    );
    let (_, second) = post(
        a.token.clone(),
        json!({"feedback_content": "Dark mode, please."}),
    )
    .await;
    let second = second["data"].clone();

    // Listed newest first, for their author only.
    let (status, body) = app
        .center(Method::GET, "/api/feedback", &a.token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&Value> = body["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, vec![&second["id"], &first["id"]]);
    assert_eq!(body["data"]["total"], 2);
    let (_, body) = app
        .center(Method::GET, "/api/feedback", &b.token, None)
        .await;
    assert_eq!(body["data"]["total"], 0, "{body}");

    // No reply yet.
    let reply_path = format!("/api/feedback/reply/{}", first["id"]);
    let (status, body) = app.center(Method::GET, &reply_path, &a.token, None).await;
    assert_eq!((status, code(&body)), (404, 10001), "{body}");
    let (_, count) = app
        .center(Method::GET, "/api/message/count?push_ids=", &a.token, None)
        .await;
    assert_eq!(count["data"]["feedback_count"], 0, "{count}");

    // The operator replies: the feedback is marked replied, and the reply counts as unread.
    let reply = app.admin(&[
        "feedback",
        "reply",
        &first["id"].to_string(),
        "--content",
        "Fixed in 2.1.",
    ]);
    assert_eq!(reply["is_read"], false);
    let (_, count) = app
        .center(Method::GET, "/api/message/count?push_ids=", &a.token, None)
        .await;
    assert_eq!(count["data"]["feedback_count"], 1, "{count}");
    let (_, body) = app
        .center(Method::GET, "/api/feedback", &a.token, None)
        .await;
    assert_eq!(body["data"]["data"][1]["feedback_status"], 1);

    // Only the author reads it; reading marks it read.
    let (status, body) = app.center(Method::GET, &reply_path, &b.token, None).await;
    assert_eq!((status, code(&body)), (403, 10003), "{body}");
    let (status, body) = app.center(Method::GET, &reply_path, &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["data"]["reply_content"].as_str(),
            body["data"]["feedback_id"].clone()
        ),
        (Some("Fixed in 2.1."), first["id"].clone())
    );
    let (_, count) = app
        .center(Method::GET, "/api/message/count?push_ids=", &a.token, None)
        .await;
    assert_eq!(count["data"]["feedback_count"], 0, "read: {count}");
    let (_, again) = app.center(Method::GET, &reply_path, &a.token, None).await;
    assert_eq!(again["data"]["is_read"], true);

    // Deleting: not another's, then the author's own; the reply goes with it.
    let delete_path = format!("/api/feedback/{}", first["id"]);
    let (status, body) = app
        .center(Method::DELETE, &delete_path, &b.token, None)
        .await;
    assert_eq!((status, code(&body)), (403, 10003), "{body}");
    let (status, body) = app
        .center(Method::DELETE, &delete_path, &a.token, None)
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let (status, body) = app
        .center(Method::DELETE, &delete_path, &a.token, None)
        .await;
    assert_eq!((status, code(&body)), (404, 10001), "{body}");
    let (status, _) = app.center(Method::GET, &reply_path, &a.token, None).await;
    assert_eq!(status, 404);
    let (_, body) = app
        .center(Method::GET, "/api/feedback", &a.token, None)
        .await;
    assert_eq!(body["data"]["total"], 1);

    // A reply left unread is dropped from the count when its feedback is deleted.
    app.admin(&[
        "feedback",
        "reply",
        &second["id"].to_string(),
        "--content",
        "Noted.",
    ]);
    let (_, count) = app
        .center(Method::GET, "/api/message/count?push_ids=", &a.token, None)
        .await;
    assert_eq!(count["data"]["feedback_count"], 1);
    app.center(
        Method::DELETE,
        &format!("/api/feedback/{}", second["id"]),
        &a.token,
        None,
    )
    .await;
    let (_, count) = app
        .center(Method::GET, "/api/message/count?push_ids=", &a.token, None)
        .await;
    assert_eq!(count["data"]["feedback_count"], 0);
}

#[tokio::test]
async fn the_sample_events_of_the_social_and_content_functions_run() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let samples = [
        ("friends", "friends-make.json", "error_code"),
        ("calendar", "calendar-add.json", "error_code"),
        ("push", "push-bind.json", "code"),
        ("push", "push-message-count.json", "code"),
        ("support", "support-feedback.json", "code"),
    ];
    for (function, file, code_field) in samples {
        let text = std::fs::read_to_string(passport_tests::repo_root().join("events").join(file))
            .unwrap()
            .replace("PASTE_AN_ACCESS_TOKEN", &a.token)
            .replace("fid=10002", &format!("fid={}", b.uid))
            .replace("xxxxxxx", &format!("device-{}", app.run));
        let event: Value = serde_json::from_str(&text).unwrap();
        let answer = app.invoke(function, &event, &[]);
        assert_eq!(answer["statusCode"], 200, "{file}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body[code_field], 0, "{file}: {body}");
    }
}
