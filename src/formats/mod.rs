//! Streaming readers for export formats.
//!
//! [`AccountReader`] turns a file (or any [`Read`]) in one of the supported [`Format`]s into a
//! stream of [`Result<Account>`](crate::Account), in memory that does not grow with the input
//! (except for the duplicate check's 64-bit hash per account, about 40 MB at the peak per
//! million accounts; see [`ReadOptions::check_duplicates`]). The format is detected from the
//! content unless given.
//!
//! Measured with `examples/read_stream.rs` and `/usr/bin/time -v` on generated 1,000,000-account
//! files: peak RSS 2.7 MB (Cresci CSV, 240 MB) and 2.9 MB (v1.1 JSON Lines, 780 MB) without the
//! duplicate check, the same as for 100,000 accounts; 43 MB (CSV) with it.
//!
//! | [`Format`] | input | platform | label |
//! |---|---|---|---|
//! | `CresciCsv` | Cresci / MIB `users.csv`, optional `tweets.csv` | Twitter | [`ReadOptions::label`] or the `dataset` column |
//! | `TwitterV1` | API v1.1 user objects: JSON array or JSON Lines | Twitter | option |
//! | `TwitterV2` | API v2 `users` responses or user objects | Twitter | option |
//! | `InstagramJsonl` | plain Instagram profiles, JSON Lines or array | Instagram | option |
//! | `InstaFake` | InstaFake JSON array | Instagram | `isFake` |
//! | `InstagramKaggleCsv` | Kaggle "free4ever1" train/test CSV | Instagram | `fake` |
//! | `InstagramSrfCsv` | SRF Data `labelled_1000_inclprivate.csv` | Instagram | `rating` |
//! | `Weibo` | Sina Weibo `users/show` objects: JSON array or JSON Lines | Weibo | option |
//! | `Botometer` | Botometer `<set>_tweets.json` (`{"created_at", "user": {v1.1 user}}`) | Twitter | [`ReadOptions::labels`], else the sibling `<set>.tsv` (`human`/`bot`) |
//! | `InstagramParmaCsv` | 2021 `OldDataSet.csv` / `NewDataset.csv` (`Profile Pic`, ..., `Fake`) | Instagram | `Fake` |
//!
//! The Fast Followerz 2017 `fake_users.csv` is a `CresciCsv` (its `user_name` is the display
//! name; booleans `True`/`False`, dates `2013-07-22 10:05:39`), labelled with
//! [`ReadOptions::label`]. Any format can take its labels from an `id<TAB>label` file joined by
//! id ([`ReadOptions::labels`]); an account whose id the file lacks keeps `label: None`.
//!
//! # What counts as bad input
//! Every bad record yields an [`Error::Parse`] naming the origin, the record (and line), the field
//! and the value. In particular:
//! - counts that are negative, not integers, larger than `u64`, NaN or infinite;
//! - text that is not UTF-8 (the value is shown lossily);
//! - CSV rows with fewer (or more) fields than the header;
//! - dates that do not parse, and creation dates that cannot be true: before the platform opened
//!   (Twitter 2006-03-21, Weibo 2009-08-14), after the record's crawl time, or (when the crawl
//!   time is unknown) more than a day in the future. These are rejected, not kept, because a
//!   wrong account age silently skews the strongest features;
//! - a second record with the same platform id (or, without an id, the same screen name, ignoring
//!   ASCII case). Records without either (InstaFake, Kaggle) are never judged duplicates.
//!
//! Empty text and `NULL` are read as missing (`None`). An empty input is an [`Error::Format`].
//!
//! # Examples
//! ```
//! use follower_audit::{AccountReader, Format, Label, ReadOptions};
//!
//! let data = "id,screen_name,followers_count,friends_count,created_at\n\
//!             1,alice,10,20,Wed Oct 10 20:19:24 +0000 2018\n";
//! let options = ReadOptions::default().label(Label::Genuine);
//! let mut reader = AccountReader::from_reader(data.as_bytes(), &options)?;
//! assert_eq!(reader.format(), Format::CresciCsv);
//! let accounts: Vec<_> = reader.by_ref().collect::<Result<_, _>>()?;
//! assert_eq!(accounts[0].profile.followers_count, Some(10));
//! assert_eq!(accounts[0].label, Some(Label::Genuine));
//! assert_eq!(reader.stats().accepted, 1);
//! # Ok::<(), follower_audit::Error>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::hash::Hasher;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;

use crate::account::{Account, Label, Platform};
use crate::error::{Error, Position, Result};

mod blocks;
use self::blocks::Place;
mod cresci;
mod instagram;
mod json;
mod labels;
mod twitter;
mod values;
mod weibo;

pub use self::cresci::CresciColumns;
use self::cresci::TweetIndex;

/// The export formats the readers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// Cresci / MIB research CSV (`users.csv`, optionally joined with a `tweets.csv`).
    CresciCsv,
    /// Twitter API v1.1 user objects (JSON array or JSON Lines), with the embedded `status`.
    TwitterV1,
    /// Twitter API v2 `users` responses (`{"data": [...], "includes": ...}`) or user objects.
    TwitterV2,
    /// Plain Instagram profiles (`username`, `follower_count`, ...), JSON Lines or array.
    InstagramJsonl,
    /// The InstaFake dataset's JSON array of derived numbers, labelled by `isFake`.
    InstaFake,
    /// The Kaggle "free4ever1" Instagram CSV (`profile pic`, `#followers`, ..., `fake`).
    InstagramKaggleCsv,
    /// SRF Data's hand-labelled Instagram CSV (`Profile.URL`, `rating`, ...).
    InstagramSrfCsv,
    /// Sina Weibo `users/show` objects, JSON array or JSON Lines.
    Weibo,
    /// A Botometer bot-repository set: `<set>_tweets.json` (records `{"created_at": <tweet
    /// time>, "user": {<v1.1 user object>}}`, read as [`Format::TwitterV1`]) labelled from its
    /// `id<TAB>label` file: [`ReadOptions::labels`], else the sibling `<set>.tsv` (which must
    /// exist when the input is opened by path). A user whose id the file lacks has no label.
    Botometer,
    /// The 2021 Instagram CSVs of BeleRicks11/Instagram_Fake_Account_Detection
    /// (`OldDataSet.csv`, `NewDataset.csv`: `Profile Pic`, `Bio Length`, ..., `Fake`).
    InstagramParmaCsv,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 10] = [
        Format::CresciCsv,
        Format::TwitterV1,
        Format::TwitterV2,
        Format::InstagramJsonl,
        Format::InstaFake,
        Format::InstagramKaggleCsv,
        Format::InstagramSrfCsv,
        Format::Weibo,
        Format::Botometer,
        Format::InstagramParmaCsv,
    ];

    /// The format's short name, as accepted by [`Format::from_str`]: `cresci-csv`,
    /// `twitter-v1`, `twitter-v2`, `instagram-jsonl`, `instafake`, `instagram-kaggle-csv`,
    /// `instagram-srf-csv`, `weibo`, `botometer`, `instagram-parma-csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::CresciCsv => "cresci-csv",
            Format::TwitterV1 => "twitter-v1",
            Format::TwitterV2 => "twitter-v2",
            Format::InstagramJsonl => "instagram-jsonl",
            Format::InstaFake => "instafake",
            Format::InstagramKaggleCsv => "instagram-kaggle-csv",
            Format::InstagramSrfCsv => "instagram-srf-csv",
            Format::Weibo => "weibo",
            Format::Botometer => "botometer",
            Format::InstagramParmaCsv => "instagram-parma-csv",
        }
    }

    /// The platform the format's accounts come from.
    pub fn platform(self) -> Platform {
        match self {
            Format::CresciCsv | Format::TwitterV1 | Format::TwitterV2 | Format::Botometer => {
                Platform::Twitter
            }
            Format::Weibo => Platform::Weibo,
            _ => Platform::Instagram,
        }
    }

    /// `true` for the CSV formats (the ones a [`ColumnMap`] applies to).
    pub fn is_csv(self) -> bool {
        matches!(
            self,
            Format::CresciCsv
                | Format::InstagramKaggleCsv
                | Format::InstagramSrfCsv
                | Format::InstagramParmaCsv
        )
    }

    /// Detects the format from the first bytes of an input (a few kilobytes are plenty).
    ///
    /// JSON is recognised by its keys, CSV by its header row. Returns `None` when nothing fits.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::Format;
    /// assert_eq!(Format::detect(br#"[{"userFollowerCount": 3, "isFake": 1}]"#), Some(Format::InstaFake));
    /// assert_eq!(Format::detect(b"id,screen_name,followers_count\n"), Some(Format::CresciCsv));
    /// assert_eq!(Format::detect(b"hello"), None);
    /// ```
    pub fn detect(first_bytes: &[u8]) -> Option<Format> {
        detect_with(strip_bom(first_bytes), &ColumnMap::default()).ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    /// Parses a [`Format::name`] (case-insensitive; `_` and `-` are interchangeable).
    fn from_str(s: &str) -> Result<Format> {
        let want = s.trim().to_ascii_lowercase().replace('_', "-");
        Format::ALL
            .into_iter()
            .find(|f| f.name() == want)
            .ok_or_else(|| Error::InvalidParams {
                name: "format".into(),
                reason: format!(
                    "unknown format {s:?}; known: {}",
                    Format::ALL.map(Format::name).join(", ")
                ),
            })
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Detection with a column mapping applied to CSV headers; the error says what was seen.
fn detect_with(prefix: &[u8], columns: &ColumnMap) -> std::result::Result<Format, String> {
    let first = prefix.iter().position(|c| !c.is_ascii_whitespace());
    let Some(first) = first else {
        return Err("empty input".into());
    };
    if prefix[first] == b'[' || prefix[first] == b'{' {
        let keys = json::keys_in(&prefix[first..]);
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("userFollowerCount") || has("userHasProfilPic") || has("isFake") {
            return Ok(Format::InstaFake);
        }
        if has("public_metrics") || (has("data") && has("username")) {
            return Ok(Format::TwitterV2);
        }
        if has("follower_count") || has("following_count") || has("media_count") {
            return Ok(Format::InstagramJsonl);
        }
        if has("screen_name") || has("followers_count") {
            let weibo = [
                "verified_type",
                "bi_followers_count",
                "avatar_large",
                "province",
                "gender",
            ];
            if weibo.iter().any(|k| has(k)) {
                return Ok(Format::Weibo);
            }
            return Ok(Format::TwitterV1);
        }
        if has("username") {
            return Ok(Format::InstagramJsonl);
        }
        let mut seen: Vec<&str> = keys.iter().map(String::as_str).take(12).collect();
        seen.dedup();
        return Err(format!(
            "JSON input of unknown format (keys seen: {}); give the format explicitly",
            if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            }
        ));
    }
    let header = cresci::header_names(&prefix[first..]);
    if header.len() < 2 {
        return Err("neither JSON nor a CSV header row; give the format explicitly".into());
    }
    let header: Vec<String> = header
        .into_iter()
        .map(|h| columns.ours_for(&h).unwrap_or(h))
        .collect();
    let has = |k: &str| header.iter().any(|x| x == k);
    if has("rating") && (has("username") || has("number.of.followers")) {
        return Ok(Format::InstagramSrfCsv);
    }
    if (has("profile pic") || has("#followers"))
        && (has("bio length") || has("#following") || has("business"))
    {
        return Ok(Format::InstagramParmaCsv);
    }
    if has("profile pic") || has("#followers") {
        return Ok(Format::InstagramKaggleCsv);
    }
    if has("user_id") && has("text") && !has("screen_name") {
        return Err(
            "this looks like a tweets file: read the users file and pass this one \
                    with ReadOptions::tweets"
                .into(),
        );
    }
    if has("screen_name") || has("followers_count") {
        return Ok(Format::CresciCsv);
    }
    Err(format!(
        "CSV of unknown format (columns: {}); give the format explicitly or map columns",
        header
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// What a reader does with a bad record.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Mode {
    /// Yield the first error, then end.
    #[default]
    Strict,
    /// Yield every error and go on; every rejected record is kept in [`ReadStats::rejected`].
    Lenient,
}

impl FromStr for Mode {
    type Err = Error;

    /// `strict` or `lenient`.
    fn from_str(s: &str) -> Result<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strict" => Ok(Mode::Strict),
            "lenient" => Ok(Mode::Lenient),
            _ => Err(Error::InvalidParams {
                name: "mode".into(),
                reason: format!("unknown mode {s:?}; use `strict` or `lenient`"),
            }),
        }
    }
}

/// Maps the CSV column names the readers expect (ours) to those of a file (theirs), for exports
/// whose headers differ: `name` <- `user_name`. Header matching ignores ASCII case and
/// surrounding spaces.
///
/// # Examples
/// ```
/// use follower_audit::ColumnMap;
/// let map: ColumnMap = "name=user_name, followers_count=fans".parse()?;
/// assert_eq!(map.get("followers_count"), Some("fans"));
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    map: HashMap<String, String>,
}

impl ColumnMap {
    /// An empty mapping.
    pub fn new() -> ColumnMap {
        ColumnMap::default()
    }

    /// Adds `ours <- theirs` (consuming builder).
    pub fn with(mut self, ours: &str, theirs: &str) -> ColumnMap {
        self.insert(ours, theirs);
        self
    }

    /// Adds `ours <- theirs`.
    pub fn insert(&mut self, ours: &str, theirs: &str) {
        self.map.insert(normalize(ours), normalize(theirs));
    }

    /// The file's column for one of ours, when mapped.
    pub fn get(&self, ours: &str) -> Option<&str> {
        self.map.get(&normalize(ours)).map(String::as_str)
    }

    /// `true` when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The mapped pairs `(ours, theirs)`, sorted by ours.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        v.sort_unstable();
        v
    }

    /// Ours for a file column, when one maps to it.
    fn ours_for(&self, theirs: &str) -> Option<String> {
        self.map
            .iter()
            .find(|(_, t)| t.as_str() == theirs)
            .map(|(o, _)| o.clone())
    }
}

impl FromStr for ColumnMap {
    type Err = Error;

    /// Parses `ours=theirs` pairs separated by commas, as given on a command line.
    fn from_str(s: &str) -> Result<ColumnMap> {
        let mut map = ColumnMap::new();
        for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
            match pair.split_once('=') {
                Some((ours, theirs)) if !ours.trim().is_empty() && !theirs.trim().is_empty() => {
                    map.insert(ours, theirs)
                }
                _ => {
                    return Err(Error::InvalidParams {
                        name: "columns".into(),
                        reason: format!("expected `ours=theirs`, found {pair:?}"),
                    })
                }
            }
        }
        Ok(map)
    }
}

pub(crate) fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// How to read an input. Build it with the consuming setters from [`ReadOptions::default`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReadOptions {
    format: Option<Format>,
    mode: Mode,
    columns: ColumnMap,
    label: Option<Label>,
    label_from_dataset: bool,
    tweets: Option<PathBuf>,
    labels: Option<PathBuf>,
    origin: Option<String>,
    check_duplicates: bool,
    chunk: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            mode: Mode::Strict,
            columns: ColumnMap::default(),
            label: None,
            label_from_dataset: false,
            tweets: None,
            labels: None,
            origin: None,
            check_duplicates: true,
            chunk: 0,
        }
    }
}

impl ReadOptions {
    /// Reads the input as this format instead of detecting it.
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Strict (default: stop at the first bad record) or lenient (go on).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Column names for CSV headers that differ from ours.
    pub fn columns(mut self, columns: ColumnMap) -> Self {
        self.columns = columns;
        self
    }

    /// The label of every record whose source does not carry one (e.g. `Label::Genuine` for the
    /// Cresci E13 file). A label in the data always wins.
    pub fn label(mut self, label: Label) -> Self {
        self.label = Some(label);
        self
    }

    /// Cresci CSV: take the label from the `dataset` column (`E13`, `TFP` genuine; `INT`,
    /// `FSF`, `TWT` fake; other values are errors). The column is never used as a feature.
    pub fn label_from_dataset(mut self, yes: bool) -> Self {
        self.label_from_dataset = yes;
        self
    }

    /// Cresci CSV: a MIB `tweets.csv` to join to the users by `user_id`. Every account then has
    /// `activity: Some(..)` (empty when it has no tweets).
    ///
    /// The tweets file is indexed in one pass when the reader opens, because it need not be
    /// sorted: memory is bounded by the tweets (about 150 bytes plus the text per tweet), and
    /// each account's tweets are released as the account is read.
    pub fn tweets(mut self, path: impl Into<PathBuf>) -> Self {
        self.tweets = Some(path.into());
        self
    }

    /// A labels file joined to the accounts by id, with any format: one `id<TAB>label` line
    /// per account, labels `human` / `genuine` ([`Label::Genuine`]) and `bot` / `fake`
    /// ([`Label::Fake`]), as the Botometer bot repository's `<set>.tsv` files are. A first
    /// line labelled `label` is taken for a header; blank lines are skipped.
    ///
    /// A label in the data wins over the file's; an account whose id is not in the file (or
    /// that has no id) keeps `label: None`, or the [`ReadOptions::label`] default when one is
    /// given: it is read, not dropped. The file is read whole when the reader opens (an id and
    /// a label per line); a bad line fails the opening with an [`Error::Parse`] naming the file,
    /// the line, the field (`<record>`, `id` or `label`) and the value, in either mode, since a
    /// wrong label would silently skew every measure taken with it.
    ///
    /// [`Format::Botometer`] without this option uses the `<set>.tsv` beside the opened
    /// `<set>_tweets.json` (opening fails when there is none); read from a stream
    /// ([`AccountReader::from_reader`]) without this option, its accounts are unlabelled.
    ///
    /// # Examples
    /// ```no_run
    /// use follower_audit::{formats, Format, ReadOptions};
    /// let options = ReadOptions::default()
    ///     .format(Format::TwitterV1)
    ///     .labels("verified-2019/verified-2019.tsv");
    /// let reader = formats::open("verified-2019/verified-2019_tweets.json", &options)?;
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn labels(mut self, path: impl Into<PathBuf>) -> Self {
        self.labels = Some(path.into());
        self
    }

    /// The name errors give for the input (default: the path, or `<input>`).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Reject records whose id (or screen name) repeats (default `true`). The check keeps one
    /// 64-bit hash and a 32-bit record number per account (12 bytes in a hash table, about
    /// 27-40 MB per million accounts); turn it off for strictly constant memory on inputs known
    /// to be unique. A hash collision (odds about 1 in 36 million at a million accounts) would
    /// reject a distinct account as a duplicate.
    pub fn check_duplicates(mut self, yes: bool) -> Self {
        self.check_duplicates = yes;
        self
    }

    /// Convert records on the rayon pool, `chunk` raw records at a time (0 or 1: sequential).
    /// Records are read in order, converted in parallel and yielded in order, so the results
    /// (accounts, errors, statistics) are exactly those of sequential reading.
    pub fn parallel_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk;
        self
    }
}

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

/// Raw records read ahead for parallel conversion; `fatal` ends the input.
struct Chunk {
    raws: Vec<Raw>,
    fatal: Option<Error>,
}

impl Chunk {
    fn read(source: &mut dyn Source, chunk: usize) -> Chunk {
        let mut raws = Vec::with_capacity(chunk.min(1 << 16));
        let mut fatal = None;
        while raws.len() < chunk {
            match source.next_raw() {
                None => break,
                Some(Ok(raw)) => raws.push(raw),
                Some(Err(e)) => {
                    fatal = Some(e);
                    break;
                }
            }
        }
        Chunk { raws, fatal }
    }
}

/// A hasher for keys that are already 64-bit hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Number of shards of a [`HashIndex`] (a power of two).
const SHARDS: usize = 64;

/// Seen ids: each id's 64-bit hash and the record number where it was first seen (saturating
/// at `u32::MAX`), in 12-byte slots of open-addressing tables with linear probing, so that a
/// lookup touches one cache line (a follower list's index is far larger than the cache). The
/// index is split into shards by bits 40 to 45 of the hash (a slot's place comes from the low
/// bits), so that growing it re-hashes one small shard at a time: a large input never holds an
/// old and a new copy of the whole index at once. Tables stay at most 7/8 full.
struct HashIndex {
    shards: Vec<Shard>,
}

/// One table: slots `[hash high, hash low, record]`, all-zero hash = empty.
struct Shard {
    slots: Vec<[u32; 3]>,
    len: usize,
}

impl Shard {
    fn with_slots(n: usize) -> Shard {
        Shard {
            slots: vec![[0; 3]; n],
            len: 0,
        }
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    fn find(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let key = [(hash >> 32) as u32, hash as u32];
        let mut i = hash as usize & mask;
        loop {
            let s = self.slots[i];
            if (s[0] == key[0] && s[1] == key[1]) || (s[0] == 0 && s[1] == 0) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.resize(self.slots.len() * 2);
    }

    /// Moves the table into one of `slots` slots (a power of two, more than it holds).
    fn resize(&mut self, slots: usize) {
        let bigger = vec![[0; 3]; slots];
        let old = std::mem::replace(&mut self.slots, bigger);
        for s in old.into_iter().filter(|s| s[0] != 0 || s[1] != 0) {
            let hash = (u64::from(s[0]) << 32) | u64::from(s[1]);
            let i = self.find(hash);
            self.slots[i] = s;
        }
    }
}

impl HashIndex {
    fn new() -> HashIndex {
        HashIndex {
            shards: (0..SHARDS).map(|_| Shard::with_slots(1024)).collect(),
        }
    }

    /// Sizes the shards for `n` ids at once (each shard's table as large as inserting them one
    /// by one would make it), up to 2^15 slots a shard (25 MB in all, about 1.8 million ids):
    /// up to there the index grows no more and no table is built only to be thrown away. A
    /// larger list still grows its tables as it comes: early on, smaller tables miss the
    /// cache and the TLB less than a full-size one would (10M-follower audit: 13.1 s grown
    /// vs 16.8 s sized to 2^18 slots a shard from the start; 1M: 0.94 to 1.04 s sized vs
    /// 1.05 to 1.13 s grown).
    fn reserve(&mut self, n: u64) {
        let per_shard = n / SHARDS as u64 + 1;
        for shard in &mut self.shards {
            let mut slots = shard.slots.len();
            while (per_shard + 1) * 8 > slots as u64 * 7 && slots < 1 << 15 {
                slots *= 2;
            }
            if slots > shard.slots.len() {
                shard.resize(slots);
            }
        }
    }

    /// The table's hash for an id hash: never the empty marker 0.
    fn key(hash: u64) -> u64 {
        hash.max(1)
    }

    fn shard(&mut self, hash: u64) -> &mut Shard {
        &mut self.shards[(hash >> 40) as usize % SHARDS]
    }

    /// Whether `hash` is in the index (a read, to warm the cache before ordered inserts).
    fn contains(&mut self, hash: u64) -> bool {
        let hash = Self::key(hash);
        let shard = self.shard(hash);
        let s = shard.slots[shard.find(hash)];
        s[0] != 0 || s[1] != 0
    }

    /// Inserts `hash` first seen at `record`; if it was there already, the record where it
    /// was first seen.
    fn insert(&mut self, hash: u64, record: u32) -> Option<u32> {
        let hash = Self::key(hash);
        let shard = self.shard(hash);
        if (shard.len + 1) * 8 > shard.slots.len() * 7 {
            shard.grow();
        }
        let i = shard.find(hash);
        let s = &mut shard.slots[i];
        if s[0] != 0 || s[1] != 0 {
            return Some(s[2]);
        }
        *s = [(hash >> 32) as u32, hash as u32, record];
        shard.len += 1;
        None
    }
}

/// Newlines in `bytes`.
fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A guess of the records in an input of `size` bytes whose first `bytes` hold `lines`
/// newlines (about one record each, the CSV header or a JSON array's brackets aside). `None`
/// when the prefix has too few lines for a guess.
fn expected_records(prefix: &Option<(u64, u64)>, size: u64) -> Option<u64> {
    let (lines, bytes) = (*prefix)?;
    (lines >= 16).then(|| (size as u128 * lines as u128 / bytes as u128) as u64)
}

/// A 64-bit hash of byte strings, the same in every run: eight bytes at a time through the
/// MurmurHash3 64-bit finalizer (a bijection with full avalanche), each part closed by its
/// length so that `["ab"]` and `["a", "b"]` differ. Not keyed: an adversary could make ids
/// collide on purpose, which would only make the duplicate check reject a record it should
/// not (and say so). Several times faster than std's SipHash on short ids.
pub(crate) fn hash_str(parts: &[&[u8]]) -> u64 {
    fn mix(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
    let mut h: u64 = 0x2545_f491_4f6c_dd1d;
    for p in parts {
        let mut words = p.chunks_exact(8);
        for w in words.by_ref() {
            h = mix(h ^ u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(last));
        h = mix(h ^ (p.len() as u64).wrapping_add(0x9e37_79b9_7f4a_7c15));
    }
    h
}

/// Where records come from: CSV blocks, or raw records of a JSON format and their converter.
enum Input {
    Csv(Box<cresci::CsvInput>),
    Json {
        source: Box<dyn Source>,
        convert: Box<dyn Convert>,
    },
    /// JSON Lines, read in blocks.
    Lines(Box<json::LinesInput>),
    /// Read to the end by [`AccountReader::read_blocks`].
    Done,
}

/// A streaming iterator of accounts from one input. See the [module docs](self).
///
/// Items are `Ok(account)` or `Err(error)` for a bad record; in [`Mode::Strict`] the iterator
/// ends after the first error. [`AccountReader::stats`] counts what was read.
pub struct AccountReader {
    format: Format,
    origin: String,
    mode: Mode,
    label: Option<Label>,
    input: Input,
    chunk: usize,
    queue: VecDeque<(Position, Result<Account>)>,
    scratch: Vec<Result<Account>>,
    ahead: Option<Chunk>,
    seen: Option<HashIndex>,
    tweets: Option<TweetIndex>,
    labels: Option<labels::LabelIndex>,
    stats: ReadStats,
    finished: bool,
}

impl fmt::Debug for AccountReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountReader")
            .field("format", &self.format)
            .field("origin", &self.origin)
            .field("mode", &self.mode)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Opens a file for reading accounts; the same as [`AccountReader::open`].
///
/// # Errors
/// See [`AccountReader::open`].
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccountReader> {
    AccountReader::open(path, options)
}

const SNIFF_BYTES: usize = 64 * 1024;

impl AccountReader {
    /// Opens a file, detects (or takes) its format, and reads its header.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Format`] when it is empty or its
    /// format is unknown or lacks required columns, [`Error::InvalidParams`] for a column
    /// mapping that names an unknown column, and (strict mode) the first bad row of a tweets
    /// file.
    ///
    /// # Examples
    /// ```no_run
    /// use follower_audit::{AccountReader, Label, ReadOptions};
    /// let options = ReadOptions::default().label(Label::Genuine);
    /// let reader = AccountReader::open("users.csv", &options)?;
    /// let n = reader.filter(|r| r.is_ok()).count();
    /// assert!(n > 0);
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccountReader> {
        let path = path.as_ref();
        let origin = options
            .origin
            .clone()
            .unwrap_or_else(|| path.display().to_string());
        let file = File::open(path).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        // The size, to size the duplicate index once instead of growing it (a hint only).
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Self::build(Box::new(file), origin, options, size, Some(path))
    }

    /// Reads accounts from any byte stream (a file, stdin, `data.as_bytes()`).
    ///
    /// # Errors
    /// As [`AccountReader::open`].
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        options: &ReadOptions,
    ) -> Result<AccountReader> {
        let origin = options.origin.clone().unwrap_or_else(|| "<input>".into());
        Self::build(Box::new(reader), origin, options, None, None)
    }

    fn build(
        mut input: Box<dyn Read + Send>,
        origin: String,
        options: &ReadOptions,
        size: Option<u64>,
        path: Option<&Path>,
    ) -> Result<AccountReader> {
        let io = |err| Error::Io {
            origin: origin.clone(),
            err,
        };
        // Read a prefix for detection, then put it back in front of the rest.
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut input)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)
            .map_err(io)?;
        if prefix.starts_with(b"\xEF\xBB\xBF") {
            prefix.drain(..3);
        }
        if prefix.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::Format {
                origin,
                reason: "empty input".into(),
            });
        }
        let format = match options.format {
            Some(f) => f,
            None => detect_with(&prefix, &options.columns).map_err(|reason| Error::Format {
                origin: origin.clone(),
                reason,
            })?,
        };
        if !format.is_csv() && !options.columns.is_empty() {
            return Err(Error::InvalidParams {
                name: "columns".into(),
                reason: format!("a column mapping applies to CSV formats, not {format}"),
            });
        }
        if options.tweets.is_some() && format != Format::CresciCsv {
            return Err(Error::InvalidParams {
                name: "tweets".into(),
                reason: format!("a tweets file can be joined to cresci-csv users, not {format}"),
            });
        }
        let layout = json::Layout::sniff(&prefix);
        // Lines and bytes of the prefix, for a guess of the number of records (a whole input
        // read as the prefix needs no guess).
        let prefix_lines =
            (prefix.len() == SNIFF_BYTES).then(|| (count_lines(&prefix), prefix.len() as u64));
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(input));
        let input = if format.is_csv() {
            Input::Csv(Box::new(cresci::open(format, stream, &origin, options)?))
        } else {
            let convert: Box<dyn Convert> = match format {
                Format::TwitterV1 | Format::Botometer => Box::new(twitter::V1 {
                    origin: origin.clone(),
                }),
                Format::TwitterV2 => Box::new(twitter::V2 {
                    origin: origin.clone(),
                }),
                Format::Weibo => Box::new(weibo::Weibo {
                    origin: origin.clone(),
                }),
                Format::InstaFake => Box::new(instagram::InstaFake {
                    origin: origin.clone(),
                }),
                _ => Box::new(instagram::PlainJson {
                    origin: origin.clone(),
                }),
            };
            if layout == json::Layout::Lines {
                Input::Lines(Box::new(json::LinesInput::new(
                    stream,
                    convert,
                    origin.clone(),
                )))
            } else {
                let reader = Box::new(BufReader::with_capacity(256 * 1024, stream));
                let source = Box::new(json::JsonSource::new(reader, layout, origin.clone()));
                Input::Json { source, convert }
            }
        };
        let tweets = match &options.tweets {
            Some(path) => Some(TweetIndex::load(path, options.mode)?),
            None => None,
        };
        let labels = match (&options.labels, format, path) {
            (Some(file), _, _) => Some(labels::LabelIndex::load(file)?),
            (None, Format::Botometer, Some(path)) => {
                let file = labels::sibling(path);
                if !file.is_file() {
                    return Err(Error::Format {
                        origin,
                        reason: format!(
                            "a botometer set needs its labels: no {} beside it; give the \
                             labels file with ReadOptions::labels",
                            file.display()
                        ),
                    });
                }
                Some(labels::LabelIndex::load(&file)?)
            }
            // From a stream there is no sibling: unlabelled, as `twitter-v1` reads it.
            (None, _, _) => None,
        };
        let mut stats = ReadStats::default();
        let tweets = tweets.map(|(index, rejected)| {
            stats.rejected_posts = rejected;
            index
        });
        Ok(AccountReader {
            format,
            origin,
            mode: options.mode,
            label: options.label,
            input,
            chunk: options.chunk,
            queue: VecDeque::new(),
            scratch: Vec::new(),
            ahead: None,
            seen: options.check_duplicates.then(|| {
                let mut index = HashIndex::new();
                if let Some(n) = size.and_then(|size| expected_records(&prefix_lines, size)) {
                    index.reserve(n);
                }
                index
            }),
            tweets,
            labels,
            stats,
            finished: false,
        })
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The input's name as errors give it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// What has been read so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Ends reading and returns the statistics.
    pub fn into_stats(self) -> ReadStats {
        self.stats
    }

    /// The accounts alone: errors are skipped here but kept in [`AccountReader::stats`]. In
    /// strict mode the iteration still ends at the first bad record.
    pub fn accounts(&mut self) -> impl Iterator<Item = Account> + '_ {
        self.filter_map(Result::ok)
    }

    /// Reads everything: the accounts and the statistics (with every rejection).
    pub fn read_all(mut self) -> (Vec<Account>, ReadStats) {
        let accounts = self.accounts().collect();
        (accounts, self.stats)
    }

    /// Pulls the next raw records and converts them into the queue. Sequentially one record at
    /// a time, or (with a chunk size) converting one chunk on the rayon pool while the next
    /// chunk is read.
    fn fill(&mut self) {
        let (source, convert) = match &mut self.input {
            Input::Csv(_) => return self.fill_csv(),
            Input::Lines(_) => return self.fill_lines(),
            Input::Json { source, convert } => (source, &**convert),
            Input::Done => {
                self.finished = true;
                return;
            }
        };
        if self.chunk <= 1 {
            match source.next_raw() {
                None => self.finished = true,
                Some(Ok(raw)) => {
                    convert.convert(&raw, &mut self.scratch);
                    let pos = raw.position();
                    self.queue
                        .extend(self.scratch.drain(..).map(|item| (pos, item)));
                }
                Some(Err(e)) => {
                    let pos = error_position(&e).unwrap_or_default();
                    self.queue.push_back((pos, Err(e)));
                    self.finished = true;
                }
            }
            return;
        }
        let chunk = self.chunk;
        let current = match self.ahead.take() {
            Some(c) => c,
            None => Chunk::read(&mut **source, chunk),
        };
        let more = current.fatal.is_none() && current.raws.len() == chunk;
        let (next, parts) = rayon::join(
            || more.then(|| Chunk::read(&mut **source, chunk)),
            || {
                current
                    .raws
                    .par_iter()
                    .map(|raw| {
                        let mut out = Vec::with_capacity(1);
                        convert.convert(raw, &mut out);
                        out
                    })
                    .collect::<Vec<_>>()
            },
        );
        for (raw, part) in current.raws.iter().zip(parts) {
            let pos = raw.position();
            self.queue.extend(part.into_iter().map(|item| (pos, item)));
        }
        if let Some(e) = current.fatal {
            let pos = error_position(&e).unwrap_or_default();
            self.queue.push_back((pos, Err(e)));
        }
        self.ahead = next;
        if self.ahead.is_none() {
            self.finished = true;
        }
    }

    /// Converts the next CSV blocks into the queue: a few at once on the rayon pool when
    /// [`ReadOptions::parallel_chunk`] asks for parallel conversion, else one.
    fn fill_csv(&mut self) {
        let Input::Csv(csv) = &mut self.input else {
            return;
        };
        let (parallel, blocks) = pool_blocks(self.chunk > 1);
        let queue = &mut self.queue;
        let mut sink = |placed: &blocks::Placed<'_>, out: Vec<Result<Account>>| {
            for (i, mut item) in out.into_iter().enumerate().skip(placed.from) {
                let rel = placed.tokens.relative(i);
                if let Err(e) = &mut item {
                    placed.placement.place_error(rel, e);
                }
                queue.push_back((placed.placement.position(rel), item));
            }
            Ok(())
        };
        let work = |c: &cresci::CsvConvert, t: &blocks::Tokens| c.convert_all(t);
        let step = if parallel {
            csv.step_parallel(blocks, &work, &mut sink)
        } else {
            csv.step(blocks, &work, &mut sink)
        };
        match step {
            Ok(true) => {}
            Ok(false) => self.finished = true,
            Err(e) => {
                let pos = error_position(&e).unwrap_or_default();
                self.queue.push_back((pos, Err(e)));
                self.finished = true;
            }
        }
    }

    /// Converts the next JSON Lines blocks into the queue: a few at once on the rayon pool
    /// when [`ReadOptions::parallel_chunk`] asks for parallel conversion, else one.
    fn fill_lines(&mut self) {
        let Input::Lines(lines) = &mut self.input else {
            return;
        };
        let (parallel, blocks) = pool_blocks(self.chunk > 1);
        match lines.next_blocks(blocks, parallel) {
            None => self.finished = true,
            Some(Ok(placed)) => {
                for (at, block) in placed {
                    for (rel, mut item) in block.items {
                        if let Err(e) = &mut item {
                            at.place_error(rel, e);
                        }
                        self.queue.push_back((at.position(rel), item));
                    }
                }
            }
            Some(Err(e)) => {
                let pos = error_position(&e).unwrap_or_default();
                self.queue.push_back((pos, Err(e)));
                self.finished = true;
            }
        }
    }

    /// Checks, labels and joins one converted record, and counts it.
    fn finish(&mut self, pos: Position, item: Result<Account>) -> Result<Account> {
        let key = match &item {
            Ok(account) if self.seen.is_some() => DupKey::of(account),
            _ => None,
        };
        let item = self.check(pos, key, item).map(|mut account| {
            if account.label.is_none() {
                if let (Some(labels), Some(id)) = (&self.labels, &account.profile.id) {
                    account.label = labels.get(id);
                }
            }
            if account.label.is_none() {
                account.label = self.label;
            }
            if let Some(tweets) = &mut self.tweets {
                let posts = account
                    .profile
                    .id
                    .as_deref()
                    .map(|id| tweets.take(id))
                    .unwrap_or_default();
                account.activity = Some(posts);
            }
            account
        });
        self.count(pos, item)
    }

    /// The duplicate check of one record.
    fn check<T>(&mut self, pos: Position, key: Option<DupKey>, item: Result<T>) -> Result<T> {
        let item = item?;
        if let (Some(seen), Some(key)) = (&mut self.seen, key) {
            key.check(seen, &self.origin, pos)?;
        }
        Ok(item)
    }

    /// Counts one record, accepted or rejected (strict mode ends the reading at a rejection).
    fn count<T>(&mut self, pos: Position, item: Result<T>) -> Result<T> {
        self.stats.records_read += 1;
        match item {
            Ok(value) => {
                self.stats.accepted += 1;
                Ok(value)
            }
            Err(error) => {
                let position = error_position(&error).unwrap_or(pos);
                self.stats.rejected.push(Rejection {
                    position,
                    error: copy_error(&error),
                });
                if self.mode == Mode::Strict {
                    self.queue.clear();
                    self.finished = true;
                }
                Err(error)
            }
        }
    }

    /// Whether [`Audit::run_reader`](crate::Audit::run_reader) can read the rest of this
    /// input in blocks on the rayon pool: a CSV or JSON Lines input without a tweets file or
    /// a labels file, not read from yet.
    pub fn reads_in_blocks(&self) -> bool {
        self.can_read_blocks()
    }

    /// Whether [`AccountReader::read_blocks`] can read this input.
    pub(crate) fn can_read_blocks(&self) -> bool {
        matches!(self.input, Input::Csv(_) | Input::Lines(_))
            && self.tweets.is_none()
            && self.labels.is_none()
            && self.queue.is_empty()
            && self.stats.records_read == 0
            && !self.finished
    }

    /// Reads the rest of a CSV input block by block, for a caller that turns accounts into
    /// something smaller on the rayon pool (the audit scores them there): `work` maps a
    /// block's valid accounts (in order) to one output per account (it may take their
    /// strings);
    /// `sink` gets each record's output (or error, a duplicate included) in input order, with
    /// its position. Records are counted in [`AccountReader::stats`] as when iterating; a
    /// label or a tweets join is not applied (a reader with a tweets file is not read here).
    ///
    /// Returns `None` when this reader cannot be read so (not CSV, a tweets or labels file, or
    /// reading has begun); the caller then iterates.
    ///
    /// # Errors
    /// An I/O error, what `sink` returns, and in strict mode the first rejected record.
    pub(crate) fn read_blocks<T, W, S>(
        &mut self,
        parallel: bool,
        work: &W,
        sink: &mut S,
    ) -> Option<Result<()>>
    where
        T: Send,
        W: Fn(&mut [Account]) -> Vec<T> + Sync,
        S: FnMut(Position, Result<T>) -> Result<()>,
    {
        if !self.can_read_blocks() {
            return None;
        }
        let input = std::mem::replace(&mut self.input, Input::Done);
        let keyed = self.seen.is_some();
        let blocks = pool_blocks(parallel).1;
        // Per block: each record's position relative to the block and its conversion (`Ok(k)`:
        // the k-th account), the accounts' duplicate keys and `work`'s outputs.
        let finish = |slots: Vec<Slot>, accounts: &mut [Account]| {
            let keys: Vec<Option<DupKey>> = if keyed {
                accounts.iter().map(DupKey::of).collect()
            } else {
                Vec::new()
            };
            (slots, keys, work(accounts))
        };
        let split = |items: Vec<(Position, Result<Account>)>| -> Worked<T> {
            let mut accounts = Vec::with_capacity(items.len());
            let slots: Vec<Slot> = items
                .into_iter()
                .map(|(rel, item)| {
                    let slot = item.map(|a| {
                        accounts.push(a);
                        accounts.len() - 1
                    });
                    (rel, slot.map_err(Box::new))
                })
                .collect();
            finish(slots, &mut accounts)
        };
        let result = match input {
            Input::Csv(mut csv) => {
                // Records are converted into accounts kept from block to block (their
                // strings' buffers reused), not into a new vector of new accounts per block.
                let kept = std::sync::Mutex::new(Vec::<Kept>::new());
                let run = |c: &cresci::CsvConvert, t: &blocks::Tokens| {
                    let mut mine = kept
                        .lock()
                        .ok()
                        .and_then(|mut k| k.pop())
                        .unwrap_or_default();
                    let mut slots = Vec::with_capacity(t.len());
                    let mut n = 0;
                    for i in 0..t.len() {
                        if mine.accounts.len() == n {
                            mine.accounts.push(Account::default());
                        }
                        let rel = t.relative(i);
                        let account = &mut mine.accounts[n];
                        match c.convert_into(&t.record(i), rel, account, &mut mine.spare) {
                            Ok(()) => {
                                slots.push((rel, Ok(n)));
                                n += 1;
                            }
                            Err(e) => slots.push((rel, Err(Box::new(e)))),
                        }
                    }
                    let worked = finish(slots, &mut mine.accounts[..n]);
                    if let Ok(mut k) = kept.lock() {
                        k.push(mine);
                    }
                    worked
                };
                let mut place = |placed: &blocks::Placed<'_>, worked: Worked<T>| {
                    self.take_worked(worked, placed.from, &placed.placement, sink)
                };
                if parallel {
                    csv.drive(blocks, &run, &mut place)
                } else {
                    loop {
                        match csv.step(blocks, &run, &mut place) {
                            Ok(true) => {}
                            Ok(false) => break Ok(()),
                            Err(e) => break Err(e),
                        }
                    }
                }
            }
            Input::Lines(mut lines) => {
                let mut place = |at: &json::LinePlacement, worked: Worked<T>| {
                    self.take_worked(worked, 0, at, sink)
                };
                if parallel {
                    lines.drive(blocks, &split, &mut place)
                } else {
                    lines.step(&split, &mut place)
                }
            }
            other => {
                self.input = other;
                return None;
            }
        };
        self.finished = true;
        // Nothing more will be read: free the duplicate index before the caller's next step.
        self.seen = None;
        Some(result)
    }
}

/// Accounts a block job converts CSV records into, kept for the next block with spare string
/// buffers (see [`cresci::CsvConvert::convert_into`]).
#[derive(Default)]
struct Kept {
    accounts: Vec<Account>,
    spare: Vec<String>,
}

/// Whether to work blocks on the rayon pool (`wanted`, and more than one thread), and how
/// many to read at once: two per thread, or one. As many blocks are in flight (read, worked
/// or waiting to be placed): more only held more memory and ran no faster (1M audit, 2
/// threads, 6 runs each: 8 in flight 1.00 to 1.30 s and 145 to 184 MB peak, 4 in flight 1.00
/// to 1.12 s and 136 to 149 MB).
fn pool_blocks(wanted: bool) -> (bool, usize) {
    let threads = rayon::current_num_threads();
    if wanted && threads > 1 {
        (true, 2 * threads)
    } else {
        (false, 1)
    }
}

/// A block's records as `read_blocks` works them: relative position and conversion
/// (`Ok(k)`: the k-th account), the accounts' duplicate keys, one output per account.
type Worked<T> = (Vec<Slot>, Vec<Option<DupKey>>, Vec<T>);

/// A record of a worked block: its position relative to the block, and `Ok(k)` for the k-th
/// account or its error (boxed: errors are rare, and a block holds a slot per record).
type Slot = (Position, std::result::Result<usize, Box<Error>>);

impl AccountReader {
    /// Checks, counts and hands to `sink` the worked records of a placed block, from record
    /// `from` on (before it: a CSV header).
    fn take_worked<T, S>(
        &mut self,
        (slots, keys, outs): Worked<T>,
        from: usize,
        at: &impl blocks::Place,
        sink: &mut S,
    ) -> Result<()>
    where
        S: FnMut(Position, Result<T>) -> Result<()>,
    {
        // Look every key of the block up once before checking them in order: independent
        // lookups overlap their cache misses, and the ordered checks then find the index's
        // lines in cache (the index is far larger than the cache on a big list).
        if let Some(seen) = &mut self.seen {
            let mut hits = 0usize;
            for key in keys.iter().flatten() {
                hits += usize::from(seen.contains(key.hash));
            }
            std::hint::black_box(hits);
        }
        let mut keys = keys.into_iter();
        let mut outs = outs.into_iter();
        for (i, (rel, slot)) in slots.into_iter().enumerate() {
            let item = slot.map(|_| {
                let key = keys.next().flatten();
                let out = outs.next().expect("one output per account");
                (key, out)
            });
            if i < from {
                continue;
            }
            let (key, item) = match item {
                Ok((key, out)) => (key, Ok(out)),
                Err(mut e) => {
                    at.place_error(rel, &mut e);
                    (None, Err(*e))
                }
            };
            let pos = at.position(rel);
            let item = self.check(pos, key, item);
            let item = self.count(pos, item);
            let stop = item.is_err() && self.mode == Mode::Strict;
            sink(pos, item)?;
            if stop {
                self.finished = true;
                return Err(Error::InvalidData(
                    "strict mode: stopped at a rejected record".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The key of the duplicate check: the id (else the lower-cased screen name), hashed, and
/// the field and value an error names.
pub(crate) struct DupKey {
    hash: u64,
    field: &'static str,
    value: IdText,
}

/// An id as an error would show it, without a heap allocation when it is short (keys are
/// made on worker threads and dropped on the reading thread).
enum IdText {
    Inline { len: u8, bytes: [u8; 30] },
    Heap(Box<str>),
}

impl IdText {
    fn new(s: &str) -> IdText {
        match s.len() {
            len @ 0..=30 => {
                let mut bytes = [0u8; 30];
                bytes[..len].copy_from_slice(s.as_bytes());
                IdText::Inline {
                    len: len as u8,
                    bytes,
                }
            }
            _ => IdText::Heap(s.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            IdText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            IdText::Heap(s) => s,
        }
    }
}

impl DupKey {
    fn of(account: &Account) -> Option<DupKey> {
        let p = &account.profile;
        let platform = [p.platform as u8];
        let (key, field, value) = match (&p.id, &p.screen_name) {
            (Some(id), _) => (hash_str(&[&platform, b"id", id.as_bytes()]), "id", id),
            (None, Some(sn)) => (
                hash_str(&[&platform, b"sn", sn.to_ascii_lowercase().as_bytes()]),
                "screen_name",
                sn,
            ),
            (None, None) => return None,
        };
        Some(DupKey {
            hash: key,
            field,
            value: IdText::new(value),
        })
    }

    fn check(self, seen: &mut HashIndex, origin: &str, position: Position) -> Result<()> {
        let record = u32::try_from(position.record).unwrap_or(u32::MAX);
        match seen.insert(self.hash, record) {
            None => Ok(()),
            Some(first) => Err(Error::Parse {
                origin: origin.to_string(),
                position,
                field: self.field.to_string(),
                value: crate::error::clip_value(self.value.as_str()),
                reason: format!("duplicate {}: first seen in record {first}", self.field),
            }),
        }
    }
}

fn error_position(e: &Error) -> Option<Position> {
    match e {
        Error::Parse { position, .. } => Some(*position),
        _ => None,
    }
}

/// A copy of an error for [`ReadStats::rejected`] (I/O errors keep their kind and message).
fn copy_error(e: &Error) -> Error {
    match e {
        Error::Parse {
            origin,
            position,
            field,
            value,
            reason,
        } => Error::Parse {
            origin: origin.clone(),
            position: *position,
            field: field.clone(),
            value: value.clone(),
            reason: reason.clone(),
        },
        Error::Io { origin, err } => Error::Io {
            origin: origin.clone(),
            err: std::io::Error::new(err.kind(), err.to_string()),
        },
        Error::Format { origin, reason } => Error::Format {
            origin: origin.clone(),
            reason: reason.clone(),
        },
        other => Error::InvalidData(other.to_string()),
    }
}

impl Iterator for AccountReader {
    type Item = Result<Account>;

    fn next(&mut self) -> Option<Result<Account>> {
        loop {
            if let Some((pos, item)) = self.queue.pop_front() {
                return Some(self.finish(pos, item));
            }
            if self.finished {
                if let Some(tweets) = &self.tweets {
                    self.stats.unmatched_posts = tweets.remaining();
                }
                return None;
            }
            self.fill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert!("nope".parse::<Format>().is_err());
    }

    #[test]
    fn column_map_parses_cli_strings() {
        let m: ColumnMap = "name=user_name, Followers_Count = fans,".parse().unwrap();
        assert_eq!(m.get("name"), Some("user_name"));
        assert_eq!(m.get("followers_count"), Some("fans"));
        assert!("name".parse::<ColumnMap>().is_err());
        assert!("=x".parse::<ColumnMap>().is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBF\"id\",\"screen_name\"\n"),
            Some(Format::CresciCsv)
        );
        assert_eq!(
            Format::detect(br#"{"data":[{"id":"1","username":"a","public_metrics":{}}]}"#),
            Some(Format::TwitterV2)
        );
        assert_eq!(
            Format::detect(br#"{"id":1,"screen_name":"a","verified_type":-1}"#),
            Some(Format::Weibo)
        );
        assert_eq!(
            Format::detect(br#"{"id":1,"screen_name":"a","followers_count":1}"#),
            Some(Format::TwitterV1)
        );
        assert_eq!(
            Format::detect(br#"{"username":"a","follower_count":1}"#),
            Some(Format::InstagramJsonl)
        );
        assert_eq!(
            Format::detect(b"profile pic,#followers,fake\n"),
            Some(Format::InstagramKaggleCsv)
        );
        assert_eq!(
            Format::detect(b"\"Profile.URL\",\"rating\",\"Username\"\n"),
            Some(Format::InstagramSrfCsv)
        );
        let err = detect_with(b"id,text,user_id\n", &ColumnMap::default()).unwrap_err();
        assert!(err.contains("tweets file"));
        let mapped = ColumnMap::new().with("screen_name", "handle");
        assert_eq!(
            detect_with(b"handle,fans\n", &mapped),
            Ok(Format::CresciCsv)
        );
    }

    #[test]
    fn reader_can_move_to_another_thread() {
        fn is_send<T: Send>(_: &T) -> bool {
            true
        }
        let reader =
            AccountReader::from_reader(&b"id,screen_name\n1,a\n"[..], &ReadOptions::default())
                .unwrap();
        assert!(is_send(&reader));
        let handle = std::thread::spawn(move || reader.count());
        assert_eq!(handle.join().unwrap(), 1);
    }

    #[test]
    fn hash_index_agrees_with_a_hash_map() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        // Grown as ids come, sized for them all at the start, and sized when a third is in
        // (its full tables moved into larger ones).
        let mut grown = HashIndex::new();
        let mut sized = HashIndex::new();
        sized.reserve(300_000);
        let mut late = HashIndex::new();
        let mut reference: HashMap<u64, u32> = HashMap::new();
        let mut repeats = 0;
        // Enough ids to grow every shard several times; some repeated, some tiny (0 and 1
        // are one key by design), some equal in their low bits (the same starting slot).
        for record in 0..300_000u32 {
            if record == 100_000 {
                late.reserve(300_000);
            }
            let hash = match rng.gen_range(0..10) {
                0 => rng.gen_range(0..2000),
                1 => rng.gen_range(0..64u64) << 40 | 0xABCD,
                _ => rng.gen(),
            };
            let key = hash.max(1);
            let want = match reference.entry(key) {
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(record);
                    None
                }
            };
            repeats += usize::from(want.is_some());
            for index in [&mut grown, &mut sized, &mut late] {
                assert_eq!(index.contains(hash), want.is_some(), "{hash}");
                assert_eq!(index.insert(hash, record), want, "{hash}");
            }
        }
        assert!(repeats > 20_000);
        for index in [&grown, &sized, &late] {
            assert_eq!(
                index.shards.iter().map(|s| s.len).sum::<usize>(),
                reference.len()
            );
        }
        // Sized for them all, the tables did not grow while the ids came.
        let slots = |i: &HashIndex| i.shards.iter().map(|s| s.slots.len()).collect::<Vec<_>>();
        assert_eq!(slots(&sized), slots(&grown));
    }

    #[test]
    fn record_guesses_scale_the_prefix() {
        assert_eq!(expected_records(&Some((100, 65_536)), 655_360), Some(1_000));
        assert_eq!(expected_records(&Some((3, 65_536)), 655_360), None);
        assert_eq!(expected_records(&None, 655_360), None);
    }

    #[test]
    fn stable_hashes() {
        assert_eq!(hash_str(&[b"a", b"b"]), hash_str(&[b"a", b"b"]));
        assert_ne!(hash_str(&[b"ab"]), hash_str(&[b"a", b"b"]));
        assert_ne!(hash_str(&[b"a\0"]), hash_str(&[b"a"]));
        assert_ne!(hash_str(&[b""]), hash_str(&[]));
        // No collision among a million decimal ids (as in a follower export).
        let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
        for i in 0..1_000_000u64 {
            let id = (829_857_256_701_952_000 + i * 7919).to_string();
            assert!(
                seen.insert(hash_str(&[b"\x01", b"id", id.as_bytes()])),
                "{id}"
            );
        }
    }
}
