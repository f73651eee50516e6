//! Probability calibration: Platt scaling and isotonic regression.
//!
//! A calibrator maps a detector's raw P(fake) to a calibrated one, so that among accounts scored
//! 0.8 about 80% are fake. It is fitted on held-out (out-of-fold) scores, never on scores of rows
//! the detector was trained on: a forest's in-sample scores are far too confident. Calibration
//! error itself is measured by [`crate::evaluation::Metrics`] (`ece`, `brier`).

use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::error::{Error, Result};

/// Which calibrator to fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalibrationMethod {
    /// Keep the detector's scores.
    None,
    /// Platt scaling: a logistic curve over the score.
    Platt,
    /// Isotonic regression: a non-decreasing step-wise linear map (pool-adjacent-violators).
    #[default]
    Isotonic,
}

impl std::str::FromStr for CalibrationMethod {
    type Err = crate::error::Error;

    /// `isotonic`, `platt` or `none`.
    fn from_str(s: &str) -> crate::error::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "isotonic" => Ok(CalibrationMethod::Isotonic),
            "platt" => Ok(CalibrationMethod::Platt),
            "none" => Ok(CalibrationMethod::None),
            _ => Err(crate::error::Error::InvalidParams {
                name: "calibration".into(),
                reason: format!("{s:?} is not a calibration: isotonic, platt or none"),
            }),
        }
    }
}

/// Platt scaling: `P(fake) = 1 / (1 + exp(a * s + b))` over a raw score `s`, fitted by Newton's
/// method on Platt's smoothed targets (`(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)`), as
/// scikit-learn's `CalibratedClassifierCV(method="sigmoid")` does.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlattScaling {
    /// The slope (negative when higher scores mean more likely fake).
    pub a: f64,
    /// The intercept.
    pub b: f64,
}

impl PlattScaling {
    /// Fits the two parameters on scores and labels.
    ///
    /// # Errors
    /// As [`Calibration::fit`].
    pub fn fit(scores: &[f64], labels: &[Label]) -> Result<PlattScaling> {
        check_inputs(scores, labels)?;
        let n_pos = labels.iter().filter(|l| l.is_fake()).count() as f64;
        let n_neg = labels.len() as f64 - n_pos;
        let hi = (n_pos + 1.0) / (n_pos + 2.0);
        let lo = 1.0 / (n_neg + 2.0);
        let t: Vec<f64> = labels
            .iter()
            .map(|l| if l.is_fake() { hi } else { lo })
            .collect();
        // Negative log-likelihood of targets t under p = 1/(1+exp(a s + b)), written with
        // z = a s + b as sum log(1+exp(z)) - (1-t) z, stable for either sign of z.
        let loss = |a: f64, b: f64| -> f64 {
            scores
                .iter()
                .zip(&t)
                .map(|(s, t)| {
                    let z = a * s + b;
                    softplus(z) - (1.0 - t) * z
                })
                .sum()
        };
        let (mut a, mut b) = (0.0, ((n_neg + 1.0) / (n_pos + 1.0)).ln());
        let mut f = loss(a, b);
        for _ in 0..200 {
            // Gradient and Hessian; d/dz = sigmoid(z) - (1 - t) = (1 - p) - (1 - t) = t - p.
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for (s, t) in scores.iter().zip(&t) {
                let z = a * s + b;
                let q = sigmoid(z); // 1 - p
                let d = q - (1.0 - t);
                let w = q * (1.0 - q);
                ga += d * s;
                gb += d;
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            if ga.abs() < 1e-10 && gb.abs() < 1e-10 {
                break;
            }
            let det = haa * hbb - hab * hab;
            let (da, db) = if det.abs() > 1e-300 {
                ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det)
            } else {
                (ga, gb)
            };
            // Backtracking line search.
            let mut step = 1.0;
            let mut improved = false;
            while step > 1e-12 {
                let (na, nb) = (a - step * da, b - step * db);
                let nf = loss(na, nb);
                if nf <= f + 1e-4 * step * -(ga * da + gb * db) {
                    a = na;
                    b = nb;
                    improved = (f - nf).abs() > 1e-15 * f.abs().max(1.0);
                    f = nf;
                    break;
                }
                step /= 2.0;
            }
            if !improved {
                break;
            }
        }
        Ok(PlattScaling { a, b })
    }

    /// The calibrated probability of a score.
    pub fn apply(&self, score: f64) -> f64 {
        sigmoid(-(self.a * score + self.b))
    }
}

/// Isotonic regression: the non-decreasing fit of labels on scores (pool-adjacent-violators),
/// predicted by linear interpolation between the fitted points and clipped outside them, as
/// scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsotonicRegression {
    /// Distinct training scores, ascending (interior points of flat stretches dropped).
    pub x: Vec<f64>,
    /// Fitted P(fake) at each `x`, non-decreasing.
    pub y: Vec<f64>,
}

impl IsotonicRegression {
    /// Fits the step function on scores and labels.
    ///
    /// # Errors
    /// As [`Calibration::fit`].
    pub fn fit(scores: &[f64], labels: &[Label]) -> Result<IsotonicRegression> {
        check_inputs(scores, labels)?;
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&i, &j| scores[i].total_cmp(&scores[j]));
        // Merge equal scores: (x, mean y, weight).
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for &i in &order {
            let (x, y) = (scores[i], labels[i].as_f64());
            match blocks.last_mut() {
                Some(last) if last.0 == x => {
                    last.1 = (last.1 * last.2 + y) / (last.2 + 1.0);
                    last.2 += 1.0;
                }
                _ => blocks.push((x, y, 1.0)),
            }
        }
        let xs: Vec<f64> = blocks.iter().map(|b| b.0).collect();
        // Pool adjacent violators over (value, weight, count of points).
        let mut pools: Vec<(f64, f64, usize)> = Vec::with_capacity(blocks.len());
        for &(_, y, w) in &blocks {
            pools.push((y, w, 1));
            while pools.len() >= 2 {
                let (y2, w2, c2) = pools[pools.len() - 1];
                let (y1, w1, c1) = pools[pools.len() - 2];
                if y1 <= y2 {
                    break;
                }
                pools.pop();
                let last = pools.last_mut().expect("two pools");
                *last = ((y1 * w1 + y2 * w2) / (w1 + w2), w1 + w2, c1 + c2);
            }
        }
        let mut ys = Vec::with_capacity(xs.len());
        for (y, _, c) in pools {
            ys.extend(std::iter::repeat(y).take(c));
        }
        // Keep only the ends of each flat stretch: interpolation is unchanged.
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..xs.len() {
            let interior = i > 0 && i + 1 < xs.len() && ys[i - 1] == ys[i] && ys[i] == ys[i + 1];
            if !interior {
                x.push(xs[i]);
                y.push(ys[i]);
            }
        }
        Ok(IsotonicRegression { x, y })
    }

    /// The calibrated probability of a score.
    pub fn apply(&self, score: f64) -> f64 {
        let (x, y) = (&self.x, &self.y);
        if x.is_empty() {
            return score.clamp(0.0, 1.0);
        }
        if score.is_nan() {
            // No score, no evidence: the middle, never a panic (detectors do not give NaN on
            // finite features; this guards the calibrator on its own).
            return 0.5;
        }
        if score <= x[0] {
            return y[0];
        }
        if score >= x[x.len() - 1] {
            return y[y.len() - 1];
        }
        let j = x.partition_point(|v| *v <= score); // x[j-1] <= score < x[j]
        let (x0, x1, y0, y1) = (x[j - 1], x[j], y[j - 1], y[j]);
        y0 + (y1 - y0) * (score - x0) / (x1 - x0)
    }
}

/// A fitted calibrator from raw detector scores to calibrated P(fake).
///
/// # Examples
/// ```
/// use follower_audit::{CalibrationMethod, Label, detectors::Calibration};
/// let scores = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9];
/// let labels = [Label::Genuine, Label::Genuine, Label::Fake, Label::Genuine, Label::Fake, Label::Fake];
/// let cal = Calibration::fit(CalibrationMethod::Isotonic, &scores, &labels)?;
/// assert_eq!(cal.apply(0.05), 0.0);
/// assert_eq!(cal.apply(0.95), 1.0);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Calibration {
    /// Scores are used as they are.
    #[default]
    None,
    /// Platt scaling.
    Platt(PlattScaling),
    /// Isotonic regression.
    Isotonic(IsotonicRegression),
}

impl Calibration {
    /// Fits a calibrator of the given kind on held-out scores and their labels.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the inputs are empty, of different lengths, hold a non-finite
    /// score, or only one class.
    pub fn fit(method: CalibrationMethod, scores: &[f64], labels: &[Label]) -> Result<Calibration> {
        Ok(match method {
            CalibrationMethod::None => {
                check_inputs(scores, labels)?;
                Calibration::None
            }
            CalibrationMethod::Platt => Calibration::Platt(PlattScaling::fit(scores, labels)?),
            CalibrationMethod::Isotonic => {
                Calibration::Isotonic(IsotonicRegression::fit(scores, labels)?)
            }
        })
    }

    /// The kind of this calibrator.
    pub fn method(&self) -> CalibrationMethod {
        match self {
            Calibration::None => CalibrationMethod::None,
            Calibration::Platt(_) => CalibrationMethod::Platt,
            Calibration::Isotonic(_) => CalibrationMethod::Isotonic,
        }
    }

    /// The calibrated P(fake) of one raw score.
    pub fn apply(&self, score: f64) -> f64 {
        match self {
            Calibration::None => score,
            Calibration::Platt(p) => p.apply(score),
            Calibration::Isotonic(i) => i.apply(score),
        }
    }

    /// Calibrates every score in place.
    pub fn apply_all(&self, scores: &mut [f64]) {
        scores.iter_mut().for_each(|s| *s = self.apply(*s));
    }

    /// Checks a calibrator read from a file: finite parameters, sorted isotonic points.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        match self {
            Calibration::None => Ok(()),
            Calibration::Platt(p) if p.a.is_finite() && p.b.is_finite() => Ok(()),
            Calibration::Platt(_) => Err("Platt parameters are not finite".into()),
            Calibration::Isotonic(i) => {
                let ok = i.x.len() == i.y.len()
                    && i.x.windows(2).all(|w| w[0] < w[1])
                    && i.y.windows(2).all(|w| w[0] <= w[1])
                    && i.y.iter().all(|v| (0.0..=1.0).contains(v));
                if ok {
                    Ok(())
                } else {
                    Err("isotonic points are not sorted or not probabilities".into())
                }
            }
        }
    }
}

fn check_lengths(scores: &[f64], labels: &[Label]) -> Result<()> {
    if scores.is_empty() || scores.len() != labels.len() {
        return Err(Error::InvalidData(format!(
            "{} scores and {} labels: need the same non-zero number",
            scores.len(),
            labels.len()
        )));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::InvalidData(format!(
            "score {i} is not finite ({})",
            scores[i]
        )));
    }
    Ok(())
}

fn check_inputs(scores: &[f64], labels: &[Label]) -> Result<()> {
    check_lengths(scores, labels)?;
    let fakes = labels.iter().filter(|l| l.is_fake()).count();
    if fakes == 0 || fakes == labels.len() {
        return Err(Error::InvalidData(
            "calibration needs held-out scores of both classes".into(),
        ));
    }
    Ok(())
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_error_and_brier_score_of_two_items() {
        use crate::account::Label::{Fake, Genuine};
        let ece =
            crate::eval::expected_calibration_error(&[Fake, Genuine], &[0.9, 0.5], 1).unwrap();
        assert!((ece - 0.2).abs() < 1e-12);
        assert_eq!(
            crate::eval::brier_score(&[Fake, Genuine], &[1.0, 0.5]).unwrap(),
            0.125
        );
    }
    use proptest::prelude::*;
    use Label::{Fake as F, Genuine as G};

    // Reference values printed by tests/reference/calibration_reference.py:
    // scikit-learn 1.9.1
    const REF_PLATT_A: f64 = -3.199055731093131;
    const REF_PLATT_B: f64 = 1.4547248351629902;
    const REF_PLATT_PRED: [(f64, f64); 9] = [
        (0.0, 0.18927547414762286),
        (0.1, 0.24327282009363477),
        (0.22, 0.32061813151222257),
        (0.42, 0.4722481936423232),
        (0.5, 0.5361376354047953),
        (0.62, 0.6291774577066875),
        (0.8, 0.7511060122980224),
        (0.9, 0.8060312301391299),
        (1.0, 0.8512363346468559),
    ];
    const REF_ISO_PRED: [(f64, f64); 9] = [
        (0.0, 0.0),
        (0.1, 0.0),
        (0.22, 0.3333333333333333),
        (0.42, 0.5),
        (0.5, 0.5555555555555556),
        (0.62, 0.6666666666666666),
        (0.8, 0.8888888888888891),
        (0.9, 1.0),
        (1.0, 1.0),
    ];
    const SCORES: [f64; 12] = [
        0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.6, 0.65, 0.7, 0.85, 0.95,
    ];
    const LABELS: [Label; 12] = [G, G, F, G, G, F, G, F, F, G, F, F];

    #[test]
    fn platt_matches_scikit_learn() {
        let p = PlattScaling::fit(&SCORES, &LABELS).unwrap();
        let expected_ab = (REF_PLATT_A, REF_PLATT_B);
        assert!((p.a - expected_ab.0).abs() < 1e-4, "a = {}", p.a);
        assert!((p.b - expected_ab.1).abs() < 1e-4, "b = {}", p.b);
        for (s, e) in REF_PLATT_PRED {
            assert!((p.apply(s) - e).abs() < 1e-5, "{s}: {} vs {e}", p.apply(s));
        }
    }

    #[test]
    fn isotonic_matches_scikit_learn() {
        let iso = IsotonicRegression::fit(&SCORES, &LABELS).unwrap();
        for (s, e) in REF_ISO_PRED {
            assert!(
                (iso.apply(s) - e).abs() < 1e-12,
                "{s}: {} vs {e}",
                iso.apply(s)
            );
        }
    }

    #[test]
    fn rejects_one_class() {
        assert!(Calibration::fit(CalibrationMethod::Platt, &[0.1, 0.2], &[F, F]).is_err());
        assert!(Calibration::fit(CalibrationMethod::Isotonic, &[0.1, f64::NAN], &[F, G]).is_err());
    }

    proptest! {
        #[test]
        fn isotonic_is_monotone_and_bounded(
            pts in proptest::collection::vec((0.0f64..1.0, any::<bool>()), 2..60),
            probes in proptest::collection::vec(-0.5f64..1.5, 1..20),
        ) {
            let scores: Vec<f64> = pts.iter().map(|p| p.0).collect();
            let labels: Vec<Label> = pts.iter().map(|p| if p.1 { F } else { G }).collect();
            prop_assume!(labels.contains(&F) && labels.contains(&G));
            let iso = IsotonicRegression::fit(&scores, &labels).unwrap();
            let mut probes = probes;
            probes.sort_by(f64::total_cmp);
            let out: Vec<f64> = probes.iter().map(|s| iso.apply(*s)).collect();
            prop_assert!(out.windows(2).all(|w| w[0] <= w[1] + 1e-12));
            prop_assert!(out.iter().all(|p| (0.0..=1.0).contains(p)));
            prop_assert!(Calibration::Isotonic(iso.clone()).validate().is_ok());
            let platt = PlattScaling::fit(&scores, &labels).unwrap();
            prop_assert!(platt.a.is_finite() && platt.b.is_finite());
        }
    }
}
