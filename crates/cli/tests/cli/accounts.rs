//! `steward user …` and `steward token …` on a real SQLite file: the first admin, passwords
//! from standard input (hashed, never shown), clear errors for a taken username, an unknown
//! role or a missing environment, tokens printed once and stored hashed, capped at the user's
//! role, revoked (also when the user's role drops), and an audit entry for every change.

use crate::support::steward;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use steward_store::Store;
use steward_store::auth::AuditQuery;
use steward_store_sqlite::SqliteStore;

const PASSWORD: &str = "correct horse battery";

fn cmd(db: &str, args: &[&str]) -> Command {
    let mut c = steward();
    c.env("USER", "tester").args(["--db", db]).args(args);
    c
}

/// Run with `input` on standard input (a pipe, never a terminal).
fn run(mut c: Command, input: &str) -> Output {
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("runs");
    child.stdin.take().expect("piped").write_all(input.as_bytes()).expect("stdin written");
    child.wait_with_output().expect("finishes")
}

fn ok(c: Command, input: &str) -> String {
    let out = run(c, input);
    assert!(
        out.status.success(),
        "failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(c: Command, input: &str) -> String {
    let out = run(c, input);
    assert!(!out.status.success(), "should fail; stdout: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn store(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(&path.display().to_string()).expect("the database opens");
    store.migrate().await.expect("the database migrates");
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tokens_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.db");
    let db = format!("sqlite://{}", file.display());

    // The first admin, the password on standard input; a maker with the password piped in
    // without the flag.
    let out = ok(cmd(&db, &["user", "add", "Ann", "--admin", "--password-stdin"]), &format!("{PASSWORD}\n"));
    assert!(out.contains("user ann created: role admin"), "{out}");
    let out = ok(
        cmd(&db, &["user", "add", "bob", "--role", "maker", "--display-name", "Bob B", "--principal", "p-bob"]),
        "another long passphrase\r\n",
    );
    assert!(out.contains("user bob created: role maker"), "{out}");

    // Clear errors.
    let err = fails(cmd(&db, &["user", "add", "ANN", "--role", "viewer", "--no-password"]), "");
    assert!(err.contains("'ann' already exists"), "a duplicate names the username: {err}");
    let err = fails(cmd(&db, &["user", "add", "carl", "--role", "owner", "--no-password"]), "");
    assert!(err.contains("unknown role 'owner'") && err.contains("admin, environment_admin, maker, viewer"), "{err}");
    let err = fails(cmd(&db, &["user", "add", "dora", "--role", "environment_admin", "--no-password"]), "");
    assert!(err.contains("needs at least one --environment"), "{err}");
    let err = fails(cmd(&db, &["user", "add", "erin", "--password-stdin"]), "short\n");
    assert!(err.contains("at least 12 characters"), "{err}");
    let err = fails(cmd(&db, &["user", "add", "fay lee", "--no-password"]), "");
    assert!(err.contains("username 'fay lee' is not valid"), "{err}");
    let out = ok(
        cmd(&db, &["user", "add", "gil", "--role", "environment_admin", "--environment", "env-1", "--no-password"]),
        "",
    );
    assert!(out.contains("role environment_admin for env-1") && out.contains("OIDC sign-in only"), "{out}");

    // Lists: JSON without any hash, and a table.
    let list = ok(cmd(&db, &["user", "list", "--json"]), "");
    assert!(!list.contains("password_hash") && !list.contains("$argon2"), "no hash is ever printed: {list}");
    let users = json(&list);
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["ann", "bob", "gil"]);
    assert_eq!((users[0]["role"].as_str(), users[0]["has_password"].as_bool()), (Some("admin"), Some(true)));
    assert_eq!((users[1]["display_name"].as_str(), users[1]["principal_id"].as_str()), (Some("Bob B"), Some("p-bob")));
    assert_eq!(users[2]["has_password"].as_bool(), Some(false));
    let table = ok(cmd(&db, &["user", "list"]), "");
    assert!(table.contains("ann") && table.contains("environment_admin") && table.contains("env-1"), "{table}");

    {
        let store = store(&file).await;
        let ann = store.user_by_username("ann").await.unwrap().unwrap();
        let phc = ann.password_hash.expect("ann has a password");
        assert!(steward_credentials::verify_password(PASSWORD, &phc), "the piped password is what was hashed");
        let bob = store.user_by_username("bob").await.unwrap().unwrap();
        assert!(steward_credentials::verify_password("another long passphrase", &bob.password_hash.unwrap()));
    }

    // Tokens: printed once on stdout, stored as a hash, never above the user's role.
    let token = ok(cmd(&db, &["token", "create", "--user", "bob", "--name", "ci", "--expires-days", "30"]), "");
    let token = token.trim();
    assert_eq!(token.len(), 43, "stdout is the token alone: {token}");
    let err = fails(cmd(&db, &["token", "create", "--user", "bob", "--name", "x", "--role", "admin"]), "");
    assert!(err.contains("cannot have more rights than its user") && err.contains("maker"), "{err}");
    let viewer_token = ok(cmd(&db, &["token", "create", "--user", "bob", "--name", "board", "--role", "viewer"]), "");
    let tokens = json(&ok(cmd(&db, &["token", "list", "--user", "bob", "--json"]), ""));
    let tokens = tokens.as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(tokens.iter().all(|t| t["username"] == "bob" && t.get("token_hash").is_none()), "{tokens:?}");
    let ci_id = {
        let store = store(&file).await;
        let stored = store.api_token_by_hash(&steward_credentials::hash_token(token)).await.unwrap().unwrap();
        assert_eq!((stored.name.as_str(), stored.role.as_str()), ("ci", "maker"));
        assert!(stored.expires_at.is_some());
        let board = store.api_token_by_hash(&steward_credentials::hash_token(viewer_token.trim())).await.unwrap();
        assert_eq!(board.map(|t| t.role.as_str()), Some("viewer"));
        stored.id
    };
    let out = ok(cmd(&db, &["token", "revoke", &ci_id]), "");
    assert!(out.contains("revoked"), "{out}");
    let out = ok(cmd(&db, &["token", "revoke", &ci_id]), "");
    assert!(out.contains("already revoked"), "{out}");
    let err = fails(cmd(&db, &["token", "revoke", "no-such-token"]), "");
    assert!(err.contains("no API token 'no-such-token'"), "{err}");
    let table = ok(cmd(&db, &["token", "list"]), "");
    assert!(table.contains("revoked") && table.contains("active") && table.contains("board"), "{table}");

    // Account changes.
    let err = fails(cmd(&db, &["user", "disable", "ann"]), "");
    assert!(err.contains("last enabled admin"), "{err}");
    // Dropping bob to viewer revokes his maker token, not the viewer one.
    let deploy = ok(cmd(&db, &["token", "create", "--user", "bob", "--name", "deploy"]), "");
    let out = ok(cmd(&db, &["user", "role", "bob", "viewer"]), "");
    assert!(out.contains("now has role viewer") && out.contains("('deploy', role maker)"), "{out}");
    assert!(!out.contains("board"), "{out}");
    ok(cmd(&db, &["user", "disable", "bob"]), "");
    ok(cmd(&db, &["user", "passwd", "bob", "--password-stdin"]), "a brand new passphrase\n");
    ok(cmd(&db, &["user", "enable", "bob"]), "");
    let err = fails(cmd(&db, &["user", "role", "nobody", "maker"]), "");
    assert!(err.contains("no user 'nobody'"), "{err}");

    let store = store(&file).await;
    let bob = store.user_by_username("bob").await.unwrap().unwrap();
    assert_eq!((bob.role.as_str(), bob.disabled), ("viewer", false));
    assert!(steward_credentials::verify_password("a brand new passphrase", &bob.password_hash.unwrap()));

    // Every change is in the audit trail, by the command line, never with a hash.
    let entries = store.list_audit(&AuditQuery { limit: 100, ..AuditQuery::default() }).await.unwrap();
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.create",
            "user.create",
            "token.create",
            "token.create",
            "token.revoke",
            "token.create",
            "user.update",
            "token.revoke",
            "user.disable",
            "user.passwd",
            "user.enable",
        ],
        "one entry per change; refused commands and no-ops write none"
    );
    let revoked_deploy = &entries[entries.len() - 9];
    let deploy_stored =
        store.api_token_by_hash(&steward_credentials::hash_token(deploy.trim())).await.unwrap().unwrap();
    assert_eq!(revoked_deploy.target, format!("token:{}", deploy_stored.id));
    assert!(deploy_stored.revoked_at.is_some());
    assert_eq!(entries[entries.len() - 1].target, "user:ann");
    assert_eq!(entries[entries.len() - 6].target, format!("token:{ci_id}"));
    assert!(entries.iter().all(|e| e.actor == "cli:tester" && e.via == "cli"));
    let all = serde_json::to_string(&entries).unwrap();
    assert!(!all.contains("$argon2") && !all.contains(token), "the trail holds no hash and no token");
    let update = entries.iter().find(|e| e.action == "user.update").unwrap();
    assert_eq!(update.before.as_ref().unwrap()["role"], "maker");
    assert_eq!(update.after.as_ref().unwrap()["role"], "viewer");
}
