//! X-Ray subsegments for every AWS call: one SDK interceptor, on every client [`crate::aws`]
//! builds, times each operation (its retries included) and sends the X-Ray daemon one
//! subsegment under the invocation's trace: the service as its name, the operation, the
//! AWS request id, and `error`/`fault` for a 4xx/5xx answer.
//!
//! Lambda runs the daemon (`AWS_XRAY_DAEMON_ADDRESS`) when the function's tracing is
//! active, and `lambda_runtime` sets each invocation's trace header in `_X_AMZN_TRACE_ID`
//! (`Root=...;Parent=...;Sampled=1`). Without a daemon, or for an invocation not sampled,
//! nothing is sent; sending never fails a call (UDP, and an error is only logged).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::json;
use std::net::UdpSocket;
use std::sync::OnceLock;

/// The daemon's address and one socket to send it subsegments, made at the first call of
/// the process (Lambda sets the address before the process starts); `None` without a
/// daemon. The socket is bound to loopback when the daemon is there (the local stack), to
/// any address otherwise (Lambda's daemon is on a link-local address).
fn daemon() -> Option<&'static (UdpSocket, String)> {
    static DAEMON: OnceLock<Option<(UdpSocket, String)>> = OnceLock::new();
    DAEMON
        .get_or_init(|| {
            let configured = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?;
            // The address may be host:port or "udp:host:port tcp:host:port".
            let target = configured
                .split_whitespace()
                .find_map(|a| a.strip_prefix("udp:"))
                .unwrap_or(configured.as_str())
                .to_owned();
            let local = target.starts_with("127.") || target.starts_with("localhost:");
            let bind = if local { "127.0.0.1:0" } else { "0.0.0.0:0" };
            match UdpSocket::bind(bind) {
                Ok(socket) => Some((socket, target)),
                Err(e) => {
                    tracing::debug!(error = %e, "no socket for X-Ray subsegments");
                    None
                }
            }
        })
        .as_ref()
}
use std::time::{SystemTime, UNIX_EPOCH};

/// An invocation's trace, from its `X-Amzn-Trace-Id` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub root: String,
    pub parent: String,
}

impl Trace {
    /// `Root=1-...;Parent=...;Sampled=1`: a trace to add to, or `None` where it is not
    /// sampled (or not whole).
    pub fn parse(header: &str) -> Option<Trace> {
        let field = |name: &str| {
            header
                .split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.to_owned())
        };
        if field("Sampled").as_deref() != Some("1") {
            return None;
        }
        Some(Trace {
            root: field("Root").filter(|r| !r.is_empty())?,
            parent: field("Parent").filter(|p| !p.is_empty())?,
        })
    }
}

/// One finished AWS call.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub start: f64,
    pub end: f64,
    pub status: Option<u16>,
    pub request_id: Option<&'a str>,
}

/// The UDP datagram of `call`'s subsegment under `trace` (the daemon's header line, then the
/// segment document).
pub fn subsegment(trace: &Trace, id: &str, call: &Call<'_>) -> String {
    let status = call.status.unwrap_or(0);
    let mut document = json!({
        "type": "subsegment",
        "id": id,
        "trace_id": trace.root,
        "parent_id": trace.parent,
        "name": call.service,
        "namespace": "aws",
        "start_time": call.start,
        "end_time": call.end,
        "aws": { "operation": call.operation },
    });
    if let Some(request_id) = call.request_id {
        document["aws"]["request_id"] = json!(request_id);
    }
    if status > 0 {
        document["http"] = json!({ "response": { "status": status } });
    }
    match status {
        400..=499 => document["error"] = json!(true),
        500..=599 => document["fault"] = json!(true),
        // No answer at all (a connection that failed): the call failed on the way.
        0 => document["fault"] = json!(true),
        _ => {}
    }
    format!("{{\"format\":\"json\",\"version\":1}}\n{document}")
}

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[derive(Debug, Clone, Copy)]
struct Started(f64);

impl Storable for Started {
    type Storer = StoreReplace<Started>;
}

/// The interceptor [`crate::aws`] adds to every client.
#[derive(Debug, Default, Clone)]
pub struct XRay;

impl Intercept for XRay {
    fn name(&self) -> &'static str {
        "passport-xray"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(epoch_seconds()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (Some((socket, target)), Some(trace)) = (
            daemon(),
            std::env::var("_X_AMZN_TRACE_ID")
                .ok()
                .as_deref()
                .and_then(Trace::parse),
        ) else {
            return Ok(());
        };
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let response = context.response();
        let header = |name: &str| response.and_then(|r| r.headers().get(name));
        let call = Call {
            service: metadata.service(),
            operation: metadata.name(),
            start: cfg.load::<Started>().map_or_else(epoch_seconds, |s| s.0),
            end: epoch_seconds(),
            status: response.map(|r| r.status().as_u16()),
            request_id: header("x-amzn-requestid").or_else(|| header("x-amz-request-id")),
        };
        let id = crate::crypto::random_hex(8);
        let datagram = subsegment(&trace, &id, &call);
        if let Err(e) = socket.send_to(datagram.as_bytes(), target.as_str()) {
            tracing::debug!(error = %e, "X-Ray subsegment not sent");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn only_a_sampled_whole_trace_header_is_added_to() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(
            Trace::parse(header),
            Some(Trace {
                root: "1-5759e988-bd862e3fe1be46a994272793".into(),
                parent: "53995c3f42cd8ad8".into()
            })
        );
        assert_eq!(
            Trace::parse(&header.replace("Sampled=1", "Sampled=0")),
            None
        );
        assert_eq!(
            Trace::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
            None
        );
    }

    #[test]
    fn a_call_is_a_subsegment_of_the_invocation_with_its_outcome() {
        let trace = Trace {
            root: "1-5759e988-bd862e3fe1be46a994272793".into(),
            parent: "53995c3f42cd8ad8".into(),
        };
        let call = Call {
            service: "DynamoDB",
            operation: "UpdateItem",
            start: 100.0,
            end: 100.25,
            status: Some(400),
            request_id: Some("R1"),
        };
        let datagram = subsegment(&trace, "0123456789abcdef", &call);
        let (header, document) = datagram.split_once('\n').unwrap();
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        let document: Value = serde_json::from_str(document).unwrap();
        assert_eq!(document["type"], "subsegment");
        assert_eq!(document["trace_id"], trace.root);
        assert_eq!(document["parent_id"], trace.parent);
        assert_eq!(document["name"], "DynamoDB");
        assert_eq!(document["aws"]["operation"], "UpdateItem");
        assert_eq!(document["aws"]["request_id"], "R1");
        assert_eq!(
            document["error"], true,
            "a 4xx is an error (a refused condition)"
        );
        assert!(document.get("fault").is_none());
        let ok = subsegment(
            &trace,
            "1",
            &Call {
                status: Some(200),
                ..call.clone()
            },
        );
        let ok: Value = serde_json::from_str(ok.split_once('\n').unwrap().1).unwrap();
        assert!(ok.get("error").is_none() && ok.get("fault").is_none());
    }
}
