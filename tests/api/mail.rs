//! Mail that survives production (issue 22): SES's bounce and complaint notifications, as
//! SNS delivers them to the `mail` function (events/mail-bounce.json), keep a suppression
//! list; a suppressed address is never mailed again (the SES emulator receives nothing) and
//! the caller gets the documents' mail-failure code; a permanent bounce unverifies it.

use aws_sdk_dynamodb::types::AttributeValue;
use passport_tests::{gateway_event, json, repo_root, TestApp};

const PASSWORD: &str = "s3cret-pass";
use serde_json::{json, Value};

/// A sample notification of `file` (events/), about `address` instead of the simulator's.
fn notification(file: &str, address: &str) -> Value {
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("events").join(file)).unwrap(),
    )
    .unwrap();
    let sample = match file {
        "mail-bounce.json" => "bounce@simulator.amazonses.com",
        _ => "complaint@simulator.amazonses.com",
    };
    let message = event["Records"][0]["Sns"]["Message"]
        .as_str()
        .unwrap()
        .replace(sample, address);
    event["Records"][0]["Sns"]["Message"] = json!(message);
    event
}

async fn email_verified(app: &TestApp, uid: u64) -> bool {
    let item = app.item(&format!("USER#{uid}"), "PROFILE").await.unwrap();
    item["email_verified"] == AttributeValue::Bool(true)
}

/// `/api/User/sendcode` to `address`, without the per-address interval (a second code
/// within a minute is the point here).
fn send_code(app: &TestApp, address: &str) -> (u64, Value) {
    let event = gateway_event(
        "POST",
        "/api/User/sendcode",
        "application/x-www-form-urlencoded",
        &format!("medium={}", address.replace('@', "%40")),
        &[],
    );
    let answer = app.invoke("users", &event, &[("CODE_SEND_INTERVAL_SECONDS", "0")]);
    let body = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    (answer["statusCode"].as_u64().unwrap(), body)
}

#[tokio::test]
async fn a_hard_bounce_suppresses_the_address_and_unverifies_it() {
    let app = TestApp::new();
    let email = app.email("bounced");
    let name = format!("bounced_{}", app.run);
    let uid = app.register(&name, &email, PASSWORD).await;
    app.verify_email(&email).await;
    assert!(email_verified(&app, uid).await);

    let answer = app.invoke("mail", &notification("mail-bounce.json", &email), &[]);
    assert_eq!(
        answer,
        json!({"suppressed": 1, "unverified": 1, "skipped": 0})
    );
    assert!(
        !email_verified(&app, uid).await,
        "a bouncing address proves nothing"
    );

    let mailed = app.mails_to(&email).await.len();
    let (status, body) = send_code(&app, &email);
    assert_eq!(
        (status, body["error_code"].as_u64()),
        (503, Some(202201)),
        "the documents' mail failure: {body}"
    );
    // A reset asked by username answers as for anyone (no account is told apart), and
    // mails nothing either.
    let (status, body) = json(
        app.post_form("/apis/Users/forgotPassword", &[("account", &name)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.mails_to(&email).await.len(),
        mailed,
        "the SES emulator received nothing for a suppressed address"
    );

    // The operator lifts it once the mailbox works again.
    let out = app.admin(&["mail", "unsuppress", &email]);
    assert_eq!(out["lifted"], true, "{out}");
    let (status, body) = send_code(&app, &email);
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.mails_to(&email).await.len(), mailed + 1);
}

#[tokio::test]
async fn a_complaint_suppresses_and_a_transient_bounce_does_not() {
    let app = TestApp::new();
    let (complained, full) = (app.email("complained"), app.email("full"));
    let answer = app.invoke(
        "mail",
        &notification("mail-complaint.json", &complained),
        &[],
    );
    assert_eq!(
        answer,
        json!({"suppressed": 1, "unverified": 0, "skipped": 0})
    );
    let mut transient = notification("mail-bounce.json", &full);
    let message = transient["Records"][0]["Sns"]["Message"]
        .as_str()
        .unwrap()
        .replace("\"Permanent\"", "\"Transient\"");
    transient["Records"][0]["Sns"]["Message"] = json!(message);
    let answer = app.invoke("mail", &transient, &[]);
    assert_eq!(
        answer,
        json!({"suppressed": 0, "unverified": 0, "skipped": 1})
    );

    let (status, body) = send_code(&app, &complained);
    assert_eq!((status, body["error_code"].as_u64()), (503, Some(202201)));
    assert!(app.mails_to(&complained).await.is_empty());
    let (status, body) = send_code(&app, &full);
    assert_eq!(status, 200, "a full mailbox may empty: {body}");
    assert_eq!(app.mails_to(&full).await.len(), 1);
    let listed = app.admin(&["mail", "suppressed"]);
    let reason_of = |address: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == address)
            .map(|s| s["reason"].clone())
    };
    assert_eq!(reason_of(&complained), Some(json!("complaint")), "{listed}");
    assert_eq!(reason_of(&full), None, "{listed}");
}
