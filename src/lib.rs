//! # follower-audit
//!
//! Tells how many of an account's followers are real.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod account;
mod audit;
mod bursts;
mod calibration;
pub mod detector;
mod error;
mod eval;
pub mod features;
pub mod formats;
mod model;
mod quantify;
mod rules;
mod sample;
pub mod synth;

pub use crate::account::{Account, Label, Platform, Post, Profile, TextSummary};
pub use crate::audit::{
    render_html, Audit, AuditParams, AuditReport, Breakdown, CountInterval, FollowerScore,
    ModelInfo, RejectedRecord, ShareInterval, Timeline, DEFAULT_METHOD, HISTOGRAM_BINS,
    INACTIVE_MAX_POSTS,
};
pub use crate::bursts::{find_bursts, Burst, BurstParams};
pub use crate::calibration::{
    brier_score, expected_calibration_error, Calibration, CalibrationMethod, IsotonicRegression,
    PlattScaling,
};
pub use crate::detector::{
    Contributions, DecisionTree, DecisionTreeParams, Detector, GaussianNb, GaussianNbParams,
    LogisticRegression, LogisticRegressionParams, MaxFeatures, RandomForest, RandomForestParams,
    Reason,
};
pub use crate::error::{Error, Position, Result};
pub use crate::eval::{
    cross_val_predict, cross_validate, log_loss, roc_auc, stratified_k_fold, ConfusionMatrix,
    CrossValidation, CrossValidationParams, Metrics, MetricsSummary, PrevalenceProtocolParams,
    PrevalenceReport, PrevalenceSummary, PrevalenceTrial, Spread, ECE_BINS,
};
pub use crate::features::{
    mask_fields, masked, BigramModel, FeatureExtractor, FeatureMatrix, FeatureSchema, FeatureSet,
    FieldGroup, TimeReference,
};
pub use crate::formats::{
    open, AccountReader, ColumnMap, Format, Mode, ReadOptions, ReadStats, Rejection,
};
pub use crate::model::{
    train_on_accounts, CvReport, DatasetInfo, DetectorParams, FittedDetector, Model, ModelParams,
    Preset, Provenance, Validation, VariantMetrics, MODEL_FORMAT_VERSION, MODEL_MAGIC,
};
pub use crate::quantify::{ErrorRates, IntervalOptions, Method, Quantifier, ShareEstimate};
pub use crate::rules::{Rule, RuleOutcome, RuleSet, RuleSetKind, SingleRule, Verdict};
pub use crate::sample::Reservoir;
pub use crate::synth::{
    BurstSpec, BurstTruth, FollowerGenerator, FollowerListSpec, Followers, Truth,
};
