//! Readers of the labelled sources beyond Cresci 2015 and the Kaggle / SRF / InstaFake sets:
//! the Botometer 2019 sets (v1.1 users labelled from their `.tsv`), the Fast Followerz 2017
//! CSV (read as a Cresci CSV) and the 2021 Instagram CSVs (`instagram-parma-csv`). The public
//! data is read from `../shared/datasets` (skipped without it, a failure under `CI=true`); the
//! fixtures are invented accounts.
mod common;

use std::path::Path;

use chrono::{TimeZone, Utc};
use follower_audit::{Account, AccountReader, Error, Format, Label, Mode, Platform, ReadOptions};

use common::{fixture, read_leniently as read};

/// (genuine, fake, unlabelled)
fn labels(accounts: &[Account]) -> (usize, usize, usize) {
    let n = |l| accounts.iter().filter(|a| a.label == l).count();
    (n(Some(Label::Genuine)), n(Some(Label::Fake)), n(None))
}

/// A rejection's (line, record, field, value), checking that it names `path`.
fn parts(path: &Path, e: &Error) -> (Option<u64>, u64, String, String) {
    match e {
        Error::Parse {
            origin,
            position,
            field,
            value,
            ..
        } => {
            assert_eq!(origin, &path.display().to_string());
            (position.line, position.record, field.clone(), value.clone())
        }
        other => panic!("expected a parse error, got {other}"),
    }
}

// ------------------------------------------------------------------------- Botometer 2019

#[test]
fn botometer_sets_read_with_labels_from_their_tsv() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    // (set, accounts, (genuine, fake, unlabelled))
    let cases = [
        ("vendor-purchased-2019", 544, (0, 544, 0)),
        ("verified-2019", 1987, (1987, 0, 0)),
        ("cresci-rtbust-2019", 693, (340, 353, 0)),
    ];
    for (set, n, want) in cases {
        let path = data.join(format!("botometer-2019/{set}/{set}_tweets.json"));
        let (accounts, stats) = read(&path, ReadOptions::default().format(Format::Botometer));
        assert!(
            stats.rejected.is_empty(),
            "{set}: {:?}",
            stats.rejected.first()
        );
        assert_eq!(accounts.len(), n, "{set}");
        assert_eq!(labels(&accounts), want, "{set}");
        assert!(accounts.iter().all(|a| {
            a.profile.platform == Platform::Twitter
                && a.profile.id.is_some()
                && a.profile.screen_name.is_some()
                && a.profile.followers_count.is_some()
                && a.profile.created_at.is_some()
                && a.profile.crawled_at.is_none()
        }));
        // The same labels through the format-independent option, with the v1.1 reader (which
        // the content is detected as: it cannot know of the labels file).
        let tsv = data.join(format!("botometer-2019/{set}/{set}.tsv"));
        let detected = AccountReader::open(&path, &ReadOptions::default()).unwrap();
        assert_eq!(detected.format(), Format::TwitterV1, "{set}");
        let (v1, _) = read(&path, ReadOptions::default().labels(&tsv));
        assert_eq!(labels(&v1), want, "{set}");
        // Unlabelled without it, every user object still read.
        let (plain, _) = read(&path, ReadOptions::default());
        assert_eq!(labels(&plain), (0, 0, n), "{set}");
    }
}

#[test]
fn botometer_fixture_joins_labels_by_id_and_keeps_the_unlabelled() {
    let path = fixture("botometer/demo-2019/demo-2019_tweets.json");
    let (accounts, stats) = read(&path, ReadOptions::default().format(Format::Botometer));
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    let by_name: Vec<(&str, Option<Label>)> = accounts
        .iter()
        .map(|a| (a.profile.screen_name.as_deref().unwrap(), a.label))
        .collect();
    // Cleo is not in the .tsv: read, unlabelled. The .tsv's id without a user object is
    // simply not read.
    assert_eq!(
        by_name,
        [
            ("ada_example", Some(Label::Genuine)),
            ("bot4823910", Some(Label::Fake)),
            ("cleo_verified", None),
        ]
    );
    // The user's created_at, not the wrapper's (a tweet's time).
    let ada = &accounts[0].profile;
    assert_eq!(
        ada.created_at,
        Some(Utc.with_ymd_and_hms(2015, 3, 2, 10, 0, 0).unwrap())
    );
    assert_eq!(ada.id.as_deref(), Some("900000000000000001"));
    assert_eq!(ada.followers_count, Some(120));
    assert_eq!(ada.favourites_count, Some(40));
    assert_eq!(accounts[2].profile.verified, Some(true));
    assert_eq!(accounts[1].profile.default_profile_image, Some(true));
    // A default label fills in for ids the file lacks; the file's labels win.
    let (with_default, _) = read(
        &path,
        ReadOptions::default()
            .format(Format::Botometer)
            .label(Label::Genuine),
    );
    assert_eq!(labels(&with_default), (2, 1, 0));
    // Parallel conversion gives the same.
    let (parallel, _) = read(
        &path,
        ReadOptions::default()
            .format(Format::Botometer)
            .parallel(true),
    );
    assert_eq!(labels(&parallel), (1, 1, 1));
}

#[test]
fn plain_v1_reading_accepts_the_user_wrapper() {
    let data = r#"{"created_at": "Wed Jun 05 20:09:15 +0000 2019", "user": {"id_str": "5", "screen_name": "wrapped", "followers_count": 7, "created_at": "Mon Mar 02 10:00:00 +0000 2015"}}
{"id_str": "6", "screen_name": "bare", "followers_count": 8}
{"created_at": "Wed Jun 05 20:09:15 +0000 2019", "user": {"id_str": "7", "followers_count": "many"}}
"#;
    let options = ReadOptions::default().mode(Mode::Lenient);
    let mut reader = AccountReader::from_reader(data.as_bytes(), &options).unwrap();
    assert_eq!(reader.format(), Format::TwitterV1);
    let items: Vec<_> = reader.by_ref().collect();
    let a = items[0].as_ref().unwrap();
    assert_eq!(a.profile.screen_name.as_deref(), Some("wrapped"));
    assert_eq!(
        a.profile.created_at,
        Some(Utc.with_ymd_and_hms(2015, 3, 2, 10, 0, 0).unwrap())
    );
    assert_eq!(items[1].as_ref().unwrap().profile.followers_count, Some(8));
    match items[2].as_ref().unwrap_err() {
        Error::Parse {
            position, field, ..
        } => {
            assert_eq!(position.line, Some(3));
            assert_eq!(field, "user.followers_count");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn botometer_needs_its_labels_file() {
    let dir = tempfile::tempdir().unwrap();
    let tweets = dir.path().join("lost-2019_tweets.json");
    std::fs::copy(
        fixture("botometer/demo-2019/demo-2019_tweets.json"),
        &tweets,
    )
    .unwrap();
    let options = ReadOptions::default().format(Format::Botometer);
    let err = AccountReader::open(&tweets, &options).unwrap_err();
    assert!(err.to_string().contains("lost-2019.tsv"), "{err}");
    // From a stream there is no sibling: unlabelled without the option.
    let bytes = std::fs::read(&tweets).unwrap();
    let stream = AccountReader::from_reader(std::io::Cursor::new(bytes), &options).unwrap();
    let (accounts, _) = stream.read_all();
    assert_eq!(labels(&accounts), (0, 0, 3));
    // Given explicitly, any name will do.
    let reader = AccountReader::open(
        &tweets,
        &options.labels(fixture("botometer/demo-2019/demo-2019.tsv")),
    )
    .unwrap();
    assert_eq!(reader.filter(|a| a.is_ok()).count(), 3);
}

#[test]
fn a_malformed_labels_line_names_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("bad.tsv");
    std::fs::write(
        &tsv,
        "900000000000000001\thuman\n900000000000000002\trobot\n",
    )
    .unwrap();
    let json = fixture("botometer/demo-2019/demo-2019_tweets.json");
    for mode in [Mode::Strict, Mode::Lenient] {
        let options = ReadOptions::default()
            .format(Format::Botometer)
            .labels(&tsv)
            .mode(mode);
        let err = AccountReader::open(&json, &options).unwrap_err();
        assert_eq!(
            parts(&tsv, &err),
            (Some(2), 2, "label".to_string(), "robot".to_string())
        );
        let text = err.to_string();
        assert!(
            text.contains("bad.tsv") && text.contains("line 2") && text.contains("robot"),
            "{text}"
        );
    }
    std::fs::write(&tsv, "900000000000000001 human\n").unwrap();
    let err = AccountReader::open(&json, &ReadOptions::default().labels(&tsv)).unwrap_err();
    assert_eq!(parts(&tsv, &err).0, Some(1));
    let missing = dir.path().join("missing.tsv");
    let err = AccountReader::open(&json, &ReadOptions::default().labels(&missing)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}

#[test]
fn labels_file_works_with_a_csv_format_too() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("labels.tsv");
    std::fs::write(&tsv, "700000001\tbot\n700000003\thuman\n").unwrap();
    let (accounts, _) = read(
        &fixture("fastfollowerz.csv"),
        ReadOptions::default().labels(&tsv),
    );
    let got: Vec<_> = accounts.iter().map(|a| a.label).collect();
    assert_eq!(got, [Some(Label::Fake), None, Some(Label::Genuine)]);
}

// ------------------------------------------------------------------- Fast Followerz 2017

#[test]
fn fastfollowerz_reads_as_a_cresci_csv_reporting_its_broken_row() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    let path = data.join("fastfollowerz-2017/fake_users.csv");
    let reader = AccountReader::open(&path, &ReadOptions::default()).unwrap();
    assert_eq!(reader.format(), Format::CresciCsv);
    let (accounts, stats) = read(&path, ReadOptions::default().label(Label::Fake));
    assert_eq!(accounts.len(), 2649);
    assert_eq!(labels(&accounts), (0, 2649, 0));
    // One published row (index 1553) has a bare carriage return in its unquoted description:
    // the CSV record ends there, leaving a 34-field and a 4-field record, both on line 1791.
    let rejected: Vec<_> = stats
        .rejected
        .iter()
        .map(|r| {
            let (line, record, field, value) = parts(&path, r.error().unwrap());
            (line, record, field, value[..4].to_string())
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (Some(1791), 1554, "<record>".to_string(), "1553".to_string()),
            (Some(1791), 1555, "<record>".to_string(), "    ".to_string()),
        ]
    );
    assert!(stats.rejected[0].to_string().contains(": 34 fields"));
    assert!(stats.rejected[1].to_string().contains(": 4 fields"));
    assert!(accounts.iter().all(|a| {
        let p = &a.profile;
        p.id.is_some()
            && p.screen_name.is_some()
            && p.created_at.is_some()
            && p.crawled_at.is_none()
            && p.followers_count.is_some()
            && p.default_profile.is_some()
            && p.verified == Some(false)
    }));
    // `user_name` is the display name.
    assert!(accounts.iter().filter(|a| a.profile.name.is_some()).count() > 2600);
    // Strict mode stops at the broken row.
    let strict = AccountReader::open(&path, &ReadOptions::default()).unwrap();
    let items: Vec<_> = strict.collect();
    assert_eq!(items.len(), 1554);
    assert!(items.last().unwrap().is_err());
}

#[test]
fn fastfollowerz_fixture_layout() {
    let path = fixture("fastfollowerz.csv");
    let (accounts, stats) = read(&path, ReadOptions::default());
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    assert_eq!(accounts.len(), 3);
    let p = &accounts[1].profile;
    assert_eq!(p.name.as_deref(), Some("Eli Example"));
    assert_eq!(p.screen_name.as_deref(), Some("eli_example"));
    assert_eq!(p.location.as_deref(), Some("Lake City, FL"));
    assert_eq!(p.description.as_deref(), Some("first line\r\nsecond line"));
    assert_eq!(p.default_profile_image, Some(true));
    assert_eq!(p.geo_enabled, Some(false));
    assert_eq!(
        p.created_at,
        Some(Utc.with_ymd_and_hms(2014, 2, 3, 4, 5, 6).unwrap())
    );
    assert_eq!(p.crawled_at, None);
    assert_eq!(
        accounts[2].profile.description.as_deref(),
        Some("a quoted\rcarriage return")
    );

    let bad = fixture("malformed/fastfollowerz_malformed.csv");
    let (accounts, stats) = read(&bad, ReadOptions::default());
    let names: Vec<_> = accounts
        .iter()
        .map(|a| a.profile.screen_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["dana_x1842", "hal_after"]);
    let rejected: Vec<_> = stats
        .rejected
        .iter()
        .map(|r| {
            let (line, record, field, _) = parts(&bad, r.error().unwrap());
            let text = r.to_string();
            let n = if text.contains(": 34 fields") {
                34
            } else if text.contains(": 4 fields") {
                4
            } else {
                0
            };
            (line, record, field, n)
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (Some(3), 2, "<record>".to_string(), 34),
            (Some(3), 3, "<record>".to_string(), 4),
        ]
    );
}

// ------------------------------------------------------------------- Instagram 2021

#[test]
fn instagram_2021_sets_read_with_their_labels() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    for (file, n, want, private) in [
        ("OldDataSet.csv", 1400, (700, 700, 0), true),
        ("NewDataset.csv", 1000, (500, 500, 0), false),
    ] {
        let path = data.join("instagram-parma-2021").join(file);
        let reader = AccountReader::open(&path, &ReadOptions::default()).unwrap();
        assert_eq!(reader.format(), Format::InstagramParmaCsv, "{file}");
        let (accounts, stats) = read(&path, ReadOptions::default());
        assert!(
            stats.rejected.is_empty(),
            "{file}: {:?}",
            stats.rejected.first()
        );
        assert_eq!(accounts.len(), n, "{file}");
        assert_eq!(labels(&accounts), want, "{file}");
        assert!(accounts.iter().all(|a| {
            let p = &a.profile;
            p.platform == Platform::Instagram
                && p.followers_count.is_some()
                && p.friends_count.is_some()
                && p.statuses_count.is_some()
                && p.verified.is_some()
                && p.default_profile_image.is_some()
                && p.summary.screen_name_digit_ratio.is_some()
                && p.summary.name_words.is_some()
                && p.summary.description_length.is_some()
                && p.summary.has_url.is_some()
                && p.protected.is_some() == private
        }));
    }
}

#[test]
fn instagram_2021_fixtures_map_like_the_kaggle_reader() {
    let (old, stats) = read(&fixture("instagram_parma_old.csv"), ReadOptions::default());
    assert!(stats.rejected.is_empty());
    assert_eq!(labels(&old), (2, 2, 0));
    let p = &old[1].profile;
    assert_eq!(p.summary.screen_name_digit_ratio, Some(0.25));
    assert_eq!(p.summary.name_words, Some(1));
    assert_eq!(p.summary.description_length, Some(0));
    assert_eq!(p.summary.has_url, Some(false));
    assert_eq!(p.protected, Some(true));
    assert_eq!(p.verified, Some(false));
    assert_eq!(p.default_profile_image, Some(false));
    assert_eq!(
        (p.statuses_count, p.followers_count, p.friends_count),
        (Some(3), Some(41), Some(1250))
    );
    assert_eq!(old[2].profile.default_profile_image, Some(true));
    assert_eq!(old[3].profile.verified, Some(true));

    let (new, stats) = read(&fixture("instagram_parma_new.csv"), ReadOptions::default());
    assert!(stats.rejected.is_empty());
    assert_eq!(labels(&new), (2, 1, 0));
    // No `Private` column: unknown, not false.
    assert!(new.iter().all(|a| a.profile.protected.is_none()));
    assert_eq!(new[1].profile.friends_count, Some(1900));

    let bad = fixture("malformed/parma_malformed.csv");
    let (accounts, stats) = read(&bad, ReadOptions::default());
    assert_eq!(accounts.len(), 1);
    let fields: Vec<_> = stats
        .rejected
        .iter()
        .map(|r| {
            let (line, _, field, value) = parts(&bad, r.error().unwrap());
            (line.unwrap(), field, value)
        })
        .collect();
    assert_eq!(fields[0], (3, "#Followers".to_string(), "-41".to_string()));
    assert_eq!(fields[1].0, 4);
    assert_eq!(fields[1].1, "<record>");
    assert_eq!(fields[2], (5, "Business".to_string(), "maybe".to_string()));
    assert_eq!(fields[3], (6, "Fake".to_string(), "2".to_string()));
}

#[test]
fn new_formats_round_trip_their_names_and_are_detected() {
    for (name, format) in [
        ("botometer", Format::Botometer),
        ("instagram-parma-csv", Format::InstagramParmaCsv),
    ] {
        assert_eq!(name.parse::<Format>().unwrap(), format);
        assert_eq!(format.name(), name);
        assert!(Format::ALL.contains(&format));
    }
    assert_eq!(Format::InstagramParmaCsv.platform(), Platform::Instagram);
    assert_eq!(Format::Botometer.platform(), Platform::Twitter);
    assert!(Format::InstagramParmaCsv.is_csv());
    assert!(!Format::Botometer.is_csv());
    let old = b"Profile Pic,Nums/Length Username,Full Name Words,Bio Length,External Url,Private,\
                Verified,Business,#Posts,#Followers,#Following,Fake\n";
    assert_eq!(Format::detect(old), Some(Format::InstagramParmaCsv));
    // The Kaggle header stays Kaggle.
    assert_eq!(
        Format::detect(b"profile pic,nums/length username,#followers,#follows,fake\n"),
        Some(Format::InstagramKaggleCsv)
    );
    let ff = std::fs::read(fixture("fastfollowerz.csv")).unwrap();
    assert_eq!(Format::detect(&ff), Some(Format::CresciCsv));
}

/// twarc2 records when it fetched a page under `__twarc.retrieved_at`: that is the crawl time
/// ages are measured at, for every user of the page (and of a flattened user line); a user
/// object's own crawl time is never overwritten, and a bad timestamp is an error naming it.
#[test]
fn twarc2_retrieved_at_is_the_crawl_time() {
    let page = r#"{"data": [{"id": "1", "username": "a", "created_at": "2013-01-01T00:00:00.000Z", "public_metrics": {"followers_count": 1, "following_count": 2, "tweet_count": 3, "listed_count": 0}}, {"id": "2", "username": "b", "public_metrics": {"followers_count": 5, "following_count": 6, "tweet_count": 7, "listed_count": 0}}], "__twarc": {"url": "https://api.twitter.com/2/users/9/followers", "version": "2.10.4", "retrieved_at": "2021-05-21T19:37:59+00:00"}}
{"data": [{"id": "3", "username": "c", "public_metrics": {"followers_count": 1, "following_count": 1, "tweet_count": 1, "listed_count": 0}}]}
"#;
    let opts = ReadOptions::default().format(Format::TwitterV2);
    let accounts: Vec<Account> = AccountReader::from_reader(page.as_bytes(), &opts)
        .unwrap()
        .map(|a| a.unwrap())
        .collect();
    assert_eq!(accounts.len(), 3);
    let when = Utc.with_ymd_and_hms(2021, 5, 21, 19, 37, 59).unwrap();
    assert_eq!(accounts[0].profile.crawled_at, Some(when));
    assert_eq!(accounts[1].profile.crawled_at, Some(when));
    // The second page has no `__twarc`: no crawl time.
    assert_eq!(accounts[2].profile.crawled_at, None);
    let bad = page.replace("2021-05-21T19:37:59+00:00", "yesterday");
    let first = AccountReader::from_reader(std::io::Cursor::new(bad.into_bytes()), &opts)
        .unwrap()
        .next()
        .unwrap();
    let err = first.unwrap_err().to_string();
    assert!(
        err.contains("retrieved_at") && err.contains("yesterday"),
        "{err}"
    );
}
