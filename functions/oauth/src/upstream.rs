//! Signing in through an upstream OpenID Connect provider (issue 20) from the hosted
//! sign-in page:
//!
//! 1. `GET /oauth2/upstream/start?provider=&request=`: for a live request of this browser,
//!    the provider's authorization endpoint (from its discovery document) with the code
//!    flow, PKCE S256, a `nonce` and a `state` kept server-side with the request, the
//!    verifier and the browser's binding ([`UpstreamLogin`]).
//! 2. `GET /oauth2/upstream/callback`: the `state` taken once (and only from that browser),
//!    the code exchanged at the provider's token endpoint with Passport's client secret
//!    there (a Secrets Manager secret), the ID token checked against the provider's JWKS
//!    (signature, `iss`, `aud`, `exp`, `nonce`). An identity bound to an account signs that
//!    account in on the request (the consent page follows); one bound to none gets the link
//!    page, which carries an SNS ticket for it (`passport_shared::social`).
//! 3. `POST /oauth2/upstream/link`: the ticket redeemed as `snsreg` redeems it: `reg`, a new
//!    account bound to the identity; `log`, an existing account's name and password (an
//!    upstream address that matches an account never signs into it by itself). Then signed
//!    in on the request.
//!
//! A provider's refusal or failure is 203203 "Login failed with <provider>"; an identity
//! or account bound already is 203204; both are said on the page, in its language.

use crate::hosted::{begin, expired, request_here, signed_in_consent};
use crate::page::{self, told, tr, Field, Form};
use crate::{sso, App};
use http::{HeaderValue, StatusCode};
use passport_identity::account::RegisterForm;
use passport_shared::assertion::ClientKeys;
use passport_shared::domain::{Password, SnsChannel};
use passport_shared::response::respond;
use passport_shared::social::{self, SnsIdentity};
use passport_shared::storage::providers::{Provider, UpstreamLogin};
use passport_shared::{crypto, ApiError, ApiRequest, ErrorKind, Lang, Reply};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// How long an instance trusts a provider's discovery document and keys.
const DISCOVERY_FOR: Duration = Duration::from_secs(600);

/// What Passport reads of a provider's discovery document.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovered {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The provider's discovery document and key set, cached per instance.
#[derive(Default)]
pub struct Upstreams {
    cache: std::sync::Mutex<std::collections::HashMap<String, (Instant, Discovered, ClientKeys)>>,
}

/// Where the providers send the browser back to.
fn callback_url() -> Result<String, ApiError> {
    Ok(format!(
        "{}/oauth2/upstream/callback",
        passport_shared::token::issuer()?
    ))
}

/// 203203: the provider refused, failed, or answered what does not check out.
fn failed(provider: &Provider, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorKind::SnsLoginFailed)
        .with_args([provider.name.as_str()])
        .with_cause(format!("upstream {}: {why}", provider.id))
}

impl App {
    async fn discover(&self, provider: &Provider) -> Result<(Discovered, ClientKeys), ApiError> {
        if let Some((at, d, keys)) = self.upstreams.cache.lock().expect("lock").get(&provider.id) {
            if at.elapsed() < DISCOVERY_FOR {
                return Ok((d.clone(), keys.clone()));
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            provider.issuer.trim_end_matches('/')
        );
        let get = |url: String| async move {
            let answer = self
                .outbound
                .get(&url)
                .send()
                .await
                .map_err(|e| failed(provider, e))?;
            if !answer.status().is_success() {
                return Err(failed(provider, format!("{url}: {}", answer.status())));
            }
            answer.bytes().await.map_err(|e| failed(provider, e))
        };
        let discovered: Discovered =
            serde_json::from_slice(&get(url).await?).map_err(|e| failed(provider, e))?;
        // OpenID Connect Discovery §4.3: the document is the issuer's own.
        if discovered.issuer != provider.issuer {
            return Err(failed(
                provider,
                "the discovery document names another issuer",
            ));
        }
        let keys = ClientKeys::published(&get(discovered.jwks_uri.clone()).await?)
            .map_err(|e| failed(provider, e))?;
        self.upstreams.cache.lock().expect("lock").insert(
            provider.id.clone(),
            (Instant::now(), discovered.clone(), keys.clone()),
        );
        Ok((discovered, keys))
    }
}

/// A 302 to `location` (the provider's authorization endpoint).
fn redirect(location: &str) -> Result<Reply, ApiError> {
    let mut response = respond(
        StatusCode::FOUND,
        "text/plain; charset=utf-8",
        String::new(),
    );
    response.headers_mut().insert(
        http::header::LOCATION,
        HeaderValue::from_str(location).map_err(ApiError::internal)?,
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(Reply::Raw(response))
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
    let discovered = match app.discover(&provider).await {
        Ok((d, _)) => d,
        Err(e) => return Ok(trouble(lang, Some(&id), &told(e, lang)?)),
    };
    let verifier = crypto::random_secret(32);
    let nonce = crypto::random_secret(16);
    let login = UpstreamLogin {
        provider: provider.id.clone(),
        request_id: id.clone(),
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        browser,
        lang: tr(lang, "en", "zh").to_owned(),
    };
    let state = app.providers.open_login(&login, now).await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", &callback_url()?)
        .append_pair("scope", &provider.scopes.join(" "))
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &crypto::pkce_s256(&verifier))
        .append_pair("code_challenge_method", "S256")
        .finish();
    let separator = if discovered.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    redirect(&format!(
        "{}{separator}{query}",
        discovered.authorization_endpoint
    ))
}

/// What Passport takes from the provider's ID token.
#[derive(Debug, Deserialize)]
struct UpstreamClaims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

/// The code exchanged and the ID token checked: who the user is at the provider.
async fn identify(
    app: &App,
    provider: &Provider,
    login: &UpstreamLogin,
    code: &str,
) -> Result<UpstreamClaims, ApiError> {
    let (discovered, keys) = app.discover(provider).await?;
    let secret = app.secrets.get(&provider.secret_arn).await?;
    let answer = app
        .outbound
        .post(&discovered.token_endpoint)
        .basic_auth(
            form_urlencoded::byte_serialize(provider.client_id.as_bytes()).collect::<String>(),
            Some(form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &callback_url()?),
            ("code_verifier", &login.verifier),
        ])
        .send()
        .await
        .map_err(|e| failed(provider, e))?;
    if !answer.status().is_success() {
        return Err(failed(
            provider,
            format!("token endpoint: {}", answer.status()),
        ));
    }
    let tokens: TokenAnswer = answer.json().await.map_err(|e| failed(provider, e))?;
    let id_token = tokens
        .id_token
        .ok_or_else(|| failed(provider, "no ID token"))?;
    let claims = keys
        .verify_id_token(
            &id_token,
            &provider.issuer,
            &provider.client_id,
            passport_shared::now(),
        )
        .map_err(|e| failed(provider, e))?;
    let claims: UpstreamClaims = serde_json::from_value(claims).map_err(|e| failed(provider, e))?;
    if !claims
        .nonce
        .as_deref()
        .is_some_and(|n| crypto::same(n, &login.nonce))
    {
        return Err(failed(
            provider,
            "the ID token's nonce is not the request's",
        ));
    }
    if claims.sub.is_empty() || claims.sub.len() > 128 {
        return Err(failed(provider, "a sub Passport cannot bind"));
    }
    Ok(claims)
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
    let id = login.request_id.as_str();
    let claims = match p.text("code") {
        Some(code) => identify(app, &provider, &login, &code).await,
        None => Err(failed(
            &provider,
            p.text("error").unwrap_or_else(|| "no code".to_owned()),
        )),
    };
    let claims = match claims {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, cause = e.cause().unwrap_or(""), "upstream sign-in failed");
            return Ok(trouble(lang, Some(id), &told(e, lang)?));
        }
    };
    let channel = SnsChannel::parse(&provider.id)?;
    match app
        .identity
        .users
        .find_by_sns(channel.as_str(), &claims.sub)
        .await?
    {
        Some(user) => match begin(app, req, id, user.uid, now).await? {
            Some((pending, secret)) => signed_in_consent(app, lang, id, &pending, &secret).await,
            None => expired(lang),
        },
        None => {
            let ticket = social::issue(
                &app.identity.keys,
                &channel,
                &claims.sub,
                now + social::MAX_LIFETIME,
            );
            // Only an address the provider says it proved is offered (and marked verified).
            let email = claims.email.filter(|_| claims.email_verified);
            Ok(link_page(
                app,
                lang,
                &provider,
                id,
                &ticket,
                email.as_deref(),
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
    let sns: SnsIdentity = match social::verify(&app.identity.keys, &ticket, now) {
        Ok(sns) if sns.channel.as_str() == provider.id => sns,
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
                Ok(form) => app.identity.sns_sign_up(&sns, &form, verified, now).await,
                Err(e) => Err(e),
            }
        }
        _ => {
            let login = p.text("login").unwrap_or_default();
            match Password::parse(&p.get("login-password").unwrap_or_default()) {
                Ok(password) => app.identity.sns_link(&sns, &login, &password, now).await,
                Err(_) => Err(ErrorKind::IncorrectPassword.into()),
            }
        }
    };
    let user = match linked {
        Ok(user) => user,
        Err(e) => {
            let said = told(e, lang)?;
            let email = Some(typed).filter(|_| verified);
            return Ok(link_page(
                app,
                lang,
                &provider,
                &id,
                &ticket,
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
