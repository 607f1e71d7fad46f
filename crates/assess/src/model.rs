//! The vocabulary of maturity models: models, areas, questions, levels and actions.
//!
//! These are the checked forms; [`crate::load`] builds them from YAML and refuses a file with
//! any problem, so code reading a [`Model`] can rely on every rule written here.

use serde::{Deserialize, Serialize};
use steward_store::maturity::{AnswerValue, ScopeKind};

/// A maturity level: 100 Initial, 200 Repeatable, 300 Defined, 400 Capable, 500 Efficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Level(pub u16);

impl Level {
    pub const INITIAL: Level = Level(100);
    pub const ALL: [Level; 5] = [Level(100), Level(200), Level(300), Level(400), Level(500)];

    /// A level from its number; only the five levels exist.
    pub fn new(n: i64) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| i64::from(l.0) == n)
    }

    /// "Initial", "Repeatable", "Defined", "Capable", "Efficient".
    pub fn name(self) -> &'static str {
        match self.0 {
            100 => "Initial",
            200 => "Repeatable",
            300 => "Defined",
            400 => "Capable",
            _ => "Efficient",
        }
    }

    /// "300 Defined".
    pub fn label(self) -> String {
        format!("{} {}", self.0, self.name())
    }

    /// The level above, `None` at 500.
    pub fn next(self) -> Option<Level> {
        Level::new(i64::from(self.0) + 100)
    }
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    YesNo,
    /// 1 (not at all) to 5 (fully).
    Scale,
    Choice,
    Number,
    Text,
}

impl AnswerType {
    pub const NAMES: &'static str = "yes_no, scale, choice, number, text";

    pub fn parse(text: &str) -> Option<AnswerType> {
        match text {
            "yes_no" => Some(AnswerType::YesNo),
            "scale" => Some(AnswerType::Scale),
            "choice" => Some(AnswerType::Choice),
            "number" => Some(AnswerType::Number),
            "text" => Some(AnswerType::Text),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::YesNo => "yes_no",
            AnswerType::Scale => "scale",
            AnswerType::Choice => "choice",
            AnswerType::Number => "number",
            AnswerType::Text => "text",
        }
    }
}

/// One option of a choice question, with the credit it earns (0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub score: f64,
}

/// What kind of help an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Training,
    Workshop,
    /// A Steward page or setting that helps.
    Steward,
}

impl ActionKind {
    pub fn parse(text: &str) -> Option<ActionKind> {
        match text {
            "training" => Some(ActionKind::Training),
            "workshop" => Some(ActionKind::Workshop),
            "steward" => Some(ActionKind::Steward),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Training => "Training",
            ActionKind::Workshop => "Workshop",
            ActionKind::Steward => "In Steward",
        }
    }
}

/// A recommended action to close a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub kind: ActionKind,
    pub text: String,
    pub link: Option<String>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Unique across every loaded model; answers are stored under it.
    pub id: String,
    /// A short name, where the seed gives one (program management's activity).
    pub title: Option<String>,
    /// The seed's parent question or heading, when the question is one of several under it.
    pub group: Option<String>,
    pub text: String,
    /// What "in place" looks like (program management's "HOW you can start").
    pub how: Option<String>,
    pub answer: AnswerType,
    /// For choice questions.
    pub choices: Vec<Choice>,
    /// For number questions: the value that earns full credit.
    pub target: Option<f64>,
    /// 0 to 10; 0 records the answer without scoring it.
    pub weight: f64,
    /// The level a full-credit answer is evidence of.
    pub level: Level,
    /// Why the question matters.
    pub why: String,
    /// The seed and section it comes from.
    pub source: String,
    /// The data probe that can answer it ([`crate::evidence::Probe`]).
    pub evidence: Option<crate::evidence::Probe>,
    pub actions: Vec<Action>,
}

impl Question {
    /// The credit an answer earns, 0 to 1; `None` when the value does not fit the question (a
    /// scale of 9, an unknown choice, a yes/no for a text question).
    pub fn credit(&self, value: &AnswerValue) -> Option<f64> {
        match (self.answer, value) {
            (AnswerType::YesNo, AnswerValue::YesNo(b)) => Some(if *b { 1.0 } else { 0.0 }),
            (AnswerType::Scale, AnswerValue::Scale(n)) if (1..=5).contains(n) => Some(f64::from(*n - 1) / 4.0),
            (AnswerType::Choice, AnswerValue::Choice(c)) => self.choices.iter().find(|x| x.id == *c).map(|x| x.score),
            (AnswerType::Number, AnswerValue::Number(n)) if n.is_finite() => {
                let target = self.target.unwrap_or(1.0);
                Some((n / target).clamp(0.0, 1.0))
            }
            // Thinking a leading question through and writing the answer down is what it asks.
            (AnswerType::Text, AnswerValue::Text(t)) => Some(if t.trim().is_empty() { 0.0 } else { 1.0 }),
            _ => None,
        }
    }

    /// Parse an answer typed as text (a form field, a CLI argument) for this question.
    pub fn parse_answer(&self, text: &str) -> Result<AnswerValue, String> {
        let t = text.trim();
        match self.answer {
            AnswerType::YesNo => match t.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" => Ok(AnswerValue::YesNo(true)),
                "no" | "n" | "false" => Ok(AnswerValue::YesNo(false)),
                _ => Err(format!("question {} is answered yes or no, not '{t}'", self.id)),
            },
            AnswerType::Scale => match t.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Ok(AnswerValue::Scale(n)),
                _ => Err(format!("question {} is answered on a scale of 1 to 5, not '{t}'", self.id)),
            },
            AnswerType::Choice => match self.choices.iter().find(|c| c.id == t) {
                Some(c) => Ok(AnswerValue::Choice(c.id.clone())),
                None => Err(format!(
                    "question {} takes one of {}, not '{t}'",
                    self.id,
                    self.choices.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
                )),
            },
            AnswerType::Number => match t.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(AnswerValue::Number(n)),
                _ => Err(format!("question {} is answered with a number, not '{t}'", self.id)),
            },
            AnswerType::Text => Ok(AnswerValue::Text(t.to_string())),
        }
    }

    /// An answer for pages: "yes", "3 of 5", the choice's label, the number, the text.
    pub fn display(&self, value: &AnswerValue) -> String {
        match value {
            AnswerValue::Choice(c) => {
                self.choices.iter().find(|x| x.id == *c).map_or_else(|| c.clone(), |x| x.label.clone())
            }
            other => other.display(),
        }
    }
}

/// A group of questions as the seed groups them ("Alignment", "Support", "100: Initial" …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub title: String,
    /// The seed's heading above the area ("Business value"), where there is one.
    pub group: Option<String>,
    pub source: String,
    /// The assessment scopes the area is asked in.
    pub scopes: Vec<ScopeKind>,
    /// Actions for any gap of the area (training, workshops, Steward pages).
    pub actions: Vec<Action>,
    pub questions: Vec<Question>,
}

impl Area {
    pub fn applies_to(&self, scope: ScopeKind) -> bool {
        self.scopes.contains(&scope)
    }
}

/// One maturity model (one YAML file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    pub title: String,
    pub version: String,
    pub source: String,
    pub description: String,
    pub areas: Vec<Area>,
    /// xxh3 of the file's bytes, as 16 hex digits.
    pub digest: String,
    /// Where it was loaded from: `built-in` or a file path.
    pub origin: String,
}

impl Model {
    pub fn reference(&self) -> steward_store::maturity::ModelRef {
        steward_store::maturity::ModelRef {
            id: self.id.clone(),
            version: self.version.clone(),
            digest: self.digest.clone(),
        }
    }

    pub fn questions(&self) -> impl Iterator<Item = (&Area, &Question)> {
        self.areas.iter().flat_map(|a| a.questions.iter().map(move |q| (a, q)))
    }

    /// Whether any of its areas is asked in this scope.
    pub fn applies_to(&self, scope: ScopeKind) -> bool {
        self.areas.iter().any(|a| a.applies_to(scope))
    }
}
