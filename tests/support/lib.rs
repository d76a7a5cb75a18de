//! The end-to-end harness: a [`TestApp`] calls the API over HTTP as a client would, against
//! the local stack (DynamoDB Local, the SES emulator, moto and every function behind the
//! API Gateway-shaped server).
//!
//! The stack is started once per test binary by running `passport-local serve` on free ports;
//! it stops by itself when this process exits (its standard input closes). Set
//! `PASSPORT_STACK_FILE` to the stack file of a running `scripts/dev` to use that instead.
//! Tests share the stack and isolate their data by making every name, address and number
//! they use unique to the test.

pub mod browser;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Where the running stack is.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Stack {
    pub api: String,
    pub dynamodb: String,
    pub ses: String,
    pub moto: String,
    /// The stack's signing key (PKCS#8 PEM), as an operator's backend holds it.
    pub jwt_key_file: PathBuf,
    #[serde(skip)]
    pub stack_file: PathBuf,
}

static STACK: OnceLock<Stack> = OnceLock::new();
/// Keeps the stack's process and its standard input open for the life of the test binary.
static RUNNING: Mutex<Option<passport_local::launch::Launched>> = Mutex::new(None);

/// The directory cargo put this workspace's binaries in (the test binary is in its `deps/`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn start_stack() -> Stack {
    if let Ok(file) = std::env::var("PASSPORT_STACK_FILE") {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("PASSPORT_STACK_FILE {file}: {e}"));
        let mut stack: Stack = serde_json::from_str(&text).expect("stack file is JSON");
        stack.stack_file = PathBuf::from(file);
        return stack;
    }
    let launched = passport_local::launch::Launched::start(&bin_dir(), &repo_root(), &[])
        .expect("the local stack starts (run the tests with scripts/test, which builds it)");
    let mut stack: Stack = serde_json::from_value(launched.info.clone()).expect("stack line");
    stack.stack_file = launched.file.clone();
    *RUNNING.lock().expect("lock") = Some(launched);
    stack
}

/// An API Gateway event for `method path` with `body`, from the sample events' shape.
pub fn gateway_event(
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Value {
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("events/account-access-token.json")).unwrap(),
    )
    .unwrap();
    event["routeKey"] = serde_json::json!(format!("{method} {path}"));
    event["rawPath"] = serde_json::json!(path);
    event["requestContext"]["http"]["method"] = serde_json::json!(method);
    event["requestContext"]["http"]["path"] = serde_json::json!(path);
    event["requestContext"]["routeKey"] = serde_json::json!(format!("{method} {path}"));
    event["headers"]["content-type"] = serde_json::json!(content_type);
    for (k, v) in headers {
        event["headers"][*k] = serde_json::json!(v);
    }
    event["body"] = serde_json::json!(body);
    event
}

/// A client of the API for one test, with data names unique to it.
pub struct TestApp {
    pub stack: &'static Stack,
    pub http: reqwest::Client,
    /// A short id unique to this test, for names, addresses and numbers.
    pub run: String,
    /// The loopback address this test's requests come from, its own (127.0.x.y, x ≥ 1), so
    /// that the per-source abuse limits of one test never spend another's budget.
    pub source_ip: std::net::IpAddr,
}

/// A loopback source address no other [`TestApp`] of this run has.
fn own_source_ip() -> std::net::IpAddr {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(
        127,
        0,
        (1 + n / 250) as u8,
        (1 + n % 250) as u8,
    ))
}

impl TestApp {
    pub fn new() -> TestApp {
        let stack = STACK.get_or_init(start_stack);
        let source_ip = own_source_ip();
        TestApp {
            stack,
            source_ip,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(source_ip)
                .build()
                .expect("http client"),
            run: uuid::Uuid::new_v4().simple().to_string()[..10].to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.stack.api, path)
    }

    /// An email address nobody else in the run uses.
    pub fn email(&self, tag: &str) -> String {
        format!("{tag}.{}@example.com", self.run)
    }

    /// An 11-digit mobile number in an allocated range, unique to the test.
    pub fn phone(&self) -> String {
        let n = u64::from_str_radix(&self.run[..8], 16).unwrap_or(0) % 100_000_000;
        format!("138{n:08}")
    }

    /// A client of the API from another loopback address of its own: the same person (or
    /// attacker) seen from a second network.
    pub fn from_another_address(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(own_source_ip())
            .build()
            .expect("http client")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .endpoint_url(&self.stack.dynamodb)
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&sdk)
    }

    /// The table's item at (`pk`, `sk`), read directly (what a test checks at rest).
    pub async fn item(
        &self,
        pk: &str,
        sk: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.dynamodb()
            .await
            .get_item()
            .table_name("PassportTable")
            .key("pk", AttributeValue::S(pk.to_owned()))
            .key("sk", AttributeValue::S(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("DynamoDB Local reachable")
            .item
    }

    /// Every mail in the SES emulator's store that `pred` accepts.
    pub async fn mails(&self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let store: Value = self
            .http
            .get(format!("{}/store", self.stack.ses))
            .send()
            .await
            .expect("SES store reachable")
            .json()
            .await
            .expect("SES store is JSON");
        store["emails"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| pred(m))
            .collect()
    }

    /// Runs one function on one event, as `passport-local invoke --attach` does, with extra
    /// environment; returns the function's payload 2.0 answer.
    pub fn invoke(&self, function: &str, event: &Value, env: &[(&str, &str)]) -> Value {
        self.invoke_with(function, event, env, None, self.source_ip)
    }

    /// [`TestApp::invoke`], with the invocation's DynamoDB calls counted into `meter`
    /// (`passport-local invoke --meter`, one JSON line, each answer held 150 ms so that
    /// stages count alike under load; passport_local::meter). Each metered invocation comes
    /// from a new address of its own, so that each starts its abuse-limit window alike.
    pub fn invoke_metered(&self, function: &str, event: &Value, meter: &Path) -> Value {
        self.invoke_with(function, event, &[], Some(meter), own_source_ip())
    }

    fn invoke_with(
        &self,
        function: &str,
        event: &Value,
        env: &[(&str, &str)],
        meter: Option<&Path>,
        source_ip: std::net::IpAddr,
    ) -> Value {
        let event_file = std::env::temp_dir().join(format!(
            "passport-event-{}-{}.json",
            self.run,
            uuid::Uuid::new_v4().simple()
        ));
        // A source address of the test's, as the gateway would give its requests: sample
        // events share one, and the abuse limits count per source.
        let mut event = event.clone();
        if let Some(http) = event
            .pointer_mut("/requestContext/http")
            .and_then(Value::as_object_mut)
        {
            http.insert("sourceIp".into(), source_ip.to_string().into());
        }
        std::fs::write(&event_file, event.to_string()).expect("write event");
        let mut cmd = Command::new(bin_dir().join("passport-local"));
        cmd.current_dir(repo_root())
            .args(["invoke", function, "--quiet", "--event"])
            .arg(&event_file)
            .arg("--attach")
            .arg(&self.stack.stack_file);
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        if let Some(meter) = meter {
            // Calls made together overlap however loaded the machine is (see
            // passport_local::meter on the hold).
            cmd.arg("--meter")
                .arg(meter)
                .args(["--meter-hold-ms", "150"]);
        }
        let out = cmd.output().expect("run passport-local invoke");
        let _ = std::fs::remove_file(&event_file);
        assert!(
            out.status.success(),
            "invoke failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("invoke prints JSON")
    }
}

impl TestApp {
    /// Runs the operator CLI against this stack; returns what it printed, as JSON.
    pub fn admin(&self, args: &[&str]) -> Value {
        let out = self.admin_run(args);
        assert!(
            out.status.success(),
            "passport-admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Runs the operator CLI where it must refuse: what it said on stderr.
    pub fn admin_fails(&self, args: &[&str]) -> String {
        let out = self.admin_run(args);
        assert!(
            !out.status.success(),
            "passport-admin {args:?} was not refused"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn admin_run(&self, args: &[&str]) -> std::process::Output {
        Command::new(bin_dir().join("passport-admin"))
            .arg("--stack")
            .arg(&self.stack.stack_file)
            .args(args)
            .output()
            .expect("run passport-admin")
    }
}

/// A captcha as a client holds it: its key and (from the local-only header) its answer.
#[derive(Debug, Clone)]
pub struct Captcha {
    pub key: String,
    pub answer: String,
}

impl TestApp {
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// A new captcha (scenario `default`).
    pub async fn captcha(&self) -> Captcha {
        let r = self
            .http
            .get(self.url("/api/Image/captcha"))
            .send()
            .await
            .expect("captcha");
        assert_eq!(r.status(), 200, "captcha image");
        let header = |n: &str| r.headers()[n].to_str().unwrap().to_owned();
        Captcha {
            key: header("x-captcha-key"),
            answer: header("x-captcha-answer"),
        }
    }

    /// The code in the newest mail to `to`, waiting briefly for it to arrive.
    pub async fn mailed_code(&self, to: &str) -> String {
        for _ in 0..50 {
            let mut mails = self.mails(|m| m["destination"]["to"][0] == to).await;
            mails.sort_by_key(|m| m["at"].as_i64().unwrap_or(0));
            if let Some(mail) = mails.last() {
                let text = mail["body"]["text"].as_str().unwrap_or("");
                if let Some(code) = six_digits(text) {
                    return code;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no code mailed to {to}");
    }

    /// Mails a code to `email` and validates it: the address is verified.
    pub async fn verify_email(&self, email: &str) {
        let (status, body) = json(
            self.post_form("/api/User/sendcode", &[("medium", email)])
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let code = self.mailed_code(email).await;
        let (status, body) = json(
            self.post_form(
                "/api/User/validateCommunicationCode",
                &[("code", code.as_str()), ("medium", email)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Every mail sent to `to`.
    pub async fn mails_to(&self, to: &str) -> Vec<Value> {
        self.mails(|m| m["destination"]["to"][0] == to).await
    }

    /// Registers a v2 account; returns its uid.
    pub async fn register(&self, username: &str, email: &str, password: &str) -> u64 {
        let (status, body) = json(
            self.post_form(
                "/api/User/register",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "register {username}: {body}");
        body["uid"].as_u64().expect("uid")
    }

    /// Signs in through the v2 login with a fresh captcha.
    pub async fn login(&self, username: &str, password: &str) -> (u16, Value) {
        let captcha = self.captcha().await;
        json(
            self.http
                .post(self.url("/api/User/login"))
                .header("x-captcha-key", &captcha.key)
                .form(&[
                    ("username", username),
                    ("password", password),
                    ("captcha", &captcha.answer),
                ])
                .send()
                .await
                .expect("login sent"),
        )
        .await
    }
}

/// A signed-in account of a test.
pub struct Member {
    pub uid: u64,
    pub username: String,
    pub token: String,
}

impl TestApp {
    /// A fresh account, signed in.
    pub async fn member(&self) -> Member {
        let name = format!("u_{}", uuid::Uuid::new_v4().simple());
        let username = name[..20].to_owned();
        let password = "signed-in-pass";
        let uid = self
            .register(&username, &format!("{username}@example.com"), password)
            .await;
        let (status, body) = self.login(&username, password).await;
        assert_eq!(status, 200, "sign in: {body}");
        let token = body["access_token"].as_str().expect("access token");
        Member {
            uid,
            username,
            token: token.to_owned(),
        }
    }

    /// A fresh account, signed in: its access token.
    pub async fn signed_in(&self) -> String {
        self.member().await.token
    }

    /// A center-dialect call (`Authorization: Token`): status and body.
    pub async fn center(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("authorization", format!("Token {token}"));
        if let Some(b) = body {
            request = request.json(b);
        }
        json(request.send().await.expect("sent")).await
    }

    /// A plain GET of `path`: status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        json(self.http.get(self.url(path)).send().await.expect("sent")).await
    }

    /// A v2 form post with a bearer token: status and body.
    pub async fn v2(&self, path: &str, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
        json(
            self.http
                .post(self.url(path))
                .bearer_auth(token)
                .form(form)
                .send()
                .await
                .expect("sent"),
        )
        .await
    }
}

impl TestApp {
    /// An SNS ticket for `id` at `channel`, made as the upstream callback makes one: with
    /// the platform key of the running stack (for the channels no test provider serves; the
    /// upstream tests get theirs from the callback).
    pub fn sns_ticket(&self, channel: &str, id: &str) -> String {
        use passport_shared::{domain::SnsChannel, social, token::SigningKeys};
        let pem = std::fs::read_to_string(&self.stack.jwt_key_file).expect("stack key");
        let keys = SigningKeys::from_pem(&pem).expect("stack key is a signing key");
        let who = social::SnsIdentity {
            channel: SnsChannel::parse(channel).expect("channel"),
            id: id.to_owned(),
        };
        social::issue(&keys, &who, passport_shared::now() + 300, None)
    }
}

/// The address of a loopback port where nothing listens: an AWS endpoint that is down.
pub fn dead_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// The code of an answer in any dialect: v2's `error_code`, or the others' `code`.
pub fn code_of(body: &Value) -> Option<u64> {
    body["error_code"].as_u64().or(body["code"].as_u64())
}

/// The first run of exactly six digits in `text`.
pub fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let run = &bytes[i..i + 6];
        let before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let after = i + 6 == bytes.len() || !bytes[i + 6].is_ascii_digit();
        (before && after && run.iter().all(u8::is_ascii_digit))
            .then(|| String::from_utf8_lossy(run).into_owned())
    })
}

impl Default for TestApp {
    fn default() -> Self {
        TestApp::new()
    }
}

/// The body of a response as JSON.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, value)
}
