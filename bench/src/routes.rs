//! DynamoDB cost per documented route, from the meter file the functions wrote while the
//! end-to-end tests ran against them (`PASSPORT_METER_FILE`, shared/src/meter.rs): round
//! trips, consumed capacity units and sequential round trips of the successful (2xx)
//! requests, and whether a token-checked route stays within 2 sequential round trips.

use crate::functions::summary;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The routes openapi.yaml documents, with whether each needs a token.
fn documented() -> anyhow::Result<BTreeMap<(String, String), bool>> {
    let doc: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string("openapi.yaml")?)?;
    let mut out = BTreeMap::new();
    if let Some(paths) = doc["paths"].as_mapping() {
        for (path, item) in paths {
            let Some(path) = path.as_str() else { continue };
            for method in ["get", "post", "put", "delete"] {
                let op = &item[method];
                if op.is_null() {
                    continue;
                }
                let token = op["security"].as_sequence().is_some_and(|s| {
                    s.iter().any(|req| {
                        req.as_mapping().is_some_and(|m| {
                            m.keys().any(|k| {
                                matches!(k.as_str(), Some("bearer" | "token" | "access_token"))
                            })
                        })
                    })
                });
                out.insert((method.to_ascii_uppercase(), path.to_owned()), token);
            }
        }
    }
    Ok(out)
}

pub fn measure(meter_file: &std::path::Path) -> anyhow::Result<(Vec<Value>, usize)> {
    let text = std::fs::read_to_string(meter_file)?;
    let mut by_route: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    let mut lines = 0;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        lines += 1;
        let key = (
            v["method"].as_str().unwrap_or("").to_owned(),
            v["route"].as_str().unwrap_or("").to_owned(),
        );
        by_route.entry(key).or_default().push(v);
    }
    let mut rows = Vec::new();
    for ((method, path), token_checked) in documented()? {
        let all = by_route
            .get(&(method.clone(), path.clone()))
            .cloned()
            .unwrap_or_default();
        let ok: Vec<&Value> = all
            .iter()
            .filter(|v| (200..300).contains(&v["status"].as_u64().unwrap_or(0)))
            .collect();
        let f = |k: &str| {
            ok.iter()
                .map(|v| v[k].as_f64().unwrap_or(0.0))
                .collect::<Vec<_>>()
        };
        let sequential = summary(&f("sequential"));
        let median_sequential = sequential["median"].as_f64();
        rows.push(json!({
            "method": method,
            "route": path,
            "token_checked": token_checked,
            "requests": all.len(),
            "successful": ok.len(),
            "round_trips": summary(&f("round_trips")),
            "sequential": sequential,
            "capacity_units": summary(&f("capacity")),
            "within_budget": if token_checked { median_sequential.map(|s| s <= 2.0) } else { None },
        }));
    }
    Ok((rows, lines))
}
