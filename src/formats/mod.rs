//! Streaming readers for export formats: [`AccountReader`] and its options.
//!
//! The user documentation (formats, what counts as bad input) is on [`AccountReader`].

use std::path::Path;

use crate::error::Result;

mod blocks;
mod columns;
mod cresci;
mod csv_input;
mod csv_rows;
mod dedup;
mod engine;
mod format;
mod instagram;
mod json;
mod json_lines;
mod json_source;
mod labelled;
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
pub use self::format::Format;
pub use self::labelled::read_labelled;
pub use self::options::{Mode, ReadOptions};
pub use self::reader::{AccountReader, ReadProgress};
pub use self::stats::{ReadStats, Rejection};

/// Opens a file (or, for `-`, standard input) for reading accounts; the same as
/// [`AccountReader::open`].
///
/// # Errors
/// See [`AccountReader::open`].
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccountReader> {
    AccountReader::open(path, options)
}
