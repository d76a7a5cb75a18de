//! `/api/operator/users*`: finding an account, its profile, and what an operator does to it.
//!
//! Every action reads the account, then writes the change with its audit entry in one
//! transaction conditioned on the version read (a change made meanwhile is 10000
//! `ProfileConflict`, to retry); an action that changes nothing (disabling a disabled
//! account) answers the account as it is and writes nothing. An operator cannot disable or
//! demote their own account: the last operator never locks everyone out.

use crate::App;
use passport_avatar::STORED_PREFIX;
use passport_identity::Destination;
use passport_shared::storage::audit::Entry;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::{Role, Standing, User};
use passport_shared::{datetime, ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};

/// The longest search accepted (an email address is at most 254 bytes).
const QUERY_MAX: usize = 254;

/// An account as operators see it: never its password hash.
pub fn view(user: &User) -> Value {
    json!({
        "uid": user.uid,
        "username": user.username,
        "nickname": user.nickname,
        "email": user.email,
        "email_verified": user.email_verified,
        "area": user.area,
        "phone": user.phone,
        "phone_verified": user.phone_verified,
        "role": user.role.map(Role::as_str),
        "disabled": user.disabled,
        "created_at": datetime(user.created_at),
        "updated_at": datetime(user.updated_at),
    })
}

/// The account `uid`, or 10001.
async fn account(app: &App, uid: u64) -> Result<User, ApiError> {
    app.identity
        .users
        .get(uid)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("uid"))
}

/// The audit entry of `action` by `operator` on `user`.
fn entry(operator: &User, action: &'static str, user: &User, before: Value, after: Value) -> Entry {
    crate::entry(
        operator,
        action,
        format!("user:{}", user.uid),
        before,
        after,
    )
}

/// The accounts whose uid, username, email or phone number is exactly `q` (each a key
/// lookup, in parallel; no scan), at most one per kind.
pub async fn find(app: &App, q: &str) -> Result<Vec<User>, ApiError> {
    let q = q.trim();
    if q.is_empty() || q.len() > QUERY_MAX {
        return Err(ApiError::invalid("q"));
    }
    let users = &app.identity.users;
    let by_uid = async {
        match q.parse::<u64>() {
            Ok(uid) => users.get(uid).await,
            Err(_) => Ok(None),
        }
    };
    let by_name = async {
        match q.contains('@') {
            true => Ok(None),
            false => users.find_by_username(q).await,
        }
    };
    let by_destination = async {
        match Destination::parse(None, q) {
            Ok(to) => match users.guard_owner(to.guard()).await? {
                Some(uid) => users.get(uid).await,
                None => Ok(None),
            },
            Err(_) => Ok(None),
        }
    };
    let (a, b, c) = tokio::join!(by_uid, by_name, by_destination);
    let mut found: Vec<User> = Vec::new();
    for user in [a?, b?, c?].into_iter().flatten() {
        if !found.iter().any(|f| f.uid == user.uid) {
            found.push(user);
        }
    }
    Ok(found)
}

/// `GET /api/operator/users?q=`: [`find`].
pub async fn search(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    req.params.scalars(&["q"])?;
    let found = find(app, &req.params.text("q").unwrap_or_default()).await?;
    Reply::of(&json!({ "users": found.iter().map(view).collect::<Vec<_>>() }))
}

/// The account `uid`, its bindings, the apps it authorized, its live sessions (newest
/// sign-in first) and the sign-in locks on its names; 10001 when there is none.
pub async fn profile_of(app: &App, uid: u64) -> Result<Value, ApiError> {
    let user = account(app, uid).await?;
    let id = &app.identity;
    let now = passport_shared::now();
    let (consents, listing, locks) = tokio::join!(
        id.sso.consents_of(user.uid),
        id.sessions.listing(user.uid),
        id.users.locks(&user),
    );
    let apps: Vec<Value> = consents?
        .iter()
        .map(|c| {
            json!({
                "client_id": c.client_id,
                "scopes": c.scopes,
                "authorized_at": datetime(c.granted_at),
            })
        })
        .collect();
    let sessions: Vec<Value> = listing?
        .active(now)
        .iter()
        .map(|s| {
            json!({
                "kind": if s.client_id.is_some() { "api" } else { "browser" },
                "client_id": s.client_id,
                "signed_in_at": datetime(s.signed_in_at),
                "expires_at": datetime(s.expires_at),
            })
        })
        .collect();
    let locks: Vec<Value> = locks?
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "failures": l.failures,
                "locked": l.until > now,
                "locked_until": (l.until > now).then(|| datetime(l.until)),
            })
        })
        .collect();
    let bindings: Vec<Value> = user
        .sns
        .iter()
        .map(|(channel, id)| json!({ "channel": channel, "id": id }))
        .collect();
    Ok(json!({
        "user": view(&user),
        "bindings": bindings,
        "apps": apps,
        "sessions": sessions,
        "locks": locks,
    }))
}

/// `GET /api/operator/users/{uid}`: [`profile_of`].
pub async fn profile(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&profile_of(app, req.path_id("uid")?).await?)
}

/// Refuses an operator's action on their own account.
fn not_yourself(operator: &User, user: &User) -> Result<(), ApiError> {
    match operator.uid == user.uid {
        true => Err(ApiError::invalid("uid").with_cause("an operator's own account")),
        false => Ok(()),
    }
}

/// Writes `standing` for `user` with its audit entry; the account as it is now.
async fn change(
    app: &App,
    operator: &User,
    user: User,
    standing: Standing,
    action: &'static str,
) -> Result<User, ApiError> {
    let now = passport_shared::now();
    let mut after = user.clone();
    let (before_v, after_v) = match standing {
        Standing::Disabled(d) => {
            after.disabled = d;
            (
                json!({ "disabled": user.disabled }),
                json!({ "disabled": d }),
            )
        }
        Standing::Role(r) => {
            after.role = r;
            (
                json!({ "role": user.role.map(Role::as_str) }),
                json!({ "role": r.map(Role::as_str) }),
            )
        }
    };
    let audit = app
        .audit
        .step(&entry(operator, action, &user, before_v, after_v), now)?;
    let users = &app.identity.users;
    if !users.set_standing(&user, standing, audit, now).await? {
        return Err(ErrorKind::ProfileConflict.into());
    }
    after.version += 1;
    after.updated_at = now;
    Ok(after)
}

/// What an operator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The account can no longer sign in, and every session it has (API and browser) ends.
    Disable,
    /// It may sign in again.
    Enable,
    /// Forgets the failed sign-ins counted on every name of the account (username, email,
    /// phone), so a locked account may sign in at once.
    Unlock,
    /// Ends every session (API sessions and their refresh tokens, browser sessions of the
    /// hosted pages). The audit entry is written first: the ends are many writes.
    EndSessions,
    /// Sends the password-reset code a user would ask for (to its email, else its phone).
    ResetCode,
    /// Grants a role, or takes it away.
    Role(Option<Role>),
    /// Erases the account and everything it holds ([`passport_shared::storage::erase`]);
    /// the audit entry keeps who it was.
    Delete,
}

/// `operator` does `action` to account `uid`: what came of it, as the API answers it.
pub async fn act(app: &App, operator: &User, uid: u64, action: Action) -> Result<Value, ApiError> {
    let user = account(app, uid).await?;
    let now = passport_shared::now();
    match action {
        Action::Disable => {
            not_yourself(operator, &user)?;
            let user = match user.disabled {
                true => user,
                false => {
                    change(
                        app,
                        operator,
                        user,
                        Standing::Disabled(true),
                        "user.disable",
                    )
                    .await?
                }
            };
            // Also when it was disabled already: a session begun in a race with the first
            // disable ends now.
            app.identity.sessions.end_all(user.uid).await?;
            Ok(json!({ "user": view(&user) }))
        }
        Action::Enable => {
            let user = match user.disabled {
                false => user,
                true => {
                    change(
                        app,
                        operator,
                        user,
                        Standing::Disabled(false),
                        "user.enable",
                    )
                    .await?
                }
            };
            Ok(json!({ "user": view(&user) }))
        }
        Action::Role(role) => {
            if user.role == role {
                return Ok(json!({ "user": view(&user) }));
            }
            not_yourself(operator, &user)?;
            let user = change(app, operator, user, Standing::Role(role), "user.role").await?;
            Ok(json!({ "user": view(&user) }))
        }
        Action::Unlock => {
            let users = &app.identity.users;
            let locks = users.locks(&user).await?;
            let before: Vec<Value> = locks
                .iter()
                .map(|l| json!({ "name": l.name, "failures": l.failures, "locked_until": l.until }))
                .collect();
            let entry = entry(
                operator,
                "user.unlock",
                &user,
                json!({ "locks": before }),
                json!({ "locks": [] }),
            );
            users.unlock(&user, app.audit.step(&entry, now)?).await?;
            Ok(json!({ "unlocked": locks.len() }))
        }
        Action::EndSessions => {
            let sessions = &app.identity.sessions;
            let live = sessions.listing(user.uid).await?.active(now).len();
            let entry = entry(
                operator,
                "user.end_sessions",
                &user,
                json!({ "sessions": live }),
                json!({ "sessions": 0 }),
            );
            app.audit.write(&entry, now).await?;
            sessions.end_all(user.uid).await?;
            Ok(json!({ "ended": live }))
        }
        Action::Delete => {
            not_yourself(operator, &user)?;
            let users = &app.identity.users;
            let holdings = users.holdings(&user).await?;
            let entry = entry(
                operator,
                "user.delete",
                &user,
                json!({ "user": view(&user), "items": holdings.own.len() + holdings.listed.len() }),
                Value::Null,
            );
            // The uploaded picture first: until the account's last write lands, an erase
            // that stopped is run again, and finds nothing left to delete there.
            let picture = user
                .avatar
                .as_deref()
                .and_then(|a| a.strip_prefix(STORED_PREFIX));
            if let Some(key) = picture {
                app.avatars.delete(key).await?;
            }
            let erased = users
                .erase(&user, &holdings, app.audit.step(&entry, now)?)
                .await?;
            Ok(json!({ "deleted": user.uid, "items": erased }))
        }
        Action::ResetCode => {
            let to = match (&user.email, &user.phone) {
                (Some(email), _) => json!({ "email": email }),
                (None, Some(phone)) => json!({ "phone": phone }),
                (None, None) => {
                    return Err(
                        ApiError::invalid("uid").with_cause("the account has no email or phone")
                    )
                }
            };
            let entry = entry(operator, "user.reset_code", &user, json!({}), to.clone());
            app.audit.write(&entry, now).await?;
            app.identity
                .request_reset(None, &user.username, now)
                .await?;
            Ok(json!({ "sent_to": to }))
        }
    }
}

/// Everything account `uid` holds, as JSON (no password hash, no session secrets), for
/// `operator`; the export is in the audit log.
pub async fn export_of(app: &App, operator: &User, uid: u64) -> Result<Value, ApiError> {
    let user = account(app, uid).await?;
    let holdings = app.identity.users.holdings(&user).await?;
    let items: Vec<Value> = holdings
        .own
        .iter()
        .chain(&holdings.listed)
        .filter(|i| !matches!(i.get("sk").and_then(|v| v.as_s().ok()), Some(sk) if sk == "PROFILE"))
        .filter_map(passport_shared::storage::erase::exported)
        .collect();
    let now = passport_shared::now();
    let audit = entry(
        operator,
        "user.export",
        &user,
        json!({}),
        json!({ "items": items.len() }),
    );
    app.audit.write(&audit, now).await?;
    Ok(json!({
        "exported_at": datetime(now),
        "account": view(&user),
        "bindings": user.sns,
        "items": items,
    }))
}

/// `GET /api/operator/users/{uid}/export`: [`export_of`].
pub async fn export(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&export_of(app, operator, req.path_id("uid")?).await?)
}

/// `DELETE /api/operator/users/{uid}`.
pub async fn delete(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::Delete).await
}

/// A role as forms and the API name it: `operator`, `support`, or `none`.
pub fn role_named(name: Option<&str>) -> Result<Option<Role>, ApiError> {
    match name {
        Some("none") => Ok(None),
        Some(name) => Role::parse(name)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("role")),
        None => Err(ApiError::invalid("role")),
    }
}

/// `POST /api/operator/users/{uid}/<action>`.
async fn act_on(
    app: &App,
    req: &ApiRequest,
    operator: &User,
    action: Action,
) -> Result<Reply, ApiError> {
    Reply::of(&act(app, operator, req.path_id("uid")?, action).await?)
}

pub async fn disable(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::Disable).await
}

pub async fn enable(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::Enable).await
}

pub async fn unlock(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::Unlock).await
}

pub async fn end_sessions(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::EndSessions).await
}

pub async fn reset_code(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    act_on(app, req, operator, Action::ResetCode).await
}

/// `POST .../role` with `role` = `operator`, `support` or `none`.
pub async fn role(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    req.params.scalars(&["role"])?;
    let role = role_named(req.params.text("role").as_deref())?;
    act_on(app, req, operator, Action::Role(role)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_of_an_account_never_holds_its_hash() {
        let user = User {
            uid: 7,
            username: "ada".into(),
            email: Some("ada@example.com".into()),
            area: None,
            phone: None,
            email_verified: true,
            phone_verified: false,
            password_hash: "$argon2id$secret".into(),
            created_at: 0,
            updated_at: 0,
            nickname: None,
            avatar: None,
            gender: 2,
            birthday: None,
            address: None,
            detail: Default::default(),
            sns: Default::default(),
            version: 1,
            role: Some(Role::Support),
            disabled: true,
        };
        let v = view(&user);
        assert!(!v.to_string().contains("argon2"));
        assert_eq!(v["role"], "support");
        assert_eq!(v["disabled"], true);
    }
}
