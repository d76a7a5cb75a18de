//! Requests per second and latency through the local stack (gateway, Runtime API, function,
//! DynamoDB Local) at a fixed concurrency: a token check with a read, a client_credentials
//! token, an introspection, a sign-in, a token refresh. Everything runs on this machine, emulators included, so the
//! numbers compare builds with each other, not with AWS.

use crate::fixtures::{login_request, member, Fixture, Member, Req};
use crate::functions::summary;
use serde_json::{json, Value};
use std::time::Instant;

pub const CONCURRENCY: usize = 8;

/// Requests of each scenario sent, CONCURRENCY in flight, before its measured ones: the
/// local stack starts a function's instances on demand (up to 8), and those starts are
/// measured as init on their own, not counted in a rate. Two rounds, so that every worker
/// has found an instance of its own.
pub const WARM_UP: usize = 2 * CONCURRENCY;

/// Measured requests of a scenario that does not hash a password, and of DynamoDB Local's
/// PutItem rate: the two rates over comparable spans of a few seconds (a few hundred
/// requests took under half a second, where one pause of a shared machine moves a rate).
const QUICK: usize = 2000;

/// Sends `requests[..WARM_UP]` unmeasured, then measures the rest with CONCURRENCY in
/// flight; each must answer 200.
async fn run(fx: &Fixture, name: &str, mut requests: Vec<Req>) -> anyhow::Result<Value> {
    anyhow::ensure!(
        requests.len() > WARM_UP,
        "{name}: fewer requests than the warm-up"
    );
    let measured = requests.split_off(WARM_UP);
    send_all(fx, name, requests).await?;
    let total = measured.len();
    let started = Instant::now();
    let latencies = send_all(fx, name, measured).await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    let p99 = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize];
    Ok(json!({
        "scenario": name,
        "requests": total,
        "concurrency": CONCURRENCY,
        "requests_per_second": (total as f64 / seconds * 10.0).round() / 10.0,
        "latency_ms": summary(&latencies),
        "p99_ms": (p99 * 1000.0).round() / 1000.0,
    }))
}

/// Sends `requests` with CONCURRENCY in flight; the latency of each, in ms.
async fn send_all(fx: &Fixture, name: &str, requests: Vec<Req>) -> anyhow::Result<Vec<f64>> {
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(requests.into_iter()));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let queue = queue.clone();
        let http = fx.http.clone();
        let api = fx.api.clone();
        let name = name.to_owned();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let Some(req) = queue.lock().await.next() else {
                    break;
                };
                let t = Instant::now();
                let (status, body) = req.send(&http, &api).await?;
                anyhow::ensure!(
                    status == 200,
                    "{name}: {} answered {status}: {body}",
                    req.path
                );
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await??);
    }
    Ok(latencies)
}

pub async fn measure(fx: &Fixture) -> anyhow::Result<Vec<Value>> {
    let center = format!("Token {}", fx.a.token);
    let reads: Vec<Req> = (0..QUICK + WARM_UP)
        .map(|_| Req::new("GET", "/api/personal/info").header("authorization", &center))
        .collect();
    // One account per worker: parallel sign-ins of one account share its failure slots
    // (identity.rs), which is not what a crowd of users does.
    let mut accounts: Vec<Member> = Vec::new();
    for _ in 0..CONCURRENCY {
        accounts.push(member(&fx.http, &fx.api).await?);
    }
    let mut logins = Vec::new();
    for i in 0..80 + WARM_UP {
        let m = &accounts[i % CONCURRENCY];
        logins.push(login_request(&fx.http, &fx.api, &m.username, &m.password).await?);
    }
    // Refresh rotates: each request spends its own session's refresh token.
    let mut refreshes = Vec::new();
    for i in 0..80 + WARM_UP {
        let m = &accounts[i % CONCURRENCY];
        let (status, body) = login_request(&fx.http, &fx.api, &m.username, &m.password)
            .await?
            .send(&fx.http, &fx.api)
            .await?;
        anyhow::ensure!(status == 200, "sign-in for a refresh: {body}");
        let refresh = body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        refreshes.push(
            Req::new("POST", "/api/auth/refresh_token").json(&json!({ "refresh_token": refresh })),
        );
    }
    let basic = fx.service_basic();
    let client_tokens: Vec<Req> = (0..QUICK + WARM_UP)
        .map(|_| {
            Req::new("POST", "/oauth2/token")
                .header("authorization", &basic)
                .form(&[("grant_type", "client_credentials")])
        })
        .collect();
    let (status, body) = client_tokens[0].send(&fx.http, &fx.api).await?;
    anyhow::ensure!(status == 200, "client_credentials: {body}");
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let introspections: Vec<Req> = (0..QUICK + WARM_UP)
        .map(|_| {
            Req::new("POST", "/oauth2/introspect")
                .header("authorization", &basic)
                .form(&[("token", &token)])
        })
        .collect();
    Ok(vec![
        run(fx, "token check + read (GET /api/personal/info)", reads).await?,
        run(fx, "client_credentials (POST /oauth2/token)", client_tokens).await?,
        run(
            fx,
            "introspection (POST /oauth2/introspect)",
            introspections,
        )
        .await?,
        run(fx, "sign-in (POST /api/User/login)", logins).await?,
        run(
            fx,
            "token refresh (POST /api/auth/refresh_token)",
            refreshes,
        )
        .await?,
    ])
}

/// DynamoDB Local's own rate of conditional PutItems at the same concurrency, straight from
/// the SDK (no gateway, no function): the ceiling a one-write route such as
/// client_credentials is compared with. The same warm-up as the scenarios' first: the
/// client's connections open before the clock starts.
pub async fn dynamodb_put_rate(dynamodb: &str) -> anyhow::Result<Value> {
    const PUTS: usize = QUICK;
    let db = crate::stack::local_dynamodb(dynamodb).await;
    put_items(&db, WARM_UP).await?;
    let started = Instant::now();
    put_items(&db, PUTS).await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "scenario": "DynamoDB Local: conditional PutItem from the SDK",
        "requests": PUTS,
        "concurrency": CONCURRENCY,
        "requests_per_second": (PUTS as f64 / seconds * 10.0).round() / 10.0,
    }))
}

/// `n` conditional PutItems of new items, CONCURRENCY in flight.
async fn put_items(db: &aws_sdk_dynamodb::Client, n: usize) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (db, next) = (db.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
                let id = uuid::Uuid::new_v4().simple().to_string();
                db.put_item()
                    .table_name("PassportTable")
                    .item("pk", AttributeValue::S(format!("BENCHPUT#{id}")))
                    .item("sk", AttributeValue::S("PUT".into()))
                    .item("n", AttributeValue::N("1".into()))
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for w in workers {
        w.await??;
    }
    Ok(())
}
