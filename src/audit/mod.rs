//! [`Audit`]: a stream of accounts and a [`Model`] in, an [`AuditReport`] out.
//!
//! The audit scores followers in chunks (features and scores computed in parallel with rayon,
//! results identical whatever the thread count), keeps only each follower's position and
//! P(fake) (plus, on request, its reasons), and at the end estimates the share of fake and
//! genuine followers with a quantification method that corrects for the model's own error
//! rates, finds bought-follower bursts along the follow order, and tallies every record read as
//! scored, rejected or left out by sampling.

mod html;
mod report;

use std::io::Write;

use chrono::{DateTime, Utc};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{Account, Label};
use crate::bursts::BurstParams;
use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{
    ExportShape, FeatureExtractor, FeatureMatrix, TimeReference,
};
use crate::formats::AccountReader;
use crate::model::Model;
use crate::quantify::{IntervalOptions, Method, Quantifier, RateShift};
use crate::sample::Reservoir;
use crate::training::TrainingSet;

pub use html::render_html;
pub use report::{
    AuditReport, Breakdown, CountInterval, FieldsReport, FollowerScore, ModelInfo, RejectedRecord,
    ShareInterval, ShiftReport, Timeline,
};

/// Accounts of the probe compared with the training data for the shift diagnostic.
const PROBE_SHIFT_ROWS: usize = 1000;

/// The root-mean-square deviation of the model's leave-one-source-out rates from its own
/// out-of-fold validation rates, per rate (fakes' sources for the true-positive rate and mean
/// P(fake) of fakes, genuine sources for the others); 0 where the model has none.
pub(crate) fn cross_source_spread(model: &Model) -> Result<RateShift> {
    let v = model.validation();
    let q = Quantifier::new(&v.proba, &v.labels, model.threshold(), 0.5)?;
    let r = q.error_rates();
    let rms = |label: Label, pick: &dyn Fn(&crate::model::SourceRates) -> f64, at: f64| {
        let d: Vec<f64> = model
            .source_rates()
            .iter()
            .filter(|s| s.label == label)
            .map(|s| (pick(s) - at).powi(2))
            .collect();
        if d.is_empty() {
            0.0
        } else {
            (d.iter().sum::<f64>() / d.len() as f64).sqrt()
        }
    };
    Ok(RateShift {
        tpr: rms(Label::Fake, &|s| s.called_fake, r.tpr),
        fpr: rms(Label::Genuine, &|s| s.called_fake, r.fpr),
        mean_fake: rms(Label::Fake, &|s| s.mean_p_fake, r.mean_fake),
        mean_genuine: rms(Label::Genuine, &|s| s.mean_p_fake, r.mean_genuine),
    })
}

/// Number of bins of [`AuditReport::histogram`].
pub const HISTOGRAM_BINS: usize = 20;

/// The estimator an audit reports by default: probabilistic adjusted classify and count (PACC,
/// Bella et al. 2010), the mean calibrated P(fake) corrected with the model's mean scores on
/// held-out fake and genuine accounts.
///
/// The benchmark's artificial prevalence protocol chose it (see the README's benchmark
/// section): among the estimators whose intervals carry the uncertainty of the classifier's
/// error rates (ACC and PACC), it had the lowest mean absolute error at sample size 1,000 on
/// Cresci 2015, below classify-and-count's, with 95% coverage above 0.93. EM had a lower error
/// still, but its interval covers sampling only: on an all-genuine list it collapses to
/// [0, 0], a certainty the model's own errors do not allow. Every estimator is in
/// [`AuditReport::estimates`].
pub const DEFAULT_METHOD: Method = Method::Pacc;

/// Which followers an audit report lists one by one ([`AuditParams::followers`]).
///
/// The estimates never depend on it: every follower is scored and counted whatever is listed.
/// Serialized as `"none"`, `{"most_suspicious": n}` or `"all"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Listing {
    /// No follower: the report holds the estimates and the list's shape only.
    None,
    /// The `n` followers with the highest P(fake), most suspicious first (ties in follow
    /// order). Their reasons are computed only for them, so the audit runs at nearly the speed
    /// of [`Listing::None`].
    MostSuspicious(usize),
    /// Every follower, in follow order.
    All,
}

impl Default for Listing {
    /// The 1,000 most suspicious followers.
    fn default() -> Self {
        Listing::MostSuspicious(DEFAULT_LISTED)
    }
}

impl std::str::FromStr for Listing {
    type Err = Error;

    /// `none`, `all`, or a number `n` (the `n` most suspicious; `0` is `none`).
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Listing::None),
            "all" => Ok(Listing::All),
            n => match n.parse::<usize>() {
                Ok(0) => Ok(Listing::None),
                Ok(n) => Ok(Listing::MostSuspicious(n)),
                Err(_) => Err(Error::InvalidParams {
                    name: "followers".into(),
                    reason: format!("{s:?} is not `none`, `all` or a number of followers"),
                }),
            },
        }
    }
}

/// Followers a report lists by default: the most suspicious this many.
pub const DEFAULT_LISTED: usize = 1000;

/// An account with fewer posts than this counts as inactive for the breakdown.
pub const INACTIVE_MAX_POSTS: u64 = 10;

/// How to run an [`Audit`]. A consuming builder; [`Audit::run`] validates it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditParams {
    method: Method,
    confidence: f64,
    population: Option<u64>,
    sample: Option<usize>,
    seed: u64,
    as_of: Option<DateTime<Utc>>,
    clock: Option<DateTime<Utc>>,
    bootstrap: usize,
    listing: Listing,
    reasons: usize,
    strict: bool,
    uncertain: (f64, f64),
    bursts: BurstParams,
    chunk: usize,
}

impl Default for AuditParams {
    fn default() -> Self {
        AuditParams {
            method: DEFAULT_METHOD,
            confidence: 0.95,
            population: None,
            sample: None,
            seed: 0,
            as_of: None,
            clock: None,
            bootstrap: 1000,
            listing: Listing::default(),
            reasons: 3,
            strict: false,
            uncertain: (0.2, 0.8),
            bursts: BurstParams::default(),
            chunk: 8192,
        }
    }
}

impl AuditParams {
    /// The estimator the report leads with (all are computed).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }
    /// Confidence level of the intervals (0.95 by default).
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }
    /// The account's total follower count, when the input is a sample of its followers: turns on
    /// the finite-population correction and scales the fake count.
    pub fn population(mut self, population: u64) -> Self {
        self.population = Some(population);
        self
    }
    /// Scores a uniform random sample of at most `n` followers, spread over the whole follow
    /// order (seeded reservoir sampling), instead of every follower.
    pub fn sample(mut self, n: usize) -> Self {
        self.sample = Some(n);
        self
    }
    /// Seed of the sample and of the bootstrap.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Measures account ages and rates at this instant (instead of each record's crawl time).
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = Some(as_of);
        self
    }
    /// Fixes the clock used for records that have no crawl time when no `as_of` is given
    /// (otherwise the audit reads the clock once, at its start).
    pub fn clock(mut self, now: DateTime<Utc>) -> Self {
        self.clock = Some(now);
        self
    }
    /// Number of bootstrap replicates of the intervals (1000 by default).
    pub fn bootstrap(mut self, replicates: usize) -> Self {
        self.bootstrap = replicates;
        self
    }
    /// Which followers [`AuditReport::followers`] lists with their scores and reasons: the
    /// 1,000 most suspicious by default. Memory grows with the listed followers only, so
    /// [`Listing::All`] on a very large list keeps every follower's id and reasons.
    pub fn followers(mut self, listing: Listing) -> Self {
        self.listing = listing;
        self
    }
    /// Number of reasons kept per follower (3 by default).
    pub fn reasons(mut self, n: usize) -> Self {
        self.reasons = n;
        self
    }
    /// Stops at the first bad record (strict) instead of reporting it and going on.
    pub fn strict(mut self, yes: bool) -> Self {
        self.strict = yes;
        self
    }
    /// The P(fake) band `[low, high)` reported as uncertain (0.2 to 0.8 by default).
    pub fn uncertain_band(mut self, low: f64, high: f64) -> Self {
        self.uncertain = (low, high);
        self
    }
    /// Burst detection settings.
    pub fn bursts(mut self, params: BurstParams) -> Self {
        self.bursts = params;
        self
    }
    /// Accounts scored per parallel batch (8192 by default).
    pub fn chunk(mut self, rows: usize) -> Self {
        self.chunk = rows;
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |name: &str, reason: String| {
            Err(Error::InvalidParams {
                name: name.into(),
                reason,
            })
        };
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return bad(
                "confidence",
                format!("{} is not in (0, 1)", self.confidence),
            );
        }
        if self.bootstrap == 0 {
            return bad("bootstrap", "need at least one replicate".into());
        }
        if self.sample == Some(0) {
            return bad("sample", "a sample must hold at least one follower".into());
        }
        if self.population == Some(0) {
            return bad("population", "must be positive".into());
        }
        let (lo, hi) = self.uncertain;
        if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
            return bad(
                "uncertain_band",
                format!("[{lo}, {hi}) is not an interval in [0, 1]"),
            );
        }
        if self.chunk == 0 {
            return bad("chunk", "must be positive".into());
        }
        Ok(())
    }
}

/// Audits follower lists (or the retweeters, likers or commenters of a post) with a [`Model`].
///
/// # Examples
/// ```
/// use follower_audit::{Account, Audit, AuditParams, Model};
/// // Two hundred invented followers: every fifth a bare account that follows thousands.
/// let accounts = (0..200).map(|i| {
///     let mut a = Account::default();
///     let p = &mut a.profile;
///     p.id = Some(i.to_string());
///     p.crawled_at = Some("2015-02-14T10:54:49Z".parse().unwrap());
///     p.created_at = Some("2012-06-01T08:00:00Z".parse().unwrap());
///     if i % 5 == 0 {
///         (p.followers_count, p.friends_count, p.statuses_count) = (Some(3), Some(1800), Some(0));
///     } else {
///         (p.followers_count, p.friends_count, p.statuses_count) = (Some(300), Some(250), Some(2400));
///         p.name = Some(format!("Person {i}"));
///         p.description = Some("Runner, reader, coffee.".into());
///         p.location = Some("Pisa".into());
///         p.listed_count = Some(4);
///         p.favourites_count = Some(120);
///     }
///     Ok(a)
/// });
/// let model = Model::default_twitter();
/// let report = Audit::new(&model, AuditParams::default()).run("demo", accounts)?;
/// assert_eq!(report.records_read, 200);
/// assert_eq!(report.scored + report.rejected, 200);
/// assert!(report.genuine_share.ci_low <= report.genuine_share.estimate);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Debug)]
pub struct Audit<'m> {
    model: &'m Model,
    params: AuditParams,
    /// What [`Audit::probe`] found, if it was called.
    probe: Option<Probe>,
    /// The training data to measure the shift against, when probed.
    training: Option<&'m TrainingSet>,
    /// A uniform sample of the scored accounts, for the shift (when probed).
    sample: std::sync::Mutex<BottomK>,
    /// The bits of a P(fake) the listed most suspicious followers already reach `n` times
    /// (minus infinity while fewer are listed): a follower scored later enters only above it,
    /// so scoring jobs explain only those.
    listed_bound: std::sync::atomic::AtomicU64,
}

/// The `k` accounts with the smallest content hashes: a uniform sample of a stream that does
/// not depend on the order in which threads hand the accounts over.
#[derive(Debug, Default)]
struct BottomK {
    k: usize,
    /// Sorted by hash.
    kept: Vec<(u64, Account)>,
}

impl BottomK {
    fn offer(&mut self, hash: u64, account: &Account) {
        if self.kept.len() == self.k && self.kept.last().is_some_and(|(h, _)| *h <= hash) {
            return;
        }
        let at = self.kept.partition_point(|(h, _)| *h < hash);
        if let Some((_, kept)) = self.kept.get_mut(at).filter(|(h, _)| *h == hash) {
            // One key, two followers (alike in every feature the model reads, or a
            // collision): keep one by content, whichever came first.
            if format!("{account:?}") < format!("{kept:?}") {
                *kept = account.clone();
            }
            return;
        }
        self.kept.insert(at, (hash, account.clone()));
        self.kept.truncate(self.k);
    }

    /// The largest hash still wanted (everything while not full).
    fn bound(&self) -> u64 {
        if self.kept.len() < self.k {
            u64::MAX
        } else {
            self.kept.last().map_or(u64::MAX, |(h, _)| *h)
        }
    }
}

/// A hash of a follower's feature row (the bits of every value): the key of the uniform
/// sample. Two followers with one key score alike; which of them the sample keeps is settled
/// by [`BottomK::offer`], not by the order threads hand them over.
fn features_hash(row: &[f64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in row {
        h = (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    // Mix the bits, so that the order of hashes is not the order of similar rows.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// What [`Audit::probe`] finds in a leading sample of the input.
#[derive(Clone, Debug)]
struct Probe {
    fields: FieldsReport,
    /// Measured at the end, on a uniform sample of the scored accounts.
    shift: Option<ShiftReport>,
    /// Per training row (= validation row), the probe's nearest-neighbour votes.
    votes: Vec<u32>,
}

/// A class's validation scores are weighted by the probe's votes only when its rows got at
/// least this many votes; else the class keeps all its validation scores, unweighted.
const MIN_CLASS_VOTES: u32 = 50;

/// The model's validation scores weighted toward the audited list: each validation row
/// repeated as many times as the list's accounts have it among their nearest training rows
/// (a nearest-neighbour estimate of the density ratio between the list and the training
/// data), class by class; a class with too few votes keeps its scores unweighted. Returns
/// the scores, their labels and the distinct rows kept per class (0 when unweighted).
fn matched_validation(model: &Model, votes: &[u32]) -> (Vec<f64>, Vec<Label>, [usize; 2]) {
    let v = model.validation();
    if votes.len() != v.proba.len() {
        return (v.proba.clone(), v.labels.clone(), [0, 0]);
    }
    let (mut proba, mut labels, mut kept) = (Vec::new(), Vec::new(), [0usize; 2]);
    for (k, class) in [Label::Fake, Label::Genuine].into_iter().enumerate() {
        let total: u32 = (0..votes.len())
            .filter(|&i| v.labels[i] == class)
            .map(|i| votes[i])
            .sum();
        for i in (0..votes.len()).filter(|&i| v.labels[i] == class) {
            let times = if total >= MIN_CLASS_VOTES {
                votes[i]
            } else {
                1
            };
            if total >= MIN_CLASS_VOTES && times > 0 {
                kept[k] += 1;
            }
            for _ in 0..times {
                proba.push(v.proba[i]);
                labels.push(class);
            }
        }
    }
    (proba, labels, kept)
}

/// Kish's effective sample size of each class's vote weights, `(sum w)^2 / sum w^2`, for the
/// classes [`matched_validation`] weighted (`None` for a class it left unweighted).
fn effective_sizes(model: &Model, votes: &[u32]) -> [Option<usize>; 2] {
    let v = model.validation();
    let mut out = [None, None];
    if votes.len() != v.proba.len() {
        return out;
    }
    for (k, class) in [Label::Fake, Label::Genuine].into_iter().enumerate() {
        let (mut sum, mut sq) = (0.0f64, 0.0f64);
        for i in (0..votes.len()).filter(|&i| v.labels[i] == class) {
            let w = f64::from(votes[i]);
            sum += w;
            sq += w * w;
        }
        if sum >= f64::from(MIN_CLASS_VOTES) && sq > 0.0 {
            out[k] = Some(((sum * sum / sq).round() as usize).max(1));
        }
    }
    out
}

/// What the audit keeps per scored follower while it streams.
/// Each scored follower's P(fake) (4 bytes), and its position only where positions stop
/// being simply 0, 1, 2, ... (after a rejected record, or in a sample).
#[derive(Default)]
struct Scores {
    p_fake: Vec<f32>,
    /// Empty while every position equals its index.
    positions: Vec<u64>,
    explicit: bool,
}

impl Scores {
    fn push(&mut self, position: u64, p_fake: f32) {
        if !self.explicit && position != self.p_fake.len() as u64 {
            self.positions = (0..self.p_fake.len() as u64).collect();
            self.explicit = true;
        }
        if self.explicit {
            self.positions.push(position);
        }
        self.p_fake.push(p_fake);
    }

    fn len(&self) -> usize {
        self.p_fake.len()
    }

    /// The position of follower `i`.
    fn position(&self, i: usize) -> u64 {
        if self.explicit {
            self.positions[i]
        } else {
            i as u64
        }
    }
}

impl<'m> Audit<'m> {
    /// An audit with `model` and `params`.
    pub fn new(model: &'m Model, params: AuditParams) -> Self {
        Audit {
            model,
            params,
            probe: None,
            training: None,
            sample: std::sync::Mutex::new(BottomK::default()),
            listed_bound: std::sync::atomic::AtomicU64::new(f64::NEG_INFINITY.to_bits()),
        }
    }

    /// Forgets what an earlier (failed) run left: the uniform sample and the listing bound.
    fn reset(&self) {
        self.sample.lock().expect("not poisoned").kept.clear();
        self.listed_bound.store(
            f64::NEG_INFINITY.to_bits(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Looks at a leading sample of the input before the audit: which field groups it
    /// carries (reported in [`AuditReport::fields`]) and how far it lies from `training`, the
    /// labelled data the model was trained on ([`AuditReport::shift`]). The interval of the
    /// rate-adjusted estimators then takes in the spread of the model's error rates across
    /// its leave-one-source-out folds ([`Model::source_rates`]), weighted by the shift: as
    /// wide as the model has shown itself unstable across populations when the list lies far
    /// from the training data, unchanged when it lies within it.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when `accounts` is empty; [`Error::SchemaMismatch`] when the
    /// training set's features are not the model's.
    pub fn probe(mut self, accounts: &[Account], training: &'m TrainingSet) -> Result<Self> {
        if accounts.is_empty() {
            return Err(Error::InvalidData(
                "no account to probe the input with".into(),
            ));
        }
        self.training = Some(training);
        *self.sample.lock().expect("not poisoned") = BottomK {
            k: PROBE_SHIFT_ROWS,
            kept: Vec::new(),
        };
        let shape = ExportShape::of(accounts);
        let reads = match self.model.fields() {
            Some(f) => f.clone(),
            None => training.trainable(&shape),
        };
        let names = |groups: &[crate::features::FieldGroup]| -> Vec<String> {
            groups.iter().map(|g| g.name().to_string()).collect()
        };
        let fields = FieldsReport {
            looked_at: accounts.len(),
            present: names(shape.present()),
            absent: names(&shape.absent()),
            model_reads: names(reads.present()),
        };
        self.probe = Some(Probe {
            fields,
            shift: None,
            votes: Vec::new(),
        });
        Ok(self)
    }

    /// The shift of `accounts` from `training` in the columns of `reads`, and their
    /// nearest-neighbour votes for the training rows.
    fn measure_shift(
        &self,
        accounts: &[Account],
        training: &TrainingSet,
        reads: &ExportShape,
        now: DateTime<Utc>,
    ) -> Result<(ShiftReport, Vec<u32>)> {
        // Every column, not only the model's: the distance reads all the shape's columns.
        let mut fx = FeatureExtractor::new(training.feature_set()).with_clock(now);
        if let Some(t) = self.params.as_of {
            fx = fx.as_of(t);
        }
        self.model.schema().check(fx.schema())?;
        let x = fx.extract(accounts);
        let mut shift = training.shift(reads, &x, PROBE_SHIFT_ROWS)?;
        // The votes weight the model's validation scores row by row: only when they are the
        // scores of these very training rows (a model fitted on this training set).
        if training.labels() != self.model.validation().labels.as_slice() {
            shift.votes.clear();
        }
        let report = ShiftReport {
            outside_support: shift.outside,
            accounts: shift.rows,
            weight: shift.weight,
            level: shift.level().to_string(),
            warning: shift.warning(),
            rate_spread: cross_source_spread(self.model)?,
            // Set by `finish`, which weights the validation scores with the votes.
            matched_fake: 0,
            matched_genuine: 0,
        };
        Ok((report, shift.votes))
    }

    /// The feature extractor matching the model's schema, computing only the columns the
    /// model reads.
    fn extractor(&self, source: &str, now: DateTime<Utc>) -> Result<FeatureExtractor> {
        let set = self.model.feature_set(source)?;
        let mut fx = FeatureExtractor::new(set).with_clock(now);
        if let Some(t) = self.params.as_of {
            fx = fx.as_of(t);
        }
        // Scores and reasons read only the model's columns: the others are not computed.
        if let Some(used) = self.model.used_features() {
            fx = fx.only(&used)?;
        }
        Ok(fx)
    }

    /// Audits `accounts`, a stream in follow order (newest first, as the platforms return
    /// followers). `source` names the input in the report.
    ///
    /// Each `Err` item is a rejected record: in strict mode the audit stops and returns it; in
    /// lenient mode (the default) it is counted and listed in the report with its reason.
    ///
    /// # Errors
    /// Invalid params; in strict mode the first bad record; [`Error::InvalidData`] when no
    /// record could be scored.
    pub fn run<I>(&self, source: &str, accounts: I) -> Result<AuditReport>
    where
        I: IntoIterator<Item = Result<Account>>,
    {
        self.run_with(source, accounts, None)
    }

    /// As [`Audit::run`], also writing one CSV row per scored follower to `csv_out` as it goes
    /// (columns `position, id, screen_name, p_fake, label, group, reasons`), so that the
    /// per-follower table of a very large list never has to sit in memory.
    ///
    /// # Errors
    /// As [`Audit::run`], and [`Error::Io`] when writing fails.
    pub fn run_with<I>(
        &self,
        source: &str,
        accounts: I,
        csv_out: Option<&mut dyn Write>,
    ) -> Result<AuditReport>
    where
        I: IntoIterator<Item = Result<Account>>,
    {
        self.params.validate()?;
        // A sample left by an earlier, failed run must not enter this one.
        self.reset();
        let p = &self.params;
        let now = p.clock.unwrap_or_else(Utc::now);
        let fx = self.extractor(source, now)?;
        let mut csv = scores_writer(source, csv_out)?;

        let mut state = State::new();
        let scorer = Scorer::new(self, &fx, csv.is_some());
        let mut sink = Sink {
            audit: self,
            state: &mut state,
            csv: &mut csv,
            source,
        };
        // With more than one thread, reading (this thread) overlaps with features and scoring
        // (jobs on the current rayon pool); with one, everything runs here in turn. Chunks are
        // absorbed in input order either way, so the report is the same.
        let positions = if rayon::current_num_threads() > 1 {
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            rayon::in_place_scope(|scope| {
                let mut pipe = Overlapped {
                    scope,
                    scorer: &scorer,
                    done_tx,
                    done_rx,
                    submitted: 0,
                    absorbed: 0,
                    pending: std::collections::BTreeMap::new(),
                    scratch: Vec::new(),
                    spare: Vec::new(),
                };
                let positions = self.stream(&fx, accounts, &mut sink, &mut pipe)?;
                pipe.drain(&mut sink)?;
                Ok::<u64, Error>(positions)
            })?
        } else {
            let mut pipe = InPlace {
                scorer,
                scratch: None,
                spare: Vec::new(),
            };
            self.stream(&fx, accounts, &mut sink, &mut pipe)?
        };
        if let Some(w) = csv.as_mut() {
            w.flush().map_err(|e| Error::Io {
                origin: source.to_string(),
                err: e,
            })?;
        }
        self.finish(source, state, positions, now)
    }

    /// Audits what `reader` reads, naming the source by [`AccountReader::origin`]; as
    /// [`Audit::run_with`] gives for the same records, but faster on a CSV or JSON Lines
    /// input ([`AccountReader::reads_in_blocks`]): its blocks are parsed, converted and scored
    /// together on the rayon pool (each account is dropped on the thread that made it), while
    /// a reading thread reads bytes and this thread keeps the tallies in input order. Other
    /// inputs (JSON arrays, multi-line documents), a reader with a tweets file, or a sampling
    /// audit go through [`Audit::run_with`]. The reader's [`AccountReader::stats`] count the records
    /// either way.
    ///
    /// # Errors
    /// As [`Audit::run_with`].
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Audit, AuditParams, AccountReader, Model, ReadOptions};
    /// let csv = "id,screen_name,statuses_count,followers_count,friends_count\n\
    ///            1,ann,2000,300,280\n2,bob,0,1,2100\n3,cy,x,4,5\n";
    /// let options = ReadOptions::default().mode(follower_audit::Mode::Lenient);
    /// let mut reader = AccountReader::from_reader(csv.as_bytes(), &options)?;
    /// let model = Model::default_twitter();
    /// let report = Audit::new(&model, AuditParams::default()).run_reader(&mut reader, None)?;
    /// assert_eq!((report.scored, report.rejected), (2, 1));
    /// assert_eq!(reader.stats().accepted, 2);
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn run_reader(
        &self,
        reader: &mut AccountReader,
        csv_out: Option<&mut dyn Write>,
    ) -> Result<AuditReport> {
        let source = reader.origin().to_string();
        if self.params.sample.is_some() || !reader.can_read_blocks() {
            return self.run_with(&source, reader, csv_out);
        }
        self.params.validate()?;
        // A sample left by an earlier, failed run must not enter this one.
        self.reset();
        let p = &self.params;
        let now = p.clock.unwrap_or_else(Utc::now);
        let fx = self.extractor(&source, now)?;
        let mut csv = scores_writer(&source, csv_out)?;
        let mut state = State::new();
        let scorer = Scorer::new(self, &fx, csv.is_some());
        let mut sink = Sink {
            audit: self,
            state: &mut state,
            csv: &mut csv,
            source: &source,
        };
        let mut position: u64 = 0;
        let work = |accounts: &mut [Account]| scorer.score_each(accounts);
        let mut take = |_: crate::error::Position, item: Result<Scored>| -> Result<()> {
            sink.state.records_read += 1;
            match item {
                Ok(one) => {
                    let one = one.map_err(|e| *e)?;
                    sink.state.valid += 1;
                    sink.state.note(one.time);
                    position += 1;
                    let (id, screen_name, reasons) = match one.details {
                        Some(d) => (d.id, d.screen_name, d.reasons),
                        None => (None, None, Vec::new()),
                    };
                    sink.absorb_one(
                        position - 1,
                        one.p_fake,
                        one.inactive,
                        id,
                        screen_name,
                        reasons,
                    )
                }
                Err(e) if p.strict => Err(e),
                Err(e) => {
                    sink.state.reject(e);
                    position += 1;
                    Ok(())
                }
            }
        };
        let parallel = rayon::current_num_threads() > 1;
        match reader.read_blocks(parallel, &work, &mut take) {
            Some(result) => result?,
            None => unreachable!("checked by can_read_blocks"),
        }
        if let Some(w) = csv.as_mut() {
            w.flush().map_err(|e| Error::Io {
                origin: source.clone(),
                err: e,
            })?;
        }
        self.finish(&source, state, position, now)
    }

    /// Reads `accounts` in follow order, tallies what is read, and hands chunks of valid
    /// accounts (or, when sampling, the sample in follow order) to `pipe`. Returns the number
    /// of positions read.
    fn stream<I, P>(
        &self,
        fx: &FeatureExtractor,
        accounts: I,
        sink: &mut Sink<'_, '_>,
        pipe: &mut P,
    ) -> Result<u64>
    where
        I: IntoIterator<Item = Result<Account>>,
        P: Pipe,
    {
        let p = &self.params;
        let mut batch = Batch::with_capacity(p.chunk, pipe.spare());
        let mut reservoir = p.sample.map(|n| Reservoir::new(n, p.seed));
        let mut position: u64 = 0;
        for item in accounts {
            sink.state.records_read += 1;
            match item {
                Ok(account) => {
                    sink.state.valid += 1;
                    sink.state.note_time(fx, &account);
                    let pos = position;
                    position += 1;
                    match reservoir.as_mut() {
                        Some(r) => r.push((pos, account)),
                        None => {
                            batch.positions.push(pos);
                            batch.accounts.push(account);
                            if batch.accounts.len() >= p.chunk {
                                let next = Batch::with_capacity(p.chunk, pipe.spare());
                                pipe.submit(std::mem::replace(&mut batch, next), sink)?;
                            }
                        }
                    }
                }
                Err(e) => {
                    if p.strict {
                        return Err(e);
                    }
                    sink.state.reject(e);
                    // Rejected records keep their place in the follow order: a burst's
                    // position refers to the input as the user sees it.
                    position += 1;
                }
            }
        }
        if let Some(r) = reservoir {
            // The sample, back in follow order; each item carries its input position.
            for (_, (pos, account)) in r.into_sorted() {
                batch.positions.push(pos);
                batch.accounts.push(account);
                if batch.accounts.len() >= p.chunk {
                    let next = Batch::with_capacity(p.chunk, pipe.spare());
                    pipe.submit(std::mem::replace(&mut batch, next), sink)?;
                }
            }
        }
        if !batch.accounts.is_empty() {
            pipe.submit(batch, sink)?;
        }
        Ok(position)
    }

    fn finish(
        &self,
        source: &str,
        mut state: State,
        positions: u64,
        now: DateTime<Utc>,
    ) -> Result<AuditReport> {
        let p = &self.params;
        let model = self.model;
        if state.scored.len() == 0 {
            return Err(Error::InvalidData(format!(
                "{source}: no account could be scored ({} records read, {} rejected)",
                state.records_read,
                state.rejections.len()
            )));
        }
        // The estimates take the scores as f64: convert, freeing the f32 copy, so that a
        // follower costs 8 bytes here (plus 8 for its position after a rejected record).
        let mut kept = std::mem::take(&mut state.scored);
        let sample: Vec<f64> = kept.p_fake.iter().map(|&v| f64::from(v)).collect();
        kept.p_fake = Vec::new();
        let position_of = |i: usize| kept.position(i);
        let scored = sample.len() as u64;
        let not_sampled = state.valid - scored;
        // The population for the finite-population correction: what the caller says, else the
        // valid records when we drew a sample ourselves, else none (an infinite population: the
        // interval then also covers which followers the classifier happens to get wrong).
        let population = p
            .population
            .or_else(|| (not_sampled > 0).then_some(state.valid));
        if let Some(n) = population {
            if n < scored {
                return Err(Error::InvalidParams {
                    name: "population".into(),
                    reason: format!("{n} is smaller than the {scored} followers scored"),
                });
            }
        }
        // The shift and the matched validation from a uniform sample of the scored accounts
        // (the probe's leading records may not be like the rest of the list).
        let sampled: Vec<Account> =
            std::mem::take(&mut self.sample.lock().expect("not poisoned").kept)
                .into_iter()
                .map(|(_, a)| a)
                .collect();
        let resampled;
        let mut matched = None;
        let probe = match (&self.probe, self.training) {
            (Some(probe), Some(training)) if !sampled.is_empty() => {
                let reads = match model.fields() {
                    Some(f) => f.clone(),
                    None => training.trainable(&ExportShape::of(&sampled)),
                };
                let (mut shift, votes) = self.measure_shift(&sampled, training, &reads, now)?;
                let (proba, labels, kept) = matched_validation(model, &votes);
                shift.matched_fake = kept[0];
                shift.matched_genuine = kept[1];
                matched = Some((proba, labels));
                resampled = Probe {
                    fields: probe.fields.clone(),
                    shift: Some(shift),
                    votes,
                };
                Some(&resampled)
            }
            (probe, _) => probe.as_ref(),
        };
        let validation = model.validation();
        let (val_proba, val_labels) =
            matched.unwrap_or_else(|| (validation.proba.clone(), validation.labels.clone()));
        let prov = model.provenance();
        let train_prevalence = if prov.rows > 0 {
            prov.fake as f64 / prov.rows as f64
        } else {
            0.5
        };
        let mut quantifier =
            Quantifier::new(&val_proba, &val_labels, model.threshold(), train_prevalence)?;
        if let Some(p) = probe {
            let [f, g] = effective_sizes(model, &p.votes);
            quantifier = quantifier.with_effective_sizes(f, g);
        }
        if let Some(sh) = probe.and_then(|p| p.shift.as_ref()) {
            quantifier = quantifier.with_shift(sh.rate_spread.scaled(sh.weight))?;
        }
        let options = IntervalOptions {
            confidence: p.confidence,
            population,
            bootstrap: p.bootstrap,
            seed: p.seed,
        };
        // The estimates and the list's shape (histogram, timeline, bursts) are independent:
        // computed side by side, as the pool is idle once reading has ended.
        let (all, shape) = rayon::join(
            || quantifier.estimate_all(&sample, &options),
            || -> Result<_> {
                let mut histogram = vec![0u64; HISTOGRAM_BINS];
                for &v in &sample {
                    let bin = ((v * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
                    histogram[bin] += 1;
                }
                let timeline = timeline(&sample, position_of);
                let bursts = crate::bursts::find_bursts_at(&sample, position_of, &p.bursts)?;
                Ok((histogram, timeline, bursts))
            },
        );
        let all = all?;
        let interval = |e: &crate::quantify::ShareEstimate| ShareInterval {
            estimate: e.fake_share,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            confidence: e.confidence,
            method: e.method.name().to_string(),
        };
        let chosen = all
            .iter()
            .find(|e| e.method == p.method)
            .map(interval)
            .ok_or_else(|| Error::InvalidParams {
                name: "method".into(),
                reason: format!("{} gave no estimate", p.method),
            })?;
        let naive = all
            .iter()
            .find(|e| e.method == Method::Cc)
            .map_or(0.0, |e| e.fake_share);
        let estimates: Vec<ShareInterval> = all.iter().map(|e| interval(e).complement()).collect();
        let size = population.unwrap_or(state.valid) as f64;
        let fake_count_estimate = CountInterval {
            estimate: chosen.estimate * size,
            ci_low: chosen.ci_low * size,
            ci_high: chosen.ci_high * size,
        };

        let (histogram, timeline, bursts) = shape?;

        let model_info = ModelInfo {
            fields: model
                .fields()
                .map(|f| f.present().iter().map(|g| g.name().to_string()).collect()),
            detector: model.detector().name().to_string(),
            schema: model.schema().describe(),
            threshold: model.threshold(),
            trained_on: prov.datasets.iter().map(|d| d.name.clone()).collect(),
            library_version: prov.library_version.clone(),
        };
        let time_reference = state.time_summary(p.as_of, now);
        Ok(AuditReport {
            source: source.to_string(),
            records_read: state.records_read,
            scored,
            rejected: state.rejections.len() as u64,
            not_sampled,
            duplicates: state.duplicates,
            rejections: state.rejections,
            population,
            genuine_share: chosen.complement(),
            fake_share: chosen,
            estimates,
            naive_fake_share: naive,
            fake_count_estimate,
            breakdown: state.breakdown,
            histogram,
            timeline,
            bursts,
            model: model_info,
            time_reference,
            seed: p.seed,
            followers: {
                let mut f = state.followers;
                if let Listing::MostSuspicious(n) = p.listing {
                    most_suspicious_first(&mut f, n);
                }
                f
            },
            listing: p.listing,
            positions,
            fields: probe.map(|p| p.fields.clone()),
            shift: probe.and_then(|p| p.shift.clone()),
        })
    }
}

/// A chunk of valid accounts in follow order, with their input positions.
struct Batch {
    positions: Vec<u64>,
    accounts: Vec<Account>,
}

impl Batch {
    /// An empty batch for `chunk` accounts, reusing a spare account buffer when there is one.
    fn with_capacity(chunk: usize, spare: Option<Vec<Account>>) -> Batch {
        let cap = chunk.min(1 << 16);
        Batch {
            positions: Vec::with_capacity(cap),
            accounts: spare.unwrap_or_else(|| Vec::with_capacity(cap)),
        }
    }
}

/// A scored chunk: P(fake), inactivity and (on request) reasons per account. `accounts` holds
/// the accounts only when the report or the CSV needs their ids; otherwise it comes back
/// empty, as a buffer to reuse.
struct ScoredBatch {
    positions: Vec<u64>,
    accounts: Vec<Account>,
    proba: Vec<f64>,
    inactive: Vec<bool>,
    reasons: Vec<Vec<Reason>>,
    /// The chunk's feature buffer, to reuse.
    scratch: Option<Array2<f64>>,
}

/// Features, scores and reasons of chunks: pure (the report is assembled by [`Sink`]), so it
/// may run on another thread than the reading.
struct Scorer<'a, 'm> {
    audit: &'a Audit<'m>,
    fx: &'a FeatureExtractor,
    /// Every follower is written out (the CSV, or a report listing all): each gets its id and
    /// reasons.
    every: bool,
    /// The report lists the most suspicious: followers at or above the listing bound get
    /// their id and reasons.
    top: bool,
}

impl<'a, 'm> Scorer<'a, 'm> {
    fn new(audit: &'a Audit<'m>, fx: &'a FeatureExtractor, csv: bool) -> Self {
        let listing = audit.params.listing;
        Scorer {
            audit,
            fx,
            every: csv || listing == Listing::All,
            top: matches!(listing, Listing::MostSuspicious(n) if n > 0),
        }
    }

    /// Whether a follower scored `p_fake` may be written out or listed, so needs its id and
    /// reasons. The list is ranked by P(fake), ties in follow order, and every follower the
    /// sink has listed comes before those still being scored: one at the bound or below it
    /// can never enter. The bound only rises, so a follower that ends up listed always
    /// passes here.
    fn wanted(&self, p_fake: f64) -> bool {
        self.every
            || (self.top
                && p_fake
                    > f64::from_bits(
                        self.audit
                            .listed_bound
                            .load(std::sync::atomic::Ordering::Relaxed),
                    ))
    }

    /// Whether the accounts' ids may be needed after scoring.
    fn keeps_accounts(&self) -> bool {
        self.every || self.top
    }
}

impl Scorer<'_, '_> {
    /// Scores `batch`, writing its features into `scratch` (a previous chunk's feature
    /// buffer, reshaped; every cell is overwritten) when there is one; the buffer comes back
    /// in [`ScoredBatch::scratch`].
    fn score(&self, mut batch: Batch, scratch: Option<Array2<f64>>) -> Result<ScoredBatch> {
        let rows = self.score_rows(&batch.accounts, scratch)?;
        if !self.keeps_accounts() {
            batch.accounts.clear();
        }
        Ok(ScoredBatch {
            positions: batch.positions,
            accounts: batch.accounts,
            proba: rows.proba,
            inactive: rows.inactive,
            reasons: rows.reasons,
            scratch: Some(rows.scratch),
        })
    }

    /// Features, scores, reasons and inactivity of `accounts`, computed in `scratch` (a
    /// feature buffer to reuse) when given.
    fn score_rows(&self, accounts: &[Account], scratch: Option<Array2<f64>>) -> Result<Rows> {
        let model = self.audit.model;
        let rows = accounts.len();
        let d = self.fx.schema().len();
        let values = match scratch {
            Some(m) => {
                let (mut cells, _) = m.into_raw_vec_and_offset();
                cells.resize(rows * d, 0.0);
                let mut m = Array2::from_shape_vec((rows, d), cells)
                    .map_err(|e| Error::InvalidData(format!("feature buffer: {e}")))?;
                self.fx.extract_into(accounts, m.view_mut())?;
                m
            }
            None => self.fx.extract(accounts).into_values(),
        };
        let x = FeatureMatrix::from_trusted(self.fx.schema().clone(), values);
        if self.audit.training.is_some() {
            // Offer the accounts to the uniform sample: hashes first, the lock only for the
            // few that may enter it.
            let bound = self.audit.sample.lock().expect("not poisoned").bound();
            let candidates: Vec<(u64, &Account)> = x
                .values()
                .rows()
                .into_iter()
                .zip(accounts)
                .map(|(row, a)| (features_hash(row.as_slice().unwrap_or(&[])), a))
                .filter(|(h, _)| *h <= bound)
                .collect();
            if !candidates.is_empty() {
                let mut sample = self.audit.sample.lock().expect("not poisoned");
                for (h, a) in candidates {
                    sample.offer(h, a);
                }
            }
        }
        let proba: Vec<f64> = model
            .predict_proba(&x)?
            .iter()
            .map(|v| v.clamp(0.0, 1.0))
            .collect();
        let wanted: Vec<bool> = proba.iter().map(|&p| self.wanted(p)).collect();
        let keep = self.audit.params.reasons;
        let reasons: Vec<Vec<Reason>> = if keep > 0 && wanted.iter().any(|&w| w) {
            (0..rows)
                .into_par_iter()
                .map(|row| {
                    if !wanted[row] {
                        return Ok(Vec::new());
                    }
                    model.explain(&x, row).map(|mut r| {
                        r.truncate(keep);
                        r
                    })
                })
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        let inactive: Vec<bool> = accounts.iter().map(is_inactive).collect();
        Ok(Rows {
            proba,
            wanted,
            inactive,
            reasons,
            scratch: x.into_values(),
        })
    }
}

/// What [`Scorer::score_rows`] computes for a run of accounts.
struct Rows {
    proba: Vec<f64>,
    /// Which followers may be written out or listed (see [`Scorer::wanted`]).
    wanted: Vec<bool>,
    inactive: Vec<bool>,
    reasons: Vec<Vec<Reason>>,
    /// The feature buffer, to reuse.
    scratch: Array2<f64>,
}

/// One scored follower, as a block job returns it (small: a block holds one per follower).
struct One {
    p_fake: f64,
    inactive: bool,
    time: TimeKind,
    /// Only when the report or the CSV lists followers.
    details: Option<Box<Details>>,
}

/// What a listed follower carries besides its score.
struct Details {
    id: Option<String>,
    screen_name: Option<String>,
    reasons: Vec<Reason>,
}

/// A block job's output per follower: its score, or the error that stopped the block's
/// scoring (boxed, as [`One`] is small).
type Scored = std::result::Result<One, Box<Error>>;

/// Which time an account's age was measured at.
#[derive(Clone, Copy)]
enum TimeKind {
    AsOf,
    Crawled,
    Clock,
}

impl Scorer<'_, '_> {
    /// Scores a block's valid accounts: one score each, or the error that stopped the
    /// scoring (which ends the audit).
    fn score_each(&self, accounts: &mut [Account]) -> Vec<Scored> {
        let n = accounts.len();
        if n == 0 {
            return Vec::new();
        }
        // Each pool thread keeps its last feature buffer for its next block.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Option<Array2<f64>>> =
                const { std::cell::RefCell::new(None) };
        }
        let scratch = SCRATCH.with(|s| s.borrow_mut().take());
        let mut rows = match self.score_rows(accounts, scratch) {
            Ok(r) => r,
            Err(e) => {
                let mut out = vec![Err(Box::new(e))];
                out.extend((1..n).map(|_| Err(Box::new(Error::InvalidData("not scored".into())))));
                return out;
            }
        };
        SCRATCH.with(|s| *s.borrow_mut() = Some(std::mem::take(&mut rows.scratch)));
        accounts
            .iter_mut()
            .enumerate()
            .map(|(k, a)| {
                let time = match self.fx.time_reference(a) {
                    TimeReference::AsOf(_) => TimeKind::AsOf,
                    TimeReference::Crawled(_) => TimeKind::Crawled,
                    TimeReference::Clock(_) => TimeKind::Clock,
                };
                let details = rows.wanted[k].then(|| {
                    Box::new(Details {
                        id: a.profile.id.take(),
                        screen_name: a.profile.screen_name.take(),
                        reasons: rows
                            .reasons
                            .get_mut(k)
                            .map(std::mem::take)
                            .unwrap_or_default(),
                    })
                });
                Ok(One {
                    p_fake: rows.proba[k],
                    inactive: rows.inactive[k],
                    time,
                    details,
                })
            })
            .collect()
    }
}

/// Where scored chunks go, in input order: the running totals, the kept details and the
/// streamed CSV.
struct Sink<'s, 'w> {
    audit: &'s Audit<'s>,
    state: &'s mut State,
    csv: &'s mut Option<csv::Writer<&'w mut dyn Write>>,
    source: &'s str,
}

impl Sink<'_, '_> {
    /// Adds a scored chunk to the report; returns its emptied account buffer and its feature
    /// buffer for reuse.
    fn absorb(&mut self, mut scored: ScoredBatch) -> Result<Reusable> {
        for (row, (&pos, &p_fake)) in scored.positions.iter().zip(&scored.proba).enumerate() {
            let (id, screen_name) = match scored.accounts.get_mut(row) {
                Some(a) => (a.profile.id.take(), a.profile.screen_name.take()),
                None => (None, None),
            };
            let reasons = scored
                .reasons
                .get_mut(row)
                .map(std::mem::take)
                .unwrap_or_default();
            self.absorb_one(pos, p_fake, scored.inactive[row], id, screen_name, reasons)?;
        }
        scored.accounts.clear();
        Ok((scored.accounts, scored.scratch))
    }

    /// Adds one scored follower to the report.
    fn absorb_one(
        &mut self,
        pos: u64,
        p_fake: f64,
        inactive: bool,
        id: Option<String>,
        screen_name: Option<String>,
        reasons: Vec<Reason>,
    ) -> Result<()> {
        let p = &self.audit.params;
        let threshold = self.audit.model.threshold();
        let group = group_of(p_fake, inactive, threshold, p.uncertain);
        self.state.add(group);
        self.state.scored.push(pos, p_fake as f32);
        let listed = match p.listing {
            Listing::All => true,
            Listing::MostSuspicious(n) => n > 0 && p_fake > self.state.listed_bound,
            _ => false,
        };
        if !listed && self.csv.is_none() {
            return Ok(());
        }
        let score = FollowerScore {
            position: pos,
            id,
            screen_name,
            p_fake,
            label: if p_fake >= threshold {
                Label::Fake
            } else {
                Label::Genuine
            },
            group: group.to_string(),
            reasons,
        };
        if let Some(w) = self.csv.as_mut() {
            let why: Vec<&str> = score.reasons.iter().map(|r| r.text.as_str()).collect();
            w.write_record([
                score.position.to_string(),
                score.id.clone().unwrap_or_default(),
                score.screen_name.clone().unwrap_or_default(),
                format!("{:.6}", score.p_fake),
                label_name(score.label).to_string(),
                score.group.clone(),
                why.join("; "),
            ])
            .map_err(|e| csv_error(self.source, e))?;
        }
        if listed {
            self.state.followers.push(score);
            if let Listing::MostSuspicious(n) = p.listing {
                // Keep the list at most twice the listed number: sort, cut, raise the bound.
                if self.state.followers.len() >= 2 * n {
                    most_suspicious_first(&mut self.state.followers, n);
                    let bound = self.state.followers[n - 1].p_fake;
                    self.state.listed_bound = bound;
                    self.audit
                        .listed_bound
                        .store(bound.to_bits(), std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }
}

/// What a scored chunk leaves to reuse: its account buffer and its feature buffer.
type Reusable = (Vec<Account>, Option<Array2<f64>>);

/// How chunks get from the reading loop to the scorer and back to the [`Sink`].
trait Pipe {
    /// Hands over one chunk; may absorb chunks scored earlier.
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()>;
    /// An emptied account buffer to fill next, if one has come back.
    fn spare(&mut self) -> Option<Vec<Account>>;
}

/// Scores each chunk at once on this thread.
struct InPlace<'a, 'm> {
    scorer: Scorer<'a, 'm>,
    scratch: Option<Array2<f64>>,
    spare: Vec<Vec<Account>>,
}

impl Pipe for InPlace<'_, '_> {
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()> {
        let scored = self.scorer.score(batch, self.scratch.take())?;
        let (accounts, scratch) = sink.absorb(scored)?;
        self.spare.push(accounts);
        self.scratch = scratch;
        Ok(())
    }
    fn spare(&mut self) -> Option<Vec<Account>> {
        self.spare.pop()
    }
}

/// Chunks scored ahead of the reading: at most this many at once (besides the one being read).
const IN_FLIGHT: u64 = 2;

/// Scores chunks as jobs on the rayon pool while this thread goes on reading, and absorbs the
/// results in input order as they come back. At most [`IN_FLIGHT`] chunks are being scored,
/// so memory stays at a few chunks whatever the input's length.
struct Overlapped<'a, 's, 'scope> {
    scope: &'a rayon::Scope<'scope>,
    scorer: &'scope Scorer<'s, 's>,
    done_tx: std::sync::mpsc::Sender<(u64, Result<ScoredBatch>)>,
    done_rx: std::sync::mpsc::Receiver<(u64, Result<ScoredBatch>)>,
    submitted: u64,
    absorbed: u64,
    pending: std::collections::BTreeMap<u64, Result<ScoredBatch>>,
    scratch: Vec<Array2<f64>>,
    spare: Vec<Vec<Account>>,
}

impl Overlapped<'_, '_, '_> {
    /// Absorbs every result that is next in input order.
    fn absorb_ready(&mut self, sink: &mut Sink<'_, '_>) -> Result<()> {
        while let Some(scored) = self.pending.remove(&self.absorbed) {
            self.absorbed += 1;
            let (accounts, scratch) = sink.absorb(scored?)?;
            self.spare.push(accounts);
            self.scratch.extend(scratch);
        }
        Ok(())
    }

    /// Waits for one result.
    fn wait_one(&mut self) -> Result<()> {
        let (seq, scored) = self.done_rx.recv().map_err(|_| {
            Error::InvalidData("audit: a scoring job ended without a result".into())
        })?;
        self.pending.insert(seq, scored);
        Ok(())
    }

    /// Waits for every chunk still being scored.
    fn drain(&mut self, sink: &mut Sink<'_, '_>) -> Result<()> {
        while self.absorbed < self.submitted {
            self.wait_one()?;
            self.absorb_ready(sink)?;
        }
        Ok(())
    }
}

impl<'scope> Pipe for Overlapped<'_, '_, 'scope> {
    fn submit(&mut self, batch: Batch, sink: &mut Sink<'_, '_>) -> Result<()> {
        let seq = self.submitted;
        self.submitted += 1;
        let scorer = self.scorer;
        let tx = self.done_tx.clone();
        let scratch = self.scratch.pop();
        self.scope.spawn(move |_| {
            // The receiver is gone only when the audit already failed.
            let _ = tx.send((seq, scorer.score(batch, scratch)));
        });
        while let Ok((seq, scored)) = self.done_rx.try_recv() {
            self.pending.insert(seq, scored);
        }
        self.absorb_ready(sink)?;
        while self.submitted - self.absorbed > IN_FLIGHT {
            self.wait_one()?;
            self.absorb_ready(sink)?;
        }
        Ok(())
    }
    fn spare(&mut self) -> Option<Vec<Account>> {
        self.spare.pop()
    }
}

/// Running totals of an audit.
#[derive(Default)]
struct State {
    records_read: u64,
    valid: u64,
    duplicates: u64,
    rejections: Vec<RejectedRecord>,
    scored: Scores,
    followers: Vec<FollowerScore>,
    /// A P(fake) the listed most suspicious followers reach `n` times (minus infinity while
    /// fewer are listed): a later follower enters only above it.
    listed_bound: f64,
    breakdown: Breakdown,
    crawled: u64,
    clock: u64,
}

impl State {
    fn new() -> State {
        State {
            listed_bound: f64::NEG_INFINITY,
            ..State::default()
        }
    }

    fn reject(&mut self, e: Error) {
        let (record, line) = match &e {
            Error::Parse { position, .. } => (position.record, position.line),
            _ => (self.records_read, None),
        };
        if matches!(&e, Error::Parse { reason, .. } if reason.starts_with("duplicate ")) {
            self.duplicates += 1;
        }
        self.rejections.push(RejectedRecord {
            record,
            line,
            reason: e.to_string(),
        });
    }

    fn add(&mut self, group: &str) {
        let b = &mut self.breakdown;
        match group {
            "likely_fake" => b.likely_fake += 1,
            "likely_genuine" => b.likely_genuine += 1,
            "inactive_genuine" => b.inactive_genuine += 1,
            _ => b.uncertain += 1,
        }
    }

    fn note_time(&mut self, fx: &FeatureExtractor, account: &Account) {
        match fx.time_reference(account) {
            TimeReference::Crawled(_) => self.crawled += 1,
            TimeReference::Clock(_) => self.clock += 1,
            TimeReference::AsOf(_) => {}
        }
    }

    fn note(&mut self, time: TimeKind) {
        match time {
            TimeKind::Crawled => self.crawled += 1,
            TimeKind::Clock => self.clock += 1,
            TimeKind::AsOf => {}
        }
    }

    fn time_summary(&self, as_of: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        if let Some(t) = as_of {
            return format!("as_of {}", t.to_rfc3339());
        }
        match (self.crawled, self.clock) {
            (_, 0) => "crawled: each record's crawl time".to_string(),
            (0, _) => format!("clock {} (no record has a crawl time)", now.to_rfc3339()),
            (c, k) => format!(
                "crawled for {c} records; clock {} for {k} records without a crawl time",
                now.to_rfc3339()
            ),
        }
    }
}

/// The per-follower CSV writer, its header written.
fn scores_writer<'w>(
    source: &str,
    out: Option<&'w mut dyn Write>,
) -> Result<Option<csv::Writer<&'w mut dyn Write>>> {
    let Some(out) = out else { return Ok(None) };
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record([
        "position",
        "id",
        "screen_name",
        "p_fake",
        "label",
        "group",
        "reasons",
    ])
    .map_err(|e| csv_error(source, e))?;
    Ok(Some(w))
}

/// Few posts: a quiet account, real or not.
fn is_inactive(account: &Account) -> bool {
    match (&account.activity, account.profile.statuses_count) {
        (_, Some(n)) => n < INACTIVE_MAX_POSTS,
        (Some(posts), None) => (posts.len() as u64) < INACTIVE_MAX_POSTS,
        (None, None) => false,
    }
}

fn group_of(p_fake: f64, inactive: bool, threshold: f64, band: (f64, f64)) -> &'static str {
    if p_fake >= band.1 {
        "likely_fake"
    } else if inactive && p_fake < threshold {
        "inactive_genuine"
    } else if p_fake < band.0 {
        "likely_genuine"
    } else {
        "uncertain"
    }
}

fn label_name(label: Label) -> &'static str {
    match label {
        Label::Genuine => "genuine",
        Label::Fake => "fake",
    }
}

fn csv_error(source: &str, e: csv::Error) -> Error {
    Error::Io {
        origin: source.to_string(),
        err: std::io::Error::other(e.to_string()),
    }
}

/// Sorts `followers` by P(fake), highest first (ties in follow order), and keeps the first `n`.
fn most_suspicious_first(followers: &mut Vec<FollowerScore>, n: usize) {
    followers.sort_by(|a, b| {
        b.p_fake
            .total_cmp(&a.p_fake)
            .then(a.position.cmp(&b.position))
    });
    followers.truncate(n);
}

/// Mean P(fake) over windows of the follow order, about 200 points in all.
fn timeline(p: &[f64], position: impl Fn(usize) -> u64) -> Timeline {
    let window = (p.len() / 200).max(25).min(p.len().max(1));
    let mut t = Timeline::default();
    for (w, ps) in p.chunks(window).enumerate() {
        t.position.push(position(w * window + ps.len() / 2));
        t.fake_share.push(ps.iter().sum::<f64>() / ps.len() as f64);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSet;

    #[test]
    fn groups_keep_quiet_people_apart() {
        assert_eq!(group_of(0.9, false, 0.5, (0.2, 0.8)), "likely_fake");
        assert_eq!(group_of(0.9, true, 0.5, (0.2, 0.8)), "likely_fake");
        assert_eq!(group_of(0.4, true, 0.5, (0.2, 0.8)), "inactive_genuine");
        assert_eq!(group_of(0.1, true, 0.5, (0.2, 0.8)), "inactive_genuine");
        assert_eq!(group_of(0.1, false, 0.5, (0.2, 0.8)), "likely_genuine");
        assert_eq!(group_of(0.4, false, 0.5, (0.2, 0.8)), "uncertain");
        assert_eq!(group_of(0.6, true, 0.5, (0.2, 0.8)), "uncertain");
    }

    #[test]
    fn timeline_windows_cover_the_list() {
        let p: Vec<f64> = (0..1000).map(|i| if i < 500 { 0.0 } else { 1.0 }).collect();
        let t = timeline(&p, |i| i as u64);
        assert_eq!(t.position.len(), 40);
        assert_eq!(t.fake_share[0], 0.0);
        assert_eq!(*t.fake_share.last().unwrap(), 1.0);
    }

    /// Audits `n` generated followers (with a bad record at `bad`) in a pool of `threads`.
    fn audit_in_pool(threads: usize, params: AuditParams, n: u64, bad: u64) -> Result<AuditReport> {
        let generator = crate::synth::FollowerListSpec::new(n)
            .seed(3)
            .burst(crate::synth::BurstSpec::new(n / 3, n / 10, 0.9))
            .build()
            .expect("valid spec");
        let accounts = generator.iter().enumerate().map(move |(i, a)| {
            if i as u64 == bad {
                Err(Error::Parse {
                    origin: "test".into(),
                    position: crate::error::Position::new(i as u64 + 1, None),
                    field: "id".into(),
                    value: "x".into(),
                    reason: "bad on purpose".into(),
                })
            } else {
                Ok(a)
            }
        });
        let model = Model::default_twitter();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| Audit::new(&model, params).run("test", accounts))
    }

    #[test]
    fn overlapped_and_in_turn_runs_give_the_same_report() {
        let clock = "2015-02-14T12:00:00Z".parse().unwrap();
        // Small chunks, so that many are in flight at once; details on, to check reasons and
        // per-follower rows stay in input order.
        let params = AuditParams::default()
            .chunk(257)
            .bootstrap(20)
            .clock(clock)
            .reasons(2)
            .followers(Listing::All);
        let one = audit_in_pool(1, params.clone(), 6_000, 4_321).unwrap();
        let two = audit_in_pool(2, params.clone(), 6_000, 4_321).unwrap();
        assert_eq!(one.rejected, 1);
        assert_eq!(one.scored, 5_999);
        assert!(one
            .followers
            .windows(2)
            .all(|w| w[0].position < w[1].position));
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            serde_json::to_string(&two).unwrap()
        );
        let three = audit_in_pool(3, params.clone().followers(Listing::None), 6_000, 4_321)
            .unwrap();
        assert_eq!(three.genuine_share, one.genuine_share);
        assert_eq!(three.bursts, one.bursts);
        assert!(three.followers.is_empty());
        // The most suspicious, explained only as they may enter the list, are the first of
        // every follower ranked by P(fake) (ties in follow order), reasons and all, at any
        // thread count.
        let mut ranked = one.followers.clone();
        ranked.sort_by(|a, b| b.p_fake.total_cmp(&a.p_fake).then(a.position.cmp(&b.position)));
        ranked.truncate(150);
        for threads in [1, 2] {
            let top = audit_in_pool(
                threads,
                params.clone().followers(Listing::MostSuspicious(150)),
                6_000,
                4_321,
            )
            .unwrap();
            assert_eq!(top.followers, ranked, "{threads} threads");
            assert_eq!(top.genuine_share, one.genuine_share);
        }
    }

    /// A generated Cresci CSV of `n` followers with a few bad records, a duplicate id, a
    /// description holding a newline and a quote, and a stray quote in an unquoted field.
    fn hostile_csv(n: u64) -> Vec<u8> {
        let generator = crate::synth::FollowerListSpec::new(n)
            .seed(5)
            .burst(crate::synth::BurstSpec::new(n / 3, n / 10, 0.9))
            .build()
            .expect("valid spec");
        let mut accounts: Vec<Account> = generator.iter().collect();
        accounts[7].profile.description = Some("two\nlines, \"quoted\"".into());
        let dup = accounts[10].profile.id.clone();
        accounts[n as usize / 2].profile.id = dup;
        let mut out = Vec::new();
        crate::synth::write_cresci_csv(&mut out, accounts.iter()).expect("in memory");
        let text = String::from_utf8(out).expect("utf-8");
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let last = lines.len() - 3;
        lines[last] = lines[last].replacen("\"en\"", "en\"", 1);
        lines[40] = lines[40].replacen(",\"", ",\"-", 3);
        lines[41] = "garbage".into();
        lines.join("\n").into_bytes()
    }

    fn audit_bytes(bytes: &[u8], threads: usize, params: AuditParams, blocks: bool) -> String {
        let model = Model::default_twitter();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let options = crate::formats::ReadOptions::default()
                .mode(crate::formats::Mode::Lenient)
                .origin("mem");
            let mut reader =
                AccountReader::from_reader(std::io::Cursor::new(bytes.to_vec()), &options)
                    .expect("opens");
            let audit = Audit::new(&model, params);
            let mut rows = Vec::new();
            let report = if blocks {
                audit.run_reader(&mut reader, Some(&mut rows))
            } else {
                audit.run_with("mem", &mut reader, Some(&mut rows))
            };
            let stats = reader.stats();
            format!(
                "{}\n{}\n{} {} {}",
                match report {
                    Ok(r) => serde_json::to_string(&r).unwrap(),
                    Err(e) => format!("error: {e}"),
                },
                String::from_utf8(rows).unwrap(),
                stats.records_read,
                stats.accepted,
                stats.rejected.len()
            )
        })
    }

    #[test]
    fn block_reading_gives_the_report_iteration_gives() {
        let clock = "2015-02-14T12:00:00Z".parse().unwrap();
        // Several 1 MiB blocks: 5,000 records of about 600 bytes.
        let bytes = hostile_csv(5_000);
        let params = AuditParams::default().bootstrap(20).clock(clock).reasons(2);
        let want = audit_bytes(&bytes, 1, params.clone(), false);
        assert!(
            want.contains("duplicate id"),
            "{}",
            &want[..2000.min(want.len())]
        );
        assert!(
            want.contains("\"rejected\":3"),
            "{}",
            &want[..2000.min(want.len())]
        );
        for threads in [1, 2, 3] {
            assert_eq!(audit_bytes(&bytes, threads, params.clone(), true), want);
        }
        // Strict: the same error and reader counts (how many per-follower rows were streamed
        // before the error depends on the chunking, and is not compared).
        let strict = params.strict(true);
        let ends = |s: String| {
            let lines: Vec<String> = s.lines().map(str::to_string).collect();
            (lines[0].clone(), lines[lines.len() - 1].clone())
        };
        let want = ends(audit_bytes(&bytes, 1, strict.clone(), false));
        assert!(want.0.starts_with("error: "), "{want:?}");
        for threads in [1, 2] {
            assert_eq!(
                ends(audit_bytes(&bytes, threads, strict.clone(), true)),
                want
            );
        }
    }

    #[test]
    fn block_reading_of_json_lines_gives_the_report_iteration_gives() {
        let generator = crate::synth::FollowerListSpec::new(4_000)
            .seed(9)
            .build()
            .expect("valid spec");
        let accounts: Vec<Account> = generator.iter().collect();
        let mut out = Vec::new();
        crate::synth::write_twitter_v1_jsonl(&mut out, accounts.iter()).expect("in memory");
        let mut text = String::from_utf8(out).expect("utf-8");
        // A bad line, a blank line and a duplicate.
        let first = text.lines().next().expect("a line").to_string();
        text = text.replacen('\n', "\n{oops\n\n", 1);
        text.push_str(&first);
        text.push('\n');
        let clock = "2015-02-14T12:00:00Z".parse().unwrap();
        let params = AuditParams::default()
            .bootstrap(20)
            .clock(clock)
            .as_of(clock)
            .reasons(1);
        let want = audit_bytes(text.as_bytes(), 1, params.clone(), false);
        assert!(want.contains("duplicate id"), "{}", &want[..300]);
        assert!(want.contains("invalid JSON"), "{}", &want[..300]);
        for threads in [1, 2] {
            assert_eq!(
                audit_bytes(text.as_bytes(), threads, params.clone(), true),
                want
            );
        }
    }

    #[test]
    fn a_strict_error_mid_stream_stops_every_run_the_same_way() {
        let params = AuditParams::default().chunk(100).bootstrap(5).strict(true);
        for threads in [1, 2] {
            let err = audit_in_pool(threads, params.clone(), 3_000, 1_234).unwrap_err();
            assert!(err.to_string().contains("bad on purpose"), "{err}");
        }
    }

    /// The audit computes only the columns the model reads; its scores and reasons are the
    /// model's on the full feature matrix all the same.
    #[test]
    fn scores_and_reasons_are_the_models_on_all_features() {
        let clock: DateTime<Utc> = "2015-02-14T12:00:00Z".parse().unwrap();
        let accounts: Vec<Account> = crate::synth::FollowerListSpec::new(2_000)
            .seed(5)
            .build()
            .expect("valid spec")
            .iter()
            .collect();
        let model = Model::default_twitter();
        assert!(
            model
                .used_features()
                .is_some_and(|u| u.len() < model.schema().len()),
            "the default forest reads some of the columns, so the subset is exercised"
        );
        let params = AuditParams::default()
            .followers(Listing::All)
            .reasons(3)
            .bootstrap(5)
            .clock(clock);
        let report = Audit::new(&model, params)
            .run("test", accounts.iter().cloned().map(Ok))
            .unwrap();
        let x = FeatureExtractor::new(FeatureSet::Twitter)
            .with_clock(clock)
            .extract(&accounts);
        let p = model.predict_proba(&x).unwrap();
        assert_eq!(report.followers.len(), accounts.len());
        for (i, f) in report.followers.iter().enumerate() {
            assert_eq!(f.p_fake, p[i].clamp(0.0, 1.0), "follower {i}");
            let mut want = model.explain(&x, i).unwrap();
            want.truncate(3);
            assert_eq!(f.reasons, want, "follower {i}");
        }
    }

    #[test]
    fn params_are_validated() {
        assert!(AuditParams::default().confidence(1.0).validate().is_err());
        assert!(AuditParams::default().sample(0).validate().is_err());
        assert!(AuditParams::default()
            .uncertain_band(0.9, 0.1)
            .validate()
            .is_err());
        assert!(AuditParams::default().validate().is_ok());
    }
}
