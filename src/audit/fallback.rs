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
//! Instagram exports write a bio, a link and a full name for every account, empty when it has
//! none; an export that leaves out the key of an empty one for some accounts has them read
//! as empty, as the export's other accounts and the training sources give them.

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
    /// The audit's model, for Instagram followers whose export left out an empty text's key.
    main: Arc<Model>,
}

/// The followers of a chunk that lack the same groups (or, on Instagram, whose export left
/// out an empty text's key): their rows in the chunk (ascending), their features in full,
/// the model that scores them and its calibrated P(fake).
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
    pub(super) fn of(model: &Model, training: Option<&TrainingSet>) -> Option<Fallback> {
        let reads = model.fields()?.clone();
        let training = training?;
        let candidates: &[Platform] = if training.feature_set() == crate::FeatureSet::Instagram {
            &[Platform::Instagram]
        } else {
            &[Platform::Twitter, Platform::Weibo]
        };
        let platform = candidates
            .iter()
            .copied()
            .find(|&p| std::ptr::eq(TrainingSet::embedded(p), training))?;
        Some(Fallback {
            platform,
            reads,
            models: Mutex::new(Vec::new()),
            main: Arc::new(model.clone()),
        })
    }

    /// Whether `account` is an Instagram profile whose export left out the key of a text
    /// the model reads (a bio, a link, a full name): Instagram writes these for every
    /// account, empty when it has none, so in an export that carries the text a left-out key
    /// is an empty text, which the training sources count as a length of 0 (see
    /// `docs/features.md`, "Missing values"). Read as missing, a bio-less account would look
    /// like the one training source without bios, whose followers are mostly genuine.
    fn omits_empty_text(&self, account: &Account) -> bool {
        let p = &account.profile;
        self.platform == Platform::Instagram
            && p.platform == Platform::Instagram
            && ((self.reads.has(FieldGroup::Name) && p.name.is_none())
                || (self.reads.has(FieldGroup::Description)
                    && p.description.is_none()
                    && p.summary.description_length.is_none())
                || (self.reads.has(FieldGroup::Url)
                    && p.url.is_none()
                    && p.summary.has_url.is_none()))
    }

    /// `account` as the audit reads it: on Instagram, with the texts its export left out
    /// read as empty (see [`Fallback::omits_empty_text`]); the shift diagnostic's sample is
    /// read so too.
    pub(super) fn as_read(&self, account: Account) -> Account {
        if self.omits_empty_text(&account) {
            self.with_empty_texts(&account)
        } else {
            account
        }
    }

    /// `account` with the texts [`Fallback::omits_empty_text`] finds left out read as empty.
    fn with_empty_texts(&self, account: &Account) -> Account {
        let mut a = account.clone();
        let p = &mut a.profile;
        let blank = |reads: bool, text: &mut Option<String>| {
            if reads && text.is_none() {
                *text = Some(String::new());
            }
        };
        blank(self.reads.has(FieldGroup::Name), &mut p.name);
        blank(
            self.reads.has(FieldGroup::Description) && p.summary.description_length.is_none(),
            &mut p.description,
        );
        blank(
            self.reads.has(FieldGroup::Url) && p.summary.has_url.is_none(),
            &mut p.url,
        );
        a
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
    /// batch per set of lacked groups, in the order those sets first appear; Instagram
    /// followers whose export left out an empty text's key are scored with that text empty
    /// (by the audit's model when they lack nothing else). `fx` is the
    /// audit's extractor; the narrower models' columns are computed in full.
    pub(super) fn rescore(
        &self,
        accounts: &[Account],
        fx: &FeatureExtractor,
    ) -> Result<Vec<Narrower>> {
        // Per batch: the groups read, whether left-out texts are read as empty, the rows.
        let mut batches: Vec<(ExportShape, bool, Vec<usize>)> = Vec::new();
        for (row, a) in accounts.iter().enumerate() {
            let blank = self.omits_empty_text(a);
            let shape = match self.reads.carried_by(a) {
                Some(shape) => shape,
                None if blank => self.reads.clone(),
                None => continue,
            };
            match batches
                .iter_mut()
                .find(|(s, b, _)| *s == shape && *b == blank)
            {
                Some((_, _, rows)) => rows.push(row),
                None => batches.push((shape, blank, vec![row])),
            }
        }
        if batches.is_empty() {
            return Ok(Vec::new());
        }
        let d = fx.schema().len();
        let full = fx.clone().only(&(0..d).collect::<Vec<_>>())?;
        batches
            .into_iter()
            .map(|(shape, blank, rows)| {
                let model = if shape == self.reads {
                    Arc::clone(&self.main)
                } else {
                    self.model(&shape)?
                };
                let mut values = ndarray::Array2::zeros((rows.len(), d));
                for (&r, row) in rows.iter().zip(values.axis_chunks_iter_mut(Axis(0), 1)) {
                    if blank {
                        let a = self.with_empty_texts(&accounts[r]);
                        full.extract_into(std::slice::from_ref(&a), row)?;
                    } else {
                        full.extract_into(std::slice::from_ref(&accounts[r]), row)?;
                    }
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
