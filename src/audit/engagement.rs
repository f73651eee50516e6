//! Engagement audits: bursts of fake-looking engagers found in time.
//!
//! Bought likes and reposts arrive within minutes of being paid for. When the engagers of a
//! post carry their engagement times ([`Account::engaged_at`](crate::Account::engaged_at)),
//! the audit sorts them by time (ties in input order) and segments that sequence with
//! [`find_bursts`](crate::find_bursts)'s method: a burst is a stretch of time in which the
//! share of fake-looking engagers jumps above the rest. Each burst is reported in time (its
//! first and last engagement, in minutes since the first engagement of the list) with its
//! engagements per minute beside the rate outside bursts. A rise in the rate alone (a post
//! going viral among real people) is not a burst; a rise in fake-looking engagers is, and
//! its rate shows how fast they came.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bursts::{find_bursts_at, BurstParams};
use crate::error::Result;

/// Marks an engager without an engagement time in the audit's per-engager times.
pub(super) const NO_TIME: i64 = i64::MIN;

/// Bursts are found over time when at least this share of the scored engagers carry an
/// engagement time; otherwise along the list's order.
pub(super) const MIN_TIMED_SHARE: f64 = 0.9;

/// What the bursts of an engagement list were found over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BurstAxis {
    /// The engagement times: [`EngagementReport::bursts`].
    Time,
    /// The order of the list, as for followers: [`AuditReport::bursts`](crate::AuditReport::bursts).
    Position,
}

/// A stretch of time in which the share of fake-looking engagers jumps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimeBurst {
    /// Its first engagement.
    pub start: DateTime<Utc>,
    /// Its last engagement.
    pub end: DateTime<Utc>,
    /// Minutes from the list's first engagement to `start`.
    pub start_minute: f64,
    /// Minutes from the list's first engagement to `end`.
    pub end_minute: f64,
    /// Scored engagements inside it.
    pub engagements: u64,
    /// Engagements per minute inside it (over at least one minute; scaled to the whole list
    /// when the audit scored a sample).
    pub per_minute: f64,
    /// Engagements per minute outside every burst, for comparison.
    pub baseline_per_minute: f64,
    /// Mean P(fake) of its engagers: the share that looks fake.
    pub fake_share: f64,
    /// Mean P(fake) of the engagers outside bursts (the list's baseline).
    pub baseline_fake_share: f64,
    /// Fake-looking engagements beyond the baseline: `(fake_share - baseline) * engagements`
    /// (scaled like `per_minute`).
    pub estimated_fake: f64,
}

/// What an audit of engagers ([`ListKind::Engagers`](crate::ListKind::Engagers)) found in
/// their engagement times. JSON key `engagement` of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EngagementReport {
    /// What the bursts were found over: `time` when at least 90% of the scored engagers
    /// carry an engagement time, else `position` (the list's order).
    pub bursts_over: BurstAxis,
    /// Scored engagers with an engagement time.
    pub with_time: u64,
    /// Scored engagers without one (left out of the time bursts).
    pub without_time: u64,
    /// The first engagement time.
    pub first: Option<DateTime<Utc>>,
    /// The last engagement time.
    pub last: Option<DateTime<Utc>>,
    /// Minutes from the first engagement to the last.
    pub minutes: f64,
    /// Engagements per minute from the first to the last (over at least one minute).
    pub per_minute: f64,
    /// The bursts found over time, earliest first (empty when found along the list).
    pub bursts: Vec<TimeBurst>,
    /// Why the bursts were not found over time, when they were not.
    pub note: Option<String>,
}

impl EngagementReport {
    /// The `n` time bursts with the most fake-looking engagements (ties: the earlier first),
    /// earliest first, each with its index in [`EngagementReport::bursts`].
    pub fn largest_bursts(&self, n: usize) -> Vec<(usize, &TimeBurst)> {
        crate::bursts::largest_in_order(&self.bursts, n, |b| b.estimated_fake)
    }
}

const MS_PER_MINUTE: f64 = 60_000.0;

/// The engagement report of scored engagers: `p_fake[i]` and `times[i]` (Unix milliseconds,
/// [`NO_TIME`] when unknown) in input order, `scale` the listed engagers per scored one (1
/// without a sample).
pub(super) fn engagement_report(
    p_fake: &[f64],
    times: &[i64],
    scale: f64,
    params: &BurstParams,
) -> Result<EngagementReport> {
    let n = p_fake.len().min(times.len());
    // Engagers with a time, in time order; ties keep input order (a stable sort), so the
    // order never depends on how the input was read.
    let mut order: Vec<usize> = (0..n).filter(|&i| times[i] != NO_TIME).collect();
    order.sort_by_key(|&i| times[i]);
    let with_time = order.len() as u64;
    let without_time = n as u64 - with_time;
    let first_ms = order.first().map(|&i| times[i]);
    let last_ms = order.last().map(|&i| times[i]);
    let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let minutes = match (first_ms, last_ms) {
        (Some(a), Some(b)) => (b - a) as f64 / MS_PER_MINUTE,
        _ => 0.0,
    };
    let mut report = EngagementReport {
        bursts_over: BurstAxis::Time,
        with_time,
        without_time,
        first: first_ms.map(at),
        last: last_ms.map(at),
        minutes,
        per_minute: with_time as f64 * scale / minutes.max(1.0),
        bursts: Vec::new(),
        note: None,
    };
    if n == 0 || (with_time as f64) < MIN_TIMED_SHARE * n as f64 {
        report.bursts_over = BurstAxis::Position;
        report.note = Some(if with_time == 0 {
            "no engager carries an engagement time: bursts are found along the list's order"
                .to_string()
        } else {
            format!(
                "only {with_time} of {n} engagers carry an engagement time: bursts are found \
                 along the list's order"
            )
        });
        return Ok(report);
    }
    let sorted: Vec<f64> = order.iter().map(|&i| p_fake[i]).collect();
    let found = find_bursts_at(&sorted, |k| k as u64, params)?;
    let inside: u64 = found.iter().map(|b| b.end - b.start).sum();
    let mut burst_minutes = 0.0;
    let mut bursts: Vec<TimeBurst> = found
        .iter()
        .map(|b| {
            let (a, z) = (b.start as usize, b.end as usize);
            let (t0, t1) = (times[order[a]], times[order[z - 1]]);
            let span = (t1 - t0) as f64 / MS_PER_MINUTE;
            burst_minutes += span;
            let engagements = (z - a) as u64;
            TimeBurst {
                start: at(t0),
                end: at(t1),
                start_minute: (t0 - times[order[0]]) as f64 / MS_PER_MINUTE,
                end_minute: (t1 - times[order[0]]) as f64 / MS_PER_MINUTE,
                engagements,
                per_minute: engagements as f64 * scale / span.max(1.0),
                baseline_per_minute: 0.0,
                fake_share: b.fake_share,
                baseline_fake_share: b.baseline_fake_share,
                estimated_fake: (b.fake_share - b.baseline_fake_share) * engagements as f64 * scale,
            }
        })
        .collect();
    let outside = (with_time - inside) as f64 * scale / (minutes - burst_minutes).max(1.0);
    for b in &mut bursts {
        b.baseline_per_minute = outside;
    }
    report.bursts = bursts;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A steady stream of mostly genuine engagers over six hours, two a minute, and 240
    /// fake-looking ones within four minutes from minute 200, given in shuffled order.
    fn planted(seed: u64) -> (Vec<f64>, Vec<i64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let t0 = 1_654_000_000_000i64;
        let mut rows: Vec<(f64, i64)> = Vec::new();
        for k in 0..720 {
            let p = if rng.gen::<f64>() < 0.1 {
                rng.gen_range(0.7..1.0)
            } else {
                rng.gen_range(0.0..0.3)
            };
            rows.push((p, t0 + k * 30_000 + rng.gen_range(0..30_000)));
        }
        for _ in 0..240 {
            rows.push((
                rng.gen_range(0.75..1.0),
                t0 + 200 * 60_000 + rng.gen_range(0..240_000),
            ));
        }
        // Shuffled: the list's order says nothing about time.
        for i in (1..rows.len()).rev() {
            rows.swap(i, rng.gen_range(0..=i));
        }
        rows.into_iter().unzip()
    }

    #[test]
    fn a_planted_burst_is_found_at_its_minutes() {
        for seed in 0..3 {
            let (p, t) = planted(seed);
            let r = engagement_report(&p, &t, 1.0, &BurstParams::default()).unwrap();
            assert_eq!(r.bursts_over, BurstAxis::Time);
            assert_eq!(r.bursts.len(), 1, "seed {seed}: {:?}", r.bursts);
            let b = &r.bursts[0];
            // Within a few minutes: at two engagements a minute outside the burst, a boundary
            // a few engagers off is a minute or two off.
            assert!(
                (195.0..=201.0).contains(&b.start_minute)
                    && (203.0..=207.0).contains(&b.end_minute),
                "seed {seed}: {b:?}"
            );
            assert!(b.per_minute > 25.0 && b.baseline_per_minute < 3.0, "{b:?}");
            assert!(b.fake_share > 0.7 && b.baseline_fake_share < 0.3, "{b:?}");
            assert!((b.estimated_fake - 240.0 * 0.7).abs() < 60.0, "{b:?}");
        }
    }

    #[test]
    fn without_times_the_bursts_fall_back_to_positions() {
        let (p, mut t) = planted(1);
        for v in t.iter_mut().step_by(5) {
            *v = NO_TIME;
        }
        let r = engagement_report(&p, &t, 1.0, &BurstParams::default()).unwrap();
        assert_eq!(r.bursts_over, BurstAxis::Position);
        assert!(r.bursts.is_empty());
        assert_eq!(r.without_time, 192);
        assert!(r.note.unwrap().contains("768 of 960"));
    }

    #[test]
    fn a_steady_stream_has_no_burst() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let p: Vec<f64> = (0..2000).map(|_| rng.gen_range(0.0..1.0)).collect();
        let t: Vec<i64> = (0..2000).map(|k| k * 20_000).collect();
        let r = engagement_report(&p, &t, 1.0, &BurstParams::default()).unwrap();
        assert!(r.bursts.is_empty(), "{:?}", r.bursts);
        assert!((r.per_minute - 3.0).abs() < 0.01, "{}", r.per_minute);
    }
}
