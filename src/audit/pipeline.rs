//! The audit's streaming pipeline: chunks of accounts scored (features, P(fake), reasons of
//! the followers that may be listed) on the rayon pool, and absorbed in input order by the
//! [`Sink`] into the running [`State`](super::state::State) and the streamed CSV.

use std::collections::{HashMap, HashSet};

use ndarray::Array2;
use rayon::prelude::*;

use crate::account::{Account, Label};
use crate::detector::explain::join_reasons;
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureExtractor, FeatureMatrix, TimeReference};

use super::engagement::NO_TIME;
use super::params::{ListKind, Listing};
use super::report::{FollowerGroup, FollowerScore};
use super::rows_csv::{push_field, push_plain_field, rows_write_error, RowsCsv};
use super::shared::Shared;
use super::shift::{follower_key, follower_keys};
use super::state::TimeKind;
use super::state::{group_of, is_inactive, label_name, most_suspicious_first, Deferred, State};
use super::traits::TraitBits;
use crate::inorder::InOrder;

/// A chunk of valid accounts in follow order, with their input positions.
pub(super) struct Batch {
    pub(super) positions: Vec<u64>,
    pub(super) accounts: Vec<Account>,
}

impl Batch {
    /// An empty batch for `chunk` accounts, reusing a spare account buffer when there is one.
    pub(super) fn with_capacity(chunk: usize, spare: Option<Vec<Account>>) -> Batch {
        let cap = chunk.min(1 << 16);
        Batch {
            positions: Vec::with_capacity(cap),
            accounts: spare.unwrap_or_else(|| Vec::with_capacity(cap)),
        }
    }
}

/// Unmarks in `wanted` the followers of a chunk that `n` others of the same chunk outscore:
/// the report lists the `n` highest P(fake) (ties in follow order), so they can never be
/// listed and need no reasons. (At the start of a list, before the sink has listed `n`
/// followers and raised its bound, every follower passes that bound.)
fn only_the_chunks_highest(proba: &[f64], wanted: &mut [bool], n: usize) {
    if n == 0 || wanted.iter().filter(|&&w| w).count() <= n {
        return;
    }
    let mut p: Vec<f64> = proba
        .iter()
        .zip(wanted.iter())
        .filter(|(_, &w)| w)
        .map(|(&p, _)| p)
        .collect();
    // The n-th highest: a follower below it has at least n strictly above it.
    let (_, &mut nth, _) = p.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    for (w, &p) in wanted.iter_mut().zip(proba) {
        if p < nth {
            *w = false;
        }
    }
}

/// A scored chunk: P(fake), inactivity and (on request) reasons per account. `accounts` holds
/// the accounts only when the report or the CSV needs their ids; otherwise it comes back
/// empty, as a buffer to reuse.
pub(super) struct ScoredBatch {
    pub(super) positions: Vec<u64>,
    pub(super) accounts: Vec<Account>,
    pub(super) proba: Vec<f64>,
    pub(super) marks: Vec<Marks>,
    pub(super) reasons: Vec<Vec<Reason>>,
    /// See [`Rows::texts`].
    pub(super) texts: Texts,
    /// The chunk's feature buffer, to reuse.
    pub(super) scratch: Option<Array2<f64>>,
}

/// Features, scores and reasons of chunks: pure (the report is assembled by [`Sink`]), so it
/// may run on another thread than the reading.
pub(super) struct Scorer<'a, 'm> {
    pub(super) audit: &'a Shared<'m>,
    pub(super) fx: &'a FeatureExtractor,
    /// Every follower is written out (the CSV, or a report listing all): each gets its id and
    /// reasons (only as the CSV's text when it cannot be listed, see [`Rows::texts`]).
    pub(super) every: bool,
    /// Every follower is written to the per-follower CSV.
    pub(super) csv: bool,
    /// The report lists every follower.
    pub(super) all: bool,
    /// The report lists the most suspicious: followers above the listing bound get their id
    /// and reasons.
    pub(super) top: bool,
    /// How many the report lists when `top`.
    pub(super) listed: usize,
}

impl<'a, 'm> Scorer<'a, 'm> {
    pub(super) fn new(audit: &'a Shared<'m>, fx: &'a FeatureExtractor, csv: bool) -> Self {
        let listing = audit.params.listing;
        Scorer {
            audit,
            fx,
            every: csv || listing == Listing::All,
            csv,
            all: listing == Listing::All,
            top: matches!(listing, Listing::MostSuspicious(n) if n > 0),
            listed: match listing {
                Listing::MostSuspicious(n) => n,
                _ => 0,
            },
        }
    }

    /// Whether a follower scored `p_fake` may be written out or listed, so needs its id and
    /// reasons. The list is ranked by P(fake), ties in follow order, and every follower the
    /// sink has listed comes before those still being scored: one at the bound or below it
    /// can never enter. The bound only rises, so a follower that ends up listed always
    /// passes here.
    pub(super) fn wanted(&self, p_fake: f64) -> bool {
        self.every || self.listable(p_fake)
    }

    /// Whether a follower scored `p_fake` may be listed in the report (see
    /// [`Scorer::wanted`]), so needs its reasons as [`Reason`]s rather than only as the CSV's
    /// text.
    fn listable(&self, p_fake: f64) -> bool {
        self.all
            || (self.top
                && p_fake
                    > f64::from_bits(
                        self.audit
                            .listed_bound
                            .load(std::sync::atomic::Ordering::Relaxed),
                    ))
    }

    /// Whether the block engine leaves the reasons of the followers it may list to the end of
    /// the audit ([`Scorer::score_each`]): only when the report lists the most suspicious and
    /// nothing is written out follower by follower.
    pub(super) fn defers_reasons(&self) -> bool {
        self.top && !self.every && self.audit.params.reasons > 0
    }

    /// Whether the accounts' ids may be needed after scoring.
    pub(super) fn keeps_accounts(&self) -> bool {
        self.every || self.top
    }
}

impl Scorer<'_, '_> {
    /// Scores `batch`, writing its features into `scratch` (a previous chunk's feature
    /// buffer, reshaped; every cell is overwritten) when there is one; the buffer comes back
    /// in [`ScoredBatch::scratch`].
    pub(super) fn score(
        &self,
        mut batch: Batch,
        scratch: Option<Array2<f64>>,
    ) -> Result<ScoredBatch> {
        let rows = self.score_rows(&mut batch.accounts, scratch, true)?;
        if !self.keeps_accounts() {
            batch.accounts.clear();
        }
        Ok(ScoredBatch {
            positions: batch.positions,
            accounts: batch.accounts,
            proba: rows.proba,
            marks: rows.marks,
            reasons: rows.reasons,
            texts: rows.texts,
            scratch: Some(rows.scratch),
        })
    }

    /// Features, scores, reasons and inactivity of `accounts`, computed in `scratch` (a
    /// feature buffer to reuse) when given. The accounts that may enter the uniform sample
    /// are offered to it now (`offer`), or returned in [`Rows::candidates`] for the caller to
    /// offer once it knows they are accepted.
    pub(super) fn score_rows(
        &self,
        accounts: &mut [Account],
        scratch: Option<Array2<f64>>,
        offer: bool,
    ) -> Result<Rows> {
        if let Some(f) = &self.audit.fallback {
            f.read_left_out_texts(accounts);
        }
        let accounts: &[Account] = accounts;
        let model = self.audit.model;
        let rows = accounts.len();
        let d = self.fx.schema().len();
        let values = match scratch {
            Some(m) => {
                let (mut cells, _) = m.into_raw_vec_and_offset();
                cells.resize(rows * d, 0.0);
                let mut m = Array2::from_shape_vec((rows, d), cells)
                    .map_err(|e| Error::InvalidData(format!("feature buffer: {e}")))?;
                self.fx.extract_into(accounts, m.view_mut())?;
                m
            }
            None => self.fx.extract(accounts).into_values(),
        };
        let x = FeatureMatrix::from_trusted(self.fx.schema().clone(), values);
        let mut candidates = Vec::new();
        if self.audit.training.is_some() {
            // Offer the accounts to the uniform sample: hashes first, the lock only for the
            // few that may enter it.
            let bound = self.audit.sample.lock().expect("not poisoned").bound();
            candidates = match x.values().as_slice() {
                Some(cells) => follower_keys(cells, rows, d)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, h)| *h <= bound)
                    .collect(),
                None => x
                    .values()
                    .rows()
                    .into_iter()
                    .zip(accounts)
                    .map(|(row, a)| follower_key(row.as_slice().unwrap_or(&[]), a))
                    .enumerate()
                    .filter(|(_, h)| *h <= bound)
                    .collect(),
            };
            if offer && !candidates.is_empty() {
                let mut sample = self.audit.sample.lock().expect("not poisoned");
                for (k, h) in candidates.drain(..) {
                    sample.offer(h, &accounts[k]);
                }
            }
        }
        let keep = self.audit.params.reasons;
        // Every follower written out: scores and reasons from one walk (a forest's).
        let (scores, explained) = if self.every && keep > 0 {
            let (p, e) = model.score_and_explain(&x, keep)?;
            (p, Some(e))
        } else {
            (model.predict_proba(&x)?, None)
        };
        let mut proba: Vec<f64> = scores.iter().map(|v| v.clamp(0.0, 1.0)).collect();
        // Followers that lack a group the model reads: their score and reasons from a model
        // fitted without it.
        let narrower = match &self.audit.fallback {
            Some(f) => f.rescore(accounts, self.fx)?,
            None => Vec::new(),
        };
        for part in &narrower {
            for (&r, &p) in part.rows.iter().zip(&part.proba) {
                proba[r] = p;
            }
        }
        let mut wanted: Vec<bool> = proba.iter().map(|&p| self.wanted(p)).collect();
        // Only when the accounts are final (`offer`): the block engine checks duplicates when
        // it places a block, after scoring, and a dropped duplicate among a chunk's n highest
        // would let a follower below them onto the list without its id and reasons.
        if self.top && !self.every && offer {
            only_the_chunks_highest(&proba, &mut wanted, self.listed);
        }
        // The block engine's listed followers get their reasons at the end (`offer` is false
        // only there).
        let deferred = !offer && self.defers_reasons();
        let mut texts = Texts::default();
        let mut reasons: Vec<Vec<Reason>> = match explained {
            // In words for the followers the report may list; for the others, only the text
            // the CSV writes, all in one string.
            Some(mut all) => {
                let schema = model.schema();
                if self.csv {
                    texts.spans.reserve(rows);
                    // Room for the default three reasons' words (about 170 bytes) each.
                    texts.all.reserve(rows * 192);
                }
                let mut reasons = Vec::with_capacity(rows);
                for (r, &p) in proba.iter().enumerate() {
                    if self.listable(p) {
                        reasons.push(all.reasons(schema, r));
                        if self.csv {
                            texts.spans.push(None);
                        }
                    } else {
                        let start = texts.all.len();
                        all.write_joined(schema, r, &mut texts.all);
                        reasons.push(Vec::new());
                        texts.spans.push(Some((start, texts.all.len())));
                    }
                }
                reasons
            }
            None if keep > 0 && !deferred && wanted.iter().any(|&w| w) => (0..rows)
                .into_par_iter()
                .map(|row| {
                    if !wanted[row] {
                        return Ok(Vec::new());
                    }
                    model.explain_top(&x, row, keep)
                })
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        let mut lacked = Vec::new();
        if !narrower.is_empty() {
            lacked = vec![0u32; rows];
            if keep > 0 {
                reasons.resize_with(rows, Vec::new);
            }
        }
        for part in &narrower {
            for (i, &r) in part.rows.iter().enumerate() {
                lacked[r] = part.lacked;
                let text = self.csv && texts.spans.get(r).is_some_and(Option::is_some);
                if keep == 0 || !(text || wanted[r]) {
                    continue;
                }
                let words = part.model.explain_top(&part.x, i, keep)?;
                if text {
                    // The CSV's text only: the narrower model's words replace the others.
                    let start = texts.all.len();
                    join_reasons(&words, &mut texts.all);
                    texts.spans[r] = Some((start, texts.all.len()));
                } else {
                    reasons[r] = words;
                }
            }
        }
        let shape = self.audit.shape.as_ref();
        let marks: Vec<Marks> = accounts
            .iter()
            .enumerate()
            .map(|(k, a)| Marks {
                lacked: lacked.get(k).copied().unwrap_or(0),
                inactive: is_inactive(a),
                traits: TraitBits::of(a, shape, Some(self.fx.time_reference(a).time())),
                engaged: a.engaged_at.map_or(NO_TIME, |t| t.timestamp_millis()),
            })
            .collect();
        Ok(Rows {
            proba,
            rescored: {
                let mut rows: Vec<usize> = narrower
                    .iter()
                    .flat_map(|p| p.rows.iter().copied())
                    .collect();
                rows.sort_unstable();
                rows
            },
            wanted,
            marks,
            reasons,
            texts,
            candidates,
            scratch: x.into_values(),
        })
    }
}

/// What the report counts of each follower besides its score.
#[derive(Clone, Copy, Debug)]
pub(super) struct Marks {
    /// Few posts (see [`is_inactive`]).
    pub(super) inactive: bool,
    /// Its plain traits, for [`super::AuditReport::fake_traits`].
    pub(super) traits: TraitBits,
    /// Its engagement time in Unix milliseconds, [`NO_TIME`] when unknown.
    pub(super) engaged: i64,
    /// The groups the model reads that it lacked, so that a narrower model scored it, one bit
    /// per [`crate::FieldGroup::ALL`] entry (see [`super::fallback`]).
    pub(super) lacked: u32,
}

/// The CSV's reasons texts of a run of followers, in one string: one allocation for the run
/// instead of one per follower.
#[derive(Default)]
pub(super) struct Texts {
    all: String,
    /// Per follower (when the CSV is written), where its text lies in `all`; `None` for a
    /// follower whose reasons are kept as [`Reason`]s.
    spans: Vec<Option<(usize, usize)>>,
}

impl Texts {
    /// Follower `k`'s text, if it has one.
    pub(super) fn get(&self, k: usize) -> Option<&str> {
        let (start, end) = (*self.spans.get(k)?)?;
        Some(&self.all[start..end])
    }

    /// Whether any follower has a text.
    fn any(&self) -> bool {
        self.spans.iter().any(Option::is_some)
    }
}

/// What [`Scorer::score_rows`] computes for a run of accounts.
pub(super) struct Rows {
    pub(super) proba: Vec<f64>,
    /// The followers scored by a narrower model (see [`super::fallback`]), ascending: their
    /// reasons are final, never left to the end.
    pub(super) rescored: Vec<usize>,
    /// Which followers may be written out or listed (see [`Scorer::wanted`]).
    pub(super) wanted: Vec<bool>,
    pub(super) marks: Vec<Marks>,
    pub(super) reasons: Vec<Vec<Reason>>,
    /// When the CSV is written with reasons: for each follower that cannot be listed (whose
    /// [`Rows::reasons`] is empty), its reasons as the CSV's text. Empty when there is no CSV
    /// or no reasons are asked for.
    pub(super) texts: Texts,
    /// Accounts not yet offered that may enter the uniform sample: index and key.
    pub(super) candidates: Vec<(usize, u64)>,
    /// The feature buffer, to reuse.
    pub(super) scratch: Array2<f64>,
}

/// One scored follower, as a block job returns it (small: a block holds one per follower).
pub(super) struct One {
    pub(super) p_fake: f64,
    pub(super) marks: Marks,
    pub(super) time: TimeKind,
    /// Only when the report or the CSV lists followers.
    pub(super) details: Option<Details>,
    /// The follower and its key, when it may enter the uniform sample: offered once it is
    /// placed and accepted (a duplicate found then must not enter).
    pub(super) sample: Option<Box<(u64, Account)>>,
}

/// What a block job keeps of a follower for the report or the CSV.
pub(super) enum Details {
    /// A follower the report may list: what it needs, left to be placed.
    Unplaced(Box<Unplaced>),
    /// A follower the report cannot list (below the listing bound when scored: the bound only
    /// rises) written to the CSV: its row after the position, made on the pool.
    Row(RowTail),
}

/// A follower's CSV row after its position (see [`RowsCsv::row_with_tail`]): bytes of a
/// buffer its block's followers share, so that a block's rows cost one allocation.
pub(super) struct RowTail {
    block: std::sync::Arc<[u8]>,
    start: usize,
    end: usize,
}

impl RowTail {
    pub(super) fn bytes(&self) -> &[u8] {
        &self.block[self.start..self.end]
    }
}

/// A block job's output per follower: its score, or the error that stopped the block's
/// scoring (boxed, as [`One`] is small).
pub(super) type Scored = std::result::Result<One, Box<Error>>;

impl Scorer<'_, '_> {
    /// Scores a block's valid accounts: one score each, or the error that stopped the
    /// scoring (which ends the audit).
    pub(super) fn score_each(&self, accounts: &mut [Account]) -> Vec<Scored> {
        let n = accounts.len();
        if n == 0 {
            return Vec::new();
        }
        // Each pool thread keeps its last feature buffer for its next block.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Option<Array2<f64>>> =
                const { std::cell::RefCell::new(None) };
        }
        let scratch = SCRATCH.with(|s| s.borrow_mut().take());
        let mut rows = match self.score_rows(accounts, scratch, false) {
            Ok(r) => r,
            Err(e) => {
                let mut out = vec![Err(Box::new(e))];
                out.extend((1..n).map(|_| Err(Box::new(Error::InvalidData("not scored".into())))));
                return out;
            }
        };
        // A listed follower whose reasons are left to the end keeps its feature row.
        let d = self.fx.schema().len();
        let mut features: Vec<Option<Box<[f64]>>> = Vec::new();
        if self.defers_reasons() {
            let cells = rows.scratch.as_slice();
            features = rows
                .wanted
                .iter()
                .enumerate()
                .map(|(k, &w)| {
                    let w = w && rows.rescored.binary_search(&k).is_err();
                    w.then(|| match cells {
                        Some(c) => c[k * d..(k + 1) * d].into(),
                        None => rows.scratch.row(k).to_vec().into_boxed_slice(),
                    })
                })
                .collect();
        }
        SCRATCH.with(|s| *s.borrow_mut() = Some(std::mem::take(&mut rows.scratch)));
        // The CSV rows of the followers that get only the CSV's text, made here in one buffer.
        let mut spans: Vec<Option<(usize, usize)>> = Vec::new();
        let mut block: std::sync::Arc<[u8]> = std::sync::Arc::new([]);
        if self.csv && rows.texts.any() {
            let threshold = self.audit.model.threshold();
            let uncertain = self.audit.params.uncertain;
            let (mut tails, mut number) = (Vec::new(), String::new());
            spans = accounts
                .iter()
                .enumerate()
                .map(|(k, a)| {
                    let text = rows.texts.get(k)?;
                    let p_fake = rows.proba[k];
                    let start = tails.len();
                    let fields = TailFields {
                        id: a.profile.id.as_deref(),
                        screen_name: a.profile.screen_name.as_deref(),
                        p_fake,
                        label: called(p_fake, threshold),
                        group: group_of(p_fake, rows.marks[k].inactive, threshold, uncertain),
                        reasons: text,
                    };
                    push_row_tail(&mut tails, &fields, &mut number);
                    Some((start, tails.len()))
                })
                .collect();
            block = tails.into();
        }
        let mut candidates = rows.candidates.iter().peekable();
        accounts
            .iter_mut()
            .enumerate()
            .map(|(k, a)| {
                let sample = candidates
                    .next_if(|(i, _)| *i == k)
                    .map(|&(_, h)| Box::new((h, a.clone())));
                let time = match self.fx.time_reference(a) {
                    TimeReference::AsOf(_) => TimeKind::AsOf,
                    TimeReference::Crawled(_) => TimeKind::Crawled,
                    TimeReference::Clock(_) => TimeKind::Clock,
                };
                let row = spans.get(k).copied().flatten();
                let details = if let Some((start, end)) = row {
                    Some(Details::Row(RowTail {
                        block: block.clone(),
                        start,
                        end,
                    }))
                } else {
                    rows.wanted[k].then(|| {
                        Details::Unplaced(Box::new(Unplaced {
                            id: a.profile.id.take(),
                            screen_name: a.profile.screen_name.take(),
                            reasons: rows
                                .reasons
                                .get_mut(k)
                                .map(std::mem::take)
                                .unwrap_or_default(),
                            features: features.get_mut(k).and_then(Option::take),
                        }))
                    })
                };
                Ok(One {
                    p_fake: rows.proba[k],
                    marks: rows.marks[k],
                    time,
                    details,
                    sample,
                })
            })
            .collect()
    }
}

/// One follower's row of the per-follower CSV: position, id, screen name, P(fake) to six
/// decimals, label, group and the reasons joined by `; ` (`reasons` when the follower's reasons
/// came as that text only).
fn write_follower(
    w: &mut RowsCsv<'_>,
    score: &FollowerScore,
    reasons: Option<&str>,
    room: &mut RowRoom,
) -> std::io::Result<()> {
    let RowRoom { text, number, tail } = room;
    tail.clear();
    let joined = match reasons {
        Some(joined) => joined,
        None => {
            text.clear();
            join_reasons(&score.reasons, text);
            text.as_str()
        }
    };
    let fields = TailFields {
        id: score.id.as_deref(),
        screen_name: score.screen_name.as_deref(),
        p_fake: score.p_fake,
        label: score.label,
        group: score.group,
        reasons: joined,
    };
    push_row_tail(tail, &fields, number);
    w.row_with_tail(score.position, tail)
}

/// Room for the parts of a CSV row that are put together, reused row after row.
#[derive(Default)]
pub(super) struct RowRoom {
    /// The reasons, joined.
    text: String,
    /// P(fake)'s digits.
    number: String,
    /// The row after its position.
    tail: Vec<u8>,
}

/// A write error of the per-follower CSV, naming the audited source.
/// The label a score is called at `threshold` (fake at or above it), as every row of the
/// report and of the CSV says.
fn called(p_fake: f64, threshold: f64) -> Label {
    if p_fake >= threshold {
        Label::Fake
    } else {
        Label::Genuine
    }
}

/// What a follower's CSV row holds after its position.
struct TailFields<'a> {
    id: Option<&'a str>,
    screen_name: Option<&'a str>,
    p_fake: f64,
    label: Label,
    group: FollowerGroup,
    /// Joined by `; `.
    reasons: &'a str,
}

/// Appends the CSV row's part after the position, each field after a `,`: id, screen name,
/// P(fake) to six decimals, label, group, reasons (see [`RowsCsv::row_with_tail`]). `number`
/// is room for P(fake)'s digits.
fn push_row_tail(buf: &mut Vec<u8>, f: &TailFields<'_>, number: &mut String) {
    buf.push(b',');
    push_field(buf, f.id.unwrap_or("").as_bytes());
    buf.push(b',');
    push_field(buf, f.screen_name.unwrap_or("").as_bytes());
    buf.push(b',');
    number.clear();
    six_decimals(f.p_fake, number);
    push_plain_field(buf, number.as_bytes());
    buf.push(b',');
    push_plain_field(buf, label_name(f.label).as_bytes());
    buf.push(b',');
    push_plain_field(buf, f.group.name().as_bytes());
    buf.push(b',');
    push_field(buf, f.reasons.as_bytes());
}

/// Writes `p` as `format!("{p:.6}")` does, in integers for a probability: the exact value
/// `m * 2^e` times 10^6 fits 128 bits, and is rounded half to even as the float formatting
/// rounds it.
fn six_decimals(p: f64, out: &mut String) {
    use std::fmt::Write as _;
    // Zero too: `-0.0` (which clamping to [0, 1] keeps) prints as `-0.000000`.
    if !(0.0..=1.0).contains(&p) || p == 0.0 {
        let _ = write!(out, "{p:.6}");
        return;
    }
    let bits = p.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let (mantissa, shift) = if exp == 0 {
        (bits & ((1 << 52) - 1), 1074)
    } else {
        ((bits & ((1 << 52) - 1)) | (1 << 52), 1075 - exp)
    };
    // p = mantissa / 2^shift, shift >= 52 for p <= 1.
    let scaled = u128::from(mantissa) * 1_000_000;
    let (q, rem, half) = if shift >= 128 {
        (0, scaled, None)
    } else {
        (
            scaled >> shift,
            scaled & ((1u128 << shift) - 1),
            Some(1u128 << (shift - 1)),
        )
    };
    let up = match half {
        Some(h) => rem > h || (rem == h && q & 1 == 1),
        None => false,
    };
    let micro = (q + u128::from(up)) as u64;
    let _ = write!(out, "{}.{:06}", micro / 1_000_000, micro % 1_000_000);
}

/// Where scored chunks go, in input order: the running totals, the kept details and the
/// streamed CSV.
pub(super) struct Sink<'s, 'w> {
    pub(super) audit: &'s Shared<'s>,
    pub(super) state: &'s mut State,
    pub(super) csv: &'s mut Option<RowsCsv<'w>>,
    pub(super) source: &'s str,
    /// Room for a CSV row's parts, reused row after row.
    pub(super) room: RowRoom,
}

impl Sink<'_, '_> {
    /// Adds a scored chunk to the report; returns its emptied account buffer and its feature
    /// buffer for reuse.
    pub(super) fn absorb(&mut self, mut scored: ScoredBatch) -> Result<Reusable> {
        for (row, (&pos, &p_fake)) in scored.positions.iter().zip(&scored.proba).enumerate() {
            let (id, screen_name) = match scored.accounts.get_mut(row) {
                Some(a) => (a.profile.id.take(), a.profile.screen_name.take()),
                None => (None, None),
            };
            let reasons = scored
                .reasons
                .get_mut(row)
                .map(std::mem::take)
                .unwrap_or_default();
            let details = Unplaced {
                id,
                screen_name,
                reasons,
                features: None,
            };
            let text = scored.texts.get(row);
            self.absorb_one(pos, p_fake, scored.marks[row], details, text)?;
        }
        scored.accounts.clear();
        Ok((scored.accounts, scored.scratch))
    }

    /// Adds one scored follower to the report: its id, screen name, reasons and, when its
    /// reasons are left to the end, its feature row; `text` is its reasons as the CSV's text
    /// when it has them only so.
    pub(super) fn absorb_one(
        &mut self,
        pos: u64,
        p_fake: f64,
        marks: Marks,
        Unplaced {
            id,
            screen_name,
            reasons,
            features,
        }: Unplaced,
        text: Option<&str>,
    ) -> Result<()> {
        let p = &self.audit.params;
        let threshold = self.audit.model.threshold();
        let (group, listed) = self.tally(pos, p_fake, marks);
        if !listed && self.csv.is_none() {
            return Ok(());
        }
        let score = FollowerScore {
            position: pos,
            id,
            screen_name,
            p_fake,
            label: called(p_fake, threshold),
            group,
            reasons,
        };
        if let Some(w) = self.csv.as_mut() {
            write_follower(w, &score, text, &mut self.room)
                .map_err(|e| rows_write_error(self.source, e))?;
        }
        if listed {
            self.state.followers.push(score);
            if let Some(row) = features {
                let schema = || Deferred {
                    schema: self.audit.model.schema().clone(),
                    rows: HashMap::new(),
                };
                let deferred = self.state.deferred.get_or_insert_with(schema);
                deferred.rows.insert(pos, row);
            }
            if let Listing::MostSuspicious(n) = p.listing {
                // Keep the list at most twice the listed number: sort, cut, raise the bound.
                if self.state.followers.len() >= n.saturating_mul(2) {
                    most_suspicious_first(&mut self.state.followers, n);
                    if let Some(deferred) = &mut self.state.deferred {
                        let kept: HashSet<u64> =
                            self.state.followers.iter().map(|f| f.position).collect();
                        deferred.rows.retain(|pos, _| kept.contains(pos));
                    }
                    let bound = self.state.followers[n - 1].p_fake;
                    self.state.listed_bound = bound;
                    self.audit
                        .listed_bound
                        .store(bound.to_bits(), std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }

    /// Adds a follower the block engine placed, with what its job kept of it.
    pub(super) fn absorb_placed(
        &mut self,
        pos: u64,
        p_fake: f64,
        marks: Marks,
        details: Option<Details>,
    ) -> Result<()> {
        match details {
            Some(Details::Row(tail)) => {
                let (_, listed) = self.tally(pos, p_fake, marks);
                // Made only for a follower below the listing bound when scored; the bound
                // only rises.
                debug_assert!(!listed, "follower {pos} listed without its details");
                if let Some(w) = self.csv.as_mut() {
                    w.row_with_tail(pos, tail.bytes())
                        .map_err(|e| rows_write_error(self.source, e))?;
                }
                Ok(())
            }
            Some(Details::Unplaced(d)) => self.absorb_one(pos, p_fake, marks, *d, None),
            None => self.absorb_one(pos, p_fake, marks, Unplaced::default(), None),
        }
    }

    /// Counts a follower in the running totals: its group, traits, score and engagement time.
    /// Returns its group and whether the report lists it.
    fn tally(&mut self, pos: u64, p_fake: f64, marks: Marks) -> (FollowerGroup, bool) {
        let p = &self.audit.params;
        let threshold = self.audit.model.threshold();
        let group = group_of(p_fake, marks.inactive, threshold, p.uncertain);
        self.state.add(group);
        self.state
            .traits
            .add(group == FollowerGroup::LikelyFake, marks.traits);
        self.state.scored.push(pos, p_fake as f32);
        let mut bits = marks.lacked;
        while bits != 0 {
            self.state.lacking[bits.trailing_zeros() as usize] += 1;
            bits &= bits - 1;
        }
        if p.list == ListKind::Engagers {
            self.state.engaged.push(marks.engaged);
        }
        let listed = match p.listing {
            Listing::All => true,
            Listing::MostSuspicious(n) => n > 0 && p_fake > self.state.listed_bound,
            _ => false,
        };
        (group, listed)
    }
}

/// What the report may keep of a follower besides its score: its id, screen name and reasons,
/// and its feature row when its reasons are left to the end (see [`Scorer::defers_reasons`]).
#[derive(Default)]
pub(super) struct Unplaced {
    pub(super) id: Option<String>,
    pub(super) screen_name: Option<String>,
    pub(super) reasons: Vec<Reason>,
    pub(super) features: Option<Box<[f64]>>,
}

/// What a scored chunk leaves to reuse: its account buffer and its feature buffer.
pub(super) type Reusable = (Vec<Account>, Option<Array2<f64>>);

/// How chunks get from the reading loop to the scorer and back to the [`Sink`].
pub(super) trait Pipe {
    /// Hands over one chunk; may absorb chunks scored earlier.
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()>;
    /// An emptied account buffer to fill next, if one has come back.
    fn spare(&mut self) -> Option<Vec<Account>>;
}

/// Scores each chunk at once on this thread.
pub(super) struct InPlace<'a, 'm> {
    pub(super) scorer: Scorer<'a, 'm>,
    pub(super) scratch: Option<Array2<f64>>,
    pub(super) spare: Vec<Vec<Account>>,
}

impl Pipe for InPlace<'_, '_> {
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()> {
        let scored = self.scorer.score(batch, self.scratch.take())?;
        let (accounts, scratch) = sink.absorb(scored)?;
        self.spare.push(accounts);
        self.scratch = scratch;
        Ok(())
    }
    fn spare(&mut self) -> Option<Vec<Account>> {
        self.spare.pop()
    }
}

/// Chunks scored ahead of the reading: at most this many at once (besides the one being read).
pub(super) const IN_FLIGHT: usize = 2;

/// Scores chunks as jobs on the rayon pool ([`InOrder`]) while this thread goes on reading,
/// and absorbs the results in input order as they come back. At most [`IN_FLIGHT`] chunks are
/// being scored, so memory stays at a few chunks whatever the input's length.
pub(super) struct Overlapped<'a, 's, 'scope> {
    pub(super) jobs: InOrder<'a, 'scope, Result<ScoredBatch>>,
    pub(super) scorer: &'scope Scorer<'s, 's>,
    pub(super) scratch: Vec<Array2<f64>>,
    pub(super) spare: Vec<Vec<Account>>,
}

impl Overlapped<'_, '_, '_> {
    /// Waits for every chunk still being scored and absorbs it.
    pub(super) fn drain(&mut self, sink: &mut Sink<'_, '_>) -> Result<()> {
        let (spare, scratch) = (&mut self.spare, &mut self.scratch);
        self.jobs
            .drain(&mut |scored| absorb(sink, spare, scratch, scored))
    }
}

/// Hands a scored chunk to the sink and keeps its buffers for reuse.
fn absorb(
    sink: &mut Sink<'_, '_>,
    spare: &mut Vec<Vec<Account>>,
    scratch: &mut Vec<Array2<f64>>,
    scored: Result<ScoredBatch>,
) -> Result<()> {
    let (accounts, features) = sink.absorb(scored?)?;
    spare.push(accounts);
    scratch.extend(features);
    Ok(())
}

impl<'scope> Pipe for Overlapped<'_, '_, 'scope> {
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()> {
        let (spare, scratch) = (&mut self.spare, &mut self.scratch);
        self.jobs
            .make_room(&mut |scored| absorb(sink, spare, scratch, scored))?;
        let features = scratch.pop();
        let scorer = self.scorer;
        self.jobs.spawn(move || scorer.score(batch, features));
        self.jobs
            .place_ready(&mut |scored| absorb(sink, spare, scratch, scored))
    }
    fn spare(&mut self) -> Option<Vec<Account>> {
        self.spare.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_written_as_float_formatting_writes_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // Ties at the seventh decimal (odd multiples of 1/128 among them), the ends, the
        // smallest doubles, and random values on every scale.
        let mut values: Vec<f64> = (0..=1280).map(|k| f64::from(k) / 1280.0).collect();
        values.extend((0..=128).map(|k| f64::from(k) / 128.0));
        values.extend([
            0.0,
            -0.0,
            1.0,
            5e-324,
            f64::MIN_POSITIVE,
            0.0000005,
            0.9999995,
        ]);
        values.extend([1.5, -0.25, f64::NAN, f64::INFINITY]);
        for _ in 0..300_000 {
            values.push(rng.gen::<f64>());
            values.push(rng.gen::<f64>() * 10f64.powi(-rng.gen_range(0..30)));
            values.push(f64::from(rng.gen_range(0..2_000_000u32)) / 2e6);
        }
        for p in values {
            let mut text = String::new();
            six_decimals(p, &mut text);
            assert_eq!(text, format!("{p:.6}"), "{p:e}");
        }
    }

    #[test]
    fn a_chunk_keeps_wanted_only_what_n_others_do_not_outscore() {
        let p = [0.9, 0.2, 0.9, 0.5, 0.95, 0.1, 0.5];
        let mut w = vec![true; p.len()];
        only_the_chunks_highest(&p, &mut w, 3);
        // 0.95 and both 0.9s; everything else has three strictly above it.
        assert_eq!(w, [true, false, true, false, true, false, false]);
        let mut w = vec![true; p.len()];
        only_the_chunks_highest(&p, &mut w, 4);
        // The fourth highest is 0.5: both 0.5s stay (ties are kept).
        assert_eq!(w, [true, false, true, true, true, false, true]);
        // Already-unwanted followers are not counted.
        let mut w = vec![false, true, false, true, true, true, true];
        only_the_chunks_highest(&p, &mut w, 2);
        assert_eq!(w, [false, false, false, true, true, false, true]);
        let mut w = vec![true; 2];
        only_the_chunks_highest(&p[..2], &mut w, 5);
        assert_eq!(w, [true, true]);
    }
}
