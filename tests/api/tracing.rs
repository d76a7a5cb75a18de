//! Tracing (issue 22): each AWS call of an invocation is an X-Ray subsegment of the
//! invocation's trace (the trace header lambda_runtime sets from the runtime API, as on
//! Lambda), sent to the daemon AWS_XRAY_DAEMON_ADDRESS names: here a UDP socket of the test.

use passport_tests::{gateway_event, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn each_dynamodb_call_of_a_sign_in_is_a_subsegment_of_the_invocations_trace() {
    let app = TestApp::new();
    let daemon = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = daemon.local_addr().unwrap().to_string();
    let event = gateway_event(
        "POST",
        "/api/auth/access_token",
        "application/json",
        &json!({"account": app.email("traced"), "password": "wrong-pass"}).to_string(),
        &[],
    );
    let answer = app.invoke("account", &event, &[("AWS_XRAY_DAEMON_ADDRESS", &address)]);
    assert_eq!(answer["statusCode"], 401, "{answer}");
    // Each subsegment was sent during its call, before the answer: all are here.
    daemon.set_nonblocking(true).unwrap();
    let mut segments = Vec::new();
    let mut buffer = [0u8; 65_536];
    while let Ok(n) = daemon.recv(&mut buffer) {
        let datagram = String::from_utf8_lossy(&buffer[..n]).into_owned();
        let (header, document) = datagram.split_once('\n').expect("header line, document");
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        segments.push(serde_json::from_str::<Value>(document).unwrap());
    }
    let operations: Vec<&str> = segments
        .iter()
        .filter(|s| s["name"] == "DynamoDB")
        .filter_map(|s| s["aws"]["operation"].as_str())
        .collect();
    // The sign-in's reads (the name's owner, the account) and writes (the address's limit,
    // the name's gate), as tests/api/hardening.rs meters them.
    for operation in ["GetItem", "UpdateItem"] {
        assert!(operations.contains(&operation), "{operations:?}");
    }
    assert!(operations.len() >= 4, "{operations:?}");
    let first = &segments[0];
    assert!(first["trace_id"].as_str().unwrap().starts_with("1-"));
    for s in &segments {
        assert_eq!(s["type"], "subsegment");
        assert_eq!(s["trace_id"], first["trace_id"], "one trace: {s}");
        assert_eq!(
            s["parent_id"], first["parent_id"],
            "under the invocation: {s}"
        );
        assert!(s["end_time"].as_f64() >= s["start_time"].as_f64(), "{s}");
    }
}
