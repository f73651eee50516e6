//! The artificial prevalence protocol on the shipped models: the embedded default Twitter and
//! Instagram models' own validation scores (their calibrated out-of-fold P(fake) on the public
//! datasets they were trained on), the scores every audit's share estimate is corrected with.
//!
//! Needs no data files: the scores are embedded in the models.
//! Run: `cargo test --release --test prevalence -- --nocapture` to see the tables.

use follower_audit::{
    evaluation::{PrevalenceProtocolParams, PrevalenceReport},
    Method, Model,
};

/// The estimator the audit reports by default (`Method::default()`).
const CHOSEN: Method = Method::Pacc;

/// The protocol (shares 0..1 by 0.05, sizes 100 and 1,000, 10 repeats, each trial with its own
/// half of the pool for the error rates) on a shipped model's validation scores, at the
/// model's threshold, as an audit uses them.
fn protocol(name: &str, model: &Model) -> PrevalenceReport {
    let v = model.validation();
    let report = PrevalenceProtocolParams::new()
        .repeats(10)
        .threshold(model.threshold())
        .seed(3)
        .run(&v.proba, &v.labels)
        .unwrap();
    eprintln!(
        "{name}: validation {} / test {}; pool error rates {:?}\n{}",
        report.validation_size,
        report.test_size,
        report.error_rates,
        report.to_markdown()
    );
    report
}

#[test]
fn default_twitter_model_estimates_shares_within_half_a_point() {
    assert_eq!(Method::default(), CHOSEN);
    let report = protocol("twitter", &Model::default_twitter());
    let cc = report.summary(Method::Cc, 1000).unwrap();
    let chosen = report.summary(CHOSEN, 1000).unwrap();
    assert_eq!(chosen.trials, 21 * 10);
    // Measured: MAE 0.0024, bias +0.0003, coverage 1.0 (seed 3).
    assert!(chosen.mae <= 0.005, "{chosen:?}");
    assert!(chosen.bias.abs() <= 0.002, "{chosen:?}");
    assert!(chosen.mae < cc.mae, "{chosen:?} vs {cc:?}");
    assert!(chosen.coverage >= 0.93, "{chosen:?}");
}

#[test]
fn default_instagram_model_estimates_shares_within_two_points() {
    let report = protocol("instagram", &Model::default_instagram());
    let cc = report.summary(Method::Cc, 1000).unwrap();
    let chosen = report.summary(CHOSEN, 1000).unwrap();
    assert_eq!(chosen.trials, 21 * 10);
    // Measured: MAE 0.0133, bias +0.0005, coverage 0.957 (seed 3).
    assert!(chosen.mae <= 0.02, "{chosen:?}");
    assert!(chosen.bias.abs() <= 0.005, "{chosen:?}");
    assert!(chosen.mae < cc.mae, "{chosen:?} vs {cc:?}");
    assert!(chosen.coverage >= 0.93, "{chosen:?}");
}
