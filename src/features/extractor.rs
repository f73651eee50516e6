//! [`FeatureExtractor`]: accounts in, a [`FeatureMatrix`] out, in parallel.

use chrono::{DateTime, Utc};
use ndarray::{Array2, ArrayViewMut2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{Account, Profile};
use crate::error::{Error, Result};

use super::activity;
use super::schema::{FeatureMatrix, FeatureSchema};
use super::set::{FeatureSet, Ig, Tw};
use super::text::{
    char_len, char_len_and_digits, digit_count, is_blank, non_blank, says_bot, word_count,
    BigramModel,
};

/// Seconds in a day.
const DAY: f64 = 86_400.0;
/// "Two months" of Cresci's "default image after 2 months" and Socialbakers' rule 7.
const TWO_MONTHS_DAYS: f64 = 60.0;
/// Rows per rayon task: large enough to amortise scheduling, small enough to balance.
const ROWS_PER_TASK: usize = 1024;

/// The instant an account's age and rates are measured at, and where it came from.
///
/// Age and every "per day" rate depend on it, so it is visible to the caller: the `as_of` the
/// caller gave wins, then the time the record was crawled ([`Profile::crawled_at`], Cresci's
/// `updated`), and only when neither exists the clock (which
/// [`FeatureExtractor::with_clock`] can fix, for reproducible results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeReference {
    /// The caller's `as_of`.
    AsOf(DateTime<Utc>),
    /// The record's crawl time.
    Crawled(DateTime<Utc>),
    /// The clock (or the fixed clock of [`FeatureExtractor::with_clock`]).
    Clock(DateTime<Utc>),
}

impl TimeReference {
    /// The instant itself.
    pub fn time(&self) -> DateTime<Utc> {
        match *self {
            TimeReference::AsOf(t) | TimeReference::Crawled(t) | TimeReference::Clock(t) => t,
        }
    }
}

/// Computes the features of a [`FeatureSet`] from accounts.
///
/// Extraction never fails on account data: a missing field gives a finite value (0) and its
/// missing-value indicator says so (see `docs/features.md`). Batch extraction runs on rayon
/// and equals sequential extraction bit for bit.
///
/// # Examples
/// ```
/// use follower_audit::{Account, FeatureExtractor, FeatureSet};
/// let mut a = Account::default();
/// a.profile.followers_count = Some(12);
/// a.profile.friends_count = Some(900);
/// let fx = FeatureExtractor::new(FeatureSet::Twitter);
/// let m = fx.extract(&[a]);
/// assert_eq!(m.column("friends_followers_ge_50").unwrap()[0], 1.0);
/// assert_eq!(m.column("has_created_at").unwrap()[0], 0.0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureExtractor {
    set: FeatureSet,
    schema: FeatureSchema,
    as_of: Option<DateTime<Utc>>,
    clock: Option<DateTime<Utc>>,
    bigram: Option<BigramModel>,
    /// Per schema column, whether it is computed; `None`: every column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    only: Option<Vec<bool>>,
}

impl FeatureExtractor {
    /// An extractor of `set`, measuring time at each record's crawl time, else the clock, and
    /// using the built-in screen-name bigram model.
    pub fn new(set: FeatureSet) -> FeatureExtractor {
        FeatureExtractor {
            set,
            schema: set.schema(),
            as_of: None,
            clock: None,
            bigram: None,
            only: None,
        }
    }

    /// Measures age and rates at `as_of` for every account (overrides crawl times).
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> FeatureExtractor {
        self.as_of = Some(as_of);
        self
    }

    /// Fixes "the clock" used for records without a crawl time when no `as_of` is given, so
    /// that results are reproducible.
    pub fn with_clock(mut self, now: DateTime<Utc>) -> FeatureExtractor {
        self.clock = Some(now);
        self
    }

    /// Uses `model` for `screen_name_likelihood` instead of the built-in one.
    pub fn with_bigram_model(mut self, model: BigramModel) -> FeatureExtractor {
        self.bigram = Some(model);
        self
    }

    /// Computes only the schema columns `columns` (indices into [`FeatureExtractor::schema`]);
    /// every other column of a row is 0. The work behind the others (logarithms, text
    /// measures, the bigram likelihood, date arithmetic, the whole timeline) is skipped, and the
    /// computed columns are bit for bit those of the full extraction.
    ///
    /// Meant for scoring with a model that reads only some columns: pass its
    /// [`crate::Detector::used_features`]. The matrices keep the full schema, so the model
    /// accepts them. A later call replaces the selection.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when a column index is not in the schema.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Account, Detector, FeatureExtractor, FeatureSet, Model};
    /// let model = Model::default_twitter();
    /// let used = model.used_features().expect("a forest names its split features");
    /// let full = FeatureExtractor::new(FeatureSet::Twitter);
    /// let fast = full.clone().only(&used).unwrap();
    /// let mut a = Account::default();
    /// a.profile.screen_name = Some("maria_rossi86".into());
    /// a.profile.followers_count = Some(12);
    /// a.profile.friends_count = Some(900);
    /// let (x, y) = (full.extract(&[a.clone()]), fast.extract(&[a]));
    /// assert_eq!(model.predict_proba(&x).unwrap(), model.predict_proba(&y).unwrap());
    /// for &c in &used {
    ///     assert_eq!(x.values()[[0, c]], y.values()[[0, c]]);
    /// }
    /// ```
    pub fn only(mut self, columns: &[usize]) -> Result<FeatureExtractor> {
        let mut mask = vec![false; self.schema.len()];
        for &c in columns {
            match mask.get_mut(c) {
                Some(m) => *m = true,
                None => {
                    return Err(Error::InvalidParams {
                        name: "columns".into(),
                        reason: format!("column {c} is not in schema {}", self.schema.describe()),
                    })
                }
            }
        }
        self.only = Some(mask);
        Ok(self)
    }

    /// The columns computed, ascending: `None` when every column is (the default), else the
    /// selection of [`FeatureExtractor::only`].
    pub fn computed_columns(&self) -> Option<Vec<usize>> {
        self.only
            .as_ref()
            .map(|mask| (0..mask.len()).filter(|&c| mask[c]).collect())
    }

    /// The feature set.
    pub fn feature_set(&self) -> FeatureSet {
        self.set
    }

    /// The schema of the matrices this extractor produces.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn bigram(&self) -> &BigramModel {
        self.bigram
            .as_ref()
            .unwrap_or_else(|| BigramModel::builtin())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    fn reference_with(&self, account: &Account, now: DateTime<Utc>) -> TimeReference {
        match (self.as_of, account.profile.crawled_at) {
            (Some(t), _) => TimeReference::AsOf(t),
            (None, Some(t)) => TimeReference::Crawled(t),
            (None, None) => TimeReference::Clock(now),
        }
    }

    /// The instant `account`'s age and rates are measured at, and its origin.
    ///
    /// # Examples
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use follower_audit::{Account, FeatureExtractor, FeatureSet, TimeReference};
    /// let t = Utc.with_ymd_and_hms(2015, 2, 14, 10, 0, 0).unwrap();
    /// let mut a = Account::default();
    /// a.profile.crawled_at = Some(t);
    /// let fx = FeatureExtractor::new(FeatureSet::Twitter);
    /// assert_eq!(fx.time_reference(&a), TimeReference::Crawled(t));
    /// ```
    pub fn time_reference(&self, account: &Account) -> TimeReference {
        match (self.as_of, account.profile.crawled_at) {
            (Some(t), _) => TimeReference::AsOf(t),
            (None, Some(t)) => TimeReference::Crawled(t),
            (None, None) => TimeReference::Clock(self.now()),
        }
    }

    /// Writes `account`'s features into `out` (one row of the schema).
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when `out.len()` is not the schema's column count.
    pub fn extract_one(&self, account: &Account, out: &mut [f64]) -> Result<()> {
        if out.len() != self.schema.len() {
            return Err(Error::InvalidParams {
                name: "out".into(),
                reason: format!(
                    "row buffer has {} values, schema {} needs {}",
                    out.len(),
                    self.schema.describe(),
                    self.schema.len()
                ),
            });
        }
        let now = if self.as_of.is_none() && account.profile.crawled_at.is_none() {
            self.now()
        } else {
            DateTime::<Utc>::UNIX_EPOCH // unused
        };
        self.fill(account, now, out);
        Ok(())
    }

    /// The features of `accounts`, one row each, computed in parallel.
    ///
    /// The clock (when some account needs it) is read once for the whole batch.
    pub fn extract(&self, accounts: &[Account]) -> FeatureMatrix {
        let mut values = Array2::<f64>::zeros((accounts.len(), self.schema.len()));
        self.fill_parallel(accounts, values.view_mut());
        FeatureMatrix::from_trusted(self.schema.clone(), values)
    }

    /// As [`FeatureExtractor::extract`], into a caller's buffer of `accounts.len()` rows and
    /// one column per feature, so that a stream of chunks can reuse one allocation instead of
    /// paying for a fresh matrix's memory on every chunk.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when `out`'s shape is not (`accounts.len()`, schema length) or
    /// it is not in standard (row-major, contiguous) layout.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Account, FeatureExtractor, FeatureSet};
    /// let fx = FeatureExtractor::new(FeatureSet::Instagram);
    /// let accounts = vec![Account::default(); 3];
    /// let mut buf = ndarray::Array2::<f64>::zeros((3, fx.schema().len()));
    /// fx.extract_into(&accounts, buf.view_mut()).unwrap();
    /// assert_eq!(buf, fx.extract(&accounts).into_values());
    /// ```
    pub fn extract_into(
        &self,
        accounts: &[Account],
        mut out: ArrayViewMut2<'_, f64>,
    ) -> Result<()> {
        let want = (accounts.len(), self.schema.len());
        if out.dim() != want || out.as_slice_mut().is_none() {
            return Err(Error::InvalidParams {
                name: "out".into(),
                reason: format!(
                    "buffer is {:?}, needs {want:?} in standard layout for schema {}",
                    out.dim(),
                    self.schema.describe()
                ),
            });
        }
        self.fill_parallel(accounts, out);
        Ok(())
    }

    /// Fills a checked, contiguous, row-major buffer on the rayon pool.
    fn fill_parallel(&self, accounts: &[Account], mut out: ArrayViewMut2<'_, f64>) {
        let now = self.now();
        let d = self.schema.len();
        if d == 0 || accounts.is_empty() {
            return;
        }
        let flat = out
            .as_slice_mut()
            .expect("callers pass a standard-layout buffer");
        flat.par_chunks_mut(ROWS_PER_TASK * d)
            .zip(accounts.par_chunks(ROWS_PER_TASK))
            .for_each(|(rows, accs)| {
                for (row, a) in rows.chunks_exact_mut(d).zip(accs) {
                    self.fill(a, now, row);
                }
            });
    }

    /// As [`FeatureExtractor::extract`] on one thread (for tests and tiny batches).
    pub fn extract_sequential(&self, accounts: &[Account]) -> FeatureMatrix {
        let now = self.now();
        let d = self.schema.len();
        let mut values = Array2::<f64>::zeros((accounts.len(), d));
        for (mut row, a) in values.rows_mut().into_iter().zip(accounts) {
            let row = row
                .as_slice_mut()
                .expect("rows of a standard-order Array2 are contiguous");
            self.fill(a, now, row);
        }
        FeatureMatrix::from_trusted(self.schema.clone(), values)
    }

    fn fill(&self, account: &Account, now: DateTime<Utc>, out: &mut [f64]) {
        out.fill(0.0);
        match &self.only {
            None => self.fill_wanted(account, now, Every, out),
            Some(mask) => self.fill_wanted(account, now, Only(mask), out),
        }
        debug_assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    }

    /// Computes the columns `want` selects into a zeroed row; the others stay 0. Compiled once
    /// per selector, so the full extraction ([`Every`]) has no per-column test left.
    #[inline(always)]
    fn fill_wanted<W: Wanted>(
        &self,
        account: &Account,
        now: DateTime<Utc>,
        want: W,
        out: &mut [f64],
    ) {
        match self.set {
            FeatureSet::Twitter => {
                let reference = || self.reference_with(account, now).time();
                twitter_profile(&account.profile, reference, self.bigram(), want, out);
                if want.any_in(Tw::HasTimeline.i()..Tw::COUNT) {
                    activity::fill(account.activity.as_deref(), out);
                    let first = Tw::HasTimeline.i();
                    for (col, v) in out.iter_mut().enumerate().skip(first) {
                        if !want.has(col) {
                            *v = 0.0;
                        }
                    }
                }
            }
            FeatureSet::Instagram => instagram_profile(&account.profile, want, out),
        }
    }
}

/// Selects the columns a row fill computes.
trait Wanted: Copy {
    /// `true` when column `col` is computed.
    fn has(self, col: usize) -> bool;

    /// `true` when any of `cols` is computed.
    #[inline(always)]
    fn any(self, cols: &[usize]) -> bool {
        cols.iter().any(|&c| self.has(c))
    }

    /// `true` when any column of `cols` is computed.
    #[inline(always)]
    fn any_in(self, cols: std::ops::Range<usize>) -> bool {
        cols.into_iter().any(|c| self.has(c))
    }
}

/// Every column.
#[derive(Clone, Copy)]
struct Every;

impl Wanted for Every {
    #[inline(always)]
    fn has(self, _col: usize) -> bool {
        true
    }

    #[inline(always)]
    fn any(self, cols: &[usize]) -> bool {
        !cols.is_empty()
    }

    #[inline(always)]
    fn any_in(self, cols: std::ops::Range<usize>) -> bool {
        !cols.is_empty()
    }
}

/// The columns whose mask entry is `true` (a column beyond the mask is not computed).
#[derive(Clone, Copy)]
struct Only<'a>(&'a [bool]);

impl Wanted for Only<'_> {
    #[inline(always)]
    fn has(self, col: usize) -> bool {
        self.0.get(col) == Some(&true)
    }

    #[inline(always)]
    fn any_in(self, cols: std::ops::Range<usize>) -> bool {
        let end = cols.end.min(self.0.len());
        self.0
            .get(cols.start..end)
            .is_some_and(|m| m.contains(&true))
    }
}

/// `out[col] = value` when `want` selects `col`; `value` is evaluated only then.
macro_rules! put {
    ($want:expr, $out:expr, $col:expr, $value:expr) => {
        if $want.has($col.i()) {
            $out[$col.i()] = $value;
        }
    };
}

#[inline]
fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `ln(1 + x)` of a non-negative quantity (counts, rates, ratios).
///
/// Computed as `ln(1 + x)` rather than `ln_1p(x)` because the libm `log` is the cheaper call
/// (`docs/performance.md`); the only loss, for `x` below about 1e-8, is an absolute error near
/// 1e-16 that no model can see. Crate-visible so that tests and rules use the very same function.
#[inline]
pub(crate) fn log1p(x: f64) -> f64 {
    (1.0 + x.max(0.0)).ln()
}

/// Counts below this have their [`log1p`] in a table.
const LOG1P_TABLE_LEN: usize = 2048;

/// [`log1p`] of a count, 0 when it is missing: the very bits `log1p(count as f64)` gives,
/// read from a table (built once with [`log1p`]) for counts below [`LOG1P_TABLE_LEN`], which
/// most follower, friend, post and list counts are.
#[inline]
fn log1p_count(count: Option<u64>) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let c = count.unwrap_or(0);
    match usize::try_from(c) {
        Ok(i) if i < LOG1P_TABLE_LEN => {
            TABLE.get_or_init(|| (0..LOG1P_TABLE_LEN).map(|k| log1p(k as f64)).collect())[i]
        }
        _ => log1p(c as f64),
    }
}

/// Columns that need the account's age.
const AGE_COLUMNS: [usize; 7] = [
    Tw::AgeDays.i(),
    Tw::FriendsGrowthRateLog1p.i(),
    Tw::TweetFrequencyLog1p.i(),
    Tw::FollowersGrowthRateLog1p.i(),
    Tw::FavouritesGrowthRateLog1p.i(),
    Tw::ListedGrowthRateLog1p.i(),
    Tw::DefaultImageAfter2Months.i(),
];

/// Characters and numeric characters of `s`, each counted only when asked for (0 otherwise),
/// in one pass over the text.
#[inline]
fn measure(s: &str, chars: bool, digits: bool) -> (usize, usize) {
    match (chars, digits) {
        (true, true) => char_len_and_digits(s),
        (true, false) => (char_len(s), 0),
        (false, true) => (0, digit_count(s)),
        (false, false) => (0, 0),
    }
}

fn twitter_profile<W: Wanted>(
    p: &Profile,
    reference: impl FnOnce() -> DateTime<Utc>,
    bigram: &BigramModel,
    want: W,
    out: &mut [f64],
) {
    let s = &p.summary;
    // Indicators.
    put!(want, out, Tw::HasCreatedAt, flag(p.created_at.is_some()));
    let statuses = p.statuses_count.map(|v| v as f64);
    let followers = p.followers_count.map(|v| v as f64);
    let friends = p.friends_count.map(|v| v as f64);
    let favourites = p.favourites_count.map(|v| v as f64);
    let listed = p.listed_count.map(|v| v as f64);
    put!(want, out, Tw::HasStatusesCount, flag(statuses.is_some()));
    put!(want, out, Tw::HasFollowersCount, flag(followers.is_some()));
    put!(want, out, Tw::HasFriendsCount, flag(friends.is_some()));
    put!(
        want,
        out,
        Tw::HasFavouritesCount,
        flag(favourites.is_some())
    );
    put!(want, out, Tw::HasListedCount, flag(listed.is_some()));
    put!(
        want,
        out,
        Tw::HasImageField,
        flag(p.default_profile_image.is_some())
    );
    put!(
        want,
        out,
        Tw::HasDefaultProfileField,
        flag(p.default_profile.is_some())
    );
    put!(
        want,
        out,
        Tw::HasBackgroundImageField,
        flag(p.profile_use_background_image.is_some())
    );
    put!(want, out, Tw::HasVerifiedField, flag(p.verified.is_some()));
    put!(
        want,
        out,
        Tw::HasGeoEnabledField,
        flag(p.geo_enabled.is_some())
    );

    // Age in days at the reference; a creation date after it (clock skew, bad as_of) gives 0.
    // Only computed (date arithmetic) when a column needs it.
    let age = match p.created_at {
        Some(c) if want.any(&AGE_COLUMNS) => {
            Some(((reference() - c).num_seconds() as f64 / DAY).max(0.0))
        }
        _ => None,
    };
    put!(want, out, Tw::AgeDays, age.unwrap_or(0.0));
    // Rates per day of age; an account less than a day old counts as one day old.
    let rate = |count: Option<f64>| match (count, age) {
        (Some(c), Some(a)) => log1p(c / a.max(1.0)),
        _ => 0.0,
    };
    put!(want, out, Tw::FriendsGrowthRateLog1p, rate(friends));
    put!(want, out, Tw::TweetFrequencyLog1p, rate(statuses));
    put!(want, out, Tw::FollowersGrowthRateLog1p, rate(followers));
    put!(want, out, Tw::FavouritesGrowthRateLog1p, rate(favourites));
    put!(want, out, Tw::ListedGrowthRateLog1p, rate(listed));

    // Counts.
    put!(
        want,
        out,
        Tw::StatusesCountLog1p,
        log1p_count(p.statuses_count)
    );
    put!(
        want,
        out,
        Tw::FollowersCountLog1p,
        log1p_count(p.followers_count)
    );
    put!(
        want,
        out,
        Tw::FriendsCountLog1p,
        log1p_count(p.friends_count)
    );
    put!(
        want,
        out,
        Tw::FavouritesCountLog1p,
        log1p_count(p.favourites_count)
    );
    put!(want, out, Tw::ListedCountLog1p, log1p_count(p.listed_count));
    put!(
        want,
        out,
        Tw::IsListed,
        flag(listed.is_some_and(|l| l > 0.0))
    );

    // Friends/followers relations; a zero denominator counts as 1. Derived values are 0 when
    // an input is missing.
    if let (Some(fr), Some(fo)) = (friends, followers) {
        let fo1 = fo.max(1.0);
        let ratio = fr / fo1;
        put!(
            want,
            out,
            Tw::FriendsFollowersSqLog1p,
            log1p(fr / (fo1 * fo1))
        );
        put!(want, out, Tw::FriendsFollowersGe50, flag(ratio >= 50.0));
        put!(want, out, Tw::TwoFollowersGeFriends, flag(2.0 * fo >= fr));
        // "About 100:1": within 10% of 100 (State of Search rule 2).
        put!(
            want,
            out,
            Tw::FriendsFollowersAbout100,
            flag((90.0..=110.0).contains(&ratio))
        );
        put!(
            want,
            out,
            Tw::FollowersFriendsRatioLog1p,
            log1p(fo / fr.max(1.0))
        );
    }

    // Text fields: characters, not bytes.
    put!(
        want,
        out,
        Tw::HasName,
        flag(match p.name.as_deref() {
            Some(n) => !is_blank(n),
            None => s.name_length.is_some_and(|l| l > 0),
        })
    );
    let no_bio_no_location = friends.is_some() && want.has(Tw::NoBioNoLocationFriendsGe100.i());
    let has_desc = (no_bio_no_location || want.has(Tw::HasDescription.i()))
        && match p.description.as_deref() {
            Some(d) => !is_blank(d),
            None => s.description_length.is_some_and(|l| l > 0),
        };
    put!(want, out, Tw::HasDescription, flag(has_desc));
    put!(
        want,
        out,
        Tw::HasUrl,
        flag(match p.url.as_deref() {
            Some(u) => !is_blank(u),
            None => s.has_url.unwrap_or(false),
        })
    );
    let has_location =
        (no_bio_no_location || want.has(Tw::HasLocation.i())) && non_blank(&p.location);
    put!(want, out, Tw::HasLocation, flag(has_location));
    put!(
        want,
        out,
        Tw::BotInBio,
        flag(p.description.as_deref().is_some_and(says_bot))
    );
    if let Some(fr) = friends {
        put!(
            want,
            out,
            Tw::NoBioNoLocationFriendsGe100,
            flag(!has_desc && !has_location && fr >= 100.0)
        );
    }

    // Image: Twitter's default "egg"; only its presence, never its URL.
    if let Some(default_image) = p.default_profile_image {
        put!(want, out, Tw::HasImage, flag(!default_image));
        put!(
            want,
            out,
            Tw::DefaultImageAfter2Months,
            flag(default_image && age.is_some_and(|a| a > TWO_MONTHS_DAYS))
        );
    }
    put!(
        want,
        out,
        Tw::DefaultProfile,
        flag(p.default_profile == Some(true))
    );
    put!(
        want,
        out,
        Tw::ProfileUseBackgroundImage,
        flag(p.profile_use_background_image == Some(true))
    );
    put!(want, out, Tw::Verified, flag(p.verified == Some(true)));
    put!(want, out, Tw::GeoEnabled, flag(p.geo_enabled == Some(true)));

    match p.screen_name.as_deref() {
        Some(sn) => {
            let (len, digits) = measure(
                sn,
                want.has(Tw::ScreenNameLength.i()),
                want.has(Tw::ScreenNameDigits.i()),
            );
            put!(want, out, Tw::ScreenNameLength, len as f64);
            put!(want, out, Tw::ScreenNameDigits, digits as f64);
            put!(
                want,
                out,
                Tw::ScreenNameLikelihood,
                bigram.likelihood(sn).unwrap_or(0.0)
            );
        }
        None => {
            put!(
                want,
                out,
                Tw::ScreenNameLength,
                f64::from(s.screen_name_length.unwrap_or(0))
            );
            put!(
                want,
                out,
                Tw::ScreenNameDigits,
                f64::from(s.screen_name_digits.unwrap_or(0))
            );
        }
    }
    match p.name.as_deref() {
        Some(n) => {
            let (len, digits) = measure(
                n,
                want.has(Tw::NameLength.i()),
                want.has(Tw::NameDigits.i()),
            );
            put!(want, out, Tw::NameLength, len as f64);
            put!(want, out, Tw::NameDigits, digits as f64);
        }
        None => put!(
            want,
            out,
            Tw::NameLength,
            f64::from(s.name_length.unwrap_or(0))
        ),
    }
    put!(
        want,
        out,
        Tw::DescriptionLength,
        match p.description.as_deref() {
            Some(d) => char_len(d) as f64,
            None => f64::from(s.description_length.unwrap_or(0)),
        }
    );
}

/// A ratio from a summary, clamped to [0, 1]; NaN becomes missing.
fn clean_ratio(r: Option<f64>) -> Option<f64> {
    r.filter(|v| v.is_finite()).map(|v| v.clamp(0.0, 1.0))
}

/// Writes a field's indicator and its value (0 when missing), each when `want` selects it.
#[inline(always)]
fn put_with_indicator<W: Wanted>(want: W, out: &mut [f64], indicator: Ig, col: Ig, v: Option<f64>) {
    put!(want, out, indicator, flag(v.is_some()));
    put!(want, out, col, v.unwrap_or(0.0));
}

fn instagram_profile<W: Wanted>(p: &Profile, want: W, out: &mut [f64]) {
    let s = &p.summary;
    let followers = p.followers_count.map(|v| v as f64);
    let following = p.friends_count.map(|v| v as f64);
    let counts = [
        (
            Ig::HasFollowersCount,
            Ig::FollowersCountLog1p,
            p.followers_count,
        ),
        (
            Ig::HasFollowingCount,
            Ig::FollowingCountLog1p,
            p.friends_count,
        ),
        (Ig::HasMediaCount, Ig::MediaCountLog1p, p.statuses_count),
    ];
    for (indicator, col, v) in counts {
        put!(want, out, indicator, flag(v.is_some()));
        if v.is_some() {
            put!(want, out, col, log1p_count(v));
        }
    }
    if let (Some(fo), Some(fr)) = (followers, following) {
        put!(
            want,
            out,
            Ig::FollowersFollowingRatioLog1p,
            log1p(fo / fr.max(1.0))
        );
    }
    put!(
        want,
        out,
        Ig::HasProfilePicField,
        flag(p.default_profile_image.is_some())
    );
    put!(
        want,
        out,
        Ig::HasProfilePic,
        flag(p.default_profile_image == Some(false))
    );
    put!(want, out, Ig::HasPrivateField, flag(p.protected.is_some()));
    put!(want, out, Ig::IsPrivate, flag(p.protected == Some(true)));
    if want.any(&[Ig::HasBioLength.i(), Ig::BioLength.i()]) {
        let bio = p
            .description
            .as_deref()
            .map(|d| char_len(d) as f64)
            .or(s.description_length.map(f64::from));
        put_with_indicator(want, out, Ig::HasBioLength, Ig::BioLength, bio);
    }

    // Username: from the string when the export has it, else from the published summary.
    let username = [
        Ig::HasUsernameLength.i(),
        Ig::UsernameLength.i(),
        Ig::HasUsernameDigitRatio.i(),
        Ig::UsernameDigitRatio.i(),
    ];
    if want.any(&username) {
        let (ulen, udig) = match p.screen_name.as_deref() {
            Some(u) => {
                let (l, d) = char_len_and_digits(u);
                (Some(l as f64), Some(d as f64))
            }
            None => (
                s.screen_name_length.map(f64::from),
                s.screen_name_digits.map(f64::from),
            ),
        };
        put_with_indicator(want, out, Ig::HasUsernameLength, Ig::UsernameLength, ulen);
        // A summary may be inconsistent (more digits than characters): clamp to [0, 1].
        let uratio = match (ulen, udig) {
            (Some(l), Some(d)) => clean_ratio(Some(if l > 0.0 { d / l } else { 0.0 })),
            _ => clean_ratio(s.screen_name_digit_ratio),
        };
        put_with_indicator(
            want,
            out,
            Ig::HasUsernameDigitRatio,
            Ig::UsernameDigitRatio,
            uratio,
        );
    }

    // Full (display) name.
    let fullname = [
        Ig::HasFullnameWords.i(),
        Ig::FullnameWords.i(),
        Ig::HasFullnameLength.i(),
        Ig::FullnameLength.i(),
        Ig::HasFullnameDigitRatio.i(),
        Ig::FullnameDigitRatio.i(),
    ];
    if want.any(&fullname) {
        let (words, flen, fratio) = match p.name.as_deref() {
            Some(n) => {
                let (l, d) = char_len_and_digits(n);
                let (l, d) = (l as f64, d as f64);
                (
                    Some(word_count(n) as f64),
                    Some(l),
                    Some(if l > 0.0 { d / l } else { 0.0 }),
                )
            }
            None => (
                s.name_words.map(f64::from),
                s.name_length.map(f64::from),
                clean_ratio(s.name_digit_ratio),
            ),
        };
        put_with_indicator(want, out, Ig::HasFullnameWords, Ig::FullnameWords, words);
        put_with_indicator(want, out, Ig::HasFullnameLength, Ig::FullnameLength, flen);
        put_with_indicator(
            want,
            out,
            Ig::HasFullnameDigitRatio,
            Ig::FullnameDigitRatio,
            fratio,
        );
    }
    if want.any(&[Ig::HasNameEqualsUsername.i(), Ig::NameEqualsUsername.i()]) {
        let same = match (p.name.as_deref(), p.screen_name.as_deref()) {
            (Some(n), Some(u)) => Some(n.trim() == u.trim()),
            _ => s.name_equals_screen_name,
        };
        put!(want, out, Ig::HasNameEqualsUsername, flag(same.is_some()));
        put!(want, out, Ig::NameEqualsUsername, flag(same == Some(true)));
    }
    let url = match p.url.as_deref() {
        Some(u) => Some(!is_blank(u)),
        None => s.has_url,
    };
    put!(want, out, Ig::HasExternalUrlField, flag(url.is_some()));
    put!(want, out, Ig::HasExternalUrl, flag(url == Some(true)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Platform, Post, TextSummary};
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    /// Extracts one row and returns a lookup by feature name (panics on an unknown name).
    fn row(fx: &FeatureExtractor, a: &Account) -> impl Fn(&str) -> f64 {
        let mut out = vec![f64::NAN; fx.schema().len()];
        fx.extract_one(a, &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_finite()));
        let schema = fx.schema().clone();
        move |name: &str| out[schema.index_of(name).unwrap_or_else(|| panic!("no {name}"))]
    }

    fn twitter_account() -> Account {
        let mut a = Account::default();
        let p = &mut a.profile;
        p.platform = Platform::Twitter;
        p.screen_name = Some("maria_rossi86".into());
        p.name = Some("Maria Rossi 2".into());
        p.description = Some("Just a Bot, beep.".into());
        p.url = Some("".into());
        p.location = Some("Roma".into());
        p.created_at = Some(t(2014, 1, 1, 0, 0, 0));
        p.crawled_at = Some(t(2015, 1, 1, 0, 0, 0)); // 365 days later
        p.statuses_count = Some(730);
        p.followers_count = Some(10);
        p.friends_count = Some(900);
        p.favourites_count = Some(365);
        p.listed_count = Some(0);
        p.default_profile_image = Some(true);
        p.default_profile = Some(true);
        p.profile_use_background_image = Some(false);
        p.geo_enabled = Some(true);
        a
    }

    #[test]
    fn twitter_profile_features_are_pinned() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let a = twitter_account();
        let f = row(&fx, &a);
        for ind in [
            "has_created_at",
            "has_statuses_count",
            "has_followers_count",
            "has_friends_count",
            "has_favourites_count",
            "has_listed_count",
            "has_image_field",
            "has_default_profile_field",
            "has_background_image_field",
            "has_geo_enabled_field",
        ] {
            assert_eq!(f(ind), 1.0, "{ind}");
        }
        assert_eq!(f("has_verified_field"), 0.0);
        assert_eq!(f("age_days"), 365.0);
        assert_eq!(f("friends_followers_sq_log1p"), log1p(900.0f64 / 100.0));
        assert_eq!(f("statuses_count_log1p"), log1p(730f64));
        assert_eq!(f("followers_count_log1p"), log1p(10f64));
        assert_eq!(f("friends_count_log1p"), log1p(900f64));
        assert_eq!(f("favourites_count_log1p"), log1p(365f64));
        assert_eq!(f("listed_count_log1p"), 0.0);
        assert_eq!(f("has_name"), 1.0);
        assert_eq!(f("has_url"), 0.0, "an empty url is no url");
        assert_eq!(f("friends_growth_rate_log1p"), log1p(900.0f64 / 365.0));
        assert_eq!(f("tweet_frequency_log1p"), log1p(2f64));
        assert_eq!(f("followers_growth_rate_log1p"), log1p(10.0f64 / 365.0));
        assert_eq!(f("favourites_growth_rate_log1p"), log1p(1f64));
        assert_eq!(f("listed_growth_rate_log1p"), 0.0);
        assert_eq!(f("default_image_after_2_months"), 1.0);
        assert_eq!(f("is_listed"), 0.0);
        assert_eq!(f("has_image"), 0.0);
        assert_eq!(f("friends_followers_ge_50"), 1.0);
        assert_eq!(f("bot_in_bio"), 1.0);
        assert_eq!(f("two_followers_ge_friends"), 0.0);
        assert_eq!(f("friends_followers_about_100"), 1.0); // 900 / 10 = 90
        assert_eq!(f("has_location"), 1.0);
        assert_eq!(f("no_bio_no_location_friends_ge_100"), 0.0);
        assert_eq!(f("has_description"), 1.0);
        assert_eq!(f("default_profile"), 1.0);
        assert_eq!(f("profile_use_background_image"), 0.0);
        assert_eq!(f("verified"), 0.0);
        assert_eq!(f("geo_enabled"), 1.0);
        assert_eq!(f("followers_friends_ratio_log1p"), log1p(10.0f64 / 900.0));
        assert_eq!(f("screen_name_length"), 13.0);
        assert_eq!(f("screen_name_digits"), 2.0);
        assert_eq!(f("name_length"), 13.0);
        assert_eq!(f("name_digits"), 1.0);
        assert_eq!(f("description_length"), 17.0);
        let lik = BigramModel::builtin().likelihood("maria_rossi86").unwrap();
        assert_eq!(f("screen_name_likelihood"), lik);
        assert!(lik > 0.0 && lik < 1.0);
        // No timeline: indicator 0 and every activity feature 0.
        assert_eq!(f("has_timeline"), 0.0);
        for name in &FeatureSet::Twitter.feature_names()[Tw::HasTimeline.i()..] {
            assert_eq!(f(name), 0.0, "{name}");
        }
    }

    #[test]
    fn no_bio_no_location_rule_and_thresholds() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let mut a = twitter_account();
        a.profile.description = Some(" ".into());
        a.profile.location = Some(String::new());
        a.profile.followers_count = Some(0);
        a.profile.friends_count = Some(100);
        let f = row(&fx, &a);
        assert_eq!(f("has_description"), 0.0);
        assert_eq!(f("has_location"), 0.0);
        assert_eq!(f("no_bio_no_location_friends_ge_100"), 1.0);
        // Zero followers count as one in ratios.
        assert_eq!(f("friends_followers_sq_log1p"), log1p(100f64));
        assert_eq!(f("friends_followers_about_100"), 1.0);
        assert_eq!(f("two_followers_ge_friends"), 0.0);
        // Readers read empty text as missing: `None` is no location, the same as "".
        a.profile.location = None;
        a.profile.description = None;
        let f = row(&fx, &a);
        assert_eq!(f("no_bio_no_location_friends_ge_100"), 1.0);
        // Without a friends count the derived flag is 0, not a guess.
        a.profile.friends_count = None;
        let f = row(&fx, &a);
        assert_eq!(f("has_friends_count"), 0.0);
        assert_eq!(f("no_bio_no_location_friends_ge_100"), 0.0);
    }

    #[test]
    fn cjk_weibo_account_counts_characters() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let mut a = Account::default();
        a.profile.platform = Platform::Weibo;
        a.profile.name = Some("张小明".into());
        a.profile.screen_name = Some("小明的微博2020".into());
        a.profile.description = Some("热爱生活，热爱机器人。".into());
        a.profile.location = Some("北京 海淀区".into());
        a.profile.followers_count = Some(88);
        a.profile.friends_count = Some(120);
        let f = row(&fx, &a);
        assert_eq!(f("name_length"), 3.0);
        assert_eq!(f("name_digits"), 0.0);
        assert_eq!(f("screen_name_length"), 9.0);
        assert_eq!(f("screen_name_digits"), 4.0);
        assert_eq!(f("description_length"), 11.0);
        assert_eq!(f("bot_in_bio"), 1.0);
        assert_eq!(f("has_location"), 1.0);
        assert_eq!(f("two_followers_ge_friends"), 1.0);
        let lik = f("screen_name_likelihood");
        assert!(lik > 0.0 && lik < 0.1, "{lik}");
    }

    #[test]
    fn account_without_created_at_has_no_age_or_rates() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter).with_clock(t(2020, 1, 1, 0, 0, 0));
        let mut a = twitter_account();
        a.profile.created_at = None;
        let f = row(&fx, &a);
        assert_eq!(f("has_created_at"), 0.0);
        assert_eq!(f("age_days"), 0.0);
        for r in [
            "friends_growth_rate_log1p",
            "tweet_frequency_log1p",
            "followers_growth_rate_log1p",
            "favourites_growth_rate_log1p",
            "listed_growth_rate_log1p",
            "default_image_after_2_months",
        ] {
            assert_eq!(f(r), 0.0, "{r}");
        }
        // Counts do not depend on the date.
        assert_eq!(f("followers_count_log1p"), log1p(10f64));
    }

    #[test]
    fn time_reference_prefers_as_of_then_crawl_then_clock() {
        let clock = t(2020, 1, 1, 0, 0, 0);
        let as_of = t(2014, 7, 2, 0, 0, 0); // 182 days after creation
        let mut a = twitter_account();
        let fx = FeatureExtractor::new(FeatureSet::Twitter).with_clock(clock);
        assert_eq!(
            fx.time_reference(&a),
            TimeReference::Crawled(t(2015, 1, 1, 0, 0, 0))
        );
        assert_eq!(row(&fx, &a)("age_days"), 365.0);
        let fx_as_of = fx.clone().as_of(as_of);
        assert_eq!(fx_as_of.time_reference(&a), TimeReference::AsOf(as_of));
        assert_eq!(row(&fx_as_of, &a)("age_days"), 182.0);
        a.profile.crawled_at = None;
        assert_eq!(fx.time_reference(&a), TimeReference::Clock(clock));
        assert_eq!(fx.time_reference(&a).time(), clock);
        let days = (clock - t(2014, 1, 1, 0, 0, 0)).num_days() as f64;
        assert_eq!(row(&fx, &a)("age_days"), days);
        // A creation date after the reference gives age 0, not a negative age.
        let fx_early = FeatureExtractor::new(FeatureSet::Twitter).as_of(t(2013, 1, 1, 0, 0, 0));
        assert_eq!(row(&fx_early, &a)("age_days"), 0.0);
    }

    fn post(text: &str, source: &str, at: DateTime<Utc>) -> Post {
        Post {
            created_at: Some(at),
            text: Some(text.into()),
            source: Some(source.into()),
            ..Post::default()
        }
    }

    fn timeline() -> Vec<Post> {
        let base = t(2015, 1, 1, 10, 0, 0);
        let m = chrono::Duration::minutes;
        let mut rt = post(
            "RT @news: big story http://t.co/a",
            "Twitter for iPhone",
            base,
        );
        rt.is_retweet = true;
        let mut own = post("Hello world! #rust", "Twitter Web Client", base + m(10));
        own.retweet_count = Some(3);
        let mut own2 = post("@anna see you later", "Twitter for Android", base + m(30));
        own2.retweet_count = Some(0);
        own2.is_reply = true;
        vec![
            rt,
            own,
            own2,
            post("http://t.co/x", "dlvr.it", base + m(70)),
            post("@bob lose weight now", "dlvr.it", base + m(130)),
            post("@carl lose weight now", "dlvr.it", base + m(190)),
            post("@dave Lose weight NOW 2", "dlvr.it", base + m(250)),
            post("Hello world! #rust", "Foursquare", base + m(310)),
        ]
    }

    #[test]
    fn activity_features_are_pinned() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let mut a = twitter_account();
        a.activity = Some(timeline());
        let f = row(&fx, &a);
        assert_eq!(f("has_timeline"), 1.0);
        assert_eq!(f("has_posts"), 1.0);
        assert_eq!(f("has_post_times"), 1.0);
        assert_eq!(f("has_post_sources"), 1.0);
        assert_eq!(f("retweet_ratio"), 1.0 / 8.0);
        // The explicit reply plus three posts that start with a mention.
        assert_eq!(f("reply_ratio"), 4.0 / 8.0);
        assert_eq!(f("url_ratio"), 2.0 / 8.0);
        assert_eq!(f("mentions_per_post"), 5.0 / 8.0);
        assert_eq!(f("hashtags_per_post"), 2.0 / 8.0);
        assert_eq!(f("link_only_share"), 1.0 / 8.0);
        // "Hello world! #rust" twice: one duplicate among 8 texts.
        assert_eq!(f("duplicate_text_ratio"), 1.0 / 8.0);
        // Near duplicates also merge the three "lose weight now" posts; the link-only post
        // has no text left and is not counted.
        assert_eq!(f("near_duplicate_text_ratio"), 3.0 / 7.0);
        assert_eq!(f("max_text_repeats"), 2.0);
        assert_eq!(f("recent_same_text_to_many"), 2.0);
        // "!" in two posts; the ":" of "@news:" and of the links belong to a mention and to
        // URLs, which are not writing.
        assert_eq!(f("punctuation_share"), 2.0 / 8.0);
        assert_eq!(f("spam_phrase_share"), 3.0 / 8.0);
        assert_eq!(f("retweeted_share"), 0.5);
        assert_eq!(f("distinct_clients"), 5.0);
        assert_eq!(f("automation_client_share"), 4.0 / 8.0);
        assert_eq!(f("official_client_share"), 3.0 / 8.0);
        assert_eq!(f("web_client_share"), 1.0 / 8.0);
        for c in [
            "client_iphone",
            "client_android",
            "client_foursquare",
            "client_web",
        ] {
            assert_eq!(f(c), 1.0, "{c}");
        }
        assert_eq!(f("client_instagram"), 0.0);
        // Intervals (minutes): 10, 20, 40, 60, 60, 60, 60.
        let iv = [10.0, 20.0, 40.0, 60.0, 60.0, 60.0, 60.0].map(|m: f64| m * 60.0);
        let mean = iv.iter().sum::<f64>() / 7.0;
        let var = iv.iter().map(|x| x * x).sum::<f64>() / 7.0 - mean * mean;
        assert!((f("interval_mean_log1p") - log1p(mean)).abs() < 1e-12);
        assert!((f("interval_var_log1p") - log1p(var)).abs() < 1e-9);
        let b = (var.sqrt() - mean) / (var.sqrt() + mean);
        assert!((f("burstiness") - b).abs() < 1e-12);
        assert!(f("burstiness") < 0.0, "regular posting is anti-bursty");
        // Hours: 10, 10, 10, 11, 12, 13, 14, 15 -> entropy of (3,1,1,1,1,1)/8.
        let h =
            -(3.0 / 8.0f64) * (3.0 / 8.0f64).log2() - 5.0 * (1.0 / 8.0f64) * (1.0 / 8.0f64).log2();
        assert!((f("hour_entropy") - h).abs() < 1e-12);
        // log2 bins of 1 + seconds: 600 -> 9, 1200 -> 10, 2400 -> 11, 3600 -> 11 (x4).
        let ie =
            -(1.0 / 7.0f64) * (1.0 / 7.0f64).log2() * 2.0 - (5.0 / 7.0f64) * (5.0 / 7.0f64).log2();
        assert!((f("interval_entropy") - ie).abs() < 1e-12);
    }

    #[test]
    fn empty_timeline_is_known_and_empty() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let mut a = twitter_account();
        a.activity = Some(vec![]);
        let f = row(&fx, &a);
        assert_eq!(f("has_timeline"), 1.0);
        assert_eq!(f("has_posts"), 0.0);
        assert_eq!(f("retweet_ratio"), 0.0);
    }

    #[test]
    fn reversing_a_timeline_changes_nothing() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let mut a = twitter_account();
        a.activity = Some(timeline());
        let mut b = a.clone();
        b.activity.as_mut().unwrap().reverse();
        let (fa, fb) = (fx.extract_sequential(&[a]), fx.extract_sequential(&[b]));
        assert_eq!(fa.values(), fb.values());
    }

    #[test]
    fn instagram_from_strings_and_from_summaries() {
        let fx = FeatureExtractor::new(FeatureSet::Instagram);
        let mut a = Account::default();
        a.profile.platform = Platform::Instagram;
        a.profile.screen_name = Some("anna_b1234".into());
        a.profile.name = Some("Anna B 1".into());
        a.profile.description = Some("ciao ☀".into());
        a.profile.url = Some("https://example.org".into());
        a.profile.followers_count = Some(50);
        a.profile.friends_count = Some(4);
        a.profile.statuses_count = Some(0);
        a.profile.default_profile_image = Some(false);
        a.profile.protected = Some(true);
        let f = row(&fx, &a);
        assert_eq!(f("followers_count_log1p"), log1p(50f64));
        assert_eq!(f("following_count_log1p"), log1p(4f64));
        assert_eq!(f("media_count_log1p"), 0.0);
        assert_eq!(f("has_media_count"), 1.0);
        assert_eq!(f("followers_following_ratio_log1p"), log1p(12.5f64));
        assert_eq!(f("has_profile_pic"), 1.0);
        assert_eq!(f("is_private"), 1.0);
        assert_eq!(f("bio_length"), 6.0);
        assert_eq!(f("username_length"), 10.0);
        assert_eq!(f("username_digit_ratio"), 0.4);
        assert_eq!(f("fullname_words"), 3.0);
        assert_eq!(f("fullname_length"), 8.0);
        assert_eq!(f("fullname_digit_ratio"), 1.0 / 8.0);
        assert_eq!(f("has_name_equals_username"), 1.0);
        assert_eq!(f("name_equals_username"), 0.0);
        assert_eq!(f("has_external_url"), 1.0);

        // InstaFake-style: only derived numbers, no full name or URL.
        let mut b = Account::default();
        b.profile.followers_count = Some(3);
        b.profile.summary = TextSummary {
            screen_name_length: Some(8),
            screen_name_digits: Some(2),
            description_length: Some(0),
            ..TextSummary::default()
        };
        let f = row(&fx, &b);
        assert_eq!(f("username_length"), 8.0);
        assert_eq!(f("username_digit_ratio"), 0.25);
        assert_eq!(f("has_bio_length"), 1.0);
        assert_eq!(f("bio_length"), 0.0);
        for missing in [
            "has_following_count",
            "has_media_count",
            "has_profile_pic_field",
            "has_private_field",
            "has_fullname_words",
            "has_fullname_length",
            "has_fullname_digit_ratio",
            "has_name_equals_username",
            "has_external_url_field",
        ] {
            assert_eq!(f(missing), 0.0, "{missing}");
        }
        assert_eq!(f("followers_following_ratio_log1p"), 0.0);

        // Kaggle-style: a published digit ratio, NaN treated as missing.
        let mut c = Account::default();
        c.profile.summary.screen_name_digit_ratio = Some(0.27);
        c.profile.summary.name_digit_ratio = Some(f64::NAN);
        let f = row(&fx, &c);
        assert_eq!(f("username_digit_ratio"), 0.27);
        assert_eq!(f("has_username_length"), 0.0);
        assert_eq!(f("has_fullname_digit_ratio"), 0.0);
    }

    #[test]
    fn count_logs_from_the_table_are_the_computed_ones() {
        assert_eq!(log1p_count(None).to_bits(), log1p(0.0).to_bits());
        for c in (0..3 * LOG1P_TABLE_LEN as u64).chain([1 << 40, u64::MAX]) {
            assert_eq!(
                log1p_count(Some(c)).to_bits(),
                log1p(c as f64).to_bits(),
                "{c}"
            );
        }
    }

    #[test]
    fn extract_one_checks_the_buffer() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let err = fx
            .extract_one(&Account::default(), &mut [0.0; 3])
            .unwrap_err();
        assert!(
            err.to_string().contains("twitter v2 (77 features)"),
            "{err}"
        );
    }

    #[test]
    fn extract_into_checks_shape_and_layout() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter);
        let accounts = vec![twitter_account(); 2];
        let mut wrong = Array2::<f64>::zeros((3, fx.schema().len()));
        assert!(fx.extract_into(&accounts, wrong.view_mut()).is_err());
        let mut fortran = Array2::<f64>::zeros((fx.schema().len(), 2));
        let err = fx
            .extract_into(&accounts, fortran.view_mut().reversed_axes())
            .unwrap_err();
        assert!(err.to_string().contains("standard layout"), "{err}");
        let mut buf = Array2::<f64>::from_elem((2, fx.schema().len()), f64::NAN);
        fx.extract_into(&accounts, buf.view_mut()).unwrap();
        assert_eq!(buf, fx.extract_sequential(&accounts).into_values());
    }

    #[test]
    fn parallel_equals_sequential_across_task_boundaries() {
        let fx = FeatureExtractor::new(FeatureSet::Twitter).with_clock(t(2016, 1, 1, 0, 0, 0));
        let accounts: Vec<Account> = (0..2500u64)
            .map(|i| {
                let mut a = twitter_account();
                a.profile.followers_count = Some(i * 7 % 1000);
                a.profile.friends_count = Some(i * 13 % 5000);
                if i % 3 == 0 {
                    a.profile.crawled_at = None;
                }
                if i % 5 == 0 {
                    a.activity = Some(timeline());
                }
                a
            })
            .collect();
        let par = fx.extract(&accounts);
        let seq = fx.extract_sequential(&accounts);
        assert_eq!(par, seq);
        assert_eq!(par.nrows(), 2500);
        assert_ne!(par.values().row(0), par.values().row(1));
    }
}
