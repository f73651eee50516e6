//! The estimators pinned to hand computation and to QuaPy 0.2.3: the numbers below are what
//! `python3 tests/reference/quantify_quapy.py` printed.

use follower_audit::{IntervalOptions, Label, Method, Quantifier};

const VAL_P: [f64; 15] = [
    0.95, 0.9, 0.8, 0.75, 0.6, 0.45, 0.3, 0.55, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.02,
];
const SAMPLE: [f64; 14] = [
    0.97, 0.88, 0.7, 0.62, 0.51, 0.5, 0.42, 0.33, 0.25, 0.18, 0.12, 0.08, 0.04, 0.01,
];

fn val_labels() -> Vec<Label> {
    (0..15)
        .map(|i| if i < 7 { Label::Fake } else { Label::Genuine })
        .collect()
}

fn quantifier(train_prevalence: f64) -> Quantifier {
    Quantifier::new(&VAL_P, &val_labels(), 0.5, train_prevalence)
        .unwrap()
        .em_tolerance(1e-14)
        .unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9, "{what}: ours {a}, reference {b}");
}

#[test]
fn error_rates_match_reference() {
    let r = quantifier(0.4).error_rates();
    close(r.tpr, 0.7142857142857143, "tpr");
    close(r.fpr, 0.125, "fpr");
    close(r.mean_fake, 0.6785714285714286, "m_fake");
    close(r.mean_genuine, 0.22125000000000003, "m_genuine");
    assert_eq!((r.n_fake, r.n_genuine), (7, 8));
}

#[test]
fn point_estimates_match_reference() {
    let q = quantifier(0.4);
    close(
        q.point(&SAMPLE, Method::Cc).unwrap(),
        0.42857142857142855,
        "cc",
    );
    // (6/14 - 1/8) / (5/7 - 1/8) = 17/33 by hand.
    close(q.point(&SAMPLE, Method::Acc).unwrap(), 17.0 / 33.0, "acc");
    close(
        q.point(&SAMPLE, Method::Acc).unwrap(),
        0.5151515151515151,
        "acc",
    );
    close(
        q.point(&SAMPLE, Method::Pcc).unwrap(),
        0.4007142857142857,
        "pcc",
    );
    close(
        q.point(&SAMPLE, Method::Pacc).unwrap(),
        0.3924248340491994,
        "pacc",
    );
    close(
        q.point(&SAMPLE, Method::Em).unwrap(),
        0.40191504820714846,
        "em (QuaPy)",
    );
    let q2 = quantifier(0.2);
    close(
        q2.point(&SAMPLE, Method::Em).unwrap(),
        0.7691994603940904,
        "em train 0.2 (QuaPy)",
    );
}

#[test]
fn estimates_carry_the_point_and_an_interval_around_it() {
    let q = quantifier(0.4);
    let opts = IntervalOptions::default();
    for e in q.estimate_all(&SAMPLE, &opts).unwrap() {
        let p = q.point(&SAMPLE, e.method).unwrap();
        assert_eq!(e.estimate, p, "{}", e.method);
        assert!(0.0 <= e.ci_low && e.ci_low <= p && p <= e.ci_high && e.ci_high <= 1.0);
        // 14 items and 15 validation items: the interval is wide.
        assert!(e.ci_high - e.ci_low > 0.2, "{e:?}");
        assert_eq!(e.confidence, 0.95);
        assert!(e.std_error > 0.0, "{e:?}");
    }
}

#[test]
fn estimate_equals_estimate_all_and_is_seeded() {
    let q = quantifier(0.4);
    let opts = IntervalOptions {
        seed: 11,
        bootstrap: 300,
        ..IntervalOptions::default()
    };
    let all = q.estimate_all(&SAMPLE, &opts).unwrap();
    for (m, e) in Method::ALL.iter().zip(&all) {
        assert_eq!(&q.estimate(&SAMPLE, *m, &opts).unwrap(), e);
    }
    let other = q
        .estimate_all(&SAMPLE, &IntervalOptions { seed: 12, ..opts })
        .unwrap();
    assert_ne!(all, other, "a different seed gives different replicates");
}

#[test]
fn finite_population_narrows_the_interval() {
    let q = quantifier(0.4);
    let base = IntervalOptions::default();
    let inf = q.estimate(&SAMPLE, Method::Pacc, &base).unwrap();
    let huge = q
        .estimate(
            &SAMPLE,
            Method::Pacc,
            &IntervalOptions {
                population: Some(10_000_000),
                ..base
            },
        )
        .unwrap();
    let whole = q
        .estimate(
            &SAMPLE,
            Method::Pacc,
            &IntervalOptions {
                population: Some(14),
                ..base
            },
        )
        .unwrap();
    let w = |e: &follower_audit::ShareEstimate| e.ci_high - e.ci_low;
    assert!((w(&huge) - w(&inf)).abs() < 0.01, "{inf:?} {huge:?}");
    assert!(w(&whole) < w(&inf) - 0.01, "{inf:?} {whole:?}");
    // The whole population scored: EM's interval shrinks to within-class noise only.
    let em_inf = q.estimate(&SAMPLE, Method::Em, &base).unwrap();
    let em_whole = q
        .estimate(
            &SAMPLE,
            Method::Em,
            &IntervalOptions {
                population: Some(14),
                ..base
            },
        )
        .unwrap();
    assert!(w(&em_whole) < w(&em_inf), "{em_inf:?} {em_whole:?}");
}

#[test]
fn wald_interval_for_acc() {
    let q = quantifier(0.4);
    let e = q.acc_wald(&SAMPLE, &IntervalOptions::default()).unwrap();
    close(e.estimate, 17.0 / 33.0, "acc");
    // By hand: var = (cc(1-cc)/14 + p^2 tpr(1-tpr)/7 + (1-p)^2 fpr(1-fpr)/8) / (tpr-fpr)^2.
    let (cc, p, tpr, fpr): (f64, f64, f64, f64) = (6.0 / 14.0, 17.0 / 33.0, 5.0 / 7.0, 0.125);
    let var = (cc * (1.0 - cc) / 14.0
        + p * p * tpr * (1.0 - tpr) / 7.0
        + (1.0 - p) * (1.0 - p) * fpr * (1.0 - fpr) / 8.0)
        / (tpr - fpr).powi(2);
    close(e.std_error, var.sqrt(), "se");
    close(
        e.ci_low,
        (p - 1.959963984540054 * var.sqrt()).max(0.0),
        "low",
    );
    close(
        e.ci_high,
        (p + 1.959963984540054 * var.sqrt()).min(1.0),
        "high",
    );
}

#[test]
fn useless_classifier_falls_back_to_unadjusted() {
    // tpr == fpr == 0.5: ACC cannot adjust and returns CC.
    let q = Quantifier::new(
        &[0.6, 0.4, 0.6, 0.4],
        &[Label::Fake, Label::Fake, Label::Genuine, Label::Genuine],
        0.5,
        0.5,
    )
    .unwrap();
    let s = [0.6, 0.6, 0.6, 0.4];
    assert_eq!(q.point(&s, Method::Acc).unwrap(), 0.75);
    assert_eq!(
        q.point(&s, Method::Pacc).unwrap(),
        q.point(&s, Method::Pcc).unwrap()
    );
}

#[test]
fn extreme_samples_stay_in_range() {
    let q = quantifier(0.4);
    let opts = IntervalOptions::default();
    for s in [vec![0.0; 50], vec![1.0; 50], vec![0.0, 1.0]] {
        for e in q.estimate_all(&s, &opts).unwrap() {
            assert!(
                e.estimate.is_finite() && (0.0..=1.0).contains(&e.estimate),
                "{e:?}"
            );
            assert!(0.0 <= e.ci_low && e.ci_low <= e.estimate && e.estimate <= e.ci_high);
            assert!(e.ci_high <= 1.0);
        }
    }
    assert_eq!(q.point(&[0.0; 50], Method::Acc).unwrap(), 0.0);
    assert_eq!(q.point(&[1.0; 50], Method::Acc).unwrap(), 1.0);
}

#[test]
fn bad_input_is_a_clear_error() {
    let q = quantifier(0.4);
    let opts = IntervalOptions::default();
    assert!(q.estimate(&[], Method::Cc, &opts).is_err());
    let err = q.estimate(&[0.2, 1.2], Method::Cc, &opts).unwrap_err();
    assert!(err.to_string().contains("item 1"), "{err}");
    let bad = |o: IntervalOptions| q.estimate(&[0.2], Method::Cc, &o).is_err();
    assert!(bad(IntervalOptions {
        confidence: 1.0,
        ..opts
    }));
    assert!(bad(IntervalOptions {
        bootstrap: 0,
        ..opts
    }));
    assert!(bad(IntervalOptions {
        population: Some(0),
        ..opts
    }));
    let labels = val_labels();
    assert!(Quantifier::new(&VAL_P, &labels[..3], 0.5, 0.4).is_err());
    assert!(
        Quantifier::new(&VAL_P[..7], &labels[..7], 0.5, 0.4).is_err(),
        "one class"
    );
    assert!(Quantifier::new(&VAL_P, &labels, 1.5, 0.4).is_err());
    assert!(Quantifier::new(&VAL_P, &labels, 0.5, 0.0).is_err());
    assert!(quantifier(0.4).em_tolerance(0.0).is_err());
    assert!(quantifier(0.4).em_max_iterations(0).is_err());
}

#[test]
fn method_names_round_trip() {
    for m in Method::ALL {
        assert_eq!(m.name().parse::<Method>().unwrap(), m);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            format!("\"{}\"", m.name())
        );
        assert_eq!(m.to_string(), m.name());
    }
    assert_eq!("PACC".parse::<Method>().unwrap(), Method::Pacc);
    let err = "hdy".parse::<Method>().unwrap_err().to_string();
    assert!(err.contains("hdy") && err.contains("pacc"), "{err}");
}
