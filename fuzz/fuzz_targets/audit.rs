//! The whole pipeline on arbitrary input: reader (lenient) -> features -> default model ->
//! share estimates, bursts and report. Never a panic; the report's counts always add up.
//!
//! Input layout: one control byte, then the file's bytes.
//! - bits 0-3: the format (0-7: `Format::ALL[i]`; 8-15: detect);
//! - bit 4: draw a sample of 5 followers;
//! - bit 5: measure ages at a fixed `as_of` (else each record's crawl time, clock fixed).
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use follower_audit::{
    AccountReader, Audit, AuditParams, Format, Mode, Model, Platform, ReadOptions,
};
use libfuzzer_sys::fuzz_target;

fn models() -> &'static (Model, Model) {
    static MODELS: OnceLock<(Model, Model)> = OnceLock::new();
    MODELS.get_or_init(|| (Model::default_twitter(), Model::default_instagram()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    let mut options = ReadOptions::default()
        .origin("fuzz-input")
        .mode(Mode::Lenient);
    if let Some(&f) = Format::ALL.get(usize::from(ctl & 0x0f)) {
        options = options.format(f);
    }
    let Ok(reader) = AccountReader::from_reader(Cursor::new(body.to_vec()), &options) else {
        return;
    };
    let (twitter, instagram) = models();
    let model = if reader.format().platform() == Platform::Instagram {
        instagram
    } else {
        twitter
    };
    let clock = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut params = AuditParams::default().bootstrap(10).clock(clock).seed(7);
    if ctl & 0x10 != 0 {
        params = params.sample(5);
    }
    if ctl & 0x20 != 0 {
        params = params.as_of(Utc.with_ymd_and_hms(2016, 6, 1, 0, 0, 0).unwrap());
    }
    let report = match Audit::new(model, params).run("fuzz-input", reader) {
        Ok(r) => r,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(
        report.records_read,
        report.scored + report.rejected + report.not_sampled,
        "records_read = scored + rejected + not_sampled"
    );
    assert_eq!(report.rejected as usize, report.rejections.len());
    assert!(report.duplicates <= report.rejected);
    let g = &report.genuine_share;
    assert!(g.estimate.is_finite() && g.ci_low.is_finite() && g.ci_high.is_finite());
    assert!(g.ci_low <= g.ci_high);
    serde_json::to_string(&report).expect("a report serializes");
});
