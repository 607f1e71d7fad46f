//! The real server on 127.0.0.1:0 over a fresh SQLite file holding the HTTP tests' estate,
//! with local accounts for each role, as a person would meet it after `steward user add`.

use crate::fixtures::{self, Estate, RICH};
use chrono::Utc;
use std::sync::Arc;
use steward_catalog::{ItemFields, ItemKind, NewCatalogItem, publication};
use steward_model::{LifecycleStage, Role, SupportTier};
use steward_server::AppState;
use steward_store::Store;
use steward_store::auth::User;
use steward_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

/// Every account's password (long enough for the password rule).
pub const PASSWORD: &str = "correct horse battery staple";
/// Platform admin.
pub const ADMIN: &str = "ada";
/// Maker: the inventory principal Alice Ng.
pub const MAKER: &str = "alice";
/// The board: reads everything.
pub const VIEWER: &str = "vic";

/// Listed catalog items: (title, kind, department). Three mention expenses, one of them a flow.
pub const LISTED: [(&str, ItemKind, &str); 4] = [
    ("Expense claims", ItemKind::App, "Finance"),
    ("Expense report reminders", ItemKind::Flow, "Finance"),
    ("Travel expense assistant", ItemKind::Agent, "Sales"),
    ("Budget planner", ItemKind::App, "Finance"),
];
/// Proposed by the maker and waiting for an admin's approval.
pub const SUBMITTED: &str = "Onboarding checklist";

pub struct App {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub estate: Estate,
    /// The id of the [`SUBMITTED`] catalog item.
    pub submitted: i64,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub async fn spawn() -> App {
    let dir = tempfile::tempdir().expect("create a temp dir");
    let path = dir.path().join("steward.db");
    let sqlite = SqliteStore::open(&path.to_string_lossy()).expect("open the SQLite store");
    sqlite.migrate().await.expect("migrate the SQLite store");
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let estate = fixtures::estate();
    load(store.as_ref(), &estate).await;
    for (username, name, role, principal) in [
        (ADMIN, "Ada Admin", Role::Admin, None),
        (MAKER, "Alice Ng", Role::Maker, Some("p-alice")),
        (VIEWER, "Vic Viewer", Role::Viewer, None),
    ] {
        add_user(store.as_ref(), username, name, role, principal).await;
    }
    let submitted = catalog(store.as_ref()).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(store.clone(), false);
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        steward_server::serve(state, listener, shutdown).await
    });
    App { base, store, estate, submitted, shutdown: Some(tx), _dir: dir }
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

async fn add_user(store: &dyn Store, username: &str, name: &str, role: Role, principal: Option<&str>) {
    let now = Utc::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.into(),
        display_name: name.into(),
        email: Some(format!("{username}@contoso.example")),
        role,
        environments: Vec::new(),
        principal_id: principal.map(str::to_string),
        password_hash: Some(steward_credentials::hash_password(PASSWORD).expect("hash the password")),
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    store.create_user(&user).await.expect("create the user");
}

/// Items through the real workflow (created, submitted, approved), so the index built at start
/// holds the listed ones; returns the id of the one left waiting for approval.
async fn catalog(store: &dyn Store) -> i64 {
    let now = Utc::now();
    let create = |title: &str, kind: ItemKind, department: &str| NewCatalogItem {
        fields: ItemFields {
            summary: format!("{title} for the {department} team."),
            description: format!(
                "{title}: what it does, who uses it and how to get help, in more than fifty characters."
            ),
            department: Some(department.into()),
            category: Some("Productivity".into()),
            tags: vec!["teams".into()],
            owner: Some("p-alice".into()),
            backup_owner: Some("p-bob".into()),
            support_tier: Some(SupportTier::MakerSupported),
            documentation_url: Some("https://docs.example.com/catalog/item".into()),
            screenshots: vec![format!("/static/catalog/{kind}.svg")],
            ..ItemFields::new(kind, "power_platform", title)
        },
        stage: LifecycleStage::Production,
        created_by: "p-alice".into(),
        created_at: now,
        note: None,
    };
    for (title, kind, department) in LISTED {
        let item = store.create_catalog_item(&create(title, kind, department)).await.expect("create an item");
        publication::submit(store, item.id, "alice", now, None).await.expect("submit");
        publication::approve(store, item.id, ADMIN, now, None).await.expect("approve");
    }
    let item = store.create_catalog_item(&create(SUBMITTED, ItemKind::App, "Human Resources")).await.expect("create");
    publication::submit(store, item.id, "alice", now, None).await.expect("submit");
    item.id
}
