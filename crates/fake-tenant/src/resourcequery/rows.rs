//! One inventory row, in the shape of the inventory schema (inferred: the docs list the fields
//! but show no recorded response).

use crate::inventory::Inventory;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};
use steward_ingest::synthetic::{SyntheticTenant, WireResource};
use steward_model::{ResourceKind, Timestamp};

pub(crate) const ENVIRONMENT_TYPE: &str = "microsoft.powerplatform/environments";

/// The inventory `type` of a resource kind; `None` for kinds the inventory does not list.
pub(crate) fn type_of(kind: ResourceKind) -> Option<&'static str> {
    match kind {
        ResourceKind::CanvasApp => Some("microsoft.powerapps/canvasapps"),
        ResourceKind::ModelDrivenApp => Some("microsoft.powerapps/modeldrivenapps"),
        ResourceKind::CloudFlow => Some("microsoft.powerautomate/cloudflows"),
        ResourceKind::Agent => Some("microsoft.copilotstudio/agents"),
        _ => None,
    }
}

fn time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
}

/// The full row of environment `e`.
pub(crate) fn environment_row(tenant: &SyntheticTenant, e: usize) -> Value {
    let Some(wire) = tenant.wire_environment(e) else { return Value::Null };
    let p = &wire.properties;
    let mut props = json!({
        "displayName": p.display_name,
        "createdAt": time(p.created_time),
        "createdBy": p.created_by.as_ref().map(|c| c.id.clone()),
        "lastModifiedAt": time(p.last_modified_time),
        "environmentType": p.environment_sku,
        "isManaged": p.governance_configuration.as_ref().and_then(|g| g.protection_level.as_deref()) == Some("Standard"),
    });
    if let (Some(group), Value::Object(map)) = (&p.parent_environment_group, &mut props) {
        map.insert("environmentGroupId".to_string(), Value::String(group.id.clone()));
    }
    json!({
        "name": wire.name,
        "type": ENVIRONMENT_TYPE,
        "location": wire.location,
        "tenantId": tenant.tenant_id(),
        "properties": props,
    })
}

/// The full row of resource `g` (which must be an inventory type).
pub(crate) fn resource_row(tenant: &SyntheticTenant, inv: &Inventory, g: u64) -> Value {
    let template = inv.template(g);
    let row = inv.row(tenant, g);
    let env = &tenant.environments()[row.environment];
    let owner = tenant.owner_id(template);
    let mut props = Map::new();
    let mut put = |k: &str, v: Value| {
        props.insert(k.to_string(), v);
    };
    put("displayName", Value::String(inv.name(tenant, g)));
    put("createdAt", time(Some(row.created)));
    put("createdBy", Value::String(owner.clone()));
    put("ownerId", Value::String(owner.clone()));
    put("environmentId", Value::String(env.name.clone()));
    put("lastModifiedAt", time(Some(row.modified)));
    put("lastModifiedBy", Value::String(owner));
    match inv.render(tenant, g) {
        WireResource::App(app) => {
            let quarantined = app.properties.execution_restrictions.is_some_and(|r| r.is_temporarily_disabled);
            put("isQuarantined", Value::Bool(quarantined));
        }
        WireResource::Agent(bot) => {
            put("lastPublishedAt", time(bot.publishedon));
            put("schemaName", bot.schemaname.map_or(Value::Null, Value::String));
            put("isManaged", Value::Bool(bot.ismanaged.unwrap_or(false)));
            put("botId", Value::String(bot.botid));
        }
        WireResource::Flow(_) | WireResource::DesktopFlow(_) => {}
    }
    json!({
        "name": inv.id(tenant, g),
        "type": type_of(row.kind),
        "location": env.location,
        "tenantId": tenant.tenant_id(),
        "properties": props,
    })
}

/// Keep only the projected fields (`name`, `properties`, `properties.displayName`, …), nested
/// as in the full row.
pub(crate) fn project(row: Value, fields: &[String]) -> Value {
    let Value::Object(mut full) = row else { return row };
    let mut out = Map::new();
    let mut props = Map::new();
    let full_props = match full.remove("properties") {
        Some(Value::Object(p)) => p,
        _ => Map::new(),
    };
    for f in fields {
        match f.split_once('.') {
            Some((head, sub)) if head.eq_ignore_ascii_case("properties") => {
                if let Some((k, v)) = full_props.iter().find(|(k, _)| k.eq_ignore_ascii_case(sub)) {
                    props.insert(k.clone(), v.clone());
                }
            }
            _ if f.eq_ignore_ascii_case("properties") => props.extend(full_props.clone()),
            _ => {
                if let Some((k, v)) = full.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if !props.is_empty() {
        out.insert("properties".to_string(), Value::Object(props));
    }
    Value::Object(out)
}
