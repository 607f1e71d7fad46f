//! The Power Platform inventory API (`resourcequery`) as the fast path where the tenant has it:
//! all agents of the tenant in one paged query, instead of two Dataverse calls (and a token)
//! per environment. Tenants without the API (404, or no rights to it) keep the Dataverse path.

use crate::Ctx;
use crate::listing::{Records, WalkError, walk};
use serde_json::{Map, Value, json};
use steward_ingest::powerplatform::normalize;
use steward_model::{Owner, POWER_PLATFORM, Resource, ResourceKind, ResourceState, ShareRole, Timestamp};
use steward_powerplatform::types::ResourceRow;
use steward_store::ListingScope;

const TABLE: &str = "PowerPlatformResources";
const AGENTS: &str = "microsoft.copilotstudio/agents";

fn agent_clauses() -> Value {
    json!([{ "$type": "where", "FieldName": "type", "Operator": "==", "Values": [format!("'{AGENTS}'")] }])
}

/// Whether the tenant answers the inventory API. Any failure means "use the other path".
pub async fn available(ctx: &Ctx) -> bool {
    let probe = json!([
        { "$type": "where", "FieldName": "type", "Operator": "==", "Values": [format!("'{AGENTS}'")] },
        { "$type": "take", "TakeCount": 1 }
    ]);
    match ctx.client.resource_query_page(TABLE, &probe, None).await {
        Ok(_) => true,
        Err(e) => {
            tracing::info!(source = %ctx.source, error = %e, "no Power Platform inventory API; agents come from Dataverse");
            false
        }
    }
}

/// Walk every agent of the tenant; a complete walk proves deletions tenant-wide.
pub async fn agents(ctx: &Ctx) -> Result<Option<crate::listing::Walked>, WalkError> {
    let scope = ListingScope::TenantResources { tenant_id: ctx.tenant_id.clone(), kinds: vec![ResourceKind::Agent] };
    let clauses = agent_clauses();
    walk(ctx, "inventory-api/agents", Some(scope), |next| {
        let (client, clauses, tenant_id) = (ctx.client.clone(), clauses.clone(), ctx.tenant_id.clone());
        async move {
            let page = client.resource_query_page(TABLE, &clauses, next.as_deref()).await?;
            let items = page.items.into_iter().filter_map(|row| agent(row, &tenant_id)).collect();
            Ok((Records::Resources(items), page.next))
        }
    })
    .await
}

fn text(p: &Map<String, Value>, key: &str) -> Option<String> {
    p.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

fn time(p: &Map<String, Value>, key: &str) -> Option<Timestamp> {
    text(p, key).and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&chrono::Utc))
}

/// An inventory row of type `microsoft.copilotstudio/agents` as a resource; rows without an
/// environment are skipped (the store keys resources by environment).
pub fn agent(row: ResourceRow, tenant_id: &str) -> Option<Resource> {
    let p = &row.properties;
    let environment_id = normalize::environment_id(&text(p, "environmentId")?);
    let published_at = time(p, "lastPublishedAt");
    let mut attributes = Map::new();
    if let Some(schema) = text(p, "schemaName") {
        attributes.insert("schemaname".into(), schema.into());
    }
    if let Some(managed) = p.get("isManaged").and_then(Value::as_bool) {
        attributes.insert("ismanaged".into(), managed.into());
    }
    attributes.insert("source".into(), "inventory_api".into());
    Some(Resource {
        id: row.name.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        environment_id,
        platform: POWER_PLATFORM.to_string(),
        kind: ResourceKind::Agent,
        display_name: text(p, "displayName").unwrap_or_else(|| row.name.clone()),
        description: None,
        state: if published_at.is_some() { ResourceState::Active } else { ResourceState::Draft },
        created_at: time(p, "createdAt"),
        modified_at: time(p, "lastModifiedAt"),
        published_at,
        created_by: text(p, "createdBy").map(|c| c.to_ascii_lowercase()),
        owners: text(p, "ownerId")
            .map(|o| vec![Owner { principal_id: o.to_ascii_lowercase(), role: ShareRole::Owner }])
            .unwrap_or_default(),
        sharing: Vec::new(),
        shared_users: 0,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references: Vec::new(),
        solution_id: None,
        quarantined: p.get("isQuarantined").and_then(Value::as_bool).unwrap_or(false),
        attributes,
        deleted_at: None,
    })
}
