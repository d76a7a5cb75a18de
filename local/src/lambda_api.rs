//! Lambda's Invoke API for the stack's own functions, on a loopback port of its own: what a
//! function's `aws-sdk-lambda` calls (through `AWS_ENDPOINT_URL_LAMBDA`) to invoke another,
//! as the `fallback` function passes v1 requests in other spellings to their group.
//!
//! `POST /2015-03-31/functions/{name}/invocations`, synchronous (`RequestResponse`): the
//! answer is the function's own; a function error is flagged with `X-Amz-Function-Error`,
//! as Lambda does.

use crate::runtime::{FunctionRuntime, Outcome};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The functions by name (their logical id, which is their local name).
pub type Functions = Arc<BTreeMap<String, FunctionRuntime>>;

pub async fn serve(listener: tokio::net::TcpListener, functions: Functions) -> anyhow::Result<()> {
    let app = axum::Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .with_state(functions);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn invoke(
    State(functions): State<Functions>,
    Path(name): Path<String>,
    event: Bytes,
) -> Response {
    // A name, or an ARN whose last part is the name.
    let name = name.rsplit(':').next().unwrap_or(&name);
    let Some(function) = functions.get(name) else {
        let mut r = (
            StatusCode::NOT_FOUND,
            format!(r#"{{"Type":"User","message":"Function not found: {name}"}}"#),
        )
            .into_response();
        r.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static("ResourceNotFoundException"),
        );
        return r;
    };
    let (payload, error) = match function.invoke(event).await {
        Ok(Outcome::Response(bytes)) => (bytes, None),
        Ok(Outcome::Error(bytes)) => (bytes, Some("Unhandled")),
        Ok(Outcome::Timeout) => (
            Bytes::from_static(br#"{"errorMessage":"Task timed out"}"#),
            Some("Unhandled"),
        ),
        Err(e) => (
            Bytes::from(format!(
                r#"{{"errorMessage":"{}"}}"#,
                e.to_string().replace('"', "'")
            )),
            Some("Unhandled"),
        ),
    };
    let mut r = (StatusCode::OK, payload).into_response();
    if let Some(kind) = error {
        r.headers_mut()
            .insert("x-amz-function-error", HeaderValue::from_static(kind));
    }
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}
