//! The cost page and API (issue #7): the chargeback report adds up to its cost centres, its CSV
//! has the FOCUS columns and the same total, a maker sees only the lines of their own
//! resources, and a bad period or format is refused naming the parameter.

use crate::fixtures::RICH;
use crate::support::spawn_with;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use steward_cost::CostConfig;
use steward_cost::records::{PeopleCost, PeopleKind};
use steward_model::Role;
use steward_server::api::value::ValueSettings;

/// Makers' time on two resources of different owners, and a CoE lead, in October 2026.
fn settings() -> ValueSettings {
    let october = Some("2026-10".parse().expect("a month"));
    let maker_time = |id: &str, who: &str, resource: &str, hours: f64| PeopleCost {
        id: id.into(),
        kind: PeopleKind::MakerTime,
        name: format!("{who} on {resource}"),
        month: october,
        quantity: hours,
        rate: Some(6_000),
        principal_id: Some(who.into()),
        department: None,
        resource_id: Some(resource.into()),
        cost_centre: None,
    };
    let cost = CostConfig {
        team: vec![
            PeopleCost {
                id: "lead".into(),
                kind: PeopleKind::CoeTeam,
                name: "CoE lead".into(),
                month: october,
                quantity: 1.0,
                rate: Some(900_000),
                principal_id: None,
                department: None,
                resource_id: None,
                cost_centre: None,
            },
            maker_time("alice-rich", "p-alice", RICH, 10.0),
            maker_time("bob-r03", "p-bob", "r-03", 4.0),
        ],
        ..CostConfig::default()
    };
    ValueSettings { cost, ..ValueSettings::default() }
}

fn sum(items: &Value, field: &str) -> i64 {
    items.as_array().into_iter().flatten().filter_map(|i| i[field].as_i64()).sum()
}

#[tokio::test]
async fn the_chargeback_adds_up_exports_focus_columns_and_is_narrowed_for_makers() {
    let app = spawn_with(false, |state| *state = state.clone().with_value(settings())).await;

    let (status, report) = app.json("/api/v1/costs/report?period=2026-10").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let total = report["billed_cost"].as_i64().expect("a total");
    assert!(total >= 900_000 + 10 * 6_000 + 4 * 6_000, "the people costs are in: {total}");
    assert_eq!(sum(&report["centres"], "billed_cost"), total, "the cost centres add up to the total");
    assert_eq!(sum(&report["lines"], "billed_cost"), total, "the lines add up to the total");
    let on_resources: BTreeSet<&str> =
        report["lines"].as_array().into_iter().flatten().filter_map(|l| l["steward_resource"].as_str()).collect();
    assert!(on_resources.contains(RICH) && on_resources.contains("r-03"), "{on_resources:?}");

    let csv = app.client.get(app.url("/api/v1/costs/report?period=2026-10&format=csv")).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.expect("body");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("headers").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), steward_cost::report::FOCUS_COLUMNS);
    let billed = headers.iter().position(|h| h == "BilledCost").expect("a BilledCost column");
    let cents: i64 =
        rows.records().map(|r| steward_cost::import::parse_amount(&r.expect("row")[billed]).expect("an amount")).sum();
    assert_eq!(cents, total, "the CSV holds the report");

    // Alice (a maker) sees the cost of her own resource only, totals recomputed from it.
    let maker = app.client_as(Role::Maker);
    let mine: Value = maker
        .get(app.url("/api/v1/costs/report?period=2026-10"))
        .send()
        .await
        .expect("maker report")
        .json()
        .await
        .expect("json");
    let resources: BTreeSet<&str> =
        mine["lines"].as_array().into_iter().flatten().filter_map(|l| l["steward_resource"].as_str()).collect();
    assert_eq!(resources, BTreeSet::from([RICH]), "{mine}");
    assert_eq!(mine["billed_cost"].as_i64(), Some(sum(&mine["lines"], "billed_cost")));
    assert!(mine["billed_cost"].as_i64() < Some(total));

    let (status, body) = app.json("/api/v1/costs/report?period=2026-13").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")));
    assert!(body.to_string().contains("period"), "{body}");
    let (status, body) = app.json("/api/v1/costs/report?period=2026-10&format=xlsx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, html) = app.html("/costs?period=2026-10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h2>Per cost centre — 2026-10</h2>"), "the page shows the period asked for");
}
