//! `steward policy …`: list, show and validate policies, save and adopt set versions, their
//! history and the difference between two sets.

use super::check::{
    describe_origin, exemptions_of, impact_of, responsibility_config, threads, today, warn_load_errors,
};
use crate::config::Config;
use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use steward_compliance::run::{CheckOptions, SetOrigin, active_set, evaluate, named_set, save_set};
use steward_policy::builtin::builtin_set;
use steward_policy::evaluate::compile_set;
use steward_policy::facts::{Subject, schema};
use steward_policy::load::{diff, load_set};
use steward_policy::model::{Effect, Level, Policy, PolicySet};
use steward_report::format::count;
use steward_store::Store;
use steward_store::governance::{ExemptionIndex, SaveOutcome};

const POLICY_HELP: &str = "\
A policy set is a directory of YAML policy files (docs/policies.md). The usual cycle:

  steward policy validate policies/               problems with file:line:column
  steward policy save policies/ --version v3      an immutable version in the database
  steward policy diff v2 v3                       what changed, policy by policy
  steward check --policies v3 --dry-run           what it would change, before adopting
  steward policy adopt v3                         make it the set checks use

Names of sets: `builtin` (the built-in pack), a saved version, or a directory or file.";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = POLICY_HELP)]
pub enum PolicyCommand {
    /// List the policies of the active set (or of another one).
    List {
        /// `builtin`, a saved version, or a directory or file of policies (default: the active set).
        #[arg(long, value_name = "NAME")]
        set: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one policy: condition, params, scope, rationale, remediation, where it is written.
    Show {
        /// The policy id (`steward policy list` shows them).
        id: String,
        /// `builtin`, a saved version, or a directory or file of policies (default: the active set).
        #[arg(long, value_name = "NAME")]
        set: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The facts a condition can read, with their types (the fact schema).
    Fields {
        /// Resource policies see resource, usage, environment and owner; environment policies
        /// see environment only (default: resource).
        #[arg(long, value_enum, default_value_t = SubjectArg::Resource)]
        subject: SubjectArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load and compile a set; print every problem with file:line:column (exit status 1 when any).
    Validate {
        /// A directory or file of policies.
        path: PathBuf,
    },
    /// Save a set as an immutable version (refused while its files have problems).
    #[command(disable_version_flag = true)]
    Save {
        /// A directory or file of policies.
        path: PathBuf,
        /// The version label, e.g. v3 (default: `version:` of set.yaml).
        #[arg(long, value_name = "LABEL")]
        version: Option<String>,
        /// Who saves it.
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
    },
    /// Make a saved version the active set, after showing what it would change.
    Adopt {
        /// A saved version, or `builtin` for the built-in pack.
        #[arg(value_name = "VERSION")]
        label: String,
        /// Who adopts it.
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
        /// The day the impact is computed for (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
    },
    /// Saved versions and the adoption history.
    History {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What changed between two sets: added, removed and changed policies, field by field.
    Diff {
        /// `builtin`, a saved version, or a directory or file of policies.
        old: String,
        /// `builtin`, a saved version, or a directory or file of policies.
        new: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SubjectArg {
    Resource,
    Environment,
}

impl From<SubjectArg> for Subject {
    fn from(s: SubjectArg) -> Subject {
        match s {
            SubjectArg::Resource => Subject::Resource,
            SubjectArg::Environment => Subject::Environment,
        }
    }
}

pub async fn run(cmd: PolicyCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    match cmd {
        // Neither reads the database.
        PolicyCommand::Fields { subject, json } => return fields(subject.into(), json),
        PolicyCommand::Validate { path } => return validate(&path),
        _ => {}
    }
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match cmd {
        PolicyCommand::List { set, json } => {
            let (set, origin) = set_or_active(store, set.as_deref()).await?;
            list(&set, &origin, json)
        }
        PolicyCommand::Show { id, set, json } => {
            let (set, _) = set_or_active(store, set.as_deref()).await?;
            let Some(policy) = set.get(&id) else {
                anyhow::bail!("{}", unknown_policy(&id, &set));
            };
            if json {
                println!("{}", serde_json::to_string_pretty(policy)?);
            } else {
                show(policy);
            }
            Ok(())
        }
        PolicyCommand::Save { path, version, by } => save(store, &path, version.as_deref(), &by).await,
        PolicyCommand::Adopt { label, by, as_of } => adopt(store, config, &label, &by, as_of).await,
        PolicyCommand::History { json } => history(store, json).await,
        PolicyCommand::Diff { old, new, json } => {
            let (old, _, old_errors) = named_set(store, &old).await?;
            let (new, _, new_errors) = named_set(store, &new).await?;
            warn_load_errors(&old_errors);
            warn_load_errors(&new_errors);
            let d = diff(&old, &new);
            if json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                print!("{d}");
            }
            Ok(())
        }
        PolicyCommand::Fields { .. } | PolicyCommand::Validate { .. } => Ok(()),
    }
}

/// A named set (load problems printed as warnings), or the active one.
async fn set_or_active(store: &dyn Store, name: Option<&str>) -> anyhow::Result<(PolicySet, SetOrigin)> {
    match name {
        Some(name) => {
            let (set, origin, errors) = named_set(store, name).await?;
            warn_load_errors(&errors);
            Ok((set, origin))
        }
        None => Ok(active_set(store).await?),
    }
}

/// "no policy X in set v3", with the ids that look like it.
fn unknown_policy(id: &str, set: &PolicySet) -> String {
    let needle = id.to_ascii_lowercase();
    let close: Vec<&str> = set
        .policies
        .iter()
        .map(|p| p.id.as_str())
        .filter(|p| p.contains(&needle) || needle.contains(*p) || shares_a_word(p, &needle))
        .take(5)
        .collect();
    let hint = if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) };
    format!("no policy '{id}' in policy set {}{hint} (`steward policy list` lists them)", set.version)
}

fn shares_a_word(a: &str, b: &str) -> bool {
    let words: HashSet<&str> = a.split('-').filter(|w| w.len() > 3).collect();
    b.split('-').any(|w| words.contains(w))
}

#[derive(Serialize)]
struct ListRow<'a> {
    id: &'a str,
    version: u32,
    level: Level,
    subject: Subject,
    tracked: bool,
    effect: Effect,
    title: &'a str,
}

fn list(set: &PolicySet, origin: &SetOrigin, json: bool) -> anyhow::Result<()> {
    let rows: Vec<ListRow<'_>> = set
        .policies
        .iter()
        .map(|p| ListRow {
            id: &p.id,
            version: p.version,
            level: p.level,
            subject: p.subject,
            tracked: p.tracked,
            effect: p.effect,
            title: &p.title,
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("{}: {} policies", describe_origin(&set.version, origin), set.policies.len());
    println!("{:<44} {:<6} {:<11} {:<7} {:<20} TITLE", "ID", "LEVEL", "SUBJECT", "TRACKED", "EFFECT");
    for r in rows {
        println!(
            "{:<44} {:<6} {:<11} {:<7} {:<20} {}",
            r.id,
            r.level.as_str(),
            r.subject.as_str(),
            if r.tracked { "yes" } else { "no" },
            r.effect.as_str(),
            r.title
        );
    }
    Ok(())
}

fn show(p: &Policy) {
    let join = |items: Vec<String>| items.join(", ");
    println!("id:          {} (version {})", p.id, p.version);
    println!("title:       {}", p.title);
    println!("level:       {}", p.level);
    println!("subject:     {}", p.subject);
    println!("effect:      {}", p.effect);
    println!(
        "tracked:     {}",
        if p.tracked { "yes (evaluated after every sync)" } else { "no (evaluated by `steward check`)" }
    );
    let s = &p.scope;
    let mut scope = Vec::new();
    if !s.platforms.is_empty() {
        scope.push(format!("platforms: {}", s.platforms.join(", ")));
    }
    if !s.kinds.is_empty() {
        scope.push(format!("kinds: {}", join(s.kinds.iter().map(|k| k.as_str().to_string()).collect())));
    }
    if !s.environments.is_empty() {
        scope.push(format!("environments: {}", s.environments.join(", ")));
    }
    if !s.environment_types.is_empty() {
        scope.push(format!(
            "environment types: {}",
            join(s.environment_types.iter().map(|t| t.as_str().to_string()).collect())
        ));
    }
    if !s.groups.is_empty() {
        scope.push(format!("groups: {}", s.groups.join(", ")));
    }
    println!("scope:       {}", if scope.is_empty() { "every subject".to_string() } else { scope.join("; ") });
    let params: Vec<String> =
        p.params.iter().map(|(k, v)| format!("{k} = {}", serde_json::to_string(v).unwrap_or_default())).collect();
    println!("params:      {}", if params.is_empty() { "none".to_string() } else { params.join(", ") });
    println!("source:      {}:{}", p.source.file, p.source.line);
    for (name, text) in [("condition", &p.condition), ("rationale", &p.rationale), ("remediation", &p.remediation)] {
        println!("{name}:");
        for line in text.trim_end().lines() {
            println!("  {line}");
        }
    }
}

fn fields(subject: Subject, json: bool) -> anyhow::Result<()> {
    let fields = schema(subject);
    if json {
        let rows: Vec<serde_json::Value> = fields
            .iter()
            .map(|f| {
                serde_json::json!({
                    "path": f.path(),
                    "variable": f.variable,
                    "name": f.name,
                    "type": f.ty.as_str(),
                    "doc": f.doc,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let article = if subject == Subject::Environment { "an" } else { "a" };
    println!("facts {article} {subject} policy's condition can read (params.<name> reads the policy's params):");
    let width = fields.iter().map(|f| f.path().len()).max().unwrap_or(0);
    for f in fields {
        println!("{:<width$}  {:<12}  {}", f.path(), f.ty.as_str(), f.doc);
    }
    Ok(())
}

/// The label a directory or file is known by when set.yaml gives none.
fn path_label(path: &Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Load and compile: the set and every problem, as lines.
fn load_checked(path: &Path, version: &str) -> (PolicySet, Vec<String>) {
    let (set, errors) = load_set(path, version);
    let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
    // The loader type-checks conditions already; compiling the set is the evaluator's view,
    // and must agree.
    let (_, compile_errors) = compile_set(&set);
    problems.extend(compile_errors.iter().map(ToString::to_string));
    (set, problems)
}

fn validate(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        anyhow::bail!("{} does not exist; give a directory or a file of policies", path.display());
    }
    let (set, problems) = load_checked(path, &path_label(path));
    for p in &problems {
        println!("{p}");
    }
    if !problems.is_empty() {
        anyhow::bail!(
            "{} problem{} in {}: fix {} (the policies concerned are left out of any check; the others load)",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            path.display(),
            if problems.len() == 1 { "it" } else { "them" }
        );
    }
    println!("{}: no problems; {}", path.display(), summary(&set));
    Ok(())
}

/// "policy set v3: 19 policies (4 must, 10 should, 5 could; 4 tracked; 15 on resources, 4 on
/// environments), digest sha256:…".
fn summary(set: &PolicySet) -> String {
    let n = |f: &dyn Fn(&Policy) -> bool| set.policies.iter().filter(|p| f(p)).count();
    format!(
        "policy set {}: {} policies ({} must, {} should, {} could; {} tracked; {} on resources, {} on environments), \
         digest {}",
        set.version,
        set.policies.len(),
        n(&|p| p.level == Level::Must),
        n(&|p| p.level == Level::Should),
        n(&|p| p.level == Level::Could),
        n(&|p| p.tracked),
        n(&|p| p.subject == Subject::Resource),
        n(&|p| p.subject == Subject::Environment),
        set.digest()
    )
}

/// A version label: what set.yaml accepts, and not a name `steward check --policies` reads
/// otherwise.
fn check_label(label: &str) -> anyhow::Result<()> {
    let ok = !label.is_empty()
        && label.len() <= 64
        && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        anyhow::bail!("'{label}' is not a version label: use letters, digits, '.', '_' and '-' (at most 64), e.g. v3");
    }
    if label == "builtin" {
        anyhow::bail!("'builtin' names the built-in pack; pick another version label, e.g. v3");
    }
    Ok(())
}

async fn save(store: &dyn Store, path: &Path, version: Option<&str>, by: &str) -> anyhow::Result<()> {
    if !path.exists() {
        anyhow::bail!("{} does not exist; give a directory or a file of policies", path.display());
    }
    if let Some(v) = version {
        check_label(v)?;
    }
    let (set, problems) = load_checked(path, version.unwrap_or(""));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        anyhow::bail!(
            "nothing was saved: {} has {} (listed above); a saved version must load completely, fix {} and save again",
            path.display(),
            if problems.len() == 1 { "1 problem".to_string() } else { format!("{} problems", problems.len()) },
            if problems.len() == 1 { "it" } else { "them" }
        );
    }
    match version {
        None if set.version.is_empty() => anyhow::bail!(
            "{} names no version (no `version:` in set.yaml); give one with --version, e.g. --version v3",
            path.display()
        ),
        Some(v) if set.version != v => anyhow::bail!(
            "set.yaml in {} says version '{}' but --version says '{v}'; make them agree or drop --version",
            path.display(),
            set.version
        ),
        _ => {}
    }
    check_label(&set.version)?;
    if set.policies.is_empty() {
        anyhow::bail!("{} holds no policies; nothing was saved", path.display());
    }
    match save_set(store, &set, by, chrono::Utc::now()).await? {
        SaveOutcome::Saved => println!(
            "saved {} by {by}\nsee what it would change with `steward check --policies {v} --dry-run`, adopt it with \
             `steward policy adopt {v}`",
            summary(&set),
            v = set.version
        ),
        SaveOutcome::AlreadySaved => {
            println!("policy set {} is already saved with this content; nothing was written", set.version)
        }
    }
    Ok(())
}

async fn adopt(
    store: &dyn Store,
    config: &Config,
    version: &str,
    by: &str,
    as_of: Option<NaiveDate>,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let set = if version == "builtin" {
        // The built-in pack is adopted like any version: saved under its own label first.
        let set = builtin_set();
        save_set(store, &set, by, now).await?;
        set
    } else {
        let Some(stored) = store.policy_set(version).await? else {
            let saved: Vec<String> = store.policy_sets().await?.into_iter().map(|s| s.version).collect();
            anyhow::bail!(
                "no saved policy set '{version}' (saved: {}); save it first with `steward policy save DIR --version \
                 {version}`",
                if saved.is_empty() { "none".to_string() } else { saved.join(", ") }
            );
        };
        serde_json::from_value(stored.content).with_context(|| {
            format!("the saved policy set '{version}' cannot be read back; save it again under a new version")
        })?
    };
    let (active, origin) = active_set(store).await?;
    if let SetOrigin::Adopted { info } = &origin
        && info.version == set.version
    {
        println!(
            "policy set {} is already the active set (adopted by {} on {}); nothing changed",
            set.version,
            info.adopted_by.as_deref().unwrap_or("someone"),
            info.adopted_at.map(|t| t.date_naive().to_string()).unwrap_or_default()
        );
        return Ok(());
    }

    // The impact first: what the next check would change against the violations open now.
    let responsibility = responsibility_config(config)?;
    let options = CheckOptions {
        tenant: None,
        day: as_of.unwrap_or_else(today),
        at: now,
        threads: threads(config),
        only_tracked: false,
    };
    let version_label = set.version.clone();
    let evaluation = evaluate(store, set, &options, &responsibility)
        .await
        .context("the policy evaluation for the impact failed; nothing was adopted")?;
    for e in &evaluation.compile_errors {
        eprintln!("warning: {e}; this policy will be left out of checks");
    }
    let index = ExemptionIndex::new(store.active_exemptions(now).await?, now);
    let exemptions = exemptions_of(&evaluation, &index);
    let impact = impact_of(store, &evaluation, &exemptions, None, &HashSet::new()).await?;
    println!(
        "impact of {version_label} against the violations open now (as of {}): {}",
        options.day,
        impact.summary(count)
    );

    let adoption = store.adopt_policy_set(&version_label, by, now).await?;
    let previous = match &origin {
        SetOrigin::Adopted { info } => info.version.clone(),
        _ => format!("the built-in pack {}, never adopted", active.version),
    };
    match adoption {
        Some(a) => println!(
            "policy set {} adopted by {} (was {previous}); the next `steward check` (or sync) records its violations",
            a.version, a.adopted_by
        ),
        None => println!("policy set {version_label} already was the active set; nothing changed"),
    }
    Ok(())
}

async fn history(store: &dyn Store, json: bool) -> anyhow::Result<()> {
    let sets = store.policy_sets().await.context("cannot read the saved policy sets")?;
    let adoptions = store.policy_adoptions().await.context("cannot read the adoption history")?;
    if json {
        let active = sets.iter().find(|s| s.active).map(|s| s.version.clone());
        let out = serde_json::json!({ "active": active, "sets": sets, "adoptions": adoptions });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if sets.is_empty() {
        println!(
            "no policy set saved; the built-in pack ({}) is in use (`steward policy save DIR --version V`)",
            builtin_set().version
        );
        return Ok(());
    }
    println!("saved versions (last saved first):");
    println!("{:<16} {:<20} {:<12} {:<20} STATUS", "VERSION", "DIGEST", "SAVED", "BY");
    for s in &sets {
        let status = match (s.active, &s.adopted_by) {
            (true, _) => "active".to_string(),
            (false, Some(by)) => format!("adopted before by {by}"),
            (false, None) => "never adopted".to_string(),
        };
        let digest: String = s.digest.chars().take(19).collect();
        println!(
            "{:<16} {:<20} {:<12} {:<20} {status}",
            s.version,
            digest,
            s.saved_at.date_naive().to_string(),
            s.saved_by
        );
    }
    println!();
    if adoptions.is_empty() {
        println!("no adoption yet; the built-in pack is in use until one (`steward policy adopt V`)");
    } else {
        println!("adoptions (oldest first):");
        for a in &adoptions {
            println!(
                "{}  {} adopted by {} (was {})",
                a.adopted_at.format("%Y-%m-%d %H:%M"),
                a.version,
                a.adopted_by,
                a.previous.as_deref().unwrap_or("the built-in pack")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_labels_are_checked() {
        assert!(check_label("v3").is_ok());
        assert!(check_label("2026.11-rc_1").is_ok());
        assert!(check_label("").is_err());
        assert!(check_label("v 3").is_err());
        assert!(check_label("builtin").unwrap_err().to_string().contains("built-in pack"));
    }

    #[test]
    fn unknown_ids_suggest_close_ones() {
        let set = builtin_set();
        let msg = unknown_policy("orphaned", &set);
        assert!(msg.contains("did you mean orphaned-resource"), "{msg}");
        let msg = unknown_policy("zzz", &set);
        assert!(!msg.contains("did you mean") && msg.contains("steward policy list"), "{msg}");
    }
}
