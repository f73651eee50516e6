//! Logistic regression (fitted with linfa-logistic) on standardized features.
//!
//! linfa-logistic 0.8.1 names the *more frequent* class of the training labels its positive class
//! (its probabilities are P(more frequent class); rust-ml/linfa#393), so its raw output is P(fake)
//! on a fake-majority set and P(genuine) otherwise. We read which class it took as positive and
//! store the weights oriented towards "fake", so [`LogisticRegression`] always gives P(fake).

use linfa::prelude::*;
use linfa_logistic::LogisticRegression as LinfaLogistic;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::explain::reasons_from_contributions;
use crate::detector::rows::{check_training_data, row_values};
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

/// Hyperparameters of a [`LogisticRegression`].
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, detectors::LogisticRegressionParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into()])?;
/// let x = FeatureMatrix::new(schema, ndarray::array![[1.0], [2.0], [3.0], [300.0], [400.0]])?;
/// let y = [Label::Fake, Label::Fake, Label::Fake, Label::Genuine, Label::Genuine];
/// let model = LogisticRegressionParams::default().fit(&x, &y)?;
/// let p = model.predict_proba(&x)?;
/// assert!(p[0] > 0.5 && p[4] < 0.5);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegressionParams {
    alpha: f64,
    max_iterations: u64,
    gradient_tolerance: f64,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        LogisticRegressionParams {
            alpha: 1.0,
            max_iterations: 200,
            gradient_tolerance: 1e-5,
        }
    }
}

impl LogisticRegressionParams {
    /// L2 penalty on the (standardized) weights (default 1.0, linfa's default).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Maximum L-BFGS iterations (default 200).
    pub fn max_iterations(mut self, max_iterations: u64) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Gradient tolerance that stops L-BFGS (default 1e-5).
    pub fn gradient_tolerance(mut self, gradient_tolerance: f64) -> Self {
        self.gradient_tolerance = gradient_tolerance;
        self
    }

    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the bad parameter.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::InvalidParams {
                name: "alpha".into(),
                reason: format!("must be finite and >= 0, got {}", self.alpha),
            });
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidParams {
                name: "max_iterations".into(),
                reason: "must be at least 1".into(),
            });
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(Error::InvalidParams {
                name: "gradient_tolerance".into(),
                reason: format!("must be finite and > 0, got {}", self.gradient_tolerance),
            });
        }
        Ok(())
    }

    /// Standardizes the features and fits the weights.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] first, then [`Error::InvalidData`] as
    /// [`RandomForestParams::fit`](crate::detectors::RandomForestParams::fit), or when the solver fails.
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<LogisticRegression> {
        self.validate()?;
        check_training_data(x, y)?;
        let values = x.values();
        let mean = values.mean_axis(Axis(0)).expect("non-empty");
        let mut std = values.std_axis(Axis(0), 0.0);
        // A constant column keeps scale 1 (its standardized value is 0 everywhere).
        std.mapv_inplace(|s| if s > 1e-12 { s } else { 1.0 });
        let z = standardize(values, &mean, &std);
        let targets: Array1<Label> = Array1::from(y.to_vec());
        let data = Dataset::new(z, targets);
        let fitted = LinfaLogistic::default()
            .alpha(self.alpha)
            .max_iterations(self.max_iterations)
            .gradient_tolerance(self.gradient_tolerance)
            .fit(&data)
            .map_err(|e| Error::InvalidData(format!("logistic regression failed: {e}")))?;
        // linfa's probabilities refer to `labels().pos.class`, the more frequent class.
        let sign = if fitted.labels().pos.class == Label::Fake {
            1.0
        } else {
            -1.0
        };
        Ok(LogisticRegression {
            schema: x.schema().clone(),
            params: self.clone(),
            mean: mean.to_vec(),
            std: std.to_vec(),
            weights: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
        })
    }
}

fn standardize(values: ArrayView2<'_, f64>, mean: &Array1<f64>, std: &Array1<f64>) -> Array2<f64> {
    let mut z = values.to_owned();
    for mut row in z.rows_mut() {
        row -= mean;
        row /= std;
    }
    z
}

/// A fitted logistic regression: `P(fake) = sigmoid(w . z + b)` over standardized features
/// `z = (x - mean) / std`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    schema: FeatureSchema,
    params: LogisticRegressionParams,
    mean: Vec<f64>,
    std: Vec<f64>,
    weights: Vec<f64>,
    intercept: f64,
}

impl LogisticRegression {
    /// The schema it was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The weights over standardized features, oriented towards "fake".
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The intercept, oriented towards "fake".
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    fn logit(&self, row: &[f64]) -> f64 {
        let mut z = self.intercept;
        for (i, v) in row.iter().enumerate() {
            z += self.weights[i] * (v - self.mean[i]) / self.std[i];
        }
        z
    }

    pub(crate) fn check_stored(&self) -> std::result::Result<(), String> {
        let p = self.schema.len();
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if self.mean.len() != p || self.std.len() != p || self.weights.len() != p {
            return Err("logistic regression arrays do not match the schema".into());
        }
        if !finite(&self.mean) || !finite(&self.weights) || !self.intercept.is_finite() {
            return Err("logistic regression has non-finite parameters".into());
        }
        if self.std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err("logistic regression has a non-positive scale".into());
        }
        Ok(())
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Detector for LogisticRegression {
    fn name(&self) -> &str {
        "logistic_regression"
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        Ok(x.values()
            .rows()
            .into_iter()
            .map(|r| match r.as_slice() {
                Some(s) => sigmoid(self.logit(s)),
                None => sigmoid(self.logit(&r.to_vec())),
            })
            .collect())
    }

    /// Each feature's term `w_i * z_i` of the log-odds of fake.
    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        let v = row_values(x, row)?;
        let terms: Vec<f64> = (0..v.len())
            .map(|i| self.weights[i] * (v[i] - self.mean[i]) / self.std[i])
            .collect();
        Ok(reasons_from_contributions(&self.schema, &v, &terms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::synthetic_with_share;

    fn auc_like(p: &Array1<f64>, y: &[Label]) -> f64 {
        let mean = |fake: bool| {
            let v: Vec<f64> = p
                .iter()
                .zip(y)
                .filter(|(_, l)| l.is_fake() == fake)
                .map(|(p, _)| *p)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        mean(true) - mean(false)
    }

    /// The positive-class trap: with fakes the minority and with fakes the majority, the
    /// probabilities must be P(fake) both times.
    #[test]
    fn probabilities_are_p_fake_whichever_class_is_larger() {
        for share in [0.15, 0.85] {
            let (x, y) = synthetic_with_share(400, 4, 11, share);
            let m = LogisticRegressionParams::default().fit(&x, &y).unwrap();
            let p = m.predict_proba(&x).unwrap();
            assert!(
                auc_like(&p, &y) > 0.5,
                "share {share}: fakes should score higher"
            );
            let mean_p = p.mean().unwrap();
            let real_share = y.iter().filter(|l| l.is_fake()).count() as f64 / y.len() as f64;
            assert!(
                (mean_p - real_share).abs() < 0.1,
                "{mean_p} vs {real_share}"
            );
            // Fakes have lower f0: its weight must point towards fake when negative.
            assert!(m.weights()[0] < 0.0);
        }
    }

    #[test]
    fn explanation_terms_add_up_to_the_logit() {
        let (x, y) = synthetic_with_share(200, 3, 12, 0.5);
        let m = LogisticRegressionParams::default().fit(&x, &y).unwrap();
        let reasons = m.explain(&x, 3).unwrap();
        let logit: f64 = reasons.iter().map(|r| r.weight).sum::<f64>() + m.intercept();
        let p = m.predict_proba(&x).unwrap()[3];
        assert!((sigmoid(logit) - p).abs() < 1e-12);
        assert!(LogisticRegressionParams::default()
            .alpha(-1.0)
            .fit(&x, &y)
            .is_err());
        assert!(m.check_stored().is_ok());
    }
}
