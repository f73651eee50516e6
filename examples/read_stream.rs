//! Streams an export through a reader and prints what it read, in constant memory.
//!
//! ```text
//! cargo run --release --example read_stream -- <file> [--format NAME] [--lenient]
//!     [--tweets tweets.csv] [--columns name=user_name,...] [--no-dedup] [--parallel] [--show-errors]
//! ```
use std::error::Error;
use std::process::ExitCode;

use follower_audit::{AccountReader, ColumnMap, Mode, ReadOptions};

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<(), Box<dyn Error>> {
    // Parse the command line by hand: a path and a few flags.
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut options = ReadOptions::default();
    let mut show_errors = false;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--format" => options = options.format(value()?.parse()?),
            "--lenient" => options = options.mode(Mode::Lenient),
            "--tweets" => options = options.tweets(value()?),
            "--columns" => options = options.columns(value()?.parse::<ColumnMap>()?),
            "--no-dedup" => options = options.check_duplicates(false),
            "--parallel" => options = options.parallel(true),
            "--show-errors" => show_errors = true,
            _ if path.is_none() => path = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}").into()),
        }
    }
    let path = path.ok_or("usage: read_stream <file> [--format NAME] [--lenient] ...")?;

    // Open the file; its format is detected unless given.
    let mut reader = AccountReader::open(&path, &options)?;
    let format = reader.format();

    // Stream the accounts, keeping only running totals.
    let (mut followers, mut posts) = (0u64, 0u64);
    for item in reader.by_ref() {
        match item {
            Ok(account) => {
                followers += account.profile.followers_count.unwrap_or(0);
                posts += account.activity.map_or(0, |a| a.len() as u64);
            }
            Err(e) if show_errors => eprintln!("rejected: {e}"),
            Err(_) => {}
        }
    }

    // Report the counts.
    let stats = reader.stats();
    println!(
        "{path}: format {format}, {} records read, {} accepted, {} rejected; \
         {followers} followers in total, {posts} posts joined",
        stats.records_read,
        stats.accepted,
        stats.rejected.len()
    );
    Ok(())
}
