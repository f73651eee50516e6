//! The fast scoring kernel: [`RankedForest`], a forest's trees chained into one array of 4-byte
//! nodes walked on exact threshold ranks (see the [module docs](super)).

use super::nodes::Tree;

/// Slots of a [`RankedForest`]: node indices are 16-bit.
pub(super) const SLOTS: usize = 1 << 16;
/// The cost of a step along the chain relative to a binary-search step of ranking or a step of
/// the plain kernel (a measured ratio: `docs/performance.md`).
const CHAIN_STEP_COST: f64 = 0.55;
/// Rows walked through the chained forest together (chosen by measurement:
/// `docs/performance.md`).
const RANKED_LANES: usize = 10;
/// Rows walked together when summing path contributions (each lane keeps 2 KB of sums).
const CONTRIBUTION_LANES: usize = 6;
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
pub(super) struct RankedForest {
    /// Per compact feature: its schema column.
    pub(super) columns: Vec<usize>,
    /// Per compact feature: `m`, the number of binary-search steps (`2^m - 1 >= ` its
    /// threshold count).
    pub(super) steps: Vec<u32>,
    /// Per compact feature: its ascending thresholds, padded with `+inf`.
    pub(super) padded: Vec<[f64; 256]>,
    /// Packed node to continue with, per slot (`SLOTS + 1` long, unused slots zero).
    pub(super) nodes: Box<[u32]>,
    /// Value to add on arriving at a slot, a leaf value or 0.0 (`SLOTS + 1` long).
    pub(super) values: Box<[f64]>,
    /// Change of P(fake) on arriving at a slot from its parent, `value[child] -
    /// value[parent]` (0.0 for roots and the terminal slot): the path contributions.
    pub(super) deltas: Box<[f64]>,
    /// The entry node of the first tree.
    pub(super) entry: u32,
    /// The terminal node (a self-loop).
    pub(super) terminal: u32,
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
    /// The ranked form of `trees` when it applies and its estimated cost per row is below the
    /// plain kernel's.
    ///
    /// Per row, ranking costs about one unit per binary-search step over all used features,
    /// and the chain about [`CHAIN_STEP_COST`] units per node on the row's paths (estimated from
    /// the trees' training counts), against one unit per level of every tree for the plain
    /// kernel's fixed-depth walk. Forests of few trees over many thresholds therefore tend to
    /// keep the plain kernel.
    pub(super) fn when_it_pays(trees: &[Tree], n_features: usize) -> Option<RankedForest> {
        let ranked = RankedForest::build(trees, n_features)?;
        let rank_steps: u32 = ranked.steps.iter().sum();
        let path: f64 = trees.iter().map(Tree::mean_path).sum();
        let plain: u32 = trees.iter().map(|t| t.depth).sum();
        (rank_steps as f64 + CHAIN_STEP_COST * path < plain as f64).then_some(ranked)
    }

    /// The ranked form of `trees`, or `None` when it does not apply (more than 255 distinct
    /// thresholds on a feature, or more than `SLOTS - 1` nodes in all).
    pub(super) fn build(trees: &[Tree], n_features: usize) -> Option<RankedForest> {
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
        let mut deltas = vec![0.0f64; SLOTS + 1].into_boxed_slice();
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
                if n.left as usize != i {
                    for child in [n.left as usize, n.left as usize + 1] {
                        deltas[o + child] = t.value[child] - t.value[i];
                    }
                }
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
            deltas,
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

    /// Sums each split's change of P(fake) along `row`'s path through every tree, in tree
    /// order, per feature, and adds each sum to its entry of `per_feature` (indexed by schema
    /// column). Into a zeroed `per_feature`, that gives the plain walk's sums bit for bit.
    pub(super) fn add_contributions(&self, row: &[f64], per_feature: &mut [f64]) {
        let mut sums = vec![0.0; self.columns.len()];
        let mut tally = FeatureSums::<1>::new(&self.deltas, &mut sums, self.columns.len());
        self.walk::<1, 1, _>(1, |_| row, &mut tally);
        self.scatter(&sums, per_feature);
    }

    /// Adds one row's sums per compact feature (from
    /// [`RankedForest::score_and_contributions_block`]) to their schema columns' entries of
    /// `per_feature`.
    pub(super) fn scatter(&self, sums: &[f64], per_feature: &mut [f64]) {
        for (&col, &sum) in self.columns.iter().zip(sums) {
            per_feature[col] += sum;
        }
    }

    /// [`RankedForest::score_block`] with each row's path contributions too, in one walk:
    /// summed leaf values added to `acc`, and the changes summed per compact feature (each sum
    /// in tree order from 0.0, as [`RankedForest::add_contributions`] adds them) written row
    /// after row, `columns.len()` values each, to `out`.
    pub(super) fn score_and_contributions_block(
        &self,
        rows: &[f64],
        p: usize,
        acc: &mut [f64],
        out: &mut [f64],
    ) {
        let n = acc.len();
        let mut tally = Both {
            leaves: LeafSums::<CONTRIBUTION_LANES> {
                values: self.values[..].try_into().expect("SLOTS + 1 values"),
                sum: [0.0; CONTRIBUTION_LANES],
                acc,
            },
            changes: FeatureSums::<CONTRIBUTION_LANES>::new(&self.deltas, out, self.columns.len()),
        };
        self.walk::<CONTRIBUTION_LANES, CHECK_EVERY, _>(
            n,
            |r| &rows[r * p..(r + 1) * p],
            &mut tally,
        );
    }

    /// Adds the forest's summed leaf values for each row of `rows` (row-major, `p` columns)
    /// to `acc`, in tree order.
    pub(super) fn score_block(&self, rows: &[f64], p: usize, acc: &mut [f64]) {
        let n = acc.len();
        let mut tally = LeafSums::<RANKED_LANES> {
            values: self.values[..].try_into().expect("SLOTS + 1 values"),
            sum: [0.0; RANKED_LANES],
            acc,
        };
        self.walk::<RANKED_LANES, CHECK_EVERY, _>(n, |r| &rows[r * p..(r + 1) * p], &mut tally);
    }

    /// Walks `n` rows (`row_of(i)` the values of the `i`th) along the chain with `L` lanes, each
    /// taking one row through every tree; every `C` steps, a lane whose row has reached the
    /// terminal node hands it in to `tally` and takes (and ranks) the next row. Rows of very
    /// different path lengths thus share the lanes without waiting for each other.
    fn walk<'r, const L: usize, const C: usize, T: Tally>(
        &self,
        n: usize,
        row_of: impl Fn(usize) -> &'r [f64],
        tally: &mut T,
    ) {
        let nodes: &[u32; SLOTS + 1] = self.nodes[..].try_into().expect("SLOTS + 1 nodes");
        let mut ranks = [[0u8; RANK_WIDTH]; L];
        let mut node = [self.terminal; L];
        // The row each lane walks (`usize::MAX`: none).
        let mut row = [usize::MAX; L];
        let mut next = 0;
        loop {
            let mut busy = false;
            for l in 0..L {
                if node[l] == self.terminal {
                    if row[l] != usize::MAX {
                        tally.finish(l, row[l]);
                    }
                    row[l] = usize::MAX;
                    if next < n {
                        self.rank_row(row_of(next), &mut ranks[l]);
                        tally.start(l);
                        node[l] = self.entry;
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
                    let f = x as u8 as usize;
                    let slot = (x >> 16) as usize + (ranks[l][f] > (x >> 8) as u8) as usize;
                    tally.add(l, f, slot);
                    node[l] = nodes[slot];
                }
            }
        }
    }
}

/// What a walk along the chain adds up for the rows its lanes carry. A lane on the terminal
/// node, waiting to be refilled, keeps arriving at the terminal slot (value and change 0.0, on
/// compact feature 0), which changes no bit of a sum started at +0.0.
trait Tally {
    /// Lane `l` starts a row.
    fn start(&mut self, l: usize);
    /// Lane `l` arrives at `slot` by a split on compact feature `f`.
    fn add(&mut self, l: usize, f: usize, slot: usize);
    /// Lane `l` has finished row `row`.
    fn finish(&mut self, l: usize, row: usize);
}

/// The rows' summed leaf values, added to `acc`.
struct LeafSums<'a, const L: usize> {
    values: &'a [f64; SLOTS + 1],
    sum: [f64; L],
    acc: &'a mut [f64],
}

impl<const L: usize> Tally for LeafSums<'_, L> {
    #[inline(always)]
    fn start(&mut self, l: usize) {
        self.sum[l] = 0.0;
    }
    #[inline(always)]
    fn add(&mut self, l: usize, _: usize, slot: usize) {
        self.sum[l] += self.values[slot];
    }
    #[inline(always)]
    fn finish(&mut self, l: usize, row: usize) {
        self.acc[row] += self.sum[l];
    }
}

/// Leaf values and contributions of the same walk.
struct Both<'a, const L: usize> {
    leaves: LeafSums<'a, L>,
    changes: FeatureSums<'a, L>,
}

impl<const L: usize> Tally for Both<'_, L> {
    #[inline(always)]
    fn start(&mut self, l: usize) {
        self.leaves.start(l);
        self.changes.start(l);
    }
    #[inline(always)]
    fn add(&mut self, l: usize, f: usize, slot: usize) {
        self.leaves.add(l, f, slot);
        self.changes.add(l, f, slot);
    }
    #[inline(always)]
    fn finish(&mut self, l: usize, row: usize) {
        self.leaves.finish(l, row);
        self.changes.finish(l, row);
    }
}

/// The rows' path contributions per compact feature, written `width` values a row to `out`.
struct FeatureSums<'a, const L: usize> {
    deltas: &'a [f64; SLOTS + 1],
    /// Per lane and compact feature (an index that needs no bound check).
    sums: [[f64; RANK_WIDTH]; L],
    out: &'a mut [f64],
    width: usize,
}

impl<'a, const L: usize> FeatureSums<'a, L> {
    fn new(deltas: &'a [f64], out: &'a mut [f64], width: usize) -> Self {
        FeatureSums {
            deltas: deltas.try_into().expect("SLOTS + 1 deltas"),
            sums: [[0.0; RANK_WIDTH]; L],
            out,
            width,
        }
    }
}

impl<const L: usize> Tally for FeatureSums<'_, L> {
    #[inline(always)]
    fn start(&mut self, l: usize) {
        // Only the first `width` are handed in; a waiting lane's additions land in entry 0.
        self.sums[l][..self.width].fill(0.0);
    }
    #[inline(always)]
    fn add(&mut self, l: usize, f: usize, slot: usize) {
        self.sums[l][f] += self.deltas[slot];
    }
    #[inline(always)]
    fn finish(&mut self, l: usize, row: usize) {
        let w = self.width;
        self.out[row * w..(row + 1) * w].copy_from_slice(&self.sums[l][..w]);
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
