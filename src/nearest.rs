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
    rows: usize,
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
        Blocks {
            values,
            m,
            rows: members.len(),
        }
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows
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
        assert_eq!(blocks.len(), members.len());
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
}
