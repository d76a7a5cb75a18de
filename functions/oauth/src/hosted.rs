//! `GET /oauth2/authorize` and `POST /oauth2/authorize`: the authorization-code flow for a
//! browser, with Passport's hosted pages.
//!
//! 1. GET checks the request. A missing or unknown client, or a redirect URI that is not
//!    exactly one the client registered, gets an error page and never a redirect; any other
//!    problem is sent back to the redirect URI as an RFC 6749 error with the `state`. A good
//!    request is kept server-side for 10 minutes under a random id that only this page
//!    knows, and the sign-in page is shown; in a browser signed in already ([`crate::sso`];
//!    unless `prompt=login`, or the sign-in is older than `max_age`) the consent page, or,
//!    where the user allowed these scopes to this client before (and `prompt=consent` was
//!    not asked), the code at once. `prompt=none` answers `login_required` or
//!    `consent_required` where a page would be shown.
//! 2. POST `step=signin` checks the captcha and the password (with the sign-in lockout),
//!    starts the browser's session (its cookie replaces any earlier one) and shows the
//!    consent page naming the client and the scopes.
//! 3. POST `step=consent` acts once on the decision: `allow` remembers the consent and
//!    redirects with `code` and the unchanged `state`, `deny` with `error=access_denied`.

use crate::grant::{check_request, issue_code, respond_to, AuthRequest, Prompt, Refused, SignedIn};
use crate::page::{self, CaptchaView, Problem};
use crate::{par, sso, App};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::StatusCode;
use passport_captcha_image::{self as captcha_render, Kind};
use passport_identity::{sign_in_with, SignInName};
use passport_shared::captcha::issue_captcha;
use passport_shared::domain::Password;
use passport_shared::storage::grants::PendingRequest;
use passport_shared::storage::sso::BrowserSession;
use passport_shared::{crypto, ApiError, ApiRequest, ErrorKind, Lang, Reply};

/// The captcha scenario of the hosted page.
const SCENARIO: &str = "oauth";

fn redirect_error(redirect_uri: &str, error: &str, state: Option<&str>) -> Result<Reply, ApiError> {
    respond_to(redirect_uri, &[("error", error)], state)
}

pub(crate) async fn captcha(app: &App, now: i64) -> Result<CaptchaView, ApiError> {
    let key = crypto::random_secret(32);
    let answer = issue_captcha(
        &app.identity.captchas,
        &app.identity.keys,
        &key,
        SCENARIO,
        captcha_render::answer(),
        now,
    )
    .await?;
    let png = captcha_render::encode(&answer, Kind::Png).map_err(ApiError::internal)?;
    Ok(CaptchaView {
        key,
        png_base64: STANDARD.encode(png),
        answer: app.expose_captcha.then_some(answer),
    })
}

async fn client_name(app: &App, client_id: &str) -> Result<String, ApiError> {
    Ok(app
        .identity
        .sessions
        .meter
        .clients
        .get(client_id)
        .await?
        .map(|c| c.name.clone())
        .unwrap_or_default())
}

pub async fn start(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    // A pushed request (RFC 9126): its parameters alone, taken once.
    let pushed;
    let req = match req.params.text("request_uri") {
        Some(uri) => match par::pushed(app, req, &uri).await? {
            Some(request) => {
                pushed = request;
                &pushed
            }
            None => {
                let lang = page::lang_of(req);
                return Ok(page::problem(
                    lang,
                    StatusCode::BAD_REQUEST,
                    Problem::RequestUriInvalid,
                ));
            }
        },
        None => req,
    };
    let p = &req.params;
    let now = passport_shared::now();
    let lang = page::lang_of(req);
    // The request's client beside the browser's session: one stage.
    let (checked, session, providers) = tokio::join!(
        check_request(app, p),
        sso::signed_in(app, req, now),
        app.providers.list()
    );
    let request = match checked {
        Ok(r) => r,
        Err(Refused::Page(e)) => {
            let message = e.message(passport_shared::Dialect::V2, lang);
            return Ok(page::error(lang, StatusCode::BAD_REQUEST, &message));
        }
        Err(Refused::Redirect {
            rfc,
            redirect_uri,
            state,
            ..
        }) => return redirect_error(&redirect_uri, rfc, state.as_deref()),
    };
    // RFC 6749 §4.1.2.1: a missing response_type is a malformed request; another one is
    // unsupported.
    match p.text("response_type").as_deref() {
        Some("code") => {}
        missing_or_other => {
            let error = if missing_or_other.is_none() {
                "invalid_request"
            } else {
                "unsupported_response_type"
            };
            return redirect_error(&request.redirect_uri, error, request.state.as_deref());
        }
    }
    // OpenID Connect Core §3.1.2.3: the browser's sign-in serves unless the client asks
    // for a new one, or the sign-in is older than max_age (`max_age=0` is `prompt=login`).
    let session = session?.filter(|s| {
        !request.prompt.login
            && request
                .max_age
                .is_none_or(|max| max > 0 && now - s.auth_time <= max)
    });
    let Some(session) = session else {
        // §3.1.2.6: `prompt=none` may not show a page, and signing in does.
        if request.prompt.none {
            return redirect_error(
                &request.redirect_uri,
                "login_required",
                request.state.as_deref(),
            );
        }
        // The request kept beside the page's captcha: one stage.
        let binding = sso::binding(req);
        let (id, fresh) = tokio::join!(open(app, &request, None, &binding, now), captcha(app, now));
        let page = page::sign_in(
            lang,
            &page::SignIn {
                request_id: &id?,
                client_name: &request.client.name,
                captcha: &fresh?,
                problem: None,
                notice: None,
                login_hint: p.text("login_hint").as_deref(),
                switch: None,
            },
            &providers?,
        );
        return sso::bind(page, &binding);
    };
    let remembered = !request.prompt.consent
        && app
            .identity
            .sso
            .consent(session.uid, &request.client.id)
            .await?
            .is_some_and(|c| c.covers(&request.scope));
    if remembered {
        let how = SignedIn {
            auth_time: Some(session.auth_time),
            sid: Some(session.sid.clone()),
        };
        // The code beside noting the client in the session (for back-channel logout).
        let (code, joined) = tokio::join!(
            issue_code(app, &request, session.uid, how, now),
            joined(app, req, &request.client.id)
        );
        joined?;
        let code = code?;
        return respond_to(
            &request.redirect_uri,
            &[("code", code.as_str())],
            request.state.as_deref(),
        );
    }
    if request.prompt.none {
        return redirect_error(
            &request.redirect_uri,
            "consent_required",
            request.state.as_deref(),
        );
    }
    let binding = sso::binding(req);
    let id = open(app, &request, Some(&session), &binding, now).await?;
    let switch = page::request_switch("/oauth2/signin", &id, lang);
    let page = page::consent(
        lang,
        &id,
        (&request.client.name, request.client.logo_uri.as_deref()),
        &scopes_of(&request.scope),
        Some(&switch),
    );
    sso::bind(page, &binding)
}

/// `GET /oauth2/signin?request=<id>`: the page a live request is at, again (with a new
/// captcha, or in the other language): the consent page once signed in on it, else the
/// sign-in page.
pub async fn resume(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let Some(id) = req.params.text("request") else {
        return expired(lang);
    };
    let switch = page::switch_of(req, "/oauth2/signin", lang);
    let (pending, fresh) = tokio::join!(request_here(app, req, &id, now), captcha(app, now));
    let Some(pending) = pending? else {
        return expired(lang);
    };
    let name = name_of(app, &pending).await?;
    if pending.uid.is_some() {
        return Ok(page::consent(
            lang,
            &id,
            (&name, pending.client_logo.as_deref()),
            &scopes_of(&pending.scope),
            Some(&switch),
        ));
    }
    Ok(page::sign_in(
        lang,
        &page::SignIn {
            request_id: &id,
            client_name: &name,
            captcha: &fresh?,
            problem: None,
            notice: None,
            login_hint: None,
            switch: Some(&switch),
        },
        &app.providers.list().await?,
    ))
}

/// Keeps a checked request for the page; `signed_in` when the browser's session answers
/// who the user is.
async fn open(
    app: &App,
    request: &AuthRequest,
    signed_in: Option<&BrowserSession>,
    binding: &sso::Binding,
    now: i64,
) -> Result<String, ApiError> {
    let pending = PendingRequest {
        client_id: request.client.id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scope.clone(),
        state: request.state.clone(),
        code_challenge: request.code_challenge.clone(),
        uid: signed_in.map(|s| s.uid),
        client_name: Some(request.client.name.clone()),
        client_logo: request.client.logo_uri.clone(),
        nonce: request.nonce.clone(),
        auth_time: signed_in.map(|s| s.auth_time),
        sid: signed_in.map(|s| s.sid.clone()),
        browser: Some(binding.hash.clone()),
        id_token_claims: request.id_token_claims.clone(),
    };
    Ok(app.grants.open_request(&pending, now).await?)
}

/// Notes `client_id` in the session of the browser's cookie (whom its logout tells).
async fn joined(app: &App, req: &ApiRequest, client_id: &str) -> Result<(), ApiError> {
    match sso::secret(req) {
        Some(secret) => Ok(app.identity.sso.joined(&secret, client_id).await?),
        None => Ok(()),
    }
}

/// The scopes of a space-separated scope, for the consent page.
fn scopes_of(scope: &str) -> Vec<&str> {
    scope.split(' ').filter(|s| !s.is_empty()).collect()
}

/// The page of a request that has expired or was answered.
pub(crate) fn expired(lang: Lang) -> Result<Reply, ApiError> {
    Ok(page::problem(
        lang,
        StatusCode::BAD_REQUEST,
        Problem::RequestExpired,
    ))
}

/// The live request `id`, if this browser opened it ([`sso::ours`]): what every form step
/// and every page of a request reads.
pub(crate) async fn request_here(
    app: &App,
    req: &ApiRequest,
    id: &str,
    now: i64,
) -> Result<Option<PendingRequest>, ApiError> {
    Ok(app
        .grants
        .request(id, now)
        .await?
        .filter(|pending| sso::ours(req, pending)))
}

/// The client's name for the page: kept with the request, or read for one opened before
/// it was kept.
pub(crate) async fn name_of(app: &App, pending: &PendingRequest) -> Result<String, ApiError> {
    match &pending.client_name {
        Some(name) => Ok(name.clone()),
        None => client_name(app, &pending.client_id).await,
    }
}

pub async fn decide(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let now = passport_shared::now();
    let Some(id) = p.text("request") else {
        return expired(page::lang_of(req));
    };
    match p.text("step").as_deref() {
        Some("consent") => consent_step(app, req, &id, now).await,
        _ => sign_in_step(app, req, &id, now).await,
    }
}

async fn consent_step(app: &App, req: &ApiRequest, id: &str, now: i64) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let Some(pending) = request_here(app, req, id, now).await? else {
        return expired(lang);
    };
    let Some(uid) = pending.uid else {
        // Not signed in on this request yet.
        return sign_in_page(app, lang, id, &pending, Problem::SignInFirst, now).await;
    };
    // The request is closed (once) beside the read of its client.
    let clients = &app.identity.sessions.meter.clients;
    let (closed, client) = tokio::join!(
        app.grants.close_request(id),
        clients.get(&pending.client_id)
    );
    if !closed? {
        return expired(lang);
    }
    if p.text("decision").as_deref() != Some("allow") {
        return redirect_error(
            &pending.redirect_uri,
            "access_denied",
            pending.state.as_deref(),
        );
    }
    let Some(client) = client? else {
        return expired(lang);
    };
    let request = AuthRequest {
        client,
        redirect_uri: pending.redirect_uri.clone(),
        scope: pending.scope.clone(),
        state: pending.state.clone(),
        code_challenge: pending.code_challenge.clone(),
        nonce: pending.nonce.clone(),
        prompt: Prompt::default(),
        max_age: None,
        id_token_claims: pending.id_token_claims.clone(),
    };
    let how = SignedIn {
        auth_time: pending.auth_time,
        sid: pending.sid.clone(),
    };
    // The code beside remembering the consent and noting the client in the browser's
    // session: one stage.
    let (code, remembered, joined) = tokio::join!(
        issue_code(app, &request, uid, how, now),
        app.identity
            .sso
            .remember(uid, &pending.client_id, &pending.scope, now),
        joined(app, req, &pending.client_id)
    );
    remembered?;
    joined?;
    let code = code?;
    respond_to(
        &pending.redirect_uri,
        &[("code", code.as_str())],
        pending.state.as_deref(),
    )
}

/// The sign-in page of a live request again, with `problem` and a new captcha.
async fn sign_in_page(
    app: &App,
    lang: Lang,
    id: &str,
    pending: &PendingRequest,
    problem: Problem,
    now: i64,
) -> Result<Reply, ApiError> {
    Ok(page::sign_in(
        lang,
        &page::SignIn {
            request_id: id,
            client_name: &name_of(app, pending).await?,
            captcha: &captcha(app, now).await?,
            problem: Some(problem),
            notice: None,
            login_hint: None,
            switch: None,
        },
        &app.providers.list().await?,
    ))
}

/// The sign-in step, in the sign-in's three stages: the captcha beside the guard read, the
/// gate beside the account, then the gate's reset beside marking the request signed in
/// (which also answers the request, or that it expired). The request is read first only
/// on the paths that show the page again.
async fn sign_in_step(app: &App, req: &ApiRequest, id: &str, now: i64) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    // The page again: the request's read beside the new captcha's.
    let again = |problem: Problem| async move {
        let (pending, fresh) = tokio::join!(request_here(app, req, id, now), captcha(app, now));
        match pending? {
            Some(pending) => Ok(page::sign_in(
                lang,
                &page::SignIn {
                    request_id: id,
                    client_name: &name_of(app, &pending).await?,
                    captcha: &fresh?,
                    problem: Some(problem),
                    notice: None,
                    login_hint: None,
                    switch: None,
                },
                &app.providers.list().await?,
            )),
            None => expired(lang),
        }
    };
    if p.text("step").as_deref() != Some("signin") {
        return again(Problem::SignInFirst).await;
    }
    let identity = &app.identity;
    let captcha_problem = Problem::CaptchaWrong;
    let credentials = match (
        p.text("username"),
        p.get("password").filter(|s| !s.is_empty()),
    ) {
        (Some(login), Some(raw)) => Password::parse(&raw).ok().map(|pw| (login, pw)),
        _ => None,
    };
    let Some((login, password)) = credentials else {
        // Nothing to sign in with: the captcha is still spent, then the page says what is
        // missing.
        if let Err(e) = identity.captcha().use_up(req, SCENARIO, now).await {
            if e.kind.status().is_server_error() {
                return Err(e);
            }
            return again(captcha_problem).await;
        }
        return match p
            .text("username")
            .zip(p.get("password").filter(|s| !s.is_empty()))
        {
            Some(_) => again(Problem::WrongPassword).await,
            None => again(Problem::CredentialsMissing).await,
        };
    };
    let captcha_check = identity.captcha();
    let signed_in = sign_in_with(
        &identity.users,
        identity.login,
        &SignInName::of_login(&login),
        &password,
        now,
        // The captcha beside the request's read: a form of a request that is not this
        // browser's (or no longer live) goes no further.
        async {
            let (checked, pending) = tokio::join!(
                captcha_check.use_up(req, SCENARIO, now),
                request_here(app, req, id, now)
            );
            if pending?.is_none() {
                return Err(ApiError::invalid("request"));
            }
            checked.map_err(|e| match e.kind.status().is_server_error() {
                true => e,
                false => ErrorKind::CaptchaInvalid.into(),
            })
        },
        |user| begin(app, req, id, user.uid, now),
    )
    .await;
    let (pending, secret) = match signed_in {
        Ok((_, Some(signed_in))) => signed_in,
        Ok((_, None)) => return expired(lang),
        Err(e) if e.kind == ErrorKind::InvalidParameter => return expired(lang),
        Err(e) if e.kind == ErrorKind::AccountLocked => return again(Problem::Locked).await,
        Err(e) if e.kind == ErrorKind::IncorrectPassword => {
            return again(Problem::WrongPassword).await
        }
        Err(e) if e.kind == ErrorKind::CaptchaInvalid => return again(captcha_problem).await,
        Err(e) => return Err(e),
    };
    signed_in_consent(app, lang, id, &pending, &secret).await
}

/// `uid` signed in on the request `id`, in one stage: the request marked signed in (if it
/// is live and this browser's) beside the browser's new session, and the end of the one
/// its cookie named before (if any; its clients with a back-channel logout URI are then
/// told, after). Answers the request and the new session's secret,
/// or `None` where the request expired or is not this browser's.
pub(crate) async fn begin(
    app: &App,
    req: &ApiRequest,
    id: &str,
    uid: u64,
    now: i64,
) -> Result<Option<(PendingRequest, String)>, ApiError> {
    let Some(browser) = sso::bound(req) else {
        return Ok(None);
    };
    let earlier = sso::secret(req);
    let session = BrowserSession::new(uid, now);
    let sso = &app.identity.sso;
    let (marked, started, ended) = tokio::join!(
        app.grants
            .sign_in_request(id, uid, &session.sid, &browser, now),
        sso.start(&session),
        async {
            match &earlier {
                Some(secret) => sso.end(secret, now).await,
                None => Ok(None),
            }
        }
    );
    // The clients the earlier session signed the user in to are told it ended, as a
    // logout tells them (Back-Channel Logout 1.0 §2.5).
    if let Some((ended, clients)) = ended? {
        crate::logout::tell(app, &ended, &clients, now).await?;
    }
    let secret = started?;
    Ok(marked?.map(|pending| (pending, secret)))
}

/// The consent page of a request just signed in on, with the new session's cookie.
pub(crate) async fn signed_in_consent(
    app: &App,
    lang: Lang,
    id: &str,
    pending: &PendingRequest,
    secret: &str,
) -> Result<Reply, ApiError> {
    let name = name_of(app, pending).await?;
    let switch = page::request_switch("/oauth2/signin", id, lang);
    sso::set(
        page::consent(
            lang,
            id,
            (&name, pending.client_logo.as_deref()),
            &scopes_of(&pending.scope),
            Some(&switch),
        ),
        secret,
    )
}
