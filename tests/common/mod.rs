//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use follower_audit::{Account, AccountReader, Mode, ReadOptions, ReadStats};

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
