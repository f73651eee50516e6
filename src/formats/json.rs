//! Typed access to JSON records: parsing one raw record ([`parse_value`], or [`pick`] for the
//! few keys a converter reads), the fields of an object ([`Obj`]) with errors naming the
//! origin, the position and the field's path, and the top-level keys of an input's first
//! records (for format detection).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::values::{
    check_engaged, field_error, parse_bool, parse_count, parse_date, ENGAGED_KEYS,
};
use crate::error::{Error, Position, Result};

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

/// The index of the quote that closes the JSON string whose text begins at `start` (just
/// after its opening quote), escapes skipped; `bytes.len()` when the string does not close.
fn closing_quote(bytes: &[u8], start: usize) -> usize {
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The raw text of the string value starting at `start` (after a key's colon).
fn string_value_at(bytes: &[u8], start: usize) -> &[u8] {
    let rest = bytes[start.min(bytes.len())..].trim_ascii_start();
    let Some(body) = rest.strip_prefix(b"\"") else {
        return &rest[..rest.len().min(200)];
    };
    &body[..closing_quote(body, 0)]
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

    /// The error for an object from which no field was read: its path and keys.
    pub(crate) fn blank_error(&self) -> Error {
        let keys: Vec<&str> = match self.map {
            Fields::Map(m) => m.keys().map(String::as_str).take(12).collect(),
            Fields::List(l) => l.iter().map(|(k, _)| *k).take(12).collect(),
        };
        let shown = if keys.is_empty() {
            "no key".to_string()
        } else {
            format!("keys: {}", keys.join(", "))
        };
        let field = if self.path.is_empty() {
            "<record>"
        } else {
            &self.path
        };
        field_error(self.origin, self.pos, field, &shown, BLANK_REASON)
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

    /// Whether the object holds `key`, even as `null`.
    fn has_key(&self, key: &str) -> bool {
        match self.map {
            Fields::Map(m) => m.contains_key(key),
            Fields::List(l) => l.iter().any(|(k, _)| *k == key),
        }
    }

    /// Text of a key an export writes for every record, `""` or `null` when the account has
    /// none (Instagram's `biography` and `external_url`): then `Some("")`, an empty value.
    /// Only an absent key is missing.
    pub(crate) fn text_or_blank(&self, key: &str) -> Result<Option<String>> {
        if !self.has_key(key) {
            return Ok(None);
        }
        Ok(Some(self.text(key)?.unwrap_or_default()))
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

    /// The engagement time: the first of [`ENGAGED_KEYS`] present, parsed as [`Obj::date`]
    /// and checked against the account's creation time `created`.
    pub(crate) fn engaged(&self, created: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>> {
        let Some(key) = ENGAGED_KEYS.iter().copied().find(|k| self.get(k).is_some()) else {
            return Ok(None);
        };
        let date = self.date(key)?;
        if let Some(d) = date {
            check_engaged(d, created)
                .map_err(|r| self.err(key, self.get(key).unwrap_or(&Value::Null), r))?;
        }
        Ok(date)
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

/// The byte offset of each element of the array under the top-level `key` of the JSON
/// object `bytes` (empty when there is no such array): where, in a pretty-printed response,
/// each user begins, so that an error can name its line.
pub(crate) fn element_offsets(bytes: &[u8], key: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let (mut depth, mut i) = (0usize, 0usize);
    // Inside the wanted array (at depth 2), expecting an element's first byte.
    let (mut inside, mut expect) = (false, false);
    // The last string closed at depth 1, when it may be a key.
    let mut last_key: Option<(usize, usize)> = None;
    let mut value_of_key = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            let start = i + 1;
            let j = closing_quote(bytes, start);
            if inside && expect && depth == 2 {
                offsets.push(i);
                expect = false;
            }
            if depth == 1 {
                last_key = Some((start, j));
            }
            i = j + 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if inside && expect && depth == 2 && c != b']' {
            offsets.push(i);
            expect = false;
        }
        match c {
            b':' if depth == 1 => {
                value_of_key = last_key.is_some_and(|(a, b)| &bytes[a..b] == key.as_bytes());
            }
            b'{' | b'[' => {
                if c == b'[' && depth == 1 && value_of_key {
                    inside = true;
                    expect = true;
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if inside && depth == 1 {
                    return offsets;
                }
            }
            b',' if inside && depth == 2 => expect = true,
            _ => {}
        }
        if depth == 1 && c != b':' {
            value_of_key = false;
        }
        i += 1;
    }
    offsets
}

/// The keys of a JSON record's top-level object (empty when it is not an object).
pub(crate) fn top_keys(bytes: &[u8]) -> Vec<String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Top-level object keys of the first records in `prefix` (used to detect the format).
pub(crate) fn keys_in(prefix: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut i = 0;
    while i < prefix.len() && keys.len() < 400 {
        if prefix[i] == b'"' {
            let start = i + 1;
            let j = closing_quote(prefix, start);
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

/// The reason given for a record or list entry from which no field was read.
pub(crate) const BLANK_REASON: &str = "no follower field was read from it: not a profile \
     of this format, or a wrapper whose list this reader does not know (give the list \
     itself, one profile per record, or --format)";

#[cfg(test)]
mod tests {
    #[test]
    fn element_offsets_find_each_user_of_a_response() {
        let text = "{\"meta\": {\"data\": [9]},\n \"data\": [\n  {\"id\": \"1\", \"s\": \"a,]\\\"\"},\n  {\"id\": [1, 2]}\n ]}";
        let at = super::element_offsets(text.as_bytes(), "data");
        let starts: Vec<&str> = at.iter().map(|&o| &text[o..o + 7]).collect();
        assert_eq!(starts, ["{\"id\": ", "{\"id\": "]);
        let lines: Vec<usize> = at
            .iter()
            .map(|&o| text[..o].matches('\n').count())
            .collect();
        assert_eq!(lines, [2, 3]);
        assert!(super::element_offsets(b"[1, 2]", "data").is_empty());
        assert!(super::element_offsets(b"{\"data\": {}}", "data").is_empty());
    }

    use super::*;

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
