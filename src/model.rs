//! The serializable [`Model`]: schema, fitted detector, calibration, threshold, provenance and
//! out-of-fold validation scores, in a compact versioned binary file.
//!
//! # Training
//! [`ModelParams::fit_variants`] takes the training accounts' feature matrix and, optionally,
//! copies of it computed with some fields masked (no `created_at`, no description, ...). Folds are
//! drawn over accounts (stratified by label), so an account and its masked copies are always on
//! the same side of a split. For each fold the detector is trained on every variant of the other
//! folds' accounts and scores every variant of the held-out ones. The calibrator is fitted on all
//! those out-of-fold scores; the out-of-fold scores are themselves calibrated by cross-fitting
//! (fold `k`'s scores by a calibrator fitted on the other folds' scores), so the reported
//! calibration error and the stored [`Validation`] scores are honest held-out numbers. Finally the
//! detector is refitted on all rows of all variants.
//!
//! # File format
//! `FAMODEL\x1a` (8 bytes), the format version (`u32` little-endian), the payload length (`u64`),
//! an FNV-1a 64 checksum of the payload (`u64`), then the payload: the model in postcard.
//! Loading checks each in turn and then the model's own consistency, so a file of another
//! version, a truncated or a garbled file gives [`Error::Model`] saying which.

use std::path::Path;

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::account::{Account, Label};
use crate::calibration::{Calibration, CalibrationMethod};
use crate::detector::explain::Explained;
use crate::detector::{
    DecisionTree, DecisionTreeParams, Detector, GaussianNb, GaussianNbParams, LinfaTree,
    LinfaTreeParams, LogisticRegression, LogisticRegressionParams, RandomForest,
    RandomForestParams, Reason,
};
use crate::error::{Error, Result};
use crate::eval::{stratified_k_fold, Metrics, MetricsSummary};
use crate::features::{
    ExportShape, FeatureExtractor, FeatureMatrix, FeatureSchema, FeatureSet, FieldGroup,
};

/// The first bytes of every model file.
pub(crate) const MODEL_MAGIC: [u8; 8] = *b"FAMODEL\x1a";
/// [`Model::FORMAT_VERSION`], for the file code.
pub(crate) const MODEL_FORMAT_VERSION: u32 = Model::FORMAT_VERSION;
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// Which detector a [`ModelParams`] fits, with its hyperparameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DetectorParams {
    /// [`RandomForest`].
    RandomForest(RandomForestParams),
    /// [`LogisticRegression`].
    LogisticRegression(LogisticRegressionParams),
    /// [`GaussianNb`].
    GaussianNb(GaussianNbParams),
    /// [`DecisionTree`].
    DecisionTree(DecisionTreeParams),
    /// [`LinfaTree`].
    LinfaTree(LinfaTreeParams),
}

impl Default for DetectorParams {
    fn default() -> Self {
        DetectorParams::RandomForest(RandomForestParams::default())
    }
}

impl std::str::FromStr for DetectorParams {
    type Err = Error;

    /// A detector with its default hyperparameters, by name: `random_forest` (or `forest`),
    /// `logistic_regression` (`logistic`), `gaussian_nb` (`naive-bayes`), `decision_tree`
    /// (`tree`), `linfa_tree`; `-` and `_` are alike.
    fn from_str(s: &str) -> Result<Self> {
        Ok(
            match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "random_forest" | "forest" => DetectorParams::RandomForest(Default::default()),
                "logistic_regression" | "logistic" => {
                    DetectorParams::LogisticRegression(Default::default())
                }
                "gaussian_nb" | "naive_bayes" => DetectorParams::GaussianNb(Default::default()),
                "decision_tree" | "tree" => DetectorParams::DecisionTree(Default::default()),
                "linfa_tree" => DetectorParams::LinfaTree(Default::default()),
                _ => {
                    return Err(Error::InvalidParams {
                        name: "detector".into(),
                        reason: format!(
                            "{s:?} is not a detector: random_forest, logistic_regression, \
                         gaussian_nb, decision_tree or linfa_tree"
                        ),
                    })
                }
            },
        )
    }
}

impl DetectorParams {
    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the bad parameter.
    pub fn validate(&self) -> Result<()> {
        match self {
            DetectorParams::RandomForest(p) => p.validate(),
            DetectorParams::LogisticRegression(p) => p.validate(),
            DetectorParams::GaussianNb(p) => p.validate(),
            DetectorParams::DecisionTree(p) => p.validate(),
            DetectorParams::LinfaTree(p) => p.validate(),
        }
    }

    /// Fits the detector.
    ///
    /// # Errors
    /// As the detector's own `fit`.
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<FittedDetector> {
        Ok(match self {
            DetectorParams::RandomForest(p) => FittedDetector::RandomForest(p.fit(x, y)?),
            DetectorParams::LogisticRegression(p) => {
                FittedDetector::LogisticRegression(p.fit(x, y)?)
            }
            DetectorParams::GaussianNb(p) => FittedDetector::GaussianNb(p.fit(x, y)?),
            DetectorParams::DecisionTree(p) => FittedDetector::DecisionTree(p.fit(x, y)?),
            DetectorParams::LinfaTree(p) => FittedDetector::LinfaTree(p.fit(x, y)?),
        })
    }
}

/// A fitted detector of any kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FittedDetector {
    /// A random forest.
    RandomForest(RandomForest),
    /// A logistic regression.
    LogisticRegression(LogisticRegression),
    /// A Gaussian naive Bayes classifier.
    GaussianNb(GaussianNb),
    /// A single decision tree.
    DecisionTree(DecisionTree),
    /// A single decision tree fitted by linfa-trees.
    LinfaTree(LinfaTree),
}

impl FittedDetector {
    fn as_detector(&self) -> &dyn Detector {
        match self {
            FittedDetector::RandomForest(d) => d,
            FittedDetector::LogisticRegression(d) => d,
            FittedDetector::GaussianNb(d) => d,
            FittedDetector::DecisionTree(d) => d,
            FittedDetector::LinfaTree(d) => d,
        }
    }

    /// The schema it was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        match self {
            FittedDetector::RandomForest(d) => d.schema(),
            FittedDetector::LogisticRegression(d) => d.schema(),
            FittedDetector::GaussianNb(d) => d.schema(),
            FittedDetector::DecisionTree(d) => d.schema(),
            FittedDetector::LinfaTree(d) => d.schema(),
        }
    }

    fn check_stored(&self) -> std::result::Result<(), String> {
        match self {
            FittedDetector::RandomForest(_) => Ok(()), // validated while decoding
            FittedDetector::LogisticRegression(d) => d.check_stored(),
            FittedDetector::GaussianNb(d) => d.check_stored(),
            FittedDetector::DecisionTree(d) => d.check_stored(),
            FittedDetector::LinfaTree(d) => d.check_stored(),
        }
    }
}

impl Detector for FittedDetector {
    fn name(&self) -> &str {
        self.as_detector().name()
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.as_detector().predict_proba(x)
    }

    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.as_detector().explain(x, row)
    }

    fn explain_top(&self, x: &FeatureMatrix, row: usize, k: usize) -> Result<Vec<Reason>> {
        self.as_detector().explain_top(x, row, k)
    }

    /// The random forest's split features; `None` (any column) for the other detectors:
    /// logistic regression and naive Bayes read every column, and the single trees do not say.
    fn used_features(&self) -> Option<Vec<usize>> {
        self.as_detector().used_features()
    }
}

/// How a detector fitted without one source scores that source's accounts of one class: the
/// leave-one-source-out rates a [`Model`] carries (see [`crate::TrainingSet::fit`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRates {
    /// The left-out source.
    pub source: String,
    /// The class of its accounts these rates are of.
    pub label: Label,
    /// Its accounts of that class.
    pub rows: usize,
    /// Their mean calibrated P(fake).
    pub mean_p_fake: f64,
    /// The share of them at or above the model's threshold.
    pub called_fake: f64,
}

/// A training dataset named in a model's provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DatasetInfo {
    /// The dataset's name and subset, e.g. `cresci-2015/E13`.
    pub name: String,
    /// Rows taken from it.
    pub rows: usize,
    /// Of those, rows labelled fake.
    pub fake: usize,
}

impl DatasetInfo {
    /// A dataset of `rows` rows, `fake` of them labelled fake.
    pub fn new(name: impl Into<String>, rows: usize, fake: usize) -> DatasetInfo {
        DatasetInfo {
            name: name.into(),
            rows,
            fake,
        }
    }
}

/// How to train a [`Model`]: detector, calibration, folds, seed and decision threshold.
///
/// # Examples
/// ```
/// use follower_audit::{Detector, FeatureMatrix, FeatureSchema, Label, ModelParams};
/// let schema = FeatureSchema::new("demo", 1, vec!["followers".into()])?;
/// let values: Vec<f64> = (0..40).map(|i| i as f64).collect();
/// let x = FeatureMatrix::new(schema, ndarray::Array2::from_shape_vec((40, 1), values)?)?;
/// let y: Vec<Label> = (0..40).map(|i| if i < 20 { Label::Fake } else { Label::Genuine }).collect();
/// let model = ModelParams::default().folds(4).fit(&x, &y)?;
/// let p = model.predict_proba(&x)?;
/// assert!(p[0] > 0.5 && p[39] < 0.5);
/// let bytes = model.to_bytes()?;
/// assert_eq!(follower_audit::Model::from_bytes(&bytes)?.predict_proba(&x)?, p);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    detector: DetectorParams,
    calibration: CalibrationMethod,
    folds: usize,
    seed: u64,
    threshold: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            detector: DetectorParams::default(),
            calibration: CalibrationMethod::Isotonic,
            folds: 5,
            seed: 0,
            threshold: 0.5,
        }
    }
}

impl ModelParams {
    /// The detector to fit (default: a [`RandomForest`] with default parameters).
    pub fn detector(mut self, detector: DetectorParams) -> Self {
        self.detector = detector;
        self
    }

    /// The calibrator (default [`CalibrationMethod::Isotonic`]).
    pub fn calibration(mut self, calibration: CalibrationMethod) -> Self {
        self.calibration = calibration;
        self
    }

    /// Number of cross-validation folds for the out-of-fold scores (default 5).
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Seed of the fold assignment (default 0). The detector's own seed is in its params.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Decision threshold on calibrated P(fake): `p >= threshold` is fake (default 0.5).
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The detector's parameters (the getter of [`ModelParams::detector`]).
    pub fn detector_params(&self) -> &DetectorParams {
        &self.detector
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the bad parameter.
    pub fn validate(&self) -> Result<()> {
        self.detector.validate()?;
        if self.folds < 2 {
            return Err(Error::InvalidParams {
                name: "folds".into(),
                reason: format!("need at least 2, got {}", self.folds),
            });
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::InvalidParams {
                name: "threshold".into(),
                reason: format!("must be in [0, 1], got {}", self.threshold),
            });
        }
        Ok(())
    }

    /// Trains a model on one labelled matrix (see [`ModelParams::fit_variants`]).
    ///
    /// # Errors
    /// As [`ModelParams::fit_variants`].
    pub fn fit(&self, x: &FeatureMatrix, y: &[Label]) -> Result<Model> {
        self.fit_variants(&[("all_fields", x)], y, &[])
    }

    /// Trains a model on a labelled matrix and masked copies of it.
    ///
    /// `variants[0]` is the primary matrix (all fields); every other variant holds the same
    /// accounts in the same order, with the features computed after masking some fields. Each
    /// variant's name labels its cross-validated metrics in the provenance. `datasets` is recorded
    /// in the provenance as given.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] for bad parameters (checked first); [`Error::InvalidData`] when
    /// there is no variant, the variants differ in schema or row count, the labels' count differs,
    /// a class has fewer rows than folds, or the detector cannot be fitted.
    pub fn fit_variants(
        &self,
        variants: &[(&str, &FeatureMatrix)],
        y: &[Label],
        datasets: &[DatasetInfo],
    ) -> Result<Model> {
        self.validate()?;
        let Some((_, primary)) = variants.first() else {
            return Err(Error::InvalidData("no training matrix given".into()));
        };
        let n = primary.nrows();
        if y.len() != n {
            return Err(Error::InvalidData(format!(
                "{n} rows but {} labels",
                y.len()
            )));
        }
        for (name, v) in variants {
            primary.schema().check(v.schema())?;
            if v.nrows() != n {
                return Err(Error::InvalidData(format!(
                    "variant `{name}` has {} rows, the primary matrix {n}",
                    v.nrows()
                )));
            }
        }
        let folds = stratified_k_fold(y, self.folds, self.seed)?;
        let mut fold_of = vec![0usize; n];
        for (f, rows) in folds.iter().enumerate() {
            rows.iter().for_each(|&i| fold_of[i] = f);
        }
        let stack = |rows: &[usize]| -> Result<(FeatureMatrix, Vec<Label>)> {
            let parts: Vec<Array2<f64>> = variants
                .iter()
                .map(|(_, v)| v.values().select(Axis(0), rows))
                .collect();
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            let values = ndarray::concatenate(Axis(0), &views)
                .map_err(|e| Error::InvalidData(format!("stacking variants: {e}")))?;
            let labels = variants
                .iter()
                .flat_map(|_| rows.iter().map(|&i| y[i]))
                .collect();
            Ok((
                FeatureMatrix::new(primary.schema().clone(), values)?,
                labels,
            ))
        };

        // Raw out-of-fold scores, per variant.
        let mut raw = vec![vec![0.0; n]; variants.len()];
        for (f, test) in folds.iter().enumerate() {
            let train: Vec<usize> = (0..n).filter(|&i| fold_of[i] != f).collect();
            let (xt, yt) = stack(&train)?;
            let det = self.detector.fit(&xt, &yt)?;
            for (v, (_, m)) in variants.iter().enumerate() {
                let p = det.predict_proba(&m.select_rows(test))?;
                for (&i, p) in test.iter().zip(p) {
                    raw[v][i] = p;
                }
            }
        }
        // Cross-fitted calibrated out-of-fold scores.
        let all_labels: Vec<Label> = variants.iter().flat_map(|_| y.iter().copied()).collect();
        let mut calibrated = raw.clone();
        for (f, test) in folds.iter().enumerate() {
            let (mut s, mut l) = (Vec::new(), Vec::new());
            for r in &raw {
                for i in (0..n).filter(|&i| fold_of[i] != f) {
                    s.push(r[i]);
                    l.push(y[i]);
                }
            }
            let cal = Calibration::fit(self.calibration, &s, &l)?;
            for v in 0..variants.len() {
                for &i in test {
                    calibrated[v][i] = cal.apply(raw[v][i]);
                }
            }
        }
        let all_raw: Vec<f64> = raw.iter().flatten().copied().collect();
        let calibration = Calibration::fit(self.calibration, &all_raw, &all_labels)?;

        // Metrics, per variant (pooled) and per fold for the primary.
        let mut per_variant = Vec::with_capacity(variants.len());
        for (v, (name, _)) in variants.iter().enumerate() {
            per_variant.push(VariantMetrics {
                variant: name.to_string(),
                metrics: Metrics::compute(y, &calibrated[v], self.threshold)?,
            });
        }
        let mut fold_metrics = Vec::with_capacity(folds.len());
        for test in &folds {
            let yl: Vec<Label> = test.iter().map(|&i| y[i]).collect();
            let p: Vec<f64> = test.iter().map(|&i| calibrated[0][i]).collect();
            fold_metrics.push(Metrics::compute(&yl, &p, self.threshold)?);
        }
        let uncalibrated = Metrics::compute(y, &raw[0], self.threshold)?;

        let all_rows: Vec<usize> = (0..n).collect();
        let (xa, ya) = stack(&all_rows)?;
        let detector = self.detector.fit(&xa, &ya)?;
        let n_fake = y.iter().filter(|l| l.is_fake()).count();
        Ok(Model {
            data: ModelData {
                schema: primary.schema().clone(),
                detector,
                calibration,
                threshold: self.threshold,
                provenance: Provenance {
                    datasets: datasets.to_vec(),
                    rows: n,
                    fake: n_fake,
                    genuine: n - n_fake,
                    variants: variants.iter().map(|(s, _)| s.to_string()).collect(),
                    params: self.clone(),
                    library_version: env!("CARGO_PKG_VERSION").to_string(),
                    cv: CvReport {
                        folds: self.folds,
                        seed: self.seed,
                        per_variant,
                        primary_folds: MetricsSummary::of(&fold_metrics),
                        primary_uncalibrated: uncalibrated,
                    },
                },
                validation: Validation {
                    proba: calibrated.swap_remove(0),
                    labels: y.to_vec(),
                },
                fields: None,
                source_rates: Vec::new(),
            },
        })
    }
}

/// Cross-validated metrics of one training variant (all fields, or some masked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VariantMetrics {
    /// The variant's name, e.g. `all_fields`, `no_created_at`.
    pub variant: String,
    /// Pooled out-of-fold metrics of the calibrated P(fake) on this variant's rows.
    pub metrics: Metrics,
}

/// The cross-validation a model was assessed with while training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CvReport {
    /// Number of stratified folds.
    pub folds: usize,
    /// The fold seed.
    pub seed: u64,
    /// Pooled out-of-fold metrics of the calibrated scores, per variant (the first is the
    /// primary matrix).
    pub per_variant: Vec<VariantMetrics>,
    /// Mean and spread over folds of the primary variant's calibrated metrics.
    pub primary_folds: MetricsSummary,
    /// Pooled out-of-fold metrics of the primary variant before calibration.
    pub primary_uncalibrated: Metrics,
}

/// Where a model came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Provenance {
    /// The training datasets, as named by the trainer.
    pub datasets: Vec<DatasetInfo>,
    /// Training accounts (rows of the primary matrix).
    pub rows: usize,
    /// Of those, fake.
    pub fake: usize,
    /// Of those, genuine.
    pub genuine: usize,
    /// The training variants' names (the primary first).
    pub variants: Vec<String>,
    /// The parameters it was trained with.
    pub params: ModelParams,
    /// The `follower-audit` version that trained it.
    pub library_version: String,
    /// Its cross-validated metrics.
    pub cv: CvReport,
}

impl Provenance {
    /// The share of fakes among the training accounts (0.5 when there are none): the prior
    /// the model's calibrated scores carry.
    pub fn prevalence(&self) -> f64 {
        if self.rows > 0 {
            self.fake as f64 / self.rows as f64
        } else {
            0.5
        }
    }
}

/// Out-of-fold calibrated P(fake) of the training accounts with their labels: the material the
/// share estimators (ACC, PACC, EM) take their error rates from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// Calibrated out-of-fold P(fake), one per training account (primary variant).
    pub proba: Vec<f64>,
    /// The accounts' labels.
    pub labels: Vec<Label>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ModelData {
    schema: FeatureSchema,
    detector: FittedDetector,
    calibration: Calibration,
    threshold: f64,
    provenance: Provenance,
    validation: Validation,
    /// The field groups the model reads, when it was fitted to an export's shape.
    fields: Option<ExportShape>,
    /// Leave-one-source-out rates, one per source and class.
    source_rates: Vec<SourceRates>,
}

impl ModelData {
    fn check(&self) -> std::result::Result<(), String> {
        if self.detector.schema() != &self.schema {
            return Err(format!(
                "the detector's schema {} is not the model's {}",
                self.detector.schema().describe(),
                self.schema.describe()
            ));
        }
        self.detector.check_stored()?;
        self.calibration.validate()?;
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(format!("threshold {} is not in [0, 1]", self.threshold));
        }
        let v = &self.validation;
        if v.proba.len() != v.labels.len() || v.proba.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return Err("validation scores are not probabilities matching the labels".into());
        }
        Ok(())
    }
}

impl TryFrom<ModelData> for Model {
    type Error = String;
    fn try_from(data: ModelData) -> std::result::Result<Model, String> {
        data.check()?;
        Ok(Model { data })
    }
}

impl From<Model> for ModelData {
    fn from(m: Model) -> ModelData {
        m.data
    }
}

/// A trained, calibrated detector with its schema, threshold, provenance and validation scores.
///
/// A `Model` is itself a [`Detector`] whose probabilities are calibrated.
///
/// # Examples
/// # Examples
/// ```
/// use follower_audit::{Detector, Model};
/// let model = Model::default_twitter();
/// assert_eq!(model.schema().name(), "twitter");
/// assert!(model.provenance().rows > 2000);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelData", into = "ModelData")]
pub struct Model {
    data: ModelData,
}

/// One account scored by [`Model::score`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Score {
    /// Calibrated P(fake).
    pub p_fake: f64,
    /// The label at the model's threshold.
    pub label: Label,
    /// The strongest reasons, strongest first.
    pub reasons: Vec<Reason>,
}

impl Model {
    /// The model file format version this library writes and reads ([`Model::to_bytes`]); a
    /// file of another version is refused by [`Model::from_bytes`].
    pub const FORMAT_VERSION: u32 = 2;

    /// The embedded default Twitter/X model: a calibrated random forest trained on every
    /// labelled Twitter/X source of [`Preset::Twitter`](crate::Preset::Twitter)
    /// (docs/sources.md), reading the field groups of a full export. Retrain with
    /// `cargo run --release --example train -- --preset twitter --out-dir DIR`
    /// ([`Preset::Twitter`](crate::Preset::Twitter) with seed 0).
    pub fn default_twitter() -> Model {
        embedded_model("twitter-default.fam").expect("the embedded Twitter model is present")
    }

    /// The embedded default Instagram model, trained on every labelled Instagram source of
    /// [`Preset::Instagram`](crate::Preset::Instagram) (docs/sources.md) with the Instagram
    /// feature set.
    /// Retrain with `cargo run --release --example train -- --preset instagram --out-dir DIR`
    /// ([`Preset::Instagram`](crate::Preset::Instagram) with seed 0).
    pub fn default_instagram() -> Model {
        embedded_model("instagram-default.fam").expect("the embedded Instagram model is present")
    }

    /// The feature schema it expects.
    pub fn schema(&self) -> &FeatureSchema {
        &self.data.schema
    }

    /// The fitted detector (uncalibrated scores).
    pub fn detector(&self) -> &FittedDetector {
        &self.data.detector
    }

    /// The calibrator applied to the detector's scores.
    pub fn calibration(&self) -> &Calibration {
        &self.data.calibration
    }

    /// The decision threshold on calibrated P(fake).
    pub fn threshold(&self) -> f64 {
        self.data.threshold
    }

    /// The same model with another decision threshold.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when the threshold is not in [0, 1].
    pub fn with_threshold(mut self, threshold: f64) -> Result<Model> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::InvalidParams {
                name: "threshold".into(),
                reason: format!("must be in [0, 1], got {threshold}"),
            });
        }
        self.data.threshold = threshold;
        Ok(self)
    }

    /// The field groups the model reads, when it was fitted to an export's shape
    /// ([`crate::TrainingSet::fit`]); `None` for a model trained on accounts directly.
    pub fn fields(&self) -> Option<&ExportShape> {
        self.data.fields.as_ref()
    }

    /// The model's leave-one-source-out rates (empty when it was not trained by
    /// [`crate::TrainingSet::fit`]).
    pub fn source_rates(&self) -> &[SourceRates] {
        &self.data.source_rates
    }

    /// The model with the shape it reads and its leave-one-source-out rates.
    pub(crate) fn with_fields(mut self, fields: ExportShape, rates: Vec<SourceRates>) -> Model {
        self.data.fields = Some(fields);
        self.data.source_rates = rates;
        self
    }

    /// Calibrated P(fake) of every row of `x` (as [`Detector::predict_proba`]) with its first
    /// `k` reasons (as [`Detector::explain_top`]); a forest walks each row once for both when
    /// its ranked form applies, and leaves its reasons to be put into words when needed
    /// (against the model's schema).
    pub(crate) fn score_and_explain(
        &self,
        x: &FeatureMatrix,
        k: usize,
    ) -> Result<(Array1<f64>, Explained)> {
        self.data.schema.check(x.schema())?;
        match &self.data.detector {
            FittedDetector::RandomForest(f) => {
                f.schema().check(x.schema())?;
                let (mut p, briefs) = f.score_and_explain_values(x.values(), k)?;
                p.mapv_inplace(|s| self.data.calibration.apply(s));
                Ok((p, Explained::Briefs(briefs)))
            }
            _ => {
                use rayon::prelude::*;
                let reasons = (0..x.nrows())
                    .into_par_iter()
                    .map(|row| self.explain_top(x, row, k))
                    .collect::<Result<_>>()?;
                Ok((self.predict_proba(x)?, Explained::Reasons(reasons)))
            }
        }
    }

    /// Where it came from and how well it cross-validated.
    pub fn provenance(&self) -> &Provenance {
        &self.data.provenance
    }

    /// Out-of-fold calibrated scores of the training accounts with their labels.
    pub fn validation(&self) -> &Validation {
        &self.data.validation
    }

    /// The feature set whose schema the model reads, or an error saying why `what` cannot be
    /// scored by it (a model trained by another version's schema).
    pub(crate) fn feature_set(&self, what: &str) -> Result<FeatureSet> {
        let schema = self.schema();
        [FeatureSet::Twitter, FeatureSet::Instagram]
            .into_iter()
            .find(|s| s.schema() == *schema)
            .ok_or_else(|| Error::SchemaMismatch {
                expected: format!(
                    "a schema this version extracts ({} or {}) to score {what}",
                    FeatureSet::Twitter.schema().describe(),
                    FeatureSet::Instagram.schema().describe()
                ),
                found: format!("the model's {}: retrain it", schema.describe()),
            })
    }

    /// Scores one account: its calibrated P(fake), the label at the model's threshold and the
    /// three strongest reasons. Ages and rates are measured at the account's crawl time
    /// (`profile.crawled_at`), or at the clock when it has none: set it to the export's date
    /// for an old export. To score many accounts, [`crate::Audit`] or
    /// [`crate::FeatureExtractor`] with [`Detector::predict_proba`] do it in parallel.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] for a model of a schema this version does not extract.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Account, Label, Model};
    /// let mut a = Account::default();
    /// a.profile.crawled_at = Some("2015-02-14T10:54:49Z".parse().unwrap());
    /// a.profile.created_at = Some("2015-02-01T08:00:00Z".parse().unwrap());
    /// (a.profile.followers_count, a.profile.friends_count, a.profile.statuses_count) =
    ///     (Some(2), Some(1900), Some(0));
    /// let score = Model::default_twitter().score(&a)?;
    /// assert_eq!(score.label, Label::Fake);
    /// assert!(!score.reasons.is_empty());
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn score(&self, account: &Account) -> Result<Score> {
        let fx = FeatureExtractor::new(self.feature_set("an account")?);
        let x = fx.extract(std::slice::from_ref(account));
        let p_fake = self.predict_proba(&x)?[0].clamp(0.0, 1.0);
        let reasons = self.explain_top(&x, 0, 3)?;
        Ok(Score {
            p_fake,
            label: if p_fake >= self.data.threshold {
                Label::Fake
            } else {
                Label::Genuine
            },
            reasons,
        })
    }

    /// The predicted label of each row at the model's threshold (`p >= threshold` is fake).
    ///
    /// # Errors
    /// As [`Detector::predict_proba`].
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<Label>> {
        Ok(self
            .predict_proba(x)?
            .iter()
            .map(|&p| {
                if p >= self.data.threshold {
                    Label::Fake
                } else {
                    Label::Genuine
                }
            })
            .collect())
    }

    /// The model as a versioned binary file's bytes.
    ///
    /// # Errors
    /// [`Error::Model`] when serialization fails.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let payload =
            postcard::to_allocvec(self).map_err(|e| Error::Model(format!("serializing: {e}")))?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&MODEL_MAGIC);
        out.extend_from_slice(&MODEL_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// A model from bytes written by [`Model::to_bytes`].
    ///
    /// # Errors
    /// [`Error::Model`] saying what is wrong: not a model file, another format version, truncated,
    /// checksum mismatch, undecodable or inconsistent content.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        if bytes.len() < 8 || bytes[..8] != MODEL_MAGIC {
            return Err(Error::Model(
                "not a follower-audit model file (bad magic bytes)".into(),
            ));
        }
        if bytes.len() < HEADER_LEN {
            return Err(Error::Model(format!(
                "truncated model file: {} bytes, shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            )));
        }
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != MODEL_FORMAT_VERSION {
            return Err(Error::Model(format!(
                "model format version {version}; this library (follower-audit {}) reads version \
                 {MODEL_FORMAT_VERSION}: retrain or convert the model",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let (len, checksum) = (word(12), word(20));
        let payload = &bytes[HEADER_LEN..];
        if payload.len() as u64 != len {
            return Err(Error::Model(format!(
                "truncated or padded model file: header says {len} payload bytes, found {}",
                payload.len()
            )));
        }
        if fnv1a64(payload) != checksum {
            return Err(Error::Model("corrupt model file: checksum mismatch".into()));
        }
        let (model, rest): (Model, _) = postcard::take_from_bytes(payload)
            .map_err(|e| Error::Model(format!("corrupt model file: {e}")))?;
        if !rest.is_empty() {
            return Err(Error::Model(format!(
                "corrupt model file: {} unread bytes after the model",
                rest.len()
            )));
        }
        Ok(model)
    }

    /// Writes the model file.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path; [`Error::Model`] as [`Model::to_bytes`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|err| Error::Io {
            origin: path.display().to_string(),
            err,
        })
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path; [`Error::Model`] as [`Model::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|err| Error::Io {
            origin: path.display().to_string(),
            err,
        })?;
        Model::from_bytes(&bytes).map_err(|e| match e {
            Error::Model(m) => Error::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

impl Detector for Model {
    fn name(&self) -> &str {
        self.data.detector.name()
    }

    /// Calibrated P(fake).
    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        self.data.schema.check(x.schema())?;
        let mut p = self.data.detector.predict_proba(x)?;
        p.mapv_inplace(|s| self.data.calibration.apply(s));
        Ok(p)
    }

    /// The detector's reasons; their weights are on the detector's own (uncalibrated) scale.
    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        self.data.schema.check(x.schema())?;
        self.data.detector.explain(x, row)
    }

    fn explain_top(&self, x: &FeatureMatrix, row: usize, k: usize) -> Result<Vec<Reason>> {
        self.data.schema.check(x.schema())?;
        self.data.detector.explain_top(x, row, k)
    }

    /// The detector's columns: calibration maps the detector's score alone and adds none.
    fn used_features(&self) -> Option<Vec<usize>> {
        self.data.detector.used_features()
    }
}

impl ModelParams {
    /// Trains a model on labelled accounts: extracts `set`'s features from the accounts as they are
    /// and from copies with each variant's field groups blanked, then calls
    /// [`ModelParams::fit_variants`] (primary variant `all_fields`).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when an account has no label; as [`ModelParams::fit_variants`].
    pub fn fit_accounts(
        &self,
        set: FeatureSet,
        accounts: &[Account],
        variants: &[(&str, &[FieldGroup])],
        datasets: &[DatasetInfo],
    ) -> Result<Model> {
        let params = self;
        let labels = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                a.label.ok_or_else(|| {
                    Error::InvalidData(format!("training account {} has no label", i + 1))
                })
            })
            .collect::<Result<Vec<Label>>>()?;
        let fx = FeatureExtractor::new(set);
        let mut matrices = vec![("all_fields", fx.extract(accounts))];
        for (name, groups) in variants {
            let copies: Vec<Account> = accounts
                .iter()
                .map(|a| FieldGroup::masked(a, groups))
                .collect();
            matrices.push((name, fx.extract(&copies)));
        }
        let refs: Vec<(&str, &FeatureMatrix)> = matrices.iter().map(|(n, m)| (*n, m)).collect();
        params.fit_variants(&refs, &labels, datasets)
    }
}

/// FNV-1a, 64-bit: a small checksum that catches garbled files.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

static EMBEDDED: &[(&str, &[u8])] = &[
    (
        "twitter-default.fam",
        include_bytes!("../models/twitter-default.fam"),
    ),
    (
        "twitter-counts.fam",
        include_bytes!("../models/twitter-counts.fam"),
    ),
    (
        "instagram-default.fam",
        include_bytes!("../models/instagram-default.fam"),
    ),
    (
        "weibo-default.fam",
        include_bytes!("../models/weibo-default.fam"),
    ),
];

/// An embedded model by file name.
pub(crate) fn embedded_model(file: &str) -> Option<Model> {
    EMBEDDED
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, bytes)| Model::from_bytes(bytes).expect("the embedded models are valid (tested)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testdata::synthetic;

    fn small_model(detector: DetectorParams) -> (Model, FeatureMatrix) {
        let (x, y) = synthetic(300, 4, 41);
        let m = ModelParams::default()
            .detector(detector)
            .folds(3)
            .fit(&x, &y)
            .unwrap();
        (m, x)
    }

    /// The scores and reasons the audit works out chunk by chunk when every follower is
    /// written out are `predict_proba`'s and `explain_top`'s, row by row, for the forest (one
    /// walk) and for another detector; a matrix of another schema is refused.
    #[test]
    fn scores_and_reasons_together_are_predict_proba_and_explain_top() {
        for detector in [
            DetectorParams::default(),
            DetectorParams::LogisticRegression(LogisticRegressionParams::default()),
        ] {
            let (m, x) = small_model(detector);
            let (p, mut all) = m.score_and_explain(&x, 3).unwrap();
            let want = m.predict_proba(&x).unwrap();
            assert_eq!(p.len(), x.nrows());
            for (a, b) in p.iter().zip(&want) {
                assert_eq!(a.to_bits(), b.to_bits());
            }
            assert_eq!(all.len(), x.nrows());
            for row in 0..x.nrows() {
                let want = m.explain_top(&x, row, 3).unwrap();
                assert!(!want.is_empty());
                let mut joined = String::new();
                all.write_joined(m.schema(), row, &mut joined);
                let texts: Vec<&str> = want.iter().map(|r| r.text.as_str()).collect();
                assert_eq!(joined, texts.join("; "), "row {row}");
                assert_eq!(all.reasons(m.schema(), row), want, "row {row}");
            }
        }
        let (m, _) = small_model(DetectorParams::default());
        let (other, _) = synthetic(20, 5, 1);
        assert!(m.score_and_explain(&other, 3).is_err());
    }

    #[test]
    fn every_detector_round_trips_with_equal_scores() {
        for d in [
            DetectorParams::RandomForest(RandomForestParams::default().n_trees(10)),
            DetectorParams::LogisticRegression(LogisticRegressionParams::default()),
            DetectorParams::GaussianNb(GaussianNbParams::default()),
            DetectorParams::DecisionTree(DecisionTreeParams::default()),
            DetectorParams::LinfaTree(LinfaTreeParams::default()),
        ] {
            let (m, x) = small_model(d);
            let bytes = m.to_bytes().unwrap();
            let back = Model::from_bytes(&bytes).unwrap();
            assert_eq!(back, m);
            assert_eq!(
                back.predict_proba(&x).unwrap(),
                m.predict_proba(&x).unwrap()
            );
            assert_eq!(back.to_bytes().unwrap(), bytes);
            let metrics = &m.provenance().cv.per_variant[0].metrics;
            assert!(
                metrics.accuracy > 0.85,
                "{}: {}",
                m.name(),
                metrics.accuracy
            );
            assert_eq!(m.validation().proba.len(), 300);
        }
    }

    #[test]
    fn bad_files_give_clear_errors() {
        let (m, _) = small_model(DetectorParams::RandomForest(
            RandomForestParams::default().n_trees(3),
        ));
        let bytes = m.to_bytes().unwrap();
        let msg = |b: &[u8]| match Model::from_bytes(b) {
            Err(Error::Model(m)) => m,
            other => panic!("expected Error::Model, got {other:?}"),
        };
        assert!(msg(b"hello").contains("magic"));
        assert!(msg(&bytes[..bytes.len() - 10]).contains("truncated"));
        assert!(msg(&bytes[..20]).contains("truncated"));
        let mut other = bytes.clone();
        other[8] = (MODEL_FORMAT_VERSION + 1) as u8;
        assert!(msg(&other).contains(&format!("version {}", MODEL_FORMAT_VERSION + 1)));
        let mut garbled = bytes.clone();
        let mid = HEADER_LEN + (bytes.len() - HEADER_LEN) / 2;
        garbled[mid] ^= 0x55;
        assert!(msg(&garbled).contains("checksum"));
    }

    /// Wraps a payload in a valid header, so decoding and validation see arbitrary content.
    fn with_header(payload: &[u8]) -> Vec<u8> {
        let mut out = MODEL_MAGIC.to_vec();
        out.extend_from_slice(&MODEL_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&fnv1a64(payload).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// A payload with flipped bytes (and a checksum that matches them) never panics: it is
        /// rejected, or it decodes into a model that scores without panicking.
        #[test]
        fn mutated_payloads_never_panic(
            flips in proptest::collection::vec((0usize..1_000_000, 1u8..=255), 1..6),
            which in 0usize..2,
        ) {
            let d = if which == 0 {
                DetectorParams::RandomForest(RandomForestParams::default().n_trees(2))
            } else {
                DetectorParams::LogisticRegression(LogisticRegressionParams::default())
            };
            let (m, x) = small_model(d);
            let bytes = m.to_bytes().unwrap();
            let mut payload = bytes[HEADER_LEN..].to_vec();
            for (at, xor) in flips {
                let i = at % payload.len();
                payload[i] ^= xor;
            }
            if let Ok(model) = Model::from_bytes(&with_header(&payload)) {
                let _ = model.predict_proba(&x);
                let _ = model.explain(&x, 0);
            }
        }
    }

    #[test]
    fn masked_variants_are_scored_and_reported() {
        let (x, y) = synthetic(300, 4, 42);
        let mut blank = x.values().to_owned();
        blank.column_mut(0).fill(0.0);
        let masked = FeatureMatrix::new(x.schema().clone(), blank).unwrap();
        let m = ModelParams::default()
            .detector(DetectorParams::RandomForest(
                RandomForestParams::default().n_trees(20),
            ))
            .folds(3)
            .fit_variants(&[("all", &x), ("no_f0", &masked)], &y, &[])
            .unwrap();
        let cv = &m.provenance().cv.per_variant;
        assert_eq!(cv[1].variant, "no_f0");
        // Without the strongest feature, accuracy drops but stays above chance.
        assert!(cv[1].metrics.accuracy < cv[0].metrics.accuracy);
        assert!(cv[1].metrics.accuracy > 0.6);
        assert!(m.provenance().cv.per_variant[0].metrics.ece < 0.1);
    }

    #[test]
    fn schema_mismatch_and_bad_params() {
        let (m, x) = small_model(DetectorParams::GaussianNb(GaussianNbParams::default()));
        let other = FeatureSchema::new("other", 1, vec!["a".into(); 1]).unwrap();
        let xo = FeatureMatrix::new(other, x.values().select(Axis(1), &[0])).unwrap();
        assert!(matches!(
            m.predict_proba(&xo),
            Err(Error::SchemaMismatch { .. })
        ));
        assert!(m.clone().with_threshold(1.5).is_err());
        let (_, y) = synthetic(300, 4, 41);
        assert!(ModelParams::default().folds(1).fit(&x, &y).is_err());
        let p = m.predict(&x).unwrap();
        let high = m.clone().with_threshold(1.0).unwrap().predict(&x).unwrap();
        assert!(
            high.iter().filter(|l| l.is_fake()).count() <= p.iter().filter(|l| l.is_fake()).count()
        );
    }
}
