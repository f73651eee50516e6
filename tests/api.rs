//! The small conveniences of the public API: detectors behind pointers, one-call scoring of an
//! account, and names parsed with `FromStr`.

use std::sync::Arc;

use follower_audit::synth::FollowerListSpec;
use follower_audit::{
    Account, Audit, AuditParams, CalibrationMethod, ColumnMap, Detector, DetectorParams,
    FeatureExtractor, FeatureSet, Format, Label, Listing, Method, Mode, Model, Preset,
};

fn accounts(n: u64) -> Vec<Account> {
    let g = FollowerListSpec::new(n)
        .fake_share(0.3)
        .seed(5)
        .build()
        .unwrap();
    g.iter().collect()
}

#[test]
fn boxed_and_shared_detectors_score_as_the_model() {
    let model = Model::default_twitter();
    let accounts = accounts(300);
    let clock = "2015-02-14T12:00:00Z".parse().unwrap();
    let x = FeatureExtractor::new(FeatureSet::Twitter)
        .with_clock(clock)
        .extract(&accounts);
    let want = model.predict_proba(&x).unwrap();
    let boxed: Box<dyn Detector> = Box::new(model.clone());
    let shared: Arc<Model> = Arc::new(model.clone());
    let shared_dyn: Arc<dyn Detector> = shared.clone();
    for d in [&boxed as &dyn Detector, &shared, &shared_dyn] {
        assert_eq!(d.name(), model.name());
        assert_eq!(d.predict_proba(&x).unwrap(), want);
        assert_eq!(d.explain(&x, 7).unwrap(), model.explain(&x, 7).unwrap());
        // The forest reads a subset of the columns: the pointer must say so too, or the
        // audit would compute every column for nothing.
        assert_eq!(d.used_features(), model.used_features());
        assert!(d.used_features().is_some());
    }
}

#[test]
fn scoring_one_account_agrees_with_the_audit() {
    let model = Model::default_twitter();
    let mut accounts = accounts(200);
    let crawl = "2015-02-14T12:00:00Z".parse().unwrap();
    for a in &mut accounts {
        a.profile.crawled_at = Some(crawl);
    }
    let report = Audit::new(&model, AuditParams::default().followers(Listing::All))
        .run("api", accounts.iter().cloned().map(Ok))
        .unwrap();
    let mut fakes = 0;
    for f in &report.followers {
        let s = model.score(&accounts[f.position as usize]).unwrap();
        assert_eq!(s.p_fake, f.p_fake, "follower {}", f.position);
        assert_eq!(s.label, f.label);
        assert_eq!(s.reasons, f.reasons);
        fakes += usize::from(s.label == Label::Fake);
    }
    // Both labels occur, so the comparison covers both sides of the threshold.
    assert!(fakes > 0 && fakes < accounts.len());
}

#[test]
fn names_parse_and_bad_names_say_what_is_accepted() {
    for (name, want) in [
        ("forest", "random_forest"),
        ("random-forest", "random_forest"),
        ("logistic", "logistic_regression"),
        ("naive-bayes", "gaussian_nb"),
        ("tree", "decision_tree"),
        ("linfa_tree", "linfa_tree"),
    ] {
        let d: DetectorParams = name.parse().unwrap();
        let debug = format!("{d:?}").to_ascii_lowercase();
        assert!(
            debug.starts_with(&want.replace('_', "")),
            "{name} parsed as {debug}"
        );
    }
    let e = "svm".parse::<DetectorParams>().unwrap_err().to_string();
    assert!(e.contains("svm") && e.contains("random_forest"), "{e}");

    assert_eq!(
        "Platt".parse::<CalibrationMethod>().unwrap(),
        CalibrationMethod::Platt
    );
    assert!("sigmoid".parse::<CalibrationMethod>().is_err());

    assert_eq!("all".parse::<Listing>().unwrap(), Listing::All);
    assert_eq!("0".parse::<Listing>().unwrap(), Listing::None);
    assert_eq!(
        "250".parse::<Listing>().unwrap(),
        Listing::MostSuspicious(250)
    );
    let e = "many".parse::<Listing>().unwrap_err().to_string();
    assert!(e.contains("many"), "{e}");
    // Listed as the JSON report names it.
    assert_eq!(
        serde_json::to_string(&Listing::MostSuspicious(5)).unwrap(),
        r#"{"most_suspicious":5}"#
    );
}

/// Every format, share estimator, preset and reading mode reads back from its Display name.
#[test]
fn every_named_variant_round_trips_through_display_and_from_str() {
    fn round_trip<T>(all: &[T])
    where
        T: std::str::FromStr + std::fmt::Display + PartialEq + std::fmt::Debug,
        T::Err: std::fmt::Debug,
    {
        for v in all {
            let name = v.to_string();
            assert_eq!(&name.parse::<T>().unwrap(), v, "{name}");
        }
    }
    round_trip(&Format::ALL);
    round_trip(&Method::ALL);
    round_trip(&Preset::ALL);
    round_trip(&[Mode::Strict, Mode::Lenient]);
    assert_eq!(Method::default().to_string(), "pacc");
}

/// Every `FromStr` of the public API refuses a bad name with an error that quotes it and says
/// what is accepted.
#[test]
fn every_parse_error_names_the_value_and_what_is_accepted() {
    fn err<T: std::str::FromStr>(s: &str) -> String
    where
        T::Err: std::fmt::Display,
    {
        match s.parse::<T>() {
            Ok(_) => panic!("{s:?} parsed"),
            Err(e) => e.to_string(),
        }
    }
    let cases = [
        (
            err::<Format>("yaml"),
            "yaml",
            &["twitter-v1", "cresci-csv"][..],
        ),
        (err::<Method>("median"), "median", &["cc", "pacc", "em"][..]),
        (err::<Mode>("loose"), "loose", &["strict", "lenient"][..]),
        (err::<ColumnMap>("name"), "name", &["ours=theirs"][..]),
        (
            err::<Preset>("weibo2"),
            "weibo2",
            &["twitter", "instagram"][..],
        ),
        (err::<DetectorParams>("svm"), "svm", &["random_forest"][..]),
        (
            err::<CalibrationMethod>("sigmoid"),
            "sigmoid",
            &["isotonic", "platt", "none"][..],
        ),
        (err::<Listing>("many"), "many", &["none", "all"][..]),
    ];
    for (e, bad, accepted) in cases {
        assert!(e.contains(bad), "{e:?} does not name {bad:?}");
        for a in accepted {
            assert!(e.contains(a), "{e:?} does not name the accepted {a:?}");
        }
    }
    // And the accepted names parse.
    assert_eq!("pacc".parse::<Method>().unwrap(), Method::Pacc);
    assert_eq!("lenient".parse::<Mode>().unwrap(), Mode::Lenient);
    assert_eq!("twitter".parse::<Preset>().unwrap(), Preset::Twitter);
    assert_eq!("twitter-v1".parse::<Format>().unwrap(), Format::TwitterV1);
    assert!("name=user_name".parse::<ColumnMap>().is_ok());
}

/// Names that a command line parses are the names serde writes, and read back.
#[test]
fn serde_writes_the_names_from_str_parses() {
    use follower_audit::{Format, Mode, Preset};
    fn round_trip<T>(value: T, name: &str)
    where
        T: serde::Serialize
            + serde::de::DeserializeOwned
            + std::str::FromStr
            + PartialEq
            + std::fmt::Debug,
        <T as std::str::FromStr>::Err: std::fmt::Debug,
    {
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        assert_eq!(name.parse::<T>().unwrap(), value);
    }
    for f in Format::ALL {
        round_trip(f, f.name());
    }
    for p in [Preset::Twitter, Preset::Instagram, Preset::Weibo] {
        round_trip(p, p.name());
    }
    round_trip(Mode::Strict, "strict");
    round_trip(Mode::Lenient, "lenient");
    assert!(serde_json::from_str::<Format>("\"CresciCsv\"").is_err());
}
