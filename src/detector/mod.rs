//! The [`Detector`] trait shared by the published rule sets and the trained classifiers, and the
//! trained classifiers themselves (overview on [`Detector`]).

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::features::FeatureMatrix;

pub(crate) mod explain;
mod forest;
mod linfa_tree;
mod logistic;
mod naive_bayes;
mod rows;
#[cfg(test)]
pub(crate) mod testdata;
mod tree;

pub use forest::{MaxFeatures, RandomForest, RandomForestParams};
pub use linfa_tree::{LinfaTree, LinfaTreeParams};
pub use logistic::{LogisticRegression, LogisticRegressionParams};
pub use naive_bayes::{GaussianNb, GaussianNbParams};
pub use tree::{DecisionTree, DecisionTreeParams};

/// One reason behind an account's score, in words, for reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reason {
    /// The feature or rule that gave it (a feature name or a rule id such as `cc_rule_5`).
    pub source: String,
    /// What it says about the account, e.g. "follows 4,210 accounts but has 3 followers".
    pub text: String,
    /// Signed contribution towards "fake" (positive) or "genuine" (negative); the scale is the
    /// detector's own, comparable within one account.
    pub weight: f64,
}

/// Anything that scores accounts: P(fake) for each row of a [`FeatureMatrix`].
///
/// The trained classifiers (the published rule sets, [`RuleSet`](crate::detectors::RuleSet), are detectors too):
///
/// | detector | fitted by | P(fake) | explanation |
/// |---|---|---|---|
/// | [`RandomForest`] | our own (histogram splits, per-split feature sampling, rayon) | mean over trees of the leaf's fake fraction | Saabas path contributions |
/// | [`LogisticRegression`] | linfa-logistic on standardized features | `sigmoid(w . z + b)`, oriented to fake whatever linfa's positive class | each `w_i z_i` |
/// | [`GaussianNb`] | linfa-bayes | Bayes' rule over per-class Gaussians | each feature's log-likelihood ratio |
/// | [`DecisionTree`] | a one-tree [`RandomForest`], no bootstrap, all features | the leaf's fake fraction | path contributions |
/// | [`LinfaTree`] | linfa-trees (Gini), copied into our own arrays | the leaf's fake fraction | the path's splits |
///
/// Every `*Params` validates itself first in `fit`; every fitted detector stores the
/// [`crate::FeatureSchema`] it was trained on and refuses another; every one is serde
/// serializable (see [`crate::Model`] for the versioned file).
pub trait Detector: Send + Sync {
    /// A short stable name, e.g. `random_forest`, `camisani_calzolari`.
    fn name(&self) -> &str;

    /// P(fake) for each row.
    ///
    /// # Errors
    /// [`crate::Error::SchemaMismatch`] when the matrix's schema is not the one the detector was
    /// built for (or lacks a column it needs).
    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>>;

    /// The reasons behind row `row`'s score, strongest first.
    ///
    /// # Errors
    /// As [`Detector::predict_proba`]; also when `row` is out of range.
    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>>;

    /// The first `k` of [`Detector::explain`]'s reasons. The same reasons, but a detector may
    /// put into words only the ones it returns (the forest does: an audit writing every
    /// follower's three reasons would otherwise describe some twenty features per follower).
    ///
    /// # Errors
    /// As [`Detector::explain`].
    fn explain_top(&self, x: &FeatureMatrix, row: usize, k: usize) -> Result<Vec<Reason>> {
        let mut reasons = self.explain(x, row)?;
        reasons.truncate(k);
        Ok(reasons)
    }

    /// The schema columns that [`Detector::predict_proba`] and [`Detector::explain`] read,
    /// ascending and without repeats; `None` when any column may be read (the default).
    ///
    /// Scores and reasons depend on these columns only, so a matrix whose other columns hold
    /// anything (e.g. zeros from [`crate::FeatureExtractor::only`]) scores and explains the
    /// same.
    fn used_features(&self) -> Option<Vec<usize>> {
        None
    }
}

/// Forwards every method to the detector behind a pointer, so that `Box<dyn Detector>`,
/// `Box<D>`, `Arc<dyn Detector>` and `Arc<D>` are detectors too.
macro_rules! forward_detector {
    ($($ptr:ident)::+) => {
        impl<D: Detector + ?Sized> Detector for $($ptr)::+<D> {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
                (**self).predict_proba(x)
            }
            fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
                (**self).explain(x, row)
            }
            fn explain_top(&self, x: &FeatureMatrix, row: usize, k: usize) -> Result<Vec<Reason>> {
                (**self).explain_top(x, row, k)
            }
            fn used_features(&self) -> Option<Vec<usize>> {
                (**self).used_features()
            }
        }
    };
}
forward_detector!(Box);
forward_detector!(std::sync::Arc);
