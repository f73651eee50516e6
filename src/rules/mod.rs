//! The published rule sets as detectors: Camisani-Calzolari, State of Search, Socialbakers'
//! FakeFollowerCheck, and single rules such as "followers >= 30".
//!
//! The rules are read from the columns of a `twitter` [`FeatureMatrix`] (see [`crate::FeatureSet`]),
//! looked up by name, so a matrix that lacks a needed column is an
//! [`Error::SchemaMismatch`]. Rule texts follow Cresci et al. 2015 ("Fame for sale", Tables
//! 2-4).
//!
//! # Outcomes and P(fake)
//! Each rule gives a [`RuleOutcome`] per account: [`RuleOutcome::Passed`] when it points to a
//! genuine account, [`RuleOutcome::Failed`] when it points to a fake (for Camisani-Calzolari a
//! human criterion that is not met; for State of Search and Socialbakers a bot criterion that
//! is met, i.e. the rule fires), [`RuleOutcome::NotEvaluated`] when the data cannot decide it
//! (a timeline rule without a timeline, a missing count, date or image flag, or a rule no
//! crawled data can decide). Free text (name, bio, location, URL) is never "missing": the
//! readers read an empty text as absent, so an absent one counts as empty.
//!
//! A rule set turns the outcomes into a [`Verdict`] and P(fake) = [`Verdict::p_fake`]: bot 1.0,
//! neutral 0.5, human 0.0.
//! - Camisani-Calzolari adds human points for passed rules and subtracts bot points for
//!   failed ones; not-evaluated rules count 0. Score > 0: human; 0 to -4: neutral; below -4:
//!   bot. At the usual "P(fake) > 0.5 is fake" cut a neutral account is not called fake, as in
//!   Cresci's evaluation.
//! - State of Search and Socialbakers: bot when any evaluated rule fires, human when none
//!   fires, neutral when no rule could be evaluated.
//! - [`SingleRule`]: failed 1.0, passed 0.0, not evaluated 0.5.

use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};

use crate::detector::{Detector, Reason};
use crate::error::{Error, Result};
use crate::features::{FeatureMatrix, FeatureSchema};

mod published;
use published::{camisani_calzolari_rules, socialbakers_rules, state_of_search_rules};

/// What one rule says about one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    /// The rule points to a genuine account.
    Passed,
    /// The rule points to a fake account.
    Failed,
    /// The data cannot decide the rule (no timeline, missing field, or not implementable).
    NotEvaluated,
}

/// A rule set's call on one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Genuine.
    Human,
    /// Undecided.
    Neutral,
    /// Fake.
    Bot,
}

impl Verdict {
    /// P(fake): bot 1.0, neutral 0.5, human 0.0.
    pub fn p_fake(self) -> f64 {
        match self {
            Verdict::Human => 0.0,
            Verdict::Neutral => 0.5,
            Verdict::Bot => 1.0,
        }
    }
}

/// Decodes a `*_log1p` count column back to the count.
#[inline]
fn count(v: f64) -> f64 {
    v.exp_m1().round()
}

/// One published rule: what it needs and how it is decided.
#[derive(Clone, Debug)]
pub struct Rule {
    id: &'static str,
    description: &'static str,
    timeline: bool,
    human_points: i32,
    bot_points: i32,
    /// Columns whose values the test reads, in order (at most 4).
    needs: &'static [&'static str],
    /// Indicator columns that must be 1 for the rule to be evaluated.
    requires: &'static [&'static str],
    /// `true` when the values point to a genuine account.
    test: fn(&[f64]) -> bool,
    /// Set when no crawled data can decide the rule: why.
    unavailable: Option<&'static str>,
}

impl Rule {
    /// A stable id, e.g. `cc_5`, `sos_2`, `sb_8`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The rule in words, e.g. `followers >= 30`.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// `true` when the rule needs a timeline.
    pub fn needs_timeline(&self) -> bool {
        self.timeline
    }

    /// Camisani-Calzolari human points for a passed rule (0 in the other sets).
    pub fn human_points(&self) -> i32 {
        self.human_points
    }

    /// Camisani-Calzolari bot points for a failed rule (1 in the other sets).
    pub fn bot_points(&self) -> i32 {
        self.bot_points
    }

    /// The feature columns the rule reads (values and missing-value indicators).
    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.needs
            .iter()
            .chain(self.requires)
            .copied()
            .chain(self.timeline.then_some("has_timeline"))
    }

    /// Why the rule is not evaluated for `row`, or `None` when it can be.
    fn not_evaluated(&self, r: &Resolved, row: ArrayView1<'_, f64>) -> Option<String> {
        if let Some(why) = self.unavailable {
            return Some(why.to_string());
        }
        if self.timeline && row[r.has_timeline] == 0.0 {
            return Some("needs a timeline".into());
        }
        self.requires
            .iter()
            .zip(&r.requires)
            .find(|(_, &i)| row[i] == 0.0)
            .map(|(name, _)| format!("needs the field behind `{name}`"))
    }

    fn outcome(&self, r: &Resolved, row: ArrayView1<'_, f64>) -> RuleOutcome {
        if self.not_evaluated(r, row).is_some() {
            return RuleOutcome::NotEvaluated;
        }
        let mut buf = [0.0f64; 4];
        for (b, &i) in buf.iter_mut().zip(&r.needs) {
            *b = row[i];
        }
        if (self.test)(&buf[..self.needs.len()]) {
            RuleOutcome::Passed
        } else {
            RuleOutcome::Failed
        }
    }

    /// The values behind the rule, in words: `followers = 12, friends = 900`.
    fn values_text(&self, r: &Resolved, row: ArrayView1<'_, f64>) -> String {
        let parts: Vec<String> = self
            .needs
            .iter()
            .zip(&r.needs)
            .map(|(name, &i)| match name.strip_suffix("_log1p") {
                Some(stem) => format!("{stem} = {}", count(row[i])),
                None => format!("{name} = {}", (row[i] * 1000.0).round() / 1000.0),
            })
            .collect();
        parts.join(", ")
    }
}

/// A rule's columns resolved to indices in one schema.
struct Resolved {
    needs: Vec<usize>,
    requires: Vec<usize>,
    has_timeline: usize,
}

fn resolve(set: &str, rule: &Rule, schema: &FeatureSchema) -> Result<Resolved> {
    let find = |name: &str| {
        schema.index_of(name).ok_or_else(|| Error::SchemaMismatch {
            expected: format!("a matrix with column `{name}` (rule {} of {set})", rule.id),
            found: schema.describe(),
        })
    };
    Ok(Resolved {
        needs: rule.needs.iter().map(|n| find(n)).collect::<Result<_>>()?,
        requires: rule
            .requires
            .iter()
            .map(|n| find(n))
            .collect::<Result<_>>()?,
        has_timeline: if rule.timeline || rule.unavailable.is_some() {
            find("has_timeline")?
        } else {
            schema.index_of("has_timeline").unwrap_or(0)
        },
    })
}

/// Which published rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleSetKind {
    /// Camisani-Calzolari (2012): 22 rules with human and bot points (Cresci 2015, Table 2),
    /// plus the "posts only through the API" penalty.
    CamisaniCalzolari,
    /// State of Search (2012): the implementable rules 1, 2, 3 and 5 (Cresci 2015, Table 3).
    /// Rule 4 (duplicate profile picture) needs other accounts' images, rules 6 and 7 (reply
    /// speed, follow/unfollow churn) need data no crawl gives; they are left out.
    StateOfSearch,
    /// Socialbakers' FakeFollowerCheck: 8 rules (Cresci 2015, Table 4).
    Socialbakers,
}

impl RuleSetKind {
    /// The detector name: `camisani_calzolari`, `state_of_search` or `socialbakers`.
    pub fn name(self) -> &'static str {
        match self {
            RuleSetKind::CamisaniCalzolari => "camisani_calzolari",
            RuleSetKind::StateOfSearch => "state_of_search",
            RuleSetKind::Socialbakers => "socialbakers",
        }
    }

    /// Every rule set, in the order of Cresci et al. (2015).
    pub const ALL: [RuleSetKind; 3] = [
        RuleSetKind::CamisaniCalzolari,
        RuleSetKind::StateOfSearch,
        RuleSetKind::Socialbakers,
    ];
}

impl std::fmt::Display for RuleSetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for RuleSetKind {
    type Err = Error;

    /// Parses a rule set's [`RuleSetKind::name`], ignoring ASCII case (`-` read as `_`).
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the accepted values.
    fn from_str(s: &str) -> Result<RuleSetKind> {
        let wanted = s.trim().replace('-', "_");
        RuleSetKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| Error::InvalidParams {
                name: "rule set".into(),
                reason: format!(
                    "unknown rule set {s:?}; expected camisani_calzolari, state_of_search or \
                     socialbakers"
                ),
            })
    }
}

/// A published rule set as a [`Detector`] over a `twitter` [`FeatureMatrix`].
///
/// # Examples
/// ```
/// use follower_audit::{Account, Detector, FeatureExtractor, FeatureSet, detectors::RuleSet};
/// let mut a = Account::default();
/// a.profile.followers_count = Some(3);
/// a.profile.friends_count = Some(400);
/// let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&[a]);
/// let sb = RuleSet::socialbakers();
/// assert_eq!(sb.predict_proba(&x).unwrap()[0], 1.0); // friends/followers >= 50 fires
/// let why = sb.explain(&x, 0).unwrap();
/// assert_eq!(why[0].source, "sb_1");
/// assert!(why.iter().any(|r| r.text.contains("not evaluated: needs a timeline")));
/// ```
#[derive(Clone, Debug)]
pub struct RuleSet {
    kind: RuleSetKind,
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rule set of `kind`.
    pub fn new(kind: RuleSetKind) -> RuleSet {
        let rules = match kind {
            RuleSetKind::CamisaniCalzolari => camisani_calzolari_rules(),
            RuleSetKind::StateOfSearch => state_of_search_rules(),
            RuleSetKind::Socialbakers => socialbakers_rules(),
        };
        RuleSet { kind, rules }
    }

    /// Camisani-Calzolari's point-scoring rule set.
    pub fn camisani_calzolari() -> RuleSet {
        RuleSet::new(RuleSetKind::CamisaniCalzolari)
    }

    /// State of Search's implementable rules.
    pub fn state_of_search() -> RuleSet {
        RuleSet::new(RuleSetKind::StateOfSearch)
    }

    /// Socialbakers' FakeFollowerCheck rules.
    pub fn socialbakers() -> RuleSet {
        RuleSet::new(RuleSetKind::Socialbakers)
    }

    /// Which set this is.
    pub fn kind(&self) -> RuleSetKind {
        self.kind
    }

    /// The rules, in published order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    fn resolve_all(&self, schema: &FeatureSchema) -> Result<Vec<Resolved>> {
        self.rules
            .iter()
            .map(|r| resolve(self.kind.name(), r, schema))
            .collect()
    }

    /// Every rule's outcome for every row: rows are accounts, columns follow [`RuleSet::rules`].
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] when `x` lacks a column a rule needs.
    pub fn outcomes(&self, x: &FeatureMatrix) -> Result<Array2<RuleOutcome>> {
        let res = self.resolve_all(x.schema())?;
        let v = x.values();
        Ok(Array2::from_shape_fn(
            (x.nrows(), self.rules.len()),
            |(i, j)| self.rules[j].outcome(&res[j], v.row(i)),
        ))
    }

    /// Camisani-Calzolari: human points minus bot points. Other sets: minus the number of
    /// rules that fired. One value per row.
    ///
    /// # Errors
    /// As [`RuleSet::outcomes`].
    pub fn scores(&self, x: &FeatureMatrix) -> Result<Vec<i32>> {
        let o = self.outcomes(x)?;
        Ok(o.rows()
            .into_iter()
            .map(|r| self.score_row(r.iter().copied()))
            .collect())
    }

    fn score_row(&self, outcomes: impl Iterator<Item = RuleOutcome>) -> i32 {
        let cc = self.kind == RuleSetKind::CamisaniCalzolari;
        self.rules
            .iter()
            .zip(outcomes)
            .map(|(r, o)| match o {
                RuleOutcome::Passed if cc => r.human_points,
                RuleOutcome::Failed => -r.bot_points,
                _ => 0,
            })
            .sum()
    }

    fn verdict_row(&self, outcomes: &[RuleOutcome]) -> Verdict {
        match self.kind {
            RuleSetKind::CamisaniCalzolari => {
                let s = self.score_row(outcomes.iter().copied());
                if s > 0 {
                    Verdict::Human
                } else if s >= -4 {
                    Verdict::Neutral
                } else {
                    Verdict::Bot
                }
            }
            _ => {
                if outcomes.contains(&RuleOutcome::Failed) {
                    Verdict::Bot
                } else if outcomes.contains(&RuleOutcome::Passed) {
                    Verdict::Human
                } else {
                    Verdict::Neutral
                }
            }
        }
    }

    /// The set's call on every row.
    ///
    /// # Errors
    /// As [`RuleSet::outcomes`].
    pub fn verdicts(&self, x: &FeatureMatrix) -> Result<Vec<Verdict>> {
        let o = self.outcomes(x)?;
        Ok(o.rows()
            .into_iter()
            .map(|r| self.verdict_row(&r.to_vec()))
            .collect())
    }
}

fn check_row(x: &FeatureMatrix, row: usize) -> Result<()> {
    if row < x.nrows() {
        Ok(())
    } else {
        Err(Error::InvalidParams {
            name: "row".into(),
            reason: format!(
                "row {row} is out of range (the matrix has {} rows)",
                x.nrows()
            ),
        })
    }
}

/// Sorts reasons strongest first (largest |weight|), keeping rule order among equals.
fn sort_reasons(reasons: &mut [Reason]) {
    reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
}

/// One rule's reason for one row. `passed` and `failed` are the weights of those outcomes.
fn reason(rule: &Rule, r: &Resolved, row: ArrayView1<'_, f64>, passed: f64, failed: f64) -> Reason {
    if let Some(why) = rule.not_evaluated(r, row) {
        return Reason {
            source: rule.id.into(),
            text: format!("{}: not evaluated: {why}", rule.description),
            weight: 0.0,
        };
    }
    // Camisani-Calzolari rules state a human criterion; the others state a bot criterion.
    let human_criterion = rule.id.starts_with("cc_");
    let values = rule.values_text(r, row);
    let (verb, weight) = match (rule.outcome(r, row), human_criterion) {
        (RuleOutcome::Failed, true) => ("not met", failed),
        (RuleOutcome::Failed, false) => ("fired", failed),
        (_, true) => ("met", passed),
        (_, false) => ("did not fire", passed),
    };
    let text = if values.is_empty() {
        format!("{}: {verb}", rule.description)
    } else {
        format!("{}: {verb} ({values})", rule.description)
    };
    Reason {
        source: rule.id.into(),
        text,
        weight,
    }
}

impl Detector for RuleSet {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        let res = self.resolve_all(x.schema())?;
        let v = x.values();
        let mut buf = Vec::with_capacity(self.rules.len());
        Ok(v.rows()
            .into_iter()
            .map(|row| {
                buf.clear();
                buf.extend(self.rules.iter().zip(&res).map(|(r, c)| r.outcome(c, row)));
                self.verdict_row(&buf).p_fake()
            })
            .collect())
    }

    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        let res = self.resolve_all(x.schema())?;
        check_row(x, row)?;
        let cc = self.kind == RuleSetKind::CamisaniCalzolari;
        let v = x.values();
        let mut reasons: Vec<Reason> = self
            .rules
            .iter()
            .zip(&res)
            .map(|(r, c)| {
                let passed = if cc { -f64::from(r.human_points) } else { 0.0 };
                reason(r, c, v.row(row), passed, f64::from(r.bot_points))
            })
            .collect();
        sort_reasons(&mut reasons);
        Ok(reasons)
    }
}

/// One rule as a detector: failed 1.0, passed 0.0, not evaluated 0.5.
///
/// # Examples
/// ```
/// use follower_audit::{Account, Detector, FeatureExtractor, FeatureSet, detectors::SingleRule};
/// let mut a = Account::default();
/// a.profile.followers_count = Some(29);
/// let x = FeatureExtractor::new(FeatureSet::Twitter).extract(&[a]);
/// let d = SingleRule::followers_at_least_30();
/// assert_eq!(d.name(), "followers_ge_30");
/// assert_eq!(d.predict_proba(&x).unwrap()[0], 1.0);
/// ```
#[derive(Clone, Debug)]
pub struct SingleRule {
    name: String,
    rule: Rule,
}

impl SingleRule {
    /// Cresci's best single rule: "followers >= 30" (Camisani-Calzolari rule 5).
    pub fn followers_at_least_30() -> SingleRule {
        let rule = RuleSet::camisani_calzolari()
            .rule("cc_5")
            .cloned()
            .expect("cc_5 exists");
        SingleRule {
            name: "followers_ge_30".into(),
            rule,
        }
    }

    /// "tweets >= 50" (Camisani-Calzolari rule 7).
    pub fn tweets_at_least_50() -> SingleRule {
        let rule = RuleSet::camisani_calzolari()
            .rule("cc_7")
            .cloned()
            .expect("cc_7 exists");
        SingleRule {
            name: "tweets_ge_50".into(),
            rule,
        }
    }

    /// Any rule of a set, by id; the detector is named `rule_<id>`.
    pub fn from_set(set: &RuleSet, id: &str) -> Option<SingleRule> {
        set.rule(id).map(|r| SingleRule {
            name: format!("rule_{}", r.id),
            rule: r.clone(),
        })
    }

    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The rule's outcome for every row.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] when `x` lacks a column the rule needs.
    pub fn outcomes(&self, x: &FeatureMatrix) -> Result<Vec<RuleOutcome>> {
        let res = resolve(&self.name, &self.rule, x.schema())?;
        Ok(x.values()
            .rows()
            .into_iter()
            .map(|row| self.rule.outcome(&res, row))
            .collect())
    }
}

impl Detector for SingleRule {
    fn name(&self) -> &str {
        &self.name
    }

    fn predict_proba(&self, x: &FeatureMatrix) -> Result<Array1<f64>> {
        Ok(self
            .outcomes(x)?
            .into_iter()
            .map(|o| match o {
                RuleOutcome::Passed => 0.0,
                RuleOutcome::Failed => 1.0,
                RuleOutcome::NotEvaluated => 0.5,
            })
            .collect())
    }

    fn explain(&self, x: &FeatureMatrix, row: usize) -> Result<Vec<Reason>> {
        let res = resolve(&self.name, &self.rule, x.schema())?;
        check_row(x, row)?;
        let r = reason(&self.rule, &res, x.values().row(row), -1.0, 1.0);
        Ok(vec![r])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, Post};
    use crate::features::{FeatureExtractor, FeatureSet};
    use chrono::{TimeZone, Utc};

    #[test]
    fn rule_set_names_parse_back() {
        for k in RuleSetKind::ALL {
            assert_eq!(k.name().parse::<RuleSetKind>().unwrap(), k);
            assert_eq!(k.to_string(), k.name());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()), "serde and FromStr agree");
        }
        assert_eq!(
            "State-Of-Search".parse::<RuleSetKind>().unwrap(),
            RuleSetKind::StateOfSearch
        );
        assert!("cresci".parse::<RuleSetKind>().is_err());
    }

    fn extract(accounts: &[Account]) -> FeatureMatrix {
        FeatureExtractor::new(FeatureSet::Twitter)
            .with_clock(Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).unwrap())
            .extract_sequential(accounts)
    }

    /// A lively human: every profile criterion met.
    fn human() -> Account {
        let mut a = Account::default();
        let p = &mut a.profile;
        p.name = Some("Anna".into());
        p.screen_name = Some("anna".into());
        p.description = Some("Runner, reader.".into());
        p.location = Some("Pisa".into());
        p.url = Some("https://anna.example".into());
        p.created_at = Some(Utc.with_ymd_and_hms(2010, 1, 1, 0, 0, 0).unwrap());
        p.statuses_count = Some(5000);
        p.followers_count = Some(300);
        p.friends_count = Some(200);
        p.listed_count = Some(4);
        p.default_profile_image = Some(false);
        p.geo_enabled = Some(true);
        a
    }

    /// A bought follower: no bio, no location, default image, follows many, few followers.
    fn fake() -> Account {
        let mut a = Account::default();
        let p = &mut a.profile;
        p.name = Some("xk".into());
        p.screen_name = Some("xk29fj3".into());
        p.description = Some(String::new());
        p.location = Some(String::new());
        p.url = Some(String::new());
        p.created_at = Some(Utc.with_ymd_and_hms(2014, 1, 1, 0, 0, 0).unwrap());
        p.statuses_count = Some(0);
        p.followers_count = Some(2);
        p.friends_count = Some(420);
        p.listed_count = Some(0);
        p.default_profile_image = Some(true);
        p.geo_enabled = Some(false);
        a
    }

    fn outcome(set: &RuleSet, x: &FeatureMatrix, row: usize, id: &str) -> RuleOutcome {
        let j = set.rules().iter().position(|r| r.id() == id).unwrap();
        set.outcomes(x).unwrap()[[row, j]]
    }

    #[test]
    fn camisani_calzolari_scores_profiles() {
        let cc = RuleSet::camisani_calzolari();
        assert_eq!(cc.rules().len(), 23, "22 rules and the API penalty");
        let x = extract(&[human(), fake()]);
        // Human: rules 1-9 and 19 met (10 points); timeline rules not evaluated.
        // Fake: 1 met (+1); 2, 3, 4, 5, 6, 7, 9, 19 not met (-8); 8 not met (0 bot points).
        assert_eq!(cc.scores(&x).unwrap(), vec![10, -7]);
        assert_eq!(cc.verdicts(&x).unwrap(), vec![Verdict::Human, Verdict::Bot]);
        assert_eq!(cc.predict_proba(&x).unwrap().to_vec(), vec![0.0, 1.0]);
        assert_eq!(outcome(&cc, &x, 1, "cc_8"), RuleOutcome::Failed);
        for id in ["cc_10", "cc_11", "cc_21", "cc_22", "cc_api"] {
            assert_eq!(outcome(&cc, &x, 0, id), RuleOutcome::NotEvaluated, "{id}");
        }
        // A neutral account: score between -4 and 0.
        let mut n = fake();
        n.profile.followers_count = Some(40);
        n.profile.friends_count = Some(100);
        n.profile.statuses_count = Some(60);
        n.profile.default_profile_image = Some(false);
        let x = extract(&[n]);
        assert_eq!(cc.scores(&x).unwrap(), vec![-1]);
        assert_eq!(cc.predict_proba(&x).unwrap()[0], 0.5);
    }

    #[test]
    fn camisani_calzolari_timeline_rules() {
        let cc = RuleSet::camisani_calzolari();
        let at = |m: i64| {
            Some(Utc.with_ymd_and_hms(2014, 6, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(m))
        };
        let mut a = fake();
        a.activity = Some(vec![
            Post {
                created_at: at(0),
                text: Some("Nice day, @bob! #sun".into()),
                source: Some("Twitter for iPhone".into()),
                retweet_count: Some(1),
                ..Post::default()
            },
            Post {
                created_at: at(5),
                text: Some("http://t.co/x".into()),
                source: Some("twitterfeed".into()),
                ..Post::default()
            },
        ]);
        let x = extract(&[a]);
        for id in [
            "cc_11", "cc_12", "cc_13", "cc_18", "cc_20", "cc_21", "cc_22", "cc_api",
        ] {
            assert_eq!(outcome(&cc, &x, 0, id), RuleOutcome::Passed, "{id}");
        }
        for id in ["cc_14", "cc_15", "cc_16", "cc_17"] {
            assert_eq!(outcome(&cc, &x, 0, id), RuleOutcome::Failed, "{id}");
        }
        assert_eq!(outcome(&cc, &x, 0, "cc_10"), RuleOutcome::NotEvaluated);
        // -7 from the profile; +1 +1 +1 +1 +1 +2 +3 from the timeline; 13-17 cost nothing.
        assert_eq!(cc.scores(&x).unwrap(), vec![3]);
        // Only-API posting costs 2 bot points.
        let mut b = fake();
        b.activity = Some(vec![Post {
            text: Some("hello".into()),
            source: Some("dlvr.it".into()),
            ..Post::default()
        }]);
        let x = extract(&[b]);
        assert_eq!(outcome(&cc, &x, 0, "cc_api"), RuleOutcome::Failed);
    }

    #[test]
    fn socialbakers_and_state_of_search() {
        let sb = RuleSet::socialbakers();
        let sos = RuleSet::state_of_search();
        assert_eq!(sb.rules().len(), 8);
        assert_eq!(sos.rules().len(), 4);
        let x = extract(&[human(), fake()]);
        assert_eq!(sb.predict_proba(&x).unwrap().to_vec(), vec![0.0, 1.0]);
        for id in ["sb_1", "sb_6", "sb_7", "sb_8"] {
            assert_eq!(outcome(&sb, &x, 1, id), RuleOutcome::Failed, "{id}");
            assert_eq!(outcome(&sb, &x, 0, id), RuleOutcome::Passed, "{id}");
        }
        // 420 / 2 = 210: not about 100.
        assert_eq!(sos.predict_proba(&x).unwrap().to_vec(), vec![0.0, 0.0]);
        let mut c = fake();
        c.profile.friends_count = Some(200); // 200 / 2 = 100
        c.profile.description = Some("a friendly robot".into());
        c.activity = Some(
            ["@a buy now", "@b buy now", "@c buy now", "@d hi"]
                .iter()
                .map(|t| Post {
                    text: Some(t.to_string()),
                    source: Some("Twitter Web Client".into()),
                    ..Post::default()
                })
                .collect(),
        );
        let x = extract(&[c]);
        for id in ["sos_1", "sos_2", "sos_3"] {
            assert_eq!(outcome(&sos, &x, 0, id), RuleOutcome::Failed, "{id}");
        }
        assert_eq!(
            outcome(&sos, &x, 0, "sos_5"),
            RuleOutcome::Passed,
            "web only"
        );
        assert_eq!(
            outcome(&sb, &x, 0, "sb_3"),
            RuleOutcome::Passed,
            "3 repeats is not > 3"
        );
        // Nothing evaluable: neutral.
        let x = extract(&[Account::default()]);
        assert_eq!(sb.verdicts(&x).unwrap(), vec![Verdict::Neutral]);
        assert_eq!(sb.predict_proba(&x).unwrap()[0], 0.5);
        // Free text is never "unknown": no bio reads as a bio without "bot".
        assert_eq!(sos.verdicts(&x).unwrap(), vec![Verdict::Human]);
    }

    #[test]
    fn single_rules_and_explanations() {
        let x = extract(&[human(), fake(), Account::default()]);
        let f30 = SingleRule::followers_at_least_30();
        assert_eq!(f30.predict_proba(&x).unwrap().to_vec(), vec![0.0, 1.0, 0.5]);
        let t50 = SingleRule::tweets_at_least_50();
        assert_eq!(t50.name(), "tweets_ge_50");
        assert_eq!(t50.predict_proba(&x).unwrap().to_vec(), vec![0.0, 1.0, 0.5]);
        let why = f30.explain(&x, 1).unwrap();
        assert_eq!(
            why[0].text,
            "followers >= 30: not met (followers_count = 2)"
        );
        assert_eq!(why[0].weight, 1.0);
        let sb1 = SingleRule::from_set(&RuleSet::socialbakers(), "sb_1").unwrap();
        assert_eq!(sb1.name(), "rule_sb_1");
        assert_eq!(sb1.outcomes(&x).unwrap()[1], RuleOutcome::Failed);
        assert!(SingleRule::from_set(&RuleSet::socialbakers(), "sb_9").is_none());

        let cc = RuleSet::camisani_calzolari();
        let why = cc.explain(&x, 1).unwrap();
        assert_eq!(why.len(), 23);
        assert!(why[0].weight.abs() >= why.last().unwrap().weight.abs());
        let r22 = why.iter().find(|r| r.source == "cc_22").unwrap();
        assert_eq!(
            r22.text,
            "uses different clients: not evaluated: needs a timeline"
        );
        let r10 = why.iter().find(|r| r.source == "cc_10").unwrap();
        assert!(r10.text.contains("not evaluated"), "{}", r10.text);
        assert!(cc.explain(&x, 3).is_err());
    }

    #[test]
    fn wrong_schema_is_an_error() {
        let ig = FeatureExtractor::new(FeatureSet::Instagram).extract(&[Account::default()]);
        for d in [
            &RuleSet::camisani_calzolari() as &dyn Detector,
            &RuleSet::state_of_search(),
            &RuleSet::socialbakers(),
            &SingleRule::tweets_at_least_50(),
        ] {
            let err = d.predict_proba(&ig).unwrap_err();
            assert!(matches!(err, Error::SchemaMismatch { .. }), "{err}");
            assert!(err.to_string().contains("instagram v1"), "{err}");
        }
        // A rule reads columns by name: "followers >= 30" also works on the Instagram schema.
        let f30 = SingleRule::followers_at_least_30();
        assert_eq!(f30.predict_proba(&ig).unwrap()[0], 0.5);
    }
}
