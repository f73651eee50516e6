//! The audit's running totals and the small helpers that turn scores into the report's
//! groups, timeline and CSV rows.

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::account::{Account, Label};
use crate::detector::Detector;
use crate::error::{Error, Position, Result};
use crate::features::{FeatureExtractor, FeatureMatrix, FeatureSchema, FieldGroup, TimeReference};
use crate::model::Model;
use ndarray::Array2;
use rayon::prelude::*;

use super::rows_csv::{rows_write_error, RowsCsv};

use super::params::INACTIVE_MAX_POSTS;
use crate::formats::Rejection;

use super::report::{Breakdown, FollowerGroup, FollowerScore, Timeline};
use super::traits::TraitCounts;

/// What the audit keeps per scored follower while it streams.
/// Each scored follower's P(fake) (4 bytes), and its position only where positions stop
/// being simply 0, 1, 2, ... (after a rejected record, or in a sample).
#[derive(Default)]
pub(super) struct Scores {
    pub(super) p_fake: Vec<f32>,
    /// Empty while every position equals its index.
    pub(super) positions: Vec<u64>,
    pub(super) explicit: bool,
}

impl Scores {
    pub(super) fn push(&mut self, position: u64, p_fake: f32) {
        if !self.explicit && position != self.p_fake.len() as u64 {
            self.positions = (0..self.p_fake.len() as u64).collect();
            self.explicit = true;
        }
        if self.explicit {
            self.positions.push(position);
        }
        self.p_fake.push(p_fake);
    }

    pub(super) fn len(&self) -> usize {
        self.p_fake.len()
    }

    /// The position of follower `i`.
    pub(super) fn position(&self, i: usize) -> u64 {
        if self.explicit {
            self.positions[i]
        } else {
            i as u64
        }
    }
}

/// Running totals of an audit.
#[derive(Default)]
pub(super) struct State {
    pub(super) records_read: u64,
    pub(super) valid: u64,
    pub(super) duplicates: u64,
    pub(super) rejections: Vec<Rejection>,
    pub(super) scored: Scores,
    /// Each scored engager's engagement time (Unix milliseconds or
    /// [`NO_TIME`](super::engagement::NO_TIME)), in step with `scored`; kept only for an
    /// engagement list.
    pub(super) engaged: Vec<i64>,
    pub(super) followers: Vec<FollowerScore>,
    /// The feature rows of listed followers whose reasons are worked out only if they are
    /// still listed at the end (see [`Scorer::score_each`](super::pipeline::Scorer::score_each)),
    /// by position, with the rows' schema.
    pub(super) deferred: Option<Deferred>,
    /// A P(fake) the listed most suspicious followers reach `n` times (minus infinity while
    /// fewer are listed): a later follower enters only above it.
    pub(super) listed_bound: f64,
    /// The followers' traits, likely fakes apart.
    pub(super) traits: TraitCounts,
    pub(super) breakdown: Breakdown,
    pub(super) crawled: u64,
    pub(super) clock: u64,
    /// Per [`crate::FieldGroup::ALL`] entry, the followers scored without it because they
    /// lacked it (see [`super::fallback`]).
    pub(super) lacking: [u64; FieldGroup::ALL.len()],
}

/// Feature rows kept for the reasons of listed followers, by position (see
/// [`State::deferred`]).
pub(super) struct Deferred {
    pub(super) schema: FeatureSchema,
    pub(super) rows: HashMap<u64, Box<[f64]>>,
}

impl Deferred {
    /// Gives each of `followers` whose row is kept its `keep` strongest reasons, as scoring
    /// would have given them (the same row, the same model).
    pub(super) fn explain(
        mut self,
        model: &Model,
        followers: &mut [FollowerScore],
        keep: usize,
    ) -> Result<()> {
        let d = self.schema.len();
        let work: Vec<(&mut FollowerScore, Box<[f64]>)> = followers
            .iter_mut()
            .filter_map(|f| self.rows.remove(&f.position).map(|row| (f, row)))
            .collect();
        let schema = &self.schema;
        work.into_par_iter().try_for_each(|(f, row)| {
            let values = Array2::from_shape_vec((1, d), row.into_vec())
                .map_err(|e| Error::InvalidData(format!("feature row: {e}")))?;
            let x = FeatureMatrix::from_trusted(schema.clone(), values);
            f.reasons = model.explain_top(&x, 0, keep)?;
            Ok(())
        })
    }
}

impl State {
    pub(super) fn new() -> State {
        State {
            listed_bound: f64::NEG_INFINITY,
            ..State::default()
        }
    }

    pub(super) fn reject(&mut self, e: Error) {
        let position = match &e {
            Error::Parse { position, .. } | Error::Duplicate { position, .. } => *position,
            _ => Position::new(self.records_read, None),
        };
        if e.is_duplicate() {
            self.duplicates += 1;
        }
        self.rejections.push(Rejection::new(position, e));
    }

    pub(super) fn add(&mut self, group: FollowerGroup) {
        let b = &mut self.breakdown;
        match group {
            FollowerGroup::LikelyFake => b.likely_fake += 1,
            FollowerGroup::LikelyGenuine => b.likely_genuine += 1,
            FollowerGroup::InactiveGenuine => b.inactive_genuine += 1,
            FollowerGroup::Uncertain => b.uncertain += 1,
        }
    }

    pub(super) fn note_time(&mut self, fx: &FeatureExtractor, account: &Account) {
        match fx.time_reference(account) {
            TimeReference::Crawled(_) => self.crawled += 1,
            TimeReference::Clock(_) => self.clock += 1,
            TimeReference::AsOf(_) => {}
        }
    }

    pub(super) fn note(&mut self, time: TimeKind) {
        match time {
            TimeKind::Crawled => self.crawled += 1,
            TimeKind::Clock => self.clock += 1,
            TimeKind::AsOf => {}
        }
    }

    pub(super) fn time_summary(&self, as_of: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        if let Some(t) = as_of {
            return format!("as_of {}", t.to_rfc3339());
        }
        match (self.crawled, self.clock) {
            (_, 0) => "crawled: each record's crawl time".to_string(),
            (0, _) => format!("clock {} (no record has a crawl time)", now.to_rfc3339()),
            (c, k) => format!(
                "crawled for {c} records; clock {} for {k} records without a crawl time",
                now.to_rfc3339()
            ),
        }
    }
}

/// The per-follower CSV writer, its header written.
pub(super) fn scores_writer<'w>(
    source: &str,
    out: Option<&'w mut dyn Write>,
) -> Result<Option<RowsCsv<'w>>> {
    let Some(out) = out else { return Ok(None) };
    let mut w = RowsCsv::new(out);
    for name in [
        "position",
        "id",
        "screen_name",
        "p_fake",
        "label",
        "group",
        "reasons",
    ] {
        w.field(name);
    }
    w.end_row().map_err(|err| rows_write_error(source, err))?;
    Ok(Some(w))
}

/// Few posts: a quiet account, real or not.
pub(super) fn is_inactive(account: &Account) -> bool {
    match (&account.activity, account.profile.statuses_count) {
        (_, Some(n)) => n < INACTIVE_MAX_POSTS,
        (Some(posts), None) => (posts.len() as u64) < INACTIVE_MAX_POSTS,
        (None, None) => false,
    }
}

pub(super) fn group_of(
    p_fake: f64,
    inactive: bool,
    threshold: f64,
    band: (f64, f64),
) -> FollowerGroup {
    if p_fake >= band.1 {
        FollowerGroup::LikelyFake
    } else if inactive && p_fake < threshold {
        FollowerGroup::InactiveGenuine
    } else if p_fake < band.0 {
        FollowerGroup::LikelyGenuine
    } else {
        FollowerGroup::Uncertain
    }
}

pub(super) fn label_name(label: Label) -> &'static str {
    match label {
        Label::Genuine => "genuine",
        Label::Fake => "fake",
    }
}

/// Sorts `followers` by P(fake), highest first (ties in follow order), and keeps the first `n`.
pub(super) fn most_suspicious_first(followers: &mut Vec<FollowerScore>, n: usize) {
    followers.sort_by(|a, b| {
        b.p_fake
            .total_cmp(&a.p_fake)
            .then(a.position.cmp(&b.position))
    });
    followers.truncate(n);
}

/// Mean P(fake) over windows of the follow order, about 200 points in all.
pub(super) fn timeline(p: &[f64], position: impl Fn(usize) -> u64) -> Timeline {
    let window = (p.len() / 200).max(25).min(p.len().max(1));
    let mut t = Timeline::default();
    for (w, ps) in p.chunks(window).enumerate() {
        t.position.push(position(w * window + ps.len() / 2));
        t.fake_share.push(ps.iter().sum::<f64>() / ps.len() as f64);
    }
    t
}

/// Which time an account's age was measured at.
#[derive(Clone, Copy)]
pub(super) enum TimeKind {
    AsOf,
    Crawled,
    Clock,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_quiet_people_apart() {
        assert_eq!(
            group_of(0.9, false, 0.5, (0.2, 0.8)),
            FollowerGroup::LikelyFake
        );
        assert_eq!(
            group_of(0.9, true, 0.5, (0.2, 0.8)),
            FollowerGroup::LikelyFake
        );
        assert_eq!(
            group_of(0.4, true, 0.5, (0.2, 0.8)),
            FollowerGroup::InactiveGenuine
        );
        assert_eq!(
            group_of(0.1, true, 0.5, (0.2, 0.8)),
            FollowerGroup::InactiveGenuine
        );
        assert_eq!(
            group_of(0.1, false, 0.5, (0.2, 0.8)),
            FollowerGroup::LikelyGenuine
        );
        assert_eq!(
            group_of(0.4, false, 0.5, (0.2, 0.8)),
            FollowerGroup::Uncertain
        );
        assert_eq!(
            group_of(0.6, true, 0.5, (0.2, 0.8)),
            FollowerGroup::Uncertain
        );
    }

    #[test]
    fn timeline_windows_cover_the_list() {
        let p: Vec<f64> = (0..1000).map(|i| if i < 500 { 0.0 } else { 1.0 }).collect();
        let t = timeline(&p, |i| i as u64);
        assert_eq!(t.position.len(), 40);
        assert_eq!(t.fake_share[0], 0.0);
        assert_eq!(*t.fake_share.last().unwrap(), 1.0);
    }
}
