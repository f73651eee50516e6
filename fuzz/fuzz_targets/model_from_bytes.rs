//! `Model::from_bytes` on arbitrary bytes: an error or a model, never a panic; and a model that
//! loads can score, explain and re-serialize without panicking.
//!
//! Input layout: one control byte, then the rest.
//! - control even: the rest is a whole model file (magic, version, length, checksum, payload);
//! - control odd: the rest is a payload, wrapped in a correct header (magic, version, length and
//!   FNV-1a checksum) so that the fuzzer gets past the checksum and into the decoder and the
//!   model's consistency checks.
#![no_main]

use follower_audit::{Detector, FeatureMatrix, Model, MODEL_FORMAT_VERSION, MODEL_MAGIC};
use libfuzzer_sys::fuzz_target;

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn wrap(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(28 + payload.len());
    out.extend_from_slice(&MODEL_MAGIC);
    out.extend_from_slice(&MODEL_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let bytes = if ctl & 1 == 1 {
        wrap(rest)
    } else {
        rest.to_vec()
    };
    let model = match Model::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    // A model that loads must be usable: score a few rows of its own schema.
    let schema = model.schema().clone();
    let cols = schema.len();
    let rows = 3;
    let fill = [0.0, 1.0, -1.0e6, 3.5, 1.0e12, -0.25];
    let values: Vec<f64> = (0..rows * cols).map(|i| fill[i % fill.len()]).collect();
    let Ok(x) = ndarray::Array2::from_shape_vec((rows, cols), values) else {
        return;
    };
    let Ok(x) = FeatureMatrix::new(schema, x) else {
        return;
    };
    if let Ok(p) = model.predict_proba(&x) {
        assert_eq!(p.len(), rows);
        for v in p.iter() {
            assert!(!v.is_nan(), "P(fake) is NaN");
        }
    }
    let _ = model.predict(&x);
    let _ = model.explain(&x, 0);
    // What loads saves to bytes that load back and save to the same bytes. (Bytes, not
    // `Model == Model`: a fuzzed model may hold NaN metrics in its provenance, and NaN != NaN.)
    let again = model.to_bytes().expect("a loaded model serializes");
    let back = Model::from_bytes(&again).expect("a saved model loads");
    assert_eq!(
        back.to_bytes().expect("serializes"),
        again,
        "save/load is not stable"
    );
});
