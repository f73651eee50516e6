//! Intervals that stay honest: the E13 + INT accounts written as poorer exports (an X API v2
//! export, a counts-only CSV) are scored by the model fitted to the fields they carry and the
//! interval covers the truth; no interval has zero width; and the artificial-prevalence
//! protocol on E13 + INT keeps the intervals useful. Every check goes through the audit the way
//! the example does it: the model for the export's shape, the probe, the run.

mod common;

use std::io::Write;

use chrono::{DateTime, Utc};
use common::e13_int;
use follower_audit::report::ShiftLevel;
use follower_audit::{
    open, Account, Audit, AuditParams, AuditReport, ExportShape, FieldGroup, Label, Listing, Model,
    Platform, Preset, ReadOptions, TrainingSet,
};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Cresci 2015's crawl (its `updated` column): exports carry no crawl time, so say it.
fn crawl() -> DateTime<Utc> {
    "2015-02-14T12:00:00Z".parse().unwrap()
}

fn genuine_share(accounts: &[Account]) -> f64 {
    let g = accounts
        .iter()
        .filter(|a| a.label == Some(Label::Genuine))
        .count();
    g as f64 / accounts.len() as f64
}

/// Audits the file at `path` as the audit example does.
fn audit_file(path: &std::path::Path) -> AuditReport {
    let opts = ReadOptions::default();
    let lead: Vec<Account> = open(path, &opts)
        .unwrap()
        .take(2000)
        .map(|a| a.unwrap())
        .collect();
    let shape = ExportShape::of(&lead);
    let model = Model::for_export(Platform::Twitter, &shape).unwrap();
    let mut reader = open(path, &opts).unwrap();
    Audit::new(&model, AuditParams::default().as_of(crawl()))
        .probe(&lead, TrainingSet::embedded(Platform::Twitter))
        .unwrap()
        .run_reader(&mut reader, None)
        .unwrap()
}

/// Audits accounts in memory as the audit example does.
fn audit_accounts(accounts: &[Account], seed: u64) -> AuditReport {
    let shape = ExportShape::of(accounts);
    let model = Model::for_export(Platform::Twitter, &shape).unwrap();
    Audit::new(
        &model,
        AuditParams::default()
            .as_of(crawl())
            .seed(seed)
            .followers(Listing::None),
    )
    .probe(accounts, TrainingSet::embedded(Platform::Twitter))
    .unwrap()
    .run("list", accounts.iter().cloned().map(Ok))
    .unwrap()
}

/// Writes the accounts as X API v2 `users` pages (what twarc2 saves): no `default_profile`, no
/// `favourites_count`, no profile colours, no geo flag.
fn write_api_v2(accounts: &[Account], out: &mut impl Write) {
    for page in accounts.chunks(1000) {
        let data: Vec<serde_json::Value> = page
            .iter()
            .map(|a| {
                let p = &a.profile;
                let image = match p.default_profile_image {
                    Some(true) => "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
                    _ => "https://pbs.twimg.com/profile_images/1/a_normal.jpg",
                };
                serde_json::json!({
                    "id": p.id,
                    "name": p.name.clone().unwrap_or_default(),
                    "username": p.screen_name,
                    "created_at": p.created_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()),
                    "description": p.description.clone().unwrap_or_default(),
                    "location": p.location.clone().unwrap_or_default(),
                    "url": p.url.clone().unwrap_or_default(),
                    "verified": p.verified.unwrap_or(false),
                    "protected": p.protected.unwrap_or(false),
                    "profile_image_url": image,
                    "public_metrics": {
                        "followers_count": p.followers_count,
                        "following_count": p.friends_count,
                        "tweet_count": p.statuses_count,
                        "listed_count": p.listed_count,
                    },
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::json!({ "data": data })).unwrap();
    }
}

#[test]
fn e13_int_as_an_api_v2_export_is_estimated_within_3_points() {
    let Some(accounts) = e13_int() else {
        return;
    };
    let truth = genuine_share(&accounts);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.jsonl");
    write_api_v2(&accounts, &mut std::fs::File::create(&path).unwrap());
    let r = audit_file(&path);
    let g = &r.genuine_share;
    println!("API v2: {g:?}, truth {truth:.4}, shift {:?}", r.shift);
    let fields = r.fields.as_ref().unwrap();
    assert!(
        fields.absent.contains(&FieldGroup::Favourites),
        "{fields:?}"
    );
    assert!(
        fields.absent.contains(&FieldGroup::DefaultProfile),
        "{fields:?}"
    );
    // The model reads none of what the export lacks.
    let reads = r.model.fields.as_ref().unwrap();
    assert!(
        !reads.contains(&FieldGroup::Favourites) && !reads.contains(&FieldGroup::DefaultProfile)
    );
    assert!((g.estimate - truth).abs() <= 0.03, "{g:?} vs {truth}");
    assert!(g.ci_low <= truth && truth <= g.ci_high, "{g:?} vs {truth}");
    assert!(g.ci_high - g.ci_low <= 0.15, "{g:?}");
}

#[test]
fn e13_int_as_a_counts_only_csv_is_covered() {
    let Some(accounts) = e13_int() else {
        return;
    };
    let truth = genuine_share(&accounts);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counts.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["id", "followers_count", "friends_count", "statuses_count"])
        .unwrap();
    for a in &accounts {
        let p = &a.profile;
        let n = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        w.write_record([
            p.id.clone().unwrap_or_default(),
            n(p.followers_count),
            n(p.friends_count),
            n(p.statuses_count),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    let r = audit_file(&path);
    let g = &r.genuine_share;
    println!("counts only: {g:?}, truth {truth:.4}");
    assert_eq!(r.model.fields.as_deref(), Some(&[FieldGroup::Counts][..]));
    assert!(g.ci_low <= truth && truth <= g.ci_high, "{g:?} vs {truth}");
}

#[test]
fn no_interval_has_zero_width() {
    // Two followers: the interval spans at least 0.3, whatever the two look like.
    let demo = common::fixtures().join("../demo/followers.jsonl");
    let two: Vec<Account> = open(&demo, &ReadOptions::default())
        .unwrap()
        .take(2)
        .map(|a| a.unwrap())
        .collect();
    let r = audit_accounts(&two, 0);
    let g = &r.genuine_share;
    assert!(g.ci_high - g.ci_low >= 0.3, "{g:?}");
    // E13 alone (all genuine): the lower bound stays below 100%.
    let Some(accounts) = e13_int() else {
        return;
    };
    let e13: Vec<Account> = accounts
        .into_iter()
        .filter(|a| a.label == Some(Label::Genuine))
        .collect();
    let r = audit_accounts(&e13, 0);
    let g = &r.genuine_share;
    println!("E13 alone: {g:?}");
    assert!(g.ci_low < 1.0, "{g:?}");
    assert!(g.estimate >= 0.95, "{g:?}");
}

/// The artificial-prevalence protocol on E13 + INT through the audit: n = 1000 at fake shares
/// 0, 0.1, ..., 1, each list drawn afresh (seeded); the intervals must stay useful (mean width
/// at most 0.06) and cover the truth in most lists.
#[test]
fn prevalence_protocol_on_e13_int_keeps_intervals_narrow_and_covering() {
    let Some(accounts) = e13_int() else {
        return;
    };
    let (fake, genuine): (Vec<Account>, Vec<Account>) = accounts
        .into_iter()
        .partition(|a| a.label == Some(Label::Fake));
    let n = 1000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let (mut width, mut covered, mut error) = (0.0, 0, 0.0);
    let shares: Vec<f64> = (0..=10).map(|i| i as f64 / 10.0).collect();
    for (t, &p) in shares.iter().enumerate() {
        let k = (p * n as f64).round() as usize;
        let mut list: Vec<Account> = fake.choose_multiple(&mut rng, k).cloned().collect();
        list.extend(genuine.choose_multiple(&mut rng, n - k).cloned());
        list.shuffle(&mut rng);
        let r = audit_accounts(&list, t as u64);
        let f = &r.fake_share;
        let truth = k as f64 / n as f64;
        width += f.ci_high - f.ci_low;
        error += (f.estimate - truth).abs();
        covered += usize::from(f.ci_low <= truth && truth <= f.ci_high);
        println!(
            "fake {truth:.2}: {:.4} [{:.4}, {:.4}]",
            f.estimate, f.ci_low, f.ci_high
        );
    }
    let m = shares.len() as f64;
    println!(
        "mean width {:.4}, MAE {:.4}, covered {covered}/{}",
        width / m,
        error / m,
        shares.len()
    );
    assert!(width / m <= 0.06, "mean width {}", width / m);
    assert!(error / m <= 0.02, "mean absolute error {}", error / m);
    assert!(covered >= 9, "{covered} of {} covered", shares.len());
}

#[test]
fn every_twitter_source_is_in_the_default_model() {
    let names: Vec<String> = Model::default_twitter()
        .provenance()
        .datasets
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let expected: Vec<&str> = Preset::Twitter.sources().iter().map(|s| s.name).collect();
    assert_eq!(names, expected);
}

#[test]
fn a_field_most_accounts_lack_is_not_read() {
    use follower_audit::FieldGroup;
    let accounts: Vec<Account> = (0..10)
        .map(|i| {
            let mut a = Account::default();
            a.profile.followers_count = Some(10 + i);
            a.profile.friends_count = Some(20 + i);
            a.profile.statuses_count = Some(30 + i);
            if i < 3 {
                a.profile.created_at = Some(crawl());
            }
            if i == 0 {
                a.profile.description = Some("hi".into());
            }
            a
        })
        .collect();
    let shape = ExportShape::of(&accounts);
    assert!(shape.has(FieldGroup::Counts));
    // Two of the three counts are not the counts a model reads.
    let mut two = accounts.clone();
    for a in &mut two {
        a.profile.statuses_count = None;
    }
    assert!(!ExportShape::of(&two).has(FieldGroup::Counts));
    // 3 of 10 have a creation date: scoring the other 7 as age 0 would call them new.
    assert!(!shape.has(FieldGroup::CreatedAt), "{}", shape.describe());
    // One bio in ten is normal for an export that has the field (empty reads as missing).
    assert!(shape.has(FieldGroup::Description));
    let model = Model::for_export(Platform::Twitter, &shape).unwrap();
    let age = follower_audit::FeatureSet::Twitter
        .schema()
        .index_of("age_days")
        .unwrap();
    use follower_audit::Detector;
    assert!(!model.used_features().unwrap().contains(&age));
}

/// A population the model never saw that lies inside the training data's range: E13's
/// genuine users with INT's bought followers (80% genuine), audited by a model fitted
/// without either source (the embedded training features less their rows), as the
/// benchmark's leave-one-source-out mixes are. Few of these accounts are outside the
/// support, so the nearest-neighbour signal alone takes in little of the cross-source spread
/// and the interval missed the truth (0.340 to 0.712 in the benchmark's draw, before this
/// signal); the model is unsure of many more of them than of its validation accounts, and
/// that must widen the interval until it covers the truth. The same audit of E13 + INT by the
/// model that was trained on them stays low.
#[test]
fn a_left_out_population_inside_the_support_is_flagged_by_the_models_uncertainty() {
    let Some(accounts) = e13_int() else {
        return;
    };
    let shape = ExportShape::of(&accounts);
    let full = TrainingSet::embedded(Platform::Twitter);
    let index = |name: &str| full.sources().iter().position(|s| s.name == name).unwrap();
    let without = full.without(&[index("cresci-2015/E13"), index("cresci-2015/INT")]);
    let model = without
        .fit(&Preset::Twitter.usable(&shape), &Preset::Twitter.params(0))
        .unwrap();
    let (fake, genuine): (Vec<Account>, Vec<Account>) = accounts
        .iter()
        .cloned()
        .partition(|a| a.label == Some(Label::Fake));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut list: Vec<Account> = fake.choose_multiple(&mut rng, 200).cloned().collect();
    list.extend(genuine.choose_multiple(&mut rng, 800).cloned());
    list.shuffle(&mut rng);
    let params = AuditParams::default()
        .as_of(crawl())
        .followers(Listing::None);
    let r = Audit::new(&model, params)
        .probe(&list, &without)
        .unwrap()
        .run("E13 + INT", list.iter().cloned().map(Ok))
        .unwrap();
    let sh = r.shift.as_ref().unwrap();
    let g = &r.genuine_share;
    println!("E13 + INT by a model without them: {g:?}, {sh:?}");
    let (unsure, expected) = (sh.uncertain_share.unwrap(), sh.uncertain_expected.unwrap());
    assert!(unsure > 3.0 * expected, "{sh:?}");
    // The support signal alone would take in under half the spread (full at 10% outside);
    // the uncertainty takes in all of it, and the warning says why.
    let support = ((sh.outside_support - 0.05) / 0.05).clamp(0.0, 1.0);
    assert!(support < 0.5 && sh.weight == 1.0, "{sh:?}");
    assert_eq!(sh.level, ShiftLevel::High, "{sh:?}");
    assert!(sh.warning.as_deref().unwrap().contains("unsure"), "{sh:?}");
    assert!(g.ci_low <= 0.8 && 0.8 <= g.ci_high, "{g:?}");

    // In the training data: the model is no less sure than in validation.
    let own = audit_accounts(&accounts, 0);
    let sh = own.shift.as_ref().unwrap();
    assert!(
        sh.uncertain_share.unwrap() <= sh.uncertain_expected.unwrap(),
        "{sh:?}"
    );
    assert_eq!(sh.level, ShiftLevel::Low, "{sh:?}");
}
