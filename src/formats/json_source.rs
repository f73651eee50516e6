//! Streaming JSON, one record at a time: [`JsonSource`] splits a JSON array, JSON Lines or a
//! sequence of JSON documents into the raw bytes of one top-level value at a time.
//!
//! The splitter never parses a whole file: it tracks string and bracket state byte by byte and
//! hands each complete element on, so memory is bounded by the largest record.

use std::io::{BufRead, Read as _};

use super::raw::{Payload, Raw, Source};
use super::values::field_error;
use crate::error::{Error, Position, Result};

/// The largest single record (array element, line or document) the splitter accepts.
pub(super) const MAX_RECORD_BYTES: usize = 256 << 20;

/// How the top level of the input is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `[ {...}, {...} ]`: each element is a record.
    Array,
    /// One value per line; a bad line is a bad record and reading resumes at the next line.
    Lines,
    /// Whitespace-separated documents, each possibly spanning lines.
    Documents,
}

impl Layout {
    /// Picks the layout from the first bytes of the input (BOM already removed).
    pub(crate) fn sniff(prefix: &[u8]) -> Layout {
        let start = prefix.iter().position(|c| !c.is_ascii_whitespace());
        match start.map(|i| prefix[i]) {
            Some(b'[') => Layout::Array,
            Some(_) => {
                let s = start.unwrap_or(0);
                let mut scan = Scanner::default();
                match scan.feed(&prefix[s..]) {
                    // The first value ends on its first line: JSON Lines.
                    Some(end) if !prefix[s..s + end].contains(&b'\n') => Layout::Lines,
                    _ => Layout::Documents,
                }
            }
            None => Layout::Documents,
        }
    }
}

/// Bracket and string state for finding where a value ends.
#[derive(Default)]
struct Scanner {
    depth: u32,
    in_string: bool,
    escape: bool,
    started: bool,
    newlines: u64,
}

impl Scanner {
    /// Feeds bytes of a value that starts with `{` or `[`; returns the index just past its end.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &c) in bytes.iter().enumerate() {
            if c == b'\n' {
                self.newlines += 1;
            }
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if c == b'\\' {
                    self.escape = true;
                } else if c == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        // A top-level string value ends here.
                        return Some(i + 1);
                    }
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.started && self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// A [`Source`] of raw JSON records.
pub(crate) struct JsonSource {
    reader: Box<dyn BufRead + Send>,
    layout: Layout,
    origin: String,
    line: u64,
    record: u64,
    opened: bool,
    done: bool,
}

impl JsonSource {
    pub(crate) fn new(reader: Box<dyn BufRead + Send>, layout: Layout, origin: String) -> Self {
        JsonSource {
            reader,
            layout,
            origin,
            line: 1,
            record: 0,
            opened: false,
            done: false,
        }
    }

    fn io(&self, err: std::io::Error) -> Error {
        Error::Io {
            origin: self.origin.clone(),
            err,
        }
    }

    fn fatal(&self, line: u64, value: &[u8], reason: &str) -> Error {
        field_error(
            &self.origin,
            Position::new(self.record, Some(line)),
            "<record>",
            &String::from_utf8_lossy(&value[..value.len().min(400)]),
            reason,
        )
    }

    /// Skips whitespace, counting lines; returns the next byte without consuming it.
    fn skip_ws(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut i = 0;
            while i < buf.len() && buf[i].is_ascii_whitespace() {
                if buf[i] == b'\n' {
                    self.line += 1;
                }
                i += 1;
            }
            if i < buf.len() {
                let c = buf[i];
                self.reader.consume(i);
                return Ok(Some(c));
            }
            self.reader.consume(i);
        }
    }

    /// Reads one value starting at the current byte into `out`. `Ok(false)` on end of input
    /// inside the value.
    fn capture(&mut self, first: u8, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let mut scan = Scanner::default();
        let scalar = !(first == b'{' || first == b'[' || first == b'"');
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.line += scan.newlines;
                return Ok(scalar && !out.is_empty());
            }
            let (used, complete) = if scalar {
                // A bare scalar or junk: runs to the next separator, and always takes at
                // least its first byte so that reading makes progress.
                let from = usize::from(out.is_empty());
                match buf[from..]
                    .iter()
                    .position(|&c| c == b',' || c == b']' || c.is_ascii_whitespace())
                {
                    Some(i) => (i + from, true),
                    None => (buf.len(), false),
                }
            } else {
                match scan.feed(buf) {
                    Some(i) => (i, true),
                    None => (buf.len(), false),
                }
            };
            out.extend_from_slice(&buf[..used]);
            self.reader.consume(used);
            if complete {
                self.line += scan.newlines;
                return Ok(true);
            }
            if out.len() > MAX_RECORD_BYTES {
                self.line += scan.newlines;
                return Ok(false);
            }
        }
    }

    fn next_array(&mut self) -> Result<Option<Raw>> {
        let c = self.skip_ws().map_err(|e| self.io(e))?;
        if !self.opened {
            self.opened = true;
            match c {
                Some(b'[') => self.reader.consume(1),
                _ => return Err(self.fatal(self.line, b"", "expected a JSON array")),
            }
            return self.next_element(true);
        }
        match c {
            Some(b',') => {
                self.reader.consume(1);
                self.next_element(false)
            }
            Some(b']') => {
                self.reader.consume(1);
                match self.skip_ws().map_err(|e| self.io(e))? {
                    None => Ok(None),
                    Some(_) => {
                        let mut rest = Vec::new();
                        let _ = self.capture(b' ', &mut rest);
                        self.record += 1;
                        Err(self.fatal(self.line, &rest, "unexpected data after the closing `]`"))
                    }
                }
            }
            None => {
                self.record += 1;
                Err(self.fatal(
                    self.line,
                    b"",
                    "unexpected end of input: the array is not closed",
                ))
            }
            Some(_) => {
                let mut rest = Vec::new();
                let _ = self.capture(b' ', &mut rest);
                self.record += 1;
                Err(self.fatal(
                    self.line,
                    &rest,
                    "expected `,` or `]` between array elements",
                ))
            }
        }
    }

    fn next_element(&mut self, first: bool) -> Result<Option<Raw>> {
        let c = self.skip_ws().map_err(|e| self.io(e))?;
        match c {
            Some(b']') if first => {
                self.reader.consume(1);
                Ok(None)
            }
            None => {
                self.record += 1;
                Err(self.fatal(
                    self.line,
                    b"",
                    "unexpected end of input: the array is not closed",
                ))
            }
            Some(c) => self.take_value(c),
        }
    }

    fn take_value(&mut self, c: u8) -> Result<Option<Raw>> {
        self.record += 1;
        let line = self.line;
        let mut out = Vec::new();
        let complete = self.capture(c, &mut out).map_err(|e| self.io(e))?;
        if !complete {
            let reason = if out.len() > MAX_RECORD_BYTES {
                "record larger than 256 MiB"
            } else {
                "unexpected end of input inside a record"
            };
            return Err(self.fatal(line, &out, reason));
        }
        Ok(Some(Raw {
            record: self.record,
            line: Some(line),
            payload: Payload::Json(out),
        }))
    }

    fn next_line(&mut self) -> Result<Option<Raw>> {
        loop {
            let mut out = Vec::new();
            let n = (&mut self.reader)
                .take(MAX_RECORD_BYTES as u64 + 1)
                .read_until(b'\n', &mut out)
                .map_err(|e| self.io(e))?;
            if n == 0 {
                return Ok(None);
            }
            let line = self.line;
            self.line += 1;
            if out.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.record += 1;
            if out.len() > MAX_RECORD_BYTES {
                return Err(self.fatal(line, &out, "record larger than 256 MiB"));
            }
            return Ok(Some(Raw {
                record: self.record,
                line: Some(line),
                payload: Payload::Json(out),
            }));
        }
    }
}

impl Source for JsonSource {
    fn next_raw(&mut self) -> Option<Result<Raw>> {
        if self.done {
            return None;
        }
        let r = match self.layout {
            Layout::Array => self.next_array(),
            Layout::Lines => self.next_line(),
            Layout::Documents => match self.skip_ws() {
                Err(e) => Err(self.io(e)),
                Ok(None) => Ok(None),
                Ok(Some(c)) => self.take_value(c),
            },
        };
        match r {
            Ok(Some(raw)) => Some(Ok(raw)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A split record: (record, line, text), or the error's message.
    type Split = std::result::Result<(u64, Option<u64>, String), String>;

    fn split(input: &str) -> Vec<Split> {
        let layout = Layout::sniff(input.as_bytes());
        let mut src = JsonSource::new(
            Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
            layout,
            "t".into(),
        );
        let mut out = Vec::new();
        while let Some(r) = src.next_raw() {
            out.push(match r {
                Ok(Raw {
                    record,
                    line,
                    payload: Payload::Json(b),
                }) => Ok((record, line, String::from_utf8(b).unwrap())),
                Err(e) => Err(e.to_string()),
            });
        }
        out
    }

    #[test]
    fn array_elements_with_tricky_strings() {
        let got = split("[\n {\"a\": \"}]\\\"\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n");
        assert_eq!(
            got,
            vec![
                Ok((1, Some(2), "{\"a\": \"}]\\\"\"}".to_string())),
                Ok((2, Some(3), "{\"b\": [1, {\"c\": 2}]}".to_string())),
            ]
        );
        assert!(split("[]").is_empty());
    }

    #[test]
    fn lines_resync_after_a_bad_line() {
        assert_eq!(Layout::sniff(b"{\"a\":1}\n{\"b\":"), Layout::Lines);
        let got = split("{\"a\":1}\n{\"b\":\n\n{\"c\":3}\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[2], Ok((3, Some(4), "{\"c\":3}\n".to_string())));
    }

    #[test]
    fn documents_span_lines() {
        assert_eq!(Layout::sniff(b"{\n\"data\": []\n}"), Layout::Documents);
        let got = split("{\n\"data\": []\n}\n{\"x\": 1}");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], Ok((2, Some(4), "{\"x\": 1}".to_string())));
    }

    #[test]
    fn unclosed_array_is_an_error() {
        let got = split("[{\"a\":1}, {\"b\":");
        assert_eq!(got.len(), 2);
        assert!(got[1]
            .as_ref()
            .unwrap_err()
            .contains("unexpected end of input"));
        let got = split("[{\"a\":1} {\"b\":2}]");
        assert!(got[1].as_ref().unwrap_err().contains("expected `,` or `]`"));
    }

    #[test]
    fn junk_between_documents_makes_progress() {
        let got = split(", ]\nx {\"a\": 1}");
        assert_eq!(got.len(), 4);
        assert_eq!(got[1], Ok((2, Some(1), "]".to_string())));
        assert_eq!(got[3], Ok((4, Some(2), "{\"a\": 1}".to_string())));
    }
}
