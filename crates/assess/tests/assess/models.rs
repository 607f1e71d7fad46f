//! The built-in models hold every question of the seeds, grouped as the seeds group them.

use steward_assess::Models;
use steward_assess::model::{AnswerType, Level};
use steward_store::maturity::ScopeKind;

fn models() -> Models {
    Models::builtin().unwrap_or_else(|e| panic!("the built-in models must load: {e}"))
}

fn area_sizes(models: &Models, model: &str) -> Vec<(String, usize)> {
    let m = models.get(model).unwrap_or_else(|| panic!("model {model} is built in"));
    m.areas.iter().map(|a| (a.id.clone(), a.questions.len())).collect()
}

#[test]
fn builtin_models_load() {
    let models = models();
    let ids: Vec<&str> = models.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["adoption", "alm", "program", "support"]);
    for m in &models.models {
        assert_eq!(m.digest.len(), 16, "digest of {}", m.id);
        assert!(m.origin.starts_with("built-in"), "{}", m.origin);
    }
}

#[test]
fn the_alm_seed_is_transcribed_question_by_question() {
    // Counted from seed 001: the quick start's leaf questions (25) plus Steward's "ALM in place",
    // and each leading-question section.
    let sizes = area_sizes(&models(), "alm");
    let expected: Vec<(&str, usize)> = vec![
        ("alm-quick-start", 26),
        ("alignment", 5),
        ("impact", 5),
        ("strategy", 6),
        ("business-strategy-viability", 5),
        ("technological-viability", 8),
        ("financial-viability", 4),
        ("administration-governance", 10),
        ("support", 5),
        ("nurture", 8),
        ("automation", 2),
        ("fusion-teams", 4),
    ];
    let got: Vec<(&str, usize)> = sizes.iter().map(|(a, n)| (a.as_str(), *n)).collect();
    assert_eq!(got, expected);
    let models = models();
    let (_, _, q) = models.question("alignment.product-owner").expect("a seed question");
    assert_eq!(q.text, "Is there a dedicated Power Platform product owner?", "text as in the seed");
    let (_, _, q) = models.question("tv.analytics-frequency").expect("a choice question");
    assert_eq!(q.answer, AnswerType::Choice);
    assert!(q.choices.len() >= 2);
}

#[test]
fn the_support_seed_has_every_criterion_at_its_level() {
    let models = models();
    let m = models.get("support").expect("support model");
    let per_level: Vec<usize> =
        Level::ALL.iter().map(|l| m.questions().filter(|(_, q)| q.level == *l).count()).collect();
    assert_eq!(per_level, vec![4, 4, 3, 4, 5], "criteria per level as in seed 002");
    assert!(
        m.questions().filter(|(_, q)| q.level == Level::INITIAL).all(|(_, q)| q.weight == 0.0),
        "100 is not scored"
    );
}

#[test]
fn program_management_and_adoption_are_complete() {
    let models = models();
    let sizes = area_sizes(&models, "program");
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 9, "the nine activities of seed 000's table");
    assert_eq!(sizes.len(), 4, "grouped by theme: culture, monitor, show value, policies");
    let adoption = models.get("adoption").expect("adoption model");
    assert_eq!(adoption.areas.len(), 7);
    assert!(adoption.areas.iter().all(|a| a.questions.len() == 5), "one description per level per area");
}

#[test]
fn scopes_pick_the_areas_that_apply() {
    let models = models();
    let alm = models.get("alm").expect("alm");
    assert!(alm.areas.iter().find(|a| a.id == "alm-quick-start").expect("quick start").applies_to(ScopeKind::Solution));
    assert!(!alm.areas.iter().find(|a| a.id == "alignment").expect("alignment").applies_to(ScopeKind::Solution));
    let for_solution: Vec<&str> = models.for_scope(ScopeKind::Solution).iter().map(|m| m.id.as_str()).collect();
    assert_eq!(for_solution, vec!["alm"]);
}

#[test]
fn every_question_says_why_and_where_it_comes_from() {
    for m in &models().models {
        for (_, q) in m.questions() {
            assert!(!q.why.is_empty() && !q.source.is_empty(), "{}", q.id);
        }
    }
}
