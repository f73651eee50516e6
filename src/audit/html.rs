//! A self-contained HTML page for an [`AuditReport`], written for the person paying for the
//! followers rather than for a statistician: the account and the audit's date, a plain verdict,
//! how it was counted and why, what the likely fakes have in common, two SVG charts with axes
//! (the histogram of P(fake), and the fake share along the follow order with the bursts
//! marked), the largest bursts, the most suspicious followers with their reasons in words, and
//! the technical details last. No scripts, no external files: it can be mailed or archived as
//! it is.

use std::fmt::Write;

use chrono::DateTime;

use super::engagement::{BurstAxis, EngagementReport};
use super::params::ListKind;
use crate::features::FieldGroup;
use crate::quantify::Method;

use super::report::{AuditReport, FakeTrait};

/// The charts' size and plot margins, in SVG units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 48.0;

/// Bursts the page lists: the largest this many (every burst is in the JSON report).
pub(crate) const MAX_BURSTS_SHOWN: usize = 10;

/// Followers the page lists: the most suspicious this many.
pub(crate) const MAX_FOLLOWERS_SHOWN: usize = 25;

/// A trait is shown only when at least this many likely fakes, and as many other followers,
/// were judged on it.
pub(crate) const MIN_TRAIT_JUDGED: u64 = 20;

/// Traits shown at most.
const MAX_TRAITS_SHOWN: usize = 5;

/// What P(fake) means, said once on the page.
pub(crate) const P_FAKE_MEANS: &str = "the model's probability that the account is fake";

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A share as a percentage with one decimal.
fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// `text` with its first letter in upper case, to stand as a sentence.
fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A share as a whole percentage.
fn pct0(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A whole number with thousands separators: `12,345`.
fn thousands(n: f64) -> String {
    let n = n.round();
    let digits = format!("{}", n.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// The estimator in words.
pub(crate) fn method_words(method: Method) -> &'static str {
    match method {
        Method::Cc => "raw count",
        Method::Acc => "count adjusted for error rates",
        Method::Pcc => "mean probability",
        Method::Pacc => "mean probability adjusted for error rates",
        Method::Em => "expectation-maximisation",
    }
}

/// One sentence on how the estimator counts, and why it corrects a raw count (whose fake
/// share is `naive`).
fn method_why(method: Method, naive: f64, list: ListKind) -> String {
    let (many, one) = (list.noun(), list.noun_one());
    let raw = format!(
        "a raw count of flagged accounts would say {} of the {many} are fake",
        pct0(naive)
    );
    match method {
        Method::Cc => {
            format!(
                "every {one} the model judges more likely fake than genuine is counted as \
                 fake; this raw count is not corrected for the model's own mistakes"
            )
        }
        Method::Acc => format!(
            "the {many} the detector flags are counted, then adjusted for the detector's \
             known error rates (the fakes it misses, the real accounts it flags), measured on \
             labelled accounts: {raw}"
        ),
        Method::Pcc => format!(
            "the model's probabilities of being fake are averaged over the {many}; this is not \
             corrected for the model's own mistakes"
        ),
        Method::Pacc => format!(
            "the model's probabilities of being fake are averaged over the {many}, then \
             adjusted for the detector's known error rates (the fakes it misses, the real \
             accounts it flags), measured on labelled accounts: {raw}"
        ),
        Method::Em => format!(
            "the model's probabilities are re-weighted until they agree with the share of \
             fakes they imply, which corrects for this list holding more or fewer fakes than \
             the accounts the model learned from: {raw}"
        ),
    }
}

/// The verdict: "About 7 in 10 followers look genuine (between 69% and 73%)".
pub(crate) fn verdict(report: &AuditReport) -> String {
    let g = &report.genuine_share;
    let many = report.list.noun();
    let head = if g.estimate >= 0.95 {
        format!("Nearly all {many} look genuine")
    } else if g.estimate < 0.05 {
        format!("Almost no {many} look genuine")
    } else {
        let tenths = (10.0 * g.estimate).round().clamp(1.0, 9.0);
        format!("About {tenths} in 10 {many} look genuine")
    };
    format!(
        "{head} (between {} and {})",
        pct0(g.ci_low),
        pct0(g.ci_high)
    )
}

/// Why the range is wide, when the followers lie far from the training data; or, for an
/// estimator that does not use the model's error rates (CC, PCC, EM), that nothing widened it.
fn shift_note(report: &AuditReport) -> Option<String> {
    let many = report.list.noun();
    let level = report.shift.as_ref()?.level.name();
    if level != "high" && level != "moderate" {
        return None;
    }
    if !report.genuine_share.method.uses_rates() {
        return Some(format!(
            "These {many} are unlike the accounts the model learned from, or the model is \
             unsure of many of them; this estimator does not use the model's error rates, so \
             its range is not widened for that and is narrower than it should be."
        ));
    }
    Some(if level == "high" {
        format!(
            "The range is wide because these {many} are unlike the accounts the model \
             learned from, or the model is unsure of many of them, so its error rates on them \
             are less certain."
        )
    } else {
        format!(
            "The range is wider than usual because some of these {many} are unlike the \
             accounts the model learned from, or the model is unsure of more of them than \
             usual."
        )
    })
}

/// The audit's date in words, `14 February 2015, 12:00 UTC`; the stored text when it does not
/// parse.
fn audit_date(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%-d %B %Y, %H:%M UTC")
            .to_string(),
        Err(_) => at.to_string(),
    }
}

/// The traits most over-represented among the likely fakes, as sentences: "72% of the likely
/// fakes have no bio, against 8% of the others". Only traits judged on enough followers of
/// both groups, and more common among the likely fakes.
pub(crate) fn trait_sentences(traits: &[FakeTrait]) -> Vec<String> {
    let share = |with: u64, of: u64| with as f64 / of.max(1) as f64;
    let mut shown: Vec<(f64, String)> = traits
        .iter()
        .filter(|t| t.likely_fake_judged >= MIN_TRAIT_JUDGED && t.others_judged >= MIN_TRAIT_JUDGED)
        .filter_map(|t| {
            let fake = share(t.likely_fake, t.likely_fake_judged);
            let others = share(t.others, t.others_judged);
            (fake > others).then(|| {
                (
                    fake - others,
                    format!(
                        "{} of the likely fakes {}, against {} of the others.",
                        pct0(fake),
                        t.text,
                        pct0(others)
                    ),
                )
            })
        })
        .collect();
    shown.sort_by(|a, b| b.0.total_cmp(&a.0));
    shown
        .into_iter()
        .take(MAX_TRAITS_SHOWN)
        .map(|(_, s)| s)
        .collect()
}

/// A round tick step for `range` split in about `target` parts: 1, 2 or 5 times a power of
/// ten (the nearest to `range / target`), at least `min`.
fn tick_step(range: f64, target: f64, min: f64) -> f64 {
    let raw = (range / target).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = mag
        * if norm < 1.5 {
            1.0
        } else if norm < 3.5 {
            2.0
        } else if norm < 7.5 {
            5.0
        } else {
            10.0
        };
    step.max(min)
}

/// Ticks from 0 to the first multiple of `step` at or above `max` (at least one step).
fn ticks_to(max: f64, step: f64) -> Vec<f64> {
    let n = (max / step).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// A chart's frame: the SVG opening tag.
fn svg_open(s: &mut String, id: &str, label: &str) {
    let _ = write!(
        s,
        r#"<svg id="{id}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#,
        esc(label)
    );
}

/// Axes with tick marks and labels: `x` and `y` are each tick's SVG coordinate and label;
/// grid lines across the plot at every y tick.
fn axes(s: &mut String, x: &[(f64, String)], y: &[(f64, String)], x_title: &str, y_title: &str) {
    let bottom = HEIGHT - BOTTOM;
    let right = WIDTH - RIGHT;
    s.push_str(r##"<g class="grid" stroke="#e4e4e4">"##);
    for (py, _) in y {
        let _ = write!(
            s,
            r#"<line x1="{LEFT}" x2="{right}" y1="{py:.1}" y2="{py:.1}"/>"#
        );
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        r##"<g class="axes" stroke="#333" fill="#333"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/><line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>"##
    );
    for (px, label) in x {
        let _ = write!(
            s,
            r#"<line x1="{px:.1}" x2="{px:.1}" y1="{bottom}" y2="{:.1}"/><text class="xtick" stroke="none" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            bottom + 5.0,
            bottom + 18.0,
            esc(label)
        );
    }
    for (py, label) in y {
        let _ = write!(
            s,
            r#"<line x1="{:.1}" x2="{LEFT}" y1="{py:.1}" y2="{py:.1}"/><text class="ytick" stroke="none" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 5.0,
            LEFT - 8.0,
            py + 4.0,
            esc(label)
        );
    }
    let mid_y = TOP + (bottom - TOP) / 2.0;
    let _ = write!(
        s,
        r#"<text stroke="none" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text stroke="none" transform="translate(14,{mid_y:.1}) rotate(-90)" text-anchor="middle">{}</text></g>"#,
        LEFT + (right - LEFT) / 2.0,
        HEIGHT - 8.0,
        esc(x_title),
        esc(y_title)
    );
}

/// The histogram of P(fake) as an SVG element.
fn histogram_svg(counts: &[u64], many: &str) -> String {
    let mut s = String::new();
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = tick_step(max, 4.0, 1.0);
    let y_ticks = ticks_to(max, step);
    let top = *y_ticks.last().expect("at least two ticks");
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y_of = |c: f64| TOP + plot_h * (1.0 - c / top);
    let bins = counts.len().max(1) as f64;
    let bar_w = plot_w / bins;
    svg_open(
        &mut s,
        "histogram",
        &format!("How many {many} have each P(fake)"),
    );
    let y: Vec<(f64, String)> = y_ticks.iter().map(|&c| (y_of(c), thousands(c))).collect();
    let x: Vec<(f64, String)> = (0..=5)
        .map(|i| {
            let v = i as f64 / 5.0;
            (LEFT + plot_w * v, format!("{v}"))
        })
        .collect();
    axes(&mut s, &x, &y, "P(fake)", many);
    for (i, &c) in counts.iter().enumerate() {
        let y0 = y_of(c as f64);
        let h = TOP + plot_h - y0;
        let x0 = LEFT + i as f64 * bar_w;
        let lo = i as f64 / bins;
        // Colour runs from green (genuine) to red (fake).
        let red = (60.0 + 180.0 * lo) as u8;
        let green = (170.0 - 120.0 * lo) as u8;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{:.1}" y="{y0:.1}" width="{:.1}" height="{h:.1}" fill="rgb({red},{green},70)"><title>P(fake) {lo:.2} to {:.2}: {} {many}</title></rect>"#,
            x0 + 0.5,
            (bar_w - 1.0).max(1.0),
            lo + 1.0 / bins,
            thousands(c as f64)
        );
    }
    s.push_str("</svg>");
    s
}

/// The fake share along the follow order, with bursts shaded (those listed in the table
/// numbered as there).
fn timeline_svg(report: &AuditReport, numbered: &[usize]) -> String {
    let t = &report.timeline;
    let many = report.list.noun();
    let mut s = String::new();
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    // The x axis spans the list exactly, ticked at the round positions within it.
    let span = report.positions.max(1) as f64;
    let step = tick_step(span, 5.0, 1.0);
    let x_ticks: Vec<f64> = ticks_to(span, step)
        .into_iter()
        .filter(|&p| p <= span)
        .collect();
    let x_of = |pos: f64| LEFT + plot_w * pos / span;
    let y_of = |share: f64| TOP + plot_h * (1.0 - share.clamp(0.0, 1.0));
    svg_open(
        &mut s,
        "timeline",
        &format!(
            "Share of {many} that look fake along the list",
            many = report.list.noun()
        ),
    );
    let x: Vec<(f64, String)> = x_ticks.iter().map(|&p| (x_of(p), thousands(p))).collect();
    let y: Vec<(f64, String)> = (0..=4)
        .map(|i| {
            let v = i as f64 / 4.0;
            (y_of(v), pct0(v))
        })
        .collect();
    axes(
        &mut s,
        &x,
        &y,
        match report.list {
            ListKind::Engagers => "position in the list (0 is its first entry)",
            _ => "position in the follower list (0 is the newest follower)",
        },
        "share that looks fake",
    );
    for (i, b) in report.bursts.iter().enumerate() {
        let x0 = x_of(b.start as f64);
        let x1 = x_of(b.end as f64);
        let _ = write!(
            s,
            r#"<rect class="burst" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{plot_h}" fill="rgba(220,60,60,0.18)" stroke="rgb(200,40,40)" stroke-dasharray="4 3"><title>Burst {}: {many} {} to {}, {} look fake, about {} bought</title></rect>"#,
            (x1 - x0).max(1.0),
            i + 1,
            thousands(b.start as f64),
            thousands(b.last() as f64),
            pct0(b.fake_share),
            thousands(b.estimated_bought)
        );
        if numbered.contains(&i) {
            let _ = write!(
                s,
                r#"<text class="burst-label" x="{:.1}" y="{:.1}" text-anchor="middle" fill="rgb(170,30,30)" font-weight="bold">{}</text>"#,
                (x0 + x1) / 2.0,
                TOP - 6.0,
                i + 1
            );
        }
    }
    let points: Vec<String> = t
        .position
        .iter()
        .zip(&t.fake_share)
        .map(|(&p, &f)| format!("{:.1},{:.1}", x_of(p as f64), y_of(f)))
        .collect();
    if !points.is_empty() {
        let _ = write!(
            s,
            r#"<polyline class="share" fill="none" stroke="rgb(40,80,160)" stroke-width="1.8" points="{}"/>"#,
            points.join(" ")
        );
    }
    let base = y_of(report.fake_share.estimate);
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{base:.1}" y2="{base:.1}" stroke="#555" stroke-dasharray="5 3"><title>Estimated fake share {}</title></line>"##,
        x_of(report.positions as f64),
        pct(report.fake_share.estimate)
    );
    s.push_str("</svg>");
    s
}

/// The bursts the page lists: the `MAX_BURSTS_SHOWN` largest by estimated bought followers, as
/// indices into `report.bursts`, in follow order.
fn bursts_shown(report: &AuditReport) -> Vec<usize> {
    report
        .largest_bursts(MAX_BURSTS_SHOWN)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

const STYLE: &str = "body{font-family:sans-serif;font-size:15px;line-height:1.45;max-width:780px;\
margin:2em auto;padding:0 1em;color:#222}\
h1{margin-bottom:0.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:0.2em}\
.meta{color:#555;margin-top:0}\
.verdict{font-size:1.7em;font-weight:bold;margin:0.8em 0 0.3em}\
.note{color:#8a4b00}\
table{border-collapse:collapse;margin:0.5em 0}\
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}\
th{background:#f3f3f3}td.l,th.l{text-align:left}\
.small{color:#555;font-size:0.9em}#followers td.l{font-size:0.92em}svg{display:block;margin:0.5em 0;max-width:100%;height:auto}";

/// The engagement times and the bursts found in them, the largest first.
fn engagement_section(s: &mut String, e: &EngagementReport) {
    let minute = |t: &chrono::DateTime<chrono::Utc>| t.format("%-d %B %Y, %H:%M UTC").to_string();
    s.push_str("\n<h2>When the fake engagers came</h2>");
    if let (Some(first), Some(last)) = (&e.first, &e.last) {
        let _ = write!(
            s,
            "<p id=\"engagement-span\">{} engagements with a time, from {} to {}: {:.1} a minute on average.</p>",
            thousands(e.with_time as f64),
            esc(&minute(first)),
            esc(&minute(last)),
            e.per_minute
        );
    }
    if let Some(note) = &e.note {
        let _ = write!(
            s,
            "<p class=\"note\" id=\"engagement-note\">{}.</p>",
            esc(note)
        );
    }
    if e.bursts_over != BurstAxis::Time {
        return;
    }
    if e.bursts.is_empty() {
        s.push_str("<p id=\"no-time-bursts\">No burst of fake-looking engagers found in time.</p>");
        return;
    }
    s.push_str("<p class=\"small\">Bursts: stretches of time in which many of the engagers look fake, as bought likes and reposts arrive. Minutes count from the first engagement.</p><table id=\"time-bursts\"><tr><th>burst</th><th>minutes</th><th class=\"l\">from</th><th>engagements</th><th>per minute (elsewhere)</th><th>look fake (elsewhere)</th><th>about this many fake</th></tr>");
    for (i, b) in e.largest_bursts(MAX_BURSTS_SHOWN) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{:.0} to {:.0}</td><td class=\"l\">{}</td><td>{}</td><td>{:.1} ({:.1})</td><td>{} ({})</td><td>{}</td></tr>",
            i + 1,
            b.start_minute,
            b.end_minute,
            esc(&minute(&b.start)),
            thousands(b.engagements as f64),
            b.per_minute,
            b.baseline_per_minute,
            pct0(b.fake_share),
            pct0(b.baseline_fake_share),
            thousands(b.estimated_fake)
        );
    }
    s.push_str("</table>");
}

impl AuditReport {
    /// The report as one self-contained HTML page, written for the account's owner: a plain
    /// verdict, how it was counted, what the likely fakes share, the charts, the bursts and
    /// the most suspicious followers (no scripts, no external files).
    pub fn to_html(&self) -> String {
        render_html(self)
    }
}

/// Renders the report as one self-contained HTML page ([`AuditReport::to_html`]).
pub(crate) fn render_html(report: &AuditReport) -> String {
    let g = &report.genuine_share;
    // The label, else the input's file name (its path is in the line below).
    let file_name = report
        .source
        .rsplit(['/', '\\'])
        .find(|part| !part.is_empty())
        .unwrap_or(&report.source);
    let name = report.label.as_deref().unwrap_or(file_name);
    let many = report.list.noun();
    let title = match report.list {
        ListKind::Followers => "Follower audit",
        _ => "Engagement audit",
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: {name}</title>
<style>{STYLE}</style></head><body>
<h1>{title}: <span id="account">{name}</span></h1>
"#,
        name = esc(name),
    );
    let mut meta = Vec::new();
    if !report.audited_at.is_empty() {
        meta.push(format!(
            "Audited on <time id=\"audited-at\" datetime=\"{}\">{}</time>",
            esc(&report.audited_at),
            esc(&audit_date(&report.audited_at))
        ));
    }
    if name != report.source {
        meta.push(format!("input <code>{}</code>", esc(&report.source)));
    }
    meta.push(format!(
        "{} {many} checked",
        thousands(report.scored as f64)
    ));
    let _ = writeln!(s, "<p class=\"meta\">{}.</p>", meta.join(" · "));

    // The verdict, and what it means in followers.
    let _ = writeln!(
        s,
        "<p class=\"verdict\" id=\"verdict\">{}</p>",
        esc(&verdict(report))
    );
    if let Some(note) = shift_note(report) {
        let _ = writeln!(s, "<p class=\"note\" id=\"shift-note\">{note}</p>");
    }
    let fc = &report.fake_count_estimate;
    // Unwidened under shift, the range's confidence holds only where the error rates do.
    let unwidened = shift_note(report).is_some() && !g.method.uses_rates();
    let _ = writeln!(
        s,
        "<p id=\"fake-count\">That is about <b>{} fake {many}</b> (between {} and {}){}. The \
         range {} the true share with {:.0}% confidence{}.</p>",
        thousands(fc.estimate),
        thousands(fc.ci_low),
        thousands(fc.ci_high),
        report
            .population
            .map(|n| format!(" among {} {many}", thousands(n as f64)))
            .unwrap_or_default(),
        if unwidened { "would hold" } else { "holds" },
        100.0 * g.confidence,
        if unwidened {
            format!(" if the model erred on these {many} as on its validation accounts")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "<p id=\"method\">How this was counted: <b>{}</b>: {}.</p>",
        esc(method_words(g.method)),
        esc(&method_why(g.method, report.naive_fake_share, report.list))
    );

    // What the likely fakes share.
    let traits = trait_sentences(&report.fake_traits);
    if !traits.is_empty() {
        s.push_str("<h2>What the likely fakes have in common</h2><ul id=\"traits\">");
        for t in &traits {
            let _ = write!(s, "<li>{}</li>", esc(t));
        }
        s.push_str("</ul>\n");
    }

    // The followers at a glance.
    let b = &report.breakdown;
    let row = |s: &mut String, label: &str, n: u64| {
        let _ = write!(
            s,
            "<tr><th class=\"l\">{label}</th><td>{}</td></tr>",
            thousands(n as f64)
        );
    };
    let _ = write!(s, "<h2>The {many} at a glance</h2><table id=\"counts\">");
    row(&mut s, "likely fake", b.likely_fake);
    row(&mut s, "likely genuine", b.likely_genuine);
    row(
        &mut s,
        "genuine but inactive (rarely post)",
        b.inactive_genuine,
    );
    row(&mut s, "the model is not sure", b.uncertain);
    row(&mut s, &format!("{many} checked"), report.scored);
    row(&mut s, "records in the file", report.records_read);
    if report.rejected > 0 {
        row(&mut s, "records that could not be read", report.rejected);
    }
    if report.duplicates > 0 {
        let repeats = match report.list {
            ListKind::Engagers => "of which repeats of an engager",
            _ => "of which repeats of a follower",
        };
        row(&mut s, repeats, report.duplicates);
    }
    if report.not_sampled > 0 {
        row(&mut s, "left out of the sample", report.not_sampled);
    }
    s.push_str("</table>\n");

    // How sure the model is about each follower.
    let _ = writeln!(
        s,
        "<h2>How sure the model is about each {one}</h2><p id=\"p-fake\">P(fake) is {P_FAKE_MEANS}: \
         near 0 the account looks genuine, near 1 it looks fake. Each bar counts the {many} \
         in a band of P(fake).</p>",
        one = report.list.noun_one()
    );
    s.push_str(&histogram_svg(&report.histogram, many));

    // When the fake engagers came, in time.
    if let Some(e) = &report.engagement {
        engagement_section(&mut s, e);
    }

    // When the fake followers came (for engagers with times, the section above says it).
    let shown = bursts_shown(report);
    let by_time = report
        .engagement
        .as_ref()
        .is_some_and(|e| e.bursts_over == BurstAxis::Time);
    if !by_time {
        s.push_str(match report.list {
            ListKind::Engagers => "\n<h2>Where the fake engagers are in the list</h2><p class=\"small\">Blue line: the share of engagers that look fake, along the list from its first entry (left) to its last (right). Dashed line: the overall estimate. Red bands: bursts, stretches of the list where many fakes came at once, as bought engagement does.</p>",
            _ => "\n<h2>When the fake followers came</h2><p class=\"small\">Blue line: the share of followers that look fake, along the list from the newest follower (left) to the oldest (right). Dashed line: the overall estimate. Red bands: bursts, stretches of the list where many fakes followed at once, as bought followers do.</p>",
        });
        s.push_str(&timeline_svg(report, &shown));
    }
    if report.bursts.is_empty() {
        if !by_time {
            let _ = write!(
                s,
                "<p id=\"no-bursts\">No burst of bought {many} found.</p>"
            );
        }
    } else {
        let _ = write!(
            s,
            "<p>{}</p><table id=\"bursts\"><tr><th>burst</th><th>{many} (positions)</th><th>look fake</th><th>elsewhere in the list</th><th>about this many bought</th></tr>",
            if report.bursts.len() > shown.len() {
                format!(
                    "The {} largest of {} bursts:",
                    shown.len(),
                    report.bursts.len()
                )
            } else if report.bursts.len() == 1 {
                "One burst:".to_string()
            } else {
                format!("{} bursts:", report.bursts.len())
            }
        );
        for &i in &shown {
            let b = &report.bursts[i];
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                thousands(b.start as f64),
                thousands(b.last() as f64),
                pct0(b.fake_share),
                pct0(b.baseline_fake_share),
                thousands(b.estimated_bought)
            );
        }
        s.push_str("</table>");
        let more = report.bursts.len() - shown.len();
        if more > 0 {
            let _ = write!(
                s,
                "<p id=\"more-bursts\">{more} more, smaller burst{} {} in the JSON report.</p>",
                if more == 1 { "" } else { "s" },
                if more == 1 { "is" } else { "are" }
            );
        }
    }

    // The most suspicious followers.
    let mut top: Vec<_> = report.followers.iter().collect();
    top.sort_by(|a, b| {
        b.p_fake
            .total_cmp(&a.p_fake)
            .then(a.position.cmp(&b.position))
    });
    if !top.is_empty() {
        let _ = write!(
            s,
            "\n<h2>The {many} most likely to be fake</h2><p class=\"small\">The {} with the highest P(fake){}, with what the model saw in them.</p><table id=\"followers\"><tr><th>position</th><th class=\"l\">account</th><th>P(fake)</th><th class=\"l\">why</th></tr>",
            top.len().min(MAX_FOLLOWERS_SHOWN),
            if report.followers.len() > MAX_FOLLOWERS_SHOWN {
                " (the JSON report lists more)"
            } else {
                ""
            }
        );
        for f in top.iter().take(MAX_FOLLOWERS_SHOWN) {
            // The reasons pointing to fake first: the page says why it is suspected.
            let mut reasons: Vec<_> = f.reasons.iter().collect();
            reasons.sort_by_key(|r| r.weight <= 0.0);
            let reasons: Vec<String> = reasons.iter().take(3).map(|r| esc(&r.text)).collect();
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"l\">{}</td><td>{:.2}</td><td class=\"l\">{}</td></tr>",
                thousands(f.position as f64),
                esc(f.screen_name.as_deref().or(f.id.as_deref()).unwrap_or("")),
                f.p_fake,
                reasons.join("<br>")
            );
        }
        s.push_str("</table>");
    }

    // Every estimator.
    let _ = write!(s, "\n<h2>Every way of counting</h2><p class=\"small\">The same {many} counted by each method the audit knows; the one used above is marked.</p><table id=\"estimates\"><tr><th class=\"l\">method</th><th>genuine share</th><th>range</th></tr>");
    for e in &report.estimates {
        let _ = write!(
            s,
            "<tr><td class=\"l\" title=\"{}\">{}{}</td><td>{}</td><td>{} to {}</td></tr>",
            esc(e.method.name()),
            esc(method_words(e.method)),
            if e.method == g.method {
                " (used above)"
            } else {
                ""
            },
            pct(e.estimate),
            pct(e.ci_low),
            pct(e.ci_high)
        );
    }
    s.push_str("</table>\n");

    // Technical details.
    let m = &report.model;
    let _ = write!(
        s,
        "<h2>Technical details</h2><ul class=\"small\" id=\"details\"><li>Model: {} on {}, flagging at P(fake) {:.2} or more; trained on {} (follower-audit {}).</li><li>Account ages measured at: {}.</li><li>Seed: {}.</li>",
        esc(&m.detector),
        esc(&m.schema),
        m.threshold,
        esc(&m.trained_on.join(", ")),
        esc(&m.library_version),
        esc(&report.time_reference),
        report.seed
    );
    if let Some(sh) = &report.shift {
        let _ = write!(
            s,
            "<li id=\"shift\">How far these {many} are from what the model knows: <b>{}</b> ({} of {} sampled {many} outside the training data's range{}).{}</li>",
            esc(sh.level.name()),
            pct(sh.outside_support),
            thousands(sh.accounts as f64),
            match (sh.uncertain_share, sh.uncertain_expected) {
                (Some(u), Some(e)) => format!(
                    "; the model is unsure of {} of the {many}, and of at most {} of the \
                     training accounts it was checked on",
                    pct(u),
                    pct(e)
                ),
                _ => String::new(),
            },
            sh.warning
                .as_ref()
                .map_or(String::new(), |w| format!(" {}.", esc(&sentence_case(w))))
        );
    }
    if let Some(f) = &report.fields {
        let _ = write!(
            s,
            "<li id=\"fields\">Fields in this export: {}. Missing: {}. The model reads: {}.</li>",
            esc(&FieldGroup::join(&f.present, ", ")),
            esc(&if f.absent.is_empty() {
                "none".to_string()
            } else {
                FieldGroup::join(&f.absent, ", ")
            }),
            esc(&FieldGroup::join(&f.model_reads, ", "))
        );
        if let Some(lacked) = f.scored_without_text() {
            let _ = write!(
                s,
                "<li id=\"scored-without\">Followers lacking a field the model reads, scored by \
                 a model without it: {}.</li>",
                esc(&lacked)
            );
        }
    }
    s.push_str("</ul></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Label;
    use crate::audit::report::FollowerGroup;
    use crate::bursts::Burst;
    use crate::detector::Reason;
    use crate::features::FeatureSet;
    use crate::quantify::{RateShift, ShareEstimate};
    use crate::training::ShiftLevel;

    use super::super::report::{
        Breakdown, CountInterval, FollowerScore, ModelInfo, ShiftReport, Timeline,
    };
    use super::super::{ListKind, Listing};

    fn share(method: Method, fake: f64) -> ShareEstimate {
        ShareEstimate {
            estimate: fake,
            ci_low: fake - 0.02,
            ci_high: fake + 0.02,
            confidence: 0.95,
            method,
            std_error: 0.01,
        }
    }

    /// A report of 10,000 followers, 29% fake, with `bursts` bursts and 40 listed followers
    /// whose reasons are those of the Twitter model's columns.
    /// A high shift of `accounts` sampled followers, `outside` of them outside the support,
    /// with `warning` and the (list, validation) shares in the uncertain band.
    fn high_shift(outside: f64, accounts: usize, warning: &str, unsure: (f64, f64)) -> ShiftReport {
        ShiftReport {
            outside_support: outside,
            accounts,
            weight: 1.0,
            level: ShiftLevel::High,
            warning: Some(warning.into()),
            uncertain_share: Some(unsure.0),
            uncertain_expected: Some(unsure.1),
            rate_spread: RateShift::default(),
            matched_fake: 0,
            matched_genuine: 0,
        }
    }

    fn report(bursts: usize) -> AuditReport {
        let fake = share(Method::Pacc, 0.29);
        let names = FeatureSet::Twitter.schema().names().to_vec();
        let followers = (0..40u64)
            .map(|i| FollowerScore {
                position: i * 250,
                id: Some(format!("{i}")),
                screen_name: Some(format!("user{i}")),
                p_fake: 1.0 - i as f64 / 50.0,
                label: Label::Fake,
                group: FollowerGroup::LikelyFake,
                reasons: (0..3)
                    .map(|k| {
                        let name = names[(3 * i as usize + k) % names.len()].clone();
                        Reason {
                            text: crate::detector::explain::reasons_from_contributions(
                                &crate::features::FeatureSchema::new("s", 1, vec![name.clone()])
                                    .unwrap(),
                                &[k as f64 * 1.3],
                                &[0.1 - 0.07 * k as f64],
                            )[0]
                            .text
                            .clone(),
                            source: name,
                            weight: 0.1 - 0.07 * k as f64,
                        }
                    })
                    .collect(),
            })
            .collect();
        AuditReport {
            source: "followers.jsonl".into(),
            label: Some("Acme Shoes".into()),
            audited_at: "2015-02-14T12:00:00Z".into(),
            records_read: 10_000,
            scored: 10_000,
            rejected: 0,
            not_sampled: 0,
            duplicates: 0,
            rejections: Vec::new(),
            population: None,
            genuine_share: fake.complement(),
            fake_share: fake,
            estimates: Method::ALL
                .into_iter()
                .map(|m| share(m, 0.3).complement())
                .collect(),
            naive_fake_share: 0.35,
            fake_count_estimate: CountInterval {
                estimate: 2900.0,
                ci_low: 2700.0,
                ci_high: 3100.0,
            },
            breakdown: Breakdown {
                likely_fake: 2500,
                likely_genuine: 6000,
                inactive_genuine: 800,
                uncertain: 700,
            },
            histogram: (0..20u64).map(|i| 30 * (20 - i) + 7 * i * i).collect(),
            timeline: Timeline {
                position: (0..100).map(|i| i * 100 + 50).collect(),
                fake_share: (0..100).map(|i| 0.2 + 0.002 * i as f64).collect(),
            },
            bursts: (0..bursts as u64)
                .map(|i| Burst {
                    start: i * 800,
                    end: i * 800 + 300,
                    scored: 300,
                    fake_share: 0.8,
                    baseline_fake_share: 0.2,
                    // Burst 5 is the largest, burst 0 the smallest.
                    estimated_bought: 100.0 + ((i + 7) % 12) as f64 * 10.0,
                })
                .collect(),
            model: ModelInfo {
                detector: "random forest".into(),
                schema: "twitter v2 (77 features)".into(),
                threshold: 0.5,
                trained_on: vec!["E13".into(), "FSF".into()],
                library_version: "0.1.0".into(),
                fields: None,
            },
            time_reference: "as of 2015-02-14T12:00:00+00:00".into(),
            seed: 0,
            followers,
            listing: Listing::default(),
            positions: 10_000,
            fields: None,
            shift: None,
            fake_traits: vec![
                FakeTrait {
                    name: "no_bio".into(),
                    text: "have no bio".into(),
                    likely_fake: 1800,
                    likely_fake_judged: 2500,
                    others: 600,
                    others_judged: 7500,
                },
                FakeTrait {
                    name: "no_picture".into(),
                    text: "have no profile picture".into(),
                    likely_fake: 10,
                    likely_fake_judged: 12,
                    others: 0,
                    others_judged: 7500,
                },
                FakeTrait {
                    name: "no_location".into(),
                    text: "give no location".into(),
                    likely_fake: 100,
                    likely_fake_judged: 2500,
                    others: 3000,
                    others_judged: 7500,
                },
            ],
            list: ListKind::Followers,
            engagement: None,
        }
    }

    /// The page's text outside tags (SVG titles and tick labels included), every tag read as
    /// a space.
    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        // Whitespace collapsed, so that "<b>x</b> (y" reads "x (y".
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_page_opens_with_the_account_date_and_a_plain_verdict() {
        let html = render_html(&report(1));
        let text = text_of(&html);
        assert!(html.contains("<span id=\"account\">Acme Shoes</span>"));
        assert!(
            text.contains("Audited on 14 February 2015, 12:00 UTC"),
            "{text}"
        );
        assert!(html.contains("datetime=\"2015-02-14T12:00:00Z\""));
        assert!(text.contains("About 7 in 10 followers look genuine (between 69% and 73%)"));
        // The verdict comes before everything but the title and the date.
        let verdict = html.find("id=\"verdict\"").unwrap();
        for later in ["id=\"histogram\"", "id=\"counts\"", "id=\"estimates\""] {
            assert!(html.find(later).unwrap() > verdict, "{later}");
        }
        assert!(text.contains("about 2,900 fake followers (between 2,700 and 3,100)"));
        // The method in words, and why it corrects the raw count.
        assert!(text.contains("mean probability adjusted for error rates"));
        assert!(text
            .contains("a raw count of flagged accounts would say 35% of the followers are fake"));
        assert_eq!(text.matches(P_FAKE_MEANS).count(), 1);
        assert!(!html.contains("<script"));
        assert!(!html.contains("src=\""));
        // No label: the input's name stands for the account.
        let mut r = report(0);
        r.label = None;
        assert!(render_html(&r).contains("<span id=\"account\">followers.jsonl</span>"));
        // A path: its file name, with the whole path in the line below.
        r.source = "/data/acme/followers.jsonl".into();
        let html = render_html(&r);
        assert!(html.contains("<span id=\"account\">followers.jsonl</span>"));
        assert!(html.contains("input <code>/data/acme/followers.jsonl</code>"));
    }

    #[test]
    fn a_high_shift_says_why_the_range_is_wide() {
        let mut r = report(0);
        assert!(!render_html(&r).contains("shift-note"));
        r.shift = Some(high_shift(
            0.4,
            2000,
            "40% of these followers look unlike",
            (0.1, 0.03),
        ));
        let text = text_of(&render_html(&r));
        assert!(text.contains(
            "The range is wide because these followers are unlike the accounts the model learned from"
        ));
        // The shift item gives both signals' numbers; without a band, the support's only.
        assert!(text.contains(
            "40.0% of 2,000 sampled followers outside the training data's range; the model is \
             unsure of 10.0% of the followers, and of at most 3.0% of the training accounts it \
             was checked on"
        ));
        let sh = r.shift.as_mut().unwrap();
        sh.uncertain_share = None;
        sh.uncertain_expected = None;
        let text = text_of(&render_html(&r));
        assert!(
            text.contains("40.0% of 2,000 sampled followers outside the training data's range).")
        );
        assert!(!text.contains("the model is unsure of 10.0%"));
    }

    #[test]
    fn an_estimator_that_ignores_the_error_rates_does_not_claim_a_widened_range() {
        let mut r = report(0);
        r.shift = Some(high_shift(
            0.4,
            2000,
            "40% of these followers look unlike",
            (0.1, 0.03),
        ));
        r.genuine_share = share(Method::Cc, 0.3);
        let text = text_of(&render_html(&r));
        assert!(!text.contains("The range is wide because"), "{text}");
        assert!(text.contains("its range is not widened"), "{text}");
        assert!(
            text.contains("would hold the true share with 95% confidence if"),
            "{text}"
        );
        r.genuine_share = share(Method::Pacc, 0.3);
        let text = text_of(&render_html(&r));
        assert!(text.contains("The range is wide because"), "{text}");
        assert!(
            text.contains("holds the true share with 95% confidence."),
            "{text}"
        );
    }

    #[test]
    fn a_list_of_engagers_is_never_called_followers() {
        let mut r = report(2);
        r.shift = Some(high_shift(
            0.4,
            2000,
            "40% of them look unlike",
            (0.1, 0.03),
        ));
        r.duplicates = 1;
        r.list = ListKind::Engagers;
        let text = text_of(&render_html(&r));
        // What is left: the accounts' own follower counts in the reasons, and the tool's name.
        let stray: Vec<&str> = text
            .match_indices("follower")
            .map(|(i, _)| {
                let lo = (0..=i.saturating_sub(40))
                    .rev()
                    .find(|&k| text.is_char_boundary(k))
                    .unwrap_or(0);
                let hi = ((i + 50).min(text.len())..=text.len())
                    .find(|&k| text.is_char_boundary(k))
                    .unwrap_or(text.len());
                &text[lo..hi]
            })
            .filter(|around| {
                ![
                    "follower-audit",
                    "followers.jsonl",
                    "#followers",
                    "points to",
                ]
                .iter()
                .any(|ok| around.contains(ok))
            })
            .collect();
        assert!(stray.is_empty(), "{stray:#?}");
        assert!(text.contains("The engagers at a glance"), "{text}");
    }

    #[test]
    fn a_warning_inside_the_page_starts_a_sentence() {
        assert_eq!(sentence_case("the model is unsure"), "The model is unsure");
        assert_eq!(sentence_case("40% of them"), "40% of them");
        assert_eq!(sentence_case("élan"), "Élan");
        assert_eq!(sentence_case(""), "");
        let mut r = report(0);
        r.shift = Some(high_shift(
            0.03,
            1000,
            "the model is unsure of 20.0% of them",
            (0.2, 0.02),
        ));
        let text = text_of(&render_html(&r));
        assert!(
            text.contains("checked on). The model is unsure of 20.0% of them."),
            "{text}"
        );
    }

    #[test]
    fn verdicts_at_the_ends_read_naturally() {
        let mut r = report(0);
        r.genuine_share = share(Method::Pacc, 0.98);
        assert!(verdict(&r).starts_with("Nearly all followers look genuine"));
        r.genuine_share = share(Method::Pacc, 0.02);
        assert!(verdict(&r).starts_with("Almost no followers look genuine"));
        r.genuine_share = share(Method::Pacc, 0.06);
        assert!(verdict(&r).starts_with("About 1 in 10"));
    }

    #[test]
    fn every_estimator_is_named_in_words() {
        let text = text_of(&render_html(&report(0)));
        for words in [
            "raw count",
            "count adjusted for error rates",
            "mean probability",
            "mean probability adjusted for error rates (used above)",
            "expectation-maximisation",
        ] {
            assert!(text.contains(words), "{words}");
        }
        for code in ["cc", "acc", "pcc", "pacc", "em"] {
            assert!(
                !text.contains(&format!(" {code} ")),
                "{code} shown as a code"
            );
        }
    }

    #[test]
    fn reasons_read_in_words() {
        let html = render_html(&report(0));
        let text = text_of(&html);
        assert!(!text.contains(" = "), "a `name = value` on the page");
        for name in FeatureSet::Twitter.schema().names() {
            assert!(!text.contains(name.as_str()), "raw feature name {name}");
        }
        assert!(text.contains("points to fake"));
        // At most 25 followers listed, most suspicious first.
        let table = &html[html.find("id=\"followers\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 1 + MAX_FOLLOWERS_SHOWN);
        assert!(table.find(">user0<").unwrap() < table.find(">user1<").unwrap());
        assert!(!table.contains(">user25<"));
    }

    #[test]
    fn both_charts_have_ticks_on_both_axes() {
        let html = render_html(&report(2));
        let chart = |id: &str| {
            let start = html.find(&format!("<svg id=\"{id}\"")).unwrap();
            let end = start + html[start..].find("</svg>").unwrap();
            html[start..end].to_string()
        };
        let ticks = |svg: &str, class: &str| -> Vec<String> {
            svg.split(&format!("class=\"{class}\""))
                .skip(1)
                .map(|t| {
                    let t = &t[t.find('>').unwrap() + 1..];
                    t[..t.find('<').unwrap()].to_string()
                })
                .collect()
        };
        let hist = chart("histogram");
        assert_eq!(
            ticks(&hist, "xtick"),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        // The counts run to 2,793 (bin 19): ticks every 500 up to 3,000.
        assert_eq!(
            ticks(&hist, "ytick"),
            ["0", "500", "1,000", "1,500", "2,000", "2,500", "3,000"]
        );
        let time = chart("timeline");
        assert_eq!(
            ticks(&time, "xtick"),
            ["0", "2,000", "4,000", "6,000", "8,000", "10,000"]
        );
        assert_eq!(ticks(&time, "ytick"), ["0%", "25%", "50%", "75%", "100%"]);
        assert_eq!(time.matches("class=\"burst\"").count(), 2);
    }

    #[test]
    fn at_most_ten_bursts_are_listed_with_the_rest_in_the_json() {
        let r = report(12);
        let html = render_html(&r);
        let table = &html[html.find("id=\"bursts\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 1 + MAX_BURSTS_SHOWN);
        // The two smallest (bursts 1 and 12: 170 and 180 bought... see `report`) are left out.
        let mut bought: Vec<(f64, usize)> = r
            .bursts
            .iter()
            .enumerate()
            .map(|(i, b)| (b.estimated_bought, i + 1))
            .collect();
        bought.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, n) in &bought[..2] {
            assert!(!table.contains(&format!("<tr><td>{n}</td>")), "burst {n}");
        }
        for (_, n) in &bought[2..] {
            assert!(table.contains(&format!("<tr><td>{n}</td>")), "burst {n}");
        }
        let text = text_of(&html);
        assert!(text.contains("The 10 largest of 12 bursts"));
        assert!(text.contains("2 more, smaller bursts are in the JSON report."));
        // Every burst is still shaded on the chart.
        assert_eq!(html.matches("class=\"burst\"").count(), 12);
        // Ten or fewer: no such line.
        let html = render_html(&report(10));
        assert_eq!(
            {
                let t = &html[html.find("id=\"bursts\"").unwrap()..];
                t[..t.find("</table>").unwrap()].matches("<tr>").count()
            },
            11
        );
        assert!(!html.contains("more-bursts"));
    }

    #[test]
    fn the_likely_fakes_traits_read_as_sentences() {
        let r = report(0);
        let traits = trait_sentences(&r.fake_traits);
        // no_picture is judged on too few likely fakes; no_location is rarer among them.
        assert_eq!(
            traits,
            ["72% of the likely fakes have no bio, against 8% of the others."]
        );
        assert!(text_of(&render_html(&r)).contains(&traits[0]));
    }
}
