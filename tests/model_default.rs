//! The embedded default models: they load, are small, are reproduced byte for byte by their
//! presets on the public datasets, meet the accuracy and calibration targets in cross-validation,
//! and score the same after a save/load round trip.

mod common;

use follower_audit::{
    masked, Detector, Error, FeatureExtractor, FeatureSet, FieldGroup, Label, Model, Preset,
};

const TWITTER_FILE: &[u8] = include_bytes!("../models/twitter-default.fam");
const INSTAGRAM_FILE: &[u8] = include_bytes!("../models/instagram-default.fam");

#[test]
fn embedded_models_load_and_are_under_2_mb() {
    for (model, bytes, schema) in [
        (Model::default_twitter(), TWITTER_FILE, "twitter"),
        (Model::default_instagram(), INSTAGRAM_FILE, "instagram"),
    ] {
        assert!(bytes.len() < 2 * 1024 * 1024, "{} bytes", bytes.len());
        assert_eq!(model.schema().name(), schema);
        assert_eq!(model.name(), "random_forest");
        let p = model.provenance();
        assert_eq!(p.rows, p.fake + p.genuine);
        assert_eq!(model.validation().proba.len(), p.rows);
        assert_eq!(p.datasets.iter().map(|d| d.rows).sum::<usize>(), p.rows);
    }
}

/// Retrains a preset and checks it reproduces the embedded file; returns the model.
fn retrain(preset: Preset, embedded: &[u8]) -> Option<Model> {
    let data = common::shared_datasets()?;
    let model = preset.train(&data, 0).expect("preset trains");
    let bytes = model.to_bytes().unwrap();
    assert!(
        bytes == embedded,
        "retraining the {} preset gives other bytes than models/{}-default.fam: regenerate it \
         with `cargo run --release --example train -- --preset {}`",
        preset.name(),
        preset.name(),
        preset.name()
    );
    Some(model)
}

#[test]
fn twitter_preset_reproduces_the_embedded_model_and_meets_targets() {
    let Some(model) = retrain(Preset::Twitter, TWITTER_FILE) else {
        return;
    };
    let cv = &model.provenance().cv;
    assert_eq!(cv.folds, 10);
    let all = &cv.per_variant[0];
    assert_eq!(all.variant, "all_fields");
    // Targets: MCC >= 0.98 (Cresci 2015 Class A RF: 0.967), ECE <= 0.03.
    assert!(all.metrics.mcc >= 0.98, "MCC {}", all.metrics.mcc);
    assert!(all.metrics.ece <= 0.03, "ECE {}", all.metrics.ece);
    assert!(all.metrics.auc >= 0.99, "AUC {}", all.metrics.auc);
    // With a field group removed the model stays accurate and calibrated.
    for v in &cv.per_variant[1..] {
        assert!(
            v.metrics.accuracy >= 0.97,
            "{}: {}",
            v.variant,
            v.metrics.accuracy
        );
        assert!(
            v.metrics.ece <= 0.03,
            "{}: ECE {}",
            v.variant,
            v.metrics.ece
        );
    }
}

#[test]
fn instagram_preset_reproduces_the_embedded_model() {
    let Some(model) = retrain(Preset::Instagram, INSTAGRAM_FILE) else {
        return;
    };
    let all = &model.provenance().cv.per_variant[0].metrics;
    assert!(all.auc >= 0.95, "AUC {}", all.auc);
    assert!(all.ece <= 0.03, "ECE {}", all.ece);
}

#[test]
fn saved_and_loaded_model_scores_equal_and_explains() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    let (accounts, _) = Preset::Twitter.read(&data).unwrap();
    let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&accounts);
    let model = Model::default_twitter();
    let p = model.predict_proba(&x).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.fam");
    model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_eq!(loaded.predict_proba(&x).unwrap(), p);
    // The first INT account is fake; its strongest reasons point towards fake.
    let first_fake = accounts
        .iter()
        .position(|a| a.label == Some(Label::Fake))
        .unwrap();
    assert!(p[first_fake] > 0.5);
    let reasons = model.explain(&x, first_fake).unwrap();
    assert!(reasons[0].weight > 0.0, "{:?}", reasons[0]);
    // The reason names its feature in `source` and says it in words in `text`.
    assert!(FeatureSet::Twitter
        .schema()
        .index_of(&reasons[0].source)
        .is_some());
    assert!(reasons[0]
        .text
        .ends_with(&format!("towards fake (+{:.3})", reasons[0].weight)));
    // Without created_at, scores stay sensible for the same accounts.
    let no_age: Vec<_> = accounts
        .iter()
        .map(|a| masked(a, &[FieldGroup::CreatedAt]))
        .collect();
    let pred = model
        .predict(&FeatureExtractor::new(FeatureSet::Twitter).extract(&no_age))
        .unwrap();
    let correct = pred
        .iter()
        .zip(&accounts)
        .filter(|(p, a)| Some(**p) == a.label)
        .count();
    assert!(correct as f64 / accounts.len() as f64 > 0.97);
}

#[test]
fn scoring_another_schema_is_an_error() {
    let x = FeatureExtractor::new(FeatureSet::Instagram).extract(&[Default::default()]);
    assert!(matches!(
        Model::default_twitter().predict_proba(&x),
        Err(Error::SchemaMismatch { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.fam");
    std::fs::write(&path, &TWITTER_FILE[..TWITTER_FILE.len() / 2]).unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(
        matches!(err, Error::Model(_)) && err.to_string().contains("bad.fam"),
        "{err}"
    );
}
