//! The open-platform REST API (document 003): HTTP Basic clients, the `t_`/`p_` check,
//! auth codes, masking, JSON and XML.

use passport_tests::TestApp;
use serde_json::Value;

/// A client of the open platform: (id, secret).
fn provider(app: &TestApp, scopes: &[&str]) -> (String, String) {
    let name = format!("Provider {}", app.run);
    let mut args = vec![
        "client",
        "create",
        "--name",
        &name,
        "--redirect-uri",
        "https://provider.example.com/cb",
    ];
    for s in scopes {
        args.extend_from_slice(&["--scope", s]);
    }
    let out = app.admin(&args);
    (
        out["client_id"].as_str().unwrap().to_owned(),
        out["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// `t_` (now, in milliseconds) and its `p_`.
fn stamp(offset_ms: i64) -> (String, String) {
    let t = passport_shared::now() * 1000 + 123 + offset_ms;
    (t.to_string(), (t.rem_euclid(10_000) * 3 + 2345).to_string())
}

struct Answer {
    status: u16,
    content_type: String,
    etag: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
    fn code(&self) -> Option<u64> {
        self.json()["code"].as_u64()
    }
}

async fn call(
    app: &TestApp,
    path: &str,
    basic: Option<(&str, &str)>,
    query: &[(&str, &str)],
    if_none_match: Option<&str>,
) -> Answer {
    let mut request = app.http.get(app.url(path)).query(query);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let r = request.send().await.unwrap();
    let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    Answer {
        status: r.status().as_u16(),
        content_type: header("content-type").unwrap_or_default(),
        etag: header("etag"),
        body: r.text().await.unwrap(),
    }
}

/// The fields under `<data>` of an XML answer, and its code and message.
fn xml_fields(xml: &str) -> (Value, String, String) {
    let doc =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("well-formed XML: {e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "response");
    let child = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .unwrap_or_else(|| panic!("<{name}> in {xml}"))
    };
    let mut data = serde_json::Map::new();
    for field in child("data").children().filter(|n| n.is_element()) {
        data.insert(
            field.tag_name().name().to_owned(),
            Value::String(field.text().unwrap_or("").to_owned()),
        );
    }
    (
        Value::Object(data),
        child("code").text().unwrap_or("").to_owned(),
        child("message").text().unwrap_or("").to_owned(),
    )
}

/// A user signed in as the desktop software does (`remember`): (username, token).
async fn desktop_user(app: &TestApp, username: &str) -> String {
    let password = "open-platform-1";
    app.register(username, &app.email(username), password).await;
    let captcha = app.captcha().await;
    let r = app
        .http
        .post(app.url("/api/User/login"))
        .header("x-captcha-key", &captcha.key)
        .form(&[
            ("username", username),
            ("password", password),
            ("captcha", &captcha.answer),
            ("remember", "true"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["expires_in"],
        90 * 86_400,
        "desktop tokens live 3 months: {body}"
    );
    body["access_token"].as_str().unwrap().to_owned()
}

async fn auth_code(app: &TestApp, client: (&str, &str), token: &str) -> String {
    let (t, p) = stamp(0);
    let a = call(
        app,
        "/apis/rest/authService/authorize/json",
        Some(client),
        &[("access_token", token), ("t_", &t), ("p_", &p)],
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["data"]["auth_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_three_services_answer_masked_data_in_json_and_xml() {
    let app = TestApp::new();
    let (id, secret) = provider(&app, &["openplatform", "userinfo", "company"]);
    let username = format!("li{}40", &app.run[..6]);
    let token = desktop_user(&app, &username).await;
    let detail = app
        .http
        .post(app.url("/api/User/modifyDetailInfo"))
        .bearer_auth(&token)
        .form(&[("realname", "李小龙"), ("gender", "male")])
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    app.admin(&[
        "company",
        "set",
        "--user",
        &username,
        "--name",
        "水磨沟区一二三四五六七餐饮店",
        "--tax-number",
        "652324812345678901234503404",
        "--address",
        "乌鲁木齐市某某街巷186号",
        "--legal-person-phone",
        "133123450170",
        "--legal-person-name",
        "李小龙",
        "--province",
        "新疆",
    ]);
    let client = (id.as_str(), secret.as_str());

    // authService in both formats.
    let (t, p) = stamp(0);
    let q = [
        ("access_token", token.as_str()),
        ("t_", t.as_str()),
        ("p_", p.as_str()),
    ];
    let a = call(
        &app,
        "/apis/rest/authService/authorize/xml",
        Some(client),
        &q,
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.content_type.starts_with("application/xml"),
        "{}",
        a.content_type
    );
    let (data, code, message) = xml_fields(&a.body);
    assert_eq!((code.as_str(), message.as_str()), ("200", "ok"));
    assert_eq!(data["auth_code"].as_str().unwrap().len(), 40);
    let code = auth_code(&app, client, &token).await;

    let q = |t: &str, p: &str| -> Vec<(&'static str, String)> {
        vec![
            ("access_token", token.clone()),
            ("client_id", id.clone()),
            ("auth_code", code.clone()),
            ("t_", t.to_owned()),
            ("p_", p.to_owned()),
        ]
    };
    let (t, p) = stamp(0);
    let owned = q(&t, &p);
    let query: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let user = call(
        &app,
        "/apis/rest/userService/getUserInfo/json",
        Some(client),
        &query,
        None,
    )
    .await;
    assert_eq!(user.status, 200, "{}", user.body);
    let body = user.json();
    assert_eq!(
        (body["code"].as_u64(), body["message"].as_str()),
        (Some(200), Some("ok"))
    );
    let d = &body["data"];
    assert_eq!(d["username"], "li******40");
    assert_eq!(d["truename"], "李**");
    assert_eq!(d["sex"], "1");
    assert_eq!(d["is_admin"], "0");
    assert!(
        d["created"].as_str().unwrap().len() == 19 && d["nowtime"].as_i64().is_some(),
        "{d}"
    );

    let xml = call(
        &app,
        "/apis/rest/userService/getUserInfo/xml",
        Some(client),
        &query,
        None,
    )
    .await;
    let (xml_data, _, _) = xml_fields(&xml.body);
    for (k, v) in d.as_object().unwrap() {
        if k != "nowtime" {
            assert_eq!(xml_data[k].as_str(), v.as_str(), "{k} is the same in XML");
        }
    }
    // Unchanged data: 304 for the tag the client holds.
    let again = call(
        &app,
        "/apis/rest/userService/getUserInfo/json",
        Some(client),
        &query,
        user.etag.as_deref(),
    )
    .await;
    assert_eq!((again.status, again.body.as_str()), (304, ""));

    let company = call(
        &app,
        "/apis/rest/companyService/getCompanyInfo/json",
        Some(client),
        &query,
        None,
    )
    .await;
    assert_eq!(company.status, 200, "{}", company.body);
    let c = &company.json()["data"];
    assert_eq!(c["company_name"], "水磨沟区*******餐饮店");
    assert_eq!(c["tax_number"], "6523248***************03404");
    assert_eq!(c["address"], "乌鲁木齐市***巷186号");
    assert_eq!(c["legal_person_phone"], "133*****0170");
    assert_eq!(c["legal_person_name"], "李**");
    assert_eq!(c["province"], "新疆");
    let xml = call(
        &app,
        "/apis/rest/companyService/getCompanyInfo/xml",
        Some(client),
        &query,
        None,
    )
    .await;
    let (xml_data, code, _) = xml_fields(&xml.body);
    assert_eq!(code, "200");
    assert_eq!(xml_data["company_name"], "水磨沟区*******餐饮店");
}

#[tokio::test]
async fn every_guard_and_auth_code_error_has_its_documented_code() {
    let app = TestApp::new();
    let (id, secret) = provider(&app, &["openplatform", "userinfo"]);
    let (plain_id, plain_secret) = provider(&app, &["basic"]);
    let (other_id, other_secret) = provider(&app, &["openplatform", "userinfo"]);
    let token = desktop_user(&app, &format!("rest_{}", app.run)).await;
    let other_token = desktop_user(&app, &format!("rest2_{}", app.run)).await;
    let client = (id.as_str(), secret.as_str());
    let (t, p) = stamp(0);
    let good = [
        ("access_token", token.as_str()),
        ("t_", t.as_str()),
        ("p_", p.as_str()),
    ];
    let path = "/apis/rest/authService/authorize/json";

    for (basic, expected) in [
        (None, (401, 100009)),
        (Some((id.as_str(), "wrong")), (401, 100009)),
        (Some(("999999999999999", "x")), (401, 100008)),
        (
            Some((plain_id.as_str(), plain_secret.as_str())),
            (400, 100002),
        ),
    ] {
        let a = call(&app, path, basic, &good, None).await;
        assert_eq!(
            (a.status, a.code()),
            (expected.0, Some(expected.1)),
            "{basic:?}: {}",
            a.body
        );
    }
    let (old_t, old_p) = stamp(-10 * 60 * 1000);
    for query in [
        vec![("access_token", token.as_str()), ("p_", p.as_str())],
        vec![
            ("access_token", token.as_str()),
            ("t_", old_t.as_str()),
            ("p_", old_p.as_str()),
        ],
        vec![
            ("access_token", token.as_str()),
            ("t_", t.as_str()),
            ("p_", "1"),
        ],
    ] {
        let a = call(&app, path, Some(client), &query, None).await;
        assert_eq!(
            (a.status, a.code()),
            (400, Some(601)),
            "{query:?}: {}",
            a.body
        );
    }
    let a = call(
        &app,
        path,
        Some(client),
        &[("t_", t.as_str()), ("p_", p.as_str())],
        None,
    )
    .await;
    assert_eq!((a.status, a.code()), (401, Some(401)), "{}", a.body);
    let a = call(
        &app,
        path,
        Some(client),
        &[("access_token", "forged.token.x"), ("t_", &t), ("p_", &p)],
        None,
    )
    .await;
    assert_eq!((a.status, a.code()), (401, Some(401)));
    let a = call(
        &app,
        "/apis/rest/authService/authorize/yaml",
        Some(client),
        &good,
        None,
    )
    .await;
    assert_eq!(a.code(), Some(501), "{}", a.body);

    // Auth codes: unknown, another client's, another user's, not covering the service,
    // expired, and a client_id that is not the caller's.
    let code = auth_code(&app, client, &token).await;
    let info =
        |client: (&str, &str), token: &str, client_id: &str, code: &str, path: &'static str| {
            let app = &app;
            let (client, token, client_id, code) = (
                (client.0.to_owned(), client.1.to_owned()),
                token.to_owned(),
                client_id.to_owned(),
                code.to_owned(),
            );
            async move {
                let (t, p) = stamp(0);
                call(
                    app,
                    path,
                    Some((&client.0, &client.1)),
                    &[
                        ("access_token", &token),
                        ("client_id", &client_id),
                        ("auth_code", &code),
                        ("t_", &t),
                        ("p_", &p),
                    ],
                    None,
                )
                .await
            }
        };
    const USER: &str = "/apis/rest/userService/getUserInfo/json";
    const COMPANY: &str = "/apis/rest/companyService/getCompanyInfo/json";
    let a = info(client, &token, &id, &"0".repeat(40), USER).await;
    assert_eq!((a.status, a.code()), (401, Some(100019)));
    let a = info((&other_id, &other_secret), &token, &other_id, &code, USER).await;
    assert_eq!((a.status, a.code()), (403, Some(100021)));
    let a = info(client, &other_token, &id, &code, USER).await;
    assert_eq!((a.status, a.code()), (403, Some(100023)));
    let a = info(client, &token, &id, &code, COMPANY).await;
    assert_eq!(
        (a.status, a.code()),
        (403, Some(100018)),
        "no company scope: {}",
        a.body
    );
    let a = info(client, &token, &other_id, &code, USER).await;
    assert_eq!((a.status, a.code()), (400, Some(100002)));
    let a = info(client, &token, &id, &code, USER).await;
    assert_eq!(a.status, 200, "{}", a.body);

    let key = passport_shared::crypto::sha256_hex(&code);
    app.dynamodb()
        .await
        .update_item()
        .table_name("PassportTable")
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("RESTCODE#{key}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("CODE".into()),
        )
        .update_expression("SET code_expires = :past")
        .expression_attribute_values(
            ":past",
            aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
        )
        .send()
        .await
        .unwrap();
    let a = info(client, &token, &id, &code, USER).await;
    assert_eq!((a.status, a.code()), (401, Some(100020)));

    // An ended session: 100014. No company: 602.
    let (company_id, company_secret) = provider(&app, &["openplatform", "company"]);
    let company_code = auth_code(&app, (&company_id, &company_secret), &token).await;
    let a = info(
        (&company_id, &company_secret),
        &token,
        &company_id,
        &company_code,
        COMPANY,
    )
    .await;
    assert_eq!((a.status, a.code()), (404, Some(602)), "{}", a.body);
    let ended = app
        .http
        .post(app.url("/api/auth/destroy_token"))
        .header("authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 200);
    let a = call(&app, path, Some(client), &good, None).await;
    assert_eq!((a.status, a.code()), (401, Some(100014)), "{}", a.body);
}
