//! How to run an audit: [`AuditParams`] and which followers the report lists ([`Listing`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bursts::BurstParams;
use crate::error::{Error, Result};
use crate::quantify::Method;

/// Number of bins of [`AuditReport::histogram`].
pub const HISTOGRAM_BINS: usize = 20;

/// The estimator an audit reports by default: probabilistic adjusted classify and count (PACC,
/// Bella et al. 2010), the mean calibrated P(fake) corrected with the model's mean scores on
/// held-out fake and genuine accounts.
///
/// Its interval carries the uncertainty of the classifier's error rates, as ACC's does; of
/// those two, the benchmark's artificial prevalence protocol chose it (the README's benchmark
/// section; the figures are in `docs/performance.md`). EM's interval covers sampling only: on
/// an all-genuine list it collapses to [0, 0], a certainty the model's own errors do not
/// allow. Every estimator is in [`AuditReport::estimates`].
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
    /// order). Reasons are worked out only for followers that may still enter the list, not
    /// for every follower.
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

/// What the audited list holds ([`AuditParams::list`]): an account's followers, or the
/// accounts that engaged with one post (its likers, reposters or commenters).
///
/// The scoring and the estimates are the same for both; an engagement list changes the
/// report's words ("engagers") and how bursts are found: over the engagement times
/// ([`Account::engaged_at`](crate::Account::engaged_at)) when most engagers carry one, in
/// engagements per minute, rather than along the list's order (see
/// [`EngagementReport`](crate::report::EngagementReport)). Serialized as `"followers"` or
/// `"engagers"`.
///
/// # Examples
/// ```
/// use follower_audit::ListKind;
/// assert_eq!("engagers".parse::<ListKind>().unwrap(), ListKind::Engagers);
/// assert_eq!(ListKind::Engagers.noun(), "engagers");
/// assert!("likes".parse::<ListKind>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListKind {
    /// The followers of an account, newest first (the default).
    #[default]
    Followers,
    /// The likers, reposters or commenters of a post.
    Engagers,
}

impl ListKind {
    /// What the report calls the listed accounts: `followers` or `engagers`.
    pub fn noun(self) -> &'static str {
        match self {
            ListKind::Followers => "followers",
            ListKind::Engagers => "engagers",
        }
    }

    /// One listed account: `follower` or `engager`.
    pub fn noun_one(self) -> &'static str {
        match self {
            ListKind::Followers => "follower",
            ListKind::Engagers => "engager",
        }
    }
}

impl std::fmt::Display for ListKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
}

impl std::str::FromStr for ListKind {
    type Err = Error;

    /// `followers` or `engagers` (also `follower`, `engager`, `engagement`; any letter case).
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "followers" | "follower" => Ok(ListKind::Followers),
            "engagers" | "engager" | "engagement" => Ok(ListKind::Engagers),
            _ => Err(Error::InvalidParams {
                name: "list".into(),
                reason: format!("{s:?} is not `followers` or `engagers`"),
            }),
        }
    }
}

/// Followers a report lists by default: the most suspicious this many.
pub const DEFAULT_LISTED: usize = 1000;

/// An account with fewer posts than this counts as inactive for the breakdown.
pub const INACTIVE_MAX_POSTS: u64 = 10;

/// How to run an [`Audit`](crate::Audit). A consuming builder; [`Audit::run`](crate::Audit::run)
/// validates it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditParams {
    pub(super) method: Method,
    pub(super) confidence: f64,
    pub(super) population: Option<u64>,
    pub(super) sample: Option<usize>,
    pub(super) seed: u64,
    pub(super) as_of: Option<DateTime<Utc>>,
    pub(super) clock: Option<DateTime<Utc>>,
    pub(super) bootstrap: usize,
    pub(super) listing: Listing,
    pub(super) reasons: usize,
    pub(super) uncertain: (f64, f64),
    pub(super) bursts: BurstParams,
    pub(super) chunk: usize,
    #[serde(default)]
    pub(super) label: Option<String>,
    #[serde(default)]
    pub(super) list: ListKind,
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
            uncertain: (0.2, 0.8),
            bursts: BurstParams::default(),
            chunk: 8192,
            label: None,
            list: ListKind::Followers,
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
    /// (otherwise the audit reads the clock once, at its start), and the audit's date in the
    /// report ([`AuditReport::audited_at`](crate::AuditReport::audited_at)).
    pub fn clock(mut self, now: DateTime<Utc>) -> Self {
        self.clock = Some(now);
        self
    }
    /// Number of bootstrap replicates of the intervals (1000 by default).
    pub fn bootstrap(mut self, replicates: usize) -> Self {
        self.bootstrap = replicates;
        self
    }
    /// Which followers [`AuditReport::followers`](crate::AuditReport::followers) lists with their scores and reasons: the
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
    /// The account's name, shown at the top of the report ([`AuditReport::label`](crate::AuditReport::label));
    /// the input's name is shown when none is given.
    pub fn label(mut self, name: impl Into<String>) -> Self {
        self.label = Some(name.into());
        self
    }
    /// What the list holds: followers (the default) or the engagers of a post
    /// ([`ListKind`]). With [`ListKind::Engagers`] the audit also keeps each engager's
    /// [`Account::engaged_at`](crate::Account::engaged_at) (8 bytes an engager) and reports
    /// [`AuditReport::engagement`](crate::AuditReport::engagement).
    pub fn list(mut self, kind: ListKind) -> Self {
        self.list = kind;
        self
    }
    /// Accounts scored per parallel batch (8192 by default).
    pub fn chunk(mut self, rows: usize) -> Self {
        self.chunk = rows;
        self
    }

    pub(super) fn validate(&self) -> Result<()> {
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
