//! `steward token …`: API tokens — create (the token is printed once), list, revoke. A token
//! acts for its user with a role no higher than the user's. Every change lands in the audit
//! trail (via `cli`, actor `cli:$USER`).

use super::accounts::{find_user, parse_role, record};
use anyhow::Context;
use std::collections::HashMap;
use steward_model::{Role, Timestamp};
use steward_store::Store;
use steward_store::auth::ApiToken;

/// The longest expiry `--expires-days` takes (ten years).
const MAX_EXPIRES_DAYS: u32 = 3650;

const TOKEN_HELP: &str = "\
A token is sent as `Authorization: Bearer TOKEN` to /api/v1. Steward keeps only its SHA-256:
the token is shown once, when it is created. Guide: docs/security.md.";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = TOKEN_HELP)]
pub enum TokenCommand {
    /// Create a token for a user and print it (once) on standard output.
    Create {
        /// The user the token acts for.
        #[arg(long, value_name = "USERNAME")]
        user: String,
        /// What the token is for (shown in lists).
        #[arg(long, value_name = "NAME")]
        name: String,
        /// admin, environment_admin, maker or viewer; at most the user's role (the default).
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: Option<Role>,
        /// Days until it expires (default: never).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_EXPIRES_DAYS)))]
        expires_days: Option<u32>,
    },
    /// List tokens (of one user with --user), without their values.
    List {
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: it is refused from now on.
    Revoke {
        /// The token id (`steward token list` shows it).
        id: String,
    },
}

pub async fn run(cmd: TokenCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match cmd {
        TokenCommand::Create { user, name, role, expires_days } => create(store, &user, name, role, expires_days).await,
        TokenCommand::List { user, json } => list(store, user.as_deref(), json).await,
        TokenCommand::Revoke { id } => revoke(store, &id).await,
    }
}

async fn create(
    store: &dyn Store,
    username: &str,
    name: String,
    role: Option<Role>,
    expires_days: Option<u32>,
) -> anyhow::Result<()> {
    let owner = find_user(store, username).await?;
    if owner.disabled {
        anyhow::bail!("user {} is disabled; enable them first (`steward user enable {0}`)", owner.username);
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        anyhow::bail!("give the token a --name that says what it is for");
    }
    let role = role.unwrap_or(owner.role);
    if !owner.role.includes(role) {
        anyhow::bail!(
            "a token cannot have more rights than its user: {} has the role {}, so the token can have at most that, \
             not {role}",
            owner.username,
            owner.role
        );
    }
    let now = chrono::Utc::now();
    let expires_at = expires_days.map(|days| now + chrono::Duration::days(i64::from(days)));
    let (plain, hash) = steward_credentials::new_token();
    let token = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        token_hash: hash,
        user_id: owner.id.clone(),
        role,
        created_at: now,
        expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    store.create_api_token(&token).await.context("the token was not created")?;
    let after = serde_json::json!({ "token": &token, "user": owner.username });
    record(store, "token.create", format!("token:{}", token.id), None, Some(after)).await?;
    println!("{plain}");
    eprintln!(
        "created API token {} ('{}') for {}, role {role}, {}. It is shown only this once: store it now. \
         Send it as `Authorization: Bearer TOKEN`.",
        token.id,
        token.name,
        owner.username,
        expiry(token.expires_at)
    );
    Ok(())
}

async fn list(store: &dyn Store, username: Option<&str>, json: bool) -> anyhow::Result<()> {
    let users = store.list_users().await.context("cannot list the users")?;
    let names: HashMap<&str, &str> = users.iter().map(|u| (u.id.as_str(), u.username.as_str())).collect();
    let user_id = match username {
        Some(name) => Some(find_user(store, name).await?.id),
        None => None,
    };
    let tokens = store.list_api_tokens(user_id.as_deref()).await.context("cannot list the API tokens")?;
    if json {
        let rows: Vec<serde_json::Value> = tokens
            .iter()
            .map(|t| {
                let mut row = serde_json::to_value(t).unwrap_or_default();
                if let Some(map) = row.as_object_mut() {
                    map.insert("username".into(), names.get(t.user_id.as_str()).copied().unwrap_or("").into());
                }
                row
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if tokens.is_empty() {
        println!("no API tokens; create one with `steward token create --user NAME --name PURPOSE`");
        return Ok(());
    }
    let now = chrono::Utc::now();
    println!(
        "{:<36}  {:<8} {:<20} {:<18} {:<24} {:<12} {:<12} NAME",
        "ID", "STATE", "USER", "ROLE", "CREATED", "EXPIRES", "LAST USED"
    );
    for t in &tokens {
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_usable(now) {
            "active"
        } else {
            "expired"
        };
        println!(
            "{:<36}  {:<8} {:<20} {:<18} {:<24} {:<12} {:<12} {}",
            t.id,
            state,
            names.get(t.user_id.as_str()).copied().unwrap_or("?"),
            t.role.as_str(),
            t.created_at.format("%Y-%m-%d %H:%M UTC"),
            t.expires_at.map_or_else(|| "never".into(), |e| e.format("%Y-%m-%d").to_string()),
            t.last_used_at.map_or_else(|| "never".into(), |e| e.format("%Y-%m-%d").to_string()),
            t.name
        );
    }
    Ok(())
}

async fn revoke(store: &dyn Store, id: &str) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let before = store
        .list_api_tokens(None)
        .await
        .context("cannot list the API tokens")?
        .into_iter()
        .find(|t| t.id == id.trim())
        .with_context(|| format!("no API token '{id}'; `steward token list` lists them"))?;
    if let Some(at) = before.revoked_at {
        println!("API token {} ('{}') was already revoked on {}; nothing changed", before.id, before.name, day(at));
        return Ok(());
    }
    let after = store.revoke_api_token(&before.id, now).await.context("the token was not revoked")?;
    let (before_json, after_json) = (serde_json::to_value(&before).ok(), serde_json::to_value(&after).ok());
    record(store, "token.revoke", format!("token:{}", after.id), before_json, after_json).await?;
    println!("API token {} ('{}') revoked; it is refused from now on", after.id, after.name);
    Ok(())
}

fn expiry(expires_at: Option<Timestamp>) -> String {
    expires_at.map_or_else(|| "never expires".into(), |e| format!("expires {}", day(e)))
}

fn day(t: Timestamp) -> String {
    t.format("%Y-%m-%d").to_string()
}
