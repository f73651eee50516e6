//! Gaussian naive Bayes (fitted with linfa-bayes), a baseline.
//!
//! linfa-bayes keeps its fitted class statistics private; we read them out once through its
//! serde form into our own [`GaussianNb`], so the stored model does not depend on linfa's types
//! and scoring gives P(fake) directly (a unit test checks it equals linfa's own
//! `predict_proba`).

use linfa::prelude::*;
use linfa_bayes::GaussianNb as LinfaGaussianNb;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::detector::explain::reasons_from_contributions;
use crate::detector::rows::{check_training_data, row_values};
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

/// Hyperparameters of a [`GaussianNb`].
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, detectors::GaussianNbParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into()])?;
/// let x = FeatureMatrix::new(schema, ndarray::array![[1.0], [2.0], [3.0], [300.0], [320.0]])?;
/// let y = [Label::Fake, Label::Fake, Label::Fake, Label::Genuine, Label::Genuine];
/// let nb = GaussianNbParams::default().fit(&x, &y)?;
/// assert!(nb.predict_proba(&x)?[0] > 0.5);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianNbParams {
    var_smoothing: f64,
}

impl Default for GaussianNbParams {
    fn default() -> Self {
        GaussianNbParams {
            var_smoothing: 1e-9,
        }
    }
}

impl GaussianNbParams {
    /// Share of the largest feature variance added to every variance (default 1e-9).
    pub fn var_smoothing(mut self, var_smoothing: f64) -> Self {
        self.var_smoothing = var_smoothing;
        self
    }

    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when `var_smoothing` is negative or not finite.
    pub fn validate(&self) -> Result<()> {
        if !(self.var_smoothing.is_finite() && self.var_smoothing >= 0.0) {
            return Err(Error::InvalidParams {
                name: "var_smoothing".into(),
                reason: format!("must be finite and >= 0, got {}", self.var_smoothing),
            });
        }
        Ok(())
    }

    /// Fits per-class means and variances.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] first, then [`Error::InvalidData`] as
    /// [`RandomForestParams::fit`](crate::detectors::RandomForestParams::fit), or when a fitted variance is zero (a feature constant
    /// in the whole training set with no smoothing).
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<GaussianNb> {
        self.validate()?;
        check_training_data(x, y)?;
        let targets: Array1<usize> = y.iter().map(|l| l.is_fake() as usize).collect();
        let data = Dataset::new(x.values().to_owned(), targets);
        let fitted: LinfaGaussianNb<f64, usize> = LinfaGaussianNb::params()
            .var_smoothing(self.var_smoothing)
            .fit(&data)
            .map_err(|e| Error::InvalidData(format!("naive Bayes failed: {e}")))?;
        let classes = read_class_stats(&fitted)?;
        let nb = GaussianNb {
            schema: x.schema().clone(),
            params: self.clone(),
            genuine: classes[0].clone(),
            fake: classes[1].clone(),
        };
        nb.check_stored().map_err(Error::InvalidData)?;
        Ok(nb)
    }
}

/// Reads linfa's private class statistics from its serde form: `[genuine, fake]`.
fn read_class_stats(fitted: &LinfaGaussianNb<f64, usize>) -> Result<[ClassStats; 2]> {
    let fail =
        |what: &str| Error::InvalidData(format!("naive Bayes: unexpected fitted form: {what}"));
    let v = serde_json::to_value(fitted).map_err(|e| fail(&e.to_string()))?;
    let info = v.get("class_info").ok_or_else(|| fail("no class_info"))?;
    let read = |key: &str| -> Result<ClassStats> {
        let c = info.get(key).ok_or_else(|| fail("a class is missing"))?;
        let prior = c
            .get("prior")
            .and_then(|p| p.as_f64())
            .ok_or_else(|| fail("prior"))?;
        let arr = |name: &str| -> Result<Vec<f64>> {
            let a: Array1<f64> =
                serde_json::from_value(c.get(name).cloned().ok_or_else(|| fail(name))?)
                    .map_err(|e| fail(&e.to_string()))?;
            Ok(a.to_vec())
        };
        Ok(ClassStats {
            log_prior: prior.ln(),
            mean: arr("theta")?,
            var: arr("sigma")?,
        })
    };
    Ok([read("0")?, read("1")?])
}

/// One class's prior and per-feature Gaussian.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ClassStats {
    log_prior: f64,
    mean: Vec<f64>,
    var: Vec<f64>,
}

impl ClassStats {
    /// Per-feature log densities of a row.
    fn log_density_terms<'a>(&'a self, row: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        row.iter()
            .zip(self.mean.iter().zip(&self.var))
            .map(|(x, (m, v))| {
                // The standardized distance is clamped so that its square stays finite: a value
                // far outside the training range (1e200, say) would otherwise square to
                // infinity in both classes, and inf - inf is NaN. Below 1e150 standard
                // deviations nothing changes.
                let z = ((x - m) / v.sqrt()).clamp(-1e150, 1e150);
                -0.5 * ((2.0 * std::f64::consts::PI * v).ln() + z * z)
            })
    }

    fn joint_log_likelihood(&self, row: &[f64]) -> f64 {
        self.log_prior + self.log_density_terms(row).sum::<f64>()
    }
}

/// A fitted Gaussian naive Bayes classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianNb {
    schema: FeatureSchema,
    params: GaussianNbParams,
    genuine: ClassStats,
    fake: ClassStats,
}

impl GaussianNb {
    /// The schema it was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn proba_row(&self, row: &[f64]) -> f64 {
        let d = self.fake.joint_log_likelihood(row) - self.genuine.joint_log_likelihood(row);
        if d.is_nan() {
            // Cannot happen with finite features (see `log_density_terms`); no evidence either way.
            return 0.5;
        }
        // sigmoid(d), stable
        if d >= 0.0 {
            1.0 / (1.0 + (-d).exp())
        } else {
            let e = d.exp();
            e / (1.0 + e)
        }
    }

    pub(crate) fn check_stored(&self) -> std::result::Result<(), String> {
        let p = self.schema.len();
        for c in [&self.genuine, &self.fake] {
            if c.mean.len() != p || c.var.len() != p {
                return Err("naive Bayes arrays do not match the schema".into());
            }
            if !c.log_prior.is_finite()
                || c.mean.iter().any(|m| !m.is_finite())
                || c.var.iter().any(|v| !(v.is_finite() && *v > 0.0))
            {
                return Err("naive Bayes has a zero variance or non-finite statistics".into());
            }
        }
        Ok(())
    }
}

impl Detector for GaussianNb {
    fn name(&self) -> &str {
        "gaussian_naive_bayes"
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        Ok(super::rows::score_rows(x, |r| self.proba_row(r)))
    }

    /// Each feature's log-likelihood ratio (fake over genuine).
    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.schema.check(x.schema())?;
        self.check_stored().map_err(Error::Model)?;
        let v = row_values(x, row)?;
        let terms: Vec<f64> = self
            .fake
            .log_density_terms(&v)
            .zip(self.genuine.log_density_terms(&v))
            .map(|(f, g)| f - g)
            .collect();
        Ok(reasons_from_contributions(&self.schema, &v, &terms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::synthetic_with_share;
    use linfa_bayes::NaiveBayes;

    #[test]
    fn equals_linfa_predict_proba() {
        let (x, y) = synthetic_with_share(300, 4, 21, 0.3);
        let nb = GaussianNbParams::default().fit(&x, &y).unwrap();
        let targets: Array1<usize> = y.iter().map(|l| l.is_fake() as usize).collect();
        let data = Dataset::new(x.values().to_owned(), targets);
        let linfa_nb: LinfaGaussianNb<f64, usize> = LinfaGaussianNb::params().fit(&data).unwrap();
        let (proba, classes) = linfa_nb.predict_proba(x.values());
        assert_eq!(classes, vec![&0, &1]);
        let ours = nb.predict_proba(&x).unwrap();
        for r in 0..x.nrows() {
            assert!((ours[r] - proba[[r, 1]]).abs() < 1e-9, "row {r}");
        }
        assert!(nb.explain(&x, 0).unwrap().len() == 4);
        assert!(GaussianNbParams::default()
            .var_smoothing(-1.0)
            .fit(&x, &y)
            .is_err());
    }
}
