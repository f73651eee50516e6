//! Labels kept apart from the accounts, joined to them by id: `id<TAB>label` lines, as the
//! Botometer bot repository's `<set>.tsv` files are (see [`ReadOptions::labels`]).
//!
//! [`ReadOptions::labels`]: super::ReadOptions::labels

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::values::field_error;
use crate::account::Label;
use crate::error::{Error, Position, Result};

/// Labels by account id.
#[derive(Debug, Default)]
pub(crate) struct LabelIndex {
    map: HashMap<String, (Label, u64)>,
}

impl LabelIndex {
    /// Reads a labels file whole (it holds two short fields per account).
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; [`Error::Parse`] for its first bad line.
    pub(crate) fn load(path: &Path) -> Result<LabelIndex> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        LabelIndex::parse(&bytes, &origin)
    }

    /// Parses `id<TAB>label` lines: labels `human` / `genuine` (genuine) and `bot` / `fake`
    /// (fake), in any letter case. Blank lines are skipped, as is a first line whose label
    /// field is `label` (a header); a `\r` before the newline is dropped. An id given twice
    /// with the same label is kept once.
    ///
    /// # Errors
    /// [`Error::Parse`] naming `origin`, the line (and the data line as the record), the field
    /// (`<record>`, `id` or `label`) and the value, for a line that is not two tab-separated
    /// fields, an empty id, an unknown label, text that is not UTF-8, or an id given twice
    /// with different labels.
    pub(crate) fn parse(bytes: &[u8], origin: &str) -> Result<LabelIndex> {
        let mut index = LabelIndex::default();
        let mut record = 0u64;
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let raw = if line == 1 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            if raw.trim_ascii().is_empty() {
                continue;
            }
            record += 1;
            let pos = Position::new(record, Some(line));
            let err = |field: &str, value: &[u8], reason: String| {
                field_error(origin, pos, field, &String::from_utf8_lossy(value), reason)
            };
            let text = std::str::from_utf8(raw).map_err(|e| {
                err(
                    "<record>",
                    raw,
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                )
            })?;
            let fields: Vec<&str> = text.split('\t').collect();
            let [id, label] = fields[..] else {
                return Err(err(
                    "<record>",
                    raw,
                    format!(
                        "expected `id<TAB>label`, found {} tab-separated field(s)",
                        fields.len()
                    ),
                ));
            };
            let (id, label) = (id.trim(), label.trim());
            if line == 1 && label.eq_ignore_ascii_case("label") {
                record = 0;
                continue;
            }
            if id.is_empty() {
                return Err(err("id", raw, "empty id".into()));
            }
            let label = match label.to_ascii_lowercase().as_str() {
                "human" | "genuine" => Label::Genuine,
                "bot" | "fake" => Label::Fake,
                _ => {
                    return Err(err(
                        "label",
                        label.as_bytes(),
                        "unknown label (expected human, genuine, bot or fake)".into(),
                    ))
                }
            };
            match index.map.get(id) {
                Some(&(first, _)) if first == label => {}
                Some(&(_, first_line)) => {
                    return Err(err(
                        "id",
                        id.as_bytes(),
                        format!("labelled differently on line {first_line}"),
                    ))
                }
                None => {
                    index.map.insert(id.to_string(), (label, line));
                }
            }
        }
        Ok(index)
    }

    /// The label of an account id, when the file has one.
    pub(crate) fn get(&self, id: &str) -> Option<Label> {
        self.map.get(id).map(|&(label, _)| label)
    }
}

/// The labels file of a Botometer set next to its tweets file: `<dir>/<set>.tsv` for
/// `<dir>/<set>_tweets.json` (any extension; a name without `_tweets` keeps its stem).
pub(crate) fn sibling(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let set = stem.strip_suffix("_tweets").unwrap_or(&stem);
    path.with_file_name(format!("{set}.tsv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_botometer_lines() {
        let index = LabelIndex::parse(b"id\tlabel\n1\thuman\r\n\n2\tBOT\n2\tbot\n", "l").unwrap();
        assert_eq!(index.get("1"), Some(Label::Genuine));
        assert_eq!(index.get("2"), Some(Label::Fake));
        assert_eq!(index.get("3"), None);
    }

    #[test]
    fn bad_lines_name_file_line_and_value() {
        let cases: [(&[u8], u64, &str, &str); 5] = [
            (b"1\thuman\n2\trobot\n", 2, "label", "robot"),
            (b"1\thuman\n\n2,bot\n", 3, "<record>", "2,bot"),
            (b"1\thuman\t3\n", 1, "<record>", "1\thuman\t3"),
            (b"\tbot\n", 1, "id", "\tbot"),
            (b"1\thuman\n1\tbot\n", 2, "id", "1"),
        ];
        for (text, want_line, want_field, want_value) in cases {
            match LabelIndex::parse(text, "set.tsv") {
                Err(Error::Parse {
                    origin,
                    position,
                    field,
                    value,
                    ..
                }) => {
                    assert_eq!(origin, "set.tsv");
                    assert_eq!(position.line, Some(want_line));
                    assert_eq!(field, want_field);
                    assert_eq!(value, want_value);
                }
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(text)),
            }
        }
    }

    #[test]
    fn sibling_of_a_tweets_file() {
        assert_eq!(
            sibling(Path::new("d/verified-2019/verified-2019_tweets.json")),
            PathBuf::from("d/verified-2019/verified-2019.tsv")
        );
        assert_eq!(sibling(Path::new("x.json")), PathBuf::from("x.tsv"));
    }
}
