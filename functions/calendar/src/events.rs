//! `events` (start, end: the range; default the next 30 days; 203101 when empty), `add`
//! (title, start, end, allday, location, remark, reminder; 203201 when it ends before it
//! starts) and `update` (id required, 203301; only the fields given change).
//!
//! Times are `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD` (UTC) or epoch seconds,
//! and are answered as `YYYY-MM-DD HH:MM:SS`. `reminder` is minutes before the start.

use crate::App;
use passport_shared::domain::short_text;
use passport_shared::storage::keys;
use passport_shared::storage::records::{Check, Listing, Numbered, Updated};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Params, Reply};
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time};

/// The most events one listing answers.
const MAX_EVENTS: usize = 500;

/// A time as clients send it, in epoch seconds.
pub fn parse_time(field: &str, raw: &str) -> Result<i64, ApiError> {
    let raw = raw.trim();
    let bad = || ApiError::invalid(field);
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().map_err(|_| bad());
    }
    let full = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let minutes = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let day = format_description!("[year]-[month]-[day]");
    let at = PrimitiveDateTime::parse(raw, full)
        .or_else(|_| PrimitiveDateTime::parse(raw, minutes))
        .or_else(|_| Date::parse(raw, day).map(|d| d.with_time(Time::MIDNIGHT)))
        .map_err(|_| bad())?;
    Ok(at.assume_utc().unix_timestamp())
}

fn index_sk(start: i64, id: u64) -> String {
    format!("{}#{}", keys::padded(start.max(0) as u64), keys::padded(id))
}

/// The event fields a request gives, checked.
struct Input {
    /// Title, location, remark, all-day and reminder, as given.
    fields: Map<String, Value>,
    /// Epoch seconds.
    start: Option<i64>,
    end: Option<i64>,
}

fn input(p: &Params) -> Result<Input, ApiError> {
    let mut f = Map::new();
    // An empty title is a title not given; an empty location or remark clears it.
    if let Some(t) = p.text("title") {
        f.insert("title".into(), json!(short_text("title", &t, 100)?));
    }
    if let Some(t) = p.get("location") {
        f.insert(
            "location".into(),
            json!(if t.trim().is_empty() {
                String::new()
            } else {
                short_text("location", &t, 200)?
            }),
        );
    }
    if let Some(t) = p.get("remark") {
        f.insert(
            "remark".into(),
            json!(if t.trim().is_empty() {
                String::new()
            } else {
                short_text("remark", &t, 2000)?
            }),
        );
    }
    if let Some(all_day) = p.flag("allday")? {
        f.insert("allday".into(), json!(all_day));
    }
    if let Some(m) = p.int::<i64>("reminder")? {
        if !(0..=10_080).contains(&m) {
            return Err(ApiError::invalid("reminder"));
        }
        f.insert("reminder".into(), json!(m));
    }
    let start = p
        .text("start")
        .map(|t| parse_time("start", &t))
        .transpose()?;
    let end = p.text("end").map(|t| parse_time("end", &t)).transpose()?;
    Ok(Input {
        fields: f,
        start,
        end,
    })
}

pub async fn list(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let p = &req.params;
    let from = p
        .text("start")
        .map(|t| parse_time("start", &t))
        .transpose()?
        .unwrap_or(now);
    let to = p
        .text("end")
        .map(|t| parse_time("end", &t))
        .transpose()?
        .unwrap_or(from + 30 * 86_400);
    if to < from {
        return Err(ApiError::invalid("end"));
    }
    let listing = Listing::IndexRange {
        pk: keys::events_of(uid),
        from: index_sk(from, 0),
        to: index_sk(to, u64::MAX / 10),
    };
    let events = app.records.list(&listing, false, MAX_EVENTS).await?;
    if events.is_empty() {
        return Err(ErrorKind::NoEvents.into());
    }
    Reply::of(&json!({ "events": events }))
}

pub async fn add(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let Input {
        fields: mut f,
        start,
        end,
    } = input(&req.params)?;
    if !f.contains_key("title") {
        return Err(ApiError::invalid("title"));
    }
    let start = start.ok_or_else(|| ApiError::invalid("start"))?;
    let all_day = f.get("allday").and_then(Value::as_bool).unwrap_or(false);
    let end = end.unwrap_or(if all_day {
        start + 86_400 - 1
    } else {
        start + 3600
    });
    if end < start {
        return Err(ErrorKind::EventAddFailed.into());
    }
    f.insert("start".into(), json!(passport_shared::datetime(start)));
    f.insert("end".into(), json!(passport_shared::datetime(end)));
    f.entry("allday").or_insert(json!(false));
    f.entry("location").or_insert(json!(""));
    f.entry("remark").or_insert(json!(""));
    f.entry("reminder").or_insert(Value::Null);
    f.insert("created_at".into(), json!(passport_shared::datetime(now)));
    f.insert("updated_at".into(), json!(passport_shared::datetime(now)));
    let (_, event) = app
        .records
        .create_numbered(|id| {
            let mut event = f.clone();
            event.insert("id".into(), json!(id));
            Numbered {
                key: keys::event(uid, id),
                index: Some((keys::events_of(uid), index_sk(start, id))),
                record: event,
            }
        })
        .await?;
    Reply::of(&json!({ "event": event }))
}

pub async fn update(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let uid = token.uid;
    let id = req
        .params
        .int::<u64>("id")?
        .ok_or(ErrorKind::EventIdRequired)?;
    let key = keys::event(uid, id);
    let Input {
        fields: mut f,
        start,
        end,
    } = input(&req.params)?;
    // One conditional update, no read first: times are stored as `YYYY-MM-DD HH:MM:SS`,
    // whose order as text is their order in time, so a new start or end given alone is
    // checked against the stored other one in the update's condition.
    // (A condition names only what it uses: DynamoDB refuses unused names and values.)
    let (check, values);
    match (start, end) {
        (Some(start), Some(end)) if end < start => return Err(ApiError::invalid("end")),
        (Some(start), None) => {
            values = [(":start", passport_shared::datetime(start))];
            check = Some(Check {
                condition: "#r.#end >= :start",
                names: &[("#end", "end")],
                values: &values,
            });
        }
        (None, Some(end)) => {
            values = [(":end", passport_shared::datetime(end))];
            check = Some(Check {
                condition: "#r.#start <= :end",
                names: &[("#start", "start")],
                values: &values,
            });
        }
        _ => check = None,
    }
    if let Some(start) = start {
        f.insert("start".into(), json!(passport_shared::datetime(start)));
    }
    if let Some(end) = end {
        f.insert("end".into(), json!(passport_shared::datetime(end)));
    }
    f.insert("updated_at".into(), json!(passport_shared::datetime(now)));
    let index_sk = start.map(|start| index_sk(start, id));
    let event = match app
        .records
        .update_checked(&key, &f, index_sk.as_deref(), check)
        .await?
    {
        Updated::Done(event) => event,
        Updated::Missing => return Err(ApiError::new(ErrorKind::NoData).with_field("id")),
        Updated::Refused => return Err(ApiError::invalid("end")),
    };
    Reply::of(&json!({ "event": event }))
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_in_every_accepted_form() {
        assert_eq!(
            parse_time("start", "2026-11-22 08:30:00").unwrap(),
            1_795_336_200
        );
        assert_eq!(
            parse_time("start", "2026-11-22 08:30").unwrap(),
            1_795_336_200
        );
        assert_eq!(parse_time("start", "2026-11-22").unwrap(), 1_795_305_600);
        assert_eq!(parse_time("start", "1795336200").unwrap(), 1_795_336_200);
        let bad = parse_time("start", "22/11/2026").unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("start"));
    }
}
