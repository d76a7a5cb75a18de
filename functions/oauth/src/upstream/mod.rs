//! Signing in through an upstream provider (issue 20), OpenID Connect or OAuth 2.0
//! ([`protocol`]), from the hosted sign-in page or from a native app:
//!
//! 1. `GET /oauth2/upstream/start?provider=&request=`: for a live request of this browser,
//!    the provider's authorization endpoint with the code flow, PKCE S256 (where the
//!    provider does PKCE), a `nonce` (OpenID Connect) and a `state` kept server-side with
//!    the request, the verifier and the browser's binding ([`UpstreamLogin`]).
//!    `GET /api/User/snsstart?provider=&client_id=&redirect_uri=&code_challenge=&state=`
//!    is the same for a native app of the v2 API: a registered client and one of its
//!    redirect URIs, exactly, and the app's own PKCE challenge.
//! 2. `GET /oauth2/upstream/callback`: the `state` taken once (and only from that browser),
//!    the code exchanged at the provider with Passport's client secret there (a Secrets
//!    Manager secret), who the user is checked or read ([`protocol::Upstreams::identify`]).
//!    For a hosted request, an identity bound to an account signs that account in (the
//!    consent page follows); one bound to none gets the link page, which carries an SNS
//!    ticket for it (`passport_shared::social`). A native app gets an SNS ticket bound to its
//!    challenge at its redirect URI (`sns_ticket`, `channel`, its `state`), for
//!    `/api/User/snslogin` or `snsreg` with its verifier; a failure there is `error=203203`.
//! 3. `POST /oauth2/upstream/link`: the ticket redeemed as `snsreg` redeems it: `reg`, a new
//!    account bound to the identity; `log`, an existing account's name and password (an
//!    upstream address that matches an account never signs into it by itself). Then signed
//!    in on the request.
//!
//! A provider's refusal or failure is 203203 "Login failed with <provider>"; an identity
//! or account bound already is 203204; both are said on the page, in its language.

mod protocol;

pub use protocol::Upstreams;

use crate::grant::{found, respond_to};
use crate::hosted::{begin, expired, request_here, signed_in_consent};
use crate::page::{self, told, tr, Field, Form};
use crate::{sso, App};
use http::StatusCode;
use passport_identity::account::RegisterForm;
use passport_shared::domain::{Password, SnsChannel};
use passport_shared::social::{self, SnsIdentity};
use passport_shared::storage::providers::{Provider, Then, UpstreamLogin};
use passport_shared::{crypto, ApiError, ApiRequest, Dialect, ErrorKind, Lang, Reply};

/// Where the providers send the browser back to.
fn callback_url() -> Result<String, ApiError> {
    Ok(format!(
        "{}/oauth2/upstream/callback",
        passport_shared::token::issuer()?
    ))
}

/// 203203: the provider refused, failed, or answered what does not check out.
fn failed(provider_name: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorKind::SnsLoginFailed)
        .with_args([provider_name])
        .with_cause(format!("upstream {provider_name}: {why}"))
}

/// A page that says what went wrong with an upstream sign-in, with the way back to the
/// request's sign-in page.
fn trouble(lang: Lang, request_id: Option<&str>, message: &str) -> Reply {
    let back = request_id.map(|id| page::request_link("/oauth2/signin", id, lang));
    page::failure(lang, message, back.as_deref())
}

/// What proves, on the link page's form, that the provider proved `email` for the
/// identity of `ticket`: the form may only mark that address verified.
fn email_proof(app: &App, ticket: &str, email: &str) -> String {
    crypto::hmac_hex(
        app.identity.keys.code_key(),
        &["upstream verified email v1", ticket, email],
    )
}

/// Opens the upstream sign-in `then` leads on from, and sends the browser to the provider;
/// a provider that cannot be reached is 203203 (the callers tell it where they tell the rest).
async fn go_upstream(
    app: &App,
    provider: &Provider,
    then: Then,
    browser: String,
    lang: Lang,
    now: i64,
) -> Result<Reply, ApiError> {
    let verifier = crypto::random_secret(32);
    let nonce = crypto::random_secret(16);
    let login = UpstreamLogin {
        provider: provider.id.clone(),
        then,
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        browser,
        lang: tr(lang, "en", "zh").to_owned(),
    };
    let redirect_uri = callback_url()?;
    let state = crypto::random_secret(32);
    let asked = protocol::Asked {
        redirect_uri: &redirect_uri,
        state: &state,
        nonce: &nonce,
        challenge: &crypto::pkce_s256(&verifier),
    };
    let url = app
        .upstreams
        .authorization_url(&app.outbound, provider, &asked)
        .await
        .map_err(|why| failed(&provider.name, why.0))?;
    app.providers.open_login(&login, &state, now).await?;
    found(&url)
}

pub async fn start(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let (Some(id), Some(name)) = (p.text("request"), p.text("provider")) else {
        return expired(lang);
    };
    let (pending, provider) =
        tokio::join!(request_here(app, req, &id, now), app.providers.get(&name));
    if pending?.is_none() {
        return expired(lang);
    }
    let Some(provider) = provider? else {
        return Ok(trouble(
            lang,
            Some(&id),
            page::Problem::UnknownProvider.text(lang),
        ));
    };
    let Some(browser) = sso::bound(req) else {
        return expired(lang);
    };
    match go_upstream(
        app,
        &provider,
        Then::Request(id.clone()),
        browser,
        lang,
        now,
    )
    .await
    {
        Err(e) if e.kind == ErrorKind::SnsLoginFailed => {
            Ok(trouble(lang, Some(&id), &told(e, lang)?))
        }
        done => done,
    }
}

/// A native app's failure, at its redirect URI: the v2 code and its message.
fn app_error(
    redirect_uri: &str,
    error: &ApiError,
    lang: Lang,
    state: Option<&str>,
) -> Result<Reply, ApiError> {
    let code = error.kind.entry(Dialect::V2).code.to_string();
    let message = error.message(Dialect::V2, lang);
    respond_to(
        redirect_uri,
        &[("error", &code), ("error_description", &message)],
        state,
    )
}

/// `GET /api/User/snsstart`: a native app's sign-in at an upstream provider. The client
/// and redirect URI are checked first (a page says what is wrong, nothing is redirected
/// to an unchecked URI); the app's PKCE challenge (S256) is required, as RFC 8252 asks of
/// native apps.
pub async fn native_start(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let (Some(client_id), Some(redirect_uri)) = (p.text("client_id"), p.get("redirect_uri")) else {
        let message = ApiError::new(ErrorKind::ClientRedirectRequired).message(Dialect::V2, lang);
        return Ok(page::error(lang, StatusCode::BAD_REQUEST, &message));
    };
    let name = p.text("provider").unwrap_or_default();
    let (client, provider) = tokio::join!(
        app.identity.sessions.meter.clients.get(&client_id),
        app.providers.get(&name)
    );
    let refused = match client? {
        None => Some(ErrorKind::ClientInvalid),
        Some(c) if !c.redirect_allowed(&redirect_uri) => Some(ErrorKind::RedirectMismatch),
        Some(_) => None,
    };
    if let Some(kind) = refused {
        let message = ApiError::new(kind).message(Dialect::V2, lang);
        return Ok(page::error(lang, StatusCode::BAD_REQUEST, &message));
    }
    let state = p.get("state").filter(|s| !s.is_empty());
    let challenge = p.text("code_challenge").unwrap_or_default();
    if !crypto::is_s256_challenge(&challenge)
        || p.text("code_challenge_method").as_deref() != Some("S256")
    {
        let error = ApiError::invalid("code_challenge");
        return app_error(&redirect_uri, &error, lang, state.as_deref());
    }
    let Some(provider) = provider? else {
        let error = failed(
            if name.is_empty() { "SNS" } else { &name },
            "no such provider",
        );
        return app_error(&redirect_uri, &error, lang, state.as_deref());
    };
    let binding = sso::binding(req);
    let then = Then::App {
        client_id,
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        challenge,
    };
    match go_upstream(app, &provider, then, binding.hash.clone(), lang, now).await {
        Ok(reply) => sso::bind(reply, &binding),
        Err(e) if e.kind == ErrorKind::SnsLoginFailed => {
            app_error(&redirect_uri, &e, lang, state.as_deref())
        }
        Err(e) => Err(e),
    }
}

pub async fn callback(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let Some(state) = p.text("state") else {
        return expired(lang);
    };
    // The state once, and only in the browser that started it; the pages after in the
    // language of the page it started from.
    let Some(login) = app.providers.take_login(&state, now).await? else {
        return expired(lang);
    };
    let lang = match login.lang.as_str() {
        "zh" => Lang::Zh,
        _ => Lang::En,
    };
    if !sso::bound(req).is_some_and(|b| crypto::same(&b, &login.browser)) {
        return expired(lang);
    }
    let Some(provider) = app.providers.get(&login.provider).await? else {
        return expired(lang);
    };
    let identified = match p.text("code") {
        Some(code) => match app.secrets.get(&provider.secret_arn).await {
            Ok(secret) => app
                .upstreams
                .identify(
                    &app.outbound,
                    &provider,
                    &secret,
                    &code,
                    &callback_url()?,
                    (&login.nonce, &login.verifier),
                )
                .await
                .map_err(|why| failed(&provider.name, why.0)),
            Err(e) => Err(e),
        },
        None => Err(failed(
            &provider.name,
            p.text("error").unwrap_or_else(|| "no code".to_owned()),
        )),
    };
    let upstream = match identified {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, cause = e.cause().unwrap_or(""), "upstream sign-in failed");
            return match &login.then {
                Then::Request(id) => Ok(trouble(lang, Some(id), &told(e, lang)?)),
                Then::App {
                    redirect_uri,
                    state,
                    ..
                } => app_error(redirect_uri, &e, lang, state.as_deref()),
            };
        }
    };
    let who = SnsIdentity {
        channel: SnsChannel::parse(&provider.id)?,
        id: upstream.sub,
    };
    let expires = now + social::MAX_LIFETIME;
    let id = match &login.then {
        // A native app: the ticket, bound to its challenge, at its redirect URI.
        Then::App {
            redirect_uri,
            state,
            challenge,
            ..
        } => {
            let ticket = social::issue(&app.identity.keys, &who, expires, Some(challenge));
            return respond_to(
                redirect_uri,
                &[("sns_ticket", &ticket), ("channel", who.channel.as_str())],
                state.as_deref(),
            );
        }
        Then::Request(id) => id.as_str(),
    };
    match app
        .identity
        .users
        .find_by_sns(who.channel.as_str(), &who.id)
        .await?
    {
        Some(user) if user.disabled => Err(ErrorKind::AccountDisabled.into()),
        Some(user) => match begin(app, req, id, user.uid, now).await? {
            Some((pending, secret)) => signed_in_consent(app, lang, id, &pending, &secret).await,
            None => expired(lang),
        },
        None => {
            let ticket = social::issue(&app.identity.keys, &who, expires, None);
            // Only an address the provider says it proved is offered (and marked verified).
            Ok(link_page(
                app,
                lang,
                &provider,
                id,
                &ticket,
                upstream.verified_email.as_deref(),
                None,
            ))
        }
    }
}

/// The page of an identity bound to no account: a new account, or an existing one proven
/// by its password.
fn link_page(
    app: &App,
    lang: Lang,
    provider: &Provider,
    request_id: &str,
    ticket: &str,
    email: Option<&str>,
    problem: Option<&str>,
) -> Reply {
    let proof = email
        .map(|e| email_proof(app, ticket, e))
        .unwrap_or_default();
    let intro = match lang {
        Lang::En => format!(
            "You signed in with <strong id=\"provider\">{}</strong>. No Passport account is linked to it yet: create one, or link the one you have.",
            page::escape(&provider.name)
        ),
        Lang::Zh => format!(
            "你已通过 <strong id=\"provider\">{}</strong> 登录，但它还没有绑定 Passport 账号：请创建新账号，或绑定已有账号。",
            page::escape(&provider.name)
        ),
    };
    let hidden = [
        ("request", request_id),
        ("ticket", ticket),
        ("provider", provider.id.as_str()),
    ];
    let [password, confirm] = page::new_password((
        tr(lang, "Password", "密码"),
        tr(lang, "The password again", "再次输入密码"),
    ));
    let new_account = page::form_body(
        lang,
        &Form {
            title: tr(lang, "A new account", "创建新账号"),
            intro: String::new(),
            problem,
            notice: None,
            action: "/oauth2/upstream/link",
            hidden: &[
                hidden[0],
                hidden[1],
                hidden[2],
                ("email_proof", &proof),
                ("step", "reg"),
            ],
            fields: &[
                Field {
                    id: "username",
                    label: tr(lang, "Username", "用户名"),
                    kind: "text",
                    autocomplete: "username",
                    value: "",
                },
                Field {
                    id: "email",
                    label: tr(lang, "Email", "邮箱"),
                    kind: "email",
                    autocomplete: "email",
                    value: email.unwrap_or_default(),
                },
                password,
                confirm,
            ],
            captcha: None,
            button: ("create-linked", tr(lang, "Create and link", "创建并绑定")),
            links: &[],
            after: String::new(),
            switch: None,
        },
    );
    let existing = page::form_body(
        lang,
        &Form {
            title: tr(lang, "An account I have", "绑定已有账号"),
            intro: String::new(),
            problem: None,
            notice: None,
            action: "/oauth2/upstream/link",
            hidden: &[hidden[0], hidden[1], hidden[2], ("step", "log")],
            fields: &[
                Field {
                    id: "login",
                    label: tr(lang, "Username or email", "用户名或邮箱"),
                    kind: "text",
                    autocomplete: "username",
                    value: "",
                },
                Field {
                    id: "login-password",
                    label: tr(lang, "Its password", "该账号的密码"),
                    kind: "password",
                    autocomplete: "current-password",
                    value: "",
                },
            ],
            captcha: None,
            button: ("link-existing", tr(lang, "Link it", "绑定")),
            links: &[],
            after: String::new(),
            switch: None,
        },
    );
    page::sections(
        lang,
        tr(lang, "Link your account", "绑定账号"),
        &format!("<p>{intro}</p>"),
        &[
            (tr(lang, "A new account", "创建新账号"), &new_account),
            (tr(lang, "An account I have", "绑定已有账号"), &existing),
        ],
    )
}

pub async fn link(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let (Some(id), Some(ticket), Some(name)) =
        (p.text("request"), p.text("ticket"), p.text("provider"))
    else {
        return expired(lang);
    };
    let (pending, provider) =
        tokio::join!(request_here(app, req, &id, now), app.providers.get(&name));
    let (Some(_), Some(provider)) = (pending?, provider?) else {
        return expired(lang);
    };
    // A page's ticket: one that names a native app's challenge is not answered here.
    let checked = match app.identity.sns_ticket(&ticket, None, now) {
        Ok(t) if t.identity.channel.as_str() == provider.id => t,
        _ => return expired(lang),
    };
    // The typed address is verified only if it is the one the provider proved.
    let typed = p.text("email").unwrap_or_default();
    let verified = p
        .text("email_proof")
        .is_some_and(|proof| crypto::same(&proof, &email_proof(app, &ticket, &typed)));
    let linked = match p.text("step").as_deref() {
        Some("reg") => {
            let form = p.read::<RegisterForm>().and_then(|form| {
                Password::parse_confirmed(
                    form.password.expose(),
                    &p.get("confirm").unwrap_or_default(),
                )?;
                Ok(form)
            });
            match form {
                Ok(form) => {
                    app.identity
                        .sns_sign_up(&checked, &form, verified, now)
                        .await
                }
                Err(e) => Err(e),
            }
        }
        _ => {
            let login = p.text("login").unwrap_or_default();
            match Password::parse(&p.get("login-password").unwrap_or_default()) {
                Ok(password) => {
                    app.identity
                        .sns_link(&checked, &login, &password, now)
                        .await
                }
                Err(_) => Err(ErrorKind::IncorrectPassword.into()),
            }
        }
    };
    let user = match linked {
        Ok(user) => user,
        // Spent (a replay, or another tab's): nothing to show again.
        Err(e) if e.kind == ErrorKind::SnsLoginFailed => return expired(lang),
        // The ticket was spent by the attempt: the page again with a new one for the same
        // identity, expiring when the first one does.
        Err(e) => {
            let said = told(e, lang)?;
            let email = Some(typed).filter(|_| verified);
            let again = social::issue(&app.identity.keys, &checked.identity, checked.expires, None);
            return Ok(link_page(
                app,
                lang,
                &provider,
                &id,
                &again,
                email.as_deref(),
                Some(&said),
            ));
        }
    };
    match begin(app, req, &id, user.uid, now).await? {
        Some((pending, secret)) => signed_in_consent(app, lang, &id, &pending, &secret).await,
        None => expired(lang),
    }
}
