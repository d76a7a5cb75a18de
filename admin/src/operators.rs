//! Operator roles: the first operator is granted here (after that, operators grant roles
//! in the operator API). A grant is the same write as the API's: the account's role and
//! its audit entry (by `passport-admin`) in one transaction.

use crate::print;
use anyhow::{bail, Context};
use clap::Subcommand;
use passport_shared::storage::audit::{self, Actor, Entry};
use passport_shared::storage::table::Table;
use passport_shared::storage::users::{Role, Standing, Users};
use serde_json::json;

#[derive(Subcommand)]
pub enum OperatorCmd {
    /// Gives an account an operator role (`operator`: every action; `support`: read only).
    Grant {
        username: String,
        #[arg(long, default_value = "operator")]
        role: String,
    },
    /// Takes the account's operator role away.
    Revoke { username: String },
}

pub async fn run(
    command: &OperatorCmd,
    db: aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<()> {
    let (username, role) = match command {
        OperatorCmd::Grant { username, role } => {
            let parsed = Role::parse(role)
                .with_context(|| format!("no role {role}: operator or support"))?;
            (username, Some(parsed))
        }
        OperatorCmd::Revoke { username } => (username, None),
    };
    let users = Users::new(db.clone(), table);
    let Some(user) = users.find_by_username(username).await? else {
        bail!("no account {username}");
    };
    let now = passport_shared::now();
    let entry = Entry {
        actor: Actor::cli(),
        action: "user.role",
        target: format!("user:{}", user.uid),
        before: json!({ "role": user.role.map(Role::as_str) }),
        after: json!({ "role": role.map(Role::as_str) }),
    };
    if user.role != role {
        let step = audit::step(&Table::new(db, table), &entry, now)?;
        if !users
            .set_standing(&user, Standing::Role(role), step, now)
            .await?
        {
            bail!("{username} changed meanwhile: run the command again");
        }
    }
    print(&json!({
        "uid": user.uid,
        "username": user.username,
        "role": role.map(Role::as_str),
    }))
}
