//! Engagement audits: lists of likers, reposters and commenters, their engagement times read
//! from every form they come in, and bursts of fake-looking engagers found in time.
mod common;

use chrono::{DateTime, Duration, Utc};
use follower_audit::synth::{BurstSpec, FollowerListSpec};
use follower_audit::{
    open, report::BurstAxis, Account, AccountReader, Audit, AuditParams, AuditReport, Error,
    Format, ListKind, Listing, Mode, Model, Platform, ReadOptions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::{fixture, read_leniently};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The first engagement of the generated lists.
fn t0() -> DateTime<Utc> {
    follower_audit::synth::default_crawled_at() - Duration::hours(8)
}

/// 1,500 engagers of one post: 1,200 of a steady stream over six hours (10% fake), and a
/// bought burst of 300 (95% fake) delivered within five minutes from minute 200, given in a
/// shuffled order, so that nothing about the burst shows in the list's order.
fn planted_engagers() -> Vec<Account> {
    let generator = FollowerListSpec::new(1_500)
        .seed(11)
        .fake_share(0.1)
        .burst(BurstSpec::new(1_200, 300, 0.95))
        .build()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut accounts: Vec<Account> = generator
        .iter()
        .enumerate()
        .map(|(i, mut a)| {
            let ms = if i < 1_200 {
                // Steady: one every 18 seconds on average over 360 minutes.
                i as i64 * 18_000 + rng.gen_range(0..18_000)
            } else {
                200 * 60_000 + rng.gen_range(0..300_000)
            };
            a.engaged_at = Some(t0() + Duration::milliseconds(ms));
            a
        })
        .collect();
    for i in (1..accounts.len()).rev() {
        accounts.swap(i, rng.gen_range(0..=i));
    }
    accounts
}

fn params() -> AuditParams {
    AuditParams::default()
        .bootstrap(20)
        .clock(at("2015-02-14T12:00:00Z"))
        .followers(Listing::MostSuspicious(50))
}

fn audit_in_pool(threads: usize, accounts: &[Account], params: AuditParams) -> AuditReport {
    let model = Model::default_twitter();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| {
            Audit::new(&model, params)
                .run("engagers", accounts.iter().cloned().map(Ok))
                .unwrap()
        })
}

#[test]
fn a_planted_burst_is_found_in_minutes_not_positions() {
    let accounts = planted_engagers();
    let report = audit_in_pool(2, &accounts, params().list(ListKind::Engagers));
    assert_eq!(report.list, ListKind::Engagers);
    let e = report.engagement.as_ref().expect("an engagement report");
    assert_eq!(e.bursts_over, BurstAxis::Time);
    assert_eq!((e.with_time, e.without_time), (1_500, 0));
    assert!(report.bursts.is_empty(), "found in time, not positions");
    assert_eq!(e.bursts.len(), 1, "{:#?}", e.bursts);
    let b = &e.bursts[0];
    // The burst ran from minute 200 to 205; outside it two or three engagers came a minute,
    // so its edges are within a few minutes.
    assert!(
        (197.0..=201.0).contains(&b.start_minute) && (204.0..=208.0).contains(&b.end_minute),
        "{b:#?}"
    );
    assert_eq!(
        b.start,
        e.first.unwrap() + Duration::milliseconds((b.start_minute * 60_000.0).round() as i64)
    );
    assert!(b.per_minute > 25.0 && b.baseline_per_minute < 5.0, "{b:#?}");
    assert!(b.fake_share > b.baseline_fake_share + 0.3, "{b:#?}");
    assert!(b.engagements >= 280 && b.engagements <= 340, "{b:#?}");

    // The same list audited as followers, by its (shuffled) order: no burst to see.
    let by_position = audit_in_pool(2, &accounts, params());
    assert_eq!(by_position.list, ListKind::Followers);
    assert!(by_position.engagement.is_none());
    assert!(by_position.bursts.is_empty(), "{:?}", by_position.bursts);
    // The estimates do not depend on what the list is called.
    assert_eq!(by_position.genuine_share, report.genuine_share);

    // The page speaks of engagers and lists the burst in time.
    let html = report.to_html();
    for part in [
        "Engagement audit",
        "engagers look genuine",
        "id=\"time-bursts\"",
        "When the fake engagers came",
    ] {
        assert!(html.contains(part), "{part:?} not on the page");
    }
    assert!(!html.contains("id=\"no-bursts\""));

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["list"], "engagers");
    assert_eq!(json["engagement"]["bursts_over"], "time");
    assert!(json["engagement"]["bursts"][0]["start_minute"].is_number());
}

#[test]
fn engagement_reports_are_identical_at_any_thread_count() {
    let accounts = planted_engagers();
    let p = params().chunk(97).list(ListKind::Engagers);
    let one = serde_json::to_string(&audit_in_pool(1, &accounts, p.clone())).unwrap();
    for threads in [2, 3] {
        let other = serde_json::to_string(&audit_in_pool(threads, &accounts, p.clone())).unwrap();
        assert_eq!(one, other, "{threads} threads");
    }
    // A sample scores fewer engagers; the rates are scaled back to the whole list.
    let sampled = audit_in_pool(2, &accounts, p.clone().sample(1_000).seed(3));
    let e = sampled.engagement.unwrap();
    assert_eq!(e.with_time, 1_000);
    assert!((e.per_minute - 1_500.0 / e.minutes).abs() < 0.5, "{e:?}");
}

/// The engagers as a JSON Lines file with an `engaged_at` key, read in blocks on the pool:
/// the report of the block path at 1 and 2 threads is that of the record-at-a-time path.
#[test]
fn engagement_times_are_read_from_json_lines_in_blocks() {
    let accounts = planted_engagers();
    let mut bytes = Vec::new();
    follower_audit::synth::write_twitter_v1_jsonl(&mut bytes, accounts.iter()).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = String::new();
    for (line, a) in text.lines().zip(&accounts) {
        let t = a.engaged_at.unwrap().to_rfc3339();
        lines.push_str(&line.replacen('{', &format!("{{\"liked_at\": \"{t}\", "), 1));
        lines.push('\n');
    }
    let model = Model::default_twitter();
    let p = params().list(ListKind::Engagers);
    let run = |threads: usize, blocks: bool| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let options = ReadOptions::default().origin("likers.jsonl");
                let mut reader =
                    AccountReader::from_reader(std::io::Cursor::new(lines.clone()), &options)
                        .unwrap();
                let audit = Audit::new(&model, p.clone());
                let report = if blocks {
                    audit.run_reader(&mut reader, None)
                } else {
                    audit.run_with("likers.jsonl", &mut reader, None)
                };
                serde_json::to_string(&report.unwrap()).unwrap()
            })
    };
    let want = run(1, false);
    let report: serde_json::Value = serde_json::from_str(&want).unwrap();
    assert_eq!(report["engagement"]["with_time"], 1_500);
    assert_eq!(report["engagement"]["bursts"].as_array().unwrap().len(), 1);
    for threads in [1, 2] {
        assert_eq!(run(threads, true), want, "{threads} threads");
    }
}

#[test]
fn a_list_without_times_falls_back_to_positions_and_says_so() {
    let mut accounts = planted_engagers();
    for a in &mut accounts {
        a.engaged_at = None;
    }
    let report = audit_in_pool(2, &accounts, params().list(ListKind::Engagers));
    let e = report.engagement.unwrap();
    assert_eq!(e.bursts_over, BurstAxis::Position);
    assert_eq!(e.without_time, 1_500);
    assert!(e.note.unwrap().contains("along the list's order"));
    assert!(e.bursts.is_empty());
}

#[test]
fn liking_users_and_retweeted_by_pages_are_read() {
    let likers = fixture("twitter_v2_liking_users.jsonl");
    let head = std::fs::read(&likers).unwrap();
    assert_eq!(Format::detect(&head), Some(Format::TwitterV2));
    let (accounts, stats) = read_leniently(&likers, ReadOptions::default());
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    let ids: Vec<_> = accounts
        .iter()
        .map(|a| a.profile.id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["4001", "4002", "4003"]);
    // twarc2's `__twarc.retrieved_at` is each page's crawl time; the API gives no like time.
    assert_eq!(
        accounts[0].profile.crawled_at,
        Some(at("2022-06-01T12:00:00Z"))
    );
    assert_eq!(
        accounts[2].profile.crawled_at,
        Some(at("2022-06-01T12:00:01Z"))
    );
    assert!(accounts.iter().all(|a| a.engaged_at.is_none()));
    assert_eq!(accounts[1].profile.default_profile_image, Some(true));
    assert_eq!(accounts[1].profile.friends_count, Some(2_500));

    let (accounts, stats) = read_leniently(
        &fixture("twitter_v2_retweeted_by.json"),
        ReadOptions::default(),
    );
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    assert_eq!(accounts.len(), 2);
    assert_eq!(
        accounts[0].profile.screen_name.as_deref(),
        Some("lena_example")
    );
    assert_eq!(
        accounts[1].profile.created_at,
        Some(at("2022-05-30T23:59:00Z"))
    );
}

#[test]
fn weibo_repost_lists_give_each_reposter_at_the_repost_time() {
    let path = fixture("weibo_reposts.json");
    assert_eq!(
        Format::detect(&std::fs::read(&path).unwrap()),
        Some(Format::Weibo)
    );
    let (accounts, stats) = read_leniently(&path, ReadOptions::default());
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    assert_eq!(accounts.len(), 2);
    let a = &accounts[0];
    assert_eq!(a.profile.platform, Platform::Weibo);
    assert_eq!(a.profile.id.as_deref(), Some("2904376563"));
    // The repost's time is the engagement; the user's own `created_at` stays the account's.
    assert_eq!(a.engaged_at, Some(at("2022-06-01T12:15:00Z")));
    assert_eq!(a.profile.created_at, Some(at("2022-05-31T02:00:00Z")));
    assert_eq!(a.profile.default_profile_image, Some(true));
    assert_eq!(accounts[1].engaged_at, Some(at("2022-06-01T12:14:40Z")));
    assert_eq!(
        accounts[1].profile.screen_name.as_deref(),
        Some("nan_example")
    );

    // One repost per line (a repost is a status with its `user`) reads the same.
    let text = std::fs::read_to_string(&path).unwrap();
    let page: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lines: String = page["reposts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{r}\n"))
        .collect();
    let options = ReadOptions::default().format(Format::Weibo);
    let reader = AccountReader::from_reader(std::io::Cursor::new(lines), &options).unwrap();
    let per_line: Vec<Account> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(per_line, accounts);
}

#[test]
fn engagement_columns_are_read_from_csv() {
    let (accounts, stats) = read_leniently(&fixture("engagers.csv"), ReadOptions::default());
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    let times: Vec<_> = accounts.iter().map(|a| a.engaged_at).collect();
    assert_eq!(
        times,
        [
            Some(at("2022-06-01T12:00:30Z")),
            Some(at("2022-06-01T12:01:05Z")),
            None
        ]
    );
}

/// Each rejection of a file as (line, field, value, reason).
fn parse_errors(path: &std::path::Path) -> Vec<(Option<u64>, String, String, String)> {
    let (_, stats) = read_leniently(path, ReadOptions::default());
    stats
        .rejected
        .iter()
        .map(|r| {
            match r
                .error()
                .expect("a rejection read from a file keeps its error")
            {
                Error::Parse {
                    origin,
                    position,
                    field,
                    value,
                    reason,
                } => {
                    assert_eq!(origin, &path.display().to_string());
                    (position.line, field.clone(), value.clone(), reason.clone())
                }
                other => panic!("not a parse error: {other}"),
            }
        })
        .collect()
}

#[test]
fn a_bad_engagement_time_names_the_field_and_value() {
    let errors = parse_errors(&fixture("malformed/engagers_malformed.csv"));
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        (errors[0].0, errors[0].1.as_str(), errors[0].2.as_str()),
        (Some(3), "liked_at", "yesterday at noon")
    );
    assert!(errors[0].3.contains("unrecognised date"), "{errors:?}");
    assert_eq!((errors[1].0, errors[1].1.as_str()), (Some(4), "liked_at"));
    assert!(
        errors[1].3.contains("before the account was created"),
        "{errors:?}"
    );

    let errors = parse_errors(&fixture("malformed/weibo_reposts_malformed.json"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].1.as_str(), errors[0].2.as_str()),
        ("reposts[1].created_at", "31/06/2022 20:14")
    );

    // Strict mode stops there, the message naming the file, record, field and value.
    let strict = ReadOptions::default().mode(Mode::Strict);
    let path = fixture("malformed/engagers_malformed.csv");
    let err = open(&path, &strict)
        .unwrap()
        .find_map(Result::err)
        .unwrap()
        .to_string();
    for part in [
        "engagers_malformed.csv",
        "line 3",
        "liked_at",
        "yesterday at noon",
    ] {
        assert!(err.contains(part), "{part:?} not in {err}");
    }

    // A JSON key too.
    let line = r#"{"id": 1, "screen_name": "a", "followers_count": 3, "engaged_at": "soon"}"#;
    let err = common::first_record_error(line, &ReadOptions::default().origin("e.jsonl"));
    assert!(
        err.contains("e.jsonl") && err.contains("`engaged_at`") && err.contains("soon"),
        "{err}"
    );
}
