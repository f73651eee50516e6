//! Several audits side by side: [`Comparison`] ranks accounts by their genuine-follower share
//! and says, for every pair, whether the difference is beyond the uncertainty.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::quantify::ShareEstimate;

use super::report::{AuditReport, CountInterval, ShiftReport};

/// One audited account in a [`Comparison`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComparedAccount {
    /// The name the caller gave the list (e.g. the influencer's handle).
    pub label: String,
    /// The audited input ([`AuditReport::source`]).
    pub source: String,
    /// Records read from it.
    pub records_read: u64,
    /// Followers scored.
    pub scored: u64,
    /// Its genuine-follower share with the interval.
    pub genuine_share: ShareEstimate,
    /// Its estimated fake followers.
    pub fake_count_estimate: CountInterval,
    /// How far its list lies from the training data, when the audit measured it (see
    /// [`crate::Audit::new`]).
    pub shift: Option<ShiftReport>,
}

/// The difference of two accounts' genuine shares, `higher - lower`, with its interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// The account ranked higher (the larger estimated genuine share).
    pub higher: String,
    /// The account ranked lower.
    pub lower: String,
    /// `higher`'s genuine share minus `lower`'s (at least 0).
    pub difference: f64,
    /// Lower end of the difference's interval.
    pub ci_low: f64,
    /// Upper end of the difference's interval.
    pub ci_high: f64,
    /// The interval's confidence level (each account's level).
    pub confidence: f64,
    /// Whether the interval excludes 0: the ranking of these two is beyond the uncertainty.
    pub beyond_uncertainty: bool,
}

/// Audits of several accounts ranked by genuine share, highest first, with an interval for
/// the difference of every pair.
///
/// A difference's interval combines the two accounts' intervals by the method of variance
/// estimates recovery (Newcombe 1998; Zou and Donner 2008): each side of the difference
/// takes the distances from each estimate to the matching ends of its interval, added in
/// quadrature, so asymmetric intervals (near 0% or 100%) stay asymmetric. It treats the two
/// audits as independent, which is conservative: both lists are scored by the same model, so
/// part of their uncertainty (the model's error rates, the shift) moves them together and
/// cancels in the difference.
///
/// # Examples
/// ```
/// use follower_audit::{Audit, AuditParams, Comparison, Model};
/// use follower_audit::synth::FollowerListSpec;
/// let model = Model::default_twitter();
/// let audit = |fake: f64, seed: u64| {
///     let list = FollowerListSpec::new(2_000).fake_share(fake).seed(seed).build().unwrap();
///     Audit::new(&model, AuditParams::default()).run("list", list.iter().map(Ok)).unwrap()
/// };
/// let c = Comparison::new([("mostly real", audit(0.1, 1)), ("mostly bought", audit(0.8, 2))])?;
/// assert_eq!(c.accounts[0].label, "mostly real");
/// assert!(c.differences[0].beyond_uncertainty);
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comparison {
    /// The accounts, highest estimated genuine share first (ties by label).
    pub accounts: Vec<ComparedAccount>,
    /// Every pair, in ranking order: (1st, 2nd), (1st, 3rd), ..., (2nd, 3rd), ...
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// Ranks `reports`, each named by its label.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] for fewer than two reports, a label given twice, or intervals
    /// of different confidence levels.
    pub fn new<S: Into<String>>(
        reports: impl IntoIterator<Item = (S, AuditReport)>,
    ) -> Result<Comparison> {
        let mut accounts: Vec<ComparedAccount> = reports
            .into_iter()
            .map(|(label, r)| ComparedAccount {
                label: label.into(),
                source: r.source,
                records_read: r.records_read,
                scored: r.scored,
                genuine_share: r.genuine_share,
                fake_count_estimate: r.fake_count_estimate,
                shift: r.shift,
            })
            .collect();
        let bad = |reason: String| {
            Err(Error::InvalidParams {
                name: "comparison".into(),
                reason,
            })
        };
        if accounts.len() < 2 {
            return bad(format!(
                "{} audit given: a comparison needs at least two",
                accounts.len()
            ));
        }
        let mut labels: Vec<&str> = accounts.iter().map(|a| a.label.as_str()).collect();
        labels.sort_unstable();
        if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("the label {:?} names two lists", w[0]));
        }
        let confidence = accounts[0].genuine_share.confidence;
        if let Some(a) = accounts
            .iter()
            .find(|a| a.genuine_share.confidence != confidence)
        {
            return bad(format!(
                "{} has a {} interval, {} a {} one: audit every list at one confidence",
                a.label, a.genuine_share.confidence, accounts[0].label, confidence
            ));
        }
        accounts.sort_by(|a, b| {
            b.genuine_share
                .estimate
                .total_cmp(&a.genuine_share.estimate)
                .then_with(|| a.label.cmp(&b.label))
        });
        let mut differences = Vec::new();
        for (i, hi) in accounts.iter().enumerate() {
            for lo in &accounts[i + 1..] {
                differences.push(difference(hi, lo));
            }
        }
        Ok(Comparison {
            accounts,
            differences,
        })
    }

    /// A self-contained HTML page: the accounts as interval bars on one axis, and the
    /// differences in a table.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Audience comparison</title><style>\
             body{{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;color:#222}}\
             table{{border-collapse:collapse}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}}\
             .num{{text-align:right}}.yes{{color:#1a7f37;font-weight:600}}.no{{color:#777}}\
             </style></head><body>\n<h1>Audience comparison</h1>\n<p>Each bar is an account's \
             estimated share of genuine followers with its {:.0}% interval; the dot is the \
             estimate. Accounts are ranked by the estimate; a difference counts only when its \
             interval excludes zero.</p>\n",
            100.0 * self.accounts[0].genuine_share.confidence
        );
        h.push_str(&self.bars_svg());
        h.push_str(
            "<h2>Differences</h2>\n<table><tr><th>higher</th><th>lower</th>\
             <th class=\"num\">difference</th><th class=\"num\">interval</th>\
             <th>beyond the uncertainty?</th></tr>\n",
        );
        for d in &self.differences {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1} points</td>\
                 <td class=\"num\">{:.1} to {:.1}</td><td class=\"{}\">{}</td></tr>",
                escape(&d.higher),
                escape(&d.lower),
                100.0 * d.difference,
                100.0 * d.ci_low,
                100.0 * d.ci_high,
                if d.beyond_uncertainty { "yes" } else { "no" },
                if d.beyond_uncertainty {
                    "yes"
                } else {
                    "no: could be either way"
                }
            );
        }
        h.push_str("</table>\n</body></html>\n");
        h
    }

    /// The interval bars, one row per account, on a 0-100% axis with ticks every 10%.
    fn bars_svg(&self) -> String {
        let (left, width, row) = (180.0, 640.0, 34.0);
        let height = 40.0 + row * self.accounts.len() as f64;
        let x = |share: f64| left + width * share.clamp(0.0, 1.0);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
             role=\"img\" aria-label=\"genuine share by account\">",
            left + width + 30.0
        );
        for tick in 0..=10 {
            let tx = x(f64::from(tick) / 10.0);
            let _ = writeln!(
                s,
                "<line x1=\"{tx}\" y1=\"10\" x2=\"{tx}\" y2=\"{}\" stroke=\"#e5e5e5\"/>\
                 <text x=\"{tx}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}%</text>",
                height - 22.0,
                height - 6.0,
                tick * 10
            );
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let y = 24.0 + row * i as f64;
            let g = &a.genuine_share;
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>\
                 <line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#3b6fb6\" stroke-width=\"6\" \
                 stroke-linecap=\"round\"/><circle cx=\"{}\" cy=\"{y}\" r=\"6\" fill=\"#123\"/>\
                 <title>{}: {:.1}% ({:.1}% to {:.1}%)</title>",
                left - 10.0,
                y + 4.0,
                escape(&a.label),
                x(g.ci_low),
                x(g.ci_high),
                x(g.estimate),
                escape(&a.label),
                100.0 * g.estimate,
                100.0 * g.ci_low,
                100.0 * g.ci_high
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

/// The difference `hi - lo` of two genuine shares with its interval (see [`Comparison`]).
fn difference(hi: &ComparedAccount, lo: &ComparedAccount) -> Difference {
    let (a, b) = (&hi.genuine_share, &lo.genuine_share);
    let d = a.estimate - b.estimate;
    let below = ((a.estimate - a.ci_low).powi(2) + (b.ci_high - b.estimate).powi(2)).sqrt();
    let above = ((a.ci_high - a.estimate).powi(2) + (b.estimate - b.ci_low).powi(2)).sqrt();
    let (ci_low, ci_high) = ((d - below).max(-1.0), (d + above).min(1.0));
    Difference {
        higher: hi.label.clone(),
        lower: lo.label.clone(),
        difference: d,
        ci_low,
        ci_high,
        confidence: a.confidence,
        beyond_uncertainty: ci_low > 0.0,
    }
}

/// Text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
