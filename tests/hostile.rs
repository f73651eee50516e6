//! Hostile input: every file here is something a scraper, a third-party tool or a hand edit
//! really produces. Each must give a clear error (naming the input, the record and the field)
//! or a counted rejection; never a panic, never a record silently dropped.
//!
//! Every case goes through four doors: the reader (strict and lenient), the audit API (strict
//! and lenient) and the `audit` example as a separate process (strict: non-zero exit and a
//! message; `--lenient --json`: exit 0 and a report whose counts add up).
//!
//! Small files live in `datasets/fixtures/hostile/`; the big ones (a 100 MB field, JSON nested
//! 100,000 deep, broken model files) are written into a temporary directory here.

mod common;

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use follower_audit::{
    open, AccountReader, Audit, AuditParams, AuditReport, Error, Format, Mode, Model, ReadOptions,
};

/// A file with some bad records among good ones: `(record, field, reason fragment)` per bad one.
struct Case {
    file: &'static str,
    format: Format,
    records: u64,
    bad: &'static [(u64, &'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        file: "truncated_row.csv",
        format: Format::CresciCsv,
        records: 3,
        bad: &[(3, "<record>", "truncated record")],
    },
    Case {
        file: "truncated.jsonl",
        format: Format::TwitterV1,
        records: 3,
        bad: &[(3, "<record>", "invalid JSON")],
    },
    Case {
        file: "truncated_array.json",
        format: Format::TwitterV1,
        records: 3,
        bad: &[(3, "<record>", "end of input")],
    },
    Case {
        file: "out_of_range.csv",
        format: Format::CresciCsv,
        records: 6,
        bad: &[
            (2, "followers_count", "64-bit"),
            (3, "followers_count", "exponent"),
            (4, "friends_count", "not an integer"),
            (5, "statuses_count", "64-bit"),
        ],
    },
    Case {
        file: "negative_counts.jsonl",
        format: Format::TwitterV1,
        records: 5,
        bad: &[
            (2, "followers_count", "negative"),
            (3, "friends_count", "negative"),
            (4, "<record>", "out of range"),
        ],
    },
    Case {
        file: "nan_inf.csv",
        format: Format::CresciCsv,
        records: 6,
        bad: &[
            (2, "followers_count", "finite"),
            (3, "friends_count", "finite"),
            (4, "statuses_count", "finite"),
            (5, "favourites_count", "finite"),
        ],
    },
    Case {
        file: "dates.csv",
        format: Format::CresciCsv,
        records: 6,
        bad: &[
            (2, "created_at", "future"),
            (3, "created_at", "before Twitter opened"),
            (4, "created_at", "before Twitter opened"),
            (5, "created_at", "after the time the record was crawled"),
        ],
    },
    Case {
        file: "latin1.csv",
        format: Format::CresciCsv,
        records: 3,
        bad: &[(2, "name", "UTF-8")],
    },
    Case {
        file: "invalid_utf8.jsonl",
        format: Format::TwitterV1,
        records: 4,
        bad: &[(2, "screen_name", "UTF-8"), (3, "name", "UTF-8")],
    },
    Case {
        file: "duplicates.csv",
        format: Format::CresciCsv,
        records: 5,
        bad: &[(3, "id", "duplicate id"), (5, "id", "duplicate id")],
    },
];

impl Case {
    /// Whether every bad record of the file is a repeat: such a file does not stop strict
    /// mode (a duplicate is counted and reported, never fatal).
    fn repeats_only(&self) -> bool {
        self.bad.iter().all(|b| b.2.starts_with("duplicate"))
    }
}

/// The cases with a malformed record, the ones strict mode stops at.
fn malformed_cases() -> impl Iterator<Item = &'static Case> {
    CASES.iter().filter(|c| !c.repeats_only())
}

/// Files separated by another delimiter than the comma, read as their comma versions.
const DELIMITED: &[&str] = &["semicolon.csv", "tab.csv"];

/// A file no record of which can be read (a separator that is not sniffed), written into
/// `dir`, and what the message must say.
fn unreadable(dir: &Path) -> (PathBuf, &'static str) {
    let path = dir.join("pipes.csv");
    std::fs::write(
        &path,
        "id|screen_name|followers_count|friends_count\n1|pipe_one|10|20\n",
    )
    .unwrap();
    (path, "give the format explicitly")
}

fn hostile(name: &str) -> PathBuf {
    common::fixtures().join("hostile").join(name)
}

fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn twitter() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::default_twitter)
}

/// The audit's params; strictness is the reader's [`Mode`].
fn params() -> AuditParams {
    AuditParams::default().bootstrap(50).clock(clock())
}

fn reader(path: &Path, mode: Mode) -> AccountReader {
    open(path, &ReadOptions::default().mode(mode))
        .unwrap_or_else(|e| panic!("{} does not open: {e}", path.display()))
}

/// The parts of a parse error.
fn parse_parts(e: &Error) -> (&str, u64, &str, &str) {
    match e {
        Error::Parse {
            origin,
            position,
            field,
            reason,
            ..
        } => (
            origin.as_str(),
            position.record,
            field.as_str(),
            reason.as_str(),
        ),
        Error::Duplicate {
            origin,
            position,
            field,
            ..
        } => (
            origin.as_str(),
            position.record,
            field.as_str(),
            "duplicate",
        ),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

/// A clear error names the input, the record and the field.
fn assert_names(msg: &str, path: &Path, record: u64, field: &str) {
    assert!(
        msg.contains(&path.display().to_string()),
        "no origin in {msg}"
    );
    assert!(
        msg.contains(&format!("record {record}")),
        "no record {record} in {msg}"
    );
    assert!(
        msg.contains(&format!("`{field}`")),
        "no field {field} in {msg}"
    );
}

/// The report's counts are the ones planted in the input: `read` records, of which `rejected`
/// are bad or repeated and the rest scored (no sample asked for, so none left out).
fn assert_counts(r: &AuditReport, read: u64, scored: u64, rejected: u64) {
    assert_eq!(
        (r.records_read, r.scored, r.rejected, r.not_sampled),
        (read, scored, rejected, 0),
        "{}: (read, scored, rejected, not sampled)",
        r.source
    );
    assert_eq!(r.rejected as usize, r.rejections.len());
}

// --------------------------------------------------------------------------------- readers

#[test]
fn strict_reader_stops_at_the_first_bad_record_and_says_where() {
    for case in malformed_cases() {
        let path = hostile(case.file);
        let mut r = reader(&path, Mode::Strict);
        assert_eq!(r.format(), case.format, "{}", case.file);
        let items: Vec<_> = r.by_ref().collect();
        let (first_bad, field, why) = case.bad[0];
        // Every record before the first bad one is yielded, then the error, then nothing.
        assert_eq!(items.len() as u64, first_bad, "{}", case.file);
        assert!(items[..items.len() - 1].iter().all(Result::is_ok));
        let err = items.last().unwrap().as_ref().unwrap_err();
        let (origin, record, f, reason) = parse_parts(err);
        assert_eq!(origin, path.display().to_string());
        assert_eq!((record, f), (first_bad, field), "{}: {err}", case.file);
        assert!(reason.contains(why), "{}: {err}", case.file);
        assert_names(&err.to_string(), &path, first_bad, field);
        let stats = r.stats();
        assert_eq!(stats.records_read, stats.accepted + 1);
    }
}

#[test]
fn lenient_reader_keeps_every_rejection_and_the_counts_add_up() {
    for case in CASES {
        let path = hostile(case.file);
        let (accounts, stats) = reader(&path, Mode::Lenient).read_all();
        assert_eq!(stats.records_read, case.records, "{}", case.file);
        assert_eq!(
            stats.records_read,
            stats.accepted + stats.rejected.len() as u64
        );
        assert_eq!(accounts.len() as u64, stats.accepted);
        let got: Vec<(u64, &str)> = stats
            .rejected
            .iter()
            .map(|r| {
                let (_, record, field, _) = parse_parts(r.error().unwrap());
                assert_eq!(r.record(), record);
                (record, field)
            })
            .collect();
        let want: Vec<(u64, &str)> = case.bad.iter().map(|&(r, f, _)| (r, f)).collect();
        assert_eq!(got, want, "{}", case.file);
        for (rej, &(_, _, why)) in stats.rejected.iter().zip(case.bad) {
            assert!(rej.to_string().contains(why), "{}: {}", case.file, rej);
        }
    }
}

#[test]
fn unreadable_files_are_format_errors_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let (path, why) = unreadable(dir.path());
    for mode in [Mode::Strict, Mode::Lenient] {
        let err = open(&path, &ReadOptions::default().mode(mode)).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains(why),
            "{msg}"
        );
    }
    // Forcing the CSV format does not make an unknown delimiter readable: the one-column
    // header lacks every column we know.
    let forced = open(&path, &ReadOptions::default().format(Format::CresciCsv));
    match forced {
        Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{e}"),
        Ok(r) => {
            let (accounts, stats) = r.read_all();
            panic!(
                "read as CSV: {} accounts, {} rejected",
                accounts.len(),
                stats.rejected.len()
            );
        }
    }
}

/// `file`'s text with its delimiter turned into commas (the hostile delimited files hold no
/// quotes or commas), as a new file in `dir`.
fn comma_version(dir: &Path, file: &str) -> PathBuf {
    let text = std::fs::read_to_string(hostile(file)).unwrap();
    assert!(!text.contains(',') && !text.contains('"'));
    let path = dir.join(format!("comma_{file}"));
    std::fs::write(&path, text.replace([';', '\t'], ",")).unwrap();
    path
}

#[test]
fn semicolon_and_tab_files_read_as_their_comma_versions() {
    let dir = tempfile::tempdir().unwrap();
    for &file in DELIMITED {
        let path = hostile(file);
        let comma = comma_version(dir.path(), file);
        let (want, want_stats) = reader(&comma, Mode::Strict).read_all();
        assert_eq!(want.len(), 2);
        for options in [
            ReadOptions::default(),
            ReadOptions::default().format(Format::CresciCsv),
            ReadOptions::default().parallel(true),
        ] {
            let mut r = open(&path, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(r.format(), Format::CresciCsv);
            let got: Vec<_> = r.by_ref().collect::<Result<_, _>>().unwrap();
            assert_eq!(got, want, "{file}");
            assert_eq!(r.stats().accepted, want_stats.accepted);
        }
        let report = Audit::new(twitter(), params())
            .run_reader(&mut reader(&path, Mode::Strict), None)
            .unwrap();
        let want_report = Audit::new(twitter(), params())
            .run_reader(&mut reader(&comma, Mode::Strict), None)
            .unwrap();
        assert_counts(&report, 2, 2, 0);
        assert_eq!(report.genuine_share, want_report.genuine_share);
        assert_eq!(report.followers, want_report.followers);
    }
}

#[test]
fn a_header_without_records_reads_nothing_and_the_audit_says_so() {
    let path = hostile("header_only.csv");
    let (accounts, stats) = reader(&path, Mode::Strict).read_all();
    assert!(accounts.is_empty());
    assert_eq!((stats.records_read, stats.rejected.len()), (0, 0));
    let err = Audit::new(twitter(), params())
        .run(&path.display().to_string(), reader(&path, Mode::Lenient))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("header_only.csv") && msg.contains("0 records read"),
        "{msg}"
    );
}

#[test]
fn json_nested_100k_deep_is_rejected_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let good = |id: u32| {
        format!(
            r#"{{"id": {id}, "id_str": "{id}", "screen_name": "u{id}", "followers_count": 10, "friends_count": 20, "created_at": "Wed Oct 10 20:19:24 +0000 2018"}}"#
        )
    };
    // One record nested deep, between good ones: a counted rejection naming the record.
    let lines = format!(
        "{}\n{{\"id\": 3, \"screen_name\": \"deep\", \"description\": {deep}\n{}\n",
        good(1),
        good(2)
    );
    let options = ReadOptions::default().origin("deep.jsonl");
    let mut r = AccountReader::from_reader(Cursor::new(lines.clone()), &options).unwrap();
    let err = r.by_ref().find_map(Result::err).unwrap();
    let (origin, record, field, _) = parse_parts(&err);
    assert_eq!((origin, record, field), ("deep.jsonl", 2, "<record>"));
    let options = options.mode(Mode::Lenient);
    let (accounts, stats) = AccountReader::from_reader(Cursor::new(lines), &options)
        .unwrap()
        .read_all();
    assert_eq!((stats.records_read, accounts.len()), (3, 2));
    assert_eq!(stats.rejected.len(), 1);

    // A deep value under a key the reader skips is stepped over without recursion: the
    // record is read (and counted), nothing overflows.
    let skipped = format!(
        "[{}, {{\"id\": 3, \"screen_name\": \"deep\", \"x\": {deep}{}}}, {}]",
        good(1),
        "]".repeat(100_000),
        good(2)
    );
    let (accounts, stats) = AccountReader::from_reader(Cursor::new(skipped), &options)
        .unwrap()
        .read_all();
    assert_eq!(stats.records_read, 3);
    assert_eq!(
        stats.records_read,
        accounts.len() as u64 + stats.rejected.len() as u64
    );

    // The whole file one deep array: no format can be recognised; forced, a clear error.
    let err = AccountReader::from_reader(Cursor::new(deep.clone()), &options.clone()).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    for format in Format::ALL.into_iter().filter(|f| !f.is_csv()) {
        let forced = options.clone().format(format);
        let (_, stats) = AccountReader::from_reader(Cursor::new(deep.clone()), &forced)
            .unwrap()
            .read_all();
        assert_eq!(stats.accepted, 0, "{format}");
        assert_eq!(stats.records_read, stats.rejected.len() as u64, "{format}");
        assert!(stats.records_read >= 1, "{format}: the bad input vanished");
    }
}

/// A CSV and a JSON Lines file whose second record carries a 100 MB description.
fn big_field_files(dir: &Path) -> (PathBuf, PathBuf) {
    let big = "a".repeat(100 * 1024 * 1024);
    let csv = dir.join("big_field.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(w, "id,screen_name,followers_count,friends_count,statuses_count,created_at,description,updated").unwrap();
    writeln!(
        w,
        "1,small_one,310,280,1520,2010-06-01T08:30:00Z,hi,2015-02-14 10:54:49"
    )
    .unwrap();
    writeln!(
        w,
        "2,huge_bio,41,60,88,2010-06-01T08:30:00Z,{big},2015-02-14 10:54:49"
    )
    .unwrap();
    writeln!(
        w,
        "3,small_three,120,90,300,2013-03-05T12:00:00Z,hello,2015-02-14 10:54:49"
    )
    .unwrap();
    w.flush().unwrap();
    let jsonl = dir.join("big_field.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
    for (id, desc) in [(1, "hi"), (2, big.as_str()), (3, "hello")] {
        writeln!(
            w,
            r#"{{"id_str": "{id}", "screen_name": "u{id}", "followers_count": 10, "friends_count": 20, "created_at": "Wed Oct 10 20:19:24 +0000 2018", "description": "{desc}"}}"#
        )
        .unwrap();
    }
    w.flush().unwrap();
    (csv, jsonl)
}

#[test]
fn a_100_mb_field_is_read_and_scored_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, jsonl) = big_field_files(dir.path());
    for path in [&csv, &jsonl] {
        let (accounts, stats) = reader(path, Mode::Strict).read_all();
        assert_eq!(
            (stats.records_read, stats.accepted),
            (3, 3),
            "{}",
            path.display()
        );
        let longest = accounts
            .iter()
            .filter_map(|a| a.profile.description.as_ref().map(String::len))
            .max();
        assert_eq!(longest, Some(100 * 1024 * 1024));
    }
    let report = Audit::new(twitter(), params())
        .run("big_field.csv", reader(&csv, Mode::Strict))
        .unwrap();
    assert_counts(&report, 3, 3, 0);
}

// ------------------------------------------------------------------------------- audit API

#[test]
fn strict_audit_returns_the_first_bad_record() {
    for case in malformed_cases() {
        let path = hostile(case.file);
        let err = Audit::new(twitter(), params())
            .run_reader(&mut reader(&path, Mode::Strict), None)
            .unwrap_err();
        let (record, field, _) = case.bad[0];
        assert_names(&err.to_string(), &path, record, field);
    }
}

#[test]
fn lenient_audit_reports_every_rejection_and_the_counts_add_up() {
    for case in CASES {
        let path = hostile(case.file);
        let report = Audit::new(twitter(), params())
            .run(case.file, reader(&path, Mode::Lenient))
            .unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let bad = case.bad.len() as u64;
        assert_counts(&report, case.records, case.records - bad, bad);
        for (rej, &(record, field, why)) in report.rejections.iter().zip(case.bad) {
            assert_eq!(rej.record(), record, "{}", case.file);
            assert_names(&rej.reason(), &path, record, field);
            assert!(rej.reason().contains(why), "{}", rej.reason());
        }
    }
}

/// `duplicates.csv`'s header and the given records (1-based), as a new file in `dir`.
fn duplicates_subset(dir: &Path, name: &str, records: &[usize], extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(hostile("duplicates.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::from(lines[0]);
    out.push('\n');
    for &r in records {
        out.push_str(lines[r]);
        out.push('\n');
    }
    out.push_str(extra);
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn strict_reader_counts_duplicates_and_reads_on() {
    let path = hostile("duplicates.csv");
    let mut r = reader(&path, Mode::Strict);
    let items: Vec<_> = r.by_ref().collect();
    assert_eq!(items.len(), 5, "a duplicate does not stop strict mode");
    let errors: Vec<&Error> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.is_duplicate()), "{errors:?}");
    let stats = r.stats();
    assert_eq!((stats.records_read, stats.accepted), (5, 3));
    assert!(stats
        .rejected
        .iter()
        .all(|r| r.error().unwrap().is_duplicate()));
    assert_eq!(
        stats
            .rejected
            .iter()
            .map(|r| r.record())
            .collect::<Vec<_>>(),
        vec![3, 5]
    );
}

#[test]
fn strict_audit_of_a_repeated_follower_equals_the_audit_without_the_repeat() {
    let dir = tempfile::tempdir().unwrap();
    // Records 1, 2, 4 of duplicates.csv are three distinct followers; record 3 repeats 1.
    let without = duplicates_subset(dir.path(), "without.csv", &[1, 2, 4], "");
    let repeated = duplicates_subset(dir.path(), "repeated.csv", &[1, 2, 3, 4], "");
    let audit = Audit::new(twitter(), params());
    let want = audit
        .run("without", reader(&without, Mode::Strict))
        .unwrap();
    assert_eq!(want.duplicates, 0);
    let by_stream = audit
        .run("repeated", reader(&repeated, Mode::Strict))
        .unwrap();
    let mut blocks = reader(&repeated, Mode::Strict);
    let by_blocks = audit.run_reader(&mut blocks, None).unwrap();
    assert_eq!(blocks.stats().rejected.len(), 1);
    for got in [&by_stream, &by_blocks] {
        assert_counts(got, 4, 3, 1);
        assert_eq!(got.duplicates, 1);
        assert_eq!(got.rejections[0].record(), 3);
        assert!(
            got.rejections[0]
                .reason()
                .contains("duplicate id: first seen in record 1"),
            "{}",
            got.rejections[0].reason()
        );
        // The first occurrence is the one scored: the estimates are the list's without it.
        assert_eq!(got.genuine_share, want.genuine_share);
        assert_eq!(got.fake_share, want.fake_share);
        assert_eq!(got.estimates, want.estimates);
        assert_eq!(got.naive_fake_share, want.naive_fake_share);
        assert_eq!(got.breakdown, want.breakdown);
        assert_eq!(got.histogram, want.histogram);
        let ids: Vec<_> = got.followers.iter().map(|f| f.id.clone()).collect();
        let want_ids: Vec<_> = want.followers.iter().map(|f| f.id.clone()).collect();
        assert_eq!(ids, want_ids);
    }
    // A malformed record after the repeat still stops strict mode, on both paths.
    let broken = duplicates_subset(dir.path(), "broken.csv", &[1, 2, 3, 4], "7,cut_short\n");
    // (A sampling audit iterates the reader instead of reading it in blocks.)
    let err = Audit::new(twitter(), params().sample(100))
        .run_reader(&mut reader(&broken, Mode::Strict), None)
        .unwrap_err();
    assert!(!err.is_duplicate());
    assert_names(&err.to_string(), &broken, 5, "<record>");
    let err = audit
        .run_reader(&mut reader(&broken, Mode::Strict), None)
        .unwrap_err();
    assert_names(&err.to_string(), &broken, 5, "<record>");
    // ... and the strict reader alone stops there too.
    let items: Vec<_> = reader(&broken, Mode::Strict).collect();
    assert_eq!(items.len(), 5);
    assert!(items[4].as_ref().is_err_and(|e| !e.is_duplicate()));
}

#[test]
fn duplicate_ids_are_scored_once_and_reported() {
    let path = hostile("duplicates.csv");
    let report = Audit::new(twitter(), params())
        .run("duplicates.csv", reader(&path, Mode::Lenient))
        .unwrap();
    // Five rows, three distinct ids: each id scored once, the two repeats reported.
    assert_counts(&report, 5, 3, 2);
    assert_eq!(report.duplicates, 2);
    let ids: HashSet<_> = report
        .followers
        .iter()
        .map(|f| f.id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(report.followers.len(), 3);
    for rej in &report.rejections {
        assert!(
            rej.reason().contains("duplicate id: first seen in record"),
            "{}",
            rej.reason()
        );
    }
    // Positions keep the input order: the repeats still occupy theirs (the listing itself is
    // most suspicious first).
    let mut positions: Vec<u64> = report.followers.iter().map(|f| f.position).collect();
    positions.sort_unstable();
    assert_eq!(positions, vec![0, 1, 3]);
    assert_eq!(report.positions, 5);
}

// ------------------------------------------------------------------------------ model files

/// The embedded Twitter model's bytes, as `Model::save` writes them.
fn model_bytes() -> Vec<u8> {
    twitter().to_bytes().unwrap()
}

#[test]
fn truncated_or_foreign_model_files_are_clear_errors() {
    let bytes = model_bytes();
    let n = bytes.len();
    for cut in [0, 1, 7, 8, 11, 20, 27, 28, 29, n / 2, n - 1] {
        let msg = Model::from_bytes(&bytes[..cut]).unwrap_err().to_string();
        assert!(
            msg.contains("truncated") || msg.contains("not a follower-audit model"),
            "cut at {cut}: {msg}"
        );
    }
    // A newer (or older) format version says which version it is and which one we read.
    for version in [0u32, Model::FORMAT_VERSION + 1, u32::MAX] {
        let mut other = bytes.clone();
        other[8..12].copy_from_slice(&version.to_le_bytes());
        let msg = Model::from_bytes(&other).unwrap_err().to_string();
        assert!(
            msg.contains(&format!("model format version {version}"))
                && msg.contains(&format!("reads version {}", Model::FORMAT_VERSION)),
            "{msg}"
        );
    }
    // Padding, a flipped payload byte, another file type.
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(Model::from_bytes(&padded)
        .unwrap_err()
        .to_string()
        .contains("padded"));
    let mut flipped = bytes.clone();
    flipped[n / 2] ^= 0x40;
    assert!(Model::from_bytes(&flipped)
        .unwrap_err()
        .to_string()
        .contains("checksum"));
    let csv = std::fs::read(hostile("dates.csv")).unwrap();
    assert!(Model::from_bytes(&csv)
        .unwrap_err()
        .to_string()
        .contains("bad magic"));
    // Loading from a path names the path.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.fam");
    std::fs::write(&path, &bytes[..n / 2]).unwrap();
    let msg = Model::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("cut.fam") && msg.contains("truncated"),
        "{msg}"
    );
}

// ------------------------------------------------------------- the audit example, as a process

fn run_example(args: &[&str]) -> Output {
    Command::new(common::audit_example())
        .args(args)
        .args(["--as-of", "2024-01-01"])
        .output()
        .expect("the example runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Strict: exit non-zero with `error: ` and the given pieces on stderr.
fn assert_fails(file: &Path, extra: &[&str], pieces: &[&str]) {
    let f = file.to_str().unwrap();
    let mut args = vec![f];
    args.extend_from_slice(extra);
    let out = run_example(&args);
    let err = stderr(&out);
    assert!(!out.status.success(), "{f}: exit 0 on bad input");
    assert!(err.starts_with("error: "), "{f}: {err}");
    for p in pieces {
        assert!(err.contains(p), "{f}: `{p}` not in {err}");
    }
    assert!(!err.contains("panicked"), "{f}: {err}");
}

/// Lenient with `--json`: exit 0 and a report (its counts are checked by the callers against
/// the numbers planted in each input; here only that no sample was drawn).
fn lenient_report(file: &Path, dir: &Path) -> serde_json::Value {
    let json = dir.join(format!(
        "{}.json",
        file.file_name().unwrap().to_string_lossy()
    ));
    let out = run_example(&[
        file.to_str().unwrap(),
        "--lenient",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}: {}", file.display(), stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let n = |k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("no `{k}` in the report"))
    };
    assert_eq!(
        n("not_sampled"),
        0,
        "{}: no sample was asked for",
        file.display()
    );
    assert_eq!(
        n("rejected") as usize,
        v["rejections"].as_array().unwrap().len()
    );
    v
}

#[test]
fn example_strict_exits_non_zero_and_lenient_reports_counts_that_add_up() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let path = hostile(case.file);
        let (record, field, why) = case.bad[0];
        if !case.repeats_only() {
            assert_fails(
                &path,
                &[],
                &[
                    case.file,
                    &format!("record {record}"),
                    &format!("`{field}`"),
                    why,
                ],
            );
        }
        let v = lenient_report(&path, dir.path());
        assert_eq!(
            v["records_read"].as_u64(),
            Some(case.records),
            "{}",
            case.file
        );
        let bad = case.bad.len() as u64;
        assert_eq!(v["rejected"].as_u64(), Some(bad));
        assert_eq!(
            v["scored"].as_u64(),
            Some(case.records - bad),
            "{}",
            case.file
        );
        let records: Vec<u64> = v["rejections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record"].as_u64().unwrap())
            .collect();
        let want: Vec<u64> = case.bad.iter().map(|b| b.0).collect();
        assert_eq!(records, want, "{}", case.file);
    }
    let v = lenient_report(&hostile("duplicates.csv"), dir.path());
    assert_eq!(v["duplicates"].as_u64(), Some(2));
    // Strict (the default) reads on past a duplicate: exit 0, both repeats reported.
    let json = dir.path().join("strict_duplicates.json");
    let out = run_example(&[
        hostile("duplicates.csv").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        (
            v["duplicates"].as_u64(),
            v["rejected"].as_u64(),
            v["scored"].as_u64()
        ),
        (Some(2), Some(2), Some(3))
    );
}

#[test]
fn example_refuses_unreadable_files_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, why) = unreadable(dir.path());
    assert_fails(&path, &[], &["pipes.csv", why]);
    assert_fails(&path, &["--lenient"], &["pipes.csv", why]);
    // Semicolons and tabs are read (strict, the default): exit 0.
    for &file in DELIMITED {
        let out = run_example(&[hostile(file).to_str().unwrap()]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
    }
    let header = hostile("header_only.csv");
    assert_fails(&header, &[], &["header_only.csv", "0 records read"]);
    assert_fails(
        &header,
        &["--lenient"],
        &["header_only.csv", "0 records read"],
    );
}

#[test]
fn example_refuses_broken_model_files() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = model_bytes();
    let cut = dir.path().join("cut.fam");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let mut next = bytes.clone();
    next[8..12].copy_from_slice(&(Model::FORMAT_VERSION + 1).to_le_bytes());
    let newer = dir.path().join("newer.fam");
    std::fs::write(&newer, next).unwrap();
    let data = hostile("duplicates.csv");
    let version = format!("model format version {}", Model::FORMAT_VERSION + 1);
    for (model, why) in [
        (&cut, "truncated"),
        (&newer, version.as_str()),
        (&data, "bad magic"),
    ] {
        let m = model.to_str().unwrap();
        assert_fails(&data, &["--lenient", "--model", m], &[m, why]);
    }
}

#[test]
fn example_handles_the_generated_giants() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = big_field_files(dir.path());
    let v = lenient_report(&csv, dir.path());
    assert_eq!(
        (v["records_read"].as_u64(), v["scored"].as_u64()),
        (Some(3), Some(3))
    );
    let deep = dir.path().join("deep.jsonl");
    std::fs::write(
        &deep,
        format!(
            "{}\n{{\"id\": 3, \"screen_name\": \"deep\", \"description\": {}\n{}\n",
            r#"{"id_str": "1", "screen_name": "a", "followers_count": 10, "friends_count": 20}"#,
            "[".repeat(100_000),
            r#"{"id_str": "2", "screen_name": "b", "followers_count": 30, "friends_count": 20}"#
        ),
    )
    .unwrap();
    assert_fails(&deep, &[], &["deep.jsonl", "record 2", "recursion limit"]);
    let v = lenient_report(&deep, dir.path());
    assert_eq!(
        (
            v["records_read"].as_u64(),
            v["scored"].as_u64(),
            v["rejected"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
}

// ------------------------------------------------------------- regressions found by the fuzzer

/// A model file as `fuzz/fuzz_targets/model_from_bytes.rs` builds it from a fuzz input: control
/// byte 1 means "wrap the rest as a payload with a correct header and checksum".
fn fuzz_model_input(name: &str) -> Vec<u8> {
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds/model_from_bytes")
            .join(name),
    )
    .unwrap();
    assert_eq!(data[0] & 1, 1, "a wrapped-payload input");
    let payload = &data[1..];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in payload {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // The magic: a model file's first 8 bytes.
    let mut out = Model::default_twitter().to_bytes().unwrap()[..8].to_vec();
    out.extend_from_slice(&Model::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// A row of finite but extreme feature values for a model's schema.
fn extreme_rows(model: &Model) -> follower_audit::FeatureMatrix {
    let cols = model.schema().len();
    let values: Vec<f64> = (0..3 * cols)
        .map(|i| [1.0e200, -1.0e300, 3.5][i % 3])
        .collect();
    follower_audit::FeatureMatrix::new(
        model.schema().clone(),
        ndarray::Array2::from_shape_vec((3, cols), values).unwrap(),
    )
    .unwrap()
}

/// Found by the `model_from_bytes` fuzz target: a Gaussian naive Bayes model whose stored
/// statistics pass the load checks (finite means, positive variances) but whose likelihoods
/// overflow to -inf in both classes gives P(fake) = NaN. The same happens with a model trained
/// here on ordinary data, for finite feature values far from the training range (1e200):
/// `(x - mean)^2 / var` overflows, and -inf - -inf is NaN (`GaussianNb::proba_row`). With
/// isotonic calibration that NaN then panics in `IsotonicRegression::apply`
/// (`partition_point` gives 0, then `j - 1` underflows). Fixed in the detector and the
/// calibration (commit c4875d9: clamped standardized distances; NaN maps to 0.5).
#[test]
fn extreme_features_give_a_probability_not_nan_or_a_panic() {
    let crafted = Model::from_bytes(&fuzz_model_input("regression-nb-nan.payload")).unwrap();
    let (x, y) = {
        let schema = follower_audit::FeatureSchema::new("nb", 1, vec!["a".into()]).unwrap();
        let values: Vec<f64> = (0..40)
            .map(|i| (i % 20) as f64 + 30.0 * (i % 2) as f64)
            .collect();
        let y: Vec<follower_audit::Label> = (0..40)
            .map(|i| {
                if i % 2 == 1 {
                    follower_audit::Label::Fake
                } else {
                    follower_audit::Label::Genuine
                }
            })
            .collect();
        let x = ndarray::Array2::from_shape_vec((40, 1), values).unwrap();
        (follower_audit::FeatureMatrix::new(schema, x).unwrap(), y)
    };
    let trained = follower_audit::ModelParams::default()
        .detector(follower_audit::DetectorParams::GaussianNb(
            Default::default(),
        ))
        .calibration(follower_audit::CalibrationMethod::Isotonic)
        .folds(4)
        .fit(&x, &y)
        .unwrap();
    let mut failures = Vec::new();
    for (name, model) in [("crafted", crafted), ("trained", trained)] {
        let rows = extreme_rows(&model);
        let p = std::panic::catch_unwind(|| {
            use follower_audit::Detector;
            model.predict_proba(&rows)
        });
        match p {
            Err(_) => failures.push(format!("{name}: predict_proba panicked")),
            Ok(Ok(p)) if !p.iter().all(|v| (0.0..=1.0).contains(v)) => {
                failures.push(format!("{name}: P(fake) {p}"))
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// `#![forbid(unsafe_code)]` stays, and no `unsafe` block creeps in anywhere in the library
/// (forbid already rejects one at compile time; this also catches the attribute's removal).
#[test]
fn the_library_forbids_unsafe_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    let mut stack = vec![src];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    assert!(
                        !code.contains("unsafe ") && !code.contains("unsafe{"),
                        "{}:{}: {line}",
                        path.display(),
                        i + 1
                    );
                }
            }
        }
    }
    assert!(files > 20, "only {files} source files found");
}

/// The readers' own malformed fixtures (every format: Cresci, v1.1, v2, Instagram JSON Lines,
/// InstaFake, Kaggle, SRF, Weibo) through the example too: strict fails naming the file and a
/// record; lenient either reports counts that add up or, when no record at all is usable, says so.
#[test]
fn example_on_every_formats_malformed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let malformed = common::fixtures().join("malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&malformed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("empty")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    let mut reports = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_fails(path, &[], &[&name, "record "]);
        let json = dir.path().join(format!("{name}.json"));
        let out = run_example(&[
            path.to_str().unwrap(),
            "--lenient",
            "--json",
            json.to_str().unwrap(),
        ]);
        if out.status.success() {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
            let n = |k: &str| v[k].as_u64().unwrap();
            // No sample asked for: every record read is either scored or rejected (counted
            // apart: scores kept versus rejections listed).
            assert_eq!(n("not_sampled"), 0, "{name}");
            assert_eq!(n("records_read"), n("scored") + n("rejected"), "{name}");
            assert!(
                n("rejected") > 0,
                "{name}: nothing rejected in a malformed file"
            );
            reports += 1;
        } else {
            let err = stderr(&out);
            assert!(err.contains("no account could be scored"), "{name}: {err}");
            // With every record rejected, the first rejection says why.
            assert!(
                err.contains("; the first: ") && err.contains("line "),
                "{name}: {err}"
            );
        }
    }
    assert!(reports >= files.len() / 2, "only {reports} lenient reports");
}

#[test]
fn example_never_writes_over_its_input_and_a_failed_audit_keeps_the_old_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("followers.jsonl");
    std::fs::copy(common::fixture("twitter_v1.jsonl"), &input).unwrap();
    let original = std::fs::read(&input).unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let input_s = input.to_str().unwrap();

    // An output that names the input, written another way, is refused and the input kept.
    let other_spelling = format!("{}/./followers.jsonl", dir.path().display());
    for flag in ["--csv", "--json", "--html", "--summary-csv"] {
        let out = run_example(&[input_s, flag, &other_spelling]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{flag}: exit 0");
        assert!(
            err.contains(flag) && err.contains("destroy"),
            "{flag}: {err}"
        );
        assert_eq!(std::fs::read(&input).unwrap(), original, "{flag}");
    }
    // Two reports in one file, or two on standard output, are refused.
    let out = run_example(&[input_s, "--csv", &path("r.out"), "--json", &path("r.out")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("both name"), "{}", stderr(&out));
    let out = run_example(&[input_s, "--csv", "-", "--html", "-"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));

    // Reports of an earlier audit survive a later one that fails: on a missing input, a bad
    // parameter, and a record refused half-way through.
    let (csv, json, html) = (path("old.csv"), path("old.json"), path("old.html"));
    for p in [&csv, &json, &html] {
        std::fs::write(p, "earlier report\n").unwrap();
    }
    let bad = dir.path().join("bad.jsonl");
    let mut lines: Vec<String> = String::from_utf8(original.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let last = lines.len() - 1;
    lines[last] = lines[last].replacen(
        "\"followers_count\":",
        "\"followers_count\":\"many\",\"x\":",
        1,
    );
    assert!(
        lines[last].contains("\"many\""),
        "the fixture has a follower count"
    );
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let missing = path("missing.jsonl");
    let failing: [&[&str]; 3] = [
        &[&missing],
        &[input_s, "--population", "0"],
        &[bad.to_str().unwrap()],
    ];
    for args in failing {
        let mut all = args.to_vec();
        all.extend(["--csv", &csv, "--json", &json, "--html", &html]);
        let out = run_example(&all);
        assert!(!out.status.success(), "{args:?}: exit 0");
        for p in [&csv, &json, &html] {
            assert_eq!(
                std::fs::read_to_string(p).unwrap(),
                "earlier report\n",
                "{args:?} touched {p}"
            );
        }
    }
    // No temporary file is left behind, and a run that succeeds replaces the reports.
    let out = run_example(&[input_s, "--csv", &csv, "--json", &json, "--html", &html]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .starts_with("position,id,"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // `-` sends the per-follower rows to standard output, the summary to standard error.
    let out = run_example(&[input_s, "--csv", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("position,id,"));
    assert!(
        stderr(&out).contains("genuine followers:"),
        "{}",
        stderr(&out)
    );
}

/// Reports go where a user points them: a device as it is, a link through to its target, a
/// file keeping its permissions; a folder is refused before the audit.
#[cfg(unix)]
#[test]
fn example_writes_reports_through_devices_links_and_existing_files() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("twitter_v1.jsonl");
    let input = input.to_str().unwrap();
    let out = run_example(&[input, "--csv", "/dev/null", "--json", "/dev/null"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Written as it is, not replaced by a file.
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let target = dir.path().join("target.json");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run_example(&[input, "--json", link.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.starts_with('{'), "{written}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let out = run_example(&[input, "--html", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("it is a folder"), "{}", stderr(&out));
}
