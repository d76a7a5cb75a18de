//! Structured JSON logs. Each request runs in a span carrying its request id (see
//! [`crate::routing::dispatch`]); no secret is ever a field: parameters are not logged, only
//! the route, the outcome and, for internal errors, the cause.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber. `RUST_LOG` sets the level (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}
