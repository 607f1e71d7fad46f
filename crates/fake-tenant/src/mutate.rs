//! Mutations (`POST /_fake/mutate`): change, delete and add resources between two syncs, so
//! that incremental sync can be tested. The same request on the same generation always
//! picks the same resources.

use crate::hash::{coprime_stride, guid, mix};
use crate::inventory::{Added, Inventory, Listing};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_ingest::synthetic::SyntheticTenant;

/// What to do to the tenant. Deletions are picked first, then changes among the remaining
/// resources, then additions (copies of remaining resources, in the same environments).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MutationRequest {
    /// Share of live resources (after deletions) whose display name and last-modified time
    /// change; rounded to a whole number of resources.
    pub changed_fraction: f64,
    pub deleted: u64,
    pub added: u64,
    pub seed: u64,
}

/// What a mutation did: the ids it touched, and the generation it produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationReport {
    pub generation: u64,
    pub changed: Vec<String>,
    pub deleted: Vec<String>,
    pub added: Vec<String>,
}

/// Tag separating the draws of one mutation.
mod draw {
    pub const DELETE: u64 = 1;
    pub const CHANGE: u64 = 2;
    pub const ADD: u64 = 3;
    pub const ADDED_ID: u64 = 4;
}

/// `k` distinct positions in `0..n`, a deterministic function of `seed`.
fn choose(n: u64, k: u64, seed: u64) -> impl Iterator<Item = u64> {
    let stride = coprime_stride(n, seed);
    let start = if n == 0 { 0 } else { mix(seed, 2, n, 0) % n };
    (0..k.min(n)).map(move |i| ((u128::from(start) + u128::from(i) * u128::from(stride)) % u128::from(n)) as u64)
}

/// The inventory after `req`, and what changed.
pub(crate) fn apply(tenant: &SyntheticTenant, inv: &Inventory, req: &MutationRequest) -> (Inventory, MutationReport) {
    let generation = inv.generation + 1;
    let mut next = inv.clone();
    next.generation = generation;
    let mut report = MutationReport { generation, ..MutationReport::default() };

    let live: Vec<u64> = (0..inv.total()).filter(|g| inv.is_live(*g)).collect();
    let seed = |what| mix(req.seed, generation, what, 0);

    let doomed: HashSet<u64> =
        choose(live.len() as u64, req.deleted, seed(draw::DELETE)).map(|p| live[p as usize]).collect();
    let remaining: Vec<u64> = live.into_iter().filter(|g| !doomed.contains(g)).collect();
    let mut doomed_sorted: Vec<u64> = doomed.iter().copied().collect();
    doomed_sorted.sort_unstable();
    for g in &doomed_sorted {
        report.deleted.push(inv.id(tenant, *g));
        next.deleted.insert(*g);
        next.changed.remove(g);
    }

    let n = remaining.len() as u64;
    let k = (req.changed_fraction.clamp(0.0, 1.0) * n as f64).round() as u64;
    let mut touched: Vec<u64> = choose(n, k, seed(draw::CHANGE)).map(|p| remaining[p as usize]).collect();
    touched.sort_unstable();
    for g in touched {
        next.changed.insert(g, generation);
        report.changed.push(inv.id(tenant, g));
    }

    if n > 0 {
        for i in 0..req.added {
            let source = remaining[(mix(seed(draw::ADD), i, 0, 0) % n) as usize];
            let id = guid(req.seed, draw::ADDED_ID, generation, i);
            let g = next.total();
            let template = inv.template(source);
            next.added.push(Added { template, generation, id: id.clone() });
            let env = tenant.environment_of(template);
            let listing = Listing::of(tenant.resource_kind(template));
            if let Some(lists) = next.lists.get_mut(env) {
                // New numbers are above every existing one, so the list stays sorted.
                lists[listing as usize].push(g as u32);
            }
            report.added.push(id);
        }
    }

    if !doomed.is_empty() {
        for lists in &mut next.lists {
            for list in lists.iter_mut() {
                list.retain(|g| !doomed.contains(&u64::from(*g)));
            }
        }
    }
    (next, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_ingest::synthetic::{GenerateOptions, Preset};

    fn tenant() -> SyntheticTenant {
        SyntheticTenant::new(&GenerateOptions::new(Preset::Small, 5))
    }

    fn live_in_lists(inv: &Inventory) -> usize {
        inv.lists.iter().flat_map(|l| l.iter()).map(Vec::len).sum()
    }

    #[test]
    fn exact_numbers_are_changed_deleted_and_added() {
        let t = tenant();
        let inv = Inventory::new(&t, chrono::Utc::now());
        let req = MutationRequest { changed_fraction: 0.1, deleted: 7, added: 5, seed: 1 };
        let (next, report) = apply(&t, &inv, &req);
        assert_eq!(report.deleted.len(), 7);
        assert_eq!(report.changed.len(), 29); // 10% of 293, rounded
        assert_eq!(report.added.len(), 5);
        assert_eq!(live_in_lists(&next), 300 - 7 + 5);
        let again = apply(&t, &inv, &req).1;
        assert_eq!(report, again);
        let deleted: HashSet<&String> = report.deleted.iter().collect();
        assert!(report.changed.iter().all(|id| !deleted.contains(id)));
        for lists in &next.lists {
            for list in lists {
                assert!(list.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn added_resources_render_with_their_own_id_and_changed_ones_with_a_new_name() {
        let t = tenant();
        let inv = Inventory::new(&t, chrono::Utc::now());
        let (next, report) =
            apply(&t, &inv, &MutationRequest { changed_fraction: 0.02, added: 3, seed: 9, ..Default::default() });
        for (i, id) in report.added.iter().enumerate() {
            let g = next.base + i as u64;
            assert_eq!(&next.id(&t, g), id);
            let text = format!("{:?}", next.render(&t, g));
            assert!(text.contains(id.as_str()));
            assert!(!text.contains(&t.resource_id(next.template(g))));
        }
        let changed = next.changed.keys().next().copied().unwrap_or_default();
        assert!(next.name(&t, changed).ends_with("(rev 1)"));
        assert!(next.row(&t, changed).modified > t.resource_summary(changed).modified);
    }
}
