//! Turning per-feature contributions into [`Reason`]s in words.

use crate::detector::Reason;
use crate::features::FeatureSchema;

/// Formats a feature value for a sentence: integers without decimals, others with up to three.
pub(crate) fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
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

/// The feature and the account's value in plain words: `follows 4210 accounts`,
/// `no description`. Features without a phrase of their own read `name = value`, with
/// `_log1p` features decoded back to counts and rates.
pub(crate) fn describe_feature(name: &str, v: f64) -> String {
    let yes = v >= 0.5;
    let flag = |on: &str, off: &str| if yes { on.to_string() } else { off.to_string() };
    match name {
        "statuses_count_log1p" => format!("{} posts", count(v)),
        "followers_count_log1p" => format!("{} followers", count(v)),
        "friends_count_log1p" => format!("follows {} accounts", count(v)),
        "favourites_count_log1p" => format!("{} likes given", count(v)),
        "listed_count_log1p" => format!("on {} public lists", count(v)),
        "friends_followers_sq_log1p" => {
            format!("friends/followers^2 of {}", count(v))
        }
        "followers_friends_ratio_log1p" => {
            format!(
                "{} followers per account followed",
                format_value((v.exp_m1() * 100.0).round() / 100.0,)
            )
        }
        "tweet_frequency_log1p" => format!(
            "{} posts a day",
            format_value((v.exp_m1() * 100.0).round() / 100.0,)
        ),
        "age_days" => format!("account {} days old", v.round() as i64),
        "has_name" => flag("has a display name", "no display name"),
        "has_description" => flag("has a description", "no description"),
        "has_location" => flag("gives a location", "no location"),
        "has_url" => flag("links a website", "no website"),
        "has_image" => flag("has a profile picture", "no profile picture"),
        "is_listed" => flag("on public lists", "on no public list"),
        "default_profile" => flag("default profile theme", "customised profile theme"),
        "default_image_after_2_months" => flag(
            "still the default picture after 2 months",
            "not a default picture kept past 2 months",
        ),
        "friends_followers_ge_50" => flag(
            "follows 50 or more times as many as follow it",
            "follows fewer than 50 times as many as follow it",
        ),
        "two_followers_ge_friends" => flag(
            "at least half as many followers as accounts followed",
            "fewer than half as many followers as accounts followed",
        ),
        "no_bio_no_location_friends_ge_100" => flag(
            "no bio, no location and follows 100 or more",
            "has a bio or a location, or follows fewer than 100",
        ),
        "screen_name_length" => format!("screen name of {} characters", format_value(v)),
        "screen_name_digits" => format!("{} digits in the screen name", format_value(v)),
        "name_length" => format!("display name of {} characters", format_value(v)),
        "description_length" => format!("description of {} characters", format_value(v)),
        _ => match name.strip_suffix("_log1p") {
            Some(base) => format!(
                "{base} = {}",
                format_value((v.exp_m1() * 1000.0).round() / 1000.0,)
            ),
            None => format!("{name} = {}", format_value(v)),
        },
    }
}

/// Reasons from signed contributions (positive = towards fake), strongest first; features with a
/// zero contribution are left out.
pub(crate) fn reasons_from_contributions(
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
                "{}: towards {} ({}{:.3})",
                describe_feature(name, *v),
                if *c > 0.0 { "fake" } else { "genuine" },
                if *c > 0.0 { "+" } else { "" },
                c
            ),
            weight: *c,
        })
        .collect();
    reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_sorted_and_worded() {
        let schema =
            FeatureSchema::new("s", 1, vec!["followers_count".into(), "age_days".into()]).unwrap();
        let r = reasons_from_contributions(&schema, &[3.0, 12.5], &[0.1, -0.3]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].source, "age_days");
        assert_eq!(r[0].text, "account 13 days old: towards genuine (-0.300)");
        assert_eq!(r[1].text, "followers_count = 3: towards fake (+0.100)");
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
            "listed_growth_rate = 0.5"
        );
        assert_eq!(
            describe_feature("hour_entropy", 2.25),
            "hour_entropy = 2.25"
        );
    }
}
