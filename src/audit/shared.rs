//! What an audit's scoring jobs and its in-order sink share with the [`Audit`](super::Audit)
//! that runs them.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use crate::features::ExportShape;
use crate::model::Model;
use crate::training::TrainingSet;

use super::fallback::Fallback;
use super::params::AuditParams;
use super::shift::BottomK;

/// The model, the params and the state every chunk of a run reads or updates.
#[derive(Debug)]
pub(super) struct Shared<'m> {
    pub(super) model: &'m Model,
    pub(super) params: AuditParams,
    /// The training data to measure the shift against: the probe's, else the embedded set
    /// the model was fitted on ([`TrainingSet::of_model`]), if any.
    pub(super) training: Option<&'m TrainingSet>,
    /// A uniform sample of the scored accounts, for the shift (when there is training data).
    pub(super) sample: Mutex<BottomK>,
    /// The bits of a P(fake) the listed most suspicious followers already reach `n` times
    /// (minus infinity while fewer are listed): a follower scored later enters only above it,
    /// so scoring jobs explain only those.
    pub(super) listed_bound: AtomicU64,
    /// The field groups the input carries, when probed: a free-text field a follower lacks
    /// then counts as empty in [`AuditReport::fake_traits`](super::AuditReport::fake_traits).
    pub(super) shape: Option<ExportShape>,
    /// The narrower models for followers that lack a group the model reads (for a model
    /// fitted on an embedded training set).
    pub(super) fallback: Option<Fallback>,
}
