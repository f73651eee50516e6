//! The audit pipeline stage by stage, at 10k / 100k / 1M followers of the seeded generator:
//! reading and parsing (Cresci CSV and API v1.1 JSON Lines, from files in the page cache),
//! feature extraction, default-model scoring, and the whole audit (`--top none` style).
//!
//! ```text
//! cargo bench --bench audit                 # 10k and 100k
//! BENCH_1M=1 cargo bench --bench audit      # also 1M (about 1.2 GB of temporary files)
//! cargo bench --bench audit -- --quick      # fewer samples
//! ```
//!
//! Under `cargo test --all-targets` (criterion's test mode: each bench once) only the 10k size
//! runs, so the suite stays fast. Feature extraction and scoring at 100k and 1M stream a fixed
//! pool of 100k generated accounts in chunks of 8192 (1M = ten passes), as the audit does, so
//! that memory stays bounded; reading and the whole audit read real files of that size.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use follower_audit::synth::{BurstSpec, FollowerListSpec, SynthFormat};
use follower_audit::{
    open, Account, Audit, AuditParams, Detector, FeatureExtractor, FeatureMatrix, FeatureSet,
    Format, Listing, Model, ReadOptions,
};

/// Accounts per chunk, as the audit scores them.
const CHUNK: usize = 8192;
/// Accounts held in memory for the feature and scoring benches.
const POOL: usize = 100_000;

/// The sizes to run: only 10k in test mode; 1M when `BENCH_1M` is set.
fn sizes() -> Vec<usize> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let mut sizes = vec![10_000];
    if bench_mode {
        sizes.push(100_000);
        if std::env::var_os("BENCH_1M").is_some() {
            sizes.push(1_000_000);
        }
    }
    sizes
}

/// The generator of every bench: 20% fake, one bought burst at 30% of the list.
fn spec(n: usize) -> FollowerListSpec {
    FollowerListSpec::new(n as u64)
        .fake_share(0.2)
        .burst(BurstSpec::new(n as u64 * 3 / 10, n as u64 / 50, 0.9))
        .seed(7)
}

/// Writes `n` generated followers in `format` into `dir` (once per size and format).
fn file(dir: &Path, n: usize, format: SynthFormat) -> PathBuf {
    let ext = if format == SynthFormat::CresciCsv {
        "csv"
    } else {
        "jsonl"
    };
    let path = dir.join(format!("followers-{n}.{ext}"));
    if !path.exists() {
        let g = spec(n).build().expect("valid spec");
        let out = BufWriter::new(File::create(&path).expect("temp file"));
        g.write_to(out, format, |_| {}).expect("write");
    }
    path
}

fn read_format(format: SynthFormat) -> Format {
    match format {
        SynthFormat::CresciCsv => Format::CresciCsv,
        _ => Format::TwitterV1,
    }
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sizes = sizes();
    let model = Model::default_twitter();
    let fx = FeatureExtractor::new(FeatureSet::Twitter);

    // Reading and parsing, per format.
    let mut group = c.benchmark_group("audit_read");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 1_000_000 { 10 } else { 20 });
        for format in [SynthFormat::CresciCsv, SynthFormat::TwitterV1Jsonl] {
            let path = file(dir.path(), n, format);
            let options = ReadOptions::default().format(read_format(format));
            let name = if format == SynthFormat::CresciCsv {
                "cresci_csv"
            } else {
                "twitter_v1_jsonl"
            };
            group.bench_with_input(BenchmarkId::new(name, n), &path, |b, path| {
                b.iter(|| {
                    let reader = open(path, &options).expect("open");
                    let read = reader.filter(|r| r.is_ok()).count();
                    assert_eq!(read, n);
                })
            });
        }
        // CSV blocks tokenized and converted on the pool (`parallel`).
        let path = file(dir.path(), n, SynthFormat::CresciCsv);
        let options = ReadOptions::default()
            .format(Format::CresciCsv)
            .parallel(true);
        group.bench_with_input(
            BenchmarkId::new("cresci_csv_parallel", n),
            &path,
            |b, path| {
                b.iter(|| {
                    let reader = open(path, &options).expect("open");
                    let read = reader.filter(|r| r.is_ok()).count();
                    assert_eq!(read, n);
                })
            },
        );
    }
    group.finish();

    // A pool of accounts for the feature and scoring stages, as the reader gives them: a
    // whole number of chunks, so that streaming n accounts over it is n / CHUNK full chunks
    // (cycling over the pool) and one partial chunk.
    let largest = *sizes.iter().max().expect("a size");
    let pool_size = largest.min(POOL).div_ceil(CHUNK) * CHUNK;
    let pool: Vec<Account> = spec(pool_size)
        .build()
        .expect("valid spec")
        .iter()
        .collect();
    let plan = |n: usize| -> Vec<(usize, usize)> {
        (0..n)
            .step_by(CHUNK)
            .map(|start| (start % pool_size, CHUNK.min(n - start)))
            .collect()
    };

    // The full extraction and the default model's columns only (`FeatureExtractor::only`), of
    // the generated accounts (each with its last post as a one-post timeline) and of the same
    // accounts without timelines (as a profile-only export such as a Cresci CSV gives them).
    let used = model
        .used_features()
        .expect("the default model is a forest");
    let fx_used = fx
        .clone()
        .only(&used)
        .expect("the model's columns are in the schema");
    let bare: Vec<Account> = pool
        .iter()
        .map(|a| Account {
            activity: None,
            ..a.clone()
        })
        .collect();
    let cases = [
        ("twitter", &fx, &pool),
        ("twitter_model_columns", &fx_used, &pool),
        ("twitter_no_timeline", &fx, &bare),
        ("twitter_no_timeline_model_columns", &fx_used, &bare),
    ];
    let mut group = c.benchmark_group("audit_features");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(10);
        for (name, fx, pool) in cases {
            group.bench_with_input(BenchmarkId::new(name, n), &plan(n), |b, plan| {
                let d = fx.schema().len();
                let mut full = ndarray::Array2::<f64>::zeros((CHUNK, d));
                b.iter(|| {
                    let mut sum = 0.0;
                    for &(at, len) in plan {
                        let accounts = &pool[at..at + len];
                        if len == CHUNK {
                            fx.extract_into(accounts, full.view_mut()).expect("shape");
                            sum += full[[0, 0]];
                        } else {
                            sum += fx.extract(accounts).values()[[0, 0]];
                        }
                    }
                    sum
                })
            });
        }
    }
    group.finish();

    // The pool's features once, as chunk matrices; scoring streams them.
    let chunk_x: Vec<FeatureMatrix> = pool.chunks(CHUNK).map(|c| fx.extract(c)).collect();
    let mut group = c.benchmark_group("audit_score");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(10);
        let plan = plan(n);
        let tail: Option<FeatureMatrix> = plan
            .last()
            .filter(|&&(_, len)| len < CHUNK)
            .map(|&(at, len)| chunk_x[at / CHUNK].select_rows(&(0..len).collect::<Vec<_>>()));
        group.bench_with_input(BenchmarkId::new("default_twitter", n), &plan, |b, plan| {
            b.iter(|| {
                let mut sum = 0.0;
                for &(at, len) in plan {
                    let x = match (&tail, len < CHUNK) {
                        (Some(t), true) => t,
                        _ => &chunk_x[at / CHUNK],
                    };
                    sum += model.predict_proba(x).expect("schema").sum();
                }
                sum
            })
        });
    }
    group.finish();

    // The whole audit: open, read, features, scores, share estimates and bursts.
    let mut group = c.benchmark_group("audit_whole");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(10);
        let path = file(dir.path(), n, SynthFormat::CresciCsv);
        group.bench_with_input(BenchmarkId::new("cresci_csv", n), &path, |b, path| {
            let options = ReadOptions::default().format(Format::CresciCsv);
            b.iter(|| {
                let mut reader = open(path, &options).expect("open");
                let params = AuditParams::default().followers(Listing::None);
                let report = Audit::new(&model, params)
                    .run_reader(&mut reader, None)
                    .expect("audit");
                assert_eq!(report.scored, n as u64);
                report.genuine_share.estimate
            })
        });
    }
    group.finish();
}

criterion_group!(audit, benches);
criterion_main!(audit);
