//! `steward assess`: maturity assessments (issue #8) — the models, starting an assessment with
//! its evidence pre-filled, answering, the report (text, JSON or a printable HTML page),
//! completing, and the ALM decision for a solution with the findings.

use crate::config::Config;
use anyhow::Context as _;
use std::path::PathBuf;
use steward_assess::Models;
use steward_assess::alm::{self, AlmDecision};
use steward_assess::evidence::{Context, SolutionFacts};
use steward_assess::html;
use steward_assess::report;
use steward_assess::service::{self, NewRequest, TypedAnswer};
use steward_store::Store;
use steward_store::maturity::{AssessmentQuery, AssessmentState, ScopeKind};

#[derive(Debug, clap::Subcommand)]
pub enum AssessCommand {
    /// The loaded maturity models: built in, and from `[assess] models_dir`.
    Models {
        /// Print every model with its questions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Assessments, newest last.
    List {
        /// organisation, business_unit or solution.
        #[arg(long)]
        scope: Option<ScopeKind>,
        #[arg(long)]
        json: bool,
    },
    /// Start an assessment; what Steward's data answers is pre-filled with its evidence.
    New(NewArgs),
    /// Answer questions: `QUESTION=ANSWER` (yes/no, 1–5, a choice id, a number, text; empty clears).
    Answer(AnswerArgs),
    /// Read the evidence again (answers from evidence are replaced, overrides kept).
    Evidence {
        id: i64,
        #[arg(long, default_value = "steward")]
        by: String,
    },
    /// Complete an assessment: it takes no more answers and stays as history.
    Complete {
        id: i64,
        #[arg(long, env = "USER", default_value = "cli")]
        by: String,
    },
    /// The report: levels per area with the reasons, gaps and actions.
    Report(ReportArgs),
    /// Whether managed ALM fits a solution now, later or not yet; `--findings` lists resources
    /// above the criticality threshold without it.
    Alm(AlmArgs),
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// organisation, business_unit or solution.
    #[arg(long, default_value = "organisation")]
    scope: ScopeKind,
    /// The business unit's name (its department) or the solution's resource id.
    #[arg(long = "ref", value_name = "NAME_OR_RESOURCE")]
    scope_ref: Option<String>,
    #[arg(long)]
    title: Option<String>,
    /// Only these models (repeat); default: every model with areas for the scope.
    #[arg(long = "model", value_name = "ID")]
    models: Vec<String>,
    /// Who creates it (recorded with every pre-filled answer's assessment).
    #[arg(long, env = "USER", default_value = "cli")]
    by: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct AnswerArgs {
    id: i64,
    /// `QUESTION=ANSWER`, e.g. `alignment.coe=yes` `tv.measurable=4`.
    #[arg(value_name = "QUESTION=ANSWER", required = true)]
    answers: Vec<String>,
    /// A comment kept with every answer given here.
    #[arg(long)]
    comment: Option<String>,
    /// A link kept with every answer given here (repeat).
    #[arg(long = "link")]
    links: Vec<String>,
    #[arg(long, env = "USER", default_value = "cli")]
    by: String,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    id: i64,
    #[arg(long, conflicts_with = "html")]
    json: bool,
    /// Write the printable HTML page to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AlmArgs {
    /// The resource id.
    #[arg(required_unless_present = "findings")]
    resource: Option<String>,
    /// List resources at or above `[assess] alm_criticality_threshold` without managed ALM.
    #[arg(long, conflicts_with = "resource")]
    findings: bool,
    #[arg(long)]
    json: bool,
}

/// The models of the configuration: built in, then `[assess] models_dir` (relative to the file).
pub fn models(config: &Config) -> anyhow::Result<Models> {
    let dir = config.assess.models_dir.as_ref().map(|d| config.base_dir.join(d));
    Ok(Models::load(dir.as_deref())?)
}

/// The configured sync sources' names.
pub fn source_names(config: &Config) -> Vec<String> {
    config.sources.iter().filter_map(|s| s.get("name")?.as_str().map(str::to_string)).collect()
}

/// Where the evidence probes look, for an assessment of this scope.
pub async fn context(
    store: &dyn Store,
    config: &Config,
    scope: ScopeKind,
    scope_ref: Option<&str>,
) -> anyhow::Result<Context> {
    let responsibility = super::check::responsibility_config(config)?;
    let solution = match (scope, scope_ref) {
        (ScopeKind::Solution, Some(id)) => Some(solution_facts(store, &responsibility, id).await?),
        _ => None,
    };
    Ok(Context {
        now: chrono::Utc::now(),
        sources: source_names(config),
        responsibility,
        responsibility_file: config.governance.responsibility.as_ref().map(|p| p.display().to_string()),
        scope,
        scope_ref: scope_ref.map(str::to_string),
        solution,
    })
}

/// A solution's facts, as `steward responsibility` reads them.
pub async fn solution_facts(
    store: &dyn Store,
    responsibility: &steward_responsibility::Config,
    id: &str,
) -> anyhow::Result<SolutionFacts> {
    let (input, _) = super::responsibility::input(store, id, super::check::today()).await?;
    let r = steward_responsibility::assess(&input, responsibility);
    let resource = store.get_resource(id).await?.with_context(|| format!("no resource '{id}'"))?;
    let reason = r.reasons.iter().find(|x| x.decisive).map_or_else(|| r.decided_by.clone(), |x| x.text.clone());
    Ok(SolutionFacts {
        resource_id: id.to_string(),
        display_name: resource.display_name,
        criticality: r.criticality,
        criticality_reason: reason,
        users_30d: input.users_30d,
        departments_30d: input.departments_30d,
        external_users_30d: input.external_users_30d,
        shared_with_everyone: input.shared_with_everyone,
        environment_type: input.environment_type,
        in_solution: input.in_solution,
    })
}

pub async fn run(command: AssessCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let models = models(config)?;
    if let AssessCommand::Models { json } = &command {
        return print_models(&models, *json);
    }
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match command {
        AssessCommand::Models { .. } => Ok(()),
        AssessCommand::List { scope, json } => {
            let list = store.list_assessments(&AssessmentQuery { scope, ..Default::default() }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("No assessment yet; `steward assess new` starts one.");
            } else {
                for a in &list {
                    println!(
                        "{:>5}  {:<9}  {:<40}  {}{}  {} answered",
                        a.id,
                        a.state.as_str(),
                        a.title,
                        a.scope.as_str(),
                        a.scope_ref.as_deref().map_or_else(String::new, |r| format!(" {r}")),
                        a.answered
                    );
                }
            }
            Ok(())
        }
        AssessCommand::New(args) => {
            let ctx = context(store, config, args.scope, args.scope_ref.as_deref()).await?;
            let request = NewRequest {
                title: args.title,
                scope: args.scope,
                scope_ref: args.scope_ref,
                model_ids: args.models,
                by: args.by,
                at: ctx.now,
            };
            let (a, evidence) = service::create(store, &models, &request, &ctx).await?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "assessment": a, "evidence": evidence }))?
                );
            } else {
                println!(
                    "Assessment {} \"{}\" started: {} questions pre-filled from evidence.",
                    a.id, a.title, a.answered
                );
                for e in &evidence {
                    let held = match e.holds {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    };
                    println!("  {:<22} {held:<7} {}", e.probe.as_str(), e.shown);
                }
                println!(
                    "Answer the rest with `steward assess answer {} QUESTION=ANSWER …`; questions: `steward assess report {}`.",
                    a.id, a.id
                );
            }
            Ok(())
        }
        AssessCommand::Answer(args) => {
            let a = store.get_assessment(args.id).await?.with_context(|| not_found(args.id))?;
            let mut typed = Vec::new();
            for pair in &args.answers {
                let (q, v) = pair
                    .split_once('=')
                    .with_context(|| format!("'{pair}' is not QUESTION=ANSWER, e.g. alignment.coe=yes"))?;
                typed.push(TypedAnswer {
                    question_id: q.trim().to_string(),
                    text: v.to_string(),
                    comment: args.comment.clone(),
                    links: args.links.clone(),
                });
            }
            let counts = service::answer(store, &models, &a, &typed, &args.by, chrono::Utc::now()).await?;
            println!("{} answers recorded, {} unchanged.", counts.changed, counts.unchanged);
            Ok(())
        }
        AssessCommand::Evidence { id, by } => {
            let a = store.get_assessment(id).await?.with_context(|| not_found(id))?;
            let ctx = context(store, config, a.scope, a.scope_ref.as_deref()).await?;
            let evidence = service::refresh_evidence(store, &models, &a, &ctx, &by).await?;
            println!("Evidence read again for assessment {id}: {} probes.", evidence.len());
            Ok(())
        }
        AssessCommand::Complete { id, by } => {
            let a = store.complete_assessment(id, &by, chrono::Utc::now()).await?;
            println!("Assessment {} completed by {}.", a.id, by);
            Ok(())
        }
        AssessCommand::Report(args) => {
            let r = service::report(store, &models, args.id).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else if let Some(path) = args.html {
                let series = service::series(store, &r.assessment).await?;
                let chart = html::progress_svg(&report::points(&models, &series));
                std::fs::write(&path, html::report_page(&r, chart.as_deref()))
                    .with_context(|| format!("cannot write the report to {}", path.display()))?;
                println!("Wrote {} (open it in a browser and print it).", path.display());
            } else {
                print_report(&r);
            }
            Ok(())
        }
        AssessCommand::Alm(args) => {
            let threshold = config.assess.alm_criticality_threshold;
            if args.findings {
                let found = alm::findings(store, threshold, None, 500).await?;
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&found)?);
                } else if found.is_empty() {
                    println!(
                        "No resource at or above {threshold} criticality lacks managed ALM (or no compliance run computed criticality yet)."
                    );
                } else {
                    for f in &found {
                        println!(
                            "{:<10} {:<40} {} — {}",
                            f.criticality.as_str(),
                            f.display_name,
                            f.resource_id,
                            f.state
                        );
                    }
                }
                return Ok(());
            }
            let id = args.resource.context("name the resource, or pass --findings")?;
            let responsibility = super::check::responsibility_config(config)?;
            let facts = solution_facts(store, &responsibility, &id).await?;
            let latest = alm::latest_solution_answers(store).await?;
            let (aid, answers) = latest.get(&id).map_or((None, Vec::new()), |(a, x)| (Some(*a), x.clone()));
            let d = alm::decide(&facts, &answers, aid, threshold);
            if args.json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                print_alm(&facts, &d);
            }
            Ok(())
        }
    }
}

fn not_found(id: i64) -> String {
    format!("no assessment {id}; `steward assess list` shows the assessments")
}

fn print_models(models: &Models, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(models)?);
        return Ok(());
    }
    for m in &models.models {
        let questions = m.questions().count();
        println!(
            "{} — {} (version {}, {} areas, {} questions; {})",
            m.id,
            m.title,
            m.version,
            m.areas.len(),
            questions,
            m.origin
        );
        for a in &m.areas {
            let scopes: Vec<&str> = a.scopes.iter().map(|s| s.as_str()).collect();
            println!("  {:<30} {:<42} {} questions [{}]", a.id, a.title, a.questions.len(), scopes.join(", "));
        }
    }
    Ok(())
}

fn print_report(r: &report::Report) {
    let a = &r.assessment;
    println!(
        "{} — assessment {} ({}{}), {}{}",
        a.title,
        a.id,
        a.scope.as_str(),
        a.scope_ref.as_deref().map_or_else(String::new, |x| format!(" {x}")),
        a.state.as_str(),
        if a.state == AssessmentState::Draft { ", being answered" } else { "" }
    );
    for w in &r.warnings {
        println!("warning: {w}");
    }
    for m in &r.scores {
        println!("\n{} — lowest area level {}", m.title, m.level.label());
        for s in &m.areas {
            println!(
                "  {:<40} {:<15} score {:>3.0}  {} of {} answered",
                s.title,
                s.level.label(),
                s.score,
                s.answered,
                s.questions
            );
            for g in &s.gaps {
                println!(
                    "      gap: {} [{}] ({})",
                    g.text,
                    g.question_id,
                    g.answer.as_deref().unwrap_or("not answered")
                );
            }
            for act in s.actions.iter().take(3) {
                println!(
                    "      do:  {}: {}{}",
                    act.kind.label(),
                    act.text,
                    act.link.as_deref().map_or_else(String::new, |l| format!(" ({l})"))
                );
            }
        }
    }
}

fn print_alm(facts: &SolutionFacts, d: &AlmDecision) {
    println!("{} ({}): {}", facts.display_name, facts.resource_id, d.fit.label());
    for r in &d.reasons {
        println!("  - {r}");
    }
    for m in &d.missing {
        println!("  missing: {}{} [{}]", m.what, if m.unanswered { " (not answered)" } else { "" }, m.question_id);
    }
    if d.assessment_id.is_none() {
        println!("  No solution assessment yet: `steward assess new --scope solution --ref {}`.", facts.resource_id);
    }
}

/// `steward demo`: one organisation assessment with the evidence pre-filled, once (a database
/// that has an assessment already keeps it).
pub async fn demo_assessment(store: &dyn Store) -> anyhow::Result<()> {
    if !store.list_assessments(&AssessmentQuery::default()).await?.is_empty() {
        return Ok(());
    }
    let config = Config::default();
    let models = models(&config)?;
    let ctx = context(store, &config, ScopeKind::Organisation, None).await?;
    let request = NewRequest {
        title: Some("Organisation maturity (demo)".into()),
        scope: ScopeKind::Organisation,
        scope_ref: None,
        model_ids: Vec::new(),
        by: "demo".into(),
        at: ctx.now,
    };
    let (a, _) = service::create(store, &models, &request, &ctx).await?;
    println!("Started maturity assessment {} with {} answers from evidence (/maturity).", a.id, a.answered);
    Ok(())
}
