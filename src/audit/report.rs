//! The audit's result: plain serde data with stable keys.

use serde::{Deserialize, Serialize};

use crate::account::Label;
use crate::bursts::{largest_in_order, Burst};
use crate::detector::Reason;
use crate::features::{ExportShape, FieldGroup};
use crate::formats::Rejection;
use crate::quantify::{RateShift, ShareEstimate};
use crate::training::ShiftLevel;

use super::engagement::EngagementReport;
use super::params::{ListKind, Listing};
use super::rows_csv::csv_error;

/// An estimated count with its interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CountInterval {
    /// The point estimate.
    pub estimate: f64,
    /// Lower end.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

/// How the scored followers split, at the model's thresholds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Breakdown {
    /// P(fake) at or above the upper threshold.
    pub likely_fake: u64,
    /// P(fake) below the lower threshold and active.
    pub likely_genuine: u64,
    /// P(fake) below the decision threshold but inactive (few posts): real people who rarely
    /// post, kept apart from fakes because they are the most common false positive.
    pub inactive_genuine: u64,
    /// Everything else: the model is not sure.
    pub uncertain: u64,
}

/// Which model scored the audit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelInfo {
    /// The detector's name.
    pub detector: String,
    /// The feature schema, e.g. `twitter v1 (62 features)`.
    pub schema: String,
    /// The decision threshold on P(fake).
    pub threshold: f64,
    /// What it was trained on.
    pub trained_on: Vec<String>,
    /// The crate version that trained it.
    pub library_version: String,
    /// The field groups the model reads, when it was fitted to an export's shape.
    pub fields: Option<Vec<FieldGroup>>,
}

/// Which field groups the input carries, from the leading sample [`crate::Audit::probe`]
/// looked at (without a probe, the uniform sample the shift is measured on), and which of
/// them the model reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldsReport {
    /// Records looked at (without a probe: the uniform sample's accounts, one per distinct
    /// feature row).
    pub looked_at: usize,
    /// Groups at least one of them carries.
    pub present: Vec<FieldGroup>,
    /// Groups none of them carries.
    pub absent: Vec<FieldGroup>,
    /// Groups the model reads: the present ones some training source also has.
    pub model_reads: Vec<FieldGroup>,
    /// Per group the model reads, the followers that lacked it (a blank `created_at`, a count
    /// left empty) and were scored by a model fitted without it, so that their missing value
    /// was not read as 0. Only groups some follower lacked; only for models fitted on an
    /// embedded training set (any other model reads such a value as its feature's 0).
    #[serde(default)]
    pub scored_without: std::collections::BTreeMap<FieldGroup, u64>,
}

impl FieldsReport {
    /// [`FieldsReport::scored_without`] in words (`"12 without created_at, 3 without
    /// counts"`), `None` when no follower lacked a group.
    pub fn scored_without_text(&self) -> Option<String> {
        if self.scored_without.is_empty() {
            return None;
        }
        let lacked: Vec<String> = self
            .scored_without
            .iter()
            .map(|(g, n)| format!("{n} without {g}"))
            .collect();
        Some(lacked.join(", "))
    }

    /// `looked_at` records of `shape`, read by a model of the groups in `reads`.
    pub(crate) fn new(looked_at: usize, shape: &ExportShape, reads: &ExportShape) -> Self {
        FieldsReport {
            looked_at,
            present: shape.present().to_vec(),
            absent: shape.absent(),
            model_reads: reads.present().to_vec(),
            scored_without: Default::default(),
        }
    }
}

/// How far the audited list lies from the labelled training data, and what it did to the
/// interval (see [`crate::Audit::probe`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShiftReport {
    /// Share of the looked-at accounts outside the training support (about 0.05 for a list
    /// drawn like the training data).
    pub outside_support: f64,
    /// Accounts looked at.
    pub accounts: usize,
    /// The share of the cross-source spread of the error rates the interval takes in, 0 to 1.
    pub weight: f64,
    /// How far the list lies from the training data (`low`, `moderate` or `high` in JSON).
    pub level: ShiftLevel,
    /// A plain warning when the shift is not low.
    pub warning: Option<String>,
    /// Share of the scored accounts whose P(fake) lies in the band around the threshold that
    /// holds as many validation scores as the model got wrong: how unsure the model is of
    /// this list. `None` when
    /// the model made no validation error, so that there is no band.
    #[serde(default)]
    pub uncertain_share: Option<f64>,
    /// The share of validation accounts in that band (the larger class's): what a list like
    /// the training data shows at most.
    #[serde(default)]
    pub uncertain_expected: Option<f64>,
    /// The spread of the model's error rates across its leave-one-source-out folds (for a rate
    /// no held-out source measured, as with the one-source Weibo model or any model without
    /// [`crate::Model::source_rates`], that of a rate known only to lie between 0 and 1,
    /// about 0.29).
    pub rate_spread: RateShift,
    /// Distinct training fakes whose validation scores set the error rates, each weighted by
    /// the shares of the list's accounts' votes it got (a list account's vote goes to its
    /// nearest fakes with the chance that it is fake); 0 when too few votes went to fakes and
    /// every training fake's score counts alike.
    pub matched_fake: usize,
    /// The same for genuine training accounts.
    pub matched_genuine: usize,
}

/// A plain trait of an account (no bio, follows over 1,000 accounts, ...) and how many of the
/// likely fakes and of the other followers have it: what the likely fakes have in common.
/// Only followers whose export carries the trait's field are judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FakeTrait {
    /// Stable key, e.g. `no_bio`.
    pub name: String,
    /// The trait in words, as in "72% have no bio".
    pub text: String,
    /// Likely fakes with the trait.
    pub likely_fake: u64,
    /// Likely fakes judged (their export carries the field).
    pub likely_fake_judged: u64,
    /// Other followers with the trait.
    pub others: u64,
    /// Other followers judged.
    pub others_judged: u64,
}

/// One scored follower.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FollowerScore {
    /// 0-based position in the input list (0 = newest follower).
    pub position: u64,
    /// The platform id, when the export has one.
    pub id: Option<String>,
    /// The handle.
    pub screen_name: Option<String>,
    /// Calibrated P(fake).
    pub p_fake: f64,
    /// The label at the model's threshold.
    pub label: Label,
    /// Which breakdown group it falls in (`likely_fake`, `likely_genuine`,
    /// `inactive_genuine` or `uncertain` in JSON and CSV).
    pub group: FollowerGroup,
    /// The main reasons, strongest first.
    pub reasons: Vec<Reason>,
}

/// The fake share along the follow order, for charts: one point per window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Timeline {
    /// Position of each window's middle.
    pub position: Vec<u64>,
    /// Mean P(fake) in each window.
    pub fake_share: Vec<f64>,
}

/// Everything an audit found. Top-level keys are stable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditReport {
    /// Name of the audited input.
    pub source: String,
    /// The account's name for readers of the report, when the caller gave one
    /// ([`AuditParams::label`](crate::AuditParams::label)).
    #[serde(default)]
    pub label: Option<String>,
    /// When the audit ran, RFC 3339 in UTC: the audit's clock
    /// ([`AuditParams::clock`](crate::AuditParams::clock) when set, so that a report with a
    /// fixed clock is reproducible; else the time the run started).
    #[serde(default)]
    pub audited_at: String,
    /// Records read from the input (= `scored + rejected + not_sampled`).
    pub records_read: u64,
    /// Followers scored.
    pub scored: u64,
    /// Records rejected (bad or duplicate), see `rejections`.
    pub rejected: u64,
    /// Valid records left out because a sample was drawn.
    pub not_sampled: u64,
    /// Rejected records that repeat an earlier id (included in `rejected`).
    pub duplicates: u64,
    /// Each rejection with its record number and reason.
    pub rejections: Vec<Rejection>,
    /// The total follower count the caller gave (for the finite-population correction).
    pub population: Option<u64>,
    /// Share of genuine followers, by the chosen estimator.
    pub genuine_share: ShareEstimate,
    /// Share of fake followers (the complement of `genuine_share`).
    pub fake_share: ShareEstimate,
    /// Every estimator's answer, for comparison.
    pub estimates: Vec<ShareEstimate>,
    /// Share of followers the model labels fake at its threshold, uncorrected (classify and
    /// count); what most audit tools report.
    pub naive_fake_share: f64,
    /// Estimated fake followers in the population (or in the list, without a population).
    pub fake_count_estimate: CountInterval,
    /// The split of scored followers.
    pub breakdown: Breakdown,
    /// Histogram of P(fake): counts in 20 equal bins over [0, 1].
    pub histogram: Vec<u64>,
    /// The fake share along the follow order.
    pub timeline: Timeline,
    /// Bought-follower bursts along the list's order. Empty for an engagement list whose
    /// bursts were found over time: those are in `engagement`.
    pub bursts: Vec<Burst>,
    /// The model used.
    pub model: ModelInfo,
    /// How account ages were measured: `as_of`, `crawled` or `clock`, with the time used.
    pub time_reference: String,
    /// The sampling seed.
    pub seed: u64,
    /// Per-follower scores and reasons of the followers `listing` names: by default the
    /// 1,000 most suspicious, highest P(fake) first.
    pub followers: Vec<FollowerScore>,
    /// Which followers `followers` lists.
    pub listing: Listing,
    /// Length of the input list in positions (records read, valid or not): the x range of
    /// `timeline` and `bursts`.
    pub positions: u64,
    /// Which field groups the input carries (when the audit probed it, or its model was
    /// fitted on an embedded training set: see [`crate::Audit::new`]).
    pub fields: Option<FieldsReport>,
    /// How far the list lies from the training data (when the audit probed it, or its model
    /// was fitted on an embedded training set: see [`crate::Audit::new`]).
    pub shift: Option<ShiftReport>,
    /// What the likely fakes have in common, trait by trait, beside the other followers.
    pub fake_traits: Vec<FakeTrait>,
    /// What the list holds: `followers` or `engagers` ([`AuditParams::list`](crate::AuditParams::list)).
    /// The other keys keep their names (`followers`, ...) either way.
    #[serde(default)]
    pub list: ListKind,
    /// For an engagement list, what its engagement times show (bursts in time); `None` for
    /// followers.
    #[serde(default)]
    pub engagement: Option<EngagementReport>,
}

impl AuditReport {
    /// The names of [`AuditReport::write_summary_csv`]'s columns, in order.
    pub const SUMMARY_COLUMNS: [&'static str; 19] = [
        "source",
        "label",
        "records_read",
        "scored",
        "rejected",
        "method",
        "genuine_share",
        "ci_low",
        "ci_high",
        "fake_count_estimate",
        "fake_count_low",
        "fake_count_high",
        "model_reads",
        "shift_level",
        "shift_weight",
        "outside_support",
        "uncertain_share",
        "uncertain_expected",
        "shift_warning",
    ];

    /// Writes the audit's headline as one CSV row, after the header row when `header` is
    /// true: the genuine share with its interval, the fake count, the fields the model read
    /// and the shift diagnostic ([`AuditReport::SUMMARY_COLUMNS`]). The per-follower rows
    /// stream to their own CSV while the audit runs; this is the row a spreadsheet of
    /// several accounts needs (write the header once, then one row per audit). Shares are
    /// written with six decimals; what the audit did not measure (no shift for a model fitted
    /// on other accounts and never probed) is left empty.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) when writing fails.
    pub fn write_summary_csv<W: std::io::Write>(&self, out: W, header: bool) -> crate::Result<()> {
        let six = |v: f64| format!("{v:.6}");
        let g = &self.genuine_share;
        let c = &self.fake_count_estimate;
        let sh = self.shift.as_ref();
        let opt = |f: &dyn Fn(&ShiftReport) -> String| sh.map_or(String::new(), f);
        let row = [
            self.source.clone(),
            self.label.clone().unwrap_or_default(),
            self.records_read.to_string(),
            self.scored.to_string(),
            self.rejected.to_string(),
            g.method.name().to_string(),
            six(g.estimate),
            six(g.ci_low),
            six(g.ci_high),
            format!("{:.0}", c.estimate),
            format!("{:.0}", c.ci_low),
            format!("{:.0}", c.ci_high),
            self.model_reads()
                .map_or(String::new(), |f| FieldGroup::join(f, " ")),
            opt(&|s| s.level.name().to_string()),
            opt(&|s| six(s.weight)),
            opt(&|s| six(s.outside_support)),
            opt(&|s| s.uncertain_share.map_or(String::new(), six)),
            opt(&|s| s.uncertain_expected.map_or(String::new(), six)),
            opt(&|s| s.warning.clone().unwrap_or_default()),
        ];
        let mut w = csv::Writer::from_writer(out);
        let name = "summary CSV";
        if header {
            w.write_record(Self::SUMMARY_COLUMNS)
                .map_err(|e| csv_error(name, e))?;
        }
        w.write_record(&row).map_err(|e| csv_error(name, e))?;
        w.flush().map_err(|err| crate::Error::Io {
            origin: name.into(),
            err,
        })
    }
}

impl AuditReport {
    /// The field groups the model read: those it was fitted to, else (a model read as it
    /// is) the ones [`FieldsReport::model_reads`] found; `None` when neither is known.
    pub fn model_reads(&self) -> Option<&[FieldGroup]> {
        self.model
            .fields
            .as_deref()
            .or(self.fields.as_ref().map(|f| f.model_reads.as_slice()))
    }

    /// The `n` bursts with the most bought followers (ties: the earlier first), in follow
    /// order, each with its index in [`AuditReport::bursts`]: what a summary lists when a
    /// long list has many bursts.
    pub fn largest_bursts(&self, n: usize) -> Vec<(usize, &Burst)> {
        largest_in_order(&self.bursts, n, |b| b.estimated_bought)
    }
}

/// The breakdown group of a follower ([`Breakdown`] counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FollowerGroup {
    /// P(fake) at or above the upper band.
    LikelyFake,
    /// P(fake) below the lower band.
    LikelyGenuine,
    /// Hardly ever posts, but below the threshold: a lurker, not a fake.
    InactiveGenuine,
    /// Between the bands.
    Uncertain,
}

impl FollowerGroup {
    /// The group's name as the reports write it, e.g. `likely_fake`.
    pub fn name(self) -> &'static str {
        match self {
            FollowerGroup::LikelyFake => "likely_fake",
            FollowerGroup::LikelyGenuine => "likely_genuine",
            FollowerGroup::InactiveGenuine => "inactive_genuine",
            FollowerGroup::Uncertain => "uncertain",
        }
    }
}

impl std::fmt::Display for FollowerGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
