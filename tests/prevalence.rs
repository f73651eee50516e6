//! The artificial prevalence protocol on real cross-validated scores: cresci-2015 E13 (genuine)
//! and INT (fake), Twitter features, the project's random forest, 10-fold out-of-fold P(fake).
//!
//! Skips (with a note) when the public datasets are absent; fails under CI=true.
//! Run: `cargo test --release --test prevalence -- --nocapture` to see the table.

mod common;

use follower_audit::{
    cross_val_predict, AccountReader, CrossValidationParams, Detector, FeatureExtractor,
    FeatureSet, Label, Method, PrevalenceProtocolParams, RandomForestParams, ReadOptions,
};

/// The estimator the audit reports by default (`Method::default()`).
const CHOSEN: Method = Method::Pacc;

#[test]
fn share_estimates_on_cross_validated_cresci_scores() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    // Read E13 + INT with their labels.
    let mut accounts = Vec::new();
    for (subset, label) in [("E13", Label::Genuine), ("INT", Label::Fake)] {
        let path = data.join(format!("cresci-2015/{subset}/users.csv"));
        let reader = AccountReader::open(&path, &ReadOptions::default().label(label))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (read, stats) = reader.read_all();
        assert!(stats.rejected.is_empty(), "{subset}: {:?}", stats.rejected);
        accounts.extend(read);
    }
    let labels: Vec<Label> = accounts.iter().map(|a| a.label.unwrap()).collect();
    assert_eq!(labels.len(), 1481 + 1337);

    // Out-of-fold P(fake) from the forest.
    let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&accounts);
    let cv = CrossValidationParams::new().folds(10).seed(1);
    let oof = cross_val_predict(&cv, &x, &labels, |xt, yt| {
        let forest = RandomForestParams::default().seed(2).fit(xt, yt)?;
        Ok(Box::new(forest) as Box<dyn Detector>)
    })
    .unwrap();

    // The protocol: shares 0..1 by 0.05, sizes 100 and 1,000, 10 repeats, half the pool for
    // the error rates and half for the samples.
    let report = PrevalenceProtocolParams::new()
        .repeats(10)
        .seed(3)
        .run(&oof, &labels)
        .unwrap();
    eprintln!(
        "validation {} / test {}; error rates {:?}\n{}",
        report.validation_size,
        report.test_size,
        report.error_rates,
        report.to_markdown()
    );
    let cc = report.summary(Method::Cc, 1000).unwrap();
    let chosen = report.summary(CHOSEN, 1000).unwrap();
    assert_eq!(chosen.trials, 21 * 10);
    assert!(chosen.mae <= 0.02, "{chosen:?}");
    assert!(chosen.mae < cc.mae, "{chosen:?} vs {cc:?}");
    assert!(chosen.coverage >= 0.93, "{chosen:?}");
    assert_eq!(Method::default(), CHOSEN);
}
