//! What a reader has read: [`ReadStats`] and each [`Rejection`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Position};

/// A record that was rejected (malformed, or a repeat of an earlier one): where it is and why.
///
/// Readers keep one per rejected record in [`ReadStats`], and an audit lists them in its
/// report's `rejections`. The typed [`Error`] is at hand ([`Rejection::error`]) except in a
/// rejection read back from a report's JSON, which keeps the three keys `record`, `line` and
/// `reason` (the error's full message: input, position, field, value and what is wrong).
#[derive(Clone, Debug)]
pub struct Rejection {
    position: Position,
    cause: Cause,
}

/// What a [`Rejection`] knows of its cause: the error itself, or its message alone.
#[derive(Clone, Debug)]
enum Cause {
    Error(Arc<Error>),
    Message(String),
}

impl Rejection {
    /// A rejection at `position` for `error`.
    pub(crate) fn new(position: Position, error: Error) -> Rejection {
        Rejection {
            position,
            cause: Cause::Error(Arc::new(error)),
        }
    }

    /// Where the record is.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The 1-based record number in the input.
    pub fn record(&self) -> u64 {
        self.position.record
    }

    /// The 1-based line, when the format is line-oriented.
    pub fn line(&self) -> Option<u64> {
        self.position.line
    }

    /// Why the record was rejected, as a typed error (a [`Error::Parse`] or
    /// [`Error::Duplicate`] for a record read); `None` when the rejection was read back from
    /// a report's JSON, which keeps the message only.
    pub fn error(&self) -> Option<&Error> {
        match &self.cause {
            Cause::Error(e) => Some(e),
            Cause::Message(_) => None,
        }
    }

    /// The error's full message: input, position, field, value and what is wrong.
    pub fn reason(&self) -> Cow<'_, str> {
        match &self.cause {
            Cause::Error(e) => Cow::Owned(e.to_string()),
            Cause::Message(m) => Cow::Borrowed(m),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl PartialEq for Rejection {
    /// Same position and same message.
    fn eq(&self, other: &Rejection) -> bool {
        self.position == other.position && self.reason() == other.reason()
    }
}

/// The serialized form: the keys reports have always had.
#[derive(Serialize, Deserialize)]
struct RejectionRepr<'a> {
    record: u64,
    line: Option<u64>,
    reason: Cow<'a, str>,
}

impl Serialize for Rejection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RejectionRepr {
            record: self.record(),
            line: self.line(),
            reason: self.reason(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Rejection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rejection, D::Error> {
        let r = RejectionRepr::deserialize(deserializer)?;
        Ok(Rejection {
            position: Position::new(r.record, r.line),
            cause: Cause::Message(r.reason.into_owned()),
        })
    }
}

/// What a reader has read so far. `records_read == accepted + rejected.len()` always holds.
#[derive(Debug, Default)]
#[non_exhaustive]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_serializes_to_the_report_keys_and_reads_back_equal() {
        let error = Error::Parse {
            origin: "users.csv".into(),
            position: Position::new(3, Some(4)),
            field: "followers_count".into(),
            value: "-5".into(),
            reason: "negative count".into(),
        };
        let message = error.to_string();
        let r = Rejection::new(Position::new(3, Some(4)), error);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"record": 3, "line": 4, "reason": message})
        );
        let back: Rejection = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        assert!(back.error().is_none() && r.error().is_some());
        assert_eq!((back.record(), back.line()), (3, Some(4)));
        assert_eq!(back.to_string(), message);
    }
}
