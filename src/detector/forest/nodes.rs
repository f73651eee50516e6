//! The fitted trees' node arrays: packed 16-byte [`Node`]s in breadth-first order.

/// One packed node: 16 bytes. A leaf has `threshold = +inf` and `left` = its own index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Node {
    pub(super) threshold: f64,
    pub(super) feature: u32,
    pub(super) left: u32,
}

/// A fitted tree in breadth-first order.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Tree {
    pub(super) nodes: Vec<Node>,
    /// P(fake) at every node (leaf or not), from bootstrap-weighted class counts.
    pub(super) value: Vec<f64>,
    /// (genuine, fake) bootstrap-weighted training counts at every node.
    pub(super) counts: Vec<[u32; 2]>,
    /// Longest root-to-leaf path, in edges.
    pub(super) depth: u32,
}

impl Tree {
    pub(super) fn is_leaf(&self, i: usize) -> bool {
        self.nodes[i].left as usize == i
    }

    /// The mean number of splits on a root-to-leaf path, weighting each leaf by its training
    /// rows.
    pub(super) fn mean_path(&self) -> f64 {
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

    pub(super) fn leaf_of(&self, row: &[f64]) -> usize {
        let mut i = 0usize;
        while !self.is_leaf(i) {
            let n = self.nodes[i];
            i = n.left as usize + (row[n.feature as usize] > n.threshold) as usize;
        }
        i
    }
}
