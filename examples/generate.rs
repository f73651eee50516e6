//! Generates a synthetic follower list (and optionally its ground truth) with the crate's
//! seeded generator.
//!
//! ```text
//! cargo run --release --example generate -- --n 1000000 --out big.csv \
//!     [--format cresci-csv|twitter-v1-jsonl|instagram-jsonl] [--fake-share 0.3] \
//!     [--burst START:LEN:SHARE]... [--seed S] [--truth OUT.json] [--labels OUT.csv] \
//!     [--crawled-at 2015-02-14T12:00:00Z] [--platform twitter|instagram]
//! ```

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use clap::Parser;
use follower_audit::synth::{BurstSpec, FollowerListSpec, SynthFormat};
use follower_audit::Platform;

/// Generate a synthetic follower list (newest follower first).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Number of followers.
    #[arg(long, default_value_t = 1_000_000)]
    n: u64,
    /// Output format: cresci-csv, twitter-v1-jsonl or instagram-jsonl.
    #[arg(long, default_value = "cresci-csv")]
    format: SynthFormat,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Fake share outside the bursts.
    #[arg(long, default_value_t = 0.2)]
    fake_share: f64,
    /// A bought burst START:LEN:SHARE (positions from 0 = newest follower); repeatable.
    #[arg(long = "burst")]
    bursts: Vec<BurstSpec>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The crawl time (RFC 3339); defaults to 2015-02-14T12:00:00Z.
    #[arg(long)]
    crawled_at: Option<DateTime<Utc>>,
    /// Account style: twitter or instagram (default: instagram for --format instagram-jsonl,
    /// twitter otherwise).
    #[arg(long)]
    platform: Option<String>,
    /// Write the ground truth (JSON) here.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Write each follower's true label (`position,id,label` CSV) here.
    #[arg(long)]
    labels: Option<PathBuf>,
}

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn try_main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();

    // Build and validate the spec.
    let mut spec = FollowerListSpec::new(args.n)
        .fake_share(args.fake_share)
        .seed(args.seed);
    for b in args.bursts {
        spec = spec.burst(b);
    }
    let platform = match (args.platform.as_deref(), args.format) {
        (Some("twitter"), _) => Platform::Twitter,
        (Some("instagram"), _) => Platform::Instagram,
        (Some(other), _) => return Err(format!("unknown --platform {other:?}").into()),
        (None, SynthFormat::InstagramJsonl) => Platform::Instagram,
        (None, _) => Platform::Twitter,
    };
    spec = spec.platform(platform);
    if let Some(at) = args.crawled_at {
        spec = spec.crawled_at(at);
    }
    let generator = spec.build()?;

    // Stream the accounts into the output file (generated and formatted in parallel blocks,
    // written in order: the bytes do not depend on the number of threads).
    let started = Instant::now();
    let file = File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let written = generator.write_to(BufWriter::new(file), args.format, |_| {})?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {written} accounts to {} in {secs:.2} s ({:.0} accounts/s, generation included)",
        args.out.display(),
        written as f64 / secs.max(1e-9)
    );

    // The ground truth sidecar.
    if let Some(path) = args.truth {
        let truth = generator.truth();
        let mut f = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::to_writer_pretty(&mut f, &truth)?;
        writeln!(f)?;
        eprintln!(
            "truth: {} fake of {} (genuine share {:.4}) -> {}",
            truth.fake_count,
            truth.n,
            truth.genuine_share,
            path.display()
        );
    }

    // Per-follower labels.
    if let Some(path) = args.labels {
        let f = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = BufWriter::new(f);
        writeln!(w, "position,id,label")?;
        for (pos, a) in generator.iter().enumerate() {
            let label = if a.label.is_some_and(|l| l.is_fake()) {
                "fake"
            } else {
                "genuine"
            };
            writeln!(w, "{pos},{},{label}", a.profile.id.unwrap_or_default())?;
        }
        w.flush()?;
    }
    Ok(())
}
