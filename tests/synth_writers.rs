//! The synthetic generator's writers: the output parses as the format says (serde_json, csv),
//! and reading it back with the crate's own readers gives the same profiles and posts.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use follower_audit::synth::{self, BurstSpec, FollowerListSpec, SynthFormat, CRESCI_COLUMNS};
use follower_audit::{Account, AccountReader, Format, Label, Platform, Profile, ReadOptions};
use proptest::prelude::*;

fn sample(n: u64, seed: u64) -> Vec<Account> {
    FollowerListSpec::new(n)
        .fake_share(0.3)
        .burst(BurstSpec::new(n / 4, n / 5, 0.95))
        .seed(seed)
        .build()
        .unwrap()
        .iter()
        .collect()
}

fn read_back(bytes: Vec<u8>, format: Format) -> Vec<Account> {
    let options = ReadOptions::default().format(format).origin("synth-test");
    let reader = AccountReader::from_reader(std::io::Cursor::new(bytes), &options).unwrap();
    reader.collect::<Result<Vec<_>, _>>().unwrap()
}

#[test]
fn twitter_jsonl_round_trips_through_the_reader() {
    let accounts = sample(3_000, 11);
    let mut out = Vec::new();
    assert_eq!(
        synth::write_twitter_v1_jsonl(&mut out, &accounts).unwrap(),
        3_000
    );
    let back = read_back(out, Format::TwitterV1);
    assert_eq!(back.len(), accounts.len());
    let mut with_status = 0;
    for (want, got) in accounts.iter().zip(&back) {
        // The v1.1 user object carries neither the crawl time nor a label.
        let mut expected = want.profile.clone();
        expected.crawled_at = None;
        assert_eq!(got.profile, expected);
        assert_eq!(got.activity, want.activity);
        with_status += usize::from(got.activity.is_some());
    }
    assert!(with_status > 2_900, "{with_status} accounts with a status");
}

#[test]
fn cresci_csv_round_trips_through_the_reader() {
    let accounts = sample(3_000, 12);
    let mut out = Vec::new();
    assert_eq!(synth::write_cresci_csv(&mut out, &accounts).unwrap(), 3_000);
    let back = read_back(out, Format::CresciCsv);
    assert_eq!(back.len(), accounts.len());
    for (want, got) in accounts.iter().zip(&back) {
        // users.csv has no timeline and no label (the dataset column says SYNTH).
        assert_eq!(got.profile, want.profile);
        assert_eq!(got.activity, None);
        assert_eq!(got.label, None);
    }
}

#[test]
fn instagram_jsonl_round_trips_through_the_reader() {
    let accounts: Vec<Account> = FollowerListSpec::new(2_000)
        .fake_share(0.4)
        .platform(Platform::Instagram)
        .seed(15)
        .build()
        .unwrap()
        .iter()
        .collect();
    let mut out = Vec::new();
    assert_eq!(
        synth::write_instagram_jsonl(&mut out, &accounts).unwrap(),
        2_000
    );
    let back = read_back(out, Format::InstagramJsonl);
    assert_eq!(back.len(), accounts.len());
    for (want, got) in accounts.iter().zip(&back) {
        let mut expected = want.profile.clone();
        expected.crawled_at = None;
        // The writer gives every account these keys, as Instagram does: one without a
        // name, bio or website reads back as an empty one.
        for text in [
            &mut expected.name,
            &mut expected.description,
            &mut expected.url,
        ] {
            text.get_or_insert_with(String::new);
        }
        assert_eq!(got.profile, expected);
        let username = want.profile.screen_name.as_deref().unwrap();
        assert!((5..=30).contains(&username.len()), "{username}");
        assert!(username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'));
    }
}

#[test]
fn twitter_jsonl_is_v1_user_objects() {
    let accounts = sample(1_000, 13);
    let mut out = Vec::new();
    synth::write_twitter_v1_jsonl(&mut out, &accounts).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1_000);
    let required = [
        "id",
        "id_str",
        "name",
        "screen_name",
        "location",
        "description",
        "url",
        "protected",
        "followers_count",
        "friends_count",
        "listed_count",
        "created_at",
        "favourites_count",
        "verified",
        "statuses_count",
        "lang",
        "geo_enabled",
        "default_profile",
        "default_profile_image",
        "profile_use_background_image",
    ];
    for (line, account) in lines.iter().zip(&accounts) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        for key in required {
            assert!(obj.contains_key(key), "missing {key} in {line}");
        }
        let p = &account.profile;
        assert_eq!(obj["id"].as_u64().unwrap().to_string(), obj["id_str"]);
        assert_eq!(obj["id_str"], p.id.as_deref().unwrap());
        assert_eq!(obj["screen_name"], p.screen_name.as_deref().unwrap());
        assert_eq!(obj["followers_count"].as_u64(), p.followers_count);
        assert_eq!(obj["description"], p.description.as_deref().unwrap_or(""));
        assert!(obj["url"].is_null() == p.url.is_none());
        let created = obj["created_at"].as_str().unwrap();
        let parsed = DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y").unwrap();
        assert_eq!(parsed.with_timezone(&Utc), p.created_at.unwrap());
        match account.activity.as_ref().and_then(|a| a.first()) {
            Some(post) => {
                let s = &obj["status"];
                assert_eq!(s["id_str"], post.id.as_deref().unwrap());
                assert_eq!(s["text"], post.text.as_deref().unwrap());
                assert_eq!(
                    s["entities"]["hashtags"].as_array().unwrap().len() as u32,
                    post.num_hashtags.unwrap()
                );
                assert_eq!(s.get("retweeted_status").is_some(), post.is_retweet);
            }
            None => assert!(!obj.contains_key("status")),
        }
    }
}

#[test]
fn cresci_csv_has_the_34_columns_quoted_like_the_published_files() {
    let accounts = sample(1_000, 14);
    let mut out = Vec::new();
    synth::write_cresci_csv(&mut out, &accounts).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    let header = text.lines().next().unwrap();
    let quoted: Vec<String> = CRESCI_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    assert_eq!(header, quoted.join(","));
    // Every non-empty field is quoted and every empty one bare, as in the published files.
    for line in text.lines().skip(1) {
        let fields = raw_fields(line);
        assert_eq!(fields.len(), 34, "{line}");
        for f in fields {
            assert!(
                f.is_empty() || (f.len() >= 3 && f.starts_with('"') && f.ends_with('"')),
                "field {f:?} in {line}"
            );
        }
    }
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let idx = |name: &str| CRESCI_COLUMNS.iter().position(|c| *c == name).unwrap();
    let mut rows = 0;
    let mut tags = BTreeSet::new();
    for (row, account) in rd.records().zip(&accounts) {
        let row = row.unwrap();
        rows += 1;
        assert_eq!(row.len(), 34);
        let p: &Profile = &account.profile;
        assert_eq!(&row[idx("id")], p.id.as_deref().unwrap());
        assert_eq!(
            row[idx("friends_count")].parse::<u64>().ok(),
            p.friends_count
        );
        for b in [
            "default_profile",
            "default_profile_image",
            "geo_enabled",
            "profile_use_background_image",
            "profile_background_tile",
            "protected",
            "verified",
        ] {
            assert!(matches!(&row[idx(b)], "1" | ""), "{b} = {:?}", &row[idx(b)]);
        }
        assert_eq!(
            &row[idx("default_profile")] == "1",
            p.default_profile.unwrap()
        );
        let updated =
            NaiveDateTime::parse_from_str(&row[idx("updated")], "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(updated.and_utc(), p.crawled_at.unwrap());
        tags.insert(row[idx("dataset")].to_string());
    }
    assert_eq!(rows, 1_000);
    assert_eq!(tags.into_iter().collect::<Vec<_>>(), vec!["SYNTH"]);
}

#[test]
fn parallel_file_writer_equals_the_sequential_writers() {
    // 20,001 followers: several parallel blocks and a ragged last piece.
    let g = FollowerListSpec::new(20_001)
        .fake_share(0.25)
        .burst(BurstSpec::new(5_000, 3_000, 0.9))
        .seed(21)
        .build()
        .unwrap();
    let mut seen = Vec::new();
    let mut par = Vec::new();
    let n = g
        .write_to(&mut par, SynthFormat::TwitterV1Jsonl, |done| {
            seen.push(done)
        })
        .unwrap();
    assert_eq!(n, 20_001);
    assert_eq!(seen.last(), Some(&20_001));
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    let mut seq = Vec::new();
    synth::write_twitter_v1_jsonl(&mut seq, g.iter()).unwrap();
    assert!(par == seq, "JSON Lines differ");

    let mut par = Vec::new();
    g.write_to(&mut par, SynthFormat::CresciCsv, |_| {})
        .unwrap();
    let mut seq = Vec::new();
    synth::write_cresci_csv(&mut seq, g.iter()).unwrap();
    assert!(par == seq, "CSV differs");

    assert_eq!(
        "cresci-csv".parse::<SynthFormat>().unwrap(),
        SynthFormat::CresciCsv
    );
    assert!("xml".parse::<SynthFormat>().is_err());
}

#[test]
fn labels_follow_the_bursts() {
    let g = FollowerListSpec::new(4_000)
        .fake_share(0.05)
        .burst(BurstSpec::new(1_000, 500, 0.9))
        .seed(3)
        .build()
        .unwrap();
    let fake_in = |r: std::ops::Range<u64>| {
        r.clone()
            .filter(|&i| g.label(i) == Some(Label::Fake))
            .count() as f64
            / (r.end - r.start) as f64
    };
    let inside = fake_in(1_000..1_500);
    let outside = fake_in(2_000..4_000);
    assert!((inside - 0.9).abs() < 0.05, "burst fake share {inside}");
    assert!((outside - 0.05).abs() < 0.02, "base fake share {outside}");
}

/// Splits one CSV line into its raw fields (quotes kept), honouring quoted commas.
fn raw_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let (mut start, mut in_quotes) = (0, false);
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                fields.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&line[start..]);
    fields
}

fn text_strategy() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[a-zA-Z0-9 \"',;\\\\\n\t\u{e0}\u{2665}\u{1}<>&]{0,40}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary text (quotes, commas, backslashes, newlines, control and non-ASCII characters)
    /// survives both writers.
    #[test]
    fn writers_escape_arbitrary_text(
        name in text_strategy(),
        description in text_strategy(),
        location in text_strategy(),
        followers in prop::option::of(0u64..u64::MAX),
    ) {
        let mut a = Account::default();
        a.profile.id = Some("12345".into());
        a.profile.name = name.clone();
        a.profile.description = description.clone();
        a.profile.location = location.clone();
        a.profile.followers_count = followers;

        let mut json = Vec::new();
        synth::write_twitter_v1_jsonl(&mut json, [&a]).unwrap();
        prop_assert_eq!(json.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(v["name"].as_str(), name.as_deref());
        prop_assert_eq!(v["description"].as_str(), Some(description.as_deref().unwrap_or("")));
        prop_assert_eq!(v["followers_count"].as_u64(), followers);

        let mut csv_out = Vec::new();
        synth::write_cresci_csv(&mut csv_out, [&a]).unwrap();
        let mut rd = csv::Reader::from_reader(csv_out.as_slice());
        let row = rd.records().next().unwrap().unwrap();
        prop_assert_eq!(row.len(), 34);
        prop_assert_eq!(&row[1], name.as_deref().unwrap_or(""));
        prop_assert_eq!(&row[31], description.as_deref().unwrap_or(""));
        prop_assert_eq!(&row[12], location.as_deref().unwrap_or(""));
    }
}
