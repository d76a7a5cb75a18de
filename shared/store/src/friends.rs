//! Friendships: two edges (`USER#a / FRIEND#b` and `USER#b / FRIEND#a`) written or deleted
//! in one transaction, each conditioned, so a friendship is whole or absent (a new one with
//! the note to the befriended user in the same transaction).

use super::attr::{n, need_n, s};
use super::table::Table;
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};
use std::collections::HashMap;

pub struct Friends {
    table: Table,
}

/// A transaction refused by its conditions (the edges were, or were not, there).
fn is_cancelled<R>(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> bool {
    e.as_service_error()
        .is_some_and(|e| e.is_transaction_canceled_exception())
}

/// What making a friendship came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    Made,
    AlreadyFriends,
    NoSuchUser,
}

impl Friends {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Friends {
        Friends {
            table: Table::new(client, table),
        }
    }

    /// Makes `a` and `b` friends and puts `note` (a message numbered by its argument) in
    /// `b`'s inbox, all in one transaction that also checks `b`'s account exists: the
    /// friendship and its note are whole or absent.
    pub async fn make_with_note(
        &self,
        a: u64,
        b: u64,
        note: impl Fn(u64) -> super::records::Numbered,
        now: i64,
    ) -> Result<Made, StoreError> {
        let edge = |from: u64, to: u64| -> Result<TransactWriteItem, StoreError> {
            let key = keys::friend(from, to);
            self.table.put_new(HashMap::from([
                (keys::PK.to_owned(), s(key.pk)),
                (keys::SK.to_owned(), s(key.sk)),
                ("type".to_owned(), s("friend")),
                ("fid".to_owned(), n(to)),
                ("since".to_owned(), n(now)),
            ]))
        };
        let account = keys::user(b);
        let exists = ConditionCheck::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(account.pk))
            .key(keys::SK, s(account.sk))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        // A note whose id another writer took in the same millisecond is drawn again.
        for _ in 0..2 {
            let super::records::Numbered { key, index, record } = note(passport_core::ids::next());
            let index = index.as_ref().map(|(pk, sk)| (pk.as_str(), sk.as_str()));
            let note = super::records::Records::item(&key, index, &record);
            let sent = self
                .table
                .client()
                .transact_write_items()
                .transact_items(
                    TransactWriteItem::builder()
                        .condition_check(exists.clone())
                        .build(),
                )
                .transact_items(edge(a, b)?)
                .transact_items(edge(b, a)?)
                .transact_items(self.table.put_new(note)?)
                .send()
                .await;
            let failed = match sent {
                Ok(_) => return Ok(Made::Made),
                Err(e) if is_cancelled(&e) => super::cancelled_at(&e),
                Err(e) => return Err(sdk_error(e)),
            };
            // Reasons come in the order of the items: the account, the edges, the note.
            match failed.as_slice() {
                [true, ..] => return Ok(Made::NoSuchUser),
                [_, true, ..] | [_, _, true, ..] => return Ok(Made::AlreadyFriends),
                _ => continue,
            }
        }
        Err(StoreError("no free message id".into()))
    }

    /// Ends the friendship of `a` and `b`; false when there was none.
    pub async fn remove(&self, a: u64, b: u64) -> Result<bool, StoreError> {
        let edge = |from: u64, to: u64| -> Result<TransactWriteItem, StoreError> {
            let key = keys::friend(from, to);
            let delete = Delete::builder()
                .table_name(self.table.name())
                .key(keys::PK, s(key.pk))
                .key(keys::SK, s(key.sk))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(|e| StoreError(e.to_string()))?;
            Ok(TransactWriteItem::builder().delete(delete).build())
        };
        let sent = self
            .table
            .client()
            .transact_write_items()
            .transact_items(edge(a, b)?)
            .transact_items(edge(b, a)?)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if is_cancelled(&e) => Ok(false),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Every friend of `uid` with the time the friendship began, in uid order.
    pub async fn of(&self, uid: u64) -> Result<Vec<(u64, i64)>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .table
                .query()
                .key_condition_expression("pk = :p AND begins_with(sk, :f)")
                .expression_attribute_values(":p", s(format!("USER#{uid}")))
                .expression_attribute_values(":f", s("FRIEND#"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for i in page.items() {
                out.push((need_n(i, "fid")?, need_n(i, "since")?));
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

/// Friends of friends who are not yet friends (nor `me`), ranked by how many friends they
/// share with `me` (most first), then by how recently the newest of those shared friendships
/// began (newest first), then by uid; at most `limit`.
pub fn recommend(
    me: u64,
    mine: &[(u64, i64)],
    theirs: &[(u64, Vec<(u64, i64)>)],
    limit: usize,
) -> Vec<(u64, usize)> {
    use std::collections::HashMap;
    let known: std::collections::HashSet<u64> = mine.iter().map(|(f, _)| *f).collect();
    let mut score: HashMap<u64, (usize, i64)> = HashMap::new();
    for (_, friends) in theirs {
        for (candidate, since) in friends {
            if *candidate == me || known.contains(candidate) {
                continue;
            }
            let entry = score.entry(*candidate).or_insert((0, 0));
            entry.0 += 1;
            entry.1 = entry.1.max(*since);
        }
    }
    let mut ranked: Vec<(u64, (usize, i64))> = score.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1 .0
            .cmp(&a.1 .0)
            .then(b.1 .1.cmp(&a.1 .1))
            .then(a.0.cmp(&b.0))
    });
    ranked
        .into_iter()
        .take(limit)
        .map(|(u, (c, _))| (u, c))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn friends_of_friends_rank_by_shared_friends() {
        // me=1, friends 2 and 3; 2 knows 4, 5; 3 knows 4, 6, 1; 5 is newer than 6.
        let mine = [(2, 10), (3, 10)];
        let theirs = vec![
            (2, vec![(1, 10), (4, 20), (5, 50)]),
            (3, vec![(1, 10), (4, 30), (6, 40), (2, 5)]),
        ];
        assert_eq!(
            super::recommend(1, &mine, &theirs, 10),
            vec![(4, 2), (5, 1), (6, 1)]
        );
        assert_eq!(super::recommend(1, &mine, &theirs, 1), vec![(4, 2)]);
        assert!(super::recommend(1, &[], &[], 10).is_empty());
    }
}
