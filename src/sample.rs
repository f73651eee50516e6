//! Uniform, seeded sampling of a stream whose length is not known in advance.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A reservoir of at most `capacity` items drawn uniformly from a stream (Li's Algorithm L),
/// remembering each item's position so that the sample can be put back in stream order.
///
/// Every item of the stream has the same chance to be kept, whatever its position: a sample of
/// a follower list spreads over the whole follow order, never just the newest followers. The
/// draw depends only on the seed and the stream, so runs are reproducible.
#[derive(Debug)]
pub(crate) struct Reservoir<T> {
    capacity: usize,
    items: Vec<(u64, T)>,
    seen: u64,
    next: u64,
    w: f64,
    rng: ChaCha8Rng,
}

impl<T> Reservoir<T> {
    /// An empty reservoir keeping at most `capacity` items, drawing with `seed`.
    pub fn new(capacity: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w = if capacity == 0 {
            0.0
        } else {
            (open01(&mut rng).ln() / capacity as f64).exp()
        };
        let mut r = Reservoir {
            capacity,
            items: Vec::with_capacity(capacity.min(1 << 20)),
            seen: 0,
            next: 0,
            w,
            rng,
        };
        r.next = capacity as u64;
        if capacity > 0 {
            r.advance();
        }
        r
    }

    fn advance(&mut self) {
        let skip = (open01(&mut self.rng).ln() / (1.0 - self.w).ln()).floor();
        // `skip` can be huge when w is tiny; saturate instead of overflowing.
        let skip = if skip.is_finite() && skip < 1e18 {
            skip as u64
        } else {
            u64::MAX / 2
        };
        self.next = self.next.saturating_add(skip);
    }

    /// Offers the next item of the stream.
    pub fn push(&mut self, item: T) {
        let index = self.seen;
        self.seen += 1;
        if self.capacity == 0 {
            return;
        }
        if self.items.len() < self.capacity {
            self.items.push((index, item));
            return;
        }
        if index == self.next {
            let slot = self.rng.gen_range(0..self.capacity);
            self.items[slot] = (index, item);
            self.w *= (open01(&mut self.rng).ln() / self.capacity as f64).exp();
            self.next = index + 1;
            self.advance();
        }
    }

    /// Number of items offered so far.
    #[cfg(test)]
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample with each item's 0-based stream position, in stream order.
    pub fn into_sorted(mut self) -> Vec<(u64, T)> {
        self.items.sort_unstable_by_key(|x| x.0);
        self.items
    }
}

/// A uniform draw from the open interval (0, 1).
fn open01(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let u: f64 = rng.gen();
        if u > 0.0 {
            return u;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_of_ten_is_in_stream_order() {
        let mut r = Reservoir::new(10, 42);
        for i in 0..1000u32 {
            r.push(i);
        }
        let sample = r.into_sorted();
        assert_eq!(sample.len(), 10);
        assert!(sample.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn keeps_everything_when_small() {
        let mut r = Reservoir::new(100, 1);
        for i in 0..50 {
            r.push(i);
        }
        let s = r.into_sorted();
        assert_eq!(s.len(), 50);
        assert!(s
            .iter()
            .enumerate()
            .all(|(i, x)| x.0 == i as u64 && x.1 == i));
    }

    #[test]
    fn is_uniform_over_positions() {
        // 2,000 draws of 10 from 100: each position is kept about 200 times.
        let mut counts = [0u32; 100];
        for seed in 0..2000 {
            let mut r = Reservoir::new(10, seed);
            for i in 0..100usize {
                r.push(i);
            }
            for (_, i) in r.into_sorted() {
                counts[i] += 1;
            }
        }
        // Binomial(2000, 0.1): sd ~ 13.4; allow 5 sd.
        for (i, c) in counts.iter().enumerate() {
            assert!((*c as i32 - 200).abs() < 67, "position {i}: {c}");
        }
        // The newest and the oldest tenth are equally represented.
        let first: u32 = counts[..10].iter().sum();
        let last: u32 = counts[90..].iter().sum();
        assert!(
            (first as i32 - last as i32).abs() < 150,
            "{first} vs {last}"
        );
    }

    #[test]
    fn same_seed_same_sample() {
        let draw = |seed| {
            let mut r = Reservoir::new(5, seed);
            for i in 0..10_000 {
                r.push(i);
            }
            r.into_sorted()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut r = Reservoir::new(0, 1);
        r.push(1);
        assert_eq!(r.seen(), 1);
        assert!(r.into_sorted().is_empty());
    }
}
