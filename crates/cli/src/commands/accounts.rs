//! What `steward user` and `steward token` share: who the command line acts as, the audit
//! entry every change appends, role names, and finding a user by name.

use anyhow::Context;
use serde::Serialize;
use steward_model::Role;
use steward_store::Store;
use steward_store::auth::{AuditEntry, User};

/// The audit trail's actor for the command line: `cli:` and the operating-system user.
pub fn actor() -> String {
    let os_user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    format!("cli:{}", os_user.trim())
}

/// Append one change to the audit trail. A change that cannot be audited is reported as
/// failed: it was made, so the message says so and what is missing.
pub async fn record(
    store: &dyn Store,
    action: &str,
    target: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        id: 0,
        at: chrono::Utc::now(),
        actor: actor(),
        action: action.into(),
        target,
        before,
        after,
        via: "cli".into(),
    };
    store
        .append_audit(&entry)
        .await
        .with_context(|| format!("the change was made but its audit entry ({action}) could not be written"))?;
    Ok(())
}

/// `--role` values: the model's spelling, with the list of roles in the error.
pub fn parse_role(text: &str) -> Result<Role, String> {
    text.trim().to_lowercase().parse::<Role>().map_err(|e| e.to_string())
}

/// The user named `username` (any case), or an error that says how to list users.
pub async fn find_user(store: &dyn Store, username: &str) -> anyhow::Result<User> {
    store
        .user_by_username(username.trim())
        .await
        .context("cannot read the users")?
        .with_context(|| format!("no user '{username}'; `steward user list` lists them"))
}

/// A user as the command line shows it and the audit trail keeps it: never the password hash,
/// only whether there is one.
#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    #[serde(flatten)]
    pub user: &'a User,
    pub has_password: bool,
}

impl<'a> UserView<'a> {
    pub fn new(user: &'a User) -> Self {
        UserView { user, has_password: user.password_hash.is_some() }
    }

    pub fn json(user: &User) -> Option<serde_json::Value> {
        serde_json::to_value(UserView::new(user)).ok()
    }
}

/// `environment_admin` needs environments; other roles take none.
pub fn check_environments(role: Role, environments: &[String]) -> anyhow::Result<()> {
    match (role, environments.is_empty()) {
        (Role::EnvironmentAdmin, true) => {
            anyhow::bail!(
                "the role environment_admin needs at least one --environment ID (the environments administered)"
            )
        }
        (Role::EnvironmentAdmin, false) | (_, true) => Ok(()),
        (other, false) => {
            anyhow::bail!("--environment applies only to the role environment_admin, not {other}")
        }
    }
}

/// Warn about environments the database does not know (yet): a typo, or not synced so far.
pub async fn warn_unknown_environments(store: &dyn Store, environments: &[String]) -> anyhow::Result<()> {
    for id in environments {
        if store.get_environment(id).await.context("cannot read the environments")?.is_none() {
            eprintln!("note: environment '{id}' is not in the database (yet); check the id, or sync first");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_with_the_list_in_the_error() {
        assert_eq!(parse_role("Admin"), Ok(Role::Admin));
        assert_eq!(parse_role("environment_admin"), Ok(Role::EnvironmentAdmin));
        let err = parse_role("owner").unwrap_err();
        assert!(err.contains("admin, environment_admin, maker, viewer"), "{err}");
    }

    #[test]
    fn only_environment_admins_take_environments() {
        let envs = vec!["env-1".to_string()];
        assert!(check_environments(Role::EnvironmentAdmin, &envs).is_ok());
        assert!(check_environments(Role::EnvironmentAdmin, &[]).is_err());
        assert!(check_environments(Role::Maker, &envs).is_err());
        assert!(check_environments(Role::Viewer, &[]).is_ok());
    }

    #[test]
    fn the_actor_names_the_command_line() {
        assert!(actor().starts_with("cli:"));
    }
}
