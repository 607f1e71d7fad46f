//! The shape of a synthetic tenant: everything small enough to keep (tenant, environments,
//! policies) is computed once; everything large (users, resources) is a pure function of its
//! index, so inventory of any size streams in constant memory.

use super::names::*;
use super::seed::{guid, mix, pick, rng, tag, to_unit, unit};
use super::{GenerateOptions, Preset};
use crate::powerplatform::wire::{EnvironmentRef, Identity, bap, dataverse, flow, graph, powerapps};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use steward_model::{EnvironmentType, ResourceKind, Timestamp};

/// Preset sizes before `usage_days` overrides.
pub(crate) struct Sizes {
    pub environments: usize,
    pub resources: u64,
    pub users: u64,
    pub usage_days: u32,
    pub records_per_day: u64,
}

impl Preset {
    pub(crate) fn sizes(self) -> Sizes {
        match self {
            Preset::Small => {
                Sizes { environments: 5, resources: 300, users: 150, usage_days: 30, records_per_day: 2_000 }
            }
            Preset::Medium => {
                Sizes { environments: 100, resources: 20_000, users: 3_000, usage_days: 90, records_per_day: 20_000 }
            }
            Preset::Large => Sizes {
                environments: 1_500,
                resources: 1_000_000,
                users: 60_000,
                usage_days: 90,
                records_per_day: 1_100_000,
            },
        }
    }
}

/// Share of an environment's resources created inside the usage window (they get create events).
const NEW_SHARE: f64 = 0.05;
/// Share of apps that are ever launched; the rest are never used after creation.
const USED_PERCENT: u64 = 60;
const LEAVER_PERCENT: u64 = 5;
/// Users reporting directly to the chief executive: one head per department.
const HEADS: u64 = DEPARTMENTS.len() as u64;
const FAN_OUT: u64 = 6;

pub(crate) struct Tenant {
    pub id: String,
    pub display_name: String,
    pub domain: String,
}

pub(crate) struct EnvPlan {
    pub index: usize,
    /// The BAP `name`: `Default-{tenant}` or a GUID.
    pub name: String,
    pub display_name: String,
    pub kind: EnvironmentType,
    pub has_dataverse: bool,
    pub managed: bool,
    pub group: Option<String>,
    pub business_area: Option<&'static str>,
    pub region: usize,
    pub org: String,
    pub created: Timestamp,
    pub creator: u64,
    /// Global index of the first resource; resources of this environment are `first..first + count`.
    pub first: u64,
    pub count: u64,
    /// The last `new` resources are created inside the usage window.
    pub new: u64,
    pub custom_connectors: u64,
}

impl EnvPlan {
    pub fn sku(&self) -> &'static str {
        match self.kind {
            EnvironmentType::Default => "Default",
            EnvironmentType::Production => "Production",
            EnvironmentType::Sandbox => "Sandbox",
            EnvironmentType::Trial => "Trial",
            EnvironmentType::Developer => "Developer",
            EnvironmentType::Teams => "Teams",
            EnvironmentType::Other => "Other",
        }
    }

    pub fn location(&self) -> &'static str {
        REGIONS[self.region].0
    }

    pub fn instance_url(&self) -> String {
        format!("https://{}.{}.dynamics.com/", self.org, REGIONS[self.region].2)
    }

    pub fn instance_api_url(&self) -> String {
        format!("https://{}.api.{}.dynamics.com", self.org, REGIONS[self.region].2)
    }
}

/// A user of the directory, derived from its index.
pub(crate) struct UserPlan {
    pub id: String,
    pub display_name: String,
    pub upn: String,
    pub department: &'static str,
    pub country: &'static str,
    pub job_title: String,
    pub enabled: bool,
    pub manager: Option<u64>,
}

/// One generated resource in its wire form: what the list API of its kind returns for it.
#[derive(Debug, Clone, PartialEq)]
pub enum WireResource {
    App(Box<powerapps::App>),
    Flow(Box<flow::Flow>),
    DesktopFlow(Box<dataverse::Workflow>),
    Agent(Box<dataverse::Bot>),
}

pub(crate) struct Plan {
    pub seed: u64,
    pub tenant: Tenant,
    pub envs: Vec<EnvPlan>,
    pub resources: u64,
    pub users: u64,
    pub makers: u64,
    pub usage_days: u32,
    pub records_per_day: u64,
    /// First day of usage (inclusive); equals `end_date + 1` when there is no usage.
    pub window_start: NaiveDate,
    maker_stride: u64,
    rank_stride: u64,
}

fn coprime_stride(n: u64, seed: u64) -> u64 {
    if n <= 1 {
        return 1;
    }
    let mut a = (mix(seed, 99, n, 0) % n).max(1);
    while gcd(a, n) != 1 {
        a = a % (n - 1) + 1;
    }
    a
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

pub(crate) fn day_start(day: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Seconds into a working day, most of them between 08:00 and 18:00.
pub(crate) fn office_seconds(u: f64, v: f64) -> i64 {
    let hour = if u < 0.85 { 8.0 + v * 10.0 } else { v * 24.0 };
    (hour * 3600.0) as i64
}

impl Plan {
    pub fn new(opts: &GenerateOptions) -> Plan {
        let seed = opts.seed;
        let sizes = opts.preset.sizes();
        let usage_days = opts.usage_days.unwrap_or(sizes.usage_days);
        let (tenant_name, slug) = TENANTS[pick(seed, tag::TENANT, 0, 0, TENANTS.len())];
        let tenant = Tenant {
            id: guid(seed, tag::TENANT, 1, 0),
            display_name: tenant_name.to_string(),
            domain: format!("{slug}.onmicrosoft.com"),
        };
        let window_start = opts.end_date - Duration::days(i64::from(usage_days)) + Duration::days(1);
        let users = sizes.users;
        let makers = (users * 3 / 10).max(1);
        let mut plan = Plan {
            seed,
            tenant,
            envs: Vec::with_capacity(sizes.environments),
            resources: sizes.resources,
            users,
            makers,
            usage_days,
            records_per_day: sizes.records_per_day,
            window_start,
            maker_stride: coprime_stride(users, seed ^ 1),
            rank_stride: coprime_stride(sizes.resources, seed ^ 2),
        };
        plan.envs = plan.plan_environments(sizes.environments);
        plan
    }

    fn plan_environments(&self, n: usize) -> Vec<EnvPlan> {
        let seed = self.seed;
        let groups = if n > 1 { (n / 25).max(1) } else { 0 };
        // Default environment holds ~60%; the rest is spread with a heavy tail.
        let default_count = (self.resources as f64 * 0.6).round() as u64;
        let weights: Vec<f64> = (1..n).map(|e| (3.0 * unit(seed, tag::ENV_SIZE, e as u64, 0)).exp()).collect();
        let total_weight: f64 = weights.iter().sum();
        let rest = self.resources - default_count;
        let mut counts: Vec<u64> = std::iter::once(default_count)
            .chain(weights.iter().map(|w| (rest as f64 * w / total_weight).floor() as u64))
            .collect();
        let assigned: u64 = counts.iter().sum();
        counts[0] += self.resources - assigned;

        // The first environments cover every type so that even `small` shows them all.
        const FIRST_TYPES: [EnvironmentType; 5] = [
            EnvironmentType::Production,
            EnvironmentType::Sandbox,
            EnvironmentType::Developer,
            EnvironmentType::Trial,
            EnvironmentType::Teams,
        ];
        let mut first = 0;
        let mut envs = Vec::with_capacity(n);
        for (e, count) in counts.into_iter().enumerate() {
            let mut r = rng(seed, tag::ENV, e as u64, 0);
            let kind = if e == 0 {
                EnvironmentType::Default
            } else if e <= FIRST_TYPES.len() {
                FIRST_TYPES[e - 1]
            } else {
                match r.random_range(0..100) {
                    0..25 => EnvironmentType::Production,
                    25..45 => EnvironmentType::Sandbox,
                    45..55 => EnvironmentType::Trial,
                    55..80 => EnvironmentType::Developer,
                    _ => EnvironmentType::Teams,
                }
            };
            let has_dataverse = match kind {
                EnvironmentType::Default | EnvironmentType::Developer | EnvironmentType::Teams => true,
                // Trial number 4 is the small preset's environment without Dataverse.
                EnvironmentType::Trial => e != 4 && r.random_bool(0.4),
                _ => r.random_bool(0.85),
            };
            let managed = match kind {
                EnvironmentType::Production => e == 1 || r.random_bool(0.5),
                EnvironmentType::Sandbox => r.random_bool(0.3),
                _ => false,
            };
            let business_area = if e > 0 && r.random_bool(0.7) {
                Some(BUSINESS_AREAS[r.random_range(0..BUSINESS_AREAS.len())])
            } else {
                None
            };
            let group = if e > 0 && groups > 0 && (e == 1 || r.random_bool(0.4)) {
                Some(guid(seed, tag::GROUP_ID, r.random_range(0..groups) as u64, 0))
            } else {
                None
            };
            let creator = self.maker_user(r.random_range(0..self.makers));
            let name =
                if e == 0 { format!("Default-{}", self.tenant.id) } else { guid(seed, tag::ENV_ID, e as u64, 0) };
            let display_name = match kind {
                EnvironmentType::Default => format!("{} (default)", self.tenant.display_name),
                EnvironmentType::Developer => format!("{}'s Environment", self.user_display_name(creator)),
                EnvironmentType::Teams => format!("Team {} {}", APP_SUBJECTS[r.random_range(0..APP_SUBJECTS.len())], e),
                _ => format!("{} {} {}", business_area.unwrap_or("Shared"), kind_label(kind), e),
            };
            let age_days = if e == 0 { 6 * 365 } else { r.random_range(120..5 * 365) };
            let created =
                day_start(self.window_start) - Duration::days(age_days) + Duration::seconds(r.random_range(0..86_400));
            let custom_connectors = match (e, kind) {
                (0, _) => r.random_range(2..5),
                (_, EnvironmentType::Production | EnvironmentType::Sandbox) if r.random_bool(0.3) => {
                    r.random_range(1..3)
                }
                _ => 0,
            };
            let new = if self.usage_days == 0 { 0 } else { (count as f64 * NEW_SHARE).floor() as u64 };
            envs.push(EnvPlan {
                index: e,
                org: format!("org{:08x}", mix(seed, tag::ENV, e as u64, 1) as u32),
                name,
                display_name,
                kind,
                has_dataverse,
                managed,
                group,
                business_area,
                region: if r.random_bool(0.7) { 0 } else { r.random_range(0..REGIONS.len()) },
                created,
                creator,
                first,
                count,
                new,
                custom_connectors,
            });
            first += count;
        }
        envs
    }

    // ---- users ---------------------------------------------------------------------------------

    pub fn user_id(&self, u: u64) -> String {
        guid(self.seed, tag::USER_ID, u, 0)
    }

    /// About 5% of users have left; one fairly prolific maker always has, so that every
    /// tenant, even the smallest, has orphaned resources to find.
    pub fn is_leaver(&self, u: u64) -> bool {
        u != 0 && (mix(self.seed, tag::LEAVER, u, 0) % 100 < LEAVER_PERCENT || u == self.maker_user(3))
    }

    fn user_names(&self, u: u64) -> (&'static str, &'static str) {
        (
            FIRST_NAMES[pick(self.seed, tag::USER, u, 1, FIRST_NAMES.len())],
            LAST_NAMES[pick(self.seed, tag::USER, u, 2, LAST_NAMES.len())],
        )
    }

    pub fn user_display_name(&self, u: u64) -> String {
        let (first, last) = self.user_names(u);
        format!("{first} {last}")
    }

    pub fn user_upn(&self, u: u64) -> String {
        let (first, last) = self.user_names(u);
        format!("{}.{}{}@{}", first.to_ascii_lowercase(), last.to_ascii_lowercase(), u, self.tenant.domain)
    }

    pub fn manager_of(u: u64) -> Option<u64> {
        match u {
            0 => None,
            1..=HEADS => Some(0),
            _ => Some((u - HEADS - 1) / FAN_OUT + 1),
        }
    }

    fn department_of(u: u64) -> &'static str {
        let mut node = u;
        while node > HEADS {
            node = Self::manager_of(node).unwrap_or(0);
        }
        if node == 0 { "Executive" } else { DEPARTMENTS[(node - 1) as usize] }
    }

    pub fn user(&self, u: u64) -> UserPlan {
        let department = Self::department_of(u);
        let country_roll = mix(self.seed, tag::USER, u, 3) % 100;
        let mut acc = 0;
        let country = COUNTRIES
            .iter()
            .find(|(_, w)| {
                acc += u64::from(*w);
                country_roll < acc
            })
            .map_or(COUNTRIES[0].0, |(c, _)| *c);
        let job_title = match u {
            0 => "Chief Executive Officer".to_string(),
            1..=HEADS => format!("Head of {department}"),
            _ if u <= HEADS + HEADS * FAN_OUT => format!("{department} Manager"),
            _ => JOB_TITLES[pick(self.seed, tag::USER, u, 4, JOB_TITLES.len())].to_string(),
        };
        UserPlan {
            id: self.user_id(u),
            display_name: self.user_display_name(u),
            upn: self.user_upn(u),
            department,
            country,
            job_title,
            enabled: !self.is_leaver(u),
            manager: Self::manager_of(u),
        }
    }

    pub fn graph_user(&self, u: u64) -> graph::User {
        let p = self.user(u);
        graph::User {
            id: p.id,
            display_name: Some(p.display_name),
            mail: Some(p.upn.clone()),
            user_principal_name: Some(p.upn),
            department: Some(p.department.to_string()),
            country: Some(p.country.to_string()),
            job_title: Some(p.job_title),
            account_enabled: Some(p.enabled),
            manager: p.manager.map(|m| graph::ManagerRef {
                odata_type: Some("#microsoft.graph.user".to_string()),
                id: self.user_id(m),
            }),
            // The dump's users listing does not select licences; the fake tenant adds them.
            assigned_licenses: None,
        }
    }

    /// Makers are a permutation of users, so low maker numbers (the prolific ones) are spread
    /// over departments.
    pub fn maker_user(&self, m: u64) -> u64 {
        ((u128::from(m) * u128::from(self.maker_stride) + 7) % u128::from(self.users)) as u64
    }

    fn identity(&self, u: u64) -> Identity {
        let upn = self.user_upn(u);
        Identity {
            id: self.user_id(u),
            display_name: Some(self.user_display_name(u)),
            email: Some(upn.clone()),
            kind: Some("User".to_string()),
            tenant_id: Some(self.tenant.id.clone()),
            user_principal_name: Some(upn),
        }
    }

    // ---- resources -------------------------------------------------------------------------------

    pub fn env_of(&self, g: u64) -> &EnvPlan {
        let i = self.envs.partition_point(|e| e.first + e.count <= g);
        &self.envs[i.min(self.envs.len() - 1)]
    }

    pub fn resource_id(&self, g: u64) -> String {
        guid(self.seed, tag::RESOURCE_ID, g, 0)
    }

    pub fn kind_of(&self, g: u64, env: &EnvPlan) -> ResourceKind {
        let roll = mix(self.seed, tag::KIND, g, 0) % 1000;
        if env.has_dataverse {
            match roll {
                0..300 => ResourceKind::CanvasApp,
                300..370 => ResourceKind::ModelDrivenApp,
                370..850 => ResourceKind::CloudFlow,
                850..930 => ResourceKind::DesktopFlow,
                _ => ResourceKind::Agent,
            }
        } else if roll < 420 {
            ResourceKind::CanvasApp
        } else {
            ResourceKind::CloudFlow
        }
    }

    /// Whether the app is ever launched.
    pub fn is_used(&self, g: u64) -> bool {
        mix(self.seed, tag::USED, g, 0) % 100 < USED_PERCENT
    }

    /// The owner (user index): a few makers own many resources.
    pub fn owner_of(&self, g: u64) -> u64 {
        let u = unit(self.seed, tag::OWNER, g, 0);
        self.maker_user(((self.makers as f64) * u.powf(1.5)) as u64)
    }

    /// Day index (from the window start) on which a resource created inside the window was
    /// created; `None` for resources older than the window.
    pub fn created_day(&self, g: u64, env: &EnvPlan) -> Option<u64> {
        let old = env.count - env.new;
        let local = g - env.first;
        (local >= old && env.new > 0).then(|| (local - old) * u64::from(self.usage_days) / env.new)
    }

    /// Global resource indices created on `day` (index from the window start) in `env`.
    pub fn created_on(&self, day: u64, env: &EnvPlan) -> std::ops::Range<u64> {
        if env.new == 0 || self.usage_days == 0 {
            return 0..0;
        }
        let days = u64::from(self.usage_days);
        let lo = (day * env.new).div_ceil(days);
        let hi = ((day + 1) * env.new).div_ceil(days);
        let base = env.first + env.count - env.new;
        base + lo..base + hi
    }

    pub fn resource_name(&self, g: u64, kind: ResourceKind) -> String {
        let subject = APP_SUBJECTS[pick(self.seed, tag::NAME, g, 0, APP_SUBJECTS.len())];
        match kind {
            ResourceKind::CloudFlow | ResourceKind::DesktopFlow => {
                let pattern = FLOW_PATTERNS[pick(self.seed, tag::NAME, g, 1, FLOW_PATTERNS.len())];
                let base = pattern.replace("{}", &subject.to_ascii_lowercase());
                if kind == ResourceKind::DesktopFlow { format!("{base} (desktop)") } else { base }
            }
            ResourceKind::Agent => {
                format!("{subject} {}", AGENT_SUFFIXES[pick(self.seed, tag::NAME, g, 2, AGENT_SUFFIXES.len())])
            }
            _ => format!("{subject} {}", APP_SUFFIXES[pick(self.seed, tag::NAME, g, 3, APP_SUFFIXES.len())]),
        }
    }

    /// Creation and last modification of a resource.
    pub(super) fn resource_times(&self, g: u64, env: &EnvPlan, r: &mut ChaCha8Rng) -> (Timestamp, Timestamp) {
        let window = day_start(self.window_start);
        match self.created_day(g, env) {
            Some(day) => {
                let created =
                    window + Duration::days(day as i64) + Duration::seconds(office_seconds(r.random(), r.random()));
                (created, created + Duration::minutes(r.random_range(1..600)))
            }
            None => {
                let span = (window - env.created).num_seconds().max(2);
                let created = env.created + Duration::seconds(r.random_range(0..span / 2 * 2 - 1));
                let until = (window - created).num_seconds().max(1);
                (created, created + Duration::seconds((until as f64 * r.random::<f64>().powf(0.5)) as i64))
            }
        }
    }

    pub fn custom_connector_name(&self, env: &EnvPlan, c: u64) -> (String, &'static str) {
        let display = CUSTOM_CONNECTOR_NAMES
            [pick(self.seed, tag::CUSTOM_CONNECTOR, env.index as u64, c, CUSTOM_CONNECTOR_NAMES.len())];
        let h = mix(self.seed, tag::CUSTOM_CONNECTOR, env.index as u64, c + 100);
        let slug = display.to_ascii_lowercase().replace(' ', "-20");
        (format!("shared_{slug}-5f{:014x}-5f{:014x}", h >> 8, h.rotate_left(17) >> 8), display)
    }

    /// Connectors a resource uses: (name, display name, tier as the wire says, custom).
    fn connectors_for(&self, env: &EnvPlan, r: &mut ChaCha8Rng) -> Vec<(String, &'static str, &'static str, bool)> {
        let mut picked: Vec<(String, &'static str, &'static str, bool)> = Vec::new();
        let standard = r.random_range(1..=4);
        for _ in 0..standard {
            // Popular connectors first: SharePoint and Outlook dominate real tenants.
            let i = ((STANDARD_CONNECTORS.len() as f64) * r.random::<f64>().powf(2.0)) as usize;
            let (name, display, _) = STANDARD_CONNECTORS[i.min(STANDARD_CONNECTORS.len() - 1)];
            if !picked.iter().any(|p| p.0 == name) {
                picked.push((name.to_string(), display, "Standard", false));
            }
        }
        if r.random_bool(0.2) {
            let (name, display, _) = PREMIUM_CONNECTORS[r.random_range(0..PREMIUM_CONNECTORS.len())];
            picked.push((name.to_string(), display, "Premium", false));
        }
        if env.custom_connectors > 0 && r.random_bool(0.06) {
            let (name, display) = self.custom_connector_name(env, r.random_range(0..env.custom_connectors));
            picked.push((name, display, "Standard", true));
        }
        picked
    }

    pub fn resource(&self, g: u64) -> WireResource {
        let env = self.env_of(g);
        let kind = self.kind_of(g, env);
        let mut r = rng(self.seed, tag::RESOURCE, g, 0);
        let id = self.resource_id(g);
        let owner = self.owner_of(g);
        let (created, modified) = self.resource_times(g, env, &mut r);
        let name = self.resource_name(g, kind);
        match kind {
            ResourceKind::CanvasApp | ResourceKind::ModelDrivenApp => {
                WireResource::App(Box::new(self.app(env, kind, id, name, owner, created, modified, &mut r)))
            }
            ResourceKind::CloudFlow => {
                WireResource::Flow(Box::new(self.flow(env, id, name, owner, created, modified, &mut r)))
            }
            ResourceKind::DesktopFlow => {
                let statecode = match r.random_range(0..100) {
                    0..10 => 0,
                    10..12 => 2,
                    _ => 1,
                };
                let owner_id = self.user_id(owner);
                WireResource::DesktopFlow(Box::new(dataverse::Workflow {
                    workflowid: id,
                    name,
                    description: None,
                    category: 6,
                    statecode,
                    statuscode: Some(statecode + 1),
                    createdon: Some(created),
                    modifiedon: Some(modified),
                    createdby_value: Some(owner_id.clone()),
                    ownerid_value: Some(owner_id),
                    uiflowtype: Some(0),
                }))
            }
            _ => {
                let published = r.random_bool(0.7);
                let statecode = if r.random_bool(0.05) { 1 } else { 0 };
                let owner_id = self.user_id(owner);
                WireResource::Agent(Box::new(dataverse::Bot {
                    botid: id,
                    schemaname: Some(format!("cr{:03x}_{}", g % 4096, name.to_ascii_lowercase().replace(' ', ""))),
                    name,
                    statecode,
                    statuscode: Some(if statecode == 0 { 1 } else { 2 }),
                    publishedon: published.then_some(modified),
                    createdon: Some(created),
                    modifiedon: Some(modified),
                    createdby_value: Some(owner_id.clone()),
                    ownerid_value: Some(owner_id),
                    language: Some(1033),
                    authenticationmode: Some(r.random_range(1..=2)),
                    accesscontrolpolicy: Some(r.random_range(0..=2)),
                    ismanaged: Some(false),
                    solutionid_value: None,
                }))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn app(
        &self,
        env: &EnvPlan,
        kind: ResourceKind,
        id: String,
        name: String,
        owner: u64,
        created: Timestamp,
        modified: Timestamp,
        r: &mut ChaCha8Rng,
    ) -> powerapps::App {
        let canvas = kind == ResourceKind::CanvasApp;
        let connectors = if canvas {
            self.connectors_for(env, r)
        } else {
            vec![("shared_commondataserviceforapps".to_string(), "Microsoft Dataverse", "Standard", false)]
        };
        let mut connection_references = BTreeMap::new();
        for (i, (cname, display, tier, custom)) in connectors.iter().enumerate() {
            connection_references.insert(
                guid(self.seed, tag::CONNECTION_ID, mix(self.seed, 0, r.random(), 0), i as u64),
                powerapps::AppConnectionReference {
                    id: format!("/providers/microsoft.powerapps/apis/{cname}"),
                    display_name: display.to_string(),
                    api_tier: Some(if *custom { "Standard" } else { tier }.to_string()),
                    is_custom_api_connection: *custom,
                },
            );
        }
        let premium = connectors.iter().any(|c| c.2 == "Premium" || c.3);
        let custom = connectors.iter().any(|c| c.3);
        let published = !canvas || r.random_bool(0.94);
        let share_roll: f64 = r.random();
        let (shared_users, everyone) = match share_roll {
            x if x < 0.50 => (0, false),
            x if x < 0.85 => (r.random_range(1..=5), false),
            x if x < 0.95 => (r.random_range(6..=20), false),
            x if x < 0.99 => (r.random_range(21..=400), false),
            _ => (r.random_range(0..=3), true),
        };
        let shared_groups = if r.random_bool(0.1) { r.random_range(1..=3) } else { 0 };
        let featured = canvas && r.random_bool(0.005);
        let hero = featured && r.random_bool(0.2);
        let quarantined = canvas && r.random_bool(0.004);
        let who = self.identity(owner);
        powerapps::App {
            id: Some(format!("/providers/Microsoft.PowerApps/apps/{id}")),
            kind: Some("Microsoft.PowerApps/apps".to_string()),
            properties: powerapps::AppProperties {
                app_version: Some(modified.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                life_cycle_id: Some(if published { "Published" } else { "Draft" }.to_string()),
                status: Some("Ready".to_string()),
                owner: Some(who.clone()),
                created_by: Some(who.clone()),
                last_modified_by: Some(who),
                display_name: name,
                description: None,
                created_time: Some(created),
                last_modified_time: Some(modified),
                last_publish_time: published.then_some(modified),
                shared_groups_count: shared_groups,
                shared_users_count: shared_users,
                app_open_uri: Some(format!("https://apps.powerapps.com/play/{id}?tenantId={}", self.tenant.id)),
                connection_references,
                is_featured_app: Some(featured),
                is_hero_app: Some(hero),
                environment: EnvironmentRef {
                    id: Some(format!("/providers/Microsoft.PowerApps/environments/{}", env.name)),
                    name: env.name.clone(),
                    kind: None,
                    location: Some(env.location().to_string()),
                },
                alm_mode: Some(if canvas { "Environment" } else { "Solution" }.to_string()),
                app_plan_classification: Some(if premium { "Premium" } else { "Standard" }.to_string()),
                uses_premium_api: Some(premium),
                uses_custom_api: Some(custom),
                execution_restrictions: quarantined
                    .then_some(powerapps::ExecutionRestrictions { is_temporarily_disabled: true }),
                permissions: everyone.then(|| {
                    vec![powerapps::Permission {
                        properties: powerapps::PermissionProperties {
                            role_name: "CanView".to_string(),
                            principal: powerapps::PermissionPrincipal {
                                id: Some(self.tenant.id.clone()),
                                kind: "Tenant".to_string(),
                                tenant_id: Some(self.tenant.id.clone()),
                            },
                        },
                    }]
                }),
            },
            name: id,
            is_app_component_library: Some(false),
            app_type: Some(if canvas { "ClassicCanvasApp" } else { "ModelDrivenApp" }.to_string()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn flow(
        &self,
        env: &EnvPlan,
        id: String,
        name: String,
        owner: u64,
        created: Timestamp,
        modified: Timestamp,
        r: &mut ChaCha8Rng,
    ) -> flow::Flow {
        let (state, reason) = match r.random_range(0..100) {
            0..87 => ("Started", "None"),
            87..97 => ("Stopped", "None"),
            _ => ("Suspended", SUSPENSION_REASONS[r.random_range(0..SUSPENSION_REASONS.len())]),
        };
        let mut connection_references = BTreeMap::new();
        for (cname, display, tier, custom) in self.connectors_for(env, r) {
            connection_references.insert(
                cname.clone(),
                flow::FlowConnectionReference {
                    connection_name: Some(format!(
                        "{:032x}",
                        u128::from(r.random::<u64>()) << 64 | u128::from(r.random::<u64>())
                    )),
                    source: Some(if r.random_bool(0.8) { "Embedded" } else { "Invoker" }.to_string()),
                    id: format!("/providers/Microsoft.PowerApps/apis/{cname}"),
                    display_name: display.to_string(),
                    tier: Some(if custom { "NotSpecified" } else { tier }.to_string()),
                },
            );
        }
        let (trigger, trigger_kind) = TRIGGERS[r.random_range(0..TRIGGERS.len())];
        let actions = (0..r.random_range(1..=6))
            .map(|_| {
                let operation = FLOW_ACTIONS[r.random_range(0..FLOW_ACTIONS.len())];
                // The HTTP action is a built-in action type, not a connector operation.
                let kind = if operation == "HttpRequest" { "Http" } else { "OpenApiConnection" };
                flow::ActionSummary { kind: kind.to_string(), swagger_operation_id: Some(operation.to_string()) }
            })
            .collect();
        flow::Flow {
            id: Some(format!("/providers/Microsoft.ProcessSimple/environments/{}/flows/{id}", env.name)),
            kind: Some("Microsoft.ProcessSimple/environments/flows".to_string()),
            properties: flow::FlowProperties {
                api_id: Some("/providers/Microsoft.PowerApps/apis/shared_logicflows".to_string()),
                display_name: name,
                state: state.to_string(),
                created_time: Some(created),
                last_modified_time: Some(modified),
                flow_suspension_reason: Some(reason.to_string()),
                environment: EnvironmentRef {
                    id: Some(format!("/providers/Microsoft.ProcessSimple/environments/{}", env.name)),
                    name: env.name.clone(),
                    kind: Some("Microsoft.ProcessSimple/environments".to_string()),
                    location: None,
                },
                definition_summary: Some(flow::DefinitionSummary {
                    triggers: vec![flow::TriggerSummary {
                        kind: trigger.to_string(),
                        trigger_kind: trigger_kind.map(str::to_string),
                    }],
                    actions,
                }),
                creator: Some(flow::Creator {
                    tenant_id: Some(self.tenant.id.clone()),
                    object_id: self.user_id(owner),
                    user_id: Some(self.user_id(owner)),
                    user_type: Some("ActiveDirectory".to_string()),
                }),
                connection_references,
                flow_failure_alert_subscribed: Some(r.random_bool(0.5)),
                is_managed: Some(false),
            },
            name: id,
        }
    }

    // ---- environments, connectors, policies -------------------------------------------------------

    pub fn wire_environment(&self, env: &EnvPlan) -> bap::Environment {
        let mut r = rng(self.seed, tag::ENV, env.index as u64, 7);
        let creator = self.identity(env.creator);
        let modified = env.created + Duration::days(r.random_range(0..120));
        let linked = env.has_dataverse.then(|| bap::LinkedEnvironmentMetadata {
            resource_id: Some(guid(self.seed, tag::ENV, env.index as u64, 8)),
            friendly_name: Some(env.display_name.clone()),
            unique_name: Some(format!("unq{:x}", mix(self.seed, tag::ENV, env.index as u64, 9))),
            domain_name: Some(env.org.clone()),
            version: Some("9.2.25093.00187".to_string()),
            instance_url: Some(env.instance_url()),
            instance_api_url: Some(env.instance_api_url()),
            base_language: Some(1033),
            instance_state: Some("Ready".to_string()),
            platform_sku: Some("Standard".to_string()),
        });
        let capacity = if env.has_dataverse {
            let db = 300.0 + (env.count as f64) * 2.5 + r.random_range(0.0..900.0);
            vec![
                capacity("Database", (db * 100.0).round() / 100.0),
                capacity("File", (r.random_range(50.0..3000.0_f64) * 100.0).round() / 100.0),
                capacity("Log", (r.random_range(0.0..200.0_f64) * 100.0).round() / 100.0),
            ]
        } else {
            Vec::new()
        };
        let addons = vec![
            bap::Addon {
                addon_type: "AppPass".to_string(),
                allocated: if env.managed { f64::from(r.random_range(0..20)) } else { 0.0 },
                addon_unit: Some("Unit".to_string()),
            },
            bap::Addon {
                addon_type: "PerFlowPlan".to_string(),
                allocated: if env.kind == EnvironmentType::Production { f64::from(r.random_range(0..5)) } else { 0.0 },
                addon_unit: Some("Unit".to_string()),
            },
        ];
        bap::Environment {
            id: format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{}", env.name),
            kind: Some("Microsoft.BusinessAppPlatform/scopes/environments".to_string()),
            location: Some(env.location().to_string()),
            name: env.name.clone(),
            properties: bap::EnvironmentProperties {
                tenant_id: Some(self.tenant.id.clone()),
                azure_region: Some(REGIONS[env.region].1.to_string()),
                display_name: env.display_name.clone(),
                description: Some(String::new()),
                created_time: Some(env.created),
                parent_environment_group: env.group.clone().map(|id| bap::IdRef { id }),
                created_by: Some(if env.index == 0 {
                    Identity {
                        id: "SYSTEM".to_string(),
                        display_name: Some("SYSTEM".to_string()),
                        email: None,
                        kind: Some("NotSpecified".to_string()),
                        tenant_id: None,
                        user_principal_name: None,
                    }
                } else {
                    creator
                }),
                last_modified_time: Some(modified),
                provisioning_state: Some("Succeeded".to_string()),
                creation_type: Some(if env.index == 0 { "DefaultTenant" } else { "User" }.to_string()),
                environment_sku: Some(env.sku().to_string()),
                is_default: env.index == 0,
                capacity,
                addons,
                database_type: Some(if env.has_dataverse { "CommonDataService" } else { "None" }.to_string()),
                linked_environment_metadata: linked,
                states: Some(bap::States {
                    management: Some(bap::StateId { id: "Ready".to_string() }),
                    runtime: Some(bap::StateId { id: "Enabled".to_string() }),
                }),
                governance_configuration: Some(bap::GovernanceConfiguration {
                    protection_level: Some(if env.managed { "Standard" } else { "Basic" }.to_string()),
                }),
            },
        }
    }

    /// The connector catalogue: standard, premium, then every environment's custom connectors.
    pub fn wire_connectors(&self) -> impl Iterator<Item = powerapps::Api> + '_ {
        let shared = STANDARD_CONNECTORS
            .iter()
            .map(|c| (c, "Standard"))
            .chain(PREMIUM_CONNECTORS.iter().map(|c| (c, "Premium")))
            .map(|((name, display, publisher), tier)| powerapps::Api {
                name: name.to_string(),
                id: Some(format!("/providers/Microsoft.PowerApps/apis/{name}")),
                kind: Some("Microsoft.PowerApps/apis".to_string()),
                properties: powerapps::ApiProperties {
                    display_name: display.to_string(),
                    icon_uri: Some(format!(
                        "https://connectoricons-prod.azureedge.net/releases/v1.0.1700/1.0.1700.3900/{}/icon.png",
                        name.trim_start_matches("shared_")
                    )),
                    api_environment: Some("Shared".to_string()),
                    is_custom_api: false,
                    description: None,
                    created_by: None,
                    created_time: None,
                    changed_time: None,
                    environment: None,
                    tier: Some(tier.to_string()),
                    publisher: Some(publisher.to_string()),
                },
            });
        let custom = self.envs.iter().flat_map(move |env| {
            (0..env.custom_connectors).map(move |c| {
                let (name, display) = self.custom_connector_name(env, c);
                let maker = self.identity(env.creator);
                powerapps::Api {
                    id: Some(format!("/providers/Microsoft.PowerApps/apis/{name}")),
                    name,
                    kind: Some("Microsoft.PowerApps/apis".to_string()),
                    properties: powerapps::ApiProperties {
                        display_name: display.to_string(),
                        icon_uri: Some("https://az787822.vo.msecnd.net/defaulticons/api-dedicated.png".to_string()),
                        api_environment: Some("Shared".to_string()),
                        is_custom_api: true,
                        description: Some(String::new()),
                        publisher: maker.display_name.clone(),
                        created_by: Some(maker),
                        created_time: Some(env.created + Duration::days(30)),
                        changed_time: Some(env.created + Duration::days(60)),
                        environment: Some(EnvironmentRef {
                            id: Some(format!("/providers/Microsoft.PowerApps/environments/{}", env.name)),
                            name: env.name.clone(),
                            kind: None,
                            location: None,
                        }),
                        tier: Some("Standard".to_string()),
                    },
                }
            })
        });
        shared.chain(custom)
    }

    /// DLP policies, each with its connector groups.
    pub fn wire_policies(&self) -> Vec<bap::PolicyDefinition> {
        let env_ref = |e: &EnvPlan| bap::PolicyEnvironment {
            id: Some(format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{}", e.name)),
            name: e.name.clone(),
            kind: Some("Microsoft.BusinessAppPlatform/scopes/environments".to_string()),
        };
        let connector = |(name, display, _): &(&str, &str, &str)| bap::PolicyConnector {
            id: format!("/providers/Microsoft.PowerApps/apis/{name}"),
            name: Some(display.to_string()),
            kind: Some("Microsoft.PowerApps/apis".to_string()),
        };
        let group = |classification: &str, connectors: Vec<bap::PolicyConnector>| bap::ConnectorGroup {
            classification: classification.to_string(),
            connectors,
        };
        let business: Vec<_> = STANDARD_CONNECTORS[..12].iter().map(connector).collect();
        let non_business: Vec<_> = STANDARD_CONNECTORS[12..].iter().map(connector).collect();
        let premium: Vec<_> = PREMIUM_CONNECTORS.iter().map(connector).collect();
        let production: Vec<_> =
            self.envs.iter().filter(|e| e.kind == EnvironmentType::Production).map(env_ref).collect();
        let mut protected: Vec<_> = vec![env_ref(&self.envs[0])];
        protected.extend(production.iter().cloned());
        let created = day_start(self.window_start) - Duration::days(400);
        let mut policies = vec![
            (
                "Tenant baseline",
                "AllEnvironments",
                Vec::new(),
                vec![
                    group("Confidential", business.clone()),
                    group("General", non_business.clone()),
                    group("Blocked", Vec::new()),
                ],
            ),
            (
                "Production business data",
                "OnlyEnvironments",
                production,
                vec![
                    group("Confidential", business.iter().cloned().chain(premium[..6].iter().cloned()).collect()),
                    group("General", Vec::new()),
                    group("Blocked", non_business.clone()),
                ],
            ),
            (
                "Developer and trial lockdown",
                "ExceptEnvironments",
                protected,
                vec![
                    group("Confidential", business.clone()),
                    group("General", non_business),
                    group("Blocked", premium[6..].to_vec()),
                ],
            ),
        ];
        let finance: Vec<_> = self.envs.iter().filter(|e| e.business_area == Some("Finance")).map(env_ref).collect();
        if !finance.is_empty() {
            policies.push((
                "Finance",
                "OnlyEnvironments",
                finance,
                vec![
                    group("Confidential", business.iter().cloned().chain(premium[..2].iter().cloned()).collect()),
                    group("General", Vec::new()),
                    group("Blocked", premium[2..].to_vec()),
                ],
            ));
        }
        policies
            .into_iter()
            .enumerate()
            .map(|(i, (name, scope, environments, groups))| bap::PolicyDefinition {
                name: guid(self.seed, tag::POLICY_ID, i as u64, 0),
                display_name: name.to_string(),
                default_connectors_classification: Some("General".to_string()),
                connector_groups: Some(groups),
                environment_type: scope.to_string(),
                environments,
                created_by: Some(bap::DisplayNameOnly { display_name: "admin".to_string() }),
                created_time: Some(created + Duration::days(i as i64 * 17)),
                last_modified_by: Some(bap::DisplayNameOnly { display_name: "admin".to_string() }),
                last_modified_time: Some(created + Duration::days(i as i64 * 17 + 40)),
                etag: Some(guid(self.seed, tag::POLICY_ID, i as u64, 1)),
                is_legacy_schema_version: Some(false),
            })
            .collect()
    }

    /// Audit records planned for one day (before duplicates): quieter at weekends, with the
    /// preset's figure as the average over a week.
    pub fn records_on(&self, day: NaiveDate) -> u64 {
        let jitter = 0.85 + 0.3 * unit(self.seed, tag::DAY, u64::from(day.num_days_from_ce().unsigned_abs()), 0);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let factor = if weekend { 0.5 } else { 1.2 };
        (self.records_per_day as f64 * jitter * factor).round() as u64
    }

    /// A popularity-weighted pick of an app that can be launched on `day`: rank ~ 1/rank^1.1
    /// over all resources, mapped by a fixed permutation, keeping only used apps that exist.
    pub fn launched_app(&self, day: u64, r: &mut ChaCha8Rng) -> Option<u64> {
        let n = self.resources as f64;
        let exponent = 1.0 - 1.1;
        let top = (n + 1.0).powf(exponent);
        for _ in 0..64 {
            let u = to_unit(r.random());
            let x = ((top - 1.0) * u + 1.0).powf(1.0 / exponent);
            let rank = ((x.floor() as u64).saturating_sub(1)).min(self.resources - 1);
            let g = ((u128::from(rank) * u128::from(self.rank_stride) + 3) % u128::from(self.resources)) as u64;
            let env = self.env_of(g);
            if self.kind_of(g, env).is_app() && self.is_used(g) && self.created_day(g, env).is_none_or(|d| d < day) {
                return Some(g);
            }
        }
        None
    }

    /// A uniformly chosen cloud flow that exists on `day`.
    pub fn some_flow(&self, day: u64, r: &mut ChaCha8Rng) -> Option<u64> {
        for _ in 0..32 {
            let g = r.random_range(0..self.resources);
            let env = self.env_of(g);
            if self.kind_of(g, env) == ResourceKind::CloudFlow && self.created_day(g, env).is_none_or(|d| d < day) {
                return Some(g);
            }
        }
        None
    }

    /// A user who has not left.
    pub fn active_user(&self, r: &mut ChaCha8Rng) -> u64 {
        for _ in 0..16 {
            let u = r.random_range(0..self.users);
            if !self.is_leaver(u) {
                return u;
            }
        }
        0
    }
}

fn capacity(kind: &str, mb: f64) -> bap::Capacity {
    bap::Capacity {
        capacity_type: kind.to_string(),
        actual_consumption: mb,
        rated_consumption: mb,
        capacity_unit: Some("MB".to_string()),
        updated_on: None,
    }
}

fn kind_label(kind: EnvironmentType) -> &'static str {
    match kind {
        EnvironmentType::Production => "Production",
        EnvironmentType::Sandbox => "Sandbox",
        EnvironmentType::Trial => "Trial",
        _ => "Environment",
    }
}
