//! Reader throughput: Cresci CSV and Twitter v1.1 JSON Lines, sequential and chunked-parallel.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use follower_audit::{AccountReader, ReadOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `n` invented accounts as a MIB-style users.csv and as v1.1 JSON Lines.
fn inputs(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut csv = String::from(
        "\"id\",\"name\",\"screen_name\",\"statuses_count\",\"followers_count\",\"friends_count\",\
         \"favourites_count\",\"listed_count\",\"created_at\",\"url\",\"lang\",\"location\",\
         \"default_profile\",\"default_profile_image\",\"geo_enabled\",\"description\",\"updated\"\n",
    );
    let mut jsonl = String::new();
    for i in 0..n {
        let id = 10_000_000 + i;
        let date = format!(
            "Wed {} {:02} {:02}:{:02}:{:02} +0000 {}",
            MONTHS[rng.gen_range(0..12)],
            rng.gen_range(1..29),
            rng.gen_range(0..24),
            rng.gen_range(0..60),
            rng.gen_range(0..60),
            rng.gen_range(2008..2015)
        );
        let (followers, friends, statuses): (u32, u32, u32) = (
            rng.gen_range(0..5000),
            rng.gen_range(0..5000),
            rng.gen_range(0..20000),
        );
        csv.push_str(&format!(
            "\"{id}\",\"User {i}\",\"user{id}\",\"{statuses}\",\"{followers}\",\"{friends}\",\"3\",\"1\",\
             \"{date}\",,\"en\",\"Somewhere\",\"1\",,,\"account {i} likes tea\",\"2015-02-14 10:54:49\"\n"
        ));
        jsonl.push_str(&format!(
            "{{\"id_str\":\"{id}\",\"name\":\"User {i}\",\"screen_name\":\"user{id}\",\
             \"followers_count\":{followers},\"friends_count\":{friends},\"statuses_count\":{statuses},\
             \"created_at\":\"{date}\",\"description\":\"account {i} likes tea\",\"default_profile\":true,\
             \"status\":{{\"id_str\":\"{id}0\",\"text\":\"hi\",\"source\":\"<a href=\\\"x\\\">web</a>\",\
             \"created_at\":\"Fri May 01 10:00:00 +0000 2015\",\"entities\":{{\"urls\":[]}}}}}}\n"
        ));
    }
    (csv.into_bytes(), jsonl.into_bytes())
}

fn read(c: &mut Criterion) {
    let n = 50_000;
    let (csv, jsonl) = inputs(n);
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    for (name, data) in [("cresci_csv", &csv), ("twitter_v1_jsonl", &jsonl)] {
        for parallel in [false, true] {
            let options = ReadOptions::default().parallel(parallel);
            group.bench_with_input(
                BenchmarkId::new(
                    format!(
                        "{name}/{}",
                        ["sequential", "parallel"][usize::from(parallel)]
                    ),
                    n,
                ),
                data,
                |b, data| {
                    b.iter(|| {
                        let reader = AccountReader::from_reader(
                            std::io::Cursor::new(data.clone()),
                            &options,
                        )
                        .unwrap();
                        let accepted = reader.filter(Result::is_ok).count();
                        assert_eq!(accepted, n);
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
