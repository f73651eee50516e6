//! The account model: plain data, filled by the readers and read by the feature extractors.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The ground-truth class of an account. Probabilities in this crate are always P(fake).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// A real person or organisation.
    Genuine,
    /// A fake account: bought follower, zombie fan, mass-created profile.
    Fake,
}

impl Label {
    /// `true` for [`Label::Fake`].
    pub fn is_fake(self) -> bool {
        self == Label::Fake
    }

    /// 1.0 for fake, 0.0 for genuine, the target of P(fake).
    pub fn as_f64(self) -> f64 {
        if self.is_fake() {
            1.0
        } else {
            0.0
        }
    }
}

/// The social network a profile comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Platform {
    /// Twitter / X.
    Twitter,
    /// Instagram.
    Instagram,
    /// Sina Weibo.
    Weibo,
    /// Not known or another network.
    #[default]
    Other,
}

/// Text facts that some exports give only in derived form (InstaFake and the Kaggle Instagram
/// set publish lengths and digit ratios, not the strings). Extractors use the raw strings of
/// [`Profile`] when present and fall back to these.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TextSummary {
    /// Length of the screen name / username, in characters.
    pub screen_name_length: Option<u32>,
    /// Number of digits in the screen name.
    pub screen_name_digits: Option<u32>,
    /// Digits divided by length of the screen name, when only the ratio is published.
    pub screen_name_digit_ratio: Option<f64>,
    /// Length of the display name, in characters.
    pub name_length: Option<u32>,
    /// Number of words in the display name.
    pub name_words: Option<u32>,
    /// Digits divided by length of the display name.
    pub name_digit_ratio: Option<f64>,
    /// Whether the display name equals the screen name.
    pub name_equals_screen_name: Option<bool>,
    /// Length of the biography, in characters.
    pub description_length: Option<u32>,
    /// Whether the profile links an external URL.
    pub has_url: Option<bool>,
}

/// What a profile export holds. Every field an export may lack is an `Option`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The network.
    pub platform: Platform,
    /// The platform's id, as text (ids exceed 2^53 and some exports quote them).
    pub id: Option<String>,
    /// The handle (`screen_name`, Instagram `username`).
    pub screen_name: Option<String>,
    /// The display name.
    pub name: Option<String>,
    /// The biography.
    pub description: Option<String>,
    /// The profile URL (Instagram `external_url`).
    pub url: Option<String>,
    /// The free-text location.
    pub location: Option<String>,
    /// The interface language code.
    pub lang: Option<String>,
    /// When the account was created.
    pub created_at: Option<DateTime<Utc>>,
    /// Number of posts (tweets, Instagram media, Weibo statuses).
    pub statuses_count: Option<u64>,
    /// Number of followers.
    pub followers_count: Option<u64>,
    /// Number of accounts followed (friends, Instagram following).
    pub friends_count: Option<u64>,
    /// Number of likes given.
    pub favourites_count: Option<u64>,
    /// Number of public lists the account is on.
    pub listed_count: Option<u64>,
    /// The profile keeps the default theme.
    pub default_profile: Option<bool>,
    /// The profile keeps the default ("egg") image; for Instagram, `!has_profile_pic`.
    pub default_profile_image: Option<bool>,
    /// The profile uses a background image.
    pub profile_use_background_image: Option<bool>,
    /// The platform verified the account.
    pub verified: Option<bool>,
    /// The account is protected / private.
    pub protected: Option<bool>,
    /// The account enabled geotagging.
    pub geo_enabled: Option<bool>,
    /// When this record was crawled (Cresci `updated`, the API's response time).
    pub crawled_at: Option<DateTime<Utc>>,
    /// Text facts published only in derived form.
    pub summary: TextSummary,
}

/// One post (tweet, Weibo status, Instagram media) from an account's timeline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// The post's id.
    pub id: Option<String>,
    /// When it was posted.
    pub created_at: Option<DateTime<Utc>>,
    /// Its text.
    pub text: Option<String>,
    /// The client it was posted from (Twitter's `source`, e.g. `Twitter for iPhone`), with any
    /// HTML anchor removed.
    pub source: Option<String>,
    /// It is a retweet / repost of another post.
    pub is_retweet: bool,
    /// It replies to another post.
    pub is_reply: bool,
    /// Times it was retweeted.
    pub retweet_count: Option<u64>,
    /// Number of URLs in it.
    pub num_urls: Option<u32>,
    /// Number of user mentions in it.
    pub num_mentions: Option<u32>,
    /// Number of hashtags in it.
    pub num_hashtags: Option<u32>,
}

/// An account: its profile and, when the export has it, its activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The profile.
    pub profile: Profile,
    /// The timeline, when present. `None` means "not exported", `Some(vec![])` means "exported
    /// and empty".
    pub activity: Option<Vec<Post>>,
    /// The ground-truth label, when the source is a labelled dataset.
    pub label: Option<Label>,
    /// When the account engaged with the audited post (liked, reposted or commented on it),
    /// for a list of engagers rather than followers: read from a CSV column or JSON key
    /// `engaged_at`, `liked_at`, `retweeted_at` or `reposted_at`, or from a Weibo repost's
    /// (or comment's) own `created_at`. `None` when the export does not say; it is never
    /// guessed. An audit of engagers ([`ListKind::Engagers`](crate::ListKind::Engagers)) finds
    /// bursts over these times.
    #[serde(default)]
    pub engaged_at: Option<DateTime<Utc>>,
}
