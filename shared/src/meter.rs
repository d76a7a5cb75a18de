//! DynamoDB round trips per request, counted from the SDK, for `passport-bench`.
//!
//! Off unless `PASSPORT_METER_FILE` names a file. Then [`crate::dispatch`] runs each request
//! inside a [`scope`], the DynamoDB client carries [`Interceptor`] (which asks DynamoDB for
//! `ReturnConsumedCapacity: TOTAL` and notes each attempt's operation, start, end and
//! consumed capacity), and after the request one JSON line is appended to the file:
//! `{"method","route","status","calls":[{"op","start_us","end_us","capacity"}],
//! "round_trips","sequential","capacity"}`. `sequential` is the longest chain of calls of
//! which each starts after the one before it ended: the round trips on the critical path.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// One DynamoDB attempt.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Call {
    pub op: String,
    /// Microseconds from the start of the request.
    pub start_us: u64,
    pub end_us: u64,
    pub capacity: f64,
}

struct Calls {
    // Read by the DynamoDB interceptor only.
    started: Instant,
    calls: Vec<Call>,
}

tokio::task_local! {
    static CALLS: Arc<Mutex<Calls>>;
}

/// The meter's file, when metering is on.
pub fn file() -> Option<&'static std::path::Path> {
    static FILE: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    FILE.get_or_init(|| std::env::var_os("PASSPORT_METER_FILE").map(Into::into))
        .as_deref()
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

/// Runs `fut` (one request) with metering, then appends its line to the meter's file.
pub async fn scope<F, R>(method: &str, route: &str, fut: F, status: impl Fn(&R) -> u16) -> R
where
    F: std::future::Future<Output = R>,
{
    let Some(path) = file() else {
        return fut.await;
    };
    let calls = Arc::new(Mutex::new(Calls {
        started: Instant::now(),
        calls: Vec::new(),
    }));
    let out = CALLS.scope(calls.clone(), fut).await;
    let calls = calls.lock().map(|c| c.calls.clone()).unwrap_or_default();
    let line = serde_json::json!({
        "method": method,
        "route": route,
        "status": status(&out),
        "round_trips": calls.len(),
        "sequential": sequential(&calls),
        "capacity": calls.iter().map(|c| c.capacity).sum::<f64>(),
        "calls": calls,
    });
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{line}"));
    if let Err(e) = written {
        tracing::warn!(error = %e, "meter file not written");
    }
    out
}

fn record(call: impl FnOnce(Instant) -> Call) {
    let _ = CALLS.try_with(|calls| {
        if let Ok(mut c) = calls.lock() {
            let started = c.started;
            c.calls.push(call(started));
        }
    });
}

pub use interceptor::Interceptor;

mod interceptor {
    use aws_sdk_dynamodb::config::interceptors::{
        AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
        BeforeTransmitInterceptorContextMut,
    };
    use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
    use aws_sdk_dynamodb::error::BoxError;
    use aws_smithy_types::config_bag::{Storable, StoreReplace};
    use std::time::Instant;

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

    #[derive(Debug, Clone)]
    struct Attempt {
        op: String,
        start: Instant,
    }

    impl Storable for Attempt {
        type Storer = StoreReplace<Self>;
    }

    /// When the operation was called: a call's span starts there, before its connection,
    /// credentials and signing, so that calls made together overlap however long a cold
    /// process takes to send the first of them.
    #[derive(Debug, Clone, Copy)]
    struct Began(Instant);

    impl Storable for Began {
        type Storer = StoreReplace<Self>;
    }

    /// Asks for the consumed capacity and notes each attempt (see the module's text).
    #[derive(Debug)]
    pub struct Interceptor;

    impl Intercept for Interceptor {
        fn name(&self) -> &'static str {
            "PassportMeter"
        }

        fn read_before_execution(
            &self,
            _: &BeforeSerializationInterceptorContextRef<'_>,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            cfg.interceptor_state().store_put(Began(Instant::now()));
            Ok(())
        }

        fn modify_before_signing(
            &self,
            context: &mut BeforeTransmitInterceptorContextMut<'_>,
            _: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let request = context.request_mut();
            let op = request
                .headers()
                .get("x-amz-target")
                .and_then(|t| t.rsplit('.').next())
                .unwrap_or("?")
                .to_owned();
            if METERED.contains(&op.as_str()) {
                let body = request
                    .body()
                    .bytes()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
                if let Some(serde_json::Value::Object(mut body)) = body {
                    body.insert("ReturnConsumedCapacity".into(), "TOTAL".into());
                    let bytes = serde_json::to_vec(&body)?;
                    request
                        .headers_mut()
                        .insert("content-length", bytes.len().to_string());
                    *request.body_mut() = aws_smithy_types::body::SdkBody::from(bytes);
                }
            }
            let start = cfg.load::<Began>().map_or_else(Instant::now, |b| b.0);
            cfg.interceptor_state().store_put(Attempt { op, start });
            Ok(())
        }

        fn read_after_deserialization(
            &self,
            context: &AfterDeserializationInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let Some(attempt) = cfg.load::<Attempt>().cloned() else {
                return Ok(());
            };
            let end = Instant::now();
            let body = context
                .response()
                .body()
                .bytes()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .unwrap_or_default();
            let units = |v: &serde_json::Value| v["CapacityUnits"].as_f64().unwrap_or(0.0);
            let capacity = match &body["ConsumedCapacity"] {
                serde_json::Value::Array(list) => list.iter().map(units).sum(),
                one => units(one),
            };
            super::record(|started| super::Call {
                op: attempt.op,
                start_us: attempt.start.saturating_duration_since(started).as_micros() as u64,
                end_us: end.saturating_duration_since(started).as_micros() as u64,
                capacity,
            });
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sequential, Call};

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
}
