//! The maturity lifecycle: idea → prototype → pilot → production → retired.
//!
//! An item moves one stage at a time, forward or back (a pilot that needs more work goes back
//! to prototype); any stage may retire. Retired is final, except for an admin, who may also
//! move an item anywhere (to correct a mistake). Every move is recorded with who and when by
//! the store, in the transaction that makes it. Campaigns promote items with [`promote`].

use crate::CatalogError;
use steward_model::{LifecycleStage, Timestamp};
use steward_store::Store;
use steward_store::catalog::{CatalogItem, Outcome, StageMove};

/// The stages an item goes through, in order (retired last).
pub const ORDER: [LifecycleStage; 5] = [
    LifecycleStage::Idea,
    LifecycleStage::Prototype,
    LifecycleStage::Pilot,
    LifecycleStage::Production,
    LifecycleStage::Retired,
];

fn rank(stage: LifecycleStage) -> usize {
    ORDER.iter().position(|s| *s == stage).unwrap_or(0)
}

/// The stage after this one on the way to production; `None` from production and retired
/// (retiring is not a promotion).
pub fn next_stage(stage: LifecycleStage) -> Option<LifecycleStage> {
    stage.next()
}

/// The stages an item at `from` may move to, for a page's choices.
pub fn allowed_moves(from: LifecycleStage, admin: bool) -> Vec<LifecycleStage> {
    ORDER.into_iter().filter(|to| permitted(from, *to, admin)).collect()
}

/// One stage forward or back, or retiring; an admin may make any move; retired is final.
fn permitted(from: LifecycleStage, to: LifecycleStage, admin: bool) -> bool {
    from != to
        && (admin
            || (from != LifecycleStage::Retired
                && (to == LifecycleStage::Retired || rank(to).abs_diff(rank(from)) == 1)))
}

/// Refuse a move the lifecycle does not allow, saying which moves it does.
pub fn check_move(from: LifecycleStage, to: LifecycleStage, admin: bool) -> Result<(), CatalogError> {
    if permitted(from, to, admin) {
        return Ok(());
    }
    if from == to {
        return Err(CatalogError::NotAllowed(format!("the item is already at stage {to}")));
    }
    if from == LifecycleStage::Retired {
        return Err(CatalogError::NotAllowed("a retired item stays retired; an admin can bring it back".to_string()));
    }
    let allowed: Vec<&str> = allowed_moves(from, false).into_iter().map(|s| s.as_str()).collect();
    Err(CatalogError::NotAllowed(format!(
        "an item moves one stage at a time: from {from} it can go to {}",
        allowed.join(", ")
    )))
}

/// A stage move to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    pub to: LifecycleStage,
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
    /// Whether the mover is a platform admin (may leave `retired` and skip stages).
    pub admin: bool,
}

/// Move an item's stage, if the lifecycle allows it from where the item is now.
pub async fn move_stage(store: &dyn Store, id: i64, change: &StageChange) -> Result<CatalogItem, CatalogError> {
    let item = store.get_catalog_item(id).await?.ok_or(CatalogError::NotFound(id))?;
    apply(store, &item, change).await
}

/// Promote an item one stage forward (idea → prototype → pilot → production), as a campaign
/// does: `to` must be the stage after the one the caller saw on `item`; if the item moved since,
/// nothing is written and the answer is [`CatalogError::Stale`].
pub async fn promote(
    store: &dyn Store,
    item: &CatalogItem,
    to: LifecycleStage,
    by: &str,
    note: Option<&str>,
) -> Result<CatalogItem, CatalogError> {
    if next_stage(item.stage) != Some(to) {
        let next = next_stage(item.stage).map_or("no further stage".to_string(), |s| s.to_string());
        return Err(CatalogError::NotAllowed(format!(
            "promoting moves one stage forward: from {} that is {next}, not {to}",
            item.stage
        )));
    }
    let change =
        StageChange { to, by: by.to_string(), at: chrono::Utc::now(), note: note.map(str::to_string), admin: false };
    apply(store, item, &change).await
}

async fn apply(store: &dyn Store, item: &CatalogItem, change: &StageChange) -> Result<CatalogItem, CatalogError> {
    check_move(item.stage, change.to, change.admin)?;
    let m = StageMove {
        expected_stage: item.stage,
        stage: change.to,
        by: change.by.clone(),
        at: change.at,
        note: change.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
    };
    match store.apply_stage_move(item.id, &m).await? {
        Outcome::Applied(item) => Ok(item),
        Outcome::Stale(now) => Err(CatalogError::Stale(Box::new(now))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LifecycleStage::*;

    #[test]
    fn one_stage_at_a_time_retired_is_final_admin_overrides() {
        assert!(check_move(Idea, Prototype, false).is_ok());
        assert!(check_move(Pilot, Prototype, false).is_ok(), "back one stage");
        assert!(check_move(Idea, Retired, false).is_ok(), "anything may retire");
        assert!(check_move(Idea, Pilot, false).is_err(), "no skipping");
        assert!(check_move(Production, Idea, false).is_err());
        assert!(check_move(Retired, Production, false).is_err());
        assert!(check_move(Retired, Production, true).is_ok());
        assert!(check_move(Pilot, Pilot, true).is_err());
        assert_eq!(allowed_moves(Pilot, false), [Prototype, Production, Retired]);
        assert!(allowed_moves(Retired, false).is_empty());
        assert_eq!(next_stage(Pilot), Some(Production));
        assert_eq!(next_stage(Production), None);
    }
}
