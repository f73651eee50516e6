//! A self-contained HTML page for an [`AuditReport`]: summary, estimator table and two SVG
//! charts (the histogram of P(fake), and the fake share along the follow order with the bursts
//! marked). No scripts, no external files: it can be mailed or archived as it is.

use std::fmt::Write;

use super::report::AuditReport;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const MARGIN: f64 = 40.0;

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

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The histogram of P(fake) as an SVG element.
fn histogram_svg(counts: &[u64]) -> String {
    let mut s = String::new();
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let plot_w = WIDTH - 2.0 * MARGIN;
    let plot_h = HEIGHT - 2.0 * MARGIN;
    let bar_w = plot_w / counts.len().max(1) as f64;
    let _ = write!(
        s,
        r#"<svg id="histogram" role="img" aria-label="Histogram of P(fake)" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">"#
    );
    for (i, &c) in counts.iter().enumerate() {
        let h = plot_h * c as f64 / max;
        let x = MARGIN + i as f64 * bar_w;
        let y = MARGIN + plot_h - h;
        let lo = i as f64 / counts.len() as f64;
        // Colour runs from green (genuine) to red (fake).
        let red = (60.0 + 180.0 * lo) as u8;
        let green = (170.0 - 120.0 * lo) as u8;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="rgb({red},{green},70)"><title>P(fake) {lo:.2}-{:.2}: {c}</title></rect>"#,
            (bar_w - 1.0).max(1.0),
            lo + 1.0 / counts.len() as f64
        );
    }
    axes(&mut s, "P(fake)", "0", "1", &format!("{}", max as u64));
    s.push_str("</svg>");
    s
}

/// The fake share along the follow order, with bursts shaded.
fn timeline_svg(report: &AuditReport) -> String {
    let t = &report.timeline;
    let mut s = String::new();
    let plot_w = WIDTH - 2.0 * MARGIN;
    let plot_h = HEIGHT - 2.0 * MARGIN;
    let span = (report.positions.max(1)) as f64;
    let x_of = |pos: f64| MARGIN + plot_w * pos / span;
    let y_of = |share: f64| MARGIN + plot_h * (1.0 - share.clamp(0.0, 1.0));
    let _ = write!(
        s,
        r#"<svg id="timeline" role="img" aria-label="Fake share along the follow order" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">"#
    );
    for (i, b) in report.bursts.iter().enumerate() {
        let x0 = x_of(b.start as f64);
        let x1 = x_of(b.end as f64);
        let _ = write!(
            s,
            r#"<rect class="burst" x="{x0:.1}" y="{MARGIN}" width="{:.1}" height="{plot_h}" fill="rgba(220,60,60,0.18)" stroke="rgb(200,40,40)" stroke-dasharray="4 3"><title>Burst {}: followers {}-{}, fake share {}, about {:.0} bought</title></rect>"#,
            (x1 - x0).max(1.0),
            i + 1,
            b.start,
            b.end,
            pct(b.fake_share),
            b.estimated_bought
        );
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
            r#"<polyline class="share" fill="none" stroke="rgb(40,80,160)" stroke-width="1.6" points="{}"/>"#,
            points.join(" ")
        );
    }
    let base = y_of(report.fake_share.estimate);
    let _ = write!(
        s,
        r#"<line x1="{MARGIN}" x2="{:.1}" y1="{base:.1}" y2="{base:.1}" stroke="gray" stroke-dasharray="2 2"><title>Estimated fake share {}</title></line>"#,
        MARGIN + plot_w,
        pct(report.fake_share.estimate)
    );
    axes(
        &mut s,
        "position in follower list (0 = newest)",
        "0",
        &format!("{}", report.positions),
        "100%",
    );
    s.push_str("</svg>");
    s
}

fn axes(s: &mut String, x_label: &str, x_min: &str, x_max: &str, y_max: &str) {
    let bottom = HEIGHT - MARGIN;
    let right = WIDTH - MARGIN;
    let _ = write!(
        s,
        r#"<g class="axes" stroke="black" fill="black" font-size="11" font-family="sans-serif"><line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{bottom}"/><line x1="{MARGIN}" y1="{bottom}" x2="{right}" y2="{bottom}"/><text stroke="none" x="{MARGIN}" y="{:.0}" text-anchor="middle">{}</text><text stroke="none" x="{right}" y="{:.0}" text-anchor="middle">{}</text><text stroke="none" x="{:.0}" y="{:.0}" text-anchor="middle">{}</text><text stroke="none" x="{:.0}" y="{MARGIN}" text-anchor="end">{}</text></g>"#,
        bottom + 14.0,
        esc(x_min),
        bottom + 14.0,
        esc(x_max),
        WIDTH / 2.0,
        bottom + 30.0,
        esc(x_label),
        MARGIN - 4.0,
        esc(y_max),
    );
}

/// Renders the report as one self-contained HTML page.
pub fn render_html(report: &AuditReport) -> String {
    let g = &report.genuine_share;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Follower audit: {src}</title>
<style>body{{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#f3f3f3}}td.l,th.l{{text-align:left}}.big{{font-size:2em;font-weight:bold}}</style></head><body>
<h1>Follower audit</h1><p>Input: <code>{src}</code></p>
<p class="big" id="genuine-share">{est} genuine</p>
<p>{conf:.0}% confidence interval: <b>{lo} to {hi}</b> (estimator: {method}, corrected for the classifier's own error rates). Counting predicted fakes directly would say {naive} fake.</p>
<p>Estimated fake followers: <b>{fc:.0}</b> ({fcl:.0} to {fch:.0}).</p>
"#,
        src = esc(&report.source),
        est = pct(g.estimate),
        conf = 100.0 * g.confidence,
        lo = pct(g.ci_low),
        hi = pct(g.ci_high),
        method = esc(&g.method),
        naive = pct(report.naive_fake_share),
        fc = report.fake_count_estimate.estimate,
        fcl = report.fake_count_estimate.ci_low,
        fch = report.fake_count_estimate.ci_high,
    );
    if let Some(sh) = &report.shift {
        let _ = write!(
            s,
            r#"<p id="shift">How far these followers lie from the accounts the model learned from: <b>{}</b> ({} of {} sampled followers outside the training data's range).{}</p>"#,
            esc(&sh.level),
            pct(sh.outside_support),
            sh.accounts,
            sh.warning
                .as_ref()
                .map_or(String::new(), |w| format!(" <b>Warning:</b> {}.", esc(w)))
        );
    }
    if let Some(f) = &report.fields {
        let _ = write!(
            s,
            "<p id=\"fields\">Fields in this export: {}. Missing: {}. The model reads only: {}.</p>",
            esc(&f.present.join(", ")),
            esc(&if f.absent.is_empty() { "none".to_string() } else { f.absent.join(", ") }),
            esc(&f.model_reads.join(", "))
        );
    }
    let b = &report.breakdown;
    let _ = write!(
        s,
        r#"<h2>Counts</h2><table><tr><th class="l">records read</th><td>{}</td></tr><tr><th class="l">scored</th><td>{}</td></tr><tr><th class="l">rejected</th><td>{}</td></tr><tr><th class="l">not sampled</th><td>{}</td></tr><tr><th class="l">duplicates (in rejected)</th><td>{}</td></tr><tr><th class="l">likely fake</th><td>{}</td></tr><tr><th class="l">likely genuine</th><td>{}</td></tr><tr><th class="l">inactive but genuine</th><td>{}</td></tr><tr><th class="l">uncertain</th><td>{}</td></tr></table>"#,
        report.records_read,
        report.scored,
        report.rejected,
        report.not_sampled,
        report.duplicates,
        b.likely_fake,
        b.likely_genuine,
        b.inactive_genuine,
        b.uncertain
    );
    s.push_str("<h2>Every estimator</h2><table><tr><th class=\"l\">method</th><th>genuine share</th><th>interval</th></tr>");
    for e in &report.estimates {
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{} to {}</td></tr>",
            esc(&e.method),
            pct(e.estimate),
            pct(e.ci_low),
            pct(e.ci_high)
        );
    }
    s.push_str("</table><h2>Distribution of P(fake)</h2>");
    s.push_str(&histogram_svg(&report.histogram));
    s.push_str("<h2>Fake share along the follow order</h2>");
    s.push_str(&timeline_svg(report));
    if report.bursts.is_empty() {
        s.push_str("<p>No bought-follower burst found.</p>");
    } else {
        s.push_str("<table id=\"bursts\"><tr><th>burst</th><th>followers</th><th>fake share</th><th>baseline</th><th>est. bought</th></tr>");
        for (i, b) in report.bursts.iter().enumerate() {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{:.0}</td></tr>",
                i + 1,
                b.start,
                b.end,
                pct(b.fake_share),
                pct(b.baseline_fake_share),
                b.estimated_bought
            );
        }
        s.push_str("</table>");
    }
    let mut top: Vec<_> = report.followers.iter().collect();
    top.sort_by(|a, b| {
        b.p_fake
            .total_cmp(&a.p_fake)
            .then(a.position.cmp(&b.position))
    });
    if !top.is_empty() {
        s.push_str("<h2>Most likely fake followers</h2><table><tr><th>position</th><th class=\"l\">screen name</th><th>P(fake)</th><th class=\"l\">main reasons</th></tr>");
        for f in top.iter().take(25) {
            let reasons: Vec<String> = f.reasons.iter().take(3).map(|r| esc(&r.text)).collect();
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"l\">{}</td><td>{:.2}</td><td class=\"l\">{}</td></tr>",
                f.position,
                esc(f.screen_name.as_deref().unwrap_or("")),
                f.p_fake,
                reasons.join("; ")
            );
        }
        s.push_str("</table>");
    }
    let m = &report.model;
    let _ = writeln!(
        s,
        "<h2>Model</h2><p>{} on {}, threshold {:.2}, trained on {} (follower-audit {}). Ages measured {}.</p></body></html>",
        esc(&m.detector),
        esc(&m.schema),
        m.threshold,
        esc(&m.trained_on.join(", ")),
        esc(&m.library_version),
        esc(&report.time_reference)
    );
    s
}
