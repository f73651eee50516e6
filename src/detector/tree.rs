//! A single decision tree, the simplest baseline.
//!
//! It is our [`RandomForest`] with one tree, no bootstrap and every feature considered at every
//! split, rather than linfa-trees' tree: linfa's leaves keep only the majority class, which would
//! make every P(fake) 0 or 1, while ours keep class counts, so P(fake) is the leaf's training
//! fake fraction (an honest probability; `min_samples_leaf` above 1 keeps it away from 0 and 1).

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::{Detector, MaxFeatures, RandomForest, RandomForestParams, Reason};
use crate::error::Result;
use crate::features::{FeatureMatrix, FeatureSchema};

/// Hyperparameters of a [`DecisionTree`].
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, detectors::DecisionTreeParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into()])?;
/// let x = FeatureMatrix::new(schema, ndarray::array![[1.0], [2.0], [300.0], [400.0]])?;
/// let y = [Label::Fake, Label::Fake, Label::Genuine, Label::Genuine];
/// let tree = DecisionTreeParams::default().min_samples_leaf(1).fit(&x, &y)?;
/// assert_eq!(tree.predict_proba(&x)?.to_vec(), vec![1.0, 1.0, 0.0, 0.0]);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeParams {
    max_depth: Option<usize>,
    min_samples_leaf: usize,
    seed: u64,
}

impl Default for DecisionTreeParams {
    fn default() -> Self {
        DecisionTreeParams {
            max_depth: Some(8),
            min_samples_leaf: 5,
            seed: 0,
        }
    }
}

impl DecisionTreeParams {
    /// Maximum depth (default 8).
    pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Minimum number of training rows in a leaf (default 5).
    pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
        self.min_samples_leaf = min_samples_leaf;
        self
    }

    /// Seed that orders the features when two splits tie (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn as_forest(&self) -> RandomForestParams {
        RandomForestParams::default()
            .n_trees(1)
            .bootstrap(false)
            .max_features(MaxFeatures::All)
            .max_depth(self.max_depth)
            .min_samples_leaf(self.min_samples_leaf)
            .seed(self.seed)
    }

    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParams`] naming the bad parameter.
    pub fn validate(&self) -> Result<()> {
        self.as_forest().validate()
    }

    /// Fits the tree.
    ///
    /// # Errors
    /// As [`RandomForestParams::fit`].
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<DecisionTree> {
        Ok(DecisionTree {
            tree: self.as_forest().fit(x, y)?,
        })
    }
}

/// A fitted decision tree whose leaves keep class counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    tree: RandomForest,
}

impl DecisionTree {
    /// The schema it was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        self.tree.schema()
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.tree.n_nodes()
    }

    pub(crate) fn check_stored(&self) -> std::result::Result<(), String> {
        if self.tree.n_trees() == 1 {
            Ok(())
        } else {
            Err("a decision tree must hold exactly one tree".into())
        }
    }
}

impl Detector for DecisionTree {
    fn name(&self) -> &str {
        "decision_tree"
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.tree.predict_proba(x)
    }

    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.tree.explain(x, row)
    }

    /// The features of its split nodes, as for the one-tree [`RandomForest`] it is.
    fn used_features(&self) -> Option<Vec<usize>> {
        self.tree.used_features()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::synthetic;

    #[test]
    fn leaf_fractions_are_probabilities_not_votes() {
        let (x, y) = synthetic(500, 3, 31);
        let t = DecisionTreeParams::default()
            .max_depth(Some(3))
            .min_samples_leaf(30)
            .fit(&x, &y)
            .unwrap();
        let p = t.predict_proba(&x).unwrap();
        assert!(p.iter().any(|p| *p > 0.0 && *p < 1.0));
        let acc = p
            .iter()
            .zip(&y)
            .filter(|(p, l)| (**p >= 0.5) == l.is_fake())
            .count() as f64
            / 500.0;
        assert!(acc > 0.85, "{acc}");
        assert!(t.n_nodes() <= 15);
    }
}
