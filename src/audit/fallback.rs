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
//!
//! Instagram exports write a bio and a link for every account, empty when it has none; in an
//! export that carries them, a follower whose key was left out has it read as empty, as the
//! export's other accounts and the training sources give it
//! ([`Fallback::read_left_out_texts`]).

use std::sync::{Arc, Mutex, OnceLock};

use crate::account::{Account, Platform};
use crate::detector::Detector;
use crate::error::{Error, Result};
use crate::features::{ExportShape, FeatureExtractor, FeatureMatrix, FieldGroup};
use crate::model::Model;
use crate::training::TrainingSet;
use ndarray::Axis;

/// A narrower model, fitted once: a failed fit keeps its message.
type Fitted = OnceLock<std::result::Result<Arc<Model>, String>>;

/// The models of the narrower shapes met in an audit.
#[derive(Debug)]
pub(super) struct Fallback {
    platform: Platform,
    /// The groups the audit's model reads.
    reads: ExportShape,
    /// Fitted on first need, kept for the audit's runs.
    models: Mutex<Vec<(ExportShape, Arc<Fitted>)>>,
    /// On Instagram, the texts (bio, link) both the export, as probed, and the model carry:
    /// a follower that lacks one is read as having it empty (see
    /// [`Fallback::read_left_out_texts`]).
    texts: Vec<FieldGroup>,
}

/// The followers of a chunk that lack the same groups: their rows in the chunk (ascending),
/// their features in full, the narrower model and its calibrated P(fake).
pub(super) struct Narrower {
    pub(super) rows: Vec<usize>,
    pub(super) x: FeatureMatrix,
    pub(super) model: Arc<Model>,
    pub(super) proba: Vec<f64>,
    /// The groups they lack, one bit per [`FieldGroup::ALL`] entry.
    pub(super) lacked: u32,
}

impl Fallback {
    /// A fallback for `model` when it reads a shape fitted on one of the embedded training
    /// sets (every embedded and every [`Model::for_export`] model); `None` for any other
    /// model, which is given every follower as it is.
    pub(super) fn of(
        model: &Model,
        training: Option<&TrainingSet>,
        export: Option<&ExportShape>,
    ) -> Option<Fallback> {
        let reads = model.fields()?.clone();
        let platform = training?.embedded_platform()?;
        let texts = match export {
            Some(export) if platform == Platform::Instagram => {
                [FieldGroup::Description, FieldGroup::Url]
                    .into_iter()
                    .filter(|&g| export.has(g) && reads.has(g))
                    .collect()
            }
            _ => Vec::new(),
        };
        Some(Fallback {
            platform,
            reads,
            models: Mutex::new(Vec::new()),
            texts,
        })
    }

    /// Reads a bio or link that an Instagram follower lacks as empty, when the export (as
    /// the probe saw it) and the model carry that text. Instagram writes these keys for
    /// every account, empty when it has none, and the training sources count an empty bio
    /// as a length of 0; some tools leave out an empty text's key. Read as missing, a
    /// bio-less follower would look like the one training source without bios, whose
    /// followers are mostly genuine. An export without the text at all (SRF's, say) is not
    /// touched, nor any export the audit was not probed on.
    pub(super) fn read_left_out_texts(&self, accounts: &mut [Account]) {
        if self.texts.is_empty() {
            return;
        }
        for a in accounts {
            let p = &mut a.profile;
            if p.platform != Platform::Instagram {
                continue;
            }
            for g in &self.texts {
                match g {
                    FieldGroup::Description if p.summary.description_length.is_none() => {
                        p.description.get_or_insert_with(String::new);
                    }
                    FieldGroup::Url if p.summary.has_url.is_none() => {
                        p.url.get_or_insert_with(String::new);
                    }
                    _ => {}
                }
            }
        }
    }

    /// The model of `shape`, fitted on first need. Every caller that needs it waits for the
    /// one fit.
    fn model(&self, shape: &ExportShape) -> Result<Arc<Model>> {
        let cell = {
            let mut models = self.models.lock().expect("not poisoned");
            match models.iter().find(|(s, _)| s == shape) {
                Some((_, cell)) => Arc::clone(cell),
                None => {
                    let cell = Arc::new(Fitted::new());
                    models.push((shape.clone(), Arc::clone(&cell)));
                    cell
                }
            }
        };
        cell.get_or_init(|| fit_apart(self.platform, shape))
            .clone()
            .map_err(|e| {
                Error::InvalidData(format!(
                    "fitting a model without the fields some followers lack ({}): {e}",
                    shape.describe()
                ))
            })
    }

    /// Scores the followers of `accounts` that lack a group the audit's model reads, one
    /// batch per set of lacked groups, in the order those sets first appear. `fx` is the
    /// audit's extractor; the narrower models' columns are computed in full.
    pub(super) fn rescore(
        &self,
        accounts: &[Account],
        fx: &FeatureExtractor,
    ) -> Result<Vec<Narrower>> {
        let mut batches: Vec<(ExportShape, Vec<usize>)> = Vec::new();
        for (row, a) in accounts.iter().enumerate() {
            if let Some(shape) = self.reads.carried_by(a) {
                match batches.iter_mut().find(|(s, _)| *s == shape) {
                    Some((_, rows)) => rows.push(row),
                    None => batches.push((shape, vec![row])),
                }
            }
        }
        if batches.is_empty() {
            return Ok(Vec::new());
        }
        let d = fx.schema().len();
        let full = fx.clone().only(&(0..d).collect::<Vec<_>>())?;
        batches
            .into_iter()
            .map(|(shape, rows)| {
                let model = self.model(&shape)?;
                let mut values = ndarray::Array2::zeros((rows.len(), d));
                for (&r, row) in rows.iter().zip(values.axis_chunks_iter_mut(Axis(0), 1)) {
                    full.extract_into(std::slice::from_ref(&accounts[r]), row)?;
                }
                let x = FeatureMatrix::from_trusted(fx.schema().clone(), values);
                let proba = model
                    .predict_proba(&x)?
                    .iter()
                    .map(|p| p.clamp(0.0, 1.0))
                    .collect();
                let lacked = FieldGroup::ALL
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| self.reads.has(**g) && !shape.has(**g))
                    .fold(0u32, |bits, (i, _)| bits | 1 << i);
                Ok(Narrower {
                    rows,
                    x,
                    model,
                    proba,
                    lacked,
                })
            })
            .collect()
    }
}

/// Fits the model of `shape` on a thread and a thread pool of its own, so that the caller, a
/// worker of the audit's pool, waits for it without taking on other chunks (one of which
/// could need this very model and wait for it on the same thread).
fn fit_apart(platform: Platform, shape: &ExportShape) -> std::result::Result<Arc<Model>, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(rayon::current_num_threads())
                .build()
                .map_err(|e| e.to_string())?;
            pool.install(|| Model::fitted_for(platform, shape, false))
                .map(|m| Arc::new(m.into_owned()))
                .map_err(|e| e.to_string())
        })
        .join()
        .unwrap_or_else(|_| Err("the fit panicked".into()))
    })
}
