//! `steward bench usage` end to end at a small size, without the peers (no Python needed).

use crate::support::{run_ok, steward};

#[test]
fn bench_usage_generates_a_file_imports_it_and_prints_the_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = run_ok(
            steward()
                .args(["bench", "usage", "--events", "20000", "--skip-peers", "--data-dir"])
                .arg(tmp.path())
                .args(extra),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run(&[]);
    let file = tmp.path().join("audit-20000-seed1.jsonl");
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(lines, 20_000, "{first}");
    assert!(first.contains("generated 20,000 records"), "{first}");
    // (a) parse + rollup in memory and (b) the import, each with wall-clock and CPU figures,
    // and their rows equal.
    for stage in ["steward  (a) parse + rollup in memory: ", "steward  (b) import into SQLite: "] {
        let line = first.lines().find(|l| l.starts_with(stage)).unwrap_or_else(|| panic!("no {stage} in {first}"));
        assert!(line.contains("20,000 records in") && line.contains("peak RSS"), "{first}");
        assert!(line.contains("records per CPU-second") || line.contains("CPU time unknown"), "{first}");
    }
    assert!(first.contains("results  Steward (a) parse + rollup's match Steward (b) import:"), "{first}");
    assert!(first.contains("20,000 records read by the field extractor, 0 by serde_json"), "{first}");
    let counted = first
        .split(" counted,")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .map(|n| n.replace(',', "").parse::<u64>().unwrap())
        .unwrap_or_else(|| panic!("no count of counted records in {first}"));
    assert!(counted > 10_000 && counted < 20_000, "{first}");

    // The second run reuses the file rather than writing it again.
    let second = run(&["--remove-data"]);
    assert!(second.contains("reusing the generated file"), "{second}");
    assert!(!second.contains("generated 20,000"), "{second}");
    assert!(!file.exists(), "--remove-data removes the file");
}
