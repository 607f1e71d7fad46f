//! Reading models from YAML: the built-in files and a CoE's own directory.
//!
//! A file is read whole or not at all: every problem found (syntax, an unknown field, a
//! duplicate id, a weight out of range, a level that does not exist, a choice question without
//! choices, an unknown evidence probe) is reported with the file, the line and what to do, and
//! a file with any problem is not used. Question ids must be unique across every loaded model,
//! because answers are stored under the question id alone.

use crate::evidence::Probe;
use crate::model::{Action, ActionKind, AnswerType, Area, Choice, Level, Model, Question};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use steward_store::maturity::ScopeKind;

/// The models Steward ships, as (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("alm.yaml", include_str!("../models/alm.yaml")),
    ("support.yaml", include_str!("../models/support.yaml")),
    ("program.yaml", include_str!("../models/program.yaml")),
    ("adoption.yaml", include_str!("../models/adoption.yaml")),
];

/// One thing wrong with a model file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// 1-based, where known.
    pub line: Option<u64>,
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{} — {}", self.message, self.fix)
    }
}

/// Models that were refused; nothing of a refused file is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not a valid maturity model, so it was not loaded:\n{}\n(docs/maturity.md describes the format)",
    origin,
    problems.iter().map(|p| format!("  - {origin}:{p}")).collect::<Vec<_>>().join("\n")
)]
pub struct ModelError {
    pub origin: String,
    pub problems: Vec<Problem>,
}

/// Why a set of models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cannot read the models directory {dir}: {reason}; check `[assess] models_dir` in steward.toml")]
    Directory { dir: String, reason: String },
    #[error(
        "question id '{id}' is in both {first} and {second}; answers are stored by question id, so give one of them \
         another id"
    )]
    DuplicateQuestion { id: String, first: String, second: String },
}

/// Every loaded model, by id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Models {
    pub models: Vec<Model>,
}

impl Models {
    /// The built-in models. They are tested to load (`builtin_models_load`); a failure here
    /// would be a build defect, so it is reported rather than hidden.
    pub fn builtin() -> Result<Models, LoadError> {
        Models::load(None)
    }

    /// The built-in models, then every `*.yaml` file of `dir` (sorted by name): a file with the
    /// id of a loaded model replaces it, any other adds a model.
    pub fn load(dir: Option<&Path>) -> Result<Models, LoadError> {
        let mut by_id: BTreeMap<String, Model> = BTreeMap::new();
        for (name, text) in BUILTIN {
            let model = parse_model(text, &format!("built-in model {name}"))?;
            by_id.insert(model.id.clone(), model);
        }
        if let Some(dir) = dir {
            let directory =
                |e: std::io::Error| LoadError::Directory { dir: dir.display().to_string(), reason: e.to_string() };
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .map_err(directory)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            for path in files {
                let origin = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| ModelError {
                    origin: origin.clone(),
                    problems: vec![Problem {
                        line: None,
                        message: format!("cannot read it: {e}"),
                        fix: "check the file's permissions and that it is UTF-8".into(),
                    }],
                })?;
                let model = parse_model(&text, &origin)?;
                by_id.insert(model.id.clone(), model);
            }
        }
        let models = Models { models: by_id.into_values().collect() };
        models.check_unique_questions()?;
        Ok(models)
    }

    fn check_unique_questions(&self) -> Result<(), LoadError> {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &self.models {
            for (_, q) in m.questions() {
                if let Some(first) = seen.insert(&q.id, &m.origin) {
                    return Err(LoadError::DuplicateQuestion {
                        id: q.id.clone(),
                        first: first.to_string(),
                        second: m.origin.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The question with this id, with its model and area.
    pub fn question(&self, id: &str) -> Option<(&Model, &Area, &Question)> {
        self.models.iter().find_map(|m| m.questions().find(|(_, q)| q.id == id).map(|(a, q)| (m, a, q)))
    }

    /// The models that have areas for this scope.
    pub fn for_scope(&self, scope: ScopeKind) -> Vec<&Model> {
        self.models.iter().filter(|m| m.applies_to(scope)).collect()
    }
}

// ---- the file format -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    id: Spanned<String>,
    title: String,
    version: String,
    source: String,
    #[serde(default)]
    description: String,
    areas: Vec<RawArea>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    group: Option<String>,
    source: String,
    scopes: Vec<Spanned<String>>,
    #[serde(default)]
    actions: Vec<RawAction>,
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    group: Option<String>,
    text: String,
    #[serde(default)]
    how: Option<String>,
    #[serde(default)]
    source: Option<String>,
    answer: Spanned<String>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    #[serde(default)]
    target: Option<f64>,
    weight: Spanned<f64>,
    level: Spanned<i64>,
    why: String,
    #[serde(default)]
    evidence: Option<Spanned<String>>,
    #[serde(default)]
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: Spanned<String>,
    label: String,
    score: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    kind: Spanned<String>,
    text: String,
    #[serde(default)]
    link: Option<String>,
}

/// The largest weight; weights are relative, so a bound keeps one question from drowning an area.
pub const MAX_WEIGHT: f64 = 10.0;

/// Parse and check one model file. `origin` names it in errors.
pub fn parse_model(text: &str, origin: &str) -> Result<Model, ModelError> {
    let fail = |problems: Vec<Problem>| ModelError { origin: origin.to_string(), problems };
    let options = serde_saphyr::options! {
        with_snippet: false,
        // YAML 1.2 booleans only: `no` stays a string.
        strict_booleans: true,
    };
    let raw: RawModel = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let mut message = e.without_snippet().to_string();
        if let Some(l) = e.location() {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        fail(vec![Problem {
            line,
            message,
            fix: "correct the YAML there (fields: id, title, version, source, description, areas)".into(),
        }])
    })?;
    let mut ctx = Check { problems: Vec::new() };
    let model = ctx.model(raw, text, origin);
    if ctx.problems.is_empty() { Ok(model) } else { Err(fail(ctx.problems)) }
}

struct Check {
    problems: Vec<Problem>,
}

fn line<T>(s: &Spanned<T>) -> Option<u64> {
    Some(s.referenced.line()).filter(|l| *l > 0)
}

/// Ids are written in URLs, form fields and CLI arguments: letters, digits, `.`, `-` and `_`.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl Check {
    fn problem(&mut self, line: Option<u64>, message: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem { line, message: message.into(), fix: fix.into() });
    }

    fn id(&mut self, id: &Spanned<String>, what: &str) {
        if !valid_id(&id.value) {
            self.problem(
                line(id),
                format!("{what} id '{}' is not a valid id", id.value),
                "use 1 to 100 letters, digits, '.', '-' or '_'",
            );
        }
    }

    fn model(&mut self, raw: RawModel, text: &str, origin: &str) -> Model {
        self.id(&raw.id, "model");
        let model_line = line(&raw.id);
        for (value, field) in [(&raw.title, "title"), (&raw.version, "version"), (&raw.source, "source")] {
            if value.trim().is_empty() {
                self.problem(model_line, format!("the model's {field} is empty"), format!("give the model a {field}"));
            }
        }
        if raw.areas.is_empty() {
            self.problem(model_line, "the model has no areas", "add at least one area with questions");
        }
        let mut area_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let areas = raw
            .areas
            .into_iter()
            .map(|a| {
                if !area_ids.insert(a.id.value.clone()) {
                    self.problem(
                        line(&a.id),
                        format!("area id '{}' is used twice in this model", a.id.value),
                        "give each area its own id",
                    );
                }
                self.area(a, &mut question_ids)
            })
            .collect();
        Model {
            id: raw.id.value,
            title: raw.title.trim().to_string(),
            version: raw.version.trim().to_string(),
            source: raw.source.trim().to_string(),
            description: raw.description.trim().to_string(),
            areas,
            digest: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())),
            origin: origin.to_string(),
        }
    }

    fn area(&mut self, raw: RawArea, question_ids: &mut HashSet<String>) -> Area {
        self.id(&raw.id, "area");
        let area_line = line(&raw.id);
        if raw.title.trim().is_empty() {
            self.problem(area_line, format!("area '{}' has no title", raw.id.value), "give the area a title");
        }
        if raw.questions.is_empty() {
            self.problem(area_line, format!("area '{}' has no questions", raw.id.value), "add questions or remove it");
        }
        let mut scopes = Vec::new();
        for s in &raw.scopes {
            match s.value.parse::<ScopeKind>() {
                Ok(k) if !scopes.contains(&k) => scopes.push(k),
                Ok(_) => {}
                Err(_) => self.problem(
                    line(s),
                    format!("'{}' is not an assessment scope", s.value),
                    "use organisation, business_unit or solution",
                ),
            }
        }
        if raw.scopes.is_empty() {
            self.problem(
                area_line,
                format!("area '{}' names no scope", raw.id.value),
                "add `scopes: [organisation, business_unit]` (or solution)",
            );
        }
        let actions = self.actions(raw.actions);
        let source = raw.source.trim().to_string();
        let questions = raw
            .questions
            .into_iter()
            .map(|q| {
                if !question_ids.insert(q.id.value.clone()) {
                    self.problem(
                        line(&q.id),
                        format!("question id '{}' is used twice in this model", q.id.value),
                        "give each question its own id; answers are stored under it",
                    );
                }
                self.question(q, &source)
            })
            .collect();
        Area {
            id: raw.id.value,
            title: raw.title.trim().to_string(),
            group: raw.group.map(|g| g.trim().to_string()).filter(|g| !g.is_empty()),
            source,
            scopes,
            actions,
            questions,
        }
    }

    fn actions(&mut self, raw: Vec<RawAction>) -> Vec<Action> {
        raw.into_iter()
            .filter_map(|a| {
                let Some(kind) = ActionKind::parse(&a.kind.value) else {
                    self.problem(
                        line(&a.kind),
                        format!("'{}' is not an action kind", a.kind.value),
                        "use training, workshop or steward",
                    );
                    return None;
                };
                if a.text.trim().is_empty() {
                    self.problem(line(&a.kind), "an action has no text", "say what to do");
                }
                Some(Action {
                    kind,
                    text: a.text.trim().to_string(),
                    link: a.link.map(|l| l.trim().to_string()).filter(|l| !l.is_empty()),
                })
            })
            .collect()
    }

    fn question(&mut self, raw: RawQuestion, area_source: &str) -> Question {
        self.id(&raw.id, "question");
        let qid = raw.id.value.clone();
        let qline = line(&raw.id);
        if raw.text.trim().is_empty() {
            self.problem(qline, format!("question '{qid}' has no text"), "write the question as the seed asks it");
        }
        if raw.why.trim().is_empty() {
            self.problem(qline, format!("question '{qid}' does not say why it matters"), "fill in `why`");
        }
        let answer = AnswerType::parse(&raw.answer.value).unwrap_or_else(|| {
            self.problem(
                line(&raw.answer),
                format!("'{}' is not an answer type", raw.answer.value),
                format!("use one of {}", AnswerType::NAMES),
            );
            AnswerType::Text
        });
        let weight = raw.weight.value;
        if !(0.0..=MAX_WEIGHT).contains(&weight) || !weight.is_finite() {
            self.problem(
                line(&raw.weight),
                format!("question '{qid}' has weight {weight}"),
                format!("use a weight from 0 (recorded, not scored) to {MAX_WEIGHT}"),
            );
        }
        let level = Level::new(raw.level.value).unwrap_or_else(|| {
            self.problem(
                line(&raw.level),
                format!("question '{qid}' evidences level {}, which does not exist", raw.level.value),
                "use 100, 200, 300, 400 or 500",
            );
            Level::INITIAL
        });
        let mut choices = Vec::new();
        let mut choice_ids = HashSet::new();
        for c in raw.choices {
            if !choice_ids.insert(c.id.value.clone()) {
                self.problem(
                    line(&c.id),
                    format!("choice '{}' is listed twice", c.id.value),
                    "give each choice its own id",
                );
            }
            self.id(&c.id, "choice");
            if !(0.0..=1.0).contains(&c.score) {
                self.problem(
                    line(&c.id),
                    format!("choice '{}' scores {}", c.id.value, c.score),
                    "use a score from 0 (no credit) to 1 (full credit)",
                );
            }
            choices.push(Choice { id: c.id.value, label: c.label.trim().to_string(), score: c.score });
        }
        match answer {
            AnswerType::Choice if choices.len() < 2 => self.problem(
                qline,
                format!("choice question '{qid}' has {} choices", choices.len()),
                "list at least two `choices` with id, label and score",
            ),
            AnswerType::Choice => {}
            _ if !choices.is_empty() => self.problem(
                qline,
                format!("question '{qid}' lists choices but is answered {}", answer.as_str()),
                "remove the choices or make it `answer: choice`",
            ),
            _ => {}
        }
        match (answer, raw.target) {
            (AnswerType::Number, Some(t)) if t.is_finite() && t > 0.0 => {}
            (AnswerType::Number, _) => self.problem(
                qline,
                format!("number question '{qid}' has no positive `target`"),
                "set `target:` to the value that earns full credit",
            ),
            (_, Some(_)) => self.problem(
                qline,
                format!("question '{qid}' has a target but is answered {}", answer.as_str()),
                "remove the target",
            ),
            _ => {}
        }
        let evidence = raw.evidence.as_ref().and_then(|e| match Probe::parse(&e.value) {
            Some(p) if p.answers(answer) => Some(p),
            Some(_) => {
                self.problem(
                    line(e),
                    format!("probe '{}' cannot answer a {} question", e.value, answer.as_str()),
                    "evidence answers yes_no, scale, number and text questions",
                );
                None
            }
            None => {
                self.problem(
                    line(e),
                    format!("'{}' is not an evidence probe", e.value),
                    format!("use one of {}", Probe::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")),
                );
                None
            }
        });
        let text = |t: Option<String>| t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        Question {
            id: qid,
            title: text(raw.title),
            group: text(raw.group),
            text: raw.text.trim().to_string(),
            how: text(raw.how),
            answer,
            choices,
            target: raw.target,
            weight,
            level,
            why: raw.why.trim().to_string(),
            source: text(raw.source).unwrap_or_else(|| area_source.to_string()),
            evidence,
            actions: self.actions(raw.actions),
        }
    }
}
