//! A random forest of our own: per-split feature sampling, leaves that keep class counts,
//! parallel seeded fitting and block-wise scoring over flattened node arrays.
//!
//! # Fitting
//! Every feature is quantized once into at most 256 bins whose edges are midpoints between
//! consecutive distinct training values (all distinct values when there are at most 256 of them,
//! otherwise edges at quantiles). A node's best split is then found from per-bin class-count
//! histograms of the features drawn for that split (Gini impurity, bootstrap multiplicities as
//! weights). Each tree has its own `ChaCha8Rng` seeded from `(seed, tree index)`, so the fitted
//! forest is identical whatever the number of rayon threads.
//!
//! # Scoring
//! Trees are stored in breadth-first order as packed 16-byte nodes (threshold `f64`, feature
//! `u32`, left child `u32`; the right child is always `left + 1`). A leaf points to itself with
//! an infinite threshold. These nodes serve scoring and explanations when the fast form below
//! does not apply: rows in blocks, tree by tree, 16 rows walking a fixed number of steps (the
//! tree's depth) in lockstep, comparing in `f64` on the caller's values.
//!
//! The fast form is derived when a forest is fitted or decoded (it is never stored): each value
//! of a feature used by splits is replaced by its exact rank among that feature's distinct
//! thresholds (so `x > t` becomes a comparison of small integers that routes every row exactly
//! as the `f64` comparison does), and all trees are chained into one array of 4-byte nodes in
//! which a leaf leads straight on to the next tree's root. A handful of rows walk the chain
//! side by side, each to its own end, without a branch on leaves; each row's leaf values are
//! added in tree order, so the result is bit for bit that of the plain walk. The fast form is
//! kept when it applies (at most 255 distinct thresholds per feature, 65,535 nodes in all) and
//! its estimated cost (ranking plus the expected paths) is below the plain kernel's.

use std::borrow::Cow;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::detector::explain::{top_reasons_from_contributions, Briefs};
use crate::detector::rows::row_values;
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

mod grow;
mod nodes;
mod params;
mod ranked;
mod repr;

use self::nodes::Tree;
pub use self::params::{MaxFeatures, RandomForestParams};
use self::ranked::RankedForest;
use self::repr::ForestRepr;

/// Rows per scoring block: one block's rows (up to 512 x features x 8 bytes) and a tree's nodes
/// share the cache.
const BLOCK: usize = 512;
/// Rows walked through a tree in lockstep.
const LANES: usize = 16;

/// Per-feature contributions to one row's P(fake) (Saabas-style path attribution).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contributions {
    /// The forest's mean P(fake) at the root (the training fake share seen by the trees).
    pub bias: f64,
    /// One entry per schema feature: the summed change of P(fake) along the decision paths at
    /// the splits on that feature, averaged over trees. `bias + sum(per_feature)` is the row's
    /// P(fake).
    pub per_feature: Vec<f64>,
}

/// A fitted random forest: P(fake) is the mean over trees of the leaf's fake fraction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "ForestRepr", try_from = "ForestRepr")]
pub struct RandomForest {
    schema: FeatureSchema,
    params: RandomForestParams,
    trees: Vec<Tree>,
    /// The ranked scoring form of `trees`, when it applies.
    ranked: Option<RankedForest>,
}

impl RandomForest {
    /// The schema the forest was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &RandomForestParams {
        &self.params
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Total number of nodes over all trees.
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }

    /// P(fake) for each row of a raw value matrix whose columns follow [`RandomForest::schema`].
    ///
    /// This is the scoring kernel behind [`Detector::predict_proba`], for callers that hold plain
    /// arrays. Values should be finite (a NaN goes left at every split).
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] when the column count differs from the schema's.
    pub fn predict_proba_values(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let p = self.schema.len();
        let data = self.row_major(x)?;
        let mut out = vec![0.0; x.nrows()];
        // Blocks of rows by index: with no column, every row is the empty slice.
        out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, acc)| {
            let rows = &data[b * BLOCK * p..(b * BLOCK + acc.len()) * p];
            match &self.ranked {
                Some(r) => r.score_block(rows, p, acc),
                None => self.score_block(rows, p, acc),
            }
        });
        let k = 1.0 / self.trees.len() as f64;
        Ok(Array1::from_iter(out.into_iter().map(|s| s * k)))
    }

    /// The values of `x` row after row (borrowed when they lie so already), once its column
    /// count is checked against the schema's.
    fn row_major<'a>(&self, x: ArrayView2<'a, f64>) -> Result<Cow<'a, [f64]>> {
        if x.ncols() != self.schema.len() {
            return Err(Error::SchemaMismatch {
                expected: self.schema.describe(),
                found: format!("a matrix with {} columns", x.ncols()),
            });
        }
        Ok(match x.to_slice() {
            Some(cells) => Cow::Borrowed(cells),
            None => Cow::Owned(x.iter().copied().collect()),
        })
    }

    /// Adds every tree's leaf value for each row of `rows` (row-major, `p` columns) to `acc`.
    fn score_block(&self, rows: &[f64], p: usize, acc: &mut [f64]) {
        for tree in &self.trees {
            let nodes = &tree.nodes[..];
            let value = &tree.value[..];
            let start = acc.len() - acc.len() % LANES;
            let mut groups = acc.chunks_exact_mut(LANES);
            for (g, out) in groups.by_ref().enumerate() {
                let base = g * LANES * p;
                let rows = &rows[base..base + LANES * p];
                let mut idx = [0usize; LANES];
                for _ in 0..tree.depth {
                    for (k, i) in idx.iter_mut().enumerate() {
                        let n = nodes[*i];
                        let x = rows[k * p + n.feature as usize];
                        *i = n.left as usize + (x > n.threshold) as usize;
                    }
                }
                for (o, i) in out.iter_mut().zip(idx) {
                    *o += value[i];
                }
            }
            let rem = groups.into_remainder();
            for (k, o) in rem.iter_mut().enumerate() {
                let row = &rows[(start + k) * p..(start + k + 1) * p];
                *o += value[tree.leaf_of(row)];
            }
        }
    }

    /// Saabas-style contributions of each feature to row `row`'s P(fake).
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] for another schema; [`Error::InvalidData`] when `row` is out of
    /// range.
    pub fn contributions(&self, x: &FeatureMatrix, row: usize) -> Result<Contributions> {
        self.schema.check(x.schema())?;
        let values = row_values(x, row)?;
        let mut per_feature = vec![0.0; self.schema.len()];
        let bias = self.trees.iter().fold(0.0, |b, t| b + t.value[0]);
        self.fill_contributions(&values, &mut per_feature);
        let k = 1.0 / self.trees.len() as f64;
        Ok(Contributions {
            bias: bias * k,
            per_feature,
        })
    }

    /// The first `k` of a row's reasons, from its values (a schema-long row, not checked):
    /// what [`Detector::explain_top`] gives, with `per_feature` (any schema-long buffer,
    /// overwritten) as the contributions' room.
    pub(crate) fn explain_values(
        &self,
        values: &[f64],
        k: usize,
        per_feature: &mut [f64],
    ) -> Vec<Reason> {
        self.reasons_with(values, k, per_feature, |c| {
            self.fill_contributions(values, c)
        })
    }

    /// The first `k` reasons of the row `values`, its contributions put into `per_feature`
    /// (zeroed first) by `contributions`.
    fn reasons_with(
        &self,
        values: &[f64],
        k: usize,
        per_feature: &mut [f64],
        contributions: impl FnOnce(&mut [f64]),
    ) -> Vec<Reason> {
        per_feature.fill(0.0);
        contributions(per_feature);
        top_reasons_from_contributions(&self.schema, values, per_feature, k)
    }

    /// Raw P(fake) of every row of `x` (as [`RandomForest::predict_proba_values`] gives it,
    /// bit for bit) and its first `k` reasons, not yet in words (in words, those of
    /// [`Detector::explain_top`]), each row walked once for both when the ranked form
    /// applies. Columns are not checked by name.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] when the column count differs from the schema's.
    pub(crate) fn score_and_explain_values(
        &self,
        x: ArrayView2<'_, f64>,
        k: usize,
    ) -> Result<(Array1<f64>, Briefs)> {
        let p = self.schema.len();
        let data = self.row_major(x)?;
        let (Some(ranked), true) = (&self.ranked, p > 0) else {
            // Scored, then explained in pieces over the pool.
            let proba = self.predict_proba_values(x)?;
            let rows: Vec<&[f64]> = (0..x.nrows()).map(|r| &data[r * p..(r + 1) * p]).collect();
            let pieces: Vec<Briefs> = rows
                .par_chunks(BLOCK)
                .map(|rows| {
                    let mut per_feature = vec![0.0; p];
                    let mut briefs = Briefs::with_capacity(rows.len(), k);
                    for v in rows {
                        per_feature.fill(0.0);
                        self.fill_contributions(v, &mut per_feature);
                        briefs.push_row(&self.schema, v, &per_feature, k);
                    }
                    briefs
                })
                .collect();
            let mut briefs = Briefs::with_capacity(x.nrows(), k);
            pieces.into_iter().for_each(|b| briefs.append(b));
            return Ok((proba, briefs));
        };
        let width = ranked.columns.len();
        let blocks: Vec<(Vec<f64>, Briefs)> = data
            .par_chunks(BLOCK * p)
            .map(|rows| {
                let n = rows.len() / p;
                let (mut acc, mut sums) = (vec![0.0; n], vec![0.0; n * width]);
                ranked.score_and_contributions_block(rows, p, &mut acc, &mut sums);
                let mut per_feature = vec![0.0; p];
                let mut briefs = Briefs::with_capacity(n, k);
                for r in 0..n {
                    per_feature.fill(0.0);
                    ranked.scatter(&sums[r * width..(r + 1) * width], &mut per_feature);
                    self.scale(&mut per_feature);
                    briefs.push_row(&self.schema, &rows[r * p..(r + 1) * p], &per_feature, k);
                }
                (acc, briefs)
            })
            .collect();
        let scale = 1.0 / self.trees.len() as f64;
        let mut proba = Vec::with_capacity(x.nrows());
        let mut briefs = Briefs::with_capacity(x.nrows(), k);
        for (acc, b) in blocks {
            proba.extend(acc.into_iter().map(|s| s * scale));
            briefs.append(b);
        }
        Ok((Array1::from(proba), briefs))
    }

    /// Adds the path contributions of the row `values` to `per_feature` (zeroed by the
    /// caller), each divided by the number of trees.
    fn fill_contributions(&self, values: &[f64], per_feature: &mut [f64]) {
        match &self.ranked {
            Some(ranked) => ranked.add_contributions(values, per_feature),
            None => {
                for tree in &self.trees {
                    let mut i = 0;
                    while !tree.is_leaf(i) {
                        let n = tree.nodes[i];
                        let next =
                            n.left as usize + (values[n.feature as usize] > n.threshold) as usize;
                        per_feature[n.feature as usize] += tree.value[next] - tree.value[i];
                        i = next;
                    }
                }
            }
        }
        self.scale(per_feature);
    }

    /// Divides summed contributions by the number of trees.
    fn scale(&self, per_feature: &mut [f64]) {
        let k = 1.0 / self.trees.len() as f64;
        per_feature.iter_mut().for_each(|c| *c *= k);
    }
}

impl RandomForest {
    /// A forest of fitted or decoded trees, with its ranked scoring form when it applies.
    fn from_trees(
        schema: FeatureSchema,
        params: RandomForestParams,
        trees: Vec<Tree>,
    ) -> RandomForest {
        RandomForest {
            ranked: RankedForest::when_it_pays(&trees, schema.len()),
            schema,
            params,
            trees,
        }
    }
}

impl Detector for RandomForest {
    fn name(&self) -> &str {
        "random_forest"
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.schema.check(x.schema())?;
        self.predict_proba_values(x.values())
    }

    /// The features of the split nodes: a row's path, hence its score, and its contributions
    /// (non-zero only at splits, and only those become reasons) read nothing else.
    fn used_features(&self) -> Option<Vec<usize>> {
        let mut used = vec![false; self.schema.len()];
        for tree in &self.trees {
            for (i, n) in tree.nodes.iter().enumerate() {
                if !tree.is_leaf(i) {
                    used[n.feature as usize] = true;
                }
            }
        }
        Some((0..used.len()).filter(|&f| used[f]).collect())
    }

    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.explain_top(x, row, usize::MAX)
    }

    fn explain_top(&self, x: &FeatureMatrix, row: usize, k: usize) -> Result<Vec<Reason>> {
        self.schema.check(x.schema())?;
        let values = row_values(x, row)?;
        let mut per_feature = vec![0.0; self.schema.len()];
        Ok(self.explain_values(&values, k, &mut per_feature))
    }
}

impl From<RandomForest> for ForestRepr {
    fn from(f: RandomForest) -> ForestRepr {
        ForestRepr::new(f.schema, f.params, &f.trees)
    }
}

impl TryFrom<ForestRepr> for RandomForest {
    type Error = String;

    fn try_from(r: ForestRepr) -> std::result::Result<RandomForest, String> {
        let (schema, params, trees) = r.into_parts()?;
        Ok(RandomForest::from_trees(schema, params, trees))
    }
}

#[cfg(test)]
mod tests {
    use super::nodes::Node;
    use super::ranked::SLOTS;
    use super::repr::TreeRepr;
    use super::*;
    use crate::account::Label;
    use crate::detector::testdata::synthetic;
    use crate::model::FittedDetector;
    use ndarray::Array2;
    use proptest::prelude::*;
    use rand::Rng;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn accuracy(p: &Array1<f64>, y: &[Label]) -> f64 {
        p.iter()
            .zip(y)
            .filter(|(p, y)| (**p > 0.5) == y.is_fake())
            .count() as f64
            / y.len() as f64
    }

    #[test]
    fn constant_columns_change_nothing() {
        // An export without some fields gives zeroed columns: the forest must be the forest of
        // the varying columns alone (it drew its candidates among all columns before: here 6
        // draws among 44 columns, about half a real candidate per split).
        let (x, y) = synthetic(500, 4, 3);
        let wide_names: Vec<String> = (0..44).map(|c| format!("c{c}")).collect();
        let mut wide = Array2::zeros((x.nrows(), 44));
        for c in 0..4 {
            // The varying columns at 0, 11, 22, 33; every other column is 0.
            wide.column_mut(c * 11).assign(&x.values().column(c));
        }
        let wide =
            FeatureMatrix::new(FeatureSchema::new("wide", 1, wide_names).unwrap(), wide).unwrap();
        let params = RandomForestParams::default().n_trees(20).seed(5);
        let (narrow_fit, wide_fit) = (params.fit(&x, &y).unwrap(), params.fit(&wide, &y).unwrap());
        let (xt, _) = synthetic(300, 4, 4);
        let mut wide_t = Array2::zeros((xt.nrows(), 44));
        for c in 0..4 {
            wide_t.column_mut(c * 11).assign(&xt.values().column(c));
        }
        let wide_t = FeatureMatrix::new(wide.schema().clone(), wide_t).unwrap();
        assert_eq!(
            narrow_fit.predict_proba(&xt).unwrap(),
            wide_fit.predict_proba(&wide_t).unwrap()
        );
    }

    #[test]
    fn a_column_constant_within_a_node_does_not_use_up_its_draw() {
        // Fake exactly when both flags are set. Whichever flag the root splits on, the
        // child where it is 1 must go on to split on the other, though it draws one
        // candidate a split: the flag already split on is constant there and is passed over.
        // Counting it (as the forest did) left about half of those children as leaves at
        // P(fake) 0.5.
        let names = vec!["a".to_string(), "b".to_string()];
        let schema = FeatureSchema::new("flags", 1, names).unwrap();
        let cells: Vec<f64> = (0..400)
            .flat_map(|i| [f64::from(i % 2), f64::from((i / 2) % 2)])
            .collect();
        let x = FeatureMatrix::new(
            schema.clone(),
            Array2::from_shape_vec((400, 2), cells).unwrap(),
        )
        .unwrap();
        let y: Vec<Label> = (0..400)
            .map(|i| {
                if i % 2 == 1 && (i / 2) % 2 == 1 {
                    Label::Fake
                } else {
                    Label::Genuine
                }
            })
            .collect();
        let forest = RandomForestParams::default()
            .n_trees(20)
            .max_features(MaxFeatures::Count(1))
            .max_depth(Some(2))
            .seed(3)
            .fit(&x, &y)
            .unwrap();
        let corners = ndarray::array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
        let p = forest
            .predict_proba(&FeatureMatrix::new(schema, corners).unwrap())
            .unwrap();
        assert_eq!(p.to_vec(), vec![0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn learns_separable_clusters() {
        let (x, y) = synthetic(600, 6, 1);
        let (xt, yt) = synthetic(400, 6, 2);
        let f = RandomForestParams::default()
            .n_trees(30)
            .fit(&x, &y)
            .unwrap();
        let acc = accuracy(&f.predict_proba(&xt).unwrap(), &yt);
        assert!(acc > 0.9, "accuracy {acc}");
    }

    #[test]
    fn same_seed_same_forest_any_thread_count() {
        let (x, y) = synthetic(300, 5, 3);
        let params = RandomForestParams::default().n_trees(16).seed(9);
        let a = params.fit(&x, &y).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| params.fit(&x, &y).unwrap());
        assert_eq!(a, b);
        let c = params.clone().seed(10).fit(&x, &y).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn block_scoring_equals_per_row_walk() {
        let (x, y) = synthetic(1500, 4, 4);
        let f = RandomForestParams::default()
            .n_trees(7)
            .max_depth(Some(9))
            .fit(&x, &y)
            .unwrap();
        let fast = f.predict_proba(&x).unwrap();
        for r in 0..x.nrows() {
            let row = x.values().row(r).to_vec();
            let slow: f64 = f
                .trees
                .iter()
                .map(|t| t.value[t.leaf_of(&row)])
                .sum::<f64>()
                / 7.0;
            assert!((fast[r] - slow).abs() < 1e-12, "row {r}");
        }
    }

    #[test]
    fn contributions_add_up_to_the_probability() {
        let (x, y) = synthetic(400, 5, 5);
        let f = RandomForestParams::default()
            .n_trees(10)
            .fit(&x, &y)
            .unwrap();
        let p = f.predict_proba(&x).unwrap();
        for r in [0, 7, 99] {
            let c = f.contributions(&x, r).unwrap();
            let total = c.bias + c.per_feature.iter().sum::<f64>();
            assert!((total - p[r]).abs() < 1e-9);
        }
        // The informative features dominate.
        let reasons = f.explain(&x, 0).unwrap();
        assert!(reasons[0].source == "f0" || reasons[0].source == "f1");
        assert!(f.explain(&x, 400).is_err());
    }

    #[test]
    fn leaves_respect_depth_and_min_samples_leaf() {
        let (x, y) = synthetic(500, 4, 6);
        let f = RandomForestParams::default()
            .n_trees(5)
            .max_depth(Some(3))
            .min_samples_leaf(20)
            .fit(&x, &y)
            .unwrap();
        for t in &f.trees {
            assert!(t.depth <= 3);
            for (i, c) in t.counts.iter().enumerate() {
                if t.is_leaf(i) {
                    assert!(c[0] + c[1] >= 20);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_params_and_data() {
        let (x, y) = synthetic(50, 3, 7);
        assert!(matches!(
            RandomForestParams::default().n_trees(0).fit(&x, &y),
            Err(Error::InvalidParams { .. })
        ));
        assert!(matches!(
            RandomForestParams::default()
                .max_features(MaxFeatures::Fraction(1.5))
                .fit(&x, &y),
            Err(Error::InvalidParams { .. })
        ));
        let ones = vec![Label::Fake; 50];
        assert!(matches!(
            RandomForestParams::default().fit(&x, &ones),
            Err(Error::InvalidData(_))
        ));
        assert!(RandomForestParams::default().fit(&x, &y[..10]).is_err());
        let other = FeatureSchema::new("other", 1, vec!["a".into(), "b".into(), "c".into()]);
        let f = RandomForestParams::default()
            .n_trees(2)
            .fit(&x, &y)
            .unwrap();
        let xo = FeatureMatrix::new(other.unwrap(), x.values().to_owned()).unwrap();
        assert!(matches!(
            f.predict_proba(&xo),
            Err(Error::SchemaMismatch { .. })
        ));
    }

    #[test]
    fn serde_round_trip_and_garbage_rejected() {
        let (x, y) = synthetic(300, 4, 8);
        let f = RandomForestParams::default()
            .n_trees(5)
            .fit(&x, &y)
            .unwrap();
        let bytes = postcard::to_allocvec(&f).unwrap();
        let g: RandomForest = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(f, g);
        let mut repr = ForestRepr::from(f.clone());
        repr.trees[0].left[0] = 0xFFFF;
        assert!(RandomForest::try_from(repr).is_err());
    }

    /// The straightforward per-row walk: leaf values summed in tree order, times 1/n_trees.
    fn per_row_walk(f: &RandomForest, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let k = 1.0 / f.trees.len() as f64;
        x.rows()
            .into_iter()
            .map(|row| {
                let row = row.to_vec();
                let mut s = 0.0;
                for t in &f.trees {
                    s += t.value[t.leaf_of(&row)];
                }
                s * k
            })
            .collect()
    }

    fn assert_bit_identical(f: &RandomForest, x: ArrayView2<'_, f64>) {
        let fast = f.predict_proba_values(x).unwrap();
        let slow = per_row_walk(f, x);
        assert_eq!(fast.len(), slow.len());
        for (r, (a, b)) in fast.iter().zip(&slow).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "row {r}: {a} vs {b}");
        }
    }

    fn default_forest() -> RandomForest {
        match crate::Model::default_twitter().detector() {
            FittedDetector::RandomForest(f) => f.clone(),
            other => panic!("the default model is not a forest: {other:?}"),
        }
    }

    /// Every distinct split threshold of `f`, per schema column.
    fn thresholds_by_column(f: &RandomForest) -> Vec<Vec<f64>> {
        let mut by = vec![Vec::new(); f.schema.len()];
        for t in &f.trees {
            for (i, n) in t.nodes.iter().enumerate() {
                if !t.is_leaf(i) {
                    by[n.feature as usize].push(n.threshold);
                }
            }
        }
        by
    }

    /// Rows whose values sit on, just above and just below the thresholds, and at the special
    /// values (NaN, infinities, signed zeros), mixed at random across columns.
    fn adversarial_rows(f: &RandomForest, n: usize, seed: u64) -> Array2<f64> {
        let by = thresholds_by_column(f);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let special = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
        ];
        Array2::from_shape_fn((n, f.schema.len()), |(_, c)| {
            let ts = &by[c];
            if ts.is_empty() || rng.gen_bool(0.1) {
                return special[rng.gen_range(0..special.len())];
            }
            let t = ts[rng.gen_range(0..ts.len())];
            match rng.gen_range(0..3) {
                0 => t,
                1 => next_up(t),
                _ => next_down(t),
            }
        })
    }

    fn next_up(x: f64) -> f64 {
        if x.is_nan() || x == f64::INFINITY {
            x
        } else if x == 0.0 {
            f64::from_bits(1)
        } else if x > 0.0 {
            f64::from_bits(x.to_bits() + 1)
        } else {
            f64::from_bits(x.to_bits() - 1)
        }
    }

    fn next_down(x: f64) -> f64 {
        -next_up(-x)
    }

    #[test]
    fn default_model_uses_the_ranked_kernel() {
        let f = default_forest();
        assert!(f.ranked.is_some());
        // The ranked form is rebuilt on decoding, not stored.
        let g: RandomForest = postcard::from_bytes(&postcard::to_allocvec(&f).unwrap()).unwrap();
        assert_eq!(f, g);
    }

    #[test]
    fn ranked_form_is_kept_only_where_it_pays() {
        // 100 trees, paths of ~6 splits, ~120 search steps per row: ranked.
        assert!(default_forest().ranked.is_some());
        // Three deep trees over features with many thresholds: ranking would cost more than
        // the walk saves.
        let mut rng = ChaCha8Rng::seed_from_u64(41);
        let schema = FeatureSchema::new("noise", 1, (0..20).map(|i| format!("f{i}")).collect());
        let values = Array2::from_shape_simple_fn((3000, 20), || rng.gen::<f64>());
        let x = FeatureMatrix::new(schema.unwrap(), values).unwrap();
        let y: Vec<Label> = (0..3000)
            .map(|_| [Label::Genuine, Label::Fake][rng.gen_range(0..2)])
            .collect();
        let few = RandomForestParams::default()
            .n_trees(3)
            .seed(42)
            .fit(&x, &y)
            .unwrap();
        assert!(RankedForest::build(&few.trees, 20).is_some());
        assert!(few.ranked.is_none());
        assert_bit_identical(&few, x.values());
        // The estimate of the path length: a stump with 3 rows left and 1 right.
        let stump = Tree {
            nodes: vec![
                Node {
                    threshold: 0.5,
                    feature: 0,
                    left: 1,
                },
                Node {
                    threshold: f64::INFINITY,
                    feature: 0,
                    left: 1,
                },
                Node {
                    threshold: f64::INFINITY,
                    feature: 0,
                    left: 2,
                },
            ],
            value: vec![0.5, 0.0, 1.0],
            counts: vec![[2, 2], [2, 1], [0, 1]],
            depth: 1,
        };
        assert_eq!(stump.mean_path(), 1.0);
    }

    /// Contributions walked on ranks through the chained trees are the plain walk's, bit for
    /// bit, on rows placed on, between and beyond the thresholds.
    #[test]
    fn ranked_contributions_are_the_plain_walks_bit_for_bit() {
        let f = default_forest();
        assert!(f.ranked.is_some());
        let plain = RandomForest {
            ranked: None,
            ..f.clone()
        };
        // A feature matrix holds finite values only: NaN and the infinities become 0 and the
        // largest finite values.
        let rows = adversarial_rows(&f, 300, 11).mapv(|v| match v {
            v if v.is_nan() => 0.0,
            v if v.is_infinite() => v.signum() * f64::MAX,
            v => v,
        });
        let x = FeatureMatrix::new(f.schema.clone(), rows).unwrap();
        let mut nonzero = 0;
        for row in 0..x.nrows() {
            let (a, b) = (
                f.contributions(&x, row).unwrap(),
                plain.contributions(&x, row).unwrap(),
            );
            assert_eq!(a.bias.to_bits(), b.bias.to_bits());
            for (c, (u, v)) in a.per_feature.iter().zip(&b.per_feature).enumerate() {
                assert_eq!(
                    u.to_bits(),
                    v.to_bits(),
                    "row {row}, column {c}: {u} vs {v}"
                );
                nonzero += usize::from(*u != 0.0);
            }
        }
        assert!(nonzero > 300, "the rows reach splits");
    }

    /// Scores and reasons of rows walked together (six lanes at a time, each lane refilled as
    /// its row ends, scores and contributions from the same walk) are those of the plain walk
    /// row by row: the same scores to the bit, the same features, weights to the bit and
    /// words; for all rows, a subset and one row, any `k`; on the default forest and on random
    /// ones (single-leaf trees, special thresholds, no split at all).
    #[test]
    fn rows_explained_together_get_the_plain_walks_reasons() {
        let mut rng = ChaCha8Rng::seed_from_u64(41);
        let pool = threshold_pool(&mut rng, 40);
        let forests = [
            (default_forest(), 500),
            (random_forest(42, 30, 5, &pool, 0.6), 300),
            (random_forest(43, 4, 3, &pool, 0.0), 20),
        ];
        for (f, n) in forests {
            assert!(f.ranked.is_some());
            let plain = RandomForest {
                ranked: None,
                ..f.clone()
            };
            let rows = adversarial_rows(&f, n, 12).mapv(|v| if v.is_finite() { v } else { 0.0 });
            let x = FeatureMatrix::new(f.schema.clone(), rows.clone()).unwrap();
            let d = x.values().ncols();
            let picked: Vec<usize> = (0..n).filter(|r| r % 7 != 3).collect();
            let some = rows.select(ndarray::Axis(0), &picked);
            let first = rows.select(ndarray::Axis(0), &[0]);
            // Scores and reasons from one walk: the plain kernel's scores to the bit.
            let want_p = plain.predict_proba(&x).unwrap();
            for (k, view, index) in [
                (3, rows.view(), (0..n).collect::<Vec<_>>()),
                (0, rows.view(), (0..n).collect()),
                (d, some.view(), picked.clone()),
                (d + 1, some.view(), picked.clone()),
                (usize::MAX, some.view(), picked.clone()),
                (2, first.view(), vec![0]),
            ] {
                let (p, briefs) = f.score_and_explain_values(view, k).unwrap();
                let reasons = briefs.worded(&f.schema);
                assert_eq!((p.len(), reasons.len()), (index.len(), index.len()));
                for ((a, got), &row) in p.iter().zip(&reasons).zip(&index) {
                    assert_eq!(a.to_bits(), want_p[row].to_bits(), "row {row}");
                    let want = plain.explain_top(&x, row, k).unwrap();
                    assert_eq!(got.len(), want.len(), "row {row}, k {k}");
                    for (g, w) in got.iter().zip(&want) {
                        assert_eq!((&g.source, &g.text), (&w.source, &w.text), "row {row}");
                        assert_eq!(g.weight.to_bits(), w.weight.to_bits(), "row {row}");
                    }
                }
            }
        }
    }

    #[test]
    fn ranked_kernel_is_bit_identical_on_adversarial_rows() {
        let f = default_forest();
        for (n, seed) in [
            (0, 1),
            (1, 2),
            (7, 3),
            (8, 4),
            (9, 5),
            (15, 6),
            (17, 7),
            (513, 8),
        ] {
            assert_bit_identical(&f, adversarial_rows(&f, n, seed).view());
        }
        assert_bit_identical(&f, adversarial_rows(&f, 5000, 9).view());
    }

    #[test]
    fn ranked_kernel_is_bit_identical_on_realistic_and_random_rows() {
        let f = default_forest();
        let accounts: Vec<_> = crate::synth::FollowerListSpec::new(3000)
            .fake_share(0.3)
            .seed(11)
            .build()
            .unwrap()
            .iter()
            .collect();
        let x = crate::FeatureExtractor::new(crate::FeatureSet::Twitter).extract(&accounts);
        assert_bit_identical(&f, x.values());
        // A column-major (non-standard layout) view takes the copying path.
        let columns_first = x.values().t().as_standard_layout().to_owned();
        assert!(!columns_first.t().is_standard_layout());
        assert_bit_identical(&f, columns_first.t());
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let random = Array2::from_shape_fn((1031, f.schema.len()), |_| {
            rng.gen_range(-10.0..10.0) * 10f64.powi(rng.gen_range(-3..6))
        });
        assert_bit_identical(&f, random.view());
    }

    /// A forest of `n_trees` random trees over `p` features (schema "random"): each node splits
    /// with probability `split` (none below depth 12) on a random feature at a threshold drawn
    /// from `pool`; some trees are single leaves.
    fn random_forest(
        seed: u64,
        n_trees: usize,
        p: usize,
        pool: &[f64],
        split: f64,
    ) -> RandomForest {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let schema = FeatureSchema::new("random", 1, (0..p).map(|i| format!("f{i}")).collect());
        let trees = (0..n_trees)
            .map(|_| {
                let mut t = TreeRepr {
                    left: vec![0],
                    counts: vec![[1, 1]],
                    feature: Vec::new(),
                    threshold: Vec::new(),
                };
                let mut depth = vec![0];
                let mut i = 0;
                while i < t.left.len() {
                    if depth[i] < 12 && rng.gen_bool(split) {
                        t.left[i] = t.left.len() as u32;
                        t.left.extend([0, 0]);
                        depth.extend([depth[i] + 1; 2]);
                        for _ in 0..2 {
                            t.counts.push([rng.gen_range(0..5), rng.gen_range(1..5)]);
                        }
                    }
                    i += 1;
                }
                // Split fields go in node order.
                for &l in &t.left {
                    if l != 0 {
                        t.feature.push(rng.gen_range(0..p as u32));
                        t.threshold.push(pool[rng.gen_range(0..pool.len())]);
                    }
                }
                t
            })
            .collect();
        let repr = ForestRepr {
            schema: schema.unwrap(),
            params: RandomForestParams::default().n_trees(n_trees),
            trees,
        };
        let mut f = RandomForest::try_from(repr).unwrap();
        // Ranked whether or not it would pay, to test the kernel.
        f.ranked = RankedForest::build(&f.trees, p);
        f
    }

    /// Thresholds with ties across signs of zero, infinities and close neighbours.
    fn threshold_pool(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        let mut pool = vec![0.0, -0.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, f64::MAX];
        pool.push(next_up(1.0));
        while pool.len() < n {
            pool.push(rng.gen_range(-8000..8000) as f64 / 8.0);
        }
        pool
    }

    #[test]
    fn ranked_kernel_handles_single_leaf_trees_and_special_thresholds() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let pool = threshold_pool(&mut rng, 40);
        let f = random_forest(22, 30, 5, &pool, 0.6);
        assert!(f.ranked.is_some());
        assert!(f.trees.iter().any(|t| t.nodes.len() == 1));
        assert!(f.trees.iter().any(|t| t.nodes.len() > 15));
        for (n, seed) in [(0, 23), (1, 24), (10, 25), (11, 26), (517, 27)] {
            assert_bit_identical(&f, adversarial_rows(&f, n, seed).view());
        }
        // Every tree a single leaf.
        let g = random_forest(28, 4, 3, &pool, 0.0);
        assert!(g.ranked.is_some());
        assert_bit_identical(&g, adversarial_rows(&g, 25, 29).view());
    }

    /// Scores and reasons from one call on the paths the one walk does not take: a forest
    /// without its ranked form, a column-major view, no rows, and a forest over no column
    /// (every row scores the trees' mean leaf value, the bias its contributions give).
    #[test]
    fn scores_and_reasons_together_on_every_path() {
        let mut rng = ChaCha8Rng::seed_from_u64(51);
        let pool = threshold_pool(&mut rng, 40);
        let f = random_forest(52, 30, 5, &pool, 0.6);
        let plain = RandomForest {
            ranked: None,
            ..f.clone()
        };
        let rows = adversarial_rows(&f, 700, 53).mapv(|v| if v.is_finite() { v } else { 0.0 });
        let x = FeatureMatrix::new(f.schema.clone(), rows.clone()).unwrap();
        let want = plain.predict_proba(&x).unwrap();
        let columns_first = rows.t().as_standard_layout().to_owned();
        for (forest, view) in [
            (&f, x.values()),
            (&plain, x.values()),
            (&f, columns_first.t()),
            (&plain, columns_first.t()),
        ] {
            let (p, briefs) = forest.score_and_explain_values(view, 3).unwrap();
            let reasons = briefs.worded(&forest.schema);
            assert_eq!((p.len(), reasons.len()), (700, 700));
            for (row, (a, b)) in p.iter().zip(&want).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "row {row}");
                assert_eq!(reasons[row], plain.explain_top(&x, row, 3).unwrap());
            }
        }
        let (p, briefs) = f
            .score_and_explain_values(Array2::<f64>::zeros((0, 5)).view(), 3)
            .unwrap();
        assert!(p.is_empty() && briefs.len() == 0);
        let none = random_forest(54, 4, 0, &pool, 0.0);
        let x = FeatureMatrix::new(none.schema.clone(), Array2::zeros((1100, 0))).unwrap();
        let mean = none.contributions(&x, 0).unwrap().bias;
        assert!(mean > 0.0);
        let plain = RandomForest {
            ranked: None,
            ..none.clone()
        };
        for forest in [&none, &plain] {
            let p = forest.predict_proba(&x).unwrap();
            let (q, briefs) = forest.score_and_explain_values(x.values(), 3).unwrap();
            let reasons = briefs.worded(&forest.schema);
            assert_eq!((p.len(), q.len(), reasons.len()), (1100, 1100, 1100));
            assert!(p.iter().chain(&q).all(|v| v.to_bits() == mean.to_bits()));
            assert!(reasons.iter().all(Vec::is_empty));
        }
    }

    #[test]
    fn forests_beyond_the_ranked_limits_use_the_plain_kernel() {
        let mut rng = ChaCha8Rng::seed_from_u64(31);
        // More than 255 distinct thresholds on one feature.
        let pool = threshold_pool(&mut rng, 2000);
        let f = random_forest(32, 40, 1, &pool, 0.75);
        let mut distinct = thresholds_by_column(&f).swap_remove(0);
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() > 255, "{} thresholds", distinct.len());
        assert!(f.ranked.is_none());
        assert_bit_identical(&f, adversarial_rows(&f, 301, 33).view());
        // More nodes than 16-bit slots.
        let pool = threshold_pool(&mut rng, 100);
        let g = random_forest(34, 60, 4, &pool, 0.85);
        assert!(g.n_nodes() >= SLOTS, "{} nodes", g.n_nodes());
        assert!(g.ranked.is_none());
        assert_bit_identical(&g, adversarial_rows(&g, 40, 35).view());
    }

    proptest! {
        #[test]
        fn ranked_kernel_equals_the_per_row_walk(
            seed in 0u64..10_000,
            n_trees in 1usize..12,
            p in 1usize..6,
            pool_size in 1usize..60,
            split in 0.0f64..0.8,
            n in 0usize..40,
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let pool = threshold_pool(&mut rng, pool_size);
            let pool = &pool[..pool_size];
            let f = random_forest(seed, n_trees, p, pool, split);
            prop_assert!(f.ranked.is_some());
            let x = adversarial_rows(&f, n, seed + 1);
            let fast = f.predict_proba_values(x.view()).unwrap();
            for (a, b) in fast.iter().zip(per_row_walk(&f, x.view())) {
                prop_assert_eq!(a.to_bits(), b.to_bits());
            }
        }

        #[test]
        fn probabilities_stay_in_unit_interval(seed in 0u64..1000, n in 10usize..80) {
            let (x, y) = synthetic(n, 3, seed);
            prop_assume!(y.iter().any(|l| l.is_fake()) && y.iter().any(|l| !l.is_fake()));
            let f = RandomForestParams::default().n_trees(3).seed(seed).fit(&x, &y).unwrap();
            for p in f.predict_proba(&x).unwrap() {
                prop_assert!((0.0..=1.0).contains(&p));
            }
        }
    }
}
