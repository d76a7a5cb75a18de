//! Numbers for records without a shared counter.
//!
//! The documents show record ids (messages, events, FAQ entries, feedback, replies, push
//! bindings and logs) as integers that grow with time. A counter item per kind gives that,
//! but every writer of the kind updates the same item (one hot key), and the update is a
//! round trip before the record's own write. An id here is the milliseconds since
//! [`EPOCH_MS`] and [`RANDOM_BITS`] random bits below them: made without a round trip,
//! ordered by time (to the millisecond), and below 2^53, so JavaScript's numbers and every
//! 64-bit integer hold it exactly until 2093. Two writers in one millisecond draw the same
//! id once in 4096 times; the record's write is conditional, and the loser draws again
//! (`passport_store::records::Records::create_numbered`).

use rand::Rng;

/// 2024-01-01T00:00:00Z, in milliseconds since the Unix epoch.
pub const EPOCH_MS: u64 = 1_704_067_200_000;

/// Random bits below the milliseconds.
pub const RANDOM_BITS: u32 = 12;

/// The largest id: 2^53 - 1, the largest integer a JavaScript number holds exactly.
pub const MAX: u64 = (1 << 53) - 1;

/// The id of `random` (its low [`RANDOM_BITS`]) at `unix_ms`.
pub fn at(unix_ms: u64, random: u64) -> u64 {
    let ms = unix_ms.saturating_sub(EPOCH_MS);
    ((ms << RANDOM_BITS) | (random & ((1 << RANDOM_BITS) - 1))).min(MAX)
}

/// The largest id made at or before `unix_ms`: every record numbered up to then is at most
/// this (how "everything sent so far" is written without reading a counter).
pub fn ceiling(unix_ms: u64) -> u64 {
    at(unix_ms, u64::MAX)
}

/// A new id, now.
pub fn next() -> u64 {
    at(now_ms(), rand::rng().random())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    u64::try_from(now).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_grow_with_time_and_stay_below_two_to_the_53() {
        let t = 1_764_633_600_000; // 2025-12-02
        assert!(at(t, 4095) < at(t + 1, 0));
        assert!(at(t, 0) < at(t, 1));
        assert_eq!(ceiling(t), at(t, 4095));
        // 2093-01-01 still fits; nothing is ever above MAX.
        assert!(at(3_881_174_400_000, u64::MAX) <= MAX);
        assert_eq!(at(u64::MAX, u64::MAX), MAX);
        // Before the epoch (a clock far behind): small ids, never a panic.
        assert_eq!(at(0, 7), 7);
    }

    #[test]
    fn a_new_id_is_after_what_came_before_it() {
        let before = ceiling(now_ms().saturating_sub(1));
        let id = next();
        assert!(id > before, "{id} > {before}");
        assert!(id <= ceiling(now_ms()));
    }
}
