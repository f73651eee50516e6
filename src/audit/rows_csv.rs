//! The per-follower CSV's writer: rows put together in a buffer and handed to the output in
//! pieces.

use std::io::Write;

use crate::error::Error;

/// About how many bytes are gathered before they are handed to the output.
const PIECE: usize = 1 << 16;

/// Writes CSV as the csv crate's default writer does (fields separated by `,`, rows ended by
/// `\n`, a field quoted only when it holds `,`, `"`, `\r` or `\n`, a quote inside doubled), so
/// that its output is byte for byte that writer's (tested), at less cost per row: whether a
/// field needs quotes is found with memchr's wide compares, where the csv crate looks its
/// bytes up one by one before copying them, and a row costs no call into a writer state
/// machine.
///
/// One difference: the csv crate writes a row of one empty field as `""` (an empty line would
/// read as no row), and this writer would write an empty line. It never writes such a row:
/// every row has the header's seven fields and starts with a position.
///
/// As the csv crate's writer does, it hands what it has gathered to the output when dropped
/// (errors ignored), so that an audit stopped by an error leaves the rows written so far.
pub(super) struct RowsCsv<'w> {
    out: &'w mut dyn Write,
    buf: Vec<u8>,
    /// Fields written in the current row.
    fields: usize,
}

impl<'w> RowsCsv<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Self {
        RowsCsv {
            out,
            buf: Vec::with_capacity(PIECE + 4096),
            fields: 0,
        }
    }

    /// Appends a field to the current row.
    pub(super) fn field(&mut self, bytes: impl AsRef<[u8]>) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
        push_field(&mut self.buf, bytes.as_ref());
    }

    /// Writes a row of `position` in decimal followed by `tail`, the rest of the row as
    /// [`push_field`] and [`push_plain_field`] wrote it, each field after a `,` (so `tail`
    /// starts with `,`), without the row's end.
    ///
    /// # Errors
    /// The output's.
    pub(super) fn row_with_tail(&mut self, position: u64, tail: &[u8]) -> std::io::Result<()> {
        debug_assert_eq!(self.fields, 0);
        write!(self.buf, "{position}")?;
        self.buf.extend_from_slice(tail);
        self.end_row()
    }

    /// Ends the current row; hands the gathered rows to the output once they fill a piece.
    ///
    /// # Errors
    /// The output's.
    pub(super) fn end_row(&mut self) -> std::io::Result<()> {
        self.buf.push(b'\n');
        self.fields = 0;
        if self.buf.len() >= PIECE {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Hands every gathered row to the output and flushes it.
    ///
    /// # Errors
    /// The output's.
    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        let written = self.out.write_all(&self.buf);
        // Not again on drop, whether or not it was written.
        self.buf.clear();
        written?;
        self.out.flush()
    }
}

impl Drop for RowsCsv<'_> {
    fn drop(&mut self) {
        let _ = self.out.write_all(&self.buf);
    }
}

/// Appends `bytes` to `buf` as one CSV field: as they are, or quoted, with each quote
/// doubled, when they hold `,`, `"`, `\r` or `\n`.
pub(super) fn push_field(buf: &mut Vec<u8>, bytes: &[u8]) {
    if !needs_quotes(bytes) {
        buf.extend_from_slice(bytes);
        return;
    }
    buf.push(b'"');
    let mut rest = bytes;
    while let Some(at) = memchr::memchr(b'"', rest) {
        buf.extend_from_slice(&rest[..=at]);
        buf.push(b'"');
        rest = &rest[at + 1..];
    }
    buf.extend_from_slice(rest);
    buf.push(b'"');
}

/// Appends `bytes`, known to hold no byte that needs quotes (a number, a fixed name), to
/// `buf` as one CSV field.
pub(super) fn push_plain_field(buf: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(!needs_quotes(bytes), "{bytes:?}");
    buf.extend_from_slice(bytes);
}

/// Whether a field holds a byte that must be quoted: byte by byte when short (where memchr's
/// set-up would cost more than the look), else with memchr's wide compares.
fn needs_quotes(bytes: &[u8]) -> bool {
    if bytes.len() < 32 {
        return bytes
            .iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    }
    memchr::memchr3(b',', b'"', b'\n', bytes).is_some() || memchr::memchr(b'\r', bytes).is_some()
}

/// A failed write of the per-follower rows of the audit of `source`.
pub(super) fn rows_write_error(source: &str, err: std::io::Error) -> Error {
    Error::Io {
        origin: format!("the per-follower rows of {source}"),
        err,
    }
}

/// A failed write of the CSV output `what`.
pub(super) fn csv_error(what: &str, e: csv::Error) -> Error {
    let text = e.to_string();
    let err = match e.into_kind() {
        csv::ErrorKind::Io(err) => err,
        _ => std::io::Error::other(text),
    };
    Error::Io {
        origin: what.to_string(),
        err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(rows: &[Vec<String>]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut w = RowsCsv::new(&mut out);
            for row in rows {
                for f in row {
                    w.field(f);
                }
                w.end_row().unwrap();
            }
            w.flush().unwrap();
        }
        out
    }

    fn the_csv_crates(rows: &[Vec<String>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for row in rows {
            w.write_record(row).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn quotes_what_the_csv_crate_quotes() {
        let rows: Vec<Vec<String>> = [
            ["0", "12", "ann", "0.500000", "fake", "likely_fake", "a; b"],
            ["1", "", "", "1.000000", "genuine", "uncertain", ""],
            [
                "2",
                "x,y",
                "say \"hi\"",
                "line\nbreak",
                "cr\rhere",
                "\"",
                ",",
            ],
            [
                "3",
                "张小明",
                "émile",
                "tab\there",
                "\"\"",
                "end\"",
                "a,\"b\",c",
            ],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(
            String::from_utf8(ours(&rows)).unwrap(),
            String::from_utf8(the_csv_crates(&rows)).unwrap()
        );
    }

    #[test]
    fn rows_past_a_piece_come_out_whole_and_in_order() {
        // Enough rows to be handed over in several pieces.
        let rows: Vec<Vec<String>> = (0..20_000)
            .map(|i| vec![i.to_string(), format!("name,{i}"), "reason".repeat(i % 7)])
            .collect();
        assert_eq!(ours(&rows), the_csv_crates(&rows));
    }

    #[test]
    fn rows_not_flushed_reach_the_output_when_the_writer_is_dropped() {
        // As the csv crate's writer: an audit stopped by an error keeps the rows made so far.
        let mut out = Vec::new();
        {
            let mut w = RowsCsv::new(&mut out);
            w.field("a");
            w.field("b,c");
            w.end_row().unwrap();
        }
        assert_eq!(out, b"a,\"b,c\"\n");
    }

    proptest! {
        #[test]
        fn any_fields_are_written_as_the_csv_crate_writes_them(
            rows in (2usize..8).prop_flat_map(|n| prop::collection::vec(
                prop::collection::vec("[a-c,\"\r\n ;é]{0,12}", n),
                1..20,
            ))
        ) {
            prop_assert_eq!(ours(&rows), the_csv_crates(&rows));
        }
    }
}
