//! [`Quantifier`]: share estimators calibrated on a labelled validation set, and their point
//! estimates (CC, ACC, PCC, PACC and EM).

use serde::{Deserialize, Serialize};

use super::check_probs;
use super::method::Method;
use super::rates::{ErrorRates, RateShift};
use crate::account::Label;
use crate::error::{Error, Result};

/// Share estimators calibrated on a labelled validation set: build once, estimate many samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantifier {
    pub(super) threshold: f64,
    pub(super) train_prevalence: f64,
    pub(super) em_tolerance: f64,
    pub(super) em_max_iterations: usize,
    /// Validation P(fake) of the fake accounts, sorted ascending.
    pub(super) val_fake: Vec<f64>,
    /// Validation P(fake) of the genuine accounts, sorted ascending.
    pub(super) val_genuine: Vec<f64>,
    pub(super) rates: ErrorRates,
    pub(super) var_fake: f64,
    pub(super) var_genuine: f64,
    pub(super) shift: RateShift,
    /// Draws per bootstrap replicate of the fake and the genuine validation scores (`None`:
    /// as many as there are scores).
    pub(super) draws: [Option<usize>; 2],
}

pub(super) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Index of the first value >= threshold in a sorted slice.
pub(super) fn cut(sorted: &[f64], threshold: f64) -> usize {
    sorted.partition_point(|&p| p < threshold)
}

pub(super) fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    // `d * d`, not `powi(2)`: the same value without a call to the runtime's `powi`.
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var)
}

/// `(value - low) / (high - low)` clipped to [0, 1], or `value` when `high <= low`.
pub(super) fn adjust(value: f64, low: f64, high: f64) -> f64 {
    let den = high - low;
    if den > 0.0 {
        ((value - low) / den).clamp(0.0, 1.0)
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// The summary of a (resampled) validation set the adjusted methods need.
#[derive(Clone, Copy)]
pub(super) struct Rates {
    pub(super) tpr: f64,
    pub(super) fpr: f64,
    pub(super) mean_fake: f64,
    pub(super) mean_genuine: f64,
}

/// The summary of a (resampled) sample.
#[derive(Clone, Copy)]
pub(super) struct SampleStats {
    pub(super) cc: f64,
    pub(super) pcc: f64,
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
    /// rates: each bootstrap replicate adds to each validation rate a deviation of the given
    /// spread, normal or, when the spread was measured on a few sources, Student's t (see
    /// [`RateShift`]), and clips it to [0, 1]. Point estimates do not change.
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

    pub(super) fn full_rates(&self) -> Rates {
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

    pub(super) fn stats(&self, sorted_sample: &[f64]) -> SampleStats {
        let n = sorted_sample.len() as f64;
        SampleStats {
            cc: (sorted_sample.len() - cut(sorted_sample, self.threshold)) as f64 / n,
            pcc: sorted_sample.iter().sum::<f64>() / n,
        }
    }

    /// The estimate of every method but EM from the sample's and the validation's summaries.
    pub(super) fn simple(&self, method: Method, s: SampleStats, r: Rates) -> f64 {
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
    pub(super) fn inverse_ratios(&self, values: &[f64]) -> Vec<f64> {
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
    pub(super) fn em(&self, inv_ratios: &[f64], counts: &[u32], n: usize, start: f64) -> f64 {
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
    pub(super) fn likelihood_terms(&self, values: &[f64]) -> Vec<(f64, f64)> {
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
    pub(super) fn em_newton(&self, terms: &[(f64, f64)], counts: &[u32], start: f64) -> f64 {
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
}

pub(super) fn check_sample(sample: &[f64]) -> Result<()> {
    if sample.is_empty() {
        return Err(Error::InvalidData(
            "share estimation: the sample is empty".into(),
        ));
    }
    check_probs(sample, "share estimation sample")
}

/// The distinct values of a sorted slice and how many times each occurs.
pub(super) fn group(sorted: &[f64]) -> (Vec<f64>, Vec<u32>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
