//! Users' companies (the open platform's companyService): set, show, delete, by username.

use crate::print;
use anyhow::Context;
use clap::Subcommand;
use passport_shared::storage::companies::{Companies, Company};
use passport_shared::storage::users::Users;

#[derive(clap::Args)]
pub struct CompanyArgs {
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
pub enum CompanyCmd {
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

async fn uid_of(users: &Users, username: &str) -> anyhow::Result<u64> {
    Ok(users
        .find_by_username(username)
        .await?
        .with_context(|| format!("no user {username}"))?
        .uid)
}

pub async fn run(
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
            print(&c)
        }
        CompanyCmd::Show { user } => {
            let uid = uid_of(&users, user).await?;
            print(&companies.get(uid).await?)
        }
        CompanyCmd::Delete { user } => {
            companies.delete(uid_of(&users, user).await?).await?;
            print(&serde_json::Value::Null)
        }
    }
}
