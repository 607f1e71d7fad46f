//! The app catalog: items round-trip normalised, one item per resource, edits and steps checked
//! against what they were computed from, histories written with every move, change numbers in
//! commit order, ratings, reviews and access requests.

use super::*;
use crate::StoreError;
use crate::catalog::{
    AccessDecision, AccessQuery, AccessState, CatalogEdit, CatalogItem, CatalogQuery, Check, ItemFields, ItemKind,
    NewAccessRequest, NewCatalogItem, NewReview, Outcome, PublicationAction, PublicationState, PublicationStep,
    StageMove,
};
use std::sync::Arc;
use steward_model::{ImpactLevel, LifecycleStage, SupportTier};

fn fields(title: &str) -> ItemFields {
    ItemFields {
        resource_id: None,
        kind: ItemKind::App,
        platform: "power_platform".into(),
        title: title.into(),
        summary: format!("{title} in one line"),
        description: format!("{title}: what it does, for whom, and how to get started."),
        department: Some("Finance".into()),
        business_area: Some("Corporate".into()),
        category: Some("Expenses".into()),
        tags: vec!["finance".into(), "travel".into()],
        owner: Some("p-ann".into()),
        backup_owner: Some("p-bob".into()),
        support_tier: Some(SupportTier::ItBlessed),
        documentation_url: Some("https://docs.example.com/expenses".into()),
        screenshots: vec!["https://img.example.com/1.png".into(), "https://img.example.com/2.png".into()],
        criticality: Some(ImpactLevel::High),
        featured: false,
        hero: false,
    }
}

fn new_item(title: &str, resource: Option<&str>) -> NewCatalogItem {
    let mut f = fields(title);
    f.resource_id = resource.map(str::to_string);
    NewCatalogItem {
        fields: f,
        stage: LifecycleStage::Pilot,
        created_by: "p-ann".into(),
        created_at: at(2026, 11, 1, 9, 0, 0, 0),
        note: Some("proposed from the inventory".into()),
    }
}

async fn create(store: &Arc<dyn Store>, item: &NewCatalogItem) -> CatalogItem {
    store.create_catalog_item(item).await.unwrap_or_else(|e| panic!("create_catalog_item: {e}"))
}

fn step(
    expected: PublicationState,
    to: PublicationState,
    action: PublicationAction,
    by: &str,
    hour: u32,
) -> PublicationStep {
    PublicationStep {
        expected_state: expected,
        state: to,
        action,
        by: by.into(),
        at: at(2026, 11, 2, hour, 0, 0, 0),
        note: Some(format!("{action} by {by}")),
        checklist: vec![Check {
            id: "description".into(),
            label: "Description".into(),
            passed: true,
            detail: "58 characters".into(),
        }],
    }
}

fn applied<T: std::fmt::Debug>(outcome: Outcome<T>) -> T {
    match outcome {
        Outcome::Applied(t) => t,
        Outcome::Stale(t) => panic!("expected the change to apply, the record was {t:?}"),
    }
}

fn stale<T: std::fmt::Debug>(outcome: Outcome<T>) -> T {
    match outcome {
        Outcome::Stale(t) => t,
        Outcome::Applied(t) => panic!("expected a stale outcome, the change applied: {t:?}"),
    }
}

pub async fn case_catalog_items_round_trip_and_edit(store: Arc<dyn Store>) {
    assert!(store.get_catalog_item(1).await.expect("get").is_none(), "unknown id is None, not an error");
    assert!(store.catalog_changes(0, 10).await.expect("changes").is_empty());

    let mut messy = new_item("Expense claims", Some("r1"));
    messy.fields.title = "  Expense claims ".into();
    messy.fields.tags = vec![" Finance ".into(), "finance".into(), "Travel".into()];
    messy.fields.department = Some("  ".into());
    let a = create(&store, &messy).await;
    assert_eq!(a.fields.title, "Expense claims", "trimmed");
    assert_eq!(a.fields.tags, ["finance", "travel"], "lowercased without repeats");
    assert_eq!(a.fields.department, None, "a blank text is absent");
    assert_eq!((a.state, a.stage), (PublicationState::Draft, LifecycleStage::Pilot));
    assert_eq!((a.created_by.as_str(), a.updated_by.as_str()), ("p-ann", "p-ann"));
    assert_eq!((a.created_at, a.updated_at), (at(2026, 11, 1, 9, 0, 0, 0), at(2026, 11, 1, 9, 0, 0, 0)));
    assert_eq!((a.ratings.count, a.ratings.average, a.reviews), (0, None, 0));
    let expected = ItemFields { resource_id: Some("r1".into()), department: None, ..fields("Expense claims") };
    assert_eq!(a.fields, expected, "every field round-trips");
    assert_eq!(store.get_catalog_item(a.id).await.expect("get"), Some(a.clone()));

    // One item per resource; items without a resource are unconstrained.
    let err = store.create_catalog_item(&new_item("Again", Some("r1"))).await.expect_err("second item for r1");
    assert!(matches!(err, StoreError::InvalidQuery(_)) && err.to_string().contains("r1"), "{err}");
    let b = create(&store, &new_item("GPT invoice reader", None)).await;
    let c = create(&store, &new_item("Vendor onboarding", None)).await;
    assert!(b.id > a.id && c.id > b.id);
    let err = store.create_catalog_item(&new_item(" ", None)).await.expect_err("blank title");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");

    // An edit replaces the fields; one computed from an older change number writes nothing.
    let mut f = a.fields.clone();
    f.title = "Expense claims v2".into();
    f.featured = true;
    f.hero = true;
    f.resource_id = Some("r2".into());
    let edit = CatalogEdit {
        fields: f.clone(),
        expected_seq: Some(a.seq),
        by: "admin".into(),
        at: at(2026, 11, 3, 8, 0, 0, 0),
    };
    let edited = applied(store.update_catalog_item(a.id, &edit).await.expect("update"));
    assert_eq!(edited.fields, f);
    assert_eq!((edited.updated_by.as_str(), edited.updated_at), ("admin", at(2026, 11, 3, 8, 0, 0, 0)));
    assert_eq!(
        (edited.created_by.as_str(), edited.state, edited.stage),
        ("p-ann", PublicationState::Draft, LifecycleStage::Pilot)
    );
    assert!(edited.seq > c.seq, "an edit takes a new change number");
    let again =
        CatalogEdit { fields: ItemFields { resource_id: Some("r2".into()), ..fields("Lost update") }, ..edit.clone() };
    let now = stale(store.update_catalog_item(a.id, &again).await.expect("update"));
    assert_eq!(now, edited, "a stale edit answers the item as it is, unchanged");
    let blind = CatalogEdit { expected_seq: None, ..again };
    assert_eq!(applied(store.update_catalog_item(a.id, &blind).await.expect("update")).fields.title, "Lost update");
    let mut taken = fields("B");
    taken.resource_id = Some("r2".into());
    let err = store
        .update_catalog_item(b.id, &CatalogEdit { fields: taken, expected_seq: None, by: "x".into(), at: a.created_at })
        .await
        .expect_err("r2 is a's");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.update_catalog_item(9_999, &edit).await.expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    // Changes come in change order, each item once at its last change.
    let changes = store.catalog_changes(0, 100).await.expect("changes");
    let ids: Vec<i64> = changes.iter().map(|i| i.id).collect();
    assert_eq!(ids, [b.id, c.id, a.id]);
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    let after_b = store.catalog_changes(b.seq, 1).await.expect("changes");
    assert_eq!(after_b.iter().map(|i| i.id).collect::<Vec<_>>(), [c.id], "since and limit");
}

pub async fn case_catalog_lists_filter_and_page(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for n in 0..7 {
        let mut item = new_item(&format!("Item {n}"), Some(&format!("r{n}")));
        item.fields.kind = if n % 2 == 0 { ItemKind::App } else { ItemKind::Flow };
        item.fields.owner = Some(if n < 3 { "p-carol".into() } else { "p-ann".into() });
        item.fields.backup_owner = Some(if n == 5 { "p-carol".into() } else { "p-bob".into() });
        item.created_by = if n == 6 { "p-carol".into() } else { "p-ann".into() };
        item.stage = if n < 4 { LifecycleStage::Pilot } else { LifecycleStage::Production };
        ids.push(create(&store, &item).await.id);
    }
    for id in &ids[..3] {
        applied(
            store
                .apply_publication_step(
                    *id,
                    &step(
                        PublicationState::Draft,
                        PublicationState::Submitted,
                        PublicationAction::Submit,
                        "p-carol",
                        9,
                    ),
                )
                .await
                .expect("submit"),
        );
    }
    let all = store.list_catalog_items(&CatalogQuery::default()).await.expect("list");
    assert_eq!((all.total, all.items.len(), all.next.clone()), (7, 7, None));

    let check = |q: CatalogQuery, want: Vec<i64>| {
        let store = store.clone();
        async move {
            let page = store.list_catalog_items(&q).await.unwrap_or_else(|e| panic!("list {q:?}: {e}"));
            let got: Vec<i64> = page.items.iter().map(|i| i.id).collect();
            assert_eq!(got, want, "{q:?}");
            assert_eq!(page.total, want.len() as u64, "total of {q:?}");
            assert!(page.items.iter().all(|i| q.matches(i)), "the definition agrees: {q:?}");
        }
    };
    check(CatalogQuery { states: vec![PublicationState::Submitted], ..Default::default() }, ids[..3].to_vec()).await;
    check(
        CatalogQuery { states: vec![PublicationState::Submitted, PublicationState::Draft], ..Default::default() },
        ids.clone(),
    )
    .await;
    check(
        CatalogQuery { person: Some("p-carol".into()), ..Default::default() },
        vec![ids[0], ids[1], ids[2], ids[5], ids[6]],
    )
    .await;
    check(CatalogQuery { kind: Some(ItemKind::Flow), ..Default::default() }, vec![ids[1], ids[3], ids[5]]).await;
    check(CatalogQuery { stage: Some(LifecycleStage::Production), ..Default::default() }, ids[4..].to_vec()).await;
    check(CatalogQuery { resource_id: Some("r4".into()), ..Default::default() }, vec![ids[4]]).await;
    check(
        CatalogQuery { person: Some("p-carol".into()), kind: Some(ItemKind::App), ..Default::default() },
        vec![ids[0], ids[2], ids[6]],
    )
    .await;

    // Paging walks every match once, with the total on every page.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = CatalogQuery { limit: Some(3), cursor: cursor.clone(), ..Default::default() };
        let page = store.list_catalog_items(&q).await.expect("page");
        assert_eq!(page.total, 7);
        seen.extend(page.items.iter().map(|i| i.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let bad = CatalogQuery { cursor: Some("garbage!".into()), ..Default::default() };
    let err = store.list_catalog_items(&bad).await.expect_err("garbage cursor");
    assert!(matches!(err, StoreError::InvalidCursor(_)), "{err}");
}

pub async fn case_catalog_steps_and_moves_check_the_expected_state(store: Arc<dyn Store>) {
    let item = create(&store, &new_item("Leave requests", Some("r1"))).await;
    let submitted = applied(
        store
            .apply_publication_step(
                item.id,
                &step(PublicationState::Draft, PublicationState::Submitted, PublicationAction::Submit, "p-ann", 9),
            )
            .await
            .expect("submit"),
    );
    assert_eq!((submitted.state, submitted.updated_by.as_str()), (PublicationState::Submitted, "p-ann"));
    assert!(submitted.seq > item.seq);

    // A step computed from `draft` again is stale: nothing written, the item as it is.
    let late = step(PublicationState::Draft, PublicationState::Submitted, PublicationAction::Submit, "p-bob", 10);
    assert_eq!(stale(store.apply_publication_step(item.id, &late).await.expect("stale")), submitted);
    let listed = applied(
        store
            .apply_publication_step(
                item.id,
                &step(PublicationState::Submitted, PublicationState::Listed, PublicationAction::Approve, "admin", 11),
            )
            .await
            .expect("approve"),
    );
    assert_eq!(listed.state, PublicationState::Listed);

    let history = store.publication_history(item.id).await.expect("history");
    let moves: Vec<_> = history.iter().map(|e| (e.from_state, e.to_state, e.action, e.by.as_str())).collect();
    assert_eq!(
        moves,
        [
            (None, PublicationState::Draft, PublicationAction::Create, "p-ann"),
            (Some(PublicationState::Draft), PublicationState::Submitted, PublicationAction::Submit, "p-ann"),
            (Some(PublicationState::Submitted), PublicationState::Listed, PublicationAction::Approve, "admin"),
        ],
        "the stale step left no trace"
    );
    assert_eq!(history[0].note.as_deref(), Some("proposed from the inventory"));
    assert_eq!(history[2].at, at(2026, 11, 2, 11, 0, 0, 0));
    assert_eq!(history[2].note.as_deref(), Some("approve by admin"));
    assert_eq!(history[2].checklist, late.checklist, "the checklist is recorded with the step");
    assert!(history[0].checklist.is_empty());
    let err = store
        .apply_publication_step(
            9_999,
            &step(PublicationState::Draft, PublicationState::Submitted, PublicationAction::Submit, "x", 9),
        )
        .await
        .expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let create_step = step(PublicationState::Listed, PublicationState::Draft, PublicationAction::Create, "x", 9);
    let err = store.apply_publication_step(item.id, &create_step).await.expect_err("create is not a step");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");

    // Stage moves: the same rule.
    let mv = |from, to, by: &str, hour| StageMove {
        expected_stage: from,
        stage: to,
        by: by.into(),
        at: at(2026, 11, 4, hour, 0, 0, 0),
        note: Some(format!("{by} moved it")),
    };
    let prod = applied(
        store
            .apply_stage_move(item.id, &mv(LifecycleStage::Pilot, LifecycleStage::Production, "admin", 9))
            .await
            .expect("move"),
    );
    assert_eq!((prod.stage, prod.state), (LifecycleStage::Production, PublicationState::Listed));
    let again = mv(LifecycleStage::Pilot, LifecycleStage::Retired, "campaign", 10);
    assert_eq!(stale(store.apply_stage_move(item.id, &again).await.expect("stale")), prod);
    let stages = store.stage_history(item.id).await.expect("stage history");
    let moves: Vec<_> = stages.iter().map(|e| (e.from_stage, e.to_stage, e.by.as_str())).collect();
    assert_eq!(
        moves,
        [(None, LifecycleStage::Pilot, "p-ann"), (Some(LifecycleStage::Pilot), LifecycleStage::Production, "admin")]
    );
    assert_eq!((stages[1].at, stages[1].note.as_deref()), (at(2026, 11, 4, 9, 0, 0, 0), Some("admin moved it")));
    assert!(store.stage_history(9_999).await.expect("unknown").is_empty());
    assert!(store.publication_history(9_999).await.expect("unknown").is_empty());

    let changes = store.catalog_changes(listed.seq, 10).await.expect("changes");
    assert_eq!(changes.iter().map(|i| (i.id, i.seq)).collect::<Vec<_>>(), [(item.id, prod.seq)]);
}

pub async fn case_catalog_steps_race(store: Arc<dyn Store>) {
    let item = create(&store, &new_item("Contested", None)).await;
    let mut handles = Vec::new();
    for n in 0..8u32 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let s = step(
                PublicationState::Draft,
                PublicationState::Submitted,
                PublicationAction::Submit,
                &format!("maker{n}"),
                n,
            );
            store.apply_publication_step(item.id, &s).await.map(|o| o.is_applied())
        }));
    }
    let mut wins = 0;
    for h in handles {
        if h.await.expect("task").expect("step") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1, "exactly one of eight racing submissions applies");
    let history = store.publication_history(item.id).await.expect("history");
    assert_eq!(history.len(), 2, "one creation and one submission");
}

pub async fn case_catalog_ratings_reviews_and_access(store: Arc<dyn Store>) {
    let item = create(&store, &new_item("Travel booking", None)).await;
    let other = create(&store, &new_item("Other", None)).await;
    let t = |hour| at(2026, 11, 5, hour, 0, 0, 0);

    let s = store.rate_catalog_item(item.id, "ann", 5, t(9)).await.expect("rate");
    assert_eq!((s.count, s.average), (1, Some(5.0)));
    store.rate_catalog_item(item.id, "bob", 2, t(9)).await.expect("rate");
    let s = store.rate_catalog_item(item.id, "ann", 4, t(10)).await.expect("re-rate");
    assert_eq!((s.count, s.average), (2, Some(3.0)), "a second rating by one user replaces the first");
    let err = store.rate_catalog_item(item.id, "ann", 6, t(10)).await.expect_err("six stars");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.rate_catalog_item(9_999, "ann", 3, t(10)).await.expect_err("unknown item");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let ratings = store.catalog_ratings(item.id).await.expect("ratings");
    assert_eq!(
        ratings.iter().map(|r| (r.user.as_str(), r.stars, r.at)).collect::<Vec<_>>(),
        [("ann", 4, t(10)), ("bob", 2, t(9))]
    );
    let read = store.get_catalog_item(item.id).await.expect("get").expect("exists");
    assert_eq!((read.ratings.count, read.ratings.average), (2, Some(3.0)), "reads carry the summary");
    assert!(read.seq > other.seq, "a rating takes a change number (the index shows averages)");
    assert_eq!(store.get_catalog_item(other.id).await.expect("get").expect("exists").ratings.count, 0);

    let first = store
        .add_catalog_review(&NewReview {
            item_id: item.id,
            by: "ann".into(),
            text: " Saves me an hour a week ".into(),
            at: t(9),
        })
        .await
        .expect("review");
    assert_eq!(first.text, "Saves me an hour a week");
    let second = store
        .add_catalog_review(&NewReview { item_id: item.id, by: "bob".into(), text: "Slow on mobile".into(), at: t(11) })
        .await
        .expect("review");
    let err = store
        .add_catalog_review(&NewReview { item_id: item.id, by: "bob".into(), text: "  ".into(), at: t(11) })
        .await
        .expect_err("blank");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let reviews = store.catalog_reviews(item.id).await.expect("reviews");
    assert_eq!(reviews, [second.clone(), first.clone()], "newest first");
    assert_eq!(store.get_catalog_item(item.id).await.expect("get").expect("exists").reviews, 2);
    assert!(store.catalog_reviews(other.id).await.expect("reviews").is_empty());

    let request = |by: &str, item_id| NewAccessRequest {
        item_id,
        requester: by.into(),
        reason: "I approve travel".into(),
        at: t(12),
    };
    let r1 = store.request_catalog_access(&request("carol", item.id)).await.expect("request");
    assert_eq!((r1.state, r1.decided_by.clone(), r1.requested_at), (AccessState::Requested, None, t(12)));
    let err = store.request_catalog_access(&request("carol", item.id)).await.expect_err("second open request");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let r2 = store.request_catalog_access(&request("dave", item.id)).await.expect("request");
    let r3 = store.request_catalog_access(&request("carol", other.id)).await.expect("request");
    let err = store.request_catalog_access(&request("carol", 9_999)).await.expect_err("unknown item");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    let grant = AccessDecision {
        state: AccessState::Granted,
        by: "p-ann".into(),
        at: t(13),
        note: Some("added to the group".into()),
    };
    let granted = applied(store.decide_access_request(r1.id, &grant).await.expect("decide"));
    assert_eq!(
        (granted.state, granted.decided_by.as_deref(), granted.decided_at),
        (AccessState::Granted, Some("p-ann"), Some(t(13)))
    );
    assert_eq!(granted.decision_note.as_deref(), Some("added to the group"));
    let decline = AccessDecision { state: AccessState::Declined, by: "p-bob".into(), at: t(14), note: None };
    assert_eq!(stale(store.decide_access_request(r1.id, &decline).await.expect("decided")), granted, "decided once");
    let err = store
        .decide_access_request(r2.id, &AccessDecision { state: AccessState::Requested, ..decline.clone() })
        .await
        .expect_err("not a decision");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.decide_access_request(9_999, &decline).await.expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // Once decided, the user may ask again.
    let r4 = store.request_catalog_access(&request("carol", item.id)).await.expect("request after a decision");

    let list = |q: AccessQuery| {
        let store = store.clone();
        async move { store.list_access_requests(&q).await.expect("list").iter().map(|r| r.id).collect::<Vec<_>>() }
    };
    assert_eq!(list(AccessQuery::default()).await, [r1.id, r2.id, r3.id, r4.id]);
    assert_eq!(list(AccessQuery { item_id: Some(item.id), ..Default::default() }).await, [r1.id, r2.id, r4.id]);
    assert_eq!(
        list(AccessQuery { requester: Some("carol".into()), ..Default::default() }).await,
        [r1.id, r3.id, r4.id]
    );
    assert_eq!(
        list(AccessQuery { requester: Some("carol".into()), state: Some(AccessState::Requested), item_id: None }).await,
        [r3.id, r4.id]
    );
}
