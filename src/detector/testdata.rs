//! Synthetic labelled matrices for the detectors' unit tests.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::account::Label;
use crate::features::{FeatureMatrix, FeatureSchema};

/// Two noisy clusters, about 40% fake: fakes have lower `f0` and higher `f1`; other columns
/// are noise.
pub(crate) fn synthetic(n: usize, p: usize, seed: u64) -> (FeatureMatrix, Vec<Label>) {
    synthetic_with_share(n, p, seed, 0.4)
}

/// As [`synthetic`] with a chosen fake share.
pub(crate) fn synthetic_with_share(
    n: usize,
    p: usize,
    seed: u64,
    fake_share: f64,
) -> (FeatureMatrix, Vec<Label>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = (0..p).map(|i| format!("f{i}")).collect();
    let schema = FeatureSchema::new("synthetic", 1, names).unwrap();
    let mut x = Array2::zeros((n, p));
    let mut y = Vec::with_capacity(n);
    for r in 0..n {
        let fake = rng.gen_bool(fake_share);
        y.push(if fake { Label::Fake } else { Label::Genuine });
        for c in 0..p {
            let shift = match c {
                0 if fake => -1.5,
                1 if fake => 1.0,
                _ => 0.0,
            };
            x[[r, c]] = rng.gen_range(-1.0..1.0) + shift;
        }
    }
    (FeatureMatrix::new(schema, x).unwrap(), y)
}
