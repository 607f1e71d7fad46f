//! `[campaigns]` in `steward.toml`: every duration a campaign waits, and which write actions
//! Steward may carry out in a tenant.
//!
//! ```toml
//! [campaigns]
//! inactivity_days = 180               # unused this long: ask the owner (keep or archive)
//! inactivity_answer_days = 30         # owner silent this long: escalate to the manager
//! archive_after_approval_days = 21    # archive is due this long after approval
//! orphaned_escalation_days = 14       # leaver's manager silent this long: platform team
//! quarantine_after_days = 7           # violation pending this long: recommend quarantine
//! compliance_deadline_days = 30       # owner's deadline to fix a violation
//! compliance_expire_days = 30         # escalated and still open this long: close as expired
//! reminder_days = 7                   # reminder interval while waiting for an answer (0: none)
//! platform_team = "platform-team"     # assignee of escalations beyond the manager
//!
//! [campaigns.actions]                 # write actions, all off: Steward records and recommends
//! archive = false
//! quarantine = false
//! delete = false
//! ```
//!
//! Durations are whole days. A step is due once the full duration has passed: an owner asked
//! at noon on day 0 with `inactivity_answer_days = 30` is escalated from noon on day 30, not on
//! day 29. A campaign keeps a snapshot of the configuration it was created with, so editing
//! the file changes new campaigns, not the deadlines people were already given.

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// `[campaigns]`. Every field has a default, so an empty section (or none) is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignConfig {
    /// Days without use after which the owner is asked to keep or archive a resource.
    pub inactivity_days: u32,
    /// Days the owner has to answer before the manager is asked instead.
    pub inactivity_answer_days: u32,
    /// Days between the approval of an archive and the archive being due.
    pub archive_after_approval_days: u32,
    /// Days the manager of a leaver has to answer before the platform team takes the task.
    pub orphaned_escalation_days: u32,
    /// Days a violation may stay open (pending) before Steward recommends quarantine.
    pub quarantine_after_days: u32,
    /// Days an owner has to fix a violation (the deadline of a compliance request).
    pub compliance_deadline_days: u32,
    /// Days an escalated compliance request stays open before it is closed as expired.
    pub compliance_expire_days: u32,
    /// Days between reminders while a task waits for an answer; 0 sends none.
    pub reminder_days: u32,
    /// Who escalations beyond a manager go to (a group id, a mailbox, a team name): the
    /// assignee recorded on the task.
    pub platform_team: String,
    /// `[campaigns.actions]`.
    pub actions: ActionsConfig,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            inactivity_days: 180,
            inactivity_answer_days: 30,
            archive_after_approval_days: 21,
            orphaned_escalation_days: 14,
            quarantine_after_days: 7,
            compliance_deadline_days: 30,
            compliance_expire_days: 30,
            reminder_days: 7,
            platform_team: DEFAULT_PLATFORM_TEAM.to_string(),
            actions: ActionsConfig::default(),
        }
    }
}

/// The assignee of escalations beyond a manager when `platform_team` is not set.
pub const DEFAULT_PLATFORM_TEAM: &str = "platform-team";

/// `[campaigns.actions]`: the write actions Steward may carry out, each off unless set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionsConfig {
    pub archive: bool,
    pub quarantine: bool,
    pub delete: bool,
}

/// A configuration value that makes no sense, with the key to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("campaigns.{key}: {problem}")]
pub struct ConfigError {
    pub key: &'static str,
    pub problem: String,
}

impl CampaignConfig {
    /// Refuse values that would make every resource a candidate or leave escalations without
    /// an assignee. Zero is otherwise allowed: it makes a step due at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.inactivity_days == 0 {
            return Err(ConfigError {
                key: "inactivity_days",
                problem: "0 would treat every resource as unused; the default is 180".into(),
            });
        }
        if self.platform_team.trim().is_empty() {
            return Err(ConfigError {
                key: "platform_team",
                problem: format!("must name who escalations go to; the default is \"{DEFAULT_PLATFORM_TEAM}\""),
            });
        }
        Ok(())
    }

    pub(crate) fn days(n: u32) -> Duration {
        Duration::days(i64::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_section_gives_the_documented_defaults() {
        let config: CampaignConfig = toml::from_str("").expect("empty is valid");
        assert_eq!(config.inactivity_days, 180);
        assert_eq!(config.inactivity_answer_days, 30);
        assert_eq!(config.archive_after_approval_days, 21);
        assert_eq!(config.quarantine_after_days, 7);
        assert_eq!(config.platform_team, "platform-team");
        assert_eq!(config.actions, ActionsConfig { archive: false, quarantine: false, delete: false });
        assert_eq!(config, CampaignConfig::default());
        config.validate().expect("defaults are valid");
    }

    #[test]
    fn partial_section_keeps_other_defaults() {
        let config: CampaignConfig =
            toml::from_str("inactivity_days = 90\n[actions]\nquarantine = true\n").expect("valid");
        assert_eq!(config.inactivity_days, 90);
        assert_eq!(config.inactivity_answer_days, 30);
        assert!(config.actions.quarantine);
        assert!(!config.actions.archive && !config.actions.delete);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = toml::from_str::<CampaignConfig>("inactivity = 90").expect_err("typo");
        assert!(err.to_string().contains("inactivity"), "{err}");
        let err = toml::from_str::<CampaignConfig>("[actions]\nremove = true").expect_err("typo");
        assert!(err.to_string().contains("remove"), "{err}");
    }

    #[test]
    fn validate_names_the_key() {
        let config = CampaignConfig { inactivity_days: 0, ..CampaignConfig::default() };
        assert_eq!(config.validate().expect_err("zero").key, "inactivity_days");
        let config = CampaignConfig { platform_team: " ".into(), ..CampaignConfig::default() };
        assert_eq!(config.validate().expect_err("blank").key, "platform_team");
    }
}
