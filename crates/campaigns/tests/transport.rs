//! Write actions through the Power Platform client against a local HTTP server that plays the
//! Microsoft endpoints: what the dry run shows is exactly what the server receives (method,
//! path, query, body, and a token of the right service); a disabled action sends nothing; a
//! refusal is reported with its status; a plan for other hosts is never sent; and a task's
//! action, once carried out, is recorded on the task.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use steward_campaigns::manage::{answer_task, execute_action, parse_answer, plan_action};
use steward_campaigns::transport::{ClientTransport, power_platform_actions};
use steward_campaigns::{
    Action, ActionEndpoints, ActionError, ActionKind, ActionsConfig, CampaignConfig, CampaignKind,
    PowerPlatformActions, TenantActions,
};
use steward_model::ResourceKind;
use steward_powerplatform::{
    Audiences, ClientOptions, Cloud, Credential, Endpoints, PowerPlatformClient, ResolvedSource, Secret,
};
use steward_store::Store;

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const ENV: &str = "Default-11111111-1111-1111-1111-111111111111";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path and query, as sent.
    target: String,
    authorization: String,
    body: String,
}

#[derive(Default)]
struct Server {
    seen: Mutex<Vec<Seen>>,
    /// Status per path; 200 with an empty body when not listed.
    status: Mutex<HashMap<String, (u16, String)>>,
}

struct Fake {
    base: String,
    state: Arc<Server>,
}

impl Fake {
    async fn start() -> Fake {
        let state = Arc::new(Server::default());
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Fake { base, state }
    }

    fn answer(&self, path: &str, status: u16, body: &str) {
        self.state.status.lock().expect("lock").insert(path.to_string(), (status, body.to_string()));
    }

    /// The API calls (not the token requests).
    fn calls(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").iter().filter(|s| !s.target.contains("/oauth2/")).cloned().collect()
    }

    fn client(&self) -> PowerPlatformClient {
        let endpoints = Endpoints {
            login: self.base.clone(),
            bap: self.base.clone(),
            powerapps: self.base.clone(),
            flow: self.base.clone(),
            powerplatform: self.base.clone(),
            office_management: self.base.clone(),
            graph: self.base.clone(),
        };
        let source = ResolvedSource {
            name: "test".into(),
            tenant_id: TENANT.into(),
            client_id: "22222222-2222-2222-2222-222222222222".into(),
            credential: Credential::Secret(Secret::new("s3cret")),
            cloud: Cloud::Public,
            publisher_id: TENANT.into(),
            endpoints,
            audiences: Audiences::for_cloud(Cloud::Public),
        };
        let options = ClientOptions { max_attempts: 2, ..ClientOptions::default() };
        PowerPlatformClient::new(source, options).expect("client")
    }
}

async fn handle(
    State(state): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let body = String::from_utf8_lossy(&body).into_owned();
    let target = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    state.seen.lock().expect("lock").push(Seen {
        method: method.to_string(),
        target: target.clone(),
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string(),
        body: body.clone(),
    });
    if uri.path().ends_with("/oauth2/v2.0/token") {
        // The token names its scope, so a test sees which service's token a call carried.
        let scope = form_value(&body, "scope").unwrap_or_default();
        let token =
            serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": format!("for {scope}")});
        return (StatusCode::OK, token.to_string());
    }
    let (status, body) = state.status.lock().expect("lock").get(uri.path()).cloned().unwrap_or((200, String::new()));
    (StatusCode::from_u16(status).expect("status"), body)
}

/// One value of an `application/x-www-form-urlencoded` body.
fn form_value(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| decode(v))
    })
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

fn action(kind: ActionKind, resource_kind: ResourceKind, id: &str) -> Action {
    Action { kind, environment_id: ENV.into(), resource_id: id.into(), resource_kind: Some(resource_kind) }
}

fn all_on() -> ActionsConfig {
    ActionsConfig { archive: true, quarantine: true, delete: true }
}

#[tokio::test]
async fn the_dry_run_is_exactly_the_request_the_server_receives() {
    let fake = Fake::start().await;
    let actions = power_platform_actions(fake.client(), all_on());
    let cases = [
        (action(ActionKind::Quarantine, ResourceKind::CanvasApp, "app-1"), "https://service.powerapps.com/.default"),
        (action(ActionKind::Delete, ResourceKind::CanvasApp, "app-2"), "https://service.powerapps.com/.default"),
        (action(ActionKind::Delete, ResourceKind::CloudFlow, "flow-1"), "https://service.flow.microsoft.com/.default"),
        (action(ActionKind::Archive, ResourceKind::CloudFlow, "flow-2"), "https://service.flow.microsoft.com/.default"),
        (action(ActionKind::Quarantine, ResourceKind::Agent, "bot-1"), "https://api.powerplatform.com/.default"),
    ];
    for (i, (a, scope)) in cases.iter().enumerate() {
        let plan = actions.plan(a).expect("a documented call");
        assert!(plan.call.url.starts_with(&fake.base), "planned on the client's endpoints: {}", plan.call.url);
        let outcome = actions.execute(a, &plan.digest).await.expect("executed");
        assert_eq!((outcome.status, outcome.digest.as_str()), (200, plan.digest.as_str()));

        let calls = fake.calls();
        assert_eq!(calls.len(), i + 1, "one call per action");
        let seen = &calls[i];
        assert_eq!(seen.method, plan.call.method);
        assert_eq!(format!("{}{}", fake.base, seen.target), plan.call.url, "path and query as planned");
        let body =
            (!seen.body.is_empty()).then(|| serde_json::from_str::<serde_json::Value>(&seen.body).expect("JSON body"));
        assert_eq!(body, plan.call.body, "the body as planned");
        assert_eq!(seen.authorization, format!("Bearer for {scope}"), "the token of the call's service");
    }
    // The app quarantine carries its documented body.
    assert_eq!(fake.calls()[0].body, r#"{"QuarantineStatus":"quarantined"}"#);
}

#[tokio::test]
async fn a_disabled_action_is_refused_and_nothing_is_sent() {
    let fake = Fake::start().await;
    let actions = power_platform_actions(fake.client(), CampaignConfig::default().actions);
    let a = action(ActionKind::Delete, ResourceKind::CloudFlow, "flow-1");
    let plan = actions.plan(&a).expect("the dry run works while disabled");
    assert!(!plan.enabled);
    let err = actions.execute(&a, &plan.digest).await.expect_err("disabled");
    assert_eq!(err, ActionError::Disabled { action: ActionKind::Delete, key: "campaigns.actions.delete" });
    assert!(fake.state.seen.lock().expect("lock").is_empty(), "not even a token was asked for");
}

#[tokio::test]
async fn refusals_are_reported_and_other_hosts_get_nothing() {
    let fake = Fake::start().await;
    let actions = power_platform_actions(fake.client(), all_on());
    let a = action(ActionKind::Quarantine, ResourceKind::CanvasApp, "app-1");
    let path =
        format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{ENV}/apps/app-1/setAppQuarantineState");
    fake.answer(&path, 403, r#"{"error":{"code":"Forbidden","message":"the app is not an admin"}}"#);
    let plan = actions.plan(&a).expect("plan");
    match actions.execute(&a, &plan.digest).await.expect_err("refused") {
        ActionError::Refused { status, body, method, .. } => {
            assert_eq!((status, method.as_str()), (403, "POST"));
            assert!(body.contains("not an admin"), "{body}");
        }
        other => panic!("expected a refusal, got {other}"),
    }

    // A flow delete answered 204 means the flow did not exist.
    let flow = action(ActionKind::Delete, ResourceKind::CloudFlow, "flow-gone");
    fake.answer(
        &format!("/providers/Microsoft.ProcessSimple/scopes/admin/environments/{ENV}/flows/flow-gone"),
        204,
        "",
    );
    let outcome = actions.execute(&flow, &actions.plan(&flow).expect("plan").digest).await.expect("204 is a success");
    assert!(outcome.note.is_some_and(|n| n.contains("did not exist")));

    // Planned for the commercial hosts but sent through a client of this tenant: the token of
    // that service goes nowhere else, so nothing is sent.
    let before = fake.calls().len();
    let elsewhere =
        PowerPlatformActions::new(ActionEndpoints::default(), all_on(), ClientTransport::new(fake.client()));
    let plan = elsewhere.plan(&a).expect("plan");
    let err = elsewhere.execute(&a, &plan.digest).await.expect_err("other host");
    assert!(matches!(err, ActionError::Transport { .. }), "{err}");
    assert!(err.to_string().contains("not on the configured"), "{err}");
    assert_eq!(fake.calls().len(), before, "nothing was sent");
}

#[tokio::test]
async fn a_tasks_action_is_carried_out_only_when_due_and_then_recorded() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = steward_store_sqlite::SqliteStore::open(&dir.path().join("s.db").display().to_string()).expect("open");
    store.migrate().await.expect("migrate");
    let now = chrono::Utc::now();
    let config = CampaignConfig::default();
    let campaign =
        steward_campaigns::run::open_campaign(&store, CampaignKind::Orphaned, "Leavers", "ann", now, &config)
            .await
            .expect("campaign");
    let candidate = steward_campaigns::OrphanedCandidate {
        resource: steward_campaigns::ResourceRef {
            tenant_id: TENANT.into(),
            resource_id: "flow-1".into(),
            environment_id: ENV.into(),
            name: "Old flow".into(),
            kind: Some(ResourceKind::CloudFlow),
        },
        leaver_id: "carol".into(),
        manager_id: Some("bob".into()),
    };
    let planned = steward_campaigns::plan_orphaned(&[candidate], &Default::default(), now, &config);
    let id = steward_campaigns::run::add_planned(&store, &campaign, &planned).await.expect("add").added[0];
    let actions = power_platform_actions(fake.client(), all_on());

    // Not approved yet: no action is due, and none is carried out even with a valid digest.
    let err = plan_action(&store, &actions, id, None).await.expect_err("nothing due");
    assert!(err.to_string().contains("no write action is due"), "{err}");
    let preview = plan_action(&store, &actions, id, Some(ActionKind::Delete)).await.expect("a named action plans");
    let err = execute_action(&store, &actions, id, Some(ActionKind::Delete), &preview.digest, "admin", now)
        .await
        .expect_err("not approved");
    assert!(err.to_string().contains("does not wait for delete"), "{err}");
    assert!(fake.calls().is_empty());

    answer_task(&store, id, &parse_answer("delete", None, None).expect("word"), "bob", None, now)
        .await
        .expect("approve");
    let plan = plan_action(&store, &actions, id, None).await.expect("deletion due");
    assert_eq!(plan.action.kind, ActionKind::Delete);
    let done = execute_action(&store, &actions, id, None, &plan.digest, "admin", now).await.expect("executed");
    assert_eq!(done.outcome.status, 200);
    let recorded = done.recorded.expect("done recorded");
    assert_eq!((recorded.to.as_str(), recorded.actor.as_str()), ("deleted", "admin"));
    assert!(recorded.note.as_deref().is_some_and(|n| n.contains("DELETE") && n.contains("HTTP 200")), "{recorded:?}");
    assert_eq!(fake.calls().len(), 1);
    let row = store.get_campaign_task(id).await.expect("get").expect("task");
    assert!(!row.open);
}
