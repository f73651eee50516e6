//! JSON Lines read in blocks: [`LinesInput`] splits each block into lines and converts them
//! here or on the rayon pool, placing the records back in input order with the record numbers
//! and lines [`JsonSource`](super::json_source::JsonSource) would give.

use rayon::prelude::*;

use super::blocks::{Block, Splitter, BLOCK_BYTES};
use super::json_source::MAX_RECORD_BYTES;
use super::raw::{Convert, Payload, Raw};
use super::values::field_error;
use crate::account::Account;
use crate::error::{Error, Position, Result};

/// A JSON Lines input read in blocks (see [`super::blocks`]): each block's lines are split
/// and converted on the rayon pool, or here one block at a time, with the records, record
/// numbers and lines [`JsonSource`](super::json_source::JsonSource) gives: one record per line that is not blank, a line
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
            super::raw::convert_checked(convert, &raw, &mut out);
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

    /// Up to `blocks` blocks read here, converted and worked (on the pool when `parallel`),
    /// each handed to `sink` in input order with where it is. Returns whether input may be
    /// left. `work` gets each block's converted items with their block-relative positions.
    ///
    /// # Errors
    /// What `sink` returns, else an I/O error of the input (in the call after the blocks read
    /// before it).
    pub(crate) fn step<T, W, S>(
        &mut self,
        blocks: usize,
        parallel: bool,
        work: &W,
        sink: &mut S,
    ) -> Result<bool>
    where
        T: Send,
        W: Fn(Vec<(Position, Result<Account>)>) -> T + Sync,
        S: FnMut(&LinePlacement, T) -> Result<()>,
    {
        if let Some(e) = self.pending.take() {
            return Err(e);
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
        let (convert, origin) = (&*self.convert, self.origin.as_str());
        let one = |b: &Block| {
            let mut lines = LinesInput::convert_block(convert, origin, &b.bytes);
            let out = work(std::mem::take(&mut lines.items));
            (lines, out)
        };
        let worked: Vec<(LinesBlock, T)> = if parallel {
            read.par_iter().map(one).collect()
        } else {
            read.iter().map(one).collect()
        };
        for (b, (lines, out)) in read.into_iter().zip(worked) {
            self.splitter.recycle(b.bytes);
            if let Some(at) = self.place(&lines) {
                sink(&at, out)?;
            }
        }
        Ok(!self.done || self.pending.is_some())
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
        // Steps taken before may have met the end, or an I/O error after their blocks.
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(());
        }
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
        let result = crate::inorder::ordered_jobs(in_flight, origin, next, job, place);
        self.done = true;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::blocks::Place;
    use crate::formats::json_source::{JsonSource, Layout};
    use crate::formats::raw::Source;

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

    /// The same through blocks of `size` bytes, two at a time, here or on the pool.
    fn in_blocks(text: &str, size: usize, parallel: bool) -> Vec<(Position, String)> {
        let convert = Box::new(crate::formats::twitter::V1 { origin: "t".into() });
        let mut input = LinesInput::with_block_size(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            convert,
            size,
        );
        let mut out = Vec::new();
        let work = |items: Vec<(Position, Result<Account>)>| items;
        let mut sink = |at: &LinePlacement, items: Vec<(Position, Result<Account>)>| {
            for (rel, mut item) in items {
                if let Err(e) = &mut item {
                    at.place_error(rel, e);
                }
                out.push((at.position(rel), show(item)));
            }
            Ok(())
        };
        while input
            .step(2, parallel, &work, &mut sink)
            .expect("in memory")
        {}
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
