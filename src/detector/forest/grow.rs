//! Fitting: features quantized into bins once, then trees grown from per-bin class-count
//! histograms, each with its own seeded random stream, in parallel on the rayon pool.

use std::collections::VecDeque;

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::nodes::{Node, Tree};
use super::params::{MaxFeatures, RandomForestParams};
use super::RandomForest;
use crate::account::Label;
use crate::detector::rows::check_training_data;
use crate::error::{Error, Result};
use crate::features::FeatureMatrix;

impl RandomForestParams {
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
        // Candidates are drawn among the features that vary in the training data: a column
        // that is constant (a field the export lacks, zeroed) can never split, and counting it
        // would leave fewer real candidates per split the more such columns the schema has.
        let live: Vec<usize> = (0..binned.n_features)
            .filter(|&f| !binned.thresholds[f].is_empty())
            .collect();
        let mtry = self.max_features.resolve(live.len());
        let trees: Vec<Tree> = (0..self.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                rng.set_stream(t as u64);
                grow_tree(&binned, &target, self, &live, mtry, &mut rng)
            })
            .collect();
        Ok(RandomForest::from_trees(
            x.schema().clone(),
            self.clone(),
            trees,
        ))
    }
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

fn grow_tree(
    data: &Binned,
    target: &[u8],
    params: &RandomForestParams,
    live: &[usize],
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
    let mut order = live.to_vec();
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
        // Features in a random order (a lazy Fisher-Yates shuffle of `order`) until `mtry` of
        // them vary among the node's rows: one constant within the node is passed over without
        // counting, so every split weighs `mtry` real candidates while the node has that many
        // (stricter than scikit-learn, which counts a constant feature among its draws and
        // draws past `max_features` only until one varying feature is found).
        let mut weighed = 0;
        for i in 0..order.len() {
            if weighed == mtry {
                break;
            }
            let j = rng.gen_range(i..order.len());
            order.swap(i, j);
            let feat = order[i];
            let n_bins = data.thresholds[feat].len() + 1;
            let col = data.column(feat);
            hist[..n_bins].iter_mut().for_each(|h| *h = [0, 0]);
            for &r in &rows[start..end] {
                let r = r as usize;
                hist[col[r] as usize][target[r] as usize] += weight[r];
            }
            if hist[..n_bins].iter().filter(|h| h[0] + h[1] > 0).count() < 2 {
                continue;
            }
            weighed += 1;
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
