//! Evaluation: classification metrics, stratified cross-validation and the artificial prevalence
//! protocol for share estimators.
//!
//! Everything here works from ground-truth [`Label`]s and P(fake) scores, so any Rust detector
//! (this crate's or another) can be benchmarked with it. The metrics agree with scikit-learn on
//! the same input (the tests pin them to the values it printed; the Python snippet is in
//! `tests/reference/`).
//!
//! # Conventions
//! - The positive class is [`Label::Fake`]; an account is *predicted* fake when its P(fake) is
//!   at least the threshold (`p >= threshold`).
//! - Undefined ratios never give NaN: precision, recall and F1 are 0 when their denominator is 0
//!   (scikit-learn's `zero_division=0`), MCC is 0 when any marginal of the confusion matrix is
//!   empty (as scikit-learn), ROC AUC is 0.5 (chance) when only one class is present (where
//!   scikit-learn raises).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::Detector;
use crate::error::{Error, Result};
use crate::features::FeatureMatrix;
use crate::quantify::{
    check_probs, ErrorRates, IntervalOptions, Method, Quantifier, ShareEstimate,
};

/// Number of equal-width bins of the expected calibration error in [`Metrics`].
pub(crate) const ECE_BINS: usize = 15;

/// Checks that labels and probabilities line up and are valid probabilities.
fn check_inputs(labels: &[Label], probs: &[f64], what: &str) -> Result<()> {
    if labels.len() != probs.len() {
        return Err(Error::InvalidData(format!(
            "{what}: {} labels but {} probabilities",
            labels.len(),
            probs.len()
        )));
    }
    if labels.is_empty() {
        return Err(Error::InvalidData(format!("{what}: no items")));
    }
    check_probs(probs, what)
}

fn check_threshold(threshold: f64) -> Result<()> {
    if threshold.is_finite() && (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(Error::InvalidParams {
            name: "threshold".into(),
            reason: format!("{threshold} is not in [0, 1]"),
        })
    }
}

/// Divides, giving 0 when the denominator is 0.
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Counts of a binary confusion matrix, with fake as the positive class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConfusionMatrix {
    /// Fake accounts predicted fake.
    pub true_positives: u64,
    /// Genuine accounts predicted fake.
    pub false_positives: u64,
    /// Genuine accounts predicted genuine.
    pub true_negatives: u64,
    /// Fake accounts predicted genuine.
    pub false_negatives: u64,
}

impl ConfusionMatrix {
    /// Counts the matrix: an item is predicted fake when `p >= threshold`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the lengths differ, the input is empty or a value is not a
    /// probability; [`Error::InvalidParams`] when the threshold is not in [0, 1].
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Label::{Fake, Genuine}, evaluation::ConfusionMatrix};
    /// let cm = ConfusionMatrix::new(&[Fake, Genuine, Fake], &[0.9, 0.6, 0.2], 0.5).unwrap();
    /// assert_eq!((cm.true_positives, cm.false_positives, cm.false_negatives), (1, 1, 1));
    /// ```
    pub fn new(labels: &[Label], probs: &[f64], threshold: f64) -> Result<ConfusionMatrix> {
        check_inputs(labels, probs, "confusion matrix")?;
        check_threshold(threshold)?;
        let mut cm = ConfusionMatrix::default();
        for (&l, &p) in labels.iter().zip(probs) {
            match (l.is_fake(), p >= threshold) {
                (true, true) => cm.true_positives += 1,
                (false, true) => cm.false_positives += 1,
                (false, false) => cm.true_negatives += 1,
                (true, false) => cm.false_negatives += 1,
            }
        }
        Ok(cm)
    }

    /// Total number of items.
    pub fn total(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }

    /// Share of correct predictions (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        ratio(
            (self.true_positives + self.true_negatives) as f64,
            self.total() as f64,
        )
    }

    /// TP / (TP + FP), 0 when nothing is predicted fake.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives as f64,
            (self.true_positives + self.false_positives) as f64,
        )
    }

    /// TP / (TP + FN) (the true-positive rate), 0 when there is no fake account.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives as f64,
            (self.true_positives + self.false_negatives) as f64,
        )
    }

    /// FP / (FP + TN), 0 when there is no genuine account.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(
            self.false_positives as f64,
            (self.false_positives + self.true_negatives) as f64,
        )
    }

    /// Harmonic mean of precision and recall, computed as 2TP / (2TP + FP + FN); 0 when that
    /// denominator is 0.
    pub fn f1(&self) -> f64 {
        let tp = self.true_positives as f64;
        ratio(
            2.0 * tp,
            2.0 * tp + (self.false_positives + self.false_negatives) as f64,
        )
    }

    /// Matthews correlation coefficient, in [-1, 1]; 0 when a row or column of the matrix is
    /// empty (as scikit-learn).
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.true_negatives as f64,
            self.false_negatives as f64,
        );
        let den = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        ratio(tp * tn - fp * fn_, den).clamp(-1.0, 1.0)
    }
}

/// Area under the ROC curve of P(fake), tie-aware (the Mann-Whitney statistic with mid-ranks:
/// a tied fake/genuine pair counts one half).
///
/// Returns 0.5 when only one class is present (the AUC is undefined there; scikit-learn raises).
///
/// # Errors
/// [`Error::InvalidData`] when the lengths differ, the input is empty or a value is not a
/// probability.
pub(crate) fn roc_auc(labels: &[Label], probs: &[f64]) -> Result<f64> {
    check_inputs(labels, probs, "ROC AUC")?;
    let n_pos = labels.iter().filter(|l| l.is_fake()).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Ok(0.5);
    }
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[a].total_cmp(&probs[b]));
    // Sum of the (1-based, mid-) ranks of the fake items.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && probs[order[j + 1]] == probs[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        let fakes = order[i..=j]
            .iter()
            .filter(|&&k| labels[k].is_fake())
            .count();
        rank_sum += mid_rank * fakes as f64;
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Brier score: the mean squared difference between P(fake) and the label (1 fake, 0 genuine),
/// as scikit-learn's `brier_score_loss` ([`Metrics`] reports it).
pub(crate) fn brier_score(labels: &[Label], probs: &[f64]) -> Result<f64> {
    check_inputs(labels, probs, "Brier score")?;
    let sum: f64 = labels
        .iter()
        .zip(probs)
        .map(|(l, p)| (p - l.as_f64()).powi(2))
        .sum();
    Ok(sum / labels.len() as f64)
}

/// Mean negative log-likelihood of the labels under P(fake) (natural log), with P(fake) clipped
/// to `[eps, 1 - eps]`, `eps = f64::EPSILON`, as scikit-learn's `log_loss` does for float64.
///
/// # Errors
/// As [`roc_auc`].
pub(crate) fn log_loss(labels: &[Label], probs: &[f64]) -> Result<f64> {
    check_inputs(labels, probs, "log loss")?;
    let eps = f64::EPSILON;
    let sum: f64 = labels
        .iter()
        .zip(probs)
        .map(|(l, &p)| {
            let p = p.clamp(eps, 1.0 - eps);
            if l.is_fake() {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    Ok(sum / labels.len() as f64)
}

/// Expected calibration error of P(fake) over `bins` equal-width bins of [0, 1].
///
/// `ECE = sum over non-empty bins b of (n_b / n) * |mean label in b - mean P(fake) in b|`, the
/// gap of the reliability diagram of the positive (fake) class. The bins are those of
/// scikit-learn's `calibration_curve(strategy="uniform")`: edges `i / bins`, each bin closed on
/// the right, `(lo, hi]`, and the first one also holding 0. (This binary form bins P(fake); the
/// "top-label" ECE of multi-class papers bins max(P(fake), P(genuine)) instead.)
///
/// # Errors
/// As [`roc_auc`]; [`Error::InvalidParams`] when `bins` is 0.
pub(crate) fn expected_calibration_error(
    labels: &[Label],
    probs: &[f64],
    bins: usize,
) -> Result<f64> {
    check_inputs(labels, probs, "calibration error")?;
    if bins == 0 {
        return Err(Error::InvalidParams {
            name: "bins".into(),
            reason: "need at least one bin".into(),
        });
    }
    let step = 1.0 / bins as f64;
    let mut count = vec![0usize; bins];
    let mut sum_p = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    for (l, &p) in labels.iter().zip(probs) {
        // The number of inner edges strictly below p, as numpy's searchsorted(side="left").
        let b = (1..bins).filter(|&i| i as f64 * step < p).count();
        count[b] += 1;
        sum_p[b] += p;
        sum_y[b] += l.as_f64();
    }
    let n = labels.len() as f64;
    Ok((0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| (sum_y[b] - sum_p[b]).abs() / n)
        .sum())
}

/// Every metric of one set of predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metrics {
    /// The threshold used for the threshold metrics (`p >= threshold` is predicted fake).
    pub threshold: f64,
    /// The confusion matrix at the threshold.
    pub confusion: ConfusionMatrix,
    /// Share of correct predictions.
    pub accuracy: f64,
    /// Of the accounts predicted fake, the share that are fake.
    pub precision: f64,
    /// Of the fake accounts, the share predicted fake.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Matthews correlation coefficient.
    pub mcc: f64,
    /// Area under the ROC curve (threshold-free).
    pub auc: f64,
    /// Brier score (mean squared error of P(fake)).
    pub brier: f64,
    /// Expected calibration error over 15 equal-width bins.
    pub ece: f64,
    /// Mean log loss.
    pub log_loss: f64,
}

impl Metrics {
    /// Computes every metric from labels and P(fake).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the lengths differ, the input is empty or a value is not a
    /// probability; [`Error::InvalidParams`] when the threshold is not in [0, 1].
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Label::{Fake, Genuine}, evaluation::Metrics};
    /// let m = Metrics::compute(&[Fake, Genuine, Fake, Genuine], &[0.9, 0.2, 0.7, 0.6], 0.5)
    ///     .unwrap();
    /// assert_eq!(m.accuracy, 0.75);
    /// assert_eq!(m.auc, 1.0);
    /// ```
    pub fn compute(labels: &[Label], probs: &[f64], threshold: f64) -> Result<Metrics> {
        let confusion = ConfusionMatrix::new(labels, probs, threshold)?;
        Ok(Metrics {
            threshold,
            confusion,
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            mcc: confusion.mcc(),
            auc: roc_auc(labels, probs)?,
            brier: brier_score(labels, probs)?,
            ece: expected_calibration_error(labels, probs, ECE_BINS)?,
            log_loss: log_loss(labels, probs)?,
        })
    }
}

/// The mean and the spread of one metric across folds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Spread {
    /// Mean over folds.
    pub mean: f64,
    /// Standard deviation over folds (population form, dividing by the number of folds, as
    /// numpy's `std`).
    pub std: f64,
}

impl Spread {
    /// Mean and standard deviation of the values (both 0 for no values).
    pub fn of(values: &[f64]) -> Spread {
        if values.is_empty() {
            return Spread::default();
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Spread {
            mean,
            std: var.sqrt(),
        }
    }
}

/// The mean and spread across folds of each metric of [`Metrics`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricsSummary {
    /// Accuracy.
    pub accuracy: Spread,
    /// Precision.
    pub precision: Spread,
    /// Recall.
    pub recall: Spread,
    /// F1.
    pub f1: Spread,
    /// Matthews correlation coefficient.
    pub mcc: Spread,
    /// ROC AUC.
    pub auc: Spread,
    /// Brier score.
    pub brier: Spread,
    /// Expected calibration error.
    pub ece: Spread,
    /// Log loss.
    pub log_loss: Spread,
}

impl MetricsSummary {
    /// Summarises per-fold metrics.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Label::{Fake, Genuine}, evaluation::{Metrics, MetricsSummary}};
    /// let a = Metrics::compute(&[Fake, Genuine], &[0.9, 0.1], 0.5).unwrap();
    /// let b = Metrics::compute(&[Fake, Genuine], &[0.1, 0.9], 0.5).unwrap();
    /// let s = MetricsSummary::of(&[a, b]);
    /// assert_eq!((s.accuracy.mean, s.accuracy.std), (0.5, 0.5));
    /// ```
    pub fn of(folds: &[Metrics]) -> MetricsSummary {
        let spread = |f: fn(&Metrics) -> f64| Spread::of(&folds.iter().map(f).collect::<Vec<_>>());
        MetricsSummary {
            accuracy: spread(|m| m.accuracy),
            precision: spread(|m| m.precision),
            recall: spread(|m| m.recall),
            f1: spread(|m| m.f1),
            mcc: spread(|m| m.mcc),
            auc: spread(|m| m.auc),
            brier: spread(|m| m.brier),
            ece: spread(|m| m.ece),
            log_loss: spread(|m| m.log_loss),
        }
    }
}

/// Splits items into `k` stratified folds: returns, for each fold, the (sorted) indices of its
/// test items.
///
/// Each class's indices are shuffled with a ChaCha8 RNG seeded by `seed`, then dealt to the
/// folds in turn (the genuine class continuing where the fake class stopped), so every fold
/// holds each class's share up to one item and fold sizes differ by at most one. The same
/// labels and seed always give the same folds.
///
/// # Errors
/// [`Error::InvalidParams`] when `k < 2`; [`Error::InvalidData`] when a class has fewer than
/// `k` items (a fold would lack it).
pub(crate) fn stratified_k_fold(labels: &[Label], k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(Error::InvalidParams {
            name: "folds".into(),
            reason: format!("need at least 2 folds, got {k}"),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for class in [Label::Fake, Label::Genuine] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if idx.len() < k {
            return Err(Error::InvalidData(format!(
                "stratified {k}-fold split: class {class:?} has only {} items",
                idx.len()
            )));
        }
        idx.shuffle(&mut rng);
        for i in idx {
            folds[next].push(i);
            next = (next + 1) % k;
        }
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    Ok(folds)
}

/// Options of [`cross_validate`]: number of folds, seed, threshold and parallelism.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossValidationParams {
    folds: usize,
    seed: u64,
    threshold: f64,
    parallel: bool,
}

impl Default for CrossValidationParams {
    /// 10 folds, seed 0, threshold 0.5, folds fitted in parallel.
    fn default() -> Self {
        CrossValidationParams {
            folds: 10,
            seed: 0,
            threshold: 0.5,
            parallel: true,
        }
    }
}

impl CrossValidationParams {
    /// The defaults (10 folds, seed 0, threshold 0.5, parallel).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of folds (at least 2).
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Sets the seed of the fold assignment.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the threshold of the threshold metrics (in [0, 1]).
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Fits the folds in parallel (rayon) or one after another; the results are identical.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// The folds [`cross_validate`] uses for `labels`: for each of the `folds` folds, the
    /// (sorted) indices of its test items.
    ///
    /// Each class's indices are shuffled with a ChaCha8 RNG seeded by the seed, then dealt to
    /// the folds in turn (the genuine class continuing where the fake class stopped), so every
    /// fold holds each class's share up to one item and fold sizes differ by at most one. The
    /// same labels and seed always give the same folds.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when there are fewer than 2 folds; [`Error::InvalidData`] when
    /// a class has fewer items than folds (a fold would lack it).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Label::{Fake, Genuine}, evaluation::CrossValidationParams};
    /// let labels = [Fake, Fake, Genuine, Genuine, Genuine, Genuine];
    /// let folds = CrossValidationParams::new().folds(2).seed(7).split(&labels).unwrap();
    /// assert_eq!(folds.len(), 2);
    /// assert!(folds.iter().all(|f| f.len() == 3 && f.iter().filter(|&&i| i < 2).count() == 1));
    /// ```
    pub fn split(&self, labels: &[Label]) -> Result<Vec<Vec<usize>>> {
        stratified_k_fold(labels, self.folds, self.seed)
    }
}

/// What [`cross_validate`] found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CrossValidation {
    /// Out-of-fold P(fake) of every item, from the model that did not see it.
    pub oof_proba: Vec<f64>,
    /// The fold (0-based) in which each item was a test item.
    pub fold_of: Vec<usize>,
    /// The metrics of each fold's test items.
    pub folds: Vec<Metrics>,
    /// The mean and spread of the per-fold metrics.
    pub summary: MetricsSummary,
    /// The metrics of all out-of-fold predictions pooled.
    pub pooled: Metrics,
}

/// Stratified K-fold cross-validation of a detector built by `fit`.
///
/// For each fold, `fit` gets the other folds' rows and labels and returns a detector, which
/// scores the fold's rows. Returns the out-of-fold P(fake) of every row, each fold's metrics,
/// their mean and standard deviation, and the metrics of the pooled out-of-fold scores. Folds
/// come from [`CrossValidationParams::split`]; when `fit` is deterministic the result does not depend on
/// `parallel`.
///
/// # Errors
/// [`Error::InvalidData`] when `labels` and `x` differ in length or a class has fewer items
/// than folds, or a detector returns a value that is not a probability or the wrong number of
/// scores; [`Error::InvalidParams`] for bad params; any error of `fit` or of the detector.
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, Reason, Result, evaluation::{cross_validate, CrossValidationParams}};
/// use ndarray::{Array1, Array2};
///
/// // A detector that reads P(fake) straight from column 0.
/// struct Column0;
/// impl Detector for Column0 {
///     fn name(&self) -> &str { "column0" }
///     fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
///         Ok(x.values().column(0).to_owned())
///     }
///     fn explain(&self, _: &FeatureMatrix, _: usize) -> Result<Vec<Reason>> { Ok(vec![]) }
/// }
///
/// let schema = FeatureSchema::new("demo", 1, vec!["score".into()]).unwrap();
/// let scores = [0.9, 0.8, 0.7, 0.1, 0.2, 0.3];
/// let x = FeatureMatrix::new(schema, Array2::from_shape_vec((6, 1), scores.to_vec()).unwrap())
///     .unwrap();
/// let y = [Label::Fake, Label::Fake, Label::Fake, Label::Genuine, Label::Genuine, Label::Genuine];
/// let params = CrossValidationParams::new().folds(3).seed(1);
/// let cv = cross_validate(&params, &x, &y, |_, _| Ok(Box::new(Column0) as Box<dyn Detector>))
///     .unwrap();
/// assert_eq!(cv.oof_proba, scores.to_vec());
/// assert_eq!(cv.summary.accuracy.mean, 1.0);
/// ```
pub fn cross_validate<F>(
    params: &CrossValidationParams,
    x: &FeatureMatrix,
    labels: &[Label],
    fit: F,
) -> Result<CrossValidation>
where
    F: Fn(&FeatureMatrix, &[Label]) -> Result<Box<dyn Detector>> + Sync,
{
    check_threshold(params.threshold)?;
    if x.nrows() != labels.len() {
        return Err(Error::InvalidData(format!(
            "cross-validation: {} rows but {} labels",
            x.nrows(),
            labels.len()
        )));
    }
    let folds = stratified_k_fold(labels, params.folds, params.seed)?;
    let mut fold_of = vec![0; labels.len()];
    for (f, test) in folds.iter().enumerate() {
        for &i in test {
            fold_of[i] = f;
        }
    }
    let run_fold = |f: usize| -> Result<Vec<f64>> {
        let train: Vec<usize> = (0..labels.len()).filter(|&i| fold_of[i] != f).collect();
        let train_labels: Vec<Label> = train.iter().map(|&i| labels[i]).collect();
        let detector = fit(&x.select_rows(&train), &train_labels)?;
        let test = &folds[f];
        let probs = detector.predict_proba(&x.select_rows(test))?;
        if probs.len() != test.len() {
            return Err(Error::InvalidData(format!(
                "cross-validation fold {f}: detector `{}` returned {} scores for {} rows",
                detector.name(),
                probs.len(),
                test.len()
            )));
        }
        let probs = probs.to_vec();
        check_probs(&probs, &format!("detector `{}`", detector.name()))?;
        Ok(probs)
    };
    let fold_probs: Vec<Vec<f64>> = if params.parallel {
        (0..folds.len())
            .into_par_iter()
            .map(run_fold)
            .collect::<Result<_>>()?
    } else {
        (0..folds.len()).map(run_fold).collect::<Result<_>>()?
    };
    let mut oof_proba = vec![0.0; labels.len()];
    let mut fold_metrics = Vec::with_capacity(folds.len());
    for (test, probs) in folds.iter().zip(&fold_probs) {
        let test_labels: Vec<Label> = test.iter().map(|&i| labels[i]).collect();
        fold_metrics.push(Metrics::compute(&test_labels, probs, params.threshold)?);
        for (&i, &p) in test.iter().zip(probs) {
            oof_proba[i] = p;
        }
    }
    let pooled = Metrics::compute(labels, &oof_proba, params.threshold)?;
    Ok(CrossValidation {
        summary: MetricsSummary::of(&fold_metrics),
        oof_proba,
        fold_of,
        folds: fold_metrics,
        pooled,
    })
}

/// Options of the artificial prevalence protocol ([`PrevalenceProtocolParams::run`]).
///
/// # The protocol
/// The input is a labelled pool of P(fake) scores, each from a model that did not see the item,
/// for example the out-of-fold scores of [`cross_validate`] (`oof_proba`). Every trial (one sample size n,
/// one target fake share p, one repeat) then runs on its own:
/// 1. It splits the pool afresh, stratified by class, into a *validation* part
///    (`validation_fraction` of each class, half by default) and a disjoint *test* part. The
///    trial's [`Quantifier`] (error rates, mean posteriors) is built from its validation part
///    only, so the estimators never see the items they are tested on. EM starts from
///    `train_prevalence`, by default the pool's share of fakes (the share the cross-validated
///    models were trained on).
/// 2. It draws a sample of `round(p n)` fakes and `n - round(p n)` genuine accounts with
///    replacement from its test part's classes (as QuaPy's artificial prevalence protocol;
///    drawing with replacement makes every sample an i.i.d. draw from the class-conditional
///    score distributions, however small the pool). Its true fake share is `round(p n) / n`.
///    When n is large beside a class's test part, though, the sample's scores scatter around
///    that part's mean rather than the class's, an error a real sample of n accounts does not
///    have and no interval includes: coverage at such sizes is understated, so keep the sample
///    sizes well below the test part (`test_size` in the report).
/// 3. Every method estimates the sample's fake share with its interval (infinite population,
///    seeded bootstrap).
///
/// Per (method, sample size) the report gives the mean absolute error, the largest absolute
/// error, the mean signed error, the coverage (share of intervals containing the true share)
/// and the mean interval width, over all shares and repeats.
///
/// # Why a fresh split per trial, and why it is honest
/// An interval must cover the truth over the randomness of *both* the validation set the error
/// rates come from and the audited sample. With one split shared by all trials, every trial
/// reuses the same validation error (and the same test part): the trials are not independent,
/// and the coverage measures one draw of the validation set instead of the interval's
/// behaviour. Here each trial draws its own split, so its validation error is independent of
/// the other trials' (up to the finite pool), and the coverage averages over it.
///
/// The scores are computed once, by cross-fitting, rather than by refitting a model per trial:
/// each out-of-fold score comes from a model that never saw that item, so within a trial the
/// validation scores and the test scores are both held-out scores of the same (cross-fitted)
/// scorer, the labels of the test items enter nothing but the truth, and validation and test
/// are disjoint. That is the situation of an audit, where the model's validation scores and
/// the audited followers' scores are held-out scores of one model; the cross-fitted scorer is
/// only slightly weaker than a model fitted on the whole pool. Refitting per trial would cost
/// a model fit per trial for no gain in honesty.
///
/// # Determinism
/// Trial `i` (in the order sizes, then shares, then repeats) draws its split, its sample and
/// its bootstrap seed from one ChaCha8 stream derived from `seed` and `i`, so the results are
/// identical whether trials run in parallel or not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrevalenceProtocolParams {
    prevalences: Vec<f64>,
    sample_sizes: Vec<usize>,
    repeats: usize,
    methods: Vec<Method>,
    validation_fraction: f64,
    threshold: f64,
    train_prevalence: Option<f64>,
    confidence: f64,
    bootstrap: usize,
    seed: u64,
    parallel: bool,
}

impl Default for PrevalenceProtocolParams {
    /// Shares 0, 0.05, ..., 1; sizes 100 and 1,000; 10 repeats; every method; half the pool for
    /// validation; threshold 0.5; 95% intervals from 500 replicates; seed 0; parallel.
    fn default() -> Self {
        PrevalenceProtocolParams {
            prevalences: (0..=20).map(|i| i as f64 / 20.0).collect(),
            sample_sizes: vec![100, 1000],
            repeats: 10,
            methods: Method::ALL.to_vec(),
            validation_fraction: 0.5,
            threshold: 0.5,
            train_prevalence: None,
            confidence: 0.95,
            bootstrap: 500,
            seed: 0,
            parallel: true,
        }
    }
}

impl PrevalenceProtocolParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the grid of target fake shares (each in [0, 1]).
    pub fn prevalences(mut self, prevalences: Vec<f64>) -> Self {
        self.prevalences = prevalences;
        self
    }

    /// Sets the sample sizes (each at least 1).
    pub fn sample_sizes(mut self, sizes: Vec<usize>) -> Self {
        self.sample_sizes = sizes;
        self
    }

    /// Sets the number of samples per (share, size).
    pub fn repeats(mut self, repeats: usize) -> Self {
        self.repeats = repeats;
        self
    }

    /// Sets the methods to evaluate.
    pub fn methods(mut self, methods: Vec<Method>) -> Self {
        self.methods = methods;
        self
    }

    /// Sets the share of the pool used for validation, in (0, 1).
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.validation_fraction = fraction;
        self
    }

    /// Sets the classification threshold used by CC and ACC.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Sets the training prevalence EM starts from (default: the pool's).
    pub fn train_prevalence(mut self, prevalence: f64) -> Self {
        self.train_prevalence = Some(prevalence);
        self
    }

    /// Sets the intervals' confidence level.
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Sets the number of bootstrap replicates per interval.
    pub fn bootstrap(mut self, replicates: usize) -> Self {
        self.bootstrap = replicates;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Runs trials in parallel (rayon) or not; the results are identical.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    fn check(&self) -> Result<()> {
        let bad = |name: &str, reason: String| {
            Err(Error::InvalidParams {
                name: name.into(),
                reason,
            })
        };
        if self.prevalences.is_empty() || self.prevalences.iter().any(|p| !(0.0..=1.0).contains(p))
        {
            return bad("prevalences", "need shares in [0, 1]".into());
        }
        if self.sample_sizes.is_empty() || self.sample_sizes.contains(&0) {
            return bad("sample_sizes", "need sizes of at least 1".into());
        }
        if self.repeats == 0 {
            return bad("repeats", "need at least one repeat".into());
        }
        if self.methods.is_empty() {
            return bad("methods", "need at least one method".into());
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return bad(
                "validation_fraction",
                format!("{} is not in (0, 1)", self.validation_fraction),
            );
        }
        check_threshold(self.threshold)
    }

    /// Runs the protocol on labelled P(fake) scores.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] for bad options; [`Error::InvalidData`] when the lengths differ,
    /// a value is not a probability, or a class has fewer than 2 items (each part needs both).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Label, Method, evaluation::PrevalenceProtocolParams};
    /// // A perfect scorer: every method is exact.
    /// let labels: Vec<Label> =
    ///     (0..40).map(|i| if i % 2 == 0 { Label::Fake } else { Label::Genuine }).collect();
    /// let probs: Vec<f64> = labels.iter().map(|l| l.as_f64()).collect();
    /// let report = PrevalenceProtocolParams::new()
    ///     .sample_sizes(vec![20])
    ///     .repeats(2)
    ///     .bootstrap(50)
    ///     .methods(vec![Method::Acc])
    ///     .run(&probs, &labels)
    ///     .unwrap();
    /// assert_eq!(report.summaries[0].mae, 0.0);
    /// ```
    pub fn run(&self, probs: &[f64], labels: &[Label]) -> Result<PrevalenceReport> {
        self.check()?;
        check_inputs(labels, probs, "prevalence protocol")?;
        // Each class's items, and how many of them every trial's validation part takes.
        let mut classes: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        let mut n_val = [0; 2];
        for (c, class) in [Label::Fake, Label::Genuine].into_iter().enumerate() {
            classes[c] = (0..labels.len()).filter(|&i| labels[i] == class).collect();
            let len = classes[c].len();
            if len < 2 {
                return Err(Error::InvalidData(format!(
                    "prevalence protocol: class {class:?} has {len} items, need at least 2"
                )));
            }
            n_val[c] = ((len as f64 * self.validation_fraction).round() as usize).clamp(1, len - 1);
        }
        let train_prevalence = self
            .train_prevalence
            .unwrap_or(classes[0].len() as f64 / labels.len() as f64);
        // The whole pool's rates, for the report (and to check the options once, up front).
        let pool_rates =
            Quantifier::new(probs, labels, self.threshold, train_prevalence)?.error_rates();

        // The trials.
        let mut plan = Vec::new();
        for &n in &self.sample_sizes {
            for &p in &self.prevalences {
                for r in 0..self.repeats {
                    plan.push((n, p, r));
                }
            }
        }
        let run_trial = |(id, &(n, p, r)): (usize, &(usize, f64, usize))| {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(id as u64 + 1);
            // 1. The trial's own split, and a quantifier from its validation part only.
            let split = TrialSplit::draw(&classes, n_val, &mut rng);
            let val_p: Vec<f64> = split.validation.iter().map(|&i| probs[i]).collect();
            let val_l: Vec<Label> = split.validation.iter().map(|&i| labels[i]).collect();
            let quantifier = Quantifier::new(&val_p, &val_l, self.threshold, train_prevalence)?;
            // 2. The sample, from the trial's test part.
            let n_fake = (p * n as f64).round() as usize;
            let sample: Vec<f64> = (0..n)
                .map(|i| {
                    let class = &split.test[usize::from(i >= n_fake)];
                    probs[class[rng.gen_range(0..class.len())]]
                })
                .collect();
            let options = IntervalOptions {
                confidence: self.confidence,
                population: None,
                bootstrap: self.bootstrap,
                seed: rng.gen(),
            };
            let estimates = quantifier.estimate_methods(&sample, &self.methods, &options)?;
            Ok(PrevalenceTrial {
                sample_size: n,
                target_share: p,
                true_share: n_fake as f64 / n as f64,
                repeat: r,
                estimates,
            })
        };
        let trials: Vec<PrevalenceTrial> = if self.parallel {
            plan.par_iter()
                .enumerate()
                .map(run_trial)
                .collect::<Result<_>>()?
        } else {
            plan.iter()
                .enumerate()
                .map(run_trial)
                .collect::<Result<_>>()?
        };

        // The summaries.
        let mut summaries = Vec::new();
        for &n in &self.sample_sizes {
            for (j, &m) in self.methods.iter().enumerate() {
                let errs: Vec<(f64, bool, f64)> = trials
                    .iter()
                    .filter(|t| t.sample_size == n)
                    .map(|t| {
                        let e = &t.estimates[j];
                        (
                            e.estimate - t.true_share,
                            e.covers(t.true_share),
                            e.ci_high - e.ci_low,
                        )
                    })
                    .collect();
                let k = errs.len() as f64;
                summaries.push(PrevalenceSummary {
                    method: m,
                    sample_size: n,
                    mae: errs.iter().map(|e| e.0.abs()).sum::<f64>() / k,
                    max_error: errs.iter().map(|e| e.0.abs()).fold(0.0, f64::max),
                    bias: errs.iter().map(|e| e.0).sum::<f64>() / k,
                    coverage: errs.iter().filter(|e| e.1).count() as f64 / k,
                    mean_width: errs.iter().map(|e| e.2).sum::<f64>() / k,
                    trials: errs.len(),
                });
            }
        }
        Ok(PrevalenceReport {
            validation_size: n_val[0] + n_val[1],
            test_size: labels.len() - n_val[0] - n_val[1],
            error_rates: pool_rates,
            summaries,
            trials,
        })
    }
}

/// One trial's partition of the pool: disjoint validation and test items, stratified by class.
#[derive(Debug, PartialEq)]
struct TrialSplit {
    /// Validation items (pool indices), fakes first.
    validation: Vec<usize>,
    /// Test items (pool indices) of each class: `[fake, genuine]`.
    test: [Vec<usize>; 2],
}

impl TrialSplit {
    /// Shuffles each class (`classes[0]` fake, `classes[1]` genuine) with `rng` and gives its
    /// first `n_val[c]` items to validation, the rest to test.
    fn draw(classes: &[Vec<usize>; 2], n_val: [usize; 2], rng: &mut ChaCha8Rng) -> TrialSplit {
        let mut validation = Vec::with_capacity(n_val[0] + n_val[1]);
        let mut test: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for c in 0..2 {
            let mut idx = classes[c].clone();
            idx.shuffle(rng);
            validation.extend_from_slice(&idx[..n_val[c]]);
            idx.drain(..n_val[c]);
            test[c] = idx;
        }
        TrialSplit { validation, test }
    }
}

/// One sample of the prevalence protocol and every method's estimate of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrevalenceTrial {
    /// Number of accounts in the sample.
    pub sample_size: usize,
    /// The grid's target fake share.
    pub target_share: f64,
    /// The sample's actual fake share, `round(target n) / n`.
    pub true_share: f64,
    /// The repeat's number (0-based).
    pub repeat: usize,
    /// The estimates, in the order of the protocol's methods.
    pub estimates: Vec<ShareEstimate>,
}

/// The accuracy of one method at one sample size over the protocol's samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrevalenceSummary {
    /// The estimator.
    pub method: Method,
    /// The sample size.
    pub sample_size: usize,
    /// Mean absolute error of the fake share.
    pub mae: f64,
    /// Largest absolute error.
    pub max_error: f64,
    /// Mean signed error (estimate minus truth).
    pub bias: f64,
    /// Share of the intervals that contain the true share.
    pub coverage: f64,
    /// Mean width of the intervals.
    pub mean_width: f64,
    /// Number of samples.
    pub trials: usize,
}

/// What the prevalence protocol found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrevalenceReport {
    /// Number of pool items in each trial's validation part (the trial's error rates come from
    /// these; every trial draws its own).
    pub validation_size: usize,
    /// Number of pool items in each trial's test part (the trial's sample is drawn from these).
    pub test_size: usize,
    /// The error rates of the whole pool, describing the scorer. Each trial's quantifier uses
    /// those of its own validation part instead, which scatter around these.
    pub error_rates: ErrorRates,
    /// One row per (sample size, method).
    pub summaries: Vec<PrevalenceSummary>,
    /// Every sample.
    pub trials: Vec<PrevalenceTrial>,
}

impl PrevalenceReport {
    /// The summary of one method at one sample size.
    pub fn summary(&self, method: Method, sample_size: usize) -> Option<&PrevalenceSummary> {
        self.summaries
            .iter()
            .find(|s| s.method == method && s.sample_size == sample_size)
    }

    /// The summaries as a markdown table.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| method | n | MAE | max error | bias | 95% coverage | mean width |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
        );
        for s in &self.summaries {
            out.push_str(&format!(
                "| {} | {} | {:.4} | {:.4} | {:+.4} | {:.3} | {:.4} |\n",
                s.method, s.sample_size, s.mae, s.max_error, s.bias, s.coverage, s.mean_width
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_the_population_form() {
        let s = Spread::of(&[1.0, 3.0]);
        assert_eq!((s.mean, s.std), (2.0, 1.0));
    }

    #[test]
    fn auc_and_log_loss_of_small_examples() {
        use Label::{Fake, Genuine};
        let auc = roc_auc(&[Genuine, Fake, Genuine, Fake], &[0.1, 0.4, 0.4, 0.8]).unwrap();
        assert!((auc - 0.875).abs() < 1e-12);
        let l = log_loss(&[Fake, Genuine], &[0.5, 0.5]).unwrap();
        assert!((l - std::f64::consts::LN_2).abs() < 1e-12);
    }

    fn classes() -> [Vec<usize>; 2] {
        // 30 fakes at even indices, 50 genuine accounts at the others.
        [
            (0..60).step_by(2).collect(),
            (0..60).skip(1).step_by(2).chain(60..80).collect(),
        ]
    }

    fn stream(seed: u64, id: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(id + 1);
        rng
    }

    #[test]
    fn a_trial_split_is_a_stratified_partition_of_the_pool() {
        let classes = classes();
        let split = TrialSplit::draw(&classes, [12, 20], &mut stream(3, 0));
        assert_eq!(split.validation.len(), 32);
        assert_eq!((split.test[0].len(), split.test[1].len()), (18, 30));
        // Validation fakes first, then genuine accounts; test parts hold their class only.
        assert!(split.validation[..12]
            .iter()
            .all(|i| classes[0].contains(i)));
        assert!(split.validation[12..]
            .iter()
            .all(|i| classes[1].contains(i)));
        assert!(split.test[0].iter().all(|i| classes[0].contains(i)));
        assert!(split.test[1].iter().all(|i| classes[1].contains(i)));
        // Disjoint and complete: every pool item is in exactly one part.
        let mut all: Vec<usize> = split
            .validation
            .iter()
            .chain(&split.test[0])
            .chain(&split.test[1])
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..80).collect::<Vec<_>>());
    }

    #[test]
    fn every_trial_draws_its_own_split_from_the_seed_and_its_index() {
        let classes = classes();
        let draw = |seed, id| TrialSplit::draw(&classes, [12, 20], &mut stream(seed, id));
        // Deterministic: the same seed and trial give the same split.
        assert_eq!(draw(3, 5), draw(3, 5));
        // Fresh: other trials (and other seeds) get other validation parts.
        let mine = draw(3, 5);
        for other in [draw(3, 0), draw(3, 6), draw(4, 5)] {
            assert_ne!(mine.validation, other.validation);
        }
    }
}
