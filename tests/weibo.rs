//! Sina Weibo: the MicroblogPCU spammer CSV reader (on a hand-written fixture of invented
//! values), the Weibo preset and its embedded model, and the audit of a `users/show` export.
mod common;

use follower_audit::{
    Audit, AuditParams, Detector, Error, ExportShape, FieldGroup, Format, Label, Model, Platform,
    Preset, ReadOptions, TrainingSet,
};

use common::{fixture, read_leniently as read};

#[test]
fn spammer_csv_is_detected_and_read() {
    let bytes = std::fs::read(fixture("weibo_spammer.csv")).unwrap();
    assert_eq!(Format::detect(&bytes), Some(Format::WeiboSpammerCsv));
    assert_eq!(
        "weibo-spammer-csv".parse::<Format>().unwrap(),
        Format::WeiboSpammerCsv
    );
    assert_eq!(Format::WeiboSpammerCsv.platform(), Platform::Weibo);
    let (a, stats) = read(&fixture("weibo_spammer.csv"), ReadOptions::default());
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    assert_eq!(a.len(), 4);
    let p = &a[0].profile;
    assert_eq!(p.platform, Platform::Weibo);
    assert_eq!(p.id.as_deref(), Some("1000000001"));
    assert_eq!(p.screen_name.as_deref(), Some("小林示例"));
    assert_eq!(p.name, None);
    assert_eq!(p.description.as_deref(), Some("喜欢爬山和摄影。"));
    assert_eq!(p.default_profile_image, Some(false));
    assert_eq!(
        (p.statuses_count, p.followers_count, p.friends_count),
        (Some(120), Some(45), Some(88))
    );
    assert_eq!(p.created_at, None);
    assert_eq!(p.url, None);
    assert_eq!(a[0].label, Some(Label::Genuine));
    // The default avatar; a level line without a bio is an empty bio.
    assert_eq!(a[1].profile.default_profile_image, Some(true));
    assert_eq!(a[1].profile.description.as_deref(), Some(""));
    assert_eq!(a[1].label, Some(Label::Fake));
    // The bio stops at the tags.
    assert_eq!(a[2].profile.description.as_deref(), Some("今天也要加油"));
    // A message that cannot be told apart is the description as a whole.
    assert_eq!(a[3].profile.description.as_deref(), Some("??? ?????"));
    let shape = ExportShape::of(&a);
    for g in [
        FieldGroup::Counts,
        FieldGroup::ScreenName,
        FieldGroup::Description,
        FieldGroup::Image,
    ] {
        assert!(shape.has(g), "{g:?}");
    }
    assert!(!shape.has(FieldGroup::CreatedAt));
}

#[test]
fn bad_spammer_rows_name_record_field_and_value() {
    let (a, stats) = read(
        &fixture("malformed/weibo_spammer_malformed.csv"),
        ReadOptions::default(),
    );
    assert_eq!(a.len(), 2);
    let want = [
        (2, "user_id", "x1000000005", "numeric"),
        (3, "post_num", "12a", ""),
        (4, "is_spammer", "maybe", "not a boolean"),
        (5, "user_image", "not-a-url", "image URL"),
        (6, "gender", "robot", "gender"),
        (7, "<record>", "短行", "truncated"),
    ];
    assert_eq!(stats.rejected.len(), want.len(), "{:?}", stats.rejected);
    for (r, (record, field, value, reason)) in stats.rejected.iter().zip(want) {
        match r.error().unwrap() {
            Error::Parse {
                origin,
                position,
                field: f,
                value: v,
                reason: why,
            } => {
                assert!(origin.ends_with("weibo_spammer_malformed.csv"), "{origin}");
                assert_eq!(position.record, record, "{:?}", r.error());
                assert!(position.line.is_some());
                assert_eq!(f, field);
                assert!(v.contains(value), "{v:?}");
                assert!(why.contains(reason), "{why:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn weibo_preset_and_embedded_model() {
    assert_eq!("weibo".parse::<Preset>().unwrap(), Preset::Weibo);
    assert_eq!(Preset::Weibo.platform(), Platform::Weibo);
    assert_eq!(Preset::for_platform(Platform::Weibo), Preset::Weibo);
    let training = TrainingSet::embedded(Platform::Weibo);
    let names: Vec<&str> = training.sources().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["weibo-spammer-microblogpcu"]);
    let model = Model::for_export(Platform::Weibo, &ExportShape::full()).unwrap();
    assert_eq!(model.provenance().datasets.len(), 1);
    assert_eq!(model.provenance().rows, training.len());
    // No age: the source has no creation date.
    let age = follower_audit::FeatureSet::Twitter
        .schema()
        .index_of("age_days")
        .unwrap();
    assert!(!model.used_features().unwrap().contains(&age));
}

#[test]
fn a_users_show_export_is_audited_with_the_weibo_model() {
    let (accounts, _) = read(&fixture("weibo.json"), ReadOptions::default());
    assert_eq!(accounts[0].profile.default_profile_image, Some(false));
    let shape = ExportShape::of(&accounts);
    let model = Model::for_export(Platform::Weibo, &shape).unwrap();
    // The export's fields the Weibo source has are those of the embedded model.
    let embedded = Model::for_export(Platform::Weibo, &ExportShape::full()).unwrap();
    assert!(model.to_bytes().unwrap() == embedded.to_bytes().unwrap());
    let report = Audit::new(&model, AuditParams::default().bootstrap(50))
        .run("weibo.json", accounts.into_iter().map(Ok))
        .unwrap();
    assert_eq!(report.model.trained_on, ["weibo-spammer-microblogpcu"]);
}

/// The Weibo model has one source, so no held-out source measured how far its error rates
/// move on other populations. A list far from its training accounts must still get a wider
/// interval, not only a warning: each rate is taken to spread as one known only to lie
/// between 0 and 1 does (1/sqrt(12)).
#[test]
fn a_shifted_weibo_list_widens_its_interval_without_held_out_rates() {
    let model = Model::for_export(Platform::Weibo, &ExportShape::full()).unwrap();
    assert!(model.source_rates().is_empty());
    // Accounts with counts far beyond any in the training set.
    let accounts = (0..400u64).map(|i| {
        let mut a = follower_audit::Account::default();
        let p = &mut a.profile;
        p.platform = Platform::Weibo;
        p.id = Some(format!("{}", 7_000_000_000 + i));
        p.screen_name = Some(format!("远方用户{i}"));
        p.description = Some("每天分享生活".into());
        p.default_profile_image = Some(i % 3 == 0);
        (p.statuses_count, p.followers_count, p.friends_count) = (
            Some(2_000_000 + 37 * i),
            Some(90_000_000 + 1_009 * i),
            Some(150_000 + 11 * i),
        );
        Ok(a)
    });
    let report = Audit::new(&model, AuditParams::default().bootstrap(200))
        .run("far", accounts)
        .unwrap();
    let shift = report.shift.as_ref().unwrap();
    assert_eq!(shift.level.name(), "high", "{shift:?}");
    let s = &shift.rate_spread;
    for v in [s.tpr, s.fpr, s.mean_fake, s.mean_genuine] {
        assert!((v - 1.0 / 12f64.sqrt()).abs() < 1e-12, "{s:?}");
    }
    let g = &report.genuine_share;
    assert!(g.ci_high - g.ci_low >= 0.5, "{g:?}");
}
