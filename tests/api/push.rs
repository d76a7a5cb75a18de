//! The user center's push routes: `/api/push/bind`, `/api/push/switch/{client_id}`,
//! `/api/push/log`, `/api/push/log/{id}`, `/api/push/log/delete` and `/api/message/count`.

use passport_tests::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

fn code(body: &Value) -> u64 {
    body["code"].as_u64().expect("code")
}

/// Records a push as the operator does; its id.
fn record_push(app: &TestApp, title: &str, scope: &str) -> u64 {
    let out = app.admin(&[
        "push",
        "record",
        "--title",
        title,
        "--body",
        "Body of the push",
        "--scope",
        scope,
    ]);
    out["id"].as_u64().expect("push id")
}

#[tokio::test]
async fn a_device_binding_belongs_to_one_user_and_its_switch_to_them() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let device = format!("device-{}", app.run);
    let switch = format!("/api/push/switch/{device}");

    let (status, body) = app
        .center(
            Method::POST,
            "/api/push/bind",
            &a.token,
            Some(&json!({"client_id": device, "client_type": "blackberry"})),
        )
        .await;
    assert_eq!(
        (status, code(&body), body["field"].as_str()),
        (400, 10005, Some("client_type"))
    );
    let (status, body) = app
        .center(
            Method::POST,
            "/api/push/bind",
            &a.token,
            Some(&json!({"client_type": "ios"})),
        )
        .await;
    assert_eq!(
        (status, code(&body), body["field"].as_str()),
        (400, 10005, Some("client_id"))
    );
    let (status, body) = app.center(Method::GET, &switch, &a.token, None).await;
    assert_eq!((status, code(&body)), (404, 10001), "not bound yet: {body}");

    let (status, body) = app
        .center(
            Method::POST,
            "/api/push/bind",
            &a.token,
            Some(&json!({"client_id": device, "client_type": "android"})),
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let bound = &body["data"];
    assert_eq!(
        (
            bound["user_id"].as_u64(),
            bound["client_type"].as_str(),
            bound["switch"].as_bool()
        ),
        (Some(a.uid), Some("android"), Some(true))
    );

    // Switch off and read back.
    let (status, body) = app
        .center(
            Method::PUT,
            &switch,
            &a.token,
            Some(&json!({"switch": false})),
        )
        .await;
    assert_eq!((status, body["data"].clone()), (200, json!({})), "{body}");
    let (_, body) = app.center(Method::GET, &switch, &a.token, None).await;
    assert_eq!(body["data"]["switch"], false);
    let (status, body) = app
        .center(Method::PUT, &switch, &a.token, Some(&json!({})))
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("switch")));

    // Another user cannot see or change a's binding.
    let (status, body) = app.center(Method::GET, &switch, &b.token, None).await;
    assert_eq!((status, code(&body)), (403, 10003), "{body}");
    let (status, body) = app
        .center(
            Method::PUT,
            &switch,
            &b.token,
            Some(&json!({"switch": true})),
        )
        .await;
    assert_eq!((status, code(&body)), (403, 10003), "{body}");
    let (_, body) = app.center(Method::GET, &switch, &a.token, None).await;
    assert_eq!(body["data"]["switch"], false, "unchanged by b");

    // Binding again keeps the binding (and its switch); the device signing in as b moves it.
    let (_, again) = app
        .center(
            Method::POST,
            "/api/push/bind",
            &a.token,
            Some(&json!({"client_id": device, "client_type": "ios"})),
        )
        .await;
    assert_eq!(
        (again["data"]["id"].clone(), again["data"]["switch"].clone()),
        (bound["id"].clone(), json!(false))
    );
    let (status, moved) = app
        .center(
            Method::POST,
            "/api/push/bind",
            &b.token,
            Some(&json!({"client_id": device, "client_type": "ios"})),
        )
        .await;
    assert_eq!(
        (status, moved["data"]["user_id"].as_u64()),
        (200, Some(b.uid)),
        "{moved}"
    );
    let (status, body) = app.center(Method::GET, &switch, &a.token, None).await;
    assert_eq!(
        (status, code(&body)),
        (403, 10003),
        "a's binding went with the device: {body}"
    );
    let (status, _) = app.center(Method::GET, &switch, &b.token, None).await;
    assert_eq!(status, 200);
    let (status, body) = app.center(Method::GET, &switch, "forged", None).await;
    assert_eq!((status, code(&body)), (401, 10004));
}

#[tokio::test]
async fn the_push_log_pages_clears_per_user_and_counts_what_is_unseen() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    // Everyone's log shares the operator's pushes: start each user from a clean log.
    for m in [&a, &b] {
        let (status, body) = app
            .center(Method::DELETE, "/api/push/log/delete", &m.token, None)
            .await;
        assert_eq!((status, code(&body)), (200, 0), "{body}");
    }
    let (_, body) = app
        .center(Method::GET, "/api/push/log", &a.token, None)
        .await;
    assert_eq!(body["data"]["total"], 0, "{body}");

    let first = record_push(&app, &format!("First {}", app.run), "all");
    let second = record_push(&app, &format!("Second {}", app.run), "android");

    let (status, body) = app
        .center(Method::GET, "/api/push/log?page_size=1", &a.token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let page = &body["data"];
    // Parallel tests may record pushes too: look only at ours.
    assert!(page["total"].as_u64().unwrap() >= 2);
    assert_eq!(
        (page["page_size"].as_u64(), page["current_page"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, body) = app
        .center(Method::GET, "/api/push/log?page_size=100", &a.token, None)
        .await;
    let ids: Vec<u64> = body["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_u64().unwrap())
        .collect();
    let (pa, pb) = (
        ids.iter().position(|i| *i == second).unwrap(),
        ids.iter().position(|i| *i == first).unwrap(),
    );
    assert!(pa < pb, "newest first: {ids:?}");

    let (status, body) = app
        .center(
            Method::GET,
            &format!("/api/push/log/{second}"),
            &a.token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["data"]["push_scope"].as_u64(),
            body["data"]["push_title"].as_str()
        ),
        (Some(1), Some(format!("Second {}", app.run).as_str()))
    );
    let (status, body) = app
        .center(Method::GET, "/api/push/log/999999999", &a.token, None)
        .await;
    assert_eq!((status, code(&body)), (404, 10001));

    // Unseen: everything in the log but the pushes the client has shown.
    let count = |token: String, query: &'static str| {
        let app = &app;
        async move {
            app.center(
                Method::GET,
                &format!("/api/message/count{query}"),
                &token,
                None,
            )
            .await
        }
    };
    let (status, all) = count(a.token.clone(), "?push_ids=").await;
    assert_eq!(status, 200, "{all}");
    let total = all["data"]["push_count"].as_u64().unwrap();
    assert!(total >= 2);
    let (_, seen) = app
        .center(
            Method::GET,
            "/api/message/count",
            &a.token,
            Some(&json!({ "push_ids": [first, second] })),
        )
        .await;
    assert_eq!(
        seen["data"]["push_count"].as_u64(),
        Some(total - 2),
        "{seen}"
    );
    let (_, seen) = count(a.token.clone(), "?push_ids=%5B999999999%5D").await;
    assert_eq!(seen["data"]["push_count"].as_u64(), Some(total));
    let (status, body) = count(a.token.clone(), "").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("push_ids")));
    let (status, body) = count(a.token.clone(), "?push_ids=1,two").await;
    assert_eq!((status, code(&body)), (400, 10005));

    // a clears their log; b's is untouched.
    app.center(Method::DELETE, "/api/push/log/delete", &a.token, None)
        .await;
    let (_, body) = app
        .center(Method::GET, "/api/push/log", &a.token, None)
        .await;
    let left: Vec<u64> = body["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_u64().unwrap())
        .collect();
    assert!(
        !left.contains(&first) && !left.contains(&second),
        "{left:?}"
    );
    let (status, _) = app
        .center(
            Method::GET,
            &format!("/api/push/log/{first}"),
            &a.token,
            None,
        )
        .await;
    assert_eq!(status, 404, "a cleared it");
    let (status, _) = app
        .center(
            Method::GET,
            &format!("/api/push/log/{first}"),
            &b.token,
            None,
        )
        .await;
    assert_eq!(status, 200, "b did not");
    let (_, cleared) = count(a.token.clone(), "?push_ids=").await;
    assert!(cleared["data"]["push_count"].as_u64().unwrap() < total);
}
