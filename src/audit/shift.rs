//! How far the audited list lies from the training data: the uniform sample collected while
//! scoring, the shift measured on it, and the validation scores weighted toward the list.

use chrono::{DateTime, Utc};

use crate::account::{Account, Label};
use crate::error::Result;
use crate::features::{ExportShape, FeatureExtractor};
use crate::model::Model;

use crate::quantify::{Quantifier, RateShift};
use crate::training::ShiftLevel;
use crate::training::TrainingSet;

use super::params::AuditParams;
use super::report::{FieldsReport, ShiftReport};

/// Accounts of the probe compared with the training data for the shift diagnostic.
pub(super) const PROBE_SHIFT_ROWS: usize = 1000;

/// The root-mean-square deviation of the model's leave-one-source-out rates from its own
/// out-of-fold validation rates, per rate (fakes' sources for the true-positive rate and mean
/// P(fake) of fakes, genuine sources for the others); 0 where the model has none.
pub(super) fn cross_source_spread(model: &Model) -> Result<RateShift> {
    let v = model.validation();
    let q = Quantifier::new(&v.proba, &v.labels, model.threshold(), 0.5)?;
    let r = q.error_rates();
    let rms = |label: Label, pick: &dyn Fn(&crate::model::SourceRates) -> f64, at: f64| {
        let d: Vec<f64> = model
            .source_rates()
            .iter()
            .filter(|s| s.label == label)
            .map(|s| (pick(s) - at).powi(2))
            .collect();
        if d.is_empty() {
            0.0
        } else {
            (d.iter().sum::<f64>() / d.len() as f64).sqrt()
        }
    };
    Ok(RateShift {
        tpr: rms(Label::Fake, &|s| s.called_fake, r.tpr),
        fpr: rms(Label::Genuine, &|s| s.called_fake, r.fpr),
        mean_fake: rms(Label::Fake, &|s| s.mean_p_fake, r.mean_fake),
        mean_genuine: rms(Label::Genuine, &|s| s.mean_p_fake, r.mean_genuine),
    })
}

/// The `k` accounts with the smallest content hashes: a uniform sample of a stream that does
/// not depend on the order in which threads hand the accounts over.
#[derive(Debug, Default)]
pub(super) struct BottomK {
    pub(super) k: usize,
    /// Sorted by hash; boxed, so that an insertion moves 16 bytes an entry.
    pub(super) kept: Vec<(u64, Box<Account>)>,
}

impl BottomK {
    pub(super) fn offer(&mut self, hash: u64, account: &Account) {
        if self.kept.len() == self.k && self.kept.last().is_some_and(|(h, _)| *h < hash) {
            return;
        }
        let at = self.kept.partition_point(|(h, _)| *h < hash);
        if let Some((_, kept)) = self.kept.get_mut(at).filter(|(h, _)| *h == hash) {
            // One key, two followers (alike in every feature the model reads, or a
            // collision): keep one by content, whichever came first.
            if format!("{account:?}") < format!("{:?}", **kept) {
                **kept = account.clone();
            }
            return;
        }
        self.kept.insert(at, (hash, Box::new(account.clone())));
        self.kept.truncate(self.k);
    }

    /// The largest hash still wanted (everything while not full).
    pub(super) fn bound(&self) -> u64 {
        if self.kept.len() < self.k {
            u64::MAX
        } else {
            self.kept.last().map_or(u64::MAX, |(h, _)| *h)
        }
    }
}

/// A hash of a follower's feature row (the bits of every value): the key of the uniform
/// sample. Followers alike in every feature share a key, so the sample is uniform over
/// distinct feature rows (mass-made followers alike in every feature count once; keying by id
/// too was tried and moved the counts-only E13+INT interval off the truth, see
/// docs/performance.md); which of the alike followers the sample keeps is settled by
/// [`BottomK::offer`], not by the order threads hand them over.
pub(super) fn follower_key(row: &[f64], _account: &Account) -> u64 {
    let mut h = [KEY_START];
    for &v in row {
        key_step(&mut h, [v]);
    }
    key_finish(h[0])
}

const KEY_START: u64 = 0xcbf2_9ce4_8422_2325;

/// One value into each of `L` rows' hashes.
#[inline(always)]
fn key_step<const L: usize>(h: &mut [u64; L], v: [f64; L]) {
    for (h, v) in h.iter_mut().zip(v) {
        *h = (*h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
        *h ^= *h >> 29;
    }
}

/// Mixes the bits, so that the order of hashes is not the order of similar rows.
fn key_finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// [`follower_key`] of each of `rows` rows of `values` (row-major, `d` values a row), in
/// order. Four rows are hashed side by side (a row's hash is one long chain of dependent
/// steps, so one row at a time leaves the processor waiting); each row's steps are those of
/// [`follower_key`].
pub(super) fn follower_keys(values: &[f64], rows: usize, d: usize) -> Vec<u64> {
    const L: usize = 4;
    if d == 0 {
        return vec![key_finish(KEY_START); rows];
    }
    let mut keys = Vec::with_capacity(rows);
    let mut groups = values.chunks_exact(L * d);
    for group in groups.by_ref() {
        let (r0, rest) = group.split_at(d);
        let (r1, rest) = rest.split_at(d);
        let (r2, r3) = rest.split_at(d);
        let mut h = [KEY_START; L];
        for (((&a, &b), &c), &e) in r0.iter().zip(r1).zip(r2).zip(r3) {
            key_step(&mut h, [a, b, c, e]);
        }
        keys.extend(h.map(key_finish));
    }
    for row in groups.remainder().chunks_exact(d) {
        let mut h = [KEY_START];
        for &v in row {
            key_step(&mut h, [v]);
        }
        keys.push(key_finish(h[0]));
    }
    keys
}

/// What [`Audit::probe`] finds in a leading sample of the input.
#[derive(Clone, Debug)]
pub(super) struct Probe {
    pub(super) fields: FieldsReport,
    /// Measured at the end, on a uniform sample of the scored accounts.
    pub(super) shift: Option<ShiftReport>,
    /// Per training row (= validation row), the probe's nearest-neighbour votes.
    pub(super) votes: Vec<u32>,
}

/// A class's validation scores are weighted by the probe's votes only when its rows got at
/// least this many votes; else the class keeps all its validation scores, unweighted.
pub(super) const MIN_CLASS_VOTES: u32 = 50;

/// The model's validation scores weighted toward the audited list: each validation row
/// repeated as many times as the list's accounts have it among their nearest training rows
/// (a nearest-neighbour estimate of the density ratio between the list and the training
/// data), class by class; a class with too few votes keeps its scores unweighted. Returns
/// the scores, their labels and the distinct rows kept per class (0 when unweighted).
pub(super) fn matched_validation(
    model: &Model,
    votes: &[u32],
) -> (Vec<f64>, Vec<Label>, [usize; 2]) {
    let v = model.validation();
    if votes.len() != v.proba.len() {
        return (v.proba.clone(), v.labels.clone(), [0, 0]);
    }
    let (mut proba, mut labels, mut kept) = (Vec::new(), Vec::new(), [0usize; 2]);
    for (k, class) in [Label::Fake, Label::Genuine].into_iter().enumerate() {
        let total: u32 = (0..votes.len())
            .filter(|&i| v.labels[i] == class)
            .map(|i| votes[i])
            .sum();
        for i in (0..votes.len()).filter(|&i| v.labels[i] == class) {
            let times = if total >= MIN_CLASS_VOTES {
                votes[i]
            } else {
                1
            };
            if total >= MIN_CLASS_VOTES && times > 0 {
                kept[k] += 1;
            }
            for _ in 0..times {
                proba.push(v.proba[i]);
                labels.push(class);
            }
        }
    }
    (proba, labels, kept)
}

/// Kish's effective sample size of each class's vote weights, `(sum w)^2 / sum w^2`, for the
/// classes [`matched_validation`] weighted (`None` for a class it left unweighted).
pub(super) fn effective_sizes(model: &Model, votes: &[u32]) -> [Option<usize>; 2] {
    let v = model.validation();
    let mut out = [None, None];
    if votes.len() != v.proba.len() {
        return out;
    }
    for (k, class) in [Label::Fake, Label::Genuine].into_iter().enumerate() {
        let (mut sum, mut sq) = (0.0f64, 0.0f64);
        for i in (0..votes.len()).filter(|&i| v.labels[i] == class) {
            let w = f64::from(votes[i]);
            sum += w;
            sq += w * w;
        }
        if sum >= f64::from(MIN_CLASS_VOTES) && sq > 0.0 {
            out[k] = Some(((sum * sum / sq).round() as usize).max(1));
        }
    }
    out
}

/// The shift of `accounts` from `training` in the columns of `reads`, and their
/// nearest-neighbour votes for the training rows.
pub(super) fn measure_shift(
    model: &Model,
    params: &AuditParams,
    accounts: &[Account],
    training: &TrainingSet,
    reads: &ExportShape,
    now: DateTime<Utc>,
) -> Result<(ShiftReport, Vec<u32>)> {
    // Every column, not only the model's: the distance reads all the shape's columns.
    let mut fx = FeatureExtractor::new(training.feature_set()).with_clock(now);
    if let Some(t) = params.as_of {
        fx = fx.as_of(t);
    }
    model.schema().check(fx.schema())?;
    let x = fx.extract(accounts);
    let mut shift = training.shift(reads, &x, PROBE_SHIFT_ROWS)?;
    // The votes weight the model's validation scores row by row: only when they are the
    // scores of these very training rows (a model fitted on this training set).
    if training.labels() != model.validation().labels.as_slice() {
        shift.votes.clear();
    }
    let report = ShiftReport {
        outside_support: shift.outside,
        accounts: shift.rows,
        weight: shift.weight,
        level: ShiftLevel::of_weight(shift.weight),
        warning: shift.warning(),
        rate_spread: cross_source_spread(model)?,
        // Set by `finish`, which weights the validation scores with the votes.
        matched_fake: 0,
        matched_genuine: 0,
    };
    Ok((report, shift.votes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_side_by_side_are_each_rows_key() {
        let d = 7;
        let values: Vec<f64> = (0..d * 11).map(|i| (i as f64).sin() * 1e3).collect();
        let keys = follower_keys(&values, 11, d);
        assert_eq!(keys.len(), 11);
        let a = Account::default();
        for (r, k) in keys.iter().enumerate() {
            assert_eq!(*k, follower_key(&values[r * d..(r + 1) * d], &a));
        }
        assert_eq!(follower_keys(&[], 2, 0), [follower_key(&[], &a); 2]);
    }

    fn named(name: &str) -> Account {
        let mut a = Account::default();
        a.profile.screen_name = Some(name.into());
        a
    }

    #[test]
    fn the_sample_is_the_same_whatever_the_order_of_offers() {
        // Two keys below a third; the third key is offered twice, by different accounts,
        // before and after the sample is full.
        let offers = [
            (1, named("a")),
            (5, named("zed")),
            (3, named("b")),
            (5, named("amy")),
        ];
        let mut kept = Vec::new();
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [0, 2, 3, 1]] {
            let mut s = BottomK {
                k: 3,
                kept: Vec::new(),
            };
            for i in order {
                s.offer(offers[i].0, &offers[i].1);
            }
            let names: Vec<String> = s
                .kept
                .iter()
                .map(|(h, a)| format!("{h}:{}", a.profile.screen_name.as_deref().unwrap()))
                .collect();
            kept.push(names);
        }
        assert!(kept.windows(2).all(|w| w[0] == w[1]), "{kept:?}");
        assert_eq!(kept[0], ["1:a", "3:b", "5:amy"]);
    }
}
