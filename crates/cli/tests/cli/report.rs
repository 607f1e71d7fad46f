use crate::support::{generate_small, run_ok, steward};
use serde_json::Value;

/// The synthetic tenant's usage ends on 2026-11-01 (the generator's fixed end date), so with
/// ten days of usage October has records.
const PERIOD: &str = "2026-10";

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn board_report_writes_html_markdown_with_its_charts_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    generate_small(&dump, 10);
    let db = format!("sqlite://{}", tmp.path().join("s.db").display());
    run_ok(steward().args(["--db", &db, "import"]).arg(&dump));

    let board = |out: &std::path::Path| {
        let mut cmd = steward();
        cmd.args(["--db", &db, "report", "board", "--period", PERIOD, "--out"]).arg(out);
        String::from_utf8_lossy(&run_ok(&mut cmd).stdout).to_string()
    };

    let json_path = tmp.path().join("board.json");
    board(&json_path);
    let report: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(report["period"]["month"], PERIOD);
    let resources = report["totals"]["resources"]["current"].as_u64().unwrap();
    let active = report["totals"]["active_users"]["current"].as_u64().unwrap();
    assert!(resources >= 200, "the small tenant's resources are counted: {}", report["totals"]);
    assert!(active > 0, "October has usage: {}", report["totals"]);
    let top = report["top_by_uses"].as_array().unwrap();
    assert_eq!(top.len(), 10, "the small tenant has more than ten used resources");

    let html_path = tmp.path().join("board.html");
    let stdout = board(&html_path);
    assert!(stdout.contains("board.html"), "says what it wrote: {stdout}");
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Governance board report: October 2026"));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3);
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(html.contains(&grouped(resources)) && html.contains(&grouped(active)));
    for t in top {
        assert!(html.contains(&grouped(t["uses"].as_u64().unwrap())), "uses of {}", t["resource_id"]);
    }

    let md_dir = tmp.path().join("md");
    std::fs::create_dir(&md_dir).unwrap();
    let stdout = board(&md_dir.join("board.md"));
    let md = std::fs::read_to_string(md_dir.join("board.md")).unwrap();
    for chart in ["board-mau.svg", "board-makers.svg", "board-new-resources.svg"] {
        assert!(stdout.contains(chart), "lists {chart}: {stdout}");
        assert!(md.contains(&format!("(<{chart}>)")), "links {chart}");
        let svg = std::fs::read_to_string(md_dir.join(chart)).unwrap();
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"), "{chart} is an SVG document");
    }
    assert!(md.contains(&format!("| Active users | {} |", grouped(active))), "headline table");
    assert!(md.contains("| Resource | Kind | Environment | Owner | Uses | Users | Active days |"));

    let out = steward()
        .args(["--db", &db, "report", "board", "--period", PERIOD, "--tenant", "t-nope", "--out"])
        .arg(tmp.path().join("x.html"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tenant 't-nope' is not in the database"), "{stderr}");
}

#[test]
fn bad_period_unknown_extension_and_missing_database_fail_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("none.db").display());
    let fail = |args: &[&str]| {
        let out = steward().args(["--db", &db, "report", "board"]).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} must fail");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let stderr = fail(&["--period", "2026-13", "--out", "x.html"]);
    assert!(stderr.contains("--period") && stderr.contains("YYYY-MM, e.g. 2026-10"), "{stderr}");
    let stderr = fail(&["--period", PERIOD, "--out", "x.pdf"]);
    assert!(stderr.contains("x.pdf") && stderr.contains("--format"), "{stderr}");
    let stderr = fail(&["--period", PERIOD, "--out", "x.html"]);
    assert!(stderr.contains("no database at") && stderr.contains("steward import"), "{stderr}");
    assert!(!tmp.path().join("none.db").exists(), "a report never creates a database");
}
