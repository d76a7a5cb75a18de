//! The mail suppression list (kept by the `mail` function from SES's bounce and complaint
//! notifications): list it, and lift an address once its mailbox works again.

use crate::print;
use clap::Subcommand;
use passport_shared::storage::suppressions::Suppressions;
use serde_json::json;

#[derive(Subcommand)]
pub enum MailCmd {
    /// Every suppressed address, with why and since when.
    Suppressed,
    /// Lets Passport mail an address again.
    Unsuppress { email: String },
}

pub async fn run(
    command: &MailCmd,
    db: aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<()> {
    let list = Suppressions::new(db, table);
    match command {
        MailCmd::Suppressed => {
            let all: Vec<_> = list
                .list()
                .await?
                .into_iter()
                .map(|s| json!({"email": s.email, "reason": s.reason, "since": passport_shared::datetime(s.at)}))
                .collect();
            print(&all)
        }
        MailCmd::Unsuppress { email } => {
            let lifted = list.lift(email).await?;
            print(&json!({"email": email.to_ascii_lowercase(), "lifted": lifted}))
        }
    }
}
