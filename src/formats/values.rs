//! Scalar parsers shared by every reader: counts, booleans, dates, text, Twitter `source`.
//!
//! They work on bytes, allocate nothing on success (except text), and return a short
//! `&'static str` reason on failure; the caller turns it into an [`Error::Parse`] naming the
//! origin, position, field and value.
//!
//! [`Error::Parse`]: crate::Error::Parse

use chrono::{DateTime, NaiveDate, Utc};

use crate::account::Platform;
use crate::error::{clip_value, Error, Position};

/// Seconds since the Unix epoch of 2006-03-21T00:00:00Z, the day Twitter opened.
pub(crate) const TWITTER_LAUNCH: i64 = 1_142_899_200;
/// Seconds since the Unix epoch of 2009-08-14T00:00:00Z, the day Sina Weibo opened.
pub(crate) const WEIBO_LAUNCH: i64 = 1_250_208_000;

/// Builds the crate's parse error for one field.
pub(crate) fn field_error(
    origin: &str,
    position: Position,
    field: &str,
    value: &str,
    reason: impl Into<String>,
) -> Error {
    Error::Parse {
        origin: origin.to_string(),
        position,
        field: field.to_string(),
        value: clip_value(value),
        reason: reason.into(),
    }
}

/// Text that counts as "no value": the empty string and `NULL` / `null`.
#[inline]
pub(crate) fn is_missing(b: &[u8]) -> bool {
    b.is_empty() || b == b"NULL" || b == b"null"
}

/// What the URL of an X profile picture says of the default picture: `Some(true)` on the
/// default pictures' path, `Some(false)` for another picture on X's picture hosts, and `None`
/// for a missing value or another host (another platform's URL says nothing of X's default).
pub(crate) fn x_default_picture(url: &[u8]) -> Option<bool> {
    let url = trim(url);
    let has = |part: &[u8]| url.windows(part.len()).any(|w| w == part);
    if is_missing(url) {
        None
    } else if has(b"default_profile_images") {
        Some(true)
    } else if has(b"twimg.com") {
        Some(false)
    } else {
        None
    }
}

/// Trims ASCII spaces and tabs at both ends.
#[inline]
pub(crate) fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Parses a non-negative count: digits, optionally followed by a zero fraction (`12.0`, as
/// pandas writes integer columns that hold a NaN), or as spreadsheets and the platforms'
/// pages display counts: with thousands separators (`1,234,567`, or `1.234.567` with two
/// dots or more: `1.000` is refused as ambiguous) or abbreviated (`1.2K`,
/// `3M`, `1.5B`, and Weibo's `1.2万` and `3亿`), an abbreviation read as the number it stands
/// for, rounded to a whole count (`1.2K` as 1,200). Signs, other fractions, exponents, NaN
/// and infinities are errors.
pub(crate) fn parse_count(raw: &[u8]) -> Result<u64, &'static str> {
    match plain_count(raw) {
        Some(n) => Ok(n),
        None => parse_count_general(raw),
    }
}

/// [`parse_count`] without its short path for plain digits (for callers that tried
/// [`plain_count`] already).
pub(crate) fn parse_count_general(raw: &[u8]) -> Result<u64, &'static str> {
    let b = trim(raw);
    if b.is_empty() {
        return Err("empty count");
    }
    if let Some(n) = grouped_count(b, b',').or_else(|| grouped_count(b, b'.')) {
        return Ok(n);
    }
    // `1.000` is a thousand in a European spreadsheet and a one with a zero fraction in
    // another: refused rather than read as either.
    if let Some(dot) = b.iter().position(|&c| c == b'.') {
        if (1..=3).contains(&dot) && &b[dot + 1..] == b"000" {
            return Err("count is ambiguous: a thousands separator or a fraction");
        }
    }
    if let Some(n) = abbreviated_count(b)? {
        return Ok(n);
    }
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) {
        return Err(non_digit_reason(b));
    }
    if let Some(frac) = frac {
        if !frac.iter().all(u8::is_ascii_digit) {
            return Err(non_digit_reason(b));
        }
        if frac.iter().any(|&c| c != b'0') {
            return Err("count is not an integer");
        }
    }
    let mut n: u64 = 0;
    for &c in int {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
            .ok_or("count exceeds the largest 64-bit count")?;
    }
    Ok(n)
}

/// A count written with `sep` as the thousands separator: one to three digits, then groups
/// of `sep` and exactly three digits; at least one group for a comma (`1,234`), at least two
/// for a dot (`1.234.567`: one would read as a fraction). `None` for anything else.
fn grouped_count(b: &[u8], sep: u8) -> Option<u64> {
    let mut groups = b.split(|&c| c == sep);
    let first = groups.next()?;
    let least = if sep == b'.' { 2 } else { 1 };
    if b.len() < 5 || first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut n = 0u64;
    let mut digits = |g: &[u8]| -> Option<()> {
        for &c in g {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        }
        Some(())
    };
    digits(first)?;
    let mut count = 0;
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        digits(g)?;
        count += 1;
    }
    (count >= least).then_some(n)
}

/// A count abbreviated as the platforms display it: a decimal number (`1.2`, `35`) followed
/// by `K`, `M` or `B` (either case, thousands, millions, billions), `万` (ten thousands) or
/// `亿` (hundred millions), rounded to the nearest whole count. `Ok(None)` when `b` has no
/// such suffix.
fn abbreviated_count(b: &[u8]) -> Result<Option<u64>, &'static str> {
    let text = std::str::from_utf8(b).map_err(|_| "count is not a number")?;
    let Some(last) = text.chars().last() else {
        return Ok(None);
    };
    let scale: f64 = match last {
        'k' | 'K' => 1e3,
        'm' | 'M' => 1e6,
        'b' | 'B' => 1e9,
        '万' => 1e4,
        '亿' => 1e8,
        _ => return Ok(None),
    };
    let number = text[..text.len() - last.len_utf8()].trim_end();
    let valid = !number.is_empty()
        && number.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && number.bytes().filter(|&c| c == b'.').count() <= 1
        && number.bytes().next().is_some_and(|c| c.is_ascii_digit());
    if !valid {
        return Err(non_digit_reason(b));
    }
    let value: f64 = number.parse().map_err(|_| "count is not a number")?;
    let n = (value * scale).round();
    if n >= 18_446_744_073_709_551_616.0 {
        return Err("count exceeds the largest 64-bit count");
    }
    Ok(Some(n as u64))
}

/// The value of 1 to 19 ASCII digits and nothing else (which cannot overflow a `u64`), as
/// [`parse_count`] reads them; `None` for anything else, which [`parse_count`] then reads in
/// full.
#[inline]
pub(crate) fn plain_count(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    let mut all_digits = true;
    for &c in raw {
        let d = c.wrapping_sub(b'0');
        all_digits &= d < 10;
        n = n.wrapping_mul(10).wrapping_add(u64::from(d));
    }
    all_digits.then_some(n)
}

fn non_digit_reason(b: &[u8]) -> &'static str {
    let lower = b.to_ascii_lowercase();
    let body = lower
        .strip_prefix(b"+")
        .or(lower.strip_prefix(b"-"))
        .unwrap_or(&lower);
    if body == b"nan" || body == b"inf" || body == b"infinity" {
        "count is not a finite number"
    } else if b.first() == Some(&b'-') {
        "negative count"
    } else if b.iter().any(|&c| c == b'e' || c == b'E') && b.iter().any(u8::is_ascii_digit) {
        "count in exponent notation"
    } else {
        "count is not a number"
    }
}

/// Parses a fraction in `[0, 1]` (the Kaggle set's digit ratios).
pub(crate) fn parse_ratio(raw: &[u8]) -> Result<f64, &'static str> {
    let s = std::str::from_utf8(trim(raw)).map_err(|_| "ratio is not a number")?;
    let v: f64 = s.parse().map_err(|_| "ratio is not a number")?;
    if !v.is_finite() {
        Err("ratio is not a finite number")
    } else if !(0.0..=1.0).contains(&v) {
        Err("ratio is outside [0, 1]")
    } else {
        Ok(v)
    }
}

/// Parses a boolean: `1`/`0`, `true`/`false` and `yes`/`no` in any letter case.
pub(crate) fn parse_bool(raw: &[u8]) -> Result<bool, &'static str> {
    let b = trim(raw);
    match b {
        b"1" => return Ok(true),
        b"0" => return Ok(false),
        _ => {}
    }
    if b.len() > 5 {
        return Err("not a boolean (expected 1/0, true/false or yes/no)");
    }
    let mut buf = [0u8; 5];
    buf[..b.len()].copy_from_slice(b);
    buf.make_ascii_lowercase();
    match &buf[..b.len()] {
        b"true" | b"yes" | b"t" | b"y" => Ok(true),
        b"false" | b"no" | b"f" | b"n" => Ok(false),
        _ => Err("not a boolean (expected 1/0, true/false or yes/no)"),
    }
}

/// The keys (JSON) and columns (CSV) an engagement time is read from, first present wins:
/// when the account liked, reposted or otherwise engaged with the audited post.
pub(crate) const ENGAGED_KEYS: [&str; 4] =
    ["engaged_at", "liked_at", "retweeted_at", "reposted_at"];

/// Checks an engagement time against the account's creation: an account cannot engage
/// before it exists.
pub(crate) fn check_engaged(
    engaged: DateTime<Utc>,
    created: Option<DateTime<Utc>>,
) -> Result<(), &'static str> {
    match created {
        Some(c) if engaged < c => Err("engagement time before the account was created"),
        _ => Ok(()),
    }
}

/// Parses a timestamp in one of the forms exports use:
/// - Twitter / Weibo: `Wed Oct 10 20:19:24 +0000 2018`
/// - naive, taken as UTC: `2015-02-14 10:54:49` (also with `T`, and fractional seconds)
/// - ISO 8601 / RFC 3339 with a zone: `2015-02-14T10:54:49Z`, `...+01:00`, `...+0100`
/// - a date alone: `2015-02-14` (midnight UTC)
/// - Unix seconds: `1423911289` (optionally with a fraction)
///
/// Every form is parsed by hand at fixed offsets (no format strings).
pub(crate) fn parse_date(raw: &[u8]) -> Result<DateTime<Utc>, &'static str> {
    let b = trim(raw);
    if b.is_empty() {
        return Err("empty date");
    }
    if b[0].is_ascii_alphabetic() {
        return parse_twitter_date(b);
    }
    if b.len() >= 10 && b[4] == b'-' {
        return parse_iso_date(b);
    }
    if b.iter().all(|&c| c.is_ascii_digit() || c == b'.') {
        return parse_unix(b);
    }
    Err("unrecognised date (expected `Wed Oct 10 20:19:24 +0000 2018`, ISO 8601 or Unix seconds)")
}

/// Three bytes as a number, for matching names: `lower3` of a name and of its lower case are
/// the same number.
const fn word3(w: &[u8; 3]) -> u32 {
    w[0] as u32 | (w[1] as u32) << 8 | (w[2] as u32) << 16
}

/// [`word3`] of `b` (three bytes) with ASCII letters lowered. Setting bit 5 lowers `A`..`Z`
/// and keeps `a`..`z`; any other byte it changes does not become a letter, so the result is a
/// lower-case name's [`word3`] exactly when `b` is that name in any letter case.
#[inline]
fn lower3(b: &[u8]) -> u32 {
    word3(&[b[0] | 0x20, b[1] | 0x20, b[2] | 0x20])
}

const JAN: u32 = word3(b"jan");
const FEB: u32 = word3(b"feb");
const MAR: u32 = word3(b"mar");
const APR: u32 = word3(b"apr");
const MAY: u32 = word3(b"may");
const JUN: u32 = word3(b"jun");
const JUL: u32 = word3(b"jul");
const AUG: u32 = word3(b"aug");
const SEP: u32 = word3(b"sep");
const OCT: u32 = word3(b"oct");
const NOV: u32 = word3(b"nov");
const DEC: u32 = word3(b"dec");
const MON: u32 = word3(b"mon");
const TUE: u32 = word3(b"tue");
const WED: u32 = word3(b"wed");
const THU: u32 = word3(b"thu");
const FRI: u32 = word3(b"fri");
const SAT: u32 = word3(b"sat");
const SUN: u32 = word3(b"sun");

/// Two ASCII digits as a number (as [`digits`] reads them).
#[inline]
fn two_digits(a: u8, b: u8) -> Option<u32> {
    let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    (a < 10 && b < 10).then(|| u32::from(a) * 10 + u32::from(b))
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    if b.is_empty() {
        return None;
    }
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn parse_twitter_date(b: &[u8]) -> Result<DateTime<Utc>, &'static str> {
    const BAD: &str = "unrecognised date (expected `Wed Oct 10 20:19:24 +0000 2018`)";
    // Www Mmm DD HH:MM:SS +ZZZZ YYYY
    // 0   4   8  11 14 17 20    26
    if b.len() != 30 {
        return Err(BAD);
    }
    let sep_ok = b[3] == b' '
        && b[7] == b' '
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b' '
        && b[25] == b' ';
    if !sep_ok {
        return Err(BAD);
    }
    if !matches!(lower3(&b[0..3]), MON | TUE | WED | THU | FRI | SAT | SUN) {
        return Err("unknown weekday name");
    }
    let month = match lower3(&b[4..7]) {
        JAN => 1,
        FEB => 2,
        MAR => 3,
        APR => 4,
        MAY => 5,
        JUN => 6,
        JUL => 7,
        AUG => 8,
        SEP => 9,
        OCT => 10,
        NOV => 11,
        DEC => 12,
        _ => return Err("unknown month name"),
    };
    let day = two_digits(b[8], b[9]).ok_or(BAD)?;
    let hour = two_digits(b[11], b[12]).ok_or(BAD)?;
    let min = two_digits(b[14], b[15]).ok_or(BAD)?;
    let sec = two_digits(b[17], b[18]).ok_or(BAD)?;
    let offset = parse_offset(&b[20..25]).ok_or("bad time zone offset")?;
    let year = digits(&b[26..30]).ok_or(BAD)?;
    build(year as i32, month, day, hour, min, sec, 0, offset)
}

/// `+HHMM`, `+HH:MM`, `+HH`, `Z`.
fn parse_offset(b: &[u8]) -> Option<i64> {
    if b == b"Z" || b == b"z" {
        return Some(0);
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &b[1..];
    let (h, m) = match rest.len() {
        2 => (digits(rest)?, 0),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        5 if rest[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (i64::from(h) * 3600 + i64::from(m) * 60))
}

fn parse_iso_date(b: &[u8]) -> Result<DateTime<Utc>, &'static str> {
    const BAD: &str =
        "unrecognised date (expected `YYYY-MM-DD HH:MM:SS`, ISO 8601 or Twitter form)";
    if b[7] != b'-' {
        return Err(BAD);
    }
    let year = digits(&b[0..4]).ok_or(BAD)?;
    let month = digits(&b[5..7]).ok_or(BAD)?;
    let day = digits(&b[8..10]).ok_or(BAD)?;
    if b.len() == 10 {
        return build(year as i32, month, day, 0, 0, 0, 0, 0);
    }
    // YYYY-MM-DD?HH:MM[:SS[.fff]][zone]
    if b.len() < 16 || !(b[10] == b' ' || b[10] == b'T' || b[10] == b't') || b[13] != b':' {
        return Err(BAD);
    }
    let hour = digits(&b[11..13]).ok_or(BAD)?;
    let min = digits(&b[14..16]).ok_or(BAD)?;
    let mut i = 16;
    let mut sec = 0;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b':') {
        sec = digits(b.get(17..19).ok_or(BAD)?).ok_or(BAD)?;
        i = 19;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &b[start..i];
            if frac.is_empty() {
                return Err(BAD);
            }
            let mut scale = 100_000_000u32;
            for &c in frac.iter().take(9) {
                nanos += u32::from(c - b'0') * scale;
                scale /= 10;
            }
        }
    }
    let mut zone = &b[i..];
    if zone.first() == Some(&b' ') {
        zone = &zone[1..];
    }
    let offset = if zone.is_empty() {
        0
    } else {
        parse_offset(zone).ok_or("bad time zone offset")?
    };
    build(year as i32, month, day, hour, min, sec, nanos, offset)
}

fn parse_unix(b: &[u8]) -> Result<DateTime<Utc>, &'static str> {
    const BAD: &str = "unrecognised date (digits alone are read as Unix seconds)";
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b""[..]),
    };
    if int.is_empty() || int.len() > 12 || frac.contains(&b'.') {
        return Err(BAD);
    }
    let secs = i64::from(digits(&int[..int.len().min(9)]).ok_or(BAD)?);
    let secs = if int.len() > 9 {
        secs * 10i64.pow((int.len() - 9) as u32) + i64::from(digits(&int[9..]).ok_or(BAD)?)
    } else {
        secs
    };
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for &c in frac.iter().take(9) {
        if !c.is_ascii_digit() {
            return Err(BAD);
        }
        nanos += u32::from(c - b'0') * scale;
        scale /= 10;
    }
    DateTime::from_timestamp(secs, nanos).ok_or("date out of range")
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (era arithmetic, no tables).
fn days_since_epoch(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[allow(clippy::too_many_arguments)]
fn build(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    offset: i64,
) -> Result<DateTime<Utc>, &'static str> {
    if !(1..=12).contains(&month) {
        return Err("month out of range");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("day out of range for the month");
    }
    if hour > 23 || min > 59 || sec > 59 {
        return Err("time of day out of range");
    }
    if offset == 0 {
        // The same instant as the general path below, built from the fields themselves.
        return NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_nano_opt(hour, min, sec, nanos))
            .map(|t| t.and_utc())
            .ok_or("date out of range");
    }
    let secs = days_since_epoch(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(min) * 60
        + i64::from(sec)
        - offset;
    DateTime::from_timestamp(secs, nanos).ok_or("date out of range")
}

/// The day a platform opened, before which no account or post can have been created.
pub(crate) fn launch_of(platform: Platform) -> Option<(i64, &'static str)> {
    match platform {
        Platform::Twitter => Some((TWITTER_LAUNCH, "before Twitter opened (2006-03-21)")),
        Platform::Weibo => Some((WEIBO_LAUNCH, "before Sina Weibo opened (2009-08-14)")),
        _ => None,
    }
}

/// Checks a creation time: not before the platform opened, not after the crawl (or, when the
/// crawl time is unknown, more than a day after the present).
pub(crate) fn check_created(
    created: DateTime<Utc>,
    platform: Platform,
    crawled: Option<DateTime<Utc>>,
) -> Result<(), &'static str> {
    if let Some((launch, reason)) = launch_of(platform) {
        if created.timestamp() < launch {
            return Err(reason);
        }
    }
    match crawled {
        Some(c) if created > c => Err("after the time the record was crawled"),
        None if created.timestamp() > Utc::now().timestamp() + 86_400 => Err("in the future"),
        _ => Ok(()),
    }
}

/// Strips an HTML anchor from a Twitter / Weibo `source` field:
/// `<a href="..." rel="nofollow">Twitter for iPhone</a>` becomes `Twitter for iPhone`.
/// Text without markup is returned trimmed; an empty result is `None`.
pub(crate) fn strip_source(s: &str) -> Option<String> {
    let s = s.trim();
    let inner = if s.starts_with('<') {
        match (s.find('>'), s.rfind("</")) {
            (Some(open), Some(close)) if close > open => &s[open + 1..close],
            (Some(open), _) => &s[open + 1..],
            _ => s,
        }
    } else {
        s
    };
    let inner = inner.trim();
    if inner.is_empty() {
        None
    } else {
        Some(decode_entities(inner))
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn counts() {
        assert_eq!(parse_count(b"12345"), Ok(12345));
        assert_eq!(parse_count(b" 7 "), Ok(7));
        assert_eq!(parse_count(b"12.0"), Ok(12));
        assert_eq!(parse_count(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_count(b"18446744073709551616"),
            Err("count exceeds the largest 64-bit count")
        );
        assert_eq!(parse_count(b"-5"), Err("negative count"));
        assert_eq!(parse_count(b"1.5"), Err("count is not an integer"));
        // As spreadsheets and the platforms' pages display counts.
        assert_eq!(parse_count(b"1,234"), Ok(1234));
        assert_eq!(parse_count(b" 12,345,678 "), Ok(12_345_678));
        assert_eq!(parse_count(b"1.2K"), Ok(1200));
        assert_eq!(parse_count(b"35k"), Ok(35_000));
        assert_eq!(parse_count(b"3M"), Ok(3_000_000));
        assert_eq!(parse_count(b"1.25 B"), Ok(1_250_000_000));
        assert_eq!(parse_count("1.2万".as_bytes()), Ok(12_000));
        assert_eq!(parse_count("3亿".as_bytes()), Ok(300_000_000));
        // Not thousands groups, or not a number before the suffix.
        assert_eq!(parse_count(b"1,23"), Err("count is not a number"));
        assert_eq!(parse_count(b"12,3456"), Err("count is not a number"));
        assert_eq!(parse_count(b",123"), Err("count is not a number"));
        assert_eq!(parse_count(b"K"), Err("count is not a number"));
        assert_eq!(parse_count(b"-3K"), Err("negative count"));
        assert_eq!(parse_count(b"1.2.3K"), Err("count is not a number"));
        // Dots as thousands separators: two groups or more; one group is ambiguous.
        assert_eq!(parse_count(b"1.234.567"), Ok(1_234_567));
        assert_eq!(
            parse_count(b"1.000"),
            Err("count is ambiguous: a thousands separator or a fraction")
        );
        assert_eq!(parse_count(b"12.0"), Ok(12));
        assert_eq!(parse_count(b"12.00"), Ok(12));
        assert_eq!(parse_count(b"NaN"), Err("count is not a finite number"));
        assert_eq!(parse_count(b"-inf"), Err("count is not a finite number"));
        assert_eq!(parse_count(b"1e6"), Err("count in exponent notation"));
        assert_eq!(parse_count(b"abc"), Err("count is not a number"));
        assert!(parse_count(b"").is_err());
    }

    /// The plain-digits path reads what the full parser reads, and leaves everything else to it.
    #[test]
    fn plain_counts_agree_with_the_full_parser() {
        for raw in [
            &b"0"[..],
            b"7",
            b"0042",
            b"1234567890123456789",
            b"9999999999999999999",
            b"18446744073709551615",
            b"",
            b" 7",
            b"7 ",
            b"12.0",
            b"-5",
            b"+5",
            b"1e6",
            b"/",
            b":",
            b"NULL",
        ] {
            // The oracle is the standard library's parse of the digits (`parse_count` itself
            // starts with `plain_count`).
            let std = std::str::from_utf8(raw)
                .ok()
                .filter(|t| !t.starts_with('+'))
                .and_then(|t| t.parse::<u64>().ok());
            match plain_count(raw) {
                Some(n) => {
                    assert_eq!(Some(n), std, "{raw:?}");
                    assert!(raw.iter().all(u8::is_ascii_digit) && raw.len() <= 19);
                }
                None => {
                    assert!(raw.is_empty() || raw.len() > 19 || !raw.iter().all(u8::is_ascii_digit))
                }
            }
        }
        // Every number of up to 19 digits, on a sweep of magnitudes.
        let mut n: u64 = 1;
        while n < 10_000_000_000_000_000_000 {
            for v in [n - 1, n, n + 7, n * 3 + 1] {
                let text = v.to_string();
                if text.len() <= 19 {
                    assert_eq!(plain_count(text.as_bytes()), Some(v), "{text}");
                }
            }
            n *= 10;
        }
    }

    #[test]
    fn booleans() {
        for t in [&b"1"[..], b"True", b"true", b"TRUE", b"yes", b"Y"] {
            assert_eq!(parse_bool(t), Ok(true), "{:?}", t);
        }
        for f in [&b"0"[..], b"False", b"false", b"FALSE", b"no", b"N"] {
            assert_eq!(parse_bool(f), Ok(false), "{:?}", f);
        }
        assert!(parse_bool(b"2").is_err());
        assert!(parse_bool(b"truthy").is_err());
    }

    /// Dates built from their fields (no offset) are the instants the general path gives, over
    /// every month's edges of four centuries and assorted times; names match in any case.
    #[test]
    fn dates_built_from_fields_equal_the_general_path() {
        const NAMES: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        for year in [
            0, 1, 1899, 1900, 1970, 1999, 2000, 2012, 2015, 2100, 2400, 9999,
        ] {
            for month in 1..=12u32 {
                for day in [1, 28, days_in_month(year, month)] {
                    for (h, m, sec) in [(0, 0, 0), (12, 34, 56), (23, 59, 59)] {
                        let general = DateTime::from_timestamp(
                            days_since_epoch(year, month, day) * 86_400
                                + i64::from(h * 3600 + m * 60 + sec),
                            0,
                        );
                        let got = build(year, month, day, h, m, sec, 0, 0);
                        assert_eq!(got.ok(), general, "{year}-{month}-{day} {h}:{m}:{sec}");
                        let name = NAMES[month as usize - 1];
                        for (wd, mon) in [("Wed", name.to_string()), ("wED", name.to_uppercase())] {
                            let text = format!(
                                "{wd} {mon} {day:02} {h:02}:{m:02}:{sec:02} +0000 {year:04}"
                            );
                            assert_eq!(parse_date(text.as_bytes()).ok(), general, "{text}");
                        }
                    }
                }
            }
        }
        assert_eq!(
            parse_date(b"Wed Oct 10 20:19:24 +0000 2018"),
            parse_date(b"WED OCT 10 20:19:24 +0000 2018")
        );
        assert!(parse_date(b"Wex Oct 10 20:19:24 +0000 2018").is_err());
        assert!(parse_date(b"W\xe5d Oct 10 20:19:24 +0000 2018").is_err());
        assert!(parse_date(b"Wed O\x03t 10 20:19:24 +0000 2018").is_err());
        assert!(parse_date(b"Wed Oct 1a 20:19:24 +0000 2018").is_err());
        assert!(parse_date(b"Wed Oct 10 20:19:24 +0000 2018").is_ok());
    }

    #[test]
    fn dates_in_every_form() {
        let want = Utc.with_ymd_and_hms(2018, 10, 10, 20, 19, 24).unwrap();
        assert_eq!(parse_date(b"Wed Oct 10 20:19:24 +0000 2018"), Ok(want));
        assert_eq!(parse_date(b"2018-10-10 20:19:24"), Ok(want));
        assert_eq!(parse_date(b"2018-10-10T20:19:24Z"), Ok(want));
        assert_eq!(parse_date(b"2018-10-10T22:19:24+02:00"), Ok(want));
        assert_eq!(parse_date(b"2018-10-10T22:19:24+0200"), Ok(want));
        assert_eq!(parse_date(b"2018-10-10T20:19:24.000Z"), Ok(want));
        assert_eq!(parse_date(b"1539202764"), Ok(want));
        assert_eq!(
            parse_date(b"2018-10-10"),
            Ok(Utc.with_ymd_and_hms(2018, 10, 10, 0, 0, 0).unwrap())
        );
        // Weibo's form, with a +0800 offset.
        assert_eq!(
            parse_date(b"Tue May 31 17:46:55 +0800 2011"),
            Ok(Utc.with_ymd_and_hms(2011, 5, 31, 9, 46, 55).unwrap())
        );
        let frac = parse_date(b"2018-10-10T20:19:24.25Z").unwrap();
        assert_eq!(frac.timestamp_subsec_millis(), 250);
    }

    #[test]
    fn days_match_chrono_over_centuries() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1900, 3, 1),
            (2024, 12, 31),
            (1601, 1, 1),
        ] {
            let ours = days_since_epoch(y, m, d);
            let theirs = chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
                .num_days();
            assert_eq!(ours, theirs, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn bad_dates() {
        assert_eq!(
            parse_date(b"Wed Feb 30 20:19:24 +0000 2018"),
            Err("day out of range for the month")
        );
        assert_eq!(
            parse_date(b"Wed Foo 10 20:19:24 +0000 2018"),
            Err("unknown month name")
        );
        assert_eq!(
            parse_date(b"2018-13-10 20:19:24"),
            Err("month out of range")
        );
        assert_eq!(
            parse_date(b"2018-10-10 25:19:24"),
            Err("time of day out of range")
        );
        assert!(parse_date(b"yesterday").is_err());
        assert!(parse_date(b"10/10/2018").is_err());
        assert!(parse_date(b"2018-10-10 20:19:24 +99").is_err());
    }

    proptest::proptest! {
        #[test]
        fn hand_parsers_agree_with_chrono(secs in -2_000_000_000i64..8_000_000_000, offset in -14i32 * 60..=14 * 60) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            let zone = chrono::FixedOffset::east_opt(offset * 60).unwrap();
            let local = t.with_timezone(&zone);
            let twitter = local.format("%a %b %d %H:%M:%S %z %Y").to_string();
            proptest::prop_assert_eq!(parse_date(twitter.as_bytes()), Ok(t), "{}", twitter);
            let iso = local.to_rfc3339();
            proptest::prop_assert_eq!(parse_date(iso.as_bytes()), Ok(t), "{}", iso);
            let naive = t.format("%Y-%m-%d %H:%M:%S").to_string();
            proptest::prop_assert_eq!(parse_date(naive.as_bytes()), Ok(t));
        }

        #[test]
        fn counts_agree_with_std(n in proptest::prelude::any::<u64>()) {
            proptest::prop_assert_eq!(parse_count(n.to_string().as_bytes()), Ok(n));
        }

        #[test]
        fn scalar_parsers_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let _ = parse_date(&bytes);
            let _ = parse_count(&bytes);
            let _ = parse_bool(&bytes);
            let _ = parse_ratio(&bytes);
        }
    }

    #[test]
    fn plausibility() {
        let early = Utc.with_ymd_and_hms(2005, 1, 1, 0, 0, 0).unwrap();
        assert!(check_created(early, Platform::Twitter, None).is_err());
        assert!(check_created(early, Platform::Instagram, None).is_ok());
        let t = Utc.with_ymd_and_hms(2012, 1, 1, 0, 0, 0).unwrap();
        let crawl = Utc.with_ymd_and_hms(2011, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            check_created(t, Platform::Twitter, Some(crawl)),
            Err("after the time the record was crawled")
        );
    }

    #[test]
    fn sources() {
        assert_eq!(
            strip_source(
                r#"<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>"#
            ),
            Some("Twitter for iPhone".to_string())
        );
        assert_eq!(strip_source("web"), Some("web".to_string()));
        assert_eq!(
            strip_source("<a href=x>A &amp; B</a>"),
            Some("A & B".to_string())
        );
        assert_eq!(strip_source(""), None);
    }
}
