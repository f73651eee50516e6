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

/// An estimated share with its confidence interval: what [`Quantifier`](super::Quantifier)
/// gives (the fake share) and what an audit report carries (its `fake_share`, and the genuine
/// share as the [complement](ShareEstimate::complement) in `genuine_share` and `estimates`).
///
/// Serialized with the keys `estimate`, `ci_low`, `ci_high`, `confidence` and `method` (the
/// method's short name, e.g. `pacc`); [`std_error`](ShareEstimate::std_error) is not
/// serialized and reads back as NaN.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShareEstimate {
    /// The estimated share, in [0, 1].
    pub estimate: f64,
    /// Lower end of the interval, in [0, 1].
    pub ci_low: f64,
    /// Upper end of the interval, in [0, 1].
    pub ci_high: f64,
    /// The interval's confidence level, e.g. 0.95.
    pub confidence: f64,
    /// The estimator.
    pub method: Method,
    /// Standard deviation of the bootstrap replicates (or the delta-method standard error);
    /// NaN when unknown (an estimate read back from JSON).
    #[serde(skip, default = "unknown")]
    pub std_error: f64,
}

fn unknown() -> f64 {
    f64::NAN
}

impl ShareEstimate {
    /// The complementary share (the genuine share from the fake one and back): `1 - estimate`,
    /// with the interval's ends swapped.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{IntervalOptions, Method, Quantifier, Label::{Fake, Genuine}};
    /// let val = [0.9, 0.8, 0.2, 0.1];
    /// let q = Quantifier::new(&val, &[Fake, Fake, Genuine, Genuine], 0.5, 0.5).unwrap();
    /// let fake = q.estimate(&[0.9, 0.1, 0.1, 0.2], Method::Cc, &IntervalOptions::default()).unwrap();
    /// let genuine = fake.complement();
    /// assert_eq!(genuine.estimate, 1.0 - fake.estimate);
    /// assert_eq!((genuine.ci_low, genuine.ci_high), (1.0 - fake.ci_high, 1.0 - fake.ci_low));
    /// assert_eq!(genuine.complement(), fake);
    /// ```
    pub fn complement(&self) -> ShareEstimate {
        ShareEstimate {
            estimate: 1.0 - self.estimate,
            ci_low: 1.0 - self.ci_high,
            ci_high: 1.0 - self.ci_low,
            ..*self
        }
    }

    /// Whether the interval contains `share`.
    pub fn covers(&self, share: f64) -> bool {
        self.ci_low <= share && share <= self.ci_high
    }
}
