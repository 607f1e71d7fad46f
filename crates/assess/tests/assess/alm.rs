//! The ALM decision from a solution's facts and answers.

use super::scoring::answer;
use steward_assess::alm::{ALM_IN_PLACE, Fit, decide};
use steward_assess::evidence::SolutionFacts;
use steward_model::{EnvironmentType, ImpactLevel};
use steward_store::maturity::AnswerValue::YesNo;

fn facts(criticality: ImpactLevel) -> SolutionFacts {
    SolutionFacts {
        resource_id: "app-1".into(),
        display_name: "Expenses".into(),
        criticality,
        criticality_reason: "rule many-users".into(),
        users_30d: 40,
        departments_30d: 2,
        external_users_30d: 0,
        shared_with_everyone: false,
        environment_type: EnvironmentType::Production,
        in_solution: true,
    }
}

const PREREQUISITES: [&str; 4] = [
    "alm.prerequisites.environments",
    "alm.prerequisites.devops",
    "alm.prerequisites.licences.devops",
    "alm.prerequisites.licences.powerapps",
];

#[test]
fn a_quiet_solution_does_not_need_managed_alm() {
    let d = decide(&facts(ImpactLevel::NonCritical), &[], None, ImpactLevel::High);
    assert_eq!(d.fit, Fit::NotNeeded);
    assert!(d.needs.is_empty());
    assert!(d.reasons[0].contains("non-critical"), "{:?}", d.reasons);
}

#[test]
fn critical_with_prerequisites_fits_now_and_without_them_later() {
    let all: Vec<_> = PREREQUISITES.iter().map(|q| answer(q, YesNo(true))).collect();
    let d = decide(&facts(ImpactLevel::Critical), &all, Some(7), ImpactLevel::High);
    assert_eq!((d.fit, d.assessment_id), (Fit::Now, Some(7)));
    assert!(d.needs[0].contains("critical"));

    let some = vec![answer(PREREQUISITES[0], YesNo(true)), answer(PREREQUISITES[1], YesNo(false))];
    let d = decide(&facts(ImpactLevel::High), &some, Some(7), ImpactLevel::High);
    assert_eq!(d.fit, Fit::Later);
    let missing: Vec<(&str, bool)> = d.missing.iter().map(|m| (m.question_id.as_str(), m.unanswered)).collect();
    assert_eq!(missing, vec![(PREREQUISITES[1], false), (PREREQUISITES[2], true), (PREREQUISITES[3], true)]);
    assert!(d.reasons.iter().any(|r| r.starts_with("missing: Azure DevOps")), "{:?}", d.reasons);
    assert!(d.reasons.iter().any(|r| r.starts_with("not answered yet")), "{:?}", d.reasons);
}

#[test]
fn the_threshold_and_the_audience_decide_what_calls_for_it() {
    let d = decide(&facts(ImpactLevel::High), &[], None, ImpactLevel::Critical);
    assert_eq!(d.fit, Fit::NotNeeded, "high is below a critical threshold");
    let external = SolutionFacts { external_users_30d: 3, ..facts(ImpactLevel::NonCritical) };
    let d = decide(&external, &[], None, ImpactLevel::High);
    assert_eq!(d.fit, Fit::Later);
    assert!(d.needs[0].contains("3 external users"));
    let wide = SolutionFacts { departments_30d: 6, ..facts(ImpactLevel::NonCritical) };
    assert_eq!(decide(&wide, &[], None, ImpactLevel::High).fit, Fit::Later);
    let leadership = [answer("alm.impact.audience.leadership", YesNo(true))];
    assert_eq!(decide(&facts(ImpactLevel::NonCritical), &leadership, None, ImpactLevel::High).fit, Fit::Later);
}

#[test]
fn recorded_alm_is_in_place() {
    let d = decide(&facts(ImpactLevel::Critical), &[answer(ALM_IN_PLACE, YesNo(true))], Some(3), ImpactLevel::High);
    assert_eq!(d.fit, Fit::InPlace);
}
