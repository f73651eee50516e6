//! Reproducibility: the same input, model and seed give byte-identical JSON reports whatever the
//! thread count, and training with the same seed gives the same model bytes.

use std::io::BufWriter;
use std::path::Path;

use chrono::{TimeZone, Utc};
use follower_audit::synth::{BurstSpec, FollowerListSpec, SynthFormat};
use follower_audit::{
    detectors::RandomForestParams, open, Account, Audit, AuditParams, DetectorParams,
    FeatureExtractor, FeatureSet, Label, Listing, Mode, Model, ModelParams, Platform, ReadOptions,
    TrainingSet,
};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// Audits `path` inside a pool of `threads` threads and returns the report's JSON bytes.
fn audit_json(path: &Path, model: &Model, params: &AuditParams, threads: usize) -> Vec<u8> {
    probed_audit_json(path, model, params, threads, false)
}

/// As [`audit_json`]; with `probe`, the audit first probes the first 2,000 records against the
/// embedded training data (the shift, measured on a uniform sample collected while scoring).
fn probed_audit_json(
    path: &Path,
    model: &Model,
    params: &AuditParams,
    threads: usize,
    probe: bool,
) -> Vec<u8> {
    pool(threads).install(|| {
        // Reading in parallel chunks too: the reader's own parallelism must not reorder anything.
        let options = ReadOptions::default().mode(Mode::Lenient).parallel(true);
        let reader = open(path, &options).expect("the generated file opens");
        let mut audit = Audit::new(model, params.clone());
        if probe {
            let lead: Vec<Account> = open(path, &options)
                .unwrap()
                .filter_map(Result::ok)
                .take(2000)
                .collect();
            audit = audit
                .probe(&lead, TrainingSet::embedded(Platform::Twitter))
                .expect("the probe runs");
        }
        let report = audit
            .run("followers.jsonl", reader)
            .expect("the audit runs");
        serde_json::to_vec_pretty(&report).expect("the report serializes")
    })
}

#[test]
fn audit_json_is_byte_identical_with_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("followers.jsonl");
    let generator = FollowerListSpec::new(100_000)
        .fake_share(0.12)
        .burst(BurstSpec::new(30_000, 5_000, 0.9))
        .seed(42)
        .build()
        .unwrap();
    let file = BufWriter::new(std::fs::File::create(&path).unwrap());
    assert_eq!(
        generator
            .write_to(file, SynthFormat::TwitterV1Jsonl, |_| {})
            .unwrap(),
        100_000
    );

    let model = Model::default_twitter();
    // A fixed time reference and clock: nothing may depend on when the test runs.
    let t = Utc.with_ymd_and_hms(2015, 2, 14, 12, 0, 0).unwrap();
    let params = AuditParams::default()
        .seed(11)
        .as_of(t)
        .clock(t)
        .bootstrap(200)
        .followers(Listing::All);
    let one = audit_json(&path, &model, &params, 1);
    let two = audit_json(&path, &model, &params, 2);
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(report["records_read"].as_u64(), Some(100_000));
    assert_eq!(report["scored"].as_u64(), Some(100_000));
    assert_eq!(report["followers"].as_array().map(Vec::len), Some(100_000));
    // Compare lengths first so that a failure does not print 30 MB.
    assert_eq!(one.len(), two.len(), "report lengths differ");
    assert!(one == two, "1 and 2 threads give different reports");

    // The default listing (the most suspicious, explained as they may enter the list) and
    // the probe's shift (a uniform sample of the scored accounts, kept by their feature
    // hashes as threads hand them over) are the same whatever the thread count.
    let top = params.clone().followers(Listing::MostSuspicious(500));
    let t1 = probed_audit_json(&path, &model, &top, 1, true);
    let t2 = probed_audit_json(&path, &model, &top, 2, true);
    let report: serde_json::Value = serde_json::from_slice(&t1).unwrap();
    assert_eq!(report["followers"].as_array().map(Vec::len), Some(500));
    assert!(report["shift"]["accounts"].as_u64().unwrap() > 0);
    assert!(
        t1 == t2,
        "1 and 2 threads give different probed, top-500 reports"
    );

    // A seeded sample is the same sample with any number of threads; another seed is not.
    let sampled = params.clone().sample(2_000).followers(Listing::None);
    let s1 = audit_json(&path, &model, &sampled, 1);
    let s2 = audit_json(&path, &model, &sampled, 2);
    assert!(s1 == s2, "sampled audits differ between 1 and 2 threads");
    let other = audit_json(&path, &model, &sampled.seed(12), 2);
    assert!(s1 != other, "the seed does not reach the sample");
}

/// A small labelled matrix from the synthetic generator.
fn training_data() -> (follower_audit::FeatureMatrix, Vec<Label>) {
    let g = FollowerListSpec::new(600)
        .fake_share(0.4)
        .seed(3)
        .build()
        .unwrap();
    let accounts: Vec<_> = g.iter().collect();
    let labels: Vec<Label> = (0..g.len()).map(|i| g.label(i).unwrap()).collect();
    let t = Utc.with_ymd_and_hms(2015, 2, 14, 12, 0, 0).unwrap();
    let x = FeatureExtractor::new(FeatureSet::Twitter)
        .as_of(t)
        .extract(&accounts);
    (x, labels)
}

fn fit_bytes(x: &follower_audit::FeatureMatrix, y: &[Label], seed: u64, threads: usize) -> Vec<u8> {
    pool(threads).install(|| {
        ModelParams::default()
            .detector(DetectorParams::RandomForest(
                RandomForestParams::default().n_trees(24).seed(seed),
            ))
            .folds(3)
            .seed(seed)
            .fit(x, y)
            .expect("fits")
            .to_bytes()
            .expect("serializes")
    })
}

#[test]
fn training_with_the_same_seed_gives_the_same_model_bytes() {
    let (x, y) = training_data();
    let one = fit_bytes(&x, &y, 5, 1);
    let two = fit_bytes(&x, &y, 5, 2);
    let again = fit_bytes(&x, &y, 5, 2);
    assert!(one == two, "1 and 2 threads train different models");
    assert!(two == again, "two runs train different models");
    // The seed matters: otherwise the comparison above proves nothing.
    assert!(
        one != fit_bytes(&x, &y, 6, 2),
        "the seed does not reach the model"
    );
}
