//! Trains a calibrated fake-follower model and writes it as a `.fam` file.
//!
//! The default models and their training features (same seed -> same bytes as the files in
//! `models/`): a preset reads every labelled source, writes `<preset>-training.fat` (the
//! features the crate embeds) and one model per embedded export shape into `--out-dir`:
//!
//! ```text
//! cargo run --release --example train -- --preset twitter   --out-dir models [--data DIR] [--seed S]
//! cargo run --release --example train -- --preset instagram --out-dir models [--data DIR] [--seed S]
//! cargo run --release --example train -- --preset weibo     --out-dir models [--data DIR] [--seed S]
//! ```
//!
//! Your own labelled data: one `--input` per file, each with a `--label` (`genuine`, `fake`, or
//! `data` when the file carries its labels), paired in order; `--format` and `--tweets` are given
//! once for all inputs or once per input (`-` for "none" in `--tweets`):
//!
//! ```text
//! cargo run --release --example train -- --features twitter \
//!     --input humans.jsonl --label genuine --input bought.jsonl --label fake \
//!     --format twitter-v1 --out my.fam
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use clap::Parser;
use follower_audit::{
    detectors::FittedDetector, read_labelled, Account, CalibrationMethod, DatasetInfo, Detector,
    DetectorParams, FeatureMatrix, FeatureSet, FieldGroup, Format, Label, Model, ModelParams,
    Preset, ReadOptions,
};

#[derive(Parser, Debug)]
#[command(about = "Train a calibrated fake-follower model (.fam file)")]
struct Args {
    /// Train a default model: `twitter` or `instagram`.
    #[arg(long)]
    preset: Option<String>,
    /// The labelled datasets directory (laid out as ../shared/datasets).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Seed of folds and forest.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the model (generic mode; default model.fam).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Preset mode: the directory to write the training features and the models into
    /// (required: nothing is written into the source tree unless asked).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Generic mode: the feature set, `twitter` or `instagram`.
    #[arg(long)]
    features: Option<String>,
    /// Generic mode: an input file (repeat).
    #[arg(long)]
    input: Vec<PathBuf>,
    /// Generic mode: `genuine`, `fake` or `data`, one per --input.
    #[arg(long)]
    label: Vec<String>,
    /// Generic mode: the format (see follower_audit::Format names), once or once per --input;
    /// detected when absent.
    #[arg(long)]
    format: Vec<String>,
    /// Generic mode: a Cresci tweets.csv to join, once or once per --input (`-` for none).
    #[arg(long)]
    tweets: Vec<String>,
    /// Generic mode: `forest`, `logistic`, `naive-bayes`, `tree` or `linfa-tree`.
    #[arg(long, default_value = "forest")]
    detector: DetectorParams,
    /// Generic mode: `isotonic`, `platt` or `none`.
    #[arg(long, default_value = "isotonic")]
    calibration: CalibrationMethod,
    /// Generic mode: cross-validation folds.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// Generic mode: trees of the forest.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Generic mode: no masked copies (by default, those of the feature set's preset).
    #[arg(long)]
    no_masking: bool,
    /// Also print the features with the largest mean |contribution| over the training accounts
    /// (random forest only; preset mode, for every shape).
    #[arg(long)]
    importance: bool,
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
    let start = Instant::now();
    // 1. A preset: every source, the training features and one model per embedded shape.
    if let Some(name) = &args.preset {
        let preset: Preset = name.parse()?;
        let dir = args
            .out_dir
            .clone()
            .ok_or("--preset needs --out-dir DIR (e.g. --out-dir models)")?;
        let data = args.data.clone().unwrap_or_else(default_data_dir);
        let sources = preset.read_sources(&data)?;
        for s in &sources {
            let fake = s
                .accounts
                .iter()
                .filter(|a| a.label == Some(Label::Fake))
                .count();
            println!(
                "source {}: {} accounts ({fake} fake), {} rejected, {} left out{}",
                s.name,
                s.accounts.len(),
                s.rejected.len(),
                s.left_out,
                s.as_of
                    .map_or(String::new(), |t| format!(", as of {}", t.date_naive()))
            );
            for r in &s.rejected {
                println!("  rejected: {r}");
            }
        }
        let training = preset.training_set(&data)?;
        let path = dir.join(format!("{}-training.fat", preset.name()));
        std::fs::write(&path, training.to_bytes()?)?;
        println!("wrote {} ({} rows)", path.display(), training.len());
        for src in training.sources() {
            println!("  {} carries: {}", src.name, src.shape.describe());
        }
        for (file, shape) in preset.embedded_shapes() {
            let t0 = Instant::now();
            let model = training.fit(&shape, &preset.params(args.seed))?;
            let out = dir.join(file);
            model.save(&out)?;
            let size = std::fs::metadata(&out)?.len();
            println!("shape: {}", shape.describe());
            report(&model, &out, size, t0.elapsed().as_secs_f64());
            for r in model.source_rates() {
                println!(
                    "  left out {:<44} {:?}: {:>5} rows, mean P(fake) {:.3}, called fake {:.3}",
                    r.source, r.label, r.rows, r.mean_p_fake, r.called_fake
                );
            }
            if args.importance {
                print_importance(&model, &training.matrix(&shape, None))?;
            }
        }
        println!("all in {:.1} s", start.elapsed().as_secs_f64());
        return Ok(());
    }
    // 2. The user's files.
    let model = train_generic(&args)?;
    let out = args.out.clone().unwrap_or_else(|| "model.fam".into());
    model.save(&out)?;
    let size = std::fs::metadata(&out)?.len();
    report(&model, &out, size, start.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the features with the largest mean |contribution| to P(fake) over `x`'s rows.
fn print_importance(model: &Model, x: &FeatureMatrix) -> Result<(), Box<dyn Error>> {
    let FittedDetector::RandomForest(forest) = model.detector() else {
        return Ok(());
    };
    let mut mean_abs = vec![0.0; x.schema().len()];
    for row in 0..x.nrows() {
        let c = forest.contributions(x, row)?;
        for (m, v) in mean_abs.iter_mut().zip(&c.per_feature) {
            *m += v.abs() / x.nrows() as f64;
        }
    }
    let mut order: Vec<usize> = (0..mean_abs.len()).collect();
    order.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]));
    println!("top features by mean |contribution| to P(fake):");
    for &i in order.iter().take(12) {
        println!("  {:<36} {:.4}", x.schema().names()[i], mean_abs[i]);
    }
    Ok(())
}

fn default_data_dir() -> PathBuf {
    match std::env::var_os("FOLLOWER_AUDIT_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"),
    }
}

/// Picks the i-th of a once-or-per-input option.
fn nth<'a>(
    values: &'a [String],
    i: usize,
    n: usize,
    flag: &str,
) -> Result<Option<&'a str>, String> {
    match values.len() {
        0 => Ok(None),
        1 => Ok(Some(values[0].as_str())),
        k if k == n => Ok(Some(values[i].as_str())),
        k => Err(format!(
            "{flag} given {k} times for {n} inputs: give it once or once per input"
        )),
    }
}

fn train_generic(args: &Args) -> Result<Model, Box<dyn Error>> {
    let preset: Preset = args
        .features
        .as_deref()
        .ok_or(
            "give --preset twitter|instagram, or --features twitter|instagram with --input/--label",
        )?
        .parse()?;
    let set: FeatureSet = preset.feature_set();
    let n = args.input.len();
    if n == 0 || args.label.len() != n {
        return Err(format!(
            "{n} --input but {} --label: pair each input with a label",
            args.label.len()
        )
        .into());
    }
    let mut accounts: Vec<Account> = Vec::new();
    let mut datasets = Vec::new();
    for (i, path) in args.input.iter().enumerate() {
        let mut opts = ReadOptions::default();
        if let Some(f) = nth(&args.format, i, n, "--format")? {
            opts = opts.format(Format::from_str(f)?);
        }
        if let Some(t) = nth(&args.tweets, i, n, "--tweets")? {
            if t != "-" {
                opts = opts.tweets(t);
            }
        }
        match args.label[i].as_str() {
            "genuine" => opts = opts.label(Label::Genuine),
            "fake" => opts = opts.label(Label::Fake),
            "data" => opts = opts.label_from_dataset(true),
            other => return Err(format!("--label {other:?}: use genuine, fake or data").into()),
        }
        let (read, labels) = read_labelled(path, &opts)?;
        let rows = read.len();
        let fake = labels.iter().filter(|&&l| l == Label::Fake).count();
        accounts.extend(read);
        datasets.push(DatasetInfo::new(path.display().to_string(), rows, fake));
    }
    let detector = match args.detector.clone() {
        DetectorParams::RandomForest(p) => {
            DetectorParams::RandomForest(p.n_trees(args.trees).min_samples_leaf(2).seed(args.seed))
        }
        DetectorParams::DecisionTree(p) => DetectorParams::DecisionTree(p.seed(args.seed)),
        other => other,
    };
    let calibration = args.calibration;
    let params = ModelParams::default()
        .detector(detector)
        .calibration(calibration)
        .folds(args.folds)
        .seed(args.seed);
    let variants: &[(&str, &[FieldGroup])] = if args.no_masking {
        &[]
    } else {
        preset.variants()
    };
    Ok(params.fit_accounts(set, &accounts, variants, &datasets)?)
}

fn report(model: &Model, out: &Path, size: u64, secs: f64) {
    let p = model.provenance();
    println!(
        "trained {} on {} accounts ({} fake, {} genuine), schema {}, in {secs:.1} s",
        model.name(),
        p.rows,
        p.fake,
        p.genuine,
        model.schema().describe()
    );
    for d in &p.datasets {
        println!("  dataset {}: {} rows ({} fake)", d.name, d.rows, d.fake);
    }
    println!(
        "{}-fold CV (pooled out-of-fold, calibrated, threshold {}):",
        p.cv.folds,
        model.threshold()
    );
    println!("  variant            accuracy    MCC     AUC     ECE    Brier");
    for v in &p.cv.per_variant {
        let m = &v.metrics;
        println!(
            "  {:<17} {:>8.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4}",
            v.variant, m.accuracy, m.mcc, m.auc, m.ece, m.brier
        );
    }
    let u = &p.cv.primary_uncalibrated;
    println!(
        "  (all_fields before calibration: accuracy {:.4}, MCC {:.4}, ECE {:.4}, Brier {:.4})",
        u.accuracy, u.mcc, u.ece, u.brier
    );
    let f = &p.cv.primary_folds;
    println!(
        "  all_fields fold mean +- sd: accuracy {:.4} +- {:.4}, MCC {:.4} +- {:.4}, AUC {:.4} +- {:.4}",
        f.accuracy.mean, f.accuracy.std, f.mcc.mean, f.mcc.std, f.auc.mean, f.auc.std
    );
    println!("wrote {} ({size} bytes)", out.display());
}
