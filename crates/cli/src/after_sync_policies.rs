//! Automated tracking: after `steward sync` and `steward import`, the active set's tracked
//! policies (the critical ones) are evaluated and the run recorded, so violations follow the
//! inventory without anyone running `steward check`. `[governance] evaluate_after_sync = false`
//! turns it off.

use crate::commands::check::{record_run, recorded_line, responsibility_config, threads, today};
use crate::config::Config;
use std::sync::Arc;
use steward_compliance::run::{CheckOptions, active_set, evaluate};
use steward_store::Store;
use steward_store::governance::ComplianceCounts;

#[derive(Debug, serde::Serialize)]
pub struct Tracked {
    pub policy_set: String,
    /// Tracked policies evaluated.
    pub policies: usize,
    /// Tracked policies left out because their condition does not compile.
    pub compile_errors: usize,
    pub counts: ComplianceCounts,
}

/// Evaluate and record; `None` when turned off or when the set tracks nothing.
pub async fn run(store: &Arc<dyn Store>, config: &Config) -> anyhow::Result<Option<Tracked>> {
    if config.governance.evaluate_after_sync == Some(false) {
        return Ok(None);
    }
    let store = store.as_ref();
    let (set, _) = active_set(store).await?;
    if !set.policies.iter().any(|p| p.tracked) {
        return Ok(None);
    }
    let responsibility = responsibility_config(config)?;
    let options = CheckOptions {
        tenant: None,
        day: today(),
        at: chrono::Utc::now(),
        threads: threads(config),
        only_tracked: true,
    };
    let evaluation = evaluate(store, set, &options, &responsibility).await?;
    let counts = record_run(store, &evaluation, &options).await?;
    Ok(Some(Tracked {
        policy_set: evaluation.set.version.clone(),
        policies: evaluation.policies.len(),
        compile_errors: evaluation.compile_errors.len(),
        counts,
    }))
}

/// Run and print one line (to stderr when stdout carries JSON). A failure is a warning: the
/// sync or import itself succeeded, and `steward check` shows the cause.
pub async fn run_and_print(store: &Arc<dyn Store>, config: &Config, json: bool) {
    let line = match run(store, config).await {
        Ok(Some(t)) => {
            let broken = match t.compile_errors {
                0 => String::new(),
                n => format!(" ({n} left out: their conditions do not compile; `steward check` names them)"),
            };
            format!("tracked policies of set {} ({}{broken}): {}", t.policy_set, t.policies, recorded_line(&t.counts))
        }
        Ok(None) => return,
        Err(err) => {
            eprintln!(
                "warning: the tracked policies were not evaluated: {err:#}; run `steward check` once the cause is fixed"
            );
            return;
        }
    };
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}
