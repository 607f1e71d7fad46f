//! Filters, ordering and keyset paging of the list queries.

use super::*;
use crate::{Cursor, EnvironmentQuery, PrincipalQuery, ResourceQuery, ResourceSort, Store, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;
use steward_model::{Principal, Resource, ResourceKind, UsageKind};

fn ids<'a>(items: impl IntoIterator<Item = &'a Resource>) -> BTreeSet<String> {
    items.into_iter().map(|r| r.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Every page of a resource query, checking that `total` is the same on each page.
pub async fn all_resource_pages(store: &Arc<dyn Store>, query: &ResourceQuery) -> (Vec<Resource>, u64) {
    let mut query = query.clone();
    let mut items = Vec::new();
    let mut totals = BTreeSet::new();
    for _ in 0..1000 {
        let page = store.list_resources(&query).await.unwrap_or_else(|e| panic!("list_resources {query:?}: {e}"));
        totals.insert(page.total);
        if let Some(limit) = query.limit {
            assert!(page.items.len() <= limit as usize, "a page must not exceed the limit {limit}");
            if page.next.is_some() {
                assert_eq!(page.items.len(), limit as usize, "only the last page may be short");
            }
        }
        items.extend(page.items);
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => {
                assert_eq!(totals.len(), 1, "total must not change from page to page: {totals:?}");
                return (items, totals.into_iter().next().unwrap_or(0));
            }
        }
    }
    panic!("paging {query:?} did not end after 1000 pages");
}

async fn matching(store: &Arc<dyn Store>, query: ResourceQuery) -> BTreeSet<String> {
    let (items, total) = all_resource_pages(store, &query).await;
    let found = ids(&items);
    assert_eq!(found.len(), items.len(), "{query:?} returned an item twice");
    assert_eq!(total, items.len() as u64, "{query:?}: total must count every match");
    found
}

pub(crate) fn filter_dataset() -> Dataset {
    let mut p1 = principal("t1", "p1", "ann@contoso.com");
    p1.display_name = "Ann".into();
    let p2 = principal("t1", "p2", "Bob.Jones@Contoso.com");
    let p3 = principal("t1", "p3", "carol@contoso.com");
    let r = |tenant: &str, env: &str, id: &str, kind, name: &str, owners: &[&str]| {
        let mut r = resource(tenant, env, id, kind, name);
        r.owners = owners.iter().map(|o| owner(o)).collect();
        r
    };
    let mut deleted = r("t1", "e1", "r7", ResourceKind::CanvasApp, "Invoice archive", &["p1"]);
    deleted.deleted_at = Some(at(2025, 3, 1, 0, 0, 0, 0));
    Dataset {
        tenants: vec![tenant("t1"), tenant("t2")],
        principals: vec![p1, p2, p3],
        resources: vec![
            r("t1", "e1", "r1", ResourceKind::CanvasApp, "Invoice Tracker", &["p1"]),
            r("t1", "e1", "r2", ResourceKind::CloudFlow, "invoice reminder", &["p2", "p3"]),
            r("t1", "e2", "r3", ResourceKind::CanvasApp, "Travel 50% Off", &["p3", "p1"]),
            r("t1", "e2", "r4", ResourceKind::CloudFlow, "Travel_Request", &["unknown-x"]),
            r("t2", "e3", "r5", ResourceKind::CanvasApp, "Budget", &["p1"]),
            r("t1", "e1", "r6", ResourceKind::Agent, "TravelX", &[]),
            deleted,
        ],
        ..Default::default()
    }
}

pub async fn case_list_resources_filters(store: Arc<dyn Store>) {
    load(&store, &filter_dataset()).await;
    let q = |f: fn(&mut ResourceQuery)| {
        let mut query = ResourceQuery::default();
        f(&mut query);
        query
    };
    let cases: Vec<(&str, ResourceQuery, &[&str])> = vec![
        ("no filter", q(|_| {}), &["r1", "r2", "r3", "r4", "r5", "r6"]),
        ("kind", q(|q| q.kind = Some(ResourceKind::CanvasApp)), &["r1", "r3", "r5"]),
        ("environment", q(|q| q.environment = Some("e1".into())), &["r1", "r2", "r6"]),
        ("tenant", q(|q| q.tenant = Some("t2".into())), &["r5"]),
        ("owner by id", q(|q| q.owner = Some("p1".into())), &["r1", "r3", "r5"]),
        ("owner by id, second owner", q(|q| q.owner = Some("p3".into())), &["r2", "r3"]),
        ("owner by UPN", q(|q| q.owner = Some("carol@contoso.com".into())), &["r2", "r3"]),
        ("owner by UPN, other case", q(|q| q.owner = Some("bob.jones@contoso.com".into())), &["r2"]),
        ("owner unknown to the directory", q(|q| q.owner = Some("unknown-x".into())), &["r4"]),
        ("owner nobody", q(|q| q.owner = Some("nobody@contoso.com".into())), &[]),
        ("q case-insensitive", q(|q| q.q = Some("INVOICE".into())), &["r1", "r2"]),
        ("q with literal %", q(|q| q.q = Some("50%".into())), &["r3"]),
        ("q of only %", q(|q| q.q = Some("%".into())), &["r3"]),
        ("q with literal _", q(|q| q.q = Some("travel_".into())), &["r4"]),
        (
            "kind and environment",
            q(|q| {
                q.kind = Some(ResourceKind::CanvasApp);
                q.environment = Some("e1".into());
            }),
            &["r1"],
        ),
        (
            "owner and q",
            q(|q| {
                q.owner = Some("p1".into());
                q.q = Some("travel".into());
            }),
            &["r3"],
        ),
        (
            "include_deleted",
            q(|q| {
                q.owner = Some("ann@contoso.com".into());
                q.include_deleted = true;
            }),
            &["r1", "r3", "r5", "r7"],
        ),
    ];
    for (what, query, expected) in cases {
        assert_eq!(matching(&store, query.clone()).await, set(expected), "filter '{what}' ({query:?})");
    }
}

/// Owner filters follow re-ingested owners and changed UPNs, not the first write.
pub async fn case_list_resources_owner_change(store: Arc<dyn Store>) {
    let data = filter_dataset();
    load(&store, &data).await;
    let mut changed = data.clone();
    changed.resources[0].owners = vec![owner("p2")];
    changed.principals[1].upn = Some("robert@contoso.com".into());
    load(&store, &changed).await;
    let by = |owner: &str| ResourceQuery { owner: Some(owner.into()), ..Default::default() };
    assert_eq!(matching(&store, by("p1")).await, set(&["r3", "r5"]), "r1 no longer owned by p1");
    assert_eq!(matching(&store, by("p2")).await, set(&["r1", "r2"]), "r1 now owned by p2");
    assert_eq!(matching(&store, by("robert@contoso.com")).await, set(&["r1", "r2"]), "new UPN of p2 matches");
    assert_eq!(matching(&store, by("bob.jones@contoso.com")).await, set(&[]), "old UPN of p2 no longer matches");
}

pub async fn case_list_resources_deleted_hidden(store: Arc<dyn Store>) {
    let mut data = filter_dataset();
    load(&store, &data).await;
    let all = ResourceQuery { include_deleted: true, ..Default::default() };
    assert!(!matching(&store, ResourceQuery::default()).await.contains("r7"), "deleted r7 must be hidden");
    assert!(matching(&store, all.clone()).await.contains("r7"), "include_deleted must show r7");
    let got = store.get_resource("r7").await.expect("get_resource");
    assert!(got.is_some_and(|r| r.deleted_at.is_some()), "get_resource returns deleted resources with deleted_at");

    // A resource that reappears is visible again.
    data.resources[6].deleted_at = None;
    let c = load(&store, &data).await;
    assert_eq!((c.resources.changed, c.resources.unchanged), (1, 6), "undeleting is one change");
    assert!(matching(&store, ResourceQuery::default()).await.contains("r7"), "undeleted r7 must be listed");
    // And deleting another one hides it.
    data.resources[0].deleted_at = Some(at(2025, 4, 1, 0, 0, 0, 0));
    load(&store, &data).await;
    let visible = matching(&store, ResourceQuery::default()).await;
    assert!(!visible.contains("r1") && visible.contains("r7"), "r1 hidden after deletion: {visible:?}");
}

/// About 40 resources with duplicate names (in several cases), duplicate and missing dates,
/// ids not in insertion order, and last uses with ties and resources never used: enough to make
/// every tie and null path of paging matter.
pub fn paging_dataset() -> Dataset {
    let names = ["alpha", "Bravo", "charlie", "ALPHA", "delta", "Echo12", "echo2", "Alpha"];
    let kinds = [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::Agent];
    let resources = (0..41)
        .map(|i: u32| {
            let id = format!("r{:02}", (i * 17) % 41);
            let mut r = resource("t1", ["e1", "e2"][i as usize % 2], &id, kinds[i as usize % 3], names[i as usize % 8]);
            r.created_at = if i.is_multiple_of(5) { None } else { Some(at(2024, 1, 1 + i % 9, 12, 0, 0, i % 3)) };
            r.modified_at = if i.is_multiple_of(4) { None } else { Some(at(2024, 6, 1 + i % 6, 8, 30, 0, 500)) };
            r.owners = vec![owner(["p1", "p2"][i as usize % 2])];
            if i % 13 == 6 {
                r.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
            }
            r
        })
        .collect::<Vec<Resource>>();
    // Uses on four different days for two resources in three; the rest never used.
    let events = resources
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(i, r)| {
            let when = at(2024, 3, 1 + (i % 4) as u32, 10, 0, 0, 0);
            event("t1", &format!("ev-{}", r.id), Some(&r.id), Some("p1"), UsageKind::Launch, when)
        })
        .collect();
    Dataset { tenants: vec![tenant("t1")], resources, events, ..Default::default() }
}

/// The last day of use of each resource of a dataset, from its use events.
pub fn last_used(data: &Dataset) -> std::collections::HashMap<String, chrono::NaiveDate> {
    let mut out = std::collections::HashMap::new();
    for e in data.events.iter().filter(|e| e.kind.is_use()) {
        if let Some(r) = &e.resource_id {
            let day = e.occurred_at.date_naive();
            let last = out.entry(r.clone()).or_insert(day);
            *last = (*last).max(day);
        }
    }
    out
}

/// The order a sort must produce, computed from the records and their last day of use.
pub fn expected_order(
    resources: &[Resource],
    sort: ResourceSort,
    last_used: &std::collections::HashMap<String, chrono::NaiveDate>,
) -> Vec<String> {
    fn desc_nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> std::cmp::Ordering {
        match (a, b) {
            (Some(a), Some(b)) => b.cmp(&a),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    }
    let mut sorted: Vec<&Resource> = resources.iter().collect();
    let name = |r: &Resource| r.display_name.to_lowercase();
    sorted.sort_by(|a, b| {
        let key = match sort {
            ResourceSort::Name => name(a).cmp(&name(b)),
            ResourceSort::CreatedDesc => desc_nulls_last(a.created_at, b.created_at),
            ResourceSort::ModifiedDesc => desc_nulls_last(a.modified_at, b.modified_at),
            ResourceSort::LastUsedDesc => desc_nulls_last(last_used.get(&a.id), last_used.get(&b.id)),
            ResourceSort::Kind => a.kind.as_str().cmp(b.kind.as_str()).then_with(|| name(a).cmp(&name(b))),
            ResourceSort::Environment => a.environment_id.cmp(&b.environment_id).then_with(|| name(a).cmp(&name(b))),
        };
        key.then_with(|| a.id.cmp(&b.id))
    });
    sorted.into_iter().map(|r| r.id.clone()).collect()
}

pub async fn case_list_resources_paging_every_sort(store: Arc<dyn Store>) {
    let data = paging_dataset();
    load(&store, &data).await;
    let live: Vec<Resource> = data.resources.iter().filter(|r| r.deleted_at.is_none()).cloned().collect();
    let last = last_used(&data);
    for sort in ResourceSort::ALL.iter().copied() {
        for include_deleted in [false, true] {
            let query = ResourceQuery { sort, include_deleted, limit: Some(7), ..Default::default() };
            let (items, total) = all_resource_pages(&store, &query).await;
            let expected = expected_order(if include_deleted { &data.resources } else { &live }, sort, &last);
            let got: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
            assert_eq!(got, expected, "paging by {sort:?} (include_deleted {include_deleted}) with limit 7");
            assert_eq!(total, expected.len() as u64, "total for {sort:?}");
        }
    }
}

pub async fn case_list_resources_paging_with_filter(store: Arc<dyn Store>) {
    let data = paging_dataset();
    load(&store, &data).await;
    let last = last_used(&data);
    for sort in ResourceSort::ALL.iter().copied() {
        let query = ResourceQuery {
            sort,
            kind: Some(ResourceKind::CloudFlow),
            owner: Some("p2".into()),
            limit: Some(3),
            ..Default::default()
        };
        let expected_set: Vec<Resource> = data
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.kind == ResourceKind::CloudFlow && r.owners[0].principal_id == "p2")
            .cloned()
            .collect();
        let (items, total) = all_resource_pages(&store, &query).await;
        let got: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
        assert_eq!(got, expected_order(&expected_set, sort, &last), "filtered paging by {sort:?}");
        assert_eq!(total, expected_set.len() as u64, "filtered total by {sort:?}");
    }
    // A page exactly as large as the remaining items ends the list.
    let query = ResourceQuery { tenant: Some("t1".into()), limit: Some(1000), ..Default::default() };
    let page = store.list_resources(&query).await.expect("list_resources");
    assert!(page.next.is_none(), "a page holding every match has no next cursor");
}

pub async fn case_list_resources_garbage_cursor(store: Arc<dyn Store>) {
    load(&store, &paging_dataset()).await;
    let garbage = ResourceQuery { cursor: Some("not a cursor!".into()), ..Default::default() };
    let err = store.list_resources(&garbage).await;
    assert!(matches!(err, Err(StoreError::InvalidCursor(_))), "garbage cursor must be InvalidCursor, got {err:?}");
    let bad_date = Cursor { key: Some("yesterday-ish".into()), id: "r01".into() }.encode();
    let query = ResourceQuery { sort: ResourceSort::CreatedDesc, cursor: Some(bad_date), ..Default::default() };
    let err = store.list_resources(&query).await;
    assert!(
        matches!(err, Err(StoreError::InvalidCursor(_))),
        "a cursor whose key is not a date must be InvalidCursor for a date sort, got {err:?}"
    );
    let name_only = Cursor { key: Some("alpha".into()), id: "r01".into() }.encode();
    for sort in [ResourceSort::Kind, ResourceSort::Environment, ResourceSort::LastUsedDesc] {
        let query = ResourceQuery { sort, cursor: Some(name_only.clone()), ..Default::default() };
        let err = store.list_resources(&query).await;
        assert!(
            matches!(err, Err(StoreError::InvalidCursor(_))),
            "a name cursor must be InvalidCursor for {sort:?}, got {err:?}"
        );
    }
}

pub async fn case_list_environments(store: Arc<dyn Store>) {
    let named = |tenant: &str, id: &str, name: &str| {
        let mut e = environment(tenant, id);
        e.display_name = name.into();
        e
    };
    let mut gone = named("t1", "e-c", "Gamma");
    gone.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
    let mut deleted_resource = resource("t1", "e-a", "r3", ResourceKind::CanvasApp, "Old");
    deleted_resource.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
    let data = Dataset {
        environments: vec![named("t1", "e-a", "Alpha"), named("t1", "e-b", "beta"), gone, named("t2", "e-d", "Delta")],
        resources: vec![
            resource("t1", "e-a", "r1", ResourceKind::CanvasApp, "One"),
            resource("t1", "e-a", "r2", ResourceKind::CloudFlow, "Two"),
            deleted_resource,
            resource("t1", "e-c", "r4", ResourceKind::CanvasApp, "Four"),
            resource("t2", "e-d", "r5", ResourceKind::Agent, "Five"),
        ],
        ..Default::default()
    };
    load(&store, &data).await;
    let list = |query: EnvironmentQuery| {
        let store = store.clone();
        async move {
            let mut query = query;
            let mut out = Vec::new();
            for _ in 0..100 {
                let page = store.list_environments(&query).await.unwrap_or_else(|e| panic!("list_environments: {e}"));
                out.extend(page.items.into_iter().map(|s| (s.environment.id, s.resource_count, page.total)));
                match page.next {
                    Some(next) => query.cursor = Some(next),
                    None => return out,
                }
            }
            panic!("environment paging did not end");
        }
    };
    assert_eq!(
        list(EnvironmentQuery::default()).await,
        vec![("e-a".into(), 2, 3), ("e-b".into(), 0, 3), ("e-d".into(), 1, 3)],
        "live environments by name with counts of live resources (id, resource_count, total)"
    );
    assert_eq!(
        list(EnvironmentQuery { tenant: Some("t1".into()), ..Default::default() }).await,
        vec![("e-a".into(), 2, 2), ("e-b".into(), 0, 2)],
        "environments of tenant t1"
    );
    assert_eq!(
        list(EnvironmentQuery { q: Some("ALP".into()), ..Default::default() }).await,
        vec![("e-a".into(), 2, 1)],
        "q filters environments case-insensitively"
    );
    assert_eq!(
        list(EnvironmentQuery { include_deleted: true, limit: Some(2), ..Default::default() }).await,
        vec![("e-a".into(), 2, 4), ("e-b".into(), 0, 4), ("e-d".into(), 1, 4), ("e-c".into(), 1, 4)],
        "include_deleted, paged by 2"
    );
    let err = store.list_environments(&EnvironmentQuery { cursor: Some("%%%".into()), ..Default::default() }).await;
    assert!(matches!(err, Err(StoreError::InvalidCursor(_))), "garbage environment cursor, got {err:?}");
}

pub async fn case_list_principals(store: Arc<dyn Store>) {
    let person = |tenant: &str, id: &str, name: &str, upn: &str, dept: &str| {
        let mut p = principal(tenant, id, upn);
        p.display_name = name.into();
        p.department = Some(dept.into());
        p
    };
    let owned = |id: &str, owners: &[&str], deleted: bool| {
        let mut r = resource("t1", "e1", id, ResourceKind::CanvasApp, id);
        r.owners = owners.iter().map(|o| owner(o)).collect();
        if deleted {
            r.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
        }
        r
    };
    let mut r4 = owned("r4", &["p5"], false);
    r4.tenant_id = "t2".into();
    let data = Dataset {
        principals: vec![
            person("t1", "p1", "Ann Smith", "ann@contoso.com", "Finance"),
            person("t1", "p2", "bob Jones", "bob@contoso.com", "Sales"),
            person("t1", "p3", "Carol King", "carol@contoso.com", "finance"),
            person("t1", "p4", "Dave", "dave@fabrikam.com", "Finance"),
            person("t2", "p5", "Eve", "eve@fabrikam.com", "Finance"),
        ],
        resources: vec![owned("r1", &["p1"], false), owned("r2", &["p2"], true), owned("r3", &["x", "p4"], false), r4],
        ..Default::default()
    };
    load(&store, &data).await;
    let list = |query: PrincipalQuery| {
        let store = store.clone();
        async move {
            let mut query = query;
            let mut out: Vec<Principal> = Vec::new();
            let mut total = None;
            for _ in 0..100 {
                let page = store.list_principals(&query).await.unwrap_or_else(|e| panic!("list_principals: {e}"));
                assert!(total.is_none() || total == Some(page.total), "total must not change between pages");
                total = Some(page.total);
                out.extend(page.items);
                match page.next {
                    Some(next) => query.cursor = Some(next),
                    None => {
                        assert_eq!(total, Some(out.len() as u64), "total of {query:?}");
                        return out.into_iter().map(|p| p.id).collect::<Vec<_>>();
                    }
                }
            }
            panic!("principal paging did not end");
        }
    };
    assert_eq!(
        list(PrincipalQuery { limit: Some(2), ..Default::default() }).await,
        vec!["p1", "p2", "p3", "p4", "p5"],
        "all principals by name, paged by 2"
    );
    assert_eq!(
        list(PrincipalQuery { makers_only: true, ..Default::default() }).await,
        vec!["p1", "p4", "p5"],
        "makers own at least one live resource (p2 owns only a deleted one)"
    );
    assert_eq!(
        list(PrincipalQuery { makers_only: true, tenant: Some("t1".into()), ..Default::default() }).await,
        vec!["p1", "p4"],
        "makers of tenant t1"
    );
    assert_eq!(
        list(PrincipalQuery { department: Some("FINANCE".into()), ..Default::default() }).await,
        vec!["p1", "p3", "p4", "p5"],
        "department matches case-insensitively"
    );
    assert_eq!(
        list(PrincipalQuery { q: Some("CONTOSO".into()), ..Default::default() }).await,
        vec!["p1", "p2", "p3"],
        "q matches the UPN"
    );
    assert_eq!(
        list(PrincipalQuery { q: Some("jones".into()), ..Default::default() }).await,
        vec!["p2"],
        "q matches the display name"
    );
    assert_eq!(
        list(PrincipalQuery {
            q: Some("fabrikam".into()),
            department: Some("Finance".into()),
            tenant: Some("t1".into()),
            ..Default::default()
        })
        .await,
        vec!["p4"],
        "filters combine"
    );
}
