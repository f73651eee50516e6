//! The duplicate check: a stable 64-bit hash of ids ([`hash_str`]), the key of one account
//! ([`DupKey`]), and the compact index of the hashes seen so far ([`HashIndex`]).

use std::hash::Hasher;

use crate::account::Account;
use crate::error::{Error, Position, Result};

/// A hasher for keys that are already 64-bit hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Number of shards of a [`HashIndex`] (a power of two).
const SHARDS: usize = 64;

/// Seen ids: each id's 64-bit hash and the record number where it was first seen (saturating
/// at `u32::MAX`), in 12-byte slots of open-addressing tables with linear probing, so that a
/// lookup touches one cache line (a follower list's index is far larger than the cache). The
/// index is split into shards by bits 40 to 45 of the hash (a slot's place comes from the low
/// bits), so that growing it re-hashes one small shard at a time: a large input never holds an
/// old and a new copy of the whole index at once. Tables stay at most 7/8 full.
pub(super) struct HashIndex {
    shards: Vec<Shard>,
}

/// One table: slots `[hash high, hash low, record]`, all-zero hash = empty.
struct Shard {
    slots: Vec<[u32; 3]>,
    len: usize,
}

impl Shard {
    fn with_slots(n: usize) -> Shard {
        Shard {
            slots: vec![[0; 3]; n],
            len: 0,
        }
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    fn find(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let key = [(hash >> 32) as u32, hash as u32];
        let mut i = hash as usize & mask;
        loop {
            let s = self.slots[i];
            if (s[0] == key[0] && s[1] == key[1]) || (s[0] == 0 && s[1] == 0) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.resize(self.slots.len() * 2);
    }

    /// Moves the table into one of `slots` slots (a power of two, more than it holds).
    fn resize(&mut self, slots: usize) {
        let bigger = vec![[0; 3]; slots];
        let old = std::mem::replace(&mut self.slots, bigger);
        for s in old.into_iter().filter(|s| s[0] != 0 || s[1] != 0) {
            let hash = (u64::from(s[0]) << 32) | u64::from(s[1]);
            let i = self.find(hash);
            self.slots[i] = s;
        }
    }
}

impl HashIndex {
    pub(super) fn new() -> HashIndex {
        HashIndex {
            shards: (0..SHARDS).map(|_| Shard::with_slots(1024)).collect(),
        }
    }

    /// Sizes the shards for `n` ids at once (each shard's table as large as inserting them one
    /// by one would make it), up to 2^15 slots a shard (with 64 shards of 12-byte slots kept at
    /// most 7/8 full: 24 MiB, room for about 1.8 million ids): up to there the index grows no
    /// more and no table is built only to be thrown away. Past the cap the tables still grow
    /// as ids come. A hint only: the index holds the same ids whether or not it was sized.
    pub(super) fn reserve(&mut self, n: u64) {
        let per_shard = n / SHARDS as u64 + 1;
        for shard in &mut self.shards {
            let mut slots = shard.slots.len();
            while (per_shard + 1) * 8 > slots as u64 * 7 && slots < 1 << 15 {
                slots *= 2;
            }
            if slots > shard.slots.len() {
                shard.resize(slots);
            }
        }
    }

    /// The table's hash for an id hash: never the empty marker 0.
    fn key(hash: u64) -> u64 {
        hash.max(1)
    }

    fn shard(&mut self, hash: u64) -> &mut Shard {
        &mut self.shards[(hash >> 40) as usize % SHARDS]
    }

    /// Whether `hash` is in the index (a read, to warm the cache before ordered inserts).
    pub(super) fn contains(&mut self, hash: u64) -> bool {
        let hash = Self::key(hash);
        let shard = self.shard(hash);
        let s = shard.slots[shard.find(hash)];
        s[0] != 0 || s[1] != 0
    }

    /// Inserts `hash` first seen at `record`; if it was there already, the record where it
    /// was first seen.
    pub(super) fn insert(&mut self, hash: u64, record: u32) -> Option<u32> {
        let hash = Self::key(hash);
        let shard = self.shard(hash);
        if (shard.len + 1) * 8 > shard.slots.len() * 7 {
            shard.grow();
        }
        let i = shard.find(hash);
        let s = &mut shard.slots[i];
        if s[0] != 0 || s[1] != 0 {
            return Some(s[2]);
        }
        *s = [(hash >> 32) as u32, hash as u32, record];
        shard.len += 1;
        None
    }
}
/// Newlines in `bytes`.
pub(super) fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A guess of the records in an input of `size` bytes whose first `bytes` hold `lines`
/// newlines (about one record each, the CSV header or a JSON array's brackets aside). `None`
/// when the prefix has too few lines for a guess.
pub(super) fn expected_records(prefix: &Option<(u64, u64)>, size: u64) -> Option<u64> {
    let (lines, bytes) = (*prefix)?;
    (lines >= 16).then(|| (size as u128 * lines as u128 / bytes as u128) as u64)
}

/// A 64-bit hash of byte strings, the same in every run: eight bytes at a time through the
/// MurmurHash3 64-bit finalizer (a bijection with full avalanche), each part closed by its
/// length so that `["ab"]` and `["a", "b"]` differ. Not keyed: an adversary could make ids
/// collide on purpose, which would only make the duplicate check reject a record it should
/// not (and say so).
pub(crate) fn hash_str(parts: &[&[u8]]) -> u64 {
    fn mix(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
    let mut h: u64 = 0x2545_f491_4f6c_dd1d;
    for p in parts {
        let mut words = p.chunks_exact(8);
        for w in words.by_ref() {
            h = mix(h ^ u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(last));
        h = mix(h ^ (p.len() as u64).wrapping_add(0x9e37_79b9_7f4a_7c15));
    }
    h
}

/// The key of the duplicate check: the id (else the lower-cased screen name), hashed, and
/// the field and value an error names.
pub(crate) struct DupKey {
    pub(super) hash: u64,
    field: &'static str,
    value: IdText,
}

/// An id as an error would show it, without a heap allocation when it is short (keys are
/// made on worker threads and dropped on the reading thread).
enum IdText {
    Inline { len: u8, bytes: [u8; 30] },
    Heap(Box<str>),
}

impl IdText {
    fn new(s: &str) -> IdText {
        match s.len() {
            len @ 0..=30 => {
                let mut bytes = [0u8; 30];
                bytes[..len].copy_from_slice(s.as_bytes());
                IdText::Inline {
                    len: len as u8,
                    bytes,
                }
            }
            _ => IdText::Heap(s.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            IdText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            IdText::Heap(s) => s,
        }
    }
}

impl DupKey {
    pub(super) fn of(account: &Account) -> Option<DupKey> {
        let p = &account.profile;
        let platform = [p.platform as u8];
        let (key, field, value) = match (&p.id, &p.screen_name) {
            (Some(id), _) => (hash_str(&[&platform, b"id", id.as_bytes()]), "id", id),
            (None, Some(sn)) => (
                hash_str(&[&platform, b"sn", sn.to_ascii_lowercase().as_bytes()]),
                "screen_name",
                sn,
            ),
            (None, None) => return None,
        };
        Some(DupKey {
            hash: key,
            field,
            value: IdText::new(value),
        })
    }

    pub(super) fn check(
        self,
        seen: &mut HashIndex,
        origin: &str,
        position: Position,
    ) -> Result<()> {
        let record = u32::try_from(position.record).unwrap_or(u32::MAX);
        match seen.insert(self.hash, record) {
            None => Ok(()),
            Some(first) => Err(Error::Duplicate {
                origin: origin.to_string(),
                position,
                field: self.field.to_string(),
                value: crate::error::clip_value(self.value.as_str()),
                first: u64::from(first),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn hash_index_agrees_with_a_hash_map() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        // Grown as ids come, sized for them all at the start, and sized when a third is in
        // (its full tables moved into larger ones).
        let mut grown = HashIndex::new();
        let mut sized = HashIndex::new();
        sized.reserve(300_000);
        let mut late = HashIndex::new();
        let mut reference: HashMap<u64, u32> = HashMap::new();
        let mut repeats = 0;
        // Enough ids to grow every shard several times; some repeated, some tiny (0 and 1
        // are one key by design), some equal in their low bits (the same starting slot).
        for record in 0..300_000u32 {
            if record == 100_000 {
                late.reserve(300_000);
            }
            let hash = match rng.gen_range(0..10) {
                0 => rng.gen_range(0..2000),
                1 => rng.gen_range(0..64u64) << 40 | 0xABCD,
                _ => rng.gen(),
            };
            let key = hash.max(1);
            let want = match reference.entry(key) {
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(record);
                    None
                }
            };
            repeats += usize::from(want.is_some());
            for index in [&mut grown, &mut sized, &mut late] {
                assert_eq!(index.contains(hash), want.is_some(), "{hash}");
                assert_eq!(index.insert(hash, record), want, "{hash}");
            }
        }
        assert!(repeats > 20_000);
        for index in [&grown, &sized, &late] {
            assert_eq!(
                index.shards.iter().map(|s| s.len).sum::<usize>(),
                reference.len()
            );
        }
        // Sized for them all, the tables did not grow while the ids came.
        let slots = |i: &HashIndex| i.shards.iter().map(|s| s.slots.len()).collect::<Vec<_>>();
        assert_eq!(slots(&sized), slots(&grown));
    }

    #[test]
    fn record_guesses_scale_the_prefix() {
        assert_eq!(expected_records(&Some((100, 65_536)), 655_360), Some(1_000));
        assert_eq!(expected_records(&Some((3, 65_536)), 655_360), None);
        assert_eq!(expected_records(&None, 655_360), None);
    }

    #[test]
    fn stable_hashes() {
        assert_eq!(hash_str(&[b"a", b"b"]), hash_str(&[b"a", b"b"]));
        assert_ne!(hash_str(&[b"ab"]), hash_str(&[b"a", b"b"]));
        assert_ne!(hash_str(&[b"a\0"]), hash_str(&[b"a"]));
        assert_ne!(hash_str(&[b""]), hash_str(&[]));
        // No collision among a million decimal ids (as in a follower export).
        let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
        for i in 0..1_000_000u64 {
            let id = (829_857_256_701_952_000 + i * 7919).to_string();
            assert!(
                seen.insert(hash_str(&[b"\x01", b"id", id.as_bytes()])),
                "{id}"
            );
        }
    }
}
