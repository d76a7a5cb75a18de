//! The scale scenario: does a request cost the same when the table holds 100,000 accounts
//! and 200,000 sessions as when it is nearly empty?
//!
//! Five requests are timed one at a time (no concurrency: latency, not throughput), after
//! an untimed round that starts the function instances, before and after the fill: a sign-in (center `access_token`: guard, gate, account, session), a
//! token check with a read (`GET /api/personal/info`), a refresh, a client_credentials token
//! and its revocation. The fill writes the items as Passport writes them (an account, its
//! username guard; sessions listed under their user's index partition, and client tokens of
//! the benchmark's own service client, listed nowhere), straight to DynamoDB Local with
//! BatchWriteItem, so the fill is fast and the measured requests meet a full table.

use crate::fixtures::{Fixture, Req};
use crate::functions::summary;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use passport_shared::storage::keys;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

/// The fill.
pub const ACCOUNTS: usize = 100_000;
/// User sessions; with [`CLIENT_SESSIONS`], 200,000 sessions.
pub const USER_SESSIONS: usize = 150_000;
pub const CLIENT_SESSIONS: usize = 50_000;
/// Timed requests of each kind, before and after.
const PROBES: usize = 40;
/// BatchWriteItem calls in flight while filling.
const FILL_PARALLEL: usize = 8;
/// "Flat": the median after the fill within this factor of the median before.
pub const FLAT_RATIO_MAX: f64 = 1.5;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// An account and its username guard, as `Users::create` writes them.
fn account(i: usize, now: i64) -> [HashMap<String, AttributeValue>; 2] {
    let uid = 1_000_000 + i as u64;
    let username = format!("fill_{i:06}");
    let user = keys::user(uid);
    let guard = keys::username_guard(&username);
    [
        HashMap::from([
            ("pk".into(), s(user.pk)),
            ("sk".into(), s(user.sk)),
            ("type".into(), s("user")),
            ("uid".into(), n(uid)),
            ("username".into(), s(username)),
            (
                "password_hash".into(),
                s("$argon2id$v=19$m=19456,t=2,p=1$fill$fill"),
            ),
            ("email_verified".into(), AttributeValue::Bool(false)),
            ("phone_verified".into(), AttributeValue::Bool(false)),
            ("created_at".into(), n(now)),
            ("updated_at".into(), n(now)),
            ("version".into(), n(0)),
        ]),
        HashMap::from([
            ("pk".into(), s(guard.pk)),
            ("sk".into(), s(guard.sk)),
            ("uid".into(), n(uid)),
        ]),
    ]
}

/// A session as `Sessions::issue` (for a user) or `issue_client_token` writes it.
fn session(i: usize, client: Option<&str>, now: i64) -> HashMap<String, AttributeValue> {
    let sid = format!("{:032x}", 0xf111_0000_0000_u128 + i as u128);
    let key = keys::session(&sid);
    let uid = match client {
        Some(_) => 0,
        None => 1_000_000 + (i % ACCOUNTS) as u64,
    };
    let mut item = HashMap::from([
        ("pk".into(), s(key.pk)),
        ("sk".into(), s(key.sk)),
        ("type".into(), s("session")),
        ("uid".into(), n(uid)),
        ("client_id".into(), s(client.unwrap_or("passport"))),
        ("scope".into(), s("all")),
        ("created_at".into(), n(now)),
        ("generation".into(), n(0)),
        ("issued_at".into(), n(now)),
        ("token_expires".into(), n(now + 7200)),
        ("access_life".into(), n(7200)),
        ("expires_at".into(), n(now + 86_400 * 15)),
    ]);
    if client.is_none() {
        item.insert("gsi1pk".into(), s(keys::sessions_of(uid)));
        item.insert("gsi1sk".into(), s(format!("SESSION#{sid}")));
        item.insert("refresh_life".into(), n(14 * 86_400));
        item.insert("refresh_expires".into(), n(now + 14 * 86_400));
    }
    item
}

/// Writes the fill; its item count and rate.
async fn fill(db: &aws_sdk_dynamodb::Client, service: &str) -> anyhow::Result<Value> {
    let now = time_now();
    let mut items: Vec<HashMap<String, AttributeValue>> = Vec::new();
    for i in 0..ACCOUNTS {
        items.extend(account(i, now));
    }
    for i in 0..USER_SESSIONS {
        items.push(session(i, None, now));
    }
    for i in 0..CLIENT_SESSIONS {
        items.push(session(USER_SESSIONS + i, Some(service), now));
    }
    let total = items.len();
    let started = Instant::now();
    let batches: Vec<Vec<HashMap<String, AttributeValue>>> =
        items.chunks(25).map(<[_]>::to_vec).collect();
    stream::iter(batches)
        .map(|batch| write_batch(db, batch))
        .buffer_unordered(FILL_PARALLEL)
        .try_collect::<Vec<()>>()
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "accounts": ACCOUNTS,
        "user_sessions": USER_SESSIONS,
        "client_sessions": CLIENT_SESSIONS,
        "items": total,
        "seconds": (seconds * 10.0).round() / 10.0,
        "items_per_second": (total as f64 / seconds).round(),
    }))
}

/// One BatchWriteItem, with its unprocessed items sent again until none is left.
async fn write_batch(
    db: &aws_sdk_dynamodb::Client,
    batch: Vec<HashMap<String, AttributeValue>>,
) -> anyhow::Result<()> {
    let mut requests: Vec<WriteRequest> = batch
        .into_iter()
        .map(|item| {
            Ok(WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                .build())
        })
        .collect::<anyhow::Result<_>>()?;
    while !requests.is_empty() {
        let out = db
            .batch_write_item()
            .request_items("PassportTable", requests)
            .send()
            .await?;
        requests = out
            .unprocessed_items
            .and_then(|mut u| u.remove("PassportTable"))
            .unwrap_or_default();
    }
    Ok(())
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Times `PROBES` requests of each kind, one at a time.
async fn probe(fx: &Fixture) -> anyhow::Result<Vec<(&'static str, Value)>> {
    let basic = fx.service_basic();
    let email = format!("{}@example.com", fx.a.username);
    let sign_in = Req::new("POST", "/api/auth/access_token").json(&json!({
        "account": email, "password": fx.a.password,
    }));
    let check = Req::new("GET", "/api/personal/info")
        .header("authorization", &format!("Token {}", fx.a.token));
    let client_token = Req::new("POST", "/oauth2/token")
        .header("authorization", &basic)
        .form(&[("grant_type", "client_credentials")]);
    let mut times: HashMap<&'static str, Vec<f64>> = HashMap::new();
    let mut timed = |name: &'static str, t: Instant| {
        times
            .entry(name)
            .or_default()
            .push(t.elapsed().as_secs_f64() * 1000.0);
    };
    for _ in 0..PROBES {
        let t = Instant::now();
        let (status, body) = sign_in.send(&fx.http, &fx.api).await?;
        anyhow::ensure!(status == 200, "sign-in: {body}");
        timed("sign-in (POST /api/auth/access_token)", t);
        let refresh = body["data"]["refresh_token"]
            .as_str()
            .or(body["refresh_token"].as_str())
            .unwrap_or_default()
            .to_owned();
        let t = Instant::now();
        let (status, body) = check.send(&fx.http, &fx.api).await?;
        anyhow::ensure!(status == 200, "token check: {body}");
        timed("token check + read (GET /api/personal/info)", t);
        let t = Instant::now();
        let (status, body) = Req::new("POST", "/api/auth/refresh_token")
            .json(&json!({ "refresh_token": refresh }))
            .send(&fx.http, &fx.api)
            .await?;
        anyhow::ensure!(status == 200, "refresh: {body}");
        timed("refresh (POST /api/auth/refresh_token)", t);
        let t = Instant::now();
        let (status, body) = client_token.send(&fx.http, &fx.api).await?;
        anyhow::ensure!(status == 200, "client_credentials: {body}");
        timed("client_credentials (POST /oauth2/token)", t);
        let token = body["access_token"].as_str().unwrap_or_default().to_owned();
        let t = Instant::now();
        let (status, body) = Req::new("POST", "/oauth2/revoke")
            .header("authorization", &basic)
            .form(&[("token", &token)])
            .send(&fx.http, &fx.api)
            .await?;
        anyhow::ensure!(status == 200, "revoke: {body}");
        timed("revoke a client token (POST /oauth2/revoke)", t);
    }
    let mut out: Vec<(&'static str, Value)> =
        times.into_iter().map(|(k, v)| (k, summary(&v))).collect();
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// Before, the fill, after.
pub async fn measure(fx: &Fixture, dynamodb: &str) -> anyhow::Result<Value> {
    let db = crate::stack::local_dynamodb(dynamodb).await;
    eprintln!("passport-bench: scale: before the fill");
    // A round untimed first: the first requests also start function instances.
    probe(fx).await?;
    let before = probe(fx).await?;
    eprintln!(
        "passport-bench: scale: filling {ACCOUNTS} accounts and {} sessions",
        USER_SESSIONS + CLIENT_SESSIONS
    );
    let filled = fill(&db, &fx.service_id).await?;
    eprintln!("passport-bench: scale: after the fill");
    let after = probe(fx).await?;
    let rows: Vec<Value> = before
        .iter()
        .zip(&after)
        .map(|((name, b), (_, a))| {
            let ratio =
                a["median"].as_f64().unwrap_or(f64::NAN) / b["median"].as_f64().unwrap_or(f64::NAN);
            json!({
                "request": name,
                "before_ms": b,
                "after_ms": a,
                "ratio": (ratio * 100.0).round() / 100.0,
                "flat": ratio <= FLAT_RATIO_MAX,
            })
        })
        .collect();
    Ok(json!({ "fill": filled, "probes": PROBES, "requests": rows }))
}
