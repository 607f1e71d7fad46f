//! `steward policy …`, `steward check`, `steward violations …`, `steward exempt …` and
//! `steward responsibility` on a generated tenant in a real SQLite file: policy files with
//! their problems, versions saved, compared and adopted, checks recorded and stable, a dry run
//! that records nothing, SARIF, exemptions that exempt and reopen, `--fail-on` for CI, and the
//! tracked policies recorded after an import.

use crate::support::{run_ok, steward};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use steward_compliance::run::{CheckOptions, active_set, evaluate};
use steward_store_sqlite::SqliteStore;

const END: &str = "2026-11-20";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A generated tenant imported into a fresh database; returns the database URL and what the
/// import printed.
fn tenant(tmp: &Path, config: Option<&Path>) -> (String, String) {
    let dump = tmp.join("tenant");
    run_ok(
        steward()
            .args(["generate", "--preset", "small", "--seed", "7", "--usage-days", "30", "--end-date", END, "--out"])
            .arg(&dump),
    );
    let db = format!("sqlite://{}", tmp.join("g.db").display());
    let mut import = steward();
    if let Some(config) = config {
        import.arg("--config").arg(config);
    }
    let out = run_ok(import.args(["--db", &db, "import"]).arg(&dump));
    (db, text(&out))
}

fn cmd(db: &str, args: &[&str]) -> Command {
    let mut c = steward();
    c.args(["--db", db]).args(args);
    c
}

fn write(dir: &Path, file: &str, content: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("test setup");
    std::fs::write(path, content).expect("test setup");
}

/// A set: the built-in pack and one policy of ours.
const EXTRA: &str = r#"policies:
  - id: flow-without-description
    version: 1
    title: Flow without a description
    level: could
    scope:
      kinds: [cloud_flow]
    condition: resource.description == ""
    rationale: Support needs to know what a flow does.
    remediation: Describe the flow.
"#;

/// Line 7 misspells a field (column 16); line 16 misspells a key, so the policy of line 10 has
/// no condition; the third policy is fine.
const BAD: &str = r#"policies:
  - id: bad-field
    version: 1
    title: Bad field
    level: must
    condition: |
      resource.shared_userz > 3
    rationale: x
    remediation: y
  - id: bad-key
    version: 1
    title: Bad key
    level: should
    rationale: x
    remediation: y
    condtion: resource.orphaned
  - id: fine
    version: 1
    title: Fine
    level: could
    condition: resource.orphaned
    rationale: x
    remediation: y
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_versions_checks_dry_runs_and_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, imported) = tenant(tmp.path(), None);
    // Automated tracking: the import evaluated the built-in pack's tracked (must) policies.
    assert!(imported.contains("tracked policies of set builtin-1 (4): recorded:"), "{imported}");

    // validate: every problem with file:line:column, exit status 1; a clean set summarised.
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, BAD).unwrap();
    let out = cmd(&db, &["policy", "validate"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let listed = text(&out);
    assert!(listed.contains("bad.yaml:7:16: policy `bad-field`") && listed.contains("shared_userz"), "{listed}");
    assert!(listed.contains("bad.yaml:16:5: policy `bad-key`") && listed.contains("condtion"), "{listed}");
    assert!(listed.contains("bad.yaml:10:5: policy `bad-key`: missing `condition`"), "{listed}");
    assert!(stderr(&out).contains("3 problems in"), "{}", stderr(&out));
    let good = tmp.path().join("v1");
    write(&good, "set.yaml", "include_builtin: true\n");
    write(&good, "flows/extra.yaml", EXTRA);
    let out = run_ok(cmd(&db, &["policy", "validate"]).arg(&good));
    assert!(text(&out).contains("no problems; policy set v1: 20 policies (4 must"), "{}", text(&out));
    // The good policy of a bad file still loads.
    let out = run_ok(cmd(&db, &["policy", "list", "--json", "--set"]).arg(&bad));
    assert_eq!(json(&out).as_array().map(Vec::len), Some(1), "only `fine` loads");
    assert!(stderr(&out).contains("warning: ") && stderr(&out).contains("bad.yaml:7:16"), "{}", stderr(&out));

    // save: refused with problems, saved once, the same content again is "already saved".
    let out = cmd(&db, &["policy", "save", "--version", "v9"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nothing was saved") && stderr(&out).contains("bad.yaml:7:16"), "{}", stderr(&out));
    let saved = text(&run_ok(cmd(&db, &["policy", "save", "--version", "v1", "--by", "ann"]).arg(&good)));
    assert!(saved.contains("saved policy set v1: 20 policies") && saved.contains("by ann"), "{saved}");
    let again = text(&run_ok(cmd(&db, &["policy", "save", "--version", "v1"]).arg(&good)));
    assert!(again.contains("already saved with this content"), "{again}");
    write(&good, "flows/more.yaml", &EXTRA.replace("flow-without-description", "flow-without-description-2"));
    let out = cmd(&db, &["policy", "save", "--version", "v1"]).arg(&good).output().unwrap();
    assert!(!out.status.success(), "versions are immutable");
    assert!(stderr(&out).contains("pick a new version label"), "{}", stderr(&out));
    std::fs::remove_file(good.join("flows/more.yaml")).unwrap();

    // diff: one added, nothing else.
    let d = json(&run_ok(&mut cmd(&db, &["policy", "diff", "builtin", "v1", "--json"])));
    assert_eq!(d["added"].as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d["added"][0]["id"], "flow-without-description");
    assert_eq!((d["removed"].as_array().map(Vec::len), d["changed"].as_array().map(Vec::len)), (Some(0), Some(0)));
    let shown = text(&run_ok(&mut cmd(&db, &["policy", "diff", "builtin", "v1"])));
    assert!(shown.contains("1 added, 0 removed, 0 changed") && shown.contains("+ flow-without-description"), "{shown}");

    // A set that is not the active one is checked only with --dry-run.
    let out = cmd(&db, &["check", "--policies", "v1", "--as-of", END]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not the active set") && stderr(&out).contains("--dry-run"), "{}", stderr(&out));

    // adopt: the impact first, then the adoption, kept in the history.
    let adopted = text(&run_ok(&mut cmd(&db, &["policy", "adopt", "v1", "--by", "ann", "--as-of", END])));
    assert!(adopted.contains("impact of v1 against the violations open now"), "{adopted}");
    assert!(adopted.contains("policy set v1 adopted by ann"), "{adopted}");
    let history = json(&run_ok(&mut cmd(&db, &["policy", "history", "--json"])));
    assert_eq!(history["active"], "v1", "{history}");
    assert_eq!(history["adoptions"][0]["adopted_by"], "ann", "{history}");
    let again = text(&run_ok(&mut cmd(&db, &["policy", "adopt", "v1"])));
    assert!(again.contains("already the active set"), "{again}");

    // check: records what the library finds; a second check is stable.
    let expected = {
        let store = SqliteStore::open(&db).unwrap();
        let (set, _) = active_set(&store).await.unwrap();
        let options = CheckOptions {
            tenant: None,
            day: END.parse().unwrap(),
            at: chrono::Utc::now(),
            threads: 1,
            only_tracked: false,
        };
        let responsibility = steward_responsibility::Config::defaults();
        evaluate(&store, set, &options, &responsibility).await.unwrap().findings.len() as u64
    };
    assert!(expected > 0, "the synthetic tenant breaks some policies");
    let first = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "json"])));
    assert_eq!(first["policy_set"], "v1");
    assert_eq!(first["violations"].as_array().map(|v| v.len() as u64), Some(expected));
    assert_eq!(first["recorded"]["open_total"].as_u64(), Some(expected), "{}", first["recorded"]);
    let policies = first["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 20);
    let sum: u64 = policies.iter().map(|p| p["violations"].as_u64().unwrap()).sum();
    assert_eq!(sum, expected, "per-policy counts add up");
    let second = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "json"])));
    let r = &second["recorded"];
    assert_eq!((r["opened"].as_u64(), r["resolved"].as_u64()), (Some(0), Some(0)), "{r}");
    assert_eq!((r["still_open"].as_u64(), r["open_total"].as_u64()), (Some(expected), Some(expected)), "{r}");
    let table = text(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--show", "3"])));
    assert!(table.contains("POLICY") && table.contains("IN SCOPE") && table.contains("flow-without-description"));
    assert!(table.contains("recorded: 0 opened, 0 resolved"), "{table}");
    assert!(table.contains("(--show N lists more"), "{table}");

    // dry run of a stricter set: the impact, per policy, and nothing recorded.
    let stricter = tmp.path().join("stricter");
    write(
        &stricter,
        "set.yaml",
        "version: v2\ninclude_builtin: true\noverrides:\n  app-shared-without-justification:\n    params: { \
         max_shared_users: 1 }\n",
    );
    write(&stricter, "flows/extra.yaml", EXTRA);
    let runs_before = json(&run_ok(&mut cmd(&db, &["violations", "trend", "--json"]))).as_array().unwrap().len();
    let dry = json(&run_ok(
        cmd(&db, &["check", "--dry-run", "--as-of", END, "--format", "json", "--policies"]).arg(&stricter),
    ));
    let added = dry["impact"]["added"].as_u64().unwrap();
    assert!(added > 0, "a lower threshold adds violations: {}", dry["impact"]);
    assert_eq!(dry["impact"]["resolved"].as_u64(), Some(0));
    assert!(dry.get("recorded").is_none());
    let row = policies_row(&dry, "app-shared-without-justification");
    assert_eq!(row["added"].as_u64(), Some(added), "{row}");
    let shown =
        text(&run_ok(cmd(&db, &["check", "--dry-run", "--as-of", END, "--show", "0", "--policies"]).arg(&stricter)));
    assert!(shown.contains(&format!("dry run, nothing recorded: adds {added} violation")), "{shown}");
    assert!(shown.contains("ADDS") && shown.contains("RESOLVES"), "{shown}");
    let runs_after = json(&run_ok(&mut cmd(&db, &["violations", "trend", "--json"]))).as_array().unwrap().len();
    assert_eq!(runs_after, runs_before, "a dry run records no run");
    let open = json(&run_ok(&mut cmd(&db, &["violations", "--json", "--limit", "100000"])));
    assert_eq!(open.as_array().map(|v| v.len() as u64), Some(expected), "a dry run opens nothing");

    // SARIF: a valid document with one result per violation, each pointing at its rule.
    let sarif = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "sarif"])));
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rules.len(), 20);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len() as u64, expected);
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert_eq!(rules.get(r["ruleIndex"].as_u64().unwrap() as usize), Some(&rule), "{r}");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].as_str().unwrap().starts_with("tenants/")
        );
    }

    // --fail-on: status 2 while must violations are open; 0 when the level is not reached.
    let out = cmd(&db, &["check", "--as-of", END, "--fail-on", "must", "--show", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("at level must (--fail-on must)"), "{}", stderr(&out));
    assert!(text(&out).contains("recorded:"), "the output is printed before failing");
    let only_could = tmp.path().join("could");
    write(&only_could, "p.yaml", EXTRA);
    let check_could = |level: &str| {
        cmd(&db, &["check", "--dry-run", "--as-of", END, "--show", "0", "--fail-on", level, "--policies"])
            .arg(&only_could)
            .output()
            .unwrap()
    };
    assert_eq!(check_could("should").status.code(), Some(0));
    assert_eq!(check_could("could").status.code(), Some(2));
}

fn policies_row<'a>(report: &'a Value, id: &str) -> &'a Value {
    let rows = report["policies"].as_array().expect("the report lists its policies");
    rows.iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("no row for {id}"))
}

#[test]
fn exemptions_exempt_and_revoked_ones_reopen_and_responsibility_names_people() {
    let tmp = tempfile::tempdir().unwrap();
    // Automated tracking can be turned off.
    let config = tmp.path().join("steward.toml");
    std::fs::write(&config, "[governance]\nevaluate_after_sync = false\nthreads = 1\n").unwrap();
    let (db, imported) = tenant(tmp.path(), Some(&config));
    assert!(!imported.contains("tracked policies"), "{imported}");
    let trend = json(&run_ok(&mut cmd(&db, &["violations", "trend", "--json"])));
    assert_eq!(trend.as_array().map(Vec::len), Some(0), "nothing evaluated after the import");

    run_ok(&mut cmd(&db, &["check", "--as-of", END, "--show", "0"]));
    let orphaned = json(&run_ok(&mut cmd(&db, &["violations", "--policy", "orphaned-resource", "--json"])));
    let subject = orphaned[0]["subject_id"].as_str().expect("the synthetic tenant has orphans").to_string();
    let listed = text(&run_ok(&mut cmd(&db, &["violations", "--resource", &subject])));
    assert!(listed.contains("orphaned-resource") && listed.contains(&subject), "{listed}");

    // Refused: no reason, unknown policy, unknown resource; each says what to do.
    let base = ["exempt", "add", "--policy", "orphaned-resource", "--resource", &subject, "--approver", "bob"];
    let out = cmd(&db, &base).output().unwrap();
    assert!(!out.status.success() && stderr(&out).contains("--reason"), "{}", stderr(&out));
    let out =
        cmd(&db, &["exempt", "add", "--policy", "nope", "--resource", &subject, "--reason", "r", "--approver", "b"])
            .output()
            .unwrap();
    assert!(stderr(&out).contains("no policy 'nope'"), "{}", stderr(&out));
    let out = cmd(
        &db,
        &["exempt", "add", "--policy", "orphaned-resource", "--resource", "nope", "--reason", "r", "--approver", "b"],
    )
    .output()
    .unwrap();
    assert!(stderr(&out).contains("no resource 'nope'"), "{}", stderr(&out));

    let granted =
        text(&run_ok(cmd(&db, &base).args(["--reason", "vendor app, new owner in December", "--for", "30d"])));
    assert!(granted.contains("exemption 1 granted: policy orphaned-resource"), "{granted}");
    let list = json(&run_ok(&mut cmd(&db, &["exempt", "list", "--json"])));
    assert_eq!(list[0]["approved_by"], "bob");
    assert_eq!(list[0]["requested_by"], "bob", "the approver asked, by default");
    assert!(list[0]["expires_at"].is_string());

    let checked = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "json"])));
    assert_eq!(checked["recorded"]["exempted"].as_u64(), Some(1), "{}", checked["recorded"]);
    let exempted = json(&run_ok(&mut cmd(&db, &["violations", "--state", "exempted", "--json"])));
    let exempted = exempted.as_array().unwrap();
    assert_eq!(exempted.len(), 1);
    assert_eq!((exempted[0]["subject_id"].as_str(), exempted[0]["exemption_id"].as_u64()), (Some(&*subject), Some(1)));
    let failing = cmd(&db, &["check", "--as-of", END, "--fail-on", "must", "--format", "json"]).output().unwrap();
    let row = policies_row(&json(&failing), "orphaned-resource").clone();
    assert_eq!(row["exempted"].as_u64(), Some(1), "{row}");

    let revoked = text(&run_ok(&mut cmd(&db, &["exempt", "revoke", "1", "--by", "carol"])));
    assert!(revoked.contains("revoked by carol"), "{revoked}");
    let out = cmd(&db, &["exempt", "revoke", "1"]).output().unwrap();
    assert!(!out.status.success() && stderr(&out).contains("already revoked"), "{}", stderr(&out));
    assert_eq!(json(&run_ok(&mut cmd(&db, &["exempt", "list", "--json"]))).as_array().map(Vec::len), Some(0));
    assert_eq!(json(&run_ok(&mut cmd(&db, &["exempt", "list", "--all", "--json"]))).as_array().map(Vec::len), Some(1));

    let checked = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "json"])));
    assert_eq!(checked["recorded"]["reopened"].as_u64(), Some(1), "{}", checked["recorded"]);
    let history = json(&run_ok(&mut cmd(&db, &["violations", "history", &subject, "--json"])));
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["policy_id"] == "orphaned-resource")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "exempted", "reopened"]);
    let shown = text(&run_ok(&mut cmd(&db, &["violations", "history", &subject])));
    assert!(shown.contains("exemption 1 was revoked"), "{shown}");
    let trend = text(&run_ok(&mut cmd(&db, &["violations", "trend", "--policy", "orphaned-resource"])));
    assert!(trend.contains("live violations of policy orphaned-resource"), "{trend}");
    assert_eq!(trend.lines().filter(|l| l.contains(" builtin-1 ")).count(), 4, "four runs: {trend}");

    // Responsibility: the assessment of the most used resource, with its owner's name.
    let top = json(&run_ok(&mut cmd(&db, &["usage", "top", "--limit", "1", "--to", END, "--json"])));
    let busiest = top["items"][0]["resource_id"].as_str().expect("a used resource").to_string();
    let r = json(&run_ok(&mut cmd(&db, &["responsibility", &busiest, "--as-of", END, "--json"])));
    let assessed = &r["responsibility"];
    assert!(["critical", "high", "non_critical"].contains(&assessed["criticality"].as_str().unwrap()), "{r}");
    assert!(!assessed["reasons"].as_array().unwrap().is_empty(), "every level says why");
    assert_eq!(assessed["raci"]["roles"].as_array().map(Vec::len), Some(4));
    assert!(assessed["service_level"]["response"].is_string());
    let owner = &r["input"]["owners"][0];
    assert!(!owner["name"].as_str().unwrap_or_default().is_empty(), "owners are named: {owner}");
    assert!(r["input"]["users_30d"].as_u64() > Some(0), "30-day usage is read: {}", r["input"]);
    let shown = text(&run_ok(&mut cmd(&db, &["responsibility", &busiest, "--as-of", END])));
    let owner_name = owner["name"].as_str().unwrap_or_default();
    for part in ["criticality:", "service level:", "support profile:", "responsibilities (", owner_name] {
        assert!(shown.contains(part), "missing {part:?} in: {shown}");
    }
    let out = cmd(&db, &["responsibility", "nope"]).output().unwrap();
    assert!(!out.status.success() && stderr(&out).contains("no resource 'nope'"), "{}", stderr(&out));
}

#[test]
fn declaring_a_justification_resolves_the_sharing_violation_and_hand_over_shows_in_responsibility() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = tenant(tmp.path(), None);
    run_ok(&mut cmd(&db, &["check", "--as-of", END, "--show", "0"]));
    let shared = "app-shared-without-justification";
    let open = json(&run_ok(&mut cmd(&db, &["violations", "--policy", shared, "--state", "open", "--json"])));
    let subject = open[0]["subject_id"].as_str().expect("the synthetic tenant overshares an app").to_string();

    let out = cmd(&db, &["resource", "declare", "nope", "--justification", "x"]).output().unwrap();
    assert!(!out.status.success() && stderr(&out).contains("no resource 'nope'"), "{}", stderr(&out));
    let out = cmd(&db, &["resource", "declare", &subject, "--business-impact", "huge"]).output().unwrap();
    assert!(!out.status.success() && stderr(&out).contains("huge"), "{}", stderr(&out));

    let declared = json(&run_ok(&mut cmd(
        &db,
        &[
            "resource",
            "declare",
            &subject,
            "--justification",
            "Used by every store",
            "--handover-done",
            "true",
            "--json",
        ],
    )));
    assert_eq!(declared["justification"], "Used by every store");
    assert_eq!(declared["handover_done"], true);
    // Fields not given stay; an empty text clears.
    let kept = json(&run_ok(&mut cmd(&db, &["resource", "declare", &subject, "--cost-centre", "CC-1", "--json"])));
    assert_eq!(
        (kept["justification"].as_str(), kept["cost_centre"].as_str()),
        (Some("Used by every store"), Some("CC-1"))
    );
    let shown = json(&run_ok(&mut cmd(&db, &["resource", "governance", &subject, "--json"])));
    assert_eq!(shown, kept, "governance shows what declare saved");

    let checked = json(&run_ok(&mut cmd(&db, &["check", "--as-of", END, "--format", "json"])));
    assert!(checked["recorded"]["resolved"].as_u64().unwrap_or(0) >= 1, "{}", checked["recorded"]);
    let still = json(&run_ok(&mut cmd(
        &db,
        &["violations", "--policy", shared, "--resource", &subject, "--state", "open", "--json"],
    )));
    assert_eq!(still.as_array().map(Vec::len), Some(0), "justified: resolved");

    let responsibility = json(&run_ok(&mut cmd(&db, &["responsibility", &subject, "--json"])));
    assert_eq!(responsibility["input"]["handover_done"], true, "{}", responsibility["input"]);

    let cleared = json(&run_ok(&mut cmd(&db, &["resource", "declare", &subject, "--justification", "", "--json"])));
    assert!(cleared["justification"].is_null(), "{cleared}");
}
