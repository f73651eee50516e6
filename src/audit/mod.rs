//! [`Audit`]: a stream of accounts and a [`Model`] in, an [`AuditReport`] out.
//!
//! The audit scores followers in chunks (features and scores computed in parallel with rayon,
//! results identical whatever the thread count), keeps only each follower's position and
//! P(fake) (plus, on request, its reasons), and at the end estimates the share of fake and
//! genuine followers with a quantification method that corrects for the model's own error
//! rates, finds bought-follower bursts along the follow order, and tallies every record read as
//! scored, rejected or left out by sampling.

mod compare;
mod engagement;
mod fallback;
mod html;
mod params;
mod pipeline;
mod report;
mod rows_csv;
mod shared;
mod shift;
mod state;
mod traits;

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::account::Account;
use crate::detector::Detector;
use crate::error::{Error, Result};
use crate::features::{ExportShape, FeatureExtractor};
use crate::formats::{AccountReader, Mode};
use crate::model::Model;
use crate::quantify::{IntervalOptions, Method, Quantifier, ShareEstimate};
use crate::sample::Reservoir;
use crate::training::TrainingSet;

pub use compare::{ComparedAccount, Comparison, Difference};
pub use engagement::{BurstAxis, EngagementReport, TimeBurst};
pub use params::{AuditParams, ListKind, Listing, HISTOGRAM_BINS};
pub use report::{
    AuditReport, Breakdown, CountInterval, FakeTrait, FieldsReport, FollowerGroup, FollowerScore,
    ModelInfo, ShiftReport, Timeline,
};

use crate::inorder::InOrder;
use engagement::engagement_report;
use pipeline::{Batch, InPlace, Overlapped, Pipe, RowRoom, Scored, Scorer, Sink};
use shared::Shared;
use shift::{
    add_uncertainty, effective_sizes, matched_validation, measure_shift, BottomK, Probe,
    UncertainBand, PROBE_SHIFT_ROWS,
};
use state::{most_suspicious_first, scores_writer, timeline, State};

/// The per-follower CSV being written.
type CsvOut<'w> = rows_csv::RowsCsv<'w>;

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
    /// What the scoring jobs and the sink read and update.
    shared: Shared<'m>,
    /// What [`Audit::probe`] found, if it was called.
    probe: Option<Probe>,
    /// Held through a run: the listing bound and the sample in `shared` belong to one run at a
    /// time, so runs of one `Audit` on several threads take turns.
    running: std::sync::Mutex<()>,
}

impl<'m> Audit<'m> {
    /// An audit with `model` and `params`.
    ///
    /// When `model` was fitted on an embedded training set ([`TrainingSet::of_model`]: every
    /// embedded model and every [`Model::for_export`] model), the audit measures how far the
    /// list lies from that set on a uniform sample of the scored accounts, and the report's
    /// [`AuditReport::shift`] and [`AuditReport::fields`] are filled, without a call to
    /// [`Audit::probe`].
    pub fn new(model: &'m Model, params: AuditParams) -> Self {
        let training = TrainingSet::of_model(model);
        let sample = BottomK {
            k: if training.is_some() {
                PROBE_SHIFT_ROWS
            } else {
                0
            },
            kept: Vec::new(),
        };
        Audit {
            shared: Shared {
                model,
                params,
                training,
                sample: std::sync::Mutex::new(sample),
                listed_bound: std::sync::atomic::AtomicU64::new(f64::NEG_INFINITY.to_bits()),
                shape: None,
                fallback: fallback::Fallback::of(model, training, None),
            },
            probe: None,
            running: std::sync::Mutex::new(()),
        }
    }

    /// Forgets what an earlier (failed) run left: the uniform sample and the listing bound.
    fn reset(&self) {
        self.shared
            .sample
            .lock()
            .expect("not poisoned")
            .kept
            .clear();
        self.shared.listed_bound.store(
            f64::NEG_INFINITY.to_bits(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Looks at a leading sample of the input before the audit: which field groups it
    /// carries (reported in [`AuditReport::fields`]) and how far it lies from `training`, the
    /// labelled data the model was trained on ([`AuditReport::shift`]). The interval of the
    /// rate-adjusted estimators then takes in the spread of the model's error rates across
    /// its leave-one-source-out folds ([`Model::source_rates`]; for a model without them,
    /// such as one fitted on a single source, that of a rate known only to lie between 0 and
    /// 1, `1 / sqrt(12)`), weighted by the shift: as
    /// wide as the model has shown itself unstable across populations when the list lies far
    /// from the training data, unchanged when it lies within it.
    ///
    /// An audit whose model was fitted on an embedded training set measures the shift without
    /// a probe ([`Audit::new`]); the probe still reports the fields of the leading records
    /// (which a caller reads to pick the model, as [`Model::for_export`] does), and names the
    /// training set of a model fitted on other accounts (`training` replaces the set
    /// [`Audit::new`] found). Either way the shift itself is measured at the end of the run,
    /// on a uniform sample of the scored accounts.
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
        training
            .feature_set()
            .schema()
            .check(self.shared.model.schema())?;
        self.shared.training = Some(training);

        *self.shared.sample.lock().expect("not poisoned") = BottomK {
            k: PROBE_SHIFT_ROWS,
            kept: Vec::new(),
        };
        let shape = ExportShape::of(accounts);
        self.shared.shape = Some(shape.clone());
        self.shared.fallback =
            fallback::Fallback::of(self.shared.model, Some(training), Some(&shape));
        let reads = match self.shared.model.fields() {
            Some(f) => f.clone(),
            None => training.trainable(&shape),
        };
        self.probe = Some(Probe {
            fields: FieldsReport::new(accounts.len(), &shape, &reads),
            shape: shape.clone(),
            shift: None,
            votes: Vec::new(),
        });
        Ok(self)
    }

    /// The feature extractor matching the model's schema, computing only the columns the
    /// model reads.
    fn extractor(&self, source: &str, now: DateTime<Utc>) -> Result<FeatureExtractor> {
        let set = self.shared.model.feature_set(source)?;
        let mut fx = FeatureExtractor::new(set).with_clock(now);
        if let Some(t) = self.shared.params.as_of {
            fx = fx.as_of(t);
        }
        // Scores and reasons read only the model's columns: the others are not computed.
        if let Some(used) = self.shared.model.used_features() {
            fx = fx.only(&used)?;
        }
        Ok(fx)
    }

    /// Audits `accounts`, a stream in follow order (newest first, as the platforms return
    /// followers). `source` names the input in the report.
    ///
    /// Each `Err` item is a rejected record, counted and listed in the report with its reason;
    /// the audit reads on to the end of `accounts`. To stop at the first malformed record,
    /// audit an [`AccountReader`] in [`Mode::Strict`](crate::Mode::Strict) with
    /// [`Audit::run_reader`], which follows the reader's mode (a strict reader given here
    /// ends after its first malformed record, so the report would cover the records before
    /// it).
    ///
    /// # Errors
    /// Invalid params; [`Error::InvalidData`] when no record could be scored.
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
        self.run_iter(source, accounts, csv_out, Mode::Lenient)
    }

    /// [`Audit::run_with`] stopping at the first malformed record in [`Mode::Strict`]
    /// (a duplicate never stops it: it is counted and listed).
    fn run_iter<I>(
        &self,
        source: &str,
        accounts: I,
        csv_out: Option<&mut dyn Write>,
        mode: Mode,
    ) -> Result<AuditReport>
    where
        I: IntoIterator<Item = Result<Account>>,
    {
        let strict = mode == Mode::Strict;
        let _turn = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let (now, fx, mut csv) = self.begin(source, csv_out)?;
        let mut state = State::new();
        let scorer = Scorer::new(&self.shared, &fx, csv.is_some());
        let mut sink = Sink {
            audit: &self.shared,
            state: &mut state,
            csv: &mut csv,
            source,
            room: RowRoom::default(),
        };
        // With more than one thread, reading (this thread) overlaps with features and scoring
        // (jobs on the current rayon pool); with one, everything runs here in turn. Chunks are
        // absorbed in input order either way, so the report is the same.
        let positions = if rayon::current_num_threads() > 1 {
            rayon::in_place_scope(|scope| {
                let mut pipe = Overlapped {
                    jobs: InOrder::new(scope, pipeline::IN_FLIGHT),
                    scorer: &scorer,
                    scratch: Vec::new(),
                    spare: Vec::new(),
                };
                let positions = self.stream(&fx, accounts, strict, &mut sink, &mut pipe)?;
                pipe.drain(&mut sink)?;
                Ok::<u64, Error>(positions)
            })?
        } else {
            let mut pipe = InPlace {
                scorer,
                scratch: None,
                spare: Vec::new(),
            };
            self.stream(&fx, accounts, strict, &mut sink, &mut pipe)?
        };
        self.end(source, csv, state, positions, now)
    }

    /// What every run does first: checks the params, forgets an earlier failed run, reads the
    /// clock once, and makes the feature extractor and the CSV writer (its header written).
    fn begin<'w>(
        &self,
        source: &str,
        csv_out: Option<&'w mut dyn Write>,
    ) -> Result<(DateTime<Utc>, FeatureExtractor, Option<CsvOut<'w>>)> {
        self.shared.params.validate()?;
        // A sample left by an earlier, failed run must not enter this one.
        self.reset();
        let now = self.shared.params.clock.unwrap_or_else(Utc::now);
        let fx = self.extractor(source, now)?;
        let csv = scores_writer(source, csv_out)?;
        Ok((now, fx, csv))
    }

    /// What every run does last: flushes the CSV and assembles the report.
    fn end(
        &self,
        source: &str,
        mut csv: Option<CsvOut<'_>>,
        state: State,
        positions: u64,
        now: DateTime<Utc>,
    ) -> Result<AuditReport> {
        if let Some(w) = csv.as_mut() {
            w.flush()
                .map_err(|e| rows_csv::rows_write_error(source, e))?;
        }
        drop(csv);
        self.finish(source, state, positions, now)
    }

    /// Audits what `reader` reads, naming the source by [`AccountReader::origin`]: the report
    /// [`Audit::run_with`] gives for the same records. The input's blocks are parsed,
    /// converted, labelled, joined to their posts and scored together on the rayon pool (each
    /// account is dropped on the thread that made it), while a reading thread
    /// reads bytes and this thread keeps the tallies in input order. A reader already
    /// iterated is audited from the record iteration would give next; a sampling audit
    /// iterates the reader as [`Audit::run_with`] does. The reader's
    /// [`AccountReader::stats`] count the records either way.
    ///
    /// The reader's [`Mode`] is the audit's: in [`Mode::Strict`] the audit stops at the first
    /// malformed record and returns its error; a duplicate never stops it (it is counted and
    /// listed, the first occurrence scored). In [`Mode::Lenient`] every rejected record is
    /// counted and listed in the report with its reason.
    ///
    /// # Errors
    /// As [`Audit::run_with`]; in strict mode, the first malformed record.
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
        let mode = reader.mode();
        if self.shared.params.sample.is_some() {
            return self.run_iter(&source, reader, csv_out, mode);
        }
        let _turn = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let (now, fx, mut csv) = self.begin(&source, csv_out)?;
        let mut state = State::new();
        let scorer = Scorer::new(&self.shared, &fx, csv.is_some());
        let mut sink = Sink {
            audit: &self.shared,
            state: &mut state,
            csv: &mut csv,
            source: &source,
            room: RowRoom::default(),
        };
        let mut position: u64 = 0;
        let work = |accounts: &mut [Account]| scorer.score_each(accounts);
        let mut take = |_: crate::error::Position, item: Result<Scored>| -> Result<()> {
            sink.state.records_read += 1;
            match item {
                Ok(one) => {
                    let one = one.map_err(|e| *e)?;
                    if let Some(candidate) = &one.sample {
                        let mut sample = sink.audit.sample.lock().expect("not poisoned");
                        sample.offer(candidate.0, &candidate.1);
                    }
                    sink.state.valid += 1;
                    sink.state.note(one.time);
                    position += 1;
                    sink.absorb_placed(position - 1, one.p_fake, one.marks, one.details)
                }
                // Strict mode stops at a malformed record; a duplicate is counted and listed.
                Err(e) if mode == Mode::Strict && !e.is_duplicate() => Err(e),
                Err(e) => {
                    sink.state.reject(e);
                    position += 1;
                    Ok(())
                }
            }
        };
        let parallel = rayon::current_num_threads() > 1;
        reader.read_blocks(parallel, &work, &mut take)?;
        self.end(&source, csv, state, position, now)
    }

    /// Reads `accounts` in follow order, tallies what is read, and hands chunks of valid
    /// accounts (or, when sampling, the sample in follow order) to `pipe`. Returns the number
    /// of positions read.
    fn stream<I, P>(
        &self,
        fx: &FeatureExtractor,
        accounts: I,
        strict: bool,
        sink: &mut Sink<'_, '_>,
        pipe: &mut P,
    ) -> Result<u64>
    where
        I: IntoIterator<Item = Result<Account>>,
        P: Pipe,
    {
        let p = &self.shared.params;
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
                    if strict && !e.is_duplicate() {
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

    /// The share estimates of every method, their error rates weighted toward the list by
    /// the shift measured on the run's uniform sample of accounts; with the probe that holds
    /// that shift.
    fn estimate_shares(
        &self,
        sample: &[f64],
        population: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<crate::quantify::ShareEstimate>, Option<Probe>)> {
        let p = &self.shared.params;
        let model = self.shared.model;
        // The shift and the matched validation from a uniform sample of the scored accounts
        // (the probe's leading records may not be like the rest of the list).
        let sampled: Vec<Account> =
            std::mem::take(&mut self.shared.sample.lock().expect("not poisoned").kept)
                .into_iter()
                .map(|(_, a)| *a)
                .collect();
        let mut matched = None;
        let probe = match self.shared.training {
            Some(training) if !sampled.is_empty() => {
                let shape = ExportShape::of(&sampled);
                let reads = match model.fields() {
                    Some(f) => f.clone(),
                    None => training.trainable(&shape),
                };
                // Without a probe, the fields are those of the uniform sample.
                let (fields, shape) = match &self.probe {
                    Some(probe) => (probe.fields.clone(), probe.shape.clone()),
                    None => (FieldsReport::new(sampled.len(), &shape, &reads), shape),
                };
                let (mut shift, votes) = measure_shift(
                    self.shared.model,
                    &self.shared.params,
                    &sampled,
                    training,
                    &reads,
                    now,
                )?;
                add_uncertainty(
                    &mut shift,
                    UncertainBand::of(model),
                    sample,
                    model.threshold(),
                    self.shared.params.method.uses_rates(),
                );
                let (proba, labels, kept) = matched_validation(model, &votes);
                shift.matched_fake = kept[0];
                shift.matched_genuine = kept[1];
                matched = Some((proba, labels));
                Some(Probe {
                    fields,
                    shape,
                    shift: Some(shift),
                    votes,
                })
            }
            _ => self.probe.clone(),
        };
        let validation = model.validation();
        let (val_proba, val_labels) =
            matched.unwrap_or_else(|| (validation.proba.clone(), validation.labels.clone()));
        let train_prevalence = model.provenance().prevalence();
        let mut quantifier =
            Quantifier::new(&val_proba, &val_labels, model.threshold(), train_prevalence)?;
        if let Some(p) = &probe {
            let [f, g] = effective_sizes(model, &p.votes);
            quantifier = quantifier.with_effective_sizes(f, g);
        }
        if let Some(sh) = probe.as_ref().and_then(|p| p.shift.as_ref()) {
            quantifier = quantifier.with_shift(sh.rate_spread.scaled(sh.weight))?;
        }
        let options = IntervalOptions {
            confidence: p.confidence,
            population,
            bootstrap: p.bootstrap,
            seed: p.seed,
        };
        let all = quantifier.estimate_all(sample, &options)?;
        Ok((all, probe))
    }

    fn finish(
        &self,
        source: &str,
        mut state: State,
        positions: u64,
        now: DateTime<Utc>,
    ) -> Result<AuditReport> {
        let p = &self.shared.params;
        let model = self.shared.model;
        if state.scored.len() == 0 {
            // The first rejection says why, when every record was rejected.
            let first = state
                .rejections
                .first()
                .map(|r| format!("; the first: {}", r.reason()))
                .unwrap_or_default();
            return Err(Error::InvalidData(format!(
                "{source}: no account could be scored ({} records read, {} rejected{first})",
                state.records_read,
                state.rejections.len()
            )));
        }
        let mut followers = std::mem::take(&mut state.followers);
        if let Listing::MostSuspicious(n) = p.listing {
            most_suspicious_first(&mut followers, n);
        }
        if let Some(deferred) = state.deferred.take() {
            deferred.explain(model, &mut followers, p.reasons)?;
        }
        // The estimates take the scores as f64: convert, freeing the f32 copy, so that a
        // follower costs 8 bytes here (plus 8 for its position after a rejected record).
        let mut kept = std::mem::take(&mut state.scored);
        let sample: Vec<f64> = kept.p_fake.iter().map(|&v| f64::from(v)).collect();
        kept.p_fake = Vec::new();
        let position_of = |i: usize| kept.position(i);
        let engaged = std::mem::take(&mut state.engaged);
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
        // The estimates (after the shift, which weights their error rates) and the list's
        // shape (histogram, timeline, bursts) are independent: computed side by side, as the
        // pool is idle once reading has ended.
        let (all, shape) = rayon::join(
            || self.estimate_shares(&sample, population, now),
            || -> Result<_> {
                let mut histogram = vec![0u64; HISTOGRAM_BINS];
                for &v in &sample {
                    let bin = ((v * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
                    histogram[bin] += 1;
                }
                let timeline = timeline(&sample, position_of);
                // An engagement list's bursts are found over its engagement times when most
                // engagers carry one, else along the list like followers'.
                let engagement = match p.list {
                    ListKind::Engagers => Some(engagement_report(
                        &sample,
                        &engaged,
                        state.valid as f64 / scored as f64,
                        &p.bursts,
                    )?),
                    _ => None,
                };
                let bursts = match &engagement {
                    Some(e) if e.bursts_over == BurstAxis::Time => Vec::new(),
                    _ => crate::bursts::find_bursts_at(&sample, position_of, &p.bursts)?,
                };
                Ok((histogram, timeline, bursts, engagement))
            },
        );
        let (all, probe) = all?;
        let probe = probe.as_ref();
        let prov = model.provenance();
        let chosen = all
            .iter()
            .find(|e| e.method == p.method)
            .copied()
            .ok_or_else(|| Error::InvalidParams {
                name: "method".into(),
                reason: format!("{} gave no estimate", p.method),
            })?;
        let naive = all
            .iter()
            .find(|e| e.method == Method::Cc)
            .map_or(0.0, |e| e.estimate);
        let estimates: Vec<ShareEstimate> = all.iter().map(ShareEstimate::complement).collect();
        let size = population.unwrap_or(state.valid) as f64;
        let fake_count_estimate = CountInterval {
            estimate: chosen.estimate * size,
            ci_low: chosen.ci_low * size,
            ci_high: chosen.ci_high * size,
        };

        let (histogram, timeline, bursts, engagement) = shape?;

        let model_info = ModelInfo {
            fields: model.fields().map(|f| f.present().to_vec()),
            detector: model.detector().name().to_string(),
            schema: model.schema().describe(),
            threshold: model.threshold(),
            trained_on: prov.datasets.iter().map(|d| d.name.clone()).collect(),
            library_version: prov.library_version.clone(),
        };
        let time_reference = state.time_summary(p.as_of, now);
        Ok(AuditReport {
            source: source.to_string(),
            label: p.label.clone(),
            audited_at: now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
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
            followers,
            listing: p.listing,
            positions,
            fields: probe.map(|p| FieldsReport {
                scored_without: crate::FieldGroup::ALL
                    .iter()
                    .zip(state.lacking)
                    .filter(|(_, n)| *n > 0)
                    .map(|(g, n)| (*g, n))
                    .collect(),
                ..p.fields.clone()
            }),
            shift: probe.and_then(|p| p.shift.clone()),
            fake_traits: state.traits.report(probe.map(|p| &p.shape)),
            list: p.list,
            engagement,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSet;
    use crate::formats::ReadOptions;

    /// Audits `n` generated followers (with a bad record at `bad`) in a pool of `threads`.
    fn audit_in_pool(threads: usize, params: AuditParams, n: u64, bad: u64) -> Result<AuditReport> {
        audit_in_pool_as(threads, params, n, bad, Mode::Lenient)
    }

    /// [`audit_in_pool`] stopping at the bad record in strict mode.
    fn audit_in_pool_as(
        threads: usize,
        params: AuditParams,
        n: u64,
        bad: u64,
        mode: Mode,
    ) -> Result<AuditReport> {
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
        pool.install(|| Audit::new(&model, params).run_iter("test", accounts, None, mode))
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
        let three =
            audit_in_pool(3, params.clone().followers(Listing::None), 6_000, 4_321).unwrap();
        assert_eq!(three.genuine_share, one.genuine_share);
        assert_eq!(three.bursts, one.bursts);
        assert!(three.followers.is_empty());
        // The most suspicious, explained only as they may enter the list, are the first of
        // every follower ranked by P(fake) (ties in follow order), reasons and all, at any
        // thread count.
        let mut ranked = one.followers.clone();
        ranked.sort_by(|a, b| {
            b.p_fake
                .total_cmp(&a.p_fake)
                .then(a.position.cmp(&b.position))
        });
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
        audit_bytes_as(bytes, threads, params, blocks, Mode::Lenient)
    }

    /// [`audit_bytes`] with a reader in `mode`.
    fn audit_bytes_as(
        bytes: &[u8],
        threads: usize,
        params: AuditParams,
        blocks: bool,
        mode: Mode,
    ) -> String {
        let model = Model::default_twitter();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let options = crate::formats::ReadOptions::default()
                .mode(mode)
                .origin("mem");
            let mut reader =
                AccountReader::from_reader(std::io::Cursor::new(bytes.to_vec()), &options)
                    .expect("opens");
            let audit = Audit::new(&model, params);
            let mut rows = Vec::new();
            let report = if blocks {
                audit.run_reader(&mut reader, Some(&mut rows))
            } else {
                audit.run_iter("mem", &mut reader, Some(&mut rows), mode)
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
        let strict = Mode::Strict;
        let ends = |s: String| {
            let lines: Vec<String> = s.lines().map(str::to_string).collect();
            (lines[0].clone(), lines[lines.len() - 1].clone())
        };
        let want = ends(audit_bytes_as(&bytes, 1, params.clone(), false, strict));
        assert!(want.0.starts_with("error: "), "{want:?}");
        for threads in [1, 2] {
            assert_eq!(
                ends(audit_bytes_as(
                    &bytes,
                    threads,
                    params.clone(),
                    true,
                    strict
                )),
                want
            );
        }
    }

    /// The report, per-follower rows and reader counts of an audit of `path` read with
    /// `options`, in blocks or by iteration, in a pool of `threads` threads, after `skip`
    /// records were taken by iteration.
    fn audit_file(
        path: &std::path::Path,
        options: &crate::formats::ReadOptions,
        threads: usize,
        blocks: bool,
        skip: usize,
    ) -> String {
        let model = Model::default_twitter();
        let clock = "2015-02-14T12:00:00Z".parse().unwrap();
        let params = AuditParams::default().bootstrap(20).clock(clock).reasons(2);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let mut reader = AccountReader::open(path, options).expect("opens");
            assert_eq!(reader.by_ref().take(skip).count(), skip);
            let mode = reader.mode();
            let audit = Audit::new(&model, params);
            let mut rows = Vec::new();
            let report = if blocks {
                audit.run_reader(&mut reader, Some(&mut rows))
            } else {
                audit.run_iter("mem", &mut reader, Some(&mut rows), mode)
            };
            format!(
                "{}\n{}\n{:?}",
                serde_json::to_string(&report.expect("audits")).unwrap(),
                String::from_utf8(rows).unwrap(),
                reader.stats()
            )
        })
    }

    #[test]
    fn block_reading_with_labels_and_tweets_gives_the_report_iteration_gives() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let users = dir.path().join("users.csv");
        let bytes = hostile_csv(4_000);
        std::fs::write(&users, &bytes).expect("writes");
        let ids: Vec<String> = String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix('"')?.split('"').next().map(str::to_string))
            .filter(|id| id.parse::<u64>().is_ok())
            .collect();
        assert!(ids.len() > 3_000, "{} ids", ids.len());
        let (tweets, labels) = (dir.path().join("tweets.csv"), dir.path().join("labels.tsv"));
        let mut posts = String::from("id,text,user_id,created_at\n");
        let mut marks = String::new();
        for (i, id) in ids.iter().enumerate() {
            if i % 4 == 0 {
                let line = format!("{i},hello,{id},Sat May 02 10:00:00 +0000 2015\n");
                posts.push_str(&line);
            }
            if i % 3 == 0 {
                marks.push_str(&format!("{id}\t{}\n", ["human", "bot"][i % 2]));
            }
        }
        std::fs::write(&tweets, posts).expect("writes");
        std::fs::write(&labels, marks).expect("writes");
        let options = crate::formats::ReadOptions::default()
            .mode(Mode::Lenient)
            .origin("mem");
        for options in [
            options.clone().labels(&labels),
            options.clone().tweets(&tweets),
            options.tweets(&tweets).labels(&labels),
        ] {
            let want = audit_file(&users, &options, 1, false, 0);
            assert!(want.contains("duplicate id"), "{}", &want[..2000]);
            for threads in [1, 2] {
                assert_eq!(audit_file(&users, &options, threads, true, 0), want);
            }
        }
    }

    #[test]
    fn a_reader_already_iterated_is_audited_from_the_next_record_in_blocks() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let users = dir.path().join("users.csv");
        // Several blocks of records, so that the audit takes records iteration had read
        // ahead and then reads on.
        let bytes = hostile_csv(12_000);
        assert!(bytes.len() > 3 << 20, "{} bytes", bytes.len());
        std::fs::write(&users, &bytes).expect("writes");
        let options = crate::formats::ReadOptions::default()
            .mode(Mode::Lenient)
            .origin("mem");
        for skip in [1, 2_500] {
            let want = audit_file(&users, &options, 1, false, skip);
            let whole = audit_file(&users, &options, 1, false, 0);
            assert_ne!(want, whole, "the skipped records are not audited");
            for threads in [1, 2] {
                let got = audit_file(&users, &options, threads, true, skip);
                assert_eq!(got, want, "skip {skip}, {threads} threads");
            }
        }
    }

    #[test]
    fn block_reading_of_a_json_array_gives_the_report_iteration_gives() {
        let accounts: Vec<Account> = crate::synth::FollowerListSpec::new(6_000)
            .seed(4)
            .build()
            .expect("valid spec")
            .iter()
            .collect();
        let mut out = Vec::new();
        crate::synth::write_twitter_v1_jsonl(&mut out, accounts.iter()).expect("in memory");
        let text = String::from_utf8(out).expect("utf-8");
        let mut records: Vec<&str> = text.lines().collect();
        // A bad record and a duplicate.
        records[100] = r#"{"id_str": "x", "followers_count": -3}"#;
        let first = records[0];
        records.push(first);
        let array = format!("[\n{}\n]\n", records.join(",\n"));
        let clock = "2015-02-14T12:00:00Z".parse().unwrap();
        let params = AuditParams::default().bootstrap(20).clock(clock).reasons(1);
        let want = audit_bytes(array.as_bytes(), 1, params.clone(), false);
        assert!(want.contains("duplicate id"), "{}", &want[..300]);
        assert!(want.contains("\"rejected\":2"), "{}", &want[..300]);
        for threads in [1, 2] {
            assert_eq!(
                audit_bytes(array.as_bytes(), threads, params.clone(), true),
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
        let params = AuditParams::default().chunk(100).bootstrap(5);
        for threads in [1, 2] {
            let err =
                audit_in_pool_as(threads, params.clone(), 3_000, 1_234, Mode::Strict).unwrap_err();
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

    /// With the per-follower CSV and a short list of the most suspicious, the followers that
    /// can no longer be listed get their reasons only as the CSV's text: every CSV row's
    /// reasons are still the model's, and so are the listed followers', whether the audit
    /// reads records one by one or in blocks.
    #[test]
    fn csv_rows_and_listed_followers_carry_the_models_reasons() {
        let clock: DateTime<Utc> = "2015-02-14T12:00:00Z".parse().unwrap();
        let generated: Vec<Account> = crate::synth::FollowerListSpec::new(3_000)
            .seed(9)
            .build()
            .expect("valid spec")
            .iter()
            .collect();
        let mut bytes = Vec::new();
        crate::synth::write_cresci_csv(&mut bytes, generated.iter()).expect("in memory");
        let options = crate::formats::ReadOptions::default().origin("mem");
        let reader = || {
            AccountReader::from_reader(std::io::Cursor::new(bytes.clone()), &options)
                .expect("opens")
        };
        let accounts: Vec<Account> = reader().map(|a| a.expect("valid")).collect();
        let model = Model::default_twitter();
        let x = FeatureExtractor::new(FeatureSet::Twitter)
            .with_clock(clock)
            .extract(&accounts);
        // Small chunks, scored on one thread in turn, so that the list's bound has risen
        // while most followers are scored: most take the CSV-text-only path.
        let params = AuditParams::default()
            .followers(Listing::MostSuspicious(50))
            .reasons(3)
            .bootstrap(5)
            .chunk(64)
            .clock(clock);
        let audit = Audit::new(&model, params);
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a pool");
        let words = |i: usize| {
            let mut want = model.explain(&x, i).unwrap();
            want.truncate(3);
            want
        };
        let (mut by_record, mut by_block) = (Vec::new(), Vec::new());
        let one = audit
            .run_with(
                "mem",
                accounts.iter().cloned().map(Ok),
                Some(&mut by_record),
            )
            .unwrap();
        let two = one_thread
            .install(|| audit.run_reader(&mut reader(), Some(&mut by_block)))
            .unwrap();
        assert_eq!(by_record, by_block);
        for report in [&one, &two] {
            assert_eq!(report.followers.len(), 50);
            for f in &report.followers {
                assert_eq!(f.reasons, words(f.position as usize), "{}", f.position);
            }
        }
        let mut rows = csv::Reader::from_reader(by_record.as_slice());
        let mut n = 0;
        for (i, row) in rows.records().enumerate() {
            let row = row.unwrap();
            let want: Vec<String> = words(i).into_iter().map(|r| r.text).collect();
            assert_eq!(&row[6], want.join("; "), "row {i}");
            n += 1;
        }
        assert_eq!(n, accounts.len());
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

    /// A duplicate among a block's most suspicious followers is dropped when the block is
    /// placed, after scoring: the follower that then makes the list keeps its id and
    /// reasons, and the block engine lists what iteration lists.
    #[test]
    fn a_dropped_duplicate_does_not_cost_the_next_listed_follower_its_details() {
        let options = ReadOptions::default().mode(Mode::Lenient);
        let model = Model::default_twitter();
        let head = "id,screen_name,statuses_count,followers_count,friends_count\n";
        // A grid of count profiles; the two most suspicious of them are used below.
        let mut rows = Vec::new();
        for s in [0, 3, 10, 50, 200] {
            for f in [1, 5, 30, 200] {
                for fr in [100, 600, 2100] {
                    let k = 10 + rows.len();
                    rows.push(format!("{k},u{k},{s},{f},{fr}"));
                }
            }
        }
        let grid = format!("{head}{}\n", rows.join("\n"));
        let mut reader =
            AccountReader::from_reader(std::io::Cursor::new(grid.into_bytes()), &options).unwrap();
        let all = Audit::new(&model, AuditParams::default().followers(Listing::All))
            .run_reader(&mut reader, None)
            .unwrap();
        let mut ranked: Vec<(f64, usize)> = all
            .followers
            .iter()
            .map(|f| (f.p_fake, f.position as usize))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let top = ranked[0];
        let second = ranked.iter().find(|p| p.0 < top.0).copied().unwrap();
        let (a, b) = (&rows[top.1], &rows[second.1]);
        let csv = format!("{head}1,ann,2000,300,280\n{a}\n{a}\n{b}\n4,dan,1000,200,150\n");
        let params = AuditParams::default().followers(Listing::MostSuspicious(2));
        let mut reader =
            AccountReader::from_reader(std::io::Cursor::new(csv.clone().into_bytes()), &options)
                .unwrap();
        let blocks = Audit::new(&model, params.clone())
            .run_reader(&mut reader, None)
            .unwrap();
        let mut reader =
            AccountReader::from_reader(std::io::Cursor::new(csv.clone().into_bytes()), &options)
                .unwrap();
        let iterated = Audit::new(&model, params)
            .run_with("iterated", &mut reader, None)
            .unwrap();
        assert_eq!(blocks.duplicates, 1);
        assert_eq!(blocks.followers.len(), 2);
        for f in &blocks.followers {
            assert!(f.id.is_some() && !f.reasons.is_empty(), "{f:?}");
        }
        assert_eq!(blocks.followers, iterated.followers);
    }
}
