//! One export in every form a user may have it: the plain file, gzip-compressed, with another
//! delimiter, and piped to standard input. The `audit` example must give the same report for
//! each (everything but `source`: same estimates, same counts, same rejections and bursts).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use follower_audit::synth::{write_cresci_csv, BurstSpec, FollowerListSpec};

/// Runs the audit example on `file` (`-`: `stdin` piped in) and returns its JSON report
/// (with the input's name, `source`, written `<input>` in the rejection reasons) and `source`.
fn report(file: &str, stdin: Option<&Path>) -> (serde_json::Value, String) {
    let mut cmd = Command::new(common::audit_example());
    cmd.args([file, "--json", "-", "--as-of", "2015-02-14", "--lenient"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(match stdin {
        Some(path) => Stdio::from(std::fs::File::open(path).unwrap()),
        None => Stdio::null(),
    });
    let out = cmd.output().expect("the example runs");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    // Rejection reasons name the input: compare them without the name.
    let source = v["source"].as_str().unwrap().to_string();
    let text = serde_json::to_string(&v)
        .unwrap()
        .replace(&source, "<input>");
    (serde_json::from_str(&text).unwrap(), source)
}

/// A generated Cresci CSV of several 1 MiB blocks with a burst, a duplicated follower and a
/// malformed row, so that counts, rejections and bursts are all compared.
fn export(dir: &Path) -> Vec<u8> {
    let g = FollowerListSpec::new(4_000)
        .seed(17)
        .burst(BurstSpec::new(1_000, 500, 0.9))
        .build()
        .unwrap();
    let mut accounts: Vec<_> = g.iter().collect();
    accounts[3].profile.description = Some("two\nlines; \"quoted\", and\ttabbed".into());
    accounts[2_500].profile.id = accounts[20].profile.id.clone();
    let mut out = Vec::new();
    write_cresci_csv(&mut out, accounts.iter()).unwrap();
    let mut text = String::from_utf8(out).unwrap();
    let cut = text.match_indices('\n').nth(100).unwrap().0;
    text.insert_str(cut + 1, "12345,truncated_row\n");
    std::fs::write(dir.join("followers.csv"), &text).unwrap();
    text.into_bytes()
}

/// The same CSV with `delimiter` between fields (quoted where a field holds it).
fn with_delimiter(bytes: &[u8], delimiter: u8) -> Vec<u8> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_writer(Vec::new());
    for rec in rdr.byte_records() {
        w.write_byte_record(&rec.unwrap()).unwrap();
    }
    let out = w.into_inner().unwrap();
    assert_ne!(out, bytes);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_semicolons_and_stdin_give_the_plain_files_report() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("followers.csv");
    let bytes = export(dir.path());
    let gz = dir.path().join("followers.csv.gz");
    std::fs::write(&gz, gzip(&bytes)).unwrap();
    let semicolons = dir.path().join("followers_semicolons.csv");
    std::fs::write(&semicolons, with_delimiter(&bytes, b';')).unwrap();
    let tabs = dir.path().join("followers.tsv.gz");
    std::fs::write(&tabs, gzip(&with_delimiter(&bytes, b'\t'))).unwrap();

    let (mut want, source) = report(plain.to_str().unwrap(), None);
    assert_eq!(source, plain.to_str().unwrap());
    assert_eq!(want["records_read"].as_u64(), Some(4_001));
    assert_eq!(want["duplicates"].as_u64(), Some(1));
    assert_eq!(want["rejected"].as_u64(), Some(2));
    assert!(!want["bursts"].as_array().unwrap().is_empty());
    assert!(want["rejections"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("<input>: line 102, record 100"));
    want["source"] = serde_json::Value::Null;
    // The audit's own clock reading differs from run to run.
    want["audited_at"] = serde_json::Value::Null;

    let forms = [
        (gz.to_str().unwrap().to_string(), None),
        (semicolons.to_str().unwrap().to_string(), None),
        (tabs.to_str().unwrap().to_string(), None),
        ("-".to_string(), Some(plain.as_path())),
        ("-".to_string(), Some(gz.as_path())),
        ("-".to_string(), Some(semicolons.as_path())),
    ];
    for (file, stdin) in forms {
        let (mut got, source) = report(&file, stdin);
        let name = if stdin.is_some() { "<stdin>" } else { &file };
        assert_eq!(source, name);
        got["source"] = serde_json::Value::Null;
        got["audited_at"] = serde_json::Value::Null;
        let differ: Vec<String> = want
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| got.get(k.as_str()) != Some(v))
            .map(|(k, v)| format!("{k}: {v} vs {}", got[k.as_str()]))
            .collect();
        assert!(
            got == want,
            "{file} {stdin:?}: the report differs from the plain file's in {differ:#?}"
        );
    }
}

/// The demo is built into the binary: a copy of it run from `/`, with the demo files out of
/// its reach (the copy lives in a temporary directory), audits the demo and knows its truth.
#[test]
fn the_demo_runs_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("audit");
    std::fs::copy(common::audit_example(), &copy).unwrap();
    let out = std::process::Command::new(&copy)
        .current_dir("/")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("records read 3000 = scored 3000"),
        "{stdout}"
    );
    assert!(
        stdout.contains("synthetic demo list; its truth"),
        "{stdout}"
    );
}

/// An export whose counts the reader cannot name is not scored as if it had none without a
/// word: the example says which counts are missing and which columns it did not read. An X API
/// v2 users CSV (the bare v2 names) has its three counts read, and no such note.
#[test]
fn counts_under_unknown_names_are_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = common::run_audit_ok(&[
            path.to_str().unwrap(),
            "--as-of",
            "2020-01-01",
            "--json",
            "-",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // The field groups a report lists as `present` or `absent`.
    let groups = |v: &serde_json::Value, which: &str| -> Vec<String> {
        v["fields"][which]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap().to_string())
            .collect()
    };
    let (v, err) = run(
        "odd.csv",
        "id,screen_name,fans,follows,posts\n1,ann,3,4,5\n",
    );
    // `posts` is X's word for tweets (since 2023): read in an X users CSV.
    assert!(
        err.contains("it gives posts only")
            && err.contains("columns not read: fans, follows")
            && err.contains("--columns statuses_count="),
        "{err}"
    );
    let absent = groups(&v, "absent");
    assert!(absent.iter().any(|g| g == "counts"), "{absent:?}");
    let (_, err) = run("some.csv", "id,screen_name,followers_count\n1,ann,3\n");
    assert!(err.contains("it gives followers only"), "{err}");
    let (v, err) = run(
        "v2.csv",
        "id,username,followers_count,following_count,tweet_count\n1,ann,120,80,3000\n",
    );
    assert!(!err.contains("three counts"), "{err}");
    let present = groups(&v, "present");
    assert!(present.iter().any(|g| g == "counts"), "{present:?}");
    // An Instagram scrape without its post count: the fix in Instagram's names.
    let (v, err) = run(
        "ig.csv",
        "username,fullName,followersCount,followsCount,mediaTotal\nann,Ann,120,80,30\n",
    );
    assert!(
        v["model"]["schema"]
            .as_str()
            .unwrap()
            .starts_with("instagram"),
        "{v}"
    );
    assert!(
        err.contains("it gives followers and following only")
            && err.contains("columns not read: mediaTotal")
            && err.contains("--columns media_count="),
        "{err}"
    );

    // With --compare, the notes wait until every list is audited: a later list's error
    // (strict mode) is the first thing said.
    std::fs::write(
        dir.path().join("good.csv"),
        "id,screen_name,fans\n1,a,3\n2,b,4\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.csv"),
        "id,screen_name,followers_count\n1,a,x\n",
    )
    .unwrap();
    let out = Command::new(common::audit_example())
        .args(["--compare", "good.csv", "bad.csv", "--as-of", "2020-01-01"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.starts_with("error: ") && !err.contains("note: "),
        "{err}"
    );
}
