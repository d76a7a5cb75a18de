//! `passport-admin provider ...`: the upstream OpenID Connect providers of the hosted
//! sign-in page (issue 20). The client secret Passport was given at the provider goes to
//! Secrets Manager (`passport/providers/<id>`); DynamoDB keeps its ARN.

use crate::print;
use anyhow::Context;
use clap::Subcommand;
use passport_shared::domain::SnsChannel;
use passport_shared::storage::providers::{Provider, Providers};

#[derive(Subcommand)]
pub enum ProviderCmd {
    /// Registers a provider. Give it Passport's callback, `<IssuerUrl>/oauth2/upstream/callback`,
    /// as the redirect URI of the client it made for Passport.
    Create {
        /// 2 to 20 lower-case letters or digits: the SNS channel its identities bind under.
        #[arg(long)]
        id: String,
        /// What the sign-in page's button names.
        #[arg(long)]
        name: String,
        /// Its issuer (discovery at <issuer>/.well-known/openid-configuration).
        #[arg(long)]
        issuer: String,
        #[arg(long = "client-id")]
        client_id: String,
        /// Stored in Secrets Manager, never in the table.
        #[arg(long = "client-secret")]
        client_secret: String,
        /// The scopes asked for (repeatable; default openid email profile).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Lists the providers (without secrets).
    List,
}

fn view(p: &Provider) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "name": p.name, "issuer": p.issuer, "client_id": p.client_id,
        "secret_arn": p.secret_arn, "scopes": p.scopes,
    })
}

/// An issuer Passport may call: https, or http on loopback (a local provider).
fn issuer_allowed(issuer: &str) -> bool {
    issuer.starts_with("https://")
        || issuer.starts_with("http://127.0.0.1")
        || issuer.starts_with("http://localhost")
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
        ProviderCmd::Create {
            id,
            name,
            issuer,
            client_id,
            client_secret,
            scopes,
        } => {
            let channel = SnsChannel::parse(id)
                .map_err(|_| anyhow::anyhow!("--id is 2 to 20 lower-case letters or digits"))?;
            anyhow::ensure!(
                issuer_allowed(issuer),
                "--issuer is https (http only on loopback)"
            );
            anyhow::ensure!(!name.trim().is_empty(), "--name names the button");
            let mut scopes = scopes.clone();
            if scopes.is_empty() {
                scopes = ["openid", "email", "profile"].map(str::to_owned).to_vec();
            }
            anyhow::ensure!(
                scopes.iter().any(|s| s == "openid"),
                "the scopes include openid"
            );
            let secret_arn = store_secret(&secrets, channel.as_str(), client_secret).await?;
            let provider = Provider {
                id: channel.as_str().to_owned(),
                name: name.trim().to_owned(),
                issuer: issuer.trim_end_matches('/').to_owned(),
                client_id: client_id.clone(),
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
    }
}
