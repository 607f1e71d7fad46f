//! Building policies from the YAML tree, one entry at a time.
//!
//! Every problem of an entry is reported (not only the first), each at the line and column of
//! the offending key or value, with what to do about it. An entry with any problem is left out
//! of the set; the other entries of the file still load.

use super::node::{self, Node, Value};
use super::position;
use super::{LoadError, LoadErrorKind};
use crate::cel::{ParamValue, Params};
use crate::facts::Subject;
use crate::model::{Effect, Level, Policy, Scope, Source};
use std::collections::HashSet;
use std::str::FromStr;
use steward_model::{EnvironmentType, ResourceKind};

/// The keys a policy may have. Anything else is an error: a typo such as `condtion:` must
/// not silently turn a rule off.
const POLICY_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "rationale",
    "level",
    "subject",
    "scope",
    "params",
    "condition",
    "remediation",
    "effect",
    "tracked",
];

const SCOPE_KEYS: &[&str] = &["platforms", "kinds", "environments", "environment_types", "groups"];

/// Longest id accepted; ids end up in URLs, CLI arguments and table cells.
const MAX_ID_LEN: usize = 80;

/// A policy as read from a file, with what the set loader needs beyond the policy itself.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub policy: Policy,
    /// `tracked:` was written, rather than derived from the level (overrides that change the
    /// level re-derive it only when it was not written).
    pub tracked_explicit: bool,
    pub column: u32,
}

/// Reads the policies of one file. `file` names the file in errors, `source_name` in each
/// policy's [`Source`] (e.g. the path relative to the set's directory).
pub(crate) fn read_policies(file: &str, source_name: &str, text: &str) -> (Vec<Loaded>, Vec<LoadError>) {
    let mut reader = Reader { file, source_name, text, errors: Vec::new() };
    let documents = match node::parse(text) {
        Ok(documents) => documents,
        Err(e) => {
            reader.errors.push(LoadError {
                file: file.to_string(),
                line: e.line,
                column: e.column,
                policy_id: None,
                kind: LoadErrorKind::Syntax,
                message: format!("YAML syntax error: {}; fix the syntax (the whole file was skipped)", e.message),
            });
            return (Vec::new(), reader.errors);
        }
    };
    let mut policies = Vec::new();
    for document in &documents {
        reader.document(document, &mut policies);
    }
    (policies, reader.errors)
}

struct Reader<'a> {
    file: &'a str,
    source_name: &'a str,
    text: &'a str,
    errors: Vec<LoadError>,
}

/// Problems of one entry, collected before the entry is given up.
struct Problems<'r, 'a> {
    reader: &'r mut Reader<'a>,
    id: Option<String>,
    found: Vec<(u32, u32, LoadErrorKind, String)>,
}

impl Problems<'_, '_> {
    fn at(&mut self, node: &Node, message: impl Into<String>) {
        self.found.push((node.line, node.column, LoadErrorKind::Invalid, message.into()));
    }

    fn at_position(&mut self, line: u32, column: u32, kind: LoadErrorKind, message: String) {
        self.found.push((line, column, kind, message));
    }

    /// Files the problems as errors; true when there were none.
    fn finish(self) -> bool {
        let ok = self.found.is_empty();
        for (line, column, kind, message) in self.found {
            self.reader.errors.push(LoadError {
                file: self.reader.file.to_string(),
                line,
                column,
                policy_id: self.id.clone(),
                kind,
                message,
            });
        }
        ok
    }
}

impl<'a> Reader<'a> {
    fn error(&mut self, node: &Node, message: String) {
        self.errors.push(LoadError {
            file: self.file.to_string(),
            line: node.line,
            column: node.column,
            policy_id: None,
            kind: LoadErrorKind::Invalid,
            message,
        });
    }

    /// A document is one policy (a mapping with `id`, …) or `policies:` with a list.
    fn document(&mut self, document: &Node, out: &mut Vec<Loaded>) {
        match &document.value {
            Value::Null => {}
            Value::Map(entries) => {
                let list = entries.iter().find(|(k, _)| k.key_text(self.text) == "policies");
                let Some((_, list)) = list else {
                    if let Some(loaded) = self.policy(document) {
                        out.push(loaded);
                    }
                    return;
                };
                for (key, _) in entries {
                    let name = key.key_text(self.text);
                    if name != "policies" {
                        self.error(
                            key,
                            format!(
                                "unexpected key `{name}` beside `policies:`; a file holds either \
                                 one policy or a list under `policies:`, so move it into a policy \
                                 of the list"
                            ),
                        );
                    }
                }
                match &list.value {
                    Value::Null => {}
                    Value::Seq(items) => {
                        for item in items {
                            if let Some(loaded) = self.policy(item) {
                                out.push(loaded);
                            }
                        }
                    }
                    _ => self.error(
                        list,
                        format!("`policies:` holds {}; it must be a list of policies (`- id: …`)", list.kind()),
                    ),
                }
            }
            Value::Seq(_) => self.error(
                document,
                "the file is a bare list; put the list under `policies:` (a file holds one \
                 policy, or `policies:` with a list)"
                    .to_string(),
            ),
            _ => self.error(
                document,
                format!(
                    "expected a policy (a mapping with id, version, title, …) or `policies:` with \
                     a list, found {}",
                    document.kind()
                ),
            ),
        }
    }

    /// One policy entry; `None` (with the problems filed) when it is not valid.
    fn policy(&mut self, entry: &Node) -> Option<Loaded> {
        let text = self.text;
        let Value::Map(entries) = &entry.value else {
            self.error(entry, format!("a policy must be a mapping (id, version, title, …), found {}", entry.kind()));
            return None;
        };
        let id_node = entries.iter().find(|(k, _)| k.key_text(text) == "id").map(|(_, v)| v);
        let mut p = Problems { id: id_node.and_then(|n| n.as_text(text)), reader: self, found: Vec::new() };

        let mut seen: HashSet<String> = HashSet::new();
        let mut fields = Fields::default();
        for (key, value) in entries {
            let name = key.key_text(text);
            if !seen.insert(name.clone()) {
                p.at(key, format!("`{name}` is given twice; keep one (YAML keys must be unique)"));
                continue;
            }
            match name.as_str() {
                "id" => fields.id = read_id(&mut p, value, text),
                "version" => fields.version = read_version(&mut p, value),
                "title" => fields.title = read_text(&mut p, "title", value, text),
                "rationale" => fields.rationale = read_text(&mut p, "rationale", value, text),
                "remediation" => fields.remediation = read_text(&mut p, "remediation", value, text),
                "level" => fields.level = read_level(&mut p, value, text),
                "subject" => fields.subject = read_subject(&mut p, value, text),
                "effect" => fields.effect = read_effect(&mut p, value, text),
                "tracked" => fields.tracked = read_bool(&mut p, "tracked", value),
                "scope" => fields.scope = read_scope(&mut p, value, text),
                "params" => fields.params = read_params(&mut p, value, text),
                "condition" => {
                    fields.condition = read_text(&mut p, "condition", value, text).map(|c| (c, value.clone()))
                }
                _ => p.at(key, unknown_key("policy", &name, POLICY_KEYS)),
            }
        }

        let missing = |p: &mut Problems, key: &str, hint: &str| {
            p.at(entry, format!("missing `{key}`: {hint}"));
        };
        if !seen.contains("id") {
            missing(
                &mut p,
                "id",
                "give the policy a unique kebab-case id, e.g. `id: app-shared-without-justification`",
            );
        }
        if !seen.contains("version") {
            missing(&mut p, "version", "add `version: 1` and raise it whenever the policy's meaning changes");
        }
        for (key, hint) in [
            ("title", "a one-line summary shown in reports"),
            ("rationale", "why the policy exists (shown to owners and reviewers)"),
            ("remediation", "what the owner should do to comply"),
            ("condition", "a CEL expression that is true when the policy is violated"),
        ] {
            if !seen.contains(key) {
                missing(&mut p, key, &format!("add `{key}:` ({hint})"));
            }
        }
        if !seen.contains("level") {
            missing(&mut p, "level", "add `level: must`, `should` or `could`");
        }

        let subject = fields.subject.unwrap_or_default();
        if let Some(scope) = &fields.scope
            && subject == Subject::Environment
            && !scope.kinds.is_empty()
        {
            let node = scope_key_node(entry, text, "kinds").unwrap_or(entry);
            p.at(
                node,
                "`scope.kinds` does not apply to `subject: environment` (an environment has no \
                 kind); remove it, or use `environment_types`",
            );
        }

        // The condition is compiled whenever what it depends on (subject, params) was read,
        // so that its problems are listed with the others.
        let subject_ok = !seen.contains("subject") || fields.subject.is_some();
        let params_ok = !seen.contains("params") || fields.params.is_some();
        let params = fields.params.unwrap_or_default();
        if let Some((condition, condition_node)) = &fields.condition
            && subject_ok
            && params_ok
            && let Err(e) = super::compile_condition(condition, subject, &params)
        {
            let at = condition_position(text, condition_node, condition, e.offset);
            let message = if e.message.contains("unknown field") {
                format!("condition: {} (`steward policy fields` lists the facts a condition can read)", e.message)
            } else {
                format!("condition: {}", e.message)
            };
            p.at_position(at.line, at.column, LoadErrorKind::Condition, message);
        }

        let (
            Some(id),
            Some(version),
            Some(title),
            Some(rationale),
            Some(level),
            Some((condition, _)),
            Some(remediation),
        ) = (
            fields.id,
            fields.version,
            fields.title,
            fields.rationale,
            fields.level,
            fields.condition,
            fields.remediation,
        )
        else {
            p.finish();
            return None;
        };
        if !p.found.is_empty() {
            p.finish();
            return None;
        }
        let tracked_explicit = fields.tracked.is_some();
        let policy = Policy {
            id,
            version,
            title,
            rationale,
            level,
            subject,
            scope: fields.scope.unwrap_or_default(),
            params,
            condition,
            remediation,
            effect: fields.effect.unwrap_or(Effect::Record),
            tracked: fields.tracked.unwrap_or(level == Level::Must),
            source: Source { file: p.reader.source_name.to_string(), line: entry.line },
        };
        p.finish();
        Some(Loaded { policy, tracked_explicit, column: entry.column })
    }
}

#[derive(Default)]
struct Fields {
    id: Option<String>,
    version: Option<u32>,
    title: Option<String>,
    rationale: Option<String>,
    remediation: Option<String>,
    level: Option<Level>,
    subject: Option<Subject>,
    effect: Option<Effect>,
    tracked: Option<bool>,
    scope: Option<Scope>,
    params: Option<Params>,
    condition: Option<(String, Node)>,
}

/// Where byte `offset` of the condition was written (the condition's own position when the
/// span is unknown).
pub(crate) fn condition_position(text: &str, node: &Node, condition: &str, offset: usize) -> position::LineColumn {
    node.offset
        .and_then(|start| position::locate(text, start, node.len.map(|l| start.saturating_add(l)), condition, offset))
        .unwrap_or(position::LineColumn { line: node.line, column: node.column })
}

fn scope_key_node<'n>(entry: &'n Node, text: &str, key: &str) -> Option<&'n Node> {
    let Value::Map(entries) = &entry.value else {
        return None;
    };
    let (_, scope) = entries.iter().find(|(k, _)| k.key_text(text) == "scope")?;
    let Value::Map(scope) = &scope.value else {
        return None;
    };
    scope.iter().find(|(k, _)| k.key_text(text) == key).map(|(k, _)| k)
}

/// Text fields: trimmed; empty is an error (an empty title or remediation helps nobody).
fn read_text(p: &mut Problems, key: &str, node: &Node, text: &str) -> Option<String> {
    match node.as_text(text) {
        Some(s) if !s.trim().is_empty() => Some(s.trim_end().to_string()),
        Some(_) => {
            p.at(node, format!("`{key}` is empty; write it out"));
            None
        }
        None => {
            p.at(node, format!("`{key}` must be text, found {}", node.kind()));
            None
        }
    }
}

pub(crate) fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && id.starts_with(|c: char| c.is_ascii_lowercase())
}

fn read_id(p: &mut Problems, node: &Node, text: &str) -> Option<String> {
    let Some(id) = node.as_text(text) else {
        p.at(node, format!("`id` must be text, found {}", node.kind()));
        return None;
    };
    if id.len() > MAX_ID_LEN {
        p.at(node, format!("`id` is {} characters long; keep it under {MAX_ID_LEN}", id.len()));
        return None;
    }
    if !is_kebab_case(&id) {
        let suggestion = to_kebab_case(&id);
        let hint = if is_kebab_case(&suggestion) { format!(", e.g. `{suggestion}`") } else { String::new() };
        p.at(
            node,
            format!(
                "id `{id}` is not kebab-case: use lowercase letters, digits and single dashes, \
                 starting with a letter{hint}"
            ),
        );
        return None;
    }
    Some(id)
}

fn to_kebab_case(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn read_version(p: &mut Problems, node: &Node) -> Option<u32> {
    match node.value {
        Value::Int(v) if v >= 1 => match u32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                p.at(node, format!("`version` {v} is too large (at most {})", u32::MAX));
                None
            }
        },
        Value::Int(v) => {
            p.at(node, format!("`version` {v} must be 1 or more"));
            None
        }
        _ => {
            p.at(node, format!("`version` must be a whole number (1, 2, …), found {}", node.kind()));
            None
        }
    }
}

fn read_bool(p: &mut Problems, key: &str, node: &Node) -> Option<bool> {
    match node.value {
        Value::Bool(b) => Some(b),
        _ => {
            p.at(node, format!("`{key}` must be true or false, found {}", node.kind()));
            None
        }
    }
}

/// A closed set of spellings: the value, or an error listing them (with the likely intended one).
pub(crate) fn choice<T: Copy>(key: &str, node: &Node, text: &str, choices: &[(&str, T)]) -> Result<T, String> {
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    let Some(s) = node.as_text(text) else {
        return Err(format!("`{key}` must be one of {}, found {}", names.join(", "), node.kind()));
    };
    if let Some((_, v)) = choices.iter().find(|(n, _)| *n == s) {
        return Ok(*v);
    }
    let hint = suggest(&s.to_ascii_lowercase().replace('_', "-"), &names)
        .or_else(|| suggest(&s.to_ascii_lowercase(), &names))
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(format!("`{key}: {s}` is not one of {}{hint}", names.join(", ")))
}

pub(crate) const LEVELS: &[(&str, Level)] =
    &[("must", Level::Must), ("should", Level::Should), ("could", Level::Could)];

pub(crate) const EFFECTS: &[(&str, Effect)] = &[
    ("record", Effect::Record),
    ("notify-owner", Effect::NotifyOwner),
    ("campaign", Effect::Campaign),
    ("recommend-quarantine", Effect::RecommendQuarantine),
];

fn read_choice<T: Copy>(p: &mut Problems, key: &str, node: &Node, text: &str, choices: &[(&str, T)]) -> Option<T> {
    choice(key, node, text, choices).map_err(|message| p.at(node, message)).ok()
}

fn read_level(p: &mut Problems, node: &Node, text: &str) -> Option<Level> {
    read_choice(p, "level", node, text, LEVELS)
}

fn read_subject(p: &mut Problems, node: &Node, text: &str) -> Option<Subject> {
    read_choice(p, "subject", node, text, &[("resource", Subject::Resource), ("environment", Subject::Environment)])
}

fn read_effect(p: &mut Problems, node: &Node, text: &str) -> Option<Effect> {
    read_choice(p, "effect", node, text, EFFECTS)
}

/// A list of strings; a single string is taken as a list of one.
fn read_string_list(p: &mut Problems, key: &str, node: &Node, text: &str) -> Option<Vec<(String, Node)>> {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for item in items {
                match (&item.value, item.as_text(text)) {
                    (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_), Some(s)) => {
                        out.push((s, item.clone()))
                    }
                    _ => {
                        p.at(item, format!("`{key}` must list text values, found {}", item.kind()));
                        ok = false;
                    }
                }
            }
            ok.then_some(out)
        }
        Value::Str(s) => Some(vec![(s.clone(), node.clone())]),
        _ => {
            p.at(node, format!("`{key}` must be a list (`[a, b]`), found {}", node.kind()));
            None
        }
    }
}

fn read_scope(p: &mut Problems, node: &Node, text: &str) -> Option<Scope> {
    let Value::Map(entries) = &node.value else {
        if node.value == Value::Null {
            return Some(Scope::default());
        }
        p.at(node, format!("`scope` must be a mapping (kinds, environment_types, …), found {}", node.kind()));
        return None;
    };
    let mut scope = Scope::default();
    let mut ok = true;
    let mut seen = HashSet::new();
    for (key, value) in entries {
        let name = key.key_text(text);
        if !seen.insert(name.clone()) {
            p.at(key, format!("`scope.{name}` is given twice; keep one"));
            ok = false;
            continue;
        }
        let field = format!("scope.{name}");
        match name.as_str() {
            "platforms" | "environments" | "groups" => {
                let Some(list) = read_string_list(p, &field, value, text) else {
                    ok = false;
                    continue;
                };
                let list: Vec<String> = list.into_iter().map(|(s, _)| s).collect();
                match name.as_str() {
                    "platforms" => scope.platforms = list,
                    "environments" => scope.environments = list,
                    _ => scope.groups = list,
                }
            }
            "kinds" => match read_enum_list::<ResourceKind>(p, &field, value, text) {
                Some(kinds) => scope.kinds = kinds,
                None => ok = false,
            },
            "environment_types" => match read_enum_list::<EnvironmentType>(p, &field, value, text) {
                Some(types) => scope.environment_types = types,
                None => ok = false,
            },
            _ => {
                p.at(key, unknown_key("scope", &name, SCOPE_KEYS));
                ok = false;
            }
        }
    }
    ok.then_some(scope)
}

fn read_enum_list<T>(p: &mut Problems, key: &str, node: &Node, text: &str) -> Option<Vec<T>>
where
    T: FromStr<Err = steward_model::UnknownValue> + PartialEq,
{
    let list = read_string_list(p, key, node, text)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (s, item) in list {
        match T::from_str(&s) {
            Ok(v) => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Err(e) => {
                let expected: Vec<&str> = e.expected.split(", ").collect();
                let hint = suggest(&s.to_ascii_lowercase().replace(['-', ' '], "_"), &expected)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                p.at(&item, format!("`{key}`: unknown {} `{s}`{hint}; expected one of {}", e.what, e.expected));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub(crate) fn is_param_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn read_params(p: &mut Problems, node: &Node, text: &str) -> Option<Params> {
    let Value::Map(entries) = &node.value else {
        if node.value == Value::Null {
            return Some(Params::new());
        }
        p.at(
            node,
            format!("`params` must be a mapping of names to values (`max_shared_users: 20`), found {}", node.kind()),
        );
        return None;
    };
    let mut params = Params::new();
    let mut ok = true;
    for (key, value) in entries {
        let name = key.key_text(text);
        if !is_param_name(&name) {
            p.at(
                key,
                format!(
                    "param name `{name}` is not a CEL identifier; use lowercase letters, digits \
                     and `_` (e.g. `max_shared_users`)"
                ),
            );
            ok = false;
            continue;
        }
        if params.contains_key(&name) {
            p.at(key, format!("param `{name}` is given twice; keep one"));
            ok = false;
            continue;
        }
        match param_value(value, text) {
            Ok(v) => {
                params.insert(name, v);
            }
            Err(message) => {
                p.at(value, format!("param `{name}`: {message}"));
                ok = false;
            }
        }
    }
    ok.then_some(params)
}

/// A param value: a number, a boolean, text, or a list of text.
pub(crate) fn param_value(node: &Node, text: &str) -> Result<ParamValue, String> {
    match &node.value {
        Value::Int(i) => Ok(ParamValue::Int(*i)),
        Value::Float(f) if f.is_finite() => Ok(ParamValue::Double(*f)),
        Value::Float(_) => Err("must be a finite number".into()),
        Value::Bool(b) => Ok(ParamValue::Bool(*b)),
        Value::Str(s) => Ok(ParamValue::String(s.clone())),
        Value::Seq(items) => items
            .iter()
            .map(|item| match &item.value {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(format!(
                    "lists hold text only, found {} at line {}; quote it (`\"{}\"`)",
                    item.kind(),
                    item.line,
                    item.as_text(text).unwrap_or_default()
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        Value::Null => Err("has no value; give a number, true/false, text or a list of text".into()),
        Value::Map(_) => Err("is a mapping; a param is a number, true/false, text or a list of text".into()),
    }
}

/// "unknown key" with the closest known key, if any is close.
pub(crate) fn unknown_key(what: &str, name: &str, known: &[&str]) -> String {
    let hint = suggest(name, known).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
    format!("unknown {what} key `{name}`; {hint}known keys: {}", known.join(", "))
}

/// The known word closest to `word`, when it is a plausible typo of it (or the same word
/// spelled differently, which callers normalise before asking).
pub(crate) fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let (best, distance) = known.iter().map(|k| (*k, edit_distance(word, k))).min_by_key(|(_, d)| *d)?;
    (distance <= (best.len() / 3).max(1)).then_some(best)
}

/// Edit distance counting a swap of two neighbours as one edit (`levle` → `level`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best =
                (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("condtion", POLICY_KEYS), Some("condition"));
        assert_eq!(suggest("remedation", POLICY_KEYS), Some("remediation"));
        assert_eq!(suggest("owner", POLICY_KEYS), None);
        assert_eq!(suggest("mandatory", &["must", "should", "could"]), None);
        assert_eq!(suggest("shuld", &["must", "should", "could"]), Some("should"));
        assert_eq!(suggest("levle", &["params", "level"]), Some("level"));
        assert_eq!(suggest("canvas_app", &["canvas_app", "agent"]), Some("canvas_app"));
    }

    #[test]
    fn kebab_case_ids() {
        assert!(is_kebab_case("app-shared-20"));
        assert!(!is_kebab_case("App-shared"));
        assert!(!is_kebab_case("app--shared"));
        assert!(!is_kebab_case("-app"));
        assert!(!is_kebab_case("9app"));
        assert_eq!(to_kebab_case("App Shared_Users"), "app-shared-users");
    }
}
