//! Scoring: a score and a current level per area, with the reasons, the gaps to the next level
//! and the actions that help close them (the ALM seed's "Addressing gaps": training, workshops,
//! and the Steward pages that help).
//!
//! The rules, pure and the same everywhere (docs/maturity.md):
//! - An answer earns a credit from 0 to 1 ([`crate::model::Question::credit`]): yes 1, no 0; a
//!   scale of n earns (n-1)/4; a choice its score; a number its share of the target; a written
//!   answer to a text question 1. Unanswered questions earn 0.
//! - The area's score is the weighted credit over every scored question (weight above 0), 0–100.
//! - A level is met when the weighted credit of its questions reaches [`PASS`] of their weight; a
//!   level without scored questions is met. The current level is the highest level L such that
//!   every level from 200 up to L is met; 100 Initial is where everyone starts.
//! - The reasons are the questions of the first level not met that held it back (answered below
//!   full credit, or not answered); the gaps are those questions with their actions.

use crate::model::{Action, Area, Level, Model, Question};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use steward_store::maturity::{Answer, ScopeKind};

/// The share of a level's weight its answers must earn for the level to be met.
pub const PASS: f64 = 0.75;

/// How one level of an area stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelStanding {
    pub level: Level,
    /// Weighted credit over weight, 0 to 1; `None` when the level has no scored question.
    pub share: Option<f64>,
    pub met: bool,
}

/// A question that holds an area back, with what would help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub question_id: String,
    pub text: String,
    pub level: Level,
    /// The current answer in words; `None` when not answered.
    pub answer: Option<String>,
    pub why: String,
    pub actions: Vec<Action>,
}

/// The score of one area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaScore {
    pub model_id: String,
    pub area_id: String,
    pub title: String,
    pub group: Option<String>,
    /// 0 to 100.
    pub score: f64,
    pub level: Level,
    /// `None` at 500.
    pub next_level: Option<Level>,
    pub questions: usize,
    pub answered: usize,
    pub levels: Vec<LevelStanding>,
    /// Why the area is at its level, in sentences.
    pub reasons: Vec<String>,
    /// What stands between the area and its next level.
    pub gaps: Vec<Gap>,
    /// The area's own actions (training, workshops) plus the gaps' actions, without repeats.
    pub actions: Vec<Action>,
}

/// The score of one model: its areas for the assessment's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub model_id: String,
    pub title: String,
    /// The mean of the areas' scores.
    pub score: f64,
    /// The lowest area level: a program is as mature as its least mature area.
    pub level: Level,
    pub areas: Vec<AreaScore>,
}

/// Score every model's areas for the scope.
pub fn score(models: &[&Model], scope: ScopeKind, answers: &[Answer]) -> Vec<ModelScore> {
    let by_question: HashMap<&str, &Answer> = answers.iter().map(|a| (a.question_id.as_str(), a)).collect();
    models
        .iter()
        .filter_map(|m| {
            let areas: Vec<AreaScore> =
                m.areas.iter().filter(|a| a.applies_to(scope)).map(|a| score_area(&m.id, a, &by_question)).collect();
            if areas.is_empty() {
                return None;
            }
            let mean = areas.iter().map(|a| a.score).sum::<f64>() / areas.len() as f64;
            let level = areas.iter().map(|a| a.level).min().unwrap_or(Level::INITIAL);
            Some(ModelScore { model_id: m.id.clone(), title: m.title.clone(), score: mean, level, areas })
        })
        .collect()
}

fn credit_of(q: &Question, answers: &HashMap<&str, &Answer>) -> Option<f64> {
    answers.get(q.id.as_str()).and_then(|a| a.value.as_ref()).and_then(|v| q.credit(v))
}

/// Score one area from the answers by question id.
pub fn score_area(model_id: &str, area: &Area, answers: &HashMap<&str, &Answer>) -> AreaScore {
    let scored: Vec<&Question> = area.questions.iter().filter(|q| q.weight > 0.0).collect();
    let total_weight: f64 = scored.iter().map(|q| q.weight).sum();
    let earned: f64 = scored.iter().map(|q| q.weight * credit_of(q, answers).unwrap_or(0.0)).sum();
    let answered = area.questions.iter().filter(|q| credit_of(q, answers).is_some()).count();

    let levels: Vec<LevelStanding> = Level::ALL
        .iter()
        .map(|&level| {
            let at: Vec<&&Question> = scored.iter().filter(|q| q.level == level).collect();
            let weight: f64 = at.iter().map(|q| q.weight).sum();
            let share = (weight > 0.0)
                .then(|| at.iter().map(|q| q.weight * credit_of(q, answers).unwrap_or(0.0)).sum::<f64>() / weight);
            let met = level == Level::INITIAL || share.is_none_or(|s| s + 1e-9 >= PASS);
            LevelStanding { level, share, met }
        })
        .collect();
    let mut level = Level::INITIAL;
    for standing in levels.iter().skip(1) {
        if !standing.met {
            break;
        }
        level = standing.level;
    }
    // A level met only because it has no questions is not evidence: step back to the last level
    // that had questions and was met.
    while level > Level::INITIAL && levels.iter().any(|s| s.level == level && s.share.is_none()) {
        level = Level::new(i64::from(level.0) - 100).unwrap_or(Level::INITIAL);
    }
    let next_level = level.next();
    // `None` when every higher level is met or was never asked: there is nothing to close.
    let blocking = levels.iter().find(|s| s.level > level && !s.met).map(|s| s.level);

    let mut reasons = Vec::new();
    let mut gaps = Vec::new();
    match blocking {
        Some(block) => {
            let standing = levels.iter().find(|s| s.level == block);
            let share = standing.and_then(|s| s.share).unwrap_or(0.0);
            reasons.push(format!(
                "{} is not reached: its questions earn {:.0}% of their weight, {:.0}% is needed",
                block.label(),
                share * 100.0,
                PASS * 100.0
            ));
            for q in scored.iter().filter(|q| q.level <= block) {
                let answer = answers.get(q.id.as_str()).and_then(|a| a.value.as_ref());
                let credit = answer.and_then(|v| q.credit(v));
                if credit.is_some_and(|c| c >= 1.0 - 1e-9) {
                    continue;
                }
                // Questions of lower levels that are met do not block; mention them only at the
                // blocking level itself.
                if q.level < block {
                    continue;
                }
                let shown = answer.map(|v| q.display(v));
                reasons.push(match &shown {
                    Some(s) => format!("held back by \"{}\" (answered {s})", q.text),
                    None => format!("held back by \"{}\" (not answered)", q.text),
                });
                gaps.push(Gap {
                    question_id: q.id.clone(),
                    text: q.text.clone(),
                    level: q.level,
                    answer: shown,
                    why: q.why.clone(),
                    actions: q.actions.clone(),
                });
            }
        }
        None if level.0 == 500 => reasons.push("every level up to 500 Efficient is met".into()),
        None => reasons.push(format!("{} is met; no higher level has questions in this area", level.label())),
    }
    if level > Level::INITIAL {
        reasons.insert(0, format!("levels up to {} are met", level.label()));
    }

    let mut actions: Vec<Action> = Vec::new();
    if !gaps.is_empty() {
        for a in gaps.iter().flat_map(|g| g.actions.iter()).chain(area.actions.iter()) {
            if !actions.contains(a) {
                actions.push(a.clone());
            }
        }
    }

    AreaScore {
        model_id: model_id.to_string(),
        area_id: area.id.clone(),
        title: area.title.clone(),
        group: area.group.clone(),
        score: if total_weight > 0.0 { earned / total_weight * 100.0 } else { 0.0 },
        level,
        next_level,
        questions: area.questions.len(),
        answered,
        levels,
        reasons,
        gaps,
        actions,
    }
}
