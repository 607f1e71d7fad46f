//! Signing in and staying safe: sessions (rotated at sign-in, expiring, ended at sign-out),
//! API tokens (revocation takes effect at once, roles capped), CSRF and cross-site requests,
//! the sign-in rate limit, redirects that stay on the site, security headers and the audit
//! trail of account changes.

use crate::support::{Account, TestApp, add_token, header, new_user, spawn_app, spawn_with};
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_model::Role;
use steward_store::auth::{AuditQuery, Session, User};

const PASSWORD: &str = "correct horse battery staple";

/// Every `Set-Cookie` of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
}

/// The value a response sets for cookie `name` (empty when it deletes it).
fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    set_cookies(response).iter().find_map(|c| {
        let (pair, _) = c.split_once(';').unwrap_or((c, ""));
        pair.strip_prefix(&format!("{name}=")).map(str::to_string)
    })
}

/// A user with a password, stored directly.
async fn add_password_user(app: &TestApp, username: &str, role: Role) -> User {
    let user = new_user(username, role, Some(PASSWORD));
    app.store.create_user(&user).await.expect("create a user");
    user
}

/// A browser: the sign-in form's double-submit token, then the form.
struct SignIn<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> SignIn<'a> {
    fn new(app: &'a TestApp) -> Self {
        SignIn { app, client: app.anonymous() }
    }

    /// GET /signin: the form token (cookie and hidden field carry the same value).
    async fn form_token(&self) -> String {
        let response = self.client.get(self.app.url("/signin")).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        let token = cookie_value(&response, "steward_signin").expect("the sign-in form sets its cookie");
        let html = response.text().await.expect("page");
        assert!(html.contains(&format!("name=\"csrf\" value=\"{token}\"")), "the form repeats the cookie's token");
        token
    }

    /// POST /signin, optionally with a session cookie the browser already had.
    async fn submit(&self, username: &str, password: &str, next: &str, session: Option<&str>) -> reqwest::Response {
        let token = self.form_token().await;
        let mut cookie = format!("steward_signin={token}");
        if let Some(s) = session {
            cookie.push_str(&format!("; steward_session={s}"));
        }
        let form = [("username", username), ("password", password), ("next", next), ("csrf", token.as_str())];
        self.client.post(self.app.url("/signin")).header("cookie", cookie).form(&form).send().await.expect("send")
    }

    /// Sign in successfully and return the session cookie's value.
    async fn session(&self, username: &str) -> String {
        let response = self.submit(username, PASSWORD, "/", None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in of {username} succeeds");
        cookie_value(&response, "steward_session").expect("a session cookie")
    }
}

/// GET with a session cookie.
async fn get_with_session(app: &TestApp, path: &str, session: &str) -> reqwest::Response {
    app.anonymous()
        .get(app.url(path))
        .header("cookie", format!("steward_session={session}"))
        .send()
        .await
        .expect("send")
}

async fn me(app: &TestApp, session: &str) -> (StatusCode, Value) {
    let response = get_with_session(app, "/api/v1/me", session).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn audit(app: &TestApp, query: AuditQuery) -> Vec<steward_store::auth::AuditEntry> {
    app.store.list_audit(&query).await.expect("list the audit trail")
}

#[tokio::test]
async fn anonymous_requests_get_401_on_the_api_and_the_sign_in_page_elsewhere() {
    let app = spawn_app().await;
    let anonymous = app.anonymous();
    let response = anonymous.get(app.url("/api/v1/resources")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "unauthenticated");

    let response = anonymous.get(app.url("/resources/r-00?tab=usage")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&response, "location"), "/signin?next=%2Fresources%2Fr-00%3Ftab%3Dusage");

    for public in ["/healthz", "/signin"] {
        let response = anonymous.get(app.url(public)).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK, "{public} is public");
    }
    // A POST to a page without a session is refused, not redirected (the form would be lost).
    let response = anonymous.post(app.url("/account/tokens")).form(&[("name", "x")]).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_rotates_the_session_sets_safe_cookie_flags_and_sign_out_ends_it() {
    let app = spawn_app().await;
    let ann = add_password_user(&app, "ann", Role::Maker).await;
    let browser = SignIn::new(&app);

    let response = browser.submit("ANN", PASSWORD, "/compliance", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "usernames are case-insensitive");
    assert_eq!(header(&response, "location"), "/compliance");
    let cookie = set_cookies(&response).into_iter().find(|c| c.starts_with("steward_session=")).expect("cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    let first = cookie_value(&response, "steward_session").expect("session");
    let (status, body) = me(&app, &first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["username"], "ann");
    assert_eq!(body["via"], "session");
    assert!(body["csrf_token"].as_str().is_some_and(|t| t.len() >= 32), "{body}");

    // Signing in again from the same browser: a new id, and the old one is gone.
    let response = browser.submit("ann", PASSWORD, "/", Some(&first)).await;
    let second = cookie_value(&response, "steward_session").expect("session");
    assert_ne!(first, second);
    assert_eq!(me(&app, &first).await.0, StatusCode::UNAUTHORIZED, "the session before sign-in no longer works");
    assert_eq!(me(&app, &second).await.0, StatusCode::OK);
    // The store never holds the cookie value itself.
    let stored = app.store.get_session(&first).await.expect("read");
    assert!(stored.is_none());

    let csrf = me(&app, &second).await.1["csrf_token"].as_str().unwrap_or_default().to_string();
    let response = app
        .anonymous()
        .post(app.url("/signout"))
        .header("cookie", format!("steward_session={second}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(cookie_value(&response, "steward_session").as_deref(), Some(""), "the cookie is cleared");
    assert_eq!(me(&app, &second).await.0, StatusCode::UNAUTHORIZED);

    let target = format!("user:{}", ann.username);
    let actions: Vec<String> = audit(&app, AuditQuery { target: Some(target), ..Default::default() })
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["session.signout", "session.signin", "session.signin"]);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_one_answer_and_disabled_users_none() {
    let app = spawn_app().await;
    add_password_user(&app, "ann", Role::Viewer).await;
    let mut bob = add_password_user(&app, "bob", Role::Viewer).await;
    bob.disabled = true;
    app.store.update_user(&bob).await.expect("disable bob");
    let browser = SignIn::new(&app);

    let wrong = browser.submit("ann", "not the password", "/", None).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(cookie_value(&wrong, "steward_session").is_none());
    let wrong = wrong.text().await.expect("page");
    let unknown = browser.submit("nobody", "not the password", "/", None).await.text().await.expect("page");
    assert!(wrong.contains("unknown username or wrong password"));
    assert!(unknown.contains("unknown username or wrong password"));

    let disabled = browser.submit("bob", PASSWORD, "/", None).await;
    assert_eq!(disabled.status(), StatusCode::UNAUTHORIZED);
    assert!(cookie_value(&disabled, "steward_session").is_none());

    let failed =
        audit(&app, AuditQuery { action_prefix: Some("session.signin_failed".into()), ..Default::default() }).await;
    let actors: Vec<&str> = failed.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(actors, ["bob", "nobody", "ann"]);
    assert_eq!(failed[0].after.as_ref().and_then(|a| a["reason"].as_str()), Some("disabled"));
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_username() {
    let app = spawn_app().await;
    add_password_user(&app, "ann", Role::Viewer).await;
    let browser = SignIn::new(&app);
    for attempt in 0..5 {
        let response = browser.submit("ann", "guess", "/", None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let response = browser.submit("ann", PASSWORD, "/", None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let retry: u64 = header(&response, "retry-after").parse().expect("Retry-After in seconds");
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert!(cookie_value(&response, "steward_session").is_none());
}

#[tokio::test]
async fn sign_in_only_redirects_to_paths_on_this_site() {
    let app = spawn_app().await;
    add_password_user(&app, "ann", Role::Viewer).await;
    let browser = SignIn::new(&app);
    for (next, expected) in [
        ("/resources/r-00", "/resources/r-00"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let response = browser.submit("ann", PASSWORD, next, None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(header(&response, "location"), expected, "next={next}");
    }
    let page = app.anonymous().get(app.url("/signin?next=//evil.example")).send().await.expect("send");
    let html = page.text().await.expect("page");
    assert!(html.contains("name=\"next\" value=\"/\""), "the form keeps only a safe next");
}

#[tokio::test]
async fn expired_and_idle_sessions_are_refused_and_cleared() {
    let app = spawn_app().await;
    let ann = add_password_user(&app, "ann", Role::Viewer).await;
    let (value, id_hash) = steward_credentials::new_token();
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let session = Session {
        id_hash: id_hash.clone(),
        user_id: ann.id.clone(),
        csrf_token: "c".repeat(43),
        created_at: past - chrono::Duration::hours(1),
        expires_at: past,
        last_seen_at: past,
    };
    app.store.create_session(&session).await.expect("create a session");
    let response = get_with_session(&app, "/api/v1/me", &value).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(cookie_value(&response, "steward_session").as_deref(), Some(""), "the browser is told to forget it");
    assert!(app.store.get_session(&id_hash).await.expect("read").is_none(), "the expired session is deleted");

    // A session of a user who was disabled meanwhile ends too.
    let browser = SignIn::new(&app);
    let live = browser.session("ann").await;
    let mut disabled = ann.clone();
    disabled.disabled = true;
    app.store.update_user(&disabled).await.expect("disable");
    assert_eq!(me(&app, &live).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_revoked_token_fails_on_the_next_request() {
    let app = spawn_app().await;
    let viewer = app.client_as(Role::Viewer);
    let response = viewer
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "script", "expires_days": 7 }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("JSON");
    assert_eq!(created["role"], "viewer");
    assert!(created.get("token_hash").is_none(), "hashes never leave the server");
    let token = created["token"].as_str().expect("the token is shown once").to_string();
    let id = created["id"].as_str().expect("id").to_string();
    let script = crate::support::client_with_token(Some(&token));
    assert_eq!(script.get(app.url("/api/v1/me")).send().await.expect("send").status(), StatusCode::OK);

    let response = viewer.post(app.url(&format!("/api/v1/tokens/{id}/revoke"))).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let response = script.get(app.url("/api/v1/me")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&response, "www-authenticate").contains("invalid_token"));

    // Someone else's token is not yours to revoke (and its existence is not revealed).
    let admin_token = &app.account(Role::Admin).token;
    let others = app.client_as(Role::Maker);
    let tokens: Value =
        app.client.get(app.url("/api/v1/tokens")).send().await.expect("send").json().await.expect("JSON");
    let admin_id = tokens["items"][0]["id"].as_str().expect("the admin has a token").to_string();
    let response = others.post(app.url(&format!("/api/v1/tokens/{admin_id}/revoke"))).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let still = crate::support::client_with_token(Some(admin_token));
    assert_eq!(still.get(app.url("/api/v1/me")).send().await.expect("send").status(), StatusCode::OK);
}

#[tokio::test]
async fn tokens_never_outrank_their_owner_or_their_creator() {
    let app = spawn_app().await;
    let maker = app.client_as(Role::Maker);
    let response = maker
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "x", "role": "admin" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // A viewer-scoped token of the admin cannot mint an admin token either.
    let admin = app.account(Role::Admin).user.clone();
    let weak = add_token(app.store.as_ref(), &admin, Role::Viewer).await;
    let weak = crate::support::client_with_token(Some(&weak));
    let response =
        weak.post(app.url("/api/v1/tokens")).json(&json!({ "name": "x", "role": "admin" })).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = weak.get(app.url("/api/v1/users")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "the token's role applies, not the user's");
    // A token keeps the lower of its role and its user's current role.
    let mut demoted = app.account(Role::EnvironmentAdmin).user.clone();
    demoted.role = Role::Viewer;
    app.store.update_user(&demoted).await.expect("demote");
    let response = app
        .client_as(Role::EnvironmentAdmin)
        .post(app.url("/api/v1/exemptions"))
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// A signed-in browser session: the cookie and its CSRF token.
async fn browser_session(app: &TestApp, username: &str) -> (String, String) {
    add_password_user(app, username, Role::Maker).await;
    let session = SignIn::new(app).session(username).await;
    let csrf = me(app, &session).await.1["csrf_token"].as_str().unwrap_or_default().to_string();
    (session, csrf)
}

#[tokio::test]
async fn cookie_authenticated_changes_need_the_csrf_token() {
    let app = spawn_app().await;
    let (session, csrf) = browser_session(&app, "ann").await;
    let post_form = |fields: Vec<(&'static str, String)>| {
        app.anonymous()
            .post(app.url("/account/tokens"))
            .header("cookie", format!("steward_session={session}"))
            .form(&fields)
            .send()
    };
    let missing = post_form(vec![("name", "a".into())]).await.expect("send");
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let wrong = post_form(vec![("name", "a".into()), ("csrf", "x".repeat(43))]).await.expect("send");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = post_form(vec![("name", "from the form".into()), ("csrf", csrf.clone())]).await.expect("send");
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.expect("page").contains("copy it now"), "the new token is shown once");

    // The API with the session cookie: header X-CSRF-Token.
    let api = |token: Option<&str>| {
        let mut request = app
            .anonymous()
            .post(app.url("/api/v1/tokens"))
            .header("cookie", format!("steward_session={session}"))
            .json(&json!({ "name": "from a script" }));
        if let Some(t) = token {
            request = request.header("x-csrf-token", t);
        }
        request.send()
    };
    assert_eq!(api(None).await.expect("send").status(), StatusCode::FORBIDDEN);
    assert_eq!(api(Some("nope")).await.expect("send").status(), StatusCode::FORBIDDEN);
    assert_eq!(api(Some(&csrf)).await.expect("send").status(), StatusCode::CREATED);
}

#[tokio::test]
async fn cross_site_requests_are_refused_even_with_the_token() {
    let app = spawn_app().await;
    let (session, csrf) = browser_session(&app, "ann").await;
    let response = app
        .anonymous()
        .post(app.url("/account/tokens"))
        .header("cookie", format!("steward_session={session}"))
        .header("origin", "http://evil.example")
        .form(&[("name", "x"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let own_origin = app.base.clone();
    let response = app
        .anonymous()
        .post(app.url("/account/tokens"))
        .header("cookie", format!("steward_session={session}"))
        .header("origin", own_origin)
        .form(&[("name", "x"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK, "the same origin is welcome");

    // Login CSRF: another site cannot sign a browser in.
    let response = app
        .anonymous()
        .post(app.url("/signin"))
        .header("origin", "http://evil.example")
        .form(&[("username", "ann"), ("password", PASSWORD)])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Nor without the form's own token.
    let response = app
        .anonymous()
        .post(app.url("/signin"))
        .form(&[("username", "ann"), ("password", PASSWORD), ("csrf", "guess")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(cookie_value(&response, "steward_session").is_none());
}

#[tokio::test]
async fn security_headers_and_no_caching_of_personal_answers() {
    let app = spawn_with(false, |state| {
        let web = steward_server::auth::WebSettings {
            public_url: Some(url::Url::parse("https://steward.example.com").expect("url")),
            ..Default::default()
        };
        let auth = steward_server::auth::AuthState::new(Default::default(), web).expect("auth settings");
        state.auth = std::sync::Arc::new(auth);
    })
    .await;
    let response = app.get("/api/v1/resources").await;
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(header(&response, "strict-transport-security").starts_with("max-age="));
    assert!(header(&response, "permissions-policy").contains("camera=()"));
    let page = app.get("/").await;
    assert_eq!(header(&page, "cache-control"), "no-store");
    // Without an https public URL, no HSTS (a browser would ignore it over http anyway).
    let plain = spawn_app().await;
    assert!(header(&plain.get("/healthz").await, "strict-transport-security").is_empty());
}

#[tokio::test]
async fn user_changes_are_audited_with_before_and_after() {
    let app = spawn_app().await;
    let viewer: &Account = app.account(Role::Viewer);
    let url = app.url(&format!("/api/v1/users/{}", viewer.user.id));
    let response = app.client.put(&url).json(&json!({ "role": "maker" })).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let (status, trail) = app.json("/api/v1/audit?target=user:viewer").await;
    assert_eq!(status, StatusCode::OK);
    let entry = &trail["items"][0];
    assert_eq!(entry["action"], "user.update");
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["via"], "api");
    assert_eq!(entry["before"]["role"], "viewer");
    assert_eq!(entry["after"]["role"], "maker");
    assert!(entry["after"].get("password_hash").is_none());

    // Disabling signs out and is its own action; the last admin cannot lock everyone out.
    let response = app.client.put(&url).json(&json!({ "disabled": true })).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, trail) = app.json("/api/v1/audit?target=user:viewer&limit=1").await;
    assert_eq!(trail["items"][0]["action"], "user.disable");
    assert!(trail["next"].is_string(), "older entries follow");
    let admin = app.account(Role::Admin).user.id.clone();
    let response = app
        .client
        .put(app.url(&format!("/api/v1/users/{admin}")))
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn admins_create_users_through_the_api() {
    let app = spawn_app().await;
    let body = json!({ "username": "Zoe", "role": "environment_admin", "environments": ["env-sales"], "password": "twelve chars!" });
    let response = app.client.post(app.url("/api/v1/users")).json(&body).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.expect("JSON");
    assert_eq!(user["username"], "zoe");
    assert!(user.get("password_hash").is_none());
    let again = app.client.post(app.url("/api/v1/users")).json(&body).send().await.expect("send");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let short = json!({ "username": "yan", "role": "viewer", "password": "short" });
    let response = app.client.post(app.url("/api/v1/users")).json(&short).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Zoe signs in with that password.
    let session = SignIn::new(&app).submit("zoe", "twelve chars!", "/", None).await;
    assert_eq!(session.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn account_and_admin_pages_work_with_a_browser_session() {
    let app = spawn_app().await;
    add_password_user(&app, "root", Role::Admin).await;
    let session = SignIn::new(&app).session("root").await;
    let csrf = me(&app, &session).await.1["csrf_token"].as_str().unwrap_or_default().to_string();
    let browser = app.anonymous();
    let cookie = format!("steward_session={session}");
    let page = |path: &str| browser.get(app.url(path)).header("cookie", cookie.clone()).send();
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        browser.post(app.url(path)).header("cookie", cookie.clone()).form(&form).send()
    };

    let account = page("/account").await.expect("send").text().await.expect("page");
    assert!(account.contains(&format!("name=\"csrf\" value=\"{csrf}\"")), "forms carry the CSRF token");
    assert!(account.contains("Sign out") && account.contains("/admin/users"), "the header: sign-out and admin links");

    let created = post(
        "/account/tokens",
        vec![
            ("name", "page token".into()),
            ("role", "viewer".into()),
            ("expires_days", "30".into()),
            ("csrf", csrf.clone()),
        ],
    )
    .await
    .expect("send");
    assert_eq!(created.status(), StatusCode::OK);
    let html = created.text().await.expect("page");
    let token = html.split("class=\"token-value\">").nth(1).and_then(|r| r.split('<').next()).expect("the token, once");
    let with_token = crate::support::client_with_token(Some(token));
    let who: Value = with_token.get(app.url("/api/v1/me")).send().await.expect("send").json().await.expect("JSON");
    assert_eq!((who["username"].as_str(), who["role"].as_str()), (Some("root"), Some("viewer")));
    assert!(!page("/account").await.expect("send").text().await.expect("page").contains(token), "shown only once");

    let added = post(
        "/admin/users",
        vec![
            ("username", "Eve".into()),
            ("display_name", "Eve Adams".into()),
            ("role", "environment_admin".into()),
            ("environments", "env-fin, env-sales".into()),
            ("csrf", csrf.clone()),
        ],
    )
    .await
    .expect("send");
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&added, "location"), "/admin/users?saved=eve");
    let eve = app.store.user_by_username("eve").await.expect("read").expect("eve");
    assert_eq!(eve.environments, ["env-fin", "env-sales"]);
    let changed = post(
        &format!("/admin/users/{}", eve.id),
        vec![
            ("role", "maker".into()),
            ("environments", String::new()),
            ("disabled", "on".into()),
            ("csrf", csrf.clone()),
        ],
    )
    .await
    .expect("send");
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let eve = app.store.user_by_username("eve").await.expect("read").expect("eve");
    assert_eq!((eve.role, eve.disabled), (Role::Maker, true));

    let users = page("/admin/users?saved=eve").await.expect("send").text().await.expect("page");
    assert!(users.contains("Eve Adams") && users.contains("Saved"));
    let trail = page("/admin/audit?target=user:eve").await.expect("send").text().await.expect("page");
    assert!(trail.contains("user.disable") && trail.contains("user.create"), "{trail}");

    // Not for makers.
    let maker = app.client_as(Role::Maker);
    assert_eq!(maker.get(app.url("/admin/users")).send().await.expect("send").status(), StatusCode::FORBIDDEN);
}
