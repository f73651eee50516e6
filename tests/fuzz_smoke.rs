//! The short, in-CI fuzz: mutated fixtures into every reader (both modes, sequential and
//! parallel) and into the audit, and mutated model files into `Model::from_bytes`. Seconds, not
//! minutes; the long runs are the cargo-fuzz targets in `fuzz/` (see docs/reliability.md).
//!
//! Unlike `readers_proptest.rs` (arbitrary bytes after a header), the inputs here start from the
//! real fixtures and edit them a little, the way libFuzzer's mutators do, so that most cases
//! reach deep into the record conversion and the model decoder.
//!
//! Set `FOLLOWER_AUDIT_FUZZ_SEEDS=<dir>` to also write the tiny models trained here into `<dir>`
//! (that is how `fuzz/seeds/model_from_bytes` is made).

mod common;

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use follower_audit::{
    detectors::{
        DecisionTreeParams, GaussianNbParams, LogisticRegressionParams, RandomForestParams,
    },
    AccountReader, Audit, AuditParams, CalibrationMethod, Detector, DetectorParams, FeatureMatrix,
    FeatureSchema, Format, Label, Mode, Model, ModelParams, Platform, ReadOptions,
};
use proptest::prelude::*;

/// Every fixture (well-formed and malformed), read once.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = common::fixtures();
        let mut out = Vec::new();
        for dir in [root.clone(), root.join("malformed"), root.join("hostile")] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            paths.sort();
            for p in paths {
                let bytes = std::fs::read(&p).expect("fixture is readable");
                out.push((p.display().to_string(), bytes));
            }
        }
        assert!(out.len() >= 20, "the fixtures are missing");
        out
    })
}

/// One libFuzzer-style edit of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

/// Bytes that matter to the parsers.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(b','),
        Just(b';'),
        Just(b'\t'),
        Just(b'"'),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b':'),
        Just(b'\\'),
        Just(b'-'),
        Just(b'.'),
        Just(b'e'),
        Just(0u8),
        Just(0xc3),
        Just(0xe9),
        Just(0xff),
        b'0'..=b'9',
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1u8..=255).prop_map(|(i, m)| Edit::Flip(i, m)),
        (at, interesting_byte()).prop_map(|(i, b)| Edit::Set(i, b)),
        (
            at,
            prop_oneof![
                proptest::collection::vec(interesting_byte(), 1..8),
                Just(b"NaN".to_vec()),
                Just(b"inf".to_vec()),
                Just(b"-1".to_vec()),
                Just(b"99999999999999999999999".to_vec()),
                Just(b"1e400".to_vec()),
                Just(b"null".to_vec()),
                Just(b"\"\"".to_vec()),
                Just(b"Wed Oct 10 20:19:24 +0000 2099".to_vec()),
                Just(b"2001-01-01T00:00:00Z".to_vec()),
            ]
        )
            .prop_map(|(i, v)| Edit::Insert(i, v)),
        (at, 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        (at, 1usize..200).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        at.prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len();
    let pos = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
    match edit {
        Edit::Flip(i, m) if len > 0 => bytes[i % len] ^= m,
        Edit::Set(i, b) if len > 0 => bytes[i % len] = *b,
        Edit::Insert(i, v) => {
            let at = pos(*i);
            bytes.splice(at..at, v.iter().copied());
        }
        Edit::Remove(i, n) => {
            let at = pos(*i);
            let end = (at + n).min(len);
            bytes.drain(at..end);
        }
        Edit::Duplicate(i, n) => {
            let at = pos(*i);
            let end = (at + n).min(len);
            let piece = bytes[at..end].to_vec();
            bytes.splice(end..end, piece);
        }
        Edit::Truncate(i) => bytes.truncate(pos(*i)),
        _ => {}
    }
}

fn mutated(fixture: usize, edits: &[Edit]) -> Vec<u8> {
    let all = fixtures();
    let mut bytes = all[fixture % all.len()].1.clone();
    for e in edits {
        apply(&mut bytes, e);
    }
    bytes
}

/// Reads everything and checks the accounting; returns nothing because any error is fine.
fn read_and_check(bytes: Vec<u8>, format: Option<Format>, mode: Mode, parallel: bool) {
    let mut options = ReadOptions::default()
        .mode(mode)
        .origin("smoke-input")
        .parallel(parallel);
    if let Some(f) = format {
        options = options.format(f);
    }
    let Ok(mut reader) = AccountReader::from_reader(Cursor::new(bytes), &options) else {
        return;
    };
    let (mut yielded, mut errors, mut fatal) = (0u64, 0u64, 0u64);
    for item in reader.by_ref() {
        yielded += 1;
        if let Err(e) = item {
            errors += 1;
            fatal += u64::from(!e.is_duplicate());
            assert!(e.to_string().contains("smoke-input"), "no origin in: {e}");
        }
    }
    let stats = reader.stats();
    assert_eq!(stats.records_read, yielded);
    assert_eq!(
        stats.records_read,
        stats.accepted + stats.rejected.len() as u64
    );
    assert_eq!(stats.rejected.len() as u64, errors);
    if mode == Mode::Strict {
        // Duplicates are reported and read past; only one malformed record, the last item.
        assert!(fatal <= 1);
    }
}

fn format_choice() -> impl Strategy<Value = Option<Format>> {
    prop_oneof![
        3 => Just(None),
        1 => proptest::sample::select(Format::ALL.to_vec()).prop_map(Some),
    ]
}

fn default_models() -> &'static (Model, Model) {
    static MODELS: OnceLock<(Model, Model)> = OnceLock::new();
    MODELS.get_or_init(|| (Model::default_twitter(), Model::default_instagram()))
}

// ------------------------------------------------------------------------------ model files

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A model file around `payload`, with a correct header and checksum.
fn wrap(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(28 + payload.len());
    // The magic: a model file's first 8 bytes.
    out.extend_from_slice(&Model::default_twitter().to_bytes().unwrap()[..8]);
    out.extend_from_slice(&Model::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn tiny_matrix() -> (FeatureMatrix, Vec<Label>) {
    let schema = FeatureSchema::new(
        "smoke",
        1,
        vec!["followers".into(), "friends".into(), "posts".into()],
    )
    .expect("valid schema");
    let n = 40;
    let mut values = Vec::with_capacity(n * 3);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let fake = i % 2 == 0;
        let j = i as f64;
        values.extend([
            if fake { j } else { 100.0 + j },
            if fake { 2000.0 - j } else { 200.0 + j },
            ((i * 7) % 13) as f64,
        ]);
        labels.push(if fake { Label::Fake } else { Label::Genuine });
    }
    let x = ndarray::Array2::from_shape_vec((n, 3), values).expect("shape");
    (FeatureMatrix::new(schema, x).expect("finite"), labels)
}

/// One tiny model of each detector kind and calibration (a few kB each).
fn tiny_models() -> &'static [(&'static str, Vec<u8>)] {
    static MODELS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let (x, y) = tiny_matrix();
        let kinds: [(&str, DetectorParams, CalibrationMethod); 4] = [
            (
                "forest-isotonic",
                DetectorParams::RandomForest(
                    RandomForestParams::default()
                        .n_trees(3)
                        .max_depth(Some(3))
                        .seed(1),
                ),
                CalibrationMethod::Isotonic,
            ),
            (
                "logistic-platt",
                DetectorParams::LogisticRegression(LogisticRegressionParams::default()),
                CalibrationMethod::Platt,
            ),
            (
                "nb-none",
                DetectorParams::GaussianNb(GaussianNbParams::default()),
                CalibrationMethod::None,
            ),
            (
                "tree-isotonic",
                DetectorParams::DecisionTree(DecisionTreeParams::default().max_depth(Some(3))),
                CalibrationMethod::Isotonic,
            ),
        ];
        let out: Vec<(&str, Vec<u8>)> = kinds
            .into_iter()
            .map(|(name, detector, calibration)| {
                let model = ModelParams::default()
                    .detector(detector)
                    .calibration(calibration)
                    .folds(4)
                    .fit(&x, &y)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, model.to_bytes().expect("serializes"))
            })
            .collect();
        if let Some(dir) = std::env::var_os("FOLLOWER_AUDIT_FUZZ_SEEDS") {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("seed dir");
            for (name, bytes) in &out {
                // The fuzz target's control byte: 0 = a whole file; 1 = a payload to wrap.
                let mut whole = vec![0u8];
                whole.extend_from_slice(bytes);
                std::fs::write(dir.join(format!("{name}.fam")), whole).expect("write seed");
                let mut payload = vec![1u8];
                payload.extend_from_slice(&bytes[28..]);
                std::fs::write(dir.join(format!("{name}.payload")), payload).expect("write seed");
            }
        }
        out
    })
}

/// Loads `bytes`; when that works, the model must score its own schema without panicking.
fn load_and_use(bytes: &[u8]) -> bool {
    let Ok(model) = Model::from_bytes(bytes) else {
        return false;
    };
    let cols = model.schema().len();
    let values: Vec<f64> = (0..2 * cols).map(|i| (i as f64) * 3.5 - 10.0).collect();
    let x = ndarray::Array2::from_shape_vec((2, cols), values).expect("shape");
    if let Ok(x) = FeatureMatrix::new(model.schema().clone(), x) {
        if let Ok(p) = model.predict_proba(&x) {
            assert!(p.iter().all(|v| !v.is_nan()), "NaN P(fake)");
        }
        let _ = model.explain(&x, 1);
    }
    // Bytes, not `Model == Model`: a mutated model may hold NaN metrics, and NaN != NaN.
    let again = model.to_bytes().expect("a loaded model serializes");
    let back = Model::from_bytes(&again).expect("a saved model loads");
    assert_eq!(back.to_bytes().expect("serializes"), again);
    true
}

#[test]
fn tiny_models_round_trip() {
    for (name, bytes) in tiny_models() {
        assert!(load_and_use(bytes), "{name} does not load back");
        assert!(bytes.len() < 16_000, "{name} is {} bytes", bytes.len());
    }
}

#[test]
fn every_truncation_of_a_model_file_is_an_error() {
    for (name, bytes) in tiny_models() {
        for cut in 0..bytes.len() {
            let err = Model::from_bytes(&bytes[..cut]).expect_err(name);
            let msg = err.to_string();
            assert!(
                msg.contains("truncated") || msg.contains("magic"),
                "{name} cut at {cut}: {msg}"
            );
        }
    }
}

#[test]
fn every_truncation_of_a_payload_with_a_valid_header_is_an_error() {
    // The checksum is recomputed, so the decoder itself must notice the missing bytes.
    for (name, bytes) in tiny_models() {
        let payload = &bytes[28..];
        for cut in 0..payload.len() {
            assert!(
                Model::from_bytes(&wrap(&payload[..cut])).is_err(),
                "{name}: a payload cut at {cut} of {} loaded",
                payload.len()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mutated_fixtures_never_panic_a_reader(
        fixture in any::<usize>(),
        edits in proptest::collection::vec(edit(), 0..6),
        format in format_choice(),
        lenient in any::<bool>(),
        parallel in any::<bool>(),
    ) {
        let mode = if lenient { Mode::Lenient } else { Mode::Strict };
        read_and_check(mutated(fixture, &edits), format, mode, parallel);
    }

    #[test]
    fn mutated_model_payloads_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec(edit(), 1..4),
        rewrap in any::<bool>(),
    ) {
        let bytes = &tiny_models()[which].1;
        let out = if rewrap {
            let mut payload = bytes[28..].to_vec();
            for e in &edits {
                apply(&mut payload, e);
            }
            wrap(&payload)
        } else {
            let mut whole = bytes.clone();
            for e in &edits {
                apply(&mut whole, e);
            }
            whole
        };
        load_and_use(&out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn mutated_fixtures_through_the_audit_add_up(
        fixture in any::<usize>(),
        edits in proptest::collection::vec(edit(), 0..4),
        sample in prop_oneof![Just(None), Just(Some(3usize))],
    ) {
        let options = ReadOptions::default().mode(Mode::Lenient).origin("smoke-input");
        let Ok(reader) = AccountReader::from_reader(Cursor::new(mutated(fixture, &edits)), &options)
        else {
            return Ok(());
        };
        let (twitter, instagram) = default_models();
        let model = if reader.format().platform() == Platform::Instagram { instagram } else { twitter };
        let clock = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut params = AuditParams::default().bootstrap(20).clock(clock);
        if let Some(n) = sample {
            params = params.sample(n);
        }
        match Audit::new(model, params).run("smoke-input", reader) {
            Ok(r) => {
                // Every record read is scored, rejected or (only when a sample of 3 was asked
                // for) left out; the sample is never larger than asked.
                match sample {
                    None => {
                        prop_assert_eq!(r.not_sampled, 0);
                        prop_assert_eq!(r.records_read, r.scored + r.rejected);
                    }
                    Some(n) => {
                        prop_assert!(r.scored <= n as u64);
                        prop_assert!(r.scored == n as u64 || r.not_sampled == 0);
                    }
                }
                prop_assert_eq!(r.rejected as usize, r.rejections.len());
                prop_assert!(r.genuine_share.ci_low <= r.genuine_share.ci_high);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
