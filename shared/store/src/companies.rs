//! Users' companies for the open platform (document 003 §6.3), one per user, managed with
//! the operator CLI.

use super::attr::{n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Company {
    pub company_name: String,
    pub company_type: String,
    pub tax_number: String,
    pub province: String,
    pub city: String,
    pub zone: String,
    pub address: String,
    pub disable: String,
    pub tel_phone: String,
    pub legal_person_phone: String,
    pub legal_person_name: String,
    #[serde(default)]
    pub created_at: i64,
}

const TEXT_FIELDS: &[&str] = &[
    "company_name",
    "company_type",
    "tax_number",
    "province",
    "city",
    "zone",
    "address",
    "disable",
    "tel_phone",
    "legal_person_phone",
    "legal_person_name",
];

impl Company {
    fn fields(&self) -> [&String; 11] {
        [
            &self.company_name,
            &self.company_type,
            &self.tax_number,
            &self.province,
            &self.city,
            &self.zone,
            &self.address,
            &self.disable,
            &self.tel_phone,
            &self.legal_person_phone,
            &self.legal_person_name,
        ]
    }

    fn from_item(item: &Item) -> Result<Company, StoreError> {
        // Every field is written (empty when the operator gave none).
        let t = |k: &str| need_s(item, k);
        Ok(Company {
            company_name: t("company_name")?,
            company_type: t("company_type")?,
            tax_number: t("tax_number")?,
            province: t("province")?,
            city: t("city")?,
            zone: t("zone")?,
            address: t("address")?,
            disable: t("disable")?,
            tel_phone: t("tel_phone")?,
            legal_person_phone: t("legal_person_phone")?,
            legal_person_name: t("legal_person_name")?,
            created_at: need_n(item, "created_at")?,
        })
    }
}

pub struct Companies {
    table: Table,
}

impl Companies {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Companies {
        Companies {
            table: Table::new(client, table),
        }
    }

    /// Sets (creates or replaces) the company of `uid`.
    pub async fn put(&self, uid: u64, company: &Company) -> Result<(), StoreError> {
        let key = keys::company(uid);
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("company")),
            ("created_at".to_owned(), n(company.created_at)),
        ]);
        for (name, value) in TEXT_FIELDS.iter().zip(company.fields()) {
            item.insert((*name).to_owned(), s(value));
        }
        self.table.put(item).await?;
        Ok(())
    }

    pub async fn get(&self, uid: u64) -> Result<Option<Company>, StoreError> {
        let key = keys::company(uid);
        let item = self.table.get(&key, Read::Eventual).await?;
        item.as_ref().map(Company::from_item).transpose()
    }

    pub async fn delete(&self, uid: u64) -> Result<(), StoreError> {
        let key = keys::company(uid);
        self.table
            .delete_item(&key)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
