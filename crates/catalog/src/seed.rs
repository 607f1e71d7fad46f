//! Catalog items proposed from the inventory: the most used apps, flows and agents become items
//! with plausible metadata (owner and backup owner from the directory, department, business
//! area, a category and tags from the name, support tier and criticality from what was
//! declared), most of them listed through the real workflow, a few featured, one hero, a few
//! submitted and waiting for approval. `steward demo` calls [`seed_from_inventory`].
//!
//! Seeding twice adds nothing: a resource that already has an item is skipped.

use crate::{CatalogError, publication};
use std::collections::HashMap;
use steward_model::{ImpactLevel, LifecycleStage, Principal, Resource, ResourceKind, SupportTier, Timestamp};
use steward_store::catalog::{CatalogEdit, CatalogQuery, ItemFields, ItemKind, NewCatalogItem};
use steward_store::usage::{ResourceUsageQuery, UsageOrder, UsageReads};
use steward_store::{Store, StoreError};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Items to list (the most used resources).
    pub listed: usize,
    /// Items after those, left submitted for an admin to approve.
    pub submitted: usize,
    /// Listed items to feature (the most used ones).
    pub featured: usize,
    /// Make the most used listed item the catalog's hero.
    pub hero: bool,
    /// Also add AI model items that are not in the inventory.
    pub ai_models: bool,
    /// Who proposes and approves (recorded in the histories).
    pub by: String,
    pub at: Timestamp,
    /// Usage window, in days up to the last day with usage.
    pub window_days: i64,
    /// Documentation links are this base plus the item's slug.
    pub documentation_base: String,
    /// Screenshot URL; `{kind}` and `{slug}` are replaced.
    pub screenshot_template: String,
    /// Criticality per resource id, when the caller computed it (steward-responsibility);
    /// otherwise the declared criticality or business impact is used.
    pub criticality: HashMap<String, ImpactLevel>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            listed: 24,
            submitted: 4,
            featured: 4,
            hero: true,
            ai_models: true,
            by: "steward".to_string(),
            at: chrono::Utc::now(),
            window_days: 30,
            documentation_base: "https://docs.example.com/catalog/".to_string(),
            screenshot_template: "/static/catalog/{kind}.svg".to_string(),
            criticality: HashMap::new(),
        }
    }
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub created: usize,
    pub listed: usize,
    pub submitted: usize,
    /// Items left as drafts because their checklist fails (e.g. open `must` violations).
    pub drafts: usize,
    /// Resources that already had an item.
    pub skipped: usize,
    pub featured: Vec<i64>,
    pub hero: Option<i64>,
}

/// Propose catalog items from the inventory's most used resources; see the module documentation.
pub async fn seed_from_inventory(store: &dyn Store, opts: &SeedOptions) -> Result<SeedReport, CatalogError> {
    let mut report = SeedReport::default();
    let candidates = most_used(store, opts).await?;
    let mut people: Vec<String> = Vec::new();
    let mut planned = 0usize;
    for resource_id in candidates {
        if planned >= opts.listed + opts.submitted {
            break;
        }
        let existing = CatalogQuery { resource_id: Some(resource_id.clone()), ..CatalogQuery::default() };
        if store.list_catalog_items(&existing).await?.total > 0 {
            // Seeded before: it takes its place in the plan, so a second run adds nothing.
            report.skipped += 1;
            planned += 1;
            continue;
        }
        let Some(resource) = store.get_resource(&resource_id).await? else { continue };
        let owner_id = resource.owners.first().map(|o| o.principal_id.clone()).or(resource.created_by.clone());
        let Some(owner_id) = owner_id else { continue };
        let owner = store.get_principal(&owner_id).await?;
        let Some(backup) = backup_owner(store, &resource, owner.as_ref(), &people).await? else { continue };
        if !people.contains(&owner_id) {
            people.push(owner_id.clone());
        }
        let fields = fields_for(store, &resource, &owner_id, owner.as_ref(), backup, opts).await?;
        let list = planned < opts.listed;
        planned += 1;
        let stage = stage_for(&resource.id, list);
        let item = store
            .create_catalog_item(&NewCatalogItem {
                fields,
                stage,
                created_by: owner_id.clone(),
                created_at: opts.at,
                note: Some("proposed from the inventory".to_string()),
            })
            .await?;
        report.created += 1;
        match publication::submit(store, item.id, &owner_id, opts.at, None).await {
            Ok(_) => {}
            Err(CatalogError::Checklist(_)) => {
                report.drafts += 1;
                continue;
            }
            Err(e) => return Err(e),
        }
        if !list {
            report.submitted += 1;
            continue;
        }
        let listed = publication::approve(store, item.id, &opts.by, opts.at, Some("seeded")).await?;
        report.listed += 1;
        let feature = report.featured.len() < opts.featured;
        let hero = opts.hero && report.hero.is_none();
        if feature || hero {
            let mut fields = listed.fields.clone();
            fields.featured = feature;
            fields.hero = hero;
            let edit = CatalogEdit { fields, expected_seq: Some(listed.seq), by: opts.by.clone(), at: opts.at };
            store.update_catalog_item(item.id, &edit).await?;
            if feature {
                report.featured.push(item.id);
            }
            if hero {
                report.hero = Some(item.id);
            }
        }
    }
    if opts.ai_models {
        seed_ai_models(store, opts, &people, &mut report).await?;
    }
    Ok(report)
}

/// Apps, flows and agents by distinct users over the usage window, most used first; without
/// usage, the inventory's first resources of those kinds.
async fn most_used(store: &dyn Store, opts: &SeedOptions) -> Result<Vec<String>, CatalogError> {
    let kinds: Vec<ResourceKind> = ResourceKind::ALL
        .iter()
        .copied()
        .filter(|k| matches!(ItemKind::of_resource(*k), ItemKind::App | ItemKind::Flow | ItemKind::Agent))
        .collect();
    let wanted = (opts.listed + opts.submitted) * 3;
    let status = store.usage_status(None).await?;
    if let Some(last) = status.last_day {
        let query = ResourceUsageQuery {
            tenant_id: None,
            kinds: kinds.clone(),
            environment_id: None,
            from: last - chrono::Duration::days(opts.window_days.max(1) - 1),
            to: last,
            include_unused: false,
            order: UsageOrder::Users,
            limit: Some(wanted),
        };
        let used = store.resource_usage(&query).await?;
        if !used.is_empty() {
            return Ok(used.into_iter().filter(|u| u.unique_users > 0).map(|u| u.resource_id).collect());
        }
    }
    let mut ids = Vec::new();
    for kind in kinds {
        let q = steward_store::ResourceQuery { kind: Some(kind), limit: Some(wanted as u32), ..Default::default() };
        ids.extend(store.list_resources(&q).await?.items.into_iter().map(|r| r.id));
    }
    Ok(ids)
}

/// Another owner of the resource, else the owner's manager, else another maker seen before.
async fn backup_owner(
    store: &dyn Store,
    resource: &Resource,
    owner: Option<&Principal>,
    people: &[String],
) -> Result<Option<String>, StoreError> {
    let owner_id = owner.map(|o| o.id.as_str()).or(resource.owners.first().map(|o| o.principal_id.as_str()));
    if let Some(other) = resource.owners.iter().map(|o| o.principal_id.as_str()).find(|p| Some(*p) != owner_id) {
        return Ok(Some(other.to_string()));
    }
    if let Some(manager) = owner.and_then(|o| o.manager_id.clone())
        && store.get_principal(&manager).await?.is_some_and(|m| !m.is_leaver())
    {
        return Ok(Some(manager));
    }
    Ok(people.iter().find(|p| Some(p.as_str()) != owner_id).cloned())
}

async fn fields_for(
    store: &dyn Store,
    resource: &Resource,
    owner_id: &str,
    owner: Option<&Principal>,
    backup: String,
    opts: &SeedOptions,
) -> Result<ItemFields, CatalogError> {
    let kind = ItemKind::of_resource(resource.kind);
    let environment = store.get_environment(&resource.environment_id).await?;
    let governance = store.get_governance(&resource.id).await?;
    let category = category_of(&resource.display_name);
    let slug = slug(&resource.display_name);
    let env_name = environment.as_ref().map_or(resource.environment_id.as_str(), |e| e.display_name.as_str());
    let department = owner.and_then(|o| o.department.clone());
    let owner_name = owner.map_or(owner_id, |o| o.display_name.as_str());
    let summary = resource.description.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| {
        format!("{} for {} work, in the {env_name} environment.", kind.label(), category.to_lowercase())
    });
    let description = format!(
        "{title} is a {kind} in the {env_name} environment, built and run by {owner_name}{dept}. {summary} \
         Ask the owner for access, or read the documentation to get started.",
        title = resource.display_name,
        kind = resource.kind.label().to_lowercase(),
        dept = department.as_ref().map(|d| format!(" ({d})")).unwrap_or_default(),
    );
    let mut tags = vec![category.to_lowercase(), kind.as_str().replace('_', " ")];
    tags.extend(keywords(&resource.display_name));
    if let Some(d) = &department {
        tags.push(d.to_lowercase());
    }
    let criticality =
        opts.criticality.get(&resource.id).copied().or(governance.criticality).or(governance.business_impact);
    let support_tier = governance.support_tier.or(Some(match criticality {
        Some(ImpactLevel::Critical) => SupportTier::ItSupported,
        Some(ImpactLevel::High) => SupportTier::ItBlessed,
        _ => SupportTier::MakerSupported,
    }));
    Ok(ItemFields {
        resource_id: Some(resource.id.clone()),
        kind,
        platform: resource.platform.clone(),
        title: resource.display_name.clone(),
        summary,
        description,
        department,
        business_area: environment.and_then(|e| e.business_area),
        category: Some(category.to_string()),
        tags,
        owner: Some(owner_id.to_string()),
        backup_owner: Some(backup),
        support_tier,
        documentation_url: Some(format!("{}{slug}", opts.documentation_base)),
        screenshots: vec![opts.screenshot_template.replace("{kind}", kind.as_str()).replace("{slug}", &slug)],
        criticality,
        featured: false,
        hero: false,
    })
}

/// Listed items are mostly in production, some in pilot; submitted ones are pilots or prototypes.
fn stage_for(resource_id: &str, listed: bool) -> LifecycleStage {
    let h = xxhash_rust::xxh3::xxh3_64(resource_id.as_bytes()) % 10;
    match (listed, h) {
        (true, 0..=6) => LifecycleStage::Production,
        (true, _) => LifecycleStage::Pilot,
        (false, 0..=4) => LifecycleStage::Pilot,
        (false, _) => LifecycleStage::Prototype,
    }
}

/// A category from words of the name.
fn category_of(name: &str) -> &'static str {
    const TABLE: &[(&[&str], &str)] = &[
        (&["expense", "invoice", "budget", "payment", "purchase", "finance", "travel", "procure"], "Finance"),
        (&["leave", "holiday", "onboard", "hr", "recruit", "hiring", "employee", "training", "timesheet"], "HR"),
        (&["ticket", "incident", "help", "it ", "asset", "device", "access", "password"], "IT"),
        (&["sales", "lead", "customer", "crm", "quote", "order", "opportunit"], "Sales"),
        (&["inventory", "facility", "fleet", "maintenance", "inspection", "warehouse", "safety"], "Operations"),
        (&["report", "dashboard", "survey", "feedback", "kpi"], "Reporting"),
    ];
    let lower = format!("{} ", name.to_lowercase());
    TABLE
        .iter()
        .find(|(words, _)| words.iter().any(|w| lower.contains(w)))
        .map_or("Productivity", |(_, category)| category)
}

/// Lowercase words of the name worth a tag (4 letters or more), at most three.
fn keywords(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .take(3)
        .collect()
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Two AI models the inventory does not know about, listed, owned by makers seen.
async fn seed_ai_models(
    store: &dyn Store,
    opts: &SeedOptions,
    people: &[String],
    report: &mut SeedReport,
) -> Result<(), CatalogError> {
    const MODELS: &[(&str, &str, &str, &[&str])] = &[
        (
            "Invoice field extractor",
            "Reads supplier invoices (PDF) and returns vendor, amounts and due date as JSON.",
            "Finance",
            &["invoices", "document processing", "finance"],
        ),
        (
            "Support ticket summariser",
            "Summarises long support threads into three lines and suggests the next step.",
            "IT",
            &["summarisation", "support", "tickets"],
        ),
    ];
    let (Some(owner), Some(backup)) = (people.first(), people.get(1)) else { return Ok(()) };
    let existing =
        store.list_catalog_items(&CatalogQuery { kind: Some(ItemKind::AiModel), ..Default::default() }).await?;
    for (title, summary, category, tags) in MODELS {
        if existing.items.iter().any(|i| i.fields.title == *title) {
            report.skipped += 1;
            continue;
        }
        let slug = slug(title);
        let mut fields = ItemFields::new(ItemKind::AiModel, "azure_openai", title);
        fields.summary = summary.to_string();
        fields.description = format!(
            "{summary} It runs as a prompt on the organisation's Azure OpenAI deployment; apps and flows call it \
             through a custom connector. Inputs are not kept."
        );
        fields.category = Some(category.to_string());
        fields.tags = tags.iter().map(|t| t.to_string()).collect();
        fields.owner = Some(owner.clone());
        fields.backup_owner = Some(backup.clone());
        fields.support_tier = Some(SupportTier::ItBlessed);
        fields.documentation_url = Some(format!("{}{slug}", opts.documentation_base));
        fields.screenshots = vec![opts.screenshot_template.replace("{kind}", "ai_model").replace("{slug}", &slug)];
        let item = store
            .create_catalog_item(&NewCatalogItem {
                fields,
                stage: LifecycleStage::Pilot,
                created_by: owner.clone(),
                created_at: opts.at,
                note: Some("an AI model outside the inventory".to_string()),
            })
            .await?;
        report.created += 1;
        publication::submit(store, item.id, owner, opts.at, None).await?;
        publication::approve(store, item.id, &opts.by, opts.at, Some("seeded")).await?;
        report.listed += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_categories_keywords_and_slugs() {
        assert_eq!(category_of("Expense Claims"), "Finance");
        assert_eq!(category_of("New starter onboarding"), "HR");
        assert_eq!(category_of("Canteen menu"), "Productivity");
        assert_eq!(keywords("Leave Request App v2"), ["leave", "request"]);
        assert_eq!(slug("Leave Request — App (v2)"), "leave-request-app-v2");
    }
}
