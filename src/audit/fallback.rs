//! Followers that lack a field group the model reads: scored by a model fitted without it.
//!
//! An export's shape is decided once, on its leading records ([`ExportShape::of`]): a group
//! that at least half of them carry is read by the model. A follower further on may still
//! lack it (a blank `created_at`, a count left empty). Scoring it with the export's model
//! would read the missing value as the 0 the feature holds in its place, a value that model
//! has never seen missing. Such a follower is scored instead by the model of the groups it
//! does carry, fitted on the embedded training set as [`Model::for_export`] fits any shape
//! (without its leave-one-source-out rates, which nothing reads here), and its reasons come
//! from that model, so they never cite the field it lacks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::account::{Account, Platform};
use crate::detector::{Detector, Reason};
use crate::error::Result;
use crate::features::{ExportShape, FeatureExtractor, FieldGroup};
use crate::model::Model;
use crate::training::TrainingSet;

/// The models of the narrower shapes met in a run, and how many followers each group was
/// missing from.
#[derive(Debug)]
pub(super) struct Fallback {
    platform: Platform,
    /// The groups the audit's model reads.
    reads: ExportShape,
    /// Fitted on first need, kept for the run and the audit's later runs.
    models: Mutex<Vec<(ExportShape, Arc<Model>)>>,
    /// Per [`FieldGroup::ALL`] entry, the followers scored without it because they lacked it.
    lacking: Vec<AtomicUsize>,
}

/// A follower scored by a narrower model: its row in the chunk, calibrated P(fake) and
/// reasons.
pub(super) struct Rescored {
    pub(super) row: usize,
    pub(super) p_fake: f64,
    pub(super) reasons: Vec<Reason>,
}

impl Fallback {
    /// A fallback for `model` when it reads a shape fitted on one of the embedded training
    /// sets (every embedded and every [`Model::for_export`] model); `None` for any other
    /// model, which is given every follower as it is.
    pub(super) fn of(model: &Model, training: Option<&TrainingSet>) -> Option<Fallback> {
        let reads = model.fields()?.clone();
        let training = training?;
        let platform = [Platform::Twitter, Platform::Instagram, Platform::Weibo]
            .into_iter()
            .find(|&p| std::ptr::eq(TrainingSet::embedded(p), training))?;
        Some(Fallback {
            platform,
            reads,
            models: Mutex::new(Vec::new()),
            lacking: FieldGroup::ALL
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
        })
    }

    /// The model of `shape`, fitted on first need.
    fn model(&self, shape: &ExportShape) -> Result<Arc<Model>> {
        let cached = |models: &[(ExportShape, Arc<Model>)]| {
            models
                .iter()
                .find(|(s, _)| s == shape)
                .map(|(_, m)| Arc::clone(m))
        };
        if let Some(m) = cached(&self.models.lock().expect("not poisoned")) {
            return Ok(m);
        }
        // Fitted without the lock held: the fit runs on the thread pool, which may hand this
        // thread another chunk that needs the same model. Two threads may then fit it twice,
        // which costs time but never gives two models: fits are seeded.
        let fitted = Arc::new(Model::fitted_for(self.platform, shape, false)?.into_owned());
        let mut models = self.models.lock().expect("not poisoned");
        if let Some(m) = cached(&models) {
            return Ok(m);
        }
        models.push((shape.clone(), Arc::clone(&fitted)));
        Ok(fitted)
    }

    /// Rescores the followers of `accounts` that lack a group the audit's model reads, with
    /// their `keep` strongest reasons (none when `keep` is 0), in row order. `fx` is the
    /// audit's extractor; the narrower models' columns are computed in full.
    pub(super) fn rescore(
        &self,
        accounts: &[Account],
        fx: &FeatureExtractor,
        keep: usize,
    ) -> Result<Vec<Rescored>> {
        let narrower: Vec<(usize, ExportShape)> = accounts
            .iter()
            .enumerate()
            .filter_map(|(row, a)| self.reads.carried_by(a).map(|s| (row, s)))
            .collect();
        if narrower.is_empty() {
            return Ok(Vec::new());
        }
        let full = fx
            .clone()
            .only(&(0..fx.schema().len()).collect::<Vec<_>>())?;
        let mut out = Vec::with_capacity(narrower.len());
        for (row, shape) in &narrower {
            for (i, g) in FieldGroup::ALL.iter().enumerate() {
                if self.reads.has(*g) && !shape.has(*g) {
                    self.lacking[i].fetch_add(1, Ordering::Relaxed);
                }
            }
            let model = self.model(shape)?;
            let x = full.extract(std::slice::from_ref(&accounts[*row]));
            let p_fake = model.predict_proba(&x)?[0].clamp(0.0, 1.0);
            let reasons = if keep > 0 {
                model.explain_top(&x, 0, keep)?
            } else {
                Vec::new()
            };
            out.push(Rescored {
                row: *row,
                p_fake,
                reasons,
            });
        }
        Ok(out)
    }

    /// Per group the audit's model reads, the followers scored without it (only the groups
    /// some follower lacked), and forgets the counts for the next run.
    pub(super) fn take_lacking(&self) -> Vec<(FieldGroup, usize)> {
        FieldGroup::ALL
            .iter()
            .zip(&self.lacking)
            .map(|(g, n)| (*g, n.swap(0, Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
