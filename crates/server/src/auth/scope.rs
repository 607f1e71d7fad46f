//! What a maker may see of lists that name resources: rows about their own resources only.
//!
//! Violations, exemptions, campaign tasks, usage figures, success detections and the board
//! report all name resources by id. Rather than each handler asking the store about each row,
//! a request reads the maker's own resource ids once (the inventory's own-resources filter,
//! [`Caller::scope`], keeping only the ids) and every list is narrowed by that set. Other roles
//! read everything, and cost no read at all.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use std::collections::HashSet;
use steward_store::{MAX_LIMIT, ResourceQuery};

/// The resources a caller's lists may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Admins, environment admins and viewers: every resource.
    All,
    /// A maker: the ids of the resources they own or created (deleted ones included, as the
    /// resource page shows those too).
    Own(HashSet<String>),
}

impl Visible {
    /// What `caller` may see. One store read for a maker (more only past [`MAX_LIMIT`] own
    /// resources), none for anyone else.
    pub async fn of(state: &AppState, caller: &Caller) -> Result<Visible, ApiError> {
        if !caller.sees_only_own() {
            return Ok(Visible::All);
        }
        let mut query = ResourceQuery { include_deleted: true, limit: Some(MAX_LIMIT), ..Default::default() };
        caller.scope(&mut query);
        let mut own = HashSet::new();
        loop {
            let page = state
                .store
                .list_resources(&query)
                .await
                .map_err(|e| ApiError::store("reading your own resources", e))?;
            own.extend(page.items.into_iter().map(|r| r.id));
            match page.next {
                Some(cursor) => query.cursor = Some(cursor),
                None => return Ok(Visible::Own(own)),
            }
        }
    }

    /// Whether every resource is visible: lists need no narrowing (and may keep their limits
    /// in the store query).
    pub fn is_all(&self) -> bool {
        matches!(self, Visible::All)
    }

    /// A maker's own resource ids, sorted (for a store query that narrows in the database);
    /// `None` when every resource is visible.
    pub fn own_ids(&self) -> Option<Vec<String>> {
        match self {
            Visible::All => None,
            Visible::Own(own) => {
                let mut ids: Vec<String> = own.iter().cloned().collect();
                ids.sort_unstable();
                Some(ids)
            }
        }
    }

    /// Whether a list may name this resource.
    pub fn allows(&self, resource_id: &str) -> bool {
        match self {
            Visible::All => true,
            Visible::Own(own) => own.contains(resource_id),
        }
    }

    /// Keep the items the caller may see. `resource` says which resource an item names; an
    /// item that names none (a violation of an environment, an exemption for a whole
    /// environment) is kept: environments are not anyone's resources and every role sees them.
    pub fn retain<T>(&self, items: &mut Vec<T>, resource: impl Fn(&T) -> Option<&str>) {
        if let Visible::Own(_) = self {
            items.retain(|item| resource(item).is_none_or(|id| self.allows(id)));
        }
    }
}

/// Whether `caller` may see the resource `id` names, for single items that name one (a task,
/// a detection): one read for a maker, none for anyone else. A resource the inventory no
/// longer knows is nobody's own.
pub async fn sees_resource(state: &AppState, caller: &Caller, id: &str) -> Result<bool, ApiError> {
    if !caller.sees_only_own() {
        return Ok(true);
    }
    let resource = state.store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?;
    Ok(resource.is_some_and(|r| caller.can_see(&r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(ids: &[&str]) -> Visible {
        Visible::Own(ids.iter().map(|i| i.to_string()).collect())
    }

    #[test]
    fn a_makers_lists_keep_their_own_resources_and_rows_naming_none() {
        let rows = vec![(1, Some("r-own")), (2, Some("r-other")), (3, None), (4, Some("r-own"))];
        let mut narrowed = rows.clone();
        own(&["r-own"]).retain(&mut narrowed, |r| r.1);
        assert_eq!(narrowed.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 3, 4]);

        let mut nothing_owned = rows.clone();
        own(&[]).retain(&mut nothing_owned, |r| r.1);
        assert_eq!(nothing_owned.iter().map(|r| r.0).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn everyone_else_sees_every_row() {
        let mut rows = vec![Some("a"), Some("b"), None];
        Visible::All.retain(&mut rows, |r| *r);
        assert_eq!(rows.len(), 3);
        assert!(Visible::All.allows("anything") && Visible::All.is_all());
        assert!(!own(&["a"]).allows("b") && !own(&["a"]).is_all());
    }
}
