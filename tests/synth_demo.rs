//! The bundled demo list is exactly what the generator makes from `synth::demo_spec()`: it is
//! regenerated in memory and compared byte for byte, so it is never edited by hand.

use std::path::PathBuf;

use follower_audit::synth::{self, demo_spec, Truth};
use follower_audit::{AccountReader, Format, Label, ReadOptions};

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/demo")
}

#[test]
fn demo_followers_file_is_the_generator_output() {
    let generator = demo_spec().build().unwrap();
    let mut expected = Vec::new();
    synth::write_twitter_v1_jsonl(&mut expected, generator.iter()).unwrap();
    let committed = std::fs::read(demo_dir().join("followers.jsonl")).unwrap();
    assert!(
        committed == expected,
        "datasets/demo/followers.jsonl differs from the generator's output ({} vs {} bytes); \
         regenerate it with the command in datasets/demo/README.md",
        committed.len(),
        expected.len()
    );
    assert!(
        committed.len() < 3_000_000,
        "demo file is {} bytes",
        committed.len()
    );
}

#[test]
fn demo_truth_file_is_the_generator_truth() {
    let truth = demo_spec().build().unwrap().truth();
    // The example writes the truth as pretty JSON and a newline.
    let mut expected = serde_json::to_string_pretty(&truth).unwrap();
    expected.push('\n');
    let committed = std::fs::read_to_string(demo_dir().join("truth.json")).unwrap();
    assert_eq!(committed, expected);
    let parsed: Truth = serde_json::from_str(&committed).unwrap();
    // (serde_json's default float parsing may differ in the last bit, so compare counts.)
    assert_eq!(parsed.fake_count, truth.fake_count);
    assert_eq!(parsed.bursts[0].fake_count, truth.bursts[0].fake_count);
    // What the demo is for: a known share and one clear burst.
    assert_eq!(parsed.bursts.len(), 1);
    assert!(parsed.bursts[0].fake_share > 0.8);
    assert!(parsed.fake_share > 0.15 && parsed.fake_share < 0.3);
}

#[test]
fn demo_reads_back_with_the_truth_labels_count() {
    let options = ReadOptions::default().format(Format::TwitterV1);
    let reader = AccountReader::open(demo_dir().join("followers.jsonl"), &options).unwrap();
    let accounts: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    let generator = demo_spec().build().unwrap();
    assert_eq!(accounts.len() as u64, generator.len());
    let fakes = (0..generator.len())
        .filter(|&i| generator.label(i) == Some(Label::Fake))
        .count() as u64;
    assert_eq!(fakes, generator.truth().fake_count);
    // Same followers, same order: the ids match position by position.
    for (i, a) in accounts.iter().enumerate().step_by(97) {
        assert_eq!(
            a.profile.id,
            generator.account(i as u64).unwrap().profile.id
        );
    }
}
