//! DynamoDB cost per documented route, from the meter file passport-local wrote while the
//! end-to-end tests ran against the functions (`PASSPORT_METER_FILE`,
//! `passport_local::meter`): round trips, consumed capacity units and sequential round trips
//! of the successful (2xx) requests, and whether a route stays within its stage budget
//! ([`stage_budget`]).

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
        // `+ 0.0` turns the -0.0 of an empty float sum into 0.
        let f = |k: &str| {
            ok.iter()
                .map(|v| v[k].as_f64().unwrap_or(0.0) + 0.0)
                .collect::<Vec<_>>()
        };
        // Capacity by kind: what reads cost (read request units) and what writes cost.
        let units = |reads: bool| {
            ok.iter()
                .map(|v| {
                    v["calls"].as_array().map_or(0.0, |calls| {
                        calls
                            .iter()
                            .filter(|c| is_read(c["op"].as_str().unwrap_or("")) == reads)
                            .map(|c| c["capacity"].as_f64().unwrap_or(0.0))
                            .sum::<f64>()
                    }) + 0.0
                })
                .collect::<Vec<_>>()
        };
        let sequential = summary(&f("sequential"));
        let median_sequential = sequential["median"].as_f64();
        // The critical path of a request at the median, to say why a budget is missed.
        let critical_path = median_sequential
            .and_then(|m| ok.iter().find(|v| v["sequential"].as_f64() == Some(m)))
            .map(|v| critical_path(&v["calls"]));
        rows.push(json!({
            "method": method,
            "route": path,
            "token_checked": token_checked,
            "requests": all.len(),
            "successful": ok.len(),
            "round_trips": summary(&f("round_trips")),
            "sequential": sequential,
            "capacity_units": summary(&f("capacity")),
            "read_units": summary(&units(true)),
            "write_units": summary(&units(false)),
            "stage_budget": stage_budget(&method, &path, token_checked),
            "within_budget": stage_budget(&method, &path, token_checked)
                .and_then(|b| median_sequential.map(|s| s <= b as f64)),
            "critical_path": critical_path,
        }));
    }
    Ok((rows, lines))
}

/// Whether a DynamoDB operation is billed in read request units.
fn is_read(op: &str) -> bool {
    matches!(
        op,
        "GetItem" | "BatchGetItem" | "Query" | "Scan" | "TransactGetItems"
    )
}

/// The sign-ins (issue 18): the guard and the route's own check, the gate and the account,
/// the gate's reset and the session: at most three stages.
pub const SIGN_INS: &[(&str, &str)] = &[
    ("POST", "/api/User/login"),
    ("POST", "/api/auth/access_token"),
    ("POST", "/oauth2/token"),
    // The hosted page's form: the sign-in step, and the consent step after it.
    ("POST", "/oauth2/authorize"),
];

/// Token-checked routes whose answer is more than one data operation deep by what it is,
/// with their stages and why.
pub const DEEPER: &[(&str, &str, u32, &str)] = &[(
    "POST",
    "/api/User/friendsrecommend",
    3,
    "friends of friends: the caller's friends (beside the check), theirs, then the \
     candidates' names; each read needs the one before",
)];

/// The most sequential stages a route may take: 3 for a sign-in, 2 for a token-checked
/// route (the check, then one data operation) unless it is [`DEEPER`]; none for the rest.
pub fn stage_budget(method: &str, path: &str, token_checked: bool) -> Option<u32> {
    if let Some((.., stages, _)) = DEEPER.iter().find(|(m, p, ..)| (*m, *p) == (method, path)) {
        Some(*stages)
    } else if SIGN_INS.contains(&(method, path)) {
        Some(3)
    } else if token_checked {
        Some(2)
    } else {
        None
    }
}

/// A request's DynamoDB calls as stages in time: calls that overlap share a stage (`∥`),
/// stages follow each other (`→`).
fn critical_path(calls: &Value) -> String {
    let mut calls: Vec<(u64, u64, &str)> = calls
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["start_us"].as_u64().unwrap_or(0),
                        c["end_us"].as_u64().unwrap_or(0),
                        c["op"].as_str().unwrap_or("?"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    calls.sort();
    let mut stages: Vec<(u64, Vec<&str>)> = Vec::new();
    for (start, end, op) in calls {
        match stages.last_mut() {
            Some((stage_end, ops)) if start < *stage_end => {
                ops.push(op);
                *stage_end = (*stage_end).max(end);
            }
            _ => stages.push((end, vec![op])),
        }
    }
    stages
        .iter()
        .map(|(_, ops)| ops.join(" ∥ "))
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ins_may_take_three_stages_token_routes_two_others_none() {
        assert_eq!(stage_budget("POST", "/api/User/login", false), Some(3));
        assert_eq!(stage_budget("GET", "/api/personal/info", true), Some(2));
        assert_eq!(stage_budget("GET", "/api/Image/captcha", false), None);
        assert_eq!(
            stage_budget("POST", "/api/User/friendsrecommend", true),
            Some(3)
        );
    }

    #[test]
    fn overlapping_calls_share_a_stage_and_the_rest_follow() {
        let calls = json!([
            {"op": "GetItem", "start_us": 0, "end_us": 10},
            {"op": "UpdateItem", "start_us": 1, "end_us": 12},
            {"op": "GetItem", "start_us": 13, "end_us": 20},
            {"op": "TransactWriteItems", "start_us": 21, "end_us": 40},
        ]);
        assert_eq!(
            critical_path(&calls),
            "GetItem ∥ UpdateItem → GetItem → TransactWriteItems"
        );
    }
}
