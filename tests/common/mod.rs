//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use follower_audit::{open, Account, AccountReader, Label, Mode, ReadOptions, ReadStats};

/// The public labelled datasets (`../shared/datasets`, or `$FOLLOWER_AUDIT_DATA`).
///
/// Returns `None` (and says so on stderr) when they are absent, so a developer without them can
/// still run the rest of the suite. When `CI=true` a missing data directory is a failure, never a
/// skip: CI must prove the accuracy claims.
pub fn shared_datasets() -> Option<PathBuf> {
    let dir = match std::env::var_os("FOLLOWER_AUDIT_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"),
    };
    if dir.join("cresci-2015/E13/users.csv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but the labelled datasets are missing at {} (see datasets/README.md)",
            dir.display()
        );
    }
    eprintln!(
        "note: {} not found; skipping a test that needs the public datasets",
        dir.display()
    );
    None
}

/// Cresci 2015's E13 (genuine) then INT (bought), as read from the public CSVs, labelled;
/// `None` when the data are absent (a failure when `CI=true`: see [`shared_datasets`]).
pub fn e13_int() -> Option<Vec<Account>> {
    let data = shared_datasets()?;
    let mut out = Vec::new();
    for (file, label) in [("E13", Label::Genuine), ("INT", Label::Fake)] {
        let opts = ReadOptions::default().label(label);
        for a in open(data.join(format!("cresci-2015/{file}/users.csv")), &opts).unwrap() {
            out.push(a.unwrap());
        }
    }
    Some(out)
}

/// The project's own fixtures directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/fixtures")
}

/// A file of the project's fixtures directory.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Reads a whole file leniently, checking the stats invariant.
pub fn read_leniently(path: &Path, options: ReadOptions) -> (Vec<Account>, ReadStats) {
    let reader = AccountReader::open(path, &options.mode(Mode::Lenient))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (accounts, stats) = reader.read_all();
    assert_eq!(
        stats.records_read,
        stats.accepted + stats.rejected.len() as u64,
        "records_read == accepted + rejected"
    );
    assert_eq!(stats.accepted, accounts.len() as u64);
    (accounts, stats)
}

/// The `audit` example's binary, built once (a no-op when `cargo test` already built it). The
/// path comes from this test binary's own location, so it follows `--release` and
/// `CARGO_TARGET_DIR`.
pub fn audit_example() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "--quiet",
            "--example",
            "audit",
        ]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        if let Some(target) = profile_dir.parent() {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building the audit example failed");
        let bin = profile_dir
            .join("examples")
            .join(format!("audit{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} missing", bin.display());
        bin
    })
}

/// Runs the `audit` example with `args` and returns its output, failing (with its standard
/// error) when it does not succeed.
pub fn run_audit_ok<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    let out = Command::new(audit_example())
        .args(args)
        .output()
        .expect("the example runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The error the first record of `text` gives, read with `options`.
#[allow(dead_code)]
pub fn first_record_error(text: &str, options: &ReadOptions) -> String {
    follower_audit::AccountReader::from_reader(
        std::io::Cursor::new(text.as_bytes().to_vec()),
        options,
    )
    .unwrap()
    .next()
    .unwrap()
    .unwrap_err()
    .to_string()
}
