//! Cron schedules: configured in steward.toml (`[[schedules]]`) on top of shipped defaults,
//! stored so every replica and the web pages see them, fired once per slot.
//!
//! A *slot* is one time the cron expression names (in the schedule's time zone). At every tick
//! the scheduler takes the latest slot at or before now; when it is newer than the schedule's
//! stored last slot, the store moves the last slot forward and enqueues the job in one
//! transaction ([`JobStore::fire_schedule`](steward_store::jobs::JobStore::fire_schedule)). So:
//! - several replicas ticking at once enqueue once (only one moves the slot forward);
//! - after a stop over several slots the restart fires only the latest missed slot, once;
//! - a schedule added today starts from the slot before it was added, so it does not fire at once.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::jobs::{DEFAULT_MAX_ATTEMPTS, FireOutcome, ScheduleSpec};

/// Kinds of the shipped default schedules; the CLI registers their handlers.
pub mod kinds {
    pub const SYNC_INVENTORY: &str = "sync.inventory";
    pub const SYNC_USAGE: &str = "sync.usage";
    pub const USAGE_ROLLUPS: &str = "usage.rollups";
    pub const POLICY_EVALUATE: &str = "policy.evaluate";
    pub const CAMPAIGNS_TICK: &str = "campaigns.tick";
    pub const DIGEST_BOARD: &str = "digest.board";
    pub const COST_FORECAST: &str = "cost.forecast";
    pub const JOBS_PRUNE: &str = "jobs.prune";
}

/// One `[[schedules]]` entry of steward.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Unique; an entry named like a shipped default replaces it (`enabled = false` turns it off).
    pub name: String,
    /// Five fields (minute hour day-of-month month day-of-week), or six with seconds first;
    /// `@hourly`, `@daily`, `@weekly`, `@monthly` too.
    pub cron: String,
    /// IANA time zone the expression is read in; UTC when absent.
    #[serde(default = "utc")]
    pub timezone: String,
    /// The job kind to enqueue.
    pub kind: String,
    /// The job's payload (a TOML table becomes a JSON object).
    #[serde(default)]
    pub payload: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub priority: i32,
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn utc() -> String {
    "UTC".to_string()
}
fn yes() -> bool {
    true
}
fn default_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

impl ScheduleConfig {
    pub fn new(name: &str, cron: &str, kind: &str) -> ScheduleConfig {
        ScheduleConfig {
            name: name.to_string(),
            cron: cron.to_string(),
            timezone: utc(),
            kind: kind.to_string(),
            payload: serde_json::Value::Null,
            enabled: true,
            priority: 0,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// The schedules Steward ships with. Digest and forecast kinds run only where their handlers are
/// registered (the scheduler skips a default whose kind no handler runs).
pub fn default_schedules() -> Vec<ScheduleConfig> {
    use kinds::*;
    vec![
        ScheduleConfig::new("inventory-sync", "0 2 * * *", SYNC_INVENTORY),
        ScheduleConfig::new("usage-sync", "15 * * * *", SYNC_USAGE),
        ScheduleConfig::new("usage-rollups", "30 3 * * *", USAGE_ROLLUPS),
        ScheduleConfig::new("policy-evaluation", "0 4 * * *", POLICY_EVALUATE),
        ScheduleConfig::new("campaign-steps", "45 * * * *", CAMPAIGNS_TICK),
        ScheduleConfig::new("board-digest", "0 8 * * MON", DIGEST_BOARD),
        // Notifications (steward-notify): the sender every minute, the messages after the runs they read.
        ScheduleConfig::new("notify-send", "* * * * *", "notify.send"),
        ScheduleConfig::new("notify-success-candidates", "0 8 * * MON", "notify.success_candidates"),
        ScheduleConfig::new("notify-violations", "30 4 * * *", "notify.violations"),
        ScheduleConfig::new("notify-campaign-steps", "50 * * * *", "notify.campaign_steps"),
        ScheduleConfig::new("notify-welcome", "0 9 * * *", "notify.welcome"),
        ScheduleConfig::new("notify-maker-summary", "0 8 2 * *", "notify.maker_summary"),
        ScheduleConfig::new("forecasts", "0 6 1 * *", COST_FORECAST),
        ScheduleConfig::new("job-history-prune", "20 5 * * *", JOBS_PRUNE),
    ]
}

/// The defaults with the configured entries laid over them (same name = replaced), in order:
/// defaults first, then new names in configuration order.
pub fn merge_with_defaults(configured: &[ScheduleConfig]) -> Vec<ScheduleConfig> {
    let mut out = default_schedules();
    for entry in configured {
        match out.iter_mut().find(|d| d.name == entry.name) {
            Some(slot) => *slot = entry.clone(),
            None => out.push(entry.clone()),
        }
    }
    out
}

/// A schedule that cannot be used; the message names it and what to change.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "schedule '{name}': cron expression '{cron}' is not valid ({reason}); use five fields such as \"0 2 * * *\""
    )]
    Cron { name: String, cron: String, reason: String },
    #[error(
        "schedule '{name}': time zone '{timezone}' is unknown; use an IANA name such as \"Europe/Paris\" or \"UTC\""
    )]
    TimeZone { name: String, timezone: String },
    #[error("schedule '{name}': no job handler runs kind '{kind}'; known kinds: {known}")]
    UnknownKind { name: String, kind: String, known: String },
    #[error("schedule '{name}' is defined twice in [[schedules]]; names must be unique")]
    Duplicate { name: String },
    #[error("schedule name '{name}' must be 1 to 100 characters of letters, digits, '-', '_' or '.'")]
    Name { name: String },
    #[error("schedule '{name}': max_attempts must be between 1 and 1000")]
    Attempts { name: String },
    #[error(transparent)]
    Store(#[from] steward_store::StoreError),
}

/// A parsed schedule: when its slots are.
#[derive(Debug, Clone)]
pub struct ParsedSchedule {
    pub config: ScheduleConfig,
    cron: Cron,
    tz: Tz,
}

impl ParsedSchedule {
    pub fn parse(config: &ScheduleConfig) -> Result<ParsedSchedule, ScheduleError> {
        let name_ok = !config.name.is_empty()
            && config.name.len() <= 100
            && config.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(ScheduleError::Name { name: config.name.clone() });
        }
        if config.max_attempts == 0 || config.max_attempts > 1000 {
            return Err(ScheduleError::Attempts { name: config.name.clone() });
        }
        let cron = parse_cron(&config.cron).map_err(|reason| ScheduleError::Cron {
            name: config.name.clone(),
            cron: config.cron.clone(),
            reason,
        })?;
        let tz: Tz = config
            .timezone
            .parse()
            .map_err(|_| ScheduleError::TimeZone { name: config.name.clone(), timezone: config.timezone.clone() })?;
        Ok(ParsedSchedule { config: config.clone(), cron, tz })
    }

    /// The latest slot at or before `now`.
    pub fn latest_slot(&self, now: Timestamp) -> Option<Timestamp> {
        let local: DateTime<Tz> = now.with_timezone(&self.tz);
        self.cron.find_previous_occurrence(&local, true).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The first slot after `now`.
    pub fn next_slot(&self, now: Timestamp) -> Option<Timestamp> {
        let local: DateTime<Tz> = now.with_timezone(&self.tz);
        self.cron.find_next_occurrence(&local, false).ok().map(|t| t.with_timezone(&Utc))
    }

    fn spec(&self, now: Timestamp) -> ScheduleSpec {
        let c = &self.config;
        ScheduleSpec {
            name: c.name.clone(),
            cron: c.cron.clone(),
            timezone: c.timezone.clone(),
            kind: c.kind.clone(),
            payload: c.payload.clone(),
            enabled: c.enabled,
            priority: c.priority,
            max_attempts: c.max_attempts,
            next_at: if c.enabled { self.next_slot(now) } else { None },
            initial_slot: self.latest_slot(now),
        }
    }
}

/// Parse a cron expression: five fields, or six with seconds first; the `@` aliases.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    use croner::parser::{CronParser, Seconds};
    CronParser::builder().seconds(Seconds::Optional).build().parse(expr.trim()).map_err(|e| e.to_string())
}

/// Fires the slots of a fixed set of schedules.
#[derive(Debug)]
pub struct Scheduler {
    schedules: Vec<ParsedSchedule>,
    /// The last slot known fired per schedule, so a tick calls the store only when a new slot came.
    fired: Mutex<HashMap<String, Timestamp>>,
}

impl Scheduler {
    /// Parse and check `configured` laid over the defaults. `known_kinds` are the kinds the
    /// registry runs: a configured schedule of another kind is an error; a default of another
    /// kind is left out (its handler belongs to a part this build or deployment lacks).
    pub fn from_config(configured: &[ScheduleConfig], known_kinds: &[String]) -> Result<Scheduler, ScheduleError> {
        let mut seen = std::collections::HashSet::new();
        for entry in configured {
            if !seen.insert(entry.name.as_str()) {
                return Err(ScheduleError::Duplicate { name: entry.name.clone() });
            }
            if !known_kinds.iter().any(|k| k == &entry.kind) {
                return Err(ScheduleError::UnknownKind {
                    name: entry.name.clone(),
                    kind: entry.kind.clone(),
                    known: known_kinds.join(", "),
                });
            }
        }
        let mut schedules = Vec::new();
        for entry in merge_with_defaults(configured) {
            if !known_kinds.iter().any(|k| k == &entry.kind) {
                tracing::debug!(schedule = %entry.name, kind = %entry.kind, "default schedule left out: no handler for its kind");
                continue;
            }
            schedules.push(ParsedSchedule::parse(&entry)?);
        }
        Ok(Scheduler::new(schedules))
    }

    pub fn new(schedules: Vec<ParsedSchedule>) -> Scheduler {
        Scheduler { schedules, fired: Mutex::new(HashMap::new()) }
    }

    pub fn schedules(&self) -> &[ParsedSchedule] {
        &self.schedules
    }

    /// Store these schedules (replacing the stored list) and learn their last slots.
    pub async fn install(&self, store: &dyn Store, now: Timestamp) -> Result<(), ScheduleError> {
        let specs: Vec<ScheduleSpec> = self.schedules.iter().map(|s| s.spec(now)).collect();
        store.put_schedules(&specs, now).await?;
        let stored = store.list_schedules().await?;
        let mut fired = self.fired.lock().unwrap_or_else(|p| p.into_inner());
        fired.clear();
        for s in stored {
            if let Some(last) = s.last_slot {
                fired.insert(s.name, last);
            }
        }
        Ok(())
    }

    /// Fire every enabled schedule whose latest slot is newer than the one it last fired.
    /// Returns what each attempted fire did.
    pub async fn tick(&self, store: &dyn Store, now: Timestamp) -> Result<Vec<(String, FireOutcome)>, ScheduleError> {
        let mut out = Vec::new();
        for s in self.schedules.iter().filter(|s| s.config.enabled) {
            let Some(slot) = s.latest_slot(now) else { continue };
            let known = self.fired.lock().unwrap_or_else(|p| p.into_inner()).get(&s.config.name).copied();
            if known.is_some_and(|k| k >= slot) {
                continue;
            }
            let outcome = store.fire_schedule(&s.config.name, slot, s.next_slot(now), now).await?;
            match outcome {
                FireOutcome::Enqueued(id) => {
                    tracing::info!(schedule = %s.config.name, slot = %slot, job = id, "schedule fired")
                }
                FireOutcome::StillOpen(id) => tracing::warn!(
                    schedule = %s.config.name, slot = %slot, job = id,
                    "schedule slot skipped: its previous job has not finished"
                ),
                FireOutcome::AlreadyFired => {}
                FireOutcome::Unknown => {
                    tracing::warn!(schedule = %s.config.name, "schedule not in the store (removed by another replica's configuration?)")
                }
            }
            if outcome != FireOutcome::Unknown {
                self.fired.lock().unwrap_or_else(|p| p.into_inner()).insert(s.config.name.clone(), slot);
            }
            out.push((s.config.name.clone(), outcome));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default()
    }

    #[test]
    fn slots_follow_the_time_zone_across_a_dst_change() {
        let mut c = ScheduleConfig::new("digest", "0 8 * * MON", "digest.board");
        c.timezone = "Europe/Paris".into();
        let s = ParsedSchedule::parse(&c).map_err(|e| e.to_string());
        let s = s.as_ref().map_err(String::as_str);
        assert!(s.is_ok(), "{s:?}");
        let Ok(s) = s else { return };
        // Monday 2026-03-23 08:00 Paris = 07:00 UTC (CET); Monday 2026-03-30 = 06:00 UTC (CEST).
        assert_eq!(s.latest_slot(at(2026, 3, 25, 12, 0)), Some(at(2026, 3, 23, 7, 0)));
        assert_eq!(s.next_slot(at(2026, 3, 25, 12, 0)), Some(at(2026, 3, 30, 6, 0)));
        assert_eq!(s.latest_slot(at(2026, 3, 23, 7, 0)), Some(at(2026, 3, 23, 7, 0)), "a slot is its own latest");
    }

    #[test]
    fn bad_schedules_say_what_to_fix() {
        let mut c = ScheduleConfig::new("x", "61 * * * *", "k");
        assert!(matches!(ParsedSchedule::parse(&c), Err(ScheduleError::Cron { .. })));
        c.cron = "@hourly".into();
        c.timezone = "Mars/Olympus".into();
        assert!(matches!(ParsedSchedule::parse(&c), Err(ScheduleError::TimeZone { .. })));
        c.timezone = "UTC".into();
        c.name = "has space".into();
        assert!(matches!(ParsedSchedule::parse(&c), Err(ScheduleError::Name { .. })));
        let known = vec!["sync.usage".to_string()];
        let dup = [ScheduleConfig::new("a", "@hourly", "sync.usage"), ScheduleConfig::new("a", "@daily", "sync.usage")];
        assert!(matches!(Scheduler::from_config(&dup, &known), Err(ScheduleError::Duplicate { .. })));
        let unknown = [ScheduleConfig::new("a", "@hourly", "nope")];
        assert!(matches!(Scheduler::from_config(&unknown, &known), Err(ScheduleError::UnknownKind { .. })));
    }

    #[test]
    fn configured_entries_replace_defaults_by_name_and_defaults_without_handlers_are_left_out() {
        let mut off = ScheduleConfig::new("usage-sync", "0 * * * *", kinds::SYNC_USAGE);
        off.enabled = false;
        let extra = ScheduleConfig::new("extra", "*/5 * * * *", kinds::SYNC_USAGE);
        let known = vec![kinds::SYNC_USAGE.to_string(), kinds::SYNC_INVENTORY.to_string()];
        let s = Scheduler::from_config(&[off, extra], &known).map_err(|e| e.to_string());
        let names: Vec<(String, bool)> = s
            .map(|s| s.schedules().iter().map(|p| (p.config.name.clone(), p.config.enabled)).collect())
            .unwrap_or_default();
        assert_eq!(names, vec![("inventory-sync".into(), true), ("usage-sync".into(), false), ("extra".into(), true)]);
    }
}
