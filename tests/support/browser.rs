//! A headless Chromium driven through ChromeDriver's W3C WebDriver protocol (Debian's
//! `chromium` and `chromium-driver`, installed by `scripts/install-local-stack`), and a
//! loopback listener that plays an OAuth client's redirect URI.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser session; the driver process ends when this is dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// ChromeDriver on a port it picks itself (`--port=0`: no race for a free port with the
/// rest of the run), read from the line it prints when it listens.
fn spawn_driver(driver_path: &str) -> (Child, u16) {
    use std::io::BufRead;
    let mut driver = Command::new(driver_path)
        .arg("--port=0")
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{driver_path}: {e} (scripts/install-local-stack installs it)"));
    let stdout = driver.stdout.take().expect("the driver's output");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("started successfully on port ")
                .nth(1)?
                .trim_end_matches('.')
                .trim()
                .parse::<u16>()
                .ok()
        })
        .unwrap_or_else(|| panic!("{driver_path} did not say which port it listens on"));
    // Keep reading (and dropping) what it prints, so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (driver, port)
}

impl Browser {
    pub async fn start() -> Browser {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let (driver, port) = spawn_driver(&driver_path);
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        // It listens already (it said so); ready is a moment later.
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true)
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!(
            "passport-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ];
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push(format!("--user-data-dir={}", profile.display()));
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
            _profile: TempDir(profile),
        };
        let created = browser
            .call(
                reqwest::Method::POST,
                "/session",
                json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {"binary": chromium, "args": all}
                }}}),
            )
            .await;
        browser.session = created["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_owned();
        browser
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !body.is_null() {
            request = request.json(&body);
        }
        let reply: Value = request
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("WebDriver answers JSON");
        if let Some(error) = reply["value"]["error"].as_str() {
            panic!("WebDriver {path}: {error}: {}", reply["value"]["message"]);
        }
        reply["value"].clone()
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, &self.at("/url"), json!({"url": url}))
            .await;
    }

    /// Resizes the window (the viewport a page is laid out in, and screenshots).
    pub async fn window_size(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            &self.at("/window/rect"),
            json!({"width": width, "height": height}),
        )
        .await;
    }

    /// The page as it is shown now, as PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let shot = self
            .call(reqwest::Method::GET, &self.at("/screenshot"), Value::Null)
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot.as_str().expect("a base64 screenshot"))
            .expect("base64")
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, &self.at("/url"), Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// WebDriver's answer to a search of the page for `css` (`/element`: the first match,
    /// `/elements`: all), an error where nothing matches.
    async fn search(&self, what: &str, css: &str) -> Value {
        self.http
            .post(format!("{}{}", self.base, self.at(what)))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("JSON")
    }

    /// The element matching a CSS selector, waiting up to 10 s for it.
    pub async fn find(&self, css: &str) -> String {
        for _ in 0..100 {
            let reply = self.search("/element", css).await;
            if let Some(id) = reply["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} at {}", self.url().await);
    }

    /// Whether the page shown now has an element matching `css` (no waiting: for a page
    /// that has been loaded, whose content is known to be one of a few).
    pub async fn has(&self, css: &str) -> bool {
        let reply = self.search("/elements", css).await;
        reply["value"].as_array().is_some_and(|all| !all.is_empty())
    }

    /// Empties the field matching `css` (to type a new value over a page's own).
    pub async fn clear(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{el}/clear")),
            json!({}),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{el}/value")),
            json!({"text": text}),
        )
        .await;
    }

    /// Clicks the element matching `css` and waits (up to 10 s) until the page it was on
    /// has been left. Every click in these tests follows a link or submits a form, and
    /// reading the next page before the old one is gone would read the old one (or an
    /// element of it that has just gone stale).
    pub async fn click(&self, css: &str) {
        let page = self.find("html").await;
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &self.at(&format!("/element/{el}/click")),
            json!({}),
        )
        .await;
        for _ in 0..100 {
            if self.gone(&page).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("clicking {css} left no page: still at {}", self.url().await);
    }

    /// Whether an element found earlier is no longer in the page shown (its document left).
    async fn gone(&self, el: &str) -> bool {
        let reply: Value = self
            .http
            .get(format!(
                "{}{}",
                self.base,
                self.at(&format!("/element/{el}/name"))
            ))
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("JSON");
        matches!(
            reply["value"]["error"].as_str(),
            Some("stale element reference" | "no such element")
        )
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::GET,
            &self.at(&format!("/element/{el}/attribute/{name}")),
            Value::Null,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// Runs `script` in the page (WebDriver's `execute/sync`, which the page's CSP does not
    /// govern): for a test that must do what the page itself would not offer.
    pub async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            &self.at("/execute/sync"),
            json!({"script": script, "args": []}),
        )
        .await
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::GET,
            &self.at(&format!("/element/{el}/text")),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }
}

impl Browser {
    /// Ends the WebDriver session, which quits its Chromium: a blocking `DELETE /session`
    /// (this runs in `drop`, outside any async context).
    fn quit_session(&self) {
        use std::io::{Read, Write};
        let Some(addr) = self.base.strip_prefix("http://") else {
            return;
        };
        let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }

    /// The processes the driver started (its Chromium), by PID, from /proc.
    fn driver_children(&self) -> Vec<i32> {
        let pid = self.driver.id();
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|list| {
                list.split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect::<Vec<i32>>()
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing the driver alone would leave its Chromium running (it is not the
        // driver's to end on a kill): quit the session, then stop whatever the driver
        // still has running, by PID, then the driver.
        if !self.session.is_empty() {
            self.quit_session();
        }
        for child in self.driver_children() {
            let _ = Command::new("kill").arg(child.to_string()).status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A loopback HTTP listener standing in for a client's redirect URI (or its back-channel
/// logout endpoint): it answers every request with a short page and hands over the request
/// targets it saw, with their bodies.
pub struct Callback {
    pub url: String,
    hits: tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
}

impl Callback {
    pub async fn start() -> Callback {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/callback",
            listener.local_addr().unwrap().port()
        );
        let (tx, hits) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                // The head, then as much body as its content-length says.
                let mut buf = Vec::new();
                let mut chunk = vec![0u8; 8192];
                let (head, body) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .filter_map(|l| l.split_once(':'))
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= length || n == 0 {
                            break (head.to_owned(), body.to_owned());
                        }
                    } else if n == 0 {
                        break (text, String::new());
                    }
                };
                if let Some(target) = head.split_whitespace().nth(1) {
                    let _ = tx.send((target.to_owned(), body));
                }
                let reply = "signed in";
                let _ = stream
                    .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len()).as_bytes())
                    .await;
            }
        });
        Callback { url, hits }
    }

    /// The next request target (path and query) the listener saw, waiting up to 15 s.
    pub async fn next(&mut self) -> String {
        self.next_request().await.0
    }

    /// The next request the listener saw: its target and body, waiting up to 15 s.
    pub async fn next_request(&mut self) -> (String, String) {
        tokio::time::timeout(Duration::from_secs(15), self.hits.recv())
            .await
            .expect("the request arrives")
            .expect("listener alive")
    }
}
