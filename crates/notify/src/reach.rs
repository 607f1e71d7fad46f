//! Who a maker's resources reached in a window: uses and the *distinct* people across all the
//! resources the maker owns now.
//!
//! The per-resource figures (`ResourceUsage::unique_users`) cannot simply be added up: someone
//! who uses two of a maker's apps would count twice. The daily rollup rows keep their users as
//! sets of store-wide actor ids, so the sets of a maker's resources are merged here instead.
//! Resources are grouped by their current primary owner (as the inventory says), like everything
//! else in the maker summary and the champion score.

use crate::NotifyError;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use steward_store::Store;
use steward_store::usage::{BriefQuery, RollupQuery};

fn source(what: &'static str) -> impl Fn(steward_store::StoreError) -> NotifyError {
    move |e| NotifyError::Source { what, reason: e.to_string() }
}

/// One resource over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceReach {
    pub uses: u64,
    /// Store-wide actor ids of the people who used it.
    pub actors: HashSet<u32>,
}

/// Every used resource over `[from, to]` (both days included), from the daily rollups.
pub async fn resources(
    store: &dyn Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, ResourceReach>, NotifyError> {
    let rows = store.usage_rows(&RollupQuery::daily_resource_uses(from, to)).await.map_err(source("usage"))?;
    let mut out: HashMap<String, ResourceReach> = HashMap::new();
    for row in rows.into_iter().filter(|r| r.start >= from && r.start <= to) {
        let reach = out.entry(row.scope_id).or_default();
        reach.uses += row.uses;
        reach.actors.extend(row.actors);
    }
    Ok(out)
}

/// The current primary owner of each of `ids` that has one (deleted resources included: their
/// use in the window still counts for whoever owned them).
pub async fn owners(store: &dyn Store, ids: Vec<String>) -> Result<HashMap<String, String>, NotifyError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store
        .resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() })
        .await
        .map_err(source("resources"))?
        .into_iter()
        .filter_map(|b| b.owner.map(|o| (b.id, o)))
        .collect())
}

/// Distinct people per owner: the union of the actor sets of the resources each one owns.
/// `owner_of` maps a resource id to its owner; resources without an entry are nobody's.
pub fn people_by_owner(
    reach: &HashMap<String, ResourceReach>,
    owner_of: &HashMap<String, String>,
) -> HashMap<String, u64> {
    let mut sets: HashMap<&str, HashSet<u32>> = HashMap::new();
    for (resource, r) in reach {
        if let Some(owner) = owner_of.get(resource) {
            sets.entry(owner.as_str()).or_default().extend(r.actors.iter().copied());
        }
    }
    sets.into_iter().map(|(owner, set)| (owner.to_string(), set.len() as u64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(uses: u64, actors: &[u32]) -> ResourceReach {
        ResourceReach { uses, actors: actors.iter().copied().collect() }
    }

    #[test]
    fn a_person_using_two_resources_of_one_maker_counts_once() {
        let usage = HashMap::from([
            ("app".to_string(), reach(5, &[1, 2, 3])),
            ("flow".to_string(), reach(2, &[3, 4])),
            ("other".to_string(), reach(1, &[1])),
            ("orphan".to_string(), reach(1, &[9])),
        ]);
        let owner_of = HashMap::from([
            ("app".to_string(), "ann".to_string()),
            ("flow".to_string(), "ann".to_string()),
            ("other".to_string(), "bob".to_string()),
        ]);
        let people = people_by_owner(&usage, &owner_of);
        assert_eq!(people.get("ann"), Some(&4), "3 + 2 users, one shared");
        assert_eq!(people.get("bob"), Some(&1), "the same person counts for each maker they use");
        assert_eq!(people.len(), 2, "a resource without owner is nobody's");
    }
}
