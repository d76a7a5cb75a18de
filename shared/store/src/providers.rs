//! Upstream identity providers (issue 20): the OpenID Connect and OAuth 2.0 providers a
//! user may sign in with from the hosted sign-in page (and native apps through
//! `/api/User/snsstart`), registered by the operator CLI. A provider's id is the SNS
//! channel its identities are bound under (`sns_<id>` on the account, a guard item per
//! identity), so the documents' `snsreg` and `unbind` speak of them by that name.
//!
//! The client secret Passport holds at the provider is not stored here: only the ARN of its
//! Secrets Manager secret. The list is read for every sign-in page (one query, beside the
//! request's own check), so a provider an operator adds shows at once.

use super::attr::{get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, StoreError};
use std::collections::HashMap;

/// How Passport speaks to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// OpenID Connect: discovery at `<issuer>/.well-known/openid-configuration`, the code
    /// flow with PKCE and `nonce`, the ID token checked against the provider's keys.
    Oidc { issuer: String },
    /// OAuth 2.0 with a user-info endpoint: who the user is comes from that endpoint (or,
    /// in the presets' dialects, from where those providers put it).
    OAuth2(OAuth2),
}

/// An OAuth 2.0 provider's endpoints, and where its answers say who the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2 {
    pub dialect: Dialect,
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    /// The user-info member that identifies the user (a string or a number), for the
    /// standard dialect (GitHub's `id`).
    pub id_claim: String,
    /// The user-info members of the address and of whether the provider proved it; an
    /// address without a proof is never taken as verified.
    pub email_claim: Option<String>,
    pub email_verified_claim: Option<String>,
}

/// The ways of the OAuth 2.0 providers the documents name, where they part from RFC 6749.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 6749 with PKCE: client authentication by HTTP Basic, JSON answers, the user-info
    /// endpoint called with the bearer token.
    Standard,
    /// GitHub: the client's credentials in the token request's body, `Accept:
    /// application/json` for a JSON answer (errors come as 200 with `error`), the verified
    /// address from `/user/emails`.
    Github,
    /// Weibo: credentials in the body; the token answer names the user (`uid`); the profile
    /// at `users/show.json?uid=`.
    Weibo,
    /// QQ Connect: the token endpoint by GET (`fmt=json`); the user at `oauth2.0/me`
    /// (`openid`, and `unionid` where the app has it).
    Qq,
    /// WeChat website login: `appid` and `secret` instead of `client_id` and
    /// `client_secret`, `snsapi_login`, the authorize URL ending `#wechat_redirect`, the
    /// token endpoint by GET answering `openid` and `unionid`, errors as 200 with `errcode`.
    Wechat,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Standard => "standard",
            Dialect::Github => "github",
            Dialect::Weibo => "weibo",
            Dialect::Qq => "qq",
            Dialect::Wechat => "wechat",
        }
    }

    pub fn parse(raw: &str) -> Option<Dialect> {
        [
            Dialect::Standard,
            Dialect::Github,
            Dialect::Weibo,
            Dialect::Qq,
            Dialect::Wechat,
        ]
        .into_iter()
        .find(|d| d.as_str() == raw)
    }
}

/// A provider: how to reach it and Passport's client there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// 2 to 20 lower-case letters or digits: the SNS channel of its identities.
    pub id: String,
    /// What the sign-in page's button says ("Sign in with <name>").
    pub name: String,
    pub protocol: Protocol,
    pub client_id: String,
    /// The Secrets Manager secret that holds Passport's client secret there.
    pub secret_arn: String,
    /// The scopes asked for (`openid` among them for OpenID Connect).
    pub scopes: Vec<String>,
    pub created_at: i64,
}

/// A preset: a provider the documents name (or everyone asks for), with its real,
/// publicly documented endpoints; the operator adds only Passport's client there.
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub protocol: Protocol,
    pub scopes: &'static [&'static str],
    /// Where the provider's console registers the client and takes Passport's callback.
    pub console: &'static str,
}

fn oauth2(
    dialect: Dialect,
    urls: [&str; 3],
    id_claim: &str,
    email: Option<(&str, &str)>,
) -> Protocol {
    Protocol::OAuth2(OAuth2 {
        dialect,
        authorize_url: urls[0].to_owned(),
        token_url: urls[1].to_owned(),
        userinfo_url: urls[2].to_owned(),
        id_claim: id_claim.to_owned(),
        email_claim: email.map(|(e, _)| e.to_owned()),
        email_verified_claim: email.map(|(_, v)| v.to_owned()).filter(|v| !v.is_empty()),
    })
}

/// The presets, by id.
pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "google",
            name: "Google",
            protocol: Protocol::Oidc {
                issuer: "https://accounts.google.com".to_owned(),
            },
            scopes: &["openid", "email", "profile"],
            console: "https://console.cloud.google.com/apis/credentials (OAuth client ID, web application; authorized redirect URI)",
        },
        Preset {
            id: "github",
            name: "GitHub",
            protocol: oauth2(
                Dialect::Github,
                [
                    "https://github.com/login/oauth/authorize",
                    "https://github.com/login/oauth/access_token",
                    "https://api.github.com/user",
                ],
                "id",
                Some(("email", "")),
            ),
            scopes: &["read:user", "user:email"],
            console: "https://github.com/settings/developers (New OAuth App; authorization callback URL)",
        },
        Preset {
            id: "weibo",
            name: "微博 Weibo",
            protocol: oauth2(
                Dialect::Weibo,
                [
                    "https://api.weibo.com/oauth2/authorize",
                    "https://api.weibo.com/oauth2/access_token",
                    "https://api.weibo.com/2/users/show.json",
                ],
                "uid",
                None,
            ),
            scopes: &[],
            console: "https://open.weibo.com/apps (网站接入; 高级信息 → 授权回调页)",
        },
        Preset {
            id: "qq",
            name: "QQ",
            protocol: oauth2(
                Dialect::Qq,
                [
                    "https://graph.qq.com/oauth2.0/authorize",
                    "https://graph.qq.com/oauth2.0/token",
                    "https://graph.qq.com/oauth2.0/me",
                ],
                "openid",
                None,
            ),
            scopes: &["get_user_info"],
            console: "https://connect.qq.com/manage.html (网站应用; 网站回调域)",
        },
        Preset {
            id: "wechat",
            name: "微信 WeChat",
            protocol: oauth2(
                Dialect::Wechat,
                [
                    "https://open.weixin.qq.com/connect/qrconnect",
                    "https://api.weixin.qq.com/sns/oauth2/access_token",
                    "https://api.weixin.qq.com/sns/userinfo",
                ],
                "unionid",
                None,
            ),
            scopes: &["snsapi_login"],
            console: "https://open.weixin.qq.com (管理中心 → 网站应用; 授权回调域)",
        },
    ]
}

fn provider_from(item: &Item) -> Result<Provider, StoreError> {
    let scopes = get_s(item, "scopes").unwrap_or_else(|| "openid email profile".to_owned());
    let protocol = match get_s(item, "protocol").as_deref() {
        None | Some("oidc") => Protocol::Oidc {
            issuer: need_s(item, "issuer")?,
        },
        Some("oauth2") => Protocol::OAuth2(OAuth2 {
            dialect: Dialect::parse(&need_s(item, "dialect")?)
                .ok_or_else(|| StoreError("item attribute \"dialect\" is unknown".to_owned()))?,
            authorize_url: need_s(item, "authorize_url")?,
            token_url: need_s(item, "token_url")?,
            userinfo_url: need_s(item, "userinfo_url")?,
            id_claim: need_s(item, "id_claim")?,
            email_claim: get_s(item, "email_claim"),
            email_verified_claim: get_s(item, "email_verified_claim"),
        }),
        Some(_) => {
            return Err(StoreError(
                "item attribute \"protocol\" is unknown".to_owned(),
            ))
        }
    };
    Ok(Provider {
        id: need_s(item, "provider_id")?,
        name: need_s(item, "name")?,
        protocol,
        client_id: need_s(item, "client_id")?,
        secret_arn: need_s(item, "secret_arn")?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: need_n(item, "created_at")?,
    })
}

pub struct Providers {
    table: Table,
}

impl Providers {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Providers {
        Providers {
            table: Table::new(client, table),
        }
    }

    /// Registers a provider; fails if its id is taken.
    pub async fn create(&self, p: &Provider) -> Result<(), StoreError> {
        let key = keys::provider(&p.id);
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            (keys::GSI1_PK.to_owned(), s(keys::PROVIDERS_INDEX)),
            (keys::GSI1_SK.to_owned(), s(&p.id)),
            ("type".to_owned(), s("provider")),
            ("provider_id".to_owned(), s(&p.id)),
            ("name".to_owned(), s(&p.name)),
            ("client_id".to_owned(), s(&p.client_id)),
            ("secret_arn".to_owned(), s(&p.secret_arn)),
            ("scopes".to_owned(), s(p.scopes.join(" "))),
            ("created_at".to_owned(), n(p.created_at)),
        ]);
        match &p.protocol {
            Protocol::Oidc { issuer } => {
                item.insert("protocol".to_owned(), s("oidc"));
                item.insert("issuer".to_owned(), s(issuer));
            }
            Protocol::OAuth2(o) => {
                let mut set = |k: &str, v: &str| item.insert(k.to_owned(), s(v));
                set("protocol", "oauth2");
                set("dialect", o.dialect.as_str());
                set("authorize_url", &o.authorize_url);
                set("token_url", &o.token_url);
                set("userinfo_url", &o.userinfo_url);
                set("id_claim", &o.id_claim);
                if let Some(e) = &o.email_claim {
                    set("email_claim", e);
                }
                if let Some(v) = &o.email_verified_claim {
                    set("email_verified_claim", v);
                }
            }
        }
        self.table.insert(item).await?;
        Ok(())
    }

    /// Every provider, by id (one query of the index, which only operators write).
    pub async fn list(&self) -> Result<Vec<Provider>, StoreError> {
        let items = self.table.index_items(keys::PROVIDERS_INDEX).await?;
        let mut list = items
            .iter()
            .map(provider_from)
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(list)
    }

    /// One provider, by its key.
    pub async fn get(&self, id: &str) -> Result<Option<Provider>, StoreError> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        let item = self.table.get(&keys::provider(id), Read::Eventual).await?;
        item.as_ref().map(provider_from).transpose()
    }
}

/// Where an upstream sign-in goes once the provider has said who the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Back to the hosted sign-in of the live request with this id.
    Request(String),
    /// To a native app (`/api/User/snsstart`): its registered redirect URI, with an SNS
    /// ticket bound to the PKCE challenge it started with, and its `state`.
    App {
        client_id: String,
        redirect_uri: String,
        state: Option<String>,
        challenge: String,
    },
}

/// An upstream sign-in under way: where it goes after, and what the callback checks (the
/// browser's binding, the ID token's nonce, the PKCE verifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamLogin {
    pub provider: String,
    pub then: Then,
    pub nonce: String,
    pub verifier: String,
    /// The SHA-256 of the browser's binding cookie.
    pub browser: String,
    /// The language of the page it started from (`en` or `zh`), for the pages after.
    pub lang: String,
}

/// Seconds an upstream sign-in may take.
pub const UPSTREAM_LIFETIME: i64 = 600;

impl Providers {
    /// Keeps an upstream sign-in under its `state` (a bearer secret of the browser, kept
    /// by its SHA-256).
    pub async fn open_login(
        &self,
        login: &UpstreamLogin,
        state: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = keys::upstream_login(&passport_core::crypto::sha256_hex(state));
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("upstream_login")),
            ("provider".to_owned(), s(&login.provider)),
            ("nonce".to_owned(), s(&login.nonce)),
            ("verifier".to_owned(), s(&login.verifier)),
            ("browser".to_owned(), s(&login.browser)),
            ("lang".to_owned(), s(&login.lang)),
            ("login_expires".to_owned(), n(now + UPSTREAM_LIFETIME)),
            (keys::TTL.to_owned(), n(now + UPSTREAM_LIFETIME + 3600)),
        ]);
        match &login.then {
            Then::Request(id) => {
                item.insert("request_id".to_owned(), s(id));
            }
            Then::App {
                client_id,
                redirect_uri,
                state,
                challenge,
            } => {
                item.insert("client_id".to_owned(), s(client_id));
                item.insert("redirect_uri".to_owned(), s(redirect_uri));
                item.insert("challenge".to_owned(), s(challenge));
                if let Some(state) = state {
                    item.insert("app_state".to_owned(), s(state));
                }
            }
        }
        self.table.insert(item).await?;
        Ok(())
    }

    /// Takes an upstream sign-in by its `state`, once: `None` when unknown, used or expired.
    pub async fn take_login(
        &self,
        state: &str,
        now: i64,
    ) -> Result<Option<UpstreamLogin>, StoreError> {
        let key = keys::upstream_login(&passport_core::crypto::sha256_hex(state));
        let Some(item) = self.table.take(&key).await? else {
            return Ok(None);
        };
        if need_n::<i64>(&item, "login_expires")? <= now {
            return Ok(None);
        }
        let then = match get_s(&item, "request_id") {
            Some(id) => Then::Request(id),
            None => Then::App {
                client_id: need_s(&item, "client_id")?,
                redirect_uri: need_s(&item, "redirect_uri")?,
                state: get_s(&item, "app_state"),
                challenge: need_s(&item, "challenge")?,
            },
        };
        Ok(Some(UpstreamLogin {
            provider: need_s(&item, "provider")?,
            then,
            nonce: need_s(&item, "nonce")?,
            verifier: need_s(&item, "verifier")?,
            browser: need_s(&item, "browser")?,
            lang: get_s(&item, "lang").unwrap_or_else(|| "en".to_owned()),
        }))
    }
}
