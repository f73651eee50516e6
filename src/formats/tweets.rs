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
        let mut rdr = csv_reader(Box::new(std::io::Cursor::new(head).chain(input)));
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
