//! The serde form of a [`RandomForest`](super::RandomForest): its trees stored compactly and
//! checked when decoded.

use serde::{Deserialize, Serialize};

use super::nodes::{Node, Tree};
use super::params::RandomForestParams;
use crate::features::FeatureSchema;

/// The compact stored form of a forest; internal-node fields are stored for internal nodes only.
#[derive(Serialize, Deserialize)]
pub(super) struct ForestRepr {
    pub(super) schema: FeatureSchema,
    pub(super) params: RandomForestParams,
    pub(super) trees: Vec<TreeRepr>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct TreeRepr {
    /// Left child per node; 0 marks a leaf (the root is never a child).
    pub(super) left: Vec<u32>,
    /// (genuine, fake) counts per node.
    pub(super) counts: Vec<[u32; 2]>,
    /// Split feature per internal node, in node order.
    pub(super) feature: Vec<u32>,
    /// Split threshold per internal node, in node order.
    pub(super) threshold: Vec<f64>,
}

impl ForestRepr {
    /// The stored form of a forest's schema, hyperparameters and trees.
    pub(super) fn new(
        schema: FeatureSchema,
        params: RandomForestParams,
        trees: &[Tree],
    ) -> ForestRepr {
        let trees = trees
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
            schema,
            params,
            trees,
        }
    }

    /// The forest's schema, hyperparameters and trees, or what is wrong with the stored form.
    pub(super) fn into_parts(
        self,
    ) -> std::result::Result<(FeatureSchema, RandomForestParams, Vec<Tree>), String> {
        let r = self;
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
        Ok((r.schema, r.params, trees))
    }
}
