//! Evaluating a query: which rows match, in which order, and one page of them.
//!
//! Rows are keyed by number: environment `e` is `e`, resource `g` is `environments + g`.

use super::parse::{Cmp, Field, Query, Where};
use super::rows::{ENVIRONMENT_TYPE, environment_row, project, resource_row, type_of};
use crate::inventory::Inventory;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use steward_ingest::synthetic::SyntheticTenant;
use steward_model::Timestamp;

/// Queries whose matching rows are kept (a sync pages through a handful at a time).
const CACHED: usize = 4;

struct Entry {
    fingerprint: u64,
    generation: u64,
    keys: Arc<Vec<u64>>,
}

/// Matching rows of recent queries, so that each page does not evaluate the query again.
#[derive(Default)]
pub(crate) struct Cache {
    entries: Mutex<VecDeque<Entry>>,
}

impl Cache {
    fn get_or(&self, fingerprint: u64, generation: u64, compute: impl FnOnce() -> Vec<u64>) -> Arc<Vec<u64>> {
        fn lock(c: &Cache) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
            match c.entries.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            }
        }
        if let Some(e) = lock(self).iter().find(|e| e.fingerprint == fingerprint && e.generation == generation) {
            return e.keys.clone();
        }
        // Evaluated outside the lock: two clients asking at once both compute, neither waits.
        let keys = Arc::new(compute());
        let mut entries = lock(self);
        if entries.len() == CACHED {
            entries.pop_front();
        }
        entries.push_back(Entry { fingerprint, generation, keys: keys.clone() });
        keys
    }
}

fn compare(cmp: Cmp, value: Timestamp, bound: Timestamp) -> bool {
    match cmp {
        Cmp::Gt => value > bound,
        Cmp::Ge => value >= bound,
        Cmp::Lt => value < bound,
        Cmp::Le => value <= bound,
    }
}

/// What filters and sorts look at, for one row.
struct Facts {
    kind: &'static str,
    environment: String,
    name: String,
    display_name: String,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
}

fn passes(wheres: &[Where], kind: &str, environment: &str, modified: impl FnOnce() -> Option<Timestamp>) -> bool {
    let mut modified = Some(modified);
    let mut when = None;
    wheres.iter().all(|w| match w {
        Where::Type(list) => list.iter().any(|t| t == kind),
        Where::Environment(list) => list.iter().any(|e| e == environment),
        Where::Modified(cmp, bound) => {
            if let Some(f) = modified.take() {
                when = f();
            }
            when.is_some_and(|t| compare(*cmp, t, *bound))
        }
    })
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Text(String),
    Time(Option<Timestamp>),
}

fn sort_value(field: Field, f: &Facts) -> SortValue {
    match field {
        Field::Name => SortValue::Text(f.name.clone()),
        Field::Type => SortValue::Text(f.kind.to_string()),
        Field::EnvironmentId => SortValue::Text(f.environment.clone()),
        Field::DisplayName => SortValue::Text(f.display_name.clone()),
        Field::CreatedAt => SortValue::Time(f.created),
        Field::LastModifiedAt => SortValue::Time(f.modified),
    }
}

fn environment_facts(tenant: &SyntheticTenant, e: usize) -> Facts {
    let env = &tenant.environments()[e];
    let wire = tenant.wire_environment(e);
    Facts {
        kind: ENVIRONMENT_TYPE,
        environment: env.name.to_ascii_lowercase(),
        name: env.name.clone(),
        display_name: env.display_name.clone(),
        created: wire.as_ref().and_then(|w| w.properties.created_time),
        modified: wire.as_ref().and_then(|w| w.properties.last_modified_time),
    }
}

fn resource_facts(tenant: &SyntheticTenant, inv: &Inventory, g: u64, kind: &'static str) -> Facts {
    let row = inv.row(tenant, g);
    Facts {
        kind,
        environment: tenant.environments()[row.environment].name.to_ascii_lowercase(),
        name: inv.id(tenant, g),
        display_name: inv.name(tenant, g),
        created: Some(row.created),
        modified: Some(row.modified),
    }
}

/// Keys of the rows matching `q`, in the order it asks for (`take` not applied).
fn matching(tenant: &SyntheticTenant, inv: &Inventory, q: &Query) -> Vec<u64> {
    let envs = tenant.environments();
    let lower: Vec<String> = envs.iter().map(|e| e.name.to_ascii_lowercase()).collect();
    let mut keys = Vec::new();
    for (e, name) in lower.iter().enumerate() {
        let modified = || tenant.wire_environment(e).and_then(|w| w.properties.last_modified_time);
        if passes(&q.wheres, ENVIRONMENT_TYPE, name, modified) {
            keys.push(e as u64);
        }
    }
    let offset = envs.len() as u64;
    for g in 0..inv.total() {
        if !inv.is_live(g) {
            continue;
        }
        let template = inv.template(g);
        let Some(kind) = type_of(tenant.resource_kind(template)) else { continue };
        let env = &lower[tenant.environment_of(template)];
        if passes(&q.wheres, kind, env, || Some(inv.row(tenant, g).modified)) {
            keys.push(offset + g);
        }
    }
    if !q.order.is_empty() {
        let facts = |k: u64| match k.checked_sub(offset) {
            None => environment_facts(tenant, k as usize),
            Some(g) => {
                let kind = type_of(tenant.resource_kind(inv.template(g))).unwrap_or_default();
                resource_facts(tenant, inv, g, kind)
            }
        };
        let mut decorated: Vec<(Vec<SortValue>, u64)> = keys
            .iter()
            .map(|k| {
                let f = facts(*k);
                (q.order.iter().map(|(field, _)| sort_value(*field, &f)).collect(), *k)
            })
            .collect();
        decorated.sort_by(|(a, ka), (b, kb)| {
            for ((x, y), (_, desc)) in a.iter().zip(b).zip(&q.order) {
                let o = x.cmp(y);
                if o != Ordering::Equal {
                    return if *desc { o.reverse() } else { o };
                }
            }
            ka.cmp(kb)
        });
        keys = decorated.into_iter().map(|(_, k)| k).collect();
    }
    keys
}

fn encode_token(fingerprint: u64, generation: u64, offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{fingerprint:016x}.{generation}.{offset}"))
}

fn decode_token(token: &str) -> Option<(u64, u64, u64)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = text.split('.');
    let fp = u64::from_str_radix(parts.next()?, 16).ok()?;
    let generation = parts.next()?.parse().ok()?;
    let offset = parts.next()?.parse().ok()?;
    Some((fp, generation, offset))
}

/// The response body for `q`: one page of matching rows and a skip token for the next.
pub(crate) fn answer(tenant: &SyntheticTenant, inv: &Inventory, cache: &Cache, q: &Query) -> Result<Value, String> {
    let offset = match &q.skip_token {
        Some(token) => {
            let (fp, _generation, offset) =
                decode_token(token).ok_or_else(|| format!("'{token}' is not a skip token this server issued"))?;
            if fp != q.fingerprint {
                return Err("the skip token belongs to another query; send the same TableName and Clauses".to_string());
            }
            offset
        }
        None => q.skip,
    };
    // A token from before a mutation continues over the current rows: like the real API,
    // paging across a change may skip or repeat rows.
    let keys = cache.get_or(q.fingerprint, inv.generation, || matching(tenant, inv, q));
    let total = q.take.map_or(keys.len() as u64, |t| t.min(keys.len() as u64));
    let start = offset.min(total);
    let end = (start + q.top as u64).min(total);
    let envs = tenant.environments().len() as u64;
    let data: Vec<Value> = keys[start as usize..end as usize]
        .iter()
        .map(|k| {
            let row = match k.checked_sub(envs) {
                None => environment_row(tenant, *k as usize),
                Some(g) => resource_row(tenant, inv, g),
            };
            match &q.project {
                Some(fields) => project(row, fields),
                None => row,
            }
        })
        .collect();
    let skip_token = (end < total).then(|| encode_token(q.fingerprint, inv.generation, end));
    Ok(json!({
        "totalRecords": total,
        "count": data.len(),
        // As in the documented sample: 1 while more pages remain.
        "resultTruncated": u8::from(skip_token.is_some()),
        "skipToken": skip_token,
        "data": data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resourcequery::parse;
    use steward_ingest::synthetic::{GenerateOptions, Preset};

    #[test]
    fn pages_cover_every_matching_row_once() {
        let tenant = SyntheticTenant::new(&GenerateOptions::new(Preset::Small, 3));
        let inv = Inventory::new(&tenant, chrono::Utc::now());
        let cache = Cache::default();
        let body = |token: Option<&str>| {
            json!({"TableName": "PowerPlatformResources",
                   "Clauses": [{"$type": "where", "FieldName": "type", "Operator": "in",
                                "Values": ["'microsoft.powerautomate/cloudflows'", "'microsoft.powerapps/canvasapps'"]}],
                   "Options": {"Top": 40, "SkipToken": token}})
            .to_string()
        };
        let mut token: Option<String> = None;
        let mut names = Vec::new();
        loop {
            let q = parse(body(token.as_deref()).as_bytes()).unwrap();
            let page = answer(&tenant, &inv, &cache, &q).unwrap();
            names.extend(page["data"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()));
            match page["skipToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        let expected = (0..tenant.resource_count())
            .filter(|g| {
                matches!(
                    tenant.resource_kind(*g),
                    steward_model::ResourceKind::CanvasApp | steward_model::ResourceKind::CloudFlow
                )
            })
            .count();
        assert_eq!(names.len(), expected);
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }
}
