//! The search index: relevance, facet counts against a brute-force count over the same items,
//! filters, paging, and following the store (edits, delisting, drafts never searchable).

use crate::common::{create, good_fields, listed, store, t};
use std::collections::{BTreeSet, HashMap};
use steward_catalog::{
    Catalog, CatalogEdit, CatalogItem, Facet, ItemFields, ItemKind, PublicationState, RatingSummary, SearchQuery,
    publication,
};
use steward_model::{ImpactLevel, LifecycleStage};

fn item(id: i64, title: &str) -> CatalogItem {
    CatalogItem {
        id,
        seq: id,
        fields: ItemFields { summary: String::new(), description: String::new(), ..good_fields(title) },
        stage: LifecycleStage::Production,
        state: PublicationState::Listed,
        created_at: t(8),
        created_by: "p-ann".into(),
        updated_at: t(8),
        updated_by: "p-ann".into(),
        ratings: RatingSummary::default(),
        reviews: 0,
    }
}

fn ids(catalog: &Catalog, q: &SearchQuery) -> Vec<i64> {
    catalog.search(q).expect("search").hits.iter().map(|h| h.id).collect()
}

#[test]
fn relevance_title_first_then_featured_then_newest() {
    let catalog = Catalog::new().expect("index");
    let mut in_title = item(1, "Invoice approval");
    in_title.fields.summary = "Approve supplier bills".into();
    let mut in_description = item(2, "Supplier portal");
    in_description.fields.description =
        "A portal where suppliers upload documents, check payments and, now and then, an invoice.".into();
    let mut in_tags = item(3, "Payments desk");
    in_tags.fields.tags = vec!["invoice".into()];
    let mut other = item(4, "Canteen menu");
    other.fields.summary = "Lunch".into();
    let mut cafe = item(5, "Café orders");
    cafe.fields.kind = ItemKind::Flow;
    catalog.apply(&[in_description, in_tags, in_title, other, cafe]).expect("index");

    let found = ids(&catalog, &SearchQuery::text("invoice"));
    assert_eq!(found[0], 1, "a title match ranks first: {found:?}");
    assert_eq!(found.iter().copied().collect::<BTreeSet<_>>(), BTreeSet::from([1, 2, 3]));
    assert_eq!(ids(&catalog, &SearchQuery::text("invoice approval")), [1], "every word must match");
    assert_eq!(ids(&catalog, &SearchQuery::text("cafe")), [5], "accents fold");
    assert_eq!(ids(&catalog, &SearchQuery::text("kind:flow")), [5], "a facet inside the text");
    assert_eq!(ids(&catalog, &SearchQuery::text("invoice -approval")).len(), 2, "excluding a word");
    catalog.search(&SearchQuery::text("\"unbalanced")).expect("a stray quote never fails");
    catalog.search(&SearchQuery::text("title:(( OR")).expect("garbage parses leniently");

    // Equal relevance: featured first, then newest.
    let twins = Catalog::new().expect("index");
    let mut featured = item(10, "Timesheet");
    featured.fields.featured = true;
    twins.apply(&[featured, item(11, "Timesheet"), item(12, "Timesheet")]).expect("index");
    assert_eq!(ids(&twins, &SearchQuery::text("timesheet")), [10, 12, 11]);
    assert_eq!(ids(&twins, &SearchQuery::default()), [10, 12, 11], "without text too");
    assert_eq!(ids(&twins, &SearchQuery { featured_only: true, ..SearchQuery::default() }), [10]);
}

/// A deterministic spread of facet values over `n` items.
fn spread(n: i64) -> Vec<CatalogItem> {
    const PLATFORMS: [&str; 2] = ["power_platform", "azure_openai"];
    const KINDS: [ItemKind; 4] = [ItemKind::App, ItemKind::Flow, ItemKind::Agent, ItemKind::AiModel];
    const DEPARTMENTS: [Option<&str>; 4] = [Some("Finance"), Some("HR"), Some("Human Resources"), None];
    const AREAS: [&str; 3] = ["Corporate", "Retail", "Manufacturing"];
    const CATEGORIES: [&str; 3] = ["Expenses", "Onboarding", "Reporting"];
    const CRITICALITIES: [Option<ImpactLevel>; 3] = [Some(ImpactLevel::Critical), Some(ImpactLevel::High), None];
    const STAGES: [LifecycleStage; 3] = [LifecycleStage::Pilot, LifecycleStage::Production, LifecycleStage::Prototype];
    const TAGS: [&str; 5] = ["travel", "mobile", "approvals", "forms", "ai"];
    let mut state: u64 = 42;
    let mut next = move |m: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % m as u64) as usize
    };
    (1..=n)
        .map(|id| {
            let mut it = item(id, &format!("Item {id}"));
            let f = &mut it.fields;
            f.platform = PLATFORMS[next(2)].into();
            f.kind = KINDS[next(4)];
            f.department = DEPARTMENTS[next(4)].map(str::to_string);
            f.business_area = Some(AREAS[next(3)].into());
            f.category = Some(CATEGORIES[next(3)].into());
            f.criticality = CRITICALITIES[next(3)];
            f.tags = (0..next(4)).map(|_| TAGS[next(5)].to_string()).collect::<BTreeSet<_>>().into_iter().collect();
            f.featured = next(7) == 0;
            if next(3) == 0 {
                f.description = format!("Uses the alpha connector ({id}).");
            }
            it.stage = STAGES[next(3)];
            it
        })
        .collect()
}

fn brute_counts(matches: &[&CatalogItem]) -> HashMap<Facet, HashMap<String, u64>> {
    let mut out: HashMap<Facet, HashMap<String, u64>> = HashMap::new();
    for item in matches {
        for facet in Facet::ALL {
            for value in facet.values(item) {
                *out.entry(*facet).or_default().entry(value).or_insert(0) += 1;
            }
        }
    }
    out
}

#[test]
fn facet_counts_filters_and_paging_agree_with_brute_force() {
    let items = spread(300);
    let catalog = Catalog::new().expect("index");
    // Two batches: the index then has several segments, as after refreshes.
    catalog.apply(&items[..170]).expect("index");
    catalog.apply(&items[170..]).expect("index");
    assert_eq!(catalog.stats().expect("stats").documents, 300);

    let queries = vec![
        SearchQuery::default(),
        SearchQuery::default().filter(Facet::Kind, "app"),
        SearchQuery::default()
            .filter(Facet::Kind, "app")
            .filter(Facet::Kind, "flow")
            .filter(Facet::Department, "Finance"),
        SearchQuery::default().filter(Facet::Tag, "travel").filter(Facet::Stage, "pilot"),
        SearchQuery::default().filter(Facet::Department, "Human Resources").filter(Facet::Criticality, "critical"),
        SearchQuery::default()
            .filter(Facet::Platform, "azure_openai")
            .filter(Facet::BusinessArea, "Retail")
            .filter(Facet::Category, "Reporting"),
        SearchQuery::default().filter(Facet::Tag, "nonexistent"),
        SearchQuery::text("alpha"),
        SearchQuery::text("alpha")
            .filter(Facet::Kind, "agent")
            .filter(Facet::Tag, "mobile")
            .filter(Facet::Tag, "forms"),
        SearchQuery { featured_only: true, ..SearchQuery::default().filter(Facet::Category, "Expenses") },
    ];
    for mut q in queries {
        let text_ok = |i: &CatalogItem| q.text.is_empty() || i.fields.description.contains(&q.text);
        let matches: Vec<&CatalogItem> = items.iter().filter(|i| q.filters_match(i) && text_ok(i)).collect();
        let want = brute_counts(&matches);
        q.per_page = 7;
        let first = catalog.search(&q).expect("search");
        assert_eq!(first.total, matches.len() as u64, "total of {q:?}");
        for counts in &first.facets {
            let got: HashMap<String, u64> = counts.values.iter().map(|v| (v.value.clone(), v.count)).collect();
            assert_eq!(got, want.get(&counts.facet).cloned().unwrap_or_default(), "{:?} counts of {q:?}", counts.facet);
            assert!(counts.values.windows(2).all(|w| w[0].count >= w[1].count), "most frequent first");
            for v in &counts.values {
                assert_eq!(v.selected, q.filters.iter().any(|(f, x)| *f == counts.facet && *x == v.value));
            }
        }
        assert_eq!(first.facets.len(), Facet::ALL.len());
        // Every page together: each match exactly once.
        let mut seen = Vec::new();
        for page in 1..=matches.len().div_ceil(7).max(1) {
            let results = catalog.search(&SearchQuery { page, ..q.clone() }).expect("page");
            assert_eq!(results.total, matches.len() as u64);
            seen.extend(results.hits.iter().map(|h| h.id));
        }
        let want_ids: BTreeSet<i64> = matches.iter().map(|i| i.id).collect();
        assert_eq!(seen.len(), want_ids.len(), "no duplicates across pages of {q:?}");
        assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), want_ids, "pages of {q:?}");
    }
    // A hit carries what a result list shows.
    let hit = &catalog.search(&SearchQuery::text("\"Item 17\"")).expect("search").hits[0];
    let source = &items[16];
    assert_eq!((hit.id, hit.title.as_str(), hit.kind, hit.stage), (17, "Item 17", source.fields.kind, source.stage));
    assert_eq!(
        (hit.department.clone(), hit.criticality, hit.tags.clone()),
        (source.fields.department.clone(), source.fields.criticality, source.fields.tags.clone())
    );
}

#[tokio::test]
async fn refresh_follows_edits_delisting_and_ratings_and_never_shows_drafts() {
    let store = store().await;
    let s = store.as_ref();
    let expenses = listed(&store, good_fields("Expense claims")).await;
    let _leave = listed(&store, good_fields("Leave requests")).await;
    let draft = create(&store, good_fields("Expense forecasting draft"), LifecycleStage::Idea).await;
    let waiting = create(&store, good_fields("Expense audit"), LifecycleStage::Pilot).await;
    publication::submit(s, waiting.id, "p-ann", t(9), None).await.expect("submit");

    let catalog = Catalog::open(s).await.expect("open");
    assert_eq!(ids(&catalog, &SearchQuery::text("expense")), [expenses.id], "only listed items are searchable");
    assert_eq!(catalog.search(&SearchQuery::default()).expect("search").total, 2);
    let nothing = catalog.refresh(s).await.expect("refresh");
    assert_eq!((nothing.read, nothing.indexed, nothing.removed), (0, 0, 0), "nothing changed");

    // An edit: the old title no longer finds it, the new one does.
    let current = store.get_catalog_item(expenses.id).await.expect("get").expect("exists");
    let mut fields = current.fields.clone();
    fields.title = "Travel and expense claims".into();
    fields.tags = vec!["travel".into()];
    fields.featured = true;
    let edit = CatalogEdit { fields, expected_seq: Some(current.seq), by: "admin".into(), at: t(11) };
    store.update_catalog_item(expenses.id, &edit).await.expect("edit");
    store.rate_catalog_item(expenses.id, "carol", 4, t(12)).await.expect("rate");
    assert_eq!(ids(&catalog, &SearchQuery::text("travel")), Vec::<i64>::new(), "not before the refresh");
    let report = catalog.refresh(s).await.expect("refresh");
    assert_eq!((report.read, report.indexed), (1, 1), "the item once, at its last change");
    let results = catalog.search(&SearchQuery::text("travel")).expect("search");
    assert_eq!(results.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [expenses.id]);
    let hit = &results.hits[0];
    assert!(hit.featured);
    assert_eq!((hit.rating_average, hit.rating_count), (Some(4.0), 1), "ratings travel with the item");
    assert_eq!(results.facet(Facet::Tag).expect("tags").values[0].value, "travel");

    // The approval of the waiting item and the withdrawal of the listed one.
    publication::approve(s, waiting.id, "admin", t(12), None).await.expect("approve");
    publication::withdraw(s, expenses.id, "p-ann", t(13), Some("replaced by SAP Concur")).await.expect("withdraw");
    let report = catalog.refresh(s).await.expect("refresh");
    assert_eq!((report.read, report.indexed, report.removed), (2, 1, 1));
    assert_eq!(ids(&catalog, &SearchQuery::text("expense")), [waiting.id], "delisted gone, approved found");
    assert_eq!(report.cursor, catalog.cursor().await);
    assert!(!ids(&catalog, &SearchQuery::default()).contains(&draft.id));

    // A second index built now agrees with the one that followed the changes.
    let rebuilt = Catalog::open(s).await.expect("open");
    let all = SearchQuery { per_page: 100, ..SearchQuery::default() };
    assert_eq!(ids(&rebuilt, &all), ids(&catalog, &all));
}

#[tokio::test]
async fn concurrent_searches_and_refreshes() {
    let store = store().await;
    for n in 0..20 {
        listed(&store, good_fields(&format!("Report {n}"))).await;
    }
    let catalog = Catalog::open(store.as_ref()).await.expect("open");
    let mut handles = Vec::new();
    for n in 0..8 {
        let (catalog, store) = (catalog.clone(), store.clone());
        handles.push(tokio::spawn(async move {
            if n % 4 == 0 {
                catalog.refresh(store.as_ref()).await.map(|_| 0)
            } else {
                catalog.search(&SearchQuery::text("report")).map(|r| r.total)
            }
        }));
    }
    for h in handles {
        let total = h.await.expect("task").expect("no error");
        assert!(total == 0 || total == 20, "{total}");
    }
}
