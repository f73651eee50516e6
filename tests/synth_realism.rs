//! The generator is calibrated to the real data: per class, its medians of followers, friends
//! and statuses are within a factor 2 of Cresci 2015 E13 (genuine) and INT (fake), and its share
//! of empty descriptions within 10 points; the same for the Instagram variant against
//! InstaFake. Prints the comparison.

mod common;

use std::path::Path;

use follower_audit::synth::FollowerListSpec;
use follower_audit::{Account, Label, Platform};

/// Per-class summary: medians of followers, friends, statuses; share of empty descriptions;
/// share with default profile.
#[derive(Debug)]
struct Summary {
    n: usize,
    followers: f64,
    friends: f64,
    statuses: f64,
    empty_description: f64,
    default_profile: f64,
}

fn median(mut v: Vec<u64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

fn summarise_real(path: &Path) -> Summary {
    // Read the published file directly with the csv crate (independent of our readers).
    let mut rd = csv::Reader::from_path(path).unwrap();
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (fo, fr, st, de, dp) = (
        col("followers_count"),
        col("friends_count"),
        col("statuses_count"),
        col("description"),
        col("default_profile"),
    );
    let (mut f, mut r, mut s) = (Vec::new(), Vec::new(), Vec::new());
    let (mut empty, mut default, mut n) = (0usize, 0usize, 0usize);
    for row in rd.records() {
        let row = row.unwrap();
        f.push(row[fo].parse().unwrap());
        r.push(row[fr].parse().unwrap());
        s.push(row[st].parse().unwrap());
        empty += usize::from(row[de].is_empty());
        default += usize::from(&row[dp] == "1");
        n += 1;
    }
    Summary {
        n,
        followers: median(f),
        friends: median(r),
        statuses: median(s),
        empty_description: empty as f64 / n as f64,
        default_profile: default as f64 / n as f64,
    }
}

fn summarise_synth(accounts: &[Account], label: Label) -> Summary {
    let class: Vec<&Account> = accounts.iter().filter(|a| a.label == Some(label)).collect();
    let get = |f: fn(&Account) -> Option<u64>| class.iter().map(|a| f(a).unwrap()).collect();
    let n = class.len();
    let share = |f: fn(&Account) -> bool| class.iter().filter(|a| f(a)).count() as f64 / n as f64;
    Summary {
        n,
        followers: median(get(|a| a.profile.followers_count)),
        friends: median(get(|a| a.profile.friends_count)),
        statuses: median(get(|a| a.profile.statuses_count)),
        empty_description: share(|a| a.profile.description.as_deref().unwrap_or("").is_empty()),
        default_profile: share(|a| a.profile.default_profile == Some(true)),
    }
}

fn compare(class: &str, real: &Summary, synth: &Summary) {
    println!("{class}: real n={} | synthetic n={}", real.n, synth.n);
    for (what, r, s) in [
        ("median followers", real.followers, synth.followers),
        ("median friends", real.friends, synth.friends),
        ("median statuses", real.statuses, synth.statuses),
    ] {
        println!(
            "  {what:<24} real {r:>8.1}  synthetic {s:>8.1}  ratio {:.2}",
            s / r
        );
        assert!(
            s <= 2.0 * r && s >= r / 2.0,
            "{class} {what}: synthetic {s} vs real {r}"
        );
    }
    for (what, r, s) in [
        (
            "empty description",
            real.empty_description,
            synth.empty_description,
        ),
        (
            "default profile",
            real.default_profile,
            synth.default_profile,
        ),
    ] {
        println!(
            "  {what:<24} real {r:>8.3}  synthetic {s:>8.3}  diff {:+.3}",
            s - r
        );
        assert!(
            (s - r).abs() <= 0.10,
            "{class} {what}: synthetic {s} vs real {r}"
        );
    }
}

#[test]
fn synthetic_classes_match_the_real_marginals() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    let accounts: Vec<Account> = FollowerListSpec::new(20_000)
        .fake_share(0.5)
        .seed(42)
        .build()
        .unwrap()
        .iter()
        .collect();
    let e13 = summarise_real(&data.join("cresci-2015/E13/users.csv"));
    let int = summarise_real(&data.join("cresci-2015/INT/users.csv"));
    compare(
        "genuine (E13)",
        &e13,
        &summarise_synth(&accounts, Label::Genuine),
    );
    compare("fake (INT)", &int, &summarise_synth(&accounts, Label::Fake));
}

fn summarise_instafake(path: &Path) -> Summary {
    // InstaFake publishes derived numbers only; read them with serde_json directly.
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let get = |k: &str| {
        rows.iter()
            .map(|r| r[k].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    let n = rows.len();
    let share = |k: &str, v: u64| get(k).iter().filter(|&&x| x == v).count() as f64 / n as f64;
    Summary {
        n,
        followers: median(get("userFollowerCount")),
        friends: median(get("userFollowingCount")),
        statuses: median(get("userMediaCount")),
        empty_description: share("userBiographyLength", 0),
        // "default profile" stands for "no profile picture" here.
        default_profile: share("userHasProfilPic", 0),
    }
}

fn summarise_instagram(accounts: &[Account], label: Label) -> Summary {
    let mut s = summarise_synth(accounts, label);
    let class: Vec<&Account> = accounts.iter().filter(|a| a.label == Some(label)).collect();
    s.default_profile = class
        .iter()
        .filter(|a| a.profile.default_profile_image == Some(true))
        .count() as f64
        / class.len() as f64;
    s
}

#[test]
fn synthetic_instagram_classes_match_instafake() {
    let Some(data) = common::shared_datasets() else {
        return;
    };
    let accounts: Vec<Account> = FollowerListSpec::new(20_000)
        .fake_share(0.5)
        .platform(Platform::Instagram)
        .seed(43)
        .build()
        .unwrap()
        .iter()
        .collect();
    let dir = data.join("instafake/fake-v1.0");
    let real = summarise_instafake(&dir.join("realAccountData.json"));
    let fake = summarise_instafake(&dir.join("fakeAccountData.json"));
    // The fake class posts almost nothing (median 0): compare its posts as 1 + count.
    let mut fake_synth = summarise_instagram(&accounts, Label::Fake);
    let mut fake_real = fake;
    fake_synth.statuses += 1.0;
    fake_real.statuses += 1.0;
    compare(
        "instagram genuine (InstaFake real)",
        &real,
        &summarise_instagram(&accounts, Label::Genuine),
    );
    compare("instagram fake (InstaFake fake)", &fake_real, &fake_synth);
}
