//! How far the audited list lies from the training data: the uniform sample collected while
//! scoring, the shift measured on it, and the validation scores weighted toward the list.

use chrono::{DateTime, Utc};

use crate::account::{Account, Label};
use crate::detector::Detector;
use crate::error::Result;
use crate::features::{ExportShape, FeatureExtractor};
use crate::model::Model;

use crate::quantify::{Method, Quantifier, RateShift};
use crate::training::ShiftLevel;
use crate::training::TrainingSet;

use super::params::AuditParams;
use super::report::{FieldsReport, ShiftReport};

/// Accounts of the probe compared with the training data for the shift diagnostic.
pub(super) const PROBE_SHIFT_ROWS: usize = 1000;

/// The spread taken for a rate no held-out source measured (a model trained on one source,
/// such as the Weibo model, or fitted without sources, as [`crate::ModelParams::fit`] does):
/// the standard deviation of a rate known only to lie between 0 and 1 (uniform on it),
/// `1 / sqrt(12)`. How it compares with the Twitter/X model's measured spreads:
/// `docs/performance.md`.
pub(super) const UNMEASURED_SPREAD: f64 = 0.288_675_134_594_812_9;

/// The root-mean-square deviation of the model's leave-one-source-out rates from its own
/// out-of-fold validation rates, per rate (fakes' sources for the true-positive rate and mean
/// P(fake) of fakes, genuine sources for the others), with the number of sources each was
/// measured on; [`UNMEASURED_SPREAD`] (and 0 sources) where the model has none: a shifted
/// list then widens the interval though no source was held out.
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
            UNMEASURED_SPREAD
        } else {
            (d.iter().sum::<f64>() / d.len() as f64).sqrt()
        }
    };
    let sources = |label: Label| {
        model
            .source_rates()
            .iter()
            .filter(|s| s.label == label)
            .count() as u32
    };
    Ok(RateShift {
        tpr: rms(Label::Fake, &|s| s.called_fake, r.tpr),
        fpr: rms(Label::Genuine, &|s| s.called_fake, r.fpr),
        mean_fake: rms(Label::Fake, &|s| s.mean_p_fake, r.mean_fake),
        mean_genuine: rms(Label::Genuine, &|s| s.mean_p_fake, r.mean_genuine),
        fake_sources: sources(Label::Fake),
        genuine_sources: sources(Label::Genuine),
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
/// distinct feature rows (mass-made followers alike in every feature count once; the id is not
/// part of the key, and `docs/performance.md` says why); which of the alike followers the
/// sample keeps is settled by [`BottomK::offer`], not by the order threads hand them over.
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
    /// The export's fields: the probe's leading records', or without a probe the uniform
    /// sample's.
    pub(super) shape: ExportShape,
    /// Measured at the end, on a uniform sample of the scored accounts.
    pub(super) shift: Option<ShiftReport>,
    /// Per training row (= validation row), the shares of the probe accounts' votes it got, in
    /// parts (an account's whole vote is `VOTE_PARTS * NEIGHBOURS` = 100 parts; see
    /// [`class_votes`]).
    pub(super) votes: Vec<u32>,
}

/// A class's validation scores are weighted by the probe's votes only when its rows got at
/// least this many neighbour places' worth of them (times [`VOTE_PARTS`] parts): with 5
/// places an account, 10 accounts' worth, so the fake class is weighted only once the
/// looked-at accounts' chances of being fake add up to 10 (a list of 1,000 at about 1% fake,
/// one of 100 at 10%); else the class keeps all its validation scores, unweighted.
pub(super) const MIN_CLASS_VOTES: u32 = 50;

/// The model's validation scores weighted toward the audited list: each validation row
/// repeated as many times as its votes (the parts of the list's accounts' votes that went to
/// it, [`class_votes`]: a nearest-neighbour estimate of how much likelier the list makes the
/// row than the training data does, within its class); a class with too few votes keeps its
/// scores unweighted. Returns
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
            let min = MIN_CLASS_VOTES * VOTE_PARTS;
            let times = if total >= min { votes[i] } else { 1 };
            if total >= min && times > 0 {
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

/// Parts a neighbour place is split into (see [`class_votes`]), so that shares of a vote
/// survive rounding to whole repeats of a validation row. A share under half a part (a
/// fake row reached by a single account whose chance of being fake is under 2.5%) rounds to
/// nothing: in a mostly genuine list that drops about a tenth of the fakes' small weight.
pub(super) const VOTE_PARTS: u32 = 20;

/// Each training row's votes, in [`VOTE_PARTS`], class by class: every looked-at account
/// (nearest fake and genuine training rows `neighbours[j]`, probability `fake[j]` of being
/// fake) gives its vote to its nearest fakes with probability `fake[j]` and to its nearest
/// genuine rows with the rest, shared equally within each class.
///
/// Counting a whole vote for every neighbour over both classes, as the plain votes do,
/// weighs each training row by how much likelier the list makes its place than the training
/// data does: when the list differs from the training data only in its fake share, the
/// fakes that look genuine then gain weight in a mostly genuine list, the error rates move
/// toward the genuine side and the estimate toward the training prevalence, the very bias the
/// adjusted estimators remove. Split by class, with each class's own nearest rows, a fake row
/// is weighed by the list's fakes near it over the training fakes near it: a change of the
/// fake share alone gives every row of a class the same expected weight, and the weights move
/// a class's error rates only where the list's accounts of that class lie elsewhere than the
/// training ones. (Neighbours drawn from both classes together would lose the share of a vote
/// whose class none of them has, and with it the misclassified rows' weight.) The equal
/// weights hold in the limit of many training rows: with a few thousand a class, an account's
/// nearest rows of a class lean toward that class's dense middle, so the rows in its tail
/// (those the model gets wrong) get somewhat less than their share; a reviewer's simulation
/// put them at 0.8 of it in 4 dimensions and 0.55 in 12.
pub(super) fn class_votes(
    labels: &[Label],
    neighbours: &[[Vec<usize>; 2]],
    fake: &[f64],
) -> Vec<u32> {
    let mut w = vec![0.0f64; labels.len()];
    for ([fakes, genuine], &q) in neighbours.iter().zip(fake) {
        for (rows, share) in [(fakes, q), (genuine, 1.0 - q)] {
            for &i in rows {
                w[i] += share / rows.len() as f64;
            }
        }
    }
    let parts = f64::from(VOTE_PARTS) * crate::training::NEIGHBOURS as f64;
    w.iter().map(|&v| (v * parts).round() as u32).collect()
}

/// The probability that an account with calibrated P(fake) `score` is fake in a list whose
/// fake share is `share`, the model's scores being calibrated at the training prevalence
/// `prevalence` (Bayes' rule with the prior changed; Saerens, Latinne and Decaestecker 2002).
pub(super) fn with_prior(score: f64, share: f64, prevalence: f64) -> f64 {
    let fake = share / prevalence * score;
    let genuine = (1.0 - share) / (1.0 - prevalence) * (1.0 - score);
    if fake + genuine > 0.0 {
        fake / (fake + genuine)
    } else {
        share
    }
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
        if sum >= f64::from(MIN_CLASS_VOTES * VOTE_PARTS) && sq > 0.0 {
            out[k] = Some(((sum * sum / sq).round() as usize).max(1));
        }
    }
    out
}

/// The shift of `accounts` from `training` in the columns of `reads`, and their
/// nearest-neighbour votes for the training rows, split by class (see [`class_votes`]).
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
    } else if !shift.looked.is_empty() {
        // The looked-at accounts' chances of being fake, at the list's fake share as the
        // model's validation rates put it (PACC, before any weighting).
        let scores = model.predict_proba(&x.select_rows(&shift.looked))?;
        let v = model.validation();
        let prevalence = model.provenance().prevalence().clamp(0.01, 0.99);
        let share = Quantifier::new(&v.proba, &v.labels, model.threshold(), prevalence)?
            .point(scores.as_slice().expect("contiguous scores"), Method::Pacc)?
            .clamp(0.01, 0.99);
        let q: Vec<f64> = scores
            .iter()
            .map(|&s| with_prior(s, share, prevalence))
            .collect();
        shift.votes = class_votes(training.labels(), &shift.neighbours, &q);
    }
    let report = ShiftReport {
        outside_support: shift.outside,
        accounts: shift.rows,
        weight: shift.weight,
        level: ShiftLevel::of_weight(shift.weight),
        warning: shift.warning(),
        // Set by `add_uncertainty`, from every scored account.
        uncertain_share: None,
        uncertain_expected: None,
        rate_spread: cross_source_spread(model)?,
        // Set by `finish`, which weights the validation scores with the votes.
        matched_fake: 0,
        matched_genuine: 0,
    };
    Ok((report, shift.votes))
}

/// Added to the band's edge: above the rounding of a score to single precision (at most
/// 6e-8 for a probability), far below the gap between two calibrated scores.
pub(super) const EDGE_TOLERANCE: f64 = 1e-6;

/// The band of scores near the decision threshold in which the model's validation errors
/// lie, and how many of the validation scores of each class fall in it.
///
/// After Garg, Balakrishnan, Lipton, Neyshabur and Sedghi, "Leveraging Unlabeled Data to
/// Predict Out-of-Distribution Performance" (ICLR 2022, average thresholded confidence): the
/// band is the narrowest margin `|p - threshold|` that holds at least as many validation
/// scores as the model got wrong (more when scores tie at its edge, as calibrated scores
/// do). On a list like the training data about as many scores fall in it as did in
/// validation; on a list whose accounts the model cannot tell apart (a population or a
/// vendor it has not seen, even one inside the training data's range, where the nearest-
/// neighbour test finds nothing) many more do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct UncertainBand {
    /// Scores with `|p - threshold| <= margin` are in the band: the margin of the k-th closest
    /// validation score to the threshold, k the number of validation errors, plus
    /// [`EDGE_TOLERANCE`], so that a score on the edge, rounded to single
    /// precision as the audit keeps scores, is counted as its validation twin is.
    pub(super) margin: f64,
    /// The larger of the two classes' validation shares in the band: what a list drawn like
    /// the training data, of any mix of the classes, shows at most (sampling aside).
    pub(super) expected: f64,
    /// Validation scores of the class whose share is `expected`.
    pub(super) rows: usize,
}

impl UncertainBand {
    /// The band of `model`'s validation scores; `None` when it has none or made no error.
    pub(super) fn of(model: &Model) -> Option<UncertainBand> {
        let v = model.validation();
        UncertainBand::from_validation(&v.proba, &v.labels, model.threshold())
    }

    /// The band of validation scores `proba` with their `labels`, called fake at
    /// `p >= threshold`; `None` when no score is wrong.
    pub(super) fn from_validation(
        proba: &[f64],
        labels: &[Label],
        threshold: f64,
    ) -> Option<UncertainBand> {
        let t = threshold;
        let wrong = proba
            .iter()
            .zip(labels)
            .filter(|(&p, l)| (p >= t) != l.is_fake())
            .count();
        if wrong == 0 {
            return None;
        }
        let mut margins: Vec<f64> = proba.iter().map(|p| (p - t).abs()).collect();
        margins.sort_by(f64::total_cmp);
        // Not halfway to the next margin: the audited scores come from the final model's
        // calibration, whose steps fall between the folds' ones, and a wider edge would take
        // in scores that no validation score stands for.
        let margin = margins[wrong - 1] + EDGE_TOLERANCE;
        // The larger share; on a tie, the smaller class (fewer rows, a wider allowance).
        let (mut expected, mut rows) = (-1.0f64, 0);
        for class in [Label::Fake, Label::Genuine] {
            let (inside, all) = proba
                .iter()
                .zip(labels)
                .filter(|(_, l)| **l == class)
                .fold((0usize, 0usize), |(i, a), (p, _)| {
                    (i + usize::from((p - t).abs() <= margin), a + 1)
                });
            if all == 0 {
                continue;
            }
            let share = inside as f64 / all as f64;
            if share > expected || (share == expected && all < rows) {
                expected = share;
                rows = all;
            }
        }
        Some(UncertainBand {
            margin,
            expected,
            rows,
        })
    }

    /// The share of `scores` in the band.
    pub(super) fn share(&self, scores: &[f64], threshold: f64) -> f64 {
        if scores.is_empty() {
            return 0.0;
        }
        let inside = scores
            .iter()
            .filter(|p| (*p - threshold).abs() <= self.margin)
            .count();
        inside as f64 / scores.len() as f64
    }

    /// How much of the cross-source spread a list with `share` of its `n` scores in the band
    /// takes in, 0 to 1: nothing up to the expected share plus two standard errors of the
    /// difference (the list's `n` scores and the validation's `rows` both sample it), rising
    /// linearly to all of it at one expected share (at least 2 points) more.
    pub(super) fn weight(&self, share: f64, n: usize) -> f64 {
        let e = self.expected;
        let var = e * (1.0 - e) * (1.0 / n.max(1) as f64 + 1.0 / self.rows.max(1) as f64);
        let noise = 2.0 * var.sqrt();
        ((share - e - noise) / e.max(0.02)).clamp(0.0, 1.0)
    }
}

/// Adds the uncertain-score signal to `report` (whose weight so far is the support
/// signal's): the share of `scores` in `band`, and a weight that is the larger of the two
/// signals', with the level and the warning to match. Without a band (a model with no
/// validation error) the report is left as it is.
pub(super) fn add_uncertainty(
    report: &mut ShiftReport,
    band: Option<UncertainBand>,
    scores: &[f64],
    threshold: f64,
    widens: bool,
) {
    let Some(band) = band else {
        if !widens {
            if let Some(w) = &mut report.warning {
                *w = w.replace(crate::training::WIDENED, NOT_WIDENED);
            }
        }
        return;
    };
    let share = band.share(scores, threshold);
    report.uncertain_share = Some(share);
    report.uncertain_expected = Some(band.expected);
    let support = report.weight;
    let unsure = band.weight(share, scores.len());
    report.weight = support.max(unsure);
    report.level = ShiftLevel::of_weight(report.weight);
    report.warning = warning(report, support, unsure, widens);
}

/// How a shift warning ends when the estimator does not correct with the model's error rates
/// (CC, PCC, EM): the shift widens only the intervals of ACC and PACC.
pub(super) const NOT_WIDENED: &str = "this estimator does not use the model's error rates, so nothing widens its interval for the shift: it is less certain than its interval says";

/// A plain warning when the shift is not low, naming the signals that raised it (each at a
/// weight of a quarter or more), and saying whether the interval was widened for it
/// (`widens`: the estimator uses the model's error rates).
fn warning(r: &ShiftReport, support: f64, unsure: f64, widens: bool) -> Option<String> {
    if r.level == ShiftLevel::Low {
        return None;
    }
    let mut why = Vec::new();
    if ShiftLevel::of_weight(support) != ShiftLevel::Low {
        why.push(crate::training::unlike(r.outside_support));
    }
    if let (Some(share), Some(expected)) = (r.uncertain_share, r.uncertain_expected) {
        if ShiftLevel::of_weight(unsure) != ShiftLevel::Low {
            why.push(format!(
                "the model is unsure of {:.1}% of them (at most {:.1}% of the training \
                 accounts it was checked on)",
                100.0 * share,
                100.0 * expected
            ));
        }
    }
    let end = if widens {
        crate::training::WIDENED
    } else {
        NOT_WIDENED
    };
    Some(format!("{}; {end}", why.join(", and ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two places, A and B. The training data has 8 fakes and 2 genuine accounts at A, 2 and
    /// 8 at B (prevalence 0.5, a calibrated model says 0.8 at A and 0.2 at B). A list with 10%
    /// fakes drawn from the same accounts has 26 of every 100 at A and 74 at B: only its fake
    /// share differs. Each of its accounts has the training rows of its place as its nearest
    /// rows of each class.
    /// Split by class, every row of a class gets the same weight, so the weighted error rates
    /// are the training ones; whole votes would give every row at B almost three times the
    /// weight of a row at A, and the fakes' weighted mean score would fall from 0.68 to 0.55.
    #[test]
    fn a_change_of_the_fake_share_alone_leaves_each_class_evenly_weighted() {
        let labels: Vec<Label> = (0..20)
            .map(|i| {
                let fake = if i < 10 { i < 8 } else { i < 12 };
                if fake {
                    Label::Fake
                } else {
                    Label::Genuine
                }
            })
            .collect();
        let a = [(0..8).collect::<Vec<usize>>(), vec![8, 9]];
        let b = [vec![10, 11], (12..20).collect::<Vec<usize>>()];
        let mut neighbours = vec![a; 26];
        neighbours.extend(vec![b; 74]);
        let q: Vec<f64> = (0..100)
            .map(|j| with_prior(if j < 26 { 0.8 } else { 0.2 }, 0.1, 0.5))
            .collect();
        assert!((q[0] - 0.16 / 0.52).abs() < 1e-12, "{}", q[0]);
        let votes = class_votes(&labels, &neighbours, &q);
        for class in [Label::Fake, Label::Genuine] {
            let w: Vec<u32> = (0..20)
                .filter(|&i| labels[i] == class)
                .map(|i| votes[i])
                .collect();
            let (lo, hi) = (w.iter().min().unwrap(), w.iter().max().unwrap());
            // Equal up to rounding to parts of a vote.
            assert!(hi - lo <= 1, "{class:?}: {w:?}");
        }
        // Each account's vote is shared out whole.
        let total: u32 = votes.iter().sum();
        let want = 100 * VOTE_PARTS * crate::training::NEIGHBOURS as u32;
        assert!(total.abs_diff(want) <= 20, "{total} vs {want}");
    }

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

    #[test]
    fn the_uncertain_band_holds_as_many_validation_scores_as_were_wrong() {
        use Label::{Fake, Genuine};
        // One fake scored 0.4375 and one genuine scored 0.5625 are wrong: the band holds the
        // two smallest margins (0.0625): one of four scores of each class. (Binary
        // fractions: the margins are exact.)
        let proba = [0.875, 0.75, 0.4375, 0.9375, 0.125, 0.5625, 0.25, 0.0625];
        let labels = [Fake, Fake, Fake, Fake, Genuine, Genuine, Genuine, Genuine];
        let b = UncertainBand::from_validation(&proba, &labels, 0.5).unwrap();
        assert_eq!(b.margin, 0.0625 + EDGE_TOLERANCE);
        assert_eq!((b.expected, b.rows), (0.25, 4));
        // A score on the edge is in, as is one a rounding beyond it; one further is out.
        assert_eq!(
            b.share(&[0.5625, 0.4375, 0.5625 + 3e-8, 0.5626, 0.437], 0.5),
            0.6
        );
        // The classes' shares differ: the larger one is what a list of either can show.
        let proba = [0.875, 0.75, 0.4375, 0.5625, 0.125, 0.3125, 0.25, 0.0625];
        let labels = [
            Fake, Fake, Fake, Genuine, Genuine, Genuine, Genuine, Genuine,
        ];
        let b = UncertainBand::from_validation(&proba, &labels, 0.5).unwrap();
        assert_eq!(b.margin, 0.0625 + EDGE_TOLERANCE);
        assert_eq!((b.expected, b.rows), (1.0 / 3.0, 3));
        // Tied scores, as calibration makes them: one wrong fake at 0.375 ties with two right
        // genuine scores at 0.375; the band takes the whole plateau (three scores for one
        // error), so the genuine share in it is 2 of 3.
        let proba = [0.375, 0.875, 0.875, 0.375, 0.375, 0.125];
        let labels = [Fake, Fake, Fake, Genuine, Genuine, Genuine];
        let b = UncertainBand::from_validation(&proba, &labels, 0.5).unwrap();
        assert_eq!(b.margin, 0.125 + EDGE_TOLERANCE);
        assert_eq!((b.expected, b.rows), (2.0 / 3.0, 3));
        // At another threshold the margins are measured from it.
        let b = UncertainBand::from_validation(
            &[0.625, 0.875, 0.25, 0.5],
            &[Fake, Fake, Genuine, Genuine],
            0.75,
        )
        .unwrap();
        assert_eq!(b.margin, 0.125 + EDGE_TOLERANCE);
        assert_eq!((b.expected, b.rows), (1.0, 2));
        assert_eq!(b.share(&[0.625, 0.875, 0.95, 0.1], 0.75), 0.5);
        // Every score wrong: the band holds them all.
        let b = UncertainBand::from_validation(&[0.25, 0.75], &[Fake, Genuine], 0.5).unwrap();
        assert_eq!((b.margin, b.expected), (0.25 + EDGE_TOLERANCE, 1.0));
        // Equal shares in classes of different sizes: the smaller class's rows (the wider
        // allowance), in either order.
        let proba = [0.375, 0.875, 0.625, 0.375, 0.125, 0.125];
        let labels = [Fake, Fake, Genuine, Genuine, Genuine, Genuine];
        let b = UncertainBand::from_validation(&proba, &labels, 0.5).unwrap();
        assert_eq!((b.expected, b.rows), (0.5, 2));
        let labels = [Genuine, Genuine, Fake, Fake, Fake, Fake];
        let proba = [0.625, 0.125, 0.375, 0.625, 0.875, 0.875];
        let b = UncertainBand::from_validation(&proba, &labels, 0.5).unwrap();
        assert_eq!((b.expected, b.rows), (0.5, 2));
        // No error, no band.
        assert!(UncertainBand::from_validation(&[0.9, 0.1], &[Fake, Genuine], 0.5).is_none());
    }

    #[test]
    fn only_an_excess_beyond_sampling_noise_widens_and_one_more_expected_share_is_full() {
        let b = UncertainBand {
            margin: 0.05,
            expected: 0.25,
            rows: 1_000_000,
        };
        assert_eq!(b.share(&[0.5, 0.52, 0.9, 0.1], 0.5), 0.5);
        assert_eq!(b.share(&[], 0.5), 0.0);
        // Twice the expected share in four scores is within noise; in 10,000 it is not.
        assert_eq!(b.weight(0.5, 4), 0.0);
        let noise = 2.0 * (0.25f64 * 0.75 * (1.0 / 10_000.0 + 1.0 / 1_000_000.0)).sqrt();
        assert!((b.weight(0.5, 10_000) - (0.25 - noise) / 0.25).abs() < 1e-12);
        assert_eq!(b.weight(0.25, 1_000_000), 0.0);
        assert_eq!(b.weight(0.9, 1_000_000), 1.0);
        // Few validation rows widen the allowance: the same list, 100 validation rows.
        let few = UncertainBand { rows: 100, ..b };
        assert!(few.weight(0.35, 10_000) < 0.1 && b.weight(0.35, 10_000) > 0.3);
        // A tiny expected share is scaled as 2 points, not as itself.
        let tiny = UncertainBand {
            margin: 0.01,
            expected: 0.001,
            rows: 1_000_000,
        };
        let noise = 2.0 * (0.001f64 * 0.999 * 2e-6).sqrt();
        assert!((tiny.weight(0.005, 1_000_000) - (0.004 - noise) / 0.02).abs() < 1e-12);
    }

    fn report(outside: f64) -> ShiftReport {
        let shift = crate::training::Shift::new(outside, 1000);
        ShiftReport {
            outside_support: outside,
            accounts: 1000,
            weight: shift.weight,
            level: ShiftLevel::of_weight(shift.weight),
            warning: shift.warning(),
            uncertain_share: None,
            uncertain_expected: None,
            rate_spread: RateShift::default(),
            matched_fake: 0,
            matched_genuine: 0,
        }
    }

    #[test]
    fn the_larger_signal_sets_the_level_and_the_warning_names_only_what_raised_it() {
        let band = UncertainBand {
            margin: 0.05,
            expected: 0.02,
            rows: 5000,
        };
        // 10 of 1,000 scores in the band (1%) and 3% outside: both low.
        let calm: Vec<f64> = (0..1000).map(|i| if i < 10 { 0.5 } else { 0.99 }).collect();
        // 200 of 1,000 in the band (20%): fully shifted.
        let unsure: Vec<f64> = (0..1000)
            .map(|i| if i < 200 { 0.5 } else { 0.99 })
            .collect();

        let mut r = report(0.03);
        add_uncertainty(&mut r, Some(band), &calm, 0.5, true);
        assert_eq!(
            (r.weight, r.level, r.warning.as_deref()),
            (0.0, ShiftLevel::Low, None)
        );
        assert_eq!(r.uncertain_share, Some(0.01));
        assert_eq!(r.uncertain_expected, Some(0.02));

        // The model's uncertainty alone: high, and the warning says so and not the support.
        let mut r = report(0.052);
        add_uncertainty(&mut r, Some(band), &unsure, 0.5, true);
        assert_eq!((r.weight, r.level), (1.0, ShiftLevel::High));
        let w = r.warning.unwrap();
        assert!(w.starts_with("the model is unsure of 20.0% of them"), "{w}");
        assert!(!w.contains("look unlike"), "{w}");

        // The support alone (7% outside): its weight stays, however calm the scores; a
        // slight excess of uncertain scores is not named.
        let slight: Vec<f64> = (0..1000).map(|i| if i < 25 { 0.5 } else { 0.99 }).collect();
        let mut r = report(0.07);
        let before = r.weight;
        add_uncertainty(&mut r, Some(band), &slight, 0.5, true);
        assert_eq!(r.weight, before);
        assert_eq!(r.level, ShiftLevel::Moderate);
        let w = r.warning.unwrap();
        assert!(w.starts_with("7% of these accounts look unlike"), "{w}");
        assert!(!w.contains("unsure"), "{w}");

        // Both: both named.
        let mut r = report(0.2);
        add_uncertainty(&mut r, Some(band), &unsure, 0.5, true);
        let w = r.warning.unwrap();
        assert!(w.contains("look unlike") && w.contains("unsure"), "{w}");
        assert!(w.ends_with(crate::training::WIDENED), "{w}");
        // An estimator that does not use the error rates (CC, PCC, EM): nothing widens its
        // interval, and the warning says so instead.
        let mut r = report(0.2);
        add_uncertainty(&mut r, Some(band), &unsure, 0.5, false);
        let w = r.warning.unwrap();
        assert!(w.ends_with(NOT_WIDENED) && !w.contains(" widened"), "{w}");
        let mut r = report(0.2);
        add_uncertainty(&mut r, None, &unsure, 0.5, false);
        let w = r.warning.unwrap();
        assert!(w.ends_with(NOT_WIDENED) && !w.contains(" widened"), "{w}");

        // No band: the report is left as the support made it.
        let mut r = report(0.09);
        let before = r.clone();
        add_uncertainty(&mut r, None, &unsure, 0.5, true);
        assert_eq!(r, before);
    }
}
