//! Accounts, sessions, API tokens and the audit trail: uniqueness rules, case-insensitive
//! usernames, session expiry, token revocation, and audit paging newest first with filters.

use super::*;
use crate::StoreError;
use crate::auth::{ApiToken, AuditEntry, AuditQuery, Session, User};
use std::sync::Arc;
use steward_model::{Role, Timestamp};

fn user(id: &str, username: &str, role: Role) -> User {
    User {
        id: id.into(),
        username: username.into(),
        display_name: format!("{} Example", username.to_uppercase()),
        email: Some(format!("{username}@example.com")),
        role,
        environments: Vec::new(),
        principal_id: None,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into()),
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: at(2026, 3, 1, 9, 0, 0, 125),
        updated_at: at(2026, 3, 1, 9, 0, 0, 125),
    }
}

fn session(id_hash: &str, user_id: &str, expires_at: Timestamp) -> Session {
    Session {
        id_hash: id_hash.into(),
        user_id: user_id.into(),
        csrf_token: format!("csrf-{id_hash}"),
        created_at: at(2026, 3, 1, 10, 0, 0, 0),
        expires_at,
        last_seen_at: at(2026, 3, 1, 10, 0, 0, 0),
    }
}

fn token(id: &str, user_id: &str, hash: &str, created_at: Timestamp) -> ApiToken {
    ApiToken {
        id: id.into(),
        name: format!("{id} for CI"),
        token_hash: hash.into(),
        user_id: user_id.into(),
        role: Role::Viewer,
        created_at,
        expires_at: Some(at(2027, 1, 1, 0, 0, 0, 0)),
        last_used_at: None,
        revoked_at: None,
    }
}

fn entry(minute: u32, actor: &str, action: &str, target: &str) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: at(2026, 3, 2, 8, minute, 0, 7),
        actor: actor.into(),
        action: action.into(),
        target: target.into(),
        before: minute.is_multiple_of(2).then(|| serde_json::json!({ "state": "open", "n": minute })),
        after: Some(serde_json::json!({ "state": "closed", "by": actor, "list": [1, 2, minute] })),
        via: if actor.starts_with("cli:") { "cli" } else { "ui" }.into(),
    }
}

async fn get_user(store: &Arc<dyn Store>, id: &str) -> User {
    store.get_user(id).await.expect("get_user").unwrap_or_else(|| panic!("user {id} exists"))
}

fn assert_conflict(result: crate::Result<()>, what: &str) {
    match result {
        Err(StoreError::Conflict(message)) => assert!(!message.is_empty(), "{what}: the conflict says what clashed"),
        other => panic!("{what}: expected a Conflict error, got {other:?}"),
    }
}

pub async fn case_auth_users_unique_and_case_insensitive(store: Arc<dyn Store>) {
    assert!(store.list_users().await.expect("list_users").is_empty());
    assert!(store.get_user("nobody").await.expect("get_user").is_none(), "unknown id is None, not an error");
    assert!(store.user_by_username("nobody").await.expect("user_by_username").is_none());

    let mut ann = user("u-ann", "ann", Role::Admin);
    ann.principal_id = Some("p-ann".into());
    store.create_user(&ann).await.expect("create ann");
    assert_eq!(get_user(&store, "u-ann").await, ann, "a user round-trips field by field");

    let mut bob = user("u-bob", "bob", Role::EnvironmentAdmin);
    bob.environments = vec!["env-b".into(), "env-a".into()];
    bob.email = None;
    bob.password_hash = None;
    bob.oidc_issuer = Some("https://login.example/tenant/v2.0".into());
    bob.oidc_subject = Some("sub-bob".into());
    store.create_user(&bob).await.expect("create bob");
    assert_eq!(get_user(&store, "u-bob").await, bob, "environments keep their order, OIDC-only has no hash");

    for name in ["ANN", "Ann", "ann"] {
        let found = store.user_by_username(name).await.expect("user_by_username");
        assert_eq!(found.map(|u| u.id), Some("u-ann".to_string()), "username lookup ignores case ({name})");
    }
    let by_oidc = store.user_by_oidc("https://login.example/tenant/v2.0", "sub-bob").await.expect("user_by_oidc");
    assert_eq!(by_oidc.map(|u| u.id), Some("u-bob".to_string()));
    assert!(store.user_by_oidc("https://other.example", "sub-bob").await.expect("user_by_oidc").is_none());

    // Duplicates: the name in another case, the same OIDC identity, the same id.
    assert_conflict(store.create_user(&user("u-ann2", "ANN", Role::Viewer)).await, "a username differing in case");
    let mut bob2 = user("u-bob2", "robert", Role::Viewer);
    bob2.oidc_issuer = bob.oidc_issuer.clone();
    bob2.oidc_subject = bob.oidc_subject.clone();
    assert_conflict(store.create_user(&bob2).await, "a second user with the same OIDC identity");
    assert_conflict(store.create_user(&user("u-ann", "anna", Role::Viewer)).await, "a second user with the same id");
    let mut half = user("u-half", "half", Role::Viewer);
    half.oidc_issuer = Some("https://login.example".into());
    assert!(
        matches!(store.create_user(&half).await, Err(StoreError::InvalidQuery(_))),
        "an OIDC issuer without a subject is refused"
    );

    store.create_user(&user("u-cid", "cid", Role::Viewer)).await.expect("create cid");
    let names: Vec<String> = store.list_users().await.expect("list_users").into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["ann", "bob", "cid"], "refused users are not stored; users list by username");

    // Update: every field but created_at; renaming onto a taken name is a conflict.
    let mut changed = get_user(&store, "u-cid").await;
    changed.display_name = "Cid Changed".into();
    changed.role = Role::Maker;
    changed.disabled = true;
    changed.password_hash = None;
    changed.principal_id = Some("p-cid".into());
    changed.updated_at = at(2026, 3, 5, 12, 0, 0, 999);
    store.update_user(&changed).await.expect("update cid");
    assert_eq!(get_user(&store, "u-cid").await, changed);
    changed.username = "Bob".into();
    assert_conflict(store.update_user(&changed).await, "renaming a user onto a taken username");
    changed.username = "CID".into();
    store.update_user(&changed).await.expect("a user may change the case of their own name");

    match store.update_user(&user("u-ghost", "ghost", Role::Viewer)).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("updating a missing user must be NotFound, got {other:?}"),
    }
    assert!(store.user_by_username("ghost").await.expect("user_by_username").is_none(), "update never creates");
}

pub async fn case_auth_sessions_expire_and_end(store: Arc<dyn Store>) {
    store.create_user(&user("u-ann", "ann", Role::Admin)).await.expect("create ann");
    store.create_user(&user("u-bob", "bob", Role::Viewer)).await.expect("create bob");
    assert!(store.get_session("missing").await.expect("get_session").is_none());

    let early = at(2026, 3, 1, 12, 0, 0, 0);
    let late = at(2026, 3, 8, 12, 0, 0, 0);
    let s1 = session("h1", "u-ann", early);
    store.create_session(&s1).await.expect("create h1");
    store.create_session(&session("h2", "u-ann", late)).await.expect("create h2");
    store.create_session(&session("h3", "u-bob", early)).await.expect("create h3");
    store.create_session(&session("h4", "u-bob", late)).await.expect("create h4");
    assert_eq!(store.get_session("h1").await.expect("get_session"), Some(s1.clone()), "a session round-trips");
    match store.create_session(&session("h5", "u-nobody", late)).await {
        Err(StoreError::NotFound { what: "user", .. }) => {}
        other => panic!("a session of an unknown user must be NotFound (user), got {other:?}"),
    }

    // Touching moves the expiry: h1 no longer expires early.
    let seen = at(2026, 3, 1, 11, 30, 0, 250);
    store.touch_session("h1", seen, late).await.expect("touch_session");
    store.touch_session("missing", seen, late).await.expect("touching an unknown session is harmless");
    let touched = store.get_session("h1").await.expect("get_session").expect("h1 exists");
    assert_eq!((touched.last_seen_at, touched.expires_at), (seen, late));
    assert_eq!((touched.created_at, touched.csrf_token.as_str()), (s1.created_at, "csrf-h1"), "the rest stays");

    // Expiry at exactly `now` counts as expired.
    assert_eq!(store.purge_expired_sessions(early).await.expect("purge"), 1, "only h3 expired at {early}");
    assert!(store.get_session("h3").await.expect("get_session").is_none());
    assert!(store.get_session("h1").await.expect("get_session").is_some(), "a touched session survives");
    assert_eq!(store.purge_expired_sessions(early).await.expect("purge"), 0, "purging twice deletes nothing more");

    assert_eq!(store.delete_user_sessions("u-ann").await.expect("delete_user_sessions"), 2);
    assert!(store.get_session("h2").await.expect("get_session").is_none());
    assert_eq!(store.delete_user_sessions("u-ann").await.expect("delete_user_sessions"), 0);
    store.delete_session("h4").await.expect("delete_session");
    store.delete_session("h4").await.expect("deleting an unknown session is harmless");
    assert!(store.get_session("h4").await.expect("get_session").is_none());
}

pub async fn case_auth_api_tokens_revoke_and_touch(store: Arc<dyn Store>) {
    store.create_user(&user("u-ann", "ann", Role::Admin)).await.expect("create ann");
    store.create_user(&user("u-bob", "bob", Role::Maker)).await.expect("create bob");
    assert!(store.api_token_by_hash("nothing").await.expect("api_token_by_hash").is_none());
    assert!(store.list_api_tokens(None).await.expect("list_api_tokens").is_empty());

    let mut t1 = token("t1", "u-ann", "hash1", at(2026, 3, 1, 9, 0, 0, 0));
    t1.role = Role::Admin;
    t1.expires_at = None;
    let t2 = token("t2", "u-bob", "hash2", at(2026, 3, 1, 8, 0, 0, 0));
    let t3 = token("t3", "u-ann", "hash3", at(2026, 3, 2, 9, 0, 0, 0));
    for t in [&t1, &t2, &t3] {
        store.create_api_token(t).await.unwrap_or_else(|e| panic!("create {}: {e}", t.id));
    }
    assert_eq!(store.api_token_by_hash("hash1").await.expect("api_token_by_hash"), Some(t1.clone()));
    let (found, owner) = store.api_token_and_user("hash1").await.expect("api_token_and_user").expect("t1 and ann");
    assert_eq!((found, owner.username.as_str()), (t1.clone(), "ann"));
    assert!(store.api_token_and_user("nothing").await.expect("api_token_and_user").is_none());
    assert_conflict(
        store.create_api_token(&token("t4", "u-ann", "hash1", at(2026, 3, 3, 9, 0, 0, 0))).await,
        "a second token with the same hash",
    );

    match store.create_api_token(&token("t5", "u-nobody", "hash5", at(2026, 3, 3, 9, 0, 0, 0))).await {
        Err(StoreError::NotFound { what: "user", .. }) => {}
        other => panic!("a token of an unknown user must be NotFound (user), got {other:?}"),
    }

    let ids = |tokens: Vec<ApiToken>| tokens.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_api_tokens(None).await.expect("list")), ["t2", "t1", "t3"], "by creation time");
    assert_eq!(ids(store.list_api_tokens(Some("u-ann")).await.expect("list")), ["t1", "t3"]);
    assert!(store.list_api_tokens(Some("u-nobody")).await.expect("list").is_empty());

    let used = at(2026, 3, 4, 7, 0, 0, 31);
    store.touch_api_token("t2", used).await.expect("touch_api_token");
    store.touch_api_token("missing", used).await.expect("touching an unknown token is harmless");
    let t2_now = store.api_token_by_hash("hash2").await.expect("api_token_by_hash").expect("t2 exists");
    assert_eq!(t2_now.last_used_at, Some(used));
    assert!(t2_now.is_usable(used));

    let revoked_at = at(2026, 3, 5, 0, 0, 0, 0);
    let revoked = store.revoke_api_token("t2", revoked_at).await.expect("revoke t2");
    assert_eq!((revoked.id.as_str(), revoked.revoked_at, revoked.last_used_at), ("t2", Some(revoked_at), Some(used)));
    assert!(!revoked.is_usable(revoked_at));
    let again = store.revoke_api_token("t2", at(2026, 3, 6, 0, 0, 0, 0)).await.expect("revoke t2 again");
    assert_eq!(again.revoked_at, Some(revoked_at), "revoking twice keeps the first time");
    let by_hash = store.api_token_by_hash("hash2").await.expect("api_token_by_hash").expect("t2 still stored");
    assert_eq!(by_hash.revoked_at, Some(revoked_at), "a revoked token is still found (the caller refuses it)");
    assert!(store.api_token_by_hash("hash1").await.expect("lookup").expect("t1").revoked_at.is_none());
    match store.revoke_api_token("missing", revoked_at).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("revoking a missing token must be NotFound, got {other:?}"),
    }
}

pub async fn case_auth_audit_pages_newest_first_with_filters(store: Arc<dyn Store>) {
    let empty = store.list_audit(&AuditQuery { limit: 10, ..AuditQuery::default() }).await.expect("list_audit");
    assert!(empty.is_empty());

    // 30 entries: three actors, actions of two families (one with a LIKE wildcard in its name).
    let mut appended = Vec::new();
    for i in 0..30u32 {
        let actor = ["ann", "bob", "cli:root"][(i % 3) as usize];
        let action = match i % 4 {
            0 => "exemption.add",
            1 => "exemption.revoke",
            2 => "user.add",
            _ => "user_x.add",
        };
        let target = format!("resource:r-{:02}", i % 5);
        let mut e = entry(i, actor, action, &target);
        e.id = 999_999; // ignored on insert
        let id = store.append_audit(&e).await.expect("append_audit");
        e.id = id;
        appended.push(e);
    }
    let ids: Vec<i64> = appended.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase in append order: {ids:?}");

    // Paging newest first until the end, 7 at a time, covers every entry once.
    let mut seen = Vec::new();
    let mut before_id = None;
    loop {
        let page =
            store.list_audit(&AuditQuery { before_id, limit: 7, ..AuditQuery::default() }).await.expect("list_audit");
        assert!(page.len() <= 7);
        if page.is_empty() {
            break;
        }
        before_id = page.last().map(|e| e.id);
        seen.extend(page);
    }
    let mut expected = appended.clone();
    expected.reverse();
    assert_eq!(seen, expected, "pages are newest first, entries round-trip (before/after JSON, times)");

    let check = |query: AuditQuery| {
        let store = store.clone();
        let mut want: Vec<AuditEntry> = appended.iter().filter(|e| query.matches(e)).cloned().collect();
        want.reverse();
        want.truncate(query.effective_limit() as usize);
        async move {
            let got = store.list_audit(&query).await.unwrap_or_else(|e| panic!("list_audit {query:?}: {e}"));
            assert_eq!(got, want, "list_audit {query:?}");
            got.len()
        }
    };
    let q = |f: fn(&mut AuditQuery)| {
        let mut query = AuditQuery { limit: 100, ..AuditQuery::default() };
        f(&mut query);
        query
    };
    assert_eq!(check(q(|q| q.actor = Some("bob".into()))).await, 10);
    assert_eq!(check(q(|q| q.target = Some("resource:r-03".into()))).await, 6);
    assert_eq!(check(q(|q| q.action_prefix = Some("exemption.".into()))).await, 16);
    // `_` is literal: "user_" matches user_x.add only, not user.add.
    assert_eq!(check(q(|q| q.action_prefix = Some("user_".into()))).await, 7);
    assert_eq!(check(q(|q| q.since = Some(at(2026, 3, 2, 8, 25, 0, 7)))).await, 5, "since is inclusive");
    let combined = q(|q| {
        q.actor = Some("ann".into());
        q.action_prefix = Some("exemption".into());
        q.since = Some(at(2026, 3, 2, 8, 3, 0, 0));
        q.limit = 2;
    });
    assert_eq!(check(combined.clone()).await, 2);
    let first = store.list_audit(&combined).await.expect("list_audit");
    let rest = AuditQuery { before_id: first.last().map(|e| e.id), ..combined };
    assert_eq!(check(rest).await, 2, "filters and paging combine");
    assert_eq!(check(q(|q| q.actor = Some("nobody".into()))).await, 0);
    assert_eq!(check(AuditQuery::default()).await, 30, "limit 0 means the default page size");
}
