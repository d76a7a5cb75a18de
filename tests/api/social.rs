//! v2 friends (`/api/User/friends`, `friendmake`, `frienddel`, `friendsrecommend`), messages
//! (`/api/User/message`) and the calendar (`/api/Calendar/events`, `add`, `update`).

use passport_tests::{Member, TestApp};
use serde_json::Value;

fn code(body: &Value) -> u64 {
    body["error_code"].as_u64().expect("error_code")
}

fn uids(body: &Value) -> Vec<u64> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|f| f["uid"].as_u64().unwrap())
        .collect()
}

async fn befriend(app: &TestApp, a: &Member, b: &Member) {
    let (status, body) = app
        .v2(
            "/api/User/friendmake",
            &a.token,
            &[("fid", &b.uid.to_string())],
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
}

#[tokio::test]
async fn a_friendship_is_two_edges_made_once_and_deleted_whole() {
    let app = TestApp::new();
    let (a, b, c) = tokio::join!(app.member(), app.member(), app.member());

    let (status, body) = app.v2("/api/User/friends", &a.token, &[]).await;
    assert_eq!(
        (status, code(&body)),
        (404, 204101),
        "no friends yet: {body}"
    );

    let me = a.uid.to_string();
    let (status, body) = app
        .v2("/api/User/friendmake", &a.token, &[("fid", &me)])
        .await;
    assert_eq!(
        (status, code(&body), body["field"].as_str()),
        (400, 100004, Some("fid"))
    );
    let (status, body) = app
        .v2("/api/User/friendmake", &a.token, &[("fid", "999999999")])
        .await;
    assert_eq!((status, code(&body)), (404, 404), "no such user: {body}");
    let (status, _) = app
        .v2("/api/User/friendmake", "not-a-token", &[("fid", "1")])
        .await;
    assert_eq!(status, 401);

    let (status, body) = app
        .v2(
            "/api/User/friendmake",
            &a.token,
            &[("fid", &b.uid.to_string())],
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    assert_eq!(body["friend"]["uid"], b.uid);
    for (who, other) in [(&a, &b), (&b, &a)] {
        let (status, body) = app
            .v2(
                "/api/User/friendmake",
                &who.token,
                &[("fid", &other.uid.to_string())],
            )
            .await;
        assert_eq!((status, code(&body)), (409, 204102), "made twice: {body}");
    }

    // Both edges exist.
    let (_, body) = app.v2("/api/User/friends", &a.token, &[]).await;
    assert_eq!(uids(&body), vec![b.uid]);
    assert_eq!(
        (body["total"].as_u64(), body["current_page"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, body) = app.v2("/api/User/friends", &b.token, &[]).await;
    assert_eq!(uids(&body), vec![a.uid]);

    // Paging: two friends, one per page.
    befriend(&app, &a, &c).await;
    let (_, page2) = app
        .v2(
            "/api/User/friends",
            &a.token,
            &[("page_no", "2"), ("page_size", "1")],
        )
        .await;
    assert_eq!(
        (page2["total"].as_u64(), page2["pages"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);

    // Deleting removes both edges; a second delete is 204103.
    let (status, body) = app
        .v2(
            "/api/User/frienddel",
            &b.token,
            &[("fid", &a.uid.to_string())],
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let (status, body) = app
        .v2(
            "/api/User/frienddel",
            &a.token,
            &[("fid", &b.uid.to_string())],
        )
        .await;
    assert_eq!((status, code(&body)), (400, 204103), "{body}");
    let (_, body) = app.v2("/api/User/friends", &a.token, &[]).await;
    assert_eq!(uids(&body), vec![c.uid]);
    let (status, body) = app.v2("/api/User/friends", &b.token, &[]).await;
    assert_eq!((status, code(&body)), (404, 204101), "{body}");
}

#[tokio::test]
async fn parallel_friend_requests_make_one_friendship() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let (fa, fb) = (b.uid.to_string(), a.uid.to_string());
    let forms = [[("fid", fa.as_str())], [("fid", fb.as_str())]];
    let mut calls = Vec::new();
    for i in 0..10 {
        let (token, form) = if i % 2 == 0 {
            (&a.token, &forms[0])
        } else {
            (&b.token, &forms[1])
        };
        calls.push(app.v2("/api/User/friendmake", token, form));
    }
    let codes: Vec<u64> = futures_util::future::join_all(calls)
        .await
        .iter()
        .map(|(_, body)| code(body))
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == 204102).count(),
        9,
        "{codes:?}"
    );
}

#[tokio::test]
async fn recommendations_rank_friends_of_friends_by_shared_friends() {
    let app = TestApp::new();
    let (a, b, c, d, e, f) = tokio::join!(
        app.member(),
        app.member(),
        app.member(),
        app.member(),
        app.member(),
        app.member()
    );
    let (status, body) = app.v2("/api/User/friendsrecommend", &a.token, &[]).await;
    assert_eq!(
        (status, code(&body)),
        (404, 204101),
        "nobody to recommend: {body}"
    );

    // a knows b and c; b knows d and e; c knows d and f (c–f made after b–e).
    befriend(&app, &a, &b).await;
    befriend(&app, &a, &c).await;
    befriend(&app, &b, &d).await;
    befriend(&app, &b, &e).await;
    befriend(&app, &c, &d).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    befriend(&app, &c, &f).await;

    let (status, body) = app.v2("/api/User/friendsrecommend", &a.token, &[]).await;
    assert_eq!(status, 200, "{body}");
    // d shares two friends; f and e one each, f's shared friendship the newer.
    assert_eq!(uids(&body), vec![d.uid, f.uid, e.uid]);
    let mutual: Vec<u64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["mutual_friends"].as_u64().unwrap())
        .collect();
    assert_eq!(mutual, vec![2, 1, 1]);
}

#[tokio::test]
async fn messages_are_paged_newest_first_read_once_and_private() {
    let app = TestApp::new();
    let (a, b, c) = tokio::join!(app.member(), app.member(), app.member());
    befriend(&app, &a, &b).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    befriend(&app, &c, &b).await;

    let (status, body) = app.v2("/api/User/message", &b.token, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 2);
    let inbox = body["data"].as_array().unwrap();
    assert_eq!(inbox[0]["from_uid"], c.uid, "newest first: {body}");
    assert_eq!(inbox[1]["from_uid"], a.uid);
    assert!(inbox.iter().all(|m| m["is_read"] == false));

    let (_, page) = app
        .v2(
            "/api/User/message",
            &b.token,
            &[("page_no", "2"), ("page_size", "1")],
        )
        .await;
    assert_eq!(
        (page["pages"].as_u64(), page["page_size"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(page["data"][0]["from_uid"], a.uid);

    let id = inbox[1]["id"].as_u64().unwrap().to_string();
    let (status, message) = app.v2("/api/User/message", &b.token, &[("id", &id)]).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["is_read"], true);
    assert!(message["content"].as_str().unwrap().contains(&a.username));

    // Another user's message is not found, and reading it fails without marking it read.
    let unread = inbox[0]["id"].as_u64().unwrap().to_string();
    let (status, body) = app
        .v2("/api/User/message", &a.token, &[("id", &unread)])
        .await;
    assert_eq!((status, code(&body)), (404, 404), "{body}");
    let (_, list) = app.v2("/api/User/message", &b.token, &[]).await;
    assert_eq!(
        list["data"][0]["is_read"], false,
        "untouched by a's attempt"
    );
    assert_eq!(list["data"][1]["is_read"], true);

    let (status, body) = app.v2("/api/User/message", &a.token, &[("id", "x")]).await;
    assert_eq!((status, code(&body)), (400, 100004), "{body}");
}

#[tokio::test]
async fn calendar_events_are_added_listed_by_range_and_updated_by_their_owner_only() {
    let app = TestApp::new();
    let (a, b) = tokio::join!(app.member(), app.member());
    let range = [("start", "2030-01-01"), ("end", "2030-01-31 23:59:59")];

    let (status, body) = app.v2("/api/Calendar/events", &a.token, &range).await;
    assert_eq!((status, code(&body)), (404, 203101), "{body}");

    let (status, body) = app
        .v2(
            "/api/Calendar/add",
            &a.token,
            &[("start", "2030-01-10 09:00")],
        )
        .await;
    assert_eq!(
        (status, code(&body), body["field"].as_str()),
        (400, 100004, Some("title"))
    );
    let (status, body) = app
        .v2(
            "/api/Calendar/add",
            &a.token,
            &[
                ("title", "Backwards"),
                ("start", "2030-01-10 09:00"),
                ("end", "2030-01-10 08:00"),
            ],
        )
        .await;
    assert_eq!((status, code(&body)), (400, 203201), "{body}");
    let (status, body) = app
        .v2(
            "/api/Calendar/add",
            &a.token,
            &[("title", "x"), ("start", "10/01/2030")],
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("start")));

    let (status, body) = app
        .v2(
            "/api/Calendar/add",
            &a.token,
            &[
                ("title", "Standup"),
                ("start", "2030-01-10 09:00"),
                ("end", "2030-01-10 09:15"),
                ("location", "Room 1"),
                ("remark", "daily"),
                ("reminder", "10"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let event = &body["event"];
    assert_eq!(event["start"], "2030-01-10 09:00:00");
    assert_eq!(event["end"], "2030-01-10 09:15:00");
    assert_eq!(
        (event["reminder"].as_i64(), event["allday"].as_bool()),
        (Some(10), Some(false))
    );
    let id = event["id"].as_u64().unwrap().to_string();
    app.v2(
        "/api/Calendar/add",
        &a.token,
        &[
            ("title", "Holiday"),
            ("start", "2030-01-20"),
            ("allday", "1"),
        ],
    )
    .await;

    let (status, body) = app.v2("/api/Calendar/events", &a.token, &range).await;
    assert_eq!(status, 200, "{body}");
    let titles: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Standup", "Holiday"], "in start order");
    let (status, body) = app
        .v2(
            "/api/Calendar/events",
            &a.token,
            &[("start", "2030-01-15"), ("end", "2030-01-31")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["events"].as_array().unwrap().len(), 1);
    let (status, body) = app.v2("/api/Calendar/events", &b.token, &range).await;
    assert_eq!(
        (status, code(&body)),
        (404, 203101),
        "b sees none of a's events: {body}"
    );

    let (status, body) = app
        .v2("/api/Calendar/update", &a.token, &[("title", "No id")])
        .await;
    assert_eq!((status, code(&body)), (400, 203301), "{body}");
    let (status, body) = app
        .v2(
            "/api/Calendar/update",
            &b.token,
            &[("id", &id), ("title", "Hijacked")],
        )
        .await;
    assert_eq!((status, code(&body)), (404, 404), "not b's event: {body}");

    // Moving the event moves it in the range listing too.
    let (status, body) = app
        .v2(
            "/api/Calendar/update",
            &a.token,
            &[
                ("id", &id),
                ("title", "Standup (moved)"),
                ("start", "2030-02-03 09:00"),
                ("end", "2030-02-03 09:15"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["event"]["title"].as_str(),
            body["event"]["location"].as_str()
        ),
        (Some("Standup (moved)"), Some("Room 1"))
    );
    let (_, body) = app.v2("/api/Calendar/events", &a.token, &range).await;
    let titles: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Holiday"]);
    let (_, body) = app
        .v2(
            "/api/Calendar/events",
            &a.token,
            &[("start", "2030-02-01"), ("end", "2030-02-28")],
        )
        .await;
    assert_eq!(body["events"][0]["title"], "Standup (moved)");
    // An end alone is checked against the stored start; before it, nothing changes.
    let (status, body) = app
        .v2(
            "/api/Calendar/update",
            &a.token,
            &[
                ("id", &id),
                ("title", "Too early"),
                ("end", "2030-02-03 08:00"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "end", "{body}");
    let (status, body) = app
        .v2(
            "/api/Calendar/update",
            &a.token,
            &[("id", &id), ("start", "2030-02-03 09:05")],
        )
        .await;
    assert_eq!(status, 200, "a start alone before the stored end: {body}");
    assert_eq!(
        (
            body["event"]["title"].as_str(),
            body["event"]["start"].as_str(),
            body["event"]["end"].as_str()
        ),
        (
            Some("Standup (moved)"),
            Some("2030-02-03 09:05:00"),
            Some("2030-02-03 09:15:00")
        )
    );
}
