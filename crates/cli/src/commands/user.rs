//! `steward user …`: local accounts — add, list, disable and enable, set a password, change a
//! role. Every change lands in the audit trail (via `cli`, actor `cli:$USER`).

use super::accounts::{UserView, check_environments, find_user, parse_role, record, warn_unknown_environments};
use anyhow::Context;
use std::io::{BufRead, IsTerminal};
use steward_model::Role;
use steward_store::Store;
use steward_store::auth::{User, normalize_username};

const USER_HELP: &str = "\
Roles: admin (everything, including users, tokens and the audit trail), environment_admin
(the environments given with --environment), maker (own resources), viewer (reads
everything). Passwords are read from standard input (--password-stdin, or whenever input is
not a terminal), never from the command line. Guide: docs/security.md.";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = USER_HELP)]
pub enum UserCommand {
    /// Create a local account (the first admin: `steward user add NAME --admin --password-stdin`).
    Add {
        /// Sign-in name: letters, digits, '.', '_', '-', '@'; stored lowercase.
        username: String,
        /// Make the user a platform admin (the same as --role admin).
        #[arg(long, conflicts_with = "role")]
        admin: bool,
        /// admin, environment_admin, maker or viewer (default: viewer).
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: Option<Role>,
        /// An environment an environment_admin administers; repeat for several.
        #[arg(long = "environment", value_name = "ID")]
        environments: Vec<String>,
        /// The name shown in the UI (default: the username).
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// The inventory principal (Entra object id) this user is: what "own resources" means.
        #[arg(long = "principal", value_name = "ID")]
        principal_id: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, conflicts_with = "no_password")]
        password_stdin: bool,
        /// No password: the user signs in through OpenID Connect only.
        #[arg(long)]
        no_password: bool,
    },
    /// List the users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a user signing in (and end their sessions); nothing is deleted.
    Disable { username: String },
    /// Let a disabled user sign in again.
    Enable { username: String },
    /// Set a user's password (ends their sessions).
    Passwd {
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role; API tokens above the new role are revoked.
    Role {
        username: String,
        /// admin, environment_admin, maker or viewer.
        #[arg(value_parser = parse_role)]
        role: Role,
        /// An environment an environment_admin administers; repeat for several.
        #[arg(long = "environment", value_name = "ID")]
        environments: Vec<String>,
    },
}

pub async fn run(cmd: UserCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match cmd {
        UserCommand::Add {
            username,
            admin,
            role,
            environments,
            display_name,
            email,
            principal_id,
            password_stdin,
            no_password,
        } => {
            let role = if admin { Role::Admin } else { role.unwrap_or(Role::Viewer) };
            let new = NewUser { username, role, environments, display_name, email, principal_id };
            let password = if no_password { None } else { Some(read_password(password_stdin)?) };
            add(store, new, password).await
        }
        UserCommand::List { json } => list(store, json).await,
        UserCommand::Disable { username } => set_disabled(store, &username, true).await,
        UserCommand::Enable { username } => set_disabled(store, &username, false).await,
        UserCommand::Passwd { username, password_stdin } => {
            let user = find_user(store, &username).await?;
            let password = read_password(password_stdin)?;
            passwd(store, user, &password).await
        }
        UserCommand::Role { username, role, environments } => set_role(store, &username, role, environments).await,
    }
}

struct NewUser {
    username: String,
    role: Role,
    environments: Vec<String>,
    display_name: Option<String>,
    email: Option<String>,
    principal_id: Option<String>,
}

async fn add(store: &dyn Store, new: NewUser, password: Option<String>) -> anyhow::Result<()> {
    let username = normalize_username(&new.username).with_context(|| {
        format!("username '{}' is not valid: use 1 to 128 letters, digits, '.', '_', '-' or '@'", new.username)
    })?;
    check_environments(new.role, &new.environments)?;
    if store.user_by_username(&username).await.context("cannot read the users")?.is_some() {
        anyhow::bail!("a user named '{username}' already exists; `steward user list` lists the users");
    }
    warn_unknown_environments(store, &new.environments).await?;
    let password_hash = match password {
        Some(p) => Some(hash(&p)?),
        None => None,
    };
    let now = chrono::Utc::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: new.display_name.filter(|d| !d.trim().is_empty()).unwrap_or_else(|| username.clone()),
        username,
        email: new.email.filter(|e| !e.trim().is_empty()),
        role: new.role,
        environments: new.environments,
        principal_id: new.principal_id.filter(|p| !p.trim().is_empty()),
        password_hash,
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    store.create_user(&user).await.with_context(|| format!("user '{}' was not created", user.username))?;
    record(store, "user.create", target(&user), None, UserView::json(&user)).await?;
    let how = if user.password_hash.is_some() { "with a password" } else { "without a password (OIDC sign-in only)" };
    println!("user {} created: role {}{}, {how}", user.username, user.role, environments_note(&user));
    Ok(())
}

async fn list(store: &dyn Store, json: bool) -> anyhow::Result<()> {
    let users = store.list_users().await.context("cannot list the users")?;
    if json {
        let views: Vec<UserView<'_>> = users.iter().map(UserView::new).collect();
        println!("{}", serde_json::to_string_pretty(&views)?);
        return Ok(());
    }
    if users.is_empty() {
        println!("no users; create the first admin with `steward user add NAME --admin --password-stdin`");
        return Ok(());
    }
    println!("{:<24} {:<18} {:<9} {:<8} {:<24} ENVIRONMENTS", "USERNAME", "ROLE", "STATE", "SIGN-IN", "DISPLAY NAME");
    for u in &users {
        let state = if u.disabled { "disabled" } else { "active" };
        let sign_in = match (u.password_hash.is_some(), u.oidc_subject.is_some()) {
            (true, true) => "both",
            (true, false) => "password",
            (false, _) => "oidc",
        };
        println!(
            "{:<24} {:<18} {:<9} {:<8} {:<24} {}",
            u.username,
            u.role.as_str(),
            state,
            sign_in,
            u.display_name,
            u.environments.join(", ")
        );
    }
    Ok(())
}

async fn set_disabled(store: &dyn Store, username: &str, disabled: bool) -> anyhow::Result<()> {
    let before = find_user(store, username).await?;
    let verb = if disabled { "disabled" } else { "enabled" };
    if before.disabled == disabled {
        println!("user {} is already {verb}; nothing changed", before.username);
        return Ok(());
    }
    if disabled {
        refuse_losing_last_admin(store, &before).await?;
    }
    let mut user = before.clone();
    user.disabled = disabled;
    user.updated_at = chrono::Utc::now();
    store.update_user(&user).await.with_context(|| format!("user '{}' was not {verb}", user.username))?;
    let ended =
        if disabled { store.delete_user_sessions(&user.id).await.context("ending the user's sessions")? } else { 0 };
    let action = if disabled { "user.disable" } else { "user.enable" };
    record(store, action, target(&user), UserView::json(&before), UserView::json(&user)).await?;
    if disabled {
        println!("user {} disabled; {ended} session(s) ended, API tokens refused while disabled", user.username);
    } else {
        println!("user {} enabled", user.username);
    }
    Ok(())
}

async fn passwd(store: &dyn Store, before: User, password: &str) -> anyhow::Result<()> {
    let mut user = before.clone();
    user.password_hash = Some(hash(password)?);
    user.updated_at = chrono::Utc::now();
    store.update_user(&user).await.with_context(|| format!("the password of '{}' was not changed", user.username))?;
    let ended = store.delete_user_sessions(&user.id).await.context("ending the user's sessions")?;
    record(store, "user.passwd", target(&user), UserView::json(&before), UserView::json(&user)).await?;
    println!("password of {} set; {ended} session(s) ended", user.username);
    Ok(())
}

async fn set_role(store: &dyn Store, username: &str, role: Role, environments: Vec<String>) -> anyhow::Result<()> {
    check_environments(role, &environments)?;
    let before = find_user(store, username).await?;
    if before.role == role && before.environments == environments {
        println!("user {} already has role {role}{}; nothing changed", before.username, environments_note(&before));
        return Ok(());
    }
    if role != Role::Admin {
        refuse_losing_last_admin(store, &before).await?;
    }
    warn_unknown_environments(store, &environments).await?;
    let mut user = before.clone();
    user.role = role;
    user.environments = environments;
    user.updated_at = chrono::Utc::now();
    store.update_user(&user).await.with_context(|| format!("the role of '{}' was not changed", user.username))?;
    record(store, "user.update", target(&user), UserView::json(&before), UserView::json(&user)).await?;
    println!("user {} now has role {role}{}", user.username, environments_note(&user));
    // A token never outranks its owner: revoke those the new role does not include.
    let now = chrono::Utc::now();
    for token in store.list_api_tokens(Some(&user.id)).await.context("cannot list the user's API tokens")? {
        if token.revoked_at.is_none() && !role.includes(token.role) {
            let revoked = store.revoke_api_token(&token.id, now).await.context("revoking an API token")?;
            let (before_json, after_json) = (serde_json::to_value(&token).ok(), serde_json::to_value(&revoked).ok());
            record(store, "token.revoke", format!("token:{}", token.id), before_json, after_json).await?;
            println!("revoked API token {} ('{}', role {}): above the new role", token.id, token.name, token.role);
        }
    }
    Ok(())
}

/// Keep at least one enabled admin, so that someone can still manage users in the UI.
async fn refuse_losing_last_admin(store: &dyn Store, user: &User) -> anyhow::Result<()> {
    if user.role != Role::Admin || user.disabled {
        return Ok(());
    }
    let users = store.list_users().await.context("cannot list the users")?;
    let others = users.iter().filter(|u| u.id != user.id && u.role == Role::Admin && !u.disabled).count();
    if others == 0 {
        anyhow::bail!(
            "{} is the last enabled admin; make another user admin first (`steward user role NAME admin`)",
            user.username
        );
    }
    Ok(())
}

fn target(user: &User) -> String {
    format!("user:{}", user.username)
}

fn environments_note(user: &User) -> String {
    if user.environments.is_empty() { String::new() } else { format!(" for {}", user.environments.join(", ")) }
}

fn hash(password: &str) -> anyhow::Result<String> {
    steward_credentials::check_new_password(password)?;
    Ok(steward_credentials::hash_password(password)?)
}

/// The password, from the first line of standard input: always with --password-stdin, and
/// whenever input is not a terminal. On a terminal it would echo, so that is refused.
fn read_password(password_stdin: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !password_stdin && stdin.is_terminal() {
        anyhow::bail!(
            "the password is read from standard input, and a terminal would show it; pipe it in, e.g. \
             `read -rs PW && printf '%s\\n' \"$PW\" | steward user … --password-stdin` (or --no-password for \
             an account that signs in through OpenID Connect only)"
        );
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        anyhow::bail!("no password on standard input; give one line with the password");
    }
    Ok(password.to_string())
}
