//! Streaming readers for export formats.
//!
//! [`AccountReader`] turns a file (or any [`Read`](std::io::Read)) in one of the supported [`Format`]s into a
//! stream of [`Result<Account>`](crate::Account), in memory that does not grow with the input
//! (except for the duplicate check's 64-bit hash per account, about 40 MB at the peak per
//! million accounts; see [`ReadOptions::check_duplicates`]). The format is detected from the
//! content unless given.
//!
//! Without the duplicate check, a reader's memory is bounded by its buffers and the largest
//! record, whatever the number of accounts (measurements: `docs/performance.md`, "Reader
//! internals").
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
//! Every bad record yields an [`Error::Parse`](crate::Error::Parse) naming the origin, the record (and line), the field
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
//! Empty text and `NULL` are read as missing (`None`). An empty input is an [`Error::Format`](crate::Error::Format).
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

use std::path::Path;

use crate::error::Result;

mod blocks;
mod columns;
mod cresci;
mod csv_input;
mod csv_rows;
mod dedup;
mod format;
mod instagram;
mod json;
mod json_lines;
mod json_source;
mod labels;
mod options;
mod raw;
mod reader;
mod stats;
mod tweets;
mod twitter;
mod values;
mod weibo;

pub use self::columns::ColumnMap;
pub use self::cresci::CresciColumns;
pub use self::format::Format;
pub use self::options::{Mode, ReadOptions};
pub use self::reader::AccountReader;
pub use self::stats::{ReadStats, Rejection};

/// Opens a file for reading accounts; the same as [`AccountReader::open`].
///
/// # Errors
/// See [`AccountReader::open`].
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccountReader> {
    AccountReader::open(path, options)
}
