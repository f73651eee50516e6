//! The labelled training features shipped in the crate, and models fitted to an export's shape.
//!
//! A [`TrainingSet`] holds the feature rows of every labelled source a platform has (no text,
//! no ids: only the numbers the extractor derives), each row's label and source, what fields
//! each source carries, and which [`FieldGroup`]s each feature column reads. From it,
//! [`TrainingSet::fit`] trains a model that reads exactly the groups an export carries: every
//! column that reads an absent group is held constant, so the model never splits on it, never
//! scores with it and never cites it as a reason. A missing field is thus never read as 0 or
//! false.
//!
//! The model also carries its **leave-one-source-out** rates: for every source, a detector
//! fitted without that source, and calibrated without it, scores it, and the mean P(fake) and
//! the share called fake on it are kept. Their spread around the model's own out-of-fold
//! rates is how unstable the model has shown itself across populations; the audit widens its
//! interval by that spread when the audited list lies far from the training data (see
//! [`TrainingSet::shift`]).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{Account, Label, Platform};
use crate::detector::Detector;
use crate::error::{Error, Result};
use crate::features::{ExportShape, FeatureExtractor, FeatureMatrix, FeatureSet, FieldGroup};
use crate::model::{DatasetInfo, Model, ModelParams, SourceRates};
use crate::nearest::{main_axis, Sorted, LANES};

/// The first bytes of a training-set file.
const TRAINING_MAGIC: [u8; 8] = *b"FATRAIN\x1a";

/// One labelled source of a [`TrainingSet`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SourceInfo {
    /// The source's name, e.g. `botometer-2019/vendor-purchased-2019`.
    pub name: String,
    /// Rows taken from it.
    pub rows: usize,
    /// Of those, rows labelled fake.
    pub fake: usize,
    /// The instant its ages and rates are measured at (its crawl time), when it has no
    /// per-record crawl time.
    pub as_of: Option<DateTime<Utc>>,
    /// The field groups its records carry.
    pub shape: ExportShape,
}

/// Labelled feature rows of several sources: what the default models are trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingSet {
    set: FeatureSet,
    /// Row-major feature values, `labels.len()` rows of `set.len()` columns.
    values: Vec<f32>,
    labels: Vec<Label>,
    /// Index into `sources` of each row.
    source: Vec<u16>,
    sources: Vec<SourceInfo>,
    /// The field groups each column reads.
    column_groups: Vec<Vec<FieldGroup>>,
}

static TWITTER_TRAINING: &[u8] = include_bytes!("../models/twitter-training.fat");
static INSTAGRAM_TRAINING: &[u8] = include_bytes!("../models/instagram-training.fat");
static WEIBO_TRAINING: &[u8] = include_bytes!("../models/weibo-training.fat");

impl TrainingSet {
    /// The training set of a feature set from labelled accounts, one group per source. Each
    /// account's ages are measured at its `crawled_at`, else its source's `as_of`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when an account has no label, or there are more than 65,535
    /// sources.
    pub fn from_sources(
        set: FeatureSet,
        sources: Vec<(String, Option<DateTime<Utc>>, Vec<Account>)>,
    ) -> Result<TrainingSet> {
        if sources.len() > u16::MAX as usize {
            return Err(Error::InvalidData("more than 65,535 sources".into()));
        }
        let mut accounts = Vec::new();
        let mut labels = Vec::new();
        let mut source = Vec::new();
        let mut infos = Vec::new();
        for (k, (name, as_of, list)) in sources.into_iter().enumerate() {
            let shape = ExportShape::of(&list);
            let mut fake = 0;
            let rows = list.len();
            for (i, mut a) in list.into_iter().enumerate() {
                let label = a.label.ok_or_else(|| {
                    Error::InvalidData(format!("{name}: training account {} has no label", i + 1))
                })?;
                fake += usize::from(label.is_fake());
                if a.profile.crawled_at.is_none() {
                    a.profile.crawled_at = as_of;
                }
                labels.push(label);
                source.push(k as u16);
                accounts.push(a);
            }
            infos.push(SourceInfo {
                name,
                rows,
                fake,
                as_of,
                shape,
            });
        }
        // Ages at each account's crawl time: a fixed clock only for accounts with none.
        let clock = DateTime::<Utc>::from_timestamp(0, 0).expect("the epoch");
        let fx = FeatureExtractor::new(set).with_clock(clock);
        let base = fx.extract(&accounts);
        let d = set.len();
        // Which groups each column reads: the columns that change when the group is blanked.
        let mut column_groups = vec![Vec::new(); d];
        for g in FieldGroup::ALL {
            let copies: Vec<Account> = accounts
                .iter()
                .map(|a| FieldGroup::masked(a, &[g]))
                .collect();
            let m = fx.extract(&copies);
            for (c, groups) in column_groups.iter_mut().enumerate() {
                let changed = base
                    .values()
                    .column(c)
                    .iter()
                    .zip(m.values().column(c))
                    .any(|(a, b)| a.to_bits() != b.to_bits());
                if changed {
                    groups.push(g);
                }
            }
        }
        Ok(TrainingSet {
            set,
            values: base.values().iter().map(|&v| v as f32).collect(),
            labels,
            source,
            sources: infos,
            column_groups,
        })
    }

    /// The training set shipped for a platform: Twitter/X (also used for other platforms),
    /// Instagram or Weibo.
    pub fn embedded(platform: Platform) -> &'static TrainingSet {
        static TW: OnceLock<TrainingSet> = OnceLock::new();
        static IG: OnceLock<TrainingSet> = OnceLock::new();
        static WB: OnceLock<TrainingSet> = OnceLock::new();
        match platform {
            Platform::Weibo => WB.get_or_init(|| {
                TrainingSet::from_bytes(WEIBO_TRAINING)
                    .expect("the embedded Weibo training set is valid (tested)")
            }),
            Platform::Instagram => IG.get_or_init(|| {
                TrainingSet::from_bytes(INSTAGRAM_TRAINING)
                    .expect("the embedded Instagram training set is valid (tested)")
            }),
            _ => TW.get_or_init(|| {
                TrainingSet::from_bytes(TWITTER_TRAINING)
                    .expect("the embedded Twitter training set is valid (tested)")
            }),
        }
    }

    /// The embedded training set `model` was fitted on, if it was fitted on one (as every
    /// embedded model and every [`Model::for_export`] model is): the set of the model's schema
    /// whose sources (names and row counts) are the model's training datasets and whose labels
    /// are, row for row, those of the model's validation scores. `None` for a model fitted on
    /// other accounts.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Model, Platform, TrainingSet};
    /// let set = TrainingSet::of_model(&Model::default_twitter()).unwrap();
    /// assert!(std::ptr::eq(set, TrainingSet::embedded(Platform::Twitter)));
    /// ```
    pub fn of_model(model: &Model) -> Option<&'static TrainingSet> {
        let labels = model.validation().labels.as_slice();
        let set = if model.schema().name() == FeatureSet::Instagram.schema_name() {
            FeatureSet::Instagram
        } else {
            FeatureSet::Twitter
        };
        platforms_sharing(set)
            .iter()
            .map(|&p| TrainingSet::embedded(p))
            .find(|t| {
                let datasets = &model.provenance().datasets;
                t.labels() == labels
                    && t.set.schema().check(model.schema()).is_ok()
                    && datasets.len() == t.sources.len()
                    && datasets.iter().zip(&t.sources).all(|(d, s)| {
                        (d.name.as_str(), d.rows, d.fake) == (s.name.as_str(), s.rows, s.fake)
                    })
            })
    }

    /// The platform whose embedded training set this is ([`TrainingSet::embedded`]); `None`
    /// for any other set.
    pub(crate) fn embedded_platform(&self) -> Option<Platform> {
        platforms_sharing(self.set)
            .iter()
            .copied()
            .find(|&p| std::ptr::eq(TrainingSet::embedded(p), self))
    }

    /// The feature set of the rows.
    pub fn feature_set(&self) -> FeatureSet {
        self.set
    }

    /// The sources, in row order.
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// Every row's label.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// Every row's source (an index into [`TrainingSet::sources`]).
    pub fn source_of_rows(&self) -> &[u16] {
        &self.source
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The rows of source `k` (an index into [`TrainingSet::sources`]).
    pub fn rows_of(&self, k: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.source[i] as usize == k)
            .collect()
    }

    /// The training set without the sources in `drop` (indices into
    /// [`TrainingSet::sources`]): what a leave-one-source-out fold trains on.
    pub fn without(&self, drop: &[usize]) -> TrainingSet {
        let d = self.set.len();
        let keep: Vec<usize> = (0..self.sources.len())
            .filter(|k| !drop.contains(k))
            .collect();
        let mut out = TrainingSet {
            set: self.set,
            values: Vec::new(),
            labels: Vec::new(),
            source: Vec::new(),
            sources: keep.iter().map(|&k| self.sources[k].clone()).collect(),
            column_groups: self.column_groups.clone(),
        };
        for i in 0..self.len() {
            if let Some(new) = keep.iter().position(|&k| k == self.source[i] as usize) {
                out.values
                    .extend_from_slice(&self.values[i * d..(i + 1) * d]);
                out.labels.push(self.labels[i]);
                out.source.push(new as u16);
            }
        }
        out
    }

    /// The field groups column `c` reads (empty when no training row shows a dependence).
    pub fn column_groups(&self, c: usize) -> &[FieldGroup] {
        &self.column_groups[c]
    }

    /// The shape a model should read for an export of `shape`: the groups both the export and
    /// some training source carry.
    pub fn trainable(&self, shape: &ExportShape) -> ExportShape {
        let any = ExportShape::new(
            self.sources
                .iter()
                .flat_map(|s| s.shape.present().iter().copied()),
        );
        shape.intersect(&any)
    }

    /// Whether column `c` reads only groups of `shape`.
    pub fn usable(&self, c: usize, shape: &ExportShape) -> bool {
        self.column_groups[c].iter().all(|g| shape.has(*g))
    }

    /// The feature matrix of `rows` (all rows when `None`) with every column that reads a
    /// group outside `shape` set to 0.
    pub fn matrix(&self, shape: &ExportShape, rows: Option<&[usize]>) -> FeatureMatrix {
        let d = self.set.len();
        let keep: Vec<bool> = (0..d).map(|c| self.usable(c, shape)).collect();
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..self.len()).collect();
                &all
            }
        };
        let mut values = Array2::zeros((rows.len(), d));
        for (i, &r) in rows.iter().enumerate() {
            let src = &self.values[r * d..(r + 1) * d];
            for c in 0..d {
                if keep[c] {
                    values[[i, c]] = f64::from(src[c]);
                }
            }
        }
        FeatureMatrix::from_trusted(self.set.schema(), values)
    }

    /// A model that reads exactly the groups of `shape` that the training data has, trained
    /// with `params` on every row, with its leave-one-source-out rates.
    ///
    /// # Errors
    /// As [`ModelParams::fit_variants`].
    pub fn fit(&self, shape: &ExportShape, params: &ModelParams) -> Result<Model> {
        self.fit_shape(shape, params, true)
    }

    /// As [`TrainingSet::fit`], without the leave-one-source-out rates when `rates` is false:
    /// one model fit instead of one plus up to one per source (the audit's narrower models for
    /// followers that lack a field, whose rates nothing reads).
    pub(crate) fn fit_shape(
        &self,
        shape: &ExportShape,
        params: &ModelParams,
        rates: bool,
    ) -> Result<Model> {
        let shape = self.trainable(shape);
        let x = self.matrix(&shape, None);
        let datasets: Vec<DatasetInfo> = self
            .sources
            .iter()
            .map(|s| DatasetInfo {
                name: s.name.clone(),
                rows: s.rows,
                fake: s.fake,
            })
            .collect();
        let model = params.fit_variants(&[("all_fields", &x)], &self.labels, &datasets)?;
        let rates = if rates {
            self.source_rates(&model, &x, params)?
        } else {
            Vec::new()
        };
        Ok(model.with_fields(shape, rates))
    }

    /// For each source, the rates on it of a model fitted without it: the detector and its
    /// calibration (on the detector's out-of-fold scores) trained on the other sources alone,
    /// as [`ModelParams::fit_variants`] trains the model itself. Neither saw the source it is
    /// measured on.
    fn source_rates(
        &self,
        model: &Model,
        x: &FeatureMatrix,
        params: &ModelParams,
    ) -> Result<Vec<SourceRates>> {
        let threshold = model.threshold();
        (0..self.sources.len())
            .into_par_iter()
            .map(|k| {
                let (inside, outside): (Vec<usize>, Vec<usize>) =
                    (0..self.len()).partition(|&i| self.source[i] as usize == k);
                let y: Vec<Label> = outside.iter().map(|&i| self.labels[i]).collect();
                let both = y.iter().any(|l| l.is_fake()) && y.iter().any(|l| !l.is_fake());
                if inside.is_empty() || !both {
                    return Ok(None);
                }
                let refit = params.fit(&x.select_rows(&outside), &y)?;
                let p = refit.predict_proba(&x.select_rows(&inside))?;
                let mut out = Vec::new();
                for label in [Label::Fake, Label::Genuine] {
                    let v: Vec<f64> = inside
                        .iter()
                        .zip(&p)
                        .filter(|(&i, _)| self.labels[i] == label)
                        .map(|(_, &p)| p)
                        .collect();
                    if v.is_empty() {
                        continue;
                    }
                    let n = v.len();
                    out.push(SourceRates {
                        source: self.sources[k].name.clone(),
                        label,
                        rows: n,
                        mean_p_fake: v.iter().sum::<f64>() / n as f64,
                        called_fake: v.iter().filter(|&&p| p >= threshold).count() as f64
                            / n as f64,
                    });
                }
                Ok(Some(out))
            })
            .collect::<Result<Vec<_>>>()
            .map(|v| v.into_iter().flatten().flatten().collect())
    }

    /// How far the audited rows `x` lie from the training rows, in the columns a model of
    /// `shape` reads, and which training rows they resemble.
    ///
    /// Distances are Euclidean over those columns, each scaled by its training standard
    /// deviation. A reference of up to 3,000 training rows (a seeded draw, the same for every
    /// call) gives each reference row's distance to its nearest other reference row; their
    /// 95th percentile is the edge of the training support. The result's `outside` is the share of
    /// the audited rows whose nearest reference row is farther than that edge: about 5% for a
    /// list like the training data, more the farther it lies. Up to `max_rows` audited rows are
    /// looked at (a seeded draw when there are more).
    ///
    /// Its `votes` counts, for every training row, how many of the looked-at rows have it
    /// among their `NEIGHBOURS` (5) nearest training rows: a nearest-neighbour estimate of how
    /// much likelier the audited list makes each training row. Its `neighbours` holds each
    /// looked-at row's nearest rows of each class, from which the audit weights the model's
    /// validation scores class by class (see [`crate::Audit::probe`]).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when `x` has no row; [`Error::SchemaMismatch`] when `x` is not
    /// of this set's schema.
    pub fn shift(&self, shape: &ExportShape, x: &FeatureMatrix, max_rows: usize) -> Result<Shift> {
        self.set.schema().check(x.schema())?;
        if x.nrows() == 0 {
            return Err(Error::InvalidData(
                "no account to compare with the training data".into(),
            ));
        }
        let shape = self.trainable(shape);
        let d = self.set.len();
        // Columns that vary in the training data, and their scales.
        let mut cols = Vec::new();
        let mut scale = Vec::new();
        let n = self.len();
        if n < 2 {
            return Err(Error::InvalidData(format!(
                "{n} training rows: at least 2 are needed to measure a shift"
            )));
        }
        for c in 0..d {
            if !self.usable(c, &shape) {
                continue;
            }
            let col = (0..n).map(|r| f64::from(self.values[r * d + c]));
            let mean = col.clone().sum::<f64>() / n as f64;
            let var = col.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            if var > 1e-12 {
                cols.push(c);
                scale.push(1.0 / var.sqrt());
            }
        }
        // The scaled training rows, one after another, each padded with zeros to a multiple
        // of the distance loop's lane count (padding adds 0 to every distance). Single
        // precision: twice the lanes per instruction, and ample for ranking neighbours.
        let m = cols.len().div_ceil(LANES) * LANES;
        let mut train = vec![0.0f32; n * m];
        for r in 0..n {
            for (k, (&c, &s)) in cols.iter().zip(&scale).enumerate() {
                train[r * m + k] = (f64::from(self.values[r * d + c]) * s) as f32;
            }
        }
        let train = &train;
        let row = |j: usize| &train[j * m..(j + 1) * m];
        let rows = seeded_subset(x.nrows(), max_rows, 0x5eed + 1);
        if cols.is_empty() {
            // No column the shape reads varies in the training data: nothing to compare.
            return Ok(Shift::new(0.0, rows.len()));
        }
        let reference = seeded_subset(n, 3000, 0x5eed);
        // Searches scan the rows outward along their main axis (from a thinned draw of the
        // reference): any axis gives the same, exact results; a good one skips the most.
        let thinned: Vec<usize> = reference.iter().copied().step_by(4).collect();
        let axis = main_axis(train, m, &thinned);
        let (fakes, genuine): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| self.labels[i].is_fake());
        let (by_reference, (by_fake, by_genuine)) = rayon::join(
            || Sorted::new(train, m, &reference, &axis),
            || {
                rayon::join(
                    || Sorted::new(train, m, &fakes, &axis),
                    || Sorted::new(train, m, &genuine, &axis),
                )
            },
        );
        // Each reference row's squared distance to its nearest other reference row.
        let mut inner: Vec<f32> = reference
            .par_iter()
            .map(|&i| by_reference.nearest(row(i), Some(i)))
            .collect();
        inner.sort_by(f32::total_cmp);
        let edge = inner[((inner.len() as f64 * 0.95) as usize).min(inner.len() - 1)];
        // For each looked-at row: its `NEIGHBOURS` nearest training rows, and as many of each
        // class (by squared distance, then row index), and whether its nearest reference row
        // is beyond the edge.
        let ids =
            |near: Vec<(f32, usize)>| -> Vec<usize> { near.into_iter().map(|(_, j)| j).collect() };
        let found: Vec<(bool, Vec<usize>, [Vec<usize>; 2])> = rows
            .par_iter()
            .map(|&r| {
                let mut q = vec![0.0f32; m];
                for (k, (&c, &s)) in cols.iter().zip(&scale).enumerate() {
                    q[k] = (x.values()[[r, c]] * s) as f32;
                }
                let (near_fake, near_genuine) = (
                    by_fake.k_nearest(&q, NEIGHBOURS),
                    by_genuine.k_nearest(&q, NEIGHBOURS),
                );
                // The nearest rows of both classes are the nearest of the two classes' own,
                // merged in the same order (squared distance, then row index).
                let mut near: Vec<(f32, usize)> =
                    near_fake.iter().chain(&near_genuine).copied().collect();
                near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                near.truncate(NEIGHBOURS);
                (
                    by_reference.nearest(&q, None) > edge,
                    ids(near),
                    [ids(near_fake), ids(near_genuine)],
                )
            })
            .collect();
        let mut votes = vec![0u32; n];
        let mut outside = 0;
        let mut neighbours = Vec::with_capacity(found.len());
        for (out, near, by_class) in found {
            outside += usize::from(out);
            for &j in &near {
                votes[j] += 1;
            }
            neighbours.push(by_class);
        }
        let mut shift = Shift::new(outside as f64 / rows.len() as f64, rows.len());
        shift.votes = votes;
        shift.looked = rows;
        shift.neighbours = neighbours;
        Ok(shift)
    }

    /// The training set in its file form: magic bytes, then postcard.
    ///
    /// # Errors
    /// [`Error::Model`] when serialization fails.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = TRAINING_MAGIC.to_vec();
        out.extend(
            postcard::to_allocvec(self).map_err(|e| Error::Model(format!("serializing: {e}")))?,
        );
        Ok(out)
    }

    /// Reads [`TrainingSet::to_bytes`]'s form.
    ///
    /// # Errors
    /// [`Error::Model`] when the bytes are not a valid training set.
    pub fn from_bytes(bytes: &[u8]) -> Result<TrainingSet> {
        if bytes.len() < 8 || bytes[..8] != TRAINING_MAGIC {
            return Err(Error::Model(
                "not a follower-audit training set (bad magic bytes)".into(),
            ));
        }
        let t: TrainingSet = postcard::from_bytes(&bytes[8..])
            .map_err(|e| Error::Model(format!("corrupt training set: {e}")))?;
        let d = t.set.len();
        let n = t.labels.len();
        if t.values.len() != n * d
            || t.source.len() != n
            || t.column_groups.len() != d
            || t.source.iter().any(|&s| s as usize >= t.sources.len())
            || t.values.iter().any(|v| !v.is_finite())
        {
            return Err(Error::Model(
                "corrupt training set: inconsistent sizes".into(),
            ));
        }
        Ok(t)
    }
}

/// Up to `k` of `0..n`, ascending: all when `n <= k`, else a seeded uniform draw.
/// The platforms whose embedded training sets have the feature set `set` (Weibo's is
/// Twitter/X's).
fn platforms_sharing(set: FeatureSet) -> &'static [Platform] {
    if set == FeatureSet::Instagram {
        &[Platform::Instagram]
    } else {
        &[Platform::Twitter, Platform::Weibo]
    }
}

fn seeded_subset(n: usize, k: usize, seed: u64) -> Vec<usize> {
    if n <= k {
        return (0..n).collect();
    }
    use rand::seq::index::sample;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut v = sample(&mut rng, n, k).into_vec();
    v.sort_unstable();
    v
}

/// Training rows each audited row votes for in [`TrainingSet::shift`], and the nearest rows
/// of each class it finds.
pub const NEIGHBOURS: usize = 5;

/// How far an audited list lies from the training data (see [`TrainingSet::shift`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shift {
    /// Share of the looked-at accounts outside the training support (about 0.05 for a list
    /// like the training data).
    pub outside: f64,
    /// Accounts looked at.
    pub rows: usize,
    /// How much of the leave-one-source-out spread of the error rates the interval takes in,
    /// from 0 (a list like the training data) to 1 (a list unlike it).
    pub weight: f64,
    /// Per training row, how many looked-at rows have it among their nearest neighbours.
    pub votes: Vec<u32>,
    /// The looked-at rows of the audited matrix, ascending.
    #[serde(default)]
    pub looked: Vec<usize>,
    /// Per looked-at row, its [`NEIGHBOURS`] nearest fake and nearest genuine training rows
    /// (indices into the training set; fewer when a class has fewer rows).
    #[serde(default)]
    pub neighbours: Vec<[Vec<usize>; 2]>,
}

/// The share outside the support expected of a list drawn like the training data.
const BASELINE_OUTSIDE: f64 = 0.05;
/// The excess share outside the support at which the whole cross-source spread is taken in:
/// a list with twice the baseline share outside the support is treated as fully shifted (why
/// not more: `docs/performance.md`).
const FULL_SHIFT_EXCESS: f64 = 0.05;

impl Shift {
    /// A shift with `outside` of `rows` accounts outside the support.
    pub fn new(outside: f64, rows: usize) -> Shift {
        let weight = ((outside - BASELINE_OUTSIDE) / FULL_SHIFT_EXCESS).clamp(0.0, 1.0);
        Shift {
            outside,
            rows,
            weight,
            votes: Vec::new(),
            looked: Vec::new(),
            neighbours: Vec::new(),
        }
    }

    /// `low`, `moderate` or `high`.
    pub fn level(&self) -> &'static str {
        ShiftLevel::of_weight(self.weight).name()
    }

    /// A plain warning when the shift is not low.
    pub fn warning(&self) -> Option<String> {
        (self.level() != "low").then(|| format!("{}; {WIDENED}", unlike(self.outside)))
    }
}

/// The support signal's reason in a shift warning: `outside` of the accounts lie outside the
/// training support.
pub(crate) fn unlike(outside: f64) -> String {
    format!(
        "{:.0}% of these accounts look unlike any account the model was trained on",
        100.0 * outside
    )
}

/// How every shift warning ends, after its reasons.
pub(crate) const WIDENED: &str = "the interval is widened by how much the model's error \
    rates varied across the training sources, and the estimate is less certain than usual";

/// How far an audited list lies from the training data ([`crate::report::ShiftReport::level`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShiftLevel {
    /// Under a quarter of the cross-source spread is taken in.
    Low,
    /// A quarter to three quarters.
    Moderate,
    /// Three quarters or more.
    High,
}

impl ShiftLevel {
    /// The level of a shift weight (0 to 1).
    pub(crate) fn of_weight(weight: f64) -> ShiftLevel {
        if weight < 0.25 {
            ShiftLevel::Low
        } else if weight < 0.75 {
            ShiftLevel::Moderate
        } else {
            ShiftLevel::High
        }
    }

    /// The level's name as the reports write it: `low`, `moderate` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            ShiftLevel::Low => "low",
            ShiftLevel::Moderate => "moderate",
            ShiftLevel::High => "high",
        }
    }
}

impl std::fmt::Display for ShiftLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
