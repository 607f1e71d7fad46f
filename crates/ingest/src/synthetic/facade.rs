//! A read-only, random-access view of a synthetic tenant, for code that answers API requests on
//! demand (the fake-tenant HTTP server) rather than writing files.
//!
//! Everything it returns is what [`super::generate`] writes for the same options: the same
//! environments, connectors, policies, users, resources and audit blobs, byte for byte once
//! serialised. Each item is a pure function of its index, so a server can produce any page in
//! any order without holding the tenant in memory.

use super::GenerateOptions;
use super::plan::{Plan, WireResource};
use super::seed::{rng, tag};
use super::usage::Day;
use crate::powerplatform::wire::audit::ContentItem;
use crate::powerplatform::wire::{bap, graph, powerapps};
use chrono::NaiveDate;
use std::io::Write;
use steward_model::{EnvironmentType, ResourceKind, Timestamp};

/// One environment of the synthetic tenant, with the facts a server needs to route requests.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticEnvironment {
    /// Position in the environment list (0 is the default environment).
    pub index: usize,
    /// The BAP `name`: `Default-{tenant id}` or a GUID.
    pub name: String,
    pub display_name: String,
    pub kind: EnvironmentType,
    pub has_dataverse: bool,
    /// The Dataverse organisation name (`org1234abcd`), also for environments without Dataverse.
    pub org: String,
    /// Geography, e.g. `unitedstates`.
    pub location: &'static str,
    /// `https://{org}.crm….dynamics.com/`, as `linkedEnvironmentMetadata.instanceUrl` says.
    pub instance_url: String,
    /// `https://{org}.api.crm….dynamics.com`, as `linkedEnvironmentMetadata.instanceApiUrl` says.
    pub instance_api_url: String,
    pub business_area: Option<&'static str>,
    /// Global index of the first resource; this environment's resources are `first..first + count`.
    pub first: u64,
    pub count: u64,
    /// How many custom connectors live in this environment.
    pub custom_connectors: u64,
}

/// The cheap facts of a resource, without building its wire form (no connectors, sharing, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSummary {
    pub kind: ResourceKind,
    /// Index of the environment in [`SyntheticTenant::environments`].
    pub environment: usize,
    pub created: Timestamp,
    /// The wire `lastModifiedTime` / `modifiedon`.
    pub modified: Timestamp,
}

/// A synthetic tenant planned from [`GenerateOptions`], readable item by item.
pub struct SyntheticTenant {
    plan: Plan,
    envs: Vec<SyntheticEnvironment>,
}

impl SyntheticTenant {
    pub fn new(opts: &GenerateOptions) -> Self {
        let plan = Plan::new(opts);
        let envs = plan
            .envs
            .iter()
            .map(|e| SyntheticEnvironment {
                index: e.index,
                name: e.name.clone(),
                display_name: e.display_name.clone(),
                kind: e.kind,
                has_dataverse: e.has_dataverse,
                org: e.org.clone(),
                location: e.location(),
                instance_url: e.instance_url(),
                instance_api_url: e.instance_api_url(),
                business_area: e.business_area,
                first: e.first,
                count: e.count,
                custom_connectors: e.custom_connectors,
            })
            .collect();
        SyntheticTenant { plan, envs }
    }

    // ---- tenant and environments ---------------------------------------------------------------

    pub fn tenant_id(&self) -> &str {
        &self.plan.tenant.id
    }

    pub fn tenant_display_name(&self) -> &str {
        &self.plan.tenant.display_name
    }

    /// `contoso.onmicrosoft.com`.
    pub fn tenant_domain(&self) -> &str {
        &self.plan.tenant.domain
    }

    pub fn environments(&self) -> &[SyntheticEnvironment] {
        &self.envs
    }

    /// The BAP list item of environment `e`; `None` when there is no such environment.
    pub fn wire_environment(&self, e: usize) -> Option<bap::Environment> {
        self.plan.envs.get(e).map(|env| self.plan.wire_environment(env))
    }

    /// The connector catalogue: standard, premium, then every environment's custom connectors.
    pub fn wire_connectors(&self) -> impl Iterator<Item = powerapps::Api> + '_ {
        self.plan.wire_connectors()
    }

    /// The data policies, each with its connector groups (the single-policy response).
    pub fn wire_policies(&self) -> Vec<bap::PolicyDefinition> {
        self.plan.wire_policies()
    }

    // ---- resources -----------------------------------------------------------------------------

    /// Resources are numbered `0..resource_count()` across environments, in environment order.
    pub fn resource_count(&self) -> u64 {
        self.plan.resources
    }

    /// The wire form of resource `g` (`g < resource_count()`).
    pub fn resource(&self, g: u64) -> WireResource {
        self.plan.resource(g)
    }

    pub fn resource_id(&self, g: u64) -> String {
        self.plan.resource_id(g)
    }

    /// The environment index of resource `g`.
    pub fn environment_of(&self, g: u64) -> usize {
        self.plan.env_of(g).index
    }

    pub fn resource_kind(&self, g: u64) -> ResourceKind {
        self.plan.kind_of(g, self.plan.env_of(g))
    }

    /// The display name of resource `g`, as its wire form carries it.
    pub fn resource_name(&self, g: u64) -> String {
        self.plan.resource_name(g, self.resource_kind(g))
    }

    /// Entra object id of the owner of resource `g`.
    pub fn owner_id(&self, g: u64) -> String {
        self.plan.user_id(self.plan.owner_of(g))
    }

    /// Kind, environment and times of resource `g`, equal to its wire form's, at a fraction of
    /// the cost of [`Self::resource`].
    pub fn resource_summary(&self, g: u64) -> ResourceSummary {
        let env = self.plan.env_of(g);
        // The same stream, drawn in the same order, as `Plan::resource` draws the times from.
        let mut r = rng(self.plan.seed, tag::RESOURCE, g, 0);
        let (created, modified) = self.plan.resource_times(g, env, &mut r);
        ResourceSummary { kind: self.plan.kind_of(g, env), environment: env.index, created, modified }
    }

    // ---- users ---------------------------------------------------------------------------------

    /// Users are numbered `0..user_count()`; user 0 is the chief executive.
    pub fn user_count(&self) -> u64 {
        self.plan.users
    }

    pub fn user_id(&self, u: u64) -> String {
        self.plan.user_id(u)
    }

    pub fn user_principal_name(&self, u: u64) -> String {
        self.plan.user_upn(u)
    }

    /// Whether user `u` has left (`accountEnabled: false`).
    pub fn is_leaver(&self, u: u64) -> bool {
        self.plan.is_leaver(u)
    }

    /// The Graph user list item of user `u`, manager expanded.
    pub fn graph_user(&self, u: u64) -> graph::User {
        self.plan.graph_user(u)
    }

    // ---- audit ---------------------------------------------------------------------------------

    pub fn usage_days(&self) -> u32 {
        self.plan.usage_days
    }

    /// First day of usage (inclusive); the last is `window_start() + usage_days() - 1`.
    pub fn window_start(&self) -> NaiveDate {
        self.plan.window_start
    }

    /// Day `d` of the usage window (`d < usage_days()`).
    pub fn day(&self, d: u64) -> Day {
        self.plan.day(d)
    }

    /// The `contentId` of blob `blob` of `day`.
    pub fn content_id(&self, day: &Day, blob: u64) -> String {
        self.plan.content_id(day, blob)
    }

    /// The list-content item of blob `blob` of `day` (its `contentUri` names the real host).
    pub fn content_item(&self, day: &Day, blob: u64) -> ContentItem {
        self.plan.content_item(day, blob)
    }

    /// Write blob `blob` of `day` as a JSON array of audit records; returns (records written,
    /// duplicates among them).
    pub fn write_blob(&self, day: &Day, blob: u64, out: &mut impl Write) -> std::io::Result<super::usage::BlobCounts> {
        self.plan.write_blob(day, blob, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::Preset;

    #[test]
    fn summaries_agree_with_the_wire_form() {
        let tenant = SyntheticTenant::new(&GenerateOptions::new(Preset::Small, 7));
        for g in 0..tenant.resource_count() {
            let s = tenant.resource_summary(g);
            let (kind_ok, created, modified, id, name) = match tenant.resource(g) {
                WireResource::App(a) => (
                    s.kind.is_app(),
                    a.properties.created_time,
                    a.properties.last_modified_time,
                    a.name,
                    a.properties.display_name,
                ),
                WireResource::Flow(f) => (
                    s.kind == ResourceKind::CloudFlow,
                    f.properties.created_time,
                    f.properties.last_modified_time,
                    f.name,
                    f.properties.display_name,
                ),
                WireResource::DesktopFlow(w) => {
                    (s.kind == ResourceKind::DesktopFlow, w.createdon, w.modifiedon, w.workflowid, w.name)
                }
                WireResource::Agent(b) => (s.kind == ResourceKind::Agent, b.createdon, b.modifiedon, b.botid, b.name),
            };
            assert!(kind_ok, "resource {g}");
            assert_eq!(created, Some(s.created));
            assert_eq!(modified, Some(s.modified));
            assert_eq!(id, tenant.resource_id(g));
            assert_eq!(name, tenant.resource_name(g));
            let env = &tenant.environments()[s.environment];
            assert!((env.first..env.first + env.count).contains(&g));
            assert_eq!(tenant.environment_of(g), s.environment);
        }
    }
}
