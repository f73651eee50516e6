//! # follower-audit
//!
//! Tells how many of an account's followers are real.
//!
//! The library reads follower exports as they come (research CSVs, the Twitter/X API's v1.1 and
//! v2 JSON, Instagram and Sina Weibo profile dumps) as streams of [`Account`]s, turns them into
//! named feature matrices ([`FeatureExtractor`]), scores them with calibrated, serializable
//! detectors ([`Model`], with embedded defaults trained on real labelled data), and estimates the
//! share of genuine followers with a confidence interval corrected for the classifier's own
//! error rates ([`Audit`], [`Quantifier`]). It also finds bursts of bought followers along the
//! follow order ([`find_bursts`]), explains each follower's score, and evaluates detectors and
//! share estimators ([`evaluation`]). A report's parts are in [`report`], the detectors and
//! rule sets in [`detectors`].
//!
//! # Example
//! ```
//! use follower_audit::{Audit, AuditParams, AccountReader, Listing, Model, ReadOptions};
//!
//! // Three followers in the Twitter API v1.1 form, newest first.
//! let export = r#"
//! {"id": 1, "screen_name": "maria_rossi", "name": "Maria Rossi", "description": "Designer in Pisa", "location": "Pisa", "followers_count": 310, "friends_count": 280, "statuses_count": 2400, "favourites_count": 150, "listed_count": 6, "created_at": "Fri Apr 06 10:58:22 +0000 2010"}
//! {"id": 2, "screen_name": "xk2938471", "followers_count": 2, "friends_count": 1900, "statuses_count": 0, "created_at": "Tue Mar 05 12:00:00 +0000 2013", "default_profile": true, "default_profile_image": true}
//! {"id": 3, "screen_name": "luca_b", "name": "Luca", "description": "Runner", "followers_count": 95, "friends_count": 120, "statuses_count": 800, "favourites_count": 40, "listed_count": 1, "created_at": "Sun Jan 08 09:00:00 +0000 2012"}
//! "#;
//! let reader = AccountReader::from_reader(export.trim().as_bytes(), &ReadOptions::default())?;
//! let model = Model::default_twitter();
//! let params = AuditParams::default()
//!     .as_of("2015-02-14T12:00:00Z".parse().unwrap())
//!     .followers(Listing::All); // every follower, in follow order
//! let report = Audit::new(&model, params).run("example", reader)?;
//! assert_eq!(report.scored, 3);
//! // The bare account that follows 1,900 and has 2 followers is the likely fake.
//! let p: Vec<f64> = report.followers.iter().map(|f| f.p_fake).collect();
//! assert!(p[1] > 0.5 && p[0] < 0.5 && p[2] < 0.5, "{p:?}");
//! assert!(report.genuine_share.ci_low <= report.genuine_share.estimate);
//! # Ok::<(), follower_audit::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod account;
mod audit;
mod bursts;
mod calibration;
mod detector;
mod error;
mod eval;
mod features;
mod formats;
mod inorder;
mod model;
mod nearest;
mod presets;
mod quantify;
mod rules;
mod sample;
#[cfg(feature = "synth")]
pub mod synth;
mod training;

// The public API, flat: everything a user names is here, or in one of the three namespaces
// below (`detectors`, `report`, `evaluation`); the modules themselves are private.

// Accounts and errors.
pub use crate::account::{Account, Label, Platform, Post, Profile, TextSummary};
pub use crate::error::{Error, Position, Result};
// Reading exports.
pub use crate::formats::{
    open, read_labelled, AccountReader, ColumnMap, Format, Mode, ReadOptions, ReadProgress,
    ReadStats, Rejection,
};
// Features.
pub use crate::features::{
    ExportShape, FeatureExtractor, FeatureMatrix, FeatureSchema, FeatureSet, FieldGroup,
    TimeReference,
};
// Models and training.
pub use crate::calibration::CalibrationMethod;
pub use crate::detector::{Detector, Reason};
pub use crate::model::{DatasetInfo, DetectorParams, Model, ModelParams, Score};
pub use crate::presets::{Preset, SourceAccounts};
pub use crate::training::TrainingSet;
// Auditing.
pub use crate::audit::{Audit, AuditParams, AuditReport, Comparison, ListKind, Listing};
pub use crate::bursts::{find_bursts, BurstParams};
// Quantifying.
pub use crate::quantify::{IntervalOptions, Method, Quantifier, ShareEstimate};

/// The detectors a [`DetectorParams`] selects, with their hyperparameters, a fitted
/// [`Model`]'s parts ([`FittedDetector`](detectors::FittedDetector),
/// [`Calibration`](detectors::Calibration)), and the published rule sets: for fitting a
/// detector directly or reading what a model holds.
pub mod detectors {
    pub use crate::calibration::Calibration;
    pub use crate::detector::{
        DecisionTree, DecisionTreeParams, GaussianNb, GaussianNbParams, LinfaTree, LinfaTreeParams,
        LogisticRegression, LogisticRegressionParams, MaxFeatures, RandomForest,
        RandomForestParams,
    };
    pub use crate::model::FittedDetector;
    pub use crate::rules::{RuleSet, RuleSetKind, SingleRule, Verdict};
}

/// The parts of an [`AuditReport`] and a [`Comparison`]: plain serde data with stable keys.
pub mod report {
    pub use crate::audit::{
        Breakdown, BurstAxis, ComparedAccount, CountInterval, Difference, EngagementReport,
        FakeTrait, FieldsReport, FollowerGroup, FollowerScore, ModelInfo, ShiftReport, TimeBurst,
        Timeline,
    };
    pub use crate::bursts::Burst;
    pub use crate::quantify::RateShift;
    pub use crate::training::ShiftLevel;
}

/// Measuring detectors and share estimators: metrics, cross-validation and the prevalence
/// protocol.
pub mod evaluation {
    pub use crate::eval::{
        cross_validate, ConfusionMatrix, CrossValidation, CrossValidationParams, Metrics,
        MetricsSummary, PrevalenceProtocolParams, PrevalenceReport, PrevalenceSummary,
        PrevalenceTrial, Spread,
    };
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
