//! The crate's one error type.

use std::fmt;

/// Where in an input a problem was found: the line (1-based, as an editor shows it) and the
/// record number (1-based, counting data records, not headers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// 1-based line number in the input, when the format is line-oriented.
    pub line: Option<u64>,
    /// 1-based number of the record (row, JSON object) among the data records.
    pub record: u64,
}

impl Position {
    /// A position known by its record number and line.
    pub fn new(record: u64, line: Option<u64>) -> Position {
        Position { line, record }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {}, record {}", line, self.record),
            None => write!(f, "record {}", self.record),
        }
    }
}

/// Every error this crate returns.
///
/// Parse errors carry the source (a file name or a caller-given label), the position, the field
/// and the offending value, so that a user can find and fix the record.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record had a field whose value could not be used.
    #[error("{origin}: {position}: field `{field}`: {reason} (value: {value:?})")]
    Parse {
        /// The input's name (file path or label).
        origin: String,
        /// Where the record is.
        position: Position,
        /// The field (column or JSON key) at fault; `<record>` when the record as a whole is bad.
        field: String,
        /// The offending value, shortened to at most 200 characters.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A record repeats the id (or, without one, the screen name) of an earlier record. It is
    /// a rejected record like a [`Error::Parse`] one, but never a malformed one: readers and
    /// the audit count and report it in strict mode too, without stopping (the first
    /// occurrence is the one kept).
    #[error(
        "{origin}: {position}: field `{field}`: duplicate {field}: first seen in record {first} \
         (value: {value:?})"
    )]
    Duplicate {
        /// The input's name (file path or label).
        origin: String,
        /// Where the repeat is.
        position: Position,
        /// The key compared: `id`, or `screen_name` for records without an id.
        field: String,
        /// The repeated value, shortened to at most 200 characters.
        value: String,
        /// The record number where the value was first seen.
        first: u64,
    },
    /// Reading the input, or writing an output, failed.
    #[error("{origin}: I/O error: {err}")]
    Io {
        /// The input's name, or what was being written.
        origin: String,
        /// The underlying error.
        #[source]
        err: std::io::Error,
    },
    /// The input's format could not be recognised or is not what was asked for.
    #[error("{origin}: {reason}")]
    Format {
        /// The input's name.
        origin: String,
        /// Why the format is not usable.
        reason: String,
    },
    /// A feature matrix's schema is not the one a model or detector was built for.
    #[error("feature schema mismatch: expected {expected}, found {found}")]
    SchemaMismatch {
        /// The schema the detector needs (name, version and column count, or the missing column).
        expected: String,
        /// The schema it was given.
        found: String,
    },
    /// A hyperparameter or option is out of range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParams {
        /// The parameter's name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Training or evaluation data cannot be used (empty, one class only, lengths differ, ...).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A serialized model could not be loaded.
    #[error("model: {0}")]
    Model(String),
}

impl Error {
    /// Whether this is an [`Error::Duplicate`]: a repeated record, not a malformed one.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Error::Duplicate { .. })
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shortens a value for an error message to at most 200 characters (on a char boundary).
pub(crate) fn clip_value(value: &str) -> String {
    const MAX: usize = 200;
    match value.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &value[..i]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_names_everything() {
        let e = Error::Parse {
            origin: "users.csv".into(),
            position: Position::new(3, Some(4)),
            field: "followers_count".into(),
            value: "-5".into(),
            reason: "negative count".into(),
        };
        assert_eq!(
            e.to_string(),
            "users.csv: line 4, record 3: field `followers_count`: negative count (value: \"-5\")"
        );
    }

    #[test]
    fn duplicate_error_reads_as_the_parse_error_it_replaced() {
        let e = Error::Duplicate {
            origin: "users.csv".into(),
            position: Position::new(3, Some(4)),
            field: "id".into(),
            value: "17".into(),
            first: 1,
        };
        assert!(e.is_duplicate());
        assert_eq!(
            e.to_string(),
            "users.csv: line 4, record 3: field `id`: duplicate id: first seen in record 1 \
             (value: \"17\")"
        );
        let parse = Error::Parse {
            origin: "users.csv".into(),
            position: Position::new(3, Some(4)),
            field: "id".into(),
            value: "17".into(),
            reason: "duplicate id: first seen in record 1".into(),
        };
        assert!(!parse.is_duplicate());
        assert_eq!(parse.to_string(), e.to_string());
    }

    #[test]
    fn clip_value_keeps_char_boundaries() {
        let long: String = "微".repeat(300);
        let clipped = clip_value(&long);
        assert_eq!(clipped.chars().count(), 203);
        assert_eq!(clip_value("abc"), "abc");
    }
}
