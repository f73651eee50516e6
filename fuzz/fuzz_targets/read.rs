//! Every reader, both modes, sequential and chunked: arbitrary bytes never panic, and the
//! reader's statistics always account for every record it yielded.
//!
//! Input layout: one control byte, then the file's bytes.
//! - bits 0-3: the format (0-7: `Format::ALL[i]`; 8-15: detect from the content);
//! - bit 4: lenient (else strict);
//! - bit 5: parallel conversion in chunks of 3 records (else sequential);
//! - bit 6: duplicate check off;
//! - bit 7: the body holds a tweets file too: everything after the first 0x00 byte is written
//!   to a scratch file and joined as `ReadOptions::tweets` (Cresci CSV only; other formats must
//!   refuse it with an error).
#![no_main]

use std::io::Cursor;

use follower_audit::{AccountReader, Format, Mode, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    let mut options = ReadOptions::default().origin("fuzz-input");
    if let Some(&f) = Format::ALL.get(usize::from(ctl & 0x0f)) {
        options = options.format(f);
    }
    let mode = if ctl & 0x10 != 0 {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    options = options.mode(mode);
    if ctl & 0x20 != 0 {
        options = options.parallel(true);
    }
    if ctl & 0x40 != 0 {
        options = options.check_duplicates(false);
    }
    let mut users = body;
    if ctl & 0x80 != 0 {
        if let Some(cut) = body.iter().position(|&b| b == 0) {
            users = &body[..cut];
            let path = std::env::temp_dir().join(format!(
                "follower-audit-fuzz-tweets-{}.csv",
                std::process::id()
            ));
            std::fs::write(&path, &body[cut + 1..]).expect("scratch file is writable");
            options = options.tweets(path);
        }
    }

    let Ok(mut reader) = AccountReader::from_reader(Cursor::new(users.to_vec()), &options) else {
        return;
    };
    let (mut yielded, mut errors) = (0u64, 0u64);
    for item in reader.by_ref() {
        yielded += 1;
        if let Err(e) = item {
            errors += 1;
            // Every error names the input.
            assert!(
                e.to_string().contains("fuzz-input"),
                "error without origin: {e}"
            );
        }
    }
    let stats = reader.stats();
    assert_eq!(
        stats.records_read, yielded,
        "every record yielded is counted"
    );
    assert_eq!(
        stats.records_read,
        stats.accepted + stats.rejected.len() as u64,
        "records_read = accepted + rejected"
    );
    assert_eq!(
        stats.rejected.len() as u64,
        errors,
        "every error is a kept rejection"
    );
    if mode == Mode::Strict {
        assert!(errors <= 1, "strict mode stops at the first error");
    }
});
