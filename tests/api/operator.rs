//! The operator API (`/api/operator/*`): roles checked in the route table (a normal user and
//! support staff refused every write), each action on an account with its effect where the
//! account is used (sign-in, tokens), the feedback inbox and its reply as the author reads
//! it, and the audit log of all of it.

use passport_tests::{Member, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn code(body: &Value) -> u64 {
    body["code"].as_u64().unwrap_or(u64::MAX)
}

/// A fresh account with `role`, granted by `passport-admin`, signed in.
async fn staff(app: &TestApp, role: &str) -> Member {
    let member = app.member().await;
    let granted = app.admin(&["operator", "grant", &member.username, "--role", role]);
    assert_eq!(granted["role"], role, "{granted}");
    member
}

/// Every operator route, with a body its writes accept, for `uid` and feedback `fid`.
fn every_route(uid: u64, fid: u64) -> Vec<(Method, String, Option<Value>, bool)> {
    let user = format!("/api/operator/users/{uid}");
    let feedback = format!("/api/operator/feedback/{fid}");
    vec![
        (
            Method::GET,
            "/api/operator/users?q=someone".to_owned(),
            None,
            false,
        ),
        (Method::GET, user.clone(), None, false),
        (
            Method::GET,
            "/api/operator/feedback".to_owned(),
            None,
            false,
        ),
        (Method::GET, feedback.clone(), None, false),
        (Method::GET, "/api/operator/audit".to_owned(), None, false),
        (Method::GET, "/api/operator/clients".to_owned(), None, false),
        (Method::GET, "/api/operator/content".to_owned(), None, false),
        (
            Method::GET,
            "/api/operator/push_logs".to_owned(),
            None,
            false,
        ),
        (
            Method::POST,
            "/api/operator/faq".to_owned(),
            Some(json!({"title": "t", "content": "c"})),
            true,
        ),
        (Method::DELETE, "/api/operator/faq/1".to_owned(), None, true),
        (
            Method::POST,
            "/api/operator/categories".to_owned(),
            Some(json!({"name": "n"})),
            true,
        ),
        (
            Method::POST,
            "/api/operator/push_logs".to_owned(),
            Some(json!({"push_title": "t", "push_body": "b"})),
            true,
        ),
        (
            Method::POST,
            "/api/operator/clients/1/rotate".to_owned(),
            None,
            true,
        ),
        (
            Method::POST,
            "/api/operator/clients/1/disable".to_owned(),
            None,
            true,
        ),
        (
            Method::POST,
            "/api/operator/clients/1/enable".to_owned(),
            None,
            true,
        ),
        (
            Method::DELETE,
            "/api/operator/clients/1".to_owned(),
            None,
            true,
        ),
        (Method::POST, format!("{user}/disable"), None, true),
        (Method::POST, format!("{user}/enable"), None, true),
        (Method::POST, format!("{user}/unlock"), None, true),
        (Method::POST, format!("{user}/sessions/end"), None, true),
        (Method::POST, format!("{user}/reset_code"), None, true),
        (Method::DELETE, user.clone(), None, true),
        (Method::GET, format!("{user}/export"), None, true),
        (
            Method::POST,
            format!("{user}/role"),
            Some(json!({"role": "operator"})),
            true,
        ),
        (
            Method::POST,
            format!("{feedback}/reply"),
            Some(json!({"reply_content": "hello"})),
            true,
        ),
    ]
}

/// The audit entries of `target`, newest first.
async fn audit_of(app: &TestApp, operator: &Member, target: &str) -> Vec<Value> {
    let (status, body) = app
        .center(
            Method::GET,
            &format!("/api/operator/audit?target={target}&page_size=100"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    body["data"]["data"].as_array().cloned().unwrap_or_default()
}

async fn feedback_of(app: &TestApp, user: &Member, content: &str) -> u64 {
    let (status, body) = app
        .center(
            Method::POST,
            "/api/feedback",
            &user.token,
            Some(&json!({"feedback_content": content})),
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    body["data"]["id"].as_u64().expect("feedback id")
}

#[tokio::test]
async fn a_normal_user_is_refused_every_operator_route_and_nothing_changes() {
    let app = TestApp::new();
    let user = app.member().await;
    let other = app.member().await;
    let fid = feedback_of(&app, &other, "a feedback nobody may answer").await;
    for (method, path, body, _) in every_route(other.uid, fid) {
        let (status, answer) = app
            .center(method.clone(), &path, &user.token, body.as_ref())
            .await;
        assert_eq!(
            (status, code(&answer)),
            (403, 10003),
            "{method} {path}: {answer}"
        );
        // Without a token at all: 401, as every token route.
        let anonymous = app
            .http
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401, "{method} {path}");
    }
    // The other account still signs in; the feedback is unanswered.
    let (status, body) = app.login(&other.username, "signed-in-pass").await;
    assert_eq!(status, 200, "{body}");
    let (_, reply) = app
        .center(
            Method::GET,
            &format!("/api/feedback/reply/{fid}"),
            &other.token,
            None,
        )
        .await;
    assert_eq!(code(&reply), 10001, "{reply}");
}

#[tokio::test]
async fn support_staff_read_everything_and_are_refused_every_write() {
    let app = TestApp::new();
    let support = staff(&app, "support").await;
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let fid = feedback_of(&app, &user, "support may read this").await;
    for (method, path, body, write) in every_route(user.uid, fid) {
        let (status, answer) = app
            .center(method.clone(), &path, &support.token, body.as_ref())
            .await;
        match write {
            true => assert_eq!(
                (status, code(&answer)),
                (403, 10003),
                "{method} {path}: {answer}"
            ),
            false => assert_eq!(
                (status, code(&answer)),
                (200, 0),
                "{method} {path}: {answer}"
            ),
        }
    }
    // Nothing was done: the account signs in, its token works, no audit entry names it.
    let (status, _) = app
        .center(Method::GET, "/api/personal/info", &user.token, None)
        .await;
    assert_eq!(status, 200);
    assert!(audit_of(&app, &operator, &format!("user:{}", user.uid))
        .await
        .is_empty());
    let (_, item) = app
        .center(
            Method::GET,
            &format!("/api/operator/feedback/{fid}"),
            &support.token,
            None,
        )
        .await;
    assert_eq!(item["data"]["reply"], Value::Null, "{item}");
}

#[tokio::test]
async fn an_operator_finds_an_account_and_every_action_takes_effect_and_is_audited() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let password = "signed-in-pass";

    // Found by uid, username and email, once each.
    for q in [
        user.uid.to_string(),
        user.username.clone(),
        format!("{}@example.com", user.username),
    ] {
        let (status, body) = app
            .center(
                Method::GET,
                &format!("/api/operator/users?q={}", urlencoding(&q)),
                &operator.token,
                None,
            )
            .await;
        assert_eq!((status, code(&body)), (200, 0), "{body}");
        let found = body["data"]["users"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{q}: {body}");
        assert_eq!(found[0]["uid"], user.uid);
        assert!(!body.to_string().contains("argon2"), "no hash is shown");
    }
    let (_, none) = app
        .center(
            Method::GET,
            "/api/operator/users?q=nobody_has_this_name",
            &operator.token,
            None,
        )
        .await;
    assert_eq!(none["data"]["users"], json!([]));

    // Lock the account with wrong passwords: the profile shows it, unlock lifts it.
    let profile_path = format!("/api/operator/users/{}", user.uid);
    for _ in 0..5 {
        app.login(&user.username, "wrong password").await;
    }
    let (status, _) = app.login(&user.username, password).await;
    assert_eq!(status, 429, "locked");
    let (_, profile) = app
        .center(Method::GET, &profile_path, &operator.token, None)
        .await;
    let locks = profile["data"]["locks"].as_array().unwrap();
    assert!(
        locks
            .iter()
            .any(|l| l["name"] == "username" && l["locked"] == true),
        "{profile}"
    );
    assert!(!profile["data"]["sessions"].as_array().unwrap().is_empty());
    let (status, body) = app
        .center(
            Method::POST,
            &format!("{profile_path}/unlock"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let (status, signed_in) = app.login(&user.username, password).await;
    assert_eq!(status, 200, "unlocked: {signed_in}");
    let fresh = signed_in["access_token"].as_str().unwrap().to_owned();

    // End every session: both tokens die.
    let (status, body) = app
        .center(
            Method::POST,
            &format!("{profile_path}/sessions/end"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    assert!(body["data"]["ended"].as_u64().unwrap() >= 2, "{body}");
    for token in [&user.token, &fresh] {
        let (status, body) = app
            .center(Method::GET, "/api/personal/info", token, None)
            .await;
        assert_eq!((status, code(&body)), (401, 10004), "{body}");
    }

    // Disable: a right password no longer signs in (and tells so only to who knows it);
    // enable: it does again.
    let (status, body) = app
        .center(
            Method::POST,
            &format!("{profile_path}/disable"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["data"]["user"]["disabled"].clone()),
        (200, json!(true))
    );
    let (status, body) = app.login(&user.username, password).await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (403, Some(203202)),
        "{body}"
    );
    let (status, body) = app.login(&user.username, "wrong password").await;
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (401, Some(202103)),
        "{body}"
    );
    let (status, body) = app
        .center(
            Method::POST,
            "/api/auth/access_token",
            "",
            Some(
                &json!({"account": format!("{}@example.com", user.username), "password": password}),
            ),
        )
        .await;
    assert_eq!((status, code(&body)), (403, 10000), "{body}");
    let (status, _) = app
        .center(
            Method::POST,
            &format!("{profile_path}/enable"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.login(&user.username, password).await;
    assert_eq!(status, 200, "enabled: {body}");

    // An operator cannot disable or demote themself.
    for (path, body) in [
        ("disable", None),
        ("role", Some(json!({"role": "support"}))),
    ] {
        let (status, answer) = app
            .center(
                Method::POST,
                &format!("/api/operator/users/{}/{path}", operator.uid),
                &operator.token,
                body.as_ref(),
            )
            .await;
        assert_eq!((status, code(&answer)), (400, 10005), "{path}: {answer}");
    }

    // The audit log holds each action, newest first, with who and before/after.
    let entries = audit_of(&app, &operator, &format!("user:{}", user.uid)).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.enable",
            "user.disable",
            "user.end_sessions",
            "user.unlock"
        ],
        "{entries:?}"
    );
    for e in &entries {
        assert_eq!(e["actor_uid"], operator.uid);
        assert_eq!(e["actor"], operator.username.as_str());
    }
    assert_eq!(entries[1]["before"], json!({"disabled": false}));
    assert_eq!(entries[1]["after"], json!({"disabled": true}));
    assert_eq!(entries[3]["before"]["locks"][0]["failures"], 5);
}

#[tokio::test]
async fn an_operator_grants_roles_and_the_grant_is_audited() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let path = format!("/api/operator/users/{}/role", user.uid);
    let (status, _) = app
        .center(Method::GET, "/api/operator/audit", &user.token, None)
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .center(
            Method::POST,
            &path,
            &operator.token,
            Some(&json!({"role": "support"})),
        )
        .await;
    assert_eq!(
        (status, body["data"]["user"]["role"].clone()),
        (200, json!("support"))
    );
    // The same token now reads (roles are read with the account at each call) ...
    let (status, _) = app
        .center(Method::GET, "/api/operator/audit", &user.token, None)
        .await;
    assert_eq!(status, 200);
    // ... and a bad role is refused, nothing changed.
    let (status, body) = app
        .center(
            Method::POST,
            &path,
            &operator.token,
            Some(&json!({"role": "root"})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, 10005));
    let (status, _) = app
        .center(
            Method::POST,
            &path,
            &operator.token,
            Some(&json!({"role": "none"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .center(Method::GET, "/api/operator/audit", &user.token, None)
        .await;
    assert_eq!(status, 403);
    let entries = audit_of(&app, &operator, &format!("user:{}", user.uid)).await;
    let roles: Vec<(Value, Value)> = entries
        .iter()
        .map(|e| (e["before"]["role"].clone(), e["after"]["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (json!("support"), Value::Null),
            (Value::Null, json!("support"))
        ]
    );
    // The CLI's grant of the operator itself is in the log too, by passport-admin.
    let cli = audit_of(&app, &operator, &format!("user:{}", operator.uid)).await;
    assert_eq!(cli.len(), 1, "{cli:?}");
    assert_eq!(
        (cli[0]["actor"].as_str(), cli[0]["actor_uid"].as_u64()),
        (Some("passport-admin"), Some(0))
    );
}

#[tokio::test]
async fn a_reply_from_the_inbox_reaches_its_author_with_the_operators_id() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let category = app.admin(&["category", "add", "--name", &format!("billing {}", app.run)]);
    let cat = category["id"].as_u64().unwrap();
    let (status, body) = app
        .center(
            Method::POST,
            "/api/feedback",
            &user.token,
            Some(&json!({"feedback_content": "I was charged twice", "feedback_category_id": cat})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fid = body["data"]["id"].as_u64().unwrap();
    let other = feedback_of(&app, &user, "no category").await;

    let inbox = |query: String| {
        let app = &app;
        let token = operator.token.clone();
        async move {
            let (status, body) = app
                .center(
                    Method::GET,
                    &format!("/api/operator/feedback?{query}"),
                    &token,
                    None,
                )
                .await;
            assert_eq!((status, code(&body)), (200, 0), "{body}");
            body["data"]["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_u64().unwrap())
                .collect::<Vec<u64>>()
        }
    };
    // Open, newest first; by category only this one.
    let open = inbox("page_size=100".into()).await;
    let (a, b) = (
        open.iter().position(|i| *i == fid),
        open.iter().position(|i| *i == other),
    );
    assert!(b.unwrap() < a.unwrap(), "newest first: {open:?}");
    assert_eq!(inbox(format!("category_id={cat}")).await, [fid]);

    let (status, reply) = app
        .center(
            Method::POST,
            &format!("/api/operator/feedback/{fid}/reply"),
            &operator.token,
            Some(&json!({"reply_content": "Refunded, sorry."})),
        )
        .await;
    assert_eq!((status, code(&reply)), (200, 0), "{reply}");

    // The author reads it, with the operator's uid as manager_id.
    let (status, read) = app
        .center(
            Method::GET,
            &format!("/api/feedback/reply/{fid}"),
            &user.token,
            None,
        )
        .await;
    assert_eq!((status, code(&read)), (200, 0), "{read}");
    assert_eq!(read["data"]["reply_content"], "Refunded, sorry.");
    assert_eq!(read["data"]["manager_id"], operator.uid);

    // It moved from open to replied, in both listings.
    assert!(!inbox("page_size=100".into()).await.contains(&fid));
    assert_eq!(inbox(format!("category_id={cat}")).await, Vec::<u64>::new());
    assert_eq!(
        inbox(format!("status=replied&category_id={cat}")).await,
        [fid]
    );
    let entries = audit_of(&app, &operator, &format!("feedback:{fid}")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "feedback.reply");
    assert_eq!(entries[0]["before"]["feedback_status"], 0);
    assert_eq!(
        entries[0]["after"]["reply"]["reply_content"],
        "Refunded, sorry."
    );

    // The author deletes it: it leaves the inbox too.
    let (status, _) = app
        .center(
            Method::DELETE,
            &format!("/api/feedback/{fid}"),
            &user.token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        inbox(format!("status=replied&category_id={cat}")).await,
        Vec::<u64>::new()
    );
    let (status, body) = app
        .center(
            Method::POST,
            &format!("/api/operator/feedback/{fid}/reply"),
            &operator.token,
            Some(&json!({"reply_content": "too late"})),
        )
        .await;
    assert_eq!((status, code(&body)), (404, 10001), "{body}");
}

/// `q` as a query value.
fn urlencoding(q: &str) -> String {
    q.replace('@', "%40")
}

#[tokio::test]
async fn the_sample_events_of_the_operator_function_run() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let fid = feedback_of(&app, &user, "a sample's feedback").await;
    let samples = [
        ("operator-user-search.json", "li_lei", user.username.clone()),
        ("operator-user-disable.json", "10001", user.uid.to_string()),
        ("operator-feedback-reply.json", "/1/", format!("/{fid}/")),
    ];
    for (file, placeholder, value) in samples {
        let text = std::fs::read_to_string(passport_tests::repo_root().join("events").join(file))
            .unwrap()
            .replace("PASTE_AN_OPERATORS_ACCESS_TOKEN", &operator.token)
            .replace(placeholder, &value)
            .replace("\"id\": \"1\"", &format!("\"id\": \"{fid}\""));
        let event: Value = serde_json::from_str(&text).unwrap();
        let answer = app.invoke("operator", &event, &[]);
        assert_eq!(answer["statusCode"], 200, "{file}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["code"], 0, "{file}: {body}");
    }
    // The disable sample disabled the account.
    let (status, _) = app.login(&user.username, "signed-in-pass").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_behind_and_its_export_held_it_all() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let friend = app.member().await;
    // A friendship (an edge on each side, and a message), a feedback answered (its reply
    // and inbox entries), and a live session.
    let (status, body) = app
        .v2(
            "/api/User/friendmake",
            &user.token,
            &[("fid", &friend.uid.to_string())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = crate::profiles::upload(
        &app,
        &user.token,
        crate::profiles::picture(64, 64, image::ImageFormat::Png),
        "me.png",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let picture = body["avatar"].as_str().unwrap().to_owned();
    assert_eq!(app.http.get(&picture).send().await.unwrap().status(), 200);
    let fid = feedback_of(&app, &user, "please delete my data").await;
    let (status, _) = app
        .center(
            Method::POST,
            &format!("/api/operator/feedback/{fid}/reply"),
            &operator.token,
            Some(&json!({"reply_content": "Will do."})),
        )
        .await;
    assert_eq!(status, 200);

    let path = format!("/api/operator/users/{}", user.uid);
    let (status, export) = app
        .center(
            Method::GET,
            &format!("{path}/export"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!((status, code(&export)), (200, 0), "{export}");
    let kinds: Vec<&str> = export["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    for kind in ["friend", "session", "feedback"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(!export.to_string().contains("argon2"), "no hash leaves");

    let (status, body) = app
        .center(Method::DELETE, &path, &operator.token, None)
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");

    // Nothing of it is left: its partition, the friend's edge, its feedback and the
    // inbox's copies, its names (the username registers again), its sessions.
    let db = app.dynamodb().await;
    let own = db
        .query()
        .table_name("PassportTable")
        .key_condition_expression("pk = :p")
        .expression_attribute_values(
            ":p",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{}", user.uid)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(own.count(), 0, "{:?}", own.items());
    assert_eq!(
        app.http.get(&picture).send().await.unwrap().status(),
        404,
        "its uploaded picture went with it"
    );
    let (_, friends) = app.v2("/api/User/friends", &friend.token, &[]).await;
    assert!(
        !friends.to_string().contains(&user.uid.to_string()),
        "{friends}"
    );
    for inbox in ["status=open", "status=replied"] {
        let (_, listed) = app
            .center(
                Method::GET,
                &format!("/api/operator/feedback?{inbox}&page_size=100"),
                &operator.token,
                None,
            )
            .await;
        assert!(!listed.to_string().contains(&fid.to_string()), "{listed}");
    }
    let (_, item) = app
        .center(
            Method::GET,
            &format!("/api/operator/feedback/{fid}"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!(code(&item), 10001);
    let (status, _) = app
        .center(Method::GET, "/api/personal/info", &user.token, None)
        .await;
    assert_eq!(status, 401);
    app.register(
        &user.username,
        &format!("{}@example.com", user.username),
        "another pass",
    )
    .await;

    // The log keeps who it was.
    let entries = audit_of(&app, &operator, &format!("user:{}", user.uid)).await;
    let delete = entries
        .iter()
        .find(|e| e["action"] == "user.delete")
        .unwrap();
    assert_eq!(delete["before"]["user"]["username"], user.username.as_str());
    assert!(entries.iter().any(|e| e["action"] == "user.export"));
    // A second delete finds no account.
    let (status, body) = app
        .center(Method::DELETE, &path, &operator.token, None)
        .await;
    assert_eq!((status, code(&body)), (404, 10001), "{body}");
}

/// A client_credentials token request with `secret`: its status.
async fn token_with(app: &TestApp, id: &str, secret: &str) -> u16 {
    app.http
        .post(app.url("/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_rotated_secret_and_the_old_one_both_work_within_the_grace_period() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let (id, old) = crate::oauth::client(&app, &["--grant", "client_credentials"]);
    let old = old.unwrap();
    assert_eq!(token_with(&app, &id, &old).await, 200);
    let path = format!("/api/operator/clients/{id}");

    // Rotated with an hour's grace: the new secret works at once (the instance that
    // cached the client reads it again on a secret it does not know), the old one too.
    let (status, body) = app
        .center(
            Method::POST,
            &format!("{path}/rotate"),
            &operator.token,
            Some(&json!({"grace_seconds": 3600})),
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let new = body["data"]["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(token_with(&app, &id, &new).await, 200, "the new secret");
    assert_eq!(
        token_with(&app, &id, &old).await,
        200,
        "the old one, within its grace"
    );
    assert_eq!(token_with(&app, &id, "not-a-secret").await, 401);

    // Rotated again with no grace: the newest works at once; the one before stops as soon
    // as an instance reads the client again (its cache keeps a client 30 s, so this is
    // seen on a client no instance has cached: one rotated twice before its first use).
    let (_, body) = app
        .center(
            Method::POST,
            &format!("{path}/rotate"),
            &operator.token,
            Some(&json!({"grace_seconds": 0})),
        )
        .await;
    let newest = body["data"]["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(token_with(&app, &id, &newest).await, 200);
    let (fresh, first) = crate::oauth::client(&app, &["--grant", "client_credentials"]);
    let rotate = |grace: i64| {
        let (app, token, fresh) = (&app, operator.token.clone(), fresh.clone());
        async move {
            let (_, body) = app
                .center(
                    Method::POST,
                    &format!("/api/operator/clients/{fresh}/rotate"),
                    &token,
                    Some(&json!({"grace_seconds": grace})),
                )
                .await;
            body["data"]["client_secret"].as_str().unwrap().to_owned()
        }
    };
    let second = rotate(3600).await;
    let third = rotate(0).await;
    assert_eq!(token_with(&app, &fresh, &third).await, 200);
    assert_eq!(token_with(&app, &fresh, &second).await, 401, "no grace");
    assert_eq!(
        token_with(&app, &fresh, &first.unwrap()).await,
        401,
        "two rotations ago"
    );
    let (status, _) = app
        .center(
            Method::POST,
            &format!("{path}/rotate"),
            &operator.token,
            Some(&json!({"grace_seconds": 604801})),
        )
        .await;
    assert_eq!(status, 400, "a grace past a week");

    // The client's page: no secret shown, this hour's calls of the token endpoint.
    let (_, one) = app.center(Method::GET, &path, &operator.token, None).await;
    assert!(!one.to_string().contains(&newest) && !one.to_string().contains("secret_hash"));
    assert!(one["data"]["this_hour"]["calls"].is_array(), "{one}");
    let entries = audit_of(&app, &operator, &format!("client:{id}")).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries
        .iter()
        .all(|e| e["action"] == "client.rotate_secret"));
    assert!(
        !entries.iter().any(|e| e.to_string().contains(&newest)),
        "no secret in the log"
    );
}

#[tokio::test]
async fn a_disabled_client_authenticates_nowhere_and_a_deleted_one_is_gone() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    // Clients this stack's instances have not cached (the cache keeps a client 30 s).
    let (id, secret) = crate::oauth::client(&app, &["--grant", "client_credentials"]);
    let secret = secret.unwrap();
    let path = format!("/api/operator/clients/{id}");
    let (status, body) = app
        .center(
            Method::POST,
            &format!("{path}/disable"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["data"]["client"]["disabled"].clone()),
        (200, json!(true)),
        "{body}"
    );
    assert_eq!(token_with(&app, &id, &secret).await, 401, "disabled");
    let (_, listed) = app
        .center(Method::GET, "/api/operator/clients", &operator.token, None)
        .await;
    assert!(listed["data"]["clients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == id.as_str() && c["disabled"] == true));
    let (status, _) = app
        .center(
            Method::POST,
            &format!("{path}/enable"),
            &operator.token,
            None,
        )
        .await;
    assert_eq!(status, 200);

    let (id2, secret2) = crate::oauth::client(&app, &["--grant", "client_credentials"]);
    let path2 = format!("/api/operator/clients/{id2}");
    let (status, _) = app
        .center(Method::DELETE, &path2, &operator.token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        token_with(&app, &id2, &secret2.unwrap()).await,
        401,
        "deleted"
    );
    let (status, body) = app.center(Method::GET, &path2, &operator.token, None).await;
    assert_eq!((status, code(&body)), (404, 10001));
    let actions: Vec<Value> = audit_of(&app, &operator, &format!("client:{id}"))
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, [json!("client.enable"), json!("client.disable")]);
}

#[tokio::test]
async fn operators_write_the_faq_categories_and_push_log_users_read() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let (user, other) = (app.member().await, app.member().await);
    let t = &operator.token;

    // The FAQ: the CLI's rules (an https link), then the user reads it; deleted, gone.
    let (status, body) = app
        .center(Method::POST, "/api/operator/faq", t, Some(&json!({"title": "Refunds", "content": "Within 7 days.", "external_link": "http://x.example"})))
        .await;
    assert_eq!((status, code(&body)), (400, 10005), "{body}");
    let (status, body) = app
        .center(
            Method::POST,
            "/api/operator/faq",
            t,
            Some(&json!({"title": format!("Refunds {}", app.run), "content": "Within 7 days."})),
        )
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    let id = body["data"]["id"].as_u64().unwrap();
    let (status, _) = app
        .center(
            Method::PUT,
            &format!("/api/operator/faq/{id}"),
            t,
            Some(&json!({"content": "Within 14 days."})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, read) = app
        .center(Method::GET, &format!("/api/faq/{id}"), &user.token, None)
        .await;
    assert_eq!(read["data"]["content"], "Within 14 days.");
    let (status, _) = app
        .center(Method::DELETE, &format!("/api/operator/faq/{id}"), t, None)
        .await;
    assert_eq!(status, 200);
    let (status, read) = app
        .center(Method::GET, &format!("/api/faq/{id}"), &user.token, None)
        .await;
    assert_eq!((status, code(&read)), (404, 10001));
    let (status, _) = app
        .center(Method::DELETE, &format!("/api/operator/faq/{id}"), t, None)
        .await;
    assert_eq!(status, 404, "deleted once");

    // A category, renamed, then deleted.
    let (_, body) = app
        .center(
            Method::POST,
            "/api/operator/categories",
            t,
            Some(&json!({"name": format!("Billing {}", app.run)})),
        )
        .await;
    let cat = body["data"]["id"].as_u64().unwrap();
    let (status, _) = app
        .center(
            Method::PUT,
            &format!("/api/operator/categories/{cat}"),
            t,
            Some(&json!({"name": "a\u{7}b"})),
        )
        .await;
    assert_eq!(status, 400, "a control character");
    let (status, _) = app
        .center(
            Method::DELETE,
            &format!("/api/operator/categories/{cat}"),
            t,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, listed) = app
        .center(Method::GET, "/api/operator/content", t, None)
        .await;
    assert!(!listed["data"]["categories"]
        .to_string()
        .contains(&format!("\"id\":{cat}")));

    // A push: each user who opens it counts once; users never see the count.
    let (status, body) = app
        .center(Method::POST, "/api/operator/push_logs", t, Some(&json!({"push_title": "Maintenance", "push_body": "Tonight 2-3am", "push_scope": "ios"})))
        .await;
    assert_eq!((status, code(&body)), (200, 0), "{body}");
    assert_eq!(
        (
            body["data"]["manager_id"].as_u64(),
            body["data"]["push_scope"].as_u64()
        ),
        (Some(operator.uid), Some(2))
    );
    let pid = body["data"]["id"].as_u64().unwrap();
    for reader in [&user, &user, &other] {
        let (status, log) = app
            .center(
                Method::GET,
                &format!("/api/push/log/{pid}"),
                &reader.token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{log}");
        assert!(log["data"].get("read_count").is_none(), "{log}");
    }
    let (_, logs) = app
        .center(
            Method::GET,
            "/api/operator/push_logs?page_size=100",
            t,
            None,
        )
        .await;
    let ours = logs["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == pid)
        .unwrap();
    assert_eq!(ours["read_count"], 2, "two users, one of them twice");
    let (_, mine) = app
        .center(Method::GET, "/api/push/log", &user.token, None)
        .await;
    assert!(!mine.to_string().contains("read_count"));

    let actions: Vec<String> = {
        let (_, body) = app
            .center(Method::GET, "/api/operator/audit?page_size=100", t, None)
            .await;
        body["data"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor_uid"] == operator.uid)
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    for a in [
        "faq.create",
        "faq.edit",
        "faq.delete",
        "category.create",
        "category.delete",
        "push.record",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn operators_register_and_change_clients_by_the_clis_rules() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let t = &operator.token;
    let name = format!("Console app {}", app.run);
    // The CLI's rules: exact https redirect URIs, the password grant for first-party only.
    for (body, field) in [
        (
            json!({"name": &name, "redirect_uris": ["http://app.example.com/cb"]}),
            "redirect_uris",
        ),
        (
            json!({"name": &name, "redirect_uris": ["https://app.example.com/cb"], "grant_types": ["password"]}),
            "grant_types",
        ),
        (
            json!({"name": " ", "redirect_uris": ["https://app.example.com/cb"]}),
            "name",
        ),
    ] {
        let (status, answer) = app
            .center(Method::POST, "/api/operator/clients", t, Some(&body))
            .await;
        assert_eq!(
            (status, code(&answer), answer["field"].as_str()),
            (400, 10005, Some(field)),
            "{answer}"
        );
    }
    let (status, made) = app
        .center(
            Method::POST,
            "/api/operator/clients",
            t,
            Some(&json!({"name": &name, "redirect_uris": ["https://app.example.com/cb"], "grant_types": ["client_credentials"], "limits": {"apis/Services/location": 50}})),
        )
        .await;
    assert_eq!((status, code(&made)), (200, 0), "{made}");
    let id = made["data"]["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = made["data"]["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(
        token_with(&app, &id, &secret).await,
        200,
        "the secret it was given works"
    );

    // Changed: the rules again; the secret and id stay; the CLI sees the same client.
    let path = format!("/api/operator/clients/{id}");
    let (status, answer) = app
        .center(
            Method::PUT,
            &path,
            t,
            Some(&json!({"redirect_uris": ["https://app.example.com/cb#frag"]})),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, 10005), "{answer}");
    let (status, answer) = app
        .center(
            Method::PUT,
            &path,
            t,
            Some(&json!({"name": "Renamed", "redirect_uris": ["https://new.example.com/cb"], "limits": {"*": 500}})),
        )
        .await;
    assert_eq!((status, code(&answer)), (200, 0), "{answer}");
    assert_eq!(
        token_with(&app, &id, &secret).await,
        200,
        "the secret is kept"
    );
    let listed = app.admin(&["client", "list"]);
    let ours = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap();
    assert_eq!(ours["name"], "Renamed");
    assert_eq!(ours["redirect_uris"], json!(["https://new.example.com/cb"]));
    assert_eq!(ours["limits"], json!({"*": 500}));
    let actions: Vec<Value> = audit_of(&app, &operator, &format!("client:{id}"))
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, [json!("client.edit"), json!("client.create")]);
}
