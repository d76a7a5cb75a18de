//! OAuth clients (AppKey / AppSecret), registered by the operator CLI.
//!
//! A client has a name, its secret as a SHA-256 (none for a public client, which must use
//! PKCE), exact redirect URIs, allowed grant types, scopes, whether it is first-party (only
//! those may use the password grant), and per-API hourly limits (`"*"` for every API not
//! named). Reads are cached in the function for a short while: a client is read on almost
//! every request, and changes to it are rare.

use super::attr::{get_b, get_n, get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
pub use passport_core::assertion::{ClientKeys, KeySetError};
use passport_core::crypto;
pub use passport_core::token::IdTokenAlg;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a read client is trusted before it is read again.
const CACHE_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret; `None` for a public client.
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub first_party: bool,
    /// API (`apis/Services/location`, or `*`) → calls per hour.
    pub limits: BTreeMap<String, u32>,
    pub created_at: i64,
    /// What its ID tokens are signed with (`id_token_signed_response_alg`; RS256 unless
    /// registered otherwise, as OpenID Connect Registration §2 says).
    pub id_token_alg: IdTokenAlg,
    /// Whether its users' `sub` is their uid or one of its own ([`SubjectType`]).
    pub subject_type: SubjectType,
    /// Where RP-initiated logout may send the browser back to (exact matches).
    pub post_logout_redirect_uris: Vec<String>,
    /// Where logout tokens are POSTed when a browser session it was used in ends
    /// (OpenID Connect Back-Channel Logout).
    pub backchannel_logout_uri: Option<String>,
    /// Its public keys (a JWK Set): such a client authenticates with `private_key_jwt`
    /// and has no secret.
    pub jwks: Option<String>,
    /// The logo the consent page shows (https).
    pub logo_uri: Option<String>,
    /// The secret it had before its last rotation (SHA-256), still taken until the epoch
    /// second it names: the grace period in which its servers move to the new one.
    pub previous_secret: Option<(String, i64)>,
    /// Disabled by an operator: it authenticates nowhere, and its tokens are refused.
    pub disabled: bool,
}

/// How a client authenticates at the token, revocation and introspection endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A public client: its id alone (and PKCE).
    None,
    /// Its secret: `client_secret_basic` or `client_secret_post`.
    Secret,
    /// A JWT it signed with a key of its `jwks` (`private_key_jwt`).
    PrivateKeyJwt,
}

/// OpenID Connect Core §8: `public` gives every client the same `sub` (the uid);
/// `pairwise` gives each client its own, which cannot be correlated across clients: the
/// documents' per-client `openid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectType {
    #[default]
    Public,
    Pairwise,
}

impl SubjectType {
    pub fn parse(raw: &str) -> Option<SubjectType> {
        match raw {
            "public" => Some(SubjectType::Public),
            "pairwise" => Some(SubjectType::Pairwise),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Public => "public",
            SubjectType::Pairwise => "pairwise",
        }
    }
}

/// What an operator changes of a client (`None`: as it is).
#[derive(Debug, Clone, Default)]
pub struct Revision {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub limits: Option<BTreeMap<String, u32>>,
}

impl Client {
    /// This client with `change`, by the rules of a registration ([`Client::register`]: the
    /// CLI's and the console's are one): its id, secret, keys, state and date kept.
    pub fn revised(&self, change: Revision) -> Result<Client, RegistrationError> {
        let registration = Registration {
            name: change.name.unwrap_or_else(|| self.name.clone()),
            redirect_uris: change
                .redirect_uris
                .unwrap_or_else(|| self.redirect_uris.clone()),
            grant_types: change
                .grant_types
                .unwrap_or_else(|| self.grant_types.clone()),
            scopes: change.scopes.unwrap_or_else(|| self.scopes.clone()),
            limits: change.limits.unwrap_or_else(|| self.limits.clone()),
            first_party: self.first_party,
            public: self.is_public(),
            id_token_alg: Some(self.id_token_alg),
            subject_type: self.subject_type,
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            jwks: self.jwks.clone(),
            logo_uri: self.logo_uri.clone(),
        };
        let (checked, _) = Client::register(registration, self.created_at)?;
        Ok(Client {
            id: self.id.clone(),
            secret_hash: self.secret_hash.clone(),
            previous_secret: self.previous_secret.clone(),
            disabled: self.disabled,
            ..checked
        })
    }

    /// What the operator's tools show of a client: everything but its secret.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "client_id": self.id, "name": self.name, "public": self.is_public(),
            "first_party": self.first_party, "disabled": self.disabled,
            "redirect_uris": self.redirect_uris, "grant_types": self.grant_types,
            "scopes": self.scopes, "limits": self.limits,
            "id_token_signed_response_alg": self.id_token_alg.as_str(),
            "subject_type": self.subject_type.as_str(),
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "token_endpoint_auth_method": match self.auth_method() {
                AuthMethod::None => "none",
                AuthMethod::Secret => "client_secret_basic",
                AuthMethod::PrivateKeyJwt => "private_key_jwt",
            },
            "jwks": self.jwks.as_deref().and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()),
            "logo_uri": self.logo_uri,
            "previous_secret_valid_until": self.previous_secret.as_ref().map(|(_, until)| passport_core::datetime(*until)),
            "created_at": passport_core::datetime(self.created_at),
        })
    }

    /// Whether `secret` is this client's (constant time; a public client has none): its
    /// secret, or the one before its last rotation while that one's grace period lasts.
    pub fn secret_matches(&self, secret: &str) -> bool {
        self.secret_matches_at(secret, passport_core::now())
    }

    /// [`Client::secret_matches`] at `now`.
    pub fn secret_matches_at(&self, secret: &str, now: i64) -> bool {
        let presented = crypto::sha256_hex(secret);
        let current = self
            .secret_hash
            .as_deref()
            .is_some_and(|hash| crypto::same(&presented, hash));
        let previous = self
            .previous_secret
            .as_ref()
            .is_some_and(|(hash, until)| crypto::same(&presented, hash) & (now < *until));
        current | previous
    }

    pub fn is_public(&self) -> bool {
        self.auth_method() == AuthMethod::None
    }

    pub fn auth_method(&self) -> AuthMethod {
        match (&self.secret_hash, &self.jwks) {
            (_, Some(_)) => AuthMethod::PrivateKeyJwt,
            (Some(_), None) => AuthMethod::Secret,
            (None, None) => AuthMethod::None,
        }
    }

    /// The keys its assertions are verified with (`private_key_jwt`).
    pub fn keys(&self) -> Option<ClientKeys> {
        self.jwks.as_deref().and_then(|j| ClientKeys::parse(j).ok())
    }

    /// Exact, byte-for-byte match against a registered URI.
    pub fn redirect_allowed(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    pub fn grant_allowed(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// The hourly limit of `api` for this client, if it has one of its own.
    pub fn limit_for(&self, api: &str) -> Option<u32> {
        self.limits
            .get(api)
            .or_else(|| self.limits.get("*"))
            .copied()
    }
}

/// The operator console ([`passport_core::token::CONSOLE_CLIENT`]): a public client built in
/// to every deployment, so that operators sign in to it through the hosted pages as to any
/// app (authorization code with PKCE). Its one redirect URI is the issuer's
/// `/console/callback`; none until the issuer is known.
pub fn console() -> Option<Arc<Client>> {
    let issuer = passport_core::issuer::current()?;
    Some(Arc::new(Client {
        id: passport_core::token::CONSOLE_CLIENT.to_owned(),
        name: "Passport console".to_owned(),
        secret_hash: None,
        redirect_uris: vec![format!("{issuer}/console/callback")],
        grant_types: vec!["authorization_code".to_owned()],
        scopes: vec!["openid".to_owned()],
        first_party: true,
        limits: BTreeMap::new(),
        created_at: 0,
        id_token_alg: IdTokenAlg::Rs256,
        subject_type: SubjectType::Public,
        post_logout_redirect_uris: vec![format!("{issuer}/console/signed-out")],
        backchannel_logout_uri: None,
        jwks: None,
        logo_uri: None,
        previous_secret: None,
        disabled: false,
    }))
}

fn strings(item: &Item, k: &str) -> Vec<String> {
    item.get(k)
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
        .unwrap_or_default()
}

/// A client item: a missing or mistyped required attribute is an error.
fn client_from(item: &Item) -> Result<Client, StoreError> {
    let limits = item
        .get("limits")
        .and_then(|v| v.as_m().ok())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse().ok()?)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Client {
        id: need_s(item, "client_id")?,
        name: need_s(item, "name")?,
        secret_hash: get_s(item, "secret_hash"),
        redirect_uris: strings(item, "redirect_uris"),
        grant_types: strings(item, "grant_types"),
        scopes: strings(item, "scopes"),
        first_party: get_b(item, "first_party"),
        limits,
        created_at: need_n(item, "created_at")?,
        // Clients registered before OpenID Connect have neither: the defaults.
        id_token_alg: match get_s(item, "id_token_alg") {
            Some(raw) => IdTokenAlg::parse(&raw).ok_or_else(|| {
                StoreError("a client's id_token_alg is not one Passport signs".into())
            })?,
            None => IdTokenAlg::Rs256,
        },
        subject_type: match get_s(item, "subject_type") {
            Some(raw) => SubjectType::parse(&raw).ok_or_else(|| {
                StoreError("a client's subject_type is neither public nor pairwise".into())
            })?,
            None => SubjectType::Public,
        },
        post_logout_redirect_uris: strings(item, "post_logout_redirect_uris"),
        backchannel_logout_uri: get_s(item, "backchannel_logout_uri"),
        jwks: get_s(item, "jwks"),
        logo_uri: get_s(item, "logo_uri"),
        previous_secret: get_s(item, "previous_secret_hash")
            .map(|h| (h, get_n(item, "previous_secret_until").unwrap_or(0))),
        disabled: get_b(item, "disabled"),
    })
}

fn list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(s).collect())
}

fn limits(limits: &BTreeMap<String, u32>) -> AttributeValue {
    AttributeValue::M(limits.iter().map(|(k, v)| (k.clone(), n(v))).collect())
}

fn item_of(c: &Client) -> Item {
    let key = keys::client(&c.id);
    let mut item: Item = HashMap::from([
        (keys::PK.to_owned(), s(key.pk)),
        (keys::SK.to_owned(), s(key.sk)),
        (keys::GSI1_PK.to_owned(), s(keys::CLIENTS_INDEX)),
        (keys::GSI1_SK.to_owned(), s(&c.id)),
        ("type".to_owned(), s("client")),
        ("client_id".to_owned(), s(&c.id)),
        ("name".to_owned(), s(&c.name)),
        ("redirect_uris".to_owned(), list(&c.redirect_uris)),
        ("grant_types".to_owned(), list(&c.grant_types)),
        ("scopes".to_owned(), list(&c.scopes)),
        (
            "first_party".to_owned(),
            AttributeValue::Bool(c.first_party),
        ),
        ("limits".to_owned(), limits(&c.limits)),
        ("created_at".to_owned(), n(c.created_at)),
        ("id_token_alg".to_owned(), s(c.id_token_alg.as_str())),
        ("subject_type".to_owned(), s(c.subject_type.as_str())),
    ]);
    if let Some(hash) = &c.secret_hash {
        item.insert("secret_hash".to_owned(), s(hash));
    }
    if !c.post_logout_redirect_uris.is_empty() {
        item.insert(
            "post_logout_redirect_uris".to_owned(),
            list(&c.post_logout_redirect_uris),
        );
    }
    if let Some(uri) = &c.backchannel_logout_uri {
        item.insert("backchannel_logout_uri".to_owned(), s(uri));
    }
    if let Some(jwks) = &c.jwks {
        item.insert("jwks".to_owned(), s(jwks));
    }
    if let Some(uri) = &c.logo_uri {
        item.insert("logo_uri".to_owned(), s(uri));
    }
    if let Some((hash, until)) = &c.previous_secret {
        item.insert("previous_secret_hash".to_owned(), s(hash));
        item.insert("previous_secret_until".to_owned(), n(until));
    }
    if c.disabled {
        item.insert("disabled".to_owned(), AttributeValue::Bool(true));
    }
    item
}

type Cache = Mutex<HashMap<String, (Instant, Option<Arc<Client>>)>>;

/// The longest client id looked up (Passport's are 15 digits).
pub const MAX_CLIENT_ID_BYTES: usize = 128;
/// The most client ids one instance keeps in its cache.
const MAX_CACHED: usize = 4096;

pub struct Clients {
    table: Table,
    cache: Cache,
}

impl Clients {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Clients {
        Clients {
            table: Table::new(client, table),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a client; fails if the id exists.
    pub async fn create(&self, c: &Client) -> Result<(), StoreError> {
        self.table.insert(item_of(c)).await
    }

    /// Stores `revised` (from [`Client::revised`]) in place of `read`, with `audit`, in one
    /// transaction conditioned on the secret `read` had (a rotation meanwhile is not
    /// undone); false when it changed or went meanwhile.
    pub async fn replace(
        &self,
        read: &Client,
        revised: &Client,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table.name())
            .set_item(Some(item_of(revised)));
        let put = match &read.secret_hash {
            Some(hash) => put
                .condition_expression("secret_hash = :h")
                .expression_attribute_values(":h", s(hash)),
            None => put
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(secret_hash)"),
        };
        let put = put.build().map_err(|e| StoreError(e.to_string()))?;
        let write = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(put)
            .build();
        self.send_pair(write, audit).await
    }

    /// Sets a client's hourly limits (a plan change). Returns false for an unknown client.
    pub async fn set_limits(
        &self,
        id: &str,
        new: &BTreeMap<String, u32>,
    ) -> Result<bool, StoreError> {
        let key = keys::client(id);
        let out = self
            .table
            .update_item(&key)
            .update_expression("SET limits = :l")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":l", limits(new))
            .send()
            .await;
        self.cache.lock().expect("cache lock").remove(id);
        match out {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// A client by id, from the cache when it was read in the last [`CACHE_FOR`]. An id
    /// longer than any client has names no client: it never reaches a key (DynamoDB refuses
    /// keys past 2,048 bytes) nor the cache.
    pub async fn get(&self, id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        if id.is_empty() || id.len() > MAX_CLIENT_ID_BYTES {
            return Ok(None);
        }
        if id == passport_core::token::CONSOLE_CLIENT {
            return Ok(console());
        }
        if let Some((at, c)) = self.cache.lock().expect("cache lock").get(id) {
            if at.elapsed() < CACHE_FOR {
                return Ok(c.clone());
            }
        }
        // Eventual, as before the cache: a client is written by operators, rarely.
        let found = self
            .read_as(id, Read::Eventual)
            .await?
            .filter(|c| !c.disabled)
            .map(Arc::new);
        self.keep(id, &found);
        Ok(found)
    }

    /// Keeps `found` as what `id` is, for [`CACHE_FOR`].
    fn keep(&self, id: &str, found: &Option<Arc<Client>>) {
        let mut cache = self.cache.lock().expect("cache lock");
        // Unknown ids are cached too (a miss costs a read): keep the cache from growing
        // with every id a client makes up.
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
        }
        if cache.len() < MAX_CACHED {
            cache.insert(id.to_owned(), (Instant::now(), found.clone()));
        }
    }

    /// The client `id` as stored, disabled or not, past the cache (the operator's view, and
    /// a secret the cached client does not know).
    pub async fn read(&self, id: &str) -> Result<Option<Client>, StoreError> {
        self.read_as(id, Read::Consistent).await
    }

    async fn read_as(&self, id: &str, read: Read) -> Result<Option<Client>, StoreError> {
        if id.is_empty() || id.len() > MAX_CLIENT_ID_BYTES {
            return Ok(None);
        }
        let item = self.table.get(&keys::client(id), read).await?;
        item.as_ref().map(client_from).transpose()
    }

    /// `client` if `secret` is its secret; else the client read again past the cache, if the
    /// secret is that one's (a rotation an instance had not seen yet takes effect at once).
    pub async fn with_secret(
        &self,
        client: Arc<Client>,
        secret: &str,
    ) -> Result<Option<Arc<Client>>, StoreError> {
        if client.secret_matches(secret) {
            return Ok(Some(client));
        }
        let fresh = self
            .read(&client.id)
            .await?
            .filter(|c| !c.disabled)
            .map(Arc::new);
        self.keep(&client.id, &fresh);
        Ok(fresh.filter(|c| c.secret_matches(secret)))
    }

    /// A new secret for client `id` (returned once; stored as its SHA-256), the current one
    /// still taken for `grace_seconds`; with `audit`, in one transaction conditioned on the
    /// secret read (`current_hash`). False when it changed meanwhile or the client is gone.
    pub async fn rotate(
        &self,
        id: &str,
        current_hash: &str,
        new_secret: &str,
        grace_seconds: i64,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
        now: i64,
    ) -> Result<bool, StoreError> {
        let update = self
            .update(id)
            .update_expression(
                "SET secret_hash = :new, previous_secret_hash = :old, previous_secret_until = :until",
            )
            .condition_expression("secret_hash = :old")
            .expression_attribute_values(":new", s(crypto::sha256_hex(new_secret)))
            .expression_attribute_values(":old", s(current_hash))
            .expression_attribute_values(":until", n(now + grace_seconds.max(0)));
        self.transact(update, audit).await
    }

    /// Disables (or enables) client `id`, with `audit`, in one transaction.
    pub async fn set_disabled(
        &self,
        id: &str,
        disabled: bool,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let update = self
            .update(id)
            .update_expression("SET disabled = :d")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":d", AttributeValue::Bool(disabled));
        self.transact(update, audit).await
    }

    /// Deletes client `id`, with `audit`, in one transaction; false when there was none.
    pub async fn delete(
        &self,
        id: &str,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let key = keys::client(id);
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        let write = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .delete(delete)
            .build();
        self.send_pair(write, audit).await
    }

    fn update(&self, id: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let key = keys::client(id);
        aws_sdk_dynamodb::types::Update::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
    }

    async fn transact(
        &self,
        update: aws_sdk_dynamodb::types::builders::UpdateBuilder,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let update = update.build().map_err(|e| StoreError(e.to_string()))?;
        let write = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(update)
            .build();
        self.send_pair(write, audit).await
    }

    async fn send_pair(
        &self,
        write: aws_sdk_dynamodb::types::TransactWriteItem,
        audit: aws_sdk_dynamodb::types::TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let sent = self
            .table
            .client()
            .transact_write_items()
            .transact_items(write)
            .transact_items(audit)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if super::cancelled_at(&e).first() == Some(&true) => Ok(false),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Every client (for the operator CLI).
    pub async fn list(&self) -> Result<Vec<Client>, StoreError> {
        let items = self.table.index_items(keys::CLIENTS_INDEX).await?;
        items.iter().map(client_from).collect()
    }
}

/// A new client id: 15 random digits, like the documents' AppKeys.
/// The grant types a client may be registered for.
pub const GRANTS: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
];

/// What an operator registers a client with.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// Empty: `authorization_code` and `refresh_token`.
    pub grant_types: Vec<String>,
    /// Empty: `basic`.
    pub scopes: Vec<String>,
    pub limits: BTreeMap<String, u32>,
    /// A client of the operator's own, which may use the password grant.
    pub first_party: bool,
    /// No secret; must use PKCE.
    pub public: bool,
    /// `None`: RS256.
    pub id_token_alg: Option<IdTokenAlg>,
    pub subject_type: SubjectType,
    /// Exact URIs RP-initiated logout may return to (the redirect URIs' rules).
    pub post_logout_redirect_uris: Vec<String>,
    /// The back-channel logout endpoint (the redirect URIs' rules).
    pub backchannel_logout_uri: Option<String>,
    /// Public keys (a JWK Set) for `private_key_jwt`: the client gets no secret.
    pub jwks: Option<String>,
    /// The consent page's logo (https).
    pub logo_uri: Option<String>,
}

/// Why a registration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error("unknown grant type {0}; one of {GRANTS:?}")]
    UnknownGrant(String),
    #[error("the password grant is for first-party clients")]
    PasswordNotFirstParty,
    #[error("a public client cannot use client_credentials")]
    PublicClientCredentials,
    #[error("redirect URIs are https (http only for loopback) and have no fragment: {0}")]
    RedirectUri(String),
    #[error("a client has a name")]
    NoName,
    #[error("the key set: {0}")]
    Jwks(#[from] KeySetError),
    #[error("a public client has no keys: it does not authenticate")]
    PublicWithKeys,
    #[error("a logo URI is https, without spaces: {0}")]
    LogoUri(String),
}

/// A redirect URI a client may register: https, or http to a loopback host (RFC 8252
/// §7.3), and no fragment (RFC 6749 §3.1.2).
pub fn redirect_uri_allowed(uri: &str) -> bool {
    let scheme_ok = uri.starts_with("https://")
        || uri.starts_with("http://127.0.0.1")
        || uri.starts_with("http://localhost");
    scheme_ok && !uri.contains('#') && !uri.chars().any(char::is_whitespace)
}

impl Client {
    /// A new client as `registration` asks, with its secret (shown once; only its hash is
    /// kept), after the rules every registration keeps: known grants, the password grant
    /// for first-party clients only, no client credentials for a public client, exact
    /// https (or loopback) redirect URIs without fragments.
    pub fn register(
        registration: Registration,
        now: i64,
    ) -> Result<(Client, Option<String>), RegistrationError> {
        let Registration {
            name,
            redirect_uris,
            mut grant_types,
            mut scopes,
            limits,
            first_party,
            public,
            id_token_alg,
            subject_type,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            jwks,
            logo_uri,
        } = registration;
        if name.trim().is_empty() {
            return Err(RegistrationError::NoName);
        }
        if grant_types.is_empty() {
            grant_types = vec!["authorization_code".to_owned(), "refresh_token".to_owned()];
        }
        if let Some(g) = grant_types.iter().find(|g| !GRANTS.contains(&g.as_str())) {
            return Err(RegistrationError::UnknownGrant(g.clone()));
        }
        if grant_types.iter().any(|g| g == "password") && !first_party {
            return Err(RegistrationError::PasswordNotFirstParty);
        }
        if grant_types.iter().any(|g| g == "client_credentials") && public {
            return Err(RegistrationError::PublicClientCredentials);
        }
        if let Some(uri) = redirect_uris
            .iter()
            .chain(&post_logout_redirect_uris)
            .chain(&backchannel_logout_uri)
            .find(|u| !redirect_uri_allowed(u))
        {
            return Err(RegistrationError::RedirectUri(uri.clone()));
        }
        if let Some(jwks) = &jwks {
            if public {
                return Err(RegistrationError::PublicWithKeys);
            }
            ClientKeys::parse(jwks)?;
        }
        if let Some(uri) = logo_uri
            .as_ref()
            .filter(|u| !u.starts_with("https://") || u.chars().any(char::is_whitespace))
        {
            return Err(RegistrationError::LogoUri(uri.clone()));
        }
        if scopes.is_empty() {
            scopes = vec!["basic".to_owned()];
        }
        // A client with keys authenticates with them, and gets no secret.
        let secret = (!public && jwks.is_none()).then(|| crypto::random_secret(32));
        let client = Client {
            id: new_client_id(),
            name,
            secret_hash: secret.as_deref().map(crypto::sha256_hex),
            redirect_uris,
            grant_types,
            scopes,
            first_party,
            limits,
            created_at: now,
            id_token_alg: id_token_alg.unwrap_or(IdTokenAlg::Rs256),
            subject_type,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            jwks,
            logo_uri,
            previous_secret: None,
            disabled: false,
        };
        Ok((client, secret))
    }
}

pub fn new_client_id() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let first = rng.random_range(1..=9u8);
    let rest: String = (0..14)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    format!("{first}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration() -> Registration {
        Registration {
            name: "Demo".into(),
            redirect_uris: vec!["https://app.example.com/callback".into()],
            ..Registration::default()
        }
    }

    #[test]
    fn registrations_keep_the_client_rules() {
        let (client, secret) = Client::register(registration(), 7).unwrap();
        assert_eq!(client.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(client.scopes, ["basic"]);
        assert!(client.secret_matches(secret.as_deref().unwrap()));
        let public = Registration {
            public: true,
            ..registration()
        };
        let (client, secret) = Client::register(public, 7).unwrap();
        assert!(client.is_public() && secret.is_none());
        let refused = |r: Registration| Client::register(r, 7).unwrap_err();
        let grants = |g: &[&str]| g.iter().map(|g| (*g).to_owned()).collect();
        assert_eq!(
            refused(Registration {
                grant_types: grants(&["implicit"]),
                ..registration()
            }),
            RegistrationError::UnknownGrant("implicit".into())
        );
        assert_eq!(
            refused(Registration {
                grant_types: grants(&["password"]),
                ..registration()
            }),
            RegistrationError::PasswordNotFirstParty
        );
        let public_cc = Registration {
            grant_types: grants(&["client_credentials"]),
            public: true,
            ..registration()
        };
        assert_eq!(
            refused(public_cc),
            RegistrationError::PublicClientCredentials
        );
        for uri in [
            "http://app.example.com/cb",
            "https://app.example.com/cb#x",
            "app://cb",
        ] {
            let r = Registration {
                redirect_uris: vec![uri.into()],
                ..registration()
            };
            assert_eq!(refused(r), RegistrationError::RedirectUri(uri.into()));
        }
        assert!(redirect_uri_allowed("http://127.0.0.1:8080/cb"));
        // Logout URIs keep the same rules.
        let plain = "http://app.example.com/bye";
        let logout = Registration {
            post_logout_redirect_uris: vec![plain.into()],
            ..registration()
        };
        assert_eq!(
            refused(logout),
            RegistrationError::RedirectUri(plain.into())
        );
        let back_channel = Registration {
            backchannel_logout_uri: Some(plain.into()),
            ..registration()
        };
        assert_eq!(
            refused(back_channel),
            RegistrationError::RedirectUri(plain.into())
        );
    }

    #[test]
    fn a_client_with_keys_has_no_secret_and_a_logo_is_https() {
        let jwks = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        let keyed = Registration {
            jwks: Some(jwks.into()),
            ..registration()
        };
        let (client, secret) = Client::register(keyed, 7).unwrap();
        assert_eq!(
            (client.auth_method(), secret, client.is_public()),
            (AuthMethod::PrivateKeyJwt, None, false)
        );
        assert!(client.keys().is_some());
        let refused = |r: Registration| Client::register(r, 7).unwrap_err();
        assert_eq!(
            refused(Registration {
                jwks: Some(jwks.into()),
                public: true,
                ..registration()
            }),
            RegistrationError::PublicWithKeys
        );
        assert!(matches!(
            refused(Registration {
                jwks: Some("{}".into()),
                ..registration()
            }),
            RegistrationError::Jwks(_)
        ));
        assert_eq!(
            refused(Registration {
                logo_uri: Some("http://app.example.com/logo.png".into()),
                ..registration()
            }),
            RegistrationError::LogoUri("http://app.example.com/logo.png".into())
        );
    }

    fn client() -> Client {
        Client {
            id: new_client_id(),
            name: "Demo".into(),
            secret_hash: Some(crypto::sha256_hex("s3cret")),
            redirect_uris: vec!["https://app.example.com/cb".into()],
            grant_types: vec!["authorization_code".into()],
            scopes: vec!["basic".into()],
            first_party: false,
            limits: BTreeMap::from([("*".into(), 100), ("apis/Services/location".into(), 5)]),
            created_at: 0,
            id_token_alg: IdTokenAlg::Rs256,
            subject_type: SubjectType::Public,
            post_logout_redirect_uris: vec!["https://app.example.com/bye".into()],
            backchannel_logout_uri: Some("https://app.example.com/backchannel".into()),
            jwks: None,
            logo_uri: Some("https://app.example.com/logo.png".into()),
            previous_secret: None,
            disabled: false,
        }
    }

    #[test]
    fn openid_settings_default_and_decode_strictly() {
        let (c, _) = Client::register(registration(), 0).unwrap();
        assert_eq!(
            (c.id_token_alg, c.subject_type),
            (IdTokenAlg::Rs256, SubjectType::Public)
        );
        let mut item: Item = HashMap::from([
            ("client_id".to_owned(), s("1")),
            ("name".to_owned(), s("Old")),
            ("created_at".to_owned(), n(0)),
        ]);
        // A client registered before OpenID Connect: the defaults.
        let old = client_from(&item).unwrap();
        assert_eq!(old.id_token_alg, IdTokenAlg::Rs256);
        item.insert("id_token_alg".into(), s("EdDSA"));
        item.insert("subject_type".into(), s("pairwise"));
        let new = client_from(&item).unwrap();
        assert_eq!(
            (new.id_token_alg, new.subject_type),
            (IdTokenAlg::EdDsa, SubjectType::Pairwise)
        );
        item.insert("id_token_alg".into(), s("none"));
        assert!(client_from(&item).is_err(), "never an unsigned ID token");
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let c = client();
        assert!(c.redirect_allowed("https://app.example.com/cb"));
        for near in [
            "https://app.example.com/cb/",
            "https://APP.example.com/cb",
            "https://app.example.com/cb?x=1",
            "http://app.example.com/cb",
            "https://app.example.com/CB",
        ] {
            assert!(!c.redirect_allowed(near), "{near}");
        }
    }

    #[test]
    fn secrets_and_limits() {
        let c = client();
        assert!(c.secret_matches("s3cret"));
        assert!(!c.secret_matches("s3cret "));
        assert_eq!(c.limit_for("apis/Services/location"), Some(5));
        assert_eq!(c.limit_for("api/Image/disorder"), Some(100));
        assert_eq!(new_client_id().len(), 15);
    }

    #[test]
    fn a_revision_keeps_the_client_and_meets_the_registration_rules() {
        let (c, secret) = Client::register(registration(), 7).unwrap();
        let revised = c
            .revised(Revision {
                name: Some("Renamed".into()),
                redirect_uris: Some(vec!["https://new.example.com/cb".into()]),
                ..Revision::default()
            })
            .unwrap();
        assert_eq!(
            (revised.id.as_str(), revised.name.as_str()),
            (c.id.as_str(), "Renamed")
        );
        assert!(
            revised.secret_matches(secret.as_deref().unwrap()),
            "the secret is kept"
        );
        assert_eq!(revised.created_at, 7);
        let refused = |r: Revision| c.revised(r).unwrap_err();
        assert_eq!(
            refused(Revision {
                grant_types: Some(vec!["password".into()]),
                ..Revision::default()
            }),
            RegistrationError::PasswordNotFirstParty
        );
        assert!(matches!(
            refused(Revision {
                redirect_uris: Some(vec!["http://evil.example.com/cb".into()]),
                ..Revision::default()
            }),
            RegistrationError::RedirectUri(_)
        ));
        assert_eq!(
            refused(Revision {
                name: Some(" ".into()),
                ..Revision::default()
            }),
            RegistrationError::NoName
        );
    }
}
