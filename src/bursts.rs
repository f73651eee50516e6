//! Bought-follower bursts: stretches of a follow-ordered list where the fake share jumps.
//!
//! Bought followers arrive in blocks: a seller delivers a few hundred or thousand accounts within
//! hours, so they sit next to each other in the follower list, which the platforms return newest
//! first. Given each scored follower's P(fake) in follow order, we segment the sequence by
//! binary segmentation on the mean (least squares cost, a BIC-style penalty, a minimum segment
//! length), take the length-weighted median of segment means as the account's baseline, and
//! report as a burst every segment whose mean is well above the baseline: at least
//! `min_excess` higher and significant at `z >= min_z` under the segment's own sampling error.
//! Adjacent such segments are one burst, and so are two bursts split by a dip no longer than
//! either when the whole stretch, dip included, still passes both tests: a purchase often
//! carries a run of genuine-looking accounts, which segmentation isolates. The number of
//! bought followers in a burst is its excess fake share times its length in the original
//! list.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Settings of burst detection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurstParams {
    /// Smallest segment, in scored followers.
    pub min_segment: usize,
    /// Smallest excess of a burst's mean P(fake) over the baseline.
    pub min_excess: f64,
    /// Smallest z-score of that excess.
    pub min_z: f64,
    /// Multiplier of the BIC penalty `variance * ln(n)` a split must beat.
    pub penalty: f64,
}

impl Default for BurstParams {
    fn default() -> Self {
        BurstParams {
            min_segment: 30,
            min_excess: 0.2,
            min_z: 4.0,
            penalty: 3.0,
        }
    }
}

impl BurstParams {
    fn validate(&self) -> Result<()> {
        let bad = |name: &str, reason: &str| {
            Err(Error::InvalidParams {
                name: name.into(),
                reason: reason.into(),
            })
        };
        if self.min_segment < 2 {
            return bad("min_segment", "must be at least 2");
        }
        if !(0.0..=1.0).contains(&self.min_excess) {
            return bad("min_excess", "must be in [0, 1]");
        }
        if !(self.min_z.is_finite() && self.min_z >= 0.0) {
            return bad("min_z", "must be finite and non-negative");
        }
        if !(self.penalty.is_finite() && self.penalty > 0.0) {
            return bad("penalty", "must be finite and positive");
        }
        Ok(())
    }
}

/// A stretch of the follower list where the fake share jumps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Burst {
    /// Position of its first follower in the input list (0 = newest follower).
    pub start: u64,
    /// Position one past its last follower.
    pub end: u64,
    /// Followers scored inside it (fewer than `end - start` when the list was sampled).
    pub scored: usize,
    /// Mean P(fake) inside it.
    pub fake_share: f64,
    /// The account's baseline mean P(fake) outside bursts.
    pub baseline_fake_share: f64,
    /// Estimated number of bought followers in it: `(fake_share - baseline) * (end - start)`.
    pub estimated_bought: f64,
}

impl Burst {
    /// Position of its last follower (`end - 1`): what "followers 700 to 1299" means when a
    /// report speaks of the burst.
    pub fn last(&self) -> u64 {
        self.end.saturating_sub(1).max(self.start)
    }
}

/// Finds bursts in P(fake) values given in follow order, with each value's position in the input.
///
/// `positions` must be strictly increasing; with a complete list they are `0..n`.
///
/// # Errors
/// [`Error::InvalidParams`] for bad params; [`Error::InvalidData`] when the slices differ in length,
/// positions are not increasing, or a probability is outside [0, 1].
///
/// # Examples
/// ```
/// use follower_audit::{find_bursts, BurstParams};
/// let mut p = vec![0.1; 1000];
/// for v in &mut p[400..600] { *v = 0.95; }
/// let positions: Vec<u64> = (0..1000).collect();
/// let bursts = find_bursts(&p, &positions, &BurstParams::default()).unwrap();
/// assert_eq!(bursts.len(), 1);
/// assert_eq!((bursts[0].start, bursts[0].end), (400, 600));
/// ```
pub fn find_bursts(p_fake: &[f64], positions: &[u64], params: &BurstParams) -> Result<Vec<Burst>> {
    params.validate()?;
    if p_fake.len() != positions.len() {
        return Err(Error::InvalidData(format!(
            "{} probabilities but {} positions",
            p_fake.len(),
            positions.len()
        )));
    }
    if let Some(w) = positions.windows(2).find(|w| w[1] <= w[0]) {
        return Err(Error::InvalidData(format!(
            "positions must increase, found {} then {}",
            w[0], w[1]
        )));
    }
    find_bursts_at(p_fake, |i| positions[i], params)
}

/// [`find_bursts`] with follower `i`'s position given by `position(i)` (increasing), so that
/// a caller whose positions are mostly `0, 1, 2, ...` need not store them. Beyond `p_fake`,
/// memory is a sorted copy of the neighbour differences (4 bytes a follower) while the noise
/// level is measured, then the running sums and the lengths' reciprocals (16 bytes a
/// follower) while the cuts are searched.
pub(crate) fn find_bursts_at(
    p_fake: &[f64],
    position: impl Fn(usize) -> u64,
    params: &BurstParams,
) -> Result<Vec<Burst>> {
    params.validate()?;
    if let Some(p) = p_fake.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(Error::InvalidData(format!(
            "probability {p} outside [0, 1]"
        )));
    }
    let n = p_fake.len();
    if n < 2 * params.min_segment {
        return Ok(Vec::new());
    }
    let mean = |a: usize, b: usize| mean_of(p_fake, a, b);
    // Noise level: the pooled variance of the whole list would include the jumps themselves, so
    // use the median absolute difference of neighbours, which is robust to a few change points.
    let variance = robust_variance(p_fake).max(1e-4);
    let threshold = params.penalty * variance * (n as f64).ln();

    let mut cuts = vec![0, n];
    // Running sums and reciprocals: 16 bytes a follower while the cuts are searched.
    let sums = Sums::of(p_fake);
    split(&sums, 0, n, params.min_segment, threshold, &mut cuts);
    drop(sums);
    cuts.sort_unstable();

    let segments: Vec<(usize, usize, f64)> = cuts
        .windows(2)
        .map(|w| (w[0], w[1], mean(w[0], w[1])))
        .collect();
    let baseline = weighted_median(&segments);
    let total_end = position(n - 1) + 1;
    // Whether `[a, b)` with mean `mean` stands out from the baseline as a burst.
    let stands_out = |a: usize, b: usize, mean: f64| {
        let se = (baseline.max(mean) * (1.0 - baseline.min(mean))).max(variance) / (b - a) as f64;
        mean - baseline >= params.min_excess && (mean - baseline) / se.sqrt() >= params.min_z
    };
    // The scored-follower ranges `[a, b)` of the bursts: segments that stand out, adjacent
    // ones (a burst with a ramp) joined.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &(a, b, mean) in &segments {
        if !stands_out(a, b, mean) {
            continue;
        }
        match ranges.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ => ranges.push((a, b)),
        }
    }
    // Two bursts split by a dip no longer than either (a run of genuine-looking followers
    // inside one purchase) are one burst when the whole stretch, dip included, stands out.
    let mut joined: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        if let Some(last) = joined.last_mut() {
            let dip = a - last.1;
            if dip <= (last.1 - last.0).min(b - a) && stands_out(last.0, b, mean(last.0, b)) {
                last.1 = b;
                continue;
            }
        }
        joined.push((a, b));
    }
    let bursts = joined
        .into_iter()
        .map(|(a, b)| {
            // A burst spans from its first scored follower to the next segment's first one,
            // so unscored followers between samples are credited to the segment before them.
            let start = if a == 0 { 0 } else { position(a) };
            let end = if b == n { total_end } else { position(b) };
            let fake_share = mean(a, b);
            Burst {
                start,
                end,
                scored: b - a,
                fake_share,
                baseline_fake_share: baseline,
                estimated_bought: (fake_share - baseline) * (end - start) as f64,
            }
        })
        .collect();
    Ok(bursts)
}

/// The mean of `p[a..b]` (`a < b`).
fn mean_of(p: &[f64], a: usize, b: usize) -> f64 {
    p[a..b].iter().sum::<f64>() / (b - a) as f64
}

/// Candidate cuts computed at a time.
const CHUNK: usize = 256;

/// Binary segmentation of the values whose running sums are in `sums`, over `[a, b)`: finds
/// the cut that most lowers the squared error of a piecewise-constant mean ([`best_cut`]),
/// keeps it when the drop exceeds `threshold`, and recurses on both sides (side by side on the
/// rayon pool for long stretches). Pushes the cuts, in no order. The result is the same at any thread count: each
/// stretch's search is sequential and the cuts are sorted afterwards.
fn split(sums: &Sums, mut a: usize, mut b: usize, m: usize, threshold: f64, cuts: &mut Vec<usize>) {
    /// Stretches at least this long are split side by side.
    const PARALLEL: usize = 1 << 16;
    // Recurses into the shorter side and loops on the longer one, so the stack holds at most
    // about log2(n / m) frames however one-sided the cuts fall.
    while b - a >= 2 * m {
        let Some(k) = best_cut(sums, a, b, m, threshold) else {
            return;
        };
        cuts.push(k);
        if b - a >= PARALLEL {
            let mut right = Vec::new();
            rayon::join(
                || split(sums, a, k, m, threshold, cuts),
                || split(sums, k, b, m, threshold, &mut right),
            );
            cuts.extend(right);
            return;
        }
        if k - a < b - k {
            split(sums, a, k, m, threshold, cuts);
            a = k;
        } else {
            split(sums, k, b, m, threshold, cuts);
            b = k;
        }
    }
}

/// What [`split`] reads: the running sums of the values (`prefix[i]`, the sum of the first
/// `i`) and the reciprocals of the lengths (`inverse[i] = 1 / i`).
struct Sums {
    prefix: Vec<f64>,
    inverse: Vec<f64>,
}

impl Sums {
    fn of(p: &[f64]) -> Sums {
        let prefix = std::iter::once(0.0)
            .chain(p.iter().scan(0.0, |sum, &v| {
                *sum += v;
                Some(*sum)
            }))
            .collect();
        let inverse = (0..=p.len()).map(|i| 1.0 / i as f64).collect();
        Sums { prefix, inverse }
    }
}

/// The cut `k` of `[a, b)` (`b - a >= 2m`, each side at least `m` long) that most lowers the
/// squared error, the first of equals, when that drop exceeds `threshold`.
///
/// The drop of cutting at `k` is `L²/(k-a) + R²/(b-k) - S²/(b-a)`, with `L`, `R` and `S`
/// the sums of the left part, the right part and the whole: the sums of squares cancel, so
/// the running sums serve, and every candidate is computed on its own, [`CHUNK`] at a time
/// (in lanes the compiler vectorizes). Divisions are slow, so every candidate's value is
/// first approximated with the lengths' reciprocals (within a few units in the last place,
/// all terms being positive); only the chunks holding a candidate within a millionth of a
/// millionth of the largest approximation, where the best cut must be, are then computed
/// exactly, and the cut is the one a computation of every candidate picks.
fn best_cut(sums: &Sums, a: usize, b: usize, m: usize, threshold: f64) -> Option<usize> {
    let (prefix, inverse) = (&sums.prefix[..], &sums.inverse[..]);
    let base = prefix[a];
    let s = prefix[b] - base;
    let whole = s * s / (b - a) as f64;
    let (first, last) = (a + m, b - m);
    let chunks = (first..=last)
        .step_by(CHUNK)
        .map(|k0| (k0, (last + 1 - k0).min(CHUNK)));
    let mut gains = [0.0f64; CHUNK];
    // Each chunk's largest approximate value.
    let mut tops: Vec<(usize, usize, f64)> = Vec::with_capacity((last + 1 - first).div_ceil(CHUNK));
    let mut top = 0.0f64;
    for (k0, len) in chunks {
        let left_inv = &inverse[k0 - a..k0 - a + len];
        let right_inv = &inverse[b - (k0 + len - 1)..=b - k0];
        for (((g, &sum), &li), &ri) in gains[..len]
            .iter_mut()
            .zip(&prefix[k0..k0 + len])
            .zip(left_inv)
            .zip(right_inv.iter().rev())
        {
            let left = sum - base;
            let right = s - left;
            *g = left * left * li + right * right * ri;
        }
        let chunk_top = largest(&gains[..len]);
        top = top.max(chunk_top);
        tops.push((k0, len, chunk_top));
    }
    let offsets: [f64; CHUNK] = std::array::from_fn(|j| j as f64);
    let mut best = (f64::NEG_INFINITY, 0usize);
    for &(k0, len, chunk_top) in &tops {
        if chunk_top < top * (1.0 - 1e-12) {
            continue;
        }
        let (left_n, right_n) = ((k0 - a) as f64, (b - k0) as f64);
        for ((g, &sum), &j) in gains[..len]
            .iter_mut()
            .zip(&prefix[k0..k0 + len])
            .zip(&offsets[..len])
        {
            let left = sum - base;
            let right = s - left;
            *g = left * left / (left_n + j) + right * right / (right_n - j);
        }
        for (j, &g) in gains[..len].iter().enumerate() {
            if g > best.0 {
                best = (g, k0 + j);
            }
        }
    }
    (best.0 - whole > threshold).then_some(best.1)
}

/// The largest of `values` (not NaN, none below zero), 0 for none. In four independent
/// lanes, so that the comparisons need not wait for each other; the largest value is the same
/// in any order.
fn largest(values: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let mut quads = values.chunks_exact(4);
    for q in quads.by_ref() {
        for (l, &v) in lanes.iter_mut().zip(q) {
            *l = if v > *l { v } else { *l };
        }
    }
    let mut top = lanes.iter().fold(0.0f64, |t, &l| if l > t { l } else { t });
    for &v in quads.remainder() {
        top = if v > top { v } else { top };
    }
    top
}

/// Variance of the noise around a piecewise-constant mean, from neighbour differences:
/// (1.4826 * MAD of first differences)^2 / 2.
fn robust_variance(x: &[f64]) -> f64 {
    if x.len() < 3 {
        return 0.0;
    }
    // The differences are kept as f32 (half the memory of a large list); scores carry no
    // more precision than that anyway.
    let mut d: Vec<f32> = x.windows(2).map(|w| (w[1] - w[0]).abs() as f32).collect();
    let mid = d.len() / 2;
    let mad = f64::from(*d.select_nth_unstable_by(mid, f32::total_cmp).1);
    // For noisy 0/1-like scores the median difference can be 0 (many equal values); fall back
    // to the mean squared difference in that case.
    if mad > 0.0 {
        (1.4826 * mad).powi(2) / 2.0
    } else {
        x.windows(2)
            .map(|w| (w[1] - w[0]) * (w[1] - w[0]))
            .sum::<f64>()
            / d.len() as f64
            / 2.0
    }
}

fn weighted_median(segments: &[(usize, usize, f64)]) -> f64 {
    let mut by_mean: Vec<(f64, usize)> = segments.iter().map(|&(a, b, m)| (m, b - a)).collect();
    by_mean.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    let total: usize = by_mean.iter().map(|x| x.1).sum();
    let mut acc = 0;
    for (m, w) in &by_mean {
        acc += w;
        if 2 * acc >= total {
            return *m;
        }
    }
    by_mean.last().map_or(0.0, |x| x.0)
}

/// The `n` largest of `items` by `size` (ties: the earlier first), as `(index, item)` in the
/// items' own order: what a summary lists when there are too many to show.
pub(crate) fn largest_in_order<T>(
    items: &[T],
    n: usize,
    size: impl Fn(&T) -> f64,
) -> Vec<(usize, &T)> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| size(&items[b]).total_cmp(&size(&items[a])).then(a.cmp(&b)));
    order.truncate(n);
    order.sort_unstable();
    order.into_iter().map(|i| (i, &items[i])).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_largest_come_back_in_their_own_order_ties_to_the_earlier() {
        let sizes = [3.0, 9.0, 1.0, 9.0, 5.0, 9.0];
        let got: Vec<usize> = largest_in_order(&sizes, 3, |&v| v)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(got, vec![1, 3, 5]);
        let got: Vec<usize> = largest_in_order(&sizes, 4, |&v| v)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(got, vec![1, 3, 4, 5]);
        assert_eq!(largest_in_order(&sizes, 10, |&v| v).len(), 6);
        assert!(largest_in_order(&[] as &[f64], 3, |&v| v).is_empty());
    }

    use super::*;

    /// The search before candidates were skipped by chunk bounds: every candidate cut's gain
    /// `L²/(k-a) + R²/(b-k)` computed, the first best kept, and kept only when it beats the
    /// uncut stretch by more than `threshold`.
    fn best_cut_every_candidate(
        prefix: &[f64],
        a: usize,
        b: usize,
        m: usize,
        threshold: f64,
    ) -> Option<usize> {
        let base = prefix[a];
        let s = prefix[b] - base;
        let whole = s * s / (b - a) as f64;
        let mut best = (f64::NEG_INFINITY, 0usize);
        for (k, &sum) in prefix.iter().enumerate().take(b - m + 1).skip(a + m) {
            let left = sum - base;
            let right = s - left;
            let g = left * left / (k - a) as f64 + right * right / (b - k) as f64;
            if g > best.0 {
                best = (g, k);
            }
        }
        (best.0 - whole > threshold).then_some(best.1)
    }

    /// The four-lane largest value is the plain fold's, at every length.
    #[test]
    fn largest_is_the_plain_maximum() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for len in 0..40 {
            for _ in 0..20 {
                let v: Vec<f64> = (0..len)
                    .map(|_| match rng.gen_range(0..4) {
                        0 => 0.0,
                        1 => 1.0,
                        _ => rng.gen_range(0.0..1e6),
                    })
                    .collect();
                let plain = v.iter().fold(0.0f64, |t, &g| t.max(g));
                assert_eq!(largest(&v).to_bits(), plain.to_bits(), "{v:?}");
            }
        }
    }

    #[test]
    fn skipping_chunks_finds_the_cuts_of_every_candidate() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..40 {
            let n = rng.gen_range(60..5000);
            let levels = [0.0, 0.1, 0.5, 0.9, 1.0];
            let mut p = Vec::with_capacity(n);
            while p.len() < n {
                let run = rng.gen_range(1..400);
                let base: f64 = levels[rng.gen_range(0..levels.len())];
                for _ in 0..run {
                    // Coarse values (many equal sums and gains) or noisy ones.
                    let v = if case % 2 == 0 {
                        base
                    } else {
                        (base + rng.gen_range(-0.3..0.3f64)).clamp(0.0, 1.0)
                    };
                    p.push(v);
                }
            }
            p.truncate(n);
            let sums = Sums::of(&p);
            for (m, threshold) in [(2, 0.0), (30, 0.5), (7, 3.0)] {
                // The whole list, then stretches of it as the recursion meets them.
                let mut stretches = vec![(0, n)];
                for _ in 0..20 {
                    let a = rng.gen_range(0..n - 2 * m);
                    stretches.push((a, rng.gen_range(a + 2 * m..=n)));
                }
                for (a, b) in stretches {
                    assert_eq!(
                        best_cut(&sums, a, b, m, threshold),
                        best_cut_every_candidate(&sums.prefix, a, b, m, threshold),
                        "case {case}, n {n}, m {m}, [{a}, {b})"
                    );
                }
            }
        }
    }
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn noisy(n: usize, burst: std::ops::Range<usize>, base: f64, high: f64, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                let share = if burst.contains(&i) { high } else { base };
                // Scores of a good classifier: fakes near 1, genuine near 0.
                if rng.gen::<f64>() < share {
                    rng.gen_range(0.7..1.0)
                } else {
                    rng.gen_range(0.0..0.3)
                }
            })
            .collect()
    }

    #[test]
    fn finds_one_burst_in_noise() {
        let p = noisy(5000, 1200..2000, 0.1, 0.9, 7);
        let pos: Vec<u64> = (0..5000).collect();
        let b = find_bursts(&p, &pos, &BurstParams::default()).unwrap();
        assert_eq!(b.len(), 1, "{b:?}");
        assert!((b[0].start as i64 - 1200).abs() < 40, "{b:?}");
        assert!((b[0].end as i64 - 2000).abs() < 40, "{b:?}");
        // Mean score is 0.85 * share + 0.15 * (1 - share): 0.22 outside, 0.78 inside, so the
        // excess over 800 followers is 0.56 * 800 = 448.
        assert!((b[0].estimated_bought - 448.0).abs() < 60.0, "{b:?}");
    }

    #[test]
    fn a_short_genuine_run_inside_a_burst_leaves_it_one_burst() {
        // 800 bought followers with 60 genuine-looking ones in the middle (the vendor's
        // batch interleaved with real follows), then a normal stretch and a second, later
        // purchase: the first is one burst, the second stays apart.
        let mut p = noisy(6000, 1200..2000, 0.1, 0.9, 11);
        for v in &mut p[1570..1630] {
            *v = 0.05;
        }
        for (i, v) in noisy(6000, 4000..4400, 0.1, 0.9, 12)
            .into_iter()
            .enumerate()
        {
            if (4000..4400).contains(&i) {
                p[i] = v;
            }
        }
        let pos: Vec<u64> = (0..6000).collect();
        let b = find_bursts(&p, &pos, &BurstParams::default()).unwrap();
        assert_eq!(b.len(), 2, "{b:?}");
        assert!((b[0].start as i64 - 1200).abs() < 40, "{b:?}");
        assert!((b[0].end as i64 - 2000).abs() < 40, "{b:?}");
        assert!((b[1].start as i64 - 4000).abs() < 40, "{b:?}");
    }

    #[test]
    fn no_burst_in_homogeneous_list() {
        for seed in 0..5 {
            let p = noisy(5000, 0..0, 0.3, 0.3, seed);
            let pos: Vec<u64> = (0..5000).collect();
            let b = find_bursts(&p, &pos, &BurstParams::default()).unwrap();
            assert!(b.is_empty(), "seed {seed}: {b:?}");
        }
    }

    #[test]
    fn sampled_positions_scale_the_burst() {
        // Every 10th follower scored: positions 0, 10, 20, ...
        let p = noisy(2000, 500..800, 0.05, 0.95, 3);
        let pos: Vec<u64> = (0..2000).map(|i| i * 10).collect();
        let b = find_bursts(&p, &pos, &BurstParams::default()).unwrap();
        assert_eq!(b.len(), 1, "{b:?}");
        assert!((b[0].start as i64 - 5000).abs() <= 300, "{b:?}");
        assert!((b[0].end as i64 - 8000).abs() <= 300, "{b:?}");
        // Expected excess (0.815 - 0.185) * 3000 = 1890 in the whole list.
        assert!((b[0].estimated_bought - 1890.0).abs() < 200.0, "{b:?}");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(find_bursts(&[0.1, 0.2], &[0], &BurstParams::default()).is_err());
        assert!(find_bursts(&[0.1, 0.2], &[1, 1], &BurstParams::default()).is_err());
        assert!(find_bursts(&[0.1, 1.2], &[0, 1], &BurstParams::default()).is_err());
        let params = BurstParams {
            min_segment: 0,
            ..BurstParams::default()
        };
        assert!(find_bursts(&[], &[], &params).is_err());
        assert!(find_bursts(&[], &[], &BurstParams::default())
            .unwrap()
            .is_empty());
    }
}
