//! Scores, levels, reasons, gaps and actions.

use chrono::TimeZone;
use steward_assess::Models;
use steward_assess::load::parse_model;
use steward_assess::model::Level;
use steward_assess::score::score;
use steward_store::maturity::{Answer, AnswerSource, AnswerValue, ScopeKind};

pub fn answer(q: &str, v: AnswerValue) -> Answer {
    Answer {
        assessment_id: 1,
        question_id: q.into(),
        value: Some(v),
        source: AnswerSource::Manual,
        evidence: None,
        comment: None,
        links: vec![],
        answered_by: "ann".into(),
        answered_at: chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap_or_default(),
    }
}

fn alignment(answers: &[Answer]) -> steward_assess::score::AreaScore {
    let models = Models::builtin().unwrap_or_else(|e| panic!("{e}"));
    let alm = models.get("alm").expect("alm");
    let scores = score(&[alm], ScopeKind::Organisation, answers);
    scores[0].areas.iter().find(|a| a.area_id == "alignment").cloned().expect("alignment area")
}

use AnswerValue::YesNo;

#[test]
fn nothing_answered_is_initial_with_every_question_a_gap() {
    let s = alignment(&[]);
    assert_eq!((s.level, s.score, s.answered), (Level(100), 0.0, 0));
    assert_eq!(s.next_level, Some(Level(200)));
    let gaps: Vec<&str> = s.gaps.iter().map(|g| g.question_id.as_str()).collect();
    assert_eq!(gaps, vec!["alignment.common-vision"], "only the blocking level's questions");
    assert!(s.reasons.iter().any(|r| r.contains("not answered")), "{:?}", s.reasons);
    assert!(!s.actions.is_empty(), "the area's workshop and training are recommended");
}

#[test]
fn levels_are_met_in_order_and_the_first_unmet_one_holds_back() {
    let answers = [
        answer("alignment.bottom-up", YesNo(true)),
        answer("alignment.common-vision", YesNo(true)),
        answer("alignment.product-owner", YesNo(true)),
        answer("alignment.coe", YesNo(false)),
        // Met above the gap, but levels are climbed in order.
        answer("alignment.digital-transformation", YesNo(true)),
    ];
    let s = alignment(&answers);
    assert_eq!(s.level, Level(300));
    assert_eq!(s.next_level, Some(Level(400)));
    assert_eq!(s.gaps.len(), 1);
    assert_eq!(s.gaps[0].question_id, "alignment.coe");
    assert_eq!(s.gaps[0].answer.as_deref(), Some("no"));
    assert!(
        s.reasons
            .iter()
            .any(|r| r.contains("Is there an established Center of Excellence team?") && r.contains("answered no"))
    );
    // Weights 1, 2, 2, 2, 2: 7 of 9 earned.
    assert!((s.score - 7.0 / 9.0 * 100.0).abs() < 1e-6, "{}", s.score);
}

#[test]
fn every_level_met_is_efficient() {
    let all: Vec<Answer> = ["bottom-up", "common-vision", "product-owner", "coe", "digital-transformation"]
        .iter()
        .map(|q| answer(&format!("alignment.{q}"), YesNo(true)))
        .collect();
    let s = alignment(&all);
    assert_eq!((s.level, s.next_level), (Level(500), None));
    assert!(s.gaps.is_empty() && s.actions.is_empty());
    assert_eq!(s.score, 100.0);
}

const PARTIAL: &str = "id: p
title: P
version: \"1\"
source: test
areas:
  - id: a
    title: A
    source: test
    scopes: [organisation]
    questions:
      - { id: p.scale, text: s, answer: scale, weight: 3, level: 200, why: w }
      - { id: p.num, text: n, answer: number, target: 10, weight: 1, level: 200, why: w }
      - { id: p.text, text: t, answer: text, weight: 1, level: 300, why: w,
          actions: [{ kind: steward, text: Open the page, link: /x }] }
      - { id: p.choice, text: c, answer: choice, weight: 1, level: 300, why: w,
          choices: [{ id: a, label: Always, score: 1 }, { id: b, label: Sometimes, score: 0.5 }] }
";

#[test]
fn partial_credit_and_the_pass_mark() {
    let m = parse_model(PARTIAL, "p.yaml").unwrap_or_else(|e| panic!("{e}"));
    let run = |answers: &[Answer]| score(&[&m], ScopeKind::Organisation, answers)[0].areas[0].clone();
    // Scale 4 earns 0.75, number 10 of 10 earns 1: 3*0.75 + 1 = 3.25 of 4 = 81% ≥ 75%: 200 met.
    let s = run(&[answer("p.scale", AnswerValue::Scale(4)), answer("p.num", AnswerValue::Number(12.0))]);
    assert_eq!(s.level, Level(200));
    // The 300 questions are not answered: they are the gaps, with the question's own action first.
    assert_eq!(s.gaps.iter().map(|g| g.question_id.as_str()).collect::<Vec<_>>(), vec!["p.text", "p.choice"]);
    assert_eq!(s.actions[0].link.as_deref(), Some("/x"));
    // Scale 3 earns 0.5: 1.5 + 1 = 2.5 of 4 = 62%: 200 not met.
    let s = run(&[answer("p.scale", AnswerValue::Scale(3)), answer("p.num", AnswerValue::Number(10.0))]);
    assert_eq!(s.level, Level(100));
    // Levels without questions (400, 500) are not evidence: 300 is as far as the area goes.
    let s = run(&[
        answer("p.scale", AnswerValue::Scale(5)),
        answer("p.num", AnswerValue::Number(10.0)),
        answer("p.text", AnswerValue::Text("written down".into())),
        answer("p.choice", AnswerValue::Choice("b".into())),
    ]);
    assert_eq!(s.level, Level(300), "{:?}", s.levels);
    // 1.5 + 0.5 = ... 300 earns (1 + 0.5) / 2 = 75%: met exactly at the pass mark.
    assert!(s.gaps.is_empty());
    // A value of the wrong type earns nothing (and counts as not answered).
    let s = run(&[answer("p.scale", YesNo(true))]);
    assert_eq!(s.answered, 0);
}

#[test]
fn weight_zero_questions_are_recorded_not_scored() {
    let models = Models::builtin().unwrap_or_else(|e| panic!("{e}"));
    let support = models.get("support").expect("support");
    let only_initial = [answer("support.100.self-support", YesNo(true))];
    let s = &score(&[support], ScopeKind::Organisation, &only_initial)[0].areas[0];
    assert_eq!((s.answered, s.score, s.level), (1, 0.0, Level(100)));
}
