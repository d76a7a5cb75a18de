//! `passport-admin provider ...`: the upstream OpenID Connect and OAuth 2.0 providers of the hosted
//! sign-in page (issue 20). The client secret Passport was given at the provider goes to
//! Secrets Manager (`passport/providers/<id>`); DynamoDB keeps its ARN.

use crate::print;
use anyhow::Context;
use clap::Subcommand;
use passport_shared::domain::SnsChannel;
use passport_shared::storage::providers::{
    presets, Dialect, OAuth2, Protocol, Provider, Providers,
};

#[derive(Subcommand)]
pub enum ProviderCmd {
    /// Registers a provider: a preset (`--preset`), an OpenID Connect provider (`--issuer`)
    /// or an OAuth 2.0 one (`--authorize-url`, `--token-url`, `--userinfo-url`, `--id-claim`).
    /// Give it Passport's callback, `<IssuerUrl>/oauth2/upstream/callback`, as the redirect
    /// URI of the client it made for Passport.
    Create(Box<CreateArgs>),
    /// Lists the providers (without secrets).
    List,
    /// Lists the presets and where each provider registers Passport.
    Presets,
}

/// What `provider create` is given.
#[derive(clap::Args)]
pub struct CreateArgs {
    /// google, github, weibo, qq or wechat: their endpoints and ways, filled in.
    #[arg(long)]
    pub preset: Option<String>,
    /// 2 to 20 lower-case letters or digits: the SNS channel its identities bind under
    /// (a preset's own id by default).
    #[arg(long)]
    pub id: Option<String>,
    /// What the sign-in page's button names (a preset's own name by default).
    #[arg(long)]
    pub name: Option<String>,
    /// An OpenID Connect provider's issuer (discovery at
    /// <issuer>/.well-known/openid-configuration).
    #[arg(long)]
    pub issuer: Option<String>,
    /// An OAuth 2.0 provider's authorization endpoint.
    #[arg(long = "authorize-url")]
    pub authorize_url: Option<String>,
    #[arg(long = "token-url")]
    pub token_url: Option<String>,
    /// Its user-info endpoint, called with the access token.
    #[arg(long = "userinfo-url")]
    pub userinfo_url: Option<String>,
    /// The user-info member that identifies the user (default `sub`).
    #[arg(long = "id-claim")]
    pub id_claim: Option<String>,
    /// The user-info member of the user's address.
    #[arg(long = "email-claim")]
    pub email_claim: Option<String>,
    /// The user-info member that says the provider proved that address (without it,
    /// the address is never taken as verified).
    #[arg(long = "email-verified-claim")]
    pub email_verified_claim: Option<String>,
    #[arg(long = "client-id")]
    pub client_id: String,
    /// Stored in Secrets Manager, never in the table.
    #[arg(long = "client-secret")]
    pub client_secret: String,
    /// The scopes asked for (repeatable; a preset's by default, else openid email
    /// profile for OpenID Connect).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
}

fn view(p: &Provider) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": p.id, "name": p.name, "client_id": p.client_id,
        "secret_arn": p.secret_arn, "scopes": p.scopes,
    });
    match &p.protocol {
        Protocol::Oidc { issuer } => {
            v["protocol"] = "oidc".into();
            v["issuer"] = issuer.as_str().into();
        }
        Protocol::OAuth2(o) => {
            v["protocol"] = "oauth2".into();
            v["dialect"] = o.dialect.as_str().into();
            v["authorize_url"] = o.authorize_url.as_str().into();
            v["token_url"] = o.token_url.as_str().into();
            v["userinfo_url"] = o.userinfo_url.as_str().into();
            v["id_claim"] = o.id_claim.as_str().into();
            v["email_claim"] = o.email_claim.clone().into();
            v["email_verified_claim"] = o.email_verified_claim.clone().into();
        }
    }
    v
}

/// A URL Passport may call: https, or http on loopback (a local provider).
fn url_allowed(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://127.0.0.1")
        || url.starts_with("http://localhost")
}

/// The protocol, display name, id and scopes a `create` describes.
fn described(args: &CreateArgs) -> anyhow::Result<(Protocol, String, String, Vec<String>)> {
    let CreateArgs {
        preset,
        id,
        name,
        issuer,
        authorize_url,
        token_url,
        userinfo_url,
        id_claim,
        email_claim,
        email_verified_claim,
        scopes,
        ..
    } = args;
    let oauth2_given = authorize_url.is_some() || token_url.is_some() || userinfo_url.is_some();
    let ways = [preset.is_some(), issuer.is_some(), oauth2_given];
    anyhow::ensure!(
        ways.iter().filter(|w| **w).count() == 1,
        "give one of --preset, --issuer, or --authorize-url with --token-url and --userinfo-url"
    );
    let (protocol, default_id, default_name, default_scopes) = if let Some(wanted) = preset {
        let p = presets()
            .into_iter()
            .find(|p| p.id == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!("--preset is one of google, github, weibo, qq, wechat")
            })?;
        let scopes = p.scopes.iter().map(|s| (*s).to_owned()).collect();
        (
            p.protocol,
            Some(p.id.to_owned()),
            Some(p.name.to_owned()),
            scopes,
        )
    } else if let Some(issuer) = issuer {
        let scopes = ["openid", "email", "profile"].map(str::to_owned).to_vec();
        let issuer = issuer.trim_end_matches('/').to_owned();
        (Protocol::Oidc { issuer }, None, None, scopes)
    } else {
        let (Some(a), Some(t), Some(u)) = (authorize_url, token_url, userinfo_url) else {
            anyhow::bail!(
                "an OAuth 2.0 provider needs --authorize-url, --token-url and --userinfo-url"
            );
        };
        let o = OAuth2 {
            dialect: Dialect::Standard,
            authorize_url: a.clone(),
            token_url: t.clone(),
            userinfo_url: u.clone(),
            id_claim: id_claim.clone().unwrap_or_else(|| "sub".to_owned()),
            email_claim: email_claim.clone(),
            email_verified_claim: email_verified_claim.clone(),
        };
        (Protocol::OAuth2(o), None, None, Vec::new())
    };
    let urls: Vec<&str> = match &protocol {
        Protocol::Oidc { issuer } => vec![issuer],
        Protocol::OAuth2(o) => vec![&o.authorize_url, &o.token_url, &o.userinfo_url],
    };
    anyhow::ensure!(
        urls.iter().all(|u| url_allowed(u)),
        "the provider's URLs are https (http only on loopback)"
    );
    let id = id
        .clone()
        .or(default_id)
        .ok_or_else(|| anyhow::anyhow!("--id names the provider (its SNS channel)"))?;
    let name = name
        .clone()
        .or(default_name)
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| anyhow::anyhow!("--name names the button"))?;
    let scopes = if scopes.is_empty() {
        default_scopes
    } else {
        scopes.clone()
    };
    if matches!(protocol, Protocol::Oidc { .. }) {
        anyhow::ensure!(
            scopes.iter().any(|s| s == "openid"),
            "an OpenID Connect provider's scopes include openid"
        );
    }
    Ok((protocol, id, name, scopes))
}

/// Stores `secret` as `passport/providers/<id>` (a new version if it exists): its ARN.
async fn store_secret(
    secrets: &aws_sdk_secretsmanager::Client,
    id: &str,
    secret: &str,
) -> anyhow::Result<String> {
    let name = format!("passport/providers/{id}");
    let created = secrets
        .create_secret()
        .name(&name)
        .secret_string(secret)
        .send()
        .await;
    match created {
        Ok(out) => out
            .arn()
            .map(str::to_owned)
            .context("Secrets Manager named no ARN"),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_exists_exception()) =>
        {
            let out = secrets
                .put_secret_value()
                .secret_id(&name)
                .secret_string(secret)
                .send()
                .await
                .context("updating the provider's secret")?;
            out.arn()
                .map(str::to_owned)
                .context("Secrets Manager named no ARN")
        }
        Err(e) => Err(anyhow::anyhow!(e).context("storing the provider's secret")),
    }
}

pub async fn run(
    command: &ProviderCmd,
    db: passport_shared::aws::DynamoDbClient,
    table: &str,
    secrets: aws_sdk_secretsmanager::Client,
) -> anyhow::Result<()> {
    let store = Providers::new(db, table);
    match command {
        ProviderCmd::Create(args) => {
            let (protocol, id, name, scopes) = described(args)?;
            let channel = SnsChannel::parse(&id)
                .map_err(|_| anyhow::anyhow!("--id is 2 to 20 lower-case letters or digits"))?;
            let secret_arn = store_secret(&secrets, channel.as_str(), &args.client_secret).await?;
            let provider = Provider {
                id: channel.as_str().to_owned(),
                name,
                protocol,
                client_id: args.client_id.clone(),
                secret_arn,
                scopes,
                created_at: passport_shared::now(),
            };
            store.create(&provider).await?;
            print(&view(&provider))
        }
        ProviderCmd::List => {
            let all = store.list().await?;
            print(&all.iter().map(view).collect::<Vec<_>>())
        }
        ProviderCmd::Presets => print(
            &presets()
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "preset": p.id, "name": p.name, "scopes": p.scopes,
                        "register_at": p.console,
                    })
                })
                .collect::<Vec<_>>(),
        ),
    }
}
