//! CSV access every CSV format shares: a file's [`Header`] with our columns resolved
//! (honouring a [`ColumnMap`]), and typed field access to one record ([`Row`]) with errors that
//! name the origin, the position, the column and the value.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csv::ByteRecord;

use super::blocks::Record;
use super::columns::{normalize, ColumnMap};
use super::format::Format;
use super::values::{
    check_created, field_error, is_missing, parse_bool, parse_count_general, parse_date,
    parse_ratio, plain_count, trim,
};
use crate::account::Platform;
use crate::error::{Error, Position, Result};

/// A CSV header: the file's names, and where each of our columns is.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    /// The file's column names as written (for error messages).
    pub names: Vec<String>,
    index: HashMap<String, usize>,
    /// Number of fields every record must have.
    pub len: usize,
    /// 1 when records carry an unnamed leading row-name field the header lacks (R's
    /// `write.table`), else 0.
    pub offset: usize,
}

impl Header {
    pub(crate) fn new(rec: &ByteRecord) -> Header {
        let names: Vec<String> = rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            index.entry(normalize(n)).or_insert(i);
        }
        Header {
            len: names.len(),
            names,
            index,
            offset: 0,
        }
    }

    /// Finds our column `ours` (or one of its aliases), honouring the mapping.
    pub(crate) fn find(
        &self,
        ours: &str,
        aliases: &[&str],
        map: &ColumnMap,
        origin: &str,
    ) -> Result<Option<usize>> {
        if let Some(theirs) = map.get(ours) {
            return match self.index.get(&normalize(theirs)) {
                Some(&i) => Ok(Some(i)),
                None => Err(Error::Format {
                    origin: origin.to_string(),
                    reason: format!(
                        "column `{theirs}` (mapped to `{ours}`) is not in the header ({})",
                        self.names.join(", ")
                    ),
                }),
            };
        }
        Ok(std::iter::once(ours)
            .chain(aliases.iter().copied())
            .find_map(|n| self.index.get(&normalize(n)).copied()))
    }

    /// The following count's column when the follower count's column `followers` is plain
    /// `followers`: plain `following` (or one of `aliases`). Elsewhere (a v1.1 export, a
    /// scraper's profile) `following` may be a flag: whether the exporting account follows
    /// this one.
    pub(crate) fn plain_following(
        &self,
        followers: Option<usize>,
        aliases: &[&str],
        origin: &str,
    ) -> Result<Option<usize>> {
        if !followers.is_some_and(|i| self.names[i].eq_ignore_ascii_case("followers")) {
            return Ok(None);
        }
        self.find("following", aliases, &ColumnMap::new(), origin)
    }

    /// The names of the columns for which `read` is false, empty names left out: what a
    /// reader leaves unread (see [`crate::AccountReader::unread_columns`]).
    pub(crate) fn unread(&self, read: impl Fn(usize) -> bool) -> Vec<String> {
        (self.names.iter().enumerate())
            .filter(|&(i, n)| !read(i) && !n.is_empty())
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// Fails when the mapping names a column this format does not have.
    pub(crate) fn check_mapping(map: &ColumnMap, known: &[&str], format: Format) -> Result<()> {
        for (ours, _) in map.pairs() {
            if !known.contains(&ours) {
                return Err(Error::InvalidParams {
                    name: "columns".into(),
                    reason: format!(
                        "`{ours}` is not a {format} column; known: {}",
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}

/// What converting one record after another reuses: the string buffers of fields that became
/// missing (see [`Row::text_into`]), and the crawl time's last raw value with its parse (the
/// crawl time of an export is often the same from record to record).
#[derive(Debug, Default)]
pub(crate) struct Reuse {
    pub strings: Vec<String>,
    pub crawled: LastDate,
}

/// A date column's last parsed raw value and its date (see [`Row::date_reusing`]).
#[derive(Debug, Default)]
pub(crate) struct LastDate {
    raw: Vec<u8>,
    date: Option<DateTime<Utc>>,
}

/// One CSV record with the context its errors need.
pub(crate) struct Row<'a, R: Record + ?Sized = ByteRecord> {
    pub rec: &'a R,
    pub header: &'a Header,
    pub origin: &'a str,
    pub pos: Position,
}

impl<'a, R: Record + ?Sized> Row<'a, R> {
    /// `rec` read under `header`, once its number of fields is checked against the header's.
    pub(crate) fn checked(
        rec: &'a R,
        header: &'a Header,
        origin: &'a str,
        pos: Position,
    ) -> Result<Self> {
        let row = Row {
            rec,
            header,
            origin,
            pos,
        };
        row.check_len()?;
        Ok(row)
    }

    /// Checks the number of fields against the header.
    pub(crate) fn check_len(&self) -> Result<()> {
        let want = self.header.len + self.header.offset;
        if self.rec.len() == want {
            return Ok(());
        }
        let shown: Vec<String> = (0..self.rec.len())
            .map(|i| String::from_utf8_lossy(self.rec.get(i).unwrap_or(b"")).into_owned())
            .collect();
        // Said of the header as the file has it, and of the row names when the records
        // carry them.
        let has = match self.header.offset {
            0 => format!("the header has {}", self.header.len),
            _ => format!(
                "the header has {} and the records a row name before them",
                self.header.len
            ),
        };
        let reason = if self.rec.len() < want {
            format!("truncated record: {} fields, {has}", self.rec.len())
        } else {
            format!("{} fields, {has}", self.rec.len())
        };
        Err(field_error(
            self.origin,
            self.pos,
            "<record>",
            &shown.join(","),
            reason,
        ))
    }

    #[inline]
    pub(crate) fn raw(&self, col: usize) -> &'a [u8] {
        self.rec.get(col + self.header.offset).unwrap_or(b"")
    }

    pub(crate) fn err(&self, col: usize, raw: &[u8], reason: impl Into<String>) -> Error {
        field_error(
            self.origin,
            self.pos,
            &self.header.names[col],
            &String::from_utf8_lossy(raw),
            reason,
        )
    }

    /// Column `col` as text (`None`: no such column, or a missing value). A field the record
    /// already knows to be valid UTF-8 is not checked again; an invalid one is an error naming
    /// the first bad byte.
    #[inline]
    pub(crate) fn str(&self, col: Option<usize>) -> Result<Option<&'a str>> {
        let Some(col) = col else { return Ok(None) };
        let raw = self.raw(col);
        if is_missing(raw) {
            return Ok(None);
        }
        if let Some(text) = self.rec.known_str(col + self.header.offset) {
            return Ok(Some(text));
        }
        match std::str::from_utf8(raw) {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(self.err(
                col,
                raw,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            )),
        }
    }

    #[inline]
    pub(crate) fn text(&self, col: Option<usize>) -> Result<Option<String>> {
        Ok(self.str(col)?.map(str::to_string))
    }

    /// Text of a column an export fills for every record, empty when the account has none
    /// (an Instagram export's biography or website): `Some("")` for a missing value in the
    /// column; `None` only when there is no such column.
    pub(crate) fn text_or_blank(&self, col: Option<usize>) -> Result<Option<String>> {
        if col.is_none() {
            return Ok(None);
        }
        Ok(Some(self.str(col)?.unwrap_or_default().to_string()))
    }

    /// [`Row::text`] into `slot`, reusing its buffer, or one from `spare` (where a buffer goes
    /// when its field is missing).
    #[inline]
    pub(crate) fn text_into(
        &self,
        col: Option<usize>,
        slot: &mut Option<String>,
        spare: &mut Vec<String>,
    ) -> Result<()> {
        match self.str(col)? {
            Some(s) => {
                let buf = slot.get_or_insert_with(|| spare.pop().unwrap_or_default());
                buf.clear();
                buf.push_str(s);
            }
            None => {
                if let Some(buf) = slot.take() {
                    spare.push(buf);
                }
            }
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn count(&self, col: Option<usize>) -> Result<Option<u64>> {
        let Some(col) = col else { return Ok(None) };
        let raw = self.raw(col);
        if let Some(n) = plain_count(raw) {
            return Ok(Some(n));
        }
        if is_missing(trim(raw)) {
            return Ok(None);
        }
        parse_count_general(raw)
            .map(Some)
            .map_err(|r| self.err(col, raw, r))
    }

    pub(crate) fn count32(&self, col: Option<usize>) -> Result<Option<u32>> {
        match self.count(col)? {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| {
                let c = col.unwrap_or(0);
                self.err(c, self.raw(c), "count exceeds 4294967295")
            }),
        }
    }

    /// A boolean where the empty string means `false` (the MIB convention of `"1"` / empty);
    /// `NULL` is missing.
    #[inline]
    pub(crate) fn flag(&self, col: Option<usize>) -> Result<Option<bool>> {
        let Some(col) = col else { return Ok(None) };
        let raw = self.raw(col);
        // The usual values first, as the general path below reads them.
        match raw {
            b"" | b"0" => return Ok(Some(false)),
            b"1" => return Ok(Some(true)),
            _ => {}
        }
        let raw = trim(raw);
        if raw.is_empty() {
            return Ok(Some(false));
        }
        if is_missing(raw) {
            return Ok(None);
        }
        parse_bool(raw).map(Some).map_err(|r| self.err(col, raw, r))
    }

    /// A boolean where the empty string is missing.
    pub(crate) fn boolean(&self, col: Option<usize>) -> Result<Option<bool>> {
        let Some(col) = col else { return Ok(None) };
        let raw = trim(self.raw(col));
        if is_missing(raw) {
            return Ok(None);
        }
        parse_bool(raw).map(Some).map_err(|r| self.err(col, raw, r))
    }

    pub(crate) fn ratio(&self, col: Option<usize>) -> Result<Option<f64>> {
        let Some(col) = col else { return Ok(None) };
        let raw = self.raw(col);
        if is_missing(trim(raw)) {
            return Ok(None);
        }
        parse_ratio(raw)
            .map(Some)
            .map_err(|r| self.err(col, raw, r))
    }

    #[inline]
    pub(crate) fn date(&self, col: Option<usize>) -> Result<Option<DateTime<Utc>>> {
        let Some(col) = col else { return Ok(None) };
        let raw = self.raw(col);
        if is_missing(trim(raw)) {
            return Ok(None);
        }
        parse_date(raw).map(Some).map_err(|r| self.err(col, raw, r))
    }

    /// [`Row::date`], taken from `last` when the raw value is the one parsed there last (the
    /// same bytes parse to the same date); a value that parses is remembered in `last`.
    #[inline]
    pub(crate) fn date_reusing(
        &self,
        col: Option<usize>,
        last: &mut LastDate,
    ) -> Result<Option<DateTime<Utc>>> {
        let Some(c) = col else { return Ok(None) };
        let raw = self.raw(c);
        if let Some(d) = last.date {
            if last.raw == raw {
                return Ok(Some(d));
            }
        }
        let date = self.date(col)?;
        if let Some(d) = date {
            last.raw.clear();
            last.raw.extend_from_slice(raw);
            last.date = Some(d);
        }
        Ok(date)
    }

    /// A creation date, checked against the platform's launch and the crawl time.
    pub(crate) fn created(
        &self,
        col: Option<usize>,
        platform: Platform,
        crawled: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>> {
        let date = self.date(col)?;
        if let (Some(d), Some(c)) = (date, col) {
            check_created(d, platform, crawled).map_err(|r| self.err(c, self.raw(c), r))?;
        }
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembered date is the one parsing gives, whatever came before: equal values,
    /// changed values, missing values and values that do not parse.
    #[test]
    fn reused_dates_equal_parsed_dates() {
        let header = Header::new(&ByteRecord::from(vec!["updated"]));
        let mut last = LastDate::default();
        for (k, v) in [
            "2015-02-14 10:54:49",
            "2015-02-14 10:54:49",
            "",
            "2015-02-14 10:54:49",
            "not a date",
            "2015-02-14 10:54:49",
            "2015-02-14 10:54:50",
            "NULL",
            "2015-02-14 10:54:50",
        ]
        .into_iter()
        .enumerate()
        {
            let rec = ByteRecord::from(vec![v]);
            let row = Row {
                rec: &rec,
                header: &header,
                origin: "t.csv",
                pos: Position::new(k as u64 + 1, None),
            };
            let plain = row.date(Some(0)).map_err(|e| e.to_string());
            let reused = row
                .date_reusing(Some(0), &mut last)
                .map_err(|e| e.to_string());
            assert_eq!(plain, reused, "record {k}: {v:?}");
        }
    }
}
