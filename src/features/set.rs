//! The feature sets: which columns a schema has, their stable names and order.
//!
//! Every column is listed in `docs/features.md` with its definition, source and missing-value
//! convention. The column enums below are private: the public API is the [`FeatureSchema`] of
//! a [`FeatureSet`], whose names are stable `snake_case` strings.

use serde::{Deserialize, Serialize};

use super::schema::FeatureSchema;

/// Declares a private column enum whose variants index the output row, with the stable names.
macro_rules! columns {
    ($(#[$m:meta])* enum $E:ident { $($v:ident = $n:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum $E { $($v,)* }

        impl $E {
            /// The column names in order.
            pub(crate) const NAMES: &'static [&'static str] = &[$($n,)*];
            /// Number of columns.
            pub(crate) const COUNT: usize = Self::NAMES.len();

            /// The column's index in a row.
            #[inline(always)]
            pub(crate) const fn i(self) -> usize {
                self as usize
            }
        }
    };
}

columns! {
    /// Columns of the `twitter` schema (Twitter/X and Weibo).
    enum Tw {
        // Missing-value indicators: 1 when the export has the field, 0 when it lacks it.
        // Free text (name, screen name, description, URL, location) has none: the readers
        // read an empty text as missing, so "absent" and "empty" cannot be told apart and
        // both read as empty.
        HasCreatedAt = "has_created_at",
        HasStatusesCount = "has_statuses_count",
        HasFollowersCount = "has_followers_count",
        HasFriendsCount = "has_friends_count",
        HasFavouritesCount = "has_favourites_count",
        HasListedCount = "has_listed_count",
        HasImageField = "has_image_field",
        HasDefaultProfileField = "has_default_profile_field",
        HasBackgroundImageField = "has_background_image_field",
        HasVerifiedField = "has_verified_field",
        HasGeoEnabledField = "has_geo_enabled_field",
        // Cresci et al. 2015, Class A (Table 18), in the paper's order of importance.
        FriendsFollowersSqLog1p = "friends_followers_sq_log1p",
        AgeDays = "age_days",
        StatusesCountLog1p = "statuses_count_log1p",
        HasName = "has_name",
        FriendsCountLog1p = "friends_count_log1p",
        HasUrl = "has_url",
        FriendsGrowthRateLog1p = "friends_growth_rate_log1p",
        DefaultImageAfter2Months = "default_image_after_2_months",
        IsListed = "is_listed",
        HasImage = "has_image",
        FriendsFollowersGe50 = "friends_followers_ge_50",
        BotInBio = "bot_in_bio",
        TwoFollowersGeFriends = "two_followers_ge_friends",
        FriendsFollowersAbout100 = "friends_followers_about_100",
        HasLocation = "has_location",
        NoBioNoLocationFriendsGe100 = "no_bio_no_location_friends_ge_100",
        HasDescription = "has_description",
        FollowersCountLog1p = "followers_count_log1p",
        // Yang et al. 2020 (BotometerLite) user metadata, beyond what Class A already has.
        FavouritesCountLog1p = "favourites_count_log1p",
        ListedCountLog1p = "listed_count_log1p",
        DefaultProfile = "default_profile",
        ProfileUseBackgroundImage = "profile_use_background_image",
        Verified = "verified",
        TweetFrequencyLog1p = "tweet_frequency_log1p",
        FollowersGrowthRateLog1p = "followers_growth_rate_log1p",
        FavouritesGrowthRateLog1p = "favourites_growth_rate_log1p",
        ListedGrowthRateLog1p = "listed_growth_rate_log1p",
        FollowersFriendsRatioLog1p = "followers_friends_ratio_log1p",
        ScreenNameLength = "screen_name_length",
        ScreenNameDigits = "screen_name_digits",
        NameLength = "name_length",
        NameDigits = "name_digits",
        DescriptionLength = "description_length",
        ScreenNameLikelihood = "screen_name_likelihood",
        // Camisani-Calzolari rule 8.
        GeoEnabled = "geo_enabled",
        // Activity (timeline) features and their indicators.
        HasTimeline = "has_timeline",
        HasPosts = "has_posts",
        HasPostTimes = "has_post_times",
        HasPostSources = "has_post_sources",
        RetweetRatio = "retweet_ratio",
        ReplyRatio = "reply_ratio",
        UrlRatio = "url_ratio",
        MentionsPerPost = "mentions_per_post",
        HashtagsPerPost = "hashtags_per_post",
        LinkOnlyShare = "link_only_share",
        DuplicateTextRatio = "duplicate_text_ratio",
        NearDuplicateTextRatio = "near_duplicate_text_ratio",
        MaxTextRepeats = "max_text_repeats",
        RecentSameTextToMany = "recent_same_text_to_many",
        PunctuationShare = "punctuation_share",
        SpamPhraseShare = "spam_phrase_share",
        RetweetedShare = "retweeted_share",
        DistinctClients = "distinct_clients",
        AutomationClientShare = "automation_client_share",
        OfficialClientShare = "official_client_share",
        WebClientShare = "web_client_share",
        ClientIphone = "client_iphone",
        ClientAndroid = "client_android",
        ClientFoursquare = "client_foursquare",
        ClientInstagram = "client_instagram",
        ClientWeb = "client_web",
        IntervalMeanLog1p = "interval_mean_log1p",
        IntervalVarLog1p = "interval_var_log1p",
        IntervalEntropy = "interval_entropy",
        HourEntropy = "hour_entropy",
        Burstiness = "burstiness",
    }
}

columns! {
    /// Columns of the `instagram` schema (what the public Instagram sets share).
    enum Ig {
        HasFollowersCount = "has_followers_count",
        FollowersCountLog1p = "followers_count_log1p",
        HasFollowingCount = "has_following_count",
        FollowingCountLog1p = "following_count_log1p",
        HasMediaCount = "has_media_count",
        MediaCountLog1p = "media_count_log1p",
        FollowersFollowingRatioLog1p = "followers_following_ratio_log1p",
        HasProfilePicField = "has_profile_pic_field",
        HasProfilePic = "has_profile_pic",
        HasPrivateField = "has_private_field",
        IsPrivate = "is_private",
        HasBioLength = "has_bio_length",
        BioLength = "bio_length",
        HasUsernameLength = "has_username_length",
        UsernameLength = "username_length",
        HasUsernameDigitRatio = "has_username_digit_ratio",
        UsernameDigitRatio = "username_digit_ratio",
        HasFullnameWords = "has_fullname_words",
        FullnameWords = "fullname_words",
        HasFullnameLength = "has_fullname_length",
        FullnameLength = "fullname_length",
        HasFullnameDigitRatio = "has_fullname_digit_ratio",
        FullnameDigitRatio = "fullname_digit_ratio",
        HasNameEqualsUsername = "has_name_equals_username",
        NameEqualsUsername = "name_equals_username",
        HasExternalUrlField = "has_external_url_field",
        HasExternalUrl = "has_external_url",
    }
}

/// A family of features, with its own schema.
///
/// # Examples
/// ```
/// use follower_audit::FeatureSet;
/// let schema = FeatureSet::Twitter.schema();
/// assert_eq!(schema.name(), "twitter");
/// assert!(schema.index_of("friends_followers_ge_50").is_some());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSet {
    /// Twitter/X and Weibo: Cresci's Class A, BotometerLite's user metadata, activity features
    /// when a timeline exists, and missing-value indicators. Schema `twitter`.
    Twitter,
    /// What the public Instagram sets share (counts, profile picture, private, bio length,
    /// username and full-name measures, external URL), each with a missing indicator.
    /// Schema `instagram`.
    Instagram,
}

impl FeatureSet {
    /// The schema name: `twitter` or `instagram`.
    pub fn schema_name(self) -> &'static str {
        match self {
            FeatureSet::Twitter => "twitter",
            FeatureSet::Instagram => "instagram",
        }
    }

    /// The schema version; it changes whenever a column's definition changes.
    pub fn schema_version(self) -> u32 {
        match self {
            FeatureSet::Twitter => 2,
            FeatureSet::Instagram => 1,
        }
    }

    /// The column names, in order.
    pub fn feature_names(self) -> &'static [&'static str] {
        match self {
            FeatureSet::Twitter => Tw::NAMES,
            FeatureSet::Instagram => Ig::NAMES,
        }
    }

    /// Number of columns.
    pub fn len(self) -> usize {
        match self {
            FeatureSet::Twitter => Tw::COUNT,
            FeatureSet::Instagram => Ig::COUNT,
        }
    }

    /// Always `false`: every set has columns (for clippy's `len_without_is_empty`).
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The [`FeatureSchema`] of this set.
    pub fn schema(self) -> FeatureSchema {
        FeatureSchema::new(
            self.schema_name(),
            self.schema_version(),
            self.feature_names().iter().map(|s| s.to_string()).collect(),
        )
        .expect("built-in feature names are distinct and non-empty")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_and_distinct() {
        for set in [FeatureSet::Twitter, FeatureSet::Instagram] {
            let schema = set.schema();
            assert_eq!(schema.len(), set.len());
            for n in schema.names() {
                assert!(
                    n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{n}"
                );
            }
        }
        assert_eq!(FeatureSet::Twitter.len(), 77);
        assert_eq!(FeatureSet::Instagram.len(), 27);
    }

    #[test]
    fn enum_indices_match_names() {
        assert_eq!(Tw::NAMES[Tw::Burstiness.i()], "burstiness");
        assert_eq!(Tw::NAMES[Tw::HasCreatedAt.i()], "has_created_at");
        assert_eq!(Ig::NAMES[Ig::HasExternalUrl.i()], "has_external_url");
    }
}
