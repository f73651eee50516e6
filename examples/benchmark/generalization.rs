//! The headline section: how the default recipe does on a source it has not seen.
//!
//! 1. Leave-one-source-out detection: for every preset, every embedded export shape and every
//!    source, a model fitted to that shape without the source scores the source's rows.
//! 2. Share error of mixes of left-out sources: a model fitted without a fake source F and a
//!    genuine source G audits seeded mixes of F's fakes and G's genuine accounts, blanked to
//!    the shape, through the real audit path (`Audit::probe` then `Audit::run`).
//! 3. An out-of-scope check: the cresci-rtbust-2019 retweet bots, scored by the full-shape
//!    Twitter model trained on every source.

use std::error::Error;
use std::path::Path;

use chrono::{DateTime, Utc};
use follower_audit::{
    evaluation::ConfusionMatrix, open, Account, Audit, AuditParams, Detector, ExportShape,
    FeatureExtractor, FeatureSet, FieldGroup, Format, Label, Model, Preset, ReadOptions,
    TrainingSet,
};
use indicatif::ProgressBar;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The fake shares of the mixes.
const MIX_FAKE_SHARES: [f64; 3] = [0.2, 0.5, 0.8];
/// The RTbust file, under the data directory.
const RTBUST: &str = "botometer-2019/cresci-rtbust-2019/cresci-rtbust-2019_tweets.json";
/// Its crawl time (its latest tweet), as the preset gives for its humans.
const RTBUST_AS_OF: &str = "2019-05-17T21:56:15Z";

/// The whole section, as written to the JSON under `generalization`.
#[derive(Serialize)]
pub struct Generalization {
    /// Seed of the forests, the mixes and the audits' bootstraps.
    pub seed: u64,
    /// Largest mix drawn.
    pub max_mix_size: usize,
    /// Leave-one-source-out detection, one entry per preset and shape.
    pub detection: Vec<LosoDetection>,
    /// Every audited mix.
    pub mixes: Vec<MixRow>,
    /// Every all-genuine list (fake share 0) audited by the model fitted without its source.
    pub all_genuine: Vec<MixRow>,
    /// Per preset and shape: the mixes' errors and coverage.
    pub summaries: Vec<MixSummary>,
    /// Accounts of a kind the model was not trained to find.
    pub out_of_scope: Vec<OutOfScope>,
    /// Seconds the section took.
    pub seconds: f64,
}

/// Leave-one-source-out detection for one preset and shape.
#[derive(Serialize)]
pub struct LosoDetection {
    pub preset: String,
    /// `full`, `api_v2` or `counts_only`.
    pub shape: String,
    /// The groups the models read.
    pub fields: String,
    /// 10-fold cross-validated MCC of the model fitted on every source (in-sample: its folds
    /// mix every source).
    pub in_sample_cv_mcc: f64,
    pub sources: Vec<LosoSource>,
}

/// One left-out source, scored by the model fitted without it.
#[derive(Serialize)]
pub struct LosoSource {
    pub source: String,
    pub rows: usize,
    pub fake: usize,
    pub genuine: usize,
    /// The model's threshold on P(fake).
    pub threshold: f64,
    /// Fake rows called fake (none when the source has no fake row).
    pub recall: Option<f64>,
    /// Genuine rows called fake (none when the source has no genuine row).
    pub false_positive_rate: Option<f64>,
    /// Matthews correlation, where both classes exist.
    pub mcc: Option<f64>,
    pub mean_p_fake_of_fakes: Option<f64>,
    pub mean_p_fake_of_genuine: Option<f64>,
}

/// One audited list.
#[derive(Serialize, Clone)]
pub struct MixRow {
    pub preset: String,
    pub shape: String,
    /// The source of the fakes (none in an all-genuine list).
    pub fake_source: Option<String>,
    pub genuine_source: String,
    /// The sources the model was fitted without.
    pub left_out: Vec<String>,
    pub n: usize,
    pub n_fake: usize,
    pub truth_genuine: f64,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub covered: bool,
    pub abs_error: f64,
    pub width: f64,
    pub shift_level: String,
    pub shift_weight: f64,
    pub shift_outside: f64,
    /// Share of the list's scores in the model's uncertain band, and the validation share.
    pub shift_unsure: f64,
    pub shift_unsure_expected: f64,
    /// Every estimator's genuine share and interval: `(method, estimate, ci_low, ci_high)`.
    pub methods: Vec<(String, f64, f64, f64)>,
}

/// The mixes of one preset and shape.
#[derive(Serialize)]
pub struct MixSummary {
    pub preset: String,
    pub shape: String,
    pub mixes: usize,
    pub mean_abs_error: f64,
    pub max_abs_error: f64,
    /// The mix with the largest error: `fake source + genuine source @ fake share`.
    pub worst: String,
    pub coverage: f64,
    pub mean_width: f64,
    /// Mixes whose shift was high, moderate, low.
    pub shift_high: usize,
    pub shift_moderate: usize,
    pub shift_low: usize,
    /// All-genuine lists whose genuine estimate was at least 0.95, of how many.
    pub all_genuine_ge_95: usize,
    pub all_genuine_lists: usize,
    /// Per estimator over the same mixes: `(method, mean absolute error, coverage)`.
    pub methods: Vec<(String, f64, f64)>,
}

/// Accounts outside the product's question, scored by a model trained on every source.
#[derive(Serialize)]
pub struct OutOfScope {
    pub accounts: String,
    pub model: String,
    pub rows: usize,
    pub called_fake_share: f64,
    pub mean_p_fake: f64,
}

/// Runs the section on `presets`.
pub fn run(
    data: &Path,
    presets: &[Preset],
    seed: u64,
    max_mix_size: usize,
    progress: &ProgressBar,
) -> Result<Generalization, Box<dyn Error>> {
    let start = std::time::Instant::now();
    let mut out = Generalization {
        seed,
        max_mix_size,
        detection: Vec::new(),
        mixes: Vec::new(),
        all_genuine: Vec::new(),
        summaries: Vec::new(),
        out_of_scope: Vec::new(),
        seconds: 0.0,
    };
    for &preset in presets {
        let pi = preset as u64;
        let training = preset.training_set(data)?;
        let sources = read_accounts(preset, data)?;
        let params = preset.params(seed);
        let k_sources = training.sources().len();
        for (shape_name, export) in export_shapes(preset) {
            // The export carries `export`; its model reads the preset's usable groups of it.
            let shape = preset.usable(&export);
            // 1. Leave-one-source-out detection; the models are kept for the all-genuine lists.
            progress.set_message(format!("{} {shape_name}: all sources", preset.name()));
            let all = training.fit(&shape, &params)?;
            let mut loso = LosoDetection {
                preset: preset.name().into(),
                shape: shape_name.into(),
                fields: training.trainable(&shape).describe(),
                in_sample_cv_mcc: all.provenance().cv.per_variant[0].metrics.mcc,
                sources: Vec::new(),
            };
            let mut loso_models = Vec::new();
            progress.inc_length(k_sources as u64);
            for k in 0..k_sources {
                progress.set_message(format!(
                    "{} {shape_name}: without {}",
                    preset.name(),
                    training.sources()[k].name
                ));
                let t = training.without(&[k]);
                let model = t.fit(&shape, &params)?;
                let rows = training.rows_of(k);
                let x = training.matrix(&t.trainable(&shape), Some(&rows));
                let p = model.predict_proba(&x)?.to_vec();
                let y: Vec<Label> = rows.iter().map(|&i| training.labels()[i]).collect();
                loso.sources.push(loso_source(
                    &training.sources()[k].name,
                    &y,
                    &p,
                    model.threshold(),
                )?);
                loso_models.push(model);
                progress.inc(1);
            }
            out.detection.push(loso);

            // The out-of-scope check, with the full-shape Twitter model on every source.
            if preset == Preset::Twitter && shape_name == "full" {
                out.out_of_scope.push(rtbust_bots(data, &all)?);
            }

            // 2. Mixes of a left-out fake source and a left-out genuine source.
            let fake_srcs: Vec<usize> = (0..k_sources)
                .filter(|&k| has(&sources[k], Label::Fake))
                .collect();
            let genuine_srcs: Vec<usize> = (0..k_sources)
                .filter(|&k| has(&sources[k], Label::Genuine))
                .collect();
            let absent = export.absent();
            progress.inc_length((fake_srcs.len() * genuine_srcs.len()) as u64);
            let mut rows = Vec::new();
            for &f in &fake_srcs {
                for &g in &genuine_srcs {
                    // Twitter/X sources hold one class each, so f == g does not arise there;
                    // an Instagram source with both classes is left out alone.
                    let drop: Vec<usize> = if f == g { vec![f] } else { vec![f, g] };
                    progress.set_message(format!(
                        "{} {shape_name}: mixes of {} + {}",
                        preset.name(),
                        sources[f].name,
                        sources[g].name
                    ));
                    let t = training.without(&drop);
                    let model = t.fit(&shape, &params)?;
                    let fakes = of_label(&sources[f].accounts, Label::Fake);
                    let genuine = of_label(&sources[g].accounts, Label::Genuine);
                    for (si, &share) in MIX_FAKE_SHARES.iter().enumerate() {
                        // The same accounts for every shape: only the blanked fields differ.
                        let s = mix_seed(seed, &[pi, f as u64, g as u64, si as u64]);
                        let (mix, n_fake) =
                            draw_mix(&fakes, &genuine, share, max_mix_size, &absent, s);
                        let mut row = audit_mix(&model, &t, mix, n_fake, s)?;
                        row.preset = preset.name().into();
                        row.shape = shape_name.into();
                        row.fake_source = Some(sources[f].name.clone());
                        row.genuine_source = sources[g].name.clone();
                        row.left_out = drop.iter().map(|&k| sources[k].name.clone()).collect();
                        rows.push(row);
                    }
                    progress.inc(1);
                }
            }
            // All-genuine lists, each audited by the model fitted without its source.
            let mut checks = Vec::new();
            for &g in &genuine_srcs {
                let genuine = of_label(&sources[g].accounts, Label::Genuine);
                let s = mix_seed(seed, &[pi, 1000, g as u64]);
                let (mix, n_fake) = draw_mix(&[], &genuine, 0.0, max_mix_size, &absent, s);
                let t = training.without(&[g]);
                let mut row = audit_mix(&loso_models[g], &t, mix, n_fake, s)?;
                row.preset = preset.name().into();
                row.shape = shape_name.into();
                row.genuine_source = sources[g].name.clone();
                row.left_out = vec![sources[g].name.clone()];
                checks.push(row);
            }
            out.summaries
                .push(summarise(preset, shape_name, &rows, &checks));
            out.mixes.extend(rows);
            out.all_genuine.extend(checks);
        }
    }
    out.seconds = start.elapsed().as_secs_f64();
    Ok(out)
}

/// The presets whose every source file is under `data`, and a note for each of the others.
pub fn presets_present(data: &Path) -> (Vec<Preset>, Vec<(String, String)>) {
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for preset in [Preset::Twitter, Preset::Instagram] {
        let absent: Vec<&str> = preset
            .sources()
            .iter()
            .flat_map(|s| s.files.iter().map(|(f, _)| *f))
            .filter(|f| !data.join(f).is_file())
            .collect();
        if absent.is_empty() {
            present.push(preset);
        } else {
            missing.push((
                format!("generalization ({})", preset.name()),
                format!("missing under the data directory: {}", absent.join(", ")),
            ));
        }
    }
    (present, missing)
}

/// The export shapes the generalization is measured on: what a full export (a Cresci CSV, API
/// v1.1 objects), an X API v2 export (no likes, theme, background image or geo flag) and a
/// counts-only CSV carry; Instagram exports in full.
fn export_shapes(preset: Preset) -> Vec<(&'static str, ExportShape)> {
    use follower_audit::FieldGroup::*;
    match preset {
        Preset::Twitter => vec![
            ("full", ExportShape::full()),
            (
                "api_v2",
                ExportShape::new([
                    CreatedAt,
                    Counts,
                    Listed,
                    Name,
                    ScreenName,
                    Description,
                    Url,
                    Location,
                    Image,
                    Verified,
                    Protected,
                ]),
            ),
            ("counts_only", ExportShape::new([Counts])),
        ],
        // Instagram, and any platform a later version adds: exports in full.
        _ => vec![("full", ExportShape::full())],
    }
}

/// The sources' accounts, in the training set's order, each measured at its source's crawl
/// time when it carries none.
fn read_accounts(
    preset: Preset,
    data: &Path,
) -> Result<Vec<follower_audit::SourceAccounts>, Box<dyn Error>> {
    let mut sources = preset.read_sources(data)?;
    for s in &mut sources {
        for a in &mut s.accounts {
            if a.profile.crawled_at.is_none() {
                a.profile.crawled_at = s.as_of;
            }
        }
    }
    Ok(sources)
}

fn has(s: &follower_audit::SourceAccounts, label: Label) -> bool {
    s.accounts.iter().any(|a| a.label == Some(label))
}

fn of_label(accounts: &[Account], label: Label) -> Vec<&Account> {
    accounts.iter().filter(|a| a.label == Some(label)).collect()
}

/// The rates of a left-out source.
fn loso_source(
    name: &str,
    y: &[Label],
    p: &[f64],
    threshold: f64,
) -> Result<LosoSource, Box<dyn Error>> {
    let of = |label: Label| -> Vec<f64> {
        y.iter()
            .zip(p)
            .filter(|(l, _)| **l == label)
            .map(|(_, &p)| p)
            .collect()
    };
    let (fake, genuine) = (of(Label::Fake), of(Label::Genuine));
    let called = |v: &[f64]| {
        (!v.is_empty())
            .then(|| v.iter().filter(|&&p| p >= threshold).count() as f64 / v.len() as f64)
    };
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let mcc = if fake.is_empty() || genuine.is_empty() {
        None
    } else {
        Some(ConfusionMatrix::new(y, p, threshold)?.mcc())
    };
    Ok(LosoSource {
        source: name.into(),
        rows: y.len(),
        fake: fake.len(),
        genuine: genuine.len(),
        threshold,
        recall: called(&fake),
        false_positive_rate: called(&genuine),
        mcc,
        mean_p_fake_of_fakes: mean(&fake),
        mean_p_fake_of_genuine: mean(&genuine),
    })
}

/// A seed from the run's seed and the position of a mix.
fn mix_seed(seed: u64, parts: &[u64]) -> u64 {
    // splitmix64 over the parts: fixed, documented, no dependency on std's hasher.
    let mut h = seed;
    for &p in parts {
        h = h.wrapping_add(p).wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h = z ^ (z >> 31);
    }
    h
}

/// A seeded mix without replacement: the largest n up to `max_n` that both classes can supply
/// at fake share `share`, shuffled, with the groups in `absent` blanked. Returns the mix and
/// its number of fakes.
fn draw_mix(
    fakes: &[&Account],
    genuine: &[&Account],
    share: f64,
    max_n: usize,
    absent: &[follower_audit::FieldGroup],
    seed: u64,
) -> (Vec<Account>, usize) {
    let split = |n: usize| {
        let f = (share * n as f64).round() as usize;
        (f, n - f)
    };
    let n = (1..=max_n)
        .rev()
        .find(|&n| {
            let (f, g) = split(n);
            f <= fakes.len() && g <= genuine.len()
        })
        .unwrap_or(0);
    let (nf, ng) = split(n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut mix: Vec<Account> = Vec::with_capacity(n);
    for (pool, k) in [(fakes, nf), (genuine, ng)] {
        for i in rand::seq::index::sample(&mut rng, pool.len(), k) {
            mix.push(FieldGroup::masked(pool[i], absent));
        }
    }
    mix.shuffle(&mut rng);
    (mix, nf)
}

/// Audits a mix through the real path: probe, then run.
fn audit_mix(
    model: &Model,
    training: &TrainingSet,
    mix: Vec<Account>,
    n_fake: usize,
    seed: u64,
) -> Result<MixRow, Box<dyn Error>> {
    let n = mix.len();
    let truth = (n - n_fake) as f64 / n as f64;
    let report = Audit::new(model, AuditParams::default().seed(seed))
        .probe(&mix, training)?
        .run("mix", mix.into_iter().map(Ok))?;
    let g = &report.genuine_share;
    let shift = report
        .shift
        .as_ref()
        .ok_or("the probed audit reports no shift")?;
    Ok(MixRow {
        preset: String::new(),
        shape: String::new(),
        fake_source: None,
        genuine_source: String::new(),
        left_out: Vec::new(),
        n,
        n_fake,
        truth_genuine: truth,
        estimate: g.estimate,
        ci_low: g.ci_low,
        ci_high: g.ci_high,
        covered: g.ci_low <= truth && truth <= g.ci_high,
        abs_error: (g.estimate - truth).abs(),
        width: g.ci_high - g.ci_low,
        shift_level: shift.level.to_string(),
        shift_weight: shift.weight,
        shift_outside: shift.outside_support,
        shift_unsure: shift.uncertain_share.unwrap_or(f64::NAN),
        shift_unsure_expected: shift.uncertain_expected.unwrap_or(f64::NAN),
        methods: report
            .estimates
            .iter()
            .map(|e| (e.method.name().to_string(), e.estimate, e.ci_low, e.ci_high))
            .collect(),
    })
}

fn summarise(preset: Preset, shape: &str, rows: &[MixRow], checks: &[MixRow]) -> MixSummary {
    let n = rows.len().max(1) as f64;
    let worst = rows
        .iter()
        .max_by(|a, b| a.abs_error.total_cmp(&b.abs_error));
    let level = |l: &str| rows.iter().filter(|r| r.shift_level == l).count();
    MixSummary {
        preset: preset.name().into(),
        shape: shape.into(),
        mixes: rows.len(),
        mean_abs_error: rows.iter().map(|r| r.abs_error).sum::<f64>() / n,
        max_abs_error: worst.map_or(0.0, |r| r.abs_error),
        worst: worst.map_or(String::new(), mix_name),
        coverage: rows.iter().filter(|r| r.covered).count() as f64 / n,
        mean_width: rows.iter().map(|r| r.width).sum::<f64>() / n,
        shift_high: level("high"),
        shift_moderate: level("moderate"),
        shift_low: level("low"),
        all_genuine_ge_95: checks.iter().filter(|r| r.estimate >= 0.95).count(),
        all_genuine_lists: checks.len(),
        methods: rows
            .first()
            .map(|r| r.methods.iter().map(|m| m.0.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(j, name)| {
                let err = rows
                    .iter()
                    .map(|r| (r.methods[j].1 - r.truth_genuine).abs())
                    .sum::<f64>()
                    / n;
                let cov = rows
                    .iter()
                    .filter(|r| {
                        r.methods[j].2 <= r.truth_genuine && r.truth_genuine <= r.methods[j].3
                    })
                    .count() as f64
                    / n;
                (name, err, cov)
            })
            .collect(),
    }
}

/// `fakes of F + genuine of G @ fake share`.
pub fn mix_name(r: &MixRow) -> String {
    format!(
        "{} + {} @ {:.0}% fake",
        r.fake_source.as_deref().unwrap_or("-"),
        r.genuine_source,
        100.0 * r.n_fake as f64 / r.n as f64
    )
}

/// The RTbust retweet bots scored by `model`.
fn rtbust_bots(data: &Path, model: &Model) -> Result<OutOfScope, Box<dyn Error>> {
    let as_of: DateTime<Utc> = RTBUST_AS_OF.parse()?;
    let opts = ReadOptions::default().format(Format::Botometer);
    let mut bots = Vec::new();
    for a in open(data.join(RTBUST), &opts)? {
        let mut a = a?;
        if a.label != Some(Label::Fake) {
            continue;
        }
        if a.profile.crawled_at.is_none() {
            a.profile.crawled_at = Some(as_of);
        }
        bots.push(a);
    }
    let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&bots);
    let p = model.predict_proba(&x)?;
    let n = p.len().max(1) as f64;
    Ok(OutOfScope {
        accounts: "botometer-2019/cresci-rtbust-2019 retweet bots (label bot)".into(),
        model: "twitter, full shape, trained on every source".into(),
        rows: p.len(),
        called_fake_share: p.iter().filter(|&&v| v >= model.threshold()).count() as f64 / n,
        mean_p_fake: p.sum() / n,
    })
}

/// The section as markdown tables.
pub fn markdown(g: &Generalization) -> String {
    use std::fmt::Write as _;
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    let pct = |v: f64| format!("{:.1}%", 100.0 * v);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### Generalization: leave-one-source-out (seed {}; each source scored by a model fitted without it)\n",
        g.seed
    );
    for d in &g.detection {
        let _ = writeln!(
            s,
            "#### Detection, {} {} export (model reads: {}); in-sample 10-fold CV MCC on every source {:.3}\n",
            d.preset, d.shape, d.fields, d.in_sample_cv_mcc
        );
        let _ = writeln!(
            s,
            "| left-out source | rows | fake | recall | false-positive rate | MCC | mean P(fake), fakes | mean P(fake), genuine |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in &d.sources {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.source,
                r.rows,
                r.fake,
                opt(r.recall),
                opt(r.false_positive_rate),
                opt(r.mcc),
                opt(r.mean_p_fake_of_fakes),
                opt(r.mean_p_fake_of_genuine)
            );
        }
        let _ = writeln!(s);
    }
    for o in &g.out_of_scope {
        let _ = writeln!(
            s,
            "Out of scope: {} ({} accounts), scored by the {}: {} called fake, mean P(fake) {:.3}.\n",
            o.accounts,
            o.rows,
            o.model,
            pct(o.called_fake_share),
            o.mean_p_fake
        );
    }
    let _ = writeln!(
        s,
        "#### Share error of mixes of left-out sources (fake shares 20/50/80%, up to {} accounts, audited by `Audit::probe` + `run`, PACC, 95% interval)\n",
        g.max_mix_size
    );
    let _ = writeln!(
        s,
        "| preset | shape | mixes | mean abs. error | max error | worst mix | 95% coverage | mean width | shift high / moderate / low | all-genuine lists >= 95% |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---|---:|---:|---|---:|");
    for m in &g.summaries {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} | {:.3} | {} | {:.3} | {:.3} | {} / {} / {} | {} of {} |",
            m.preset,
            m.shape,
            m.mixes,
            m.mean_abs_error,
            m.max_abs_error,
            m.worst,
            m.coverage,
            m.mean_width,
            m.shift_high,
            m.shift_moderate,
            m.shift_low,
            m.all_genuine_ge_95,
            m.all_genuine_lists
        );
    }
    let _ = writeln!(
        s,
        "\n#### Every estimator on the same mixes: mean absolute error / 95% coverage\n"
    );
    if let Some(first) = g.summaries.first() {
        let names: Vec<&str> = first.methods.iter().map(|m| m.0.as_str()).collect();
        let _ = writeln!(s, "| preset | shape | {} |", names.join(" | "));
        let _ = writeln!(s, "|---|---|{}", "---:|".repeat(names.len()));
        for m in &g.summaries {
            let cells: Vec<String> = m
                .methods
                .iter()
                .map(|(_, e, c)| format!("{e:.3} / {c:.2}"))
                .collect();
            let _ = writeln!(s, "| {} | {} | {} |", m.preset, m.shape, cells.join(" | "));
        }
    }
    let mut worst: Vec<&MixRow> = g.mixes.iter().collect();
    worst.sort_by(|a, b| b.abs_error.total_cmp(&a.abs_error));
    let _ = writeln!(s, "\n#### The 10 worst mixes\n");
    mix_table(&mut s, worst.iter().take(10).copied());
    let _ = writeln!(
        s,
        "\n#### All-genuine lists (each audited by the model fitted without its source)\n"
    );
    mix_table(&mut s, g.all_genuine.iter());
    let _ = writeln!(s, "\n#### Every mix\n");
    mix_table(&mut s, g.mixes.iter());
    let _ = writeln!(s, "\nSection run time {:.0} s.", g.seconds);
    s
}

fn mix_table<'a>(s: &mut String, rows: impl Iterator<Item = &'a MixRow>) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "| preset | shape | fakes from | genuine from | n | true genuine | estimate | 95% interval | covered | error | width | shift (weight, outside, unsure vs validation) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---:|---:|---:|---|---|---:|---:|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} to {:.3} | {} | {:.3} | {:.3} | {} ({:.2}, {:.2}, {:.2} vs {:.2}) |",
            r.preset,
            r.shape,
            r.fake_source.as_deref().unwrap_or("-"),
            r.genuine_source,
            r.n,
            r.truth_genuine,
            r.estimate,
            r.ci_low,
            r.ci_high,
            if r.covered { "yes" } else { "**no**" },
            r.abs_error,
            r.width,
            r.shift_level,
            r.shift_weight,
            r.shift_outside,
            r.shift_unsure,
            r.shift_unsure_expected
        );
    }
}
