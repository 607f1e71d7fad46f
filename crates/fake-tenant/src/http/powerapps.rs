//! Power Apps admin (apps, connectors) and Flow admin (cloud flows).

use super::listing::{Envelope, page_size, resource_page, start_of, write_items, write_page};
use super::params::{Base, Here, Params};
use super::reply::{error, internal, json, json_bytes, not_found};
use crate::inventory::Listing;
use crate::state::Shared;
use crate::stats::bump;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;
use steward_ingest::powerplatform::wire::powerapps;
use steward_ingest::synthetic::{CONNECTOR_PAGE, RESOURCE_PAGE};

fn environment(shared: &Shared, name: &str) -> Result<usize, Response> {
    shared.environment(name).ok_or_else(|| {
        not_found(
            "EnvironmentNotFound",
            &format!("The environment '{name}' could not be found in the tenant '{}'.", shared.tenant.tenant_id()),
        )
    })
}

/// Environments whose admin rights "lapsed" answer 403 on their app and flow lists.
fn check_access(shared: &Shared, name: &str, what: &str) -> Result<(), Response> {
    let faults = shared.faults.current();
    if faults.forbidden_environments.iter().any(|f| f.eq_ignore_ascii_case(name)) {
        bump(&shared.counters.forbidden);
        return Err(error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "The service principal with client id '{}' does not have permission to list {what} in environment '{name}'.",
                shared.client_id
            ),
        ));
    }
    Ok(())
}

async fn admin_list(
    shared: Arc<Shared>,
    name: String,
    listing: Listing,
    what: &str,
    base: String,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    let env = environment(&shared, &name)?;
    check_access(&shared, &name, what)?;
    let size = page_size(&params, RESOURCE_PAGE, RESOURCE_PAGE);
    let here = Here { params: &params, base: &base, path: uri.path() };
    Ok(resource_page(shared, env, listing, size, Envelope::List, &here).await)
}

/// `GET /providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps`.
pub(crate) async fn apps(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    admin_list(shared, name, Listing::Apps, "apps", base, params, uri).await
}

/// `GET /providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows`.
pub(crate) async fn flows(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    admin_list(shared, name, Listing::Flows, "flows", base, params, uri).await
}

fn custom_in<'a>(shared: &'a Shared, env_name: &'a str) -> impl Iterator<Item = &'a powerapps::Api> + 'a {
    shared.connectors.iter().filter(move |c| {
        c.properties.is_custom_api
            && c.properties.environment.as_ref().is_some_and(|e| e.name.eq_ignore_ascii_case(env_name))
    })
}

/// The environment named in `$filter=environment eq '{env}'` (`~Default` is the default one),
/// and whether the filter also asks for custom connectors only.
fn filter_of(shared: &Shared, filter: &str) -> Result<(usize, bool), Response> {
    let lower = filter.to_ascii_lowercase();
    let unreadable = || {
        error(
            StatusCode::BAD_REQUEST,
            "InvalidFilter",
            &format!(
                "the fake tenant understands $filter=environment eq '{{env}}' [and IsCustomApi eq 'True'], not '{filter}'"
            ),
        )
    };
    let at = lower.find("environment eq '").ok_or_else(unreadable)? + "environment eq '".len();
    let rest = filter.get(at..).ok_or_else(unreadable)?;
    let name = rest.split('\'').next().ok_or_else(unreadable)?;
    let env = if name.eq_ignore_ascii_case("~default") { 0 } else { environment(shared, name)? };
    let custom_only = lower.contains("iscustomapi eq 'true'");
    Ok((env, custom_only))
}

/// `GET /providers/Microsoft.PowerApps/apis?$filter=environment eq '{env}'`: the connectors an
/// environment sees (every standard and premium one, and its own custom ones). Without a
/// filter, the whole catalogue (every environment's custom connectors).
pub(crate) async fn connectors(
    State(shared): State<Arc<Shared>>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    let selected: Vec<&powerapps::Api> = match params.get("$filter").filter(|f| !f.trim().is_empty()) {
        None => shared.connectors.iter().collect(),
        Some(filter) => {
            let (env, custom_only) = filter_of(&shared, filter)?;
            let name = &shared.tenant.environments()[env].name;
            let shared_ones = shared.connectors.iter().filter(|c| !c.properties.is_custom_api && !custom_only);
            shared_ones.chain(custom_in(&shared, name)).collect()
        }
    };
    let start = (start_of(&params)? as usize).min(selected.len());
    let end = (start + CONNECTOR_PAGE).min(selected.len());
    let here = Here { params: &params, base: &base, path: uri.path() };
    let next = (end < selected.len()).then(|| here.next_link(end));
    write_page(&Envelope::List, next.as_deref(), |out| write_items(out, selected[start..end].iter()))
        .map(|body| json_bytes(StatusCode::OK, body))
        .map_err(|e| internal(&e.to_string()))
}

/// `GET /providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis`: the
/// environment's custom connectors.
pub(crate) async fn environment_connectors(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    let env = environment(&shared, &name)?;
    let env_name = &shared.tenant.environments()[env].name;
    let value: Vec<&powerapps::Api> = custom_in(&shared, env_name).collect();
    Ok(json(&serde_json::json!({ "value": value })))
}
