//! Fast writers of the two export formats: Twitter API v1.1 user objects as JSON Lines, and the
//! Cresci/MIB `users.csv`. Each record is built in one reused byte buffer (numbers and dates
//! are formatted by hand, strings escaped in place) and handed to a buffered writer.

use std::borrow::Borrow;
use std::io::{BufWriter, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::account::{Account, Post, Profile};
use crate::error::{Error, Result};

use super::text;

/// The `dataset` column of every row [`write_cresci_csv`] writes.
pub const SYNTH_DATASET_TAG: &str = "SYNTH";

/// The 34 columns of the Cresci/MIB `users.csv`, in file order.
pub const CRESCI_COLUMNS: [&str; 34] = [
    "id",
    "name",
    "screen_name",
    "statuses_count",
    "followers_count",
    "friends_count",
    "favourites_count",
    "listed_count",
    "created_at",
    "url",
    "lang",
    "time_zone",
    "location",
    "default_profile",
    "default_profile_image",
    "geo_enabled",
    "profile_image_url",
    "profile_banner_url",
    "profile_use_background_image",
    "profile_background_image_url_https",
    "profile_text_color",
    "profile_image_url_https",
    "profile_sidebar_border_color",
    "profile_background_tile",
    "profile_sidebar_fill_color",
    "profile_background_image_url",
    "profile_background_color",
    "profile_link_color",
    "utc_offset",
    "protected",
    "verified",
    "description",
    "updated",
    "dataset",
];

const BUF_CAPACITY: usize = 1 << 18;

fn io_err(origin: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |err| Error::Io {
        origin: origin.to_string(),
        err,
    }
}

/// Writes accounts as Twitter API v1.1 user objects, one JSON object per line.
///
/// Each line carries `id`, `id_str`, `name`, `screen_name`, `location`, `description`, `url`,
/// `protected`, `followers_count`, `friends_count`, `listed_count`, `created_at` (Twitter's
/// `Wed Oct 10 20:19:24 +0000 2018` form), `favourites_count`, `verified`, `statuses_count`,
/// `lang`, `geo_enabled`, `default_profile`, `default_profile_image`,
/// `profile_use_background_image` and, when the account's activity holds a post, the latest
/// one as an embedded `status` (its `entities` are read off the post's text). As the API does,
/// an absent location or description is written as `""` and an absent URL as `null`; any other
/// absent value is `null`. The label and crawl time are not part of the format.
///
/// # Examples
///
/// ```
/// use follower_audit::synth::TwitterV1JsonlWriter;
/// use follower_audit::{Account, Profile};
///
/// let mut account = Account::default();
/// account.profile.screen_name = Some("pixel_moon".into());
/// account.profile.followers_count = Some(12);
/// let mut w = TwitterV1JsonlWriter::new(Vec::new());
/// w.write(&account)?;
/// let out = String::from_utf8(w.finish()?).unwrap();
/// let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
/// assert_eq!(v["screen_name"], "pixel_moon");
/// assert_eq!(v["followers_count"], 12);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Debug)]
pub struct TwitterV1JsonlWriter<W: Write> {
    out: BufWriter<W>,
    buf: Vec<u8>,
    count: u64,
}

impl<W: Write> TwitterV1JsonlWriter<W> {
    const ORIGIN: &'static str = "twitter-v1-jsonl writer";

    /// A writer to `out` (buffered internally).
    pub fn new(out: W) -> TwitterV1JsonlWriter<W> {
        TwitterV1JsonlWriter {
            out: BufWriter::with_capacity(BUF_CAPACITY, out),
            buf: Vec::with_capacity(2048),
            count: 0,
        }
    }

    /// Writes one account as one line.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the underlying writer fails.
    pub fn write(&mut self, account: &Account) -> Result<()> {
        self.buf.clear();
        user_json(&mut self.buf, account);
        self.buf.push(b'\n');
        self.out
            .write_all(&self.buf)
            .map_err(io_err(Self::ORIGIN))?;
        self.count += 1;
        Ok(())
    }

    /// Number of accounts written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when flushing fails.
    pub fn finish(self) -> Result<W> {
        self.out
            .into_inner()
            .map_err(|e| io_err(Self::ORIGIN)(e.into_error()))
    }
}

/// Writes accounts in the Cresci/MIB `users.csv` form: a header and one row of the 34
/// [`CRESCI_COLUMNS`] per account.
///
/// Non-empty fields are double-quoted (inner quotes doubled) and empty ones left bare, as in
/// the published files. Booleans are `"1"` or empty, `created_at` uses Twitter's form and
/// `updated` is the account's crawl time as `2015-02-14 10:54:49`. The `dataset` column holds
/// [`SYNTH_DATASET_TAG`]. Columns the account model does not keep (time zone, theme colours,
/// image URLs) are derived from the account's id and theme flags so that the file looks like a
/// real export; readers ignore them.
///
/// # Examples
///
/// ```
/// use follower_audit::synth::{CresciCsvWriter, CRESCI_COLUMNS};
/// use follower_audit::Account;
///
/// let mut account = Account::default();
/// account.profile.id = Some("42".into());
/// account.profile.default_profile = Some(true);
/// let mut w = CresciCsvWriter::new(Vec::new())?;
/// w.write(&account)?;
/// let out = w.finish()?;
/// let mut rd = csv::Reader::from_reader(out.as_slice());
/// let row = rd.records().next().unwrap().unwrap();
/// assert_eq!(row.len(), CRESCI_COLUMNS.len());
/// assert_eq!(&row[0], "42");
/// assert_eq!(&row[13], "1");
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Debug)]
pub struct CresciCsvWriter<W: Write> {
    out: BufWriter<W>,
    buf: Vec<u8>,
    count: u64,
}

impl<W: Write> CresciCsvWriter<W> {
    const ORIGIN: &'static str = "cresci-csv writer";

    /// A writer to `out` (buffered internally); writes the header line.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing the header fails.
    pub fn new(out: W) -> Result<CresciCsvWriter<W>> {
        let mut w = CresciCsvWriter {
            out: BufWriter::with_capacity(BUF_CAPACITY, out),
            buf: Vec::with_capacity(2048),
            count: 0,
        };
        w.out
            .write_all(&SynthFormat::CresciCsv.header())
            .map_err(io_err(Self::ORIGIN))?;
        Ok(w)
    }

    /// Writes one account as one row.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the underlying writer fails.
    pub fn write(&mut self, account: &Account) -> Result<()> {
        self.buf.clear();
        cresci_row(&mut self.buf, &account.profile);
        self.out
            .write_all(&self.buf)
            .map_err(io_err(Self::ORIGIN))?;
        self.count += 1;
        Ok(())
    }

    /// Number of accounts written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when flushing fails.
    pub fn finish(self) -> Result<W> {
        self.out
            .into_inner()
            .map_err(|e| io_err(Self::ORIGIN)(e.into_error()))
    }
}

/// Writes all `accounts` to `out` as Twitter API v1.1 JSON Lines (see
/// [`TwitterV1JsonlWriter`]) and returns how many were written.
///
/// # Errors
///
/// [`Error::Io`] when writing fails.
///
/// # Examples
///
/// ```
/// use follower_audit::synth::{self, FollowerListSpec};
///
/// let accounts = FollowerListSpec::new(20).seed(1).build()?;
/// let mut out = Vec::new();
/// assert_eq!(synth::write_twitter_v1_jsonl(&mut out, accounts.iter())?, 20);
/// assert!(out.starts_with(b"{\"id\":"));
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub fn write_twitter_v1_jsonl<W, I>(out: W, accounts: I) -> Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Account>,
{
    let mut w = TwitterV1JsonlWriter::new(out);
    for a in accounts {
        w.write(a.borrow())?;
    }
    let n = w.count();
    w.finish()?;
    Ok(n)
}

/// Writes all `accounts` to `out` as a Cresci/MIB `users.csv` (see [`CresciCsvWriter`]) and
/// returns how many rows were written.
///
/// # Errors
///
/// [`Error::Io`] when writing fails.
///
/// # Examples
///
/// ```
/// use follower_audit::synth::{self, FollowerListSpec};
///
/// let accounts = FollowerListSpec::new(20).seed(1).build()?;
/// let mut out = Vec::new();
/// assert_eq!(synth::write_cresci_csv(&mut out, accounts.iter())?, 20);
/// assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 21);
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub fn write_cresci_csv<W, I>(out: W, accounts: I) -> Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Account>,
{
    let mut w = CresciCsvWriter::new(out)?;
    for a in accounts {
        w.write(a.borrow())?;
    }
    let n = w.count();
    w.finish()?;
    Ok(n)
}

/// The two formats the synthetic writers produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SynthFormat {
    /// The Cresci/MIB `users.csv` ([`write_cresci_csv`]).
    CresciCsv,
    /// Twitter API v1.1 user objects as JSON Lines ([`write_twitter_v1_jsonl`]).
    TwitterV1Jsonl,
    /// Plain Instagram profiles as JSON Lines ([`write_instagram_jsonl`]).
    InstagramJsonl,
}

impl SynthFormat {
    /// The header bytes written before the first record (empty for JSON Lines).
    pub(crate) fn header(self) -> Vec<u8> {
        let mut buf = Vec::new();
        if self == SynthFormat::CresciCsv {
            for (i, col) in CRESCI_COLUMNS.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                csv_field(&mut buf, col);
            }
            buf.push(b'\n');
        }
        buf
    }

    /// Appends one account's record (with its line end) to `buf`.
    pub(crate) fn push_record(self, buf: &mut Vec<u8>, account: &Account) {
        match self {
            SynthFormat::CresciCsv => cresci_row(buf, &account.profile),
            SynthFormat::TwitterV1Jsonl => {
                user_json(buf, account);
                buf.push(b'\n');
            }
            SynthFormat::InstagramJsonl => {
                instagram_json(buf, &account.profile);
                buf.push(b'\n');
            }
        }
    }
}

impl std::str::FromStr for SynthFormat {
    type Err = Error;

    /// `cresci-csv`, `twitter-v1-jsonl` or `instagram-jsonl`.
    fn from_str(s: &str) -> Result<SynthFormat> {
        match s {
            "cresci-csv" => Ok(SynthFormat::CresciCsv),
            "twitter-v1-jsonl" => Ok(SynthFormat::TwitterV1Jsonl),
            "instagram-jsonl" => Ok(SynthFormat::InstagramJsonl),
            _ => Err(Error::InvalidParams {
                name: "format".into(),
                reason: format!(
                    "unknown output format {s:?} (cresci-csv, twitter-v1-jsonl or instagram-jsonl)"
                ),
            }),
        }
    }
}

/// Writes all `accounts` to `out` as plain Instagram profiles, one JSON object per line, and
/// returns how many were written.
///
/// Keys: `id`, `username`, `full_name`, `biography`, `external_url`, `follower_count`,
/// `following_count`, `media_count`, `has_profile_pic` (the negation of
/// `default_profile_image`), `is_private` (`protected`) and `is_verified`. An absent biography
/// or full name is `""`, any other absent value `null`.
///
/// # Errors
///
/// [`Error::Io`] when writing fails.
///
/// # Examples
///
/// ```
/// use follower_audit::synth::{self, FollowerListSpec};
/// use follower_audit::Platform;
///
/// let g = FollowerListSpec::new(10).platform(Platform::Instagram).build()?;
/// let mut out = Vec::new();
/// assert_eq!(synth::write_instagram_jsonl(&mut out, g.iter())?, 10);
/// let first: serde_json::Value = serde_json::from_slice(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
/// assert!(first["follower_count"].is_u64());
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub fn write_instagram_jsonl<W, I>(out: W, accounts: I) -> Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Account>,
{
    let mut out = BufWriter::with_capacity(BUF_CAPACITY, out);
    let io = io_err("instagram-jsonl writer");
    let mut buf = Vec::with_capacity(1024);
    let mut n = 0;
    for a in accounts {
        buf.clear();
        SynthFormat::InstagramJsonl.push_record(&mut buf, a.borrow());
        out.write_all(&buf).map_err(&io)?;
        n += 1;
    }
    out.flush().map_err(&io)?;
    Ok(n)
}

fn instagram_json(buf: &mut Vec<u8>, p: &Profile) {
    buf.push(b'{');
    json_key(buf, true, "id");
    json_opt_str(buf, p.id.as_deref(), b"null");
    json_key(buf, false, "username");
    json_opt_str(buf, p.screen_name.as_deref(), b"null");
    json_key(buf, false, "full_name");
    json_opt_str(buf, p.name.as_deref(), b"\"\"");
    json_key(buf, false, "biography");
    json_opt_str(buf, p.description.as_deref(), b"\"\"");
    json_key(buf, false, "external_url");
    json_opt_str(buf, p.url.as_deref(), b"null");
    json_key(buf, false, "follower_count");
    json_opt_u64(buf, p.followers_count);
    json_key(buf, false, "following_count");
    json_opt_u64(buf, p.friends_count);
    json_key(buf, false, "media_count");
    json_opt_u64(buf, p.statuses_count);
    json_key(buf, false, "has_profile_pic");
    json_opt_bool(buf, p.default_profile_image.map(|d| !d));
    json_key(buf, false, "is_private");
    json_opt_bool(buf, p.protected);
    json_key(buf, false, "is_verified");
    json_opt_bool(buf, p.verified);
    buf.push(b'}');
}

// ---------------------------------------------------------------------------------------------
// Formatting primitives.

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

fn push_2(buf: &mut Vec<u8>, n: u32) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

fn push_hex(buf: &mut Vec<u8>, n: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for k in (0..digits).rev() {
        buf.push(HEX[((n >> (4 * k)) & 0xF) as usize]);
    }
}

/// `Wed Oct 10 20:19:24 +0000 2018`.
fn push_twitter_date(buf: &mut Vec<u8>, t: &DateTime<Utc>) {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    buf.extend_from_slice(DAYS[t.weekday().num_days_from_monday() as usize]);
    buf.push(b' ');
    buf.extend_from_slice(MONTHS[t.month0() as usize]);
    buf.push(b' ');
    push_2(buf, t.day());
    buf.push(b' ');
    push_2(buf, t.hour());
    buf.push(b':');
    push_2(buf, t.minute());
    buf.push(b':');
    push_2(buf, t.second());
    buf.extend_from_slice(b" +0000 ");
    push_i64(buf, i64::from(t.year()));
}

/// `2015-02-14 10:54:49`.
fn push_sql_date(buf: &mut Vec<u8>, t: &DateTime<Utc>) {
    push_i64(buf, i64::from(t.year()));
    buf.push(b'-');
    push_2(buf, t.month());
    buf.push(b'-');
    push_2(buf, t.day());
    buf.push(b' ');
    push_2(buf, t.hour());
    buf.push(b':');
    push_2(buf, t.minute());
    buf.push(b':');
    push_2(buf, t.second());
}

/// Bytes that JSON strings must escape: the control characters, `"` and `\\`.
const fn json_escape_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
}

static JSON_ESCAPE: [bool; 256] = json_escape_table();

fn json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    json_str_body(buf, s);
    buf.push(b'"');
}

/// Appends `s` escaped for the inside of a JSON string (no surrounding quotes).
fn json_str_body(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !JSON_ESCAPE[b as usize] {
            continue;
        }
        buf.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            _ => {
                buf.extend_from_slice(b"\\u00");
                push_hex(buf, u64::from(b), 2);
            }
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

fn json_key(buf: &mut Vec<u8>, first: bool, key: &str) {
    if !first {
        buf.push(b',');
    }
    buf.push(b'"');
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\":");
}

fn json_opt_str(buf: &mut Vec<u8>, s: Option<&str>, empty_as: &[u8]) {
    match s {
        Some(s) => json_str(buf, s),
        None => buf.extend_from_slice(empty_as),
    }
}

fn json_opt_u64(buf: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => push_u64(buf, n),
        None => buf.extend_from_slice(b"null"),
    }
}

fn json_opt_bool(buf: &mut Vec<u8>, b: Option<bool>) {
    buf.extend_from_slice(match b {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

/// Writes `"id":N,"id_str":"N"` (the number only when the id is a plain integer).
fn json_id_pair(buf: &mut Vec<u8>, first: bool, id: Option<&str>) {
    json_key(buf, first, "id");
    match id {
        Some(s) if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) => {
            buf.extend_from_slice(s.as_bytes())
        }
        _ => buf.extend_from_slice(b"null"),
    }
    json_key(buf, false, "id_str");
    json_opt_str(buf, id, b"null");
}

fn user_json(buf: &mut Vec<u8>, account: &Account) {
    let p = &account.profile;
    buf.push(b'{');
    json_id_pair(buf, true, p.id.as_deref());
    json_key(buf, false, "name");
    json_opt_str(buf, p.name.as_deref(), b"null");
    json_key(buf, false, "screen_name");
    json_opt_str(buf, p.screen_name.as_deref(), b"null");
    json_key(buf, false, "location");
    json_opt_str(buf, p.location.as_deref(), b"\"\"");
    json_key(buf, false, "description");
    json_opt_str(buf, p.description.as_deref(), b"\"\"");
    json_key(buf, false, "url");
    json_opt_str(buf, p.url.as_deref(), b"null");
    json_key(buf, false, "protected");
    json_opt_bool(buf, p.protected);
    json_key(buf, false, "followers_count");
    json_opt_u64(buf, p.followers_count);
    json_key(buf, false, "friends_count");
    json_opt_u64(buf, p.friends_count);
    json_key(buf, false, "listed_count");
    json_opt_u64(buf, p.listed_count);
    json_key(buf, false, "created_at");
    match &p.created_at {
        Some(t) => {
            buf.push(b'"');
            push_twitter_date(buf, t);
            buf.push(b'"');
        }
        None => buf.extend_from_slice(b"null"),
    }
    json_key(buf, false, "favourites_count");
    json_opt_u64(buf, p.favourites_count);
    json_key(buf, false, "verified");
    json_opt_bool(buf, p.verified);
    json_key(buf, false, "statuses_count");
    json_opt_u64(buf, p.statuses_count);
    json_key(buf, false, "lang");
    json_opt_str(buf, p.lang.as_deref(), b"null");
    json_key(buf, false, "geo_enabled");
    json_opt_bool(buf, p.geo_enabled);
    json_key(buf, false, "default_profile");
    json_opt_bool(buf, p.default_profile);
    json_key(buf, false, "default_profile_image");
    json_opt_bool(buf, p.default_profile_image);
    json_key(buf, false, "profile_use_background_image");
    json_opt_bool(buf, p.profile_use_background_image);
    if let Some(post) = account.activity.as_ref().and_then(|v| v.first()) {
        json_key(buf, false, "status");
        status_json(buf, post);
    }
    buf.push(b'}');
}

fn status_json(buf: &mut Vec<u8>, post: &Post) {
    buf.push(b'{');
    json_key(buf, true, "created_at");
    match &post.created_at {
        Some(t) => {
            buf.push(b'"');
            push_twitter_date(buf, t);
            buf.push(b'"');
        }
        None => buf.extend_from_slice(b"null"),
    }
    json_id_pair(buf, false, post.id.as_deref());
    let text = post.text.as_deref().unwrap_or("");
    json_key(buf, false, "text");
    json_opt_str(buf, post.text.as_deref(), b"null");
    json_key(buf, false, "source");
    match post.source.as_deref() {
        Some(client) => match text::client_url(client) {
            Some(url) => {
                buf.extend_from_slice(b"\"<a href=\\\"");
                json_str_body(buf, url);
                buf.extend_from_slice(b"\\\" rel=\\\"nofollow\\\">");
                json_str_body(buf, &html_escape(client));
                buf.extend_from_slice(b"</a>\"");
            }
            None => json_str(buf, client),
        },
        None => buf.extend_from_slice(b"null"),
    }
    // A reply needs the id it answers; we point it at an earlier post id of the same shape.
    // (Null reply fields are left out to keep files small.)
    if post.is_reply {
        let base = post
            .id
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(1 << 40);
        json_key(buf, false, "in_reply_to_status_id_str");
        buf.push(b'"');
        push_u64(buf, base.saturating_sub(1 << 30));
        buf.push(b'"');
    }
    json_key(buf, false, "retweet_count");
    json_opt_u64(buf, post.retweet_count);
    json_key(buf, false, "entities");
    buf.extend_from_slice(b"{\"hashtags\":[");
    entity_list(buf, text, b'#', "text");
    buf.extend_from_slice(b"],\"urls\":[");
    entity_list(buf, text, b'u', "url");
    buf.extend_from_slice(b"],\"user_mentions\":[");
    entity_list(buf, text, b'@', "screen_name");
    buf.extend_from_slice(b"]}");
    if post.is_retweet {
        // The retweeted original: its id and the text after `RT @handle: `.
        json_key(buf, false, "retweeted_status");
        buf.push(b'{');
        let id = post
            .id
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(1 << 40)
            .saturating_sub(1 << 32);
        json_key(buf, true, "id_str");
        buf.push(b'"');
        push_u64(buf, id);
        buf.push(b'"');
        json_key(buf, false, "text");
        let original = text
            .strip_prefix("RT @")
            .and_then(|rest| rest.split_once(": ").map(|(_, t)| t))
            .unwrap_or(text);
        json_str(buf, original);
        buf.push(b'}');
    }
    buf.push(b'}');
}

/// Escapes the characters HTML gives a meaning to, as Twitter did inside `source` anchors.
fn html_escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn entity_list(buf: &mut Vec<u8>, text: &str, kind: u8, key: &str) {
    let mut first = true;
    text::for_each_entity(text, |k, tok| {
        if k == kind {
            if !first {
                buf.push(b',');
            }
            first = false;
            buf.push(b'{');
            json_key(buf, true, key);
            json_str(buf, tok);
            buf.push(b'}');
        }
    });
}

fn csv_field(buf: &mut Vec<u8>, s: &str) {
    if s.is_empty() {
        return;
    }
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            buf.extend_from_slice(&bytes[start..=i]);
            buf.push(b'"');
            start = i + 1;
        }
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

fn csv_u64(buf: &mut Vec<u8>, n: Option<u64>) {
    if let Some(n) = n {
        buf.push(b'"');
        push_u64(buf, n);
        buf.push(b'"');
    }
}

fn csv_bool(buf: &mut Vec<u8>, b: Option<bool>) {
    if b == Some(true) {
        buf.extend_from_slice(b"\"1\"");
    }
}

/// A 64-bit mix of the account's id (or screen name), to derive the columns the account model
/// does not keep.
fn account_hash(p: &Profile) -> u64 {
    let key = p.id.as_deref().or(p.screen_name.as_deref()).unwrap_or("");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64 finaliser
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Theme colours: background, text, link, sidebar border, sidebar fill, theme image number.
/// The first is Twitter's default theme; the others are our own picks.
const THEMES: [[&str; 6]; 8] = [
    ["C0DEED", "333333", "0084B4", "C0DEED", "DDEEF6", "1"],
    ["131516", "333333", "009999", "EEEEEE", "EFEFEF", "14"],
    ["1A1B1F", "666666", "2FC2EF", "181A1E", "252429", "9"],
    ["FFFFFF", "333333", "0084B4", "FFFFFF", "DDEEF6", "1"],
    ["022330", "333333", "0084B4", "A8C7F7", "C0DFEC", "15"],
    ["642D8B", "3D1957", "FF0000", "65B0DA", "7AC3EE", "10"],
    ["EBEBEB", "333333", "990000", "DFDFDF", "F3F3F3", "7"],
    ["000000", "000000", "FA743E", "000000", "000000", "5"],
];

fn time_zone(lang: &str, h: u64) -> (&'static str, i32) {
    let k = (h >> 40) % 100;
    match lang {
        "it" => match k {
            0..=69 => ("Rome", 3600),
            70..=81 => ("Amsterdam", 3600),
            82..=91 => ("Athens", 7200),
            _ => ("London", 0),
        },
        "en" => match k {
            0..=29 => ("London", 0),
            30..=59 => ("Eastern Time (US & Canada)", -18000),
            60..=79 => ("Pacific Time (US & Canada)", -28800),
            80..=91 => ("Greenland", -10800),
            _ => ("Hawaii", -36000),
        },
        "es" => ("Madrid", 3600),
        "fr" => ("Paris", 3600),
        "de" => ("Berlin", 3600),
        _ => ("Amsterdam", 3600),
    }
}

fn image_path(buf: &mut Vec<u8>, host: &[u8], p: &Profile, h: u64) {
    buf.push(b'"');
    buf.extend_from_slice(host);
    if p.default_profile_image == Some(true) {
        buf.extend_from_slice(b"/sticky/default_profile_images/default_profile_");
        push_u64(buf, h % 7);
        buf.extend_from_slice(b"_normal.png\"");
    } else {
        buf.extend_from_slice(b"/profile_images/");
        push_u64(buf, 100_000_000 + (h >> 8) % 3_000_000_000);
        buf.push(b'/');
        push_hex(buf, h, 8);
        buf.extend_from_slice(b"_normal.jpeg\"");
    }
}

fn background_image(buf: &mut Vec<u8>, host: &[u8], custom: bool, theme: &[&str; 6], h: u64) {
    buf.push(b'"');
    buf.extend_from_slice(host);
    if custom {
        buf.extend_from_slice(b"/profile_background_images/");
        push_u64(buf, 10_000_000 + (h >> 20) % 800_000_000);
        buf.push(b'/');
        push_hex(buf, h >> 3, 10);
        buf.extend_from_slice(b".jpeg\"");
    } else {
        buf.extend_from_slice(b"/images/themes/theme");
        buf.extend_from_slice(theme[5].as_bytes());
        buf.extend_from_slice(b"/bg.png\"");
    }
}

fn cresci_row(buf: &mut Vec<u8>, p: &Profile) {
    let h = account_hash(p);
    let customised = p.default_profile == Some(false);
    let theme = if customised {
        &THEMES[1 + (h % 7) as usize]
    } else {
        &THEMES[0]
    };
    let custom_background = customised && (h >> 12) % 2 == 0;
    // Time zones were set by most people who customised their profile and few who did not.
    let has_tz = customised != ((h >> 16) % 250 == 0);
    let lang = p.lang.as_deref().unwrap_or("");
    let tz = has_tz.then(|| time_zone(lang, h));

    csv_field(buf, p.id.as_deref().unwrap_or(""));
    buf.push(b',');
    csv_field(buf, p.name.as_deref().unwrap_or(""));
    buf.push(b',');
    csv_field(buf, p.screen_name.as_deref().unwrap_or(""));
    buf.push(b',');
    csv_u64(buf, p.statuses_count);
    buf.push(b',');
    csv_u64(buf, p.followers_count);
    buf.push(b',');
    csv_u64(buf, p.friends_count);
    buf.push(b',');
    csv_u64(buf, p.favourites_count);
    buf.push(b',');
    csv_u64(buf, p.listed_count);
    buf.push(b',');
    if let Some(t) = &p.created_at {
        buf.push(b'"');
        push_twitter_date(buf, t);
        buf.push(b'"');
    }
    buf.push(b',');
    csv_field(buf, p.url.as_deref().unwrap_or(""));
    buf.push(b',');
    csv_field(buf, lang);
    buf.push(b',');
    if let Some((zone, _)) = tz {
        csv_field(buf, zone);
    }
    buf.push(b',');
    csv_field(buf, p.location.as_deref().unwrap_or(""));
    buf.push(b',');
    csv_bool(buf, p.default_profile);
    buf.push(b',');
    csv_bool(buf, p.default_profile_image);
    buf.push(b',');
    csv_bool(buf, p.geo_enabled);
    buf.push(b',');
    image_path(buf, b"http://a0.twimg.com", p, h);
    buf.push(b',');
    // Banners: two thirds of customised profiles have one.
    if customised && (h >> 24) % 10 < 9 {
        buf.extend_from_slice(b"\"https://si0.twimg.com/profile_banners/");
        buf.extend_from_slice(p.id.as_deref().unwrap_or("0").as_bytes());
        buf.push(b'/');
        push_u64(buf, 1_340_000_000 + (h >> 28) % 60_000_000);
        buf.push(b'"');
    }
    buf.push(b',');
    csv_bool(buf, p.profile_use_background_image);
    buf.push(b',');
    background_image(buf, b"https://si0.twimg.com", custom_background, theme, h);
    buf.push(b',');
    csv_field(buf, theme[1]);
    buf.push(b',');
    image_path(buf, b"https://si0.twimg.com", p, h);
    buf.push(b',');
    csv_field(buf, theme[3]);
    buf.push(b',');
    csv_bool(buf, Some(customised && (h >> 32) % 20 < 9));
    buf.push(b',');
    csv_field(buf, theme[4]);
    buf.push(b',');
    background_image(buf, b"http://a0.twimg.com", custom_background, theme, h);
    buf.push(b',');
    csv_field(buf, theme[0]);
    buf.push(b',');
    csv_field(buf, theme[2]);
    buf.push(b',');
    if let Some((_, offset)) = tz {
        buf.push(b'"');
        push_i64(buf, i64::from(offset));
        buf.push(b'"');
    }
    buf.push(b',');
    csv_bool(buf, p.protected);
    buf.push(b',');
    csv_bool(buf, p.verified);
    buf.push(b',');
    csv_field(buf, p.description.as_deref().unwrap_or(""));
    buf.push(b',');
    if let Some(t) = &p.crawled_at {
        buf.push(b'"');
        push_sql_date(buf, t);
        buf.push(b'"');
    }
    buf.push(b',');
    csv_field(buf, SYNTH_DATASET_TAG);
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_use_the_two_formats() {
        let t = Utc.with_ymd_and_hms(2018, 10, 10, 20, 19, 24).unwrap();
        let mut b = Vec::new();
        push_twitter_date(&mut b, &t);
        assert_eq!(b, b"Wed Oct 10 20:19:24 +0000 2018");
        b.clear();
        push_sql_date(&mut b, &Utc.with_ymd_and_hms(2015, 2, 4, 9, 5, 1).unwrap());
        assert_eq!(b, b"2015-02-04 09:05:01");
        assert_eq!(
            t.format("%a %b %d %H:%M:%S +0000 %Y")
                .to_string()
                .as_bytes(),
            b"Wed Oct 10 20:19:24 +0000 2018"
        );
    }

    #[test]
    fn numbers_format_like_std() {
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            let mut b = Vec::new();
            push_u64(&mut b, n);
            assert_eq!(String::from_utf8(b).unwrap(), n.to_string());
        }
        let mut b = Vec::new();
        push_i64(&mut b, i64::MIN);
        assert_eq!(String::from_utf8(b).unwrap(), i64::MIN.to_string());
    }

    #[test]
    fn json_strings_escape_like_serde() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "tab\tnl\ncr\r",
            "\u{1} bell",
            "città ♥",
        ] {
            let mut b = Vec::new();
            json_str(&mut b, s);
            let back: String = serde_json::from_slice(&b).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn csv_fields_quote_and_double_quotes() {
        let mut b = Vec::new();
        csv_field(&mut b, "say \"hi\", ok");
        assert_eq!(b, b"\"say \"\"hi\"\", ok\"");
        b.clear();
        csv_field(&mut b, "");
        assert!(b.is_empty());
    }
}
