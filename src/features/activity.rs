//! Activity (timeline) features: what an account posts, how, from which clients and when.
//!
//! Every feature here is a function of the multiset of posts: the posts are sorted internally
//! (by time, then by content) before anything order-dependent is computed, so reordering a
//! timeline never changes a value, bit for bit.

use crate::account::Post;

use super::set::Tw;
use super::text::{
    contains_ignore_ascii_case, is_hashtag_token, is_mention_token, is_punctuation, is_url_token,
    Fnv,
};

/// Phrases whose share of posts is Socialbakers' rule 2 ("diet", "make money", "work from
/// home" are the published examples; the rest are common variants of the same pitches).
const SPAM_PHRASES: [&str; 10] = [
    "diet",
    "make money",
    "work from home",
    "weight loss",
    "lose weight",
    "earn money",
    "easy money",
    "free followers",
    "get followers",
    "buy followers",
];

/// Buffers reused from post to post and account to account on one thread, so that activity
/// extraction allocates only when a timeline is longer than any seen before on that thread.
#[derive(Default)]
struct Scratch {
    facts: Vec<PostFacts>,
    sources: Vec<u64>,
    hashes: Vec<u64>,
    times: Vec<i64>,
    /// Client facts of the sources seen in the current timeline, by source hash.
    clients: Vec<(u64, Client)>,
    /// The current post's text, ASCII-lower-cased.
    lower: String,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Clients that publish without a person at the keyboard: feed relays, schedulers,
/// cross-posters and bot hosts. A heuristic list; names are matched ASCII-case-insensitively
/// as substrings of the post's `source`.
const AUTOMATION_CLIENTS: [&str; 16] = [
    "twitterfeed",
    "dlvr.it",
    "ifttt",
    "zapier",
    "buffer",
    "hootsuite",
    "socialoomph",
    "tweetadder",
    "roundteam",
    "botize",
    "cheap bots",
    "twittascope",
    "tweet old post",
    "wordpress",
    "autopost",
    "auto post",
];

/// What one post contributes, computed once.
#[derive(Clone, Copy, Debug)]
struct PostFacts {
    /// Seconds since the epoch; `None` sorts last.
    time: Option<i64>,
    /// Hash of the whole post (text, source, flags) to order posts with equal times.
    key: u64,
    /// Hash of the trimmed text, when there is text.
    exact: Option<u64>,
    /// Hash of the text with links, mentions, digits, punctuation and spaces removed and letters
    /// lower-cased, when anything is left.
    near: Option<u64>,
    /// Hash of the text without its mentions, when the post mentions someone.
    addressed: Option<u64>,
}

/// Client facts of one post's `source`.
#[derive(Clone, Copy, Default)]
struct Client {
    iphone: bool,
    android: bool,
    foursquare: bool,
    instagram: bool,
    web: bool,
    official: bool,
    automation: bool,
}

fn classify_client(src: &str) -> Client {
    let has = |p: &str| contains_ignore_ascii_case(src, p);
    let s = src.trim();
    let web = s.eq_ignore_ascii_case("web")
        || has("web client")
        || has("web app")
        || has("twitter.com")
        || has("mobile web")
        || has("weibo.com");
    let iphone = has("iphone");
    let android = has("android");
    let official = web
        || (s.len() >= 12 && s.as_bytes()[..12].eq_ignore_ascii_case(b"twitter for "))
        || has("tweetdeck")
        || s.ends_with("客户端")
        || has("weibo");
    Client {
        iphone,
        android,
        foursquare: has("foursquare") || has("swarm"),
        instagram: has("instagram"),
        web,
        official,
        automation: AUTOMATION_CLIENTS.iter().any(|a| has(a)) || s.eq_ignore_ascii_case("api"),
    }
}

fn shannon_bits(counts: &[u32], total: u32) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let t = f64::from(total);
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / t;
            -p * p.log2()
        })
        .sum();
    // -0.0 and rounding below zero become 0.
    h.max(0.0)
}

/// Largest number of equal values in a sorted slice.
fn max_run(sorted: &[u64]) -> usize {
    sorted
        .chunk_by(|a, b| a == b)
        .map(<[u64]>::len)
        .max()
        .unwrap_or(0)
}

/// Fills the activity columns of a `twitter` row (all columns from `has_timeline` on). The
/// caller has zeroed `out`.
pub(crate) fn fill(posts: Option<&[Post]>, out: &mut [f64]) {
    let Some(posts) = posts else {
        return; // has_timeline = 0 and every activity feature 0.
    };
    out[Tw::HasTimeline.i()] = 1.0;
    if posts.is_empty() {
        return;
    }
    out[Tw::HasPosts.i()] = 1.0;
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => fill_posts(posts, &mut s, out),
        // Re-entered on this thread (cannot happen today): use fresh buffers.
        Err(_) => fill_posts(posts, &mut Scratch::default(), out),
    });
}

fn fill_posts(posts: &[Post], scratch: &mut Scratch, out: &mut [f64]) {
    let n = posts.len() as f64;
    let Scratch {
        facts,
        sources,
        hashes,
        times,
        clients,
        lower,
    } = scratch;
    facts.clear();
    sources.clear();
    clients.clear();
    let (mut retweets, mut replies, mut with_url, mut link_only) = (0u32, 0u32, 0u32, 0u32);
    let (mut mentions, mut hashtags) = (0u64, 0u64);
    let (mut punct, mut spam) = (0u32, 0u32);
    let (mut own_known_rt, mut own_retweeted) = (0u32, 0u32);
    let (mut automation, mut official, mut web) = (0u32, 0u32, 0u32);
    let mut flags = Client::default();

    for p in posts {
        let text = p.text.as_deref().unwrap_or("");
        let trimmed = text.trim();
        let is_rt = p.is_retweet || trimmed.starts_with("RT @");
        let is_reply = p.is_reply || (!is_rt && trimmed.starts_with('@'));
        retweets += u32::from(is_rt);
        replies += u32::from(is_reply);

        // One pass over the tokens.
        let (mut t_urls, mut t_mentions, mut t_tags) = (0u32, 0u32, 0u32);
        let mut other_chars = false;
        let mut has_punct = false;
        let mut near = Fnv::new();
        let mut near_any = false;
        let mut addressed = Fnv::new();
        for tok in trimmed.split_whitespace() {
            if is_url_token(tok) {
                t_urls += 1;
                continue;
            }
            if is_mention_token(tok) {
                t_mentions += 1;
                continue;
            }
            addressed.bytes(tok.as_bytes());
            addressed.byte(b' ');
            if is_hashtag_token(tok) {
                t_tags += 1;
            }
            for c in tok.chars() {
                if is_punctuation(c) {
                    has_punct = true;
                } else {
                    other_chars = true;
                }
                if c.is_alphanumeric() && !c.is_numeric() {
                    for l in c.to_lowercase() {
                        near.char(l);
                    }
                    near_any = true;
                }
            }
        }
        let urls = p.num_urls.unwrap_or(t_urls);
        let n_mentions = p.num_mentions.unwrap_or(t_mentions);
        with_url += u32::from(urls > 0);
        link_only += u32::from(urls > 0 && !other_chars);
        mentions += u64::from(n_mentions);
        hashtags += u64::from(p.num_hashtags.unwrap_or(t_tags));
        punct += u32::from(has_punct);
        lower.clear();
        lower.extend(text.chars().map(|c| c.to_ascii_lowercase()));
        spam += u32::from(SPAM_PHRASES.iter().any(|s| lower.contains(s)));
        if !is_rt {
            if let Some(c) = p.retweet_count {
                own_known_rt += 1;
                own_retweeted += u32::from(c > 0);
            }
        }

        let mut key = Fnv::new();
        key.bytes(text.as_bytes());
        key.byte(0xff);
        if let Some(src) = p.source.as_deref() {
            key.bytes(src.as_bytes());
            let mut sh = Fnv::new();
            for b in src.trim().bytes() {
                sh.byte(b.to_ascii_lowercase());
            }
            let h = sh.finish();
            sources.push(h);
            // Timelines repeat a few clients: classify each once. (Sources equal up to ASCII
            // case share a hash, and the classification ignores ASCII case too.)
            let c = match clients.iter().find(|(k, _)| *k == h) {
                Some(&(_, c)) => c,
                None => {
                    let c = classify_client(src);
                    clients.push((h, c));
                    c
                }
            };
            automation += u32::from(c.automation);
            official += u32::from(c.official);
            web += u32::from(c.web);
            flags.iphone |= c.iphone;
            flags.android |= c.android;
            flags.foursquare |= c.foursquare;
            flags.instagram |= c.instagram;
            flags.web |= c.web;
        }
        key.byte(u8::from(p.is_retweet) | (u8::from(p.is_reply) << 1));
        let exact = (!trimmed.is_empty()).then(|| {
            let mut h = Fnv::new();
            h.bytes(trimmed.as_bytes());
            h.finish()
        });
        facts.push(PostFacts {
            time: p.created_at.map(|t| t.timestamp()),
            key: key.finish(),
            exact,
            near: near_any.then(|| near.finish()),
            addressed: (n_mentions > 0 || t_mentions > 0).then(|| addressed.finish()),
        });
    }

    out[Tw::RetweetRatio.i()] = f64::from(retweets) / n;
    out[Tw::ReplyRatio.i()] = f64::from(replies) / n;
    out[Tw::UrlRatio.i()] = f64::from(with_url) / n;
    out[Tw::MentionsPerPost.i()] = mentions as f64 / n;
    out[Tw::HashtagsPerPost.i()] = hashtags as f64 / n;
    out[Tw::LinkOnlyShare.i()] = f64::from(link_only) / n;
    out[Tw::PunctuationShare.i()] = f64::from(punct) / n;
    out[Tw::SpamPhraseShare.i()] = f64::from(spam) / n;
    if own_known_rt > 0 {
        out[Tw::RetweetedShare.i()] = f64::from(own_retweeted) / f64::from(own_known_rt);
    }

    // Duplicates: share of posts whose text repeats an earlier one (order-free: n - distinct).
    hashes.clear();
    hashes.extend(facts.iter().filter_map(|f| f.exact));
    hashes.sort_unstable();
    if !hashes.is_empty() {
        let distinct = hashes.chunk_by(|a, b| a == b).count();
        out[Tw::DuplicateTextRatio.i()] = (hashes.len() - distinct) as f64 / hashes.len() as f64;
        out[Tw::MaxTextRepeats.i()] = max_run(hashes) as f64;
    }
    hashes.clear();
    hashes.extend(facts.iter().filter_map(|f| f.near));
    hashes.sort_unstable();
    if !hashes.is_empty() {
        let distinct = hashes.chunk_by(|a, b| a == b).count();
        out[Tw::NearDuplicateTextRatio.i()] =
            (hashes.len() - distinct) as f64 / hashes.len() as f64;
    }

    // State of Search rule 3: among the 20 most recent posts, the most posts that say the same
    // thing to someone (same text once the mentions are removed).
    facts.sort_unstable_by(|a, b| {
        // Newest first, undated last, then by every other fact, so that posts that compare
        // equal contribute the same and the choice of the 20 is order-free.
        match (a.time, b.time) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(a.key.cmp(&b.key))
        .then(a.addressed.cmp(&b.addressed))
        .then(a.exact.cmp(&b.exact))
        .then(a.near.cmp(&b.near))
    });
    hashes.clear();
    hashes.extend(facts.iter().take(20).filter_map(|f| f.addressed));
    hashes.sort_unstable();
    let same = max_run(hashes);
    out[Tw::RecentSameTextToMany.i()] = if same >= 2 { same as f64 } else { 0.0 };

    // Clients.
    if !sources.is_empty() {
        out[Tw::HasPostSources.i()] = 1.0;
        let k = sources.len() as f64;
        out[Tw::AutomationClientShare.i()] = f64::from(automation) / k;
        out[Tw::OfficialClientShare.i()] = f64::from(official) / k;
        out[Tw::WebClientShare.i()] = f64::from(web) / k;
        sources.sort_unstable();
        out[Tw::DistinctClients.i()] = sources.chunk_by(|a, b| a == b).count() as f64;
        out[Tw::ClientIphone.i()] = f64::from(u8::from(flags.iphone));
        out[Tw::ClientAndroid.i()] = f64::from(u8::from(flags.android));
        out[Tw::ClientFoursquare.i()] = f64::from(u8::from(flags.foursquare));
        out[Tw::ClientInstagram.i()] = f64::from(u8::from(flags.instagram));
        out[Tw::ClientWeb.i()] = f64::from(u8::from(flags.web));
    }

    // Timing, oldest first.
    times.clear();
    times.extend(facts.iter().filter_map(|f| f.time));
    times.sort_unstable();
    if times.len() >= 2 {
        out[Tw::HasPostTimes.i()] = 1.0;
        let mut hours = [0u32; 24];
        for t in times.iter() {
            hours[(t.rem_euclid(86_400) / 3_600) as usize] += 1;
        }
        out[Tw::HourEntropy.i()] = shannon_bits(&hours, times.len() as u32);
        let mut bins = [0u32; 40];
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        let m = (times.len() - 1) as f64;
        for w in times.windows(2) {
            let dt = (w[1] - w[0]) as f64; // >= 0 after sorting
            sum += dt;
            sum_sq += dt * dt;
            let bin = (1.0 + dt).log2().floor() as usize;
            bins[bin.min(39)] += 1;
        }
        let mean = sum / m;
        let var = (sum_sq / m - mean * mean).max(0.0);
        let sd = var.sqrt();
        out[Tw::IntervalMeanLog1p.i()] = mean.ln_1p();
        out[Tw::IntervalVarLog1p.i()] = var.ln_1p();
        out[Tw::IntervalEntropy.i()] = shannon_bits(&bins, (times.len() - 1) as u32);
        out[Tw::Burstiness.i()] = if sd + mean > 0.0 {
            (sd - mean) / (sd + mean)
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_classified() {
        let c = classify_client("Twitter for iPhone");
        assert!(c.iphone && c.official && !c.web && !c.automation);
        let c = classify_client("Twitter Web Client");
        assert!(c.web && c.official);
        let c = classify_client("dlvr.it");
        assert!(c.automation && !c.official);
        let c = classify_client("Foursquare");
        assert!(c.foursquare && !c.official);
        let c = classify_client("iPhone客户端");
        assert!(c.iphone && c.official);
    }

    #[test]
    fn entropy_and_runs() {
        assert_eq!(shannon_bits(&[1, 1, 1, 1], 4), 2.0);
        assert_eq!(shannon_bits(&[4, 0], 4), 0.0);
        assert_eq!(shannon_bits(&[], 0), 0.0);
        assert_eq!(max_run(&[1, 2, 2, 2, 3]), 3);
        assert_eq!(max_run(&[]), 0);
    }
}
