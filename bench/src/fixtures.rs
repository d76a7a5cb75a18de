//! What the representative requests need, made through the running stack as a client would:
//! two signed-in users who are friends, a calendar event, a FAQ entry, an open-platform
//! client; and the requests themselves, as HTTP calls and as API Gateway events.

use crate::stack::Stack;
use anyhow::Context;
use base64::Engine;
use serde_json::{json, Value};

pub struct Member {
    pub uid: u64,
    pub username: String,
    pub password: String,
    pub token: String,
}

pub struct Fixture {
    pub http: reqwest::Client,
    pub api: String,
    pub a: Member,
    pub client_id: String,
    pub client_secret: String,
    /// A confidential client with the client_credentials grant and no hourly limit in the
    /// way of the load run (the token endpoint and introspection scenarios).
    pub service_id: String,
    pub service_secret: String,
    pub ratelimit_event: Value,
}

/// One HTTP request, sendable to the stack or wrapped as an API Gateway (HTTP API v2) event.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Req {
    pub fn new(method: &'static str, path: &str) -> Req {
        Req {
            method,
            path: path.to_owned(),
            query: String::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn query(mut self, q: &str) -> Req {
        self.query = q.to_owned();
        self
    }

    pub fn header(mut self, k: &str, v: &str) -> Req {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }

    pub fn form(self, form: &[(&str, &str)]) -> Req {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut r = self.header("content-type", "application/x-www-form-urlencoded");
        r.body = Some(body);
        r
    }

    pub fn json(self, body: &Value) -> Req {
        let mut r = self.header("content-type", "application/json");
        r.body = Some(body.to_string());
        r
    }

    pub fn event(&self) -> Value {
        let mut headers = serde_json::Map::new();
        headers.insert("host".into(), json!("127.0.0.1:3000"));
        for (k, v) in &self.headers {
            headers.insert(k.to_ascii_lowercase(), json!(v));
        }
        let mut query = serde_json::Map::new();
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            query.insert(k.to_owned(), json!(v));
        }
        let route = format!("{} {}", self.method, self.path);
        json!({
            "version": "2.0",
            "routeKey": route,
            "rawPath": self.path,
            "rawQueryString": self.query,
            "queryStringParameters": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "bench", "domainName": "127.0.0.1:3000",
                "domainPrefix": "127", "requestId": uuid::Uuid::new_v4().to_string(), "routeKey": route,
                "stage": "$default", "time": "22/Nov/2026:12:00:00 +0000", "timeEpoch": 1795348800000u64,
                "http": { "method": self.method, "path": self.path, "protocol": "HTTP/1.1",
                          "sourceIp": "203.0.113.10", "userAgent": "passport-bench" }
            },
            "body": self.body,
            "isBase64Encoded": false,
        })
    }

    pub async fn send(&self, http: &reqwest::Client, api: &str) -> anyhow::Result<(u16, Value)> {
        let mut url = format!("{api}{}", self.path);
        if !self.query.is_empty() {
            url = format!("{url}?{}", self.query);
        }
        let mut r = http.request(self.method.parse()?, url);
        for (k, v) in &self.headers {
            r = r.header(k, v);
        }
        if let Some(b) = &self.body {
            r = r.body(b.clone());
        }
        let resp = r.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }
}

pub fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A captcha's key and (exposed, locally) answer.
pub async fn captcha(http: &reqwest::Client, api: &str) -> anyhow::Result<(String, String)> {
    let r = http.get(format!("{api}/api/Image/captcha")).send().await?;
    let h = |n: &str| -> anyhow::Result<String> {
        Ok(r.headers()
            .get(n)
            .context("captcha header")?
            .to_str()?
            .to_owned())
    };
    Ok((h("x-captcha-key")?, h("x-captcha-answer")?))
}

/// A v2 sign-in with a fresh captcha.
pub async fn login_request(
    http: &reqwest::Client,
    api: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<Req> {
    let (key, answer) = captcha(http, api).await?;
    Ok(Req::new("POST", "/api/User/login")
        .header("x-captcha-key", &key)
        .form(&[
            ("username", username),
            ("password", password),
            ("captcha", &answer),
        ]))
}

/// A fresh account, signed in.
pub async fn member(http: &reqwest::Client, api: &str) -> anyhow::Result<Member> {
    let username = format!("b_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let password = "bench-password-1".to_owned();
    let email = format!("{username}@example.com");
    let (status, body) = Req::new("POST", "/api/User/register")
        .form(&[
            ("username", &username),
            ("email", &email),
            ("password", &password),
        ])
        .send(http, api)
        .await?;
    anyhow::ensure!(status == 200, "register: {body}");
    let (status, body) = login_request(http, api, &username, &password)
        .await?
        .send(http, api)
        .await?;
    anyhow::ensure!(status == 200, "login: {body}");
    Ok(Member {
        uid: body["uid"].as_u64().context("uid")?,
        username,
        password,
        token: body["access_token"].as_str().context("token")?.to_owned(),
    })
}

impl Fixture {
    /// The service client's HTTP Basic credentials (RFC 6749 §2.3.1).
    pub fn service_basic(&self) -> String {
        format!(
            "Basic {}",
            Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("{}:{}", self.service_id, self.service_secret)
            )
        )
    }

    pub async fn make(stack: &Stack) -> anyhow::Result<Fixture> {
        let http = reqwest::Client::new();
        let api = stack.api.clone();
        let a = member(&http, &api).await?;
        let b = member(&http, &api).await?;
        let bearer = format!("Bearer {}", a.token);
        let (s, body) = Req::new("POST", "/api/User/friendmake")
            .header("authorization", &bearer)
            .form(&[("fid", &b.uid.to_string())])
            .send(&http, &api)
            .await?;
        anyhow::ensure!(s == 200, "friendmake: {body}");
        let (s, body) = Req::new("POST", "/api/Calendar/add")
            .header("authorization", &bearer)
            .form(&[("title", "Standup"), ("start", "2030-01-10 09:00")])
            .send(&http, &api)
            .await?;
        anyhow::ensure!(s == 200, "calendar add: {body}");
        stack.admin(&["faq", "add", "--title", "Bench", "--content", "A FAQ entry"])?;
        // The operator function's representative request is an operator's.
        stack.admin(&["operator", "grant", &a.username])?;
        let client = stack.admin(&[
            "client",
            "create",
            "--name",
            "Bench provider",
            "--redirect-uri",
            "https://bench.example.com/cb",
            "--scope",
            "openplatform",
            "--scope",
            "userinfo",
        ])?;
        let service = stack.admin(&[
            "client",
            "create",
            "--name",
            "Bench service",
            "--grant",
            "client_credentials",
            "--limit",
            "*=1000000",
        ])?;
        let ratelimit_event =
            serde_json::from_str(&std::fs::read_to_string("events/ratelimit-schedule.json")?)?;
        Ok(Fixture {
            http,
            api,
            a,
            client_id: client["client_id"]
                .as_str()
                .context("client_id")?
                .to_owned(),
            client_secret: client["client_secret"]
                .as_str()
                .context("client_secret")?
                .to_owned(),
            service_id: service["client_id"]
                .as_str()
                .context("service client_id")?
                .to_owned(),
            service_secret: service["client_secret"]
                .as_str()
                .context("service client_secret")?
                .to_owned(),
            ratelimit_event,
        })
    }

    /// The representative request of a function (a fresh one each call: sign-ins need a
    /// fresh captcha), as an event.
    pub async fn event_for(&self, function: &str) -> anyhow::Result<Value> {
        let token = &self.a.token;
        let bearer = format!("Bearer {token}");
        let center = format!("Token {token}");
        let req = match function {
            "ratelimit" => return Ok(self.ratelimit_event.clone()),
            "services" => Req::new("GET", "/apis/Services/location")
                .query(&format!("ip=8.8.8.8&access_token={token}")),
            "users" => {
                login_request(&self.http, &self.api, &self.a.username, &self.a.password).await?
            }
            "images" => Req::new("GET", "/api/Image/captcha"),
            "account" => Req::new("GET", "/api/personal/info").header("authorization", &center),
            "oauth" => Req::new("POST", "/apis/Oauth/info").header("authorization", &bearer),
            "openplatform" => {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_millis() as i64;
                let p = (t % 10_000) * 3 + 2345;
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", self.client_id, self.client_secret));
                Req::new("GET", "/apis/rest/authService/authorize/json")
                    .query(&format!("access_token={token}&t_={t}&p_={p}"))
                    .header("authorization", &format!("Basic {basic}"))
            }
            "friends" => Req::new("POST", "/api/User/friends").header("authorization", &bearer),
            "calendar" => Req::new("POST", "/api/Calendar/events")
                .header("authorization", &bearer)
                .form(&[("start", "2030-01-01"), ("end", "2030-01-31")]),
            "push" => Req::new("GET", "/api/message/count")
                .query("push_ids=")
                .header("authorization", &center),
            "support" => Req::new("GET", "/api/faq").header("authorization", &center),
            "operator" => Req::new("GET", "/api/operator/users")
                .query(&format!("q={}", self.a.uid))
                .header("authorization", &center),
            // A v1 path in a spelling API Gateway does not route: the $default route's
            // function passes it on to its group's function (Lambda Invoke).
            "fallback" => Req::new("POST", "/APIS/OAUTH/INFO").header("authorization", &bearer),
            _ => Req::new("GET", "/"),
        };
        Ok(req.event())
    }

    /// What a function's representative request is, in words.
    pub fn describe(function: &str) -> &'static str {
        match function {
            "ratelimit" => "hourly quota sweep (scheduled event)",
            "services" => "GET /apis/Services/location (token check + lookup)",
            "users" => "POST /api/User/login (captcha, argon2id, session)",
            "images" => "GET /api/Image/captcha (render + store)",
            "account" => "GET /api/personal/info (token check + read)",
            "oauth" => "POST /apis/Oauth/info (token check + read)",
            "openplatform" => "GET /apis/rest/authService/authorize/json",
            "friends" => "POST /api/User/friends (one friend)",
            "calendar" => "POST /api/Calendar/events (one event in range)",
            "push" => "GET /api/message/count",
            "support" => "GET /api/faq",
            "operator" => "GET /api/operator/users?q=<uid> (role check + lookup)",
            "fallback" => "POST /APIS/OAUTH/INFO (passed on to oauth by Lambda Invoke)",
            _ => "constant answer",
        }
    }
}
