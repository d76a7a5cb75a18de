//! What users read that operators write: the FAQ, feedback categories, replies to
//! feedback, and the push log. Text fields are checked by the rules beside their types
//! (`FaqFields::check`, `CategoryFields::check`), the operator API's too, before anything
//! is written.

use crate::print;
use anyhow::{bail, Context};
use clap::Subcommand;
use passport_shared::aws::DynamoDbClient;
use passport_shared::storage::audit::Actor;
use passport_shared::storage::push::{Push, Scope};
use passport_shared::storage::records::Records;
use passport_shared::storage::support::{
    reply_fine, text_fine, CategoryFields, FaqFields, Support, REPLY_MAX,
};

#[derive(clap::Args)]
pub struct FaqArgs {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub content: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    /// An https link to more.
    #[arg(long)]
    pub link: Option<String>,
}

#[derive(Subcommand)]
pub enum FaqCmd {
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
pub struct CategoryArgs {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Subcommand)]
pub enum CategoryCmd {
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
pub enum FeedbackCmd {
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
pub enum PushCmd {
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

fn support(db: DynamoDbClient, table: &str) -> Support {
    Support {
        records: Records::new(db, table),
    }
}

fn faq_fields(a: &FaqArgs, new: bool) -> anyhow::Result<FaqFields> {
    let fields = FaqFields {
        title: a.title.clone(),
        content: a.content.clone(),
        category: a.category.clone(),
        external_link: a.link.clone(),
    };
    match fields.check(new) {
        Ok(()) => Ok(fields),
        Err("external_link") => bail!("--link is an https address"),
        Err(field) => bail!("--{field} is missing, empty or has control characters"),
    }
}

fn category_fields(a: &CategoryArgs, new: bool) -> anyhow::Result<CategoryFields> {
    let fields = CategoryFields {
        name: a.name.clone(),
        description: a.description.clone(),
    };
    match fields.check(new) {
        Ok(()) => Ok(fields),
        Err(field) => bail!("--{field} is missing, empty or has control characters"),
    }
}

pub async fn faq(command: &FaqCmd, db: DynamoDbClient, table: &str) -> anyhow::Result<()> {
    let (support, now) = (support(db, table), passport_shared::now());
    match command {
        FaqCmd::Add(a) => print(&support.faq_add(&faq_fields(a, true)?, now).await?),
        FaqCmd::Edit { id, fields } => {
            let faq = support
                .faq_edit(*id, &faq_fields(fields, false)?, now)
                .await?;
            print(&faq.with_context(|| format!("no FAQ entry {id}"))?)
        }
    }
}

pub async fn category(
    command: &CategoryCmd,
    db: DynamoDbClient,
    table: &str,
) -> anyhow::Result<()> {
    let (support, now) = (support(db, table), passport_shared::now());
    match command {
        CategoryCmd::Add(a) => print(
            &support
                .category_add(&category_fields(a, true)?, now)
                .await?,
        ),
        CategoryCmd::Edit { id, fields } => {
            let category = support
                .category_edit(*id, &category_fields(fields, false)?, now)
                .await?;
            print(&category.with_context(|| format!("no category {id}"))?)
        }
    }
}

pub async fn feedback(
    command: &FeedbackCmd,
    db: DynamoDbClient,
    table: &str,
) -> anyhow::Result<()> {
    let FeedbackCmd::Reply {
        feedback_id,
        content,
        manager,
    } = command;
    if !reply_fine(content) {
        bail!("--content is empty, longer than {REPLY_MAX} characters or has control characters");
    }
    let reply = support(db, table)
        .reply(
            *feedback_id,
            content.trim(),
            &Actor {
                uid: *manager,
                name: "passport-admin".to_owned(),
            },
            passport_shared::now(),
        )
        .await?;
    print(&reply.with_context(|| format!("no feedback {feedback_id}"))?)
}

pub async fn push(command: &PushCmd, db: DynamoDbClient, table: &str) -> anyhow::Result<()> {
    let PushCmd::Record {
        title,
        body,
        scope,
        manager,
    } = command;
    if !text_fine(title) || !text_fine(body) {
        bail!("--title and --body are text without control characters");
    }
    let scope = Scope::parse(scope).context("--scope is all, android or ios (0, 1, 2)")?;
    let push = Push {
        records: Records::new(db, table),
    };
    let now = passport_shared::now();
    print(
        &push
            .record(title.trim(), body.trim(), scope, *manager, now)
            .await?,
    )
}
