//! The compiler's tests: the differential test against the `cel` crate's interpreter, error
//! messages and offsets, and garbled input.

use super::{CompileError, ParamValue, Params, compile, reference};
use crate::facts::{Ctx, EnvironmentFacts, OwnerFacts, ResourceFacts, Subject, UsageFacts};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use steward_model::{EnvironmentType, ImpactLevel, LifecycleStage, ResourceKind, ResourceState, SupportTier};

const NAMES: &[&str] = &[
    "",
    "Budget",
    "Test app",
    "Copy of Leave requests",
    "demo-2",
    "Café Ünïcode Été",
    "INVOICES",
    "shared_http",
    "Expense template",
    "a",
    "Démo POC",
];
const CONNECTORS: &[&str] =
    &["shared_sharepointonline", "shared_office365", "shared_http", "shared_sql", "shared_ftp", "shared_teams"];

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn small(rng: &mut ChaCha8Rng) -> u32 {
    match rng.random_range(0..10) {
        0 => 0,
        1 => u32::MAX,
        2 => 20,
        3..=6 => rng.random_range(0..50),
        _ => rng.random_range(0..2000),
    }
}

fn big(rng: &mut ChaCha8Rng) -> u64 {
    match rng.random_range(0..8) {
        0 => 0,
        // Saturates to i64::MAX in CEL: overflow is reachable.
        1 => u64::MAX,
        2 => i64::MAX as u64 - 1,
        _ => rng.random_range(0..10_000),
    }
}

pub(crate) fn random_environment(rng: &mut ChaCha8Rng, i: usize) -> EnvironmentFacts {
    let mut e = EnvironmentFacts::unknown(&format!("env-{i}"), Arc::from("t"), Arc::from("powerplatform"));
    e.name = pick(rng, NAMES).into();
    e.environment_type = EnvironmentType::ALL[rng.random_range(0..EnvironmentType::ALL.len())];
    e.managed = rng.random_bool(0.5);
    e.has_dataverse = rng.random_bool(0.5);
    e.has_dlp = rng.random_bool(0.5);
    e.group = pick(rng, &["", "finance", "hr"]).into();
    e.business_area = pick(rng, &["", "Sales"]).into();
    e.age_days = small(rng);
    e.resource_count = small(rng);
    e.app_count = small(rng);
    e.flow_count = small(rng);
    e.agent_count = small(rng);
    e.premium_resource_count = small(rng);
    e.shared_resource_count = small(rng);
    e.maker_count = small(rng);
    e.index = u32::try_from(i).unwrap_or(0);
    e
}

pub(crate) fn random_resource(rng: &mut ChaCha8Rng, i: usize, envs: &[Arc<EnvironmentFacts>]) -> ResourceFacts {
    let kind = ResourceKind::ALL[rng.random_range(0..ResourceKind::ALL.len())];
    let env = envs[rng.random_range(0..envs.len())].clone();
    let mut r = ResourceFacts::new(&format!("r-{i:05}"), kind, env);
    r.name = pick(rng, NAMES).into();
    r.description = pick(rng, &["", "Tracks budgets", "ÄÖÜ"]).into();
    r.state = ResourceState::ALL[rng.random_range(0..ResourceState::ALL.len())];
    if rng.random_bool(0.8) {
        r.owner = Some(Arc::new(OwnerFacts {
            id: format!("u{}", rng.random_range(0..5)),
            upn: pick(rng, &["", "ann@contoso.com", "BOB@Contoso.com"]).into(),
            display_name: pick(rng, NAMES).into(),
            department: pick(rng, &["", "Sales", "IT"]).into(),
            manager_id: pick(rng, &["", "m1"]).into(),
            enabled: rng.random_bool(0.8),
            leaver: rng.random_bool(0.2),
        }));
    }
    r.in_solution = rng.random_bool(0.3);
    r.quarantined = rng.random_bool(0.1);
    r.orphaned = rng.random_bool(0.2);
    r.shared_with_everyone = rng.random_bool(0.1);
    r.uses_custom_connector = rng.random_bool(0.2);
    r.cross_tenant = rng.random_bool(0.1);
    r.never_modified = rng.random_bool(0.3);
    r.name_looks_like_test = rng.random_bool(0.3);
    r.owner_count = small(rng);
    r.shared_users = small(rng);
    r.shared_groups = small(rng);
    r.premium_connectors = small(rng);
    r.http_actions = small(rng);
    r.age_days = small(rng);
    r.days_since_modified = small(rng);
    r.days_since_published = small(rng);
    r.archive_score = rng.random_range(0..8);
    let n = rng.random_range(0..4);
    r.connectors = (0..n).map(|_| Arc::<str>::from(pick(rng, CONNECTORS))).collect();
    let impact = |rng: &mut ChaCha8Rng| {
        if rng.random_bool(0.3) { None } else { Some(ImpactLevel::ALL[rng.random_range(0..ImpactLevel::ALL.len())]) }
    };
    r.business_impact = impact(rng);
    r.criticality = impact(rng);
    r.support_tier = rng.random_bool(0.5).then(|| SupportTier::ALL[rng.random_range(0..SupportTier::ALL.len())]);
    r.lifecycle_stage =
        rng.random_bool(0.5).then(|| LifecycleStage::ALL[rng.random_range(0..LifecycleStage::ALL.len())]);
    r.justification = pick(rng, &["", "Board reporting"]).into();
    r.mitigation_plan = pick(rng, &["", "Manual fallback"]).into();
    r.usage = UsageFacts {
        uses_7d: big(rng),
        uses_30d: big(rng),
        uses_90d: big(rng),
        users_30d: small(rng),
        users_90d: small(rng),
        days_since_last_use: small(rng),
        never_used: rng.random_bool(0.2),
    };
    r
}

pub(crate) fn test_params() -> Params {
    let mut p = Params::new();
    p.insert("max_users".into(), ParamValue::Int(20));
    p.insert("days".into(), ParamValue::Int(180));
    p.insert("ratio".into(), ParamValue::Double(0.5));
    p.insert("flag".into(), ParamValue::Bool(true));
    p.insert("word".into(), ParamValue::String("test".into()));
    p.insert("pattern".into(), ParamValue::String("^(Test|Demo|Copy)".into()));
    p.insert("blocked".into(), ParamValue::List(vec!["shared_http".into(), "shared_ftp".into()]));
    p.insert("kinds".into(), ParamValue::List(vec!["canvas_app".into(), "cloud_flow".into()]));
    p.insert("none".into(), ParamValue::List(vec![]));
    p
}

/// Resource conditions covering every construct the compiler supports, including the ones
/// that fail at run time and the ones where `&&`, `||`, `exists` and `all` absorb a failure.
const RESOURCE_CORPUS: &[&str] = &[
    // literals and logic
    "true",
    "!false && (true || false)",
    "resource.is_app && !resource.in_solution",
    "resource.orphaned || owner.leaver",
    "resource.quarantined ? resource.shared_users > 0 : resource.owner_count == 0",
    "resource.never_modified == resource.name_looks_like_test",
    "resource.cross_tenant != (resource.uses_custom_connector && resource.shared_with_everyone)",
    // ints
    "resource.shared_users > params.max_users && resource.justification == ''",
    "params.max_users < resource.shared_users",
    "resource.age_days >= params.days * 2",
    "resource.shared_users + resource.shared_groups * 10 > 100",
    "resource.age_days - resource.days_since_modified <= 30",
    "resource.age_days / 7 == resource.days_since_modified / 7",
    "resource.age_days % 7 == 3",
    "-resource.owner_count < -1",
    "resource.archive_score >= 4 && usage.days_since_last_use > params.days",
    "usage.uses_7d + 1 > usage.uses_30d",
    "usage.uses_90d * 2 > 10",
    "usage.uses_7d - usage.uses_90d < 0",
    "-usage.uses_7d < 0",
    "(-usage.uses_7d - 1) / -1 > 0",
    "(-usage.uses_7d - 1) % -1 == 0",
    "resource.shared_users / (resource.owner_count - resource.owner_count) > 1",
    "resource.age_days % resource.shared_groups == 0",
    "usage.users_30d > 5 || 1 / 0 > 0",
    "1 / 0 > 0 || usage.users_30d > 5",
    "usage.users_30d > 5 && 1 / 0 > 0",
    "1 / 0 > 0 && usage.users_30d > 5",
    // doubles and mixed comparisons
    "double(resource.shared_users) * params.ratio > 10.0",
    "resource.shared_users > 10.5",
    "10.5 < resource.shared_users",
    "resource.age_days == 20.0",
    "double(resource.age_days) / double(resource.owner_count) > 3.0",
    "double(resource.age_days) / double(resource.owner_count) == double(resource.age_days)",
    "0.0 / 0.0 < double(resource.age_days)",
    "0.0 / 0.0 != double(resource.age_days)",
    "-(double(resource.age_days)) < -100.0",
    "int(double(usage.uses_7d) * 10.0) > 100",
    "int(params.ratio * 10.0) == 5",
    // strings
    "resource.name == 'Budget'",
    "resource.name != '' && resource.description == ''",
    "resource.name < 'M'",
    "resource.name >= resource.description",
    "resource.name + ' (' + resource.kind + ')' == 'Budget (canvas_app)'",
    "size(resource.name) > 5",
    "resource.name.size() == 16",
    "resource.name.contains('app')",
    "resource.name.startsWith('Copy of')",
    "resource.name.endsWith(params.word)",
    "resource.name.matches(params.pattern)",
    "matches(resource.name, '[Éé]t')",
    "resource.name.lowerAscii().contains(params.word)",
    "resource.name.lowerAscii().startsWith('copy')",
    "resource.name.lowerAscii().endsWith('app')",
    "resource.name.lowerAscii() == 'invoices'",
    "resource.name.lowerAscii() != 'budget'",
    "resource.name.lowerAscii() == resource.name",
    "resource.name.lowerAscii().contains('É')",
    "owner.upn.lowerAscii().endsWith('@contoso.com') && owner.department == 'Sales'",
    // closed-set fields
    "resource.kind == 'canvas_app'",
    "'cloud_flow' != resource.kind",
    "resource.kind in params.kinds",
    "resource.kind in ['agent', 'agent_flow']",
    "resource.state == 'stopped' || resource.state == 'suspended'",
    "resource.business_impact == 'high' && resource.mitigation_plan == ''",
    "resource.business_impact == ''",
    "resource.criticality == resource.business_impact",
    "resource.support_tier in ['it_supported', '']",
    "resource.lifecycle_stage == 'production'",
    "environment.type == 'default' && resource.premium_connectors > 0",
    "environment.type in ['default', 'teams'] || !environment.managed",
    "resource.kind.startsWith('canvas')",
    "size(resource.kind) > 10",
    // lists
    "'shared_http' in resource.connectors",
    "resource.name in params.blocked",
    "resource.name in ['Budget', 'INVOICES']",
    "resource.name in params.none",
    "resource.shared_users in [0, 20, 25]",
    "resource.shared_users in [20.0, 0.0]",
    "size(resource.connectors) > 2",
    "resource.connectors.size() == 0",
    "resource.connectors == []",
    "resource.connectors != ['shared_http']",
    "resource.connectors + ['x'] == ['shared_http', 'x']",
    "size(resource.connectors + params.blocked) > 3",
    "resource.connectors[0] == 'shared_http'",
    "resource.connectors[size(resource.connectors) - 1].startsWith('shared_s')",
    "[resource.name, resource.description][1] == ''",
    "[1, 2, 3][resource.archive_score] == 2",
    "[1.5, 2.5][resource.owner_count] > 2.0",
    "[true, false][resource.owner_count]",
    "[resource.age_days, resource.shared_users] == [resource.age_days, 20]",
    "[1, 2] == [1.0, 2.0]",
    "(resource.is_app ? resource.connectors : params.blocked).exists(c, c == 'shared_ftp')",
    // macros
    "resource.connectors.exists(c, c in params.blocked)",
    "resource.connectors.all(c, c.startsWith('shared_'))",
    "resource.connectors.exists_one(c, c == 'shared_http')",
    "resource.connectors.exists(c, c.size() > 15)",
    "params.blocked.exists(b, resource.name.lowerAscii().contains(b))",
    "resource.connectors.map(c, size(c)).exists(n, n > 13)",
    "resource.connectors.filter(c, c != 'shared_http').size() == 1",
    "resource.connectors.map(c, c.endsWith('sql'), c + '!') == ['shared_sql!']",
    "size(resource.connectors.filter(c, c.contains('o'))) >= 2",
    "resource.connectors.exists(c, params.blocked.exists(b, b == c))",
    "[1, 2, 0].exists(x, resource.age_days / x > 10)",
    "[0, 1].all(x, resource.age_days / x > 10)",
    "[0, 1].exists_one(x, resource.age_days / x > 10)",
    "[2, 1].all(x, 10 / x >= 5) || resource.is_app",
    "[resource.age_days, resource.owner_count].map(x, x * 1000000000000).exists(y, y > 0)",
    "[resource.shared_users, usage.users_30d].exists(x, x > params.max_users)",
    "['a', resource.name].filter(s, s != '').size() == 2",
    // owner and usage
    "owner.id == '' && resource.owner_count > 0",
    "!owner.enabled && owner.manager_id != ''",
    "usage.never_used && resource.age_days > 90",
    "usage.users_90d >= usage.users_30d",
    // conditionals of every type
    "(resource.is_flow ? resource.http_actions : resource.shared_users) > 3",
    "(resource.is_flow ? 1.5 : 2.5) > 2.0",
    "(resource.is_flow ? 'flow' : resource.name) == 'flow'",
    "(resource.orphaned ? owner.leaver : resource.quarantined)",
    "(1 / resource.owner_count > 0 ? true : false) || resource.orphaned",
];

const ENVIRONMENT_CORPUS: &[&str] = &[
    "!environment.has_dlp",
    "environment.is_default && environment.premium_resource_count > 10",
    "environment.type == 'production' && !environment.managed",
    "environment.type in ['trial', 'developer'] && environment.age_days > params.days",
    "environment.resource_count == 0 && environment.age_days > 90",
    "environment.maker_count * 2 > environment.resource_count",
    "environment.shared_resource_count / environment.app_count > 1",
    "environment.group == '' || environment.business_area.startsWith('S')",
    "environment.name.lowerAscii().contains('test')",
    "environment.flow_count + environment.app_count + environment.agent_count > environment.resource_count",
];

fn table(seed: u64, n: usize) -> (Vec<Arc<EnvironmentFacts>>, Vec<ResourceFacts>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let envs: Vec<Arc<EnvironmentFacts>> = (0..12).map(|i| Arc::new(random_environment(&mut rng, i))).collect();
    let resources = (0..n).map(|i| random_resource(&mut rng, i, &envs)).collect();
    (envs, resources)
}

fn describe(e: Result<bool, impl std::fmt::Debug>) -> String {
    format!("{e:?}")
}

#[test]
fn compiled_programs_agree_with_the_cel_interpreter() {
    let params = test_params();
    let (envs, resources) = table(7, 300);
    let mut outcomes = std::collections::HashMap::<&str, [usize; 3]>::new();
    for source in RESOURCE_CORPUS {
        let program = compile(source, Subject::Resource, &params)
            .unwrap_or_else(|e| panic!("{source}: does not compile: {} at {}", e.message, e.offset));
        for r in &resources {
            let ours = program.try_eval_resource(r);
            let theirs = reference::eval(source, Subject::Resource, &params, Ctx::resource(r));
            let same = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => a == b,
                (Err(_), Err(_)) => true,
                _ => false,
            };
            assert!(same, "{source}\n  resource {r:#?}\n  compiled: {}\n  cel: {}", describe(ours), describe(theirs));
            let slot = match ours {
                Ok(true) => 0,
                Ok(false) => 1,
                Err(_) => 2,
            };
            outcomes.entry(source).or_default()[slot] += 1;
        }
    }
    for source in ENVIRONMENT_CORPUS {
        let program = compile(source, Subject::Environment, &params)
            .unwrap_or_else(|e| panic!("{source}: does not compile: {}", e.message));
        for e in &envs {
            let ours = program.try_eval_environment(e);
            let theirs = reference::eval(source, Subject::Environment, &params, Ctx::environment(e));
            let same = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => a == b,
                (Err(_), Err(_)) => true,
                _ => false,
            };
            assert!(
                same,
                "{source}\n  environment {e:#?}\n  compiled: {}\n  cel: {}",
                describe(ours),
                describe(theirs)
            );
        }
    }
    // The facts are varied enough for the corpus to mean something: most conditions are
    // both true and false somewhere, and errors happen.
    let decided = outcomes.values().filter(|[t, f, _]| *t > 0 && *f > 0).count();
    assert!(decided * 10 >= RESOURCE_CORPUS.len() * 7, "only {decided} conditions vary: {outcomes:?}");
    assert!(outcomes.values().filter(|[.., e]| *e > 0).count() >= 8, "{outcomes:?}");
}

#[test]
fn environment_conditions_read_the_resources_environment() {
    let params = test_params();
    let (_, resources) = table(3, 50);
    let program = compile("environment.type == 'default' || environment.has_dlp", Subject::Environment, &params)
        .unwrap_or_else(|e| panic!("{}", e.message));
    for r in &resources {
        assert_eq!(program.eval_resource(r), program.eval_environment(&r.environment));
    }
    let resource_program =
        compile("resource.is_app", Subject::Resource, &params).unwrap_or_else(|e| panic!("{}", e.message));
    assert!(!resource_program.eval_environment(&resources[0].environment));
}

fn error(source: &str, subject: Subject) -> CompileError {
    match compile(source, subject, &test_params()) {
        Ok(_) => panic!("{source} compiled"),
        Err(e) => e,
    }
}

/// The error's message, and the text it points at.
fn error_at(source: &str) -> (String, String) {
    let e = error(source, Subject::Resource);
    let at = source.get(e.offset..e.offset + e.len).unwrap_or_else(|| panic!("bad span {e:?} in {source}"));
    (e.message, at.to_string())
}

#[test]
fn unknown_fields_point_at_the_name_and_suggest_close_ones() {
    let (msg, at) = error_at("resource.shared_users > 2 && resource.nmae == 'x'");
    assert_eq!(at, "nmae");
    assert!(msg.contains("resource.name"), "{msg}");

    let (msg, at) = error_at("usage.uses_30 > 1");
    assert_eq!(at, "uses_30");
    assert!(msg.contains("usage.uses_30d"), "{msg}");

    let (msg, _) = error_at("resource.zzzzzzzz");
    assert!(msg.contains("archive_score") && msg.contains("kind"), "lists the fields: {msg}");

    let (msg, at) = error_at("params.max_user > 1");
    assert_eq!(at, "max_user");
    assert!(msg.contains("params.max_users"), "{msg}");

    let (msg, at) = error_at("resorce.name == ''");
    assert_eq!(at, "resorce");
    assert!(msg.contains("resource"), "{msg}");

    let (msg, at) = error_at("resource.is_app && foo");
    assert_eq!(at, "foo");
    assert!(msg.contains("unknown variable"), "{msg}");

    let e = error("resource.is_app", Subject::Environment);
    assert!(e.message.contains("environment policy"), "{}", e.message);
}

#[test]
fn type_errors_name_the_types() {
    for (source, expect) in [
        ("resource.name > 3", "cannot compare string with int"),
        ("resource.age_days + 1.5 > 2.0", "convert one with double()"),
        ("resource.name", "must be a bool"),
        ("resource.age_days && true", "&& needs a bool"),
        ("resource.is_app ? 1 : 'x'", "one type"),
        ("size(resource.is_app) > 1", "size() measures"),
        ("resource.connectors.contains('x')", "x in list"),
        ("resource.name.matches(resource.description)", "must be a constant"),
        ("resource.name.matches('[')", "invalid regular expression"),
        ("resource.kind == 'canvas'", "never a value"),
        ("resource.kind in ['canvas_app', 'flow']", "never a value"),
        ("environment.type == 'prod'", "never a value"),
        ("resource.name.startsWith()", "takes 1 argument"),
        ("size(resource.name, 1) > 0", "takes 1 argument"),
        ("resource.name.trim() == ''", "unknown method trim()"),
        ("timestamp('2020') > 0", "unknown function timestamp()"),
        ("has(resource.name)", "has() is not needed"),
        ("resource.name == null", "null is not supported"),
        ("{'a': 1}['a'] == 1", "map literals"),
        ("[1, 'a'].size() > 0", "one type"),
        ("[[1]].size() > 0", "lists of lists"),
        ("resource.connectors[1.0] == ''", "index is an int"),
        ("resource.shared_users % 2.0 == 0.0", "convert one with double()"),
        ("double(resource.shared_users) % 2.0 == 0.0", "not defined"),
        ("1u > 0", "unsigned"),
        ("resource > 1", "is an object"),
        ("params == 1", "params is a map"),
        ("resource.connectors.exists(c, c.name == '')", "no field"),
        ("resource.connectors.exists(c, c + 1 > 0)", "not defined"),
        ("resource.connectors.map(c, [c]).size() > 0", "map() must give"),
        ("1 in 'abc'", "needs a list"),
        ("'a' in [1, 2]", "never in"),
        ("", "empty"),
    ] {
        let e = error(source, Subject::Resource);
        assert!(e.message.contains(expect), "{source}: {e:?} does not say {expect}");
        assert!(e.offset + e.len <= source.len(), "{source}: {e:?}");
    }
}

#[test]
fn syntax_errors_point_into_the_source() {
    let source = "resource.is_app &&\n  resource.name ==";
    let e = error(source, Subject::Resource);
    assert!(e.message.starts_with("syntax error"), "{e:?}");
    assert!(e.offset > source.find('\n').unwrap_or(0), "on the second line: {e:?}");
    let e = error("résumé ==== 1", Subject::Resource);
    assert!(source.is_char_boundary(e.offset.min(source.len())));
}

#[test]
fn evidence_lists_what_the_condition_reads() {
    let params = test_params();
    let (_, resources) = table(5, 1);
    let program = compile(
        "resource.shared_users > params.max_users && environment.type == 'default' || resource.shared_users > 1000",
        Subject::Resource,
        &params,
    )
    .unwrap_or_else(|e| panic!("{}", e.message));
    let evidence = program.evidence_resource(&resources[0]);
    let paths: Vec<&str> = evidence.iter().map(|(p, _)| *p).collect();
    assert_eq!(paths, ["resource.shared_users", "environment.type"]);
    assert_eq!(evidence[0].1, serde_json::json!(resources[0].shared_users));
    assert_eq!(evidence[1].1, serde_json::json!(resources[0].environment.environment_type.as_str()));
}

#[test]
fn constant_parameters_fold() {
    let params = test_params();
    let (_, resources) = table(9, 20);
    // Folded at compile time, evaluated identically.
    let a = compile("resource.age_days > params.days * 2 + 0", Subject::Resource, &params)
        .unwrap_or_else(|e| panic!("{}", e.message));
    let b = compile("resource.age_days > 360", Subject::Resource, &params).unwrap_or_else(|e| panic!("{}", e.message));
    for r in &resources {
        assert_eq!(a.eval_resource(r), b.eval_resource(r));
    }
    // A constant error stays an error at run time (the policy does not fire).
    let c = compile("resource.is_app || 1 / 0 == 1", Subject::Resource, &params)
        .unwrap_or_else(|e| panic!("{}", e.message));
    for r in &resources {
        assert_eq!(c.try_eval_resource(r).is_err(), !r.kind.is_app());
    }
}

/// Garbled conditions: corpus entries with characters deleted, duplicated, swapped or
/// replaced by CEL punctuation, and random token soup. The compiler answers, never panics.
#[test]
fn garbled_conditions_never_panic() {
    let params = test_params();
    let (_, resources) = table(11, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    const BITS: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ".",
        ",",
        "?",
        ":",
        "!",
        "-",
        "+",
        "*",
        "/",
        "%",
        "==",
        "&&",
        "||",
        "in",
        "'",
        "\"",
        "\\",
        "1",
        "1.5",
        "1u",
        "b'x'",
        "resource",
        "params",
        "exists",
        "(c, c",
        "size",
        "é",
        "\n",
        " ",
        "`",
        "has(",
        "null",
        "0x",
        "1e999",
        "9223372036854775807",
        "9223372036854775808",
        "-",
    ];
    let mut compiled = 0;
    for round in 0..4000 {
        let source: String = if round % 4 == 3 {
            (0..rng.random_range(1..30)).map(|_| pick(&mut rng, BITS)).collect::<Vec<_>>().join("")
        } else {
            let mut chars: Vec<char> = pick(&mut rng, RESOURCE_CORPUS).chars().collect();
            for _ in 0..rng.random_range(1..4) {
                if chars.is_empty() {
                    break;
                }
                let i = rng.random_range(0..chars.len());
                match rng.next_u32() % 4 {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars.insert(i, chars[i]),
                    2 => {
                        let j = rng.random_range(0..chars.len());
                        chars.swap(i, j);
                    }
                    _ => {
                        let bit = pick(&mut rng, BITS);
                        chars.splice(i..i, bit.chars());
                    }
                }
            }
            chars.into_iter().collect()
        };
        match compile(&source, Subject::Resource, &params) {
            Ok(program) => {
                compiled += 1;
                for r in &resources {
                    let _ = program.try_eval_resource(r);
                    let _ = program.evidence_resource(r);
                }
            }
            Err(e) => {
                assert!(e.offset <= source.len() && e.offset + e.len <= source.len(), "{source:?}: {e:?}");
                assert!(source.is_char_boundary(e.offset), "{source:?}: {e:?}");
                assert!(source.is_char_boundary(e.offset + e.len), "{source:?}: {e:?}");
                assert!(!e.message.is_empty());
            }
        }
    }
    assert!(compiled > 100, "the mutations should leave some conditions valid ({compiled})");
}

#[test]
fn pathological_conditions_are_refused_not_crashed() {
    let params = test_params();
    let long_chain = vec!["resource.age_days"; 600].join(" + ") + " > 0";
    let e = compile(&long_chain, Subject::Resource, &params).err();
    assert!(e.is_some_and(|e| e.message.contains("levels deep") || e.message.contains("limit")));
    let huge = "true && ".repeat(2000) + "true";
    assert!(compile(&huge, Subject::Resource, &params).is_err());
    let nested = "(".repeat(300) + "true" + &")".repeat(300);
    assert!(compile(&nested, Subject::Resource, &params).is_err());
    let mut macros = String::from("resource.connectors");
    for i in 0..9 {
        macros = format!("{macros}.exists(v{i}, resource.connectors");
    }
    macros.push_str(".exists(z, true)");
    macros.push_str(&")".repeat(9));
    assert!(compile(&macros, Subject::Resource, &params).is_err());
}
