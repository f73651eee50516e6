//! Field masking: blank groups of fields to see how a detector copes with poorer exports.
//!
//! Training on masked copies teaches a model the "field missing" case, and the benchmark
//! measures each detector with a group of fields blanked. A blanked field is exactly what an
//! export that lacks it gives: `None` (and no derived summary value either).

use serde::{Deserialize, Serialize};

use crate::account::Account;

use super::text::non_blank;

/// A group of [`crate::Profile`] / [`Account`] fields that exports tend to have or lack together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldGroup {
    /// `created_at` (account age and every rate).
    CreatedAt,
    /// `statuses_count`, `followers_count`, `friends_count`.
    Counts,
    /// `favourites_count`.
    Favourites,
    /// `listed_count`.
    Listed,
    /// The display name (and its summary: length, words, digit ratio, name == screen name).
    Name,
    /// The screen name / username (and its summary: length, digits, digit ratio).
    ScreenName,
    /// The biography (and its summary length).
    Description,
    /// The profile URL (and its summary flag).
    Url,
    /// The free-text location.
    Location,
    /// `default_profile_image` (Instagram: has a profile picture).
    Image,
    /// `default_profile` (the profile keeps the default theme).
    DefaultProfile,
    /// `profile_use_background_image`.
    BackgroundImage,
    /// `verified`.
    Verified,
    /// `protected` (Instagram: a private account).
    Protected,
    /// `geo_enabled`.
    GeoEnabled,
    /// The timeline.
    Timeline,
}

impl FieldGroup {
    /// Every group.
    pub const ALL: [FieldGroup; 16] = [
        FieldGroup::CreatedAt,
        FieldGroup::Counts,
        FieldGroup::Favourites,
        FieldGroup::Listed,
        FieldGroup::Name,
        FieldGroup::ScreenName,
        FieldGroup::Description,
        FieldGroup::Url,
        FieldGroup::Location,
        FieldGroup::Image,
        FieldGroup::DefaultProfile,
        FieldGroup::BackgroundImage,
        FieldGroup::Verified,
        FieldGroup::Protected,
        FieldGroup::GeoEnabled,
        FieldGroup::Timeline,
    ];

    /// The groups to blank so that only the three counts (posts, followers, following)
    /// remain: what the poorest exports (e.g. a follower list with counts) give.
    pub fn counts_only() -> &'static [FieldGroup] {
        &[
            FieldGroup::CreatedAt,
            FieldGroup::Favourites,
            FieldGroup::Listed,
            FieldGroup::Name,
            FieldGroup::ScreenName,
            FieldGroup::Description,
            FieldGroup::Url,
            FieldGroup::Location,
            FieldGroup::Image,
            FieldGroup::DefaultProfile,
            FieldGroup::BackgroundImage,
            FieldGroup::Verified,
            FieldGroup::Protected,
            FieldGroup::GeoEnabled,
            FieldGroup::Timeline,
        ]
    }

    /// The groups' names joined by `sep`, e.g. `created_at, counts`.
    pub fn join(groups: &[FieldGroup], sep: &str) -> String {
        groups
            .iter()
            .map(|g| g.name())
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// A stable `snake_case` name, e.g. `created_at`.
    pub fn name(self) -> &'static str {
        match self {
            FieldGroup::CreatedAt => "created_at",
            FieldGroup::Counts => "counts",
            FieldGroup::Favourites => "favourites",
            FieldGroup::Listed => "listed",
            FieldGroup::Name => "name",
            FieldGroup::ScreenName => "screen_name",
            FieldGroup::Description => "description",
            FieldGroup::Url => "url",
            FieldGroup::Location => "location",
            FieldGroup::Image => "image",
            FieldGroup::DefaultProfile => "default_profile",
            FieldGroup::BackgroundImage => "background_image",
            FieldGroup::Verified => "verified",
            FieldGroup::Protected => "protected",
            FieldGroup::GeoEnabled => "geo_enabled",
            FieldGroup::Timeline => "timeline",
        }
    }

    /// Whether the group is free text (name, screen name, description, URL, location), whose
    /// empty values the X and Weibo readers read as missing (the Instagram readers as empty
    /// text: see `docs/features.md`).
    pub fn is_free_text(self) -> bool {
        matches!(
            self,
            FieldGroup::Name
                | FieldGroup::ScreenName
                | FieldGroup::Description
                | FieldGroup::Url
                | FieldGroup::Location
        )
    }

    /// Whether `account` carries this group: any of its fields (or their summary values) is
    /// known (for the counts, any of the three; [`ExportShape::of`] asks for all three). Free
    /// text that is missing or blank counts as absent: the X and Weibo readers cannot tell the
    /// two apart, and an Instagram export that writes every bio as "" does not carry bios.
    pub fn is_present(self, account: &Account) -> bool {
        let p = &account.profile;
        let s = &p.summary;
        match self {
            FieldGroup::CreatedAt => p.created_at.is_some(),
            FieldGroup::Counts => {
                p.statuses_count.is_some()
                    || p.followers_count.is_some()
                    || p.friends_count.is_some()
            }
            FieldGroup::Favourites => p.favourites_count.is_some(),
            FieldGroup::Listed => p.listed_count.is_some(),
            // Free text counts when it is not blank: an export that writes every bio as ""
            // does not carry bios.
            FieldGroup::Name => {
                non_blank(&p.name)
                    || s.name_length.is_some()
                    || s.name_words.is_some()
                    || s.name_digit_ratio.is_some()
                    || s.name_equals_screen_name.is_some()
            }
            FieldGroup::ScreenName => {
                p.screen_name.is_some()
                    || s.screen_name_length.is_some()
                    || s.screen_name_digits.is_some()
                    || s.screen_name_digit_ratio.is_some()
            }
            FieldGroup::Description => non_blank(&p.description) || s.description_length.is_some(),
            FieldGroup::Url => non_blank(&p.url) || s.has_url.is_some(),
            FieldGroup::Location => p.location.is_some(),
            FieldGroup::Image => p.default_profile_image.is_some(),
            FieldGroup::DefaultProfile => p.default_profile.is_some(),
            FieldGroup::BackgroundImage => p.profile_use_background_image.is_some(),
            FieldGroup::Verified => p.verified.is_some(),
            FieldGroup::Protected => p.protected.is_some(),
            FieldGroup::GeoEnabled => p.geo_enabled.is_some(),
            FieldGroup::Timeline => account.activity.is_some(),
        }
    }

    /// Blanks this group's fields of `account` in place.
    pub fn blank(self, account: &mut Account) {
        let p = &mut account.profile;
        let s = &mut p.summary;
        match self {
            FieldGroup::CreatedAt => p.created_at = None,
            FieldGroup::Counts => {
                p.statuses_count = None;
                p.followers_count = None;
                p.friends_count = None;
            }
            FieldGroup::Favourites => p.favourites_count = None,
            FieldGroup::Listed => p.listed_count = None,
            FieldGroup::Name => {
                p.name = None;
                s.name_length = None;
                s.name_words = None;
                s.name_digit_ratio = None;
                s.name_equals_screen_name = None;
            }
            FieldGroup::ScreenName => {
                p.screen_name = None;
                s.screen_name_length = None;
                s.screen_name_digits = None;
                s.screen_name_digit_ratio = None;
                s.name_equals_screen_name = None;
            }
            FieldGroup::Description => {
                p.description = None;
                s.description_length = None;
            }
            FieldGroup::Url => {
                p.url = None;
                s.has_url = None;
            }
            FieldGroup::Location => p.location = None,
            FieldGroup::Image => p.default_profile_image = None,
            FieldGroup::DefaultProfile => p.default_profile = None,
            FieldGroup::BackgroundImage => p.profile_use_background_image = None,
            FieldGroup::Verified => p.verified = None,
            FieldGroup::Protected => p.protected = None,
            FieldGroup::GeoEnabled => p.geo_enabled = None,
            FieldGroup::Timeline => account.activity = None,
        }
    }
}

impl std::fmt::Display for FieldGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for FieldGroup {
    type Err = crate::error::Error;

    /// Parses a group's [`FieldGroup::name`], ignoring ASCII case.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParams`] naming the accepted values.
    fn from_str(s: &str) -> crate::error::Result<FieldGroup> {
        FieldGroup::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| crate::error::Error::InvalidParams {
                name: "field group".into(),
                reason: format!(
                    "unknown field group {s:?}; expected one of {}",
                    FieldGroup::ALL.map(FieldGroup::name).join(", ")
                ),
            })
    }
}

impl FieldGroup {
    /// Blanks every field of `groups` in `account`, in place.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{Account, FieldGroup};
    /// let mut a = Account::default();
    /// a.profile.followers_count = Some(10);
    /// a.profile.description = Some("hi".into());
    /// FieldGroup::mask(&mut a, FieldGroup::counts_only());
    /// assert_eq!(a.profile.description, None);
    /// assert_eq!(a.profile.followers_count, Some(10));
    /// ```
    pub fn mask(account: &mut Account, groups: &[FieldGroup]) {
        for g in groups {
            g.blank(account);
        }
    }

    /// A copy of `account` with the fields of `groups` blanked ([`FieldGroup::mask`]).
    pub fn masked(account: &Account, groups: &[FieldGroup]) -> Account {
        let mut a = account.clone();
        FieldGroup::mask(&mut a, groups);
        a
    }
}

/// Which [`FieldGroup`]s an export carries (see [`ExportShape::of`] for when a group counts
/// as carried). The audit looks at a leading sample of the input and scores with a model that
/// reads only these groups.
///
/// # Examples
/// ```
/// use follower_audit::{Account, ExportShape, FieldGroup};
/// let mut a = Account::default();
/// a.profile.followers_count = Some(10);
/// a.profile.friends_count = Some(20);
/// // Two of the three counts: not the counts a model reads.
/// assert!(!ExportShape::of([&a]).has(FieldGroup::Counts));
/// a.profile.statuses_count = Some(30);
/// let shape = ExportShape::of([&a]);
/// assert!(shape.has(FieldGroup::Counts));
/// assert!(!shape.has(FieldGroup::CreatedAt));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExportShape {
    present: Vec<FieldGroup>,
}

/// Whether `account` carries `group` as [`ExportShape::of`] counts it: the counts group needs
/// all three counts.
fn carries(account: &Account, group: FieldGroup) -> bool {
    let p = &account.profile;
    match group {
        FieldGroup::Counts => {
            p.statuses_count.is_some() && p.followers_count.is_some() && p.friends_count.is_some()
        }
        _ => group.is_present(account),
    }
}

impl ExportShape {
    /// The shape with exactly `groups` (in any order, repeats ignored).
    pub fn new(groups: impl IntoIterator<Item = FieldGroup>) -> ExportShape {
        let mut present: Vec<FieldGroup> = groups.into_iter().collect();
        present.sort_by_key(|g| FieldGroup::ALL.iter().position(|a| a == g));
        present.dedup();
        ExportShape { present }
    }

    /// Every group.
    pub fn full() -> ExportShape {
        ExportShape::new(FieldGroup::ALL)
    }

    /// The groups `accounts` carry. A free-text group (name, screen name, description, URL,
    /// location) is present when any account has it (not blank): most accounts of an export
    /// that has the field may still lack it, as the X and Weibo readers read an empty text as
    /// missing. Any other group is
    /// present when at least half of the accounts have it: a model that reads a field many
    /// accounts lack would read those accounts' missing values as if they meant something.
    /// The counts group needs all three counts in an account: every training source has the
    /// three, so a model that reads them has never seen one without the others (an export
    /// with one or two, say a column named in a way no reader knows, is scored without
    /// counts). [`FieldGroup::is_present`] is looser: any of the three.
    pub fn of<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> ExportShape {
        let mut seen = [0usize; FieldGroup::ALL.len()];
        let mut n = 0usize;
        for a in accounts {
            n += 1;
            for (i, g) in FieldGroup::ALL.iter().enumerate() {
                seen[i] += usize::from(carries(a, *g));
            }
        }
        ExportShape::new(
            FieldGroup::ALL
                .iter()
                .zip(seen)
                .filter(|(g, c)| {
                    if g.is_free_text() {
                        *c > 0
                    } else {
                        *c > 0 && 2 * *c >= n
                    }
                })
                .map(|(g, _)| *g),
        )
    }

    /// The groups of this shape that `account` carries, when it lacks one that is not free
    /// text: what a model of this shape can read of it. `None` when it lacks none. (A free
    /// text the account lacks is read as empty, as in training: see [`ExportShape::of`].)
    pub(crate) fn carried_by(&self, account: &Account) -> Option<ExportShape> {
        if self
            .present
            .iter()
            .all(|&g| g.is_free_text() || carries(account, g))
        {
            return None;
        }
        Some(ExportShape::new(
            self.present
                .iter()
                .copied()
                .filter(|&g| g.is_free_text() || carries(account, g)),
        ))
    }

    /// Whether `group` is present.
    pub fn has(&self, group: FieldGroup) -> bool {
        self.present.contains(&group)
    }

    /// The present groups, in [`FieldGroup::ALL`]'s order.
    pub fn present(&self) -> &[FieldGroup] {
        &self.present
    }

    /// The absent groups, in [`FieldGroup::ALL`]'s order.
    pub fn absent(&self) -> Vec<FieldGroup> {
        FieldGroup::ALL
            .iter()
            .copied()
            .filter(|g| !self.has(*g))
            .collect()
    }

    /// The groups present in both.
    pub fn intersect(&self, other: &ExportShape) -> ExportShape {
        ExportShape::new(self.present.iter().copied().filter(|g| other.has(*g)))
    }

    /// Whether every group of `self` is in `other`.
    pub fn is_subset(&self, other: &ExportShape) -> bool {
        self.present.iter().all(|g| other.has(*g))
    }

    /// The present groups' names joined by `, ` (`none` when empty).
    pub fn describe(&self) -> String {
        if self.present.is_empty() {
            return "none".into();
        }
        self.present
            .iter()
            .map(|g| g.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_parse_back_as_serde_writes_them() {
        for g in FieldGroup::ALL {
            assert_eq!(g.name().parse::<FieldGroup>().unwrap(), g);
            assert_eq!(serde_json::to_string(&g).unwrap(), format!("\"{g}\""));
        }
        assert_eq!(
            " Counts ".parse::<FieldGroup>().unwrap(),
            FieldGroup::Counts
        );
        assert!("colours".parse::<FieldGroup>().is_err());
        // As a map key too (the report's `scored_without`).
        let map = std::collections::BTreeMap::from([(FieldGroup::CreatedAt, 3u64)]);
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"created_at":3}"#);
        let back: std::collections::BTreeMap<FieldGroup, u64> =
            serde_json::from_str(r#"{"counts":2}"#).unwrap();
        assert_eq!(back.get(&FieldGroup::Counts), Some(&2));
    }
}
