//! A Lambda Runtime API for each function, and the processes that poll it.
//!
//! Each function gets its own Runtime API on a loopback port. Its binary runs unchanged, as
//! under Lambda: it polls `GET /2018-06-01/runtime/invocation/next`, handles the event and
//! posts the result. Like Lambda, a function scales out: when an event arrives and no
//! instance is idle, another process is started, up to a limit, so concurrent requests are
//! served concurrently.

use crate::procs::Supervisor;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, Mutex};

/// How a function is started.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub binary: PathBuf,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub max_instances: usize,
}

/// What an invocation gave back.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    /// The function reported an error (or failed to initialise).
    Error(Bytes),
    Timeout,
}

struct Invocation {
    id: String,
    event: Bytes,
}

struct Inner {
    spec: FunctionSpec,
    port: u16,
    queue_tx: mpsc::UnboundedSender<Invocation>,
    queue_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    idle: AtomicUsize,
    instances: Mutex<Vec<u32>>,
    supervisor: Supervisor,
    quiet: bool,
}

#[derive(Clone)]
pub struct FunctionRuntime(Arc<Inner>);

impl FunctionRuntime {
    /// Serves the Runtime API for `spec` on a free loopback port; instances start on demand.
    pub async fn start(
        spec: FunctionSpec,
        supervisor: Supervisor,
        quiet: bool,
    ) -> anyhow::Result<FunctionRuntime> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let runtime = FunctionRuntime(Arc::new(Inner {
            spec,
            port,
            queue_tx,
            queue_rx: Mutex::new(queue_rx),
            pending: Mutex::new(HashMap::new()),
            idle: AtomicUsize::new(0),
            instances: Mutex::new(Vec::new()),
            supervisor,
            quiet,
        }));
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            // Read answers past Lambda's limit too, to refuse them as Lambda does.
            .layer(axum::extract::DefaultBodyLimit::max(4 * MAX_RESPONSE_BYTES))
            .with_state(runtime.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(runtime)
    }

    pub fn name(&self) -> &str {
        &self.0.spec.name
    }

    /// Sends `event` to an instance and waits for its answer.
    pub async fn invoke(&self, event: Bytes) -> anyhow::Result<Outcome> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.0.pending.lock().await.insert(id.clone(), tx);
        self.scale_for_one_more().await?;
        self.0
            .queue_tx
            .send(Invocation {
                id: id.clone(),
                event,
            })
            .map_err(|_| anyhow::anyhow!("the runtime of {} has stopped", self.name()))?;
        match tokio::time::timeout(self.0.spec.timeout, rx).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => anyhow::bail!("invocation of {} was dropped", self.name()),
            Err(_) => {
                self.0.pending.lock().await.remove(&id);
                Ok(Outcome::Timeout)
            }
        }
    }

    /// Starts another instance when none is idle, up to the limit.
    async fn scale_for_one_more(&self) -> anyhow::Result<()> {
        let mut instances = self.0.instances.lock().await;
        let mut alive = Vec::with_capacity(instances.len());
        for pid in instances.drain(..) {
            if !self.0.supervisor.exited(pid).await {
                alive.push(pid);
            }
        }
        *instances = alive;
        if self.0.idle.load(Ordering::SeqCst) > 0 || instances.len() >= self.0.spec.max_instances {
            return Ok(());
        }
        let spec = &self.0.spec;
        let mut cmd = Command::new(&spec.binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&spec.env)
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("127.0.0.1:{}", self.0.port),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        let pid = self
            .0
            .supervisor
            .spawn(&spec.name, cmd, self.0.quiet)
            .await?;
        instances.push(pid);
        Ok(())
    }
}

fn deadline_ms(timeout: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + timeout).as_millis().to_string()
}

async fn next(State(rt): State<FunctionRuntime>) -> (StatusCode, HeaderMap, Bytes) {
    rt.0.idle.fetch_add(1, Ordering::SeqCst);
    let invocation = rt.0.queue_rx.lock().await.recv().await;
    rt.0.idle.fetch_sub(1, Ordering::SeqCst);
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
    put("lambda-runtime-deadline-ms", deadline_ms(rt.0.spec.timeout));
    put(
        "lambda-runtime-invoked-function-arn",
        format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            rt.0.spec.name
        ),
    );
    put(
        "lambda-runtime-trace-id",
        format!("Root=1-{}", invocation.id),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (StatusCode::OK, headers, invocation.event)
}

async fn complete(rt: &FunctionRuntime, id: &str, outcome: Outcome) -> StatusCode {
    match rt.0.pending.lock().await.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

/// Lambda's limit on a synchronous invocation's answer (6 MB).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

async fn respond(
    State(rt): State<FunctionRuntime>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    // As Lambda: an answer past the limit fails the invocation, and the runtime hears 413.
    if body.len() > MAX_RESPONSE_BYTES {
        let error = Bytes::from_static(
            br#"{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."}"#,
        );
        complete(&rt, &id, Outcome::Error(error)).await;
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    complete(&rt, &id, Outcome::Response(body)).await
}

async fn fail(
    State(rt): State<FunctionRuntime>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    complete(&rt, &id, Outcome::Error(body)).await
}

async fn init_error(State(rt): State<FunctionRuntime>, body: Bytes) -> StatusCode {
    eprintln!(
        "passport-local: {} failed to initialise: {}",
        rt.0.spec.name,
        String::from_utf8_lossy(&body)
    );
    StatusCode::ACCEPTED
}
