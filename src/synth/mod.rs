//! A seeded generator of realistic synthetic follower lists, and writers of the two export
//! formats the crate reads (Twitter API v1.1 user objects as JSON Lines, and the Cresci/MIB
//! `users.csv`).
//!
//! The generator draws genuine and fake accounts from per-class distributions measured on the
//! genuine (E13) and bought (INT) accounts of the Cresci 2015 data set (S. Cresci et al., "Fame
//! for sale: Efficient detection of fake Twitter followers", Decision Support Systems 80 (2015)
//! 56-71): counts, account ages, empty fields, theme and geotagging flags, name and handle
//! shapes, languages. Names, handles, bios and tweets come from the crate's own word lists; no
//! record of the real data is reproduced.
//!
//! A [`FollowerListSpec`] says how long the list is, its base fake share, the bought bursts
//! (stretches of the follow order where the fake share jumps) and the seed. Accounts are
//! returned in follow order, newest follower first (the order the API returns them). Account
//! `i` depends only on the seed, `i` and the fake share at `i`, so lists of any length are
//! streamed in constant memory and any stretch can be regenerated on its own.
//!
//! # Examples
//!
//! ```
//! use follower_audit::synth::{self, BurstSpec, FollowerListSpec};
//!
//! let generator = FollowerListSpec::new(500)
//!     .fake_share(0.1)
//!     .burst(BurstSpec::new(100, 50, 0.9))
//!     .seed(7)
//!     .build()?;
//! let truth = generator.truth();
//! let mut out = Vec::new();
//! let written = synth::write_twitter_v1_jsonl(&mut out, generator.iter())?;
//! assert_eq!(written, 500);
//! assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 500);
//! assert!(truth.bursts[0].fake_count > 30);
//! # Ok::<(), follower_audit::Error>(())
//! ```

mod calibration;
mod text;
mod writers;

use std::io::Write;
use std::ops::Range;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{Account, Label, Platform, Post, Profile};
use crate::error::{Error, Result};

use calibration::{ClassModel, FAKE_FRESH, FAKE_FRESH_SHARE, FAKE_MATURE, GENUINE};
use text::Culture;

pub use writers::{
    write_cresci_csv, write_instagram_jsonl, write_twitter_v1_jsonl, CresciCsvWriter, SynthFormat,
    TwitterV1JsonlWriter, CRESCI_COLUMNS, SYNTH_DATASET_TAG,
};

/// The name and version of the generator, recorded in [`Truth`]. Bump the version whenever a
/// change alters the accounts a spec produces.
pub const GENERATOR_VERSION: &str = "follower-audit-synth/2";

/// The default crawl time: 2015-02-14 12:00:00 UTC, the day the Cresci 2015 subsets were
/// crawled, so that account ages line up with the data the calibration came from.
pub fn default_crawled_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 2, 14, 12, 0, 0)
        .single()
        .expect("a valid fixed date")
}

/// The spec of the bundled demo list, `datasets/demo/followers.jsonl`: 3,000 followers of a
/// fictional brand account, a 6% fake share outside one bought burst of 600 followers
/// (positions 700 to 1,299, newest first) that is 90% fake, seed 20150214.
///
/// `cargo run --release --example generate -- --n 3000 --fake-share 0.06 --burst 700:600:0.9
/// --seed 20150214 --format twitter-v1-jsonl --out datasets/demo/followers.jsonl --truth
/// datasets/demo/truth.json` writes it; a test checks the committed files match byte for byte.
///
/// # Examples
///
/// ```
/// let truth = follower_audit::synth::demo_spec().build()?.truth();
/// assert_eq!(truth.n, 3_000);
/// assert!(truth.genuine_share > 0.7 && truth.genuine_share < 0.85);
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub fn demo_spec() -> FollowerListSpec {
    FollowerListSpec::new(3_000)
        .fake_share(0.06)
        .burst(BurstSpec::new(700, 600, 0.9))
        .seed(20150214)
}

/// A stretch of the follow order where followers were bought: `len` followers starting at
/// position `start` (0 = newest follower), of which a share `fake_share` is fake on average.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurstSpec {
    /// First position (0-based, 0 = newest follower).
    pub start: u64,
    /// Number of followers in the burst.
    pub len: u64,
    /// Probability that a follower inside the burst is fake.
    pub fake_share: f64,
}

impl BurstSpec {
    /// A burst of `len` followers from position `start` with fake share `fake_share`.
    pub fn new(start: u64, len: u64, fake_share: f64) -> BurstSpec {
        BurstSpec {
            start,
            len,
            fake_share,
        }
    }

    /// The positions it covers.
    pub fn range(&self) -> Range<u64> {
        self.start..self.start.saturating_add(self.len)
    }
}

impl std::str::FromStr for BurstSpec {
    type Err = Error;

    /// Parses `START:LEN:SHARE`, e.g. `1200:800:0.9`.
    fn from_str(s: &str) -> Result<BurstSpec> {
        let bad = |reason: &str| Error::InvalidParams {
            name: "burst".into(),
            reason: format!("{reason} in {s:?} (expected START:LEN:SHARE, e.g. 1200:800:0.9)"),
        };
        let mut parts = s.split(':');
        let (Some(a), Some(b), Some(c), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("need three fields"));
        };
        let start = a.trim().parse().map_err(|_| bad("START is not a count"))?;
        let len = b.trim().parse().map_err(|_| bad("LEN is not a count"))?;
        let fake_share = c.trim().parse().map_err(|_| bad("SHARE is not a number"))?;
        Ok(BurstSpec::new(start, len, fake_share))
    }
}

/// What follower list to generate (unchecked; [`FollowerListSpec::build`] validates it).
///
/// # Examples
///
/// ```
/// use follower_audit::synth::{BurstSpec, FollowerListSpec};
///
/// let spec = FollowerListSpec::new(1_000).fake_share(0.2).seed(1);
/// let a: Vec<_> = spec.build()?.iter().take(5).collect();
/// let b: Vec<_> = spec.build()?.iter().take(5).collect();
/// assert_eq!(a, b);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowerListSpec {
    /// Number of followers.
    pub n: u64,
    /// Probability that a follower outside every burst is fake.
    pub fake_share: f64,
    /// Bought bursts; they must not overlap and must lie inside `0..n`.
    pub bursts: Vec<BurstSpec>,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// When the list was "crawled": the time account ages are measured against, written as
    /// every account's `crawled_at` and the Cresci CSV's `updated`.
    pub crawled_at: DateTime<Utc>,
    /// The network the accounts look like: [`Platform::Twitter`] (default) or
    /// [`Platform::Instagram`] (calibrated to InstaFake; no creation dates or timelines).
    #[serde(default = "twitter")]
    pub platform: Platform,
}

fn twitter() -> Platform {
    Platform::Twitter
}

impl Default for FollowerListSpec {
    fn default() -> FollowerListSpec {
        FollowerListSpec {
            n: 1_000,
            fake_share: 0.2,
            bursts: Vec::new(),
            seed: 0,
            crawled_at: default_crawled_at(),
            platform: Platform::Twitter,
        }
    }
}

impl FollowerListSpec {
    /// A list of `n` followers with the default fake share (0.2), no burst, seed 0.
    pub fn new(n: u64) -> FollowerListSpec {
        FollowerListSpec {
            n,
            ..FollowerListSpec::default()
        }
    }

    /// Sets the fake share outside the bursts.
    pub fn fake_share(mut self, share: f64) -> FollowerListSpec {
        self.fake_share = share;
        self
    }

    /// Adds a bought burst.
    pub fn burst(mut self, burst: BurstSpec) -> FollowerListSpec {
        self.bursts.push(burst);
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> FollowerListSpec {
        self.seed = seed;
        self
    }

    /// Sets the crawl time.
    pub fn crawled_at(mut self, at: DateTime<Utc>) -> FollowerListSpec {
        self.crawled_at = at;
        self
    }

    /// Sets the network the accounts look like (Twitter or Instagram).
    pub fn platform(mut self, platform: Platform) -> FollowerListSpec {
        self.platform = platform;
        self
    }

    /// Validates the spec and returns the generator.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParams`] when a share is not in `[0, 1]`, a burst is empty, runs past
    /// `n` or overlaps another, the crawl time is before 2007 (accounts would predate
    /// Twitter), or the platform is neither Twitter nor Instagram.
    pub fn build(&self) -> Result<FollowerGenerator> {
        let share_ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !share_ok(self.fake_share) {
            return Err(Error::InvalidParams {
                name: "fake_share".into(),
                reason: format!("must be in [0, 1], got {}", self.fake_share),
            });
        }
        let mut bursts = self.bursts.clone();
        bursts.sort_by_key(|b| b.start);
        for (i, b) in bursts.iter().enumerate() {
            let name = || "burst".to_string();
            if !share_ok(b.fake_share) {
                return Err(Error::InvalidParams {
                    name: name(),
                    reason: format!("fake share must be in [0, 1], got {}", b.fake_share),
                });
            }
            if b.len == 0 {
                return Err(Error::InvalidParams {
                    name: name(),
                    reason: format!("burst at {} is empty", b.start),
                });
            }
            if b.start.checked_add(b.len).map_or(true, |end| end > self.n) {
                return Err(Error::InvalidParams {
                    name: name(),
                    reason: format!(
                        "burst {}..{} runs past the end of the list ({} followers)",
                        b.start,
                        b.start.saturating_add(b.len),
                        self.n
                    ),
                });
            }
            if i > 0 && bursts[i - 1].range().end > b.start {
                return Err(Error::InvalidParams {
                    name: name(),
                    reason: format!(
                        "bursts {:?} and {:?} overlap",
                        bursts[i - 1].range(),
                        b.range()
                    ),
                });
            }
        }
        let earliest = Utc
            .with_ymd_and_hms(2007, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date");
        if self.crawled_at < earliest {
            return Err(Error::InvalidParams {
                name: "crawled_at".into(),
                reason: format!("must be 2007 or later, got {}", self.crawled_at),
            });
        }
        if !matches!(self.platform, Platform::Twitter | Platform::Instagram) {
            return Err(Error::InvalidParams {
                name: "platform".into(),
                reason: format!(
                    "the generator makes Twitter or Instagram accounts, not {:?}",
                    self.platform
                ),
            });
        }
        let base = ChaCha8Rng::seed_from_u64(self.seed);
        Ok(FollowerGenerator {
            spec: FollowerListSpec {
                bursts,
                ..self.clone()
            },
            base,
        })
    }
}

/// A validated [`FollowerListSpec`], ready to produce accounts.
#[derive(Clone, Debug)]
pub struct FollowerGenerator {
    spec: FollowerListSpec,
    base: ChaCha8Rng,
}

/// Twitter's launch (2006-03-21): no account is older.
const LAUNCH_MS: i64 = 1_142_899_200_000;

impl FollowerGenerator {
    /// The (validated, bursts sorted) spec.
    pub fn spec(&self) -> &FollowerListSpec {
        &self.spec
    }

    /// Number of followers.
    pub fn len(&self) -> u64 {
        self.spec.n
    }

    /// `true` when the list is empty.
    pub fn is_empty(&self) -> bool {
        self.spec.n == 0
    }

    /// The probability that the follower at `position` is fake.
    pub fn fake_share_at(&self, position: u64) -> f64 {
        self.spec
            .bursts
            .iter()
            .find(|b| b.range().contains(&position))
            .map_or(self.spec.fake_share, |b| b.fake_share)
    }

    fn rng_at(&self, position: u64) -> ChaCha8Rng {
        let mut rng = self.base.clone();
        rng.set_stream(position);
        rng
    }

    /// The true label of the follower at `position` (cheap: one random draw), or `None` past
    /// the end.
    pub fn label(&self, position: u64) -> Option<Label> {
        if position >= self.spec.n {
            return None;
        }
        let mut rng = self.rng_at(position);
        Some(self.draw_label(&mut rng, position))
    }

    fn draw_label(&self, rng: &mut ChaCha8Rng, position: u64) -> Label {
        if rng.gen::<f64>() < self.fake_share_at(position) {
            Label::Fake
        } else {
            Label::Genuine
        }
    }

    /// The follower at `position` (0 = newest), or `None` past the end.
    pub fn account(&self, position: u64) -> Option<Account> {
        if position >= self.spec.n {
            return None;
        }
        let mut rng = self.rng_at(position);
        let label = self.draw_label(&mut rng, position);
        Some(match self.spec.platform {
            Platform::Instagram => self.draw_instagram(&mut rng, position, label),
            _ => self.draw_account(&mut rng, position, label),
        })
    }

    /// All followers in follow order (newest first), streamed.
    pub fn iter(&self) -> Followers {
        self.range(0..self.spec.n)
    }

    /// The followers at `positions` (clipped to the list), streamed; handy for generating
    /// chunks in parallel.
    pub fn range(&self, positions: Range<u64>) -> Followers {
        let end = positions.end.min(self.spec.n);
        Followers {
            generator: self.clone(),
            next: positions.start.min(end),
            end,
        }
    }

    /// Generates the whole list and writes it to `out` in `format`, on the rayon pool: blocks
    /// of followers are generated and formatted in parallel and written in order, so the bytes
    /// are exactly those of [`write_cresci_csv`] / [`write_twitter_v1_jsonl`] over
    /// [`FollowerGenerator::iter`], and memory stays bounded (a few MB per thread) whatever the
    /// length. `progress` is called after each block with the number of followers written so
    /// far. Returns the number of followers written.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use follower_audit::synth::{self, FollowerListSpec, SynthFormat};
    ///
    /// let g = FollowerListSpec::new(3_000).seed(4).build()?;
    /// let mut parallel = Vec::new();
    /// g.write_to(&mut parallel, SynthFormat::CresciCsv, |_| {})?;
    /// let mut sequential = Vec::new();
    /// synth::write_cresci_csv(&mut sequential, g.iter())?;
    /// assert_eq!(parallel, sequential);
    /// # Ok::<(), follower_audit::Error>(())
    /// ```
    pub fn write_to<W: Write>(
        &self,
        mut out: W,
        format: SynthFormat,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        const PIECE: u64 = 2_048;
        let pieces_per_block = 4 * rayon::current_num_threads().max(1) as u64;
        let io = |err| Error::Io {
            origin: "synthetic writer".into(),
            err,
        };
        out.write_all(&format.header()).map_err(io)?;
        let n = self.spec.n;
        let mut done = 0u64;
        while done < n {
            let block_end = (done + PIECE * pieces_per_block).min(n);
            let starts: Vec<u64> = (done..block_end).step_by(PIECE as usize).collect();
            let pieces: Vec<Vec<u8>> = starts
                .par_iter()
                .map(|&start| {
                    let mut buf = Vec::with_capacity(PIECE as usize * 1024);
                    for account in self.range(start..(start + PIECE).min(block_end)) {
                        format.push_record(&mut buf, &account);
                    }
                    buf
                })
                .collect();
            for piece in &pieces {
                out.write_all(piece).map_err(io)?;
            }
            done = block_end;
            progress(done);
        }
        out.flush().map_err(io)?;
        Ok(n)
    }

    /// The ground truth of the whole list: realised fake count and share, per burst too.
    /// Costs one random draw per follower.
    pub fn truth(&self) -> Truth {
        let mut fake_count = 0u64;
        let mut bursts: Vec<BurstTruth> = self
            .spec
            .bursts
            .iter()
            .map(|b| BurstTruth {
                start: b.start,
                len: b.len,
                fake_share_param: b.fake_share,
                fake_count: 0,
                fake_share: 0.0,
            })
            .collect();
        for pos in 0..self.spec.n {
            if self.label(pos) == Some(Label::Fake) {
                fake_count += 1;
                if let Some(b) = bursts
                    .iter_mut()
                    .find(|b| (b.start..b.start + b.len).contains(&pos))
                {
                    b.fake_count += 1;
                }
            }
        }
        for b in &mut bursts {
            b.fake_share = b.fake_count as f64 / b.len as f64;
        }
        let n = self.spec.n;
        let fake_share = if n == 0 {
            0.0
        } else {
            fake_count as f64 / n as f64
        };
        Truth {
            generator: GENERATOR_VERSION.to_string(),
            synthetic: true,
            order: "newest_first".to_string(),
            n,
            seed: self.spec.seed,
            crawled_at: self.spec.crawled_at,
            base_fake_share: self.spec.fake_share,
            fake_count,
            genuine_count: n - fake_count,
            fake_share,
            genuine_share: if n == 0 { 0.0 } else { 1.0 - fake_share },
            bursts,
        }
    }

    fn draw_account(&self, rng: &mut ChaCha8Rng, position: u64, label: Label) -> Account {
        let fake = label.is_fake();
        let model: &ClassModel = if !fake {
            &GENUINE
        } else if text::chance(rng, FAKE_FRESH_SHARE) {
            &FAKE_FRESH
        } else {
            &FAKE_MATURE
        };
        // The latent factor and the correlated normal scores of each count.
        let factor = std_normal(rng);
        let mut draw = |m: &calibration::Marginal| {
            let e = std_normal(rng);
            let x = m.loading * factor + (1.0 - m.loading * m.loading).sqrt() * e;
            m.quantile(calibration::normal_cdf(x))
        };
        let count = |v: f64| v.round().max(0.0) as u64;
        let statuses = count(draw(&model.statuses));
        let followers = count(draw(&model.followers));
        let friends = count(draw(&model.friends));
        let favourites = count(draw(&model.favourites));
        let listed = count(draw(&model.listed));
        let age_days = draw(&model.age_days);

        let crawl_ms = self.spec.crawled_at.timestamp_millis();
        let created_s =
            ((crawl_ms - (age_days * 86_400_000.0) as i64).max(LAUNCH_MS + 86_400_000)) / 1000;
        let created_at = Utc
            .timestamp_opt(created_s, 0)
            .single()
            .unwrap_or(self.spec.crawled_at);

        let lang = text::weighted(rng, model.langs);
        let culture = match lang {
            "it" => Culture::Italian,
            "en" if !fake && text::chance(rng, 0.6) => Culture::Italian,
            _ => Culture::English,
        };
        let name = if fake {
            text::fake_name(rng)
        } else {
            text::genuine_name(rng, culture)
        };
        let screen_name = if fake {
            text::fake_screen_name(rng, &name)
        } else {
            text::genuine_screen_name(rng, &name)
        };
        let description = if text::chance(rng, model.empty_description) {
            None
        } else {
            let target = calibration::BIO_LENGTH.quantile(rng.gen::<f64>()).round() as usize;
            Some(text::bio(rng, culture, fake, target))
        };
        let location = if text::chance(rng, model.empty_location) {
            None
        } else {
            Some(text::location(rng, culture))
        };
        let url = text::chance(rng, model.has_url).then(|| text::url(rng, &screen_name, culture));
        let default_profile = text::chance(rng, model.default_profile);
        let default_profile_image = text::chance(rng, model.default_profile_image);
        let geo_enabled = text::chance(rng, model.geo_enabled);
        let use_background_image = text::chance(rng, model.use_background_image);

        let id = snowflake(created_at.timestamp_millis(), position);
        let activity = (statuses > 0)
            .then(|| vec![self.draw_last_tweet(rng, position, created_at, factor, culture, fake)]);

        Account {
            profile: Profile {
                platform: Platform::Twitter,
                id: Some(id.to_string()),
                screen_name: Some(screen_name),
                name: Some(name.display),
                description,
                url,
                location,
                lang: Some(lang.to_string()),
                created_at: Some(created_at),
                statuses_count: Some(statuses),
                followers_count: Some(followers),
                friends_count: Some(friends),
                favourites_count: Some(favourites),
                listed_count: Some(listed),
                default_profile: Some(default_profile),
                default_profile_image: Some(default_profile_image),
                profile_use_background_image: Some(use_background_image),
                verified: Some(false),
                protected: Some(false),
                geo_enabled: Some(geo_enabled),
                crawled_at: Some(self.spec.crawled_at),
                summary: Default::default(),
            },
            activity,
            label: Some(label),
            engaged_at: None,
        }
    }

    /// An Instagram profile (see the InstaFake classes in `calibration`).
    fn draw_instagram(&self, rng: &mut ChaCha8Rng, position: u64, label: Label) -> Account {
        let model = if label.is_fake() {
            &calibration::IG_FAKE
        } else {
            &calibration::IG_GENUINE
        };
        let factor = std_normal(rng);
        let mut draw = |m: &calibration::Marginal| {
            let e = std_normal(rng);
            let x = m.loading * factor + (1.0 - m.loading * m.loading).sqrt() * e;
            m.quantile(calibration::normal_cdf(x))
        };
        let count = |v: f64| v.round().max(0.0) as u64;
        let followers = count(draw(&model.followers));
        let following = count(draw(&model.following));
        let media = count(draw(&model.media));
        let bio_length = count(draw(&model.bio_length)) as usize;
        let username_length = count(draw(&model.username_length)) as usize;
        let culture = if text::chance(rng, 0.5) {
            Culture::English
        } else {
            Culture::Italian
        };
        let words = weighted_index(rng, model.name_words);
        let name = text::instagram_full_name(rng, culture, words);
        let digits = weighted_index(rng, model.username_digits);
        let username = text::instagram_username(rng, &name, username_length, digits);
        let description = (bio_length > 0).then(|| {
            let mut b = text::bio(rng, culture, label.is_fake(), bio_length);
            if let Some((i, _)) = b.char_indices().nth(bio_length.max(1)) {
                b.truncate(i);
            }
            b.trim_end().to_string()
        });
        let has_picture = text::chance(rng, model.has_picture);
        let private = text::chance(rng, model.private);
        let url = text::chance(rng, model.has_url)
            .then(|| text::url(rng, &username.replace('.', ""), culture));
        // Numeric ids unique per position.
        let id = 1_000_000_000 + position * 1_000 + rng.gen_range(0..1_000);
        Account {
            profile: Profile {
                platform: Platform::Instagram,
                id: Some(id.to_string()),
                screen_name: Some(username),
                name: (!name.display.is_empty()).then_some(name.display),
                description,
                url,
                statuses_count: Some(media),
                followers_count: Some(followers),
                friends_count: Some(following),
                default_profile_image: Some(!has_picture),
                protected: Some(private),
                verified: Some(false),
                crawled_at: Some(self.spec.crawled_at),
                ..Profile::default()
            },
            activity: None,
            label: Some(label),
            engaged_at: None,
        }
    }

    /// The latest tweet. How long ago it was posted is hand-chosen (the data we calibrate on
    /// has no tweets): genuine accounts mostly within days, more so the more established they
    /// are; bought accounts weeks to months ago.
    fn draw_last_tweet(
        &self,
        rng: &mut ChaCha8Rng,
        position: u64,
        created_at: DateTime<Utc>,
        factor: f64,
        culture: Culture,
        fake: bool,
    ) -> Post {
        let days_ago = if fake {
            (rng.gen_range(30f64.ln()..600f64.ln())).exp()
        } else {
            (0.3 - 0.8 * factor + 1.5 * std_normal(rng)).exp()
        };
        let crawl = self.spec.crawled_at;
        let mut at = crawl - Duration::seconds((days_ago * 86_400.0) as i64);
        if at <= created_at {
            at = created_at + Duration::seconds(rng.gen_range(60..86_400));
            if at > crawl {
                at = crawl;
            }
        }
        let t = text::tweet(rng, culture, fake);
        let (tags, mentions, urls) = text::entity_counts(&t.text);
        let retweet_count = if t.is_retweet {
            (rng.gen_range(0f64..6.0)).exp().floor() as u64
        } else if fake || text::chance(rng, 0.8) {
            0
        } else {
            rng.gen_range(1..4)
        };
        Post {
            id: Some(snowflake(at.timestamp_millis(), position).to_string()),
            created_at: Some(at),
            text: Some(t.text),
            source: Some(t.client.to_string()),
            is_retweet: t.is_retweet,
            is_reply: t.is_reply,
            retweet_count: Some(retweet_count),
            num_urls: Some(urls),
            num_mentions: Some(mentions),
            num_hashtags: Some(tags),
        }
    }
}

/// A snowflake-style id: milliseconds since Twitter's launch in the high bits, the position in
/// the low 22 bits (and the next bits of the position in the milliseconds), so ids grow with
/// creation time and are unique for lists of up to about four billion followers.
fn snowflake(ms: i64, position: u64) -> u64 {
    let secs_ms = (ms.max(LAUNCH_MS) - LAUNCH_MS) as u64 / 1000 * 1000;
    let ms = secs_ms + (position >> 22) % 1000;
    (ms << 22) | (position & 0x3F_FFFF)
}

/// An index drawn with the given relative weights.
fn weighted_index(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.gen::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return i;
        }
        u -= w;
    }
    0
}

/// A standard normal draw (Box-Muller, one value per pair of uniforms).
fn std_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The accounts of a [`FollowerGenerator`], in follow order. Made by
/// [`FollowerGenerator::iter`] and [`FollowerGenerator::range`].
#[derive(Clone, Debug)]
pub struct Followers {
    generator: FollowerGenerator,
    next: u64,
    end: u64,
}

impl Iterator for Followers {
    type Item = Account;

    fn next(&mut self) -> Option<Account> {
        if self.next >= self.end {
            return None;
        }
        let a = self.generator.account(self.next);
        self.next += 1;
        a
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }

    fn nth(&mut self, n: usize) -> Option<Account> {
        self.next = self.next.saturating_add(n as u64).min(self.end);
        self.next()
    }
}

impl ExactSizeIterator for Followers {}

impl IntoIterator for &FollowerGenerator {
    type Item = Account;
    type IntoIter = Followers;

    fn into_iter(self) -> Followers {
        self.iter()
    }
}

/// The realised truth of one burst.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurstTruth {
    /// First position (0 = newest follower).
    pub start: u64,
    /// Number of followers in it.
    pub len: u64,
    /// The fake share the spec asked for.
    pub fake_share_param: f64,
    /// How many of its followers are fake.
    pub fake_count: u64,
    /// `fake_count / len`.
    pub fake_share: f64,
}

/// The ground truth of a generated list, written beside it as a sidecar (`truth.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The generator and its version ([`GENERATOR_VERSION`]).
    pub generator: String,
    /// Always `true`: the accounts are synthetic.
    pub synthetic: bool,
    /// The order of the list: `newest_first`.
    pub order: String,
    /// Number of followers.
    pub n: u64,
    /// The seed.
    pub seed: u64,
    /// The crawl time account ages are measured against.
    pub crawled_at: DateTime<Utc>,
    /// The fake share outside the bursts, as asked.
    pub base_fake_share: f64,
    /// Number of fake followers.
    pub fake_count: u64,
    /// Number of genuine followers.
    pub genuine_count: u64,
    /// `fake_count / n`.
    pub fake_share: f64,
    /// `genuine_count / n`, the number an audit estimates.
    pub genuine_share: f64,
    /// The bursts, in position order.
    pub bursts: Vec<BurstTruth>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spec_same_accounts_and_prefix_stable() {
        let g = FollowerListSpec::new(300).seed(9).build().unwrap();
        let a: Vec<Account> = g.iter().collect();
        let b: Vec<Account> = g.iter().collect();
        assert_eq!(a, b);
        let longer = FollowerListSpec::new(600).seed(9).build().unwrap();
        let c: Vec<Account> = longer.iter().take(300).collect();
        assert_eq!(a, c);
        let other = FollowerListSpec::new(300).seed(10).build().unwrap();
        assert_ne!(a, other.iter().collect::<Vec<_>>());
    }

    #[test]
    fn range_equals_the_slice_of_the_whole() {
        let g = FollowerListSpec::new(200).seed(3).build().unwrap();
        let all: Vec<Account> = g.iter().collect();
        let part: Vec<Account> = g.range(50..80).collect();
        assert_eq!(part, all[50..80].to_vec());
        assert_eq!(g.range(190..500).len(), 10);
        assert_eq!(g.iter().nth(7), Some(all[7].clone()));
    }

    #[test]
    fn ids_are_unique_and_labels_match_truth() {
        let g = FollowerListSpec::new(2000)
            .fake_share(0.3)
            .burst(BurstSpec::new(100, 200, 1.0))
            .seed(5)
            .build()
            .unwrap();
        let accounts: Vec<Account> = g.iter().collect();
        let mut ids: Vec<&str> = accounts
            .iter()
            .map(|a| a.profile.id.as_deref().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 2000);
        let truth = g.truth();
        let fakes = accounts
            .iter()
            .filter(|a| a.label == Some(Label::Fake))
            .count() as u64;
        assert_eq!(truth.fake_count, fakes);
        assert_eq!(truth.bursts[0].fake_count, 200);
        assert!(
            (truth.fake_share - 0.37).abs() < 0.05,
            "{}",
            truth.fake_share
        );
        for (i, a) in accounts.iter().enumerate() {
            assert_eq!(a.label, g.label(i as u64));
            let p = &a.profile;
            assert!(p.created_at.unwrap() <= p.crawled_at.unwrap());
            if let Some(post) = a.activity.as_ref().and_then(|v| v.first()) {
                assert!(post.created_at.unwrap() >= p.created_at.unwrap());
                assert!(post.created_at.unwrap() <= p.crawled_at.unwrap());
            }
        }
    }

    #[test]
    fn invalid_specs_are_rejected() {
        assert!(FollowerListSpec::new(10).fake_share(1.5).build().is_err());
        assert!(FollowerListSpec::new(10)
            .fake_share(f64::NAN)
            .build()
            .is_err());
        assert!(FollowerListSpec::new(10)
            .burst(BurstSpec::new(5, 6, 0.9))
            .build()
            .is_err());
        assert!(FollowerListSpec::new(10)
            .burst(BurstSpec::new(5, 0, 0.9))
            .build()
            .is_err());
        assert!(FollowerListSpec::new(10)
            .burst(BurstSpec::new(0, 5, 0.9))
            .burst(BurstSpec::new(4, 2, 0.9))
            .build()
            .is_err());
        assert!(FollowerListSpec::new(10)
            .burst(BurstSpec::new(u64::MAX, 2, 0.9))
            .build()
            .is_err());
        assert!(FollowerListSpec::new(10)
            .platform(Platform::Weibo)
            .build()
            .is_err());
        let g = FollowerListSpec::new(0).build().unwrap();
        assert_eq!(g.iter().count(), 0);
        assert_eq!(g.truth().fake_count, 0);
    }

    #[test]
    fn instagram_accounts_are_unique_and_deterministic() {
        let g = FollowerListSpec::new(3_000)
            .platform(Platform::Instagram)
            .fake_share(0.5)
            .seed(8)
            .build()
            .unwrap();
        let a: Vec<Account> = g.iter().collect();
        assert_eq!(a, g.iter().collect::<Vec<_>>());
        let mut ids: Vec<&str> = a.iter().map(|x| x.profile.id.as_deref().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 3_000);
        assert!(a.iter().all(|x| x.profile.platform == Platform::Instagram
            && x.profile.created_at.is_none()
            && x.activity.is_none()));
        // Fake accounts follow many more than genuine ones (medians about 1,470 vs 420).
        let median_following = |label: Label| {
            let mut v: Vec<u64> = a
                .iter()
                .filter(|x| x.label == Some(label))
                .map(|x| x.profile.friends_count.unwrap())
                .collect();
            v.sort_unstable();
            v[v.len() / 2]
        };
        assert!(median_following(Label::Fake) > 2 * median_following(Label::Genuine));
    }

    #[test]
    fn burst_parses_from_text() {
        let b: BurstSpec = "1200:800:0.9".parse().unwrap();
        assert_eq!(b, BurstSpec::new(1200, 800, 0.9));
        assert!("1200:800".parse::<BurstSpec>().is_err());
        assert!("a:800:0.9".parse::<BurstSpec>().is_err());
        assert!("1:2:3:4".parse::<BurstSpec>().is_err());
    }

    #[test]
    fn snowflakes_grow_with_time_and_keep_position() {
        assert!(snowflake(LAUNCH_MS + 10_000, 5) > snowflake(LAUNCH_MS + 5_000, 9));
        assert_ne!(snowflake(LAUNCH_MS, 1), snowflake(LAUNCH_MS, 1 + (1 << 22)));
        assert_eq!(snowflake(LAUNCH_MS, 3) & 0x3F_FFFF, 3);
    }
}
