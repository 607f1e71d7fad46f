//! A deterministic file of Office 365 audit records (JSON lines) in the real shapes of
//! `power-platform-apis.md` §4.2–4.4, big enough to measure a parser at disk speed.
//!
//! Records are written straight into a byte buffer (no serde per record): at 100 million records
//! the generator must not be the slow part of a benchmark run. What the file holds, and why:
//!
//! - new-style Power Platform records (RecordType 256, the data in `PropertyCollection`), legacy
//!   Power Apps records (RecordType 45, `AppName`, `AdditionalInfo`) and Power Automate records
//!   (RecordType 30, `ObjectId`), so every branch of the reader is on the hot path;
//! - records of other workloads (SharePoint, Exchange, Power BI), which must be skipped;
//! - maker operations besides launches, which are not uses;
//! - ~1% exact repeats of a record (the feed repeats records; ids are the dedupe key), some a few
//!   records later, some hundreds of thousands later, after their day's blob has passed;
//! - a power law over 30,000 apps and 100,000 users, 180 days of hourly content blobs with a
//!   working-week rhythm, a few late records, and UPNs in mixed case;
//! - the corner cases the rollup rules name, at low rates: an empty `Operation` (the activity
//!   name then counts), launches that name no app, actors known only by UPN or not at all, app
//!   ids in upper case.

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BinaryHeap;
use std::io::Write;
use std::path::Path;

/// Size of the estate the records describe.
const APPS: usize = 30_000;
const FLOWS: usize = 12_000;
const USERS: usize = 100_000;
const ENVIRONMENTS: usize = 400;
const DAYS: i64 = 180;
/// The last day of records: fixed, so that the same seed always gives the same file.
const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 22) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Share of written lines that repeat an earlier record.
const DUPLICATE_RATE: f64 = 0.01;
/// Of the repeats, the share that comes a few records later (the rest come much later).
const NEAR_DUPLICATES: f64 = 0.6;
/// Share of records delivered in a later hour's blob than their time says.
const LATE_RATE: f64 = 0.003;

/// What a generated file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerateReport {
    pub records: u64,
    pub bytes: u64,
    /// Lines that repeat an earlier line exactly.
    pub duplicates: u64,
}

/// A 36-character lowercase GUID.
type Guid = [u8; 36];

fn guid(r: &mut ChaCha8Rng) -> Guid {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let (a, b) = (r.next_u64(), r.next_u64());
    let mut out = [b'-'; 36];
    let mut bits = [a, b].into_iter().flat_map(|w| (0..16).rev().map(move |i| (w >> (i * 4)) as usize & 15));
    for (i, slot) in out.iter_mut().enumerate() {
        if !matches!(i, 8 | 13 | 18 | 23)
            && let Some(nibble) = bits.next()
        {
            *slot = HEX[nibble];
        }
    }
    out
}

struct User {
    id: Guid,
    /// As the directory spells it (mixed case); records spell it in several cases.
    upn: String,
}

/// Draws from a power law over `n` items (item 0 the most popular).
struct PowerLaw {
    cumulative: Vec<f64>,
}

impl PowerLaw {
    fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                total += 1.0 / (k as f64).powf(exponent);
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.into_iter().map(|c| c / total).collect();
        PowerLaw { cumulative }
    }

    fn draw(&self, r: &mut ChaCha8Rng) -> usize {
        let u: f64 = r.random();
        self.cumulative.partition_point(|&c| c < u).min(self.cumulative.len() - 1)
    }
}

/// The estate: ids and names that records refer to, fixed by the seed.
struct Estate {
    organization: Guid,
    environments: Vec<Guid>,
    apps: Vec<(Guid, u32)>,
    flows: Vec<(Guid, u32)>,
    users: Vec<User>,
    app_law: PowerLaw,
    flow_law: PowerLaw,
    user_law: PowerLaw,
}

const FIRST: &[&str] = &[
    "Amber", "Ben", "Carla", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo",
    "Nia", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Ross", "Okafor", "Schmidt", "Nakamura", "Garcia", "Novak", "Haddad", "Larsen", "Chen", "Mensah", "Dubois",
    "Kowalski", "Rossi", "Silva", "Yilmaz", "Andersen", "Patel", "OBrien", "Ivanova", "Moreau",
];
const APP_NAMES: &[&str] = &[
    "Expense Claims",
    "Site Inspection",
    "Leave Request",
    "Asset Tracker",
    "Visitor Check-in",
    "Field Survey",
    "Help Desk",
    "Onboarding",
    "Room Booking",
    "Safety Audit",
];

impl Estate {
    fn new(seed: u64) -> Self {
        let mut r = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_e57a_7e00_0001);
        let organization = guid(&mut r);
        let environments = (0..ENVIRONMENTS).map(|_| guid(&mut r)).collect::<Vec<_>>();
        // The default environment and a few production ones hold most apps, as in real tenants.
        let env_law = PowerLaw::new(ENVIRONMENTS, 1.2);
        let apps = (0..APPS).map(|_| (guid(&mut r), env_law.draw(&mut r) as u32)).collect();
        let flows = (0..FLOWS).map(|_| (guid(&mut r), env_law.draw(&mut r) as u32)).collect();
        let users = (0..USERS)
            .map(|i| {
                let first = FIRST[r.random_range(0..FIRST.len())];
                let last = LAST[r.random_range(0..LAST.len())];
                User { id: guid(&mut r), upn: format!("{first}.{last}{i}@Contoso.OnMicrosoft.com") }
            })
            .collect();
        Estate {
            organization,
            environments,
            apps,
            flows,
            users,
            app_law: PowerLaw::new(APPS, 1.0),
            flow_law: PowerLaw::new(FLOWS, 0.9),
            user_law: PowerLaw::new(USERS, 0.6),
        }
    }
}

/// Hours of the record window, each with how many lines its blob carries.
fn hour_counts(events: u64) -> Vec<u64> {
    let first = first_day();
    let weights: Vec<f64> = (0..DAYS * 24)
        .map(|h| {
            let weekday = (first + chrono::Days::new((h / 24) as u64)).weekday().num_days_from_monday();
            let day_factor = if weekday >= 5 { 0.3 } else { 1.0 };
            let hour_factor = match h % 24 {
                0..=5 => 0.2,
                6..=7 => 0.6,
                8..=17 => 1.0,
                18..=21 => 0.5,
                _ => 0.3,
            };
            day_factor * hour_factor
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    let mut given = 0u64;
    weights
        .iter()
        .map(|w| {
            cumulative += w;
            let upto = ((cumulative / total) * events as f64).round() as u64;
            let n = upto.saturating_sub(given);
            given += n;
            n
        })
        .collect()
}

/// The first day of records.
pub fn first_day() -> NaiveDate {
    LAST_DAY - chrono::Days::new((DAYS - 1) as u64)
}

/// The last day of records.
#[cfg(test)]
fn last_day() -> NaiveDate {
    LAST_DAY
}

/// A record written earlier, to be written again when the line count reaches `due`.
struct Repeat {
    due: u64,
    seq: u64,
    line: Vec<u8>,
}

impl PartialEq for Repeat {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Repeat {}
impl PartialOrd for Repeat {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Repeat {
    /// Reversed: the heap pops the earliest due first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

/// Writes the records one line at a time.
pub struct Generator {
    estate: Estate,
    r: ChaCha8Rng,
    events: u64,
    written: u64,
    duplicates: u64,
    hours: Vec<u64>,
    hour: usize,
    left_in_hour: u64,
    repeats: BinaryHeap<Repeat>,
    repeat_seq: u64,
    /// `YYYY-MM-DD` of each day of the window.
    dates: Vec<[u8; 10]>,
}

/// Which record to write.
#[derive(Clone, Copy)]
enum Shape {
    /// New-style Power Platform record; `full` carries every `PropertyCollection` entry of the
    /// documented sample, otherwise the optional long ones (user agent, names) are left out.
    Platform {
        full: bool,
    },
    Legacy,
    Flow,
    Other,
}

impl Generator {
    pub fn new(events: u64, seed: u64) -> Self {
        let first = first_day();
        let dates = (0..DAYS)
            .map(|d| {
                let mut out = [0u8; 10];
                let text = (first + chrono::Days::new(d as u64)).format("%Y-%m-%d").to_string();
                out.copy_from_slice(&text.as_bytes()[..10]);
                out
            })
            .collect();
        let hours = hour_counts(events);
        Generator {
            estate: Estate::new(seed),
            r: ChaCha8Rng::seed_from_u64(seed),
            events,
            written: 0,
            duplicates: 0,
            left_in_hour: hours.first().copied().unwrap_or(0),
            hours,
            hour: 0,
            repeats: BinaryHeap::new(),
            repeat_seq: 0,
            dates,
        }
    }

    /// Append the next line (with its newline) to `out`; false when all records are written.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> bool {
        if self.written >= self.events {
            return false;
        }
        self.written += 1;
        // Repeats take their place in the hour's blob too, so the file ends on the last day.
        while self.left_in_hour == 0 && self.hour + 1 < self.hours.len() {
            self.hour += 1;
            self.left_in_hour = self.hours[self.hour];
        }
        self.left_in_hour = self.left_in_hour.saturating_sub(1);
        if let Some(top) = self.repeats.peek()
            && top.due < self.written
            && let Some(repeat) = self.repeats.pop()
        {
            out.extend_from_slice(&repeat.line);
            self.duplicates += 1;
            return true;
        }
        let start = out.len();
        self.fresh_record(out);
        if self.r.random_bool(DUPLICATE_RATE) {
            let gap = if self.r.random_bool(NEAR_DUPLICATES) {
                self.r.random_range(1..2_000)
            } else {
                // Far enough that the record's day has usually been written out already.
                let low = (self.events / 50).clamp(1, 200_000);
                let high = (self.events / 3).clamp(low + 1, 3_000_000);
                self.r.random_range(low..high)
            };
            self.repeat_seq += 1;
            self.repeats.push(Repeat { due: self.written + gap, seq: self.repeat_seq, line: out[start..].to_vec() });
        }
        true
    }

    pub fn report(&self, bytes: u64) -> GenerateReport {
        GenerateReport { records: self.written, bytes, duplicates: self.duplicates }
    }

    fn fresh_record(&mut self, out: &mut Vec<u8>) {
        let mut hour = self.hour as i64;
        if self.r.random_bool(LATE_RATE) {
            hour = (hour - self.r.random_range(1..48)).max(0);
        }
        let second = self.r.random_range(0..3600u32);
        let time = Time { date: self.dates[(hour / 24) as usize], hour: (hour % 24) as u32, second };
        let roll: f64 = self.r.random();
        let shape = match roll {
            x if x < 0.075 => Shape::Platform { full: true },
            x if x < 0.53 => Shape::Platform { full: false },
            x if x < 0.80 => Shape::Legacy,
            x if x < 0.88 => Shape::Flow,
            _ => Shape::Other,
        };
        match shape {
            Shape::Platform { full } => self.platform(out, &time, full),
            Shape::Legacy => self.legacy(out, &time),
            Shape::Flow => self.flow(out, &time),
            Shape::Other => self.other(out, &time),
        }
        out.push(b'\n');
    }

    /// How the actor of a Power Apps record is named.
    fn actor_naming(&mut self) -> Actor {
        let x: f64 = self.r.random();
        if x < 0.0005 {
            Actor::Nobody
        } else if x < 0.01 {
            Actor::UpnOnly
        } else {
            Actor::Both
        }
    }

    fn operation(&mut self) -> &'static str {
        // Launches are most app records; the rest are maker actions, which are not uses.
        let x: f64 = self.r.random();
        match x {
            x if x < 0.93 => "LaunchPowerApp",
            x if x < 0.95 => "CreatePowerApp",
            x if x < 0.97 => "PublishPowerApp",
            x if x < 0.985 => "PowerAppPermissionEdited",
            x if x < 0.992 => "UpdatePowerApp",
            _ => "DeletePowerApp",
        }
    }

    fn platform(&mut self, out: &mut Vec<u8>, time: &Time, full: bool) {
        let e = &self.estate;
        let app = e.app_law.draw(&mut self.r);
        let user = e.user_law.draw(&mut self.r);
        let id = guid(&mut self.r);
        let operation = self.operation();
        let actor = self.actor_naming();
        // Rare records carry the operation only as the activity name, or name no app.
        let operation_field = if self.r.random_bool(0.005) { "" } else { operation };
        let no_app = self.r.random_bool(0.002);
        let correlation = guid(&mut self.r);
        let ip = self.r.next_u32();
        let case = self.r.random_range(0..10u8);
        let e = &self.estate;
        let (app_id, env) = &e.apps[app];
        let env_id = &e.environments[*env as usize];
        let u = &e.users[user];
        let (user_key, upn): (&[u8], &str) = match actor {
            Actor::Both => (&u.id, &u.upn),
            Actor::UpnOnly => (b"", &u.upn),
            Actor::Nobody => (b"", ""),
        };
        out.extend_from_slice(b"{\"PropertyCollection\":[");
        if full {
            let name = APP_NAMES[app % APP_NAMES.len()];
            prop_start(out, "powerplatform.analytics.resource.power_app.display_name");
            out.extend_from_slice(name.as_bytes());
            out.push(b' ');
            push_u64(out, app as u64);
            out.extend_from_slice(b"\"},");
        }
        if !no_app {
            prop(out, "powerplatform.analytics.resource.power_app.id", app_id);
            out.push(b',');
        }
        if full {
            prop_start(out, "powerplatform.analytics.resource.environment.name");
            out.extend_from_slice(b"Contoso env ");
            push_u64(out, u64::from(*env));
            out.extend_from_slice(b"\"},");
            prop(out, "powerplatform.analytics.operation.is_successful", b"True");
            out.push(b',');
            prop(out, "powerplatform.analytics.correlation.id", &correlation);
            out.push(b',');
            prop_start(out, "enduser.ip_address");
            push_ip(out, ip);
            out.extend_from_slice(b"\"},");
            prop(
                out,
                "user_agent.original",
                b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/148.0.0.0 Safari/537.36",
            );
            out.push(b',');
        }
        prop(out, "powerplatform.analytics.resource.type", b"PowerApp");
        out.push(b',');
        if full {
            prop(out, "version", b"1.0");
            out.push(b',');
            prop(out, "type", b"PowerPlatformAdministratorActivityRecord");
            out.push(b',');
        }
        prop(out, "powerplatform.analytics.activity.name", operation.as_bytes());
        out.push(b',');
        prop(out, "powerplatform.analytics.activity.id", &id);
        out.push(b',');
        prop(out, "powerplatform.analytics.resource.environment.id", env_id);
        out.push(b',');
        prop(out, "enduser.id", user_key);
        out.push(b',');
        if full {
            prop(out, "powerplatform.analytics.resource.tenant.id", &e.organization);
            out.push(b',');
        }
        prop_start(out, "enduser.principal_name");
        push_cased(out, upn, case);
        out.extend_from_slice(b"\"}");
        if full {
            out.push(b',');
            prop(out, "enduser.role", b"Admin");
        }
        out.extend_from_slice(b"],\"EnvironmentId\":\"");
        out.extend_from_slice(env_id);
        out.extend_from_slice(b"\",\"UserId\":\"");
        push_cased(out, upn, case);
        out.extend_from_slice(b"\",\"ClientIP\":\"");
        push_ip(out, ip);
        out.extend_from_slice(b"\",\"Id\":\"");
        out.extend_from_slice(&id);
        out.extend_from_slice(b"\",\"RecordType\":256,\"CreationTime\":\"");
        time.write(out);
        out.extend_from_slice(b"\",\"Operation\":\"");
        out.extend_from_slice(operation_field.as_bytes());
        out.extend_from_slice(b"\",\"OrganizationId\":\"");
        out.extend_from_slice(&e.organization);
        out.extend_from_slice(b"\",\"UserType\":0,\"UserKey\":\"");
        out.extend_from_slice(user_key);
        out.extend_from_slice(
            b"\",\"Workload\":\"PowerPlatform\",\"ResultStatus\":\"Succeeded\",\"Version\":1,\
              \"RequiresCustomerKeyEncryption\":false}",
        );
    }

    fn legacy(&mut self, out: &mut Vec<u8>, time: &Time) {
        let e = &self.estate;
        let app = e.app_law.draw(&mut self.r);
        let user = e.user_law.draw(&mut self.r);
        let id = guid(&mut self.r);
        let operation = self.operation();
        let actor = self.actor_naming();
        let upper_app = self.r.random_bool(0.01);
        let no_app = self.r.random_bool(0.002);
        let ip = self.r.next_u32();
        let case = self.r.random_range(0..10u8);
        let e = &self.estate;
        let (app_id, env) = &e.apps[app];
        let u = &e.users[user];
        let (user_key, upn): (&[u8], &str) = match actor {
            Actor::Both => (&u.id, &u.upn),
            Actor::UpnOnly => (b"", &u.upn),
            Actor::Nobody => (b"", ""),
        };
        out.extend_from_slice(b"{\"CreationTime\":\"");
        time.write(out);
        out.extend_from_slice(b"\",\"Id\":\"");
        out.extend_from_slice(&id);
        out.extend_from_slice(b"\",\"Operation\":\"");
        out.extend_from_slice(operation.as_bytes());
        out.extend_from_slice(b"\",\"OrganizationId\":\"");
        out.extend_from_slice(&e.organization);
        out.extend_from_slice(b"\",\"RecordType\":45,\"ResultStatus\":\"Succeeded\",\"UserKey\":\"");
        out.extend_from_slice(user_key);
        out.extend_from_slice(b"\",\"UserType\":0,\"Version\":1,\"Workload\":\"PowerApps\",\"ClientIP\":\"");
        push_ip(out, ip);
        out.extend_from_slice(b"\",\"UserId\":\"");
        push_cased(out, upn, case);
        out.extend_from_slice(b"\",\"AppName\":\"");
        // Permission edits name their app in AdditionalInfo.targetObjectId as well.
        let permission = operation == "PowerAppPermissionEdited";
        if !no_app {
            let start = out.len();
            out.extend_from_slice(app_id);
            if upper_app {
                out[start..].make_ascii_uppercase();
            }
        }
        out.extend_from_slice(b"\",\"AdditionalInfo\":{\"environmentName\":\"");
        out.extend_from_slice(&e.environments[*env as usize]);
        if permission {
            out.extend_from_slice(b"\",\"targetObjectId\":\"");
            out.extend_from_slice(app_id);
            out.extend_from_slice(b"\",\"permissionType\":\"CanView");
        }
        out.extend_from_slice(b"\"}}");
    }

    fn flow(&mut self, out: &mut Vec<u8>, time: &Time) {
        let e = &self.estate;
        let flow = e.flow_law.draw(&mut self.r);
        let user = e.user_law.draw(&mut self.r);
        let id = guid(&mut self.r);
        let x: f64 = self.r.random();
        let operation = match x {
            x if x < 0.2 => "CreateFlow",
            x if x < 0.92 => "EditFlow",
            _ => "DeleteFlow",
        };
        let ip = self.r.next_u32();
        let case = self.r.random_range(0..10u8);
        let e = &self.estate;
        let (flow_id, env) = &e.flows[flow];
        let env_id = &e.environments[*env as usize];
        let u = &e.users[user];
        out.extend_from_slice(b"{\"CreationTime\":\"");
        time.write(out);
        out.extend_from_slice(b"\",\"Id\":\"");
        out.extend_from_slice(&id);
        out.extend_from_slice(b"\",\"Operation\":\"");
        out.extend_from_slice(operation.as_bytes());
        out.extend_from_slice(b"\",\"OrganizationId\":\"");
        out.extend_from_slice(&e.organization);
        out.extend_from_slice(b"\",\"RecordType\":30,\"ResultStatus\":\"Succeeded\",\"UserKey\":\"");
        out.extend_from_slice(&u.id);
        out.extend_from_slice(b"\",\"UserType\":0,\"Version\":1,\"Workload\":\"MicrosoftFlow\",\"ClientIP\":\"");
        push_ip(out, ip);
        out.extend_from_slice(b"\",\"ObjectId\":\"");
        out.extend_from_slice(flow_id);
        out.extend_from_slice(b"\",\"UserId\":\"");
        push_cased(out, &u.upn, case);
        out.extend_from_slice(
            b"\",\"FlowConnectorNames\":\"SharePoint, Office 365 Outlook, Approvals\",\
              \"FlowDetailsUrl\":\"https://admin.powerplatform.microsoft.com/environments/",
        );
        out.extend_from_slice(env_id);
        out.extend_from_slice(b"/flows/");
        out.extend_from_slice(flow_id);
        out.extend_from_slice(
            b"/flowDetails\",\"LicenseDisplayName\":\"Microsoft 365 E3\",\"UserTypeInitiated\":1,\"UserUPN\":\"",
        );
        push_cased(out, &u.upn, case);
        out.extend_from_slice(b"\"}");
    }

    fn other(&mut self, out: &mut Vec<u8>, time: &Time) {
        let e = &self.estate;
        let user = e.user_law.draw(&mut self.r);
        let id = guid(&mut self.r);
        let object = guid(&mut self.r);
        let which = self.r.random_range(0..3u8);
        let ip = self.r.next_u32();
        let e = &self.estate;
        let u = &e.users[user];
        let (operation, record_type, workload): (&[u8], &[u8], &[u8]) = match which {
            0 => (b"FileAccessed", b"6", b"SharePoint"),
            1 => (b"MailItemsAccessed", b"50", b"Exchange"),
            _ => (b"ViewReport", b"20", b"PowerBI"),
        };
        out.extend_from_slice(b"{\"CreationTime\":\"");
        time.write(out);
        out.extend_from_slice(b"\",\"Id\":\"");
        out.extend_from_slice(&id);
        out.extend_from_slice(b"\",\"Operation\":\"");
        out.extend_from_slice(operation);
        out.extend_from_slice(b"\",\"OrganizationId\":\"");
        out.extend_from_slice(&e.organization);
        out.extend_from_slice(b"\",\"RecordType\":");
        out.extend_from_slice(record_type);
        out.extend_from_slice(b",\"UserKey\":\"");
        out.extend_from_slice(&u.id);
        out.extend_from_slice(b"\",\"UserType\":0,\"Version\":1,\"Workload\":\"");
        out.extend_from_slice(workload);
        out.extend_from_slice(b"\",\"ClientIP\":\"");
        push_ip(out, ip);
        out.extend_from_slice(b"\",\"ObjectId\":\"https://contoso.sharepoint.com/sites/team/Shared Documents/");
        out.extend_from_slice(&object);
        out.extend_from_slice(b".docx\",\"UserId\":\"");
        out.extend_from_slice(u.upn.as_bytes());
        out.extend_from_slice(b"\"}");
    }
}

#[derive(Clone, Copy)]
enum Actor {
    /// Entra object id in `UserKey` and `enduser.id`, UPN in `UserId`.
    Both,
    /// No object id: the UPN is the actor.
    UpnOnly,
    /// No actor at all (the use counts, the user does not).
    Nobody,
}

struct Time {
    date: [u8; 10],
    hour: u32,
    /// Second within the hour.
    second: u32,
}

impl Time {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.date);
        out.push(b'T');
        push_2(out, self.hour);
        out.push(b':');
        push_2(out, self.second / 60);
        out.push(b':');
        push_2(out, self.second % 60);
    }
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_ip(out: &mut Vec<u8>, ip: u32) {
    for (i, octet) in ip.to_be_bytes().iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        push_u64(out, u64::from(*octet));
    }
}

/// A UPN as one record spells it: mostly as the directory does, sometimes lower or upper case.
fn push_cased(out: &mut Vec<u8>, upn: &str, case: u8) {
    let start = out.len();
    out.extend_from_slice(upn.as_bytes());
    match case {
        0..=1 => out[start..].make_ascii_lowercase(),
        2 => out[start..].make_ascii_uppercase(),
        _ => {}
    }
}

fn prop_start(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"{\"Name\":\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\",\"Value\":\"");
}

fn prop(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    prop_start(out, name);
    out.extend_from_slice(value);
    out.extend_from_slice(b"\"}");
}

/// Bytes a file of `events` records will take, from the first few thousand records.
pub fn estimate_bytes(events: u64, seed: u64) -> u64 {
    let sample = events.min(50_000);
    let mut g = Generator::new(events, seed);
    let mut buf = Vec::with_capacity(1 << 20);
    let mut bytes = 0u64;
    for _ in 0..sample {
        if !g.next_line(&mut buf) {
            break;
        }
        bytes += buf.len() as u64;
        buf.clear();
    }
    if sample == 0 { 0 } else { (bytes as f64 / sample as f64 * events as f64) as u64 }
}

/// Write `events` records to `path` (through a temporary name, so that an interrupted run never
/// leaves a short file that a later run would take for a whole one).
pub fn write_file(path: &Path, events: u64, seed: u64, progress: &dyn Fn(u64)) -> anyhow::Result<GenerateReport> {
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut file = std::io::BufWriter::with_capacity(4 << 20, file);
    let mut g = Generator::new(events, seed);
    let mut buf = Vec::with_capacity(2 << 20);
    let mut bytes = 0u64;
    loop {
        let more = g.next_line(&mut buf);
        if buf.len() >= 1 << 20 || !more {
            file.write_all(&buf).with_context(|| format!("cannot write {} (is the disk full?)", partial.display()))?;
            bytes += buf.len() as u64;
            buf.clear();
            progress(g.written);
        }
        if !more {
            break;
        }
    }
    file.flush().with_context(|| format!("cannot write {} (is the disk full?)", partial.display()))?;
    drop(file);
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))?;
    Ok(g.report(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;
    use steward_ingest::powerplatform::wire::audit::AuditRecord;

    fn lines(events: u64, seed: u64) -> Vec<String> {
        let mut g = Generator::new(events, seed);
        let mut buf = Vec::new();
        while g.next_line(&mut buf) {}
        String::from_utf8(buf).unwrap().lines().map(str::to_string).collect()
    }

    #[test]
    fn power_platform_records_parse_as_the_wire_type() {
        let mut shapes = HashMap::<(String, i32), usize>::new();
        for line in lines(20_000, 3) {
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            let workload = value["Workload"].as_str().unwrap().to_string();
            let record: AuditRecord = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(record.workload.as_deref(), Some(workload.as_str()));
            *shapes.entry((workload, record.record_type)).or_default() += 1;
            match record.record_type {
                256 => {
                    assert!(record.property_collection.is_some(), "{line}");
                    assert!(record.environment_id.is_some(), "{line}");
                }
                45 => assert!(record.additional_info.and_then(|i| i.environment_name).is_some(), "{line}"),
                30 => {
                    assert!(record.object_id.is_some() && record.flow_details_url.is_some(), "{line}");
                }
                _ => {}
            }
        }
        for shape in [("PowerPlatform", 256), ("PowerApps", 45), ("MicrosoftFlow", 30), ("SharePoint", 6)] {
            let n = shapes.get(&(shape.0.to_string(), shape.1)).copied().unwrap_or(0);
            assert!(n > 100, "{shape:?} appears {n} times: {shapes:?}");
        }
    }

    #[test]
    fn the_same_seed_writes_the_same_file_and_another_seed_another() {
        assert_eq!(lines(3_000, 9), lines(3_000, 9));
        assert_ne!(lines(3_000, 9), lines(3_000, 10));
    }

    #[test]
    fn about_one_percent_of_lines_repeat_an_earlier_record_some_far_later() {
        let all = lines(100_000, 5);
        assert_eq!(all.len(), 100_000);
        let mut first_at = HashMap::<String, usize>::new();
        let (mut repeats, mut far) = (0, 0);
        for (i, line) in all.iter().enumerate() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = record["Id"].as_str().unwrap().to_string();
            match first_at.get(&id) {
                Some(&at) => {
                    assert_eq!(all[at], *line, "a repeat is the same record");
                    repeats += 1;
                    if i - at > 1_000 {
                        far += 1;
                    }
                }
                None => {
                    first_at.insert(id, i);
                }
            }
        }
        assert!((500..2_000).contains(&repeats), "{repeats} repeats in 100,000 lines");
        assert!(far > repeats / 5 && far < repeats, "{far} of {repeats} repeats come far later");
    }

    #[test]
    fn records_span_the_window_mostly_in_time_order_with_mixed_case_upns() {
        let all = lines(50_000, 2);
        let times: Vec<String> = all
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["CreationTime"].as_str().unwrap().to_string()
            })
            .collect();
        let days: std::collections::BTreeSet<&str> = times.iter().map(|t| &t[..10]).collect();
        assert!(days.len() >= 170, "{} days", days.len());
        assert_eq!(days.iter().next_back().map(|d| d.to_string()), Some(last_day().to_string()));
        let backwards = times.windows(2).filter(|w| w[1][..13] < w[0][..13]).count();
        assert!(backwards > 0 && backwards < all.len() / 50, "{backwards} records go back an hour or more");
        let upns: Vec<&str> = all.iter().filter_map(|l| l.split("\"UserId\":\"").nth(1)?.split('"').next()).collect();
        assert!(upns.iter().any(|u| u.chars().any(|c| c.is_ascii_uppercase())));
        assert!(upns.iter().any(|u| !u.is_empty() && !u.chars().any(|c| c.is_ascii_uppercase())));
    }
}
