//! Raw records of the record-at-a-time JSON path: what a [`Source`] splits an input into and
//! what a [`Convert`] turns into accounts.

use crate::account::Account;
use crate::error::{Position, Result};

/// A raw record as the splitter found it, before conversion.
pub(crate) struct Raw {
    pub record: u64,
    pub line: Option<u64>,
    pub payload: Payload,
}

impl Raw {
    pub(crate) fn position(&self) -> Position {
        Position::new(self.record, self.line)
    }
}

pub(crate) enum Payload {
    Json(Vec<u8>),
}

/// Yields raw records in order; an `Err` is fatal (the source ends after it).
pub(crate) trait Source: Send {
    fn next_raw(&mut self) -> Option<Result<Raw>>;
}

/// Turns one raw record into accounts (usually one; a v2 response gives many). Pure.
pub(crate) trait Convert: Send + Sync {
    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>);
}
