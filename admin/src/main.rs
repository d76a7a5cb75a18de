//! `passport-admin`: what an operator does by hand.
//!
//! ```text
//! passport-admin [--stack .local/run/stack.json | --table NAME] client create --name "Demo" \
//!     --redirect-uri https://app.example.com/callback --scope basic \
//!     [--grant authorization_code --grant refresh_token] [--limit apis/Services/location=100] \
//!     [--first-party] [--public]
//! passport-admin ... client list
//! passport-admin ... client limits CLIENT_ID --limit '*=500' --limit apis/Services/location=50
//! passport-admin ... company set --user li_lei --name "..." --tax-number ... [--type 1 ...]
//! passport-admin ... company show --user li_lei
//! passport-admin ... company delete --user li_lei
//! passport-admin ... faq add --title "..." --content "..." [--category ...] [--link https://...]
//! passport-admin ... faq edit ID [--title ...] [--content ...] [--category ...] [--link ...]
//! passport-admin ... category add --name app [--description "..."]
//! passport-admin ... category edit ID [--name ...] [--description ...]
//! passport-admin ... feedback reply FEEDBACK_ID --content "..." [--manager 1]
//! passport-admin ... push record --title "..." --body "..." [--scope all|android|ios] [--manager 1]
//! passport-admin ... mail suppressed
//! passport-admin ... mail unsuppress li.lei@example.com
//! passport-admin ... import users legacy.jsonl [--format jsonl|csv] [--resume] [--report FILE]
//! passport-admin ... export users [--out accounts.jsonl]
//! passport-admin ... operator grant li_lei [--role operator|support]
//! passport-admin ... operator revoke li_lei
//! ```
//!
//! Against AWS it uses the standard AWS settings (profile, region) and `--table` (or
//! `TABLE_NAME`); with `--stack` it talks to a running local stack. A new client's secret is
//! printed once and stored only as its SHA-256.
//!
//! One module a subject ([`accounts`], [`clients`], [`companies`], [`content`], [`mail`], [`operators`], [`providers`]); each has its commands
//! and one `run`. The rules of a valid client live beside the client type
//! (`passport_store::clients::Client::register`), where every caller gets them.

mod accounts;
mod clients;
mod companies;
mod connect;
mod content;
mod mail;
mod operators;
mod providers;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "passport-admin", about = "Passport's operator CLI")]
struct Cli {
    /// A running local stack (the stack file of `scripts/dev`).
    #[arg(long, global = true)]
    stack: Option<PathBuf>,
    /// The DynamoDB table (default: TABLE_NAME, or the local stack's).
    #[arg(long, global = true)]
    table: Option<String>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// OAuth clients.
    Client {
        #[command(subcommand)]
        command: clients::ClientCmd,
    },
    /// Users' companies (the open platform's companyService).
    Company {
        #[command(subcommand)]
        command: companies::CompanyCmd,
    },
    /// The FAQ (GET /api/faq).
    Faq {
        #[command(subcommand)]
        command: content::FaqCmd,
    },
    /// Feedback categories (GET /api/feedback_category).
    Category {
        #[command(subcommand)]
        command: content::CategoryCmd,
    },
    /// Users' feedback.
    Feedback {
        #[command(subcommand)]
        command: content::FeedbackCmd,
    },
    /// The push log (GET /api/push/log).
    Push {
        #[command(subcommand)]
        command: content::PushCmd,
    },
    /// The mail suppression list (SES bounces and complaints).
    Mail {
        #[command(subcommand)]
        command: mail::MailCmd,
    },
    /// Accounts in from a legacy user system (legacy password hashes kept until their next
    /// sign-in).
    Import {
        #[command(subcommand)]
        command: accounts::ImportCmd,
    },
    /// Accounts out, with their argon2id hashes.
    Export {
        #[command(subcommand)]
        command: accounts::ExportCmd,
    },
    /// Operator roles (the operator API's `support` and `operator`).
    Operator {
        #[command(subcommand)]
        command: operators::OperatorCmd,
    },
    /// Upstream OpenID Connect providers of the hosted sign-in page.
    Provider {
        #[command(subcommand)]
        command: providers::ProviderCmd,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (db, table) = connect::table(cli.stack.as_deref(), cli.table.clone()).await?;
    match &cli.command {
        Cmd::Client { command } => clients::run(command, db, &table).await,
        Cmd::Company { command } => companies::run(command, db, &table).await,
        Cmd::Faq { command } => content::faq(command, db, &table).await,
        Cmd::Category { command } => content::category(command, db, &table).await,
        Cmd::Feedback { command } => content::feedback(command, db, &table).await,
        Cmd::Push { command } => content::push(command, db, &table).await,
        Cmd::Mail { command } => mail::run(command, db, &table).await,
        Cmd::Operator { command } => operators::run(command, db, &table).await,
        Cmd::Import { command } => accounts::import_users(command, db, &table).await,
        Cmd::Export { command } => accounts::export_users(command, db, &table).await,
        Cmd::Provider { command } => {
            let secrets = connect::secrets(cli.stack.as_deref()).await?;
            providers::run(command, db, &table, secrets).await
        }
    }
}

/// Prints what a command made, as JSON.
pub fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
