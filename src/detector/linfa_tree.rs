//! A single decision tree fitted by linfa-trees, a baseline next to our own [`DecisionTree`].
//!
//! linfa-trees grows the tree (Gini splits, its own stopping rules and its pruning of sibling
//! leaves that vote alike); we then copy the fitted tree into flat arrays of our own, so the
//! stored model depends on no linfa type, and route the training rows down the copy to count
//! genuine and fake rows at every node. linfa's leaves keep only their majority class, which would
//! make every P(fake) 0 or 1; ours keep the counts, so P(fake) is the leaf's fake fraction among
//! the training rows. These are in-sample leaf frequencies, over-confident on new accounts;
//! [`crate::Model`] calibrates them on held-out folds.
//!
//! Two details of linfa-trees 0.8.1 shape the code:
//! - its `predict` sends a row left when `value < threshold` (its fit partitions with `<=`, which
//!   agrees on the training rows since thresholds are midpoints between distinct values); the copy
//!   routes exactly as `predict` does, and a unit test checks the copy's classes equal linfa's.
//! - a leaf's class is the first most frequent class in a `std` `HashMap`'s iteration order,
//!   which is random per map, so a tied leaf would get a random class and its pruning would vary
//!   from run to run. Fake rows therefore get sample weight `1 + 2^-10` and genuine rows `1`: exact
//!   ties become impossible in practice, a tie goes to fake (as `P(fake) >= 0.5` does), and the
//!   split scores move by less than 0.1%.
//!
//! [`DecisionTree`]: crate::DecisionTree

use linfa::prelude::*;
use linfa_trees::{DecisionTree as LinfaDecisionTree, SplitQuality, TreeNode};
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::explain::format_value;
use crate::detector::rows::{check_training_data, row_values};
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

/// Sample weight of a fake training row (genuine rows weigh 1); see the module docs.
const FAKE_WEIGHT: f32 = 1.0 + 1.0 / 1024.0;

/// Hyperparameters of a [`LinfaTree`], passed to linfa-trees (split quality Gini).
///
/// Weights are row counts here (fake rows weigh `1 + 2^-10`, see [`LinfaTree`]).
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, detectors::LinfaTreeParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into()])?;
/// let x = FeatureMatrix::new(schema, ndarray::array![[1.0], [2.0], [300.0], [400.0]])?;
/// let y = [Label::Fake, Label::Fake, Label::Genuine, Label::Genuine];
/// let tree = LinfaTreeParams::default().fit(&x, &y)?;
/// assert_eq!(tree.predict_proba(&x)?.to_vec(), vec![1.0, 1.0, 0.0, 0.0]);
/// assert_eq!(tree.predict(&x)?, y.to_vec());
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinfaTreeParams {
    max_depth: Option<usize>,
    min_weight_split: f64,
    min_weight_leaf: f64,
    min_impurity_decrease: f64,
}

impl Default for LinfaTreeParams {
    fn default() -> Self {
        LinfaTreeParams {
            max_depth: Some(8),
            min_weight_split: 2.0,
            min_weight_leaf: 1.0,
            min_impurity_decrease: 1e-5,
        }
    }
}

impl LinfaTreeParams {
    /// Maximum depth, 1 to 64, or `None` for no limit (default 8).
    pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// A node with fewer training rows than this is not split (default 2, linfa's).
    pub fn min_weight_split(mut self, min_weight_split: f64) -> Self {
        self.min_weight_split = min_weight_split;
        self
    }

    /// A split must leave at least this much weight on each side (default 1, linfa's).
    pub fn min_weight_leaf(mut self, min_weight_leaf: f64) -> Self {
        self.min_weight_leaf = min_weight_leaf;
        self
    }

    /// A split must lower the Gini impurity by at least this much (default 1e-5, linfa's; must be
    /// at least `f64::EPSILON`).
    pub fn min_impurity_decrease(mut self, min_impurity_decrease: f64) -> Self {
        self.min_impurity_decrease = min_impurity_decrease;
        self
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
        if self.max_depth == Some(0) || self.max_depth.is_some_and(|d| d > 64) {
            return bad(
                "max_depth",
                format!("must be in 1..=64 or None, got {:?}", self.max_depth),
            );
        }
        for (name, v) in [
            ("min_weight_split", self.min_weight_split),
            ("min_weight_leaf", self.min_weight_leaf),
        ] {
            if !(v.is_finite() && v >= 0.0 && v <= f32::MAX as f64) {
                return bad(name, format!("must be finite and >= 0, got {v}"));
            }
        }
        let d = self.min_impurity_decrease;
        if !(d.is_finite() && d >= f64::EPSILON) {
            return bad(
                "min_impurity_decrease",
                format!("must be finite and >= {:e}, got {d}", f64::EPSILON),
            );
        }
        Ok(())
    }

    /// Fits the tree with linfa-trees, copies it into a [`LinfaTree`] and counts the training
    /// rows at every node.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] first, then [`Error::InvalidData`] when the data cannot be trained
    /// on (no rows or features, labels of another length, a single class) or linfa fails.
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<LinfaTree> {
        self.validate()?;
        check_training_data(x, y)?;
        if x.nrows() > u32::MAX as usize {
            return Err(Error::InvalidData("too many training rows".into()));
        }
        let targets: Array1<usize> = y.iter().map(|l| l.is_fake() as usize).collect();
        let weights: Array1<f32> = y
            .iter()
            .map(|l| if l.is_fake() { FAKE_WEIGHT } else { 1.0 })
            .collect();
        let data = Dataset::new(x.values().to_owned(), targets).with_weights(weights);
        let fitted: LinfaDecisionTree<f64, usize> = LinfaDecisionTree::params()
            .split_quality(SplitQuality::Gini)
            .max_depth(self.max_depth)
            .min_weight_split(self.min_weight_split as f32)
            .min_weight_leaf(self.min_weight_leaf as f32)
            .min_impurity_decrease(self.min_impurity_decrease)
            .fit(&data)
            .map_err(|e| Error::InvalidData(format!("linfa decision tree failed: {e}")))?;
        let mut tree = LinfaTree::from_linfa(x.schema().clone(), self.clone(), &fitted)?;
        for (row, label) in x.values().rows().into_iter().zip(y) {
            let row = row.to_vec();
            let mut i = 0;
            loop {
                tree.counts[i][label.is_fake() as usize] += 1;
                if tree.is_leaf(i) {
                    break;
                }
                i = tree.child(i, &row);
            }
        }
        tree.check_stored().map_err(Error::InvalidData)?;
        Ok(tree)
    }
}

/// A fitted linfa-trees decision tree in our own flat form, with training counts at every node.
///
/// Nodes are in breadth-first order, children after their parent. P(fake) of a row is the fake
/// fraction of the training rows in its leaf (in-sample: [`crate::Model`] calibrates it); a leaf
/// no training row reaches takes its nearest ancestor's fraction. [`LinfaTree::predict`] gives
/// linfa's own leaf classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinfaTree {
    schema: FeatureSchema,
    params: LinfaTreeParams,
    /// Split feature per node (0 at leaves).
    feature: Vec<u32>,
    /// Split threshold per node: a row goes left when its value is below it (0 at leaves).
    threshold: Vec<f64>,
    /// Left child per node (0 at leaves; the root is never a child).
    left: Vec<u32>,
    /// Right child per node (0 at leaves).
    right: Vec<u32>,
    /// (genuine, fake) training rows per node.
    counts: Vec<[u32; 2]>,
    /// linfa's class at leaves, `None` at internal nodes.
    leaf_class: Vec<Option<Label>>,
}

impl LinfaTree {
    /// Copies linfa's tree breadth-first; counts start at zero.
    fn from_linfa(
        schema: FeatureSchema,
        params: LinfaTreeParams,
        fitted: &LinfaDecisionTree<f64, usize>,
    ) -> Result<LinfaTree> {
        let fail = |what: String| Error::InvalidData(format!("linfa decision tree: {what}"));
        let p = schema.len();
        let mut tree = LinfaTree {
            schema,
            params,
            feature: Vec::new(),
            threshold: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            counts: Vec::new(),
            leaf_class: Vec::new(),
        };
        let mut queue: std::collections::VecDeque<&TreeNode<f64, usize>> =
            std::collections::VecDeque::from([fitted.root_node()]);
        // Index the next node pushed on the queue will get.
        let mut next = 1usize;
        while let Some(node) = queue.pop_front() {
            tree.counts.push([0, 0]);
            if node.is_leaf() {
                let class = match node.prediction() {
                    Some(0) => Label::Genuine,
                    Some(1) => Label::Fake,
                    other => return Err(fail(format!("a leaf predicts {other:?}"))),
                };
                tree.feature.push(0);
                tree.threshold.push(0.0);
                tree.left.push(0);
                tree.right.push(0);
                tree.leaf_class.push(Some(class));
                continue;
            }
            let (feature, threshold, _) = node.split();
            if feature >= p || !threshold.is_finite() {
                return Err(fail(format!("a node splits on {feature} at {threshold}")));
            }
            let children = node.children();
            let (Some(l), Some(r)) = (children[0].as_deref(), children[1].as_deref()) else {
                return Err(fail("an internal node lacks a child".into()));
            };
            if next + 2 > u32::MAX as usize {
                return Err(fail("too many nodes".into()));
            }
            tree.feature.push(feature as u32);
            tree.threshold.push(threshold);
            tree.left.push(next as u32);
            tree.right.push(next as u32 + 1);
            tree.leaf_class.push(None);
            queue.push_back(l);
            queue.push_back(r);
            next += 2;
        }
        Ok(tree)
    }

    /// The schema it was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &LinfaTreeParams {
        &self.params
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.leaf_class.len()
    }

    /// linfa's class for each row: the majority class of its leaf's training rows (fake rows
    /// weighing `1 + 2^-10`), which is what linfa-trees' own `predict` returns.
    ///
    /// # Errors
    /// As [`Detector::predict_proba`].
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<Label>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        Ok(x.values()
            .rows()
            .into_iter()
            .map(|r| {
                let leaf = *self.path(&r.to_vec()).last().unwrap_or(&0);
                self.leaf_class[leaf].unwrap_or(Label::Genuine)
            })
            .collect())
    }

    fn is_leaf(&self, i: usize) -> bool {
        self.leaf_class[i].is_some()
    }

    /// The child of internal node `i` a row goes to, as linfa's `predict` routes it.
    fn child(&self, i: usize, row: &[f64]) -> usize {
        if row[self.feature[i] as usize] < self.threshold[i] {
            self.left[i] as usize
        } else {
            self.right[i] as usize
        }
    }

    /// The nodes from the root to the row's leaf.
    fn path(&self, row: &[f64]) -> Vec<usize> {
        let mut path = vec![0];
        let mut i = 0;
        while !self.is_leaf(i) {
            i = self.child(i, row);
            path.push(i);
        }
        path
    }

    /// P(fake) at node `i`, or `None` when no training row reached it.
    fn node_value(&self, i: usize) -> Option<f64> {
        let [g, f] = self.counts[i];
        let n = g as f64 + f as f64;
        (n > 0.0).then(|| f as f64 / n)
    }

    /// P(fake) at each node of a path, falling back to the nearest ancestor with rows.
    fn path_values(&self, path: &[usize]) -> Vec<f64> {
        let mut last = 0.0;
        path.iter()
            .map(|&i| {
                if let Some(v) = self.node_value(i) {
                    last = v;
                }
                last
            })
            .collect()
    }

    fn proba_row(&self, row: &[f64]) -> f64 {
        let path = self.path(row);
        *self.path_values(&path).last().unwrap_or(&0.0)
    }

    /// Checks a stored tree so that scoring cannot panic or loop: equal array lengths, children
    /// after their parent and each node the child of exactly one parent, split features in the
    /// schema, finite thresholds, counts that add up, and training rows at the root.
    pub(crate) fn check_stored(&self) -> std::result::Result<(), String> {
        let n = self.leaf_class.len();
        if n == 0
            || [
                self.feature.len(),
                self.threshold.len(),
                self.left.len(),
                self.right.len(),
                self.counts.len(),
            ]
            .iter()
            .any(|&len| len != n)
        {
            return Err("linfa tree node arrays are empty or of different lengths".into());
        }
        let mut parents = vec![0u8; n];
        for i in 0..n {
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            if self.is_leaf(i) {
                if l != 0 || r != 0 {
                    return Err(format!("linfa tree leaf {i} has children"));
                }
                continue;
            }
            if l <= i || r <= i || l >= n || r >= n || l == r {
                return Err(format!("linfa tree node {i} has children out of order"));
            }
            if self.feature[i] as usize >= self.schema.len() || !self.threshold[i].is_finite() {
                return Err(format!(
                    "linfa tree node {i} splits on feature {} at {}",
                    self.feature[i], self.threshold[i]
                ));
            }
            for c in [l, r] {
                parents[c] = parents[c].saturating_add(1);
            }
            let sum = |k: usize| self.counts[l][k] as u64 + self.counts[r][k] as u64;
            if sum(0) != self.counts[i][0] as u64 || sum(1) != self.counts[i][1] as u64 {
                return Err(format!("linfa tree node {i}: counts do not add up"));
            }
        }
        if parents[0] != 0 || parents[1..].iter().any(|&p| p != 1) {
            return Err("linfa tree nodes do not form a tree".into());
        }
        if self.node_value(0).is_none() {
            return Err("linfa tree has no training rows".into());
        }
        Ok(())
    }
}

impl Detector for LinfaTree {
    fn name(&self) -> &str {
        "linfa_decision_tree"
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        Ok(super::rows::score_rows(x, |r| self.proba_row(r)))
    }

    /// The splits on the row's path, each weighted by how much it moved the fake share of the
    /// training rows (the leaf's P(fake) is the root's plus all of them).
    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        let v = row_values(x, row)?;
        let path = self.path(&v);
        let values = self.path_values(&path);
        let mut reasons: Vec<Reason> = path
            .windows(2)
            .zip(values.windows(2))
            .map(|(nodes, p)| {
                let (i, child) = (nodes[0], nodes[1]);
                let f = self.feature[i] as usize;
                let name = &self.schema.names()[f];
                let below = child == self.left[i] as usize;
                let delta = p[1] - p[0];
                Reason {
                    source: name.clone(),
                    text: format!(
                        "{name} is {}, {} {}, which moves the fake share of similar training \
                         accounts from {:.1}% to {:.1}% ({}{delta:.3})",
                        format_value(v[f]),
                        if below { "below" } else { "at or above" },
                        format_value(self.threshold[i]),
                        100.0 * p[0],
                        100.0 * p[1],
                        if delta > 0.0 { "+" } else { "" },
                    ),
                    weight: delta,
                }
            })
            .collect();
        reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Ok(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::{synthetic, synthetic_with_share};
    use proptest::prelude::*;

    fn linfa_fit(x: &FeatureMatrix, y: &[Label], params: &LinfaTreeParams) -> Vec<usize> {
        let targets: Array1<usize> = y.iter().map(|l| l.is_fake() as usize).collect();
        let weights: Array1<f32> = y
            .iter()
            .map(|l| if l.is_fake() { FAKE_WEIGHT } else { 1.0 })
            .collect();
        let data = Dataset::new(x.values().to_owned(), targets).with_weights(weights);
        let fitted: LinfaDecisionTree<f64, usize> = LinfaDecisionTree::params()
            .max_depth(params.max_depth)
            .min_weight_split(params.min_weight_split as f32)
            .min_weight_leaf(params.min_weight_leaf as f32)
            .min_impurity_decrease(params.min_impurity_decrease)
            .fit(&data)
            .unwrap();
        let pred: Array1<usize> = fitted.predict(&x.values());
        pred.to_vec()
    }

    #[test]
    fn learns_separable_clusters_with_probabilities() {
        let (x, y) = synthetic(600, 4, 3);
        let t = LinfaTreeParams::default()
            .max_depth(Some(4))
            .fit(&x, &y)
            .unwrap();
        let p = t.predict_proba(&x).unwrap();
        assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
        // Leaves hold counts, not votes.
        assert!(p.iter().any(|p| *p > 0.0 && *p < 1.0));
        let acc = p
            .iter()
            .zip(&y)
            .filter(|(p, l)| (**p >= 0.5) == l.is_fake())
            .count() as f64
            / 600.0;
        assert!(acc > 0.85, "{acc}");
        assert!(t.n_nodes() <= 31);
        // Fakes have lower f0: the first split is on f0 and the low side is the fakes' side.
        assert_eq!(t.feature[0], 0);
        let low = t.node_value(t.left[0] as usize).unwrap();
        let high = t.node_value(t.right[0] as usize).unwrap();
        assert!(low > 0.5 && high < 0.5, "{low} {high}");
    }

    #[test]
    fn classes_equal_linfa_predict_and_agree_with_leaf_fractions() {
        for (seed, share, params) in [
            (5, 0.4, LinfaTreeParams::default()),
            (6, 0.2, LinfaTreeParams::default().max_depth(Some(3))),
            (7, 0.5, LinfaTreeParams::default().max_depth(None)),
            (8, 0.3, LinfaTreeParams::default().min_weight_leaf(10.0)),
        ] {
            let (x, y) = synthetic_with_share(400, 3, seed, share);
            let t = params.fit(&x, &y).unwrap();
            let ours = t.predict(&x).unwrap();
            let theirs = linfa_fit(&x, &y, &params);
            let theirs: Vec<Label> = theirs
                .iter()
                .map(|c| if *c == 1 { Label::Fake } else { Label::Genuine })
                .collect();
            assert_eq!(ours, theirs, "seed {seed}");
            // Our leaf fraction says the same class wherever the leaf is not a near-tie.
            let p = t.predict_proba(&x).unwrap();
            for (r, (p, c)) in p.iter().zip(&ours).enumerate() {
                assert_eq!(*p >= 0.5, c.is_fake(), "seed {seed}, row {r}, p {p}");
            }
        }
    }

    #[test]
    fn refitting_gives_the_same_tree() {
        // f0 = 0: 4 fake, 6 genuine; f0 = 1: 5 and 5, a tied leaf. Unweighted, linfa gives the
        // tied leaf a class in HashMap order, and when that class is genuine it prunes the split
        // away, so fits would differ from run to run.
        let schema = FeatureSchema::new("tie", 1, vec!["f0".into()]).unwrap();
        let values: Vec<f64> = (0..20).map(|r| (r / 10) as f64).collect();
        let x =
            FeatureMatrix::new(schema, Array1::from(values).insert_axis(ndarray::Axis(1))).unwrap();
        let y: Vec<Label> = (0..20)
            .map(|r| {
                if r % 10 < 4 + r / 10 {
                    Label::Fake
                } else {
                    Label::Genuine
                }
            })
            .collect();
        let first = LinfaTreeParams::default().fit(&x, &y).unwrap();
        assert_eq!(first.n_nodes(), 3);
        assert_eq!(first.leaf_class[2], Some(Label::Fake), "a tie goes to fake");
        assert_eq!(first.predict_proba(&x).unwrap()[15], 0.5);
        for _ in 0..20 {
            assert_eq!(LinfaTreeParams::default().fit(&x, &y).unwrap(), first);
        }
    }

    #[test]
    fn explains_the_path_in_words() {
        let (x, y) = synthetic(400, 3, 11);
        let t = LinfaTreeParams::default()
            .max_depth(Some(3))
            .fit(&x, &y)
            .unwrap();
        let reasons = t.explain(&x, 0).unwrap();
        let path = t.path(&x.values().row(0).to_vec());
        assert_eq!(reasons.len(), path.len() - 1);
        assert!(!reasons.is_empty());
        let root = t.node_value(0).unwrap();
        let sum: f64 = reasons.iter().map(|r| r.weight).sum();
        let p = t.predict_proba(&x).unwrap()[0];
        assert!((root + sum - p).abs() < 1e-12);
        assert!(reasons
            .windows(2)
            .all(|w| w[0].weight.abs() >= w[1].weight.abs()));
        let r = &reasons[0];
        assert!(
            r.text.starts_with(&format!("{} is ", r.source)),
            "{}",
            r.text
        );
        assert!(r.text.contains("fake share"), "{}", r.text);
        assert!(t.explain(&x, 400).is_err());
    }

    #[test]
    fn schema_mismatch_and_bad_params_are_errors() {
        let (x, y) = synthetic(200, 3, 12);
        let t = LinfaTreeParams::default().fit(&x, &y).unwrap();
        let (other, _) = synthetic(10, 4, 12);
        assert!(matches!(
            t.predict_proba(&other),
            Err(Error::SchemaMismatch { .. })
        ));
        assert!(matches!(
            t.explain(&other, 0),
            Err(Error::SchemaMismatch { .. })
        ));
        assert!(matches!(
            t.predict(&other),
            Err(Error::SchemaMismatch { .. })
        ));
        for (params, name) in [
            (LinfaTreeParams::default().max_depth(Some(0)), "max_depth"),
            (LinfaTreeParams::default().max_depth(Some(65)), "max_depth"),
            (
                LinfaTreeParams::default().min_weight_leaf(-1.0),
                "min_weight_leaf",
            ),
            (
                LinfaTreeParams::default().min_weight_split(f64::NAN),
                "min_weight_split",
            ),
            (
                LinfaTreeParams::default().min_impurity_decrease(0.0),
                "min_impurity_decrease",
            ),
        ] {
            match params.fit(&x, &y) {
                Err(Error::InvalidParams { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        let one_class = vec![Label::Fake; 200];
        assert!(matches!(
            LinfaTreeParams::default().fit(&x, &one_class),
            Err(Error::InvalidData(_))
        ));
    }

    #[test]
    fn serde_round_trip_and_garbage_rejected() {
        let (x, y) = synthetic(300, 4, 13);
        let t = LinfaTreeParams::default().fit(&x, &y).unwrap();
        let bytes = postcard::to_allocvec(&t).unwrap();
        let back: LinfaTree = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(
            back.predict_proba(&x).unwrap(),
            t.predict_proba(&x).unwrap()
        );
        assert!(t.n_nodes() > 1);

        let mut cycle = t.clone();
        cycle.left[0] = 0;
        let mut far = t.clone();
        far.right[0] = u32::MAX;
        let mut feature = t.clone();
        feature.feature[0] = 99;
        let mut nan = t.clone();
        nan.threshold[0] = f64::NAN;
        let mut short = t.clone();
        short.counts.pop();
        let mut counts = t.clone();
        counts.counts[0][1] += 1;
        let mut leaf = t.clone();
        leaf.leaf_class[0] = Some(Label::Fake);
        for bad in [cycle, far, feature, nan, short, counts, leaf] {
            assert!(bad.check_stored().is_err());
            assert!(matches!(bad.predict_proba(&x), Err(Error::Model(_))));
        }
    }

    proptest! {
        #[test]
        fn probabilities_stay_in_unit_interval(seed in 0u64..1000, n in 10usize..80) {
            let (x, y) = synthetic(n, 2, seed);
            prop_assume!(y.iter().any(|l| l.is_fake()) && y.iter().any(|l| !l.is_fake()));
            let t = LinfaTreeParams::default().fit(&x, &y).unwrap();
            let p = t.predict_proba(&x).unwrap();
            prop_assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
            prop_assert!(t.check_stored().is_ok());
        }
    }
}
