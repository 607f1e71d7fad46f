//! BAP admin: the environment list and DLP v2 policies.

use super::listing::{Envelope, start_of, write_items, write_page};
use super::params::{Base, Here, Params};
use super::reply::{internal, json, json_bytes, not_found};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;
use steward_ingest::powerplatform::wire::bap;
use steward_ingest::synthetic::ENVIRONMENT_PAGE;

/// `GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`, 100 per page, with
/// each Dataverse instance's API URL pointing back at this server.
pub(crate) async fn environments(
    State(shared): State<Arc<Shared>>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    let start = start_of(&params)? as usize;
    let envs = shared.tenant.environments();
    let end = (start + ENVIRONMENT_PAGE).min(envs.len());
    let here = Here { params: &params, base: &base, path: uri.path() };
    let next = (end < envs.len()).then(|| here.next_link(end));
    let items = (start.min(end)..end).filter_map(|e| {
        let mut env = shared.tenant.wire_environment(e)?;
        if let Some(linked) = env.properties.linked_environment_metadata.as_mut() {
            linked.instance_api_url = Some(format!("{base}/dataverse/{}", envs[e].org));
        }
        Some(env)
    });
    write_page(&Envelope::List, next.as_deref(), |out| write_items(out, items))
        .map(|body| json_bytes(StatusCode::OK, body))
        .map_err(|e| internal(&e.to_string()))
}

/// `GET /providers/PowerPlatform.Governance/v2/policies`: every policy, without connector groups.
pub(crate) async fn policies(State(shared): State<Arc<Shared>>) -> Response {
    let list = bap::PolicyList {
        value: shared
            .policies
            .iter()
            .map(|p| bap::PolicyEnvelope {
                policy_definition: bap::PolicyDefinition { connector_groups: None, ..p.clone() },
            })
            .collect(),
    };
    json(&list)
}

/// `GET /providers/PowerPlatform.Governance/v2/policies/{name}`: one policy with its groups.
pub(crate) async fn policy(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match shared.policies.iter().find(|p| p.name.eq_ignore_ascii_case(&name)) {
        Some(p) => json(&bap::PolicyEnvelope { policy_definition: p.clone() }),
        None => not_found("PolicyNotFound", &format!("The policy '{name}' was not found.")),
    }
}
