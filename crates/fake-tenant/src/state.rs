//! Everything the routes share: the synthetic tenant, the current inventory snapshot, indexes
//! built once at start, the fault engine and the counters.

use crate::config::FakeConfig;
use crate::counts::{self, AuditTotals, ExpectedCounts};
use crate::faults::FaultEngine;
use crate::hash::{digest, mix};
use crate::inventory::Inventory;
use crate::mutate::{self, MutationReport, MutationRequest};
use crate::resourcequery;
use crate::stats::{Counters, Stats};
use crate::tokens::Tokens;
use chrono::{Duration, NaiveDateTime};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use steward_ingest::powerplatform::wire::{bap, powerapps};
use steward_ingest::synthetic::{GenerateOptions, SyntheticTenant};

pub(crate) struct Shared {
    pub tenant: SyntheticTenant,
    pub seed: u64,
    pub client_id: String,
    pub client_secret: String,
    pub inventory_api: bool,
    pub content_page_size: usize,
    pub tokens: Tokens,
    pub faults: FaultEngine,
    pub counters: Counters,
    inventory: RwLock<Arc<Inventory>>,
    /// Serialises mutations (each reads the current snapshot and writes the next).
    mutating: Mutex<()>,
    /// Lowercased environment name → index (the APIs spell `Default-…` and `default-…`).
    env_by_name: HashMap<String, usize>,
    /// Dataverse organisation → environment index, Dataverse environments only.
    env_by_org: HashMap<String, usize>,
    pub connectors: Vec<powerapps::Api>,
    pub policies: Vec<bap::PolicyDefinition>,
    /// Lowercased user id and UPN → user index.
    users: HashMap<String, u64>,
    /// Licences held per SKU (see `licenses::SKUS`).
    pub licences: Vec<u64>,
    /// Content types with a started Office 365 Management subscription.
    pub subscriptions: Mutex<BTreeSet<String>>,
    /// The fake's "now" for the audit feed: midnight after the last usage day.
    pub now: NaiveDateTime,
    pub query_cache: resourcequery::Cache,
    audit_totals: OnceLock<AuditTotals>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Shared {
    pub fn new(config: FakeConfig) -> Shared {
        let opts = GenerateOptions {
            preset: config.preset,
            seed: config.seed,
            end_date: config.end_date,
            usage_days: config.usage_days,
        };
        let tenant = SyntheticTenant::new(&opts);
        let after = |days: i64| (config.end_date + Duration::days(days)).and_time(Default::default());
        let now = after(1);
        // Mutations happen after every planned timestamp (the latest is on the last usage day).
        let epoch = after(2).and_utc();
        let inventory = Inventory::new(&tenant, epoch);
        let env_by_name = tenant.environments().iter().map(|e| (e.name.to_ascii_lowercase(), e.index)).collect();
        let env_by_org = tenant
            .environments()
            .iter()
            .filter(|e| e.has_dataverse)
            .map(|e| (e.org.to_ascii_lowercase(), e.index))
            .collect();
        let mut users = HashMap::with_capacity(tenant.user_count() as usize * 2);
        for u in 0..tenant.user_count() {
            users.insert(tenant.user_id(u), u);
            users.insert(tenant.user_principal_name(u).to_ascii_lowercase(), u);
        }
        let licences = crate::licenses::consumed(config.seed, tenant.user_count());
        Shared {
            connectors: tenant.wire_connectors().collect(),
            policies: tenant.wire_policies(),
            seed: config.seed,
            tokens: Tokens::new(
                mix(config.seed, digest(1, config.client_secret.as_bytes()), 0x70c, 0),
                config.token_lifetime_secs,
            ),
            client_id: config.client_id,
            client_secret: config.client_secret,
            inventory_api: config.inventory_api,
            content_page_size: config.content_page_size.max(1),
            faults: FaultEngine::new(config.faults),
            counters: Counters::default(),
            inventory: RwLock::new(Arc::new(inventory)),
            mutating: Mutex::new(()),
            env_by_name,
            env_by_org,
            users,
            licences,
            subscriptions: Mutex::new(BTreeSet::new()),
            now,
            query_cache: resourcequery::Cache::default(),
            audit_totals: OnceLock::new(),
            tenant,
        }
    }

    /// The current snapshot; it stays valid (and unchanged) while the caller holds it.
    pub fn inventory(&self) -> Arc<Inventory> {
        match self.inventory.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn mutate(&self, req: &MutationRequest) -> MutationReport {
        let _one_at_a_time = lock(&self.mutating);
        let current = self.inventory();
        let (next, report) = mutate::apply(&self.tenant, &current, req);
        match self.inventory.write() {
            Ok(mut g) => *g = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        report
    }

    pub fn environment(&self, name: &str) -> Option<usize> {
        self.env_by_name.get(&name.to_ascii_lowercase()).copied()
    }

    pub fn environment_of_org(&self, org: &str) -> Option<usize> {
        self.env_by_org.get(&org.to_ascii_lowercase()).copied()
    }

    /// A user by object id or UPN.
    pub fn user(&self, key: &str) -> Option<u64> {
        self.users.get(&key.to_ascii_lowercase()).copied()
    }

    pub fn subscribed(&self, content_type: &str) -> bool {
        lock(&self.subscriptions).contains(content_type)
    }

    pub fn subscribe(&self, content_type: &str) {
        lock(&self.subscriptions).insert(content_type.to_string());
    }

    pub fn subscribed_types(&self) -> Vec<String> {
        lock(&self.subscriptions).iter().cloned().collect()
    }

    pub fn stats(&self) -> Stats {
        self.counters.snapshot(self.inventory().generation)
    }

    pub fn expected_counts(&self) -> std::io::Result<ExpectedCounts> {
        let audit = match self.audit_totals.get() {
            Some(t) => *t,
            None => {
                let t = counts::audit_totals(&self.tenant)?;
                *self.audit_totals.get_or_init(|| t)
            }
        };
        let custom = self.connectors.iter().filter(|c| c.properties.is_custom_api).count() as u64;
        Ok(counts::expected(
            &self.tenant,
            &self.inventory(),
            self.connectors.len() as u64,
            custom,
            self.policies.len() as u64,
            &self.licences,
            audit,
        ))
    }
}
