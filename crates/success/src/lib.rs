//! Success detection: rules over usage figures that the board can change, as data.
//!
//! A [`RuleSet`] (TOML, versioned) says which resources count as successes: per resource kind and
//! window, conditions over uses, unique users, active days, departments reached, the busiest day
//! and growth. [`evaluate`] applies it to the usage rollups of every resource; the store keeps
//! each firing as a detection that reviewers move through `new`, `reviewed`, `promoted` and
//! `dismissed`. [`plan`] shows what a changed rule set would add and stop before [`apply`]
//! adopts it; [`evaluate_and_record`] is what imports and syncs call afterwards.
//!
//! The shipped defaults ([`DEFAULT_RULES`]) are Microsoft's admin-center "high use" thresholds
//! and the CoE Starter Kit's "production app"; docs/success-detection.md gives their sources.

mod error;
mod evaluate;
mod record;
mod rules;

pub use error::{Problem, Result, RulesError, SuccessError};
pub use evaluate::{Finding, evaluate, window};
pub use record::{ActiveRules, EvaluationSummary, RuleChange, active_rules, apply, evaluate_and_record, plan};
pub use rules::{Condition, DEFAULT_RULES, MAX_WINDOW_DAYS, Metric, Rule, RuleSet};
