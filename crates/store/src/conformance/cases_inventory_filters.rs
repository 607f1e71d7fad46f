//! The inventory pages' filters: department, connector, tier, criticality, compliance state,
//! lifecycle stage, last use and a maker's own resources, alone, combined and paged in every
//! order; the statuses compliance runs write; makers and connectors with their counts.
//!
//! Expected rows are computed from the dataset with the definitions below ([`Estate`]), not
//! written out, so a case names the rule it checks.

use super::cases_lists::{all_resource_pages, expected_order};
use super::*;
use crate::catalog::{ItemFields, ItemKind, NewCatalogItem};
use crate::governance::{ComplianceFinding, ComplianceRun, Level, LevelCounts, NewExemption, SubjectKind};
use crate::inventory::{ComplianceState, MakerQuery, ResourceStatus, StatusInput, TierFilter};
use crate::{ResourceQuery, ResourceSort, Store};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use steward_model::{
    ConnectionReference, ConnectorTier, ImpactLevel, LifecycleStage, Resource, ResourceKind, Timestamp, UsageKind,
};

/// The estate of these cases and what the store is told about it besides the inventory.
struct Estate {
    data: Dataset,
    /// Department of each known principal.
    departments: HashMap<String, String>,
    /// Connector id → listed tier.
    tiers: HashMap<String, ConnectorTier>,
    /// What the compliance run records per resource: criticality, open (must, should, could),
    /// exempted. Resources absent were not evaluated.
    statuses: HashMap<String, (Option<ImpactLevel>, [u64; 3], u64)>,
    /// Catalog stage per resource with an item.
    stages: HashMap<String, LifecycleStage>,
}

fn run_at() -> Timestamp {
    at(2026, 11, 23, 8, 0, 0, 0)
}

fn refs(ids: &[(&str, ConnectorTier)]) -> Vec<ConnectionReference> {
    ids.iter()
        .map(|(id, tier)| ConnectionReference { connector_id: (*id).into(), display_name: id.to_string(), tier: *tier })
        .collect()
}

fn estate() -> Estate {
    let mut ann = principal("t1", "p1", "ann@contoso.com");
    ann.display_name = "Ann".into();
    let mut bob = principal("t1", "p2", "bob@contoso.com");
    bob.display_name = "Bob".into();
    bob.department = Some("Sales".into());
    bob.enabled = false;
    let mut carol = principal("t1", "p3", "carol@contoso.com");
    carol.display_name = "carol".into();
    carol.department = Some("FINANCE".into());
    let mut dan = principal("t2", "p4", "dan@fabrikam.com");
    dan.display_name = "Dan".into();
    dan.department = None;
    let mut idle = principal("t1", "p5", "idle@contoso.com");
    idle.display_name = "Idle".into();

    let mut standard = connector("t1", "c-std");
    standard.tier = ConnectorTier::Standard;
    let mut premium = connector("t1", "c-prem");
    premium.tier = ConnectorTier::Premium;
    let mut custom = connector("t1", "c-cust");
    custom.tier = ConnectorTier::Custom;
    custom.publisher = Some("Contoso IT".into());

    let r = |id: &str, env: &str, kind, name: &str, owners: &[&str], creator: Option<&str>| {
        let mut r = resource(if id == "a8" { "t2" } else { "t1" }, env, id, kind, name);
        r.owners = owners.iter().map(|o| owner(o)).collect();
        r.created_by = creator.map(str::to_string);
        r
    };
    let mut a1 = r("a1", "e1", ResourceKind::CanvasApp, "Expense claims", &["p1"], Some("p1"));
    a1.connection_references = refs(&[("c-std", ConnectorTier::Standard)]);
    let mut a2 = r("a2", "e1", ResourceKind::CloudFlow, "Invoice sync", &["p2"], Some("p3"));
    a2.connection_references = refs(&[("c-prem", ConnectorTier::Premium)]);
    let mut a3 = r("a3", "e2", ResourceKind::CanvasApp, "Travel desk", &["p3", "p2"], None);
    a3.connection_references = refs(&[("c-cust", ConnectorTier::Custom), ("c-std", ConnectorTier::Standard)]);
    let a4 = r("a4", "e2", ResourceKind::Agent, "Helpdesk agent", &["unknown-x"], None);
    // A connector the inventory does not list: not premium, whatever the reference says.
    let mut a5 = r("a5", "e1", ResourceKind::CloudFlow, "Badge printer", &["p1"], None);
    a5.connection_references = refs(&[("c-unlisted", ConnectorTier::Premium)]);
    let a6 = r("a6", "e2", ResourceKind::ModelDrivenApp, "Asset register", &["p3"], None);
    let mut gone = r("a7", "e1", ResourceKind::CanvasApp, "Old expenses", &["p1"], Some("p1"));
    gone.connection_references = refs(&[("c-prem", ConnectorTier::Premium)]);
    gone.deleted_at = Some(at(2025, 3, 1, 0, 0, 0, 0));
    let a8 = r("a8", "e3", ResourceKind::CanvasApp, "Fabrikam app", &["p4"], Some("p4"));

    let use_on = |id: &str, resource: &str, y, m, d| {
        event("t1", id, Some(resource), Some("p1"), UsageKind::Launch, at(y, m, d, 10, 0, 0, 0))
    };
    let mut events = vec![
        use_on("u1", "a1", 2026, 11, 20),
        use_on("u2", "a1", 2026, 9, 1),
        use_on("u3", "a2", 2026, 10, 25),
        use_on("u4", "a4", 2026, 6, 1),
        use_on("u5", "a6", 2026, 11, 14),
    ];
    // A maker action counts as no use.
    events.push(event("t1", "m1", Some("a5"), Some("p1"), UsageKind::Edit, at(2026, 11, 21, 9, 0, 0, 0)));
    let mut a8_use = use_on("u6", "a8", 2026, 11, 22);
    a8_use.tenant_id = "t2".into();
    events.push(a8_use);

    let data = Dataset {
        tenants: vec![tenant("t1"), tenant("t2")],
        environments: vec![environment("t1", "e1"), environment("t1", "e2"), environment("t2", "e3")],
        connectors: vec![standard, premium, custom],
        principals: vec![ann, bob, carol, dan, idle],
        resources: vec![a1, a2, a3, a4, a5, a6, gone, a8],
        events,
        ..Default::default()
    };
    let departments =
        data.principals.iter().filter_map(|p| p.department.clone().map(|d| (p.id.clone(), d.to_lowercase()))).collect();
    let tiers = data.connectors.iter().map(|c| (c.id.clone(), c.tier)).collect();
    let statuses = HashMap::from([
        ("a1".to_string(), (Some(ImpactLevel::Critical), [1, 1, 0], 0)),
        ("a2".to_string(), (Some(ImpactLevel::High), [0, 1, 1], 0)),
        ("a3".to_string(), (Some(ImpactLevel::NonCritical), [0, 0, 1], 0)),
        ("a4".to_string(), (None, [0, 0, 0], 1)),
        ("a5".to_string(), (Some(ImpactLevel::NonCritical), [0, 0, 0], 0)),
        ("a8".to_string(), (Some(ImpactLevel::High), [0, 0, 0], 0)),
    ]);
    let stages = HashMap::from([
        ("a1".to_string(), LifecycleStage::Production),
        ("a3".to_string(), LifecycleStage::Pilot),
        ("a6".to_string(), LifecycleStage::Production),
    ]);
    Estate { data, departments, tiers, statuses, stages }
}

impl Estate {
    fn last_used(&self) -> HashMap<String, NaiveDate> {
        super::cases_lists::last_used(&self.data)
    }

    fn compliance(&self, id: &str) -> ComplianceState {
        match self.statuses.get(id) {
            None => ComplianceState::NotEvaluated,
            Some((_, [must, should, could], exempted)) => {
                ComplianceState::from_counts(&LevelCounts { must: *must, should: *should, could: *could }, *exempted)
            }
        }
    }

    fn premium(&self, r: &Resource) -> bool {
        r.connection_references
            .iter()
            .any(|c| matches!(self.tiers.get(&c.connector_id), Some(ConnectorTier::Premium | ConnectorTier::Custom)))
    }

    /// The definition of every filter: what the store must return for `q`.
    fn matches(&self, r: &Resource, q: &ResourceQuery) -> bool {
        let last = self.last_used();
        let last = last.get(&r.id);
        (q.include_deleted || r.deleted_at.is_none())
            && q.tenant.as_ref().is_none_or(|t| *t == r.tenant_id)
            && q.kind.is_none_or(|k| k == r.kind)
            && q.environment.as_ref().is_none_or(|e| *e == r.environment_id)
            && q.department.as_ref().is_none_or(|d| {
                r.owners.iter().any(|o| self.departments.get(&o.principal_id) == Some(&d.to_lowercase()))
            })
            && q.connector.as_ref().is_none_or(|c| r.connection_references.iter().any(|x| x.connector_id == *c))
            && q.tier.is_none_or(|t| (t == TierFilter::Premium) == self.premium(r))
            && q.criticality.is_none_or(|c| self.statuses.get(&r.id).and_then(|s| s.0) == Some(c))
            && q.compliance.is_none_or(|c| self.compliance(&r.id) == c)
            && q.stage.is_none_or(|s| self.stages.get(&r.id) == Some(&s))
            && q.unused_since.is_none_or(|d| last.is_none_or(|l| *l < d))
            && q.used_since.is_none_or(|d| last.is_some_and(|l| *l >= d))
            && q.owned_by
                .as_ref()
                .is_none_or(|p| r.owners.iter().any(|o| o.principal_id == *p) || r.created_by.as_ref() == Some(p))
    }

    fn expected(&self, q: &ResourceQuery) -> Vec<Resource> {
        self.data.resources.iter().filter(|r| self.matches(r, q)).cloned().collect()
    }
}

/// Load the estate, record one compliance run with its statuses, and list the catalog items.
async fn load_estate(store: &Arc<dyn Store>) -> Estate {
    let estate = estate();
    load(store, &estate.data).await;
    let exemption = store
        .add_exemption(&NewExemption {
            policy_id: "p-could".into(),
            subject_id: Some("a4".into()),
            environment_id: None,
            reason: "vendor agent".into(),
            requested_by: "ann".into(),
            approved_by: "coe".into(),
            expires_at: None,
            at: at(2026, 11, 1, 0, 0, 0, 0),
        })
        .await
        .unwrap_or_else(|e| panic!("add_exemption: {e}"));
    let mut findings = Vec::new();
    for (id, (_, open, exempted)) in &estate.statuses {
        let resource =
            estate.data.resources.iter().find(|r| r.id == *id).map(|r| (r.tenant_id.clone(), r.environment_id.clone()));
        let Some((tenant_id, environment_id)) = resource else { continue };
        for (level, n) in [(Level::Must, open[0]), (Level::Should, open[1]), (Level::Could, open[2])] {
            if n > 0 {
                findings.push(ComplianceFinding {
                    policy_id: format!("p-{level}"),
                    policy_version: 1,
                    level,
                    subject_kind: SubjectKind::Resource,
                    subject_id: id.clone(),
                    tenant_id: tenant_id.clone(),
                    environment_id: environment_id.clone(),
                    evidence: serde_json::json!({}),
                    exemption_id: None,
                });
            }
        }
        if *exempted > 0 {
            findings.push(ComplianceFinding {
                policy_id: "p-could".into(),
                policy_version: 1,
                level: Level::Could,
                subject_kind: SubjectKind::Resource,
                subject_id: id.clone(),
                tenant_id,
                environment_id,
                evidence: serde_json::json!({}),
                exemption_id: Some(exemption.id),
            });
        }
    }
    let statuses = estate
        .statuses
        .iter()
        .map(|(id, (criticality, _, _))| StatusInput {
            resource_id: id.clone(),
            criticality: *criticality,
            service_level: criticality.map(|c| format!("level of {c}")),
        })
        .collect();
    let run = ComplianceRun {
        at: run_at(),
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: estate.statuses.len() as u64,
        policies: vec!["p-must".into(), "p-should".into(), "p-could".into()],
        findings,
        statuses,
    };
    store.record_compliance(&run).await.unwrap_or_else(|e| panic!("record_compliance: {e}"));
    for (id, stage) in &estate.stages {
        let mut fields = ItemFields::new(ItemKind::App, "power_platform", &format!("Item of {id}"));
        fields.resource_id = Some(id.clone());
        let item = NewCatalogItem {
            fields,
            stage: *stage,
            created_by: "p1".into(),
            created_at: at(2026, 11, 2, 0, 0, 0, 0),
            note: None,
        };
        store.create_catalog_item(&item).await.unwrap_or_else(|e| panic!("create_catalog_item: {e}"));
    }
    estate
}

fn ids(items: &[Resource]) -> BTreeSet<String> {
    items.iter().map(|r| r.id.clone()).collect()
}

/// Every filter alone, then combined with others: the found set equals the definition's.
pub async fn case_inventory_filters_alone_and_combined(store: Arc<dyn Store>) {
    let estate = load_estate(&store).await;
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    let q = |f: &dyn Fn(&mut ResourceQuery)| {
        let mut query = ResourceQuery::default();
        f(&mut query);
        query
    };
    let mut cases: Vec<(&str, ResourceQuery)> = vec![
        ("department", q(&|q| q.department = Some("Finance".into()))),
        ("department, other case", q(&|q| q.department = Some("SALES".into()))),
        ("department nobody is in", q(&|q| q.department = Some("Legal".into()))),
        ("connector", q(&|q| q.connector = Some("c-std".into()))),
        ("connector the inventory does not list", q(&|q| q.connector = Some("c-unlisted".into()))),
        ("premium tier (premium or custom)", q(&|q| q.tier = Some(TierFilter::Premium))),
        ("standard tier", q(&|q| q.tier = Some(TierFilter::Standard))),
        ("used since", q(&|q| q.used_since = Some(day(10, 25)))),
        ("unused since (never used included)", q(&|q| q.unused_since = Some(day(10, 25)))),
        ("owned or created by", q(&|q| q.owned_by = Some("p3".into()))),
        ("owned by a creator only", q(&|q| q.owned_by = Some("p4".into()))),
    ];
    for c in ImpactLevel::ALL {
        cases.push(("criticality", q(&|q| q.criticality = Some(*c))));
    }
    for s in ComplianceState::ALL {
        cases.push(("compliance state", q(&|q| q.compliance = Some(*s))));
    }
    for s in LifecycleStage::ALL {
        cases.push(("lifecycle stage", q(&|q| q.stage = Some(*s))));
    }
    let combined: Vec<(&str, ResourceQuery)> = vec![
        (
            "department and tier",
            q(&|q| {
                q.department = Some("finance".into());
                q.tier = Some(TierFilter::Premium);
            }),
        ),
        (
            "criticality, compliance and environment",
            q(&|q| {
                q.criticality = Some(ImpactLevel::NonCritical);
                q.compliance = Some(ComplianceState::Compliant);
                q.environment = Some("e1".into());
            }),
        ),
        (
            "stage, kind and used since",
            q(&|q| {
                q.stage = Some(LifecycleStage::Production);
                q.kind = Some(ResourceKind::CanvasApp);
                q.used_since = Some(day(11, 1));
            }),
        ),
        (
            "connector, owned by and include deleted",
            q(&|q| {
                q.connector = Some("c-prem".into());
                q.owned_by = Some("p1".into());
                q.include_deleted = true;
            }),
        ),
        (
            "tenant, unused since and not evaluated",
            q(&|q| {
                q.tenant = Some("t1".into());
                q.unused_since = Some(day(11, 1));
                q.compliance = Some(ComplianceState::NotEvaluated);
            }),
        ),
    ];
    let mut nonempty = 0;
    for (what, query) in cases.into_iter().chain(combined) {
        let expected = estate.expected(&query);
        nonempty += usize::from(!expected.is_empty());
        let (items, total) = all_resource_pages(&store, &ResourceQuery { limit: Some(2), ..query.clone() }).await;
        assert_eq!(ids(&items), ids(&expected), "filter '{what}' ({query:?})");
        assert_eq!(items.len(), ids(&items).len(), "filter '{what}' returned a resource twice");
        assert_eq!(total, expected.len() as u64, "total of filter '{what}'");
    }
    assert!(nonempty >= 25, "most cases must expect rows, or they prove little ({nonempty})");
}

/// Filters keep every order's keyset paging exact: pages of 2 in every sort.
pub async fn case_inventory_filters_page_in_every_order(store: Arc<dyn Store>) {
    let estate = load_estate(&store).await;
    let last = estate.last_used();
    let queries = [
        ResourceQuery { tenant: Some("t1".into()), ..Default::default() },
        ResourceQuery { tier: Some(TierFilter::Standard), include_deleted: true, ..Default::default() },
        ResourceQuery { department: Some("finance".into()), ..Default::default() },
        ResourceQuery {
            unused_since: Some(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()),
            ..Default::default()
        },
    ];
    for base in queries {
        for sort in ResourceSort::ALL.iter().copied() {
            let query = ResourceQuery { sort, limit: Some(2), ..base.clone() };
            let (items, total) = all_resource_pages(&store, &query).await;
            let expected = expected_order(&estate.expected(&query), sort, &last);
            let got: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
            assert_eq!(got, expected, "{sort:?} with {base:?}");
            assert_eq!(total, expected.len() as u64, "total of {sort:?} with {base:?}");
        }
    }
}

/// A run writes the status of what it evaluated; a later run changes only what it lists.
pub async fn case_inventory_statuses_follow_runs(store: Arc<dyn Store>) {
    let estate = load_estate(&store).await;
    let all: Vec<String> = estate.data.resources.iter().map(|r| r.id.clone()).collect();
    let statuses: HashMap<String, ResourceStatus> = store
        .resource_statuses(&all)
        .await
        .unwrap_or_else(|e| panic!("resource_statuses: {e}"))
        .into_iter()
        .map(|s| (s.resource_id.clone(), s))
        .collect();
    let evaluated: BTreeSet<&String> = estate.statuses.keys().collect();
    assert_eq!(statuses.keys().collect::<BTreeSet<_>>(), evaluated, "a status for exactly the evaluated resources");
    let a1 = &statuses["a1"];
    assert_eq!(
        (a1.criticality, a1.service_level.as_deref(), a1.compliance, a1.open, a1.exempted, a1.computed_at),
        (
            Some(ImpactLevel::Critical),
            Some("level of critical"),
            ComplianceState::ViolatingMust,
            LevelCounts { must: 1, should: 1, could: 0 },
            0,
            run_at()
        )
    );
    assert_eq!((statuses["a4"].compliance, statuses["a4"].exempted), (ComplianceState::Exempt, 1));
    assert_eq!(statuses["a4"].criticality, None);

    // A tracked-only run evaluating one policy for a1 alone: its must violation resolves,
    // the should violation of another policy still counts, a2 keeps its status.
    let later = at(2026, 11, 24, 8, 0, 0, 0);
    let run = ComplianceRun {
        at: later,
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: 1,
        policies: vec!["p-must".into()],
        findings: vec![],
        statuses: vec![StatusInput {
            resource_id: "a1".into(),
            criticality: Some(ImpactLevel::High),
            service_level: None,
        }],
    };
    store.record_compliance(&run).await.unwrap_or_else(|e| panic!("record_compliance: {e}"));
    let after = store.resource_statuses(&["a1".into(), "a2".into()]).await.unwrap_or_else(|e| panic!("{e}"));
    let by: HashMap<&str, &ResourceStatus> = after.iter().map(|s| (s.resource_id.as_str(), s)).collect();
    let a1 = by["a1"];
    assert_eq!(
        (a1.criticality, a1.compliance, a1.open, a1.computed_at),
        (
            Some(ImpactLevel::High),
            ComplianceState::ViolatingShould,
            LevelCounts { must: 0, should: 1, could: 0 },
            later
        )
    );
    assert_eq!(by["a2"].computed_at, run_at(), "a resource the run did not list keeps its status");
    let must = ResourceQuery { compliance: Some(ComplianceState::ViolatingMust), ..Default::default() };
    assert!(all_resource_pages(&store, &must).await.0.is_empty(), "a1 no longer violates a must");

    // A run listing a status twice is refused and writes nothing.
    let twice = ComplianceRun {
        statuses: vec![run.statuses[0].clone(), run.statuses[0].clone()],
        at: at(2026, 11, 25, 8, 0, 0, 0),
        ..run
    };
    assert!(store.record_compliance(&twice).await.is_err(), "a status listed twice is refused");
    let unchanged = store.resource_statuses(&["a1".into()]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unchanged.first().map(|s| s.computed_at), Some(later), "the refused run wrote nothing");
    assert!(store.resource_statuses(&[]).await.is_ok_and(|s| s.is_empty()));
}

/// Makers: owners of live resources, with counts, leaver flags, filters and paging.
pub async fn case_inventory_makers(store: Arc<dyn Store>) {
    let estate = load_estate(&store).await;

    let list = |query: MakerQuery| {
        let store = store.clone();
        async move {
            let mut query = query;
            let mut out = Vec::new();
            for _ in 0..100 {
                let page = store.list_makers(&query).await.unwrap_or_else(|e| panic!("list_makers: {e}"));
                out.extend(page.items.into_iter().map(|m| (m.principal.id, m.resource_count, m.leaver, page.total)));
                match page.next {
                    Some(next) => query.cursor = Some(next),
                    None => return out,
                }
            }
            panic!("maker paging did not end");
        }
    };
    // Live resources owned, from the dataset: a7 is deleted, p5 owns nothing, "unknown-x" is no principal.
    let owned = |p: &str| {
        estate
            .data
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.owners.iter().any(|o| o.principal_id == p))
            .count() as u64
    };
    assert_eq!(
        list(MakerQuery { limit: Some(2), ..Default::default() }).await,
        vec![
            ("p1".to_string(), owned("p1"), false, 4),
            ("p2".to_string(), owned("p2"), true, 4),
            ("p3".to_string(), owned("p3"), false, 4),
            ("p4".to_string(), owned("p4"), false, 4),
        ],
        "makers by name (Ann, Bob, carol, Dan) with live resources owned, paged by 2"
    );
    let only = |q: MakerQuery| async { list(q).await.into_iter().map(|m| m.0).collect::<Vec<_>>() };
    assert_eq!(only(MakerQuery { leavers_only: true, ..Default::default() }).await, ["p2"]);
    assert_eq!(only(MakerQuery { department: Some("finance".into()), ..Default::default() }).await, ["p1", "p3"]);
    assert_eq!(only(MakerQuery { tenant: Some("t2".into()), ..Default::default() }).await, ["p4"]);
    assert_eq!(only(MakerQuery { q: Some("CAROL@".into()), ..Default::default() }).await, ["p3"]);
    assert_eq!(only(MakerQuery { principal: Some("p2".into()), ..Default::default() }).await, ["p2"]);
    assert!(only(MakerQuery { principal: Some("p5".into()), ..Default::default() }).await.is_empty());

    // Last use of what each maker owns first (usage rollups per maker), from the dataset.
    let last_used = estate.last_used();
    let first_owned_use = |p: &str| {
        estate
            .data
            .resources
            .iter()
            .filter(|r| r.owners.first().is_some_and(|o| o.principal_id == p))
            .filter_map(|r| last_used.get(&r.id).copied())
            .max()
    };
    let page = store.list_makers(&MakerQuery::default()).await.unwrap_or_else(|e| panic!("list_makers: {e}"));
    for m in &page.items {
        let id = m.principal.id.as_str();
        assert_eq!(m.last_used, first_owned_use(id), "last use of what {id} owns first");
        let modified = estate
            .data
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.owners.iter().any(|o| o.principal_id == id))
            .filter_map(|r| r.modified_at)
            .max();
        assert_eq!(m.last_modified, modified, "last modification of what {id} owns");
        assert_eq!(m.last_activity(), modified.map(|t| t.date_naive()).max(m.last_used));
    }
    assert_eq!(page.items.iter().filter(|m| m.last_used.is_some()).count(), 4, "every maker's resources were used");
}

/// Connectors with the live resources (of a tenant) using them.
pub async fn case_inventory_connector_summaries(store: Arc<dyn Store>) {
    let estate = load_estate(&store).await;
    let using = |c: &str| {
        estate
            .data
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.connection_references.iter().any(|x| x.connector_id == c))
            .count() as u64
    };
    let all = store.connector_summaries(None).await.unwrap_or_else(|e| panic!("connector_summaries: {e}"));
    let got: Vec<(String, u64)> = all.iter().map(|s| (s.connector.id.clone(), s.resource_count)).collect();
    assert_eq!(
        got,
        vec![
            ("c-cust".to_string(), using("c-cust")),
            ("c-prem".to_string(), using("c-prem")),
            ("c-std".to_string(), using("c-std")),
        ],
        "listed connectors by id with their live resources (the deleted a7 does not count)"
    );
    assert_eq!(all[0].connector.publisher.as_deref(), Some("Contoso IT"));
    let t2 = store.connector_summaries(Some("t2")).await.unwrap_or_else(|e| panic!("connector_summaries: {e}"));
    assert!(t2.is_empty(), "tenant t2 lists no connector");
}
