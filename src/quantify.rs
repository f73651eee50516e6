//! Share estimation (quantification): how many of a list's accounts are fake, corrected for the
//! classifier's errors, with a confidence interval.
//!
//! Counting the accounts a classifier calls fake ("classify and count") is biased whenever the
//! classifier errs: with a 5% false-positive rate, a list of only genuine accounts comes out
//! about 5% fake. The estimators here ([`Method`]) are those of the quantification literature
//! (Forman 2008; Saerens, Latinne and Decaestecker 2002; Bella et al. 2010; the QuaPy library):
//!
//! | method | estimate of the fake share p |
//! |---|---|
//! | `cc`   | share of the sample with P(fake) >= threshold |
//! | `acc`  | `(cc - fpr) / (tpr - fpr)`, clipped to [0, 1] |
//! | `pcc`  | mean P(fake) of the sample |
//! | `pacc` | `(pcc - m_genuine) / (m_fake - m_genuine)`, clipped to [0, 1] |
//! | `em`   | the prior re-estimated by EM from the training prevalence (0 or 1 when the likelihood peaks there) |
//!
//! `tpr` and `fpr` are the classifier's true- and false-positive rates at the threshold, and
//! `m_fake` / `m_genuine` its mean P(fake) on fake / genuine accounts, all measured on a
//! labelled validation set that the classifier was not trained on (for example out-of-fold
//! scores). When `tpr <= fpr` (or `m_fake <= m_genuine`) the adjustment is undefined and the
//! adjusted methods return the unadjusted value, as QuaPy does.
//!
//! # Confidence intervals
//! [`Quantifier::estimate`] gives a percentile bootstrap interval that accounts for both sources
//! of error. Each of the B replicates
//! 1. resamples the validation set with replacement, each class separately (its class sizes are
//!    fixed by design), and recomputes `tpr`, `fpr`, `m_fake`, `m_genuine`;
//! 2. resamples the audited sample with replacement (n draws);
//! 3. recomputes the estimate from both resamples.
//!
//! **Finite population.** When the caller gives the population size N (for example the
//! account's follower count) and the input is a sample of n of them, the sample's part of each
//! replicate's deviation is shrunk: replicate = `est(sample, val*) + k * (est(sample*, val*) -
//! est(sample, val*))`, with `k^2 = (N - n) / (N - 1) + (n / N) * rho`. The first term is the
//! usual finite-population correction of the sampling variance. The second keeps the part of
//! the variance that does not vanish when the whole population is scored: even then, which of
//! its fake (genuine) accounts the classifier happens to get wrong is random, and `rho` is that
//! within-class share of the sample statistic's variance, `rho = (p tpr (1 - tpr) + (1 - p) fpr
//! (1 - fpr)) / (cc (1 - cc))` for the threshold methods and `rho = (p v_fake + (1 - p)
//! v_genuine) / v_sample` for the probabilistic ones (`v_*` the variances of P(fake) within each
//! validation class and in the sample, `p` the adjusted point estimate), capped at 1. Without N
//! the population is taken as infinite (k = 1).
//!
//! The interval is the (1 - confidence)/2 and (1 + confidence)/2 quantiles of the replicates
//! (linear interpolation between order statistics), widened if needed to contain the point
//! estimate. Every replicate is clipped to [0, 1], so the interval always lies in [0, 1].
//! EM uses no validation rates, so its interval covers the sampling part only.
//!
//! [`Quantifier::acc_wald`] gives the cheap analytic (delta-method) interval for ACC.
//!
//! Bootstrap replicates are computed on sorted arrays (a count of draws at or above the
//! threshold's position) and, for EM, on the distinct values of the sample with their counts;
//! EM's replicates find the maximiser of the likelihood EM climbs by safeguarded Newton steps
//! (the same fixed point, to within EM's tolerance, in a few iterations), so B = 500 at
//! n = 1,000 takes a few milliseconds.

use std::fmt;
use std::str::FromStr;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::error::{Error, Result};
use crate::eval::check_probs;

/// A share estimator. Serialized and parsed as `cc`, `acc`, `pcc`, `pacc`, `em`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Classify and count: the share predicted fake.
    Cc,
    /// Adjusted classify and count (Forman 2008).
    Acc,
    /// Probabilistic classify and count: the mean P(fake).
    Pcc,
    /// Probabilistic adjusted classify and count (Bella et al. 2010).
    Pacc,
    /// Expectation maximisation of the prior (Saerens, Latinne and Decaestecker 2002).
    Em,
}

impl Method {
    /// Every method, in the order `cc`, `acc`, `pcc`, `pacc`, `em`.
    pub const ALL: [Method; 5] = [
        Method::Cc,
        Method::Acc,
        Method::Pcc,
        Method::Pacc,
        Method::Em,
    ];

    /// The method's short name, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Method::Cc => "cc",
            Method::Acc => "acc",
            Method::Pcc => "pcc",
            Method::Pacc => "pacc",
            Method::Em => "em",
        }
    }

    /// Whether the method uses the validation set's error rates.
    fn uses_rates(self) -> bool {
        matches!(self, Method::Acc | Method::Pacc)
    }
}

impl Default for Method {
    /// PACC: on cross-validated cresci-2015 scores it had the lowest error at n = 1,000 among
    /// the estimators whose intervals held their coverage (see `tests/prevalence.rs`).
    fn default() -> Method {
        Method::Pacc
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Parses a method's name, ignoring ASCII case.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the accepted values.
    fn from_str(s: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::InvalidParams {
                name: "method".into(),
                reason: format!("unknown share estimator {s:?}; expected cc, acc, pcc, pacc or em"),
            })
    }
}

/// A classifier's error rates measured on a labelled validation set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorRates {
    /// The threshold: P(fake) >= threshold is predicted fake.
    pub threshold: f64,
    /// True-positive rate: share of the validation fakes predicted fake.
    pub tpr: f64,
    /// False-positive rate: share of the validation genuine accounts predicted fake.
    pub fpr: f64,
    /// Mean P(fake) of the validation fakes.
    pub mean_fake: f64,
    /// Mean P(fake) of the validation genuine accounts.
    pub mean_genuine: f64,
    /// Number of validation fakes.
    pub n_fake: usize,
    /// Number of validation genuine accounts.
    pub n_genuine: usize,
}

/// Options of the confidence interval of [`Quantifier::estimate`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalOptions {
    /// Confidence level, in (0, 1); 0.95 by default.
    pub confidence: f64,
    /// Size N of the population the sample was drawn from (e.g. the follower count), for the
    /// finite-population correction; `None` for an infinite population.
    pub population: Option<u64>,
    /// Number of bootstrap replicates (at least 1; 500 by default).
    pub bootstrap: usize,
    /// Seed of the bootstrap's RNG.
    pub seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        IntervalOptions {
            confidence: 0.95,
            population: None,
            bootstrap: 500,
            seed: 0,
        }
    }
}

impl IntervalOptions {
    fn check(&self, n: usize) -> Result<()> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::InvalidParams {
                name: "confidence".into(),
                reason: format!("{} is not in (0, 1)", self.confidence),
            });
        }
        if self.bootstrap == 0 {
            return Err(Error::InvalidParams {
                name: "bootstrap".into(),
                reason: "need at least one bootstrap replicate".into(),
            });
        }
        if let Some(pop) = self.population {
            if pop < n as u64 {
                return Err(Error::InvalidParams {
                    name: "population".into(),
                    reason: format!("population {pop} is smaller than the sample ({n} accounts)"),
                });
            }
        }
        Ok(())
    }
}

/// An estimated fake share with its confidence interval. The genuine share is `1 - fake_share`
/// (see [`ShareEstimate::genuine`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareEstimate {
    /// The estimator.
    pub method: Method,
    /// The estimated fake share, in [0, 1].
    pub fake_share: f64,
    /// Lower end of the interval, in [0, 1].
    pub ci_low: f64,
    /// Upper end of the interval, in [0, 1].
    pub ci_high: f64,
    /// The interval's confidence level.
    pub confidence: f64,
    /// Standard deviation of the bootstrap replicates (or the delta-method standard error).
    pub std_error: f64,
    /// Number of accounts in the sample.
    pub sample_size: usize,
    /// The population size given for the finite-population correction, if any.
    pub population: Option<u64>,
}

impl ShareEstimate {
    /// The genuine share and its interval: `(1 - fake_share, 1 - ci_high, 1 - ci_low)`.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Method, ShareEstimate};
    /// let e = ShareEstimate { method: Method::Acc, fake_share: 0.2, ci_low: 0.1, ci_high: 0.3,
    ///     confidence: 0.95, std_error: 0.05, sample_size: 100, population: None };
    /// let (g, lo, hi) = e.genuine();
    /// assert!((g - 0.8).abs() < 1e-12 && (lo - 0.7).abs() < 1e-12 && (hi - 0.9).abs() < 1e-12);
    /// ```
    pub fn genuine(&self) -> (f64, f64, f64) {
        (1.0 - self.fake_share, 1.0 - self.ci_high, 1.0 - self.ci_low)
    }

    /// Whether the interval contains `share` (a fake share).
    pub fn covers(&self, share: f64) -> bool {
        self.ci_low <= share && share <= self.ci_high
    }
}

/// Share estimators calibrated on a labelled validation set: build once, estimate many samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantifier {
    threshold: f64,
    train_prevalence: f64,
    em_tolerance: f64,
    em_max_iterations: usize,
    /// Validation P(fake) of the fake accounts, sorted ascending.
    val_fake: Vec<f64>,
    /// Validation P(fake) of the genuine accounts, sorted ascending.
    val_genuine: Vec<f64>,
    rates: ErrorRates,
    var_fake: f64,
    var_genuine: f64,
    shift: RateShift,
    /// Draws per bootstrap replicate of the fake and the genuine validation scores (`None`:
    /// as many as there are scores).
    draws: [Option<usize>; 2],
}

/// How far a classifier's error rates may lie from those measured on its validation set when
/// the audited accounts come from another population: standard deviations added to the
/// rates in every bootstrap replicate (see [`Quantifier::with_shift`]). All 0 by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RateShift {
    /// Of the true-positive rate.
    pub tpr: f64,
    /// Of the false-positive rate.
    pub fpr: f64,
    /// Of the mean P(fake) of fakes.
    pub mean_fake: f64,
    /// Of the mean P(fake) of genuine accounts.
    pub mean_genuine: f64,
}

impl RateShift {
    /// Each deviation times `k`.
    pub fn scaled(self, k: f64) -> RateShift {
        RateShift {
            tpr: self.tpr * k,
            fpr: self.fpr * k,
            mean_fake: self.mean_fake * k,
            mean_genuine: self.mean_genuine * k,
        }
    }

    fn is_zero(&self) -> bool {
        self.tpr == 0.0 && self.fpr == 0.0 && self.mean_fake == 0.0 && self.mean_genuine == 0.0
    }
}

/// Above this many accounts the bootstrap resamples the sample through its histogram (see
/// [`Binned`]) instead of account by account.
const LARGE_SAMPLE: usize = 20_000;

/// Bins per unit of P(fake) of that histogram.
const BINS: f64 = 2048.0;

/// A large sample summarised by a fine histogram of P(fake): bins of width 1/2048 that never
/// straddle the decision threshold, each with its count and the mean of its members.
///
/// Resampling n accounts with replacement is the same as drawing the bins' counts from a
/// multinomial distribution, which takes one binomial draw per bin instead of n index draws:
/// the bootstrap's cost stops growing with the sample. CC and PCC of a resample are exact (a
/// bin's mean stands for its members, and the threshold is a bin edge); EM, point and
/// replicates alike, runs on the bins' means (within about 1e-4 of EM on the exact values, as
/// a posterior moves by at most 1/2048), so that a sample of millions needs no sorted copy nor per-value terms: the memory
/// of the estimate stays a few hundred kilobytes whatever the sample's size.
struct Binned {
    values: Vec<f64>,
    counts: Vec<u64>,
    above: Vec<bool>,
}

impl Binned {
    /// The histogram of a sample, in one pass and without sorting it.
    fn from_sample(sample: &[f64], threshold: f64) -> Binned {
        let per_side = BINS as usize + 1;
        let mut counts = vec![0u64; 2 * per_side];
        let mut sums = vec![0.0f64; 2 * per_side];
        for &v in sample {
            let slot = usize::from(v >= threshold) * per_side + (v * BINS) as usize;
            counts[slot] += 1;
            sums[slot] += v;
        }
        // Every value below the threshold is smaller than every value at or above it, so the
        // slots are in ascending order of value.
        let mut b = Binned {
            values: Vec::new(),
            counts: Vec::new(),
            above: Vec::new(),
        };
        for (slot, (&c, &sum)) in counts.iter().zip(&sums).enumerate() {
            if c > 0 {
                b.values.push(sum / c as f64);
                b.counts.push(c);
                b.above.push(slot >= per_side);
            }
        }
        b
    }

    /// Multinomial counts of a resample of the same size, by conditional binomials.
    fn resample(&self, rng: &mut ChaCha8Rng, out: &mut [u32]) {
        let mut left: u64 = self.counts.iter().sum();
        let mut weight_left = left;
        for (o, &w) in out.iter_mut().zip(&self.counts) {
            if left == 0 || weight_left == 0 {
                *o = 0;
                continue;
            }
            let drawn = if w >= weight_left {
                left
            } else {
                let p = w as f64 / weight_left as f64;
                Binomial::new(left, p).map_or(0, |d| d.sample(rng))
            };
            *o = drawn as u32;
            left -= drawn;
            weight_left -= w;
        }
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Index of the first value >= threshold in a sorted slice.
fn cut(sorted: &[f64], threshold: f64) -> usize {
    sorted.partition_point(|&p| p < threshold)
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    // `d * d`, not `powi(2)`: the same value without a call to the runtime's `powi`.
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var)
}

/// `(value - low) / (high - low)` clipped to [0, 1], or `value` when `high <= low`.
fn adjust(value: f64, low: f64, high: f64) -> f64 {
    let den = high - low;
    if den > 0.0 {
        ((value - low) / den).clamp(0.0, 1.0)
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// The summary of a (resampled) validation set the adjusted methods need.
#[derive(Clone, Copy)]
struct Rates {
    tpr: f64,
    fpr: f64,
    mean_fake: f64,
    mean_genuine: f64,
}

/// The summary of a (resampled) sample.
#[derive(Clone, Copy)]
struct SampleStats {
    cc: f64,
    pcc: f64,
}

impl Quantifier {
    /// A quantifier from held-out labelled scores (P(fake) of accounts the classifier was not
    /// trained on), the threshold, and the share of fakes in the classifier's training data
    /// (EM's starting prior: the prior its posteriors are calibrated to).
    ///
    /// EM stops when the prior moves less than `1e-6` in an iteration, or after 1,000
    /// iterations (see [`Quantifier::em_tolerance`]).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the lengths differ, a value is not a probability, or a class
    /// is missing from the validation set; [`Error::InvalidParams`] when the threshold is not in
    /// [0, 1] or the training prevalence not in (0, 1).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Quantifier, Method, Label::{Fake, Genuine}};
    /// // tpr = 0.8, fpr = 0.2 on validation.
    /// let val = [0.9, 0.8, 0.7, 0.6, 0.1, 0.4, 0.3, 0.2, 0.1, 0.6];
    /// let lab = [Fake, Fake, Fake, Fake, Fake, Genuine, Genuine, Genuine, Genuine, Genuine];
    /// let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
    /// // 2 of 10 predicted fake: cc = 0.2, which is exactly fpr, so ACC says no fake.
    /// let sample = [0.9, 0.7, 0.1, 0.1, 0.2, 0.3, 0.1, 0.2, 0.4, 0.3];
    /// assert!((q.point(&sample, Method::Cc).unwrap() - 0.2).abs() < 1e-12);
    /// assert_eq!(q.point(&sample, Method::Acc).unwrap(), 0.0);
    /// ```
    pub fn new(
        validation_probs: &[f64],
        validation_labels: &[Label],
        threshold: f64,
        train_prevalence: f64,
    ) -> Result<Quantifier> {
        if validation_probs.len() != validation_labels.len() {
            return Err(Error::InvalidData(format!(
                "quantifier validation set: {} scores but {} labels",
                validation_probs.len(),
                validation_labels.len()
            )));
        }
        check_probs(validation_probs, "quantifier validation set")?;
        if !(threshold.is_finite() && (0.0..=1.0).contains(&threshold)) {
            return Err(Error::InvalidParams {
                name: "threshold".into(),
                reason: format!("{threshold} is not in [0, 1]"),
            });
        }
        if !(train_prevalence > 0.0 && train_prevalence < 1.0) {
            return Err(Error::InvalidParams {
                name: "train_prevalence".into(),
                reason: format!("{train_prevalence} is not in (0, 1)"),
            });
        }
        let pick = |class: Label| -> Vec<f64> {
            validation_probs
                .iter()
                .zip(validation_labels)
                .filter(|(_, &l)| l == class)
                .map(|(&p, _)| p)
                .collect()
        };
        let val_fake = sorted(pick(Label::Fake));
        let val_genuine = sorted(pick(Label::Genuine));
        if val_fake.is_empty() || val_genuine.is_empty() {
            return Err(Error::InvalidData(format!(
                "quantifier validation set needs both classes: {} fake, {} genuine",
                val_fake.len(),
                val_genuine.len()
            )));
        }
        let (mean_fake, var_fake) = mean_var(&val_fake);
        let (mean_genuine, var_genuine) = mean_var(&val_genuine);
        let rates = ErrorRates {
            threshold,
            tpr: (val_fake.len() - cut(&val_fake, threshold)) as f64 / val_fake.len() as f64,
            fpr: (val_genuine.len() - cut(&val_genuine, threshold)) as f64
                / val_genuine.len() as f64,
            mean_fake,
            mean_genuine,
            n_fake: val_fake.len(),
            n_genuine: val_genuine.len(),
        };
        Ok(Quantifier {
            threshold,
            train_prevalence,
            em_tolerance: 1e-6,
            em_max_iterations: 1000,
            val_fake,
            val_genuine,
            rates,
            var_fake,
            var_genuine,
            shift: RateShift::default(),
            draws: [None, None],
        })
    }

    /// Sets how many validation scores of each class a bootstrap replicate draws: the
    /// effective sample sizes when the scores are weighted by repetition (a score repeated
    /// `w` times stands for one account of weight `w`, and the weighted set carries the
    /// information of `(sum w)^2 / sum w^2` accounts, Kish's effective size, not of its
    /// length). `None` keeps the length.
    pub fn with_effective_sizes(mut self, fake: Option<usize>, genuine: Option<usize>) -> Self {
        self.draws = [fake, genuine];
        self
    }

    /// Widens the intervals of the rate-adjusted methods (ACC, PACC) by a shift of the error
    /// rates: each bootstrap replicate adds to each validation rate a normal deviation of the
    /// given standard deviation (and clips it to [0, 1]). Point estimates do not change.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when a deviation is negative or not finite.
    pub fn with_shift(mut self, shift: RateShift) -> Result<Self> {
        for (name, v) in [
            ("tpr", shift.tpr),
            ("fpr", shift.fpr),
            ("mean_fake", shift.mean_fake),
            ("mean_genuine", shift.mean_genuine),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::InvalidParams {
                    name: format!("shift.{name}"),
                    reason: format!("{v} is not a finite deviation >= 0"),
                });
            }
        }
        self.shift = shift;
        Ok(self)
    }

    /// Sets EM's convergence tolerance (it stops when the prior moves less than this; > 0).
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when the tolerance is not positive and finite.
    pub fn em_tolerance(mut self, tolerance: f64) -> Result<Self> {
        if !(tolerance > 0.0 && tolerance.is_finite()) {
            return Err(Error::InvalidParams {
                name: "em_tolerance".into(),
                reason: format!("{tolerance} is not a positive number"),
            });
        }
        self.em_tolerance = tolerance;
        Ok(self)
    }

    /// Sets EM's maximum number of iterations (at least 1).
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when it is 0.
    pub fn em_max_iterations(mut self, iterations: usize) -> Result<Self> {
        if iterations == 0 {
            return Err(Error::InvalidParams {
                name: "em_max_iterations".into(),
                reason: "need at least one iteration".into(),
            });
        }
        self.em_max_iterations = iterations;
        Ok(self)
    }

    /// The classifier's error rates on the validation set.
    pub fn error_rates(&self) -> ErrorRates {
        self.rates
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The training prevalence EM starts from.
    pub fn train_prevalence(&self) -> f64 {
        self.train_prevalence
    }

    fn full_rates(&self) -> Rates {
        Rates {
            tpr: self.rates.tpr,
            fpr: self.rates.fpr,
            mean_fake: self.rates.mean_fake,
            mean_genuine: self.rates.mean_genuine,
        }
    }

    /// The point estimate of the fake share in a sample of P(fake) values.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the sample is empty or a value is not a probability.
    pub fn point(&self, sample: &[f64], method: Method) -> Result<f64> {
        check_sample(sample)?;
        let s = sorted(sample.to_vec());
        let stats = self.stats(&s);
        Ok(match method {
            Method::Em => {
                let (values, counts) = group(&s);
                let inv = self.inverse_ratios(&values);
                self.em(&inv, &counts, s.len(), self.train_prevalence)
            }
            m => self.simple(m, stats, self.full_rates()),
        })
    }

    fn stats(&self, sorted_sample: &[f64]) -> SampleStats {
        let n = sorted_sample.len() as f64;
        SampleStats {
            cc: (sorted_sample.len() - cut(sorted_sample, self.threshold)) as f64 / n,
            pcc: sorted_sample.iter().sum::<f64>() / n,
        }
    }

    /// The estimate of every method but EM from the sample's and the validation's summaries.
    fn simple(&self, method: Method, s: SampleStats, r: Rates) -> f64 {
        match method {
            Method::Cc => s.cc,
            Method::Acc => adjust(s.cc, r.fpr, r.tpr),
            Method::Pcc => s.pcc.clamp(0.0, 1.0),
            Method::Pacc => adjust(s.pcc, r.mean_genuine, r.mean_fake),
            Method::Em => unreachable!("EM needs the whole sample"),
        }
    }

    /// For each distinct sample value v, `b / a` with `a = v / pi` and `b = (1 - v) / (1 - pi)`:
    /// how much likelier genuine than fake the value makes an account, relative to the training
    /// prior pi (infinite at v = 0, 0 at v = 1).
    fn inverse_ratios(&self, values: &[f64]) -> Vec<f64> {
        let pi = self.train_prevalence;
        values
            .iter()
            .map(|&v| ((1.0 - v) / (1.0 - pi)) / (v / pi))
            .collect()
    }

    /// EM on the distinct values of a sample (given by [`Quantifier::inverse_ratios`]) with
    /// their counts (n in all), starting at `start`.
    ///
    /// Each step sets q to the mean posterior `q a / (q a + (1 - q) b)`, written
    /// `1 / (1 + (1 - q) / q * b / a)`. The log-likelihood of q, `sum c log(q a + (1 - q) b)`,
    /// is concave and EM climbs it. When its slope at q = 0 is not positive (mean of a / b at
    /// most 1) its maximum is at 0, which EM only approaches geometrically, so 0 is returned at
    /// once; likewise 1 when the mean of b / a is at most 1.
    fn em(&self, inv_ratios: &[f64], counts: &[u32], n: usize, start: f64) -> f64 {
        let (mut up, mut down) = (0.0, 0.0);
        for (&ir, &c) in inv_ratios.iter().zip(counts) {
            if c > 0 {
                up += c as f64 / ir;
                down += c as f64 * ir;
            }
        }
        let nf = n as f64;
        if up <= nf {
            return 0.0;
        }
        if down <= nf {
            return 1.0;
        }
        let mut q = start;
        for _ in 0..self.em_max_iterations {
            if !(q > 0.0 && q < 1.0) {
                break;
            }
            let kappa = (1.0 - q) / q;
            let sum: f64 = inv_ratios
                .iter()
                .zip(counts)
                .map(|(&ir, &c)| c as f64 / (1.0 + kappa * ir))
                .sum();
            let next = (sum / nf).clamp(0.0, 1.0);
            let moved = (next - q).abs();
            q = next;
            if moved < self.em_tolerance {
                break;
            }
        }
        q
    }

    /// For each distinct sample value v, `(a - b, b)` with `a = v / pi` and `b = (1 - v) /
    /// (1 - pi)`: the sample's likelihood of the prior q is `prod (b + q (a - b))^count`.
    fn likelihood_terms(&self, values: &[f64]) -> Vec<(f64, f64)> {
        let pi = self.train_prevalence;
        values
            .iter()
            .map(|&v| {
                let (a, b) = (v / pi, (1.0 - v) / (1.0 - pi));
                (a - b, b)
            })
            .collect()
    }

    /// The maximiser of the same concave log-likelihood EM climbs, found by Newton's method
    /// safeguarded by bisection (a few iterations instead of EM's tens): the bootstrap
    /// replicates of EM. It agrees with [`Quantifier::em`] to within EM's tolerance.
    fn em_newton(&self, terms: &[(f64, f64)], counts: &[u32], start: f64) -> f64 {
        // Slope of the log-likelihood at q, and its curvature.
        // Inside (0, 1), b + q d = (1 - q) b + q a > 0, so no term is infinite.
        let slope = |q: f64| -> (f64, f64) {
            let (mut d1, mut d2) = (0.0, 0.0);
            for (&(d, b), &c) in terms.iter().zip(counts) {
                let t = d / (b + q * d);
                let ct = c as f64 * t;
                d1 += ct;
                d2 -= ct * t;
            }
            (d1, d2)
        };
        // At a bound a term may be infinite: skip the values not drawn.
        let bound_slope = |q: f64| -> f64 {
            terms
                .iter()
                .zip(counts)
                .filter(|(_, &c)| c > 0)
                .map(|(&(d, b), &c)| c as f64 * d / (b + q * d))
                .sum()
        };
        let (mut lo, mut hi) = (0.0, 1.0);
        let mut q = start.clamp(1e-9, 1.0 - 1e-9);
        let (mut d1, mut d2) = slope(q);
        // The maximum is at a bound when the slope does not change sign towards it.
        if d1 < 0.0 && bound_slope(0.0) <= 0.0 {
            return 0.0;
        }
        if d1 > 0.0 && bound_slope(1.0) >= 0.0 {
            return 1.0;
        }
        for iteration in 0..100 {
            if iteration > 0 {
                (d1, d2) = slope(q);
            }
            if d1 > 0.0 {
                lo = q;
            } else {
                hi = q;
            }
            let mut next = if d2 < 0.0 { q - d1 / d2 } else { f64::NAN };
            if !(next > lo && next < hi) {
                next = 0.5 * (lo + hi);
            }
            let moved = (next - q).abs();
            q = next;
            if moved < 1e-10 || hi - lo < 1e-10 {
                break;
            }
        }
        q
    }

    /// Estimates the fake share of a sample of P(fake) values with one method, with its
    /// confidence interval (see the module documentation for the bootstrap).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the sample is empty or a value is not a probability;
    /// [`Error::InvalidParams`] for bad options (confidence not in (0, 1), no replicate, a
    /// population smaller than the sample).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{IntervalOptions, Method, Quantifier, Label::{Fake, Genuine}};
    /// let val: Vec<f64> = (0..200).map(|i| if i < 100 { 0.9 } else { 0.1 }).collect();
    /// let lab: Vec<_> = (0..200).map(|i| if i < 100 { Fake } else { Genuine }).collect();
    /// let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
    /// let sample = [0.9, 0.1, 0.1, 0.1];
    /// let e = q.estimate(&sample, Method::Acc, &IntervalOptions::default()).unwrap();
    /// assert_eq!(e.fake_share, 0.25);
    /// assert!(e.ci_low <= 0.25 && 0.25 <= e.ci_high && e.ci_high <= 1.0);
    /// ```
    pub fn estimate(
        &self,
        sample: &[f64],
        method: Method,
        options: &IntervalOptions,
    ) -> Result<ShareEstimate> {
        Ok(self.estimate_methods(sample, &[method], options)?.remove(0))
    }

    /// Every method's estimate ([`Method::ALL`] order), sharing the bootstrap resamples: each
    /// equals [`Quantifier::estimate`] with the same options.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    pub fn estimate_all(
        &self,
        sample: &[f64],
        options: &IntervalOptions,
    ) -> Result<Vec<ShareEstimate>> {
        self.estimate_methods(sample, &Method::ALL, options)
    }

    /// The estimates of the given methods, in the given order, sharing the bootstrap resamples;
    /// each equals [`Quantifier::estimate`] with the same options.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    pub fn estimate_methods(
        &self,
        sample: &[f64],
        methods: &[Method],
        options: &IntervalOptions,
    ) -> Result<Vec<ShareEstimate>> {
        check_sample(sample)?;
        options.check(sample.len())?;
        let n = sample.len();
        // Large samples are summarised and resampled through their histogram (see `Binned`).
        let binned = (n > LARGE_SAMPLE).then(|| Binned::from_sample(sample, self.threshold));
        let s = if binned.is_some() {
            Vec::new()
        } else {
            sorted(sample.to_vec())
        };
        let stats = match &binned {
            Some(_) => SampleStats {
                cc: sample.iter().filter(|&&p| p >= self.threshold).count() as f64 / n as f64,
                pcc: sample.iter().sum::<f64>() / n as f64,
            },
            None => self.stats(&s),
        };
        let sample_var = mean_var(sample).1;
        let rates = self.full_rates();
        let (values, counts) = match &binned {
            Some(b) => (
                b.values.clone(),
                b.counts.iter().map(|&c| c as u32).collect(),
            ),
            None => group(&s),
        };
        let inv_ratios = self.inverse_ratios(&values);
        let terms = self.likelihood_terms(&values);
        let group_of: Vec<u32> = if binned.is_some() {
            Vec::new()
        } else {
            counts
                .iter()
                .enumerate()
                .flat_map(|(g, &c)| std::iter::repeat(g as u32).take(c as usize))
                .collect()
        };
        let sample_cut = cut(&s, self.threshold);
        let need_em = methods.contains(&Method::Em);
        let need_rates = methods.iter().any(|m| m.uses_rates());

        // Point estimates.
        let em_point = if need_em {
            self.em(&inv_ratios, &counts, n, self.train_prevalence)
        } else {
            0.0
        };
        let point = |m: Method| match m {
            Method::Em => em_point,
            m => self.simple(m, stats, rates),
        };

        // Finite-population shrink factor of each method's sample deviation.
        let shrink = |m: Method| -> f64 {
            let Some(pop) = options.population else {
                return 1.0;
            };
            let (pop, nf) = (pop as f64, n as f64);
            let fpc = if pop > 1.0 {
                (pop - nf) / (pop - 1.0)
            } else {
                0.0
            };
            let rho = match m {
                Method::Cc | Method::Acc => {
                    let p = adjust(stats.cc, rates.fpr, rates.tpr);
                    let within = p * rates.tpr * (1.0 - rates.tpr)
                        + (1.0 - p) * rates.fpr * (1.0 - rates.fpr);
                    let total = stats.cc * (1.0 - stats.cc);
                    if total > 0.0 {
                        (within / total).min(1.0)
                    } else {
                        1.0
                    }
                }
                _ => {
                    let p = adjust(stats.pcc, rates.mean_genuine, rates.mean_fake);
                    let within = p * self.var_fake + (1.0 - p) * self.var_genuine;
                    let total = sample_var;
                    if total > 0.0 {
                        (within / total).min(1.0)
                    } else {
                        1.0
                    }
                }
            };
            (fpc + nf / pop * rho).max(0.0).sqrt()
        };
        let k: Vec<f64> = methods.iter().map(|&m| shrink(m)).collect();

        // Bootstrap: independent streams for the sample and the validation set, so that the
        // sample's draws do not depend on which methods are asked for.
        let mut rng_sample = ChaCha8Rng::seed_from_u64(options.seed);
        rng_sample.set_stream(1);
        let mut rng_val = ChaCha8Rng::seed_from_u64(options.seed);
        rng_val.set_stream(2);
        let mut rng_shift = ChaCha8Rng::seed_from_u64(options.seed);
        rng_shift.set_stream(3);
        let shifted = !self.shift.is_zero();
        let b = options.bootstrap;
        let mut reps: Vec<Vec<f64>> = vec![Vec::with_capacity(b); methods.len()];
        let mut boot_counts = vec![0u32; values.len()];
        let mut bin_counts = vec![0u32; binned.as_ref().map_or(0, |b| b.values.len())];
        let fake_cut = cut(&self.val_fake, self.threshold);
        let genuine_cut = cut(&self.val_genuine, self.threshold);
        for _ in 0..b {
            // Resample the sample.
            if need_em {
                boot_counts.iter_mut().for_each(|c| *c = 0);
            }
            let (mut above, mut sum) = (0usize, 0.0);
            if let Some(bins) = &binned {
                bins.resample(&mut rng_sample, &mut bin_counts);
                for ((&c, &v), &up) in bin_counts.iter().zip(&bins.values).zip(&bins.above) {
                    above += if up { c as usize } else { 0 };
                    sum += c as f64 * v;
                }
            } else {
                for _ in 0..n {
                    let i = draw_index(&mut rng_sample, n);
                    above += usize::from(i >= sample_cut);
                    sum += s[i];
                    if need_em {
                        boot_counts[group_of[i] as usize] += 1;
                    }
                }
            }
            let stats_b = SampleStats {
                cc: above as f64 / n as f64,
                pcc: sum / n as f64,
            };
            // Resample the validation set.
            let rates_b = if need_rates {
                let (tpr, mean_fake) =
                    resample_class(&self.val_fake, fake_cut, self.draws[0], &mut rng_val);
                let (fpr, mean_genuine) =
                    resample_class(&self.val_genuine, genuine_cut, self.draws[1], &mut rng_val);
                let mut r = Rates {
                    tpr,
                    fpr,
                    mean_fake,
                    mean_genuine,
                };
                if shifted {
                    let sh = self.shift;
                    let mut z = || -> f64 { rng_shift.sample(StandardNormal) };
                    r.tpr = (r.tpr + sh.tpr * z()).clamp(0.0, 1.0);
                    r.fpr = (r.fpr + sh.fpr * z()).clamp(0.0, 1.0);
                    r.mean_fake = (r.mean_fake + sh.mean_fake * z()).clamp(0.0, 1.0);
                    r.mean_genuine = (r.mean_genuine + sh.mean_genuine * z()).clamp(0.0, 1.0);
                }
                r
            } else {
                rates
            };
            for (j, &m) in methods.iter().enumerate() {
                let (full, base) = match m {
                    Method::Em if binned.is_some() => {
                        // The point is EM on the same bins, so rounding does not enter.
                        let full = self.em_newton(&terms, &bin_counts, em_point);
                        (full, em_point)
                    }
                    Method::Em => (self.em_newton(&terms, &boot_counts, em_point), em_point),
                    m => (
                        self.simple(m, stats_b, rates_b),
                        self.simple(m, stats, rates_b),
                    ),
                };
                reps[j].push((base + k[j] * (full - base)).clamp(0.0, 1.0));
            }
        }

        Ok(methods
            .iter()
            .zip(reps)
            .zip(&k)
            .map(|((&m, mut r), &shrink)| {
                let p = point(m);
                let std_error = mean_var(&r).1.sqrt();
                r.sort_by(f64::total_cmp);
                let alpha = 1.0 - options.confidence;
                let mut lo = quantile(&r, alpha / 2.0).min(p);
                let mut hi = quantile(&r, 1.0 - alpha / 2.0).max(p);
                // Never narrower than the exact binomial interval of the count called fake:
                // a floor for small samples, where the bootstrap collapses (two accounts
                // both called genuine resample to "no fake" every time). Its sampling part
                // shrinks with the finite-population factor, as the bootstrap's does.
                let called = (stats.cc * n as f64).round() as u64;
                let (cl, ch) = clopper_pearson(called, n as u64, options.confidence);
                lo = lo.min(p - shrink * (stats.cc - cl));
                hi = hi.max(p + shrink * (ch - stats.cc));
                ShareEstimate {
                    method: m,
                    fake_share: p,
                    ci_low: lo.clamp(0.0, 1.0),
                    ci_high: hi.clamp(0.0, 1.0),
                    confidence: options.confidence,
                    std_error,
                    sample_size: n,
                    population: options.population,
                }
            })
            .collect())
    }

    /// ACC with an analytic (delta-method, Wald) interval instead of the bootstrap:
    /// `Var = (k^2 cc (1 - cc) / n + p^2 tpr (1 - tpr) / n_fake + (1 - p)^2 fpr (1 - fpr) /
    /// n_genuine) / (tpr - fpr)^2`, with `k` the finite-population factor of the module
    /// documentation; the interval `p ± z sqrt(Var)` is clipped to [0, 1]. `options.bootstrap`
    /// and `options.seed` are not used. Rates of exactly 0 or 1 contribute no variance, so
    /// prefer the bootstrap on small validation sets.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{IntervalOptions, Quantifier, Label::{Fake, Genuine}};
    /// let val: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 0.9 } else { 0.1 }).collect();
    /// let lab: Vec<_> = (0..200).map(|i| if i < 100 { Fake } else { Genuine }).collect();
    /// let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
    /// let e = q.acc_wald(&[0.9, 0.9, 0.1, 0.1], &IntervalOptions::default()).unwrap();
    /// assert_eq!(e.fake_share, 0.5);
    /// assert!(e.ci_low < 0.5 && e.ci_high > 0.5);
    /// ```
    pub fn acc_wald(&self, sample: &[f64], options: &IntervalOptions) -> Result<ShareEstimate> {
        check_sample(sample)?;
        options.check(sample.len())?;
        let n = sample.len() as f64;
        let s = sorted(sample.to_vec());
        let stats = self.stats(&s);
        let r = self.rates;
        let p = adjust(stats.cc, r.fpr, r.tpr);
        let k2 = match options.population {
            None => 1.0,
            Some(pop) => {
                let pop = pop as f64;
                let fpc = if pop > 1.0 {
                    (pop - n) / (pop - 1.0)
                } else {
                    0.0
                };
                let within = p * r.tpr * (1.0 - r.tpr) + (1.0 - p) * r.fpr * (1.0 - r.fpr);
                let total = stats.cc * (1.0 - stats.cc);
                let rho = if total > 0.0 {
                    (within / total).min(1.0)
                } else {
                    1.0
                };
                fpc + n / pop * rho
            }
        };
        let d = r.tpr - r.fpr;
        let var_num = k2 * stats.cc * (1.0 - stats.cc) / n
            + p * p * r.tpr * (1.0 - r.tpr) / r.n_fake as f64
            + (1.0 - p) * (1.0 - p) * r.fpr * (1.0 - r.fpr) / r.n_genuine as f64;
        let se = if d > 0.0 {
            var_num.sqrt() / d
        } else {
            var_num.sqrt()
        };
        let z = normal_quantile(0.5 + options.confidence / 2.0);
        Ok(ShareEstimate {
            method: Method::Acc,
            fake_share: p,
            ci_low: (p - z * se).clamp(0.0, 1.0),
            ci_high: (p + z * se).clamp(0.0, 1.0),
            confidence: options.confidence,
            std_error: se,
            sample_size: sample.len(),
            population: options.population,
        })
    }
}

fn check_sample(sample: &[f64]) -> Result<()> {
    if sample.is_empty() {
        return Err(Error::InvalidData(
            "share estimation: the sample is empty".into(),
        ));
    }
    check_probs(sample, "share estimation sample")
}

/// The distinct values of a sorted slice and how many times each occurs.
fn group(sorted: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let mut values: Vec<f64> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for &v in sorted {
        if values.last() == Some(&v) {
            *counts.last_mut().expect("counts follow values") += 1;
        } else {
            values.push(v);
            counts.push(1);
        }
    }
    (values, counts)
}

/// Resamples one sorted validation class with replacement: (share at or above the cut, mean).
fn resample_class(
    sorted: &[f64],
    cut: usize,
    draws: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> (f64, f64) {
    let n = sorted.len();
    let draws = draws.unwrap_or(n).max(1);
    let (mut above, mut sum) = (0usize, 0.0);
    for _ in 0..draws {
        let i = draw_index(rng, n);
        above += usize::from(i >= cut);
        sum += sorted[i];
    }
    (above as f64 / draws as f64, sum / draws as f64)
}

/// A uniform index in `0..n` from one 32-bit draw (multiply-shift; its bias, at most n / 2^32,
/// is immaterial here), several times faster than a rejection-sampled range.
fn draw_index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n <= u32::MAX as usize {
        ((rng.next_u32() as u64 * n as u64) >> 32) as usize
    } else {
        rng.gen_range(0..n)
    }
}

/// The q-quantile of sorted values, interpolating linearly between order statistics (numpy's
/// default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clopper_pearson_matches_the_exact_binomial_interval() {
        // Reference values: R's binom.test (and scipy's beta.ppf) on the same counts.
        let close = |a: (f64, f64), b: (f64, f64)| {
            assert!(
                (a.0 - b.0).abs() < 2e-6 && (a.1 - b.1).abs() < 2e-6,
                "{a:?} vs {b:?}"
            )
        };
        close(super::clopper_pearson(0, 2, 0.95), (0.0, 0.841886));
        close(super::clopper_pearson(5, 10, 0.95), (0.187086, 0.812914));
        close(super::clopper_pearson(1, 10, 0.95), (0.002529, 0.445016));
        close(super::clopper_pearson(10, 10, 0.95), (0.691503, 1.0));
        close(
            super::clopper_pearson(0, 1481, 0.95),
            (0.0, 1.0 - 0.025f64.powf(1.0 / 1481.0)),
        );
    }

    #[test]
    fn two_accounts_never_give_a_zero_width_interval() {
        let val: Vec<f64> = (0..400)
            .map(|i| if i < 200 { 0.95 } else { 0.03 })
            .collect();
        let lab: Vec<Label> = (0..400)
            .map(|i| if i < 200 { Label::Fake } else { Label::Genuine })
            .collect();
        let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
        for m in Method::ALL {
            let e = q
                .estimate(&[0.02, 0.04], m, &IntervalOptions::default())
                .unwrap();
            assert!(e.ci_high - e.ci_low >= 0.3, "{m}: {e:?}");
        }
    }

    #[test]
    fn a_rate_shift_widens_the_adjusted_intervals_only() {
        let val: Vec<f64> = (0..400).map(|i| if i < 200 { 0.9 } else { 0.1 }).collect();
        let lab: Vec<Label> = (0..400)
            .map(|i| if i < 200 { Label::Fake } else { Label::Genuine })
            .collect();
        let sample: Vec<f64> = (0..2000)
            .map(|i| if i % 2 == 0 { 0.9 } else { 0.1 })
            .collect();
        let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
        let wide = q
            .clone()
            .with_shift(RateShift {
                tpr: 0.1,
                fpr: 0.1,
                mean_fake: 0.1,
                mean_genuine: 0.1,
            })
            .unwrap();
        let o = IntervalOptions::default();
        for m in Method::ALL {
            let (a, b) = (
                q.estimate(&sample, m, &o).unwrap(),
                wide.estimate(&sample, m, &o).unwrap(),
            );
            assert_eq!(a.fake_share, b.fake_share);
            let (wa, wb) = (a.ci_high - a.ci_low, b.ci_high - b.ci_low);
            if m.uses_rates() {
                assert!(wb > 2.0 * wa, "{m}: {wa} -> {wb}");
            } else {
                assert_eq!(wa, wb, "{m}");
            }
        }
        assert!(q
            .with_shift(RateShift {
                tpr: -1.0,
                ..RateShift::default()
            })
            .is_err());
    }

    use super::*;

    #[test]
    fn normal_quantile_matches_known_values() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_901).abs() < 1e-8);
        assert!((normal_quantile(0.995) - 2.575_829_303_548_901).abs() < 1e-8);
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) = [1.075, 2.5, 3.925]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[0.3], 0.9), 0.3);
    }

    #[test]
    fn newton_finds_the_em_fixed_point() {
        let q = Quantifier::new(&[0.9, 0.2], &[Label::Fake, Label::Genuine], 0.5, 0.3)
            .unwrap()
            .em_tolerance(1e-14)
            .unwrap();
        for s in [
            vec![0.8, 0.6, 0.3, 0.1, 0.05],
            vec![0.99, 0.97, 0.9, 0.2],
            vec![0.01, 0.02, 0.3],
            vec![0.0, 1.0, 0.5, 0.5],
            vec![1.0, 1.0],
            vec![0.0, 0.1],
        ] {
            let (v, c) = group(&sorted(s.clone()));
            let em = q.em(&q.inverse_ratios(&v), &c, s.len(), 0.3);
            let newton = q.em_newton(&q.likelihood_terms(&v), &c, 0.5);
            assert!(
                (em - newton).abs() < 1e-9,
                "{s:?}: EM {em}, Newton {newton}"
            );
        }
    }

    #[test]
    fn group_counts_distinct_values() {
        let (v, c) = group(&[0.1, 0.1, 0.2, 0.5, 0.5, 0.5]);
        assert_eq!(v, vec![0.1, 0.2, 0.5]);
        assert_eq!(c, vec![2, 1, 3]);
    }

    #[test]
    fn adjust_clips_and_falls_back_when_undefined() {
        assert!((adjust(0.5, 0.2, 0.8) - 0.5).abs() < 1e-12);
        assert_eq!(adjust(0.1, 0.2, 0.8), 0.0);
        assert_eq!(adjust(0.9, 0.2, 0.8), 1.0);
        // tpr <= fpr: no adjustment.
        assert_eq!(adjust(0.3, 0.5, 0.5), 0.3);
        assert_eq!(adjust(0.3, 0.6, 0.4), 0.3);
    }

    #[test]
    fn em_is_a_fixed_point_of_the_prior_update() {
        let q = Quantifier::new(&[0.9, 0.2], &[Label::Fake, Label::Genuine], 0.5, 0.3)
            .unwrap()
            .em_tolerance(1e-14)
            .unwrap();
        let s = [0.8, 0.6, 0.3, 0.1, 0.05];
        let p = q.point(&s, Method::Em).unwrap();
        // One more EM step from p stays at p.
        let (v, c) = group(&sorted(s.to_vec()));
        let next = q.em(&q.inverse_ratios(&v), &c, s.len(), p);
        assert!((next - p).abs() < 1e-12, "{p} -> {next}");
        assert!(p > 0.0 && p < 1.0);
    }
}

/// The Clopper-Pearson ("exact") interval of a binomial proportion: `k` successes in `n`
/// trials at `confidence`. The ends are quantiles of beta distributions, found by bisection
/// on the regularized incomplete beta function.
pub(crate) fn clopper_pearson(k: u64, n: u64, confidence: f64) -> (f64, f64) {
    let alpha = 1.0 - confidence;
    let (kf, nf) = (k as f64, n as f64);
    let lo = if k == 0 {
        0.0
    } else {
        beta_quantile(alpha / 2.0, kf, nf - kf + 1.0)
    };
    let hi = if k >= n {
        1.0
    } else {
        beta_quantile(1.0 - alpha / 2.0, kf + 1.0, nf - kf)
    };
    (lo, hi)
}

/// The `q` quantile of Beta(a, b), by bisection (to within 1e-12).
fn beta_quantile(q: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if regularized_beta(mid, a, b) < q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// I_x(a, b), the regularized incomplete beta function: the continued fraction of the
/// incomplete beta integral, evaluated by the modified Lentz method on whichever side of the
/// mean converges fast (using I_x(a, b) = 1 - I_{1-x}(b, a)).
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..500 {
        let m = m as f64;
        // Even step.
        let num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        for (i, numerator) in [
            num,
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ]
        .into_iter()
        .enumerate()
        {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if i == 1 && (delta - 1.0).abs() < 1e-15 {
                return f;
            }
        }
    }
    f
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; relative error below 1e-13).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, &c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}
