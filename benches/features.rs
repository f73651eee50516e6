//! Feature extraction speed: profile-only accounts (the common case, Cresci's "Class A" cost)
//! at 10k and 100k, sequential (one core) and parallel (rayon); and accounts with a 50-post
//! timeline.
//!
//! Run: `cargo bench --bench features -- --quick` (or without `--quick` for full sampling).
//! Throughput is in accounts (elements) per second.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use follower_audit::{Account, FeatureExtractor, FeatureSet, Platform, Post};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SYLLABLES: [&str; 12] = [
    "an", "ma", "ri", "lo", "ke", "su", "ta", "ni", "ro", "be", "li", "xo",
];

fn word(rng: &mut ChaCha8Rng, syllables: usize) -> String {
    (0..syllables)
        .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
        .collect()
}

/// A Twitter-like profile with every field an export usually has, some left empty.
fn account(rng: &mut ChaCha8Rng, timeline: bool) -> Account {
    let crawled = Utc.with_ymd_and_hms(2015, 2, 14, 10, 0, 0).unwrap();
    let mut a = Account::default();
    let p = &mut a.profile;
    p.platform = Platform::Twitter;
    p.screen_name = Some(format!("{}{}", word(rng, 3), rng.gen_range(0..100)));
    p.name = Some(format!("{} {}", word(rng, 2), word(rng, 3)));
    if rng.gen_bool(0.8) {
        let n = rng.gen_range(1..12);
        p.description = Some((0..n).map(|_| word(rng, 2)).collect::<Vec<_>>().join(" "));
    }
    if rng.gen_bool(0.5) {
        p.location = Some(word(rng, 3));
    }
    if rng.gen_bool(0.3) {
        p.url = Some("http://t.co/abc".into());
    }
    p.created_at = Some(crawled - chrono::Duration::days(rng.gen_range(1..3000)));
    p.crawled_at = Some(crawled);
    p.statuses_count = Some(rng.gen_range(0..50_000));
    p.followers_count = Some(rng.gen_range(0..10_000));
    p.friends_count = Some(rng.gen_range(0..5_000));
    p.favourites_count = Some(rng.gen_range(0..5_000));
    p.listed_count = Some(rng.gen_range(0..50));
    p.default_profile = Some(rng.gen_bool(0.4));
    p.default_profile_image = Some(rng.gen_bool(0.1));
    p.profile_use_background_image = Some(rng.gen_bool(0.8));
    p.geo_enabled = Some(rng.gen_bool(0.3));
    if timeline {
        let sources = [
            "Twitter for iPhone",
            "Twitter Web Client",
            "dlvr.it",
            "Twitter for Android",
        ];
        a.activity = Some(
            (0..50)
                .map(|_| Post {
                    created_at: Some(
                        crawled - chrono::Duration::minutes(rng.gen_range(0..100_000)),
                    ),
                    text: Some(format!(
                        "@{} {} {} http://t.co/{} #{}",
                        word(rng, 2),
                        word(rng, 3),
                        word(rng, 2),
                        rng.gen_range(0..1000),
                        word(rng, 2)
                    )),
                    source: Some(sources[rng.gen_range(0..sources.len())].into()),
                    is_retweet: rng.gen_bool(0.3),
                    retweet_count: Some(rng.gen_range(0..5)),
                    ..Post::default()
                })
                .collect(),
        );
    }
    a
}

fn accounts(n: usize, timeline: bool, seed: u64) -> Vec<Account> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| account(&mut rng, timeline)).collect()
}

fn profile(c: &mut Criterion) {
    let fx = FeatureExtractor::new(FeatureSet::Twitter);
    let mut g = c.benchmark_group("features_profile");
    for n in [10_000usize, 100_000] {
        let data = accounts(n, false, 7);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("sequential", n), &data, |b, d| {
            b.iter(|| fx.extract_sequential(d))
        });
        g.bench_with_input(BenchmarkId::new("parallel", n), &data, |b, d| {
            b.iter(|| fx.extract(d))
        });
        // Reusing one buffer: no page faults for a fresh matrix.
        let mut buf = ndarray::Array2::<f64>::zeros((n, fx.schema().len()));
        g.bench_with_input(BenchmarkId::new("parallel_into", n), &data, |b, d| {
            b.iter(|| fx.extract_into(d, buf.view_mut()).unwrap())
        });
    }
    g.finish();
}

fn timeline(c: &mut Criterion) {
    let fx = FeatureExtractor::new(FeatureSet::Twitter);
    let mut g = c.benchmark_group("features_timeline_50_posts");
    let n = 2_000usize;
    let data = accounts(n, true, 11);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::new("sequential", n), &data, |b, d| {
        b.iter(|| fx.extract_sequential(d))
    });
    g.bench_with_input(BenchmarkId::new("parallel", n), &data, |b, d| {
        b.iter(|| fx.extract(d))
    });
    g.finish();
}

criterion_group!(benches, profile, timeline);
criterion_main!(benches);
