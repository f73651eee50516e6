//! Field masking: blank groups of fields to see how a detector copes with poorer exports.
//!
//! Training on masked copies teaches a model the "field missing" case, and the benchmark
//! measures each detector with a group of fields blanked. A blanked field is exactly what an
//! export that lacks it gives: `None` (and no derived summary value either).

use serde::{Deserialize, Serialize};

use crate::account::Account;

/// A group of [`crate::Profile`] / [`Account`] fields that exports tend to have or lack together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// `default_profile`, `profile_use_background_image`, `verified`, `protected`, `geo_enabled`.
    ProfileFlags,
    /// The timeline.
    Timeline,
}

impl FieldGroup {
    /// Every group.
    pub const ALL: [FieldGroup; 12] = [
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
        FieldGroup::ProfileFlags,
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
            FieldGroup::ProfileFlags,
            FieldGroup::Timeline,
        ]
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
            FieldGroup::ProfileFlags => "profile_flags",
            FieldGroup::Timeline => "timeline",
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
            FieldGroup::ProfileFlags => {
                p.default_profile = None;
                p.profile_use_background_image = None;
                p.verified = None;
                p.protected = None;
                p.geo_enabled = None;
            }
            FieldGroup::Timeline => account.activity = None,
        }
    }
}

/// Blanks every field of `groups` in `account`, in place.
///
/// # Examples
/// ```
/// use follower_audit::{mask_fields, Account, FieldGroup};
/// let mut a = Account::default();
/// a.profile.followers_count = Some(10);
/// a.profile.description = Some("hi".into());
/// mask_fields(&mut a, FieldGroup::counts_only());
/// assert_eq!(a.profile.description, None);
/// assert_eq!(a.profile.followers_count, Some(10));
/// ```
pub fn mask_fields(account: &mut Account, groups: &[FieldGroup]) {
    for g in groups {
        g.blank(account);
    }
}

/// A copy of `account` with the fields of `groups` blanked.
pub fn masked(account: &Account, groups: &[FieldGroup]) -> Account {
    let mut a = account.clone();
    mask_fields(&mut a, groups);
    a
}
