//! A fresh SQLite store per test and builders for usage that lands on chosen days.

use chrono::{Datelike, NaiveDate};
use std::sync::Arc;
use steward_model::{ResourceKind, UsageEvent, UsageKind};
use steward_store::Store;
use steward_store::conformance::{Dataset, at, event, load, principal, resource};
use steward_store_sqlite::SqliteStore;

/// The evaluation day of every test.
pub const AS_OF: (i32, u32, u32) = (2026, 11, 23);

pub fn as_of() -> NaiveDate {
    day(AS_OF.0, AS_OF.1, AS_OF.2)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `n` days before the evaluation day.
pub fn days_ago(n: u64) -> NaiveDate {
    as_of().checked_sub_days(chrono::Days::new(n)).unwrap()
}

pub struct TestStore {
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

pub async fn store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("steward.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    TestStore { store: Arc::new(store), _dir: dir }
}

/// Usage to load: resources and the events on them.
#[derive(Default)]
pub struct Usage {
    data: Dataset,
    next: usize,
}

impl Usage {
    pub fn new() -> Usage {
        Usage::default()
    }

    pub fn resource(mut self, id: &str, kind: ResourceKind) -> Usage {
        self.data.resources.push(resource("t1", "e1", id, kind, &format!("Name of {id}")));
        self
    }

    /// A user in a department (users without one count for no department).
    pub fn user(mut self, id: &str, department: &str) -> Usage {
        let mut p = principal("t1", id, &format!("{id}@contoso.com"));
        p.department = Some(department.into());
        self.data.principals.push(p);
        self
    }

    /// `count` uses of `resource` on `on`, by the users given in turn.
    pub fn uses(mut self, resource: &str, on: NaiveDate, count: usize, users: &[&str]) -> Usage {
        let kind = match self.data.resources.iter().find(|r| r.id == resource).map(|r| r.kind) {
            Some(k) if k.is_flow() => UsageKind::Run,
            Some(ResourceKind::Agent) => UsageKind::Session,
            _ => UsageKind::Launch,
        };
        for i in 0..count {
            let who = users[i % users.len()];
            let when = at(on.year(), on.month(), on.day(), (i % 24) as u32, (i / 24 % 60) as u32, 0, 0);
            self.next += 1;
            let e: UsageEvent = event("t1", &format!("ev{}", self.next), Some(resource), Some(who), kind, when);
            self.data.events.push(e);
        }
        self
    }

    /// `count` uses spread over the `spread` days ending on the evaluation day, one user.
    pub fn spread(self, resource: &str, count: usize, spread: u64) -> Usage {
        let mut usage = self;
        for d in 0..spread {
            let share = count / spread as usize + usize::from((d as usize) < count % spread as usize);
            if share > 0 {
                usage = usage.uses(resource, days_ago(d), share, &["u1"]);
            }
        }
        usage
    }

    pub async fn load(self, store: &Arc<dyn Store>) {
        load(store, &self.data).await;
    }
}
