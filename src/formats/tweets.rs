//! The MIB `tweets.csv` join: every tweet read once into an index by user id ([`TweetIndex`]),
//! each account's posts taken out of it as the account is read.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::Read;
use std::path::Path;

use csv::{ByteRecord, ReaderBuilder};

use super::columns::ColumnMap;
use super::csv_rows::{Header, Row};
use super::dedup::{hash_str, PassThrough};
use super::options::Mode;
use super::stats::Rejection;
use super::values::strip_source;
use crate::account::{Platform, Post};
use crate::error::{Error, Position, Result};

/// A MIB `tweets.csv`, indexed by user id.
pub(crate) struct TweetIndex {
    posts: HashMap<u64, Vec<Post>, BuildHasherDefault<PassThrough>>,
    remaining: u64,
}

struct TweetColumns {
    header: Header,
    id: Option<usize>,
    text: Option<usize>,
    source: Option<usize>,
    user_id: usize,
    created_at: Option<usize>,
    timestamp: Option<usize>,
    crawled_at: Option<usize>,
    retweet_count: Option<usize>,
    in_reply_to_status_id: Option<usize>,
    retweeted_status_id: Option<usize>,
    num_hashtags: Option<usize>,
    num_urls: Option<usize>,
    num_mentions: Option<usize>,
}

impl TweetColumns {
    fn post(&self, row: &Row<'_>) -> Result<(u64, Post)> {
        row.check_len()?;
        let user = row.str(Some(self.user_id))?.ok_or_else(|| {
            row.err(
                self.user_id,
                b"",
                "missing user_id: the tweet cannot be joined",
            )
        })?;
        let key = hash_str(&[user.as_bytes()]);
        let crawled = row.date(self.crawled_at)?;
        let mut created = row.created(self.created_at, Platform::Twitter, crawled)?;
        if created.is_none() {
            created = row.created(self.timestamp, Platform::Twitter, crawled)?;
        }
        let linked = |col: Option<usize>| -> Result<bool> {
            Ok(row.str(col)?.is_some_and(|s| s.trim() != "0"))
        };
        let post = Post {
            id: row.text(self.id)?,
            created_at: created,
            text: row.text(self.text)?,
            source: row.str(self.source)?.and_then(strip_source),
            is_retweet: linked(self.retweeted_status_id)?,
            is_reply: linked(self.in_reply_to_status_id)?,
            retweet_count: row.count(self.retweet_count)?,
            num_urls: row.count32(self.num_urls)?,
            num_mentions: row.count32(self.num_mentions)?,
            num_hashtags: row.count32(self.num_hashtags)?,
        };
        Ok((key, post))
    }
}

impl TweetIndex {
    /// Reads a whole tweets file. Strict mode fails on the first bad row; lenient mode returns
    /// the bad rows beside the index.
    pub(crate) fn load(path: &Path, mode: Mode) -> Result<(TweetIndex, Vec<Rejection>)> {
        let origin = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        let mut input: Box<dyn Read + Send> = Box::new(file);
        let mut bom = [0u8; 3];
        let n = read_up_to(&mut input, &mut bom).map_err(|err| Error::Io {
            origin: origin.clone(),
            err,
        })?;
        let head = if bom[..n] == *b"\xEF\xBB\xBF" {
            Vec::new()
        } else {
            bom[..n].to_vec()
        };
        // Line endings as LF, so that the csv crate's record lines are the lines records
        // start on (after a CRLF it numbers the next record from before the line feed).
        let mut rdr = csv_reader(Box::new(CrlfAsLf::new(
            std::io::Cursor::new(head).chain(input),
        )));
        let headers = rdr
            .byte_headers()
            .map_err(|e| csv_error(&origin, e))?
            .clone();
        let header = Header::new(&headers);
        let none = ColumnMap::default();
        let f = |ours: &str| header.find(ours, &[], &none, &origin);
        let user_id = f("user_id")?.ok_or_else(|| Error::Format {
            origin: origin.clone(),
            reason: format!(
                "a tweets file needs a `user_id` column (header: {})",
                header.names.join(", ")
            ),
        })?;
        let cols = TweetColumns {
            id: f("id")?,
            text: f("text")?,
            source: f("source")?,
            user_id,
            created_at: f("created_at")?,
            timestamp: f("timestamp")?,
            crawled_at: f("crawled_at")?,
            retweet_count: f("retweet_count")?,
            in_reply_to_status_id: f("in_reply_to_status_id")?,
            retweeted_status_id: f("retweeted_status_id")?,
            num_hashtags: f("num_hashtags")?,
            num_urls: f("num_urls")?,
            num_mentions: f("num_mentions")?,
            header,
        };
        let mut index = TweetIndex {
            posts: HashMap::default(),
            remaining: 0,
        };
        let mut rejected = Vec::new();
        let mut rec = ByteRecord::new();
        let mut record = 0u64;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&origin, e)),
            }
            record += 1;
            let pos = Position::new(record, rec.position().map(|p| p.line()));
            let row = Row {
                rec: &rec,
                header: &cols.header,
                origin: &origin,
                pos,
            };
            match cols.post(&row) {
                Ok((key, post)) => {
                    index.posts.entry(key).or_default().push(post);
                    index.remaining += 1;
                }
                Err(e) if mode == Mode::Strict => return Err(e),
                Err(error) => rejected.push(Rejection::new(pos, error)),
            }
        }
        Ok((index, rejected))
    }

    /// The key of a user id's posts.
    pub(crate) fn key(user_id: &str) -> u64 {
        hash_str(&[user_id.as_bytes()])
    }

    /// One user's posts, by [`TweetIndex::key`], left in the index.
    pub(crate) fn posts(&self, key: u64) -> &[Post] {
        self.posts.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Removes and returns one user's posts, by [`TweetIndex::key`].
    pub(crate) fn take_key(&mut self, key: u64) -> Vec<Post> {
        let posts = self.posts.remove(&key).unwrap_or_default();
        self.remaining -= posts.len() as u64;
        posts
    }

    /// Posts not yet taken.
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn csv_error(origin: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let record = e.position().map(|p| p.record()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(err) => Error::Io {
            origin: origin.to_string(),
            err,
        },
        other => Error::Parse {
            origin: origin.to_string(),
            position: Position::new(record, line),
            field: "<record>".into(),
            value: String::new(),
            reason: format!("{other:?}"),
        },
    }
}

fn csv_reader(stream: Box<dyn Read + Send>) -> csv::Reader<Box<dyn Read + Send>> {
    ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(stream)
}

/// A reader that gives its input with each `\r\n` as `\n` (a lone `\r` is kept).
struct CrlfAsLf<R> {
    inner: R,
    buf: Box<[u8]>,
    /// The unread bytes are `buf[pos..len]`.
    pos: usize,
    len: usize,
    /// The inner reader has ended.
    eof: bool,
}

impl<R: Read> CrlfAsLf<R> {
    fn new(inner: R) -> Self {
        CrlfAsLf {
            inner,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
        }
    }

    /// Reads more after `buf[..keep]` (moved to the front), marking the end of input.
    fn refill(&mut self, keep: usize) -> std::io::Result<()> {
        self.buf.copy_within(self.pos..self.pos + keep, 0);
        self.pos = 0;
        self.len = keep;
        let n = loop {
            match self.inner.read(&mut self.buf[keep..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.len += n;
        self.eof = n == 0;
        Ok(())
    }
}

impl<R: Read> Read for CrlfAsLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut w = 0;
        while w < out.len() {
            if self.pos == self.len {
                if self.eof || w > 0 {
                    break;
                }
                self.refill(0)?;
                continue;
            }
            let c = self.buf[self.pos];
            if c == b'\r' {
                if self.pos + 1 == self.len && !self.eof {
                    // Whether a line feed follows is in the next chunk.
                    self.refill(1)?;
                    continue;
                }
                if self.buf.get(self.pos + 1) == Some(&b'\n') && self.pos + 1 < self.len {
                    self.pos += 1;
                    continue;
                }
            }
            out[w] = c;
            w += 1;
            self.pos += 1;
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    /// A reader that hands out at most `step` bytes a call.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn crlf_reads_as_lf_whatever_the_chunks() {
        let input = b"a,b\r\n1,\"x\r\ny\"\r\n\r\n2,3\rz\r";
        let want = b"a,b\n1,\"x\ny\"\n\n2,3\rz\r";
        for step in [1, 2, 3, 5, 64] {
            for out_len in [1, 2, 7, 1024] {
                let mut r = super::CrlfAsLf::new(Trickle(input, step));
                let mut got = Vec::new();
                let mut chunk = vec![0; out_len];
                loop {
                    let n = r.read(&mut chunk).unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&chunk[..n]);
                }
                assert_eq!(got, want, "step {step}, out {out_len}");
            }
        }
    }
}
