//! Renderer tests on a hand-built report: every figure of the report must reach every
//! rendering, outside text must stay text, and the charts must be well-formed SVG.

use crate::charts::xml;
use crate::format::{change, count};
use crate::*;
use chrono::{NaiveDate, TimeZone, Utc};
use steward_model::ResourceKind;

const HOSTILE: &str = "<script>alert(1)</script> | *x* [y](z)";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn top(i: u64, name: &str) -> TopResource {
    TopResource {
        resource_id: format!("r-{i}"),
        display_name: name.into(),
        kind: Some(if i.is_multiple_of(2) { ResourceKind::CanvasApp } else { ResourceKind::CloudFlow }),
        environment: Some("Finance Production".into()),
        owner: Some("Alice Ng".into()),
        uses: 10_000 - i * 731,
        unique_users: 400 + i * 3,
        active_days: 20 + i,
        departments: 3,
        last_use: Some(day(2026, 10, 30)),
    }
}

pub fn sample() -> BoardReport {
    let period: Month = "2026-10".parse().unwrap();
    let trends: Vec<MonthTrend> = period
        .window(TREND_MONTHS)
        .into_iter()
        .enumerate()
        .map(|(i, month)| {
            let i = i as u64;
            MonthTrend {
                month,
                usage_recorded: true,
                active_users: 1_000 + i * 137,
                active_makers: 40 + i * 3,
                new_resources: vec![
                    KindCount { kind: ResourceKind::CanvasApp, count: 5 + i },
                    KindCount { kind: ResourceKind::CloudFlow, count: 11 + 2 * i },
                ],
            }
        })
        .collect();
    BoardReport {
        period: Period::of(period),
        tenant: Some(TenantRef { id: "t-contoso".into(), display_name: "Contoso".into() }),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0).unwrap(),
        totals: Totals {
            resources: Change::new(2_345, 2_301),
            by_kind: vec![
                KindChange { kind: ResourceKind::CanvasApp, figures: Change::new(1_204, 1_210) },
                KindChange { kind: ResourceKind::CloudFlow, figures: Change::new(1_141, 1_091) },
            ],
            environments: Change::new(17, 17),
            makers: Change::new(312, 298),
            active_users: Change::new(2_507, 2_370),
        },
        trends,
        usage_coverage: UsageCoverage {
            first_day: Some(day(2025, 11, 1)),
            last_day: Some(day(2026, 10, 31)),
            sealed_before: None,
        },
        top_by_uses: (0..TOP as u64).map(|i| top(i, if i == 3 { HOSTILE } else { "Expense claims" })).collect(),
        top_by_users: (0..3).map(|i| top(i, "Travel requests")).collect(),
        new_makers: Listing {
            total: 120,
            items: vec![NewMaker {
                principal_id: "p-new".into(),
                display_name: "Nadia Novak".into(),
                upn: Some("nadia@contoso.example".into()),
                department: Some("Logistics".into()),
                first_created: day(2026, 10, 7),
                resources_created: 4,
            }],
        },
        success_candidates: Vec::new(),
        leavers_resources: Listing {
            total: 1,
            items: vec![LeaverResource {
                resource_id: "r-orphan".into(),
                display_name: "Payroll checker".into(),
                kind: ResourceKind::CloudFlow,
                environment: "Finance Production".into(),
                owner_id: "p-carol".into(),
                owner_name: "Carol Diaz".into(),
                owner_upn: Some("carol@contoso.example".into()),
                owner_left: Some(day(2026, 9, 12)),
                uses_in_period: 812,
                users_in_period: 37,
                last_use: Some(day(2026, 10, 29)),
            }],
        },
        compliance: None,
    }
}

/// Every `<svg …>…</svg>` in a document.
fn svgs(text: &str) -> Vec<&str> {
    text.match_indices("<svg ")
        .filter_map(|(start, _)| text[start..].find("</svg>").map(|end| &text[start..start + end + "</svg>".len()]))
        .collect()
}

fn html_text(s: &str) -> String {
    s.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

#[test]
fn html_is_one_standalone_document_with_every_figure() {
    let report = sample();
    let html = render_html(&report).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.contains("<script"), "no script, and names are escaped");
    assert!(!html.contains("<link") && !html.contains(" src="), "nothing to fetch: the file stands alone");
    assert!(html.contains(&html_text(HOSTILE)) || html.contains("&lt;script&gt;"), "hostile name shown as text");

    let t = &report.totals;
    for c in [t.resources, t.environments, t.makers, t.active_users] {
        assert!(html.contains(&count(c.current)) && html.contains(&change(c.change)), "{c:?}");
    }
    for k in &t.by_kind {
        assert!(html.contains(k.kind.label()) && html.contains(&count(k.figures.previous)));
    }
    for m in &report.trends {
        assert!(html.contains(&m.month.long_label()), "{}", m.month);
        assert!(html.contains(&count(m.active_users)) && html.contains(&count(m.new_resources_total())));
    }
    for r in &report.top_by_uses {
        assert!(html.contains(&count(r.uses)), "uses of {}", r.resource_id);
    }
    assert!(html.contains("Nadia Novak") && html.contains("Showing 1 of 120 new makers"));
    assert!(html.contains("Payroll checker") && html.contains("left 2026-09-12"));
    assert!(html.contains("No candidates for this period."));
    assert!(html.contains("Policies are not configured yet"));

    let charts = svgs(&html);
    assert_eq!(charts.len(), 3, "three charts inline");
    for svg in charts {
        xml::check(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.contains("role=\"img\"") && svg.contains("<title id="));
    }
}

#[test]
fn html_fragment_has_the_content_without_a_document_around_it() {
    let fragment = render_html_fragment(&sample()).unwrap();
    assert!(fragment.trim_start().starts_with("<style>"));
    assert!(!fragment.contains("<html") && !fragment.contains("<body"));
    assert!(fragment.contains("<article class=\"board-report\">"));
    assert_eq!(svgs(&fragment).len(), 3);
}

/// The cells of a Markdown table row, split on unescaped pipes.
fn cells(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut escaped = false;
    for c in row.trim().trim_start_matches('|').chars() {
        match c {
            '|' if !escaped => out.push(String::new()),
            c => {
                escaped = c == '\\' && !escaped;
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.pop_if(|last| last.trim().is_empty());
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

#[test]
fn markdown_tables_are_complete_and_charts_are_files_beside_it() {
    let report = sample();
    let md = render_markdown(&report, "board-2026-10").unwrap();
    let text = &md.text;
    assert!(text.starts_with("# Governance board report: October 2026"));

    // Every table row has as many cells as its header.
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("|---") || line.starts_with("|---:") {
            tables += 1;
            let width = cells(lines[i - 1]).len();
            for row in lines[i + 1..].iter().take_while(|l| l.starts_with('|')) {
                assert_eq!(cells(row).len(), width, "row '{row}' under '{}'", lines[i - 1]);
            }
        }
    }
    assert!(tables >= 7, "headline, kinds, trends, two tops, makers, leavers: {tables}");

    for m in &report.trends {
        let row = format!(
            "| {} | {} | {} | {} |",
            m.month.long_label(),
            count(m.active_users),
            count(m.active_makers),
            count(m.new_resources_total())
        );
        assert!(text.contains(&row), "missing trend row {row}");
    }
    assert!(text.contains(r"\<script\>alert(1)\</script\> \| \*x\* \[y\](z)"), "hostile name escaped");
    assert!(!text.contains("<script>"), "names are escaped");
    assert!(text.contains("_No candidates for this period._"));
    assert!(text.contains("Policies are not configured yet"));

    let names: Vec<&str> = md.charts.iter().map(|c| c.file_name.as_str()).collect();
    assert_eq!(names, ["board-2026-10-mau.svg", "board-2026-10-makers.svg", "board-2026-10-new-resources.svg"]);
    for c in &md.charts {
        assert!(text.contains(&format!("(<{}>)", c.file_name)), "{} is linked", c.file_name);
        xml::check(&c.svg).unwrap_or_else(|e| panic!("{}: {e}", c.file_name));
    }
    let mau = &md.charts[0].svg;
    for m in &report.trends {
        assert!(mau.contains(&count(m.active_users)), "MAU chart shows {}", m.month);
    }
}

#[test]
fn months_without_usage_records_say_no_data_instead_of_zero() {
    let mut report = sample();
    report.usage_coverage = UsageCoverage {
        first_day: Some(report.period.first_day),
        last_day: Some(report.period.last_day),
        sealed_before: None,
    };
    for t in &mut report.trends {
        t.usage_recorded = report.usage_coverage.covers(t.month);
    }
    assert_eq!(report.trends.iter().filter(|t| t.usage_recorded).count(), 1, "only the period has records");
    let md = render_markdown(&report, "r").unwrap().text;
    for t in report.trends.iter().filter(|t| !t.usage_recorded) {
        let row = format!("| {} | no data | no data | {} |", t.month.long_label(), count(t.new_resources_total()));
        assert!(md.contains(&row), "missing {row}");
    }
    let users = &report.totals.active_users;
    assert!(md.contains(&format!("| Active users | {} | no data | — |", count(users.current))), "{md}");
    let html = render_html(&report).unwrap();
    assert!(html.contains("no usage data to compare with"));
    assert!(!render_html(&sample()).unwrap().contains("no usage data to compare with"));
}

#[test]
fn success_candidates_and_compliance_render_once_filled() {
    let report = sample()
        .with_success(vec![SuccessCandidate {
            resource_id: "r-1".into(),
            display_name: "Field inspections".into(),
            kind: Some(ResourceKind::CanvasApp),
            rule_id: "broad-adoption".into(),
            rule_title: "Broad adoption".into(),
            figures: "412 users in 9 departments".into(),
            state: "new".into(),
        }])
        .with_compliance(Compliance {
            last_run_at: Some(chrono::Utc::now()),
            policy_set_version: "v3".into(),
            policies: vec![PolicyCompliance {
                policy_id: "p1".into(),
                title: "Owner is active".into(),
                level: "must".into(),
                subject: "resource".into(),
                in_scope: 1_943,
                compliant: 1_900,
                non_compliant: 41,
                exempt: 2,
                evaluated_at: None,
            }],
        });
    for text in [render_html(&report).unwrap(), render_markdown(&report, "r").unwrap().text] {
        assert!(text.contains("Field inspections") && text.contains("412 users in 9 departments"));
        assert!(!text.contains("No candidates for this period."));
        assert!(text.contains("Owner is active") && text.contains("1,900") && text.contains("1,943"));
        assert!(text.contains("policy set v3") && text.contains("41 open violations"), "{text}");
        assert!(!text.contains("Policies are not configured yet"));
    }
}

#[test]
fn json_names_the_period_as_text_and_round_trips() {
    let report = sample();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["period"]["month"], "2026-10");
    assert_eq!(json["period"]["previous"], "2026-09");
    assert_eq!(json["totals"]["active_users"]["change"], report.totals.active_users.change);
    assert_eq!(json["totals"]["by_kind"][0]["kind"], "canvas_app");
    assert!(json["compliance"].is_null());
    let back: BoardReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

/// Writes the sample's renderings to `$STEWARD_REPORT_SAMPLE_DIR` for a look by eye.
#[test]
fn write_sample_when_asked() {
    let Ok(dir) = std::env::var("STEWARD_REPORT_SAMPLE_DIR") else { return };
    let report = sample();
    std::fs::write(format!("{dir}/report.html"), render_html(&report).unwrap()).unwrap();
    let md = render_markdown(&report, "report").unwrap();
    std::fs::write(format!("{dir}/report.md"), md.text).unwrap();
    for c in md.charts {
        std::fs::write(format!("{dir}/{}", c.file_name), c.svg).unwrap();
    }
}
