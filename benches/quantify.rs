//! Speed of the share estimators with their bootstrap intervals (the benchmark calls them about
//! 10,000 times; the audit once).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use follower_audit::{IntervalOptions, Label, Method, Quantifier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A P(fake) in (0, 1): fakes skewed high, genuine low.
fn score(rng: &mut ChaCha8Rng, fake: bool) -> f64 {
    let u: f64 = rng.gen::<f64>().powi(3);
    if fake {
        1.0 - u
    } else {
        u
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    // A validation set the size of half of cresci-2015 E13+INT (about 1,400 accounts).
    let labels: Vec<Label> = (0..1400)
        .map(|i| {
            if i % 2 == 0 {
                Label::Fake
            } else {
                Label::Genuine
            }
        })
        .collect();
    let val: Vec<f64> = labels
        .iter()
        .map(|l| score(&mut rng, l.is_fake()))
        .collect();
    let q = Quantifier::new(&val, &labels, 0.5, 0.5).unwrap();
    let mut group = c.benchmark_group("quantify");
    for n in [100usize, 1000] {
        // Continuous scores (every value distinct), 30% fake.
        let sample: Vec<f64> = (0..n).map(|i| score(&mut rng, i % 10 < 3)).collect();
        let opts = IntervalOptions {
            bootstrap: 500,
            ..IntervalOptions::default()
        };
        group.bench_with_input(BenchmarkId::new("estimate_all_b500", n), &sample, |b, s| {
            b.iter(|| q.estimate_all(s, &opts).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("pacc_b500", n), &sample, |b, s| {
            b.iter(|| q.estimate(s, Method::Pacc, &opts).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("em_b500", n), &sample, |b, s| {
            b.iter(|| q.estimate(s, Method::Em, &opts).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
