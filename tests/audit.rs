//! The audit end to end: the demo list, an all-genuine list, the outputs and the accounting.

mod common;

use follower_audit::synth::{default_crawled_at, FollowerListSpec};
use follower_audit::{
    open, Account, AccountReader, Audit, AuditParams, AuditReport, Detector, ExportShape,
    FieldGroup, Label, Listing, Method, Model, ModelParams, Platform, ReadOptions, Result,
    TrainingSet,
};

fn demo_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/demo/followers.jsonl")
}

fn demo_truth() -> serde_json::Value {
    let text = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/demo/truth.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn audit_demo() -> AuditReport {
    let model = Model::default_twitter();
    let reader = open(demo_path(), &ReadOptions::default()).unwrap();
    Audit::new(
        &model,
        AuditParams::default()
            .as_of(default_crawled_at())
            .bootstrap(500),
    )
    .run("demo", reader)
    .unwrap()
}

#[test]
fn demo_interval_contains_the_truth_and_the_burst_is_found() {
    let report = audit_demo();
    let truth = demo_truth();
    let genuine = truth["genuine_share"].as_f64().unwrap();
    let g = &report.genuine_share;
    println!(
        "demo: genuine {:.4} in [{:.4}, {:.4}] ({}), truth {genuine}; naive fake {:.4}",
        g.estimate, g.ci_low, g.ci_high, g.method, report.naive_fake_share
    );
    // The generator draws each feature from Cresci 2015's marginals, so some of its genuine
    // accounts combine values no real account in the six training sources has; the model
    // calls about 6 points more of the list fake than the generator made (README,
    // "Limitations"). Within 6 points. The model is unsure of twice as many of these
    // accounts as of its validation accounts (a moderate shift), so the interval takes in
    // part of the cross-source spread, and it must then cover the truth: a narrow interval
    // beside the truth (68.1% to 76.2% against 76.9%, before the forest drew its candidates
    // among varying columns only) fails here.
    assert!(
        (g.estimate - genuine).abs() <= 0.06,
        "estimate {} is more than 6 points from the true genuine share {genuine}",
        g.estimate
    );
    assert!(g.ci_low <= genuine && genuine <= g.ci_high, "{g:?}");
    let shift = report.shift.as_ref().unwrap();
    assert_ne!(shift.level.name(), "low", "{shift:?}");
    // Wide, but not everything: a moderate shift takes in part of the spread (36.9% to 100%
    // today); an interval blown up to 0-100% fails.
    assert!(g.ci_low >= 0.25, "{g:?}");
    assert_eq!(report.records_read, truth["n"].as_u64().unwrap());
    assert_eq!(report.scored, report.records_read);
    assert_eq!(report.rejected, 0);

    let b = &truth["bursts"][0];
    let (start, len) = (b["start"].as_u64().unwrap(), b["len"].as_u64().unwrap());
    let found: Vec<_> = report
        .bursts
        .iter()
        .filter(|x| x.start < start + len && start < x.end)
        .collect();
    println!("bursts: {:?}", report.bursts);
    assert_eq!(
        found.len(),
        1,
        "the bought burst {start}..{} is not found",
        start + len
    );
    let burst = found[0];
    assert!(
        (burst.start as i64 - start as i64).abs() <= 60
            && (burst.end as i64 - (start + len) as i64).abs() <= 60,
        "burst {}..{} is far from the truth {start}..{}",
        burst.start,
        burst.end,
        start + len
    );
    // No other burst is reported.
    assert_eq!(report.bursts.len(), 1, "{:?}", report.bursts);
    // About (0.918 - 0.06) * 600 = 515 bought in the burst.
    assert!(
        (burst.estimated_bought - 515.0).abs() < 80.0,
        "{}",
        burst.estimated_bought
    );
}

#[test]
fn all_genuine_list_is_not_reported_as_partly_fake() {
    // 2,000 synthetic genuine followers: a classifier with a few percent of false positives
    // would make classify-and-count report a few percent fake; the corrected estimate must not.
    let gen = FollowerListSpec::new(2000)
        .fake_share(0.0)
        .seed(7)
        .build()
        .unwrap();
    let model = Model::default_twitter();
    let report = Audit::new(&model, AuditParams::default().bootstrap(500))
        .run("all genuine", gen.iter().map(Ok))
        .unwrap();
    let f = &report.fake_share;
    println!(
        "all genuine: fake {:.4} [{:.4}, {:.4}] naive {:.4}, shift {:?}",
        f.estimate, f.ci_low, f.ci_high, report.naive_fake_share, report.shift
    );
    // At least 92% genuine on the synthetic list (the generator's genuine accounts are
    // not all like real ones: README, "Limitations"; 92.8% today), and the interval reaches
    // the truth: the model is unsure of more of them than of its validation accounts, so the
    // interval is widened toward 100%. The classify-and-count share is what the correction
    // starts from, so the estimated fake share must not exceed it.
    let g = &report.genuine_share;
    assert!(g.estimate >= 0.92, "{g:?}");
    assert!(g.ci_high >= 0.995, "{g:?}");
    // Not everything either (67.8% to 100% today).
    assert!(g.ci_low >= 0.55, "{g:?}");
    assert!(1.0 - g.estimate <= report.naive_fake_share + 0.01, "{g:?}");
    assert!(report.bursts.is_empty(), "{:?}", report.bursts);
}

#[test]
fn held_out_genuine_accounts_are_not_reported_as_fake() {
    // Real genuine accounts the model never saw: train on part of E13 + INT, audit the rest of E13.
    let Some(data) = common::shared_datasets() else {
        return;
    };
    let (accounts, _) = follower_audit::Preset::Twitter.read(&data).unwrap();
    let (mut train, mut held_out) = (Vec::new(), Vec::new());
    for (i, a) in accounts.into_iter().enumerate() {
        if a.label == Some(Label::Genuine) && i % 3 == 0 {
            held_out.push(a);
        } else {
            train.push(a);
        }
    }
    let params = follower_audit::Preset::Twitter.params(0).folds(5);
    let model = params
        .fit_accounts(
            follower_audit::FeatureSet::Twitter,
            &train,
            follower_audit::Preset::Twitter.variants(),
            &[],
        )
        .unwrap();
    let n = held_out.len();
    let report = Audit::new(&model, AuditParams::default().bootstrap(500))
        .run("held-out E13", held_out.into_iter().map(Ok))
        .unwrap();
    let f = &report.fake_share;
    println!(
        "held-out E13 ({n}): fake {:.4} [{:.4}, {:.4}] naive {:.4}",
        f.estimate, f.ci_low, f.ci_high, report.naive_fake_share
    );
    // At least 99% genuine, with an interval that reaches the truth (0 fake) and stays within
    // 1.5 points of it.
    assert!(
        f.estimate <= 0.01 && f.ci_high <= 0.015 && f.ci_low == 0.0,
        "{f:?}"
    );
}

#[test]
fn every_estimator_is_reported_and_counts_match_the_input() {
    let report = audit_demo();
    let methods: Vec<&str> = report.estimates.iter().map(|e| e.method.name()).collect();
    assert_eq!(methods, ["cc", "acc", "pcc", "pacc", "em"]);
    // The demo file has `n` lines, all valid, and no sample was asked for.
    let n = demo_truth()["n"].as_u64().unwrap();
    assert_eq!(
        (
            report.records_read,
            report.scored,
            report.rejected,
            report.not_sampled
        ),
        (n, n, 0, 0)
    );
    let b = &report.breakdown;
    assert_eq!(
        b.likely_fake + b.likely_genuine + b.inactive_genuine + b.uncertain,
        report.scored
    );
    assert_eq!(report.histogram.iter().sum::<u64>(), report.scored);
    // The report lists the most suspicious, highest P(fake) first, none above the unlisted.
    assert_eq!(report.followers.len() as u64, report.scored.min(1000));
    assert!(report.listing == Listing::MostSuspicious(1000));
    assert!(report.listing == Listing::default());
    assert!(report
        .followers
        .windows(2)
        .all(|w| w[0].p_fake > w[1].p_fake
            || (w[0].p_fake == w[1].p_fake && w[0].position < w[1].position)));
    let lowest_listed = report.followers.last().unwrap().p_fake;
    let bins = report.histogram.len();
    assert_eq!(bins, 20);
    let listed_at_or_above = report
        .followers
        .iter()
        .filter(|f| f.p_fake >= lowest_listed)
        .count() as u64;
    let bins_above: u64 = report.histogram
        [((lowest_listed * bins as f64) as usize + 1).min(bins)..]
        .iter()
        .sum();
    assert!(
        bins_above <= listed_at_or_above,
        "{bins_above} followers score above every listed bin, only {listed_at_or_above} listed"
    );
    // Every follower has reasons in words.
    assert!(report
        .followers
        .iter()
        .all(|f| !f.reasons.is_empty() && f.reasons.iter().all(|r| !r.text.is_empty())));
    let fc = &report.fake_count_estimate;
    assert!(fc.ci_low <= fc.estimate && fc.estimate <= fc.ci_high);
    assert!((fc.estimate - report.fake_share.estimate * 3000.0).abs() < 1e-6);
}

#[test]
fn sampling_spreads_over_the_whole_list_and_uses_the_population() {
    let model = Model::default_twitter();
    let reader = open(demo_path(), &ReadOptions::default()).unwrap();
    let report = Audit::new(
        &model,
        AuditParams::default()
            .as_of(default_crawled_at())
            .sample(500)
            .seed(3)
            .bootstrap(300)
            .followers(Listing::None),
    )
    .run("demo", reader)
    .unwrap();
    assert_eq!(report.scored, 500);
    assert_eq!(report.not_sampled, 2500);
    assert_eq!(report.population, Some(3000));
    assert!(report.followers.is_empty());
    // The sample reaches both ends of the follow order (the timeline's windows span it).
    let first = *report.timeline.position.first().unwrap();
    let last = *report.timeline.position.last().unwrap();
    assert!(first < 300 && last > 2700, "{first}..{last}");
    let truth = demo_truth()["genuine_share"].as_f64().unwrap();
    let g = &report.genuine_share;
    // Within 7 points of the synthetic truth (the whole list's estimate is ~5 points off it:
    // README, "Limitations"), and wider than the whole list's interval (about 0.034): 500 of
    // 3,000 leave most of the sampling error in.
    assert!((g.estimate - truth).abs() <= 0.07, "{g:?} vs {truth}");
    assert!(g.ci_high - g.ci_low > 0.05, "{g:?}");
}

#[test]
fn strict_mode_stops_at_the_first_bad_record_and_lenient_counts_it() {
    let good = |i: u32| {
        let mut a = Account::default();
        a.profile.id = Some(i.to_string());
        a.profile.followers_count = Some(100);
        a.profile.friends_count = Some(100);
        a.profile.crawled_at = Some(default_crawled_at());
        Ok(a)
    };
    let bad = || -> Result<Account> {
        Err(follower_audit::Error::Parse {
            origin: "x.csv".into(),
            position: follower_audit::Position::new(3, Some(4)),
            field: "followers_count".into(),
            value: "-1".into(),
            reason: "negative count".into(),
        })
    };
    let items = || (0..100).map(move |i| if i == 2 { bad() } else { good(i) });
    let model = Model::default_twitter();
    // Strictness is the reader's mode: a strict reader stops the audit at its bad record.
    let csv = "id,screen_name,followers_count,friends_count\n\
               1,a,100,100\n2,b,100,100\n3,c,-1,100\n4,d,100,100\n";
    let mut strict = AccountReader::from_reader(csv.as_bytes(), &ReadOptions::default()).unwrap();
    let err = Audit::new(&model, AuditParams::default())
        .run_reader(&mut strict, None)
        .unwrap_err();
    assert!(err.to_string().contains("record 3"), "{err}");
    assert!(err.to_string().contains("followers_count"), "{err}");
    let report = Audit::new(&model, AuditParams::default().bootstrap(100))
        .run("x.csv", items())
        .unwrap();
    assert_eq!(
        (report.records_read, report.scored, report.rejected),
        (100, 99, 1)
    );
    assert_eq!(report.rejections[0].record(), 3);
    assert!(report.rejections[0].reason().contains("followers_count"));
    // A sample of 40 of the 99 valid records: 59 left out.
    let sampled = Audit::new(&model, AuditParams::default().bootstrap(100).sample(40))
        .run("x.csv", items())
        .unwrap();
    assert_eq!(
        (
            sampled.records_read,
            sampled.scored,
            sampled.rejected,
            sampled.not_sampled
        ),
        (100, 40, 1, 59)
    );
    assert_eq!(sampled.population, Some(99));
}

#[test]
fn outputs_json_csv_html() {
    let model = Model::default_twitter();
    let reader = open(demo_path(), &ReadOptions::default()).unwrap();
    let mut csv_bytes = Vec::new();
    let report = Audit::new(
        &model,
        AuditParams::default()
            .as_of(default_crawled_at())
            .bootstrap(200)
            .method(Method::Pacc),
    )
    .run_with("demo", reader, Some(&mut csv_bytes))
    .unwrap();

    // JSON: the stable top-level keys.
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    for key in [
        "records_read",
        "scored",
        "rejected",
        "genuine_share",
        "fake_count_estimate",
        "bursts",
        "model",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}");
    }
    for key in ["estimate", "ci_low", "ci_high", "confidence", "method"] {
        assert!(
            json["genuine_share"].get(key).is_some(),
            "genuine_share.{key}"
        );
    }
    assert_eq!(json["genuine_share"]["method"], "pacc");

    // CSV: one row per follower with id, screen name, P(fake), label and reasons.
    let mut rdr = csv::Reader::from_reader(csv_bytes.as_slice());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "position",
            "id",
            "screen_name",
            "p_fake",
            "label",
            "group",
            "reasons"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, report.scored);
    // The rows are in follow order; each listed follower is the row at its position.
    for f in &report.followers {
        let row = &rows[f.position as usize];
        assert_eq!(row[1], *f.id.as_deref().unwrap_or(""));
        let p: f64 = row[3].parse().unwrap();
        assert!((p - f.p_fake).abs() < 1e-6);
    }
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), i);
        let p: f64 = row[3].parse().unwrap();
        assert_eq!(
            &row[4],
            if p >= report.model.threshold {
                "fake"
            } else {
                "genuine"
            }
        );
        assert!(!row[6].is_empty());
    }

    // HTML: self-contained, with both charts and the burst marked.
    let html = report.to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg id=\"histogram\""));
    assert!(html.contains("<svg id=\"timeline\""));
    assert_eq!(html.matches("class=\"bar\"").count(), 20);
    assert_eq!(html.matches("class=\"burst\"").count(), report.bursts.len());
    assert!(!html.contains("<script"), "no scripts: the page is static");
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
}

#[test]
fn the_page_for_the_payer_has_the_label_date_and_verdict() {
    // The clock fixes the audit's date: the report is the same from run to run.
    let model = Model::default_twitter();
    let run = || {
        Audit::new(
            &model,
            AuditParams::default()
                .as_of(default_crawled_at())
                .clock("2024-05-06T07:08:09Z".parse().unwrap())
                .label("Acme Shoes")
                .bootstrap(100),
        )
        .run("demo", open(demo_path(), &ReadOptions::default()).unwrap())
        .unwrap()
    };
    let report = run();
    assert_eq!(report.audited_at, "2024-05-06T07:08:09Z");
    assert_eq!(report.label.as_deref(), Some("Acme Shoes"));
    assert_eq!(report, run());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["audited_at"], "2024-05-06T07:08:09Z");
    assert_eq!(json["label"], "Acme Shoes");

    let html = report.to_html();
    assert!(html.contains("<span id=\"account\">Acme Shoes</span>"));
    assert!(html.contains(">6 May 2024, 07:08 UTC</time>"));
    // "About 7 in 10 followers look genuine (between X% and Y%)", the interval's bounds.
    let g = &report.genuine_share;
    assert!(
        html.contains(&format!(
            "followers look genuine (between {:.0}% and {:.0}%)",
            100.0 * g.ci_low,
            100.0 * g.ci_high
        )),
        "no verdict"
    );
    assert!(html.contains("mean probability adjusted for error rates"));
    // (Unprobed, a missing free-text field is unknown: the counts' traits are judged.)
    assert!(html.contains("of the likely fakes have fewer than 10 followers, against"));
    // Every reason in words: no `name = value`, no column name.
    assert!(!html.contains(" = "));
    for name in follower_audit::FeatureSet::Twitter.schema().names() {
        assert!(!html.contains(&format!(">{name}")), "{name}");
        assert!(!html.contains(&format!("{name}:")), "{name}");
    }
    assert!(html.contains("points to fake"));
    // Without a clock the date is the run's: an RFC 3339 time.
    let unfixed = Audit::new(&model, AuditParams::default().bootstrap(20))
        .run("demo", open(demo_path(), &ReadOptions::default()).unwrap())
        .unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(&unfixed.audited_at).is_ok());
    assert_eq!(unfixed.label, None);
}

#[test]
fn the_likely_fakes_traits_are_counted_by_group() {
    // Probed, so the audit knows the export carries descriptions: a follower without one has
    // no bio (unprobed, a missing free-text field is unknown).
    let model = Model::default_twitter();
    let lead: Vec<follower_audit::Account> = open(demo_path(), &ReadOptions::default())
        .unwrap()
        .take(2000)
        .map(Result::unwrap)
        .collect();
    let report = Audit::new(
        &model,
        AuditParams::default()
            .as_of(default_crawled_at())
            .bootstrap(50),
    )
    .probe(
        &lead,
        follower_audit::TrainingSet::embedded(follower_audit::Platform::Twitter),
    )
    .unwrap()
    .run("demo", open(demo_path(), &ReadOptions::default()).unwrap())
    .unwrap();
    let t = |name: &str| {
        report
            .fake_traits
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no trait {name}"))
    };
    let b = &report.breakdown;
    // The demo (API v1.1 objects) carries every field these read: every follower is judged,
    // on the side of its group.
    for name in [
        "no_bio",
        "follows_over_1000",
        "under_10_followers",
        "no_picture",
    ] {
        let tr = t(name);
        assert_eq!(tr.likely_fake_judged, b.likely_fake, "{name}");
        assert_eq!(tr.others_judged, report.scored - b.likely_fake, "{name}");
    }
    // The generator's bought accounts follow many and are followed by few, far more often
    // than its real ones.
    let share = |with: u64, of: u64| with as f64 / of as f64;
    for name in ["under_10_followers", "no_bio"] {
        let tr = t(name);
        assert!(
            share(tr.likely_fake, tr.likely_fake_judged) > 2.0 * share(tr.others, tr.others_judged),
            "{tr:?}"
        );
    }
}

/// The first 2,000 accounts of the demo (what the example probes) and the params its audits
/// here use.
fn demo_lead_and_params() -> (Vec<Account>, AuditParams) {
    let lead = open(demo_path(), &ReadOptions::default())
        .unwrap()
        .take(2000)
        .map(|a| a.unwrap())
        .collect();
    let params = AuditParams::default()
        .as_of(default_crawled_at())
        .bootstrap(200);
    (lead, params)
}

/// The summary CSV is the report's headline: its row reads back as the report's own numbers,
/// the shift columns included when the audit measured the shift, and empty when it did not.
#[test]
fn the_summary_csv_is_the_reports_headline() {
    let model = Model::default_twitter();
    let (lead, params) = demo_lead_and_params();
    let probed = Audit::new(&model, params.clone())
        .probe(&lead, TrainingSet::embedded(Platform::Twitter))
        .unwrap()
        .run("demo", open(demo_path(), &ReadOptions::default()).unwrap())
        .unwrap();
    // A report without a shift (an audit by a model fitted on other accounts).
    let mut plain = probed.clone();
    plain.shift = None;
    plain.fields = None;
    for report in [&probed, &plain] {
        let mut bytes = Vec::new();
        report.write_summary_csv(&mut bytes, true).unwrap();
        // Without the header: the same row alone, ready to append.
        let mut row_only = Vec::new();
        report.write_summary_csv(&mut row_only, false).unwrap();
        assert!(bytes.ends_with(&row_only) && bytes.len() > row_only.len());
        assert_eq!(row_only.iter().filter(|&&b| b == b'\n').count(), 1);
        let mut rdr = csv::Reader::from_reader(bytes.as_slice());
        let headers = rdr.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            AuditReport::SUMMARY_COLUMNS
        );
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        let col = |name: &str| {
            let i = AuditReport::SUMMARY_COLUMNS
                .iter()
                .position(|c| *c == name)
                .unwrap();
            row[i].to_string()
        };
        let num = |name: &str| col(name).parse::<f64>().unwrap();
        let g = &report.genuine_share;
        assert_eq!(col("source"), "demo");
        assert_eq!(col("label"), "");
        assert_eq!(col("records_read"), report.records_read.to_string());
        assert_eq!(col("scored"), report.scored.to_string());
        assert_eq!(col("rejected"), report.rejected.to_string());
        assert!((num("fake_count_low") - report.fake_count_estimate.ci_low).abs() <= 0.5);
        assert!((num("fake_count_high") - report.fake_count_estimate.ci_high).abs() <= 0.5);
        assert_eq!(
            col("model_reads"),
            FieldGroup::join(report.model.fields.as_ref().unwrap(), " ")
        );
        assert_eq!(col("method"), g.method.name());
        assert!((num("genuine_share") - g.estimate).abs() <= 5e-7);
        assert!((num("ci_low") - g.ci_low).abs() <= 5e-7);
        assert!((num("ci_high") - g.ci_high).abs() <= 5e-7);
        assert!((num("fake_count_estimate") - report.fake_count_estimate.estimate).abs() <= 0.5);
        match &report.shift {
            Some(sh) => {
                assert_eq!(col("shift_level"), sh.level.name());
                assert!((num("shift_weight") - sh.weight).abs() <= 5e-7);
                assert!((num("outside_support") - sh.outside_support).abs() <= 5e-7);
                assert!((num("uncertain_share") - sh.uncertain_share.unwrap()).abs() <= 5e-7);
                assert!((num("uncertain_expected") - sh.uncertain_expected.unwrap()).abs() <= 5e-7);
                assert_eq!(col("shift_warning"), sh.warning.clone().unwrap_or_default());
            }
            None => {
                for c in [
                    "shift_level",
                    "shift_weight",
                    "outside_support",
                    "uncertain_share",
                    "uncertain_expected",
                    "shift_warning",
                ] {
                    assert_eq!(col(c), "", "{c}");
                }
            }
        }
    }
    assert!(probed.shift.is_some() && plain.shift.is_none());

    // A model that does not say which fields it reads (one trained on accounts directly):
    // the probe's `model_reads` stand in.
    let mut unnamed = probed.clone();
    unnamed.model.fields = None;
    let mut bytes = Vec::new();
    unnamed.write_summary_csv(&mut bytes, true).unwrap();
    let mut rdr = csv::Reader::from_reader(bytes.as_slice());
    let row = rdr.records().next().unwrap().unwrap();
    let i = AuditReport::SUMMARY_COLUMNS
        .iter()
        .position(|c| *c == "model_reads")
        .unwrap();
    let reads = &probed.fields.as_ref().unwrap().model_reads;
    assert!(!reads.is_empty());
    assert_eq!(&row[i], FieldGroup::join(reads, " "));
}

/// A library user who audits with an embedded model and never calls `probe` gets the shift
/// all the same: it is measured on the run's uniform sample, as with a probe, so the shift,
/// the interval, the fields the model reads and the likely fakes' traits (a missing bio
/// counted once the sample shows the export has bios) are the probed audit's. A model fitted
/// on other accounts has no training set to measure it against, and says so by having none.
#[test]
fn an_embedded_model_measures_the_shift_without_a_probe() {
    let model = Model::default_twitter();
    let (lead, params) = demo_lead_and_params();
    let run = |audit: Audit| {
        audit
            .run("demo", open(demo_path(), &ReadOptions::default()).unwrap())
            .unwrap()
    };
    let probed = run(Audit::new(&model, params.clone())
        .probe(&lead, TrainingSet::embedded(Platform::Twitter))
        .unwrap());
    let plain = run(Audit::new(&model, params.clone()));
    assert!(probed.shift.is_some());
    assert_eq!(plain.shift, probed.shift);
    assert_eq!(plain.genuine_share, probed.genuine_share);
    assert_eq!(plain.fake_traits, probed.fake_traits);
    assert!(plain
        .fake_traits
        .iter()
        .any(|t| t.name == "no_bio" && t.likely_fake > 0));
    let (pf, f) = (probed.fields.unwrap(), plain.fields.unwrap());
    assert_eq!((pf.looked_at, f.looked_at), (2000, 1000));
    assert_eq!(f.model_reads, pf.model_reads);
    assert_eq!(f.present, pf.present);

    // Every platform's shape models are fitted on its embedded set; one fitted on a
    // twentieth of the Twitter rows is not.
    let counts_only = ExportShape::new([FieldGroup::Counts]);
    for platform in [Platform::Twitter, Platform::Instagram, Platform::Weibo] {
        for shape in [ExportShape::full(), counts_only.clone()] {
            let m = Model::for_export(platform, &shape).unwrap();
            let found = TrainingSet::of_model(&m).unwrap();
            assert!(
                std::ptr::eq(found, TrainingSet::embedded(platform)),
                "{platform:?} {}",
                shape.describe()
            );
        }
    }
    let t = TrainingSet::embedded(Platform::Twitter);
    let rows: Vec<usize> = (0..t.len()).step_by(20).collect();
    let x = t.matrix(&ExportShape::full(), Some(&rows));
    let y: Vec<Label> = rows.iter().map(|&i| t.labels()[i]).collect();
    let other = ModelParams::default().fit(&x, &y).unwrap();
    assert!(TrainingSet::of_model(&other).is_none());
    let r = run(Audit::new(&other, params));
    assert!(r.shift.is_none() && r.fields.is_none());
}

/// A follower that lacks a field the export's model reads (a blank `created_at` in an export
/// whose other followers have it) is scored by the model of the fields it has, so its missing
/// date is not read as an account 0 days old, and none of its reasons cites its age. The
/// report counts it. The same followers with their dates are scored by the export's model.
#[test]
fn a_follower_lacking_a_field_is_scored_by_a_model_without_it() {
    let mut list = FollowerListSpec::new(400)
        .fake_share(0.5)
        .seed(11)
        .build()
        .unwrap()
        .iter()
        .collect::<Vec<Account>>();
    let full_model = Model::for_export(Platform::Twitter, &ExportShape::of(&list)).unwrap();
    assert!(full_model.fields().unwrap().has(FieldGroup::CreatedAt));
    let lacking: Vec<usize> = (0..list.len()).filter(|i| i % 4 == 1).collect();
    for &i in &lacking {
        list[i].profile.created_at = None;
    }
    let narrow_shape = ExportShape::new(
        full_model
            .fields()
            .unwrap()
            .present()
            .iter()
            .copied()
            .filter(|&g| g != FieldGroup::CreatedAt),
    );
    let narrow = Model::for_export(Platform::Twitter, &narrow_shape).unwrap();
    let params = AuditParams::default()
        .bootstrap(20)
        .clock(default_crawled_at())
        .reasons(3)
        .followers(Listing::All);
    let report = Audit::new(&full_model, params)
        .run("some without dates", list.iter().cloned().map(Ok))
        .unwrap();
    let fields = report.fields.as_ref().unwrap();
    assert_eq!(
        fields.scored_without.get(&FieldGroup::CreatedAt),
        Some(&(lacking.len() as u64)),
        "{fields:?}"
    );
    assert_eq!(fields.scored_without.len(), 1, "{fields:?}");

    let training = TrainingSet::embedded(Platform::Twitter);
    let schema = full_model.schema();
    let dated: Vec<&str> = (0..schema.len())
        .filter(|&c| training.column_groups(c).contains(&FieldGroup::CreatedAt))
        .map(|c| schema.names()[c].as_str())
        .collect();
    assert!(dated.contains(&"age_days"), "{dated:?}");
    let fx = follower_audit::FeatureExtractor::new(follower_audit::FeatureSet::Twitter)
        .with_clock(default_crawled_at());
    let mut moved = 0;
    for f in &report.followers {
        let i = f.position as usize;
        let x = fx.extract(std::slice::from_ref(&list[i]));
        if lacking.binary_search(&i).is_ok() {
            let want = narrow.predict_proba(&x).unwrap()[0];
            assert!(
                (f.p_fake - want).abs() < 1e-12,
                "{i}: {} vs {want}",
                f.p_fake
            );
            let by_full = full_model.predict_proba(&x).unwrap()[0];
            moved += usize::from((by_full - want).abs() > 1e-9);
            for r in &f.reasons {
                assert!(!dated.contains(&r.source.as_str()), "{i}: {r:?}");
            }
        } else {
            let want = full_model.predict_proba(&x).unwrap()[0];
            assert!(
                (f.p_fake - want).abs() < 1e-12,
                "{i}: {} vs {want}",
                f.p_fake
            );
        }
    }
    assert_eq!(report.followers.len(), list.len());
    // The missing date matters: read as 0 it would have moved most of these scores.
    assert!(moved * 2 > lacking.len(), "{moved} of {}", lacking.len());

    // The block engine (a reader), with a CSV of every follower, the 50 most suspicious
    // listed and their reasons left to the end, and a duplicated lacking follower (dropped,
    // so not counted), on 1 and 2 threads: the same counts, the same P(fake) in the CSV, and
    // the report's reasons of a listed lacking follower are the narrower model's.
    let mut with_copy = list.clone();
    with_copy.push(list[lacking[0]].clone());
    let mut bytes = Vec::new();
    follower_audit::synth::write_cresci_csv(&mut bytes, &with_copy).unwrap();
    let block_run = || {
        let mut reader = AccountReader::from_reader(
            std::io::Cursor::new(bytes.clone()),
            &ReadOptions::default(),
        )
        .unwrap();
        let params = AuditParams::default()
            .bootstrap(20)
            .clock(default_crawled_at())
            .reasons(3)
            .followers(Listing::MostSuspicious(50));
        let mut csv = Vec::new();
        let report = Audit::new(&full_model, params)
            .run_reader(&mut reader, Some(&mut csv))
            .unwrap();
        (report, String::from_utf8(csv).unwrap())
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(block_run);
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(block_run);
    assert_eq!(one.1, two.1);
    assert_eq!(one.0.followers, two.0.followers);
    let (block, csv) = one;
    assert_eq!(block.duplicates, 1);
    assert_eq!(
        block.fields.as_ref().unwrap().scored_without,
        fields.scored_without
    );
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.splitn(7, ',').collect();
        let i: usize = cells[0].parse().unwrap();
        let p: f64 = cells[3].parse().unwrap();
        assert!((p - report.followers[i].p_fake).abs() < 1e-6, "{line}");
    }
    for f in &block.followers {
        let i = f.position as usize;
        assert_eq!(f.reasons, report.followers[i].reasons, "{i}");
    }
    assert!(block
        .followers
        .iter()
        .any(|f| lacking.binary_search(&(f.position as usize)).is_ok()));
}

/// An Instagram export that leaves out the key of an empty bio or link for some accounts
/// (while the others have them) is scored as if it wrote them empty: the same P(fake),
/// reasons, share and shift as the same accounts with `"biography": ""` and
/// `"external_url": null`. Read as missing, such an account looked like the one training
/// source without bios. An export without bios at all is scored as it is.
#[test]
fn instagram_accounts_whose_export_leaves_out_empty_texts_read_them_as_empty() {
    let line = |i: usize, omit: bool| {
        let texts = if i % 3 == 0 {
            format!(
                r#""biography":"Photographer {i}","external_url":"https://example.invalid/{i}","#
            )
        } else if omit {
            String::new()
        } else {
            r#""biography":"","external_url":null,"#.to_string()
        };
        format!(
            r#"{{"id":"{i}","username":"user{i}_{}","full_name":"User {i}",{texts}"follower_count":{},"following_count":{},"media_count":{},"has_profile_pic":{},"is_private":false,"is_verified":false}}"#,
            i * 7 % 13,
            (i * 37) % 900,
            (i * 53) % 2000 + 5,
            i % 40,
            i % 4 != 1
        )
    };
    let read = |omit: bool| -> Vec<Account> {
        let text: String = (0..120).map(|i| line(i, omit) + "\n").collect();
        AccountReader::from_reader(
            std::io::Cursor::new(text.into_bytes()),
            &ReadOptions::default(),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let (written, omitted) = (read(false), read(true));
    assert!(omitted[1].profile.description.is_none());
    assert_eq!(written[1].profile.description.as_deref(), Some(""));
    let shape = ExportShape::of(&written);
    assert_eq!(ExportShape::of(&omitted), shape);
    let model = Model::for_export(Platform::Instagram, &shape).unwrap();
    assert!(model.fields().unwrap().has(FieldGroup::Description));
    let params = AuditParams::default()
        .bootstrap(20)
        .clock(default_crawled_at())
        .reasons(2)
        .followers(Listing::All);
    let training = TrainingSet::embedded(Platform::Instagram);
    let run = |accounts: &[Account]| {
        Audit::new(&model, params.clone())
            .probe(&accounts[..50], training)
            .unwrap()
            .run("instagram", accounts.iter().cloned().map(Ok))
            .unwrap()
    };
    let (a, b) = (run(&written), run(&omitted));
    let mut differs_if_missing = 0;
    let fx = follower_audit::FeatureExtractor::new(follower_audit::FeatureSet::Instagram)
        .with_clock(default_crawled_at());
    for (i, (x, y)) in a.followers.iter().zip(&b.followers).enumerate() {
        assert_eq!(x.p_fake, y.p_fake, "{i}");
        assert_eq!(x.reasons, y.reasons, "{i}");
        let as_missing = model
            .predict_proba(&fx.extract(std::slice::from_ref(&omitted[i])))
            .unwrap()[0];
        differs_if_missing += usize::from((as_missing - x.p_fake).abs() > 1e-9);
    }
    assert_eq!(a.genuine_share, b.genuine_share);
    assert_eq!(a.shift, b.shift);
    assert!(b.fields.unwrap().scored_without.is_empty());
    // Read as missing, many of the bio-less accounts would have scored otherwise.
    assert!(differs_if_missing >= 20, "{differs_if_missing}");

    // An export without bios or links at all (as SRF's) is not touched, though the model
    // reads both: its followers are scored as they are read.
    let none: Vec<Account> = omitted
        .iter()
        .filter(|x| x.profile.description.is_none())
        .cloned()
        .collect();
    assert!(!ExportShape::of(&none).has(FieldGroup::Description));
    let c = run(&none);
    for (f, x) in c.followers.iter().zip(&none) {
        let raw = model
            .predict_proba(&fx.extract(std::slice::from_ref(x)))
            .unwrap()[0];
        assert_eq!(f.p_fake, raw, "{}", f.position);
    }
}

/// With no crawl time and no `--as-of`, the audit example measures ages at the newest date
/// the records carry: an account's creation, or a v1.1 profile's latest post, whichever is
/// later (the post here, two years after the newest creation).
#[test]
fn example_measures_ages_at_the_newest_creation_or_post_when_no_crawl_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("followers.jsonl");
    let user = |id: u32, created: &str, posted: &str| {
        format!(
            r#"{{"id":{id},"screen_name":"u{id}","followers_count":10,"friends_count":20,"statuses_count":30,"created_at":"{created}","status":{{"created_at":"{posted}","text":"hi"}}}}"#
        )
    };
    let lines = [
        user(
            1,
            "Wed Oct 10 20:19:24 +0000 2012",
            "Mon Feb 02 10:00:00 +0000 2015",
        ),
        user(
            2,
            "Thu Mar 07 08:00:00 +0000 2013",
            "Sat Jan 03 09:00:00 +0000 2015",
        ),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = common::run_audit_ok(&[file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2015-02-02T10:00:00"), "{err}");
}

/// Flags the audit could only ignore are refused, and a time reference that contradicts the
/// records is pointed out.
#[test]
fn example_refuses_flags_it_would_ignore_and_warns_of_a_doubtful_as_of() {
    let run = |args: &[&str]| {
        std::process::Command::new(common::audit_example())
            .args(args)
            .output()
            .expect("the example runs")
    };
    let err = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    // --tweets with no FILE would audit the demo without them.
    let out = run(&["--tweets", "tweets.csv"]);
    assert!(!out.status.success());
    assert!(
        err(&out).contains("--tweets describes the FILE"),
        "{}",
        err(&out)
    );
    // A label for a list that is not compared would be lost.
    let v1 = common::fixture("twitter_v1.jsonl");
    let v1b = common::fixture("twitter_v1.json");
    let (a, b) = (v1.to_str().unwrap(), v1b.to_str().unwrap());
    let out = run(&["--compare", a, b, "--label", "X=elsewhere.jsonl"]);
    assert!(!out.status.success());
    assert!(err(&out).contains("not one of the lists"), "{}", err(&out));
    // An --as-of before the accounts were made ages them all 0 days: said, not refused.
    let out = common::run_audit_ok(&[a, "--as-of", "2001-01-01"]);
    assert!(
        err(&out).contains("is before the creation of 3 of the first 3 accounts"),
        "{}",
        err(&out)
    );
    let out = common::run_audit_ok(&[a, "--as-of", "2024-01-01"]);
    assert!(!err(&out).contains("warning: --as-of"), "{}", err(&out));
}

/// `--summary-csv` appends under its own header only, and each row on a line of its own.
#[test]
fn example_summary_rows_go_under_their_header_on_their_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("twitter_v1.jsonl");
    let input = input.to_str().unwrap();
    let summary = dir.path().join("summary.csv");
    let s = summary.to_str().unwrap();
    common::run_audit_ok(&[input, "--as-of", "2024-01-01", "--summary-csv", s]);
    // A file whose last row lost its line end (an editor, a cut) gets a row of its own.
    let text = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, text.trim_end_matches('\n')).unwrap();
    common::run_audit_ok(&[input, "--as-of", "2024-01-01", "--summary-csv", s]);
    let text = std::fs::read_to_string(&summary).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1], lines[2], "the same audit twice");
    // Another file's header is refused, and the file left as it was.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "name,score\nx,1\n").unwrap();
    let out = std::process::Command::new(common::audit_example())
        .args([input, "--summary-csv", other.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the summary header"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "name,score\nx,1\n"
    );
}

/// When many records could not be read, the summary's fake count says it is of the readable
/// ones, and a warning says how many were not.
#[test]
fn example_qualifies_the_estimate_when_many_records_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("followers.jsonl");
    let good = std::fs::read_to_string(common::fixture("twitter_v1.jsonl")).unwrap();
    let bad = r#"{"id":9,"screen_name":"x","followers_count":-1}"#;
    std::fs::write(&file, format!("{}\n{bad}\n{bad}\n", good.trim_end())).unwrap();
    let out = common::run_audit_ok(&[file.to_str().unwrap(), "--lenient", "--as-of", "2024-01-01"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(") of the 3 read"), "{text}");
    assert!(
        text.contains("warning: 2 of 5 records (40.0%) could not be read"),
        "{text}"
    );
    // None rejected: neither.
    let out = common::run_audit_ok(&[
        common::fixture("twitter_v1.jsonl").to_str().unwrap(),
        "--as-of",
        "2024-01-01",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(" read\n") && !text.contains("could not be read"),
        "{text}"
    );
}
