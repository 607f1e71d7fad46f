//! `steward value …`: import value records, list and show them, compute a resource's value for
//! a period with its explanation, assess a solution or business unit; and `steward report
//! value`, the board's ROI report. Every change lands in the audit trail (`via` = `cli`).

use crate::commands::accounts;
use crate::config::Config;
use crate::db;
use anyhow::Context;
use chrono::Datelike as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steward_store::Store;
use steward_store::value::{AssessmentAnswer, AssessmentQuery, AssessmentSubject, NewValueAssessment, ValueQuery};
use steward_value::assess::Questionnaire;
use steward_value::engine_costs::EngineCosts;
use steward_value::import::{Format, parse};
use steward_value::money::format_money;
use steward_value::{Rates, ValuePeriod, report};

const VALUE_HELP: &str = "\
Makers record value for their resources: users impacted, minutes saved per use or per week,
cost avoided and revenue enabled per year, and a short story. The potential value (declared
before) and the actual value (after) are separate records; every change is kept.

A value for a period = uses in the period (from the usage rollups) × minutes saved per use ÷ 60
× the hourly cost of the owner's department or country ([value] in steward.toml); a weekly
figure counts once per week with at least one use; yearly amounts are prorated by days.
Guide: docs/value.md.";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = VALUE_HELP)]
pub enum ValueCommand {
    /// Import value records from CSV or JSON (format in docs/value.md). Bad rows are refused one
    /// by one, naming the row and the reason; the others are stored.
    Import {
        /// The file (.csv or .json; otherwise told apart by its first character).
        file: PathBuf,
        /// Recorded as the author of the records (default: the command line's user).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the current value records.
    List {
        /// Only `potential` or `actual` records.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A resource's records, their history and its value assessments.
    Show {
        /// The resource id.
        resource: String,
        #[arg(long)]
        json: bool,
    },
    /// Compute values for a period, with how each figure was computed.
    Compute {
        /// Only this resource (default: every resource with a record).
        #[arg(long, value_name = "ID")]
        resource: Option<String>,
        /// A month (2026-10), quarter (2026-Q4), year (2026) or days (2026-10-01..2026-10-15).
        #[arg(long, value_name = "PERIOD")]
        period: String,
        #[arg(long)]
        json: bool,
    },
    /// The value assessment questionnaire, with the ids `value assess --answer` takes.
    Questions,
    /// Record a value assessment of a solution (--resource) or a business unit (--business-unit).
    #[command(group(clap::ArgGroup::new("subject").required(true).args(["resource", "business_unit"])))]
    Assess {
        #[arg(long, value_name = "ID")]
        resource: Option<String>,
        /// A department name.
        #[arg(long, value_name = "NAME")]
        business_unit: Option<String>,
        /// QUESTION=SCORE (0-5), repeated: --answer strategy.outcomes=4
        #[arg(long = "answer", value_name = "QUESTION=SCORE", required = true)]
        answers: Vec<String>,
        /// Recorded as the assessor (default: the command line's user).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

/// `steward report value`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A month (2026-10), quarter (2026-Q4), year (2026) or days (2026-10-01..2026-10-15);
    /// default: the last complete month.
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// html, md or json (default: from the extension of --out).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

fn rates(config: &Config) -> anyhow::Result<Rates> {
    config.value.rates().map_err(|e| anyhow::anyhow!("steward.toml [value]: {e}"))
}

/// The cost engine with `[cost]` from steward.toml (prices, CoE team, pay-as-you-go environments)
/// and the cost records imported with `steward cost … import`.
fn costs(store: Arc<dyn Store>, config: &Config) -> EngineCosts {
    EngineCosts { store, config: config.cost.clone() }
}

fn period(text: &str) -> anyhow::Result<ValuePeriod> {
    ValuePeriod::parse(text).map_err(|e| anyhow::anyhow!(e))
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value).context("cannot encode JSON")?);
    Ok(())
}

pub async fn run(cmd: ValueCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    match cmd {
        ValueCommand::Import { file, by, json } => import(store.as_ref(), config, &file, by, json).await,
        ValueCommand::List { kind, json } => {
            let kind =
                kind.map(|k| k.parse()).transpose().map_err(|e: steward_model::UnknownValue| anyhow::anyhow!(e))?;
            let records = store.value_records(&ValueQuery { kind, ..Default::default() }).await?;
            if json {
                return print_json(&records);
            }
            if records.is_empty() {
                println!("No value records. Makers record them on a resource's page, or: steward value import FILE");
            }
            for r in records {
                println!(
                    "{:<40} {:<9} rev {:<3} {} by {}",
                    r.resource_id,
                    r.kind.as_str(),
                    r.revision,
                    r.recorded_at.format("%Y-%m-%d"),
                    r.recorded_by
                );
            }
            Ok(())
        }
        ValueCommand::Show { resource, json } => {
            let records = store
                .value_records(&ValueQuery { resource_ids: Some(vec![resource.clone()]), ..Default::default() })
                .await?;
            let history = store.value_history(&resource).await?;
            let assessments = store
                .value_assessments(&AssessmentQuery {
                    subject: Some(AssessmentSubject::Solution),
                    subject_id: Some(resource.clone()),
                })
                .await?;
            if json {
                return print_json(
                    &serde_json::json!({"records": records, "history": history, "assessments": assessments}),
                );
            }
            if records.is_empty() {
                println!("No value recorded for {resource}.");
            }
            for r in &records {
                println!(
                    "{} value (revision {}, {} by {}):",
                    r.kind,
                    r.revision,
                    r.recorded_at.format("%Y-%m-%d"),
                    r.recorded_by
                );
                println!("{}", serde_json::to_string_pretty(&r.figures).unwrap_or_default());
                println!("{}", serde_json::to_string_pretty(&r.story).unwrap_or_default());
            }
            println!("{} revisions in the history, {} assessments.", history.len(), assessments.len());
            Ok(())
        }
        ValueCommand::Compute { resource, period: p, json } => {
            let p = period(&p)?;
            let query = ValueQuery { resource_ids: resource.map(|r| vec![r]), ..Default::default() };
            let values = steward_value::gather::resource_values(store.as_ref(), &rates(config)?, &p, &query).await?;
            if json {
                return print_json(&values);
            }
            if values.is_empty() {
                println!("No value records to compute from.");
            }
            for v in values {
                println!("{} ({})", v.facts.name(), v.facts.resource_id);
                for computed in [&v.actual, &v.potential].into_iter().flatten() {
                    println!(
                        "  {} value for {}: {}",
                        computed.kind,
                        p,
                        format_money(computed.total, &computed.currency)
                    );
                    for line in &computed.lines {
                        println!("    {}: {}", line.name, line.formula);
                        for i in &line.inputs {
                            println!("      {} = {} (from {})", i.name, i.value, i.source);
                        }
                    }
                    for n in &computed.notes {
                        println!("    note: {n}");
                    }
                }
            }
            Ok(())
        }
        ValueCommand::Questions => {
            let q = Questionnaire::builtin().map_err(|e| anyhow::anyhow!(e))?;
            println!("Value assessment questionnaire, version {} (score each 0-5):", q.version);
            for area in &q.areas {
                println!("\n{}", area.title);
                for question in &area.questions {
                    println!("  {:<36} {}", question.id, question.text);
                }
            }
            Ok(())
        }
        ValueCommand::Assess { resource, business_unit, answers, by } => {
            let q = Questionnaire::builtin().map_err(|e| anyhow::anyhow!(e))?;
            let answers = answers
                .iter()
                .map(|a| {
                    let (id, score) = a
                        .split_once('=')
                        .with_context(|| format!("'{a}' is not QUESTION=SCORE (e.g. strategy.outcomes=4)"))?;
                    let score: u8 = score.trim().parse().with_context(|| format!("the score in '{a}' is not 0-5"))?;
                    Ok(AssessmentAnswer { question_id: id.trim().to_string(), score, note: String::new() })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            q.check(&answers).map_err(|e| anyhow::anyhow!(e))?;
            let (subject, subject_id) = match (resource, business_unit) {
                (Some(r), _) => (AssessmentSubject::Solution, r),
                (None, Some(b)) => (AssessmentSubject::BusinessUnit, b),
                (None, None) => anyhow::bail!("name --resource or --business-unit"),
            };
            let new = NewValueAssessment {
                subject,
                subject_id,
                questionnaire: q.version.clone(),
                answers,
                assessed_by: by.unwrap_or_else(accounts::actor),
                assessed_at: chrono::Utc::now(),
            };
            let stored = store.record_value_assessment(&new).await?;
            accounts::record(
                store.as_ref(),
                "value.assess",
                format!("{}:{}", stored.subject, stored.subject_id),
                None,
                serde_json::to_value(&stored).ok(),
            )
            .await?;
            for s in q.scores(&stored.answers) {
                let percent = s.percent.map_or("not answered".to_string(), |p| format!("{p}%"));
                println!("{:<30} {percent} ({} of {} questions)", s.title, s.answered, s.questions);
            }
            Ok(())
        }
    }
}

async fn import(store: &dyn Store, config: &Config, file: &Path, by: Option<String>, json: bool) -> anyhow::Result<()> {
    let content = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {}; check the path and that it is UTF-8 text", file.display()))?;
    let format = Format::detect(&file.display().to_string(), &content);
    let parsed = parse(&content, format).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let by = by.unwrap_or_else(accounts::actor);
    let outcome = steward_value::store_import(store, parsed, &rates(config)?.currency, &by, chrono::Utc::now()).await?;
    for (place, record) in &outcome.stored {
        accounts::record(
            store,
            "value.record",
            format!("resource:{}", record.resource_id),
            None,
            serde_json::to_value(record).ok().map(|mut v| {
                v["imported_from"] = serde_json::json!(format!("{} {place}", file.display()));
                v
            }),
        )
        .await?;
    }
    if json {
        print_json(&outcome)?;
    } else {
        println!("Stored {} value records from {}.", outcome.stored.len(), file.display());
        for e in &outcome.rejected {
            println!("refused {}: {}", e.place, e.reason);
        }
    }
    if !outcome.rejected.is_empty() {
        anyhow::bail!(
            "{} rows of {} were refused (listed above); the other rows were stored — fix those rows and import them again",
            outcome.rejected.len(),
            file.display()
        );
    }
    Ok(())
}

/// `steward report value`: the ROI report as HTML, Markdown or JSON.
pub async fn report(args: ReportArgs, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let format = match args.format.as_deref().map(str::to_ascii_lowercase) {
        Some(f) => f,
        None => args.out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default(),
    };
    let p = match &args.period {
        Some(p) => period(p)?,
        None => {
            let today = chrono::Utc::now().date_naive();
            let last = today.with_day0(0).and_then(|d| d.pred_opt()).unwrap_or(today);
            ValuePeriod::month_of(last)
        }
    };
    let store = db::open(db_url).await?;
    let rates = rates(config)?;
    let costs = costs(store.clone(), config);
    let r = report::build(store.as_ref(), &rates, &p, &costs, chrono::Utc::now(), None)
        .await
        .with_context(|| format!("cannot compute the value report for {p}"))?;
    let text = match format.as_str() {
        "html" | "htm" => report::render_html(&r),
        "md" | "markdown" => report::render_markdown(&r),
        "json" => serde_json::to_string_pretty(&r).context("cannot encode the report as JSON")?,
        other => anyhow::bail!(
            "cannot tell the report format from '{other}' ({}); name the file .html, .md or .json, or pass \
             --format html|md|json",
            args.out.display()
        ),
    };
    std::fs::write(&args.out, text).with_context(|| {
        format!("cannot write {}; check that its directory exists and is writable", args.out.display())
    })?;
    println!("Wrote the value report for {p} to {}", args.out.display());
    Ok(())
}
