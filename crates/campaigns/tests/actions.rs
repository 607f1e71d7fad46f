//! Write actions: off by default, a dry run before any call, the documented calls only.

use async_trait::async_trait;
use std::sync::Mutex;
use steward_campaigns::{
    Action, ActionEndpoints, ActionError, ActionKind, ActionsConfig, CampaignConfig, HttpCall, HttpReply,
    HttpTransport, PowerPlatformActions, Service, TenantActions,
};
use steward_model::ResourceKind;

/// Records every call; answers with a fixed status.
struct Recorder {
    calls: Mutex<Vec<HttpCall>>,
    status: u16,
}

impl Recorder {
    fn new(status: u16) -> Self {
        Recorder { calls: Mutex::new(Vec::new()), status }
    }
    fn sent(&self) -> Vec<HttpCall> {
        self.calls.lock().expect("lock").clone()
    }
}

#[async_trait]
impl HttpTransport for &Recorder {
    async fn send(&self, call: &HttpCall) -> Result<HttpReply, String> {
        self.calls.lock().expect("lock").push(call.clone());
        Ok(HttpReply { status: self.status, body: "{\"error\":{\"code\":\"Forbidden\"}}".into() })
    }
}

fn action(kind: ActionKind, resource_kind: ResourceKind) -> Action {
    Action {
        kind,
        environment_id: "Default-00000000-0000-0000-0000-000000000001".into(),
        resource_id: "4d4bb961-eef9-4258-8516-aa8d64e6b477".into(),
        resource_kind: Some(resource_kind),
    }
}

fn all_on() -> ActionsConfig {
    ActionsConfig { archive: true, quarantine: true, delete: true }
}

#[tokio::test]
async fn every_action_is_disabled_by_default_and_names_its_key() {
    let recorder = Recorder::new(200);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), CampaignConfig::default().actions, &recorder);
    for (kind, resource_kind, key) in [
        (ActionKind::Quarantine, ResourceKind::CanvasApp, "campaigns.actions.quarantine"),
        (ActionKind::Delete, ResourceKind::CloudFlow, "campaigns.actions.delete"),
        (ActionKind::Archive, ResourceKind::CloudFlow, "campaigns.actions.archive"),
    ] {
        let a = action(kind, resource_kind);
        // The dry run works while disabled: it is how an admin sees what would happen.
        let plan = actions.plan(&a).expect("documented call");
        assert!(!plan.enabled);
        assert_eq!(plan.config_key, key);
        let err = actions.execute(&a, &plan.digest).await.expect_err("disabled");
        assert_eq!(err, ActionError::Disabled { action: kind, key });
        assert!(err.to_string().contains(&format!("set `{key} = true`")), "{err}");
    }
    assert!(recorder.sent().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn execute_needs_the_digest_of_the_dry_run() {
    let recorder = Recorder::new(200);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), all_on(), &recorder);
    let a = action(ActionKind::Quarantine, ResourceKind::CanvasApp);

    let err = actions.execute(&a, "").await.expect_err("no dry run");
    assert!(matches!(err, ActionError::PlanMismatch { .. }), "{err}");

    // A plan of another resource does not authorise this one.
    let other = Action { resource_id: "other-app".into(), ..a.clone() };
    let other_plan = actions.plan(&other).expect("plan");
    let err = actions.execute(&a, &other_plan.digest).await.expect_err("someone else's plan");
    assert!(matches!(err, ActionError::PlanMismatch { .. }), "{err}");
    assert!(recorder.sent().is_empty(), "nothing sent without the matching plan");

    // A plan made against other endpoints does not match either.
    let elsewhere = PowerPlatformActions::new(
        ActionEndpoints { powerapps: "https://gov.api.powerapps.us".into(), ..ActionEndpoints::default() },
        all_on(),
        &recorder,
    );
    let stale = elsewhere.plan(&a).expect("plan");
    assert!(actions.execute(&a, &stale.digest).await.is_err());

    let plan = actions.plan(&a).expect("plan");
    let outcome = actions.execute(&a, &plan.digest).await.expect("executed");
    assert_eq!(outcome.status, 200);
    assert_eq!(recorder.sent(), vec![plan.call], "exactly the planned call was sent");
}

#[test]
fn plans_are_the_documented_calls() {
    let recorder = Recorder::new(200);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), ActionsConfig::default(), &recorder);
    let env = "Default-00000000-0000-0000-0000-000000000001";
    let id = "4d4bb961-eef9-4258-8516-aa8d64e6b477";
    let cases = [
        (
            ActionKind::Quarantine,
            ResourceKind::CanvasApp,
            Service::PowerApps,
            "POST",
            format!(
                "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{id}/setAppQuarantineState?api-version=2021-02-01"
            ),
            Some(serde_json::json!({ "QuarantineStatus": "quarantined" })),
        ),
        (
            ActionKind::Quarantine,
            ResourceKind::Agent,
            Service::PowerPlatform,
            "POST",
            format!(
                "https://api.powerplatform.com/copilotstudio/environments/{env}/bots/{id}/api/botQuarantine/SetAsQuarantined?api-version=2024-10-01"
            ),
            None,
        ),
        (
            ActionKind::Delete,
            ResourceKind::CanvasApp,
            Service::PowerApps,
            "DELETE",
            format!(
                "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{id}?api-version=2017-08-01"
            ),
            None,
        ),
        (
            ActionKind::Delete,
            ResourceKind::CloudFlow,
            Service::Flow,
            "DELETE",
            format!(
                "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{id}?api-version=2016-11-01"
            ),
            None,
        ),
        (
            ActionKind::Archive,
            ResourceKind::CloudFlow,
            Service::Flow,
            "POST",
            format!(
                "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{id}/stop?api-version=2016-11-01"
            ),
            None,
        ),
    ];
    for (kind, resource_kind, service, method, url, body) in cases {
        let plan = actions.plan(&action(kind, resource_kind)).expect("documented");
        assert_eq!(plan.call, HttpCall { service, method: method.into(), url, body }, "{kind} {resource_kind}");
        assert_eq!(plan.digest.len(), 64, "SHA-256 in hex");
        assert!(!plan.source.is_empty() && !plan.effect.is_empty());
    }
}

#[test]
fn undocumented_actions_are_not_available_with_what_to_do() {
    let recorder = Recorder::new(200);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), all_on(), &recorder);
    for (kind, resource_kind, hint) in [
        (ActionKind::Quarantine, ResourceKind::CloudFlow, "no quarantine state"),
        (ActionKind::Archive, ResourceKind::CanvasApp, "no archive call for apps"),
        (ActionKind::Delete, ResourceKind::Agent, "answer `done`"),
        (ActionKind::Quarantine, ResourceKind::PowerPagesSite, "answer `done`"),
    ] {
        let err = actions.plan(&action(kind, resource_kind)).expect_err("not documented");
        assert!(matches!(err, ActionError::NotAvailable { .. }), "{err:?}");
        assert!(err.to_string().contains(hint), "{err}");
    }
    let unknown = Action { resource_kind: None, ..action(ActionKind::Delete, ResourceKind::CanvasApp) };
    assert!(actions.plan(&unknown).expect_err("unknown kind").to_string().contains("unknown kind"));
}

#[test]
fn ids_that_would_change_the_url_are_refused() {
    let recorder = Recorder::new(200);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), all_on(), &recorder);
    for bad in ["", "..", "a/b", "a?x=1", "a b", "a%2Fb"] {
        let a = Action { resource_id: bad.into(), ..action(ActionKind::Delete, ResourceKind::CloudFlow) };
        assert!(matches!(actions.plan(&a), Err(ActionError::InvalidId { .. })), "{bad:?}");
    }
}

#[tokio::test]
async fn refusals_and_quirks_of_the_platform_are_reported() {
    let forbidden = Recorder::new(403);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), all_on(), &forbidden);
    let a = action(ActionKind::Delete, ResourceKind::CanvasApp);
    let plan = actions.plan(&a).expect("plan");
    let err = actions.execute(&a, &plan.digest).await.expect_err("403");
    assert!(matches!(err, ActionError::Refused { status: 403, .. }), "{err}");
    assert!(err.to_string().contains("Forbidden"), "{err}");

    let no_content = Recorder::new(204);
    let actions = PowerPlatformActions::new(ActionEndpoints::default(), all_on(), &no_content);
    let a = action(ActionKind::Delete, ResourceKind::CloudFlow);
    let plan = actions.plan(&a).expect("plan");
    let outcome = actions.execute(&a, &plan.digest).await.expect("204 is success");
    assert!(outcome.note.is_some_and(|n| n.contains("did not exist")));
}
