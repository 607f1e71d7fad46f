//! [`IngestTx`] over an ingest session on the writer thread.

use crate::write::{self, ResourceRow};
use crate::writer::{Session, SessionMsg, closed};
use async_trait::async_trait;
use rusqlite::Connection;
use std::sync::mpsc;
use steward_model::{Connector, DataPolicy, Environment, License, LicenseAssignment, Principal, Resource, Tenant};
use steward_store::usage::{DayLedger, ResourceScopes, UsageDelta};
use steward_store::{Deletions, IngestTx, ListingScope, Result, StoreError, UpsertCounts};
use tokio::sync::oneshot;

/// Resources per message to the writer thread. Small enough that preparing the next chunk
/// (hashing, JSON) overlaps with writing this one; large enough that channel hops do not matter.
const RESOURCE_CHUNK: usize = 256;

/// An open ingest transaction. Dropping it without commit drops the channel, and the writer
/// thread rolls back.
pub struct SqliteIngestTx {
    session: Option<mpsc::Sender<SessionMsg>>,
}

impl SqliteIngestTx {
    pub fn new(session: mpsc::Sender<SessionMsg>) -> Self {
        SqliteIngestTx { session: Some(session) }
    }

    fn sender(&self) -> Result<&mpsc::Sender<SessionMsg>> {
        self.session.as_ref().ok_or_else(|| StoreError::Closed("the transaction was already finished".into()))
    }

    /// Queue `f` on the writer thread; the answer arrives on the returned receiver.
    fn send<T, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T>>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut Session, i64) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let op = Box::new(move |conn: &Connection, session: &mut Session| {
            let result = match &session.failed {
                Some(reason) => Err(StoreError::Closed(format!(
                    "an earlier write in this transaction failed ({reason}); roll back and run the import again"
                ))),
                None => f(conn, session, chrono::Utc::now().timestamp_millis()),
            };
            if let Err(e) = &result
                && session.failed.is_none()
            {
                session.failed = Some(e.to_string());
            }
            let _ = reply.send(result);
        });
        self.sender()?.send(SessionMsg::Op(op)).map_err(|_| closed())?;
        Ok(answer)
    }

    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> Result<T> + Send + 'static,
    {
        self.send(move |conn, _, now| f(conn, now))?.await.map_err(|_| closed())?
    }

    async fn finish(&mut self, commit: bool) -> Result<()> {
        let session =
            self.session.take().ok_or_else(|| StoreError::Closed("the transaction was already finished".into()))?;
        let (reply, answer) = oneshot::channel();
        let msg = if commit { SessionMsg::Commit(reply) } else { SessionMsg::Rollback(reply) };
        session.send(msg).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

#[async_trait]
impl IngestTx for SqliteIngestTx {
    async fn upsert_tenants(&mut self, items: Vec<Tenant>) -> Result<UpsertCounts> {
        self.run(move |conn, now| write::tenants(conn, &items, now)).await
    }

    async fn upsert_environments(&mut self, items: Vec<Environment>) -> Result<UpsertCounts> {
        self.run(move |conn, now| write::environments(conn, &items, now)).await
    }

    async fn upsert_connectors(&mut self, items: Vec<Connector>) -> Result<UpsertCounts> {
        self.run(move |conn, now| write::connectors(conn, &items, now)).await
    }

    async fn upsert_data_policies(&mut self, items: Vec<DataPolicy>) -> Result<UpsertCounts> {
        self.run(move |conn, now| write::data_policies(conn, &items, now)).await
    }

    async fn upsert_principals(&mut self, items: Vec<Principal>) -> Result<UpsertCounts> {
        self.run(move |conn, now| write::principals(conn, &items, now)).await
    }

    async fn upsert_resources(&mut self, items: Vec<Resource>) -> Result<UpsertCounts> {
        // Prepare and send chunk by chunk without waiting, so the writer thread writes one chunk
        // while this task hashes and encodes the next; then collect the answers in order.
        let mut answers = Vec::with_capacity(items.len() / RESOURCE_CHUNK + 1);
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let rows: Vec<ResourceRow> = items.by_ref().take(RESOURCE_CHUNK).map(ResourceRow::new).collect();
            answers.push(self.send(move |conn, session, now| {
                crate::bulk::defer_indexes_if_empty(conn, session)?;
                write::resources(conn, session, &rows, now)
            })?);
        }
        let mut counts = UpsertCounts::default();
        let mut first_error = None;
        for answer in answers {
            match answer.await.map_err(|_| closed())? {
                Ok(c) => counts += c,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(counts),
        }
    }

    async fn usage_ledger(&mut self, tenant_id: &str, day: chrono::NaiveDate) -> Result<DayLedger> {
        let tenant = tenant_id.to_string();
        self.run(move |conn, _| crate::usage::ledger(conn, &tenant, day)).await
    }

    async fn apply_usage(&mut self, delta: UsageDelta) -> Result<()> {
        self.run(move |conn, _| crate::usage::apply(conn, &delta)).await
    }

    async fn resource_scopes(&mut self, resource_ids: &[String]) -> Result<Vec<ResourceScopes>> {
        let ids = resource_ids.to_vec();
        self.run(move |conn, _| crate::usage::scopes(conn, &ids)).await
    }

    async fn upsert_licenses(&mut self, items: Vec<License>) -> Result<UpsertCounts> {
        self.run(move |conn, _| crate::licenses::upsert(conn, &items)).await
    }

    async fn set_license_assignments(&mut self, items: Vec<LicenseAssignment>) -> Result<UpsertCounts> {
        self.run(move |conn, _| crate::licenses::set_assignments(conn, &items)).await
    }

    async fn put_sync_state(&mut self, key: &str, value: serde_json::Value) -> Result<()> {
        let key = key.to_string();
        self.run(move |conn, now| crate::sync::put_state(conn, &key, &value, now)).await
    }

    async fn record_listing_seen(&mut self, listing: &str, ids: Vec<String>) -> Result<()> {
        let listing = listing.to_string();
        self.run(move |conn, _| crate::sync::record_seen(conn, &listing, &ids)).await
    }

    async fn complete_listing(
        &mut self,
        listing: &str,
        scope: &ListingScope,
        at: steward_model::Timestamp,
    ) -> Result<Deletions> {
        let (listing, scope) = (listing.to_string(), scope.clone());
        self.run(move |conn, _| crate::sync::complete(conn, &listing, &scope, at)).await
    }

    async fn abandon_listing(&mut self, listing: &str) -> Result<()> {
        let listing = listing.to_string();
        self.run(move |conn, _| crate::sync::abandon(conn, &listing)).await
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(mut self: Box<Self>) -> Result<()> {
        self.finish(false).await
    }
}
