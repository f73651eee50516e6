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
//! (the same fixed point, to within EM's tolerance, in a few iterations instead of EM's tens),
//! so an EM replicate costs a few passes over the distinct values, not a whole EM run.

use crate::error::{Error, Result};

mod binomial;
mod estimate;
mod intervals;
mod method;
mod quantifier;
mod rates;

pub use estimate::{IntervalOptions, ShareEstimate};
pub use method::Method;
pub use quantifier::Quantifier;
pub use rates::{ErrorRates, RateShift};

/// Checks that every value is a probability in [0, 1].
pub(crate) fn check_probs(probs: &[f64], what: &str) -> Result<()> {
    if let Some((i, p)) = probs
        .iter()
        .enumerate()
        .find(|(_, p)| !(p.is_finite() && (0.0..=1.0).contains(*p)))
    {
        return Err(Error::InvalidData(format!(
            "{what}: item {i} has P(fake) = {p}, not a probability in [0, 1]"
        )));
    }
    Ok(())
}
