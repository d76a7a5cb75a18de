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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// An account.
pub fn user(uid: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: "PROFILE".to_owned(),
    }
}

/// Guard items: one per unique name, holding the uid that owns it. Names are compared
/// case-insensitively.
pub fn username_guard(username: &str) -> Key {
    Key {
        pk: format!("UNIQUE#USERNAME#{}", username.to_lowercase()),
        sk: "GUARD".to_owned(),
    }
}

pub fn email_guard(email: &str) -> Key {
    Key {
        pk: format!("UNIQUE#EMAIL#{}", email.to_ascii_lowercase()),
        sk: "GUARD".to_owned(),
    }
}

pub fn phone_guard(area: &str, number: &str) -> Key {
    Key {
        pk: format!("UNIQUE#PHONE#+{area}{number}"),
        sk: "GUARD".to_owned(),
    }
}

/// The failure counter of a sign-in name (the pk of its guard: a username, email or phone,
/// normalised as guards are), whether or not an account holds the name, so that the lockout
/// tells nothing about who has an account. Keyed by the SHA-256 of the name: a fixed length
/// whatever the client sent, and no name in the key.
pub fn sign_in_gate(name: &Key) -> Key {
    Key {
        pk: format!("SIGNIN#{}", passport_core::crypto::sha256_hex(&name.pk)),
        sk: "GATE".to_owned(),
    }
}

pub fn nickname_guard(nickname: &str) -> Key {
    Key {
        pk: format!("UNIQUE#NICKNAME#{}", nickname.to_lowercase()),
        sk: "GUARD".to_owned(),
    }
}

/// An identity at a social sign-in channel, bound to one account.
pub fn sns_guard(channel: &str, sns_id: &str) -> Key {
    Key {
        pk: format!("UNIQUE#SNS#{channel}#{sns_id}"),
        sk: "GUARD".to_owned(),
    }
}

/// The current verification code of one purpose for one destination (an email address or
/// an E.164 number), with its send counters.
pub fn code(purpose: &str, destination: &str) -> Key {
    Key {
        pk: format!("CODE#{purpose}#{}", destination.to_ascii_lowercase()),
        sk: "CODE".to_owned(),
    }
}

/// A captcha answer: the SHA-256 of the client's captcha key, and the scenario.
pub fn captcha(key_hash: &str, scenario: &str) -> Key {
    Key {
        pk: format!("CAPTCHA#{key_hash}"),
        sk: format!("SCENE#{scenario}"),
    }
}

/// A session: one sign-in (or authorization, or client token) and the tokens it has
/// issued, by its id (`sid`, also the first part of each token's `jti`).
pub fn session(sid: &str) -> Key {
    Key {
        pk: format!("SESSION#{sid}"),
        sk: "SESSION".to_owned(),
    }
}

/// A browser session of the hosted pages, by the SHA-256 of its cookie's secret.
pub fn browser_session(hash: &str) -> Key {
    Key {
        pk: format!("BROWSER#{hash}"),
        sk: "SESSION".to_owned(),
    }
}

/// The sort-key prefix of a user's consents.
pub const CONSENT_PREFIX: &str = "CONSENT#";

/// What a user allowed a client at the hosted consent page.
pub fn consent(uid: u64, client_id: &str) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: format!("{CONSENT_PREFIX}{client_id}"),
    }
}

/// The index partition listing every session of a user (`gsi1pk`): API sessions and
/// browser sessions.
pub fn sessions_of(uid: u64) -> String {
    format!("SESSIONS#{uid}")
}

/// An OAuth client (AppKey).
pub fn client(client_id: &str) -> Key {
    Key {
        pk: format!("CLIENT#{client_id}"),
        sk: "CLIENT".to_owned(),
    }
}

/// The index partition listing every client (`gsi1pk`), for the operator CLI.
pub const CLIENTS_INDEX: &str = "CLIENTS";

/// A suppressed mail address ([`crate::suppressions`]).
pub fn suppressed(email: &str) -> Key {
    Key {
        pk: format!("SUPPRESSED#{}", email.to_ascii_lowercase()),
        sk: "MAIL".to_owned(),
    }
}

/// The index partition listing every suppressed address.
pub const SUPPRESSED_LISTING: &str = "SUPPRESSED";

/// The abuse-limit counter of one action from one source address
/// ([`crate::throttles`]).
pub fn throttle(action: &str, source: &str) -> Key {
    Key {
        pk: format!("THROTTLE#{action}#{source}"),
        sk: "WINDOW".to_owned(),
    }
}

/// One hourly window of a client's calls to one API.
pub fn quota_window(client_id: &str, api: &str, window: i64) -> Key {
    Key {
        pk: format!("QUOTA#{client_id}"),
        sk: format!("{window}#{api}"),
    }
}

/// How many index partitions share the quota items of one window: every metered request
/// writes its client's item, and one partition for all of them would take every client's
/// writes on one key of the index.
pub const QUOTA_SHARDS: u32 = 32;

/// The index partition (`gsi1pk`) that lists `client_id`'s quota items of one window, for the
/// sweep: one of [`QUOTA_SHARDS`], by an FNV-1a hash of the client id (stable across builds).
pub fn quota_windows(window: i64, client_id: &str) -> String {
    quota_shard(window, quota_shard_of(client_id))
}

/// The index partition of `shard` (below [`QUOTA_SHARDS`]) of one window.
pub fn quota_shard(window: i64, shard: u32) -> String {
    format!("QUOTAWINDOW#{window}#{shard}")
}

fn quota_shard_of(client_id: &str) -> u32 {
    let hash = client_id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % QUOTA_SHARDS
}

/// An authorization code, by its SHA-256.
pub fn auth_code(hash: &str) -> Key {
    Key {
        pk: format!("AUTHCODE#{hash}"),
        sk: "CODE".to_owned(),
    }
}

/// A pending authorization request of the hosted sign-in page, by its SHA-256.
pub fn auth_request(hash: &str) -> Key {
    Key {
        pk: format!("AUTHREQ#{hash}"),
        sk: "REQUEST".to_owned(),
    }
}

/// An upstream identity provider (issue 20), by its id (the SNS channel it binds).
pub fn provider(id: &str) -> Key {
    Key {
        pk: format!("PROVIDER#{id}"),
        sk: "PROVIDER".to_owned(),
    }
}

/// The index partition that lists the upstream providers.
pub const PROVIDERS_INDEX: &str = "PROVIDERS";

/// An upstream sign-in under way (its `state`, by SHA-256).
pub fn upstream_login(hash: &str) -> Key {
    Key {
        pk: format!("UPSTREAM#{hash}"),
        sk: "LOGIN".to_owned(),
    }
}

/// A pushed authorization request (RFC 9126), by the SHA-256 of its `request_uri` id.
pub fn pushed_request(hash: &str) -> Key {
    Key {
        pk: format!("PAR#{hash}"),
        sk: "REQUEST".to_owned(),
    }
}

/// A client assertion's `jti` that was used (`private_key_jwt`), by the SHA-256 of the
/// client id and the jti: kept until the assertion expires, so it is taken once.
pub fn assertion(hash: &str) -> Key {
    Key {
        pk: format!("ASSERTION#{hash}"),
        sk: "JTI".to_owned(),
    }
}

/// An SNS ticket that was redeemed, by its id: kept until the ticket expires, so it is
/// redeemed once.
pub fn sns_ticket(id: &str) -> Key {
    Key {
        pk: format!("SNSTICKET#{id}"),
        sk: "SPENT".to_owned(),
    }
}

/// An open-platform auth code, by its SHA-256.
pub fn rest_code(hash: &str) -> Key {
    Key {
        pk: format!("RESTCODE#{hash}"),
        sk: "CODE".to_owned(),
    }
}

/// A user's company (open platform, document 003).
pub fn company(uid: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: "COMPANY".to_owned(),
    }
}

/// An id as a sort-key part: zero-padded, so string order is number order.
pub fn padded(id: u64) -> String {
    format!("{id:020}")
}

/// One edge of a friendship: `uid` lists `fid`.
pub fn friend(uid: u64, fid: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: format!("FRIEND#{}", padded(fid)),
    }
}

/// A message in `uid`'s inbox.
pub fn message(uid: u64, id: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: format!("MSG#{}", padded(id)),
    }
}

/// A calendar event of `uid`.
pub fn event(uid: u64, id: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: format!("EVENT#{}", padded(id)),
    }
}

/// The index partition of `uid`'s events by start time (`gsi1sk` = padded start).
pub fn events_of(uid: u64) -> String {
    format!("EVENTS#{uid}")
}

/// `uid`'s binding of a push-service client id.
pub fn push_binding(uid: u64, client_id: &str) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: format!("PUSH#{client_id}"),
    }
}

/// Which user holds a push-service client id.
pub fn push_client_guard(client_id: &str) -> Key {
    Key {
        pk: format!("UNIQUE#PUSHCLIENT#{client_id}"),
        sk: "GUARD".to_owned(),
    }
}

/// A push log entry (a broadcast), listed under [`PUSH_LOGS`] by id.
pub fn push_log(id: u64) -> Key {
    Key {
        pk: format!("PUSHLOG#{}", padded(id)),
        sk: "LOG".to_owned(),
    }
}

pub const PUSH_LOGS: &str = "PUSHLOGS";

/// The newest push log id `uid` cleared from their log.
pub fn push_cleared(uid: u64) -> Key {
    Key {
        pk: format!("USER#{uid}"),
        sk: "PUSHCLEARED".to_owned(),
    }
}

/// A FAQ entry, listed under [`FAQS`].
pub fn faq(id: u64) -> Key {
    Key {
        pk: format!("FAQ#{}", padded(id)),
        sk: "FAQ".to_owned(),
    }
}

pub const FAQS: &str = "FAQS";

/// A feedback category, listed under [`FEEDBACK_CATEGORIES`].
pub fn feedback_category(id: u64) -> Key {
    Key {
        pk: format!("FBCAT#{}", padded(id)),
        sk: "CATEGORY".to_owned(),
    }
}

pub const FEEDBACK_CATEGORIES: &str = "FBCATS";

/// A feedback (its record names its author), listed under [`feedbacks_of`] its author.
pub fn feedback(id: u64) -> Key {
    Key {
        pk: format!("FEEDBACK#{}", padded(id)),
        sk: "FEEDBACK".to_owned(),
    }
}

/// The operator's reply to a feedback (one per feedback).
pub fn feedback_reply(feedback_id: u64) -> Key {
    Key {
        pk: format!("FEEDBACK#{}", padded(feedback_id)),
        sk: "REPLY".to_owned(),
    }
}

/// The index partition of `uid`'s feedback.
pub fn feedbacks_of(uid: u64) -> String {
    format!("FEEDBACKS#{uid}")
}

/// The index partition of the replies `uid` has not read yet.
pub fn unread_replies_of(uid: u64) -> String {
    format!("UNREAD#{uid}")
}

/// An entry of the operator's audit log, under its target's partition (so one target's
/// history is one query) and listed newest first under [`AUDIT`] in `gsi1`.
pub fn audit(target: &str, id: u64) -> Key {
    Key {
        pk: format!("AUDIT#{target}"),
        sk: padded(id),
    }
}

pub const AUDIT: &str = "AUDIT";

/// The operators' inbox of feedback with `status` (0 open, 1 replied), of every category
/// or of one: each feedback is listed in both partitions of its status, sorted by id.
pub fn feedback_inbox(status: u8, category: Option<u64>) -> String {
    match category {
        Some(c) => format!("INBOX#FEEDBACK#{status}#{c}"),
        None => format!("INBOX#FEEDBACK#{status}"),
    }
}
