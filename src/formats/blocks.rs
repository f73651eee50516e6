//! Reading a CSV input in independent blocks, so that its records can be tokenized (and
//! converted, and scored) on several threads, with exactly the records, record numbers and
//! line numbers a sequential read gives.
//!
//! The reading thread only does I/O: it cuts the byte stream into blocks of about
//! [`BLOCK_BYTES`], each ending after a newline that the quote parity says is outside a quoted
//! field (a guess: a stray quote in an unquoted field fools it). Each block is tokenized from a
//! fresh `csv_core` parser, as if it began a record. The blocks are then *placed* in input
//! order, and that is where the guess is checked: a block's parse is used only if the block
//! before it ended exactly at the end of a record (nothing but blank-line bytes after its last
//! record). Otherwise the unfinished record is carried over and tokenized again in front of the
//! next block, on the placing thread. By induction every placed record is one the sequential
//! parse reads, with the same line; a bad guess costs time, never a different result.
//!
//! Line numbers follow the `csv` crate: a record's line is one plus the newlines read before
//! the parser call that returned it (so blank lines between records are counted for the record
//! after next, as `csv` does).

use std::io::Read;

use csv::ByteRecord;

use crate::error::{Error, Position};

/// Bytes per block handed to a worker: a few thousand typical profile records.
pub(crate) const BLOCK_BYTES: usize = 1 << 20;

/// Read access to one record's fields: a `csv::ByteRecord` or a record inside [`Tokens`].
pub(crate) trait Record {
    /// Number of fields.
    fn len(&self) -> usize;
    /// Field `i`, if there is one.
    fn get(&self, i: usize) -> Option<&[u8]>;
    /// Field `i` as text when the record already knows it is valid UTF-8; `None` says
    /// nothing (no such field, or not known): check [`Record::get`]'s bytes then.
    #[inline]
    fn known_str(&self, _i: usize) -> Option<&str> {
        None
    }
}

impl Record for ByteRecord {
    #[inline]
    fn len(&self) -> usize {
        ByteRecord::len(self)
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        ByteRecord::get(self, i)
    }
}

/// One tokenized record: where its fields are in its block's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields<'a> {
    /// The block's bytes and unescaped fields ([`Tokens::data`]).
    data: &'a [u8],
    /// The same as text, when all of it is valid UTF-8.
    text: Option<&'a str>,
    /// Each field's start and end in `data`.
    fields: &'a [(usize, usize)],
}

impl Record for Fields<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.fields.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.fields.get(i)?;
        self.data.get(start..end)
    }
    /// A slice of the block's validated text; `str::get` checks that both ends are character
    /// boundaries (they always are: fields end at ASCII bytes).
    #[inline]
    fn known_str(&self, i: usize) -> Option<&str> {
        let &(start, end) = self.fields.get(i)?;
        self.text?.get(start..end)
    }
}

/// Where one record is in a [`Tokens`].
#[derive(Clone, Copy, Debug)]
struct Span {
    /// Index in `Tokens::fields` one past the record's last field.
    fields_end: usize,
    /// Newlines in the block before the parser call that returned this record.
    newlines: u64,
}

/// The records of one block, parsed from a fresh parser. The block's buffer is moved in (see
/// [`tokenize_owned`]) and taken out again with [`Tokens::take_buffer`].
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    /// The block's bytes, then the fields that are not a slice of them (quoted fields with
    /// doubled quotes, records `csv_core` parsed). Empty when `utf8`: the buffer is in `text`.
    data: Vec<u8>,
    /// Length of the block's bytes at the start of `data`.
    block_len: usize,
    /// The fields that are not a slice of the block, while tokenizing (appended to `data`
    /// after).
    extra: Vec<u8>,
    /// `data`, when all of it is valid UTF-8 (then `utf8` is set).
    text: String,
    utf8: bool,
    /// Each field's start and end in `data`.
    fields: Vec<(usize, usize)>,
    /// Field ends from `csv_core` (relative to its record's output).
    core_ends: Vec<usize>,
    spans: Vec<Span>,
    /// Bytes of the block up to the end of its last complete record.
    consumed: usize,
    /// Newlines in `block[..consumed]`.
    newlines_consumed: u64,
    /// Newlines in the whole block.
    newlines_total: u64,
    /// `block[consumed..]` holds no record (it is empty or only `\r` / `\n`), so the next
    /// block starts a record.
    clean: bool,
}

impl Tokens {
    /// Number of complete records.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Record `i`.
    pub(crate) fn record(&self, i: usize) -> Fields<'_> {
        let first = if i == 0 {
            0
        } else {
            self.spans[i - 1].fields_end
        };
        let (data, text) = if self.utf8 {
            (self.text.as_bytes(), Some(self.text.as_str()))
        } else {
            (self.data.as_slice(), None)
        };
        Fields {
            data,
            text,
            fields: &self.fields[first..self.spans[i].fields_end],
        }
    }

    /// The position of record `i` relative to its block, for [`Placement::position`].
    pub(crate) fn relative(&self, i: usize) -> Position {
        Position::new(i as u64, Some(self.spans[i].newlines))
    }

    /// The bytes that were tokenized.
    pub(crate) fn bytes(&self) -> &[u8] {
        let all = if self.utf8 {
            self.text.as_bytes()
        } else {
            self.data.as_slice()
        };
        &all[..self.block_len]
    }

    /// Takes the buffer out (to read another block into), leaving no records.
    pub(crate) fn take_buffer(&mut self) -> Vec<u8> {
        let buffer = if self.utf8 {
            std::mem::take(&mut self.text).into_bytes()
        } else {
            std::mem::take(&mut self.data)
        };
        self.utf8 = false;
        self.block_len = 0;
        self.fields.clear();
        self.spans.clear();
        self.consumed = 0;
        self.newlines_consumed = 0;
        self.newlines_total = 0;
        self.clean = true;
        buffer
    }
}

fn parser(delimiter: u8) -> csv_core::Reader {
    // The `csv` crate's defaults, which the sequential reader used, but for the delimiter:
    // double quote, doubled quotes as escapes, any of \r, \n, \r\n as terminator, no comments.
    csv_core::ReaderBuilder::new().delimiter(delimiter).build()
}

/// [`tokenize_owned`] on a copy of `bytes` (in `out`'s own buffer).
pub(crate) fn tokenize(bytes: &[u8], first: bool, last: bool, delimiter: u8, out: &mut Tokens) {
    let mut buffer = out.take_buffer();
    buffer.clear();
    buffer.extend_from_slice(bytes);
    tokenize_owned(buffer, first, last, delimiter, out);
}

/// Tokenizes the bytes of `buffer` from a fresh parser, into `out`, which keeps the buffer
/// (until [`Tokens::take_buffer`]; a buffer it held before is dropped). `first`: the bytes
/// begin the input (a UTF-8 byte order mark there is skipped, as `csv` does); `last`: they end
/// it (a final record without a terminator is complete). Fields are separated by `delimiter`
/// (a comma, or the semicolon or tab [`sniff_delimiter`](super::format::sniff_delimiter) found).
///
/// Plain fields are kept as spans of the buffer. Plain records (each field unquoted without
/// quotes or carriage returns in it, or quoted and closed right before a comma or the end of
/// the line) are split here directly; any other record is handed to `csv_core`, from the same
/// state, so the result is `csv_core`'s. Fields that are not a slice of the bytes are appended
/// to the buffer after them, and the buffer is then checked for UTF-8 once, so that fields
/// need not be checked one by one ([`Record::known_str`]).
pub(crate) fn tokenize_owned(
    buffer: Vec<u8>,
    first: bool,
    last: bool,
    delimiter: u8,
    out: &mut Tokens,
) {
    out.fields.clear();
    out.spans.clear();
    // Room for a typical block's fields and records at once, rather than by doubling (each
    // doubling of a large vector maps fresh pages).
    out.fields.reserve(buffer.len() / 16);
    out.spans.reserve(buffer.len() / 256);
    let mut data = std::mem::take(&mut out.extra);
    data.clear();
    let bytes = buffer.as_slice();
    let base = bytes.len();
    let mut scan = Scan::new(bytes, delimiter);
    let mut core: Option<csv_core::Reader> = None;
    let (mut pos, mut lines) = (0usize, 0u64);
    loop {
        // Blank lines, and the line feed of a CRLF, before a record: skipped (as `csv_core`
        // does) and counted, so that the record's line is the one it starts on. (The csv
        // crate counts them after the record's position: a CRLF file's records would be a
        // line low.)
        while pos < bytes.len() && matches!(bytes[pos], b'\n' | b'\r') {
            lines += u64::from(bytes[pos] == b'\n');
            pos += 1;
        }
        if pos == bytes.len() {
            // Nothing left: no record (`csv_core` would say the same).
            break;
        }
        let (fields_mark, data_mark) = (out.fields.len(), data.len());
        let fast = if first && pos == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            None
        } else {
            plain_record(bytes, &mut scan, pos, base, &mut data, &mut out.fields)
        };
        let (next, nl) = match fast {
            Some(r) => r,
            None => {
                out.fields.truncate(fields_mark);
                data.truncate(data_mark);
                let core = core.get_or_insert_with(|| parser(delimiter));
                let parsed = parsed_record(
                    core,
                    bytes,
                    pos,
                    (first, last),
                    lines,
                    base,
                    &mut data,
                    &mut out.fields,
                    &mut out.core_ends,
                );
                match parsed {
                    Some(r) => r,
                    None => {
                        out.fields.truncate(fields_mark);
                        data.truncate(data_mark);
                        break;
                    }
                }
            }
        };
        out.spans.push(Span {
            fields_end: out.fields.len(),
            newlines: lines,
        });
        pos = next;
        lines += nl;
    }
    out.consumed = pos;
    out.newlines_consumed = lines;
    let tail = &bytes[pos..];
    out.newlines_total = lines + count_newlines(tail);
    out.clean = last || tail.iter().all(|&b| b == b'\r' || b == b'\n');
    let mut buffer = buffer;
    buffer.extend_from_slice(&data);
    out.extra = data;
    out.block_len = base;
    match String::from_utf8(buffer) {
        Ok(text) => {
            out.text = text;
            out.data = Vec::new();
            out.utf8 = true;
        }
        Err(e) => {
            out.data = e.into_bytes();
            out.text = String::new();
            out.utf8 = false;
        }
    }
}

/// The structural bytes of a CSV text (the delimiter, `\n` `\r` `"`), found 64 bytes at a
/// time: a bit mask of the 64 bytes from `base`, whose bits are cleared as they are passed.
struct Scan<'a> {
    bytes: &'a [u8],
    base: usize,
    mask: u64,
    delimiter: u8,
}

impl<'a> Scan<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Scan<'a> {
        Scan {
            bytes,
            base: 0,
            mask: structural(bytes, 0, delimiter),
            delimiter,
        }
    }

    /// The position of the first structural byte at or after `i`, if any.
    #[inline]
    fn next_from(&mut self, i: usize) -> Option<usize> {
        if i < self.base || i - self.base >= 64 {
            self.base = i;
            self.mask = structural(self.bytes, i, self.delimiter);
        } else {
            self.mask &= u64::MAX << (i - self.base);
        }
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.bytes.len() {
                return None;
            }
            self.mask = structural(self.bytes, self.base, self.delimiter);
        }
        Some(self.base + self.mask.trailing_zeros() as usize)
    }
}

/// Bit `k` set when `bytes[at + k]` is structural, for the up to 64 bytes from `at`.
#[inline]
fn structural(bytes: &[u8], at: usize, delimiter: u8) -> u64 {
    match bytes.get(at..at + 64) {
        Some(chunk) => structural64(chunk.try_into().expect("64 bytes"), delimiter),
        None => {
            // Zero bytes are not structural.
            let mut padded = [0u8; 64];
            let rest = bytes.get(at..).unwrap_or(&[]);
            padded[..rest.len()].copy_from_slice(rest);
            structural64(&padded, delimiter)
        }
    }
}

/// The structural mask of 64 bytes. Written so that the compiler compares them as vectors
/// (16 bytes at a time with SSE2): each byte becomes 0xFF or 0, byte `t` of every eight keeps
/// only its bit `t`, and a multiplication by 0x0101..01 adds the eight bytes into the top one
/// (the kept bits differ, so nothing carries).
#[inline]
fn structural64(chunk: &[u8; 64], delimiter: u8) -> u64 {
    let mut hits = [0u8; 64];
    for (h, &b) in hits.iter_mut().zip(chunk) {
        *h = 0u8.wrapping_sub(u8::from(
            (b == delimiter) | (b == b'\n') | (b == b'\r') | (b == b'"'),
        ));
    }
    let mut mask = 0u64;
    for (j, word) in hits.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes")) & 0x8040_2010_0804_0201;
        mask |= (x.wrapping_mul(0x0101_0101_0101_0101) >> 56) << (8 * j);
    }
    mask
}

/// One plain record from `bytes[i..]` (see [`tokenize_owned`]): its fields pushed to `fields`
/// (spans of `bytes`, or of an unescaped copy appended to `data`, counted from `base`), the
/// position after it and the newlines it spans. `None` when the record is not plain or not
/// whole (`fields` and `data` may then hold part of it).
fn plain_record(
    bytes: &[u8],
    scan: &mut Scan<'_>,
    mut i: usize,
    base: usize,
    data: &mut Vec<u8>,
    fields: &mut Vec<(usize, usize)>,
) -> Option<(usize, u64)> {
    let n = bytes.len();
    let mut nl = 0u64;
    // Blank lines before a record are skipped (as `csv_core` does).
    while i < n && (bytes[i] == b'\n' || bytes[i] == b'\r') {
        nl += u64::from(bytes[i] == b'\n');
        i += 1;
    }
    loop {
        if i >= n {
            return None;
        }
        let field = if bytes[i] == b'"' {
            // The unescaped field so far: `data[copy..]` (once a doubled quote needs a copy),
            // then `bytes[seg..]`.
            let (mut seg, mut from) = (i + 1, i + 1);
            let mut copy: Option<usize> = None;
            loop {
                let q = loop {
                    let p = scan.next_from(from)?;
                    match bytes[p] {
                        b'"' => break p,
                        b'\n' => nl += 1,
                        _ => {}
                    }
                    from = p + 1;
                };
                i = q + 1;
                if bytes.get(i) == Some(&b'"') {
                    // A doubled quote is one quote of the field.
                    copy.get_or_insert(data.len());
                    data.extend_from_slice(&bytes[seg..i]);
                    seg = i + 1;
                    from = i + 1;
                    continue;
                }
                break match copy {
                    Some(start) => {
                        data.extend_from_slice(&bytes[seg..q]);
                        (base + start, base + data.len())
                    }
                    None => (seg, q),
                };
            }
        } else {
            let p = scan.next_from(i)?;
            if bytes[p] == b'"' {
                return None;
            }
            let field = (i, p);
            i = p;
            field
        };
        if i >= n {
            return None;
        }
        let stop = bytes[i];
        if stop != scan.delimiter && !matches!(stop, b'\n' | b'\r') {
            return None;
        }
        fields.push(field);
        i += 1;
        match stop {
            b'\n' => return Some((i, nl + 1)),
            // A carriage return ends the record; a line feed after it is a blank line.
            b'\r' => return Some((i, nl)),
            // The delimiter: the next field.
            _ => {}
        }
    }
}

/// One record read by `csv_core` from `bytes[pos..]`, where a record starts, with `lines`
/// newlines before (`ends`: whether the bytes begin and end the input): its fields written at
/// the end of `data` and pushed to `fields` (counted from `base`), the position after it and
/// the newlines it spans; `None` when no whole record is left (`data` may then hold part of
/// it).
#[allow(clippy::too_many_arguments)]
fn parsed_record(
    core: &mut csv_core::Reader,
    bytes: &[u8],
    pos: usize,
    (first, last): (bool, bool),
    lines: u64,
    base: usize,
    data: &mut Vec<u8>,
    fields: &mut Vec<(usize, usize)>,
    ends: &mut Vec<usize>,
) -> Option<(usize, u64)> {
    use csv_core::ReadRecordResult as R;
    core.reset();
    core.set_line(lines);
    let start = data.len();
    // Unescaped fields are never longer than their input; most records are short.
    data.resize(start + (bytes.len() - pos).clamp(1, 4096), 0);
    if ends.len() < 64 {
        ends.resize(64, 0);
    }
    let (mut nin, mut o, mut e) = (pos, 0usize, 0usize);
    // Past the input's start a byte order mark is data; the parser strips one only in its
    // first call, so that call gets a single byte.
    let mut one_byte = !(first && pos == 0);
    loop {
        let input = if one_byte {
            &bytes[nin..(nin + 1).min(bytes.len())]
        } else {
            &bytes[nin..]
        };
        if input.is_empty() && !last {
            return None;
        }
        let (res, i, oo, ee) = core.read_record(input, &mut data[start + o..], &mut ends[e..]);
        let probing = std::mem::take(&mut one_byte) && !input.is_empty();
        nin += i;
        o += oo;
        e += ee;
        match res {
            R::InputEmpty if probing => {}
            R::InputEmpty => {
                if !last {
                    return None;
                }
            }
            R::OutputFull => {
                let n = data.len() - start;
                data.resize(start + 2 * n, 0);
            }
            R::OutputEndsFull => {
                let n = ends.len() * 2;
                ends.resize(n, 0);
            }
            R::Record => {
                data.truncate(start + o);
                let mut from = start;
                for &end in &ends[..e] {
                    fields.push((base + from, base + start + end));
                    from = start + end;
                }
                return Some((nin, core.line() - lines));
            }
            R::End => return None,
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    count_byte(bytes, b'\n') as u64
}

/// Occurrences of `needle`, counted eight bytes at a time: a byte of `w ^ needle * 0x01..01`
/// is zero exactly where `w` holds the needle, and the carry-free test below sets the high bit
/// of each byte that is not zero.
fn count_byte(bytes: &[u8], needle: u8) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from_ne_bytes([needle; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut total = 0usize;
    for w in words.by_ref() {
        let x = u64::from_ne_bytes(w.try_into().expect("eight bytes")) ^ pattern;
        let nonzero = ((x & LOW7) + LOW7) | x;
        total += (!nonzero & !LOW7).count_ones() as usize;
    }
    total + words.remainder().iter().filter(|&&b| b == needle).count()
}

/// Whether `bytes` hold an odd number of quotes: 64 lanes, each the parity of the quotes at
/// its offset in every 64 bytes (written so that the compiler compares and xors 16 bytes at a
/// time), xor-ed together at the end.
fn quote_parity(bytes: &[u8]) -> bool {
    let mut lanes = [0u8; 64];
    let mut chunks = bytes.chunks_exact(64);
    for chunk in chunks.by_ref() {
        for (lane, &b) in lanes.iter_mut().zip(chunk) {
            *lane ^= u8::from(b == b'"');
        }
    }
    let mut odd = lanes.iter().fold(0u8, |acc, &lane| acc ^ lane);
    for &b in chunks.remainder() {
        odd ^= u8::from(b == b'"');
    }
    odd == 1
}

/// Cuts a byte stream into blocks that probably end at a record boundary.
pub(crate) struct Splitter {
    input: Box<dyn Read + Send>,
    /// Bytes read but not yet handed out: `rest[..filled]`. The bytes after them are
    /// initialized but stale, so that reading into them needs no zeroing (a recycled buffer
    /// is read into as it is).
    rest: Vec<u8>,
    filled: usize,
    eof: bool,
    size: usize,
    handed: usize,
    /// Buffers of placed blocks, to read into again.
    pool: Vec<Vec<u8>>,
    /// JSON Lines: split at newlines; the longest line read whole.
    lines: Option<usize>,
}

/// A block of the input.
#[derive(Debug)]
pub(crate) struct Block {
    pub bytes: Vec<u8>,
    /// The input's first block.
    pub first: bool,
    /// The input's last block.
    pub last: bool,
}

impl Splitter {
    pub(crate) fn new(input: Box<dyn Read + Send>, size: usize) -> Splitter {
        Splitter {
            input,
            rest: Vec::new(),
            filled: 0,
            eof: false,
            size: size.max(1),
            handed: 0,
            pool: Vec::new(),
            lines: None,
        }
    }

    /// A splitter for JSON Lines: blocks end after their last newline (exactly a record
    /// boundary: a JSON text holds no raw newline). A line longer than `max_line` bytes is
    /// handed out unfinished, for the reader to reject, instead of being read whole.
    pub(crate) fn lines(input: Box<dyn Read + Send>, size: usize, max_line: usize) -> Splitter {
        Splitter {
            lines: Some(max_line),
            ..Splitter::new(input, size)
        }
    }

    /// Takes back a block's buffer once it is placed, so that reading does not allocate (and
    /// the allocator does not map and zero fresh pages) for every block.
    pub(crate) fn recycle(&mut self, bytes: Vec<u8>) {
        if self.pool.len() < 32 {
            self.pool.push(bytes);
        }
    }

    /// The next block, or `None` after the last.
    pub(crate) fn next_block(&mut self) -> std::io::Result<Option<Block>> {
        if self.eof && self.filled == 0 {
            return Ok(None);
        }
        let first = self.handed == 0;
        let mut want = self.size;
        loop {
            while !self.eof && self.filled < want {
                if self.rest.len() < want {
                    self.rest.resize(want, 0);
                }
                match self.input.read(&mut self.rest[self.filled..want]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => self.filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let read = &self.rest[..self.filled];
            if self.eof {
                self.handed += 1;
                let mut bytes = std::mem::take(&mut self.rest);
                bytes.truncate(self.filled);
                self.filled = 0;
                return Ok(Some(Block {
                    bytes,
                    first,
                    last: true,
                }));
            }
            let cut = match self.lines {
                None => split_point(read),
                Some(max) => memchr::memrchr(b'\n', read)
                    .map(|i| i + 1)
                    .or((read.len() > max).then_some(read.len())),
            };
            if let Some(cut) = cut {
                // The bytes after the cut start the next buffer (a recycled one when there
                // is one: its stale bytes are read over without zeroing).
                let left = &read[cut..];
                let mut next = self.pool.pop().unwrap_or_default();
                if next.len() < left.len() {
                    next.resize(left.len(), 0);
                }
                next[..left.len()].copy_from_slice(left);
                let filled = left.len();
                let mut bytes = std::mem::replace(&mut self.rest, next);
                bytes.truncate(cut);
                self.filled = filled;
                self.handed += 1;
                return Ok(Some(Block {
                    bytes,
                    first,
                    last: false,
                }));
            }
            // No newline outside quotes yet: one long record. Read on.
            want = match self.lines {
                Some(max) => (self.filled * 2).min(max + 1),
                None => self.filled * 2,
            };
        }
    }
}

/// Just past the last newline of `bytes` with an even number of quotes before it, if any.
fn split_point(bytes: &[u8]) -> Option<usize> {
    let odd = quote_parity(bytes);
    let mut after = 0usize;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'"' => after += 1,
            b'\n' if odd == (after % 2 == 1) && i + 1 < bytes.len() => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Whether to work blocks on the rayon pool (`wanted`, and more than one thread), and how
/// many to read at once: two per thread, or one. As many blocks are in flight (read, worked
/// or waiting to be placed), so the blocks held at once are bounded by twice the thread count.
pub(crate) fn pool_blocks(wanted: bool) -> (bool, usize) {
    let threads = rayon::current_num_threads();
    if wanted && threads > 1 {
        (true, 2 * threads)
    } else {
        (false, 1)
    }
}

/// How the records of a placed block map to the input: record numbers (1-based, the header
/// not counted) and lines.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement {
    /// Data records before this block's.
    records_before: u64,
    /// Index of the block's first data record (after a header).
    from: u64,
    /// One plus the newlines before the block.
    base_line: u64,
}

/// Where a placed block's records are in the input.
pub(crate) trait Place {
    /// The absolute position of a record from its block-relative one.
    fn position(&self, relative: Position) -> Position;

    /// Moves an error raised at `relative` to its absolute position.
    fn place_error(&self, relative: Position, error: &mut Error) {
        if let Error::Parse { position, .. } | Error::Duplicate { position, .. } = error {
            if *position == relative {
                *position = self.position(relative);
            }
        }
    }
}

impl Place for Placement {
    /// The absolute position of a data record from its [`Tokens::relative`] position.
    fn position(&self, relative: Position) -> Position {
        let line = self.base_line + relative.line.unwrap_or(0);
        Position::new(
            self.records_before + relative.record - self.from + 1,
            Some(line),
        )
    }
}

/// The reading position between placed blocks.
#[derive(Debug)]
pub(crate) struct Cursor {
    /// Bytes after the last placed record that do not finish a record yet.
    carry: Vec<u8>,
    /// Whether `carry` begins the input.
    carry_first: bool,
    /// Data records placed so far.
    records: u64,
    /// One plus the newlines before the next unplaced byte (`carry` included).
    base_line: u64,
    /// Records still to skip (a header) before numbering.
    skip: usize,
}

/// A block's records, placed in the input.
pub(crate) struct Placed {
    /// Index of the first data record (after a skipped header).
    pub from: usize,
    pub placement: Placement,
}

impl Cursor {
    /// A cursor at the start of an input whose first `skip` records are not data (a header).
    pub(crate) fn new(skip: usize) -> Cursor {
        Cursor {
            carry: Vec::new(),
            carry_first: true,
            records: 0,
            base_line: 1,
            skip,
        }
    }

    /// Whether a block tokenized on its own can be placed next (nothing is carried over).
    pub(crate) fn takes_as_is(&self) -> bool {
        self.carry.is_empty()
    }

    /// When [`Cursor::takes_as_is`] is false: the bytes to tokenize instead of a block's
    /// `bytes` (the carried bytes, then the block's, written into `into`), and whether they
    /// begin the input.
    pub(crate) fn merge(&mut self, bytes: &[u8], mut into: Vec<u8>) -> (Vec<u8>, bool) {
        into.clear();
        into.reserve(self.carry.len() + bytes.len());
        into.extend_from_slice(&self.carry);
        into.extend_from_slice(bytes);
        self.carry.clear();
        (into, self.carry_first)
    }

    /// Places `tokens` (a block's taken as is, or those of what [`Cursor::merge`] gave), and
    /// keeps what does not finish a record for the next block.
    pub(crate) fn place(&mut self, tokens: &Tokens) -> Placed {
        let from = self.skip.min(tokens.len());
        self.skip -= from;
        let placement = Placement {
            records_before: self.records,
            from: from as u64,
            base_line: self.base_line,
        };
        self.records += (tokens.len() - from) as u64;
        if tokens.len() > 0 {
            self.carry_first = false;
        }
        if tokens.clean {
            self.base_line += tokens.newlines_total;
            self.carry.clear();
            self.carry_first = false;
        } else {
            self.base_line += tokens.newlines_consumed;
            self.carry.clear();
            self.carry
                .extend_from_slice(&tokens.bytes()[tokens.consumed..]);
        }
        Placed { from, placement }
    }
}

/// Places the next block (what `CsvInput::step` does, for the tests): its own tokens (`own`,
/// parsed speculatively, maybe on another thread) when the cursor can take it as is;
/// otherwise the carried bytes and the block are tokenized again into `redo` here. Returns
/// where the records are and which tokens hold them.
#[cfg(test)]
fn place_block<'t>(
    cursor: &mut Cursor,
    (last, delimiter): (bool, u8),
    own: &'t Tokens,
    redo: &'t mut Tokens,
) -> (Placed, &'t Tokens) {
    if cursor.takes_as_is() {
        return (cursor.place(own), own);
    }
    let (bytes, first) = cursor.merge(own.bytes(), redo.take_buffer());
    tokenize_owned(bytes, first, last, delimiter, redo);
    (cursor.place(redo), redo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record with its position, as the `csv` crate reads `bytes` (header included as
    /// record 0).
    fn with_csv(bytes: &[u8], delimiter: u8) -> Vec<(Vec<Vec<u8>>, Option<u64>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        let mut out = Vec::new();
        let mut rec = ByteRecord::new();
        while rdr.read_byte_record(&mut rec).expect("in-memory read") {
            // The line the record starts on: one plus the line feeds before its first byte
            // (the csv crate's position is taken before the blank lines, or the line feed
            // of a CRLF, that precede the record).
            let line = rec.position().map(|p| {
                let mut at = p.byte() as usize;
                while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                    at += 1;
                }
                1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64
            });
            out.push((rec.iter().map(<[u8]>::to_vec).collect(), line));
        }
        out
    }

    /// The same through blocks of `size` bytes.
    fn with_blocks(bytes: &[u8], size: usize, d: u8) -> Vec<(Vec<Vec<u8>>, Option<u64>)> {
        let mut splitter = Splitter::new(Box::new(std::io::Cursor::new(bytes.to_vec())), size);
        let mut cursor = Cursor::new(1);
        let mut out = Vec::new();
        let (mut own, mut redo) = (Tokens::default(), Tokens::default());
        let mut header_seen = false;
        while let Some(block) = splitter.next_block().expect("in-memory read") {
            // Every other block through a copy, the others moved in (and their buffers
            // recycled), as the readers do.
            let last = block.last;
            if splitter.handed % 2 == 0 {
                tokenize(&block.bytes, block.first, last, d, &mut own);
            } else {
                tokenize_owned(block.bytes, block.first, last, d, &mut own);
            }
            let (placed, tokens) = place_block(&mut cursor, (last, d), &own, &mut redo);
            for i in 0..tokens.len() {
                let rec = tokens.record(i);
                let fields: Vec<Vec<u8>> = (0..rec.len())
                    .map(|f| rec.get(f).unwrap().to_vec())
                    .collect();
                // Text known without a check is the field's bytes, and a valid input's fields
                // are all known.
                for (f, raw) in fields.iter().enumerate() {
                    match rec.known_str(f) {
                        Some(text) => assert_eq!(text.as_bytes(), raw.as_slice()),
                        None => assert!(std::str::from_utf8(bytes).is_err(), "field {f}"),
                    }
                }
                assert!(rec.known_str(rec.len()).is_none() && rec.get(rec.len()).is_none());
                let line = if i < placed.from {
                    assert!(!header_seen);
                    header_seen = true;
                    Some(placed.placement.base_line + tokens.relative(i).line.unwrap())
                } else {
                    let pos = placed.placement.position(tokens.relative(i));
                    assert_eq!(pos.record as usize, out.len());
                    pos.line
                };
                out.push((fields, line));
            }
            splitter.recycle(own.take_buffer());
        }
        out
    }

    fn same(bytes: &[u8]) {
        same_with(bytes, b',');
    }

    /// [`same`] with another field separator.
    fn same_with(bytes: &[u8], delimiter: u8) {
        let want = with_csv(bytes, delimiter);
        for size in [1, 2, 3, 5, 7, 16, 64, 1 << 20] {
            assert_eq!(
                with_blocks(bytes, size, delimiter),
                want,
                "block size {size}, delimiter {delimiter}: {bytes:?}"
            );
        }
    }

    #[test]
    fn blocks_read_what_csv_reads() {
        same(b"a,b\n1,2\n3,4\n");
        same(b"a,b\n1,2\n3,4");
        same(b"a,b\r\n1,2\r\n\r\n3,4\r\n");
        same(b"a,b\n\n\n1,\"x\ny\"\n\"q\"\"\n\",2\n");
        // Stray quotes in unquoted fields fool the quote parity; the result must not change.
        same(b"a,b\n5\" tall,2\n1,\"a\nb\"\n3,4\"\n5,6\n");
        same(b"a\n\xEF\xBB\xBFx\n\xEF\xBB\xBF\ny\n");
        same(b"\xEF\xBB\xBFa,b\n1,2\n");
        same(b"a,b\n\"unterminated\n1,2\n");
        same(b"a\rb\rc\r");
        same(b"");
        same(b"\n\n");
    }

    #[test]
    fn hostile_fixtures_read_the_same() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/fixtures/hostile");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                same(&std::fs::read(&path).expect("read"));
                seen += 1;
            }
        }
        assert!(seen > 0);
    }

    #[test]
    fn quote_parity_matches_a_plain_count() {
        let bytes: Vec<u8> = (0..10_000u32)
            .map(|i| (i * 7 % 13) as u8 + b'"' - 3)
            .collect();
        for n in 0..200 {
            let want = bytes[..n * 37].iter().filter(|&&b| b == b'"').count() % 2 == 1;
            assert_eq!(quote_parity(&bytes[..n * 37]), want);
        }
    }

    #[test]
    fn byte_counts_match_a_plain_count() {
        let bytes: Vec<u8> = (0..100_000u32)
            .map(|i| (i * 7 % 13) as u8 + b'"' - 3)
            .collect();
        for n in [0, 1, 8159, 8160, 8161, 100_000] {
            let want = bytes[..n].iter().filter(|&&b| b == b'"').count();
            assert_eq!(count_byte(&bytes[..n], b'"'), want);
        }
    }

    /// The structural positions of `bytes`, one byte at a time.
    fn structural_naive(bytes: &[u8], delimiter: u8) -> Vec<usize> {
        (0..bytes.len())
            .filter(|&i| bytes[i] == delimiter || matches!(bytes[i], b'\n' | b'\r' | b'"'))
            .collect()
    }

    #[test]
    fn structural_masks_match_a_plain_scan() {
        // Every byte value, each structural byte at every position of a chunk.
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        for (k, &b) in b",\n\r\"".iter().enumerate() {
            bytes.extend((0..64).map(|i| if i % 4 == k { b } else { b'a' + k as u8 }));
        }
        bytes.extend((0..300u32).map(|i| (i * 7 % 13) as u8 + b'"' - 3));
        for delimiter in [b',', b';', b'\t'] {
            let want = structural_naive(&bytes, delimiter);
            for at in 0..bytes.len() + 2 {
                let mask = structural(&bytes, at, delimiter);
                let got: Vec<usize> = (0..64)
                    .filter(|k| mask >> k & 1 == 1)
                    .map(|k| at + k)
                    .collect();
                let expected: Vec<usize> = want
                    .iter()
                    .copied()
                    .filter(|&i| i >= at && i < at + 64)
                    .collect();
                assert_eq!(got, expected, "chunk at {at}, delimiter {delimiter}");
            }
        }
    }

    #[test]
    fn scans_find_each_structural_byte() {
        let bytes: Vec<u8> = (0..1000u32)
            .map(|i| {
                if i % 61 == 0 || i % 97 == 3 || i % 64 == 63 {
                    b','
                } else {
                    b'x'
                }
            })
            .collect();
        let want = structural_naive(&bytes, b',');
        // From every start, forwards one structural byte at a time, and jumping back.
        let mut scan = Scan::new(&bytes, b',');
        for from in (0..bytes.len() + 70).rev() {
            let mut got = Vec::new();
            let mut i = from;
            while let Some(p) = scan.next_from(i) {
                got.push(p);
                i = p + 1;
            }
            let expected: Vec<usize> = want.iter().copied().filter(|&p| p >= from).collect();
            assert_eq!(got, expected, "from {from}");
        }
    }

    /// A field or separator for records whose structural bytes fall at and around the 64-byte
    /// chunk edges: runs of 62 to 65 bytes, multibyte characters, and (now and then) bytes that
    /// are not UTF-8.
    fn edge_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0usize..3, 61usize..66).prop_map(|(c, n)| vec![[b'a', b'"', b'\n'][c]; n]),
            (61usize..66).prop_map(|n| "é".repeat(n / 2).into_bytes()),
            Just(b",".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\"\"".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\r\n".to_vec()),
            Just("€".as_bytes().to_vec()),
            Just("😀,".as_bytes().to_vec()),
            Just(b"\xC3".to_vec()),
            Just(b"\xFF".to_vec()),
            "[a-z]{0,3}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Structural bytes at chunk edges (63, 64, 65 bytes in), quotes, CR and LF across
        /// them, multibyte characters split by separators, invalid UTF-8.
        #[test]
        fn chunk_edges_read_the_same(
            pieces in proptest::collection::vec(edge_piece(), 0..24)
        ) {
            same(&pieces.concat());
        }

        /// Quoted fields long enough to span chunks, with doubled quotes and line ends inside.
        #[test]
        fn long_quoted_fields_read_the_same(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        "[a-zé]{0,70}",
                        "\"[a-z,\r\n]{55,70}\"",
                        "\"[a-z]{0,64}\"\"[a-z,]{0,64}\"\"\"",
                    ],
                    1..4,
                ),
                0..6,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let text = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join(end);
            same(text.as_bytes());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_bytes_read_the_same(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'),
                    Just(0xEF), Just(0xBB), Just(0xBF),
                ],
                0..80,
            )
        ) {
            same(&bytes);
        }

        /// Semicolon- and tab-separated text (with commas as plain data) reads as `csv`
        /// reads it with that delimiter.
        #[test]
        fn other_delimiters_read_the_same(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'a'), Just(b','), Just(b';'), Just(b'\t'), Just(b'"'), Just(b'\n'),
                    Just(b'\r'),
                ],
                0..80,
            ),
            tab in proptest::bool::ANY,
        ) {
            same_with(&bytes, if tab { b'\t' } else { b';' });
        }

        /// Records of plausible fields (quoted with commas, newlines and doubled quotes, or
        /// plain), with LF or CRLF line ends, now and then a stray quote.
        #[test]
        fn csv_like_records_read_the_same(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        "[a-z0-9]{0,6}",
                        "\"[a-z,\n]{0,6}\"",
                        "\"[a-z]{0,3}\"\"[a-z]{0,3}\"",
                        "[a-z]{0,2}\"[a-z]{0,2}",
                    ],
                    1..5,
                ),
                0..12,
            ),
            crlf in proptest::bool::ANY,
            trailing in proptest::bool::ANY,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join(end);
            if trailing {
                text.push_str(end);
            }
            same(text.as_bytes());
        }
    }
}
