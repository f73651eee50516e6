//! Property tests for feature extraction: arbitrary accounts never panic and give finite
//! values; the order of a timeline never changes the features; parallel equals sequential;
//! masking only ever turns indicators off.

use chrono::{DateTime, TimeZone, Utc};
use follower_audit::{
    Account, FeatureExtractor, FeatureSet, FieldGroup, Platform, Post, Profile, TextSummary,
};
use proptest::prelude::*;

fn any_time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    // 1990 .. 2040, including dates after the crawl time and before the platform existed.
    proptest::option::of(
        (631_152_000i64..2_208_988_800).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap()),
    )
}

fn any_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "[a-zA-Z0-9_ ]{0,20}",
        "\\PC{0,40}",
        Just("http://t.co/x @bob #tag RT @a: !".to_string()),
        Just("张三 微博用户 机器人 ①②".to_string()),
        Just(String::new()),
    ])
}

fn any_count() -> impl Strategy<Value = Option<u64>> {
    proptest::option::of(prop_oneof![0u64..100, 0u64..10_000_000, Just(u64::MAX)])
}

fn any_flag() -> impl Strategy<Value = Option<bool>> {
    proptest::option::of(any::<bool>())
}

fn any_ratio() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(prop_oneof![
        0.0..1.0f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-3.0)
    ])
}

fn any_post() -> impl Strategy<Value = Post> {
    (
        any_time(),
        any_text(),
        proptest::option::of(prop_oneof![
            Just("Twitter for iPhone".to_string()),
            Just("Twitter Web Client".to_string()),
            Just("dlvr.it".to_string()),
            Just("iPhone客户端".to_string()),
            "\\PC{0,12}",
        ]),
        any::<bool>(),
        any::<bool>(),
        any_count(),
        proptest::option::of(0u32..5),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..5),
    )
        .prop_map(
            |(created_at, text, source, rt, reply, rc, urls, mentions, tags)| Post {
                id: None,
                created_at,
                text,
                source,
                is_retweet: rt,
                is_reply: reply,
                retweet_count: rc,
                num_urls: urls,
                num_mentions: mentions,
                num_hashtags: tags,
            },
        )
}

fn any_account() -> impl Strategy<Value = Account> {
    let text = (any_text(), any_text(), any_text(), any_text(), any_text());
    let counts = (
        any_count(),
        any_count(),
        any_count(),
        any_count(),
        any_count(),
    );
    let flags = (
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
        any_flag(),
    );
    let summary = (
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        any_ratio(),
        proptest::option::of(0u32..10),
        any_ratio(),
        any_flag(),
        proptest::option::of(any::<u32>()),
    );
    (
        text,
        counts,
        flags,
        summary,
        (any_time(), any_time()),
        proptest::option::of(proptest::collection::vec(any_post(), 0..30)),
        prop_oneof![
            Just(Platform::Twitter),
            Just(Platform::Weibo),
            Just(Platform::Instagram)
        ],
    )
        .prop_map(
            |(t, c, f, s, (created, crawled), activity, platform)| Account {
                profile: Profile {
                    platform,
                    id: None,
                    screen_name: t.0,
                    name: t.1,
                    description: t.2,
                    url: t.3,
                    location: t.4,
                    lang: None,
                    created_at: created,
                    statuses_count: c.0,
                    followers_count: c.1,
                    friends_count: c.2,
                    favourites_count: c.3,
                    listed_count: c.4,
                    default_profile: f.0,
                    default_profile_image: f.1,
                    profile_use_background_image: f.2,
                    verified: f.3,
                    protected: f.4,
                    geo_enabled: f.5,
                    crawled_at: crawled,
                    summary: TextSummary {
                        screen_name_length: s.0,
                        screen_name_digits: s.1,
                        screen_name_digit_ratio: s.2,
                        name_length: None,
                        name_words: s.3,
                        name_digit_ratio: s.4,
                        name_equals_screen_name: s.5,
                        description_length: s.6,
                        has_url: None,
                    },
                },
                activity,
                label: None,
                engaged_at: None,
            },
        )
}

fn extractors() -> [FeatureExtractor; 2] {
    let clock = Utc.with_ymd_and_hms(2020, 6, 1, 0, 0, 0).unwrap();
    [
        FeatureExtractor::new(FeatureSet::Twitter).with_clock(clock),
        FeatureExtractor::new(FeatureSet::Instagram).with_clock(clock),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_accounts_give_finite_features(a in any_account()) {
        for fx in extractors() {
            let mut out = vec![f64::NAN; fx.schema().len()];
            fx.extract_one(&a, &mut out).unwrap();
            for (name, v) in fx.schema().names().iter().zip(&out) {
                prop_assert!(v.is_finite(), "{} = {}", name, v);
            }
            // Indicators and shares stay in [0, 1].
            for (name, v) in fx.schema().names().iter().zip(&out) {
                if name.starts_with("has_") || name.ends_with("_share") || name.ends_with("_ratio")
                    || name.starts_with("client_") || name.ends_with("_likelihood")
                {
                    prop_assert!((0.0..=1.0).contains(v), "{} = {}", name, v);
                }
            }
        }
    }

    #[test]
    fn timeline_order_does_not_matter(a in any_account(), seed in any::<u64>()) {
        let mut b = a.clone();
        if let Some(posts) = b.activity.as_mut() {
            // A seeded Fisher-Yates shuffle, then a reversal of half of it.
            let mut s = seed | 1;
            for i in (1..posts.len()).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                posts.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let half = posts.len() / 2;
            posts[..half].reverse();
        }
        let fx = &extractors()[0];
        let (fa, fb) = (fx.extract_sequential(&[a]), fx.extract_sequential(&[b]));
        // Bit for bit, not approximately.
        let bits = |m: &follower_audit::FeatureMatrix| m.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&fa), bits(&fb));
    }

    #[test]
    fn parallel_equals_sequential(accounts in proptest::collection::vec(any_account(), 0..40)) {
        for fx in extractors() {
            prop_assert_eq!(fx.extract(&accounts), fx.extract_sequential(&accounts));
        }
    }

    #[test]
    fn masking_turns_indicators_off(a in any_account(), mask in proptest::sample::subsequence(FieldGroup::ALL.to_vec(), 0..=12)) {
        let mut m = a.clone();
        FieldGroup::mask(&mut m, &mask);
        for fx in extractors() {
            let (x, y) = (
                fx.extract_sequential(std::slice::from_ref(&a)),
                fx.extract_sequential(std::slice::from_ref(&m)),
            );
            for (j, name) in fx.schema().names().iter().enumerate() {
                if name.starts_with("has_") {
                    prop_assert!(y.values()[[0, j]] <= x.values()[[0, j]], "{} rose", name);
                }
            }
        }
    }
}

#[test]
fn counts_only_mask_leaves_only_counts() {
    let mut a = Account::default();
    a.profile.followers_count = Some(5);
    a.profile.friends_count = Some(7);
    a.profile.statuses_count = Some(9);
    a.profile.description = Some("bio".into());
    a.profile.created_at = Some(Utc.with_ymd_and_hms(2012, 1, 1, 0, 0, 0).unwrap());
    a.profile.default_profile_image = Some(false);
    a.activity = Some(vec![Post::default()]);
    FieldGroup::mask(&mut a, FieldGroup::counts_only());
    let mut expected = Account::default();
    expected.profile.followers_count = Some(5);
    expected.profile.friends_count = Some(7);
    expected.profile.statuses_count = Some(9);
    assert_eq!(a, expected);
    assert!(!FieldGroup::counts_only().contains(&FieldGroup::Counts));
    assert_eq!(FieldGroup::counts_only().len(), FieldGroup::ALL.len() - 1);
}
