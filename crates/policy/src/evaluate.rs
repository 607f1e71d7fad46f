//! Running a compiled policy set over a fact table.
//!
//! Scope filters are turned into bit masks before anything is evaluated: one mask of resource
//! policies per resource kind (from the set) and one per environment (from the table), so a
//! resource only meets the policies whose scope admits it, and an out-of-scope pair costs a
//! bit test. Resources are visited once each, in chunks handed to `threads` scoped threads;
//! each resource runs every policy that applies to it while its row is in cache. Findings
//! come back ordered by policy id, then subject id, whatever the thread count.

use crate::cel::{EvalError, Evidence, Program, compile};
use crate::facts::{EnvironmentFacts, FactTable, ResourceFacts, Subject};
use crate::model::{Level, Policy, PolicySet, Scope, Source};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use steward_model::ResourceKind;

/// A policy left out of a compiled set because its condition does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub policy_id: String,
    /// Where the policy was read from; the loader maps `offset` to a line and column.
    pub source: Source,
    /// Byte offset into the condition.
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: policy `{}`: {}", self.source.file, self.source.line, self.policy_id, self.message)
    }
}

/// A subject that violates a policy.
///
/// Ids are shared with the compiled set and the fact rows: a finding holds pointers, not
/// copies, so millions of them cost little more than their evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub policy_id: Arc<str>,
    pub subject: Subject,
    pub subject_id: Arc<str>,
    /// The resource's environment, or the environment itself.
    pub environment_id: Arc<str>,
    pub tenant_id: Arc<str>,
    pub level: Level,
    /// The facts the condition read, with their values.
    pub evidence: Evidence,
}

impl Finding {
    /// The evidence as a JSON object, path to value (what is recorded and printed).
    pub fn evidence_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.evidence.iter().map(|(path, value)| ((*path).to_owned(), value.clone())).collect(),
        )
    }
}

/// A finding before its evidence is gathered: the policy's position in the set and the
/// subject's in the table (`resources` or `environments` by the policy's subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    pub policy: u32,
    pub subject: u32,
}

/// What one policy did over a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyCount {
    pub policy_id: String,
    pub subject: Subject,
    /// Subjects the scope admitted (conditions evaluated).
    pub in_scope: u64,
    pub violations: u64,
    /// Evaluations that failed (overflow, division by zero, index out of range): counted as
    /// not violating.
    pub errors: u64,
}

struct Compiled {
    policy: Policy,
    /// `policy.id`, shared with the findings.
    id: Arc<str>,
    program: Program,
}

/// A policy set ready to run: policies sorted by id, conditions compiled, scope masks by kind.
pub struct CompiledSet {
    version: String,
    policies: Vec<Compiled>,
    /// Positions (in `policies`) of resource policies; bit `j` of a mask is `resource[j]`.
    resource: Vec<u32>,
    environment: Vec<u32>,
    /// Per resource kind, the resource policies whose `kinds` admit it.
    kind_masks: Vec<Vec<u64>>,
}

/// Compiles every policy of a set. A policy whose condition does not compile is reported and
/// left out; the others run.
pub fn compile_set(set: &PolicySet) -> (CompiledSet, Vec<PolicyError>) {
    let mut errors = Vec::new();
    let mut policies: Vec<Compiled> = Vec::with_capacity(set.policies.len());
    for p in &set.policies {
        match compile(&p.condition, p.subject, &p.params) {
            Ok(program) => policies.push(Compiled { policy: p.clone(), id: Arc::from(p.id.as_str()), program }),
            Err(e) => errors.push(PolicyError {
                policy_id: p.id.clone(),
                source: p.source.clone(),
                offset: e.offset,
                len: e.len,
                message: e.message,
            }),
        }
    }
    policies.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
    let pos = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let resource: Vec<u32> = policies
        .iter()
        .enumerate()
        .filter(|(_, c)| c.policy.subject == Subject::Resource)
        .map(|(i, _)| pos(i))
        .collect();
    let environment: Vec<u32> = policies
        .iter()
        .enumerate()
        .filter(|(_, c)| c.policy.subject == Subject::Environment)
        .map(|(i, _)| pos(i))
        .collect();
    let words = resource.len().div_ceil(64);
    let kind_masks = ResourceKind::ALL
        .iter()
        .map(|kind| {
            let mut mask = vec![0u64; words];
            for (j, &p) in resource.iter().enumerate() {
                let kinds = &policies[p as usize].policy.scope.kinds;
                if kinds.is_empty() || kinds.contains(kind) {
                    mask[j / 64] |= 1 << (j % 64);
                }
            }
            mask
        })
        .collect();
    (CompiledSet { version: set.version.clone(), policies, resource, environment, kind_masks }, errors)
}

/// Platform names compare ignoring case and punctuation (`power_platform` is `powerplatform`).
/// Runs for every candidate pair of a platform-scoped policy, so it does not allocate.
fn same_platform(a: &str, b: &str) -> bool {
    fn letters(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().filter(u8::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase())
    }
    letters(a).eq(letters(b))
}

/// The environment part of a scope (ids or names, types, groups; ids, names and groups
/// compare ignoring ASCII case). Platforms are checked on the subject.
fn environment_in_scope(scope: &Scope, e: &EnvironmentFacts) -> bool {
    (scope.environments.is_empty()
        || scope.environments.iter().any(|s| s.eq_ignore_ascii_case(&e.id) || s.eq_ignore_ascii_case(&e.name)))
        && (scope.environment_types.is_empty() || scope.environment_types.contains(&e.environment_type))
        && (scope.groups.is_empty() || scope.groups.iter().any(|g| g.eq_ignore_ascii_case(&e.group)))
}

fn platform_in_scope(scope: &Scope, platform: &str) -> bool {
    scope.platforms.is_empty() || scope.platforms.iter().any(|p| same_platform(p, platform))
}

/// What a pass over the table collects.
#[derive(Clone, Copy)]
struct Want {
    hits: bool,
    counts: bool,
}

/// What a pass over the table collects per chunk.
#[derive(Default)]
struct Tally {
    hits: Vec<Hit>,
    /// Per policy position: in scope, violations, errors (only when counting).
    counts: Vec<[u64; 3]>,
}

impl Tally {
    fn record(&mut self, want: Want, policy: u32, subject: usize, result: Result<bool, EvalError>) {
        if want.counts {
            let c = &mut self.counts[policy as usize];
            c[0] += 1;
            match result {
                Ok(true) => c[1] += 1,
                Ok(false) => {}
                Err(_) => c[2] += 1,
            }
        }
        if want.hits && result == Ok(true) {
            self.hits.push(Hit { policy, subject: u32::try_from(subject).unwrap_or(u32::MAX) });
        }
    }
}

/// Resources per chunk: small enough to balance two threads over uneven rows, large enough
/// that taking a chunk costs nothing.
const CHUNK: usize = 4096;

impl CompiledSet {
    /// The version of the set this was compiled from.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The policies that compiled, sorted by id.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.iter().map(|c| &c.policy)
    }

    pub fn len(&self) -> usize {
        self.policies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The compiled condition of a policy.
    pub fn program(&self, policy_id: &str) -> Option<&Program> {
        self.policies.iter().find(|c| c.policy.id == policy_id).map(|c| &c.program)
    }

    /// Every violation, with evidence, ordered by policy id then subject id.
    pub fn evaluate(&self, facts: &FactTable, threads: usize) -> Vec<Finding> {
        let hits = self.evaluate_hits(facts, threads);
        self.findings(facts, &hits, threads)
    }

    /// [`evaluate`](Self::evaluate) and [`evaluate_counts`](Self::evaluate_counts) in one pass
    /// over the table.
    pub fn evaluate_with_counts(&self, facts: &FactTable, threads: usize) -> (Vec<Finding>, Vec<PolicyCount>) {
        let (hits, counts) = self.evaluate_hits_with_counts(facts, threads);
        (self.findings(facts, &hits, threads), counts)
    }

    /// [`evaluate_hits`](Self::evaluate_hits) and [`evaluate_counts`](Self::evaluate_counts) in
    /// one pass over the table.
    pub fn evaluate_hits_with_counts(&self, facts: &FactTable, threads: usize) -> (Vec<Hit>, Vec<PolicyCount>) {
        let tallies = self.run(facts, threads, Want { hits: true, counts: true });
        let counts = self.sum_counts(&tallies);
        (self.order_hits(facts, tallies), counts)
    }

    /// The rows hits point at, each once, in table order: resources, then environments.
    pub fn hit_subjects<'f>(
        &self,
        facts: &'f FactTable,
        hits: &[Hit],
    ) -> (Vec<&'f ResourceFacts>, Vec<&'f EnvironmentFacts>) {
        let mut resources = vec![false; facts.resources.len()];
        let mut environments = vec![false; facts.environments.len()];
        for h in hits {
            let seen = match self.policies[h.policy as usize].policy.subject {
                Subject::Resource => resources.get_mut(h.subject as usize),
                Subject::Environment => environments.get_mut(h.subject as usize),
            };
            if let Some(seen) = seen {
                *seen = true;
            }
        }
        (
            facts.resources.iter().zip(resources).filter_map(|(r, seen)| seen.then_some(r)).collect(),
            facts.environments.iter().zip(environments).filter_map(|(e, seen)| seen.then_some(&**e)).collect(),
        )
    }

    /// Findings for hits, gathered on `threads` threads, in the hits' order.
    pub fn findings(&self, facts: &FactTable, hits: &[Hit], threads: usize) -> Vec<Finding> {
        let threads = threads.max(1);
        if threads == 1 || hits.len() < 1024 {
            return hits.iter().map(|h| self.finding(facts, *h)).collect();
        }
        let per = hits.len().div_ceil(threads);
        let mut findings = Vec::with_capacity(hits.len());
        std::thread::scope(|s| {
            let parts: Vec<_> = hits
                .chunks(per)
                .map(|part| s.spawn(move || part.iter().map(|h| self.finding(facts, *h)).collect::<Vec<_>>()))
                .collect();
            for p in parts {
                findings.extend(p.join().unwrap_or_default());
            }
        });
        findings
    }

    /// The evidence-free form of [`evaluate`](Self::evaluate): what violates what, ordered by
    /// policy id then subject id. Turn a hit into a finding with [`finding`](Self::finding).
    pub fn evaluate_hits(&self, facts: &FactTable, threads: usize) -> Vec<Hit> {
        let tallies = self.run(facts, threads, Want { hits: true, counts: false });
        self.order_hits(facts, tallies)
    }

    fn order_hits(&self, facts: &FactTable, tallies: Vec<Tally>) -> Vec<Hit> {
        let mut hits: Vec<Hit> = tallies.into_iter().flat_map(|t| t.hits).collect();
        // Chunks come back in table order with policies ascending within a subject; a
        // counting sort by policy makes the order (policy, subject) without comparing.
        let mut starts = vec![0usize; self.policies.len() + 1];
        for h in &hits {
            starts[h.policy as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut sorted = vec![Hit { policy: 0, subject: 0 }; hits.len()];
        let mut next = starts.clone();
        for h in hits.drain(..) {
            let slot = &mut next[h.policy as usize];
            sorted[*slot] = h;
            *slot += 1;
        }
        // Subject order is id order when the table is sorted (the builder sorts it); sort each
        // policy's run by id otherwise.
        let resources_sorted = facts.resources.is_sorted_by(|a, b| a.id <= b.id);
        let environments_sorted = facts.environments.is_sorted_by(|a, b| a.id <= b.id);
        for (p, c) in self.policies.iter().enumerate() {
            let run = &mut sorted[starts[p]..starts[p + 1]];
            match c.policy.subject {
                Subject::Resource if !resources_sorted => run.sort_by(|a, b| {
                    facts.resources[a.subject as usize].id.cmp(&facts.resources[b.subject as usize].id)
                }),
                Subject::Environment if !environments_sorted => run.sort_by(|a, b| {
                    facts.environments[a.subject as usize].id.cmp(&facts.environments[b.subject as usize].id)
                }),
                _ => {}
            }
        }
        sorted
    }

    /// Per policy (sorted by id): subjects in scope, violations and evaluation errors. For
    /// dry runs and benchmarks: nothing is collected but counts.
    pub fn evaluate_counts(&self, facts: &FactTable, threads: usize) -> Vec<PolicyCount> {
        let tallies = self.run(facts, threads, Want { hits: false, counts: true });
        self.sum_counts(&tallies)
    }

    fn sum_counts(&self, tallies: &[Tally]) -> Vec<PolicyCount> {
        let mut totals = vec![[0u64; 3]; self.policies.len()];
        for t in tallies {
            for (total, c) in totals.iter_mut().zip(&t.counts) {
                for k in 0..3 {
                    total[k] += c[k];
                }
            }
        }
        self.policies
            .iter()
            .zip(totals)
            .map(|(c, [in_scope, violations, errors])| PolicyCount {
                policy_id: c.policy.id.clone(),
                subject: c.policy.subject,
                in_scope,
                violations,
                errors,
            })
            .collect()
    }

    /// The finding a hit stands for, with its evidence.
    pub fn finding(&self, facts: &FactTable, hit: Hit) -> Finding {
        let c = &self.policies[hit.policy as usize];
        match c.policy.subject {
            Subject::Resource => {
                let r = &facts.resources[hit.subject as usize];
                Finding {
                    policy_id: c.id.clone(),
                    subject: Subject::Resource,
                    subject_id: r.id.clone(),
                    environment_id: r.environment.id.clone(),
                    tenant_id: r.tenant_id.clone(),
                    level: c.policy.level,
                    evidence: c.program.evidence_resource(r),
                }
            }
            Subject::Environment => {
                let e = &facts.environments[hit.subject as usize];
                Finding {
                    policy_id: c.id.clone(),
                    subject: Subject::Environment,
                    subject_id: e.id.clone(),
                    environment_id: e.id.clone(),
                    tenant_id: e.tenant_id.clone(),
                    level: c.policy.level,
                    evidence: c.program.evidence_environment(e),
                }
            }
        }
    }

    /// One pass over the table: environment policies over environments (in the calling
    /// thread: there are few), resource policies over resources in chunks on `threads`.
    fn run(&self, facts: &FactTable, threads: usize, want: Want) -> Vec<Tally> {
        let new_tally = || Tally {
            hits: Vec::new(),
            counts: if want.counts { vec![[0; 3]; self.policies.len()] } else { Vec::new() },
        };

        let mut env_tally = new_tally();
        for &p in &self.environment {
            let c = &self.policies[p as usize];
            for (i, e) in facts.environments.iter().enumerate() {
                if environment_in_scope(&c.policy.scope, e) && platform_in_scope(&c.policy.scope, &e.platform) {
                    env_tally.record(want, p, i, c.program.try_eval_environment(e));
                }
            }
        }
        if self.resource.is_empty() || facts.resources.is_empty() {
            return vec![env_tally];
        }

        let words = self.resource.len().div_ceil(64);
        // Per environment of the table, the resource policies whose scope admits it.
        let mut env_masks = vec![0u64; facts.environments.len() * words];
        for (i, e) in facts.environments.iter().enumerate() {
            let mask = &mut env_masks[i * words..(i + 1) * words];
            self.environment_mask(e, mask);
        }

        let chunks = facts.resources.len().div_ceil(CHUNK);
        let next = AtomicUsize::new(0);
        let work = |tally: &mut Tally, out: &mut Vec<(usize, Tally)>| {
            let mut own_mask = vec![0u64; words];
            loop {
                let chunk = next.fetch_add(1, Ordering::Relaxed);
                if chunk >= chunks {
                    break;
                }
                let start = chunk * CHUNK;
                let end = (start + CHUNK).min(facts.resources.len());
                for (i, r) in facts.resources[start..end].iter().enumerate() {
                    let env = self.mask_of(facts, r, &env_masks, words, &mut own_mask);
                    self.run_resource(r, start + i, env, want, tally);
                }
                if want.hits {
                    // Hits go with their chunk (to be put back in table order); counts stay.
                    out.push((chunk, Tally { hits: std::mem::take(&mut tally.hits), counts: Vec::new() }));
                }
            }
        };

        let threads = threads.clamp(1, chunks.max(1));
        let mut per_thread: Vec<(Tally, Vec<(usize, Tally)>)> = if threads == 1 {
            let mut tally = new_tally();
            let mut out = Vec::new();
            work(&mut tally, &mut out);
            vec![(tally, out)]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let work = &work;
                        let mut tally = new_tally();
                        s.spawn(move || {
                            let mut out = Vec::new();
                            work(&mut tally, &mut out);
                            (tally, out)
                        })
                    })
                    .collect();
                // A panicking evaluation is a bug; its chunks are lost rather than the run.
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            })
        };

        let mut tallies = vec![env_tally];
        let mut chunked: Vec<(usize, Tally)> = Vec::with_capacity(chunks);
        for (tally, out) in per_thread.drain(..) {
            tallies.push(tally);
            chunked.extend(out);
        }
        chunked.sort_by_key(|(chunk, _)| *chunk);
        // Environment hits first, then resources in table order: the policy counting sort
        // keeps this order within each policy.
        tallies.extend(chunked.into_iter().map(|(_, t)| t));
        tallies
    }

    fn environment_mask(&self, e: &EnvironmentFacts, mask: &mut [u64]) {
        mask.fill(0);
        for (j, &p) in self.resource.iter().enumerate() {
            if environment_in_scope(&self.policies[p as usize].policy.scope, e) {
                mask[j / 64] |= 1 << (j % 64);
            }
        }
    }

    /// The environment mask of a resource: the table's, when the resource points at the
    /// table's row for its environment (the builder's tables always do), else computed.
    fn mask_of<'m>(
        &self,
        facts: &FactTable,
        r: &ResourceFacts,
        env_masks: &'m [u64],
        words: usize,
        own: &'m mut [u64],
    ) -> &'m [u64] {
        let i = r.environment.index as usize;
        if facts.environments.get(i).is_some_and(|e| Arc::ptr_eq(e, &r.environment)) {
            &env_masks[i * words..(i + 1) * words]
        } else {
            self.environment_mask(&r.environment, own);
            own
        }
    }

    fn run_resource(&self, r: &ResourceFacts, index: usize, env_mask: &[u64], want: Want, tally: &mut Tally) {
        let kind_mask = &self.kind_masks[r.kind as usize];
        for (w, (k, e)) in kind_mask.iter().zip(env_mask).enumerate() {
            let mut bits = k & e;
            while bits != 0 {
                let j = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let p = self.resource[j];
                let c = &self.policies[p as usize];
                if !platform_in_scope(&c.policy.scope, &r.platform) {
                    continue;
                }
                tally.record(want, p, index, c.program.try_eval_resource(r));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::{ParamValue, Params};
    use crate::model::{Effect, Scope};
    use steward_model::EnvironmentType;

    pub(crate) fn policy(id: &str, subject: Subject, condition: &str, scope: Scope) -> Policy {
        let mut params = Params::new();
        params.insert("n".into(), ParamValue::Int(20));
        Policy {
            id: id.into(),
            version: 1,
            title: id.into(),
            rationale: String::new(),
            level: Level::Should,
            subject,
            scope,
            params,
            condition: condition.into(),
            remediation: String::new(),
            effect: Effect::Record,
            tracked: false,
            source: Source { file: "t.yaml".into(), line: 3 },
        }
    }

    fn env(id: &str, ty: EnvironmentType, group: &str, index: u32) -> Arc<EnvironmentFacts> {
        let mut e = EnvironmentFacts::unknown(id, Arc::from("t"), Arc::from("powerplatform"));
        e.environment_type = ty;
        e.group = group.into();
        e.name = format!("Name {id}").into();
        e.index = index;
        Arc::new(e)
    }

    fn table() -> FactTable {
        let envs = vec![
            env("e1", EnvironmentType::Default, "", 0),
            env("e2", EnvironmentType::Production, "finance", 1),
            env("e3", EnvironmentType::Sandbox, "hr", 2),
        ];
        let mut resources = Vec::new();
        for i in 0..9000 {
            let kind = ResourceKind::ALL[i % ResourceKind::ALL.len()];
            let mut r = ResourceFacts::new(&format!("r{i:05}"), kind, envs[i % 3].clone());
            r.shared_users = u32::try_from(i % 50).unwrap_or(0);
            r.owner_count = u32::try_from(i % 3).unwrap_or(0);
            resources.push(r);
        }
        FactTable { resources, environments: envs }
    }

    fn set(policies: Vec<Policy>) -> PolicySet {
        PolicySet { version: "v1".into(), policies }
    }

    /// What the evaluator must find, worked out one pair at a time.
    fn brute_force(set: &PolicySet, facts: &FactTable) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut policies: Vec<&Policy> = set.policies.iter().collect();
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        for p in policies {
            let Ok(program) = compile(&p.condition, p.subject, &p.params) else { continue };
            match p.subject {
                Subject::Resource => {
                    let mut ids: Vec<String> = facts
                        .resources
                        .iter()
                        .filter(|r| p.scope.kinds.is_empty() || p.scope.kinds.contains(&r.kind))
                        .filter(|r| environment_in_scope(&p.scope, &r.environment))
                        .filter(|r| platform_in_scope(&p.scope, &r.platform))
                        .filter(|r| program.eval_resource(r))
                        .map(|r| String::from(&*r.id))
                        .collect();
                    ids.sort();
                    out.extend(ids.into_iter().map(|id| (p.id.clone(), id)));
                }
                Subject::Environment => {
                    let mut ids: Vec<String> = facts
                        .environments
                        .iter()
                        .filter(|e| environment_in_scope(&p.scope, e) && program.eval_environment(e))
                        .map(|e| String::from(&*e.id))
                        .collect();
                    ids.sort();
                    out.extend(ids.into_iter().map(|id| (p.id.clone(), id)));
                }
            }
        }
        out
    }

    fn sample_set() -> PolicySet {
        let mut many = Vec::new();
        // More than 64 resource policies: masks span several words.
        for i in 0..70 {
            let scope = Scope {
                kinds: if i % 3 == 0 { vec![ResourceKind::ALL[i % 11]] } else { vec![] },
                environment_types: if i % 4 == 0 { vec![EnvironmentType::Production] } else { vec![] },
                groups: if i % 5 == 0 { vec!["HR".into()] } else { vec![] },
                environments: if i % 7 == 0 { vec!["Name e1".into(), "e2".into()] } else { vec![] },
                platforms: if i % 9 == 0 { vec!["power_platform".into()] } else { vec![] },
            };
            let condition = format!("resource.shared_users > {} && resource.owner_count != {}", i % 40, i % 3);
            many.push(policy(&format!("p{i:02}"), Subject::Resource, &condition, scope));
        }
        many.push(policy("env-default", Subject::Environment, "environment.type == 'default'", Scope::default()));
        many.push(policy(
            "env-groups",
            Subject::Environment,
            "environment.group != ''",
            Scope { groups: vec!["finance".into()], ..Scope::default() },
        ));
        many.push(policy("broken", Subject::Resource, "resource.nope > params.n", Scope::default()));
        many.push(policy(
            "errors",
            Subject::Resource,
            "resource.shared_users / resource.owner_count > 5",
            Scope::default(),
        ));
        // Out of every scope: a platform nobody has.
        many.push(policy(
            "elsewhere",
            Subject::Resource,
            "true",
            Scope { platforms: vec!["salesforce".into()], ..Scope::default() },
        ));
        many.reverse();
        set(many)
    }

    #[test]
    fn findings_match_a_pair_by_pair_evaluation_for_any_thread_count() {
        let facts = table();
        let set = sample_set();
        let (compiled, errors) = compile_set(&set);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].policy_id, "broken");
        assert!(errors[0].message.contains("resource.nope"), "{:?}", errors[0]);
        assert_eq!(errors[0].source.line, 3);
        assert_eq!(compiled.len(), set.policies.len() - 1);

        let expected = brute_force(&set, &facts);
        assert!(expected.len() > 10_000, "a meaningful number of findings ({})", expected.len());
        for threads in [1, 2, 3, 8] {
            let findings = compiled.evaluate(&facts, threads);
            let got: Vec<(String, String)> =
                findings.iter().map(|f| (f.policy_id.to_string(), f.subject_id.to_string())).collect();
            assert_eq!(got.len(), expected.len(), "{threads} threads");
            assert!(got == expected, "{threads} threads: order or content differs");
        }
        let findings = compiled.evaluate(&facts, 2);
        let env = findings.iter().find(|f| &*f.policy_id == "env-default").map(|f| &*f.subject_id);
        assert_eq!(env, Some("e1"));
        let groups: Vec<&str> =
            findings.iter().filter(|f| &*f.policy_id == "env-groups").map(|f| &*f.subject_id).collect();
        assert_eq!(groups, ["e2"]);
        let f = findings.iter().find(|f| &*f.policy_id == "p01").unwrap_or_else(|| panic!("p01 fires"));
        assert_eq!(f.level, Level::Should);
        assert_eq!(&*f.tenant_id, "t");
        let paths: Vec<&str> = f.evidence.iter().map(|(p, _)| *p).collect();
        assert_eq!(paths, ["resource.shared_users", "resource.owner_count"]);
        assert!(!findings.iter().any(|f| &*f.policy_id == "elsewhere"));
    }

    #[test]
    fn counts_add_up_and_errors_are_counted() {
        let facts = table();
        let set = sample_set();
        let (compiled, _) = compile_set(&set);
        let counts = compiled.evaluate_counts(&facts, 2);
        let expected = brute_force(&set, &facts);
        let total: u64 = counts.iter().map(|c| c.violations).sum();
        assert_eq!(total as usize, expected.len());
        let errors = counts.iter().find(|c| c.policy_id == "errors").cloned().unwrap_or_default();
        assert_eq!(errors.in_scope, 9000);
        assert_eq!(errors.errors, 3000, "owner_count is 0 for a third of the resources");
        let elsewhere = counts.iter().find(|c| c.policy_id == "elsewhere").cloned().unwrap_or_default();
        assert_eq!(elsewhere.in_scope, 0);
        let ids: Vec<&str> = counts.iter().map(|c| c.policy_id.as_str()).collect();
        assert!(ids.is_sorted());
        assert_eq!(counts, compiled.evaluate_counts(&facts, 1));
        let (findings, both) = compiled.evaluate_with_counts(&facts, 2);
        assert_eq!(both, counts);
        assert!(findings == compiled.evaluate(&facts, 2));
    }

    #[test]
    fn unsorted_tables_and_foreign_environment_rows_still_give_ordered_findings() {
        let mut facts = table();
        facts.resources.reverse();
        // A resource whose environment row is not the table's (a hand-made table).
        let stray = env("e2", EnvironmentType::Production, "finance", 0);
        facts.resources[0].environment = stray;
        let set = sample_set();
        let (compiled, _) = compile_set(&set);
        let expected = brute_force(&set, &facts);
        let got: Vec<(String, String)> = compiled
            .evaluate(&facts, 2)
            .into_iter()
            .map(|f| (f.policy_id.to_string(), f.subject_id.to_string()))
            .collect();
        assert!(got == expected);
    }

    #[test]
    fn platforms_compare_ignoring_case_and_punctuation() {
        assert!(same_platform("power_platform", "powerplatform"));
        assert!(same_platform("Power-Platform", "powerplatform"));
        assert!(!same_platform("salesforce", "powerplatform"));
        assert!(!same_platform("powerplatform2", "powerplatform"));
    }

    #[test]
    fn compiled_sets_are_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<CompiledSet>();
        shared::<Program>();
        shared::<FactTable>();
    }

    #[test]
    fn an_empty_set_or_table_finds_nothing() {
        let (compiled, errors) = compile_set(&set(vec![]));
        assert!(errors.is_empty() && compiled.is_empty());
        assert!(compiled.evaluate(&table(), 2).is_empty());
        let (compiled, _) = compile_set(&sample_set());
        assert!(compiled.evaluate(&FactTable::default(), 2).is_empty());
    }
}
