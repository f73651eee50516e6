//! Squared distances from one query row to many rows at once: the kernel of the shift
//! diagnostic's nearest-neighbour searches ([`crate::TrainingSet::shift`]).
//!
//! A pair's squared distance is summed in chunks of [`LANES`] values: each chunk's squares are
//! added left to right, and the chunk sums are added to the total in order. [`Blocks`] computes
//! that same sum, in that same order, for [`BLOCK`] rows side by side (one row per vector lane,
//! the rows stored value-major within a block), so every distance is bit for bit what a
//! computation of that pair alone gives; only the early stop is shared by the block.

/// Values per chunk of a row: rows are padded with zeros to a multiple of it (padding adds 0 to
/// every distance).
pub(crate) const LANES: usize = 8;
/// Rows whose distances to a query are computed together.
pub(crate) const BLOCK: usize = 8;

/// Some rows of `m` values each (a multiple of [`LANES`]), in blocks of [`BLOCK`] rows stored
/// value-major (value `k` of the block's rows, then value `k + 1`, ...); the last block is
/// padded with rows of zeros.
#[derive(Clone, Debug)]
pub(crate) struct Blocks {
    values: Vec<f32>,
    m: usize,
}

impl Blocks {
    /// The rows `members` of `rows` (row-major, `m` values each), in that order.
    pub(crate) fn new(rows: &[f32], m: usize, members: &[usize]) -> Blocks {
        assert!(m % LANES == 0, "rows are padded to a multiple of LANES");
        let blocks = members.len().div_ceil(BLOCK);
        let mut values = vec![0.0f32; blocks * BLOCK * m];
        for (i, &j) in members.iter().enumerate() {
            let block = &mut values[(i / BLOCK) * BLOCK * m..];
            for (k, &v) in rows[j * m..(j + 1) * m].iter().enumerate() {
                block[k * BLOCK + i % BLOCK] = v;
            }
        }
        Blocks { values, m }
    }

    /// The squared distances from `q` (`m` values) to the rows of block `b` (rows
    /// `b * BLOCK ..`): each the whole sum, or, once every row of the block has a partial sum
    /// above `bound`, that partial sum (the sums only grow, so the whole is above it too).
    pub(crate) fn distances(&self, b: usize, q: &[f32], bound: f32) -> [f32; BLOCK] {
        let m = self.m;
        let block = &self.values[b * BLOCK * m..(b + 1) * BLOCK * m];
        let mut total = [0.0f32; BLOCK];
        for (qc, bc) in q[..m]
            .chunks_exact(LANES)
            .zip(block.chunks_exact(LANES * BLOCK))
        {
            let mut chunk = [0.0f32; BLOCK];
            for (&qv, column) in qc.iter().zip(bc.chunks_exact(BLOCK)) {
                for (c, &v) in chunk.iter_mut().zip(column) {
                    let t = qv - v;
                    *c += t * t;
                }
            }
            for (t, c) in total.iter_mut().zip(chunk) {
                *t += c;
            }
            if total.iter().all(|&t| t > bound) {
                break;
            }
        }
        total
    }
}

/// The projection of `row` on `axis`.
fn project(axis: &[f64], row: &[f32]) -> f64 {
    axis.iter().zip(row).map(|(a, &v)| a * f64::from(v)).sum()
}

/// Whether a row whose projection lies `gap` from the query's is certainly farther than
/// `bound` (a squared single-precision distance): the gap is at most the distance (the axis
/// has unit length), and the margin covers the rounding of the projections and of the summed
/// distance many times over.
fn beyond(gap: f64, bound: f32) -> bool {
    gap * gap > f64::from(bound) * (1.0 + 1e-4) + 1e-9
}

/// The direction of greatest spread of `rows` (row-major, `m` values each; those listed in
/// `sample`), unit length: a few steps of power iteration on their covariance from a fixed
/// start, so always the same axis. Any axis gives [`Sorted`] exact results; this one lets it
/// skip the most.
pub(crate) fn main_axis(rows: &[f32], m: usize, sample: &[usize]) -> Vec<f64> {
    let row = |j: usize| &rows[j * m..(j + 1) * m];
    let n = sample.len().max(1) as f64;
    let mut mean = vec![0.0f64; m];
    for &j in sample {
        for (s, &v) in mean.iter_mut().zip(row(j)) {
            *s += f64::from(v) / n;
        }
    }
    let mut cov = vec![0.0f64; m * m];
    let mut centred = vec![0.0f64; m];
    for &j in sample {
        for ((c, &v), &mu) in centred.iter_mut().zip(row(j)).zip(&mean) {
            *c = f64::from(v) - mu;
        }
        for (a, &ca) in centred.iter().enumerate() {
            for (o, &cb) in cov[a * m..(a + 1) * m].iter_mut().zip(&centred) {
                *o += ca * cb;
            }
        }
    }
    let mut axis = vec![1.0f64; m];
    for _ in 0..30 {
        let next: Vec<f64> = cov
            .chunks_exact(m.max(1))
            .map(|c| c.iter().zip(&axis).map(|(c, x)| c * x).sum())
            .collect();
        let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            break;
        }
        axis = next.iter().map(|v| v / norm).collect();
    }
    let norm = axis.iter().map(|v| v * v).sum::<f64>().sqrt();
    axis.iter().map(|v| v / norm).collect()
}

/// Some rows in [`Blocks`], sorted by their projection on an axis, for exact nearest-neighbour
/// searches: a search takes the blocks outward from the query's projection and stops on each
/// side where the projection gap alone puts every row beyond the distance it has to beat.
/// Every distance it computes is the one computed for that pair alone, and every row it skips
/// is certainly farther, so it finds what a scan of every row finds: the same distances and,
/// among rows at equal distances, the same rows (the lower row index first).
#[derive(Debug)]
pub(crate) struct Sorted<'a> {
    axis: &'a [f64],
    blocks: Blocks,
    /// The row index at each position.
    rows: Vec<usize>,
    /// Each block's lowest and highest projection.
    spans: Vec<(f64, f64)>,
}

impl<'a> Sorted<'a> {
    /// The rows `members` of `rows` (row-major, `m` values each), sorted on `axis` (unit length).
    pub(crate) fn new(rows: &[f32], m: usize, members: &[usize], axis: &'a [f64]) -> Self {
        let mut order: Vec<(f64, usize)> = members
            .iter()
            .map(|&j| (project(axis, &rows[j * m..(j + 1) * m]), j))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let index: Vec<usize> = order.iter().map(|&(_, j)| j).collect();
        let spans = order
            .chunks(BLOCK)
            .map(|c| (c[0].0, c[c.len() - 1].0))
            .collect();
        Sorted {
            axis,
            blocks: Blocks::new(rows, m, &index),
            rows: index,
            spans,
        }
    }

    /// Calls `visit(distances, rows)` for each block that may hold a row within `bound()` of
    /// `q` (`rows` the block's row indices, as many as it holds), nearest projection first.
    fn scan(
        &self,
        q: &[f32],
        mut bound: impl FnMut() -> f32,
        mut visit: impl FnMut(&[f32; BLOCK], &[usize]),
    ) {
        let pq = project(self.axis, q);
        let count = self.spans.len();
        // The first block not wholly below the query's projection.
        let start = self.spans.partition_point(|&(_, hi)| hi < pq);
        let (mut lo, mut hi) = (start, start);
        loop {
            let down = (lo > 0).then(|| pq - self.spans[lo - 1].1);
            let up = (hi < count).then(|| (self.spans[hi].0 - pq).max(0.0));
            let take_up = match (down, up) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                // NaN gaps (a NaN query) are never beyond: every block is taken.
                (Some(d), Some(u)) => d.partial_cmp(&u) != Some(std::cmp::Ordering::Less),
            };
            let gap = if take_up { up } else { down }.unwrap_or(0.0);
            let limit = bound();
            if beyond(gap, limit) {
                break;
            }
            let b = if take_up {
                hi += 1;
                hi - 1
            } else {
                lo -= 1;
                lo
            };
            let s = self.blocks.distances(b, q, limit);
            // Nothing in the block is nearer than what is already found.
            if s.iter().all(|&s| s > limit) {
                continue;
            }
            let rows = &self.rows[b * BLOCK..((b + 1) * BLOCK).min(self.rows.len())];
            visit(&s, rows);
        }
    }

    /// The smallest squared distance from `q` to a row other than `skip`: the minimum a
    /// scan of every such row finds (infinite when there is none).
    pub(crate) fn nearest(&self, q: &[f32], skip: Option<usize>) -> f32 {
        let best = std::cell::Cell::new(f32::INFINITY);
        self.scan(
            q,
            || best.get(),
            |s, rows| {
                for (&s, &j) in s.iter().zip(rows) {
                    if Some(j) != skip {
                        best.set(best.get().min(s));
                    }
                }
            },
        );
        best.get()
    }

    /// The `k` rows nearest to `q`, ascending by (squared distance, row index): the rows a
    /// scan of every row in index order keeps (a row replaces a kept one only when nearer).
    pub(crate) fn k_nearest(&self, q: &[f32], k: usize) -> Vec<(f32, usize)> {
        let near = std::cell::RefCell::new(Vec::<(f32, usize)>::with_capacity(k + 1));
        let kth = |near: &[(f32, usize)]| {
            if near.len() == k {
                near[k - 1]
            } else {
                (f32::INFINITY, usize::MAX)
            }
        };
        self.scan(
            q,
            || kth(&near.borrow()).0,
            |s, rows| {
                let mut near = near.borrow_mut();
                for (&s, &j) in s.iter().zip(rows) {
                    let (bound, last) = kth(&near);
                    if s < bound || (s == bound && j < last) {
                        let at = near.partition_point(|&(v, i)| v < s || (v == s && i < j));
                        near.insert(at, (s, j));
                        near.truncate(k);
                    }
                }
            },
        );
        near.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// One pair's squared distance, summed chunk by chunk as the shift first did it.
    fn alone(a: &[f32], b: &[f32]) -> f32 {
        let mut total = 0.0;
        for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
            let mut lane = [0.0f32; LANES];
            for i in 0..LANES {
                let t = x[i] - y[i];
                lane[i] = t * t;
            }
            total += lane.iter().sum::<f32>();
        }
        total
    }

    #[test]
    fn block_distances_are_those_of_each_pair_alone() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let m = 24;
        let n = 37;
        let rows: Vec<f32> = (0..n * m)
            .map(|_| rng.gen_range(-3.0f32..3.0) * 10f32.powi(rng.gen_range(-3..4)))
            .collect();
        let members: Vec<usize> = (0..n).rev().filter(|j| j % 5 != 2).collect();
        let blocks = Blocks::new(&rows, m, &members);
        let q: Vec<f32> = (0..m).map(|_| rng.gen_range(-3.0f32..3.0)).collect();
        for b in 0..members.len().div_ceil(BLOCK) {
            let full = blocks.distances(b, &q, f32::INFINITY);
            let stopped = blocks.distances(b, &q, 1.0);
            for (i, &j) in members.iter().enumerate().skip(b * BLOCK).take(BLOCK) {
                let want = alone(&q, &rows[j * m..(j + 1) * m]);
                assert_eq!(full[i % BLOCK].to_bits(), want.to_bits());
                let s = stopped[i % BLOCK];
                assert!(s.to_bits() == want.to_bits() || (s > 1.0 && want >= s));
            }
        }
    }

    /// What a scan of every row in index order finds, as the shift computed it before.
    fn brute(
        rows: &[f32],
        m: usize,
        members: &[usize],
        q: &[f32],
        k: usize,
    ) -> (f32, Vec<(f32, usize)>) {
        let mut best = f32::INFINITY;
        let mut near: Vec<(f32, usize)> = Vec::new();
        for &j in members {
            let s = alone(q, &rows[j * m..(j + 1) * m]);
            best = best.min(s);
            let kth = if near.len() == k {
                near[k - 1].0
            } else {
                f32::INFINITY
            };
            if s < kth {
                let at = near.partition_point(|&(v, _)| v <= s);
                near.insert(at, (s, j));
                near.truncate(k);
            }
        }
        (best, near)
    }

    #[test]
    fn sorted_searches_find_what_a_full_scan_finds_ties_included() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let m = 16;
        let n = 600;
        // Coarse values, so that many rows repeat and many distances tie.
        let rows: Vec<f32> = (0..n * m)
            .map(|i| {
                if i % m >= 11 {
                    0.0
                } else {
                    f32::from(rng.gen_range(0u8..4)) * 0.5
                }
            })
            .collect();
        let members: Vec<usize> = (0..n).filter(|j| j % 3 != 1).collect();
        let sample: Vec<usize> = members.iter().copied().step_by(4).collect();
        let axis = main_axis(&rows, m, &sample);
        let sorted = Sorted::new(&rows, m, &members, &axis);
        for t in 0..200 {
            let q: Vec<f32> = if t % 2 == 0 {
                rows[t * m..(t + 1) * m].to_vec()
            } else {
                (0..m).map(|_| rng.gen_range(-1.0f32..2.5)).collect()
            };
            let (best, near) = brute(&rows, m, &members, &q, 5);
            assert_eq!(sorted.nearest(&q, None).to_bits(), best.to_bits());
            assert_eq!(sorted.k_nearest(&q, 5), near);
        }
        // Skipping the query's own row: its nearest other member.
        for &i in members.iter().take(100) {
            let others: Vec<usize> = members.iter().copied().filter(|&j| j != i).collect();
            let q = &rows[i * m..(i + 1) * m];
            let (best, _) = brute(&rows, m, &others, q, 1);
            assert_eq!(sorted.nearest(q, Some(i)).to_bits(), best.to_bits());
        }
    }
}
