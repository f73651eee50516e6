//! The CSV driver: a CSV input read in blocks ([`CsvInput`]), opened with the converter of its
//! format ([`CsvConvert`]: Cresci, Kaggle, SRF, 2021 Instagram, Instagram profiles or Weibo
//! spammer columns), its blocks tokenized
//! and converted here or on the rayon pool and placed back in input order.

use std::collections::VecDeque;
use std::io::Read;

use csv::ByteRecord;
use rayon::prelude::*;

use super::blocks::{
    tokenize, tokenize_owned, Block, Cursor, Placed, Record, Splitter, Tokens, BLOCK_BYTES,
};
use super::columns::normalize;
use super::cresci::CresciColumns;
use super::csv_rows::Reuse;
use super::format::Format;
use super::instagram::{InstagramCsvColumns, KaggleColumns, ParmaColumns, SrfColumns};
use super::options::ReadOptions;
use super::weibo::SpammerColumns;
use crate::account::Account;
use crate::error::{Error, Position, Result};

/// The CSV converters.
pub(crate) enum CsvConvert {
    Cresci(CresciColumns),
    Kaggle(KaggleColumns),
    Srf(SrfColumns),
    Parma(ParmaColumns),
    Instagram(InstagramCsvColumns),
    WeiboSpammer(SpammerColumns),
}

impl CsvConvert {
    /// Converts one record (a pure function).
    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        match self {
            CsvConvert::Cresci(c) => c.convert_record(rec, pos),
            CsvConvert::Kaggle(c) => c.convert(rec, pos),
            CsvConvert::Srf(c) => c.convert(rec, pos),
            CsvConvert::Parma(c) => c.convert(rec, pos),
            CsvConvert::Instagram(c) => c.convert(rec, pos),
            CsvConvert::WeiboSpammer(c) => c.convert(rec, pos),
        }
    }

    /// [`CsvConvert::convert`] into `out`, reusing its buffers where the converter can (see
    /// [`CresciColumns::convert_into`]); on an error `out` must not be used.
    pub(crate) fn convert_into<R: Record + ?Sized>(
        &self,
        rec: &R,
        pos: Position,
        out: &mut Account,
        reuse: &mut Reuse,
    ) -> Result<()> {
        match self {
            CsvConvert::Cresci(c) => c.convert_into(rec, pos, out, reuse),
            other => {
                *out = other.convert(rec, pos)?;
                Ok(())
            }
        }
    }
}

/// Blocks read and not yet processed, and an I/O error that ended the reading.
struct Batch {
    blocks: Vec<Block>,
    fatal: Option<Error>,
}

/// A CSV input read in blocks (see [`super::blocks`]): tokenized and converted on the rayon
/// pool a few blocks at a time, or here one block at a time, with the same records either way.
pub(crate) struct CsvInput {
    splitter: Splitter,
    cursor: Cursor,
    /// Blocks read while opening (to find the header), not yet processed.
    opened: VecDeque<Block>,
    redo: Tokens,
    /// Token buffers to reuse (one per block of a batch).
    spare: Vec<Tokens>,
    pub(crate) convert: CsvConvert,
    /// The header's columns not read, for the X users and Instagram profiles layouts (whose
    /// files often name their columns in ways of their own); empty for the other layouts,
    /// whose columns are fixed by their datasets.
    pub(crate) unread: Vec<String>,
    origin: String,
    /// The field separator: `,`, or a sniffed `;` or tab.
    delimiter: u8,
    done: bool,
}

impl CsvInput {
    fn read_batch(
        splitter: &mut Splitter,
        opened: &mut VecDeque<Block>,
        origin: &str,
        blocks: usize,
    ) -> Batch {
        let mut batch = Batch {
            blocks: Vec::with_capacity(blocks),
            fatal: None,
        };
        while batch.blocks.len() < blocks {
            if let Some(b) = opened.pop_front() {
                batch.blocks.push(b);
                continue;
            }
            match splitter.next_block() {
                Ok(Some(b)) => batch.blocks.push(b),
                Ok(None) => break,
                Err(err) => {
                    batch.fatal = Some(Error::Io {
                        origin: origin.to_string(),
                        err,
                    });
                    break;
                }
            }
        }
        batch
    }

    /// Processes the next `blocks` blocks, at once on the rayon pool when `parallel`, else
    /// here one after the other: `work` maps a block's records to an output, and `sink` gets
    /// each block's output in input order, with where its records are. Returns false once
    /// the input is done.
    ///
    /// # Errors
    /// An I/O error of the input (after the blocks read before it were sunk), or what `sink`
    /// returns.
    pub(crate) fn step<T, W, S>(
        &mut self,
        blocks: usize,
        parallel: bool,
        work: &W,
        sink: &mut S,
    ) -> Result<bool>
    where
        T: Send,
        W: Fn(&CsvConvert, &Tokens) -> T + Sync,
        S: FnMut(&Placed, T) -> Result<()>,
    {
        if self.done {
            return Ok(false);
        }
        let batch = Self::read_batch(&mut self.splitter, &mut self.opened, &self.origin, blocks);
        let read: Vec<(Block, Tokens)> = batch
            .blocks
            .into_iter()
            .map(|b| (b, self.spare.pop().unwrap_or_default()))
            .collect();
        let (convert, delimiter) = (&self.convert, self.delimiter);
        let one = |(b, mut tokens): (Block, Tokens)| {
            tokenize_owned(b.bytes, b.first, b.last, delimiter, &mut tokens);
            let out = work(convert, &tokens);
            (b.last, tokens, out)
        };
        let outs: Vec<(bool, Tokens, T)> = if parallel {
            read.into_par_iter().map(one).collect()
        } else {
            read.into_iter().map(one).collect()
        };
        self.place_batch(outs, batch.fatal, work, sink)?;
        Ok(!self.done)
    }

    /// Processes the rest of the input: each block is tokenized and worked on as its own job
    /// on the rayon pool, at most `in_flight` at once, while this thread reads the next
    /// blocks and places the worked ones in input order (with `sink`, which need not be
    /// `Send`). No batch waits for its slowest block.
    ///
    /// # Errors
    /// As [`CsvInput::step`].
    pub(crate) fn drive<T, W, S>(&mut self, in_flight: usize, work: &W, sink: &mut S) -> Result<()>
    where
        T: Send,
        W: Fn(&CsvConvert, &Tokens) -> T + Sync,
        S: FnMut(&Placed, T) -> Result<()>,
    {
        if self.done {
            return Ok(());
        }
        let convert = &self.convert;
        let delimiter = self.delimiter;
        let splitter = &mut self.splitter;
        let mut opened = std::mem::take(&mut self.opened);
        let (cursor, redo, spare) = (&mut self.cursor, &mut self.redo, &mut self.spare);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        // Blocks in input order (the ones read while opening first), buffers of placed blocks
        // back to the splitter for reuse.
        let next = move || {
            if let Some(b) = opened.pop_front() {
                return Some(Ok(b));
            }
            while let Ok(buffer) = free_rx.try_recv() {
                splitter.recycle(buffer);
            }
            splitter.next_block().transpose()
        };
        let spare_tokens = std::sync::Mutex::new(std::mem::take(spare));
        let job = |block: Block| {
            let mut tokens = spare_tokens
                .lock()
                .map(|mut s| s.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            tokenize_owned(block.bytes, block.first, block.last, delimiter, &mut tokens);
            let out = work(convert, &tokens);
            (block.last, tokens, out)
        };
        let place = |(last, mut tokens, out): (bool, Tokens, T)| {
            place_one(
                cursor,
                redo,
                (convert, delimiter),
                last,
                &tokens,
                out,
                work,
                sink,
            )?;
            // The splitter is gone only when reading ended.
            let _ = free_tx.send(tokens.take_buffer());
            if let Ok(mut s) = spare_tokens.lock() {
                s.push(tokens);
            }
            Ok(())
        };
        let result = crate::inorder::ordered_jobs(in_flight, &self.origin, next, job, place);
        *spare = spare_tokens.into_inner().unwrap_or_default();
        self.done = true;
        result
    }

    /// Places a batch's worked blocks (whether each is the input's last, its tokens and its
    /// output) in input order and keeps their buffers; the batch's I/O error (`fatal`), if
    /// any, comes after its blocks.
    fn place_batch<T, W, S>(
        &mut self,
        outs: Vec<(bool, Tokens, T)>,
        fatal: Option<Error>,
        work: &W,
        sink: &mut S,
    ) -> Result<()>
    where
        W: Fn(&CsvConvert, &Tokens) -> T,
        S: FnMut(&Placed, T) -> Result<()>,
    {
        let last = fatal.is_some() || outs.last().map_or(true, |o| o.0);
        let mut result = Ok(());
        for (block_last, mut tokens, out) in outs {
            if result.is_ok() {
                result = place_one(
                    &mut self.cursor,
                    &mut self.redo,
                    (&self.convert, self.delimiter),
                    block_last,
                    &tokens,
                    out,
                    work,
                    sink,
                );
            }
            self.splitter.recycle(tokens.take_buffer());
            self.spare.push(tokens);
        }
        if let (Ok(()), Some(e)) = (&result, fatal) {
            result = Err(e);
        }
        if last || result.is_err() {
            self.done = true;
        }
        result
    }
}

/// Places one worked block (`last`: the input's last), tokenized into `tokens`: its own parse
/// when the cursor takes it as is, else the carried bytes and the block's tokenized (and
/// worked) again here, into `redo`. Hands the records to `sink`.
#[allow(clippy::too_many_arguments)]
fn place_one<T, W, S>(
    cursor: &mut Cursor,
    redo: &mut Tokens,
    (convert, delimiter): (&CsvConvert, u8),
    last: bool,
    tokens: &Tokens,
    out: T,
    work: &W,
    sink: &mut S,
) -> Result<()>
where
    W: Fn(&CsvConvert, &Tokens) -> T,
    S: FnMut(&Placed, T) -> Result<()>,
{
    if cursor.takes_as_is() {
        let placed = cursor.place(tokens);
        return sink(&placed, out);
    }
    let (bytes, first) = cursor.merge(tokens.bytes(), redo.take_buffer());
    tokenize_owned(bytes, first, last, delimiter, redo);
    let out = work(convert, redo);
    let placed = cursor.place(redo);
    sink(&placed, out)
}

fn owned(rec: &impl Record) -> ByteRecord {
    let mut out = ByteRecord::new();
    for i in 0..rec.len() {
        out.push_field(rec.get(i).unwrap_or(b""));
    }
    out
}

/// Opens a CSV input whose fields are separated by `delimiter`: reads the header and the
/// first record, resolves the columns.
pub(crate) fn open(
    format: Format,
    stream: Box<dyn Read + Send>,
    origin: &str,
    options: &ReadOptions,
    delimiter: u8,
) -> Result<CsvInput> {
    let mut splitter = Splitter::new(stream, BLOCK_BYTES);
    let io = |err| Error::Io {
        origin: origin.to_string(),
        err,
    };
    // Read blocks until the header and the first two records are whole; the blocks are kept,
    // to be read again as any other.
    let mut opened = VecDeque::new();
    let mut bytes = Vec::new();
    let mut tokens = Tokens::default();
    while let Some(block) = splitter.next_block().map_err(io)? {
        bytes.extend_from_slice(&block.bytes);
        let last = block.last;
        opened.push_back(block);
        tokenize(&bytes, true, last, delimiter, &mut tokens);
        if tokens.len() >= 3 || last {
            break;
        }
    }
    if tokens.len() == 0 {
        return Err(Error::Format {
            origin: origin.to_string(),
            reason: "no CSV header".into(),
        });
    }
    let headers = owned(&tokens.record(0));
    let names: Vec<String> = headers
        .iter()
        .map(|h| normalize(&String::from_utf8_lossy(h)))
        .collect();
    if let Some(reason) = options.columns.misfit(&names) {
        return Err(Error::InvalidParams {
            name: "columns".into(),
            reason: format!("{origin}: {reason}"),
        });
    }
    // R's write.table: the header lacks the row-name column the records have. Taken so
    // when the first two records are both one field longer; a lone record one field longer
    // is that record's error (a stray delimiter, an unquoted `1,234`, would otherwise shift
    // every column of the file).
    let one_longer = |k: usize| tokens.len() > k && tokens.record(k).len() == headers.len() + 1;
    let leading_index = one_longer(1) && one_longer(2);
    let mut unread = Vec::new();
    let convert = match format {
        Format::CresciCsv => {
            let (c, not_read) = CresciColumns::resolve(&headers, &options.columns, origin)?;
            let mut c = c.with_dataset_labels(options.label_from_dataset)?;
            c.set_leading_index(leading_index);
            unread = not_read;
            CsvConvert::Cresci(c)
        }
        Format::InstagramKaggleCsv => {
            let mut c = KaggleColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Kaggle(c)
        }
        Format::InstagramParmaCsv => {
            let mut c = ParmaColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Parma(c)
        }
        Format::InstagramCsv => {
            let (mut c, not_read) =
                InstagramCsvColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            unread = not_read;
            CsvConvert::Instagram(c)
        }
        Format::WeiboSpammerCsv => {
            let mut c = SpammerColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::WeiboSpammer(c)
        }
        _ => {
            let mut c = SrfColumns::resolve(&headers, &options.columns, origin)?;
            c.header.offset = usize::from(leading_index);
            CsvConvert::Srf(c)
        }
    };
    Ok(CsvInput {
        splitter,
        cursor: Cursor::new(1),
        opened,
        redo: Tokens::default(),
        spare: Vec::new(),
        convert,
        unread,
        origin: origin.to_string(),
        delimiter,
        done: false,
    })
}
