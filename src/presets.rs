//! The default models' recipes: which labelled sources go in, as what, measured when; the
//! shapes of export that have an embedded model; and the choice of a model for an export.
//!
//! `docs/sources.md` says why each source is in the class it is in.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{Account, Label, Platform};
use crate::calibration::CalibrationMethod;
use crate::detector::RandomForestParams;
use crate::error::{Error, Result};
use crate::features::{ExportShape, FeatureSet, FieldGroup};
use crate::formats::{open, Format, Mode, ReadOptions};
use crate::model::{embedded_model, DatasetInfo, DetectorParams, Model, ModelParams};
use crate::training::TrainingSet;

/// Which accounts of a source's files are taken, and with which label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// Every account, with the label its file gives.
    AsLabelled,
    /// Every account, all with this label (the files carry none).
    All(Label),
    /// Only the accounts its file labels so (the others are counted as left out).
    Only(Label),
}

/// One labelled source of a preset.
#[derive(Clone, Copy, Debug)]
pub struct SourceSpec {
    /// Its name, e.g. `cresci-2015/E13`.
    pub name: &'static str,
    /// Its files under the data directory, each with its format.
    pub files: &'static [(&'static str, Format)],
    /// Which accounts are taken, as what.
    pub take: Take,
    /// When it was crawled, for sources whose records carry no crawl time (RFC 3339).
    pub as_of: Option<&'static str>,
}

/// A named, reproducible recipe for the default models of a platform: the labelled sources
/// under a data directory laid out as `../shared/datasets` (see its README), the feature set
/// and the model parameters.
///
/// `Preset::Twitter.train(dir, 0)` produces, byte for byte, the model that
/// [`Model::default_twitter`] embeds (a test checks it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[non_exhaustive]
pub enum Preset {
    /// Every labelled Twitter/X source (see [`Preset::sources`]).
    Twitter,
    /// Every labelled Instagram source.
    Instagram,
    /// The one labelled Sina Weibo source: spammers, not bought followers (docs/sources.md).
    Weibo,
}

const TWITTER_SOURCES: &[SourceSpec] = &[
    SourceSpec {
        name: "cresci-2015/E13",
        files: &[("cresci-2015/E13/users.csv", Format::CresciCsv)],
        take: Take::All(Label::Genuine),
        as_of: None,
    },
    SourceSpec {
        name: "cresci-2015/INT",
        files: &[("cresci-2015/INT/users.csv", Format::CresciCsv)],
        take: Take::All(Label::Fake),
        as_of: None,
    },
    SourceSpec {
        name: "botometer-2019/vendor-purchased-2019",
        files: &[(
            "botometer-2019/vendor-purchased-2019/vendor-purchased-2019_tweets.json",
            Format::Botometer,
        )],
        take: Take::AsLabelled,
        // The latest tweet in the set: the accounts were crawled early in 2018, whatever the
        // set's name says (no account was created after 2018-01-07).
        as_of: Some("2018-02-01T05:28:53Z"),
    },
    SourceSpec {
        name: "botometer-2019/verified-2019",
        files: &[(
            "botometer-2019/verified-2019/verified-2019_tweets.json",
            Format::Botometer,
        )],
        take: Take::AsLabelled,
        // The latest tweet in the set.
        as_of: Some("2019-06-06T01:14:09Z"),
    },
    SourceSpec {
        name: "botometer-2019/cresci-rtbust-2019 (humans)",
        files: &[(
            "botometer-2019/cresci-rtbust-2019/cresci-rtbust-2019_tweets.json",
            Format::Botometer,
        )],
        // Its retweet bots are automated accounts, not bought followers: left out of a
        // fake-follower model (docs/sources.md).
        take: Take::Only(Label::Genuine),
        // The latest tweet in the set.
        as_of: Some("2019-05-17T21:56:15Z"),
    },
    SourceSpec {
        name: "fastfollowerz-2017",
        files: &[("fastfollowerz-2017/fake_users.csv", Format::CresciCsv)],
        take: Take::All(Label::Fake),
        as_of: Some("2017-04-15T00:00:00Z"),
    },
];

const INSTAGRAM_SOURCES: &[SourceSpec] = &[
    SourceSpec {
        name: "instafake/fake-v1.0",
        files: &[
            (
                "instafake/fake-v1.0/fakeAccountData.json",
                Format::InstaFake,
            ),
            (
                "instafake/fake-v1.0/realAccountData.json",
                Format::InstaFake,
            ),
        ],
        take: Take::AsLabelled,
        as_of: None,
    },
    SourceSpec {
        name: "instagram-fake-spammer-genuine",
        files: &[
            (
                "instagram-fake-spammer-genuine/kaggle-free4ever1/train.csv",
                Format::InstagramKaggleCsv,
            ),
            (
                "instagram-fake-spammer-genuine/kaggle-free4ever1/test.csv",
                Format::InstagramKaggleCsv,
            ),
        ],
        take: Take::AsLabelled,
        as_of: None,
    },
    SourceSpec {
        name: "srf-instagram-fake-followers/labelled-1000",
        files: &[(
            "srf-instagram-fake-followers/labelled-1000/labelled_1000_inclprivate.csv",
            Format::InstagramSrfCsv,
        )],
        take: Take::AsLabelled,
        as_of: None,
    },
    SourceSpec {
        name: "instagram-parma-2021",
        // NewDataset.csv re-scrapes most of these accounts (899 of its 1000 rows match one
        // here): taking both would put the same accounts on both sides of a split.
        files: &[(
            "instagram-parma-2021/OldDataSet.csv",
            Format::InstagramParmaCsv,
        )],
        take: Take::AsLabelled,
        as_of: None,
    },
];

const WEIBO_SOURCES: &[SourceSpec] = &[SourceSpec {
    name: "weibo-spammer-microblogpcu",
    files: &[(
        "weibo-spammer-microblogpcu/spammer.csv",
        Format::WeiboSpammerCsv,
    )],
    // `is_spammer`: spam-like accounts (yes) as fake, the others as genuine (docs/sources.md).
    take: Take::AsLabelled,
    // The layout has no creation date, so no age is measured and no crawl time is needed; its
    // README gives none, and none is invented.
    as_of: None,
}];

/// A source read for training: its accounts and what was left out of it.
#[derive(Clone, Debug)]
pub struct SourceAccounts {
    /// The source's name.
    pub name: String,
    /// When it was crawled, for records without a crawl time.
    pub as_of: Option<DateTime<Utc>>,
    /// The taken accounts, labelled.
    pub accounts: Vec<Account>,
    /// Records the reader rejected, each as `file: reason`.
    pub rejected: Vec<String>,
    /// Valid accounts not taken (another label than the source's, or none).
    pub left_out: usize,
}

impl Preset {
    /// Every preset, in the order `twitter`, `instagram`, `weibo`.
    pub const ALL: [Preset; 3] = [Preset::Twitter, Preset::Instagram, Preset::Weibo];

    /// `twitter`, `instagram` or `weibo`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Twitter => "twitter",
            Preset::Instagram => "instagram",
            Preset::Weibo => "weibo",
        }
    }

    /// The platform whose exports it scores.
    pub fn platform(self) -> Platform {
        match self {
            Preset::Twitter => Platform::Twitter,
            Preset::Instagram => Platform::Instagram,
            Preset::Weibo => Platform::Weibo,
        }
    }

    /// The feature set. Weibo profiles are read as Twitter/X ones are (the `users/show` API
    /// copies the v1.1 user object), so Weibo uses the Twitter/X set; of it, the Weibo source
    /// fills the counts, the screen name, the description and the image.
    pub fn feature_set(self) -> FeatureSet {
        match self {
            Preset::Twitter | Preset::Weibo => FeatureSet::Twitter,
            Preset::Instagram => FeatureSet::Instagram,
        }
    }

    /// The labelled sources, in training order.
    pub fn sources(self) -> &'static [SourceSpec] {
        match self {
            Preset::Twitter => TWITTER_SOURCES,
            Preset::Instagram => INSTAGRAM_SOURCES,
            Preset::Weibo => WEIBO_SOURCES,
        }
    }

    /// Masked copies the benchmark's per-detector comparison trains with (the default models
    /// are fitted to an export's shape instead: see [`TrainingSet::fit`]).
    pub fn variants(self) -> &'static [(&'static str, &'static [FieldGroup])] {
        match self {
            Preset::Twitter => &[
                ("no_created_at", &[FieldGroup::CreatedAt]),
                ("no_description", &[FieldGroup::Description]),
                ("no_image", &[FieldGroup::Image]),
            ],
            Preset::Instagram | Preset::Weibo => &[
                ("no_description", &[FieldGroup::Description]),
                ("no_image", &[FieldGroup::Image]),
            ],
        }
    }

    /// The model parameters: a 64-tree forest of depth at most 12 with at least 2 rows a leaf,
    /// isotonic calibration and 10 folds, with `seed` for every random draw. The depth is
    /// capped so that P(fake) varies smoothly along a list, where deep trees' noise would show
    /// as false bursts ([`crate::find_bursts`]); the tree count weighs scoring cost against
    /// accuracy. The comparisons behind both values are in `docs/performance.md` ("Figures
    /// moved from the API docs"); the model's accuracy today is in `docs/sources.md`.
    pub fn params(self, seed: u64) -> ModelParams {
        let forest = RandomForestParams::default()
            .n_trees(64)
            .min_samples_leaf(2)
            .max_depth(Some(12))
            .seed(seed);
        ModelParams::default()
            .detector(DetectorParams::RandomForest(forest))
            .calibration(CalibrationMethod::Isotonic)
            .folds(10)
            .seed(seed)
    }

    /// Field groups its models never read, even when an export has them: fields whose meaning
    /// depends on the era or the source more than on the account. For Twitter/X: likes
    /// (`favourites`), `verified` (in these sources it marks one source, verified-2019), the
    /// default theme, the background image and the geo flag (platform defaults that changed
    /// over the years). For Instagram: the full name (two of the four sources carry it, one
    /// only as pre-computed word and digit counts, so whether a row has it tells its source).
    /// `docs/sources.md` gives the leave-one-source-out errors with and without them.
    pub fn excluded_groups(self) -> &'static [FieldGroup] {
        match self {
            Preset::Twitter => &[
                FieldGroup::Favourites,
                FieldGroup::Verified,
                FieldGroup::DefaultProfile,
                FieldGroup::BackgroundImage,
                FieldGroup::GeoEnabled,
            ],
            Preset::Instagram => &[FieldGroup::Name],
            // The Weibo source has none of those groups; `users/show` exports' are left out
            // by the fit (no training data), not here.
            Preset::Weibo => &[],
        }
    }

    /// The groups of `shape` its models may read: all but [`Preset::excluded_groups`].
    pub fn usable(self, shape: &ExportShape) -> ExportShape {
        ExportShape::new(
            shape
                .present()
                .iter()
                .copied()
                .filter(|g| !self.excluded_groups().contains(g)),
        )
    }

    /// The shapes of export that have an embedded model, with the model's file name.
    pub fn embedded_shapes(self) -> Vec<(&'static str, ExportShape)> {
        use FieldGroup::*;
        match self {
            Preset::Twitter => vec![
                // Full exports and API v2 ones: the same groups once the excluded are gone.
                (
                    "twitter-default.fam",
                    Preset::Twitter.usable(&ExportShape::full()),
                ),
                ("twitter-counts.fam", ExportShape::new([Counts])),
            ],
            Preset::Instagram => vec![(
                "instagram-default.fam",
                Preset::Instagram.usable(&ExportShape::full()),
            )],
            // The source's groups (counts, screen name, description, image): what a
            // `users/show` export with avatars gives once the fit drops the groups the source
            // lacks.
            Preset::Weibo => vec![("weibo-default.fam", ExportShape::full())],
        }
    }

    /// Reads every source under `data_dir`, leniently: malformed records are listed in
    /// [`SourceAccounts::rejected`], not dropped silently.
    ///
    /// # Errors
    /// I/O errors; [`Error::InvalidData`] when a source gives no account.
    pub fn read_sources(self, data_dir: &Path) -> Result<Vec<SourceAccounts>> {
        let mut out = Vec::new();
        for spec in self.sources() {
            let as_of = spec
                .as_of
                .map(|s| {
                    s.parse::<DateTime<Utc>>()
                        .map_err(|e| Error::InvalidData(format!("{}: as-of {s}: {e}", spec.name)))
                })
                .transpose()?;
            let mut src = SourceAccounts {
                name: spec.name.to_string(),
                as_of,
                accounts: Vec::new(),
                rejected: Vec::new(),
                left_out: 0,
            };
            for (rel, format) in spec.files {
                let mut opts = ReadOptions::default()
                    .format(*format)
                    .origin(*rel)
                    .mode(Mode::Lenient);
                if let Take::All(label) = spec.take {
                    opts = opts.label(label);
                }
                for item in open(data_dir.join(rel), &opts)? {
                    let account = match item {
                        Ok(a) => a,
                        Err(e) => {
                            src.rejected.push(format!("{rel}: {e}"));
                            continue;
                        }
                    };
                    let keep = match (spec.take, account.label) {
                        (_, None) => false,
                        (Take::Only(want), Some(l)) => l == want,
                        _ => true,
                    };
                    if keep {
                        src.accounts.push(account);
                    } else {
                        src.left_out += 1;
                    }
                }
            }
            if src.accounts.is_empty() {
                return Err(Error::InvalidData(format!(
                    "{}: no labelled account read",
                    spec.name
                )));
            }
            out.push(src);
        }
        Ok(out)
    }

    /// Every taken account of every source, in order, with one [`DatasetInfo`] per source.
    ///
    /// # Errors
    /// As [`Preset::read_sources`].
    pub fn read(self, data_dir: &Path) -> Result<(Vec<Account>, Vec<DatasetInfo>)> {
        let mut accounts = Vec::new();
        let mut infos = Vec::new();
        for s in self.read_sources(data_dir)? {
            infos.push(DatasetInfo {
                name: s.name.clone(),
                rows: s.accounts.len(),
                fake: s
                    .accounts
                    .iter()
                    .filter(|a| a.label == Some(Label::Fake))
                    .count(),
            });
            for mut a in s.accounts {
                if a.profile.crawled_at.is_none() {
                    a.profile.crawled_at = s.as_of;
                }
                accounts.push(a);
            }
        }
        Ok((accounts, infos))
    }

    /// The training set of every source under `data_dir`.
    ///
    /// # Errors
    /// As [`Preset::read_sources`].
    pub fn training_set(self, data_dir: &Path) -> Result<TrainingSet> {
        let sources = self
            .read_sources(data_dir)?
            .into_iter()
            .map(|s| (s.name, s.as_of, s.accounts))
            .collect();
        TrainingSet::from_sources(self.feature_set(), sources)
    }

    /// The model for full exports, trained on every source under `data_dir`.
    ///
    /// # Errors
    /// As [`Preset::read_sources`] and [`TrainingSet::fit`].
    pub fn train(self, data_dir: &Path, seed: u64) -> Result<Model> {
        self.training_set(data_dir)?
            .fit(&self.usable(&ExportShape::full()), &self.params(seed))
    }

    /// The preset whose models score accounts of `platform`: Instagram for Instagram, Weibo
    /// for Weibo, Twitter for every other platform.
    pub fn for_platform(platform: Platform) -> Preset {
        match platform {
            Platform::Instagram => Preset::Instagram,
            Platform::Weibo => Preset::Weibo,
            _ => Preset::Twitter,
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;

    /// Parses a [`Preset::name`] (or `x` for Twitter).
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the accepted values.
    fn from_str(s: &str) -> Result<Preset> {
        match s {
            "twitter" | "x" => Ok(Preset::Twitter),
            "instagram" => Ok(Preset::Instagram),
            "weibo" => Ok(Preset::Weibo),
            other => Err(Error::InvalidParams {
                name: "preset".into(),
                reason: format!("unknown preset {other:?}: use twitter, instagram or weibo"),
            }),
        }
    }
}

/// Serialized as its name, the string [`Preset::from_str`](std::str::FromStr) parses.
impl From<Preset> for String {
    fn from(v: Preset) -> String {
        v.name().to_string()
    }
}

impl TryFrom<String> for Preset {
    type Error = crate::error::Error;

    fn try_from(s: String) -> crate::error::Result<Preset> {
        s.parse()
    }
}

impl Model {
    /// The model for an export of `platform` carrying the groups of `shape`: the embedded
    /// model fitted to those of its groups the preset reads ([`Preset::usable`]) when there
    /// is one, else one trained now from the embedded training set ([`TrainingSet::fit`] with
    /// [`Preset::params`] and seed 0). Training is deterministic; it fits the model and then
    /// up to one more per training source (for the leave-one-source-out rates), so it costs
    /// far more than taking an embedded model.
    ///
    /// # Errors
    /// As [`TrainingSet::fit`] (not expected with the embedded data).
    pub fn for_export(platform: Platform, shape: &ExportShape) -> Result<Cow<'static, Model>> {
        Model::fitted_for(platform, shape, true)
    }

    /// As [`Model::for_export`]; a model it must fit gets its leave-one-source-out rates
    /// only when `rates` is true.
    pub(crate) fn fitted_for(
        platform: Platform,
        shape: &ExportShape,
        rates: bool,
    ) -> Result<Cow<'static, Model>> {
        let preset = Preset::for_platform(platform);
        let training = TrainingSet::embedded(preset.platform());
        let want = training.trainable(&preset.usable(shape));
        for (file, s) in preset.embedded_shapes() {
            if training.trainable(&s) == want {
                if let Some(m) = embedded_model(file) {
                    return Ok(Cow::Owned(m));
                }
            }
        }
        training
            .fit_shape(&want, &preset.params(0), rates)
            .map(Cow::Owned)
    }
}
