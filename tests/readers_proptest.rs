//! Property tests: no input makes a reader panic, and the statistics always add up.
use follower_audit::{AccountReader, Format, Mode, ReadOptions};
use proptest::prelude::*;

/// Reads `bytes` completely and checks the statistics; any error is fine, a panic is not.
fn read_all(bytes: Vec<u8>, format: Option<Format>, mode: Mode) {
    let mut options = ReadOptions::default().mode(mode);
    if let Some(f) = format {
        options = options.format(f);
    }
    let Ok(mut reader) = AccountReader::from_reader(std::io::Cursor::new(bytes), &options) else {
        return;
    };
    let mut yielded = 0u64;
    let mut errors = 0u64;
    let mut fatal = 0u64;
    for item in reader.by_ref() {
        yielded += 1;
        if let Err(e) = item {
            errors += 1;
            fatal += u64::from(!e.is_duplicate());
            assert!(!e.to_string().is_empty());
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
        // Duplicates are reported and read past.
        assert!(
            fatal <= 1,
            "strict mode stops at the first malformed record"
        );
    }
}

/// Headers (and openings) that steer arbitrary bytes deep into each reader.
const PREFIXES: [&str; 9] = [
    "",
    "id,screen_name,followers_count,created_at,default_profile,updated\n",
    "profile pic,nums/length username,fullname words,nums/length fullname,name==username,description length,external URL,private,#posts,#followers,#follows,fake\n",
    "\"Profile.URL\",\"rating\",\"Username\",\"Number.of.posts\",\"Number.of.people.they.follow\",\"Number.of.followers\",\"has_profile_picture\",\"Private.account\"\n",
    "[{\"screen_name\": \"a\", \"followers_count\": ",
    "{\"data\": [{\"id\": \"1\", \"username\": \"a\", \"public_metrics\": ",
    "[{\"userFollowerCount\": 1, \"isFake\": ",
    "{\"username\": \"a\", \"follower_count\": 1}\n{\"username\": ",
    "[{\"idstr\": \"1\", \"screen_name\": \"a\", \"verified_type\": -1, \"created_at\": \"",
];

fn format_choice() -> impl Strategy<Value = Option<Format>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(Format::ALL.to_vec()).prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        format in format_choice(),
        lenient in any::<bool>(),
    ) {
        let mode = if lenient { Mode::Lenient } else { Mode::Strict };
        read_all(bytes, format, mode);
    }

    #[test]
    fn arbitrary_records_after_a_real_header_never_panic(
        prefix in 0..PREFIXES.len(),
        body in proptest::collection::vec(
            prop_oneof![
                Just(b','), Just(b'"'), Just(b'\n'), Just(b'{'), Just(b'}'), Just(b'['),
                Just(b']'), Just(b':'), Just(b'\\'), Just(b'-'), Just(b'.'), Just(0xff),
                b'0'..=b'9', b'a'..=b'z',
            ],
            0..400,
        ),
        format in format_choice(),
        parallel in any::<bool>(),
    ) {
        let mut bytes = PREFIXES[prefix].as_bytes().to_vec();
        bytes.extend(body);
        read_all(bytes.clone(), format, Mode::Lenient);
        // Parallel conversion gives the same statistics as sequential reading.
        let run = |parallel: bool| {
            let mut options = ReadOptions::default().mode(Mode::Lenient).parallel(parallel);
            if let Some(f) = format {
                options = options.format(f);
            }
            AccountReader::from_reader(std::io::Cursor::new(bytes.clone()), &options).ok().map(|mut r| {
                let items: Vec<String> = r.by_ref().map(|i| format!("{i:?}")).collect();
                (items, r.stats().accepted)
            })
        };
        prop_assert_eq!(run(false), run(parallel));
    }
}
