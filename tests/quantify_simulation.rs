//! Simulated classifiers with known error rates: CC is biased, the adjusted estimators are not,
//! the 95% intervals cover the truth, and a list of only genuine accounts is not reported as
//! the false-positive rate.
//!
//! Scores: genuine x ~ N(-mu, 1), fake x ~ N(mu, 1), P(fake) = sigmoid(2 mu x), which is the
//! exact posterior at a 50% prior, so tpr = Phi(mu) and fpr = Phi(-mu) at threshold 0.5.

use follower_audit::{IntervalOptions, Label, Method, Quantifier, ShareEstimate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn score(rng: &mut ChaCha8Rng, fake: bool, mu: f64) -> f64 {
    let x = normal(rng) + if fake { mu } else { -mu };
    1.0 / (1.0 + (-2.0 * mu * x).exp())
}

/// A validation set of `n` per class and a sample of `n_sample` with `fake_share` fakes.
fn draw(
    rng: &mut ChaCha8Rng,
    mu: f64,
    n_val: usize,
    n_sample: usize,
    fake_share: f64,
) -> (Quantifier, Vec<f64>, f64) {
    let mut probs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..2 * n_val {
        let fake = i < n_val;
        probs.push(score(rng, fake, mu));
        labels.push(if fake { Label::Fake } else { Label::Genuine });
    }
    let q = Quantifier::new(&probs, &labels, 0.5, 0.5).unwrap();
    let n_fake = (fake_share * n_sample as f64).round() as usize;
    let sample = (0..n_sample).map(|i| score(rng, i < n_fake, mu)).collect();
    (q, sample, n_fake as f64 / n_sample as f64)
}

#[test]
fn adjusted_estimators_are_unbiased_where_cc_is_not() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let repeats = 40;
    for truth in [0.1, 0.7] {
        let mut sums = [0.0; 5];
        for _ in 0..repeats {
            let (q, sample, t) = draw(&mut rng, 1.5, 500, 1000, truth);
            assert_eq!(t, truth);
            for (j, m) in Method::ALL.iter().enumerate() {
                sums[j] += q.point(&sample, *m).unwrap();
            }
        }
        let bias: Vec<f64> = sums.iter().map(|s| s / repeats as f64 - truth).collect();
        // CC's expected value is tpr p + fpr (1 - p), tpr = Phi(1.5) = 0.933.
        let expected_cc_bias = 0.9332 * truth + 0.0668 * (1.0 - truth) - truth;
        assert!(
            (bias[0] - expected_cc_bias).abs() < 0.01 && bias[0].abs() > 0.02,
            "CC bias {bias:?} at {truth}"
        );
        for (j, m) in Method::ALL.iter().enumerate().skip(1) {
            if *m == Method::Pcc {
                continue; // PCC is biased too unless the sample's prior is the training prior.
            }
            assert!(bias[j].abs() < 0.006, "{m} bias {} at {truth}", bias[j]);
        }
    }
}

#[test]
fn intervals_cover_the_truth() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let methods = [Method::Acc, Method::Pacc, Method::Em];
    let mut covered = [0usize; 3];
    let mut total = 0;
    for (r, truth) in [0.0, 0.05, 0.3, 0.5, 0.9]
        .iter()
        .cycle()
        .take(300)
        .enumerate()
    {
        // A small validation set, so its uncertainty matters.
        let (q, sample, t) = draw(&mut rng, 1.2, 150, 500, *truth);
        let opts = IntervalOptions {
            bootstrap: 300,
            seed: r as u64,
            ..IntervalOptions::default()
        };
        let est = q.estimate_methods(&sample, &methods, &opts).unwrap();
        for (j, e) in est.iter().enumerate() {
            covered[j] += usize::from(e.covers(t));
        }
        total += 1;
    }
    for (j, m) in methods.iter().enumerate() {
        let coverage = covered[j] as f64 / total as f64;
        eprintln!("{m}: coverage {coverage:.3}");
        assert!(coverage >= 0.93, "{m}: coverage {coverage}");
    }
}

#[test]
fn finite_population_intervals_cover_the_population_share() {
    // A population of 2,000 accounts, of which 1,500 are scored.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (mut covered, mut narrower, total) = (0, 0, 200);
    for r in 0..total {
        let (q, population, truth) = draw(&mut rng, 1.5, 300, 2000, 0.3);
        let mut idx: Vec<usize> = (0..2000).collect();
        rand::seq::SliceRandom::shuffle(&mut idx[..], &mut rng);
        let sample: Vec<f64> = idx[..1500].iter().map(|&i| population[i]).collect();
        let opts = IntervalOptions {
            bootstrap: 300,
            seed: r,
            population: Some(2000),
            ..IntervalOptions::default()
        };
        let e = q.estimate(&sample, Method::Pacc, &opts).unwrap();
        covered += usize::from(e.covers(truth));
        let inf = q
            .estimate(
                &sample,
                Method::Pacc,
                &IntervalOptions {
                    population: None,
                    ..opts
                },
            )
            .unwrap();
        narrower += usize::from(e.ci_high - e.ci_low < inf.ci_high - inf.ci_low);
    }
    let coverage = covered as f64 / total as f64;
    eprintln!("finite population: coverage {coverage:.3}, narrower {narrower}/{total}");
    assert!(coverage >= 0.93, "coverage {coverage}");
    assert!(narrower * 10 > total as usize * 9);
}

#[test]
fn all_genuine_list_is_not_reported_as_the_false_positive_rate() {
    // mu = 1.645: 5% of genuine accounts score above 0.5.
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let (q, sample, truth) = draw(&mut rng, 1.645, 1000, 1000, 0.0);
    assert_eq!(truth, 0.0);
    let fpr = q.error_rates().fpr;
    assert!((fpr - 0.05).abs() < 0.015, "fpr {fpr}");
    let all = q
        .estimate_all(&sample, &IntervalOptions::default())
        .unwrap();
    let get = |m: Method| -> &ShareEstimate { all.iter().find(|e| e.method == m).unwrap() };
    let cc = get(Method::Cc);
    assert!(
        cc.estimate > 0.03 && cc.ci_low > 0.02,
        "CC reports the errors: {cc:?}"
    );
    for m in [Method::Acc, Method::Pacc, Method::Em] {
        let e = get(m);
        assert!(e.estimate < 0.01, "{e:?}");
        assert_eq!(e.ci_low, 0.0, "{e:?}");
        assert!(e.ci_high < 0.03, "{e:?}");
    }
}

/// Samples above 20,000 accounts are resampled through a histogram (multinomial counts over
/// bins of width 1/2048) instead of account by account: the intervals must still cover the
/// truth, and be as wide as the account-by-account bootstrap's just below the switch.
#[test]
fn large_samples_resampled_by_histogram_still_cover_the_truth() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let methods = [Method::Acc, Method::Pacc, Method::Em];
    let mut covered = [0usize; 3];
    let runs = 60;
    for r in 0..runs {
        let truth = [0.05, 0.3, 0.6][r % 3];
        let (q, sample, t) = draw(&mut rng, 1.5, 1000, 30_000, truth);
        let opts = IntervalOptions {
            bootstrap: 200,
            seed: r as u64,
            ..IntervalOptions::default()
        };
        let est = q.estimate_methods(&sample, &methods, &opts).unwrap();
        for (j, e) in est.iter().enumerate() {
            covered[j] += usize::from(e.covers(t));
        }
    }
    for (j, m) in methods.iter().enumerate() {
        let coverage = covered[j] as f64 / runs as f64;
        assert!(
            coverage >= 0.88,
            "{m}: coverage {coverage} over {runs} runs"
        );
    }

    // Widths on both sides of the switch (20,000 and 20,001 accounts, same scores but one).
    let (q, sample, _) = draw(&mut rng, 1.5, 1000, 20_001, 0.3);
    let opts = IntervalOptions {
        bootstrap: 400,
        ..IntervalOptions::default()
    };
    let width = |s: &[f64]| -> Vec<f64> {
        q.estimate_methods(s, &methods, &opts)
            .unwrap()
            .iter()
            .map(|e| e.ci_high - e.ci_low)
            .collect()
    };
    // Point estimates of the large path: CC, ACC, PCC and PACC exact; EM on the histogram,
    // within 1e-3 of EM on the exact values.
    for m in Method::ALL {
        let e = q.estimate(&sample, m, &opts).unwrap();
        let exact_point = q.point(&sample, m).unwrap();
        let tol = if m == Method::Em { 1e-3 } else { 1e-12 };
        assert!(
            (e.estimate - exact_point).abs() < tol,
            "{m}: {} vs {exact_point}",
            e.estimate
        );
    }
    let exact = width(&sample[..20_000]);
    let binned = width(&sample);
    for (j, m) in methods.iter().enumerate() {
        let ratio = binned[j] / exact[j];
        assert!(
            (0.8..1.25).contains(&ratio),
            "{m}: width {} by histogram vs {} account by account",
            binned[j],
            exact[j]
        );
    }
}
