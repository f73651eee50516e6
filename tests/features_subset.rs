//! Subset extraction (`FeatureExtractor::only`) against the full extraction: the computed
//! columns are bit for bit the full ones, the others are 0, and the default models score and
//! explain the same with only the columns they use.

use chrono::{DateTime, TimeZone, Utc};
use follower_audit::synth::FollowerListSpec;
use follower_audit::{
    Account, Detector, FeatureExtractor, FeatureMatrix, FeatureSet, Model, Platform, Post, Profile,
    TextSummary,
};
use proptest::prelude::*;

fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 6, 1, 0, 0, 0).unwrap()
}

fn any_time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    // Whole and fractional seconds, before and after the clock.
    proptest::option::of(
        (
            1_000_000_000i64..1_700_000_000,
            prop_oneof![Just(0u32), 0u32..1_000_000_000],
        )
            .prop_map(|(s, ns)| Utc.timestamp_opt(s, ns).unwrap()),
    )
}

fn any_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "[a-zA-Z0-9_]{0,16}",
        "[ a-zA-Z0-9_.!@#]{0,30}",
        "\\PC{0,30}",
        "[ \t\u{3000}]{0,4}",
        Just("Just a Bot, beep. 机器人 ①②".to_string()),
        Just("RoBoTs and chatbot fans".to_string()),
        Just("微博用户2020".to_string()),
    ])
}

fn any_count() -> impl Strategy<Value = Option<u64>> {
    proptest::option::of(prop_oneof![0u64..200, 0u64..50_000_000, Just(u64::MAX)])
}

fn any_flag() -> impl Strategy<Value = Option<bool>> {
    proptest::option::of(any::<bool>())
}

fn any_post() -> impl Strategy<Value = Post> {
    (
        any_time(),
        any_text(),
        proptest::option::of(prop_oneof![
            Just("Twitter for Android".to_string()),
            Just("IFTTT".to_string()),
            "\\PC{0,10}",
        ]),
        any::<bool>(),
        proptest::option::of(0u64..20),
    )
        .prop_map(|(created_at, text, source, rt, rc)| Post {
            created_at,
            text,
            source,
            is_retweet: rt,
            retweet_count: rc,
            ..Post::default()
        })
}

fn any_account() -> impl Strategy<Value = Account> {
    let texts = (any_text(), any_text(), any_text(), any_text(), any_text());
    let counts = (
        any_count(),
        any_count(),
        any_count(),
        any_count(),
        any_count(),
    );
    let flags = (
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
    );
    let summary = (
        proptest::option::of(0u32..40),
        proptest::option::of(0u32..40),
        proptest::option::of(prop_oneof![0.0..1.0f64, Just(f64::NAN), Just(2.0)]),
        proptest::option::of(0u32..6),
        any_flag(),
    );
    (
        texts,
        counts,
        flags,
        summary,
        (any_time(), any_time()),
        proptest::option::of(proptest::collection::vec(any_post(), 0..6)),
    )
        .prop_map(|(t, c, f, s, (created_at, crawled_at), activity)| Account {
            profile: Profile {
                platform: Platform::Twitter,
                screen_name: t.0,
                name: t.1,
                description: t.2,
                url: t.3,
                location: t.4,
                created_at,
                statuses_count: c.0,
                followers_count: c.1,
                friends_count: c.2,
                favourites_count: c.3,
                listed_count: c.4,
                default_profile: f.0,
                default_profile_image: f.1,
                profile_use_background_image: f.2,
                verified: f.3,
                protected: f.4,
                geo_enabled: f.5,
                crawled_at,
                summary: TextSummary {
                    screen_name_length: s.0,
                    screen_name_digits: s.1,
                    screen_name_digit_ratio: s.2,
                    name_words: s.3,
                    name_length: s.1,
                    name_digit_ratio: s.2,
                    name_equals_screen_name: s.4,
                    description_length: s.0,
                    has_url: s.4,
                },
                ..Profile::default()
            },
            activity,
            label: None,
            engaged_at: None,
        })
}

/// A mask over `n` columns with about `share` of them set.
fn any_mask(n: usize) -> impl Strategy<Value = Vec<bool>> {
    (0.0..=1.0f64, proptest::collection::vec(0.0..1.0f64, n))
        .prop_map(|(share, draws)| draws.into_iter().map(|d| d < share).collect())
}

fn columns(mask: &[bool]) -> Vec<usize> {
    (0..mask.len()).filter(|&c| mask[c]).collect()
}

/// Checks that `subset`'s row equals `full`'s bit for bit on `cols` and is 0 elsewhere.
fn check_row(set: FeatureSet, cols: &[usize], a: &Account) -> Result<(), TestCaseError> {
    let full = FeatureExtractor::new(set).with_clock(clock());
    let subset = full.clone().only(cols).unwrap();
    let mut f = vec![f64::NAN; full.schema().len()];
    let mut s = vec![f64::NAN; full.schema().len()];
    full.extract_one(a, &mut f).unwrap();
    subset.extract_one(a, &mut s).unwrap();
    for (c, name) in full.schema().names().iter().enumerate() {
        if cols.contains(&c) {
            prop_assert_eq!(
                s[c].to_bits(),
                f[c].to_bits(),
                "{} = {} vs {}",
                name,
                s[c],
                f[c]
            );
        } else {
            prop_assert_eq!(s[c].to_bits(), 0f64.to_bits(), "{} = {}", name, s[c]);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_subsets_equal_the_full_extraction(
        a in any_account(),
        tw in any_mask(FeatureSet::Twitter.len()),
        ig in any_mask(FeatureSet::Instagram.len()),
    ) {
        check_row(FeatureSet::Twitter, &columns(&tw), &a)?;
        let mut b = a.clone();
        b.profile.platform = Platform::Instagram;
        check_row(FeatureSet::Instagram, &columns(&ig), &b)?;
    }

    #[test]
    fn the_default_models_columns_equal_the_full_extraction(a in any_account()) {
        let used = Model::default_twitter().used_features().unwrap();
        check_row(FeatureSet::Twitter, &used, &a)?;
        let used = Model::default_instagram().used_features().unwrap();
        check_row(FeatureSet::Instagram, &used, &a)?;
    }

    #[test]
    fn all_columns_equal_the_full_extraction(a in any_account()) {
        let all: Vec<usize> = (0..FeatureSet::Twitter.len()).collect();
        check_row(FeatureSet::Twitter, &all, &a)?;
        check_row(FeatureSet::Twitter, &[], &a)?;
    }
}

fn generated(n: u64, seed: u64, platform: Platform) -> Vec<Account> {
    FollowerListSpec::new(n)
        .fake_share(0.3)
        .seed(seed)
        .platform(platform)
        .build()
        .unwrap()
        .iter()
        .collect()
}

/// The model scores and explains the subset matrix exactly as the full one.
fn same_scores_and_reasons(model: &Model, set: FeatureSet, accounts: &[Account]) {
    let used = model.used_features().expect("a forest");
    assert!(!used.is_empty() && used.len() < set.len(), "{used:?}");
    assert!(used.windows(2).all(|w| w[0] < w[1]), "ascending: {used:?}");
    let full = FeatureExtractor::new(set).with_clock(clock());
    let subset = full.clone().only(&used).unwrap();
    assert_eq!(subset.computed_columns(), Some(used.clone()));
    let x = full.extract(accounts);
    let y = subset.extract(accounts);
    assert_ne!(x, y, "the subset leaves some column at 0");
    let (p, q) = (
        model.predict_proba(&x).unwrap(),
        model.predict_proba(&y).unwrap(),
    );
    assert_eq!(p.len(), accounts.len());
    for (i, (a, b)) in p.iter().zip(&q).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "row {i}: {a} vs {b}");
    }
    for row in (0..accounts.len()).step_by(25) {
        assert_eq!(
            model.explain(&x, row).unwrap(),
            model.explain(&y, row).unwrap(),
            "row {row}"
        );
    }
}

#[test]
fn default_twitter_model_scores_the_same_with_its_columns_only() {
    let accounts = generated(5_000, 11, Platform::Twitter);
    same_scores_and_reasons(&Model::default_twitter(), FeatureSet::Twitter, &accounts);
    // Without timelines (as a profile-only export gives them).
    let bare: Vec<Account> = accounts
        .into_iter()
        .map(|mut a| {
            a.activity = None;
            a
        })
        .collect();
    same_scores_and_reasons(&Model::default_twitter(), FeatureSet::Twitter, &bare);
}

#[test]
fn default_instagram_model_scores_the_same_with_its_columns_only() {
    let accounts = generated(5_000, 12, Platform::Instagram);
    same_scores_and_reasons(
        &Model::default_instagram(),
        FeatureSet::Instagram,
        &accounts,
    );
}

/// The columns a forest does not name really do not matter: scrambling them changes no score.
#[test]
fn columns_outside_used_features_do_not_change_scores() {
    let model = Model::default_twitter();
    let used = model.used_features().unwrap();
    let accounts = generated(2_000, 13, Platform::Twitter);
    let x = FeatureExtractor::new(FeatureSet::Twitter)
        .with_clock(clock())
        .extract(&accounts);
    assert_eq!(
        model.predict_proba(&x).unwrap(),
        model.predict_proba(&scrambled(&x, &used)).unwrap()
    );
    // And every used column matters to some row's (uncalibrated) score.
    let raw = |m: &FeatureMatrix| model.detector().predict_proba(m).unwrap();
    let base = raw(&x);
    for &c in &used {
        let changes = [-1e9, 1e9].iter().any(|&extreme| {
            let mut values = x.values().to_owned();
            values.column_mut(c).fill(extreme);
            raw(&FeatureMatrix::new(x.schema().clone(), values).unwrap()) != base
        });
        assert!(changes, "column {} changes no score", x.schema().names()[c]);
    }
}

#[test]
fn only_rejects_columns_outside_the_schema() {
    let fx = FeatureExtractor::new(FeatureSet::Instagram);
    assert_eq!(fx.computed_columns(), None);
    let err = fx.clone().only(&[0, 27]).unwrap_err();
    assert!(err.to_string().contains("column 27"), "{err}");
    assert!(err.to_string().contains("instagram"), "{err}");
    let fx = fx.only(&[3, 1, 3]).unwrap();
    assert_eq!(fx.computed_columns(), Some(vec![1, 3]));
}

#[test]
fn parallel_subset_equals_sequential_subset() {
    let used = Model::default_twitter().used_features().unwrap();
    let fx = FeatureExtractor::new(FeatureSet::Twitter)
        .with_clock(clock())
        .only(&used)
        .unwrap();
    let accounts = generated(3_000, 14, Platform::Twitter);
    assert_eq!(fx.extract(&accounts), fx.extract_sequential(&accounts));
}

/// `x` with every column outside `used` replaced by arbitrary values.
fn scrambled(x: &FeatureMatrix, used: &[usize]) -> FeatureMatrix {
    let mut values = x.values().to_owned();
    for ((r, c), v) in values.indexed_iter_mut() {
        if !used.contains(&c) {
            *v = ((r * 31 + c * 17) % 1000) as f64 - 500.0;
        }
    }
    FeatureMatrix::new(x.schema().clone(), values).unwrap()
}

/// Logistic regression and naive Bayes read every column (`None`); a detector that names its
/// columns (the forest, the decision tree) scores and explains the same whatever the other
/// columns hold.
#[test]
fn detectors_depend_on_their_used_features_only() {
    use follower_audit::{
        detectors::{
            DecisionTreeParams, GaussianNbParams, LinfaTreeParams, LogisticRegressionParams,
            RandomForestParams,
        },
        DetectorParams, Label,
    };
    let accounts = generated(400, 15, Platform::Twitter);
    let x = FeatureExtractor::new(FeatureSet::Twitter)
        .with_clock(clock())
        .extract(&accounts);
    let y: Vec<Label> = accounts.iter().map(|a| a.label.unwrap()).collect();
    let mut named = 0;
    for params in [
        DetectorParams::RandomForest(RandomForestParams::default().n_trees(5).seed(1)),
        DetectorParams::LogisticRegression(LogisticRegressionParams::default()),
        DetectorParams::GaussianNb(GaussianNbParams::default()),
        DetectorParams::DecisionTree(DecisionTreeParams::default()),
        DetectorParams::LinfaTree(LinfaTreeParams::default()),
    ] {
        let d = params.fit(&x, &y).unwrap();
        let Some(used) = d.used_features() else {
            continue;
        };
        named += 1;
        assert!(used.len() < x.schema().len(), "{}: {used:?}", d.name());
        let z = scrambled(&x, &used);
        assert_eq!(d.predict_proba(&x).unwrap(), d.predict_proba(&z).unwrap());
        for row in (0..x.nrows()).step_by(40) {
            assert_eq!(d.explain(&x, row).unwrap(), d.explain(&z, row).unwrap());
        }
    }
    assert!(
        named >= 2,
        "the forest and the decision tree name their columns"
    );
    for params in [
        DetectorParams::LogisticRegression(LogisticRegressionParams::default()),
        DetectorParams::GaussianNb(GaussianNbParams::default()),
    ] {
        assert_eq!(params.fit(&x, &y).unwrap().used_features(), None);
    }
}
