//! Metrics pinned to scikit-learn 1.9.1 on the same input: the numbers below are what
//! `python3 tests/reference/metrics_sklearn.py` printed.

use follower_audit::{
    evaluation::{ConfusionMatrix, Metrics},
    Label,
};

const Y: [u8; 20] = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1];
const P: [f64; 20] = [
    0.92, 0.35, 0.35, 0.8, 0.1, 0.0, 1.0, 0.8, 0.66, 0.21, 0.35, 0.47, 0.73, 0.58, 0.05, 0.44,
    0.12, 0.99, 0.3, 0.51,
];

fn labels(y: &[u8]) -> Vec<Label> {
    y.iter()
        .map(|&v| if v == 1 { Label::Fake } else { Label::Genuine })
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-12, "{what}: ours {a}, sklearn {b}");
}

struct Expected {
    cm: (u64, u64, u64, u64),
    accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    mcc: f64,
    auc: Option<f64>,
    brier: f64,
    log_loss: f64,
    ece: f64,
}

fn check(m: &Metrics, e: &Expected) {
    let c = m.confusion;
    assert_eq!(
        (
            c.true_positives,
            c.false_positives,
            c.true_negatives,
            c.false_negatives
        ),
        e.cm
    );
    close(m.accuracy, e.accuracy, "accuracy");
    close(m.precision, e.precision, "precision");
    close(m.recall, e.recall, "recall");
    close(m.f1, e.f1, "f1");
    close(m.mcc, e.mcc, "mcc");
    match e.auc {
        Some(auc) => close(m.auc, auc, "auc"),
        // sklearn raises on one class; we document 0.5.
        None => assert_eq!(m.auc, 0.5),
    }
    close(m.brier, e.brier, "brier");
    close(m.log_loss, e.log_loss, "log_loss");
    close(m.ece, e.ece, "ece");
}

#[test]
fn mixed_at_half_matches_sklearn() {
    let m = Metrics::compute(&labels(&Y), &P, 0.5).unwrap();
    check(
        &m,
        &Expected {
            cm: (7, 2, 8, 3),
            accuracy: 0.75,
            precision: 0.7777777777777778,
            recall: 0.7,
            f1: 0.7368421052631579,
            mcc: 0.502518907629606,
            auc: Some(0.805),
            brier: 0.18272500000000003,
            log_loss: 0.5632318596353392,
            ece: 0.2535,
        },
    );
}

#[test]
fn threshold_on_a_tie_counts_as_fake() {
    // Three items sit exactly at 0.35: all are predicted fake.
    let m = Metrics::compute(&labels(&Y), &P, 0.35).unwrap();
    check(
        &m,
        &Expected {
            cm: (9, 5, 5, 1),
            accuracy: 0.7,
            precision: 0.6428571428571429,
            recall: 0.9,
            f1: 0.75,
            mcc: 0.4364357804719848,
            auc: Some(0.805),
            brier: 0.18272500000000003,
            log_loss: 0.5632318596353392,
            ece: 0.2535,
        },
    );
}

#[test]
fn nothing_predicted_fake_gives_zero_not_nan() {
    let (y, p): (Vec<u8>, Vec<f64>) = Y.iter().zip(P).filter(|(_, p)| *p < 1.0).unzip();
    let m = Metrics::compute(&labels(&y), &p, 0.995).unwrap();
    check(
        &m,
        &Expected {
            cm: (0, 0, 10, 9),
            accuracy: 0.5263157894736842,
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
            mcc: 0.0,
            auc: Some(0.7833333333333333),
            brier: 0.1923421052631579,
            log_loss: 0.5928756417214097,
            ece: 0.2668421052631579,
        },
    );
}

#[test]
fn one_class_gives_documented_values() {
    let y = [0u8; 6];
    let p = [0.1, 0.6, 0.2, 0.0, 0.9, 0.4];
    let m = Metrics::compute(&labels(&y), &p, 0.5).unwrap();
    check(
        &m,
        &Expected {
            cm: (0, 2, 4, 0),
            accuracy: 0.6666666666666666,
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
            mcc: 0.0,
            auc: None,
            brier: 0.22999999999999998,
            log_loss: 0.6763675859343713,
            ece: 0.3666666666666667,
        },
    );
}

#[test]
fn perfect_and_inverted_predictions() {
    let y = labels(&[1, 1, 0, 0]);
    let good = Metrics::compute(&y, &[0.9, 0.8, 0.1, 0.2], 0.5).unwrap();
    assert_eq!((good.mcc, good.auc, good.f1), (1.0, 1.0, 1.0));
    let bad = Metrics::compute(&y, &[0.1, 0.2, 0.9, 0.8], 0.5).unwrap();
    assert_eq!((bad.mcc, bad.auc, bad.accuracy), (-1.0, 0.0, 0.0));
}

#[test]
fn bad_input_is_an_error_naming_the_item() {
    let y = labels(&[1, 0]);
    let err = Metrics::compute(&y, &[0.5, f64::NAN], 0.5).unwrap_err();
    assert!(err.to_string().contains("item 1"), "{err}");
    assert!(Metrics::compute(&y, &[0.5, 1.5], 0.5).is_err());
    assert!(Metrics::compute(&y, &[0.5], 0.5).is_err());
    assert!(Metrics::compute(&[], &[], 0.5).is_err());
    assert!(Metrics::compute(&y, &[0.5, 0.5], 1.5).is_err());
    assert!(ConfusionMatrix::new(&y, &[0.5, 0.5], f64::NAN).is_err());
}
