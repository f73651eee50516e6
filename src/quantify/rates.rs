//! A classifier's error rates ([`ErrorRates`]) and how far they may shift on another
//! population ([`RateShift`]).

use serde::{Deserialize, Serialize};

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

/// How far a classifier's error rates may lie from those measured on its validation set when
/// the audited accounts come from another population: deviations added to the rates in every
/// bootstrap replicate (see [`Quantifier::with_shift`](super::Quantifier::with_shift)). All 0
/// by default.
///
/// A deviation is drawn from the standard normal times the rate's spread, or, when the spread
/// was measured on `k` held-out sources (`fake_sources`, `genuine_sources`), from Student's t
/// with `k` degrees of freedom times the spread: the spread of a new source's rate when the
/// spread itself is known from only `k` sources (with 3 sources, 95% of draws lie within 3.18
/// spreads instead of 1.96).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RateShift {
    /// Of the true-positive rate.
    pub tpr: f64,
    /// Of the false-positive rate.
    pub fpr: f64,
    /// Of the mean P(fake) of fakes.
    pub mean_fake: f64,
    /// Of the mean P(fake) of genuine accounts.
    pub mean_genuine: f64,
    /// Held-out fake sources the fakes' spreads (`tpr`, `mean_fake`) were measured on; 0 when
    /// they were not measured (normal draws).
    #[serde(default)]
    pub fake_sources: u32,
    /// Held-out genuine sources the genuine accounts' spreads (`fpr`, `mean_genuine`) were
    /// measured on; 0 when they were not measured (normal draws).
    #[serde(default)]
    pub genuine_sources: u32,
}

impl RateShift {
    /// Each deviation times `k`.
    pub fn scaled(self, k: f64) -> RateShift {
        RateShift {
            tpr: self.tpr * k,
            fpr: self.fpr * k,
            mean_fake: self.mean_fake * k,
            mean_genuine: self.mean_genuine * k,
            ..self
        }
    }

    pub(super) fn is_zero(&self) -> bool {
        self.tpr == 0.0 && self.fpr == 0.0 && self.mean_fake == 0.0 && self.mean_genuine == 0.0
    }
}
