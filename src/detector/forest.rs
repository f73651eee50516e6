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
//! an infinite threshold. These nodes serve explanations, and scoring when the fast form below
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

use std::collections::VecDeque;

use ndarray::{Array1, ArrayView2};
use rand::seq::index::sample as sample_indices;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::explain::reasons_from_contributions;
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

/// How many features are drawn (without replacement) as candidates at each split.
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
    fn resolve(self, n_features: usize) -> usize {
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

/// Hyperparameters of a [`RandomForest`] (unchecked until [`RandomForestParams::fit`]).
///
/// # Examples
/// ```
/// use follower_audit::{FeatureMatrix, FeatureSchema, Label, RandomForestParams, Detector};
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
    n_trees: usize,
    max_depth: Option<usize>,
    min_samples_leaf: usize,
    max_features: MaxFeatures,
    bootstrap: bool,
    seed: u64,
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

    /// Features drawn per split (default [`MaxFeatures::Sqrt`]).
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

    /// The configured number of trees.
    pub fn get_n_trees(&self) -> usize {
        self.n_trees
    }

    /// The configured seed.
    pub fn get_seed(&self) -> u64 {
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

    /// Fits a forest on a labelled matrix.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] for bad hyperparameters (checked first), [`Error::InvalidData`]
    /// when the matrix is empty, has no columns, has a label count other than its row count, or
    /// holds only one class.
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<RandomForest> {
        self.validate()?;
        check_training_data(x, y)?;
        if let MaxFeatures::Count(k) = self.max_features {
            if k > x.schema().len() {
                return Err(Error::InvalidParams {
                    name: "max_features".into(),
                    reason: format!("{k} exceeds the {} features", x.schema().len()),
                });
            }
        }
        let binned = Binned::new(x.values());
        let target: Vec<u8> = y.iter().map(|l| l.is_fake() as u8).collect();
        let mtry = self.max_features.resolve(binned.n_features);
        let trees: Vec<Tree> = (0..self.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                rng.set_stream(t as u64);
                grow_tree(&binned, &target, self, mtry, &mut rng)
            })
            .collect();
        Ok(RandomForest {
            ranked: RankedForest::when_it_pays(&trees, x.schema().len()),
            schema: x.schema().clone(),
            params: self.clone(),
            trees,
        })
    }
}

/// Checks that a labelled matrix can be trained on.
pub(crate) fn check_training_data(x: &FeatureMatrix, y: &[Label]) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::InvalidData("the training matrix has no rows".into()));
    }
    if x.schema().is_empty() {
        return Err(Error::InvalidData(
            "the training matrix has no features".into(),
        ));
    }
    if x.schema().len() > u32::MAX as usize / 2 {
        return Err(Error::InvalidData("too many features".into()));
    }
    if x.nrows() != y.len() {
        return Err(Error::InvalidData(format!(
            "{} rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    let fakes = y.iter().filter(|l| l.is_fake()).count();
    if fakes == 0 || fakes == y.len() {
        return Err(Error::InvalidData(format!(
            "training data must hold both classes; all {} rows are {:?}",
            y.len(),
            y[0]
        )));
    }
    Ok(())
}

/// Features quantized into at most 256 bins, column-major.
struct Binned {
    n_rows: usize,
    n_features: usize,
    bins: Vec<u8>,
    /// Per feature, the ascending split thresholds; bin `b` holds values in
    /// `(thresholds[b-1], thresholds[b]]`.
    thresholds: Vec<Vec<f64>>,
}

impl Binned {
    fn new(x: ArrayView2<'_, f64>) -> Binned {
        let (n_rows, n_features) = x.dim();
        let mut bins = vec![0u8; n_rows * n_features];
        let mut thresholds = Vec::with_capacity(n_features);
        for f in 0..n_features {
            let col = x.column(f);
            let mut sorted: Vec<f64> = col.to_vec();
            sorted.sort_by(f64::total_cmp);
            let mut uniq = sorted.clone();
            uniq.dedup();
            let cuts: Vec<f64> = if uniq.len() <= 256 {
                uniq.windows(2).map(|w| midpoint(w[0], w[1])).collect()
            } else {
                // Quantile edges: the gap after the value at each 1/256 quantile.
                let mut cuts = Vec::with_capacity(255);
                for q in 1..256 {
                    let v = sorted[q * n_rows / 256];
                    let pos = uniq.partition_point(|u| *u <= v);
                    if pos < uniq.len() {
                        let c = midpoint(uniq[pos - 1], uniq[pos]);
                        if cuts.last() != Some(&c) {
                            cuts.push(c);
                        }
                    }
                }
                cuts
            };
            let dst = &mut bins[f * n_rows..(f + 1) * n_rows];
            for (d, v) in dst.iter_mut().zip(col.iter()) {
                *d = cuts.partition_point(|c| c < v) as u8;
            }
            thresholds.push(cuts);
        }
        Binned {
            n_rows,
            n_features,
            bins,
            thresholds,
        }
    }

    fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

/// A threshold strictly between `a < b` with `a <= t < b`, so `x <= t` separates them.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m >= a && m < b {
        m
    } else {
        a
    }
}

/// One packed node: 16 bytes. A leaf has `threshold = +inf` and `left` = its own index.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Node {
    threshold: f64,
    feature: u32,
    left: u32,
}

/// A fitted tree in breadth-first order.
#[derive(Clone, Debug, PartialEq)]
struct Tree {
    nodes: Vec<Node>,
    /// P(fake) at every node (leaf or not), from bootstrap-weighted class counts.
    value: Vec<f64>,
    /// (genuine, fake) bootstrap-weighted training counts at every node.
    counts: Vec<[u32; 2]>,
    /// Longest root-to-leaf path, in edges.
    depth: u32,
}

impl Tree {
    fn is_leaf(&self, i: usize) -> bool {
        self.nodes[i].left as usize == i
    }

    /// The mean number of splits on a root-to-leaf path, weighting each leaf by its training
    /// rows.
    fn mean_path(&self) -> f64 {
        let mut depth = vec![0u32; self.nodes.len()];
        let mut weighted = 0.0;
        for (i, n) in self.nodes.iter().enumerate() {
            if self.is_leaf(i) {
                let [g, f] = self.counts[i];
                weighted += depth[i] as f64 * (g as f64 + f as f64);
            } else {
                // Children come after their parent.
                depth[n.left as usize] = depth[i] + 1;
                depth[n.left as usize + 1] = depth[i] + 1;
            }
        }
        let [g, f] = self.counts[0];
        weighted / (g as f64 + f as f64)
    }

    fn leaf_of(&self, row: &[f64]) -> usize {
        let mut i = 0usize;
        while !self.is_leaf(i) {
            let n = self.nodes[i];
            i = n.left as usize + (row[n.feature as usize] > n.threshold) as usize;
        }
        i
    }
}

/// Slots of a [`RankedForest`]: node indices are 16-bit.
const SLOTS: usize = 1 << 16;
/// The cost of a step along the chain relative to a binary-search step of ranking or a step of
/// the plain kernel (measured: about 0.65 ns against 1.2 ns).
const CHAIN_STEP_COST: f64 = 0.55;
/// Rows walked through the chained forest together (10 and 12 measured alike, 8 and 14 slower).
const RANKED_LANES: usize = 10;
/// Steps taken between two checks for lanes whose row has finished.
const CHECK_EVERY: usize = 16;
/// The threshold rank of a leaf-like node: a rank never exceeds 255, so it always goes left.
const NEVER_RIGHT: u32 = 255;

/// A scoring form of a forest, derived from its trees when it is built or decoded (never
/// stored): values are replaced by exact threshold ranks and all trees are chained into one
/// array of 4-byte nodes.
///
/// # Ranks
/// For each feature used by a split, `thresholds` holds its distinct split thresholds in
/// ascending order, and a value `x` is replaced by `rank(x)`, the number of those thresholds
/// `t` with `t < x` (0 for NaN). Then `x > t_k` exactly when `rank(x) > k`, so the ranks route
/// every row as the `f64` comparisons do. Ranks fit a `u8` because a feature has at most 255
/// distinct thresholds here (otherwise the forest is scored by the plain kernel).
///
/// # Chained nodes
/// A packed node is `left << 16 | k << 8 | feature`, `feature` being the compact (used-feature)
/// index and `k` the rank of the threshold; a step goes to slot `left + (rank > k)`. Each slot
/// holds the *node to continue with* and a value to add: an internal node's slot holds the node
/// itself and 0.0; a leaf's slot holds its value and the entry node of the next tree (the last
/// tree's leaves lead to the terminal node, which loops on itself adding 0.0). So a row walks
/// every tree in order without a branch on leaves or tree ends, adding exactly the leaf values in
/// tree order (adding +0.0 to a non-negative sum changes no bit).
#[derive(Clone, PartialEq)]
struct RankedForest {
    /// Per compact feature: its schema column.
    columns: Vec<usize>,
    /// Per compact feature: `m`, the number of binary-search steps (`2^m - 1 >= ` its
    /// threshold count).
    steps: Vec<u32>,
    /// Per compact feature: its ascending thresholds, padded with `+inf`.
    padded: Vec<[f64; 256]>,
    /// Packed node to continue with, per slot (`SLOTS + 1` long, unused slots zero).
    nodes: Box<[u32]>,
    /// Value to add on arriving at a slot, a leaf value or 0.0 (`SLOTS + 1` long).
    values: Box<[f64]>,
    /// The entry node of the first tree.
    entry: u32,
    /// The terminal node (a self-loop).
    terminal: u32,
}

impl std::fmt::Debug for RankedForest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankedForest")
            .field("columns", &self.columns)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

fn pack(left: usize, k: u32, feature: usize) -> u32 {
    (left as u32) << 16 | k << 8 | feature as u32
}

impl RankedForest {
    /// The ranked form of `trees` when it applies and is expected to score faster than the
    /// plain kernel.
    ///
    /// Per row, ranking costs about one unit per binary-search step over all used features,
    /// and the chain about [`CHAIN_STEP_COST`] units per node on the row's paths (estimated from
    /// the trees' training counts), against one unit per level of every tree for the plain
    /// kernel's fixed-depth walk. (Measured on this machine's 100,000-row benches: with few
    /// trees over many thresholds, ranking does not pay for itself.)
    fn when_it_pays(trees: &[Tree], n_features: usize) -> Option<RankedForest> {
        let ranked = RankedForest::build(trees, n_features)?;
        let rank_steps: u32 = ranked.steps.iter().sum();
        let path: f64 = trees.iter().map(Tree::mean_path).sum();
        let plain: u32 = trees.iter().map(|t| t.depth).sum();
        (rank_steps as f64 + CHAIN_STEP_COST * path < plain as f64).then_some(ranked)
    }

    /// The ranked form of `trees`, or `None` when it does not apply (more than 255 distinct
    /// thresholds on a feature, or more than `SLOTS - 1` nodes in all).
    fn build(trees: &[Tree], n_features: usize) -> Option<RankedForest> {
        let total: usize = trees.iter().map(|t| t.nodes.len()).sum();
        if total + 1 > SLOTS {
            return None;
        }
        let mut per_feature: Vec<Vec<f64>> = vec![Vec::new(); n_features];
        for t in trees {
            for (i, n) in t.nodes.iter().enumerate() {
                if n.left as usize != i {
                    per_feature[n.feature as usize].push(n.threshold);
                }
            }
        }
        let mut compact = vec![usize::MAX; n_features];
        let mut columns = Vec::new();
        let mut thresholds = Vec::new();
        for (f, mut ts) in per_feature.into_iter().enumerate() {
            if ts.is_empty() {
                continue;
            }
            ts.sort_by(f64::total_cmp);
            ts.dedup_by(|a, b| a == b);
            if ts.len() > 255 {
                return None;
            }
            compact[f] = columns.len();
            columns.push(f);
            thresholds.push(ts);
        }
        let width = columns.len();
        if width > RANK_WIDTH {
            return None;
        }
        let mut steps = Vec::with_capacity(width);
        let mut padded = Vec::with_capacity(width);
        for ts in &thresholds {
            steps.push((ts.len() + 1).next_power_of_two().trailing_zeros());
            let mut p = [f64::INFINITY; 256];
            p[..ts.len()].copy_from_slice(ts);
            padded.push(p);
        }
        let terminal_slot = total;
        let terminal = pack(terminal_slot, NEVER_RIGHT, 0);
        // One slot more than a 16-bit index reaches, so that `left + 1` needs no check.
        let mut nodes = vec![0u32; SLOTS + 1].into_boxed_slice();
        let mut values = vec![0.0f64; SLOTS + 1].into_boxed_slice();
        nodes[terminal_slot] = terminal;
        // Slot offsets of the trees, then entry nodes from the last tree back.
        let mut offsets = Vec::with_capacity(trees.len());
        let mut at = 0;
        for t in trees {
            offsets.push(at);
            at += t.nodes.len();
        }
        let mut next_entry = terminal;
        for (t, &o) in trees.iter().zip(&offsets).rev() {
            for (i, n) in t.nodes.iter().enumerate() {
                if n.left as usize == i {
                    nodes[o + i] = next_entry;
                    values[o + i] = t.value[i];
                } else {
                    let f = n.feature as usize;
                    let ts = &thresholds[compact[f]];
                    let k = ts.partition_point(|u| *u < n.threshold) as u32;
                    nodes[o + i] = pack(o + n.left as usize, k, compact[f]);
                }
            }
            // A single-leaf tree is entered through a node that always goes to its leaf slot.
            next_entry = if t.is_leaf(0) {
                pack(o, NEVER_RIGHT, 0)
            } else {
                nodes[o]
            };
        }
        Some(RankedForest {
            columns,
            steps,
            padded,
            nodes,
            values,
            entry: next_entry,
            terminal,
        })
    }

    /// Writes the ranks of one row (`p` values) into `out`.
    fn rank_row(&self, row: &[f64], out: &mut [u8; RANK_WIDTH]) {
        let features = self.columns.iter().zip(&self.steps).zip(&self.padded);
        for (o, ((&col, &m), ts)) in out.iter_mut().zip(features) {
            let x = row[col];
            *o = match m {
                1 => rank::<1>(ts, x),
                2 => rank::<2>(ts, x),
                3 => rank::<3>(ts, x),
                4 => rank::<4>(ts, x),
                5 => rank::<5>(ts, x),
                6 => rank::<6>(ts, x),
                7 => rank::<7>(ts, x),
                _ => rank::<8>(ts, x),
            };
        }
    }

    /// Adds the forest's summed leaf values for each row of `rows` (row-major, `p` columns)
    /// to `acc`, in tree order.
    fn score_block(&self, rows: &[f64], p: usize, acc: &mut [f64]) {
        self.score_rows::<RANKED_LANES, CHECK_EVERY>(rows, p, acc);
    }

    /// [`RankedForest::score_block`] with `L` lanes, each walking one row through the whole
    /// chain; every `C` steps, a lane whose row has reached the terminal node hands in its sum
    /// and takes (and ranks) the next row. Rows of very different path lengths thus share the
    /// lanes without waiting for each other.
    fn score_rows<const L: usize, const C: usize>(&self, rows: &[f64], p: usize, acc: &mut [f64]) {
        let nodes: &[u32; SLOTS + 1] = self.nodes[..].try_into().expect("SLOTS + 1 nodes");
        let values: &[f64; SLOTS + 1] = self.values[..].try_into().expect("SLOTS + 1 values");
        let mut ranks = [[0u8; RANK_WIDTH]; L];
        let mut node = [self.terminal; L];
        let mut sum = [0.0f64; L];
        // The row each lane walks (`usize::MAX`: none).
        let mut row = [usize::MAX; L];
        let mut next = 0;
        loop {
            let mut busy = false;
            for l in 0..L {
                if node[l] == self.terminal {
                    if let Some(a) = acc.get_mut(row[l]) {
                        *a += sum[l];
                    }
                    row[l] = usize::MAX;
                    if next < acc.len() {
                        self.rank_row(&rows[next * p..(next + 1) * p], &mut ranks[l]);
                        node[l] = self.entry;
                        sum[l] = 0.0;
                        row[l] = next;
                        next += 1;
                    }
                }
                busy |= row[l] != usize::MAX;
            }
            if !busy {
                return;
            }
            for _ in 0..C {
                for l in 0..L {
                    let x = node[l];
                    let r = ranks[l][x as u8 as usize];
                    let slot = (x >> 16) as usize + (r > (x >> 8) as u8) as usize;
                    sum[l] += values[slot];
                    node[l] = nodes[slot];
                }
            }
        }
    }
}

/// The number of thresholds of `ts` below `x` (0 for NaN), by an `M`-step branch-free binary
/// search: the first `2^M - 1` entries of `ts` are ascending (padded with `+inf`).
#[inline(always)]
fn rank<const M: u32>(ts: &[f64; 256], x: f64) -> u8 {
    let mut pos = 0usize;
    for s in (0..M).rev() {
        let step = 1usize << s;
        pos += if ts[(pos + step - 1) & 255] < x {
            step
        } else {
            0
        };
    }
    pos as u8
}

/// Bytes of ranks per row: a node's compact feature index is a `u8`, so indexing a row of
/// this width needs no bounds check.
const RANK_WIDTH: usize = 256;

fn grow_tree(
    data: &Binned,
    target: &[u8],
    params: &RandomForestParams,
    mtry: usize,
    rng: &mut ChaCha8Rng,
) -> Tree {
    let n = data.n_rows;
    let mut weight = vec![0u32; n];
    if params.bootstrap {
        for _ in 0..n {
            weight[rng.gen_range(0..n)] += 1;
        }
    } else {
        weight.iter_mut().for_each(|w| *w = 1);
    }
    let mut rows: Vec<u32> = (0..n as u32).filter(|&r| weight[r as usize] > 0).collect();
    let count_of = |rows: &[u32]| {
        let mut c = [0u32; 2];
        for &r in rows {
            c[target[r as usize] as usize] += weight[r as usize];
        }
        c
    };

    let mut nodes = vec![Node {
        threshold: f64::INFINITY,
        feature: 0,
        left: 0,
    }];
    let mut counts = vec![count_of(&rows)];
    let mut depths = vec![0u32];
    let mut queue = VecDeque::from([(0usize, 0usize, rows.len())]);
    let mut hist = vec![[0u32; 2]; 256];
    let min_leaf = params.min_samples_leaf as u64;
    let max_depth = params.max_depth.unwrap_or(usize::MAX) as u64;

    while let Some((id, start, end)) = queue.pop_front() {
        let [g, f] = counts[id];
        let total = g as u64 + f as u64;
        if g == 0 || f == 0 || depths[id] as u64 >= max_depth || total < 2 * min_leaf {
            continue;
        }
        let parent_score = (g as f64 * g as f64 + f as f64 * f as f64) / total as f64;
        let mut best: Option<(f64, usize, usize)> = None;
        for feat in sample_indices(rng, data.n_features, mtry).into_iter() {
            let n_bins = data.thresholds[feat].len() + 1;
            if n_bins < 2 {
                continue;
            }
            let col = data.column(feat);
            hist[..n_bins].iter_mut().for_each(|h| *h = [0, 0]);
            for &r in &rows[start..end] {
                let r = r as usize;
                hist[col[r] as usize][target[r] as usize] += weight[r];
            }
            let (mut lg, mut lf) = (0u64, 0u64);
            for (b, h) in hist[..n_bins - 1].iter().enumerate() {
                lg += h[0] as u64;
                lf += h[1] as u64;
                let wl = lg + lf;
                let wr = total - wl;
                if wl < min_leaf || wr < min_leaf {
                    continue;
                }
                let (rg, rf) = (g as u64 - lg, f as u64 - lf);
                let score = (lg as f64 * lg as f64 + lf as f64 * lf as f64) / wl as f64
                    + (rg as f64 * rg as f64 + rf as f64 * rf as f64) / wr as f64;
                if score > parent_score * (1.0 + 1e-12) && best.map_or(true, |(s, _, _)| score > s)
                {
                    best = Some((score, feat, b));
                }
            }
        }
        let Some((_, feat, bin)) = best else { continue };
        let col = data.column(feat);
        // Partition rows[start..end]: bins <= bin first.
        let slice = &mut rows[start..end];
        let mut mid = 0;
        for i in 0..slice.len() {
            if col[slice[i] as usize] as usize <= bin {
                slice.swap(i, mid);
                mid += 1;
            }
        }
        let left_id = nodes.len();
        nodes[id] = Node {
            threshold: data.thresholds[feat][bin],
            feature: feat as u32,
            left: left_id as u32,
        };
        let lc = count_of(&rows[start..start + mid]);
        let rc = [counts[id][0] - lc[0], counts[id][1] - lc[1]];
        for (k, c) in [lc, rc].into_iter().enumerate() {
            nodes.push(Node {
                threshold: f64::INFINITY,
                feature: 0,
                left: (left_id + k) as u32,
            });
            counts.push(c);
            depths.push(depths[id] + 1);
        }
        queue.push_back((left_id, start, start + mid));
        queue.push_back((left_id + 1, start + mid, end));
    }
    let value = counts
        .iter()
        .map(|[g, f]| *f as f64 / (*g as f64 + *f as f64))
        .collect();
    Tree {
        nodes,
        value,
        counts,
        depth: depths.iter().copied().max().unwrap_or(0),
    }
}

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
        if x.ncols() != p {
            return Err(Error::SchemaMismatch {
                expected: self.schema.describe(),
                found: format!("a matrix with {} columns", x.ncols()),
            });
        }
        let owned;
        let data: &[f64] = match x.as_slice() {
            Some(s) => s,
            None => {
                owned = x.as_standard_layout().to_owned();
                owned.as_slice().expect("standard layout")
            }
        };
        let mut out = vec![0.0; x.nrows()];
        out.par_chunks_mut(BLOCK)
            .zip(data.par_chunks(BLOCK * p.max(1)))
            .for_each(|(acc, rows)| match &self.ranked {
                Some(r) => r.score_block(rows, p, acc),
                None => self.score_block(rows, p, acc),
            });
        let k = 1.0 / self.trees.len() as f64;
        Ok(Array1::from_iter(out.into_iter().map(|s| s * k)))
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
        let mut bias = 0.0;
        for tree in &self.trees {
            bias += tree.value[0];
            let mut i = 0;
            while !tree.is_leaf(i) {
                let n = tree.nodes[i];
                let next = n.left as usize + (values[n.feature as usize] > n.threshold) as usize;
                per_feature[n.feature as usize] += tree.value[next] - tree.value[i];
                i = next;
            }
        }
        let k = 1.0 / self.trees.len() as f64;
        per_feature.iter_mut().for_each(|c| *c *= k);
        Ok(Contributions {
            bias: bias * k,
            per_feature,
        })
    }
}

/// `score` of every row of `x`, in place where rows are contiguous (a standard-layout matrix),
/// else of a copy of the row.
pub(crate) fn score_rows(x: &FeatureMatrix, score: impl Fn(&[f64]) -> f64) -> Array1<f64> {
    x.values()
        .rows()
        .into_iter()
        .map(|r| match r.as_slice() {
            Some(s) => score(s),
            None => score(&r.to_vec()),
        })
        .collect()
}

/// The values of one row, or an error naming the row.
pub(crate) fn row_values(x: &FeatureMatrix, row: usize) -> Result<Vec<f64>> {
    if row >= x.nrows() {
        return Err(Error::InvalidData(format!(
            "row {row} out of range: the matrix has {} rows",
            x.nrows()
        )));
    }
    Ok(x.values().row(row).to_vec())
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
        let c = self.contributions(x, row)?;
        Ok(reasons_from_contributions(
            &self.schema,
            &row_values(x, row)?,
            &c.per_feature,
        ))
    }
}

/// The compact stored form of a forest; internal-node fields are stored for internal nodes only.
#[derive(Serialize, Deserialize)]
struct ForestRepr {
    schema: FeatureSchema,
    params: RandomForestParams,
    trees: Vec<TreeRepr>,
}

#[derive(Serialize, Deserialize)]
struct TreeRepr {
    /// Left child per node; 0 marks a leaf (the root is never a child).
    left: Vec<u32>,
    /// (genuine, fake) counts per node.
    counts: Vec<[u32; 2]>,
    /// Split feature per internal node, in node order.
    feature: Vec<u32>,
    /// Split threshold per internal node, in node order.
    threshold: Vec<f64>,
}

impl From<RandomForest> for ForestRepr {
    fn from(f: RandomForest) -> ForestRepr {
        let trees = f
            .trees
            .iter()
            .map(|t| {
                let mut r = TreeRepr {
                    left: Vec::with_capacity(t.nodes.len()),
                    counts: t.counts.clone(),
                    feature: Vec::new(),
                    threshold: Vec::new(),
                };
                for (i, n) in t.nodes.iter().enumerate() {
                    if n.left as usize == i {
                        r.left.push(0);
                    } else {
                        r.left.push(n.left);
                        r.feature.push(n.feature);
                        r.threshold.push(n.threshold);
                    }
                }
                r
            })
            .collect();
        ForestRepr {
            schema: f.schema,
            params: f.params,
            trees,
        }
    }
}

impl TryFrom<ForestRepr> for RandomForest {
    type Error = String;

    fn try_from(r: ForestRepr) -> std::result::Result<RandomForest, String> {
        let p = r.schema.len();
        if r.trees.is_empty() {
            return Err("forest has no trees".into());
        }
        let mut trees = Vec::with_capacity(r.trees.len());
        for (ti, t) in r.trees.into_iter().enumerate() {
            let n = t.left.len();
            let bad = |what: String| Err(format!("tree {ti}: {what}"));
            if n == 0 || t.counts.len() != n {
                return bad("node arrays are empty or of different lengths".into());
            }
            let internal = t.left.iter().filter(|&&l| l != 0).count();
            if t.feature.len() != internal || t.threshold.len() != internal {
                return bad("split arrays do not match the internal nodes".into());
            }
            let mut nodes = Vec::with_capacity(n);
            let mut depth = vec![0u32; n];
            let mut k = 0;
            for (i, &l) in t.left.iter().enumerate() {
                if l == 0 {
                    nodes.push(Node {
                        threshold: f64::INFINITY,
                        feature: 0,
                        left: i as u32,
                    });
                    continue;
                }
                let (feat, thr) = (t.feature[k], t.threshold[k]);
                k += 1;
                if (l as usize) <= i || l as usize + 1 >= n {
                    return bad(format!("node {i} has children out of order ({l})"));
                }
                if feat as usize >= p || thr.is_nan() {
                    return bad(format!("node {i} splits on feature {feat} at {thr}"));
                }
                let d = depth[i] + 1;
                depth[l as usize] = depth[l as usize].max(d);
                depth[l as usize + 1] = depth[l as usize + 1].max(d);
                nodes.push(Node {
                    threshold: thr,
                    feature: feat,
                    left: l,
                });
            }
            if t.counts.iter().any(|[g, f]| *g as u64 + *f as u64 == 0) {
                return bad("a node has no training rows".into());
            }
            let value = t
                .counts
                .iter()
                .map(|[g, f]| *f as f64 / (*g as f64 + *f as f64))
                .collect();
            trees.push(Tree {
                nodes,
                value,
                counts: t.counts,
                depth: depth.iter().copied().max().unwrap_or(0),
            });
        }
        Ok(RandomForest {
            ranked: RankedForest::when_it_pays(&trees, p),
            schema: r.schema,
            params: r.params,
            trees,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::synthetic;
    use crate::model::FittedDetector;
    use ndarray::Array2;
    use proptest::prelude::*;
    use rand::Rng;

    fn accuracy(p: &Array1<f64>, y: &[Label]) -> f64 {
        p.iter()
            .zip(y)
            .filter(|(p, y)| (**p > 0.5) == y.is_fake())
            .count() as f64
            / y.len() as f64
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
        assert_bit_identical(&f, x.values().reversed_axes().t());
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
