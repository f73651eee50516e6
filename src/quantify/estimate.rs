//! What an interval estimate asks for ([`IntervalOptions`]) and gives ([`ShareEstimate`]).

use serde::{Deserialize, Serialize};

use super::method::Method;
use crate::error::{Error, Result};

/// Options of the confidence interval of [`Quantifier::estimate`](super::Quantifier::estimate).
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
    pub(super) fn check(&self, n: usize) -> Result<()> {
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
