//! What a reader has read: [`ReadStats`] and each [`Rejection`].

use crate::error::{Error, Position};

/// One rejected record.
#[derive(Debug)]
pub struct Rejection {
    /// Where the record is.
    pub position: Position,
    /// Why it was rejected.
    pub error: Error,
}

/// What a reader has read so far. `records_read == accepted + rejected.len()` always holds.
#[derive(Debug, Default)]
pub struct ReadStats {
    /// Records read (accepted and rejected).
    pub records_read: u64,
    /// Records yielded as accounts.
    pub accepted: u64,
    /// Every rejected record, in input order (so memory grows with the number of rejects,
    /// each error's value being clipped to 200 characters).
    pub rejected: Vec<Rejection>,
    /// Cresci `tweets.csv`: rows that could not be read (lenient mode; strict mode fails to open).
    pub rejected_posts: Vec<Rejection>,
    /// Cresci `tweets.csv`: posts whose `user_id` matched no account read (known once the
    /// reader is exhausted).
    pub unmatched_posts: u64,
}
