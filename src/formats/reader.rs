//! [`AccountReader`]: opens an input, detects its format, and yields its records as checked,
//! labelled and counted accounts.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::csv_input::{self, CsvInput};
use super::dedup::{count_lines, expected_records, DupKey, HashIndex};
use super::format::{detect_with, sniff_delimiter, Format};
use super::json_lines::LinesInput;
use super::json_source::{JsonSource, Layout};
use super::options::{Mode, ReadOptions};
use super::raw::{Convert, Source};
use super::stats::{ReadStats, Rejection};
use super::tweets::TweetIndex;
use super::{instagram, labels, twitter, weibo};
use crate::account::{Account, Label};
use crate::error::{Error, Position, Result};

/// Where records come from: CSV blocks, or raw records of a JSON format and their converter.
pub(super) enum Input {
    Csv(Box<CsvInput>),
    Json {
        source: Box<dyn Source>,
        convert: Box<dyn Convert>,
    },
    /// JSON Lines, read in blocks.
    Lines(Box<LinesInput>),
    /// Read to the end.
    Done,
}

/// A streaming iterator of accounts from one input: opening, format detection, the
/// supported formats and what counts as bad input.
///
/// It turns a file (or any [`Read`](std::io::Read)) in one of the supported [`Format`]s into a
/// stream of [`Result<Account>`](crate::Account), in memory that does not grow with the input
/// (except for the duplicate check's index, about 14 to 28 bytes per account; see
/// [`ReadOptions::check_duplicates`]). The format is detected from the
/// content unless given.
///
/// Items are `Ok(account)` or `Err(error)` for a bad record; in [`Mode::Strict`] the iterator
/// ends after the first error, except that a repeated record ([`Error::Duplicate`](crate::Error::Duplicate)) is
/// yielded as an error and reading goes on (the first occurrence is the account kept). [`AccountReader::stats`] counts what was read.
///
/// Without the duplicate check, a reader's memory is bounded by its buffers and the largest
/// record, whatever the number of accounts (measurements: `docs/performance.md`, "Reader
/// internals").
///
/// | [`Format`] | input | platform | label |
/// |---|---|---|---|
/// | `CresciCsv` | Cresci / MIB `users.csv`, optional `tweets.csv` | Twitter | [`ReadOptions::label`] or the `dataset` column |
/// | `TwitterV1` | API v1.1 user objects: JSON array or JSON Lines | Twitter | option |
/// | `TwitterV2` | API v2 `users` responses or user objects | Twitter | option |
/// | `InstagramJsonl` | plain Instagram profiles, JSON Lines or array | Instagram | option |
/// | `InstaFake` | InstaFake JSON array | Instagram | `isFake` |
/// | `InstagramKaggleCsv` | Kaggle "free4ever1" train/test CSV | Instagram | `fake` |
/// | `InstagramSrfCsv` | SRF Data `labelled_1000_inclprivate.csv` | Instagram | `rating` |
/// | `Weibo` | Sina Weibo `users/show` objects: JSON array or JSON Lines | Weibo | option |
/// | `Botometer` | Botometer `<set>_tweets.json` (`{"created_at", "user": {v1.1 user}}`) | Twitter | [`ReadOptions::labels`], else the sibling `<set>.tsv` (`human`/`bot`) |
/// | `InstagramParmaCsv` | 2021 `OldDataSet.csv` / `NewDataset.csv` (`Profile Pic`, ..., `Fake`) | Instagram | `Fake` |
/// | `InstagramCsv` | Instagram profiles as scrapers write them to CSV (`username`, `followersCount`, ...) | Instagram | option |
///
/// The Fast Followerz 2017 `fake_users.csv` is a `CresciCsv` (its `user_name` is the display
/// name; booleans `True`/`False`, dates `2013-07-22 10:05:39`), labelled with
/// [`ReadOptions::label`]. Any format can take its labels from an `id<TAB>label` file joined by
/// id ([`ReadOptions::labels`]); an account whose id the file lacks keeps `label: None`.
///
/// Any of these may come gzip-compressed (recognised by its first bytes, `1f 8b`, whatever
/// the file's name): it is decompressed as it is read, its format detected from the
/// decompressed bytes, and errors name the compressed input. It reads in blocks like the
/// plain file and gives the same accounts, positions and errors.
///
/// # What counts as bad input
/// Every bad record yields an [`Error::Parse`](crate::Error::Parse) naming the origin, the record (and line), the field
/// and the value. In particular:
/// - counts that are negative, not integers, larger than `u64`, NaN or infinite;
/// - text that is not UTF-8 (the value is shown lossily);
/// - CSV rows with fewer (or more) fields than the header;
/// - dates that do not parse, and creation dates that cannot be true: before the platform opened
///   (Twitter 2006-03-21, Weibo 2009-08-14), after the record's crawl time, or (when the crawl
///   time is unknown) more than a day in the future. These are rejected, not kept, because a
///   wrong account age silently skews the strongest features;
/// - a second record with the same platform id (or, without an id, the same screen name, ignoring
///   ASCII case). Records without either (InstaFake, Kaggle) are never judged duplicates.
///
/// Empty text and `NULL` are read as missing (`None`). An empty input is an [`Error::Format`](crate::Error::Format).
///
/// # Examples
/// ```
/// use follower_audit::{AccountReader, Format, Label, ReadOptions};
///
/// let data = "id,screen_name,followers_count,friends_count,created_at\n\
///             1,alice,10,20,Wed Oct 10 20:19:24 +0000 2018\n";
/// let options = ReadOptions::default().label(Label::Genuine);
/// let mut reader = AccountReader::from_reader(data.as_bytes(), &options)?;
/// assert_eq!(reader.format(), Format::CresciCsv);
/// let accounts: Vec<_> = reader.by_ref().collect::<Result<_, _>>()?;
/// assert_eq!(accounts[0].profile.followers_count, Some(10));
/// assert_eq!(accounts[0].label, Some(Label::Genuine));
/// assert_eq!(reader.stats().accepted, 1);
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub struct AccountReader {
    format: Format,
    pub(super) origin: String,
    pub(super) mode: Mode,
    pub(super) label: Option<Label>,
    pub(super) input: Input,
    /// Iteration converts blocks on the rayon pool ([`ReadOptions::parallel`]).
    parallel: bool,
    /// Records the engine has handed on and iteration has not yet given, with their
    /// positions.
    pub(super) queue: VecDeque<(Position, Result<Account>)>,
    /// Post keys joined to an account so far (see [`Claims`]).
    pub(super) claims: Claims,
    pub(super) seen: Option<HashIndex>,
    pub(super) tweets: Option<TweetIndex>,
    pub(super) labels: Option<labels::LabelIndex>,
    pub(super) stats: ReadStats,
    pub(super) finished: bool,
    progress: ReadProgress,
    input_size: Option<u64>,
}

/// How many bytes an [`AccountReader`] has taken from its input so far, readable from any
/// thread ([`AccountReader::progress`]).
#[derive(Clone, Debug, Default)]
pub struct ReadProgress(Arc<AtomicU64>);

impl ReadProgress {
    /// Bytes taken from the input so far (as stored: compressed bytes for a gzip input).
    pub fn bytes_read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The input, counting the bytes read from it.
struct Counting {
    inner: Box<dyn Read + Send>,
    progress: ReadProgress,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
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

const SNIFF_BYTES: usize = 64 * 1024;

/// The path [`AccountReader::open`] reads as standard input.
const STDIN_PATH: &str = "-";

/// Standard input's name in errors and reports.
const STDIN_ORIGIN: &str = "<stdin>";

/// The first two bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl AccountReader {
    /// Opens a file, detects (or takes) its format, and reads its header. The path `-` reads
    /// standard input instead (named `<stdin>` in errors unless [`ReadOptions::origin`] says
    /// otherwise; a file named `-` is `./-`). A gzip-compressed input, file or stream, is
    /// decompressed as it is read.
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
        if path == Path::new(STDIN_PATH) {
            let origin = options
                .origin
                .clone()
                .unwrap_or_else(|| STDIN_ORIGIN.into());
            return Self::build(Box::new(std::io::stdin()), origin, options, None, None);
        }
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
        input: Box<dyn Read + Send>,
        origin: String,
        options: &ReadOptions,
        size: Option<u64>,
        path: Option<&Path>,
    ) -> Result<AccountReader> {
        // Every byte taken from the input (before decompression) is counted, for progress.
        let progress = ReadProgress::default();
        let input_size = size;
        let mut input: Box<dyn Read + Send> = Box::new(Counting {
            inner: input,
            progress: progress.clone(),
        });
        let io = |err| Error::Io {
            origin: origin.clone(),
            err,
        };
        // Read a prefix for detection, then put it back in front of the rest.
        let read_prefix = |input: &mut Box<dyn Read + Send>| {
            let mut prefix = Vec::with_capacity(SNIFF_BYTES);
            input
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut prefix)
                .map(|_| prefix)
        };
        let mut prefix = read_prefix(&mut input).map_err(io)?;
        // gzip (any format inside): decompressed as it is read, and detected from the
        // decompressed bytes. Several members (`cat a.gz b.gz`) read as one stream.
        let gzip = prefix.starts_with(&GZIP_MAGIC);
        if gzip {
            let raw = Cursor::new(prefix).chain(input);
            input = Box::new(MultiGzDecoder::new(raw));
            prefix = read_prefix(&mut input).map_err(io)?;
        }
        // A compressed file's size says little about its records.
        let size = size.filter(|_| !gzip);
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
        let layout = Layout::sniff(&prefix);
        // Lines and bytes of the prefix, for a guess of the number of records (a whole input
        // read as the prefix needs no guess).
        let prefix_lines =
            (prefix.len() == SNIFF_BYTES).then(|| (count_lines(&prefix), prefix.len() as u64));
        // A CSV's field separator: a comma, or a semicolon or tab sniffed from the header.
        let delimiter = if format.is_csv() {
            sniff_delimiter(&prefix)
        } else {
            b','
        };
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(input));
        let input = if format.is_csv() {
            Input::Csv(Box::new(csv_input::open(
                format, stream, &origin, options, delimiter,
            )?))
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
            if layout == Layout::Lines {
                Input::Lines(Box::new(LinesInput::new(stream, convert, origin.clone())))
            } else {
                let reader = Box::new(BufReader::with_capacity(256 * 1024, stream));
                let source = Box::new(JsonSource::new(reader, layout, origin.clone()));
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
                            "a botometer set needs its labels: no {} beside it (put the \
                             set's .tsv there, or in the library name it with \
                             ReadOptions::labels)",
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
            parallel: options.parallel,
            queue: VecDeque::new(),
            claims: Claims::default(),
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
            progress,
            input_size,
        })
    }

    /// Bytes taken from the input so far: from the file as stored (compressed bytes for a
    /// gzip input), including what is read ahead of the records yielded. With
    /// [`AccountReader::input_size`], how far a reading has gone; see
    /// [`AccountReader::progress`] to watch it from another thread.
    pub fn bytes_read(&self) -> u64 {
        self.progress.bytes_read()
    }

    /// The input's size in bytes as stored, when known: a regular file opened by path
    /// (compressed or not); `None` for standard input and other streams.
    pub fn input_size(&self) -> Option<u64> {
        self.input_size
    }

    /// A handle on [`AccountReader::bytes_read`] that another thread can read while this
    /// reader is busy (for a progress bar during [`Audit::run_reader`](crate::Audit::run_reader)).
    /// Reading it costs one atomic load; the reader adds to it once per read from the input
    /// (blocks of up to a megabyte).
    pub fn progress(&self) -> ReadProgress {
        self.progress.clone()
    }

    /// The columns of a CSV header in the X users layout ([`Format::CresciCsv`]) or the
    /// Instagram profiles layout ([`Format::InstagramCsv`]) that the reader reads as none of
    /// its fields, in header order; empty for other inputs, and once the input is read to the
    /// end. A column of counts under a name the reader does not
    /// know is among them: name it with [`ReadOptions::columns`](crate::ReadOptions::columns).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{AccountReader, ReadOptions};
    /// let csv = "id,screen_name,fans,follows,posts\n1,ann,3,4,5\n";
    /// let reader = AccountReader::from_reader(csv.as_bytes(), &ReadOptions::default())?;
    /// // `posts` is X's word for tweets, read as the post count.
    /// assert_eq!(reader.unread_columns(), ["fans", "follows"]);
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn unread_columns(&self) -> Vec<String> {
        match &self.input {
            Input::Csv(c) => c.unread.clone(),
            _ => Vec::new(),
        }
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// What the reader does with a malformed record: stop ([`Mode::Strict`]) or go on.
    pub fn mode(&self) -> Mode {
        self.mode
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

    /// One step of the engine (see [`AccountReader::engine`]) with the identity as its work:
    /// the next block's records, checked, labelled and joined, into the queue (a
    /// few blocks converted at once on the rayon pool when [`ReadOptions::parallel`]
    /// asks for parallel conversion).
    fn fill(&mut self) {
        let mut queue = std::mem::take(&mut self.queue);
        let strict = self.mode == Mode::Strict;
        let mut stopped = false;
        let identity = |accounts: &mut [Account]| -> Vec<Account> {
            accounts.iter_mut().map(std::mem::take).collect()
        };
        let mut sink = |pos: Position, item: Result<Account>| {
            stopped |= strict && item.as_ref().is_err_and(|e| !e.is_duplicate());
            queue.push_back((pos, item));
            Ok(())
        };
        let pace = Pace::Step {
            parallel: self.parallel,
        };
        // Counted as yielded, so that the statistics never count records read ahead.
        if let Err(e) = self.engine(pace, false, &identity, &mut sink) {
            // Strict mode's stop has been handed on already; any other error (an I/O error)
            // ends the input as a rejected record of its own.
            if !stopped {
                let pos = error_position(&e).unwrap_or_default();
                queue.push_back((pos, Err(e)));
            }
        }
        self.queue = queue;
    }

    /// The duplicate check of one record.
    pub(super) fn check<T>(
        &mut self,
        pos: Position,
        key: Option<DupKey>,
        item: Result<T>,
    ) -> Result<T> {
        let item = item?;
        if let (Some(seen), Some(key)) = (&mut self.seen, key) {
            key.check(seen, &self.origin, pos)?;
        }
        Ok(item)
    }

    /// Counts one record, accepted or rejected.
    pub(super) fn count<T>(&mut self, pos: Position, item: Result<T>) -> Result<T> {
        self.stats.records_read += 1;
        match item {
            Ok(value) => {
                self.stats.accepted += 1;
                Ok(value)
            }
            Err(error) => {
                let position = error_position(&error).unwrap_or(pos);
                self.stats
                    .rejected
                    .push(Rejection::new(position, copy_error(&error)));
                Err(error)
            }
        }
    }
}

pub(super) fn error_position(e: &Error) -> Option<Position> {
    match e {
        Error::Parse { position, .. } | Error::Duplicate { position, .. } => Some(*position),
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
        Error::Duplicate {
            origin,
            position,
            field,
            value,
            first,
        } => Error::Duplicate {
            origin: origin.clone(),
            position: *position,
            field: field.clone(),
            value: value.clone(),
            first: *first,
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
                return Some(self.count(pos, item));
            }
            if self.finished {
                return None;
            }
            self.fill();
        }
    }
}

/// The posts taken so far, in input order: an id's posts belong to the first record with
/// that id that is accepted; a later one (possible without the duplicate check) gets none,
/// as when iterating, and is worked on again without them.
#[derive(Default)]
pub(super) struct Claims(pub(super) HashSet<u64>);

/// How far one call of [`AccountReader::engine`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pace {
    /// The next blocks, then back to the caller: one block here, or (when `parallel` and
    /// the pool has threads to spare) two per thread worked at once on the rayon pool.
    Step { parallel: bool },
    /// The rest of the input, pipelined on the rayon pool (the reading on a thread of its
    /// own, blocks worked as they come and placed in input order).
    Drive,
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
