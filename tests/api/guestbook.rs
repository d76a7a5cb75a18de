//! `POST /apis/Services/guestbook` (document 000 §2021).

use aws_sdk_dynamodb::types::AttributeValue;
use passport_tests::{json, TestApp};
use serde_json::{json, Value};
use std::collections::HashMap;

const PATH: &str = "/apis/Services/guestbook";

/// The stored entries whose visitor email is `email`, read through the listing index.
async fn entries_from(app: &TestApp, email: &str) -> Vec<HashMap<String, AttributeValue>> {
    app.dynamodb()
        .await
        .query()
        .table_name("PassportTable")
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :p")
        .filter_expression("email = :e")
        .expression_attribute_values(":p", AttributeValue::S("GUESTBOOK".into()))
        .expression_attribute_values(":e", AttributeValue::S(email.into()))
        .send()
        .await
        .expect("query the table")
        .items
        .unwrap_or_default()
}

fn text(item: &HashMap<String, AttributeValue>, key: &str) -> String {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_valid_entry_is_answered_as_documented_stored_and_mailed_to_the_owner() {
    let app = TestApp::new();
    let email = app.email("guest");
    let phone = app.phone();
    let message = format!("Hello from test {}", app.run);
    let response = app
        .post_form(
            PATH,
            &[
                ("name", "Li Lei"),
                ("email", &email),
                ("phone", &phone),
                ("message", &message),
                ("subject", "Hi"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"code":200,"request":"apis/Services/guestbook","message":"Successful"}"#
    );

    let entries = entries_from(&app, &email).await;
    assert_eq!(entries.len(), 1, "exactly one entry stored");
    let entry = &entries[0];
    assert_eq!(text(entry, "name"), "Li Lei");
    assert_eq!(text(entry, "phone"), phone);
    assert_eq!(text(entry, "message"), message);
    assert_eq!(text(entry, "subject"), "Hi");
    assert_eq!(text(entry, "delivery"), "sent");

    let mails = app.mails(|m| m["replyTo"][0] == email.as_str()).await;
    assert_eq!(mails.len(), 1, "one mail to the owner");
    let mail = &mails[0];
    assert_eq!(mail["destination"]["to"], json!(["owner@passport.local"]));
    assert_eq!(mail["subject"], "[Guestbook] Hi");
    assert!(mail["body"]["text"].as_str().unwrap().contains(&message));
    assert_eq!(
        mail["messageId"].as_str().unwrap(),
        text(entry, "mail_message_id")
    );
}

#[tokio::test]
async fn json_and_multipart_bodies_work_like_forms() {
    let app = TestApp::new();
    let email = app.email("json");
    let (status, body) = json(
        app.http
            .post(app.url(PATH))
            .json(&json!({"name": "Han Meimei", "email": email, "phone": 13800138000u64, "message": "via JSON"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (200, json!(200)));

    let email = app.email("multipart");
    let form = reqwest::multipart::Form::new()
        .text("name", "Han")
        .text("email", email.clone())
        .text("phone", "13800138000")
        .text("message", "via multipart");
    let (status, body) = json(
        app.http
            .post(app.url(PATH))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (200, json!(200)));
    assert_eq!(entries_from(&app, &email).await.len(), 1);
}

#[tokio::test]
async fn the_lower_case_path_of_the_document_is_served_and_named_canonically() {
    let app = TestApp::new();
    let email = app.email("lower");
    let (status, body) = json(
        app.post_form(
            "/apis/services/guestbook",
            &[
                ("name", "Li"),
                ("email", &email),
                ("phone", "13800138000"),
                ("message", "hi"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["request"], "apis/Services/guestbook");
}

#[tokio::test]
async fn format_jsonp_answers_javascript_with_status_200_even_for_errors() {
    let app = TestApp::new();
    let email = app.email("jsonp");
    let ok = app
        .post_form(
            &format!("{PATH}?format=jsonp"),
            &[
                ("name", "Li"),
                ("email", &email),
                ("phone", "13800138000"),
                ("message", "hi"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    assert_eq!(
        ok.text().await.unwrap(),
        r#"jsonpReturn({"code":200,"request":"apis/Services/guestbook","message":"Successful"});"#
    );

    let refused = app
        .post_form(
            PATH,
            &[
                ("format", "jsonp"),
                ("callback", "handle_1"),
                ("name", "Li"),
                ("email", "nope"),
                ("phone", "13800138000"),
                ("message", "hi"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 200);
    let body = refused.text().await.unwrap();
    assert!(body.starts_with(r#"handle_1({"code":200021,"#), "{body}");
}

#[tokio::test]
async fn a_callback_that_is_not_a_plain_identifier_is_refused() {
    let app = TestApp::new();
    let email = app.email("cb");
    let response = app
        .post_form(
            PATH,
            &[
                ("format", "jsonp"),
                ("callback", "alert(document.cookie)//"),
                ("name", "Li"),
                ("email", &email),
                ("phone", "13800138000"),
                ("message", "hi"),
            ],
        )
        .await;
    // No script can call an unusable name, so the refusal is plain JSON with its status.
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    let refusal: Value = serde_json::from_str(&body).expect("a JSON refusal");
    assert_eq!(refusal["code"], 200001, "{body}");
    assert_eq!(refusal["field"], "callback", "{body}");
    assert!(!body.contains("alert"));
    assert!(
        entries_from(&app, &email).await.is_empty(),
        "a refused request stores nothing"
    );
}

/// Each documented refusal: (form changes, code, HTTP status).
#[tokio::test]
async fn each_bad_field_gets_its_documented_code_and_nothing_is_stored() {
    let app = TestApp::new();
    let email = app.email("bad");
    let cases: &[(&str, &str, u64)] = &[
        ("message", "", 202102),
        ("message", "   ", 202102),
        ("email", "not-an-email", 200021),
        ("email", "", 200020),
        ("phone", "1380013800x", 200023),
        ("phone", "1380013800", 200024),
        ("phone", "12000000000", 200025),
        ("phone", "", 200022),
        ("name", "", 200001),
    ];
    for (field, value, code) in cases {
        let mut form: Vec<(&str, &str)> = vec![
            ("name", "Li"),
            ("email", &email),
            ("phone", "13800138000"),
            ("message", "hello"),
        ];
        form.retain(|(k, _)| k != field);
        form.push((field, value));
        let (status, body) = json(app.post_form(PATH, &form).await).await;
        assert_eq!(status, 400, "{field}={value:?}: {body}");
        assert_eq!(body["code"], *code, "{field}={value:?}: {body}");
        assert_eq!(body["request"], "apis/Services/guestbook");
    }
    assert!(entries_from(&app, &email).await.is_empty());
}

#[tokio::test]
async fn messages_are_chinese_with_lang_zh_or_accept_language() {
    let app = TestApp::new();
    let form = [
        ("name", "Li"),
        ("email", "li@example.com"),
        ("phone", "13800138000"),
        ("message", ""),
    ];
    let (_, body) = json(app.post_form(&format!("{PATH}?lang=zh"), &form).await).await;
    assert_eq!(body["message"], "消息不能为空");
    let response = app
        .http
        .post(app.url(PATH))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&form)
        .send()
        .await
        .unwrap();
    let (_, body) = json(response).await;
    assert_eq!(body["message"], "消息不能为空");
}

#[tokio::test]
async fn a_malformed_json_body_is_a_clear_client_error_not_a_500() {
    let app = TestApp::new();
    let (status, body) = json(
        app.http
            .post(app.url(PATH))
            .header("content-type", "application/json")
            .body("{\"name\":")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 200001);
    assert_eq!(body["field"], "body");
}

#[tokio::test]
async fn when_mail_cannot_be_sent_the_answer_is_202101_and_the_entry_is_kept() {
    let app = TestApp::new();
    let email = app.email("nomail");
    // The sample event of events/, with this test's address, run by the real function binary
    // against the real DynamoDB Local, with SES pointed at a port where nothing listens.
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(passport_tests::repo_root().join("events/guestbook.json"))
            .unwrap(),
    )
    .unwrap();
    event["body"] = json!(format!(
        "name=Li&email={}&phone=13800138000&message=hello",
        email.replace('@', "%40")
    ));
    let dead_ses = passport_tests::dead_endpoint();
    let answer = app.invoke(
        "services",
        &event,
        &[
            ("AWS_ENDPOINT_URL_SES", &dead_ses),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert_eq!(answer["statusCode"], 503);
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"code": 202101, "request": "apis/Services/guestbook", "message": "Message delivery failed"})
    );

    let entries = entries_from(&app, &email).await;
    assert_eq!(
        entries.len(),
        1,
        "the entry is stored even though the mail failed"
    );
    assert_eq!(text(&entries[0], "delivery"), "failed");
    assert!(app
        .mails(|m| m["replyTo"][0] == email.as_str())
        .await
        .is_empty());
}

#[tokio::test]
async fn the_sample_event_runs_through_invoke_as_sam_local_invoke_would() {
    let app = TestApp::new();
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(passport_tests::repo_root().join("events/guestbook.json"))
            .unwrap(),
    )
    .unwrap();
    let answer = app.invoke("ServicesFunction", &event, &[]);
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(
        answer["body"],
        r#"{"code":200,"request":"apis/Services/guestbook","message":"Successful"}"#
    );
}
