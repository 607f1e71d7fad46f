//! The one place audit events become rollup deltas, for every writer: the sync engine and file
//! imports (through [`crate::IngestTx::insert_usage_events`]) and the streaming file engine of
//! `steward-usage`, which feeds borrowed fields straight from its parser.
//!
//! The caller opens each day with its stored ledger before adding that day's events, adds
//! events in any order, and takes a delta for the days it wants written. A day taken and then
//! seen again is opened again from the ledger the delta extended, so order only matters for
//! how often that happens, never for the result.

use super::{DayLedger, LedgerDelta, ResourceScopes, RollupDelta, SpanDelta, UsageDelta, record_hash};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use steward_model::{UsageKind, UsageMetric, UsagePeriod, UsageScope};

/// One audit event as the aggregator needs it; strings are borrowed from the caller's buffer.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    /// [`record_hash`] of the record id.
    pub id_hash: u64,
    pub day: NaiveDate,
    pub kind: UsageKind,
    pub resource_id: Option<&'a str>,
    pub environment_id: Option<&'a str>,
    /// Principal id, else UPN (compared without case).
    pub actor: Option<&'a str>,
}

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Counted,
    /// Its id was already counted (in the store or earlier in this aggregation).
    Duplicate,
    /// Its day is sealed (older than the raw retention).
    Sealed,
    /// Neither a use nor a maker action: kept in the ledger (seen once), counted in no rollup.
    NotCounted,
    /// The day is not open: call [`Aggregator::open_day`] first, then add the event again.
    NeedsLedger,
}

/// Counts of outcomes, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AggregateStats {
    pub counted: u64,
    pub duplicates: u64,
    pub sealed: u64,
    pub not_counted: u64,
}

impl std::ops::AddAssign for AggregateStats {
    fn add_assign(&mut self, rhs: Self) {
        self.counted += rhs.counted;
        self.duplicates += rhs.duplicates;
        self.sealed += rhs.sealed;
        self.not_counted += rhs.not_counted;
    }
}

/// Keys that already are hashes need no hashing again.
#[derive(Default, Clone, Copy)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys use this hasher; keep something sensible for anything else.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashSetU64 = HashSet<u64, BuildHasherDefault<Identity>>;
type HashMapU64<V> = HashMap<u64, V, BuildHasherDefault<Identity>>;

/// Case-insensitive hash of an identifier.
fn key_hash(s: &str) -> u64 {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        xxhash_rust::xxh3::xxh3_64(s.to_ascii_lowercase().as_bytes())
    } else {
        xxhash_rust::xxh3::xxh3_64(s.as_bytes())
    }
}

/// Strings seen so far, each with a dense index. Actor UPNs (anything with an `@`) compare
/// without case and are kept lowercased, as the principals table's `upn_key`; ids are kept as
/// the store spells them.
#[derive(Default)]
struct Interner {
    fold_case: bool,
    index: HashMapU64<u32>,
    values: Vec<String>,
}

impl Interner {
    fn folding() -> Self {
        Interner { fold_case: true, ..Default::default() }
    }

    fn intern(&mut self, s: &str) -> u32 {
        let next = self.values.len() as u32;
        let (fold, values) = (self.fold_case, &mut self.values);
        let fold = fold && s.contains('@');
        let key = if fold { key_hash(s) } else { xxhash_rust::xxh3::xxh3_64(s.as_bytes()) };
        *self.index.entry(key).or_insert_with(|| {
            values.push(if fold { s.to_ascii_lowercase() } else { s.to_string() });
            next
        })
    }
}

#[derive(Default)]
struct Tally {
    uses: u64,
    actors: FxHashSet<u32>,
}

impl Tally {
    /// Returns whether the actor is new to this tally.
    fn add(&mut self, actor: Option<u32>) -> bool {
        self.uses += 1;
        actor.is_some_and(|a| self.actors.insert(a))
    }
}

struct Day {
    /// Entries held (record hashes, actor set members, tallies), for [`Aggregator::approx_bytes`].
    held: usize,
    sealed: bool,
    seen: HashSetU64,
    added: Vec<u64>,
    /// Uses by resource and the environment the record names (the inventory's wins when known;
    /// keeping the record's per event makes the result independent of the order of events).
    by_resource: FxHashMap<(u32, Option<u32>), Tally>,
    /// Uses that name no resource, by environment.
    loose: FxHashMap<Option<u32>, Tally>,
    /// Maker actions, by environment.
    make: FxHashMap<Option<u32>, Tally>,
}

/// Streams events into per-day tallies and turns them into [`UsageDelta`]s.
pub struct Aggregator {
    tenant_id: String,
    days: BTreeMap<NaiveDate, Day>,
    resources: Interner,
    environments: Interner,
    actors: Interner,
    stats: AggregateStats,
    /// Sum of the open days' `held`.
    held: usize,
}

impl Aggregator {
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            days: BTreeMap::new(),
            resources: Interner::default(),
            environments: Interner::default(),
            actors: Interner::folding(),
            stats: AggregateStats::default(),
            held: 0,
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn stats(&self) -> AggregateStats {
        self.stats
    }

    pub fn is_open(&self, day: NaiveDate) -> bool {
        self.days.contains_key(&day)
    }

    /// How many days are open.
    pub fn open_day_count(&self) -> usize {
        self.days.len()
    }

    /// Days with events not yet taken, oldest first.
    pub fn open_days(&self) -> Vec<NaiveDate> {
        self.days.keys().copied().collect()
    }

    /// Open `day` with what the store's ledger holds for it.
    pub fn open_day(&mut self, day: NaiveDate, ledger: DayLedger) {
        let (sealed, seen) = match ledger {
            DayLedger::Sealed => (true, HashSetU64::default()),
            DayLedger::Open(ids) => (false, ids.into_iter().collect::<HashSetU64>()),
        };
        let held = seen.len();
        self.held += held;
        if let Some(replaced) = self.days.insert(
            day,
            Day {
                held,
                sealed,
                seen,
                added: Vec::new(),
                by_resource: FxHashMap::default(),
                loose: FxHashMap::default(),
                make: FxHashMap::default(),
            },
        ) {
            self.held -= replaced.held;
        }
    }

    /// A rough size of what the open days hold: the importer writes them out when it grows
    /// past its memory budget. About 40 bytes per record hash (set and list) and per member of
    /// a day's actor sets.
    pub fn approx_bytes(&self) -> usize {
        self.held * 40
    }

    pub fn add(&mut self, e: &EventRef<'_>) -> Outcome {
        let Some(day) = self.days.get_mut(&e.day) else {
            return Outcome::NeedsLedger;
        };
        if day.sealed {
            self.stats.sealed += 1;
            return Outcome::Sealed;
        }
        if !day.seen.insert(e.id_hash) {
            self.stats.duplicates += 1;
            return Outcome::Duplicate;
        }
        // Every record goes into the ledger, counted or not, so that the archive and the
        // ledger's record count see each record once.
        day.added.push(e.id_hash);
        day.held += 1;
        self.held += 1;
        let Some(metric) = e.kind.metric() else {
            self.stats.not_counted += 1;
            return Outcome::NotCounted;
        };
        self.stats.counted += 1;
        let actor = e.actor.filter(|a| !a.is_empty()).map(|a| self.actors.intern(a));
        let env = e.environment_id.filter(|v| !v.is_empty()).map(|v| self.environments.intern(v));
        let new_actor = match (metric, e.resource_id.filter(|r| !r.is_empty())) {
            (UsageMetric::Use, Some(resource)) => {
                let r = self.resources.intern(resource);
                day.by_resource.entry((r, env)).or_default().add(actor)
            }
            (UsageMetric::Use, None) => day.loose.entry(env).or_default().add(actor),
            (UsageMetric::Make, _) => day.make.entry(env).or_default().add(actor),
        };
        if new_actor {
            day.held += 1;
            self.held += 1;
        }
        Outcome::Counted
    }

    /// Ids of the resources used on the open days that `take` will be asked for: the caller
    /// looks up their [`ResourceScopes`] in the inventory.
    pub fn resources_on(&self, days: &[NaiveDate]) -> Vec<String> {
        let mut ids: FxHashSet<u32> = FxHashSet::default();
        for d in days {
            if let Some(day) = self.days.get(d) {
                ids.extend(day.by_resource.keys().map(|k| k.0));
            }
        }
        let mut out: Vec<String> = ids.into_iter().map(|r| self.resources.values[r as usize].clone()).collect();
        out.sort_unstable();
        out
    }

    /// Close `days` and return what they add to the store. `scopes` maps resource ids (as
    /// returned by [`Aggregator::resources_on`]) to their environment and maker.
    pub fn take(&mut self, days: &[NaiveDate], scopes: &HashMap<String, ResourceScopes>) -> UsageDelta {
        let mut delta = UsageDelta { tenant_id: self.tenant_id.clone(), ..Default::default() };
        // Row keys name their scope by a small integer (see `RowKey`): building and hashing a
        // key per target, period and resource-day then costs no string copies.
        let mut rows: FxHashMap<RowKey, Tally> = FxHashMap::default();
        let mut spans: FxHashMap<u32, (NaiveDate, NaiveDate)> = FxHashMap::default();
        let mut makers = Interner::default();
        // Environment and maker of each resource the inventory knows, looked up once.
        let mut known: FxHashMap<u32, (Option<u32>, Option<u32>)> = FxHashMap::default();
        for d in days {
            let Some(mut day) = self.days.remove(d) else { continue };
            self.held -= day.held;
            if !day.added.is_empty() {
                day.added.sort_unstable();
                delta.ledgers.push(LedgerDelta { day: *d, added: std::mem::take(&mut day.added) });
            }
            for ((r, record_env), tally) in &day.by_resource {
                let (env, maker) = *known.entry(*r).or_insert_with(|| {
                    let s = scopes.get(&self.resources.values[*r as usize]);
                    let env = s.and_then(|s| s.environment_id.as_deref()).map(|e| self.environments.intern(e));
                    (env, s.and_then(|s| s.maker.as_deref()).map(|m| makers.intern(m)))
                });
                let mut targets = vec![(UsageScope::Resource, *r), (UsageScope::Tenant, 0)];
                targets.extend(env.or(*record_env).map(|e| (UsageScope::Environment, e)));
                targets.extend(maker.map(|m| (UsageScope::Maker, m)));
                spread(&mut rows, &targets, *d, UsageMetric::Use, tally);
                let span = spans.entry(*r).or_insert((*d, *d));
                span.0 = span.0.min(*d);
                span.1 = span.1.max(*d);
            }
            for (metric, by_env) in [(UsageMetric::Use, &day.loose), (UsageMetric::Make, &day.make)] {
                for (env, tally) in by_env {
                    let mut targets = vec![(UsageScope::Tenant, 0)];
                    targets.extend(env.map(|e| (UsageScope::Environment, e)));
                    spread(&mut rows, &targets, *d, metric, tally);
                }
            }
        }
        // Actors are renumbered densely over this delta only.
        let mut remap: FxHashMap<u32, u32> = FxHashMap::default();
        let mut ordered: Vec<(RowKey, Tally)> = rows.into_iter().collect();
        ordered.sort_unstable_by_key(|(k, _)| *k);
        delta.rows.reserve(ordered.len());
        for (key, tally) in ordered {
            let mut actors: Vec<u32> = tally
                .actors
                .iter()
                .map(|a| {
                    let next = remap.len() as u32;
                    *remap.entry(*a).or_insert_with(|| {
                        delta.actors.push(self.actors.values[*a as usize].clone());
                        next
                    })
                })
                .collect();
            actors.sort_unstable();
            let scope_id = match key.scope {
                UsageScope::Resource => self.resources.values[key.id as usize].clone(),
                UsageScope::Environment => self.environments.values[key.id as usize].clone(),
                UsageScope::Maker => makers.values[key.id as usize].clone(),
                UsageScope::Tenant => self.tenant_id.clone(),
            };
            delta.rows.push(RollupDelta {
                scope: key.scope,
                scope_id,
                period: key.period,
                start: key.start,
                metric: key.metric,
                uses: tally.uses,
                actors,
            });
        }
        let mut span_list: Vec<SpanDelta> = spans
            .into_iter()
            .map(|(r, (first, last))| SpanDelta { resource_id: self.resources.values[r as usize].clone(), first, last })
            .collect();
        span_list.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        delta.spans = span_list;
        delta
    }
}

/// A rollup row being built. `id` indexes the resource or environment interner, the maker
/// interner of the `take` call, or is 0 for the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RowKey {
    scope: UsageScope,
    id: u32,
    period: UsagePeriod,
    start: NaiveDate,
    metric: UsageMetric,
}

/// Add one day's tally to the day, week and month rows of every target scope.
fn spread(
    rows: &mut FxHashMap<RowKey, Tally>,
    targets: &[(UsageScope, u32)],
    day: NaiveDate,
    metric: UsageMetric,
    tally: &Tally,
) {
    for &(scope, id) in targets {
        for period in UsagePeriod::ALL {
            let key = RowKey { scope, id, period: *period, start: period.start_of(day), metric };
            let row = rows.entry(key).or_default();
            row.uses += tally.uses;
            row.actors.extend(tally.actors.iter().copied());
        }
    }
}

/// Feed owned events through an aggregator, opening days with `ledger` as they come: the
/// shape every non-streaming writer needs. Answers what became of each event, in order.
pub fn aggregate_events<'a>(
    aggregator: &mut Aggregator,
    events: impl IntoIterator<Item = &'a steward_model::UsageEvent>,
    mut ledger: impl FnMut(NaiveDate) -> DayLedger,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for e in events {
        let actor = e.principal_id.as_deref().or(e.principal_upn.as_deref());
        let event = EventRef {
            id_hash: record_hash(&e.id),
            day: e.occurred_at.date_naive(),
            kind: e.kind,
            resource_id: e.resource_id.as_deref(),
            environment_id: e.environment_id.as_deref(),
            actor,
        };
        let mut outcome = aggregator.add(&event);
        if outcome == Outcome::NeedsLedger {
            aggregator.open_day(event.day, ledger(event.day));
            outcome = aggregator.add(&event);
        }
        outcomes.push(outcome);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        id: &str,
        day: u32,
        kind: UsageKind,
        resource: Option<&'static str>,
        actor: &'static str,
    ) -> EventRef<'static> {
        EventRef {
            id_hash: record_hash(id),
            day: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
            kind,
            resource_id: resource,
            environment_id: Some("env-1"),
            actor: Some(actor),
        }
    }

    fn open(agg: &mut Aggregator, e: &EventRef<'_>) -> Outcome {
        match agg.add(e) {
            Outcome::NeedsLedger => {
                agg.open_day(e.day, DayLedger::Open(vec![]));
                agg.add(e)
            }
            o => o,
        }
    }

    fn row(d: &UsageDelta, scope: UsageScope, period: UsagePeriod, metric: UsageMetric) -> Vec<&RollupDelta> {
        d.rows.iter().filter(|r| r.scope == scope && r.period == period && r.metric == metric).collect()
    }

    #[test]
    fn counts_uses_and_distinct_users_across_scopes_and_periods() {
        let mut agg = Aggregator::new("t1");
        // 2026-10-05 is a Monday; the 4th is the Sunday before it.
        for e in [
            ev("a", 4, UsageKind::Launch, Some("app-1"), "u1@contoso.com"),
            ev("b", 5, UsageKind::Launch, Some("app-1"), "U1@Contoso.com"),
            ev("c", 5, UsageKind::Launch, Some("app-1"), "u2"),
            ev("C", 5, UsageKind::Launch, Some("app-1"), "u2"),
            ev("d", 5, UsageKind::Edit, Some("app-1"), "maker"),
            ev("e", 5, UsageKind::Other, Some("app-1"), "u3"),
        ] {
            open(&mut agg, &e);
        }
        assert_eq!(agg.stats(), AggregateStats { counted: 4, duplicates: 1, sealed: 0, not_counted: 1 });
        let mut scopes = HashMap::new();
        scopes.insert(
            "app-1".to_string(),
            ResourceScopes {
                resource_id: "app-1".into(),
                environment_id: Some("env-inv".into()),
                maker: Some("m1".into()),
            },
        );
        assert!(agg.approx_bytes() > 0);
        let delta = agg.take(&agg.open_days(), &scopes);
        let days = row(&delta, UsageScope::Resource, UsagePeriod::Day, UsageMetric::Use);
        assert_eq!(days.iter().map(|r| (r.uses, r.actors.len())).collect::<Vec<_>>(), vec![(1, 1), (2, 2)]);
        let weeks = row(&delta, UsageScope::Resource, UsagePeriod::Week, UsageMetric::Use);
        assert_eq!(weeks.len(), 2, "Sunday and Monday fall in different ISO weeks");
        let month = row(&delta, UsageScope::Resource, UsagePeriod::Month, UsageMetric::Use);
        assert_eq!((month[0].uses, month[0].actors.len()), (3, 2), "UPNs compare without case");
        let env = row(&delta, UsageScope::Environment, UsagePeriod::Month, UsageMetric::Use);
        assert_eq!(env[0].scope_id, "env-inv", "the inventory's environment wins over the record's");
        assert_eq!(row(&delta, UsageScope::Maker, UsagePeriod::Month, UsageMetric::Use)[0].scope_id, "m1");
        let makers = row(&delta, UsageScope::Tenant, UsagePeriod::Month, UsageMetric::Make);
        assert_eq!((makers[0].uses, makers[0].actors.len()), (1, 1));
        assert_eq!(
            delta.ledgers.iter().map(|l| l.added.len()).sum::<usize>(),
            5,
            "every distinct record enters the ledger, the one not counted too"
        );
        assert_eq!(agg.approx_bytes(), 0, "taking every open day releases what they held");
        assert_eq!(delta.spans[0].first, NaiveDate::from_ymd_opt(2026, 10, 4).unwrap());
        assert_eq!(delta.spans[0].last, NaiveDate::from_ymd_opt(2026, 10, 5).unwrap());
    }

    #[test]
    fn stored_ledger_and_sealed_days_refuse_records() {
        let mut agg = Aggregator::new("t1");
        let stored = ev("a", 6, UsageKind::Launch, Some("app"), "u");
        agg.open_day(stored.day, DayLedger::Open(vec![stored.id_hash]));
        assert_eq!(agg.add(&stored), Outcome::Duplicate);
        let old = ev("z", 1, UsageKind::Launch, Some("app"), "u");
        agg.open_day(old.day, DayLedger::Sealed);
        assert_eq!(agg.add(&old), Outcome::Sealed);
        let delta = agg.take(&agg.open_days(), &HashMap::new());
        assert!(delta.is_empty(), "nothing new to write: {delta:?}");
    }
}
