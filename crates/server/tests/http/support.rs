//! `spawn_app()`: a fresh SQLite store in a temp dir, filled with the estate, served by the
//! real `serve` on 127.0.0.1:0, stopped gracefully when the test ends.

use crate::fixtures::{self, Estate, RICH};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use steward_model::Role;
use steward_server::AppState;
use steward_store::Store;
use steward_store::auth::{ApiToken, User};
use steward_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

const DB_FILE: &str = "steward.db";

pub struct TestApp {
    pub base: String,
    /// Sends the admin's API token with every request: tests that are not about access act
    /// as a platform admin.
    pub client: reqwest::Client,
    pub estate: Estate,
    /// The store behind the server, for tests that set up accounts or read the audit trail.
    pub store: Arc<dyn Store>,
    /// One user per role (see [`USERS`]) with an API token each.
    pub accounts: Vec<Account>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<Result<(), steward_server::ServerError>>>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

pub async fn spawn_demo_app() -> TestApp {
    spawn(true).await
}

async fn spawn(demo: bool) -> TestApp {
    spawn_with(demo, |_| {}).await
}

/// A server whose state the test adjusts first (authentication settings, metrics).
pub async fn spawn_with(demo: bool, adjust: impl FnOnce(&mut AppState)) -> TestApp {
    spawn_at(demo, |state, _| adjust(state)).await
}

/// [`spawn_with`], where `adjust` also gets the server's base URL (OpenID Connect needs its
/// redirect URL).
pub async fn spawn_at(demo: bool, adjust: impl FnOnce(&mut AppState, &str)) -> TestApp {
    let dir = tempfile::tempdir().expect("create a temp dir");
    let store = fresh_store(dir.path()).await;
    let estate = fixtures::estate();
    load(store.as_ref(), &estate).await;
    let accounts = add_accounts(store.as_ref()).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let (tx, rx) = oneshot::channel::<()>();
    let mut state = AppState::new(store.clone(), demo);
    adjust(&mut state, &base);
    let server = tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        steward_server::serve(state, listener, shutdown).await
    });
    let admin = accounts.iter().find(|a| a.role == Role::Admin).map(|a| a.token.clone()).unwrap_or_default();
    TestApp {
        base,
        client: client_with_token(Some(&admin)),
        estate,
        store,
        accounts,
        shutdown: Some(tx),
        server: Some(server),
        _dir: dir,
    }
}

/// A user of the test app, with an API token of their role.
#[derive(Debug, Clone)]
pub struct Account {
    pub role: Role,
    pub user: User,
    pub token: String,
}

/// The users every test app has: (username, role, environments, principal). The maker owns
/// the resources of `p-alice` (among them [`RICH`]); the environment admin administers the
/// environment of [`RICH`].
pub const USERS: [(&str, Role, &[&str], Option<&str>); 4] = [
    ("admin", Role::Admin, &[], None),
    ("envadmin", Role::EnvironmentAdmin, &["env-fin"], None),
    ("maker", Role::Maker, &[], Some("p-alice")),
    ("viewer", Role::Viewer, &[], Some("p-dave")),
];

async fn add_accounts(store: &dyn Store) -> Vec<Account> {
    let mut accounts = Vec::new();
    for (username, role, environments, principal) in USERS {
        let user = new_user(username, role, None);
        let user = User {
            environments: environments.iter().map(|e| e.to_string()).collect(),
            principal_id: principal.map(str::to_string),
            ..user
        };
        store.create_user(&user).await.expect("create a test user");
        let token = add_token(store, &user, role).await;
        accounts.push(Account { role, user, token });
    }
    accounts
}

/// A user record (not stored); with a password, its argon2 hash.
pub fn new_user(username: &str, role: Role, password: Option<&str>) -> User {
    let now = chrono::Utc::now();
    User {
        id: format!("u-{username}"),
        username: username.into(),
        display_name: format!("{username} (test)"),
        email: None,
        role,
        environments: Vec::new(),
        principal_id: None,
        password_hash: password.map(|p| steward_credentials::hash_password(p).expect("hash a password")),
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: now,
        updated_at: now,
    }
}

/// Store a new API token for `user` and return its value.
pub async fn add_token(store: &dyn Store, user: &User, role: Role) -> String {
    let (plain, hash) = steward_credentials::new_token();
    let token = ApiToken {
        id: format!("tok-{}-{}", user.username, &hash[..8]),
        name: format!("{} test token", user.username),
        token_hash: hash,
        user_id: user.id.clone(),
        role,
        created_at: chrono::Utc::now(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    };
    store.create_api_token(&token).await.expect("create a test token");
    plain
}

/// A client that never follows redirects (tests look at them) and sends `token` if given.
pub fn client_with_token(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("a token is ASCII");
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build a client")
}

async fn fresh_store(dir: &std::path::Path) -> Arc<dyn Store> {
    let path = dir.join(DB_FILE);
    let store = SqliteStore::open(&path.to_string_lossy()).expect("open the SQLite store");
    store.migrate().await.expect("migrate the SQLite store");
    Arc::new(store)
}

async fn load(store: &dyn Store, estate: &Estate) {
    let mut tx = store.begin_ingest().await.expect("begin ingest");
    tx.upsert_tenants(estate.tenants.clone()).await.expect("upsert tenants");
    tx.upsert_environments(estate.environments.clone()).await.expect("upsert environments");
    tx.upsert_principals(estate.principals.clone()).await.expect("upsert principals");
    tx.upsert_resources(estate.resources.clone()).await.expect("upsert resources");
    tx.insert_usage_events(estate.events.clone()).await.expect("insert usage events");
    tx.commit().await.expect("commit ingest");
    store.set_governance(RICH, &estate.governance).await.expect("set governance");
}

impl TestApp {
    /// Ask the server to stop and wait until `serve` returns.
    pub async fn stop(mut self) -> Result<(), steward_server::ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(handle) => handle.await.expect("the server task panicked"),
            None => Ok(()),
        }
    }

    /// The SQLite file behind the server, for tests that break it on purpose.
    pub fn db_path(&self) -> std::path::PathBuf {
        self._dir.path().join(DB_FILE)
    }

    /// The test account of a role.
    pub fn account(&self, role: Role) -> &Account {
        self.accounts.iter().find(|a| a.role == role).expect("every role has a test account")
    }

    /// A client acting with the API token of `role`'s test user.
    pub fn client_as(&self, role: Role) -> reqwest::Client {
        client_with_token(Some(&self.account(role).token))
    }

    /// A client with no credentials at all.
    pub fn anonymous(&self) -> reqwest::Client {
        client_with_token(None)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("send the request")
    }

    /// Status and JSON body of a GET.
    pub async fn json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or_else(|e| panic!("{path} did not answer JSON: {e}"));
        (status, body)
    }

    /// Status and body of a GET of an HTML page.
    pub async fn html(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        let content_type = header(&response, "content-type");
        assert!(content_type.starts_with("text/html"), "{path} answered {content_type}, not HTML");
        (status, response.text().await.expect("read the page"))
    }

    /// Every item of a list endpoint, following `next` until the end.
    pub async fn all_pages(&self, path: &str) -> (Vec<Value>, u64) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        let mut total = None;
        for _ in 0..1000 {
            let url = match &next {
                Some(cursor) => format!("{path}{separator}cursor={cursor}"),
                None => path.to_string(),
            };
            let (status, body) = self.json(&url).await;
            assert_eq!(status, StatusCode::OK, "{url}: {body}");
            let page_total = body["total"].as_u64().expect("total is a number");
            assert_eq!(*total.get_or_insert(page_total), page_total, "total changed between pages");
            items.extend(body["items"].as_array().expect("items is an array").iter().cloned());
            match body["next"].as_str() {
                Some(cursor) => next = Some(cursor.to_string()),
                None => return (items, page_total),
            }
        }
        panic!("{path}: more than 1000 pages; `next` never ran out");
    }
}

pub fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Ids of a list of JSON items, in order.
pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect()
}

/// Undo the HTML escaping of an attribute value.
pub fn unescape(text: &str) -> String {
    text.replace("&amp;", "&").replace("&#38;", "&").replace("&quot;", "\"").replace("&#34;", "\"")
}

/// Every `href` value in a page, unescaped.
pub fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()).map(unescape).collect()
}
