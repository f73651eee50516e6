//! The embedded default models: they load, are small, are reproduced byte for byte by their
//! presets on the public datasets, meet the accuracy and calibration targets in cross-validation,
//! and score the same after a save/load round trip.

mod common;

use follower_audit::{
    Detector, Error, ExportShape, FeatureExtractor, FeatureSet, FieldGroup, Label, Model, Platform,
    Preset, TrainingSet,
};

const TWITTER_FILE: &[u8] = include_bytes!("../models/twitter-default.fam");
const INSTAGRAM_FILE: &[u8] = include_bytes!("../models/instagram-default.fam");
const TWITTER_TRAINING: &[u8] = include_bytes!("../models/twitter-training.fat");
const INSTAGRAM_TRAINING: &[u8] = include_bytes!("../models/instagram-training.fat");
const WEIBO_TRAINING: &[u8] = include_bytes!("../models/weibo-training.fat");

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

/// Rebuilds a preset's training set from the public datasets and checks it is, byte for byte,
/// the embedded one; returns it.
fn rebuilt_training_set(preset: Preset, embedded: &[u8]) -> Option<TrainingSet> {
    let data = common::shared_datasets()?;
    let training = preset
        .training_set(&data)
        .expect("preset reads its sources");
    assert!(
        training.to_bytes().unwrap() == embedded,
        "the {} sources give other training features than models/{}-training.fat: regenerate \
         with `cargo run --release --example train -- --preset {} --out-dir models`",
        preset.name(),
        preset.name(),
        preset.name()
    );
    Some(training)
}

#[test]
fn twitter_training_set_is_reproduced_and_the_model_meets_targets() {
    let Some(training) = rebuilt_training_set(Preset::Twitter, TWITTER_TRAINING) else {
        return;
    };
    // Every labelled Twitter/X source is in it.
    let names: Vec<&str> = training.sources().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.iter().any(|n| n.contains("vendor-purchased-2019")));
    assert!(names.iter().any(|n| n.contains("fastfollowerz")));
    let model = Model::default_twitter();
    let cv = &model.provenance().cv;
    assert_eq!(cv.folds, 10);
    assert_eq!(model.provenance().rows, training.len());
    let all = &cv.per_variant[0].metrics;
    // Targets on the union of the sources: 10-fold CV MCC >= 0.95, ECE <= 0.03, AUC >= 0.99.
    assert!(all.mcc >= 0.95, "MCC {}", all.mcc);
    assert!(all.ece <= 0.03, "ECE {}", all.ece);
    assert!(all.auc >= 0.99, "AUC {}", all.auc);
}

#[test]
fn instagram_training_set_is_reproduced_and_the_model_meets_targets() {
    let Some(training) = rebuilt_training_set(Preset::Instagram, INSTAGRAM_TRAINING) else {
        return;
    };
    assert_eq!(training.sources().len(), 4);
    let model = Model::default_instagram();
    let all = &model.provenance().cv.per_variant[0].metrics;
    assert!(all.auc >= 0.95, "AUC {}", all.auc);
    assert!(all.ece <= 0.03, "ECE {}", all.ece);
}

#[test]
fn weibo_training_set_is_reproduced() {
    let Some(training) = rebuilt_training_set(Preset::Weibo, WEIBO_TRAINING) else {
        return;
    };
    assert_eq!(training.sources().len(), 1);
    assert_eq!(training.len(), 1716);
    let model = Model::for_export(Platform::Weibo, &ExportShape::full()).unwrap();
    let all = &model.provenance().cv.per_variant[0].metrics;
    // Spammers against other users on profile fields alone: far from the Twitter/X targets,
    // but well above chance, and calibrated (docs/sources.md).
    assert!(all.auc >= 0.75, "AUC {}", all.auc);
    assert!(all.ece <= 0.05, "ECE {}", all.ece);
}

/// Every embedded model is what fitting its shape on the embedded training set gives now: a
/// stale model file (after a change to the features, the forest or the training set) fails.
#[test]
fn embedded_models_are_the_fits_of_their_shapes() {
    for preset in [Preset::Twitter, Preset::Instagram, Preset::Weibo] {
        let training = TrainingSet::embedded(preset.platform());
        for (file, shape) in preset.embedded_shapes() {
            let embedded = Model::for_export(preset.platform(), &shape).unwrap();
            let fitted = training.fit(&shape, &preset.params(0)).unwrap();
            assert!(
                embedded.to_bytes().unwrap() == fitted.to_bytes().unwrap(),
                "models/{file} is stale: regenerate with `cargo run --release --example train \
                 -- --preset {} --out-dir models`",
                preset.name()
            );
            // It reads exactly the groups of its shape that the training data has.
            assert_eq!(embedded.fields(), Some(&training.trainable(&shape)));
            // Leave-one-source-out rates need a second source (Weibo has one).
            assert_eq!(
                embedded.source_rates().is_empty(),
                training.sources().len() < 2,
                "{file}"
            );
        }
    }
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
    assert!(reasons[0].text.ends_with("points to fake"));
    // Without created_at, the model fitted to that shape (trained now: no embedded model has
    // it) scores the same accounts sensibly, and reads no column of the missing field.
    let no_age: Vec<_> = accounts
        .iter()
        .map(|a| FieldGroup::masked(a, &[FieldGroup::CreatedAt]))
        .collect();
    let shape = ExportShape::of(&no_age);
    assert!(!shape.has(FieldGroup::CreatedAt));
    let fitted = Model::for_export(Platform::Twitter, &shape).unwrap();
    let age = FeatureSet::Twitter.schema().index_of("age_days").unwrap();
    assert!(!fitted.used_features().unwrap().contains(&age));
    let pred = fitted
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

/// A model's leave-one-source-out rates are those of a model that never saw the source: for
/// each Twitter/X and Instagram source, refitting the whole model (detector and calibration)
/// without it and scoring the source gives the stored share called fake and mean P(fake). With
/// the whole model's
/// calibration, which had seen the source (as before December 2026), verified-2019's rate was
/// 0.121 in the full export against 0.205 refitted.
#[test]
fn leave_one_source_out_rates_are_those_of_a_model_that_never_saw_the_source() {
    for preset in [Preset::Twitter, Preset::Instagram] {
        let training = TrainingSet::embedded(preset.platform());
        for (file, shape) in preset.embedded_shapes() {
            rates_match_refits(preset, training, file, &shape);
        }
    }
}

fn rates_match_refits(preset: Preset, training: &TrainingSet, file: &str, shape: &ExportShape) {
    let model = Model::for_export(preset.platform(), shape).unwrap();
    let threshold = model.threshold();
    for (k, source) in training.sources().iter().enumerate() {
        let stored: Vec<_> = model
            .source_rates()
            .iter()
            .filter(|r| r.source == source.name)
            .collect();
        assert!(
            !stored.is_empty(),
            "{file}, {}: no stored rate",
            source.name
        );
        // The whole model's recipe (cross-validated calibration) on the other sources only.
        let others = training.without(&[k]);
        let reads = others.trainable(shape);
        let refit = preset
            .params(0)
            .fit(&others.matrix(&reads, None), others.labels())
            .unwrap();
        let rows = training.rows_of(k);
        let x = training.matrix(&reads, Some(&rows));
        let p = refit.predict_proba(&x).unwrap();
        for rate in stored {
            let (mut called, mut n, mut sum) = (0usize, 0usize, 0.0);
            for (&r, &p) in rows.iter().zip(&p) {
                if training.labels()[r] == rate.label {
                    n += 1;
                    called += usize::from(p >= threshold);
                    sum += p;
                }
            }
            assert_eq!(n, rate.rows, "{file}, {}", source.name);
            let (refitted, mean) = (called as f64 / n as f64, sum / n as f64);
            assert!(
                (refitted - rate.called_fake).abs() < 1e-9
                    && (mean - rate.mean_p_fake).abs() < 1e-9,
                "{file}, {} ({:?}): stored {:.3} called fake, mean {:.3}; refitted without it \
                 {refitted:.3}, {mean:.3}",
                source.name,
                rate.label,
                rate.called_fake,
                rate.mean_p_fake
            );
        }
    }
}
