//! A Lambda Runtime API served by the benchmark itself, for one process at a time: it notes
//! when the process first polls for an event (the end of its init), hands it events one by
//! one and notes when each answer arrives.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Mutex};

struct Shared {
    polls: mpsc::UnboundedSender<Instant>,
    events: Mutex<mpsc::UnboundedReceiver<(String, Bytes)>>,
    answers: mpsc::UnboundedSender<(Instant, Result<Bytes, Bytes>)>,
}

pub struct FakeRuntime {
    pub port: u16,
    polls: mpsc::UnboundedReceiver<Instant>,
    events: mpsc::UnboundedSender<(String, Bytes)>,
    answers: mpsc::UnboundedReceiver<(Instant, Result<Bytes, Bytes>)>,
    server: tokio::task::JoinHandle<()>,
}

async fn next(State(s): State<Arc<Shared>>) -> (HeaderMap, Bytes) {
    let _ = s.polls.send(Instant::now());
    let (id, event) = s
        .events
        .lock()
        .await
        .recv()
        .await
        .unwrap_or_else(|| (String::new(), Bytes::new()));
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    let h = |v: String| HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""));
    headers.insert("lambda-runtime-aws-request-id", h(id));
    headers.insert("lambda-runtime-deadline-ms", h(deadline.to_string()));
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:bench"),
    );
    (headers, event)
}

async fn response(
    State(s): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> &'static str {
    let _ = s.answers.send((Instant::now(), Ok(body)));
    "{}"
}

async fn error(State(s): State<Arc<Shared>>, body: Bytes) -> &'static str {
    let _ = s.answers.send((Instant::now(), Err(body)));
    "{}"
}

impl FakeRuntime {
    pub async fn start() -> anyhow::Result<FakeRuntime> {
        let (poll_tx, polls) = mpsc::unbounded_channel();
        let (events, event_rx) = mpsc::unbounded_channel();
        let (answer_tx, answers) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            polls: poll_tx,
            events: Mutex::new(event_rx),
            answers: answer_tx,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeRuntime {
            port,
            polls,
            events,
            answers,
            server,
        })
    }

    /// When the process next polls for an event.
    pub async fn poll(&mut self, within: Duration) -> anyhow::Result<Instant> {
        tokio::time::timeout(within, self.polls.recv())
            .await
            .map_err(|_| anyhow::anyhow!("no poll within {within:?}"))?
            .ok_or_else(|| anyhow::anyhow!("runtime closed"))
    }

    /// Hands over one event; returns when it was sent, when the answer came and the answer.
    pub async fn invoke(
        &mut self,
        event: &[u8],
        within: Duration,
    ) -> anyhow::Result<(Instant, Instant, Bytes)> {
        let sent = Instant::now();
        self.events
            .send((
                uuid::Uuid::new_v4().to_string(),
                Bytes::copy_from_slice(event),
            ))
            .map_err(|_| anyhow::anyhow!("runtime closed"))?;
        let (at, answer) = tokio::time::timeout(within, self.answers.recv())
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {within:?}"))?
            .ok_or_else(|| anyhow::anyhow!("runtime closed"))?;
        match answer {
            Ok(body) => Ok((sent, at, body)),
            Err(body) => anyhow::bail!("the function failed: {}", String::from_utf8_lossy(&body)),
        }
    }
}

impl Drop for FakeRuntime {
    fn drop(&mut self) {
        self.server.abort();
    }
}
