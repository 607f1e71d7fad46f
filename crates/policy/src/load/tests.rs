//! Loader tests on real files in a temporary directory.

use super::*;
use crate::cel::ParamValue;
use crate::model::{Effect, Level, PolicySet};
use std::path::Path;
use steward_model::{EnvironmentType, ResourceKind};

pub(super) const GOOD: &str = r#"# Sharing policies of the Contoso CoE
policies:
  - id: app-shared-widely
    version: 2
    title: App shared widely
    rationale: Shared apps are services.
    level: must
    scope:
      kinds: [canvas_app]
      environment_types: [production, default]
      groups: emea
    params:
      max_shared_users: 20
      ratio: 0.5
      strict: true
      label: shared
      departments: [hr, finance]
    condition: |
      resource.shared_users > params.max_shared_users
        && resource.justification == ""
    remediation: Add a justification.
    effect: notify-owner

  - id: flow-suspended
    version: 1
    title: Suspended flow
    rationale: It stopped.
    level: could
    condition: resource.state == "suspended"
    remediation: Fix it.
"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn messages(errors: &[LoadError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn ids(set: &PolicySet) -> Vec<&str> {
    set.policies.iter().map(|p| p.id.as_str()).collect()
}

/// A minimal valid policy entry (list item) with the given id and extra lines.
fn entry(id: &str, extra: &str) -> String {
    format!(
        "  - id: {id}\n    version: 1\n    title: T\n    rationale: R\n    level: should\n    \
         condition: resource.orphaned\n    remediation: Do it.\n{extra}"
    )
}

#[test]
fn a_good_file_loads_with_every_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "sharing.yaml", GOOD);
    let (set, errors) = load_set(dir.path(), "v7");
    assert!(errors.is_empty(), "{}", messages(&errors));
    assert_eq!(set.version, "v7");
    assert_eq!(ids(&set), ["app-shared-widely", "flow-suspended"]);

    let p = &set.policies[0];
    assert_eq!(p.version, 2);
    assert_eq!(p.level, Level::Must);
    assert_eq!(p.effect, Effect::NotifyOwner);
    assert!(p.tracked, "must policies are tracked by default");
    assert_eq!(p.scope.kinds, [ResourceKind::CanvasApp]);
    assert_eq!(p.scope.environment_types, [EnvironmentType::Production, EnvironmentType::Default]);
    assert_eq!(p.scope.groups, ["emea"], "a single value is a list of one");
    assert_eq!(p.params["max_shared_users"], ParamValue::Int(20));
    assert_eq!(p.params["ratio"], ParamValue::Double(0.5));
    assert_eq!(p.params["strict"], ParamValue::Bool(true));
    assert_eq!(p.params["label"], ParamValue::String("shared".into()));
    assert_eq!(p.params["departments"], ParamValue::List(vec!["hr".into(), "finance".into()]));
    assert_eq!(p.condition, "resource.shared_users > params.max_shared_users\n  && resource.justification == \"\"");
    assert_eq!(p.source.file, "sharing.yaml");
    assert_eq!(p.source.line, 3);

    let q = &set.policies[1];
    assert_eq!(q.effect, Effect::Record, "default effect");
    assert!(!q.tracked, "could policies are not tracked by default");
    assert_eq!(q.subject, crate::facts::Subject::Resource);
    assert!(q.params.is_empty());
    assert_eq!(q.source.line, 24);
}

#[test]
fn a_file_may_hold_a_single_policy_and_several_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let single = "id: lonely\nversion: 1\ntitle: T\nrationale: R\nlevel: could\n\
                  condition: resource.orphaned\nremediation: X\ntracked: true\n";
    write(dir.path(), "one.yml", single);
    write(dir.path(), "two.yaml", &format!("{single}---\n{}", single.replace("lonely", "second")));
    let (set, errors) = load_set(dir.path().join("one.yml"), "x");
    assert!(errors.is_empty(), "{}", messages(&errors));
    assert_eq!(ids(&set), ["lonely"]);
    assert!(set.policies[0].tracked, "explicit tracked wins over the level");

    let (policies, errors) = load_file(dir.path().join("two.yaml"));
    assert!(errors.is_empty(), "{}", messages(&errors));
    assert_eq!(policies.len(), 2);
}

#[test]
fn a_yaml_syntax_error_loses_that_file_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.yaml", GOOD);
    write(dir.path(), "b.yaml", "policies:\n  - id: x\n    title: [unclosed\n    level: must\n");
    let (set, errors) = load_set(dir.path(), "v1");
    assert_eq!(ids(&set), ["app-shared-widely", "flow-suspended"]);
    assert_eq!(errors.len(), 1, "{}", messages(&errors));
    let e = &errors[0];
    assert_eq!(e.kind, LoadErrorKind::Syntax);
    assert!(e.file.ends_with("b.yaml"), "{e}");
    assert!(e.line >= 3, "{e}");
    assert!(e.to_string().contains("b.yaml:"), "{e}");
    assert!(e.message.contains("YAML syntax error"), "{e}");
}

#[test]
fn unknown_keys_are_errors_with_a_suggestion() {
    let text = format!("policies:\n{}{}", entry("typo", "    condtion: x\n"), entry("fine", ""));
    let (policies, errors) = parse_policies("p.yaml", &text);
    assert_eq!(policies.len(), 1, "the other entry loads");
    assert_eq!(policies[0].id, "fine");
    assert_eq!(errors.len(), 1, "{}", messages(&errors));
    let e = &errors[0];
    assert_eq!((e.line, e.column), (9, 5));
    assert_eq!(e.policy_id.as_deref(), Some("typo"));
    assert!(e.message.contains("unknown policy key `condtion`"), "{e}");
    assert!(e.message.contains("did you mean `condition`?"), "{e}");

    let text = format!("policies:\n{}", entry("scoped", "    scope:\n      kind: [canvas_app]\n"));
    let (_, errors) = parse_policies("p.yaml", &text);
    assert!(errors[0].message.contains("did you mean `kinds`?"), "{}", messages(&errors));
}

#[test]
fn wrong_values_are_reported_where_they_are_written() {
    let text = "policies:\n  - id: bad-level\n    version: 1\n    title: T\n    rationale: R\n    \
                level: mandatory\n    condition: resource.orphaned\n    remediation: X\n    \
                effect: notify_owner\n    scope:\n      kinds: [canvas-app, robot]\n";
    let (policies, errors) = parse_policies("p.yaml", text);
    assert!(policies.is_empty());
    let all = messages(&errors);
    assert_eq!(errors.len(), 4, "every problem of the entry is reported:\n{all}");
    assert_eq!((errors[0].line, errors[0].column), (6, 12));
    assert!(errors[0].message.contains("`level: mandatory` is not one of must, should, could"), "{all}");
    assert!(all.contains("did you mean `notify-owner`?"), "{all}");
    assert!(all.contains("unknown resource kind `canvas-app` (did you mean `canvas_app`?)"), "{all}");
    assert!(all.contains("unknown resource kind `robot`"), "{all}");
    assert!(errors.iter().all(|e| e.policy_id.as_deref() == Some("bad-level")));
}

#[test]
fn missing_fields_are_all_listed_with_what_to_write() {
    let (policies, errors) = parse_policies("p.yaml", "id: Not_Kebab\ntitle: \"  \"\n");
    assert!(policies.is_empty());
    let all = messages(&errors);
    for needle in [
        "not kebab-case",
        "e.g. `not-kebab`",
        "`title` is empty",
        "missing `version`: add `version: 1`",
        "missing `rationale`",
        "missing `remediation`",
        "missing `condition`",
        "missing `level`",
    ] {
        assert!(all.contains(needle), "{needle} not in\n{all}");
    }
}

#[test]
fn params_and_scope_are_checked() {
    let text = format!(
        "policies:\n{}{}{}",
        entry("bad-params", "    params:\n      Max-Users: 3\n      codes: [1, 2]\n      empty:\n"),
        entry("env-kinds", "    subject: environment\n    scope:\n      kinds: [agent]\n"),
        entry("dup-key", "    title: again\n"),
    );
    let (policies, errors) = parse_policies("p.yaml", &text);
    assert!(policies.is_empty(), "{policies:?}");
    let all = messages(&errors);
    assert!(all.contains("param name `Max-Users` is not a CEL identifier"), "{all}");
    assert!(all.contains("param `codes`: lists hold text only"), "{all}");
    assert!(all.contains("param `empty`: has no value"), "{all}");
    assert!(all.contains("`scope.kinds` does not apply to `subject: environment`"), "{all}");
    assert!(all.contains("`title` is given twice"), "{all}");
}

#[test]
fn one_bad_entry_among_good_ones_leaves_the_others() {
    let text = format!(
        "policies:\n{}  - just a string\n{}{}",
        entry("first", ""),
        entry("broken", "    tracked: maybe\n"),
        entry("last", "")
    );
    let (policies, errors) = parse_policies("p.yaml", &text);
    let got: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(got, ["first", "last"]);
    let all = messages(&errors);
    assert_eq!(errors.len(), 2, "{all}");
    assert!(all.contains("p.yaml:9:5: a policy must be a mapping"), "{all}");
    assert!(all.contains("p.yaml:17:14: policy `broken`: `tracked` must be true or false"), "{all}");
}

#[test]
fn duplicate_ids_across_files_report_both_and_keep_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.yaml", &format!("policies:\n{}", entry("same", "")));
    write(
        dir.path(),
        "sub/b.yaml",
        &format!("policies:\n{}{}", entry("other", ""), entry("same", "    effect: campaign\n")),
    );
    let (set, errors) = load_set(dir.path(), "v1");
    assert_eq!(ids(&set), ["same", "other"]);
    assert_eq!(set.policies[0].effect, Effect::Record, "the first one is kept");
    assert_eq!(errors.len(), 2, "{}", messages(&errors));
    assert!(errors.iter().all(|e| e.kind == LoadErrorKind::Duplicate));
    assert!(errors[0].file.ends_with("b.yaml") && errors[0].line == 9);
    assert!(errors[0].message.contains("a.yaml:2; this one is skipped"), "{}", errors[0]);
    assert!(errors[1].file.ends_with("a.yaml") && errors[1].line == 2);
    assert!(errors[1].message.contains("b.yaml:9; this one is kept"), "{}", errors[1]);
}

#[test]
fn condition_positions_map_into_the_file() {
    // Until the compiler reports real errors this exercises the mapping with a made-up
    // offset: byte 39 of this condition is the `r` of the second `resource`.
    let text = "id: x\ncondition: |\n  resource.shared_users > 3\n    && resource.oops\n";
    let docs = node::parse(text).expect("yaml");
    let node::Value::Map(entries) = &docs[0].value else { panic!("mapping") };
    let condition_node = &entries[1].1;
    let node::Value::Str(condition) = &condition_node.value else { panic!("string") };
    let offset = condition.find("resource.oops").expect("in condition");
    let at = policy::condition_position(text, condition_node, condition, offset);
    assert_eq!((at.line, at.column), (4, 8));
    // An offset past the end points after the last character; never a panic.
    let at = policy::condition_position(text, condition_node, condition, 10_000);
    assert_eq!(at.line, 5);
}

#[test]
fn set_file_version_builtin_and_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "own.yaml", GOOD);
    write(
        dir.path(),
        "set.yaml",
        "version: v3\ninclude_builtin: true\noverrides:\n  app-shared-without-justification:\n    \
         params: { max_shared_users: 50 }\n    level: should\n  orphaned-resource:\n    \
         disabled: true\n  flow-suspended:\n    effect: campaign\n    tracked: true\n",
    );
    let (set, errors) = load_set(dir.path(), "ignored");
    assert!(errors.is_empty(), "{}", messages(&errors));
    assert_eq!(set.version, "v3");
    let builtin = crate::builtin::builtin_set();
    assert_eq!(set.policies.len(), builtin.policies.len() - 1 + 2);
    assert!(set.get("orphaned-resource").is_none(), "disabled");
    let shared = set.get("app-shared-without-justification").expect("built-in");
    assert_eq!(shared.params["max_shared_users"], ParamValue::Int(50));
    assert_eq!(shared.level, Level::Should);
    assert!(!shared.tracked, "a level override re-derives an implicit `tracked`");
    let own = set.get("flow-suspended").expect("own");
    assert_eq!(own.effect, Effect::Campaign);
    assert!(own.tracked);
    assert_eq!(set.policies[0].id, builtin.policies[0].id, "built-in pack first");
}

#[test]
fn bad_set_files_are_reported_and_the_rest_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "own.yaml", GOOD);
    write(
        dir.path(),
        "set.yml",
        "version: v 3\ninclude_builtin: yes\nowner: me\noverrides:\n  app-shared-widly:\n    \
         level: could\n  app-shared-widely:\n    params:\n      max_shared_users: many\n      \
         nope: 1\n    levle: could\n  flow-suspended:\n    tracked: false\n",
    );
    let (set, errors) = load_set(dir.path(), "hint");
    let all = messages(&errors);
    assert_eq!(set.version, "hint", "a bad version label is not used");
    assert_eq!(set.policies.len(), 2, "include_builtin: yes is not a boolean\n{all}");
    assert!(errors.iter().all(|e| e.kind == LoadErrorKind::Set), "{all}");
    for needle in [
        "set.yml:1:10: `version` must be a short label",
        "`include_builtin` must be true or false",
        "unknown set.yaml key `owner`",
        "the set has no such policy; did you mean `app-shared-widely`?",
        "param `max_shared_users` is a whole number in the policy",
        "the policy has no param `nope`",
        "did you mean `level`?",
    ] {
        assert!(all.contains(needle), "{needle} not in\n{all}");
    }
    assert!(!set.get("flow-suspended").expect("own").tracked);
}

#[test]
fn a_policy_reusing_a_builtin_id_is_reported_with_the_way_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "set.yaml", "include_builtin: true\n");
    write(dir.path(), "mine.yaml", &format!("policies:\n{}", entry("orphaned-resource", "")));
    let (set, errors) = load_set(dir.path(), "v1");
    assert_eq!(errors.len(), 2, "{}", messages(&errors));
    assert!(errors[0].message.contains("it is a built-in policy"), "{}", errors[0]);
    assert!(errors[1].file.starts_with("builtin/"), "{}", errors[1]);
    let kept = set.get("orphaned-resource").expect("kept");
    assert!(kept.source.file.starts_with("builtin/"));
}

#[test]
fn directories_are_read_recursively_in_order_skipping_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "b.yaml", &format!("policies:\n{}", entry("from-b", "")));
    write(dir.path(), "a/z.yml", &format!("policies:\n{}", entry("from-a-z", "")));
    write(dir.path(), "a.yaml", &format!("policies:\n{}", entry("from-a", "")));
    write(dir.path(), ".git/x.yaml", "not: a policy\n");
    write(dir.path(), ".hidden.yaml", "not: a policy\n");
    write(dir.path(), "README.md", "# policies\n");
    write(dir.path(), "a/set.yaml", &format!("policies:\n{}", entry("nested-set-name", "")));
    let (set, errors) = load_set(dir.path(), "v1");
    assert!(errors.is_empty(), "{}", messages(&errors));
    // Path order, component by component: `a/…` before `a.yaml`.
    assert_eq!(ids(&set), ["nested-set-name", "from-a-z", "from-a", "from-b"]);
    assert_eq!(set.policies[1].source.file, "a/z.yml");
}

#[test]
fn unreadable_inputs_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let (set, errors) = load_set(&missing, "v1");
    assert!(set.policies.is_empty());
    assert_eq!(errors[0].kind, LoadErrorKind::Io);
    assert!(errors[0].file.ends_with("nope"));

    std::fs::write(dir.path().join("latin1.yaml"), b"title: caf\xe9\n").expect("write");
    write(dir.path(), "ok.yaml", &format!("policies:\n{}", entry("ok", "")));
    let (set, errors) = load_set(dir.path(), "v1");
    assert_eq!(ids(&set), ["ok"]);
    assert_eq!(errors.len(), 1, "{}", messages(&errors));
    assert!(errors[0].file.ends_with("latin1.yaml"));
    assert!(errors[0].message.contains("not UTF-8 text (invalid byte on line 1)"));
}

#[test]
fn empty_files_and_odd_documents() {
    let (p, e) = parse_policies("e.yaml", "");
    assert!(p.is_empty() && e.is_empty());
    let (p, e) = parse_policies("e.yaml", "policies:\n");
    assert!(p.is_empty() && e.is_empty());
    let (_, e) = parse_policies("e.yaml", "- id: x\n");
    assert!(e[0].message.contains("put the list under `policies:`"), "{}", messages(&e));
    let (_, e) = parse_policies("e.yaml", "42\n");
    assert!(e[0].message.contains("expected a policy"), "{}", messages(&e));
    let (_, e) = parse_policies("e.yaml", "policies: {}\nextra: 1\n");
    let all = messages(&e);
    assert!(all.contains("unexpected key `extra`") && all.contains("must be a list"), "{all}");
}

#[test]
fn digest_is_about_content_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "one/all.yaml", GOOD);
    let (a, _) = load_set(dir.path().join("one"), "v1");
    // The same policies, split over two files in the other order, under another version.
    let (first, second) = GOOD.split_at(GOOD.find("  - id: flow-suspended").expect("split"));
    write(dir.path(), "two/a.yaml", &format!("policies:\n{second}"));
    write(dir.path(), "two/b.yaml", first);
    let (b, errors) = load_set(dir.path().join("two"), "v2");
    assert!(errors.is_empty(), "{}", messages(&errors));
    assert_ne!(ids(&a), ids(&b));
    assert_eq!(a.digest(), b.digest());
    assert!(a.digest().starts_with("sha256:") && a.digest().len() == 7 + 64);

    let mut c = b.clone();
    c.policies[0].params.insert("max_shared_users".into(), ParamValue::Int(21));
    assert_ne!(a.digest(), c.digest());
    // Pinned, so an accidental change of the canonical form (which would make every stored
    // set look new) fails here.
    let pinned = PolicySet { version: "x".into(), policies: Vec::new() };
    assert_eq!(
        pinned.digest(),
        // sha256 of the header line alone (`printf 'steward-policy-set-1\n' | sha256sum`).
        "sha256:7f42e817918b9c3770d202df2651f7ff59e64b1d15c617be73c020503761af59"
    );
    assert_eq!(a.digest(), "sha256:8c42b38ad88a0ac77ffcedbde3a6926b62044ab5edc69ec1c892e56454bd3ca9");
}

#[test]
fn diff_lists_added_removed_and_changed_fields() {
    let (old, _) = parse_policies("old.yaml", GOOD);
    let new_text = GOOD
        .replace("max_shared_users: 20", "max_shared_users: 50")
        .replace("      strict: true\n", "      window_days: 30\n")
        .replace("level: must", "level: should")
        .replace("&& resource.justification == \"\"", "&& resource.description == \"\"")
        .replace("flow-suspended", "flow-stopped");
    let (new, errors) = parse_policies("new.yaml", &new_text);
    assert!(errors.is_empty(), "{}", messages(&errors));
    let old = PolicySet { version: "v2".into(), policies: old };
    let mut new = PolicySet { version: "v3".into(), policies: new };
    let d = diff(&old, &new);
    assert_eq!(d.added.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["flow-stopped"]);
    assert_eq!(d.removed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["flow-suspended"]);
    assert_eq!(d.unchanged, 0);
    assert_eq!(d.changed.len(), 1);
    let c = &d.changed[0];
    let fields: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["level", "tracked", "params.max_shared_users", "params.strict", "params.window_days", "condition"]
    );
    assert_eq!(c.fields[2].before, serde_json::json!(20));
    assert_eq!(c.fields[2].after, serde_json::json!(50));
    assert_eq!(c.fields[3].after, serde_json::Value::Null, "removed param");
    assert_eq!(c.fields[4].before, serde_json::Value::Null, "added param");
    assert!(!c.version_raised());

    let text = d.to_string();
    assert!(text.starts_with("policy set v2 -> v3: 1 added, 1 removed, 1 changed, 0 unchanged"));
    assert!(text.contains("+ flow-stopped v1 (could) Suspended flow"), "{text}");
    assert!(text.contains("~ app-shared-widely App shared widely  [version not raised]"), "{text}");
    assert!(text.contains("    params.max_shared_users: 20 -> 50"), "{text}");
    assert!(text.contains("      + resource.shared_users > params.max_shared_users"), "{text}");
    let json = serde_json::to_value(&d).expect("json");
    assert_eq!(json["changed"][0]["fields"][0]["field"], "level");

    // Moving a policy to another file is not a change; the same set is an empty diff.
    new.policies = old.policies.clone();
    new.policies[0].source.file = "elsewhere.yaml".into();
    let d = diff(&old, &new);
    assert!(d.is_empty());
    assert_eq!(d.unchanged, 2);
}

/// A policy entry with the given condition lines (already indented for the file).
fn with_condition(id: &str, condition: &str) -> String {
    format!(
        "  - id: {id}\n    version: 1\n    title: T\n    rationale: R\n    level: should\n    \
         remediation: Do it.\n    condition: {condition}\n"
    )
}

#[test]
fn bad_conditions_are_reported_at_their_line_and_column() {
    let text = format!(
        "policies:\n{}{}{}{}{}{}",
        // `|` block: the error is on the block's second line (file line 10).
        with_condition("literal", "|\n      resource.shared_users > 3\n        && resource.sharedusers == 0"),
        // `>` folded block: the line break became a space in the value (file line 19).
        with_condition("folded", ">\n      usage.uses_30d > 1 &&\n      owner.nope"),
        with_condition("plain", "resource.orphaned && usage.never_usd"),
        // Quoted: the opening quote shifts every column by one.
        with_condition("quoted", "\"resource.name == 'x' && 1 + 'a' == 2\""),
        // An environment policy cannot read resource facts.
        with_condition("env", "resource.orphaned\n    subject: environment"),
        with_condition("fine", "resource.orphaned"),
    );
    let (policies, errors) = parse_policies("c.yaml", &text);
    let got: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(got, ["fine"], "{}", messages(&errors));
    assert!(errors.iter().all(|e| e.kind == LoadErrorKind::Condition), "{}", messages(&errors));
    // (policy, line, what the file holds from the reported column on).
    let lines: Vec<&str> = text.lines().collect();
    let at: Vec<(&str, u32, String)> = errors
        .iter()
        .map(|e| {
            let from = lines[e.line as usize - 1].chars().skip(e.column as usize - 1).collect();
            (e.policy_id.as_deref().unwrap_or(""), e.line, from)
        })
        .collect();
    let expect = [
        ("literal", 10, "sharedusers == 0"),
        ("folded", 19, "nope"),
        ("plain", 26, "never_usd"),
        ("quoted", 33, "+ 'a' == 2\""),
        // Where in `resource.orphaned` is the compiler's choice; the line is the loader's.
        ("env", 40, ""),
    ];
    assert_eq!(at.len(), expect.len(), "{}", messages(&errors));
    for ((id, line, from), (want_id, want_line, want_from)) in at.iter().zip(expect) {
        assert_eq!((*id, *line), (want_id, want_line), "{}", messages(&errors));
        assert!(from.starts_with(want_from), "{id}: `{from}` at the reported column");
    }
    let plain = &errors[2].to_string();
    assert!(plain.starts_with("c.yaml:26:43: policy `plain`: condition: unknown field usage.never_usd"), "{plain}");
    assert!(plain.contains("did you mean usage.never_used?"), "{plain}");
    assert!(plain.contains("`steward policy fields`"), "{plain}");
}

#[test]
fn a_set_survives_the_json_the_store_keeps() {
    let (mut policies, errors) = parse_policies("good.yaml", GOOD);
    assert!(errors.is_empty(), "{}", messages(&errors));
    policies[0].params.insert("whole_double".into(), ParamValue::Double(20.0));
    let mut set = crate::builtin::builtin_set();
    set.policies.extend(policies);
    let json = serde_json::to_string(&set).expect("serialize");
    let back: PolicySet = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, set);
    assert_eq!(back.digest(), set.digest());
    let shared = back.get("app-shared-widely").expect("own policy");
    assert_eq!(shared.params["whole_double"], ParamValue::Double(20.0), "20.0 stays a decimal");
}

#[test]
fn a_bad_condition_is_listed_with_the_other_problems_of_its_policy() {
    let text = "id: two-problems\nversion: 1\ntitle: T\nrationale: R\nremediation: X\nlevel: mandatory\n\
                condition: resource.ownr_count > 1\n";
    let (policies, errors) = parse_policies("p.yaml", text);
    assert!(policies.is_empty());
    let all = messages(&errors);
    assert_eq!(errors.len(), 2, "{all}");
    assert_eq!((errors[0].kind, errors[0].line), (LoadErrorKind::Invalid, 6), "{all}");
    assert_eq!((errors[1].kind, errors[1].line, errors[1].column), (LoadErrorKind::Condition, 7, 21), "{all}");
}
