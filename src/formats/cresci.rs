//! CSV inputs: the header and column resolution every CSV format shares, the Cresci / MIB
//! `users.csv` conversion, and the `tweets.csv` join.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use csv::{ByteRecord, ReaderBuilder};

use super::blocks::{
    tokenize, tokenize_owned, Block, Cursor, Placed, Record, Splitter, Tokens, BLOCK_BYTES,
};
use super::columns::{normalize, ColumnMap};
use super::dedup::{hash_str, PassThrough};
use super::format::Format;
use super::instagram::{KaggleColumns, ParmaColumns, SrfColumns};
use super::options::{Mode, ReadOptions};
use super::stats::Rejection;
use super::values::{
    check_created, field_error, is_missing, parse_bool, parse_count, parse_date, parse_ratio,
    strip_source, trim,
};
use crate::account::{Account, Label, Platform, Post};
use crate::error::{Error, Position, Result};
use rayon::prelude::*;

/// A CSV header: the file's names, and where each of our columns is.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    /// The file's column names as written (for error messages).
    pub names: Vec<String>,
    index: HashMap<String, usize>,
    /// Number of fields every record must have.
    pub len: usize,
    /// 1 when records carry an unnamed leading index field the header lacks (R's
    /// `write.csv`), else 0.
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
            return match self.index.get(theirs) {
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
            .find_map(|n| self.index.get(n).copied()))
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

/// One CSV record with the context its errors need.
pub(crate) struct Row<'a, R: Record + ?Sized = ByteRecord> {
    pub rec: &'a R,
    pub header: &'a Header,
    pub origin: &'a str,
    pub pos: Position,
}

impl<'a, R: Record + ?Sized> Row<'a, R> {
    /// Checks the number of fields against the header.
    pub(crate) fn check_len(&self) -> Result<()> {
        let want = self.header.len + self.header.offset;
        if self.rec.len() == want {
            return Ok(());
        }
        let shown: Vec<String> = (0..self.rec.len())
            .map(|i| String::from_utf8_lossy(self.rec.get(i).unwrap_or(b"")).into_owned())
            .collect();
        let reason = if self.rec.len() < want {
            format!(
                "truncated record: {} fields, the header has {want}",
                self.rec.len()
            )
        } else {
            format!("{} fields, the header has {want}", self.rec.len())
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
        if is_missing(trim(raw)) {
            return Ok(None);
        }
        parse_count(raw)
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
        let raw = trim(self.raw(col));
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

/// Where each Cresci / MIB `users.csv` column is in a file, resolved once from its header.
///
/// [`CresciColumns::convert`] is a pure function of one record, so chunks of records can be
/// converted in parallel (see [`ReadOptions::parallel_chunk`](super::ReadOptions::parallel_chunk)).
///
/// Columns matched (any order, any letter case, extra columns ignored; aliases in parentheses):
/// `id` (`id_str`), `name` (`user_name`, the display name in the Fast Followerz 2017 CSV),
/// `screen_name`, `description`, `url`, `location`, `lang`,
/// `created_at`, `statuses_count`, `followers_count`, `friends_count`, `favourites_count`
/// (`favorites_count`), `listed_count`, `default_profile`, `default_profile_image`,
/// `profile_use_background_image`, `verified`, `protected`, `geo_enabled`, `crawled_at`
/// (`updated`), and `dataset` (read only for the label, when asked). At least `id` or
/// `screen_name` must be present.
#[derive(Clone, Debug)]
pub struct CresciColumns {
    header: Header,
    origin: String,
    dataset_labels: bool,
    id: Option<usize>,
    name: Option<usize>,
    screen_name: Option<usize>,
    description: Option<usize>,
    url: Option<usize>,
    location: Option<usize>,
    lang: Option<usize>,
    created_at: Option<usize>,
    statuses_count: Option<usize>,
    followers_count: Option<usize>,
    friends_count: Option<usize>,
    favourites_count: Option<usize>,
    listed_count: Option<usize>,
    default_profile: Option<usize>,
    default_profile_image: Option<usize>,
    profile_use_background_image: Option<usize>,
    verified: Option<usize>,
    protected: Option<usize>,
    geo_enabled: Option<usize>,
    crawled_at: Option<usize>,
    dataset: Option<usize>,
}

/// Our Cresci column names (the keys a [`ColumnMap`] may use for this format).
const CRESCI_COLUMNS: [&str; 21] = [
    "id",
    "name",
    "screen_name",
    "description",
    "url",
    "location",
    "lang",
    "created_at",
    "statuses_count",
    "followers_count",
    "friends_count",
    "favourites_count",
    "listed_count",
    "default_profile",
    "default_profile_image",
    "profile_use_background_image",
    "verified",
    "protected",
    "geo_enabled",
    "crawled_at",
    "dataset",
];

impl CresciColumns {
    /// Resolves the columns from a header record.
    ///
    /// # Errors
    /// [`Error::Format`] when neither `id` nor `screen_name` is present or a mapped column is
    /// missing; [`Error::InvalidParams`] when the mapping names a column we do not know.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::formats::CresciColumns;
    /// use follower_audit::{ColumnMap, Position};
    /// let header = csv::ByteRecord::from(vec!["user_name", "screen_name", "fans"]);
    /// let map: ColumnMap = "name=user_name,followers_count=fans".parse()?;
    /// let cols = CresciColumns::resolve(&header, &map, "mine.csv")?;
    /// let row = csv::ByteRecord::from(vec!["Ann", "ann", "12"]);
    /// let account = cols.convert(&row, Position::new(1, Some(2)))?;
    /// assert_eq!(account.profile.followers_count, Some(12));
    /// assert_eq!(account.profile.name.as_deref(), Some("Ann"));
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn resolve(headers: &ByteRecord, map: &ColumnMap, origin: &str) -> Result<CresciColumns> {
        Header::check_mapping(map, &CRESCI_COLUMNS, Format::CresciCsv)?;
        let header = Header::new(headers);
        let f = |ours: &str, aliases: &[&str]| header.find(ours, aliases, map, origin);
        let cols = CresciColumns {
            id: f("id", &["id_str"])?,
            name: f("name", &["user_name"])?,
            screen_name: f("screen_name", &[])?,
            description: f("description", &[])?,
            url: f("url", &[])?,
            location: f("location", &[])?,
            lang: f("lang", &[])?,
            created_at: f("created_at", &[])?,
            statuses_count: f("statuses_count", &[])?,
            followers_count: f("followers_count", &[])?,
            friends_count: f("friends_count", &[])?,
            favourites_count: f("favourites_count", &["favorites_count"])?,
            listed_count: f("listed_count", &[])?,
            default_profile: f("default_profile", &[])?,
            default_profile_image: f("default_profile_image", &[])?,
            profile_use_background_image: f("profile_use_background_image", &[])?,
            verified: f("verified", &[])?,
            protected: f("protected", &[])?,
            geo_enabled: f("geo_enabled", &[])?,
            crawled_at: f("crawled_at", &["updated"])?,
            dataset: f("dataset", &[])?,
            header,
            origin: origin.to_string(),
            dataset_labels: false,
        };
        if cols.id.is_none() && cols.screen_name.is_none() {
            return Err(Error::Format {
                origin: origin.to_string(),
                reason: format!(
                    "a Cresci CSV needs an `id` or `screen_name` column (header: {})",
                    cols.header.names.join(", ")
                ),
            });
        }
        Ok(cols)
    }

    /// Takes each record's label from the `dataset` column (`E13`, `TFP`: genuine; `INT`,
    /// `FSF`, `TWT`: fake).
    ///
    /// # Errors
    /// [`Error::Format`] when the file has no `dataset` column.
    pub fn with_dataset_labels(mut self, yes: bool) -> Result<CresciColumns> {
        if yes && self.dataset.is_none() {
            return Err(Error::Format {
                origin: self.origin.clone(),
                reason: "labels from the `dataset` column were asked for, but there is none".into(),
            });
        }
        self.dataset_labels = yes;
        Ok(self)
    }

    /// Accepts records with one more field than the header: a leading unnamed index column
    /// (as R's `write.csv` writes).
    pub(crate) fn set_leading_index(&mut self, yes: bool) {
        self.header.offset = usize::from(yes);
    }

    /// Converts one record (a pure function).
    ///
    /// # Errors
    /// [`Error::Parse`] naming the origin, `position`, the column and its value, for a field
    /// that does not parse or a record whose length differs from the header's.
    pub fn convert(&self, record: &ByteRecord, position: Position) -> Result<Account> {
        self.convert_record(record, position)
    }

    /// [`CresciColumns::convert`] for any record type.
    pub(crate) fn convert_record<R: Record + ?Sized>(
        &self,
        record: &R,
        position: Position,
    ) -> Result<Account> {
        let mut account = Account::default();
        self.convert_into(record, position, &mut account, &mut Vec::new())?;
        Ok(account)
    }

    /// [`CresciColumns::convert_record`] into `out`, reusing its strings' buffers (and those
    /// in `spare`, where the buffers of fields that became missing wait for the next record),
    /// so that converting block after block into the same accounts allocates nothing once
    /// warm. On an error `out` holds part of the record and must not be used.
    pub(crate) fn convert_into<R: Record + ?Sized>(
        &self,
        record: &R,
        position: Position,
        out: &mut Account,
        spare: &mut Vec<String>,
    ) -> Result<()> {
        let row = Row {
            rec: record,
            header: &self.header,
            origin: &self.origin,
            pos: position,
        };
        row.check_len()?;
        let crawled_at = row.date(self.crawled_at)?;
        let p = &mut out.profile;
        p.platform = Platform::Twitter;
        row.text_into(self.id, &mut p.id, spare)?;
        row.text_into(self.screen_name, &mut p.screen_name, spare)?;
        row.text_into(self.name, &mut p.name, spare)?;
        row.text_into(self.description, &mut p.description, spare)?;
        row.text_into(self.url, &mut p.url, spare)?;
        row.text_into(self.location, &mut p.location, spare)?;
        row.text_into(self.lang, &mut p.lang, spare)?;
        p.created_at = row.created(self.created_at, Platform::Twitter, crawled_at)?;
        p.statuses_count = row.count(self.statuses_count)?;
        p.followers_count = row.count(self.followers_count)?;
        p.friends_count = row.count(self.friends_count)?;
        p.favourites_count = row.count(self.favourites_count)?;
        p.listed_count = row.count(self.listed_count)?;
        p.default_profile = row.flag(self.default_profile)?;
        p.default_profile_image = row.flag(self.default_profile_image)?;
        p.profile_use_background_image = row.flag(self.profile_use_background_image)?;
        p.verified = row.flag(self.verified)?;
        p.protected = row.flag(self.protected)?;
        p.geo_enabled = row.flag(self.geo_enabled)?;
        p.crawled_at = crawled_at;
        p.summary = Default::default();
        out.label = if self.dataset_labels {
            let col = self.dataset.unwrap_or(0);
            let raw = trim(row.raw(col));
            Some(dataset_label(raw).ok_or_else(|| {
                row.err(
                    col,
                    raw,
                    "unknown Cresci subset (expected E13, TFP, INT, FSF or TWT)",
                )
            })?)
        } else {
            None
        };
        out.activity = None;
        Ok(())
    }
}

fn dataset_label(raw: &[u8]) -> Option<Label> {
    match raw.to_ascii_uppercase().as_slice() {
        b"E13" | b"TFP" | b"GENUINE" | b"HUMAN" => Some(Label::Genuine),
        b"INT" | b"FSF" | b"TWT" | b"FAKE" => Some(Label::Fake),
        _ => None,
    }
}

/// The CSV converters.
pub(crate) enum CsvConvert {
    Cresci(CresciColumns),
    Kaggle(KaggleColumns),
    Srf(SrfColumns),
    Parma(ParmaColumns),
}

impl CsvConvert {
    /// Converts one record (a pure function).
    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        match self {
            CsvConvert::Cresci(c) => c.convert_record(rec, pos),
            CsvConvert::Kaggle(c) => c.convert(rec, pos),
            CsvConvert::Srf(c) => c.convert(rec, pos),
            CsvConvert::Parma(c) => c.convert(rec, pos),
        }
    }

    /// [`CsvConvert::convert`] into `out`, reusing its buffers where the converter can (see
    /// [`CresciColumns::convert_into`]); on an error `out` must not be used.
    pub(crate) fn convert_into<R: Record + ?Sized>(
        &self,
        rec: &R,
        pos: Position,
        out: &mut Account,
        spare: &mut Vec<String>,
    ) -> Result<()> {
        match self {
            CsvConvert::Cresci(c) => c.convert_into(rec, pos, out, spare),
            other => {
                *out = other.convert(rec, pos)?;
                Ok(())
            }
        }
    }

    /// Converts every record of `tokens`, each at its block-relative position (see
    /// [`Placement::position`](super::blocks::Placement::position)).
    pub(crate) fn convert_all(&self, tokens: &Tokens) -> Vec<Result<Account>> {
        (0..tokens.len())
            .map(|i| self.convert(&tokens.record(i), tokens.relative(i)))
            .collect()
    }
}

/// Blocks read and not yet processed, and an I/O error that ended the reading.
struct Batch {
    blocks: Vec<Block>,
    fatal: Option<Error>,
}

/// A CSV input read in blocks (see [`super::blocks`]): tokenized and converted on the rayon
/// pool a few blocks at a time, or here one block at a time, with the same records either way.
pub(crate) struct CsvInput {
    splitter: Splitter,
    cursor: Cursor,
    /// Blocks read while opening (to find the header), not yet processed.
    opened: VecDeque<Block>,
    redo: Tokens,
    /// Token buffers to reuse (one per block of a batch).
    spare: Vec<Tokens>,
    pub(crate) convert: CsvConvert,
    origin: String,
    done: bool,
}

impl CsvInput {
    fn read_batch(
        splitter: &mut Splitter,
        opened: &mut VecDeque<Block>,
        origin: &str,
        blocks: usize,
    ) -> Batch {
        let mut batch = Batch {
            blocks: Vec::with_capacity(blocks),
            fatal: None,
        };
        while batch.blocks.len() < blocks {
            if let Some(b) = opened.pop_front() {
                batch.blocks.push(b);
                continue;
            }
            match splitter.next_block() {
                Ok(Some(b)) => batch.blocks.push(b),
                Ok(None) => break,
                Err(err) => {
                    batch.fatal = Some(Error::Io {
                        origin: origin.to_string(),
                        err,
                    });
                    break;
                }
            }
        }
        batch
    }

    /// Processes the next `blocks` blocks on this thread, one after the other: `work` maps a
    /// block's records to an output, and `sink` gets each block's output in input order,
    /// with where its records are. Returns false once the input is done.
    ///
    /// # Errors
    /// An I/O error of the input (after the blocks read before it were sunk), or what `sink`
    /// returns.
    pub(crate) fn step<T, W, S>(&mut self, blocks: usize, work: &W, sink: &mut S) -> Result<bool>
    where
        W: Fn(&CsvConvert, &Tokens) -> T,
        S: FnMut(&Placed<'_>, T) -> Result<()>,
    {
        if self.done {
            return Ok(false);
        }
        let batch = Self::read_batch(&mut self.splitter, &mut self.opened, &self.origin, blocks);
        let outs: Vec<(bool, Tokens, T)> = batch
            .blocks
            .into_iter()
            .map(|b| {
                let mut tokens = self.spare.pop().unwrap_or_default();
                tokenize_owned(b.bytes, b.first, b.last, &mut tokens);
                let out = work(&self.convert, &tokens);
                (b.last, tokens, out)
            })
            .collect();
        self.place_batch(outs, batch.fatal, work, sink)?;
        Ok(!self.done)
    }

    /// As [`CsvInput::step`], the blocks worked on at once on the rayon pool.
    ///
    /// # Errors
    /// As [`CsvInput::step`].
    pub(crate) fn step_parallel<T, W, S>(
        &mut self,
        blocks: usize,
        work: &W,
        sink: &mut S,
    ) -> Result<bool>
    where
        T: Send,
        W: Fn(&CsvConvert, &Tokens) -> T + Sync,
        S: FnMut(&Placed<'_>, T) -> Result<()>,
    {
        if self.done {
            return Ok(false);
        }
        let batch = Self::read_batch(&mut self.splitter, &mut self.opened, &self.origin, blocks);
        let buffers: Vec<Tokens> = batch
            .blocks
            .iter()
            .map(|_| self.spare.pop().unwrap_or_default())
            .collect();
        let convert = &self.convert;
        let outs: Vec<(bool, Tokens, T)> = batch
            .blocks
            .into_par_iter()
            .zip(buffers)
            .map(|(b, mut tokens)| {
                tokenize_owned(b.bytes, b.first, b.last, &mut tokens);
                let out = work(convert, &tokens);
                (b.last, tokens, out)
            })
            .collect();
        self.place_batch(outs, batch.fatal, work, sink)?;
        Ok(!self.done)
    }

    /// Processes the rest of the input: each block is tokenized and worked on as its own job
    /// on the rayon pool, at most `in_flight` at once, while this thread reads the next
    /// blocks and places the worked ones in input order (with `sink`, which need not be
    /// `Send`). No batch waits for its slowest block.
    ///
    /// # Errors
    /// As [`CsvInput::step`].
    pub(crate) fn drive<T, W, S>(&mut self, in_flight: usize, work: &W, sink: &mut S) -> Result<()>
    where
        T: Send,
        W: Fn(&CsvConvert, &Tokens) -> T + Sync,
        S: FnMut(&Placed<'_>, T) -> Result<()>,
    {
        if self.done {
            return Ok(());
        }
        let convert = &self.convert;
        let splitter = &mut self.splitter;
        let mut opened = std::mem::take(&mut self.opened);
        let (cursor, redo, spare) = (&mut self.cursor, &mut self.redo, &mut self.spare);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        // Blocks in input order (the ones read while opening first), buffers of placed blocks
        // back to the splitter for reuse.
        let next = move || {
            if let Some(b) = opened.pop_front() {
                return Some(Ok(b));
            }
            while let Ok(buffer) = free_rx.try_recv() {
                splitter.recycle(buffer);
            }
            splitter.next_block().transpose()
        };
        let spare_tokens = std::sync::Mutex::new(std::mem::take(spare));
        let job = |block: Block| {
            let mut tokens = spare_tokens
                .lock()
                .map(|mut s| s.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            tokenize_owned(block.bytes, block.first, block.last, &mut tokens);
            let out = work(convert, &tokens);
            (block.last, tokens, out)
        };
        let place = |(last, mut tokens, out): (bool, Tokens, T)| {
            place_one(cursor, redo, convert, last, &tokens, out, work, sink)?;
            // The splitter is gone only when reading ended.
            let _ = free_tx.send(tokens.take_buffer());
            if let Ok(mut s) = spare_tokens.lock() {
                s.push(tokens);
            }
            Ok(())
        };
        let result = super::blocks::ordered_jobs(in_flight, &self.origin, next, job, place);
        *spare = spare_tokens.into_inner().unwrap_or_default();
        self.done = true;
        result
    }

    /// Places a batch's worked blocks (whether each is the input's last, its tokens and its
    /// output) in input order and keeps their buffers; the batch's I/O error (`fatal`), if
    /// any, comes after its blocks.
    fn place_batch<T, W, S>(
        &mut self,
        outs: Vec<(bool, Tokens, T)>,
        fatal: Option<Error>,
        work: &W,
        sink: &mut S,
    ) -> Result<()>
    where
        W: Fn(&CsvConvert, &Tokens) -> T,
        S: FnMut(&Placed<'_>, T) -> Result<()>,
    {
        let last = fatal.is_some() || outs.last().map_or(true, |o| o.0);
        let mut result = Ok(());
        for (block_last, mut tokens, out) in outs {
            if result.is_ok() {
                result = place_one(
                    &mut self.cursor,
                    &mut self.redo,
                    &self.convert,
                    block_last,
                    &tokens,
                    out,
                    work,
                    sink,
                );
            }
            self.splitter.recycle(tokens.take_buffer());
            self.spare.push(tokens);
        }
        if let (Ok(()), Some(e)) = (&result, fatal) {
            result = Err(e);
        }
        if last || result.is_err() {
            self.done = true;
        }
        result
    }
}

/// Places one worked block (`last`: the input's last), tokenized into `tokens`: its own parse
/// when the cursor takes it as is, else the carried bytes and the block's tokenized (and
/// worked) again here, into `redo`. Hands the records to `sink`.
#[allow(clippy::too_many_arguments)]
fn place_one<T, W, S>(
    cursor: &mut Cursor,
    redo: &mut Tokens,
    convert: &CsvConvert,
    last: bool,
    tokens: &Tokens,
    out: T,
    work: &W,
    sink: &mut S,
) -> Result<()>
where
    W: Fn(&CsvConvert, &Tokens) -> T,
    S: FnMut(&Placed<'_>, T) -> Result<()>,
{
    if cursor.takes_as_is() {
        let placed = cursor.place(tokens);
        return sink(&placed, out);
    }
    let (bytes, first) = cursor.merge(tokens.bytes(), redo.take_buffer());
    tokenize_owned(bytes, first, last, redo);
    let out = work(convert, redo);
    let placed = cursor.place(redo);
    sink(&placed, out)
}

fn csv_error(origin: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let record = e.position().map(|p| p.record()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(err) => Error::Io {
            origin: origin.to_string(),
            err,
        },
        other => Error::Parse {
            origin: origin.to_string(),
            position: Position::new(record, line),
            field: "<record>".into(),
            value: String::new(),
            reason: format!("{other:?}"),
        },
    }
}

fn csv_reader(stream: Box<dyn Read + Send>) -> csv::Reader<Box<dyn Read + Send>> {
    ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(stream)
}

fn owned(rec: &impl Record) -> ByteRecord {
    let mut out = ByteRecord::new();
    for i in 0..rec.len() {
        out.push_field(rec.get(i).unwrap_or(b""));
    }
    out
}

/// Opens a CSV input: reads the header and the first record, resolves the columns.
pub(crate) fn open(
    format: Format,
    stream: Box<dyn Read + Send>,
    origin: &str,
    options: &ReadOptions,
) -> Result<CsvInput> {
    let mut splitter = Splitter::new(stream, BLOCK_BYTES);
    let io = |err| Error::Io {
        origin: origin.to_string(),
        err,
    };
    // Read blocks until the header and the first record are whole; the blocks are kept, to
    // be read again as any other.
    let mut opened = VecDeque::new();
    let mut bytes = Vec::new();
    let mut tokens = Tokens::default();
    while let Some(block) = splitter.next_block().map_err(io)? {
        bytes.extend_from_slice(&block.bytes);
        let last = block.last;
        opened.push_back(block);
        tokenize(&bytes, true, last, &mut tokens);
        if tokens.len() >= 2 || last {
            break;
        }
    }
    if tokens.len() == 0 {
        return Err(Error::Format {
            origin: origin.to_string(),
            reason: "no CSV header".into(),
        });
    }
    let headers = owned(&tokens.record(0));
    // R's write.csv: the header lacks the row-name column the records have.
    let leading_index = tokens.len() > 1 && tokens.record(1).len() == headers.len() + 1;
    let convert = match format {
        Format::CresciCsv => {
            let mut c = CresciColumns::resolve(&headers, &options.columns, origin)?
                .with_dataset_labels(options.label_from_dataset)?;
            c.set_leading_index(leading_index);
            CsvConvert::Cresci(c)
        }
        Format::InstagramKaggleCsv => {
            let mut c = KaggleColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Kaggle(c)
        }
        Format::InstagramParmaCsv => {
            let mut c = ParmaColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Parma(c)
        }
        _ => {
            let mut c = SrfColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Srf(c)
        }
    };
    Ok(CsvInput {
        splitter,
        cursor: Cursor::new(1),
        opened,
        redo: Tokens::default(),
        spare: Vec::new(),
        convert,
        origin: origin.to_string(),
        done: false,
    })
}

/// A MIB `tweets.csv`, indexed by user id.
pub(crate) struct TweetIndex {
    posts: HashMap<u64, Vec<Post>, BuildHasherDefault<PassThrough>>,
    remaining: u64,
}

struct TweetColumns {
    header: Header,
    id: Option<usize>,
    text: Option<usize>,
    source: Option<usize>,
    user_id: usize,
    created_at: Option<usize>,
    timestamp: Option<usize>,
    crawled_at: Option<usize>,
    retweet_count: Option<usize>,
    in_reply_to_status_id: Option<usize>,
    retweeted_status_id: Option<usize>,
    num_hashtags: Option<usize>,
    num_urls: Option<usize>,
    num_mentions: Option<usize>,
}

impl TweetColumns {
    fn post(&self, row: &Row<'_>) -> Result<(u64, Post)> {
        row.check_len()?;
        let user = row.str(Some(self.user_id))?.ok_or_else(|| {
            row.err(
                self.user_id,
                b"",
                "missing user_id: the tweet cannot be joined",
            )
        })?;
        let key = hash_str(&[user.as_bytes()]);
        let crawled = row.date(self.crawled_at)?;
        let mut created = row.created(self.created_at, Platform::Twitter, crawled)?;
        if created.is_none() {
            created = row.created(self.timestamp, Platform::Twitter, crawled)?;
        }
        let linked = |col: Option<usize>| -> Result<bool> {
            Ok(row.str(col)?.is_some_and(|s| s.trim() != "0"))
        };
        let post = Post {
            id: row.text(self.id)?,
            created_at: created,
            text: row.text(self.text)?,
            source: row.str(self.source)?.and_then(strip_source),
            is_retweet: linked(self.retweeted_status_id)?,
            is_reply: linked(self.in_reply_to_status_id)?,
            retweet_count: row.count(self.retweet_count)?,
            num_urls: row.count32(self.num_urls)?,
            num_mentions: row.count32(self.num_mentions)?,
            num_hashtags: row.count32(self.num_hashtags)?,
        };
        Ok((key, post))
    }
}

impl TweetIndex {
    /// Reads a whole tweets file. Strict mode fails on the first bad row; lenient mode returns
    /// the bad rows beside the index.
    pub(crate) fn load(path: &Path, mode: Mode) -> Result<(TweetIndex, Vec<Rejection>)> {
        let origin = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        let mut input: Box<dyn Read + Send> = Box::new(file);
        let mut bom = [0u8; 3];
        let n = read_up_to(&mut input, &mut bom).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        let head = if bom[..n] == *b"\xEF\xBB\xBF" {
            Vec::new()
        } else {
            bom[..n].to_vec()
        };
        let mut rdr = csv_reader(Box::new(std::io::Cursor::new(head).chain(input)));
        let headers = rdr
            .byte_headers()
            .map_err(|e| csv_error(&origin, e))?
            .clone();
        let header = Header::new(&headers);
        let none = ColumnMap::default();
        let f = |ours: &str| header.find(ours, &[], &none, &origin);
        let user_id = f("user_id")?.ok_or_else(|| Error::Format {
            origin: origin.clone(),
            reason: format!(
                "a tweets file needs a `user_id` column (header: {})",
                header.names.join(", ")
            ),
        })?;
        let cols = TweetColumns {
            id: f("id")?,
            text: f("text")?,
            source: f("source")?,
            user_id,
            created_at: f("created_at")?,
            timestamp: f("timestamp")?,
            crawled_at: f("crawled_at")?,
            retweet_count: f("retweet_count")?,
            in_reply_to_status_id: f("in_reply_to_status_id")?,
            retweeted_status_id: f("retweeted_status_id")?,
            num_hashtags: f("num_hashtags")?,
            num_urls: f("num_urls")?,
            num_mentions: f("num_mentions")?,
            header,
        };
        let mut index = TweetIndex {
            posts: HashMap::default(),
            remaining: 0,
        };
        let mut rejected = Vec::new();
        let mut rec = ByteRecord::new();
        let mut record = 0u64;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&origin, e)),
            }
            record += 1;
            let pos = Position::new(record, rec.position().map(|p| p.line()));
            let row = Row {
                rec: &rec,
                header: &cols.header,
                origin: &origin,
                pos,
            };
            match cols.post(&row) {
                Ok((key, post)) => {
                    index.posts.entry(key).or_default().push(post);
                    index.remaining += 1;
                }
                Err(e) if mode == Mode::Strict => return Err(e),
                Err(error) => rejected.push(Rejection {
                    position: pos,
                    error,
                }),
            }
        }
        Ok((index, rejected))
    }

    /// Removes and returns one user's posts.
    pub(crate) fn take(&mut self, user_id: &str) -> Vec<Post> {
        let posts = self
            .posts
            .remove(&hash_str(&[user_id.as_bytes()]))
            .unwrap_or_default();
        self.remaining -= posts.len() as u64;
        posts
    }

    /// Posts not yet taken.
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(header: &[&str]) -> CresciColumns {
        CresciColumns::resolve(
            &ByteRecord::from(header.to_vec()),
            &ColumnMap::new(),
            "t.csv",
        )
        .unwrap()
    }

    /// Converting into an account that held another record (or part of a record that failed)
    /// gives exactly what a fresh conversion gives: no field of the earlier record survives.
    #[test]
    fn converting_into_a_used_account_leaves_nothing_behind() {
        let header = [
            "id",
            "name",
            "screen_name",
            "description",
            "url",
            "location",
            "lang",
            "statuses_count",
            "followers_count",
            "friends_count",
            "favourites_count",
            "listed_count",
            "created_at",
            "default_profile",
            "default_profile_image",
            "profile_use_background_image",
            "verified",
            "protected",
            "geo_enabled",
            "updated",
            "dataset",
        ];
        let c = cols(&header).with_dataset_labels(true).unwrap();
        let full = ByteRecord::from(vec![
            "42",
            "Ann",
            "ann",
            "a bio",
            "http://x.y",
            "Rome",
            "it",
            "1",
            "2",
            "3",
            "4",
            "5",
            "Fri Apr 06 10:58:22 +0000 2007",
            "1",
            "1",
            "1",
            "1",
            "1",
            "1",
            "2015-02-14 10:54:49",
            "INT",
        ]);
        let mut sparse: Vec<&str> = vec![""; header.len()];
        sparse[0] = "7";
        sparse[19] = "NULL";
        sparse[20] = "E13";
        let sparse = ByteRecord::from(sparse);
        let mut bad: Vec<&str> = full
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap())
            .collect();
        bad[9] = "many";
        let bad = ByteRecord::from(bad);
        let pos = Position::new(1, Some(1));
        let (mut used, mut spare) = (Account::default(), Vec::new());
        for (first, second) in [(&full, &sparse), (&sparse, &full), (&full, &full)] {
            c.convert_into(first, pos, &mut used, &mut spare).unwrap();
            assert!(c.convert_into(&bad, pos, &mut used, &mut spare).is_err());
            c.convert_into(second, pos, &mut used, &mut spare).unwrap();
            assert_eq!(used, c.convert(second, pos).unwrap());
        }
    }

    #[test]
    fn converts_a_mib_row() {
        let c = cols(&[
            "id",
            "screen_name",
            "followers_count",
            "created_at",
            "default_profile",
            "verified",
            "updated",
            "dataset",
        ]);
        let rec = ByteRecord::from(vec![
            "42",
            "ann",
            "10",
            "Fri Apr 06 10:58:22 +0000 2007",
            "1",
            "",
            "2015-02-14 10:54:49",
            "INT",
        ]);
        let a = c.convert(&rec, Position::new(1, Some(2))).unwrap();
        assert_eq!(a.profile.id.as_deref(), Some("42"));
        assert_eq!(a.profile.default_profile, Some(true));
        assert_eq!(a.profile.verified, Some(false));
        assert_eq!(a.label, None, "the dataset column is not read unless asked");
        let c = c.with_dataset_labels(true).unwrap();
        assert_eq!(
            c.convert(&rec, Position::new(1, Some(2))).unwrap().label,
            Some(Label::Fake)
        );
    }

    #[test]
    fn errors_name_the_column_and_value() {
        let c = cols(&["id", "followers_count"]);
        let rec = ByteRecord::from(vec!["1", "-3"]);
        let e = c
            .convert(&rec, Position::new(5, Some(6)))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv: line 6, record 5: field `followers_count`: negative count (value: \"-3\")"
        );
        let rec = ByteRecord::from(vec!["1"]);
        let e = c
            .convert(&rec, Position::new(1, Some(2)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated record"), "{e}");
    }

    #[test]
    fn created_after_crawl_is_rejected() {
        let c = cols(&["id", "created_at", "updated"]);
        let rec = ByteRecord::from(vec!["1", "2016-01-01 00:00:00", "2015-02-14 10:54:49"]);
        let e = c
            .convert(&rec, Position::new(1, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("after the time the record was crawled"), "{e}");
    }

    #[test]
    fn needs_an_id_or_screen_name() {
        let r = CresciColumns::resolve(
            &ByteRecord::from(vec!["followers_count"]),
            &ColumnMap::new(),
            "t",
        );
        assert!(matches!(r, Err(Error::Format { .. })));
        let r = CresciColumns::resolve(
            &ByteRecord::from(vec!["id"]),
            &ColumnMap::new().with("colour", "x"),
            "t",
        );
        assert!(matches!(r, Err(Error::InvalidParams { .. })));
    }
}
