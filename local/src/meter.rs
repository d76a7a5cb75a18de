//! DynamoDB round trips per invocation, counted from outside the functions (for
//! passport-bench and the tests that compare what two requests cost).
//!
//! The functions know nothing of it. When a meter is on, every function instance gets a
//! [`Tap`]: its own loopback proxy in front of DynamoDB Local (the instance's
//! `AWS_ENDPOINT_URL_DYNAMODB`) and its own Runtime API port (see
//! [`crate::runtime_api::RuntimeApi::instance`]). An instance serves one invocation at a
//! time, so every call through its proxy between handing it an event and receiving the
//! answer is that invocation's. The proxy asks DynamoDB for `ReturnConsumedCapacity: TOTAL`
//! (DynamoDB Local does not check request signatures, so the signed body may change) and
//! notes each call's operation, start, end and consumed capacity. When the answer arrives,
//! one JSON line is appended to the meter's file:
//! `{"method","route","status","calls":[{"op","start_us","end_us","capacity"}],
//! "round_trips","sequential","capacity"}`, where `route` is the route's template from the
//! event's `routeKey` (`/api/faq/{id}`, not each id) and `sequential` is the longest chain of
//! calls of which each starts after the one before it ended: the round trips on the critical
//! path.
//!
//! Overlap is judged by time, so on a loaded machine two calls a function makes together
//! can reach the proxy one after the other's answer. A *hold* (`--meter-hold-ms`) keeps
//! every answer back that long: calls made together then overlap unless the function is
//! held up longer than the hold between them, while a call made after an answer still
//! starts after it. Tests that compare stages use one; the benchmark, run alone, does not.

use crate::runtime_api::{Outcome, Watch};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response, StatusCode};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One DynamoDB call.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Call {
    pub op: String,
    /// Microseconds from the start of the invocation.
    pub start_us: u64,
    pub end_us: u64,
    pub capacity: f64,
}

/// The longest chain of calls each starting after the previous one ended.
pub fn sequential(calls: &[Call]) -> usize {
    let mut sorted: Vec<&Call> = calls.iter().collect();
    sorted.sort_by_key(|c| (c.end_us, c.start_us));
    let mut depth = vec![0usize; sorted.len()];
    for i in 0..sorted.len() {
        let before = (0..i)
            .filter(|j| sorted[*j].end_us <= sorted[i].start_us)
            .map(|j| depth[j])
            .max()
            .unwrap_or(0);
        depth[i] = before + 1;
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Operations that accept `ReturnConsumedCapacity`.
const METERED: &[&str] = &[
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
];

/// Lambda's request limit is far below this; DynamoDB's item limit (400 KB) times a batch.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The meter of one stack: its file and the DynamoDB it stands in front of.
pub struct Meter {
    file: PathBuf,
    upstream: String,
    hold: std::time::Duration,
    http: reqwest::Client,
    // One line at a time from all instances.
    writing: Mutex<()>,
}

impl Meter {
    /// Lines go to `file`; calls go on to DynamoDB at `upstream` (`http://127.0.0.1:port`);
    /// each answer is held back `hold` (see the module's text).
    pub fn new(file: PathBuf, upstream: String, hold: std::time::Duration) -> Arc<Meter> {
        Arc::new(Meter {
            file,
            upstream: upstream.trim_end_matches('/').to_owned(),
            hold,
            http: reqwest::Client::new(),
            writing: Mutex::new(()),
        })
    }

    /// A tap for one instance: its proxy listens on a free loopback port.
    pub async fn tap(self: &Arc<Self>) -> anyhow::Result<Arc<Tap>> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let tap = Arc::new(Tap {
            meter: self.clone(),
            port: listener.local_addr()?.port(),
            current: Mutex::new(None),
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(tap.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(tap)
    }

    fn append(&self, line: &Value) {
        let _one = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            eprintln!("passport-local: meter file not written: {e}");
        }
    }
}

/// The invocation an instance is serving.
struct Current {
    method: String,
    route: String,
    started: Instant,
    calls: Vec<Call>,
}

/// One instance's proxy and the invocation it serves now.
pub struct Tap {
    meter: Arc<Meter>,
    port: u16,
    current: Mutex<Option<Current>>,
}

impl Tap {
    /// The instance's `AWS_ENDPOINT_URL_DYNAMODB`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn record(&self, op: String, start: Instant, end: Instant, capacity: f64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = current.as_mut() {
            let micros = |t: Instant| t.saturating_duration_since(c.started).as_micros() as u64;
            c.calls.push(Call {
                op,
                start_us: micros(start),
                end_us: micros(end),
                capacity,
            });
        }
    }
}

impl Watch for Tap {
    fn began(&self, event: &Bytes) {
        let event: Value = serde_json::from_slice(event).unwrap_or_default();
        let method = event["requestContext"]["http"]["method"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        // `routeKey` is `METHOD /template`, or `$default` for the route that takes the rest.
        let route = match event["routeKey"].as_str().and_then(|k| k.split_once(' ')) {
            Some((_, template)) => template.to_owned(),
            None => event["rawPath"].as_str().unwrap_or("").to_owned(),
        };
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Current {
            method,
            route,
            started: Instant::now(),
            calls: Vec::new(),
        });
    }

    fn ended(&self, outcome: &Outcome) {
        let Some(current) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let status = match outcome {
            Outcome::Response(body) => serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v["statusCode"].as_u64())
                .unwrap_or(200),
            Outcome::Error(_) => 502,
            Outcome::Timeout => 504,
        };
        let calls = current.calls;
        self.meter.append(&serde_json::json!({
            "method": current.method,
            "route": current.route,
            "status": status,
            "round_trips": calls.len(),
            "sequential": sequential(&calls),
            "capacity": calls.iter().map(|c| c.capacity).sum::<f64>(),
            "calls": calls,
        }));
    }
}

/// The operation a DynamoDB request names (`X-Amz-Target: DynamoDB_20120810.GetItem`).
fn operation(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("?")
        .to_owned()
}

/// The request's body with `ReturnConsumedCapacity: TOTAL` added, where the operation takes it
/// and the caller did not ask for some already.
fn with_capacity(op: &str, body: Bytes) -> Bytes {
    if !METERED.contains(&op) {
        return body;
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut fields)) if !fields.contains_key("ReturnConsumedCapacity") => {
            fields.insert("ReturnConsumedCapacity".into(), "TOTAL".into());
            serde_json::to_vec(&fields).map_or(body, Bytes::from)
        }
        _ => body,
    }
}

/// The capacity units a DynamoDB answer reports (one object, or a list for transactions and
/// batches).
fn capacity_of(body: &[u8]) -> f64 {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let units = |v: &Value| v["CapacityUnits"].as_f64().unwrap_or(0.0);
    match &body["ConsumedCapacity"] {
        Value::Array(list) => list.iter().map(units).sum(),
        one => units(one),
    }
}

async fn forward(State(tap): State<Arc<Tap>>, request: Request) -> Response<Body> {
    let start = Instant::now();
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    };
    let op = operation(&parts.headers);
    let body = with_capacity(&op, body);
    let mut upstream = tap.meter.http.request(
        parts.method,
        format!(
            "{}{}",
            tap.meter.upstream,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        ),
    );
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length") {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.body(body).send().await {
        Ok(answer) => answer,
        Err(e) => return plain(StatusCode::BAD_GATEWAY, &format!("DynamoDB: {e}")),
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return plain(StatusCode::BAD_GATEWAY, "DynamoDB's answer was cut");
    };
    if !tap.meter.hold.is_zero() {
        tokio::time::sleep(tap.meter.hold).await;
    }
    tap.record(op, start, Instant::now(), capacity_of(&bytes));
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn call(start_us: u64, end_us: u64) -> Call {
        Call {
            op: "GetItem".into(),
            start_us,
            end_us,
            capacity: 0.5,
        }
    }

    #[test]
    fn parallel_calls_are_one_step_and_chained_calls_add_up() {
        assert_eq!(sequential(&[]), 0);
        // Two together (token read ∥ quota), then one after both: two steps.
        assert_eq!(sequential(&[call(0, 10), call(1, 12), call(13, 20)]), 2);
        // Three in a row.
        assert_eq!(sequential(&[call(0, 5), call(6, 9), call(10, 11)]), 3);
    }

    #[test]
    fn capacity_is_asked_for_where_the_operation_takes_it() {
        let asked = with_capacity("GetItem", Bytes::from_static(br#"{"TableName":"t"}"#));
        let asked: Value = serde_json::from_slice(&asked).unwrap();
        assert_eq!(asked["ReturnConsumedCapacity"], "TOTAL");
        assert_eq!(asked["TableName"], "t");
        // Not for operations that do not take it, and never over the caller's own choice.
        let describe = Bytes::from_static(br#"{"TableName":"t"}"#);
        assert_eq!(with_capacity("DescribeTable", describe.clone()), describe);
        let own = Bytes::from_static(br#"{"ReturnConsumedCapacity":"INDEXES"}"#);
        assert_eq!(with_capacity("Query", own.clone()), own);
    }

    #[test]
    fn capacity_adds_up_over_a_transaction() {
        assert_eq!(
            capacity_of(br#"{"ConsumedCapacity":{"CapacityUnits":0.5}}"#),
            0.5
        );
        assert_eq!(
            capacity_of(br#"{"ConsumedCapacity":[{"CapacityUnits":2.0},{"CapacityUnits":2.0}]}"#),
            4.0
        );
        assert_eq!(capacity_of(b"{}"), 0.0);
    }

    proptest! {
        #[test]
        fn sequential_round_trips_lie_between_one_and_all(spans in prop::collection::vec((0u64..1000, 1u64..100), 1..12)) {
            let calls: Vec<Call> = spans
                .iter()
                .map(|(start, len)| Call { op: "GetItem".into(), start_us: *start, end_us: start + len, capacity: 1.0 })
                .collect();
            let s = sequential(&calls);
            prop_assert!(s >= 1 && s <= calls.len());
            // Calls laid end to end are all sequential.
            let chain: Vec<Call> = (0..calls.len() as u64)
                .map(|i| Call { op: "GetItem".into(), start_us: i * 10, end_us: i * 10 + 5, capacity: 1.0 })
                .collect();
            prop_assert_eq!(sequential(&chain), chain.len());
        }
    }
}
