//! How to read an input: [`ReadOptions`] and the bad-record [`Mode`].

use std::path::PathBuf;
use std::str::FromStr;

use super::columns::ColumnMap;
use super::format::Format;
use crate::account::Label;
use crate::error::{Error, Result};

/// What a reader does with a bad record.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub enum Mode {
    /// Yield the first error, then end.
    #[default]
    Strict,
    /// Yield every error and go on; every rejected record is kept in [`ReadStats::rejected`](super::ReadStats::rejected).
    Lenient,
}

impl std::fmt::Display for Mode {
    /// `strict` or `lenient`, as [`Mode::from_str`] parses it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Strict => "strict",
            Mode::Lenient => "lenient",
        })
    }
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

/// Serialized as its name, the string [`Mode::from_str`](std::str::FromStr) parses.
impl From<Mode> for String {
    fn from(v: Mode) -> String {
        v.to_string()
    }
}

impl TryFrom<String> for Mode {
    type Error = crate::error::Error;

    fn try_from(s: String) -> crate::error::Result<Mode> {
        s.parse()
    }
}

/// How to read an input. Build it with the consuming setters from [`ReadOptions::default`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReadOptions {
    pub(super) format: Option<Format>,
    pub(super) mode: Mode,
    pub(super) columns: ColumnMap,
    pub(super) label: Option<Label>,
    pub(super) label_from_dataset: bool,
    pub(super) tweets: Option<PathBuf>,
    pub(super) labels: Option<PathBuf>,
    pub(super) origin: Option<String>,
    pub(super) check_duplicates: bool,
    pub(super) parallel: bool,
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
            parallel: false,
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
    /// ([`AccountReader::from_reader`](super::AccountReader::from_reader)) without this option, its accounts are unlabelled.
    ///
    /// # Examples
    /// ```no_run
    /// use follower_audit::{open, Format, ReadOptions};
    /// let options = ReadOptions::default()
    ///     .format(Format::TwitterV1)
    ///     .labels("verified-2019/verified-2019.tsv");
    /// let reader = open("verified-2019/verified-2019_tweets.json", &options)?;
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
    /// 64-bit hash and a 32-bit record number per account, in 12-byte slots of hash tables that
    /// double when 7/8 full: about 14 to 28 bytes per account. Turn it off for strictly
    /// constant memory on inputs known to be unique. A hash collision (odds about 1 in 36
    /// million at a million accounts) would reject a distinct account as a duplicate.
    pub fn check_duplicates(mut self, yes: bool) -> Self {
        self.check_duplicates = yes;
        self
    }

    /// Convert records on the rayon pool when iterating (default `false`: on the calling
    /// thread). The reader then reads a few blocks at a time (two per pool thread, each about
    /// 1 MiB or 4,096 JSON records), converts them at once on the pool and yields their
    /// records in order, so the results (accounts, errors, statistics) are exactly those of
    /// sequential reading. Either way iteration reads a block ahead of what it yields (a JSON
    /// array: 4,096 records or about 1 MiB), so a slow stream's first account comes once that
    /// much has arrived. Audits read in blocks on the pool whatever this says (see
    /// [`Audit::run_reader`](crate::Audit::run_reader)).
    pub fn parallel(mut self, yes: bool) -> Self {
        self.parallel = yes;
        self
    }
}
