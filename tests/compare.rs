//! Comparing accounts: several lists audited with one model, ranked by genuine share, with an
//! interval for every difference.

mod common;

use follower_audit::synth::{FollowerListSpec, SynthFormat};
use follower_audit::{Audit, AuditParams, Comparison, Model};

/// Three lists of known truth: (label, fake share parameter, seed).
const LISTS: [(&str, f64, u64); 3] = [
    ("kol_a", 0.10, 21),
    ("kol_b", 0.40, 22),
    ("kol_c", 0.75, 23),
];
const N: u64 = 3_000;

fn genuine_truth(fake: f64, seed: u64) -> f64 {
    let g = FollowerListSpec::new(N)
        .fake_share(fake)
        .seed(seed)
        .build()
        .unwrap();
    1.0 - g.truth().fake_share
}

#[test]
fn ranking_and_difference_intervals_match_the_truth() {
    let model = Model::default_twitter();
    let params = AuditParams::default().seed(4).bootstrap(400);
    let reports = LISTS.iter().map(|&(label, fake, seed)| {
        let g = FollowerListSpec::new(N)
            .fake_share(fake)
            .seed(seed)
            .build()
            .unwrap();
        let crawl = g.truth().crawled_at;
        let report = Audit::new(&model, params.clone().as_of(crawl))
            .run(label, g.iter().map(Ok))
            .unwrap();
        (label, report)
    });
    let c = Comparison::new(reports.collect::<Vec<_>>()).unwrap();
    let ranked: Vec<&str> = c.accounts.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(ranked, ["kol_a", "kol_b", "kol_c"]);
    assert_eq!(c.differences.len(), 3);
    for d in &c.differences {
        let truth = |label: &str| {
            let &(_, fake, seed) = LISTS.iter().find(|l| l.0 == label).unwrap();
            genuine_truth(fake, seed)
        };
        let want = truth(&d.higher) - truth(&d.lower);
        assert!(
            d.ci_low <= want && want <= d.ci_high,
            "{} - {}: true difference {want:.3} outside {:.3} to {:.3}",
            d.higher,
            d.lower,
            d.ci_low,
            d.ci_high
        );
        // 30 points or more apart at 3,000 followers each: the order is not in doubt.
        assert!(d.beyond_uncertainty, "{d:?}");
        // And the interval is no wider than the two lists' own intervals side by side.
        let width = |l: &str| {
            let g = &c
                .accounts
                .iter()
                .find(|a| a.label == l)
                .unwrap()
                .genuine_share;
            g.ci_high - g.ci_low
        };
        assert!(d.ci_high - d.ci_low <= width(&d.higher) + width(&d.lower) + 1e-12);
    }
}

#[test]
fn lists_alike_are_within_the_uncertainty_and_bad_inputs_are_refused() {
    let model = Model::default_twitter();
    let audit = |seed: u64| {
        let g = FollowerListSpec::new(800)
            .fake_share(0.3)
            .seed(seed)
            .build()
            .unwrap();
        let crawl = g.truth().crawled_at;
        Audit::new(&model, AuditParams::default().bootstrap(300).as_of(crawl))
            .run("list", g.iter().map(Ok))
            .unwrap()
    };
    // Two draws from one population: their difference is within the uncertainty.
    let c = Comparison::new([("one", audit(1)), ("two", audit(2))]).unwrap();
    assert!(
        !c.differences[0].beyond_uncertainty,
        "{:?}",
        c.differences[0]
    );
    assert!(c.differences[0].ci_low < 0.0 && c.differences[0].ci_high > 0.0);

    let one = Comparison::new([("only", audit(3))])
        .unwrap_err()
        .to_string();
    assert!(one.contains("at least two"), "{one}");
    let twice = Comparison::new([("same", audit(4)), ("same", audit(5))])
        .unwrap_err()
        .to_string();
    assert!(twice.contains("\"same\""), "{twice}");
}

#[test]
fn the_example_compares_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["--compare".into()];
    for &(label, fake, seed) in &LISTS {
        let path = dir.path().join(format!("{label}.jsonl"));
        let g = FollowerListSpec::new(N)
            .fake_share(fake)
            .seed(seed)
            .build()
            .unwrap();
        let file = std::fs::File::create(&path).unwrap();
        g.write_to(
            std::io::BufWriter::new(file),
            SynthFormat::TwitterV1Jsonl,
            |_| {},
        )
        .unwrap();
        args.push(path.display().to_string());
    }
    let first = args[1].clone();
    let json = dir.path().join("compare.json");
    let html = dir.path().join("compare.html");
    args.extend([
        "--label".into(),
        format!("Account A={first}"),
        "--as-of".into(),
        "2015-02-14".into(),
        "--json".into(),
        json.display().to_string(),
        "--html".into(),
        html.display().to_string(),
    ]);
    let out = std::process::Command::new(common::audit_example())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let accounts = v["accounts"].as_array().unwrap();
    let labels: Vec<&str> = accounts
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Account A", "kol_b", "kol_c"]);
    for a in accounts {
        for key in [
            "label",
            "source",
            "records_read",
            "genuine_share",
            "fake_count_estimate",
            "shift",
        ] {
            assert!(a.get(key).is_some(), "missing accounts[].{key}");
        }
        assert_eq!(a["records_read"].as_u64(), Some(N));
        assert!(a["shift"]["level"].is_string(), "every list is probed");
    }
    assert_eq!(v["differences"].as_array().unwrap().len(), 3);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("Account A") && page.contains("100%"));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("1. Account A"), "{summary}");
}
