//! Every key of the table, built in one place.
//!
//! The table has a partition key `pk`, a sort key `sk`, one global secondary index `gsi1`
//! (`gsi1pk`, `gsi1sk`) for listings, and the TTL attribute `expires_at` (epoch seconds).

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const TTL: &str = "expires_at";

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

/// A guestbook entry.
pub fn guestbook_entry(id: &str) -> Key {
    Key {
        pk: format!("GUESTBOOK#{id}"),
        sk: "ENTRY".to_owned(),
    }
}

/// The listing of guestbook entries, newest last when read forward.
pub fn guestbook_listing(created_at_rfc3339: &str, id: &str) -> Key {
    Key {
        pk: "GUESTBOOK".to_owned(),
        sk: format!("{created_at_rfc3339}#{id}"),
    }
}
