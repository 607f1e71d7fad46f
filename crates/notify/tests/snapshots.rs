//! Snapshots of every built-in message body (subject, text, HTML, chat) and of the Teams, Slack
//! and webhook payloads, rendered from fixed contexts like the builders make. A change to a
//! template shows up here as a diff to review; `STEWARD_UPDATE_SNAPSHOTS=1 cargo test -p
//! steward-notify --test snapshots` rewrites the files in tests/snapshots/.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::path::PathBuf;
use steward_notify::channel::chat::{slack_payload, teams_payload};
use steward_notify::channel::webhook::webhook_body;
use steward_notify::templates::Templates;
use steward_store::notifications::MessageKind;

fn contexts() -> Vec<(MessageKind, Value)> {
    let base = json!({"base_url": "https://steward.example.com", "recipient_name": "Ann Maker"});
    let with = |extra: Value| {
        let mut v = base.clone();
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        v
    };
    vec![
        (
            MessageKind::BoardDigest,
            with(json!({
                "period": "November 2026", "as_of": "2026-11-23",
                "totals": {
                    "resources": {"current": 1204, "delta": "+31"}, "makers": {"current": 210, "delta": "+4"},
                    "active_users": {"current": 3877, "delta": "-12"}, "environments": {"current": 14, "delta": "±0"},
                },
                "compliance": {"open": 17},
                "candidates": [{"display_name": "Expense <App>", "figures": "412 users in 9 departments", "rule_title": "Broad reach"}],
                "report_html": "<section><h2>Totals</h2></section>",
                "report_url": "https://steward.example.com/reports/board?period=2026-11",
                "facts": [{"name": "Resources", "value": "1204 (+31)"}],
                "actions": [{"label": "Open the board report", "url": "https://steward.example.com/reports/board?period=2026-11"}],
            })),
        ),
        (
            MessageKind::SuccessCandidates,
            with(json!({
                "period": "November 2026",
                "candidates": [
                    {"display_name": "Expense App", "figures": "412 users in 9 departments", "rule_title": "Broad reach", "url": "https://steward.example.com/resources/r1"},
                    {"display_name": "Leave Flow", "figures": "3,100 runs", "rule_title": "Heavy use", "url": "https://steward.example.com/resources/r2"},
                ],
                "review_url": "https://steward.example.com/queues",
            })),
        ),
        (
            MessageKind::Violation,
            with(json!({
                "resource": {"name": "Expense App", "kind": "canvas app", "url": "https://steward.example.com/resources/r1"},
                "policy": {"title": "Every app has a second owner", "level": "high", "rationale": "Apps outlive their makers' jobs."},
                "remediation": "Add a co-owner in Power Apps (Share → Co-owner).",
                "opened_at": "2026-11-20",
            })),
        ),
        (
            MessageKind::CampaignStep,
            with(json!({
                "step": "escalation", "owner_name": "Bob Leaver",
                "task": {"title": "Take over a resource whose owner left", "resource_name": "Leave Flow", "due_at": "2026-12-01", "url": "https://steward.example.com/queues"},
            })),
        ),
        (
            MessageKind::Welcome,
            with(json!({
                "first_resource": "Expense App", "first_resource_kind": "canvas app",
                "training_links": [{"label": "Power Apps in a day", "url": "https://learn.example.com/pa"}],
                "community_channel": "https://teams.example.com/makers",
                "my_url": "https://steward.example.com/inventory",
            })),
        ),
        (
            MessageKind::MakerSummary,
            with(maker_summary(
                json!({
                    "recorded": true, "actual": "1,234.50 EUR", "potential": "300.00 EUR", "actual_amount": "1234.50",
                    "currency": "EUR", "valued_resources": 1, "summary": "1,234.50 EUR",
                    "record_url": "https://steward.example.com/value",
                    "report_url": "https://steward.example.com/value/roi?period=2026-10",
                }),
                [
                    json!({"actual": "1,234.50 EUR", "potential": null}),
                    json!({"actual": null, "potential": "300.00 EUR"}),
                ],
            )),
        ),
        (
            MessageKind::MakerSummary,
            with(maker_summary(
                json!({
                    "recorded": false, "actual": null, "potential": null, "actual_amount": null,
                    "currency": "EUR", "valued_resources": 0, "summary": "no value recorded",
                    "record_url": "https://steward.example.com/value",
                    "report_url": "https://steward.example.com/value/roi?period=2026-10",
                }),
                [json!({"actual": null, "potential": null}), json!({"actual": null, "potential": null})],
            )),
        ),
        (MessageKind::Test, with(json!({"sent_at": "2026-11-24 09:00 UTC", "channel": "email"}))),
    ]
}

/// A maker summary as `maker_summaries` builds it, with `value` for the maker and per resource.
fn maker_summary(value: Value, per_resource: [Value; 2]) -> Value {
    let [expense, leave] = per_resource;
    let fact = value["summary"].clone();
    let value_action = if value["recorded"] == true {
        json!({"label": "How the value is computed", "url": value["report_url"]})
    } else {
        json!({"label": "Record the value of a resource", "url": value["record_url"]})
    };
    json!({
        "month": "October 2026", "resources": 3, "uses": 1520, "users": 81, "open_violations": 1,
        "top": [
            {"name": "Expense App", "uses": 1200, "users": 70, "violations": 1, "value": expense},
            {"name": "Leave Flow", "uses": 320, "users": 18, "violations": 0, "value": leave},
        ],
        "value": value,
        "my_url": "https://steward.example.com/inventory",
        "facts": [
            {"name": "Resources", "value": "3"}, {"name": "Uses", "value": "1520"},
            {"name": "People reached", "value": "81"}, {"name": "Value", "value": fact},
            {"name": "With open violations", "value": "1"},
        ],
        "actions": [
            {"label": "Your resources in Steward", "url": "https://steward.example.com/inventory"},
            value_action,
        ],
    })
}

fn check(name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("STEWARD_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!("{name} changed:\n--- expected\n{expected}\n--- actual\n{actual}")),
        Err(_) => failures.push(format!("{name} has no snapshot; run with STEWARD_UPDATE_SNAPSHOTS=1 and review it")),
    }
}

#[test]
fn every_message_body_matches_its_snapshot() {
    let templates = Templates::builtin().unwrap();
    let mut failures = Vec::new();
    let mut seen: Vec<MessageKind> = Vec::new();
    for (kind, context) in contexts() {
        let m = templates.render(kind, &context).unwrap_or_else(|e| panic!("{kind}: {e}"));
        // A second context of a kind (the maker summary without value) gets its own files.
        let k = if seen.contains(&kind) { format!("{kind}.2") } else { kind.as_str().to_string() };
        seen.push(kind);
        check(&format!("{k}.subject"), &format!("{}\n", m.subject), &mut failures);
        check(&format!("{k}.txt"), &m.text, &mut failures);
        check(&format!("{k}.html"), &format!("{}\n", m.html), &mut failures);
        check(&format!("{k}.chat"), &format!("{}\n", m.summary), &mut failures);
        // The chat and webhook payloads of the kinds whose facts and actions matter.
        if matches!(kind, MessageKind::BoardDigest | MessageKind::MakerSummary) {
            let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap() + "\n";
            check(&format!("{k}.teams.json"), &pretty(&teams_payload(&m)), &mut failures);
            check(&format!("{k}.slack.json"), &pretty(&slack_payload(&m)), &mut failures);
            check(&format!("{k}.webhook.json"), &pretty(&webhook_body(&m, 42)), &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_kind_has_a_context_here() {
    let covered: Vec<MessageKind> = contexts().into_iter().map(|(k, _)| k).collect();
    for kind in MessageKind::ALL {
        assert!(covered.contains(kind), "{kind} has no snapshot context");
    }
}
