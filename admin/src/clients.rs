//! OAuth clients: register one (its secret printed once, stored as its SHA-256), list them,
//! change a client's hourly limits.

use crate::print;
use anyhow::Context;
use clap::Subcommand;
use passport_shared::storage::clients::{Client, Clients, IdTokenAlg, Registration, SubjectType};
use std::collections::BTreeMap;

#[derive(Subcommand)]
pub enum ClientCmd {
    /// Registers a client and prints its id and secret (shown this once).
    Create {
        #[arg(long)]
        name: String,
        /// An exact redirect URI (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// An allowed grant type (repeatable; default authorization_code and refresh_token).
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// A scope the client may ask for (repeatable; default `basic`).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// API=CALLS_PER_HOUR (repeatable; `*` for every other API).
        #[arg(long = "limit")]
        limits: Vec<String>,
        /// A client of the operator's own, which may use the password grant.
        #[arg(long)]
        first_party: bool,
        /// A public client (no secret; must use PKCE).
        #[arg(long)]
        public: bool,
        /// What its OpenID Connect ID tokens are signed with: RS256 (the default) or EdDSA.
        #[arg(long = "id-token-alg", value_parser = parse_alg)]
        id_token_alg: Option<IdTokenAlg>,
        /// `public` (the default: `sub` is the uid) or `pairwise` (a `sub` of its own).
        #[arg(long = "subject-type", value_parser = parse_subject_type, default_value = "public")]
        subject_type: SubjectType,
        /// Where RP-initiated logout may return the browser to (repeatable, exact).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Where logout tokens are POSTed (OpenID Connect Back-Channel Logout).
        #[arg(long = "backchannel-logout-uri")]
        backchannel_logout_uri: Option<String>,
        /// The client's public keys, a JWK Set (a file, or the JSON itself): it then
        /// authenticates with private_key_jwt and gets no secret.
        #[arg(long)]
        jwks: Option<String>,
        /// The logo its consent page shows (https).
        #[arg(long = "logo-uri")]
        logo_uri: Option<String>,
    },
    /// Lists the clients.
    List,
    /// Replaces a client's hourly limits (a plan change); send a RateLimitReset event after.
    Limits {
        client_id: String,
        #[arg(long = "limit")]
        limits: Vec<String>,
    },
}

fn parse_limits(raw: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    raw.iter()
        .map(|l| {
            let (api, n) = l
                .split_once('=')
                .context("--limit takes API=CALLS_PER_HOUR")?;
            let api = api.trim().trim_start_matches('/');
            Ok((
                api.to_owned(),
                n.trim().parse().context("a limit is a whole number")?,
            ))
        })
        .collect()
}

fn parse_alg(raw: &str) -> Result<IdTokenAlg, String> {
    IdTokenAlg::parse(raw).ok_or_else(|| "RS256 or EdDSA".to_owned())
}

fn parse_subject_type(raw: &str) -> Result<SubjectType, String> {
    SubjectType::parse(raw).ok_or_else(|| "public or pairwise".to_owned())
}

pub async fn run(
    command: &ClientCmd,
    db: passport_shared::aws::DynamoDbClient,
    table: &str,
) -> anyhow::Result<()> {
    let store = Clients::new(db, table);
    match command {
        ClientCmd::Create {
            name,
            redirect_uris,
            grants,
            scopes,
            limits,
            first_party,
            public,
            id_token_alg,
            subject_type,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            jwks,
            logo_uri,
        } => {
            // A key set given as a file, or as its JSON.
            let jwks = match jwks {
                Some(j) if j.trim_start().starts_with('{') => Some(j.clone()),
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading the key set {path}"))?,
                ),
                None => None,
            };
            let registration = Registration {
                name: name.clone(),
                redirect_uris: redirect_uris.clone(),
                grant_types: grants.clone(),
                scopes: scopes.clone(),
                limits: parse_limits(limits)?,
                first_party: *first_party,
                public: *public,
                id_token_alg: *id_token_alg,
                subject_type: *subject_type,
                post_logout_redirect_uris: post_logout_redirect_uris.clone(),
                backchannel_logout_uri: backchannel_logout_uri.clone(),
                jwks,
                logo_uri: logo_uri.clone(),
            };
            let (client, secret) = Client::register(registration, passport_shared::now())?;
            store.create(&client).await?;
            let mut out = client.view();
            out["client_secret"] = serde_json::json!(secret);
            print(&out)
        }
        ClientCmd::List => {
            let all: Vec<_> = store.list().await?.iter().map(Client::view).collect();
            print(&all)
        }
        ClientCmd::Limits { client_id, limits } => {
            if !store.set_limits(client_id, &parse_limits(limits)?).await? {
                anyhow::bail!("no client {client_id}");
            }
            println!("limits of {client_id} set; send a RateLimitReset event to restart this hour's counts");
            Ok(())
        }
    }
}
