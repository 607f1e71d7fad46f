//! `steward success …`: evaluate the success rules, review detections, change the rules.

use anyhow::Context;
use chrono::NaiveDate;
use std::path::PathBuf;
use steward_store::success::{DetectionQuery, DetectionState, StateChange};
use steward_success::{RuleSet, active_rules, apply, evaluate_and_record, plan};

#[derive(Debug, clap::Subcommand)]
pub enum SuccessCommand {
    /// Evaluate the active rule set (the defaults until one is saved) and record the detections.
    Evaluate {
        /// The last day of every rule's window (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List detections, oldest first.
    List {
        /// Only detections in this review state: new, reviewed, promoted or dismissed.
        #[arg(long)]
        state: Option<DetectionState>,
        /// Also list detections that no longer fire.
        #[arg(long)]
        all: bool,
        /// Print the detections as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move a detection to another review state; the move is kept in its history.
    Review {
        /// The detection id (`steward success list` shows it).
        id: i64,
        /// reviewed, promoted or dismissed.
        #[arg(long)]
        state: DetectionState,
        /// Who decides.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Show, list or change the success rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Print the rule set in use (TOML).
    Show,
    /// List the saved rule set versions, newest first.
    History,
    /// Show what a rule set would add and remove; with --apply, adopt it and record its detections.
    Set {
        /// The rule set (TOML; see docs/success-detection.md).
        file: PathBuf,
        /// Save it as the active version and record its detections.
        #[arg(long)]
        apply: bool,
        /// Who adopts it (with --apply).
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
        /// The last day of every rule's window (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Print the change as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: SuccessCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    let today = || chrono::Utc::now().date_naive();
    match cmd {
        SuccessCommand::Evaluate { as_of, json } => {
            let summary = evaluate_and_record(store, as_of.unwrap_or_else(today)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!(
                    "evaluated rule set version {} ({}) as of {}: {} findings; {} new detections, {} fired again, \
                     {} no longer fire",
                    summary.rules_version,
                    summary.rules_origin,
                    summary.as_of,
                    summary.findings,
                    summary.added,
                    summary.updated,
                    summary.deactivated
                );
            }
        }
        SuccessCommand::List { state, all, json } => {
            let query = DetectionQuery { state, active: (!all).then_some(true), ..Default::default() };
            let detections = store.list_detections(&query).await.context("cannot list detections")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&detections)?);
            } else if detections.is_empty() {
                println!("no detections; run `steward success evaluate` after importing usage");
            } else {
                println!("{:>6}  {:<10}  {:<24}  {:<40}  FIGURES", "ID", "STATE", "RULE", "RESOURCE");
                for d in &detections {
                    let inactive = if d.active { "" } else { " (no longer fires)" };
                    println!(
                        "{:>6}  {:<10}  {:<24}  {:<40}  {}{inactive}",
                        d.id, d.state, d.rule_id, d.resource_id, d.figures
                    );
                }
            }
        }
        SuccessCommand::Review { id, state, by, note } => {
            let change = StateChange { state, by, note, at: chrono::Utc::now(), expected: None };
            let d = store
                .set_detection_state(id, &change)
                .await
                .with_context(|| format!("cannot move detection {id} to {state}"))?;
            println!(
                "detection {} ({} on {}) is now {} (by {})",
                d.id,
                d.rule_id,
                d.resource_id,
                d.state,
                d.state_by.unwrap_or_default()
            );
        }
        SuccessCommand::Rules(RulesCommand::Show) => {
            let active = active_rules(store).await?;
            match &active.saved {
                Some(s) => eprintln!("# rule set version {} saved by {} at {}", s.version, s.saved_by, s.saved_at),
                None => eprintln!("# the shipped default rules (no rule set saved yet)"),
            }
            print!("{}", active.toml);
        }
        SuccessCommand::Rules(RulesCommand::History) => {
            let sets = store.success_rule_sets().await.context("cannot read the saved rule sets")?;
            if sets.is_empty() {
                println!("no rule set saved; the shipped defaults are in use");
            }
            for s in sets {
                let active = if s.active { "  (active)" } else { "" };
                println!("version {:>4}  saved {} by {}{active}", s.version, s.saved_at.to_rfc3339(), s.saved_by);
            }
        }
        SuccessCommand::Rules(RulesCommand::Set { file, apply: adopt, by, as_of, json }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the rule set {}", file.display()))?;
            let rules = RuleSet::parse(&text, &file.display().to_string())?;
            let as_of = as_of.unwrap_or_else(today);
            let change =
                if adopt { apply(store, &rules, &text, &by, as_of).await? } else { plan(store, &rules, as_of).await? };
            if json {
                println!("{}", serde_json::to_string_pretty(&change)?);
                return Ok(());
            }
            for f in &change.added {
                println!("+ {:<24}  {:<40}  {}", f.rule_id, f.resource_id, f.figures);
            }
            for d in &change.removed {
                println!("- {:<24}  {:<40}  {}", d.rule_id, d.resource_id, d.figures);
            }
            if change.applied {
                println!("rule set version {} adopted: {}", change.to_version, change.summary());
            } else {
                println!(
                    "rule set version {} (in use: {}) {}; nothing was saved, add --apply to adopt it",
                    change.to_version,
                    change.from_version,
                    change.summary()
                );
            }
        }
    }
    Ok(())
}
