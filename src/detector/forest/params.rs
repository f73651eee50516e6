//! The hyperparameters of a random forest and their checks.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How many features are weighed as candidates at each split.
///
/// `n_features` is the number of features that vary in the training data: a constant column
/// (for instance a field the export lacks, read as 0 with its indicator) never counts, so the
/// forest fitted on a matrix does not change when constant columns are added to it. At each
/// split, features are drawn in a random order until this many have been weighed that vary
/// among the node's rows: one constant within the node is passed over without counting
/// (scikit-learn counts it, and sizes the draw from every column).
///
/// A [`MaxFeatures::Count`] larger than the schema is refused; one larger than the number of
/// varying features weighs them all.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(n_features)))`, as scikit-learn's classifier default.
    Sqrt,
    /// `max(1, floor(log2(n_features)))`.
    Log2,
    /// Every feature at every split (bagged trees).
    All,
    /// A fixed number, at most the number of features.
    Count(usize),
    /// A fraction in (0, 1] of the features, at least one.
    Fraction(f64),
}

impl MaxFeatures {
    pub(super) fn resolve(self, n_features: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (n_features as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (n_features as f64).log2().floor() as usize,
            MaxFeatures::All => n_features,
            MaxFeatures::Count(k) => k,
            MaxFeatures::Fraction(f) => (f * n_features as f64).floor() as usize,
        };
        k.clamp(1, n_features.max(1))
    }
}

/// Hyperparameters of a [`RandomForest`](super::RandomForest) (unchecked until [`RandomForestParams::fit`]).
///
/// # Examples
/// ```
/// use follower_audit::{FeatureMatrix, FeatureSchema, Label, Detector, detectors::RandomForestParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into(), "friends".into()])?;
/// let x = ndarray::array![[1.0, 900.0], [2.0, 800.0], [300.0, 100.0], [250.0, 90.0]];
/// let y = [Label::Fake, Label::Fake, Label::Genuine, Label::Genuine];
/// let x = FeatureMatrix::new(schema, x)?;
/// let forest = RandomForestParams::default().n_trees(20).seed(7).fit(&x, &y)?;
/// let p = forest.predict_proba(&x)?;
/// assert!(p[0] > 0.5 && p[3] < 0.5);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomForestParams {
    pub(super) n_trees: usize,
    pub(super) max_depth: Option<usize>,
    pub(super) min_samples_leaf: usize,
    pub(super) max_features: MaxFeatures,
    pub(super) bootstrap: bool,
    pub(super) seed: u64,
}

impl Default for RandomForestParams {
    fn default() -> Self {
        RandomForestParams {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            max_features: MaxFeatures::Sqrt,
            bootstrap: true,
            seed: 0,
        }
    }
}

impl RandomForestParams {
    /// Number of trees (default 100).
    pub fn n_trees(mut self, n_trees: usize) -> Self {
        self.n_trees = n_trees;
        self
    }

    /// Maximum depth of a tree, the root being depth 0 (default: unlimited).
    pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Minimum (bootstrap-weighted) number of training rows in a leaf (default 1).
    pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
        self.min_samples_leaf = min_samples_leaf;
        self
    }

    /// Features weighed per split, of those that vary in the training data (default
    /// [`MaxFeatures::Sqrt`]; see [`MaxFeatures`]).
    pub fn max_features(mut self, max_features: MaxFeatures) -> Self {
        self.max_features = max_features;
        self
    }

    /// Whether each tree sees a bootstrap sample (default `true`) or every row once.
    pub fn bootstrap(mut self, bootstrap: bool) -> Self {
        self.bootstrap = bootstrap;
        self
    }

    /// The seed of every random draw (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The configured number of trees (the getter of [`RandomForestParams::n_trees`], named
    /// after the noun because the plain name is the builder's setter).
    pub fn trees(&self) -> usize {
        self.n_trees
    }

    /// The configured seed (the getter of [`RandomForestParams::seed`]).
    pub fn rng_seed(&self) -> u64 {
        self.seed
    }

    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the bad parameter.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, reason: String| {
            Err(Error::InvalidParams {
                name: name.into(),
                reason,
            })
        };
        if self.n_trees == 0 || self.n_trees > 100_000 {
            return bad(
                "n_trees",
                format!("must be in 1..=100000, got {}", self.n_trees),
            );
        }
        if self.max_depth == Some(0) || self.max_depth.is_some_and(|d| d > 64) {
            return bad(
                "max_depth",
                format!("must be in 1..=64 or None, got {:?}", self.max_depth),
            );
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf", "must be at least 1".into());
        }
        match self.max_features {
            MaxFeatures::Count(0) => return bad("max_features", "count must be at least 1".into()),
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return bad(
                    "max_features",
                    format!("fraction must be in (0, 1], got {f}"),
                )
            }
            _ => {}
        }
        Ok(())
    }
}
