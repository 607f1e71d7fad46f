//! `steward check`: evaluate a policy set over the stored estate; record the run (the active
//! set) or show what a candidate set would change (`--dry-run`). Also the pieces the other
//! governance commands share: the responsibility configuration, thread count, the exemption
//! lookup and the impact of a set.

use crate::config::Config;
use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use steward_compliance::impact::Impact;
pub use steward_compliance::run::exemptions_of;
use steward_compliance::run::{CheckOptions, Evaluation, SetOrigin, active_set, evaluate, named_set, record};
use steward_compliance::sarif::{self, SarifResult, SarifRule};
use steward_model::Timestamp;
use steward_policy::facts::Subject;
use steward_policy::load::LoadError;
use steward_policy::model::{Level, PolicySet};
use steward_report::format::count;
use steward_store::Store;
use steward_store::governance::{ComplianceCounts, ExemptionIndex};

const CHECK_HELP: &str = "\
Which set:
  without --policies  the active set (`steward policy adopt`), else the built-in pack
  --policies builtin  the built-in pack
  --policies v3       a saved version (`steward policy save DIR --version v3`)
  --policies DIR      policy files read for this command only

A check of the active set records the run: violations open, stay open, resolve, or follow
their exemptions, and join each resource's history (`steward violations history ID`). Any
other set needs --dry-run: it is evaluated and compared with the violations open now
(\"adds 1,234 violations in 56 environments; resolves 80\"), and nothing is recorded.

A policy whose condition does not compile is reported as a warning with its file and line,
and the others run.

Exit status: 0, or 2 when --fail-on finds violations at or above its level (exempted ones
do not count), or 1 on any error. Guide: docs/compliance.md.";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Counts per policy and the first violations.
    Table,
    /// Everything: counts, every violation with its evidence, warnings, impact or what was recorded.
    Json,
    /// SARIF 2.1.0 for code-scanning tools (GitHub, Azure DevOps, VS Code).
    Sarif,
}

/// A policy level on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    Must,
    Should,
    Could,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Must => Level::Must,
            LevelArg::Should => Level::Should,
            LevelArg::Could => Level::Could,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = CHECK_HELP)]
pub struct Args {
    /// The set to evaluate: `builtin`, a saved version or a directory or file of policies
    /// (default: the active set).
    #[arg(long, value_name = "NAME")]
    policies: Option<String>,
    /// Evaluate and compare with the violations open now; record nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Evaluate one tenant only (default: every tenant).
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// The day ages and usage windows are computed for (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Only the policies marked `tracked` (what runs after every sync).
    #[arg(long)]
    tracked_only: bool,
    /// Exit with status 2 when violations at this level or above exist (must > should > could).
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<LevelArg>,
    /// Violations listed under the table (table format).
    #[arg(long, default_value_t = 20, value_name = "N")]
    show: usize,
}

/// `--fail-on` found violations: the command printed its output and exits with status 2.
#[derive(Debug)]
pub struct ViolationsFound {
    pub count: u64,
    pub level: Level,
}

impl ViolationsFound {
    pub const EXIT_CODE: u8 = 2;
}

impl fmt::Display for ViolationsFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let above = if self.level == Level::Must { String::new() } else { " or above".to_string() };
        write!(
            f,
            "{} violation{} at level {}{above} (--fail-on {}); exempted ones are not counted",
            count(self.count),
            if self.count == 1 { "" } else { "s" },
            self.level,
            self.level
        )
    }
}

impl std::error::Error for ViolationsFound {}

// ---- shared by the governance commands ------------------------------------------------------

/// The responsibility configuration: `[governance] responsibility`, else the shipped defaults.
pub fn responsibility_config(config: &Config) -> anyhow::Result<steward_responsibility::Config> {
    match &config.governance.responsibility {
        Some(path) => {
            let path = config.base_dir.join(path);
            // The error lists every problem with its line.
            Ok(steward_responsibility::Config::load(&path)?)
        }
        None => Ok(steward_responsibility::Config::defaults()),
    }
}

/// Threads for an evaluation: `[governance] threads`, else every core.
pub fn threads(config: &Config) -> usize {
    config
        .governance
        .threads
        .filter(|t| *t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// How the set in use is described in one line.
pub fn describe_origin(version: &str, origin: &SetOrigin) -> String {
    match origin {
        SetOrigin::Adopted { info } if info.active => match (&info.adopted_by, info.adopted_at) {
            (Some(by), Some(at)) => format!("policy set {version} (active, adopted by {by} on {})", at.date_naive()),
            _ => format!("policy set {version} (active)"),
        },
        SetOrigin::Adopted { info } => format!("policy set {version} (saved by {}, not active)", info.saved_by),
        SetOrigin::Builtin => format!("policy set {version} (the built-in pack)"),
        SetOrigin::Files { path } => format!("policy set {version} (files in {path})"),
    }
}

/// Print load problems as warnings: the policies they concern are left out.
pub fn warn_load_errors(errors: &[LoadError]) {
    for e in errors {
        eprintln!("warning: {e}");
    }
    if !errors.is_empty() {
        eprintln!(
            "warning: {} problem{} in the policy files; the policies concerned were left out, the others run \
             (`steward policy validate PATH` lists them)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }
}

/// Record a run, then let the campaigns follow it: compliance requests whose violations
/// resolved or were exempted close, quarantine recommendations without a violation are
/// withdrawn. A follow-up failure is a warning: the run itself is recorded.
pub async fn record_run(
    store: &dyn Store,
    evaluation: &Evaluation,
    options: &CheckOptions,
) -> anyhow::Result<ComplianceCounts> {
    let counts = record(store, evaluation, options).await.context("cannot record the compliance run")?;
    match steward_campaigns::feed::after_compliance(store, options.at).await {
        Ok(follow_up) if !follow_up.steps.is_empty() => {
            eprintln!("campaigns: {} task(s) followed up after this run", follow_up.steps.len());
        }
        Ok(_) => {}
        Err(err) => eprintln!("warning: campaign tasks were not followed up: {err}; `steward campaign tick` retries"),
    }
    Ok(counts)
}

/// What recording `evaluation` would change (see [`steward_compliance::run::impact`]).
pub async fn impact_of(
    store: &dyn Store,
    evaluation: &Evaluation,
    exemptions: &[Option<i64>],
    tenant: Option<&str>,
    left_out: &HashSet<String>,
) -> anyhow::Result<Impact> {
    steward_compliance::run::impact(store, evaluation, exemptions, tenant, left_out)
        .await
        .context("cannot read the open violations")
}

/// Whether `set` is the set in use: the same content as the active one.
fn same_content(a: &PolicySet, b: &PolicySet) -> bool {
    a.digest() == b.digest()
}

// ---- the command ----------------------------------------------------------------------------

/// One policy's line of the report.
#[derive(Debug, Serialize)]
struct PolicyRow {
    id: String,
    title: String,
    level: Level,
    subject: Subject,
    in_scope: u64,
    violations: u64,
    exempted: u64,
    /// Evaluations that failed (overflow, division by zero): counted as not violating.
    errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<u64>,
}

/// One violation of the report.
#[derive(Debug, Serialize)]
struct ViolationRow<'a> {
    policy_id: &'a str,
    level: Level,
    subject: Subject,
    subject_id: &'a str,
    name: &'a str,
    tenant_id: &'a str,
    environment_id: &'a str,
    /// `open`, or `exempted` under `exemption_id`.
    state: &'static str,
    exemption_id: Option<i64>,
    evidence: serde_json::Value,
}

#[derive(Debug, Serialize)]
struct CompileProblem {
    policy_id: String,
    file: String,
    line: u32,
    message: String,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    policy_set: &'a str,
    origin: &'a SetOrigin,
    as_of: NaiveDate,
    at: Timestamp,
    tenant: Option<&'a str>,
    dry_run: bool,
    tracked_only: bool,
    subjects_evaluated: u64,
    policies: Vec<PolicyRow>,
    violations: Vec<ViolationRow<'a>>,
    load_errors: &'a [LoadError],
    compile_errors: Vec<CompileProblem>,
    /// With --dry-run: the comparison with the violations open now.
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<&'a Impact>,
    /// Without --dry-run: what recording did.
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<&'a ComplianceCounts>,
}

pub async fn run(args: Args, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    let responsibility = responsibility_config(config)?;
    if let Some(tenant) = &args.tenant {
        let tenants: Vec<String> = store.list_tenants().await?.into_iter().map(|t| t.id).collect();
        if !tenants.contains(tenant) {
            anyhow::bail!(
                "no tenant '{tenant}' in the database (known: {}); drop --tenant to evaluate every tenant",
                if tenants.is_empty() { "none; import or sync one first".to_string() } else { tenants.join(", ") }
            );
        }
    }

    let (active, active_origin) = active_set(store).await?;
    let (set, origin, load_errors) = match &args.policies {
        None => (active.clone(), active_origin.clone(), Vec::new()),
        Some(name) => {
            let (set, origin, errors) = named_set(store, name).await?;
            // The active set named another way (its version, `builtin` while nothing is
            // adopted, or its files) is the active set: the run is recorded under its version.
            if errors.is_empty() && same_content(&set, &active) {
                (active.clone(), active_origin.clone(), errors)
            } else {
                (set, origin, errors)
            }
        }
    };
    let is_active = set.version == active.version && same_content(&set, &active) && load_errors.is_empty();
    if !is_active && !args.dry_run {
        let name = args.policies.as_deref().unwrap_or(&set.version);
        let how = match &origin {
            SetOrigin::Adopted { .. } => format!("adopt it with `steward policy adopt {name}`"),
            SetOrigin::Builtin => "adopt it with `steward policy adopt builtin`".to_string(),
            SetOrigin::Files { path } => {
                format!(
                    "save it with `steward policy save {path} --version V` and adopt it with `steward policy adopt V`"
                )
            }
        };
        anyhow::bail!(
            "policy set '{}' is not the active set ({}): a check records violations only for the active set. \
             Add --dry-run to see what it would change, or {how}",
            set.version,
            active.version
        );
    }
    warn_load_errors(&load_errors);

    let at = chrono::Utc::now();
    let day = args.as_of.unwrap_or_else(today);
    let options = CheckOptions {
        tenant: args.tenant.clone(),
        day,
        at,
        threads: threads(config),
        only_tracked: args.tracked_only,
    };
    let left_out: HashSet<String> = if args.tracked_only {
        set.policies.iter().filter(|p| !p.tracked).map(|p| p.id.clone()).collect()
    } else {
        HashSet::new()
    };
    let evaluation = evaluate(store, set, &options, &responsibility).await.context("the policy evaluation failed")?;
    for e in &evaluation.compile_errors {
        eprintln!("warning: {e}; this policy was left out, the others ran");
    }
    if evaluation.policies.is_empty() {
        eprintln!(
            "warning: no policy was evaluated ({})",
            if args.tracked_only { "the set has no tracked policy" } else { "the set is empty" }
        );
    }

    let index = ExemptionIndex::new(store.active_exemptions(at).await.context("cannot read the exemptions")?, at);
    let exemptions = exemptions_of(&evaluation, &index);
    let (impact, recorded) = if args.dry_run {
        (Some(impact_of(store, &evaluation, &exemptions, args.tenant.as_deref(), &left_out).await?), None)
    } else {
        (None, Some(record_run(store, &evaluation, &options).await?))
    };

    let report = build_report(
        &args,
        &evaluation,
        &origin,
        &exemptions,
        &load_errors,
        impact.as_ref(),
        recorded.as_ref(),
        day,
        at,
    );
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Sarif => println!("{}", serde_json::to_string_pretty(&sarif_document(&evaluation, &exemptions))?),
        Format::Table => print_table(&report, args.show),
    }

    if let Some(level) = args.fail_on.map(Level::from) {
        let failing =
            evaluation.findings.iter().zip(&exemptions).filter(|(f, e)| e.is_none() && f.level <= level).count() as u64;
        if failing > 0 {
            return Err(ViolationsFound { count: failing, level }.into());
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn build_report<'a>(
    args: &'a Args,
    evaluation: &'a Evaluation,
    origin: &'a SetOrigin,
    exemptions: &[Option<i64>],
    load_errors: &'a [LoadError],
    impact: Option<&'a Impact>,
    recorded: Option<&'a ComplianceCounts>,
    as_of: NaiveDate,
    at: Timestamp,
) -> Report<'a> {
    let mut exempted: BTreeMap<&str, u64> = BTreeMap::new();
    for (f, e) in evaluation.findings.iter().zip(exemptions) {
        if e.is_some() {
            *exempted.entry(&*f.policy_id).or_default() += 1;
        }
    }
    let mut policies: Vec<PolicyRow> = evaluation
        .counts
        .iter()
        .map(|c| {
            let policy = evaluation.policy(&c.policy_id);
            let by_policy = impact.map(|i| i.by_policy.get(&c.policy_id).cloned().unwrap_or_default());
            PolicyRow {
                id: c.policy_id.clone(),
                title: policy.map(|p| p.title.clone()).unwrap_or_default(),
                level: policy.map_or(Level::Could, |p| p.level),
                subject: c.subject,
                in_scope: c.in_scope,
                violations: c.violations,
                exempted: exempted.get(c.policy_id.as_str()).copied().unwrap_or(0),
                errors: c.errors,
                added: by_policy.as_ref().map(|b| b.added),
                resolved: by_policy.as_ref().map(|b| b.resolved),
            }
        })
        .collect();
    policies.sort_by(|a, b| a.level.cmp(&b.level).then_with(|| a.id.cmp(&b.id)));

    let mut violations: Vec<ViolationRow<'a>> = evaluation
        .findings
        .iter()
        .zip(exemptions)
        .map(|(f, e)| ViolationRow {
            policy_id: &f.policy_id,
            level: f.level,
            subject: f.subject,
            subject_id: &f.subject_id,
            name: evaluation.names.get(&f.subject_id).map_or("", String::as_str),
            tenant_id: &f.tenant_id,
            environment_id: &f.environment_id,
            state: if e.is_some() { "exempted" } else { "open" },
            exemption_id: *e,
            evidence: f.evidence_json(),
        })
        .collect();
    // Most binding first; the evaluator already orders by policy, then subject.
    violations.sort_by_key(|v| v.level);

    let compile_errors = evaluation
        .compile_errors
        .iter()
        .map(|e| CompileProblem {
            policy_id: e.policy_id.clone(),
            file: e.source.file.clone(),
            line: e.source.line,
            message: e.message.clone(),
        })
        .collect();
    Report {
        policy_set: &evaluation.set.version,
        origin,
        as_of,
        at,
        tenant: args.tenant.as_deref(),
        dry_run: args.dry_run,
        tracked_only: args.tracked_only,
        subjects_evaluated: evaluation.subjects,
        policies,
        violations,
        load_errors,
        compile_errors,
        impact,
        recorded,
    }
}

fn print_table(report: &Report<'_>, show: usize) {
    let tenant = report.tenant.map_or_else(String::new, |t| format!(" of tenant {t}"));
    println!(
        "{}: {} policies over {} resources and environments{tenant}, as of {}",
        describe_origin(report.policy_set, report.origin),
        report.policies.len(),
        count(report.subjects_evaluated),
        report.as_of
    );
    let dry = report.impact.is_some();
    let mut header =
        format!("{:<44} {:<6} {:>9} {:>10} {:>8}", "POLICY", "LEVEL", "IN SCOPE", "VIOLATIONS", "EXEMPTED");
    if dry {
        header.push_str(&format!(" {:>8} {:>8}", "ADDS", "RESOLVES"));
    }
    println!("{header}");
    for p in &report.policies {
        let mut line = format!(
            "{:<44} {:<6} {:>9} {:>10} {:>8}",
            p.id,
            p.level.as_str(),
            count(p.in_scope),
            count(p.violations),
            count(p.exempted)
        );
        if dry {
            line.push_str(&format!(" {:>8} {:>8}", count(p.added.unwrap_or(0)), count(p.resolved.unwrap_or(0))));
        }
        println!("{line}");
    }
    let total = report.violations.len() as u64;
    let exempted = report.violations.iter().filter(|v| v.exemption_id.is_some()).count() as u64;
    println!("{:<44} {:<6} {:>9} {:>10} {:>8}", "all policies", "", "", count(total), count(exempted));

    if show > 0 && !report.violations.is_empty() {
        println!();
        println!("{:<6} {:<44} {:<11} {:<8} NAME (ID)", "LEVEL", "POLICY", "SUBJECT", "STATE");
        for v in report.violations.iter().take(show) {
            let name =
                if v.name.is_empty() { v.subject_id.to_string() } else { format!("{} ({})", v.name, v.subject_id) };
            println!("{:<6} {:<44} {:<11} {:<8} {name}", v.level.as_str(), v.policy_id, v.subject.as_str(), v.state);
        }
        if report.violations.len() > show {
            println!(
                "… and {} more (--show N lists more, --format json lists all)",
                count((report.violations.len() - show) as u64)
            );
        }
    }
    println!();
    if let Some(impact) = report.impact {
        println!("dry run, nothing recorded: {}", impact.summary(count));
    }
    if let Some(c) = report.recorded {
        println!("{}", recorded_line(c));
    }
}

/// What recording a run did, in one line.
pub fn recorded_line(c: &ComplianceCounts) -> String {
    format!(
        "recorded: {} opened, {} resolved, {} exempted, {} reopened, {} still open; now {} open and {} exempted \
         (`steward violations` lists them)",
        count(c.opened),
        count(c.resolved),
        count(c.exempted),
        count(c.reopened),
        count(c.still_open),
        count(c.open_total),
        count(c.exempted_total)
    )
}

fn sarif_document(evaluation: &Evaluation, exemptions: &[Option<i64>]) -> serde_json::Value {
    let policies: Vec<&steward_policy::model::Policy> =
        evaluation.policies.iter().filter_map(|id| evaluation.policy(id)).collect();
    let rules: Vec<SarifRule<'_>> = policies
        .iter()
        .map(|p| SarifRule {
            id: &p.id,
            title: &p.title,
            rationale: &p.rationale,
            remediation: &p.remediation,
            level: p.level.as_str(),
        })
        .collect();
    let results: Vec<SarifResult<'_>> = evaluation
        .findings
        .iter()
        .zip(exemptions)
        .map(|(f, e)| SarifResult {
            policy_id: &f.policy_id,
            subject_kind: f.subject.as_str(),
            subject_id: &f.subject_id,
            subject_name: evaluation.names.get(&f.subject_id).map_or(&*f.subject_id, String::as_str),
            tenant_id: &f.tenant_id,
            environment_id: &f.environment_id,
            state: if e.is_some() { "exempted" } else { "open" },
            evidence: f.evidence_json(),
        })
        .collect();
    sarif::document(&evaluation.set.version, &rules, &results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_message_names_the_level() {
        let one = ViolationsFound { count: 1, level: Level::Must }.to_string();
        assert!(one.starts_with("1 violation at level must (--fail-on must)"), "{one}");
        let many = ViolationsFound { count: 1200, level: Level::Should }.to_string();
        assert!(many.starts_with("1,200 violations at level should or above"), "{many}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        // clap checks names, groups and flags only when a command is parsed: check them all here.
        use clap::CommandFactory;
        crate::Cli::command().debug_assert();
    }

    #[test]
    fn levels_order_must_first() {
        // `--fail-on should` counts must and should: the comparison relies on this order.
        assert!(Level::Must < Level::Should && Level::Should < Level::Could);
    }
}
