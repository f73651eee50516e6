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
    /// The input's name, for errors.
    fn origin(&self) -> &str;
}

/// `convert`'s accounts of `raw` added to `out`, each from which no field was read refused
/// ([`refuse_blank`]).
pub(crate) fn convert_checked(convert: &dyn Convert, raw: &Raw, out: &mut Vec<Result<Account>>) {
    let from = out.len();
    convert.convert(raw, out);
    refuse_blank(raw, convert.origin(), out, from);
}

/// `account` as read from the list entry `entry` (a user of a page), or, when no field at all
/// was read from it, an error naming the entry's path and keys.
pub(crate) fn entry_or_blank(
    entry: &super::json::Obj<'_>,
    account: Result<Account>,
) -> Result<Account> {
    match account {
        Ok(a) if is_blank(&a) => Err(entry.blank_error()),
        other => other,
    }
}

/// Turns each account of `out[from..]` from which no field at all was read (no id, name,
/// count, date, text, flag or timeline) into an error naming the record's keys: a wrapper
/// this reader does not know (`{"items": [...]}`, a paging envelope) would otherwise be
/// scored as one follower with nothing known about it.
pub(crate) fn refuse_blank(raw: &Raw, origin: &str, out: &mut [Result<Account>], from: usize) {
    for item in out.iter_mut().skip(from) {
        let Ok(a) = item else { continue };
        if !is_blank(a) {
            continue;
        }
        let Payload::Json(bytes) = &raw.payload;
        let mut keys = super::json::top_keys(bytes);
        keys.truncate(12);
        let shown = if keys.is_empty() {
            "no key".to_string()
        } else {
            format!("keys: {}", keys.join(", "))
        };
        *item = Err(super::values::field_error(
            origin,
            raw.position(),
            "<record>",
            &shown,
            super::json::BLANK_REASON,
        ));
    }
}

/// Whether nothing at all is known of `a`: no id, text, count, date, flag, text summary,
/// timeline or engagement time. (A crawl time says when, not who: alone it is still no
/// follower.)
fn is_blank(a: &Account) -> bool {
    let p = &a.profile;
    // Equal to a profile that knows nothing but these two (no allocation: every text of the
    // default is `None`); `Profile`'s equality covers every field, a later one included.
    let nothing = crate::account::Profile {
        platform: p.platform,
        crawled_at: p.crawled_at,
        ..Default::default()
    };
    *p == nothing && a.activity.is_none() && a.engaged_at.is_none()
}
