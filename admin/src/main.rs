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
//! ```
//!
//! Against AWS it uses the standard AWS settings (profile, region) and `--table` (or
//! `TABLE_NAME`); with `--stack` it talks to a running local stack. A new client's secret is
//! printed once and stored only as its SHA-256.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use passport_shared::crypto;
use passport_shared::storage::clients::{new_client_id, Client, Clients};
use passport_shared::storage::companies::{Companies, Company};
use passport_shared::storage::users::Users;
use std::collections::BTreeMap;
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
        command: ClientCmd,
    },
    /// Users' companies (the open platform's companyService).
    Company {
        #[command(subcommand)]
        command: CompanyCmd,
    },
    /// The FAQ (GET /api/faq).
    Faq {
        #[command(subcommand)]
        command: FaqCmd,
    },
    /// Feedback categories (GET /api/feedback_category).
    Category {
        #[command(subcommand)]
        command: CategoryCmd,
    },
    /// Users' feedback.
    Feedback {
        #[command(subcommand)]
        command: FeedbackCmd,
    },
    /// The push log (GET /api/push/log).
    Push {
        #[command(subcommand)]
        command: PushCmd,
    },
}

#[derive(clap::Args)]
struct FaqArgs {
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    content: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// An https link to more.
    #[arg(long)]
    link: Option<String>,
}

#[derive(Subcommand)]
enum FaqCmd {
    /// Adds an entry (title and content required).
    Add(FaqArgs),
    /// Changes the fields given.
    Edit {
        id: u64,
        #[command(flatten)]
        fields: FaqArgs,
    },
}

#[derive(clap::Args)]
struct CategoryArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    description: Option<String>,
}

#[derive(Subcommand)]
enum CategoryCmd {
    /// Adds a category (name required).
    Add(CategoryArgs),
    /// Changes the fields given.
    Edit {
        id: u64,
        #[command(flatten)]
        fields: CategoryArgs,
    },
}

#[derive(Subcommand)]
enum FeedbackCmd {
    /// Replies to a feedback (replacing an earlier reply); its author sees it unread.
    Reply {
        feedback_id: u64,
        #[arg(long)]
        content: String,
        /// The operator's id, shown as `manager_id`.
        #[arg(long, default_value_t = 1)]
        manager: u64,
    },
}

#[derive(Subcommand)]
enum PushCmd {
    /// Records a push that was sent (its title, body and scope).
    Record {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        /// all (0), android (1) or ios (2).
        #[arg(long, default_value = "all")]
        scope: String,
        #[arg(long, default_value_t = 1)]
        manager: u64,
    },
}

#[derive(clap::Args)]
struct CompanyArgs {
    /// The user, by username.
    #[arg(long)]
    user: String,
    #[arg(long)]
    name: String,
    #[arg(long = "type", default_value = "1")]
    company_type: String,
    #[arg(long = "tax-number", default_value = "")]
    tax_number: String,
    #[arg(long, default_value = "")]
    province: String,
    #[arg(long, default_value = "")]
    city: String,
    #[arg(long, default_value = "")]
    zone: String,
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long = "tel-phone", default_value = "")]
    tel_phone: String,
    #[arg(long = "legal-person-phone", default_value = "")]
    legal_person_phone: String,
    #[arg(long = "legal-person-name", default_value = "")]
    legal_person_name: String,
    /// Marks the company disabled.
    #[arg(long)]
    disable: bool,
}

#[derive(Subcommand)]
enum CompanyCmd {
    /// Sets (creates or replaces) a user's company.
    Set(Box<CompanyArgs>),
    Show {
        #[arg(long)]
        user: String,
    },
    Delete {
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum ClientCmd {
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

const GRANTS: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
];

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

fn view(c: &Client) -> serde_json::Value {
    serde_json::json!({
        "client_id": c.id, "name": c.name, "public": c.is_public(), "first_party": c.first_party,
        "redirect_uris": c.redirect_uris, "grant_types": c.grant_types, "scopes": c.scopes,
        "limits": c.limits,
    })
}

/// The table's client and name, from --stack, --table or TABLE_NAME.
async fn connect(cli: &Cli) -> anyhow::Result<(passport_shared::aws::DynamoDbClient, String)> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let mut table = cli
        .table
        .clone()
        .or_else(|| std::env::var("TABLE_NAME").ok());
    if let Some(file) = &cli.stack {
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
        )?;
        let endpoint = info["dynamodb"]
            .as_str()
            .context("stack file without dynamodb")?;
        loader = loader
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "passport-admin",
            ));
        table.get_or_insert_with(|| "PassportTable".to_owned());
    }
    let table = table.context("name the table with --table or TABLE_NAME (or use --stack)")?;
    let sdk = loader.load().await;
    Ok((passport_shared::aws::dynamodb(&sdk), table))
}

async fn uid_of(users: &Users, username: &str) -> anyhow::Result<u64> {
    Ok(users
        .find_by_username(username)
        .await?
        .with_context(|| format!("no user {username}"))?
        .uid)
}

async fn company(
    cmd: &CompanyCmd,
    db: passport_shared::aws::DynamoDbClient,
    table: &str,
) -> anyhow::Result<()> {
    let users = Users::new(db.clone(), table);
    let companies = Companies::new(db, table);
    match cmd {
        CompanyCmd::Set(args) => {
            let CompanyArgs {
                user,
                name,
                company_type,
                tax_number,
                province,
                city,
                zone,
                address,
                tel_phone,
                legal_person_phone,
                legal_person_name,
                disable,
            } = args.as_ref();
            let uid = uid_of(&users, user).await?;
            let created_at = companies
                .get(uid)
                .await?
                .map(|c| c.created_at)
                .unwrap_or_else(passport_shared::now);
            let c = Company {
                company_name: name.clone(),
                company_type: company_type.clone(),
                tax_number: tax_number.clone(),
                province: province.clone(),
                city: city.clone(),
                zone: zone.clone(),
                address: address.clone(),
                disable: if *disable { "1".into() } else { String::new() },
                tel_phone: tel_phone.clone(),
                legal_person_phone: legal_person_phone.clone(),
                legal_person_name: legal_person_name.clone(),
                created_at,
            };
            companies.put(uid, &c).await?;
            println!("{}", serde_json::to_string_pretty(&c)?);
        }
        CompanyCmd::Show { user } => {
            let uid = uid_of(&users, user).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&companies.get(uid).await?)?
            );
        }
        CompanyCmd::Delete { user } => {
            companies.delete(uid_of(&users, user).await?).await?;
            println!("null");
        }
    }
    Ok(())
}

fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Checks the text fields an operator writes: no control characters but line breaks, and
/// links that are https.
fn checked(
    fields: &[(&str, &Option<String>)],
    link: Option<&Option<String>>,
) -> anyhow::Result<()> {
    for (name, value) in fields {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().any(|c| c.is_control() && c != '\n') {
                bail!("--{name} is empty or has control characters");
            }
        }
    }
    if let Some(Some(l)) = link {
        if !l.starts_with("https://") || l.chars().any(char::is_whitespace) {
            bail!("--link is an https address");
        }
    }
    Ok(())
}

async fn content(
    cmd: &Cmd,
    db: passport_shared::aws::DynamoDbClient,
    table: &str,
) -> anyhow::Result<()> {
    use passport_shared::storage::push::{Push, Scope};
    use passport_shared::storage::records::Records;
    use passport_shared::storage::support::{CategoryFields, FaqFields, Support};
    let support = Support {
        records: Records::new(db.clone(), table),
    };
    let now = passport_shared::now();
    let faq_fields = |a: &FaqArgs| -> anyhow::Result<FaqFields> {
        checked(
            &[
                ("title", &a.title),
                ("content", &a.content),
                ("category", &a.category),
            ],
            Some(&a.link),
        )?;
        Ok(FaqFields {
            title: a.title.clone(),
            content: a.content.clone(),
            category: a.category.clone(),
            external_link: a.link.clone(),
        })
    };
    let category_fields = |a: &CategoryArgs| -> anyhow::Result<CategoryFields> {
        checked(&[("name", &a.name), ("description", &a.description)], None)?;
        Ok(CategoryFields {
            name: a.name.clone(),
            description: a.description.clone(),
        })
    };
    match cmd {
        Cmd::Faq {
            command: FaqCmd::Add(a),
        } => {
            if a.title.is_none() || a.content.is_none() {
                bail!("a FAQ entry has --title and --content");
            }
            print(&support.faq_add(&faq_fields(a)?, now).await?)
        }
        Cmd::Faq {
            command: FaqCmd::Edit { id, fields },
        } => {
            let faq = support.faq_edit(*id, &faq_fields(fields)?, now).await?;
            print(&faq.with_context(|| format!("no FAQ entry {id}"))?)
        }
        Cmd::Category {
            command: CategoryCmd::Add(a),
        } => {
            if a.name.is_none() {
                bail!("a category has a --name");
            }
            print(&support.category_add(&category_fields(a)?, now).await?)
        }
        Cmd::Category {
            command: CategoryCmd::Edit { id, fields },
        } => {
            let category = support
                .category_edit(*id, &category_fields(fields)?, now)
                .await?;
            print(&category.with_context(|| format!("no category {id}"))?)
        }
        Cmd::Feedback {
            command:
                FeedbackCmd::Reply {
                    feedback_id,
                    content,
                    manager,
                },
        } => {
            checked(&[("content", &Some(content.clone()))], None)?;
            let reply = support
                .reply(*feedback_id, content.trim(), *manager, now)
                .await?;
            print(&reply.with_context(|| format!("no feedback {feedback_id}"))?)
        }
        Cmd::Push {
            command:
                PushCmd::Record {
                    title,
                    body,
                    scope,
                    manager,
                },
        } => {
            checked(
                &[
                    ("title", &Some(title.clone())),
                    ("body", &Some(body.clone())),
                ],
                None,
            )?;
            let scope = Scope::parse(scope).context("--scope is all, android or ios (0, 1, 2)")?;
            let push = Push {
                records: Records::new(db, table),
            };
            print(
                &push
                    .record(title.trim(), body.trim(), scope, *manager, now)
                    .await?,
            )
        }
        Cmd::Client { .. } | Cmd::Company { .. } => unreachable!("handled in main"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (db, table) = connect(&cli).await?;
    let command = match &cli.command {
        Cmd::Company { command } => return company(command, db, &table).await,
        Cmd::Client { command } => command,
        other => return content(other, db, &table).await,
    };
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
        } => {
            let grants = if grants.is_empty() {
                vec!["authorization_code".to_owned(), "refresh_token".to_owned()]
            } else {
                grants.clone()
            };
            if let Some(g) = grants.iter().find(|g| !GRANTS.contains(&g.as_str())) {
                bail!("unknown grant type {g}; one of {GRANTS:?}");
            }
            if grants.iter().any(|g| g == "password") && !first_party {
                bail!("the password grant is for first-party clients (--first-party)");
            }
            if grants.iter().any(|g| g == "client_credentials") && *public {
                bail!("a public client cannot use client_credentials");
            }
            for uri in redirect_uris {
                let ok = uri.starts_with("https://")
                    || uri.starts_with("http://127.0.0.1")
                    || uri.starts_with("http://localhost");
                if !ok || uri.contains('#') {
                    bail!("redirect URIs are https (http only for loopback) and have no fragment: {uri}");
                }
            }
            let secret = (!public).then(|| crypto::random_secret(32));
            let client = Client {
                id: new_client_id(),
                name: name.clone(),
                secret_hash: secret.as_deref().map(crypto::sha256_hex),
                redirect_uris: redirect_uris.clone(),
                grant_types: grants,
                scopes: if scopes.is_empty() {
                    vec!["basic".to_owned()]
                } else {
                    scopes.clone()
                },
                first_party: *first_party,
                limits: parse_limits(limits)?,
                created_at: passport_shared::now(),
            };
            store.create(&client).await?;
            let mut out = view(&client);
            out["client_secret"] = serde_json::json!(secret);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ClientCmd::List => {
            let all: Vec<_> = store.list().await?.iter().map(view).collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
        ClientCmd::Limits { client_id, limits } => {
            if !store.set_limits(client_id, &parse_limits(limits)?).await? {
                bail!("no client {client_id}");
            }
            println!("limits of {client_id} set; send a RateLimitReset event to restart this hour's counts");
        }
    }
    Ok(())
}
