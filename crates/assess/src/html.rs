//! The printable report (one self-contained HTML page with print CSS), and the SVG chart of
//! levels over successive assessments. Both the CLI (`steward assess report --html`) and the
//! server (`/maturity/{id}/print`) serve this page, so a printed report is the same everywhere.

use crate::model::Level;
use crate::report::{Point, Report};
use std::fmt::Write;

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Only http(s) and site-relative links become links; anything else is shown as text.
fn safe_link(link: &str) -> bool {
    link.starts_with("https://") || link.starts_with("http://") || (link.starts_with('/') && !link.starts_with("//"))
}

fn link_html(link: &str) -> String {
    if safe_link(link) { format!("<a href=\"{}\">{}</a>", escape(link), escape(link)) } else { escape(link) }
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;color:#1b1b1b;max-width:60rem;margin:1.5rem auto;padding:0 1rem}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ccc}\
h3{font-size:1rem;margin:1rem 0 .25rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}\
.meta{color:#555}.level{font-weight:600}.gap{margin:.25rem 0}.warn{background:#fff4ce;padding:.5rem}\
.src{color:#666;font-size:.85em}@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}\
h2{break-after:avoid}table,.area{break-inside:avoid}}";

/// The whole printable report.
pub fn report_page(report: &Report, chart: Option<&str>) -> String {
    let a = &report.assessment;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&a.title)
    );
    let scope = match &a.scope_ref {
        Some(r) => format!("{} {}", a.scope.as_str().replace('_', " "), r),
        None => a.scope.as_str().to_string(),
    };
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"meta\">Assessment {} · {} · {} · created by {} on {}{}</p>",
        escape(&a.title),
        a.id,
        escape(&scope),
        a.state.as_str(),
        escape(&a.created_by),
        a.created_at.format("%Y-%m-%d"),
        a.completed_at.map_or_else(String::new, |t| format!(" · completed {}", t.format("%Y-%m-%d")))
    );
    let models: Vec<String> = a.models.iter().map(|m| format!("{} {}", m.id, m.version)).collect();
    let _ = write!(h, "<p class=\"meta\">Models: {}</p>", escape(&models.join(", ")));
    for w in &report.warnings {
        let _ = write!(h, "<p class=\"warn\">{}</p>", escape(w));
    }
    h.push_str(
        "<h2>Summary</h2><table><tr><th>Model</th><th>Area</th><th>Level</th><th>Score</th><th>Answered</th></tr>",
    );
    for m in &report.scores {
        for s in &m.areas {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"level\">{}</td><td>{:.0}</td><td>{} of {}</td></tr>",
                escape(&m.title),
                escape(&s.title),
                escape(&s.level.label()),
                s.score,
                s.answered,
                s.questions
            );
        }
    }
    h.push_str("</table>");
    if let Some(svg) = chart {
        h.push_str("<h2>Progress</h2>");
        h.push_str(svg);
    }
    for m in &report.scores {
        let _ = write!(h, "<h2>{} — lowest area level {}</h2>", escape(&m.title), escape(&m.level.label()));
        for s in &m.areas {
            let _ = write!(
                h,
                "<div class=\"area\"><h3>{} — {} (score {:.0})</h3><ul>",
                escape(&s.title),
                escape(&s.level.label()),
                s.score
            );
            for r in &s.reasons {
                let _ = write!(h, "<li>{}</li>", escape(r));
            }
            h.push_str("</ul>");
            if !s.gaps.is_empty() {
                let _ = write!(
                    h,
                    "<p><strong>Gaps to {}</strong></p><ul>",
                    escape(&s.next_level.map_or_else(String::new, Level::label))
                );
                for g in &s.gaps {
                    let _ = write!(
                        h,
                        "<li class=\"gap\">{} <span class=\"src\">({}; {})</span></li>",
                        escape(&g.text),
                        escape(g.answer.as_deref().unwrap_or("not answered")),
                        escape(&g.why)
                    );
                }
                h.push_str("</ul>");
            }
            if !s.actions.is_empty() {
                h.push_str("<p><strong>Recommended actions</strong></p><ul>");
                for act in &s.actions {
                    let _ = write!(
                        h,
                        "<li>{}: {}{}</li>",
                        act.kind.label(),
                        escape(&act.text),
                        act.link.as_deref().map_or_else(String::new, |l| format!(" — {}", link_html(l)))
                    );
                }
                h.push_str("</ul>");
            }
            h.push_str("</div>");
        }
    }
    h.push_str("<h2>Answers</h2><table><tr><th>Question</th><th>Answer</th><th>From</th><th>By</th><th>Comment, links</th></tr>");
    for q in &report.questions {
        let from = match q.answer_source {
            Some(s) => s.as_str().to_string(),
            None => String::new(),
        };
        let mut notes = Vec::new();
        if let Some(e) = &q.evidence {
            notes.push(format!("Evidence: {}", escape(e)));
        }
        if let Some(c) = &q.comment {
            notes.push(escape(c));
        }
        notes.extend(q.links.iter().map(|l| link_html(l)));
        let _ = write!(
            h,
            "<tr><td>{}<div class=\"src\">{} · level {}</div></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&q.text),
            escape(&q.question_id),
            q.level.0,
            escape(q.answer.as_deref().unwrap_or("—")),
            escape(&from),
            escape(q.answered_by.as_deref().unwrap_or("")),
            notes.join("<br>")
        );
    }
    h.push_str("</table></body></html>");
    h
}

/// Levels of each area over successive assessments, as an SVG line chart (one line per area,
/// levels 100–500 on the vertical axis). `None` with fewer than one point.
pub fn progress_svg(points: &[Point]) -> Option<String> {
    if points.is_empty() {
        return None;
    }
    let (width, height, left, right, top, bottom) = (640.0_f64, 260.0_f64, 90.0, 160.0, 15.0, 40.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let x = |i: usize| {
        if points.len() == 1 { left + plot_w / 2.0 } else { left + plot_w * i as f64 / (points.len() - 1) as f64 }
    };
    let y = |level: Level| top + plot_h * (500.0 - f64::from(level.0)) / 400.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Maturity level per area over the assessments\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    for level in Level::ALL {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" \
             text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y(level) + 4.0,
            escape(&level.label()),
            y = y(level)
        );
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">#{} {}</text>",
            x(i),
            height - 20.0,
            p.assessment_id,
            p.at.format("%Y-%m-%d")
        );
    }
    const COLOURS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    let mut areas: Vec<(&str, &str, &str)> = Vec::new();
    for p in points {
        for a in &p.areas {
            if !areas.iter().any(|(m, id, _)| *m == a.model_id && *id == a.area_id) {
                areas.push((&a.model_id, &a.area_id, &a.title));
            }
        }
    }
    for (n, (model, area, title)) in areas.iter().enumerate() {
        let colour = COLOURS[n % COLOURS.len()];
        // Lines of several areas at the same level would hide each other: offset each a little.
        let offset = (n as f64 - areas.len() as f64 / 2.0) * 1.5;
        let coords: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.areas
                    .iter()
                    .find(|a| a.model_id == *model && a.area_id == *area)
                    .map(|a| format!("{:.1},{:.1}", x(i), y(a.level) + offset))
            })
            .collect();
        if coords.len() > 1 {
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                coords.join(" ")
            );
        }
        for c in &coords {
            let (cx, cy) = c.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(s, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3\" fill=\"{colour}\"/>");
        }
        if n < 12 {
            let ly = top + 14.0 * n as f64;
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"{:.1}\">{}</text>",
                width - right + 10.0,
                ly,
                width - right + 24.0,
                ly + 9.0,
                escape(&truncate(title, 22))
            );
        }
    }
    s.push_str("</svg>");
    Some(s)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}
