//! A month's cost lines: what was charged, for what, and what allocation rules can match on.
//!
//! Sources, each line priced from the [`Catalogue`]:
//! - licences held, from Microsoft Graph (`licence_holders`: SKU part number → entry), one line
//!   per holder and entry, placed by the holder's department;
//! - seats bought but not assigned (enabled − consumed units of a priced SKU), one line per SKU,
//!   with no department (a shared cost: rules decide);
//! - licences imported from CSV (a principal's, or an environment's per-app/Process licences);
//! - environment capacity (Database, File, Log GB consumed), one line per environment and type;
//! - pay-as-you-go meters in the environments configured as such: an app's distinct users, a
//!   flow's runs, an agent's messages (uses in the month, from the usage rollups);
//! - people: the CoE team (FTE × monthly cost) and makers' time (hours × rate).
//!
//! `list_cost` is at the built-in list price when the entry's currency is the list currency;
//! `billed_cost` and `effective_cost` at the price in force (negotiated prices are overrides).

use crate::catalogue::{Catalogue, ChargeCategory, Meter, PriceEntry};
use crate::config::CostConfig;
use crate::money::times;
use crate::period::Period;
use crate::records::{self, PeopleCost, PeopleKind};
use crate::{CostError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use steward_model::{Environment, ResourceKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::{BriefQuery, ResourceBrief, RollupQuery};
use steward_store::{EnvironmentQuery, Store};

/// What rules match a cost on. Empty fields match no rule of that basis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    pub environment_id: Option<String>,
    pub environment_group: Option<String>,
    pub business_area: Option<String>,
    pub department: Option<String>,
    /// A cost centre the source names itself (a people cost placed directly).
    pub cost_centre: Option<String>,
}

/// One charge in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    pub month: Period,
    /// Catalogue entry id, or `coe_team` / `maker_time`.
    pub entry_id: String,
    /// FOCUS `ChargeDescription`: the entry's name.
    pub description: String,
    pub service: String,
    pub category: ChargeCategory,
    /// FOCUS `ResourceId`: a principal, environment, resource or SKU (`sku:<part number>`).
    pub resource_id: String,
    pub resource_name: String,
    /// The app, flow or agent this cost belongs to, when it belongs to one.
    pub steward_resource: Option<String>,
    pub quantity: f64,
    pub unit: String,
    pub list_cost: i64,
    pub billed_cost: i64,
    pub effective_cost: i64,
    pub currency: String,
    pub attributes: Attributes,
}

/// Everything [`month_lines`] reads, loaded once so several months or reports share it.
pub struct Inputs {
    pub catalogue: Catalogue,
    pub list: Catalogue,
    pub environments: Vec<Environment>,
    pub resources: Vec<ResourceBrief>,
    pub holders: Vec<steward_store::cost::LicenceHolder>,
    pub licences: Vec<steward_model::License>,
    pub assignments: Vec<records::ImportedAssignment>,
    pub people: Vec<PeopleCost>,
    pub principal_departments: HashMap<String, String>,
}

impl Inputs {
    /// Read the store's inventory, licences and cost records.
    pub async fn load(store: &dyn Store, config: &CostConfig) -> Result<Inputs> {
        config.check()?;
        let imported = records::prices(store).await?;
        let catalogue = config.catalogue(&imported)?;
        let mut environments = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_environments(&EnvironmentQuery { limit: Some(500), cursor: cursor.clone(), ..Default::default() })
                .await?;
            environments.extend(page.items.into_iter().map(|s| s.environment));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let resources = store.resource_briefs(&BriefQuery::default()).await?;
        let holders = store.licence_holders(None).await?;
        let principal_departments =
            holders.iter().filter_map(|h| h.department.clone().map(|d| (h.principal_id.clone(), d))).collect();
        let mut people = config.team.clone();
        people.extend(records::people(store).await?);
        Ok(Inputs {
            catalogue,
            list: crate::Catalogue::builtin()?,
            environments,
            resources,
            holders,
            licences: store.list_licenses(None).await?,
            assignments: records::assignments(store).await?,
            people,
            principal_departments,
        })
    }

    fn environment(&self, id: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.id == id)
    }

    fn env_attributes(&self, id: &str) -> Attributes {
        match self.environment(id) {
            Some(e) => Attributes {
                environment_id: Some(e.id.clone()),
                environment_group: e.environment_group.clone(),
                business_area: e.business_area.clone(),
                ..Default::default()
            },
            None => Attributes { environment_id: Some(id.to_string()), ..Default::default() },
        }
    }
}

struct Builder<'a> {
    inputs: &'a Inputs,
    config: &'a CostConfig,
    month: Period,
    lines: Vec<CostLine>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn priced(
        &mut self,
        entry: &PriceEntry,
        resource_id: String,
        resource_name: String,
        steward_resource: Option<String>,
        quantity: f64,
        attributes: Attributes,
    ) -> Result<()> {
        if entry.currency != self.config.currency {
            return Err(CostError::Catalogue(format!(
                "price '{}' is in {} but reports are in {}; override its price in {} (docs/costs.md)",
                entry.id, entry.currency, self.config.currency, self.config.currency
            )));
        }
        let billed = times(quantity, entry.price);
        let list = match self.inputs.list.get(&entry.id) {
            Some(l) if l.currency == entry.currency => times(quantity, l.price),
            _ => billed,
        };
        self.lines.push(CostLine {
            month: self.month,
            entry_id: entry.id.clone(),
            description: entry.name.clone(),
            service: entry.service.clone(),
            category: entry.category,
            resource_id,
            resource_name,
            steward_resource,
            quantity,
            unit: entry.unit.clone(),
            list_cost: list,
            billed_cost: billed,
            effective_cost: billed,
            currency: entry.currency.clone(),
            attributes,
        });
        Ok(())
    }
}

/// The cost lines of one month.
pub async fn month_lines(
    store: &dyn Store,
    config: &CostConfig,
    inputs: &Inputs,
    month: Period,
) -> Result<Vec<CostLine>> {
    if !month.is_month() {
        return Err(CostError::Period(month.to_string()));
    }
    let mut b = Builder { inputs, config, month, lines: Vec::new() };
    let cat = &inputs.catalogue;

    // Licences held (Graph).
    for h in &inputs.holders {
        if let Some(entry) = cat.by_sku(&h.sku_part_number).filter(|e| e.meter == Meter::Assigned) {
            let attrs = Attributes { department: h.department.clone(), ..Default::default() };
            b.priced(entry, h.principal_id.clone(), h.display_name.clone(), None, 1.0, attrs)?;
        }
    }
    // Seats bought and not assigned.
    for l in &inputs.licences {
        let spare = l.enabled_units - l.consumed_units;
        if spare > 0
            && let Some(entry) = cat.by_sku(&l.sku_part_number).filter(|e| e.meter == Meter::Assigned)
        {
            let name = format!("{} (unassigned seats)", l.sku_part_number);
            b.priced(entry, format!("sku:{}", l.sku_part_number), name, None, spare as f64, Attributes::default())?;
        }
    }
    // Imported assignments.
    for a in &inputs.assignments {
        let Some(entry) = cat.get(&a.entry_id) else {
            return Err(CostError::Record {
                kind: "assignment",
                key: a.key(),
                reason: format!("price '{}' is not in the catalogue", a.entry_id),
            });
        };
        let mut attrs = match &a.environment_id {
            Some(env) => inputs.env_attributes(env),
            None => Attributes::default(),
        };
        attrs.department = a.department.clone().or_else(|| inputs.principal_departments.get(&a.principal).cloned());
        let (id, name) = if a.principal.is_empty() {
            let env = a.environment_id.clone().unwrap_or_default();
            let name = inputs.environment(&env).map_or(env.clone(), |e| e.display_name.clone());
            (env, name)
        } else {
            (a.principal.clone(), a.principal.clone())
        };
        b.priced(entry, id, name, None, a.quantity, attrs)?;
    }
    // Capacity.
    for e in inputs.environments.iter().filter(|e| e.deleted_at.is_none()) {
        for c in &e.capacity {
            if c.actual_mb <= 0.0 {
                continue;
            }
            if let Some(entry) = cat.by_capacity(&c.capacity_type) {
                let gb = (c.actual_mb / 1024.0 * 1000.0).round() / 1000.0;
                b.priced(entry, e.id.clone(), e.display_name.clone(), None, gb, inputs.env_attributes(&e.id))?;
            }
        }
    }
    // Pay-as-you-go meters.
    if !config.payg_environments.is_empty() {
        let payg: Vec<&ResourceBrief> = inputs
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && config.payg_environments.contains(&r.environment_id))
            .collect();
        let rows = store
            .usage_rows(&RollupQuery {
                tenant_id: None,
                scope: UsageScope::Resource,
                scope_ids: Some(payg.iter().map(|r| r.id.clone()).collect()),
                period: UsagePeriod::Month,
                metric: UsageMetric::Use,
                from: month.start,
                to: month.start,
            })
            .await?;
        let by_id: HashMap<&str, (u64, usize)> =
            rows.iter().map(|r| (r.scope_id.as_str(), (r.uses, r.actors.len()))).collect();
        for r in payg {
            let Some((uses, users)) = by_id.get(r.id.as_str()).copied() else { continue };
            let (meter, quantity) = if r.kind.is_app() {
                (Meter::ActiveUsers, users as f64)
            } else if r.kind.is_flow() {
                (Meter::Runs, uses as f64)
            } else if r.kind == ResourceKind::Agent {
                (Meter::Messages, uses as f64)
            } else {
                continue;
            };
            if quantity <= 0.0 {
                continue;
            }
            if let Some(entry) = cat.by_meter(meter) {
                let mut attrs = inputs.env_attributes(&r.environment_id);
                attrs.department = r.owner.as_ref().and_then(|o| inputs.principal_departments.get(o).cloned());
                b.priced(entry, r.id.clone(), r.display_name.clone(), Some(r.id.clone()), quantity, attrs)?;
            }
        }
    }
    // People.
    for p in inputs.people.iter().filter(|p| p.month.is_none_or(|m| m == month)) {
        let rate = match (p.kind, p.rate) {
            (_, Some(r)) => r,
            (PeopleKind::MakerTime, None) => config.maker_hour_rate,
            (PeopleKind::CoeTeam, None) => 0,
        };
        let cost = times(p.quantity, rate);
        let department = p
            .department
            .clone()
            .or_else(|| p.principal_id.as_ref().and_then(|id| inputs.principal_departments.get(id).cloned()));
        let (service, unit) = match p.kind {
            PeopleKind::CoeTeam => ("CoE team", "FTE"),
            PeopleKind::MakerTime => ("Makers' time", "hour"),
        };
        let mut attrs = match p.resource_id.as_ref().and_then(|id| inputs.resources.iter().find(|r| &r.id == id)) {
            Some(r) => inputs.env_attributes(&r.environment_id),
            None => Attributes::default(),
        };
        attrs.department = department;
        attrs.cost_centre = p.cost_centre.clone();
        b.lines.push(CostLine {
            month,
            entry_id: p.kind.as_str().to_string(),
            description: p.name.clone(),
            service: service.into(),
            category: ChargeCategory::Purchase,
            resource_id: p.resource_id.clone().or_else(|| p.principal_id.clone()).unwrap_or_else(|| p.id.clone()),
            resource_name: p.name.clone(),
            steward_resource: p.resource_id.clone(),
            quantity: p.quantity,
            unit: unit.into(),
            list_cost: cost,
            billed_cost: cost,
            effective_cost: cost,
            currency: config.currency.clone(),
            attributes: attrs,
        });
    }
    Ok(b.lines)
}
