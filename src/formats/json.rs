//! Streaming JSON: splits a JSON array, JSON Lines or a sequence of JSON documents into the raw
//! bytes of one top-level value at a time, and typed field access with precise errors.
//!
//! The splitter never parses a whole file: it tracks string and bracket state byte by byte and
//! hands each complete element to `serde_json`, so memory is bounded by the largest record.

use std::io::{BufRead, Read as _};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde_json::{Map, Value};

use super::blocks::{Block, Splitter, BLOCK_BYTES};
use super::raw::{Convert, Payload, Raw, Source};
use super::values::{field_error, parse_bool, parse_count, parse_date};
use crate::account::Account;
use crate::error::{Error, Position, Result};

/// The largest single record (array element, line or document) the splitter accepts.
const MAX_RECORD_BYTES: usize = 256 << 20;

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

/// A JSON Lines input read in blocks (see [`super::blocks`]): each block's lines are split
/// and converted on the rayon pool, or here one block at a time, with the records, record
/// numbers and lines [`JsonSource`] gives: one record per line that is not blank, a line
/// longer than 256 MiB ending the input with an error.
pub(crate) struct LinesInput {
    splitter: Splitter,
    pub(crate) convert: Box<dyn Convert>,
    origin: String,
    counts: LineCounts,
    /// No block is left to read.
    done: bool,
    /// An I/O error to report after the blocks read before it.
    pending: Option<Error>,
}

/// Records and lines before the next block to place.
#[derive(Default)]
struct LineCounts {
    records: u64,
    lines: u64,
    /// A too-long line was placed: nothing after it is.
    ended: bool,
}

/// A block's converted records, each with its position relative to the block (record and
/// line counted from 0), and what the block holds in all.
pub(crate) struct LinesBlock {
    pub items: Vec<(Position, Result<Account>)>,
    records: u64,
    lines: u64,
    /// A line too long: the input ends after this block's items.
    fatal: bool,
}

impl LineCounts {
    /// Where a block's items are; moves the counts past the block.
    fn place(&mut self, block: &LinesBlock) -> LinePlacement {
        let at = LinePlacement {
            records: self.records,
            lines: self.lines,
        };
        self.records += block.records;
        self.lines += block.lines;
        self.ended |= block.fatal;
        at
    }
}

/// How a placed block's relative positions map to the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LinePlacement {
    records: u64,
    lines: u64,
}

impl super::blocks::Place for LinePlacement {
    fn position(&self, relative: Position) -> Position {
        Position::new(
            self.records + relative.record + 1,
            Some(self.lines + relative.line.unwrap_or(0) + 1),
        )
    }
}

impl LinesInput {
    /// With blocks of about `size` bytes (tests use tiny ones).
    #[cfg(test)]
    fn with_block_size(
        input: Box<dyn std::io::Read + Send>,
        convert: Box<dyn Convert>,
        size: usize,
    ) -> Self {
        LinesInput {
            splitter: Splitter::lines(input, size, MAX_RECORD_BYTES),
            ..LinesInput::new(Box::new(std::io::empty()), convert, "t".into())
        }
    }

    pub(crate) fn new(
        input: Box<dyn std::io::Read + Send>,
        convert: Box<dyn Convert>,
        origin: String,
    ) -> Self {
        LinesInput {
            splitter: Splitter::lines(input, BLOCK_BYTES, MAX_RECORD_BYTES),
            convert,
            origin,
            counts: LineCounts::default(),
            done: false,
            pending: None,
        }
    }

    /// Splits and converts one block (pure: may run on any thread).
    pub(crate) fn convert_block(convert: &dyn Convert, origin: &str, bytes: &[u8]) -> LinesBlock {
        let mut block = LinesBlock {
            items: Vec::new(),
            records: 0,
            lines: 0,
            fatal: false,
        };
        let mut out = Vec::with_capacity(1);
        let mut start = 0;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
            let line = &bytes[start..end];
            let line_index = block.lines;
            block.lines += 1;
            start = end;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let pos = Position::new(block.records, Some(line_index));
            block.records += 1;
            if line.len() > MAX_RECORD_BYTES {
                let e = field_error(
                    origin,
                    pos,
                    "<record>",
                    &String::from_utf8_lossy(&line[..line.len().min(400)]),
                    "record larger than 256 MiB",
                );
                block.items.push((pos, Err(e)));
                block.fatal = true;
                break;
            }
            let raw = Raw {
                record: pos.record,
                line: pos.line,
                payload: Payload::Json(line.to_vec()),
            };
            convert.convert(&raw, &mut out);
            block.items.extend(out.drain(..).map(|item| (pos, item)));
        }
        block
    }

    /// Places the next block: where its items are, or `None` when an earlier too-long line
    /// ended the input.
    pub(crate) fn place(&mut self, block: &LinesBlock) -> Option<LinePlacement> {
        if self.counts.ended {
            return None;
        }
        let at = self.counts.place(block);
        if self.counts.ended {
            self.done = true;
        }
        Some(at)
    }

    /// The next block, on this thread; `None` at the end.
    pub(crate) fn next_block(&mut self) -> Option<Result<Block>> {
        if self.done {
            return None;
        }
        match self.splitter.next_block() {
            Ok(Some(b)) => {
                if b.last {
                    self.done = true;
                }
                Some(Ok(b))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = true;
                Some(Err(Error::Io {
                    origin: self.origin.clone(),
                    err,
                }))
            }
        }
    }

    /// Reads the rest on this thread, block by block, as [`LinesInput::drive`] does.
    ///
    /// # Errors
    /// As [`LinesInput::drive`].
    pub(crate) fn step<T, W, S>(&mut self, work: &W, sink: &mut S) -> Result<()>
    where
        W: Fn(Vec<(Position, Result<Account>)>) -> T,
        S: FnMut(&LinePlacement, T) -> Result<()>,
    {
        while let Some(blocks) = self.next_blocks(1, false) {
            for (at, mut block) in blocks? {
                let out = work(std::mem::take(&mut block.items));
                sink(&at, out)?;
            }
        }
        Ok(())
    }

    /// Up to `blocks` blocks read here and converted (on the pool when `parallel`), each with
    /// where it is; `None` at the end. An I/O error comes in the call after the blocks read
    /// before it.
    pub(crate) fn next_blocks(
        &mut self,
        blocks: usize,
        parallel: bool,
    ) -> Option<Result<Vec<(LinePlacement, LinesBlock)>>> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        let mut read = Vec::new();
        while read.len() < blocks.max(1) {
            match self.next_block() {
                Some(Ok(b)) => read.push(b),
                Some(Err(e)) => {
                    self.pending = Some(e);
                    break;
                }
                None => break,
            }
        }
        if read.is_empty() {
            return self.pending.take().map(Err);
        }
        let (convert, origin) = (&*self.convert, self.origin.as_str());
        let one = |b: &Block| LinesInput::convert_block(convert, origin, &b.bytes);
        let converted: Vec<LinesBlock> = if parallel {
            read.par_iter().map(one).collect()
        } else {
            read.iter().map(one).collect()
        };
        let mut placed = Vec::with_capacity(converted.len());
        for (b, block) in read.into_iter().zip(converted) {
            self.splitter.recycle(b.bytes);
            if let Some(at) = self.place(&block) {
                placed.push((at, block));
            }
        }
        Some(Ok(placed))
    }

    /// Reads the rest on the rayon pool: `work` gets each block's converted items (with
    /// their block-relative positions); `sink` gets its output back in input order, with
    /// where the block is.
    ///
    /// # Errors
    /// What `sink` returns, else an I/O error of the input.
    pub(crate) fn drive<T, W, S>(&mut self, in_flight: usize, work: &W, sink: &mut S) -> Result<()>
    where
        T: Send,
        W: Fn(Vec<(Position, Result<Account>)>) -> T + Sync,
        S: FnMut(&LinePlacement, T) -> Result<()>,
    {
        let convert = &*self.convert;
        let origin = self.origin.as_str();
        let splitter = &mut self.splitter;
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let mut ended = false;
        let next = move || {
            if ended {
                return None;
            }
            while let Ok(buffer) = free_rx.try_recv() {
                splitter.recycle(buffer);
            }
            let block = splitter.next_block().transpose();
            ended = !matches!(&block, Some(Ok(b)) if !b.last);
            block
        };
        let job = |b: Block| {
            let mut lines = LinesInput::convert_block(convert, origin, &b.bytes);
            let out = work(std::mem::take(&mut lines.items));
            (b.bytes, lines, out)
        };
        let counts = &mut self.counts;
        let place = |(bytes, lines, out): (Vec<u8>, LinesBlock, T)| {
            // The splitter is gone only when reading ended.
            let _ = free_tx.send(bytes);
            if counts.ended {
                return Ok(());
            }
            let at = counts.place(&lines);
            sink(&at, out)
        };
        let result = super::blocks::ordered_jobs(in_flight, origin, next, job, place);
        self.done = true;
        result
    }
}

/// Parses one raw record into a JSON value, with UTF-8 and syntax errors named precisely.
pub(crate) fn parse_value(bytes: &[u8], origin: &str, pos: Position) -> Result<Value> {
    let text = utf8_of(bytes, origin, pos)?;
    serde_json::from_str(text).map_err(|e| {
        field_error(
            origin,
            pos,
            "<record>",
            text.trim_end(),
            format!("invalid JSON: {e}"),
        )
    })
}

/// The record as text, or an error naming the field that holds invalid UTF-8.
fn utf8_of<'b>(bytes: &'b [u8], origin: &str, pos: Position) -> Result<&'b str> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let at = e.valid_up_to();
            let (field, value) = match key_before(&bytes[..at]) {
                Some((key, start)) => (key, string_value_at(bytes, start)),
                None => ("<record>".to_string(), bytes),
            };
            Err(field_error(
                origin,
                pos,
                &field,
                &String::from_utf8_lossy(value),
                format!("invalid UTF-8 at byte {at} of the record"),
            ))
        }
    }
}

/// The last object key that appears before `offset` (to name the field holding bad bytes).
fn key_before(bytes: &[u8]) -> Option<(String, usize)> {
    let mut end = bytes.len();
    while let Some(colon) = bytes[..end].iter().rposition(|&c| c == b':') {
        let before = bytes[..colon].trim_ascii_end();
        if before.last() == Some(&b'"') {
            let body = &before[..before.len() - 1];
            if let Some(open) = body.iter().rposition(|&c| c == b'"') {
                let key = String::from_utf8_lossy(&body[open + 1..]).into_owned();
                return Some((key, colon + 1));
            }
        }
        end = colon;
    }
    None
}

/// The raw text of the string value starting at `start` (after a key's colon).
fn string_value_at(bytes: &[u8], start: usize) -> &[u8] {
    let rest = bytes[start.min(bytes.len())..].trim_ascii_start();
    let Some(body) = rest.strip_prefix(b"\"") else {
        return &rest[..rest.len().min(200)];
    };
    let mut escaped = false;
    for (i, &c) in body.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if c == b'\\' {
            escaped = true;
        } else if c == b'"' {
            return &body[..i];
        }
    }
    body
}

/// The fields of an object: a whole parsed map, or the few keys [`pick`] kept.
#[derive(Clone, Copy)]
pub(crate) enum Fields<'a> {
    Map(&'a Map<String, Value>),
    List(&'a [(&'static str, Value)]),
}

/// The wanted fields of one top-level object, in input order (a repeated key keeps its last
/// value, as a parsed map would).
pub(crate) struct Picked(Vec<(&'static str, Value)>);

/// Parses one raw record that must be an object, keeping only the `wanted` keys: the others are
/// skipped without being built, which is most of the work for API objects with dozens of keys.
/// Errors are the same as [`parse_value`]'s, plus "expected a JSON object".
pub(crate) fn pick(
    bytes: &[u8],
    wanted: &'static [&'static str],
    origin: &str,
    pos: Position,
) -> Result<Picked> {
    use serde::de::DeserializeSeed;
    let text = utf8_of(bytes, origin, pos)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let picked = PickSeed(wanted)
        .deserialize(&mut de)
        .and_then(|p| de.end().map(|()| p));
    picked.map_err(|e| {
        if e.classify() == serde_json::error::Category::Data && !text.trim_start().starts_with('{')
        {
            let shown = serde_json::from_str::<Value>(text)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| text.trim_end().to_string());
            field_error(origin, pos, "<record>", &shown, "expected a JSON object")
        } else {
            field_error(
                origin,
                pos,
                "<record>",
                text.trim_end(),
                format!("invalid JSON: {e}"),
            )
        }
    })
}

struct PickSeed(&'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for PickSeed {
    type Value = Picked;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Picked, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PickSeed {
    type Value = Picked;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Picked, A::Error> {
        let mut out: Vec<(&'static str, Value)> = Vec::with_capacity(self.0.len());
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            match key {
                Some(k) => {
                    let v: Value = map.next_value()?;
                    match out.iter_mut().find(|(name, _)| *name == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(Picked(out))
    }
}

/// Matches a key against the wanted list without allocating.
struct KeySeed(&'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Option<&'static str>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed {
    type Value = Option<&'static str>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> std::result::Result<Self::Value, E> {
        Ok(self.0.iter().copied().find(|w| *w == key))
    }
}

/// Typed access to the fields of one JSON object, with errors naming origin, position and the
/// field's path (`data[2].public_metrics.followers_count`).
pub(crate) struct Obj<'a> {
    pub map: Fields<'a>,
    pub origin: &'a str,
    pub pos: Position,
    pub path: String,
}

impl<'a> Obj<'a> {
    /// Wraps a value that must be an object.
    pub(crate) fn new(
        value: &'a Value,
        origin: &'a str,
        pos: Position,
        path: &str,
    ) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Obj {
                map: Fields::Map(map),
                origin,
                pos,
                path: path.to_string(),
            }),
            other => Err(field_error(
                origin,
                pos,
                if path.is_empty() { "<record>" } else { path },
                &other.to_string(),
                "expected a JSON object",
            )),
        }
    }

    pub(crate) fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn err(&self, key: &str, value: &Value, reason: &str) -> Error {
        let shown = match value {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        field_error(self.origin, self.pos, &self.name(key), &shown, reason)
    }

    /// Wraps the fields a [`pick`] kept from a top-level record.
    pub(crate) fn picked(picked: &'a Picked, origin: &'a str, pos: Position) -> Self {
        Obj {
            map: Fields::List(&picked.0),
            origin,
            pos,
            path: String::new(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        let found = match self.map {
            Fields::Map(m) => m.get(key),
            Fields::List(l) => l.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
        };
        match found {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A nested object, when present.
    pub(crate) fn object(&self, key: &str) -> Result<Option<Obj<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, self.origin, self.pos, &self.name(key)).map(Some),
        }
    }

    /// Text; the empty string counts as missing. Numbers are accepted as their text.
    pub(crate) fn text(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(v) => Err(self.err(key, v, "expected text")),
        }
    }

    /// An id: a string or an integer, as text.
    pub(crate) fn id(&self, keys: &[&str]) -> Result<Option<String>> {
        for key in keys {
            match self.get(key) {
                None => continue,
                Some(Value::String(s)) if s.is_empty() => continue,
                Some(Value::String(s)) => return Ok(Some(s.clone())),
                Some(Value::Number(n)) if n.is_u64() => return Ok(Some(n.to_string())),
                Some(v) => return Err(self.err(key, v, "expected an id (text or an integer)")),
            }
        }
        Ok(None)
    }

    /// A non-negative count; numeric text is accepted.
    pub(crate) fn count(&self, key: &str) -> Result<Option<u64>> {
        let v = match self.get(key) {
            None => return Ok(None),
            Some(v) => v,
        };
        match v {
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Ok(Some(u))
                } else if n.as_i64().is_some() {
                    Err(self.err(key, v, "negative count"))
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    if f < 0.0 {
                        Err(self.err(key, v, "negative count"))
                    } else if f >= 18_446_744_073_709_551_616.0 {
                        Err(self.err(key, v, "count exceeds the largest 64-bit count"))
                    } else if f.fract() != 0.0 {
                        Err(self.err(key, v, "count is not an integer"))
                    } else {
                        Ok(Some(f as u64))
                    }
                }
            }
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => parse_count(s.as_bytes())
                .map(Some)
                .map_err(|r| self.err(key, v, r)),
            _ => Err(self.err(key, v, "expected a count")),
        }
    }

    /// A count that must fit in 32 bits.
    pub(crate) fn count32(&self, key: &str) -> Result<Option<u32>> {
        match self.count(key)? {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| {
                self.err(
                    key,
                    self.get(key).unwrap_or(&Value::Null),
                    "count exceeds 4294967295",
                )
            }),
        }
    }

    /// A boolean: `true`/`false`, `0`/`1`, or boolean text.
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>> {
        let v = match self.get(key) {
            None => return Ok(None),
            Some(v) => v,
        };
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Number(n) => match n.as_u64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(self.err(key, v, "not a boolean (expected true/false or 0/1)")),
            },
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => parse_bool(s.as_bytes())
                .map(Some)
                .map_err(|r| self.err(key, v, r)),
            _ => Err(self.err(key, v, "not a boolean (expected true/false or 0/1)")),
        }
    }

    /// A timestamp in any form [`parse_date`] accepts, or Unix seconds as a number.
    pub(crate) fn date(&self, key: &str) -> Result<Option<DateTime<Utc>>> {
        let v = match self.get(key) {
            None => return Ok(None),
            Some(v) => v,
        };
        match v {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => parse_date(s.as_bytes())
                .map(Some)
                .map_err(|r| self.err(key, v, r)),
            Value::Number(n) => n
                .as_i64()
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .map(Some)
                .ok_or_else(|| self.err(key, v, "not a Unix time in seconds")),
            _ => Err(self.err(key, v, "expected a date")),
        }
    }

    /// The length of an array, when present (`entities.urls`).
    pub(crate) fn array_len(&self, key: &str) -> Result<Option<u32>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a.len().min(u32::MAX as usize) as u32)),
            Some(v) => Err(self.err(key, v, "expected an array")),
        }
    }

    /// `true` when the key is present with a non-null, non-empty value.
    pub(crate) fn present(&self, key: &str) -> bool {
        match self.get(key) {
            None => false,
            Some(Value::String(s)) => !s.is_empty() && s != "0",
            Some(Value::Number(n)) => n.as_u64() != Some(0),
            Some(_) => true,
        }
    }
}

/// Top-level object keys of the first records in `prefix` (used to detect the format).
pub(crate) fn keys_in(prefix: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut i = 0;
    while i < prefix.len() && keys.len() < 400 {
        if prefix[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            while j < prefix.len() {
                let c = prefix[j];
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    break;
                }
                j += 1;
            }
            if j >= prefix.len() {
                break;
            }
            let mut k = j + 1;
            while k < prefix.len() && prefix[k].is_ascii_whitespace() {
                k += 1;
            }
            if prefix.get(k) == Some(&b':') {
                keys.push(String::from_utf8_lossy(&prefix[start..j]).into_owned());
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    keys
}

#[cfg(test)]
mod lines_tests {
    use super::*;
    use crate::formats::blocks::Place;

    /// Every account or error with its position, as [`JsonSource`] reads JSON Lines.
    fn sequential(text: &str) -> Vec<(Position, String)> {
        let mut src = JsonSource::new(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            Layout::Lines,
            "t".into(),
        );
        let convert = crate::formats::twitter::V1 { origin: "t".into() };
        let mut out = Vec::new();
        while let Some(raw) = src.next_raw() {
            match raw {
                Ok(raw) => {
                    let mut items = Vec::new();
                    convert.convert(&raw, &mut items);
                    out.extend(items.into_iter().map(|i| (raw.position(), show(i))));
                }
                Err(e) => out.push((Position::default(), format!("fatal {e}"))),
            }
        }
        out
    }

    /// The same through blocks of `size` bytes, in one go or two at a time on the pool.
    fn in_blocks(text: &str, size: usize, parallel: bool) -> Vec<(Position, String)> {
        let convert = Box::new(crate::formats::twitter::V1 { origin: "t".into() });
        let mut input = LinesInput::with_block_size(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            convert,
            size,
        );
        let mut out = Vec::new();
        while let Some(blocks) = input.next_blocks(2, parallel) {
            for (at, block) in blocks.expect("in memory") {
                for (rel, mut item) in block.items {
                    if let Err(e) = &mut item {
                        at.place_error(rel, e);
                    }
                    out.push((at.position(rel), show(item)));
                }
            }
        }
        out
    }

    fn show(item: Result<Account>) -> String {
        match item {
            Ok(a) => format!("{:?} {:?}", a.profile.id, a.profile.followers_count),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn blocks_read_what_the_line_reader_reads() {
        let ok = |id: u32| format!("{{\"id_str\":\"{id}\",\"followers_count\":{id}}}");
        let mut text = String::new();
        for i in 0..300 {
            match i % 17 {
                3 => text.push_str("   \n"),
                5 => text.push_str("{\"id_str\": \"x\", \"followers_count\": -1}\n"),
                7 => text.push_str("{not json\n"),
                11 => text.push_str(&format!("{}\r\n", ok(i))),
                13 => text.push('\n'),
                _ => text.push_str(&format!("{}\n", ok(i))),
            }
        }
        text.push_str(&ok(9999));
        let want = sequential(&text);
        assert!(want.len() > 250);
        assert!(want.iter().any(|(_, s)| s.contains("invalid JSON")));
        for size in [1, 7, 64, 1000, 1 << 20] {
            for parallel in [false, true] {
                assert_eq!(in_blocks(&text, size, parallel), want, "size {size}");
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

    #[test]
    fn keys_of_prefix() {
        assert_eq!(keys_in(br#"[{"a": "b:", "c" : 1"#), vec!["a", "c"]);
    }

    #[test]
    fn key_before_names_the_field() {
        assert_eq!(
            key_before(br#"{"id": 1, "name": "ab"#),
            Some(("name".to_string(), 17))
        );
        assert_eq!(
            string_value_at(br#"{"name": "a\"b", "x": 1}"#, 8),
            br#"a\"b"#
        );
    }
}
