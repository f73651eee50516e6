//! Random forest speed: `predict_proba` of a 100-tree, depth-12 forest on 1,000,000 x 20 rows
//! (the figure compared with scikit-learn in `benches/peer/sklearn_forest.py`), the embedded
//! default Twitter model on 100,000 realistic rows (generated followers through the Twitter
//! feature extractor), and fitting 100 trees on 3,000 x 60.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo bench --bench forest` (and `=2`). The uniform data are the
//! same recipe as the Python peer's: uniform features, a non-linear noisy label.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use follower_audit::synth::{BurstSpec, FollowerListSpec};
use follower_audit::{
    detectors::FittedDetector, detectors::RandomForestParams, Detector, FeatureExtractor,
    FeatureMatrix, FeatureSchema, FeatureSet, Label, Model,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n x p` uniform features; fake when a non-linear score of the first five plus noise is high.
fn data(n: usize, p: usize, seed: u64) -> (FeatureMatrix, Vec<Label>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_simple_fn((n, p), || rng.gen::<f64>());
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let s = r[0] + r[1] * r[2] - r[3] + 0.5 * (6.0 * r[4]).sin() + rng.gen_range(-0.5..0.5);
            if s > 0.5 {
                Label::Fake
            } else {
                Label::Genuine
            }
        })
        .collect();
    let schema = FeatureSchema::new("bench", 1, (0..p).map(|i| format!("f{i}")).collect())
        .expect("distinct names");
    (FeatureMatrix::new(schema, x).expect("finite"), y)
}

/// `cargo bench` passes `--bench`; under `cargo test --benches` each benchmark runs once as a
/// smoke test, on smaller data.
fn full_size() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn predict(c: &mut Criterion) {
    let (n_train, n_test) = if full_size() {
        (50_000, 1_000_000)
    } else {
        (5_000, 10_000)
    };
    let (train, y) = data(n_train, 20, 1);
    let forest = RandomForestParams::default()
        .n_trees(100)
        .max_depth(Some(12))
        .seed(1)
        .fit(&train, &y)
        .expect("fit");
    eprintln!(
        "forest: {} trees, {} nodes ({:.0} per tree), threads {}",
        forest.n_trees(),
        forest.n_nodes(),
        forest.n_nodes() as f64 / forest.n_trees() as f64,
        rayon::current_num_threads()
    );
    let (test, _) = data(n_test, 20, 2);
    let mut group = c.benchmark_group("forest_predict_proba");
    group.sample_size(10);
    group.throughput(Throughput::Elements(test.nrows() as u64));
    group.bench_with_input(
        BenchmarkId::new("100_trees_depth_12", format!("{n_test}x20")),
        &test,
        |b, test| b.iter(|| forest.predict_proba(test).expect("scores")),
    );
    group.finish();
}

/// The embedded Twitter model's forest on realistic rows: seeded generated followers (20% fake,
/// one bought burst), features from the Twitter extractor, scored as one matrix through
/// `RandomForest::predict_proba_values` (the kernel behind the audit's scoring).
fn predict_default_model(c: &mut Criterion) {
    let n = if full_size() { 100_000 } else { 2_000 };
    let model = Model::default_twitter();
    let FittedDetector::RandomForest(forest) = model.detector() else {
        panic!("the default Twitter model is a random forest");
    };
    let accounts: Vec<_> = FollowerListSpec::new(n as u64)
        .fake_share(0.2)
        .burst(BurstSpec::new(n as u64 * 3 / 10, n as u64 / 50, 0.9))
        .seed(7)
        .build()
        .expect("valid spec")
        .iter()
        .collect();
    let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&accounts);
    let mut group = c.benchmark_group("forest_default_model");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(
        BenchmarkId::new("predict_proba_values", format!("{n}x{}", x.schema().len())),
        &x,
        |b, x| b.iter(|| forest.predict_proba_values(x.values()).expect("scores")),
    );
    group.finish();
}

fn fit(c: &mut Criterion) {
    let (train, y) = data(3_000, 60, 3);
    let mut group = c.benchmark_group("forest_fit");
    group.sample_size(10);
    group.bench_with_input(
        BenchmarkId::new("100_trees", "3000x60"),
        &train,
        |b, train| {
            b.iter(|| {
                RandomForestParams::default()
                    .seed(3)
                    .fit(train, &y)
                    .expect("fit")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, predict_default_model, predict, fit);
criterion_main!(benches);
