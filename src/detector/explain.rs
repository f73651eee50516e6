//! Turning per-feature contributions into [`Reason`]s in words.

use crate::detector::Reason;
use crate::features::FeatureSchema;

/// Formats a feature value for a sentence: integers without decimals, others with up to three.
pub(crate) fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return (v as i64).to_string();
    }
    // A value of at most two decimals (the rounded rates and counts of the reasons) is the
    // double nearest some c / 100, within far less than 0.0005 of it: `{:.3}` would print c /
    // 100 exactly, so its digits are written from c, without the exact float formatting.
    let c = (v * 100.0).round();
    if v.abs() < 1e12 && c / 100.0 == v {
        let c = c as i64;
        let sign = if c < 0 { "-" } else { "" };
        let (whole, cents) = (c.unsigned_abs() / 100, c.unsigned_abs() % 100);
        return if cents % 10 == 0 {
            format!("{sign}{whole}.{}", cents / 10)
        } else {
            format!("{sign}{whole}.{cents:02}")
        };
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A count decoded from a `_log1p` feature, for a sentence.
fn count(v: f64) -> String {
    let n = v.exp_m1().max(0.0);
    if n < 10.0 {
        format_value((n * 10.0).round() / 10.0)
    } else {
        format!("{}", n.round() as u64)
    }
}

/// A rate or ratio decoded from a `_log1p` feature, to two decimals.
fn rate(v: f64) -> String {
    format_value((v.exp_m1().max(0.0) * 100.0).round() / 100.0)
}

/// A share in [0, 1] as a whole percentage.
fn percent(v: f64) -> String {
    format!("{:.0}%", 100.0 * v.clamp(0.0, 1.0))
}

/// A duration in seconds in the largest unit that keeps it at least 1.
fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
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
    format!(
        "{} {unit}{}",
        format_value(n),
        if n == 1.0 { "" } else { "s" }
    )
}

/// `1 post` / `3 posts`.
fn plural(n: f64, one: &str, many: &str) -> String {
    format!("{} {}", format_value(n), if n == 1.0 { one } else { many })
}

/// A missing-value indicator: whether the export gives `what`.
fn known(yes: bool, what: &str) -> String {
    if yes {
        format!("the export gives its {what}")
    } else {
        format!("the export does not give its {what}")
    }
}

/// The feature and the account's value in plain words: `follows 4210 accounts`,
/// `no description`. Every column of both feature sets ([`crate::FeatureSet::Twitter`] and
/// [`crate::FeatureSet::Instagram`]) has a phrase of its own; any other name reads as its
/// words and value (`some score: 2`), never as `name = value`.
pub(crate) fn describe_feature(name: &str, v: f64) -> String {
    let yes = v >= 0.5;
    let flag = |on: &str, off: &str| if yes { on.to_string() } else { off.to_string() };
    let n = v.round().max(0.0);
    match name {
        // Missing-value indicators (both feature sets).
        "has_created_at" => known(yes, "creation date"),
        "has_statuses_count" | "has_media_count" => known(yes, "post count"),
        "has_followers_count" => known(yes, "follower count"),
        "has_friends_count" | "has_following_count" => known(yes, "count of accounts followed"),
        "has_favourites_count" => known(yes, "count of likes given"),
        "has_listed_count" => known(yes, "count of public lists it is on"),
        "has_image_field" | "has_profile_pic_field" => known(yes, "profile picture or its absence"),
        "has_default_profile_field" => known(yes, "profile theme"),
        "has_background_image_field" => known(yes, "background image setting"),
        "has_verified_field" => known(yes, "verification badge or its absence"),
        "has_geo_enabled_field" => known(yes, "location tagging setting"),
        "has_private_field" => known(yes, "privacy setting"),
        "has_bio_length" => known(yes, "bio"),
        "has_username_length" | "has_username_digit_ratio" => known(yes, "username"),
        "has_fullname_words" | "has_fullname_length" | "has_fullname_digit_ratio" => {
            known(yes, "full name")
        }
        "has_name_equals_username" => known(yes, "full name and username"),
        "has_external_url_field" => known(yes, "website link or its absence"),

        // Profile counts and rates.
        "statuses_count_log1p" | "media_count_log1p" => format!("{} posts", count(v)),
        "followers_count_log1p" => format!("{} followers", count(v)),
        "friends_count_log1p" | "following_count_log1p" => {
            format!("follows {} accounts", count(v))
        }
        "favourites_count_log1p" => format!("{} likes given", count(v)),
        "listed_count_log1p" => format!("on {} public lists", count(v)),
        "friends_followers_sq_log1p" => format!(
            "following-to-followers score of {} (high: few follow back)",
            rate(v)
        ),
        "followers_friends_ratio_log1p" | "followers_following_ratio_log1p" => {
            format!("{} followers per account followed", rate(v))
        }
        "tweet_frequency_log1p" => format!("{} posts a day", rate(v)),
        "friends_growth_rate_log1p" => format!("follows {} new accounts a day", rate(v)),
        "followers_growth_rate_log1p" => format!("gains {} followers a day", rate(v)),
        "favourites_growth_rate_log1p" => format!("gives {} likes a day", rate(v)),
        "listed_growth_rate_log1p" => format!("added to {} public lists a day", rate(v)),
        "age_days" => format!("account {} old", plural(n, "day", "days")),

        // Profile flags.
        "has_name" => flag("has a display name", "no display name"),
        "has_description" => flag("has a description", "no description"),
        "has_location" => flag("gives a location", "no location"),
        "has_url" | "has_external_url" => flag("links a website", "no website"),
        "has_image" | "has_profile_pic" => flag("has a profile picture", "no profile picture"),
        "is_listed" => flag("on public lists", "on no public list"),
        "default_profile" => flag("default profile theme", "customised profile theme"),
        "profile_use_background_image" => flag("shows a background image", "no background image"),
        "verified" => flag("has a verification badge", "no verification badge"),
        "geo_enabled" => flag("location tagging turned on", "location tagging turned off"),
        "is_private" => flag("private account", "public account"),
        "bot_in_bio" => flag(
            "calls itself a bot in its bio",
            "no mention of a bot in its bio",
        ),
        "default_image_after_2_months" => flag(
            "still the default picture after 2 months",
            "not a default picture kept past 2 months",
        ),
        "friends_followers_ge_50" => flag(
            "follows 50 or more times as many as follow it",
            "follows fewer than 50 times as many as follow it",
        ),
        "friends_followers_about_100" => flag(
            "follows about 100 times as many as follow it",
            "does not follow about 100 times as many as follow it",
        ),
        "two_followers_ge_friends" => flag(
            "at least half as many followers as accounts followed",
            "fewer than half as many followers as accounts followed",
        ),
        "no_bio_no_location_friends_ge_100" => flag(
            "no bio, no location and follows 100 or more",
            "has a bio or a location, or follows fewer than 100",
        ),
        "name_equals_username" => flag(
            "full name copies the username",
            "full name differs from the username",
        ),

        // Names and text.
        "screen_name_length" => format!("screen name of {}", plural(n, "character", "characters")),
        "screen_name_digits" => format!("{} in the screen name", plural(n, "digit", "digits")),
        "name_length" => format!("display name of {}", plural(n, "character", "characters")),
        "name_digits" => format!("{} in the display name", plural(n, "digit", "digits")),
        "description_length" => format!("description of {}", plural(n, "character", "characters")),
        "bio_length" => format!("bio of {}", plural(n, "character", "characters")),
        "username_length" => format!("username of {}", plural(n, "character", "characters")),
        "username_digit_ratio" => format!("{} of the username is digits", percent(v)),
        "fullname_words" => format!("{} in the full name", plural(n, "word", "words")),
        "fullname_length" => format!("full name of {}", plural(n, "character", "characters")),
        "fullname_digit_ratio" => format!("{} of the full name is digits", percent(v)),
        "screen_name_likelihood" => {
            if v <= 0.0 {
                "no screen name to judge".to_string()
            } else if v >= NAME_LIKE {
                format!(
                    "screen name made of letter pairs common in real names (score {:.3})",
                    v
                )
            } else {
                format!(
                    "screen name made of unusual letter pairs, like a generated one (score {:.3})",
                    v
                )
            }
        }

        // Activity (timeline).
        "has_timeline" => flag("its posts were exported", "no posts in the export"),
        "has_posts" => flag("has posted", "has never posted"),
        "has_post_times" => flag(
            "its posts carry their times",
            "too few dated posts to judge its timing",
        ),
        "has_post_sources" => flag(
            "its posts name the app they came from",
            "its posts do not name the app they came from",
        ),
        "retweet_ratio" => format!("{} of posts are reposts", percent(v)),
        "reply_ratio" => format!("{} of posts are replies", percent(v)),
        "url_ratio" => format!("{} of posts carry a link", percent(v)),
        "mentions_per_post" => format!(
            "{} mentions per post",
            format_value((v * 100.0).round() / 100.0)
        ),
        "hashtags_per_post" => format!(
            "{} hashtags per post",
            format_value((v * 100.0).round() / 100.0)
        ),
        "link_only_share" => format!("{} of posts are nothing but a link", percent(v)),
        "duplicate_text_ratio" => format!("{} of posts repeat an earlier text", percent(v)),
        "near_duplicate_text_ratio" => {
            format!("{} of posts nearly repeat an earlier text", percent(v))
        }
        "max_text_repeats" => {
            if n <= 1.0 {
                "never posted the same text twice".to_string()
            } else {
                format!("posted one text {n} times")
            }
        }
        "recent_same_text_to_many" => {
            if n <= 1.0 {
                "its latest posts do not send one text to many people".to_string()
            } else {
                format!("sent one text to {n} people among its 20 latest posts")
            }
        }
        "punctuation_share" => format!("{} of posts use punctuation", percent(v)),
        "spam_phrase_share" => format!(
            "{} of posts use spam phrases (make money, buy followers, ...)",
            percent(v)
        ),
        "retweeted_share" => format!("{} of its own posts were reposted by others", percent(v)),
        "distinct_clients" => format!("posts from {}", plural(n, "app", "different apps")),
        "automation_client_share" => {
            format!("{} of posts come from automation tools", percent(v))
        }
        "official_client_share" => {
            format!("{} of posts come from the platform's own apps", percent(v))
        }
        "web_client_share" => format!("{} of posts come from the website", percent(v)),
        "client_iphone" => flag("posts from an iPhone", "never posts from an iPhone"),
        "client_android" => flag(
            "posts from an Android phone",
            "never posts from an Android phone",
        ),
        "client_foursquare" => flag("posts from Foursquare", "never posts from Foursquare"),
        "client_instagram" => flag("posts from Instagram", "never posts from Instagram"),
        "client_web" => flag("posts from the website", "never posts from the website"),
        "interval_mean_log1p" => format!("{} between posts on average", duration(v.exp_m1())),
        "interval_var_log1p" => format!(
            "gaps between posts vary by about {}",
            duration(v.exp_m1().max(0.0).sqrt())
        ),
        "interval_entropy" => format!(
            "gaps between posts come in about {} (few: scheduled posting)",
            plural(v.exp2().round(), "size", "sizes")
        ),
        "hour_entropy" => format!(
            "posts spread over about {} of the day",
            plural(v.exp2().round().min(24.0), "hour", "hours")
        ),
        "burstiness" => {
            if v < -0.3 {
                format!("posts at regular intervals, like a timer (score {v:.2})")
            } else if v > 0.3 {
                format!("posts in bursts with long pauses (score {v:.2})")
            } else {
                format!("posts at irregular times (score {v:.2})")
            }
        }

        // A column without a phrase (a future one): its words and value, never `name = value`.
        _ => match name.strip_suffix("_log1p") {
            Some(base) => format!("{}: {}", base.replace('_', " "), rate(v)),
            None => format!("{}: {}", name.replace('_', " "), format_value(v)),
        },
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
    // Strongest first, equal weights in schema order: the stable sort's order, kept by
    // insertion when only the first k are wanted.
    let names = schema.names();
    let n = names.len().min(values.len()).min(contributions.len());
    let strength = |i: usize| contributions[i].abs();
    let order: Vec<usize> = if k < n {
        // The stable sort's first `k` by insertion: a feature goes after every kept one at
        // least as strong (ties keep schema order), and the weakest falls off the end.
        let mut top: Vec<usize> = Vec::with_capacity(k + 1);
        for i in (0..n).filter(|&i| contributions[i] != 0.0) {
            let c = strength(i);
            if top.len() == k
                && top
                    .last()
                    .map_or(true, |&j| strength(j).total_cmp(&c).is_ge())
            {
                continue;
            }
            let at = top.partition_point(|&j| strength(j).total_cmp(&c).is_ge());
            top.insert(at, i);
            top.truncate(k);
        }
        top
    } else {
        let mut all: Vec<usize> = (0..n).filter(|&i| contributions[i] != 0.0).collect();
        all.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
        all
    };
    order
        .into_iter()
        .map(|i| {
            let mut text = describe_feature(&names[i], values[i]);
            text.push_str(if contributions[i] > 0.0 {
                ": points to fake"
            } else {
                ": points to genuine"
            });
            Reason {
                source: names[i].clone(),
                text,
                weight: contributions[i],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSet;

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
