//! Turning per-feature contributions into [`Reason`]s in words.
//!
//! The phrases are written straight into a caller's buffer ([`describe_feature_into`]), the
//! numbers in them by small `Display` forms, so that wording a million followers' reasons
//! for the per-follower CSV allocates one string per follower, not several per reason.

use std::fmt::{self, Display, Write as _};

use crate::detector::Reason;
use crate::features::FeatureSchema;

/// Formats a feature value for a sentence: integers without decimals, others with up to three.
pub(crate) fn format_value(v: f64) -> String {
    Value(v).to_string()
}

/// A feature value in a sentence (see [`format_value`]).
struct Value(f64);

impl Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 1e15 {
            return write!(f, "{}", v as i64);
        }
        // A value of at most two decimals (the rounded rates and counts of the reasons) is the
        // double nearest some c / 100, within far less than 0.0005 of it: `{:.3}` would print
        // c / 100 exactly, so its digits are written from c, without the exact float
        // formatting.
        let c = (v * 100.0).round();
        if v.abs() < 1e12 && c / 100.0 == v {
            let c = c as i64;
            let sign = if c < 0 { "-" } else { "" };
            let (whole, cents) = (c.unsigned_abs() / 100, c.unsigned_abs() % 100);
            return if cents % 10 == 0 {
                write!(f, "{sign}{whole}.{}", cents / 10)
            } else {
                write!(f, "{sign}{whole}.{cents:02}")
            };
        }
        let s = format!("{v:.3}");
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// A count decoded from a `_log1p` feature, for a sentence: as shown, to one decimal below
/// 10 and whole above.
struct Count(f64);

impl Count {
    fn of(log1p: f64) -> Count {
        let n = log1p.exp_m1().max(0.0);
        Count(if n < 10.0 {
            (n * 10.0).round() / 10.0
        } else {
            n.round()
        })
    }

    /// `one` when the count reads as exactly 1, else `many`.
    fn noun(&self, one: &'static str, many: &'static str) -> &'static str {
        if self.0 == 1.0 {
            one
        } else {
            many
        }
    }
}

impl Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 10.0 {
            Value(self.0).fmt(f)
        } else {
            write!(f, "{}", self.0 as u64)
        }
    }
}

/// A rate or ratio decoded from a `_log1p` feature, to two decimals.
struct Rate(f64);

impl Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Value((self.0.exp_m1().max(0.0) * 100.0).round() / 100.0).fmt(f)
    }
}

/// A share in [0, 1] as a whole percentage.
struct Percent(f64);

impl Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.0}%", 100.0 * self.0.clamp(0.0, 1.0))
    }
}

/// A duration in seconds in the largest unit that keeps it at least 1.
struct Duration(f64);

impl Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.max(0.0);
        let (n, unit) = if s < 60.0 {
            (s, "second")
        } else if s < 3600.0 {
            (s / 60.0, "minute")
        } else if s < 86_400.0 {
            (s / 3600.0, "hour")
        } else {
            (s / 86_400.0, "day")
        };
        let n = if n < 10.0 {
            (n * 10.0).round() / 10.0
        } else {
            n.round()
        };
        write!(f, "{} {unit}{}", Value(n), if n == 1.0 { "" } else { "s" })
    }
}

/// `1 post` / `3 posts`.
struct Plural<'a>(f64, &'a str, &'a str);

impl Display for Plural<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Plural(n, one, many) = *self;
        write!(f, "{} {}", Value(n), if n == 1.0 { one } else { many })
    }
}

/// [`describe_feature_into`] in a string of its own.
#[cfg(test)]
pub(crate) fn describe_feature(name: &str, v: f64) -> String {
    let mut out = String::new();
    describe_feature_into(name, v, &mut out);
    out
}

/// The feature and the account's value in plain words (`follows 4210 accounts`, `no
/// description`), written at the end of `out`. Every column of both feature sets
/// ([`crate::FeatureSet::Twitter`] and [`crate::FeatureSet::Instagram`]) has a phrase of its
/// own; any other name reads as its words and value (`some score: 2`), never as
/// `name = value`.
pub(crate) fn describe_feature_into(name: &str, v: f64, out: &mut String) {
    let yes = v >= 0.5;
    let n = v.round().max(0.0);
    let flag = |out: &mut String, on: &str, off: &str| out.write_str(if yes { on } else { off });
    // Writing to a `String` cannot fail.
    let _ = match name {
        // Missing-value indicators (both feature sets).
        "has_created_at" => known(out, yes, "creation date"),
        "has_statuses_count" | "has_media_count" => known(out, yes, "post count"),
        "has_followers_count" => known(out, yes, "follower count"),
        "has_friends_count" | "has_following_count" => {
            known(out, yes, "count of accounts followed")
        }
        "has_favourites_count" => known(out, yes, "count of likes given"),
        "has_listed_count" => known(out, yes, "count of public lists it is on"),
        "has_image_field" | "has_profile_pic_field" => {
            known(out, yes, "profile picture or its absence")
        }
        "has_default_profile_field" => known(out, yes, "profile theme"),
        "has_background_image_field" => known(out, yes, "background image setting"),
        "has_verified_field" => known(out, yes, "verification badge or its absence"),
        "has_geo_enabled_field" => known(out, yes, "location tagging setting"),
        "has_private_field" => known(out, yes, "privacy setting"),
        "has_bio_length" => known(out, yes, "bio"),
        "has_username_length" | "has_username_digit_ratio" => known(out, yes, "username"),
        "has_fullname_words" | "has_fullname_length" | "has_fullname_digit_ratio" => {
            known(out, yes, "full name")
        }
        "has_name_equals_username" => known(out, yes, "full name and username"),
        "has_external_url_field" => known(out, yes, "website link or its absence"),

        // Profile counts and rates.
        "statuses_count_log1p" | "media_count_log1p" => {
            let c = Count::of(v);
            write!(out, "{c} {}", c.noun("post", "posts"))
        }
        "followers_count_log1p" => {
            let c = Count::of(v);
            write!(out, "{c} {}", c.noun("follower", "followers"))
        }
        "friends_count_log1p" | "following_count_log1p" => {
            let c = Count::of(v);
            write!(out, "follows {c} {}", c.noun("account", "accounts"))
        }
        "favourites_count_log1p" => {
            let c = Count::of(v);
            write!(out, "{c} {} given", c.noun("like", "likes"))
        }
        "listed_count_log1p" => {
            let c = Count::of(v);
            write!(out, "on {c} public {}", c.noun("list", "lists"))
        }
        "friends_followers_sq_log1p" => write!(
            out,
            "following-to-followers score of {} (high: few follow back)",
            Rate(v)
        ),
        "followers_friends_ratio_log1p" | "followers_following_ratio_log1p" => {
            write!(out, "{} followers per account followed", Rate(v))
        }
        "tweet_frequency_log1p" => write!(out, "{} posts a day", Rate(v)),
        "friends_growth_rate_log1p" => write!(out, "follows {} new accounts a day", Rate(v)),
        "followers_growth_rate_log1p" => write!(out, "gains {} followers a day", Rate(v)),
        "favourites_growth_rate_log1p" => write!(out, "gives {} likes a day", Rate(v)),
        "listed_growth_rate_log1p" => write!(out, "added to {} public lists a day", Rate(v)),
        "age_days" => write!(out, "account {} old", Plural(n, "day", "days")),

        // Profile flags.
        "has_name" => flag(out, "has a display name", "no display name"),
        "has_description" => flag(out, "has a description", "no description"),
        "has_location" => flag(out, "gives a location", "no location"),
        "has_url" | "has_external_url" => flag(out, "links a website", "no website"),
        "has_image" | "has_profile_pic" => flag(out, "has a profile picture", "no profile picture"),
        "is_listed" => flag(out, "on public lists", "on no public list"),
        "default_profile" => flag(out, "default profile theme", "customised profile theme"),
        "profile_use_background_image" => {
            flag(out, "shows a background image", "no background image")
        }
        "verified" => flag(out, "has a verification badge", "no verification badge"),
        "geo_enabled" => flag(
            out,
            "location tagging turned on",
            "location tagging turned off",
        ),
        "is_private" => flag(out, "private account", "public account"),
        "bot_in_bio" => flag(
            out,
            "calls itself a bot in its bio",
            "no mention of a bot in its bio",
        ),
        "default_image_after_2_months" => flag(
            out,
            "still the default picture after 2 months",
            "not a default picture kept past 2 months",
        ),
        "friends_followers_ge_50" => flag(
            out,
            "follows 50 or more times as many as follow it",
            "follows fewer than 50 times as many as follow it",
        ),
        "friends_followers_about_100" => flag(
            out,
            "follows about 100 times as many as follow it",
            "does not follow about 100 times as many as follow it",
        ),
        "two_followers_ge_friends" => flag(
            out,
            "at least half as many followers as accounts followed",
            "fewer than half as many followers as accounts followed",
        ),
        "no_bio_no_location_friends_ge_100" => flag(
            out,
            "no bio, no location and follows 100 or more",
            "has a bio or a location, or follows fewer than 100",
        ),
        "name_equals_username" => flag(
            out,
            "full name copies the username",
            "full name differs from the username",
        ),

        // Names and text.
        "screen_name_length" => write!(
            out,
            "screen name of {}",
            Plural(n, "character", "characters")
        ),
        "screen_name_digits" => write!(out, "{} in the screen name", Plural(n, "digit", "digits")),
        "name_length" => write!(
            out,
            "display name of {}",
            Plural(n, "character", "characters")
        ),
        "name_digits" => write!(out, "{} in the display name", Plural(n, "digit", "digits")),
        "description_length" => write!(
            out,
            "description of {}",
            Plural(n, "character", "characters")
        ),
        "bio_length" => write!(out, "bio of {}", Plural(n, "character", "characters")),
        "username_length" => write!(out, "username of {}", Plural(n, "character", "characters")),
        "username_digit_ratio" => write!(out, "{} of the username is digits", Percent(v)),
        "fullname_words" => write!(out, "{} in the full name", Plural(n, "word", "words")),
        "fullname_length" => write!(out, "full name of {}", Plural(n, "character", "characters")),
        "fullname_digit_ratio" => write!(out, "{} of the full name is digits", Percent(v)),
        "screen_name_likelihood" => {
            if v <= 0.0 {
                out.write_str("no screen name to judge")
            } else if v >= NAME_LIKE {
                write!(
                    out,
                    "screen name made of letter pairs common in real names (score {:.3})",
                    v
                )
            } else {
                write!(
                    out,
                    "screen name made of unusual letter pairs, like a generated one (score {:.3})",
                    v
                )
            }
        }

        // Activity (timeline).
        "has_timeline" => flag(out, "its posts were exported", "no posts in the export"),
        "has_posts" => flag(out, "has posted", "has never posted"),
        "has_post_times" => flag(
            out,
            "its posts carry their times",
            "too few dated posts to judge its timing",
        ),
        "has_post_sources" => flag(
            out,
            "its posts name the app they came from",
            "its posts do not name the app they came from",
        ),
        "retweet_ratio" => write!(out, "{} of posts are reposts", Percent(v)),
        "reply_ratio" => write!(out, "{} of posts are replies", Percent(v)),
        "url_ratio" => write!(out, "{} of posts carry a link", Percent(v)),
        "mentions_per_post" => write!(
            out,
            "{} mentions per post",
            Value((v * 100.0).round() / 100.0)
        ),
        "hashtags_per_post" => write!(
            out,
            "{} hashtags per post",
            Value((v * 100.0).round() / 100.0)
        ),
        "link_only_share" => write!(out, "{} of posts are nothing but a link", Percent(v)),
        "duplicate_text_ratio" => write!(out, "{} of posts repeat an earlier text", Percent(v)),
        "near_duplicate_text_ratio" => {
            write!(out, "{} of posts nearly repeat an earlier text", Percent(v))
        }
        "max_text_repeats" => {
            if n <= 1.0 {
                out.write_str("never posted the same text twice")
            } else {
                write!(out, "posted one text {n} times")
            }
        }
        "recent_same_text_to_many" => {
            if n <= 1.0 {
                out.write_str("its latest posts do not send one text to many people")
            } else {
                write!(out, "sent one text to {n} people among its 20 latest posts")
            }
        }
        "punctuation_share" => write!(out, "{} of posts use punctuation", Percent(v)),
        "spam_phrase_share" => write!(
            out,
            "{} of posts use spam phrases (make money, buy followers, ...)",
            Percent(v)
        ),
        "retweeted_share" => write!(
            out,
            "{} of its own posts were reposted by others",
            Percent(v)
        ),
        "distinct_clients" => write!(out, "posts from {}", Plural(n, "app", "different apps")),
        "automation_client_share" => {
            write!(out, "{} of posts come from automation tools", Percent(v))
        }
        "official_client_share" => {
            write!(
                out,
                "{} of posts come from the platform's own apps",
                Percent(v)
            )
        }
        "web_client_share" => write!(out, "{} of posts come from the website", Percent(v)),
        "client_iphone" => flag(out, "posts from an iPhone", "never posts from an iPhone"),
        "client_android" => flag(
            out,
            "posts from an Android phone",
            "never posts from an Android phone",
        ),
        "client_foursquare" => flag(out, "posts from Foursquare", "never posts from Foursquare"),
        "client_instagram" => flag(out, "posts from Instagram", "never posts from Instagram"),
        "client_web" => flag(
            out,
            "posts from the website",
            "never posts from the website",
        ),
        "interval_mean_log1p" => write!(out, "{} between posts on average", Duration(v.exp_m1())),
        "interval_var_log1p" => write!(
            out,
            "gaps between posts vary by about {}",
            Duration(v.exp_m1().max(0.0).sqrt())
        ),
        "interval_entropy" => write!(
            out,
            "gaps between posts come in about {} (few: scheduled posting)",
            Plural(v.exp2().round(), "size", "sizes")
        ),
        "hour_entropy" => write!(
            out,
            "posts spread over about {} of the day",
            Plural(v.exp2().round().min(24.0), "hour", "hours")
        ),
        "burstiness" => {
            if v < -0.3 {
                write!(
                    out,
                    "posts at regular intervals, like a timer (score {v:.2})"
                )
            } else if v > 0.3 {
                write!(out, "posts in bursts with long pauses (score {v:.2})")
            } else {
                write!(out, "posts at irregular times (score {v:.2})")
            }
        }

        // A column without a phrase (a future one): its words and value, never `name = value`.
        _ => match name.strip_suffix("_log1p") {
            Some(base) => write!(out, "{}: {}", base.replace('_', " "), Rate(v)),
            None => write!(out, "{}: {}", name.replace('_', " "), Value(v)),
        },
    };
}

/// A missing-value indicator: whether the export gives `what`.
fn known(out: &mut String, yes: bool, what: &str) -> fmt::Result {
    if yes {
        write!(out, "the export gives its {what}")
    } else {
        write!(out, "the export does not give its {what}")
    }
}

/// `screen_name_likelihood` at or above this reads as name-like: the built-in bigram model
/// gives real names' handles about this much and generated ones less.
const NAME_LIKE: f64 = 0.04;

/// Reasons from signed contributions (positive = towards fake), strongest first; features with a
/// zero contribution are left out. Each reads `<the feature in words>: points to fake` (or
/// `genuine`); the contribution itself is [`Reason::weight`].
pub(crate) fn reasons_from_contributions(
    schema: &FeatureSchema,
    values: &[f64],
    contributions: &[f64],
) -> Vec<Reason> {
    top_reasons_from_contributions(schema, values, contributions, usize::MAX)
}

/// The first `k` of [`reasons_from_contributions`], only those put into words.
pub(crate) fn top_reasons_from_contributions(
    schema: &FeatureSchema,
    values: &[f64],
    contributions: &[f64],
    k: usize,
) -> Vec<Reason> {
    let mut briefs = Vec::new();
    top_briefs(schema, values, contributions, k, &mut briefs);
    briefs.iter().map(|b| b.reason(schema)).collect()
}

/// A reason before it is put into words: the feature's column in the schema, the account's
/// value of it and its signed contribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Brief {
    column: usize,
    value: f64,
    weight: f64,
}

impl Brief {
    /// The reason in words, as [`top_reasons_from_contributions`] gives it.
    pub(crate) fn reason(&self, schema: &FeatureSchema) -> Reason {
        let mut text = String::new();
        self.write(schema, &mut text);
        Reason {
            source: schema.names()[self.column].clone(),
            text,
            weight: self.weight,
        }
    }

    /// [`Reason::text`] of [`Brief::reason`], written at the end of `out`.
    pub(crate) fn write(&self, schema: &FeatureSchema, out: &mut String) {
        describe_feature_into(&schema.names()[self.column], self.value, out);
        out.push_str(if self.weight > 0.0 {
            ": points to fake"
        } else {
            ": points to genuine"
        });
    }
}

/// The first `k` reasons of [`top_reasons_from_contributions`], not put into words, added
/// to the end of `out`.
pub(crate) fn top_briefs(
    schema: &FeatureSchema,
    values: &[f64],
    contributions: &[f64],
    k: usize,
    out: &mut Vec<Brief>,
) {
    // Strongest first, equal weights in schema order: the stable sort's order, kept by
    // insertion when only the first k are wanted.
    let n = schema.len().min(values.len()).min(contributions.len());
    let start = out.len();
    let brief = |i: usize| Brief {
        column: i,
        value: values[i],
        weight: contributions[i],
    };
    let nonzero = (0..n).filter(|&i| contributions[i] != 0.0);
    if k < n {
        // The stable sort's first `k` by insertion: a feature goes after every kept one at
        // least as strong (ties keep schema order), and the weakest falls off the end.
        for i in nonzero {
            let c = contributions[i].abs();
            let kept = &out[start..];
            let at_least = |b: &Brief| b.weight.abs().total_cmp(&c).is_ge();
            if kept.len() == k && kept.last().map_or(true, at_least) {
                continue;
            }
            let at = start + kept.partition_point(at_least);
            out.insert(at, brief(i));
            out.truncate(start + k);
        }
    } else {
        out.extend(nonzero.map(brief));
        out[start..].sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    }
}

/// Each row's first reasons, not yet put into words: flat, with where each row ends.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Briefs {
    briefs: Vec<Brief>,
    ends: Vec<usize>,
}

impl Briefs {
    /// Room for `rows` rows of `k` reasons (of up to 8 a row: `k` may be `usize::MAX`).
    pub(crate) fn with_capacity(rows: usize, k: usize) -> Briefs {
        Briefs {
            briefs: Vec::with_capacity(rows.saturating_mul(k.min(8))),
            ends: Vec::with_capacity(rows),
        }
    }

    /// Adds a row: its first `k` reasons from its contributions (see [`top_briefs`]).
    pub(crate) fn push_row(
        &mut self,
        schema: &FeatureSchema,
        values: &[f64],
        contributions: &[f64],
        k: usize,
    ) {
        top_briefs(schema, values, contributions, k, &mut self.briefs);
        self.ends.push(self.briefs.len());
    }

    /// Appends `other`'s rows after these.
    pub(crate) fn append(&mut self, other: Briefs) {
        let base = self.briefs.len();
        self.briefs.extend(other.briefs);
        self.ends.extend(other.ends.into_iter().map(|e| e + base));
    }

    /// The number of rows.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Every row's reasons in words.
    #[cfg(test)]
    pub(crate) fn worded(&self, schema: &FeatureSchema) -> Vec<Vec<Reason>> {
        (0..self.len())
            .map(|r| self.row(r).iter().map(|b| b.reason(schema)).collect())
            .collect()
    }

    /// Row `r`'s reasons, strongest first.
    pub(crate) fn row(&self, r: usize) -> &[Brief] {
        let start = if r == 0 { 0 } else { self.ends[r - 1] };
        &self.briefs[start..self.ends[r]]
    }
}

/// What [`crate::Model`] gives with each row's scores: its first reasons, in words or not
/// yet (a forest's, from the same walk).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Explained {
    /// Put into words when asked, against the schema they index.
    Briefs(Briefs),
    Reasons(Vec<Vec<Reason>>),
}

impl Explained {
    /// The number of rows.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Explained::Briefs(b) => b.len(),
            Explained::Reasons(r) => r.len(),
        }
    }

    /// Row `r`'s reasons in words, taken: each row is asked for once, in words or as text
    /// ([`Explained::write_joined`]), not both.
    pub(crate) fn reasons(&mut self, schema: &FeatureSchema, r: usize) -> Vec<Reason> {
        match self {
            Explained::Briefs(b) => b.row(r).iter().map(|b| b.reason(schema)).collect(),
            Explained::Reasons(all) => std::mem::take(&mut all[r]),
        }
    }

    /// Row `r`'s reasons as the per-follower CSV gives them: their texts joined by `; `,
    /// written at the end of `out`.
    pub(crate) fn write_joined(&self, schema: &FeatureSchema, r: usize, out: &mut String) {
        match self {
            Explained::Briefs(b) => {
                for (i, brief) in b.row(r).iter().enumerate() {
                    if i > 0 {
                        out.push_str("; ");
                    }
                    brief.write(schema, out);
                }
            }
            Explained::Reasons(all) => join_reasons(&all[r], out),
        }
    }
}

/// The texts of `reasons` joined by `; ` (the per-follower CSV's column), written at the end
/// of `out`.
pub(crate) fn join_reasons(reasons: &[Reason], out: &mut String) {
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&r.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSet;

    #[test]
    fn a_count_of_one_is_singular() {
        let one = 1f64.ln_1p();
        assert_eq!(describe_feature("followers_count_log1p", one), "1 follower");
        assert_eq!(describe_feature("statuses_count_log1p", one), "1 post");
        assert_eq!(
            describe_feature("friends_count_log1p", one),
            "follows 1 account"
        );
        assert_eq!(
            describe_feature("favourites_count_log1p", one),
            "1 like given"
        );
        assert_eq!(
            describe_feature("listed_count_log1p", one),
            "on 1 public list"
        );
        let (zero, two) = (0.0, 2f64.ln_1p());
        assert_eq!(
            describe_feature("followers_count_log1p", zero),
            "0 followers"
        );
        assert_eq!(describe_feature("statuses_count_log1p", two), "2 posts");
        assert_eq!(
            describe_feature("listed_count_log1p", 1.04f64.ln_1p()),
            "on 1 public list"
        );
        assert_eq!(
            describe_feature("listed_count_log1p", 1.1f64.ln_1p()),
            "on 1.1 public lists"
        );
    }

    /// `format_value` as it was before its two-decimal short path.
    fn format_value_by_float_formatting(v: f64) -> String {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }

    #[test]
    fn values_are_written_as_float_formatting_writes_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut values = vec![
            0.05,
            0.5,
            -0.25,
            1.05,
            2.675,
            0.125,
            0.0005,
            99.995,
            1e12 + 0.5,
        ];
        values.extend([
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            1e15,
        ]);
        for _ in 0..200_000 {
            let k: i64 = rng.gen_range(-1_000_000_000..1_000_000_000);
            let scale = [1.0, 10.0, 100.0, 1000.0, 1e4][rng.gen_range(0..5)];
            values.push(k as f64 / scale);
            values.push(((k as f64 / 1e4).exp_m1().abs() * 100.0).round() / 100.0);
            values.push(rng.gen::<f64>() * 10f64.powi(rng.gen_range(-4..13)));
        }
        for v in values {
            assert_eq!(
                format_value(v),
                format_value_by_float_formatting(v),
                "{v:e}"
            );
        }
    }

    /// The way reasons were made before only the first `k` were worded: every one worded,
    /// then sorted.
    fn all_reasons_formatted_then_sorted(
        schema: &FeatureSchema,
        values: &[f64],
        contributions: &[f64],
    ) -> Vec<Reason> {
        let mut reasons: Vec<Reason> = schema
            .names()
            .iter()
            .zip(values)
            .zip(contributions)
            .filter(|(_, c)| **c != 0.0)
            .map(|((name, v), c)| Reason {
                source: name.clone(),
                text: format!(
                    "{}: points to {}",
                    describe_feature(name, *v),
                    if *c > 0.0 { "fake" } else { "genuine" },
                ),
                weight: *c,
            })
            .collect();
        reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        reasons
    }

    /// Wording only the first `k` gives the same reasons, in the same order (ties in schema
    /// order), as wording all of them and keeping the first `k`.
    #[test]
    fn the_first_k_reasons_are_those_of_the_whole_list() {
        let schema = FeatureSet::Twitter.schema();
        let n = schema.len();
        let values: Vec<f64> = (0..n).map(|i| (i as f64 * 7.3) % 11.0).collect();
        // Zeros, ties of equal size and both signs.
        let contributions: Vec<f64> = (0..n)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => 0.02,
                2 => -0.02,
                _ => (i as f64 * 0.37).sin() * 0.1,
            })
            .collect();
        let all = all_reasons_formatted_then_sorted(&schema, &values, &contributions);
        assert!(all.len() > 10);
        for k in [0, 1, 3, 10, usize::MAX] {
            let top = top_reasons_from_contributions(&schema, &values, &contributions, k);
            assert_eq!(top, all[..k.min(all.len())].to_vec(), "k = {k}");
        }
    }

    #[test]
    fn reasons_are_sorted_and_worded() {
        let schema =
            FeatureSchema::new("s", 1, vec!["followers_count".into(), "age_days".into()]).unwrap();
        let r = reasons_from_contributions(&schema, &[3.0, 12.5], &[0.1, -0.3]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].source, "age_days");
        assert_eq!(r[0].text, "account 13 days old: points to genuine");
        assert_eq!(r[0].weight, -0.3);
        // A name without a phrase reads as its words, not `name = value`.
        assert_eq!(r[1].text, "followers count: 3: points to fake");
        assert_eq!(r[1].weight, 0.1);
        assert!(reasons_from_contributions(&schema, &[1.0, 1.0], &[0.0, 0.0]).is_empty());
    }

    #[test]
    fn features_read_as_words_with_counts_decoded() {
        // ln(1 + 4210) is stored; the sentence shows the count again.
        assert_eq!(
            describe_feature("friends_count_log1p", 4211f64.ln()),
            "follows 4210 accounts"
        );
        assert_eq!(describe_feature("statuses_count_log1p", 0.0), "0 posts");
        assert_eq!(describe_feature("has_description", 0.0), "no description");
        assert_eq!(describe_feature("has_image", 1.0), "has a profile picture");
        assert_eq!(
            describe_feature("listed_growth_rate_log1p", 0.5f64.ln_1p()),
            "added to 0.5 public lists a day"
        );
        assert_eq!(
            describe_feature("hour_entropy", 4.0),
            "posts spread over about 16 hours of the day"
        );
        assert_eq!(
            describe_feature("interval_mean_log1p", 7200f64.ln_1p()),
            "2 hours between posts on average"
        );
        assert_eq!(describe_feature("age_days", 1.0), "account 1 day old");
    }

    #[test]
    fn every_feature_of_both_sets_reads_in_words() {
        let values = [0.0, 0.3, 1.0, 2.5, 7.0, -0.6];
        for set in [FeatureSet::Twitter, FeatureSet::Instagram] {
            for name in set.schema().names() {
                for &v in &values {
                    let text = describe_feature(name, v);
                    assert!(!text.is_empty(), "{name} at {v}");
                    assert!(!text.contains(" = "), "{name} at {v}: {text:?}");
                    assert!(!text.contains('='), "{name} at {v}: {text:?}");
                    assert!(!text.contains(name.as_str()), "{name} at {v}: {text:?}");
                    assert!(!text.contains('_'), "{name} at {v}: {text:?}");
                    assert!(
                        !text.contains("NaN") && !text.contains("inf"),
                        "{name} at {v}: {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn name_like_handles_read_as_names() {
        let fx = crate::features::FeatureExtractor::new(FeatureSet::Twitter);
        let likelihood = |handle: &str| {
            let mut a = crate::account::Account::default();
            a.profile.screen_name = Some(handle.into());
            let x = fx.extract(&[a]);
            x.column("screen_name_likelihood").unwrap()[0]
        };
        let (real, noise) = (likelihood("maria_rossi"), likelihood("xq7zk2vj9w"));
        assert!(real >= NAME_LIKE && noise < NAME_LIKE, "{real} {noise}");
        assert!(describe_feature("screen_name_likelihood", real).contains("common in real names"));
        assert!(describe_feature("screen_name_likelihood", noise).contains("unusual"));
    }
}
