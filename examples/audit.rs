//! Audits an account's follower list: how many followers are real, how sure, and where the
//! bought ones came in.
//!
//! ```sh
//! cargo run --release --example audit                       # the bundled demo list
//! cargo run --release --example audit -- followers.jsonl --population 480000 \
//!     --label "Acme Shoes" --json report.json --csv followers.csv --html report.html
//! cargo run --release --example audit -- followers.csv.gz        # gzip, detected by content
//! some-exporter | cargo run --release --example audit -- -       # standard input
//! cargo run --release --example audit -- likers.jsonl --engagement  # a post's likers
//! ```
//!
//! With no FILE it audits the demo list `datasets/demo/followers.jsonl`, built into the binary
//! (an installed `audit` runs it from any directory), with the embedded default model.
//! Strict by default: the first bad record stops the audit with a message naming the record,
//! field and value (exit code 1); `--lenient` reports bad records and goes on.

use std::borrow::Cow;
use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use follower_audit::{
    open, report::BurstAxis, Account, AccountReader, Audit, AuditParams, AuditReport, ColumnMap,
    Comparison, ExportShape, FieldGroup, Format, ListKind, Listing, Method, Mode, Model,
    ReadOptions, TrainingSet,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

// A global allocator that frees cheaply across threads: the block reader makes accounts on
// one pool thread and may drop them on another. About 7% faster on a 1M audit than the
// system allocator, for about 50 MB more peak memory (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Command-line options.
#[derive(Parser, Debug, Clone)]
#[command(
    version,
    about = "Estimate the genuine-follower share of a follower list"
)]
struct Args {
    /// The follower export (default: the bundled demo list); `-` reads standard input. Any
    /// format may be gzip-compressed.
    file: Option<PathBuf>,
    /// Audit these lists (two or more) with one model and seed, and rank them by genuine
    /// share with an interval for every difference.
    #[arg(long, num_args = 2.., value_name = "FILE")]
    compare: Vec<PathBuf>,
    /// The account's name, shown at the top of the reports: `NAME` when auditing one FILE;
    /// with --compare, `NAME=FILE` for each list (default: the file's stem).
    #[arg(long, value_name = "NAME|NAME=FILE")]
    label: Vec<String>,
    /// Input format (default: detected from the content): cresci-csv, twitter-v1, twitter-v2,
    /// instagram-jsonl, instagram-csv, instafake, instagram-kaggle-csv, instagram-srf-csv,
    /// instagram-parma-csv, weibo, weibo-spammer-csv, botometer.
    #[arg(long)]
    format: Option<Format>,
    /// A tweets.csv to join to a Cresci/MIB users.csv (activity features).
    #[arg(long)]
    tweets: Option<PathBuf>,
    /// Column mapping for CSV headers that differ from ours, e.g. `name=user_name`.
    #[arg(long)]
    columns: Option<ColumnMap>,
    /// A model file written by the train example (default: the embedded model for the
    /// input's platform).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Measure account ages at this date (YYYY-MM-DD or RFC 3339) instead of crawl times.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<DateTime<Utc>>,
    /// The account's total follower count when the file is a sample of its followers.
    #[arg(long)]
    population: Option<u64>,
    /// Score a uniform random sample of this many followers.
    #[arg(long)]
    sample: Option<usize>,
    /// Seed of the sample and of the bootstrap intervals.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The share estimator the report leads with: cc, acc, pcc, pacc, em.
    #[arg(long)]
    method: Option<Method>,
    /// Go on past bad records, reporting each (default: stop at the first).
    #[arg(long)]
    lenient: bool,
    /// Write the whole report as JSON (`-` for standard output; the summary then goes to
    /// standard error).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write one row per follower (id, screen name, P(fake), label, reasons); `-` for
    /// standard output.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write a self-contained HTML page with charts; `-` for standard output.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Append the audit's headline to a CSV as one row (the header first when the file is
    /// new or empty; a file with another header is refused): the genuine share and its
    /// interval, the fake count, the fields the model read and the shift diagnostic.
    #[arg(long, value_name = "OUT")]
    summary_csv: Option<PathBuf>,
    /// Followers listed one by one in the JSON and HTML reports: the N most suspicious,
    /// `all` (in follow order; memory grows with the list) or `none`. `--csv` writes every
    /// follower whatever this says.
    #[arg(long, default_value = "1000", value_name = "N|all|none")]
    top: Listing,
    /// The list holds the engagers of a post (likers, reposters, commenters), not followers:
    /// the report speaks of engagers and finds bursts over their engagement times
    /// (`engaged_at`, `liked_at`, `retweeted_at`, `reposted_at`, a Weibo repost's
    /// `created_at`) in engagements per minute. Turned on by itself when nine in ten of the first
    /// records carry an engagement time.
    #[arg(long)]
    engagement: bool,
    /// The reference time `--compare` found for every list when none carries a crawl time
    /// and no --as-of was given (not a flag).
    #[arg(skip)]
    shared_as_of: Option<DateTime<Utc>>,
}

/// Whether `e`, or an error under it, is a write to a pipe whose reader has gone.
fn broken_pipe(e: &(dyn Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        let kind = e
            .downcast_ref::<std::io::Error>()
            .map(|e| e.kind())
            .or_else(|| e.downcast_ref::<serde_json::Error>()?.io_error_kind());
        if kind == Some(std::io::ErrorKind::BrokenPipe) {
            return true;
        }
        next = e.source();
    }
    false
}

fn parse_date(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD or RFC 3339)"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    // A reader that stopped reading (`audit FILE --json - | head`) is not an error, unless
    // a file the user asked for was left unwritten with it.
    let files = [&args.json, &args.csv, &args.html, &args.summary_csv]
        .into_iter()
        .flatten()
        .any(|p| p.as_os_str() != "-");
    match try_main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if !files && broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn try_main(args: Args) -> Result<(), Box<dyn Error>> {
    refuse_clashing_outputs(&args)?;
    if args.file.is_none() && args.compare.is_empty() {
        let about_a_file: Vec<&str> = [
            ("--format", args.format.is_some()),
            ("--columns", args.columns.is_some()),
            ("--tweets", args.tweets.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect();
        if !about_a_file.is_empty() {
            return Err(format!(
                "{} {} the FILE to audit: give one (with no FILE the bundled demo is \
                 audited, as it is)",
                about_a_file.join(", "),
                if about_a_file.len() == 1 {
                    "describes"
                } else {
                    "describe"
                }
            )
            .into());
        }
    }
    if !args.compare.is_empty()
        && (args.file.is_some() || args.csv.is_some() || args.summary_csv.is_some())
    {
        return Err(
            "--compare takes the lists itself: give no FILE, no --csv and no --summary-csv".into(),
        );
    }
    if !args.compare.is_empty() {
        let Outputs {
            mut json,
            mut html,
            mut summary,
            ..
        } = Outputs::create(&args)?;
        let comparison = compare(&args)?;
        if let Some(mut w) = json.take() {
            serde_json::to_writer_pretty(&mut w, &comparison)?;
            w.write_all(b"\n")?;
            w.finish()?;
        }
        if let Some(mut w) = html.take() {
            w.write_all(comparison.to_html().as_bytes())?;
            w.finish()?;
        }
        return Ok(print_comparison(&mut summary, &comparison)?);
    }

    let demo = args.file.is_none();
    let path = args
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEMO_NAME));

    let label = single_label(&args.label, &path)?;
    let input = if demo {
        Input::open_demo(&args)?
    } else {
        Input::open(&path, &args)?
    };
    let model = match &args.model {
        Some(p) => Cow::Owned(Model::load(p)?),
        None => Model::for_export(input.format.platform(), &input.shape)?,
    };
    // The input is open and the model loaded: the outputs are opened now, still before the
    // audit starts.
    let Outputs {
        summary_csv,
        csv: mut csv_file,
        json: mut json_out,
        html: mut html_out,
        mut summary,
    } = Outputs::create(&args)?;
    let report = input.audit(
        &model,
        &args,
        demo,
        label,
        csv_file.as_mut().map(|w| w as &mut dyn Write),
    )?;
    if let Some(w) = csv_file {
        w.finish()?;
    }
    if let Some(note) = input.counts_note(&report) {
        eprintln!("{note}");
    }
    let reads_timeline = report
        .model_reads()
        .is_some_and(|r| r.contains(&FieldGroup::Timeline));
    if args.tweets.is_some() && !reads_timeline {
        eprintln!(
            "note: the model does not read timelines (the embedded models are profile-only), \
             so --tweets changed no score; a model trained on labelled timelines \
             (examples/train.rs) reads them"
        );
    }

    // Write the requested reports and print the summary.
    if let Some(mut w) = json_out.take() {
        serde_json::to_writer_pretty(&mut w, &report)?;
        w.write_all(b"\n")?;
        w.finish()?;
    }
    if let Some(mut w) = html_out.take() {
        w.write_all(report.to_html().as_bytes())?;
        w.finish()?;
    }
    if let Some(SummaryCsv {
        mut out,
        header,
        new_line,
    }) = summary_csv
    {
        if new_line {
            out.write_all(b"\n")?;
        }
        report.write_summary_csv(out, header)?;
    }
    print_summary(&mut summary, &report, input.format, demo)?;
    Ok(())
}

/// The account's name when auditing one file: `--label NAME` (or `--label NAME=FILE` naming
/// this file); none without the flag.
fn single_label(labels: &[String], path: &Path) -> Result<Option<String>, Box<dyn Error>> {
    match labels {
        [] => Ok(None),
        [one] => match one.split_once('=') {
            Some((name, file)) if Path::new(file) == path => Ok(Some(name.to_string())),
            Some(_) => Err(format!(
                "--label {one:?}: auditing one file, write --label NAME (NAME=FILE is for \
                 --compare)"
            )
            .into()),
            None => Ok(Some(one.clone())),
        },
        _ => Err("auditing one file, give one --label NAME".into()),
    }
}

/// An opened export with what its first records say: its format, its fields, and those
/// records themselves (for the shift and the crawl time).
struct Input {
    path: PathBuf,
    options: ReadOptions,
    format: Format,
    lead: Vec<Account>,
    shape: ExportShape,
    /// Standard input (`-`): the bytes the first records were read from, to be read again in
    /// front of the rest of the stream. A file is simply opened again.
    stdin_lead: Option<Vec<u8>>,
    /// The demo list, built into the binary.
    embedded: Option<&'static [u8]>,
    /// Columns of a CSV header read as none of the reader's fields.
    unread: Vec<String>,
}

/// The bundled demo list and its truth, built into the binary so that an installed `audit`
/// runs its demo from any directory.
const DEMO: &[u8] = include_bytes!("../datasets/demo/followers.jsonl");
const DEMO_TRUTH: &str = include_str!("../datasets/demo/truth.json");
const DEMO_NAME: &str = "datasets/demo/followers.jsonl";

/// The path that means standard input, and its name in messages and reports.
const STDIN: &str = "-";
const STDIN_ORIGIN: &str = "<stdin>";

/// Standard input, keeping a copy of every byte read: the first records are read through it,
/// and the copy is then read again before the rest of the stream (see [`Input::open`]).
struct Recording {
    inner: std::io::Stdin,
    copy: Arc<Mutex<Vec<u8>>>,
}

impl Read for Recording {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Input {
    /// Opens `path` with the flags' reading options and looks at its first records.
    fn open(path: &Path, args: &Args) -> Result<Input, Box<dyn Error>> {
        // The format is detected from the content unless given.
        let mut options = ReadOptions::default().mode(if args.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        });
        if let Some(f) = args.format {
            options = options.format(f);
        }
        if let Some(t) = &args.tweets {
            options = options.tweets(t);
        }
        if let Some(c) = &args.columns {
            options = options.columns(c.clone());
        }
        if path == Path::new(STDIN) {
            return Self::open_stdin(options);
        }
        let detected = open(path, &options)?;
        let (format, unread) = (detected.format(), detected.unread_columns());
        drop(detected);
        // Which field groups the export carries: the model is fitted to exactly those.
        let lead: Vec<Account> = open(path, &options.clone().mode(Mode::Lenient))?
            .filter_map(|a| a.ok())
            .take(PROBE_RECORDS)
            .collect();
        let shape = ExportShape::of(&lead);
        Ok(Input {
            path: path.to_path_buf(),
            options,
            format,
            lead,
            shape,
            stdin_lead: None,
            embedded: None,
            unread,
        })
    }

    /// The demo list, read from the bytes built into the binary.
    fn open_demo(args: &Args) -> Result<Input, Box<dyn Error>> {
        let mut options = ReadOptions::default().origin(DEMO_NAME);
        if args.lenient {
            options = options.mode(Mode::Lenient);
        }
        let probe = AccountReader::from_reader(DEMO, &options.clone().mode(Mode::Lenient))?;
        let format = probe.format();
        let lead: Vec<Account> = probe.filter_map(|a| a.ok()).take(PROBE_RECORDS).collect();
        let shape = ExportShape::of(&lead);
        Ok(Input {
            path: PathBuf::from(DEMO_NAME),
            options,
            format,
            lead,
            shape,
            stdin_lead: None,
            embedded: Some(DEMO),
            unread: Vec::new(),
        })
    }

    /// Standard input cannot be opened twice: its first records are read through a
    /// [`Recording`], and the bytes recorded are kept to be chained in front of the rest of
    /// the stream when the audit reads it from the start. The probe reads one block at a
    /// time, so the copy holds about what it read ahead (a 1 MiB block and the 64 KiB the
    /// format is detected from), not the input: a pipe of any size is audited as it comes,
    /// in blocks on every core, with no temporary file as large as the input and no pass over
    /// it before the audit starts.
    fn open_stdin(options: ReadOptions) -> Result<Input, Box<dyn Error>> {
        let options = options.origin(STDIN_ORIGIN);
        let copy = Arc::new(Mutex::new(Vec::new()));
        let recording = Recording {
            inner: std::io::stdin(),
            copy: Arc::clone(&copy),
        };
        let probe_options = options.clone().mode(Mode::Lenient).parallel(false);
        let mut probe = AccountReader::from_reader(recording, &probe_options)?;
        let (format, unread) = (probe.format(), probe.unread_columns());
        let lead: Vec<Account> = probe
            .by_ref()
            .filter_map(|a| a.ok())
            .take(PROBE_RECORDS)
            .collect();
        drop(probe);
        let bytes = std::mem::take(&mut *copy.lock().map_err(|_| "poisoned")?);
        let shape = ExportShape::of(&lead);
        Ok(Input {
            path: PathBuf::from(STDIN),
            options,
            format,
            lead,
            shape,
            stdin_lead: Some(bytes),
            embedded: None,
            unread,
        })
    }

    /// A reader of the whole input, from its first record.
    fn reader(&self) -> Result<AccountReader, Box<dyn Error>> {
        if let Some(bytes) = self.embedded {
            return Ok(AccountReader::from_reader(bytes, &self.options)?);
        }
        Ok(match &self.stdin_lead {
            Some(lead) => {
                let rest = std::io::Cursor::new(lead.clone()).chain(std::io::stdin());
                AccountReader::from_reader(rest, &self.options)?
            }
            None => open(&self.path, &self.options)?,
        })
    }

    /// Audits the whole export with `model`, streaming per-follower rows to `csv_out`.
    fn audit(
        &self,
        model: &Model,
        args: &Args,
        demo: bool,
        label: Option<String>,
        csv_out: Option<&mut dyn Write>,
    ) -> Result<AuditReport, Box<dyn Error>> {
        let lead = &self.lead;
        // A list whose records mostly carry an engagement time is a list of engagers (the
        // summary then speaks of engagers and prints their engagement times).
        let timed = lead.iter().filter(|a| a.engaged_at.is_some()).count();
        let engagers = args.engagement || (!lead.is_empty() && 10 * timed >= 9 * lead.len());
        let mut params = AuditParams::default()
            .seed(args.seed)
            .followers(args.top)
            .list(if engagers {
                ListKind::Engagers
            } else {
                ListKind::Followers
            });
        if let Some(name) = label {
            params = params.label(name);
        }
        if let Some(m) = args.method {
            params = params.method(m);
        }
        if let Some(n) = args.population {
            params = params.population(n);
        }
        if let Some(n) = args.sample {
            params = params.sample(n);
        }
        // The demo list, like any API v1.1 export, carries no crawl time: measure its ages at
        // the time it was (synthetically) crawled, not against today's clock.
        let mut as_of = args
            .as_of
            .or(args.shared_as_of)
            .or_else(|| demo.then(follower_audit::synth::default_crawled_at));
        // With no crawl time anywhere (API exports saved without one) and no --as-of, today's
        // clock would age every account by the years since the export. The newest account
        // creation, engagement or post among the first records is a lower bound of the crawl
        // time, and for a follower list (bought accounts are often days old, and a v1.1
        // profile carries its latest post) a close one: measure ages there, and say so.
        if as_of.is_none() && no_crawl_time(lead) {
            if let Some(newest) = newest_date(lead) {
                eprintln!(
                    "note: {} carries no crawl time; ages are measured at its newest account \
                     creation, engagement or post, {} (give --as-of DATE with the export date \
                     to override)",
                    self.path.display(),
                    newest.to_rfc3339()
                );
                as_of = Some(newest);
            }
        }
        if let Some(t) = args.as_of {
            let created: Vec<_> = lead.iter().filter_map(|a| a.profile.created_at).collect();
            let later = created.iter().filter(|c| **c > t).count();
            if later > 0 {
                eprintln!(
                    "warning: --as-of {} is before the creation of {later} of the first {} \
                     accounts with a creation date; their ages count as 0 days (give the date \
                     the export was made)",
                    t.to_rfc3339(),
                    created.len()
                );
            }
            if t > Utc::now() + chrono::Duration::days(1) {
                eprintln!(
                    "warning: --as-of {} is in the future; every age is counted up to it",
                    t.to_rfc3339()
                );
            }
        }
        if let Some(t) = as_of {
            params = params.as_of(t);
        }

        let mut audit = Audit::new(model, params);
        if !lead.is_empty() {
            // How far the list lies from the training data: widens the interval when far.
            audit = audit.probe(lead, TrainingSet::embedded(self.format.platform()))?;
        }
        let mut reader = self.reader()?;
        // Stream the accounts through it, with progress on a terminal: a bar (bytes read,
        // rate, time left) when the input's size is known (a file, plain or gzip: the bytes
        // are counted as stored), a spinner with the bytes read otherwise (standard input).
        let progress = if !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else if let Some(size) = reader.input_size() {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, \
                     {eta} left) {elapsed}",
                )?
                .progress_chars("=> "),
            );
            bar
        } else {
            let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            spinner.set_style(ProgressStyle::with_template(
                "{spinner} {binary_bytes} read ({binary_bytes_per_sec}) {elapsed}",
            )?);
            spinner
        };
        // The reader counts its bytes; a thread copies the count to the bar a few times a
        // second while this one audits (nothing at all when the bar is hidden).
        let bytes = reader.progress();
        let done = std::sync::atomic::AtomicBool::new(false);
        let report = std::thread::scope(|scope| {
            if !progress.is_hidden() {
                scope.spawn(|| {
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        progress.set_position(bytes.bytes_read());
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                });
            }
            // CSV and JSON Lines are read in blocks parsed and scored on every core; the
            // reader's mode (strict unless --lenient) is the audit's.
            let report = audit.run_reader(&mut reader, csv_out);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            report
        })?;
        progress.finish_and_clear();
        Ok(report)
    }

    /// A note, for after the report, when the model that scored `report` read no counts and
    /// the export gives some of them, or columns the reader did not read: most likely counts
    /// under names the reader does not know, or missing in most records; the user should know
    /// why the model read none. With the counts read, the note lists the columns not read, if
    /// any (a field under a name the reader does not know would otherwise go unread without a
    /// word).
    fn counts_note(&self, report: &AuditReport) -> Option<String> {
        let reads_counts = match &report.model.fields {
            Some(f) => f.contains(&FieldGroup::Counts),
            None => self.shape.has(FieldGroup::Counts),
        };
        // A list that gives them, scored by a model that does not read them (another list's
        // fields in a comparison, or a model file of the user's): nothing to fix there, but
        // columns the reader passed over are still worth a word.
        if reads_counts || self.shape.has(FieldGroup::Counts) {
            return (!self.unread.is_empty()).then(|| {
                format!(
                    "note: columns not read: {} (if one holds a field the reader knows under \
                     another name, map it with --columns FIELD={})",
                    listed(&self.unread),
                    self.unread[0]
                )
            });
        }
        let p = |f: fn(&Account) -> bool| self.lead.iter().any(f);
        let have: Vec<&str> = [
            ("posts", p(|a| a.profile.statuses_count.is_some())),
            ("followers", p(|a| a.profile.followers_count.is_some())),
            ("following", p(|a| a.profile.friends_count.is_some())),
        ]
        .into_iter()
        .filter_map(|(name, has)| has.then_some(name))
        .collect();
        if have.is_empty() && self.unread.is_empty() {
            return None;
        }
        let name = if self.path == Path::new(STDIN) {
            STDIN_ORIGIN.to_string()
        } else {
            self.path.display().to_string()
        };
        let what = match have.len() {
            3 => format!("{name} lacks the three counts (posts, followers, following) in most of its first records"),
            0 => format!("{name} does not give the three counts (posts, followers, following)"),
            _ => format!(
                "{name} does not give all three counts (posts, followers, following; it gives {} only)",
                have.join(" and ")
            ),
        };
        let unread = if self.unread.is_empty() {
            String::new()
        } else {
            format!("; columns not read: {}", listed(&self.unread))
        };
        // The fix in the users CSVs' own names (the research sets' CSVs have counts under
        // their published names, and the JSON formats take no column map).
        let fix = match self.format {
            Format::CresciCsv => {
                "; name a count's column with --columns \
                 statuses_count=...,followers_count=...,friends_count=..."
            }
            Format::InstagramCsv => {
                "; name a count's column with --columns \
                 media_count=...,follower_count=...,following_count=..."
            }
            _ => "",
        };
        Some(format!(
            "note: {what}, so the model read none of them{unread}{fix}"
        ))
    }
}

/// Up to eight names, then how many more (a research CSV passes over a dozen columns on
/// purpose).
fn listed(names: &[String]) -> String {
    match names.len() {
        0..=8 => names.join(", "),
        n => format!("{} and {} more", names[..8].join(", "), n - 8),
    }
}

/// Audits every `--compare` list with one model (fitted to the fields all of them carry) and
/// the same seed, and ranks them.
/// Whether no record of `lead` carries a crawl time.
fn no_crawl_time(lead: &[Account]) -> bool {
    lead.iter().all(|a| a.profile.crawled_at.is_none())
}

/// The newest account creation, engagement or post in `lead`: a lower bound of the crawl
/// time, and for a follower list (bought accounts are often days old, and a v1.1 profile
/// carries its latest post) a close one.
fn newest_date(lead: &[Account]) -> Option<DateTime<Utc>> {
    lead.iter()
        .flat_map(|a| {
            let posts = a.activity.iter().flatten().filter_map(|p| p.created_at);
            [a.profile.created_at, a.engaged_at]
                .into_iter()
                .flatten()
                .chain(posts)
        })
        .max()
}

fn compare(args: &Args) -> Result<Comparison, Box<dyn Error>> {
    if args
        .compare
        .iter()
        .filter(|p| *p == Path::new(STDIN))
        .count()
        > 1
    {
        return Err("standard input (`-`) can be compared once".into());
    }
    let inputs: Vec<Input> = args
        .compare
        .iter()
        .map(|p| Input::open(p, args))
        .collect::<Result<_, _>>()?;
    let platform = inputs[0].format.platform();
    if let Some(other) = inputs.iter().find(|i| i.format.platform() != platform) {
        return Err(format!(
            "{} is an export of {:?}, {} of {:?}: compare lists of one platform",
            inputs[0].path.display(),
            platform,
            other.path.display(),
            other.format.platform()
        )
        .into());
    }
    let shape = inputs[1..]
        .iter()
        .fold(inputs[0].shape.clone(), |s, i| s.intersect(&i.shape));
    let model = match &args.model {
        Some(p) => Cow::Owned(Model::load(p)?),
        None => Model::for_export(platform, &shape)?,
    };
    let mut labels = Vec::new();
    for spec in &args.label {
        let (name, file) = spec
            .split_once('=')
            .ok_or_else(|| format!("--label {spec:?}: write NAME=FILE"))?;
        let file = PathBuf::from(file);
        if !inputs.iter().any(|i| file_key(&i.path) == file_key(&file)) {
            return Err(format!(
                "--label {spec:?}: {} is not one of the lists given to --compare",
                file.display()
            )
            .into());
        }
        labels.push((name.to_string(), file));
    }
    // One time reference for every list: ages measured at different dates would make the
    // lists differ by the measurement, not by their followers.
    let mut args = args.clone();
    if args.as_of.is_none() && inputs.iter().all(|i| no_crawl_time(&i.lead)) {
        if let Some(newest) = inputs.iter().filter_map(|i| newest_date(&i.lead)).max() {
            eprintln!(
                "note: the lists carry no crawl time; every list's ages are measured at the \
                 newest account creation, engagement or post among them, {} (give --as-of \
                 DATE with the export date to override)",
                newest.to_rfc3339()
            );
            args.shared_as_of = Some(newest);
        }
    }
    let args = &args;
    let mut reports = Vec::new();
    for input in &inputs {
        let label = labels
            .iter()
            .find(|(_, f)| file_key(f) == file_key(&input.path))
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| {
                input.path.file_stem().map_or_else(
                    || input.path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                )
            });
        let report = input.audit(&model, args, false, Some(label.clone()), None)?;
        reports.push((label, report));
    }
    // Notes once every list is audited: an error in a later list comes first and alone.
    for (input, (_, report)) in inputs.iter().zip(&reports) {
        if let Some(note) = input.counts_note(report) {
            eprintln!("{note}");
        }
    }
    Ok(Comparison::new(reports)?)
}

/// The comparison as a table: ranked accounts, then every pair.
fn print_comparison(out: &mut dyn Write, c: &Comparison) -> std::io::Result<()> {
    writeln!(
        out,
        "follower-audit: {} accounts compared",
        c.accounts.len()
    )?;
    for (i, a) in c.accounts.iter().enumerate() {
        let g = &a.genuine_share;
        writeln!(
            out,
            "  {}. {:<24} genuine {}  ({:.0}% CI {} to {}), {} scored{}",
            i + 1,
            a.label,
            pct(g.estimate),
            100.0 * g.confidence,
            pct(g.ci_low),
            pct(g.ci_high),
            counted(a.scored, "follower", "followers"),
            a.shift
                .as_ref()
                .map(|s| format!(", shift {}", s.level))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "  differences (higher minus lower genuine share):")?;
    for d in &c.differences {
        writeln!(
            out,
            "    {} vs {}: {:+.1} points ({:.1} to {:.1}): {}",
            d.higher,
            d.lower,
            100.0 * d.difference,
            100.0 * d.ci_low,
            100.0 * d.ci_high,
            if d.beyond_uncertainty {
                "beyond the uncertainty"
            } else {
                "within the uncertainty: could be either way"
            }
        )?;
    }
    Ok(())
}

/// Creates an output file, naming it in the error.
/// The report files and the stream the summary goes to.
struct Outputs {
    summary_csv: Option<SummaryCsv>,
    csv: Option<ReportOut>,
    json: Option<ReportOut>,
    html: Option<ReportOut>,
    /// Standard output, or standard error when a report takes standard output.
    summary: Box<dyn Write>,
}

impl Outputs {
    /// Opens every output the flags ask for, so that a bad path fails before the audit
    /// starts rather than after minutes of reading (after [`refuse_clashing_outputs`]).
    fn create(args: &Args) -> Result<Outputs, Box<dyn Error>> {
        // The summary row is appended: one file gathers the audits of several accounts, with
        // the header written when the file is new or empty. Appending truncates nothing.
        let summary_csv = match &args.summary_csv {
            Some(p) if p.as_os_str() == "-" => {
                return Err(
                    "--summary-csv takes a file path (standard output carries the summary)".into(),
                )
            }
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                let len = f
                    .metadata()
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?
                    .len();
                let w = BufWriter::new(f);
                let mut new_line = false;
                if len > 0 {
                    // Rows go under our header only, and on a line of their own.
                    let text = std::fs::read(p)
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
                    let first = String::from_utf8_lossy(first);
                    let first = first.trim_start_matches('\u{feff}').trim_end_matches('\r');
                    let ours = AuditReport::SUMMARY_COLUMNS.join(",");
                    if first != ours {
                        return Err(format!(
                            "--summary-csv {}: its first line is not the summary header \
                             ({ours}); give a new file or one this flag wrote",
                            p.display()
                        )
                        .into());
                    }
                    new_line = text.last() != Some(&b'\n');
                }
                Some(SummaryCsv {
                    out: w,
                    header: len == 0,
                    new_line,
                })
            }
            None => None,
        };
        let to_stdout = [&args.csv, &args.json, &args.html]
            .into_iter()
            .any(|p| p.as_deref() == Some(Path::new("-")));
        let open = |p: &Option<PathBuf>| p.as_deref().map(ReportOut::create).transpose();
        let (csv, json, html) = (open(&args.csv)?, open(&args.json)?, open(&args.html)?);
        let summary: Box<dyn Write> = if !to_stdout {
            Box::new(std::io::stdout())
        } else {
            Box::new(std::io::stderr())
        };
        Ok(Outputs {
            summary_csv,
            csv,
            json,
            html,
            summary,
        })
    }
}

/// `--summary-csv`, opened to append.
struct SummaryCsv {
    out: BufWriter<File>,
    /// The file is empty: the header is due.
    header: bool,
    /// The file's last row lost its line end: one is due before the row.
    new_line: bool,
}

/// Where a report goes: standard output (`-`); a device or pipe (`/dev/null`, a named pipe,
/// `/dev/fd/N`) written as it is; or a file written under a temporary name beside it and
/// renamed to it once complete, so that an audit that fails leaves whatever was there
/// before, and never half a report. A symbolic link is written through (its target
/// replaced), and a file that existed keeps its permissions.
enum ReportOut {
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
    Direct(BufWriter<File>),
    File {
        out: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl ReportOut {
    fn create(path: &Path) -> Result<ReportOut, Box<dyn Error>> {
        if path.as_os_str() == "-" {
            return Ok(ReportOut::Stdout(BufWriter::new(std::io::stdout().lock())));
        }
        let cannot = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
        // Where the report lands (a link's target), and the permissions it keeps.
        let (target, permissions) = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(cannot(&"it is a folder").into()),
            Ok(m) if !m.is_file() => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(path)
                    .map_err(|e| cannot(&e))?;
                return Ok(ReportOut::Direct(BufWriter::new(f)));
            }
            Ok(m) => {
                if m.permissions().readonly() {
                    return Err(cannot(&"it is read-only").into());
                }
                let target = std::fs::canonicalize(path).map_err(|e| cannot(&e))?;
                (target, Some(m.permissions()))
            }
            Err(_) => (path.to_path_buf(), None),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| cannot(&"not a file name"))?;
        if !dir.is_dir() {
            return Err(cannot(&format!("there is no folder {}", dir.display())).into());
        }
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // The umask then gives a new report the permissions of any file the user creates (a
        // temporary file's own default is owner-only).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).map_err(|e| cannot(&e))?;
        if let Some(p) = permissions {
            tmp.as_file().set_permissions(p).map_err(|e| cannot(&e))?;
        }
        Ok(ReportOut::File {
            out: BufWriter::new(tmp),
            path: target,
        })
    }

    /// Flushes the report and, for a file, renames it to its path.
    fn finish(self) -> Result<(), Box<dyn Error>> {
        match self {
            ReportOut::Stdout(mut out) => Ok(out.flush()?),
            ReportOut::Direct(mut out) => Ok(out.flush()?),
            ReportOut::File { out, path } => {
                let tmp = out
                    .into_inner()
                    .map_err(|e| format!("cannot write {}: {}", path.display(), e.error()))?;
                tmp.persist(&path)
                    .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for ReportOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            ReportOut::Stdout(out) => out.write(buf),
            ReportOut::Direct(out) => out.write(buf),
            ReportOut::File { out, .. } => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            ReportOut::Stdout(out) => out.write_all(buf),
            ReportOut::Direct(out) => out.write_all(buf),
            ReportOut::File { out, .. } => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            ReportOut::Stdout(out) => out.flush(),
            ReportOut::Direct(out) => out.flush(),
            ReportOut::File { out, .. } => out.flush(),
        }
    }
}

/// The file a path names, as far as it can be known before the file exists: the canonical
/// path when it exists, else the canonical folder joined to the name, else the path as given.
fn file_key(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Refuses an output path that names an input file or another output, and more than one
/// report on standard output (`-`).
fn refuse_clashing_outputs(args: &Args) -> Result<(), Box<dyn Error>> {
    let to_stdout: Vec<&str> = [
        ("--csv", &args.csv),
        ("--json", &args.json),
        ("--html", &args.html),
    ]
    .into_iter()
    .filter(|(_, p)| p.as_deref() == Some(Path::new("-")))
    .map(|(flag, _)| flag)
    .collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "{} ask for standard output (`-`): only one report can go there",
            to_stdout.join(" and ")
        )
        .into());
    }
    let stdin = |p: &&PathBuf| p.as_os_str() != "-";
    let inputs: Vec<(&str, &PathBuf)> = args
        .file
        .iter()
        .filter(stdin)
        .map(|p| ("the input", p))
        .chain(args.compare.iter().filter(stdin).map(|p| ("--compare", p)))
        .chain(args.tweets.iter().map(|p| ("--tweets", p)))
        .chain(args.model.iter().map(|p| ("--model", p)))
        .collect();
    let outputs: Vec<(&str, &PathBuf)> = [
        ("--summary-csv", &args.summary_csv),
        ("--csv", &args.csv),
        ("--json", &args.json),
        ("--html", &args.html),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_ref().filter(stdin).map(|p| (flag, p)))
    .collect();
    for (k, (flag, out)) in outputs.iter().enumerate() {
        // A device or pipe (`/dev/null`) is written as it is, by as many outputs as name it.
        if std::fs::metadata(out).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            continue;
        }
        let key = file_key(out);
        if let Some((what, input)) = inputs.iter().find(|(_, p)| file_key(p) == key) {
            return Err(format!(
                "{flag} {} is {what} {}: writing it would destroy what the audit reads",
                out.display(),
                input.display()
            )
            .into());
        }
        if let Some((other, _)) = outputs[..k].iter().find(|(_, p)| file_key(p) == key) {
            return Err(format!(
                "{flag} and {other} both name {}: give each report its own file",
                out.display()
            )
            .into());
        }
    }
    Ok(())
}

/// Bursts listed in the summary: the largest this many (every burst is in the JSON report).
const MAX_BURSTS_SHOWN: usize = 10;

/// Records looked at before the audit to find the export's fields and its shift.
const PROBE_RECORDS: usize = 2000;

/// `n` with its noun: `1 record`, `2 records`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// An engagement list's times and the bursts found in them, the largest first.
fn print_engagement(
    out: &mut dyn Write,
    e: &follower_audit::report::EngagementReport,
) -> std::io::Result<()> {
    let minute = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    if let (Some(first), Some(last)) = (&e.first, &e.last) {
        writeln!(
            out,
            "  engagements: {} with a time ({} without), {} to {} UTC, {:.1} a minute",
            e.with_time,
            e.without_time,
            minute(first),
            minute(last),
            e.per_minute
        )?;
    }
    if let Some(note) = &e.note {
        writeln!(out, "  note: {note}")?;
    }
    if e.bursts_over != BurstAxis::Time {
        return Ok(());
    }
    if e.bursts.is_empty() {
        return writeln!(out, "  bursts in time: none found");
    }
    writeln!(
        out,
        "  bursts in time (minute 0 = first engagement){}:",
        if e.bursts.len() > MAX_BURSTS_SHOWN {
            format!(", the {MAX_BURSTS_SHOWN} largest of {}", e.bursts.len())
        } else {
            String::new()
        }
    )?;
    for (i, b) in e.largest_bursts(MAX_BURSTS_SHOWN) {
        writeln!(
            out,
            "    #{} minutes {:.0} to {:.0} ({} to {} UTC): {} engagements, {:.1} a minute vs {:.1} \
             elsewhere; {} look fake vs {} baseline, about {:.0} fake",
            i + 1,
            b.start_minute,
            b.end_minute,
            minute(&b.start),
            b.end.format("%H:%M"),
            b.engagements,
            b.per_minute,
            b.baseline_per_minute,
            pct(b.fake_share),
            pct(b.baseline_fake_share),
            b.estimated_fake
        )?;
    }
    Ok(())
}

fn print_summary(
    out: &mut dyn Write,
    r: &AuditReport,
    format: Format,
    demo: bool,
) -> std::io::Result<()> {
    let g = &r.genuine_share;
    // "followers" or "engagers", as the list holds.
    let many = r.list.noun();
    match &r.label {
        Some(label) => writeln!(
            out,
            "follower-audit: {label}: {} ({}), audited {}",
            r.source,
            format.name(),
            r.audited_at
        )?,
        None => writeln!(
            out,
            "follower-audit: {} ({}), audited {}",
            r.source,
            format.name(),
            r.audited_at
        )?,
    }
    if demo {
        // The demo is synthetic, so its truth is known: show it beside the estimate.
        let truth = serde_json::from_str::<serde_json::Value>(DEMO_TRUTH).ok();
        match truth {
            Some(t) => {
                let bursts: Vec<String> = t["bursts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        let start = b["start"].as_u64().unwrap_or(0);
                        let len = b["len"].as_u64().unwrap_or(0);
                        format!("followers {start} to {}", start + len.max(1) - 1)
                    })
                    .collect();
                writeln!(
                    out,
                    "  (synthetic demo list; its truth: {} genuine, {} fake, bought burst at {})",
                    pct(t["genuine_share"].as_f64().unwrap_or(f64::NAN)),
                    t["fake_count"],
                    bursts.join(", ")
                )?;
            }
            None => writeln!(
                out,
                "  (the bundled synthetic demo list: see datasets/demo/README.md)"
            )?,
        }
    }
    writeln!(
        out,
        "  records read {} = scored {} + rejected {} + not sampled {}",
        r.records_read, r.scored, r.rejected, r.not_sampled
    )?;
    writeln!(
        out,
        "  genuine {many}: {}  ({:.0}% CI {} to {}, estimator {})",
        pct(g.estimate),
        100.0 * g.confidence,
        pct(g.ci_low),
        pct(g.ci_high),
        g.method
    )?;
    writeln!(
        out,
        "  fake {many}: about {:.0} ({:.0} to {:.0}){}",
        r.fake_count_estimate.estimate,
        r.fake_count_estimate.ci_low,
        r.fake_count_estimate.ci_high,
        match r.population {
            Some(n) => format!(" of {n}"),
            // Of the readable records only: say so when some were not.
            None if r.rejected > 0 => format!(" of the {} read", r.records_read - r.rejected),
            None => String::new(),
        }
    )?;
    if r.records_read > 0 && 10 * r.rejected >= r.records_read {
        writeln!(
            out,
            "  warning: {} of {} records ({}) could not be read (--json lists them); the \
             estimates are of the {} that could, and the others may differ",
            r.rejected,
            r.records_read,
            pct(r.rejected as f64 / r.records_read as f64),
            r.records_read - r.rejected
        )?;
    }
    writeln!(
        out,
        "  uncorrected count of predicted fakes: {} (what a classify-and-count tool would say)",
        pct(r.naive_fake_share)
    )?;
    let b = &r.breakdown;
    writeln!(
        out,
        "  breakdown: {} likely fake, {} likely genuine, {} inactive but genuine, {} uncertain",
        b.likely_fake, b.likely_genuine, b.inactive_genuine, b.uncertain
    )?;
    // What the likely fakes have in common: the traits most over-represented among them.
    let mut traits: Vec<(f64, String)> = r
        .fake_traits
        .iter()
        .filter(|t| t.likely_fake_judged >= 20)
        .map(|t| {
            let share = |with: u64, of: u64| with as f64 / of.max(1) as f64;
            let fake = share(t.likely_fake, t.likely_fake_judged);
            let others = share(t.others, t.others_judged);
            let text = if t.others_judged > 0 {
                format!("{} {} (others: {})", pct(fake), t.text, pct(others))
            } else {
                format!("{} {}", pct(fake), t.text)
            };
            (fake - others, text)
        })
        .collect();
    traits.sort_by(|a, b| b.0.total_cmp(&a.0));
    if !traits.is_empty() {
        let top: Vec<String> = traits.into_iter().take(3).map(|(_, t)| t).collect();
        writeln!(out, "  the likely fakes: {}", top.join("; "))?;
    }
    let in_time = r
        .engagement
        .as_ref()
        .filter(|e| e.bursts_over == BurstAxis::Time);
    if let Some(e) = &r.engagement {
        print_engagement(out, e)?;
    }
    if in_time.is_some() {
        // The bursts were found over time: printed above.
    } else if r.bursts.is_empty() {
        writeln!(out, "  bursts: none found")?;
    } else {
        writeln!(
            out,
            "  bursts of bought {many} (position 0 = {}){}:",
            match r.list {
                ListKind::Followers => "newest follower",
                _ => "first in the list",
            },
            if r.bursts.len() > MAX_BURSTS_SHOWN {
                format!(", the {MAX_BURSTS_SHOWN} largest of {}", r.bursts.len())
            } else {
                String::new()
            }
        )?;
        for (i, burst) in r.largest_bursts(MAX_BURSTS_SHOWN) {
            writeln!(
                out,
                "    #{} {many} {} to {}: {} fake vs {} baseline, about {:.0} bought",
                i + 1,
                burst.start,
                burst.last(),
                pct(burst.fake_share),
                pct(burst.baseline_fake_share),
                burst.estimated_bought
            )?;
        }
    }
    if r.rejected > 0 {
        writeln!(
            out,
            "  rejected records ({}, of which {} duplicates):",
            r.rejected, r.duplicates
        )?;
        for rej in r.rejections.iter().take(10) {
            writeln!(out, "    {}", rej.reason())?;
        }
        if r.rejections.len() > 10 {
            writeln!(
                out,
                "    ... and {} more (see --json)",
                r.rejections.len() - 10
            )?;
        }
    }
    if let Some(f) = &r.fields {
        writeln!(
            out,
            "  fields present (first {}): {}",
            counted(f.looked_at as u64, "record", "records"),
            FieldGroup::join(&f.present, ", ")
        )?;
        if !f.absent.is_empty() {
            writeln!(
                out,
                "  fields absent: {}",
                FieldGroup::join(&f.absent, ", ")
            )?;
        }
        if let Some(lacked) = f.scored_without_text() {
            writeln!(
                out,
                "  followers lacking a field the model reads, scored by a model without it: {lacked}"
            )?;
        }
    }
    if let Some(s) = &r.shift {
        writeln!(
            out,
            "  shift from the training data: {} (weight {:.2}; {:.0}% of {} {many} outside the training support{})",
            s.level,
            s.weight,
            100.0 * s.outside_support,
            s.accounts,
            match (s.uncertain_share, s.uncertain_expected) {
                (Some(u), Some(e)) => format!(
                    "; model unsure of {:.1}% of the list, against up to {:.1}% of its \
                     validation accounts",
                    100.0 * u,
                    100.0 * e
                ),
                _ => String::new(),
            }
        )?;
        if let Some(w) = &s.warning {
            writeln!(out, "  warning: {w}")?;
        }
    }
    writeln!(
        out,
        "  model: {} on {}, reading {}; trained on {}; ages measured at {}",
        r.model.detector,
        r.model.schema,
        r.model
            .fields
            .as_ref()
            .map_or("every field".to_string(), |f| FieldGroup::join(f, ", ")),
        r.model.trained_on.join(", "),
        r.time_reference
    )?;
    Ok(())
}
