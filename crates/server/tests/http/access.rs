//! Who may do what: the authorization matrix (every registered route × every role and
//! anonymous, from the route registry) and the per-resource scoping inside handlers (makers
//! see and change only their own resources, environment admins act in their environments),
//! with the audit trail every change leaves.

use crate::fixtures::RICH;
use crate::support::{TestApp, ids, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use steward_model::Role;
use steward_server::routes::{Access, endpoints};

/// A resource of p-bob in env-fin (the maker is p-alice; the environment admin has env-fin).
const BOBS_IN_FIN: &str = "r-12";
/// A resource of p-alice in env-sales.
const ALICES_IN_SALES: &str = "r-02";

/// Who the access levels admit, written out here rather than taken from the server, so that a
/// mistake in the server's rule shows up as a difference.
fn admitted(access: Access, role: Option<Role>) -> bool {
    match (access, role) {
        (Access::Public, _) => true,
        (_, None) => false,
        (Access::Read | Access::Rate, Some(_)) => true,
        (Access::Maker, Some(r)) => matches!(r, Role::Maker | Role::EnvironmentAdmin | Role::Admin),
        (Access::EnvAdmin, Some(r)) => matches!(r, Role::EnvironmentAdmin | Role::Admin),
        (Access::Admin, Some(r)) => r == Role::Admin,
    }
}

/// A registered path with its parameters filled from the fixtures: the resource the maker owns
/// in the environment the environment admin administers, and ids that exist nowhere elsewhere
/// (a 404 is an admitted answer; only 401 and 403 are refusals).
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        let before = &out;
        let value = if before.ends_with("/resources/") {
            RICH
        } else if before.ends_with("/environments/") {
            "env-fin"
        } else if before.ends_with("/static/") {
            "nothing.css"
        } else {
            "999999"
        };
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Refused: 401, 403, or (for pages) the redirect to sign in.
fn refused(status: StatusCode, location: &str) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER && location.starts_with("/signin?next="))
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_its_access_level_names() {
    let app = spawn_app().await;
    let endpoints = endpoints();
    assert!(endpoints.len() > 40, "the registry lists every route ({})", endpoints.len());
    let mut callers: Vec<(Option<Role>, reqwest::Client)> = vec![(None, app.anonymous())];
    for role in [Role::Viewer, Role::Maker, Role::EnvironmentAdmin, Role::Admin] {
        callers.push((Some(role), app.client_as(role)));
    }
    let mut wrong = Vec::new();
    for endpoint in &endpoints {
        let path = concrete(endpoint.path);
        for (role, client) in &callers {
            let mut request = client.request(endpoint.method.clone(), app.url(&path));
            if endpoint.method != Method::GET {
                request = request.header("content-type", "application/json").body("{}");
            }
            let response = request.send().await.expect("send");
            let status = response.status();
            let location = crate::support::header(&response, "location");
            let expected = admitted(endpoint.access, *role);
            if refused(status, &location) == expected {
                let who = role.map_or("anonymous", |r| r.as_str());
                let said = if expected { "refused" } else { "admitted" };
                wrong.push(format!("{} {} ({:?}) {said} {who}: {status}", endpoint.method, path, endpoint.access));
            }
        }
    }
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn unregistered_methods_and_paths_are_not_opened_by_the_gate() {
    let app = spawn_app().await;
    let response = app.anonymous().delete(app.url("/api/v1/resources")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let response = app.anonymous().get(app.url("/api/v1/nothing-here")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn makers_see_only_their_own_resources() {
    let app = spawn_app().await;
    let maker = app.client_as(Role::Maker);
    let own: Vec<String> = app
        .estate
        .live()
        .filter(|r| r.owners.iter().any(|o| o.principal_id == "p-alice") || r.created_by.as_deref() == Some("p-alice"))
        .map(|r| r.id.clone())
        .collect();
    assert!(own.len() >= 5 && own.len() < app.estate.live().count(), "the fixture mixes owners");

    let mut listed = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(c) => app.url(&format!("/api/v1/resources?tenant=t-contoso&limit=4&cursor={c}")),
            None => app.url("/api/v1/resources?tenant=t-contoso&limit=4"),
        };
        let page: Value = maker.get(url).send().await.expect("send").json().await.expect("JSON");
        assert_eq!(page["total"].as_u64(), Some(own.len() as u64), "the total counts only their own");
        listed.extend(ids(page["items"].as_array().expect("items")));
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_string()),
            None => break,
        }
    }
    listed.sort();
    let mut expected = own.clone();
    expected.sort();
    assert_eq!(listed, expected);

    // Another's resource does not exist for them, in the API and on pages; others read it.
    for path in [
        format!("/api/v1/resources/{BOBS_IN_FIN}"),
        format!("/api/v1/resources/{BOBS_IN_FIN}/governance"),
        format!("/api/v1/resources/{BOBS_IN_FIN}/usage"),
        format!("/api/v1/resources/{BOBS_IN_FIN}/violations"),
        format!("/api/v1/resources/{BOBS_IN_FIN}/responsibility"),
        format!("/resources/{BOBS_IN_FIN}"),
    ] {
        let status = maker.get(app.url(&path)).send().await.expect("send").status();
        assert_eq!(status, StatusCode::NOT_FOUND, "maker: {path}");
        let status = app.client_as(Role::Viewer).get(app.url(&path)).send().await.expect("send").status();
        assert_eq!(status, StatusCode::OK, "viewer: {path}");
    }
    let status = maker.get(app.url(&format!("/resources/{RICH}"))).send().await.expect("send").status();
    assert_eq!(status, StatusCode::OK);

    // The inventory lists only their own too.
    let html =
        maker.get(app.url("/inventory?tenant=t-contoso")).send().await.expect("send").text().await.expect("page");
    let others = app.estate.resources.iter().find(|r| r.id == BOBS_IN_FIN).expect("fixture");
    assert!(!html.contains(&others.display_name), "another's resource is not listed");
}

async fn put_governance(app: &TestApp, role: Role, id: &str) -> StatusCode {
    let url = app.url(&format!("/api/v1/resources/{id}/governance"));
    let body = json!({ "justification": format!("declared by the {role}") });
    app.client_as(role).put(url).json(&body).send().await.expect("send").status()
}

#[tokio::test]
async fn governance_is_declared_only_on_resources_the_caller_may_change_and_audited() {
    let app = spawn_app().await;
    assert_eq!(put_governance(&app, Role::Maker, RICH).await, StatusCode::OK, "own resource");
    assert_eq!(put_governance(&app, Role::Maker, BOBS_IN_FIN).await, StatusCode::NOT_FOUND, "another's");
    assert_eq!(put_governance(&app, Role::EnvironmentAdmin, BOBS_IN_FIN).await, StatusCode::OK, "their environment");
    assert_eq!(put_governance(&app, Role::EnvironmentAdmin, ALICES_IN_SALES).await, StatusCode::FORBIDDEN);
    assert_eq!(put_governance(&app, Role::Viewer, RICH).await, StatusCode::FORBIDDEN);

    let (_, trail) = app.json(&format!("/api/v1/audit?target=resource:{RICH}&action=governance.")).await;
    let entry = &trail["items"][0];
    assert_eq!(entry["actor"], "maker");
    assert_eq!(entry["action"], "governance.declare");
    assert_eq!(entry["before"]["mitigation_plan"], "Fall back to the paper form", "before is what was declared");
    assert!(entry["before"]["justification"].is_null());
    assert_eq!(entry["after"]["justification"], "declared by the maker");
    let (_, trail) = app.json(&format!("/api/v1/audit?target=resource:{BOBS_IN_FIN}")).await;
    assert_eq!(trail["items"].as_array().map(Vec::len), Some(1), "refused changes leave no entry");
}

#[tokio::test]
async fn exemptions_stay_inside_an_environment_admins_environments() {
    let app = spawn_app().await;
    let envadmin = app.client_as(Role::EnvironmentAdmin);
    let grant = |resource: &str| {
        json!({
            "policy_id": "app-shared-without-justification",
            "resource_id": resource,
            "reason": "reviewed",
            "approved_by": "envadmin",
            "expires_at": "2099-12-31",
        })
    };
    let post = |client: &reqwest::Client, body: Value| client.post(app.url("/api/v1/exemptions")).json(&body).send();
    let response = post(&envadmin, grant(RICH)).await.expect("send");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.expect("JSON")["id"].as_i64().expect("id");
    assert_eq!(post(&envadmin, grant(ALICES_IN_SALES)).await.expect("send").status(), StatusCode::FORBIDDEN);
    let whole_environment = |env: &str| {
        json!({
            "policy_id": "app-shared-without-justification",
            "environment_id": env,
            "reason": "reviewed",
            "approved_by": "envadmin",
            "expires_at": "2099-12-31",
        })
    };
    let status = post(&envadmin, whole_environment("env-fin")).await.expect("send").status();
    assert_eq!(status, StatusCode::CREATED, "every resource of their environment");
    let status = post(&envadmin, whole_environment("env-sales")).await.expect("send").status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = post(&app.client, whole_environment("env-sales")).await.expect("send").status();
    assert_eq!(status, StatusCode::CREATED, "platform admins grant anywhere");

    let (_, trail) = app.json(&format!("/api/v1/audit?target=exemption:{id}")).await;
    assert_eq!(trail["items"][0]["action"], "exemption.add");
    assert_eq!(trail["items"][0]["actor"], "envadmin");
    assert_eq!(trail["items"][0]["after"]["subject_id"], RICH);

    let revoke = app.url(&format!("/api/v1/exemptions/{id}/revoke"));
    let response = envadmin.post(&revoke).json(&json!({ "by": "envadmin" })).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, trail) = app.json(&format!("/api/v1/audit?target=exemption:{id}")).await;
    let entry = &trail["items"][0];
    assert_eq!(entry["action"], "exemption.revoke");
    assert!(entry["before"]["revoked_at"].is_null());
    assert!(entry["after"]["revoked_at"].is_string());
}

#[tokio::test]
async fn campaign_tasks_are_answered_by_whom_they_concern() {
    let app = spawn_app().await;
    crate::campaigns::orphaned_campaign(&app).await;
    let (_, bobs) = app.json("/api/v1/campaign-tasks?assignee=p-bob").await;
    let task = bobs["items"][0]["id"].as_i64().expect("Bob is asked about Carol's resources");
    let url = app.url(&format!("/api/v1/campaign-tasks/{task}/answer"));
    let answer = json!({ "answer": "take_over", "by": "p-bob" });

    // Alice (the maker) neither owns Carol's resource nor is asked: not found for her.
    let response = app.client_as(Role::Maker).post(&url).json(&answer).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Bob, a maker too, is the one asked.
    let bob = crate::support::new_user("bob", Role::Maker, None);
    let bob = steward_store::auth::User { principal_id: Some("p-bob".into()), ..bob };
    app.store.create_user(&bob).await.expect("create bob");
    let token = crate::support::add_token(app.store.as_ref(), &bob, Role::Maker).await;
    let response = crate::support::client_with_token(Some(&token)).post(&url).json(&answer).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);

    let (_, trail) = app.json(&format!("/api/v1/audit?target=campaign-task:{task}")).await;
    let entry = &trail["items"][0];
    assert_eq!((entry["action"].as_str(), entry["actor"].as_str()), (Some("campaign.answer"), Some("bob")));
    assert_eq!(entry["before"]["open"], true);
    assert_eq!(entry["after"]["task"]["open"], false);
}
