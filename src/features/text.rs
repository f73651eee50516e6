//! Unicode-aware text measures (characters, not bytes) and the screen-name bigram model.
//!
//! Every helper here works on `&str` without allocating, so that profile extraction stays
//! allocation-free.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Number of characters (Unicode scalar values), not bytes: `"微博用户"` has 4.
#[inline]
pub(crate) fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Number of numeric characters (ASCII digits and other Unicode numerics such as `①`).
#[inline]
pub(crate) fn digit_count(s: &str) -> usize {
    if s.is_ascii() {
        s.bytes().filter(u8::is_ascii_digit).count()
    } else {
        s.chars().filter(|c| c.is_numeric()).count()
    }
}

/// [`char_len`] and [`digit_count`] of `s` in one pass.
#[inline]
pub(crate) fn char_len_and_digits(s: &str) -> (usize, usize) {
    if s.is_ascii() {
        (s.len(), s.bytes().filter(u8::is_ascii_digit).count())
    } else {
        s.chars()
            .fold((0, 0), |(n, d), c| (n + 1, d + usize::from(c.is_numeric())))
    }
}

/// `true` when `s` is empty or only whitespace (as `s.trim().is_empty()`, scanning from the
/// start only).
#[inline]
pub(crate) fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        // An ASCII character that `char::is_whitespace` does not count: not blank.
        Some(&b) if b.is_ascii() && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') => {
            false
        }
        Some(_) => s.trim_start().is_empty(),
    }
}

/// Number of whitespace-separated words; a CJK name without spaces is one word.
#[inline]
pub(crate) fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// `true` when the optional string holds something other than whitespace.
#[inline]
pub(crate) fn non_blank(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !is_blank(s))
}

/// ASCII-case-insensitive substring search, without allocating.
pub(crate) fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if h.len() < n.len() {
        return false;
    }
    // Candidates are where the needle's first byte is, in either case: found with memchr,
    // which skips most of a text in vector-wide steps.
    let last = h.len() - n.len();
    let (lo, up) = (n[0].to_ascii_lowercase(), n[0].to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, &h[..=last])
        .any(|i| h[i + 1..i + n.len()].eq_ignore_ascii_case(&n[1..]))
}

/// `true` for a token that is a link: `http://`, `https://` or `www.` (ASCII case ignored).
#[inline]
pub(crate) fn is_url_token(tok: &str) -> bool {
    let b = tok.as_bytes();
    let starts = |p: &[u8]| b.len() > p.len() && b[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://") || starts(b"www.")
}

/// `true` for an `@user` token (ASCII `@` or full-width `＠`, followed by something).
#[inline]
pub(crate) fn is_mention_token(tok: &str) -> bool {
    let mut c = tok.chars();
    matches!(c.next(), Some('@') | Some('＠'))
        && c.next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `true` for a `#tag` token (ASCII `#` or full-width `＃`, followed by something).
#[inline]
pub(crate) fn is_hashtag_token(tok: &str) -> bool {
    let mut c = tok.chars();
    matches!(c.next(), Some('#') | Some('＃'))
        && c.next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Punctuation as a writer uses it: ASCII punctuation except the `@`, `#` and `_` of handles
/// and tags, the General Punctuation block (dashes, quotes, ellipsis), CJK punctuation
/// (`。，、「」`) and the full-width forms (`！？：；`).
#[inline]
pub(crate) fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_punctuation() && !matches!(c, '@' | '#' | '_')
    } else {
        matches!(c as u32,
            0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F
            | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
    }
}

/// `true` when a biography says the account is a bot: a word `bot`, `bots`, `robot`, `robots`,
/// `chatbot` or `twitterbot` (ASCII case ignored), or the Chinese `机器人` ("robot").
///
/// Matching whole words keeps `Talbot`, `bottle` or `abbot` from counting.
pub(crate) fn says_bot(bio: &str) -> bool {
    const WORDS: [&str; 6] = ["bot", "bots", "robot", "robots", "chatbot", "twitterbot"];
    // "机器人" as UTF-8 bytes, found from its first byte with memchr (as `str::contains`, which
    // sets up a searcher on every call).
    const ROBOT: &[u8] = "机器人".as_bytes();
    let b = bio.as_bytes();
    if memchr::memchr_iter(ROBOT[0], b).any(|i| b[i..].starts_with(ROBOT)) {
        return true;
    }
    // Every word of the list contains "bot": most bios are ruled out by one scan.
    if !contains_ignore_ascii_case(bio, "bot") {
        return false;
    }
    bio.split(|c: char| !c.is_alphanumeric())
        .any(|w| WORDS.iter().any(|b| w.eq_ignore_ascii_case(b)))
}

/// FNV-1a, 64 bit: a fixed, platform-independent hash for duplicate detection.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    #[inline]
    pub(crate) fn bytes(&mut self, bs: &[u8]) {
        for &b in bs {
            self.byte(b);
        }
    }

    #[inline]
    pub(crate) fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes());
    }

    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// Hashes formatted text as it is written, without building the string.
impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Number of symbols of the bigram alphabet: `a`-`z`, `0`-`9`, `_`, "other", boundary.
const N_SYM: usize = 39;
const OTHER: usize = 37;
const BOUNDARY: usize = 38;

#[inline]
fn symbol(c: char) -> usize {
    match c {
        'a'..='z' => c as usize - 'a' as usize,
        'A'..='Z' => c as usize - 'A' as usize,
        '0'..='9' => 26 + (c as usize - '0' as usize),
        '_' => 36,
        _ => OTHER,
    }
}

/// A character bigram model of genuine screen names, for BotometerLite's "screen-name
/// likelihood" feature.
///
/// The alphabet is what Twitter allows in a handle (`a`-`z` case-folded, `0`-`9`, `_`), one
/// "other" symbol for everything else (so a CJK Weibo name is scored, though coarsely) and a
/// boundary symbol at both ends. Probabilities use add-`alpha` smoothing, so every bigram has
/// a positive probability.
///
/// [`BigramModel::builtin`] is learnt from a word list written for this crate (common given
/// names, English words and handle fragments, no digits); [`BigramModel::fit`] learns one from
/// the caller's own genuine screen names (do that inside each training fold, or the feature
/// leaks the labels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BigramModel {
    /// Natural-log probabilities, `N_SYM * N_SYM`, row = previous symbol.
    log_probs: Vec<f64>,
}

/// The word list behind [`BigramModel::builtin`]: given names, common English words and the
/// fragments people put in handles. Written for this crate.
const BUILTIN_WORDS: &str = "\
james john robert michael william david richard joseph thomas charles christopher daniel \
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy \
ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott \
brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron \
jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith \
roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe \
bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell \
bobby mason philip louis mary patricia jennifer linda elizabeth barbara susan jessica sarah \
karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle carol amanda \
dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley \
anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet \
catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina \
joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison \
frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle \
beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori marco luca \
giuseppe giovanni francesco alessandro andrea matteo lorenzo simone davide federico stefano \
paolo roberto fabio massimo luigi antonio sergio carlo giulia chiara francesca sofia martina \
giorgia sara valentina alessia elena silvia federica laura paola anna carla rosa luisa pierre \
jean michel philippe alain nicolas christophe sebastien julien camille manon chloe lea hans \
klaus jurgen stefan wolfgang andreas thomas anja katrin sabine carlos miguel javier pablo diego \
alejandro lucia carmen isabel pilar rafael fernando sergio ahmed ali mohamed omar yusuf fatima \
aisha layla hiroshi kenji yuki sakura wei li ming chen wang zhang liu yang huang zhao \
the and for you that with this have from they will what about when make like time just know \
take people year good some could them see other than then now look only come over think also \
back after work first well even want because these give most love life music news world live \
real official team club daily best blog photo travel food art design style fashion sport \
football soccer game games tech digital media radio film movie book books writer poet artist \
student teacher doctor lawyer coach chef mom dad family friend friends happy smile dream \
sunshine star moon sky sea ocean river mountain city town home house garden coffee tea wine \
beer pizza cake chocolate cookie cat dog bird lion tiger bear wolf fox horse rose lily daisy \
green blue red black white gold silver pink purple orange yellow little big great young old \
new true free open simple sweet wild crazy funny cool happy lucky magic power light dark fire \
water earth wind rain snow summer winter spring autumn morning night day week month weekend \
italia italy rome milano london paris berlin madrid york boston chicago texas florida \
california canada india china japan brazil mexico europe africa america australia \
";

impl BigramModel {
    /// The built-in model, learnt once (add-one smoothing) from a word list written for this
    /// crate. Shared and cheap to call.
    pub fn builtin() -> &'static BigramModel {
        static MODEL: std::sync::OnceLock<BigramModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            BigramModel::fit(BUILTIN_WORDS.split_whitespace(), 1.0)
                .expect("the built-in word list is not empty")
        })
    }

    /// Learns a model from screen names (e.g. the genuine accounts of a training fold) with
    /// add-`alpha` smoothing.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when `alpha` is not a positive finite number;
    /// [`Error::InvalidData`] when no name has a character.
    pub fn fit<I, S>(names: I, alpha: f64) -> Result<BigramModel>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(Error::InvalidParams {
                name: "alpha".into(),
                reason: format!("must be a positive finite number, got {alpha}"),
            });
        }
        let mut counts = vec![0.0f64; N_SYM * N_SYM];
        let mut any = false;
        for name in names {
            let name = name.as_ref();
            if name.is_empty() {
                continue;
            }
            any = true;
            let mut prev = BOUNDARY;
            for c in name.chars() {
                let s = symbol(c);
                counts[prev * N_SYM + s] += 1.0;
                prev = s;
            }
            counts[prev * N_SYM + BOUNDARY] += 1.0;
        }
        if !any {
            return Err(Error::InvalidData(
                "bigram model: no non-empty screen name to learn from".into(),
            ));
        }
        let mut log_probs = vec![0.0f64; N_SYM * N_SYM];
        for a in 0..N_SYM {
            let row = &counts[a * N_SYM..(a + 1) * N_SYM];
            let total: f64 = row.iter().sum::<f64>() + alpha * N_SYM as f64;
            for b in 0..N_SYM {
                log_probs[a * N_SYM + b] = ((row[b] + alpha) / total).ln();
            }
        }
        Ok(BigramModel { log_probs })
    }

    /// The geometric mean of the bigram probabilities of `name` (boundary symbols included),
    /// in (0, 1]; `None` for an empty name.
    pub fn likelihood(&self, name: &str) -> Option<f64> {
        if name.is_empty() {
            return None;
        }
        let (sum, n) = match <&[f64; N_SYM * N_SYM]>::try_from(self.log_probs.as_slice()) {
            Ok(table) => {
                let lp = |a: usize, b: usize| table[a * N_SYM + b];
                if name.is_ascii() {
                    log_prob_sum(
                        name.bytes().map(|b| usize::from(ASCII_SYMBOL[b as usize])),
                        lp,
                    )
                } else {
                    log_prob_sum(name.chars().map(symbol), lp)
                }
            }
            Err(_) => {
                // A deserialized table of the wrong size must not panic: unknown cells get 1/N.
                let uniform = -(N_SYM as f64).ln();
                let lp =
                    |a: usize, b: usize| *self.log_probs.get(a * N_SYM + b).unwrap_or(&uniform);
                log_prob_sum(name.chars().map(symbol), lp)
            }
        };
        let v = (sum / n as f64).exp();
        Some(if v.is_finite() { v } else { 0.0 })
    }
}

/// [`symbol`] of every ASCII byte.
const ASCII_SYMBOL: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            c @ b'a'..=b'z' => c - b'a',
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'0'..=b'9' => 26 + (c - b'0'),
            b'_' => 36,
            _ => OTHER as u8,
        };
        b += 1;
    }
    t
};

/// The sum of the log-probabilities of the bigrams of `symbols` between two boundaries, added
/// in order, and the number of bigrams.
#[inline(always)]
fn log_prob_sum(
    symbols: impl Iterator<Item = usize>,
    lp: impl Fn(usize, usize) -> f64,
) -> (f64, usize) {
    let mut sum = 0.0;
    let mut n = 0usize;
    let mut prev = BOUNDARY;
    for s in symbols {
        sum += lp(prev, s);
        n += 1;
        prev = s;
    }
    sum += lp(prev, BOUNDARY);
    n += 1;
    (sum, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_bigrams_prefer_the_names_they_saw() {
        let m = BigramModel::fit(["anna", "annabel", "hannah"], 1.0).unwrap();
        assert!(m.likelihood("anna").unwrap() > m.likelihood("zzzz").unwrap());
    }

    #[test]
    fn builtin_bigrams_prefer_names_to_noise() {
        let m = BigramModel::builtin();
        assert!(m.likelihood("maria_rossi").unwrap() > m.likelihood("xq7zk2vj9w").unwrap());
        assert!(m.likelihood("").is_none());
    }

    #[test]
    fn lengths_count_chars_not_bytes() {
        assert_eq!(char_len("微博用户"), 4);
        assert_eq!("微博用户".len(), 12);
        assert_eq!(char_len("abc"), 3);
        assert_eq!(digit_count("abc123"), 3);
        assert_eq!(digit_count("张三①"), 1);
        assert_eq!(word_count("  Maria  Rossi "), 2);
        assert_eq!(word_count("张三"), 1);
    }

    #[test]
    fn token_kinds() {
        assert!(is_url_token("https://t.co/x"));
        assert!(is_url_token("WWW.example.com"));
        assert!(!is_url_token("http://"));
        assert!(is_mention_token("@bob:"));
        assert!(is_mention_token("＠小明"));
        assert!(!is_mention_token("@"));
        assert!(is_hashtag_token("#rust"));
        assert!(!is_hashtag_token("#"));
        assert!(is_punctuation('!') && is_punctuation('。') && is_punctuation('！'));
        assert!(!is_punctuation('@') && !is_punctuation('a') && !is_punctuation('微'));
    }

    #[test]
    fn bot_words() {
        assert!(says_bot("I am a BOT, beep"));
        assert!(says_bot("自动机器人"));
        assert!(!says_bot("Talbot fan, bottle collector"));
        assert!(contains_ignore_ascii_case("Make MONEY fast", "make money"));
        assert!(!contains_ignore_ascii_case("mak", "make"));
    }

    proptest::proptest! {
        /// The memchr search finds a needle exactly where a plain scan of every window does.
        #[test]
        fn case_blind_search_matches_a_scan(
            hay in "[bBoOtTx\\- é]{0,24}",
            needle in "[bBoOtT é]{1,4}",
        ) {
            let (h, n) = (hay.as_bytes(), needle.as_bytes());
            let scan = h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
            proptest::prop_assert_eq!(contains_ignore_ascii_case(&hay, &needle), scan);
        }
    }

    #[test]
    fn fnv_is_stable() {
        let mut h = Fnv::new();
        h.bytes(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn bigram_likelihood() {
        let m = BigramModel::builtin();
        let human = m.likelihood("johnsmith").unwrap();
        let random = m.likelihood("xkq8zj29").unwrap();
        assert!(human > random, "{human} vs {random}");
        assert!(human > 0.0 && human <= 1.0);
        // CJK characters fall in the "other" symbol: finite, positive, low.
        let cjk = m.likelihood("微博用户").unwrap();
        assert!(cjk > 0.0 && cjk < human);
        assert!(BigramModel::fit(Vec::<String>::new(), 1.0).is_err());
        assert!(BigramModel::fit(["a"], 0.0).is_err());
        let bad = BigramModel { log_probs: vec![] };
        assert!(bad.likelihood("abc").unwrap().is_finite());
    }

    /// The likelihood as first written: one symbol per char, every cell looked up with a
    /// fallback. The fast paths must give the very same bits.
    fn likelihood_reference(m: &BigramModel, name: &str) -> Option<f64> {
        if name.is_empty() {
            return None;
        }
        let uniform = -(N_SYM as f64).ln();
        let lp = |a: usize, b: usize| *m.log_probs.get(a * N_SYM + b).unwrap_or(&uniform);
        let (mut sum, mut n, mut prev) = (0.0, 0usize, BOUNDARY);
        for c in name.chars() {
            let s = symbol(c);
            sum += lp(prev, s);
            n += 1;
            prev = s;
        }
        sum += lp(prev, BOUNDARY);
        n += 1;
        let v = (sum / n as f64).exp();
        Some(if v.is_finite() { v } else { 0.0 })
    }

    /// `says_bot` as first written, without the quick rejections.
    fn says_bot_reference(bio: &str) -> bool {
        const WORDS: [&str; 6] = ["bot", "bots", "robot", "robots", "chatbot", "twitterbot"];
        bio.contains("机器人")
            || bio
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| WORDS.iter().any(|b| w.eq_ignore_ascii_case(b)))
    }

    #[test]
    fn ascii_symbols_are_the_char_symbols() {
        for b in 0..128u8 {
            assert_eq!(
                usize::from(ASCII_SYMBOL[b as usize]),
                symbol(b as char),
                "{b}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn fused_measures_equal_the_separate_ones(
            s in proptest::prop_oneof![
                "[ -~]{0,30}",
                "\\PC{0,30}",
                // Pieces of the Chinese "robot" and of "bot" words.
                "[a-z 机器人BOTbot]{0,9}",
                // Every kind of whitespace, and ASCII controls that are not whitespace.
                "[ \t\n\r\x0B\x0C\x1C\x1F\u{85}\u{A0}\u{3000}a1①]{0,6}",
            ]
        ) {
            proptest::prop_assert_eq!(char_len_and_digits(&s), (char_len(&s), digit_count(&s)));
            proptest::prop_assert_eq!(is_blank(&s), s.trim().is_empty());
            proptest::prop_assert_eq!(says_bot(&s), says_bot_reference(&s));
            let m = BigramModel::builtin();
            proptest::prop_assert_eq!(
                m.likelihood(&s).map(f64::to_bits),
                likelihood_reference(m, &s).map(f64::to_bits)
            );
            let fitted = BigramModel::fit(["anna", "bob_7", &s], 0.5).unwrap();
            proptest::prop_assert_eq!(
                fitted.likelihood(&s).map(f64::to_bits),
                likelihood_reference(&fitted, &s).map(f64::to_bits)
            );
            let short = BigramModel { log_probs: vec![-1.0; 50] };
            proptest::prop_assert_eq!(
                short.likelihood(&s).map(f64::to_bits),
                likelihood_reference(&short, &s).map(f64::to_bits)
            );
        }

        #[test]
        fn bot_words_are_found_anywhere(
            pre in "[ -~]{0,10}",
            word in proptest::sample::select(
                &["bot", "bots", "robot", "robots", "chatbot", "twitterbot"][..]
            ),
            upper in proptest::collection::vec(proptest::bool::ANY, 10),
            post in "[ -~é]{0,10}",
        ) {
            // The word in a random ASCII case, between separators.
            let word: String = word
                .chars()
                .zip(&upper)
                .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
                .collect();
            let bio = format!("{pre} {word} {post}");
            proptest::prop_assert!(says_bot(&bio));
            proptest::prop_assert_eq!(says_bot(&bio), says_bot_reference(&bio));
    }
    }
}
