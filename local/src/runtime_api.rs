//! The Lambda Runtime API (2018-06-01) for one function: processes poll
//! `/invocation/next`, answer at `/invocation/{id}/response` or `/error`. The local stack
//! runs every function under one (the binary's `runtime` adds instances as load needs
//! them, each on its own port, [`RuntimeApi::instance`]), and passport-bench runs one
//! process at a time under one, noting when it first polls (the end of its init) with
//! [`RuntimeApi::watch_polls`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot, Mutex};

/// What an invocation came to.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    Error(Bytes),
    Timeout,
}

/// Lambda's limit on a synchronous invocation's answer (6 MB).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// What watches one instance's invocations (the DynamoDB meter, [`crate::meter::Tap`]): an
/// instance takes one event at a time, so whatever it does between the two calls belongs to
/// that event.
pub trait Watch: Send + Sync {
    /// The instance took `event`.
    fn began(&self, event: &Bytes);
    /// The instance answered (or failed) the event it took.
    fn ended(&self, outcome: &Outcome);
}

/// One listening port of the API, and the instance it is for (if it is for one).
#[derive(Clone)]
struct Port {
    api: RuntimeApi,
    watch: Option<Arc<dyn Watch>>,
}

struct Invocation {
    id: String,
    event: Bytes,
}

struct Inner {
    name: String,
    timeout: Duration,
    port: u16,
    queue_tx: mpsc::UnboundedSender<Invocation>,
    queue_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    idle: AtomicUsize,
    polls: std::sync::Mutex<Option<mpsc::UnboundedSender<Instant>>>,
    servers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

#[derive(Clone)]
pub struct RuntimeApi(Arc<Inner>);

impl RuntimeApi {
    /// Serves the API for function `name` on a free loopback port; invocations time out
    /// after `timeout`, as the function's configured timeout says.
    pub async fn start(name: &str, timeout: Duration) -> anyhow::Result<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let api = RuntimeApi(Arc::new(Inner {
            name: name.to_owned(),
            timeout,
            port: listener.local_addr()?.port(),
            queue_tx,
            queue_rx: Mutex::new(queue_rx),
            pending: Mutex::new(HashMap::new()),
            idle: AtomicUsize::new(0),
            polls: std::sync::Mutex::new(None),
            servers: std::sync::Mutex::new(Vec::new()),
        }));
        api.listen(listener, None);
        Ok(api)
    }

    /// Another port of this API, for one instance: `watch` hears of each event the instance
    /// takes there and of its answer. The events are the same queue as the main port's.
    pub async fn instance(&self, watch: Option<Arc<dyn Watch>>) -> anyhow::Result<u16> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        self.listen(listener, watch);
        Ok(port)
    }

    fn listen(&self, listener: tokio::net::TcpListener, watch: Option<Arc<dyn Watch>>) {
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .layer(axum::extract::DefaultBodyLimit::max(4 * MAX_RESPONSE_BYTES))
            .with_state(Port {
                api: self.clone(),
                watch,
            });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        self.0
            .servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(server);
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The port: a process finds the API at `AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>`.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// How many processes wait for an event now.
    pub fn idle(&self) -> usize {
        self.0.idle.load(Ordering::SeqCst)
    }

    /// The instant of every poll from now on.
    pub fn watch_polls(&self) -> mpsc::UnboundedReceiver<Instant> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self.0.polls.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        rx
    }

    /// Hands `event` to the next process that polls and waits for its answer.
    pub async fn invoke(&self, event: Bytes) -> anyhow::Result<Outcome> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.0.pending.lock().await.insert(id.clone(), tx);
        self.0
            .queue_tx
            .send(Invocation {
                id: id.clone(),
                event,
            })
            .map_err(|_| anyhow::anyhow!("the runtime of {} has stopped", self.name()))?;
        match tokio::time::timeout(self.0.timeout, rx).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => anyhow::bail!("invocation of {} was dropped", self.name()),
            Err(_) => {
                self.0.pending.lock().await.remove(&id);
                Ok(Outcome::Timeout)
            }
        }
    }

    /// Stops serving, on every port (processes still polling see the connection close).
    pub fn stop(&self) {
        for server in self
            .0
            .servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            server.abort();
        }
    }
}

fn deadline_ms(timeout: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + timeout).as_millis().to_string()
}

async fn next(State(port): State<Port>) -> (StatusCode, HeaderMap, Bytes) {
    let api = port.api;
    if let Some(polls) = api
        .0
        .polls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        let _ = polls.send(Instant::now());
    }
    api.0.idle.fetch_add(1, Ordering::SeqCst);
    let invocation = api.0.queue_rx.lock().await.recv().await;
    api.0.idle.fetch_sub(1, Ordering::SeqCst);
    let Some(invocation) = invocation else {
        return (StatusCode::GONE, HeaderMap::new(), Bytes::new());
    };
    let mut headers = HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    };
    put("lambda-runtime-aws-request-id", invocation.id.clone());
    put("lambda-runtime-deadline-ms", deadline_ms(api.0.timeout));
    put(
        "lambda-runtime-invoked-function-arn",
        format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            api.0.name
        ),
    );
    // A sampled trace, as Lambda gives a function with active tracing: the function's AWS
    // calls are subsegments of it wherever AWS_XRAY_DAEMON_ADDRESS names a daemon.
    put("lambda-runtime-trace-id", trace_header());
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(watch) = &port.watch {
        watch.began(&invocation.event);
    }
    (StatusCode::OK, headers, invocation.event)
}

/// `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=1`, Lambda's form.
fn trace_header() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (root, parent) = (uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=1",
        &root.to_string()[..24],
        &parent.to_string()[..16]
    )
}

async fn complete(port: &Port, id: &str, outcome: Outcome) -> StatusCode {
    if let Some(watch) = &port.watch {
        watch.ended(&outcome);
    }
    match port.api.0.pending.lock().await.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn respond(State(port): State<Port>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    // As Lambda: an answer past the limit fails the invocation, and the runtime hears 413.
    if body.len() > MAX_RESPONSE_BYTES {
        let error = Bytes::from_static(
            br#"{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."}"#,
        );
        complete(&port, &id, Outcome::Error(error)).await;
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    complete(&port, &id, Outcome::Response(body)).await
}

async fn fail(State(port): State<Port>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    complete(&port, &id, Outcome::Error(body)).await
}

async fn init_error(State(port): State<Port>, body: Bytes) -> StatusCode {
    let api = port.api;
    eprintln!(
        "passport-local: {} failed to initialise: {}",
        api.0.name,
        String::from_utf8_lossy(&body)
    );
    StatusCode::ACCEPTED
}
