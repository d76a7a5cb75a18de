//! Abuse limits (issue 22), per source address and per account: a parallel burst gets
//! exactly the limit, the rest 429 with `Retry-After` and the documents' codes, in each
//! dialect and on the hosted pages. The gateway cases run at the limits template.yaml gives
//! the stack; the others invoke a function with a small limit of their own
//! (`ABUSE_LIMITS`). The account's sign-in lock under a parallel storm from several
//! networks is users.rs's `two_hundred_parallel_wrong_passwords_get_no_more_than_five_checks`.

use futures_util::future::join_all;
use passport_shared::limits::{AbuseLimits, Action};
use passport_tests::{gateway_event, json, repo_root, TestApp};
use serde_json::{json, Value};

/// The limits the stack's functions run with: template.yaml's `ABUSE_LIMITS`.
fn stack_limits() -> AbuseLimits {
    let template = passport_template::Template::load(&repo_root().join("template.yaml")).unwrap();
    let users = template.function("users").expect("the users function");
    AbuseLimits::parse(users.env.get("ABUSE_LIMITS").map_or("", String::as_str)).unwrap()
}

fn header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["headers"][name].as_str()
}

fn body(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_parallel_burst_of_sign_ins_from_one_address_gets_exactly_the_limit() {
    let app = TestApp::new();
    let rate = stack_limits()
        .rate(Action::SignIn)
        .expect("sign-in is limited");
    let burst = rate.count as usize + 20;
    let attempts = (0..burst).map(|i| {
        let app = &app;
        async move {
            let response = app
                .http
                .post(app.url("/api/auth/access_token"))
                .json(
                    &json!({"account": app.email(&format!("nobody{i}")), "password": "wrong-pass"}),
                )
                .send()
                .await
                .unwrap();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse::<i64>().ok());
            let (status, body) = json(response).await;
            (status, body, retry_after)
        }
    });
    let answers = join_all(attempts).await;
    let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 429).collect();
    assert_eq!(
        answers.len() - refused.len(),
        rate.count as usize,
        "exactly the limit reaches the password check"
    );
    for (_, body, retry_after) in &refused {
        assert_eq!(body["code"], 10000, "{body}");
        assert_eq!(body["message"], "API requests out of rate limit", "{body}");
        assert!(
            retry_after.is_some_and(|s| (1..=rate.per).contains(&s)),
            "Retry-After within the window: {retry_after:?}"
        );
    }
    assert!(
        answers
            .iter()
            .filter(|(s, _, _)| *s != 429)
            .all(|(s, b, _)| *s == 401 || *s == 400 && b["code"].is_number()),
        "the admitted are told the password is wrong: {:?}",
        answers.iter().find(|(s, _, _)| *s != 429)
    );
    // The same person from another network has a budget of their own.
    let (status, body) = json(
        app.from_another_address()
            .post(app.url("/api/auth/access_token"))
            .json(&json!({"account": app.email("nobody"), "password": "wrong-pass"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_ne!(status, 429, "{body}");
}

#[tokio::test]
async fn parallel_code_sends_past_the_limit_mail_nothing_and_say_how_long_to_wait() {
    let app = TestApp::new();
    let limit = [("ABUSE_LIMITS", "code_send=3/600")];
    let addresses: Vec<String> = (0..8).map(|i| app.email(&format!("burst{i}"))).collect();
    let answers: Vec<Value> = std::thread::scope(|s| {
        let runs: Vec<_> = addresses
            .iter()
            .map(|address| {
                let (app, limit) = (&app, &limit);
                s.spawn(move || {
                    let form = format!("medium={}", address.replace('@', "%40"));
                    app.invoke(
                        "users",
                        &gateway_event(
                            "POST",
                            "/api/User/sendcode",
                            "application/x-www-form-urlencoded",
                            &form,
                            &[],
                        ),
                        limit,
                    )
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let sent = answers.iter().filter(|a| a["statusCode"] == 200).count();
    assert_eq!(sent, 3, "exactly the limit is sent: {answers:?}");
    for refused in answers.iter().filter(|a| a["statusCode"] != 200) {
        assert_eq!(refused["statusCode"], 429, "{refused}");
        let b = body(refused);
        assert_eq!(b["error_code"], 202007, "{b}");
        let seconds: i64 = header(refused, "retry-after").unwrap().parse().unwrap();
        assert!((1..=600).contains(&seconds), "{seconds}");
        assert_eq!(
            b["message"],
            format!("The sending interval of verification code is {seconds} seconds")
        );
    }
    let mailed = app
        .mails(|m| addresses.iter().any(|a| m["destination"]["to"][0] == *a))
        .await;
    assert_eq!(mailed.len(), 3, "a refused send mails nothing");
}

#[tokio::test]
async fn the_token_routes_share_one_budget_and_refuse_in_their_dialects() {
    let app = TestApp::new();
    let limit = [("ABUSE_LIMITS", "token=2/60")];
    let form = "application/x-www-form-urlencoded";
    let grant = "grant_type=client_credentials&client_id=nobody&client_secret=nothing";
    let standard = gateway_event("POST", "/oauth2/token", form, grant, &[]);
    let v1 = gateway_event("POST", "/apis/Oauth/accessToken", form, grant, &[]);
    for event in [&standard, &v1] {
        let answer = app.invoke("oauth", event, &limit);
        assert_eq!(
            answer["statusCode"], 401,
            "unknown client, counted: {answer}"
        );
    }
    let answer = app.invoke("oauth", &standard, &limit);
    assert_eq!(answer["statusCode"], 429, "{answer}");
    assert_eq!(body(&answer)["error"], "temporarily_unavailable");
    assert!(header(&answer, "retry-after").is_some(), "{answer}");
    let answer = app.invoke("oauth", &v1, &limit);
    assert_eq!(
        (
            answer["statusCode"].as_u64(),
            body(&answer)["code"].as_u64()
        ),
        (Some(429), Some(200008)),
        "{answer}"
    );
    assert_eq!(body(&answer)["message"], "Request exceeded limit");
}

#[tokio::test]
async fn a_person_past_the_reset_limit_reads_a_page_in_their_language() {
    let app = TestApp::new();
    let limit = [("ABUSE_LIMITS", "reset=1/600")];
    let form = "application/x-www-form-urlencoded";
    let post = |query: &str| {
        let mut event = gateway_event("POST", "/oauth2/forgot", form, "step=send&account=x", &[]);
        event["rawQueryString"] = json!(query);
        app.invoke("oauth", &event, &limit)
    };
    assert_ne!(post("")["statusCode"], 429, "the first attempt is counted");
    let answer = post("");
    assert_eq!(answer["statusCode"], 429, "{answer}");
    assert!(header(&answer, "content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(header(&answer, "retry-after").is_some());
    let page = answer["body"].as_str().unwrap();
    assert!(
        page.contains("Too many attempts from your network. Try again in "),
        "{page}"
    );
    let page = post("lang=zh");
    assert!(
        page["body"]
            .as_str()
            .unwrap()
            .contains("来自你所在网络的尝试太多了，请 "),
        "{page}"
    );
}

#[tokio::test]
async fn behind_the_edge_the_viewers_address_is_the_source_only_with_the_edges_secret() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let edge = [("EDGE_SECRET", "the-edge-secret")];
    let locate = |secret: &str| {
        let mut event = gateway_event(
            "GET",
            "/apis/Services/location",
            "application/x-www-form-urlencoded",
            "",
            &[
                ("x-passport-edge", secret),
                ("x-passport-viewer", "198.51.100.77"),
            ],
        );
        event["rawQueryString"] = json!(format!("access_token={token}"));
        body(&app.invoke("services", &event, &edge))
    };
    // The location of "the caller's own address" is the viewer's, through the edge...
    assert_eq!(locate("the-edge-secret")["ip"], "198.51.100.77");
    // ...and API Gateway's for a request that goes around it, whatever it claims.
    assert_eq!(locate("a-guess")["ip"], app.source_ip.to_string());
}

#[tokio::test]
async fn parallel_code_sends_to_one_address_from_many_networks_send_one_code() {
    let app = TestApp::new();
    let address = app.email("one-address");
    let networks: Vec<reqwest::Client> = (0..10).map(|_| app.from_another_address()).collect();
    let sends = networks.iter().map(|http| {
        let (app, address) = (&app, address.clone());
        async move {
            json(
                http.post(app.url("/api/User/sendcode"))
                    .form(&[("medium", address.as_str())])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    });
    let answers = join_all(sends).await;
    let sent = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(
        sent, 1,
        "the address's interval holds across addresses: {answers:?}"
    );
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(s, b)| *s == 429 && b["error_code"] == 202007),
        "{answers:?}"
    );
    assert_eq!(app.mails_to(&address).await.len(), 1);
}
