//! The operator console: server-rendered pages over the operator API's own functions
//! ([`crate::users`], [`crate::inbox`], [`crate::audit`]), in English and Chinese, with no
//! script: every action is a form, answered by a redirect back to its page.
//!
//! Operators sign in through the hosted pages like to any app: the console is a public
//! client built in to every deployment (`passport-console`, its one redirect URI the
//! issuer's `/console/callback`), and signs in with the authorization code and PKCE. The
//! access token it gets is kept in a `__Host-` cookie (`HttpOnly`, `SameSite=Strict`), which
//! the console's routes alone accept; their roles are checked in the route table as the
//! API's are. Every form also carries a token derived from the session (a cross-site form
//! could not know it), checked before any write.

mod pages;

use crate::content::{self, Kind};
use crate::users::{self, Action};
use crate::{clients as oauth_clients, inbox, App};
use http::StatusCode;
use passport_shared::html::{self, redirect, with_cookie};
use passport_shared::storage::records::PageRequest;
use passport_shared::storage::sessions::{Grant, TokenRecord};
use passport_shared::storage::users::User;
use passport_shared::token::{CONSOLE_CLIENT, CONSOLE_COOKIE};
use passport_shared::{crypto, ApiError, ApiRequest, ErrorKind, Lang, Reply};

/// The cookie that holds a sign-in under way: its `state` and PKCE verifier.
const LOGIN_COOKIE: &str = "__Host-passport-console-login";

/// How long a sign-in may take at the hosted pages.
const LOGIN_SECONDS: i64 = 600;

/// The console's redirect URI (the built-in client's one).
fn callback_uri() -> Result<String, ApiError> {
    Ok(format!(
        "{}/console/callback",
        passport_shared::token::issuer()?
    ))
}

/// The language of a console page: `lang`, else `Accept-Language`.
fn lang(req: &ApiRequest) -> Lang {
    req.meta.lang
}

/// The form token of the console session of `token`: only a page the console rendered
/// for this session holds it.
fn form_token(token: &TokenRecord) -> String {
    crypto::sha256_hex(&format!("passport-console-form:{}", token.jti))
}

/// Refuses a form without this session's form token.
fn check_form(req: &ApiRequest, token: &TokenRecord) -> Result<(), ApiError> {
    let sent = req.params.text("form_token").unwrap_or_default();
    match crypto::same(&sent, &form_token(token)) {
        true => Ok(()),
        false => Err(ApiError::invalid("form_token")),
    }
}

/// A redirect to `path` (a console page) in the page's language.
fn back_to(req: &ApiRequest, path: &str, done: Option<&str>) -> Result<Reply, ApiError> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(done) = done {
        query.append_pair("done", done);
    }
    query.append_pair("lang", lang_code(lang(req)));
    redirect(StatusCode::SEE_OTHER, &format!("{path}?{}", query.finish()))
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

/// What the console answers a browser the route's check refused: a browser without a live
/// console session reads 401 and goes on to sign in at once (the page's refresh; a link
/// for the rest); an account without the role reads why (403).
pub fn refused(req: &ApiRequest, refusal: ApiError) -> Result<Reply, ApiError> {
    match refusal.kind {
        ErrorKind::TokenMissing | ErrorKind::TokenInvalid | ErrorKind::TokenExpired => {
            let mut reply = pages::sign_in_first(lang(req));
            if refusal.kind != ErrorKind::TokenMissing {
                reply = with_cookie(reply, &clear(CONSOLE_COOKIE))?;
            }
            Ok(reply)
        }
        ErrorKind::RoleRequired => Ok(pages::refused(lang(req), req.meta.route.as_str())),
        _ => Err(refusal),
    }
}

fn clear(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax")
}

/// `GET /console/signin`: to the hosted sign-in, as the console's client, with a fresh
/// `state` and PKCE verifier kept in this browser.
pub async fn signin(_app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let state = crypto::random_secret(16);
    let verifier = crypto::random_secret(32);
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", CONSOLE_CLIENT)
        .append_pair("redirect_uri", &callback_uri()?)
        .append_pair("scope", "openid")
        .append_pair("state", &state)
        .append_pair("code_challenge", &crypto::pkce_s256(&verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", lang_code(lang(req)));
    let reply = redirect(
        StatusCode::FOUND,
        &format!("/oauth2/authorize?{}", query.finish()),
    )?;
    // The page's language comes back with the sign-in (the hosted pages may switch theirs).
    let lang = lang_code(lang(req));
    with_cookie(
        reply,
        &format!(
            "{LOGIN_COOKIE}={state}.{verifier}.{lang}; Path=/; Max-Age={LOGIN_SECONDS}; Secure; HttpOnly; SameSite=Lax"
        ),
    )
}

/// `GET /console/callback`: the hosted sign-in's answer. The `state` must be this
/// browser's; the code is redeemed here (once, for the console's client and redirect URI,
/// with the verifier) and the console's session starts.
pub async fn callback(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let login = html::cookie(req, LOGIN_COOKIE).unwrap_or_default();
    let mut parts = login.splitn(3, '.');
    let (state, verifier) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let lang = match parts.next() {
        Some("zh") => Lang::Zh,
        Some(_) => Lang::En,
        None => lang(req),
    };
    let failed = |why: &str| {
        tracing::info!(why, "console sign-in refused");
        Ok(pages::signin_failed(lang))
    };
    if state.is_empty() || verifier.is_empty() {
        return failed("no sign-in under way in this browser");
    }
    let sent_state = req.params.text("state").unwrap_or_default();
    if !crypto::same(&sent_state, state) {
        return failed("state");
    }
    let Some(code) = req.params.text("code") else {
        return failed("no code (the sign-in was cancelled or refused)");
    };
    let now = passport_shared::now();
    let grant = match app.grants.redeem_code(&code, now).await? {
        Ok(grant) => grant,
        Err(_) => return failed("the code is unknown, expired or used"),
    };
    let challenge = grant.code_challenge.as_deref().unwrap_or_default();
    if grant.client_id != CONSOLE_CLIENT
        || grant.redirect_uri != callback_uri()?
        || !crypto::same(&crypto::pkce_s256(verifier), challenge)
    {
        return failed("the code is another client's, or the verifier is wrong");
    }
    let sid = passport_shared::storage::sessions::new_sid();
    let session = Grant {
        uid: grant.uid,
        client_id: CONSOLE_CLIENT.to_owned(),
        scope: grant.scope,
        remember: false,
    };
    let sessions = &app.identity.sessions;
    let (issued, recorded) = tokio::join!(
        sessions.issue_as(&sid, &session, now),
        app.grants.record_family(&code, &sid)
    );
    recorded?;
    let issued = issued?;
    let reply = redirect(
        StatusCode::SEE_OTHER,
        &format!("/console?lang={}", lang_code(lang)),
    )?;
    let reply = with_cookie(
        reply,
        &format!(
            "{CONSOLE_COOKIE}={}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
            issued.access_token, issued.expires_in
        ),
    )?;
    with_cookie(reply, &clear(LOGIN_COOKIE))
}

/// `POST /console/signout`: ends the console's session (the hosted pages' browser
/// session stays, for the user's other apps; the page links to ending it too).
async fn signout_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    app.identity.sessions.end(token).await?;
    with_cookie(pages::signed_out(lang(req)), &clear(CONSOLE_COOKIE))
}

/// A refusal of what the browser sent, as a page (a failure of ours stays an error).
fn shown(req: &ApiRequest, answer: Result<Reply, ApiError>) -> Result<Reply, ApiError> {
    match answer {
        Err(e) if e.kind != ErrorKind::Internal => Ok(pages::problem(lang(req), &e)),
        answer => answer,
    }
}

/// The console's routes, each its page's function with [`shown`] refusals.
macro_rules! shown {
    ($($name:ident => $page:ident),* $(,)?) => {$(
        pub async fn $name(
            app: &App,
            req: &ApiRequest,
            token: &TokenRecord,
            operator: &User,
        ) -> Result<Reply, ApiError> {
            shown(req, $page(app, req, token, operator).await)
        }
    )*};
}

shown! {
    users => users_page,
    user => user_page,
    user_act => user_act_page,
    export => export_page,
    clients => clients_page,
    client => client_page,
    client_act => client_act_page,
    client_create => client_create_page,
    content => content_page,
    content_act => content_act_page,
    pushes => pushes_page,
    push_act => push_act_page,
    feedbacks => feedbacks_page,
    feedback => feedback_page,
    reply => reply_page,
    audit => audit_page,
    signout => signout_page,
}

/// `GET /console`: the start page (find an account, the inbox, the log).
pub async fn home(
    _app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    Ok(pages::home(&page))
}

/// `GET /console/users?q=`.
async fn users_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let q = req.params.text("q").unwrap_or_default();
    match users::find(app, &q).await {
        Ok(found) => Ok(pages::users(&page, &q, &found)),
        Err(e) if e.kind != ErrorKind::Internal => Ok(pages::users(&page, &q, &[])),
        Err(e) => Err(e),
    }
}

/// `GET /console/users/{uid}`.
async fn user_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    match users::profile_of(app, req.path_id("uid")?).await {
        Ok(profile) => Ok(pages::user(&page, &profile)),
        Err(e) if e.kind == ErrorKind::NoData => Ok(pages::missing(&page)),
        Err(e) => Err(e),
    }
}

/// `POST /console/users/{uid}`: one of the account actions (`action`), then back to its
/// page, which says what was done, or why not.
async fn user_act_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    let uid = req.path_id("uid")?;
    let p = &req.params;
    p.scalars(&["action", "role", "confirm", "form_token", "lang"])?;
    let action = match p.text("action").as_deref() {
        Some("disable") => Action::Disable,
        Some("enable") => Action::Enable,
        Some("unlock") => Action::Unlock,
        Some("end_sessions") => Action::EndSessions,
        Some("reset_code") => Action::ResetCode,
        Some("role") => Action::Role(users::role_named(p.text("role").as_deref())?),
        Some("delete") => Action::Delete,
        _ => return Err(ApiError::invalid("action")),
    };
    let path = format!("/console/users/{uid}");
    if action == Action::Delete {
        // No script to ask "are you sure?": the form asks for the account's username.
        let named = app.identity.users.get(uid).await?.map(|u| u.username);
        let typed = p.text("confirm").unwrap_or_default();
        if named.as_deref() != Some(typed.trim()) {
            return back_to(req, &path, Some("confirm"));
        }
    }
    match users::act(app, operator, uid, action).await {
        Ok(_) if action == Action::Delete => back_to(req, "/console/users", Some("deleted")),
        Ok(_) => back_to(req, &path, Some(pages::done_of(action))),
        Err(e) if e.kind == ErrorKind::Internal => Err(e),
        Err(e) if e.kind == ErrorKind::InvalidParameter => {
            back_to(req, &path, Some("refused_self"))
        }
        Err(e) if e.kind == ErrorKind::ProfileConflict => back_to(req, &path, Some("conflict")),
        Err(e) => Err(e),
    }
}

/// `GET /console/users/{uid}/export`: everything the account holds, as a JSON download.
async fn export_page(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let uid = req.path_id("uid")?;
    let exported = users::export_of(app, operator, uid).await?;
    let body = serde_json::to_string_pretty(&exported).map_err(ApiError::internal)?;
    let mut response =
        passport_shared::response::respond(StatusCode::OK, "application/json; charset=utf-8", body);
    let disposition = format!("attachment; filename=\"passport-account-{uid}.json\"");
    response.headers_mut().insert(
        http::header::CONTENT_DISPOSITION,
        http::HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
    );
    response
        .headers_mut()
        .insert("cache-control", http::HeaderValue::from_static("no-store"));
    Ok(Reply::Raw(response))
}

/// `GET /console/clients`.
async fn clients_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    Ok(pages::clients(&page, &oauth_clients::all(app).await?, None))
}

/// `POST /console/clients`: registers a client; its page shows the secret once. A field
/// that breaks a rule shows the list again with the rule.
async fn client_create_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    let page = pages::Page::new(req, token, operator);
    match oauth_clients::register(app, operator, &req.params).await {
        Ok(made) => {
            let id = made["client"]["client_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let client = oauth_clients::one(app, &id).await?;
            Ok(pages::client(&page, &client, Some(&made), None))
        }
        Err(e) if e.kind == ErrorKind::InvalidParameter => {
            let why = e.cause().unwrap_or("").to_owned();
            Ok(pages::clients(
                &page,
                &oauth_clients::all(app).await?,
                Some(&why),
            ))
        }
        Err(e) => Err(e),
    }
}

/// `GET /console/clients/{client_id}`.
async fn client_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let id = req.path_param("client_id").unwrap_or_default();
    match oauth_clients::one(app, id).await {
        Ok(client) => Ok(pages::client(&page, &client, None, None)),
        Err(e) if e.kind == ErrorKind::NoData => Ok(pages::missing(&page)),
        Err(e) => Err(e),
    }
}

/// `POST /console/clients/{client_id}`: rotate (the page shows the new secret, once: it
/// is answered, not redirected, so the secret is in no address), disable, enable,
/// delete (asked for by typing the client id).
async fn client_act_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    let id = req.path_param("client_id").unwrap_or_default().to_owned();
    let p = &req.params;
    p.scalars(&[
        "action",
        "grace_seconds",
        "confirm",
        "form_token",
        "lang",
        "name",
    ])?;
    let path = format!("/console/clients/{id}");
    let action = match p.text("action").as_deref() {
        Some("rotate") => oauth_clients::Action::Rotate {
            grace_seconds: oauth_clients::grace_of(p.text("grace_seconds").as_deref())?,
        },
        Some("disable") => oauth_clients::Action::Disable,
        Some("enable") => oauth_clients::Action::Enable,
        Some("edit") => {
            let page = pages::Page::new(req, token, operator);
            return match oauth_clients::revise(app, operator, &id, p).await {
                Ok(_) => back_to(req, &path, Some("saved")),
                Err(e) if e.kind == ErrorKind::InvalidParameter => {
                    let why = e.cause().unwrap_or("").to_owned();
                    let client = oauth_clients::one(app, &id).await?;
                    Ok(pages::client(&page, &client, None, Some(&why)))
                }
                Err(e) => Err(e),
            };
        }
        Some("delete") => {
            if p.text("confirm").as_deref().map(str::trim) != Some(id.as_str()) {
                return back_to(req, &path, Some("confirm_client"));
            }
            oauth_clients::Action::Delete
        }
        _ => return Err(ApiError::invalid("action")),
    };
    let done = oauth_clients::act(app, operator, &id, action).await?;
    match action {
        oauth_clients::Action::Rotate { .. } => {
            let page = pages::Page::new(req, token, operator);
            let client = oauth_clients::one(app, &id).await?;
            Ok(pages::client(&page, &client, Some(&done), None))
        }
        oauth_clients::Action::Delete => back_to(req, "/console/clients", Some("client_deleted")),
        oauth_clients::Action::Disable => back_to(req, &path, Some("client_disabled")),
        oauth_clients::Action::Enable => back_to(req, &path, Some("client_enabled")),
    }
}

/// `GET /console/content`: the FAQ and the feedback categories, each editable in place.
async fn content_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let (faqs, categories) = content::lists(app).await?;
    Ok(pages::content(&page, &faqs, &categories))
}

/// `POST /console/content`: `action` = faq_add, faq_edit, faq_delete, category_add,
/// category_edit or category_delete (with `id` for the last four of them).
async fn content_act_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    let p = &req.params;
    let id = p.int::<u64>("id")?;
    let action = p.text("action").unwrap_or_default();
    let (kind, verb) = action
        .split_once('_')
        .and_then(|(k, v)| {
            let kind = match k {
                "faq" => Kind::Faq,
                "category" => Kind::Category,
                _ => return None,
            };
            Some((kind, v.to_owned()))
        })
        .ok_or_else(|| ApiError::invalid("action"))?;
    let done = match (verb.as_str(), id) {
        ("add", _) => content::save(app, operator, kind, None, p)
            .await
            .map(|_| "saved"),
        ("edit", Some(id)) => content::save(app, operator, kind, Some(id), p)
            .await
            .map(|_| "saved"),
        ("delete", Some(id)) => content::remove(app, operator, kind, id)
            .await
            .map(|_| "removed"),
        _ => return Err(ApiError::invalid("action")),
    };
    match done {
        Ok(done) => back_to(req, "/console/content", Some(done)),
        Err(e) if e.kind == ErrorKind::InvalidParameter => {
            back_to(req, "/console/content", Some("content_invalid"))
        }
        Err(e) => Err(e),
    }
}

/// `GET /console/push`: the push log with its read counts, and the form to record one.
async fn pushes_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let listed = app.push.all_logs(req.params.page()?).await?;
    Ok(pages::pushes(&page, &listed))
}

/// `POST /console/push`: records a push.
async fn push_act_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    match content::record_push(app, operator, &req.params).await {
        Ok(_) => back_to(req, "/console/push", Some("push_recorded")),
        Err(e) if e.kind == ErrorKind::InvalidParameter => {
            back_to(req, "/console/push", Some("content_invalid"))
        }
        Err(e) => Err(e),
    }
}

/// `GET /console/feedback?status=&category_id=`.
async fn feedbacks_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let p = &req.params;
    p.scalars(&["status", "category_id", "page_no", "lang"])?;
    let status = inbox::status_named(p.text("status").as_deref())?;
    let category = p.int::<u64>("category_id")?;
    let at = p.page()?;
    let (listed, categories) = tokio::join!(
        app.support.inbox(status, category, at),
        app.support.categories(PageRequest::new(Some(1), Some(100)))
    );
    Ok(pages::inbox(
        &page,
        status,
        category,
        &listed?,
        &categories?,
    ))
}

/// `GET /console/feedback/{id}`.
async fn feedback_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let id = req.path_id("id")?;
    let (feedback, reply) = tokio::join!(app.support.feedback(id), app.support.reply_of(id));
    match feedback? {
        Some(feedback) => Ok(pages::feedback(&page, &feedback, reply?.as_ref())),
        None => Ok(pages::missing(&page)),
    }
}

/// `POST /console/feedback/{id}`: the reply, then back to the feedback.
async fn reply_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    check_form(req, token)?;
    let id = req.path_id("id")?;
    req.params
        .scalars(&["reply_content", "form_token", "lang"])?;
    let content = req.params.text("reply_content").unwrap_or_default();
    let path = format!("/console/feedback/{id}");
    match inbox::answer(app, operator, id, &content).await {
        Ok(_) => back_to(req, &path, Some("replied")),
        Err(e) if e.kind == ErrorKind::InvalidParameter => back_to(req, &path, Some("empty")),
        Err(e) => Err(e),
    }
}

/// `GET /console/audit?target=`.
async fn audit_page(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    let page = pages::Page::new(req, token, operator);
    let p = &req.params;
    p.scalars(&["target", "page_no", "lang"])?;
    let target = p.text("target").filter(|t| !t.trim().is_empty());
    let target = target.as_deref().map(crate::audit::target).transpose()?;
    let listed = app.audit.list(target, p.page()?).await?;
    Ok(pages::audit(&page, target, &listed))
}
