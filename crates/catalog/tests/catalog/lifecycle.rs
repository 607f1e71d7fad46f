//! The maturity lifecycle: illegal moves refused and not recorded, admins override, promotion
//! from a stale view writes nothing.

use crate::common::{create, good_fields, store, t};
use steward_catalog::CatalogError;
use steward_catalog::lifecycle::{StageChange, move_stage, promote};
use steward_model::LifecycleStage::{self, *};

fn change(to: LifecycleStage, by: &str, hour: u32, admin: bool) -> StageChange {
    StageChange { to, by: by.into(), at: crate::common::t(hour), note: Some(format!("{by} moved it")), admin }
}

#[tokio::test]
async fn illegal_moves_are_refused_and_leave_no_history() {
    let store = store().await;
    let s = store.as_ref();
    let item = create(&store, good_fields("Fleet tracker"), Idea).await;
    for (to, why) in [(Pilot, "skips prototype"), (Production, "skips two"), (Idea, "already there")] {
        let err = move_stage(s, item.id, &change(to, "p-ann", 9, false)).await.expect_err(why);
        assert!(matches!(err, CatalogError::NotAllowed(_)), "{why}: {err}");
    }
    move_stage(s, item.id, &change(Prototype, "p-ann", 9, false)).await.expect("idea → prototype");
    move_stage(s, item.id, &change(Pilot, "p-ann", 10, false)).await.expect("prototype → pilot");
    move_stage(s, item.id, &change(Prototype, "p-bob", 11, false)).await.expect("back to prototype");
    let retired = move_stage(s, item.id, &change(Retired, "p-ann", 12, false)).await.expect("retire");
    assert_eq!(retired.stage, Retired);
    let err = move_stage(s, item.id, &change(Pilot, "p-ann", 13, false)).await.expect_err("retired is final");
    assert!(err.to_string().contains("admin"), "{err}");
    let back = move_stage(s, item.id, &change(Production, "admin", 14, true)).await.expect("an admin may");
    assert_eq!(back.stage, Production);

    let history = store.stage_history(item.id).await.expect("history");
    let moves: Vec<_> = history.iter().map(|e| (e.from_stage, e.to_stage, e.by.as_str(), e.at)).collect();
    assert_eq!(
        moves,
        [
            (None, Idea, "p-ann", t(8)),
            (Some(Idea), Prototype, "p-ann", t(9)),
            (Some(Prototype), Pilot, "p-ann", t(10)),
            (Some(Pilot), Prototype, "p-bob", t(11)),
            (Some(Prototype), Retired, "p-ann", t(12)),
            (Some(Retired), Production, "admin", t(14)),
        ],
        "who moved it and when; refused moves are not there"
    );
    assert_eq!(history[3].note.as_deref(), Some("p-bob moved it"));
    let missing = move_stage(s, 9_999, &change(Pilot, "p-ann", 9, false)).await.expect_err("unknown");
    assert!(matches!(missing, CatalogError::NotFound(9_999)), "{missing}");
}

#[tokio::test]
async fn promotion_moves_one_stage_forward_from_what_the_campaign_saw() {
    let store = store().await;
    let s = store.as_ref();
    let seen = create(&store, good_fields("Site inspections"), Pilot).await;
    let err = promote(s, &seen, Retired, "campaign", None).await.expect_err("retiring is not promoting");
    assert!(matches!(err, CatalogError::NotAllowed(_)), "{err}");
    let err = promote(s, &seen, Prototype, "campaign", None).await.expect_err("backwards");
    assert!(matches!(err, CatalogError::NotAllowed(_)), "{err}");

    // Someone moves it back while the campaign holds its old view: the promotion is stale.
    move_stage(s, seen.id, &change(Prototype, "p-ann", 9, false)).await.expect("move back");
    let err = promote(s, &seen, Production, "campaign", Some("used by 300 people")).await.expect_err("stale");
    let CatalogError::Stale(now) = err else { panic!("expected stale, got {err}") };
    assert_eq!(now.stage, Prototype, "the item as it is now");
    assert_eq!(store.stage_history(seen.id).await.expect("history").len(), 2, "nothing written");

    let promoted = promote(s, &now, Pilot, "campaign", Some("used by 300 people")).await.expect("promote");
    assert_eq!(promoted.stage, Pilot);
    let last = store.stage_history(seen.id).await.expect("history").pop().expect("an entry");
    assert_eq!((last.by.as_str(), last.note.as_deref()), ("campaign", Some("used by 300 people")));
}
