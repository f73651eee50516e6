//! Times a whole audit of a large follower list: reading, features, default-model scoring,
//! share estimation and bursts (no per-follower details), and reports accounts per second and
//! peak memory.
//!
//! ```text
//! cargo run --release --example bench_audit -- [--n 1000000] \
//!     [--format cresci-csv|twitter-v1-jsonl] [--file F] [--threads T] [--repeats R] \
//!     [--model PATH] [--seed S] [--keep]
//! ```
//!
//! Without `--file` the list is generated (seeded, newest follower first, 20% fake with one
//! bought burst at 30% of the list) into a temporary directory; with `--file F` an existing file
//! is audited as it is, and a missing one is generated there first. Generation is not timed.
//! The peak memory is the process's `VmHWM` (Linux), reset before the audit starts where the
//! kernel allows it (`/proc/self/clear_refs`), so it measures the audit, not the generator.
//! The last line is one JSON object with every number, for scripts (`benches/peer/compare.sh`).

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, Utc};
use clap::Parser;
use follower_audit::synth::{BurstSpec, FollowerListSpec, SynthFormat};
use follower_audit::{
    open, Audit, AuditParams, AuditReport, Format, Listing, Mode, Model, ReadOptions,
};

// The allocator `examples/audit.rs` uses (mimalloc), so that the timing is the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "Time a whole audit of a large follower list")]
struct Args {
    /// Number of followers to generate (ignored when --file exists).
    #[arg(long, default_value_t = 1_000_000)]
    n: u64,
    /// Format to generate and read: cresci-csv or twitter-v1-jsonl.
    #[arg(long, default_value = "cresci-csv")]
    format: SynthFormat,
    /// Audit this file (generated here first when it does not exist).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Rayon threads (default: RAYON_NUM_THREADS, else one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Times to run the audit (each is reported; the best and median are summarised).
    #[arg(long, default_value_t = 1)]
    repeats: usize,
    /// A model file (default: the embedded Twitter model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Bootstrap replicates of the share's interval (default: the audit's default, 1000).
    /// A diagnostic: `--bootstrap 1` shows what the rest of the pipeline costs.
    #[arg(long)]
    bootstrap: Option<usize>,
    /// Iterate the reader with its records converted on the rayon pool
    /// (`ReadOptions::parallel`; the block audit reads in blocks on the pool either way).
    #[arg(long)]
    parallel_reader: bool,
    /// Measure account ages at this instant (RFC 3339) instead of each record's crawl time;
    /// API v1.1 JSON Lines carry no crawl time, so give the generator's
    /// (`2015-02-14T12:00:00Z`) to score them as the Cresci CSV is scored.
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
    /// Skip the reader's duplicate check (`ReadOptions::check_duplicates(false)`: no 12-byte
    /// index entry per account).
    #[arg(long)]
    no_dedup: bool,
    /// Keep the generated temporary file (prints its path).
    #[arg(long)]
    keep: bool,
}

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
    let args = Args::parse();

    // 1. The thread pool: a fixed size when asked, so that 1- and 2-thread runs compare.
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()?;
    }
    let threads = rayon::current_num_threads();

    // 2. The input: the caller's file, or a generated one.
    let format = match args.format {
        SynthFormat::CresciCsv => Format::CresciCsv,
        SynthFormat::TwitterV1Jsonl => Format::TwitterV1,
        SynthFormat::InstagramJsonl => return Err("bench_audit reads twitter formats".into()),
    };
    let temp = tempfile::tempdir()?;
    let path = match &args.file {
        Some(p) => p.clone(),
        None => temp.path().join(match args.format {
            SynthFormat::CresciCsv => "followers.csv",
            _ => "followers.jsonl",
        }),
    };
    if !path.exists() {
        generate(&path, args.n, args.format, args.seed)?;
    }
    let bytes = std::fs::metadata(&path)?.len();

    // 3. The model.
    let model = match &args.model {
        Some(p) => Model::load(p)?,
        None => Model::default_twitter(),
    };

    // 4. Time the audit, `repeats` times.
    let mut secs = Vec::new();
    let mut last = None;
    for run in 0..args.repeats.max(1) {
        let load_before = load_average();
        reset_peak_memory();
        let cpu0 = cpu_seconds();
        let started = Instant::now();
        let report = audit(&path, format, &model, &args)?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let peak = peak_memory_mb();
        let rate = report.records_read as f64 / wall;
        println!(
            "run {}: {} accounts in {wall:.3} s = {rate:.0} accounts/s ({:.0} MB/s), \
             CPU {cpu:.2} s ({:.2} cores), peak memory {} MB, {threads} threads, load {} -> {}",
            run + 1,
            report.records_read,
            bytes as f64 / 1e6 / wall,
            cpu / wall,
            peak.map_or("?".into(), |m| format!("{m:.1}")),
            load_before,
            load_average()
        );
        secs.push(wall);
        last = Some((report, wall, cpu, peak));
    }

    // 5. The summary: the report's headline numbers, to compare with the Python peer.
    let (report, _, cpu, peak) = last.expect("at least one run");
    secs.sort_by(f64::total_cmp);
    let best = secs[0];
    let median = secs[secs.len() / 2];
    let g = &report.genuine_share;
    println!(
        "{}: {} records, {} scored, {} rejected; genuine share {:.4} (95% CI {:.4} to {:.4}, {}); \
         naive fake share {:.4}; {} burst(s){}",
        path.display(),
        report.records_read,
        report.scored,
        report.rejected,
        g.estimate,
        g.ci_low,
        g.ci_high,
        g.method,
        report.naive_fake_share,
        report.bursts.len(),
        report
            .bursts
            .first()
            .map(|b| format!(" first at {}..{}", b.start, b.end))
            .unwrap_or_default()
    );
    println!(
        "best {best:.3} s ({:.0} accounts/s), median {median:.3} s ({:.0} accounts/s) over {} run(s)",
        report.records_read as f64 / best,
        report.records_read as f64 / median,
        secs.len()
    );
    println!(
        "{}",
        serde_json::json!({
            "tool": "follower-audit",
            "file": path.display().to_string(),
            "format": format.name(),
            "bytes": bytes,
            "accounts": report.records_read,
            "threads": threads,
            "best_seconds": best,
            "median_seconds": median,
            "accounts_per_second": report.records_read as f64 / best,
            "cpu_seconds": cpu,
            "peak_memory_mb": peak,
            "genuine_share": g.estimate,
            "genuine_ci": [g.ci_low, g.ci_high],
            "predicted_genuine_share": 1.0 - report.naive_fake_share,
            "bursts": report.bursts.len(),
            "bootstrap": args.bootstrap.unwrap_or(1000),
        })
    );
    if args.keep && args.file.is_none() {
        let kept = temp.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(())
}

/// Generates `n` followers (20% fake, one bought burst) into `path`.
fn generate(path: &Path, n: u64, format: SynthFormat, seed: u64) -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let mut spec = FollowerListSpec::new(n).fake_share(0.2).seed(seed);
    if n >= 1000 {
        spec = spec.burst(BurstSpec::new(n * 3 / 10, n / 50, 0.9));
    }
    let generator = spec.build()?;
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    generator.write_to(BufWriter::new(file), format, |_| {})?;
    eprintln!(
        "generated {n} followers into {} in {:.1} s (not timed)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One audit as `examples/audit.rs --top none` runs it: open, stream, report.
fn audit(
    path: &Path,
    format: Format,
    model: &Model,
    args: &Args,
) -> Result<AuditReport, Box<dyn Error>> {
    let options = ReadOptions::default()
        .format(format)
        .mode(Mode::Strict)
        .parallel(args.parallel_reader)
        .check_duplicates(!args.no_dedup);
    let mut reader = open(path, &options)?;
    let mut params = AuditParams::default().followers(Listing::None);
    if let Some(b) = args.bootstrap {
        params = params.bootstrap(b);
    }
    if let Some(t) = args.as_of {
        params = params.as_of(t);
    }
    Ok(Audit::new(model, params).run_reader(&mut reader, None)?)
}

/// Resets the peak resident set size (`VmHWM`) of this process, where Linux allows it.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size in MB (`VmHWM` of `/proc/self/status`), on Linux.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// User + system CPU time of this process so far, in seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The 1-minute load average (Linux), for the record.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
