//! Value assessments: the questionnaire shipped as data (`questions.toml`), answers checked
//! against it, and a score per viability area.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_store::value::{AssessmentAnswer, MAX_SCORE, ValueAssessment};

const QUESTIONS: &str = include_str!("questions.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub title: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub version: String,
    pub areas: Vec<Area>,
}

/// The score of one area in one assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaScore {
    pub area_id: String,
    pub title: String,
    /// Sum of the answers' scores.
    pub points: u32,
    /// What the answered questions could have scored (answered × 5).
    pub possible: u32,
    pub answered: usize,
    pub questions: usize,
    /// `points ÷ possible` as a whole percentage; `None` when nothing in the area was answered.
    pub percent: Option<u32>,
}

impl Questionnaire {
    /// The questionnaire shipped with Steward.
    pub fn builtin() -> Result<Questionnaire, String> {
        let q: Questionnaire =
            toml::from_str(QUESTIONS).map_err(|e| format!("the built-in value questionnaire does not parse: {e}"))?;
        let mut seen = HashSet::new();
        for question in q.areas.iter().flat_map(|a| &a.questions) {
            if !seen.insert(question.id.as_str()) {
                return Err(format!("the built-in value questionnaire repeats question '{}'", question.id));
            }
        }
        Ok(q)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.areas.iter().flat_map(|a| &a.questions).find(|q| q.id == id)
    }

    /// Refuse answers to unknown questions, repeated questions or scores out of range, naming each.
    pub fn check(&self, answers: &[AssessmentAnswer]) -> Result<(), String> {
        let mut seen = HashSet::new();
        for a in answers {
            if self.question(&a.question_id).is_none() {
                return Err(format!(
                    "'{}' is not a question of the value questionnaire (version {}); see `steward value questions`",
                    a.question_id, self.version
                ));
            }
            if !seen.insert(a.question_id.as_str()) {
                return Err(format!("question '{}' is answered twice", a.question_id));
            }
            if a.score > MAX_SCORE {
                return Err(format!(
                    "the score of '{}' is {}; scores run from 0 to {MAX_SCORE}",
                    a.question_id, a.score
                ));
            }
        }
        if answers.is_empty() {
            return Err("an assessment needs at least one answer".into());
        }
        Ok(())
    }

    /// Scores per area; answers to questions no longer asked are ignored.
    pub fn scores(&self, answers: &[AssessmentAnswer]) -> Vec<AreaScore> {
        self.areas
            .iter()
            .map(|area| {
                let given: Vec<u32> = area
                    .questions
                    .iter()
                    .filter_map(|q| answers.iter().find(|a| a.question_id == q.id))
                    .map(|a| u32::from(a.score.min(MAX_SCORE)))
                    .collect();
                let points: u32 = given.iter().sum();
                let possible = u32::try_from(given.len()).unwrap_or(u32::MAX).saturating_mul(u32::from(MAX_SCORE));
                AreaScore {
                    area_id: area.id.clone(),
                    title: area.title.clone(),
                    points,
                    possible,
                    answered: given.len(),
                    questions: area.questions.len(),
                    percent: (possible > 0).then(|| (points * 100 + possible / 2) / possible),
                }
            })
            .collect()
    }

    /// [`Self::scores`] of a stored assessment.
    pub fn scores_of(&self, assessment: &ValueAssessment) -> Vec<AreaScore> {
        self.scores(&assessment.answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, score: u8) -> AssessmentAnswer {
        AssessmentAnswer { question_id: id.into(), score, note: String::new() }
    }

    #[test]
    fn builtin_has_the_three_areas_of_the_seeds() {
        let q = Questionnaire::builtin().expect("builtin");
        let titles: Vec<&str> = q.areas.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, vec!["Business strategy viability", "Technological viability", "Financial viability"]);
        assert_eq!(q.areas.iter().map(|a| a.questions.len()).collect::<Vec<_>>(), vec![5, 8, 4]);
    }

    #[test]
    fn scores_per_area_over_answered_questions() {
        let q = Questionnaire::builtin().expect("builtin");
        let answers = vec![
            answer("strategy.outcomes", 5),
            answer("strategy.time_frame", 2),
            answer("financial.economic_value", 4),
        ];
        q.check(&answers).expect("valid");
        let s = q.scores(&answers);
        assert_eq!((s[0].points, s[0].possible, s[0].percent), (7, 10, Some(70)));
        assert_eq!(s[1].percent, None, "nothing answered in technology");
        assert_eq!((s[2].answered, s[2].questions, s[2].percent), (1, 4, Some(80)));
    }

    #[test]
    fn check_names_the_bad_answer() {
        let q = Questionnaire::builtin().expect("builtin");
        assert!(q.check(&[answer("strategy.nope", 1)]).unwrap_err().contains("strategy.nope"));
        assert!(q.check(&[answer("strategy.outcomes", 6)]).is_err());
        assert!(
            q.check(&[answer("strategy.outcomes", 1), answer("strategy.outcomes", 2)]).unwrap_err().contains("twice")
        );
        assert!(q.check(&[]).is_err());
    }
}
