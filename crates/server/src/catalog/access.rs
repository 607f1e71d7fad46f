//! Who may do what to a catalog item, on top of the route's access level.
//!
//! - **see**: a listed item, everyone signed in; an item not listed (a draft, one waiting for
//!   approval, rejected or withdrawn), the people it involves (owner, backup owner, creator),
//!   the owners of its resource, and the roles that read everything (admins, environment
//!   admins, viewers). Makers do not see other makers' drafts.
//! - **manage** (edit, submit, withdraw, move the stage, decide access requests): the people
//!   the item involves and whoever may act on its resource (its owners, an admin of its
//!   environment), and platform admins. Viewers never.
//! - **approve or reject**: platform admins; environment admins for items whose resource is in
//!   an environment they administer. An item without a resource has no environment, so only
//!   a platform admin approves it.
//!
//! The catalog names people by principal id (what the inventory and the seed use) or by
//! username; a caller is matched by either.

use crate::auth::Caller;
use crate::error::ApiError;
use steward_catalog::{CatalogItem, PublicationState};
use steward_model::{Resource, Role};

/// An item with the inventory resource it describes (absent when none is linked or the
/// resource is gone).
#[derive(Debug, Clone)]
pub struct Item {
    pub item: CatalogItem,
    pub resource: Option<Resource>,
}

/// How the catalog records the caller as creator and default owner: the inventory principal
/// when the account is linked to one (so that the item shows the person's name and the
/// resource's owners match), else the username.
pub fn identity(caller: &Caller) -> String {
    caller.principal_id.clone().unwrap_or_else(|| caller.username.clone())
}

/// The item names the caller as owner, backup owner or creator.
pub fn involves(caller: &Caller, item: &CatalogItem) -> bool {
    item.involves(&caller.username) || caller.principal_id.as_deref().is_some_and(|p| item.involves(p))
}

pub fn can_see(caller: &Caller, x: &Item) -> bool {
    x.item.state == PublicationState::Listed
        || caller.role != Role::Maker
        || involves(caller, &x.item)
        || x.resource.as_ref().is_some_and(|r| caller.owns(r))
}

pub fn can_manage(caller: &Caller, x: &Item) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Viewer => false,
        Role::EnvironmentAdmin | Role::Maker => {
            involves(caller, &x.item) || x.resource.as_ref().is_some_and(|r| caller.can_act_on(r))
        }
    }
}

pub fn can_approve(caller: &Caller, x: &Item) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::EnvironmentAdmin => x.resource.as_ref().is_some_and(|r| caller.administers(&r.environment_id)),
        Role::Maker | Role::Viewer => false,
    }
}

/// Refuse unless [`can_manage`]; the message says who may.
pub fn must_manage(caller: &Caller, x: &Item) -> Result<(), ApiError> {
    if can_manage(caller, x) {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "catalog item {} is not yours: only its owner, backup owner or creator, the owners of its resource, an admin \
         of its environment or a platform admin may change it",
        x.item.id
    )))
}

/// Refuse unless [`can_approve`]; the message says who may.
pub fn must_approve(caller: &Caller, x: &Item) -> Result<(), ApiError> {
    if can_approve(caller, x) {
        return Ok(());
    }
    Err(ApiError::Forbidden(match &x.resource {
        Some(r) => format!(
            "only a platform admin or an admin of environment '{}' may approve or reject catalog item {}",
            r.environment_id, x.item.id
        ),
        None => format!(
            "catalog item {} describes no inventory resource, so only a platform admin may approve or reject it",
            x.item.id
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Via;
    use steward_catalog::{ItemFields, ItemKind, RatingSummary};
    use steward_model::{LifecycleStage, Owner, ShareRole};

    fn caller(role: Role, username: &str, principal: Option<&str>, environments: &[&str]) -> Caller {
        Caller {
            user_id: username.into(),
            username: username.into(),
            display_name: username.into(),
            role,
            environments: environments.iter().map(|e| e.to_string()).collect(),
            principal_id: principal.map(str::to_string),
            via: Via::Token,
            csrf: None,
        }
    }

    fn item(state: PublicationState, owner: &str, resource: Option<(&str, &str)>) -> Item {
        let mut fields = ItemFields::new(ItemKind::App, "power_platform", "Expenses");
        fields.owner = Some(owner.into());
        fields.resource_id = resource.map(|(id, _)| id.to_string());
        let now = chrono::Utc::now();
        let item = CatalogItem {
            id: 7,
            seq: 1,
            fields,
            stage: LifecycleStage::Idea,
            state,
            created_at: now,
            created_by: owner.into(),
            updated_at: now,
            updated_by: owner.into(),
            ratings: RatingSummary::default(),
            reviews: 0,
        };
        let resource = resource.map(|(id, env)| {
            let mut r = steward_store::conformance::resource("t", env, id, steward_model::ResourceKind::CanvasApp, "R");
            r.owners = vec![Owner { principal_id: "p-res".into(), role: ShareRole::Owner }];
            r.created_by = Some("p-res".into());
            r
        });
        Item { item, resource }
    }

    #[test]
    fn drafts_are_seen_by_the_people_involved_and_the_reading_roles() {
        let draft = item(PublicationState::Draft, "p-ann", Some(("r-1", "env-a")));
        assert!(can_see(&caller(Role::Maker, "ann", Some("p-ann"), &[]), &draft));
        assert!(can_see(&caller(Role::Maker, "res", Some("p-res"), &[]), &draft), "the resource's owner");
        assert!(!can_see(&caller(Role::Maker, "bob", Some("p-bob"), &[]), &draft));
        assert!(can_see(&caller(Role::Viewer, "board", None, &[]), &draft));
        let listed = item(PublicationState::Listed, "p-ann", None);
        assert!(can_see(&caller(Role::Maker, "bob", Some("p-bob"), &[]), &listed));
    }

    #[test]
    fn managing_needs_involvement_or_the_resource() {
        let x = item(PublicationState::Draft, "p-ann", Some(("r-1", "env-a")));
        assert!(can_manage(&caller(Role::Maker, "ann", Some("p-ann"), &[]), &x));
        assert!(can_manage(&caller(Role::Maker, "p-ann", None, &[]), &x), "matched by username too");
        assert!(!can_manage(&caller(Role::Maker, "bob", Some("p-bob"), &[]), &x));
        assert!(can_manage(&caller(Role::EnvironmentAdmin, "eve", None, &["env-a"]), &x));
        assert!(!can_manage(&caller(Role::EnvironmentAdmin, "eve", None, &["env-b"]), &x));
        assert!(!can_manage(&caller(Role::Viewer, "ann", Some("p-ann"), &[]), &x), "viewers change nothing");
        assert!(must_manage(&caller(Role::Maker, "bob", Some("p-bob"), &[]), &x).is_err());
    }

    #[test]
    fn approving_follows_the_resource_environment() {
        let linked = item(PublicationState::Submitted, "p-ann", Some(("r-1", "env-a")));
        let unlinked = item(PublicationState::Submitted, "p-ann", None);
        let env_admin = caller(Role::EnvironmentAdmin, "eve", None, &["env-a"]);
        assert!(can_approve(&env_admin, &linked));
        assert!(!can_approve(&env_admin, &unlinked), "no resource: platform admins only");
        assert!(!can_approve(&caller(Role::EnvironmentAdmin, "eve", None, &["env-b"]), &linked));
        assert!(can_approve(&caller(Role::Admin, "root", None, &[]), &unlinked));
        assert!(!can_approve(&caller(Role::Maker, "ann", Some("p-ann"), &[]), &linked));
        assert!(must_approve(&env_admin, &unlinked).is_err());
    }
}
